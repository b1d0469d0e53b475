"""The eventstudy command line."""

from __future__ import annotations

import pandas as pd
import pytest

from eventstudy.cli import main

CSV_COLUMNS = [
    "case", "event_id", "ticker", "event_type", "announced", "event_session", "model",
    "window_start", "window_end", "car", "se", "t_stat", "p_value", "ci_low", "ci_high",
    "raw_return",
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
        (["run", "xiaomi", "--estimation", "-20,-11"], "--min-estimation 120 exceeds"),
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


# ----- your own events: --events FILE (CSV or parquet) and --exchange ------------------------
def _run_csv(argv, capsys):
    from io import StringIO

    assert main([*argv, "--window", "0,0", "--format", "csv"]) == 0
    return pd.read_csv(StringIO(capsys.readouterr().out))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_events_file_with_only_ticker_date_and_timing(tmp_path, capsys, suffix):
    # Xiaomi's joint filing as a minimal catalog: the time zone is the exchange's own
    # (Hong Kong), and news "during" its session 2021-05-11 (placed at 09:30 HKT, before
    # the 16:00 close) reaches that session, whose close-to-close return is day 0.
    frame = pd.DataFrame({"Ticker": ["1810.HK"], "Date": ["2021-05-11"], "timing": ["during"]})
    path = tmp_path / f"mine{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    table = _run_csv(["run", "--events", str(path), "--market", "^HSI"], capsys)
    (row,) = table.itertuples()
    assert (row.event_id, row.ticker, row.event_type) == ("1810.HK@2021-05-11", "1810.HK", "other")
    assert row.event_session == "2021-05-11" and row.announced == (
        "2021-05-11 during (Asia/Hong_Kong)")
    assert row.raw_return == pytest.approx(24.60 / 25.20 - 1, abs=1e-12)  # closes of 05-10, 05-11


def test_exchange_option_names_the_exchange_of_rows_without_one(tmp_path, capsys):
    path = tmp_path / "mine.csv"
    path.write_text("ticker,date,timing\nLKCO,2021-05-05,before_open\n")
    assert main(["run", "--events", str(path), "--market", "^IXIC"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("eventstudy: error: mine.csv line 2: ")
    assert "no exchange given and the suffix of 'LKCO' names none; give --exchange (an " in err
    table = _run_csv(["run", "--events", str(path), "--market", "^IXIC", "--exchange", "XNAS"],
                     capsys)
    assert table.event_session.tolist() == ["2021-05-05"]  # before the Nasdaq open that day
    assert table.announced.tolist() == ["2021-05-05 before_open (America/New_York)"]


def test_bad_exchange_option_and_exchange_without_events(tmp_path, capsys):
    path = tmp_path / "mine.csv"
    path.write_text("ticker,date\nLKCO,2021-05-05\n")
    assert main(["run", "--events", str(path), "--exchange", "XMOON"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--exchange 'XMOON': unknown exchange 'XMOON'" in err
    with pytest.raises(SystemExit) as info:
        main(["run", "xiaomi", "--exchange", "XNAS"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--exchange gives the exchange of --events FILE rows" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ticker,date\n1810.HK,2021-05-11,caf\xe9\n", "line 2 is not UTF-8 text"),
        (b"", "the event catalog is empty"),
        (b"ticker,date\n", "has no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not UTF-8"),
        (b"ticker,date,description\n1810.HK,2021-05-11," + b"x" * 200_000 + b"\n",
         "line 2: a cell of 200,000 characters"),
        (b"ticker,date\n1810.HK,2021-05-11\n9999.HK,2021-05-11\n",
         "line 3: unknown ticker '9999.HK'; no prices for it"),
    ],
)
def test_bad_event_files_are_one_line_with_status_2(tmp_path, capsys, content, message):
    path = tmp_path / "mine.csv"
    path.write_bytes(content)
    assert main(["run", "--events", str(path), "--market", "^HSI"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("eventstudy: error:")
    assert "mine.csv" in err and message in err


def test_a_parquet_file_that_is_not_parquet(tmp_path, capsys):
    path = tmp_path / "mine.parquet"
    path.write_text("ticker,date\n1810.HK,2021-05-11\n")
    assert main(["run", "--events", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "mine.parquet: not a readable parquet event catalog" in err
    assert main(["run", "--events", str(tmp_path / "absent.csv")]) == 2
    assert "absent.csv: cannot read the event catalog: no such file" in capsys.readouterr().err
