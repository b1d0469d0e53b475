"""Block work on threads: order, nesting, lazily made columns and the blocked model fit."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from eventstudy import blocks
from eventstudy.core import models
from eventstudy.core.models import ArrayBlock, MarketAdjusted, MarketModel, ScholesWilliams
from eventstudy.core.series import LazyColumns


@pytest.fixture
def two_workers(monkeypatch):
    monkeypatch.setattr(blocks, "worker_count", lambda: 2)


def test_row_blocks_cover_the_rows_once():
    parts = blocks.row_blocks(10, 3, cells=7)
    assert [(p.start, p.stop) for p in parts] == [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10)]
    assert blocks.row_blocks(0, 5) == []


def test_ordered_map_keeps_order_and_runs_nested_work_inline(two_workers):
    def outer(item: int) -> tuple[int, set[str]]:
        # nested block work stays on this worker thread instead of starting a pool
        threads = set(blocks.ordered_map(lambda _: threading.current_thread().name,
                                         range(4), 4))
        return item * item, threads | {threading.current_thread().name}

    results = list(blocks.ordered_map(outer, range(12), 12))
    assert [r for r, _ in results] == [i * i for i in range(12)]
    assert all(len(names) == 1 for _, names in results)
    assert threading.current_thread().name not in {n for _, s in results for n in s}


class _CountingMaker:
    def __init__(self) -> None:
        self.made = 0
        self.lock = threading.Lock()

    def __call__(self, name):
        with self.lock:
            self.made += 1
        return np.repeat([0.0, 1.0, 2.0], 3)


def test_a_lazy_column_asked_for_by_two_threads_is_made_once():
    maker = _CountingMaker()
    columns = LazyColumns({"x": np.float64}, maker)
    start = threading.Barrier(4)

    def read(_):
        start.wait()
        return columns["x"]

    threads = [threading.Thread(target=read, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert maker.made == 1  # the column was made once
    np.testing.assert_array_equal(columns["x"], np.repeat([0.0, 1.0, 2.0], 3))


@pytest.mark.parametrize("model", [MarketModel(), ScholesWilliams(), MarketAdjusted()],
                         ids=["market", "sw", "market_adjusted"])
def test_blocked_threaded_fit_equals_one_fit(monkeypatch, two_workers, model):
    rng = np.random.default_rng(4)
    n, est_len, evt_len = 37, 60, 5
    market = rng.normal(0, 0.01, (n, est_len))
    ret = 0.8 * market + rng.normal(0, 0.02, (n, est_len))
    ret[rng.random((n, est_len)) < 0.05] = np.nan  # missing returns
    excluded = rng.random((n, est_len)) < 0.1  # other events' windows
    est = ArrayBlock({"ret": ret, "mret": market})
    evt = ArrayBlock({"ret": rng.normal(0, 0.02, (n, evt_len)),
                      "mret": rng.normal(0, 0.01, (n, evt_len))})
    monkeypatch.setattr(models, "_SAMPLE_BLOCK_CELLS", 4 * est_len)  # blocks of 4 events
    fit, counts = model.fit_sample(est, evt, excluded)
    usable = model.usable(est)
    whole = model.fit(est, evt, usable & ~excluded)
    for name in ("params", "xtx_inv", "s2", "df", "n_est", "est_resid", "ar", "evt_x"):
        np.testing.assert_array_equal(getattr(fit, name), getattr(whole, name), err_msg=name)
    for name, values in whole.derived.items():
        np.testing.assert_array_equal(fit.derived[name], values, err_msg=name)
    np.testing.assert_array_equal(counts.used, (usable & ~excluded).sum(axis=1))
    np.testing.assert_array_equal(counts.excluded, (usable & excluded).sum(axis=1))
    np.testing.assert_array_equal(counts.missing, (~usable).sum(axis=1))


@pytest.mark.parametrize("chunk", [4096, 2, 1])
@pytest.mark.parametrize("dtype", [float, object, "datetime64[ns]"])
def test_compact_rows_equals_boolean_selection_in_place(chunk, dtype, monkeypatch):
    monkeypatch.setattr(blocks, "COMPACT_ROWS", chunk)
    rng = np.random.default_rng(5)
    for keep in (np.ones(9, bool), rng.random(9) < 0.6, np.arange(9) != 0,
                 np.arange(9) != 8, np.arange(9) == 4):
        values = np.arange(9 * 3).reshape(9, 3).astype(dtype)
        expected = values[keep]  # a copy
        got = blocks.compact_rows(values, keep)
        np.testing.assert_array_equal(got, expected)
        assert np.shares_memory(got, values)


def test_panel_compact_equals_select():
    import copy

    from eventstudy import bundled_events
    from eventstudy.core.design import StudyDesign
    from eventstudy.core.diagnostics import Diagnostics
    from eventstudy.core.panel import build_panel
    from eventstudy.sources import BundledPrices

    events = tuple(bundled_events("telecoms"))
    panel = build_panel(events, BundledPrices(), StudyDesign(), Diagnostics())
    keep = np.ones(len(panel), dtype=bool)
    keep[[0, 3, len(panel) - 1]] = False
    expected = copy.deepcopy(panel).select(keep)
    got = panel.compact(keep)
    for name in panel.__dataclass_fields__:
        value = getattr(expected, name)
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(getattr(got, name), value, err_msg=name)
        elif name != "store":
            assert getattr(got, name) == value, name
    pd.testing.assert_frame_equal(got.labels, expected.labels)
