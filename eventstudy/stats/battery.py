"""The batteries: every pooled test of a study's events, per day and per window.

:func:`run_daily_battery` runs the per-day tests, :func:`run_window_batteries` the
window (CAR) tests of several windows of the same events. Each result equals that
of the single-test function; what several tests share is done once (validation,
the residual summary, the SARs, GRANK's ranking of the estimation SARs, the
bootstrap resamples of windows with the same number of CARs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from eventstudy import blocks as _blocks

from ._arrays import _ar_pair, _column_stats, _matrix, _residual_matrix, _standardize, _vector
from .bootstrap import _bootstrap_tests, _check_n_boot
from .outcome import DailyTestResult, TestResult
from .parametric import _bmp, _bw_portfolio_t, _csect_t, _kp_bmp, _kp_patell, _patell
from .rank import _corrado_rank, _grank_tests
from .residuals import ResidualSummary, _residuals_for
from .sign import _gen_sign, _sign, _wilcoxon


def run_daily_battery(
    ar: np.ndarray,
    ar_var: np.ndarray,
    est_resid: np.ndarray,
    df: np.ndarray,
    *,
    residuals: ResidualSummary | None = None,
) -> dict[str, DailyTestResult]:
    """Run every per-day test; returns ``{name: DailyTestResult}`` in a fixed order.

    Names: csect_t, bw_portfolio_t, patell, kp_patell, bmp, kp_bmp, corrado_rank,
    gen_sign, sign, wilcoxon. Descriptives are separate (:func:`daily_descriptives`).
    Each result equals that of the single-test function; the inputs are validated,
    the residuals summarised (``r-bar`` included) and the SARs formed once.
    ``residuals`` is :func:`summarize_residuals` of ``est_resid`` if already
    computed (e.g. for the window battery of the same study).
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    est = _residual_matrix(est_resid, ar.shape[0], residuals)
    dof = _vector("df", df, ar.shape[0])
    residuals = _residuals_for(est, residuals, sum_squares=False)
    corrado_rank = _corrado_rank(ar, est)

    def parametric() -> dict[str, DailyTestResult]:
        sar = _standardize(ar, ar_var)
        patell, bmp = _patell(sar, dof), _bmp(sar)
        ar_stats = _column_stats(ar)
        return {
            "csect_t": _csect_t(ar, ar_stats),
            "bw_portfolio_t": _bw_portfolio_t(ar, residuals.column_mean, ar_stats),
            "patell": patell,
            "kp_patell": _kp_patell(patell, residuals.rbar),
            "bmp": bmp,
            "kp_bmp": _kp_bmp(bmp, residuals.rbar),
        }

    # the Wilcoxon test and the moment-based tests run side by side (on large panels)
    first, wilcoxon = _concurrently(
        parametric, lambda: _wilcoxon(ar), threads=ar.size > _blocks.BLOCK_CELLS
    )
    return {
        **first,
        "corrado_rank": corrado_rank,
        "gen_sign": _gen_sign(ar, residuals.positive_share),
        "sign": _sign(ar),
        "wilcoxon": wilcoxon,
    }


def run_window_battery(
    car: np.ndarray,
    car_var: np.ndarray,
    est_resid: np.ndarray,
    df: np.ndarray,
    *,
    n_boot: int = 999,
    seed: int | np.random.Generator | None = None,
    residuals: ResidualSummary | None = None,
) -> dict[str, TestResult]:
    """Run every window (CAR) test; returns ``{name: TestResult}`` in a fixed order.

    Names: csect_t, patell, kp_patell, bmp, kp_bmp, grank, gen_sign, sign,
    wilcoxon, bootstrap (``n_boot`` and ``seed`` go to :func:`window_bootstrap`).
    Each result equals that of the single-test function (the bootstrap's for the
    same seed); inputs are validated and the residuals summarised once (or
    taken from ``residuals``, see :func:`run_daily_battery`).
    """
    _check_n_boot(n_boot)
    car = _vector("car", car)
    car_var = _vector("car_var", car_var, car.shape[0])
    est = _matrix("est_resid", est_resid, car.shape[0])
    return run_window_batteries(
        [(car, car_var)], est, df, n_boot=n_boot, seed=seed, residuals=residuals
    )[0]


def run_window_batteries(
    windows: Sequence[tuple[np.ndarray, np.ndarray]],
    est_resid: np.ndarray,
    df: np.ndarray,
    *,
    n_boot: int = 999,
    seed: int | np.random.Generator | None = None,
    residuals: ResidualSummary | None = None,
) -> list[dict[str, TestResult]]:
    """Run the window battery on several windows of the same events.

    ``windows`` holds one ``(car, car_var)`` pair of (N,) arrays per window. The
    result, one ``{name: TestResult}`` per window in order, equals
    :func:`run_window_battery` on each window with the same ``n_boot`` and
    ``seed``, while what depends only on the estimation residuals is done once:
    the residual summary (``r-bar``, shares of positive residuals, residual
    variances) and GRANK's ranking of the estimation SARs, one pass for all
    windows. Windows with the same number of CARs also share the bootstrap
    resamples (the same seed draws the same ones, see :func:`window_bootstrap`).
    ``residuals`` is :func:`summarize_residuals` of ``est_resid`` if already
    computed (e.g. for the daily battery of the same study).
    """
    _check_n_boot(n_boot)
    est = _residual_matrix(est_resid, None, residuals)
    n_events = est.shape[0]
    dof = _vector("df", df, n_events)
    pairs = [
        (_vector("car", car, n_events), _vector("car_var", car_var, n_events))
        for car, car_var in windows
    ]
    residuals = _residuals_for(est, residuals, column_mean=False)
    granks = _grank_tests(pairs, est, residuals.sum_squares, dof)
    bootstraps = _bootstrap_tests([car for car, _ in pairs], int(n_boot), seed)
    batteries = []
    for (car, car_var), grank, bootstrap in zip(pairs, granks, bootstraps, strict=True):
        column, sar = car[:, None], _standardize(car[:, None], car_var[:, None])
        patell, bmp = _patell(sar, dof), _bmp(sar)
        batteries.append({
            "csect_t": _csect_t(column).day(0),
            "patell": patell.day(0),
            "kp_patell": _kp_patell(patell, residuals.rbar).day(0),
            "bmp": bmp.day(0),
            "kp_bmp": _kp_bmp(bmp, residuals.rbar).day(0),
            "grank": grank,
            "gen_sign": _gen_sign(column, residuals.positive_share).day(0),
            "sign": _sign(column).day(0),
            "wilcoxon": _wilcoxon(column).day(0),
            "bootstrap": bootstrap,
        })
    return batteries


def _concurrently(*funcs: Callable[[], object], threads: bool = True) -> list[object]:
    """Call each function, on separate threads if ``threads`` and several CPUs are usable.

    For single-threaded steps that can run side by side; results in argument order.
    """
    if not threads or _blocks.worker_count() == 1:
        return [func() for func in funcs]
    with ThreadPoolExecutor(max_workers=len(funcs) - 1) as pool:
        futures = [pool.submit(func) for func in funcs[1:]]
        first = funcs[0]()
        return [first, *(future.result() for future in futures)]
