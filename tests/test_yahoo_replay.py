"""The Yahoo path through the real ``yfinance.download``, on recorded HTTP responses.

tests/test_yahoo.py replaces ``yfinance.download`` with frames shaped like its output;
here yfinance itself runs (cookie and crumb, time zone, chart parsing, adjustment, the
frame it assembles) on a ``requests.Session`` whose transport answers with JSON made
from the bundled prices (tests/yf_replay.py). A yfinance release that changes what
``download`` returns, or how it asks, fails these tests. No network: yfinance may not
make a session of its own, and its on-disk cookie and time-zone caches are replaced by
its own no-op stand-ins.
"""

from __future__ import annotations

import pandas as pd
import pytest
import requests
import yfinance
from yf_replay import CRUMB, ReplaySession, opening_stamps

from eventstudy import EventStudy, bundled_events
from eventstudy.errors import PriceSourceWarning
from eventstudy.sources.cache import PriceCache
from eventstudy.sources.yahoo import YahooPrices, fetch

# yfinance 1.7 passes inplace= to pandas 3.1, which warns; that is yfinance's to change.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")
FIELDS = ["open", "high", "low", "close", "adj_close", "volume"]
TICKERS = ("1810.HK", "^HSI", "LKCO")  # Hong Kong and Nasdaq (daylight saving time)


@pytest.fixture
def yahoo_http(raw_prices, monkeypatch, tmp_path):
    """A replaying session over the bundled bars; yfinance's state made fresh."""
    from yfinance import cache as yf_cache
    from yfinance import data as yf_data

    def refuse(*args, **kwargs):
        raise AssertionError("yfinance made a session of its own (it would go online)")

    monkeypatch.setattr(yfinance.multi, "new_session", refuse)
    monkeypatch.setattr(yf_data, "new_session", refuse)
    # yfinance keeps cookies and time zones in sqlite files of the user's cache folder.
    monkeypatch.setattr(yf_cache._TzCacheManager, "_tz_cache", yf_cache._TzCacheDummy())
    monkeypatch.setattr(yf_cache._CookieCacheManager, "_Cookie_cache",
                        yf_cache._CookieCacheDummy())
    # One YfData per process (a singleton holding session, cookie and crumb): a fresh one.
    monkeypatch.setattr(yf_data.SingletonMeta, "_instances", {})
    monkeypatch.setattr(yfinance.base, "_tz_info_fetch_ctr", 0)
    yf_data.YfData.cache_get.cache_clear()
    monkeypatch.setenv("EVENTSTUDY_CACHE", str(tmp_path / "default-cache"))
    monkeypatch.delenv("EVENTSTUDY_OFFLINE", raising=False)
    yield ReplaySession({t: raw_prices(t) for t in TICKERS})
    yf_data.YfData.cache_get.cache_clear()


def test_fetch_through_yfinance_caches_the_bundled_rows_exactly(yahoo_http, raw_prices,
                                                                tmp_path):
    reports = fetch(TICKERS, "2019-06-01", "2021-12-31", tmp_path / "cache",
                    session=yahoo_http)
    assert [r.status for r in reports] == ["created"] * 3
    cache = PriceCache(tmp_path / "cache")
    for ticker in TICKERS:
        bundled = raw_prices(ticker)
        cached = cache.read(ticker).frame
        assert len(cached) == len(bundled) and reports[TICKERS.index(ticker)].rows == len(bundled)
        pd.testing.assert_index_equal(cached.index.as_unit("ns"),
                                      bundled.index.as_unit("ns"), check_names=False)
        pd.testing.assert_frame_equal(cached[FIELDS].reset_index(drop=True),
                                      bundled[FIELDS].astype(float).reset_index(drop=True),
                                      check_exact=True)
    # yfinance asked as it does online: cookie, crumb, then per ticker its time zone and
    # its bars from midnight of the start in the exchange's zone to the exclusive end.
    urls = yahoo_http.urls
    crumb = urls.index("https://query1.finance.yahoo.com/v1/test/getcrumb")
    assert urls[0] == "https://fc.yahoo.com/" and crumb < urls.index(
        "https://query2.finance.yahoo.com/v8/finance/chart/1810.HK?range=1d&interval=1d&crumb="
        "rEpLaY.cRuMb%2F1")
    charts = yahoo_http.charts
    assert [t for t, _ in charts] == ["1810.HK", "1810.HK", "^HSI", "^HSI", "LKCO", "LKCO"]
    ranged = dict(charts[1][1])
    assert ranged["crumb"] == CRUMB and ranged["interval"] == "1d"
    assert int(ranged["period1"]) == int(pd.Timestamp("2019-06-01", tz="Asia/Hong_Kong")
                                         .timestamp())
    assert int(charts[5][1]["period2"]) == int(pd.Timestamp("2022-01-01",
                                                            tz="America/New_York").timestamp())
    assert charts[0][1]["range"] == "1d"


