"""The bundled cases and their event catalogs (``data/events``)."""

from __future__ import annotations

import pandas as pd

from ..errors import CatalogError
from ..sources import bundled
from .event import Event, read_catalog


def bundled_cases() -> pd.DataFrame:
    """The bundled cases (``case, title, summary``), indexed by case."""
    return pd.read_csv(bundled.data_dir() / "events" / "cases.csv").set_index("case")


def bundled_events(case: str | None = None) -> tuple[Event, ...]:
    """Events of one bundled case, or of all of them when ``case`` is None.

    Raises
    ------
    CatalogError
        If ``case`` is not a bundled case.
    """
    cases = bundled_cases()
    if case is not None and case not in cases.index:
        raise CatalogError(f"unknown case {case!r}; bundled cases: {', '.join(cases.index)}")
    known = bundled.price_manifest().index
    names = cases.index if case is None else [case]
    folder = bundled.data_dir() / "events"
    return tuple(e for name in names for e in read_catalog(folder / f"{name}.csv", known))
