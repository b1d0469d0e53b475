"""The sessions of an exchange, their opens and closes, kept on disk between processes.

The library uses four things of an exchange_calendars calendar: its sessions, the
UTC moments each opens and closes, and its time zone. Building a calendar evaluates
its holiday rules over three decades and takes 0.2-0.7 s, most of a small study's run
in a new process, so the table is stored as ``<cache>/calendars/<EXCHANGE>.npz`` (the
cache folder of :func:`eventstudy.sources.cache.default_cache_dir`) together with what
it was built from: the file layout (:data:`TABLE_FORMAT`), the exchange_calendars and
pandas versions, the first session asked for and the UTC day of the build. A file is
used only if all five match; the calendar ends a year after the day it is built, so
it is rebuilt each day it is used. A file that cannot be read, or of an older layout
(one without closes), is rebuilt and replaced; a folder that cannot be written leaves
the table in memory for this process only. Writes are atomic.
exchange_calendars itself (about 0.1 s to import) is imported only to build a
table; its version for the check is read from the installed package's metadata.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
import zipfile
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CalendarError
from ..sources.cache import atomic_write, default_cache_dir

CALENDAR_START = "1990-01-01"
# The layout of a stored table. Raise it when the arrays change: "2" added the closes,
# which a file of layout 1 (no "format" entry) lacks, so such a file is rebuilt.
TABLE_FORMAT = "2"


@dataclass(frozen=True)
class ExchangeSessions:
    """The sessions of one exchange.

    Attributes
    ----------
    exchange : str
        Calendar name (exchange_calendars, e.g. ``"XHKG"``).
    sessions : DatetimeIndex
        Session labels (tz-naive midnight), ascending.
    opens : ndarray of int64
        UTC nanoseconds of each session's open.
    closes : ndarray of int64
        UTC nanoseconds of each session's close (the early close of a half day).
    tz : str
        The exchange's time zone (IANA name).
    """

    exchange: str
    sessions: pd.DatetimeIndex
    opens: np.ndarray
    closes: np.ndarray
    tz: str

    def between(self, first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
        """Sessions from ``first`` to ``last`` inclusive; an earlier ``first`` than the
        calendar's first session starts at it.

        Raises
        ------
        CalendarError
            If ``last`` is outside the calendar.
        """
        start, stop = self.positions(first, last)
        return self.sessions[start:stop]

    def positions(self, first: pd.Timestamp, last: pd.Timestamp) -> tuple[int, int]:
        """Positions ``start, stop`` in :attr:`sessions` of :meth:`between`'s sessions."""
        if not self.sessions[0] <= last <= self.sessions[-1]:
            raise CalendarError(
                f"{last.date()} is outside the {self.exchange} calendar "
                f"({self.sessions[0].date()} to {self.sessions[-1].date()})"
            )
        every = self.sessions.asi8  # nanoseconds: the tables are made in that unit
        start = int(np.searchsorted(every, first.as_unit("ns").value, side="left"))
        return start, int(np.searchsorted(every, last.as_unit("ns").value, side="right"))


@cache
def exchange_sessions(exchange: str) -> ExchangeSessions:
    """The sessions of ``exchange`` from 1990, or from the first day its calendar
    covers when that is later (stored file if current, else built).

    Raises
    ------
    CalendarError
        If exchange_calendars has no calendar of that name, or cannot build it.
    """
    path = default_cache_dir() / "calendars" / f"{exchange}.npz"
    stamp = _build_stamp()
    stored = _read(path, exchange, stamp)
    if stored is not None:
        return stored
    table = _build(exchange)
    try:
        atomic_write(path, _encode(table, stamp))
    except OSError:
        pass  # a read-only cache folder: the table serves this process only
    return table


def _build_stamp() -> dict[str, str]:
    """What a stored table must have been built from to be used today."""
    return {
        "format": TABLE_FORMAT,
        "exchange_calendars": _calendars_version(),
        "pandas": pd.__version__,
        "start": CALENDAR_START,
        "built": dt.datetime.now(dt.UTC).date().isoformat(),
    }


@cache
def _calendars_version() -> str:
    # From the installed metadata: a stored table is used without importing the package.
    return version("exchange_calendars")


def _build(exchange: str) -> ExchangeSessions:
    import exchange_calendars as xcals  # only to build a table: 60 ms of import time

    # exchange_calendars still uses pandas APIs that pandas 3 deprecates; the
    # warnings concern its internals, not the caller, so keep them out of notebooks.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            calendar = xcals.get_calendar(exchange, start=CALENDAR_START)
        except xcals.errors.InvalidCalendarName as exc:
            raise CalendarError(f"unknown exchange calendar {exchange!r}") from exc
        except (ValueError, NotImplementedError):
            calendar = _from_its_first_day(xcals, exchange)
    opens, closes = (moments.dt.tz_convert("UTC").array.as_unit("ns").asi8
                     for moments in (calendar.opens, calendar.closes))
    return ExchangeSessions(exchange, _sessions(_ns(calendar.sessions)), opens, closes,
                            str(calendar.tz))


def _from_its_first_day(xcals, exchange: str):
    """The calendar of an exchange whose rules start after 1990 (XTKS and XBOM from
    1997, XSAU from 2021), from the first day they cover."""
    try:
        first = type(xcals.get_calendar(exchange)).bound_min()
        return xcals.get_calendar(exchange, start=first)
    except (ValueError, NotImplementedError, TypeError) as exc:
        raise CalendarError(
            f"exchange_calendars {_calendars_version()} cannot build the {exchange} "
            f"calendar ({type(exc).__name__}: {str(exc)[:120]}); give another exchange"
        ) from exc


def _encode(table: ExchangeSessions, stamp: dict[str, str]) -> bytes:
    out = io.BytesIO()
    np.savez(out, sessions=_ns(table.sessions), opens=table.opens, closes=table.closes,
             tz=np.str_(table.tz), exchange=np.str_(table.exchange),
             **{k: np.str_(v) for k, v in stamp.items()})
    return out.getvalue()


def _read(path: Path, exchange: str, stamp: dict[str, str]) -> ExchangeSessions | None:
    """The stored table at ``path`` if it was built from ``stamp``; None otherwise."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["exchange"]) != exchange or any(
                str(stored[k]) != v for k, v in stamp.items()
            ):
                return None
            sessions, tz = stored["sessions"], str(stored["tz"])
            opens, closes = stored["opens"], stored["closes"]
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile):
        return None  # missing, unreadable or from another layout: build it again
    if any(a.dtype != np.int64 or a.shape != sessions.shape for a in (sessions, opens, closes)):
        return None
    return ExchangeSessions(exchange, _sessions(sessions), opens, closes, tz)


def _ns(index: pd.DatetimeIndex) -> np.ndarray:
    return index.as_unit("ns").asi8


def _sessions(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns.view("datetime64[ns]"))
