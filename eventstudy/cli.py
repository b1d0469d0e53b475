"""Command line: ``eventstudy cases``, ``eventstudy run CASE`` or ``run --events FILE``,
``eventstudy fetch TICKER ...`` and ``eventstudy fetch-factors REGION [SET ...]``.

Any :class:`~eventstudy.errors.EventStudyError` prints one line on stderr and exits
with status 2; no traceback is shown for bad input. ``fetch`` and ``fetch-factors``
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
import sys
from pathlib import Path

import pandas as pd

from .calendar.align import candidate_sessions
from .core.design import (
    DEFAULT_ESTIMATION,
    DEFAULT_WINDOWS,
    RETURN_KINDS,
    StudyDesign,
    parse_window,
)
from .core.models import MODELS, LinearModel
from .core.results import GROUPINGS
from .core.study import EventStudy
from .errors import DataIntegrityError, EventStudyError, SpecificationError
from .events import Event, as_events, bundled_cases, bundled_events, read_catalog
from .sources import BundledPrices, FilePrices, PriceSource, ReturnSource
from .sources.bundled import data_dir
from .sources.cache import atomic_write
from .sources.factors import read_factors
from .version import __version__

WINDOW_OPTIONS = ("--estimation", "--window")


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


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="eventstudy", description="Event studies of policy actions on stock prices."
    )
    parser.add_argument("--version", action="version", version=f"eventstudy {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    commands.add_parser("cases", help="list the bundled cases and their events")
    run = commands.add_parser("run", help="run the event study of a bundled case or your own")
    run.add_argument(
        "case", nargs="?", help="a bundled case, e.g. xiaomi (see `eventstudy cases`)"
    )
    run.add_argument(
        "--events", type=Path, metavar="FILE",
        help="your event catalog instead of a CASE: a CSV or parquet file with at least "
        "the columns ticker and date (see README)",
    )
    run.add_argument(
        "--prices", type=Path, metavar="FILE_OR_DIR",
        help="your prices: a CSV/parquet file or a folder of <TICKER>.csv files "
        "(default: the bundled snapshot)",
    )
    run.add_argument(
        "--return-data", type=Path, metavar="FILE",
        help="daily returns instead of prices: a CSV or parquet file, long (permno or "
        "ticker, date, ret), wide or CRSP-shaped (see README)",
    )
    run.add_argument(
        "--id-column", metavar="NAME",
        help="the identifier column of --return-data when it has several (e.g. permno)",
    )
    run.add_argument(
        "--market", metavar="TICKER",
        help="market index for the events whose catalog row names none; with --return-data "
        "also a column of market returns (e.g. vwretd)",
    )
    run.add_argument(
        "--exchange", metavar="CODE",
        help="exchange calendar (e.g. XNYS) of the --events rows that name none; "
        "otherwise it comes from the ticker's suffix (.HK -> XHKG)",
    )
    run.add_argument("--model", choices=tuple(MODELS), default="market")
    run.add_argument(
        "--estimation", type=_window, default=DEFAULT_ESTIMATION, metavar="A,B",
        help="estimation window in sessions relative to the event (default -250,-11)",
    )
    run.add_argument(
        "--window", type=_window, action="append", metavar="A,B",
        help="event window, repeatable (default 0,0 -1,1 0,1 -5,5)",
    )
    run.add_argument("--returns", choices=RETURN_KINDS, default="simple")
    run.add_argument("--min-estimation", type=int, default=120, metavar="N")
    run.add_argument(
        "--keep-other-events", action="store_true",
        help="do not remove the security's other event windows from estimation windows",
    )
    run.add_argument("--unknown-timing", choices=("earliest", "latest", "both"), default="earliest")
    run.add_argument(
        "--tests", choices=("none", "all"), default="none",
        help="add the pooled multi-event test battery (CSV: one row per window)",
    )
    run.add_argument(
        "--by-day", action="store_true",
        help="pooled AAR/CAAR and the daily tests per relative day (CSV: one row per day)",
    )
    run.add_argument(
        "--group-by", choices=GROUPINGS, default=None,
        help="pool each group of events separately, e.g. event_id for a shared announcement",
    )
    run.add_argument("--seed", type=int, default=0, help="seed of the bootstrap test (default 0)")
    run.add_argument(
        "--factors", type=Path, action="append", metavar="FILE",
        help="daily factor file (Ken French CSV or date,factor... in fractions), repeatable; "
        "needed by --model ff3, carhart, ff5",
    )
    run.add_argument(
        "--regressor", action="append", metavar="NAME",
        help="a linear model on these regressors instead of --model, repeatable: a ticker "
        "(^HSI), f:FACTOR (a column of --factors), 'market' (each event's index), or a "
        "formula 'ret - f:rf ~ f:mkt_rf + ^HSI'",
    )
    run.add_argument("--format", choices=("table", "csv"), default="table")
    run.add_argument("--output", type=Path, metavar="FILE", help="also write the CSV to FILE")
    fetch = commands.add_parser("fetch", help="download daily prices from Yahoo into the cache")
    fetch.add_argument("tickers", nargs="+", metavar="TICKER", help="Yahoo tickers, e.g. ^HSI")
    fetch.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="first day")
    fetch.add_argument("--end", required=True, metavar="YYYY-MM-DD", help="last day (inclusive)")
    fetch.add_argument(
        "--cache", type=Path, metavar="DIR",
        help="cache folder (default: $EVENTSTUDY_CACHE or the user cache folder)",
    )
    fetch.add_argument(
        "--auto-adjust", action="store_true",
        help="yfinance auto_adjust=True: adjusted OHLC (default keeps close and adjusted close)",
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


def _cases() -> str:
    cases = bundled_cases()
    lines = []
    for case, info in cases.iterrows():
        lines.append(f"{case}: {info['title']}")
        for event in bundled_events(case):
            sessions = " or ".join(str(s.date()) for s in candidate_sessions(event))
            lines.append(
                f"  {event.id:<28} {event.ticker:<8} {event.type:<16} "
                f"{event.announced:<38} -> {event.exchange} {sessions}"
            )
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> str:
    if args.output is not None:
        _check_output(args.output, _inputs(args))
    design = StudyDesign(
        estimation=args.estimation,
        windows=tuple(args.window or DEFAULT_WINDOWS),
        min_estimation=args.min_estimation,
        exclude_other_events=not args.keep_other_events,
        returns=args.returns,
        unknown_timing=args.unknown_timing,
    )
    factors = read_factors(args.factors) if args.factors else None
    events, prices = _study_inputs(args)
    results = EventStudy(
        events, prices=prices, model=_model(args), design=design, factors=factors
    ).fit()
    if args.by_day:
        table = results.aar(group_by=args.group_by)
    elif args.tests == "all":
        table = results.caar(group_by=args.group_by, seed=args.seed)
    else:
        table = results.to_frame()
    if args.output is not None:
        _write_csv(table, args.output)
    if args.format == "csv":
        return "" if args.output is not None else table.to_csv(index=False)
    text = results.summary()
    if args.tests == "all" or args.by_day:
        text += "\n\n" + results.pooled_summary(group_by=args.group_by, seed=args.seed)
    return text


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
    given = [args.events, args.prices, args.return_data, *(args.factors or [])]
    inputs = [Path(p) for p in given if p is not None]
    try:
        bundled = data_dir()
    except DataIntegrityError:  # not installed: a study of the user's own data needs none
        return inputs
    return [*inputs, bundled / "prices", bundled / "events"]


def _check_output(output: Path, inputs: list[Path]) -> None:
    """Refuse an ``--output`` that is an input file or a file of an input folder (whose
    files are a price folder's tickers)."""
    if output.is_dir():
        raise SpecificationError(f"--output {output} is a folder; give a file name")
    target = output.resolve()
    for given in inputs:
        source = given.resolve()
        inside = source.is_dir() and source == target.parent
        if target == source or inside or _same_file(output, given):
            what = f"in the input folder {given}" if inside else f"the input {given}"
            raise SpecificationError(
                f"--output {output} is {what}; writing it would overwrite the study's own "
                "data: give another file"
            )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # (hard links and symbolic links too)
    except OSError:
        return False


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    data = table.to_csv(index=False).encode()
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
    if args.command == "run" and (args.case is None) == (args.events is None):
        parser.error("run needs either a bundled CASE (see `eventstudy cases`) or --events FILE")
    if args.command == "run" and args.exchange and args.events is None:
        parser.error("--exchange gives the exchange of --events FILE rows; the bundled cases "
                     "name their own")
    try:
        if args.command == "fetch":
            return _fetch(args)
        if args.command == "fetch-factors":
            return _fetch_factors(args)
        text = _cases() if args.command == "cases" else _run(args)
    except EventStudyError as exc:
        _error(str(exc))
        return 2
    except BrokenPipeError:  # (fetch prints as it goes): main() ends quietly
        raise
    except OSError as exc:  # reading an input or writing --output
        _error(str(exc))
        return 2
    if text:
        print(text.rstrip("\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
