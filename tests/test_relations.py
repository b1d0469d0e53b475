"""Array-based event relations against a plain double loop over events."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy, FramePrices
from eventstudy.calendar import exchange_sessions
from eventstudy.core.design import StudyDesign
from eventstudy.core.panel import EventRelations
from eventstudy.events import Event


def _brute(ids, pos, series, design):
    first, last = design.estimation
    lo, hi = design.span
    n = len(pos)
    cover = {}
    for i in range(n):  # the union of each announcement's candidate spans
        key = (series[i], ids[i])
        a, b = cover.get(key, (10**9, -(10**9)))
        cover[key] = (min(a, pos[i] + lo), max(b, pos[i] + hi))
    excluded = np.zeros((n, last - first + 1), dtype=bool)
    by, overlaps = [], []
    for i in range(n):
        names, inside = [], []
        for j in range(n):
            if series[j] != series[i] or ids[j] == ids[i]:
                continue
            a, b = cover[(series[j], ids[j])]
            for t in range(first, last + 1):
                if a <= pos[i] + t <= b:
                    excluded[i, t - first] = True
                    names.append((a, j, ids[j]))
            if lo <= pos[j] - pos[i] <= hi:
                inside.append(j)
        # Listed in the order their spans start (chronological), as the diagnostics show.
        by.append(tuple(dict.fromkeys(f"e{k}" for _, _, k in sorted(names))))
        overlaps.append(sorted(inside))
    return excluded, by, overlaps


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("block_cells", [None, 500])  # one block; blocks of 4 rows
def test_relations_equal_the_double_loop(seed, block_cells, monkeypatch):
    if block_cells:
        monkeypatch.setattr("eventstudy.blocks.BLOCK_CELLS", block_cells)
    rng = np.random.default_rng(seed)
    n = 60
    series = rng.integers(0, 3, n)
    pos = series * 1000 + rng.integers(300, 700, n)
    ids = np.arange(n)
    ids[1::7] = ids[0::7][: len(ids[1::7])]  # some announcements with two candidate rows
    pos[1::7] = pos[0::7][: len(pos[1::7])] + 1
    series[1::7] = series[0::7][: len(series[1::7])]
    design = StudyDesign(estimation=(-120, -11), windows=[(-5, 5), (0, 1)], min_estimation=50)
    relations = EventRelations(ids, pos, series, design)
    expected, expected_by, expected_overlaps = _brute(ids, pos, series, design)
    excluded = relations.excluded()
    np.testing.assert_array_equal(excluded, expected)
    names = np.array([f"e{k}" for k in ids], dtype=object)
    assert relations.excluded_by(names, excluded) == expected_by
    flagged, owner, near = relations.sessions_in_span()
    got = {i: sorted(near[owner == i].tolist()) for i in flagged.tolist()}
    assert got == {i: o for i, o in enumerate(expected_overlaps) if o}


def _study_frame(days: pd.DatetimeIndex, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
    return pd.DataFrame({"open": close, "high": close * 1.01, "low": close * 0.99,
                         "close": close, "adj_close": close, "volume": 1e6},
                        index=pd.DatetimeIndex(days, name="date"))


def test_overlap_notes_name_each_announcement_once_in_session_order():
    days = exchange_sessions("XNYS").between(pd.Timestamp("2020-01-02"), pd.Timestamp("2020-12-31"))
    prices = FramePrices({"S": _study_frame(days, 1), "M": _study_frame(days, 2)})

    def event(name: str, day: int, timing: str = "before_open") -> Event:
        return Event("S", days[day].date(), id=name, case="t", exchange="XNYS", market="M",
                     timing=timing, timezone="America/New_York")

    # B has unknown timing: with unknown_timing="both" it has two rows (sessions 153 and 154)
    events = [event("A", 150), event("B", 153, "unknown"), event("C", 155)]
    results = EventStudy(events, prices=prices, estimation=(-120, -11), windows=[(-5, 5)],
                         unknown_timing="both", min_estimation=50).fit()
    notes = results.diagnostics
    overlap = notes[(notes.kind == "overlapping_event_windows") & (notes.event_id == "A")]
    assert overlap.detail.tolist() == [
        f"the event span [-5, 5] around {days[150].date()} contains the sessions of B, C; "
        "CARs over windows that include them mix the announcements"
    ]
    assert len(notes[notes.kind == "overlapping_event_windows"]) == 4  # A, B twice, C
    c_note = notes[(notes.kind == "overlapping_event_windows") & (notes.event_id == "C")]
    assert "contains the sessions of A, B;" in c_note.detail.iloc[0]
