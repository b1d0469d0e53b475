"""Test statistics for abnormal returns.

Every test is a pure function of numpy arrays that returns a :class:`TestResult`
(or arrays of statistics when vectorised over events). Each docstring names the
paper and equation the statistic follows.

Array conventions of the multi-event battery
--------------------------------------------
``ar``
    (N events, T event-window days) abnormal returns; NaN marks a missing day.
``ar_var``
    (N, T) prediction-error-corrected variance of each AR, ``s_i**2 * C_it``
    (MacKinlay 1997, eq. 8; Patell 1976); NaN where missing.
``est_resid``
    (N, L) estimation-window residuals of each event's normal-return model; NaN
    where excluded or missing. Column j is the same relative day for every event.
``df``
    (N,) residual degrees of freedom of each event's model (``m_i - 2`` for the
    market model fitted on ``m_i`` returns).
``car``, ``car_var``
    (N,) cumulative abnormal return over one window and its prediction-error-
    corrected variance.

Non-finite values are treated as missing. Each day's statistic uses the events
present that day and reports that count as ``n``; a statistic that cannot be
formed (e.g. a cross-sectional s.d. with fewer than two events, or a zero s.d.)
is NaN, never an exception or a zero. Per-day tests return a
:class:`DailyTestResult` of (T,) arrays; window tests return a :class:`TestResult`.
P-values are two-sided throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats as _sps

from eventstudy.errors import SpecificationError


@dataclass(frozen=True)
class TestResult:
    """Outcome of one hypothesis test.

    Attributes
    ----------
    name : str
        Short machine name of the test (e.g. ``"t"``, ``"patell"``).
    statistic : float
        Value of the test statistic.
    p_value : float
        Two-sided p-value under the reference distribution.
    distribution : str
        Reference distribution, ``"t"``, ``"normal"``, ``"empirical"`` ...
    df : float or None
        Degrees of freedom of the reference distribution, where it has them.
    n : int
        Number of observations (events) the statistic uses.
    """

    __test__ = False  # not a pytest test class despite the name

    name: str
    statistic: float
    p_value: float
    distribution: str
    df: float | None = None
    n: int = 1


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
    p_value = 2.0 * _sps.t.sf(np.abs(t_stat), np.asarray(df, dtype=float))
    return se, t_stat, p_value


# ---------------------------------------------------------------------------
# Result containers of the multi-event battery
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DailyTestResult:
    """Outcome of one test run separately on each event-window day.

    Attributes
    ----------
    name : str
        Short machine name of the test (``"csect_t"``, ``"patell"`` ...).
    statistic, p_value : numpy.ndarray
        (T,) statistics and two-sided p-values; NaN where the statistic is undefined.
    distribution : str
        Reference distribution (``"t"``, ``"normal"``, ``"binomial"``, ``"wilcoxon"``).
    df : numpy.ndarray or None
        (T,) degrees of freedom where the distribution has them, else None.
    n : numpy.ndarray
        (T,) integer number of events each day's statistic uses.
    """

    name: str
    statistic: np.ndarray
    p_value: np.ndarray
    distribution: str
    df: np.ndarray | None
    n: np.ndarray

    def day(self, j: int) -> TestResult:
        """Return the result for event-window column ``j`` as a :class:`TestResult`."""
        df = None if self.df is None else float(self.df[j])
        return TestResult(
            self.name, float(self.statistic[j]), float(self.p_value[j]),
            self.distribution, df, int(self.n[j]),
        )


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


# ---------------------------------------------------------------------------
# Input checks and small numeric helpers
# ---------------------------------------------------------------------------

_NAN = float("nan")
_RANK_BLOCK = 4_000_000  # array cells ranked or resampled per block: bounds memory


def _float_array(name: str, x, ndim: int, n_events: int | None) -> np.ndarray:
    """Float copy of ``x`` with the expected rank; non-finite values become NaN."""
    a = np.array(x, dtype=float)
    if a.ndim != ndim:
        layout = "(events, days)" if ndim == 2 else "(events,)"
        raise SpecificationError(
            f"{name} must be a {ndim}-D array {layout}; got shape {a.shape}. "
            "Pass one row per event."
        )
    if n_events is not None and a.shape[0] != n_events:
        raise SpecificationError(
            f"{name} has {a.shape[0]} events (rows) but the abnormal returns have "
            f"{n_events}; pass arrays built from the same event list."
        )
    a[~np.isfinite(a)] = np.nan
    return a


def _matrix(name: str, x, n_events: int | None = None) -> np.ndarray:
    return _float_array(name, x, 2, n_events)


def _vector(name: str, x, n_events: int | None = None) -> np.ndarray:
    return _float_array(name, x, 1, n_events)


def _same_shape(name: str, a: np.ndarray, ref_name: str, ref: np.ndarray) -> None:
    if a.shape != ref.shape:
        raise SpecificationError(
            f"{name} has shape {a.shape} but {ref_name} has shape {ref.shape}; "
            "they must describe the same events and days."
        )


def _column_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, mean and sample s.d. (ddof=1) of each column over its present rows."""
    ok = ~np.isnan(x)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, x, 0.0).sum(axis=0) / n
        dev = np.where(ok, x - mean, 0.0)
        sd = np.sqrt((dev * dev).sum(axis=0) / (n - 1))
    sd[n < 2] = np.nan
    return n, mean, sd


