"""Session dates from a column of any common form, parsed once for all rows.

Accepted: datetime64 values (a time of day is dropped: the date is the session),
time-zone-aware timestamps at local midnight (taken as those local dates, as
``yfinance.Ticker.history`` gives them), date strings pandas can read (ISO
``2021-01-04`` and the like, with or without a UTC offset), ``datetime.date``
objects, and 8-digit integers ``YYYYMMDD`` (CRSP's and Ken French's form). Every
distinct value is parsed once, so a long table repeating a few thousand dates over
millions of rows costs a few thousand parses.

Refused with a :class:`~eventstudy.errors.PriceDataError` that names the row: a
missing date, a value that is not a date, integers that are not ``YYYYMMDD``, a mix
of aware and naive timestamps, and aware timestamps that are not at local midnight
(moments, not session dates).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..blocks import for_each_block
from ..errors import PriceDataError
from .readers import shown

DAY_NS = 86_400 * 10**9
# YYYYMMDD integers from 1800-01-01 to 2199-12-31; others are not taken for dates.
_YMD_RANGE = (18000101, 21991231)


def parse_dates(
    values, name: Callable[[int], str], table: str = "the table"
) -> tuple[np.ndarray, str]:
    """Naive session dates (int64 nanoseconds) of ``values`` and the zone(s) they carried.

    Parameters
    ----------
    values : array-like
        One date per row.
    name : callable
        ``name(i)`` says where row ``i`` is for error messages, e.g. ``"T: row 3"``.
    table : str
        What the values belong to, for errors about all of them (e.g. the ticker).

    Returns
    -------
    days : ndarray of int64
        Nanoseconds since 1970-01-01 at midnight of each row's date.
    zones : str
        The time zone(s) the values carried ('' when naive).
    """
    series = pd.Series(values, copy=False) if not isinstance(values, pd.Series) else values
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return _local_midnights(pd.DatetimeIndex(series), name)
    if dtype.kind == "M":
        return _naive(_in_ns(series, name), name), ""
    if dtype.kind in "iuf" or dtype.kind == "b":
        return _from_integers(series, name, table), ""
    return _from_objects(series, name, table)


def _naive(stamps: np.ndarray, name) -> np.ndarray:
    """Dates of naive datetime64[ns] values: the time of day is dropped."""
    missing = np.isnat(stamps)
    if missing.any():
        raise PriceDataError(f"{name(int(np.argmax(missing)))} has no date")
    ns = stamps.view(np.int64)
    out = np.empty_like(ns)

    def midnight(rows: slice) -> None:  # in blocks on threads: a division per row
        np.subtract(ns[rows], ns[rows] % DAY_NS, out=out[rows])

    for_each_block(midnight, len(ns), 1, 1 << 18)
    return out


def _in_ns(stamps, name) -> np.ndarray:
    """Naive stamps as datetime64[ns], the unit of every date here (1677 to 2262).

    A parquet file may hold dates in milliseconds or microseconds, which reach further:
    converting those silently would wrap around to another date.
    """
    index = pd.DatetimeIndex(stamps)
    if index.unit == "ns":
        return index.to_numpy()  # no copy
    try:
        return index.as_unit("ns").to_numpy()
    except pd.errors.OutOfBoundsDatetime as exc:
        bad = np.asarray((index < pd.Timestamp.min) | (index > pd.Timestamp.max))
        i = int(np.argmax(bad))
        raise PriceDataError(
            f"{name(i)}: the date {index[i]} is out of range (dates run from 1677 to 2262)"
        ) from exc


def _local_midnights(stamps: pd.DatetimeIndex, name) -> tuple[np.ndarray, str]:
    zone = str(stamps.tz)
    wall = _in_ns(stamps.tz_localize(None), name)
    missing = np.isnat(wall)
    if missing.any():
        raise PriceDataError(f"{name(int(np.argmax(missing)))} has no date")
    off = wall.view(np.int64) % DAY_NS != 0
    if off.any():
        raise PriceDataError(
            f"{name(int(np.argmax(off)))}: time-zone-aware timestamps not at midnight of their "
            f"zone (e.g. {pd.Timestamp(wall[np.argmax(off)])} in {zone}) are moments, not session "
            "dates; convert them to the exchange's time zone (tz_convert) or give plain dates"
        )
    return wall.view(np.int64), zone


def _from_integers(series: pd.Series, name, table: str) -> np.ndarray:
    """``YYYYMMDD`` integers (or integral floats) as dates; other numbers are refused."""
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(values)
    if missing.any():
        raise PriceDataError(f"{name(int(np.argmax(missing)))} has no date")
    lo, hi = _YMD_RANGE
    if series.dtype.kind == "b" or not len(values) or not (
        (values == np.floor(values)).all() and values.min() >= lo and values.max() <= hi
    ):
        raise PriceDataError(
            f"{table}: no dates (the dates hold {series.dtype} values); give a "
            "'date' column or a date index, or dates as YYYYMMDD integers"
        )
    unique, inverse = np.unique(values.astype(np.int64), return_inverse=True)
    year, month, day = unique // 10_000, unique // 100 % 100, unique % 100
    months = (year - 1970) * 12 + (month - 1)
    days = months.astype("datetime64[M]").astype("datetime64[D]") + (day - 1)
    back = days.astype("datetime64[M]").astype(np.int64)
    bad = (month < 1) | (month > 12) | (day < 1) | (back != months)
    if bad.any():
        where = int(np.argmax(bad[inverse]))
        raise PriceDataError(f"{name(where)}: {int(values[where])} is not a date (YYYYMMDD)")
    return days.astype("datetime64[ns]").view(np.int64)[inverse.ravel()]


def _from_objects(series: pd.Series, name, table: str) -> tuple[np.ndarray, str]:
    """Strings, date objects or Timestamps: each distinct value parsed once."""
    codes, unique = pd.factorize(series, use_na_sentinel=True)
    if (codes < 0).any():
        raise PriceDataError(f"{name(int(np.argmax(codes < 0)))} has no date")
    if pd.api.types.is_numeric_dtype(unique.dtype):
        return _from_integers(series, name, table), ""
    parsed, zones = _parse_unique(pd.Index(unique), codes, name, table)
    return parsed[codes], zones


def _parse_unique(unique: pd.Index, codes: np.ndarray, name, table) -> tuple[np.ndarray, str]:
    try:
        with warnings.catch_warnings():
            # Values of mixed forms are then parsed one by one and each one checked: the
            # warning would only add lines to the command line's one-line error.
            warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
            # In nanoseconds at once: pandas may parse year 6020 in seconds, out of ns range.
            stamps = pd.DatetimeIndex(pd.to_datetime(unique)).as_unit("ns")
    except (ValueError, TypeError, OverflowError):  # OutOfBoundsDatetime is a ValueError
        return _one_by_one(unique, codes, name, table)
    if stamps.tz is not None:
        row_of = _first_rows(codes, len(unique))
        days, zones = _local_midnights(stamps, lambda u: name(int(row_of[u])))
        return days, zones
    return _naive(stamps.as_unit("ns").to_numpy(), name), ""


def _one_by_one(unique: pd.Index, codes: np.ndarray, name, table) -> tuple[np.ndarray, str]:
    """Values pandas cannot parse as one column: mixed UTC offsets, mixed forms, bad values."""
    row_of = _first_rows(codes, len(unique))
    stamps = []
    for u, value in enumerate(unique):
        try:
            stamp = pd.Timestamp(value).as_unit("ns")  # ns: dates from 1677 to 2262
        except (ValueError, TypeError, OverflowError) as exc:
            raise PriceDataError(
                f"{name(int(row_of[u]))}: unparseable date {shown(value)} (dates run from 1677 to "
                "2262 and look like 2021-01-04)"
            ) from exc
        if stamp is pd.NaT:
            raise PriceDataError(f"{name(int(row_of[u]))} has no date")
        stamps.append(stamp)
    zoned = [s for s in stamps if s.tz is not None]
    if zoned and len(zoned) < len(stamps):
        naive = next(s for s in stamps if s.tz is None)
        raise PriceDataError(
            f"{table}: the dates mix time-zone-aware ({zoned[0]}) and naive "
            f"({naive}) timestamps; give every date in the same form"
        )
    wall = pd.DatetimeIndex([s.tz_localize(None) if s.tz is not None else s for s in stamps])
    ns = wall.as_unit("ns").asi8
    if zoned:
        off = ns % DAY_NS != 0
        if off.any():
            u = int(np.argmax(off))
            raise PriceDataError(
                f"{name(int(row_of[u]))}: time-zone-aware timestamps not at midnight of their "
                f"zone (e.g. {wall[u]} in {stamps[u].tz}) are moments, not session dates; "
                "convert them to the exchange's time zone (tz_convert) or give plain dates"
            )
    zones = ", ".join(sorted({str(s.tz) for s in zoned}))
    return ns - ns % DAY_NS, zones


def _first_rows(codes: np.ndarray, n_unique: int) -> np.ndarray:
    """Row of the first appearance of each distinct value."""
    first = np.full(n_unique, -1, dtype=np.int64)
    rows = np.arange(len(codes) - 1, -1, -1)
    first[codes[::-1]] = rows  # the last write for each code is its first row
    return first
