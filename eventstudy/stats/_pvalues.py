"""P-values of the tests from the scipy.special functions scipy.stats evaluates.

scipy is imported inside the functions that need it: scipy.stats costs about 0.5 s
to import and scipy.special 0.1 s, which ``import eventstudy`` should not pay. The
distributions' p-values are the scipy.special functions they evaluate, called
directly, so they equal scipy.stats' bit for bit (tests/test_lazy_imports.py);
scipy.stats remains only for the Wilcoxon test's small-sample p-values. Student-t
p-values of many events are evaluated in blocks of rows on worker threads.
"""

from __future__ import annotations

import numpy as np

from eventstudy import blocks as _blocks


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


_WILCOXON_EXACT_MAX = 50  # scipy's method="auto" is asymptotic above this many values


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
