"""Comparisons of groups of events: Welch's t, the Mann-Whitney U and the Kruskal-Wallis H.

Do the CARs of one kind of event differ from another's (designations against court
rulings, state-owned firms against the rest)? Each test takes the groups' values
(the CARs, BHARs or standardized CARs of one window), ignores non-finite ones and
returns a :class:`~eventstudy.stats.TestResult` with a two-sided p-value;
:func:`compare_groups` lays one window's groups and tests out as table rows.

=======================  =============================================================
``welch_t_test``         difference in means, unequal variances (Welch 1947), with
                         Satterthwaite's (1946) degrees of freedom
``mann_whitney_test``    rank-sum test of two groups (Wilcoxon 1945; Mann & Whitney
                         1947), exact or normal with tie and continuity corrections
``kruskal_wallis_test``  rank test of two or more groups (Kruskal & Wallis 1952)
``compare_groups``       one window's rows: per group n, mean, median, s.d.; the
                         difference in means and the tests that apply
=======================  =============================================================

Two groups are compared with Welch's t and the Mann-Whitney U, more than two with the
Kruskal-Wallis H (no pairwise tests). A group of fewer than :data:`MIN_GROUP` events
is shown but left out of the tests: one value has no variance, and a rank test of it
says little. All three tests assume independent events; events that share a date
share its market-wide news, and the tests are then too liberal (as the pooled
``csect_t`` is, see the size and power study of the documentation).

References
----------
Kruskal, W. H. and Wallis, W. A. (1952). Use of ranks in one-criterion variance
analysis. *Journal of the American Statistical Association* 47(260), 583-621.

Mann, H. B. and Whitney, D. R. (1947). On a test of whether one of two random
variables is stochastically larger than the other. *Annals of Mathematical
Statistics* 18(1), 50-60.

Satterthwaite, F. E. (1946). An approximate distribution of estimates of variance
components. *Biometrics Bulletin* 2(6), 110-114.

Welch, B. L. (1947). The generalization of "Student's" problem when several
different population variances are involved. *Biometrika* 34(1-2), 28-35.

Wilcoxon, F. (1945). Individual comparisons by ranking methods. *Biometrics
Bulletin* 1(6), 80-83.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .intervals import t_interval
from .outcome import TestResult
from .smallsample import SMALL_SAMPLE

MIN_GROUP = 2
"""Events a group needs to take part in the tests."""

EXACT_MAX = 8
"""The Mann-Whitney p-value is exact when the smaller group has at most this many
events and no two values tie (scipy's rule for ``method="auto"``)."""

KRUSKAL_SMALL = 5
"""Below this many events in a group the Kruskal-Wallis chi-square p-value is rough."""

TEST_COLUMNS = (
    "test", "difference", "difference_se", "difference_ci_low", "difference_ci_high",
    "welch_stat", "welch_df", "welch_p", "mann_whitney_stat", "mann_whitney_p",
    "mann_whitney_method", "kruskal_stat", "kruskal_df", "kruskal_p", "note",
)
"""The columns of a window's tests, the same on each of its groups' rows."""

GROUP_COLUMNS = ("group", "n", "mean", "median", "sd", *TEST_COLUMNS)
"""The columns of :func:`compare_groups`."""

_NAN = float("nan")
_TEXT = ("test", "mann_whitney_method")


def _finite(values) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).ravel()
    return array[np.isfinite(array)]


def welch_t_test(first, second) -> TestResult:
    """Welch's t test of equal means in two groups whose variances may differ.

    With means ``m``, variances ``s**2`` (``n - 1`` divisor) and sizes ``n``::

        t  = (m_1 - m_2) / sqrt(s_1**2 / n_1 + s_2**2 / n_2)
        df = (s_1**2 / n_1 + s_2**2 / n_2)**2
             / ((s_1**2 / n_1)**2 / (n_1 - 1) + (s_2**2 / n_2)**2 / (n_2 - 1))

    and the p-value is Student-t with ``df`` degrees of freedom, as
    ``scipy.stats.ttest_ind(first, second, equal_var=False)`` computes them.

    Parameters
    ----------
    first, second : array_like
        The two groups' values; non-finite ones are ignored.

    Returns
    -------
    TestResult
        ``name="welch"``, distribution ``"t"``, ``df`` Satterthwaite's; NaN when a
        group has fewer than two values or both have none spread.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several
    different population variances are involved. *Biometrika* 34(1-2), 28-35.

    Satterthwaite, F. E. (1946). An approximate distribution of estimates of
    variance components. *Biometrics Bulletin* 2(6), 110-114.
    """
    a, b = _finite(first), _finite(second)
    if min(a.size, b.size) < MIN_GROUP or (np.ptp(a) == 0 and np.ptp(b) == 0):
        return TestResult("welch", _NAN, _NAN, "t", _NAN, a.size + b.size)
    from scipy import stats

    result = stats.ttest_ind(a, b, equal_var=False)
    return TestResult("welch", float(result.statistic), float(result.pvalue), "t",
                      float(result.df), a.size + b.size)


