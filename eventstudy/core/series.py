"""Price and return series of many securities, concatenated into flat arrays.

Every (ticker, market, exchange) series is placed on its exchange's sessions and all
series are concatenated, so that an event is just an offset into the flat arrays
(see :mod:`eventstudy.core.panel`). Missing values stay NaN, never filled; what validation
handled and every missing session is reported in the diagnostics.

The build works on the validated :class:`~eventstudy.sources.table.PriceTable` of all
securities at once: each row's session is found with one lookup per row, and a
series' stock columns are its table rows moved to their sessions (no copy at all when
every row is a session and no session lacks a row). Columns that are the same for
every series of an exchange, the market index's and the factors', are kept once on
the exchange's whole calendar and read through each series' first session. So are
the returns of the regressors a :class:`~eventstudy.core.models.LinearModel` names by
ticker (``x:<ticker>``), placed on each stock's exchange sessions like its market index.
Flat columns are made when first read through ``store.values[name]``;
:meth:`SeriesStore.take` and :meth:`SeriesStore.windows` read a few positions
without making them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from ..blocks import for_each_block
from ..calendar.sessions import exchange_sessions
from ..errors import CalendarError, PriceDataError
from ..sources.source import PriceSource
from ..sources.table import PriceTable, segments
from .design import check_return_kind
from .diagnostics import Diagnostics, counted

STOCK_COLUMNS = {"adj": "adj_close", "close": "close", "high": "high", "low": "low",
                 "vol": "volume", "incomplete": "incomplete"}
MARKET_COLUMNS = ("mret", "madj", "mvol")
COLUMNS = ("ret", "mret", "adj", "madj", "close", "high", "low", "incomplete", "vol", "mvol")
REGRESSOR = "x:"  # prefix of the return column of a regressor named by ticker
_DAY_NS = 86_400 * 10**9


@dataclass(frozen=True, eq=False)
class CalendarColumn:
    """A column kept once per calendar table instead of once per series.

    Attributes
    ----------
    tables : list of ndarray
        Each table's values on every session of its exchange's calendar.
    code : ndarray of int (n_series,)
        The table each series reads.
    """

    tables: list[np.ndarray]
    code: np.ndarray


class LazyColumns(Mapping[str, np.ndarray]):
    """Flat columns made in full on first access and then kept (read-only).

    Parameters
    ----------
    dtypes : mapping of column name to dtype
        The columns there are.
    make : callable
        ``make(name)`` returns the whole flat column.
    """

    def __init__(self, dtypes: Mapping[str, np.dtype], make: Callable[[str], np.ndarray]):
        self.dtypes = {name: np.dtype(dtype) for name, dtype in dtypes.items()}
        self.make = make
        self.built: dict[str, np.ndarray] = {}
        # Worker threads may ask at once; a column may read another (ret reads adj).
        self._making = threading.RLock()

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_making": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _making=threading.RLock())

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.built:
            if name not in self.dtypes:
                raise KeyError(name)
            with self._making:
                if name not in self.built:
                    values = self.make(name)
                    values.flags.writeable = False  # shared by every panel of the store
                    self.built[name] = values
        return self.built[name]

    def __contains__(self, name: object) -> bool:
        return name in self.dtypes

    def __iter__(self) -> Iterator[str]:
        return iter(self.dtypes)

    def __len__(self) -> int:
        return len(self.dtypes)


class Sessions(Sequence[pd.DatetimeIndex]):
    """Each series' sessions as a DatetimeIndex, made when asked for."""

    def __init__(self, store: SeriesStore) -> None:
        self.store = store

    def __len__(self) -> int:
        return len(self.store.keys)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(len(self)))]
        s = self.store
        begin = int(s.begin[k])
        days = s.calendars[int(s.exchange[k])][begin : begin + int(s.offsets[k + 1] - s.offsets[k])]
        return pd.DatetimeIndex(days)


