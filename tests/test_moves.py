"""Close-to-close against peak moves, from the raw price files."""

from __future__ import annotations

import pandas as pd
import pytest

from eventstudy import EventStudy, bundled_events
from eventstudy.analysis.moves import MOVE_COLUMNS, session_moves
from eventstudy.errors import SpecificationError


@pytest.fixture(scope="module")
def xiaomi_moves():
    results = EventStudy(bundled_events("xiaomi")).fit()
    return results, session_moves(results).set_index("event_id")


def test_joint_filing_close_peak_and_trough(xiaomi_moves, raw_prices):
    _, moves = xiaomi_moves
    row = moves.loc["xiaomi-joint-filing"]
    # 2021-05-11 close 24.60; 2021-05-12 high 26.30, low 24.65, close 26.10.
    assert row.prev_close == 24.60 and row.high == 26.30 and row.low == 24.65
    assert row.close_to_close == pytest.approx(26.10 / 24.60 - 1, abs=1e-12)  # +6.10%
    assert row.peak_move == pytest.approx(26.30 / 24.60 - 1, abs=1e-12)  # +6.91%
    assert row.trough_move == pytest.approx(24.65 / 24.60 - 1, abs=1e-12)
    hsi = raw_prices("^HSI")["adj_close"]
    expected = hsi[pd.Timestamp("2021-05-12")] / hsi[pd.Timestamp("2021-05-11")] - 1
    assert row.market_return == pytest.approx(expected, abs=1e-12)


def test_every_session_from_the_raw_file(xiaomi_moves, raw_prices):
    results, moves = xiaomi_moves
    stock = raw_prices("1810.HK")
    assert list(session_moves(results).columns) == list(MOVE_COLUMNS)
    for event_id, row in moves.iterrows():
        day = stock.index.get_loc(pd.Timestamp(row.event_session))
        prev, now = stock.iloc[day - 1], stock.iloc[day]
        assert row.close_to_close == pytest.approx(now.adj_close / prev.adj_close - 1, abs=1e-12)
        assert row.peak_move == pytest.approx(now.high / prev.close - 1, abs=1e-12), event_id
    # The abnormal return is the study's day-0 CAR.
    table = results.windows
    day0 = table[(table.window_start == 0) & (table.window_end == 0)].set_index("event_id")
    assert (moves.abnormal_return == day0.car.loc[moves.index]).all()


def test_span_without_day_zero():
    results = EventStudy(bundled_events("xiaomi"), windows=[(1, 2)], estimation=(-250, -11)).fit()
    with pytest.raises(SpecificationError, match="does not contain the event session"):
        session_moves(results)
