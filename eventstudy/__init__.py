"""eventstudy: financial event studies of policy actions.

Line policy events up with the first trading session that could react, model
normal returns, and measure and test abnormal returns.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("eventstudy")
except PackageNotFoundError:  # running from a checkout without installation
    __version__ = "0+unknown"

from .calendar import candidate_sessions, event_sessions  # noqa: E402
from .design import StudyDesign  # noqa: E402
from .errors import EventStudyError  # noqa: E402
from .events import (  # noqa: E402
    Event,
    as_events,
    bundled_cases,
    bundled_events,
    events_frame,
    read_catalog,
)
from .results import EventStudyResults  # noqa: E402
from .sources import (  # noqa: E402
    BundledPrices,
    FilePrices,
    FramePrices,
    PriceSource,
    ReturnSource,
    read_returns,
)
from .sources.yahoo import YahooPrices, fetch  # noqa: E402
from .study import EventStudy  # noqa: E402

__all__ = [
    "BundledPrices",
    "Event",
    "EventStudy",
    "EventStudyError",
    "EventStudyResults",
    "FilePrices",
    "FramePrices",
    "PriceSource",
    "ReturnSource",
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
