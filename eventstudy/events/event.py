"""Events as data: the :class:`Event`, and events from tables and catalog files.

An event is one announcement as it concerns one security. Only its ``ticker`` and
``date`` (the day the news became public) are required; everything else has a
documented default (see :class:`Event`). Events come in as ``Event`` objects, as a
pandas DataFrame or as a catalog file (CSV or parquet) with one row per
(announcement, security) and some of the columns

``id, case, ticker, exchange, market, type, date, time, timing, timezone, description, source``

of which ``ticker`` and ``date`` are required (:func:`as_events`). An ``id``,
``case``, ``ticker``, ``market`` or ``type`` starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is refused: results tables carry them to CSV and Excel,
where a spreadsheet would run them as formulas (:data:`FORMULA_START`). ``date`` is the
day in ``timezone`` (an IANA name such as ``America/New_York``; by default the
exchange's own). ``time`` (``HH:MM``) is given when the public record shows it;
otherwise ``timing`` places the news in the local day: ``before_open``, ``during``,
``after_close`` or ``unknown`` (see :mod:`eventstudy.calendar` for how each maps to
a session). The same ``id`` may appear for several tickers: one announcement,
several securities. The bundled catalogs are in ``data/events/``; tables and files
are read by :mod:`eventstudy.events.catalog`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, asdict, dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from ..calendar.days import day_numbers, iso_days
from ..collector import collection_paused
from ..errors import CalendarError, CatalogError, SpecificationError

# Types used by the bundled catalogs and suggested for others; ``type`` is free text.
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
REQUIRED = ("ticker", "date")
# The columns of results tables (CSV, Excel, HTML) that come from the catalog: text
# starting with one of FORMULA_START there is refused, as a spreadsheet opening the
# table would run it as a formula (=HYPERLINK(...), @SUM(...), +cmd|...). Refusing,
# rather than escaping it with a leading quote, keeps every output equal to the input.
FORMULA_COLUMNS = ("id", "case", "ticker", "market", "type")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Yahoo ticker suffix -> exchange_calendars code, for the suffixes that name exactly
# one exchange with a calendar. Absent on purpose: US tickers (no suffix: NYSE or
# Nasdaq?), .NS (NSE India, no calendar), .SZ (Shenzhen, no calendar), .TWO (TPEx),
# .AT and .TA (exchange_calendars 4.13 cannot build ASEX and XTAE).
SUFFIX_EXCHANGES = {
    # Asia and Pacific
    ".AX": "XASX",  # Australian Securities Exchange
    ".BK": "XBKK",  # Stock Exchange of Thailand
    ".BO": "XBOM",  # BSE (Bombay)
    ".HK": "XHKG",  # Hong Kong
    ".JK": "XIDX",  # Indonesia
    ".KL": "XKLS",  # Bursa Malaysia
    ".KQ": "XKRX",  # KOSDAQ, on the Korea Exchange
    ".KS": "XKRX",  # Korea Exchange
    ".NZ": "XNZE",  # New Zealand
    ".PS": "XPHS",  # Philippines
    ".SI": "XSES",  # Singapore
    ".SS": "XSHG",  # Shanghai
    ".T": "XTKS",  # Tokyo
    ".TW": "XTAI",  # Taiwan
    # Europe
    ".AS": "XAMS",  # Euronext Amsterdam
    ".BD": "XBUD",  # Budapest
    ".BR": "XBRU",  # Euronext Brussels
    ".CO": "XCSE",  # Copenhagen
    ".DE": "XETR",  # Xetra
    ".DU": "XDUS",  # Duesseldorf
    ".F": "XFRA",  # Frankfurt
    ".HE": "XHEL",  # Helsinki
    ".HM": "XHAM",  # Hamburg
    ".IC": "XICE",  # Iceland
    ".IR": "XDUB",  # Euronext Dublin
    ".IS": "XIST",  # Borsa Istanbul
    ".L": "XLON",  # London
    ".LS": "XLIS",  # Euronext Lisbon
    ".MC": "XMAD",  # Madrid
    ".ME": "XMOS",  # Moscow
    ".MI": "XMIL",  # Borsa Italiana
    ".OL": "XOSL",  # Oslo
    ".PA": "XPAR",  # Euronext Paris
    ".PR": "XPRA",  # Prague
    ".RG": "XRIS",  # Riga
    ".SG": "XSTU",  # Stuttgart
    ".ST": "XSTO",  # Stockholm
    ".SW": "XSWX",  # SIX Swiss Exchange
    ".TL": "XTAL",  # Tallinn
    ".VI": "XWBO",  # Vienna
    ".VS": "XLIT",  # Vilnius
    ".WA": "XWAR",  # Warsaw
    # Americas, Middle East and Africa
    ".BA": "XBUE",  # Buenos Aires
    ".JO": "XJSE",  # Johannesburg
    ".MX": "XMEX",  # Mexico
    ".SA": "BVMF",  # B3 Sao Paulo
    ".SN": "XSGO",  # Santiago
    ".SR": "XSAU",  # Saudi Exchange (Tadawul), from 2021
    ".TO": "XTSE",  # Toronto
    ".V": "XTSX",  # TSX Venture
}

@dataclass(frozen=True)
class Event:
    """One announcement as it concerns one security.

    Only ``ticker`` and ``date`` are positional; every other field is keyword-only.
    Values are checked and normalised when the event is made: the attributes hold
    stripped text, ``date`` as a ``datetime.date``, ``time`` as a ``datetime.time``
    or None, ``timing`` as one of :data:`TIMINGS` or ``"exact"``, and every default
    filled in.

    Parameters
    ----------
    ticker : str
        The security, e.g. ``"1810.HK"``.
    date : datetime.date, str, datetime or Timestamp
        Day the news became public, in ``timezone``: a ``datetime.date``, a
        ``"YYYY-MM-DD"`` string (or 8 digits ``YYYYMMDD``), or a datetime /
        Timestamp at midnight (one with a time of day is refused: give ``time=``).
    id : str, optional
        Identifier of the announcement, shared by the securities it concerns.
        Default ``f"{ticker}@{date.isoformat()}"``, e.g. ``"1810.HK@2021-05-11"``.
    case : str, optional
        The case (study) the event belongs to. Default ``""``.
    exchange : str, optional
        The security's exchange calendar code (exchange_calendars: ``XHKG``,
        ``XNYS``, ``XNAS`` ...). Default: from the ticker's suffix by
        :data:`SUFFIX_EXCHANGES` (``.HK`` -> ``XHKG``); a ticker without a known
        suffix needs it.
    market : str, optional
        Ticker of the market index, ``""`` (the default) when none.
    type : str, optional
        What happened, free text (see :data:`EVENT_TYPES` for the usual ones).
        Default ``"other"``.
    time : datetime.time or str, optional
        Clock time of the announcement (``"HH:MM"``), when known.
    timing : str, optional
        One of :data:`TIMINGS` when ``time`` is not known. Default ``"unknown"``, or
        ``"exact"`` when ``time`` is given (the only timing allowed with it).
    timezone : str, optional
        IANA time zone of ``date`` and ``time``. Default: the exchange's own.
    description, source : str, optional
        What happened and where it is documented. Default ``""``.

    Raises
    ------
    CatalogError
        If a value is malformed or unknown (exchange, time zone, timing), or the
        exchange is neither given nor known from the ticker's suffix.

    Examples
    --------
    >>> Event("1810.HK", "2021-05-11", timing="during").exchange
    'XHKG'
    """

    ticker: str
    date: dt.date
    _: KW_ONLY
    id: str = ""
    case: str = ""
    exchange: str = ""
    market: str = ""
    type: str = "other"
    time: dt.time | None = None
    timing: str = ""
    timezone: str = ""
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        try:
            values = _checked_fields(self.__dict__)
        except _Invalid as exc:
            raise CatalogError(f"event for {_show(self.ticker)}: {exc}") from None
        self.__dict__.update(values)  # frozen: the normalised values go in directly

    @property
    def key(self) -> str:
        """Unique key of the event row: ``id`` and ``ticker``."""
        return f"{self.id}/{self.ticker}"

    @property
    def announced(self) -> str:
        """Human-readable announcement moment, e.g. ``2021-05-11 during (America/New_York)``."""
        return f"{self.date.isoformat()} {_moment_label(self.time, self.timing, self.timezone)}"


_FIELDS = tuple(Event.__dataclass_fields__)


def _new_event(values: dict) -> Event:
    """An Event from values checked already: no per-object checks."""
    event = object.__new__(Event)
    event.__dict__.update(values)
    return event


class _Invalid(Exception):
    """A value is malformed; callers add where it was (event, file line, row)."""


def _checked_fields(fields: Mapping) -> dict:
    """The fields of one event, checked, normalised and with their defaults."""
    ticker = _text_value(fields["ticker"], "ticker")
    if not ticker:
        raise _Invalid("empty 'ticker'")
    date = _date_value(fields["date"])
    if date is None:
        raise _Invalid("empty 'date'")
    time = _time_value(fields["time"])
    exchange = _text_value(fields["exchange"], "exchange") or _suffix_exchange(ticker)
    if not exchange:
        raise _Invalid(_no_exchange(ticker, "exchange="))
    exchange_zone = _exchange_zone(exchange)  # checks the exchange, whatever the zone
    zone = _text_value(fields["timezone"], "timezone")
    texts = {k: _text_value(fields[k], k) for k in ("case", "market", "description", "source")}
    for name in FORMULA_COLUMNS:
        _check_formula(_text_value(fields[name], name), name)
    return {
        **texts,
        "ticker": ticker,
        "date": date,
        "time": time,
        "timing": _timing_value(_text_value(fields["timing"], "timing"), time),
        "exchange": exchange,
        "timezone": _checked_zone(zone) if zone else exchange_zone,
        "id": _text_value(fields["id"], "id") or f"{ticker}@{date.isoformat()}",
        "type": _text_value(fields["type"], "type") or "other",
    }


def _text_value(value: object, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Invalid(f"{name} must be text, not {_show(value)}")
    return value.strip()


def formula_message(value: str, name: str) -> str:
    """Why a value that a spreadsheet would take for a formula is refused."""
    return (f"{name} {_show(value)} starts with {value[:1]!r}, which a spreadsheet would run "
            "as a formula when it opens the results; remove that character")


def _check_formula(value: str, name: str) -> None:
    if value.startswith(FORMULA_START):
        raise _Invalid(formula_message(value, name))


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8}")  # ASCII digits only


def _date_value(value: object) -> dt.date | None:
    """A date from a date, ``YYYY-MM-DD`` / ``YYYYMMDD`` text or number, or midnight
    datetime; None when missing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if type(value) is dt.date:
        return value
    if isinstance(value, dt.datetime | np.datetime64):
        try:
            return _midnight(pd.Timestamp(value))
        except (ValueError, OverflowError, NotImplementedError):  # beyond datetime.date
            raise _Invalid(f"date {_show(value)} is out of range; expected YYYY-MM-DD") from None
    text = value
    if isinstance(value, float) and value.is_integer():
        text = int(value)  # YYYYMMDD numbers in a column that also holds blanks
    if isinstance(text, int | np.integer) and not isinstance(text, bool | np.bool_):
        text = str(text)
    try:
        if not isinstance(text, str) or not _ISO_DATE.fullmatch(text := text.strip()):
            raise ValueError(value)
        return dt.date.fromisoformat(text) if "-" in text else _yyyymmdd(int(text))
    except ValueError:
        raise _Invalid(f"malformed date {_show(value)}; expected YYYY-MM-DD") from None


