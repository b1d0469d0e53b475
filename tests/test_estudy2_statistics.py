"""Test statistics against a second implementation: R estudy2 0.10.0.

In the manner of linearmodels' tests against stored Stata results: the study runs on
the two seeded 40-stock panels of ``tests/reference/estudy2`` (``shared``: one event
date; ``staggered``: one date per stock) with simple and log returns, as
``test_estudy2_inputs.py`` does, and every statistic both implementations have is
compared with estudy2's stored output (its README lists the files and conventions).
Expected numbers come from the reference files only, never from this package.

Compared directly (daily_tests.csv): n, AAR, CAAR; the cross-sectional t (``ttest``),
Brown & Warner's portfolio t (``bw1985``), BMP, the generalized sign test
(``gsign``) and Corrado's rank test (``rank``, and ``mrank``, its missing-value form,
equal on these balanced panels), statistics and p-values; Wilcoxon's p-value.

Compared after a conversion computed here from the reference's own columns:

- Patell: estudy2 standardizes with the residual s.d. with n - 1 (``sd_ar_n1``), this
  package with L - 2 (``sigma_ols_df2``); both divide the sum of SARs by ``sqrt(sum
  (L - 2) / (L - 4))``, so estudy2's z times ``sd_ar_n1 / sigma_ols_df2`` (the same
  for every stock, sqrt(238/239) here) is this package's.
- the sign test: estudy2's statistic is the same normal score, its p-value the normal
  approximation; the number of positive ARs recovered from its score gives the exact
  binomial p-value (``scipy.stats.binomtest``) this package reports.
- Wilcoxon: estudy2 reports W+, this package its normal score (no ties here).
- Kolari & Pynnonen's adjusted Patell and BMP (not in estudy2): estudy2's Patell
  (converted as above) and BMP times the KP (2010) factors, with ``r-bar`` the mean
  off-diagonal ``numpy.corrcoef`` of estudy2's estimation-window abnormal returns.
- estudy2's CAR tests ``car_brown_warner_1985`` and ``car_rank_test`` are the sums of
  its daily ``bw1985`` and ``rank`` statistics over the window divided by sqrt(T)
  (T = 11 days; for ``car_rank_test``, Cowan's 1992 form, on a balanced panel): the
  same sums of this package's daily statistics must equal them.
- per-event CAR tests (``windows``: car, se, t, p): car.csv's CARs and the textbook
  MacKinlay variance with the prediction-error correction computed beside estudy2
  (``extra_var_car_pe``, t and p with L - 2 df).
- the window battery (``caar``), which estudy2 does not have, from estudy2's
  per-stock CARs and ``extra_var_car_pe``: the cross-sectional t and BMP
  (``scipy.stats.ttest_1samp``), Patell's z, the KP adjustments, the sign test
  (``binomtest``), the generalized sign test, Wilcoxon (``scipy.stats.wilcoxon``) and
  GRANK (the rankdata loop ``grank_reference`` of test_stats_battery).

Not compared: estudy2's ``bw1980`` (Brown & Warner 1980's t with the mean of the
stocks' variances), ``lamb`` and ``car_lamb`` (Lamb 1995) and ``csign`` (Corrado &
Zivney's sign test) have no counterpart here; this package's bootstrap has none in
estudy2 and depends on its random draws.

Tolerance: 1e-12 absolute for returns (AAR, CAAR, CAR; the README's 1e-12 for ARs),
1e-10 absolute for statistics and p-values after conversion (the README's 1e-10);
the differences observed are about 1e-14.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from test_stats_battery import grank_reference

from eventstudy import EventStudy

REFERENCE = Path(__file__).resolve().parent / "reference" / "estudy2"
RETURNS_TOL = 1e-12
STAT_TOL = 1e-10
VARIANTS = [(panel, kind) for panel in ("shared", "staggered") for kind in ("simple", "log")]


def assert_close(ours, expected, tol: float, what: str) -> None:
    """Equal to ``tol`` (absolute), NaN nowhere."""
    ours, expected = np.asarray(ours, dtype=float), np.asarray(expected, dtype=float)
    assert np.isfinite(expected).all(), what
    np.testing.assert_allclose(ours, expected, rtol=0, atol=tol, err_msg=what)


@cache
def reference(panel: str, kind: str) -> dict[str, pd.DataFrame]:
    folder = REFERENCE / panel / kind
    ars = pd.read_csv(folder / "abnormal_returns.csv")
    return {
        "model": pd.read_csv(folder / "model.csv").set_index("ticker"),
        "daily": pd.read_csv(folder / "daily_tests.csv").set_index("tau"),
        "car": pd.read_csv(folder / "car.csv").set_index("ticker"),
        "car_tests": pd.read_csv(folder / "car_tests.csv").set_index("name"),
        # estimation-window abnormal returns, one row per stock, one column per day
        "est": ars[ars.window == "estimation"].pivot(index="ticker", columns="tau",
                                                     values="abnormal"),
    }


@cache
def ours(panel: str, kind: str) -> dict[str, pd.DataFrame]:
    events = pd.read_csv(REFERENCE / panel / "catalog.csv", dtype=str, keep_default_na=False)
    closes = pd.read_csv(REFERENCE / panel / "prices.csv")  # wide: date, S01 ... S40, MKT
    results = EventStudy(events, prices=closes, estimation=(-250, -11), windows=[(-5, 5)],
                         exclude_other_events=False, returns=kind).fit()
    return {"aar": results.aar().set_index("tau"), "caar": results.caar().iloc[0],
            "windows": results.windows.set_index("ticker")}


def rbar(est: pd.DataFrame) -> float:
    """Kolari & Pynnonen's average cross-correlation of the estimation residuals."""
    corr = np.corrcoef(est.to_numpy())
    return float(corr[~np.eye(len(corr), dtype=bool)].mean())


