"""Checks of a drawn figure, read from the renderer's window extents (pixels).

Written apart from ``eventstudy.plot.placement`` so that the figures are checked by
code that did not place them:

- :func:`outside_limits`: every plotted value (line vertices and markers, band
  polygons, bars, scatter points, error bars and their caps) lies inside its axes,
  not on their frame;
- :func:`unnamed_series`: every data artist is either a reference (zero line, the
  event day) or draws a series the figure's legends name;
- :func:`overlapping_texts`: no two text boxes (titles, axis and tick labels,
  annotations with their boxes, legends) overlap, and every one lies on the canvas.
"""

from __future__ import annotations

import itertools

import numpy as np
from matplotlib.collections import Collection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

TOLERANCE = 1.0  # pixels: anti-aliasing and rounding
EPS = 1e-9  # of an axis' span: a value this close to a limit lies on it


def _draw(fig: Figure) -> None:
    fig.draw_without_rendering()


def _axes(fig: Figure):
    return [ax for ax in fig.axes if ax.get_visible()]


def _data_artists(ax):
    return [a for a in (*ax.lines, *ax.collections, *ax.patches) if a.get_visible()]


def _display_points(artist) -> np.ndarray:
    """The artist's plotted points in display coordinates (n, 2), NaN rows dropped."""
    if isinstance(artist, Line2D):
        points = artist.get_transform().transform(np.asarray(artist.get_xydata(), float))
    elif isinstance(artist, PathCollection):  # scatter: markers at the offsets
        offsets = np.asarray(artist.get_offsets(), dtype=float)
        points = artist.get_offset_transform().transform(offsets) if len(offsets) else offsets
    elif isinstance(artist, Collection):  # bands (polygons), error bars (segments)
        paths = artist.get_paths()
        vertices = [p.vertices for p in paths if len(p.vertices)]
        if not vertices:
            return np.empty((0, 2))
        points = artist.get_transform().transform(np.vstack(vertices).astype(float))
    elif isinstance(artist, Rectangle):
        points = np.asarray(artist.get_verts(), dtype=float)
    else:
        raise AssertionError(f"unexpected artist {artist!r}")
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    return points[np.isfinite(points).all(axis=1)]


def outside_limits(fig: Figure, draw: bool = True) -> list[str]:
    """Plotted values of data series not strictly inside their axes' limits.

    Strictly: a value on a limit is drawn half cut (a bar ending on the spine), so
    every value must lie in the open interval of the limits, except the base of
    bars that stand on a zero axis. Lines spanning the axes (``axvline``) are
    checked in their data coordinate only.
    """
    if draw:
        _draw(fig)
    found = []
    for ax in _axes(fig):
        (x_lo, x_hi), (y_lo, y_hi) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        for artist in _data_artists(ax):
            if artist.get_gid() == "reference":
                continue
            points = _display_points(artist)
            if not len(points):
                continue
            x, y = ax.transData.inverted().transform(points).T
            check_x = check_y = True
            if isinstance(artist, Line2D):
                transform = artist.get_transform()
                check_y = transform != ax.get_xaxis_transform()  # axvline: y spans the axes
                check_x = transform != ax.get_yaxis_transform()  # axhline: x spans the axes
            # (a relative epsilon absorbs the round trip through display coordinates)
            x_eps, y_eps = EPS * (x_hi - x_lo), EPS * (y_hi - y_lo)
            x_out = ~((x > x_lo + x_eps) & (x < x_hi - x_eps))
            y_out = ~((y > y_lo + y_eps) & (y < y_hi - y_eps))
            if isinstance(artist, Rectangle) and y_lo == 0.0:
                y_out &= np.abs(y) > y_eps  # a histogram's bars stand on the axis
            out = (x_out & check_x) | (y_out & check_y)
            if out.any():
                k = int(np.argmax(out))
                found.append(f"{ax.get_title()!r}: {artist.get_gid()} at ({x[k]:.4g}, "
                             f"{y[k]:.4g}) outside x {ax.get_xlim()} y {ax.get_ylim()}")
    return found


def legend_names(fig: Figure) -> set[str]:
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return {t.get_text() for legend in legends for t in legend.get_texts()}


