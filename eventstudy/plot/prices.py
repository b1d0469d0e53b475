"""Stocks and their market indices rebased to 100, with the event sessions marked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker as mticker
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..calendar.align import candidate_sessions
from ..errors import PriceDataError, SpecificationError
from ..events.event import Event
from ..sources import PriceSource, as_price_source
from .labels import labels_for
from .placement import lay_out, stack_down
from .style import (
    EVENT_COLOR,
    MARKET_COLOR,
    REFERENCE,
    TEXT_BOX,
    color,
    new_figure,
    series_gid,
    styled,
)

DIVERGENT = 3.0  # highest over lowest rebased value beyond which the scale is logarithmic
SCALES = ("auto", "linear", "log")
LATER = "later candidate session (timing unknown)"


@styled
def plot_prices(
    events: Iterable[Event],
    prices: PriceSource | Mapping[str, pd.DataFrame] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    labels: Mapping[str, str] | Iterable[Event] | None = None,
    scale: str = "auto",
) -> Figure:
    """Stocks and market indices rebased to 100 on the first plotted day, events marked.

    Parameters
    ----------
    events : iterable of Event
        Their securities and market indices are plotted and their event sessions
        marked (both candidates for unknown timing, the later one dotted).
    prices : PriceSource or mapping, optional
        The bundled snapshot by default.
    start, end : date-like, optional
        Plotted range; by default 60 days before the first event session to 45
        days after the last.
    labels : mapping of event id -> label, optional
        Marker labels; by default made from the events (:func:`event_labels`).
    scale : {"auto", "linear", "log"}
        The y axis; ``"auto"`` is logarithmic when the series diverge (the highest
        rebased value over the lowest exceeds :data:`DIVERGENT`), so that a stock
        that rose sevenfold does not flatten its index into a line.
    """
    events = tuple(events)
    source = as_price_source(prices)
    start, end = plotted_range(events, start, end)
    stocks = {t: _closes(source, t, start, end) for t in dict.fromkeys(e.ticker for e in events)}
    markets = {m: _closes(source, m, start, end)
               for m in dict.fromkeys(e.market for e in events if e.market)}
    kind = "Return index" if source.kind == "returns" else "Adjusted close"
    return price_figure(events, stocks, markets, kind, labels, scale)


def plotted_range(
    events: tuple[Event, ...], start, end
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The dates shown: as given, or 60 days before the first session to 45 after the last."""
    every = [s for e in events for s in candidate_sessions(e)]
    start = pd.Timestamp(start) if start is not None else min(every) - pd.Timedelta(days=60)
    end = pd.Timestamp(end) if end is not None else max(every) + pd.Timedelta(days=45)
    return start, end


def _closes(source: PriceSource, ticker: str, start, end) -> pd.Series:
    return in_range(source.get(ticker)["adj_close"], ticker, start, end)


def in_range(close: pd.Series, ticker: str, start, end) -> pd.Series:
    """The closes between ``start`` and ``end``; an error naming them if there are none."""
    close = close.loc[start:end].dropna()
    if close.empty:
        raise PriceDataError(
            f"{ticker}: no prices between {start.date()} and {end.date()}; choose start and end "
            "inside the price data"
        )
    return close