def _t_ratio(mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``mean / (sd / sqrt(n))``; NaN where sd is missing or zero (t undefined)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        t = mean * np.sqrt(n) / sd
    return np.where(sd > 0, t, np.nan)


def _t_df(n: np.ndarray) -> np.ndarray:
    """``n - 1`` as float, NaN where fewer than two observations."""
    return np.where(n >= 2, n - 1.0, np.nan)


def _p_normal(z: np.ndarray) -> np.ndarray:
    return 2.0 * _sps.norm.sf(np.abs(z))


def _p_t(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    return 2.0 * _sps.t.sf(np.abs(t), df)


def _standardize(ar: np.ndarray, ar_var: np.ndarray) -> np.ndarray:
    """SAR = AR / sqrt(var); missing where the variance is missing or not positive."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sar = ar / np.sqrt(ar_var)
    return np.where(ar_var > 0, sar, np.nan)


def _column(name: str, x) -> np.ndarray:
    """A window's per-event vector as a one-day (N, 1) panel for the per-day code."""
    return _vector(name, x)[:, None]


def _row_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..M_i within each row over its M_i present values; ties get average ranks.

    Vectorised over rows (argsort puts NaN last); NaN stays NaN. Matches
    ``scipy.stats.rankdata(row[~isnan(row)], method="average")`` row by row.
    """
    out = np.empty_like(x)
    n_rows, width = x.shape
    block = max(1, _RANK_BLOCK // max(width, 1))
    pos = np.arange(1.0, width + 1.0)
    for start in range(0, n_rows, block):
        rows = x[start:start + block]
        order = np.argsort(rows, axis=1, kind="stable")
        s = np.take_along_axis(rows, order, axis=1)
        # A tie group runs from its first to its last sorted position; NaN != NaN,
        # so every missing value is its own group and is blanked below.
        first = np.ones(s.shape, dtype=bool)
        first[:, 1:] = s[:, 1:] != s[:, :-1]
        last = np.ones(s.shape, dtype=bool)
        last[:, :-1] = first[:, 1:]
        lo = np.maximum.accumulate(np.where(first, pos, 0.0), axis=1)
        hi = np.minimum.accumulate(np.where(last, pos, np.inf)[:, ::-1], axis=1)[:, ::-1]
        avg = np.where(np.isnan(s), np.nan, 0.5 * (lo + hi))
        np.put_along_axis(out[start:start + block], order, avg, axis=1)
    return out


def _centred_uniform_ranks(x: np.ndarray) -> np.ndarray:
    """``K_it / (M_i + 1) - 1/2``: ranks scaled by each row's count of present values.

    Corrado & Zivney (1992) scaling, which keeps rows with missing days on the same
    U(0,1) footing; with no missing values it is Corrado's (1989) ``K - (M+1)/2``
    divided by the constant ``M + 1``.
    """
    ranks = _row_ranks(x)
    m = (~np.isnan(x)).sum(axis=1)
    return ranks / (m + 1.0)[:, None] - 0.5


def _positive_share(est: np.ndarray) -> np.ndarray:
    """Fraction of each event's present estimation residuals that are > 0 (NaN if none)."""
    ok = ~np.isnan(est)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (est > 0).sum(axis=1) / ok.sum(axis=1)


# ---------------------------------------------------------------------------
# Cross-correlation of estimation residuals (Kolari & Pynnonen 2010)
# ---------------------------------------------------------------------------


def average_residual_correlation(est_resid: np.ndarray) -> float:
    """Average pairwise correlation of estimation-window residuals across events.

    The ``r-bar`` of Kolari & Pynnonen (2010), "Event Study Testing with
    Cross-sectional Correlation of Abnormal Returns", *Review of Financial Studies*
    23(11), 3996-4025: the mean of the ``N(N-1)/2`` sample correlations
    ``r_ij`` of the estimation-period residuals.

    Computed in O(N L) without the N x N matrix: with each event's residuals
    centred and scaled to unit length ``u_i``, ``sum_{i != j} r_ij =
    ||sum_i u_i||^2 - N``.

    Parameters
    ----------
    est_resid : array_like
        (N, L) residuals; column j is the same relative day for every event.

    Returns
    -------
    float
        ``r-bar``; NaN when fewer than two events have two or more non-constant
        residuals.

    Notes
    -----
    Without missing values this equals the mean off-diagonal entry of
    ``numpy.corrcoef(est_resid)``. With missing values each event is centred and
    scaled over its own present days and a missing day contributes zero to the
    cross-products (an approximation to pairwise-complete correlations that keeps
    the computation linear in N).
    """
    est = _matrix("est_resid", est_resid)
    ok = ~np.isnan(est)
    m = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, est, 0.0).sum(axis=1) / m
        centred = np.where(ok, est - mean[:, None], 0.0)
        length = np.sqrt((centred * centred).sum(axis=1))
    use = (m >= 2) & (length > 0)
    k = int(use.sum())
    if k < 2:
        return _NAN
    total = (centred[use] / length[use, None]).sum(axis=0)
    return float((total @ total - k) / (k * (k - 1.0)))


def _kp_bmp_factor(rbar: float, n: np.ndarray) -> np.ndarray:
    """Kolari-Pynnonen correction of the BMP t: sqrt((1 - r) / (1 + (n - 1) r))."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt((1.0 - rbar) / (1.0 + (n - 1.0) * rbar))


def _kp_patell_factor(rbar: float, n: np.ndarray) -> np.ndarray:
    """Kolari-Pynnonen correction of the Patell z: 1 / sqrt(1 + (n - 1) r)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 / np.sqrt(1.0 + (n - 1.0) * rbar)


# ---------------------------------------------------------------------------
# Per-day tests
# ---------------------------------------------------------------------------


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
    ar = _matrix("ar", ar)
    n, mean, sd = _column_stats(ar)
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
    n, aar, _ = _column_stats(ar)
    _, est_aar, _ = _column_stats(est)
    days = est_aar[~np.isnan(est_aar)]
    sd = float(np.std(days, ddof=1)) if days.size >= 2 else _NAN
    with np.errstate(invalid="ignore", divide="ignore"):
        t = aar / sd if sd > 0 else np.full(aar.shape, np.nan)
    df = np.full(aar.shape, days.size - 1.0 if days.size >= 2 else _NAN)
    return DailyTestResult("bw_portfolio_t", t, _p_t(t, df), "t", df, n)


def _patell_z(sar: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum of SARs over the root of the sum of their t variances ``df/(df-2)``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sar_var = np.where(df > 2, df / (df - 2.0), np.nan)
    ok = ~np.isnan(sar) & ~np.isnan(sar_var)[:, None]
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(ok, sar, 0.0).sum(axis=0) / np.sqrt(
            np.where(ok, sar_var[:, None], 0.0).sum(axis=0)
        )
    return np.where(n > 0, z, np.nan), n


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
    ar = _matrix("ar", ar)
    ar_var = _matrix("ar_var", ar_var)
    _same_shape("ar_var", ar_var, "ar", ar)
    dof = _vector("df", df, ar.shape[0])
    z, n = _patell_z(_standardize(ar, ar_var), dof)
    return DailyTestResult("patell", z, _p_normal(z), "normal", None, n)


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
    ar = _matrix("ar", ar)
    ar_var = _matrix("ar_var", ar_var)
    _same_shape("ar_var", ar_var, "ar", ar)
    return replace(daily_csect_t(_standardize(ar, ar_var)), name="bmp")


def daily_kp_bmp(ar: np.ndarray, ar_var: np.ndarray, est_resid: np.ndarray) -> DailyTestResult:
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

    Returns
    -------
    DailyTestResult
        ``name="kp_bmp"``; NaN where BMP is NaN or ``1 + (n_t - 1) r <= 0``.
    """
    ar = _matrix("ar", ar)
    est = _matrix("est_resid", est_resid, ar.shape[0])
    bmp = daily_bmp(ar, ar_var)
    t = bmp.statistic * _kp_bmp_factor(average_residual_correlation(est), bmp.n)
    return DailyTestResult("kp_bmp", t, _p_t(t, bmp.df), "t", bmp.df, bmp.n)


def daily_kp_patell(
    ar: np.ndarray, ar_var: np.ndarray, df: np.ndarray, est_resid: np.ndarray
) -> DailyTestResult:
    """Kolari & Pynnonen (2010) cross-correlation-adjusted Patell test, per day.

    ``z_adj = z_Patell / sqrt(1 + (n_t - 1) r)``, N(0, 1) under H0, with ``r``
    the average estimation-residual cross-correlation. Kolari & Pynnonen (2010),
    *RFS* 23(11), 3996-4025, the adjusted Patell statistic (Section 1); ``z_Patell``
    as in :func:`daily_patell`, ``r`` from all events, ``n_t`` the day's count.

    Returns
    -------
    DailyTestResult
        ``name="kp_patell"``, distribution ``"normal"``.
    """
    ar = _matrix("ar", ar)
    est = _matrix("est_resid", est_resid, ar.shape[0])
    pat = daily_patell(ar, ar_var, df)
    z = pat.statistic * _kp_patell_factor(average_residual_correlation(est), pat.n)
    return DailyTestResult("kp_patell", z, _p_normal(z), "normal", None, pat.n)


def daily_corrado_rank(ar: np.ndarray, est_resid: np.ndarray) -> DailyTestResult:
    """Corrado (1989) rank test over the combined estimation and event period, per day.

    Each event's residuals and ARs over the L + T days are ranked together
    (``K_it``, average ranks for ties) and scaled by its number of present values
    ``M_i``: ``U_it = K_it / (M_i + 1) - 1/2`` (Corrado & Zivney 1992). With
    ``U-bar_t`` the mean over the ``n_t`` events present on day t and
    ``sigma^2 = (1/D) sum_t n_t U-bar_t^2`` over the D days of the combined period
    that have any value, ``z_t = sqrt(n_t) U-bar_t / sigma`` is N(0, 1) under H0.

    Corrado (1989), "A Nonparametric Test for Abnormal Security-Price Performance
    in Event Studies", *JFE* 23(2), 385-395, statistic ``T = (1/N) sum_i
    (K_i0 - (M+1)/2) / S(K)``, ``S(K)^2 = (1/M) sum_t ((1/N) sum_i (K_it -
    (M+1)/2))^2``; missing-value form of Corrado & Zivney (1992), *JFQA* 27(3),
    465-478. Without missing values the two coincide exactly.

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
    """
    ar = _matrix("ar", ar)
    est = _matrix("est_resid", est_resid, ar.shape[0])
    u = _centred_uniform_ranks(np.hstack([est, ar]))
    n_all, ubar, _ = _column_stats(u)
    used = n_all > 0
    sigma = np.sqrt((n_all[used] * ubar[used] ** 2).sum() / used.sum()) if used.any() else 0.0
    n = n_all[est.shape[1]:]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.sqrt(n) * ubar[est.shape[1]:] / sigma
    z = np.where((n > 0) & (sigma > 0), z, np.nan)
    return DailyTestResult("corrado_rank", z, _p_normal(z), "normal", None, n)


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
    share = _positive_share(est)
    ok = ~np.isnan(ar) & ~np.isnan(share)[:, None]
    n = ok.sum(axis=0)
    w = (ok & (ar > 0)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(ok, share[:, None], 0.0).sum(axis=0) / n
        z = (w - n * p) / np.sqrt(n * p * (1.0 - p))
    z = np.where((n > 0) & (p > 0) & (p < 1), z, np.nan)
    return DailyTestResult("gen_sign", z, _p_normal(z), "normal", None, n)


def _binomial_half_p(w: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Exact two-sided binomial p-value for p = 1/2 (the null is symmetric)."""
    tail = np.minimum(_sps.binom.cdf(w, n, 0.5), _sps.binom.sf(w - 1, n, 0.5))
    return np.where(n > 0, np.minimum(1.0, 2.0 * tail), np.nan)


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
    ar = _matrix("ar", ar)
    w = (ar > 0).sum(axis=0)
    n = w + (ar < 0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(n > 0, (w - n / 2.0) / np.sqrt(n / 4.0), np.nan)
    return DailyTestResult("sign", z, _binomial_half_p(w, n), "binomial", None, n)


def _signed_rank(x: np.ndarray) -> tuple[float, float, int]:
    """Wilcoxon signed-rank normal score, scipy p-value and count of one sample."""
    x = x[~np.isnan(x) & (x != 0)]
    n = x.size
    if n == 0:
        return _NAN, _NAN, 0
    ranks = _sps.rankdata(np.abs(x))
    _, ties = np.unique(np.abs(x), return_counts=True)
    mean = n * (n + 1) / 4.0
    var = n * (n + 1) * (2 * n + 1) / 24.0 - (ties**3 - ties).sum() / 48.0
    z = (ranks[x > 0].sum() - mean) / np.sqrt(var) if var > 0 else _NAN
    p = _sps.wilcoxon(x, zero_method="wilcox", method="auto").pvalue
    return float(z), float(p), n


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
    ar = _matrix("ar", ar)
    # one vectorised scipy call per day (T is small), never one per event
    rows = [_signed_rank(ar[:, j]) for j in range(ar.shape[1])]
    z, p, n = np.array(rows, dtype=float).reshape(-1, 3).T
    return DailyTestResult("wilcoxon", z, p, "wilcoxon", None, n.astype(int))


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


# ---------------------------------------------------------------------------
# Window (CAR) tests: a window is one "day" whose AR is the CAR
# ---------------------------------------------------------------------------


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
    car: np.ndarray, car_var: np.ndarray, df: np.ndarray, est_resid: np.ndarray
) -> TestResult:
    """Kolari & Pynnonen (2010) adjusted Patell test of the CAAR over one window.

    ``Z_adj = Z / sqrt(1 + (n - 1) r)`` with ``Z`` of :func:`window_patell` and ``r``
    the average estimation-residual cross-correlation (KP 2010, *RFS* 23(11),
    3996-4025, applied to cumulated SARs as in their Section 1).
    """
    c = _column("car", car)
    return daily_kp_patell(c, _column("car_var", car_var), df, est_resid).day(0)


def window_bmp(car: np.ndarray, car_var: np.ndarray) -> TestResult:
    """BMP standardized cross-sectional test of the CAAR over one window.

    The cross-sectional t (``n - 1`` df) of ``SCAR_i = CAR_i / sqrt(car_var_i)``;
    Boehmer, Musumeci & Poulsen (1991), *JFE* 30(2), 253-272, multi-day form.
    """
    return daily_bmp(_column("car", car), _column("car_var", car_var)).day(0)


def window_kp_bmp(car: np.ndarray, car_var: np.ndarray, est_resid: np.ndarray) -> TestResult:
    """Kolari & Pynnonen (2010) adjusted BMP test of the CAAR over one window.

    ``t_adj = t_BMP * sqrt((1 - r) / (1 + (n - 1) r))`` with ``t_BMP`` of
    :func:`window_bmp`; KP (2010), *RFS* 23(11), 3996-4025.
    """
    c = _column("car", car)
    return daily_kp_bmp(c, _column("car_var", car_var), est_resid).day(0)


def window_gen_sign(car: np.ndarray, est_resid: np.ndarray) -> TestResult:
    """Cowan (1992) generalized sign test of the CARs over one window.

    ``z = (w - n p) / sqrt(n p (1 - p))`` with ``w`` the number of positive CARs and
    ``p`` the mean fraction of positive estimation residuals (Cowan 1992, *RQFA*
    2(4), 343-358, applied to multi-day windows as in that paper).
    """
    return daily_gen_sign(_column("car", car), est_resid).day(0)


def window_sign(car: np.ndarray) -> TestResult:
    """Sign test (p = 1/2, exact binomial p-value) of the CARs; see :func:`daily_sign`."""
    return daily_sign(_column("car", car)).day(0)


def window_wilcoxon(car: np.ndarray) -> TestResult:
    """Wilcoxon signed-rank test of the CARs; see :func:`daily_wilcoxon`."""
    return daily_wilcoxon(_column("car", car)).day(0)


def window_grank(
    car: np.ndarray, car_var: np.ndarray, est_resid: np.ndarray, df: np.ndarray
) -> TestResult:
    """Kolari & Pynnonen (2011) generalized rank (GRANK) test of a CAR window.

    Follows Kolari & Pynnonen (2011), "Nonparametric Rank Tests for Event Studies",
    *Journal of Empirical Finance* 18(5), 953-971, Section 2:

    1. ``SCAR_i = CAR_i / sqrt(car_var_i)``, re-standardized for event-induced
       volatility: ``SCAR*_i = SCAR_i / s(SCAR)`` (cross-sectional s.d., ddof=1).
    2. Generalized SARs: ``GSAR_it = SAR_it = e_it / s_i`` on the L estimation
       days, with ``s_i^2 = sum_t e_it^2 / df_i``, and ``GSAR_i0 = SCAR*_i`` for the
       window, treated as one extra "day".
    3. ``U_it = rank(GSAR_it) / (M_i + 1) - 1/2`` within each event over its
       ``M_i`` present values (average ranks for ties).
    4. ``Z = U-bar_0 / S_U``, ``S_U^2 = (1/T) sum_t (n_t / n) U-bar_t^2`` over the T
       days (estimation days plus the window) with any value; ``n`` events.
    5. ``t_grank = Z sqrt((T - 2) / (T - 1 - Z^2))``, Student-t with ``T - 2`` df.

    Events without a CAR, a positive ``car_var`` or a valid ``s_i`` are left out.

    Returns
    -------
    TestResult
        ``name="grank"``; NaN when fewer than two events remain or ``s(SCAR) = 0``.
    """
    car = _vector("car", car)
    car_var = _vector("car_var", car_var, car.shape[0])
    est = _matrix("est_resid", est_resid, car.shape[0])
    dof = _vector("df", df, car.shape[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sqrt(np.nansum(est * est, axis=1) / dof)
    scar = _standardize(car, car_var)
    keep = ~np.isnan(scar) & (s > 0) & np.isfinite(s)
    n = int(keep.sum())
    scar_sd = float(np.std(scar[keep], ddof=1)) if n >= 2 else _NAN
    if not scar_sd > 0:
        return TestResult("grank", _NAN, _NAN, "t", None, n)
    gsar = np.column_stack([est[keep] / s[keep, None], scar[keep] / scar_sd])
    n_t, ubar, _ = _column_stats(_centred_uniform_ranks(gsar))
    used = n_t > 0
    days = int(used.sum())
    s_u = np.sqrt((n_t[used] / n * ubar[used] ** 2).sum() / days)
    z = ubar[-1] / s_u if s_u > 0 else _NAN
    with np.errstate(invalid="ignore", divide="ignore"):
        t = float(z * np.sqrt((days - 2.0) / (days - 1.0 - z * z)))
    df_t = days - 2.0
    p = float(_p_t(t, df_t)) if df_t > 0 else _NAN
    return TestResult("grank", t, p, "t", df_t, n)


def window_bootstrap(
    car: np.ndarray, *, n_boot: int = 999, seed: int | np.random.Generator | None = None
) -> TestResult:
    """Bootstrap-t test of a zero CAAR, resampling H0-centred CARs.

    Scheme: the observed statistic is the cross-sectional t of the CARs,
    ``t = mean / (s / sqrt(n))``. The CARs are centred, ``c_i = CAR_i -
    mean(CAR)``, so the resampling population satisfies H0; ``n_boot`` samples of
    size n are drawn with replacement and the same t is computed on each. The
    two-sided p-value is ``(1 + #{|t*| >= |t|}) / (n_boot + 1)``. This is the
    one-sample bootstrap test of a mean with the translated empirical distribution
    and a studentized statistic, Efron & Tibshirani (1993), *An Introduction to
    the Bootstrap*, ch. 16 (one-sample problem); the ``(1 + count) / (B + 1)``
    p-value follows Davison & Hinkley (1997), *Bootstrap Methods and their
    Application*, ch. 4. (Not the Lyon, Barber & Tsai 1999 skewness-adjusted t.)

    Parameters
    ----------
    car : array_like
        (N,) cumulative abnormal returns; NaN are left out.
    n_boot : int
        Number of bootstrap resamples (>= 1).
    seed : int, numpy.random.Generator or None
        Seed or generator; the same seed gives the same p-value.

    Returns
    -------
    TestResult
        ``name="bootstrap"``, distribution ``"bootstrap"``, ``df=None``; NaN when
        fewer than two CARs or they are all equal.
    """
    if int(n_boot) < 1:
        raise SpecificationError(f"n_boot must be a positive integer; got {n_boot}.")
    x = _vector("car", car)
    x = x[~np.isnan(x)]
    n = x.size
    t_obs = float(window_csect_t(x).statistic) if n else _NAN
    if np.isnan(t_obs):
        return TestResult("bootstrap", _NAN, _NAN, "bootstrap", None, n)
    rng = np.random.default_rng(seed)
    centred = x - x.mean()
    block = max(1, _RANK_BLOCK // n)
    exceed = 0
    for start in range(0, int(n_boot), block):
        draws = centred[rng.integers(0, n, size=(min(block, int(n_boot) - start), n))]
        with np.errstate(invalid="ignore", divide="ignore"):
            t_star = draws.mean(axis=1) * np.sqrt(n) / draws.std(axis=1, ddof=1)
        exceed += int(np.count_nonzero(np.abs(t_star) >= abs(t_obs)))
    p = (1.0 + exceed) / (int(n_boot) + 1.0)
    return TestResult("bootstrap", t_obs, p, "bootstrap", None, n)


# ---------------------------------------------------------------------------
# Buy-and-hold abnormal returns
# ---------------------------------------------------------------------------


def bhar(returns: np.ndarray, normal_returns: np.ndarray) -> np.ndarray:
    """Buy-and-hold abnormal return of each event over its window.

    ``BHAR_i = prod_t (1 + R_it) - prod_t (1 + E[R_it])``, Barber & Lyon (1997),
    "Detecting Long-Run Abnormal Stock Returns", *JFE* 43(3), 341-372
    (definition of the BHAR).

    Parameters
    ----------
    returns, normal_returns : array_like
        (N, T) raw and normal-model simple returns (fractions) over the window.

    Returns
    -------
    numpy.ndarray
        (N,) BHARs; NaN for an event with any missing day, since compounding over
        a gap would silently treat the gap as a zero return.
    """
    r = _matrix("returns", returns)
    rn = _matrix("normal_returns", normal_returns)
    _same_shape("normal_returns", rn, "returns", r)
    return np.prod(1.0 + r, axis=1) - np.prod(1.0 + rn, axis=1)


def mean_bhar(bhar_values: np.ndarray) -> tuple[float, int]:
    """Mean BHAR over the events that have one, and that number of events."""
    b = _vector("bhar_values", bhar_values)
    b = b[~np.isnan(b)]
    return (float(b.mean()) if b.size else _NAN), int(b.size)


# ---------------------------------------------------------------------------
# Batteries
# ---------------------------------------------------------------------------


def run_daily_battery(
    ar: np.ndarray, ar_var: np.ndarray, est_resid: np.ndarray, df: np.ndarray
) -> dict[str, DailyTestResult]:
    """Run every per-day test; returns ``{name: DailyTestResult}`` in a fixed order.

    Names: csect_t, bw_portfolio_t, patell, kp_patell, bmp, kp_bmp, corrado_rank,
    gen_sign, sign, wilcoxon. Descriptives are separate (:func:`daily_descriptives`).
    """
    return {
        "csect_t": daily_csect_t(ar),
        "bw_portfolio_t": daily_bw_portfolio_t(ar, est_resid),
        "patell": daily_patell(ar, ar_var, df),
        "kp_patell": daily_kp_patell(ar, ar_var, df, est_resid),
        "bmp": daily_bmp(ar, ar_var),
        "kp_bmp": daily_kp_bmp(ar, ar_var, est_resid),
        "corrado_rank": daily_corrado_rank(ar, est_resid),
        "gen_sign": daily_gen_sign(ar, est_resid),
        "sign": daily_sign(ar),
        "wilcoxon": daily_wilcoxon(ar),
    }


def run_window_battery(
    car: np.ndarray,
    car_var: np.ndarray,
    est_resid: np.ndarray,
    df: np.ndarray,
    *,
    n_boot: int = 999,
    seed: int | np.random.Generator | None = None,
) -> dict[str, TestResult]:
    """Run every window (CAR) test; returns ``{name: TestResult}`` in a fixed order.

    Names: csect_t, patell, kp_patell, bmp, kp_bmp, grank, gen_sign, sign,
    wilcoxon, bootstrap (``n_boot`` and ``seed`` go to :func:`window_bootstrap`).
    """
    return {
        "csect_t": window_csect_t(car),
        "patell": window_patell(car, car_var, df),
        "kp_patell": window_kp_patell(car, car_var, df, est_resid),
        "bmp": window_bmp(car, car_var),
        "kp_bmp": window_kp_bmp(car, car_var, est_resid),
        "grank": window_grank(car, car_var, est_resid, df),
        "gen_sign": window_gen_sign(car, est_resid),
        "sign": window_sign(car),
        "wilcoxon": window_wilcoxon(car),
        "bootstrap": window_bootstrap(car, n_boot=n_boot, seed=seed),
    }
