"""Command line: ``eventstudy cases [CASE]``, ``eventstudy run CASE`` or ``run --events
FILE``, ``eventstudy fetch TICKER ...`` and ``eventstudy fetch-factors REGION [SET ...]``.

Every option's help gives its default (``eventstudy run --help`` also describes the
run and shows examples). ``run`` prints the results' summary (event sessions and
windows, with confidence intervals at ``--level``) or, with ``--format csv``, a table;
``--sessions-output``, ``--diagnostics-output`` write the event sessions' and the
diagnostics' CSV, and ``--diagnostics`` prints the diagnostics table.

Any :class:`~eventstudy.errors.EventStudyError` prints one line on stderr and exits
with status 2; no traceback is shown for bad input. A message that names a Python
keyword of the library (``min_estimation=``) names the option instead
(``--min-estimation``, see :data:`CLI_WORDS`). ``fetch`` and ``fetch-factors``
exit with status 1 when a download failed (the cache of that ticker or factor set is
kept as it was).

Output: a closed pipe (``eventstudy run xiaomi | head -1``) ends the command quietly
with status 141, as a tool killed by SIGPIPE; output that cannot be written (a full
disk, ``> /dev/full``) is one line on stderr and status 2. ``--output FILE`` is
written to a temporary file with a unique name beside it and renamed over it, so a
failed or concurrent run never leaves half a file or clobbers another file (a
device or pipe, ``--output /dev/stdout``, is written directly); an output that is
one of the run's inputs (the catalog, a price, return or factor file, or any file in
the ``--prices`` folder or the bundled data) is refused before the study runs.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import textwrap
import warnings
from pathlib import Path

import pandas as pd

from .calendar.align import UNKNOWN_TIMING_RULES, candidate_sessions
from .core.characteristics import CANDIDATES, KEYS
from .core.design import (
    DEFAULT_ESTIMATION,
    DEFAULT_WINDOWS,
    RETURN_KINDS,
    StudyDesign,
    parse_window,
)
from .core.diagnostics import counted
from .core.models import MODELS, LinearModel
from .core.results import GROUPINGS, WINDOW_COLUMNS
from .core.secondstage import comparison_summary
from .core.study import EventStudy
from .errors import DataIntegrityError, EventStudyError, ExcludedEventsWarning, SpecificationError
from .events import Event, as_events, bundled_cases, bundled_events, read_catalog
from .events.event import announced_labels
from .sources import BundledPrices, FilePrices, PriceSource, ReturnSource
from .sources.bundled import data_dir
from .sources.cache import atomic_write
from .sources.factors import read_factors
from .sources.readers import read_csv_text, read_parquet, read_text
from .stats.crosssection import DEPENDENT
from .stats.intervals import DEFAULT_LEVEL, check_level
from .version import __version__

WINDOW_OPTIONS = ("--estimation", "--window", "--compare-window")


class _OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr and status 2, like every other error."""

    def error(self, message: str):
        self.exit(2, f"eventstudy: error: {message} (see `{self.prog} --help`)\n")

    def _print_message(self, message: str, file=None) -> None:
        # argparse ignores a failed write (--help > /dev/full would say nothing, status 0):
        # let main() report it.
        if message:
            (file or sys.stderr).write(message)


def _window(text: str) -> tuple[int, int]:
    try:
        return parse_window(text)
    except EventStudyError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _level(text: str) -> float:
    try:
        return check_level(float(text), "the confidence level")
    except ValueError as exc:  # (SpecificationError is a ValueError too)
        message = str(exc) if isinstance(exc, EventStudyError) else (
            f"the confidence level must be a number between 0 and 1, e.g. 0.95, not {text!r}")
        raise argparse.ArgumentTypeError(message) from exc


RUN_DESCRIPTION = """\
Run the event study of a bundled case (CASE) or of your own events (--events FILE):
align each announcement with the first session that could react, fit the normal-return
model on the estimation window, and print the event sessions' moves (close-to-close,
peak and trough) and every window's CAR with its standard error, confidence interval,
t test and raw return; --tests all adds the pooled tests. --format csv prints a table
instead (or --output FILE writes it); --diagnostics shows what the study excluded or
flagged.

Returns are fractions in the CSV files (0.061 = 6.1%), percent in the printed tables."""

