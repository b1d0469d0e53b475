"""Several windows at once: GRANK's shared ranking, a shared residual summary, window_rows.

References are independent of the code under test: GRANK is checked against the
one-event-at-a-time rankdata loop of ``grank_reference`` (test_stats_battery), and
every batched result against the single-window functions. Tolerance: rel 1e-12
for GRANK against the loop (floating-point round-off only); bit-for-bit equality
where the batched and single paths must agree exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_stats_battery import (
    BLOCK_SETUPS,
    approx,
    awkward,
    equal_results,
    grank_reference,
    use_blocks,
)

from eventstudy import stats as es
from eventstudy.errors import SpecificationError
from eventstudy.stats import _arrays
from eventstudy.stats import battery as pooled

NAN = float("nan")


def grank_windows_case(rng: np.random.Generator, n: int = 60, length: int = 40):
    """Residuals with ties and missing days, and four windows that keep different events.

    No values a few ulps apart here (unlike ``awkward``): whether such residuals
    tie after division by ``s_i`` depends on the last bit of ``s_i``, which the
    loop reference forms in another order.
    """
    est = rng.normal(0.0, 0.02, size=(n, length))
    tied_rows = rng.random(n) < 0.4
    est[tied_rows] = np.round(est[tied_rows], 3)  # exact ties stay ties after scaling
    est[rng.random(est.shape) < 0.08] = NAN
    est[3, 5:] = NAN  # one event with few residuals (a different row size)
    est[:4, 0] = 0.0  # a zero residual, so a zero SCAR* ties with an estimation SAR
    df = (~np.isnan(est)).sum(axis=1) - 2.0
    base = rng.normal(0.01, 0.05, size=n)
    var = rng.uniform(2e-3, 6e-3, size=n)
    wide, narrow, sparse = base.copy(), base * 0.4, base.copy()
    wide[:4] = 0.0  # SCAR* = 0 exactly: ties with the zero residuals above
    narrow[10:20] = NAN  # events present in the other windows only
    sparse_var = var.copy()
    sparse_var[30:] = 0.0  # no positive variance: left out of GRANK
    empty = np.full(n, NAN)
    windows = [(wide, var), (narrow, var), (sparse, sparse_var), (empty, var)]
    return est, df, windows


@pytest.mark.parametrize("setup", list(BLOCK_SETUPS))
def test_grank_of_several_windows_matches_the_loop_reference(monkeypatch, setup):
    use_blocks(monkeypatch, setup)
    est, df, windows = grank_windows_case(np.random.default_rng(41))
    batteries = es.run_window_batteries(windows, est, df, n_boot=99, seed=1)
    for (car, car_var), battery in zip(windows[:3], batteries[:3], strict=True):
        keep = np.isfinite(car) & (car_var > 0)
        t, dof = grank_reference(car[keep], car_var[keep], est[keep], df[keep])
        res = battery["grank"]
        assert res.statistic == approx(t)
        assert (res.df, res.n) == (dof, keep.sum())
        assert equal_results(res, es.window_grank(car, car_var, est, df))
    empty = batteries[3]["grank"]
    assert np.isnan(empty.statistic) and np.isnan(empty.p_value) and empty.n == 0


def test_windows_are_independent_of_each_other():
    # a window's results do not depend on which other windows run with it
    est, df, windows = grank_windows_case(np.random.default_rng(42))
    together = es.run_window_batteries(windows, est, df, n_boot=199, seed=8)
    for k, window in enumerate(windows):
        alone = es.run_window_batteries([window], est, df, n_boot=199, seed=8)[0]
        for name, res in alone.items():
            assert equal_results(together[k][name], res), (k, name)


def test_shared_residual_summary_gives_the_same_batteries():
    rng = np.random.default_rng(43)
    est, df, windows = grank_windows_case(rng)
    ar = awkward(rng, (est.shape[0], 5), missing=0.1)
    ar_var = rng.uniform(1e-4, 4e-4, size=ar.shape)
    summary = es.summarize_residuals(est)
    daily = es.run_daily_battery(ar, ar_var, est, df)
    shared = es.run_daily_battery(ar, ar_var, est, df, residuals=summary)
    for name, res in daily.items():
        assert equal_results(shared[name], res), name
    own = es.run_window_batteries(windows, est, df, n_boot=99, seed=2)
    given = es.run_window_batteries(windows, est, df, n_boot=99, seed=2, residuals=summary)
    for a, b in zip(own, given, strict=True):
        for name in a:
            assert equal_results(a[name], b[name]), name
    with pytest.raises(SpecificationError, match="summarize_residuals"):
        es.run_daily_battery(ar, ar_var, est, df, residuals=es.summarize_residuals(est[:10]))
    with pytest.raises(SpecificationError, match="days"):
        es.run_window_batteries(windows, est, df, residuals=es.summarize_residuals(est[:, :5]))


def test_window_rows_equal_window_row_per_window():
    rng = np.random.default_rng(44)
    est, df, windows = grank_windows_case(rng)
    bhars = [rng.normal(0.0, 0.05, size=est.shape[0]) for _ in windows]
    spans = [(-10, 10), (0, 0), (-1, 1), (2, 5)]
    arrays = {
        span: (car, car_var, bhar)
        for span, (car, car_var), bhar in zip(spans, windows, bhars, strict=True)
    }
    summary = es.summarize_residuals(est)
    table = pooled.window_rows(arrays, est, df, n_boot=99, seed=4, residuals=summary)
    expected = pd.DataFrame([
        {"window_start": start, "window_end": end,
         **pooled.window_row(car, car_var, bhar, est, df, True, 99, 4)}
        for (start, end), (car, car_var, bhar) in arrays.items()
    ])
    pd.testing.assert_frame_equal(table, expected, check_exact=True)
    plain = pooled.window_rows(arrays, est, df, tests=False)
    assert list(plain.columns) == ["window_start", "window_end", *pooled.WINDOW_FIGURES]
    pd.testing.assert_frame_equal(plain, expected[list(plain.columns)], check_exact=True)


def test_residual_summary_records_whether_residuals_are_finite(monkeypatch):
    rng = np.random.default_rng(31)
    est, df, windows = grank_windows_case(rng)
    ar = awkward(rng, (est.shape[0], 4))
    ar_var = rng.uniform(1e-4, 4e-4, size=ar.shape)
    summary = es.summarize_residuals(est)
    assert summary.no_infinite
    # a battery given that summary takes est_resid without a second search for inf
    scans = []
    plain = _arrays._float_array

    def recording(name, x, ndim, n_events, scan=True):
        scans.append((name, scan))
        return plain(name, x, ndim, n_events, scan)

    monkeypatch.setattr(_arrays, "_float_array", recording)
    es.run_daily_battery(ar, ar_var, est, df, residuals=summary)
    es.run_window_batteries(windows, est, df, n_boot=9, residuals=summary)
    assert [scan for name, scan in scans if name == "est_resid"] == [False, False]
    monkeypatch.setattr(_arrays, "_float_array", plain)
    # residuals with an infinite value: the summary says so and the batteries still
    # treat it as missing, like the cleaned residuals
    est_inf = est.copy()
    est_inf[3, 4] = np.inf
    cleaned = np.where(np.isinf(est_inf), NAN, est_inf)
    summary = es.summarize_residuals(est_inf)
    assert not summary.no_infinite
    daily = es.run_daily_battery(ar, ar_var, est_inf, df, residuals=summary)
    for name, res in es.run_daily_battery(ar, ar_var, cleaned, df).items():
        assert equal_results(daily[name], res), name
    window = es.run_window_batteries(windows, est_inf, df, n_boot=49, seed=3, residuals=summary)
    for a, b in zip(window, es.run_window_batteries(windows, cleaned, df, n_boot=49, seed=3),
                    strict=True):
        for name in a:
            assert equal_results(a[name], b[name]), name

