"""Engine speed and memory: N events from a seeded synthetic panel, end to end.

A panel of K securities and one market index over T sessions of the XNYS
calendar (market-model returns); N events at random (security, session) pairs;
estimation window [-260, -11] (250 sessions), event window [-10, +10] (21
sessions) and the windows (0, 0), (-1, +1). Timed ("total"): ``EventStudy(...).fit()``
(alignment, panel, market model, ARs, CARs with their variances; "fit"), the
per-event window table, and the pooled daily and window test batteries (``aar()``,
``caar()`` with its 999-draw bootstrap). Loading and validating the prices
(``FramePrices``) happens once per data set and is shown apart ("load"). Each N runs
in its own process so that its peak memory (max RSS, data and libraries included) is
its own; a least-squares line through the peaks gives the memory per event.

Random events of one security often fall in each other's estimation windows, so the
study keeps every estimation session (``exclude_other_events=False``). With
``--exclude-other-events`` it uses the default design instead: those sessions are
removed (masked least squares, one ``estimation_exclusion`` record per event) and the
events left with fewer than ``min_estimation`` returns are skipped and reported.

The baseline fits the market model per event with statsmodels OLS (fit, predict
the event window, CAR and its variance from ``cov_params``) for the first 1,000
events: the work of "fit". The last two columns compare with it: like for like
(fit) and end to end (total, which also runs the test battery the loop does not).
A second table splits the total into its stages and gives its CPU time (user and
system, all threads): spread over every core of the machine, that CPU time is the
least wall time the same work can take here.

    python benchmarks/bench_engine.py                 # N = 1,000, 10,000, 100,000
    python benchmarks/bench_engine.py --sizes 1000    # one size
    python benchmarks/bench_engine.py --exclude-other-events   # the default design
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

EST, WINDOW = (-260, -11), (-10, 10)
WINDOWS = [WINDOW, (0, 0), (-1, 1)]


def synthetic(n_securities: int, n_events: int, seed: int):
    """Price frames of K securities and an index, and N events on them."""
    import exchange_calendars as xcals

    from eventstudy.events import Event

    rng = np.random.default_rng(seed)
    # A calendar of its own (not the library's cached one, whose building is timed);
    # exchange_calendars' pandas deprecation warnings concern its internals.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        days = xcals.get_calendar("XNYS", start="2000-01-01").sessions_in_range(
            "2005-01-03", "2019-12-31"
        )
    market = rng.normal(0.0003, 0.01, len(days))
    frames = {"MKT": _frame(days, 1000 * np.exp(np.cumsum(market)))}
    betas = rng.uniform(0.5, 1.5, n_securities)
    for k in range(n_securities):
        returns = betas[k] * market + rng.normal(0, 0.02, len(days))
        frames[f"S{k:04d}"] = _frame(days, 50 * np.exp(np.cumsum(returns)))
    where = rng.integers(1 - EST[0], len(days) - WINDOW[1] - 1, n_events)  # windows fit
    which = rng.integers(0, n_securities, n_events)
    events = [
        Event(f"S{which[i]:04d}", days[where[i]].date(), id=f"e{i}", case="bench",
              exchange="XNYS", market="MKT", timing="before_open", timezone="America/New_York")
        for i in range(n_events)
    ]
    return frames, events


def _frame(days: pd.DatetimeIndex, close: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"open": close, "high": close * 1.01, "low": close * 0.99,
                         "close": close, "adj_close": close, "volume": 1e6},
                        index=pd.Index(days, name="date"))


def run_engine(n_events: int, n_securities: int, seed: int, exclusions: bool = False) -> dict:
    """Time the library on N events (in this process).

    With ``exclusions`` the study uses the default design: other events' windows are
    removed from each estimation window, and events left with too few estimation
    returns are skipped (reported) instead of stopping the study.
    """
    from eventstudy import EventStudy, FramePrices

    frames, events = synthetic(n_securities, n_events, seed)
    loading = time.perf_counter()
    prices = FramePrices(frames)
    del frames  # the source keeps its validated copies
    design = {"exclude_other_events": True, "on_error": "skip"} if exclusions else {
        "exclude_other_events": False}
    clock = _Stages()
    results = EventStudy(events, prices=prices, estimation=EST, windows=WINDOWS, **design).fit()
    clock.mark("fit")
    results.windows  # noqa: B018 - building the per-event table is part of the work
    clock.mark("windows")
    results.aar()
    clock.mark("aar")
    results.caar()
    clock.mark("caar")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n_events, "studied": len(results.panel), "load_s": clock.started - loading,
            "fit_s": clock.wall["fit"], "total_s": sum(clock.wall.values()),
            "cpu_s": sum(clock.cpu.values()), "stages": clock.wall, "peak_mb": peak_mb}


class _Stages:
    """Wall and CPU seconds (all threads of the process, user and system) per stage."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.started = self._last_wall = time.perf_counter()
        self._last_cpu = time.process_time()

    def mark(self, stage: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.wall[stage], self.cpu[stage] = wall - self._last_wall, cpu - self._last_cpu
        self._last_wall, self._last_cpu = wall, cpu


def run_baseline(n_events: int, n_securities: int, seed: int) -> dict:
    """Per-event statsmodels OLS on the same kind of events (first ``n_events``)."""
    import statsmodels.api as sm

    frames, events = synthetic(n_securities, n_events, seed)
    returns = {t: f["adj_close"].pct_change() for t, f in frames.items()}
    market = returns["MKT"]
    started = time.perf_counter()
    for event in events:
        stock = returns[event.ticker]
        pos = stock.index.get_loc(pd.Timestamp(event.date))
        est = slice(pos + EST[0], pos + EST[1] + 1)
        evt = slice(pos + WINDOW[0], pos + WINDOW[1] + 1)
        fit = sm.OLS(stock.iloc[est].to_numpy(), sm.add_constant(market.iloc[est].to_numpy())).fit()
        x = sm.add_constant(market.iloc[evt].to_numpy())
        ar = stock.iloc[evt].to_numpy() - fit.predict(x)
        g = np.ones(len(ar))
        _ = ar.sum(), fit.scale * len(ar) + g @ x @ fit.cov_params() @ x.T @ g
    seconds = time.perf_counter() - started
    return {"n": n_events, "total_s": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--securities", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--exclude-other-events", action="store_true",
                        help="the default design: remove other events' windows from the "
                             "estimation windows, skip events left too short")
    parser.add_argument("--worker", choices=("engine", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "engine":
        print(json.dumps(run_engine(args.n, args.securities, args.seed,
                                    args.exclude_other_events)))
        return
    if args.worker == "baseline":
        print(json.dumps(run_baseline(args.n, args.securities, args.seed)))
        return
    baseline = _child("baseline", 1000, args)
    base_rate = baseline["n"] / baseline["total_s"]
    print("| N | load (s) | fit (s) | total (s) | events/s | peak memory (MB) "
          "| x loop (fit) | x loop (total) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for n in args.sizes:
        row = _child("engine", n, args)
        rows.append(row)
        rate = n / row["total_s"]
        print(f"| {n:,} | {row['load_s']:.2f} | {row['fit_s']:.2f} | {row['total_s']:.2f} | "
              f"{rate:,.0f} | {row['peak_mb']:,.0f} | {n / row['fit_s'] / base_rate:,.0f} | "
              f"{rate / base_rate:,.0f} |")
    if args.exclude_other_events:
        print("\ndesign: exclude_other_events=True, on_error='skip'; events studied: "
              + ", ".join(f"{r['studied']:,} of {r['n']:,}" for r in rows))
    print(f"\nbaseline: per-event statsmodels OLS, {baseline['n']:,} events in "
          f"{baseline['total_s']:.2f} s ({base_rate:,.0f} events/s); "
          f"{args.securities:,} securities, seed {args.seed}")
    if len(rows) > 1:
        slope, base = np.polyfit([r["n"] for r in rows], [r["peak_mb"] for r in rows], 1)
        print(f"peak memory ~ {base:,.0f} MB + {1024 * slope:.1f} KB x N")
    _print_stages(rows)


def _print_stages(rows: list[dict]) -> None:
    """Wall seconds per stage, and the CPU seconds of the total over this machine's cores.

    The work's CPU time spread evenly over every core is the least wall time this
    machine can take for it, however well the work is split between threads.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    stages = list(rows[0]["stages"])
    print("\n| N | " + " | ".join(f"{s} (s)" for s in stages)
          + f" | total (s) | CPU (s) | CPU / {cores} cores (s) |")
    print("|---:|" + "---:|" * (len(stages) + 3))
    for row in rows:
        print(f"| {row['n']:,} | " + " | ".join(f"{row['stages'][s]:.2f}" for s in stages)
              + f" | {row['total_s']:.2f} | {row['cpu_s']:.2f} | {row['cpu_s'] / cores:.2f} |")


def _child(worker: str, n: int, args) -> dict:
    command = [sys.executable, __file__, "--worker", worker, "--n", str(n),
               "--securities", str(args.securities), "--seed", str(args.seed)]
    if args.exclude_other_events:
        command.append("--exclude-other-events")
    # The children import this checkout's package even when it is not installed.
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get(
        "PYTHONPATH")]))}
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
