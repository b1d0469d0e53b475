"""The on-disk price cache: one checksummed CSV per (ticker, interval, adjustment).

Location: ``cache_dir`` when given, else the environment variable
``EVENTSTUDY_CACHE``, else the platform's user cache folder (``~/.cache/eventstudy``
on Linux), never inside the package. Files live in
``<cache>/yahoo/<interval>/auto_adjust_<true|false>/<TICKER>.csv``: a few
``# key: value`` lines (format, ticker, interval, adjustment, the date range fetched,
when, rows, and last the SHA-256 of every line before it but itself and of the data)
and then an ordinary price CSV, so a cache folder can also be read as a user's price
folder (``eventstudy run --prices <folder>``). Ticker characters unsafe in file names,
and a leading ``.`` (which would hide the file), are %-escaped.

Safety rules, which :func:`merge_download`, :meth:`PriceCache.write` and
``eventstudy.sources.yahoo.refresh`` implement:

* writes are atomic: a temporary file with a unique name in the same folder, flushed
  to disk, then renamed over the old file with ``os.replace``; a crash leaves the old
  file or the new one, never half of either, and the temporaries of killed writes are
  removed by the next write (:func:`remove_stale_temporaries`);
* the header is checksummed with the data: a ``# covered:`` range widened by hand (which
  would serve no prices for the widened days, without a download) or a ``# ticker:``
  line changed is damage, like an edited price; a file of the first format
  (checksum of the data alone) is still read, its covered range cut to its rows;
* refreshes of one file take turns: each holds the file's lock
  (``<TICKER>.csv.lock``, see ``eventstudy.sources.locks``) from reading the cache
  to writing it, so no refresh overwrites rows another one added;
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
import re
import stat
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd

from ..errors import DataIntegrityError, PriceDataError
from .locks import can_hold, hold, is_held
from .readers import read_csv_text, read_text, shown
from .table import PRICE_FIELDS
from .validate import tidy_prices

PRICE_COLUMNS = PRICE_FIELDS

CACHE_ENV = "EVENTSTUDY_CACHE"
# Cache files whose checksum covers their header (the first format, without a
# '# format:' line, checksummed the data only).
FORMAT = "2"
SOURCE = "yahoo"
REFETCH = "delete the file and fetch the prices again"
# A temporary of a write older than this that no live writer holds is stale (see
# remove_stale_temporaries; the age covers the microseconds between a temporary's
# creation and its lock); where locks cannot tell, a much older one.
STALE_AFTER = 2.0
STALE_AFTER_UNLOCKED = 3600.0
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
        """The file of ``ticker`` (characters unsafe in file names are %-escaped, and so
        is a leading ``.``, which would make it a hidden file that folders skip)."""
        name = quote(ticker, safe="^.-_=")
        if name.startswith("."):
            name = "%2E" + name[1:]
        return self.folder / f"{name}.csv"

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
        self._check_header(meta, ticker, path)
        covered = _covered(meta, path)
        if meta.get("format") != FORMAT and len(frame):  # the first format: see the module
            first, last = frame.index[0].date(), frame.index[-1].date()
            covered = (max(covered[0], first), min(covered[1], last))
        return CacheEntry(ticker, frame, covered, meta.get("fetched", ""), meta)

    def _check_header(self, meta: dict[str, str], ticker: str, path: Path) -> None:
        """The file holds this ticker, interval and adjustment (it may have been copied)."""
        wanted = {"ticker": ticker, "interval": self.interval,
                  "auto_adjust": str(self.auto_adjust).lower()}
        for key, value in wanted.items():
            if key in meta and meta[key] != value:
                raise DataIntegrityError(
                    f"{path}: its '# {key}:' line says {shown(meta[key])}, not {value!r}: the "
                    f"file belongs elsewhere; {REFETCH}"
                )

    def write(self, ticker: str, frame: pd.DataFrame, covered: tuple[dt.date, dt.date]) -> Path:
        """Atomically replace the cache file of ``ticker`` with ``frame``."""
        body = _csv_body(frame)
        meta = {
            "eventstudy": "price cache",
            "format": FORMAT,
            "ticker": ticker,
            "source": SOURCE,
            "interval": self.interval,
            "auto_adjust": str(self.auto_adjust).lower(),
            "covered": f"{covered[0].isoformat()}..{covered[1].isoformat()}",
            "fetched": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "rows": str(len(frame)),
        }
        header = "".join(f"# {key}: {value}\n" for key, value in meta.items())
        digest = hashlib.sha256((header + body).encode()).hexdigest()
        path = self.path(ticker)
        atomic_write(path, f"{header}# sha256: {digest}\n{body}".encode())
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
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``.

    The temporary has a unique name beside the target (``.<name>.<random>.tmp``), so
    no file of the user's is overwritten and concurrent writers never share one. It is
    locked while written (:func:`~eventstudy.sources.locks.hold`); temporaries of
    this target that no live writer holds, left by a killed process, are removed
    first (:func:`remove_stale_temporaries`). The file gets the mode of the file it
    replaces, or the process's default (``0o666`` less the umask).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    mode = _mode(path)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        hold(handle)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove the temporaries of ``path`` left by writers that were killed.

    A temporary is stale when no live process holds its lock and it is older than
    :data:`STALE_AFTER` seconds (the age covers the instant between its creation and
    its lock; where locks cannot tell, on Windows, :data:`STALE_AFTER_UNLOCKED`).
    Returns the files removed.
    """
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    limit = STALE_AFTER if can_hold() else STALE_AFTER_UNLOCKED
    removed = []
    try:
        names = [entry for entry in os.scandir(path.parent) if pattern.fullmatch(entry.name)]
    except OSError:
        return removed
    now = time.time()
    for entry in names:
        try:
            old = now - entry.stat().st_mtime > limit
        except OSError:
            continue
        if old and not is_held(Path(entry.path)):
            Path(entry.path).unlink(missing_ok=True)
            removed.append(Path(entry.path))
    return removed


def _mode(path: Path) -> int:
    """The permission bits a new file at ``path`` should get."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0o022)  # (read by setting it: there is no other portable way)
        os.umask(umask)
        return 0o666 & ~umask


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
    """Header fields and CSV body of a cache file's text, after checking its checksum.

    The checksum covers the header lines (all but its own) and the body; in files of
    the first format (no ``# format:`` line) it covers the body only.
    """
    meta, body = split_header(text)
    if "sha256" not in meta:  # an empty or cut file, or a user's CSV with a comment line
        raise DataIntegrityError(
            f"{path}: not a price cache file (no '# sha256:' checksum line); delete a damaged "
            "cache file and fetch the prices again, or remove the lines starting with '#' from "
            "a price CSV of your own"
        )
    if meta.get("format", FORMAT) != FORMAT:
        raise DataIntegrityError(
            f"{path}: a cache file of format {shown(meta['format'])}, which this version of "
            f"eventstudy cannot check; update eventstudy, or {REFETCH}"
        )
    header = "".join(line for line in text[: len(text) - len(body)].splitlines(keepends=True)
                     if not line.startswith("# sha256:"))
    checked = header + body if "format" in meta else body
    if hashlib.sha256(checked.encode()).hexdigest() != meta["sha256"]:
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
