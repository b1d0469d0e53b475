"""The CAR path of each event, from zero before its first day, with its band.

One panel per announcement. A security alone on its announcement is drawn with
its CAR and pointwise band (one line per candidate session for unknown timing).
Several securities of one announcement are drawn as thin lines, one per security,
under their pooled CAAR and its band (:func:`eventstudy.analysis.caar_path`), so
that their bands do not pile up into one grey mass. The day-0 abnormal return
(the results' headline) is marked with its interval and its value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..events.event import Event
from .labels import labels_for, short_date
from .placement import keep_inside, spread_vertically
from .style import (
    BAND_ALPHA,
    EVENT_COLOR,
    POOLED_COLOR,
    REFERENCE,
    color,
    columns_for,
    grid,
    new_figure,
    percent,
    series_gid,
    styled,
)

SPREAD = 0.12  # horizontal distance between the day-0 marks of two lines, in sessions


@styled
def plot_car_path(
    path: pd.DataFrame,
    pooled: pd.DataFrame | None = None,
    labels: Mapping[str, str] | Iterable[Event] | None = None,
) -> Figure:
    """CAR from zero on the day before the path's start, with its band, per event.

    Parameters
    ----------
    path : DataFrame
        Output of :func:`eventstudy.analysis.car_path`: one panel per event id, one
        line per security and candidate session within it.
    pooled : DataFrame, optional
        Output of :func:`eventstudy.analysis.caar_path` for the same study: the
        CAAR and its band of announcements that several securities share. Without
        it their mean is drawn without a band (``results.plot.car_path()`` passes it).
    labels : mapping of event id -> label, or iterable of Event, optional
        Panel titles; by default made from the path's ``event_type`` and
        ``announced`` columns (:func:`eventstudy.plot.event_labels`).

    Returns
    -------
    Figure
    """
    ids = list(dict.fromkeys(path["event_id"]))
    if labels is None and {"event_type", "announced"} <= set(path.columns):
        labels = path
    names = labels_for(ids, labels)
    level = path.attrs.get("level")
    band = f"{level:.0%} band" if level else "confidence band"
    interval = f"{level:.0%} interval" if level else "confidence interval"
    tickers = list(dict.fromkeys(path["ticker"]))
    legend: dict[str, object] = {}
    banded = False  # whether any panel draws a band
    both = path["candidate"].eq("latest").any()  # two candidate sessions somewhere
    n = len(ids)
    # Abnormal returns in percent; abnormal log volumes (volume models) as they are.
    volume = path.attrs.get("measure") == "volume"
    scale = 1.0 if volume else 100.0
    fig = new_figure(0.9 + 3.0 * int(np.ceil(n / columns_for(n))))
    for ax, event_id in zip(grid(fig, n), ids, strict=True):
        rows = path[path["event_id"] == event_id]
        several = rows.groupby("candidate", sort=False)["ticker"].nunique().max() > 1
        if several:
            _securities(ax, rows, tickers, legend, scale)
            if pooled is not None:
                marks = _pooled(ax, pooled[pooled["event_id"] == event_id], band, legend,
                                scale)
                banded = True
            else:
                marks = _mean_only(ax, rows, legend, scale)
        else:
            banded = True
            marks = _alone(ax, rows, len(tickers) > 1, band, tickers, legend, both, scale)
        _day0(ax, marks, interval, pooled is not None and several, legend, scale)
        ax.axhline(0, color="black", linewidth=0.6, gid=REFERENCE)
        ax.axvline(0, color=EVENT_COLOR, linewidth=1, linestyle=":", gid=REFERENCE)
        ax.set_xlim(rows["tau"].min() - 0.4, rows["tau"].max() + 0.4)
        ax.set_title(names[event_id])
        ax.set_xlabel(_sessions(rows), fontsize=9)
        ax.set_ylabel("CAV (log volume)" if volume else "CAR (%)")
        ax.xaxis.get_major_locator().set_params(integer=True)
    if volume:
        legend = _volume_names(fig, legend)
    start = path.attrs.get("start", int(path["tau"].min()) + 1)
    what = "Cumulative abnormal log volume" if volume else "Cumulative abnormal return"
    fig.suptitle(f"{what} from τ = {start} (zero at τ = {start - 1})"
                 + (f", with its {band}" if banded else ""))
    wide = max(map(len, legend)) > 45  # three long entries overflow one row
    fig.legend(list(legend.values()), list(legend), loc="outside lower center",
               ncol=min(len(legend), 2 if wide else 3))
    groups = [(ax, [t for t in ax.texts if t.get_gid() == "value label"])
              for ax in fig.axes if ax.get_visible()]
    spread_vertically([n for _, notes in groups for n in notes])
    if keep_inside(groups):  # a wider axis brings the values of close marks closer
        spread_vertically([n for _, notes in groups for n in notes])
    return fig


def _line_name(ticker: str, candidate: str, many_tickers: bool) -> str:
    parts = [ticker] if many_tickers else []
    parts += [f"{candidate} session"] if candidate else []
    return ", ".join(parts)


def _alone_name(ticker: str, candidate: str, many_tickers: bool, band: str, both: bool) -> str:
    if both and not many_tickers and candidate != "latest":
        return f"CAR with its {band} (earliest session if timing unknown)"
    head = _line_name(ticker, candidate, many_tickers)
    return f"{head}: CAR with its {band}" if head else f"CAR with its {band}"


def _alone(ax, rows, many_tickers, band, tickers, legend, both, scale) -> list[tuple]:
    """One security (per candidate): its CAR line over its band; the day-0 marks to draw.

    With one security, an event's only session and an earliest candidate share the
    first colour, so when the figure also holds latest candidates they share one
    legend entry that says so (``both``).
    """
    marks = []
    lines = list(dict.fromkeys(zip(rows["ticker"], rows["candidate"], strict=True)))
    for i, (ticker, candidate) in enumerate(lines):
        line = rows[(rows["ticker"] == ticker) & (rows["candidate"] == candidate)]
        shade = color(tickers.index(ticker) if many_tickers and not candidate else i)
        name = _alone_name(ticker, candidate, many_tickers, band, both)
        ax.fill_between(line["tau"], scale * line["lower"], scale * line["upper"], color=shade,
                        alpha=BAND_ALPHA, linewidth=0, gid=series_gid(name))
        ax.plot(line["tau"], scale * line["car"], color=shade, marker="o", markersize=3,
                gid=series_gid(name))
        legend.setdefault(name, (Patch(color=shade, alpha=BAND_ALPHA),
                                 Line2D([], [], color=shade, marker="o", markersize=3)))
        day0 = line[line["tau"] == 0]
        if len(day0):
            marks.append((shade, "AR(0)", *day0[["ar", "ar_lower", "ar_upper"]].iloc[0],
                           _rising(line, "car")))
    return marks


def _securities(ax, rows, tickers, legend, scale) -> None:
    """Several securities of one announcement: a thin line each, in the security's colour."""
    for ticker, candidate in dict.fromkeys(zip(rows["ticker"], rows["candidate"], strict=True)):
        line = rows[(rows["ticker"] == ticker) & (rows["candidate"] == candidate)]
        shade = color(tickers.index(ticker))
        style = "--" if candidate == "latest" else "-"
        name = _line_name(ticker, candidate, True)
        ax.plot(line["tau"], scale * line["car"], color=shade, linewidth=1.0, linestyle=style,
                alpha=0.9, gid=series_gid(name))
        legend.setdefault(name, Line2D([], [], color=shade, linewidth=1.0, linestyle=style))


