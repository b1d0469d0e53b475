"""Daily prices from Yahoo Finance through yfinance, kept in an on-disk cache.

Every download goes through :func:`download`, the one place that calls
``yfinance.download``. Its options are all set explicitly, ``auto_adjust`` above
all: its default changed from False to True in yfinance 0.2.51. With
``auto_adjust=False`` (the default here) Yahoo's ``Close`` (split-adjusted traded
price) and ``Adj Close`` (also adjusted for dividends) are both kept, as ``close``
and ``adj_close``; returns use ``adj_close``. With ``auto_adjust=True`` open, high,
low and close are all adjusted and ``adj_close`` equals ``close``. The two are cached
separately.

:func:`fetch` (``eventstudy fetch``) refreshes the cache and reports what changed;
:class:`YahooPrices` serves a study from the cache, downloading what is missing and,
when Yahoo cannot be reached, falling back to the cache or the bundled snapshot with
a :class:`~eventstudy.errors.PriceSourceWarning` that names the range available.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import (
    CacheLockedError,
    DataIntegrityError,
    EventStudyError,
    PriceDataError,
    PriceSourceWarning,
    SpecificationError,
    UnknownTickerError,
)
from ..progress import progress_bar
from .bundled import BundledPrices
from .cache import CacheEntry, Merge, PriceCache, merge_download
from .locks import locked
from .shapes import raw_table
from .source import PerTickerSource
from .table import NOTES, PRICE_FIELDS, PriceTable
from .validate import validate, validate_prices

OFFLINE_ENV = "EVENTSTUDY_OFFLINE"
# Bars of a day or longer: the cache and the study work with session dates.
INTERVALS = ("1d", "5d", "1wk", "1mo", "3mo")
# Options of yfinance.download, every one explicit so that a change of default in a
# later yfinance release cannot change what is downloaded.
DOWNLOAD_OPTIONS = {
    "actions": False,
    "threads": False,
    "ignore_tz": True,
    "group_by": "column",
    "back_adjust": False,
    "repair": False,
    "keepna": False,
    "progress": False,
    "prepost": False,
    "rounding": False,
    "multi_level_index": True,
}


def download(
    ticker: str, start: dt.date, end: dt.date, interval: str = "1d", auto_adjust: bool = False,
    session=None,
) -> pd.DataFrame:
    """Download one ticker's bars from ``start`` to ``end`` inclusive.

    ``session`` (a ``requests`` or ``curl_cffi`` Session, e.g. one set up for a proxy)
    is passed to ``yfinance.download``, which then makes every request through it;
    None lets yfinance make its own.

    Returns
    -------
    DataFrame
        Tidy price table (see :func:`eventstudy.sources.validate.tidy_prices`); empty when Yahoo
        has no data (yfinance reports most failures as an empty frame).

    Raises
    ------
    Exception
        Whatever yfinance raises (network errors, rate limits); :func:`refresh`
        reports it.
    """
    import yfinance  # imported here: it is slow to import and only needed online

    table = yfinance.download(
        ticker,
        start=start.isoformat(),
        end=_exclusive_end(end).isoformat(),  # yfinance's end is exclusive
        interval=interval,
        auto_adjust=auto_adjust,
        session=session,
        **DOWNLOAD_OPTIONS,
    )
    if table is None or table.shape[0] == 0 or table.isna().all().all():
        return pd.DataFrame()
    try:
        raw = raw_table(table, ticker=ticker)
    except PriceDataError as exc:
        raise PriceDataError(f"Yahoo download of {ticker}: {exc}") from exc
    # yfinance upper-cases tickers; one ticker was asked for, so take the one returned.
    found = sorted({str(t).strip() for t in pd.unique(pd.Series(raw.ticker, copy=False))})
    if len(found) != 1:
        raise PriceDataError(f"Yahoo download of {ticker} returned tickers {found}")
    raw.ticker = pd.Series(ticker, index=range(len(raw)))
    tidy = validate(raw, checks=False).frame(ticker).loc[:, list(PRICE_FIELDS)]
    tidy.attrs.pop(NOTES, None)
    return tidy


def _exclusive_end(end: dt.date) -> dt.date:
    """The day after ``end``, or after tomorrow when ``end`` is later (no bar exists
    yet; 9999-12-31 has no day after it)."""
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    return min(end, tomorrow) + dt.timedelta(days=1)


@dataclass(frozen=True)
class FetchReport:
    """What one refresh of one ticker did.

    Attributes
    ----------
    status : str
        ``created``, ``updated`` or ``unchanged`` (success), or ``failed``, ``empty``
        or ``conflict`` (the cache was left as it was).
    rows : int
        Rows in the cache afterwards.
    added, kept : int
        Rows added; cached rows the download lacked, kept.
    revised : dict of str to int
        Values revised on dates already cached, per column.
    message : str
        Why a refresh failed, or details of the revisions.
    """

    ticker: str
    path: Path
    status: str
    rows: int = 0
    span: str = ""
    added: int = 0
    kept: int = 0
    revised: dict[str, int] = field(default_factory=dict)
    message: str = ""
    damaged: bool = False  # the cache file could not be read

    @property
    def ok(self) -> bool:
        """Whether the cache now holds the requested download."""
        return self.status in ("created", "updated", "unchanged")

    def __str__(self) -> str:
        held = f"{self.rows} rows ({self.span})" if self.rows else "nothing cached"
        if self.damaged:
            return f"{self.ticker}: {self.status}: {self.message} (the file is left as it is)"
        if not self.ok:
            return f"{self.ticker}: {self.status}: {self.message}; the cache keeps {held}"
        parts = [f"{self.ticker}: {self.status}, {held}", f"{self.added} rows added"]
        n = sum(self.revised.values())
        detail = ", ".join(f"{c} {k}" for c, k in self.revised.items())
        parts.append(f"{n} values revised" + (f" ({detail}; {self.message})" if n else ""))
        if self.kept:
            parts.append(f"{self.kept} cached rows absent from the download kept")
        return "; ".join(parts) + f" [{self.path}]"


def refresh(
    cache: PriceCache, ticker: str, start: dt.date, end: dt.date, session=None
) -> FetchReport:
    """Download ``[start, end]`` (widened to the range already cached) and merge it.

    The cache is rewritten only after a download that is non-empty, valid and
    consistent with the cached rows (see :mod:`eventstudy.sources.cache`). The file's
    lock is held from reading it to writing it: concurrent refreshes of one ticker
    (other processes, other threads) take turns, and each merges into what the one
    before it wrote. A damaged cache file, or a lock held too long, is reported as a
    failure and the file left as it is.
    """
    path = cache.path(ticker)
    try:
        with locked(path):
            return _refresh(cache, ticker, start, end, session)
    except (DataIntegrityError, CacheLockedError) as exc:
        return FetchReport(ticker, path, "failed", message=str(exc), damaged=isinstance(
            exc, DataIntegrityError))


def _refresh(
    cache: PriceCache, ticker: str, start: dt.date, end: dt.date, session=None
) -> FetchReport:
    entry = cache.read(ticker)
    old = entry.frame if entry is not None else None
    if entry is not None:
        start, end = min(start, entry.covered[0]), max(end, entry.covered[1])
    path = cache.path(ticker)
    held = _held(entry)
    try:
        new = download(ticker, start, end, cache.interval, cache.auto_adjust, session)
        if not new.empty:
            validate_prices(new, ticker)
    except EventStudyError as exc:
        return FetchReport(ticker, path, "failed", *held, message=f"invalid download: {exc}")
    except Exception as exc:  # any failure of the vendor call is reported, not raised
        return FetchReport(ticker, path, "failed", *held, message=f"{type(exc).__name__}: {exc}")
    if new.empty:
        return FetchReport(
            ticker, path, "empty", *held,
            # yfinance logs and swallows its errors, a refused connection included
            message=(f"Yahoo returned no prices for {start}..{end}: an unknown or delisted "
                     "ticker, or no connection to Yahoo (yfinance answers both with nothing)"),
        )
    merge = merge_download(old, new)
    if merge.conflict:
        return FetchReport(ticker, path, "conflict", *held, message=merge.conflict)
    return _write(cache, ticker, entry, merge, (start, _covered_end(end)))


def _held(entry: CacheEntry | None) -> tuple[int, str]:
    return (0, "") if entry is None else (len(entry.frame), entry.span)


def _covered_end(end: dt.date) -> dt.date:
    # Days from today on may still gain or change rows: leave them to the next refresh.
    return min(end, dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1))


def _write(cache, ticker, entry, merge: Merge, covered) -> FetchReport:
    if entry is not None:
        covered = (min(covered[0], entry.covered[0]), max(covered[1], entry.covered[1]))
    changed = entry is None or merge.added or merge.n_revised or covered != entry.covered
    path = cache.write(ticker, merge.frame, covered) if changed else cache.path(ticker)
    status = "created" if entry is None else "updated" if merge.added or merge.n_revised else (
        "unchanged"
    )
    revised_span = ""
    if merge.revised_dates is not None:
        first, last = merge.revised_dates
        revised_span = f"on dates {first.date()}..{last.date()}"
    frame = merge.frame
    return FetchReport(
        ticker, path, status, len(frame), f"{frame.index[0].date()}..{frame.index[-1].date()}",
        merge.added, merge.kept, merge.revised, revised_span,
    )


def fetch(
    tickers: Iterable[str],
    start: dt.date | str,
    end: dt.date | str,
    cache_dir: str | Path | None = None,
    interval: str = "1d",
    auto_adjust: bool = False,
    progress: bool | None = None,
    session=None,
) -> list[FetchReport]:
    """Refresh the cache of each ticker from Yahoo and report what changed.

    Parameters
    ----------
    tickers : iterable of str
        Yahoo tickers, e.g. ``["1810.HK", "^HSI"]``.
    start, end : date or ISO string
        First and last day wanted, inclusive.
    cache_dir : path, optional
        Cache root (see :func:`eventstudy.sources.cache.default_cache_dir`).
    interval : str
        One of :data:`INTERVALS`.
    auto_adjust : bool
        yfinance's ``auto_adjust``; see the module docstring.
    progress : bool, optional
        Show a progress bar over the tickers; by default only on a terminal.
    session : requests or curl_cffi Session, optional
        The session yfinance makes its requests through (see :func:`download`).

    Returns
    -------
    list of FetchReport
        One per ticker; a failed download leaves that ticker's cache untouched.
    """
    first, last = _date_range(start, end)
    cache = PriceCache(cache_dir, _interval(interval), auto_adjust)
    names = list(dict.fromkeys(_ticker(t) for t in tickers))
    bar = progress_bar(len(names), progress, "downloads", "ticker")
    reports = []
    for ticker in names:
        reports.append(refresh(cache, ticker, first, last, session))
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    return reports


def _date_range(start: dt.date | str, end: dt.date | str) -> tuple[dt.date, dt.date]:
    try:
        first, last = (d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))
                       for d in (start, end))
    except ValueError as exc:
        raise SpecificationError(f"dates must be YYYY-MM-DD ({exc})") from exc
    if first > last:
        raise SpecificationError(f"start {first} is after end {last}")
    return first, last


def _ticker(ticker: object) -> str:
    if not isinstance(ticker, str) or not ticker.strip():
        raise SpecificationError(f"a Yahoo ticker is text such as '1810.HK', not {ticker!r}")
    return ticker.strip()


def _interval(interval: str) -> str:
    if interval not in INTERVALS:
        raise SpecificationError(
            f"interval must be one of {INTERVALS} (session dates), not {interval!r}"
        )
    return interval


def _offline_default() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes")


class YahooPrices(PerTickerSource):
    """Yahoo Finance prices through the cache, downloading what is not cached yet.

    Parameters
    ----------
    start, end : date or ISO string
        The days a study needs, inclusive (include the estimation windows).
    cache_dir : path, optional
        Cache root (see :func:`eventstudy.sources.cache.default_cache_dir`).
    auto_adjust : bool
        yfinance's ``auto_adjust``; see the module docstring.
    offline : bool, optional
        Never call Yahoo; default: whether ``EVENTSTUDY_OFFLINE`` is ``1``/``true``/``yes``.
    bundled_fallback : bool
        When neither Yahoo nor the cache has a ticker, use the bundled snapshot.
    session : requests or curl_cffi Session, optional
        The session yfinance makes its requests through (see :func:`download`).

    Notes
    -----
    A ticker whose cached range covers ``[start, end]`` is served from the cache
    without a download. Otherwise it is refreshed; if that fails (offline, Yahoo
    down, an empty, invalid or conflicting download) the cached rows, else the
    bundled snapshot, are used with a :class:`~eventstudy.errors.PriceSourceWarning`
    naming the range available, also recorded in the results' diagnostics
    (``price_fallback``).
    """

    def __init__(
        self,
        start: dt.date | str,
        end: dt.date | str,
        cache_dir: str | Path | None = None,
        *,
        auto_adjust: bool = False,
        offline: bool | None = None,
        bundled_fallback: bool = True,
        interval: str = "1d",
        session=None,
    ) -> None:
        self.start, self.end = _date_range(start, end)
        self.cache = PriceCache(cache_dir, _interval(interval), auto_adjust)
        self.offline = _offline_default() if offline is None else offline
        self.bundled_fallback = bundled_fallback
        self.session = session
        self._bundled: BundledPrices | None = None

    def __repr__(self) -> str:
        return f"YahooPrices({self.start}..{self.end}, cache={str(self.cache.folder)!r})"

    def tickers(self) -> tuple[str, ...]:
        """Tickers available without a download (cached, or bundled if allowed)."""
        bundled = self._bundled_source().tickers() if self.bundled_fallback else ()
        return tuple(dict.fromkeys((*self.cache.tickers(), *bundled)))

    def has(self, ticker: str) -> bool:
        """Online, any ticker may be tried; offline, only those cached or bundled."""
        return not self.offline or ticker in self.tickers()

    def load(self, ticker: str) -> PriceTable:
        entry = self.cache.read(ticker)
        if entry is not None and entry.covers(self.start, self.end):
            return _validated(entry.frame, ticker)
        if self.offline:
            return self._fallback(ticker, entry, "offline (EVENTSTUDY_OFFLINE or offline=True)")
        report = refresh(self.cache, ticker, self.start, self.end, self.session)
        if report.ok:
            return _validated(self.cache.read(ticker).frame, ticker)
        return self._fallback(ticker, entry, f"{report.status}: {report.message}")

    def _fallback(self, ticker: str, entry: CacheEntry | None, reason: str) -> PriceTable:
        wanted = f"{self.start}..{self.end}"
        if entry is not None and not entry.frame.empty:
            table = _validated(entry.frame, ticker)
            what = f"the cached prices {entry.span} ({self.cache.path(ticker)})"
        elif self.bundled_fallback and ticker in self._bundled_source().tickers():
            table = self._bundled_source().table([ticker])
            days = table.days
            what = (f"the bundled snapshot {str(days[0])[:10]}..{str(days[-1])[:10]}")
        else:
            raise UnknownTickerError(
                f"no prices for {ticker!r}: Yahoo could not provide them ({reason}) and "
                f"nothing is cached at {self.cache.path(ticker)}"
            )
        message = f"{ticker}: Yahoo prices for {wanted} unavailable ({reason}); using {what}"
        warnings.warn(message, PriceSourceWarning, stacklevel=4)
        return table.with_note(ticker, "price_fallback", message)

    def _bundled_source(self) -> BundledPrices:
        if self._bundled is None:
            self._bundled = BundledPrices()
        return self._bundled


def _validated(frame: pd.DataFrame, ticker: str) -> PriceTable:
    return validate(raw_table(frame, ticker=ticker))
