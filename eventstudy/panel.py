"""Returns of many events laid out in event time, as arrays.

Every (ticker, market) series is placed on its exchange's sessions and all series
are concatenated into flat arrays; an event is then just an offset into them, so
its estimation and event windows are gathered for all events at once with one
fancy index of shape (N, n_tau). Missing values stay NaN and are masked, never
filled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calendar import align
from .design import StudyDesign
from .diagnostics import Diagnostics
from .errors import CalendarError, EventStudyError, EventWindowError
from .events import Event
from .prices import PriceSource, price_notes
from .returns import returns_from_prices, sessions_between


@dataclass(frozen=True)
class EventRow:
    """An event placed on a session; ``candidate`` is set for unknown timing."""

    event: Event
    session: pd.Timestamp
    candidate: str = ""

    @property
    def label(self) -> str:
        suffix = f" [{self.candidate} session]" if self.candidate else ""
        return f"{self.event.key}{suffix}"


def align_events(events: tuple[Event, ...], unknown_timing: str) -> list[EventRow]:
    """One row per event and studied session (two for ``unknown_timing='both'``)."""
    aligned = align(events, unknown_timing)
    return [
        EventRow(events[i], session, label)
        for i, session, label in zip(
            aligned["event"], aligned["session"], aligned["candidate"], strict=True
        )
    ]


@dataclass
class SeriesStore:
    """Flat, concatenated per-series arrays (see module docstring)."""

    keys: list[tuple[str, str, str]]
    sessions: list[pd.DatetimeIndex]
    offsets: np.ndarray
    values: dict[str, np.ndarray]

    def positions(self, series: np.ndarray, sessions: pd.DatetimeIndex) -> np.ndarray:
        """Flat positions of ``sessions`` in the given series (-1 where not a session there)."""
        out = np.full(len(series), -1, dtype=np.int64)
        for i in np.unique(series):
            rows = np.flatnonzero(series == i)
            where = self.sessions[i].get_indexer(sessions[rows])
            out[rows] = np.where(where < 0, -1, self.offsets[i] + where)
        return out


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
    factor named ``f:<column>`` (fractions, aligned on the same sessions).
    """
    parts: dict[str, list[np.ndarray]] = {}
    sessions = []
    for ticker, market, exchange in keys:
        stock = source.get(ticker)
        _report_notes(ticker, stock, diagnostics)
        days = sessions_between(exchange, stock.index[0], stock.index[-1])
        _report_missing_sessions(ticker, days, stock.index, diagnostics)
        stock = stock.reindex(days)
        index_prices, index_volume = _market_prices(
            source, (ticker, market, exchange), days, diagnostics
        )
        columns = {
            "ret": returns_from_prices(stock["adj_close"].to_numpy(), kind),
            "mret": returns_from_prices(index_prices, kind),
            "adj": stock["adj_close"].to_numpy(),
            "madj": index_prices,
            "close": stock["close"].to_numpy(),
            "high": stock["high"].to_numpy(),
            "low": stock["low"].to_numpy(),
            "incomplete": stock["incomplete"].to_numpy(dtype=bool, na_value=False),
            "vol": stock["volume"].to_numpy(),
            "mvol": index_volume,
        }
        if factors is not None:
            aligned = factors.reindex(days)
            columns.update({f"f:{name}": aligned[name].to_numpy() for name in factors.columns})
        for name, values in columns.items():
            parts.setdefault(name, []).append(values)
        sessions.append(days)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sessions])])
    values = {name: np.concatenate(chunks) for name, chunks in parts.items()}
    return SeriesStore(keys, sessions, offsets, values)


