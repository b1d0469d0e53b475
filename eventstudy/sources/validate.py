"""One validation of daily prices for every security at once.

:func:`validate` takes the raw rows of any number of securities (a
:class:`~eventstudy.sources.shapes.RawTable`) and returns the
:class:`~eventstudy.sources.table.PriceTable` the study reads. Every check is a numpy
pass over all rows; Python loops only over the few rows that fail or need a note.

Refused with a :class:`~eventstudy.errors.PriceDataError` naming the ticker, the date
and, for files, the line: rows without a ticker or date, unparseable dates (see
:mod:`eventstudy.sources.dates`), dates out of order within a security, a date
repeated with different values, non-numeric cells, closes or adjusted closes that
are missing, zero, negative or infinite, open/high/low that are not positive and
finite, negative or infinite volumes, and rows whose high is below the open or close,
whose low is above them, or whose high is below the low. Differences under
:data:`OHLC_RTOL` (relative) count as rounding. Also refused as implausible: prices
outside :data:`PRICE_RANGE` (1e-6 to 1e12), volumes above :data:`MAX_VOLUME` (1e15),
rows dated after today, and a close or adjusted close that sits :data:`SPIKE_REFUSE`
(10) times or more above or below both neighbouring rows (a one-day spike).

Handled, and recorded as notes (which a study copies into its diagnostics):

* ``duplicate_rows``: a date repeated with identical values is kept once;
* ``tz_aware_dates``: timestamps at midnight of their own time zone are taken as those
  local dates;
* ``no_intraday``: a table with closes only (no open, high, low and volume) serves
  close-to-close returns; peak and trough moves are then unavailable;
* ``split_like_jump``: a session whose open and close are both more than
  :data:`SPLIT_FACTOR` times, or less than 1/:data:`SPLIT_FACTOR` of, the previous close
  while ``adj_close / close`` is unchanged: an unadjusted split or reverse split looks
  like this. The row is kept and flagged.
* ``price_spike``: a close or adjusted close from :data:`SPIKE_NOTE` (3) to
  :data:`SPIKE_REFUSE` (10) times above or below both neighbouring rows. The row is
  kept; the returns into and out of that day are large.

Incomplete rows are the vendor's placeholders for sessions whose intraday record is
missing: volume 0 with open = high = low = close. Their close is kept (it serves
close-to-close returns); their open, high, low and volume become NaN so that no
intraday or volume figure is computed from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..blocks import for_each_block, ordered_map, row_blocks
from ..errors import PriceDataError
from .dates import parse_dates
from .readers import shown
from .shapes import RawTable, raw_table, tz_note
from .table import INTRADAY_FIELDS, NOTES, PRICE_FIELDS, PriceTable, frozen

SPLIT_FACTOR = 1.5
# Prices (open, high, low, close, adjusted close) outside this range are refused: below,
# a sub-penny quote is 1e-4 and an adjusted close decades back about 1e-3; above,
# Berkshire Hathaway's A share is 7e5 and hyperinflation indices reach 1e10. 1e300 or
# 1e-300 is a unit error or a corrupted cell, and it turns returns into 1e298.
PRICE_RANGE = (1e-6, 1e12)
MAX_VOLUME = 1e15  # shares a day; the most traded sub-penny stocks reach about 1e11
# A close or adjusted close that sits this many times above (or below) both of its
# neighbouring rows is a one-day spike: at SPIKE_REFUSE (x10) it is refused as a data
# error (a misplaced decimal point, an index level x1000), from SPIKE_NOTE (x3) it is
# kept and reported (price_spike). Real moves that revert the next day stay far below:
# the largest in the bundled snapshot is x1.36 (LKCO, 2021-02-16), whose +89% day did
# not revert; a -25% crash and its rebound is x1.3.
SPIKE_NOTE = 3.0
SPIKE_REFUSE = 10.0
# Rows dated after today (UTC) by more than this many days cannot be records of trading
# (a day's slack: Asia's sessions start before UTC's day does).
FUTURE_SLACK_DAYS = 1
SCAN_ROWS = 1 << 18  # rows per block of the value checks
# Relative tolerance of the open/high/low/close ordering: vendors' adjusted prices
# carry rounding of about one part in 10^7.
OHLC_RTOL = 1e-6


@dataclass
class Rows:
    """The rows of a raw table grouped by security and ordered, before value checks.

    Attributes
    ----------
    names : ndarray of str (object)
        The securities.
    offsets : ndarray of int64
        Rows ``offsets[k]:offsets[k + 1]`` are security ``k``'s.
    days : ndarray of int64
        Date of each row (nanoseconds).
    order : ndarray of int, optional
        Row of the raw table each row comes from (None: the same row).
    raw : RawTable
    zones : str
        The time zone(s) the dates carried ('' when naive).
    """

    names: np.ndarray
    offsets: np.ndarray
    days: np.ndarray
    order: np.ndarray | None
    raw: RawTable
    zones: str

    def __len__(self) -> int:
        return len(self.days)

    def take(self, values):
        """A raw per-row column in this order (a Series keeps its dtype)."""
        if self.order is None:
            return values
        if isinstance(values, pd.Series | pd.Index):
            return pd.Series(values, copy=False).iloc[self.order].reset_index(drop=True)
        return np.asarray(values)[self.order]

    def security(self, i: int) -> int:
        """The security of row ``i``."""
        return int(np.searchsorted(self.offsets, i, side="right")) - 1

    def ticker(self, i: int) -> str:
        return str(self.names[self.security(i)])

    def day(self, i: int) -> str:
        return str(np.datetime64(int(self.days[i]), "ns").astype("datetime64[D]"))

    def error(self, i: int, message: str) -> PriceDataError:
        """An error about row ``i``; it carries the row's file line when there is one."""
        return PriceDataError(message, self.raw.line(i if self.order is None else self.order[i]))

    @property
    def same(self) -> np.ndarray:
        """For each row but the first: whether it belongs to the previous row's security."""
        same = np.ones(max(len(self) - 1, 0), dtype=bool)
        same[self.offsets[1:-1] - 1] = False
        return same

    def keep(self, keep: np.ndarray) -> Rows:
        """These rows without those where ``keep`` is False."""
        kept_before = np.concatenate([[0], np.cumsum(keep)])
        order = np.flatnonzero(keep) if self.order is None else self.order[keep]
        offsets = kept_before[self.offsets].astype(np.int64)
        return Rows(self.names, offsets, self.days[keep], order, self.raw, self.zones)


