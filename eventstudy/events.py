"""Events as data, and the catalog files that hold them.

A catalog is a CSV file with one row per (announcement, security) and the columns

``id, case, ticker, exchange, market, type, date, time, timing, timezone, description, source``

``date`` is the day the news became public in ``timezone`` (an IANA name such as
``America/New_York``). ``time`` (``HH:MM``) is given when the public record shows
it; otherwise ``timing`` places the news in the local day: ``before_open``,
``during``, ``after_close`` or ``unknown`` (see :mod:`eventstudy.calendar` for how
each maps to a session). The same ``id`` may appear for several tickers: one
announcement, several securities. The bundled catalogs are in ``data/events/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import exchange_calendars as xcals
import numpy as np
import pandas as pd

from .errors import CatalogError
from .sources import bundled

EVENT_TYPES = (
    "designation",
    "delisting",
    "lawsuit",
    "injunction",
    "joint_filing",
    "final_order",
    "executive_order",
    "exchange_action",
    "sanction",
    "regulation",
    "report",
    "earnings",
    "other",
)
TIMINGS = ("before_open", "during", "after_close", "unknown")
CATALOG_COLUMNS = (
    "id",
    "case",
    "ticker",
    "exchange",
    "market",
    "type",
    "date",
    "time",
    "timing",
    "timezone",
    "description",
    "source",
)
REQUIRED = ("id", "ticker", "exchange", "type", "date", "timezone")


@dataclass(frozen=True)
class Event:
    """One announcement as it concerns one security.

    Attributes
    ----------
    id : str
        Identifier of the announcement (shared by the securities it concerns).
    case : str
        The case (study) the event belongs to.
    ticker, exchange, market : str
        The security, its exchange's calendar code (``XHKG``, ``XNAS`` ...) and
        the ticker of its market index ('' when none).
    type : str
        One of :data:`EVENT_TYPES`.
    date : datetime.date
        Day the news became public, in ``timezone``.
    time : datetime.time or None
        Clock time of the announcement, when known.
    timing : str
        One of :data:`TIMINGS`, or ``"exact"`` when ``time`` is given.
    timezone : str
        IANA time zone of ``date`` and ``time``.
    """

    id: str
    case: str
    ticker: str
    exchange: str
    market: str
    type: str
    date: dt.date
    time: dt.time | None
    timing: str
    timezone: str
    description: str = ""
    source: str = ""

    @property
    def key(self) -> str:
        """Unique key of the event row: ``id`` and ``ticker``."""
        return f"{self.id}/{self.ticker}"

    @property
    def announced(self) -> str:
        """Human-readable announcement moment, e.g. ``2021-05-11 during (America/New_York)``."""
        return f"{self.date.isoformat()} {_moment_label(self.time, self.timing, self.timezone)}"


def announced_labels(events: Sequence[Event]) -> list[str]:
    """``Event.announced`` of many events, with the dates formatted in one pass."""
    days = iso_days(day_numbers(events))
    return [
        day + " " + _moment_label(e.time, e.timing, e.timezone)
        for day, e in zip(days, events, strict=True)
    ]


def day_numbers(events: Sequence[Event]) -> np.ndarray:
    """Announcement dates as int64 days since 1970-01-01.

    From date ordinals: much faster than numpy's conversion of date objects.
    """
    ordinals = np.fromiter((e.date.toordinal() for e in events), np.int64, len(events))
    return ordinals - _EPOCH_ORDINAL


def iso_days(days: np.ndarray) -> np.ndarray:
    """ISO date strings (object array) of day numbers since 1970-01-01.

    Each distinct day is formatted once: studies repeat a few thousand dates.
    """
    unique, inverse = np.unique(np.asarray(days, dtype=np.int64), return_inverse=True)
    names = np.empty(len(unique), dtype=object)
    names[:] = [dt.date.fromordinal(int(d) + _EPOCH_ORDINAL).isoformat() for d in unique]
    return names[inverse.ravel()]


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


@cache
def _moment_label(time: dt.time | None, timing: str, timezone: str) -> str:
    when = time.strftime("%H:%M") if time else timing
    return f"{when} ({timezone})"


@cache
def _calendar_names() -> frozenset[str]:
    return frozenset(xcals.get_calendar_names(include_aliases=True))


def _parse_row(row: dict[str, str], where: str, known_tickers: frozenset[str] | None) -> Event:
    for column in REQUIRED:
        if not row.get(column):
            raise CatalogError(f"{where}: empty {column!r}")
    if row["type"] not in EVENT_TYPES:
        raise CatalogError(f"{where}: unknown type {row['type']!r}; expected one of {EVENT_TYPES}")
    if row["exchange"] not in _calendar_names():
        raise CatalogError(
            f"{where}: unknown exchange {row['exchange']!r}; use an exchange_calendars code "
            "such as XHKG, XNYS or XNAS"
        )
    if known_tickers is not None:
        for column in ("ticker", "market"):
            if row.get(column) and row[column] not in known_tickers:
                raise CatalogError(
                    f"{where}: unknown {column} {row[column]!r}; no prices for it "
                    f"(known: {', '.join(sorted(known_tickers))})"
                )
    try:
        ZoneInfo(row["timezone"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CatalogError(f"{where}: unknown time zone {row['timezone']!r}") from exc
    try:
        date = dt.date.fromisoformat(row["date"])
    except ValueError as exc:
        raise CatalogError(f"{where}: malformed date {row['date']!r}; expected YYYY-MM-DD") from exc
    time, timing = _parse_time(row, where)
    return Event(
        id=row["id"],
        case=row.get("case", ""),
        ticker=row["ticker"],
        exchange=row["exchange"],
        market=row.get("market", ""),
        type=row["type"],
        date=date,
        time=time,
        timing=timing,
        timezone=row["timezone"],
        description=row.get("description", ""),
        source=row.get("source", ""),
    )


def _parse_time(row: dict[str, str], where: str) -> tuple[dt.time | None, str]:
    text, timing = row.get("time", ""), row.get("timing", "")
    if text:
        try:
            time = dt.time.fromisoformat(text)
        except ValueError as exc:
            raise CatalogError(f"{where}: malformed time {text!r}; expected HH:MM") from exc
        if timing and timing != "exact":
            raise CatalogError(
                f"{where}: give either a time ({text}) or a timing ({timing}), not both"
            )
        return time, "exact"
    if timing not in TIMINGS:
        raise CatalogError(
            f"{where}: unknown timing {timing!r}; expected a time or one of {TIMINGS}"
        )
    return None, timing


def read_catalog(path: str | Path, known_tickers: Iterable[str] | None = None) -> tuple[Event, ...]:
    """Read and validate one catalog CSV file.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    known_tickers : iterable of str, optional
        When given, every ``ticker`` and ``market`` must be among them.

    Raises
    ------
    CatalogError
        Naming the file, the line and the problem, for the first bad row.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise CatalogError(f"{path}: cannot read the event catalog ({exc})") from exc
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise CatalogError(f"{path}: missing columns {missing}; found {list(frame.columns)}")
    if frame.empty:
        raise CatalogError(f"{path}: the event catalog has no rows")
    known = None if known_tickers is None else frozenset(known_tickers)
    events = tuple(
        _parse_row({k: v.strip() for k, v in row.items()}, f"{path.name} line {i + 2}", known)
        for i, row in enumerate(frame.to_dict("records"))
    )
    _check_unique(events, path)
    return events


def _check_unique(events: tuple[Event, ...], path: Path) -> None:
    seen: set[str] = set()
    for event in events:
        if event.key in seen:
            raise CatalogError(f"{path}: event {event.id!r} appears twice for {event.ticker}")
        seen.add(event.key)


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


def events_frame(events: Iterable[Event]) -> pd.DataFrame:
    """The events as a DataFrame, one row each, in catalog column order."""
    rows = [asdict(e) for e in events]
    return pd.DataFrame(rows, columns=list(CATALOG_COLUMNS))