def kp_patell_factor(r: float, n) -> np.ndarray:
    return 1.0 / np.sqrt(1.0 + (np.asarray(n) - 1.0) * r)


def kp_bmp_factor(r: float, n) -> np.ndarray:
    return np.sqrt((1.0 - r) / (1.0 + (np.asarray(n) - 1.0) * r))


def patell_conversion(model: pd.DataFrame) -> float:
    """estudy2's Patell z times this gives this package's (see the module docstring)."""
    ratio = model["sd_ar_n1"] / model["sigma_ols_df2"]
    assert np.ptp(ratio) < 1e-12  # one factor for all stocks: the conversion is exact
    return float(ratio.mean())


# ---------------------------------------------------------------------------
# Daily tests
# ---------------------------------------------------------------------------

DIRECT = {  # this package's column: estudy2's column
    "csect_t_stat": "ttest_stat", "csect_t_p": "ttest_p",
    "bw_portfolio_t_stat": "bw1985_stat", "bw_portfolio_t_p": "bw1985_p",
    "bmp_stat": "bmp_stat", "bmp_p": "bmp_p",
    "gen_sign_stat": "gsign_stat", "gen_sign_p": "gsign_p",
    "corrado_rank_stat": "rank_stat", "corrado_rank_p": "rank_p",
    "wilcoxon_p": "wilcoxon_p",
}


@pytest.mark.parametrize(("panel", "kind"), VARIANTS)
def test_daily_statistics_equal_estudy2(panel, kind):
    ref = reference(panel, kind)["daily"]
    aar = ours(panel, kind)["aar"].loc[ref.index]
    assert (aar["n"] == ref["n_firms"]).all()
    assert_close(aar["aar"], ref["AAR"], RETURNS_TOL, "AAR")
    assert_close(aar["caar"], ref["CAAR"], RETURNS_TOL, "CAAR")
    for column, theirs in DIRECT.items():
        assert_close(aar[column], ref[theirs], STAT_TOL, f"{column} vs {theirs}")
    # on a balanced panel the missing-value form of the rank test is the rank test
    assert_close(aar["corrado_rank_stat"], ref["mrank_stat"], STAT_TOL, "mrank")


