"""Test statistics for abnormal returns.

Every test is a pure function of numpy arrays that returns a :class:`TestResult`
(or arrays of statistics when vectorised over events). Each docstring names the
paper and equation the statistic follows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _sps


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
    p_value = 2.0 * _sps.t.sf(np.abs(t_stat), np.asarray(df, dtype=float))
    return se, t_stat, p_value
