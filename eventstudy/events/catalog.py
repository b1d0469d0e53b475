"""Event tables: catalog files (CSV, parquet) and DataFrames made into events.

A table is checked one column at a time: each distinct value of a column (an
exchange, a time zone, a date string) is checked once, dates are parsed together,
and the events are then made without the per-object checks of :class:`Event`,
which is what lets 100,000 rows convert in a fraction of a second. A problem is
reported for the first row that has one, naming the file and line (or the
DataFrame row), the column, the value and the ticker.

Files are read defensively: bytes that are not UTF-8, binary data, an empty file,
a header without rows, cells over 131,072 characters, rows longer than the header
and parquet files that are not parquet or are damaged each raise one
:class:`~eventstudy.errors.CatalogError` that names the file.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..calendar.days import EPOCH_ORDINAL
from ..collector import collection_paused
from ..errors import CatalogError
from ..sources.readers import check_header, damaged_text
from .event import (
    _FIELDS,
    CATALOG_COLUMNS,
    FORMULA_COLUMNS,
    FORMULA_START,
    REQUIRED,
    Event,
    _check_unique,
    _checked_zone,
    _date_value,
    _exchange_zone,
    _Invalid,
    _no_exchange,
    _show,
    _suffix_exchange,
    _time_value,
    _timing_value,
    formula_message,
)

# Python's csv module refuses longer fields; a longer catalog cell means broken quoting.
MAX_CELL = 131_072
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")


def _read_table(path: Path) -> tuple[pd.DataFrame, _Rows]:
    """The table in a CSV or parquet file, and how to name its rows."""
    if path.suffix.lower() in PARQUET_SUFFIXES or _starts_like_parquet(path):
        return _read_parquet(path), _FileRows(path, "row", 0)
    text = _read_text(path)
    try:
        # index_col=False: rows longer than the header are refused, never shifted
        # under an index made of their first cells (pandas' ParserWarning, as an error).
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                                index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, pd.errors.ParserWarning,
            ValueError) as exc:
        raise CatalogError(
            f"{path}: not a readable CSV event catalog ({_one_line(exc)}); check its quoting "
            "and that no line has more fields than the header"
        ) from exc
    if len(frame.columns) != len(set(frame.columns)) or any(
            str(c).rsplit(".", 1)[-1].isdigit() for c in frame.columns):
        _check_header(text, path)  # pandas renamed a repeated label 'x' to 'x.1'
    rows = _CsvRows(path, text, len(frame))
    if len(text) > MAX_CELL:
        _check_cell_sizes(frame, rows)
    return frame, rows


def _check_header(text: str, path: Path) -> None:
    """A header naming a column twice: pandas would keep the first and rename the other."""
    head = pd.read_csv(io.StringIO(text), header=None, nrows=1, dtype=str,
                       keep_default_na=False)
    check_header(head.iloc[0].tolist() if len(head) else [], path, CatalogError)


def _starts_like_parquet(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(4) == b"PAR1"
    except OSError:
        return False  # reported by the CSV reader


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except ImportError as exc:
        raise CatalogError(
            f"{path}: reading parquet files needs pyarrow: pip install 'policy-eventstudy[parquet]'"
        ) from exc
    # pyarrow's errors derive from these (ArrowInvalid is a ValueError, ArrowIOError an
    # OSError, ArrowTypeError a TypeError, ArrowNotImplementedError a NotImplementedError);
    # KeyError: pyarrow rebuilding the frame from damaged pandas metadata.
    except (OSError, ValueError, TypeError, NotImplementedError, KeyError) as exc:
        raise CatalogError(
            f"{path}: not a readable parquet event catalog ({_one_line(exc)})"
        ) from exc
    damaged = damaged_text(frame)
    if damaged is not None:
        raise CatalogError(f"{path}: column {_show(damaged)} holds text that is not UTF-8; the "
                           "file is damaged")
    return frame


def _read_text(path: Path) -> str:
    """The file as text: UTF-8, with or without a byte-order mark."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the event catalog ({exc.strerror})") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CatalogError(
            f"{path}: line {line} is not UTF-8 text (byte 0x{data[exc.start]:02x}); save the "
            "catalog as UTF-8 (in Excel: CSV UTF-8)"
        ) from None
    if not text.strip():
        raise CatalogError(f"{path}: the event catalog is empty; it needs a header line "
                           "with at least the columns ticker and date, then one row per event")
    if "\x00" in text:
        raise CatalogError(f"{path}: holds binary data (NUL bytes), not a CSV event catalog")
    return text


