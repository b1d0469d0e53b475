"""Price tables in their common shapes, laid out as one long table of raw rows.

Four shapes of DataFrame are recognised, in this order:

yfinance
    Columns are a two-level ``MultiIndex`` of (field, ticker) or (ticker, field), as
    ``yfinance.download`` returns them (``group_by="column"`` or ``"ticker"``) and as a
    multi-row-header CSV written by its ``to_csv()`` reads back. Fields are
    ``Open, High, Low, Close, Adj Close, Volume`` (``Dividends``, ``Stock Splits`` and
    ``Capital Gains`` are ignored).
long
    A ``ticker`` (or ``symbol``) column, a ``date`` column or index and price columns:
    one row per ticker and date.
single
    Price columns (``open, high, low, close, adj_close, volume``) of one security and no
    ticker column: the ticker comes from the caller (a mapping key or a file name).
wide
    A ``date`` column or index and one column per ticker holding its closing price,
    used as both close and adjusted close; such series have no intraday range.

A mapping ``{ticker: table or Series}`` holds one security per entry (a Series is its
closing prices). In the yfinance and wide shapes, a ticker's rows without any value
are dropped: they are the padding that aligning several securities on one date index
creates (their exchanges trade on different days), not records. Every other row is
kept, unchecked: :mod:`eventstudy.sources.validate` checks them all at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import PriceDataError
from .readers import shown
from .table import INTRADAY_FIELDS, PRICE_FIELDS

# Fields yfinance may add next to the prices; they carry no price and are ignored.
YFINANCE_EXTRAS = ("dividends", "stock_splits", "capital_gains", "repaired?")
COLUMN_ALIASES = {"adjclose": "adj_close", "adjusted_close": "adj_close"}
TICKER_COLUMNS = ("ticker", "symbol")
NO_INTRADAY = (
    "no_intraday",
    "closing prices only (no open, high, low or volume): returns are close to close; "
    "peak and trough moves are not available",
)


def column_name(label: object) -> str:
    """Canonical form of a column label: ``"Adj Close"`` -> ``"adj_close"``."""
    name = str(label).strip().lower().replace(" ", "_")
    return COLUMN_ALIASES.get(name, name)


@dataclass
class RawTable:
    """Rows of one or many securities in long form, before any check.

    Attributes
    ----------
    ticker : array-like
        Each row's security label (not yet normalised).
    date : array-like
        Each row's date as given, or int64 nanoseconds when ``parsed``.
    fields : dict of str to array-like
        :data:`~eventstudy.sources.table.PRICE_FIELDS` (or ``ret`` ...), as given.
    source_row : ndarray of int, optional
        Row of the original table each row comes from (when the shape was reshaped).
    first_line : int, optional
        File line of the original table's first row; rows are counted from 1 otherwise.
    line_of : callable, optional
        ``line_of(row)``: the file line of an original row, where rows and lines do not
        simply follow each other (a file with blank lines).
    parsed : bool
        Whether ``date`` holds parsed int64 nanoseconds.
    notes : dict of str to list of (kind, detail)
        Notes on single tickers (e.g. a mapping entry of closes only).
    notes_all : list of (kind, detail)
        Notes on every ticker of the table.
    """

    ticker: object
    date: object
    fields: dict[str, object]
    source_row: np.ndarray | None = None
    first_line: int | None = None
    parsed: bool = False
    notes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    notes_all: list[tuple[str, str]] = field(default_factory=list)
    line_of: Callable[[int], int] | None = None
    single: bool = False  # one security, named by the caller

    def __len__(self) -> int:
        return len(self.date)

    def line(self, i: int) -> int | None:
        """The file line of row ``i`` (None for rows of a DataFrame)."""
        if self.first_line is None:
            return None
        row = int(i if self.source_row is None else self.source_row[i])
        return self.line_of(row) if self.line_of is not None else self.first_line + row

    def place(self, i: int) -> str:
        """Where row ``i`` is: ``"line 7"`` of a file or ``"row 6"`` of a table."""
        line = self.line(i)
        if line is not None:
            return f"line {line}"
        return f"row {int(i if self.source_row is None else self.source_row[i]) + 1}"


def raw_table(
    table: pd.DataFrame, ticker: str | None = None, first_line: int | None = None
) -> RawTable:
    """The rows of a price table of any recognised shape (see the module docstring).

    Parameters
    ----------
    table : DataFrame
    ticker : str, optional
        The security of a single-security table (a mapping key or file name).
    first_line : int, optional
        File line of the table's first row, for messages.

    Raises
    ------
    PriceDataError
        If the table has no rows, no dates or no recognisable columns; the message
        lists the columns found.
    """
    prefix = f"{ticker}: " if ticker else ""
    if table is None or table.shape[0] == 0:
        raise PriceDataError(f"{prefix}the price table is empty")
    if isinstance(table.columns, pd.MultiIndex):
        return _from_yfinance(table, first_line)
    names = [column_name(c) for c in table.columns]
    if set(names) & set(TICKER_COLUMNS):
        return _from_long(table, names, first_line)
    if set(names) & set(PRICE_FIELDS):
        if not ticker:
            raise PriceDataError(
                f"the table holds one security's prices (columns {list(table.columns)}) but "
                "names no ticker: pass it as {ticker: frame} or name the file after the ticker"
            )
        return _from_single(table, names, ticker, first_line)
    return _from_wide(table, first_line)


def raw_mapping(frames: Mapping[str, pd.DataFrame | pd.Series]) -> RawTable:
    """The rows of a mapping ``{ticker: table}``; each table holds its key's prices only."""
    parts = []
    for key, table in frames.items():
        name = str(key)
        if isinstance(table, pd.Series):  # a series of closing prices
            table = table.rename("close").to_frame()
        if not isinstance(table, pd.DataFrame):
            raise PriceDataError(
                f"{name}: prices of {name!r} must be a DataFrame or Series, "
                f"not {type(table).__name__}"
            )
        part = raw_table(table, ticker=name)
        found = part.ticker[:1] if part.single else pd.unique(
            np.asarray(part.ticker, dtype=object))
        if [str(t).strip() for t in found] != [name]:
            raise PriceDataError(
                f"{name}: the table given for {name!r} holds prices of "
                f"{sorted(str(t) for t in found)}"
            )
        parts.append(part)
    return concat_raw(parts)


