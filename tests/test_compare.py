"""results.compare: the CARs pulled from results.to_frame(), grouped by hand and tested with
scipy called directly."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from eventstudy import EventStudy, bundled_events
from eventstudy.errors import DataIntegrityError, ExcludedEventsWarning, SpecificationError
from eventstudy.stats.groups import GROUP_COLUMNS

EVENTS = ["telecoms-eo13959", "telecoms-nyse-delisting", "telecoms-nyse-reversal",
          "telecoms-nyse-re-reversal"]
ADVERSE = pd.DataFrame({"event_id": EVENTS, "adverse": ["yes", "yes", "no", "yes"]})


@pytest.fixture(scope="module")
def telecoms():
    return EventStudy(bundled_events("telecoms")).fit()


def _cars(results, window, column="car"):
    w = results.to_frame()
    return w[(w["window_start"] == window[0]) & (w["window_end"] == window[1])].reset_index(
        drop=True)


def test_two_event_types_against_scipy(telecoms):
    table = telecoms.compare("event_type", window=(0, 1))
    rows = _cars(telecoms, (0, 1))
    first = rows.loc[rows["event_type"] == "executive_order", "car"].to_numpy()
    second = rows.loc[rows["event_type"] == "exchange_action", "car"].to_numpy()
    assert list(table.columns) == ["window_start", "window_end", "measure", "event_type",
                                   *GROUP_COLUMNS[1:]]
    assert table["event_type"].tolist() == ["executive_order", "exchange_action"]
    assert table["n"].tolist() == [3, 9]
    assert table["mean"].tolist() == pytest.approx([first.mean(), second.mean()])
    assert table["median"].tolist() == pytest.approx([np.median(first), np.median(second)])
    welch = sps.ttest_ind(first, second, equal_var=False)
    row = table.iloc[0]
    assert row["difference"] == pytest.approx(first.mean() - second.mean())
    assert (row["welch_stat"], row["welch_df"], row["welch_p"]) == pytest.approx(
        (welch.statistic, welch.df, welch.pvalue))
    ci = welch.confidence_interval(0.95)
    assert (row["difference_ci_low"], row["difference_ci_high"]) == pytest.approx(
        (ci.low, ci.high))
    u = sps.mannwhitneyu(first, second, alternative="two-sided", method="exact")
    assert (row["mann_whitney_stat"], row["mann_whitney_p"]) == (u.statistic, u.pvalue)
    assert row["mann_whitney_method"] == "exact" and row["test"] == "welch, mann_whitney"
    assert table.attrs["excluded"] == []


def test_every_window_by_default_and_kruskal_over_four_announcements(telecoms):
    table = telecoms.compare("event_id")
    assert len(table) == 4 * 4  # four windows, four announcements
    for (start, end), rows in table.groupby(["window_start", "window_end"], sort=False):
        cars = _cars(telecoms, (start, end))
        samples = [cars.loc[cars["event_id"] == e, "car"].to_numpy() for e in EVENTS]
        assert rows["event_id"].tolist() == EVENTS
        assert set(rows["test"]) == {"kruskal"}
        expected = sps.kruskal(*samples)
        assert rows["kruskal_stat"].iloc[0] == pytest.approx(expected.statistic)
        assert rows["kruskal_p"].iloc[0] == pytest.approx(expected.pvalue)
        assert rows["kruskal_df"].iloc[0] == 3


def test_bhar_and_scar_measures(telecoms):
    rows = _cars(telecoms, (-1, 1))
    bhar = telecoms.compare("ticker", window=(-1, 1), measure="bhar")
    assert bhar["mean"].tolist() == pytest.approx(
        [rows.loc[rows["ticker"] == t, "bhar"].mean() for t in ("0941.HK", "0728.HK", "0762.HK")])
    scar = telecoms.compare("ticker", window=(-1, 1), measure="scar")
    expected = rows.assign(scar=rows["car"] / rows["se"])
    assert scar["median"].tolist() == pytest.approx(
        [expected.loc[expected["ticker"] == t, "scar"].median()
         for t in ("0941.HK", "0728.HK", "0762.HK")])
    assert set(scar["measure"]) == {"scar"}


def test_a_characteristic_from_data(telecoms):
    table = telecoms.compare("adverse", window=(0, 0), data=ADVERSE)
    rows = _cars(telecoms, (0, 0)).merge(ADVERSE, on="event_id")
    assert table["adverse"].tolist() == ["yes", "no"] and table["n"].tolist() == [9, 3]
    welch = sps.ttest_ind(rows.loc[rows["adverse"] == "yes", "car"],
                          rows.loc[rows["adverse"] == "no", "car"], equal_var=False)
    assert table["welch_p"].iloc[0] == pytest.approx(welch.pvalue)


def test_rows_left_out_are_warned_and_listed(telecoms):
    partial = ADVERSE.assign(adverse=["yes", "yes", None, "yes"]).drop(index=3)
    with pytest.warns(ExcludedEventsWarning, match=r"6 of 12 event rows left out of the "
                      r"comparison by adverse: telecoms-nyse-reversal 0941.HK \(0,0\): missing "
                      r"adverse"):
        table = telecoms.compare("adverse", window=(0, 0), data=partial)
    excluded = pd.DataFrame(table.attrs["excluded"])
    assert excluded["reason"].value_counts().to_dict() == {
        "missing adverse": 3, "no row of the characteristics for its event_id": 3}
    assert table["adverse"].tolist() == ["yes"] and table["n"].tolist() == [6]
    assert table["note"].iloc[0] == ("no test: fewer than two groups of 2 or more events")
    pd.concat([table, table])  # attrs hold records: tables still concatenate


def test_groups_of_one_event_are_shown_not_tested():
    xiaomi = EventStudy(bundled_events("xiaomi")).fit()
    table = xiaomi.compare("event_type", window=(0, 0))
    assert table["n"].tolist() == [1] * 5 and (table["test"] == "").all()
    assert table["welch_p"].isna().all() and table["kruskal_p"].isna().all()
    assert table["note"].iloc[0].startswith("left out of the tests (fewer than 2 events): "
                                            "designation (1 event), lawsuit (1 event)")


def test_candidates_of_unknown_timing():
    luokung = EventStudy(bundled_events("luokung"), unknown_timing="both").fit()
    rows = _cars(luokung, (0, 0))
    for candidate in ("earliest", "latest"):
        table = luokung.compare("event_type", window=(0, 0), candidate=candidate)
        used = rows[rows["candidate"].isin(["", candidate])]
        assert table["n"].sum() == 3
        assert table["mean"].tolist() == pytest.approx(used["car"].tolist())
    by_candidate = luokung.compare("candidate", window=(0, 0))
    assert by_candidate["candidate"].tolist() == ["", "earliest"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"group_by": "sector"}, SpecificationError, "group_by must be a column of the windows"),
        ({"group_by": "car"}, SpecificationError, "group_by must be a column"),
        ({"group_by": "event_type", "measure": "ar"}, SpecificationError,
         "measure must be one of"),
        ({"group_by": "event_type", "window": (0, 3)}, SpecificationError,
         "window must be one of the design's windows"),
        ({"group_by": "event_type", "candidate": "both"}, SpecificationError,
         "candidate must be one of"),
        ({"group_by": "adverse", "data": pd.concat([ADVERSE, ADVERSE])}, DataIntegrityError,
         "the characteristics have 2 rows for event_id telecoms-eo13959"),
        ({"group_by": "adverse", "data": ADVERSE, "on": "ticker"}, SpecificationError,
         "the characteristics have no ticker column"),
        ({"group_by": "event_type", "level": 1.5}, SpecificationError,
         "level must lie strictly between 0 and 1"),
    ],
)
def test_bad_comparisons(telecoms, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        telecoms.compare(**kwargs)


def test_compare_summary_reads_the_table(telecoms):
    summary = telecoms.compare_summary("event_type", window=(-1, 1), level=0.9)
    text = str(summary)
    table = telecoms.compare("event_type", window=(-1, 1), level=0.9)
    assert summary.tables[0].data["mean"].tolist() == table["mean"].tolist()
    assert "CAR by event_type" in text and "Confidence level:         90%" in text
    assert f"{100 * table['difference'].iloc[0]:+.2f}%" in text
    assert "exact" in text and "Kruskal" in text  # (the note names every test)

