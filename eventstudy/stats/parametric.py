"""Parametric tests: the single-event t, the cross-sectional and portfolio t, Patell, BMP.

========================  =====================================================
``car_t_test``            single-event t of a CAR (MacKinlay 1997)
``daily_csect_t``         cross-sectional t of the AAR (Brown & Warner 1985)
``daily_bw_portfolio_t``  portfolio t, crude dependence adjustment (Brown & Warner 1980, 1985)
``daily_patell``          standardized residual test (Patell 1976)
``daily_bmp``             standardized cross-sectional test (Boehmer, Musumeci & Poulsen 1991)
``daily_kp_patell``       Patell adjusted for cross-correlation (Kolari & Pynnonen 2010)
``daily_kp_bmp``          BMP adjusted for cross-correlation (Kolari & Pynnonen 2010)
``window_*``              the same tests (but the portfolio t) of the CARs of one window
========================  =====================================================
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._arrays import (
    _NAN,
    _ar_pair,
    _column,
    _column_stats,
    _column_sums,
    _complete,
    _matrix,
    _standardize,
    _t_df,
    _t_ratio,
    _vector,
)
from ._pvalues import _p_normal, _p_t
from .outcome import DailyTestResult, TestResult
from .residuals import _summarize_residuals


def car_t_test(car: np.ndarray, variance: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, ...]:
    """Single-event t test of a cumulative abnormal return, vectorised over events.

    Follows MacKinlay (1997), "Event Studies in Economics and Finance", *Journal of
    Economic Literature* 35(1), eqs. (7)-(8) and the CAR generalisation in Campbell,
    Lo & MacKinlay (1997), *The Econometrics of Financial Markets*, ch. 4, eq. (4.4.9):
    under H0 the standardised CAR, ``CAR / sqrt(var(CAR))``, is Student-t with the
    estimation window's residual degrees of freedom (``L1 - 2`` for the market model).
    ``variance`` must already include the prediction-error correction.

    Parameters
    ----------
    car, variance, df : array_like
        Cumulative abnormal returns, their variances and the degrees of freedom,
        all broadcastable to the same shape.

    Returns
    -------
    se, t_stat, p_value : numpy.ndarray
        Standard errors, t statistics and two-sided p-values.
    """
    car = np.asarray(car, dtype=float)
    se = np.sqrt(np.asarray(variance, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_stat = car / se
    return se, t_stat, _p_t(t_stat, np.asarray(df, dtype=float))


def daily_csect_t(ar: np.ndarray) -> DailyTestResult:
    """Cross-sectional t test of the average abnormal return (AAR), per day.

    ``t_t = AAR_t / (s_t / sqrt(n_t))`` with ``s_t`` the cross-sectional sample
    s.d. (ddof=1) of the day's ARs, Student-t with ``n_t - 1`` df. This is the
    "cross-sectional test" of Brown & Warner (1985), "Using Daily Stock Returns:
    The Case of Event Studies", *Journal of Financial Economics* 14(1), 3-31, and
    the "cross-sectional method" of Boehmer, Musumeci & Poulsen (1991), *JFE*
    30(2), 253-272. Campbell, Lo & MacKinlay (1997), ch. 4 ("Modifying the Null
    Hypothesis"), estimate var(AAR) as ``(1/N^2) sum (AR - AAR)^2``; the unbiased
    ``1/(N(N-1))`` form is used here, as in ``scipy.stats.ttest_1samp``.

    Parameters
    ----------
    ar : array_like
        (N, T) abnormal returns, NaN where missing.

    Returns
    -------
    DailyTestResult
        ``name="csect_t"``, distribution ``"t"``; NaN where ``n_t < 2`` or ``s_t = 0``.
    """
    return _csect_t(_matrix("ar", ar))


def _csect_t(ar: np.ndarray, stats: tuple[np.ndarray, ...] | None = None) -> DailyTestResult:
    n, mean, sd = _column_stats(ar) if stats is None else stats
    t = _t_ratio(mean, sd, n)
    df = _t_df(n)
    return DailyTestResult("csect_t", t, _p_t(t, df), "t", df, n)


def daily_bw_portfolio_t(ar: np.ndarray, est_resid: np.ndarray) -> DailyTestResult:
    """Brown & Warner portfolio t test with the crude dependence adjustment, per day.

    ``t_t = AAR_t / S(AAR)``, where ``S(AAR)`` is the time-series sample s.d.
    (ddof=1) of the estimation-window average residual ``AAR_j = mean_i e_ij``
    over the L' estimation days with any residual; Student-t with ``L' - 1`` df.
    Follows Brown & Warner (1980), "Measuring Security Price Performance", *JFE*
    8(3), 205-258, and (1985), *JFE* 14(1), 3-31, "crude dependence adjustment"
    (their ``A-bar_t / S(A-bar_t)``, t with 238 df for 239 estimation days).

    Parameters
    ----------
    ar : array_like
        (N, T) abnormal returns.
    est_resid : array_like
        (N, L) estimation residuals; column j is the same relative (for clustered
        events, calendar) day, which is what makes the portfolio s.d. reflect
        cross-correlation.

    Returns
    -------
    DailyTestResult
        ``name="bw_portfolio_t"``, distribution ``"t"``, df ``L' - 1`` each day.

    Notes
    -----
    As in the original, ``S(AAR)`` is the s.d. of an average over all events; no
    rescaling is made for days on which fewer events are present.
    """
    ar = _matrix("ar", ar)
    est = _matrix("est_resid", est_resid, ar.shape[0])
    return _bw_portfolio_t(ar, _summarize_residuals(est, sum_squares=False).column_mean)


def _bw_portfolio_t(
    ar: np.ndarray, est_aar: np.ndarray, stats: tuple[np.ndarray, ...] | None = None
) -> DailyTestResult:
    n, aar, _ = _column_stats(ar) if stats is None else stats
    days = est_aar[~np.isnan(est_aar)]
    sd = float(np.std(days, ddof=1)) if days.size >= 2 else _NAN
    with np.errstate(invalid="ignore", divide="ignore"):
        t = aar / sd if sd > 0 else np.full(aar.shape, np.nan)
    df = np.full(aar.shape, days.size - 1.0 if days.size >= 2 else _NAN)
    return DailyTestResult("bw_portfolio_t", t, _p_t(t, df), "t", df, n)


def daily_patell(ar: np.ndarray, ar_var: np.ndarray, df: np.ndarray) -> DailyTestResult:
    """Patell (1976) standardized residual test, per day.

    ``SAR_it = AR_it / sqrt(s_i^2 C_it)`` (prediction-error corrected, MacKinlay
    1997 eq. 8) is Student-t with ``df_i`` degrees of freedom, so its variance is
    ``df_i / (df_i - 2)`` (Patell's ``(m_i - 2)/(m_i - 4)`` for the market model);
    ``Z_t = sum_i SAR_it / sqrt(sum_i df_i / (df_i - 2))`` is N(0, 1) under H0.
    Patell (1976), "Corporate Forecasts of Earnings Per Share and Stock Price
    Behavior: Empirical Tests", *Journal of Accounting Research* 14(2), 246-276.

    Parameters
    ----------
    ar, ar_var : array_like
        (N, T) abnormal returns and their prediction-error-corrected variances.
    df : array_like
        (N,) residual degrees of freedom; events with ``df <= 2`` (infinite t
        variance) are left out and not counted in ``n``.

    Returns
    -------
    DailyTestResult
        ``name="patell"``, distribution ``"normal"``; NaN where ``n_t = 0``.
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    dof = _vector("df", df, ar.shape[0])
    return _patell(_standardize(ar, ar_var), dof)


def _patell(sar: np.ndarray, dof: np.ndarray) -> DailyTestResult:
    z, n = _patell_z(sar, dof)
    return DailyTestResult("patell", z, _p_normal(z), "normal", None, n)


def _patell_z(sar: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum of SARs over the root of the sum of their t variances ``df/(df-2)``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sar_var = np.where(df > 2, df / (df - 2.0), np.nan)
    if _complete(sar) and _complete(sar_var):
        n = np.full(sar.shape[1], sar.shape[0])
        total, variance = sar.sum(axis=0), _column_sums(sar_var, sar.shape)
    else:
        ok = ~np.isnan(sar) & ~np.isnan(sar_var)[:, None]
        n = ok.sum(axis=0)
        total = np.where(ok, sar, 0.0).sum(axis=0)
        variance = np.where(ok, sar_var[:, None], 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = total / np.sqrt(variance)
    return np.where(n > 0, z, np.nan), n


def daily_bmp(ar: np.ndarray, ar_var: np.ndarray) -> DailyTestResult:
    """Boehmer, Musumeci & Poulsen (1991) standardized cross-sectional test, per day.

    The cross-sectional t of the standardized abnormal returns
    ``SAR_it = AR_it / sqrt(ar_var_it)``: ``t_t = mean(SAR) / (s(SAR) / sqrt(n_t))``
    with ``s`` the cross-sectional sample s.d. (ddof=1), Student-t with ``n_t - 1``
    df. Boehmer, Musumeci & Poulsen (1991), "Event-study methodology under
    conditions of event-induced variance", *JFE* 30(2), 253-272, "standardized
    cross-sectional" test (SARs standardized as in Patell 1976).

    Parameters
    ----------
    ar, ar_var : array_like
        (N, T) abnormal returns and their prediction-error-corrected variances.

    Returns
    -------
    DailyTestResult
        ``name="bmp"``, distribution ``"t"``; NaN where ``n_t < 2``.
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    return _bmp(_standardize(ar, ar_var))


def _bmp(sar: np.ndarray) -> DailyTestResult:
    return replace(_csect_t(sar), name="bmp")


def daily_kp_patell(
    ar: np.ndarray,
    ar_var: np.ndarray,
    df: np.ndarray,
    est_resid: np.ndarray,
    *,
    rbar: float | None = None,
) -> DailyTestResult:
    """Kolari & Pynnonen (2010) cross-correlation-adjusted Patell test, per day.

    ``z_adj = z_Patell / sqrt(1 + (n_t - 1) r)``, N(0, 1) under H0, with ``r``
    the average estimation-residual cross-correlation. Kolari & Pynnonen (2010),
    *RFS* 23(11), 3996-4025, the adjusted Patell statistic (Section 1); ``z_Patell``
    as in :func:`daily_patell`, ``r`` from all events, ``n_t`` the day's count.
    ``rbar``, if given, is used as ``r`` (see :func:`daily_kp_bmp`).

    Returns
    -------
    DailyTestResult
        ``name="kp_patell"``, distribution ``"normal"``.
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    dof = _vector("df", df, ar.shape[0])
    rbar = _rbar_of(est_resid, ar.shape[0], rbar)
    return _kp_patell(_patell(_standardize(ar, ar_var), dof), rbar)


def _kp_patell(patell: DailyTestResult, rbar: float) -> DailyTestResult:
    z = patell.statistic * _kp_patell_factor(rbar, patell.n)
    return DailyTestResult("kp_patell", z, _p_normal(z), "normal", None, patell.n)


def _kp_patell_factor(rbar: float, n: np.ndarray) -> np.ndarray:
    """Kolari-Pynnonen correction of the Patell z: 1 / sqrt(1 + (n - 1) r)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 / np.sqrt(1.0 + (n - 1.0) * rbar)


def daily_kp_bmp(
    ar: np.ndarray, ar_var: np.ndarray, est_resid: np.ndarray, *, rbar: float | None = None
) -> DailyTestResult:
    """Kolari & Pynnonen (2010) cross-correlation-adjusted BMP test, per day.

    ``t_adj = t_BMP * sqrt((1 - r) / (1 + (n_t - 1) r))`` with ``r`` the average
    cross-correlation of the estimation residuals
    (:func:`average_residual_correlation`); Student-t with ``n_t - 1`` df like the
    BMP t it rescales. Kolari & Pynnonen (2010), *Review of Financial Studies*
    23(11), 3996-4025, the adjusted BMP statistic (Section 1). ``r`` is computed
    once from all events' residuals, ``n_t`` is the day's count.

    Parameters
    ----------
    ar, ar_var : array_like
        (N, T) abnormal returns and their prediction-error-corrected variances.
    est_resid : array_like
        (N, L) estimation residuals.
    rbar : float, optional
        ``r`` if already computed from ``est_resid``
        (:func:`average_residual_correlation`); computed here when None.

    Returns
    -------
    DailyTestResult
        ``name="kp_bmp"``; NaN where BMP is NaN or ``1 + (n_t - 1) r <= 0``.
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    rbar = _rbar_of(est_resid, ar.shape[0], rbar)
    return _kp_bmp(_bmp(_standardize(ar, ar_var)), rbar)


def _kp_bmp(bmp: DailyTestResult, rbar: float) -> DailyTestResult:
    t = bmp.statistic * _kp_bmp_factor(rbar, bmp.n)
    return DailyTestResult("kp_bmp", t, _p_t(t, bmp.df), "t", bmp.df, bmp.n)


def _kp_bmp_factor(rbar: float, n: np.ndarray) -> np.ndarray:
    """Kolari-Pynnonen correction of the BMP t: sqrt((1 - r) / (1 + (n - 1) r))."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt((1.0 - rbar) / (1.0 + (n - 1.0) * rbar))


def _rbar_of(est_resid, n_events: int, rbar: float | None) -> float:
    """The given ``r-bar``, or the one of the validated residuals."""
    est = _matrix("est_resid", est_resid, n_events)
    if rbar is not None:
        return float(rbar)
    return _summarize_residuals(est, sum_squares=False, column_mean=False).rbar


def window_csect_t(car: np.ndarray) -> TestResult:
    """Cross-sectional t test of the CAAR over one window.

    ``t = mean(CAR) / (s(CAR) / sqrt(n))``, Student-t with ``n - 1`` df; the
    window form of :func:`daily_csect_t` (Brown & Warner 1985; Campbell, Lo &
    MacKinlay 1997, ch. 4, cross-sectional variance of CAR-bar).
    """
    return daily_csect_t(_column("car", car)).day(0)


def window_patell(car: np.ndarray, car_var: np.ndarray, df: np.ndarray) -> TestResult:
    """Patell test of the CAAR over one window (Campbell, Lo & MacKinlay's J2).

    ``SCAR_i = CAR_i / sqrt(car_var_i)`` is Student-t with ``df_i`` df, so
    ``Z = sum_i SCAR_i / sqrt(sum_i df_i / (df_i - 2))`` is N(0, 1). With a common
    ``df = L1 - 2`` this is ``J2 = sqrt(N (L1 - 4) / (L1 - 2)) * SCAR-bar`` of
    Campbell, Lo & MacKinlay (1997), *The Econometrics of Financial Markets*,
    ch. 4.4.3; Patell (1976), *JAR* 14(2), 246-276, for the standardization.
    Events with ``df <= 2`` are left out.
    """
    c = _column("car", car)
    return daily_patell(c, _column("car_var", car_var), df).day(0)


def window_kp_patell(
    car: np.ndarray,
    car_var: np.ndarray,
    df: np.ndarray,
    est_resid: np.ndarray,
    *,
    rbar: float | None = None,
) -> TestResult:
    """Kolari & Pynnonen (2010) adjusted Patell test of the CAAR over one window.

    ``Z_adj = Z / sqrt(1 + (n - 1) r)`` with ``Z`` of :func:`window_patell` and ``r``
    the average estimation-residual cross-correlation (KP 2010, *RFS* 23(11),
    3996-4025, applied to cumulated SARs as in their Section 1). ``rbar``, if
    given, is used as ``r``.
    """
    c = _column("car", car)
    return daily_kp_patell(c, _column("car_var", car_var), df, est_resid, rbar=rbar).day(0)


def window_bmp(car: np.ndarray, car_var: np.ndarray) -> TestResult:
    """BMP standardized cross-sectional test of the CAAR over one window.

    The cross-sectional t (``n - 1`` df) of ``SCAR_i = CAR_i / sqrt(car_var_i)``;
    Boehmer, Musumeci & Poulsen (1991), *JFE* 30(2), 253-272, multi-day form.
    """
    return daily_bmp(_column("car", car), _column("car_var", car_var)).day(0)


def window_kp_bmp(
    car: np.ndarray, car_var: np.ndarray, est_resid: np.ndarray, *, rbar: float | None = None
) -> TestResult:
    """Kolari & Pynnonen (2010) adjusted BMP test of the CAAR over one window.

    ``t_adj = t_BMP * sqrt((1 - r) / (1 + (n - 1) r))`` with ``t_BMP`` of
    :func:`window_bmp`; KP (2010), *RFS* 23(11), 3996-4025. ``rbar``, if given,
    is used as ``r``.
    """
    c = _column("car", car)
    return daily_kp_bmp(c, _column("car_var", car_var), est_resid, rbar=rbar).day(0)
