"""Robustness variants, checked against numbers computed from the raw price files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from eventstudy import bundled_events
from eventstudy.analysis.robustness import ROBUSTNESS_COLUMNS, compare_variants, robustness
from eventstudy.errors import SpecificationError

XIAOMI_SESSIONS = ("2021-01-15", "2021-02-01", "2021-03-15", "2021-05-12", "2021-05-26")


@pytest.fixture(scope="module")
def xiaomi():
    return robustness(bundled_events("xiaomi"), windows=[(0, 0), (0, 1)])


def _pick(table, variant, event_id, window=(0, 0), candidate=""):
    rows = table[(table.variant == variant) & (table.event_id == event_id)
                 & (table.window_start == window[0]) & (table.window_end == window[1])
                 & (table.candidate == candidate)]
    assert len(rows) == 1
    return rows.iloc[0]


def _series(raw_prices, ticker, market):
    stock = raw_prices(ticker)["adj_close"].pct_change()
    index = raw_prices(market)["adj_close"].pct_change()
    return stock, index


def _estimation_rows(dates, session, removed_sessions=(), span=(0, 1)):
    """Positions of relative days -250..-11, without other events' spans."""
    pos = dates.get_loc(pd.Timestamp(session))
    rows = np.arange(pos - 250, pos - 10)
    drop = set()
    for other in removed_sessions:
        p = dates.get_loc(pd.Timestamp(other))
        drop.update(range(p + span[0], p + span[1] + 1))
    return pos, np.array([r for r in rows if r not in drop])


def test_shape_and_variants(xiaomi):
    assert list(xiaomi.columns) == list(ROBUSTNESS_COLUMNS)
    assert xiaomi.variant.nunique() == 6 and len(xiaomi) == 6 * 5 * 2
    assert set(xiaomi.model) == {"market", "market_adjusted", "constant_mean"}


def test_joint_filing_under_each_model(xiaomi, raw_prices):
    stock, index = _series(raw_prices, "1810.HK", "^HSI")
    dates = stock.index
    others = [s for s in XIAOMI_SESSIONS if s != "2021-05-12"]
    pos, kept = _estimation_rows(dates, "2021-05-12")
    _, cleared = _estimation_rows(dates, "2021-05-12", others)
    r0, m0 = stock.iloc[pos], index.iloc[pos]

    # Market model, other events kept: plain OLS on all 240 estimation days.
    ols = sm.OLS(stock.iloc[kept].to_numpy(), sm.add_constant(index.iloc[kept].to_numpy())).fit()
    x0 = np.array([[1.0, m0]])
    row = _pick(xiaomi, "market, other events kept", "xiaomi-joint-filing")
    assert row.car == pytest.approx(r0 - (x0 @ ols.params)[0], abs=1e-12)
    assert row.se == pytest.approx(np.sqrt(ols.scale + (x0 @ ols.cov_params() @ x0.T)[0, 0]),
                                   rel=1e-9)
    assert row.n_estimation == 240

    # Market-adjusted, others excluded: AR = R - Rm; variance of R - Rm around its mean.
    excess = (stock - index).iloc[cleared].to_numpy()
    row = _pick(xiaomi, "market_adjusted, other events excluded", "xiaomi-joint-filing")
    assert row.car == pytest.approx(r0 - m0, abs=1e-14)
    assert row.se == pytest.approx(np.std(excess, ddof=1), rel=1e-10)
    assert row.n_estimation == len(cleared) < 240

    # Constant mean, others kept: AR = R - mean; var = s^2 (1 + 1/n) (MacKinlay 1997, sec. 4.1).
    returns = stock.iloc[kept].to_numpy()
    n = len(returns)
    row = _pick(xiaomi, "constant_mean, other events kept", "xiaomi-joint-filing")
    assert row.car == pytest.approx(r0 - returns.mean(), abs=1e-14)
    se = np.std(returns, ddof=1) * np.sqrt(1 + 1 / n)
    assert row.se == pytest.approx(se, rel=1e-10)
    half = stats.t.ppf(0.975, n - 1) * se
    assert row.lower == pytest.approx(row.car - half, rel=1e-9)
    assert row.upper == pytest.approx(row.car + half, rel=1e-9)


def test_designation_is_robust_and_exclusion_only_touches_later_events(xiaomi):
    first = compare_variants(xiaomi, window=(0, 0)).loc[("xiaomi-designation", "1810.HK", "")]
    assert (first < -0.10).all()  # about -11% whatever the model
    # The designation is the first event: removing later events changes nothing.
    assert first["market, other events excluded"] == first["market, other events kept"]


def test_unknown_timing_both_candidates_everywhere():
    table = robustness(bundled_events("luokung"), windows=[(0, 0)])
    lawsuit = table[table.event_id == "luokung-lawsuit"]
    for _, rows in lawsuit.groupby("variant"):
        assert rows.candidate.tolist() == ["earliest", "latest"]
        assert rows.event_session.tolist() == [pd.Timestamp("2021-03-04"),
                                               pd.Timestamp("2021-03-05")]
    wide = compare_variants(table, value="p_value")
    assert wide.shape == (5, 6) and wide.notna().all().all()


def test_compare_variants_unknown_window(xiaomi):
    with pytest.raises(SpecificationError, match=r"window \(-5, 5\) is not in"):
        compare_variants(xiaomi, window=(-5, 5))
