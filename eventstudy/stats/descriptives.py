"""Pooled descriptive statistics of abnormal returns per event-window day.

:func:`daily_descriptives` gives each day's number of events, average abnormal return
(AAR), its cumulation (CAAR), cross-sectional s.d. and share of positive ARs.

References
----------
MacKinlay, A. C. (1997). Event studies in economics and finance. *Journal of Economic
Literature* 35(1), 13-39.
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

    With ``n_t`` the events present on day t (the first window day is t = 1)::

        AAR_t  = (1 / n_t) sum_i AR_it
        CAAR_t = sum_{s <= t} AAR_s
        sd_t   = sqrt((1 / (n_t - 1)) sum_i (AR_it - AAR_t)^2)

    Parameters
    ----------
    ar : array_like
        (N, T) abnormal returns, NaN where missing.

    Returns
    -------
    DailyDescriptives

    References
    ----------
    MacKinlay, A. C. (1997). Event studies in economics and finance. *Journal of
    Economic Literature* 35(1), 13-39 (aggregation of abnormal returns: AR-bar and
    CAR-bar).
    """
    ar = _matrix("ar", ar)
    n, aar, sd = _column_stats(ar)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (ar > 0).sum(axis=0) / n
    return DailyDescriptives(n, aar, np.cumsum(aar), sd, share)
