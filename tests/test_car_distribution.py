"""The distribution of the CARs beside the CAAR: quartiles, extremes, skewness, kurtosis.

References are independent of the code under test: hand sums of the moment formulas
on sets of three and four numbers, numpy's percentile (type 7, Hyndman & Fan 1996)
and scipy's ``skew`` and ``kurtosis`` with ``bias=False`` (G1 and G2, Joanes & Gill
1998) on the CARs of the windows table. Every test turns warnings into errors: a
statistic of too few or equal CARs is NaN, silently.
"""

from __future__ import annotations

import math
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from eventstudy import EventStudy, bundled_events
from eventstudy.cli import main
from eventstudy.stats import battery as pooled
from eventstudy.stats.descriptives import car_distribution

pytestmark = pytest.mark.filterwarnings("error")
DISTRIBUTION_COLUMNS = ("min", "q1", "median", "q3", "max", "skewness", "kurtosis")
NAN = float("nan")


@pytest.fixture(scope="module")
def telecoms():
    return EventStudy(bundled_events("telecoms")).fit()


def _figures(car) -> dict[str, float]:
    """The descriptive columns of a window row of these CARs (no tests)."""
    car = np.asarray(car, dtype=float)
    table = pooled.window_rows({(0, 0): (car, np.ones_like(car), car)},
                               np.zeros((car.size, 5)), np.ones(car.size), tests=False)
    return table.iloc[0].to_dict()


def _expected(car: np.ndarray) -> dict[str, float]:
    """numpy's quartiles and scipy's G1 and G2 of the finite CARs."""
    values = car[np.isfinite(car)]
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return {"min": values.min(), "q1": q1, "median": median, "q3": q3, "max": values.max(),
            "skewness": stats.skew(values, bias=False),
            "kurtosis": stats.kurtosis(values, bias=False)}


def test_three_cars_by_hand():
    # 0, 0, 3: mean 1, deviations -1, -1, 2; m2 = 6/3 = 2, m3 = 6/3 = 2;
    # g1 = 2 / 2^1.5 = 1/sqrt(2); G1 = g1 * sqrt(3 * 2) / (3 - 2) = sqrt(3).
    # Type 7 quartiles at positions (n - 1) p = 0.5, 1, 1.5 of 0, 0, 3: 0, 0, 1.5.
    row = _figures([0.0, 3.0, 0.0])
    assert row["skewness"] == pytest.approx(math.sqrt(3), rel=1e-14)
    assert math.isnan(row["kurtosis"])  # fewer than 4 CARs
    assert (row["min"], row["q1"], row["median"], row["q3"], row["max"]) == (0, 0, 0, 1.5, 3)


def test_four_cars_by_hand():
    # 0, 0, 0, 4: mean 1, deviations -1, -1, -1, 3; m2 = 12/4 = 3, m3 = 24/4 = 6,
    # m4 = 84/4 = 21. g1 = 6 / 3^1.5 = 2/sqrt(3); G1 = g1 * sqrt(12) / 2 = 2.
    # g2 = 21/9 - 3 = -2/3; G2 = 3 / (2 * 1) * (5 * (-2/3) + 6) = 4.
    # Type 7 quartiles at positions 0.75, 1.5, 2.25 of 0, 0, 0, 4: 0, 0, 1.
    row = _figures([4.0, 0.0, 0.0, 0.0])
    assert row["skewness"] == pytest.approx(2.0, rel=1e-14)
    assert row["kurtosis"] == pytest.approx(4.0, rel=1e-14)
    assert (row["q1"], row["median"], row["q3"], row["max"]) == (0, 0, 1, 4)


def test_telecoms_announcements_match_numpy_and_scipy(telecoms):
    table = telecoms.caar(group_by="event_id")
    windows = telecoms.windows
    assert len(table) == 16
    for _, row in table.iterrows():
        cars = windows.loc[(windows.event_id == row.event_id)
                           & (windows.window_start == row.window_start)
                           & (windows.window_end == row.window_end), "car"].to_numpy()
        expected = _expected(cars)
        assert row.n == 3
        for name in ("min", "q1", "median", "q3", "max", "skewness"):
            assert row[name] == pytest.approx(expected[name], rel=1e-12, abs=1e-15), name
        assert math.isnan(row["kurtosis"])  # 3 CARs: no kurtosis


def test_telecoms_pooled_kurtosis_matches_scipy(telecoms):
    table = telecoms.caar(tests=False)
    windows = telecoms.windows
    for _, row in table.iterrows():
        cars = windows.loc[(windows.window_start == row.window_start)
                           & (windows.window_end == row.window_end), "car"].to_numpy()
        expected = _expected(cars)
        assert row.n == 12
        for name in DISTRIBUTION_COLUMNS:
            assert row[name] == pytest.approx(expected[name], rel=1e-12, abs=1e-15), name
        # pandas names the same estimators skew() and kurt()
        assert row["skewness"] == pytest.approx(pd.Series(cars).skew(), rel=1e-12)
        assert row["kurtosis"] == pytest.approx(pd.Series(cars).kurt(), rel=1e-12)