RUN_EXAMPLES = """\
examples:
  eventstudy run xiaomi                                   the results of a bundled case
  eventstudy run xiaomi --window 0,1 --level 0.9          another window and level
  eventstudy run xiaomi --format csv --output xiaomi.csv --sessions-output sessions.csv
  eventstudy run telecoms --tests all --group-by event_id  pooled tests per announcement
  eventstudy run xiaomi --diagnostics                     what was excluded, and why
  eventstudy run --events mine.csv --prices prices/ --market ^HSI   your own study
  eventstudy run --events mine.csv --return-data crsp.csv --market vwretd"""


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="eventstudy", description="Event studies of policy actions on stock prices.",
        epilog="`eventstudy COMMAND --help` describes each command and its options.",
    )
    parser.add_argument("--version", action="version", version=f"eventstudy {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser,
                                     metavar="COMMAND")
    cases = commands.add_parser(
        "cases", help="list the bundled cases, or show one", description="List the bundled "
        "cases with their events and the sessions those reach; with CASE, show that case's "
        "events in full (announcement, session, description and source).")
    cases.add_argument("case", nargs="?", metavar="CASE",
                       help="a bundled case to show in full, e.g. xiaomi (default: list all)")
    run = commands.add_parser(
        "run", help="run the event study of a bundled case or of your own events",
        description=RUN_DESCRIPTION, epilog=RUN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "case", nargs="?", metavar="CASE",
        help="a bundled case, e.g. xiaomi (see `eventstudy cases`); give a CASE or --events "
        "FILE, not both (no default)",
    )
    inputs = run.add_argument_group("events and data")
    inputs.add_argument(
        "--events", type=Path, metavar="FILE",
        help="your event catalog instead of a CASE: a CSV or parquet file with at least the "
        "columns ticker and date (default: none, give a CASE)",
    )
    inputs.add_argument(
        "--prices", type=Path, metavar="FILE_OR_DIR",
        help="your prices: a CSV/parquet file or a folder of <TICKER>.csv files "
        "(default: the bundled snapshot)",
    )
    inputs.add_argument(
        "--return-data", type=Path, metavar="FILE",
        help="daily returns instead of prices: a CSV or parquet file, long (permno or "
        "ticker, date, ret), wide or CRSP-shaped (default: none, prices are used)",
    )
    inputs.add_argument(
        "--id-column", metavar="NAME",
        help="the identifier column of --return-data when it has several, e.g. permno "
        "(default: its only one)",
    )
    inputs.add_argument(
        "--market", metavar="TICKER",
        help="market index of the events whose catalog row names none; with --return-data "
        "also a column of market returns, e.g. vwretd (default: each row's own)",
    )
    inputs.add_argument(
        "--exchange", metavar="CODE",
        help="exchange calendar, e.g. XNYS, of the --events rows that name none (default: "
        "from the ticker's suffix, .HK -> XHKG)",
    )
    inputs.add_argument(
        "--factors", type=Path, action="append", metavar="FILE",
        help="daily factor file (Ken French CSV or date,factor... in fractions), repeatable; "
        "needed by --model ff3, carhart, ff5 (default: none)",
    )
    design = run.add_argument_group("model and design")
    design.add_argument(
        "--model", choices=tuple(MODELS), default="market", metavar="NAME",
        help=f"normal-return model: {', '.join(MODELS)} (default: market)",
    )
    design.add_argument(
        "--estimation", type=_window, default=DEFAULT_ESTIMATION, metavar="A,B",
        help="estimation window, in sessions relative to the event (default: "
        f"{DEFAULT_ESTIMATION[0]},{DEFAULT_ESTIMATION[1]})",
    )
    design.add_argument(
        "--window", type=_window, action="append", metavar="A,B",
        help="event window, repeatable (default: "
        f"{' '.join(f'{a},{b}' for a, b in DEFAULT_WINDOWS)})",
    )
    design.add_argument(
        "--returns", choices=RETURN_KINDS, default="simple", metavar="KIND",
        help="return definition: simple or log (default: simple)",
    )
    design.add_argument(
        "--min-estimation", type=int, default=StudyDesign.min_estimation, metavar="N",
        help="the fewest usable estimation returns an event may have (default: "
        f"{StudyDesign.min_estimation})",
    )
    design.add_argument(
        "--keep-other-events", action="store_true",
        help="keep the security's other events' windows in each estimation window "
        "(default: off, they are removed)",
    )
    design.add_argument(
        "--unknown-timing", choices=UNKNOWN_TIMING_RULES, default="earliest", metavar="RULE",
        help="session(s) of announcements of unknown time of day: earliest, latest or both "
        "(default: earliest)",
    )
    design.add_argument(
        "--regressor", action="append", metavar="NAME",
        help="a linear model on these regressors instead of --model, repeatable: a ticker "
        "(^HSI), f:FACTOR (a column of --factors), 'market' (each event's index), or a "
        "formula 'ret - f:rf ~ f:mkt_rf + ^HSI' (default: none, --model is used)",
    )
    design.add_argument(
        "--level", type=_level, default=DEFAULT_LEVEL, metavar="L",
        help=f"confidence level of the intervals, between 0 and 1 (default: {DEFAULT_LEVEL})",
    )
    pooled = run.add_argument_group("pooled tests")
    pooled.add_argument(
        "--tests", choices=("none", "all"), default="none", metavar="{none,all}",
        help="all: add the pooled multi-event tests per window (CSV: one row per window) "
        "(default: none)",
    )
    pooled.add_argument(
        "--by-day", action="store_true",
        help="the pooled AAR/CAAR and the daily tests per relative day (CSV: one row per "
        "day) (default: off)",
    )
    pooled.add_argument(
        "--group-by", choices=GROUPINGS, default=None, metavar="COLUMN",
        help=f"pool each group of events separately: {', '.join(GROUPINGS)}, e.g. event_id "
        "for a shared announcement (default: pool all events)",
    )
    pooled.add_argument(
        "--seed", type=int, default=0, metavar="N",
        help="seed of the bootstrap test (default: 0)",
    )
    output = run.add_argument_group("output")
    output.add_argument(
        "--format", choices=("table", "csv"), default="table", metavar="{table,csv}",
        help="table: print the summary; csv: print the table as CSV (the windows, or the "
        "pooled rows with --tests all or --by-day) (default: table)",
    )
    output.add_argument(
        "--output", type=Path, metavar="FILE",
        help="also write that CSV to FILE; with --format csv, instead of printing it "
        "(default: none)",
    )
    output.add_argument(
        "--sessions-output", type=Path, metavar="FILE",
        help="write the event sessions' CSV (previous close, high, low, close, "
        "close-to-close, peak and trough moves; one row per event) to FILE (default: none)",
    )
    output.add_argument(
        "--diagnostics", action="store_true",
        help="print the diagnostics table, what the study excluded or flagged and why "
        "(on stderr when the CSV goes to stdout) (default: off)",
    )
    output.add_argument(
        "--diagnostics-output", type=Path, metavar="FILE",
        help="write the diagnostics table as CSV to FILE (default: none)",
    )
    _add_compare_options(run)
    parser.set_defaults(run_parser=run)
    fetch = commands.add_parser(
        "fetch", help="download daily prices from Yahoo into the cache",
        description="Download daily prices from Yahoo Finance (yfinance) into the local "
        "cache, which later runs read offline; exits with status 1 if a download failed "
        "(that ticker's cache is kept as it was).",
    )
    fetch.add_argument("tickers", nargs="+", metavar="TICKER",
                       help="Yahoo tickers, e.g. 1810.HK ^HSI (no default: at least one)")
    fetch.add_argument("--start", required=True, metavar="YYYY-MM-DD",
                       help="first day (required, no default)")
    fetch.add_argument("--end", required=True, metavar="YYYY-MM-DD",
                       help="last day, inclusive (required, no default)")
    fetch.add_argument(
        "--cache", type=Path, metavar="DIR",
        help="cache folder (default: $EVENTSTUDY_CACHE or the user cache folder)",
    )
    fetch.add_argument(
        "--auto-adjust", action="store_true",
        help="yfinance auto_adjust=True: adjusted OHLC (default: off, close and adjusted "
        "close are kept)",
    )
    _add_fetch_factors(commands)
    return parser


