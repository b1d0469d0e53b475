"""A command line that explains itself: help with defaults, a described `run`, one case
shown in full, messages in command-line words, the diagnostics without Python."""

from __future__ import annotations

import argparse
import re
from io import StringIO

import pandas as pd
import pytest

from eventstudy import EventStudy, bundled_events
from eventstudy.cli import _parser, cli_message, main


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


@pytest.mark.parametrize("command", ["cases", "run", "fetch"])
def test_every_option_has_help_with_its_default(command):
    subparser = _subcommands()[command]
    options = [a for a in subparser._actions if not isinstance(a, argparse._HelpAction)]
    assert options
    for action in options:
        name = action.option_strings[0] if action.option_strings else action.dest
        assert action.help, f"{command} {name} has no help"
        assert "default" in action.help, f"{command} {name}: no default in {action.help!r}"
        if action.default not in (None, False) and not isinstance(action.default, tuple):
            assert str(action.default) in action.help, f"{command} {name}"


def test_defaults_in_help_are_the_real_ones():
    run = _subcommands()["run"]
    shown = {a.dest: a for a in run._actions}
    assert "(default: -250,-11)" in shown["estimation"].help
    assert "(default: 0,0 -1,1 0,1 -5,5)" in shown["window"].help
    assert "(default: 120)" in shown["min_estimation"].help
    assert "(default: 0.95)" in shown["level"].help
    defaults = run.parse_args(["xiaomi"])
    assert (defaults.estimation, defaults.min_estimation, defaults.level) == ((-250, -11), 120,
                                                                            0.95)


def test_run_help_has_a_description_and_examples(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "Run the event study of a bundled case (CASE) or of your own events" in out
    assert "examples:" in out and "eventstudy run xiaomi --diagnostics" in out
    for group in ("events and data:", "model and design:", "pooled tests:", "output:"):
        assert group in out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "`eventstudy COMMAND --help`" in capsys.readouterr().out


def test_cases_case_shows_one_case(capsys):
    assert main(["cases", "luokung"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("luokung: Luokung Technology (LKCO)")
    assert "xiaomi" not in out.split("\n", 1)[0] and "xiaomi-designation" not in out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("event "))
    assert header.split() == ["event", "ticker", "type", "announced", "exchange", "session"]
    assert "luokung-lawsuit" in out and "2021-03-04 or 2021-03-05" in out
    assert "source: Willkie Farr & Gallagher compliance alert, 2021-03-25" in out
    assert "Run it: eventstudy run luokung" in out


def test_cases_lists_every_case_with_headers(capsys):
    assert main(["cases"]) == 0
    out = capsys.readouterr().out
    headers = [line for line in out.splitlines() if line.strip().startswith("event ")]
    assert len(headers) == 4  # one table per case, every column headed
    assert all(h.split() == ["event", "ticker", "type", "announced", "exchange", "session"]
               for h in headers)


def test_an_unknown_case_is_one_line(capsys):
    assert main(["cases", "huawei"]) == 2
    err = capsys.readouterr().err
    assert err == ("eventstudy: error: unknown case 'huawei'; bundled cases: xiaomi, luokung, "
                   "telecoms, smic\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "xiaomi", "--events", "mine.csv"],
         "run takes a bundled CASE (xiaomi) or --events FILE, not both"),
        (["run"], "run needs a bundled CASE (see `eventstudy cases`) or --events FILE"),
        (["run", "xiaomi", "--id-column", "permno"],
         "--id-column names a column of --return-data FILE, which is not given"),
    ],
)
def test_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err == f"eventstudy: error: {message} (see `eventstudy run --help`)\n"


