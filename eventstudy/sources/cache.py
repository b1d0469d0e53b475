"""The on-disk price cache: one checksummed CSV per (ticker, interval, adjustment).

Location: ``cache_dir`` when given, else the environment variable
``EVENTSTUDY_CACHE``, else the platform's user cache folder (``~/.cache/eventstudy``
on Linux), never inside the package. Files live in
``<cache>/yahoo/<interval>/auto_adjust_<true|false>/<TICKER>.csv``: a few
``# key: value`` lines (ticker, interval, adjustment, the date range fetched, when,
rows, SHA-256 of the data) and then an ordinary price CSV, so a cache folder can also
be read as a user's price folder (``eventstudy run --prices <folder>``).

Safety rules, which :func:`merge_download` and :meth:`PriceCache.write` implement:

* writes are atomic: a temporary file in the same folder, flushed to disk, then
  renamed over the old file with ``os.replace``; a crash leaves the old file or the
  new one, never half of either;
* a download never removes cached rows: rows the download lacks are kept, provided
  the download agrees with the cache on the dates both have;
* if it does not agree (Yahoo re-based its split or dividend adjustment since the
  cache was written) and cached rows would be kept, mixing the two bases would create
  false returns at the seam, so the cache is left unchanged and the conflict reported;
* values the download revises on common dates are replaced and counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd

from ..errors import DataIntegrityError, PriceDataError
from .readers import read_csv_text, read_text, shown
from .table import PRICE_FIELDS
from .validate import tidy_prices

PRICE_COLUMNS = PRICE_FIELDS

CACHE_ENV = "EVENTSTUDY_CACHE"
SOURCE = "yahoo"
REFETCH = "delete the file and fetch the prices again"
# Relative tolerance below which two downloads of one value count as the same value.
REVISION_RTOL = 1e-10
# Relative tolerance for "the download and the cache are on the same adjustment basis".
BASIS_RTOL = 1e-6


def default_cache_dir() -> Path:
    """``$EVENTSTUDY_CACHE``, else the user's cache folder for eventstudy."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("eventstudy", appauthor=False))


@dataclass
class CacheEntry:
    """One cached series and what is known about it.

    Attributes
    ----------
    frame : DataFrame
        Tidy price table (see :func:`eventstudy.sources.validate.tidy_prices`), indexed
        by date.
    covered : (date, date)
        The date range that has been requested from the vendor successfully; the
        series may start later (a listing) or end earlier (the last session).
    fetched : str
        UTC time of the last successful download, ISO format.
    """

    ticker: str
    frame: pd.DataFrame
    covered: tuple[dt.date, dt.date]
    fetched: str
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def span(self) -> str:
        """``first..last`` date of the cached rows."""
        return f"{self.frame.index[0].date()}..{self.frame.index[-1].date()}"

    def covers(self, start: dt.date, end: dt.date) -> bool:
        """Whether ``[start, end]`` has been fetched already."""
        return self.covered[0] <= start and end <= self.covered[1]


