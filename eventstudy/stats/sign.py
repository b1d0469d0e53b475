"""Sign and signed-rank tests: the sign test, Cowan's generalized sign test, Wilcoxon.

===================  ================================================================
``daily_sign``       sign test, p = 1/2, exact binomial p-value (Brown & Warner 1980;
                     Cowan 1992)
``daily_gen_sign``   generalized sign test (Cowan 1992)
``daily_wilcoxon``   signed-rank test (Wilcoxon 1945)
``window_sign`` ...  the same tests of the CARs of one window: ``window_sign``,
                     ``window_gen_sign``, ``window_wilcoxon``
===================  ================================================================

References
----------
Brown, S. J. and Warner, J. B. (1980). Measuring security price performance.
*Journal of Financial Economics* 8(3), 205-258.

Cowan, A. R. (1992). Nonparametric event study tests. *Review of Quantitative
Finance and Accounting* 2(4), 343-358.

Wilcoxon, F. (1945). Individual comparisons by ranking methods. *Biometrics
Bulletin* 1(6), 80-83.
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

    Zero ARs carry no sign and are dropped; among the ``n_t`` non-zero ARs of day t
    the number ``w_t`` of positive ones is Binomial(n_t, 1/2) under H0. The p-value is
    the exact two-sided binomial one (as ``scipy.stats.binomtest(w, n, 0.5)``); the
    statistic reported is the normal score, whose sign gives the direction::

        z_t = (w_t - n_t / 2) / sqrt(n_t / 4)

    Parameters
    ----------
    ar : array_like
        (N, T) abnormal returns.

    Returns
    -------
    DailyTestResult
        ``name="sign"``, distribution ``"binomial"``; ``n`` counts non-zero ARs.

    References
    ----------
    Brown, S. J. and Warner, J. B. (1980). Measuring security price performance.
    *Journal of Financial Economics* 8(3), 205-258 (the sign test).

    Cowan, A. R. (1992). Nonparametric event study tests. *Review of Quantitative
    Finance and Accounting* 2(4), 343-358 (the sign test with ``p = 0.5``).
    """
    return _sign(_matrix("ar", ar))


def _sign(ar: np.ndarray) -> DailyTestResult:
    """:func:`daily_sign` of validated ARs."""
    w = (ar > 0).sum(axis=0)
    n = w + (ar < 0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(n > 0, (w - n / 2.0) / np.sqrt(n / 4.0), np.nan)
    return DailyTestResult("sign", z, _binomial_half_p(w, n), "binomial", None, n)


def daily_gen_sign(ar: np.ndarray, est_resid: np.ndarray) -> DailyTestResult:
    """Cowan (1992) generalized sign test, per day.

    The share of positive ARs is compared with the share of positive estimation
    residuals instead of 1/2, which allows for skewed returns::

        p   = (1 / n_t) sum_i p_i       p_i: event i's fraction of strictly positive
                                        estimation residuals, over the n_t events
                                        present on day t
        z_t = (w_t - n_t p) / sqrt(n_t p (1 - p))        N(0, 1) under H0

    with ``w_t`` the number of strictly positive ARs among them.

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

    References
    ----------
    Cowan, A. R. (1992). Nonparametric event study tests. *Review of Quantitative
    Finance and Accounting* 2(4), 343-358 (the generalized sign test).
    """
    ar = _matrix("ar", ar)
    est = _matrix("est_resid", est_resid, ar.shape[0])
    residuals = _summarize_residuals(est, sum_squares=False, column_mean=False)
    return _gen_sign(ar, residuals.positive_share)


def _gen_sign(ar: np.ndarray, share: np.ndarray) -> DailyTestResult:
    """:func:`daily_gen_sign` from each event's share ``p_i`` of positive residuals."""
    # n_t, w_t and sum_i p_i over the events with an AR and residuals that day
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
        z = (w - n * p) / np.sqrt(n * p * (1.0 - p))  # z_t = (w_t - n_t p) / sqrt(...)
    z = np.where((n > 0) & (p > 0) & (p < 1), z, np.nan)
    return DailyTestResult("gen_sign", z, _p_normal(z), "normal", None, n)


def daily_wilcoxon(ar: np.ndarray) -> DailyTestResult:
    """Wilcoxon (1945) signed-rank test of symmetry about zero of the ARs, per day.

    Zero ARs are dropped (``zero_method="wilcox"``). The ``|AR|`` of the ``n_t`` others
    are ranked (average ranks for ties); ``W+`` sums the ranks of the positive ARs.
    The statistic reported is its normal score, with ``t_g`` the sizes of the tie
    groups::

        z_t = (W+ - n (n + 1) / 4) / sqrt(n (n + 1) (2n + 1) / 24 - sum_g (t_g^3 - t_g) / 48)

    The p-value is that of ``scipy.stats.wilcoxon(method="auto")``: exact for small
    samples, the normal approximation (``z_t``) otherwise.

    Parameters
    ----------
    ar : array_like
        (N, T) abnormal returns.

    Returns
    -------
    DailyTestResult
        ``name="wilcoxon"``, distribution ``"wilcoxon"``; ``n`` counts non-zero ARs.

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods. *Biometrics
    Bulletin* 1(6), 80-83.
    """
    return _wilcoxon(_matrix("ar", ar))


def _wilcoxon(ar: np.ndarray) -> DailyTestResult:
    """:func:`daily_wilcoxon` of validated ARs."""
    n, w_plus, ties = _signed_rank_sums(ar)  # n_t, W+ and sum_g (t_g^3 - t_g)
    mean = n * (n + 1) / 4.0
    var = n * (n + 1) * (2 * n + 1) / 24.0 - ties / 48.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var > 0, (w_plus - mean) / np.sqrt(var), np.nan)
    return DailyTestResult(
        "wilcoxon", z, _wilcoxon_p(ar, n, w_plus, ties), "wilcoxon", None, n
    )


def window_sign(car: np.ndarray) -> TestResult:
    """Sign test (p = 1/2, exact binomial p-value) of the CARs over one window.

    ``z = (w - n/2) / sqrt(n/4)`` with ``w`` the positive CARs among the ``n``
    non-zero ones; see :func:`daily_sign`.

    References
    ----------
    Cowan, A. R. (1992). Nonparametric event study tests. *Review of Quantitative
    Finance and Accounting* 2(4), 343-358.
    """
    return daily_sign(_column("car", car)).day(0)


def window_gen_sign(car: np.ndarray, est_resid: np.ndarray) -> TestResult:
    """Cowan (1992) generalized sign test of the CARs over one window.

    ``z = (w - n p) / sqrt(n p (1 - p))`` with ``w`` the number of positive CARs and
    ``p`` the mean fraction of positive estimation residuals; see
    :func:`daily_gen_sign`.

    References
    ----------
    Cowan, A. R. (1992). Nonparametric event study tests. *Review of Quantitative
    Finance and Accounting* 2(4), 343-358 (applied to multi-day windows there).
    """
    return daily_gen_sign(_column("car", car), est_resid).day(0)


def window_wilcoxon(car: np.ndarray) -> TestResult:
    """Wilcoxon signed-rank test of the CARs over one window; see :func:`daily_wilcoxon`.

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods. *Biometrics
    Bulletin* 1(6), 80-83.
    """
    return daily_wilcoxon(_column("car", car)).day(0)
