"""Within-event ranks, fast: 32-bit rank codes and exact binned sums of doubled ranks.

The rank tests need, per day, sums of each event's ranks scaled by its number of
values. Each event's values are sorted once, on 32-bit integer codes that carry the
column index (monotone in the values); an event whose codes cannot settle its ranks
(tied or nearly tied values) is ranked by the plain definition
(:func:`_row_ranks`). Ranks enter as doubled ranks ``2 K - (M + 1)``, integers,
summed with ``np.bincount`` grouped by the number of ranked values M: the sums are
exact, so they do not depend on the blocks of rows, nor on the order in which the
worker threads finish them.

GRANK ranks each event's estimation SARs once for all windows and adds each
window's SCAR* by comparisons (:func:`_grank_sums`); the Wilcoxon test's signed
ranks are formed on sorted integer keys (:func:`_signed_rank_sums`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from eventstudy import blocks as _blocks

from ._arrays import _complete


def _row_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..M_i within each row over its M_i present values; ties get average ranks.

    Vectorised over rows (argsort puts NaN last); NaN stays NaN. Matches
    ``scipy.stats.rankdata(row[~isnan(row)], method="average")`` row by row. This
    is the plain definition; the rank tests use it for rows with tied values.
    """
    out = np.empty_like(x, dtype=float)
    n_rows, width = x.shape
    for rows in _blocks.row_blocks(n_rows, width):
        block = x[rows]
        # any sort order will do: a tie group gets the same average rank however
        # its members are ordered
        order = np.argsort(block, axis=1)
        avg, _ = _sorted_tie_ranks(np.take_along_axis(block, order, axis=1))
        np.put_along_axis(out[rows], order, avg, axis=1)
    return out


def _sorted_tie_ranks(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average rank and tie-group size at each position of rows sorted with NaN last.

    A tie group runs from its first to its last sorted position, ``lo..hi``
    (1-based), and each member gets ``(lo + hi) / 2``; NaN != NaN, so every
    missing value is its own group, and its rank is NaN.
    """
    width = s.shape[1]
    if s.size == 0:
        return np.empty(s.shape), np.empty(s.shape)
    flat = s.ravel()
    first = np.empty(flat.size, dtype=bool)
    first[:1] = True
    np.not_equal(flat[1:], flat[:-1], out=first[1:])
    first[::width] = True  # every row starts a group
    starts = np.flatnonzero(first)
    group = np.cumsum(first) - 1
    lo = (starts % width + 1.0)[group]
    size = np.diff(starts, append=flat.size).astype(float)[group]
    ranks = 0.5 * (lo + (lo + size - 1.0))
    ranks[np.isnan(flat)] = np.nan
    return ranks.reshape(s.shape), size.reshape(s.shape)


def _sorted_codes(x: np.ndarray, missing: np.ndarray | None, bits: int) -> np.ndarray:
    """Sort each row of ``x`` on 32-bit keys that carry the column index; ``x`` is consumed.

    A row's present values are mapped to integer codes by ``floor((v - min) *
    (2**c - 2) / (max - min))`` with ``c = 31 - bits``: every step (subtraction,
    multiplication, truncation) is monotone in floating point, so a smaller code
    means a smaller value. Equal codes (ties, or values closer than about ``(max -
    min) / 2**c``) are caught by the caller, which ranks such rows by the plain
    definition; so do rows whose range is zero, infinite or too small to scale.
    The key is the code shifted left by ``bits`` with the column index in the
    freed bits; missing values get the largest code, so they sort last.
    """
    span = _MISSING_CODE >> bits  # present codes run from 0 to span - 1
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        low = np.fmin.reduce(x, axis=1)
        scale = (span - 1.0) / (np.fmax.reduce(x, axis=1) - low)
        x -= low[:, None]
        x *= scale[:, None]
    unscalable = ~np.isfinite(scale)
    if unscalable.any():
        x[unscalable] = 0.0  # one code for the whole row: ranked by the plain definition
    if missing is not None:
        x[missing] = span
    key = x.astype(np.int32)
    key <<= bits
    key |= np.arange(x.shape[1], dtype=np.int32)
    key.sort(axis=1)
    return key


_MISSING_CODE = np.int32(0x7FFF_FFFF)  # shifted right by ``bits``: the code of a missing value


def _row_groups(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct row sizes ``m`` of a block and each row's index among them."""
    if m.size and (m == m[0]).all():  # the usual case: every row equally long
        return m[:1].copy(), np.zeros(m.size, dtype=np.intp)
    groups, index = np.unique(m, return_inverse=True)
    return groups, index