def _check_cell_sizes(frame: pd.DataFrame, rows: _Rows) -> None:
    for column in frame.columns:
        lengths = frame[column].str.len().to_numpy()
        if len(lengths) and lengths.max() > MAX_CELL:
            i = int(np.argmax(lengths > MAX_CELL))
            raise CatalogError(
                f"{rows.at(i)}: a cell of {lengths[i]:,} characters, more than a catalog "
                f"cell may hold ({MAX_CELL:,}); check the file's quoting (column {_show(column)})"
            )


def _one_line(exc: BaseException, limit: int = 200) -> str:
    """A reader's error message on one line (the command line prints one line)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Rows:
    """Names the rows of a table in error messages."""

    source = "the events DataFrame"

    def at(self, i: int) -> str:
        raise NotImplementedError


class _FrameRows(_Rows):
    def __init__(self, index: pd.Index) -> None:
        self.index = index

    def at(self, i: int) -> str:
        label = self.index[i]
        same = isinstance(label, int | np.integer) and label == i
        return f"DataFrame row {i}" + ("" if same else f" (index {_show(label)})")


class _FileRows(_Rows):
    def __init__(self, path: Path, word: str, first: int) -> None:
        self.source, self.name, self.word, self.first = str(path), path.name, word, first

    def at(self, i: int) -> str:
        return f"{self.name} {self.word} {i + self.first}"


class _CsvRows(_FileRows):
    """CSV lines: the header is line 1, and cells may hold line breaks."""

    def __init__(self, path: Path, text: str, n: int) -> None:
        super().__init__(path, "line", 2)
        self.text, self.n = text, n

    def at(self, i: int) -> str:
        lines = _record_lines(self.text)
        line = lines[i] if len(lines) == self.n else i + self.first
        return f"{self.name} line {line}"


def _record_lines(text: str) -> list[int]:
    """Line on which each data row of a CSV text starts (1 = the header line).

    As pandas reads it: blank lines between rows are skipped, and a quoted cell
    may span lines (an odd number of quotes leaves a cell open).
    """
    starts, quoted = [], False
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), 1):
        if not quoted:
            if not line.strip():
                continue
            starts.append(number)
        if line.count('"') % 2:
            quoted = not quoted
    return starts[1:]


_TEXT_COLUMNS = ("id", "case", "ticker", "exchange", "market", "type", "timing", "timezone",
                 "description", "source")


def frame_events(
    frame: pd.DataFrame, exchange: str, market: str, known: frozenset[str] | None
) -> tuple[Event, ...]:
    """Events of a DataFrame's rows (see :func:`eventstudy.events.as_events`)."""
    return _from_frame(frame, _FrameRows(frame.index), exchange, market, known)


def file_events(
    path: Path, exchange: str, market: str, known: frozenset[str] | None
) -> tuple[Event, ...]:
    """Events of a CSV or parquet catalog file's rows."""
    frame, rows = _read_table(path)
    return _from_frame(frame, rows, exchange, market, known)


def _from_frame(
    frame: pd.DataFrame, rows: _Rows, exchange: str, market: str, known: frozenset[str] | None
) -> tuple[Event, ...]:
    """Events from a table: each column checked once, over its distinct values."""
    names = _catalog_columns(frame, rows)
    if frame.empty:
        raise CatalogError(f"{rows.source}: the event catalog has no rows")
    n = len(frame)
    problems = _Problems(rows)
    text = {
        c: _text_column(frame[names[c]], c, problems) if c in names else _blank(n)
        for c in _TEXT_COLUMNS
    }
    tickers = text["ticker"]
    problems.tickers = tickers
    problems.flag(tickers == "", "ticker", lambda i: "empty 'ticker'")
    for column in FORMULA_COLUMNS:
        values = text[column]
        problems.flag(_formulas(values), column,
                      lambda i, v=values, c=column: formula_message(v[i], c))
    if known is not None:
        _check_known(text, known, problems)
    if market:
        text["market"][text["market"] == ""] = market
    codes, zones = _exchanges(text["exchange"], tickers, exchange, problems)
    days = _dates(frame[names["date"]], problems)
    _check_calendar_range(days, codes, zones, problems)
    times = _times(frame[names["time"]], problems) if "time" in names else _nones(n)
    values = {
        **text,
        "exchange": codes,
        "timezone": _time_zones(text["timezone"], zones, problems),
        "timing": _timings(text["timing"], times, problems),
        "time": times,
        "type": np.where(text["type"] == "", "other", text["type"]).astype(object),
    }
    problems.raise_first()
    values["date"] = _date_objects(days)
    values["id"] = _ids(text["id"], tickers, days)
    _check_unique(values["id"], tickers, rows.at)
    return _built(values)


