"""Exchange session tables: equal to exchange_calendars, stored, reused and rebuilt."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest

from eventstudy.calendar import sessions
from eventstudy.calendar.sessions import exchange_sessions
from eventstudy.errors import CalendarError


@pytest.fixture
def folder(monkeypatch, tmp_path):
    """A cache folder of the test's own, and no table kept in memory before or after."""
    monkeypatch.setenv("EVENTSTUDY_CACHE", str(tmp_path))
    exchange_sessions.cache_clear()
    yield tmp_path / "calendars"
    exchange_sessions.cache_clear()


@pytest.fixture
def builds(monkeypatch):
    """Counts the calendars exchange_calendars is asked to build."""
    count = {"n": 0}
    build = xcals.get_calendar

    def counted(*args, **kwargs):
        count["n"] += 1
        return build(*args, **kwargs)

    monkeypatch.setattr(xcals, "get_calendar", counted)
    return count


def _reference(exchange: str) -> xcals.ExchangeCalendar:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xcals.get_calendar(exchange, start="1990-01-01")


def _fresh(exchange: str) -> sessions.ExchangeSessions:
    """The table as a new process would get it (nothing kept in memory)."""
    exchange_sessions.cache_clear()
    return exchange_sessions(exchange)


@pytest.mark.parametrize("exchange", ["XHKG", "XNYS"])
def test_table_equals_exchange_calendars_built_and_stored(folder, exchange):
    calendar = _reference(exchange)
    expected_opens = calendar.opens.dt.tz_convert(None).to_numpy().astype("datetime64[ns]")
    expected_closes = calendar.closes.dt.tz_convert(None).to_numpy().astype("datetime64[ns]")
    for table in (_fresh(exchange), _fresh(exchange)):  # built and stored, then read
        assert table.exchange == exchange
        np.testing.assert_array_equal(table.sessions.to_numpy(), calendar.sessions.to_numpy())
        np.testing.assert_array_equal(table.opens.view("datetime64[ns]"), expected_opens)
        np.testing.assert_array_equal(table.closes.view("datetime64[ns]"), expected_closes)
        assert table.tz == str(calendar.tz)
        assert (folder / f"{exchange}.npz").is_file()


def test_stored_table_is_used_without_building(folder, builds):
    first = _fresh("XHKG")
    assert builds["n"] == 1
    second = _fresh("XHKG")
    assert builds["n"] == 1
    pd.testing.assert_index_equal(second.sessions, first.sessions)
    np.testing.assert_array_equal(second.opens, first.opens)
    np.testing.assert_array_equal(second.closes, first.closes)


@pytest.mark.parametrize(
    "key, stale",
    [("built", "2000-01-01"), ("exchange_calendars", "0.0"), ("pandas", "0.0"),
     ("start", "2000-01-01"), ("format", "1")],
)
def test_a_table_built_from_something_else_is_rebuilt(folder, builds, key, stale):
    _fresh("XHKG")
    path = folder / "XHKG.npz"
    with np.load(path) as stored:
        fields = {name: stored[name] for name in stored.files}
    fields[key] = np.str_(stale)
    with open(path, "wb") as out:
        np.savez(out, **fields)
    _fresh("XHKG")
    assert builds["n"] == 2
    with np.load(path) as stored:  # replaced by today's build
        assert str(stored[key]) == sessions._build_stamp()[key]


def test_a_file_of_the_layout_without_closes_is_rebuilt(folder, builds):
    # What the library wrote before closes were kept: today's versions and day, but no
    # "format" entry and no closes. Read as it is, it would give no closes to align on.
    table = _fresh("XHKG")
    old = {"built", "exchange_calendars", "pandas", "start"}
    with open(folder / "XHKG.npz", "wb") as out:
        np.savez(out, sessions=table.sessions.asi8, opens=table.opens, tz=np.str_(table.tz),
                 exchange=np.str_("XHKG"),
                 **{k: np.str_(v) for k, v in sessions._build_stamp().items() if k in old})
    rebuilt = _fresh("XHKG")
    assert builds["n"] == 2
    np.testing.assert_array_equal(rebuilt.closes, table.closes)
    with np.load(folder / "XHKG.npz") as stored:  # replaced in the current layout
        assert str(stored["format"]) == sessions.TABLE_FORMAT
        np.testing.assert_array_equal(stored["closes"], table.closes)


def test_an_unreadable_file_is_rebuilt_and_replaced(folder, builds):
    folder.mkdir(parents=True)
    (folder / "XNYS.npz").write_bytes(b"not a table")
    table = _fresh("XNYS")
    assert builds["n"] == 1
    assert table.sessions[0] == pd.Timestamp("1990-01-02")
    assert _fresh("XNYS").sessions.equals(table.sessions)
    assert builds["n"] == 1
    assert sorted(p.name for p in folder.iterdir()) == ["XNYS.npz"]  # no temporary left


