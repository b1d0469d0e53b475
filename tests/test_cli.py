"""The eventstudy command line."""

from __future__ import annotations

import pandas as pd
import pytest

from eventstudy.cli import main

CSV_COLUMNS = [
    "case", "event_id", "ticker", "event_type", "announced", "event_session", "model",
    "window_start", "window_end", "car", "se", "t_stat", "p_value", "raw_return", "peak_move",
]


def test_cases_lists_every_case(capsys):
    assert main(["cases"]) == 0
    out = capsys.readouterr().out
    for case in ("xiaomi:", "luokung:", "telecoms:", "smic:"):
        assert case in out
    assert "luokung-lawsuit" in out and "2021-03-04 or 2021-03-05" in out


def test_run_prints_table_and_writes_csv(tmp_path, capsys):
    target = tmp_path / "out" / "xiaomi.csv"
    assert main(["run", "xiaomi", "--output", str(target)]) == 0
    out = capsys.readouterr().out
    assert "xiaomi-joint-filing" in out and "+6.10%" in out
    table = pd.read_csv(target)
    assert set(CSV_COLUMNS) <= set(table.columns)
    assert len(table) == 20
    row = table[(table.event_id == "xiaomi-joint-filing") & (table.window_end == 0)].iloc[0]
    assert row.raw_return == pytest.approx(26.10 / 24.60 - 1, abs=1e-12)


def test_run_csv_options(capsys):
    argv = ["run", "xiaomi", "--model", "constant_mean", "--estimation", "-200,-11",
            "--window", "-1,1", "--window", "0,2", "--returns", "log", "--format", "csv"]
    assert main(argv) == 0
    from io import StringIO

    table = pd.read_csv(StringIO(capsys.readouterr().out))
    assert set(table.model) == {"constant_mean"}
    assert sorted(set(zip(table.window_start, table.window_end, strict=True))) == [(-1, 1), (0, 2)]
    assert (table.n_estimation <= 190).all()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "huawei"], "unknown case 'huawei'"),
        (["run", "xiaomi", "--estimation", "-20,-11"], "min_estimation 120 exceeds"),
        (["run", "xiaomi", "--window", "-3,5", "--estimation", "-250,-2"], "must end before"),
    ],
)
def test_errors_are_one_line_with_status_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("eventstudy: error:") and message in err


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "xiaomi", "--window", "a,b"],
        ["run", "xiaomi", "--window", "3,1"],
        ["run"],
        ["run", "xiaomi", "--model", "capm"],
    ],
)
def test_usage_errors_are_one_line_with_status_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("eventstudy: error:")
