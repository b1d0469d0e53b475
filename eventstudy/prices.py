"""Daily price series: one interface over several sources, validated once.

A *price frame* is a DataFrame indexed by a tz-naive ``DatetimeIndex`` named
``date`` (one row per trading session, ascending, unique) with float columns
``open, high, low, close, adj_close, volume`` and a boolean column ``incomplete``.

Validation (:func:`validate_prices`) refuses, with a :class:`PriceDataError` naming
the ticker, the date and the problem: missing or misnamed columns (the message lists
the columns found), tables without dates, unparseable or missing dates, dates out of
order, a date repeated with different values, non-numeric cells, closes or adjusted
closes that are missing, zero, negative or infinite, non-positive or infinite
open/high/low, negative volumes, and time-zone-aware timestamps that are not at
midnight in their own zone. It handles, and records in the frame's notes (which a
study copies into its diagnostics):

* ``duplicate_rows``: a date repeated with identical values is kept once;
* ``tz_aware_dates``: timestamps at midnight of their own time zone (as
  ``yfinance.Ticker.history`` gives them) are taken as those local dates;
* ``no_intraday``: a table with closes only (no open, high, low and volume) is used
  for close-to-close returns; peak and trough moves are then unavailable;
* ``split_like_jump``: a session whose open and close are both more than
  :data:`SPLIT_FACTOR` times, or less than 1/:data:`SPLIT_FACTOR` of, the previous
  close while ``adj_close / close`` is unchanged: an unadjusted split or reverse split
  looks like this. The row is kept and flagged.

Naive timestamps with a time of day are taken as their dates.

Incomplete rows are the vendor's placeholders for sessions whose intraday record
is missing: volume 0 with open = high = low = close. Their close is kept (it serves
close-to-close returns); their open, high, low and volume are set to NaN so that no
intraday or volume figure is computed from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import bundled
from .errors import PriceDataError, UnknownTickerError
from .tables import PRICE_FIELDS, column_name, per_ticker

PRICE_COLUMNS = PRICE_FIELDS
INTRADAY_COLUMNS = ("open", "high", "low", "volume")
SPLIT_FACTOR = 1.5
NOTES = "eventstudy_notes"  # key of DataFrame.attrs holding [(kind, detail), ...]


def price_notes(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """The ``(kind, detail)`` notes :func:`validate_prices` recorded on ``frame``."""
    return list(frame.attrs.get(NOTES, ()))


@dataclass(frozen=True, eq=False)
class PriceArrays:
    """The columns of a validated price frame as read-only numpy arrays.

    Made by :meth:`PriceSource.arrays` for code that works on arrays (the series
    store); the arrays share memory with the frame wherever pandas allows.

    Attributes
    ----------
    days : ndarray of datetime64[ns]
        The session dates, ascending and unique.
    adj_close, close, high, low, volume : ndarray of float64
        NaN where validation masked an incomplete row's intraday values.
    incomplete : ndarray of bool
    notes : tuple of (kind, detail)
        What validation handled (see :func:`price_notes`).
    """

    days: np.ndarray
    adj_close: np.ndarray
    close: np.ndarray
    high: np.ndarray
    low: np.ndarray
    volume: np.ndarray
    incomplete: np.ndarray
    notes: tuple[tuple[str, str], ...]


def price_arrays(frame: pd.DataFrame) -> PriceArrays:
    """:class:`PriceArrays` of a price frame (see :func:`validate_prices`)."""

    def column(values, dtype) -> np.ndarray:
        array = np.asarray(values, dtype=dtype)  # no copy when the dtype already matches
        array.flags.writeable = False
        return array

    values = {name: series.to_numpy() for name, series in frame.items()}  # one pass: fast
    return PriceArrays(
        days=column(frame.index.to_numpy(), "datetime64[ns]"),
        incomplete=column(values["incomplete"], bool),
        notes=tuple(price_notes(frame)),
        **{name: column(values[name], np.float64)
           for name in ("adj_close", "close", "high", "low", "volume")},
    )


def validate_prices(frame: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """Check a raw price table and return it as a price frame.

    Parameters
    ----------
    frame : DataFrame
        Either indexed by date or with a ``date`` column, and the columns
        ``open, high, low, close, adj_close, volume`` (``adj_close`` may be absent,
        in which case it equals ``close``; ``open, high, low, volume`` may be absent
        together, leaving closes only).
    ticker : str
        Used in error messages.

    Returns
    -------
    DataFrame
        The price frame; ``frame.attrs[NOTES]`` lists what was handled (see the
        module docstring), read it with :func:`price_notes`.

    Raises
    ------
    PriceDataError
        For every refused case listed in the module docstring.
    """
    notes: list[tuple[str, str]] = []
    frame = tidy_prices(frame, ticker, notes)
    _check_closes(frame, ticker)
    _check_intraday(frame, ticker)
    frame = _flag_incomplete(frame)
    _flag_split_like_jumps(frame, ticker, notes)
    frame.attrs[NOTES] = notes
    return frame


def tidy_prices(
    frame: pd.DataFrame, ticker: str, notes: list[tuple[str, str]] | None = None
) -> pd.DataFrame:
    """Canonical columns, numeric values and unique ascending session dates, values unchecked.

    This is the first half of :func:`validate_prices`: the form in which price tables
    are stored (e.g. in the Yahoo cache), before incomplete rows are masked.
    """
    notes = [] if notes is None else notes
    if frame.shape[0] == 0:
        raise PriceDataError(f"{ticker}: the price series is empty")
    frame = frame.copy()
    frame.columns = [column_name(c) for c in frame.columns]
    if "date" in frame.columns:
        frame = frame.set_index("date")
    if "adj_close" not in frame.columns and "close" in frame.columns:
        frame["adj_close"] = frame["close"]
    _require_columns(frame, ticker, notes)
    frame.index = _session_index(frame.index, ticker, notes)
    frame = _numeric(frame.loc[:, list(PRICE_COLUMNS)], ticker)
    frame = _collapse_duplicates(frame, ticker, notes)
    _check_order(frame.index, ticker)
    return frame


def _require_columns(frame: pd.DataFrame, ticker: str, notes: list) -> None:
    intraday = [c for c in INTRADAY_COLUMNS if c in frame.columns]
    if "close" in frame.columns and not intraday:
        for column in INTRADAY_COLUMNS:
            frame[column] = np.nan
        notes.append((
            "no_intraday",
            "closing prices only (no open, high, low or volume): returns are close to close; "
            "peak and trough moves are not available",
        ))
    missing = [c for c in PRICE_COLUMNS if c not in frame.columns]
    if missing:
        raise PriceDataError(
            f"{ticker}: missing price columns {missing}; found {list(frame.columns)}"
        )


def _session_index(index: pd.Index, ticker: str, notes: list) -> pd.DatetimeIndex:
    if len(index) == 0:
        raise PriceDataError(f"{ticker}: the price series is empty")
    if pd.api.types.is_numeric_dtype(index.dtype) or pd.api.types.is_bool_dtype(index.dtype):
        raise PriceDataError(
            f"{ticker}: no dates (the index holds {index.dtype} values); give a 'date' column "
            "or a date index"
        )
    wall, zones = _parse_dates(index, ticker)
    if wall.isna().any():
        raise PriceDataError(f"{ticker}: row {int(np.argmax(wall.isna())) + 1} has no date")
    if zones:
        off = wall != wall.normalize()
        if off.any():
            raise PriceDataError(
                f"{ticker}: time-zone-aware timestamps not at midnight of their zone (e.g. "
                f"{wall[np.argmax(off)]} in {zones}) are moments, not session dates; convert "
                "them to the exchange's time zone (tz_convert) or give plain dates"
            )
        notes.append((
            "tz_aware_dates",
            f"the dates carried the time zone {zones} at local midnight; those local calendar "
            "dates were used",
        ))
    return wall.normalize().rename("date")


def _parse_dates(index: pd.Index, ticker: str) -> tuple[pd.DatetimeIndex, str]:
    """Wall-clock (naive) timestamps and the time zone(s) they carried ('' if naive)."""
    try:
        dates = pd.DatetimeIndex(pd.to_datetime(index))
    except (ValueError, TypeError):
        return _parse_one_by_one(index, ticker)
    if dates.tz is None:
        return dates, ""
    return dates.tz_localize(None), str(dates.tz)


def _parse_one_by_one(index: pd.Index, ticker: str) -> tuple[pd.DatetimeIndex, str]:
    """Dates pandas cannot parse as one column: mixed UTC offsets, mixed forms, bad values."""
    stamps = []
    for row, value in enumerate(index, start=1):
        try:
            stamps.append(pd.Timestamp(value))
        except (ValueError, TypeError) as exc:
            raise PriceDataError(f"{ticker}: unparseable date {value!r} in row {row}") from exc
    valid = [s for s in stamps if s is not pd.NaT]
    zoned = [s for s in valid if s.tz is not None]
    if zoned and len(zoned) < len(valid):
        naive = next(s for s in valid if s.tz is None)
        raise PriceDataError(
            f"{ticker}: the dates mix time-zone-aware ({zoned[0]}) and naive ({naive}) "
            "timestamps; give every date in the same form"
        )
    wall = [s if s is pd.NaT or s.tz is None else s.tz_localize(None) for s in stamps]
    return pd.DatetimeIndex(wall), ", ".join(sorted({str(s.tz) for s in zoned}))


def _numeric(frame: pd.DataFrame, ticker: str) -> pd.DataFrame:
    columns = {}
    for column in frame.columns:
        raw = frame[column]
        if raw.dtype.kind in "fiub":  # plain numpy numbers: nothing to parse
            columns[column] = raw.to_numpy(dtype=np.float64)
            continue
        values = pd.to_numeric(raw, errors="coerce")
        bad = (values.isna() & raw.notna()).to_numpy()
        if bad.any():
            where = int(np.argmax(bad))
            raise PriceDataError(
                f"{ticker}: {column} on {frame.index[where].date()} is {raw.iloc[where]!r}, "
                "not a number"
            )
        columns[column] = values.astype("float64").to_numpy()
    return pd.DataFrame(columns, index=frame.index)  # one block: no column-by-column inserts


def _collapse_duplicates(frame: pd.DataFrame, ticker: str, notes: list) -> pd.DataFrame:
    """Identical repeated rows are kept once (and noted); differing ones are an error."""
    repeated = frame.index.duplicated(keep=False)
    if not repeated.any():
        return frame
    rows = frame[repeated]
    for day, group in rows.groupby(level=0, sort=False):
        values = group.to_numpy()
        same = np.isclose(values, values[0], rtol=0, atol=0, equal_nan=True).all(axis=0)
        if not same.all():
            column = frame.columns[np.argmax(~same)]
            raise PriceDataError(
                f"{ticker}: date {day.date()} appears {len(group)} times with different values "
                f"({column}: {', '.join(map(str, group[column].tolist()))}); keep one row per "
                "session (intraday bars must be turned into daily ones first)"
            )
    days = rows.index.unique()
    notes.append((
        "duplicate_rows",
        f"{len(rows) - len(days)} repeated rows with identical values were kept once "
        f"({', '.join(str(d.date()) for d in days[:5])}{' ...' if len(days) > 5 else ''})",
    ))
    return frame[~frame.index.duplicated(keep="first")]


def _check_order(dates: pd.DatetimeIndex, ticker: str) -> None:
    if not dates.is_monotonic_increasing:
        where = int(np.argmax(np.diff(dates.asi8) < 0)) + 1
        raise PriceDataError(
            f"{ticker}: dates are not in ascending order (at {dates[where].date()}); "
            "sort them first"
        )


def _check_closes(frame: pd.DataFrame, ticker: str) -> None:
    for column in ("close", "adj_close"):
        values = frame[column].to_numpy()
        bad = ~np.isfinite(values) | (values <= 0)
        if bad.any():
            day = frame.index[np.argmax(bad)].date()
            raise PriceDataError(
                f"{ticker}: {column} on {day} is {float(values[np.argmax(bad)])}; "
                "closes must be finite and positive (remove the row or fix the value)"
            )


def _check_intraday(frame: pd.DataFrame, ticker: str) -> None:
    """Open, high, low and volume may be missing (NaN), but not impossible."""
    for column in INTRADAY_COLUMNS:
        values = frame[column].to_numpy()
        floor_ok = values >= 0 if column == "volume" else values > 0
        bad = ~np.isnan(values) & ~(np.isfinite(values) & floor_ok)
        if bad.any():
            day = frame.index[np.argmax(bad)].date()
            rule = "finite and not negative" if column == "volume" else "finite and positive"
            raise PriceDataError(
                f"{ticker}: {column} on {day} is {float(values[np.argmax(bad)])}; it must be "
                f"{rule}, or empty when unknown"
            )


def _flag_incomplete(frame: pd.DataFrame) -> pd.DataFrame:
    open_, high, low, close, volume = (
        frame[c].to_numpy() for c in ("open", "high", "low", "close", "volume")
    )
    flat = (volume == 0) & (open_ == close) & (high == close) & (low == close)
    if flat.any():
        frame.loc[flat, list(INTRADAY_COLUMNS)] = np.nan
    frame["incomplete"] = flat
    return frame


def _flag_split_like_jumps(frame: pd.DataFrame, ticker: str, notes: list) -> None:
    close = frame["close"].to_numpy()
    if len(close) < 2:
        return
    move = close[1:] / close[:-1]
    gap = frame["open"].to_numpy()[1:] / close[:-1]  # NaN when the open is unknown

    def beyond(ratio: np.ndarray) -> np.ndarray:
        return (ratio > SPLIT_FACTOR) | (ratio < 1 / SPLIT_FACTOR)

    factor = frame["adj_close"].to_numpy() / close
    unadjusted = np.isclose(factor[1:], factor[:-1], rtol=1e-6, atol=0)
    jump = beyond(move) & (beyond(gap) | np.isnan(gap)) & unadjusted
    for i in np.flatnonzero(jump) + 1:
        notes.append((
            "split_like_jump",
            f"{frame.index[i].date()}: close {close[i]:g} after {close[i - 1]:g} "
            f"(x{move[i - 1]:.3f}) and the adjusted close moved alike: if this is a split or "
            "reverse split, the prices are not adjusted for it and that day's return is wrong",
        ))


class PriceSource:
    """Interface of every price source: ``get(ticker)`` returns a price frame."""

    def tickers(self) -> tuple[str, ...]:
        """Tickers this source can serve."""
        raise NotImplementedError

    def get(self, ticker: str) -> pd.DataFrame:
        """Validated price frame of ``ticker``; :class:`UnknownTickerError` if absent."""
        raise NotImplementedError

    def has(self, ticker: str) -> bool:
        """Whether ``get(ticker)`` can be tried (sources that fetch on demand say yes)."""
        return ticker in self.tickers()

    def arrays(self, ticker: str) -> PriceArrays:
        """The frame ``get(ticker)`` gives, as :class:`PriceArrays`; made once per frame."""
        frame = self.get(ticker)
        cache = self.__dict__.setdefault("_price_arrays", {})
        made = cache.get(ticker)
        if made is None or made[0] is not frame:  # a source may replace a ticker's frame
            made = cache[ticker] = (frame, price_arrays(frame))
        return made[1]

    def __getstate__(self) -> dict:
        # The arrays are views of the frames: pickling them would send the prices twice.
        return {k: v for k, v in self.__dict__.items() if k != "_price_arrays"}

    def _unknown(self, ticker: str) -> UnknownTickerError:
        known = ", ".join(self.tickers()) or "none"
        return UnknownTickerError(f"no prices for ticker {ticker!r} in {self}; available: {known}")


class BundledPrices(PriceSource):
    """The verified snapshot shipped with the package (see data/prices/PROVENANCE.md).

    Every file is checked against the manifest's SHA-256 when it is first read.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = bundled.data_dir() if folder is None else Path(folder)
        self.manifest = bundled.price_manifest(self.folder)
        self._frames: dict[str, pd.DataFrame] = {}

    def __repr__(self) -> str:
        return f"BundledPrices({str(self.folder)!r})"

    def tickers(self) -> tuple[str, ...]:
        return tuple(self.manifest.index)

    def get(self, ticker: str) -> pd.DataFrame:
        if ticker not in self.manifest.index:
            raise self._unknown(ticker)
        if ticker not in self._frames:
            row = self.manifest.loc[ticker]
            path = self.folder / "prices" / row["file"]
            bundled.verify_checksum(path, row["sha256"])
            raw = pd.read_csv(path, parse_dates=["date"])
            self._frames[ticker] = validate_prices(raw, ticker)
        return self._frames[ticker]


