"""The validated store of daily data: one long table of many securities.

A :class:`PriceTable` holds every row of every security a source serves, sorted by
security and then by date, as flat numpy arrays; ``offsets`` bounds each security's
rows. It is what validation (:mod:`eventstudy.sources.validate`) produces and what
the series builder (:mod:`eventstudy.core.series`) reads, so that no step between them
works one security at a time.

Two kinds share the layout. A ``"prices"`` table has the columns ``open, high, low,
close, adj_close, volume`` (float, NaN where unknown) and ``incomplete`` (bool: a
vendor placeholder row, see :mod:`eventstudy.sources.validate`). A ``"returns"``
table (:mod:`eventstudy.sources.returns`) has ``ret``, the simple returns as given,
and ``adj_close``, a return index chained from them; its intraday columns are NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import PriceDataError

PRICE_FIELDS = ("open", "high", "low", "close", "adj_close", "volume")
INTRADAY_FIELDS = ("open", "high", "low", "volume")
NOTES = "eventstudy_notes"  # key of DataFrame.attrs holding [(kind, detail), ...]

Notes = tuple[tuple[str, str], ...]


def price_notes(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """The ``(kind, detail)`` notes validation recorded on a price frame."""
    return list(frame.attrs.get(NOTES, ()))


@dataclass(frozen=True, eq=False)
class PriceTable:
    """Validated daily rows of many securities (see the module docstring).

    Attributes
    ----------
    tickers : ndarray of str (object), shape (K,)
        The securities, each once.
    offsets : ndarray of int64, shape (K + 1,)
        Rows ``offsets[k]:offsets[k + 1]`` belong to ``tickers[k]``.
    days : ndarray of datetime64[ns]
        Session date of each row, ascending and unique within a security.
    columns : mapping of str to ndarray
        The fields, one value per row (see the module docstring).
    kind : {"prices", "returns"}
    notes : mapping of ticker to tuple of (kind, detail)
        What validation handled, for the securities it concerns.
    """

    tickers: np.ndarray
    offsets: np.ndarray
    days: np.ndarray
    columns: Mapping[str, np.ndarray]
    kind: str = "prices"
    notes: Mapping[str, Notes] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.tickers)

    def __repr__(self) -> str:
        return f"PriceTable({self.kind}, {len(self)} securities, {len(self.days)} rows)"

    @cached_property
    def _index(self) -> pd.Index:
        return pd.Index(self.tickers, dtype=object)

    def has(self, ticker: str) -> bool:
        """Whether the table holds ``ticker``."""
        return ticker in self._index

    def positions(self, tickers: Sequence[str]) -> np.ndarray:
        """Position of each ticker in :attr:`tickers` (-1 where absent), in one hash lookup."""
        return self._index.get_indexer(pd.Index(list(tickers), dtype=object)).astype(np.int64)

    def rows(self, ticker: str) -> slice:
        """The rows of ``ticker``."""
        k = self._index.get_loc(ticker)
        return slice(int(self.offsets[k]), int(self.offsets[k + 1]))

    def frame(self, ticker: str) -> pd.DataFrame:
        """One security's rows as a price frame indexed by ``date``, with its notes.

        The columns are those of :data:`PRICE_FIELDS` and ``incomplete`` (and ``ret``
        for a returns table); ``frame.attrs`` holds the notes (:func:`price_notes`).
        """
        rows = self.rows(ticker)
        data = {name: self.columns[name][rows] for name in (*PRICE_FIELDS, "incomplete")}
        if "ret" in self.columns:
            data["ret"] = self.columns["ret"][rows]
        frame = pd.DataFrame(data, index=pd.DatetimeIndex(self.days[rows], name="date"))
        frame.attrs[NOTES] = list(self.notes.get(ticker, ()))
        return frame

    def select(self, tickers: Sequence[str]) -> PriceTable:
        """The table of ``tickers`` only, in that order (self when it is that already)."""
        tickers = list(dict.fromkeys(tickers))
        if tickers == self.tickers.tolist():
            return self
        k = self.positions(tickers)
        if (k < 0).any():
            raise KeyError(tickers[int(np.argmax(k < 0))])
        lengths = self.offsets[k + 1] - self.offsets[k]
        rows = segments(self.offsets[k], lengths)
        return PriceTable(
            tickers=_names(tickers),
            offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            days=frozen(self.days[rows]),
            columns={name: frozen(values[rows]) for name, values in self.columns.items()},
            kind=self.kind,
            notes={t: self.notes[t] for t in tickers if t in self.notes},
        )

    def with_note(self, ticker: str, kind: str, detail: str) -> PriceTable:
        """The same table with one more note on ``ticker``."""
        notes = dict(self.notes)
        notes[ticker] = (*notes.get(ticker, ()), (kind, detail))
        return PriceTable(self.tickers, self.offsets, self.days, self.columns, self.kind, notes)

    @classmethod
    def concat(cls, tables: Sequence[PriceTable]) -> PriceTable:
        """The securities of several tables one after the other.

        Raises
        ------
        PriceDataError
            If the tables are of different kinds or two hold the same ticker.
        """
        if len(tables) == 1:
            return tables[0]
        kinds = {t.kind for t in tables}
        if len(kinds) > 1:
            raise PriceDataError(f"cannot combine tables of {sorted(kinds)}")
        names = [name for t in tables for name in t.tickers.tolist()]
        if len(set(names)) < len(names):
            seen: set[str] = set()
            twice = next(n for n in names if n in seen or seen.add(n))
            raise PriceDataError(f"prices of {twice!r} are given twice")
        shift = np.cumsum([0] + [len(t.days) for t in tables[:-1]])
        columns = tables[0].columns.keys()
        return cls(
            tickers=_names(names),
            offsets=np.concatenate(
                [[0]] + [t.offsets[1:] + s for t, s in zip(tables, shift, strict=True)]
            ).astype(np.int64),
            days=frozen(np.concatenate([t.days for t in tables])),
            columns={c: frozen(np.concatenate([t.columns[c] for t in tables])) for c in columns},
            kind=tables[0].kind,
            notes={k: v for t in tables for k, v in t.notes.items()},
        )


def frozen(values: np.ndarray) -> np.ndarray:
    """A read-only view of ``values``: tables are shared by every study that reads them."""
    view = values.view()
    view.flags.writeable = False
    return view


def segments(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])`` in one step."""
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)


def _names(values) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out