def validate(raw: RawTable, checks: bool = True) -> PriceTable:
    """Check the raw rows of many securities and return them as a price table.

    Parameters
    ----------
    raw : RawTable
        Rows of any recognised shape (see :mod:`eventstudy.sources.shapes`).
    checks : bool
        Check the values and mask incomplete rows (True), or only bring the rows into
        order with numeric values (the form the Yahoo cache stores).

    Raises
    ------
    PriceDataError
        For every refused case listed in the module docstring.
    """
    rows = arrange(raw)
    values = {name: numeric(rows, rows.take(_field(raw, name)), name) for name in PRICE_FIELDS}
    rows, values, dropped = collapse_duplicates(rows, values)
    notes = base_notes(rows, dropped)
    if checks:
        check_future(rows)
        _check_values(rows, values)
        values = _mask_incomplete(values)
        _note_split_like_jumps(rows, values, notes)
        same = rows.same
        noted = check_spikes(rows, values["adj_close"], "adj_close", notes, same=same)
        check_spikes(rows, values["close"], "close", notes, same=same, noted=noted)
    else:
        values["incomplete"] = np.zeros(len(rows), dtype=bool)
    return to_table(rows, values, notes, "prices")


def arrange(raw: RawTable) -> Rows:
    """Group the rows by security (keeping their order within each) and parse the dates.

    Raises
    ------
    PriceDataError
        For an empty table, a row without a ticker or date, unparseable dates, or
        dates out of order within a security.
    """
    if len(raw) == 0:
        raise PriceDataError("the price table is empty")
    offsets, order, names = _group(raw)
    if raw.parsed:
        days, zones = np.asarray(raw.date, dtype=np.int64), ""
    else:
        def name(i: int) -> str:
            return f"{_label(raw.ticker, i)}: {raw.place(i)}"

        days, zones = parse_dates(raw.date, name, _table_name(names))
    rows = Rows(names, offsets, days if order is None else days[order], order, raw, zones)
    _check_order(rows)
    return rows


