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
from eventstudy.analysis.carpath import car_path
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
    path = car_path(results)
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


def test_path_end_equals_the_window_table():
    results = EventStudy(bundled_events("xiaomi")).fit()
    path = car_path(results)
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
    assert day0.tau.min() == 0 and day0.attrs["level"] == 0.95


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
    assert path.date.tolist() == [pd.Timestamp("2021-01-15"), pd.Timestamp("2021-01-18")]
    assert dt.date.fromisoformat(path.event_session.iloc[0]) == dt.date(2021, 1, 15)
