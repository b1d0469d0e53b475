"""Placing text on a figure so that no two labels overlap and none leaves its axes.

Text sizes are known only once the figure is laid out, so each step lays it out
(:meth:`matplotlib.figure.Figure.draw_without_rendering`) and reads the window
extents (pixels) of the labels; moves are made in points, which scale with the
figure's resolution as the labels do, so a placement holds at any dpi.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Annotation

PAD = 2.0  # pixels kept between two labels


def lay_out(fig: Figure) -> None:
    """Run the layout engine and position every artist, without rendering pixels."""
    fig.draw_without_rendering()


def overlap(a, b, pad: float = 0.0) -> bool:
    """Whether two window extents (Bbox) come closer than ``pad`` pixels."""
    return (a.x0 < b.x1 + pad and b.x0 < a.x1 + pad
            and a.y0 < b.y1 + pad and b.y0 < a.y1 + pad)


def _points(fig: Figure, pixels: float) -> float:
    return pixels * 72.0 / fig.dpi


def _shift(note: Annotation, dy_pixels: float) -> None:
    """Move an annotation placed by an offset in points up by ``dy_pixels``."""
    x, y = note.xyann
    note.xyann = (x, y + _points(note.figure, dy_pixels))


def stack_down(notes: Sequence[Annotation], step: float) -> None:
    """Lower each annotation, in order, by ``step`` points until it meets none before it.

    For labels hanging from the top of their axes (event names at their sessions):
    the first keeps the top row, later ones take the highest row that is free.
    """
    if not notes:
        return
    lay_out(notes[0].figure)
    placed = []
    for note in notes:
        x, y = note.xyann
        row = 0
        while any(overlap(note.get_window_extent(), other, PAD) for other in placed):
            row += 1
            note.xyann = (x, y - row * step)
        placed.append(note.get_window_extent())


def spread_vertically(notes: Sequence[Annotation], pad: float = PAD) -> None:
    """Move overlapping annotations apart vertically, half each way, until none overlaps.

    For labels beside one mark or close marks (a value beside a marker): their
    order from bottom to top is kept. The boxes are measured once and moved as
    numbers; the annotations then take their final offsets.
    """
    notes = [n for n in notes if n.get_visible() and n.get_text()]
    if len(notes) < 2:
        return
    lay_out(notes[0].figure)
    boxes = np.array([n.get_window_extent().extents for n in notes])  # x0, y0, x1, y1
    moved = np.zeros(len(notes))
    order = np.argsort(0.5 * (boxes[:, 1] + boxes[:, 3]), kind="stable")
    for _ in range(100):
        done = True
        for k, i in enumerate(order):
            for j in order[k + 1:]:
                a, b = boxes[i] + [0, moved[i], 0, moved[i]], boxes[j] + [0, moved[j], 0, moved[j]]
                if a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and \
                        b[1] < a[3] + pad:
                    need = a[3] + pad - b[1] + 0.5
                    moved[i] -= need / 2
                    moved[j] += need / 2
                    done = False
        if done:
            break
    for note, dy in zip(notes, moved, strict=True):
        if dy:
            _shift(note, dy)


def keep_inside(groups: Sequence[tuple[Axes, Sequence]], axis: str = "y",
                tries: int = 6) -> bool:
    """Widen axes' limits until every label lies inside its axes; whether any grew.

    ``groups`` pairs each axes with its labels (all measured on one layout per
    try). ``axis`` is ``"y"``, ``"x"`` or ``"xy"``: the limits that may grow.
    Labels that hang from the axes' frame (axes-fraction coordinates) move with it
    and are better placed inside it to begin with.
    """
    groups = [(ax, [n for n in notes if n.get_visible() and n.get_text()])
              for ax, notes in groups]
    groups = [(ax, notes) for ax, notes in groups if notes]
    grew = False
    for _ in range(tries):
        if not groups:
            break
        lay_out(groups[0][0].figure)
        grown = False
        for ax, notes in groups:
            frame = ax.get_window_extent()
            boxes = [n.get_window_extent() for n in notes]
            below = frame.y0 - min(b.y0 for b in boxes)
            above = max(b.y1 for b in boxes) - frame.y1
            left = frame.x0 - min(b.x0 for b in boxes)
            right = max(b.x1 for b in boxes) - frame.x1
            if "y" in axis and (below > 0 or above > 0):
                _grow(ax, "y", frame.height, max(below, 0) + PAD, max(above, 0) + PAD)
                grown = True
            if "x" in axis and (left > 0 or right > 0):
                _grow(ax, "x", frame.width, max(left, 0) + PAD, max(right, 0) + PAD)
                grown = True
        grew |= grown
        if not grown:
            break
    return grew


def _grow(ax: Axes, axis: str, size: float, low: float, high: float) -> None:
    """Widen one axis by ``low`` and ``high`` pixels on either side (in its own scale)."""
    get, put = (ax.get_ylim, ax.set_ylim) if axis == "y" else (ax.get_xlim, ax.set_xlim)
    scale = ax.yaxis.get_transform() if axis == "y" else ax.xaxis.get_transform()
    lo, hi = scale.transform(np.array(get()))
    # Widening moves the labels too (they keep their offset from their data point):
    # widen by the share of the new span they need, not by the old one.
    total = size - low - high
    if total <= size * 0.2:
        total = size * 0.2
    per_pixel = (hi - lo) / total
    new = scale.inverted().transform(np.array([lo - low * per_pixel, hi + high * per_pixel]))
    put(*new)