@pytest.mark.parametrize(("panel", "kind"), VARIANTS)
def test_patell_equals_estudy2s_after_the_n_minus_1_conversion(panel, kind):
    data = reference(panel, kind)
    ref, aar = data["daily"], ours(panel, kind)["aar"].loc[data["daily"].index]
    # estudy2's own convention, checked on its SARs: sum of SARs / sqrt(sum (L-2)/(L-4))
    sars = pd.read_csv(REFERENCE / panel / kind / "abnormal_returns.csv").query(
        "window == 'event'").pivot(index="ticker", columns="tau", values="sar_estudy2")
    length = data["model"]["estimation_length"]
    own = sars.sum(axis=0) / np.sqrt(((length - 2) / (length - 4)).sum())
    assert_close(own.loc[ref.index], ref["patell_stat"], STAT_TOL, "estudy2's Patell")
    z = ref["patell_stat"] * patell_conversion(data["model"])
    assert_close(aar["patell_stat"], z, STAT_TOL, "patell")
    assert_close(aar["patell_p"], 2 * sps.norm.sf(np.abs(z)), STAT_TOL, "patell p")


@pytest.mark.parametrize(("panel", "kind"), VARIANTS)
def test_sign_test_equals_estudy2s_with_the_exact_binomial_p_value(panel, kind):
    ref = reference(panel, kind)["daily"]
    aar = ours(panel, kind)["aar"].loc[ref.index]
    assert_close(aar["sign_stat"], ref["sign_stat"], STAT_TOL, "sign statistic")
    # estudy2's p-value is the normal approximation of its score ...
    assert_close(2 * sps.norm.sf(np.abs(ref["sign_stat"])), ref["sign_p"], STAT_TOL,
                 "estudy2's sign p")
    # ... this package's the exact binomial one, for the count of positive ARs
    n = ref["n_firms"].to_numpy()
    positive = n / 2 + ref["sign_stat"].to_numpy() * np.sqrt(n) / 2
    assert_close(positive, np.round(positive), 1e-9, "positive ARs")
    exact = [sps.binomtest(int(round(w)), int(k), 0.5).pvalue
             for w, k in zip(positive, n, strict=True)]
    assert_close(aar["sign_p"], exact, STAT_TOL, "sign p")


@pytest.mark.parametrize(("panel", "kind"), VARIANTS)
def test_wilcoxon_score_equals_estudy2s_w_plus_standardized(panel, kind):
    ref = reference(panel, kind)["daily"]
    aar = ours(panel, kind)["aar"].loc[ref.index]
    n = ref["n_firms"].to_numpy(dtype=float)  # every AR non-zero, no ties in |AR|
    z = (ref["wilcoxon_stat"] - n * (n + 1) / 4) / np.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    assert_close(aar["wilcoxon_stat"], z, STAT_TOL, "wilcoxon")


@pytest.mark.parametrize(("panel", "kind"), VARIANTS)
def test_kolari_pynnonen_adjustments_of_estudy2s_patell_and_bmp(panel, kind):
    data = reference(panel, kind)
    ref, aar = data["daily"], ours(panel, kind)["aar"].loc[data["daily"].index]
    r, n = rbar(data["est"]), ref["n_firms"]
    patell = ref["patell_stat"] * patell_conversion(data["model"]) * kp_patell_factor(r, n)
    bmp = ref["bmp_stat"] * kp_bmp_factor(r, n)
    assert_close(aar["kp_patell_stat"], patell, STAT_TOL, "kp_patell")
    assert_close(aar["kp_patell_p"], 2 * sps.norm.sf(np.abs(patell)), STAT_TOL, "kp_patell p")
    assert_close(aar["kp_bmp_stat"], bmp, STAT_TOL, "kp_bmp")
    assert_close(aar["kp_bmp_p"], 2 * sps.t.sf(np.abs(bmp), n - 1), STAT_TOL, "kp_bmp p")


# ---------------------------------------------------------------------------
# Window (CAR) tests
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("panel", "kind"), VARIANTS)
def test_estudy2s_car_tests_are_sums_of_the_daily_statistics(panel, kind):
    data = reference(panel, kind)
    car_tests, aar = data["car_tests"], ours(panel, kind)["aar"].loc[data["daily"].index]
    days = np.sqrt(len(aar))
    for name, column in (("car_brown_warner_1985", "bw_portfolio_t_stat"),
                         ("car_rank_test", "corrado_rank_stat")):
        assert car_tests.loc[name, "number_of_days"] == len(aar)
        assert_close(aar[column].sum() / days, car_tests.loc[name, "statistic"], STAT_TOL, name)
    assert_close(aar["caar"].iloc[-1], car_tests.loc["car_rank_test", "CAAR"], RETURNS_TOL,
                 "CAAR of the window")


