"""Price and return series of many securities, concatenated into flat arrays.

Every (ticker, market, exchange) series is placed on its exchange's sessions and
all series are concatenated, so that an event is just an offset into the flat
arrays (see :mod:`eventstudy.panel`). Missing values stay NaN, never filled; what
price validation handled and every missing session is reported in the diagnostics.

The store stays lean: building it only locates each series' sessions in its price
arrays (:meth:`~eventstudy.prices.PriceSource.arrays`) and checks them. A column
over all series is made when first read through ``store.values[name]`` and then
kept; :meth:`SeriesStore.take` reads a column at a few positions without making it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from .diagnostics import Diagnostics
from .errors import CalendarError, PriceDataError
from .prices import PriceArrays, PriceSource
from .returns import check_return_kind, returns_from_prices
from .sessions import exchange_sessions

STOCK_COLUMNS = {"adj": "adj_close", "close": "close", "high": "high", "low": "low",
                 "vol": "volume"}
MARKET_COLUMNS = ("mret", "madj", "mvol")
COLUMNS = ("ret", "mret", "adj", "madj", "close", "high", "low", "incomplete", "vol", "mvol")


class Pieces(Protocol):
    """What a lazily built store reads its columns from."""

    def piece(self, name: str, k: int) -> np.ndarray:
        """Column ``name`` on the sessions of series ``k`` (possibly a read-only view)."""
        ...

    def fill(self, name: str, k: int, out: np.ndarray) -> None:
        """Write column ``name`` on series ``k`` into ``out``."""
        ...


class LazyColumns(Mapping[str, np.ndarray]):
    """The columns of a series store, each made in full on first access and then kept.

    Parameters
    ----------
    dtypes : mapping of column name to dtype
        The columns there are.
    offsets : ndarray of int
        Flat bounds of the series (``offsets[k]:offsets[k + 1]`` is series ``k``).
    pieces : Pieces
        Gives a column's values on one series.
    """

    def __init__(self, dtypes: Mapping[str, np.dtype], offsets: np.ndarray, pieces: Pieces):
        self.dtypes = {name: np.dtype(dtype) for name, dtype in dtypes.items()}
        self.offsets, self.pieces = offsets, pieces
        self.built: dict[str, np.ndarray] = {}
        self._making = threading.Lock()  # worker threads may ask for a column at once

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_making": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _making=threading.Lock())

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.built:
            self._check(name)
            with self._making:
                if name not in self.built:
                    self.built[name] = self._make(name)
        return self.built[name]

    def __contains__(self, name: object) -> bool:
        return name in self.dtypes

    def __iter__(self) -> Iterator[str]:
        return iter(self.dtypes)

    def __len__(self) -> int:
        return len(self.dtypes)

    def piece(self, name: str, k: int) -> np.ndarray:
        """Column ``name`` on series ``k``."""
        if name in self.built:
            return self.built[name][self.offsets[k] : self.offsets[k + 1]]
        self._check(name)
        return self.pieces.piece(name, k)

    def take(self, names: Sequence[str], positions: np.ndarray) -> dict[str, np.ndarray]:
        """Columns ``names`` at flat ``positions`` (any shape), without making the columns."""
        where = _inside(positions, int(self.offsets[-1]))
        out = {name: self.built[name][where] for name in names if name in self.built}
        lazy = [name for name in names if name not in out]
        for name in lazy:
            self._check(name)
        if not lazy:
            return out
        flat = where.ravel()
        taken = {name: np.empty(flat.shape, dtype=self.dtypes[name]) for name in lazy}
        order = np.argsort(flat)
        bounds = np.searchsorted(flat[order], self.offsets)  # positions of each series
        for k in np.flatnonzero(np.diff(bounds)).tolist():
            chosen = order[bounds[k] : bounds[k + 1]]
            local = flat[chosen] - self.offsets[k]
            for name in lazy:
                taken[name][chosen] = self.pieces.piece(name, k)[local]
        return out | {name: values.reshape(where.shape) for name, values in taken.items()}

    def _check(self, name: str) -> None:
        if name not in self.dtypes:
            raise KeyError(name)

    def _make(self, name: str) -> np.ndarray:
        out = np.empty(int(self.offsets[-1]), dtype=self.dtypes[name])
        bounds = self.offsets.tolist()
        for k in range(len(bounds) - 1):
            self.pieces.fill(name, k, out[bounds[k] : bounds[k + 1]])
        out.flags.writeable = False  # shared by every panel gathered from the store
        return out


@dataclass(frozen=True, eq=False)
class SpanColumns:
    """Columns with the same values on every series of one span: the market index's.

    Series of one (market, exchange, first session, length) share them, so each
    is kept once per span instead of once per series in the flat columns.

    Attributes
    ----------
    names : frozenset of str
        The columns kept this way.
    code : ndarray of int (n_series,)
        Each series' span.
    tables : list of dict of str -> ndarray
        Each span's columns, on the sessions of its series.
    """

    names: frozenset[str]
    code: np.ndarray
    tables: list[dict[str, np.ndarray]]

    @classmethod
    def concat(cls, parts: Sequence[SpanColumns]) -> SpanColumns:
        """The spans of several stores, their series numbered one after the other."""
        shift = np.cumsum([0] + [len(p.tables) for p in parts[:-1]])
        return cls(
            parts[0].names,
            np.concatenate([p.code + b for p, b in zip(parts, shift, strict=True)]),
            [table for p in parts for table in p.tables],
        )


@dataclass(eq=False)
class SeriesStore:
    """Flat, concatenated per-series arrays (see module docstring).

    Attributes
    ----------
    keys : list of (ticker, market, exchange)
    sessions : list of DatetimeIndex
        Each series' sessions (series with the same span share one object).
    offsets : ndarray of int
        Flat bounds of the series: series ``k`` is ``offsets[k]:offsets[k + 1]``.
    values : mapping of column name to ndarray
        The flat columns: a dict, or :class:`LazyColumns` that makes each on first access.
    spans : SpanColumns, optional
        Columns also kept once per span, which :meth:`windows` reads instead of
        making their flat columns.
    """

    keys: list[tuple[str, str, str]]
    sessions: list[pd.DatetimeIndex]
    offsets: np.ndarray
    values: Mapping[str, np.ndarray]
    spans: SpanColumns | None = None

    def windows(self, name: str, first: np.ndarray, width: int, series: np.ndarray) -> np.ndarray:
        """(N, width) values of column ``name`` at flat positions ``first[i] + 0..width-1``.

        Row i must lie inside ``series[i]``. A column kept per span is read from the
        span's table, so its flat column is never made.
        """
        if self.spans is None or name not in self.spans.names or self._built(name):
            return sliding_window_view(self.values[name], width)[first]
        local = first - self.offsets[series]
        tables = self.spans.tables
        return _gather_by_table(
            self.spans.code[series], (len(first), width), self.values.dtypes[name],
            lambda g, rows: sliding_window_view(tables[g][name], width)[local[rows]],
        )

    def _built(self, name: str) -> bool:
        return not isinstance(self.values, LazyColumns) or name in self.values.built

    @cached_property
    def dates(self) -> np.ndarray:
        """Session date of every flat position (datetime64[ns])."""
        group, tables = self._session_tables
        return np.concatenate([tables[g] for g in group.tolist()] or [_ns([])])

    def dates_at(self, positions: np.ndarray, series: np.ndarray) -> np.ndarray:
        """Session dates (datetime64[ns]) at flat ``positions`` (N, ...) in ``series`` (N,).

        Read from each series' sessions, so :attr:`dates` is not made for a few
        windows of dates.
        """
        series = np.asarray(series, dtype=np.int64)
        positions = np.asarray(positions, dtype=np.int64)
        group, tables = self._session_tables
        local = positions - self.offsets[series].reshape((-1,) + (1,) * (positions.ndim - 1))
        return _gather_by_table(group[series], positions.shape, np.dtype("datetime64[ns]"),
                                lambda g, rows: tables[g][local[rows]])

    def take(self, name: str, positions: np.ndarray) -> np.ndarray:
        """Column ``name`` at flat ``positions`` (inside the store), as a new array.

        Unlike ``values[name][positions]`` this does not make the whole column of a
        lazy store: suited to a few values per event (a close, a high).
        """
        return self.take_columns([name], positions)[name]

    def take_columns(self, names: Sequence[str], positions: np.ndarray) -> dict[str, np.ndarray]:
        """Several columns at the same flat ``positions`` (see :meth:`take`), by name."""
        if isinstance(self.values, LazyColumns):
            return self.values.take(names, positions)
        where = _inside(positions, int(self.offsets[-1]))
        return {name: self.values[name][where] for name in names}

    def piece(self, name: str, k: int) -> np.ndarray:
        """Column ``name`` on the sessions of series ``k`` (possibly a read-only view)."""
        if isinstance(self.values, LazyColumns):
            return self.values.piece(name, k)
        return self.values[name][self.offsets[k] : self.offsets[k + 1]]

    def positions(self, series: np.ndarray, sessions) -> np.ndarray:
        """Flat positions of ``sessions`` in the given series (-1 where not a session there).

        One search per distinct session calendar over the rows that use it.
        """
        series = np.asarray(series, dtype=np.int64)
        wanted = _ns(sessions)
        out = np.full(len(series), -1, dtype=np.int64)
        group, tables = self._session_tables
        codes = group[series]
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(tables) + 1))
        for g in np.flatnonzero(np.diff(bounds)):
            rows = order[bounds[g] : bounds[g + 1]]
            local, hit = _find(tables[g], wanted[rows])
            out[rows[hit]] = self.offsets[series[rows[hit]]] + local[hit]
        return out

    @cached_property
    def _session_tables(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """Code of each series' sessions object, and each object's dates."""
        code: dict[int, int] = {}
        tables: list[np.ndarray] = []
        for s in self.sessions:
            if id(s) not in code:
                code[id(s)] = len(tables)
                tables.append(_ns(s))
        group = np.array([code[id(s)] for s in self.sessions], dtype=np.int64)
        return group, tables

    @classmethod
    def concat(cls, stores: Sequence[SeriesStore]) -> SeriesStore:
        """The series of ``stores`` one after the other; columns are joined on first access.

        The columns are those of the first store.
        """
        shift = np.cumsum([0] + [int(s.offsets[-1]) for s in stores[:-1]])
        offsets = np.concatenate(
            [[0]] + [s.offsets[1:] + b for s, b in zip(stores, shift, strict=True)]
        ).astype(np.int64)
        first = stores[0].values
        dtypes = first.dtypes if isinstance(first, LazyColumns) else {
            name: values.dtype for name, values in first.items()
        }
        spans = [s.spans for s in stores]
        return cls(
            keys=[k for s in stores for k in s.keys],
            sessions=[d for s in stores for d in s.sessions],
            offsets=offsets,
            values=LazyColumns(dtypes, offsets, _Joined(list(stores))),
            spans=None if None in spans else SpanColumns.concat(spans),
        )


class _Joined:
    """Pieces of several stores, their series numbered one after the other."""

    def __init__(self, stores: list[SeriesStore]) -> None:
        self.stores = stores
        self.first = np.cumsum([0] + [len(s.keys) for s in stores])

    def piece(self, name: str, k: int) -> np.ndarray:
        part = int(np.searchsorted(self.first, k, side="right")) - 1
        return self.stores[part].piece(name, k - int(self.first[part]))

    def fill(self, name: str, k: int, out: np.ndarray) -> None:
        out[:] = self.piece(name, k)


def _gather_by_table(
    codes: np.ndarray,
    shape: tuple[int, ...],
    dtype: np.dtype,
    gather: Callable[[int, slice | np.ndarray], np.ndarray],
) -> np.ndarray:
    """Rows gathered from per-span tables: ``gather(g, rows)`` for the rows of table ``g``.

    ``codes`` (N,) gives each row's table; the result has ``shape`` (N, ...). When
    one table serves every row, the usual case, its gather is the result itself.
    """
    used = np.unique(codes).tolist()
    if len(used) == 1:
        return gather(used[0], slice(None))
    out = np.empty(shape, dtype=dtype)
    for g in used:
        rows = codes == g
        out[rows] = gather(g, rows)
    return out


def _inside(positions: np.ndarray, size: int) -> np.ndarray:
    """``positions`` as int64, refusing any outside ``[0, size)`` (no wrapping around)."""
    where = np.asarray(positions, dtype=np.int64)
    if where.size and (where.min() < 0 or where.max() >= size):
        raise IndexError(f"positions outside the store's {size} sessions")
    return where


def _ns(dates) -> np.ndarray:
    """Dates as datetime64[ns] (a view when they already are)."""
    return np.asarray(dates, dtype="datetime64[ns]")


def _find(have: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each wanted date in the sorted ``have``, and whether it is there."""
    if not len(have):
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    where = np.minimum(np.searchsorted(have, wanted), len(have) - 1)
    return where, have[where] == wanted


