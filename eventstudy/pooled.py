"""Pooled (multi-event) tables: AAR/CAAR by relative day and by window, with tests.

The statistics themselves are in :mod:`eventstudy.stats`; this module lays their
outputs out as tidy DataFrames, optionally per group of events (e.g. one group per
announcement when several securities share it).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import stats

DAILY_TESTS = ("csect_t", "bw_portfolio_t", "patell", "kp_patell", "bmp", "kp_bmp",
               "corrado_rank", "gen_sign", "sign", "wilcoxon")
WINDOW_TESTS = ("csect_t", "patell", "kp_patell", "bmp", "kp_bmp", "grank", "gen_sign",
                "sign", "wilcoxon", "bootstrap")
WINDOW_FIGURES = ("n", "caar", "sd", "share_positive", "mean_bhar", "n_bhar")


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
    residuals: stats.ResidualSummary | None = None,
) -> pd.DataFrame:
    """One row per relative day: n, aar, caar, sd, share_positive, and each daily test.

    Test columns are ``<name>_stat`` and ``<name>_p`` for the names in
    :data:`DAILY_TESTS`. ``residuals`` is
    :func:`eventstudy.stats.summarize_residuals` of ``est_resid`` if already
    computed (it is shared with :func:`window_rows` of the same events).
    """
    d = stats.daily_descriptives(ar)
    table = pd.DataFrame({"tau": tau, "n": d.n, "aar": d.aar, "caar": d.caar, "sd": d.sd,
                          "share_positive": d.share_positive})
    if tests:
        battery = stats.run_daily_battery(ar, ar_var, est_resid, df, residuals=residuals)
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
    """Pooled figures of one window: n, caar, sd, share_positive, BHAR mean, tests.

    ``caar`` is the mean of the per-event CARs (events with a CAR); ``sd`` their
    cross-sectional standard deviation (n - 1 df).
    """
    row = _window_figures(car, bhar)
    if tests:
        battery = stats.run_window_battery(car, car_var, est_resid, df, n_boot=n_boot, seed=seed)
        row.update(_test_columns(battery))
    return row


def window_rows(
    windows: Mapping[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]],
    est_resid: np.ndarray,
    df: np.ndarray,
    tests: bool = True,
    n_boot: int = 999,
    seed: int | None = 0,
    residuals: stats.ResidualSummary | None = None,
) -> pd.DataFrame:
    """One row per window: ``window_start``, ``window_end`` and the figures of :func:`window_row`.

    ``windows`` maps ``(start, end)`` to the window's ``(car, car_var, bhar)``
    (N,) arrays, all for the same N events as ``est_resid`` and ``df``. The values
    equal :func:`window_row` per window; the test batteries of all windows run
    together (:func:`eventstudy.stats.run_window_batteries`), which summarises
    the estimation residuals and ranks them for GRANK once and shares the
    bootstrap resamples between windows with the same number of CARs.
    ``residuals`` is :func:`eventstudy.stats.summarize_residuals` of
    ``est_resid`` if already computed (see :func:`daily_table`).
    """
    rows = [
        {"window_start": start, "window_end": end, **_window_figures(car, bhar)}
        for (start, end), (car, _, bhar) in windows.items()
    ]
    if tests:
        pairs = [(car, car_var) for car, car_var, _ in windows.values()]
        batteries = stats.run_window_batteries(
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
    mean_bhar, n_bhar = stats.mean_bhar(bhar)
    return {
        "n": int(present.sum()),
        "caar": float(values.mean()) if values.size else np.nan,
        "sd": float(values.std(ddof=1)) if values.size > 1 else np.nan,
        "share_positive": float((values > 0).mean()) if values.size else np.nan,
        "mean_bhar": mean_bhar,
        "n_bhar": n_bhar,
    }


def _test_columns(battery: Mapping[str, stats.TestResult]) -> dict[str, float]:
    """``<name>_stat`` and ``<name>_p`` of each test of a window battery."""
    columns: dict[str, float] = {}
    for name, result in battery.items():
        columns[f"{name}_stat"] = result.statistic
        columns[f"{name}_p"] = result.p_value
    return columns
