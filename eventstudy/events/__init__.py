"""Events as data: what was announced, for which security, and when.

``event`` defines :class:`Event` and takes events in any form (objects, a DataFrame,
a CSV or parquet file); ``catalog`` reads tables and files column by column;
``bundled`` holds the bundled cases. May import ``eventstudy.calendar``,
``eventstudy.sources`` and the foundation modules (``errors``, ``collector``).
"""

from .bundled import bundled_cases, bundled_events
from .event import (
    CATALOG_COLUMNS,
    EVENT_TYPES,
    SUFFIX_EXCHANGES,
    TIMINGS,
    Event,
    announced_labels,
    as_events,
    events_frame,
    read_catalog,
)

__all__ = [
    "CATALOG_COLUMNS",
    "EVENT_TYPES",
    "SUFFIX_EXCHANGES",
    "TIMINGS",
    "Event",
    "announced_labels",
    "as_events",
    "bundled_cases",
    "bundled_events",
    "events_frame",
    "read_catalog",
]