def _catalog_columns(frame: pd.DataFrame, rows: _Rows) -> dict[str, object]:
    """Catalog column name -> the frame's own label (case and spaces ignored)."""
    names: dict[str, object] = {}
    for label in frame.columns:
        name = str(label).strip().lstrip("\ufeff").strip().lower()
        if name in CATALOG_COLUMNS:
            if name in names:
                raise CatalogError(
                    f"{rows.source}: columns {_show(names[name])} and {_show(label)} both "
                    f"name {name!r}; keep one"
                )
            names[name] = label
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        found = ", ".join(_show(c, 40) for c in list(frame.columns)[:20])
        raise CatalogError(
            f"{rows.source}: missing columns {missing}; a catalog needs at least ticker and "
            f"date (found: {found or 'no columns'})"
        )
    return names


class _Problems:
    """The first bad row of a table over all column checks (ties: the first check)."""

    def __init__(self, rows: _Rows) -> None:
        self.rows = rows
        self.first: tuple[int, str, str] | None = None
        self.tickers: np.ndarray | None = None

    def flag(self, bad: np.ndarray, column: str, message) -> None:
        """Record the first row of ``bad`` (a boolean array), described by ``message(row)``."""
        if bad.any():
            i = int(np.argmax(bad))
            if self.first is None or i < self.first[0]:
                self.first = (i, column, message(i))

    def raise_first(self) -> None:
        if self.first is None:
            return
        i, column, message = self.first
        ticker = "" if self.tickers is None or not self.tickers[i] else self.tickers[i]
        about = f"column {column!r}" + (f", ticker {_show(ticker)}" if ticker else "")
        raise CatalogError(f"{self.rows.at(i)}: {message} ({about})")


def _formulas(values: np.ndarray) -> np.ndarray:
    """Cells a spreadsheet would run as formulas (see ``FORMULA_START``)."""
    first = pd.Series(values, dtype=object).str[:1]
    return first.isin(list(FORMULA_START)).to_numpy(dtype=bool)


def _blank(n: int) -> np.ndarray:
    return np.full(n, "", dtype=object)


def _nones(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def _factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, list]:
    """Codes (-1 for missing) and distinct values of a column."""
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, arrays): wrapped, then refused as values
        cells = np.asarray(values, dtype=object)
        wrapped = [v if _hashable(v) else _Unhashable(v) for v in cells]
        codes, uniques = pd.factorize(np.array(wrapped, dtype=object), use_na_sentinel=True)
    return codes, uniques.tolist()


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class _Unhashable:
    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        return repr(self.value)


def _per_value(values: pd.Series, parse, column: str, problems: _Problems, missing):
    """``parse`` applied once per distinct value of a column; rows of values it refuses
    are flagged with its message. Returns an object array, ``missing`` for empty cells."""
    codes, uniques = _factorize(values)
    parsed, messages = [], []
    for value in uniques:
        try:
            parsed.append(parse(value))
            messages.append(None)
        except _Invalid as exc:
            parsed.append(missing)
            messages.append(str(exc))
    refused = np.array([m is not None for m in messages] + [False])
    problems.flag(refused[codes], column, lambda i: messages[codes[i]])
    out = np.empty(len(parsed) + 1, dtype=object)
    out[:] = [*parsed, missing]
    return out[codes]


def _text_column(values: pd.Series, column: str, problems: _Problems) -> np.ndarray:
    """Stripped text of a column ("" for empty cells); other values are flagged."""
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind == "empty":
        return _blank(len(values))
    if kind != "string":
        return _per_value(values, lambda v: _text_cell(v, column), column, problems, "")
    if isinstance(values.dtype, pd.StringDtype):
        return values.str.strip().to_numpy(dtype=object, na_value="")
    cells = [c.strip() if isinstance(c, str) else "" for c in values.to_numpy(dtype=object)]
    return np.array(cells, dtype=object)


def _text_cell(value: object, column: str) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        return str(value)  # numeric codes, e.g. a ticker column read as integers
    raise _Invalid(f"{_show(value)} is not text")


