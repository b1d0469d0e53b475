"""From an announcement to its event session on the security's own exchange calendar.

Rule: the event session is the first session of the security's exchange that
*closes strictly after* the announcement, the first whose trading could reflect the
news. News before the open counts for that day's session; news during a session,
its lunch break included, for that same session, whose close already reflects it;
news at or after the close (a half day's early close included) for the next
session; weekends and holidays roll forward. Day 0 is thus the announcement day for
news released before the close and the next trading day for news after it, the
convention of daily-return event studies (MacKinlay 1997, sec. 3) and of studies
that separate announcements made during trading from those after hours (Berkman &
Truong 2009, *J. Accounting Research*; Michaely, Rubin & Vedrashko 2014). A rule on
opens would put news made during a session on the next one, and its day-0 reaction
(the close-to-close return of the session in progress) on day -1.

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

Using the start of the interval gives the first session that *could* react. In the
exchange's own time zone ``before_open`` and ``during`` reach that day's session and
``after_close`` the next: there ``after_close`` means after *that exchange's* close,
so on a session day it is placed at the session's close when that is later than
16:00 (London 16:30, Paris and Frankfurt 17:30), and the news reaches the next
session, not the last half hour of the one it followed. Across time zones
the placed moment is what counts: news of the US day (09:30-16:00 New York) comes
after Hong Kong's 16:00 close and reaches the next Hong Kong session; a US evening
announcement (16:00-24:00 New York, 05:00-13:00 in Hong Kong in winter) reaches that
Hong Kong morning's session, before its open or while it trades.

For ``unknown`` timing the default is the earlier candidate (the announcement day's
own session when it is one), as in studies that take the public date as day 0;
``unknown_timing="latest"`` or ``"both"`` changes that. 00:00 New York is 13:00 in
Hong Kong (winter), so the earlier candidate of a New York announcement for a Hong
Kong stock is the Hong Kong session then in progress: news just after midnight in
New York could reach its afternoon.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from typing import Protocol

import numpy as np
import pandas as pd

from ..errors import CalendarError, SpecificationError
from .days import day_numbers, iso_days
from .sessions import exchange_sessions


class Announcement(Protocol):
    """What the calendar needs of an event (:class:`eventstudy.Event` has it all)."""

    date: dt.date
    time: dt.time | None
    timing: str
    timezone: str
    exchange: str

TIMING_CLOCK = {
    "before_open": dt.time(0, 0),
    "during": dt.time(9, 30),
    "after_close": dt.time(16, 0),
    "unknown": dt.time(0, 0),
}
UNKNOWN_TIMING_RULES = ("earliest", "latest", "both")


def announcement_moments(events: Sequence[Announcement]) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest UTC moments of each announcement, as int64 nanoseconds.

    The earliest is the given time, or the start of the timing's part of the day
    (:data:`TIMING_CLOCK`); the latest equals it except for ``unknown`` timing,
    where it is midnight at the end of the announcement day. Local clock times
    that a daylight-saving change makes ambiguous take the earlier instant;
    nonexistent ones move forward to the first valid instant.
    """
    midnight = day_numbers(events) * _DAY_NS
    first = midnight + np.array([_clock_ns(e.time, e.timing) for e in events], dtype=np.int64)
    unknown = np.array([e.timing == "unknown" for e in events], dtype=bool)
    last = np.where(unknown, midnight + _DAY_NS, first)
    earliest = np.empty(len(events), dtype=np.int64)
    latest = np.empty(len(events), dtype=np.int64)
    zones, zone_names = pd.factorize(np.array([e.timezone for e in events], dtype=object))
    for k, zone in enumerate(zone_names):
        rows = np.flatnonzero(zones == k)
        earliest[rows] = _to_utc(first[rows], zone)
        latest[rows] = _to_utc(last[rows], zone)
    return earliest, latest


_DAY_NS = 86_400 * 10**9


@cache
def _clock_ns(time: dt.time | None, timing: str) -> int:
    """Nanoseconds after local midnight at which the announcement is placed."""
    clock = time if time is not None else TIMING_CLOCK[timing]
    return ((clock.hour * 60 + clock.minute) * 60 + clock.second) * 10**9 + clock.microsecond * 1000


def _to_utc(local_ns: np.ndarray, zone: str) -> np.ndarray:
    """UTC int64 ns of local wall-clock times (int64 ns) in ``zone``."""
    stamps = pd.DatetimeIndex(local_ns.astype("datetime64[ns]")).tz_localize(
        zone, ambiguous=np.ones(len(local_ns), dtype=bool), nonexistent="shift_forward"
    )
    return stamps.tz_convert("UTC").as_unit("ns").asi8


def first_sessions_closing_after(exchange: str, moments: np.ndarray) -> pd.DatetimeIndex:
    """For each UTC moment (int64 ns), the first session of ``exchange`` that closes
    strictly after it: the session in progress, or else the next to open.

    Raises
    ------
    CalendarError
        If a moment is before the calendar's first open or at or after its last close.
    """
    table = exchange_sessions(exchange)
    opens, closes, sessions = table.opens, table.closes, table.sessions
    where = np.searchsorted(closes, moments, side="right")
    outside = (moments < opens[0]) | (where >= len(closes))
    if outside.any():
        moment = pd.Timestamp(moments[np.argmax(outside)], tz="UTC")
        raise CalendarError(
            f"{moment} is outside the {exchange} calendar "
            f"({sessions[0].date()} to {sessions[-1].date()})"
        )
    return sessions[where]


