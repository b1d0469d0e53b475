"""The layout of eventstudy.stats: its public names and what its modules may import.

The names are those the single modules ``eventstudy/stats.py``, ``pooled.py`` and
``intervals.py`` had at commit 7ada3b7, written out here; the package's docstring
states the import rule that ``test_modules_import_only_numpy_scipy_and_lower_layers``
checks on the source of every module (function-level imports included).
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

from eventstudy import stats

PACKAGE = Path(stats.__file__).resolve().parent

# every public name of the original eventstudy/stats.py
ORIGINAL_STATS_NAMES = (
    "DailyDescriptives", "DailyTestResult", "ResidualSummary", "TestResult",
    "average_residual_correlation", "bhar", "car_t_test", "daily_bmp",
    "daily_bw_portfolio_t", "daily_corrado_rank", "daily_csect_t", "daily_descriptives",
    "daily_gen_sign", "daily_kp_bmp", "daily_kp_patell", "daily_patell", "daily_sign",
    "daily_wilcoxon", "mean_bhar", "run_daily_battery", "run_window_batteries",
    "run_window_battery", "summarize_residuals", "window_bmp", "window_bootstrap",
    "window_csect_t", "window_gen_sign", "window_grank", "window_kp_bmp",
    "window_kp_patell", "window_patell", "window_sign", "window_wilcoxon",
)
# the public names of the original pooled.py, now in eventstudy.stats.battery
ORIGINAL_POOLED_NAMES = ("DAILY_TESTS", "WINDOW_TESTS", "WINDOW_FIGURES", "groups",
                         "daily_table", "window_row", "window_rows")
# what a module of the package may import besides the standard library
ALLOWED = {"numpy", "scipy", "eventstudy.blocks", "eventstudy.errors"}
# the battery's, the groups' and the cross-section's tables; statsmodels fits the last
ALLOWED_IN = {"battery.py": {"pandas"}, "groups.py": {"pandas"},
              "crosssection.py": {"pandas", "statsmodels"}}
# the second stage's public names, added with the groups and crosssection modules
SECOND_STAGE_NAMES = ("compare_groups", "fit_cross_section", "formula_variables",
                      "kruskal_wallis_test", "mann_whitney_test", "standardized_car",
                      "welch_t_test")


@pytest.mark.parametrize("name", ORIGINAL_STATS_NAMES)
def test_every_public_name_of_the_original_module_is_reexported(name):
    assert name in stats.__all__
    assert getattr(stats, name).__module__.startswith("eventstudy.stats.")


def test_names_import_from_the_package_and_from_their_modules():
    from eventstudy.stats import DAILY_TESTS, car_t_test, t_interval, window_grank
    from eventstudy.stats.battery import daily_table
    from eventstudy.stats.intervals import t_interval as interval_in_module
    from eventstudy.stats.rank import window_grank as grank_in_module

    assert t_interval is interval_in_module and window_grank is grank_in_module
    assert car_t_test.__module__ == "eventstudy.stats.parametric"
    assert daily_table.__module__ == "eventstudy.stats.battery" and "patell" in DAILY_TESTS
    battery = importlib.import_module("eventstudy.stats.battery")
    assert all(hasattr(battery, name) for name in ORIGINAL_POOLED_NAMES)
    assert set(stats.__all__) == {*ORIGINAL_STATS_NAMES, "t_interval", "DAILY_TESTS",
                                  "WINDOW_TESTS", "DEFAULT_LEVEL", "check_level",
                                  "mean_interval", *SECOND_STAGE_NAMES}


def test_the_single_modules_are_gone():
    # files, not import specs: an editable install of another checkout can still
    # resolve the old names through its own finder
    for name in ("stats.py", "pooled.py", "intervals.py"):
        assert not (PACKAGE.parent / name).exists()


def _imports(path: Path) -> set[str]:
    """Absolute module names ``path`` imports, at any level (relative ones resolved)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 1:
                found.add(f"eventstudy.stats.{node.module}" if node.module else "eventstudy.stats")
            elif node.level > 1:  # outside the package: never allowed
                found |= {f"{'.' * node.level}{node.module or ''} import {alias.name}"
                          for alias in node.names}
            elif node.module == "eventstudy":  # from eventstudy import blocks
                found |= {f"eventstudy.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_modules_import_only_numpy_scipy_and_lower_layers(path):
    allowed = ALLOWED | ALLOWED_IN.get(path.name, set())
    for name in _imports(path):
        top = name.split(".")[0]
        if name.startswith("eventstudy.stats") or top in sys.stdlib_module_names:
            continue
        assert name in allowed or top in allowed, f"{path.name} imports {name}"
