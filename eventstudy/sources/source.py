"""The interface of every price source, and the sources of a user's DataFrames.

A source serves validated :class:`~eventstudy.sources.table.PriceTable` rows:
``table(tickers)`` for the study (all securities at once), ``get(ticker)`` for one
security as a DataFrame (figures, notebooks). Sources that hold one table
(:class:`TableSource`: DataFrames, a file, a returns table) validate it once when
made; sources that read one file per security (the bundled snapshot, a folder, the
Yahoo cache) validate each security when first asked for (:class:`PerTickerSource`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import PriceDataError, UnknownTickerError
from .shapes import raw_mapping, raw_table
from .table import PriceTable
from .validate import validate

SHOWN_TICKERS = 12  # how many known tickers an unknown-ticker message lists


class PriceSource:
    """Interface of every source: validated tables of the tickers asked for."""

    kind = "prices"  # or "returns": what the tables hold (see PriceTable)

    def tickers(self) -> tuple[str, ...]:
        """Tickers this source can serve."""
        raise NotImplementedError

    def table(self, tickers: Sequence[str]) -> PriceTable:
        """A validated table holding every ticker asked for (and perhaps others).

        Raises
        ------
        UnknownTickerError
            If the source has no prices for one of them.
        """
        raise NotImplementedError

    def get(self, ticker: str) -> pd.DataFrame:
        """Validated price frame of ``ticker``; :class:`UnknownTickerError` if absent."""
        return self.table([ticker]).frame(ticker)

    def has(self, ticker: str) -> bool:
        """Whether ``get(ticker)`` can be tried (sources that fetch on demand say yes)."""
        return ticker in self._known

    def lacking(self, tickers: Sequence[str]) -> list[str]:
        """The tickers of ``tickers`` that :meth:`has` says no to."""
        return [t for t in tickers if not self.has(t)]

    @property
    def _known(self) -> frozenset[str]:
        known = self.__dict__.get("_known_tickers")
        if known is None:
            known = self.__dict__["_known_tickers"] = frozenset(self.tickers())
        return known

    def _unknown(self, ticker: str) -> UnknownTickerError:
        known = self.tickers()
        shown = ", ".join(known[:SHOWN_TICKERS]) or "none"
        more = f" and {len(known) - SHOWN_TICKERS} more" if len(known) > SHOWN_TICKERS else ""
        return UnknownTickerError(
            f"no prices for ticker {ticker!r} in {self}; available: {shown}{more}"
        )


class TableSource(PriceSource):
    """A source holding validated tables, each ticker in one of them.

    Parameters
    ----------
    tables : PriceTable or sequence of PriceTable
        E.g. the securities of a return table and, apart, its market column.
    label : str
        How the source names itself in messages.
    """

    def __init__(self, tables: PriceTable | Sequence[PriceTable], label: str) -> None:
        self._parts = [tables] if isinstance(tables, PriceTable) else list(tables)
        self._label = label
        self._frames: dict[str, pd.DataFrame] = {}
        names = [n for part in self._parts for n in part.tickers.tolist()]
        if len(set(names)) < len(names):
            PriceTable.concat(self._parts)  # raises, naming the ticker given twice

    def __repr__(self) -> str:
        return self._label

    def tickers(self) -> tuple[str, ...]:
        return tuple(n for part in self._parts for n in part.tickers.tolist())

    def has(self, ticker: str) -> bool:
        return any(part.has(ticker) for part in self._parts)

    def lacking(self, tickers: Sequence[str]) -> list[str]:
        held = np.zeros(len(tickers), dtype=bool)
        for part in self._parts:
            held |= part.positions(tickers) >= 0
        return [t for t, h in zip(tickers, held.tolist(), strict=True) if not h]

    def table(self, tickers: Sequence[str]) -> PriceTable:
        """The table holding ``tickers``: a whole part when they are most of its rows.

        A part is returned as it is (no copy) unless the tickers asked for hold less
        than half of its rows, e.g. one partition of a study; the series builder reads
        the tickers it needs wherever they are in the table.
        """
        wanted = list(dict.fromkeys(tickers))
        chosen = []
        for part in self._parts:
            where = part.positions(wanted)
            mine = [t for t, k in zip(wanted, where, strict=True) if k >= 0]
            if not mine:
                continue
            held = where[where >= 0]
            rows = int((part.offsets[held + 1] - part.offsets[held]).sum())
            chosen.append(part if 2 * rows >= len(part.days) else part.select(mine))
        found = {t for part in chosen for t in part.tickers.tolist()}
        missing = [t for t in wanted if t not in found]
        if missing:
            raise self._unknown(missing[0])
        return PriceTable.concat(chosen)

    def get(self, ticker: str) -> pd.DataFrame:
        if ticker not in self._frames:
            self._frames[ticker] = self.table([ticker]).frame(ticker)
        return self._frames[ticker]


class PerTickerSource(PriceSource):
    """A source that reads and validates each security on first use (see :meth:`load`)."""

    def load(self, ticker: str) -> PriceTable:
        """The validated table of one ticker (called once per ticker)."""
        raise NotImplementedError

    def table(self, tickers: Sequence[str]) -> PriceTable:
        loaded = self.__dict__.setdefault("_loaded", {})
        parts = []
        for ticker in dict.fromkeys(tickers):
            if ticker not in loaded:
                if not self.has(ticker):
                    raise self._unknown(ticker)
                loaded[ticker] = self.load(ticker)
            parts.append(loaded[ticker])
        return PriceTable.concat(parts)

    def get(self, ticker: str) -> pd.DataFrame:
        frames = self.__dict__.setdefault("_frames", {})
        if ticker not in frames:
            frames[ticker] = self.table([ticker]).frame(ticker)
        return frames[ticker]


class FramePrices(TableSource):
    """Prices a user supplies as DataFrames, validated on construction.

    Parameters
    ----------
    frames : mapping of ticker to DataFrame or Series, or DataFrame
        One table per ticker (a Series is its closing prices), or one table holding
        several tickers in the long, wide or yfinance shape (see
        :mod:`eventstudy.sources.shapes`).
    """

    def __init__(self, frames: Mapping[str, pd.DataFrame] | pd.DataFrame) -> None:
        if isinstance(frames, pd.DataFrame):
            raw = raw_table(frames)
        elif isinstance(frames, Mapping):
            if not frames:
                raise PriceDataError("FramePrices: no price frames given")
            raw = raw_mapping(frames)
        else:
            raise PriceDataError(
                f"FramePrices takes a DataFrame or a mapping of them, not {type(frames).__name__}"
            )
        table = validate(raw)
        super().__init__(table, f"FramePrices({_shown(table.tickers.tolist())})")


def _shown(names: list[str]) -> str:
    head = ", ".join(repr(n) for n in names[:SHOWN_TICKERS])
    return f"[{head}{', ...' if len(names) > SHOWN_TICKERS else ''}]"


def as_price_source(
    prices: PriceSource | Mapping[str, pd.DataFrame] | pd.DataFrame | str | Path | None,
) -> PriceSource:
    """Normalise the ``prices`` argument of the public API to a :class:`PriceSource`.

    None is the bundled snapshot; a mapping or DataFrame becomes :class:`FramePrices`;
    a path (CSV or parquet file, or a folder of them) becomes
    :class:`~eventstudy.sources.files.FilePrices`.
    """
    if prices is None:
        from .bundled import BundledPrices

        return BundledPrices()
    if isinstance(prices, PriceSource):
        return prices
    if isinstance(prices, Mapping | pd.DataFrame):
        return FramePrices(prices)
    if isinstance(prices, str | Path):
        from .files import FilePrices

        return FilePrices(prices)
    raise PriceDataError(
        f"prices must be a PriceSource, a DataFrame, a mapping of DataFrames or a path, "
        f"not {type(prices).__name__}"
    )


def require_tickers(source: PriceSource, tickers: Iterable[str]) -> None:
    """Raise :class:`UnknownTickerError` for the first ticker the source lacks."""
    missing = source.lacking(list(tickers))
    if missing:
        raise source._unknown(missing[0])