def unnamed_series(fig: Figure) -> list[str]:
    """Data artists that are no reference and whose series no legend names."""
    names = legend_names(fig)
    found = []
    for ax in _axes(fig):
        for artist in _data_artists(ax):
            gid = artist.get_gid() or ""
            if gid == "reference":
                continue
            if not gid.startswith("series:"):
                found.append(f"{ax.get_title()!r}: {type(artist).__name__} without a series")
            elif gid.removeprefix("series:") not in names:
                found.append(f"{ax.get_title()!r}: {gid!r} is not in the legend {sorted(names)}")
    return found


def drawn_series(fig: Figure) -> set[str]:
    """The names of the series drawn (gids of the data artists)."""
    return {(a.get_gid() or "").removeprefix("series:") for ax in _axes(fig)
            for a in _data_artists(ax) if (a.get_gid() or "").startswith("series:")}


def _tick_labels(ax, axis) -> list[Text]:
    """The tick labels drawn: those of ticks inside the view limits, with text."""
    frame = ax.get_window_extent()
    labels = []
    for tick in axis.get_major_ticks() + axis.get_minor_ticks():
        for label in (tick.label1, tick.label2):
            if not (label.get_visible() and label.get_text()):
                continue
            x, y = label.get_position()
            if axis is ax.xaxis:
                at = ax.transData.transform((tick.get_loc(), 0))[0] if np.isfinite(
                    tick.get_loc()) else np.nan
                inside = frame.x0 - TOLERANCE <= at <= frame.x1 + TOLERANCE
            else:
                at = ax.transData.transform((0, tick.get_loc()))[1]
                inside = frame.y0 - TOLERANCE <= at <= frame.y1 + TOLERANCE
            if inside:
                labels.append(label)
    return labels


def text_boxes(fig: Figure, draw: bool = True) -> list[tuple[str, object]]:
    """(what, window extent) of every text box drawn on the figure."""
    if draw:
        _draw(fig)
    boxes = []

    def add(text: Text, what: str) -> None:
        if text is None or not text.get_visible() or not text.get_text().strip():
            return
        patch = text.get_bbox_patch()
        extent = patch.get_window_extent() if patch is not None else text.get_window_extent()
        boxes.append((f"{what} {text.get_text()!r}", extent))

    for text in fig.texts:
        if text is not fig._suptitle:
            add(text, "figure text")
    if fig._suptitle is not None:
        add(fig._suptitle, "suptitle")
    for legend in fig.legends:
        boxes.append(("figure legend", legend.get_window_extent()))
    for ax in _axes(fig):
        for title in (ax.title, ax._left_title, ax._right_title):
            add(title, "title")
        add(ax.xaxis.label, "x label")
        add(ax.yaxis.label, "y label")
        add(ax.xaxis.get_offset_text(), "x offset")
        add(ax.yaxis.get_offset_text(), "y offset")
        for label in _tick_labels(ax, ax.xaxis):
            add(label, "x tick")
        for label in _tick_labels(ax, ax.yaxis):
            add(label, "y tick")
        for text in ax.texts:
            add(text, "annotation")
        if ax.get_legend() is not None:
            boxes.append(("legend", ax.get_legend().get_window_extent()))
    return boxes


def overlapping_texts(fig: Figure, draw: bool = True) -> list[str]:
    """Pairs of text boxes that overlap, and boxes that leave the canvas."""
    boxes = text_boxes(fig, draw)
    canvas = fig.bbox
    found = []
    for what, box in boxes:
        if (box.x0 < canvas.x0 - TOLERANCE or box.x1 > canvas.x1 + TOLERANCE
                or box.y0 < canvas.y0 - TOLERANCE or box.y1 > canvas.y1 + TOLERANCE):
            found.append(f"{what} leaves the canvas")
    for (what_a, a), (what_b, b) in itertools.combinations(boxes, 2):
        dx = min(a.x1, b.x1) - max(a.x0, b.x0)
        dy = min(a.y1, b.y1) - max(a.y0, b.y0)
        if dx > TOLERANCE and dy > TOLERANCE:
            found.append(f"{what_a} overlaps {what_b} ({dx:.0f} x {dy:.0f} px)")
    return found


def check_figure(fig: Figure) -> None:
    """All three checks, on one layout; the message lists every finding."""
    _draw(fig)
    problems = (outside_limits(fig, draw=False) + unnamed_series(fig)
                + overlapping_texts(fig, draw=False))
    assert not problems, "\n".join(problems)
