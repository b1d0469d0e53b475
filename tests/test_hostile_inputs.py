"""Hostile inputs and faults at the edges (issue 17): no traceback, no silent wrong number,
nothing lost.

One section per class of the issue: design options of the wrong type, degenerate fits,
implausible magnitudes, factor scales, dates at the edges of the calendars, spreadsheet
formulas, the command line's output, and the price cache under damage and concurrency.
Each outcome is either a typed error from :mod:`eventstudy.errors` whose message is one
line naming what to fix, or a result whose changes are reported in its diagnostics.
Expected numbers are worked out here from the bundled files read with plain pandas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eventstudy import Event, EventStudy, FramePrices, StudyDesign, bundled_events
from eventstudy.errors import EventStudyError, InsufficientDataError, SpecificationError

DATA = Path(__file__).resolve().parent.parent / "data" / "prices"
EVENTS = bundled_events("xiaomi")


def _prices(ticker: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{ticker}.csv", parse_dates=["date"], index_col="date")


def _one_line(message: str) -> None:
    assert message and "\n" not in message and len(message) < 600, message


# ----- design options ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"estimation": (-250.7, -11.2)}, r"must be whole numbers, not -250\.7"),
        ({"windows": [(0.9, 1.9)]}, r"must be whole numbers, not 0\.9"),
        ({"estimation": (float("nan"), -11)}, "whole numbers, not nan"),
        ({"estimation": (float("-inf"), -11)}, "whole numbers, not -inf"),
        ({"estimation": (-(10**30), -11)}, "beyond 50,000 sessions"),
        ({"windows": [(0, 10**9)]}, "beyond 50,000 sessions"),
        ({"estimation": (True, False)}, "must be two integers"),
        ({"estimation": "-250,-11"}, "must be two integers"),
        ({"windows": None}, "sequence of"),
        ({"windows": "0,1"}, "sequence of"),
        ({"windows": (0, 1)}, r"write \[\(0, 1\)\]"),
        ({"min_estimation": "120"}, "min_estimation must be an integer, not '120'"),
        ({"min_estimation": 120.5}, "min_estimation must be a whole number"),
        ({"max_gap": "3"}, "max_gap must be an integer"),
        ({"max_gap": 2.5}, "max_gap must be a whole number"),
        ({"exclude_other_events": "no"}, "must be True or False"),
        ({"on_error": ["skip"]}, "on_error must be one of"),
        ({"unknown_timing": None}, "unknown_timing must be one of"),
        ({"estimation_window": (-250, -11)}, "unknown option 'estimation_window'"),
        ({"design": "market"}, "design must be a StudyDesign"),
        ({"model": ["market"]}, "unknown model"),
        ({"factors": [1, 2]}, "factors must be a DataFrame"),
        ({"partitions": "two"}, "partitions must be an integer"),
        ({"engine": None}, "engine must be one of"),
    ],
)
def test_options_of_the_wrong_type_are_refused_not_truncated(options, message):
    with pytest.raises(SpecificationError, match=message) as error:
        EventStudy(EVENTS, **options)
    _one_line(str(error.value))


def test_whole_floats_and_numpy_integers_are_session_offsets():
    design = StudyDesign(estimation=(-250.0, np.int64(-11)), windows=[(np.int32(0), 1.0)],
                         min_estimation=np.int64(100), exclude_other_events=np.bool_(False))
    assert design.estimation == (-250, -11) and design.windows == ((0, 1),)
    assert type(design.min_estimation) is int and design.exclude_other_events is False


@pytest.mark.parametrize("events", [["a", "b"], [{"ticker": "1810.HK"}], 3, None, b"x.csv"])
def test_events_of_the_wrong_type_are_refused(events):
    with pytest.raises(SpecificationError, match="events") as error:
        EventStudy(events)
    _one_line(str(error.value))


def test_result_options_of_the_wrong_type_are_refused():
    results = EventStudy(EVENTS).fit()
    for call, message in [
        (lambda: results.caar(n_boot="many"), "n_boot must be an integer"),
        (lambda: results.caar(seed="x"), "seed must be an integer"),
        (lambda: results.aar(group_by=["ticker"]), "group_by must be None or one of"),
        (lambda: results.to_frame(["windows"]), "kind must be one of"),
    ]:
        with pytest.raises(SpecificationError, match=message):
            call()


# ----- degenerate fits -----------------------------------------------------------------------
def _copy_study(model: str, copy: pd.DataFrame, **options):
    """The xiaomi designation and an event of COPY (a series made from ^HSI), both on ^HSI."""
    events = [EVENTS[0], Event("COPY", "2021-01-14", timing="during", market="^HSI",
                               exchange="XHKG", id="copy")]
    prices = FramePrices({"1810.HK": _prices("1810.HK"), "^HSI": _prices("^HSI"), "COPY": copy})
    return EventStudy(events, prices=prices, model=model, **options).fit()


def test_a_stock_given_as_its_own_index_is_refused():
    event = Event("1810.HK", "2021-01-14", timing="during", market="1810.HK")
    with pytest.raises(SpecificationError, match="1810.HK is given as its own market index"):
        EventStudy([event], prices=FramePrices({"1810.HK": _prices("1810.HK")}))


@pytest.mark.parametrize("model", ["market", "market_adjusted", "scholes_williams", "dimson",
                                   "volume_market"])
def test_a_copy_of_the_index_stops_its_event_with_the_reason(model):
    # Before: t = -2.31, p = 0.022 from rounding noise (CAR -1.4e-17, s.e. 6e-18).
    copy = _prices("^HSI") * 3.0  # prices in other units: the same returns
    with pytest.raises(InsufficientDataError, match="fits the estimation window exactly") as e:
        _copy_study(model, copy)
    _one_line(str(e.value))
    results = _copy_study(model, copy, on_error="skip")
    assert results.windows.event_id.unique().tolist() == ["xiaomi-designation"]
    (skipped,) = results.diagnostics.query("kind == 'event_skipped'").itertuples()
    assert skipped.event_id == "copy" and "exactly" in skipped.detail


def test_an_index_tracker_is_not_an_exact_fit():
    # Daily tracking noise of 0.01% against index returns of about 1.3% a day: a share of
    # about 6e-5 of the variance, well above PERFECT_FIT_RTOL.
    index = _prices("^HSI")
    noise = np.exp(np.cumsum(np.random.default_rng(3).normal(0, 1e-4, len(index))))
    tracker = index.mul(noise, axis=0)
    results = _copy_study("market", tracker)
    beta = results.params.set_index("event_id").loc["copy", "beta"]
    assert beta == pytest.approx(1.0, abs=0.01)
    assert "event_skipped" not in set(results.diagnostics.kind)


@pytest.mark.parametrize("model", ["constant_mean", "volume_mean"])
def test_a_series_that_does_not_vary_stops_its_event(model):
    stale = _prices("^HSI").copy()
    before = stale.index < "2021-01-01"
    stale.loc[before, ["open", "high", "low", "close", "adj_close"]] = 100.0  # stale prices
    stale.loc[before, "volume"] = 5_000.0
    with pytest.raises(InsufficientDataError, match="does not vary in the estimation window"):
        _copy_study(model, stale)


def test_a_study_left_without_events_says_why_the_first_was_skipped():
    copy = _prices("^HSI")
    event = Event("COPY", "2021-01-14", timing="during", market="^HSI", exchange="XHKG")
    prices = FramePrices({"^HSI": _prices("^HSI"), "COPY": copy})
    with pytest.raises(EventStudyError, match=r"all 1 were skipped .* because: event COPY@") as e:
        EventStudy([event], prices=prices, on_error="skip").fit()
    _one_line(str(e.value))
