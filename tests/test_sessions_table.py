"""The event sessions' table: peak and trough as properties of the session, not repeated
on every window; in to_frame, the summary, the command line's table and a CSV."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy, bundled_events
from eventstudy.analysis import session_moves
from eventstudy.cli import main
from eventstudy.core.results import SESSION_COLUMNS, WINDOW_COLUMNS


@pytest.fixture(scope="module")
def luokung():
    return EventStudy(bundled_events("luokung"), unknown_timing="both").fit()


def test_one_row_per_event_row_with_the_moves_of_session_moves(luokung):
    sessions = luokung.to_frame("sessions")
    assert list(sessions.columns) == list(SESSION_COLUMNS)
    assert len(sessions) == len(luokung.panel) == 5  # two candidates for two events
    moves = session_moves(luokung)
    for column in ("prev_close", "high", "low", "close_to_close", "peak_move", "trough_move",
                   "market_return"):
        np.testing.assert_array_equal(sessions[column], moves[column], err_msg=column)
    assert sessions.event_session.dtype == "datetime64[ns]"
    assert sessions.candidate.tolist() == ["", "earliest", "latest", "earliest", "latest"]


def test_prices_and_moves_from_the_csv(raw_prices, luokung):
    prices = raw_prices("LKCO")
    sessions = luokung.to_frame("sessions").set_index(["event_id", "candidate"])
    row = sessions.loc[("luokung-lawsuit", "latest")]  # 2021-03-05
    day = prices.index.get_loc(pd.Timestamp("2021-03-05"))
    today, before = prices.iloc[day], prices.iloc[day - 1]
    assert (row.prev_close, row.high, row.low, row.close) == (
        before.close, today.high, today.low, today.close)
    assert row.peak_move == pytest.approx(today.high / before.close - 1, abs=1e-15)
    assert row.trough_move == pytest.approx(today.low / before.close - 1, abs=1e-15)
    assert row.close_to_close == pytest.approx(today.adj_close / before.adj_close - 1, abs=1e-15)


def test_the_windows_table_no_longer_repeats_them(luokung):
    frame = luokung.to_frame()
    assert list(frame.columns) == list(WINDOW_COLUMNS)
    assert list(luokung.windows.columns) == list(WINDOW_COLUMNS)
    assert not {"peak_move", "trough_move", "close_to_close"} & set(WINDOW_COLUMNS)
    assert luokung.windows.equals(frame)


def test_sessions_without_a_window_on_day_0(raw_prices):
    results = EventStudy(bundled_events("xiaomi"), windows=[(1, 3)]).fit()
    sessions = results.to_frame("sessions").set_index("event_id")
    prices, index = raw_prices("1810.HK"), raw_prices("^HSI")
    for event_id, day in (("xiaomi-designation", "2021-01-15"), ("xiaomi-joint-filing",
                                                                  "2021-05-12")):
        at = prices.index.get_loc(pd.Timestamp(day))
        expected = prices.adj_close.iloc[at] / prices.adj_close.iloc[at - 1] - 1
        market = index.adj_close.loc[day] / index.adj_close.iloc[
            index.index.get_loc(pd.Timestamp(day)) - 1] - 1
        assert sessions.loc[event_id, "close_to_close"] == pytest.approx(expected, abs=1e-14)
        assert sessions.loc[event_id, "market_return"] == pytest.approx(market, abs=1e-14)


def test_log_returns_leave_the_session_moves_simple():
    simple = EventStudy(bundled_events("xiaomi")).fit().sessions
    log = EventStudy(bundled_events("xiaomi"), returns="log").fit().sessions
    np.testing.assert_allclose(log.close_to_close, simple.close_to_close, rtol=1e-13)
    log_off_span = EventStudy(bundled_events("xiaomi"), returns="log", windows=[(1, 2)]).fit()
    np.testing.assert_allclose(log_off_span.sessions.close_to_close, simple.close_to_close,
                               rtol=1e-13)


def test_command_line_table_and_csvs(tmp_path, capsys):
    windows, sessions = tmp_path / "windows.csv", tmp_path / "sessions.csv"
    argv = ["run", "xiaomi", "--output", str(windows), "--sessions-output", str(sessions)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("event ")
                  and "session" in line)
    assert header.split()[-3:] == ["close-to-close", "peak", "trough"]
    joint = next(line for line in out.splitlines() if line.startswith("xiaomi-joint-filing 2021"))
    assert joint.split()[-3:] == ["+6.10%", "+6.91%", "+0.20%"]
    table = pd.read_csv(windows)
    assert list(table.columns) == list(WINDOW_COLUMNS) and len(table) == 20
    moves = pd.read_csv(sessions)
    assert list(moves.columns) == list(SESSION_COLUMNS) and len(moves) == 5
    row = moves[moves.event_id == "xiaomi-joint-filing"].iloc[0]
    assert row.event_session == "2021-05-12"
    assert row.peak_move == pytest.approx(26.30 / 24.60 - 1, abs=1e-12)
    assert row.trough_move == pytest.approx(24.65 / 24.60 - 1, abs=1e-12)


def test_csv_on_stdout_has_no_peak_column(capsys):
    assert main(["run", "xiaomi", "--format", "csv"]) == 0
    table = pd.read_csv(StringIO(capsys.readouterr().out))
    assert "peak_move" not in table and "ci_low" in table
