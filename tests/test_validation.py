"""The catalogue of bad price inputs: each case is refused or handled and reported.

Expected dates, counts and relative days are worked out here from the bundled files
(read with plain pandas) and from exchange_calendars directly, not from the library.
"""

from __future__ import annotations

import re
import warnings

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy, FramePrices, bundled_events
from eventstudy.core.design import StudyDesign
from eventstudy.errors import (
    CalendarError,
    EventWindowError,
    PriceDataError,
    SpecificationError,
    UnknownTickerError,
)
from eventstudy.events import Event
from eventstudy.sources import price_notes, validate_prices

with warnings.catch_warnings():  # exchange_calendars' own use of pandas APIs pandas 3 deprecates
    warnings.simplefilter("ignore")
    XHKG = xcals.get_calendar("XHKG", start="2019-01-01", end="2022-12-31")
DESIGNATION = bundled_events("xiaomi")[0]  # event session 2021-01-15


def _tiny(n: int = 4) -> pd.DataFrame:
    dates = pd.bdate_range("2021-01-04", periods=n, name="date")
    close = 10.0 + np.arange(n)
    return pd.DataFrame(
        {"open": close, "high": close + 1, "low": close - 1, "close": close,
         "adj_close": close, "volume": 100.0},
        index=dates,
    )


def _kinds(results, kind: str) -> pd.DataFrame:
    d = results.diagnostics
    return d[d.kind == kind]


def _study(frames: dict, events=(DESIGNATION,), **options):
    return EventStudy(list(events), prices=FramePrices(frames), **options).fit()


@pytest.fixture
def xiaomi_frames(raw_prices):
    return {"1810.HK": raw_prices("1810.HK"), "^HSI": raw_prices("^HSI")}


def _tau(day: str, session: str = "2021-01-15") -> int:
    """Relative day of ``day`` from the event session, counted on XHKG's own sessions."""
    sessions = XHKG.sessions
    return int(sessions.get_loc(pd.Timestamp(day)) - sessions.get_loc(pd.Timestamp(session)))


# ----- dates ---------------------------------------------------------------------------------
def test_unsorted_dates_are_refused():
    with pytest.raises(PriceDataError,
                       match=r"T: dates are not in ascending order \(at 2021-01-05"):
        validate_prices(_tiny().iloc[[0, 2, 1, 3]], "T")


def test_identical_duplicates_are_collapsed_and_reported(xiaomi_frames):
    frame = _tiny()
    doubled = pd.concat([frame, frame.iloc[[1, 2]]]).sort_index()
    out = validate_prices(doubled, "T")
    assert out.index.equals(frame.index)
    assert price_notes(out) == [(
        "duplicate_rows",
        "2 repeated rows with identical values were kept once (2021-01-05, 2021-01-06)",
    )]
    # ... and the note reaches the study's diagnostics.
    stock = xiaomi_frames["1810.HK"]
    xiaomi_frames["1810.HK"] = pd.concat([stock, stock.loc[["2020-06-01"]]]).sort_index()
    notes = _kinds(_study(xiaomi_frames), "duplicate_rows")
    assert notes.ticker.tolist() == ["1810.HK"] and "2020-06-01" in notes.detail.iloc[0]


def test_conflicting_duplicates_are_refused():
    frame = _tiny()
    clash = pd.concat([frame, frame.iloc[[2]].assign(close=99.0)]).sort_index()
    with pytest.raises(PriceDataError, match=r"date 2021-01-06 appears 2 times.*close: 12.0, 99.0"):
        validate_prices(clash, "T")


def test_intraday_bars_become_conflicting_duplicates():
    frame = _tiny(2)
    frame.index = pd.DatetimeIndex(["2021-01-04 10:00", "2021-01-04 11:00"], name="date")
    with pytest.raises(PriceDataError, match="intraday bars must be turned into daily"):
        validate_prices(frame, "T")


def test_naive_times_of_day_are_taken_as_dates():
    frame = _tiny(2)
    frame.index = pd.DatetimeIndex(["2021-01-04 16:00", "2021-01-05 16:00"], name="date")
    out = validate_prices(frame, "T")
    assert out.index.tolist() == [pd.Timestamp("2021-01-04"), pd.Timestamp("2021-01-05")]
    assert price_notes(out) == []


