"""Hostile inputs and faults at the edges (issue 17): no traceback, no silent wrong number,
nothing lost.

One section per class of the issue: design options of the wrong type, degenerate fits,
implausible magnitudes, factor scales, dates at the edges of the calendars, spreadsheet
formulas, the command line's output, and the price cache under damage and concurrency.
Each outcome is either a typed error from :mod:`eventstudy.errors` whose message is one
line naming what to fix, or a result whose changes are reported in its diagnostics.
Expected numbers are worked out here from the bundled files read with plain pandas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy import (
    Event,
    EventStudy,
    FilePrices,
    FramePrices,
    ReturnSource,
    StudyDesign,
    bundled_cases,
    bundled_events,
    read_catalog,
)
from eventstudy.calendar.align import align
from eventstudy.errors import (
    CalendarError,
    CatalogError,
    EventStudyError,
    InsufficientDataError,
    PriceDataError,
    SpecificationError,
)
from eventstudy.sources import price_notes, validate_prices
from eventstudy.sources.factors import read_factors

DATA = Path(__file__).resolve().parent.parent / "data" / "prices"
EVENTS = bundled_events("xiaomi")


def _prices(ticker: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{ticker}.csv", parse_dates=["date"], index_col="date")


def _one_line(message: str) -> None:
    assert message and "\n" not in message and len(message) < 600, message


# ----- design options ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"estimation": (-250.7, -11.2)}, r"must be whole numbers, not -250\.7"),
        ({"windows": [(0.9, 1.9)]}, r"must be whole numbers, not 0\.9"),
        ({"estimation": (float("nan"), -11)}, "whole numbers, not nan"),
        ({"estimation": (float("-inf"), -11)}, "whole numbers, not -inf"),
        ({"estimation": (-(10**30), -11)}, "beyond 50,000 sessions"),
        ({"windows": [(0, 10**9)]}, "beyond 50,000 sessions"),
        ({"estimation": (True, False)}, "must be two integers"),
        ({"estimation": "-250,-11"}, "must be two integers"),
        ({"windows": None}, "sequence of"),
        ({"windows": "0,1"}, "sequence of"),
        ({"windows": (0, 1)}, r"write \[\(0, 1\)\]"),
        ({"min_estimation": "120"}, "min_estimation must be an integer, not '120'"),
        ({"min_estimation": 120.5}, "min_estimation must be a whole number"),
        ({"max_gap": "3"}, "max_gap must be an integer"),
        ({"max_gap": 2.5}, "max_gap must be a whole number"),
        ({"exclude_other_events": "no"}, "must be True or False"),
        ({"on_error": ["skip"]}, "on_error must be one of"),
        ({"unknown_timing": None}, "unknown_timing must be one of"),
        ({"estimation_window": (-250, -11)}, "unknown option 'estimation_window'"),
        ({"design": "market"}, "design must be a StudyDesign"),
        ({"model": ["market"]}, "unknown model"),
        ({"factors": [1, 2]}, "factors must be a DataFrame"),
        ({"partitions": "two"}, "partitions must be an integer"),
        ({"engine": None}, "engine must be one of"),
    ],
)
def test_options_of_the_wrong_type_are_refused_not_truncated(options, message):
    with pytest.raises(SpecificationError, match=message) as error:
        EventStudy(EVENTS, **options)
    _one_line(str(error.value))


def test_whole_floats_and_numpy_integers_are_session_offsets():
    design = StudyDesign(estimation=(-250.0, np.int64(-11)), windows=[(np.int32(0), 1.0)],
                         min_estimation=np.int64(100), exclude_other_events=np.bool_(False))
    assert design.estimation == (-250, -11) and design.windows == ((0, 1),)
    assert type(design.min_estimation) is int and design.exclude_other_events is False


@pytest.mark.parametrize("events", [["a", "b"], [{"ticker": "1810.HK"}], 3, None, b"x.csv"])
def test_events_of_the_wrong_type_are_refused(events):
    with pytest.raises(SpecificationError, match="events") as error:
        EventStudy(events)
    _one_line(str(error.value))


def test_result_options_of_the_wrong_type_are_refused():
    results = EventStudy(EVENTS).fit()
    for call, message in [
        (lambda: results.caar(n_boot="many"), "n_boot must be an integer"),
        (lambda: results.caar(seed="x"), "seed must be an integer"),
        (lambda: results.caar(seed=-1), "seed must be 0 or more"),
        (lambda: results.caar(n_boot=1.5), "n_boot must be a whole number, not 1.5"),
        (lambda: results.aar(group_by=["ticker"]), "group_by must be None or one of"),
        (lambda: results.to_frame(["windows"]), "kind must be one of"),
    ]:
        with pytest.raises(SpecificationError, match=message):
            call()


# ----- degenerate fits -----------------------------------------------------------------------
def _copy_study(model: str, copy: pd.DataFrame, **options):
    """The xiaomi designation and an event of COPY (a series made from ^HSI), both on ^HSI."""
    events = [EVENTS[0], Event("COPY", "2021-01-14", timing="during", market="^HSI",
                               exchange="XHKG", id="copy")]
    prices = FramePrices({"1810.HK": _prices("1810.HK"), "^HSI": _prices("^HSI"), "COPY": copy})
    return EventStudy(events, prices=prices, model=model, **options).fit()


def test_a_stock_given_as_its_own_index_is_refused():
    event = Event("1810.HK", "2021-01-14", timing="during", market="1810.HK")
    with pytest.raises(SpecificationError, match="1810.HK is given as its own market index"):
        EventStudy([event], prices=FramePrices({"1810.HK": _prices("1810.HK")}))


@pytest.mark.parametrize("model", ["market", "market_adjusted", "scholes_williams", "dimson",
                                   "volume_market"])
def test_a_copy_of_the_index_stops_its_event_with_the_reason(model):
    # Before: t = -2.31, p = 0.022 from rounding noise (CAR -1.4e-17, s.e. 6e-18).
    copy = _prices("^HSI") * 3.0  # prices in other units: the same returns
    with pytest.raises(InsufficientDataError, match="fits the estimation window exactly") as e:
        _copy_study(model, copy)
    _one_line(str(e.value))
    results = _copy_study(model, copy, on_error="skip")
    assert results.windows.event_id.unique().tolist() == ["xiaomi-designation"]
    (skipped,) = results.diagnostics.query("kind == 'event_skipped'").itertuples()
    assert skipped.event_id == "copy" and "exactly" in skipped.detail


def test_an_index_tracker_is_not_an_exact_fit():
    # Daily tracking noise of 0.01% against index returns of about 1.3% a day: a share of
    # about 6e-5 of the variance, well above PERFECT_FIT_RTOL.
    index = _prices("^HSI")
    noise = np.exp(np.cumsum(np.random.default_rng(3).normal(0, 1e-4, len(index))))
    tracker = index.mul(noise, axis=0)
    results = _copy_study("market", tracker)
    beta = results.params.set_index("event_id").loc["copy", "beta"]
    assert beta == pytest.approx(1.0, abs=0.01)
    assert "event_skipped" not in set(results.diagnostics.kind)


@pytest.mark.parametrize("model", ["constant_mean", "volume_mean"])
def test_a_series_that_does_not_vary_stops_its_event(model):
    stale = _prices("^HSI").copy()
    before = stale.index < "2021-01-01"
    stale.loc[before, ["open", "high", "low", "close", "adj_close"]] = 100.0  # stale prices
    stale.loc[before, "volume"] = 5_000.0
    with pytest.raises(InsufficientDataError, match="does not vary in the estimation window"):
        _copy_study(model, stale)


def test_a_study_left_without_events_says_why_the_first_was_skipped():
    copy = _prices("^HSI")
    event = Event("COPY", "2021-01-14", timing="during", market="^HSI", exchange="XHKG")
    prices = FramePrices({"^HSI": _prices("^HSI"), "COPY": copy})
    with pytest.raises(EventStudyError, match=r"the only one, COPY@\S+ \(COPY\), was skipped "
                       r"\(on_error='skip'\) because: event COPY@") as e:
        EventStudy([event], prices=prices, on_error="skip").fit()
    _one_line(str(e.value))


# ----- implausible magnitudes ----------------------------------------------------------------
def _stock_with(day: str, **values) -> pd.DataFrame:
    stock = _prices("1810.HK").astype(float)
    for column, value in values.items():
        stock.loc[day, column] = value
    return stock


def _xiaomi(stock: pd.DataFrame, index: pd.DataFrame | None = None, **options):
    index = _prices("^HSI") if index is None else index
    prices = FramePrices({"1810.HK": stock, "^HSI": index})
    return EventStudy([EVENTS[0]], prices=prices, **options).fit()


@pytest.mark.parametrize("value", [1e300, 1e-300, 1e13, 1e-7])
def test_closes_outside_the_plausible_range_are_refused(value):
    # Before: a close of 1e300 on the event session gave a CAR of 3e298 and a split note.
    prices = ["open", "high", "low", "close", "adj_close"]
    stock = _stock_with("2021-01-15", **dict.fromkeys(prices, value))
    with pytest.raises(PriceDataError, match=r"1810.HK: close on 2021-01-15 is .*outside the "
                                             r"plausible range 1e-06 to 1e\+12") as error:
        FramePrices({"1810.HK": stock})
    _one_line(str(error.value))


def test_volumes_beyond_the_plausible_range_are_refused():
    with pytest.raises(PriceDataError, match=r"volume on 2021-01-15 is 1e\+300; outside the "
                                             r"plausible range 0 to 1e\+15"):
        FramePrices({"1810.HK": _stock_with("2021-01-15", volume=1e300)})


def test_penny_stocks_and_extreme_index_levels_are_accepted():
    stock = _prices("1810.HK").copy()
    prices = ["open", "high", "low", "close", "adj_close"]
    stock[prices] = stock[prices] * 1e-5  # 0.00009 a share: a sub-penny stock
    index = _prices("^HSI").copy()
    index[prices] = index[prices] * 1e6  # 2e10: a hyperinflation index
    results = _xiaomi(stock, index)
    assert results.windows.car.iloc[0] == pytest.approx(_xiaomi(_prices("1810.HK")).windows.car
                                                        .iloc[0], rel=1e-9)


def test_an_index_level_x1000_on_one_day_is_refused():
    # Before: a CAR of -1236 without a word.
    index = _prices("^HSI").copy()
    index.loc["2021-01-15", "adj_close"] *= 1000
    with pytest.raises(PriceDataError, match=r"\^HSI: adj_close on 2021-01-15 is 2.857\d+e\+07, "
                                             r"between 28496.9 and 28862.8 .* \(x990 away"):
        _xiaomi(_prices("1810.HK"), index)


def test_a_spike_in_a_file_is_refused_naming_file_and_line(tmp_path):
    text = (DATA / "^HSI.csv").read_text().splitlines()
    line = next(n for n, row in enumerate(text, 1) if row.startswith("2021-01-15,"))
    fields = text[line - 1].split(",")
    fields[1:6] = [str(float(v) / 100) for v in fields[1:6]]  # a level in other units
    text[line - 1] = ",".join(fields)
    (tmp_path / "^HSI.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(PriceDataError, match=fr"\^HSI.csv line {line}: \^HSI: adj_close on "
                                             "2021-01-15"):
        FilePrices(tmp_path / "^HSI.csv")


def test_a_smaller_spike_is_kept_and_reported():
    stock = _prices("1810.HK").copy()
    day = "2020-06-15"  # in the estimation window
    stock.loc[day, ["open", "high", "low", "close", "adj_close"]] *= 4
    results = _xiaomi(stock)
    (detail,) = results.diagnostics.query("kind == 'price_spike'").detail
    assert detail.startswith("adj_close on 2020-06-15 is ") and "(x3.86 away from both)" in detail
    assert results.windows.car.notna().all()


def test_real_moves_raise_no_spike_or_range_note(raw_prices):
    # The bundled snapshot, LKCO's +89% day among it, and a -25% crash that rebounds.
    for path in DATA.glob("*.csv"):
        if path.name == "manifest.csv":
            continue
        notes = price_notes(validate_prices(raw_prices(path.stem), path.stem))
        assert not [k for k, _ in notes if k == "price_spike"], path.name
    stock = _prices("1810.HK").copy()
    prices = ["open", "high", "low", "close", "adj_close"]
    stock.loc["2020-06-15", prices] *= 0.75
    assert not price_notes(validate_prices(stock, "X"))


def test_rows_dated_after_today_are_refused(tmp_path):
    text = (DATA / "1810.HK.csv").read_text().replace("2021-12-31,", "2099-12-31,")
    (tmp_path / "1810.HK.csv").write_text(text)
    line = text.splitlines().index(next(r for r in text.splitlines() if r.startswith("2099")))
    with pytest.raises(PriceDataError, match=fr"1810.HK.csv line {line + 1}: 1810.HK: a row "
                                             "dated 2099-12-31, after today"):
        FilePrices(tmp_path / "1810.HK.csv")


@pytest.mark.parametrize(
    ("returns", "message"),
    [
        ([0.01, 1e300, 0.01], r"ret on 2021-01-06 is 1e\+300; a return must be finite and "
                              r"above -100%, and at most 100"),
        ([0.01, 9.5, -0.91], r"ret on 2021-01-06 is 9.5 and on the next row -0.91 \(x10.5 away"),
    ],
)
def test_implausible_returns_are_refused(returns, message):
    table = _return_table(returns)
    with pytest.raises(PriceDataError, match=message):
        ReturnSource(table)


def test_a_smaller_return_spike_is_reported():
    notes = ReturnSource(_return_table([0.01, 3.0, -0.74])).table(["A"]).notes["A"]
    (detail,) = [d for k, d in notes if k == "price_spike"]
    assert detail.startswith("ret on 2021-01-06 is 3 and on the next row -0.74 (x3.85 away")


def test_a_spike_of_the_market_column_is_reported():
    table = _return_table([0.01, 0.0, 0.01]).assign(vwretd=0.001)
    table.loc[5:6, "vwretd"] = [3.0, -0.75]
    notes = ReturnSource(table, market="vwretd").table(["vwretd"]).notes["vwretd"]
    assert [k for k, _ in notes] == ["price_spike"]


def _return_table(values: list[float]) -> pd.DataFrame:
    days = pd.bdate_range("2021-01-04", periods=250)
    ret = np.full(len(days), 0.002)
    ret[1 : 1 + len(values)] = values
    return pd.DataFrame({"permno": "A", "date": days, "ret": ret})


def test_an_empty_high_on_the_event_session_is_reported():
    # Before: the peak move vanished without a word.
    results = _xiaomi(_stock_with("2021-01-15", high=np.nan))
    assert np.isnan(results.sessions.peak_move.iloc[0])
    (detail,) = results.diagnostics.query("kind == 'incomplete_event_session'").detail
    assert detail == "the price row of 2021-01-15 has no high: the peak move is not available"
    results = _xiaomi(_stock_with("2021-01-15", high=np.nan, low=np.nan))
    (detail,) = results.diagnostics.query("kind == 'incomplete_event_session'").detail
    assert detail.endswith("has no high or low: peak and trough moves are not available")


def test_closes_only_are_reported_once_not_per_event():
    stock = _prices("1810.HK")[["close", "adj_close"]]
    results = _xiaomi(stock)
    assert set(results.diagnostics.kind) == {"no_intraday"}


@pytest.mark.parametrize("header", ["date,open,high,low,close,close,volume",
                                    "date,open,high,low,close,Close,volume"])
def test_a_header_naming_a_column_twice_is_refused(header, tmp_path):
    # Before: pandas renamed the second 'close' to 'close.1' and it was dropped silently.
    lines = (DATA / "1810.HK.csv").read_text().splitlines()
    (tmp_path / "1810.HK.csv").write_text("\n".join([header, *lines[1:]]) + "\n")
    with pytest.raises(PriceDataError, match="names column 'c?C?lose' twice|both give 'close'"):
        FilePrices(tmp_path / "1810.HK.csv")


def test_a_catalog_or_factor_header_naming_a_column_twice_is_refused(tmp_path):
    catalog = tmp_path / "events.csv"
    catalog.write_text("id,ticker,date,ticker\na,1810.HK,2021-01-14,^HSI\n")
    with pytest.raises(CatalogError, match="header names column 'ticker' twice"):
        read_catalog(catalog)
    factors = tmp_path / "factors.csv"
    factors.write_text("date,mkt_rf,smb,Mkt-RF\n2021-01-04,0.01,0.0,0.02\n")
    with pytest.raises(PriceDataError, match="names column 'mkt_rf' twice"):
        read_factors([factors])


def test_a_non_numeric_volume_is_refused(tmp_path):
    lines = (DATA / "1810.HK.csv").read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",n/a"
    (tmp_path / "1810.HK.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(PriceDataError, match="line 6: 1810.HK: volume on .* is 'n/a', not a "
                                             "number"):
        FilePrices(tmp_path / "1810.HK.csv")


# ----- factor scales -------------------------------------------------------------------------
def _factors(scale: float = 1.0, rf: float = 0.0001) -> pd.DataFrame:
    """Seeded daily factors in fractions (s.d. 1%, 0.5%, 0.5%) on Xiaomi's sessions."""
    dates = _prices("1810.HK").index
    values = np.random.default_rng(5).normal(0.0, [0.01, 0.005, 0.005], (len(dates), 3))
    frame = pd.DataFrame(values * scale, index=dates, columns=["mkt_rf", "smb", "hml"])
    return frame.assign(rf=rf)


