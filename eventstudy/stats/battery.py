"""The batteries: every pooled test of a study's events, per day and per window.

:func:`run_daily_battery` runs the per-day tests (:data:`DAILY_TESTS`),
:func:`run_window_batteries` the window (CAR) tests (:data:`WINDOW_TESTS`) of several
windows of the same events. Each result equals that of the single-test function;
what several tests share is done once (validation, the residual summary, the SARs,
GRANK's ranking of the estimation SARs, the bootstrap resamples of windows with the
same number of CARs). :func:`daily_table` and :func:`window_rows` lay the outputs
out as tidy DataFrames, optionally per group of events (e.g. one group per
announcement when several securities share it); they are the only users of pandas
in the package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, fields

import numpy as np
import pandas as pd

from eventstudy import blocks as _blocks

from ._arrays import _ar_pair, _column_stats, _matrix, _residual_matrix, _standardize, _vector
from .bootstrap import _bootstrap_tests, _check_n_boot
from .buyhold import mean_bhar
from .descriptives import CarDistribution, car_distribution, daily_descriptives
from .outcome import DailyTestResult, TestResult
from .parametric import _bmp, _bw_portfolio_t, _csect_t, _kp_bmp, _kp_patell, _patell
from .rank import _corrado_rank, _grank_tests
from .residuals import ResidualSummary, _residuals_for
from .sign import _gen_sign, _sign, _wilcoxon

# the tests of each battery, in the order of their results and table columns
DAILY_TESTS = ("csect_t", "bw_portfolio_t", "patell", "kp_patell", "bmp", "kp_bmp",
               "corrado_rank", "gen_sign", "sign", "wilcoxon")
WINDOW_TESTS = ("csect_t", "patell", "kp_patell", "bmp", "kp_bmp", "grank", "gen_sign",
                "sign", "wilcoxon", "bootstrap")
# the CARs' distribution beside their mean: min, q1, median, q3, max, skewness, kurtosis
DISTRIBUTION_FIGURES = tuple(field.name for field in fields(CarDistribution))
WINDOW_FIGURES = ("n", "caar", "sd", *DISTRIBUTION_FIGURES, "share_positive", "mean_bhar",
                  "n_bhar")


# ---------------------------------------------------------------------------
# Batteries: every test of the same events at once
# ---------------------------------------------------------------------------


def run_daily_battery(
    ar: np.ndarray,
    ar_var: np.ndarray,
    est_resid: np.ndarray,
    df: np.ndarray,
    *,
    residuals: ResidualSummary | None = None,
) -> dict[str, DailyTestResult]:
    """Run every per-day test; returns ``{name: DailyTestResult}`` in a fixed order.

    Names: :data:`DAILY_TESTS` (csect_t, bw_portfolio_t, patell, kp_patell, bmp,
    kp_bmp, corrado_rank, gen_sign, sign, wilcoxon). Descriptives are separate
    (:func:`~eventstudy.stats.daily_descriptives`). Each result equals that of the
    single-test function; the inputs are validated, the residuals summarised
    (``r-bar`` included) and the SARs formed once. ``residuals`` is
    :func:`~eventstudy.stats.summarize_residuals` of ``est_resid`` if already
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

    Names: :data:`WINDOW_TESTS` (csect_t, patell, kp_patell, bmp, kp_bmp, grank,
    gen_sign, sign, wilcoxon, bootstrap; ``n_boot`` and ``seed`` go to
    :func:`~eventstudy.stats.window_bootstrap`). Each result equals that of the
    single-test function (the bootstrap's for the same seed); inputs are validated
    and the residuals summarised once (or taken from ``residuals``, see
    :func:`run_daily_battery`).
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
    resamples (the same seed draws the same ones, see :func:`~eventstudy.stats.window_bootstrap`).
    ``residuals`` is :func:`~eventstudy.stats.summarize_residuals` of ``est_resid`` if already
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


# ---------------------------------------------------------------------------
# Tables of a study: the batteries' outputs as tidy DataFrames
# ---------------------------------------------------------------------------


def groups(labels: pd.Series | None, n: int) -> list[tuple[object, np.ndarray | slice]]:
    """(label, rows) per group in order of first appearance; one group if None.

    ``rows`` indexes the event arrays: row indices, or ``slice(0, n)`` for the
    single group of all events, so that its arrays are views, not copies (the
    estimation residuals of 100,000 events take 200 MB).
    """
    if labels is None:
        return [("all", slice(0, n))]
    codes, uniques = pd.factorize(labels, sort=False)
    return [(label, np.flatnonzero(codes == k)) for k, label in enumerate(uniques)]


def daily_table(
    tau: np.ndarray,
    ar: np.ndarray,
    ar_var: np.ndarray,
    est_resid: np.ndarray,
    df: np.ndarray,
    tests: bool = True,
    residuals: ResidualSummary | None = None,
) -> pd.DataFrame:
    """One row per relative day: n, aar, caar, sd, share_positive, and each daily test.

    Test columns are ``<name>_stat`` and ``<name>_p`` for the names in
    :data:`DAILY_TESTS`. ``residuals`` is
    :func:`~eventstudy.stats.summarize_residuals` of ``est_resid`` if already
    computed (it is shared with :func:`window_rows` of the same events).
    """
    d = daily_descriptives(ar)
    table = pd.DataFrame({"tau": tau, "n": d.n, "aar": d.aar, "caar": d.caar, "sd": d.sd,
                          "share_positive": d.share_positive})
    if tests:
        battery = run_daily_battery(ar, ar_var, est_resid, df, residuals=residuals)
        for name, result in battery.items():
            table[f"{name}_stat"] = result.statistic
            table[f"{name}_p"] = result.p_value
    return table


def window_row(
    car: np.ndarray,
    car_var: np.ndarray,
    bhar: np.ndarray,
    est_resid: np.ndarray,
    df: np.ndarray,
    tests: bool = True,
    n_boot: int = 999,
    seed: int | None = 0,
) -> dict[str, float]:
    """Pooled figures of one window: n, caar, sd, the CARs' distribution, BHAR mean, tests.

    ``caar`` is the mean of the per-event CARs (events with a CAR); ``sd`` their
    cross-sectional standard deviation (n - 1 df); ``min``, ``q1``, ``median``,
    ``q3``, ``max``, ``skewness`` and ``kurtosis`` (excess) their distribution, as
    :func:`~eventstudy.stats.descriptives.car_distribution` computes it (quartiles
    of Hyndman & Fan 1996 type 7; G1 and G2 of Joanes & Gill 1998); ``share_positive``
    the share of CARs above zero.
    """
    row = _window_figures(car, bhar)
    if tests:
        battery = run_window_battery(car, car_var, est_resid, df, n_boot=n_boot, seed=seed)
        row.update(_test_columns(battery))
    return row


def window_rows(
    windows: Mapping[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]],
    est_resid: np.ndarray,
    df: np.ndarray,
    tests: bool = True,
    n_boot: int = 999,
    seed: int | None = 0,
    residuals: ResidualSummary | None = None,
) -> pd.DataFrame:
    """One row per window: ``window_start``, ``window_end`` and the figures of :func:`window_row`.

    ``windows`` maps ``(start, end)`` to the window's ``(car, car_var, bhar)``
    (N,) arrays, all for the same N events as ``est_resid`` and ``df``. The values
    equal :func:`window_row` per window; the test batteries of all windows run
    together (:func:`run_window_batteries`), which summarises
    the estimation residuals and ranks them for GRANK once and shares the
    bootstrap resamples between windows with the same number of CARs.
    ``residuals`` is :func:`~eventstudy.stats.summarize_residuals` of
    ``est_resid`` if already computed (see :func:`daily_table`).
    """
    rows = [
        {"window_start": start, "window_end": end, **_window_figures(car, bhar)}
        for (start, end), (car, _, bhar) in windows.items()
    ]
    if tests:
        pairs = [(car, car_var) for car, car_var, _ in windows.values()]
        batteries = run_window_batteries(
            pairs, est_resid, df, n_boot=n_boot, seed=seed, residuals=residuals
        )
        for row, battery in zip(rows, batteries, strict=True):
            row.update(_test_columns(battery))
    columns = ["window_start", "window_end", *WINDOW_FIGURES]
    if tests:
        columns += [f"{name}_{part}" for name in WINDOW_TESTS for part in ("stat", "p")]
    return pd.DataFrame(rows, columns=columns)


def _window_figures(car: np.ndarray, bhar: np.ndarray) -> dict[str, float]:
    """The descriptive columns of a window row (see :func:`window_row`)."""
    present = np.isfinite(car)
    values = car[present]
    bhar_mean, n_bhar = mean_bhar(bhar)
    return {
        "n": int(present.sum()),
        "caar": float(values.mean()) if values.size else np.nan,
        "sd": float(values.std(ddof=1)) if values.size > 1 else np.nan,
        **asdict(car_distribution(values)),
        "share_positive": float((values > 0).mean()) if values.size else np.nan,
        "mean_bhar": bhar_mean,
        "n_bhar": n_bhar,
    }


def _test_columns(battery: Mapping[str, TestResult]) -> dict[str, float]:
    """``<name>_stat`` and ``<name>_p`` of each test of a window battery."""
    columns: dict[str, float] = {}
    for name, result in battery.items():
        columns[f"{name}_stat"] = result.statistic
        columns[f"{name}_p"] = result.p_value
    return columns
