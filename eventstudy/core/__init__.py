"""The study core: from events and data to results.

``design`` (windows and options) -> ``series`` (every security on its sessions, flat
arrays) -> ``panel`` (event-time arrays) -> ``models`` (normal returns, fitted for all
events at once) -> ``study`` (:class:`EventStudy`, with ``engine`` for partitions and
Dask) -> ``results`` (tables at full precision) and ``summary`` (the same rounded for
reading: text, HTML, LaTeX, Markdown, Excel); ``diagnostics`` travel with them; the
second stage, ``secondstage`` (cross-sectional regressions of CARs, comparisons of
groups of events) on the rows of ``characteristics`` (one window's rows joined to
event and firm characteristics, and the rows left out).
May import ``eventstudy.stats``, ``eventstudy.events``, ``eventstudy.calendar``,
``eventstudy.sources`` and the foundation modules (``errors``, ``blocks``,
``collector``, ``progress``). One exception, named in ``tests/test_layout.py``:
the ``results.plot`` property imports ``eventstudy.plot`` when it is first called, so
that the figures hang off the results without core loading matplotlib.
"""

from .design import RETURN_KINDS, StudyDesign
from .diagnostics import Diagnostics
from .models import (
    MODELS,
    ConstantMean,
    Dimson,
    FactorModel,
    LinearModel,
    MarketAdjusted,
    MarketModel,
    NormalReturnModel,
    ScholesWilliams,
    VolumeMarketModel,
    VolumeMeanAdjusted,
    get_model,
)
from .results import EventStudyResults
from .study import EventStudy
from .summary import Summary, SummaryTable

__all__ = [
    "MODELS",
    "RETURN_KINDS",
    "ConstantMean",
    "Diagnostics",
    "Dimson",
    "EventStudy",
    "EventStudyResults",
    "FactorModel",
    "LinearModel",
    "MarketAdjusted",
    "MarketModel",
    "NormalReturnModel",
    "ScholesWilliams",
    "StudyDesign",
    "Summary",
    "SummaryTable",
    "VolumeMarketModel",
    "VolumeMeanAdjusted",
    "get_model",
]