def concat_raw(parts: list[RawTable]) -> RawTable:
    """Several raw tables one after the other (row numbers restart in each)."""
    if len(parts) == 1:
        return parts[0]
    notes: dict[str, list[tuple[str, str]]] = {}
    for part in parts:
        labels = pd.unique(np.asarray(part.ticker, dtype=object)) if part.notes_all else ()
        for label in labels:
            notes.setdefault(str(label), []).extend(part.notes_all)
        for label, items in part.notes.items():
            notes.setdefault(label, []).extend(items)
    names = list(dict.fromkeys(n for p in parts for n in p.fields))
    lengths = [len(p) for p in parts]
    return RawTable(
        ticker=np.concatenate([np.asarray(p.ticker, dtype=object) for p in parts]),
        date=np.concatenate([_dates_ns(p) for p in parts]),
        fields={n: np.concatenate([_field(p, n) for p in parts]) for n in names},
        source_row=np.concatenate([np.arange(n) for n in lengths]),
        parsed=True,
        notes=notes,
    )


def _dates_ns(part: RawTable) -> np.ndarray:
    """A part's dates as int64 ns, parsed with its own ticker in the messages."""
    if part.parsed:
        return np.asarray(part.date, dtype=np.int64)
    from .dates import parse_dates  # dates builds on nothing here; kept local for clarity

    ticker = str(np.asarray(part.ticker, dtype=object)[0])
    days, zones = parse_dates(part.date, lambda i: f"{ticker}: {part.place(i)}", ticker)
    if zones:
        part.notes.setdefault(ticker, []).append(tz_note(zones))
    return days