def _mean_only(ax, rows, legend, scale) -> list[tuple]:
    """Without the pooled table: the securities' mean CAR per candidate, with no band.

    Its band needs the study's residuals (:func:`eventstudy.analysis.caar_path`).
    """
    for candidate, part in rows.groupby("candidate", sort=False):
        style = "--" if candidate == "latest" else "-"
        name = "mean CAR (CAAR)" + (f", {candidate} session" if candidate else "")
        mean = part.groupby("tau", sort=True)["car"].mean()
        ax.plot(mean.index, scale * mean.to_numpy(), color=POOLED_COLOR, linewidth=2.2,
                linestyle=style, marker="o", markersize=3, gid=series_gid(name))
        legend.setdefault(name, Line2D([], [], color=POOLED_COLOR, linewidth=2.2,
                                       linestyle=style, marker="o", markersize=3))
    return []


def _pooled(ax, pools, band, legend, scale) -> list[tuple]:
    """The announcement's CAAR over its band (one per candidate); the day-0 marks to draw."""
    marks = []
    for candidate, pool in pools.groupby("candidate", sort=False):
        style = "--" if candidate == "latest" else "-"
        name = f"mean CAR (CAAR) with its {band}" + (f", {candidate} session" if candidate
                                                       else "")
        ax.fill_between(pool["tau"], scale * pool["lower"], scale * pool["upper"],
                        color=POOLED_COLOR, alpha=BAND_ALPHA, linewidth=0,
                        gid=series_gid(name))
        ax.plot(pool["tau"], scale * pool["caar"], color=POOLED_COLOR, linewidth=2.2,
                linestyle=style, marker="o", markersize=3, gid=series_gid(name))
        legend.setdefault(name, (Patch(color=POOLED_COLOR, alpha=BAND_ALPHA),
                                 Line2D([], [], color=POOLED_COLOR, linewidth=2.2,
                                        linestyle=style, marker="o", markersize=3)))
        day0 = pool[pool["tau"] == 0]
        if len(day0):
            marks.append((POOLED_COLOR, "AAR(0)",
                          *day0[["aar", "aar_lower", "aar_upper"]].iloc[0],
                          _rising(pool, "caar")))
    return marks