def _check_known(text: dict[str, np.ndarray], known: frozenset[str], problems: _Problems):
    listed = ", ".join(sorted(known))
    for column in ("ticker", "market"):
        values = text[column]
        unknown = (values != "") & ~pd.Index(values).isin(list(known))
        problems.flag(
            unknown, column,
            lambda i, v=values, c=column: f"unknown {c} {v[i]!r}; no prices for it "
            f"(known: {listed})",
        )


def _exchanges(
    given: np.ndarray, tickers: np.ndarray, default: str, problems: _Problems
) -> tuple[np.ndarray, np.ndarray]:
    """Exchange of each row (own, else ``default``, else the ticker's suffix), and
    its time zone; each distinct code checked once."""
    codes = given.copy()
    empty = codes == ""
    if default:
        codes[empty] = default
    elif empty.any():
        ticker_codes, distinct = pd.factorize(tickers[empty])
        by_suffix = np.array([_suffix_exchange(t) for t in distinct] + [""], dtype=object)
        codes[empty] = by_suffix[ticker_codes]
        problems.flag(
            (codes == "") & (tickers != ""), "exchange",
            lambda i: _no_exchange(tickers[i], "exchange="),
        )
    zones = _per_value(np.where(codes == "", None, codes), _exchange_zone, "exchange",
                       problems, "")
    return codes, zones


def _time_zones(given: np.ndarray, exchange_zones: np.ndarray, problems: _Problems):
    checked = _per_value(np.where(given == "", None, given), _checked_zone, "timezone",
                         problems, "")
    return np.where(given == "", exchange_zones, checked).astype(object)


def _dates(values: pd.Series, problems: _Problems) -> np.ndarray:
    """Day numbers (since 1970-01-01) of a date column; bad and empty cells flagged."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        problems.flag(np.ones(len(values), bool), "date", lambda i: (
            f"dates carry a time zone ({values.dtype.tz}); give local dates and a "
            "timezone column"))
        return np.zeros(len(values), np.int64)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return _datetime_dates(values.to_numpy(), problems)
    if pd.api.types.is_integer_dtype(values.dtype):
        return _integer_dates(values, problems)
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        return _text_dates(values, problems)
    days = _per_value(values, _day_number, "date", problems, None)
    missing = pd.isna(days)
    problems.flag(missing, "date", lambda i: "empty 'date'")
    return np.where(missing, 0, days).astype(np.int64)


def _check_calendar_range(days: np.ndarray, codes: np.ndarray, zones: np.ndarray,
                          problems: _Problems) -> None:
    """Flag dates outside their exchange's calendar (day numbers: no overflow)."""
    from ..calendar.align import calendar_days  # (builds or reads the exchange's sessions)

    known = zones != ""  # exchanges that were checked already
    for code in dict.fromkeys(codes[known].tolist()):
        lo, hi = calendar_days(code)
        rows = known & (codes == code)
        problems.flag(rows & ((days < lo) | (days > hi)), "date", lambda i, c=code, a=lo, b=hi: (
            f"date {_iso(days[i])} is outside the {c} calendar ({_iso(a)} to {_iso(b)}); "
            "check the year"))


def _iso(day: int) -> str:
    return dt.date.fromordinal(int(day) + EPOCH_ORDINAL).isoformat()


def _day_number(value: object) -> int | None:
    date = _date_value(value)
    return None if date is None else date.toordinal() - EPOCH_ORDINAL


def _datetime_dates(stamps: np.ndarray, problems: _Problems) -> np.ndarray:
    """Day numbers of a datetime64 column, whose values must be midnights."""
    days = stamps.astype("datetime64[D]")
    number = days.astype(np.int64)
    missing = np.isnat(stamps)
    problems.flag(missing, "date", lambda i: "empty 'date'")
    problems.flag(~missing & (stamps != days), "date", lambda i: (
        f"date {stamps[i]} has a time of day; give the date alone and the time in a time "
        "column"))
    problems.flag(~missing & ((number < _FIRST_DAY) | (number > _LAST_DAY)), "date",
                  lambda i: f"date {stamps[i]} is out of range; expected YYYY-MM-DD")
    return number


_FIRST_DAY = dt.date.min.toordinal() - EPOCH_ORDINAL
_LAST_DAY = dt.date.max.toordinal() - EPOCH_ORDINAL