def _add_fetch_factors(commands) -> None:
    """``fetch-factors REGION [SET ...]``: French's daily factors into the cache."""
    from .sources.french import MODEL_SETS, REGIONS, SETS

    parser = commands.add_parser(
        "fetch-factors", help="download daily factors from Ken French's data library into "
        "the cache (files for run --factors)",
    )
    parser.add_argument("region", choices=REGIONS, help="the securities' region")
    parser.add_argument(
        "sets", nargs="*", default=["carhart"], metavar="SET",
        help=f"a factor model ({', '.join(MODEL_SETS)}; default carhart) or sets "
        f"({', '.join(SETS)})",
    )
    parser.add_argument(
        "--cache", type=Path, metavar="DIR",
        help="cache folder (default: $EVENTSTUDY_CACHE or the user cache folder)",
    )


# ----- run --compare: the CARs of groups of events -----------------------------------------
COMPARE_KEYS = ("event_id", "ticker", "event_id,ticker")


def _add_compare_options(run: argparse.ArgumentParser) -> None:
    """The options of ``run --compare`` (:meth:`EventStudyResults.compare`)."""
    group = run.add_argument_group("group comparison")
    group.add_argument(
        "--compare", metavar="COLUMN",
        help="compare the groups of COLUMN per window: Welch's t and the Mann-Whitney U for "
        "two groups, the Kruskal-Wallis H for more; a column of the results (event_type, "
        "event_id, ticker, case, event_session, candidate) or of --characteristics "
        "(CSV: one row per window and group) (default: none)",
    )
    group.add_argument(
        "--compare-window", type=_window, metavar="A,B",
        help="the one window --compare compares, one of the run's windows (default: every "
        "window)",
    )
    group.add_argument(
        "--measure", choices=DEPENDENT, default="car", metavar="NAME",
        help="what --compare compares: car, bhar or scar, the CAR over its standard error "
        "(default: car)",
    )
    group.add_argument(
        "--characteristics", type=Path, metavar="FILE",
        help="event or firm characteristics for --compare: a CSV or parquet file with an "
        "event_id or a ticker column, or both (default: none)",
    )
    group.add_argument(
        "--on", choices=COMPARE_KEYS, metavar="KEYS",
        help="the column(s) --characteristics joins on: event_id, ticker or event_id,ticker "
        "(default: those of the two that the file has)",
    )
    group.add_argument(
        "--candidate", choices=CANDIDATES, default="earliest", metavar="NAME",
        help="with --unknown-timing both, the candidate session whose CARs --compare uses, "
        "earliest or latest (never both) (default: earliest)",
    )


