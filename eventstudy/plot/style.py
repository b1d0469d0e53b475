"""The one style of every figure: sizes, colours, and figures made without pyplot."""

from __future__ import annotations

import math
from functools import wraps

import matplotlib as mpl
from matplotlib.figure import Figure

WIDTH = 10.0  # inches: a notebook's width
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
BAR_COLOR = "#b8cbe0"
POOLED_COLOR = "#111111"
BAND_ALPHA = 0.18
TEXT_BOX = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85}
# Artists that are no data series (zero lines, event markers without a value) carry this gid.
REFERENCE = "reference"


def percent(value: float, digits: int = 1) -> str:
    """A signed percentage of a percent value, without a minus sign on a rounded zero."""
    rounded = round(float(value), digits)
    return f"{rounded + 0.0:+.{digits}f}%" if rounded else f"{0.0:.{digits}f}%"


def color(i: int) -> str:
    """The ``i``-th series colour, repeating after the palette's last."""
    return COLORS[i % len(COLORS)]


def series_gid(label: str) -> str:
    """The gid of an artist drawing the series that the legend names ``label``."""
    return f"series:{label}"


def styled(build):
    """Build the figure inside the module's style, so every figure looks alike."""

    @wraps(build)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(STYLE):
            return build(*args, **kwargs)

    return wrapper


def new_figure(height: float) -> Figure:
    """A figure of the notebook's width, laid out by matplotlib's constrained layout.

    Made directly, not through pyplot, so that nothing is shown or kept alive
    behind the caller's back.
    """
    return Figure(figsize=(WIDTH, height), layout="constrained")


def columns_for(n: int, most: int = 3) -> int:
    """Columns of a grid of ``n`` panels: two for four panels, else at most ``most``."""
    return 2 if n == 4 else min(n, most)


def grid(fig: Figure, n: int, most: int = 3):
    """``n`` axes in a grid of at most ``most`` columns; spare axes are hidden."""
    ncols = columns_for(n, most)
    nrows = math.ceil(n / ncols)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return axes[:n]