def test_tz_aware_local_midnight_gives_local_dates():
    frame = _tiny().tz_localize("Asia/Hong_Kong")  # as yfinance.Ticker.history returns them
    out = validate_prices(frame, "T")
    assert out.index.equals(_tiny().index) and out.index.tz is None
    assert [k for k, _ in price_notes(out)] == ["tz_aware_dates"]
    assert "Asia/Hong_Kong" in price_notes(out)[0][1]


def test_mixed_utc_offsets_across_daylight_saving_are_local_dates():
    # A US series written to CSV from a tz-aware index: -05:00 before, -04:00 after 14 March.
    frame = _tiny(2).reset_index(drop=True)
    frame["date"] = ["2021-03-12 00:00:00-05:00", "2021-03-15 00:00:00-04:00"]
    out = validate_prices(frame, "T")
    assert out.index.tolist() == [pd.Timestamp("2021-03-12"), pd.Timestamp("2021-03-15")]
    assert "UTC-04:00, UTC-05:00" in price_notes(out)[0][1]


def test_moments_in_another_zone_are_refused():
    # Hong Kong midnights converted to UTC are 16:00 of the previous day: not session dates.
    frame = _tiny().tz_localize("Asia/Hong_Kong").tz_convert("UTC")
    with pytest.raises(PriceDataError, match=r"not at midnight.*2021-01-03 16:00:00 in UTC"):
        validate_prices(frame, "T")


def test_aware_and_naive_dates_mixed_are_refused():
    frame = _tiny(2).reset_index(drop=True)
    frame["date"] = ["2021-01-04", "2021-01-05 00:00:00+08:00"]
    with pytest.raises(PriceDataError, match="mix time-zone-aware .* and naive"):
        validate_prices(frame, "T")


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        (["2021-01-04", "not a date", "2021-01-06", "2021-01-07"], "unparseable date 'not a date'"),
        (["2021-01-04", None, "2021-01-06", "2021-01-07"], "row 2 has no date"),
    ],
)
def test_bad_dates_are_refused(dates, message):
    frame = _tiny().reset_index(drop=True).assign(date=dates)
    with pytest.raises(PriceDataError, match=message):
        validate_prices(frame, "T")


def test_a_table_without_dates_is_refused():
    with pytest.raises(PriceDataError, match=r"no dates \(the index holds int64 values\)"):
        validate_prices(_tiny().reset_index(drop=True), "T")


# ----- values --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("close", np.nan, "close on 2021-01-05 is nan"),
        ("close", 0.0, "close on 2021-01-05 is 0.0"),
        ("adj_close", -1.0, "adj_close on 2021-01-05 is -1.0"),
        ("close", np.inf, "close on 2021-01-05 is inf"),
        ("high", -3.0, "high on 2021-01-05 is -3.0; it must be finite and positive"),
        ("open", np.inf, "open on 2021-01-05 is inf"),
        ("low", 0.0, "low on 2021-01-05 is 0.0"),
        ("volume", -5.0, "volume on 2021-01-05 is -5.0; it must be finite and not negative"),
    ],
)
def test_impossible_values_are_refused(column, value, message):
    frame = _tiny()
    frame.loc["2021-01-05", column] = value
    with pytest.raises(PriceDataError, match=message):
        validate_prices(frame, "T")


def test_unknown_intraday_values_are_allowed():
    frame = _tiny()
    frame.loc["2021-01-05", ["open", "high", "low", "volume"]] = np.nan
    out = validate_prices(frame, "T")
    assert np.isnan(out.loc["2021-01-05", "high"]) and out.loc["2021-01-05", "close"] == 11.0


def test_non_numeric_cells_are_refused():
    frame = _tiny().astype(object)
    frame.loc["2021-01-06", "close"] = "12,5"
    with pytest.raises(PriceDataError, match=r"T: close on 2021-01-06 is '12,5', not a number"):
        validate_prices(frame, "T")


def test_incomplete_rows_are_reported_by_the_study(xiaomi_frames):
    # Make the event session a vendor placeholder: volume 0, open = high = low = close.
    stock = xiaomi_frames["1810.HK"].copy()
    close = stock.loc["2021-01-15", "close"]
    stock.loc["2021-01-15", ["open", "high", "low", "volume"]] = [close, close, close, 0]
    xiaomi_frames["1810.HK"] = stock
    results = _study(xiaomi_frames)
    (detail,) = _kinds(results, "incomplete_event_session").detail
    assert "2021-01-15" in detail
    assert np.isnan(results.sessions.peak_move).all()
    # The close still serves the close-to-close return of that day.
    raw = close / stock.loc["2021-01-14", "close"] - 1
    day0 = results.windows.query("window_start == 0 and window_end == 0").raw_return.iloc[0]
    assert day0 == pytest.approx(raw, abs=1e-12)