def _group(raw: RawTable) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Offsets of each security's rows, the order that groups them (None: they are), names."""
    labels = raw.ticker
    n = len(raw)
    contiguous = _contiguous_blocks(labels)
    if contiguous is not None:
        starts = contiguous
        names = _normalise_names(labels, starts, raw)
        if len(set(names.tolist())) == len(names):
            return np.append(starts, n).astype(np.int64), None, names
    codes, uniques = pd.factorize(pd.Series(labels, copy=False), use_na_sentinel=False)
    first = np.unique(codes, return_index=True)[1]
    names = _normalise_names(np.asarray(uniques, dtype=object), None, raw, rows=first)
    merged, names = pd.factorize(names)  # labels equal once normalised (" AB", "AB")
    codes = merged[codes]
    order = np.argsort(codes, kind="stable")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=len(names)))])
    return offsets.astype(np.int64), order, np.asarray(names, dtype=object)


def _contiguous_blocks(labels) -> np.ndarray | None:
    """First row of each run of equal labels (None for labels of other kinds).

    Integers and Python strings are compared in numpy, Arrow strings (pandas' ``str``
    columns) in Arrow: converting them to Python objects would cost more than the rest
    of the validation.
    """
    array = labels.array if isinstance(labels, pd.Series | pd.Index) else labels
    if len(array) < 2:
        return np.zeros(len(array), dtype=np.int64)
    if isinstance(array, pd.arrays.ArrowStringArray | pd.arrays.ArrowExtensionArray):
        import pyarrow as pa
        import pyarrow.compute as pc

        values = pa.array(array)
        if values.null_count:
            return None
        change = pc.not_equal(values[1:], values[:-1]).to_numpy(zero_copy_only=False)
    else:
        values = np.asarray(array)
        if values.dtype.kind not in "iuO":
            return None
        change = values[1:] != values[:-1]
    return np.concatenate([[0], np.flatnonzero(change) + 1]).astype(np.int64)


def _normalise_names(labels, starts, raw: RawTable, rows=None) -> np.ndarray:
    """Ticker names as stripped strings; integers (permno) without a decimal part.

    A name holding a line break is refused: in a file, it is a quote left open that
    swallowed the lines after it (and it would break a one-line error message).
    """
    rows = starts if rows is None else rows
    names = _stripped_names(labels, starts, raw, rows)
    text = "".join(names.tolist())
    if "\n" in text or "\r" in text:
        j = next(j for j, name in enumerate(names.tolist()) if "\n" in name or "\r" in name)
        raise PriceDataError(
            f"{raw.place(int(rows[j]))}: the ticker {shown(names[j])} holds a line break; "
            "check the file's quotes (one left open takes in the lines after it)"
        )
    return names


def _stripped_names(labels, starts, raw: RawTable, rows) -> np.ndarray:
    array = labels.array if isinstance(labels, pd.Series | pd.Index) else labels
    if starts is not None and isinstance(array, pd.arrays.ArrowStringArray):
        import pyarrow as pa
        import pyarrow.compute as pc

        taken = pa.array(array).take(pa.array(starts))
        if not taken.null_count:  # (a missing ticker is named by the loop below)
            names = np.array(pc.utf8_trim_whitespace(taken).to_pylist(), dtype=object)
            if (names != "").all():
                return names
    picked = labels if starts is None else _at(labels, starts)
    if np.asarray(picked).dtype.kind in "iu":  # identifiers such as permno: no blanks
        return np.asarray(pd.Index(np.asarray(picked)).astype(str), dtype=object)
    picked = np.asarray(picked, dtype=object)
    out = np.empty(len(picked), dtype=object)
    for j, label in enumerate(picked.tolist()):
        name = _name(label)
        if not name:
            raise PriceDataError(f"{raw.place(int(rows[j]))} has no ticker")
        out[j] = name
    return out


def _at(labels, where: np.ndarray):
    return labels.iloc[where] if isinstance(labels, pd.Series) else np.asarray(labels)[where]