def _integer_dates(values: pd.Series, problems: _Problems) -> np.ndarray:
    """Day numbers of 8-digit YYYYMMDD integers, all at once."""
    missing = values.isna().to_numpy()
    number = values.fillna(0).to_numpy(np.int64)
    days, ok = _yyyymmdd_days(number)
    problems.flag(missing, "date", lambda i: "empty 'date'")
    problems.flag(~ok & ~missing, "date",
                  lambda i: f"malformed date {number[i]}; expected YYYYMMDD or YYYY-MM-DD")
    return days


def _text_dates(values: pd.Series, problems: _Problems) -> np.ndarray:
    """Day numbers of ``YYYY-MM-DD`` or ``YYYYMMDD`` text: the distinct values parsed
    together, with vectorised string methods."""
    codes, uniques = _factorize(values)
    text = pd.Series(uniques, dtype="string").str.strip()
    shaped = text.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8}").to_numpy(bool)
    digits = text.where(shaped, "0").str.replace("-", "", regex=False)
    days, ok = _yyyymmdd_days(digits.astype("int64").to_numpy())
    blank = np.append((text == "").to_numpy(bool), True)[codes]  # code -1: no value
    good = np.append(shaped & ok, False)[codes]
    problems.flag(blank, "date", lambda i: "empty 'date'")
    problems.flag(~blank & ~good, "date",
                  lambda i: f"malformed date {_show(uniques[codes[i]])}; expected YYYY-MM-DD")
    return np.append(days, 0)[codes]


def _yyyymmdd_days(number: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Day numbers of YYYYMMDD integers, and which of them are real dates."""
    year, rest = np.divmod(number, 10_000)
    month, day = np.divmod(rest, 100)
    ok = (number >= 10_101) & (number <= 99_991_231) & (month >= 1) & (month <= 12)  # years 1+
    first = ((np.where(ok, year, 1970) - 1970) * 12 + np.where(ok, month, 1) - 1).astype(
        "datetime64[M]"
    )
    start = first.astype("datetime64[D]").astype(np.int64)
    length = (first + 1).astype("datetime64[D]").astype(np.int64) - start
    ok &= (day >= 1) & (day <= length)
    return np.where(ok, start + day - 1, 0), ok


def _times(values: pd.Series, problems: _Problems) -> np.ndarray:
    return _per_value(values, _time_value, "time", problems, None)


def _timings(given: np.ndarray, times: np.ndarray, problems: _Problems) -> np.ndarray:
    """Timing of each row: "exact" with a time, else its own (checked once per distinct
    value) or "unknown"."""
    timed = pd.notna(times)
    untimed = np.where(timed, None, given)
    out = _per_value(untimed, lambda t: _timing_value(t, None), "timing", problems, "exact")
    lowered = pd.Series(given, dtype=object).str.lower()
    problems.flag(timed & ~lowered.isin(["", "exact"]).to_numpy(), "timing", lambda i: (
        f"give either a time ({times[i]:%H:%M}) or a timing ({given[i]}), not both"))
    return out


def _date_objects(days: np.ndarray) -> np.ndarray:
    """``datetime.date`` of each day number, each distinct day made once."""
    unique, inverse = np.unique(days, return_inverse=True)
    dates = np.empty(len(unique), dtype=object)
    dates[:] = [dt.date.fromordinal(int(d) + EPOCH_ORDINAL) for d in unique]
    return dates[inverse.ravel()]


def _ids(given: np.ndarray, tickers: np.ndarray, days: np.ndarray) -> np.ndarray:
    """``id`` of each row: its own, else ``ticker@YYYY-MM-DD``."""
    ids = given.copy()
    blank = ids == ""
    if blank.any():
        codes, distinct = pd.factorize(days[blank])
        iso = [dt.date.fromordinal(int(d) + EPOCH_ORDINAL).isoformat() for d in distinct]
        ids[blank] = [f"{t}@{iso[k]}" for t, k in zip(tickers[blank].tolist(), codes.tolist(),
                                                      strict=True)]
    return ids


def _built(values: dict[str, np.ndarray]) -> tuple[Event, ...]:
    """Events from checked columns, filled in column by column (the quickest way)."""
    with collection_paused():
        events = [object.__new__(Event) for _ in range(len(values["ticker"]))]
        entries = [event.__dict__ for event in events]
        for name in _FIELDS:
            for entry, value in zip(entries, values[name].tolist(), strict=True):
                entry[name] = value
    return tuple(events)
