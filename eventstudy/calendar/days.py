"""Calendar dates as day numbers since 1970-01-01, for arrays of many events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Dated(Protocol):
    """Anything with a ``date`` (an event)."""

    date: dt.date


def day_numbers(events: Sequence[Dated]) -> np.ndarray:
    """Announcement dates as int64 days since 1970-01-01.

    From date ordinals: much faster than numpy's conversion of date objects.
    """
    ordinals = np.fromiter((e.date.toordinal() for e in events), np.int64, len(events))
    return ordinals - EPOCH_ORDINAL


def iso_days(days: np.ndarray) -> np.ndarray:
    """ISO date strings (object array) of day numbers since 1970-01-01.

    Each distinct day is formatted once: studies repeat a few thousand dates.
    """
    unique, inverse = np.unique(np.asarray(days, dtype=np.int64), return_inverse=True)
    names = np.empty(len(unique), dtype=object)
    names[:] = [dt.date.fromordinal(int(d) + EPOCH_ORDINAL).isoformat() for d in unique]
    return names[inverse.ravel()]


EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