def _check_compare_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Usage errors of ``run --compare`` and its options."""
    given = {"--compare-window": args.compare_window, "--characteristics": args.characteristics,
             "--on": args.on}
    for option, value in given.items():
        if value is not None and args.compare is None:
            parser.error(f"{option} goes with --compare COLUMN, which is not given")
    if args.compare is None:
        return
    if args.tests == "all" or args.by_day:
        parser.error("--compare and --tests all or --by-day each choose the pooled table; "
                     "give one of them")
    if args.on is not None and args.characteristics is None:
        parser.error("--on names the key of --characteristics FILE, which is not given")
    windows = args.window or DEFAULT_WINDOWS
    if args.compare_window is not None and args.compare_window not in windows:
        shown = " ".join(f"{a},{b}" for a, b in windows)
        parser.error(f"--compare-window {args.compare_window[0]},{args.compare_window[1]} is "
                     f"not one of the run's windows ({shown}); add it with --window")
    if args.characteristics is None and not _comparable(args.compare, ()):
        parser.error(f"--compare {args.compare}: not a column of the results; give one of "
                     f"{', '.join(_COMPARABLE)}, or a column of --characteristics FILE")


_COMPARABLE = (*GROUPINGS, "candidate")  # (what the messages suggest; any column will do)


def _comparable(column: str, characteristics) -> bool:
    return column in (*WINDOW_COLUMNS, *characteristics) and column not in DEPENDENT


def _read_characteristics(args: argparse.Namespace) -> pd.DataFrame | None:
    """``--characteristics FILE`` (keys read as text), its columns checked against
    ``--compare`` and ``--on``."""
    path = args.characteristics
    if path is None:
        return None
    if path.suffix.lower() == ".parquet":
        table = read_parquet(path, DataIntegrityError)
    else:
        table = read_csv_text(read_text(path, DataIntegrityError), path, DataIntegrityError,
                              dtype=dict.fromkeys(KEYS, str))
    if not _comparable(args.compare, table.columns):
        raise SpecificationError(
            f"--compare {args.compare}: not a column of the results ({', '.join(_COMPARABLE)}"
            f"...) nor of --characteristics {path}")
    keys = args.on.split(",") if args.on else [k for k in KEYS if k in table.columns]
    if not keys:
        raise SpecificationError(
            f"--characteristics {path} has neither an event_id nor a ticker column to join on")
    absent = [key for key in keys if key not in table.columns]
    if absent:
        raise SpecificationError(
            f"--on {args.on}: --characteristics {path} has no {absent[0]} column")
    return table


def _comparison(args: argparse.Namespace, results, characteristics) -> pd.DataFrame:
    """The ``--compare`` table; the rows left out are shown with it, not as a warning."""
    on = tuple(args.on.split(",")) if args.on else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExcludedEventsWarning)
        return results.compare(args.compare, window=args.compare_window, data=characteristics,
                               on=on, measure=args.measure, candidate=args.candidate)


def _left_out_text(table: pd.DataFrame) -> str:
    """The event rows ``--compare`` left out, one line each, with a header line."""
    excluded = pd.DataFrame(table.attrs["excluded"])
    if not len(excluded):
        return ""
    lines = [f"{r.event_id} {r.ticker} ({r.window_start},{r.window_end}): {r.reason}"
             for r in excluded.itertuples()]
    return "\n".join([f"Left out of --compare: {len(lines)} event rows", *lines])


def _fetch_factors(args: argparse.Namespace) -> int:
    from .sources.french import fetch_factors

    sets = args.sets[0] if len(args.sets) == 1 else args.sets
    reports = fetch_factors(args.region, sets, args.cache)
    for report in reports:
        print(report, file=sys.stdout if report.ok else sys.stderr)
    return 0 if all(r.ok for r in reports) else 1


def _join_negative_values(argv: list[str]) -> list[str]:
    """Let ``--window -1,1`` through: argparse would take ``-1,1`` for an option."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] in WINDOW_OPTIONS and arg.startswith("-"):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def _cases(case: str | None) -> str:
    cases = bundled_cases()
    if case is not None:
        return _one_case(case, cases)
    blocks = ["Bundled cases (`eventstudy cases CASE` shows one in full):"]
    for name, info in cases.iterrows():
        table = _events_table(bundled_events(name))
        blocks.append(f"\n{name}: {info['title']}\n" + textwrap.indent(table, "  "))
    return "\n".join(blocks)


