"""Data in at scale: a study of K securities from one long table, end to end.

The shape of a CRSP extract: K securities, one event each, each security holding 300
sessions of the XNYS calendar around its event (250 before the estimation window's
end ... 40 after the event), and a market index over 2005-2019; market-model returns,
seeded. The events come as a DataFrame (``ticker, date``; ``exchange="XNYS"`` and the
market given as keywords). Four inputs:

- ``prices, memory``: a long DataFrame ``ticker, date, open, high, low, close,
  adj_close, volume`` (the index as more rows of it);
- ``returns, memory``: a CRSP-shaped DataFrame ``permno, date, ret, vwretd``;
- ``prices, parquet`` and ``returns, parquet``: the same tables in a parquet file.

The data are made once per K and written to parquet files. Each (K, input) then runs
in a fresh process. For the memory inputs the process first reads the tables into
DataFrames, untimed (they are the user's data, and pandas is loaded with them); for
the parquet inputs nothing is loaded before the clock starts. It times: "import",
``import eventstudy`` (with pandas and numpy for the parquet inputs); "load", making
the source (reading the file, where there is one, and validating every row);
"events", the events from their DataFrame (or file); "fit", ``EventStudy(...).fit()``;
"tests", the windows table and the pooled daily and window batteries (``aar()``,
``caar()`` with its 999-draw bootstrap); "end to end", all of them. Peak memory is
the process's whole RSS, the data set included. Design: estimation window [-250, -11],
event windows (-10, +10), (0, 0), (-1, +1).

With ``--baseline-path`` another checkout's ``FramePrices`` loads the ``prices,
memory`` table too, alternately with this one, ``--repeat`` times (sizes up to 10,000:
versions that validate one security at a time take minutes and many GB beyond that);
the second table gives the medians.

    python benchmarks/bench_data.py                      # K = 10,000 and 100,000
    python benchmarks/bench_data.py --sizes 10000 --inputs "returns, memory"
    python benchmarks/bench_data.py --sizes 1000 10000 --baseline-path ../old --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

EST, WINDOWS = (-250, -11), [(-10, 10), (0, 0), (-1, 1)]
BEFORE, AFTER = 260, 39  # sessions of data before and after each event: 300 in all
INPUTS = ("prices, memory", "returns, memory", "prices, parquet", "returns, parquet")


def calendar():
    """XNYS sessions 2005-2019, from exchange_calendars directly (not the library's)."""
    import exchange_calendars as xcals

    with warnings.catch_warnings():  # its own use of APIs pandas 3 deprecates
        warnings.simplefilter("ignore")
        return xcals.get_calendar("XNYS", start="2000-01-01").sessions_in_range(
            "2005-01-03", "2019-12-31")


def panel(n_securities: int, kind: str, seed: int = 11):
    """The long table of ``kind`` ("prices" or "returns") and the events' DataFrame."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    days = calendar()
    market = rng.normal(0.0003, 0.01, len(days))
    at = rng.integers(BEFORE, len(days) - AFTER, n_securities)  # each event's session
    rows = (at[:, None] + np.arange(-BEFORE, AFTER + 1)[None, :]).ravel()
    per = BEFORE + AFTER + 1
    beta = np.repeat(rng.uniform(0.5, 1.5, n_securities), per)
    ret = beta * market[rows] + rng.normal(0, 0.02, len(rows))
    events = pd.DataFrame({"ticker": [f"S{k:06d}" for k in range(n_securities)],
                           "date": days[at]})
    if kind == "returns":
        ret[::per] = np.nan  # the first day has no previous price, as in CRSP ('C')
        table = pd.DataFrame({"permno": np.repeat(np.arange(n_securities), per) + 10_000,
                              "date": days[rows], "ret": ret, "vwretd": market[rows]})
        events["ticker"] = (np.arange(n_securities) + 10_000).astype(str)
        return table, events
    level = np.exp(np.cumsum(ret.reshape(n_securities, per), axis=1)).ravel() * 20
    index = 1000 * np.exp(np.cumsum(market))
    names = np.repeat(events["ticker"].to_numpy(dtype=object), per)
    stocks = _prices(names, days[rows], level)
    index_rows = _prices(np.full(len(days), "MKT", dtype=object), days, index)
    return pd.concat([stocks, index_rows], ignore_index=True), events


def _prices(names, days, close):
    import pandas as pd

    return pd.DataFrame({"ticker": names, "date": days, "open": close * 0.999,
                         "high": close * 1.01, "low": close * 0.99, "close": close,
                         "adj_close": close, "volume": 1e6})


def write(n_securities: int, folder: Path) -> None:
    """The tables and events of both kinds as parquet files in ``folder``."""
    for kind in ("prices", "returns"):
        table, events = panel(n_securities, kind)
        table.to_parquet(folder / f"{kind}.parquet")
        events.to_parquet(folder / f"{kind}-events.parquet")


def run(how: str, folder: Path) -> dict:
    """Time one input in this process."""
    kind, where = how.split(", ")
    data, events = folder / f"{kind}.parquet", folder / f"{kind}-events.parquet"
    if where == "memory":  # the user's data, loaded before the clock starts
        import pandas as pd

        data, events = pd.read_parquet(data), pd.read_parquet(events)
    clock = _Clock()
    import eventstudy

    clock.mark("import")
    if kind == "returns":
        source = eventstudy.ReturnSource(data, market="vwretd")
    else:
        source = eventstudy.FilePrices(data) if where == "parquet" else eventstudy.FramePrices(data)
    clock.mark("load")
    market = "vwretd" if kind == "returns" else "MKT"
    studied = eventstudy.as_events(events, exchange="XNYS", market=market)
    clock.mark("events")
    data = {"returns": source} if kind == "returns" else {"prices": source}
    results = eventstudy.EventStudy(studied, estimation=EST, windows=WINDOWS, **data).fit()
    clock.mark("fit")
    results.windows  # noqa: B018 - the per-event table is part of the work
    results.aar()
    results.caar()
    clock.mark("tests")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"input": how, "events": len(results.panel), "stages": clock.wall,
            "cpu": clock.cpu, "peak_mb": peak}


def load_only(folder: Path) -> float:
    """Seconds to make ``FramePrices`` of the prices table (any version of the package)."""
    import pandas as pd

    table = pd.read_parquet(folder / "prices.parquet")
    import eventstudy

    started = time.perf_counter()
    eventstudy.FramePrices(table)
    return time.perf_counter() - started


class _Clock:
    """Wall and CPU seconds (all threads of the process) per stage."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def mark(self, stage: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.wall[stage], self.cpu[stage] = wall - self._wall, cpu - self._cpu
        self._wall, self._cpu = wall, cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--inputs", nargs="+", default=list(INPUTS), choices=INPUTS)
    parser.add_argument("--baseline-path", type=Path,
                        help="another checkout whose FramePrices loads the prices table too")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the comparison")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        how, folder = args.worker
        result = load_only(Path(folder)) if how == "load" else run(how, Path(folder))
        print(json.dumps(result))
        return
    stages = ("import", "load", "events", "fit", "tests")
    print("| securities | events | input | " + " | ".join(f"{s} (s)" for s in stages)
          + " | end to end (s) | CPU (s) | peak memory (MB) |")
    print("|---:|---:|---|" + "---:|" * (len(stages) + 3))
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            write(n, Path(folder))
            for how in args.inputs:
                row = _child(how, folder)
                wall = row["stages"]
                print(f"| {n:,} | {row['events']:,} | {how} | "
                      + " | ".join(f"{wall[s]:.2f}" for s in stages)
                      + f" | {sum(wall.values()):.2f} | {sum(row['cpu'].values()):.2f} | "
                      f"{row['peak_mb']:,.0f} |", flush=True)
    if args.baseline_path is not None:
        _compare(args)


def _compare(args) -> None:
    """Load the prices table with both checkouts, alternately; print the medians."""
    import statistics

    print(f"\n| securities | this checkout: load (s) | {args.baseline_path}: load (s) | "
          "rounds |\n|---:|---:|---:|---:|")
    for n in [n for n in args.sizes if n <= 10_000]:
        with tempfile.TemporaryDirectory() as folder:
            write(n, Path(folder))
            times: dict[str, list[float]] = {"new": [], "old": []}
            for round_ in range(args.repeat):
                order = ("new", "old") if round_ % 2 == 0 else ("old", "new")
                for which in order:
                    root = None if which == "new" else args.baseline_path
                    times[which].append(_child("load", folder, root))
            print(f"| {n:,} | {statistics.median(times['new']):.2f} | "
                  f"{statistics.median(times['old']):.2f} | {args.repeat} |", flush=True)


def _child(how: str, folder: str, root: Path | None = None):
    # The children import this checkout's package (or the baseline's) even when another
    # copy is installed.
    root = str(root or Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get(
        "PYTHONPATH")]))}
    out = subprocess.run([sys.executable, __file__, "--worker", how, folder], check=True,
                         capture_output=True, text=True, env=env, cwd=root).stdout
    return json.loads(out.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
