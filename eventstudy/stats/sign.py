"""Sign and signed-rank tests: the sign test, Cowan's generalized sign test, Wilcoxon.

===================  ===========================================================
``daily_sign``       sign test, p = 1/2, exact binomial p-value
``daily_gen_sign``   generalized sign test (Cowan 1992)
``daily_wilcoxon``   signed-rank test (Wilcoxon 1945)
``window_*``         the same tests of the CARs of one window
===================  ===========================================================
"""

from __future__ import annotations

import numpy as np

from ._arrays import _column, _column_sums, _complete, _matrix
from ._pvalues import _binomial_half_p, _p_normal, _wilcoxon_p
from ._ranks import _signed_rank_sums
from .outcome import DailyTestResult, TestResult
from .residuals import _summarize_residuals


def daily_sign(ar: np.ndarray) -> DailyTestResult:
    """Sign test of a zero median abnormal return (p = 1/2), per day.

    Zero ARs carry no sign and are dropped; among the ``n_t`` non-zero ARs the
    number ``w_t`` of positive ones is Binomial(n_t, 1/2) under H0. The p-value is
    the exact two-sided binomial one (as ``scipy.stats.binomtest(w, n, 0.5)``); the
    reported statistic is the normal score ``(w - n/2) / sqrt(n/4)``, whose sign
    gives the direction. Cowan (1992), *RQFA* 2(4), 343-358, sign test with
    ``p = 0.5`` (cf. Brown & Warner 1980).

    Returns
    -------
    DailyTestResult
        ``name="sign"``, distribution ``"binomial"``; ``n`` counts non-zero ARs.
    """
    return _sign(_matrix("ar", ar))


def _sign(ar: np.ndarray) -> DailyTestResult:
    w = (ar > 0).sum(axis=0)
    n = w + (ar < 0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(n > 0, (w - n / 2.0) / np.sqrt(n / 4.0), np.nan)
    return DailyTestResult("sign", z, _binomial_half_p(w, n), "binomial", None, n)


def daily_gen_sign(ar: np.ndarray, est_resid: np.ndarray) -> DailyTestResult:
    """Cowan (1992) generalized sign test, per day.

    ``z_t = (w_t - n_t p) / sqrt(n_t p (1 - p))`` with ``w_t`` the number of
    strictly positive ARs among the ``n_t`` events present and ``p`` the average,
    over those events, of each event's fraction of strictly positive estimation
    residuals; N(0, 1) under H0. Cowan (1992), "Nonparametric Event Study Tests",
    *Review of Quantitative Finance and Accounting* 2(4), 343-358.

    Parameters
    ----------
    ar : array_like
        (N, T) abnormal returns.
    est_resid : array_like
        (N, L) estimation residuals; events without any are left out.

    Returns
    -------
    DailyTestResult
        ``name="gen_sign"``; NaN where ``n_t = 0`` or ``p`` is 0 or 1.
    """
    ar = _matrix("ar", ar)
    est = _matrix("est_resid", est_resid, ar.shape[0])
    residuals = _summarize_residuals(est, sum_squares=False, column_mean=False)
    return _gen_sign(ar, residuals.positive_share)


def _gen_sign(ar: np.ndarray, share: np.ndarray) -> DailyTestResult:
    if _complete(ar) and _complete(share):
        n = np.full(ar.shape[1], ar.shape[0])
        w = np.count_nonzero(ar > 0, axis=0)
        share_sum = _column_sums(share, ar.shape)
    else:
        ok = ~np.isnan(ar) & ~np.isnan(share)[:, None]
        n = ok.sum(axis=0)
        w = (ok & (ar > 0)).sum(axis=0)
        share_sum = np.where(ok, share[:, None], 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = share_sum / n
        z = (w - n * p) / np.sqrt(n * p * (1.0 - p))
    z = np.where((n > 0) & (p > 0) & (p < 1), z, np.nan)
    return DailyTestResult("gen_sign", z, _p_normal(z), "normal", None, n)


def daily_wilcoxon(ar: np.ndarray) -> DailyTestResult:
    """Wilcoxon (1945) signed-rank test of symmetry about zero of the ARs, per day.

    Zero ARs are dropped (``zero_method="wilcox"``). The statistic reported is the
    normal score ``(W+ - n(n+1)/4) / sqrt(n(n+1)(2n+1)/24 - sum(t^3 - t)/48)``
    (``W+`` the sum of ranks of |AR| over positive ARs, average ranks for ties,
    ``t`` tie-group sizes); the p-value is ``scipy.stats.wilcoxon(method="auto")``:
    exact for small samples, normal approximation otherwise. Wilcoxon (1945),
    "Individual Comparisons by Ranking Methods", *Biometrics Bulletin* 1(6), 80-83.

    Returns
    -------
    DailyTestResult
        ``name="wilcoxon"``; ``n`` counts non-zero ARs.
    """
    return _wilcoxon(_matrix("ar", ar))


def _wilcoxon(ar: np.ndarray) -> DailyTestResult:
    n, w_plus, ties = _signed_rank_sums(ar)
    mean = n * (n + 1) / 4.0
    var = n * (n + 1) * (2 * n + 1) / 24.0 - ties / 48.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var > 0, (w_plus - mean) / np.sqrt(var), np.nan)
    return DailyTestResult(
        "wilcoxon", z, _wilcoxon_p(ar, n, w_plus, ties), "wilcoxon", None, n
    )


def window_sign(car: np.ndarray) -> TestResult:
    """Sign test (p = 1/2, exact binomial p-value) of the CARs; see :func:`daily_sign`."""
    return daily_sign(_column("car", car)).day(0)


def window_gen_sign(car: np.ndarray, est_resid: np.ndarray) -> TestResult:
    """Cowan (1992) generalized sign test of the CARs over one window.

    ``z = (w - n p) / sqrt(n p (1 - p))`` with ``w`` the number of positive CARs and
    ``p`` the mean fraction of positive estimation residuals (Cowan 1992, *RQFA*
    2(4), 343-358, applied to multi-day windows as in that paper).
    """
    return daily_gen_sign(_column("car", car), est_resid).day(0)


def window_wilcoxon(car: np.ndarray) -> TestResult:
    """Wilcoxon signed-rank test of the CARs; see :func:`daily_wilcoxon`."""
    return daily_wilcoxon(_column("car", car)).day(0)
