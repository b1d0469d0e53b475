"""Command line: ``eventstudy cases`` and ``eventstudy run CASE``.

Any :class:`~eventstudy.errors.EventStudyError` prints one line on stderr and exits
with status 2; no traceback is shown for bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from . import __version__
from .calendar import candidate_sessions
from .design import DEFAULT_ESTIMATION, DEFAULT_WINDOWS, StudyDesign, parse_window
from .errors import EventStudyError
from .events import bundled_cases, bundled_events
from .factors import read_factors
from .models import MODELS
from .results import GROUPINGS
from .returns import RETURN_KINDS
from .study import EventStudy

WINDOW_OPTIONS = ("--estimation", "--window")


class _OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr and status 2, like every other error."""

    def error(self, message: str):
        self.exit(2, f"eventstudy: error: {message} (see `{self.prog} --help`)\n")


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
    run = commands.add_parser("run", help="run the event study of a bundled case")
    run.add_argument("case", help="a bundled case, e.g. xiaomi (see `eventstudy cases`)")
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
    run.add_argument("--format", choices=("table", "csv"), default="table")
    run.add_argument("--output", type=Path, metavar="FILE", help="also write the CSV to FILE")
    return parser


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
    design = StudyDesign(
        estimation=args.estimation,
        windows=tuple(args.window or DEFAULT_WINDOWS),
        min_estimation=args.min_estimation,
        exclude_other_events=not args.keep_other_events,
        returns=args.returns,
        unknown_timing=args.unknown_timing,
    )
    factors = read_factors(args.factors) if args.factors else None
    results = EventStudy(
        bundled_events(args.case), model=args.model, design=design, factors=factors
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


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    table.to_csv(tmp, index=False)
    tmp.replace(path)  # never leave a half-written report behind


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``eventstudy`` command."""
    args = _parser().parse_args(_join_negative_values(sys.argv[1:] if argv is None else argv))
    try:
        text = _cases() if args.command == "cases" else _run(args)
    except EventStudyError as exc:
        print(f"eventstudy: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"eventstudy: error: {exc}", file=sys.stderr)
        return 2
    if text:
        print(text.rstrip("\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