def _yyyymmdd(number: int) -> dt.date:
    return dt.date(number // 10_000, number // 100 % 100, number % 100)


def _midnight(stamp: pd.Timestamp) -> dt.date | None:
    if stamp is pd.NaT:
        return None
    if stamp.tz is not None:
        raise _Invalid(
            f"date {stamp} carries a time zone; give the local date and timezone= "
            f"(e.g. timezone='{stamp.tz}')"
        )
    if stamp != stamp.normalize():
        raise _Invalid(
            f"date {stamp} has a time of day; give the date alone and the time "
            f"({stamp:%H:%M}) as time= or in a time column"
        )
    return stamp.date()


_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")


def _time_value(value: object) -> dt.time | None:
    """A clock time from a ``datetime.time`` or ``HH:MM`` text; None when missing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise _Invalid(f"time {value} carries a time zone; give the local time and timezone=")
        return value
    match = _CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    try:
        if match is None:
            raise ValueError(value)
        return dt.time(*(int(part or 0) for part in match.groups()))
    except ValueError:
        raise _Invalid(f"malformed time {_show(value)}; expected HH:MM") from None


def _timing_value(timing: str, time: dt.time | None) -> str:
    lowered = timing.lower()
    if time is not None:
        if lowered in ("", "exact"):
            return "exact"
        raise _Invalid(f"give either a time ({time:%H:%M}) or a timing ({timing}), not both")
    if lowered == "":
        return "unknown"
    if lowered in TIMINGS:
        return lowered
    if lowered == "exact":
        raise _Invalid("timing 'exact' needs a time; give the time (HH:MM) or another timing")
    raise _Invalid(f"unknown timing {_show(timing)}; expected a time or one of {TIMINGS}")


def _suffix_exchange(ticker: str) -> str:
    """The exchange a ticker's Yahoo suffix names ("" when none does)."""
    head, dot, suffix = ticker.rpartition(".")
    return SUFFIX_EXCHANGES.get(f".{suffix.upper()}", "") if dot and head else ""


def _no_exchange(ticker: str, option: str) -> str:
    return (
        f"no exchange given and the suffix of {_show(ticker)} names none; give {option} "
        "(an exchange_calendars code such as XNYS, XNAS or XHKG) or an exchange column "
        "(known suffixes: eventstudy.events.SUFFIX_EXCHANGES)"
    )


# Calendar codes: letters, digits, '_' and '/' ("24/7"); nothing that walks a path.
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_/]{0,31}")