def _report_missing_sessions(
    ticker: str, days: pd.DatetimeIndex, have: pd.DatetimeIndex, diagnostics: Diagnostics
) -> None:
    missing = days.difference(have)
    if len(missing):
        shown = ", ".join(str(d.date()) for d in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        diagnostics.add(
            "", ticker, "missing_sessions",
            f"{len(missing)} exchange sessions have no price ({shown}{more}); "
            "their returns and the next session's are missing",
        )
    extra = have.difference(days)
    if len(extra):
        diagnostics.add(
            "", ticker, "non_session_rows",
            f"{len(extra)} price rows fall on days that are not sessions of the exchange "
            f"(first {extra[0].date()}); they are not used",
        )


def _report_notes(ticker: str, frame: pd.DataFrame, diagnostics: Diagnostics) -> None:
    """Copy what price validation handled into the diagnostics, once per series."""
    for kind, detail in price_notes(frame):
        record = ("", ticker, kind, detail)
        if record not in diagnostics.records:
            diagnostics.add(*record)


def _market_prices(
    source: PriceSource,
    key: tuple[str, str, str],
    days: pd.DatetimeIndex,
    diagnostics: Diagnostics,
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted closes and volumes of the market index on the stock's sessions."""
    market = key[1]
    if not market:
        return np.full(len(days), np.nan), np.full(len(days), np.nan)
    frame = source.get(market)
    _report_notes(market, frame, diagnostics)
    _check_market_calendar(key, frame.index, days, diagnostics)
    index = frame.reindex(days)
    prices = index["adj_close"]
    gaps = int(prices.isna().sum())
    if gaps:
        diagnostics.add(
            "", market, "market_missing_sessions",
            f"the market index has no price on {gaps} of the stock's sessions "
            f"{days[0].date()}..{days[-1].date()}; those days are missing",
        )
    return prices.to_numpy(), index["volume"].to_numpy()


def _check_market_calendar(
    key: tuple[str, str, str],
    index_dates: pd.DatetimeIndex,
    days: pd.DatetimeIndex,
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
    inside = index_dates[(index_dates >= days[0]) & (index_dates <= days[-1])]
    extra = inside.difference(days)
    if not len(extra):
        return
    shown = ", ".join(str(d.date()) for d in extra[:3])
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


@dataclass
class EventPanel:
    """Event-time arrays for N events.

    Attributes
    ----------
    rows : list of EventRow
    est_tau, evt_tau : ndarray
        Relative days of the estimation and event-window columns.
    est_ret, est_mret : ndarray (N, len(est_tau))
        Stock and market returns in the estimation window.
    excluded : ndarray of bool (N, len(est_tau))
        Estimation sessions removed because other events of the security cover them.
    evt_ret, evt_mret : ndarray (N, len(evt_tau))
        Stock and market returns in the event span.
    evt_dates : ndarray of datetime64 (N, len(evt_tau))
    adj, madj : ndarray (N, len(evt_tau) + 1)
        Adjusted closes of stock and market from the session before the span.
    prev_close, high, low : ndarray (N,)
        Previous session's close and the event session's high and low.
    incomplete : ndarray of bool (N,)
        The event session's price row is a placeholder without intraday range.
    excluded_by : list of tuple of str
        Ids of the other events whose spans were removed from each estimation window.
    store : SeriesStore
        The flat series the windows were gathered from.
    est_idx, evt_idx : ndarray of int (N, n_tau)
        Flat positions of the estimation and event-span sessions in ``store``.
    start, stop : ndarray of int (N,)
        Flat bounds of each event's series in ``store``.
    """

    rows: list[EventRow]
    est_tau: np.ndarray
    evt_tau: np.ndarray
    est_ret: np.ndarray
    est_mret: np.ndarray
    excluded: np.ndarray
    evt_ret: np.ndarray
    evt_mret: np.ndarray
    evt_dates: np.ndarray
    adj: np.ndarray
    madj: np.ndarray
    prev_close: np.ndarray
    high: np.ndarray
    low: np.ndarray
    incomplete: np.ndarray
    excluded_by: list[tuple[str, ...]]
    store: SeriesStore
    est_idx: np.ndarray
    evt_idx: np.ndarray
    start: np.ndarray
    stop: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    def select(self, keep: np.ndarray) -> EventPanel:
        """A panel of the rows where ``keep`` is True."""
        picked = np.flatnonzero(keep)
        shared = ("est_tau", "evt_tau", "store")
        fields = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name in shared:
                fields[name] = value
            elif isinstance(value, np.ndarray):
                fields[name] = value[picked]
            else:
                fields[name] = [value[i] for i in picked]
        return EventPanel(**fields)

    def block(self, which: str) -> PanelBlock:
        """The estimation (``"est"``) or event-span (``"evt"``) rows, for the models."""
        idx = self.est_idx if which == "est" else self.evt_idx
        return PanelBlock(self.store, idx, self.start, self.stop)


@dataclass
class PanelBlock:
    """Columns of the series store at given flat positions, with shifted views."""

    store: SeriesStore
    idx: np.ndarray
    start: np.ndarray
    stop: np.ndarray

    def column(self, name: str, shift: int = 0) -> np.ndarray:
        """Column ``name`` at each position moved by ``shift`` sessions (NaN off the series).

        Raises
        ------
        KeyError
            If the store has no such column (e.g. a factor that was not supplied).
        """
        values = self.store.values[name]
        where = self.idx + shift
        inside = (where >= self.start[:, None]) & (where < self.stop[:, None])
        return np.where(inside, values[np.where(inside, where, 0)], np.nan)


def build_panel(
    events: tuple[Event, ...],
    source: PriceSource,
    design: StudyDesign,
    diagnostics: Diagnostics,
    factors: pd.DataFrame | None = None,
) -> EventPanel:
    """Align events, gather their windows and apply the design's exclusions.

    Events whose windows are not covered by the data raise
    :class:`EventWindowError` (or are skipped and reported with ``on_error='skip'``).
    """
    rows = align_events(events, design.unknown_timing)
    keys = list(dict.fromkeys((r.event.ticker, r.event.market, r.event.exchange) for r in rows))
    store = build_series(source, keys, design.returns, diagnostics, factors)
    lo, hi = design.span
    first, last = design.estimation
    key_of = {key: i for i, key in enumerate(keys)}
    series = np.array([key_of[(r.event.ticker, r.event.market, r.event.exchange)] for r in rows])
    pos = store.positions(series, pd.DatetimeIndex([r.session for r in rows]))
    ok = _check_coverage(rows, pos, series, store, (first, hi), design, diagnostics)
    rows, pos, series = [r for r, k in zip(rows, ok, strict=True) if k], pos[ok], series[ok]
    if not rows:
        raise EventWindowError("no event could be studied; see the reasons above")
    _report_trading_gaps(rows, pos, store, design, diagnostics)
    est_tau = np.arange(first, last + 1)
    evt_tau = np.arange(lo, hi + 1)
    est_idx = pos[:, None] + est_tau[None, :]
    evt_idx = pos[:, None] + evt_tau[None, :]
    price_idx = pos[:, None] + np.arange(lo - 1, hi + 1)[None, :]
    v = store.values
    dates = np.concatenate([s.to_numpy() for s in store.sessions])
    excluded, excluded_by = _other_event_exclusion(rows, pos, series, design)
    _report_overlapping_windows(rows, pos, series, design.span, diagnostics)
    return EventPanel(
        rows=rows,
        est_tau=est_tau,
        evt_tau=evt_tau,
        est_ret=v["ret"][est_idx],
        est_mret=v["mret"][est_idx],
        excluded=excluded,
        evt_ret=v["ret"][evt_idx],
        evt_mret=v["mret"][evt_idx],
        evt_dates=dates[evt_idx],
        adj=v["adj"][price_idx],
        madj=v["madj"][price_idx],
        prev_close=v["close"][pos - 1],
        high=v["high"][pos],
        low=v["low"][pos],
        incomplete=v["incomplete"][pos],
        excluded_by=excluded_by,
        store=store,
        est_idx=est_idx,
        evt_idx=evt_idx,
        start=store.offsets[series],
        stop=store.offsets[series + 1],
    )


def _check_coverage(rows, pos, series, store, needed, design, diagnostics) -> np.ndarray:
    """Which rows have their whole estimation-to-event span inside their series."""
    start = store.offsets[series]
    stop = store.offsets[series + 1]
    ok = (pos >= 0) & (pos + needed[0] - 1 >= start) & (pos + needed[1] < stop)
    for i in np.flatnonzero(~ok):
        error = _coverage_error(rows[i], store.sessions[series[i]], pos[i] - start[i], needed)
        if design.on_error == "raise":
            raise error
        diagnostics.add(rows[i].event.id, rows[i].event.ticker, "event_skipped", str(error))
    return ok


def _coverage_error(row: EventRow, days: pd.DatetimeIndex, where: int, needed) -> EventStudyError:
    event, session = row.event, row.session.date()
    head = f"event {event.id} ({event.ticker}, session {session})"
    span = f"{days[0].date()} to {days[-1].date()}"
    if where < 0:
        return EventWindowError(f"{head}: the event session is outside the price data ({span})")
    if where + needed[0] - 1 < 0:
        return EventWindowError(
            f"{head}: the estimation window needs {1 - needed[0]} sessions of prices before the "
            f"event session but the data ({span}) has {where}; use a shorter or later estimation "
            "window or longer price history"
        )
    return EventWindowError(
        f"{head}: the event window needs {needed[1]} sessions after the event session but the "
        f"data ({span}) ends after {len(days) - 1 - where}"
    )


def _report_overlapping_windows(rows, pos, series, span, diagnostics: Diagnostics) -> None:
    """Flag events whose event span contains another event of the same security.

    Their CARs over such windows mix the effects of several announcements.
    """
    lo, hi = span
    for s in np.unique(series):
        members = np.flatnonzero(series == s)
        for i in members:
            inside = [
                rows[j].event.id for j in members
                if rows[j].event.id != rows[i].event.id and lo <= pos[j] - pos[i] <= hi
            ]
            if inside:
                diagnostics.add(
                    rows[i].event.id, rows[i].event.ticker, "overlapping_event_windows",
                    f"the event span [{lo}, {hi}] around {rows[i].session.date()} contains "
                    f"the session(s) of {', '.join(dict.fromkeys(inside))}; CARs over windows "
                    "that include them mix the announcements",
                )


def _report_trading_gaps(rows, pos, store, design, diagnostics) -> None:
    """Report runs of more than ``design.max_gap`` sessions without a price in a window.

    Such a run is a halt or suspension (or a hole in the data): the returns across it
    are missing, and the move over the whole gap is attributed to no day. Runs are
    found once on the flat series (each series starts and ends with a price, so no run
    crosses from one series into the next); events are then checked with one cumulative
    count, without gathering their windows.
    """
    first, last = design.estimation
    lo, hi = design.span
    runs = np.array(
        [r for r in _runs(np.isnan(store.values["adj"])) if r[1] - r[0] > design.max_gap],
        dtype=np.int64,
    ).reshape(-1, 2)
    if not len(runs):
        return
    in_run = np.zeros(len(store.values["adj"]) + 1, dtype=np.int64)
    np.add.at(in_run, runs[:, 0], 1)
    np.add.at(in_run, runs[:, 1], -1)
    covered = np.concatenate([[0], np.cumsum(np.cumsum(in_run)[:-1])])
    begin, end = pos + first - 1, pos + hi  # the span of prices the windows use
    dates = np.concatenate([s.to_numpy() for s in store.sessions])
    for i in np.flatnonzero(covered[end + 1] - covered[begin] > 0):
        for a, b in runs[(runs[:, 0] <= end[i]) & (runs[:, 1] > begin[i])]:
            ta, tb = a - pos[i], b - 1 - pos[i]
            diagnostics.add(
                rows[i].event.id, rows[i].event.ticker, "trading_gap",
                f"no price on {b - a} consecutive sessions {pd.Timestamp(dates[a]).date()}.."
                f"{pd.Timestamp(dates[b - 1]).date()} (relative days {ta} to {tb}, "
                f"{_gap_place(ta, tb, last, lo)}): a halt or suspension? Returns across the "
                "gap are missing and the move over it is attributed to no day",
            )


def _gap_place(a: int, b: int, last_estimation: int, first_event: int) -> str:
    if a >= first_event:
        return "in the event window"
    if b <= last_estimation:
        return "in the estimation window"
    if a > last_estimation and b < first_event:
        return "between the estimation and event windows"
    return "across the estimation and event windows"


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` of each run of True values."""
    edges = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _other_event_exclusion(rows, pos, series, design) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Mask estimation sessions covered by the spans of the same security's other events."""
    first, last = design.estimation
    lo, hi = design.span
    n_est = last - first + 1
    excluded = np.zeros((len(rows), n_est), dtype=bool)
    excluded_by: list[tuple[str, ...]] = [() for _ in rows]
    if not design.exclude_other_events:
        return excluded, excluded_by
    ids = np.array([r.event.id for r in rows], dtype=object)
    for s in np.unique(series):
        members = np.flatnonzero(series == s)
        order = members[np.argsort(pos[members], kind="stable")]
        sorted_pos = pos[order]
        for i in members:
            # Other events whose span [p+lo, p+hi] meets i's estimation window.
            a = np.searchsorted(sorted_pos, pos[i] + first - hi, side="left")
            b = np.searchsorted(sorted_pos, pos[i] + last - lo, side="right")
            others = [j for j in order[a:b] if ids[j] != ids[i]]
            for j in others:
                rel_lo = pos[j] + lo - pos[i] - first
                rel_hi = pos[j] + hi - pos[i] - first
                excluded[i, max(rel_lo, 0) : min(rel_hi, n_est - 1) + 1] = True
            excluded_by[i] = tuple(dict.fromkeys(ids[j] for j in others))
    return excluded, excluded_by