def _rank_bins(
    x: np.ndarray, missing: np.ndarray | None, m: np.ndarray, group: np.ndarray, extra: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centred doubled within-row ranks of one block, laid out for ``np.bincount``.

    ``x`` is a fresh (k, W) float64 block (it is consumed), ``missing`` its NaN
    mask (None if it has none), ``m`` its rows' counts of present values and
    ``group`` their group indices (see :func:`_row_groups`). Each row's present
    values are ranked 1..m; the row's ranks will be scaled by ``M + 1`` with ``M
    = m + extra`` (``extra`` values ranked with the row that are not in ``x``).
    Returns ``bins`` (``group * W + column`` of every sorted value) and
    ``weight``, ``2 K - (M + 1) = 2 (M + 1) U``, both (k, W). These are
    integers, so their sums are exact in float64 and add up to the same totals
    in any order. Also returns the rows whose codes do not settle the ranks
    (tied or nearly tied values): their values, and missing ones, are put in
    the discard bin ``n_groups * W`` (see :func:`_binned_sums`), and the caller
    ranks such rows by the plain definition (:func:`_plain_doubled_ranks`), all
    blocks' such rows at once.
    """
    k, width = x.shape
    bits = max(1, (width - 1).bit_length())
    key = _sorted_codes(x, missing, bits)
    code = key >> bits
    tied = code[:, 1:] == code[:, :-1]
    if missing is not None:
        tied &= code[:, 1:] != _MISSING_CODE >> bits
    tied_rows = np.flatnonzero(tied.any(axis=1))
    del code, tied
    # the column of each sorted value, as the index type np.bincount takes
    bins = np.bitwise_and(key, (1 << bits) - 1, dtype=np.intp)
    del key
    n_groups = int(group.max()) + 1 if group.size else 1
    if n_groups > 1:
        bins += (group * width)[:, None]
    discard = n_groups * width
    if missing is None and n_groups == 1:
        # every row has M = W + extra: one shared read-only table of weights
        weight = _full_row_weights(k, width, extra)
    else:
        # sorted position p holds K = p + 1
        weight = np.arange(2.0, 2.0 * width + 1.0, 2.0) - (m + (1.0 + extra))[:, None]
        if missing is not None:
            bins[np.arange(width) >= m[:, None]] = discard  # missing values sort last
    bins[tied_rows] = discard
    return bins, weight, tied_rows


@functools.lru_cache(maxsize=8)
def _full_row_weights(k: int, width: int, extra: int) -> np.ndarray:
    """(k, W) weights ``2 K - (W + extra + 1)`` of :func:`_rank_bins` for rows without NaN."""
    row = np.arange(2.0, 2.0 * width + 1.0, 2.0) - (width + 1.0 + extra)
    weight = np.repeat(row[None, :], k, axis=0)
    weight.flags.writeable = False  # shared between blocks and threads
    return weight


def _plain_doubled_ranks(x: np.ndarray, extra: int) -> tuple[np.ndarray, np.ndarray]:
    """The weights of :func:`_rank_bins` by the plain definition of ranks, and each row's m."""
    doubled = 2.0 * _row_ranks(x)
    present = ~np.isnan(doubled)
    m = present.sum(axis=1)
    doubled -= (m + (1.0 + extra))[:, None]
    doubled[~present] = 0.0
    return doubled, m


def _sums_by_size(doubled: np.ndarray, m: np.ndarray, n_sizes: int) -> np.ndarray:
    """(n_sizes, W) sums of the rows of ``doubled`` grouped by their size ``m``."""
    width = doubled.shape[1]
    bins = (m[:, None] * width + np.arange(width)).ravel()
    sums = np.bincount(bins, weights=doubled.ravel(), minlength=n_sizes * width)
    return sums.reshape(n_sizes, width)


def _binned_sums(bins: np.ndarray, weight: np.ndarray, n_groups: int) -> np.ndarray:
    """(n_groups, W) sums of ``weight`` by the bins of :func:`_rank_bins`, less the discard bin."""
    size = n_groups * bins.shape[1]
    sums = np.bincount(bins.ravel(), weights=weight.ravel(), minlength=size + 1)
    return sums[:size].reshape(n_groups, bins.shape[1])


def _missing_and_sizes(x: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """NaN mask of a block (None without NaN) and the count of present values per row."""
    if _complete(x):
        return None, np.full(x.shape[0], x.shape[1])
    missing = np.isnan(x)
    return missing, x.shape[1] - missing.sum(axis=1)


def _present_counts(missing: np.ndarray | None, n_rows: int, width: int) -> np.ndarray:
    """Count of present values per column of a block."""
    if missing is None:
        return np.full(width, n_rows)
    return n_rows - missing.sum(axis=0)


def _rank_sums(
    blocks: list[slice], make_block: Callable[[slice | np.ndarray], np.ndarray], width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Centred doubled within-row ranks of a panel summed by row size M and column.

    ``make_block(rows)`` returns a fresh float64 (k, width) block of the panel
    for a slice or an index array of rows. Returns ``twice`` (width + 1, width),
    entry (M, j) the sum of ``2 K - (M + 1)`` at column j over the rows with M
    present values, and the (width,) count of present values per column. The
    sums are exact, so they do not depend on the blocks or on the order in which
    the worker threads finish them.
    """

    def block_sums(rows: slice) -> tuple[np.ndarray, ...]:
        x = make_block(rows)
        missing, m = _missing_and_sizes(x)
        groups, group = _row_groups(m)
        present = _present_counts(missing, x.shape[0], width)
        bins, weight, tied = _rank_bins(x, missing, m, group, 0)
        return groups, _binned_sums(bins, weight, groups.size), present, rows.start + tied

    twice = np.zeros((width + 1, width))
    present = np.zeros(width, dtype=np.intp)
    tied_rows = []
    for groups, sums, count, tied in _blocks.ordered_map(block_sums, blocks, len(blocks)):
        twice[groups] += sums
        present += count
        tied_rows.append(tied)
    tied = np.concatenate(tied_rows) if tied_rows else np.empty(0, dtype=np.intp)
    if tied.size:
        twice += _sums_by_size(*_plain_doubled_ranks(make_block(tied), 0), width + 1)
    return twice, present


def _mean_uniform_ranks(twice: np.ndarray, present: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Column means of ``U = K / c - 1/2`` from centred doubled rank sums.

    Row g of ``twice`` holds the sums of ``2 K - c = 2 c U`` of the rows whose
    ranks are scaled by ``c = scale[g]``; ``present`` counts the values of each
    column. The sums are exact, so each mean is rounded only in the division by
    ``2 c`` and by the count. NaN for a column without values.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return (twice / (2.0 * scale)[:, None]).sum(axis=0) / present


def _uniform_rank_means(
    blocks: list[slice], make_block: Callable[[slice], np.ndarray], width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Count and mean per column of ``U = K / (M + 1) - 1/2`` over the rows of a panel.

    ``K`` ranks each row's present values (average ranks for ties), ``M`` counts
    them (Corrado & Zivney 1992 scaling). ``make_block(rows)`` returns a fresh
    float64 (k, width) block of the panel (rows a slice or an index array). The
    means are formed from the exact sums of :func:`_rank_sums`, grouped by M.
    """
    twice, present = _rank_sums(blocks, make_block, width)
    return present, _mean_uniform_ranks(twice, present, np.arange(1.0, width + 2.0))


def _grank_sums(
    est: np.ndarray, s: np.ndarray, targets: list[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Doubled rank sums of each window's GSAR panel (estimation SARs and SCAR*).

    ``targets[w]`` holds window w's SCAR* per event, NaN for an event it leaves
    out. Row i of window w's panel is ``est[i] / s[i]`` followed by its SCAR*
    ``x_i``, ranked over its ``m_i + 1`` present values (``m_i`` estimation
    SARs). The estimation SARs of each event are ranked among themselves once
    (``r_it``, :func:`_rank_bins`); the window value then adds, exactly,

    * to an estimation SAR ``g``: 1 to its rank if ``g > x`` and 1/2 if ``g = x``,
      i.e. ``[g > x] + [g >= x]`` to ``2 K``;
    * its own rank: ``1 + #(g < x) + #(g = x) / 2``, i.e. ``2 K = 2 + 2 m -
      #(g > x) - #(g >= x)``.

    Returns, per window, ``twice`` (L + 1, L) with the sums of ``2 K - (M + 1)``
    (``M = m + 1`` values in the row) over its events with m present SARs at
    row m, ``window`` (L + 1,) the same for the SCAR* column, and ``present``
    (L,) its events with each SAR. All sums are of integers, hence exact and
    independent of blocks and threads.
    """
    n_events, width = est.shape
    union = np.zeros(n_events, dtype=bool)
    for x in targets:
        union |= ~np.isnan(x)

    def block_sums(rows: slice) -> tuple[np.ndarray, list[tuple[np.ndarray, ...]], np.ndarray]:
        g = _gsar_block(est, s, rows, union)
        missing, m = _missing_and_sizes(g)
        groups, group = _row_groups(m)
        present = _present_counts(missing, g.shape[0], width)
        compared = [_compare_window(g, x[rows], m, group, groups.size) for x in targets]
        bins, weight, tied = _rank_bins(g, missing, m, group, 1)
        ranks = _binned_sums(bins, weight, groups.size)
        parts = []
        for x, (shift, window) in zip(targets, compared, strict=True):
            dropped = np.flatnonzero(union[rows] & np.isnan(x[rows]))
            own_ranks, own_present = ranks, present
            if dropped.size:  # events of other windows only: not in this window's panel
                own_ranks = ranks - _binned_sums(bins[dropped], weight[dropped], groups.size)
                lost = np.ones((dropped.size, width), dtype=bool)
                if missing is not None:
                    lost = ~missing[dropped]
                own_present = present - lost.sum(axis=0)
            parts.append((own_ranks + shift, window, own_present))
        return groups, parts, rows.start + tied

    totals = [(np.zeros((width + 1, width)), np.zeros(width + 1), np.zeros(width, np.intp))
              for _ in targets]
    blocks = _blocks.row_blocks(n_events, width)
    tied_rows = []
    for groups, parts, tied in _blocks.ordered_map(block_sums, blocks, len(blocks)):
        for (twice, window, present), (part, part_window, count) in zip(totals, parts,
                                                                         strict=True):
            twice[groups] += part
            window[groups] += part_window
            present += count
        tied_rows.append(tied)
    tied = np.concatenate(tied_rows) if tied_rows else np.empty(0, dtype=np.intp)
    if tied.size:  # rows ranked by the plain definition, added to the windows that keep them
        doubled, m = _plain_doubled_ranks(_gsar_block(est, s, tied, union), 1)
        for x, (twice, _, _) in zip(targets, totals, strict=True):
            kept = ~np.isnan(x[tied])
            twice += _sums_by_size(doubled[kept], m[kept], width + 1)
    return totals


def _gsar_block(
    est: np.ndarray, s: np.ndarray, rows: slice | np.ndarray, union: np.ndarray
) -> np.ndarray:
    """Estimation SARs ``e_it / s_i`` of a block, NaN for events no window uses."""
    with np.errstate(invalid="ignore", divide="ignore"):  # s_i = 0: event not used
        g = est[rows] / s[rows, None]
    outside = ~union[rows]
    if outside.any():
        g[outside] = np.nan
    return g


def _compare_window(
    g: np.ndarray, x: np.ndarray, m: np.ndarray, group: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """What a window's SCAR* ``x`` adds to the doubled ranks of one block's GSAR rows.

    Returns the (n_groups, L) sums of ``[g > x] + [g >= x]`` per column and the
    (n_groups,) sums of the window value's own ``2 K - (M + 1) = m - #(g > x) -
    #(g >= x)`` (``M = m + 1``), grouped like :func:`_rank_bins`. Comparisons
    with a missing ``g`` or ``x`` are false, so events outside the window add
    nothing.
    """
    column = x[:, None]
    above = np.add(g > column, g >= column, dtype=np.uint8)
    kept = ~np.isnan(x)
    if n_groups == 1:
        shift = np.add.reduce(above, axis=0, dtype=np.uint32)[None, :].astype(float)
    else:
        width = g.shape[1]
        bins = (group * width)[:, None] + np.arange(width)
        shift = np.bincount(bins.ravel(), weights=above.ravel(), minlength=n_groups * width)
        shift = shift.reshape(n_groups, width)
    own = m - np.add.reduce(above, axis=1, dtype=np.uint32).astype(float)
    window = np.bincount(group[kept], weights=own[kept], minlength=n_groups)
    return shift, window


def _signed_rank_sums(ar: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per day: count of non-zero ARs, ``W+`` and ``sum(t^3 - t)`` over tie groups of ``|AR|``.

    Each day's non-zero ARs are sorted once on unsigned keys: the bit pattern of
    ``|AR|`` (which orders non-negative floats exactly) shifted left by one, with
    the sign (1 if positive) in the freed bit. Equal magnitudes are then
    adjacent, and a run of equal magnitudes occupying sorted positions ``lo``
    to ``lo + t - 1`` is a tie group whose members share the rank ``lo + (t +
    1) / 2``; ``W+`` adds that rank once per positive member. Integer arithmetic
    throughout, so exact.
    """
    # one row per day; zero ARs carry no sign and are dropped like missing ones
    magnitude = np.abs(ar.T, order="C")
    present = magnitude > 0  # False for NaN and for zero
    n = present.sum(axis=1)
    key = magnitude.view(np.uint64)
    key <<= np.uint64(1)
    key |= ar.T > 0
    key[~present] = np.iinfo(np.uint64).max  # sorts last
    key.sort(axis=1)
    w_plus = np.zeros(len(n))
    ties = np.zeros(len(n))
    for day in np.flatnonzero(n):
        sorted_keys = key[day, :n[day]]
        value = sorted_keys >> np.uint64(1)
        first = np.empty(value.size, dtype=bool)
        first[0] = True
        np.not_equal(value[1:], value[:-1], out=first[1:])
        if first.all():  # no ties (the usual case): position p holds rank p + 1
            positive = np.flatnonzero(sorted_keys & np.uint64(1))
            w_plus[day] = int(positive.sum()) + positive.size
            continue
        starts = np.flatnonzero(first)
        group = np.diff(starts, append=value.size)
        n_pos = np.add.reduceat((sorted_keys & np.uint64(1)).astype(np.int64), starts)
        twice = int((n_pos * (2 * starts + group + 1)).sum())  # 2 x rank x positive members
        w_plus[day] = twice / 2
        ties[day] = float((group**3 - group).sum())
    return n, w_plus, ties
