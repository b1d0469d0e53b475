"""Pooled AAR/CAAR tables on the bundled cases, checked against scipy and hand sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eventstudy import EventStudy, bundled_events
from eventstudy.cli import main
from eventstudy.stats.battery import DAILY_TESTS, WINDOW_TESTS


@pytest.fixture(scope="module")
def telecoms():
    return EventStudy(bundled_events("telecoms")).fit()


def test_caar_matches_scipy_on_per_event_cars(telecoms):
    table = telecoms.caar(group_by="event_id")
    assert len(table) == 4 * 4  # four announcements x four windows
    windows = telecoms.windows
    for (event_id, start, end), row in table.set_index(
        ["event_id", "window_start", "window_end"]
    ).iterrows():
        cars = windows[(windows.event_id == event_id) & (windows.window_start == start)
                       & (windows.window_end == end)]
        assert row.n == 3
        assert row.caar == pytest.approx(cars.car.mean(), abs=1e-15)
        assert row.sd == pytest.approx(cars.car.std(ddof=1), abs=1e-15)
        expected = stats.ttest_1samp(cars.car, 0.0)
        assert row.csect_t_stat == pytest.approx(expected.statistic, rel=1e-12)
        assert row.csect_t_p == pytest.approx(expected.pvalue, rel=1e-10)
        # BMP: the cross-sectional t of standardized CARs (Boehmer et al. 1991).
        bmp = stats.ttest_1samp(cars.car / cars.se, 0.0)
        assert row.bmp_stat == pytest.approx(bmp.statistic, rel=1e-12)
        assert row.mean_bhar == pytest.approx(cars.bhar.mean(), abs=1e-15)


def test_aar_by_day_matches_daily_ars(telecoms):
    table = telecoms.aar()
    daily = telecoms.daily
    assert list(table.tau) == list(range(-5, 6))
    for _, row in table.iterrows():
        ars = daily[daily.tau == row.tau].ar
        assert row.n == 12
        assert row.aar == pytest.approx(ars.mean(), abs=1e-15)
        assert row.csect_t_p == pytest.approx(stats.ttest_1samp(ars, 0.0).pvalue, rel=1e-10)
    assert table.caar.iloc[-1] == pytest.approx(table.aar.sum(), abs=1e-15)
    for name in DAILY_TESTS:
        assert f"{name}_stat" in table and f"{name}_p" in table


def test_bhar_by_hand(telecoms):
    daily = telecoms.daily
    one = daily[(daily.event_id == "telecoms-eo13959") & (daily.ticker == "0941.HK")]
    window = one[(one.tau >= 0) & (one.tau <= 1)]
    expected = np.prod(1 + window.ret) - np.prod(1 + window.ret - window.ar)
    row = telecoms.windows.query(
        "event_id == 'telecoms-eo13959' and ticker == '0941.HK' and window_start == 0 "
        "and window_end == 1"
    ).iloc[0]
    assert row.bhar == pytest.approx(expected, abs=1e-15)


def test_bootstrap_is_reproducible(telecoms):
    a = telecoms.caar(seed=5)["bootstrap_p"]
    b = telecoms.caar(seed=5)["bootstrap_p"]
    pd.testing.assert_series_equal(a, b)


def test_overlapping_windows_are_reported(telecoms):
    notes = telecoms.diagnostics
    overlaps = notes[notes.kind == "overlapping_event_windows"]
    assert set(overlaps.event_id) == {
        "telecoms-nyse-delisting", "telecoms-nyse-reversal", "telecoms-nyse-re-reversal"
    }


def test_group_by_is_validated(telecoms):
    with pytest.raises(ValueError, match="group_by"):
        telecoms.caar(group_by="sector")


@pytest.mark.parametrize("case", ["telecoms", "smic", "luokung", "xiaomi"])
def test_cli_tests_all_windows_csv(case, capsys):
    from io import StringIO

    assert main(["run", case, "--tests", "all", "--format", "csv"]) == 0
    table = pd.read_csv(StringIO(capsys.readouterr().out))
    assert len(table) == 4
    for name in ("csect_t", "patell", "bmp", "kp_bmp", "grank", "gen_sign", "bootstrap"):
        assert f"{name}_stat" in table and f"{name}_p" in table
    assert set(WINDOW_TESTS) >= {"grank", "bootstrap"}


def test_cli_by_day_csv(capsys):
    from io import StringIO

    assert main(["run", "telecoms", "--tests", "all", "--by-day", "--format", "csv"]) == 0
    table = pd.read_csv(StringIO(capsys.readouterr().out))
    assert list(table.columns[:4]) == ["tau", "n", "aar", "caar"]
    for name in ("csect_t", "bw_portfolio_t", "patell", "bmp", "kp_bmp", "corrado_rank",
                 "gen_sign", "sign", "wilcoxon"):
        assert f"{name}_stat" in table and f"{name}_p" in table
    assert len(table) == 11


def test_cli_table_shows_pooled_summary(capsys):
    assert main(["run", "telecoms", "--tests", "all", "--group-by", "event_id"]) == 0
    out = capsys.readouterr().out
    assert "Pooled CARs by event_id" in out and "telecoms-nyse-reversal" in out


def test_single_group_indexes_all_events_without_copying():
    from eventstudy.stats.battery import groups

    ((label, rows),) = groups(None, 5)
    x = np.arange(10.0).reshape(5, 2)
    assert label == "all"
    assert np.shares_memory(x[rows], x) and x[rows].tolist() == x.tolist()
    labelled = groups(pd.Series(["a", "b", "a"]), 3)
    assert [(k, r.tolist()) for k, r in labelled] == [("a", [0, 2]), ("b", [1])]
