"""Returns in: long, wide and CRSP-shaped tables give what the price path gives.

The reference is the price path on the bundled snapshot. The return tables are made
here from the same prices with pandas' ``pct_change`` (``P_t / P_{t-1} - 1``, the
operation the price path performs), so abnormal returns and their statistics agree
bit for bit; raw returns over windows come from a return index and agree to a few
units in the last place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy, ReturnSource, bundled_events
from eventstudy.cli import main
from eventstudy.errors import PriceDataError, SpecificationError, UnknownTickerError
from eventstudy.events import Event

EXACT = ("car", "se", "t_stat", "df", "p_value", "bhar", "n_days", "n_estimation", "n_excluded")
XIAOMI = bundled_events("xiaomi")
LUOKUNG = bundled_events("luokung")


@pytest.fixture(scope="module")
def xiaomi_prices():
    return EventStudy(XIAOMI).fit()


def _returns(raw_prices, ticker: str, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """A long return table of one ticker: what a vendor computes from its prices."""
    prices = raw_prices(ticker).drop(index=pd.DatetimeIndex(list(drop)))
    ret = prices["adj_close"].pct_change()  # spans a dropped day, as CRSP's returns do
    return pd.DataFrame({"ticker": ticker, "date": prices.index, "ret": ret.to_numpy()})


def _long(raw_prices, drop=()) -> pd.DataFrame:
    return pd.concat([_returns(raw_prices, "1810.HK", drop), _returns(raw_prices, "^HSI")],
                     ignore_index=True)


def _same(results, reference, raw_tol=1e-14):
    got, want = results.windows, reference.windows
    for column in EXACT:
        np.testing.assert_array_equal(got[column], want[column], err_msg=column)
    for column in ("raw_return", "market_return"):
        np.testing.assert_allclose(got[column], want[column], rtol=0, atol=raw_tol, err_msg=column)
    moves = results.sessions
    assert moves.peak_move.isna().all() and moves.trough_move.isna().all()


def test_a_long_table_gives_the_price_path_results(raw_prices, xiaomi_prices):
    results = EventStudy(XIAOMI, returns=_long(raw_prices)).fit()
    _same(results, xiaomi_prices)
    daily_r, daily_p = results.daily, xiaomi_prices.daily
    np.testing.assert_array_equal(daily_r.ar, daily_p.ar)
    np.testing.assert_array_equal(daily_r.ret, daily_p.ret)
    notes = results.diagnostics.set_index("kind")
    assert notes.loc["no_intraday", "ticker"] == ""  # one note for the whole table
    assert "peak and trough moves are not available" in notes.loc["no_intraday", "detail"]
    # pct_change leaves each security's first return empty: 2 missing, in 2 securities
    assert notes.loc["missing_returns", "detail"].startswith("2 missing returns in 2 securities")


def test_a_session_without_a_row_has_no_return_and_the_next_is_kept(raw_prices):
    """A vendor's extract may leave sessions out; its other returns are one-day returns."""
    day, after = pd.Timestamp("2020-09-03"), pd.Timestamp("2020-09-04")  # XHKG sessions
    long = _long(raw_prices)
    given = long.set_index(["ticker", "date"]).loc[("1810.HK", after), "ret"]
    cut = long[~((long.ticker == "1810.HK") & (long.date == day))]
    results = EventStudy(XIAOMI[:1], returns=cut, estimation=(-250, -11)).fit()
    store = results.panel.store
    ret = pd.Series(store.piece("ret", 0), index=store.sessions[0])
    assert np.isnan(ret[day]) and ret[after] == given
    (missing,) = results.diagnostics.query("kind == 'estimation_missing'").detail
    assert missing == "1 of 240 estimation sessions has no usable return"
    (gap,) = results.diagnostics.query("kind == 'missing_sessions'").detail
    assert gap == "1 exchange session has no row (2020-09-03); it has no return"


def test_a_gap_of_one_session_of_returns_is_singular(raw_prices):
    long = _long(raw_prices)
    cut = long[~((long.ticker == "1810.HK") & (long.date == pd.Timestamp("2020-09-03")))]
    results = EventStudy(XIAOMI[:1], returns=cut, estimation=(-250, -11), max_gap=0).fit()
    (gap,) = results.diagnostics.query("kind == 'trading_gap'").detail
    assert gap.startswith("no return on the session 2020-09-03 (relative day -")
    assert gap.endswith("in the estimation window): a halt or suspension? That session has no "
                        "return")


def test_log_returns_in_and_out(raw_prices, xiaomi_prices):
    table = _long(raw_prices)
    logged = table.assign(ret=np.log1p(table["ret"]))
    source = ReturnSource(logged, kind="log")
    results = EventStudy(XIAOMI, returns=source).fit()
    for column in ("car", "se", "t_stat", "bhar"):
        np.testing.assert_allclose(results.windows[column], xiaomi_prices.windows[column],
                                   rtol=1e-12, err_msg=column)