def _name(label) -> str:
    if label is None or (isinstance(label, float) and np.isnan(label)) or label is pd.NA:
        return ""
    if isinstance(label, float | np.floating) and float(label).is_integer():
        return str(int(label))
    return str(label).strip()


def _label(labels, i: int) -> str:
    value = labels.iloc[i] if isinstance(labels, pd.Series) else np.asarray(labels)[i]
    return _name(value) or f"row {i + 1}"


def _table_name(names: np.ndarray) -> str:
    return str(names[0]) if len(names) == 1 else f"the table of {len(names)} securities"


def _check_order(rows: Rows) -> None:
    back = rows.same & (rows.days[1:] < rows.days[:-1])
    if back.any():
        i = int(np.argmax(back)) + 1
        raise rows.error(
            i, f"{rows.ticker(i)}: dates are not in ascending order (at {rows.day(i)}); sort "
            "them first"
        )


def _field(raw: RawTable, name: str):
    values = raw.fields.get(name)
    return np.full(len(raw), np.nan) if values is None else values


def numeric(rows: Rows, values, column: str) -> np.ndarray:
    """A column as float64 (NaN where empty); a cell that is not a number is an error."""
    series = pd.Series(values, copy=False) if not isinstance(values, pd.Series) else values
    if series.dtype.kind in "fiub" or pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    parsed = pd.to_numeric(series, errors="coerce")
    bad = (parsed.isna() & series.notna()).to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise rows.error(
            i, f"{rows.ticker(i)}: {column} on {rows.day(i)} is {shown(series.iloc[i])}, not a "
            "number"
        )
    return parsed.to_numpy(dtype=np.float64, na_value=np.nan)


def collapse_duplicates(rows: Rows, values: dict[str, np.ndarray]):
    """Identical rows of one date are kept once; differing ones are an error.

    Returns the rows and values without the repeats, and the dates dropped per security.
    """
    repeat = rows.same & (rows.days[1:] == rows.days[:-1])
    if not repeat.any():
        return rows, values, {}
    pairs = np.flatnonzero(repeat)
    equal = np.ones(len(pairs), dtype=bool)
    for column in values.values():
        a, b = column[pairs], column[pairs + 1]
        equal &= (a == b) | (np.isnan(a) & np.isnan(b))
    if not equal.all():
        _conflict(rows, values, int(pairs[np.argmax(~equal)]))
    keep = np.ones(len(rows), dtype=bool)
    keep[pairs + 1] = False
    dropped: dict[int, list[str]] = {}
    for i in (pairs + 1).tolist():
        dropped.setdefault(rows.security(i), []).append(rows.day(i))
    return rows.keep(keep), {n: v[keep] for n, v in values.items()}, dropped


def _conflict(rows: Rows, values: dict[str, np.ndarray], i: int) -> None:
    k = rows.security(i)
    first, stop = int(rows.offsets[k]), int(rows.offsets[k + 1])
    same_day = first + np.flatnonzero(rows.days[first:stop] == rows.days[i])
    for column, data in values.items():
        group = data[same_day]
        if not ((group == group[0]) | (np.isnan(group) & np.isnan(group[0]))).all():
            shown = ", ".join(map(str, group.tolist()))
            raise rows.error(
                i, f"{rows.ticker(i)}: date {rows.day(i)} appears {len(same_day)} times with "
                f"different values ({column}: {shown}); keep one row per session (intraday "
                "bars must be turned into daily ones first)"
            )


def base_notes(rows: Rows, dropped: dict[int, list[str]]) -> dict[str, list[tuple[str, str]]]:
    """Notes of the rows' shape and dates: no_intraday, tz_aware_dates, duplicate_rows."""
    raw = rows.raw
    notes: dict[str, list[tuple[str, str]]] = {}
    names = rows.names.tolist()
    shared = list(raw.notes_all) + ([tz_note(rows.zones)] if rows.zones else [])
    if shared:
        notes = {name: list(shared) for name in names}
    for name, items in raw.notes.items():
        notes.setdefault(name, []).extend(items)
    for k, days in dropped.items():
        shown = ", ".join(days[:5]) + (" ..." if len(days) > 5 else "")
        notes.setdefault(names[k], []).append((
            "duplicate_rows",
            f"1 repeated row with identical values was kept once ({shown})" if len(days) == 1
            else f"{len(days)} repeated rows with identical values were kept once ({shown})",
        ))
    return notes


