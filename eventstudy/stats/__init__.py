"""Tests of abnormal returns: one module per family of tests, the batteries, the intervals;
and the second stage: comparisons of groups of events (``groups``) and cross-sectional
regressions of CARs (``crosssection``).

Each test is a pure function of arrays that cites its paper. Imports numpy, scipy
(inside functions), pandas (the battery's, the groups' and the cross-section's
tables), statsmodels (inside the cross-section's fit) and, from eventstudy, only
``eventstudy.blocks`` and ``eventstudy.errors``: never results, study or another
higher layer. Speed machinery lives in the private ``_ranks``, ``_resample``,
``_pvalues`` and ``_arrays``, called by the definitions.

Array conventions
-----------------
``ar``
    (N events, T event-window days) abnormal returns; NaN marks a missing day.
``ar_var``
    (N, T) prediction-error-corrected variance of each AR, ``s_i**2 * C_it``
    (Patell 1976; MacKinlay 1997, variance of the abnormal returns); NaN where missing.
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
is NaN, never an exception or a zero. P-values are two-sided throughout.
"""

from __future__ import annotations

from .battery import (
    DAILY_TESTS,
    WINDOW_TESTS,
    run_daily_battery,
    run_window_batteries,
    run_window_battery,
)
from .bootstrap import window_bootstrap
from .buyhold import bhar, mean_bhar
from .crosssection import fit_cross_section, formula_variables, standardized_car
from .descriptives import DailyDescriptives, daily_descriptives
from .groups import compare_groups, kruskal_wallis_test, mann_whitney_test, welch_t_test
from .intervals import DEFAULT_LEVEL, check_level, mean_interval, t_interval
from .outcome import DailyTestResult, TestResult
from .parametric import (
    car_t_test,
    daily_bmp,
    daily_bw_portfolio_t,
    daily_csect_t,
    daily_kp_bmp,
    daily_kp_patell,
    daily_patell,
    window_bmp,
    window_csect_t,
    window_kp_bmp,
    window_kp_patell,
    window_patell,
)
from .rank import daily_corrado_rank, window_grank
from .residuals import ResidualSummary, average_residual_correlation, summarize_residuals
from .sign import (
    daily_gen_sign,
    daily_sign,
    daily_wilcoxon,
    window_gen_sign,
    window_sign,
    window_wilcoxon,
)

__all__ = [
    "DAILY_TESTS",
    "DEFAULT_LEVEL",
    "WINDOW_TESTS",
    "DailyDescriptives",
    "DailyTestResult",
    "ResidualSummary",
    "TestResult",
    "average_residual_correlation",
    "bhar",
    "car_t_test",
    "check_level",
    "compare_groups",
    "daily_bmp",
    "daily_bw_portfolio_t",
    "daily_corrado_rank",
    "daily_csect_t",
    "daily_descriptives",
    "daily_gen_sign",
    "daily_kp_bmp",
    "daily_kp_patell",
    "daily_patell",
    "daily_sign",
    "daily_wilcoxon",
    "fit_cross_section",
    "formula_variables",
    "kruskal_wallis_test",
    "mann_whitney_test",
    "mean_bhar",
    "mean_interval",
    "run_daily_battery",
    "run_window_batteries",
    "run_window_battery",
    "standardized_car",
    "summarize_residuals",
    "t_interval",
    "welch_t_test",
    "window_bmp",
    "window_bootstrap",
    "window_csect_t",
    "window_gen_sign",
    "window_grank",
    "window_kp_bmp",
    "window_kp_patell",
    "window_patell",
    "window_sign",
    "window_wilcoxon",
]