def test_closes_only_are_used_and_reported():
    frame = _tiny()[["close"]]
    out = validate_prices(frame, "T")
    assert out["adj_close"].tolist() == out["close"].tolist()
    assert out[["open", "high", "low", "volume"]].isna().all().all()
    assert [k for k, _ in price_notes(out)] == ["no_intraday"]


# ----- columns and empty inputs --------------------------------------------------------------
def test_missing_columns_list_those_found():
    frame = _tiny().rename(columns={"high": "hi", "low": "lo"})
    with pytest.raises(PriceDataError, match=r"missing price columns \['high', 'low'\]; found \["):
        validate_prices(frame, "T")


@pytest.mark.parametrize("empty", [_tiny().iloc[:0], pd.DataFrame()])
def test_empty_price_tables_are_refused(empty):
    with pytest.raises(PriceDataError, match="empty"):
        FramePrices({"T": empty})


def test_no_price_frames_at_all():
    with pytest.raises(PriceDataError, match="no price frames"):
        FramePrices({})


def test_unknown_ticker_names_the_ticker_and_what_exists(xiaomi_frames):
    event = Event(**{**DESIGNATION.__dict__, "ticker": "1811.HK"})
    with pytest.raises(UnknownTickerError, match=r"'1811.HK'.*available: 1810.HK, \^HSI"):
        EventStudy([event], prices=FramePrices(xiaomi_frames))


# ----- events and the data's range -----------------------------------------------------------
def test_events_before_and_after_the_data(xiaomi_frames):
    short = {t: f.loc["2020-01-01":"2021-03-31"] for t, f in xiaomi_frames.items()}
    def moved(name: str, day: str) -> Event:
        return Event(**{**DESIGNATION.__dict__, "id": name, "date": pd.Timestamp(day).date()})

    before, early, late = moved("before", "2019-08-01"), moved("early", "2020-06-01"), moved(
        "late", "2021-06-01"
    )
    span = r"\(2020-01-02 to 2021-03-31\)"
    with pytest.raises(EventWindowError, match=f"before .*outside the price data {span}"):
        _study(short, events=[before])
    with pytest.raises(EventWindowError, match=f"late .*outside the price data {span}"):
        _study(short, events=[late])
    with pytest.raises(EventWindowError, match="early .*needs 251 sessions of prices before"):
        _study(short, events=[early])
    results = _study(short, events=[before, early, late], on_error="skip", estimation=(-60, -11),
                     min_estimation=40)
    assert sorted(_kinds(results, "event_skipped").event_id) == ["before", "late"]


# ----- gaps ----------------------------------------------------------------------------------
def test_a_halt_inside_the_estimation_window_is_reported(xiaomi_frames):
    stock = xiaomi_frames["1810.HK"]
    halt = stock.loc["2020-09-01":"2020-09-10"].index  # 8 sessions of XHKG
    xiaomi_frames["1810.HK"] = stock.drop(halt)
    results = _study(xiaomi_frames)
    (detail,) = _kinds(results, "trading_gap").detail
    a, b = _tau("2020-09-01"), _tau("2020-09-10")
    assert b - a + 1 == len(halt) == 8
    assert detail.startswith(
        f"no price on 8 consecutive sessions 2020-09-01..2020-09-10 (relative days {a} to {b}, "
        "in the estimation window)"
    )
    assert "8 exchange sessions have no price" in _kinds(results, "missing_sessions").detail.iloc[0]
    # Nothing is filled: 8 returns and the one after the halt are missing.
    (missing,) = _kinds(results, "estimation_missing").detail
    assert missing.startswith("9 of 240 estimation sessions")


