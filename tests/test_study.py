"""The Xiaomi case end to end, checked against numbers worked out independently."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from eventstudy import EventStudy, FramePrices, bundled_events
from eventstudy.core.results import WINDOW_COLUMNS
from eventstudy.errors import (
    CatalogError,
    EventWindowError,
    InsufficientDataError,
    SpecificationError,
    UnknownTickerError,
)
from eventstudy.events import Event
from eventstudy.sources import BundledPrices


@pytest.fixture(scope="module")
def xiaomi():
    return EventStudy(bundled_events("xiaomi"), model="market").fit()


def _row(results, event_id, window):
    t = results.windows
    pick = (t.event_id == event_id) & (t.window_start == window[0]) & (t.window_end == window[1])
    (index,) = np.flatnonzero(pick)
    return t.iloc[index]


def test_event_sessions(xiaomi):
    sessions = xiaomi.windows.drop_duplicates("event_id")["event_session"].tolist()
    expected = ["2021-01-15", "2021-02-01", "2021-03-15", "2021-05-12", "2021-05-26"]
    assert sessions == [pd.Timestamp(day) for day in expected]  # dates, not strings
    assert xiaomi.sessions["event_session"].tolist() == [pd.Timestamp(d) for d in expected]
    assert xiaomi.to_frame("params")["event_session"].dtype == "datetime64[ns]"


def test_joint_filing_raw_and_peak_move(xiaomi):
    row = _row(xiaomi, "xiaomi-joint-filing", (0, 0))
    assert row.raw_return == pytest.approx(26.10 / 24.60 - 1, abs=1e-12)  # +6.10%
    assert "peak_move" not in row  # the session's, not the window's
    # the session's own table: prices as given, moves from the previous close
    sessions = xiaomi.to_frame("sessions")
    (joint,) = sessions[sessions.event_id == "xiaomi-joint-filing"].itertuples()
    assert (joint.prev_close, joint.high, joint.low, joint.close) == (24.60, 26.30, 24.65, 26.10)
    assert joint.close_to_close == pytest.approx(26.10 / 24.60 - 1, abs=1e-12)
    assert joint.peak_move == pytest.approx(26.30 / 24.60 - 1, abs=1e-12)  # +6.91%
    assert joint.trough_move == pytest.approx(24.65 / 24.60 - 1, abs=1e-12)
    # Over (-1, +1): close of 2021-05-13 over close of 2021-05-10.
    assert _row(xiaomi, "xiaomi-joint-filing", (-1, 1)).raw_return == pytest.approx(
        25.35 / 25.20 - 1, abs=1e-12
    )


def _independent_market_model(raw_prices, session, drop_sessions=()):
    """Market model fitted with pandas + statsmodels straight from the CSV files."""
    stock = raw_prices("1810.HK")["adj_close"].pct_change()
    market = raw_prices("^HSI")["adj_close"].pct_change()
    dates = stock.index
    pos = dates.get_loc(pd.Timestamp(session))
    est = dates[pos - 250 : pos - 10]  # relative days -250 .. -11
    est = est[~est.isin(pd.DatetimeIndex(drop_sessions))]
    ols = sm.OLS(stock[est].to_numpy(), sm.add_constant(market[est].to_numpy())).fit()
    return ols, stock, market, pos


def test_designation_day0_equals_statsmodels_and_is_significant(xiaomi, raw_prices):
    ols, stock, market, pos = _independent_market_model(raw_prices, "2021-01-15")
    x0 = np.array([[1.0, market.iloc[pos]]])
    ar0 = stock.iloc[pos] - ols.predict(x0)[0]
    se0 = np.sqrt(ols.scale + ols.get_prediction(x0).var_pred_mean[0])
    p0 = 2 * stats.t.sf(abs(ar0 / se0), ols.df_resid)
    row = _row(xiaomi, "xiaomi-designation", (0, 0))
    assert row.car == pytest.approx(ar0, abs=1e-10)
    assert row.se == pytest.approx(se0, abs=1e-10)
    assert row.p_value == pytest.approx(p0, rel=1e-8)
    assert row.df == 238 and row.n_estimation == 240
    assert row.car < 0 and row.p_value < 0.01


def test_later_events_exclude_earlier_event_windows(xiaomi, raw_prices):
    """The joint filing's normal return is estimated without the three earlier shocks."""
    dates = raw_prices("1810.HK").index
    removed = []
    for session in ("2021-01-15", "2021-02-01", "2021-03-15"):
        p = dates.get_loc(pd.Timestamp(session))
        removed.extend(dates[p - 5 : p + 6])  # their (-5, +5) windows
    ols, stock, market, pos = _independent_market_model(raw_prices, "2021-05-12", removed)
    x = np.column_stack([np.ones(2), market.iloc[pos : pos + 2]])
    car = (stock.iloc[pos : pos + 2] - ols.predict(x)).sum()
    g = np.ones(2)
    var = ols.scale * 2 + g @ x @ ols.cov_params() @ x.T @ g
    row = _row(xiaomi, "xiaomi-joint-filing", (0, 1))
    assert row.n_estimation == ols.nobs == 240 - 33
    assert row.car == pytest.approx(car, abs=1e-10)
    assert row.se == pytest.approx(np.sqrt(var), abs=1e-10)
    notes = xiaomi.diagnostics
    note = notes[(notes.event_id == "xiaomi-joint-filing") & (notes.kind == "estimation_exclusion")]
    assert "33 estimation sessions removed" in note.detail.iloc[0]


