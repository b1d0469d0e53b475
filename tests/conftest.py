"""Shared fixtures: the bundled snapshot, read independently of the library."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session", autouse=True)
def cache_folder(tmp_path_factory):
    """The library's cache folder (stored calendars, downloads) is a temporary one."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("eventstudy-cache")
        patch.setenv("EVENTSTUDY_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="session")
def raw_prices():
    """Read a bundled price file with plain pandas (no eventstudy code involved)."""

    def read(ticker: str) -> pd.DataFrame:
        path = DATA / "prices" / f"{ticker}.csv"
        return pd.read_csv(path, parse_dates=["date"], index_col="date")

    return read


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of the bundled data folder."""
    import shutil

    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture(scope="session")
def report_build(tmp_path_factory):
    """One full report build (every case notebook executed), shared by the notebook and
    report tests so that each notebook runs once per test session."""
    from eventstudy.report import build_reports

    output = tmp_path_factory.mktemp("reports")
    return output, build_reports(output)
