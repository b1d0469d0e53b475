"""results.cross_section on the bundled cases: the CARs pulled from results.to_frame()
and the characteristics joined by hand, the regression rebuilt with numpy.

Telecoms: 3 carriers x 4 announcements = 12 event rows on 4 sessions. The
characteristic ``adverse`` (1 for the executive order, the NYSE's delisting and its
re-reversal; 0 for the reversal, which lifted the threat) is keyed by event_id.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from eventstudy import EventStudy, bundled_events
from eventstudy.errors import DataIntegrityError, ExcludedEventsWarning, SpecificationError

ADVERSE = pd.DataFrame({
    "event_id": ["telecoms-eo13959", "telecoms-nyse-delisting", "telecoms-nyse-reversal",
                 "telecoms-nyse-re-reversal"],
    "adverse": [1, 1, 0, 1],
})
# made-up firm figures, for the join on tickers only
FIRMS = pd.DataFrame({"ticker": ["0941.HK", "0728.HK", "0762.HK"], "size": [9.1, 7.3, 7.8]})


@pytest.fixture(scope="module")
def telecoms():
    return EventStudy(bundled_events("telecoms")).fit()


@pytest.fixture(scope="module")
def rows(telecoms):
    """The (0, 1) rows of the windows table, with the characteristics merged by hand."""
    w = telecoms.to_frame()
    w = w[(w["window_start"] == 0) & (w["window_end"] == 1)].reset_index(drop=True)
    return w.merge(ADVERSE, on="event_id").merge(FIRMS, on="ticker")


def _ols_hc1(x, y, weights=None):
    w = np.ones(len(y)) if weights is None else weights
    xs, ys = x * np.sqrt(w)[:, None], y * np.sqrt(w)
    bread = np.linalg.inv(xs.T @ xs)
    beta = bread @ xs.T @ ys
    e = ys - xs @ beta
    n, k = x.shape
    return beta, np.sqrt(np.diag(bread @ (xs.T * e**2) @ xs @ bread * n / (n - k)))


def test_regression_on_an_event_characteristic_by_hand(telecoms, rows):
    result = telecoms.cross_section("car ~ adverse", data=ADVERSE, window=(0, 1))
    x = np.column_stack([np.ones(12), rows["adverse"]])
    beta, se = _ols_hc1(x, rows["car"].to_numpy())
    assert result.params.to_numpy() == pytest.approx(beta, rel=1e-10)
    assert result.bse.to_numpy() == pytest.approx(se, rel=1e-10)
    assert result.pvalues.to_numpy() == pytest.approx(2 * sps.t.sf(np.abs(beta / se), 10))
    assert int(result.nobs) == 12 and result.cov_type == "HC1" and result.window == (0, 1)
    assert result.excluded.empty and result.small_sample == ""
    # the intercept is the reversal's mean CAR, the slope the adverse events' difference
    reversal = rows.loc[rows["adverse"] == 0, "car"].mean()
    assert beta[0] == pytest.approx(reversal)
    assert beta[1] == pytest.approx(rows.loc[rows["adverse"] == 1, "car"].mean() - reversal)
    assert "telecoms-nyse-reversal 0762.HK" in result.resid.index


def test_a_column_of_the_windows_table_needs_no_data(telecoms, rows):
    result = telecoms.cross_section("car ~ C(event_type)", window=(0, 1))
    executive = rows.loc[rows["event_type"] == "executive_order", "car"].mean()
    exchange = rows.loc[rows["event_type"] == "exchange_action", "car"].mean()
    assert result.params["Intercept"] == pytest.approx(exchange)
    assert result.params["C(event_type)[T.executive_order]"] == pytest.approx(
        executive - exchange)


def _cluster_se(x, y, clusters):
    bread = np.linalg.inv(x.T @ x)
    e = y - x @ (bread @ x.T @ y)
    scores = [x[clusters == c].T @ e[clusters == c] for c in np.unique(clusters)]
    n, k, g = len(y), x.shape[1], len(scores)
    factor = g / (g - 1) * (n - 1) / (n - k)  # statsmodels' small-sample correction
    return np.sqrt(np.diag(factor * bread @ sum(np.outer(s, s) for s in scores) @ bread))


@pytest.mark.parametrize(("cluster_by", "formula", "column"),
                         [("event_session", "car ~ size", "size"),
                          ("ticker", "car ~ adverse", "adverse")])
def test_clustered_by_date_or_firm_by_hand(telecoms, rows, cluster_by, formula, column):
    result = telecoms.cross_section(formula, data=rows[["event_id", "ticker", column]],
                                    window=(0, 1), cov_type="cluster", cluster_by=cluster_by)
    x, y = np.column_stack([np.ones(12), rows[column]]), rows["car"].to_numpy()
    se = _cluster_se(x, y, rows[cluster_by].to_numpy())
    g = rows[cluster_by].nunique()
    assert result.bse.to_numpy() == pytest.approx(se, rel=1e-10)
    assert result.pvalues.to_numpy() == pytest.approx(
        2 * sps.t.sf(np.abs(result.params.to_numpy() / se), g - 1), rel=1e-9)
    assert result.small_sample.startswith(f"{g} clusters, fewer than 20")


def test_a_cluster_singled_out_by_a_regressor_is_refused(telecoms):
    # adverse is 0 for one announcement only: clustered by session, the intercept (that
    # session's mean) has no variance left, and statsmodels would report a zero s.e.
    with pytest.raises(SpecificationError, match="the cluster-robust variance of Intercept "
                                                 "is zero with these 4 clusters"):
        telecoms.cross_section("car ~ adverse", data=ADVERSE, window=(0, 1),
                               cov_type="cluster", cluster_by="event_session")


def test_inverse_variance_weights_by_hand(telecoms, rows):
    result = telecoms.cross_section("car ~ adverse", data=ADVERSE, window=(0, 1),
                                    weights="inverse_variance")
    x = np.column_stack([np.ones(12), rows["adverse"]])
    beta, se = _ols_hc1(x, rows["car"].to_numpy(), rows["se"].to_numpy() ** -2.0)
    assert result.params.to_numpy() == pytest.approx(beta, rel=1e-10)
    assert result.bse.to_numpy() == pytest.approx(se, rel=1e-10)
    assert result.model.weights == pytest.approx(rows["se"].to_numpy() ** -2.0)


def test_scar_and_bhar_as_dependent_variables(telecoms, rows):
    scar = telecoms.cross_section("scar ~ adverse", data=ADVERSE, window=(0, 1))
    assert scar.model.endog == pytest.approx((rows["car"] / rows["se"]).to_numpy())
    bhar = telecoms.cross_section("bhar ~ adverse", data=ADVERSE, window=(0, 1))
    assert bhar.model.endog == pytest.approx(rows["bhar"].to_numpy())


@pytest.mark.parametrize("on", [None, "ticker"])
def test_firm_characteristics_join_on_ticker(telecoms, rows, on):
    result = telecoms.cross_section("car ~ size", data=FIRMS, window=(0, 1), on=on)
    assert result.model.exog[:, 1] == pytest.approx(rows["size"].to_numpy())


def test_both_keys_and_keys_in_the_index(telecoms, rows):
    pairs = rows[["event_id", "ticker"]].assign(x=np.arange(12.0))
    both = telecoms.cross_section("car ~ x", data=pairs, window=(0, 1))
    assert both.model.exog[:, 1].tolist() == list(range(12))
    indexed = telecoms.cross_section("car ~ size", data=FIRMS.set_index("ticker"),
                                     window=(0, 1))
    assert indexed.model.exog[:, 1] == pytest.approx(rows["size"].to_numpy())
    with pytest.raises(DataIntegrityError, match="the characteristics have 3 rows for "
                                                 "event_id telecoms-eo13959"):
        telecoms.cross_section("car ~ x", data=pairs, window=(0, 1), on="event_id")


def test_rows_without_a_match_are_reported_not_dropped_silently(telecoms):
    two = FIRMS[FIRMS["ticker"] != "0762.HK"]
    with pytest.warns(ExcludedEventsWarning, match=r"4 of 12 event rows left out of the "
                      r"cross-section 'car ~ size': telecoms-eo13959 0762.HK \(0,1\): no row "
                      r"of the characteristics for its ticker"):
        result = telecoms.cross_section("car ~ size", data=two, window=(0, 1))
    assert int(result.nobs) == 8
    excluded = result.excluded
    assert list(excluded.columns) == ["window_start", "window_end", "event_id", "ticker",
                                      "candidate", "event_session", "reason"]
    assert excluded["ticker"].tolist() == ["0762.HK"] * 4
    # (the characteristic is not also said to be missing: there is no row to miss it in)
    assert set(excluded["reason"]) == {"no row of the characteristics for its ticker"}


def test_missing_values_are_reported_with_each_reason(telecoms):
    firms = FIRMS.assign(size=[9.1, np.nan, 7.8])
    with pytest.warns(ExcludedEventsWarning, match="missing size"):
        result = telecoms.cross_section("car ~ size", data=firms, window=(0, 1))
    assert result.excluded["reason"].tolist() == ["missing size"] * 4
    assert int(result.nobs) == 8


def test_a_missing_car_is_reported():
    results = EventStudy(bundled_events("telecoms")).fit()
    windows = results.windows.copy()
    lost = (windows["event_id"] == "telecoms-eo13959") & (windows["ticker"] == "0941.HK")
    windows.loc[lost, ["car", "se"]] = np.nan
    results.__dict__["windows"] = windows  # as if that event's window had no prices
    with pytest.warns(ExcludedEventsWarning, match="5 of 12 event rows"):
        result = results.cross_section("car ~ size", data=FIRMS.assign(
            size=[9.1, np.nan, 7.8]), window=(0, 1))
    assert result.excluded["reason"].tolist() == ["missing car", *["missing size"] * 4]
    assert int(result.nobs) == 7
    with pytest.warns(ExcludedEventsWarning, match="1 of 12 event rows left out of the "
                      "cross-section 'scar ~ size': telecoms-eo13959 0941.HK \\(0,1\\): "
                      "missing scar"):
        results.cross_section("scar ~ size", data=FIRMS, window=(0, 1))
    with pytest.warns(ExcludedEventsWarning, match="missing car; no positive se"):
        results.cross_section("car ~ size", data=FIRMS, window=(0, 1),
                              weights="inverse_variance")


def test_unknown_timing_uses_one_candidate_never_both():
    luokung = EventStudy(bundled_events("luokung"), unknown_timing="both").fit()
    w = luokung.to_frame()
    w = w[(w["window_start"] == 0) & (w["window_end"] == 0)]
    data = pd.DataFrame({"event_id": ["luokung-designation", "luokung-lawsuit",
                                      "luokung-injunction"], "court": [0, 1, 1]})
    for candidate in ("earliest", "latest"):
        result = luokung.cross_section("car ~ court", data=data, window=(0, 0),
                                       candidate=candidate)
        expected = w[w["candidate"].isin(["", candidate])]["car"].to_numpy()
        assert len(w) == 5 and int(result.nobs) == 3
        assert result.model.endog == pytest.approx(expected)
    with pytest.raises(SpecificationError, match="candidate must be one of"):
        luokung.cross_section("car ~ court", data=data, window=(0, 0), candidate="both")


def test_the_window_is_one_of_the_design(telecoms):
    with pytest.raises(SpecificationError, match=re.escape(
            "give the window of the CARs, window=: one of (0, 0), (-1, 1), (0, 1), (-5, 5)")):
        telecoms.cross_section("car ~ C(event_type)")
    for window in [(0, 2), "0,1", (0.5, 1), 3, (0, 1, 2)]:
        with pytest.raises(SpecificationError, match="window must be one of the design's"):
            telecoms.cross_section("car ~ C(event_type)", window=window)
    one = EventStudy(bundled_events("telecoms"), windows=[(0, 1)]).fit()
    assert one.cross_section("car ~ C(event_type)").window == (0, 1)


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "message"),
    [
        (pd.concat([FIRMS, FIRMS.head(1)]), {}, DataIntegrityError,
         "the characteristics have 2 rows for ticker 0941.HK; give one row per ticker"),
        (FIRMS.assign(ticker=["0941.HK", None, "0762.HK"]), {}, DataIntegrityError,
         "the characteristics' row 2 has no ticker"),
        (FIRMS.assign(size=["9.1", "n/a", "7.8"]), {}, DataIntegrityError,
         "column 'size' mixes numbers and text ('n/a' for telecoms-eo13959 0728.HK)"),
        (FIRMS.assign(size=[9.1, np.inf, 7.8]), {}, DataIntegrityError,
         "column 'size' is infinite for telecoms-eo13959 0728.HK"),
        (FIRMS.rename(columns={"ticker": "firm"}), {}, SpecificationError,
         "neither an event_id nor a ticker column"),
        (FIRMS, {"on": "event_id"}, SpecificationError,
         "on='event_id': the characteristics have no event_id column"),
        (FIRMS, {"on": "firm"}, SpecificationError, "on must be 'event_id', 'ticker'"),
        (FIRMS.assign(event_type="x"), {}, SpecificationError,
         "the characteristics' column 'event_type' is also a column of the results"),
        (FIRMS.assign(scar=1.0), {}, SpecificationError, "column 'scar' is also a column"),
        (FIRMS["size"], {}, SpecificationError, "data must be a DataFrame of characteristics"),
    ],
)
def test_bad_characteristics(telecoms, data, kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        telecoms.cross_section("car ~ size", data=data, window=(0, 1), **kwargs)


@pytest.mark.parametrize(
    ("formula", "kwargs", "message"),
    [
        ("car ~ sizee", {}, "the formula names 'sizee', not a column of the events' table"),
        ("ret ~ size", {}, "left side must name the dependent variable"),
        ("car ~ case", {}, "'case' takes one value ('telecoms') over the 12 events used"),
        ("car ~ size", {"cov_type": "HC2"}, "cov_type must be one of"),
        ("car ~ size", {"cov_type": "cluster"}, "cov_type='cluster' needs cluster_by=: "
                                                "event_session, ticker, event_id"),
        ("car ~ size", {"cluster_by": "ticker"}, "cluster_by= needs cov_type='cluster'"),
        ("car ~ size", {"cov_type": "cluster", "cluster_by": "sector"},
         "cluster_by must be a column of the windows table or the characteristics"),
        ("car ~ size", {"cov_type": "cluster", "cluster_by": "case"},
         "two clusters or more, not 1"),
        ("car ~ size", {"weights": "equal"}, "weights must be None or one of"),
        ("scar ~ size", {"weights": "inverse_variance"}, "scar has none of its own"),
        ("car ~ C(ticker) + size", {}, "collinear"),
    ],
)
def test_bad_specifications(telecoms, formula, kwargs, message):
    with pytest.raises(SpecificationError, match=re.escape(message)):
        telecoms.cross_section(formula, data=FIRMS, window=(0, 1), **kwargs)


def test_too_few_events_for_the_parameters():
    xiaomi = EventStudy(bundled_events("xiaomi")).fit()
    with pytest.raises(SpecificationError, match=r"5 events for 5 parameters"):
        xiaomi.cross_section("car ~ C(event_type)", window=(0, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing left out, nothing to warn about
        result = xiaomi.cross_section("car ~ I(event_type == 'designation')", window=(0, 0))
    assert result.small_sample == "5 events, fewer than 10: the regression has little power"
