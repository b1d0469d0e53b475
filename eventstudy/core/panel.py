"""Returns of many events laid out in event time, as arrays.

An event is an offset into the flat series of :mod:`eventstudy.core.series`, so its
estimation and event windows are gathered for all events at once with one fancy
index of shape (N, n_tau). Missing values stay NaN and are masked, never
filled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..blocks import compact_rows, for_each_block
from ..calendar.align import align
from ..calendar.days import iso_days
from ..errors import EventStudyError, EventWindowError, SpecificationError
from ..events.event import Event, announced_labels
from ..sources import PriceSource
from .design import StudyDesign
from .diagnostics import Diagnostics
from .series import SeriesStore, build_series


@dataclass(frozen=True)
class EventRow:
    """An event placed on a session; ``candidate`` is set for unknown timing."""

    event: Event
    session: pd.Timestamp
    candidate: str = ""


class EventRows(Sequence[EventRow]):
    """A panel's rows as :class:`EventRow` objects, made only when asked for.

    The panel itself keeps its rows as arrays (event position, session, candidate):
    a study of 100,000 events needs no 100,000 objects, while reports and messages
    about a few rows can still read ``rows[i].event.id``.
    """

    def __init__(self, events: Sequence[Event], event: np.ndarray, session: np.ndarray,
                 candidate: np.ndarray) -> None:
        self.events, self.event, self.session, self.candidate = events, event, session, candidate

    def __len__(self) -> int:
        return len(self.event)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return EventRow(
            self.events[self.event[i]], pd.Timestamp(self.session[i]), str(self.candidate[i])
        )

    @cached_property
    def id(self) -> np.ndarray:
        """Event id of each row (object array)."""
        return _object_array([e.id for e in self.events])[self.event]

    @cached_property
    def ticker(self) -> np.ndarray:
        """Ticker of each row (object array)."""
        return _object_array([e.ticker for e in self.events])[self.event]

    @cached_property
    def day(self) -> np.ndarray:
        """Event session of each row as an ISO date string."""
        return _iso_sessions(self.session)


def _iso_sessions(sessions: np.ndarray) -> np.ndarray:
    """ISO date strings (object array) of datetime64 sessions."""
    return iso_days(sessions.astype("datetime64[D]").astype(np.int64))


def _object_array(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def event_attributes(events: Sequence[Event]) -> dict[str, np.ndarray]:
    """Columns of the events' labels (object arrays, one entry per event)."""
    return {
        "case": _object_array([e.case for e in events]),
        "event_id": _object_array([e.id for e in events]),
        "ticker": _object_array([e.ticker for e in events]),
        "event_type": _object_array([e.type for e in events]),
        "announced": _object_array(announced_labels(events)),
    }