@pytest.mark.parametrize(("panel", "kind"), VARIANTS)
def test_per_event_car_tests_equal_the_textbook_columns(panel, kind):
    car = reference(panel, kind)["car"]
    windows = ours(panel, kind)["windows"].loc[car.index]
    assert (windows["n_days"] == car["n_days"]).all()
    assert_close(windows["car"], car["car"], RETURNS_TOL, "CAR")
    assert_close(windows["se"] ** 2, car["extra_var_car_pe"], RETURNS_TOL, "var(CAR)")
    assert_close(windows["t_stat"], car["extra_t_car_pe"], STAT_TOL, "t")
    assert_close(windows["p_value"], car["extra_p_car_pe_t"], STAT_TOL, "p")


@pytest.mark.parametrize(("panel", "kind"), VARIANTS)
def test_window_battery_on_estudy2s_cars(panel, kind):
    data = reference(panel, kind)
    model, row = data["model"], ours(panel, kind)["caar"]
    car = data["car"]["car"].to_numpy()
    var = data["car"]["extra_var_car_pe"].to_numpy()
    df = (model.loc[data["car"].index, "estimation_length"] - 2).to_numpy(dtype=float)
    n, r = len(car), rbar(data["est"])
    assert row["n"] == n
    assert_close(row["caar"], car.mean(), RETURNS_TOL, "CAAR")
    assert_close(row["sd"], car.std(ddof=1), RETURNS_TOL, "sd")

    csect = sps.ttest_1samp(car, 0.0)
    assert_close([row["csect_t_stat"], row["csect_t_p"]], [csect.statistic, csect.pvalue],
                 STAT_TOL, "window csect_t")
    scar = car / np.sqrt(var)
    bmp = sps.ttest_1samp(scar, 0.0)
    assert_close([row["bmp_stat"], row["bmp_p"]], [bmp.statistic, bmp.pvalue], STAT_TOL,
                 "window bmp")
    patell = scar.sum() / np.sqrt((df / (df - 2)).sum())
    assert_close([row["patell_stat"], row["patell_p"]], [patell, 2 * sps.norm.sf(abs(patell))],
                 STAT_TOL, "window patell")
    kp_patell = patell * kp_patell_factor(r, n)
    assert_close([row["kp_patell_stat"], row["kp_patell_p"]],
                 [kp_patell, 2 * sps.norm.sf(abs(kp_patell))], STAT_TOL, "window kp_patell")
    kp_bmp = bmp.statistic * kp_bmp_factor(r, n)
    assert_close([row["kp_bmp_stat"], row["kp_bmp_p"]],
                 [kp_bmp, 2 * sps.t.sf(abs(kp_bmp), n - 1)], STAT_TOL, "window kp_bmp")

    positive = int((car > 0).sum())
    sign = sps.binomtest(positive, n, 0.5)
    assert_close([row["sign_stat"], row["sign_p"]],
                 [(positive - n / 2) / np.sqrt(n / 4), sign.pvalue], STAT_TOL, "window sign")
    p = (data["est"].loc[data["car"].index] > 0).mean(axis=1).mean()
    gen_sign = (positive - n * p) / np.sqrt(n * p * (1 - p))
    assert_close([row["gen_sign_stat"], row["gen_sign_p"]],
                 [gen_sign, 2 * sps.norm.sf(abs(gen_sign))], STAT_TOL, "window gen_sign")
    w_plus = sps.rankdata(np.abs(car))[car > 0].sum()  # no zero CAR, no ties
    wilcoxon = (w_plus - n * (n + 1) / 4) / np.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    assert_close([row["wilcoxon_stat"], row["wilcoxon_p"]],
                 [wilcoxon, sps.wilcoxon(car, method="auto").pvalue], STAT_TOL,
                 "window wilcoxon")
    est = data["est"].loc[data["car"].index].to_numpy()
    t, dof = grank_reference(car, var, est, df)
    assert_close([row["grank_stat"], row["grank_p"]], [t, 2 * sps.t.sf(abs(t), dof)],
                 STAT_TOL, "grank")
