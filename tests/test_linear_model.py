"""LinearModel: regressors named by ticker or factor column, against statsmodels OLS.

Every number is worked out apart from the library: statsmodels OLS on the regressors
(params, residuals, ``scale``, ``get_prediction`` and ``cov_params`` for the
prediction-error variance of ARs and CARs), on arrays or on returns computed with
pandas from the bundled CSV files. Tolerance 1e-10, and 1e-12 where LinearModel must
be the market model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from eventstudy import EventStudy, FramePrices, MarketModel, ReturnSource, bundled_events
from eventstudy.core.models import ArrayBlock, LinearModel
from eventstudy.errors import CalendarError, SpecificationError, UnknownTickerError

TOL = 1e-10
WINDOWS = ((0, 0), (-1, 1), (0, 1), (-5, 5))  # the default design's
EST = (-250, -11)


def _ols(y, x):
    return sm.OLS(y, sm.add_constant(x, has_constant="add")).fit()


@pytest.fixture
def two_index():
    """Three events, 240 estimation and 11 event rows: a stock on a market and a sector
    index, with estimation rows masked out and a missing event day."""
    rng = np.random.default_rng(18)
    n, l1, l2 = 3, 240, 11
    market = rng.normal(0.0004, 0.011, (n, l1 + l2))
    sector = 0.7 * market + rng.normal(0.0, 0.009, (n, l1 + l2))
    beta_m, beta_s = np.array([[0.6], [1.1], [0.9]]), np.array([[0.5], [0.2], [-0.3]])
    ret = 0.0002 + beta_m * market + beta_s * sector + rng.normal(0, 0.015, (n, l1 + l2))
    ret[0, l1 + 4] = np.nan  # a missing event day
    mask = np.ones((n, l1), dtype=bool)
    mask[1, 90:120] = False  # another event's window
    mask[2, :50] = False
    columns = {"ret": ret, "x:^HSI": market, "x:^SECT": sector}
    est = ArrayBlock({k: v[:, :l1] for k, v in columns.items()})
    evt = ArrayBlock({k: v[:, l1:] for k, v in columns.items()})
    return est, evt, mask, columns, l1


def test_two_regressors_equal_statsmodels_per_event(two_index):
    est, evt, mask, columns, l1 = two_index
    model = LinearModel(["^HSI", "^SECT"])
    fit = model.fit(est, evt, mask)
    assert fit.param_names == ("alpha", "^HSI", "^SECT")
    ar_var = fit.ar_variance()
    select = np.zeros(fit.ar.shape, dtype=bool)
    select[:, 2:9] = True  # a 7-day window; event 0 lacks one of its days
    car, car_var, n_days = fit.car(select)
    assert n_days.tolist() == [6, 7, 7]
    for i in range(3):
        rows = mask[i]
        x = np.column_stack([columns["x:^HSI"][i], columns["x:^SECT"][i]])
        ols = _ols(columns["ret"][i, :l1][rows], x[:l1][rows])
        assert np.allclose(fit.params[i], ols.params, atol=TOL, rtol=0)
        assert fit.s2[i] == pytest.approx(ols.scale, rel=TOL)
        assert fit.df[i] == ols.df_resid == rows.sum() - 3
        assert np.allclose(fit.est_resid[i, rows], ols.resid, atol=TOL, rtol=0)
        assert np.isnan(fit.est_resid[i, ~rows]).all()
        np.testing.assert_allclose(fit.xtx_inv[i] * ols.scale, ols.cov_params(), rtol=1e-9)
        x_star = sm.add_constant(x[l1:], has_constant="add")
        expected_ar = columns["ret"][i, l1:] - ols.predict(x_star)
        assert np.allclose(fit.ar[i], expected_ar, atol=TOL, rtol=0, equal_nan=True)
        present = ~np.isnan(expected_ar)
        pred = ols.get_prediction(x_star)
        assert np.allclose(ar_var[i, present], (pred.var_pred_mean + ols.scale)[present],
                           atol=TOL, rtol=0)
        # var(CAR) = g'(s^2 I + X* cov(b) X*')g over the days present (MacKinlay 1997)
        g = (select[i] & present).astype(float)
        v = ols.scale * np.eye(len(g)) + x_star @ ols.cov_params() @ x_star.T
        assert car_var[i] == pytest.approx(g @ v @ g, rel=TOL)
        assert car[i] == pytest.approx(np.nansum(g * expected_ar), abs=TOL)


def test_factor_columns_and_excess_returns_equal_statsmodels():
    """Tickers and factor columns combine; ``ret - f:rf`` models excess returns."""
    rng = np.random.default_rng(4)
    n, length, l1 = 2, 260, 240
    f = {name: rng.normal(0, 0.008, (n, length)) for name in ("mkt_rf", "smb")}
    sector = rng.normal(0, 0.01, (n, length))
    rf = np.full((n, length), 0.00012)
    ret = rf + 0.0003 + 0.9 * f["mkt_rf"] + 0.4 * f["smb"] + 0.5 * sector
    ret = ret + rng.normal(0, 0.01, (n, length))
    columns = {"ret": ret, "f:rf": rf, "f:mkt_rf": f["mkt_rf"], "f:smb": f["smb"],
               "x:^SECT": sector}
    est = ArrayBlock({k: v[:, :l1] for k, v in columns.items()})
    evt = ArrayBlock({k: v[:, l1:] for k, v in columns.items()})
    model = LinearModel("ret - f:rf ~ f:mkt_rf + f:smb + ^SECT")
    assert model.factors == ("mkt_rf", "smb", "rf") and model.tickers == ("^SECT",)
    assert model.param_names == ("alpha", "f:mkt_rf", "f:smb", "^SECT")
    fit = model.fit(est, evt, np.ones((n, l1), dtype=bool))
    for i in range(n):
        x = np.column_stack([f["mkt_rf"][i], f["smb"][i], sector[i]])
        ols = _ols(ret[i, :l1] - rf[i, :l1], x[:l1])
        assert np.allclose(fit.params[i], ols.params, atol=TOL, rtol=0)
        x_star = sm.add_constant(x[l1:], has_constant="add")
        expected = ret[i, l1:] - rf[i, l1:] - ols.predict(x_star)
        assert np.allclose(fit.ar[i], expected, atol=TOL, rtol=0)
        pred = ols.get_prediction(x_star)
        assert np.allclose(fit.ar_variance()[i], pred.var_pred_mean + ols.scale, atol=TOL,
                           rtol=0)
    same = LinearModel(["f:mkt_rf", "f:smb", "^SECT"], excess="rf").fit(
        est, evt, np.ones((n, l1), dtype=bool))
    np.testing.assert_array_equal(same.params, fit.params)


# ----- studies on the bundled snapshot ---------------------------------------------------------
def _bundled_returns(raw_prices, tickers) -> pd.DataFrame:
    """Simple returns from the CSV files' adjusted closes (all on the same HK sessions)."""
    return pd.DataFrame({t: raw_prices(t)["adj_close"].pct_change() for t in tickers})