def test_records_of_one_session_speak_in_the_singular(xiaomi_frames):
    stock = xiaomi_frames["1810.HK"]
    xiaomi_frames["1810.HK"] = stock.drop(pd.Timestamp("2020-09-02"))
    results = _study(xiaomi_frames, max_gap=0)  # one session is a gap
    (gap,) = _kinds(results, "trading_gap").detail
    assert gap == (
        f"no price on the session 2020-09-02 (relative day {_tau('2020-09-02')}, in the "
        "estimation window): a halt or suspension? Returns across the gap are missing and the "
        "move over it is attributed to no day"
    )
    assert _kinds(results, "missing_sessions").detail.tolist() == [
        "1 exchange session has no price (2020-09-02); its return and the next session's are "
        "missing"]
    # the return into 2020-09-02 and the one out of it: two, still plural
    assert _kinds(results, "estimation_missing").detail.tolist() == [
        "2 of 240 estimation sessions have no usable return"]
    doubled = validate_prices(pd.concat([_tiny(), _tiny().iloc[[1]]]).sort_index(), "T")
    assert price_notes(doubled) == [
        ("duplicate_rows", "1 repeated row with identical values was kept once (2021-01-05)")]


def test_one_session_in_another_events_window_is_singular(xiaomi_frames):
    # an earlier event 105 sessions before the designation: its span [-5, 5] ends on the
    # designation's relative day -100, the first of its estimation window (-100, -11)
    day = XHKG.sessions[XHKG.sessions.get_loc(pd.Timestamp("2021-01-15")) - 105].date()
    earlier = Event("1810.HK", day, id="earlier", exchange="XHKG", market="^HSI",
                    timing="before_open")
    results = _study(xiaomi_frames, events=[earlier, DESIGNATION], estimation=(-100, -11),
                     min_estimation=50)
    assert _kinds(results, "estimation_exclusion").detail.tolist() == [
        "1 estimation session removed: it lies in the event windows of earlier; 89 returns "
        "remain"]


def test_short_gaps_are_not_halts_but_max_gap_is_adjustable(xiaomi_frames):
    stock = xiaomi_frames["1810.HK"]
    xiaomi_frames["1810.HK"] = stock.drop(stock.loc["2020-09-01":"2020-09-03"].index)
    assert _kinds(_study(xiaomi_frames), "trading_gap").empty  # 3 sessions = max_gap
    gaps = _kinds(_study(xiaomi_frames, max_gap=2), "trading_gap")
    assert gaps.detail.iloc[0].startswith("no price on 3 consecutive sessions")
    with pytest.raises(SpecificationError, match="max_gap"):
        StudyDesign(max_gap=-1)


def test_a_halt_in_the_event_window_is_reported(xiaomi_frames):
    stock = xiaomi_frames["1810.HK"]
    xiaomi_frames["1810.HK"] = stock.drop(stock.loc["2021-01-18":"2021-01-21"].index)
    results = _study(xiaomi_frames)
    (detail,) = _kinds(results, "trading_gap").detail
    assert "2021-01-18..2021-01-21 (relative days 1 to 4, in the event window)" in detail
    # AR missing on days 1..5 (the return of day 5 spans the halt).
    (window,) = _kinds(results, "event_window_missing").detail
    assert window.startswith("no abnormal return on relative days 1, 2, 3, 4, 5")


# ----- calendars -----------------------------------------------------------------------------
def test_index_on_another_calendar_is_refused():
    event = Event(**{**DESIGNATION.__dict__, "market": "^IXIC"})
    expected = (r"market index \^IXIC has \d+ of its \d+ prices on days that are not XHKG "
                r"sessions.*another calendar than 1810.HK")
    with pytest.raises(CalendarError, match=expected):
        EventStudy([event]).fit()
    luokung = bundled_events("luokung")[0]
    with pytest.raises(CalendarError, match=r"\^HSI .* not XNAS sessions"):
        EventStudy([Event(**{**luokung.__dict__, "market": "^HSI"})]).fit()


def test_index_calendar_mismatch_counts(raw_prices):
    # Independent count: ^IXIC dates in 1810.HK's range that are not XHKG sessions.
    hk, us = raw_prices("1810.HK").index, raw_prices("^IXIC").index
    inside = us[(us >= hk[0]) & (us <= hk[-1])]
    extra = inside.difference(XHKG.sessions_in_range(hk[0], hk[-1]))
    event = Event(**{**DESIGNATION.__dict__, "market": "^IXIC"})
    with pytest.raises(CalendarError, match=f"has {len(extra)} of its {len(inside)} prices"):
        EventStudy([event]).fit()


