"""Daily price series: one interface over several sources, validated once.

A *price frame* is a DataFrame indexed by a tz-naive ``DatetimeIndex`` named
``date`` (one row per trading session, ascending, unique) with float columns
``open, high, low, close, adj_close, volume`` and a boolean column ``incomplete``.

Incomplete rows are the vendor's placeholders for sessions whose intraday record
is missing: volume 0 with open = high = low = close. Their close is kept (it serves
close-to-close returns); their open, high, low and volume are set to NaN so that no
intraday or volume figure is computed from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from . import bundled
from .errors import PriceDataError, UnknownTickerError

PRICE_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume")
INTRADAY_COLUMNS = ("open", "high", "low", "volume")


def validate_prices(frame: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """Check a raw price table and return it as a price frame.

    Parameters
    ----------
    frame : DataFrame
        Either indexed by date or with a ``date`` column, and the columns
        ``open, high, low, close, adj_close, volume`` (``adj_close`` may be absent,
        in which case it equals ``close``).
    ticker : str
        Used in error messages.

    Raises
    ------
    PriceDataError
        On missing columns (the message lists those found), unparseable, unsorted
        or duplicate dates, and missing, non-finite or non-positive closes.
    """
    frame = frame.copy()
    frame.columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
    if "date" in frame.columns:
        frame = frame.set_index("date")
    if "adj_close" not in frame.columns and "close" in frame.columns:
        frame["adj_close"] = frame["close"]
    missing = [c for c in PRICE_COLUMNS if c not in frame.columns]
    if missing:
        raise PriceDataError(
            f"{ticker}: missing price columns {missing}; found {list(frame.columns)}"
        )
    frame = frame.loc[:, list(PRICE_COLUMNS)].astype("float64")
    frame.index = _session_index(frame.index, ticker)
    _check_closes(frame, ticker)
    return _flag_incomplete(frame)


def _session_index(index: pd.Index, ticker: str) -> pd.DatetimeIndex:
    try:
        dates = pd.DatetimeIndex(pd.to_datetime(index))
    except (ValueError, TypeError) as exc:
        raise PriceDataError(f"{ticker}: unparseable dates in the price index ({exc})") from exc
    if dates.tz is not None:
        raise PriceDataError(
            f"{ticker}: price dates are time-zone aware ({dates.tz}); "
            "daily sessions must be naive dates (drop the time zone with .tz_localize(None))"
        )
    if len(dates) == 0:
        raise PriceDataError(f"{ticker}: the price series is empty")
    if dates.has_duplicates:
        first = dates[dates.duplicated()][0].date()
        raise PriceDataError(f"{ticker}: duplicate date {first} in the price series")
    if not dates.is_monotonic_increasing:
        where = int(np.argmax(np.diff(dates.asi8) < 0)) + 1
        raise PriceDataError(
            f"{ticker}: dates are not in ascending order (at {dates[where].date()}); "
            "sort them first"
        )
    return dates.normalize().rename("date")


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


def _flag_incomplete(frame: pd.DataFrame) -> pd.DataFrame:
    flat = (
        (frame["volume"] == 0)
        & (frame["open"] == frame["close"])
        & (frame["high"] == frame["close"])
        & (frame["low"] == frame["close"])
    )
    frame.loc[flat, list(INTRADAY_COLUMNS)] = np.nan
    frame["incomplete"] = flat.to_numpy()
    return frame


class PriceSource:
    """Interface of every price source: ``get(ticker)`` returns a price frame."""

    def tickers(self) -> tuple[str, ...]:
        """Tickers this source can serve."""
        raise NotImplementedError

    def get(self, ticker: str) -> pd.DataFrame:
        """Validated price frame of ``ticker``; :class:`UnknownTickerError` if absent."""
        raise NotImplementedError

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
    """Prices a user supplies as DataFrames, one per ticker, validated on construction."""

    def __init__(self, frames: Mapping[str, pd.DataFrame]) -> None:
        if not frames:
            raise PriceDataError("FramePrices: no price frames given")
        self._frames = {str(t): validate_prices(f, str(t)) for t, f in frames.items()}

    def __repr__(self) -> str:
        return f"FramePrices({list(self._frames)})"

    def tickers(self) -> tuple[str, ...]:
        return tuple(self._frames)

    def get(self, ticker: str) -> pd.DataFrame:
        if ticker not in self._frames:
            raise self._unknown(ticker)
        return self._frames[ticker]


def as_price_source(prices: PriceSource | Mapping[str, pd.DataFrame] | None) -> PriceSource:
    """Normalise the ``prices`` argument of the public API to a :class:`PriceSource`."""
    if prices is None:
        return BundledPrices()
    if isinstance(prices, PriceSource):
        return prices
    if isinstance(prices, Mapping):
        return FramePrices(prices)
    raise TypeError(f"prices must be a PriceSource or a mapping of DataFrames, not {type(prices)}")


def require_tickers(source: PriceSource, tickers: Iterable[str]) -> None:
    """Raise :class:`UnknownTickerError` for the first ticker the source lacks."""
    known = set(source.tickers())
    for ticker in tickers:
        if ticker not in known:
            raise source._unknown(ticker)
