"""Factor, nonsynchronous-trading and volume models against statsmodels and hand formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from eventstudy import EventStudy, blocks, bundled_events
from eventstudy.core.models import ArrayBlock, Dimson, FactorModel, ScholesWilliams, get_model
from eventstudy.errors import PriceDataError, SpecificationError
from eventstudy.sources.factors import read_french_csv, validate_factors

TOL = 1e-10


@pytest.fixture
def market_data():
    """Two events with a thinly traded stock: its return loads on the lagged market."""
    rng = np.random.default_rng(11)
    n, length = 2, 300
    m = rng.normal(0.0004, 0.01, (n, length))
    lagged = np.roll(m, 1, axis=1)
    r = 0.0002 + 0.6 * m + 0.4 * lagged + rng.normal(0, 0.015, (n, length))
    r[:, 0] = np.nan
    return r, m


def test_dimson_equals_statsmodels(market_data):
    r, m = market_data
    model = Dimson(lags=1)
    est = ArrayBlock({"ret": r, "mret": m})
    mask = model.usable(est)
    fit = model.fit(est, est, mask)
    for i in range(2):
        frame = pd.DataFrame(
            {"r": r[i], "lag": np.roll(m[i], 1), "m0": m[i], "lead": np.roll(m[i], -1)}
        )
        frame.loc[0, "lag"] = np.nan
        frame.loc[len(frame) - 1, "lead"] = np.nan
        frame = frame.dropna()
        assert mask[i].sum() == len(frame)
        ols = sm.OLS(frame["r"], sm.add_constant(frame[["lag", "m0", "lead"]])).fit()
        assert fit.params[i] == pytest.approx(ols.params.to_numpy(), abs=TOL)
        beta = ols.params[["lag", "m0", "lead"]].sum()
        assert fit.derived["beta"][i] == pytest.approx(beta, abs=TOL)
        assert fit.df[i] == ols.df_resid and fit.s2[i] == pytest.approx(ols.scale, rel=TOL)
    assert model.param_names == ("alpha", "beta_lag1", "beta_0", "beta_lead1")


def test_dimson_variances_in_blocks_equal_statsmodels(monkeypatch):
    """AR and CAR variances with k = 4 regressors, in many blocks of events on threads.

    The regressors leave the event span at its edges (NaN), so those days have no
    AR; the variances are s^2 (I + X* (X'X)^-1 X*') from statsmodels' ``scale``
    and ``cov_params`` (MacKinlay 1997, eq. 8), diagonal and ``g' V g``.
    """
    monkeypatch.setattr(blocks, "BLOCK_CELLS", 16)  # 16 cells of 8 days: 2 events a block
    monkeypatch.setattr(blocks, "worker_count", lambda: 3)
    rng = np.random.default_rng(12)
    n, l1, l2 = 9, 120, 8
    m_est, m_evt = rng.normal(0.0004, 0.01, (n, l1)), rng.normal(0.0, 0.01, (n, l2))
    r_est = 0.0002 + 0.7 * m_est + rng.normal(0, 0.015, (n, l1))
    r_evt = 0.9 * m_evt + rng.normal(0, 0.015, (n, l2))
    r_evt[4, 3] = np.nan  # a missing day inside the span
    model = Dimson(lags=1)
    est, evt = ArrayBlock({"ret": r_est, "mret": m_est}), ArrayBlock({"ret": r_evt, "mret": m_evt})
    fit = model.fit(est, evt, model.usable(est))
    select = np.zeros((n, l2), dtype=bool)
    select[:, :5] = True  # days 0-4: day 0 has no lagged market return
    car_var, n_days = fit.car_variance(select)
    ar_var = fit.ar_variance()
    lag, lead = np.roll(m_evt, 1, axis=1), np.roll(m_evt, -1, axis=1)
    for i in range(n):
        rows = model.usable(est)[i]
        x = np.column_stack([np.roll(m_est[i], 1), m_est[i], np.roll(m_est[i], -1)])
        ols = sm.OLS(r_est[i, rows], sm.add_constant(x[rows])).fit()
        x_star = np.column_stack([np.ones(l2), lag[i], m_evt[i], lead[i]])
        present = ~np.isnan(fit.ar[i])
        assert present.tolist() == [False] + [j != 3 or i != 4 for j in range(1, l2 - 1)] + [False]
        v = ols.scale * np.eye(present.sum()) + (
            x_star[present] @ ols.cov_params() @ x_star[present].T
        )
        assert np.allclose(ar_var[i, present], np.diag(v), rtol=TOL, atol=0)
        assert np.isnan(ar_var[i, ~present]).all()
        g = select[i, present].astype(float)
        assert n_days[i] == g.sum() and car_var[i] == pytest.approx(g @ v @ g, rel=TOL)


def test_scholes_williams_by_hand(market_data):
    r, m = market_data
    model = ScholesWilliams()
    block = ArrayBlock({"ret": r, "mret": m})
    mask = model.usable(block) & (np.arange(300) < 250)  # estimation: the first 250 days
    fit = model.fit(block, block, mask)
    for i in range(2):
        t = np.arange(1, 250)  # R_0 is missing; R_m,250 serves as the last lead
        assert mask[i].sum() == len(t)
        y, lag, now, lead = r[i, t], m[i, t - 1], m[i, t], m[i, t + 1]
        slopes = [np.polyfit(x, y, 1)[0] for x in (lag, now, lead)]
        rho = np.corrcoef(now, lag)[0, 1]
        beta = sum(slopes) / (1 + 2 * rho)
        alpha = y.mean() - beta * now.mean()
        assert fit.params[i] == pytest.approx([alpha, beta], abs=TOL)
        resid = y - alpha - beta * now
        assert fit.s2[i] == pytest.approx((resid**2).sum() / (len(t) - 2), rel=TOL)
        expected_ar = r[i, 250:] - alpha - beta * m[i, 250:]
        expected_ar[-1] = np.nan  # no lead market return after the last day
        assert np.allclose(fit.ar[i, 250:], expected_ar, atol=TOL, equal_nan=True)
        assert fit.derived["rho_market"][i] == pytest.approx(rho, abs=TOL)


def test_factor_model_equals_statsmodels():
    rng = np.random.default_rng(5)
    n, length = 2, 260
    f = {k: rng.normal(0, 0.008, (n, length)) for k in ("mkt_rf", "smb", "hml", "mom")}
    rf = np.full((n, length), 0.0001)
    ret = rf + 0.001 + 1.1 * f["mkt_rf"] + 0.3 * f["smb"] - 0.2 * f["hml"] + 0.1 * f["mom"]
    ret = ret + rng.normal(0, 0.01, (n, length))
    columns = {"ret": ret, "f:rf": rf, **{f"f:{k}": v for k, v in f.items()}}
    est = ArrayBlock({k: v[:, :240] for k, v in columns.items()})
    evt = ArrayBlock({k: v[:, 240:] for k, v in columns.items()})
    model = get_model("carhart")
    fit = model.fit(est, evt, np.ones((n, 240), dtype=bool))
    for i in range(n):
        x = np.column_stack([f[k][i] for k in ("mkt_rf", "smb", "hml", "mom")])
        ols = sm.OLS(ret[i, :240] - rf[i, :240], sm.add_constant(x[:240])).fit()
        assert fit.params[i] == pytest.approx(ols.params, abs=TOL)
        expected = ret[i, 240:] - rf[i, 240:] - ols.predict(sm.add_constant(x[240:]))
        assert np.allclose(fit.ar[i], expected, atol=TOL)
        pred = ols.get_prediction(sm.add_constant(x[240:]))
        assert np.allclose(fit.ar_variance()[i], pred.var_pred_mean + ols.scale, atol=TOL)
    assert get_model("ff5").param_names == ("alpha", "mkt_rf", "smb", "hml", "rmw", "cma")
    with pytest.raises(SpecificationError, match="unknown factor set"):
        FactorModel("ff7")


def test_volume_market_model_equals_statsmodels(raw_prices):
    results = EventStudy(bundled_events("xiaomi")[:1], model="volume_market").fit()
    stock, index = raw_prices("1810.HK"), raw_prices("^HSI")
    pos = stock.index.get_loc(pd.Timestamp("2021-01-15"))
    est = stock.index[pos - 250 : pos - 10]
    v, vm = np.log1p(stock["volume"]), np.log1p(index["volume"])
    flat = (stock["volume"] == 0) & (stock["open"] == stock["close"])
    flat_m = (index["volume"] == 0) & (index["open"] == index["close"])
    est = est[~flat[est].to_numpy() & ~flat_m[est].to_numpy()]  # incomplete rows: volume missing
    ols = sm.OLS(v[est].to_numpy(), sm.add_constant(vm[est].to_numpy())).fit()
    day0 = v.iloc[pos] - ols.params[0] - ols.params[1] * vm.iloc[pos]
    row = results.windows.query("window_start == 0 and window_end == 0").iloc[0]
    assert row.car == pytest.approx(day0, abs=TOL)
    assert row.n_estimation == ols.nobs


def test_factor_study_end_to_end(raw_prices):
    """An FF3 study on Xiaomi with synthetic factors equals statsmodels on the CSV."""
    stock = raw_prices("1810.HK")["adj_close"].pct_change()
    rng = np.random.default_rng(3)
    dates = stock.index
    factors = pd.DataFrame(
        {"Mkt-RF": raw_prices("^HSI")["adj_close"].pct_change().fillna(0.0) - 0.0001,
         "SMB": rng.normal(0, 0.005, len(dates)), "HML": rng.normal(0, 0.005, len(dates)),
         "RF": 0.0001},
        index=dates,
    )
    results = EventStudy(bundled_events("xiaomi")[:1], model="ff3", factors=factors).fit()
    pos = dates.get_loc(pd.Timestamp("2021-01-15"))
    est = dates[pos - 250 : pos - 10]
    x = factors[["Mkt-RF", "SMB", "HML"]]
    ols = sm.OLS((stock - 0.0001)[est], sm.add_constant(x.loc[est])).fit()
    day0 = stock.iloc[pos] - 0.0001 - ols.predict(sm.add_constant(x).iloc[[pos]]).iloc[0]
    row = results.windows.query("window_start == 0 and window_end == 0").iloc[0]
    assert row.car == pytest.approx(day0, abs=TOL)
    with pytest.raises(SpecificationError, match=r"needs the factors rmw and cma;"):
        EventStudy(bundled_events("xiaomi"), model="ff5", factors=factors)


FRENCH = """This file was created for a test; it mimics the layout of the daily factor files.

,Mkt-RF,SMB,HML,RF
20210104,   -1.46,    0.67,    0.65,    0.000
20210105,    0.99,    1.01,    0.23,  -99.99
20210106,    0.76,    1.73,    4.00,    0.000

Copyright 2021 Kenneth R. French
"""


def test_read_french_csv(tmp_path):
    path = tmp_path / "ff3_daily.csv"
    path.write_text(FRENCH)
    frame = read_french_csv(path)
    assert list(frame.columns) == ["mkt_rf", "smb", "hml", "rf"]
    assert frame.index[0] == pd.Timestamp("2021-01-04") and len(frame) == 3
    assert frame.loc["2021-01-06", "hml"] == pytest.approx(0.04, abs=1e-15)
    assert frame.loc["2021-01-04", "mkt_rf"] == pytest.approx(-0.0146, abs=1e-15)
    assert np.isnan(frame.loc["2021-01-05", "rf"])  # -99.99 is the missing-value code
    monthly = tmp_path / "monthly.csv"
    monthly.write_text(",Mkt-RF,RF\n202101,  -0.03, 0.00\n")
    with pytest.raises(PriceDataError, match="no daily rows"):
        read_french_csv(monthly)


def test_percent_factors_are_refused():
    dates = pd.to_datetime(["2021-01-04", "2021-01-05"])
    frame = pd.DataFrame({"Mkt-RF": [1.5, -0.4]}, index=dates)
    with pytest.raises(PriceDataError, match="beyond 100%"):
        validate_factors(frame)


def test_cli_factor_model_reads_factor_files(tmp_path, raw_prices, capsys):
    from eventstudy.cli import main

    dates = raw_prices("1810.HK").index
    rng = np.random.default_rng(9)
    plain = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"),
                          "mkt_rf": rng.normal(0, 0.01, len(dates)),
                          "smb": rng.normal(0, 0.004, len(dates)), "rf": 0.0})
    plain.to_csv(tmp_path / "ff.csv", index=False)
    french = ",HML\n" + "\n".join(
        f"{d:%Y%m%d}, {v:.4f}" for d, v in zip(dates, rng.normal(0, 0.4, len(dates)), strict=True)
    ) + "\n\nCopyright\n"
    (tmp_path / "hml_daily.csv").write_text(french)
    argv = ["run", "xiaomi", "--model", "ff3", "--factors", str(tmp_path / "ff.csv"),
            "--factors", str(tmp_path / "hml_daily.csv"), "--format", "csv"]
    assert main(argv) == 0
    assert "ff3" in capsys.readouterr().out
    assert main(["run", "xiaomi", "--model", "ff3"]) == 2
    assert "needs the factors" in capsys.readouterr().err
    assert main(["run", "xiaomi", "--model", "ff3", "--factors", str(tmp_path / "none.csv")]) == 2
