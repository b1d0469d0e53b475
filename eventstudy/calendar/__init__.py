"""Exchange calendars: which session an announcement reaches.

``sessions`` keeps each exchange's sessions, opens, closes and time zone (on disk);
``align`` places announcements on the first session that could react; ``days`` turns
dates into day numbers. May import ``eventstudy.errors`` and ``eventstudy.sources``
(the cache folder) only.
"""

from .align import (
    TIMING_CLOCK,
    UNKNOWN_TIMING_RULES,
    align,
    announcement_moments,
    candidate_sessions,
    event_sessions,
    first_sessions_closing_after,
)
from .sessions import ExchangeSessions, exchange_sessions

__all__ = [
    "TIMING_CLOCK",
    "UNKNOWN_TIMING_RULES",
    "ExchangeSessions",
    "align",
    "announcement_moments",
    "candidate_sessions",
    "event_sessions",
    "exchange_sessions",
    "first_sessions_closing_after",
]
