"""Rank tests: Corrado's rank test per day and the generalized rank test (GRANK) of CARs.

======================  ==========================================================
``daily_corrado_rank``  rank test (Corrado 1989; missing days as Corrado & Zivney
                        1992)
``window_grank``        generalized rank test of a CAR window (Kolari & Pynnonen
                        2011)
======================  ==========================================================

The statistics are written here from the mean scaled ranks ``U-bar_t`` of each day;
the ranks themselves, and their exact sums, come from ``eventstudy.stats._ranks``.

References
----------
Corrado, C. J. (1989). A nonparametric test for abnormal security-price performance
in event studies. *Journal of Financial Economics* 23(2), 385-395.

Corrado, C. J. and Zivney, T. L. (1992). The specification and power of the sign
test in event study hypothesis tests using daily stock returns. *Journal of
Financial and Quantitative Analysis* 27(3), 465-478.

Kolari, J. W. and Pynnonen, S. (2011). Nonparametric rank tests for event studies.
*Journal of Empirical Finance* 18(5), 953-971.
"""

from __future__ import annotations

import numpy as np

from eventstudy import blocks as _blocks

from ._arrays import _NAN, _matrix, _standardize, _vector
from ._pvalues import _p_normal, _p_t
from ._ranks import _grank_sums, _mean_uniform_ranks, _uniform_rank_means
from .outcome import DailyTestResult, TestResult
from .residuals import _summarize_residuals


def daily_corrado_rank(ar: np.ndarray, est_resid: np.ndarray) -> DailyTestResult:
    """Corrado (1989) rank test over the combined estimation and event period, per day.

    Each event's residuals and ARs over the L + T days of the combined period are
    ranked together (``K_it``, average ranks for ties) and scaled by the event's
    number of present values ``M_i`` (Corrado & Zivney 1992)::

        U_it    = K_it / (M_i + 1) - 1/2
        U-bar_t = (1 / n_t) sum_i U_it            over the n_t events present on day t
        sigma^2 = (1 / D) sum_t n_t U-bar_t^2      over the D days with any value
        z_t     = sqrt(n_t) U-bar_t / sigma        N(0, 1) under H0

    Without missing values this is exactly Corrado's (1989) ``T = (1/N) sum_i (K_i0 -
    (M + 1)/2) / S(K)`` with ``S(K)^2 = (1/M) sum_t ((1/N) sum_i (K_it - (M +
    1)/2))^2``, both sides divided by ``M + 1``.

    Parameters
    ----------
    ar : array_like
        (N, T) abnormal returns.
    est_resid : array_like
        (N, L) estimation residuals (raw, as Corrado ranks raw abnormal returns).

    Returns
    -------
    DailyTestResult
        ``name="corrado_rank"``, distribution ``"normal"``.

    References
    ----------
    Corrado, C. J. (1989). A nonparametric test for abnormal security-price
    performance in event studies. *Journal of Financial Economics* 23(2), 385-395.

    Corrado, C. J. and Zivney, T. L. (1992). The specification and power of the sign
    test in event study hypothesis tests using daily stock returns. *Journal of
    Financial and Quantitative Analysis* 27(3), 465-478 (ranks scaled by the number
    of returns, for missing values).
    """
    ar = _matrix("ar", ar)
    est = _matrix("est_resid", est_resid, ar.shape[0])
    return _corrado_rank(ar, est)


def _corrado_rank(ar: np.ndarray, est: np.ndarray) -> DailyTestResult:
    """:func:`daily_corrado_rank` of validated arrays."""
    width = est.shape[1] + ar.shape[1]
    # n_t and U-bar_t of every day of the combined period, estimation days first
    n_all, ubar = _uniform_rank_means(
        _blocks.row_blocks(ar.shape[0], width), lambda rows: np.hstack([est[rows], ar[rows]]), width
    )
    used = n_all > 0
    # sigma^2 = (1 / D) sum_t n_t U-bar_t^2 over the D days with any value
    sigma = np.sqrt((n_all[used] * ubar[used] ** 2).sum() / used.sum()) if used.any() else 0.0
    n = n_all[est.shape[1]:]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.sqrt(n) * ubar[est.shape[1]:] / sigma  # z_t = sqrt(n_t) U-bar_t / sigma
    z = np.where((n > 0) & (sigma > 0), z, np.nan)
    return DailyTestResult("corrado_rank", z, _p_normal(z), "normal", None, n)