def build_series(
    source: PriceSource,
    keys: list[tuple[str, str, str]],
    kind: str,
    diagnostics: Diagnostics,
    factors: pd.DataFrame | None = None,
) -> SeriesStore:
    """Place each (ticker, market, exchange) series on its exchange's sessions.

    Columns: ``ret``/``mret`` (stock and market returns), ``adj``/``madj``,
    ``close``, ``high``, ``low``, ``incomplete``, ``vol``/``mvol`` (share volume,
    missing on incomplete rows) and, when ``factors`` is given, one column per
    factor named ``f:<column>`` (fractions, aligned on the same sessions). Columns
    are made on first access (see :class:`LazyColumns`); every check and diagnostic
    happens here.
    """
    plan = _Plan(check_return_kind(kind), source, diagnostics)
    for key in keys:
        plan.add(*key)
    if factors is not None:
        plan.align_factors(factors, {exchange for _, _, exchange in keys})
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in plan.sessions])]).astype(np.int64)
    dtypes = {name: bool if name == "incomplete" else np.float64 for name in COLUMNS}
    dtypes.update({name: np.float64 for name in plan.factors})
    spans = SpanColumns(frozenset(MARKET_COLUMNS), np.asarray(plan.market_code, dtype=np.int64),
                        plan.market_tables)
    return SeriesStore(list(keys), plan.sessions, offsets, LazyColumns(dtypes, offsets, plan),
                       spans)


