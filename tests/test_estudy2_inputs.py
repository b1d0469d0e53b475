"""Prices and returns in, against a second implementation: R estudy2 0.10.0.

``tests/reference/estudy2`` holds two seeded synthetic panels (40 stocks and an index
on XNYS sessions, see its README) with estudy2's market-model parameters and
abnormal returns. Here the same study runs from the closing prices (a wide table)
and from the returns estudy2 itself used (a long table with the market's returns as
a column, the shape of a CRSP extract): both must reproduce estudy2's alphas, betas
and abnormal returns, which the README says agree to about 1e-12.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy, ReturnSource, StudyDesign

REFERENCE = Path(__file__).resolve().parent / "reference" / "estudy2"
TOLERANCE = 1e-12


def _reference(panel: str, kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = REFERENCE / panel / kind
    model = pd.read_csv(folder / "model.csv").set_index("ticker")
    ars = pd.read_csv(folder / "abnormal_returns.csv", parse_dates=["date"])
    return model, ars


def _events(panel: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / panel / "catalog.csv", dtype=str, keep_default_na=False)


def _study(panel: str, kind: str, **data):
    return EventStudy(_events(panel), estimation=(-250, -11), windows=[(-5, 5)],
                      exclude_other_events=False, returns=kind, **data)


def _compare(results, model: pd.DataFrame, ars: pd.DataFrame) -> None:
    params = results.params.set_index("ticker")
    np.testing.assert_allclose(params.loc[model.index, "alpha"], model["alpha"],
                               rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(params.loc[model.index, "beta"], model["beta"],
                               rtol=0, atol=TOLERANCE)
    assert (params.loc[model.index, "n_estimation"] == model["estimation_length"]).all()
    daily = results.daily.set_index(["ticker", "tau"])["ar"]
    event = ars[ars.window == "event"].set_index(["ticker", "tau"])["abnormal"]
    np.testing.assert_allclose(daily.loc[event.index], event, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("panel", ["shared", "staggered"])
@pytest.mark.parametrize("kind", ["simple", "log"])
def test_prices_in_reproduce_estudy2(panel, kind):
    model, ars = _reference(panel, kind)
    closes = pd.read_csv(REFERENCE / panel / "prices.csv")  # wide: date, S01 ... S40, MKT
    _compare(_study(panel, kind, prices=closes).fit(), model, ars)


@pytest.mark.parametrize("panel", ["shared", "staggered"])
@pytest.mark.parametrize("kind", ["simple", "log"])
def test_returns_in_reproduce_estudy2(panel, kind):
    model, ars = _reference(panel, kind)
    # estudy2's own returns, estimation and event windows only, CRSP-shaped; log returns
    # are given as such (kind="log" converts them).
    table = ars[["ticker", "date", "ret", "market_ret"]].rename(
        columns={"ticker": "TICKER", "date": "DATE", "ret": "RET", "market_ret": "vwretd"})
    table["DATE"] = table["DATE"].dt.strftime("%Y%m%d").astype(int)
    source = ReturnSource(table, market="vwretd", kind=kind)
    design = StudyDesign(estimation=(-250, -11), windows=[(-5, 5)], exclude_other_events=False,
                         returns=kind)
    events = _events(panel).assign(market="")  # the market is the source's column
    _compare(EventStudy(events, returns=source, design=design).fit(), model, ars)
