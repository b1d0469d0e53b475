"""Daily Fama-French and momentum factors from Kenneth French's data library, on request.

French publishes each factor set as a zip file holding one CSV (a few lines of text, a
header line starting with a comma, ``YYYYMMDD`` rows in percent, a copyright line) at
:data:`FRENCH_URL` ``+ <name>_CSV.zip``. The daily sets served here, by region, as
three factors (``ff3``), five factors (``ff5``) and momentum (``mom``)
(:data:`FRENCH_FILES`):

- ``us``: ``F-F_Research_Data_Factors_daily``, ``F-F_Research_Data_5_Factors_2x3_daily``,
  ``F-F_Momentum_Factor_daily``;
- ``developed``: ``Developed_3_Factors_Daily``, ``Developed_5_Factors_Daily``,
  ``Developed_Mom_Factor_Daily``;
- ``asia_pacific`` (Asia Pacific ex Japan): ``Asia_Pacific_ex_Japan_3_Factors_Daily``,
  ``Asia_Pacific_ex_Japan_5_Factors_Daily``, ``Asia_Pacific_ex_Japan_MOM_Factor_Daily``.

The international sets are computed from US-dollar returns, with the US one-month
Treasury bill as ``rf``, on weekdays; Hong Kong is in Asia Pacific ex Japan.

Every download goes through :func:`download_bytes`, the one function that reaches the
network (plain :mod:`urllib`). The zip's CSV is read by
:func:`~eventstudy.sources.factors.read_french_text` (percent to fractions, ``-99.99``
missing) and kept in the cache as prices are (:mod:`eventstudy.sources.cache`):
``<cache>/french/<name>.csv``, a few ``# key: value`` lines and a plain CSV of
fractions, the SHA-256 of both on the last header line, written through a temporary
file and ``os.replace`` while the file's lock is held
(``eventstudy.sources.locks``). A refresh replaces the file only with a complete,
valid download that covers every cached date (values French revised are replaced and
counted); anything else leaves the cache as it was and the report says why.

:func:`fetch_factors` (``eventstudy fetch-factors``) refreshes the cache and reports;
:func:`french_factors` gives a study its factor table from the cache, downloading what
is not cached. When French's site cannot be reached (or ``EVENTSTUDY_OFFLINE=1``) the
cached factors are used with a :class:`~eventstudy.errors.FactorSourceWarning`, and the
same note travels into the results' diagnostics (``factor_fallback``). A cache file
can also be given to ``run --factors`` and :func:`~eventstudy.sources.factors.read_factors`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import (
    CacheLockedError,
    DataIntegrityError,
    EventStudyError,
    FactorSourceError,
    FactorSourceWarning,
    PriceDataError,
    SpecificationError,
)
from .cache import atomic_write, default_cache_dir, split_header
from .factors import _without_repeats, read_french_text, validate_factors
from .locks import locked
from .readers import read_csv_text, shown
from .table import NOTES

FRENCH_URL = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/"
FRENCH_FILES: dict[tuple[str, str], str] = {
    ("us", "ff3"): "F-F_Research_Data_Factors_daily",
    ("us", "ff5"): "F-F_Research_Data_5_Factors_2x3_daily",
    ("us", "mom"): "F-F_Momentum_Factor_daily",
    ("developed", "ff3"): "Developed_3_Factors_Daily",
    ("developed", "ff5"): "Developed_5_Factors_Daily",
    ("developed", "mom"): "Developed_Mom_Factor_Daily",
    ("asia_pacific", "ff3"): "Asia_Pacific_ex_Japan_3_Factors_Daily",
    ("asia_pacific", "ff5"): "Asia_Pacific_ex_Japan_5_Factors_Daily",
    ("asia_pacific", "mom"): "Asia_Pacific_ex_Japan_MOM_Factor_Daily",
}
REGIONS = ("us", "developed", "asia_pacific")
SETS = ("ff3", "ff5", "mom")
# The sets each factor model needs (see eventstudy.core.models.FACTOR_SETS).
MODEL_SETS = {"ff3": ("ff3",), "carhart": ("ff3", "mom"), "ff5": ("ff5",),
              "ff5_mom": ("ff5", "mom")}
SOURCE = "french"
FORMAT = "1"
KIND = "factor cache"  # the first header line's value: what read_factors recognises
TIMEOUT = 60.0  # seconds per download
MAX_BYTES = 64 << 20  # the largest daily file is about 1 MB zipped; more is not French's
# French updates the library about monthly, weeks after the month's end: a cache whose
# rows end before the days a study needs is downloaded again at most this often.
REFRESH_AFTER = dt.timedelta(days=1)
# Two downloads of one value (rounded to 1e-4 percent in the files) count as the same
# value within this absolute tolerance, in fractions.
REVISION_ATOL = 1e-12
USER_AGENT = "Mozilla/5.0 (compatible; eventstudy factor download)"
OFFLINE_ENV = "EVENTSTUDY_OFFLINE"
REFETCH = "delete the file and fetch the factors again (eventstudy fetch-factors)"


def french_url(region: str, dataset: str) -> str:
    """The URL of a daily factor set, e.g. ``french_url("us", "ff3")``."""
    return f"{FRENCH_URL}{_file(region, dataset)}_CSV.zip"


def _file(region: str, dataset: str) -> str:
    if region not in REGIONS:
        raise SpecificationError(f"unknown factor region {region!r}; choose one of {REGIONS}")
    if dataset not in SETS:
        raise SpecificationError(f"unknown factor set {dataset!r}; choose one of {SETS}")
    return FRENCH_FILES[region, dataset]


def download_bytes(url: str, timeout: float = TIMEOUT) -> bytes:
    """The body of a successful GET of ``url``: the one call that reaches the network.

    Raises
    ------
    OSError
        ``urllib.error.URLError`` and ``HTTPError`` (an ``OSError``) for a network
        failure or an HTTP error status, ``TimeoutError``; :func:`fetch_factors`
        reports them.
    FactorSourceError
        For a body over :data:`MAX_BYTES`.
    """
    import urllib.request  # (only when downloading)

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise FactorSourceError(f"{url}: more than {MAX_BYTES >> 20} MB; not a factor file")
    return data


def read_french_zip(data: bytes, where: str) -> pd.DataFrame:
    """The factors (fractions) of a zip file of French's library holding one CSV.

    Raises
    ------
    PriceDataError
        Naming ``where``, for bytes that are not a zip file (an HTML error page), a zip
        without exactly one CSV, a damaged member, or a CSV the French reader refuses.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if len(members) != 1:
                raise PriceDataError(
                    f"{where}: the zip file holds {len(members)} CSV files "
                    f"({', '.join(archive.namelist()) or 'none'}), not one"
                )
            raw = archive.read(members[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        if isinstance(exc, PriceDataError):
            raise
        head = data[:60].decode("latin-1", errors="replace").strip()
        raise PriceDataError(
            f"{where}: not a zip file ({exc}; it begins {shown(head)})"
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # French's older files are Latin-1
    if "\0" in text:
        raise PriceDataError(f"{where}: {members[0]} is not a text table (it holds NUL bytes)")
    return read_french_text(text, f"{where} ({members[0]})")


def download_french(region: str, dataset: str, timeout: float = TIMEOUT) -> pd.DataFrame:
    """Download and read one daily factor set (no cache), e.g. ``("us", "mom")``."""
    url = french_url(region, dataset)
    return read_french_zip(download_bytes(url, timeout), url)


# ----- the cache -----------------------------------------------------------------------------
@dataclass(frozen=True)
class FactorEntry:
    """A cached factor set: its factors (fractions, indexed by date) and header fields."""

    region: str
    dataset: str
    frame: pd.DataFrame
    fetched: str
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def span(self) -> str:
        """``first..last`` date of the cached rows."""
        return f"{self.frame.index[0].date()}..{self.frame.index[-1].date()}"

    def age(self) -> dt.timedelta:
        """Time since the download was written (infinite when unknown)."""
        try:
            when = dt.datetime.fromisoformat(self.fetched)
        except ValueError:
            return dt.timedelta.max
        return dt.datetime.now(dt.UTC) - when


class FactorCache:
    """The cached daily factor sets of French's library.

    Parameters
    ----------
    folder : path, optional
        The cache root, shared with the price cache; ``EVENTSTUDY_CACHE`` or the user
        cache folder by default (:func:`~eventstudy.sources.cache.default_cache_dir`).
    """

    def __init__(self, folder: str | Path | None = None) -> None:
        self.root = default_cache_dir() if folder is None else Path(folder).expanduser()
        self.folder = self.root / SOURCE

    def __repr__(self) -> str:
        return f"FactorCache({str(self.folder)!r})"

    def path(self, region: str, dataset: str) -> Path:
        """The file of a factor set: ``<cache>/french/<French's name>.csv``."""
        return self.folder / f"{_file(region, dataset)}.csv"

    def read(self, region: str, dataset: str) -> FactorEntry | None:
        """The cached set, or None if there is none.

        Raises
        ------
        DataIntegrityError
            If the file does not match its checksum or row count, or its header names
            another set (a copied file), or its table is damaged.
        """
        path = self.path(region, dataset)
        if not path.is_file():
            return None
        meta, frame = read_factor_cache_file(path)
        for key, value in (("region", region), ("dataset", dataset)):
            if meta.get(key) != value:
                raise DataIntegrityError(
                    f"{path}: its '# {key}:' line says {shown(meta.get(key, ''))}, not "
                    f"{value!r}: the file belongs elsewhere; {REFETCH}"
                )
        return FactorEntry(region, dataset, frame, meta.get("fetched", ""), meta)

    def write(self, region: str, dataset: str, frame: pd.DataFrame, url: str) -> Path:
        """Atomically replace the file of a set with ``frame`` (fractions by date)."""
        table = frame.copy()
        table.index = table.index.strftime("%Y-%m-%d").rename("date")
        body = table.to_csv(lineterminator="\n")  # floats round-trip exactly
        meta = {
            "eventstudy": KIND,
            "format": FORMAT,
            "source": SOURCE,
            "region": region,
            "dataset": dataset,
            "url": url,
            "units": "fractions per day",
            "fetched": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "rows": str(len(frame)),
        }
        header = "".join(f"# {key}: {value}\n" for key, value in meta.items())
        digest = hashlib.sha256((header + body).encode()).hexdigest()
        path = self.path(region, dataset)
        atomic_write(path, f"{header}# sha256: {digest}\n{body}".encode())
        return path


def is_factor_cache(text: str) -> bool:
    """Whether a file's text is a factor cache file (its first line says so)."""
    return text.startswith(f"# eventstudy: {KIND}\n")


def read_factor_cache_file(path: Path) -> tuple[dict[str, str], pd.DataFrame]:
    """Header fields and factors of a cache file, after checking its checksum and rows.

    Raises
    ------
    DataIntegrityError
        If the file is not text, lacks its checksum line, does not match it, or its
        table is damaged or holds another number of rows than its header says.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataIntegrityError(f"{path}: cannot read the factor cache file ({exc}); "
                                 f"{REFETCH}") from exc
    return read_factor_cache_text(text, path)


def read_factor_cache_text(text: str, path: Path | str) -> tuple[dict[str, str], pd.DataFrame]:
    """:func:`read_factor_cache_file` of a file's text."""
    meta, body = split_header(text)
    if "sha256" not in meta or meta.get("eventstudy") != KIND:
        raise DataIntegrityError(
            f"{path}: not a factor cache file (no '# eventstudy: {KIND}' and '# sha256:' "
            f"lines); {REFETCH}"
        )
    if meta.get("format") != FORMAT:
        raise DataIntegrityError(
            f"{path}: a factor cache file of format {shown(meta.get('format', ''))}, which this "
            f"version of eventstudy cannot read; update eventstudy, or {REFETCH}"
        )
    header = "".join(line for line in text[: len(text) - len(body)].splitlines(keepends=True)
                     if not line.startswith("# sha256:"))
    if hashlib.sha256((header + body).encode()).hexdigest() != meta["sha256"]:
        raise DataIntegrityError(
            f"{path}: the cached factors do not match their checksum (the file was edited or "
            f"damaged); {REFETCH}"
        )
    try:
        frame = validate_factors(read_csv_text(body, Path(path), DataIntegrityError), str(path))
    except (PriceDataError, DataIntegrityError) as exc:
        raise DataIntegrityError(f"{path}: the cached factors are damaged ({exc}); "
                                 f"{REFETCH}") from exc
    if str(len(frame)) != meta.get("rows"):
        raise DataIntegrityError(f"{path}: {len(frame)} rows, the header says "
                                 f"{shown(meta.get('rows', ''))}; {REFETCH}")
    return meta, frame


# ----- refreshing ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FactorReport:
    """What one refresh of one factor set did.

    Attributes
    ----------
    status : str
        ``created``, ``updated`` or ``unchanged`` (success), or ``failed`` or
        ``conflict`` (the cache was left as it was).
    rows, added : int
        Rows in the cache afterwards, and rows the cache did not have.
    revised : int
        Values on cached dates that the download changed (French revises history).
    message : str
        Why a refresh failed.
    """

    region: str
    dataset: str
    path: Path
    status: str
    rows: int = 0
    span: str = ""
    added: int = 0
    revised: int = 0
    message: str = ""

    @property
    def ok(self) -> bool:
        """Whether the cache now holds the download."""
        return self.status in ("created", "updated", "unchanged")

    def __str__(self) -> str:
        name = f"{self.region} {self.dataset}"
        held = f"{self.rows} rows ({self.span})" if self.rows else "nothing cached"
        if not self.ok:
            return f"{name}: {self.status}: {self.message}; the cache keeps {held}"
        return (f"{name}: {self.status}, {held}; {self.added} rows added, {self.revised} "
                f"values revised [{self.path}]")


def refresh_factors(cache: FactorCache, region: str, dataset: str,
                    timeout: float = TIMEOUT) -> FactorReport:
    """Download one set and, if it is complete and valid, write it to the cache.

    The file's lock is held from reading the cache to writing it. A download that
    fails, cannot be read, or lacks cached dates (a file cut short) leaves the cache
    as it was; every failure is a report, never an exception.
    """
    path = cache.path(region, dataset)
    try:
        with locked(path):
            return _refresh(cache, region, dataset, timeout)
    except (DataIntegrityError, CacheLockedError) as exc:
        return FactorReport(region, dataset, path, "failed", message=str(exc))


def _refresh(cache: FactorCache, region: str, dataset: str, timeout: float) -> FactorReport:
    path = cache.path(region, dataset)
    entry = cache.read(region, dataset)
    held = (0, "") if entry is None else (len(entry.frame), entry.span)
    url = french_url(region, dataset)
    try:
        new = read_french_zip(download_bytes(url, timeout), url)
    except EventStudyError as exc:
        return FactorReport(region, dataset, path, "failed", *held,
                            message=f"invalid download: {exc}")
    except Exception as exc:  # any failure of the network call is reported, not raised
        return FactorReport(region, dataset, path, "failed", *held,
                            message=f"{type(exc).__name__}: {exc}")
    if entry is None:
        written = cache.write(region, dataset, new, url)
        return FactorReport(region, dataset, written, "created", len(new), _span(new),
                            len(new))
    old = entry.frame
    lost = old.index.difference(new.index)
    if len(lost) or list(new.columns) != list(old.columns):
        what = (f"lacks {len(lost)} cached dates (e.g. {lost[0].date()})" if len(lost) else
                f"has the columns {list(new.columns)}, the cache {list(old.columns)}")
        return FactorReport(region, dataset, path, "conflict", *held,
                            message=f"the download ({_span(new)}) {what}: not written")
    common = old.index
    a, b = old.to_numpy(), new.loc[common, old.columns].to_numpy()
    revised = int((~np.isclose(a, b, rtol=0, atol=REVISION_ATOL, equal_nan=True)).sum())
    added = len(new.index.difference(old.index))
    status = "updated" if added or revised else "unchanged"
    written = cache.write(region, dataset, new, url)  # (also renews its fetch time)
    return FactorReport(region, dataset, written, status, len(new), _span(new), added,
                        revised)


def _span(frame: pd.DataFrame) -> str:
    return f"{frame.index[0].date()}..{frame.index[-1].date()}"


def _datasets(factors: str | Sequence[str]) -> tuple[str, ...]:
    """The sets a model name (``"carhart"``) or a list of sets (``["ff5", "mom"]``) needs."""
    if isinstance(factors, str):
        if factors in MODEL_SETS:
            return MODEL_SETS[factors]
        if factors in SETS:
            return (factors,)
        raise SpecificationError(
            f"unknown factors {factors!r}; give a model ({', '.join(MODEL_SETS)}) or sets "
            f"({', '.join(SETS)})"
        )
    names = list(factors)
    for name in names:
        if name not in SETS:
            raise SpecificationError(f"unknown factor set {name!r}; choose from {SETS}")
    if not names:
        raise SpecificationError(f"no factor set given; choose from {SETS}")
    return tuple(dict.fromkeys(names))


def fetch_factors(
    region: str = "us",
    factors: str | Sequence[str] = "carhart",
    cache_dir: str | Path | None = None,
    timeout: float = TIMEOUT,
) -> list[FactorReport]:
    """Download factor sets from French's library into the cache and report.

    Parameters
    ----------
    region : {"us", "developed", "asia_pacific"}
    factors : str or sequence of str
        A factor model (``"ff3"``, ``"carhart"``, ``"ff5"``, ``"ff5_mom"``) or sets
        (``["ff3", "mom"]``).
    cache_dir : path, optional
        Cache root (see :func:`~eventstudy.sources.cache.default_cache_dir`).

    Returns
    -------
    list of FactorReport
        One per set; a failed download leaves that set's cache as it was.
    """
    cache = FactorCache(cache_dir)
    return [refresh_factors(cache, region, name, timeout) for name in _datasets(factors)]


def french_factors(
    factors: str | Sequence[str] = "carhart",
    region: str = "us",
    cache_dir: str | Path | None = None,
    *,
    end: dt.date | str | None = None,
    refresh: bool = False,
    offline: bool | None = None,
    timeout: float = TIMEOUT,
) -> pd.DataFrame:
    """The daily factor table of a study, from the cache or downloaded from French.

    Parameters
    ----------
    factors : str or sequence of str
        A factor model (``"ff3"``, ``"carhart"``, ``"ff5"``, ``"ff5_mom"``) or sets.
    region : {"us", "developed", "asia_pacific"}
        Use the securities' own region (Hong Kong: ``"asia_pacific"``).
    cache_dir : path, optional
        Cache root (see :func:`~eventstudy.sources.cache.default_cache_dir`).
    end : date or ISO string, optional
        The last day the study needs: a cached set ending before it is downloaded
        again, at most once a day (:data:`REFRESH_AFTER`; French publishes monthly,
        weeks later).
    refresh : bool
        Download every set again.
    offline : bool, optional
        Never download; default: whether ``EVENTSTUDY_OFFLINE`` is ``1``/``true``/``yes``.

    Returns
    -------
    DataFrame
        Indexed by date, columns ``mkt_rf, smb, hml`` (``rmw, cma``), ``mom``, ``rf``
        in fractions, for ``EventStudy(..., factors=...)``.

    Raises
    ------
    FactorSourceError
        If a set is neither cached nor downloadable (the message says why).

    Warns
    -----
    FactorSourceWarning
        When a download was needed but failed (or offline) and the cache was used;
        the same note is kept in the table's ``attrs`` and becomes a
        ``factor_fallback`` diagnostic of the study that uses it.
    """
    names = _datasets(factors)
    last = None if end is None else pd.Timestamp(end)
    offline = _offline_default() if offline is None else bool(offline)
    cache = FactorCache(cache_dir)
    frames, notes = [], []
    for name in names:
        frame, note = _one_set(cache, region, name, last, refresh, offline, timeout)
        frames.append(frame)
        notes += [note] if note else []
    paths = [cache.path(region, name) for name in names]
    joined = pd.concat(_without_repeats(frames, paths), axis=1, join="outer").sort_index()
    table = validate_factors(joined, f"French factors ({region}: {', '.join(names)})")
    if notes:
        table.attrs[NOTES] = [("factor_fallback", note) for note in notes]
    return table


def _one_set(cache, region, name, last, refresh, offline, timeout) -> tuple[pd.DataFrame, str]:
    """One set's factors and, if the cache stood in for a needed download, why."""
    path = cache.path(region, name)
    entry = cache.read(region, name)
    short = entry is not None and last is not None and entry.frame.index[-1] < last
    needed = entry is None or refresh or (short and entry.age() > REFRESH_AFTER)
    if not needed:
        return entry.frame, ""
    if offline:
        reason = "offline (EVENTSTUDY_OFFLINE or offline=True)"
    else:
        report = refresh_factors(cache, region, name, timeout)
        if report.ok:
            return cache.read(region, name).frame, ""
        reason = f"{report.status}: {report.message}"
    if entry is None:
        raise FactorSourceError(
            f"no {region} {name} factors: French's data library could not provide them "
            f"({reason}) and nothing is cached at {path}"
        )
    message = (f"French {region} {name} factors could not be downloaded ({reason}); using the "
               f"cached factors {entry.span} fetched {entry.fetched} ({path})")
    warnings.warn(message, FactorSourceWarning, stacklevel=3)
    return entry.frame, message


def _offline_default() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes")