class PriceCache:
    """The cached series of one vendor interval and adjustment.

    Parameters
    ----------
    folder : path, optional
        The cache root; :func:`default_cache_dir` by default.
    interval : str
        Bar length, e.g. ``"1d"``.
    auto_adjust : bool
        yfinance's ``auto_adjust`` of the downloads kept here.
    """

    def __init__(
        self, folder: str | Path | None = None, interval: str = "1d", auto_adjust: bool = False
    ) -> None:
        self.root = default_cache_dir() if folder is None else Path(folder).expanduser()
        self.interval = interval
        self.auto_adjust = auto_adjust
        self.folder = self.root / SOURCE / interval / f"auto_adjust_{str(auto_adjust).lower()}"

    def __repr__(self) -> str:
        return f"PriceCache({str(self.folder)!r})"

    def path(self, ticker: str) -> Path:
        """The file of ``ticker`` (characters unsafe in file names are %-escaped)."""
        return self.folder / f"{quote(ticker, safe='^.-_=')}.csv"

    def tickers(self) -> tuple[str, ...]:
        """Tickers with a cache file."""
        if not self.folder.is_dir():
            return ()
        return tuple(sorted(unquote(p.stem) for p in self.folder.glob("*.csv")))

    def read(self, ticker: str) -> CacheEntry | None:
        """The cached series of ``ticker``, or None if there is none.

        Raises
        ------
        DataIntegrityError
            If the file does not match its recorded checksum or row count, or its
            ``covered`` line is not a date range.
        """
        path = self.path(ticker)
        if not path.is_file():
            return None
        meta, frame = read_cache_file(path)
        return CacheEntry(ticker, frame, _covered(meta, path), meta.get("fetched", ""), meta)

    def write(self, ticker: str, frame: pd.DataFrame, covered: tuple[dt.date, dt.date]) -> Path:
        """Atomically replace the cache file of ``ticker`` with ``frame``."""
        body = _csv_body(frame)
        meta = {
            "eventstudy": "price cache",
            "ticker": ticker,
            "source": SOURCE,
            "interval": self.interval,
            "auto_adjust": str(self.auto_adjust).lower(),
            "covered": f"{covered[0].isoformat()}..{covered[1].isoformat()}",
            "fetched": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "rows": str(len(frame)),
            "sha256": hashlib.sha256(body.encode()).hexdigest(),
        }
        header = "".join(f"# {key}: {value}\n" for key, value in meta.items())
        path = self.path(ticker)
        atomic_write(path, (header + body).encode("utf-8"))
        return path


def _covered(meta: dict[str, str], path: Path) -> tuple[dt.date, dt.date]:
    """The header's ``covered: first..last``; anything else means the file is damaged.

    The checksum covers the table only, so the header lines are checked here.
    """
    text = meta.get("covered", "")
    try:
        first, last = (dt.date.fromisoformat(day) for day in text.split(".."))
    except ValueError as exc:  # not two ISO dates, an impossible date, or no such line ("")
        said = f"is {shown(text)}" if "covered" in meta else "is missing"
        raise DataIntegrityError(
            f"{path}: the header line '# covered:' {said}, not a date range "
            "YYYY-MM-DD..YYYY-MM-DD; delete the file and fetch the prices again"
        ) from exc
    return first, last


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _csv_body(frame: pd.DataFrame) -> str:
    table = frame.loc[:, list(PRICE_COLUMNS)].copy()
    table.index = table.index.strftime("%Y-%m-%d").rename("date")
    return table.to_csv(lineterminator="\n")  # floats are written to round-trip exactly


def read_cache_file(path: Path) -> tuple[dict[str, str], pd.DataFrame]:
    """Header fields and the tidy price table of a cache file, after checking its checksum.

    Raises
    ------
    DataIntegrityError
        If the file is not text, does not match its checksum or row count, or its
        table cannot be read.
    """
    try:
        text = read_text(path, DataIntegrityError)
    except DataIntegrityError as exc:  # (read_text's advice is for a user's CSV)
        raise DataIntegrityError(f"{path}: {_reason(exc, path)}; {REFETCH}") from exc
    meta, body = read_cache_text(text, path)
    try:
        table = read_csv_text(body, path, DataIntegrityError)
        frame = tidy_prices(table, meta.get("ticker", path.stem))
    except (PriceDataError, DataIntegrityError) as exc:
        raise DataIntegrityError(
            f"{path}: the cached table is damaged ({_reason(exc, path)}); {REFETCH}"
        ) from exc
    if str(len(frame)) != meta.get("rows"):
        said = f"says {shown(meta['rows'])}" if "rows" in meta else "has no '# rows:' line"
        raise DataIntegrityError(f"{path}: {len(frame)} rows, the header {said}")
    return meta, frame


def _reason(exc: Exception, path: Path) -> str:
    """An error's message without its leading path and its advice (after the ';')."""
    return str(exc).removeprefix(f"{path}: ").split("; ")[0]


