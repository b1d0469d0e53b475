"""Calendar alignment: every event of shared/cases.md against its first-session column."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from case_facts import CASES_MD

from eventstudy.calendar import candidate_sessions, event_sessions, exchange_sessions
from eventstudy.errors import CalendarError, SpecificationError
from eventstudy.events import Event, bundled_events


def test_catalog_covers_every_event_of_cases_md():
    assert {e.id for e in bundled_events()} == set(CASES_MD)
    assert len(bundled_events()) == 23  # 5 + 3 + 4 x 3 telecoms + 3


@pytest.mark.parametrize("event", bundled_events(), ids=lambda e: e.key)
def test_first_session_matches_cases_md(event):
    got = [s.date().isoformat() for s in candidate_sessions(event)]
    assert got == CASES_MD[event.id]


def _event(date, exchange="XNYS", time=None, timing="during", tz="America/New_York"):
    return Event(
        "T", dt.date.fromisoformat(date), id="e", case="c", exchange=exchange, time=time,
        timing="exact" if time else timing, timezone=tz,
    )


# XNYS trades 09:30-16:00 New York; the event session is the first closing after the news.
@pytest.mark.parametrize(
    ("date", "time", "timing", "expected"),
    [
        ("2021-05-11", None, "before_open", "2021-05-11"),  # Tuesday, before the open
        ("2021-05-11", None, "during", "2021-05-11"),  # 09:30: that day's close reflects it
        ("2021-05-11", None, "after_close", "2021-05-12"),  # 16:00: at the close, too late
        ("2021-05-11", dt.time(9, 29), None, "2021-05-11"),  # a minute before the open
        ("2021-05-11", dt.time(9, 30), None, "2021-05-11"),  # at the open
        ("2021-05-11", dt.time(11, 0), None, "2021-05-11"),  # mid-session
        ("2021-05-11", dt.time(15, 59), None, "2021-05-11"),  # a minute before the close
        ("2021-05-11", dt.time(16, 0), None, "2021-05-12"),  # at the close: the next session
        # Friday 2020-11-27, after Thanksgiving, closes early at 13:00; then a weekend.
        ("2020-11-27", dt.time(12, 0), None, "2020-11-27"),
        ("2020-11-27", dt.time(13, 0), None, "2020-11-30"),
        ("2020-11-27", dt.time(14, 0), None, "2020-11-30"),
        ("2021-05-08", None, "during", "2021-05-10"),  # Saturday rolls to Monday
        ("2021-12-24", None, "before_open", "2021-12-27"),  # Christmas Eve holiday (Friday)
        ("2021-07-03", None, "after_close", "2021-07-06"),  # Sat before the 5 July holiday
    ],
)
def test_same_market_rules(date, time, timing, expected):
    event = _event(date, time=time, timing=timing)
    assert event_sessions(event)[0] == pd.Timestamp(expected)


def test_cross_market_us_evening_reaches_same_hong_kong_morning():
    # New York is 13 hours behind Hong Kong in winter; XHKG trades 09:30-16:00 HKT.
    # 20:00 New York on Thursday 2021-01-14 is 09:00 Friday in Hong Kong, before the 09:30 open.
    event = _event("2021-01-14", exchange="XHKG", time=dt.time(20, 0))
    assert event_sessions(event)[0] == pd.Timestamp("2021-01-15")
    # 22:00 New York is 11:00 Friday in Hong Kong, mid-session: Friday's close reflects it.
    event = _event("2021-01-14", exchange="XHKG", time=dt.time(22, 0))
    assert event_sessions(event)[0] == pd.Timestamp("2021-01-15")
    # 03:00 New York on Friday is 16:00 in Hong Kong, the close: Monday is next.
    event = _event("2021-01-15", exchange="XHKG", time=dt.time(3, 0))
    assert event_sessions(event)[0] == pd.Timestamp("2021-01-18")


def test_cross_market_us_day_reaches_the_next_hong_kong_session():
    # "during" is 09:30 New York, 22:30 in Hong Kong: after Thursday's close, so Friday.
    event = _event("2021-01-14", exchange="XHKG", timing="during")
    assert event_sessions(event)[0] == pd.Timestamp("2021-01-15")


def test_hong_kong_half_day_and_lunch_break():
    # 2020-12-31 is a half-day in Hong Kong (close 12:00); news at 13:00 HKT is after it,
    # and 2021-01-01 is a holiday before a weekend.
    event = _event("2020-12-31", exchange="XHKG", time=dt.time(13, 0), tz="Asia/Hong_Kong")
    assert event_sessions(event)[0] == pd.Timestamp("2021-01-04")
    # At 11:00 the half day still trades.
    event = _event("2020-12-31", exchange="XHKG", time=dt.time(11, 0), tz="Asia/Hong_Kong")
    assert event_sessions(event)[0] == pd.Timestamp("2020-12-31")
    # The lunch break (12:00-13:00) of a full day is inside its session, whose afternoon
    # and close reflect the news.
    event = _event("2021-03-12", exchange="XHKG", time=dt.time(12, 30), tz="Asia/Hong_Kong")
    assert event_sessions(event)[0] == pd.Timestamp("2021-03-12")
    # At the 16:00 close of Friday: Monday.
    event = _event("2021-03-12", exchange="XHKG", time=dt.time(16, 0), tz="Asia/Hong_Kong")
    assert event_sessions(event)[0] == pd.Timestamp("2021-03-15")


def test_unknown_timing_rules():
    event = _event("2021-03-04", exchange="XNAS", timing="unknown")
    assert [s.day for s in event_sessions(event)] == [4]
    assert [s.day for s in event_sessions(event, "latest")] == [5]
    assert [s.day for s in event_sessions(event, "both")] == [4, 5]
    # On a Saturday both candidates are Monday: one session, not two.
    saturday = _event("2021-03-06", exchange="XNAS", timing="unknown")
    assert [s.day for s in event_sessions(saturday, "both")] == [8]
    with pytest.raises(SpecificationError):
        event_sessions(event, "middle")


def test_unknown_timing_in_new_york_for_a_hong_kong_stock():
    # 00:00 New York on Thursday 2021-01-14 is 13:00 in Hong Kong, that afternoon's
    # session; 24:00 is 13:00 on Friday, Friday's session.
    event = _event("2021-01-14", exchange="XHKG", timing="unknown")
    assert [s.day for s in event_sessions(event, "both")] == [14, 15]


def test_news_reaches_a_session_until_the_calendars_last_close():
    table = exchange_sessions("XNYS")
    last = table.sessions[-1].date()
    assert event_sessions(_event(last.isoformat(), time=dt.time(12, 0)))[0].date() == last
    with pytest.raises(CalendarError, match="cannot place"):
        event_sessions(_event(last.isoformat(), time=dt.time(16, 0)))
    # Before the first open the calendar cannot tell a session it lacks from none.
    assert event_sessions(_event("1990-01-02", time=dt.time(10, 0)))[0] == pd.Timestamp(
        "1990-01-02")
    with pytest.raises(CalendarError, match="cannot place"):
        event_sessions(_event("1990-01-02", time=dt.time(9, 0)))


@pytest.mark.parametrize(
    ("date", "time", "timing", "expected"),
    [
        # London trades 08:00-16:30: "after the close" in its own zone is after 16:30,
        # so the news reaches the next session, while 16:15 is still trading time.
        ("2021-05-11", None, "after_close", "2021-05-12"),
        ("2021-05-11", dt.time(16, 15), None, "2021-05-11"),
        ("2021-05-11", dt.time(16, 30), None, "2021-05-12"),
        ("2021-05-11", None, "during", "2021-05-11"),
        ("2021-05-08", None, "after_close", "2021-05-10"),  # Saturday: Monday
        ("2021-12-24", None, "after_close", "2021-12-29"),  # 12:30 half day; 27-28 holidays
    ],
)
def test_after_close_means_after_the_exchanges_own_close(date, time, timing, expected):
    event = _event(date, exchange="XLON", time=time, timing=timing, tz="Europe/London")
    assert event_sessions(event)[0] == pd.Timestamp(expected)


def test_after_close_in_another_zone_keeps_the_conventional_1600():
    # 16:00 New York is 21:00 London, after its close: the next London session;
    # 16:00 London for a New York stock is 11:00 there, during that day's session.
    assert event_sessions(_event("2021-05-11", exchange="XLON", timing="after_close"))[0] == (
        pd.Timestamp("2021-05-12"))
    event = _event("2021-05-11", exchange="XNYS", timing="after_close", tz="Europe/London")
    assert event_sessions(event)[0] == pd.Timestamp("2021-05-11")
