"""Each event session's intraday range against its close-to-close and abnormal returns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..events.event import Event
from .labels import labels_for, short_date
from .placement import keep_inside, lay_out, spread_vertically
from .style import BAR_COLOR, COLORS, REFERENCE, new_figure, percent, series_gid, styled

RANGE = "intraday range, low to high"
CLOSE = "close-to-close return"
ABNORMAL = "abnormal return (day 0)"
NO_RANGE = "no intraday data"


@styled
def plot_moves(
    moves: pd.DataFrame, labels: Mapping[str, str] | Iterable[Event] | None = None
) -> Figure:
    """Each event session's intraday range, close-to-close return and abnormal return.

    The bar runs from the session's low to its high (as moves from the previous
    close), both ends labelled; beside it the close-to-close and abnormal returns
    with their values. Bars of one announcement stand together under its label.

    Parameters
    ----------
    moves : DataFrame
        Output of :func:`eventstudy.analysis.session_moves`.
    labels : mapping of event id -> label, or iterable of Event, optional
        Announcement labels; the event ids without them (pass the study's events,
        or use ``results.plot.moves()``, for readable ones).
    """
    names = labels_for(moves["event_id"], labels)
    many_tickers = moves["ticker"].nunique() > 1
    x = _positions(moves["event_id"])
    low, high = 100 * moves["trough_move"].to_numpy(), 100 * moves["peak_move"].to_numpy()
    close = 100 * moves["close_to_close"].to_numpy()
    abnormal = 100 * moves["abnormal_return"].to_numpy()
    fig = new_figure(5.4)
    ax = fig.subplots()
    width = 0.5
    ranged = np.isfinite(low) & np.isfinite(high)
    ax.bar(x[ranged], (high - low)[ranged], bottom=low[ranged], width=width, color=BAR_COLOR,
           edgecolor=COLORS[0], gid=series_gid(RANGE))
    ax.scatter(x, close, color=COLORS[0], s=40, zorder=3, gid=series_gid(CLOSE))
    ax.scatter(x, abnormal, color=COLORS[1], marker="D", s=30, zorder=3,
               gid=series_gid(ABNORMAL))
    ax.axhline(0, color="black", linewidth=0.6, gid=REFERENCE)
    notes = _value_labels(ax, x, width, low, high, close, abnormal)
    shared = moves.groupby("event_id", sort=False)["event_session"].nunique() == 1
    ax.set_xticks(x, [_tick(t, c, "" if shared[e] else s, many_tickers) for e, t, c, s in zip(
        moves["event_id"], moves["ticker"], moves["candidate"], moves["event_session"],
        strict=True)], fontsize=8)
    ax.set_xlim(x.min() - 0.7, x.max() + 0.7)
    ax.set_ylabel("Move from the previous close (%)")
    ax.set_title("Event sessions: close-to-close return against the intraday range")
    handles = [Patch(facecolor=BAR_COLOR, edgecolor=COLORS[0], label=RANGE),
               Line2D([], [], color=COLORS[0], marker="o", linestyle="", label=CLOSE),
               Line2D([], [], color=COLORS[1], marker="D", linestyle="", label=ABNORMAL)]
    fig.legend(handles=handles, loc="outside lower center", ncol=3)
    values = np.concatenate([low, high, close, abnormal])
    values = values[np.isfinite(values)]
    span = max(values.max() - values.min(), 1.0)
    ax.set_ylim(min(values.min(), 0) - 0.08 * span, max(values.max(), 0) + 0.08 * span)
    for _ in range(3):  # widening the axis brings labels of nearby values closer
        spread_vertically(notes)
        if not keep_inside([(ax, notes)]):
            break
    sessions = {e: f"session {short_date(d)}" for e, d in zip(
        moves["event_id"], moves["event_session"], strict=True) if shared[e]}
    _announcements(ax, moves["event_id"].tolist(), x, names, sessions)
    return fig


def _positions(event_ids: pd.Series) -> np.ndarray:
    """x of each bar: the bars of one announcement together, a gap between announcements."""
    group = (event_ids != event_ids.shift()).cumsum().to_numpy() - 1
    return np.arange(len(event_ids)) + 0.6 * group


def _tick(ticker: str, candidate: str, session: str, many_tickers: bool) -> str:
    """A bar's label under the axis: its security or candidate, and its own session.

    ``session`` is '' when every bar of the announcement has the same one, which
    its announcement's label then gives.
    """
    head = ticker if many_tickers else ""
    if candidate:
        head = f"{head} {candidate}".strip()
    day = short_date(session) if session else ""
    return "\n".join(part for part in (head, day) if part)


def _value_labels(ax, x, width, low, high, close, abnormal) -> list:
    """Values at the bar's ends (above and below it) and of the returns (to its right)."""
    notes = []
    for xi, lo, hi, c, a in zip(x, low, high, close, abnormal, strict=True):
        if np.isfinite(hi) and np.isfinite(lo):
            notes.append(ax.annotate(percent(hi), (xi, hi), xytext=(0, 3),
                                     textcoords="offset points", ha="center", va="bottom",
                                     fontsize=7, gid="value label"))
            notes.append(ax.annotate(percent(lo), (xi, lo), xytext=(0, -3),
                                     textcoords="offset points", ha="center", va="top",
                                     fontsize=7, gid="value label"))
        elif np.isfinite(c):
            notes.append(ax.annotate(NO_RANGE, (xi, max(c, a if np.isfinite(a) else c)),
                                     xytext=(0, 8), textcoords="offset points", ha="center",
                                     va="bottom", fontsize=7, gid="value label"))
        # Right of the bar's edge: the two returns (kept apart later if they are close).
        for value, shade in ((c, COLORS[0]), (a, COLORS[1])):
            if np.isfinite(value):
                notes.append(ax.annotate(
                    percent(value), (xi + width / 2, value), xytext=(3, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=7,
                    color=shade, gid="value label"))
    return notes


def _announcements(
    ax, event_ids: list[str], x: np.ndarray, names: dict[str, str], sessions: dict[str, str]
) -> None:
    """Each announcement's label centred under its bars, below the tick labels.

    With the session of its bars under it when they share one (``sessions``).
    """
    lay_out(ax.figure)
    ticks = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
    frame = ax.get_window_extent()
    # Below the tick labels, or the tick marks when the bars need no label of their own.
    depth = max(frame.y0 - min(b.y0 for b in ticks) if ticks else 0.0, 6.0)
    drop = -(depth + 4.0) * 72.0 / ax.figure.dpi  # points below the axes' bottom
    for event_id in dict.fromkeys(event_ids):
        where = x[[i for i, e in enumerate(event_ids) if e == event_id]]
        text = names[event_id] + (f"\n{sessions[event_id]}" if event_id in sessions else "")
        ax.annotate(text, (where.mean(), 0), xycoords=("data", "axes fraction"),
                    xytext=(0, drop), textcoords="offset points", ha="center", va="top",
                    fontsize=8, fontweight="bold", gid="announcement label")