def test_log_design_on_returns(raw_prices):
    """``returns="log"`` still sets the design: log returns from the return data."""
    want = EventStudy(XIAOMI, returns="log").fit()
    got = EventStudy(XIAOMI, returns=ReturnSource(_long(raw_prices)), design=want.design).fit()
    assert got.design.returns == "log"
    for column in ("car", "se", "t_stat", "raw_return"):
        np.testing.assert_allclose(got.windows[column], want.windows[column], rtol=1e-12,
                                   atol=1e-15, err_msg=column)


def test_wide_table_and_market_series(raw_prices, xiaomi_prices):
    long = _long(raw_prices)
    wide = long.pivot(index="date", columns="ticker", values="ret")
    assert wide.isna().sum().tolist() == [1, 1]  # each security's first day
    _same(EventStudy(XIAOMI, returns=wide).fit(), xiaomi_prices)
    market = long[long.ticker == "^HSI"].set_index("date")["ret"].rename("^HSI")
    stock = long[long.ticker == "1810.HK"]
    no_market = [Event(e.ticker, e.date, id=e.id, type=e.type, time=e.time, timing=e.timing,
                       timezone=e.timezone) for e in XIAOMI]
    _same(EventStudy(no_market, returns=stock, market=market).fit(), xiaomi_prices)


def _crsp(raw_prices, permno: int = 12345) -> pd.DataFrame:
    """LKCO shaped like a CRSP daily extract: PERMNO, YYYYMMDD dates, RET text, vwretd."""
    stock = _returns(raw_prices, "LKCO")
    market = _returns(raw_prices, "^IXIC")
    ret = stock["ret"].map(lambda r: f"{r:.17g}").astype(object)
    ret.iloc[0] = "C"  # CRSP: no valid previous price
    return pd.DataFrame({
        "PERMNO": permno,
        "DATE": stock["date"].dt.strftime("%Y%m%d").astype(int),
        "TICKER": "LKCO",
        "RET": ret,
        "vwretd": market["ret"].to_numpy(),
    })


def _as_permno(events, permno="12345"):
    return [Event(permno, e.date, id=e.id, exchange=e.exchange, type=e.type, time=e.time,
                  timing=e.timing, timezone=e.timezone) for e in events]


def test_crsp_extract_with_codes_and_a_market_column(raw_prices, tmp_path):
    reference = EventStudy(LUOKUNG).fit()
    crsp = _crsp(raw_prices)
    events = _as_permno(LUOKUNG)
    with pytest.raises(PriceDataError, match="several identifier columns .*id_column='permno'"):
        EventStudy(events, returns=crsp, market="vwretd")
    source = ReturnSource(crsp, market="vwretd", id_column="PERMNO")
    results = EventStudy(events, returns=source).fit()
    _same(results, reference)
    assert set(source.tickers()) == {"12345", "vwretd"}
    # the same from a CSV file, and from the command line
    crsp.drop(columns="TICKER").to_csv(tmp_path / "crsp.csv", index=False)
    from_file = EventStudy(events, returns=tmp_path / "crsp.csv", market="vwretd").fit()
    _same(from_file, reference)


def test_crsp_missing_codes_are_missing_and_reported(raw_prices):
    crsp = _crsp(raw_prices).drop(columns="TICKER")
    crsp.loc[100, "RET"] = "-99"
    crsp.loc[200, "RET"] = ".B"
    crsp.loc[300, "RET"] = "-66.0"
    table = ReturnSource(crsp, market="vwretd").table(["12345"])
    ret = table.columns["ret"]
    # after -99 (no valid price) CRSP's next return spans two sessions: not used either
    assert np.isnan(ret[[0, 100, 101, 200, 300]]).all()
    assert np.isfinite(ret[[1, 99, 102, 201, 301]]).all()
    results = EventStudy(_as_permno(LUOKUNG), returns=crsp, market="vwretd").fit()
    counts, spanning = results.diagnostics.query("kind == 'missing_returns'").detail
    assert counts == ("4 missing returns in 1 security (1 no valid price (-99), 1 off-exchange "
                      "(-77), 2 no valid previous price (-66)); those days have no return")
    assert spanning.startswith("1 return after a missing price (CRSP's -99) not used")