def _events_table(events) -> str:
    """The events with headers: id, ticker, type, announcement, exchange and sessions."""
    frame = pd.DataFrame({
        "event": [e.id for e in events],
        "ticker": [e.ticker for e in events],
        "type": [e.type for e in events],
        "announced": announced_labels(events),
        "exchange": [e.exchange for e in events],
        "session": [" or ".join(str(s.date()) for s in candidate_sessions(e)) for e in events],
    })
    return _left_aligned(frame)


def _one_case(case: str, cases: pd.DataFrame) -> str:
    events = bundled_events(case)  # (an unknown case is a CatalogError naming the cases)
    info = cases.loc[case]
    lines = [f"{case}: {info['title']}", *textwrap.wrap(str(info["summary"]), 88), "",
             _events_table(events), ""]
    for event in events:
        lines.append(f"{event.id} ({event.type}, {event.ticker}, market {event.market})")
        lines += textwrap.wrap(event.description, 88, initial_indent="  ",
                               subsequent_indent="  ")
        if event.source:
            lines += textwrap.wrap(f"source: {event.source}", 88, initial_indent="  ",
                                   subsequent_indent="  ")
    lines.append("")
    lines.append(f"Run it: eventstudy run {case}")
    return "\n".join(lines)


def _left_aligned(frame: pd.DataFrame) -> str:
    widths = {c: max([len(c), *(len(str(v)) for v in frame[c])]) for c in frame.columns}
    rows = [[str(c) for c in frame.columns],
            *([str(v) for v in row] for row in frame.itertuples(index=False))]
    return "\n".join(
        " ".join(v.ljust(widths[c]) for v, c in zip(row, frame.columns, strict=True)).rstrip()
        for row in rows
    )