def test_with_and_without_tests_the_same_distribution(telecoms):
    tested, plain = telecoms.caar(group_by="event_id"), telecoms.caar("event_id", tests=False)
    columns = ["n", "caar", "sd", "se", "ci_low", "ci_high", *DISTRIBUTION_COLUMNS,
               "share_positive", "mean_bhar", "n_bhar"]
    assert list(plain.columns) == ["event_id", "window_start", "window_end", *columns]
    assert pooled.DISTRIBUTION_FIGURES == DISTRIBUTION_COLUMNS
    pd.testing.assert_frame_equal(tested[plain.columns], plain, check_exact=True)


def test_seeded_cars_with_missing_ones_match_scipy():
    rng = np.random.default_rng(2021)
    car = rng.standard_t(4, size=200) * 0.05  # heavy tails: a kurtosis above 0
    car[rng.random(200) < 0.1] = NAN
    car[[3, 17]] = [np.inf, -np.inf]  # not a CAR either: left out as NaN is
    row, expected = _figures(car), _expected(car)
    present = np.isfinite(car)
    assert row["n"] == present.sum() < 200
    assert row["caar"] == pytest.approx(car[present].mean(), rel=1e-12)
    for name in DISTRIBUTION_COLUMNS:
        assert row[name] == pytest.approx(expected[name], rel=1e-12), name
    assert expected["kurtosis"] > 0
    # NaN where the scipy policy omits them: the same numbers
    assert row["skewness"] == pytest.approx(
        stats.skew(np.where(present, car, NAN), bias=False, nan_policy="omit"), rel=1e-12)


@pytest.mark.parametrize(("car", "quartiles"), [
    ([NAN, NAN], (NAN, NAN, NAN)),
    ([0.02, NAN], (0.02, 0.02, 0.02)),
    ([0.01, 0.05], (0.02, 0.03, 0.04)),  # positions 0.25, 0.5, 0.75 between the two
])
def test_too_few_cars_give_quartiles_without_shape(car, quartiles):
    row = _figures(car)
    assert [row[k] for k in ("q1", "median", "q3")] == pytest.approx(
        list(quartiles), rel=1e-14, nan_ok=True)
    assert math.isnan(row["skewness"]) and math.isnan(row["kurtosis"])


def test_equal_cars_have_no_skewness_or_kurtosis():
    # 0.1 * 3 / 3 is not 0.1 in binary: deviations of rounding noise, not a shape
    for n in (3, 4, 7):
        row = _figures([0.1] * n)
        assert row["median"] == row["q1"] == row["q3"] == 0.1
        assert math.isnan(row["skewness"]) and math.isnan(row["kurtosis"])


def test_empty_input_is_all_nan():
    result = car_distribution(np.array([]))
    assert all(math.isnan(getattr(result, name)) for name in DISTRIBUTION_COLUMNS)


def test_one_and_two_events_per_group_in_the_bundled_cases():
    one = EventStudy(bundled_events("xiaomi")).fit().caar(group_by="event_id", tests=False)
    assert (one.n == 1).all()
    for name in ("min", "q1", "median", "q3", "max"):
        np.testing.assert_array_equal(one[name], one["caar"])
    assert one["skewness"].isna().all() and one["kurtosis"].isna().all()
    luokung = EventStudy(bundled_events("luokung"), unknown_timing="both").fit()
    two = luokung.caar(group_by="event_id", tests=False).query("n == 2")
    assert len(two) == 8  # the lawsuit and the injunction, two candidate sessions each
    windows = luokung.windows
    for _, row in two.iterrows():
        low, high = np.sort(windows.loc[(windows.event_id == row.event_id)
                                        & (windows.window_start == row.window_start)
                                        & (windows.window_end == row.window_end), "car"])
        assert row["median"] == pytest.approx((low + high) / 2, rel=1e-14)
        assert row["q1"] == pytest.approx(low + (high - low) / 4, rel=1e-14)
    assert two["skewness"].isna().all()


def test_pooled_summary_shows_the_distribution(telecoms):
    summary = telecoms.pooled_summary()
    cars, spread, tests = summary.tables
    assert spread.title == "Distribution of the CARs"
    assert list(spread.data.columns) == ["window", *DISTRIBUTION_COLUMNS]
    text = str(summary)
    windows = telecoms.windows
    cars00 = windows.loc[(windows.window_start == 0) & (windows.window_end == 0), "car"]
    median = f"{100 * np.median(cars00):+.2f}%"
    skew = f"{stats.skew(cars00, bias=False):.2f}"
    row = next(line for line in text.splitlines()[text.splitlines().index(spread.title):]
               if line.startswith("(0,0)"))
    assert median in row.split() and skew in row.split()
    assert "Hyndman-Fan type 7" in text and "Joanes-Gill 1998" in text


def test_cli_csv_of_the_pooled_rows_has_the_distribution(telecoms, capsys):
    assert main(["run", "telecoms", "--tests", "all", "--group-by", "event_id",
                 "--format", "csv"]) == 0
    table = pd.read_csv(StringIO(capsys.readouterr().out))
    expected = telecoms.caar(group_by="event_id")
    for name in DISTRIBUTION_COLUMNS:
        np.testing.assert_allclose(table[name], expected[name], rtol=1e-14)