class _Plan:
    """Where each series' sessions sit in its price arrays; gives the columns' pieces."""

    def __init__(self, kind: str, source: PriceSource, diagnostics: Diagnostics) -> None:
        self.kind = kind
        self.sessions: list[pd.DatetimeIndex] = []
        self.stocks: list[PriceArrays] = []
        self.rows: list[slice | np.ndarray] = []  # slice: the sessions are consecutive rows
        self.market_code: list[int] = []  # each series' market span
        self.market_tables: list[dict[str, np.ndarray]] = []  # each span's market columns
        self.starts: list[tuple[str, int]] = []  # (exchange, first session's calendar position)
        self.factors: dict[str, dict[str, np.ndarray]] = {}  # f:<name> -> exchange -> values
        self._source, self._diagnostics = source, diagnostics
        self._reported = set(diagnostics.records)
        self._spans: dict[tuple, tuple[pd.DatetimeIndex, np.ndarray, int]] = {}
        self._market_spans: dict[tuple, int] = {}

    def __getstate__(self) -> dict:
        # A store travels (e.g. from a Dask worker) without its source and diagnostics.
        return {**self.__dict__, "_source": None, "_diagnostics": None, "_spans": {},
                "_market_spans": {}, "_reported": set()}

    def add(self, ticker: str, market: str, exchange: str) -> None:
        """Locate one series and report what is missing or extra."""
        stock = self._source.arrays(ticker)
        self._report_notes(ticker, stock.notes)
        first, last = stock.days[[0, -1]].view(np.int64).tolist()  # ints: cheap dict keys
        days, days_ns, start = self._span(exchange, first, last)
        if not len(days):
            raise PriceDataError(
                f"{ticker}: none of its {len(stock.days)} price rows "
                f"({_day(stock.days[0])}..{_day(stock.days[-1])}) falls on a session of "
                f"{exchange}; check the ticker's exchange or the dates"
            )
        rows = _locate(stock.days, days_ns)
        _report_missing_sessions(ticker, days_ns, stock.days, rows, self._diagnostics)
        span = (market, exchange, start, len(days))
        if span not in self._market_spans:
            self._market_spans[span] = len(self.market_tables)
            self.market_tables.append(self._market((ticker, market, exchange), days_ns))
        self.sessions.append(days)
        self.stocks.append(stock)
        self.rows.append(rows)
        self.market_code.append(self._market_spans[span])
        self.starts.append((exchange, start))

    def align_factors(self, factors: pd.DataFrame, exchanges: set[str]) -> None:
        """Factor values on every session of each exchange (NaN where the table has none)."""
        for exchange in sorted(exchanges):
            aligned = factors.reindex(exchange_sessions(exchange).sessions)
            for name in factors.columns:
                values = aligned[name].to_numpy(dtype=np.float64, na_value=np.nan)
                self.factors.setdefault(f"f:{name}", {})[exchange] = values

    def fill(self, name: str, k: int, out: np.ndarray) -> None:
        if name == "ret":  # straight into the column: no temporary per series
            returns_from_prices(self.piece("adj", k), self.kind, out=out)
        else:
            out[:] = self.piece(name, k)

    def piece(self, name: str, k: int) -> np.ndarray:
        if name == "ret":
            return returns_from_prices(self.piece("adj", k), self.kind)
        if name in STOCK_COLUMNS:
            return _on_days(getattr(self.stocks[k], STOCK_COLUMNS[name]), self.rows[k], np.nan)
        if name == "incomplete":
            return _on_days(self.stocks[k].incomplete, self.rows[k], False)
        if name in MARKET_COLUMNS:
            return self.market_tables[self.market_code[k]][name]
        exchange, start = self.starts[k]
        return self.factors[name][exchange][start : start + len(self.sessions[k])]

    def _span(
        self, exchange: str, first: int, last: int
    ) -> tuple[pd.DatetimeIndex, np.ndarray, int]:
        """Sessions of ``exchange`` from ``first`` to ``last`` (ns): ``ExchangeSessions.between``.

        Also the position of the first of them in the exchange's calendar.
        """
        key = (exchange, first, last)
        if key not in self._spans:
            table = exchange_sessions(exchange)
            start, stop = table.positions(pd.Timestamp(first), pd.Timestamp(last))
            days = table.sessions[start:stop]
            self._spans[key] = (days, _ns(days), start)
        return self._spans[key]

    def _market(self, key: tuple[str, str, str], days: np.ndarray) -> dict[str, np.ndarray]:
        """Adjusted closes, returns and volumes of the market index on the stock's sessions."""
        market = key[1]
        if not market:
            missing = np.full(len(days), np.nan)
            missing.flags.writeable = False
            return {"madj": missing, "mvol": missing, "mret": missing}
        index = self._source.arrays(market)
        self._report_notes(market, index.notes)
        _check_market_calendar(key, index.days, days, self._diagnostics)
        rows = _locate(index.days, days)
        gaps = 0 if isinstance(rows, slice) else int((rows < 0).sum())
        if gaps:
            self._diagnostics.add(
                "", market, "market_missing_sessions",
                f"the market index has no price on {gaps} of the stock's sessions "
                f"{_day(days[0])}..{_day(days[-1])}; those days are missing",
            )
        prices = _on_days(index.adj_close, rows, np.nan)
        columns = {"madj": prices, "mvol": _on_days(index.volume, rows, np.nan),
                   "mret": returns_from_prices(prices, self.kind)}
        for values in columns.values():
            values.flags.writeable = False  # pieces shared by every series of the span
        return columns

    def _report_notes(self, ticker: str, notes: tuple[tuple[str, str], ...]) -> None:
        """Copy what price validation handled into the diagnostics, once per series."""
        for kind, detail in notes:
            record = ("", ticker, kind, detail)
            if record not in self._reported:
                self._reported.add(record)
                self._diagnostics.add(*record)


