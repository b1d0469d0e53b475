"""The size/power benchmark script runs (a few trials; no rates are asserted)."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "size_power.py"


def _load():
    spec = importlib.util.spec_from_file_location("size_power", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_size_power_runs_every_test():
    module = _load()
    args = argparse.Namespace(trials=4, events=20, rho=0.1, seed=1, data="simulated")
    for clustered in (False, True):
        table = module.run_simulated(args, clustered)
        assert list(table.columns) == ["size", "power +1%", "power +2%"]
        assert len(table) == 20
        assert ((table >= 0) & (table <= 1)).all().all()
