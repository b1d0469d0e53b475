"""The events table against the sessions listed in the case facts (shared/cases.md)."""

from __future__ import annotations

from case_facts import CASES_MD

from eventstudy import bundled_events
from eventstudy.analysis.event_table import TABLE_COLUMNS, event_table

EXPECTED = CASES_MD  # first sessions from the case facts


def test_sessions_match_the_case_facts():
    table = event_table(bundled_events())
    assert list(table.columns) == list(TABLE_COLUMNS)
    for event_id, sessions in EXPECTED.items():
        rows = table[table.event_id == event_id]
        for ticker, group in rows.groupby("ticker"):
            assert group.event_session.tolist() == sessions, (event_id, ticker)
    assert len(table) == 5 + 5 + 12 + 3  # Luokung's two unknown-timing events have two rows


def test_timing_and_moments_by_hand():
    table = event_table(bundled_events("xiaomi")).set_index("event_id")
    # 16:00 EST on Thursday 14 January = 21:00 UTC = 05:00 HKT on Friday 15 January.
    designation = table.loc["xiaomi-designation"]
    assert designation.placed_at == "2021-01-15 05:00 HKT"
    assert (designation.weekday, designation.session_weekday) == ("Thu", "Fri")
    assert designation.time == "after_close"
    # The final order's clock time: 16:00 EDT = 20:00 UTC = 04:00 HKT next day.
    final = table.loc["xiaomi-final-order"]
    assert final.time == "16:00" and final.placed_at == "2021-05-26 04:00 HKT"
    # "during" the US day = 09:30 EST on Friday 29 January = 22:30 HKT; next HK session Monday.
    lawsuit = table.loc["xiaomi-lawsuit"]
    assert lawsuit.placed_at == "2021-01-29 22:30 HKT" and lawsuit.session_weekday == "Mon"


def test_unknown_timing_rows():
    table = event_table(bundled_events("luokung"))
    injunction = table[table.event_id == "luokung-injunction"]
    assert injunction.candidate.tolist() == ["earliest", "latest"]
    # Midnight at the start and at the end of Wednesday 5 May in New York (EDT).
    assert injunction.placed_at.tolist() == ["2021-05-05 00:00 EDT", "2021-05-06 00:00 EDT"]
    designation = table[table.event_id == "luokung-designation"]
    assert designation.candidate.tolist() == [""]
