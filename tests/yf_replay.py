"""Yahoo Finance's HTTP responses, made from the bundled prices and replayed into yfinance.

``yfinance.download(..., session=...)`` (1.7) sends every request through the session
it is given (held by its ``YfData`` singleton, which accepts only a ``requests`` or
``curl_cffi`` Session). For one ticker with ``start``/``end`` it asks, in order:

1. ``GET https://fc.yahoo.com`` for the A3 cookie (the answer is a 404 that sets it);
2. ``GET https://query1.finance.yahoo.com/v1/test/getcrumb``, the crumb as plain text;
3. ``GET https://query2.finance.yahoo.com/v8/finance/chart/<T>?range=1d&interval=1d``
   for the exchange's time zone (``Ticker._fetch_ticker_tz``), then
4. ``GET .../v8/finance/chart/<T>?period1=..&period2=..&interval=1d&includePrePost=False
   &events=div,splits,capitalGains``, both with ``crumb=`` and the cookie.

A 4xx answer makes it toggle to the consent ("csrf") cookie strategy
(``guce.yahoo.com``) and back. :class:`ReplaySession` is a real ``requests.Session``
whose transport adapter answers these requests: the chart JSON is built from the
bundled CSV rows (bars stamped at the session's 09:30 open in the exchange's time
zone, as Yahoo stamps daily bars; prices as JSON numbers, volumes as integers), an
unknown ticker gets Yahoo's 404 "No data found" body, and every request is recorded.
All of yfinance above the transport (cookie and crumb handling, time zones, quote
parsing, adjustment, the frame it assembles) runs as it does online, so a release
that changes what ``download`` returns fails the tests that use it.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import pandas as pd
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

CRUMB = "rEpLaY.cRuMb/1"
COOKIE = ("A3", "d=AQABBReplayed&S=AQAAAReplayed")
# Exchange of each bundled ticker: (time zone, currency, Yahoo's exchange code, type).
EXCHANGES = {
    "HK": ("Asia/Hong_Kong", "HKD", "HKG", "HKT", 28800),
    "US": ("America/New_York", "USD", "NMS", "EST", -18000),
}


def exchange_of(ticker: str) -> tuple:
    return EXCHANGES["HK" if ticker.endswith(".HK") or ticker == "^HSI" else "US"]


def opening_stamps(ticker: str, days) -> list[int]:
    """Unix times of the 09:30 opens of ``days`` in the ticker's exchange time zone."""
    opens = pd.DatetimeIndex(days).tz_localize(None) + pd.Timedelta(hours=9, minutes=30)
    return [int(t.timestamp()) for t in opens.tz_localize(exchange_of(ticker)[0])]


def chart(ticker: str, bars: pd.DataFrame) -> dict:
    """The v8 chart API's JSON for ``bars`` (a bundled CSV's rows, indexed by date)."""
    tz, currency, code, short, offset = exchange_of(ticker)
    stamps = opening_stamps(ticker, bars.index)

    def column(name: str, kind=float) -> list:
        return [None if pd.isna(v) else kind(v) for v in bars[name]]

    period = {"timezone": short, "gmtoffset": offset}
    last = stamps[-1] if stamps else 0
    meta = {
        "currency": currency, "symbol": ticker, "exchangeName": code,
        "fullExchangeName": code, "instrumentType": "INDEX" if ticker.startswith("^") else
        "EQUITY", "firstTradeDate": stamps[0] if stamps else None,
        "regularMarketTime": last + 23400, "hasPrePostMarketData": False,
        "gmtoffset": offset, "timezone": short, "exchangeTimezoneName": tz,
        "regularMarketPrice": float(bars["close"].iloc[-1]) if len(bars) else None,
        "priceHint": 2, "dataGranularity": "1d", "range": "",
        "currentTradingPeriod": {
            "pre": {**period, "start": last - 3600, "end": last},
            "regular": {**period, "start": last, "end": last + 23400},
            "post": {**period, "start": last + 23400, "end": last + 27000},
        },
        "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd",
                        "max"],
    }
    result = {
        "meta": meta,
        "timestamp": stamps,
        "indicators": {
            "quote": [{"open": column("open"), "high": column("high"), "low": column("low"),
                       "close": column("close"), "volume": column("volume", int)}],
            "adjclose": [{"adjclose": column("adj_close")}],
        },
    }
    return {"chart": {"result": [result], "error": None}}


NOT_FOUND = {"chart": {"result": None, "error": {
    "code": "Not Found", "description": "No data found, symbol may be delisted"}}}


class YahooAdapter(BaseAdapter):
    """The transport of :class:`ReplaySession`: answers Yahoo's URLs, records requests."""

    def __init__(self, session: ReplaySession) -> None:
        super().__init__()
        self.session = session

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.session.requests.append(request)
        if self.session.fail is not None:
            raise self.session.fail
        parts = urlsplit(request.url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if parts.hostname == "fc.yahoo.com":
            # Yahoo's answer is a 404 page that sets the A3 cookie for .yahoo.com.
            self.session.cookies.set(*COOKIE, domain=".yahoo.com", path="/")
            return _response(request, 404, b"<html>404</html>", "text/html")
        if parts.path == "/v1/test/getcrumb":
            return _response(request, 200, CRUMB.encode(), "text/plain")
        if parts.path.startswith("/v8/finance/chart/"):
            ticker = unquote(parts.path.rsplit("/", 1)[1])
            self.session.charts.append((ticker, query))
            assert query.get("crumb") == CRUMB, f"chart request without the crumb: {query}"
            assert f"{COOKIE[0]}=" in request.headers.get("Cookie", ""), "no A3 cookie sent"
            return self._chart(request, ticker, query)
        return _response(request, 404, b"<html>Not Found</html>", "text/html")

    def _chart(self, request, ticker: str, query: dict):
        bars = self.session.bars.get(ticker)
        if bars is None:
            return _response(request, 404, json.dumps(NOT_FOUND).encode(), "application/json")
        if "period1" in query:
            stamps = np.array(opening_stamps(ticker, bars.index))
            inside = (stamps >= int(query["period1"])) & (stamps < int(query["period2"]))
            bars = bars[inside]
        else:  # range=1d: the last session
            bars = bars.iloc[-1:]
        return _response(request, 200, json.dumps(chart(ticker, bars)).encode(),
                         "application/json")

    def close(self) -> None:
        pass


def _response(request, status: int, body: bytes, content_type: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.reason = {200: "OK", 404: "Not Found"}.get(status, "")
    response._content = body
    response.headers = CaseInsensitiveDict({"Content-Type": content_type,
                                            "Content-Length": str(len(body))})
    response.url = request.url
    response.request = request
    response.encoding = "utf-8"
    return response


class ReplaySession(requests.Session):
    """A ``requests.Session`` answering Yahoo's URLs from ``bars`` (ticker -> bundled CSV
    rows) without a network; ``fail`` makes every request raise that exception."""

    def __init__(self, bars: dict[str, pd.DataFrame]) -> None:
        super().__init__()
        self.bars = dict(bars)
        self.requests: list[requests.PreparedRequest] = []
        self.charts: list[tuple[str, dict]] = []
        self.fail: BaseException | None = None
        adapter = YahooAdapter(self)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    @property
    def urls(self) -> list[str]:
        return [r.url for r in self.requests]
