"""Bootstrap-t test of a zero CAAR, resampling the H0-centred CARs.

====================  ==============================================================
``window_bootstrap``  bootstrap-t of the CAAR of one window (Efron & Tibshirani 1993;
                      p-value as Davison & Hinkley 1997), seeded
====================  ==============================================================

The test is defined here; the resamples are drawn and summed, in blocks on worker
threads, by ``eventstudy.stats._resample``.

References
----------
Davison, A. C. and Hinkley, D. V. (1997). *Bootstrap Methods and their
Application*, ch. 4 (tests). Cambridge University Press.

Efron, B. and Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*, ch. 16
(hypothesis testing with the bootstrap: the one-sample problem). Chapman & Hall.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from eventstudy.errors import SpecificationError

from ._arrays import _NAN, _vector
from ._resample import _bootstrap_exceedances
from .outcome import TestResult
from .parametric import _csect_t


def window_bootstrap(
    car: np.ndarray, *, n_boot: int = 999, seed: int | np.random.Generator | None = None
) -> TestResult:
    """Bootstrap-t test of a zero CAAR, resampling H0-centred CARs.

    The observed statistic is the cross-sectional t of the n CARs; the CARs are
    centred so that the resampling population satisfies H0, ``n_boot`` samples of
    size n are drawn from them with replacement and the same t is computed on each::

        t    = mean(CAR) / (s(CAR) / sqrt(n))
        c_i  = CAR_i - mean(CAR)
        t*_b = mean(c*_b) / (s(c*_b) / sqrt(n))        b = 1 .. n_boot
        p    = (1 + #{b : |t*_b| >= |t|}) / (n_boot + 1)

    This is the one-sample bootstrap test of a mean with the translated empirical
    distribution and a studentized statistic (not the skewness-adjusted t of Lyon,
    Barber & Tsai 1999).

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
    same seed and hence the same resamples, so :func:`~eventstudy.stats.run_window_batteries`
    draws them once for all such windows. A generator passed as ``seed`` is
    only spawned from (its bit generator does not advance); each spawn gives new
    children, so with a generator every call, and in
    :func:`~eventstudy.stats.run_window_batteries` every group of windows with equal n (in window
    order), gets its own resamples.

    ``t*`` of a resample with sum ``S1`` and sum of squares ``S2`` of its centred
    CARs is ``m sqrt(n) / s`` with ``m = S1 / n`` and ``s^2 = (S2 - S1 m) / (n -
    1)`` (a rounding below zero counts as zero). The sums are formed as
    ``sum_i w_i c_i`` and ``sum_i w_i c_i^2`` with ``w_i`` the number of times CAR
    i is drawn, so they can differ from a plain sum over the drawn values in the
    last bits (and a p-value only if some ``|t*|`` ties ``|t|`` to rounding).

    References
    ----------
    Efron, B. and Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*,
    ch. 16 (the one-sample problem). Chapman & Hall.

    Davison, A. C. and Hinkley, D. V. (1997). *Bootstrap Methods and their
    Application*, ch. 4 (the ``(1 + count) / (B + 1)`` p-value). Cambridge
    University Press.
    """
    _check_n_boot(n_boot)
    return _bootstrap(_vector("car", car), int(n_boot), seed)


def _check_n_boot(n_boot: int) -> None:
    """Refuse a number of resamples below one."""
    if int(n_boot) < 1:
        raise SpecificationError(f"n_boot must be a positive integer; got {n_boot}.")


def _bootstrap(car: np.ndarray, n_boot: int, seed) -> TestResult:
    """:func:`window_bootstrap` of validated CARs."""
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
        centred = np.column_stack([present[w] - present[w].mean() for w in members])  # c_i
        t_abs = np.abs([t_obs[w] for w in members])
        exceed = _bootstrap_exceedances(centred, t_abs, n_boot, np.random.default_rng(seed))
        for w, count in zip(members, exceed, strict=True):
            results[w] = replace(results[w], p_value=(1.0 + count) / (n_boot + 1.0))
    return results