def test_auto_adjust_through_yfinance(yahoo_http, raw_prices, tmp_path):
    bars = raw_prices("1810.HK").copy()
    bars["adj_close"] = (bars["close"] * 0.9).round(6)  # as after a later dividend
    yahoo_http.bars["1810.HK"] = bars
    (plain,) = fetch(["1810.HK"], "2020-01-01", "2020-06-30", tmp_path / "c", session=yahoo_http)
    (adjusted,) = fetch(["1810.HK"], "2020-01-01", "2020-06-30", tmp_path / "c",
                        auto_adjust=True, session=yahoo_http)
    assert plain.ok and adjusted.ok and "auto_adjust_true" in str(adjusted.path)
    kept = PriceCache(tmp_path / "c").read("1810.HK").frame
    both = PriceCache(tmp_path / "c", auto_adjust=True).read("1810.HK").frame
    want = bars.loc["2020-01-01":"2020-06-30"]
    pd.testing.assert_series_equal(kept["adj_close"], want["adj_close"], check_exact=True,
                                   check_names=False, check_index_type=False)
    ratio = want["adj_close"] / want["close"]
    for column in ("open", "high", "low", "close"):
        pd.testing.assert_series_equal(both[column], want[column] * ratio, rtol=1e-12,
                                       check_names=False, check_index_type=False)
    pd.testing.assert_series_equal(both["adj_close"], both["close"], check_names=False)


def test_study_on_replayed_yahoo_equals_the_bundled_study(yahoo_http, tmp_path):
    events = bundled_events("xiaomi")
    source = YahooPrices("2019-06-01", "2021-12-31", tmp_path / "cache", session=yahoo_http)
    replayed = EventStudy(events, prices=source).fit()
    bundled = EventStudy(events).fit()
    pd.testing.assert_frame_equal(replayed.windows, bundled.windows)
    asked = len(yahoo_http.charts)
    YahooPrices("2019-06-01", "2021-12-31", tmp_path / "cache", session=yahoo_http).get("^HSI")
    assert len(yahoo_http.charts) == asked == 4  # served from the cache


def test_revisions_unknown_tickers_and_failures_through_yfinance(yahoo_http, raw_prices,
                                                                 tmp_path):
    root = tmp_path / "cache"
    fetch(["1810.HK"], "2020-01-01", "2020-12-31", root, session=yahoo_http)
    path = PriceCache(root).path("1810.HK")
    bars = raw_prices("1810.HK").copy()
    bars.loc["2020-03-02", "close"] = 12.95  # Yahoo corrects a close (12.94)
    yahoo_http.bars["1810.HK"] = bars
    # yfinance memoizes chart answers for past ranges within a process (YfData.cache_get);
    # a later session (process) asks again.
    yfinance.data.YfData.cache_get.cache_clear()
    (revised,) = fetch(["1810.HK"], "2020-01-01", "2020-12-31", root, session=yahoo_http)
    assert revised.status == "updated" and revised.revised == {"close": 1}
    before = path.read_bytes()
    (unknown,) = fetch(["NOPE.HK"], "2020-01-01", "2020-12-31", root, session=yahoo_http)
    assert unknown.status == "empty" and not PriceCache(root).path("NOPE.HK").exists()
    yahoo_http.fail = requests.ConnectionError("connection refused")
    (down,) = fetch(["1810.HK"], "2019-06-01", "2020-12-31", root, session=yahoo_http)
    # yfinance hides the network error and returns an empty frame: an "empty" report.
    assert down.status == "empty" and path.read_bytes() == before
    assert "no connection to Yahoo" in down.message  # the report does not guess which
    source = YahooPrices("2019-06-01", "2020-12-31", root, session=yahoo_http)
    with pytest.warns(PriceSourceWarning, match=r"1810.HK: Yahoo prices for 2019-06-01.."
                      r"2020-12-31 unavailable .*using the cached prices 2020-01-02..2020-12-31"):
        frame = source.get("1810.HK")
    assert frame.loc["2020-03-02", "close"] == 12.95


def test_opening_stamps_follow_daylight_saving_time():
    """The replay stamps bars at 09:30 local time, as Yahoo does: 13:30 or 14:30 UTC."""
    summer, winter = opening_stamps("LKCO", pd.to_datetime(["2021-07-01", "2021-12-01"]))
    assert pd.Timestamp(summer, unit="s").hour == 13 and pd.Timestamp(winter, unit="s").hour == 14