_KEYWORD = re.compile(r"\b(min_estimation|exclude_other_events|unknown_timing|exchange|market|"
                      r"id_column|factors|model|seed|level)=")


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["run", "xiaomi", "--estimation", "-20,-11"], "--min-estimation 120 exceeds"),
        (["run", "xiaomi", "--estimation", "-130,-11"],
         "fewer than --min-estimation 120; lengthen the estimation window, lower "
         "--min-estimation or give --keep-other-events"),
        (["run", "xiaomi", "--tests", "all", "--seed", "-1"], "--seed must be 0 or more"),
        (["run", "xiaomi", "--model", "ff3"], "give --factors FILE"),
    ],
)
def test_messages_name_command_line_options(argv, option, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and option in err and not _KEYWORD.search(err)


def test_a_catalog_without_exchange_or_market(tmp_path, capsys):
    path = tmp_path / "mine.csv"
    path.write_text("ticker,date\nLKCO,2021-05-05\n")
    assert main(["run", "--events", str(path)]) == 2
    err = capsys.readouterr().err
    assert "give --exchange (an exchange_calendars code" in err and not _KEYWORD.search(err)
    assert main(["run", "--events", str(path), "--exchange", "XNAS"]) == 2
    err = capsys.readouterr().err
    assert "no market index" in err and "(--market)" in err and "--model constant_mean" in err
    assert not _KEYWORD.search(err)


def test_cli_message_rewrites_only_keywords():
    assert cli_message("give exchange= (a code)") == "give --exchange (a code)"
    assert cli_message("exchange='XMOON': unknown") == "--exchange 'XMOON': unknown"
    assert cli_message("market=vwretd is not a column") == "--market vwretd is not a column"
    assert cli_message("use, e.g. id_column='permno'") == "use, e.g. --id-column 'permno'"
    assert cli_message("no exchange given; the market index") == (
        "no exchange given; the market index")


def test_diagnostics_table(capsys):
    results = EventStudy(bundled_events("xiaomi")).fit()
    assert main(["run", "xiaomi", "--diagnostics"]) == 0
    out = capsys.readouterr().out
    start = out.index("Diagnostics: 4 records")
    lines = out[start:].splitlines()
    assert max(map(len, lines[:2])) <= 80  # the title on two lines of the text's width
    assert lines[2].split() == ["event_id", "ticker", "kind", "detail"]  # every column headed
    assert len(lines) == 3 + len(results.diagnostics)
    for line, record in zip(lines[3:], results.diagnostics.itertuples(), strict=True):
        assert line.startswith(record.event_id) and line.rstrip().endswith(record.detail)
    assert main(["run", "xiaomi", "--keep-other-events", "--diagnostics"]) == 0
    assert "Diagnostics: none" in capsys.readouterr().out


def test_diagnostics_with_csv_on_stdout_go_to_stderr(capsys):
    assert main(["run", "xiaomi", "--format", "csv", "--diagnostics"]) == 0
    captured = capsys.readouterr()
    table = pd.read_csv(StringIO(captured.out))
    assert len(table) == 20
    assert captured.err.startswith("Diagnostics: 4 records")


def test_diagnostics_output_file(tmp_path, capsys):
    path = tmp_path / "diagnostics.csv"
    assert main(["run", "xiaomi", "--diagnostics-output", str(path), "--format", "csv",
                 "--output", str(tmp_path / "windows.csv")]) == 0
    assert capsys.readouterr().out == ""
    written = pd.read_csv(path)
    expected = EventStudy(bundled_events("xiaomi")).fit().diagnostics
    assert list(written.columns) == ["event_id", "ticker", "kind", "detail"]
    assert written.astype(str).values.tolist() == expected.astype(str).values.tolist()


def test_outputs_must_differ_and_not_be_inputs(tmp_path, capsys):
    same = tmp_path / "out.csv"
    assert main(["run", "xiaomi", "--output", str(same), "--diagnostics-output", str(same)]) == 2
    err = capsys.readouterr().err
    assert "--output and --diagnostics-output name the same file" in err
    events = tmp_path / "events.csv"
    events.write_text("ticker,date,timing\n1810.HK,2021-05-11,during\n")
    before = events.read_text()
    assert main(["run", "--events", str(events), "--market", "^HSI", "--sessions-output",
                 str(events)]) == 2
    assert "--sessions-output" in capsys.readouterr().err and events.read_text() == before
    assert main(["run", "xiaomi", "--diagnostics-output", str(tmp_path)]) == 2
    assert "--diagnostics-output" in capsys.readouterr().err
