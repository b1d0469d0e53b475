"""Test statistics for abnormal returns.

Every test is a pure function of numpy arrays that returns a :class:`TestResult`
(or arrays of statistics when vectorised over events). Each docstring names the
paper and equation the statistic follows.

Array conventions of the multi-event battery
--------------------------------------------
``ar``
    (N events, T event-window days) abnormal returns; NaN marks a missing day.
``ar_var``
    (N, T) prediction-error-corrected variance of each AR, ``s_i**2 * C_it``
    (MacKinlay 1997, eq. 8; Patell 1976); NaN where missing.
``est_resid``
    (N, L) estimation-window residuals of each event's normal-return model; NaN
    where excluded or missing. Column j is the same relative day for every event.
``df``
    (N,) residual degrees of freedom of each event's model (``m_i - 2`` for the
    market model fitted on ``m_i`` returns).
``car``, ``car_var``
    (N,) cumulative abnormal return over one window and its prediction-error-
    corrected variance.

Non-finite values are treated as missing. Each day's statistic uses the events
present that day and reports that count as ``n``; a statistic that cannot be
formed (e.g. a cross-sectional s.d. with fewer than two events, or a zero s.d.)
is NaN, never an exception or a zero. Per-day tests return a
:class:`DailyTestResult` of (T,) arrays; window tests return a :class:`TestResult`.
P-values are two-sided throughout.

Large batteries
---------------
The batteries validate their inputs once, without copying them, and summarise
the estimation residuals in one pass (``r-bar``, per-event counts, the portfolio
series); :func:`summarize_residuals` lets a study's daily and window batteries
share that pass and its search of the residuals for infinite values. Rank tests
sort each event's values once, on 32-bit integer codes that carry the column
index (monotone in the values); an event whose codes cannot settle its ranks
(tied or nearly tied values) is ranked by the plain definition. Ranks enter the
statistics through sums of doubled ranks, which are integers and therefore
exact, grouped by the number of ranked values.
GRANK ranks each event's estimation SARs once for all windows and adds each
window's SCAR* by comparisons. Events are processed in blocks of rows on a few
threads (numpy releases the GIL while sorting and reducing) and the blocks are
combined in event order (float sums) or exactly (rank sums), so results do not
depend on the block size or on the number of threads, and equal those of the
single-test functions. The bootstrap draws its resamples in fixed blocks from
spawned child generators (:func:`window_bootstrap`), so for a given seed its
p-value does not depend on the number of CPUs either; it counts how often each
CAR is drawn, and one matrix product of the counts gives the sums of every
resample of a block for all windows. Student-t p-values of many events are
evaluated in blocks on the threads too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

# scipy is imported inside the functions that need it: scipy.stats costs about
# 0.5 s to import and scipy.special 0.1 s, which `import eventstudy` should not pay.
# Its distributions' p-values are the scipy.special functions they evaluate, called
# directly; scipy.stats remains only for the Wilcoxon test's small-sample p-values.
from eventstudy import blocks as _blocks
from eventstudy.errors import SpecificationError


@dataclass(frozen=True)
class TestResult:
    """Outcome of one hypothesis test.

    Attributes
    ----------
    name : str
        Short machine name of the test (e.g. ``"t"``, ``"patell"``).
    statistic : float
        Value of the test statistic.
    p_value : float
        Two-sided p-value under the reference distribution.
    distribution : str
        Reference distribution, ``"t"``, ``"normal"``, ``"empirical"`` ...
    df : float or None
        Degrees of freedom of the reference distribution, where it has them.
    n : int
        Number of observations (events) the statistic uses.
    """

    __test__ = False  # not a pytest test class despite the name

    name: str
    statistic: float
    p_value: float
    distribution: str
    df: float | None = None
    n: int = 1


def car_t_test(car: np.ndarray, variance: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, ...]:
    """Single-event t test of a cumulative abnormal return, vectorised over events.

    Follows MacKinlay (1997), "Event Studies in Economics and Finance", *Journal of
    Economic Literature* 35(1), eqs. (7)-(8) and the CAR generalisation in Campbell,
    Lo & MacKinlay (1997), *The Econometrics of Financial Markets*, ch. 4, eq. (4.4.9):
    under H0 the standardised CAR, ``CAR / sqrt(var(CAR))``, is Student-t with the
    estimation window's residual degrees of freedom (``L1 - 2`` for the market model).
    ``variance`` must already include the prediction-error correction.

    Parameters
    ----------
    car, variance, df : array_like
        Cumulative abnormal returns, their variances and the degrees of freedom,
        all broadcastable to the same shape.

    Returns
    -------
    se, t_stat, p_value : numpy.ndarray
        Standard errors, t statistics and two-sided p-values.
    """
    car = np.asarray(car, dtype=float)
    se = np.sqrt(np.asarray(variance, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_stat = car / se
    return se, t_stat, _p_t(t_stat, np.asarray(df, dtype=float))


# ---------------------------------------------------------------------------
# Result containers of the multi-event battery
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DailyTestResult:
    """Outcome of one test run separately on each event-window day.

    Attributes
    ----------
    name : str
        Short machine name of the test (``"csect_t"``, ``"patell"`` ...).
    statistic, p_value : numpy.ndarray
        (T,) statistics and two-sided p-values; NaN where the statistic is undefined.
    distribution : str
        Reference distribution (``"t"``, ``"normal"``, ``"binomial"``, ``"wilcoxon"``).
    df : numpy.ndarray or None
        (T,) degrees of freedom where the distribution has them, else None.
    n : numpy.ndarray
        (T,) integer number of events each day's statistic uses.
    """

    name: str
    statistic: np.ndarray
    p_value: np.ndarray
    distribution: str
    df: np.ndarray | None
    n: np.ndarray

    def day(self, j: int) -> TestResult:
        """Return the result for event-window column ``j`` as a :class:`TestResult`."""
        df = None if self.df is None else float(self.df[j])
        return TestResult(
            self.name, float(self.statistic[j]), float(self.p_value[j]),
            self.distribution, df, int(self.n[j]),
        )


@dataclass(frozen=True, eq=False)
class DailyDescriptives:
    """Pooled descriptive statistics of abnormal returns per event-window day.

    Attributes
    ----------
    n : numpy.ndarray
        (T,) number of events with an AR that day.
    aar : numpy.ndarray
        (T,) average abnormal return over the events present.
    caar : numpy.ndarray
        (T,) cumulative sum of ``aar`` from the first window day (NaN from the first
        day without any event on). With missing days this is the cumulated AAR,
        which differs from the mean of per-event CARs.
    sd : numpy.ndarray
        (T,) cross-sectional sample s.d. (ddof=1) of the ARs; NaN when n < 2.
    share_positive : numpy.ndarray
        (T,) fraction of present ARs that are strictly positive.
    """

    n: np.ndarray
    aar: np.ndarray
    caar: np.ndarray
    sd: np.ndarray
    share_positive: np.ndarray


# ---------------------------------------------------------------------------
# Input checks and small numeric helpers
# ---------------------------------------------------------------------------

_NAN = float("nan")


def _float_array(
    name: str, x, ndim: int, n_events: int | None, scan: bool = True
) -> np.ndarray:
    """``x`` as a float array of the expected rank; non-finite values become NaN.

    A float64 array without infinite values is returned as is (no copy); the
    battery never writes into its inputs. ``scan=False`` skips the search for
    infinite values, for an array already known to have none.
    """
    a = np.asarray(x, dtype=float)
    if a.ndim != ndim:
        layout = "(events, days)" if ndim == 2 else "(events,)"
        raise SpecificationError(
            f"{name} must be a {ndim}-D array {layout}; got shape {a.shape}. "
            "Pass one row per event."
        )
    if n_events is not None and a.shape[0] != n_events:
        raise SpecificationError(
            f"{name} has {a.shape[0]} events (rows) but the abnormal returns have "
            f"{n_events}; pass arrays built from the same event list."
        )
    if not scan:
        return a
    # a finite total proves every value finite (NaN and inf propagate into sums);
    # otherwise only infinite values need replacing (a copy), NaN already is NaN
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(a, axis=None)
    if not np.isfinite(total):
        infinite = np.isinf(a)
        if infinite.any():
            a = np.where(infinite, np.nan, a)
    return a


def _matrix(name: str, x, n_events: int | None = None) -> np.ndarray:
    return _float_array(name, x, 2, n_events)


def _vector(name: str, x, n_events: int | None = None) -> np.ndarray:
    return _float_array(name, x, 1, n_events)


def _same_shape(name: str, a: np.ndarray, ref_name: str, ref: np.ndarray) -> None:
    if a.shape != ref.shape:
        raise SpecificationError(
            f"{name} has shape {a.shape} but {ref_name} has shape {ref.shape}; "
            "they must describe the same events and days."
        )


def _column_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, mean and sample s.d. (ddof=1) of each column over its present rows."""
    ok = None if _complete(x) else ~np.isnan(x)
    n = np.full(x.shape[1], x.shape[0]) if ok is None else ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (x if ok is None else np.where(ok, x, 0.0)).sum(axis=0) / n
        dev = x - mean
        if ok is not None:
            dev[~ok] = 0.0
        np.multiply(dev, dev, out=dev)
        sd = np.sqrt(dev.sum(axis=0) / (n - 1))
    sd[n < 2] = np.nan
    return n, mean, sd


