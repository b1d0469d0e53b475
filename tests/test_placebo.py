"""The placebo percentile and empirical p-value, by hand and against statsmodels."""

from __future__ import annotations

import warnings

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from eventstudy import EventStudy, bundled_events
from eventstudy.analysis.placebo import TABLE_COLUMNS, placebo_test
from eventstudy.errors import SpecificationError
from eventstudy.events import Event

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    SESSIONS = xcals.get_calendar("XNYS", start="2021-01-01", end="2021-12-31").sessions_in_range(
        "2021-01-04", "2021-12-30"
    )


def _frame(close, days):
    return pd.DataFrame({"date": days, "open": close, "high": close, "low": close,
                         "close": close, "adj_close": close, "volume": 1000.0})


def _study(returns, event_at, **options):
    """Constant-mean study of one synthetic stock with its event on session ``event_at``."""
    close = 10 * np.cumprod(np.concatenate([[1.0], 1 + returns]))
    days = SESSIONS[: len(close)]
    event = Event("SYN", days[event_at - 1].date(), id="probe", case="test", exchange="XNYS",
                  timing="after_close", timezone="America/New_York")
    design = {"estimation": (-30, -11), "windows": [(0, 0)], "min_estimation": 10, **options}
    return EventStudy([event], prices={"SYN": _frame(close, days)}, model="constant_mean",
                      **design)


def test_most_extreme_event_by_hand():
    # 59 returns: +/-1% alternating, the event day (return 40, session 40) +30%.
    returns = np.where(np.arange(59) % 2 == 0, 0.01, -0.01)
    returns[39] = 0.30  # return of session 40 (session 0 has no return)
    result = placebo_test(_study(returns, event_at=40))
    row = result.table.iloc[0]
    assert list(result.table.columns) == list(TABLE_COLUMNS)
    # 59 returns minus the event day: 58 placebo days, all below the event.
    assert row.n_placebo == 58 and row.n_below == 58 and row.n_above == 0
    assert row.percentile == 100.0
    assert row.p_value == pytest.approx(2 * 1 / 59, abs=1e-15)
    # Constant mean over relative days -30..-11 = returns of sessions 10..29: ten of each sign.
    assert row.event_ar == pytest.approx(0.30, abs=1e-15)
    assert set(np.round(result.ars.ar, 12)) == {0.01, -0.01}


def test_middle_event_by_hand():
    # Returns 0.001 * k for k = 1..59 in a shuffled order, the event's return the median value.
    rng = np.random.default_rng(3)
    returns = rng.permutation(np.arange(1, 60) * 0.001)
    event_at = 45
    returns[[event_at - 1, int(np.flatnonzero(returns == 0.030)[0])]] = (
        0.030, returns[event_at - 1])
    study = _study(returns, event_at, windows=[(-1, 1)])
    result = placebo_test(study)
    row = result.table.iloc[0]
    mu = returns[event_at - 31 : event_at - 11].mean()  # sessions event-30 .. event-11
    assert row.event_ar == pytest.approx(0.030 - mu, abs=1e-14)
    # Placebo days: all returns but those of sessions event-1, event, event+1.
    placebo = np.delete(returns, [event_at - 2, event_at - 1, event_at]) - mu
    below, above = (placebo <= 0.030 - mu + 1e-15).sum(), (placebo >= 0.030 - mu - 1e-15).sum()
    assert row.n_placebo == 56 and (row.n_below, row.n_above) == (below, above)
    assert row.percentile == pytest.approx(100 * below / 56)
    assert row.p_value == pytest.approx(min(1, 2 * (1 + min(below, above)) / 57))
    assert row.placebo_sd == pytest.approx(np.std(placebo, ddof=1), rel=1e-10)


def test_xiaomi_designation_against_statsmodels(raw_prices):
    study = EventStudy(bundled_events("xiaomi"))
    result = placebo_test(study)
    stock = raw_prices("1810.HK")["adj_close"].pct_change()
    market = raw_prices("^HSI")["adj_close"].pct_change()
    dates = stock.index
    pos = dates.get_loc(pd.Timestamp("2021-01-15"))
    est = np.arange(pos - 250, pos - 10)
    ols = sm.OLS(stock.iloc[est].to_numpy(), sm.add_constant(market.iloc[est].to_numpy())).fit()
    alpha, beta = ols.params
    ar = stock - alpha - beta * market
    windows = set()
    for session in ("2021-01-15", "2021-02-01", "2021-03-15", "2021-05-12", "2021-05-26"):
        p = dates.get_loc(pd.Timestamp(session))
        windows.update(range(p - 5, p + 6))
    keep = [t for t in range(1, len(dates)) if t not in windows]  # day 0 has no return
    placebo = ar.iloc[keep].to_numpy()
    row = result.table.set_index("event_id").loc["xiaomi-designation"]
    assert row.n_placebo == len(keep) == 640 - 55 + 2  # two sessions lie in two windows
    assert row.event_ar == pytest.approx(ar.iloc[pos], abs=1e-12)
    below = int((placebo <= ar.iloc[pos]).sum())
    assert row.n_below == below == 0
    assert row.p_value == pytest.approx(2 / (len(keep) + 1), abs=1e-15)
    ars = result.ars[result.ars.event_id == "xiaomi-designation"]
    np.testing.assert_allclose(np.sort(ars.ar.to_numpy()), np.sort(placebo), atol=1e-12)


def test_both_candidates_excluded_and_span_must_hold_day_zero():
    study = EventStudy(bundled_events("luokung"), windows=[(0, 0)], unknown_timing="earliest")
    result = placebo_test(study)
    # The latest candidates (2021-03-05, 2021-05-06) are not placebo days either.
    dates = set(result.ars.date)
    for day in ("2021-03-04", "2021-03-05", "2021-05-05", "2021-05-06", "2021-01-15"):
        assert pd.Timestamp(day) not in dates
    with pytest.raises(SpecificationError, match="does not contain the event session"):
        placebo_test(EventStudy(bundled_events("luokung"), windows=[(1, 2)]))
