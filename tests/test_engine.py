"""Partitioned and distributed runs equal the single vectorised pass and per-event runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy, bundled_events
from eventstudy.core.engine import partition_events
from eventstudy.errors import SpecificationError

EVENTS = bundled_events("xiaomi") + bundled_events("luokung") + bundled_events("telecoms")
OPTIONS = {"unknown_timing": "both"}


@pytest.fixture(scope="module")
def single():
    return EventStudy(EVENTS, **OPTIONS).fit()


def _same(a, b):
    pd.testing.assert_frame_equal(a.windows, b.windows, check_exact=False, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(a.aar(), b.aar(), check_exact=False, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(a.caar(), b.caar(), check_exact=False, rtol=0, atol=1e-12)
    key = ["event_id", "ticker", "kind", "detail"]
    left = a.diagnostics.sort_values(key).reset_index(drop=True)
    right = b.diagnostics.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)


def test_partitions_keep_securities_whole():
    groups = partition_events(EVENTS, 3)
    assert sorted(i for g in groups for i in g) == list(range(len(EVENTS)))
    tickers = [{EVENTS[i].ticker for i in g} for g in groups]
    assert all(not (a & b) for k, a in enumerate(tickers) for b in tickers[k + 1 :])


def test_partitioned_numpy_equals_single_pass(single):
    _same(single, EventStudy(EVENTS, partitions=4, **OPTIONS).fit())


def test_batch_equals_per_event_runs():
    """Without cross-event exclusions each event's figures do not depend on the others."""
    batch = EventStudy(EVENTS, exclude_other_events=False).fit().windows
    for event in EVENTS[::3]:
        alone = EventStudy([event], exclude_other_events=False).fit().windows
        mine = batch[(batch.event_id == event.id) & (batch.ticker == event.ticker)]
        np.testing.assert_allclose(mine.car, alone.car, rtol=0, atol=1e-10)
        np.testing.assert_allclose(mine.se, alone.se, rtol=0, atol=1e-10)


def test_progress_bar_when_asked(capsys):
    EventStudy(EVENTS, partitions=3, progress=True).fit()
    assert "event study" in capsys.readouterr().err
    EventStudy(EVENTS, partitions=3, progress=False).fit()
    assert capsys.readouterr().err == ""


def test_unknown_engine():
    with pytest.raises(SpecificationError, match="engine"):
        EventStudy(EVENTS, engine="spark")


def test_dask_local_cluster_equals_single_pass(single):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        results = EventStudy(EVENTS, engine="dask", client=client, **OPTIONS).fit()
    _same(single, results)
