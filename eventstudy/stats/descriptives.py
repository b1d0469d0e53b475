"""Pooled descriptive statistics of abnormal returns: per event-window day, per window.

:func:`daily_descriptives` gives each day's number of events, average abnormal return
(AAR), its cumulation (CAAR), cross-sectional s.d. and share of positive ARs;
:func:`car_distribution` the distribution of one window's CARs across events
(extremes, quartiles, skewness and excess kurtosis), to read beside their mean, the
CAAR.

References
----------
MacKinlay, A. C. (1997). Event studies in economics and finance. *Journal of Economic
Literature* 35(1), 13-39.

Hyndman, R. J. & Fan, Y. (1996). Sample quantiles in statistical packages. *The
American Statistician* 50(4), 361-365.

Joanes, D. N. & Gill, C. A. (1998). Comparing measures of sample skewness and
kurtosis. *Journal of the Royal Statistical Society, Series D (The Statistician)*
47(1), 183-189.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._arrays import _column_stats, _matrix, _vector


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


@dataclass(frozen=True)
class CarDistribution:
    """The distribution of one window's CARs across events (see :func:`car_distribution`).

    Attributes
    ----------
    min, q1, median, q3, max : float
        The smallest CAR, the quartiles (Hyndman & Fan 1996 type 7) and the largest.
    skewness : float
        Adjusted Fisher-Pearson skewness G1; NaN with fewer than 3 CARs or equal CARs.
    kurtosis : float
        Bias-corrected excess kurtosis G2; NaN with fewer than 4 CARs or equal CARs.
    """

    min: float
    q1: float
    median: float
    q3: float
    max: float
    skewness: float
    kurtosis: float


def car_distribution(car: np.ndarray) -> CarDistribution:
    """Extremes, quartiles, skewness and excess kurtosis of the CARs across events.

    Over the n events with a finite CAR (the events the CAAR averages), with
    ``m_k = (1 / n) sum_i (CAR_i - mean)^k``, ``g1 = m_3 / m_2^(3/2)`` and
    ``g2 = m_4 / m_2^2 - 3``::

        q1, median, q3 = the 25th, 50th and 75th percentiles, linear interpolation
                         between order statistics: type 7 of Hyndman & Fan (1996),
                         the default of numpy, pandas and R
        skewness = G1 = g1 * sqrt(n (n - 1)) / (n - 2)
        kurtosis = G2 = (n - 1) / ((n - 2) (n - 3)) * ((n + 1) g2 + 6)

    G1 is the adjusted Fisher-Pearson skewness and G2 the bias-corrected excess
    kurtosis, in the naming of Joanes & Gill (1998); pandas' ``skew()`` and ``kurt()``
    and scipy's ``skew`` and ``kurtosis`` with ``bias=False`` compute the same. A
    normal distribution has 0 for both. Skewness needs n >= 3 and kurtosis n >= 4;
    each is NaN with fewer CARs, and both when the CARs are all equal (no spread, no
    shape).

    Parameters
    ----------
    car : array_like
        (N,) CARs of one window; NaN (or inf) where an event has none.

    Returns
    -------
    CarDistribution
        Every field NaN when no event has a CAR.

    References
    ----------
    Hyndman, R. J. & Fan, Y. (1996). Sample quantiles in statistical packages. *The
    American Statistician* 50(4), 361-365.

    Joanes, D. N. & Gill, C. A. (1998). Comparing measures of sample skewness and
    kurtosis. *The Statistician* 47(1), 183-189.
    """
    values = _vector("car", car)
    values = values[np.isfinite(values)]
    if not values.size:
        return CarDistribution(*[np.nan] * 7)
    q1, median, q3 = np.percentile(values, (25, 50, 75))  # method="linear": type 7
    skewness, kurtosis = _shape(values)
    return CarDistribution(float(values.min()), float(q1), float(median), float(q3),
                           float(values.max()), skewness, kurtosis)


def _shape(values: np.ndarray) -> tuple[float, float]:
    """G1 and G2 of finite ``values`` (see :func:`car_distribution`)."""
    n = values.size
    # equal values: the deviations from their mean are rounding noise, not a shape
    if n < 3 or values.min() == values.max():
        return np.nan, np.nan
    deviations = values - values.mean()
    m2, m3, m4 = (np.mean(deviations**k) for k in (2, 3, 4))
    if not m2 > 0:  # deviations too small to square (below 1e-154)
        return np.nan, np.nan
    skewness = m3 / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2)
    if n < 4:
        return float(skewness), np.nan
    excess = m4 / m2**2 - 3.0
    kurtosis = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * excess + 6.0)
    return float(skewness), float(kurtosis)
