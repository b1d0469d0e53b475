"""Reports an analyst hands over: the case notebooks executed and rendered, with CSVs.

``build`` runs the notebooks headless (papermill) and writes ``reports/``
(``python -m eventstudy.report``); ``provenance`` stamps version, data checksum and
parameters; ``display`` styles the notebooks' tables. May import everything below it
(``core``, ``analysis``, ``plot``, ``events``, ``sources``).
"""

from .build import build_reports, main
from .display import styled
from .provenance import Provenance, provenance

__all__ = ["Provenance", "build_reports", "main", "provenance", "styled"]