def tz_note(zones: str) -> tuple[str, str]:
    """The note recorded when aware timestamps at local midnight were taken as dates."""
    return (
        "tz_aware_dates",
        f"the dates carried the time zone {zones} at local midnight; those local calendar "
        "dates were used",
    )


def _field(part: RawTable, name: str) -> np.ndarray:
    values = part.fields.get(name)
    if values is None:
        return np.full(len(part), np.nan)
    if isinstance(values, np.ndarray) and values.dtype == np.float64:
        return values
    return np.asarray(values, dtype=object) if _is_text(values) else _floats(values)


def _is_text(values) -> bool:
    dtype = getattr(values, "dtype", np.dtype(object))
    return not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))


def _floats(values) -> np.ndarray:
    if isinstance(values, pd.Series | pd.Index):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(values, dtype=np.float64)


def _check_unique_names(names: list[str], labels: list) -> None:
    seen: dict[str, object] = {}
    for name, label in zip(names, labels, strict=True):
        if name in seen:
            raise PriceDataError(
                f"columns {seen[name]!r} and {label!r} both give {name!r}; keep one of them"
            )
        seen[name] = label


def _date_column(table: pd.DataFrame, names: list[str], single: str | None):
    """The dates (a column or the index) and the remaining columns by canonical name.

    ``single`` is the ticker of a one-security table, whose index may hold its dates
    under any name; other shapes need a ``date`` column, a DatetimeIndex or an index
    named ``date``.
    """
    columns = {n: column for n, (_, column) in zip(names, table.items(), strict=True)
               if n != "date"}
    if "date" in names:
        return table.iloc[:, names.index("date")], columns
    return _index_dates(table, single), columns


def _index_dates(table: pd.DataFrame, single: str | None):
    """The index of a table without a date column, if it can hold dates (see above)."""
    index = table.index
    if isinstance(index, pd.DatetimeIndex) or column_name(index.name) == "date" or (
        single and not pd.api.types.is_numeric_dtype(index.dtype)
        and not pd.api.types.is_bool_dtype(index.dtype)
    ):
        return index
    if single:
        raise PriceDataError(
            f"{single}: no dates (the index holds {index.dtype} values); give a 'date' column "
            "or a date index"
        )
    raise PriceDataError(f"no 'date' column or date index; found columns {list(table.columns)}")


def _price_fields(columns: dict, ticker: str, notes: list) -> dict:
    """The price fields of one table: adj_close defaults to close; closes alone allowed."""
    fields = {n: v for n, v in columns.items() if n in PRICE_FIELDS}
    found = list(columns)
    if "adj_close" not in fields and "close" in fields:
        fields["adj_close"] = fields["close"]
        found.append("adj_close")
    if "close" in fields and not any(f in fields for f in INTRADAY_FIELDS):
        notes.append(NO_INTRADAY)
        return fields
    missing = [f for f in PRICE_FIELDS if f not in fields]
    if missing:
        prefix = f"{ticker}: " if ticker else ""
        raise PriceDataError(f"{prefix}missing price columns {missing}; found {found}")
    return fields


def _from_single(table, names, ticker, first_line) -> RawTable:
    _check_unique_names(names, list(table.columns))
    if "date" not in names:  # dates in the index: all columns at once when all are numbers
        try:
            block = table.to_numpy(dtype=np.float64)
        except (ValueError, TypeError):
            block = None
        if block is not None:
            columns = {n: block[:, j] for j, n in enumerate(names)}
            return _single(table, _index_dates(table, ticker), columns, ticker, first_line)
    dates, columns = _date_column(table, names, ticker)
    return _single(table, dates, columns, ticker, first_line)


def _single(table, dates, columns, ticker, first_line) -> RawTable:
    notes: list[tuple[str, str]] = []
    fields = _price_fields(columns, ticker, notes)
    labels = np.empty(len(table), dtype=object)
    labels[:] = ticker
    return RawTable(labels, dates, fields, first_line=first_line, notes_all=notes, single=True)