def test_crsp_on_the_command_line(raw_prices, tmp_path, capsys):
    crsp = _crsp(raw_prices).drop(columns="TICKER")
    crsp.to_csv(tmp_path / "crsp.csv", index=False)
    events = pd.DataFrame({"ticker": "12345", "date": ["2021-01-14"], "exchange": "XNAS"})
    events.to_csv(tmp_path / "events.csv", index=False)
    argv = ["run", "--events", str(tmp_path / "events.csv"), "--return-data",
            str(tmp_path / "crsp.csv"), "--market", "vwretd", "--format", "csv"]
    sessions = tmp_path / "sessions.csv"
    assert main([*argv, "--sessions-output", str(sessions)]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert table.ticker.astype(str).unique().tolist() == ["12345"]
    moves = pd.read_csv(sessions)
    assert moves.peak_move.isna().all() and moves.trough_move.isna().all()
    crsp.loc[10, "RET"] = "n/a"
    crsp.to_csv(tmp_path / "crsp.csv", index=False)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "crsp.csv line 12: 12345: ret on 2019-06-17 is 'n/a', not a number" in err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.assign(ret=t.ret.abs() * 100), r"1810.HK: the returns' mean absolute value "
                                                     r"is [\d.]+, over 20% a day: are they in "
                                                     "percent"),
        # row 5 is 2019-06-11: 2019-06-07 was a Hong Kong holiday (Tuen Ng)
        (lambda t: t.assign(ret=t.ret.where(t.index != 5, -1.0)),
         "1810.HK: ret on 2019-06-11 is -1.0; a return must be finite and above -100%"),
        (lambda t: t.assign(ret=t.ret.where(t.index != 5, np.inf)), "ret on 2019-06-11 is inf"),
        (lambda t: t.drop(columns="ret"), r"no return column \(ret, return, returns\)"),
        (lambda t: t.iloc[[0, 2, 1, *range(3, len(t))]],
         r"1810.HK: dates are not in ascending order \(at 2019-06-04"),
        (lambda t: t.iloc[:0], "the return table is empty"),
    ],
)
def test_bad_return_tables_are_refused(raw_prices, change, message):
    table = _returns(raw_prices, "1810.HK")
    assert str(table.date.iloc[5].date()) == "2019-06-11"
    with pytest.raises(PriceDataError, match=message):
        ReturnSource(change(table))


def test_a_market_column_with_two_values_on_a_date(raw_prices):
    table = pd.concat([_returns(raw_prices, "1810.HK"), _returns(raw_prices, "0981.HK")],
                      ignore_index=True)
    table["vwretd"] = 0.001
    table.loc[table.index[-1], "vwretd"] = 0.002  # the last date, second security
    with pytest.raises(PriceDataError, match=r"vwretd: the market column has two returns on "
                                             r"2021-12-31 \(0.001 and 0.002\)"):
        ReturnSource(table, market="vwretd")


def test_prices_and_returns_together_and_unknown_tickers(raw_prices):
    table = _long(raw_prices)
    with pytest.raises(SpecificationError, match="not both"):
        EventStudy(XIAOMI, prices={"X": raw_prices("^HSI")}, returns=table)
    with pytest.raises(SpecificationError, match="goes with returns="):
        EventStudy(XIAOMI, market=pd.Series([0.01], name="M"))
    with pytest.raises(UnknownTickerError, match=r"'0981.HK'.*available: 1810.HK, \^HSI"):
        EventStudy(bundled_events("smic"), returns=table)


def test_returns_need_only_the_estimation_window_before_the_event(raw_prices):
    """A return series needs no extra session before its first estimation return."""
    long = _long(raw_prices)
    first = pd.Timestamp("2020-01-02")
    event = Event("1810.HK", "2021-01-14", market="^HSI", timing="after_close",
                  timezone="America/New_York")
    sessions = pd.DatetimeIndex(long[long.ticker == "1810.HK"].date)
    tau0 = sessions.get_loc(pd.Timestamp("2021-01-15"))
    start = sessions[tau0 - 250]  # the estimation window's first session
    cut = long[long.date >= start].reset_index(drop=True)
    results = EventStudy([event], returns=cut).fit()
    assert results.windows.n_estimation.iloc[0] > 0
    with pytest.raises(Exception, match="needs 250 sessions of returns"):
        EventStudy([event], returns=long[long.date > start]).fit()
    del first


def test_every_analysis_works_on_returns(raw_prices, xiaomi_prices, tmp_path):
    """The analyses the case notebooks call give the price path's numbers on returns."""
    import matplotlib

    matplotlib.use("Agg")
    from eventstudy.analysis.carpath import car_path
    from eventstudy.analysis.moves import session_moves
    from eventstudy.analysis.placebo import placebo_test
    from eventstudy.analysis.robustness import robustness
    from eventstudy.plot import plot_moves, plot_prices

    source = ReturnSource(_long(raw_prices))
    results = EventStudy(XIAOMI, returns=source).fit()
    path, want = car_path(results), car_path(xiaomi_prices)
    np.testing.assert_array_equal(path["car"], want["car"])
    moves, want_moves = session_moves(results), session_moves(xiaomi_prices)
    np.testing.assert_allclose(moves["close_to_close"], want_moves["close_to_close"],
                               rtol=0, atol=1e-15)
    assert moves[["peak_move", "trough_move", "high", "low"]].isna().all().all()
    checks = robustness(XIAOMI, prices=source, models=("market",), exclusion=(True,))
    reference = robustness(XIAOMI, models=("market",), exclusion=(True,))
    np.testing.assert_array_equal(checks["car"], reference["car"])
    placebo = placebo_test(EventStudy(XIAOMI, returns=source), results)
    np.testing.assert_array_equal(placebo.table["p_value"],
                                  placebo_test(EventStudy(XIAOMI), xiaomi_prices).table["p_value"])
    figure = plot_prices(XIAOMI, prices=source)
    assert figure.axes[0].get_ylabel().startswith("Return index")
    figure.savefig(tmp_path / "prices.png")
    plot_moves(moves).savefig(tmp_path / "moves.png")
