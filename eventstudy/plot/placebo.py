"""The event-day abnormal return among the stock's non-event days, per event row."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..analysis.placebo import PlaceboResult
from ..events.event import Event
from .labels import labels_for, row_label
from .style import BAR_COLOR, COLORS, TEXT_BOX, columns_for, grid, new_figure, series_gid, styled

HISTOGRAM = "non-event days"
EVENT_DAY = "event day (τ = 0)"


@styled
def plot_placebo(
    placebo: PlaceboResult,
    bins: int = 40,
    labels: Mapping[str, str] | Iterable[Event] | None = None,
) -> Figure:
    """Histogram of each event row's placebo ARs with the event-day AR marked.

    The event's figures (its AR, percentile, empirical p-value and the number of
    placebo days) stand in the corner away from the event line.

    Parameters
    ----------
    placebo : PlaceboResult
        Output of :func:`eventstudy.analysis.placebo_test`.
    bins : int
    labels : mapping of event id -> label, or iterable of Event, optional
        Panel titles; the event ids without them (pass the study's events, or use
        ``results.plot.placebo()``, for readable ones).
    """
    table = placebo.table
    names = labels_for(table["event_id"], labels)
    many_tickers = table["ticker"].nunique() > 1
    n = len(table)
    fig = new_figure(0.9 + 2.8 * math.ceil(n / columns_for(n)))
    # Abnormal returns in percent; abnormal log volumes (volume models) as they are.
    volume = placebo.measure == "volume"
    scale, unit = (1.0, "") if volume else (100.0, "%")
    what = "abnormal log volume" if volume else "abnormal return"
    notes = []
    for ax, row in zip(grid(fig, n), table.itertuples(index=False), strict=True):
        ars = placebo.ars
        pick = ((ars["event_id"] == row.event_id) & (ars["ticker"] == row.ticker)
                & (ars["candidate"] == row.candidate))
        values = scale * ars.loc[pick, "ar"].to_numpy()
        event = scale * row.event_ar
        ax.hist(values, bins=bins, color=BAR_COLOR, edgecolor=COLORS[0], linewidth=0.5,
                gid=series_gid(HISTOGRAM))
        ax.axvline(event, color=COLORS[1], linewidth=2, gid=series_gid(EVENT_DAY))
        # Keep the event line off the frame even when it is the most extreme value.
        every = np.append(values, event)
        low, high = np.nanmin(every), np.nanmax(every)
        pad = 0.06 * (high - low) if high > low else 1.0
        ax.set_xlim(low - pad, high + pad)
        ax.set_ylim(0, 1.45 * ax.get_ylim()[1])  # head room for the figures' box
        notes.append((ax, event, ax.annotate(
            f"event {event:+.2f}{unit}\npercentile {row.percentile:.1f}\n"
            f"p = {row.p_value:.3f}, n = {row.n_placebo}",
            xy=(0.98, 0.97), xycoords="axes fraction", ha="right", va="top", fontsize=8,
            bbox=TEXT_BOX, gid="placebo figures",
        )))
        ax.set_title(row_label(names[row.event_id], row.ticker, row.candidate, many_tickers,
                               sep="\n"))
        ax.set_xlabel(what.capitalize() + (" (%)" if unit else ""))
        ax.set_ylabel("Sessions")
    handles = [Patch(facecolor=BAR_COLOR, edgecolor=COLORS[0], label=HISTOGRAM),
               Line2D([], [], color=COLORS[1], linewidth=2, label=EVENT_DAY)]
    fig.legend(handles=handles, loc="outside lower center", ncol=2)
    fig.suptitle(f"Placebo: the event-day {what} among the stock's non-event days")
    _away_from_the_event(notes)
    return fig


def _away_from_the_event(notes) -> None:
    """Put each panel's box in the top corner on the other side of its event line.

    The box is narrower than half a panel, so that corner never reaches the line.
    """
    for ax, event, note in notes:
        low, high = ax.get_xlim()
        if np.isfinite(event) and (event - low) / (high - low) > 0.5:
            note.set_position((0.02, 0.97))
            note.set_horizontalalignment("left")