def test_factors_in_fractions_are_accepted():
    results = EventStudy(EVENTS, model="ff3", factors=_factors()).fit()
    assert results.windows.car.notna().all()


def test_factors_in_percent_below_one_are_refused_by_their_dispersion():
    # Percent with every value below 1 in magnitude: the maximum alone let them through.
    percent = _factors(scale=100.0).clip(-0.99, 0.99)
    assert percent.abs().max().max() < 1
    with pytest.raises(PriceDataError, match=r"column 'mkt_rf' varies by 0.7\d+ a day .* in "
                                             "percent"):
        EventStudy(EVENTS, model="ff3", factors=percent)


def test_a_risk_free_rate_in_percent_is_refused():
    with pytest.raises(PriceDataError, match="the risk-free rate rf is 0.01 on 2019-06-03, over "
                                             "0.002 a day"):
        EventStudy(EVENTS, model="ff3", factors=_factors(rf=0.01))


def test_a_factor_repeated_in_two_files_must_agree(tmp_path):
    first, second = tmp_path / "ff3.csv", tmp_path / "ff5.csv"
    factors = _factors().rename_axis("date").reset_index()
    factors.to_csv(first, index=False)
    factors.assign(cma=0.001).to_csv(second, index=False)
    assert list(read_factors([first, second]).columns) == ["mkt_rf", "smb", "hml", "rf", "cma"]
    factors.assign(rf=0.0002).to_csv(second, index=False)
    with pytest.raises(PriceDataError, match="factor 'rf' is also in .*ff3.csv with another"):
        read_factors([first, second])


