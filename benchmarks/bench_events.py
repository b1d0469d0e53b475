"""Events in: the time to make N events from a DataFrame, a CSV or parquet file, or a list.

Inputs (seeded): N distinct tickers ``S000001``..., dates drawn from the business
days of 2005-2024, and

- ``frame, exchange=``: columns ticker and date (ISO text); ``exchange="XNYS"``;
- ``frame, datetime64``: ticker, date (datetime64), exchange, timing and type columns,
  ``market="^GSPC"``;
- ``frame, YYYYMMDD``: ticker, date (8-digit integers) and a time column;
- ``frame, 12 columns``: every catalog column, dates as ``datetime.date`` objects;
- ``CSV file`` and ``parquet file``: the 12-column table written to disk, read back;
- ``Event objects, market=``: a list of the events, given a market index;
- ``Event(...) one by one``: each event made with its own checks (the slow path, for
  comparison; at most 20,000 of them, scaled to N).

Times are the best of ``--repeat`` runs, wall and CPU (user + system of this
process), with the exchange's session table already loaded: its first use in a
process reads it from disk or builds it, and is shown apart.

    python benchmarks/bench_events.py                  # N = 1,000, 10,000, 100,000
    python benchmarks/bench_events.py --sizes 100000 --repeat 7
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ONE_BY_ONE_MAX = 20_000


def inputs(n: int, seed: int = 0) -> dict[str, pd.DataFrame]:
    """The test tables of N rows."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2005-01-01", "2024-12-31")
    dates = days[rng.integers(0, len(days), n)]
    tickers = [f"S{i:06d}" for i in range(n)]
    full = pd.DataFrame({
        "id": [f"e{i}" for i in range(n)], "case": "bench", "ticker": tickers,
        "exchange": "XNYS", "market": "^GSPC", "type": "earnings",
        "date": [d.date() for d in dates], "time": None,
        "timing": rng.choice(["before_open", "after_close"], n),
        "timezone": "America/New_York", "description": "quarterly results", "source": "bench",
    })
    return {
        "iso": pd.DataFrame({"ticker": tickers, "date": dates.strftime("%Y-%m-%d")}),
        "datetime64": pd.DataFrame({"ticker": tickers, "date": dates, "exchange": "XNYS",
                                    "timing": "during", "type": "earnings"}),
        "yyyymmdd": pd.DataFrame({"ticker": tickers,
                                  "date": dates.strftime("%Y%m%d").astype(np.int64),
                                  "time": "16:05"}),
        "full": full,
    }


def best(run, repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds of ``run()`` (its result is kept until timed)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        del result
    return min(walls), min(cpus)


def measure(n: int, repeat: int, folder: Path) -> dict[str, tuple[float, float]]:
    """Seconds (wall, CPU) of each way in, for N events."""
    from eventstudy.events import Event, as_events

    tables = inputs(n)
    csv_path, parquet_path = folder / f"events{n}.csv", folder / f"events{n}.parquet"
    tables["full"].to_csv(csv_path, index=False)
    tables["full"].to_parquet(parquet_path)
    events = list(as_events(tables["iso"], exchange="XNYS"))  # without a market
    few = tables["full"].iloc[: min(n, ONE_BY_ONE_MAX)]

    def one_by_one():
        return [Event(r.ticker, r.date, id=r.id, exchange=r.exchange, timing=r.timing)
                for r in few.itertuples()]

    rows = {
        "frame, exchange=": best(lambda: as_events(tables["iso"], exchange="XNYS"), repeat),
        "frame, datetime64": best(lambda: as_events(tables["datetime64"], market="^GSPC"),
                                  repeat),
        "frame, YYYYMMDD": best(lambda: as_events(tables["yyyymmdd"], exchange="XNYS"), repeat),
        "frame, 12 columns": best(lambda: as_events(tables["full"]), repeat),
        "CSV file": best(lambda: as_events(csv_path), repeat),
        "parquet file": best(lambda: as_events(parquet_path), repeat),
        "Event objects, market=": best(lambda: as_events(events, market="^IDX"), repeat),
    }
    wall, cpu = best(one_by_one, max(1, repeat // 2))
    rows["Event(...) one by one"] = (wall * n / len(few), cpu * n / len(few))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from eventstudy.calendar.sessions import exchange_sessions

    wall, cpu = time.perf_counter(), time.process_time()
    exchange_sessions("XNYS")
    print(f"XNYS session table, first use in this process: {time.perf_counter() - wall:.3f} s "
          f"wall, {time.process_time() - cpu:.3f} s CPU\n")
    with tempfile.TemporaryDirectory() as tmp:
        results = {n: measure(n, args.repeat, Path(tmp)) for n in args.sizes}
    names = list(next(iter(results.values())))
    header = f"{'input':<24}" + "".join(f"{f'N={n:,} wall / CPU (ms)':>28}" for n in args.sizes)
    print(header)
    for name in names:
        cells = "".join(
            f"{f'{results[n][name][0] * 1e3:,.1f} / {results[n][name][1] * 1e3:,.1f}':>28}"
            for n in args.sizes)
        print(f"{name:<24}{cells}")
    print(f"\n'Event(...) one by one' is timed on at most {ONE_BY_ONE_MAX:,} events and scaled.")


if __name__ == "__main__":
    main()