VOLUME_WORDS = (("mean CAR (CAAR)", "mean CAV"), ("CAR", "CAV"),
                ("abnormal return", "abnormal log volume"))


def _volume_names(fig, legend: dict) -> dict:
    """The legend and series of a volume model's figure, named for log volume."""
    def renamed(name: str) -> str:
        for old, new in VOLUME_WORDS:
            name = name.replace(old, new)
        return name

    for ax in fig.axes:
        for artist in [*ax.lines, *ax.collections]:
            gid = artist.get_gid() or ""
            if gid.startswith(series_gid("")):
                artist.set_gid(series_gid(renamed(gid.removeprefix(series_gid("")))))
    return {renamed(name): handle for name, handle in legend.items()}


def _rising(line: pd.DataFrame, column: str) -> bool:
    """Whether the path goes up from day 0 to day 1 (its value label then goes below)."""
    values = line.set_index("tau")[column]
    return bool(values.get(1, np.nan) > values.get(0, np.nan))


def _day0(ax, marks, interval, pooled, legend, scale) -> None:
    """The day-0 abnormal return(s) with their interval and value, side by side.

    ``marks`` holds (colour, name, value, lower, upper, rising) per line.
    """
    name = (f"day-0 mean abnormal return with its {interval}" if pooled
            else f"day-0 abnormal return with its {interval}")
    offsets = np.linspace(-SPREAD, SPREAD, len(marks)) if len(marks) > 1 else [0.0]
    right = max(offsets)  # values to the right of every mark, clear of their intervals
    for x, (shade, what, value, lower, upper, rising) in zip(offsets, marks, strict=False):
        if not np.isfinite(value):
            continue
        err = [[scale * (value - lower)], [scale * (upper - value)]]
        ax.errorbar([x], [scale * value], yerr=err, fmt="D", color=shade, markersize=6,
                    markeredgecolor="white", elinewidth=2.2, capsize=4, zorder=4,
                    gid=series_gid(name))
        # Beside the mark, on the side of the path's next segment it does not cover.
        shown = percent(scale * value, 2) if scale == 100 else f"{value:+.2f}"
        what = what if scale == 100 else what.replace("AR(", "AV(")
        ax.annotate(f"{what} {shown}", (right, scale * value),
                    xytext=(8, -4 if rising else 4), textcoords="offset points",
                    va="top" if rising else "bottom", fontsize=8, color=shade,
                    gid="value label", bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                                             "ec": "none", "alpha": 0.8})
    if len(marks):
        legend.setdefault(name, Line2D([], [], color=EVENT_COLOR, marker="D", markersize=6,
                                       markeredgecolor="white", linewidth=2.2))


def _sessions(rows: pd.DataFrame) -> str:
    """The x label: sessions counted from the event session(s), dated."""
    found = list(dict.fromkeys(zip(rows["candidate"], rows["event_session"], strict=True)))
    if len(found) == 1:
        return f"Sessions from {short_date(found[0][1])} (τ = 0)"
    days = list(dict.fromkeys(day for _, day in found))
    if len({c for c, _ in found}) == len(found):  # one session per candidate
        shown = ", ".join(f"{short_date(d)} ({c})" for c, d in found)
        return f"Sessions from the event session (τ = 0):\n{shown}"
    return f"Sessions from each security's event session (τ = 0), {len(days)} dates"