@dataclass(eq=False)
class SeriesStore:
    """Flat, concatenated series (see the module docstring).

    Attributes
    ----------
    keys : list of (ticker, market, exchange)
    offsets : ndarray of int (n_series + 1,)
        Series ``k`` is ``offsets[k]:offsets[k + 1]``.
    exchange : ndarray of int (n_series,)
        Each series' calendar in :attr:`calendars`.
    begin : ndarray of int (n_series,)
        Position of each series' first session in its calendar.
    calendars : list of ndarray of datetime64[ns]
        The session dates of the exchanges used.
    values : mapping of column name to ndarray
        The flat columns: a dict, or :class:`LazyColumns` that makes each on first access.
    on_calendar : mapping of column name to CalendarColumn
        Columns also kept on whole calendars, which :meth:`windows` reads instead of
        making their flat columns.
    calendar_names : list of str
        The exchange of each calendar.
    lead : int
        Sessions a series holds before its first return: 1 for prices (a return needs
        the previous close), 0 for returns given as such.
    taker : callable, optional
        ``taker(name, positions)`` reads a column at a few positions without making it.
    """

    keys: list[tuple[str, str, str]]
    offsets: np.ndarray
    exchange: np.ndarray
    begin: np.ndarray
    calendars: list[np.ndarray]
    values: Mapping[str, np.ndarray]
    on_calendar: Mapping[str, CalendarColumn]
    calendar_names: list[str] = field(default_factory=list)
    lead: int = 1
    taker: Callable[[str, np.ndarray], np.ndarray] | None = None

    @property
    def sessions(self) -> Sessions:
        """Each series' sessions (``sessions[k]`` is a DatetimeIndex)."""
        return Sessions(self)

    def windows(self, name: str, first: np.ndarray, width: int, series: np.ndarray) -> np.ndarray:
        """(N, width) values of column ``name`` at flat positions ``first[i] + 0..width-1``.

        Row i must lie inside ``series[i]``. A column kept on calendars is read from
        them, so its flat column is never made.
        """
        if name not in self.on_calendar or self._built(name):
            return sliding_window_view(self.values[name], width)[first]
        column = self.on_calendar[name]
        at = self.begin[series] + (first - self.offsets[series])
        out = _gather_by_table(
            column.code[series], (len(first), width), column.tables[0].dtype,
            lambda g, rows: sliding_window_view(column.tables[g], width)[at[rows]],
        )
        at_start = first == self.offsets[series]
        if name in self.missing_at_start and at_start.any():
            out = np.array(out)
            out[at_start, 0] = np.nan
        return out

    @property
    def missing_at_start(self) -> tuple[str, ...]:
        """Calendar columns that a series lacks on its first session.

        The market return there spans the day before the stock's first price, which
        the stock's own return (missing there) does not: with prices, both are missing.
        So do the regressors' returns (``x:<ticker>``), made the same way.
        """
        if not self.lead:
            return ()
        return ("mret", *(name for name in self.on_calendar if name.startswith(REGRESSOR)))

    def _built(self, name: str) -> bool:
        return not isinstance(self.values, LazyColumns) or name in self.values.built

    @cached_property
    def series_of(self) -> np.ndarray:
        """The series of every flat position."""
        return np.repeat(np.arange(len(self.keys)), np.diff(self.offsets))

    @property
    def dates(self) -> np.ndarray:
        """Session date of every flat position (datetime64[ns])."""
        return self.dates_at(np.arange(int(self.offsets[-1])), self.series_of)

    def dates_at(self, positions: np.ndarray, series: np.ndarray) -> np.ndarray:
        """Session dates (datetime64[ns]) at flat ``positions`` (N, ...) in ``series`` (N,)."""
        series = np.asarray(series, dtype=np.int64)
        positions = np.asarray(positions, dtype=np.int64)
        shape = (-1,) + (1,) * (positions.ndim - 1)
        at = (self.begin[series] - self.offsets[series]).reshape(shape) + positions
        return _gather_by_table(self.exchange[series], positions.shape,
                                np.dtype("datetime64[ns]"),
                                lambda g, rows: self.calendars[g][at[rows]])

    def take(self, name: str, positions: np.ndarray) -> np.ndarray:
        """Column ``name`` at flat ``positions`` (inside the store), as a new array.

        Unlike ``values[name][positions]`` this need not make the whole column of a
        lazy store: suited to a few values per event (a close, a high).
        """
        return self.take_columns([name], positions)[name]

    def take_columns(self, names: Sequence[str], positions: np.ndarray) -> dict[str, np.ndarray]:
        """Several columns at the same flat ``positions`` (see :meth:`take`), by name."""
        where = _inside(positions, int(self.offsets[-1]))
        out = {}
        for name in names:
            if self.taker is None or self._built(name):
                out[name] = self.values[name][where]
            else:
                out[name] = self.taker(name, where)
        return out

    def piece(self, name: str, k: int) -> np.ndarray:
        """Column ``name`` on the sessions of series ``k``."""
        return self.values[name][self.offsets[k] : self.offsets[k + 1]]

    def positions(self, series: np.ndarray, sessions) -> np.ndarray:
        """Flat positions of ``sessions`` in the given series (-1 where not a session there)."""
        series = np.asarray(series, dtype=np.int64)
        wanted = np.asarray(sessions, dtype="datetime64[ns]")
        out = np.full(len(series), -1, dtype=np.int64)
        codes = self.exchange[series]
        for g in np.unique(codes).tolist():
            rows = np.flatnonzero(codes == g)
            calendar = self.calendars[g]
            at = np.minimum(np.searchsorted(calendar, wanted[rows]), len(calendar) - 1)
            local = at - self.begin[series[rows]]
            length = np.diff(self.offsets)[series[rows]]
            hit = (calendar[at] == wanted[rows]) & (local >= 0) & (local < length)
            out[rows[hit]] = self.offsets[series[rows[hit]]] + local[hit]
        return out

    @classmethod
    def concat(cls, stores: Sequence[SeriesStore]) -> SeriesStore:
        """The series of ``stores`` one after the other; columns are joined on first access."""
        names = list(dict.fromkeys(n for s in stores for n in s.calendar_names))
        calendars = [None] * len(names)
        exchange = []
        for s in stores:
            remap = np.array([names.index(n) for n in s.calendar_names], dtype=np.int64)
            exchange.append(remap[s.exchange] if len(s.exchange) else s.exchange)
            for j, n in enumerate(s.calendar_names):
                calendars[names.index(n)] = s.calendars[j]
        shift = np.cumsum([0] + [int(s.offsets[-1]) for s in stores[:-1]])
        offsets = np.concatenate(
            [[0]] + [s.offsets[1:] + b for s, b in zip(stores, shift, strict=True)]
        ).astype(np.int64)
        first = stores[0].values
        dtypes = first.dtypes if isinstance(first, LazyColumns) else {
            name: values.dtype for name, values in first.items()
        }
        on_calendar = {}
        for name in stores[0].on_calendar:
            parts = [s.on_calendar[name] for s in stores]
            code_shift = np.cumsum([0] + [len(p.tables) for p in parts[:-1]])
            on_calendar[name] = CalendarColumn(
                [t for p in parts for t in p.tables],
                np.concatenate([p.code + b for p, b in zip(parts, code_shift, strict=True)]),
            )
        return cls(
            keys=[k for s in stores for k in s.keys],
            offsets=offsets,
            exchange=np.concatenate(exchange).astype(np.int64),
            begin=np.concatenate([s.begin for s in stores]).astype(np.int64),
            calendars=calendars,
            values=LazyColumns(
                dtypes, lambda name: np.concatenate([s.values[name] for s in stores])
            ),
            on_calendar=on_calendar,
            calendar_names=names,
            lead=stores[0].lead,
        )