class _Block:
    """The price columns on one block of rows (attributes ``open`` ... ``volume``)."""

    def __init__(self, values: dict[str, np.ndarray], rows: slice) -> None:
        for name in PRICE_FIELDS:
            setattr(self, name, values[name][rows])


def _outside(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Missing, infinite, or outside ``[lo, hi]`` (one pass for all of them)."""
    return ~((x >= lo) & (x <= hi))


def _known_outside(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Known (not NaN) but infinite or outside ``[lo, hi]``."""
    return ~np.isnan(x) & _outside(x, lo, hi)


def _below(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a < b * (1 - OHLC_RTOL)


def _above(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a > b * (1 + OHLC_RTOL)


# Each rule: (column shown, what it is compared with, the rows it refuses). In this
# order the first refused row of the first broken rule is reported.
VALUE_RULES = (
    ("close", "", lambda x: _outside(x.close, *PRICE_RANGE)),
    ("adj_close", "", lambda x: _outside(x.adj_close, *PRICE_RANGE)),
    ("open", "", lambda x: _known_outside(x.open, *PRICE_RANGE)),
    ("high", "", lambda x: _known_outside(x.high, *PRICE_RANGE)),
    ("low", "", lambda x: _known_outside(x.low, *PRICE_RANGE)),
    ("volume", "", lambda x: _known_outside(x.volume, 0.0, MAX_VOLUME)),
    ("high", "close", lambda x: _below(x.high, x.close)),
    ("high", "open", lambda x: _below(x.high, x.open)),
    ("low", "close", lambda x: _above(x.low, x.close)),
    ("low", "open", lambda x: _above(x.low, x.open)),
    ("high", "low", lambda x: _below(x.high, x.low)),
)


def _check_values(rows: Rows, values: dict[str, np.ndarray]) -> None:
    """Apply :data:`VALUE_RULES`; raise for the first refused row of the first broken rule."""
    first = _scan(values, len(rows), _first_refused)
    broken = [j for j, at in enumerate(first) if at >= 0]
    if not broken:
        return
    column, other, _ = VALUE_RULES[broken[0]]
    i = int(first[broken[0]])
    value = float(values[column][i])
    head = f"{rows.ticker(i)}: {column} on {rows.day(i)} is {value}"
    lo, hi = (0.0, MAX_VOLUME) if column == "volume" else PRICE_RANGE
    if not other and np.isfinite(value) and value >= 0 and (value > 0 or column == "volume"):
        head = f"{rows.ticker(i)}: {column} on {rows.day(i)} is {value:g}"
        message = (f"outside the plausible range {lo:g} to {hi:g}: a unit or decimal-point "
                   "error? Fix or remove the row")
    elif column in ("close", "adj_close") and not other:
        message = "closes must be finite and positive (remove the row or fix the value)"
    elif not other:
        rule = "finite and not negative" if column == "volume" else "finite and positive"
        message = f"it must be {rule}, or empty when unknown"
    else:
        side = "above" if column == "low" and other != "low" else "below"
        head += f", {side} the {other} {float(values[other][i])}"
        message = ("the high must be at least the open, close and low, and the low at most the "
                   "open and close (check the columns' order)")
    raise rows.error(i, f"{head}; {message}")


def _first_refused(x: _Block, rows: slice) -> np.ndarray:
    """First refused row of each rule in a block (-1: none)."""
    out = np.full(len(VALUE_RULES), -1, dtype=np.int64)
    for j, (_, _, refused) in enumerate(VALUE_RULES):
        bad = refused(x)
        if bad.any():
            out[j] = rows.start + int(np.argmax(bad))
    return out


def _scan(values, n_rows: int, func) -> np.ndarray:
    """``func(block, rows)`` over blocks of rows on worker threads; the first hit per rule.

    Blocks of a few hundred thousand rows keep the temporaries of each rule in cache,
    and numpy releases the GIL, so the blocks run in parallel (see
    :mod:`eventstudy.blocks`).
    """
    blocks = row_blocks(n_rows, 1, SCAN_ROWS)

    def run(rows: slice) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return func(_Block(values, rows), rows)

    first = np.full(len(VALUE_RULES), -1, dtype=np.int64)
    for found in ordered_map(run, blocks, len(blocks)):
        first = np.where(first >= 0, first, found)
    return first


def _mask_incomplete(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Vendor placeholders (volume 0, open = high = low = close) lose their intraday values."""
    flat = np.empty(len(values["close"]), dtype=bool)

    def mark(rows: slice) -> None:
        x = _Block(values, rows)
        flat[rows] = (x.volume == 0) & (x.open == x.close) & (x.high == x.close) & (
            x.low == x.close)

    for_each_block(mark, len(flat), 1, SCAN_ROWS)
    out = dict(values)
    if flat.any():  # new arrays: the values may be views of the caller's data
        for column in INTRADAY_FIELDS:
            out[column] = np.where(flat, np.nan, values[column])
    out["incomplete"] = flat
    return out


def _note_split_like_jumps(rows: Rows, values, notes: dict) -> None:
    close, open_, adj = values["close"], values["open"], values["adj_close"]
    if len(close) < 2:
        return
    same = rows.same
    jump = np.zeros(len(close) - 1, dtype=bool)

    def beyond(ratio: np.ndarray) -> np.ndarray:
        return (ratio > SPLIT_FACTOR) | (ratio < 1 / SPLIT_FACTOR)

    def mark(pairs: slice) -> None:  # rows pairs.start+1 .. pairs.stop against the one before
        now, before = slice(pairs.start + 1, pairs.stop + 1), pairs
        with np.errstate(invalid="ignore", divide="ignore"):
            move = close[now] / close[before]
            gap = open_[now] / close[before]  # NaN when the open is unknown
            candidate = same[pairs] & beyond(move) & (beyond(gap) | np.isnan(gap))
            if candidate.any():  # unadjusted: adj_close / close unchanged
                factor_now, factor_before = adj[now] / close[now], adj[before] / close[before]
                candidate &= np.isclose(factor_now, factor_before, rtol=1e-6, atol=0)
        jump[pairs] = candidate

    for_each_block(mark, len(jump), 1, SCAN_ROWS)
    for i in (np.flatnonzero(jump) + 1).tolist():
        notes.setdefault(rows.ticker(i), []).append((
            "split_like_jump",
            f"{rows.day(i)}: close {close[i]:g} after {close[i - 1]:g} "
            f"(x{close[i] / close[i - 1]:.3f}) and the adjusted close moved alike: if this is a "
            "split or reverse split, the prices are not adjusted for it and that day's return "
            "is wrong",
        ))


def check_future(rows: Rows) -> None:
    """Refuse rows dated after today (UTC) by more than :data:`FUTURE_SLACK_DAYS`."""
    if not len(rows):
        return
    today = np.datetime64(dt.datetime.now(dt.UTC).date(), "D")
    latest = (today + FUTURE_SLACK_DAYS).astype("datetime64[ns]").astype(np.int64)
    late = rows.days > latest
    if late.any():
        i = int(np.argmax(late))
        raise rows.error(
            i, f"{rows.ticker(i)}: a row dated {rows.day(i)}, after today ({today}): no "
            "session has traded then; check the dates (a year typed wrong?)"
        )


def spikes(level: np.ndarray, same: np.ndarray, least: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows standing ``least`` times or more above or below both neighbouring rows.

    ``level`` holds positive values (NaN where unknown); ``same[k]`` says rows k and
    k + 1 belong to one security, so a security's first and last rows are never spikes.
    Returns the rows and their factors (how many times away from the nearer neighbour).
    A cheap screen (products and comparisons in blocks on threads) finds the few
    candidates; only they are divided.
    """
    hit = np.zeros(len(level), dtype=bool)
    if len(level) < 3:
        return np.zeros(0, dtype=np.int64), np.zeros(0)

    def mark(rows: slice) -> None:  # middle rows rows.start+1 .. rows.stop
        mid, before = level[rows.start + 1 : rows.stop + 1], level[rows.start : rows.stop]
        after = level[rows.start + 2 : rows.stop + 2]
        with np.errstate(invalid="ignore"):
            high = mid > least * np.maximum(before, after)
            low = least * mid < np.minimum(before, after)
        hit[rows.start + 1 : rows.stop + 1] = high | low

    for_each_block(mark, len(level) - 2, 1, SCAN_ROWS)
    at = np.flatnonzero(hit)
    at = at[same[at - 1] & same[at]]
    mid, before, after = level[at], level[at - 1], level[at + 1]
    factor = np.maximum(np.minimum(mid / before, mid / after),
                        np.minimum(before / mid, after / mid))
    return at, factor


def check_spikes(rows: Rows, level: np.ndarray, column: str, notes: dict,
                 shown: Callable[[int], str] | None = None,
                 same: np.ndarray | None = None, noted: np.ndarray | None = None) -> np.ndarray:
    """Refuse one-day spikes of :data:`SPIKE_REFUSE` and note those of :data:`SPIKE_NOTE`.

    ``shown(i)`` describes row ``i``'s values in messages (default: the column's value
    and its neighbours'). Rows in ``noted`` (a spike of another column) get no second
    note. Returns the rows noted.
    """
    at, factor = spikes(level, rows.same if same is None else same, SPIKE_NOTE)
    big = factor >= SPIKE_REFUSE
    if big.any():
        i, k = int(at[np.argmax(big)]), float(factor[np.argmax(big)])
        raise rows.error(
            i, f"{rows.ticker(i)}: {_spike(rows, level, column, i, k, shown)}: a one-day "
            f"spike of {SPIKE_REFUSE:g} times or more is a data error (a misplaced decimal "
            "point, a level in other units); fix or remove the row"
        )
    fresh = ~np.isin(at, noted) if noted is not None else np.ones(len(at), dtype=bool)
    for i, k in zip(at[fresh].tolist(), factor[fresh].tolist(), strict=True):
        notes.setdefault(rows.ticker(i), []).append((
            "price_spike",
            f"{_spike(rows, level, column, i, k, shown)}; the row is kept, "
            "and the returns into and out of that day are large: check it",
        ))
    return at


def _spike(rows: Rows, level: np.ndarray, column: str, i: int, factor: float,
           shown: Callable[[int], str] | None) -> str:
    values = shown(i) if shown is not None else (
        f"{column} on {rows.day(i)} is {level[i]:g}, between {level[i - 1]:g} and "
        f"{level[i + 1]:g} on the rows around it")
    return f"{values} (x{factor:.3g} away from both)"


def to_table(rows: Rows, values: dict[str, np.ndarray], notes: dict, kind: str) -> PriceTable:
    """The checked rows as a read-only :class:`PriceTable`."""
    return PriceTable(
        tickers=rows.names, offsets=rows.offsets, days=frozen(rows.days.view("datetime64[ns]")),
        columns={name: frozen(data) for name, data in values.items()}, kind=kind,
        notes={name: tuple(items) for name, items in notes.items() if items},
    )


def validate_prices(frame: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """Check one security's price table and return it as a price frame.

    Parameters
    ----------
    frame : DataFrame
        Indexed by date or with a ``date`` column, and the columns ``open, high, low,
        close, adj_close, volume`` (``adj_close`` may be absent, in which case it
        equals ``close``; ``open, high, low, volume`` may be absent together, leaving
        closes only).
    ticker : str
        Used in error messages.

    Returns
    -------
    DataFrame
        Indexed by ``date``, with the price columns and ``incomplete``;
        ``frame.attrs`` lists what was handled (see :func:`price_notes`).
    """
    return validate(raw_table(frame, ticker=ticker)).frame(ticker)


def tidy_prices(frame: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """Canonical columns, numeric values and unique ascending dates, values unchecked.

    The form in which price tables are stored in the Yahoo cache, before incomplete
    rows are masked.
    """
    table = validate(raw_table(frame, ticker=ticker), checks=False).frame(ticker)
    table = table.loc[:, list(PRICE_FIELDS)]
    table.attrs.pop(NOTES, None)
    return table