@styled
def price_figure(
    events: tuple[Event, ...],
    stocks: Mapping[str, pd.Series],
    markets: Mapping[str, pd.Series],
    kind: str = "Adjusted close",
    labels: Mapping[str, str] | Iterable[Event] | None = None,
    scale: str = "auto",
) -> Figure:
    """The figure of :func:`plot_prices` from the series themselves (dates -> levels).

    Parameters
    ----------
    events : tuple of Event
    stocks, markets : mapping of ticker -> Series
        Adjusted closes (or a return index) over the plotted range.
    kind : str
        What the levels are, for the axis label.
    labels : mapping of event id -> label, or iterable of Event, optional
    scale : {"auto", "linear", "log"}
    """
    if scale not in SCALES:
        raise SpecificationError(f"scale must be one of {SCALES}, not {scale!r}")
    for ticker, close in {**stocks, **markets}.items():
        if close.dropna().empty:
            raise PriceDataError(f"{ticker}: no prices to plot; choose another range")
    rebased = {t: 100.0 * s.dropna() / s.dropna().iloc[0] for t, s in {**stocks, **markets}.items()}
    values = np.concatenate([s.to_numpy() for s in rebased.values()])
    log = scale == "log" or (scale == "auto" and values.max() / values.min() > DIVERGENT)
    fig = new_figure(5.2)
    ax = fig.subplots()
    handles = []
    for i, ticker in enumerate(stocks):
        (line,) = ax.plot(rebased[ticker].index, rebased[ticker], color=color(i), linewidth=1.6,
                          label=ticker, gid=series_gid(ticker))
        handles.append(line)
    for market in markets:
        (line,) = ax.plot(rebased[market].index, rebased[market], color=MARKET_COLOR,
                          linestyle="--", linewidth=1.2, label=market, gid=series_gid(market))
        handles.append(line)
    ax.axhline(100, color="black", linewidth=0.6, gid=REFERENCE)
    handles += _mark_sessions(ax, events, labels)
    first_day = min(s.index[0] for s in rebased.values())
    ax.set_title(f"{', '.join(stocks)} against {', '.join(markets) or 'no index'}")
    ax.set_ylabel(f"{kind} (close of {first_day:%Y-%m-%d} = 100)"
                  + (", log scale" if log else ""))
    ax.set_xlabel("Date")
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(mticker.StrMethodFormatter("{x:g}"))
        ax.yaxis.set_minor_formatter(mticker.NullFormatter())
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 6))
    _place_labels(ax, float(values.max()))
    return fig


def _mark_sessions(ax, events: tuple[Event, ...], labels) -> list[Line2D]:
    """Vertical lines at event sessions, the later candidate dotted; their legend entries."""
    sessions = {e.id: candidate_sessions(e) for e in events}
    names = labels_for(sessions, labels if labels is not None else events)
    later = False
    for event_id, days in sorted(sessions.items(), key=lambda item: item[1][0]):
        for k, day in enumerate(days):
            style = "-" if k == 0 else ":"
            label = "event session" if k == 0 else LATER
            ax.axvline(day, color=EVENT_COLOR, linewidth=1, linestyle=style,
                       gid=series_gid(label))
        later |= len(days) > 1
        text = names[event_id] + (" (timing unknown)" if len(days) > 1 else "")
        ax.annotate(text, xy=(days[0], 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -3), textcoords="offset points", fontsize=8, va="top",
                    bbox=TEXT_BOX, gid="event label")
    handles = [Line2D([], [], color=EVENT_COLOR, linewidth=1, label="event session")]
    if later:
        handles.append(Line2D([], [], color=EVENT_COLOR, linewidth=1, linestyle=":",
                              label=LATER))
    return handles


def _place_labels(ax, top: float) -> None:
    """Event labels in rows from the top, each in the highest row where it meets none.

    The labels hang from the top of the axes; the y axis then grows so that the
    highest value ``top`` stays below the lowest label.
    """
    notes = [t for t in ax.texts if t.get_gid() == "event label"]
    stack_down(notes, step=12.0)
    lay_out(ax.figure)
    frame = ax.get_window_extent()
    floor = min(n.get_window_extent().y0 for n in notes) - 4.0  # pixels
    scale = ax.yaxis.get_transform()
    low, high, value = scale.transform(np.array([*ax.get_ylim(), top]))
    share = (floor - frame.y0) / frame.height  # of the axes' height below the labels
    if share > 0.3 and (value - low) / (high - low) > share:
        ax.set_ylim(ax.get_ylim()[0],
                    scale.inverted().transform(np.array([low + (value - low) / share]))[0])
