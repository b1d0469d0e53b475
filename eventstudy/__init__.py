"""eventstudy: financial event studies of policy actions.

Line policy events up with the first trading session that could react, model normal
returns, and measure and test abnormal returns. The subpackages follow the data flow:

- ``sources``: prices and returns in (DataFrames, files, the bundled snapshot, Yahoo,
  CRSP-shaped tables), one validation for all securities;
- ``calendar``: exchange sessions, and the session an announcement reaches;
- ``events``: events as data, from objects, tables or files;
- ``core``: the study (design, series, panel, models, :class:`EventStudy`, results);
- ``stats``: the tests, by family, and the batteries that run them over a study;
- ``analysis``, ``plot``, ``report``: what the case notebooks show, and their build;
- ``cli``: the ``eventstudy`` command.

``errors``, ``blocks``, ``collector``, ``progress`` and ``version`` serve them all.
"""

from .calendar import candidate_sessions, event_sessions
from .core import (
    ConstantMean,
    Dimson,
    EventStudy,
    EventStudyResults,
    FactorModel,
    LinearModel,
    MarketAdjusted,
    MarketModel,
    ScholesWilliams,
    StudyDesign,
)
from .errors import EventStudyError
from .events import (
    Event,
    as_events,
    bundled_cases,
    bundled_events,
    events_frame,
    read_catalog,
)
from .sources import (
    BundledPrices,
    FilePrices,
    FramePrices,
    PriceSource,
    ReturnSource,
    read_returns,
)
from .sources.yahoo import YahooPrices, fetch
from .version import __version__

__all__ = [
    "BundledPrices",
    "ConstantMean",
    "Dimson",
    "Event",
    "EventStudy",
    "EventStudyError",
    "EventStudyResults",
    "FactorModel",
    "FilePrices",
    "FramePrices",
    "LinearModel",
    "MarketAdjusted",
    "MarketModel",
    "PriceSource",
    "ReturnSource",
    "ScholesWilliams",
    "StudyDesign",
    "YahooPrices",
    "__version__",
    "as_events",
    "bundled_cases",
    "bundled_events",
    "candidate_sessions",
    "event_sessions",
    "events_frame",
    "fetch",
    "read_catalog",
    "read_returns",
]
