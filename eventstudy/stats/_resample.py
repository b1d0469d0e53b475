"""Bootstrap resamples in fixed blocks on worker threads, summed by counting draws.

A resample's sum weights each value by the number of times it was drawn, so the
draws are counted per value and the sums of every resample of a block, for all
windows at once, are one matrix product. The blocks of draws come from spawned
child generators (see :func:`eventstudy.stats.window_bootstrap`), so the random
stream does not depend on the number of threads.
"""

from __future__ import annotations

import numpy as np

from eventstudy import blocks as _blocks

_BOOT_DRAWS = 1 << 20  # resampled positions per block of draws: fixes the random stream
# multiply-adds per matrix product of the bootstrap: small products stay in cache
# and under the size at which BLAS (OpenBLAS) starts threads of its own, which
# would compete with the worker threads
_BOOT_PRODUCT = 1 << 18


def _bootstrap_exceedances(
    centred: np.ndarray, t_abs: np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Per column of ``centred`` (n, W), the resamples whose ``|t*|`` is at least ``t_abs``.

    All columns are resampled with the same rows (the stream of
    :func:`~eventstudy.stats.window_bootstrap`), a block of resamples at a time.
    """
    n, n_windows = centred.shape
    rows = max(1, _BOOT_DRAWS // n)
    starts = range(0, n_boot, rows)
    children = rng.spawn(len(starts))
    dtype = np.int32 if n <= np.iinfo(np.int32).max else np.int64
    powers = np.hstack([centred, centred * centred])

    def count(block: int) -> np.ndarray:
        start = starts[block]
        draws = children[block].integers(0, n, size=(min(rows, n_boot - start), n), dtype=dtype)
        sums = _resample_sums(draws, powers)
        t_star = _resample_t(sums[:, :n_windows], sums[:, n_windows:], n)
        return np.count_nonzero(np.abs(t_star) >= t_abs, axis=0)

    counts = _blocks.ordered_map(count, range(len(starts)), len(starts))
    return sum(counts, np.zeros(n_windows, np.intp))


def _resample_sums(draws: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(B, K) sums of the rows of ``values`` (n, K) drawn by each row of ``draws`` (B, n).

    A resample's sum weights each value by the number of times it was drawn, so
    the draws are counted per value and the sums of all resamples and columns
    are one matrix product, formed over slices of values (see ``_BOOT_PRODUCT``).
    """
    n, width = values.shape
    drawn = np.empty(draws.shape)
    for b, positions in enumerate(draws):
        drawn[b] = np.bincount(positions, minlength=n)
    sums = np.zeros((len(draws), width))
    step = max(1, _BOOT_PRODUCT // (len(draws) * width))
    for lo in range(0, n, step):
        sums += drawn[:, lo:lo + step] @ values[lo:lo + step]
    return sums


def _resample_t(s1: np.ndarray, s2: np.ndarray, n: int) -> np.ndarray:
    """``t*`` from a resample's sums and sums of squares (see ``window_bootstrap``)."""
    mean = s1 / n
    var = np.maximum((s2 - s1 * mean) / (n - 1.0), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return mean * np.sqrt(n) / np.sqrt(var)
