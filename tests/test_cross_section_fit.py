"""The cross-sectional regression of eventstudy.stats.crosssection, rebuilt by hand.

On a seeded synthetic table of 40 events: OLS beta = (X'X)^-1 X'y; the classical
covariance s^2 (X'X)^-1; HC1, the White sandwich times n / (n - k); HC3, each squared
residual over (1 - h_ii)^2; the cluster-robust sandwich summed over clusters, with
statsmodels' small-sample factor G / (G - 1) * (n - 1) / (n - k) and t with G - 1 df;
WLS by hand and against statsmodels' own WLS on the same arrays.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from eventstudy.errors import SpecificationError
from eventstudy.stats import fit_cross_section, formula_variables, standardized_car


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(20210114)
    n = 40
    share = rng.uniform(0, 0.4, n)
    state = (rng.random(n) < 0.5).astype(float)
    session = np.repeat(np.arange(8), 5)  # 8 dates, 5 events each
    se = rng.uniform(0.01, 0.05, n)
    car = 0.01 - 0.2 * share + 0.03 * state + rng.normal(0, 1, n) * se + 0.01 * (session % 3)
    return pd.DataFrame({"car": car, "se": se, "share": share, "state": state,
                         "session": session})


def _design(frame):
    return np.column_stack([np.ones(len(frame)), frame["share"], frame["state"]])


def _ols(x, y):
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    return beta, y - x @ beta, xtx_inv


def test_ols_and_hc1_by_hand(frame):
    x, y = _design(frame), frame["car"].to_numpy()
    beta, e, bread = _ols(x, y)
    n, k = x.shape
    hc1 = bread @ (x.T * e**2) @ x @ bread * n / (n - k)
    result = fit_cross_section("car ~ share + state", frame)
    assert result.params.to_numpy() == pytest.approx(beta, rel=1e-10)
    assert result.bse.to_numpy() == pytest.approx(np.sqrt(np.diag(hc1)), rel=1e-10)
    t = beta / np.sqrt(np.diag(hc1))
    assert result.pvalues.to_numpy() == pytest.approx(2 * sps.t.sf(np.abs(t), n - k), rel=1e-9)
    assert result.cov_type == "HC1" and result.small_sample == ""


def test_nonrobust_and_hc3_by_hand(frame):
    x, y = _design(frame), frame["car"].to_numpy()
    beta, e, bread = _ols(x, y)
    n, k = x.shape
    classical = e @ e / (n - k) * bread
    result = fit_cross_section("car ~ share + state", frame, cov_type="nonrobust")
    assert result.bse.to_numpy() == pytest.approx(np.sqrt(np.diag(classical)), rel=1e-10)
    h = np.einsum("ij,jk,ik->i", x, bread, x)
    hc3 = bread @ (x.T * (e / (1 - h)) ** 2) @ x @ bread
    result = fit_cross_section("car ~ share + state", frame, cov_type="HC3")
    assert result.bse.to_numpy() == pytest.approx(np.sqrt(np.diag(hc3)), rel=1e-10)


def test_cluster_robust_by_hand_with_statsmodels_small_sample_factor(frame):
    x, y = _design(frame), frame["car"].to_numpy()
    beta, e, bread = _ols(x, y)
    n, k = x.shape
    groups = frame["session"].to_numpy()
    meat = sum(np.outer(x[groups == g].T @ e[groups == g], x[groups == g].T @ e[groups == g])
               for g in np.unique(groups))
    g_count = len(np.unique(groups))
    factor = g_count / (g_count - 1) * (n - 1) / (n - k)
    cluster = factor * bread @ meat @ bread
    result = fit_cross_section("car ~ share + state", frame, cov_type="cluster",
                               groups=frame["session"])
    se = np.sqrt(np.diag(cluster))
    assert result.bse.to_numpy() == pytest.approx(se, rel=1e-10)
    # t with G - 1 = 7 degrees of freedom, not n - k
    assert result.pvalues.to_numpy() == pytest.approx(
        2 * sps.t.sf(np.abs(beta / se), g_count - 1), rel=1e-9)
    assert result.small_sample == ("8 clusters, fewer than 20: cluster-robust standard errors "
                                   "are unreliable (t with 7 df)")


def test_inverse_variance_wls_by_hand_and_as_statsmodels_wls(frame):
    x, y = _design(frame), frame["car"].to_numpy()
    w = frame["se"].to_numpy() ** -2.0
    beta = np.linalg.solve(x.T @ (w[:, None] * x), x.T @ (w * y))
    result = fit_cross_section("car ~ share + state", frame, cov_type="nonrobust", weights=w)
    assert result.params.to_numpy() == pytest.approx(beta, rel=1e-10)
    direct = sm.WLS(y, x, weights=w).fit(cov_type="HC1")
    robust = fit_cross_section("car ~ share + state", frame, weights=w)
    assert robust.bse.to_numpy() == pytest.approx(direct.bse, rel=1e-10)
    # HC1 of the weighted fit: the sandwich of the whitened design and residuals
    xs, es = x * np.sqrt(w)[:, None], (y - x @ beta) * np.sqrt(w)
    bread = np.linalg.inv(xs.T @ xs)
    hc1 = bread @ (xs.T * es**2) @ xs @ bread * 40 / 37
    assert robust.bse.to_numpy() == pytest.approx(np.sqrt(np.diag(hc1)), rel=1e-10)


def test_standardized_car_is_car_over_se():
    scar = standardized_car([0.02, -0.03, 0.01, 0.05], [0.01, 0.015, 0.0, np.nan])
    assert scar[:2].tolist() == pytest.approx([2.0, -2.0])
    assert np.isnan(scar[2:]).all()


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("car ~ share", ("car", ["share"], set())),
        ("scar ~ np.log(size) + I(share ** 2) - 1", ("scar", ["size", "share"], set())),
        ("bhar ~ C(sector, Sum) + C(event_type, Treatment('designation'))",
         ("bhar", ["sector", "event_type"], {"sector", "event_type"})),
        ('car ~ Q("us share") + C(state) + state:share',
         ("car", ["us share", "state", "share"], set())),
        ("car ~ center(share, ddof=1)", ("car", ["share"], set())),
    ],
)
def test_formula_variables(formula, expected):
    assert formula_variables(formula) == expected


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("car share", "one text 'car ~ x + y' (one '~')"),
        (3, "one text 'car ~ x + y'"),
        ("car ~ x ~ y", "(one '~')"),
        ("ret ~ share", "left side must name the dependent variable, one of car, bhar, scar"),
        ("np.log(car) ~ share", "not 'np.log(car)'"),
        ("car ~ ", "has nothing right of '~'"),
        ("car ~ (share", "is not readable"),
        ("car ~ sharee", "names 'sharee', not a column of the events' table (its columns: car,"),
    ],
)
def test_formula_errors(formula, message, frame):
    with pytest.raises(SpecificationError, match=re.escape(message)):
        formula_variables(formula, frame.columns)


def test_fit_refuses_what_it_cannot_fit(frame):
    small = pd.concat([frame[frame["state"] == 1].head(2), frame[frame["state"] == 0].head(1)])
    with pytest.raises(SpecificationError, match=r"3 events for 3 parameters \(Intercept, "
                                                 r"share, state\)"):
        fit_cross_section("car ~ share + state", small)
    with pytest.raises(SpecificationError, match=r"'state' takes one value \(1.0\) over the "
                                                 "40 events used: a constant regressor"):
        fit_cross_section("car ~ share + state", frame.assign(state=1.0))
    with pytest.raises(SpecificationError, match="collinear"):
        fit_cross_section("car ~ share + double", frame.assign(double=2 * frame["share"]))
    with pytest.raises(SpecificationError, match="cannot be evaluated"):
        fit_cross_section("car ~ nosuch(share)", frame)
    with pytest.raises(SpecificationError, match="cov_type must be one of"):
        fit_cross_section("car ~ share", frame, cov_type="HC0")
    with pytest.raises(SpecificationError, match="needs the clusters"):
        fit_cross_section("car ~ share", frame, cov_type="cluster")
    with pytest.raises(SpecificationError, match="clusters are used with cov_type='cluster'"):
        fit_cross_section("car ~ share", frame, groups=frame["session"])
    with pytest.raises(SpecificationError, match="two clusters or more, not 1"):
        fit_cross_section("car ~ share", frame, cov_type="cluster", groups=np.zeros(40))


def test_a_cluster_singled_out_leaves_no_variance_and_is_refused(frame):
    # a dummy of every session but the first, clustered by session: the intercept is the
    # first session's mean, whose residuals sum to zero: no cluster-robust variance left
    rest = frame.assign(rest=(frame["session"] > 0).astype(float))
    with pytest.raises(SpecificationError, match=r"the cluster-robust variance of Intercept "
                                                 r"is zero with these 8 clusters"):
        fit_cross_section("car ~ rest", rest, cov_type="cluster", groups=rest["session"])
    assert fit_cross_section("car ~ rest", rest).bse.min() > 1e-4


def test_hc3_refuses_an_event_of_leverage_one(frame):
    alone = frame.assign(one=np.r_[1.0, np.zeros(39)]).set_axis(
        [f"event {i}" for i in range(40)])
    with pytest.raises(SpecificationError, match="event 0 has leverage one .* use "
                                                 "cov_type='HC1'"):
        fit_cross_section("car ~ share + one", alone, cov_type="HC3")
    assert np.isfinite(fit_cross_section("car ~ share + one", alone).bse).all()