def _outputs(args: argparse.Namespace) -> dict[str, Path]:
    """The files the run writes, by option."""
    named = {"--output": args.output, "--sessions-output": args.sessions_output,
             "--diagnostics-output": args.diagnostics_output}
    return {option: path for option, path in named.items() if path is not None}


def _run(args: argparse.Namespace) -> tuple[str, str]:
    """Run the study; the text for stdout and the text for stderr."""
    outputs = _outputs(args)
    inputs = _inputs(args)
    for option, path in outputs.items():
        _check_output(path, inputs, option)
    _check_distinct(outputs)
    design = StudyDesign(
        estimation=args.estimation,
        windows=tuple(args.window or DEFAULT_WINDOWS),
        min_estimation=args.min_estimation,
        exclude_other_events=not args.keep_other_events,
        returns=args.returns,
        unknown_timing=args.unknown_timing,
        level=args.level,
    )
    characteristics = _read_characteristics(args)  # (before the study: a bad file fails fast)
    factors = read_factors(args.factors) if args.factors else None
    events, prices = _study_inputs(args)
    results = EventStudy(
        events, prices=prices, model=_model(args), design=design, factors=factors
    ).fit()
    if args.by_day:
        table = results.aar(group_by=args.group_by)
    elif args.tests == "all":
        table = results.caar(group_by=args.group_by, seed=args.seed)
    elif args.compare:
        table = _comparison(args, results, characteristics)
    else:
        table = results.to_frame()
    if args.output is not None:
        _write_csv(table, args.output)
    if args.sessions_output is not None:
        _write_csv(results.to_frame("sessions"), args.sessions_output)
    if args.diagnostics_output is not None:
        _write_csv(results.to_frame("diagnostics"), args.diagnostics_output)
    diagnostics = _diagnostics_text(results.diagnostics) if args.diagnostics else ""
    if args.format == "csv":
        left_out = _left_out_text(table) if args.compare else ""
        if args.output is not None:
            return diagnostics, left_out
        # stdout holds the CSV: diagnostics (and rows left out) on stderr
        return _csv_text(table), "\n\n".join(filter(None, [diagnostics, left_out]))
    text = str(results.summary())
    if args.tests == "all" or args.by_day:
        text += "\n\n" + str(results.pooled_summary(group_by=args.group_by, seed=args.seed))
    if args.compare:
        text += "\n\n" + str(comparison_summary(table, args.compare, results.model,
                                                 results.level))
    if diagnostics:
        text += "\n\n" + diagnostics
    return text, ""


def _diagnostics_text(diagnostics: pd.DataFrame) -> str:
    """The diagnostics table with a header line; every column has a heading."""
    if not len(diagnostics):
        return "Diagnostics: none (the study excluded and flagged nothing)"
    title = (f"Diagnostics: {counted(len(diagnostics), 'record')} of what the study excluded "
             "or flagged\n(the kinds are explained on the documentation's Diagnostics page)")
    return title + "\n" + _left_aligned(diagnostics.astype(str))


