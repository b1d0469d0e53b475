"""Blocks of event rows, processed on worker threads.

Event-level arrays (events x days) are computed row by row, independently. NumPy
releases the GIL inside its loops, so blocks of rows run in parallel on threads;
blocks of a few megabytes also stay in cache and reuse freed memory instead of
faulting in fresh pages for every whole-array temporary.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np

BLOCK_CELLS = 1 << 16  # array cells per block of rows: bounds memory, stays in cache
MAX_THREADS = 4
COMPACT_ROWS = 4096  # rows moved per step of compact_rows: a small temporary

_Item = TypeVar("_Item")
_Out = TypeVar("_Out")
_worker = threading.local()  # .busy: this thread runs block work for an ordered_map


def row_blocks(n_rows: int, width: int, cells: int | None = None) -> list[slice]:
    """Consecutive row slices of about ``cells`` (default ``BLOCK_CELLS``) cells each."""
    step = max(1, (cells or BLOCK_CELLS) // max(width, 1))
    return [slice(start, min(start + step, n_rows)) for start in range(0, n_rows, step)]


def worker_count() -> int:
    """Threads for block work: the CPUs this process may use, at most ``MAX_THREADS``."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cpus))


def ordered_map(
    func: Callable[[_Item], _Out], items: Iterable[_Item], n_items: int
) -> Iterator[_Out]:
    """Yield ``func(item)`` in the order of ``items``, computing a few items ahead.

    ``items`` is consumed on the calling thread (so a random stream drawn there
    stays in order) while ``func`` runs on worker threads. At most two items per
    worker are in flight, which bounds memory. With one CPU, or one item, all runs
    inline; so does a call from inside a worker (block work nested in block work
    already has the CPUs busy).
    """
    workers = worker_count()
    if workers == 1 or n_items <= 1 or getattr(_worker, "busy", False):
        yield from map(func, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[_Out]] = deque()
        for item in items:
            pending.append(pool.submit(_as_worker, func, item))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _as_worker(func: Callable[[_Item], _Out], item: _Item) -> _Out:
    _worker.busy = True
    try:
        return func(item)
    finally:
        _worker.busy = False


def for_each_block(
    func: Callable[[slice], object], n_rows: int, width: int, cells: int | None = None
) -> None:
    """Call ``func(rows)`` for every block of rows, on worker threads.

    ``func`` writes its block's results into arrays the caller allocated; blocks
    never overlap, so no locking is needed. Exceptions propagate. ``cells`` sets the
    block size as in :func:`row_blocks`.
    """
    blocks = row_blocks(n_rows, width, cells)
    for _ in ordered_map(func, blocks, len(blocks)):
        pass


def compact_rows(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``values[keep]`` written over the first rows of ``values`` itself; a view of them.

    Drops a few rows of a large array without a second copy of it. Kept rows are
    gathered a chunk at a time (a copy of the chunk) and written to their new rows,
    which lie before every kept row still to be read. ``values`` no longer holds
    its old rows afterwards.
    """
    rows = np.flatnonzero(keep)
    for lo in range(0, len(rows), COMPACT_ROWS):
        chunk = rows[lo : lo + COMPACT_ROWS]
        if chunk[-1] != lo + len(chunk) - 1:  # else the chunk is already in place
            values[lo : lo + len(chunk)] = values[chunk]
    return values[: len(rows)]
