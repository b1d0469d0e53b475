"""The CAR path and its band, against statsmodels on synthetic and bundled data."""

from __future__ import annotations

import datetime as dt
import warnings

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from eventstudy import EventStudy, bundled_events
from eventstudy.analysis.carpath import caar_path, car_path
from eventstudy.errors import SpecificationError
from eventstudy.events import Event
from eventstudy.stats import t_interval

with warnings.catch_warnings():  # exchange_calendars' own pandas deprecation notices
    warnings.simplefilter("ignore")
    SESSIONS = xcals.get_calendar("XNYS", start="2020-01-01", end="2021-12-31").sessions_in_range(
        "2020-01-02", "2021-06-30"
    )
EVENT_AT = 300  # session index of the event


def _frame(close: np.ndarray, days: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame(
        {"date": days, "open": close, "high": close * 1.01, "low": close * 0.99, "close": close,
         "adj_close": close, "volume": 1e6}
    )


@pytest.fixture(scope="module")
def synthetic():
    """Stock = 0.0005 + 1.3 market + noise on XNYS sessions; one day without a price."""
    rng = np.random.default_rng(7)
    market_ret = rng.normal(0.0004, 0.011, len(SESSIONS))
    stock_ret = 0.0005 + 1.3 * market_ret + rng.normal(0, 0.02, len(SESSIONS))
    market = 1000 * np.cumprod(1 + market_ret)
    stock = 50 * np.cumprod(1 + stock_ret)
    keep = np.ones(len(SESSIONS), dtype=bool)
    keep[EVENT_AT + 3] = False  # a missing price: returns on tau = 3 and 4 are missing
    prices = {"STK": _frame(stock[keep], SESSIONS[keep]), "IDX": _frame(market, SESSIONS)}
    before = SESSIONS[EVENT_AT - 1].date()
    event = Event("STK", before, id="probe", case="test", exchange="XNYS", market="IDX",
                  timing="after_close", timezone="America/New_York")
    return prices, event


def test_path_matches_statsmodels_with_a_missing_day(synthetic):
    prices, event = synthetic
    results = EventStudy([event], prices=prices, windows=[(-2, 6)], min_estimation=100).fit()
    path = car_path(results, start=-2)
    # Independent: returns from the frames, OLS on relative days -250..-11.
    stock = prices["STK"].set_index("date")["adj_close"].reindex(SESSIONS).pct_change(
        fill_method=None)
    market = prices["IDX"].set_index("date")["adj_close"].pct_change()
    rows = np.arange(EVENT_AT - 250, EVENT_AT - 10)
    ols = sm.OLS(stock.iloc[rows].to_numpy(), sm.add_constant(market.iloc[rows].to_numpy())).fit()
    taus = np.arange(-2, 7)
    x_evt = sm.add_constant(market.iloc[EVENT_AT + taus].to_numpy())
    ar = stock.iloc[EVENT_AT + taus].to_numpy() - x_evt @ ols.params
    assert np.isnan(ar[taus == 3]).all() and np.isnan(ar[taus == 4]).all()
    present = ~np.isnan(ar)
    t_crit = stats.t.ppf(0.975, ols.df_resid)
    for j, tau in enumerate(taus):
        g = (present & (taus <= tau)).astype(float)
        car = np.nansum(ar * g)
        var = ols.scale * g.sum() + g @ x_evt @ ols.cov_params() @ x_evt.T @ g
        row = path[path.tau == tau].iloc[0]
        assert row.n_days == g.sum()
        assert row.car == pytest.approx(car, abs=1e-12)
        assert row.se == pytest.approx(np.sqrt(var), rel=1e-9)
        assert row.lower == pytest.approx(car - t_crit * np.sqrt(var), rel=1e-9, abs=1e-12)
        assert row.upper == pytest.approx(car + t_crit * np.sqrt(var), rel=1e-9, abs=1e-12)
        assert row.p_value == pytest.approx(2 * stats.t.sf(abs(car) / np.sqrt(var), 238), rel=1e-7)
        assert np.isnan(row.ar) == (not present[j])
    # The band is wider than the naive sqrt(k) band: parameter uncertainty adds to it.
    last = path.iloc[-1]
    assert last.se > np.sqrt(ols.scale * last.n_days)
    # The path starts at zero the session before its start, outside the span here.
    origin = path.iloc[0]
    assert origin.tau == -3 and origin.car == 0 and origin.n_days == 0 and origin.se == 0
    assert pd.isna(origin.date) and np.isnan(origin.ar) and np.isnan(origin.p_value)


def test_path_end_equals_the_window_table():
    results = EventStudy(bundled_events("xiaomi")).fit()
    path = car_path(results, start=-5)
    wide = results.windows[(results.windows.window_start == -5) & (results.windows.window_end == 5)]
    ends = path[path.tau == 5].set_index("event_id")
    for row in wide.itertuples():
        assert ends.loc[row.event_id, "car"] == pytest.approx(row.car, abs=1e-14)
        assert ends.loc[row.event_id, "se"] == pytest.approx(row.se, abs=1e-14)
    # Starting at day 0, the first point is the day-0 AR and its test.
    day0 = car_path(results, start=0)
    first = day0[(day0.event_id == "xiaomi-designation") & (day0.tau == 0)].iloc[0]
    table = results.windows
    zero = table[(table.event_id == "xiaomi-designation") & (table.window_end == 0)
                 & (table.window_start == 0)].iloc[0]
    assert first.car == pytest.approx(zero.car, abs=1e-15) and first.p_value == zero.p_value
    # It starts at zero on day -1, where that day's own AR is shown but not cumulated.
    assert day0.tau.min() == -1 and day0.attrs["level"] == 0.95 and day0.attrs["start"] == 0
    before = day0[(day0.event_id == "xiaomi-designation") & (day0.tau == -1)].iloc[0]
    assert before.car == 0 and before.n_days == 0 and np.isfinite(before.ar)


def test_path_starts_at_the_event_session_by_default():
    """The headline (day-0 AR, its p-value) is the path's day-0 point; its band there is
    the AR's interval, which excludes zero for the designation (p = 0.0003)."""
    results = EventStudy(bundled_events("xiaomi")).fit()
    path = car_path(results)
    assert path.attrs["start"] == 0 and sorted(path.tau.unique()) == list(range(-1, 6))
    table = results.windows
    for event_id, rows in path.groupby("event_id"):
        day0 = rows[rows.tau == 0].iloc[0]
        zero = table[(table.event_id == event_id) & (table.window_start == 0)
                     & (table.window_end == 0)].iloc[0]
        assert day0.car == zero.car == day0.ar and day0.p_value == zero.p_value
        assert (day0.lower, day0.upper) == (day0.ar_lower, day0.ar_upper)
        one = table[(table.event_id == event_id) & (table.window_start == 0)
                    & (table.window_end == 1)].iloc[0]
        assert rows[rows.tau == 1].iloc[0].car == pytest.approx(one.car, abs=1e-15)
    designation = path[(path.event_id == "xiaomi-designation") & (path.tau == 0)].iloc[0]
    assert designation.car == pytest.approx(-0.1111, abs=5e-5) and designation.upper < 0
    # Each day's AR interval: the prediction-error s.e. of the results' daily table.
    daily = results.daily.set_index(["event_id", "tau"])
    for row in path[path.tau >= -1].itertuples():
        assert row.ar_se == pytest.approx(daily.loc[(row.event_id, row.tau), "ar_se"],
                                          rel=1e-12)
    assert (path.event_type == "designation").sum() == 7


def test_pooled_path_is_the_portfolio_regression():
    """Two stocks of one announcement: the CAAR's s.e. is that of the equally weighted
    portfolio's own market model (statsmodels), which allows for their correlation."""
    rng = np.random.default_rng(11)
    market_ret = rng.normal(0.0004, 0.011, len(SESSIONS))
    common = rng.normal(0, 0.015, len(SESSIONS))  # a shared shock: correlated residuals
    prices = {"IDX": _frame(1000 * np.cumprod(1 + market_ret), SESSIONS)}
    for ticker, beta in (("STA", 1.3), ("STB", 0.7)):
        ret = 0.0003 + beta * market_ret + common + rng.normal(0, 0.01, len(SESSIONS))
        prices[ticker] = _frame(40 * np.cumprod(1 + ret), SESSIONS)
    before = SESSIONS[EVENT_AT - 1].date()
    events = [Event(t, before, id="both", exchange="XNYS", market="IDX", timing="after_close",
                    timezone="America/New_York") for t in ("STA", "STB")]
    results = EventStudy(events, prices=prices, windows=[(0, 4)]).fit()
    pooled = caar_path(results)
    frame = pd.DataFrame({t: prices[t].set_index("date")["adj_close"].pct_change()
                          for t in ("STA", "STB", "IDX")})
    portfolio = (frame["STA"] + frame["STB"]) / 2
    rows = np.arange(EVENT_AT - 250, EVENT_AT - 10)
    x = sm.add_constant(frame["IDX"].iloc[rows].to_numpy())
    ols = sm.OLS(portfolio.iloc[rows].to_numpy(), x).fit()
    taus = np.arange(0, 5)
    x_evt = sm.add_constant(frame["IDX"].iloc[EVENT_AT + taus].to_numpy())
    ar = portfolio.iloc[EVENT_AT + taus].to_numpy() - x_evt @ ols.params
    t_crit = stats.t.ppf(0.975, ols.df_resid)
    for tau in taus:
        g = (taus <= tau).astype(float)
        var = ols.scale * g.sum() + g @ x_evt @ ols.cov_params() @ x_evt.T @ g
        row = pooled[pooled.tau == tau].iloc[0]
        assert row.n == 2 and row.tickers == "STA, STB" and row.df == ols.df_resid
        assert row.caar == pytest.approx(ar[: tau + 1].sum(), abs=1e-12)
        assert row.se == pytest.approx(np.sqrt(var), rel=1e-9)
        assert row.upper == pytest.approx(row.caar + t_crit * np.sqrt(var), rel=1e-9)
        assert row.aar == pytest.approx(ar[tau], abs=1e-12)
    origin = pooled[pooled.tau == -1].iloc[0]
    assert origin.caar == 0 and origin.se == 0
    # The correlated residuals make the portfolio's variance larger than independence says.
    path = car_path(results)
    day4 = path[path.tau == 4]
    assert pooled[pooled.tau == 4].se.iloc[0] > np.sqrt((day4.se ** 2).sum()) / 2


def test_a_pool_of_one_is_its_own_path():
    results = EventStudy(bundled_events("xiaomi")).fit()
    path, pooled = car_path(results), caar_path(results)
    assert (pooled.n.isin([1])).all()
    np.testing.assert_allclose(pooled.caar, path.car, rtol=0, atol=1e-15)
    np.testing.assert_allclose(pooled.se, path.se, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(pooled.upper, path.upper, rtol=1e-12, atol=1e-15)


def test_path_start_outside_span():
    results = EventStudy(bundled_events("xiaomi"), windows=[(0, 1)]).fit()
    with pytest.raises(SpecificationError, match=r"inside the event span \[0, 1\]"):
        car_path(results, start=-3)


def test_t_interval_by_hand():
    lower, upper = t_interval(np.array([0.05]), np.array([0.02]), np.array([10.0]), level=0.9)
    half = 1.8124611228107335 * 0.02  # t(10) 95th percentile, from tables
    assert lower[0] == pytest.approx(0.05 - half, rel=1e-12)
    assert upper[0] == pytest.approx(0.05 + half, rel=1e-12)
    with pytest.raises(SpecificationError, match="strictly between 0 and 1"):
        t_interval(0.0, 1.0, 5, level=95)


def test_dates_are_sessions():
    results = EventStudy(bundled_events("xiaomi")[:1], windows=[(0, 1)]).fit()
    path = car_path(results)
    # Day -1, the path's origin, lies before the span: no date.
    assert pd.isna(path.date.iloc[0])
    assert path.date.iloc[1:].tolist() == [pd.Timestamp("2021-01-15"), pd.Timestamp("2021-01-18")]
    assert dt.date.fromisoformat(path.event_session.iloc[0]) == dt.date(2021, 1, 15)
