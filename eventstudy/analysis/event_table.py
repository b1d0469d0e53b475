"""The events table: what was announced, when, and which session could first react.

One row per event, security and candidate session, with the announcement in its
own time zone, the moment the calendar rule uses (see :mod:`eventstudy.calendar`)
shown in the exchange's time zone, and the aligned event session, as the study
aligns them (:func:`eventstudy.calendar.align` with ``unknown_timing="both"``).
Events of ``unknown`` timing get two rows (``candidate`` earliest and latest)
unless both candidates are the same session.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..calendar.align import align, announcement_moments
from ..calendar.sessions import exchange_sessions
from ..events.event import Event

TABLE_COLUMNS = (
    "event_id", "ticker", "type", "announced", "weekday", "time", "timezone", "exchange",
    "candidate", "placed_at", "event_session", "session_weekday", "description",
)


def event_table(events: Iterable[Event]) -> pd.DataFrame:
    """The events with their dates, timing and aligned sessions.

    Parameters
    ----------
    events : iterable of Event

    Returns
    -------
    DataFrame
        Columns :data:`TABLE_COLUMNS`: ``announced`` (ISO date in ``timezone``) and its
        ``weekday``; ``time``, the clock time (``HH:MM``) or the timing
        (``before_open``, ``during``, ``after_close``, ``unknown``); ``candidate``
        (``earliest``/``latest`` for unknown timing, else ''); ``placed_at``, the
        announcement moment the calendar rule uses, in the exchange's time zone
        (``YYYY-MM-DD HH:MM TZ``); ``event_session``, the first session of the
        exchange closing strictly after it, and its weekday.
    """
    events = tuple(events)
    aligned = align(events, "both")
    earliest, latest = announcement_moments(events)
    rows = []
    for index, session, candidate in aligned.itertuples(index=False):
        event = events[index]
        moment = latest[index] if candidate == "latest" else earliest[index]
        zone = exchange_sessions(event.exchange).tz
        rows.append(
            {
                "event_id": event.id,
                "ticker": event.ticker,
                "type": event.type,
                "announced": event.date.isoformat(),
                "weekday": event.date.strftime("%a"),
                "time": event.time.strftime("%H:%M") if event.time else event.timing,
                "timezone": event.timezone,
                "exchange": event.exchange,
                "candidate": candidate,
                "placed_at": pd.Timestamp(moment, tz="UTC").tz_convert(zone).strftime(
                    "%Y-%m-%d %H:%M %Z"),
                "event_session": session.date().isoformat(),
                "session_weekday": session.strftime("%a"),
                "description": event.description,
            }
        )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
