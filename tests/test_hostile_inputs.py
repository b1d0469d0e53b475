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

from eventstudy import EventStudy, StudyDesign, bundled_events
from eventstudy.errors import SpecificationError

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