def _from_long(table, names, first_line) -> RawTable:
    _check_unique_names(names, list(table.columns))
    key = next(n for n in TICKER_COLUMNS if n in names)
    dates, columns = _date_column(table, names, None)
    tickers = columns.pop(key)
    for other in TICKER_COLUMNS:
        columns.pop(other, None)
    notes: list[tuple[str, str]] = []
    fields = _price_fields(columns, "", notes)
    return RawTable(tickers, dates, fields, first_line=first_line, notes_all=notes)


def _from_wide(table, first_line) -> RawTable:
    names = [column_name(c) if column_name(c) == "date" else str(c).strip()
             for c in table.columns]
    _check_unique_names(names, list(table.columns))
    dates, columns = _date_column(table, names, None)
    if not columns:
        raise PriceDataError(f"no price columns; found {list(table.columns)}")
    values = np.column_stack([_field(RawTable(None, dates, {"v": v}), "v")
                              for v in columns.values()])
    keep = ~pd.isna(values)  # padding of exchanges with other holidays
    rows, cols = np.nonzero(keep.T)  # security by security
    labels = np.asarray(list(columns), dtype=object)[rows]
    closes = values.T[rows, cols]
    return RawTable(labels, np.asarray(dates)[cols], {"close": closes, "adj_close": closes},
                    source_row=cols, first_line=first_line, notes_all=[NO_INTRADAY])


def _field_level(columns: pd.MultiIndex) -> int | None:
    known = set(PRICE_FIELDS) | set(YFINANCE_EXTRAS)
    for level in (0, 1):
        values = {column_name(v) for v in columns.get_level_values(level)}
        if values <= known and values & set(PRICE_FIELDS):
            return level
    return None


def _from_yfinance(table: pd.DataFrame, first_line) -> RawTable:
    if table.columns.nlevels != 2:
        raise PriceDataError(
            f"columns have {table.columns.nlevels} levels; expected two (field, ticker)"
        )
    level = _field_level(table.columns)
    if level is None:
        shown = [tuple(map(str, c)) for c in table.columns[:8]]
        raise PriceDataError(
            "two-level columns but neither level holds price fields (Open, High, Low, "
            f"Close, Adj Close, Volume); found {shown}"
        )
    fields_of = [column_name(v) for v in table.columns.get_level_values(level)]
    tickers_of = [str(v).strip() for v in table.columns.get_level_values(1 - level)]
    tickers = list(dict.fromkeys(tickers_of))
    fields = [f for f in PRICE_FIELDS if f in fields_of]
    where = {(f, t): j for j, (f, t) in enumerate(zip(fields_of, tickers_of, strict=True))}
    blocks = {}
    for name in fields:  # (dates, tickers) per field, NaN where a ticker lacks it
        block = np.full((len(table), len(tickers)), np.nan)
        for k, ticker in enumerate(tickers):
            if (name, ticker) in where:
                block[:, k] = _floats_or_nan(table.iloc[:, where[name, ticker]])
        blocks[name] = block
    dates, _ = _date_column(table, ["-"] * table.shape[1], None)
    any_value = np.zeros((len(table), len(tickers)), dtype=bool)
    for block in blocks.values():
        any_value |= ~np.isnan(block)
    if not any_value.any():
        raise PriceDataError("the price table has no values")
    rows, cols = np.nonzero(any_value.T)  # security by security
    columns = {name: blocks[name].T[rows, cols] for name in fields}
    notes: list[tuple[str, str]] = []
    fields_found = _price_fields(columns, "", notes)
    return RawTable(np.asarray(tickers, dtype=object)[rows], np.asarray(dates)[cols],
                    fields_found, source_row=cols, first_line=first_line, notes_all=notes)


def _floats_or_nan(column: pd.Series) -> np.ndarray:
    """yfinance columns are numeric; anything else is read as numbers or refused."""
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna().to_numpy() & column.notna().to_numpy()
    if bad.any():
        raise PriceDataError(
            f"{column.name}: {shown(column.iloc[int(np.argmax(bad))])} in row "
            f"{int(np.argmax(bad)) + 1} is not a number"
        )
    return values.to_numpy(dtype=np.float64, na_value=np.nan)