def _locate(have: np.ndarray, days: np.ndarray) -> slice | np.ndarray:
    """Row of each session in the price dates ``have`` (-1 where none).

    A slice when the sessions are consecutive rows, the usual case.
    """
    first, whole = days.view(np.int64)[0], have.view(np.int64)
    start = 0 if whole[0] == first else int(np.searchsorted(whole, first))
    stop = start + len(days)
    if stop <= len(have) and (whole[start:stop] == days.view(np.int64)).all():
        return slice(start, stop)
    where, hit = _find(have, days)
    return np.where(hit, where, -1)


def _on_days(values: np.ndarray, rows: slice | np.ndarray, missing) -> np.ndarray:
    """``values`` at the located rows, ``missing`` where a session has no row."""
    if isinstance(rows, slice):
        return values[rows]
    return np.where(rows >= 0, values[rows], missing)


def _day(value: np.datetime64) -> str:
    return str(np.datetime64(value, "D"))


def _report_missing_sessions(
    ticker: str,
    days: np.ndarray,
    have: np.ndarray,
    rows: slice | np.ndarray,
    diagnostics: Diagnostics,
) -> None:
    if isinstance(rows, slice):
        used = rows.stop - rows.start
    else:
        missing = days[rows < 0]
        if len(missing):
            shown = ", ".join(_day(d) for d in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            diagnostics.add(
                "", ticker, "missing_sessions",
                f"{len(missing)} exchange sessions have no price ({shown}{more}); "
                "their returns and the next session's are missing",
            )
        used = int((rows >= 0).sum())
    if used == len(have):
        return
    unused = np.ones(len(have), dtype=bool)
    unused[rows if isinstance(rows, slice) else rows[rows >= 0]] = False
    extra = have[unused]
    diagnostics.add(
        "", ticker, "non_session_rows",
        f"{len(extra)} price rows fall on days that are not sessions of the exchange "
        f"(first {_day(extra[0])}); they are not used",
    )


def _check_market_calendar(
    key: tuple[str, str, str],
    index_dates: np.ndarray,
    days: np.ndarray,
    diagnostics: Diagnostics,
) -> None:
    """Refuse a market index that trades on another calendar than the stock.

    An index of another exchange (a US index for a Hong Kong stock) has prices on
    days the stock's exchange is closed, and its close on a given date comes hours
    after (or before) the stock's: same-date returns are not synchronous. One or two
    stray rows are a vendor's slip (reported); three or more, and over 1% of the
    index's rows in the stock's date range, mean another calendar.
    """
    ticker, market, exchange = key
    inside = index_dates[np.searchsorted(index_dates, days[0], side="left") :
                         np.searchsorted(index_dates, days[-1], side="right")]
    extra = inside[~_find(days, inside)[1]]
    if not len(extra):
        return
    shown = ", ".join(_day(d) for d in extra[:3])
    if len(extra) >= 3 and len(extra) >= 0.01 * len(inside):
        raise CalendarError(
            f"market index {market} has {len(extra)} of its {len(inside)} prices on days that "
            f"are not {exchange} sessions (e.g. {shown}): it trades on another calendar than "
            f"{ticker}, so their same-date returns are not synchronous; use an index of the "
            f"stock's own exchange ({exchange})"
        )
    diagnostics.add(
        "", market, "market_non_session_rows",
        f"{len(extra)} prices of the index fall on days that are not {exchange} sessions "
        f"({shown}); they are not used",
    )
