"""Faults at the edges (issue 17): the price cache under concurrency, damage and killed
writes, and the command line's output to a full disk, a closed pipe or its own inputs.

yfinance is replaced by recorded bars (the bundled snapshot, in the shape yfinance
returns them: tests/yf_frames.py), never the network. Processes that die mid-write are
forked children that leave with ``os._exit`` (what SIGKILL leaves behind: no cleanup,
and the operating system releases their locks).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import yfinance
from yf_frames import download_frame

from eventstudy.cli import main
from eventstudy.errors import DataIntegrityError
from eventstudy.sources import FilePrices
from eventstudy.sources import cache as cache_module
from eventstudy.sources.cache import PriceCache, atomic_write, remove_stale_temporaries
from eventstudy.sources.locks import is_held, lock_path, locked
from eventstudy.sources.yahoo import YahooPrices, fetch

DATA = Path(__file__).resolve().parent.parent / "data" / "prices"
ROOT = Path(__file__).resolve().parent.parent
D = dt.date


def _bars(ticker: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{ticker}.csv", parse_dates=["date"], index_col="date")


class SlowYahoo:
    """Stands in for ``yfinance.download``: recorded bars after ``delay`` seconds."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.delay: dict[str, float] = {}

    def __call__(self, ticker, **options):
        self.calls.append((ticker, options["start"], options["end"]))
        time.sleep(self.delay.get(options["start"], 0.0))
        bars = _bars(ticker)
        start, end = pd.Timestamp(options["start"]), pd.Timestamp(options["end"])
        return download_frame({ticker: bars[(bars.index >= start) & (bars.index < end)]})


@pytest.fixture
def yahoo(monkeypatch, tmp_path):
    recorded = SlowYahoo()
    monkeypatch.setattr(yfinance, "download", recorded)
    monkeypatch.setenv("EVENTSTUDY_CACHE", str(tmp_path / "default-cache"))
    monkeypatch.delenv("EVENTSTUDY_OFFLINE", raising=False)
    return recorded


@pytest.fixture
def cache(tmp_path):
    return PriceCache(tmp_path / "cache")


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ----- concurrent refreshes -----------------------------------------------------------------
def test_concurrent_refreshes_of_one_ticker_lose_no_row(yahoo, cache):
    # Before: the second writer merged into the cache as it was before the first wrote,
    # and the first one's 146 rows added were not in the file.
    fetch(["1810.HK"], "2020-01-01", "2020-03-31", cache.root)
    yahoo.delay["2019-06-01"] = 0.4  # the first refresh is still downloading ...
    reports = {}

    def refresh(start: str, end: str) -> None:
        (reports[start],) = fetch(["1810.HK"], start, end, cache.root)

    first = threading.Thread(target=refresh, args=("2019-06-01", "2019-09-30"))
    first.start()
    time.sleep(0.1)  # ... when the second one starts
    refresh("2020-10-01", "2020-12-31")
    first.join()
    bars = _bars("1810.HK")
    added = sum(r.added for r in reports.values())
    entry = cache.read("1810.HK")
    assert added == len(bars.loc["2019-06-01":"2019-12-31"]) + len(bars.loc["2020-04-01":
                                                                            "2020-12-31"])
    assert len(entry.frame) == len(bars.loc["2019-06-01":"2020-12-31"])
    assert entry.covered == (D(2019, 6, 1), D(2020, 12, 31))
    assert _files(cache.folder) == ["1810.HK.csv"]  # the lock file goes with its holder


def test_a_refresh_waits_for_the_lock_and_then_reports(yahoo, cache, monkeypatch):
    monkeypatch.setattr("eventstudy.sources.locks.LOCK_TIMEOUT", 0.3)
    with locked(cache.path("1810.HK")):
        (report,) = fetch(["1810.HK"], "2020-01-01", "2020-03-31", cache.root)
    assert report.status == "failed" and "another process has held its lock" in report.message
    assert not cache.path("1810.HK").exists() and not yahoo.calls