def test_a_folder_that_cannot_be_written_keeps_the_table_in_memory(monkeypatch, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")  # the cache folder would have to be made under a file
    monkeypatch.setenv("EVENTSTUDY_CACHE", str(blocked))
    exchange_sessions.cache_clear()
    try:
        table = exchange_sessions("XNYS")
        assert table.sessions[0] == pd.Timestamp("1990-01-02")
        assert exchange_sessions("XNYS") is table
    finally:
        exchange_sessions.cache_clear()


def test_unknown_exchange_is_a_calendar_error_and_nothing_is_stored(folder):
    with pytest.raises(CalendarError, match="unknown exchange calendar 'XXXX'"):
        exchange_sessions("XXXX")
    assert not folder.exists()


def test_between_equals_sessions_in_range_and_checks_the_end(folder):
    calendar = _reference("XHKG")
    table = exchange_sessions("XHKG")
    first, last = pd.Timestamp("2021-01-01"), pd.Timestamp("2021-06-30")
    np.testing.assert_array_equal(table.between(first, last).to_numpy(),
                                  calendar.sessions_in_range(first, last).to_numpy())
    # a first date before the calendar starts at its first session (1990-01-02)
    early = table.between(pd.Timestamp("1980-01-01"), pd.Timestamp("1990-01-04"))
    assert list(early.strftime("%Y-%m-%d")) == ["1990-01-02", "1990-01-03", "1990-01-04"]
    with pytest.raises(CalendarError, match="outside the XHKG calendar"):
        table.between(first, calendar.last_session + pd.Timedelta(days=1))
    with pytest.raises(CalendarError, match="1989-12-31 is outside"):
        table.between(pd.Timestamp("1989-01-01"), pd.Timestamp("1989-12-31"))


def test_the_stamp_names_the_version_exchange_calendars_reports():
    # read from the package metadata, so that stored tables stay valid
    assert sessions._build_stamp()["exchange_calendars"] == xcals.__version__


def test_a_stored_table_is_read_without_importing_exchange_calendars(folder):
    stored = _fresh("XHKG")  # built and stored in the test's folder
    # eventstudy/__init__.py imports events.py, which imports exchange_calendars for
    # itself, so sessions.py is loaded here under a bare package module
    script = f"""
import sys, types
package = types.ModuleType("eventstudy")
package.__path__ = [{str(Path(sessions.__file__).parent)!r}]
sys.modules["eventstudy"] = package
from eventstudy.calendar.sessions import exchange_sessions
table = exchange_sessions("XHKG")
print(table.sessions.size, table.opens[-1], "exchange_calendars" in sys.modules)
"""
    env = dict(os.environ, EVENTSTUDY_CACHE=str(folder.parent))
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == [str(stored.sessions.size), str(stored.opens[-1]), "False"]


def test_a_calendar_that_starts_after_1990_starts_at_its_first_day(folder):
    # exchange_calendars evaluates XTKS from 1997 only; its first session is Monday
    # 1997-01-06 (the new-year holidays end on the 3rd, then a weekend).
    table = exchange_sessions("XTKS")
    assert table.sessions[0] == pd.Timestamp("1997-01-06") and table.tz == "Asia/Tokyo"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        calendar = xcals.get_calendar("XTKS", start="1997-01-01")
    np.testing.assert_array_equal(table.sessions.to_numpy(), calendar.sessions.to_numpy())


def test_a_calendar_that_cannot_be_built_is_a_calendar_error(folder, monkeypatch):
    def broken(*args, **kwargs):
        raise NotImplementedError("implemented by subclasses")

    monkeypatch.setattr(xcals, "get_calendar", broken)
    with pytest.raises(CalendarError, match="cannot build the XHKG calendar"):
        exchange_sessions("XHKG")
    assert not folder.exists()


def test_exchange_calendars_is_imported_only_to_build_a_table(folder):
    import subprocess
    import sys
    from pathlib import Path

    exchange_sessions("XHKG")  # stored in the test's cache folder
    root = Path(__file__).resolve().parent.parent
    probe = ("import sys, eventstudy\n"
             "from eventstudy.calendar.sessions import exchange_sessions\n"
             "print('exchange_calendars' in sys.modules)\n"
             "exchange_sessions('XHKG')\n"
             "print('exchange_calendars' in sys.modules)\n")
    env = {"PYTHONPATH": str(root), "EVENTSTUDY_CACHE": str(folder.parent)}
    out = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    assert out == ["False", "False"]
