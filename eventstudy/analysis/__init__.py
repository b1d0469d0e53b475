"""Analyses of a fitted study, one per module, as the case notebooks present them.

``event_table`` (each announcement and the sessions it reaches), ``carpath`` (CAR
day by day with its band, and the CAAR of an announcement's securities), ``moves``
(close-to-close against intraday moves), ``robustness`` (the study under other
models and designs), ``placebo`` (the event-day AR among the stock's other days).
May import ``eventstudy.core``, ``eventstudy.stats``, ``eventstudy.events``,
``eventstudy.calendar``, ``eventstudy.sources`` and ``errors``.
"""

from .carpath import CAAR_COLUMNS, PATH_COLUMNS, caar_path, car_path
from .event_table import TABLE_COLUMNS as EVENT_TABLE_COLUMNS
from .event_table import event_table
from .moves import MOVE_COLUMNS, session_moves
from .placebo import PlaceboResult, placebo_test
from .robustness import ROBUSTNESS_COLUMNS, compare_variants, robustness, variant_label

__all__ = [
    "CAAR_COLUMNS",
    "EVENT_TABLE_COLUMNS",
    "MOVE_COLUMNS",
    "PATH_COLUMNS",
    "ROBUSTNESS_COLUMNS",
    "PlaceboResult",
    "caar_path",
    "car_path",
    "compare_variants",
    "event_table",
    "placebo_test",
    "robustness",
    "session_moves",
    "variant_label",
]