def mann_whitney_test(first, second) -> TestResult:
    """Wilcoxon-Mann-Whitney rank-sum test of two groups, two-sided.

    ``U`` counts the pairs (one value of each group) in which the first group's
    value is the larger, ties counting one half; it is reported for the first
    group (the second's is ``n_1 n_2 - U``). The p-value is exact
    (``distribution="exact"``) when the smaller group has at most
    :data:`EXACT_MAX` values and no two values tie; otherwise it is the normal
    approximation with the tie correction of the variance and a continuity
    correction (``distribution="normal"``): ``scipy.stats.mannwhitneyu`` with that
    method named.

    Parameters
    ----------
    first, second : array_like
        The two groups' values; non-finite ones are ignored.

    Returns
    -------
    TestResult
        ``name="mann_whitney"``; NaN when a group is empty or all values are equal.

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods. *Biometrics
    Bulletin* 1(6), 80-83.

    Mann, H. B. and Whitney, D. R. (1947). On a test of whether one of two random
    variables is stochastically larger than the other. *Annals of Mathematical
    Statistics* 18(1), 50-60.
    """
    a, b = _finite(first), _finite(second)
    both = np.concatenate([a, b])
    if min(a.size, b.size) < 1 or np.ptp(both) == 0:
        return TestResult("mann_whitney", _NAN, _NAN, "normal", None, both.size)
    exact = min(a.size, b.size) <= EXACT_MAX and np.unique(both).size == both.size
    from scipy import stats

    result = stats.mannwhitneyu(a, b, alternative="two-sided",
                                method="exact" if exact else "asymptotic")
    return TestResult("mann_whitney", float(result.statistic), float(result.pvalue),
                      "exact" if exact else "normal", None, both.size)


def kruskal_wallis_test(samples: Sequence) -> TestResult:
    """Kruskal-Wallis H test that k groups come from one distribution.

    With ``R_j`` the sum of group j's ranks among all ``N`` values (mid-ranks for
    ties)::

        H = [12 / (N (N + 1)) * sum_j R_j**2 / n_j - 3 (N + 1)] / (1 - sum(t**3 - t) / (N**3 - N))

    the denominator correcting for ties of ``t`` values each; the p-value is
    chi-square with ``k - 1`` degrees of freedom (``scipy.stats.kruskal``), an
    approximation that is rough when groups are small (:data:`KRUSKAL_SMALL`).

    Parameters
    ----------
    samples : sequence of array_like
        One array of values per group; non-finite values are ignored.

    Returns
    -------
    TestResult
        ``name="kruskal"``, distribution ``"chi2"``, ``df = k - 1``; NaN with fewer
        than two non-empty groups or when all values are equal.

    References
    ----------
    Kruskal, W. H. and Wallis, W. A. (1952). Use of ranks in one-criterion variance
    analysis. *Journal of the American Statistical Association* 47(260), 583-621.
    """
    groups = [g for g in (_finite(s) for s in samples) if g.size]
    n = sum(g.size for g in groups)
    if len(groups) < 2 or np.ptp(np.concatenate(groups)) == 0:
        return TestResult("kruskal", _NAN, _NAN, "chi2", _NAN, n)
    from scipy import stats

    result = stats.kruskal(*groups)
    return TestResult("kruskal", float(result.statistic), float(result.pvalue), "chi2",
                      float(len(groups) - 1), n)