@dataclass
class EventPanel:
    """Event-time arrays for N events.

    Attributes
    ----------
    events : tuple of Event
        The events the rows refer to (shared by panels taken from this one).
    event : ndarray of int (N,)
        Position of each row's event in ``events``.
    session : ndarray of datetime64 (N,)
        Each row's event session.
    candidate : ndarray of str (N,)
        "" for events of known timing, else "earliest" or "latest".
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

    events: tuple[Event, ...]
    event: np.ndarray
    session: np.ndarray
    candidate: np.ndarray
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
        return len(self.event)

    @property
    def rows(self) -> EventRows:
        """The rows as :class:`EventRow` objects, made on access."""
        return EventRows(self.events, self.event, self.session, self.candidate)

    @cached_property
    def labels(self) -> pd.DataFrame:
        """Per row: case, event_id, ticker, event_type, announced, event_session, candidate."""
        frame = pd.DataFrame(
            {name: values[self.event] for name, values in event_attributes(self.events).items()}
        )
        frame["event_session"] = self.rows.day
        frame["candidate"] = self.candidate
        return frame

    def select(self, keep: np.ndarray) -> EventPanel:
        """A panel of the rows where ``keep`` is True."""
        return self.take(np.flatnonzero(keep))

    def take(self, rows: np.ndarray) -> EventPanel:
        """A panel of the given rows, in the given order."""
        return self._with_rows(rows, lambda values: values[rows])

    def compact(self, keep: np.ndarray) -> EventPanel:
        """:meth:`select` made in this panel's own arrays, which it then no longer describes.

        As :meth:`eventstudy.core.models.ModelFit.compact`: for a panel nothing else
        refers to, e.g. fresh from :func:`build_panel`.
        """
        return self._with_rows(np.flatnonzero(keep), lambda values: compact_rows(values, keep))

    def _with_rows(
        self, rows: np.ndarray, arrays: Callable[[np.ndarray], np.ndarray]
    ) -> EventPanel:
        shared = ("events", "est_tau", "evt_tau", "store")
        fields = {}
        for name in self.__dataclass_fields__:  # (labels, a cached property, is not copied)
            value = getattr(self, name)
            if name in shared:
                fields[name] = value
            elif isinstance(value, np.ndarray):
                fields[name] = arrays(value)
            else:
                fields[name] = [value[i] for i in rows]
        return EventPanel(**fields)

    def gross_return(self, first: int, last: int, market: bool = False,
                     log: bool = False) -> np.ndarray:
        """Each row's gross return ``1 + R`` from the close before day ``first`` to day ``last``.

        From prices, the ratio of the two closes, whatever lies between. From returns
        given as such (``store.lead == 0``), the daily returns compounded; a day without
        one leaves the window without a return, as for buy-and-hold returns. ``log``
        says that the panel's returns are log returns.
        """
        lo = int(self.evt_tau[0])
        if self.store.lead:
            prices = self.madj if market else self.adj
            return prices[:, last - lo + 1] / prices[:, first - lo]
        daily = (self.evt_mret if market else self.evt_ret)[:, first - lo : last - lo + 1]
        return np.exp(daily.sum(axis=1)) if log else np.prod(1.0 + daily, axis=1)

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
        if which == "est":
            return PanelBlock(self.store, self.pos, self.est_tau, self.start, self.stop)
        # the event-span returns are gathered already
        gathered = {("ret", 0): self.evt_ret, ("mret", 0): self.evt_mret}
        return PanelBlock(self.store, self.pos, self.evt_tau, self.start, self.stop, gathered)


@dataclass
class PanelBlock:
    """Columns of the series store over consecutive relative days of each event.

    Row i covers the flat positions ``pos[i] + tau`` (``tau`` consecutive); each
    gathered column is kept, read-only, so that the estimation sample and the model
    fit read the same arrays without gathering them twice.
    """

    store: SeriesStore
    pos: np.ndarray
    tau: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    _gathered: dict = field(default_factory=dict, repr=False)

    def column(self, name: str, shift: int = 0) -> np.ndarray:
        """Column ``name`` at each position moved by ``shift`` sessions (NaN off the series).

        Raises
        ------
        KeyError
            If the store has no such column (e.g. a factor that was not supplied).
        """
        key = (name, shift)
        if key not in self._gathered:
            values = self._gather(name, shift)
            values.flags.writeable = False
            self._gathered[key] = values
        return self._gathered[key]

    @cached_property
    def series(self) -> np.ndarray:
        """The series of each row in the store."""
        return np.searchsorted(self.store.offsets, self.start, side="right") - 1

    def _gather(self, name: str, shift: int) -> np.ndarray:
        first = self.pos + self.tau[0] + shift
        if shift == 0:  # build_panel checked that every window lies inside its series
            return self.store.windows(name, first, len(self.tau), self.series)
        values = self.store.values[name]
        where = first[:, None] + np.arange(len(self.tau))[None, :]
        inside = (where >= self.start[:, None]) & (where < self.stop[:, None])
        return np.where(inside, values[np.where(inside, where, 0)], np.nan)

    def select(self, keep: np.ndarray) -> PanelBlock:
        """The block of the rows where ``keep`` is True, with their gathered columns."""
        return PanelBlock(
            self.store, self.pos[keep], self.tau, self.start[keep], self.stop[keep],
            {key: values[keep] for key, values in self._gathered.items()},
        )


def build_panel(
    events: tuple[Event, ...],
    source: PriceSource,
    design: StudyDesign,
    diagnostics: Diagnostics,
    factors: pd.DataFrame | None = None,
    regressors: Sequence[str] = (),
) -> EventPanel:
    """Align events, gather their windows and apply the design's exclusions.

    Events whose windows are not covered by the data raise
    :class:`EventWindowError` (or are skipped and reported with ``on_error='skip'``).
    ``regressors`` are the tickers whose returns a model reads besides the market
    index's (see :func:`~eventstudy.core.series.build_series`).
    """
    aligned = align(events, design.unknown_timing)
    keys, key_code = _series_keys(events)
    store = build_series(source, keys, design.returns, diagnostics, factors, regressors)
    if store.keys != keys:  # the store lays the series out in its table's order
        where = {key: k for k, key in enumerate(store.keys)}
        key_code = np.array([where[key] for key in keys], dtype=np.int64)[key_code]
    lo, hi = design.span
    first, last = design.estimation
    rows = EventRows(events, aligned["event"].to_numpy(), aligned["session"].to_numpy(),
                     aligned["candidate"].to_numpy(dtype=object))
    series = key_code[rows.event]
    pos = store.positions(series, pd.DatetimeIndex(rows.session))
    ok = _check_coverage(rows, pos, series, store, (first, hi), design, diagnostics)
    if not ok.any():
        raise EventWindowError(diagnostics.none_left())
    rows = EventRows(events, rows.event[ok], rows.session[ok], rows.candidate[ok])
    pos, series = pos[ok], series[ok]
    _report_trading_gaps(rows, pos, store, design, diagnostics)
    est_tau = np.arange(first, last + 1)
    evt_tau = np.arange(lo, hi + 1)
    evt_idx = pos[:, None] + evt_tau[None, :]

    def windows(name: str, first: int, width: int) -> np.ndarray:
        return store.windows(name, pos + first, width, series)

    session_row = store.take_columns(["high", "low", "incomplete"], pos)
    ids = pd.factorize(rows.id)[0]
    relations = EventRelations(ids, pos, series, design)
    excluded = relations.excluded() if design.exclude_other_events else np.zeros(
        (len(rows), len(est_tau)), dtype=bool
    )
    _report_overlapping_windows(rows, relations, diagnostics)
    return EventPanel(
        events=events,
        event=rows.event,
        session=rows.session,
        candidate=rows.candidate,
        est_tau=est_tau,
        evt_tau=evt_tau,
        excluded=excluded,
        evt_ret=windows("ret", lo, len(evt_tau)),
        evt_mret=windows("mret", lo, len(evt_tau)),
        evt_dates=store.dates_at(evt_idx, series),
        adj=windows("adj", lo - 1, len(evt_tau) + 1),
        madj=windows("madj", lo - 1, len(evt_tau) + 1),
        prev_close=store.take("close", pos - 1),
        high=session_row["high"],
        low=session_row["low"],
        incomplete=session_row["incomplete"],
        excluded_by=relations.excluded_by(rows.id, excluded),
        store=store,
        pos=pos,
        start=store.offsets[series],
        stop=store.offsets[series + 1],
    )


def _series_keys(events: Sequence[Event]) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """The distinct (ticker, market, exchange) series and each event's series code."""
    code: dict[tuple[str, str, str], int] = {}
    codes = [code.setdefault((e.ticker, e.market, e.exchange), len(code)) for e in events]
    return list(code), np.asarray(codes, dtype=np.int64)


