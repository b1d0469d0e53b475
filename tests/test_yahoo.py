"""The Yahoo path with yfinance's download call replaced by recorded frames (no network).

The "recorded" bars are the bundled snapshot's, which are Yahoo daily records (see
data/prices/PROVENANCE.md), served in the shape yfinance 1.7 returns (tests/yf_frames.py).
"""

from __future__ import annotations

import datetime as dt
import os
import warnings

import numpy as np
import pandas as pd
import pytest
import yfinance
from yf_frames import download_frame, failed_download

from eventstudy import EventStudy, bundled_events
from eventstudy.cli import main
from eventstudy.errors import (
    DataIntegrityError,
    PriceSourceWarning,
    SpecificationError,
    UnknownTickerError,
)
from eventstudy.sources import FilePrices
from eventstudy.sources import cache as cache_module
from eventstudy.sources.cache import PriceCache, default_cache_dir, read_cache_file
from eventstudy.sources.yahoo import DOWNLOAD_OPTIONS, YahooPrices, fetch

D = dt.date


class RecordedYahoo:
    """Stands in for ``yfinance.download``: serves recorded bars, or what a test queues."""

    def __init__(self, bars: dict[str, pd.DataFrame]) -> None:
        self.bars = bars
        self.calls: list[dict] = []
        self.queue: list = []  # per call: a DataFrame to return or an exception to raise

    def __call__(self, tickers, **options):
        self.calls.append({"tickers": tickers, **options})
        if self.queue:
            item = self.queue.pop(0)
            if isinstance(item, BaseException):
                raise item
            return item
        if tickers not in self.bars:
            return failed_download(tickers.upper())
        start, end = pd.Timestamp(options["start"]), pd.Timestamp(options["end"])
        bars = self.bars[tickers]
        return download_frame({tickers: bars[(bars.index >= start) & (bars.index < end)]},
                              auto_adjust=options["auto_adjust"])


@pytest.fixture
def yahoo(raw_prices, monkeypatch):
    recorded = RecordedYahoo({t: raw_prices(t) for t in ("1810.HK", "^HSI", "LKCO")})
    monkeypatch.setattr(yfinance, "download", recorded)
    return recorded


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path):
    """Any yfinance call not replaced by a test fails; the cache never leaves tmp_path."""

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to reach Yahoo")

    monkeypatch.setattr(yfinance, "download", refuse)
    monkeypatch.setenv("EVENTSTUDY_CACHE", str(tmp_path / "default-cache"))
    monkeypatch.delenv("EVENTSTUDY_OFFLINE", raising=False)


@pytest.fixture
def cache(tmp_path):
    return PriceCache(tmp_path / "cache")


def _snapshot(path):
    return path.read_bytes(), os.stat(path).st_mtime_ns


# ----- downloads and the cache ---------------------------------------------------------------
def test_first_fetch_creates_the_cache(yahoo, cache, raw_prices):
    (report,) = fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    expected = raw_prices("1810.HK").loc["2020-01-01":"2020-12-31"]
    assert report.status == "created" and report.ok
    n = len(expected)
    assert (report.rows, report.added, report.kept, report.revised) == (n, n, 0, {})
    assert report.span == f"{expected.index[0].date()}..{expected.index[-1].date()}"
    entry = cache.read("1810.HK")
    assert entry.covered == (D(2020, 1, 1), D(2020, 12, 31))
    pd.testing.assert_frame_equal(entry.frame, expected[entry.frame.columns].astype(float),
                                  check_freq=False, check_names=False, check_index_type=False)
    # yfinance was asked for exactly this, every option explicit; its end is exclusive.
    (call,) = yahoo.calls
    assert call["start"] == "2020-01-01" and call["end"] == "2021-01-01"
    assert call["auto_adjust"] is False and call["interval"] == "1d"
    assert {k: call[k] for k in DOWNLOAD_OPTIONS} == DOWNLOAD_OPTIONS


def test_cache_file_is_readable_and_checksummed(yahoo, cache):
    fetch(["1810.HK"], "2020-01-01", "2020-03-31", cache.root)
    path = cache.path("1810.HK")
    assert path == cache.root / "yahoo" / "1d" / "auto_adjust_false" / "1810.HK.csv"
    meta, frame = read_cache_file(path)
    assert meta["ticker"] == "1810.HK" and meta["auto_adjust"] == "false"
    assert meta["covered"] == "2020-01-01..2020-03-31" and meta["rows"] == str(len(frame))
    # The cache folder is a valid price folder for `eventstudy run --prices`.
    assert FilePrices(cache.folder).get("1810.HK")["close"].tolist() == frame["close"].tolist()
    path.write_text(path.read_text().replace(",12.", ",13.", 1))
    with pytest.raises(DataIntegrityError, match="do not match their checksum"):
        cache.read("1810.HK")