@cache
def _exchange_zone(code: str) -> str:
    """The time zone of an exchange calendar, read from its stored session table."""
    from ..calendar.sessions import exchange_sessions  # imports exchange_calendars only to build

    unknown = (
        f"unknown exchange {_show(code)}; use an exchange_calendars code such as "
        "XHKG, XNYS or XNAS"
    )
    if not _CODE.fullmatch(code) or ".." in code:
        raise _Invalid(unknown)
    try:
        return exchange_sessions(code).tz
    except CalendarError as exc:  # unknown, or known but not buildable (said as such)
        raise _Invalid(unknown if "unknown exchange" in str(exc) else str(exc)) from None


@cache
def _checked_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _Invalid(
            f"unknown time zone {_show(name)}; use an IANA name such as America/New_York"
        ) from None
    return name


def _show(value: object, limit: int = 60) -> str:
    """repr of a value for an error message: one line, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def announced_labels(events: Sequence[Event]) -> list[str]:
    """``Event.announced`` of many events, with the dates formatted in one pass."""
    days = iso_days(day_numbers(events))
    return [
        day + " " + _moment_label(e.time, e.timing, e.timezone)
        for day, e in zip(days, events, strict=True)
    ]


@cache
def _moment_label(time: dt.time | None, timing: str, timezone: str) -> str:
    when = time.strftime("%H:%M") if time else timing
    return f"{when} ({timezone})"


# ---------------------------------------------------------------------------------
# Events in any form


def as_events(
    events: Event | Iterable[Event] | pd.DataFrame | str | os.PathLike,
    *,
    exchange: str | None = None,
    market: str | None = None,
) -> tuple[Event, ...]:
    """Events from ``Event`` objects, a DataFrame or a catalog file.

    Parameters
    ----------
    events : Event, iterable of Event, DataFrame, str or Path
        ``Event`` objects; a DataFrame with catalog columns; or the path of a CSV
        or parquet file with catalog columns (:data:`CATALOG_COLUMNS`; only
        ``ticker`` and ``date`` are required, names match case-insensitively,
        other columns are ignored, empty cells take the defaults of
        :class:`Event`). A date cell is a date, ``YYYY-MM-DD`` text, an 8-digit
        number ``YYYYMMDD`` or a datetime at midnight; a CSV file is UTF-8 (a
        byte-order mark is accepted).
    exchange : str, optional
        Exchange calendar code of the rows whose exchange is empty or missing:
        a row's own exchange wins, then ``exchange``, then the ticker's suffix.
        Event objects carry their exchange already.
    market : str, optional
        Market index of the events that name none (rows and Event objects).

    Returns
    -------
    tuple of Event

    Raises
    ------
    CatalogError
        For a file that cannot be read, a missing required column, or the first
        bad row: it names the file and line (CSV, counting the header as line 1),
        the file and row (parquet) or the DataFrame row (counted from 0, as in
        ``DataFrame.iloc``), the column and the value. Also when an (id, ticker)
        pair appears twice.
    SpecificationError
        If ``events`` is none of the forms above, or empty, or ``exchange`` is not
        a known calendar.

    Examples
    --------
    >>> frame = pd.DataFrame({"ticker": ["1810.HK"], "date": ["2021-05-11"]})
    >>> as_events(frame, market="^HSI")[0].id
    '1810.HK@2021-05-11'
    """
    return _as_events(events, _option(exchange, "exchange"), _option(market, "market"), None)


def _as_events(events, exchange: str, market: str, known: frozenset[str] | None):
    if isinstance(events, Event):
        events = (events,)
    if isinstance(events, pd.DataFrame | str | os.PathLike):
        from .catalog import file_events, frame_events  # tables only when given one

        if isinstance(events, pd.DataFrame):
            return frame_events(events, exchange, market, known)
        return file_events(_existing_file(events), exchange, market, known)
    if isinstance(events, bytes | Mapping) or not isinstance(events, Iterable):
        raise SpecificationError(
            f"events must be Event objects, a DataFrame or the path of a CSV or parquet "
            f"catalog, not {type(events).__name__}{_frame_hint(events)}"
        )
    return _from_objects(list(events), market)


def _option(value: object, name: str) -> str:
    """An ``exchange=`` or ``market=`` argument, checked ("" when not given)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if not isinstance(value, str):
        raise SpecificationError(f"{name} must be a string, not {_show(value)}")
    value = value.strip()
    if name == "market" and value.startswith(FORMULA_START):
        raise SpecificationError(f"market={formula_message(value, 'market')}")
    if name == "exchange":
        try:
            _exchange_zone(value)
        except _Invalid as exc:
            raise SpecificationError(f"exchange={_show(value)}: {exc}") from None
    return value


