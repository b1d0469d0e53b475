"""What ``import eventstudy`` loads, and the scipy.special calls that stand in for scipy.stats.

The p-values and interval bounds are computed with the scipy.special functions that
scipy.stats' distributions evaluate, so that ``import eventstudy`` need not import
scipy.stats. They are compared here with scipy.stats itself, bit for bit
(``assert_array_equal``, NaN where NaN), on a seeded random panel and on edge values.
"""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import stats as sps

from eventstudy import stats as es
from eventstudy.stats import _pvalues as pv
from eventstudy.stats import t_interval

ROOT = Path(__file__).resolve().parent.parent
EDGES = np.array([0.0, -0.0, 1e-300, 1.0, -2.5, 8.0, 40.0, 1e300, np.inf, -np.inf, np.nan])


@pytest.fixture(scope="module")
def panel():
    """400 events x 21 days of fat-tailed ARs, some missing, one day with ties and zeros."""
    rng = np.random.default_rng(20240611)
    n, t, est_days = 400, 21, 120
    ar = rng.standard_t(4, (n, t)) * 0.02
    ar[rng.random((n, t)) < 0.05] = np.nan
    ar[:, 1] = np.round(ar[:, 1], 3)
    ar[30:, 2] = np.nan  # 30 values: the Wilcoxon test's small-sample branch
    ar_var = np.where(np.isnan(ar), np.nan, rng.uniform(1e-4, 9e-4, (n, t)))
    est = rng.normal(0, 0.02, (n, est_days))
    est[rng.random(est.shape) < 0.03] = np.nan
    df = (~np.isnan(est)).sum(axis=1) - 2.0
    return ar, ar_var, est, df


def _binomial_half_reference(w, n):
    tail = np.minimum(sps.binom.cdf(w, n, 0.5), sps.binom.sf(w - 1, n, 0.5))
    return np.where(n > 0, np.minimum(1.0, 2.0 * tail), np.nan)


def test_daily_battery_p_values_equal_scipy_stats(panel):
    ar, ar_var, est, df = panel
    battery = es.run_daily_battery(ar, ar_var, est, df)
    for name, result in battery.items():
        z = np.abs(result.statistic)
        if result.distribution == "normal":
            expected = 2.0 * sps.norm.sf(z)
        elif result.distribution == "t":
            expected = 2.0 * sps.t.sf(z, result.df)
        elif name == "sign":
            expected = _binomial_half_reference((ar > 0).sum(axis=0), result.n)
        else:  # normal approximation on most days, scipy's exact p-value on day 2
            assert name == "wilcoxon"
            days = [ar[:, j][~np.isnan(ar[:, j]) & (ar[:, j] != 0)] for j in range(ar.shape[1])]
            expected = [sps.wilcoxon(x, method="auto").pvalue for x in days]
        assert_array_equal(result.p_value, expected, err_msg=name)


def test_window_battery_p_values_equal_scipy_stats(panel):
    ar, ar_var, est, df = panel
    car, car_var = np.nansum(ar[:, 8:13], axis=1), np.nansum(ar_var[:, 8:13], axis=1)
    battery = es.run_window_battery(car, car_var, est, df, n_boot=99, seed=1)
    checked = set()
    for name, result in battery.items():
        z = abs(result.statistic)
        if result.distribution == "normal":
            assert result.p_value == 2.0 * sps.norm.sf(z), name
        elif result.distribution == "t":
            assert result.p_value == 2.0 * sps.t.sf(z, result.df), name
        elif name == "sign":
            w, n = int((car > 0).sum()), int((car != 0).sum())
            assert result.p_value == _binomial_half_reference(w, n)
        else:
            continue
        checked.add(name)
    assert {"patell", "csect_t", "grank", "sign"} <= checked


def test_normal_and_t_p_values_equal_scipy_stats_at_edges():
    z = np.concatenate([EDGES, np.random.default_rng(5).normal(0, 3, 1000)])
    assert_array_equal(pv._p_normal(z), 2.0 * sps.norm.sf(np.abs(z)))
    assert pv._p_normal(np.float64(1.5)) == 2.0 * sps.norm.sf(1.5)
    df = np.array([-1.0, 0.0, 0.5, 1.0, 3.0, 250.0, 1e300, np.inf, np.nan])[:, None]
    assert_array_equal(pv._p_t(z[None, :], df), 2.0 * sps.t.sf(np.abs(z)[None, :], df))


