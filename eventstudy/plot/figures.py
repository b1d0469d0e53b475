"""Figures of an event study, in one style, sized for a notebook (10 in wide).

Every function builds a :class:`matplotlib.figure.Figure` directly (not through
pyplot, so nothing is shown or kept alive behind the caller's back) and returns
it; in Jupyter, make the figure the cell's last expression (after
``%matplotlib inline``) or call ``fig.savefig(...)``. Returns are plotted in
percent; axes carry their units; event sessions are marked with short labels.

Functions
---------
plot_prices      stock(s) and market index rebased to 100, events marked
plot_car_path    CAR from the span's first day with its confidence band
plot_moves       close-to-close against intraday range on each event session
plot_robustness  CAR and interval of one window under each robustness variant
plot_placebo     the event-day AR against the stock's non-event-day ARs
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import wraps

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..analysis.placebo import PlaceboResult
from ..calendar.align import candidate_sessions
from ..errors import PriceDataError, SpecificationError
from ..events.event import Event
from ..sources import PriceSource, as_price_source

WIDTH = 10.0
STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.fontsize": 9,
    "legend.framealpha": 0.9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.facecolor": "white",
}
COLORS = ("#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16a085", "#7f8c8d")
MARKET_COLOR = "#6b6b6b"
EVENT_COLOR = "#333333"
BAND_ALPHA = 0.18
LABEL_LEVELS = (0.97, 0.89, 0.81, 0.73)


def _styled(build):
    """Build the figure inside the module's style, so every figure looks alike."""

    @wraps(build)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(STYLE):
            return build(*args, **kwargs)

    return wrapper


def _figure(height: float) -> Figure:
    return Figure(figsize=(WIDTH, height), layout="constrained")