def test_close_and_adjusted_close_are_both_kept(yahoo, raw_prices, cache):
    bars = raw_prices("1810.HK").copy()
    bars["adj_close"] = bars["close"] * 0.9  # as after a later dividend
    yahoo.bars["1810.HK"] = bars
    fetch(["1810.HK"], "2020-01-01", "2020-01-31", cache.root)
    frame = cache.read("1810.HK").frame
    np.testing.assert_array_equal(frame["adj_close"], frame["close"] * 0.9)
    # auto_adjust=True is cached apart, with adjusted OHLC and adj_close == close.
    (report,) = fetch(["1810.HK"], "2020-01-01", "2020-01-31", cache.root, auto_adjust=True)
    adjusted = PriceCache(cache.root, auto_adjust=True).read("1810.HK").frame
    assert "auto_adjust_true" in str(report.path)
    np.testing.assert_allclose(adjusted["close"], frame["close"] * 0.9, rtol=1e-12)
    np.testing.assert_array_equal(adjusted["adj_close"], adjusted["close"])


def test_empty_download_keeps_the_cache(yahoo, cache):
    fetch(["1810.HK"], "2020-01-01", "2020-06-30", cache.root)
    before = _snapshot(cache.path("1810.HK"))
    yahoo.queue.append(failed_download("1810.HK"))
    (report,) = fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    assert report.status == "empty" and not report.ok
    assert "Yahoo returned no prices" in report.message
    assert _snapshot(cache.path("1810.HK")) == before
    assert str(report).startswith("1810.HK: empty: ") and "the cache keeps" in str(report)


def test_unknown_ticker_writes_nothing(yahoo, cache):
    (report,) = fetch(["NOPE.HK"], "2020-01-01", "2020-12-31", cache.root)
    assert report.status == "empty" and not cache.path("NOPE.HK").exists()


def test_exception_keeps_the_cache(yahoo, cache):
    fetch(["1810.HK"], "2020-01-01", "2020-06-30", cache.root)
    before = _snapshot(cache.path("1810.HK"))
    yahoo.queue.append(ConnectionError("Failed to resolve query1.finance.yahoo.com"))
    (report,) = fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    assert report.status == "failed" and "ConnectionError: Failed to resolve" in report.message
    assert _snapshot(cache.path("1810.HK")) == before


def test_invalid_download_keeps_the_cache(yahoo, raw_prices, cache):
    fetch(["1810.HK"], "2020-01-01", "2020-06-30", cache.root)
    before = _snapshot(cache.path("1810.HK"))
    bad = raw_prices("1810.HK").loc["2020-01-01":"2020-12-31"].copy()
    bad.loc["2020-08-03", "close"] = -1.0
    yahoo.queue.append(download_frame({"1810.HK": bad}))
    (report,) = fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    assert report.status == "failed"
    assert "invalid download: 1810.HK: close on 2020-08-03 is -1.0" in report.message
    assert _snapshot(cache.path("1810.HK")) == before


def test_extending_the_range_adds_rows(yahoo, raw_prices, cache):
    fetch(["1810.HK"], "2020-01-01", "2020-06-30", cache.root)
    (report,) = fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    bars = raw_prices("1810.HK")
    second_half = bars.loc["2020-07-01":"2020-12-31"]
    assert (report.status, report.added, report.kept, report.revised) == (
        "updated", len(second_half), 0, {})
    assert report.rows == len(bars.loc["2020-01-01":"2020-12-31"])
    # A later, narrower request is widened to the cached range: nothing to add or revise.
    (again,) = fetch(["1810.HK"], "2020-03-01", "2020-04-30", cache.root)
    assert again.status == "unchanged" and yahoo.calls[-1]["start"] == "2020-01-01"
    assert yahoo.calls[-1]["end"] == "2021-01-01"


def test_partial_download_keeps_cached_rows(yahoo, raw_prices, cache):
    fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    bars = raw_prices("1810.HK")
    partial = bars.loc["2020-07-01":"2021-03-31"]  # Yahoo returns only part of the range
    yahoo.queue.append(download_frame({"1810.HK": partial}))
    (report,) = fetch(["1810.HK"], "2020-01-01", "2021-03-31", cache.root)
    first_half = bars.loc["2020-01-01":"2020-06-30"]
    added = bars.loc["2021-01-01":"2021-03-31"]
    assert (report.status, report.kept, report.added) == ("updated", len(first_half), len(added))
    frame = cache.read("1810.HK").frame
    assert frame.index.equals(bars.loc["2020-01-01":"2021-03-31"].index)
    assert "cached rows absent from the download kept" in str(report)