def test_a_lock_removed_by_its_holder_is_taken_again(tmp_path):
    path = tmp_path / "x.csv"
    order = []

    def second() -> None:
        with locked(path):
            order.append("second")

    with locked(path):
        waiter = threading.Thread(target=second)
        waiter.start()
        time.sleep(0.2)
        order.append("first")
    waiter.join()
    assert order == ["first", "second"] and not lock_path(path).exists()


# ----- the header under the checksum ---------------------------------------------------------
def test_a_widened_covered_range_is_damage(yahoo, cache):
    # Before: 2015..2021 in '# covered:' served 2020's rows only, without a download.
    fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    path = cache.path("1810.HK")
    text = path.read_text().replace("# covered: 2020-01-01..2020-12-31",
                                    "# covered: 2015-01-01..2021-12-31")
    path.write_text(text)
    with pytest.raises(DataIntegrityError, match="do not match their checksum"):
        YahooPrices("2019-06-01", "2021-06-30", cache.root).get("1810.HK")


def test_a_file_of_the_first_format_is_read_with_its_range_cut_to_its_rows(yahoo, cache):
    fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    path = cache.path("1810.HK")
    meta, body = cache_module.split_header(path.read_text())
    import hashlib

    meta.pop("format")
    meta["covered"] = "2015-01-01..2021-12-31"  # widened: the first format cannot tell
    meta["sha256"] = hashlib.sha256(body.encode()).hexdigest()
    path.write_text("".join(f"# {k}: {v}\n" for k, v in meta.items()) + body)
    entry = cache.read("1810.HK")
    assert entry.covered == (D(2020, 1, 2), D(2020, 12, 31))  # its first and last rows
    yahoo.calls.clear()
    frame = YahooPrices("2019-06-01", "2021-06-30", cache.root).get("1810.HK")
    assert yahoo.calls and frame.index[0] == pd.Timestamp("2019-06-03")
    assert "# format: 2" in path.read_text()  # rewritten in the checked format


def test_a_cache_file_copied_to_another_ticker_is_damage(yahoo, cache):
    fetch(["1810.HK"], "2020-01-01", "2020-03-31", cache.root)
    cache.path("0981.HK").write_bytes(cache.path("1810.HK").read_bytes())
    with pytest.raises(DataIntegrityError, match="'# ticker:' line says '1810.HK', not "
                                                 "'0981.HK'"):
        cache.read("0981.HK")


# ----- damaged files and fetch -----------------------------------------------------------------
def test_fetch_on_a_damaged_cache_file_reports_it_and_goes_on(yahoo, cache, capsys):
    path = cache.path("1810.HK")
    path.parent.mkdir(parents=True)
    path.write_bytes(os.urandom(4096))
    before = path.read_bytes()
    argv = ["fetch", "1810.HK", "^HSI", "--start", "2020-01-01", "--end", "2020-03-31",
            "--cache", str(cache.root)]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.err.startswith(f"1810.HK: failed: {path}: ")
    assert "delete the file and fetch the prices again (the file is left as it is)" in (
        captured.err)
    assert captured.out.startswith("^HSI: created")
    assert path.read_bytes() == before


def test_fetch_with_far_dates_or_empty_tickers(yahoo, cache, capsys):
    # Before: --end 9999-12-31 failed as "OverflowError: date value out of range".
    (report,) = fetch(["1810.HK"], "2021-06-01", "9999-12-31", cache.root)
    after_tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)
    assert report.ok and yahoo.calls[-1][2] == str(after_tomorrow)
    assert main(["fetch", " ", "--start", "2020-01-01", "--end", "2020-12-31", "--cache",
                 str(cache.root)]) == 2
    assert "a Yahoo ticker is text such as '1810.HK', not ' '" in capsys.readouterr().err