def compare_groups(samples: Mapping[object, object], level: float = 0.95) -> pd.DataFrame:
    """One window's comparison: a row per group, the tests that apply repeated on each.

    Columns :data:`GROUP_COLUMNS`: ``group`` (the label), ``n`` (finite values),
    ``mean``, ``median``, ``sd`` (``n - 1`` divisor); then, the same on every row,
    ``test`` (``"welch, mann_whitney"`` for two groups of :data:`MIN_GROUP` or more
    events, ``"kruskal"`` for more than two, ``""`` when no test applies); with two
    groups ``difference`` (mean of the first minus mean of the second, in the order
    of ``samples``), its Welch standard error ``difference_se`` and interval at
    ``level`` (Student-t with Welch's df), ``welch_stat``, ``welch_df``,
    ``welch_p``, ``mann_whitney_stat`` (U of the first group), ``mann_whitney_p``
    and ``mann_whitney_method`` (``"exact"`` or ``"normal"``); with more,
    ``kruskal_stat``, ``kruskal_df`` and ``kruskal_p``; and ``note``, the groups
    left out of the tests and the small-sample caveats.

    Parameters
    ----------
    samples : mapping of label -> array_like
        Each group's values, in the order the rows take.
    level : float
        Confidence level of the difference's interval.
    """
    values = {label: _finite(v) for label, v in samples.items()}
    tested = [label for label, v in values.items() if v.size >= MIN_GROUP]
    tests = _tests([values[label] for label in tested], level)
    rows = [{"group": label, **_describe(v)} for label, v in values.items()]
    notes = _notes(values, tested, tests)
    table = pd.DataFrame(rows, columns=["group", "n", "mean", "median", "sd"])
    for name, value in {**tests, "note": notes}.items():
        table[name] = [value] * len(table)
    return table.loc[:, list(GROUP_COLUMNS)]


def _describe(v: np.ndarray) -> dict[str, float]:
    if not v.size:
        return {"n": 0, "mean": _NAN, "median": _NAN, "sd": _NAN}
    sd = float(np.std(v, ddof=1)) if v.size > 1 else _NAN
    return {"n": v.size, "mean": float(np.mean(v)), "median": float(np.median(v)), "sd": sd}


def _tests(groups: list[np.ndarray], level: float) -> dict[str, object]:
    """The test columns: the two-group tests, Kruskal-Wallis, or none."""
    columns: dict[str, object] = {name: "" if name in _TEXT else _NAN
                                  for name in TEST_COLUMNS if name != "note"}
    if len(groups) == 2:
        columns.update(_two_groups(*groups, level))
    elif len(groups) > 2:
        kruskal = kruskal_wallis_test(groups)
        columns.update(test="kruskal", kruskal_stat=kruskal.statistic,
                       kruskal_df=kruskal.df, kruskal_p=kruskal.p_value)
    if all(np.isnan(columns[p]) for p in ("welch_p", "mann_whitney_p", "kruskal_p")):
        columns["test"] = ""  # (values that do not vary)
    return columns


def _two_groups(a: np.ndarray, b: np.ndarray, level: float) -> dict[str, object]:
    welch, ranks = welch_t_test(a, b), mann_whitney_test(a, b)
    difference = float(np.mean(a) - np.mean(b))
    se = math.sqrt(np.var(a, ddof=1) / a.size + np.var(b, ddof=1) / b.size)
    low, high = t_interval(np.array([difference]), np.array([se]), np.array([welch.df]), level)
    return {
        "test": "welch, mann_whitney", "difference": difference, "difference_se": se,
        "difference_ci_low": float(low[0]), "difference_ci_high": float(high[0]),
        "welch_stat": welch.statistic, "welch_df": welch.df, "welch_p": welch.p_value,
        "mann_whitney_stat": ranks.statistic, "mann_whitney_p": ranks.p_value,
        "mann_whitney_method": ranks.distribution if np.isfinite(ranks.p_value) else "",
    }


def _notes(values: Mapping[object, np.ndarray], tested: list, tests: Mapping) -> str:
    """Groups left out of the tests, a missing test and the small-sample caveats."""
    left_out = [f"{label} ({v.size} event{'s' if v.size != 1 else ''})"
                for label, v in values.items() if v.size < MIN_GROUP]
    parts = [f"left out of the tests (fewer than {MIN_GROUP} events): {', '.join(left_out)}"
             ] if left_out else []
    if len(tested) < 2:
        return "; ".join([*parts, f"no test: fewer than two groups of {MIN_GROUP} or more "
                                  "events"])
    if not tests["test"]:
        return "; ".join([*parts, "no test: the values do not vary"])
    sizes = [values[label].size for label in tested]
    if min(sizes) < SMALL_SAMPLE:
        parts.append(f"a group of fewer than {SMALL_SAMPLE} events: the tests have little "
                     "power")
    if tests["mann_whitney_method"] == "exact":
        smallest = min(1.0, 2.0 / math.comb(sum(sizes), sizes[0]))
        if smallest > 0.05:
            parts.append(f"mann_whitney cannot reject at 5% (smallest p {smallest:.3g})")
    if tests["test"] == "kruskal" and min(sizes) < KRUSKAL_SMALL:
        parts.append(f"kruskal's chi-square p-value is rough with fewer than {KRUSKAL_SMALL} "
                     "events in a group")
    return "; ".join(parts)