def test_revised_values_are_replaced_and_counted(yahoo, raw_prices, cache):
    fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    bars = raw_prices("1810.HK").copy()
    bars.loc["2020-03-02", "close"] += 0.01
    bars.loc["2020-05-04", ["adj_close", "volume"]] = [bars.loc["2020-05-04", "adj_close"] + 0.02,
                                                       1.0]
    yahoo.bars["1810.HK"] = bars
    (report,) = fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    assert report.status == "updated" and report.added == 0
    assert report.revised == {"close": 1, "adj_close": 1, "volume": 1}
    assert "3 values revised (close 1, adj_close 1, volume 1; on dates 2020-03-02..2020-05-04)" in (
        str(report))
    frame = cache.read("1810.HK").frame
    assert frame.loc["2020-03-02", "close"] == bars.loc["2020-03-02", "close"]


def test_rebased_adjustment_with_missing_rows_is_a_conflict(yahoo, raw_prices, cache):
    fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    before = _snapshot(cache.path("1810.HK"))
    bars = raw_prices("1810.HK").copy()
    bars["adj_close"] *= 0.95  # a dividend since: Yahoo rescales the adjusted history
    yahoo.queue.append(download_frame({"1810.HK": bars.loc["2020-07-01":"2020-12-31"]}))
    (report,) = fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    assert report.status == "conflict"
    assert "adj_close differs from the cache (ratio 0.95 at the median" in report.message
    assert _snapshot(cache.path("1810.HK")) == before
    # The full range again: every cached date is in the download, so it replaces them.
    yahoo.bars["1810.HK"] = bars
    (report,) = fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    n = len(bars.loc["2020-01-01":"2020-12-31"])
    assert report.status == "updated" and report.revised == {"adj_close": n}


def test_download_without_overlap_is_a_conflict(yahoo, raw_prices, cache):
    fetch(["1810.HK"], "2020-01-01", "2020-06-30", cache.root)
    yahoo.queue.append(download_frame({"1810.HK": raw_prices("1810.HK").loc["2020-07-01":]}))
    (report,) = fetch(["1810.HK"], "2020-01-01", "2021-06-30", cache.root)
    assert report.status == "conflict" and "shares no date with the cache" in report.message


def test_group_by_ticker_and_lower_case_tickers(yahoo, raw_prices, cache):
    bars = raw_prices("^HSI").loc["2020-01-01":"2020-03-31"]
    yahoo.queue.append(download_frame({"^HSI": bars}, group_by="ticker"))
    assert fetch(["^HSI"], "2020-01-01", "2020-03-31", cache.root)[0].added == len(bars)
    yahoo.queue.append(download_frame({"1810.HK": raw_prices("1810.HK").loc["2020-01"]}))
    assert fetch(["1810.hk"], "2020-01-01", "2020-01-31", cache.root)[0].status == "created"