# ----- tickers whose file name would be hidden -------------------------------------------------
def test_a_ticker_starting_with_a_dot_is_not_a_hidden_file(yahoo, cache, monkeypatch):
    # Before: '.X' was stored as .X.csv, which `--prices DIR` skips as a hidden file.
    real = SlowYahoo.__call__
    monkeypatch.setattr(SlowYahoo, "__call__", lambda self, ticker, **o: real(
        self, "1810.HK", **o).rename(columns={"1810.HK": ticker}, level=1))
    (report,) = fetch([".X"], "2020-01-01", "2020-03-31", cache.root)
    assert report.ok and cache.path(".X").name == "%2EX.csv"
    assert cache.tickers() == (".X",)
    assert len(FilePrices(cache.folder).get(".X")) == report.rows


# ----- temporaries of killed writes ----------------------------------------------------------
def _killed_write(path: Path, data: bytes) -> None:
    """A child process that dies (os._exit) after writing its temporary, before renaming."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.fsync = lambda fd: os._exit(9)  # noqa: B023 - dies here, as under SIGKILL
            atomic_write(path, data)
        finally:
            os._exit(1)
    os.waitpid(pid, 0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_temporaries_of_killed_writes_are_removed_by_the_next_write(tmp_path, monkeypatch):
    # Before: 23 files (38 MB) were left after 30 SIGKILLs.
    path = tmp_path / "1810.HK.csv"
    for _ in range(5):
        _killed_write(path, b"x" * 100_000)
    left = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 5 and not path.exists()
    monkeypatch.setattr(cache_module, "STALE_AFTER", 0.0)
    mine = [tmp_path / "1810.HK.csv.tmp", tmp_path / ".1810.HK.csv.backup.tmp"]
    for own in mine:  # a user's files of similar names are not ours
        own.write_text("mine")
    atomic_write(path, b"new")
    assert _files(tmp_path) == sorted(["1810.HK.csv", *(p.name for p in mine)])
    assert path.read_bytes() == b"new" and all(p.read_text() == "mine" for p in mine)


def test_a_temporary_being_written_is_not_stale(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "STALE_AFTER", 0.0)
    path = tmp_path / "out.csv"
    busy = tmp_path / ".out.csv.abcd1234.tmp"
    busy.write_bytes(b"partial")
    fd = os.open(busy, os.O_RDWR)
    try:
        cache_module.hold(fd)  # a live writer
        assert is_held(busy) and remove_stale_temporaries(path) == []
    finally:
        os.close(fd)
    assert not is_held(busy) and remove_stale_temporaries(path) == [busy]


def test_atomic_writes_keep_the_mode_of_the_file_they_replace(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("old")
    path.chmod(0o640)
    atomic_write(path, b"new")
    assert oct(path.stat().st_mode & 0o777) == "0o640"
    fresh = tmp_path / "y.csv"
    atomic_write(fresh, b"new")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask


# ----- the command line's output ---------------------------------------------------------------
def _cli(*args: str, stdout=subprocess.PIPE, **options) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "eventstudy.cli", *args], stdout=stdout,
                          stderr=subprocess.PIPE, env=env, cwd=ROOT, timeout=120, **options)


def test_a_closed_pipe_ends_the_command_quietly():
    # Before: `eventstudy run xiaomi | head -1` printed a BrokenPipeError traceback.
    for args in (["run", "xiaomi", "--format", "csv"], ["cases"], ["--help"]):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        child = subprocess.Popen([sys.executable, "-m", "eventstudy.cli", *args], cwd=ROOT,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        child.stdout.close()  # the reader is gone before the first line
        err = child.stderr.read()
        child.stderr.close()
        assert child.wait(timeout=120) == 141 and err == b"", (args, err[-300:])


def test_fetch_ends_quietly_on_a_closed_pipe(yahoo, cache, monkeypatch):
    class Closed:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stdout", Closed())
    argv = ["fetch", "1810.HK", "--start", "2020-01-01", "--end", "2020-01-31", "--cache",
            str(cache.root)]
    assert main(argv) == 141


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["run", "xiaomi"], ["cases"], ["--help"]])
def test_a_full_disk_is_one_line_and_status_2(args):
    with open("/dev/full", "wb") as full:
        done = _cli(*args, stdout=full)
    err = done.stderr.decode()
    assert done.returncode == 2 and err == (
        "eventstudy: error: cannot write the output (No space left on device)\n")


def test_output_is_refused_when_it_is_an_input(tmp_path, capsys):
    # Before: --output could overwrite the study's own catalog or price files.
    prices = tmp_path / "prices"
    prices.mkdir()
    for ticker in ("1810.HK", "^HSI"):
        (prices / f"{ticker}.csv").write_bytes((DATA / f"{ticker}.csv").read_bytes())
    catalog = tmp_path / "events.csv"
    catalog.write_text("id,ticker,date,timing,market\na,1810.HK,2021-01-14,during,^HSI\n")
    (tmp_path / "link.csv").symlink_to(catalog)
    run = ["run", "--events", str(catalog), "--prices", str(prices), "--output"]
    for output, said in [(catalog, "is the input"), (tmp_path / "sub" / ".." / "events.csv",
                                                     "is the input"),
                         (tmp_path / "link.csv", "is the input"),
                         (prices / "out.csv", "is in the input folder"),
                         (prices / "1810.HK.csv", "is in the input folder"),
                         (DATA / "new.csv", "is in the input folder"),
                         (ROOT / "data" / "events" / "x.csv", "is in the input folder")]:
        before = {p: p.read_bytes() for p in [catalog, *prices.iterdir()]}
        assert main([*run, str(output)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and said in err and "give another file" in err, err
        assert {p: p.read_bytes() for p in [catalog, *prices.iterdir()]} == before
    assert not (DATA / "new.csv").exists()
    assert main([*run, str(prices / "sub" / "out.csv")]) == 0  # not a ticker of the folder


def test_output_leaves_other_files_alone(tmp_path, capsys):
    # Before: a user's out.csv.tmp was overwritten and then renamed away.
    target = tmp_path / "out.csv"
    mine = tmp_path / "out.csv.tmp"
    mine.write_text("mine")
    assert main(["run", "xiaomi", "--output", str(target)]) == 0
    assert mine.read_text() == "mine" and _files(tmp_path) == ["out.csv", "out.csv.tmp"]
    assert pd.read_csv(target).shape[0] == 20
    assert main(["run", "xiaomi", "--output", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_a_failed_output_leaves_no_temporary(tmp_path, capsys, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_text("the last report")

    def full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_module.os, "replace", full)
    assert main(["run", "xiaomi", "--output", str(target)]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert _files(tmp_path) == ["out.csv"] and target.read_text() == "the last report"


def test_output_to_a_pipe_or_device_is_written_through(tmp_path, capsys):
    done = _cli("run", "xiaomi", "--format", "csv", "--output", "/dev/stdout")
    assert done.returncode == 0 and done.stdout.decode().count("\n") == 21
    assert Path("/dev/null").is_char_device()  # untouched: not replaced by a file
    assert main(["run", "xiaomi", "--output", "/dev/null"]) == 0
    assert Path("/dev/null").is_char_device()


def test_concurrent_writers_of_one_output_both_succeed(tmp_path):
    # Before: both wrote out.csv.tmp; one renamed it away and the other failed ("No such
    # file").
    from eventstudy.cli import _write_csv

    target = tmp_path / "out.csv"
    tables = [pd.DataFrame({"x": range(200_000)}) * k for k in (1, 2)]
    errors = []

    def write(table: pd.DataFrame) -> None:
        try:
            for _ in range(5):
                _write_csv(table, target)
        except OSError as exc:  # pragma: no cover - the failure this test guards against
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(t,)) for t in tables]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and _files(tmp_path) == ["out.csv"]
    assert pd.read_csv(target).x.iloc[-1] in (199_999, 2 * 199_999)