def window_grank(
    car: np.ndarray, car_var: np.ndarray, est_resid: np.ndarray, df: np.ndarray
) -> TestResult:
    """Kolari & Pynnonen (2011) generalized rank (GRANK) test of a CAR window.

    The window is treated as one extra "day" after the L estimation days, whose
    value is the event's re-standardized CAR:

    1. ``SCAR_i = CAR_i / sqrt(car_var_i)``, re-standardized for event-induced
       volatility: ``SCAR*_i = SCAR_i / s(SCAR)`` (cross-sectional s.d., ddof=1).
    2. Generalized SARs: ``GSAR_it = e_it / s_i`` on the estimation days, with
       ``s_i^2 = sum_t e_it^2 / df_i``, and ``GSAR_i0 = SCAR*_i`` for the window.
    3. ``U_it = rank(GSAR_it) / (M_i + 1) - 1/2`` within each event over its
       ``M_i`` present values (average ranks for ties).
    4. ``Z = U-bar_0 / S_U``, ``S_U^2 = (1/T) sum_t (n_t / n) U-bar_t^2`` over the T
       days (estimation days plus the window) with any value; ``n`` events.
    5. ``t_grank = Z sqrt((T - 2) / (T - 1 - Z^2))``, Student-t with ``T - 2`` df.

    Events without a CAR, a positive ``car_var`` or a valid ``s_i`` are left out.

    Parameters
    ----------
    car, car_var : array_like
        (N,) cumulative abnormal returns and their prediction-error-corrected
        variances.
    est_resid : array_like
        (N, L) estimation residuals.
    df : array_like
        (N,) residual degrees of freedom, the divisor of ``s_i^2``.

    Returns
    -------
    TestResult
        ``name="grank"``; NaN when fewer than two events remain or ``s(SCAR) = 0``.

    References
    ----------
    Kolari, J. W. and Pynnonen, S. (2011). Nonparametric rank tests for event
    studies. *Journal of Empirical Finance* 18(5), 953-971 (Section 2, the
    generalized rank test for cumulative abnormal returns).
    """
    car = _vector("car", car)
    car_var = _vector("car_var", car_var, car.shape[0])
    est = _matrix("est_resid", est_resid, car.shape[0])
    dof = _vector("df", df, car.shape[0])
    residuals = _summarize_residuals(est, column_mean=False)
    return _grank(car, car_var, est, residuals.sum_squares, dof)


def _grank(
    car: np.ndarray, car_var: np.ndarray, est: np.ndarray, sum_squares: np.ndarray,
    dof: np.ndarray,
) -> TestResult:
    """:func:`window_grank` of validated arrays."""
    return _grank_tests([(car, car_var)], est, sum_squares, dof)[0]


def _grank_tests(
    windows: list[tuple[np.ndarray, np.ndarray]],
    est: np.ndarray,
    sum_squares: np.ndarray,
    dof: np.ndarray,
) -> list[TestResult]:
    """GRANK of several windows (validated ``(car, car_var)`` pairs) on the same events.

    The estimation SARs are computed, ranked and compared with every window's
    SCAR* in one pass over the estimation residuals (see ``_ranks._grank_sums``).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sqrt(sum_squares / dof)  # s_i^2 = sum_t e_it^2 / df_i
    usable = (s > 0) & np.isfinite(s)
    results = []
    computable = []  # (window, its SCAR* per event with NaN where left out, n)
    for w, (car, car_var) in enumerate(windows):
        scar = _standardize(car, car_var)  # SCAR_i
        keep = ~np.isnan(scar) & usable
        n = int(keep.sum())
        scar_sd = float(np.std(scar[keep], ddof=1)) if n >= 2 else _NAN
        results.append(TestResult("grank", _NAN, _NAN, "t", None, n))
        if scar_sd > 0:
            computable.append((w, np.where(keep, scar / scar_sd, np.nan), n))  # SCAR*_i
    if computable:
        sums = _grank_sums(est, s, [target for _, target, _ in computable])
        for (w, _, n), window_sums in zip(computable, sums, strict=True):
            results[w] = _grank_statistic(*window_sums, n)
    return results


def _grank_statistic(
    twice: np.ndarray, window: np.ndarray, present: np.ndarray, n: int
) -> TestResult:
    """GRANK t from a window's doubled rank sums (``_ranks._grank_sums``), steps 3-5."""
    scale = np.arange(2.0, twice.shape[0] + 2.0)  # M + 1 = m + 2 values after the SCAR*
    # U-bar_t of the estimation days, then U-bar_0 of the window
    ubar = np.append(
        _mean_uniform_ranks(twice, present, scale),
        _mean_uniform_ranks(window[:, None], np.array([n]), scale),
    )
    n_t = np.append(present, n)
    used = n_t > 0
    days = int(used.sum())
    s_u = np.sqrt((n_t[used] / n * ubar[used] ** 2).sum() / days)  # S_U
    z = ubar[-1] / s_u if s_u > 0 else _NAN  # Z = U-bar_0 / S_U
    with np.errstate(invalid="ignore", divide="ignore"):
        t = float(z * np.sqrt((days - 2.0) / (days - 1.0 - z * z)))
    df_t = days - 2.0
    p = float(_p_t(t, df_t)) if df_t > 0 else _NAN
    return TestResult("grank", t, p, "t", df_t, n)