def test_exclusion_can_be_switched_off():
    results = EventStudy(bundled_events("xiaomi"), exclude_other_events=False).fit()
    assert (results.windows.n_estimation == 240).all()
    assert "estimation_exclusion" not in set(results.diagnostics.kind)


def test_log_returns(raw_prices):
    results = EventStudy(bundled_events("xiaomi"), returns="log", windows=[(0, 0)]).fit()
    row = _row(results, "xiaomi-joint-filing", (0, 0))
    assert row.raw_return == pytest.approx(np.log(26.10 / 24.60), abs=1e-12)


def test_tables_and_displays(xiaomi):
    assert list(xiaomi.to_frame().columns) == list(WINDOW_COLUMNS)
    assert len(xiaomi.windows) == 5 * 4
    daily = xiaomi.to_frame("daily")
    assert len(daily) == 5 * 11 and set(daily.tau) == set(range(-5, 6))
    day0 = daily[(daily.event_id == "xiaomi-designation") & (daily.tau == 0)].iloc[0]
    assert day0.ar == pytest.approx(_row(xiaomi, "xiaomi-designation", (0, 0)).car, abs=1e-15)
    assert day0.date == pd.Timestamp("2021-01-15")
    params = xiaomi.to_frame("params")
    assert {"alpha", "beta", "sigma2", "df"} <= set(params.columns)
    text = str(xiaomi.summary())
    assert "xiaomi-joint-filing" in text and "Estimation window" in text and "+6.10%" in text
    assert "<table" in xiaomi._repr_html_()
    with pytest.raises(ValueError, match="kind must be"):
        xiaomi.to_frame("nope")


def test_window_table_layout_types_and_pooled_cars(xiaomi):
    t = xiaomi.windows
    text = ["case", "event_id", "ticker", "event_type", "announced", "candidate", "model"]
    integers = ["window_start", "window_end", "n_days", "n_estimation", "n_excluded"]
    assert all(t[c].dtype == "str" for c in text) and set(t.model) == {"market"}
    assert t["event_session"].dtype == "datetime64[ns]"
    assert all(t[c].dtype == np.int64 for c in integers)
    others = [c for c in WINDOW_COLUMNS if c not in [*text, *integers, "event_session"]]
    assert all(t[c].dtype == np.float64 for c in others)
    # event-major: each event's windows together, in the design's order
    windows = list(xiaomi.design.windows)
    assert list(zip(t.window_start, t.window_end, strict=True)) == windows * 5
    for _, rows in t.groupby("event_id", sort=False):
        assert len(rows) == len(windows)
        for column in ("df", "n_estimation", "n_excluded"):
            assert rows[column].nunique() == 1, column
    # the pooled table averages the same CARs
    pooled = xiaomi.caar(tests=False)
    for (start, end), row in zip(windows, pooled.itertuples(), strict=True):
        cars = t.car[(t.window_start == start) & (t.window_end == end)]
        assert row.n == 5 and row.caar == pytest.approx(cars.mean(), rel=1e-12)


def test_unknown_timing_both_candidates():
    results = EventStudy(bundled_events("luokung"), unknown_timing="both", windows=[(0, 0)]).fit()
    table = results.windows
    lawsuit = table[table.event_id == "luokung-lawsuit"]
    assert lawsuit.candidate.tolist() == ["earliest", "latest"]
    assert lawsuit.event_session.tolist() == [pd.Timestamp("2021-03-04"),
                                              pd.Timestamp("2021-03-05")]


def _event(date, ticker="1810.HK", market="^HSI", exchange="XHKG"):
    return Event(ticker, dt.date.fromisoformat(date), id="probe", case="test",
                 exchange=exchange, market=market, timing="during", timezone="America/New_York")


