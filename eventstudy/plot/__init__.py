"""Figures of a study, from the analyses' tables (matplotlib; each returns its Figure).

May import ``eventstudy.analysis`` (for its result types), ``eventstudy.events``,
``eventstudy.calendar``, ``eventstudy.sources`` and ``errors``.
"""

from .figures import (
    plot_car_path,
    plot_moves,
    plot_placebo,
    plot_prices,
    plot_robustness,
    short_labels,
)

__all__ = [
    "plot_car_path",
    "plot_moves",
    "plot_placebo",
    "plot_prices",
    "plot_robustness",
    "short_labels",
]
