"""Normal-return models against statsmodels OLS and hand formulas (tolerance 1e-10)."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from eventstudy.core.models import ArrayBlock, ConstantMean, MarketAdjusted, MarketModel, get_model
from eventstudy.errors import SpecificationError

TOL = 1e-10


def _blocks(est_r, est_m, evt_r, evt_m):
    return ArrayBlock({"ret": est_r, "mret": est_m}), ArrayBlock({"ret": evt_r, "mret": evt_m})


@pytest.fixture
def arrays():
    """Three events, 240 estimation and 11 event rows, with masked estimation rows."""
    rng = np.random.default_rng(7)
    n, l1, l2 = 3, 240, 11
    est_m = rng.normal(0.0005, 0.012, (n, l1))
    est_r = 0.0003 + np.array([[0.8], [1.2], [0.5]]) * est_m + rng.normal(0, 0.02, (n, l1))
    evt_m = rng.normal(0, 0.012, (n, l2))
    evt_r = 1.1 * evt_m + rng.normal(0, 0.02, (n, l2))
    mask = np.ones((n, l1), dtype=bool)
    mask[1, 100:133] = False  # another event's window removed
    mask[2, :40] = False
    evt_r[0, 3] = np.nan  # a missing event day
    return est_r, est_m, evt_r, evt_m, mask


def test_market_model_equals_statsmodels(arrays):
    est_r, est_m, evt_r, evt_m, mask = arrays
    fit = MarketModel().fit(*_blocks(est_r, est_m, evt_r, evt_m), mask)
    ar_var = fit.ar_variance()
    for i in range(3):
        rows = mask[i]
        ols = sm.OLS(est_r[i, rows], sm.add_constant(est_m[i, rows])).fit()
        assert fit.params[i] == pytest.approx(ols.params, abs=TOL)
        assert fit.s2[i] == pytest.approx(ols.scale, rel=TOL)
        assert fit.df[i] == ols.df_resid == rows.sum() - 2
        assert np.allclose(fit.est_resid[i, rows], ols.resid, atol=TOL, rtol=0)
        assert np.isnan(fit.est_resid[i, ~rows]).all()
        x_star = sm.add_constant(evt_m[i], has_constant="add")
        expected_ar = evt_r[i] - ols.predict(x_star)
        assert np.allclose(fit.ar[i], expected_ar, atol=TOL, rtol=0, equal_nan=True)
        # Prediction-error variance of each AR: var of the fitted mean plus s^2.
        pred = ols.get_prediction(x_star)
        expected_var = pred.var_pred_mean + ols.scale
        present = ~np.isnan(evt_r[i])
        assert np.allclose(ar_var[i, present], expected_var[present], atol=TOL, rtol=0)


def test_car_variance_is_g_v_g(arrays):
    """var(CAR) = g'(s^2 I + X* cov(b) X*')g (MacKinlay 1997 eq. 7-8), from statsmodels."""
    est_r, est_m, evt_r, evt_m, mask = arrays
    fit = MarketModel().fit(*_blocks(est_r, est_m, evt_r, evt_m), mask)
    select = np.zeros(evt_r.shape, dtype=bool)
    select[:, 2:8] = True  # a 6-day window; event 0 misses one day of it
    variance, n_days = fit.car_variance(select)
    assert n_days.tolist() == [5, 6, 6]
    for i in range(3):
        ols = sm.OLS(est_r[i, mask[i]], sm.add_constant(est_m[i, mask[i]])).fit()
        g = (select[i] & ~np.isnan(evt_r[i])).astype(float)
        x_star = sm.add_constant(evt_m[i], has_constant="add")
        v = ols.scale * np.eye(11) + x_star @ ols.cov_params() @ x_star.T
        assert variance[i] == pytest.approx(g @ v @ g, rel=TOL)


def test_car_sums_the_present_selected_ars(arrays):
    """CAR = g' AR over the selected days that have an AR, from statsmodels' predictions."""
    est_r, est_m, evt_r, evt_m, mask = arrays
    fit = MarketModel().fit(*_blocks(est_r, est_m, evt_r, evt_m), mask)
    select = np.zeros(evt_r.shape, dtype=bool)
    select[:, 2:8] = True  # event 0 misses day 3 of this window
    select[2] = False  # event 2: a one-day window
    select[2, 3] = True
    car, variance, n_days = fit.car(select)
    assert n_days.tolist() == [5, 6, 1]
    for i in range(3):
        ols = sm.OLS(est_r[i, mask[i]], sm.add_constant(est_m[i, mask[i]])).fit()
        ar = evt_r[i] - ols.predict(sm.add_constant(evt_m[i], has_constant="add"))
        days = select[i] & ~np.isnan(ar)
        assert car[i] == pytest.approx(ar[days].sum(), abs=TOL)
    np.testing.assert_array_equal((variance, n_days), fit.car_variance(select))
    nothing = np.zeros(evt_r.shape, dtype=bool)
    nothing[0, 3] = True  # only the missing day
    car, variance, n_days = fit.car(nothing)
    assert np.isnan(car).all() and np.isnan(variance).all() and n_days.tolist() == [0, 0, 0]


def test_constant_mean_by_hand(arrays):
    est_r, est_m, evt_r, evt_m, mask = arrays
    fit = ConstantMean().fit(*_blocks(est_r, est_m, evt_r, evt_m), mask)
    for i in range(3):
        sample = est_r[i, mask[i]]
        n = len(sample)
        mean = sample.sum() / n
        s2 = ((sample - mean) ** 2).sum() / (n - 1)
        assert fit.params[i, 0] == pytest.approx(mean, abs=TOL)
        assert fit.s2[i] == pytest.approx(s2, rel=TOL)
        assert fit.df[i] == n - 1
        assert np.allclose(fit.ar[i], evt_r[i] - mean, atol=TOL, equal_nan=True)
        select = np.ones((3, 11), dtype=bool)
        days = (~np.isnan(evt_r[i])).sum()
        assert fit.car_variance(select)[0][i] == pytest.approx(s2 * (days + days**2 / n), rel=TOL)


def test_market_adjusted_by_hand(arrays):
    est_r, est_m, evt_r, evt_m, mask = arrays
    fit = MarketAdjusted().fit(*_blocks(est_r, est_m, evt_r, evt_m), mask)
    for i in range(3):
        excess = est_r[i, mask[i]] - est_m[i, mask[i]]
        n = len(excess)
        s2 = ((excess - excess.mean()) ** 2).sum() / (n - 1)
        assert fit.s2[i] == pytest.approx(s2, rel=TOL) and fit.df[i] == n - 1
        assert np.allclose(fit.ar[i], evt_r[i] - evt_m[i], atol=TOL, equal_nan=True)
        assert fit.car_variance(np.ones((3, 11), dtype=bool))[0][2] == pytest.approx(
            11 * fit.s2[2], rel=TOL
        )


def test_constant_market_gives_nan_not_failure(arrays):
    est_r, est_m, evt_r, evt_m, mask = arrays
    est_m = est_m.copy()
    est_m[1] = 0.001  # no variation: beta is not identified for event 1
    fit = MarketModel().fit(*_blocks(est_r, est_m, evt_r, evt_m), mask)
    assert np.isnan(fit.params[1]).all()
    assert np.isfinite(fit.params[[0, 2]]).all()


def test_model_lookup():
    assert get_model("market").name == "market"
    with pytest.raises(SpecificationError, match="unknown model 'capm'"):
        get_model("capm")


@pytest.mark.parametrize("chunk", [4096, 3, 1])
@pytest.mark.parametrize("pattern", ["none", "first", "last", "scattered", "all_but_one"])
def test_compact_keeps_the_rows_of_subset(chunk, pattern, monkeypatch):
    monkeypatch.setattr("eventstudy.blocks.COMPACT_ROWS", chunk)
    rng = np.random.default_rng(3)
    n, l1, l2 = 20, 30, 5
    est_m = rng.normal(0, 0.01, (n, l1))
    est_r = 0.9 * est_m + rng.normal(0, 0.02, (n, l1))
    evt_m = rng.normal(0, 0.01, (n, l2))
    evt_r = evt_m + rng.normal(0, 0.02, (n, l2))
    est, evt = _blocks(est_r, est_m, evt_r, evt_m)
    fit, _ = MarketModel().fit_sample(est, evt, np.zeros((n, l1), dtype=bool))
    keep = np.ones(n, dtype=bool)
    keep[{"none": [], "first": [0], "last": [n - 1], "scattered": [1, 2, 7, 13, 19],
          "all_but_one": list(range(1, n))}[pattern]] = False
    expected = fit.subset(keep)  # copies, made before compact overwrites the rows
    got = fit.compact(keep)
    for name, value in expected.__dict__.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(getattr(got, name), value, err_msg=name)
    assert got.params.shape == (keep.sum(), 2)
    # the compacted fit views the original arrays: no new (N, L) memory
    assert np.shares_memory(got.est_resid, fit.est_resid)
