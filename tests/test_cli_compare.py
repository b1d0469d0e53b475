"""`eventstudy run --compare`: the comparison printed and as CSV, characteristics from a file,
every usage and file error on one line; the numbers against results.compare."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from eventstudy import EventStudy, bundled_events
from eventstudy.cli import main

EVENTS = ["telecoms-eo13959", "telecoms-nyse-delisting", "telecoms-nyse-reversal",
          "telecoms-nyse-re-reversal"]
ADVERSE = pd.DataFrame({"event_id": EVENTS, "adverse": ["yes", "yes", "no", "yes"]})


@pytest.fixture(scope="module")
def telecoms():
    return EventStudy(bundled_events("telecoms")).fit()


def test_run_compare_prints_the_comparison(capsys, telecoms):
    assert main(["run", "telecoms", "--compare", "event_type", "--compare-window", "0,1"]) == 0
    out = capsys.readouterr().out
    table = telecoms.compare("event_type", window=(0, 1))
    assert "Event study results" in out and "CAR by event_type" in out
    row = table.iloc[0]
    line = next(line for line in out.splitlines() if line.startswith("(0,1)  welch"))
    assert f"{100 * row['difference']:+.2f}%" in line and f"{row['welch_stat']:.2f}" in line
    assert "a group of fewer than 10 events: the tests have little power" in out


def test_run_compare_as_csv(capsys, telecoms):
    assert main(["run", "telecoms", "--compare", "event_type", "--format", "csv",
                 "--compare-window", "-1,1"]) == 0
    captured = capsys.readouterr()
    table = pd.read_csv(io.StringIO(captured.out), keep_default_na=False, na_values=[""])
    expected = telecoms.compare("event_type", window=(-1, 1))
    assert list(table.columns) == list(expected.columns)
    assert table["welch_p"].tolist() == pytest.approx(expected["welch_p"].tolist())
    assert captured.err == ""


def test_run_compare_with_characteristics(capsys, tmp_path):
    path = tmp_path / "adverse.csv"
    ADVERSE.drop(index=2).to_csv(path, index=False)
    assert main(["run", "telecoms", "--compare", "adverse", "--characteristics", str(path),
                 "--on", "event_id", "--format", "csv", "--compare-window", "0,0"]) == 0
    captured = capsys.readouterr()
    table = pd.read_csv(io.StringIO(captured.out))
    assert table["adverse"].tolist() == ["yes"] and table["n"].tolist() == [9]
    assert captured.err.splitlines()[0] == "Left out of --compare: 3 event rows"
    assert ("telecoms-nyse-reversal 0941.HK (0,0): no row of the characteristics for its "
            "event_id") in captured.err
    assert main(["run", "telecoms", "--compare", "adverse", "--characteristics", str(path),
                 "--compare-window", "0,0"]) == 0
    out = capsys.readouterr().out
    assert "Left out (3 event rows): telecoms-nyse-reversal 0941.HK (0,0)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--compare-window", "0,1"], "--compare-window goes with --compare COLUMN"),
        (["--characteristics", "x.csv"], "--characteristics goes with --compare COLUMN"),
        (["--compare", "event_type", "--on", "ticker"],
         "--on names the key of --characteristics FILE, which is not given"),
        (["--compare", "event_type", "--tests", "all"],
         "--compare and --tests all or --by-day each choose the pooled table"),
        (["--compare", "event_type", "--compare-window", "0,2"],
         "--compare-window 0,2 is not one of the run's windows (0,0 -1,1 0,1 -5,5); add it "
         "with --window"),
        (["--compare", "sector"], "--compare sector: not a column of the results; give one of "
                                  "event_id, event_type, case, ticker, event_session, "
                                  "candidate, or a column of --characteristics FILE"),
        (["--compare", "car"], "--compare car: not a column of the results"),
    ],
)
def test_compare_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "telecoms", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"eventstudy: error: {message}") and err.count("\n") == 1
    assert err.endswith(" (see `eventstudy run --help`)\n")


def test_compare_file_errors_are_one_line(tmp_path, capsys):
    path = tmp_path / "firms.csv"
    pd.DataFrame({"firm": ["a"], "size": [1.0]}).to_csv(path, index=False)
    assert main(["run", "telecoms", "--compare", "size", "--characteristics", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"eventstudy: error: --characteristics {path} has neither an event_id nor a ticker "
        "column to join on\n")
    assert main(["run", "telecoms", "--compare", "sector", "--characteristics", str(path)]) == 2
    assert "--compare sector: not a column of the results" in capsys.readouterr().err
    assert main(["run", "telecoms", "--compare", "size", "--characteristics", str(path),
                 "--on", "ticker"]) == 2
    assert capsys.readouterr().err.startswith("eventstudy: error: --on ticker: "
                                              f"--characteristics {path} has no ticker column")
    path.write_bytes(b"ticker,size\n0941.HK,1\n0941.HK,2\n")
    assert main(["run", "telecoms", "--compare", "size", "--characteristics", str(path)]) == 2
    assert "the characteristics have 2 rows for ticker 0941.HK" in capsys.readouterr().err
    assert main(["run", "telecoms", "--compare", "size", "--characteristics",
                 str(tmp_path / "none.csv")]) == 2
    assert "cannot read the file" in capsys.readouterr().err
    assert main(["run", "telecoms", "--compare", "size", "--characteristics", str(path),
                 "--format", "csv", "--output", str(path)]) == 2
    assert "writing it would overwrite the study's own data" in capsys.readouterr().err