class FramePrices(PriceSource):
    """Prices a user supplies as DataFrames, validated on construction.

    Parameters
    ----------
    frames : mapping of ticker to DataFrame, or DataFrame
        One table per ticker, or one table holding several tickers in the long, wide
        or yfinance shape (see :mod:`eventstudy.tables`).
    """

    def __init__(self, frames: Mapping[str, pd.DataFrame] | pd.DataFrame) -> None:
        if not isinstance(frames, pd.DataFrame) and not frames:
            raise PriceDataError("FramePrices: no price frames given")
        tables = per_ticker(frames)
        self._frames = {t: validate_prices(f, t) for t, f in tables.items()}
        for ticker in self._frames:  # held in memory anyway: ready for array code now
            self.arrays(ticker)

    def __repr__(self) -> str:
        return f"FramePrices({list(self._frames)})"

    def tickers(self) -> tuple[str, ...]:
        return tuple(self._frames)

    def get(self, ticker: str) -> pd.DataFrame:
        if ticker not in self._frames:
            raise self._unknown(ticker)
        return self._frames[ticker]


def as_price_source(
    prices: PriceSource | Mapping[str, pd.DataFrame] | pd.DataFrame | str | Path | None,
) -> PriceSource:
    """Normalise the ``prices`` argument of the public API to a :class:`PriceSource`.

    None is the bundled snapshot; a mapping or DataFrame becomes :class:`FramePrices`;
    a path (CSV or parquet file, or a folder of them) becomes
    :class:`eventstudy.files.FilePrices`.
    """
    if prices is None:
        return BundledPrices()
    if isinstance(prices, PriceSource):
        return prices
    if isinstance(prices, Mapping | pd.DataFrame):
        return FramePrices(prices)
    if isinstance(prices, str | Path):
        from .files import FilePrices  # files builds on this module

        return FilePrices(prices)
    raise TypeError(
        f"prices must be a PriceSource, a DataFrame, a mapping of DataFrames or a path, "
        f"not {type(prices)}"
    )


def require_tickers(source: PriceSource, tickers: Iterable[str]) -> None:
    """Raise :class:`UnknownTickerError` for the first ticker the source lacks."""
    known = set(source.tickers())  # one lookup table, not one tuple per ticker
    for ticker in tickers:
        if ticker not in known and not source.has(ticker):
            raise source._unknown(ticker)
