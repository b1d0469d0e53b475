"""Returns of many events laid out in event time, as arrays.

An event is an offset into the flat series of :mod:`eventstudy.series`, so its
estimation and event windows are gathered for all events at once with one fancy
index of shape (N, n_tau). Missing values stay NaN and are masked, never
filled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calendar import align
from .design import StudyDesign
from .diagnostics import Diagnostics
from .errors import EventStudyError, EventWindowError, SpecificationError
from .events import Event
from .prices import PriceSource
from .series import SeriesStore, build_series


@dataclass(frozen=True)
class EventRow:
    """An event placed on a session; ``candidate`` is set for unknown timing."""

    event: Event
    session: pd.Timestamp
    candidate: str = ""


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
class EventPanel:
    """Event-time arrays for N events.

    Attributes
    ----------
    rows : list of EventRow
    est_tau, evt_tau : ndarray
        Relative days of the estimation and event-window columns.
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
    pos : ndarray of int (N,)
        Flat position of each event session in ``store``.
    start, stop : ndarray of int (N,)
        Flat bounds of each event's series in ``store``.
    """

    rows: list[EventRow]
    est_tau: np.ndarray
    evt_tau: np.ndarray
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
    pos: np.ndarray
    start: np.ndarray
    stop: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    def select(self, keep: np.ndarray) -> EventPanel:
        """A panel of the rows where ``keep`` is True."""
        return self.take(np.flatnonzero(keep))

    def take(self, rows: np.ndarray) -> EventPanel:
        """A panel of the given rows, in the given order."""
        shared = ("est_tau", "evt_tau", "store")
        fields = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name in shared:
                fields[name] = value
            elif isinstance(value, np.ndarray):
                fields[name] = value[rows]
            else:
                fields[name] = [value[i] for i in rows]
        return EventPanel(**fields)

    def day0_column(self) -> int:
        """Column of the event session (tau = 0) in the event-span arrays.

        Raises
        ------
        SpecificationError
            If no window covers day 0, so the event session is not in the span.
        """
        tau = self.evt_tau
        if not tau[0] <= 0 <= tau[-1]:
            raise SpecificationError(
                f"the event span [{tau[0]}, {tau[-1]}] does not contain the event session "
                "(day 0); add a window that covers day 0, e.g. (0, 0)"
            )
        return int(np.flatnonzero(tau == 0)[0])

    def block(self, which: str) -> PanelBlock:
        """The estimation (``"est"``) or event-span (``"evt"``) rows, for the models."""
        tau = self.est_tau if which == "est" else self.evt_tau
        return PanelBlock(self.store, self.pos[:, None] + tau[None, :], self.start, self.stop)


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
        if shift == 0:  # build_panel checked that every window lies inside its series
            return values[self.idx]
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
    evt_idx = pos[:, None] + evt_tau[None, :]
    price_idx = pos[:, None] + np.arange(lo - 1, hi + 1)[None, :]
    v = store.values
    dates = np.concatenate([s.to_numpy() for s in store.sessions])
    ids = pd.factorize(np.array([r.event.id for r in rows], dtype=object))[0]
    relations = EventRelations(ids, pos, series, design)
    excluded = relations.excluded() if design.exclude_other_events else np.zeros(
        (len(rows), len(est_tau)), dtype=bool
    )
    _report_overlapping_windows(rows, relations, diagnostics)
    return EventPanel(
        rows=rows,
        est_tau=est_tau,
        evt_tau=evt_tau,
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
        excluded_by=relations.excluded_by(rows, excluded),
        store=store,
        pos=pos,
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


def _report_overlapping_windows(rows, relations: EventRelations, diagnostics) -> None:
    """Flag events whose event span contains another event of the same security.

    Their CARs over such windows mix the effects of several announcements.
    """
    lo, hi = relations.span
    for i, others in relations.sessions_in_span():
        names = ", ".join(dict.fromkeys(rows[j].event.id for j in others))
        diagnostics.add(
            rows[i].event.id, rows[i].event.ticker, "overlapping_event_windows",
            f"the event span [{lo}, {hi}] around {rows[i].session.date()} contains the "
            f"session(s) of {names}; CARs over windows that include them mix the announcements",
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


class EventRelations:
    """How the events of one security sit relative to each other, computed with arrays.

    Events sharing an ``id`` (the candidate sessions of one announcement) count as
    one: each announcement covers the union of its candidates' event spans.

    Parameters
    ----------
    ids : ndarray of int (N,)
        Announcement codes (equal for the rows of one announcement).
    pos, series : ndarray of int (N,)
        Flat positions of the event sessions and the series they belong to.
    design : StudyDesign
    """

    def __init__(self, ids: np.ndarray, pos: np.ndarray, series: np.ndarray, design) -> None:
        self.ids, self.pos, self.series = ids, pos, series
        self.estimation, self.span = design.estimation, design.span
        # One covered interval per (series, announcement): [first session + lo, last + hi].
        group = np.unique(series * (int(ids.max()) + 1) + ids, return_inverse=True)[1]
        n_groups = group.max() + 1
        self.group = group
        self.cover_lo = np.full(n_groups, np.iinfo(np.int64).max)
        self.cover_hi = np.full(n_groups, np.iinfo(np.int64).min)
        np.minimum.at(self.cover_lo, group, pos + self.span[0])
        np.maximum.at(self.cover_hi, group, pos + self.span[1])

    def excluded(self) -> np.ndarray:
        """(N, L1) mask of estimation sessions inside other announcements' spans."""
        size = int(self.cover_hi.max()) + 2
        count = np.zeros(size + 1, dtype=np.int32)
        np.add.at(count, self.cover_lo, 1)
        np.add.at(count, self.cover_hi + 1, -1)
        covered = np.cumsum(count)[:size]
        first, last = self.estimation
        est_idx = self.pos[:, None] + np.arange(first, last + 1)[None, :]
        inside = np.clip(est_idx, 0, size - 1)
        own = (est_idx >= self.cover_lo[self.group][:, None]) & (
            est_idx <= self.cover_hi[self.group][:, None]
        )
        return (covered[inside] - own) > 0

    def excluded_by(self, rows, excluded: np.ndarray) -> list[tuple[str, ...]]:
        """Ids of the announcements whose spans were removed from each estimation window."""
        names: list[tuple[str, ...]] = [() for _ in rows]
        first, last = self.estimation
        for i, others in self._meeting(np.flatnonzero(excluded.any(axis=1)),
                                       self.pos + first, self.pos + last):
            names[i] = tuple(dict.fromkeys(rows[j].event.id for j in others))
        return names

    def sessions_in_span(self):
        """(i, rows j of other announcements whose session lies in i's event span)."""
        lo, hi = self.span
        order = np.lexsort((self.pos, self.series))
        key = self.series[order] * (int(self.pos.max()) + hi + 2) + self.pos[order]
        base = self.series * (int(self.pos.max()) + hi + 2)
        a = np.searchsorted(key, base + self.pos + lo, side="left")
        b = np.searchsorted(key, base + self.pos + hi, side="right")
        same = self._same_group_sessions_in_span()
        for i in np.flatnonzero(b - a > same):
            others = [j for j in order[a[i] : b[i]] if self.group[j] != self.group[i]]
            yield i, others

    def _same_group_sessions_in_span(self) -> np.ndarray:
        """How many rows of each row's own announcement lie in its event span."""
        lo, hi = self.span
        counts = np.full(len(self.pos), int(lo <= 0 <= hi), dtype=np.int64)
        for g in np.flatnonzero(np.bincount(self.group) > 1):  # unknown timing, both sessions
            members = np.flatnonzero(self.group == g)
            offsets = self.pos[members][None, :] - self.pos[members][:, None]
            counts[members] = ((offsets >= lo) & (offsets <= hi)).sum(axis=1)
        return counts

    def _meeting(self, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray):
        """For each row i, the rows of other announcements whose covered span meets [lo, hi].

        Rows are sorted by (series, start of covered span); as no covered span is longer
        than ``width``, the candidates of row i start in [lo_i - width, hi_i].
        """
        cover_lo = self.cover_lo[self.group]
        cover_hi = self.cover_hi[self.group]
        width = int((self.cover_hi - self.cover_lo).max())
        scale = int(cover_hi.max()) + width + 2
        order = np.lexsort((cover_lo, self.series))
        key = self.series[order] * scale + cover_lo[order]
        base = self.series * scale
        a = np.searchsorted(key, base + np.maximum(lo - width, 0), side="left")
        b = np.searchsorted(key, base + hi, side="right")
        for i in rows:
            near = order[a[i] : b[i]]
            meets = (cover_hi[near] >= lo[i]) & (self.group[near] != self.group[i])
            yield i, near[meets]