# ----- dates at the edges of the calendars ---------------------------------------------------
@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "2099-06-01", "1900-06-01",
                                  "00010101"])
def test_catalog_dates_outside_the_calendar_name_file_and_line(date, tmp_path):
    # Before: "1754-08-31 19:39:43... is outside the XHKG calendar", no file or line.
    path = tmp_path / "events.csv"
    path.write_text(f"id,ticker,date,market\na,1810.HK,2021-01-14,^HSI\nb,1810.HK,{date},^HSI\n")
    shown = date if "-" in date else "0001-01-01"
    with pytest.raises(CatalogError, match=f"events.csv line 3: date {shown} is outside the XHKG "
                                           r"calendar \(1990-01-02 to "):
        read_catalog(path)


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "2099-01-01"])
def test_event_dates_outside_the_calendar_name_the_event(date):
    event = Event("1810.HK", date, market="^HSI", id="far")
    with pytest.raises(CalendarError, match=f"event far \\(1810.HK\\): announced {date}, which the "
                                            r"XHKG calendar \(1990-01-02 to \d{4}-\d\d-\d\d\) "
                                            "cannot place"):
        EventStudy([event]).fit()


# ----- spreadsheet formulas ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("column", "value"),
    [("id", '=HYPERLINK("http://example.com","x")'), ("case", "@SUM(A1)"), ("type", "+cmd"),
     ("id", "-2+3"), ("market", "=^HSI")],
)
def test_catalog_text_a_spreadsheet_would_run_is_refused(column, value, tmp_path):
    # Before: the id reached the CSV (and to_excel) as a live formula.
    row = {"id": "a", "case": "c", "ticker": "1810.HK", "date": "2021-01-14", "market": "^HSI",
           "type": "designation", column: value}
    path = tmp_path / "events.csv"
    pd.DataFrame([row]).to_csv(path, index=False)
    with pytest.raises(CatalogError, match=f"events.csv line 2: {column} .* starts with "
                                           f"'\\{value[0]}', which a spreadsheet would run"):
        read_catalog(path)
    with pytest.raises(CatalogError, match="which a spreadsheet would run as a formula"):
        Event("1810.HK", "2021-01-14", **{k: v for k, v in row.items()
                                           if k not in ("ticker", "date")})
    with pytest.raises(SpecificationError, match="market=market '=X' starts with '='"):
        EventStudy(EVENTS, market="=X")


def test_results_tables_hold_no_formula(tmp_path):
    results = EventStudy(EVENTS).fit()
    for kind in ("windows", "daily", "params", "diagnostics"):
        table = results.to_frame(kind)
        text = table.select_dtypes(exclude="number").astype(str)
        assert not text.apply(lambda c: c.str.match(r"[=+\-@\t\r]")).any().any(), kind


# ----- the bundled cases ---------------------------------------------------------------------
@pytest.mark.parametrize("model", ["market", "market_adjusted", "constant_mean",
                                   "scholes_williams", "dimson", "volume_mean",
                                   "volume_market"])
def test_no_new_rule_fires_on_the_bundled_cases(model):
    # The new rules (ranges, spikes, exact fits, flat series, event-session ranges) find
    # nothing in real data: every bundled event is studied, with the records it had.
    for case in bundled_cases().index:
        results = EventStudy(bundled_events(case), model=model, unknown_timing="both",
                             on_error="skip").fit()
        found = set(results.diagnostics.kind)
        assert not found & {"price_spike", "incomplete_event_session", "event_skipped"}, (
            case, model, found)
        assert len(results.panel) == len(align(bundled_events(case), "both"))
