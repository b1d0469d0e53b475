"""Reports an analyst hands over: the case notebooks executed and rendered, with CSVs.

``build`` runs the notebooks headless (papermill) and writes ``reports/``
(``python -m eventstudy.report``); ``tables`` tidies their HTML tables; ``provenance``
stamps version, data checksum and parameters; ``display`` styles the notebooks'
tables. May import everything below it (``core``, ``analysis``, ``plot``, ``events``,
``sources``, ``stats``).
"""

from .build import build_reports, main
from .display import announcements, event_sessions, pooled_table, styled
from .provenance import Provenance, provenance

__all__ = [
    "Provenance",
    "announcements",
    "build_reports",
    "event_sessions",
    "main",
    "pooled_table",
    "provenance",
    "styled",
]