@pytest.mark.parametrize("model", [LinearModel(["^HSI"]), LinearModel(["market"]),
                                   LinearModel("ret ~ ^HSI")])
def test_the_market_alone_is_the_market_model(model):
    events = bundled_events("xiaomi")
    market = EventStudy(events, model=MarketModel()).fit()
    linear = EventStudy(events, model=model).fit()
    for column in ("car", "se", "t_stat", "df", "p_value", "bhar", "n_estimation"):
        np.testing.assert_allclose(linear.windows[column], market.windows[column], rtol=1e-12,
                                   atol=1e-12)
    np.testing.assert_allclose(linear.params[["alpha", model.terms[0], "sigma2"]],
                               market.params[["alpha", "beta", "sigma2"]], rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(linear.fit.ar_variance(), market.fit.ar_variance(), rtol=1e-12,
                               equal_nan=True)
    assert linear.model == model.name


def test_two_index_study_equals_statsmodels_on_the_csv_files(raw_prices):
    """Xiaomi on the Hang Seng and SMIC (a tech "sector" regressor), event by event."""
    model = LinearModel(["^HSI", "0981.HK"])
    results = EventStudy(bundled_events("xiaomi"), model=model,
                         exclude_other_events=False).fit()
    returns = _bundled_returns(raw_prices, ["1810.HK", "^HSI", "0981.HK"])
    windows = results.windows
    for event_id, session in zip(results.params.event_id, results.params.event_session,
                                 strict=True):
        pos = returns.index.get_loc(session)
        est = returns.iloc[pos + EST[0] : pos + EST[1] + 1]
        ols = _ols(est["1810.HK"], est[["^HSI", "0981.HK"]])
        params = results.params.set_index("event_id").loc[event_id]
        assert np.allclose(params[["alpha", "^HSI", "0981.HK"]].to_numpy(float), ols.params,
                           atol=TOL, rtol=0)
        assert params["sigma2"] == pytest.approx(ols.scale, rel=TOL)
        for lo, hi in WINDOWS:
            days = returns.iloc[pos + lo : pos + hi + 1]
            x_star = sm.add_constant(days[["^HSI", "0981.HK"]].to_numpy(), has_constant="add")
            ar = days["1810.HK"].to_numpy() - ols.predict(x_star)
            variance = ols.scale * len(days) + x_star.sum(axis=0) @ ols.cov_params() @ (
                x_star.sum(axis=0))
            row = windows[(windows.event_id == event_id) & (windows.window_start == lo)
                          & (windows.window_end == hi)].iloc[0]
            assert row.car == pytest.approx(ar.sum(), abs=TOL)
            assert row.se == pytest.approx(np.sqrt(variance), abs=TOL)
            assert row.df == ols.df_resid == 237
            t_stat = ar.sum() / np.sqrt(variance)
            assert row.p_value == pytest.approx(2 * stats.t.sf(abs(t_stat), ols.df_resid),
                                                abs=TOL)


def _with_sector_index(raw_prices, drop: str | None = None) -> FramePrices:
    """The bundled Hong Kong series and a synthetic equal-weight index of the three
    telecoms, ``^TEL``; ``drop`` removes one of its sessions."""
    tickers = ["1810.HK", "^HSI", "0941.HK", "0728.HK", "0762.HK"]
    frames = {t: raw_prices(t) for t in tickers}
    mean = _bundled_returns(raw_prices, ["0941.HK", "0728.HK", "0762.HK"]).mean(axis=1)
    level = 100.0 * (1.0 + mean.fillna(0.0)).cumprod()
    index = pd.DataFrame({"open": level, "high": level, "low": level, "close": level,
                          "adj_close": level, "volume": 0.0})
    if drop is not None:
        index = index.drop(pd.Timestamp(drop))
    frames["^TEL"] = index
    return FramePrices(frames)


def test_a_synthetic_sector_index_with_a_missing_session(raw_prices):
    """A regressor's missing session is reported under its ticker; the returns into and
    out of it are missing and leave the estimation sample, as for the market index."""
    prices = _with_sector_index(raw_prices, drop="2020-09-15")
    events = bundled_events("xiaomi")[:1]
    results = EventStudy(events, prices=prices, model=LinearModel(["^HSI", "^TEL"])).fit()
    notes = results.diagnostics.query("kind == 'market_missing_sessions'")
    assert notes.ticker.tolist() == ["^TEL"]
    assert "the regressor ^TEL has no price on 1 of 1810.HK's sessions" in notes.detail.iloc[0]
    returns = _bundled_returns(raw_prices, ["1810.HK", "^HSI"])
    level = prices.get("^TEL")["adj_close"]
    returns["^TEL"] = level.reindex(returns.index).pct_change(fill_method=None)
    pos = returns.index.get_loc(pd.Timestamp("2021-01-15"))
    est = returns.iloc[pos + EST[0] : pos + EST[1] + 1].dropna()
    assert len(est) == 238  # the session without ^TEL and the one after it
    ols = _ols(est["1810.HK"], est[["^HSI", "^TEL"]])
    row = results.params.iloc[0]
    assert row.n_estimation == 238
    assert np.allclose(row[["alpha", "^HSI", "^TEL"]].to_numpy(float), ols.params, atol=TOL)


def test_regressors_across_partitions_and_exchanges():
    """Partitions join the regressor columns; "market" is each event's own index."""
    events = bundled_events("telecoms")
    model = LinearModel(["^HSI", "0981.HK"])
    whole = EventStudy(events, model=model).fit()
    parts = EventStudy(events, model=model, partitions=3).fit()
    pd.testing.assert_frame_equal(whole.windows, parts.windows)
    both = [*bundled_events("xiaomi"), *bundled_events("luokung")]
    np.testing.assert_allclose(
        EventStudy(both, model=LinearModel(["market"])).fit().windows["car"],
        EventStudy(both, model="market").fit().windows["car"], rtol=1e-12, atol=1e-12)
    with pytest.raises(CalendarError, match=r"regressor \^HSI has .* not XNAS sessions"):
        EventStudy(both, model=LinearModel(["market", "^HSI"])).fit()


def test_regressors_from_a_return_table(raw_prices):
    """With returns=, a regressor is an identifier of the return table."""
    wide = _bundled_returns(raw_prices, ["1810.HK", "^HSI", "0981.HK"]).iloc[1:]
    model = LinearModel(["^HSI", "0981.HK"])
    events = bundled_events("xiaomi")
    given = EventStudy(events, returns=ReturnSource(wide, market="^HSI"), model=model).fit()
    priced = EventStudy(events, model=model).fit()
    for column in ("car", "se", "p_value"):
        np.testing.assert_allclose(given.windows[column], priced.windows[column], rtol=1e-9)


def test_refusals():
    events = bundled_events("xiaomi")
    with pytest.raises(CalendarError, match=r"regressor \^IXIC has 27 of its 653 prices on days "
                       r"that are not XHKG sessions .* use a series of the stock's own exchange"):
        EventStudy(events, model=LinearModel(["^HSI", "^IXIC"])).fit()
    with pytest.raises(SpecificationError, match="1810.HK is a regressor of its own"):
        EventStudy(events, model=LinearModel(["^HSI", "1810.HK"]))
    with pytest.raises(UnknownTickerError, match=r"'\^HSTECH'"):
        EventStudy(events, model=LinearModel(["^HSI", "^HSTECH"]))
    with pytest.raises(SpecificationError, match=r"needs the factors mom and rf;"):
        EventStudy(events, model=LinearModel("ret - f:rf ~ ^HSI + f:mom"))


@pytest.mark.parametrize(("given", "message"), [
    ([], "at least one regressor"),
    ("ret ~ ", "at least one regressor"),
    ("^HSI + + ^SECT", "'' is not a name"),
    ("ret ~ ^HSI ~ ^SECT", "more than one '~'"),
    ("y ~ ^HSI", r"left side of 'y ~ \^HSI' must be 'ret' or 'ret - f:<factor>'"),
    (["^HSI", "^HSI"], "'\\^HSI' is named twice"),
    (["f:"], "does not name a factor column"),
    (["^HSI", 3], "not 3"),
    (7, "not int"),
])
def test_malformed_regressors_are_refused(given, message):
    with pytest.raises(SpecificationError, match=message):
        LinearModel(given)


def test_formula_and_list_are_the_same_model():
    a = LinearModel("ret - f:rf ~ f:mkt_rf + ^HSI")
    b = LinearModel(["f:mkt_rf", "^HSI"], excess="f:rf")
    assert (a.terms, a.excess, a.name) == (b.terms, b.excess, b.name)
    assert a.name == "linear(ret - f:rf ~ f:mkt_rf + ^HSI)"
    assert repr(a) == "LinearModel('ret - f:rf ~ f:mkt_rf + ^HSI')"
    with pytest.raises(SpecificationError, match="subtracts f:rf .* excess='mom'"):
        LinearModel("ret - f:rf ~ ^HSI", excess="mom")


def test_command_line_regressors(capsys):
    from eventstudy.cli import main

    assert main(["run", "xiaomi", "--regressor", "^HSI", "--regressor", "0981.HK",
                 "--format", "csv"]) == 0
    table = capsys.readouterr().out
    expected = EventStudy(bundled_events("xiaomi"),
                          model=LinearModel(["^HSI", "0981.HK"])).fit().to_frame()
    assert table == expected.to_csv(index=False)
    assert main(["run", "xiaomi", "--regressor", "ret ~ ^HSI", "--format", "csv"]) == 0
    assert capsys.readouterr().out == EventStudy(bundled_events("xiaomi")).fit().to_frame(
    ).assign(model="linear(ret ~ ^HSI)").to_csv(index=False)
    assert main(["run", "xiaomi", "--model", "ff3", "--regressor", "^HSI"]) == 2
    assert "drop --model ff3" in capsys.readouterr().err
    assert main(["run", "xiaomi", "--regressor", "^IXIC"]) == 2
    assert "regressor ^IXIC has 27 of its 653 prices" in capsys.readouterr().err