def _frame_hint(events: object) -> str:
    return "; for columns in a mapping, pass pd.DataFrame(mapping)" if isinstance(
        events, Mapping
    ) else ""


def _from_objects(events: list, market: str) -> tuple[Event, ...]:
    if not events:
        raise SpecificationError(
            "no events given; pass Event objects, a DataFrame or a catalog file"
        )
    for i, event in enumerate(events):
        if not isinstance(event, Event):
            hint = (
                "; for a catalog file pass its path alone, not in a list"
                if isinstance(event, str | os.PathLike) else ""
            )
            raise SpecificationError(
                f"events[{i}] is {_show(event)}, not an Event; events must be Event "
                f"objects, a DataFrame or the path of a CSV or parquet catalog{hint}"
            )
    if market:  # a checked event with a market added needs no new checks
        with collection_paused():
            events = [e if e.market else _new_event({**e.__dict__, "market": market})
                      for e in events]
    ids = np.array([e.id for e in events], dtype=object)
    tickers = np.array([e.ticker for e in events], dtype=object)
    _check_unique(ids, tickers, lambda i: f"events[{i}]")
    return tuple(events)


def _existing_file(events: str | os.PathLike) -> Path:
    path = Path(events)
    try:
        found = path.is_file()
    except (OSError, ValueError):
        found = False  # a name too long for the file system, or with a NUL byte
    if found:
        return path
    shown = str(events) if str(events).isprintable() else repr(str(events))
    shown = shown if len(shown) <= 200 else shown[:197] + "..."
    what = ("is a folder" if _is_dir(path) else "not a regular file" if _exists(path)
            else "no such file")
    hint = ""
    from .bundled import bundled_cases  # (the bundled cases are built from events)

    if isinstance(events, str) and events in set(bundled_cases().index):
        hint = f"; for the bundled case use bundled_events({events!r})"
    raise CatalogError(
        f"{shown}: cannot read the event catalog: {what}; events must be Event objects, "
        f"a DataFrame or the path of a CSV or parquet catalog{hint}"
    )


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _check_unique(ids: np.ndarray, tickers: np.ndarray, at) -> None:
    """Refuse an (id, ticker) pair that appears twice, naming both rows."""
    id_codes, distinct = pd.factorize(ids)
    if len(distinct) == len(ids):
        return  # every id differs: the usual case, and a quick one
    ticker_codes, _ = pd.factorize(tickers)
    pairs = id_codes.astype(np.int64) * (int(ticker_codes.max()) + 1) + ticker_codes
    repeated = pd.Index(pairs).duplicated()
    if repeated.any():
        i = int(np.argmax(repeated))
        first = int(np.argmax(pairs == pairs[i]))
        raise CatalogError(
            f"{at(i)}: event {_show(ids[i])} appears twice for {tickers[i]} (first at "
            f"{at(first)}); give each announcement of a security its own id"
        )


# ---------------------------------------------------------------------------------
# Catalog files and the bundled cases


def read_catalog(
    path: str | Path,
    known_tickers: Iterable[str] | None = None,
    *,
    exchange: str | None = None,
    market: str | None = None,
) -> tuple[Event, ...]:
    """Read and validate one catalog file (CSV or parquet).

    Parameters
    ----------
    path : str or Path
        The file; see :func:`as_events` for its columns.
    known_tickers : iterable of str, optional
        When given, every ``ticker`` and ``market`` the file names must be among them.
    exchange, market : str, optional
        As in :func:`as_events`.

    Raises
    ------
    CatalogError
        Naming the file, the line and the problem, for the first bad row.
    """
    if not isinstance(path, str | os.PathLike):
        raise SpecificationError(f"read_catalog needs a file path, not {type(path).__name__}")
    known = None if known_tickers is None else frozenset(known_tickers)
    return _as_events(path, _option(exchange, "exchange"), _option(market, "market"), known)


def events_frame(events: Iterable[Event]) -> pd.DataFrame:
    """The events as a DataFrame, one row each, in catalog column order."""
    rows = [asdict(e) for e in events]
    return pd.DataFrame(rows, columns=list(CATALOG_COLUMNS))