def _model(args: argparse.Namespace) -> str | LinearModel:
    """``--model``, or the linear model of the ``--regressor`` terms (joined by '+')."""
    if not args.regressor:
        return args.model
    if args.model != "market":  # (the default, which --regressor replaces)
        raise SpecificationError(
            f"--regressor makes the model a linear model on its regressors; drop --model "
            f"{args.model}"
        )
    return LinearModel(" + ".join(args.regressor))


def _study_inputs(args: argparse.Namespace) -> tuple[tuple[Event, ...], PriceSource | None]:
    """The events (a bundled case or --events) and the data (--prices, --return-data or
    the bundled snapshot)."""
    market = args.market
    if args.return_data is not None:
        if args.prices is not None:
            raise SpecificationError("give --prices or --return-data, not both")
        prices = ReturnSource(args.return_data, market=market, id_column=args.id_column)
        market = prices.market
    else:
        prices = FilePrices(args.prices) if args.prices is not None else None
    if args.events is None:
        return as_events(bundled_events(args.case), market=market), prices
    known = (prices if prices is not None else BundledPrices()).tickers()
    events = read_catalog(args.events, known_tickers=known, exchange=args.exchange,
                          market=market)
    return events, prices


def _fetch(args: argparse.Namespace) -> int:
    from .sources.yahoo import fetch

    reports = fetch(args.tickers, args.start, args.end, args.cache, auto_adjust=args.auto_adjust)
    for report in reports:
        print(report, file=sys.stdout if report.ok else sys.stderr)
    return 0 if all(r.ok for r in reports) else 1


def _inputs(args: argparse.Namespace) -> list[Path]:
    """Files and folders the run reads: its catalog, prices, returns and factors, and
    the bundled data (catalogs and snapshot), which no output belongs in."""
    given = [args.events, args.prices, args.return_data, args.characteristics,
             *(args.factors or [])]
    inputs = [Path(p) for p in given if p is not None]
    try:
        bundled = data_dir()
    except DataIntegrityError:  # not installed: a study of the user's own data needs none
        return inputs
    return [*inputs, bundled / "prices", bundled / "events"]


def _check_output(output: Path, inputs: list[Path], option: str = "--output") -> None:
    """Refuse an output (``--output`` or another ``option``) that is an input file or a
    file of an input folder (whose files are a price folder's tickers)."""
    if output.is_dir():
        raise SpecificationError(f"{option} {output} is a folder; give a file name")
    target = output.resolve()
    for given in inputs:
        source = given.resolve()
        inside = source.is_dir() and source == target.parent
        if target == source or inside or _same_file(output, given):
            what = f"in the input folder {given}" if inside else f"the input {given}"
            raise SpecificationError(
                f"{option} {output} is {what}; writing it would overwrite the study's own "
                "data: give another file"
            )


def _check_distinct(outputs: dict[str, Path]) -> None:
    """Refuse two outputs that are one file: the second would overwrite the first."""
    seen: dict[Path, str] = {}
    for option, path in outputs.items():
        target = path.resolve()
        if target in seen and not (path.exists() and not path.is_file()):
            raise SpecificationError(
                f"{seen[target]} and {option} name the same file {path}; give each its own")
        seen[target] = option


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # (hard links and symbolic links too)
    except OSError:
        return False