def calendar_days(exchange: str) -> tuple[int, int]:
    """First and last session of ``exchange``'s calendar, as days since 1970-01-01."""
    sessions = exchange_sessions(exchange).sessions
    return (int(sessions[0].value // _DAY_NS), int(sessions[-1].value // _DAY_NS))


def check_dates(events: Sequence[Announcement], exchanges: np.ndarray) -> None:
    """Refuse announcements dated outside their exchange's calendar, naming the event.

    Checked on day numbers, before any date becomes nanoseconds (which end in 2262:
    9999-12-31 would wrap around to 1816).
    """
    days = day_numbers(events)
    for exchange in dict.fromkeys(exchanges):
        rows = np.flatnonzero(exchanges == exchange)
        lo, hi = calendar_days(exchange)
        outside = (days[rows] < lo) | (days[rows] > hi)
        if outside.any():
            raise _outside_error(events[int(rows[np.argmax(outside)])], exchange)


def _check_reach(events, rows: np.ndarray, exchange: str, moments: np.ndarray) -> None:
    """An announcement at or after the calendar's last close (or before its first open,
    which the calendar cannot tell from one after a session it lacks) reaches no
    session."""
    table = exchange_sessions(exchange)
    late = (moments >= table.closes[-1]) | (moments < table.opens[0])
    if late.any():
        raise _outside_error(events[int(rows[np.argmax(late)])], exchange)


def _outside_error(event, exchange: str) -> CalendarError:
    first, last = (iso_days(np.array(calendar_days(exchange))))
    name = getattr(event, "id", "") or getattr(event, "ticker", "")
    about = f"event {name}" + (f" ({event.ticker})" if getattr(event, "ticker", name) != name
                               else "")
    return CalendarError(
        f"{about}: announced {event.date.isoformat()}, which the {exchange} calendar "
        f"({first} to {last}) cannot place on a session; check the date"
    )


def align(events: Sequence[Announcement], unknown_timing: str = "earliest") -> pd.DataFrame:
    """Event sessions of many events at once.

    Returns
    -------
    DataFrame
        One row per studied (event, session): ``event`` (position in ``events``),
        ``session`` and ``candidate`` ("" for events of known timing, else
        "earliest" or "latest"). ``unknown_timing="both"`` gives two rows for an
        unknown-timing event whose candidates differ, in that order.
    """
    if unknown_timing not in UNKNOWN_TIMING_RULES:
        raise SpecificationError(
            f"unknown_timing must be one of {UNKNOWN_TIMING_RULES}, not {unknown_timing!r}"
        )
    exchanges = np.array([e.exchange for e in events], dtype=object)
    check_dates(events, exchanges)
    earliest, latest = announcement_moments(events)
    first = np.empty(len(events), dtype="datetime64[ns]")
    last = np.empty(len(events), dtype="datetime64[ns]")
    for exchange in dict.fromkeys(exchanges):
        rows = np.flatnonzero(exchanges == exchange)
        _after_own_close(events, rows, exchange, earliest, latest)
        for moments, out in ((earliest, first), (latest, last)):
            _check_reach(events, rows, exchange, moments[rows])
            out[rows] = first_sessions_closing_after(exchange, moments[rows]).to_numpy()
    unknown = np.array([e.timing == "unknown" for e in events], dtype=bool)
    label = np.where(unknown, unknown_timing, "")
    if unknown_timing == "earliest":
        return _aligned(np.arange(len(events)), first, label)
    if unknown_timing == "latest":
        return _aligned(np.arange(len(events)), last, label)
    two = unknown & (first != last)
    index = np.concatenate([np.arange(len(events)), np.flatnonzero(two)])
    sessions = np.concatenate([first, last[two]])
    labels = np.concatenate([np.where(unknown, "earliest", ""), np.full(two.sum(), "latest")])
    order = np.argsort(index, kind="stable")
    return _aligned(index[order], sessions[order], labels[order])


def _after_own_close(events, rows: np.ndarray, exchange: str, *moments: np.ndarray) -> None:
    """Move ``after_close`` announcements made in ``exchange``'s own time zone on one of
    its session days to that session's close, when it is later than 16:00 (in place).

    The conventional 16:00 is still trading time on exchanges that close later;
    "after the close" in the exchange's own zone means after its real close.
    """
    table = exchange_sessions(exchange)
    own = np.array([events[i].timing == "after_close" and events[i].time is None
                    and events[i].timezone == table.tz for i in rows], dtype=bool)
    if not own.any():
        return
    picked = rows[own]
    days = day_numbers([events[i] for i in picked])
    session_days = table.sessions.asi8 // _DAY_NS
    where = np.minimum(np.searchsorted(session_days, days), len(session_days) - 1)
    on_session = session_days[where] == days
    at, closes = picked[on_session], table.closes[where[on_session]]
    for values in moments:
        values[at] = np.maximum(values[at], closes)


def _aligned(index: np.ndarray, sessions: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {"event": index, "session": pd.DatetimeIndex(sessions), "candidate": labels.astype(str)}
    )


def candidate_sessions(event: Announcement) -> tuple[pd.Timestamp, ...]:
    """Every session the event could first reach: one, or two for ``unknown`` timing."""
    return tuple(align([event], "both")["session"])


def event_sessions(
    event: Announcement, unknown_timing: str = "earliest"
) -> tuple[pd.Timestamp, ...]:
    """The session(s) to study for ``event`` under the ``unknown_timing`` rule.

    Parameters
    ----------
    event : Event (or any Announcement)
    unknown_timing : {"earliest", "latest", "both"}
        Which candidate to use when the event's timing is ``unknown``.
    """
    return tuple(align([event], unknown_timing)["session"])