def test_a_stray_index_row_is_reported_not_refused(xiaomi_frames):
    index = xiaomi_frames["^HSI"]
    holiday = pd.Timestamp("2020-10-01")  # National Day: XHKG is closed
    assert not XHKG.is_session(holiday)
    stray = index.loc[["2020-09-30"]].set_axis(pd.DatetimeIndex([holiday], name="date"))
    xiaomi_frames["^HSI"] = pd.concat([index, stray]).sort_index()
    results = _study(xiaomi_frames)
    (detail,) = _kinds(results, "market_non_session_rows").detail
    assert detail == ("1 price of the index falls on a day that is not a session of XHKG "
                      "(2020-10-01); it is not used")


def test_stock_rows_off_the_calendar_and_index_gaps_are_reported(xiaomi_frames):
    stock, index = xiaomi_frames["1810.HK"], xiaomi_frames["^HSI"]
    extra = stock.loc[["2020-09-30"]].set_axis(pd.DatetimeIndex(["2020-10-01"], name="date"))
    xiaomi_frames["1810.HK"] = pd.concat([stock, extra]).sort_index()
    xiaomi_frames["^HSI"] = index.drop(pd.Timestamp("2020-06-02"))
    results = _study(xiaomi_frames)
    assert _kinds(results, "non_session_rows").detail.iloc[0] == (
        "1 price row falls on a day that is not a session of the exchange (2020-10-01); it is "
        "not used")
    assert "no price on 1 of the stock's sessions" in (
        _kinds(results, "market_missing_sessions").detail.iloc[0]
    )


# ----- split-like jumps ----------------------------------------------------------------------
def test_unadjusted_split_is_flagged_and_reported(xiaomi_frames):
    stock = xiaomi_frames["1810.HK"].copy()
    after = stock.index >= "2020-07-02"
    prices = ["open", "high", "low", "close", "adj_close"]
    stock.loc[after, prices] = stock.loc[after, prices] / 2  # a 2-for-1 split, not adjusted
    xiaomi_frames["1810.HK"] = stock
    ratio = stock.loc["2020-07-02", "close"] / stock.loc["2020-06-30", "close"]
    (note,) = [d for k, d in price_notes(validate_prices(stock, "X")) if k == "split_like_jump"]
    assert note.startswith(f"2020-07-02: close {stock.loc['2020-07-02', 'close']:g} after "
                           f"{stock.loc['2020-06-30', 'close']:g} (x{ratio:.3f})")
    results = _study(xiaomi_frames)
    assert _kinds(results, "split_like_jump").ticker.tolist() == ["1810.HK"]


def test_adjusted_split_and_genuine_jumps_are_not_flagged(raw_prices):
    stock = raw_prices("1810.HK").copy()
    after = stock.index >= "2020-07-02"
    # Raw prices halve, the adjusted close carries the split: adj_close / close changes.
    stock.loc[after, ["open", "high", "low", "close"]] /= 2
    assert not [k for k, _ in price_notes(validate_prices(stock, "X")) if k == "split_like_jump"]
    # LKCO's +56% and +89% days opened near the previous close: news, not a split.
    lkco = raw_prices("LKCO")
    moves = lkco.close / lkco.close.shift()
    assert (moves > 1.5).sum() == 3
    assert not [k for k, _ in price_notes(validate_prices(lkco, "LKCO")) if k == "split_like_jump"]


def test_bundled_snapshot_raises_no_new_notes():
    results = EventStudy(bundled_events("xiaomi")).fit()
    assert set(results.diagnostics.kind) == {"estimation_exclusion"}


def test_every_diagnostics_kind_is_documented():
    """The module docstring is the one list; the documentation page shows it as it is."""
    from pathlib import Path

    from eventstudy.core import diagnostics

    page = Path(__file__).resolve().parent.parent / "docs" / "user_guide" / "diagnostics.md"
    assert ".. automodule:: eventstudy.core.diagnostics" in page.read_text()
    kinds = ("missing_sessions", "non_session_rows", "market_missing_sessions",
             "market_non_session_rows", "trading_gap", "duplicate_rows", "tz_aware_dates",
             "no_intraday", "missing_returns", "split_like_jump", "price_spike",
             "price_fallback", "factor_fallback", "estimation_exclusion",
             "overlapping_event_windows",
             "estimation_missing", "event_window_missing", "incomplete_event_session",
             "event_skipped")
    listed = re.findall(r"^([a-z_]+)\n    ", diagnostics.__doc__.split("Kinds of record")[1],
                        re.MULTILINE)
    assert sorted(listed) == sorted(kinds)
