"""Parametric tests: the single-event t, the cross-sectional and portfolio t, Patell, BMP.

========================  =============================================================
``car_t_test``            single-event t of a CAR (MacKinlay 1997)
``daily_csect_t``         cross-sectional t of the AAR (Brown & Warner 1985)
``daily_bw_portfolio_t``  portfolio t, crude dependence adjustment (Brown & Warner 1980,
                          1985)
``daily_patell``          standardized residual test (Patell 1976)
``daily_bmp``             standardized cross-sectional test (Boehmer, Musumeci & Poulsen
                          1991)
``daily_kp_patell``       Patell adjusted for cross-correlation (Kolari & Pynnonen 2010)
``daily_kp_bmp``          BMP adjusted for cross-correlation (Kolari & Pynnonen 2010)
``window_csect_t`` ...    the same tests of the CARs of one window (all but the
                          portfolio t): ``window_patell``, ``window_bmp``,
                          ``window_kp_patell``, ``window_kp_bmp``
========================  =============================================================

References
----------
Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology under
conditions of event-induced variance. *Journal of Financial Economics* 30(2), 253-272.

Brown, S. J. and Warner, J. B. (1980). Measuring security price performance.
*Journal of Financial Economics* 8(3), 205-258.

Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event
studies. *Journal of Financial Economics* 14(1), 3-31.

Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997). *The Econometrics of
Financial Markets*, ch. 4 (event-study analysis). Princeton University Press.

Kolari, J. W. and Pynnonen, S. (2010). Event study testing with cross-sectional
correlation of abnormal returns. *Review of Financial Studies* 23(11), 3996-4025.

MacKinlay, A. C. (1997). Event studies in economics and finance. *Journal of Economic
Literature* 35(1), 13-39.

Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price
behavior: empirical tests. *Journal of Accounting Research* 14(2), 246-276.
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

# ---------------------------------------------------------------------------
# One event
# ---------------------------------------------------------------------------


def car_t_test(car: np.ndarray, variance: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, ...]:
    """Single-event t test of a cumulative abnormal return, vectorised over events.

    Under H0 the standardised CAR is Student-t with the estimation window's residual
    degrees of freedom (``L1 - 2`` for the market model fitted on ``L1`` returns)::

        t_i = CAR_i / sqrt(var(CAR_i))

    ``variance`` must already include the prediction-error correction (the variance
    of a prediction error of the normal-return model, not only the residual variance).

    Parameters
    ----------
    car, variance, df : array_like
        Cumulative abnormal returns, their variances and the degrees of freedom,
        all broadcastable to the same shape.

    Returns
    -------
    se, t_stat, p_value : numpy.ndarray
        Standard errors, t statistics and two-sided p-values.

    References
    ----------
    MacKinlay, A. C. (1997). Event studies in economics and finance. *Journal of
    Economic Literature* 35(1), 13-39: the abnormal returns of one security, their
    variance conditional on the market returns, and their cumulation (CAR).

    Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997). *The Econometrics of
    Financial Markets*, ch. 4, the statistical properties of abnormal returns and
    their cumulation, with the finite-sample t distribution.
    """
    car = np.asarray(car, dtype=float)
    se = np.sqrt(np.asarray(variance, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_stat = car / se
    return se, t_stat, _p_t(t_stat, np.asarray(df, dtype=float))


# ---------------------------------------------------------------------------
# Per day: cross-sectional t and Brown & Warner's portfolio t
# ---------------------------------------------------------------------------


def daily_csect_t(ar: np.ndarray) -> DailyTestResult:
    """Cross-sectional t test of the average abnormal return (AAR), per day.

    With ``n_t`` events present on day t::

        AAR_t = (1 / n_t) sum_i AR_it
        s_t^2 = (1 / (n_t - 1)) sum_i (AR_it - AAR_t)^2
        t_t   = AAR_t / (s_t / sqrt(n_t))        Student-t, n_t - 1 df

    Campbell, Lo & MacKinlay (1997, ch. 4, "modifying the null hypothesis") estimate
    var(AAR) as ``(1/N^2) sum (AR - AAR)^2``; the unbiased ``1/(N(N-1))`` form is used
    here, as in ``scipy.stats.ttest_1samp``.

    Parameters
    ----------
    ar : array_like
        (N, T) abnormal returns, NaN where missing.

    Returns
    -------
    DailyTestResult
        ``name="csect_t"``, distribution ``"t"``; NaN where ``n_t < 2`` or ``s_t = 0``.

    References
    ----------
    Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of
    event studies. *Journal of Financial Economics* 14(1), 3-31 (the
    "cross-sectional" test).

    Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology
    under conditions of event-induced variance. *Journal of Financial Economics*
    30(2), 253-272 (the "cross-sectional method").
    """
    return _csect_t(_matrix("ar", ar))


def _csect_t(ar: np.ndarray, stats: tuple[np.ndarray, ...] | None = None) -> DailyTestResult:
    """:func:`daily_csect_t` of validated ARs; ``stats`` their ``_column_stats`` if known."""
    n, mean, sd = _column_stats(ar) if stats is None else stats
    t = _t_ratio(mean, sd, n)  # AAR_t / (s_t / sqrt(n_t))
    df = _t_df(n)
    return DailyTestResult("csect_t", t, _p_t(t, df), "t", df, n)


def daily_bw_portfolio_t(ar: np.ndarray, est_resid: np.ndarray) -> DailyTestResult:
    """Brown & Warner portfolio t test with the crude dependence adjustment, per day.

    The s.d. of the AAR is that of the equally weighted portfolio's residual over the
    estimation window, which reflects any cross-correlation of the events::

        AAR_j   = mean_i e_ij                     each of the L' estimation days
                                                  with any residual
        S(AAR)^2 = (1 / (L' - 1)) sum_j (AAR_j - mean_j AAR_j)^2
        t_t     = AAR_t / S(AAR)                  Student-t, L' - 1 df

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

    References
    ----------
    Brown, S. J. and Warner, J. B. (1980). Measuring security price performance.
    *Journal of Financial Economics* 8(3), 205-258 (the "crude dependence
    adjustment").

    Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of
    event studies. *Journal of Financial Economics* 14(1), 3-31 (``A-bar_t /
    S(A-bar_t)``, t with 238 df for 239 estimation days).
    """
    ar = _matrix("ar", ar)
    est = _matrix("est_resid", est_resid, ar.shape[0])
    return _bw_portfolio_t(ar, _summarize_residuals(est, sum_squares=False).column_mean)


def _bw_portfolio_t(
    ar: np.ndarray, est_aar: np.ndarray, stats: tuple[np.ndarray, ...] | None = None
) -> DailyTestResult:
    """:func:`daily_bw_portfolio_t` from the (L,) portfolio residuals ``est_aar``."""
    n, aar, _ = _column_stats(ar) if stats is None else stats
    days = est_aar[~np.isnan(est_aar)]
    sd = float(np.std(days, ddof=1)) if days.size >= 2 else _NAN  # S(AAR)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = aar / sd if sd > 0 else np.full(aar.shape, np.nan)
    df = np.full(aar.shape, days.size - 1.0 if days.size >= 2 else _NAN)
    return DailyTestResult("bw_portfolio_t", t, _p_t(t, df), "t", df, n)


# ---------------------------------------------------------------------------
# Per day: standardized abnormal returns (Patell, BMP)
# ---------------------------------------------------------------------------


def daily_patell(ar: np.ndarray, ar_var: np.ndarray, df: np.ndarray) -> DailyTestResult:
    """Patell (1976) standardized residual test, per day.

    Each AR is standardized by its prediction-error-corrected s.d.; the standardized
    AR is Student-t with the event's ``df_i`` degrees of freedom, whose variance is
    ``df_i / (df_i - 2)`` (Patell's ``(m_i - 2) / (m_i - 4)`` for the market model)::

        SAR_it = AR_it / sqrt(s_i^2 C_it)
        Z_t    = sum_i SAR_it / sqrt(sum_i df_i / (df_i - 2))       N(0, 1) under H0

    Parameters
    ----------
    ar, ar_var : array_like
        (N, T) abnormal returns and their prediction-error-corrected variances
        ``s_i^2 C_it``.
    df : array_like
        (N,) residual degrees of freedom; events with ``df <= 2`` (infinite t
        variance) are left out and not counted in ``n``.

    Returns
    -------
    DailyTestResult
        ``name="patell"``, distribution ``"normal"``; NaN where ``n_t = 0``.

    References
    ----------
    Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price
    behavior: empirical tests. *Journal of Accounting Research* 14(2), 246-276.
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    dof = _vector("df", df, ar.shape[0])
    return _patell(_standardize(ar, ar_var), dof)


def _patell(sar: np.ndarray, dof: np.ndarray) -> DailyTestResult:
    """:func:`daily_patell` from the standardized ARs."""
    z, n = _patell_z(sar, dof)
    return DailyTestResult("patell", z, _p_normal(z), "normal", None, n)


def _patell_z(sar: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Z_t`` and ``n_t``: the sum of SARs over the root of the sum of their variances."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sar_var = np.where(df > 2, df / (df - 2.0), np.nan)  # variance of t with df_i df
    if _complete(sar) and _complete(sar_var):
        n = np.full(sar.shape[1], sar.shape[0])
        total, variance = sar.sum(axis=0), _column_sums(sar_var, sar.shape)
    else:  # sums over the events with both a SAR and a finite variance that day
        ok = ~np.isnan(sar) & ~np.isnan(sar_var)[:, None]
        n = ok.sum(axis=0)
        total = np.where(ok, sar, 0.0).sum(axis=0)
        variance = np.where(ok, sar_var[:, None], 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = total / np.sqrt(variance)
    return np.where(n > 0, z, np.nan), n


def daily_bmp(ar: np.ndarray, ar_var: np.ndarray) -> DailyTestResult:
    """Boehmer, Musumeci & Poulsen (1991) standardized cross-sectional test, per day.

    The cross-sectional t of the standardized abnormal returns (standardized as in
    Patell 1976), robust to an event-induced change of variance::

        SAR_it = AR_it / sqrt(s_i^2 C_it)
        t_t    = mean_i SAR_it / (s(SAR_t) / sqrt(n_t))              Student-t, n_t - 1 df

    with ``s(SAR_t)`` the cross-sectional sample s.d. (ddof=1) of the day's SARs.

    Parameters
    ----------
    ar, ar_var : array_like
        (N, T) abnormal returns and their prediction-error-corrected variances.

    Returns
    -------
    DailyTestResult
        ``name="bmp"``, distribution ``"t"``; NaN where ``n_t < 2``.

    References
    ----------
    Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology
    under conditions of event-induced variance. *Journal of Financial Economics*
    30(2), 253-272 (the "standardized cross-sectional" test).
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    return _bmp(_standardize(ar, ar_var))


def _bmp(sar: np.ndarray) -> DailyTestResult:
    """:func:`daily_bmp`: the cross-sectional t of the standardized ARs."""
    return replace(_csect_t(sar), name="bmp")


# ---------------------------------------------------------------------------
# Per day: Kolari & Pynnonen's adjustments for cross-correlation
# ---------------------------------------------------------------------------


def daily_kp_patell(
    ar: np.ndarray,
    ar_var: np.ndarray,
    df: np.ndarray,
    est_resid: np.ndarray,
    *,
    rbar: float | None = None,
) -> DailyTestResult:
    """Kolari & Pynnonen (2010) cross-correlation-adjusted Patell test, per day.

    With ``r`` the average cross-correlation of the events' estimation residuals
    (:func:`~eventstudy.stats.average_residual_correlation`, from all events) and
    ``n_t`` the day's count::

        z_adj = z_Patell / sqrt(1 + (n_t - 1) r)                     N(0, 1) under H0

    ``z_Patell`` as in :func:`daily_patell`.

    Parameters
    ----------
    ar, ar_var : array_like
        (N, T) abnormal returns and their prediction-error-corrected variances.
    df : array_like
        (N,) residual degrees of freedom (see :func:`daily_patell`).
    est_resid : array_like
        (N, L) estimation residuals.
    rbar : float, optional
        ``r`` if already computed from ``est_resid``; computed here when None.

    Returns
    -------
    DailyTestResult
        ``name="kp_patell"``, distribution ``"normal"``; NaN where Patell is NaN or
        ``1 + (n_t - 1) r <= 0``.

    References
    ----------
    Kolari, J. W. and Pynnonen, S. (2010). Event study testing with cross-sectional
    correlation of abnormal returns. *Review of Financial Studies* 23(11), 3996-4025
    (Section 1, the adjusted Patell statistic).
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    dof = _vector("df", df, ar.shape[0])
    rbar = _rbar_of(est_resid, ar.shape[0], rbar)
    return _kp_patell(_patell(_standardize(ar, ar_var), dof), rbar)


def _kp_patell(patell: DailyTestResult, rbar: float) -> DailyTestResult:
    """:func:`daily_kp_patell` from the Patell result."""
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

    With ``r`` the average cross-correlation of the events' estimation residuals
    (:func:`~eventstudy.stats.average_residual_correlation`, from all events) and
    ``n_t`` the day's count::

        t_adj = t_BMP * sqrt((1 - r) / (1 + (n_t - 1) r))        Student-t, n_t - 1 df

    ``t_BMP`` as in :func:`daily_bmp`, whose df the adjusted t keeps.

    Parameters
    ----------
    ar, ar_var : array_like
        (N, T) abnormal returns and their prediction-error-corrected variances.
    est_resid : array_like
        (N, L) estimation residuals.
    rbar : float, optional
        ``r`` if already computed from ``est_resid``; computed here when None.

    Returns
    -------
    DailyTestResult
        ``name="kp_bmp"``; NaN where BMP is NaN or ``1 + (n_t - 1) r <= 0``.

    References
    ----------
    Kolari, J. W. and Pynnonen, S. (2010). Event study testing with cross-sectional
    correlation of abnormal returns. *Review of Financial Studies* 23(11), 3996-4025
    (Section 1, the adjusted BMP statistic).
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    rbar = _rbar_of(est_resid, ar.shape[0], rbar)
    return _kp_bmp(_bmp(_standardize(ar, ar_var)), rbar)


def _kp_bmp(bmp: DailyTestResult, rbar: float) -> DailyTestResult:
    """:func:`daily_kp_bmp` from the BMP result."""
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


# ---------------------------------------------------------------------------
# One window: a window is one "day" whose AR is the CAR
# ---------------------------------------------------------------------------


def window_csect_t(car: np.ndarray) -> TestResult:
    """Cross-sectional t test of the CAAR over one window.

    ``t = mean(CAR) / (s(CAR) / sqrt(n))``, Student-t with ``n - 1`` df: the window
    form of :func:`daily_csect_t`.

    References
    ----------
    Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of
    event studies. *Journal of Financial Economics* 14(1), 3-31.

    Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997). *The Econometrics of
    Financial Markets*, ch. 4 (the cross-sectional variance of CAR-bar).
    """
    return daily_csect_t(_column("car", car)).day(0)


def window_patell(car: np.ndarray, car_var: np.ndarray, df: np.ndarray) -> TestResult:
    """Patell test of the CAAR over one window (Campbell, Lo & MacKinlay's J2).

    The standardized CAR is Student-t with ``df_i`` degrees of freedom::

        SCAR_i = CAR_i / sqrt(car_var_i)
        Z      = sum_i SCAR_i / sqrt(sum_i df_i / (df_i - 2))         N(0, 1) under H0

    With a common ``df = L1 - 2`` this is ``J2 = sqrt(N (L1 - 4) / (L1 - 2))
    SCAR-bar`` of Campbell, Lo & MacKinlay (1997). Events with ``df <= 2`` are left
    out.

    References
    ----------
    Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price
    behavior: empirical tests. *Journal of Accounting Research* 14(2), 246-276.

    Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997). *The Econometrics of
    Financial Markets*, ch. 4 (aggregation of abnormal returns: the statistic J2).
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
    the average estimation-residual cross-correlation, applied to cumulated SARs as
    in the paper. ``rbar``, if given, is used as ``r``.

    References
    ----------
    Kolari, J. W. and Pynnonen, S. (2010). Event study testing with cross-sectional
    correlation of abnormal returns. *Review of Financial Studies* 23(11), 3996-4025.
    """
    c = _column("car", car)
    return daily_kp_patell(c, _column("car_var", car_var), df, est_resid, rbar=rbar).day(0)


def window_bmp(car: np.ndarray, car_var: np.ndarray) -> TestResult:
    """BMP standardized cross-sectional test of the CAAR over one window.

    The cross-sectional t (``n - 1`` df) of ``SCAR_i = CAR_i / sqrt(car_var_i)``.

    References
    ----------
    Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology
    under conditions of event-induced variance. *Journal of Financial Economics*
    30(2), 253-272 (the multi-day form).
    """
    return daily_bmp(_column("car", car), _column("car_var", car_var)).day(0)


def window_kp_bmp(
    car: np.ndarray, car_var: np.ndarray, est_resid: np.ndarray, *, rbar: float | None = None
) -> TestResult:
    """Kolari & Pynnonen (2010) adjusted BMP test of the CAAR over one window.

    ``t_adj = t_BMP * sqrt((1 - r) / (1 + (n - 1) r))`` with ``t_BMP`` of
    :func:`window_bmp`. ``rbar``, if given, is used as ``r``.

    References
    ----------
    Kolari, J. W. and Pynnonen, S. (2010). Event study testing with cross-sectional
    correlation of abnormal returns. *Review of Financial Studies* 23(11), 3996-4025.
    """
    c = _column("car", car)
    return daily_kp_bmp(c, _column("car_var", car_var), est_resid, rbar=rbar).day(0)
