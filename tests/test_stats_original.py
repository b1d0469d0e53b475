"""The statistics reproduce those of the original single-module code, bit for bit.

``tests/reference/original_battery`` holds outputs of the code at commit 7ada3b7,
when ``eventstudy/stats.py``, ``pooled.py`` and ``intervals.py`` were single modules;
``make.py`` there says how they were made (that code run on its own checkout, never
the code under test). Compared with ``numpy.testing.assert_array_equal``: every
number equal, NaN where NaN. The bundled telecoms case is small (a few events per
announcement); the seeded synthetic panel (``cases.py``, 700 events) is split into
several blocks of rows on threads and has ties, near ties and missing values.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from eventstudy import EventStudy, bundled_events
from eventstudy import stats as es

REFERENCE = Path(__file__).resolve().parent / "reference" / "original_battery"


def _load_cases():
    """``cases.py`` of the reference: the panel and the table layout make.py used."""
    spec = importlib.util.spec_from_file_location("original_battery_cases", REFERENCE / "cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = _load_cases()


def _assert_frame_equal(table: pd.DataFrame, name: str) -> None:
    """Every column of the reference equal; the pooled tables have gained columns since
    (the interval, the small-sample note), after the original ones' order."""
    expected = pd.read_csv(REFERENCE / f"{name}.csv")
    assert [c for c in table.columns if c in expected.columns] == list(expected.columns)
    assert len(table) == len(expected)
    for column in expected.columns:
        assert_array_equal(table[column].to_numpy(), expected[column].to_numpy(),
                           err_msg=f"{name}: {column}")


@pytest.fixture(scope="module")
def telecoms():
    return EventStudy(bundled_events("telecoms")).fit()


def test_daily_battery_of_telecoms_equals_the_original(telecoms):
    _assert_frame_equal(telecoms.aar(group_by="event_id"), "telecoms_aar")


def test_window_battery_of_telecoms_equals_the_original(telecoms):
    _assert_frame_equal(telecoms.caar(group_by="event_id"), "telecoms_caar")


def test_single_event_t_tests_of_telecoms_equal_the_original(telecoms):
    _assert_frame_equal(telecoms.windows[CASES.WINDOW_COLUMNS], "telecoms_windows")


def test_batteries_of_a_large_awkward_panel_equal_the_original():
    panel = CASES.synthetic_panel()
    daily = es.run_daily_battery(panel["ar"], panel["ar_var"], panel["est_resid"], panel["df"])
    _assert_frame_equal(pd.DataFrame(CASES.battery_columns(daily)), "synthetic_daily")
    windows = es.run_window_batteries(panel["windows"], panel["est_resid"], panel["df"],
                                      n_boot=199, seed=3)
    table = pd.concat([pd.DataFrame(CASES.battery_columns(b)) for b in windows], ignore_index=True)
    _assert_frame_equal(table, "synthetic_window")
