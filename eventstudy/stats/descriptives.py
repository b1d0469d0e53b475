"""Pooled descriptive statistics of abnormal returns per event-window day.

:func:`daily_descriptives` gives each day's number of events, average abnormal return
(AAR), its cumulation (CAAR), cross-sectional s.d. and share of positive ARs
(MacKinlay 1997, aggregation of abnormal returns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._arrays import _column_stats, _matrix


@dataclass(frozen=True, eq=False)
class DailyDescriptives:
    """Pooled descriptive statistics of abnormal returns per event-window day.

    Attributes
    ----------
    n : numpy.ndarray
        (T,) number of events with an AR that day.
    aar : numpy.ndarray
        (T,) average abnormal return over the events present.
    caar : numpy.ndarray
        (T,) cumulative sum of ``aar`` from the first window day (NaN from the first
        day without any event on). With missing days this is the cumulated AAR,
        which differs from the mean of per-event CARs.
    sd : numpy.ndarray
        (T,) cross-sectional sample s.d. (ddof=1) of the ARs; NaN when n < 2.
    share_positive : numpy.ndarray
        (T,) fraction of present ARs that are strictly positive.
    """

    n: np.ndarray
    aar: np.ndarray
    caar: np.ndarray
    sd: np.ndarray
    share_positive: np.ndarray


def daily_descriptives(ar: np.ndarray) -> DailyDescriptives:
    """Per-day N, AAR, CAAR path, cross-sectional s.d. and share of positive ARs.

    ``AAR_t`` and the s.d. (ddof=1) use the events present on day t; ``CAAR_t =
    sum_{s <= t} AAR_s`` (MacKinlay 1997, JEL 35(1), 13-39, aggregation of
    abnormal returns: AR-bar and CAR-bar).
    """
    ar = _matrix("ar", ar)
    n, aar, sd = _column_stats(ar)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (ar > 0).sum(axis=0) / n
    return DailyDescriptives(n, aar, np.cumsum(aar), sd, share)