def _check_coverage(rows, pos, series, store, needed, design, diagnostics) -> np.ndarray:
    """Which rows have their whole estimation-to-event span inside their series."""
    start = store.offsets[series]
    stop = store.offsets[series + 1]
    # Prices need the session before the first estimation return; returns given as such
    # do not (store.lead).
    ok = (pos >= 0) & (pos + needed[0] - store.lead >= start) & (pos + needed[1] < stop)
    for i in np.flatnonzero(~ok):
        error = _coverage_error(rows[i], store.sessions[series[i]], pos[i] - start[i], needed,
                                store.lead)
        if design.on_error == "raise":
            raise error
        diagnostics.add(rows.id[i], rows.ticker[i], "event_skipped", str(error))
    return ok


def _coverage_error(
    row: EventRow, days: pd.DatetimeIndex, where: int, needed, lead: int
) -> EventStudyError:
    event, session = row.event, row.session.date()
    head = f"event {event.id} ({event.ticker}, session {session})"
    span = f"{days[0].date()} to {days[-1].date()}"
    data = "prices" if lead else "returns"
    if where < 0:
        return EventWindowError(f"{head}: the event session is outside the {data[:-1]} data "
                                f"({span})")
    if where + needed[0] - lead < 0:
        return EventWindowError(
            f"{head}: the estimation window needs {lead - needed[0]} sessions of {data} before "
            f"the event session but the data ({span}) has {where}; use a shorter or later "
            "estimation window or longer history"
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
    flagged, owner, near = relations.sessions_in_span()
    others = _names_by_owner(flagged, owner, near, relations.ids, rows.id)
    days = _iso_sessions(rows.session[flagged])
    diagnostics.extend(
        rows.id[flagged].tolist(), rows.ticker[flagged].tolist(), "overlapping_event_windows",
        [f"the event span [{lo}, {hi}] around {day} contains the "
         f"{'session' if len(names) == 1 else 'sessions'} of {', '.join(names)}; CARs over "
         f"windows that include {'it' if len(names) == 1 else 'them'} mix the announcements"
         for day, names in zip(days.tolist(), others, strict=True)],
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
    runs = _runs(np.isnan(store.values["adj"]))
    runs = runs[runs[:, 1] - runs[:, 0] > design.max_gap]
    if not len(runs):
        return
    in_run = np.zeros(len(store.values["adj"]) + 1, dtype=np.int64)
    np.add.at(in_run, runs[:, 0], 1)
    np.add.at(in_run, runs[:, 1], -1)
    covered = np.concatenate([[0], np.cumsum(np.cumsum(in_run)[:-1])])
    begin, end = pos + first - store.lead, pos + hi  # the span of prices the windows use
    series = np.searchsorted(store.offsets, pos, side="right") - 1
    for i in np.flatnonzero(covered[end + 1] - covered[begin] > 0):
        for a, b in runs[(runs[:, 0] <= end[i]) & (runs[:, 1] > begin[i])]:
            ta, tb = a - pos[i], b - 1 - pos[i]
            days = store.dates_at(np.array([[a, b - 1]]), series[i : i + 1])[0]
            diagnostics.add(rows.id[i], rows.ticker[i], "trading_gap", _gap_detail(
                days, ta, tb, _gap_place(ta, tb, last, lo), bool(store.lead)))


def _gap_detail(days: np.ndarray, first: int, last: int, place: str, prices: bool) -> str:
    """The trading_gap record of relative days ``first`` to ``last`` (dated ``days``)."""
    day_a, day_b = (pd.Timestamp(day).date() for day in days)
    one = first == last  # one session (with max_gap=0)
    span = (f"the session {day_a} (relative day {first}" if one else
            f"{last - first + 1} consecutive sessions {day_a}..{day_b} (relative days {first} "
            f"to {last}")
    if prices:
        what = "price"
        after = "Returns across the gap are missing and the move over it is attributed to no day"
    else:
        what = "return"
        after = "That session has no return" if one else "Those sessions have no return"
    return f"no {what} on {span}, {place}): a halt or suspension? {after}"


def _gap_place(a: int, b: int, last_estimation: int, first_event: int) -> str:
    if a >= first_event:
        return "in the event window"
    if b <= last_estimation:
        return "in the estimation window"
    if a > last_estimation and b < first_event:
        return "between the estimation and event windows"
    return "across the estimation and event windows"


def _runs(flags: np.ndarray) -> np.ndarray:
    """``[start, stop)`` of each run of True values, as rows of an (n_runs, 2) array."""
    edges = np.diff(flags.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    return np.column_stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)])


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
        """(N, L1) mask of estimation sessions inside other announcements' spans.

        A session is excluded when more announcements cover it than the row's own;
        rows are done in blocks (:mod:`eventstudy.blocks`), so the (N, L1)
        positions and counts exist one block at a time.
        """
        size = int(self.cover_hi.max()) + 2
        count = np.zeros(size + 1, dtype=np.int32)
        np.add.at(count, self.cover_lo, 1)
        np.add.at(count, self.cover_hi + 1, -1)
        covered = np.cumsum(count)[:size]
        first, last = self.estimation
        offsets = np.arange(first, last + 1)
        own_lo, own_hi = self.cover_lo[self.group], self.cover_hi[self.group]
        out = np.empty((len(self.pos), len(offsets)), dtype=bool)

        def block(rows: slice) -> None:
            est_idx = self.pos[rows, None] + offsets
            own = (est_idx >= own_lo[rows, None]) & (est_idx <= own_hi[rows, None])
            np.greater(covered[np.clip(est_idx, 0, size - 1)], own, out=out[rows])

        for_each_block(block, *out.shape)
        return out

    def excluded_by(self, ids: np.ndarray, excluded: np.ndarray) -> list[tuple[str, ...]]:
        """Ids of the announcements whose spans were removed from each estimation window.

        ``ids`` holds the event id of each row.
        """
        names: list[tuple[str, ...]] = [()] * len(ids)
        first, last = self.estimation
        rows = np.flatnonzero(excluded.any(axis=1))
        owner, near = self._meeting(rows, self.pos + first, self.pos + last)
        for i, others in zip(rows.tolist(), _names_by_owner(rows, owner, near, self.ids, ids),
                             strict=True):
            names[i] = tuple(others)
        return names

    def sessions_in_span(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows whose event span holds sessions of other announcements, and those sessions.

        Returns the ascending rows i, and pairs (``owner``, ``near``): row i
        repeated, with each row j of another announcement whose session lies in
        i's event span, in the order of their sessions.
        """
        lo, hi = self.span
        order = np.lexsort((self.pos, self.series))
        key = self.series[order] * (int(self.pos.max()) + hi + 2) + self.pos[order]
        base = self.series * (int(self.pos.max()) + hi + 2)
        a = np.searchsorted(key, base + self.pos + lo, side="left")
        b = np.searchsorted(key, base + self.pos + hi, side="right")
        flagged = np.flatnonzero(b - a > self._same_group_sessions_in_span())
        owner, near = _expand(order, a, b, flagged)
        other = self.group[near] != self.group[owner]
        return flagged, owner[other], near[other]

    def _same_group_sessions_in_span(self) -> np.ndarray:
        """How many rows of each row's own announcement lie in its event span."""
        lo, hi = self.span
        counts = np.full(len(self.pos), int(lo <= 0 <= hi), dtype=np.int64)
        for g in np.flatnonzero(np.bincount(self.group) > 1):  # unknown timing, both sessions
            members = np.flatnonzero(self.group == g)
            offsets = self.pos[members][None, :] - self.pos[members][:, None]
            counts[members] = ((offsets >= lo) & (offsets <= hi)).sum(axis=1)
        return counts

    def _meeting(
        self, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (row i, row j of another announcement whose covered span meets [lo_i, hi_i]).

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
        owner, near = _expand(order, a, b, rows)
        meets = (cover_hi[near] >= lo[owner]) & (self.group[near] != self.group[owner])
        return owner[meets], near[meets]


def _expand(order: np.ndarray, a: np.ndarray, b: np.ndarray, rows: np.ndarray):
    """For all ``rows`` i at once: i repeated, and ``order[a[i]:b[i]]``, concatenated."""
    length = (b - a)[rows]
    owner = np.repeat(rows, length)
    first = np.repeat(a[rows] - (np.cumsum(length) - length), length)
    return owner, order[np.arange(int(length.sum())) + first]


def _names_by_owner(
    rows: np.ndarray, owner: np.ndarray, near: np.ndarray, codes: np.ndarray, names: np.ndarray
) -> list[list[str]]:
    """For each of the ascending ``rows``: the ``names`` of its ``near`` entries.

    ``owner`` (ascending) pairs each entry with its row; an announcement (equal
    ``codes``) is named once, where it first appears.
    """
    if not len(rows):
        return []
    key = owner * (int(codes.max()) + 1) + codes[near]
    first = np.sort(np.unique(key, return_index=True)[1])
    stops = np.searchsorted(owner[first], rows, side="right").tolist()
    labels = names[near[first]].tolist()
    return [labels[a:b] for a, b in zip([0, *stops[:-1]], stops, strict=True)]
