"""A lower bound for ``bench_engine.py``: the bare array work of its study, no library.

What any implementation of that study has to do, in plain numpy on the same two
worker threads (blocks of events, as the library works), for N random events on K
securities of T sessions of returns already in one (K, T) array:

- **market model**: per block of events, gather the stock and market returns over
  the estimation and event span [-260, +10], fit least squares on the 250
  estimation days in closed form, and write the abnormal returns of all 271 days
  (N x 271, the only array of that size kept);
- **rank sort**: one row-wise sort of the N x 271 abnormal returns (the Corrado and
  GRANK rank tests each need the ranks of every event's residuals; one sort is
  counted);
- **bootstrap draws**: 999 resamples of the N CARs, i.e. 999 x N random positions
  from numpy's generator, and their counts per position.

Everything else the library does (placing the announcements on the exchange's
calendar, checking the data, diagnostics, the windows table, the rest of the test
battery) is left out, so the "floor" column is less than any complete
implementation can take on this machine. Each stage's CPU time (all threads) is
shown too: the floor's work keeps both threads busy, so its wall time is about its
CPU time over the two cores.

    python benchmarks/bench_floor.py                 # N = 1,000, 10,000, 100,000
    python benchmarks/bench_floor.py --sizes 100000
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

EST_DAYS, SPAN = 250, np.arange(-260, 11)  # estimation [-260, -11], event window [-10, +10]
N_BOOT, WORKERS, BLOCK = 999, 2, 4096
DRAWS_PER_BLOCK = 1 << 20  # as the library's bootstrap draws them


def market_model_ar(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Abnormal returns of rows of stock returns ``y`` on market returns ``x``.

    The market model fitted by least squares on each row's first ``EST_DAYS``
    columns in closed form (``beta = Sxy / Sxx``, ``alpha = mean(y) - beta
    mean(x)``; MacKinlay 1997, sec. 4); every column's residual returned.
    """
    xe, ye = x[:, :EST_DAYS], y[:, :EST_DAYS]
    x_mean, y_mean = xe.mean(axis=1), ye.mean(axis=1)
    xc = xe - x_mean[:, None]
    beta = np.einsum("ij,ij->i", xc, ye - y_mean[:, None]) / np.einsum("ij,ij->i", xc, xc)
    alpha = y_mean - beta * x_mean
    return y - alpha[:, None] - beta[:, None] * x


def floor(
    n_events: int, n_securities: int, n_sessions: int, seed: int
) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds of each stage of the bare work for N events (module docstring)."""
    rng = np.random.default_rng(seed)
    market = rng.normal(0.0003, 0.01, n_sessions)
    stock = rng.uniform(0.5, 1.5, (n_securities, 1)) * market + rng.normal(
        0, 0.02, (n_securities, n_sessions))
    security = rng.integers(0, n_securities, n_events)
    first = rng.integers(0, n_sessions - SPAN.size + 1, n_events)  # first day of each span
    # each event's span is one row of a sliding window view: a row gather, no 2-D index
    stock_spans = sliding_window_view(stock.ravel(), SPAN.size)
    market_spans = sliding_window_view(market, SPAN.size)
    ar = np.empty((n_events, SPAN.size))

    def market_model(rows: slice) -> None:
        ar[rows] = market_model_ar(stock_spans[security[rows] * n_sessions + first[rows]],
                                   market_spans[first[rows]])

    def rank_sort(rows: slice) -> None:
        np.sort(ar[rows], axis=1)

    per_block = max(1, DRAWS_PER_BLOCK // n_events)  # resamples per block of draws

    def bootstrap_draws(block: int) -> None:
        size = (min(per_block, N_BOOT - block * per_block), n_events)
        draws = np.random.default_rng([seed, block]).integers(0, n_events, size, dtype=np.int32)
        for resample in draws:
            np.bincount(resample, minlength=n_events)

    blocks = [slice(lo, min(lo + BLOCK, n_events)) for lo in range(0, n_events, BLOCK)]
    with ThreadPoolExecutor(WORKERS) as pool:

        def timed(work: Callable, items) -> tuple[float, float]:
            wall, cpu = time.perf_counter(), time.process_time()
            list(pool.map(work, items))
            return time.perf_counter() - wall, time.process_time() - cpu

        return {
            "market model": timed(market_model, blocks),
            "rank sort": timed(rank_sort, blocks),
            "bootstrap draws": timed(bootstrap_draws, range(-(-N_BOOT // per_block))),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--securities", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=3773)  # XNYS, 2005-2019
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    stages = ["market model", "rank sort", "bootstrap draws"]
    print("| N | " + " | ".join(f"{s} (s)" for s in stages) + " | floor (s) | CPU (s) |")
    print("|---:|" + "---:|" * len(stages) + "---:|---:|")
    for n in args.sizes:
        seconds = floor(n, args.securities, args.sessions, args.seed)
        wall, cpu = (sum(column) for column in zip(*seconds.values(), strict=True))
        print(f"| {n:,} | " + " | ".join(f"{seconds[s][0]:.2f}" for s in stages)
              + f" | {wall:.2f} | {cpu:.2f} |")
    print(f"\n{args.securities:,} securities x {args.sessions:,} sessions, seed {args.seed}, "
          f"{WORKERS} worker threads")


if __name__ == "__main__":
    main()