def _grid(fig: Figure, n: int, ncols: int = 3):
    """``n`` axes in a grid of at most ``ncols`` columns; spare axes are hidden."""
    ncols = 2 if n == 4 else min(n, ncols)
    nrows = math.ceil(n / ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return axes[:n]


def short_labels(event_ids: Iterable[str]) -> dict[str, str]:
    """Short labels: the ids without their shared first token, hyphens as spaces.

    ``xiaomi-joint-filing`` among Xiaomi events becomes ``joint filing``; ids
    without a shared hyphenated prefix are kept whole.
    """
    ids = list(dict.fromkeys(event_ids))
    heads = {i.split("-", 1)[0] for i in ids}
    strip = len(heads) == 1 and all("-" in i for i in ids)
    return {i: (i.split("-", 1)[1] if strip else i).replace("-", " ") for i in ids}


def _row_label(label: str, ticker: str, candidate: str, many_tickers: bool) -> str:
    text = f"{label} {ticker}" if many_tickers else label
    return f"{text} [{candidate}]" if candidate else text


def _line_label(ticker: str, candidate: str, many_tickers: bool) -> str:
    """Legend entry of one CAR line: the security and/or the candidate session."""
    parts = [ticker] if many_tickers else []
    parts += [f"{candidate} session"] if candidate else []
    return ", ".join(parts) or "CAR"


# ----- prices -----------------------------------------------------------------------------
@_styled
def plot_prices(
    events: Iterable[Event],
    prices: PriceSource | Mapping[str, pd.DataFrame] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Stocks and market indices rebased to 100 on the first plotted day, events marked.

    Parameters
    ----------
    events : iterable of Event
        Their securities and market indices are plotted and their event sessions
        marked (both candidates for unknown timing, the later one dashed).
    prices : PriceSource or mapping, optional
        The bundled snapshot by default.
    start, end : date-like, optional
        Plotted range; by default 60 days before the first event session to 45
        days after the last.
    labels : mapping of event id -> label, optional
        Marker labels; :func:`short_labels` by default.
    """
    events = tuple(events)
    source = as_price_source(prices)
    sessions = {e.id: candidate_sessions(e) for e in events}
    every = [s for group in sessions.values() for s in group]
    start = pd.Timestamp(start) if start is not None else min(every) - pd.Timedelta(days=60)
    end = pd.Timestamp(end) if end is not None else max(every) + pd.Timedelta(days=45)
    fig = _figure(4.8)
    ax = fig.subplots()
    tickers = list(dict.fromkeys(e.ticker for e in events))
    markets = list(dict.fromkeys(e.market for e in events if e.market))
    first_day = None
    for i, ticker in enumerate(tickers):
        first_day = _rebased_line(ax, source, ticker, start, end, COLORS[i % len(COLORS)], "-")
    for market in markets:
        _rebased_line(ax, source, market, start, end, MARKET_COLOR, "--")
    names = labels or short_labels(sessions)
    _mark_sessions(ax, [(names[k], v) for k, v in sessions.items()])
    ax.axhline(100, color="black", linewidth=0.6)
    ax.set_title(f"{', '.join(tickers)} against {', '.join(markets) or 'no index'}")
    level = "Return index" if source.kind == "returns" else "Adjusted close"
    ax.set_ylabel(f"{level} (close of {first_day:%Y-%m-%d} = 100)")
    ax.set_xlabel("Date")
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color=EVENT_COLOR, linewidth=1, label="event session"))
    ax.legend(handles=handles, loc="lower left")
    return fig


def _rebased_line(ax, source, ticker, start, end, color, style) -> pd.Timestamp:
    close = source.get(ticker)["adj_close"].loc[start:end].dropna()
    if close.empty:
        raise PriceDataError(
            f"{ticker}: no prices between {start.date()} and {end.date()}; choose start and end "
            "inside the price data"
        )
    ax.plot(close.index, 100.0 * close / close.iloc[0], color=color, linestyle=style,
            linewidth=1.6 if style == "-" else 1.2, label=ticker)
    return close.index[0]


def _mark_sessions(ax, marks: list[tuple[str, tuple[pd.Timestamp, ...]]]) -> None:
    """Vertical lines at event sessions with staggered labels, so neighbours stay legible."""
    marks = sorted(marks, key=lambda m: m[1][0])
    for n, (label, sessions) in enumerate(marks):
        for k, session in enumerate(sessions):
            ax.axvline(session, color=EVENT_COLOR, linewidth=1, linestyle="-" if k == 0 else ":")
        if len(sessions) > 1:
            label += " (timing unknown)"
        ax.annotate(
            label, xy=(sessions[0], LABEL_LEVELS[n % len(LABEL_LEVELS)]),
            xycoords=("data", "axes fraction"), xytext=(3, 0), textcoords="offset points",
            fontsize=8, va="top", bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none",
                                        "alpha": 0.85},
        )


# ----- CAR path ---------------------------------------------------------------------------
@_styled
def plot_car_path(path: pd.DataFrame, labels: Mapping[str, str] | None = None) -> Figure:
    """CAR from the first day of the span with its pointwise confidence band, per event.

    Parameters
    ----------
    path : DataFrame
        Output of :func:`eventstudy.analysis.car_path` (one panel per event id; one
        line per security and candidate session within it).
    labels : mapping of event id -> label, optional
    """
    ids = list(dict.fromkeys(path["event_id"]))
    names = labels or short_labels(ids)
    many_tickers = path["ticker"].nunique() > 1
    level = path.attrs.get("level")
    band = f"{level:.0%} confidence band" if level else "confidence band"
    fig = _figure(0.6 + 3.0 * math.ceil(len(ids) / (2 if len(ids) == 4 else 3)))
    for ax, event_id in zip(_grid(fig, len(ids)), ids, strict=True):
        rows = path[path["event_id"] == event_id]
        series = list(dict.fromkeys(zip(rows["ticker"], rows["candidate"], strict=True)))
        for i, (ticker, candidate) in enumerate(series):
            line = rows[(rows["ticker"] == ticker) & (rows["candidate"] == candidate)]
            color = COLORS[i % len(COLORS)]
            name = _line_label(ticker, candidate, many_tickers)
            ax.fill_between(line["tau"], 100 * line["lower"], 100 * line["upper"], color=color,
                            alpha=BAND_ALPHA, linewidth=0)
            ax.plot(line["tau"], 100 * line["car"], color=color, marker="o", markersize=3,
                    label=name)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.axvline(0, color=EVENT_COLOR, linewidth=1, linestyle=":")
        session = rows["event_session"].iloc[0] if rows["event_session"].nunique() == 1 else ""
        ax.set_title(f"{names[event_id]} {session}".strip())
        ax.set_xlabel("Sessions relative to the event (τ)")
        ax.set_ylabel("CAR (%)")
        handles, _ = ax.get_legend_handles_labels()
        handles.append(Patch(color=COLORS[0], alpha=BAND_ALPHA, label=band))
        ax.legend(handles=handles, loc="best", fontsize=8)
    first = int(path["tau"].min())
    fig.suptitle(f"Cumulative abnormal return from τ = {first} (event session τ = 0), with {band}")
    return fig


# ----- moves ------------------------------------------------------------------------------
@_styled
def plot_moves(moves: pd.DataFrame, labels: Mapping[str, str] | None = None) -> Figure:
    """Each event session's intraday range, close-to-close return and abnormal return.

    Parameters
    ----------
    moves : DataFrame
        Output of :func:`eventstudy.analysis.session_moves`.
    labels : mapping of event id -> label, optional
    """
    names = labels or short_labels(moves["event_id"])
    many_tickers = moves["ticker"].nunique() > 1
    x = np.arange(len(moves))
    fig = _figure(4.8)
    ax = fig.subplots()
    low, high = 100 * moves["trough_move"].to_numpy(), 100 * moves["peak_move"].to_numpy()
    ax.bar(x, high - low, bottom=low, width=0.45, color="#b8cbe0", edgecolor=COLORS[0],
           label="intraday range, low to high")
    ax.scatter(x, 100 * moves["close_to_close"], color=COLORS[0], s=40, zorder=3,
               label="close-to-close return")
    ax.scatter(x, 100 * moves["abnormal_return"], color=COLORS[1], marker="D", s=30, zorder=3,
               label="abnormal return (day 0)")
    for xi, top, close in zip(x, high, 100 * moves["close_to_close"], strict=True):
        if np.isfinite(top):
            ax.annotate(f"{top:+.1f}%", (xi, top), xytext=(0, 3), textcoords="offset points",
                        ha="center", va="bottom", fontsize=8)
        else:
            ax.annotate("no intraday data", (xi, close), xytext=(0, 8),
                        textcoords="offset points", ha="center", fontsize=7)
        ax.annotate(f"{close:+.1f}%", (xi, close), xytext=(8, 0), textcoords="offset points",
                    va="center", fontsize=8, color=COLORS[0])
    ax.axhline(0, color="black", linewidth=0.6)
    ticks = [
        _row_label(names[e], t, c, many_tickers) + f"\n{s}"
        for e, t, c, s in zip(moves["event_id"], moves["ticker"], moves["candidate"],
                              moves["event_session"], strict=True)
    ]
    ax.set_xticks(x, ticks, rotation=30 if len(x) > 6 else 0,
                  ha="right" if len(x) > 6 else "center", fontsize=8)
    ax.set_ylabel("Move from the previous close (%)")
    ax.set_title("Event sessions: close-to-close return against the intraday range")
    ax.margins(y=0.12)
    ax.legend(loc="best")
    return fig


# ----- robustness -------------------------------------------------------------------------
@_styled
def plot_robustness(
    table: pd.DataFrame, window: tuple[int, int] = (0, 0), labels: Mapping[str, str] | None = None
) -> Figure:
    """CAR of one window with its interval under each variant, one row per event row.

    Colour gives the model, a filled marker an estimation window with the other
    events excluded, an open marker one with them kept.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`eventstudy.analysis.robustness`.
    window : (int, int)
    labels : mapping of event id -> label, optional
    """
    pick = (table["window_start"] == window[0]) & (table["window_end"] == window[1])
    rows = table.loc[pick]
    if rows.empty:
        shown = sorted(set(zip(table["window_start"], table["window_end"], strict=True)))
        raise SpecificationError(f"window {window} is not in the robustness table; it has {shown}")
    names = labels or short_labels(rows["event_id"])
    keys = list(dict.fromkeys(zip(rows["event_id"], rows["ticker"], rows["candidate"],
                                  strict=True)))
    variants = list(dict.fromkeys(zip(rows["model"], rows["exclude_other_events"], strict=True)))
    models = list(dict.fromkeys(m for m, _ in variants))
    fig = _figure(1.6 + 0.5 * len(keys))
    ax = fig.subplots()
    position = {k: len(keys) - 1 - i for i, k in enumerate(keys)}
    # First variant on top within each event's row, as in the legend.
    offsets = np.linspace(0.3, -0.3, len(variants)) if len(variants) > 1 else np.zeros(1)
    for offset, (model, exclude) in zip(offsets, variants, strict=True):
        part = rows[(rows["model"] == model) & (rows["exclude_other_events"] == exclude)]
        y = np.array([position[k] for k in zip(part["event_id"], part["ticker"],
                                                part["candidate"], strict=True)]) + offset
        car = 100 * part["car"].to_numpy()
        err = np.vstack([car - 100 * part["lower"], 100 * part["upper"] - car])
        color = COLORS[models.index(model) % len(COLORS)]
        ax.errorbar(car, y, xerr=err, fmt="o", color=color, markersize=5, capsize=2,
                    markerfacecolor=color if exclude else "white", linewidth=1)
    many_tickers = rows["ticker"].nunique() > 1
    ax.set_yticks([position[k] for k in keys],
                  [_row_label(names[e], t, c, many_tickers) for e, t, c in keys])
    ax.axvline(0, color="black", linewidth=0.6)
    level = table.attrs.get("level")
    interval = f"{level:.0%} confidence interval" if level else "confidence interval"
    ax.set_xlabel(f"CAR({window[0]}, {window[1]}) (%) with {interval}")
    ax.set_title(f"Robustness of CAR({window[0]}, {window[1]}) to the model and the "
                 "estimation sample")
    handles = [Line2D([], [], color=COLORS[i % len(COLORS)], marker="o", linestyle="",
                      label=m) for i, m in enumerate(models)]
    handles += [
        Line2D([], [], color="black", marker="o", linestyle="", label="other events excluded"),
        Line2D([], [], color="black", marker="o", markerfacecolor="white", linestyle="",
               label="other events kept"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles))
    return fig


# ----- placebo ----------------------------------------------------------------------------
@_styled
def plot_placebo(
    placebo: PlaceboResult, bins: int = 40, labels: Mapping[str, str] | None = None
) -> Figure:
    """Histogram of each event row's placebo ARs with the event-day AR marked.

    Parameters
    ----------
    placebo : PlaceboResult
        Output of :func:`eventstudy.analysis.placebo_test`.
    bins : int
    labels : mapping of event id -> label, optional
    """
    table = placebo.table
    names = labels or short_labels(table["event_id"])
    many_tickers = table["ticker"].nunique() > 1
    n = len(table)
    fig = _figure(0.6 + 2.8 * math.ceil(n / (2 if n == 4 else 3)))
    for ax, row in zip(_grid(fig, n), table.itertuples(index=False), strict=True):
        ars = placebo.ars
        pick = ((ars["event_id"] == row.event_id) & (ars["ticker"] == row.ticker)
                & (ars["candidate"] == row.candidate))
        values = 100 * ars.loc[pick, "ar"].to_numpy()
        event = 100 * row.event_ar
        ax.hist(values, bins=bins, color="#b8cbe0", edgecolor=COLORS[0], linewidth=0.5)
        ax.axvline(event, color=COLORS[1], linewidth=2)
        # Keep the event line off the frame even when it is the most extreme value.
        low, high = np.nanmin(np.append(values, event)), np.nanmax(np.append(values, event))
        pad = 0.06 * (high - low) if high > low else 1.0
        ax.set_xlim(low - pad, high + pad)
        ax.set_ylim(0, 1.35 * ax.get_ylim()[1])  # headroom for the annotation
        ax.annotate(
            f"event {event:+.2f}%\npercentile {row.percentile:.1f}\n"
            f"p = {row.p_value:.3f}, n = {row.n_placebo}",
            xy=(0.98, 0.96), xycoords="axes fraction", ha="right", va="top", fontsize=8,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
        )
        ax.set_title(_row_label(names[row.event_id], row.ticker, row.candidate, many_tickers))
        ax.set_xlabel("Abnormal return (%)")
        ax.set_ylabel("Sessions")
    handles = [Patch(facecolor="#b8cbe0", edgecolor=COLORS[0], label="non-event days"),
               Line2D([], [], color=COLORS[1], linewidth=2, label="event day (τ = 0)")]
    fig.legend(handles=handles, loc="outside lower center", ncol=2)
    fig.suptitle("Placebo: the event-day abnormal return among the stock's non-event days")
    return fig