def _gather_by_table(
    codes: np.ndarray,
    shape: tuple[int, ...],
    dtype: np.dtype,
    gather: Callable[[int, slice | np.ndarray], np.ndarray],
) -> np.ndarray:
    """Rows gathered from per-code tables: ``gather(g, rows)`` for the rows of table ``g``.

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


def _day(ns: int) -> str:
    return str(np.datetime64(int(ns), "ns").astype("datetime64[D]"))


def build_series(
    source: PriceSource,
    keys: list[tuple[str, str, str]],
    kind: str,
    diagnostics: Diagnostics,
    factors: pd.DataFrame | None = None,
    regressors: Sequence[str] = (),
) -> SeriesStore:
    """Place each (ticker, market, exchange) series on its exchange's sessions.

    The store's ``keys`` are the given ones in the order of the source's table (the
    order of the series in the flat arrays).

    Columns: ``ret``/``mret`` (stock and market returns), ``adj``/``madj``,
    ``close``, ``high``, ``low``, ``incomplete``, ``vol``/``mvol`` (share volume,
    missing on incomplete rows) and, when ``factors`` is given, one column per
    factor named ``f:<column>`` (fractions, aligned on the same sessions). Each
    ticker of ``regressors`` gives a column ``x:<ticker>`` of its returns, made and
    checked as the market index's ``mret`` is: on each stock's exchange sessions,
    refused when the ticker trades on another calendar, its missing sessions
    reported. Columns are made on first access (see :class:`LazyColumns`); every
    check and diagnostic happens here.
    """
    kind = check_return_kind(kind)
    # Asked apart: a source holding the index in a table of its own copies neither.
    stocks = source.table(list(dict.fromkeys(k[0] for k in keys)))
    regressors = list(dict.fromkeys(regressors))
    markets = list(dict.fromkeys([*(k[1] for k in keys if k[1]), *regressors]))
    index = source.table(markets) if markets else stocks
    # In the table's order, the series are usually its rows as they are: no copy.
    order = np.argsort(stocks.positions([k[0] for k in keys]), kind="stable")
    keys = [keys[i] for i in order.tolist()]
    return _Builder(stocks, index, keys, kind, diagnostics, regressors).build(factors)


class _Builder:
    """The placement of every series on its calendar, and the store's columns."""

    def __init__(self, table: PriceTable, markets: PriceTable, keys, kind: str,
                 diagnostics: Diagnostics, regressors: Sequence[str] = ()) -> None:
        self.table, self.markets, self.keys, self.kind = table, markets, list(keys), kind
        self.regressors = list(regressors)
        self._market_rows: dict = {}
        self.diagnostics = diagnostics
        self.reported = set(diagnostics.records)
        self.lead = 0 if table.kind == "returns" else 1
        self.names = list(dict.fromkeys(k[2] for k in self.keys))
        self.calendars = [_calendar_ns(name) for name in self.names]
        code = {name: j for j, name in enumerate(self.names)}
        self.exchange = np.array([code[k[2]] for k in self.keys], dtype=np.int64)
        self.stock = table.positions([k[0] for k in self.keys])

    def build(self, factors: pd.DataFrame | None) -> SeriesStore:
        t = self.table
        first_row, stop_row = t.offsets[self.stock], t.offsets[self.stock + 1]
        self.row_session = self._row_sessions()
        begin, stop = self._spans(first_row, stop_row)
        lengths = stop - begin
        self.offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self.begin = begin
        if self._on_session.all():  # the usual case: every row is a session
            on_count = stop_row - first_row
        else:
            on_before = np.concatenate([[0], np.cumsum(self._on_session)])
            on_count = on_before[stop_row] - on_before[first_row]
        self._locate(first_row, stop_row, lengths, on_count)
        markets = self._markets()
        self._report(first_row, stop_row, lengths, on_count, markets)
        on_calendar = {name: CalendarColumn([m[name] for m in markets.tables], markets.code)
                       for name in MARKET_COLUMNS}
        for ticker in self.regressors:
            on_calendar[REGRESSOR + ticker] = self._regressor(ticker, lengths)
        if factors is not None:
            self._factors(factors, on_calendar)
        dtypes = {name: bool if name == "incomplete" else np.float64 for name in COLUMNS}
        dtypes.update({name: np.float64 for name in on_calendar
                       if name.startswith(("f:", REGRESSOR))})
        store = SeriesStore(
            keys=self.keys, offsets=self.offsets, exchange=self.exchange, begin=begin,
            calendars=[c.view("datetime64[ns]") for c in self.calendars],
            values=LazyColumns(dtypes, self._make), on_calendar=on_calendar,
            calendar_names=self.names, lead=self.lead, taker=self._take,
        )
        self.store = store
        return store

    # ----- placement -------------------------------------------------------------------
    def _row_sessions(self) -> np.ndarray:
        """Calendar position of each table row's date on its exchange (-1: not a session).

        One lookup per row through a table of day numbers; a ticker used on two
        exchanges (rare) takes the first.
        """
        t = self.table
        days = t.days.view(np.int64)
        if len(self.calendars) == 1:  # the usual case: every row at once
            out = _session_lookup(self.calendars[0], days)
        else:
            out = np.full(len(days), -1, dtype=np.int64)
            done = np.zeros(len(t), dtype=bool)
            for g, calendar in enumerate(self.calendars):
                wanted = np.unique(self.stock[self.exchange == g])
                wanted = wanted[~done[wanted]]
                done[wanted] = True
                rows = segments(t.offsets[wanted], t.offsets[wanted + 1] - t.offsets[wanted])
                out[rows] = _session_lookup(calendar, days[rows])
        self._on_session = out >= 0
        return out

    def _spans(self, first_row, stop_row) -> tuple[np.ndarray, np.ndarray]:
        """First and end calendar positions of each series: its first to last price's dates."""
        days = self.table.days.view(np.int64)
        begin = np.empty(len(self.keys), dtype=np.int64)
        stop = np.empty(len(self.keys), dtype=np.int64)
        for g, calendar in enumerate(self.calendars):
            k = np.flatnonzero(self.exchange == g)
            first, last = days[first_row[k]], days[stop_row[k] - 1]
            late = last > calendar[-1]
            if late.any():
                j = k[np.argmax(late)]
                raise CalendarError(
                    f"{self.keys[j][0]}: prices up to {_day(last[np.argmax(late)])} reach beyond "
                    f"the {self.names[g]} calendar ({_day(calendar[0])} to {_day(calendar[-1])}); "
                    "check the dates"
                )
            begin[k] = np.searchsorted(calendar, first, side="left")
            stop[k] = np.searchsorted(calendar, last, side="right")
        empty = stop <= begin
        if empty.any():
            j = int(np.argmax(empty))
            rows = stop_row[j] - first_row[j]
            raise PriceDataError(
                f"{self.keys[j][0]}: none of its {rows} price rows ({_day(days[first_row[j]])}.."
                f"{_day(days[stop_row[j] - 1])}) falls on a session of {self.keys[j][2]}; check "
                "the ticker's exchange or the dates"
            )
        return begin, stop

    def _locate(self, first_row, stop_row, lengths, on_count) -> None:
        """``self.src``: the table row at each flat position (-1: none).

        None when the flat series are consecutive rows of the table, starting at row
        ``self.shift``: the keys' tickers follow each other in the table, each once,
        every row is a session and no session lacks a row (the usual case).
        """
        self.shift = int(first_row[0]) if len(first_row) else 0
        if (np.diff(self.stock) == 1).all() and (lengths == stop_row - first_row).all() and (
                on_count == lengths).all():
            self.src = None
            return
        counts = stop_row - first_row
        rows = segments(first_row, counts)
        series = np.repeat(np.arange(len(self.keys)), counts)
        on = self._on_session[rows]
        rows, series = rows[on], series[on]
        src = np.full(int(self.offsets[-1]), -1, dtype=np.int64)
        src[self.offsets[series] + self.row_session[rows] - self.begin[series]] = rows
        self.src = src

    # ----- columns ---------------------------------------------------------------------
    def _stock(self, field: str, where: np.ndarray | None = None) -> np.ndarray:
        """A table column at flat positions (all, or ``where``); NaN (False) off the rows."""
        values = self.table.columns[field]
        if self.src is None:
            if where is None:
                return values[self.shift : self.shift + int(self.offsets[-1])]
            return values[where + self.shift]
        src = self.src if where is None else self.src[where]
        missing = False if values.dtype == bool else np.nan
        return np.where(src >= 0, values[np.maximum(src, 0)], missing)

    def _make(self, name: str) -> np.ndarray:
        if name == "ret":
            return self._returns()
        if name in STOCK_COLUMNS:
            out = self._stock(STOCK_COLUMNS[name])
            return out.view() if self.src is None else out
        column = self.store.on_calendar[name]
        at = self.begin[self.store.series_of] + (
            np.arange(int(self.offsets[-1])) - self.offsets[self.store.series_of])
        out = _gather_by_table(column.code[self.store.series_of], at.shape,
                               column.tables[0].dtype,
                               lambda g, rows: column.tables[g][at[rows]])
        if name in self.store.missing_at_start:
            out = np.array(out)
            out[self.offsets[:-1]] = np.nan
        return out

    def _take(self, name: str, where: np.ndarray) -> np.ndarray:
        if name in STOCK_COLUMNS:
            return np.array(self._stock(STOCK_COLUMNS[name], where.ravel())).reshape(where.shape)
        return self.store.values[name][where]

    def _returns(self) -> np.ndarray:
        """Session-to-session returns of every series.

        Prices: ``P_t / P_{t-1} - 1`` (simple) or ``ln(P_t / P_{t-1})`` (log), NaN at each
        series' first session, so that a missing price leaves the returns on both sides
        of it missing. Returns given as such are used as given (``ln(1 + R)`` for log);
        a session without a row has none (see :mod:`eventstudy.sources.returns`).
        """
        if not self.lead:
            given = np.array(self._stock("ret"))
            return np.log1p(given, out=given) if self.kind == "log" else given
        adj = self.store.values["adj"]
        out = np.empty(len(adj))
        out[:1] = np.nan
        np.divide(adj[1:], adj[:-1], out=out[1:])
        out[self.offsets[:-1]] = np.nan  # every series has a session
        return np.log(out, out=out) if self.kind == "log" else np.subtract(out, 1.0, out=out)

    # ----- market index and factors ----------------------------------------------------
    def _markets(self) -> _Markets:
        """The market columns of each (market, exchange) on its whole calendar."""
        pairs: dict[tuple[str, int], int] = {}
        code = np.array([pairs.setdefault((k[1], int(g)), len(pairs))
                         for k, g in zip(self.keys, self.exchange, strict=True)], dtype=np.int64)
        tables = [self._market(market, g) for market, g in pairs]
        return _Markets(list(pairs), code, tables)

    def _market(self, market: str, g: int) -> dict[str, np.ndarray]:
        calendar = self.calendars[g]
        madj = np.full(len(calendar), np.nan)
        mvol = np.full(len(calendar), np.nan)
        mret = np.full(len(calendar), np.nan)
        if market:
            table = self.markets
            rows = table.rows(market)
            at = _session_lookup(calendar, table.days[rows].view(np.int64))
            on = at >= 0
            madj[at[on]] = table.columns["adj_close"][rows][on]
            mvol[at[on]] = table.columns["volume"][rows][on]
            if self.lead:
                mret[1:] = madj[1:] / madj[:-1]
                mret = np.log(mret) if self.kind == "log" else mret - 1.0
            else:  # returns given as such, on their sessions
                mret[at[on]] = table.columns["ret"][rows][on]
                if self.kind == "log":
                    mret = np.log1p(mret)
        for values in (madj, mvol, mret):
            values.flags.writeable = False
        return {"madj": madj, "mvol": mvol, "mret": mret}

    def _regressor(self, ticker: str, lengths: np.ndarray) -> CalendarColumn:
        """A regressor's returns on each calendar, checked and reported like an index's.

        The same placement, return and calendar check as the market index (a ticker
        of another exchange is refused); its missing sessions and stray rows are
        reported under the regressor's ticker.
        """
        pairs = [(ticker, g) for g in range(len(self.calendars))]
        tables = [self._market(ticker, g) for g in range(len(self.calendars))]
        extra, gaps = self._market_checks(_Markets(pairs, self.exchange, tables), "regressor")
        self._notes(ticker)
        for j in np.flatnonzero((extra > 0) | (gaps > 0)).tolist():
            if extra[j]:
                self._market_extra(j, int(extra[j]), ticker)
            if gaps[j]:
                self._market_gaps(j, int(gaps[j]), int(lengths[j]), ticker)
        return CalendarColumn([t["mret"] for t in tables], self.exchange)

    def _factors(self, factors: pd.DataFrame, on_calendar: dict) -> None:
        """Factor values on every session of each exchange (NaN where the table has none)."""
        code = self.exchange
        for name in factors.columns:
            tables = []
            for calendar in self.calendars:
                aligned = factors[name].reindex(pd.DatetimeIndex(calendar.view("datetime64[ns]")))
                values = aligned.to_numpy(dtype=np.float64, na_value=np.nan)
                values.flags.writeable = False
                tables.append(values)
            on_calendar[f"f:{name}"] = CalendarColumn(tables, code)

    # ----- diagnostics -----------------------------------------------------------------
    def _report(self, first_row, stop_row, lengths, on_count, markets: _Markets) -> None:
        """Notes, missing sessions and extra rows, key by key for the keys with any."""
        self._notes("")  # about the whole table (e.g. returns without prices)
        rows = stop_row - first_row
        missing = lengths - on_count
        extra = rows - on_count
        market_extra, market_gaps = self._market_checks(markets)
        noted = set(self.table.notes) | set(self.markets.notes)
        flagged = (missing > 0) | (extra > 0) | (market_extra > 0) | (market_gaps > 0) | np.array(
            [k[0] in noted or k[1] in noted for k in self.keys], dtype=bool)
        for j in np.flatnonzero(flagged).tolist():
            ticker, market, exchange = self.keys[j]
            self._notes(ticker)
            if missing[j]:
                self._missing_sessions(j, int(missing[j]))
            if extra[j]:
                self._extra_rows(j, int(extra[j]))
            if market:
                self._notes(market)
                if market_extra[j]:
                    self._market_extra(j, int(market_extra[j]))
                if market_gaps[j]:
                    self._market_gaps(j, int(market_gaps[j]), int(lengths[j]))

    def _add(self, ticker: str, kind: str, detail: str) -> None:
        record = ("", ticker, kind, detail)
        if record not in self.reported:
            self.reported.add(record)
            self.diagnostics.add(*record)

    def _notes(self, ticker: str) -> None:
        """Copy what validation handled into the diagnostics, once per series."""
        notes = self.table.notes.get(ticker) or self.markets.notes.get(ticker, ())
        for kind, detail in notes:
            self._add(ticker, kind, detail)

    def _missing_sessions(self, j: int, count: int) -> None:
        k = int(self.stock[j])
        rows = slice(int(self.table.offsets[k]), int(self.table.offsets[k + 1]))
        have = np.zeros(int(self.offsets[j + 1] - self.offsets[j]), dtype=bool)
        at = self.row_session[rows]
        have[at[at >= 0] - self.begin[j]] = True
        days = self.calendars[self.exchange[j]][self.begin[j] + np.flatnonzero(~have)]
        shown = ", ".join(_day(d) for d in days[:5])
        more = f" and {count - 5} more" if count > 5 else ""
        one = count == 1
        sessions = f"{counted(count, 'exchange session')} {'has' if one else 'have'}"
        detail = (f"{sessions} no price ({shown}{more}); {'its return' if one else 'their returns'}"
                  " and the next session's are missing") if self.lead else (
            f"{sessions} no row ({shown}{more}); {'it has' if one else 'they have'} no return")
        self._add(self.keys[j][0], "missing_sessions", detail)

    def _extra_rows(self, j: int, count: int) -> None:
        k = int(self.stock[j])
        rows = slice(int(self.table.offsets[k]), int(self.table.offsets[k + 1]))
        off = np.flatnonzero(self.row_session[rows] < 0)
        first = self.table.days[rows][off[0]].view(np.int64)
        rows = counted(count, f"{'price' if self.lead else 'return'} row")
        self._add(self.keys[j][0], "non_session_rows", (
            f"{rows} falls on a day that is not a session of the exchange ({_day(first)}); "
            "it is not used") if count == 1 else (
            f"{rows} fall on days that are not sessions of the exchange (first {_day(first)}); "
            "they are not used"))

    def _market_checks(
        self, markets: _Markets, what: str = "market index"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per series: index rows off the stock's calendar, and sessions the index lacks.

        An index of another exchange (a US index for a Hong Kong stock) has prices on
        days the stock's exchange is closed, and its close on a given date comes hours
        after (or before) the stock's: same-date returns are not synchronous. One or two
        stray rows are a vendor's slip (reported); three or more, and over 1% of the
        index's rows in the stock's date range, mean another calendar: an error.
        """
        n = len(self.keys)
        extra, gaps = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
        for p, (market, g) in enumerate(markets.pairs):
            k = np.flatnonzero(markets.code == p)
            if not market:
                continue
            calendar = self.calendars[g]
            rows = self.markets.rows(market)
            index_days = self.markets.days[rows].view(np.int64)
            off = _session_lookup(calendar, index_days) < 0
            self._market_rows[market, g] = (index_days, off)
            cum = np.concatenate([[0], np.cumsum(off)])
            lo = calendar[self.begin[k]]
            hi = calendar[self.begin[k] + np.diff(self.offsets)[k] - 1]
            a = np.searchsorted(index_days, lo, side="left")
            b = np.searchsorted(index_days, hi, side="right")
            extra[k] = cum[b] - cum[a]
            wrong = (extra[k] >= 3) & (extra[k] >= 0.01 * (b - a))
            if wrong.any():
                j = int(k[np.argmax(wrong)])
                i = int(np.argmax(wrong))
                shown = ", ".join(_day(d) for d in index_days[a[i]:b[i]][off[a[i]:b[i]]][:3])
                use = "an index" if what == "market index" else "a series"
                raise CalendarError(
                    f"{what} {market} has {int(extra[j])} of its {int(b[i] - a[i])} prices "
                    f"on days that are not {self.names[g]} sessions (e.g. {shown}): it trades on "
                    f"another calendar than {self.keys[j][0]}, so their same-date returns are not "
                    f"synchronous; use {use} of the stock's own exchange ({self.names[g]})"
                )
            missing = np.concatenate([[0], np.cumsum(np.isnan(markets.tables[p]["madj"]))])
            gaps[k] = missing[self.begin[k] + np.diff(self.offsets)[k]] - missing[self.begin[k]]
        return extra, gaps

    def _market_gaps(self, j: int, count: int, length: int, ticker: str | None = None) -> None:
        """Sessions of key ``j``'s span on which its index (or the regressor ``ticker``)
        has no price."""
        days = self.calendars[self.exchange[j]]
        span = f"{_day(days[self.begin[j]])}..{_day(days[self.begin[j] + length - 1])}"
        if ticker is None:
            name, what, whose = self.keys[j][1], "the market index", "the stock's"
        else:
            name, what, whose = ticker, f"the regressor {ticker}", f"{self.keys[j][0]}'s"
        self._add(name, "market_missing_sessions",
                  f"{what} has no price on {count} of {whose} sessions {span}; those days "
                  "are missing")

    def _market_extra(self, j: int, count: int, ticker: str | None = None) -> None:
        market, g = ticker or self.keys[j][1], int(self.exchange[j])
        index_days, off = self._market_rows[market, g]
        calendar = self.calendars[g]
        lo = calendar[self.begin[j]]
        hi = calendar[self.begin[j] + int(self.offsets[j + 1] - self.offsets[j]) - 1]
        a, b = np.searchsorted(index_days, [lo, hi + 1])
        shown = ", ".join(_day(d) for d in index_days[a:b][off[a:b]][:3])
        what = "the index" if ticker is None else f"the regressor {ticker}"
        self._add(market, "market_non_session_rows", (
            f"1 price of {what} falls on a day that is not a session of {self.names[g]} "
            f"({shown}); it is not used") if count == 1 else (
            f"{count} prices of {what} fall on days that are not {self.names[g]} sessions "
            f"({shown}); they are not used"))


@dataclass(frozen=True)
class _Markets:
    pairs: list[tuple[str, int]]
    code: np.ndarray
    tables: list[dict[str, np.ndarray]]


def _calendar_ns(exchange: str) -> np.ndarray:
    return exchange_sessions(exchange).sessions.as_unit("ns").asi8


def _session_lookup(calendar: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Position of each day (int64 ns at midnight) in the calendar; -1 if not a session.

    Through a table indexed by day number: one gather per row instead of a search.
    """
    first = calendar[0] // _DAY_NS
    table = np.full(int(calendar[-1] // _DAY_NS - first + 1), -1, dtype=np.int64)
    table[calendar // _DAY_NS - first] = np.arange(len(calendar))
    out = np.empty(len(days), dtype=np.int64)

    def look(rows: slice) -> None:  # in blocks on threads: a division and a gather per row
        index = days[rows] // _DAY_NS - first
        inside = (index >= 0) & (index < len(table))
        out[rows] = table[index] if inside.all() else np.where(
            inside, table[np.clip(index, 0, len(table) - 1)], -1)

    for_each_block(look, len(days), 1, 1 << 18)
    return out