def test_writes_are_atomic(yahoo, cache, monkeypatch):
    fetch(["1810.HK"], "2020-01-01", "2020-06-30", cache.root)
    before = _snapshot(cache.path("1810.HK"))

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(cache_module.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        fetch(["1810.HK"], "2020-01-01", "2020-12-31", cache.root)
    assert _snapshot(cache.path("1810.HK")) == before
    assert [p.name for p in cache.folder.iterdir()] == ["1810.HK.csv"]  # no temporary left


def test_options_are_checked():
    with pytest.raises(SpecificationError, match="interval must be one of"):
        fetch(["X"], "2020-01-01", "2020-01-31", interval="1h")
    with pytest.raises(SpecificationError, match="start 2020-02-01 is after end 2020-01-31"):
        fetch(["X"], "2020-02-01", "2020-01-31")
    with pytest.raises(SpecificationError, match="YYYY-MM-DD"):
        YahooPrices("2020-01-01", "31/01/2020")


def test_default_cache_folder(monkeypatch, tmp_path):
    assert default_cache_dir() == tmp_path / "default-cache"
    monkeypatch.delenv("EVENTSTUDY_CACHE")
    folder = default_cache_dir()
    import eventstudy

    assert "eventstudy" in folder.parts
    assert not folder.resolve().is_relative_to(os.path.dirname(eventstudy.__file__))


# ----- YahooPrices as a study's source -------------------------------------------------------
def test_study_on_yahoo_matches_the_bundled_snapshot(yahoo, tmp_path):
    events = bundled_events("xiaomi")
    source = YahooPrices("2019-06-01", "2021-12-31", tmp_path / "cache")
    online, bundled = EventStudy(events, prices=source).fit(), EventStudy(events).fit()
    for column in ("car", "se", "p_value", "raw_return"):
        np.testing.assert_allclose(online.windows[column], bundled.windows[column], rtol=1e-12)
    np.testing.assert_allclose(online.sessions.peak_move, bundled.sessions.peak_move, rtol=1e-12)
    assert len(yahoo.calls) == 2
    # A second source over the same range is served from the cache.
    again = YahooPrices("2019-06-01", "2021-12-31", tmp_path / "cache")
    again.get("1810.HK")
    assert len(yahoo.calls) == 2


def test_offline_uses_the_cache_with_a_warning(yahoo, tmp_path):
    fetch(["1810.HK"], "2020-01-01", "2020-12-31", tmp_path / "cache")
    source = YahooPrices("2019-01-01", "2021-12-31", tmp_path / "cache", offline=True)
    with pytest.warns(PriceSourceWarning, match=r"1810.HK: Yahoo prices for 2019-01-01..2021-12-31 "
                      r"unavailable \(offline .*using the cached prices 2020-01-02..2020-12-31"):
        frame = source.get("1810.HK")
    assert len(yahoo.calls) == 1
    assert frame.index[0] == pd.Timestamp("2020-01-02")


def test_offline_falls_back_to_the_bundled_snapshot(monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTSTUDY_OFFLINE", "1")
    source = YahooPrices("2019-06-01", "2021-12-31", tmp_path / "cache")
    assert source.offline and source.has("^HSI") and not source.has("AAPL")
    events = bundled_events("xiaomi")[:1]
    with pytest.warns(PriceSourceWarning, match="the bundled snapshot 2019-06-03..2021-12-31"):
        results = EventStudy(events, prices=source).fit()
    notes = results.diagnostics[results.diagnostics.kind == "price_fallback"]
    assert sorted(notes.ticker) == ["1810.HK", "^HSI"]
    # Nothing cached, nothing bundled: a clear error.
    bare = YahooPrices("2019-06-01", "2021-12-31", tmp_path / "cache", bundled_fallback=False)
    with pytest.raises(UnknownTickerError, match="'AAPL'"):
        EventStudy([events[0].__class__(**{**events[0].__dict__, "ticker": "AAPL"})],
                   prices=bare)


def test_failed_refresh_falls_back_and_says_why(yahoo, tmp_path):
    yahoo.queue.append(TimeoutError("read timed out"))
    source = YahooPrices("2019-06-01", "2021-12-31", tmp_path / "cache")
    with pytest.warns(PriceSourceWarning, match=r"failed: TimeoutError: read timed out\); using "
                      "the bundled snapshot"):
        source.get("1810.HK")
    with pytest.raises(UnknownTickerError, match=r"'NOPE.HK': Yahoo could not provide them "
                       r"\(empty: Yahoo returned no prices"):
        source.get("NOPE.HK")


def test_cached_incomplete_rows_stay_flagged(yahoo, tmp_path):
    source = YahooPrices("2020-12-01", "2020-12-31", tmp_path / "cache")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the download succeeds: no warning
        frame = source.get("1810.HK")
    assert frame.loc["2020-12-24", "incomplete"] and np.isnan(frame.loc["2020-12-24", "high"])


# ----- command line --------------------------------------------------------------------------
def test_cli_fetch_reports_and_exit_status(yahoo, tmp_path, capsys):
    argv = ["fetch", "1810.HK", "^HSI", "--start", "2020-01-01", "--end", "2020-06-30",
            "--cache", str(tmp_path / "c")]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].startswith("1810.HK: created, ")
    assert "0 values revised" in out[1]
    yahoo.queue.append(ConnectionError("offline"))
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("1810.HK: failed: ConnectionError: offline; the cache keeps")
    assert captured.out.startswith("^HSI: unchanged")


def test_cli_fetch_bad_dates(capsys):
    assert main(["fetch", "X", "--start", "2020-13-01", "--end", "2020-12-31"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dates must be YYYY-MM-DD" in err


def test_fetch_progress_bar_when_asked(yahoo, cache, capsys):
    fetch(["1810.HK", "^HSI"], "2020-01-01", "2020-01-31", cache.root, progress=True)
    assert "downloads" in capsys.readouterr().err
    fetch(["1810.HK", "^HSI"], "2020-01-01", "2020-01-31", cache.root)  # not a terminal
    assert "downloads" not in capsys.readouterr().err
