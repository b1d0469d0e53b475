"""Figures of a study (matplotlib; each function returns its Figure, made without pyplot).

``results.plot`` (:class:`ResultsPlot`, in ``accessor``) draws every figure from a
study's results; the ``plot_*`` functions draw them from the analyses' tables, one
module each: ``prices``, ``carpath``, ``moves``, ``robustness``, ``placebo``.
``labels`` names events for figures, ``placement`` keeps labels apart and inside
their axes, ``style`` holds the one style. May import ``eventstudy.core`` (the
results it draws), ``eventstudy.analysis``, ``eventstudy.events``,
``eventstudy.calendar``, ``eventstudy.sources`` and ``errors``.
"""

from .accessor import ResultsPlot
from .carpath import plot_car_path
from .labels import event_labels, short_labels
from .moves import plot_moves
from .placebo import plot_placebo
from .prices import plot_prices
from .robustness import plot_robustness

__all__ = [
    "ResultsPlot",
    "event_labels",
    "plot_car_path",
    "plot_moves",
    "plot_placebo",
    "plot_prices",
    "plot_robustness",
    "short_labels",
]
