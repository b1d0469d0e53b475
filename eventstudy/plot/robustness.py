"""One window's CAR and interval under each robustness variant, one row per event row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..errors import SpecificationError
from ..events.event import Event
from .labels import labels_for, row_label
from .style import REFERENCE, color, new_figure, series_gid, styled


@styled
def plot_robustness(
    table: pd.DataFrame,
    window: tuple[int, int] = (0, 0),
    labels: Mapping[str, str] | Iterable[Event] | None = None,
) -> Figure:
    """CAR of one window with its interval under each variant, one row per event row.

    Colour gives the model, a filled marker an estimation window with the other
    events excluded, an open marker one with them kept; the legend names each
    variant.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`eventstudy.analysis.robustness`.
    window : (int, int)
    labels : mapping of event id -> label, or iterable of Event, optional
        Row labels; the event ids without them (pass the study's events, or use
        ``results.plot.robustness()``, for readable ones).
    """
    pick = (table["window_start"] == window[0]) & (table["window_end"] == window[1])
    rows = table.loc[pick]
    if rows.empty:
        shown = sorted(set(zip(table["window_start"], table["window_end"], strict=True)))
        raise SpecificationError(f"window {window} is not in the robustness table; it has {shown}")
    names = labels_for(rows["event_id"], labels)
    keys = list(dict.fromkeys(zip(rows["event_id"], rows["ticker"], rows["candidate"],
                                  strict=True)))
    variants = list(dict.fromkeys(zip(rows["model"], rows["exclude_other_events"], strict=True)))
    models = list(dict.fromkeys(m for m, _ in variants))
    fig = new_figure(1.9 + 0.5 * len(keys))
    ax = fig.subplots()
    position = {k: len(keys) - 1 - i for i, k in enumerate(keys)}
    # First variant on top within each event's row, as in the legend.
    offsets = np.linspace(0.3, -0.3, len(variants)) if len(variants) > 1 else np.zeros(1)
    handles = []
    for offset, (model, exclude) in zip(offsets, variants, strict=True):
        part = rows[(rows["model"] == model) & (rows["exclude_other_events"] == exclude)]
        y = np.array([position[k] for k in zip(part["event_id"], part["ticker"],
                                                part["candidate"], strict=True)]) + offset
        car = 100 * part["car"].to_numpy()
        err = np.vstack([car - 100 * part["lower"], 100 * part["upper"] - car])
        shade = color(models.index(model))
        name = f"{model}, other events {'excluded' if exclude else 'kept'}"
        face = shade if exclude else "white"
        ax.errorbar(car, y, xerr=err, fmt="o", color=shade, markersize=5, capsize=2,
                    markerfacecolor=face, linewidth=1, gid=series_gid(name))
        handles.append(Line2D([], [], color=shade, marker="o", markerfacecolor=face,
                              linewidth=1, label=name))
    many_tickers = rows["ticker"].nunique() > 1
    ax.set_yticks([position[k] for k in keys],
                  [row_label(names[e], t, c, many_tickers) for e, t, c in keys])
    ax.set_ylim(-0.6, len(keys) - 0.4)
    ax.axvline(0, color="black", linewidth=0.6, gid=REFERENCE)
    level = table.attrs.get("level")
    interval = f"{level:.0%} confidence interval" if level else "confidence interval"
    ax.set_xlabel(f"CAR({window[0]}, {window[1]}) (%) with {interval}")
    ax.set_title(f"Robustness of CAR({window[0]}, {window[1]}) to the model and the "
                 "estimation sample")
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 3))
    return fig