def _complete(x: np.ndarray) -> bool:
    """True if ``x`` has no NaN (a sum is NaN if some value is, or holds inf - inf)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return not np.isnan(np.add.reduce(x, axis=None))


def _column_sums(values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Column sums of the per-row ``values`` repeated across ``shape[1]`` columns.

    Summed as a column sum of the (rows, columns) panel would be (same order of
    additions), without forming the panel.
    """
    return np.broadcast_to(values[:, None], shape).sum(axis=0)


def _t_ratio(mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``mean / (sd / sqrt(n))``; NaN where sd is missing or zero (t undefined)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        t = mean * np.sqrt(n) / sd
    return np.where(sd > 0, t, np.nan)


def _t_df(n: np.ndarray) -> np.ndarray:
    """``n - 1`` as float, NaN where fewer than two observations."""
    return np.where(n >= 2, n - 1.0, np.nan)


def _p_normal(z: np.ndarray) -> np.ndarray:
    """Two-sided standard normal p-values, ``2 * scipy.stats.norm.sf(|z|)``.

    ``norm.sf(x)`` evaluates ``ndtr(-x)`` (and gives 0 at ``+inf``, NaN at NaN, as
    ``ndtr`` does), which is called directly.
    """
    from scipy.special import ndtr

    return 2.0 * ndtr(-np.abs(np.asarray(z, dtype=float)))


def _p_t(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Two-sided Student-t p-values, ``2 * scipy.stats.t.sf(|t|, df)``.

    ``t.sf`` evaluates ``stdtr(df, -|t|)``, which is called directly (also NaN for
    ``df <= 0``). The incomplete beta function behind it is costly, so arrays of
    many events are evaluated in blocks of rows on worker threads.
    """
    from scipy.special import stdtr  # here, not in the worker threads

    t_abs, df = np.broadcast_arrays(np.abs(np.asarray(t, dtype=float)),
                                    np.asarray(df, dtype=float))
    if t_abs.size <= _blocks.BLOCK_CELLS:
        return 2.0 * stdtr(df, -t_abs)
    p = np.empty(t_abs.shape)

    def block(rows: slice) -> None:
        p[rows] = 2.0 * stdtr(df[rows], -t_abs[rows])

    _blocks.for_each_block(block, len(p), t_abs.size // len(p))
    return p


def _standardize(ar: np.ndarray, ar_var: np.ndarray) -> np.ndarray:
    """SAR = AR / sqrt(var); missing where the variance is missing or not positive."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sar = np.sqrt(ar_var)
        np.divide(ar, sar, out=sar)
    usable = ar_var > 0
    if not usable.all():
        sar[~usable] = np.nan
    return sar


def _column(name: str, x) -> np.ndarray:
    """A window's per-event vector as a one-day (N, 1) panel for the per-day code."""
    return _vector(name, x)[:, None]


def _concurrently(*funcs: Callable[[], object], threads: bool = True) -> list[object]:
    """Call each function, on separate threads if ``threads`` and several CPUs are usable.

    For single-threaded steps that can run side by side; results in argument order.
    """
    if not threads or _blocks.worker_count() == 1:
        return [func() for func in funcs]
    with ThreadPoolExecutor(max_workers=len(funcs) - 1) as pool:
        futures = [pool.submit(func) for func in funcs[1:]]
        first = funcs[0]()
        return [first, *(future.result() for future in futures)]


# ---------------------------------------------------------------------------
# Ranks within events
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# One pass over the estimation residuals
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ResidualSummary:
    """What the test batteries need from the (N, L) estimation residuals, from one pass.

    Attributes
    ----------
    present, positive : numpy.ndarray
        (N,) count of each event's present residuals and of its strictly
        positive ones (Cowan 1992's ``p``, :func:`daily_gen_sign`).
    sum_squares : numpy.ndarray or None
        (N,) sum of squares of each event's present residuals (GRANK's ``s_i``,
        :func:`window_grank`); None if not computed.
    column_mean : numpy.ndarray or None
        (L,) mean residual of each estimation day over the events present that
        day (Brown & Warner's portfolio series, :func:`daily_bw_portfolio_t`);
        None if not computed.
    rbar : float
        :func:`average_residual_correlation` (Kolari & Pynnonen 2010).
    no_infinite : bool
        True if the residuals summarised held no infinite value: a battery given
        this summary then takes the same residuals as they are, without searching
        them for infinite values again (a pass over all N x L values).
    """

    present: np.ndarray
    positive: np.ndarray
    sum_squares: np.ndarray | None
    column_mean: np.ndarray | None
    rbar: float
    no_infinite: bool = False

    @property
    def positive_share(self) -> np.ndarray:
        """Fraction of each event's present residuals that are > 0 (NaN if none)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.positive / self.present


def summarize_residuals(est_resid: np.ndarray) -> ResidualSummary:
    """Summarise a study's estimation residuals once for both test batteries.

    :func:`run_daily_battery` and :func:`run_window_batteries` (and the tables of
    :mod:`eventstudy.pooled`) take the result as ``residuals`` so that the
    residuals of a study are summarised once, not once per battery. It must be
    the summary of the same ``est_resid`` the battery gets (only its shape can
    be checked).
    """
    raw = np.asarray(est_resid, dtype=float)
    est = _matrix("est_resid", raw)
    return replace(_summarize_residuals(est), no_infinite=est is raw)


def _residual_matrix(
    est_resid, n_events: int | None, residuals: ResidualSummary | None
) -> np.ndarray:
    """Validated ``est_resid``; not searched for infinite values if its summary says none."""
    scan = residuals is None or not residuals.no_infinite
    return _float_array("est_resid", est_resid, 2, n_events, scan)


def _residuals_for(
    est: np.ndarray,
    residuals: ResidualSummary | None,
    *,
    sum_squares: bool = True,
    column_mean: bool = True,
) -> ResidualSummary:
    """The given summary of ``est`` after a shape check, or a new one with what is needed."""
    if residuals is None:
        return _summarize_residuals(est, sum_squares=sum_squares, column_mean=column_mean)
    n_events, n_days = est.shape
    missing = [
        name for name, needed, value in (
            ("sum_squares", sum_squares, residuals.sum_squares),
            ("column_mean", column_mean, residuals.column_mean),
        ) if needed and value is None
    ]
    days = None if residuals.column_mean is None else residuals.column_mean.shape[0]
    if residuals.present.shape != (n_events,) or days not in (None, n_days) or missing:
        raise SpecificationError(
            f"residuals summarise {residuals.present.shape[0]} events and {days} days "
            f"(missing: {missing or 'nothing'}) but est_resid has {n_events} events and "
            f"{n_days} days; pass summarize_residuals(est_resid) of the same residuals."
        )
    return residuals


def _summarize_residuals(
    est: np.ndarray, *, sum_squares: bool = True, column_mean: bool = True
) -> ResidualSummary:
    """Per-event and per-day summaries of validated residuals, in blocks of events.

    Column sums (``column_mean`` and the ``r-bar`` total) are accumulated in event
    order with the running total as the first row of each block, so they equal a
    single column sum over all events, bit for bit.
    """
    n_events, width = est.shape

    def summarize(rows: slice) -> tuple[np.ndarray | None, ...]:
        block = est[rows]
        k = block.shape[0]
        row_sum = block.sum(axis=1)
        ok = ~np.isnan(block) if np.isnan(row_sum).any() else None
        # the residuals with missing ones as 0.0, after an empty row for the
        # running column total
        filled = np.empty((k + 1, width)) if column_mean else None
        if filled is not None:
            filled[1:] = block
            body = filled[1:]
        else:
            body = block if ok is None else block.copy()
        if ok is None:
            m, column_n = np.full(k, width), np.full(width, k)
        else:
            body[~ok] = 0.0
            m, column_n = ok.sum(axis=1), ok.sum(axis=0)
            row_sum = body.sum(axis=1)
        positive = np.count_nonzero(block > 0, axis=1)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            row_squares = (body * body).sum(axis=1) if sum_squares else None
            centred = block - (row_sum / m)[:, None]
            if ok is not None:
                centred[~ok] = 0.0
            length = np.sqrt(np.einsum("ij,ij->i", centred, centred))
            use = (m >= 2) & (length > 0)
            unit = np.empty((int(use.sum()) + 1, width))
            if use.all():
                np.divide(centred, length[:, None], out=unit[1:])
            else:
                np.divide(centred[use], length[use, None], out=unit[1:])
        return m, positive, row_squares, column_n, filled, unit

    blocks = _blocks.row_blocks(n_events, width)
    present = np.empty(n_events, dtype=np.intp)
    positive = np.empty(n_events, dtype=np.intp)
    squares = np.empty(n_events) if sum_squares else None
    column_n = np.zeros(width, dtype=np.intp)
    column_sum = np.zeros(width)
    total = np.zeros(width)
    k = 0
    parts = _blocks.ordered_map(summarize, blocks, len(blocks))
    for rows, (m, pos, sq, col_n, filled, unit) in zip(blocks, parts, strict=True):
        present[rows], positive[rows] = m, pos
        if squares is not None:
            squares[rows] = sq
        if filled is not None:
            filled[0] = column_sum
            column_sum = filled.sum(axis=0)
            column_n += col_n
        unit[0] = total
        total = unit.sum(axis=0)
        k += unit.shape[0] - 1
    means = None
    if column_mean:
        with np.errstate(invalid="ignore", divide="ignore"):
            means = column_sum / column_n
    rbar = float((total @ total - k) / (k * (k - 1.0))) if k >= 2 else _NAN
    return ResidualSummary(present, positive, squares, means, rbar)


# ---------------------------------------------------------------------------
# Cross-correlation of estimation residuals (Kolari & Pynnonen 2010)
# ---------------------------------------------------------------------------


def average_residual_correlation(est_resid: np.ndarray) -> float:
    """Average pairwise correlation of estimation-window residuals across events.

    The ``r-bar`` of Kolari & Pynnonen (2010), "Event Study Testing with
    Cross-sectional Correlation of Abnormal Returns", *Review of Financial Studies*
    23(11), 3996-4025: the mean of the ``N(N-1)/2`` sample correlations
    ``r_ij`` of the estimation-period residuals.

    Computed in O(N L) without the N x N matrix: with each event's residuals
    centred and scaled to unit length ``u_i``, ``sum_{i != j} r_ij =
    ||sum_i u_i||^2 - N``.

    Parameters
    ----------
    est_resid : array_like
        (N, L) residuals; column j is the same relative day for every event.

    Returns
    -------
    float
        ``r-bar``; NaN when fewer than two events have two or more non-constant
        residuals.

    Notes
    -----
    Without missing values this equals the mean off-diagonal entry of
    ``numpy.corrcoef(est_resid)``. With missing values each event is centred and
    scaled over its own present days and a missing day contributes zero to the
    cross-products (an approximation to pairwise-complete correlations that keeps
    the computation linear in N). The batteries compute it once per run and pass
    it to the Kolari-Pynnonen tests (their ``rbar`` argument).
    """
    est = _matrix("est_resid", est_resid)
    return _summarize_residuals(est, sum_squares=False, column_mean=False).rbar


def _kp_bmp_factor(rbar: float, n: np.ndarray) -> np.ndarray:
    """Kolari-Pynnonen correction of the BMP t: sqrt((1 - r) / (1 + (n - 1) r))."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt((1.0 - rbar) / (1.0 + (n - 1.0) * rbar))


def _kp_patell_factor(rbar: float, n: np.ndarray) -> np.ndarray:
    """Kolari-Pynnonen correction of the Patell z: 1 / sqrt(1 + (n - 1) r)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 / np.sqrt(1.0 + (n - 1.0) * rbar)


# ---------------------------------------------------------------------------
# Per-day tests
# ---------------------------------------------------------------------------


def daily_csect_t(ar: np.ndarray) -> DailyTestResult:
    """Cross-sectional t test of the average abnormal return (AAR), per day.

    ``t_t = AAR_t / (s_t / sqrt(n_t))`` with ``s_t`` the cross-sectional sample
    s.d. (ddof=1) of the day's ARs, Student-t with ``n_t - 1`` df. This is the
    "cross-sectional test" of Brown & Warner (1985), "Using Daily Stock Returns:
    The Case of Event Studies", *Journal of Financial Economics* 14(1), 3-31, and
    the "cross-sectional method" of Boehmer, Musumeci & Poulsen (1991), *JFE*
    30(2), 253-272. Campbell, Lo & MacKinlay (1997), ch. 4 ("Modifying the Null
    Hypothesis"), estimate var(AAR) as ``(1/N^2) sum (AR - AAR)^2``; the unbiased
    ``1/(N(N-1))`` form is used here, as in ``scipy.stats.ttest_1samp``.

    Parameters
    ----------
    ar : array_like
        (N, T) abnormal returns, NaN where missing.

    Returns
    -------
    DailyTestResult
        ``name="csect_t"``, distribution ``"t"``; NaN where ``n_t < 2`` or ``s_t = 0``.
    """
    return _csect_t(_matrix("ar", ar))


def _csect_t(ar: np.ndarray, stats: tuple[np.ndarray, ...] | None = None) -> DailyTestResult:
    n, mean, sd = _column_stats(ar) if stats is None else stats
    t = _t_ratio(mean, sd, n)
    df = _t_df(n)
    return DailyTestResult("csect_t", t, _p_t(t, df), "t", df, n)


def daily_bw_portfolio_t(ar: np.ndarray, est_resid: np.ndarray) -> DailyTestResult:
    """Brown & Warner portfolio t test with the crude dependence adjustment, per day.

    ``t_t = AAR_t / S(AAR)``, where ``S(AAR)`` is the time-series sample s.d.
    (ddof=1) of the estimation-window average residual ``AAR_j = mean_i e_ij``
    over the L' estimation days with any residual; Student-t with ``L' - 1`` df.
    Follows Brown & Warner (1980), "Measuring Security Price Performance", *JFE*
    8(3), 205-258, and (1985), *JFE* 14(1), 3-31, "crude dependence adjustment"
    (their ``A-bar_t / S(A-bar_t)``, t with 238 df for 239 estimation days).

    Parameters
    ----------
    ar : array_like
        (N, T) abnormal returns.
    est_resid : array_like
        (N, L) estimation residuals; column j is the same relative (for clustered
        events, calendar) day, which is what makes the portfolio s.d. reflect
        cross-correlation.

    Returns
    -------
    DailyTestResult
        ``name="bw_portfolio_t"``, distribution ``"t"``, df ``L' - 1`` each day.

    Notes
    -----
    As in the original, ``S(AAR)`` is the s.d. of an average over all events; no
    rescaling is made for days on which fewer events are present.
    """
    ar = _matrix("ar", ar)
    est = _matrix("est_resid", est_resid, ar.shape[0])
    return _bw_portfolio_t(ar, _summarize_residuals(est, sum_squares=False).column_mean)


def _bw_portfolio_t(
    ar: np.ndarray, est_aar: np.ndarray, stats: tuple[np.ndarray, ...] | None = None
) -> DailyTestResult:
    n, aar, _ = _column_stats(ar) if stats is None else stats
    days = est_aar[~np.isnan(est_aar)]
    sd = float(np.std(days, ddof=1)) if days.size >= 2 else _NAN
    with np.errstate(invalid="ignore", divide="ignore"):
        t = aar / sd if sd > 0 else np.full(aar.shape, np.nan)
    df = np.full(aar.shape, days.size - 1.0 if days.size >= 2 else _NAN)
    return DailyTestResult("bw_portfolio_t", t, _p_t(t, df), "t", df, n)


def _patell_z(sar: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum of SARs over the root of the sum of their t variances ``df/(df-2)``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sar_var = np.where(df > 2, df / (df - 2.0), np.nan)
    if _complete(sar) and _complete(sar_var):
        n = np.full(sar.shape[1], sar.shape[0])
        total, variance = sar.sum(axis=0), _column_sums(sar_var, sar.shape)
    else:
        ok = ~np.isnan(sar) & ~np.isnan(sar_var)[:, None]
        n = ok.sum(axis=0)
        total = np.where(ok, sar, 0.0).sum(axis=0)
        variance = np.where(ok, sar_var[:, None], 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = total / np.sqrt(variance)
    return np.where(n > 0, z, np.nan), n


def daily_patell(ar: np.ndarray, ar_var: np.ndarray, df: np.ndarray) -> DailyTestResult:
    """Patell (1976) standardized residual test, per day.

    ``SAR_it = AR_it / sqrt(s_i^2 C_it)`` (prediction-error corrected, MacKinlay
    1997 eq. 8) is Student-t with ``df_i`` degrees of freedom, so its variance is
    ``df_i / (df_i - 2)`` (Patell's ``(m_i - 2)/(m_i - 4)`` for the market model);
    ``Z_t = sum_i SAR_it / sqrt(sum_i df_i / (df_i - 2))`` is N(0, 1) under H0.
    Patell (1976), "Corporate Forecasts of Earnings Per Share and Stock Price
    Behavior: Empirical Tests", *Journal of Accounting Research* 14(2), 246-276.

    Parameters
    ----------
    ar, ar_var : array_like
        (N, T) abnormal returns and their prediction-error-corrected variances.
    df : array_like
        (N,) residual degrees of freedom; events with ``df <= 2`` (infinite t
        variance) are left out and not counted in ``n``.

    Returns
    -------
    DailyTestResult
        ``name="patell"``, distribution ``"normal"``; NaN where ``n_t = 0``.
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    dof = _vector("df", df, ar.shape[0])
    return _patell(_standardize(ar, ar_var), dof)


def _ar_pair(ar, ar_var) -> tuple[np.ndarray, np.ndarray]:
    """Validated abnormal returns and their variances, of the same shape."""
    ar = _matrix("ar", ar)
    ar_var = _matrix("ar_var", ar_var)
    _same_shape("ar_var", ar_var, "ar", ar)
    return ar, ar_var


def _patell(sar: np.ndarray, dof: np.ndarray) -> DailyTestResult:
    z, n = _patell_z(sar, dof)
    return DailyTestResult("patell", z, _p_normal(z), "normal", None, n)


def daily_bmp(ar: np.ndarray, ar_var: np.ndarray) -> DailyTestResult:
    """Boehmer, Musumeci & Poulsen (1991) standardized cross-sectional test, per day.

    The cross-sectional t of the standardized abnormal returns
    ``SAR_it = AR_it / sqrt(ar_var_it)``: ``t_t = mean(SAR) / (s(SAR) / sqrt(n_t))``
    with ``s`` the cross-sectional sample s.d. (ddof=1), Student-t with ``n_t - 1``
    df. Boehmer, Musumeci & Poulsen (1991), "Event-study methodology under
    conditions of event-induced variance", *JFE* 30(2), 253-272, "standardized
    cross-sectional" test (SARs standardized as in Patell 1976).

    Parameters
    ----------
    ar, ar_var : array_like
        (N, T) abnormal returns and their prediction-error-corrected variances.

    Returns
    -------
    DailyTestResult
        ``name="bmp"``, distribution ``"t"``; NaN where ``n_t < 2``.
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    return _bmp(_standardize(ar, ar_var))


def _bmp(sar: np.ndarray) -> DailyTestResult:
    return replace(_csect_t(sar), name="bmp")


def daily_kp_bmp(
    ar: np.ndarray, ar_var: np.ndarray, est_resid: np.ndarray, *, rbar: float | None = None
) -> DailyTestResult:
    """Kolari & Pynnonen (2010) cross-correlation-adjusted BMP test, per day.

    ``t_adj = t_BMP * sqrt((1 - r) / (1 + (n_t - 1) r))`` with ``r`` the average
    cross-correlation of the estimation residuals
    (:func:`average_residual_correlation`); Student-t with ``n_t - 1`` df like the
    BMP t it rescales. Kolari & Pynnonen (2010), *Review of Financial Studies*
    23(11), 3996-4025, the adjusted BMP statistic (Section 1). ``r`` is computed
    once from all events' residuals, ``n_t`` is the day's count.

    Parameters
    ----------
    ar, ar_var : array_like
        (N, T) abnormal returns and their prediction-error-corrected variances.
    est_resid : array_like
        (N, L) estimation residuals.
    rbar : float, optional
        ``r`` if already computed from ``est_resid``
        (:func:`average_residual_correlation`); computed here when None.

    Returns
    -------
    DailyTestResult
        ``name="kp_bmp"``; NaN where BMP is NaN or ``1 + (n_t - 1) r <= 0``.
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    rbar = _rbar_of(est_resid, ar.shape[0], rbar)
    return _kp_bmp(_bmp(_standardize(ar, ar_var)), rbar)


def _rbar_of(est_resid, n_events: int, rbar: float | None) -> float:
    """The given ``r-bar``, or the one of the validated residuals."""
    est = _matrix("est_resid", est_resid, n_events)
    if rbar is not None:
        return float(rbar)
    return _summarize_residuals(est, sum_squares=False, column_mean=False).rbar


def _kp_bmp(bmp: DailyTestResult, rbar: float) -> DailyTestResult:
    t = bmp.statistic * _kp_bmp_factor(rbar, bmp.n)
    return DailyTestResult("kp_bmp", t, _p_t(t, bmp.df), "t", bmp.df, bmp.n)


def daily_kp_patell(
    ar: np.ndarray,
    ar_var: np.ndarray,
    df: np.ndarray,
    est_resid: np.ndarray,
    *,
    rbar: float | None = None,
) -> DailyTestResult:
    """Kolari & Pynnonen (2010) cross-correlation-adjusted Patell test, per day.

    ``z_adj = z_Patell / sqrt(1 + (n_t - 1) r)``, N(0, 1) under H0, with ``r``
    the average estimation-residual cross-correlation. Kolari & Pynnonen (2010),
    *RFS* 23(11), 3996-4025, the adjusted Patell statistic (Section 1); ``z_Patell``
    as in :func:`daily_patell`, ``r`` from all events, ``n_t`` the day's count.
    ``rbar``, if given, is used as ``r`` (see :func:`daily_kp_bmp`).

    Returns
    -------
    DailyTestResult
        ``name="kp_patell"``, distribution ``"normal"``.
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    dof = _vector("df", df, ar.shape[0])
    rbar = _rbar_of(est_resid, ar.shape[0], rbar)
    return _kp_patell(_patell(_standardize(ar, ar_var), dof), rbar)


def _kp_patell(patell: DailyTestResult, rbar: float) -> DailyTestResult:
    z = patell.statistic * _kp_patell_factor(rbar, patell.n)
    return DailyTestResult("kp_patell", z, _p_normal(z), "normal", None, patell.n)


def daily_corrado_rank(ar: np.ndarray, est_resid: np.ndarray) -> DailyTestResult:
    """Corrado (1989) rank test over the combined estimation and event period, per day.

    Each event's residuals and ARs over the L + T days are ranked together
    (``K_it``, average ranks for ties) and scaled by its number of present values
    ``M_i``: ``U_it = K_it / (M_i + 1) - 1/2`` (Corrado & Zivney 1992). With
    ``U-bar_t`` the mean over the ``n_t`` events present on day t and
    ``sigma^2 = (1/D) sum_t n_t U-bar_t^2`` over the D days of the combined period
    that have any value, ``z_t = sqrt(n_t) U-bar_t / sigma`` is N(0, 1) under H0.

    Corrado (1989), "A Nonparametric Test for Abnormal Security-Price Performance
    in Event Studies", *JFE* 23(2), 385-395, statistic ``T = (1/N) sum_i
    (K_i0 - (M+1)/2) / S(K)``, ``S(K)^2 = (1/M) sum_t ((1/N) sum_i (K_it -
    (M+1)/2))^2``; missing-value form of Corrado & Zivney (1992), *JFQA* 27(3),
    465-478. Without missing values the two coincide exactly.

    Parameters
    ----------
    ar : array_like
        (N, T) abnormal returns.
    est_resid : array_like
        (N, L) estimation residuals (raw, as Corrado ranks raw abnormal returns).

    Returns
    -------
    DailyTestResult
        ``name="corrado_rank"``, distribution ``"normal"``.
    """
    ar = _matrix("ar", ar)
    est = _matrix("est_resid", est_resid, ar.shape[0])
    return _corrado_rank(ar, est)


def _corrado_rank(ar: np.ndarray, est: np.ndarray) -> DailyTestResult:
    width = est.shape[1] + ar.shape[1]
    n_all, ubar = _uniform_rank_means(
        _blocks.row_blocks(ar.shape[0], width), lambda rows: np.hstack([est[rows], ar[rows]]), width
    )
    used = n_all > 0
    sigma = np.sqrt((n_all[used] * ubar[used] ** 2).sum() / used.sum()) if used.any() else 0.0
    n = n_all[est.shape[1]:]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.sqrt(n) * ubar[est.shape[1]:] / sigma
    z = np.where((n > 0) & (sigma > 0), z, np.nan)
    return DailyTestResult("corrado_rank", z, _p_normal(z), "normal", None, n)


def daily_gen_sign(ar: np.ndarray, est_resid: np.ndarray) -> DailyTestResult:
    """Cowan (1992) generalized sign test, per day.

    ``z_t = (w_t - n_t p) / sqrt(n_t p (1 - p))`` with ``w_t`` the number of
    strictly positive ARs among the ``n_t`` events present and ``p`` the average,
    over those events, of each event's fraction of strictly positive estimation
    residuals; N(0, 1) under H0. Cowan (1992), "Nonparametric Event Study Tests",
    *Review of Quantitative Finance and Accounting* 2(4), 343-358.

    Parameters
    ----------
    ar : array_like
        (N, T) abnormal returns.
    est_resid : array_like
        (N, L) estimation residuals; events without any are left out.

    Returns
    -------
    DailyTestResult
        ``name="gen_sign"``; NaN where ``n_t = 0`` or ``p`` is 0 or 1.
    """
    ar = _matrix("ar", ar)
    est = _matrix("est_resid", est_resid, ar.shape[0])
    residuals = _summarize_residuals(est, sum_squares=False, column_mean=False)
    return _gen_sign(ar, residuals.positive_share)


def _gen_sign(ar: np.ndarray, share: np.ndarray) -> DailyTestResult:
    if _complete(ar) and _complete(share):
        n = np.full(ar.shape[1], ar.shape[0])
        w = np.count_nonzero(ar > 0, axis=0)
        share_sum = _column_sums(share, ar.shape)
    else:
        ok = ~np.isnan(ar) & ~np.isnan(share)[:, None]
        n = ok.sum(axis=0)
        w = (ok & (ar > 0)).sum(axis=0)
        share_sum = np.where(ok, share[:, None], 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = share_sum / n
        z = (w - n * p) / np.sqrt(n * p * (1.0 - p))
    z = np.where((n > 0) & (p > 0) & (p < 1), z, np.nan)
    return DailyTestResult("gen_sign", z, _p_normal(z), "normal", None, n)


def _binomial_half_p(w: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Exact two-sided binomial p-value for p = 1/2 (the null is symmetric).

    ``2 min(P(W <= w), P(W >= w))``, capped at 1, for W ~ Binomial(n, 1/2) and
    ``0 <= w <= n``: the tails ``scipy.stats.binom.cdf(w, n, 0.5)`` and
    ``binom.sf(w - 1, n, 0.5)``. scipy.stats evaluates them with Boost's binomial
    distribution, scipy.special's private ufuncs ``_binom_cdf`` and ``_binom_sf``
    (the public ``bdtr`` and ``bdtrc`` are another implementation, whose values
    differ in the last bits). Those are called here inside the support, where
    scipy.stats calls them, clipped to [0, 1] as it does, and a tail is 1 outside
    (``w = n``, ``w = 0``), as there; the p-values are therefore scipy.stats' bit
    for bit without its import. Should scipy drop the private ufuncs, scipy.stats
    is used.
    """
    w, n = np.asarray(w), np.asarray(n)
    try:
        from scipy.special._ufuncs import _binom_cdf, _binom_sf
    except ImportError:
        from scipy import stats

        lower, upper = stats.binom.cdf(w, n, 0.5), stats.binom.sf(w - 1, n, 0.5)
    else:
        k, size = w.astype(float), n.astype(float)
        lower = np.where(w < n, np.clip(_binom_cdf(k, size, 0.5), 0.0, 1.0), 1.0)
        upper = np.where(w > 0, np.clip(_binom_sf(k - 1.0, size, 0.5), 0.0, 1.0), 1.0)
    tail = np.minimum(lower, upper)
    return np.where(n > 0, np.minimum(1.0, 2.0 * tail), np.nan)


def daily_sign(ar: np.ndarray) -> DailyTestResult:
    """Sign test of a zero median abnormal return (p = 1/2), per day.

    Zero ARs carry no sign and are dropped; among the ``n_t`` non-zero ARs the
    number ``w_t`` of positive ones is Binomial(n_t, 1/2) under H0. The p-value is
    the exact two-sided binomial one (as ``scipy.stats.binomtest(w, n, 0.5)``); the
    reported statistic is the normal score ``(w - n/2) / sqrt(n/4)``, whose sign
    gives the direction. Cowan (1992), *RQFA* 2(4), 343-358, sign test with
    ``p = 0.5`` (cf. Brown & Warner 1980).

    Returns
    -------
    DailyTestResult
        ``name="sign"``, distribution ``"binomial"``; ``n`` counts non-zero ARs.
    """
    return _sign(_matrix("ar", ar))


def _sign(ar: np.ndarray) -> DailyTestResult:
    w = (ar > 0).sum(axis=0)
    n = w + (ar < 0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(n > 0, (w - n / 2.0) / np.sqrt(n / 4.0), np.nan)
    return DailyTestResult("sign", z, _binomial_half_p(w, n), "binomial", None, n)


def daily_wilcoxon(ar: np.ndarray) -> DailyTestResult:
    """Wilcoxon (1945) signed-rank test of symmetry about zero of the ARs, per day.

    Zero ARs are dropped (``zero_method="wilcox"``). The statistic reported is the
    normal score ``(W+ - n(n+1)/4) / sqrt(n(n+1)(2n+1)/24 - sum(t^3 - t)/48)``
    (``W+`` the sum of ranks of ``|AR|`` over positive ARs, average ranks for ties,
    ``t`` tie-group sizes); the p-value is ``scipy.stats.wilcoxon(method="auto")``:
    exact for small samples, normal approximation otherwise. Wilcoxon (1945),
    "Individual Comparisons by Ranking Methods", *Biometrics Bulletin* 1(6), 80-83.

    Returns
    -------
    DailyTestResult
        ``name="wilcoxon"``; ``n`` counts non-zero ARs.
    """
    return _wilcoxon(_matrix("ar", ar))


_WILCOXON_EXACT_MAX = 50  # scipy's method="auto" is asymptotic above this many values


def _wilcoxon(ar: np.ndarray) -> DailyTestResult:
    n, w_plus, ties = _signed_rank_sums(ar)
    mean = n * (n + 1) / 4.0
    var = n * (n + 1) * (2 * n + 1) / 24.0 - ties / 48.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var > 0, (w_plus - mean) / np.sqrt(var), np.nan)
    return DailyTestResult(
        "wilcoxon", z, _wilcoxon_p(ar, n, w_plus, ties), "wilcoxon", None, n
    )


def _signed_rank_sums(ar: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per day: count of non-zero ARs, ``W+`` and ``sum(t^3 - t)`` over tie groups of |AR|.

    Each day's non-zero ARs are sorted once on unsigned keys: the bit pattern of
    |AR| (which orders non-negative floats exactly) shifted left by one, with
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


def _wilcoxon_p(
    ar: np.ndarray, n: np.ndarray, w_plus: np.ndarray, ties: np.ndarray
) -> np.ndarray:
    """Two-sided p-values of ``scipy.stats.wilcoxon(method="auto")`` for each day.

    Above 50 values scipy uses the normal approximation without continuity
    correction, ``2 Phi(-|W+ - n(n+1)/4| / se)`` with the tie-corrected
    ``se^2 = (n(n+1)(2n+1) - sum(t^3 - t)/2) / 24``; it is evaluated here in the
    same arithmetic. Smaller samples (exact or permutation distribution) go to scipy.
    """
    from scipy.special import ndtr

    count = n.astype(float)
    mean = count * (count + 1.0) * 0.25
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt((count * (count + 1.0) * (2.0 * count + 1.0) - ties / 2) / 24)
        p = 2 * ndtr(-np.abs((w_plus - mean) / se))
    p[n == 0] = np.nan
    small = np.flatnonzero((n > 0) & (n <= _WILCOXON_EXACT_MAX))
    if small.size:  # scipy.stats only when some day has few values
        from scipy import stats
    for day in small:
        x = ar[:, day]
        x = x[~np.isnan(x) & (x != 0)]
        p[day] = stats.wilcoxon(x, zero_method="wilcox", method="auto").pvalue
    return p


def daily_descriptives(ar: np.ndarray) -> DailyDescriptives:
    """Per-day N, AAR, CAAR path, cross-sectional s.d. and share of positive ARs.

    ``AAR_t`` and the s.d. (ddof=1) use the events present on day t; ``CAAR_t =
    sum_{s <= t} AAR_s`` (MacKinlay 1997, JEL 35(1), 13-39, aggregation of
    abnormal returns: AR-bar and CAR-bar).
    """
    ar = _matrix("ar", ar)
    n, aar, sd = _column_stats(ar)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (ar > 0).sum(axis=0) / n
    return DailyDescriptives(n, aar, np.cumsum(aar), sd, share)


# ---------------------------------------------------------------------------
# Window (CAR) tests: a window is one "day" whose AR is the CAR
# ---------------------------------------------------------------------------


def window_csect_t(car: np.ndarray) -> TestResult:
    """Cross-sectional t test of the CAAR over one window.

    ``t = mean(CAR) / (s(CAR) / sqrt(n))``, Student-t with ``n - 1`` df; the
    window form of :func:`daily_csect_t` (Brown & Warner 1985; Campbell, Lo &
    MacKinlay 1997, ch. 4, cross-sectional variance of CAR-bar).
    """
    return daily_csect_t(_column("car", car)).day(0)


def window_patell(car: np.ndarray, car_var: np.ndarray, df: np.ndarray) -> TestResult:
    """Patell test of the CAAR over one window (Campbell, Lo & MacKinlay's J2).

    ``SCAR_i = CAR_i / sqrt(car_var_i)`` is Student-t with ``df_i`` df, so
    ``Z = sum_i SCAR_i / sqrt(sum_i df_i / (df_i - 2))`` is N(0, 1). With a common
    ``df = L1 - 2`` this is ``J2 = sqrt(N (L1 - 4) / (L1 - 2)) * SCAR-bar`` of
    Campbell, Lo & MacKinlay (1997), *The Econometrics of Financial Markets*,
    ch. 4.4.3; Patell (1976), *JAR* 14(2), 246-276, for the standardization.
    Events with ``df <= 2`` are left out.
    """
    c = _column("car", car)
    return daily_patell(c, _column("car_var", car_var), df).day(0)


def window_kp_patell(
    car: np.ndarray,
    car_var: np.ndarray,
    df: np.ndarray,
    est_resid: np.ndarray,
    *,
    rbar: float | None = None,
) -> TestResult:
    """Kolari & Pynnonen (2010) adjusted Patell test of the CAAR over one window.

    ``Z_adj = Z / sqrt(1 + (n - 1) r)`` with ``Z`` of :func:`window_patell` and ``r``
    the average estimation-residual cross-correlation (KP 2010, *RFS* 23(11),
    3996-4025, applied to cumulated SARs as in their Section 1). ``rbar``, if
    given, is used as ``r``.
    """
    c = _column("car", car)
    return daily_kp_patell(c, _column("car_var", car_var), df, est_resid, rbar=rbar).day(0)


def window_bmp(car: np.ndarray, car_var: np.ndarray) -> TestResult:
    """BMP standardized cross-sectional test of the CAAR over one window.

    The cross-sectional t (``n - 1`` df) of ``SCAR_i = CAR_i / sqrt(car_var_i)``;
    Boehmer, Musumeci & Poulsen (1991), *JFE* 30(2), 253-272, multi-day form.
    """
    return daily_bmp(_column("car", car), _column("car_var", car_var)).day(0)


def window_kp_bmp(
    car: np.ndarray, car_var: np.ndarray, est_resid: np.ndarray, *, rbar: float | None = None
) -> TestResult:
    """Kolari & Pynnonen (2010) adjusted BMP test of the CAAR over one window.

    ``t_adj = t_BMP * sqrt((1 - r) / (1 + (n - 1) r))`` with ``t_BMP`` of
    :func:`window_bmp`; KP (2010), *RFS* 23(11), 3996-4025. ``rbar``, if given,
    is used as ``r``.
    """
    c = _column("car", car)
    return daily_kp_bmp(c, _column("car_var", car_var), est_resid, rbar=rbar).day(0)


def window_gen_sign(car: np.ndarray, est_resid: np.ndarray) -> TestResult:
    """Cowan (1992) generalized sign test of the CARs over one window.

    ``z = (w - n p) / sqrt(n p (1 - p))`` with ``w`` the number of positive CARs and
    ``p`` the mean fraction of positive estimation residuals (Cowan 1992, *RQFA*
    2(4), 343-358, applied to multi-day windows as in that paper).
    """
    return daily_gen_sign(_column("car", car), est_resid).day(0)


def window_sign(car: np.ndarray) -> TestResult:
    """Sign test (p = 1/2, exact binomial p-value) of the CARs; see :func:`daily_sign`."""
    return daily_sign(_column("car", car)).day(0)


def window_wilcoxon(car: np.ndarray) -> TestResult:
    """Wilcoxon signed-rank test of the CARs; see :func:`daily_wilcoxon`."""
    return daily_wilcoxon(_column("car", car)).day(0)


def window_grank(
    car: np.ndarray, car_var: np.ndarray, est_resid: np.ndarray, df: np.ndarray
) -> TestResult:
    """Kolari & Pynnonen (2011) generalized rank (GRANK) test of a CAR window.

    Follows Kolari & Pynnonen (2011), "Nonparametric Rank Tests for Event Studies",
    *Journal of Empirical Finance* 18(5), 953-971, Section 2:

    1. ``SCAR_i = CAR_i / sqrt(car_var_i)``, re-standardized for event-induced
       volatility: ``SCAR*_i = SCAR_i / s(SCAR)`` (cross-sectional s.d., ddof=1).
    2. Generalized SARs: ``GSAR_it = SAR_it = e_it / s_i`` on the L estimation
       days, with ``s_i^2 = sum_t e_it^2 / df_i``, and ``GSAR_i0 = SCAR*_i`` for the
       window, treated as one extra "day".
    3. ``U_it = rank(GSAR_it) / (M_i + 1) - 1/2`` within each event over its
       ``M_i`` present values (average ranks for ties).
    4. ``Z = U-bar_0 / S_U``, ``S_U^2 = (1/T) sum_t (n_t / n) U-bar_t^2`` over the T
       days (estimation days plus the window) with any value; ``n`` events.
    5. ``t_grank = Z sqrt((T - 2) / (T - 1 - Z^2))``, Student-t with ``T - 2`` df.

    Events without a CAR, a positive ``car_var`` or a valid ``s_i`` are left out.

    Returns
    -------
    TestResult
        ``name="grank"``; NaN when fewer than two events remain or ``s(SCAR) = 0``.
    """
    car = _vector("car", car)
    car_var = _vector("car_var", car_var, car.shape[0])
    est = _matrix("est_resid", est_resid, car.shape[0])
    dof = _vector("df", df, car.shape[0])
    residuals = _summarize_residuals(est, column_mean=False)
    return _grank(car, car_var, est, residuals.sum_squares, dof)


def _grank(
    car: np.ndarray, car_var: np.ndarray, est: np.ndarray, sum_squares: np.ndarray,
    dof: np.ndarray,
) -> TestResult:
    return _grank_tests([(car, car_var)], est, sum_squares, dof)[0]


def _grank_tests(
    windows: list[tuple[np.ndarray, np.ndarray]],
    est: np.ndarray,
    sum_squares: np.ndarray,
    dof: np.ndarray,
) -> list[TestResult]:
    """GRANK of several windows (validated ``(car, car_var)`` pairs) on the same events.

    The estimation SARs are computed, ranked and compared with every window's
    SCAR* in one pass over the estimation residuals (see :func:`_grank_sums`).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sqrt(sum_squares / dof)
    usable = (s > 0) & np.isfinite(s)
    results = []
    computable = []  # (window, its SCAR* per event with NaN where left out, n)
    for w, (car, car_var) in enumerate(windows):
        scar = _standardize(car, car_var)
        keep = ~np.isnan(scar) & usable
        n = int(keep.sum())
        scar_sd = float(np.std(scar[keep], ddof=1)) if n >= 2 else _NAN
        results.append(TestResult("grank", _NAN, _NAN, "t", None, n))
        if scar_sd > 0:
            computable.append((w, np.where(keep, scar / scar_sd, np.nan), n))
    if computable:
        sums = _grank_sums(est, s, [target for _, target, _ in computable])
        for (w, _, n), window_sums in zip(computable, sums, strict=True):
            results[w] = _grank_statistic(*window_sums, n)
    return results


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


def _grank_statistic(
    twice: np.ndarray, window: np.ndarray, present: np.ndarray, n: int
) -> TestResult:
    """GRANK t from a window's doubled rank sums (:func:`_grank_sums`), KP (2011) steps 3-5."""
    scale = np.arange(2.0, twice.shape[0] + 2.0)  # M + 1 = m + 2 values after the SCAR*
    ubar = np.append(
        _mean_uniform_ranks(twice, present, scale),
        _mean_uniform_ranks(window[:, None], np.array([n]), scale),
    )
    n_t = np.append(present, n)
    used = n_t > 0
    days = int(used.sum())
    s_u = np.sqrt((n_t[used] / n * ubar[used] ** 2).sum() / days)
    z = ubar[-1] / s_u if s_u > 0 else _NAN
    with np.errstate(invalid="ignore", divide="ignore"):
        t = float(z * np.sqrt((days - 2.0) / (days - 1.0 - z * z)))
    df_t = days - 2.0
    p = float(_p_t(t, df_t)) if df_t > 0 else _NAN
    return TestResult("grank", t, p, "t", df_t, n)


def window_bootstrap(
    car: np.ndarray, *, n_boot: int = 999, seed: int | np.random.Generator | None = None
) -> TestResult:
    """Bootstrap-t test of a zero CAAR, resampling H0-centred CARs.

    Scheme: the observed statistic is the cross-sectional t of the CARs,
    ``t = mean / (s / sqrt(n))``. The CARs are centred, ``c_i = CAR_i -
    mean(CAR)``, so the resampling population satisfies H0; ``n_boot`` samples of
    size n are drawn with replacement and the same t is computed on each. The
    two-sided p-value is ``(1 + #{|t*| >= |t|}) / (n_boot + 1)``. This is the
    one-sample bootstrap test of a mean with the translated empirical distribution
    and a studentized statistic, Efron & Tibshirani (1993), *An Introduction to
    the Bootstrap*, ch. 16 (one-sample problem); the ``(1 + count) / (B + 1)``
    p-value follows Davison & Hinkley (1997), *Bootstrap Methods and their
    Application*, ch. 4. (Not the Lyon, Barber & Tsai 1999 skewness-adjusted t.)

    Parameters
    ----------
    car : array_like
        (N,) cumulative abnormal returns; NaN are left out.
    n_boot : int
        Number of bootstrap resamples (>= 1).
    seed : int, numpy.random.Generator or None
        Seed or generator; the same seed gives the same p-value.

    Returns
    -------
    TestResult
        ``name="bootstrap"``, distribution ``"bootstrap"``, ``df=None``; NaN when
        fewer than two CARs or they are all equal.

    Notes
    -----
    Random stream (seeded, reproducible): the resamples are drawn in blocks of
    ``R = max(1, 2**20 // n)`` rows, the last block possibly shorter. With
    ``children = numpy.random.default_rng(seed).spawn(ceil(n_boot / R))``, block
    j is ``children[j].integers(0, n, size=(rows, n), dtype=numpy.int32)``
    (int64 if n >= 2**31), and its row b holds the positions, among the present
    CARs in their order, of resample ``j R + b``. The blocks are drawn and
    evaluated on worker threads; the stream depends on ``seed``, n and
    ``n_boot`` only, not on the number of CPUs. Windows with the same n use the
    same seed and hence the same resamples, so :func:`run_window_batteries`
    draws them once for all such windows. A generator passed as ``seed`` is
    only spawned from (its bit generator does not advance); each spawn gives new
    children, so with a generator every call, and in
    :func:`run_window_batteries` every group of windows with equal n (in window
    order), gets its own resamples.

    ``t*`` of a resample with sum ``S1`` and sum of squares ``S2`` of its centred
    CARs is ``m sqrt(n) / s`` with ``m = S1 / n`` and ``s^2 = (S2 - S1 m) / (n -
    1)`` (a rounding below zero counts as zero). The sums are formed as
    ``sum_i w_i c_i`` and ``sum_i w_i c_i^2`` with ``w_i`` the number of times CAR
    i is drawn, so they can differ from a plain sum over the drawn values in the
    last bits (and a p-value only if some ``|t*|`` ties ``|t|`` to rounding).
    """
    _check_n_boot(n_boot)
    return _bootstrap(_vector("car", car), int(n_boot), seed)


_BOOT_DRAWS = 1 << 20  # resampled positions per block of draws: fixes the random stream
# multiply-adds per matrix product of the bootstrap: small products stay in cache
# and under the size at which BLAS (OpenBLAS) starts threads of its own, which
# would compete with the worker threads
_BOOT_PRODUCT = 1 << 18


def _check_n_boot(n_boot: int) -> None:
    if int(n_boot) < 1:
        raise SpecificationError(f"n_boot must be a positive integer; got {n_boot}.")


def _bootstrap(car: np.ndarray, n_boot: int, seed) -> TestResult:
    return _bootstrap_tests([car], n_boot, seed)[0]


def _bootstrap_tests(cars: list[np.ndarray], n_boot: int, seed) -> list[TestResult]:
    """Bootstrap-t of several windows' validated CARs; windows with equal n share resamples."""
    present = [car[~np.isnan(car)] for car in cars]
    t_obs = [float(_csect_t(x[:, None]).statistic[0]) if x.size else _NAN for x in present]
    results = [TestResult("bootstrap", t, _NAN, "bootstrap", None, x.size)
               for x, t in zip(present, t_obs, strict=True)]
    by_size: dict[int, list[int]] = {}
    for w, (x, t) in enumerate(zip(present, t_obs, strict=True)):
        if not np.isnan(t):
            by_size.setdefault(x.size, []).append(w)
    for members in by_size.values():
        centred = np.column_stack([present[w] - present[w].mean() for w in members])
        t_abs = np.abs([t_obs[w] for w in members])
        exceed = _bootstrap_exceedances(centred, t_abs, n_boot, np.random.default_rng(seed))
        for w, count in zip(members, exceed, strict=True):
            results[w] = replace(results[w], p_value=(1.0 + count) / (n_boot + 1.0))
    return results


def _bootstrap_exceedances(
    centred: np.ndarray, t_abs: np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Per column of ``centred`` (n, W), the resamples whose |t*| is at least ``t_abs``.

    All columns are resampled with the same rows (the stream of
    :func:`window_bootstrap`), a block of resamples at a time.
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
    """``t*`` from a resample's sums and sums of squares (see :func:`window_bootstrap`)."""
    mean = s1 / n
    var = np.maximum((s2 - s1 * mean) / (n - 1.0), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return mean * np.sqrt(n) / np.sqrt(var)


# ---------------------------------------------------------------------------
# Buy-and-hold abnormal returns
# ---------------------------------------------------------------------------


def bhar(returns: np.ndarray, normal_returns: np.ndarray) -> np.ndarray:
    """Buy-and-hold abnormal return of each event over its window.

    ``BHAR_i = prod_t (1 + R_it) - prod_t (1 + E[R_it])``, Barber & Lyon (1997),
    "Detecting Long-Run Abnormal Stock Returns", *JFE* 43(3), 341-372
    (definition of the BHAR).

    Parameters
    ----------
    returns, normal_returns : array_like
        (N, T) raw and normal-model simple returns (fractions) over the window.

    Returns
    -------
    numpy.ndarray
        (N,) BHARs; NaN for an event with any missing day, since compounding over
        a gap would silently treat the gap as a zero return.
    """
    r = _matrix("returns", returns)
    rn = _matrix("normal_returns", normal_returns)
    _same_shape("normal_returns", rn, "returns", r)
    return np.prod(1.0 + r, axis=1) - np.prod(1.0 + rn, axis=1)


def mean_bhar(bhar_values: np.ndarray) -> tuple[float, int]:
    """Mean BHAR over the events that have one, and that number of events."""
    b = _vector("bhar_values", bhar_values)
    b = b[~np.isnan(b)]
    return (float(b.mean()) if b.size else _NAN), int(b.size)


# ---------------------------------------------------------------------------
# Batteries
# ---------------------------------------------------------------------------


def run_daily_battery(
    ar: np.ndarray,
    ar_var: np.ndarray,
    est_resid: np.ndarray,
    df: np.ndarray,
    *,
    residuals: ResidualSummary | None = None,
) -> dict[str, DailyTestResult]:
    """Run every per-day test; returns ``{name: DailyTestResult}`` in a fixed order.

    Names: csect_t, bw_portfolio_t, patell, kp_patell, bmp, kp_bmp, corrado_rank,
    gen_sign, sign, wilcoxon. Descriptives are separate (:func:`daily_descriptives`).
    Each result equals that of the single-test function; the inputs are validated,
    the residuals summarised (``r-bar`` included) and the SARs formed once.
    ``residuals`` is :func:`summarize_residuals` of ``est_resid`` if already
    computed (e.g. for the window battery of the same study).
    """
    ar, ar_var = _ar_pair(ar, ar_var)
    est = _residual_matrix(est_resid, ar.shape[0], residuals)
    dof = _vector("df", df, ar.shape[0])
    residuals = _residuals_for(est, residuals, sum_squares=False)
    corrado_rank = _corrado_rank(ar, est)

    def parametric() -> dict[str, DailyTestResult]:
        sar = _standardize(ar, ar_var)
        patell, bmp = _patell(sar, dof), _bmp(sar)
        ar_stats = _column_stats(ar)
        return {
            "csect_t": _csect_t(ar, ar_stats),
            "bw_portfolio_t": _bw_portfolio_t(ar, residuals.column_mean, ar_stats),
            "patell": patell,
            "kp_patell": _kp_patell(patell, residuals.rbar),
            "bmp": bmp,
            "kp_bmp": _kp_bmp(bmp, residuals.rbar),
        }

    # the Wilcoxon test and the moment-based tests run side by side (on large panels)
    first, wilcoxon = _concurrently(
        parametric, lambda: _wilcoxon(ar), threads=ar.size > _blocks.BLOCK_CELLS
    )
    return {
        **first,
        "corrado_rank": corrado_rank,
        "gen_sign": _gen_sign(ar, residuals.positive_share),
        "sign": _sign(ar),
        "wilcoxon": wilcoxon,
    }


def run_window_battery(
    car: np.ndarray,
    car_var: np.ndarray,
    est_resid: np.ndarray,
    df: np.ndarray,
    *,
    n_boot: int = 999,
    seed: int | np.random.Generator | None = None,
    residuals: ResidualSummary | None = None,
) -> dict[str, TestResult]:
    """Run every window (CAR) test; returns ``{name: TestResult}`` in a fixed order.

    Names: csect_t, patell, kp_patell, bmp, kp_bmp, grank, gen_sign, sign,
    wilcoxon, bootstrap (``n_boot`` and ``seed`` go to :func:`window_bootstrap`).
    Each result equals that of the single-test function (the bootstrap's for the
    same seed); inputs are validated and the residuals summarised once (or
    taken from ``residuals``, see :func:`run_daily_battery`).
    """
    _check_n_boot(n_boot)
    car = _vector("car", car)
    car_var = _vector("car_var", car_var, car.shape[0])
    est = _matrix("est_resid", est_resid, car.shape[0])
    return run_window_batteries(
        [(car, car_var)], est, df, n_boot=n_boot, seed=seed, residuals=residuals
    )[0]


def run_window_batteries(
    windows: Sequence[tuple[np.ndarray, np.ndarray]],
    est_resid: np.ndarray,
    df: np.ndarray,
    *,
    n_boot: int = 999,
    seed: int | np.random.Generator | None = None,
    residuals: ResidualSummary | None = None,
) -> list[dict[str, TestResult]]:
    """Run the window battery on several windows of the same events.

    ``windows`` holds one ``(car, car_var)`` pair of (N,) arrays per window. The
    result, one ``{name: TestResult}`` per window in order, equals
    :func:`run_window_battery` on each window with the same ``n_boot`` and
    ``seed``, while what depends only on the estimation residuals is done once:
    the residual summary (``r-bar``, shares of positive residuals, residual
    variances) and GRANK's ranking of the estimation SARs, one pass for all
    windows. Windows with the same number of CARs also share the bootstrap
    resamples (the same seed draws the same ones, see :func:`window_bootstrap`).
    ``residuals`` is :func:`summarize_residuals` of ``est_resid`` if already
    computed (e.g. for the daily battery of the same study).
    """
    _check_n_boot(n_boot)
    est = _residual_matrix(est_resid, None, residuals)
    n_events = est.shape[0]
    dof = _vector("df", df, n_events)
    pairs = [
        (_vector("car", car, n_events), _vector("car_var", car_var, n_events))
        for car, car_var in windows
    ]
    residuals = _residuals_for(est, residuals, column_mean=False)
    granks = _grank_tests(pairs, est, residuals.sum_squares, dof)
    bootstraps = _bootstrap_tests([car for car, _ in pairs], int(n_boot), seed)
    batteries = []
    for (car, car_var), grank, bootstrap in zip(pairs, granks, bootstraps, strict=True):
        column, sar = car[:, None], _standardize(car[:, None], car_var[:, None])
        patell, bmp = _patell(sar, dof), _bmp(sar)
        batteries.append({
            "csect_t": _csect_t(column).day(0),
            "patell": patell.day(0),
            "kp_patell": _kp_patell(patell, residuals.rbar).day(0),
            "bmp": bmp.day(0),
            "kp_bmp": _kp_bmp(bmp, residuals.rbar).day(0),
            "grank": grank,
            "gen_sign": _gen_sign(column, residuals.positive_share).day(0),
            "sign": _sign(column).day(0),
            "wilcoxon": _wilcoxon(column).day(0),
            "bootstrap": bootstrap,
        })
    return batteries