def test_event_before_data_start():
    with pytest.raises(EventWindowError, match=r"probe \(1810.HK.*estimation window needs 251"):
        EventStudy([_event("2019-09-02")]).fit()
    with pytest.raises(EventWindowError, match="outside the price data"):
        EventStudy([_event("2023-01-02")]).fit()
    with pytest.raises(EventWindowError, match="event window needs 5 sessions after"):
        EventStudy([_event("2021-12-27")]).fit()


def test_skip_reports_instead_of_raising():
    events = [_event("2019-09-02"), *bundled_events("xiaomi")[:1]]
    results = EventStudy(events, on_error="skip").fit()
    assert results.windows.event_id.unique().tolist() == ["xiaomi-designation"]
    skipped = results.diagnostics[results.diagnostics.kind == "event_skipped"]
    assert skipped.event_id.tolist() == ["probe"]


def test_too_short_estimation():
    with pytest.raises(SpecificationError, match="exceeds the estimation window"):
        EventStudy(bundled_events("xiaomi"), estimation=(-100, -11))
    # Prices with a long hole: fewer than 120 usable returns remain.
    source = BundledPrices()
    stock = source.get("1810.HK").drop(columns="incomplete")
    holed = stock.drop(stock.loc["2020-03-01":"2020-10-01"].index)
    prices = FramePrices({"1810.HK": holed, "^HSI": source.get("^HSI").drop(columns="incomplete")})
    with pytest.raises(InsufficientDataError, match=r"xiaomi-designation.*only \d+ usable"):
        EventStudy(bundled_events("xiaomi")[:1], prices=prices).fit()


def test_ticker_without_prices():
    with pytest.raises(UnknownTickerError, match="'AAPL'"):
        EventStudy([_event("2021-01-04", ticker="AAPL")])
    with pytest.raises(SpecificationError, match="no market index"):
        EventStudy([_event("2021-01-04", market="")])


@pytest.mark.parametrize("enabled", [True, False])
def test_fit_pauses_the_garbage_collector_and_restores_it(enabled, monkeypatch):
    import gc

    import eventstudy.core.study as study

    seen = []
    build = study.build_panel

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return build(*args, **kwargs)

    monkeypatch.setattr(study, "build_panel", spy)
    (gc.enable if enabled else gc.disable)()
    try:
        EventStudy(bundled_events("xiaomi")).fit()
        assert seen == [False]
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


# ----- events in any form ----------------------------------------------------------------------
def test_events_as_a_frame_or_a_file_give_the_same_study(xiaomi, tmp_path):
    from eventstudy import events_frame

    frame = events_frame(bundled_events("xiaomi"))
    frame.to_csv(tmp_path / "xiaomi.csv", index=False)
    frame.to_parquet(tmp_path / "xiaomi.parquet")  # dates and times as parquet's own types
    expected = xiaomi.to_frame()
    for events in (frame, tmp_path / "xiaomi.csv", str(tmp_path / "xiaomi.parquet")):
        pd.testing.assert_frame_equal(EventStudy(events, model="market").fit().to_frame(),
                                      expected)


def test_market_and_exchange_keywords():
    # Luokung's injunction with only a ticker and a date: the exchange and market come
    # from the keywords, the time zone from the exchange (Nasdaq: New York).
    frame = pd.DataFrame({"ticker": ["LKCO"], "date": ["2021-05-05"], "timing": ["during"]})
    study = EventStudy(frame, market="^IXIC", exchange="XNAS", windows=[(0, 0)])
    (event,) = study.events
    assert (event.exchange, event.market, event.timezone) == ("XNAS", "^IXIC",
                                                              "America/New_York")
    row = study.fit().windows.iloc[0]
    assert row.event_session == pd.Timestamp("2021-05-05")  # during 05-05: closes after it
    with pytest.raises(SpecificationError, match="no market index"):
        EventStudy(frame, exchange="XNAS")


@pytest.mark.parametrize(
    ("events", "error", "message"),
    [
        ("my_events.csv", CatalogError, "my_events.csv: cannot read the event catalog"),
        (["my_events.csv"], SpecificationError, "events[0] is 'my_events.csv', not an Event"),
        (3, SpecificationError, "events must be Event objects, a DataFrame or the path"),
        ([], SpecificationError, "no events given"),
    ],
)
def test_what_is_not_events_is_a_typed_error(events, error, message):
    with pytest.raises(error) as info:
        EventStudy(events)
    assert message in str(info.value)
