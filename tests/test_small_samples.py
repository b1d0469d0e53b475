"""Pooled tables flag small samples: below 10 events (15 for grank) a note says which
tests have little power or an unreliable size, in the tables, their CSVs and the summary."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eventstudy import EventStudy, bundled_events
from eventstudy.cli import main
from eventstudy.stats import DAILY_TESTS, WINDOW_TESTS, window_sign, window_wilcoxon
from eventstudy.stats.smallsample import (
    GRANK_SMALL_SAMPLE,
    SMALL_SAMPLE,
    small_sample_note,
    small_sample_notes,
)


@pytest.fixture(scope="module")
def telecoms():
    return EventStudy(bundled_events("telecoms")).fit()


def test_thresholds():
    assert (SMALL_SAMPLE, GRANK_SMALL_SAMPLE) == (10, 15)
    for n in range(1, SMALL_SAMPLE):
        events = "1 event" if n == 1 else f"{n} events"
        assert small_sample_note(n, WINDOW_TESTS).startswith(f"{events}, fewer than 10:")
        assert small_sample_note(n, DAILY_TESTS).startswith(f"{events}, fewer than 10:")
    for n in range(SMALL_SAMPLE, GRANK_SMALL_SAMPLE):
        assert small_sample_note(n, DAILY_TESTS) == ""  # no grank among the daily tests
        assert small_sample_note(n, WINDOW_TESTS) == (
            f"{n} events: grank over-rejects below 15 events (8% at 10)")
    for n in (0, 15, 50, 10_000):
        assert small_sample_note(n, WINDOW_TESTS) == ""


def test_notes_name_the_tests_and_what_goes_wrong():
    five = small_sample_note(5, WINDOW_TESTS)
    assert "sign and wilcoxon cannot reject at 5% (smallest p 0.0625)" in five
    assert "grank over-rejects" in five and "gen_sign's size is unreliable" in five
    assert "the bootstrap is conservative" in five
    assert "csect_t, bmp, kp_bmp and the interval have 4 df" in five
    six = small_sample_note(6, DAILY_TESTS)
    assert "sign and wilcoxon have few attainable p-values (smallest 0.031)" in six
    assert "grank" not in six and "bootstrap" not in six
    only = small_sample_note(3, ["patell"])
    assert only == "3 events, fewer than 10: every test has little power"
    notes = small_sample_notes([3, 12, 3, 40], WINDOW_TESTS)
    assert notes.tolist() == [small_sample_note(3, WINDOW_TESTS),
                              small_sample_note(12, WINDOW_TESTS), notes[0], ""]


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 9])
def test_the_smallest_exact_p_value_is_two_to_the_one_minus_n(n):
    """All CARs of one sign give the exact tests' smallest two-sided p-value, 2^(1 - n):
    above 0.05 up to n = 5, so that the tests cannot reject at 5% (scipy agrees)."""
    cars = np.linspace(0.01, 0.05, n)
    smallest = 2.0 ** (1 - n)
    assert window_sign(cars).p_value == pytest.approx(smallest, rel=1e-12)
    assert window_wilcoxon(cars).p_value == pytest.approx(smallest, rel=1e-12)
    assert stats.binomtest(n, n, 0.5).pvalue == pytest.approx(smallest, rel=1e-12)
    assert (smallest > 0.05) == (n <= 5)
    assert ("cannot reject at 5%" in small_sample_note(n, WINDOW_TESTS)) == (n <= 5)


def test_pooled_tables_carry_the_note(telecoms):
    by_event = telecoms.caar(group_by="event_id")
    assert (by_event.n == 3).all()
    assert (by_event.small_sample == small_sample_note(3, WINDOW_TESTS)).all()
    assert (by_event.sign_p >= 0.25).all()  # as the note says: no rejection possible
    pooled = telecoms.caar()
    assert (pooled.n == 12).all()
    assert (pooled.small_sample == small_sample_note(12, WINDOW_TESTS)).all()
    daily = telecoms.aar(group_by="event_id")
    assert (daily.small_sample == small_sample_note(3, DAILY_TESTS)).all()
    assert (telecoms.aar().small_sample == "").all()  # 12 events, no grank per day
    assert "small_sample" not in telecoms.caar(tests=False)


def test_pooled_summary_flags_small_groups(telecoms):
    text = str(telecoms.pooled_summary(group_by="event_id"))
    rows = [line for line in text.splitlines() if line.startswith("telecoms-eo13959 ")]
    assert rows and all(" 3* " in line for line in rows[:4])
    assert "* 3 events, fewer than 10: every test has little power" in text
    overall = str(telecoms.pooled_summary())
    assert " 12* " in overall and "* 12 events: grank over-rejects below 15 events" in overall
    big = EventStudy(bundled_events("telecoms") + bundled_events("xiaomi")
                     + bundled_events("smic")).fit()
    assert big.caar().n.min() >= GRANK_SMALL_SAMPLE
    text = str(big.pooled_summary())
    rows = [line for line in text.splitlines() if line.startswith("(") and "%" in line]
    assert len(rows) == 8 and not any("*" in line for line in rows)  # CARs, distribution
    assert "fewer than" not in text and "over-rejects" not in text


def test_csv_column_on_the_command_line(capsys):
    assert main(["run", "telecoms", "--tests", "all", "--group-by", "event_id",
                 "--format", "csv"]) == 0
    table = pd.read_csv(StringIO(capsys.readouterr().out), keep_default_na=False)
    assert table.columns[-1] == "small_sample"
    assert (table.small_sample == small_sample_note(3, WINDOW_TESTS)).all()
    assert main(["run", "telecoms", "--by-day", "--format", "csv"]) == 0
    daily = pd.read_csv(StringIO(capsys.readouterr().out), keep_default_na=False)
    assert "small_sample" in daily and (daily.small_sample == "").all()
