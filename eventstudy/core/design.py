"""The study design: windows in event time and the options that shape the panel.

Relative days (tau) count trading sessions of the security's exchange from the
event session (tau = 0). Defaults follow common practice (MacKinlay 1997, sec. 3):
a 240-session estimation window [-250, -11] that ends before the event windows
start, so that the event cannot leak into the normal-return model.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from ..calendar.align import UNKNOWN_TIMING_RULES
from ..errors import SpecificationError
from ..stats.intervals import DEFAULT_LEVEL, check_level

RETURN_KINDS = ("simple", "log")
DEFAULT_ESTIMATION = (-250, -11)
DEFAULT_WINDOWS = ((0, 0), (-1, 1), (0, 1), (-5, 5))
ON_ERROR = ("raise", "skip")
# Largest session offset (in absolute value) a window may name: about 200 years of
# sessions, far beyond any calendar, and small enough that no position overflows.
MAX_OFFSET = 50_000


@dataclass(frozen=True)
class StudyDesign:
    """Windows and options of an event study.

    Parameters
    ----------
    estimation : (int, int)
        First and last relative day of the estimation window, inclusive.
    windows : sequence of (int, int)
        Event windows (first, last relative day, inclusive) for CARs.
    min_estimation : int
        Fewest usable estimation returns; an event with fewer fails.
    exclude_other_events : bool
        Remove from each event's estimation window the sessions that lie in the
        event span (union of all windows) of the same security's other events.
    returns : {"simple", "log"}
        Return definition, from adjusted closes.
    unknown_timing : {"earliest", "latest", "both"}
        Which candidate session(s) to study for events of unknown timing.
    on_error : {"raise", "skip"}
        What to do with an event that cannot be studied: raise its error, or skip
        it and report why in the results' diagnostics.
    max_gap : int
        A run of more than ``max_gap`` consecutive sessions without a price inside an
        event's estimation or event window (a trading halt or suspension) is reported
        in the diagnostics (kind ``trading_gap``).
    level : float
        Confidence level of the intervals reported beside every estimate with a
        standard error (``ci_low``, ``ci_high``; see :mod:`eventstudy.stats.intervals`),
        strictly between 0 and 1. It changes no estimate and no test; the results'
        methods take ``level=`` to override it.

    Raises
    ------
    SpecificationError
        For any option out of its domain. Offsets and counts are whole numbers
        (integers, numpy's too, or floats such as ``-250.0``): ``-250.7``, NaN,
        infinities, booleans and text are refused rather than truncated, and so are
        offsets beyond :data:`MAX_OFFSET` sessions.
    """

    estimation: tuple[int, int] = DEFAULT_ESTIMATION
    windows: tuple[tuple[int, int], ...] = field(default=DEFAULT_WINDOWS)
    min_estimation: int = 120
    exclude_other_events: bool = True
    returns: str = "simple"
    unknown_timing: str = "earliest"
    on_error: str = "raise"
    max_gap: int = 3
    level: float = DEFAULT_LEVEL

    def __post_init__(self) -> None:
        object.__setattr__(self, "estimation", _pair(self.estimation, "estimation window"))
        windows = tuple(_pair(w, "event window") for w in _windows(self.windows))
        if not windows:
            raise SpecificationError("at least one event window is needed")
        object.__setattr__(self, "windows", tuple(dict.fromkeys(windows)))
        for name in ("min_estimation", "max_gap"):
            object.__setattr__(self, name, whole_number(getattr(self, name), name))
        if not isinstance(self.exclude_other_events, bool | np.bool_):
            raise SpecificationError(
                f"exclude_other_events must be True or False, not {self.exclude_other_events!r}"
            )
        object.__setattr__(self, "exclude_other_events", bool(self.exclude_other_events))
        first, last = self.estimation
        if last >= self.span[0]:
            raise SpecificationError(
                f"the estimation window {self.estimation} must end before the first event "
                f"window day {self.span[0]}"
            )
        if self.min_estimation < 3:
            raise SpecificationError("min_estimation must be at least 3")
        if self.min_estimation > last - first + 1:
            raise SpecificationError(
                f"min_estimation {self.min_estimation} exceeds the estimation window's "
                f"{last - first + 1} sessions"
            )
        check_return_kind(self.returns)
        if self.unknown_timing not in UNKNOWN_TIMING_RULES:
            raise SpecificationError(f"unknown_timing must be one of {UNKNOWN_TIMING_RULES}")
        if self.on_error not in ON_ERROR:
            raise SpecificationError(f"on_error must be one of {ON_ERROR}")
        if self.max_gap < 0:
            raise SpecificationError(f"max_gap must be 0 or more, not {self.max_gap}")
        object.__setattr__(self, "level", check_level(self.level))

    @property
    def span(self) -> tuple[int, int]:
        """First and last relative day covered by the event windows."""
        return min(w[0] for w in self.windows), max(w[1] for w in self.windows)


def _windows(value: object) -> list:
    """The event windows as a list of pairs; one pair alone is refused (ambiguous)."""
    if isinstance(value, str | bytes) or not _iterable(value):
        raise SpecificationError(
            f"windows must be a sequence of (first, last) pairs, e.g. [(0, 1)], not {value!r}"
        )
    windows = list(value)  # type: ignore[call-overload]
    if len(windows) == 2 and all(isinstance(v, numbers.Number) for v in windows):
        raise SpecificationError(
            f"windows is a sequence of windows: write [{tuple(windows)}], not {value!r}"
        )
    return windows


def _iterable(value: object) -> bool:
    try:
        iter(value)  # type: ignore[call-overload]
    except TypeError:
        return False
    return True


def _pair(value: object, what: str) -> tuple[int, int]:
    """Two session offsets, first <= last; floats are refused, not truncated."""
    items = list(value) if not isinstance(value, str | bytes) and _iterable(value) else []
    if len(items) != 2 or not all(_is_number(v) for v in items):
        raise SpecificationError(f"{what} must be two integers, got {value!r}")
    fraction = next((v for v in items if not float(v).is_integer()), None)
    if fraction is not None:  # (also NaN and infinities)
        raise SpecificationError(
            f"{what} {value!r}: offsets count sessions and must be whole numbers, not "
            f"{fraction!r}; round them first if that is what you mean"
        )
    first, last = (whole_number(v, what) for v in items)
    if max(abs(first), abs(last)) > MAX_OFFSET:
        raise SpecificationError(
            f"{what} {value!r} reaches beyond {MAX_OFFSET:,} sessions from the event"
        )
    if first > last:
        raise SpecificationError(f"{what} ({first}, {last}) starts after it ends")
    return first, last


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def whole_number(value: object, what: str) -> int:
    """``value`` as an int: integers (numpy's too) and floats without a fractional part.

    Session offsets and counts are whole numbers: 250.7 is refused rather than
    truncated, and so are booleans, text and non-finite numbers.

    Raises
    ------
    SpecificationError
        Naming ``what`` and the value.
    """
    if not _is_number(value):
        raise SpecificationError(f"{what} must be an integer, not {value!r}")
    if isinstance(value, numbers.Integral):
        return int(value)
    number = float(value)  # type: ignore[arg-type]
    if not number.is_integer():  # (False for NaN and infinities too)
        raise SpecificationError(
            f"{what} must be a whole number, not {value!r}; round it first if that is what "
            "you mean"
        )
    return int(number)


def parse_window(text: str) -> tuple[int, int]:
    """Parse ``"A,B"`` (command-line form) into a window."""
    parts = text.replace(" ", "").split(",")
    if len(parts) != 2:
        raise SpecificationError(f"a window is two integers A,B, got {text!r}")
    try:
        pair = [int(part) for part in parts]
    except ValueError as exc:
        raise SpecificationError(f"a window is two integers A,B, got {text!r}") from exc
    return _pair(pair, "window")


def check_return_kind(kind: str) -> str:
    """Validate and return ``kind`` (one of :data:`RETURN_KINDS`)."""
    if kind not in RETURN_KINDS:
        raise SpecificationError(f"returns must be one of {RETURN_KINDS}, not {kind!r}")
    return kind
