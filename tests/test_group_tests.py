"""The group tests of eventstudy.stats.groups, against hand formulas and scipy called directly.

Welch's t and Satterthwaite's df are written out with numpy; the Mann-Whitney U is
counted pair by pair and its exact p-value enumerated over every split of the ranks;
the Kruskal-Wallis H is the rank formula. scipy is called with the method named.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as sps

from eventstudy.stats import compare_groups, kruskal_wallis_test, mann_whitney_test, welch_t_test
from eventstudy.stats.groups import GROUP_COLUMNS

A = np.array([-0.061, -0.052, -0.077, -0.0405])
B = np.array([0.012, -0.021, 0.033, 0.0065, 0.051, -0.002])
C = np.array([0.021, 0.018, -0.011])


def _welch_by_hand(a, b):
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    t = (a.mean() - b.mean()) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return t, df, 2 * sps.t.sf(abs(t), df)


def test_welch_t_and_satterthwaite_df_by_hand():
    result = welch_t_test(A, B)
    t, df, p = _welch_by_hand(A, B)
    assert result.statistic == pytest.approx(t, rel=1e-12)
    assert result.df == pytest.approx(df, rel=1e-12)
    assert result.p_value == pytest.approx(p, rel=1e-10)
    assert (result.name, result.distribution, result.n) == ("welch", "t", 10)
    scipy = sps.ttest_ind(A, B, equal_var=False)
    assert (result.statistic, result.p_value) == pytest.approx((scipy.statistic, scipy.pvalue))


def test_mann_whitney_u_counted_and_exact_p_enumerated():
    result = mann_whitney_test(A, B)
    u = sum((a > b) + 0.5 * (a == b) for a in A for b in B)
    assert result.statistic == u
    # exact two-sided p: the share of the C(10, 4) rank sets as extreme as the one seen
    ranks = sps.rankdata(np.concatenate([A, B]))
    r_a = ranks[: A.size].sum()
    u_of = [sum(ranks[list(s)]) - A.size * (A.size + 1) / 2
            for s in itertools.combinations(range(A.size + B.size), A.size)]
    assert u == r_a - A.size * (A.size + 1) / 2
    mean_u = A.size * B.size / 2
    extreme = np.mean([abs(x - mean_u) >= abs(u - mean_u) for x in u_of])
    assert result.p_value == pytest.approx(extreme, rel=1e-12)
    assert result.distribution == "exact"
    assert result.p_value == sps.mannwhitneyu(A, B, method="exact").pvalue


def test_mann_whitney_uses_the_normal_approximation_with_ties_or_large_groups():
    tied = mann_whitney_test([0.01, 0.02, 0.02], [0.02, 0.03, 0.04])
    assert tied.distribution == "normal"
    assert tied.p_value == sps.mannwhitneyu([0.01, 0.02, 0.02], [0.02, 0.03, 0.04],
                                            method="asymptotic").pvalue
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=9), rng.normal(0.5, 1, 12)
    large = mann_whitney_test(x, y)
    assert large.distribution == "normal"
    # the normal approximation by hand: no ties, continuity correction 1/2
    u = sum(a > b for a in x for b in y)
    mu, sigma = 9 * 12 / 2, math.sqrt(9 * 12 * 22 / 12)
    z = (abs(u - mu) - 0.5) / sigma
    assert large.p_value == pytest.approx(2 * sps.norm.sf(z), rel=1e-12)


def test_kruskal_wallis_by_the_rank_formula():
    result = kruskal_wallis_test([A, B, C])
    ranks = sps.rankdata(np.concatenate([A, B, C]))
    n = ranks.size
    sums = [ranks[:4].sum(), ranks[4:10].sum(), ranks[10:].sum()]
    h = 12 / (n * (n + 1)) * sum(r**2 / k for r, k in zip(sums, (4, 6, 3), strict=True)) \
        - 3 * (n + 1)
    assert result.statistic == pytest.approx(h, rel=1e-12)
    assert result.df == 2
    assert result.p_value == pytest.approx(sps.chi2.sf(h, 2), rel=1e-12)
    assert result.p_value == sps.kruskal(A, B, C).pvalue


def test_two_groups_row_by_row():
    table = compare_groups({"designation": A, "ruling": B}, level=0.9)
    assert list(table.columns) == list(GROUP_COLUMNS)
    assert table["group"].tolist() == ["designation", "ruling"]
    assert table["n"].tolist() == [4, 6]
    assert table["mean"].tolist() == pytest.approx([A.mean(), B.mean()])
    assert table["median"].tolist() == pytest.approx([np.median(A), np.median(B)])
    assert table["sd"].tolist() == pytest.approx([A.std(ddof=1), B.std(ddof=1)])
    row = table.iloc[1]  # the tests are the same on every row
    t, df, p = _welch_by_hand(A, B)
    assert row["test"] == "welch, mann_whitney"
    assert row["difference"] == pytest.approx(A.mean() - B.mean())
    assert (row["welch_stat"], row["welch_df"], row["welch_p"]) == pytest.approx((t, df, p))
    scipy = sps.ttest_ind(A, B, equal_var=False).confidence_interval(0.9)
    assert (row["difference_ci_low"], row["difference_ci_high"]) == pytest.approx(
        (scipy.low, scipy.high), rel=1e-10)
    assert row["difference_se"] == pytest.approx(row["difference"] / t)
    assert row["mann_whitney_method"] == "exact" and np.isnan(row["kruskal_p"])
    assert "fewer than 10 events: the tests have little power" in row["note"]


def test_three_groups_take_kruskal_wallis_only():
    table = compare_groups({"a": A, "b": B, "c": C})
    assert set(table["test"]) == {"kruskal"}
    assert table["kruskal_p"].iloc[0] == sps.kruskal(A, B, C).pvalue
    assert table[["welch_p", "mann_whitney_p", "difference"]].isna().all().all()
    assert "kruskal's chi-square p-value is rough with fewer than 5 events" in table["note"][0]


def test_a_group_of_one_is_shown_and_left_out_of_the_tests():
    table = compare_groups({"a": A, "b": B, "lone": [0.2]})
    assert table["n"].tolist() == [4, 6, 1] and np.isnan(table["sd"].iloc[2])
    assert table["test"].iloc[0] == "welch, mann_whitney"  # a against b only
    assert table["welch_p"].iloc[0] == pytest.approx(_welch_by_hand(A, B)[2])
    assert table["note"].iloc[0].startswith(
        "left out of the tests (fewer than 2 events): lone (1 event)")


def test_no_test_with_fewer_than_two_groups_of_two():
    table = compare_groups({"a": [0.1], "b": [0.2, np.nan], "c": []})
    assert table["n"].tolist() == [1, 1, 0]
    assert (table["test"] == "").all()
    assert table[["welch_p", "mann_whitney_p", "kruskal_p"]].isna().all().all()
    assert table["note"].iloc[0] == (
        "left out of the tests (fewer than 2 events): a (1 event), b (1 event), c (0 events); "
        "no test: fewer than two groups of 2 or more events")


def test_values_that_do_not_vary_give_no_test_and_say_so():
    table = compare_groups({"a": [0.01, 0.01], "b": [0.01, 0.01, 0.01]})
    assert (table["test"] == "").all() and table["welch_p"].isna().all()
    assert table["note"].iloc[0] == "no test: the values do not vary"


def test_exact_mann_whitney_that_cannot_reject_says_so():
    table = compare_groups({"a": [0.1, 0.2], "b": [0.3, 0.4]})
    assert table["mann_whitney_p"].iloc[0] == pytest.approx(2 / math.comb(4, 2))
    assert "mann_whitney cannot reject at 5% (smallest p 0.333)" in table["note"].iloc[0]


def test_non_finite_values_are_ignored():
    assert welch_t_test(np.r_[A, np.nan, np.inf], B) == welch_t_test(A, B)
    assert np.isnan(welch_t_test([0.1], B).p_value)
    assert np.isnan(mann_whitney_test([], B).p_value)
    assert np.isnan(kruskal_wallis_test([A]).p_value)