def _csv_text(table: pd.DataFrame) -> str:
    return table.to_csv(index=False)


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    data = _csv_text(table).encode()
    if path.exists() and not path.is_file():  # a device or pipe: nothing to replace
        with path.open("wb") as out:
            out.write(data)
        return
    atomic_write(path, data)  # never half a report, nor another run's temporary


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``eventstudy`` command (see the module docstring)."""
    try:
        status = _main(argv)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
    except SystemExit:  # argparse's --help, --version and usage errors
        _flush_or_exit()
        raise
    except BrokenPipeError:
        return _closed_pipe()
    except OSError as exc:
        return _unwritable(exc)
    return status


def _flush_or_exit() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        sys.exit(_closed_pipe())
    except OSError as exc:
        sys.exit(_unwritable(exc))


def _closed_pipe() -> int:
    """The reader went away (``| head``): stop quietly, as a tool killed by SIGPIPE."""
    try:  # the interpreter's last flush of stdout would fail again, with a message
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # stdout is no file (captured): nothing more is flushed to it
    return 141


def _unwritable(exc: OSError) -> int:
    _closed_pipe()  # drop what is still buffered for stdout
    _error(f"cannot write the output ({exc.strerror or exc})")
    return 2


def _error(message: str) -> None:
    try:
        print(f"eventstudy: error: {message}", file=sys.stderr)
    except OSError:
        pass  # stderr is gone too: the status says it


def _main(argv: list[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(_join_negative_values(sys.argv[1:] if argv is None else argv))
    if args.command == "run":
        _check_run_arguments(args.run_parser, args)
    try:
        if args.command == "fetch":
            return _fetch(args)
        if args.command == "fetch-factors":
            return _fetch_factors(args)
        if args.command == "cases":
            text, notes = _cases(args.case), ""
        else:
            text, notes = _run(args)
    except EventStudyError as exc:
        _error(cli_message(str(exc)))
        return 2
    except BrokenPipeError:  # (fetch prints as it goes): main() ends quietly
        raise
    except OSError as exc:  # reading an input or writing --output
        _error(str(exc))
        return 2
    if text:
        print(text.rstrip("\n"))
    if notes:
        sys.stdout.flush()  # (the results first, then what goes to stderr)
        print(notes.rstrip("\n"), file=sys.stderr)
    return 0


def _check_run_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Usage errors of ``run`` that argparse cannot see by itself."""
    if args.case is not None and args.events is not None:
        parser.error(f"run takes a bundled CASE ({args.case}) or --events FILE, not both")
    if args.case is None and args.events is None:
        parser.error("run needs a bundled CASE (see `eventstudy cases`) or --events FILE")
    if args.exchange and args.events is None:
        parser.error("--exchange gives the exchange of --events FILE rows; the bundled cases "
                     "name their own")
    if args.id_column is not None and args.return_data is None:
        parser.error("--id-column names a column of --return-data FILE, which is not given")
    _check_compare_arguments(parser, args)


# Python keywords in the library's messages, and the options that set them here: a
# message from a command-line run names the option the user typed.
CLI_WORDS: tuple[tuple[str, str], ...] = (
    (r"\bmin_estimation=(\d+)", r"--min-estimation \1"),
    (r"\bmin_estimation\b", "--min-estimation"),
    (r"\bset exclude_other_events=False\b", "give --keep-other-events"),
    (r"\bexclude_other_events=False\b", "--keep-other-events"),
    (r"\bunknown_timing\b", "--unknown-timing"),
    (r"\b(exchange|market|id_column|factors)=(?=[\s,;)]|$)", r"--\1"),
    (r"\bexchange=", "--exchange "),
    (r"\bmarket=", "--market "),
    (r"\bid_column=", "--id-column "),
    (r"\(--market on the command line\)", "(--market)"),
    (r"\bmodel='(\w+)'", r"--model \1"),
    (r"pass factors=DataFrame \(eventstudy\.sources\.french\.french_factors downloads them; "
     r"--factors FILE on the command line\)",
     "give --factors FILE (eventstudy fetch-factors downloads them)"),
    (r"\bfactors=", "--factors "),
    (r"--id_column\b", "--id-column"),
    (r"\bprices= or returns=", "--prices or --return-data"),
    (r"\bseed must\b", "--seed must"),
    (r"\blevel must\b", "--level must"),
)


def cli_message(message: str) -> str:
    """``message`` with the Python keywords of :data:`CLI_WORDS` as command-line options.

    >>> cli_message("fewer than min_estimation=120; lower min_estimation")
    'fewer than --min-estimation 120; lower --min-estimation'
    """
    for pattern, option in CLI_WORDS:
        message = re.sub(pattern, option, message)
    return message


if __name__ == "__main__":
    sys.exit(main())
