"""Typed errors raised by eventstudy.

Every error derives from :class:`EventStudyError` (itself a ``ValueError``) so that
callers can catch the whole family at once, and the command line can turn any of
them into a single line on stderr. Messages name the event, security, date or file
involved and, where possible, what to do next.
"""

from __future__ import annotations


class EventStudyError(ValueError):
    """Base class of all errors raised by eventstudy."""


class DataIntegrityError(EventStudyError):
    """A bundled or cached data file does not match its recorded checksum or schema."""


class CacheLockedError(EventStudyError):
    """Another process holds a cache file's lock (it is refreshing it) for too long."""


class CatalogError(EventStudyError):
    """An event catalog row is malformed (unknown type, timing, exchange, bad date...)."""


class UnknownTickerError(EventStudyError):
    """No price series is available for the requested ticker."""


class PriceDataError(EventStudyError):
    """A price series is malformed: wrong columns, bad values, unsorted or duplicate dates.

    ``line`` is the file line of the offending row, when the rows came from a file.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class CalendarError(EventStudyError):
    """An announcement cannot be placed on its exchange's calendar."""


class EventWindowError(EventStudyError):
    """An event's estimation or event window is not covered by the available data."""


class InsufficientDataError(EventWindowError):
    """Too few estimation returns remain to fit the normal-return model."""


class SpecificationError(EventStudyError):
    """An option is invalid: unknown model, malformed window, bad return type."""


class FactorSourceError(EventStudyError):
    """Factors could not be downloaded and none are cached."""


class ReportError(EventStudyError):
    """A report or notebook could not be built: a notebook is missing or one of its cells failed."""


class MissingDependencyError(EventStudyError, ImportError):
    """An optional dependency is not installed (e.g. openpyxl for Excel files).

    Also an ``ImportError``, as pandas' own errors for missing optional packages are;
    the message names the package and the ``pip install`` that provides it.
    """


class PriceSourceWarning(UserWarning):
    """Prices came from a fallback (cache or bundled snapshot) instead of the source asked for."""


class FactorSourceWarning(UserWarning):
    """Factors came from the cache because a download was needed but failed (or offline)."""


class ExcludedEventsWarning(UserWarning):
    """Events were left out of a cross-sectional regression or a group comparison.

    A row of the results without a match in the characteristics, or with a missing
    value the analysis needs (its CAR, a characteristic, its group), is not used;
    the warning says which and why, and the returned object lists them
    (``result.excluded``, ``table.attrs["excluded"]``).
    """
