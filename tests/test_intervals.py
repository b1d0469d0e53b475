"""Confidence intervals: a level on the study and the results, ci_low/ci_high beside every
standard error, checked against statsmodels' prediction intervals and scipy's t intervals."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from eventstudy import EventStudy, StudyDesign, bundled_events
from eventstudy.analysis import car_path
from eventstudy.cli import main
from eventstudy.errors import SpecificationError
from eventstudy.stats import check_level, mean_interval


@pytest.fixture(scope="module")
def xiaomi():
    return EventStudy(bundled_events("xiaomi")).fit()


@pytest.fixture(scope="module")
def telecoms():
    return EventStudy(bundled_events("telecoms")).fit()


def _row(table, event_id, window):
    pick = ((table.event_id == event_id) & (table.window_start == window[0])
            & (table.window_end == window[1]))
    (index,) = np.flatnonzero(pick)
    return table.iloc[index]


@pytest.mark.parametrize("level", [0.95, 0.90, 0.99])
def test_designation_day0_interval_is_statsmodels_prediction_interval(raw_prices, level):
    """AR +/- t se is the observation's OLS prediction interval, seen from the return:
    AR = y0 - yhat, so [y0 - upper, y0 - lower] (statsmodels, straight from the CSVs)."""
    stock = raw_prices("1810.HK")["adj_close"].pct_change()
    market = raw_prices("^HSI")["adj_close"].pct_change()
    pos = stock.index.get_loc(pd.Timestamp("2021-01-15"))
    est = stock.index[pos - 250 : pos - 10]
    ols = sm.OLS(stock[est].to_numpy(), sm.add_constant(market[est].to_numpy())).fit()
    x0 = np.array([[1.0, market.iloc[pos]]])
    lower, upper = ols.get_prediction(x0).conf_int(obs=True, alpha=1 - level)[0]
    y0 = stock.iloc[pos]
    results = EventStudy(bundled_events("xiaomi"), level=level).fit()
    assert results.level == level and results.design.level == level
    row = _row(results.to_frame(), "xiaomi-designation", (0, 0))
    assert row.ci_low == pytest.approx(y0 - upper, abs=1e-10)
    assert row.ci_high == pytest.approx(y0 - lower, abs=1e-10)
    daily = results.to_frame("daily")
    day0 = daily[(daily.event_id == "xiaomi-designation") & (daily.tau == 0)].iloc[0]
    assert (day0.ar_ci_low, day0.ar_ci_high) == pytest.approx((row.ci_low, row.ci_high),
                                                                abs=1e-15)


def test_the_designations_95_interval_by_hand(xiaomi):
    # -11.11% with s.e. 3.03% and 238 df: t_{238, 0.975} = 1.96998 (tables: 1.970)
    row = _row(xiaomi.to_frame(), "xiaomi-designation", (0, 0))
    half = stats.t.ppf(0.975, 238) * row.se
    assert stats.t.ppf(0.975, 238) == pytest.approx(1.96998, abs=1e-5)
    assert (row.ci_low, row.ci_high) == pytest.approx((row.car - half, row.car + half), abs=1e-14)
    assert round(100 * row.ci_low, 2) == -17.08 and round(100 * row.ci_high, 2) == -5.14


@pytest.mark.parametrize("case", ["xiaomi", "luokung", "telecoms", "smic"])
@pytest.mark.parametrize("level", [0.90, 0.95, 0.99])
def test_interval_excludes_zero_exactly_when_the_test_rejects(case, level):
    results = EventStudy(bundled_events(case), unknown_timing="both").fit()
    for table, p in ((results.to_frame(level=level), "p_value"),
                     (results.to_frame("daily", level=level), "ar_p")):
        low, high = (table["ci_low"], table["ci_high"]) if p == "p_value" else (
            table["ar_ci_low"], table["ar_ci_high"])
        shown = table[p].notna() & (np.abs(table[p] - (1 - level)) > 1e-9)
        excludes = (low > 0) | (high < 0)
        assert (excludes[shown] == (table.loc[shown, p] < 1 - level)).all()


def test_level_override_leaves_the_study_and_its_tables_alone(xiaomi):
    wide = xiaomi.to_frame(level=0.99)
    narrow = xiaomi.to_frame(level=0.80)
    default = xiaomi.to_frame()
    assert (wide.ci_low < default.ci_low).all() and (default.ci_low < narrow.ci_low).all()
    assert xiaomi.level == 0.95 and xiaomi.windows.ci_low.equals(default.ci_low)
    same = wide.drop(columns=["ci_low", "ci_high"])
    assert same.equals(default.drop(columns=["ci_low", "ci_high"]))


def test_caar_interval_is_scipys_one_sample_t_interval(telecoms):
    """The CAAR's interval is scipy's ttest_1samp(...).confidence_interval of the CARs."""
    windows = telecoms.to_frame()
    for group in (None, "event_id"):
        for level in (0.95, 0.9):
            table = telecoms.caar(group_by=group, level=level, tests=group is None)
            for row in table.itertuples():
                pick = ((windows.window_start == row.window_start)
                        & (windows.window_end == row.window_end))
                if group is not None:
                    pick &= windows.event_id == row.event_id
                cars = windows.car[pick].to_numpy()
                test = stats.ttest_1samp(cars, 0.0)
                interval = test.confidence_interval(level)
                assert row.se == pytest.approx(cars.std(ddof=1) / np.sqrt(len(cars)), rel=1e-12)
                assert (row.ci_low, row.ci_high) == pytest.approx(
                    (interval.low, interval.high), rel=1e-10)
    table = telecoms.caar()
    assert (((table.ci_low > 0) | (table.ci_high < 0)) == (table.csect_t_p < 0.05)).all()


def test_aar_interval_is_scipys_one_sample_t_interval(telecoms):
    daily = telecoms.to_frame("daily")
    table = telecoms.aar(level=0.9)
    assert list(table.columns[:4]) == ["tau", "n", "aar", "caar"]
    for row in table.itertuples():
        ars = daily.ar[daily.tau == row.tau].dropna().to_numpy()
        interval = stats.ttest_1samp(ars, 0.0).confidence_interval(0.9)
        assert row.aar_se == pytest.approx(ars.std(ddof=1) / np.sqrt(len(ars)), rel=1e-12)
        assert (row.aar_ci_low, row.aar_ci_high) == pytest.approx(
            (interval.low, interval.high), rel=1e-10)
        assert (row.aar_ci_low > 0 or row.aar_ci_high < 0) == (row.csect_t_p < 0.1)


def test_mean_interval_with_too_few_events_is_missing():
    se, low, high = mean_interval(np.array([0.01, 0.02]), np.array([np.nan, 0.01]),
                                  np.array([1, 4]))
    assert np.isnan([se[0], low[0], high[0]]).all()
    assert se[1] == pytest.approx(0.005)
    assert low[1] == pytest.approx(0.02 - stats.t.ppf(0.975, 3) * 0.005)


@pytest.mark.parametrize("bad", [95, 0, 1, 1.0, -0.5, float("nan"), float("inf"), "0.95",
                                 True, None])
def test_bad_levels_are_refused(bad):
    with pytest.raises(SpecificationError, match="level must"):
        check_level(bad)
    with pytest.raises(SpecificationError, match="level must"):
        StudyDesign(level=bad)
    with pytest.raises(SpecificationError, match="level must"):
        EventStudy(bundled_events("xiaomi"), level=bad)


def test_a_percentage_for_a_level_gets_a_hint(xiaomi):
    with pytest.raises(SpecificationError, match=r"for 95%, give 0\.95"):
        xiaomi.to_frame(level=95)
    with pytest.raises(SpecificationError, match="level must"):
        xiaomi.caar(level=0)


def test_command_line_level(xiaomi, capsys):
    assert main(["run", "xiaomi", "--level", "0.9", "--format", "csv"]) == 0
    table = pd.read_csv(StringIO(capsys.readouterr().out))
    expected = xiaomi.to_frame(level=0.9)
    np.testing.assert_allclose(table.ci_low, expected.ci_low, rtol=1e-12)
    np.testing.assert_allclose(table.ci_high, expected.ci_high, rtol=1e-12)
    assert main(["run", "xiaomi", "--level", "0.9"]) == 0
    assert "Confidence level:         90%" in capsys.readouterr().out
    for bad, message in (("95", "for 95%, give 0.95"), ("x", "not 'x'")):
        with pytest.raises(SystemExit):
            main(["run", "xiaomi", "--level", bad])
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "argument --level:" in err and message in err


def test_car_path_can_take_the_studys_level():
    """What the figures use: car_path(results, level=results.level) gives the windows'
    interval at the last day of a window that starts at the path's start."""
    results = EventStudy(bundled_events("xiaomi"), level=0.9).fit()
    path = car_path(results, start=-5, level=results.level)
    row = _row(results.to_frame(), "xiaomi-injunction", (-5, 5))
    point = path[(path.event_id == "xiaomi-injunction") & (path.tau == 5)].iloc[0]
    assert (point.lower, point.upper) == pytest.approx((row.ci_low, row.ci_high), abs=1e-14)
