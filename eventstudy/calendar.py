"""From an announcement to its event session on the security's own exchange calendar.

Rule: the event session is the first session of the security's exchange that
*opens strictly after* the announcement. News before the open counts for that
day's session; news during a session (or its lunch break) or after the close
counts for the next session; weekends and holidays roll forward.

When only a ``timing`` is known, the announcement is placed at the start of that
part of the local day in its own time zone, a conventional 09:30-16:00 trading day:

==============  ==========================  ============================
timing          announcement placed at      meaning
==============  ==========================  ============================
before_open     00:00 local                 any time before 09:30
during          09:30 local                 between 09:30 and 16:00
after_close     16:00 local                 from 16:00 to midnight
unknown         00:00 local (earliest) or   any time that day: two
                24:00 local (latest)        candidate sessions
==============  ==========================  ============================

Using the start of the interval gives the first session that *could* react: an
evening announcement in New York (16:00-24:00 ET) is 05:00-13:00 in Hong Kong,
and the Hong Kong session opening at 09:30 that morning is the first that could
trade on it. For ``unknown`` timing the default is the earlier candidate (the
announcement day's own session when it is one), as in studies that take the
public date as day 0; ``unknown_timing="latest"`` or ``"both"`` changes that.
"""

from __future__ import annotations

import datetime as dt
import warnings
from functools import cache
from zoneinfo import ZoneInfo

import exchange_calendars as xcals
import pandas as pd

from .errors import CalendarError, SpecificationError
from .events import Event

TIMING_CLOCK = {
    "before_open": dt.time(0, 0),
    "during": dt.time(9, 30),
    "after_close": dt.time(16, 0),
    "unknown": dt.time(0, 0),
}
UNKNOWN_TIMING_RULES = ("earliest", "latest", "both")


@cache
def exchange_calendar(exchange: str) -> xcals.ExchangeCalendar:
    """The exchange_calendars calendar of ``exchange`` (cached; 1990 onwards)."""
    try:
        # exchange_calendars still uses pandas APIs that pandas 3 deprecates; the
        # warnings concern its internals, not the caller, so keep them out of notebooks.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            return xcals.get_calendar(exchange, start="1990-01-01")
    except xcals.errors.InvalidCalendarName as exc:
        raise CalendarError(f"unknown exchange calendar {exchange!r}") from exc


def announcement_moments(event: Event) -> tuple[pd.Timestamp, ...]:
    """The announcement as UTC moment(s): one, or two for ``unknown`` timing.

    Returns the earliest possible moment, and for ``unknown`` timing also the
    latest (midnight at the end of the announcement day).
    """
    zone = ZoneInfo(event.timezone)
    clock = event.time if event.time is not None else TIMING_CLOCK[event.timing]
    first = pd.Timestamp(dt.datetime.combine(event.date, clock, tzinfo=zone)).tz_convert("UTC")
    if event.timing != "unknown":
        return (first,)
    end = dt.datetime.combine(event.date + dt.timedelta(days=1), dt.time(0, 0), tzinfo=zone)
    return first, pd.Timestamp(end).tz_convert("UTC")


def first_session_after(exchange: str, moment: pd.Timestamp) -> pd.Timestamp:
    """First session of ``exchange`` whose open is strictly after ``moment`` (UTC)."""
    calendar = exchange_calendar(exchange)
    # session_open/close rather than first/last_minute, which build every minute.
    first_open = calendar.session_open(calendar.first_session)
    last_close = calendar.session_close(calendar.last_session)
    if not first_open <= moment < last_close:
        raise CalendarError(
            f"{moment} is outside the {exchange} calendar "
            f"({calendar.first_session.date()} to {calendar.last_session.date()})"
        )
    # The session of the announcement's local date, or the next one, is the candidate.
    local_day = moment.tz_convert(calendar.tz).normalize().tz_localize(None)
    session = calendar.date_to_session(local_day, direction="next")
    while calendar.session_open(session) <= moment:
        session = calendar.next_session(session)
    return session


def candidate_sessions(event: Event) -> tuple[pd.Timestamp, ...]:
    """Every session the event could first reach: one, or two for ``unknown`` timing."""
    sessions = tuple(first_session_after(event.exchange, m) for m in announcement_moments(event))
    return tuple(dict.fromkeys(sessions))  # an unknown-timing event on a holiday has one


def event_sessions(event: Event, unknown_timing: str = "earliest") -> tuple[pd.Timestamp, ...]:
    """The session(s) to study for ``event`` under the ``unknown_timing`` rule.

    Parameters
    ----------
    event : Event
    unknown_timing : {"earliest", "latest", "both"}
        Which candidate to use when the event's timing is ``unknown``.
    """
    if unknown_timing not in UNKNOWN_TIMING_RULES:
        raise SpecificationError(
            f"unknown_timing must be one of {UNKNOWN_TIMING_RULES}, not {unknown_timing!r}"
        )
    candidates = candidate_sessions(event)
    if unknown_timing == "earliest":
        return candidates[:1]
    if unknown_timing == "latest":
        return candidates[-1:]
    return candidates