@pytest.mark.parametrize("level", [1e-20, 0.5, 0.9, 0.95, 0.99, np.nextafter(1.0, 0.0)])
def test_t_interval_equals_scipy_stats_quantile(panel, level):
    _, ar_var, _, df = panel
    rng = np.random.default_rng(6)
    estimate, se = rng.normal(0, 0.05, df.size), np.sqrt(ar_var[:, 0])
    dfs = np.concatenate([df, [-1.0, 0.0, 1e-300, 0.5, 1.0, 1e300, np.inf, np.nan]])
    estimate, se = np.resize(estimate, dfs.size), np.resize(se, dfs.size)
    lower, upper = t_interval(estimate, se, dfs, level)
    half = sps.t.ppf(0.5 + level / 2.0, dfs) * se
    assert_array_equal(lower, estimate - half)
    assert_array_equal(upper, estimate + half)


@pytest.mark.parametrize("private_ufuncs", [True, False])
def test_sign_test_p_values_equal_scipy_stats_for_every_count_up_to_600_and_beyond(
    monkeypatch, private_ufuncs
):
    if not private_ufuncs:  # as if scipy had dropped them (for eventstudy): scipy.stats is used
        real_import = builtins.__import__

        def refuse(name, globals=None, *args, **kwargs):
            if name == "scipy.special._ufuncs" and (globals or {}).get("__name__") == pv.__name__:
                raise ImportError(name)
            return real_import(name, globals, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", refuse)
    n = np.repeat(np.arange(601), np.arange(601) + 1)
    w = np.concatenate([np.arange(k + 1) for k in range(601)])
    assert_array_equal(pv._binomial_half_p(w, n), _binomial_half_reference(w, n))
    rng = np.random.default_rng(7)
    n = rng.integers(601, 200_000, 20_000)
    w = np.round(rng.normal(n / 2, np.sqrt(n))).clip(0, n).astype(np.int64)
    w[:4], n[:4] = [0, 601, 0, 200_000], [601, 601, 200_000, 200_000]
    assert_array_equal(pv._binomial_half_p(w, n), _binomial_half_reference(w, n))
    assert pv._binomial_half_p(3, 10) == _binomial_half_reference(3, 10)


def _fresh_process(code: str) -> list[str]:
    """What a new interpreter, with this checkout first on its path, prints running ``code``."""
    return subprocess.run([sys.executable, "-c", "import sys\n" + code], cwd=ROOT,
                          capture_output=True, text=True, check=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT))).stdout.split()


def test_import_loads_neither_scipy_nor_statsmodels_nor_matplotlib():
    loaded = set(_fresh_process("import eventstudy\nprint(*sys.modules)"))
    assert "eventstudy.stats" in loaded and "eventstudy.core.results" in loaded
    assert not {"scipy", "statsmodels", "matplotlib"} & loaded


def test_the_batteries_need_scipy_stats_only_for_small_wilcoxon_samples():
    code = """
import numpy as np
from eventstudy import stats
rng = np.random.default_rng(1)
ar, est = rng.normal(0, 0.02, (60, 5)), rng.normal(0, 0.02, (60, 40))
stats.run_daily_battery(ar, np.full(ar.shape, 4e-4), est, np.full(60, 38.0))
stats.run_window_battery(ar.sum(axis=1), np.full(60, 2e-3), est, np.full(60, 38.0))
stats.car_t_test(ar[:, 0], np.full(60, 4e-4), 38.0)
from eventstudy.stats import t_interval
t_interval(ar[:, 0], np.full(60, 0.02), 38.0)
print("scipy.stats" in sys.modules)
stats.daily_wilcoxon(ar[:50])
print("scipy.stats" in sys.modules)
"""
    assert _fresh_process(code) == ["False", "True"]