def read_cache_text(text: str, path: Path) -> tuple[dict[str, str], str]:
    """Header fields and CSV body of a cache file's text, after checking its checksum."""
    meta, body = split_header(text)
    if "sha256" not in meta:  # an empty or cut file, or a user's CSV with a comment line
        raise DataIntegrityError(
            f"{path}: not a price cache file (no '# sha256:' checksum line); delete a damaged "
            "cache file and fetch the prices again, or remove the lines starting with '#' from "
            "a price CSV of your own"
        )
    expected = meta["sha256"]
    if hashlib.sha256(body.encode()).hexdigest() != expected:
        raise DataIntegrityError(
            f"{path}: the cached data do not match their checksum (the file was edited or "
            "damaged); delete it and fetch the prices again"
        )
    return meta, body


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Split the leading ``# key: value`` lines from the CSV body."""
    meta: dict[str, str] = {}
    lines = text.splitlines(keepends=True)
    n = 0
    while n < len(lines) and lines[n].startswith("#"):
        key, _, value = lines[n][1:].partition(":")
        meta[key.strip()] = value.strip()
        n += 1
    return meta, "".join(lines[n:])


@dataclass(frozen=True)
class Merge:
    """The outcome of merging a download into cached rows.

    Attributes
    ----------
    frame : DataFrame
        The series to cache (the old one, unchanged, when ``conflict`` is set).
    added : int
        Rows the cache did not have.
    kept : int
        Cached rows the download lacks, kept.
    revised : dict of str to int
        Per column, values on common dates that the download changed.
    revised_dates : (Timestamp, Timestamp) or None
        First and last date with a revised value.
    conflict : str
        Why the download was not merged ('' when it was).
    """

    frame: pd.DataFrame
    added: int = 0
    kept: int = 0
    revised: dict[str, int] = field(default_factory=dict)
    revised_dates: tuple[pd.Timestamp, pd.Timestamp] | None = None
    conflict: str = ""

    @property
    def n_revised(self) -> int:
        """Total number of revised values."""
        return sum(self.revised.values())


def merge_download(old: pd.DataFrame | None, new: pd.DataFrame) -> Merge:
    """Merge a (validated, non-empty) download into the cached rows; see the module rules."""
    if old is None or old.empty:
        return Merge(new, added=len(new))
    common = old.index.intersection(new.index)
    only_old = old.index.difference(new.index)
    if len(only_old):
        conflict = _basis_conflict(old.loc[common], new.loc[common], old, new)
        if conflict:
            return Merge(old, conflict=conflict)
    revised, dates = _revisions(old.loc[common], new.loc[common])
    frame = pd.concat([new, old.loc[only_old]]).sort_index()
    added = len(new.index.difference(old.index))
    return Merge(frame, added, len(only_old), revised, dates)


def _revisions(old: pd.DataFrame, new: pd.DataFrame):
    a, b = old.loc[:, list(PRICE_COLUMNS)].to_numpy(), new.loc[:, list(PRICE_COLUMNS)].to_numpy()
    changed = ~np.isclose(a, b, rtol=REVISION_RTOL, atol=0, equal_nan=True)
    revised = {c: int(n) for c, n in zip(PRICE_COLUMNS, changed.sum(axis=0), strict=True) if n}
    rows = np.flatnonzero(changed.any(axis=1))
    dates = (old.index[rows[0]], old.index[rows[-1]]) if len(rows) else None
    return revised, dates


def _basis_conflict(old_common, new_common, old, new) -> str:
    """Why the cached rows the download lacks cannot be kept beside it ('' if they can)."""
    kept = old.index.difference(new.index)
    head = (
        f"the download ({new.index[0].date()}..{new.index[-1].date()}, {len(new)} rows) lacks "
        f"{len(kept)} cached rows (e.g. {kept[0].date()})"
    )
    if old_common.empty:
        return (
            f"{head} and shares no date with the cache ({old.index[0].date()}.."
            f"{old.index[-1].date()}), so it cannot be checked that both use the same split "
            "and dividend adjustment"
        )
    for column in ("close", "adj_close"):
        ratio = new_common[column].to_numpy() / old_common[column].to_numpy()
        if not np.allclose(ratio, 1.0, rtol=0, atol=BASIS_RTOL):
            return (
                f"{head}, and on the dates both have Yahoo's {column} differs from the cache "
                f"(ratio {np.median(ratio):.6g} at the median, from {ratio.min():.6g} to "
                f"{ratio.max():.6g}): a split or dividend adjustment changed since the cache "
                "was written, and keeping the cached rows would mix two adjustment bases"
            )
    return ""
