"""The outcome of a test: one statistic (:class:`TestResult`), or one per event-window day."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
