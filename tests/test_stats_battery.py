"""Tests of the multi-event test battery in eventstudy.stats.

Expected numbers are worked out independently of the code under test: by hand
with the arithmetic written out below, from scipy (ttest_1samp, binomtest,
wilcoxon, rankdata), from closed forms (the Student-t with 2 df has
P(|T| > t) = 1 - t / sqrt(2 + t^2)), or from plain-loop re-implementations of a
paper's formula. Tolerances: rel 1e-12 for arithmetic and scipy references
(floating-point round-off only), stated otherwise where a test is statistical.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from scipy import stats as sps

from eventstudy import blocks
from eventstudy import stats as es
from eventstudy.errors import SpecificationError
from eventstudy.stats import _arrays, _ranks, _resample
from eventstudy.stats import residuals as es_residuals

NAN = float("nan")
REL = 1e-12

# 3 events x 4 event-window days; event 0 and 2 miss the last day.
AR = np.array(
    [
        [0.01, -0.02, 0.03, NAN],
        [0.02, 0.00, -0.01, 0.04],
        [0.03, -0.01, 0.02, NAN],
    ]
)
AR_VAR = np.array(
    [
        [1e-4, 1e-4, 4e-4, NAN],
        [1e-4, 4e-4, 1e-4, 1e-4],
        [4e-4, 1e-4, 1e-4, NAN],
    ]
)
DF = np.array([6.0, 8.0, 10.0])
# 3 events x 5 estimation days
EST = np.array(
    [
        [0.01, -0.01, 0.00, 0.02, -0.02],
        [0.00, 0.01, -0.01, 0.01, -0.01],
        [-0.01, 0.00, 0.01, 0.00, 0.00],
    ]
)


def t2_two_sided_p(t: float) -> float:
    """Closed-form two-sided p-value of Student-t with 2 df."""
    return 1.0 - abs(t) / math.sqrt(2.0 + t * t)


def normal_two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def mean_offdiag_corr(x: np.ndarray) -> float:
    c = np.corrcoef(x)
    k = c.shape[0]
    return float((c.sum() - np.trace(c)) / (k * (k - 1)))


def approx(x, rel=REL, abs=1e-15):
    return pytest.approx(x, rel=rel, abs=abs, nan_ok=True)


# ---------------------------------------------------------------------------
# cross-sectional t
# ---------------------------------------------------------------------------


def test_csect_t_by_hand():
    res = es.daily_csect_t(AR)
    # day 0: 0.01, 0.02, 0.03
    mean0 = (0.01 + 0.02 + 0.03) / 3
    sd0 = math.sqrt(((0.01 - mean0) ** 2 + (0.02 - mean0) ** 2 + (0.03 - mean0) ** 2) / 2)
    t0 = mean0 / (sd0 / math.sqrt(3))
    assert t0 == approx(2 * math.sqrt(3))  # the arithmetic above, simplified
    # day 1: -0.02, 0.00, -0.01
    mean1 = (-0.02 + 0.00 - 0.01) / 3
    sd1 = math.sqrt(((-0.02 - mean1) ** 2 + (0.0 - mean1) ** 2 + (-0.01 - mean1) ** 2) / 2)
    t1 = mean1 / (sd1 / math.sqrt(3))
    assert res.statistic[:2] == approx([t0, t1])
    assert res.p_value[:2] == approx([t2_two_sided_p(t0), t2_two_sided_p(t1)], rel=1e-10)
    assert res.name == "csect_t" and res.distribution == "t"
    assert res.n.tolist() == [3, 3, 3, 1]
    assert res.df[:3].tolist() == [2.0, 2.0, 2.0]
    # day 3 has one event: no cross-sectional s.d., so NaN with n reported
    assert math.isnan(res.statistic[3]) and math.isnan(res.p_value[3])


def test_csect_t_matches_scipy_with_missing_days():
    rng = np.random.default_rng(0)
    ar = rng.standard_t(5, size=(60, 7)) * 0.02 + 0.003
    ar[rng.random(ar.shape) < 0.2] = NAN
    res = es.daily_csect_t(ar)
    for j in range(ar.shape[1]):
        col = ar[~np.isnan(ar[:, j]), j]
        ref = sps.ttest_1samp(col, 0.0)
        assert res.n[j] == col.size
        assert res.statistic[j] == approx(ref.statistic)
        assert res.p_value[j] == approx(ref.pvalue, rel=1e-10)
        assert res.df[j] == col.size - 1


# ---------------------------------------------------------------------------
# Brown & Warner portfolio t
# ---------------------------------------------------------------------------


def test_bw_portfolio_t_by_hand():
    res = es.daily_bw_portfolio_t(AR, EST)
    # average estimation residual per day: columns of EST averaged over 3 events
    est_aar = [
        (0.01 + 0.00 - 0.01) / 3,
        (-0.01 + 0.01 + 0.00) / 3,
        (0.00 - 0.01 + 0.01) / 3,
        (0.02 + 0.01 + 0.00) / 3,
        (-0.02 - 0.01 + 0.00) / 3,
    ]
    m = sum(est_aar) / 5
    s = math.sqrt(sum((a - m) ** 2 for a in est_aar) / 4)
    aar = [(0.01 + 0.02 + 0.03) / 3, (-0.02 + 0.0 - 0.01) / 3, (0.03 - 0.01 + 0.02) / 3, 0.04]
    expected = [a / s for a in aar]
    assert res.statistic == approx(expected)
    assert res.df.tolist() == [4.0] * 4
    assert res.p_value == approx(2 * sps.t.sf(np.abs(expected), 4), rel=1e-10)
    assert res.n.tolist() == [3, 3, 3, 1]  # one event is enough: the s.d. is a time series


# ---------------------------------------------------------------------------
# Patell, BMP and the Kolari-Pynnonen adjustments
# ---------------------------------------------------------------------------


def test_patell_by_hand():
    res = es.daily_patell(AR, AR_VAR, DF)
    var_sum = 6 / 4 + 8 / 6 + 10 / 8  # df/(df-2) for df = 6, 8, 10
    sar0 = [0.01 / 0.01, 0.02 / 0.01, 0.03 / 0.02]  # AR / sqrt(ar_var)
    z0 = sum(sar0) / math.sqrt(var_sum)
    sar1 = [-0.02 / 0.01, 0.00 / 0.02, -0.01 / 0.01]
    z1 = sum(sar1) / math.sqrt(var_sum)
    z3 = (0.04 / 0.01) / math.sqrt(8 / 6)  # only event 1 on day 3
    assert res.statistic[[0, 1, 3]] == approx([z0, z1, z3])
    assert res.p_value[0] == approx(normal_two_sided_p(z0), rel=1e-10)
    assert res.n.tolist() == [3, 3, 3, 1]
    assert res.distribution == "normal" and res.df is None


def test_patell_drops_events_with_df_at_most_two():
    res = es.daily_patell(AR, AR_VAR, np.array([2.0, 8.0, 10.0]))
    z0 = (0.02 / 0.01 + 0.03 / 0.02) / math.sqrt(8 / 6 + 10 / 8)
    assert res.statistic[0] == approx(z0)
    assert res.n.tolist() == [2, 2, 2, 1]


def test_bmp_by_hand():
    res = es.daily_bmp(AR, AR_VAR)
    sar = [1.0, 2.0, 1.5]  # day-0 SARs as in test_patell_by_hand
    mean = sum(sar) / 3
    sd = math.sqrt(sum((x - mean) ** 2 for x in sar) / 2)
    t0 = mean / (sd / math.sqrt(3))
    assert t0 == approx(3 * math.sqrt(3))
    assert res.statistic[0] == approx(t0)
    assert res.p_value[0] == approx(t2_two_sided_p(t0), rel=1e-10)
    assert res.n.tolist() == [3, 3, 3, 1]
    assert math.isnan(res.statistic[3])


def test_bmp_equals_cross_sectional_t_of_standardized_residuals():
    rng = np.random.default_rng(1)
    ar = rng.normal(0.001, 0.02, size=(40, 5))
    ar_var = rng.uniform(1e-4, 9e-4, size=ar.shape)
    ar[rng.random(ar.shape) < 0.15] = NAN
    ar_var[rng.random(ar.shape) < 0.05] = NAN  # AR present, variance missing
    bmp = es.daily_bmp(ar, ar_var)
    sar = ar / np.sqrt(ar_var)
    csect = es.daily_csect_t(sar)
    assert bmp.statistic == approx(csect.statistic)
    assert bmp.n.tolist() == csect.n.tolist()
    for j in range(ar.shape[1]):
        col = sar[~np.isnan(sar[:, j]), j]
        assert bmp.statistic[j] == approx(sps.ttest_1samp(col, 0.0).statistic)


def test_average_residual_correlation_matches_corrcoef():
    rng = np.random.default_rng(2)
    common = rng.normal(size=30)
    est = 0.4 * common + rng.normal(size=(8, 30))
    assert es.average_residual_correlation(est) == approx(mean_offdiag_corr(est), rel=1e-10)
    assert es.average_residual_correlation(EST) == approx(mean_offdiag_corr(EST), rel=1e-10)


def test_average_residual_correlation_by_hand():
    x = np.array([1.0, -2.0, 0.5, 3.0])
    assert es.average_residual_correlation(np.vstack([x, 2 * x + 1])) == approx(1.0)
    assert es.average_residual_correlation(np.vstack([x, -x])) == approx(-1.0)
    orthogonal = np.array([[1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0], [1.0, -1.0, -1.0, 1.0]])
    assert es.average_residual_correlation(orthogonal) == approx(0.0)
    assert math.isnan(es.average_residual_correlation(x[None, :]))


def test_average_residual_correlation_missing_days_convention():
    # Documented convention: centre and scale each event over its own present days,
    # a missing day adds nothing to the cross-product. Re-implemented with loops.
    rng = np.random.default_rng(3)
    est = rng.normal(size=(5, 12))
    est[0, 3] = est[2, [0, 7]] = est[4, 11] = NAN
    z = []
    for row in est:
        ok = ~np.isnan(row)
        c = np.where(ok, row - row[ok].mean(), 0.0)
        z.append(c / math.sqrt((c**2).sum()))
    pairs = [float(z[i] @ z[j]) for i, j in itertools.combinations(range(5), 2)]
    assert es.average_residual_correlation(est) == approx(sum(pairs) / len(pairs), rel=1e-10)


def test_kp_adjustments_equal_closed_form_factors():
    r = mean_offdiag_corr(EST)
    bmp = es.daily_bmp(AR, AR_VAR)
    pat = es.daily_patell(AR, AR_VAR, DF)
    kp_bmp = es.daily_kp_bmp(AR, AR_VAR, EST)
    kp_pat = es.daily_kp_patell(AR, AR_VAR, DF, EST)
    n = bmp.n.astype(float)
    assert kp_bmp.statistic == approx(bmp.statistic * np.sqrt((1 - r) / (1 + (n - 1) * r)))
    assert kp_bmp.p_value[:3] == approx(2 * sps.t.sf(np.abs(kp_bmp.statistic[:3]), 2))
    assert kp_pat.statistic == approx(pat.statistic / np.sqrt(1 + (n - 1) * r))
    # one event (day 3): the Patell factor is 1 whatever r is; BMP is undefined
    assert kp_pat.statistic[3] == approx(pat.statistic[3])
    assert math.isnan(kp_bmp.statistic[3]) and kp_bmp.n[3] == 1


def test_kp_equals_unadjusted_without_cross_correlation():
    orthogonal = np.array([[1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0], [1.0, -1.0, -1.0, 1.0]])
    assert es.daily_kp_bmp(AR, AR_VAR, orthogonal).statistic == approx(
        es.daily_bmp(AR, AR_VAR).statistic
    )
    assert es.daily_kp_patell(AR, AR_VAR, DF, orthogonal).statistic == approx(
        es.daily_patell(AR, AR_VAR, DF).statistic
    )


# ---------------------------------------------------------------------------
# Corrado rank test
# ---------------------------------------------------------------------------


def test_row_ranks_match_scipy_rankdata():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 5, size=(30, 9)).astype(float)  # many ties
    x[rng.random(x.shape) < 0.2] = NAN
    ranks = _ranks._row_ranks(x)
    for row, got in zip(x, ranks, strict=True):
        ok = ~np.isnan(row)
        assert got[ok] == approx(sps.rankdata(row[ok]))
        assert np.isnan(got[~ok]).all()


def test_corrado_by_hand_matches_original_formula():
    # 2 events, 3 estimation days + 1 event day, no missing values
    est = np.array([[0.01, -0.02, 0.00], [-0.01, 0.02, 0.01]])
    ar = np.array([[0.03], [0.00]])
    # ranks over the 4 days: event A [0.01,-0.02,0.00,0.03] -> 3,1,2,4;
    # event B [-0.01,0.02,0.01,0.00] -> 1,4,3,2. Corrado (1989): K - (M+1)/2, M = 4
    dev_a = [3 - 2.5, 1 - 2.5, 2 - 2.5, 4 - 2.5]
    dev_b = [1 - 2.5, 4 - 2.5, 3 - 2.5, 2 - 2.5]
    day_mean = [(a + b) / 2 for a, b in zip(dev_a, dev_b, strict=True)]
    s_k = math.sqrt(sum(d * d for d in day_mean) / 4)
    expected = day_mean[3] / s_k
    assert expected == approx(math.sqrt(2))
    res = es.daily_corrado_rank(ar, est)
    assert res.statistic[0] == approx(expected)
    assert res.p_value[0] == approx(normal_two_sided_p(expected), rel=1e-10)
    assert res.n.tolist() == [2]


def corrado_zivney_reference(ar: np.ndarray, est: np.ndarray) -> np.ndarray:
    """Corrado (1989) / Corrado-Zivney (1992) rank z, one event at a time."""
    combined = np.hstack([est, ar])
    u = np.full(combined.shape, NAN)
    for i, row in enumerate(combined):
        ok = ~np.isnan(row)
        u[i, ok] = sps.rankdata(row[ok]) / (ok.sum() + 1) - 0.5
    total, days = 0.0, 0
    for col in u.T:
        vals = col[~np.isnan(col)]
        if vals.size:
            total += vals.size * vals.mean() ** 2
            days += 1
    sigma = math.sqrt(total / days)
    out = []
    for col in u[:, est.shape[1]:].T:
        vals = col[~np.isnan(col)]
        out.append(math.sqrt(vals.size) * vals.mean() / sigma)
    return np.array(out)


def test_corrado_with_ties_and_missing_matches_loop_reference():
    rng = np.random.default_rng(5)
    est = np.round(rng.normal(0, 0.02, size=(25, 40)), 3)  # rounding creates ties
    ar = np.round(rng.normal(0.004, 0.02, size=(25, 6)), 3)
    est[rng.random(est.shape) < 0.1] = NAN
    ar[rng.random(ar.shape) < 0.2] = NAN
    res = es.daily_corrado_rank(ar, est)
    assert res.statistic == approx(corrado_zivney_reference(ar, est), rel=1e-10)
    assert res.n.tolist() == (~np.isnan(ar)).sum(axis=0).tolist()


# ---------------------------------------------------------------------------
# sign tests
# ---------------------------------------------------------------------------


def test_gen_sign_by_hand():
    res = es.daily_gen_sign(AR, EST)
    share = [2 / 5, 2 / 5, 1 / 5]  # positive estimation residuals per event (zeros are not)
    p = sum(share) / 3
    z0 = (3 - 3 * p) / math.sqrt(3 * p * (1 - p))  # day 0: all three ARs positive
    z1 = (0 - 3 * p) / math.sqrt(3 * p * (1 - p))  # day 1: -0.02, 0.00, -0.01
    p3 = share[1]  # day 3: only event 1, one positive AR
    z3 = (1 - p3) / math.sqrt(p3 * (1 - p3))
    assert res.statistic[[0, 1, 3]] == approx([z0, z1, z3])
    assert res.p_value[0] == approx(normal_two_sided_p(z0), rel=1e-10)
    assert res.n.tolist() == [3, 3, 3, 1]


def test_sign_matches_binomtest():
    res = es.daily_sign(AR)
    # day 1 has a zero AR, dropped: 2 non-zero, both negative
    assert res.n.tolist() == [3, 2, 3, 1]
    assert res.statistic[:2] == approx([(3 - 1.5) / math.sqrt(0.75), (0 - 1.0) / math.sqrt(0.5)])
    rng = np.random.default_rng(6)
    ar = rng.normal(0.003, 0.02, size=(37, 5))
    ar[rng.random(ar.shape) < 0.2] = NAN
    ar[0, 0] = 0.0
    res = es.daily_sign(ar)
    for j in range(ar.shape[1]):
        col = ar[~np.isnan(ar[:, j]), j]
        w, n = int((col > 0).sum()), int((col != 0).sum())
        assert res.n[j] == n
        assert res.p_value[j] == approx(sps.binomtest(w, n, 0.5).pvalue, rel=1e-10)


# ---------------------------------------------------------------------------
# Wilcoxon signed rank
# ---------------------------------------------------------------------------


def test_wilcoxon_exact_by_enumeration():
    x = np.array([0.01, -0.02, 0.03, 0.04])
    # |x| ranks 1,2,3,4; W+ = 1 + 3 + 4 = 8; E = 4*5/4 = 5; Var = 4*5*9/24 = 7.5
    z = (8 - 5) / math.sqrt(7.5)
    # exact null: W+ over the 16 equally likely sign patterns
    null = [sum(r for r, s in zip((1, 2, 3, 4), signs, strict=True) if s)
            for signs in itertools.product((0, 1), repeat=4)]
    p = sum(abs(w - 5) >= 3 for w in null) / 16
    res = es.window_wilcoxon(x)
    assert res.statistic == approx(z)
    assert res.p_value == approx(p)
    assert p == 6 / 16 and res.n == 4


def test_wilcoxon_tie_corrected_score_and_scipy_p():
    x = np.array([1.0, -1.0, 2.0, 3.0, -3.0, 4.0, 0.0])
    # zero dropped; |x| ranks 1.5,1.5,3,4.5,4.5,6; W+ = 1.5 + 3 + 4.5 + 6 = 15
    var = 6 * 7 * 13 / 24 - ((2**3 - 2) + (2**3 - 2)) / 48
    z = (15 - 6 * 7 / 4) / math.sqrt(var)
    res = es.window_wilcoxon(x)
    assert res.statistic == approx(z)
    assert res.n == 6
    ref = sps.wilcoxon(x, zero_method="wilcox", method="asymptotic")
    assert abs(res.statistic) == approx(abs(ref.zstatistic), rel=1e-10)
    rng = np.random.default_rng(7)
    ar = rng.normal(0.002, 0.02, size=(70, 4))
    ar[rng.random(ar.shape) < 0.3] = NAN
    daily = es.daily_wilcoxon(ar)
    for j in range(ar.shape[1]):
        col = ar[~np.isnan(ar[:, j]), j]
        assert daily.p_value[j] == approx(sps.wilcoxon(col).pvalue, rel=1e-10)
        assert daily.n[j] == col.size


# ---------------------------------------------------------------------------
# window tests
# ---------------------------------------------------------------------------

CAR = np.array([0.01, 0.02, 0.03])
CAR_VAR = np.array([1e-4, 1e-4, 4e-4])


def test_window_csect_bmp_patell():
    rng = np.random.default_rng(8)
    car = rng.normal(0.01, 0.05, size=50)
    car_var = rng.uniform(1e-3, 4e-3, size=50)
    car[[3, 9]] = NAN
    ok = ~np.isnan(car)
    ref = sps.ttest_1samp(car[ok], 0.0)
    res = es.window_csect_t(car)
    assert (res.statistic, res.p_value, res.df, res.n) == (
        approx(ref.statistic), approx(ref.pvalue, rel=1e-10), 47.0, 48,
    )
    scar = car[ok] / np.sqrt(car_var[ok])
    assert es.window_bmp(car, car_var).statistic == approx(sps.ttest_1samp(scar, 0).statistic)
    # Patell / CLM J2 by hand on the 3-event example
    z = (0.01 / 0.01 + 0.02 / 0.01 + 0.03 / 0.02) / math.sqrt(6 / 4 + 8 / 6 + 10 / 8)
    pat = es.window_patell(CAR, CAR_VAR, DF)
    assert (pat.statistic, pat.n, pat.distribution) == (approx(z), 3, "normal")
    # with a common df this is CLM's J2 = sqrt(N (L1-4)/(L1-2)) * mean SCAR, L1 - 2 = df
    j2 = math.sqrt(3 * (10 - 2) / 10) * (1.0 + 2.0 + 1.5) / 3
    assert es.window_patell(CAR, CAR_VAR, np.full(3, 10.0)).statistic == approx(j2)


def test_window_kp_gen_sign_and_sign():
    r = mean_offdiag_corr(EST)
    bmp = es.window_bmp(CAR, CAR_VAR)
    kp = es.window_kp_bmp(CAR, CAR_VAR, EST)
    assert kp.statistic == approx(bmp.statistic * math.sqrt((1 - r) / (1 + 2 * r)))
    kpp = es.window_kp_patell(CAR, CAR_VAR, DF, EST)
    assert kpp.statistic == approx(es.window_patell(CAR, CAR_VAR, DF).statistic
                                   / math.sqrt(1 + 2 * r))
    p = (2 / 5 + 2 / 5 + 1 / 5) / 3
    gs = es.window_gen_sign(CAR, EST)
    assert gs.statistic == approx((3 - 3 * p) / math.sqrt(3 * p * (1 - p)))
    sg = es.window_sign(np.array([0.01, -0.02, 0.03, 0.04, 0.05, 0.0]))
    assert (sg.p_value, sg.n) == (approx(sps.binomtest(4, 5, 0.5).pvalue), 5)


def test_grank_by_hand():
    # estimation residuals [0.01, -0.01, 0.00] and df 2 give s = sqrt(2e-4 / 2) = 0.01,
    # so the estimation SARs are [1, -1, 0] for every event
    est = np.tile([0.01, -0.01, 0.00], (3, 1))
    df = np.full(3, 2.0)
    car = np.array([0.01, 0.02, 0.03])
    car_var = np.full(3, 1e-4)
    # SCAR = [1, 2, 3]; cross-sectional s.d. = sqrt(((1-2)^2 + 0 + (3-2)^2) / 2) = 1
    # rows [1,-1,0 | 1], [1,-1,0 | 2], [1,-1,0 | 3] -> ranks (ties averaged)
    ranks = [[3.5, 1, 2, 3.5], [3, 1, 2, 4], [3, 1, 2, 4]]
    u = [[k / 5 - 0.5 for k in row] for row in ranks]  # M_i + 1 = 5
    ubar = [sum(row[t] for row in u) / 3 for t in range(4)]
    s_u = math.sqrt(sum(b * b for b in ubar) / 4)  # n_t / n = 1 on all 4 "days"
    z = ubar[3] / s_u
    t = z * math.sqrt((4 - 2) / (4 - 1 - z * z))
    res = es.window_grank(car, car_var, est, df)
    assert res.statistic == approx(t)
    assert res.df == 2.0 and res.n == 3
    assert res.p_value == approx(t2_two_sided_p(t), rel=1e-10)


def grank_reference(car, car_var, est, df) -> tuple[float, float]:
    """Kolari-Pynnonen (2011) GRANK t and df, one event at a time."""
    rows = []
    scar = []
    for i in range(len(car)):
        e = est[i][~np.isnan(est[i])]
        s = math.sqrt((e**2).sum() / df[i])
        rows.append(est[i] / s)
        scar.append(car[i] / math.sqrt(car_var[i]))
    scar = np.array(scar)
    scar_star = scar / scar.std(ddof=1)
    u = np.full((len(car), est.shape[1] + 1), NAN)
    for i in range(len(car)):
        g = np.append(rows[i], scar_star[i])
        ok = ~np.isnan(g)
        u[i, ok] = sps.rankdata(g[ok]) / (ok.sum() + 1) - 0.5
    n = len(car)
    acc, days = 0.0, 0
    for col in u.T:
        vals = col[~np.isnan(col)]
        if vals.size:
            acc += vals.size / n * vals.mean() ** 2
            days += 1
    z = np.mean(u[:, -1]) / math.sqrt(acc / days)
    return z * math.sqrt((days - 2) / (days - 1 - z * z)), days - 2.0


def test_grank_matches_loop_reference_with_missing_estimation_days():
    rng = np.random.default_rng(9)
    n, length = 30, 60
    est = rng.normal(0, 0.02, size=(n, length))
    est[rng.random(est.shape) < 0.1] = NAN
    df = (~np.isnan(est)).sum(axis=1) - 2.0
    car = rng.normal(0.02, 0.06, size=n)
    car_var = rng.uniform(2e-3, 6e-3, size=n)
    t, dof = grank_reference(car, car_var, est, df)
    res = es.window_grank(car, car_var, est, df)
    assert res.statistic == approx(t, rel=1e-10)
    assert res.df == dof and res.n == n
    assert res.p_value == approx(2 * sps.t.sf(abs(t), dof), rel=1e-10)


def test_bootstrap_seeded_and_consistent_with_t():
    rng = np.random.default_rng(10)
    car = rng.normal(0.004, 0.03, size=200)
    a = es.window_bootstrap(car, n_boot=4999, seed=123)
    b = es.window_bootstrap(car, n_boot=4999, seed=123)
    c = es.window_bootstrap(car, n_boot=4999, seed=np.random.default_rng(123))
    assert a == b == c  # same seed (or equally seeded generator): same result
    assert es.window_bootstrap(car, n_boot=4999, seed=124).p_value != a.p_value
    ref = sps.ttest_1samp(car, 0.0)
    assert a.statistic == approx(ref.statistic)
    assert (a.distribution, a.df, a.n) == ("bootstrap", None, 200)
    # with normal data the bootstrap-t p-value approximates the t-test one; the
    # tolerance 0.03 is about 4 Monte Carlo s.e. at B = 4999 plus bootstrap error
    assert abs(a.p_value - ref.pvalue) < 0.03
    # every resample is far less extreme than a huge effect: p = 1 / (B + 1)
    strong = es.window_bootstrap(np.array([0.10, 0.11, 0.12, 0.13, 0.14]), n_boot=99, seed=0)
    assert strong.p_value == approx(1 / 100)
    with pytest.raises(SpecificationError):
        es.window_bootstrap(car, n_boot=0)


# ---------------------------------------------------------------------------
# missing data and degenerate inputs
# ---------------------------------------------------------------------------


def test_per_day_n_reflects_missing_values():
    ar_var = AR_VAR.copy()
    ar_var[2, 0] = NAN  # AR present, variance missing: out of Patell/BMP, in csect_t
    ar_var[0, 1] = 0.0  # a zero variance cannot standardize: left out, not an infinite SAR
    battery = es.run_daily_battery(AR, ar_var, EST, DF)
    assert battery["csect_t"].n.tolist() == [3, 3, 3, 1]
    for name in ("patell", "kp_patell", "bmp", "kp_bmp"):
        assert battery[name].n.tolist() == [2, 2, 3, 1], name
        assert np.isfinite(battery[name].statistic[:3]).all(), name
    assert battery["sign"].n.tolist() == [3, 2, 3, 1]
    assert battery["wilcoxon"].n.tolist() == [3, 2, 3, 1]
    assert battery["corrado_rank"].n.tolist() == [3, 3, 3, 1]


def test_degenerate_inputs_give_nan_with_n_and_no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one = np.array([0.05])
        for res in (
            es.window_csect_t(one),
            es.window_bmp(one, [1e-4]),
            es.window_kp_bmp(one, [1e-4], EST[:1]),
            es.window_grank(one, [1e-4], EST[:1], [3.0]),
            es.window_bootstrap(one, n_boot=10, seed=0),
        ):
            assert math.isnan(res.statistic) and math.isnan(res.p_value), res.name
            assert res.n == 1, res.name
        constant = np.full((4, 2), 0.01)  # zero cross-sectional s.d.: t undefined, not inf
        res = es.daily_csect_t(constant)
        assert np.isnan(res.statistic).all() and res.n.tolist() == [4, 4]
        empty = np.full((3, 2), NAN)  # a day with no events at all
        for res in es.run_daily_battery(empty, empty, EST, DF).values():
            assert np.isnan(res.statistic).all() and res.n.tolist() == [0, 0], res.name
        window = es.run_window_battery(np.full(3, NAN), np.full(3, NAN), EST, DF, seed=0)
        for res in window.values():
            assert math.isnan(res.statistic) and res.n == 0, res.name


def test_shape_mismatch_raises_typed_error():
    with pytest.raises(SpecificationError, match="ar_var"):
        es.daily_bmp(AR, AR_VAR[:, :3])
    with pytest.raises(SpecificationError, match="est_resid"):
        es.daily_corrado_rank(AR, EST[:2])
    with pytest.raises(SpecificationError, match="2-D"):
        es.daily_csect_t(np.array([0.01, 0.02]))


# ---------------------------------------------------------------------------
# descriptives, BHAR and the batteries
# ---------------------------------------------------------------------------


def test_daily_descriptives_by_hand():
    d = es.daily_descriptives(AR)
    aar = [(0.01 + 0.02 + 0.03) / 3, (-0.02 + 0.0 - 0.01) / 3, (0.03 - 0.01 + 0.02) / 3, 0.04]
    assert d.n.tolist() == [3, 3, 3, 1]
    assert d.aar == approx(aar)
    assert d.caar == approx([aar[0], aar[0] + aar[1], sum(aar[:3]), sum(aar)])
    assert d.sd[0] == approx(0.01)
    assert math.isnan(d.sd[3])
    assert d.share_positive == approx([1.0, 0.0, 2 / 3, 1.0])


def test_bhar_by_hand():
    returns = np.array([[0.10, -0.05], [0.02, NAN], [0.0, 0.01]])
    normal = np.array([[0.02, 0.01], [0.01, 0.01], [0.01, 0.0]])
    b = es.bhar(returns, normal)
    first = 1.10 * 0.95 - 1.02 * 1.01  # = 1.045 - 1.0302
    third = 1.00 * 1.01 - 1.01 * 1.00
    assert b[[0, 2]] == approx([first, third], abs=1e-15)
    assert math.isnan(b[1])  # a missing day makes the buy-and-hold return undefined
    mean, n = es.mean_bhar(b)
    assert (mean, n) == (approx((first + third) / 2, abs=1e-15), 2)


def test_batteries_return_every_named_test():
    daily = es.run_daily_battery(AR, AR_VAR, EST, DF)
    assert list(daily) == [
        "csect_t", "bw_portfolio_t", "patell", "kp_patell", "bmp", "kp_bmp",
        "corrado_rank", "gen_sign", "sign", "wilcoxon",
    ]
    for name, res in daily.items():
        assert res.name == name and res.statistic.shape == (4,)
    window = es.run_window_battery(CAR, CAR_VAR, EST, DF, n_boot=199, seed=7)
    assert list(window) == [
        "csect_t", "patell", "kp_patell", "bmp", "kp_bmp", "grank", "gen_sign", "sign",
        "wilcoxon", "bootstrap",
    ]
    for name, res in window.items():
        assert res.name == name and isinstance(res, es.TestResult)
    assert window["bootstrap"] == es.window_bootstrap(CAR, n_boot=199, seed=7)
    assert daily["corrado_rank"].day(0).statistic == daily["corrado_rank"].statistic[0]


# ---------------------------------------------------------------------------
# fast paths equal the plain definitions
#
# The batteries validate inputs without copying, summarise the residuals in one
# pass of row blocks, rank on sorted integer keys (rows with tied or nearly tied
# values by the plain definition), and spread blocks over threads. Each test
# below checks one of these against a plain re-implementation (scipy rankdata,
# numpy corrcoef/nanmean, a resampling loop), with REL = 1e-12 unless exact.
# ---------------------------------------------------------------------------

BLOCK_SETUPS = {"one-block": (1, 1 << 16), "small-blocks": (1, 97), "threads": (3, 97)}


def use_blocks(monkeypatch, setup: str) -> None:
    """Run the battery in one block on one thread, in many blocks, or on threads."""
    workers, cells = BLOCK_SETUPS[setup]
    monkeypatch.setattr(blocks, "worker_count", lambda: workers)
    monkeypatch.setattr(blocks, "BLOCK_CELLS", cells)


def awkward(rng: np.random.Generator, shape: tuple[int, int], missing: float = 0.1):
    """Rows with distinct values, rows with ties, near ties, signed zeros and NaN."""
    x = rng.normal(0.0, 0.02, size=shape)
    tied_rows = rng.random(shape[0]) < 0.4
    x[tied_rows] = np.round(x[tied_rows], 3)  # rounding to 0.001 makes ties
    x[rng.random(shape) < 0.03] = 0.01
    x[rng.random(shape) < 0.03] = np.nextafter(0.01, 1.0)  # one ulp above 0.01
    x[rng.random(shape) < 0.03] = 0.01 * (1 + 4 * np.finfo(float).eps)  # a few ulps
    x[rng.random(shape) < 0.03] = -0.0  # equal to 0.0
    x[rng.random(shape) < missing] = NAN
    return x


def equal_results(a, b) -> bool:
    """Same statistic, p-value, df and n, bit for bit (NaN equal to NaN)."""
    fields = ("statistic", "p_value", "df", "n")
    values = [(getattr(a, f), getattr(b, f)) for f in fields]
    return all(
        (x is None and y is None)
        or (x is not None and y is not None and np.array_equal(x, y, equal_nan=True))
        for x, y in values
    )


@pytest.mark.parametrize("setup", list(BLOCK_SETUPS))
def test_corrado_and_grank_match_rankdata_references(monkeypatch, setup):
    use_blocks(monkeypatch, setup)
    rng = np.random.default_rng(21)
    est = awkward(rng, (60, 35))
    est[0] = NAN  # an event without residuals: no ranks at all
    ar = awkward(rng, (60, 4), missing=0.2)
    res = es.daily_corrado_rank(ar, est)
    assert res.statistic == approx(corrado_zivney_reference(ar, est))
    assert res.n.tolist() == (~np.isnan(ar)).sum(axis=0).tolist()

    # GRANK: the full (N, L + 1) array of SARs and SCAR* ranked row by row by rankdata
    est = awkward(rng, (60, 35))
    df = (~np.isnan(est)).sum(axis=1) - 2.0
    car = rng.normal(0.01, 0.06, size=60)
    car[:5] = car[5]  # SCAR* ties too
    car_var = np.full(60, 4e-3)
    t, dof = grank_reference(car, car_var, est, df)
    res = es.window_grank(car, car_var, est, df)
    assert res.statistic == approx(t)
    assert res.df == dof and res.n == 60


def test_rank_keys_never_merge_or_split_values():
    # values one or a few ulps apart are distinct, -0.0 equals 0.0, a denormal is
    # not zero; the ranks must be those of rankdata on every row
    tiny = np.finfo(float).tiny
    one_up = np.nextafter(1.0, 2.0)
    rows = np.array(
        [
            [1.0, one_up, 1.0 + 4 * np.finfo(float).eps, -1.0, np.nextafter(-1.0, 0.0), 0.0],
            [0.0, -0.0, tiny / 4, -tiny / 4, 1e300, -1e300],
            [3.0, 1.0, 2.0, 5.0, 4.0, 6.0],  # distinct, decided by the keys alone
            [NAN, 2.0, NAN, 2.0, -3.0, 7.0],
            [NAN] * 6,
        ]
    )
    n, mean = _ranks._uniform_rank_means(blocks.row_blocks(5, 6), lambda r: rows[r].copy(), 6)
    u = np.full(rows.shape, NAN)
    for i, row in enumerate(rows):
        ok = ~np.isnan(row)
        u[i, ok] = sps.rankdata(row[ok]) / (ok.sum() + 1) - 0.5
    assert n.tolist() == (~np.isnan(rows)).sum(axis=0).tolist()
    assert mean == approx(np.nanmean(u, axis=0))


def test_wilcoxon_matches_scipy_on_large_and_small_days():
    rng = np.random.default_rng(22)
    ar = rng.normal(0.003, 0.02, size=(150, 6))  # day 0: distinct values
    ar[:, 1] = np.round(ar[:, 1], 3)  # ties and zeros
    ar[:, 2] = awkward(rng, (150, 1), missing=0.0)[:, 0]  # near ties and -0.0
    ar[40:, 3] = NAN  # 40 values: scipy's small-sample branch
    ar[:, 4] = np.round(ar[:, 4], 2)
    ar[45:, 4] = NAN  # 45 values with ties
    ar[:, 5] = NAN  # no value at all
    res = es.daily_wilcoxon(ar)
    for j in range(5):
        x = ar[:, j][~np.isnan(ar[:, j]) & (ar[:, j] != 0)]
        ranks = sps.rankdata(np.abs(x))
        _, t = np.unique(np.abs(x), return_counts=True)
        n = x.size
        var = n * (n + 1) * (2 * n + 1) / 24 - (t**3 - t).sum() / 48
        assert res.n[j] == n
        assert res.statistic[j] == approx((ranks[x > 0].sum() - n * (n + 1) / 4) / math.sqrt(var))
        assert res.p_value[j] == approx(sps.wilcoxon(x).pvalue)
    assert np.isnan(res.statistic[5]) and np.isnan(res.p_value[5]) and res.n[5] == 0


@pytest.mark.parametrize("setup", list(BLOCK_SETUPS))
def test_residual_pass_matches_plain_formulas(monkeypatch, setup):
    use_blocks(monkeypatch, setup)
    rng = np.random.default_rng(23)
    est = awkward(rng, (70, 12))
    est[3] = NAN
    est[:, 5] = NAN  # a day without residuals
    summary = es_residuals._summarize_residuals(est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the empty day and event
        assert summary.column_mean == approx(np.nanmean(est, axis=0))
        share = (est > 0).sum(axis=1) / (~np.isnan(est)).sum(axis=1)
    assert summary.positive_share == approx(share)
    assert summary.sum_squares == approx(np.nansum(est * est, axis=1))
    complete = rng.normal(0, 0.02, size=(70, 12)) + rng.normal(0, 0.01, size=12)
    assert es.average_residual_correlation(complete) == approx(mean_offdiag_corr(complete))


def test_kp_tests_take_a_precomputed_rbar():
    rng = np.random.default_rng(24)
    est = awkward(rng, (40, 30), missing=0.05)
    ar = awkward(rng, (40, 3), missing=0.05)
    ar_var = rng.uniform(1e-4, 4e-4, size=ar.shape)
    df = np.full(40, 28.0)
    rbar = es.average_residual_correlation(est)
    pairs = [
        (es.daily_kp_bmp(ar, ar_var, est), es.daily_kp_bmp(ar, ar_var, est, rbar=rbar)),
        (
            es.daily_kp_patell(ar, ar_var, df, est),
            es.daily_kp_patell(ar, ar_var, df, est, rbar=rbar),
        ),
        (
            es.window_kp_bmp(ar[:, 0], ar_var[:, 0], est),
            es.window_kp_bmp(ar[:, 0], ar_var[:, 0], est, rbar=rbar),
        ),
        (
            es.window_kp_patell(ar[:, 0], ar_var[:, 0], df, est),
            es.window_kp_patell(ar[:, 0], ar_var[:, 0], df, est, rbar=rbar),
        ),
    ]
    for recomputed, passed in pairs:
        assert equal_results(recomputed, passed), passed.name
    # another r changes the statistic by the closed-form factor
    bmp = es.daily_bmp(ar, ar_var)
    other = es.daily_kp_bmp(ar, ar_var, est, rbar=0.1)
    factor = np.sqrt(0.9 / (1 + (bmp.n - 1) * 0.1))
    assert other.statistic == approx(bmp.statistic * factor)


@pytest.mark.parametrize("setup", list(BLOCK_SETUPS))
def test_batteries_equal_the_single_test_functions(monkeypatch, setup):
    use_blocks(monkeypatch, setup)
    rng = np.random.default_rng(25)
    n = 80
    est = awkward(rng, (n, 25))
    ar = awkward(rng, (n, 5))
    ar_var = rng.choice([1e-4, 4e-4, 0.0, NAN], size=ar.shape, p=[0.45, 0.45, 0.05, 0.05])
    df = rng.choice([2.0, 5.0, 23.0], size=n)
    daily = es.run_daily_battery(ar, ar_var, est, df)
    singles = {
        "csect_t": es.daily_csect_t(ar),
        "bw_portfolio_t": es.daily_bw_portfolio_t(ar, est),
        "patell": es.daily_patell(ar, ar_var, df),
        "kp_patell": es.daily_kp_patell(ar, ar_var, df, est),
        "bmp": es.daily_bmp(ar, ar_var),
        "kp_bmp": es.daily_kp_bmp(ar, ar_var, est),
        "corrado_rank": es.daily_corrado_rank(ar, est),
        "gen_sign": es.daily_gen_sign(ar, est),
        "sign": es.daily_sign(ar),
        "wilcoxon": es.daily_wilcoxon(ar),
    }
    assert list(daily) == list(singles)
    for name, res in singles.items():
        assert equal_results(daily[name], res), name
    car, car_var = np.nansum(ar, axis=1), np.nansum(ar_var, axis=1)
    car[:4] = NAN
    window = es.run_window_battery(car, car_var, est, df, n_boot=199, seed=3)
    singles = {
        "csect_t": es.window_csect_t(car),
        "patell": es.window_patell(car, car_var, df),
        "kp_patell": es.window_kp_patell(car, car_var, df, est),
        "bmp": es.window_bmp(car, car_var),
        "kp_bmp": es.window_kp_bmp(car, car_var, est),
        "grank": es.window_grank(car, car_var, est, df),
        "gen_sign": es.window_gen_sign(car, est),
        "sign": es.window_sign(car),
        "wilcoxon": es.window_wilcoxon(car),
        "bootstrap": es.window_bootstrap(car, n_boot=199, seed=3),
    }
    assert list(window) == list(singles)
    for name, res in singles.items():
        assert equal_results(window[name], res), name


def test_results_do_not_depend_on_blocks_or_threads(monkeypatch):
    rng = np.random.default_rng(26)
    est = awkward(rng, (90, 40))
    ar = awkward(rng, (90, 6))
    ar_var = rng.uniform(1e-4, 4e-4, size=ar.shape)
    df = np.full(90, 38.0)
    car, car_var = np.nansum(ar, axis=1), ar_var.sum(axis=1)
    runs = []
    for setup in BLOCK_SETUPS:
        use_blocks(monkeypatch, setup)
        runs.append(
            (
                es.run_daily_battery(ar, ar_var, est, df),
                es.run_window_battery(car, car_var, est, df, n_boot=299, seed=11),
            )
        )
    for daily, window in runs[1:]:
        for name, res in daily.items():
            assert equal_results(res, runs[0][0][name]), name
        for name, res in window.items():
            assert equal_results(res, runs[0][1][name]), name


def documented_resamples(seed, n: int, n_boot: int) -> np.ndarray:
    """The resampled positions of window_bootstrap's docstring, written out plainly."""
    rows = max(1, 2**20 // n)
    children = np.random.default_rng(seed).spawn(-(-n_boot // rows))
    return np.vstack([
        child.integers(0, n, size=(min(rows, n_boot - j * rows), n), dtype=np.int32)
        for j, child in enumerate(children)
    ])


def plain_bootstrap_p(car: np.ndarray, draws: np.ndarray) -> float:
    """(1 + #{|t*| >= |t|}) / (B + 1) with numpy's mean and std on each resample."""
    n = car.size
    sample = (car - car.mean())[draws]
    t_star = sample.mean(axis=1) * np.sqrt(n) / sample.std(axis=1, ddof=1)
    t_obs = car.mean() * np.sqrt(n) / car.std(ddof=1)
    # no resample within rounding of the threshold, so the count is the same
    # whichever order the sums are formed in
    assert np.abs(np.abs(t_star) / abs(t_obs) - 1).min() > 1e-9
    return (1 + np.count_nonzero(np.abs(t_star) >= abs(t_obs))) / (len(draws) + 1)


@pytest.mark.parametrize("setup", list(BLOCK_SETUPS))
def test_bootstrap_equals_the_plain_resampling_loop(monkeypatch, setup):
    use_blocks(monkeypatch, setup)
    rng = np.random.default_rng(27)
    car = rng.standard_t(4, size=2500) * 0.03 + 0.002
    n_boot = 999  # 2**20 // 2500 = 419 resamples per block: blocks of 419, 419, 161
    expected = plain_bootstrap_p(car, documented_resamples(5, car.size, n_boot))
    given = np.random.default_rng(5)
    state = given.bit_generator.state
    res = es.window_bootstrap(car, n_boot=n_boot, seed=given)
    assert res.p_value == expected  # the documented stream, t* as numpy forms it
    assert res.statistic == approx(sps.ttest_1samp(car, 0.0).statistic)
    assert given.bit_generator.state == state  # a generator passed in is only spawned from
    assert es.window_bootstrap(car, n_boot=n_boot, seed=5) == res


def test_resample_sums_equal_sums_over_the_drawn_values(monkeypatch):
    # counts of draws times the values, over slices of 7 values: the plain sums of
    # the drawn rows, to rounding (rel 1e-12)
    monkeypatch.setattr(_resample, "_BOOT_PRODUCT", 7 * 4 * 3)
    rng = np.random.default_rng(31)
    values = rng.normal(0.0, 0.02, size=(50, 3))
    draws = rng.integers(0, 50, size=(4, 50), dtype=np.int32)
    expected = values[draws].sum(axis=1)
    assert _resample._resample_sums(draws, values) == approx(expected)


@pytest.mark.parametrize("setup", list(BLOCK_SETUPS))
def test_car_t_test_p_values_equal_scipy_in_blocks(monkeypatch, setup):
    use_blocks(monkeypatch, setup)
    rng = np.random.default_rng(32)
    car = rng.normal(0.0, 0.05, size=(300, 3))
    car[5, 1] = NAN
    variance = rng.uniform(1e-4, 4e-3, size=car.shape)
    df = rng.integers(0, 250, size=300).astype(float)  # df = 0 has no t distribution
    se, t_stat, p_value = es.car_t_test(car, variance, df[:, None])
    assert np.array_equal(t_stat, car / np.sqrt(variance), equal_nan=True)
    expected = 2 * sps.t.sf(np.abs(t_stat), df[:, None])
    assert np.array_equal(p_value, expected, equal_nan=True)  # the same function, bit for bit
    assert np.isnan(p_value[df == 0]).all() and np.isnan(p_value[5, 1])


def test_windows_with_equal_n_share_resamples_and_match_single_runs():
    rng = np.random.default_rng(29)
    n = 400
    cars = [rng.normal(0.001 * k, 0.02, size=n) for k in range(4)]
    cars[2][:7] = NAN  # 393 CARs: resampled with its own draws
    car_var = np.full(n, 4e-4)
    est = rng.normal(0, 0.02, size=(n, 30))
    df = np.full(n, 28.0)
    batteries = es.run_window_batteries(
        [(car, car_var) for car in cars], est, df, n_boot=499, seed=13
    )
    for car, battery in zip(cars, batteries, strict=True):
        x = car[~np.isnan(car)]
        draws = documented_resamples(13, x.size, 499)
        assert battery["bootstrap"].p_value == plain_bootstrap_p(x, draws)
        single = es.run_window_battery(car, car_var, est, df, n_boot=499, seed=13)
        for name, res in single.items():
            assert equal_results(battery[name], res), name


def test_bootstrap_p_values_are_uniform_under_the_null():
    # H0 true (symmetric CARs centred at zero): P(p <= a) is about a for the
    # bootstrap-t. 400 studies of 60 CARs, B = 199; the bounds are about 4 binomial
    # s.e. around a (s.e. 0.015 at a = 0.1, 0.011 at a = 0.05)
    rng = np.random.default_rng(30)
    cars = rng.standard_t(5, size=(400, 60)) * 0.02
    p = np.array([es.window_bootstrap(c, n_boot=199, seed=k).p_value
                  for k, c in enumerate(cars)])
    assert abs((p <= 0.10).mean() - 0.10) < 0.06
    assert abs((p <= 0.05).mean() - 0.05) < 0.045
    assert abs(p.mean() - 0.5) < 0.06


def test_inputs_are_not_modified_and_infinite_values_are_missing():
    rng = np.random.default_rng(28)
    est = awkward(rng, (30, 20))
    ar = awkward(rng, (30, 3))
    ar_var = rng.uniform(1e-4, 4e-4, size=ar.shape)
    df = np.full(30, 18.0)
    est[2, 3], ar[4, 1], ar_var[5, 2] = np.inf, -np.inf, np.inf
    car, car_var = np.nansum(ar, axis=1), ar_var.sum(axis=1)
    car[6] = np.inf
    inputs = [est, ar, ar_var, df, car, car_var]
    before = [x.copy() for x in inputs]
    daily = es.run_daily_battery(ar, ar_var, est, df)
    window = es.run_window_battery(car, car_var, est, df, n_boot=99, seed=1)
    for x, y in zip(inputs, before, strict=True):
        assert np.array_equal(x, y, equal_nan=True)  # untouched, no in-place cleaning
    cleaned = [np.where(np.isinf(x), NAN, x) for x in (est, ar, ar_var, car, car_var)]
    est_c, ar_c, ar_var_c, car_c, car_var_c = cleaned
    for name, res in es.run_daily_battery(ar_c, ar_var_c, est_c, df).items():
        assert equal_results(daily[name], res), name
    for name, res in es.run_window_battery(car_c, car_var_c, est_c, df, n_boot=99, seed=1).items():
        assert equal_results(window[name], res), name


@pytest.mark.parametrize("setup", list(BLOCK_SETUPS))
def test_rank_tests_on_complete_rows_with_ties_match_rankdata(monkeypatch, setup):
    # without NaN every row shares one table of weights and tied rows are binned
    # away to be ranked by the plain definition: compare with rankdata row by row
    use_blocks(monkeypatch, setup)
    rng = np.random.default_rng(29)
    est = awkward(rng, (60, 35), missing=0.0)
    ar = awkward(rng, (60, 4), missing=0.0)
    assert not np.isnan(est).any() and not np.isnan(ar).any()
    res = es.daily_corrado_rank(ar, est)
    assert res.statistic == approx(corrado_zivney_reference(ar, est))
    df = np.full(60, 33.0)
    car = rng.normal(0.01, 0.06, size=60)
    car[:5] = car[5]
    car_var = np.full(60, 4e-3)
    t, dof = grank_reference(car, car_var, est, df)
    res = es.window_grank(car, car_var, est, df)
    assert res.statistic == approx(t) and res.df == dof


def test_rank_sums_by_size_equal_rankdata_sums():
    # _rank_sums: (M, j) entry = sum over rows with M present values of 2 K - (M + 1)
    rng = np.random.default_rng(30)
    for missing in (0.0, 0.2):
        x = awkward(rng, (45, 9), missing=missing)
        twice, present = _ranks._rank_sums(
            blocks.row_blocks(45, 9, 40), lambda r, x=x: x[r].copy(), 9
        )
        expected = np.zeros((10, 9))
        for row in x:
            ok = ~np.isnan(row)
            expected[ok.sum(), ok] += 2 * sps.rankdata(row[ok]) - (ok.sum() + 1)
        assert np.array_equal(twice, expected)
        assert present.tolist() == (~np.isnan(x)).sum(axis=0).tolist()


def test_standardized_residuals_by_hand():
    ar = np.array([[0.02, -0.03, 0.01, 0.04, NAN, 0.0]])
    var = np.array([[4e-4, 9e-4, 0.0, -1e-4, 1e-4, NAN]])
    sar = _arrays._standardize(ar, var)
    # 0.02 / 0.02, -0.03 / 0.03; no positive variance or no AR: missing
    assert sar[0, :2].tolist() == [0.02 / 0.02, -0.03 / 0.03]
    assert np.isnan(sar[0, 2:]).all()
    assert np.array_equal(ar, [[0.02, -0.03, 0.01, 0.04, NAN, 0.0]], equal_nan=True)
