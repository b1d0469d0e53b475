"""Bundled snapshot: checksums, location, validation and incomplete rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eventstudy.errors import DataIntegrityError, PriceDataError, UnknownTickerError
from eventstudy.sources import BundledPrices, FramePrices, bundled, validate_prices


def test_manifest_matches_files(raw_prices):
    manifest = bundled.price_manifest()
    assert set(manifest.index) == {
        "1810.HK", "0981.HK", "0941.HK", "0728.HK", "0762.HK", "^HSI", "LKCO", "^IXIC"
    }
    for ticker, row in manifest.iterrows():
        frame = raw_prices(ticker)
        assert row["rows"] == len(frame)
        assert row["first_date"] == str(frame.index[0].date())
        assert row["last_date"] == str(frame.index[-1].date())


def test_every_bundled_series_loads():
    source = BundledPrices()
    for ticker in source.tickers():
        frame = source.get(ticker)
        assert frame.index.is_monotonic_increasing and frame.index.name == "date"


def test_checksum_mismatch_fails_loudly(data_copy):
    path = data_copy / "prices" / "1810.HK.csv"
    path.write_text(path.read_text().replace("26.100", "26.200", 1))
    source = BundledPrices(data_copy)
    with pytest.raises(DataIntegrityError, match="checksum mismatch"):
        source.get("1810.HK")
    assert source.get("^HSI") is not None  # the untouched files still load


def test_data_dir_override_and_absence(data_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTSTUDY_DATA", str(data_copy))
    assert bundled.data_dir() == data_copy
    monkeypatch.setattr(bundled, "__file__", str(tmp_path / "a" / "b" / "c" / "bundled.py"))
    monkeypatch.setenv("EVENTSTUDY_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setattr(bundled.resources, "files", lambda name: tmp_path / "void")
    with pytest.raises(DataIntegrityError, match="bundled data not found"):
        bundled.data_dir()


def test_incomplete_rows_keep_close_only(raw_prices):
    frame = BundledPrices().get("1810.HK")
    raw = raw_prices("1810.HK")
    for day in ("2020-12-24", "2020-12-31", "2021-02-11"):
        row = frame.loc[day]
        assert row["incomplete"]
        assert np.isnan(row["high"]) and np.isnan(row["low"]) and np.isnan(row["volume"])
        assert row["close"] == raw.loc[day, "close"]
    assert frame["incomplete"].sum() == 3
    assert BundledPrices().get("^HSI")["incomplete"].sum() == 2
    assert BundledPrices().get("LKCO").loc["2019-06-25", "incomplete"]


def _frame():
    dates = pd.to_datetime(["2021-01-04", "2021-01-05", "2021-01-06"])
    values = {c: [1.0, 2.0, 3.0] for c in ("open", "high", "low", "close", "adj_close")}
    return pd.DataFrame({**values, "volume": [10, 10, 10]}, index=pd.Index(dates, name="date"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.drop(columns=["high"]), r"missing price columns \['high'\]; found"),
        (lambda f: f.iloc[[1, 0, 2]], "not in ascending order"),
        (
            lambda f: f.iloc[[0, 1, 1, 2]].assign(close=[1.0, 2.0, 2.5, 3.0]),
            "2021-01-05 appears 2 times with different values",
        ),
        (lambda f: f.assign(close=[1.0, np.nan, 3.0]), "close on 2021-01-05 is nan"),
        (lambda f: f.assign(close=[1.0, 0.0, 3.0]), "close on 2021-01-05 is 0.0"),
        (lambda f: f.assign(adj_close=[1.0, -2.0, 3.0]), "adj_close on 2021-01-05 is -2.0"),
        (lambda f: f.assign(close=[1.0, np.inf, 3.0]), "close on 2021-01-05 is inf"),
        (lambda f: f.iloc[:0], "empty"),
        (
            lambda f: f.tz_localize("Asia/Hong_Kong").tz_convert("UTC"),
            "not at midnight of their zone",
        ),
    ],
)
def test_bad_prices_raise(mutate, message):
    with pytest.raises(PriceDataError, match=message):
        validate_prices(mutate(_frame()), "TEST")


def test_user_frames_and_unknown_ticker():
    source = FramePrices({"ABC": _frame().reset_index()})
    assert source.get("ABC")["adj_close"].tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(UnknownTickerError, match="'XYZ'.*available: ABC"):
        source.get("XYZ")
    with pytest.raises(UnknownTickerError, match="available"):
        BundledPrices().get("AAPL")
