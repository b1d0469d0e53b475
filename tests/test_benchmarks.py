"""The benchmark scripts run on small inputs (no rates or timings are asserted)."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_size_power_runs_every_test():
    module = _load("size_power")
    args = argparse.Namespace(trials=4, events=20, rho=0.1, seed=1, data="simulated")
    for clustered in (False, True):
        table = module.run_simulated(args, clustered)
        assert list(table.columns) == ["size", "power +1%", "power +2%"]
        assert len(table) == 20
        assert ((table >= 0) & (table <= 1)).all().all()


def test_engine_benchmark_runs_both_designs_and_the_baseline():
    module = _load("bench_engine")
    for exclusions in (False, True):
        row = module.run_engine(300, 5, seed=1, exclusions=exclusions)
        assert row["n"] == 300
        # 60 random events per security: with exclusions some are left too short
        assert (row["studied"] == 300) if not exclusions else (0 < row["studied"] <= 300)
        assert 0 < row["fit_s"] <= row["total_s"]
        assert list(row["stages"]) == ["fit", "windows", "aar", "caar"]
        assert row["total_s"] == sum(row["stages"].values()) and row["cpu_s"] > 0
        assert row["peak_mb"] > 0
    assert module.run_baseline(20, 5, seed=1)["n"] == 20


def test_floor_market_model_equals_statsmodels_residuals():
    import numpy as np
    import statsmodels.api as sm

    module = _load("bench_floor")
    rng = np.random.default_rng(3)
    x = rng.normal(0, 0.01, (4, module.SPAN.size))
    y = rng.uniform(0.5, 1.5, (4, 1)) * x + rng.normal(0.001, 0.02, x.shape)
    ar = module.market_model_ar(y, x)
    est = slice(0, module.EST_DAYS)
    for i in range(4):
        fit = sm.OLS(y[i, est], sm.add_constant(x[i, est])).fit()
        expected = y[i] - fit.predict(sm.add_constant(x[i]))
        np.testing.assert_allclose(ar[i], expected, rtol=0, atol=1e-12)


def test_floor_benchmark_times_every_stage():
    module = _load("bench_floor")
    seconds = module.floor(300, 5, 400, seed=1)
    assert list(seconds) == ["market model", "rank sort", "bootstrap draws"]
    assert all(wall >= 0 and cpu >= 0 for wall, cpu in seconds.values())


def test_import_benchmark_times_both_checkouts_and_lists_slow_imports(capsys):
    module = _load("bench_import")
    here = str(module.HERE)
    module.main(["--runs", "1", "--baseline-path", here, "--top", "3"])
    out = capsys.readouterr().out
    rows = [line.split("|")[1:-1] for line in out.splitlines() if line.startswith("| ")]
    timings = rows[1:7]  # after the header: interpreter, pandas, two commands per checkout
    assert [row[0].split(":")[0].strip() for row in timings] == [
        "python -c pass", "import pandas, numpy", "this checkout", "this checkout",
        "baseline", "baseline"]
    assert [row[0].rsplit(":", 1)[-1].strip() for row in timings[2:4]] == [
        "import eventstudy", "eventstudy run xiaomi"]
    assert all(float(row[1]) > 0 and row[4].strip() == "1" for row in timings)
    assert "s above import pandas, numpy" in out
    assert out.count("Slowest imports") == 2
    # the package itself is the slowest import: it includes all the others
    assert [row[0].strip() for row in rows if row[0].strip() == "eventstudy"] == ["eventstudy"] * 2


def test_events_benchmark_times_every_way_in(tmp_path):
    module = _load("bench_events")
    rows = module.measure(50, 1, tmp_path)
    assert list(rows) == ["frame, exchange=", "frame, datetime64", "frame, YYYYMMDD",
                          "frame, 12 columns", "CSV file", "parquet file",
                          "Event objects, market=", "Event(...) one by one"]
    assert all(wall > 0 and cpu >= 0 for wall, cpu in rows.values())


def test_data_benchmark_runs_every_input(tmp_path):
    module = _load("bench_data")
    module.write(40, tmp_path)
    for how in module.INPUTS:
        row = module.run(how, tmp_path)
        assert row["events"] == 40, how  # one event per security, every one studied
        assert list(row["stages"]) == ["import", "load", "events", "fit", "tests"]
        assert all(seconds >= 0 for seconds in row["stages"].values()) and row["peak_mb"] > 0
    table, events = module.panel(3, "prices")
    # 300 sessions per security around its event, and the index over the whole calendar
    assert (table[table.ticker != "MKT"].groupby("ticker").size() == 300).all()
    assert len(table[table.ticker == "MKT"]) == len(module.calendar())
    assert len(events) == 3
