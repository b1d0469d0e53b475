"""Prices from a user's files: CSV or parquet, one file or a folder of them.

A file may hold any shape :mod:`eventstudy.tables` recognises: one security's prices
(its ticker is then the file name without extension, e.g. ``1810.HK.csv``), a long or
wide table of several, or what yfinance wrote: ``yfinance.download(...).to_csv()``
produces a CSV with a two-row header (``Price,...`` and ``Ticker,...``) followed by
a ``Date`` row, which is read as such. A cache file of :mod:`eventstudy.cache`
(leading ``# key: value`` lines) is read too, after its checksum is checked.

A folder holds one file per ticker, named after it (``^HSI.csv``, ``1810.HK.parquet``);
only the files of the tickers a study asks for are read. Parquet needs ``pyarrow``
(``pip install 'eventstudy[parquet]'``).

Errors name the file; price validation adds the ticker, date and problem.
"""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path
from urllib.parse import unquote

import pandas as pd

from .cache import read_cache_file
from .errors import PriceDataError
from .prices import PriceSource, validate_prices
from .tables import split_table

CSV_SUFFIXES = (".csv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES
YFINANCE_HEADER_LABELS = {"price", "ticker"}


def read_price_file(path: str | Path) -> dict[str, pd.DataFrame]:
    """Raw price tables by ticker from one CSV or parquet file.

    Raises
    ------
    PriceDataError
        If the file cannot be read, is empty or has no recognisable layout; the
        message names the file and lists the columns found.
    """
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise PriceDataError(f"{path}: unsupported file type; use one of {', '.join(SUFFIXES)}")
    if path.suffix.lower() in PARQUET_SUFFIXES:
        table, ticker = _read_parquet(path), path.stem
    else:
        table, ticker = _read_csv(path)
    return split_table(table, ticker=ticker, where=str(path))


def _read_csv(path: Path) -> tuple[pd.DataFrame, str]:
    """The table and the ticker its file stands for (cache files record theirs)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PriceDataError(f"{path}: cannot read the file ({exc})") from exc
    if text.startswith("#"):
        meta, table = read_cache_file(path)
        return table, meta.get("ticker", path.stem)
    if not text.strip():
        raise PriceDataError(f"{path}: the file is empty")
    first_rows = itertools.islice(csv.reader(io.StringIO(text)), 2)
    labels = {row[0].strip().lower() if row else "" for row in first_rows}
    try:
        if labels == YFINANCE_HEADER_LABELS:
            return pd.read_csv(io.StringIO(text), header=[0, 1], index_col=0), path.stem
        return pd.read_csv(io.StringIO(text)), path.stem
    except (ValueError, pd.errors.ParserError) as exc:
        raise PriceDataError(f"{path}: not a readable CSV table ({exc})") from exc


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except ImportError as exc:
        raise PriceDataError(
            f"{path}: reading parquet files needs pyarrow: pip install 'eventstudy[parquet]'"
        ) from exc
    except (OSError, ValueError) as exc:
        raise PriceDataError(f"{path}: not a readable parquet file ({exc})") from exc


class FilePrices(PriceSource):
    """Prices from a CSV or parquet file, or from a folder of one file per ticker.

    Parameters
    ----------
    path : str or Path
        A file (see :func:`read_price_file`) or a folder of ``<TICKER>.csv`` /
        ``<TICKER>.parquet`` files.

    Notes
    -----
    A file is read when the source is created; a folder's files when their ticker
    is first asked for. Each ticker is validated once, on first use, and errors are
    prefixed with the file's path.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        if not self.path.exists():
            raise PriceDataError(f"{self.path}: no such file or folder")
        self._raw: dict[str, pd.DataFrame] = {}
        self._files: dict[str, Path] = {}
        if self.path.is_dir():
            self._files = _ticker_files(self.path)
        else:
            self._raw = read_price_file(self.path)
        self._frames: dict[str, pd.DataFrame] = {}

    def __repr__(self) -> str:
        return f"FilePrices({str(self.path)!r})"

    def tickers(self) -> tuple[str, ...]:
        return tuple(self._files) if self._files else tuple(self._raw)

    def get(self, ticker: str) -> pd.DataFrame:
        if ticker not in self._frames:
            raw, where = self._raw_frame(ticker)
            try:
                self._frames[ticker] = validate_prices(raw, ticker)
            except PriceDataError as exc:
                raise PriceDataError(f"{where}: {exc}") from exc
        return self._frames[ticker]

    def _raw_frame(self, ticker: str) -> tuple[pd.DataFrame, Path]:
        if ticker not in self.tickers():
            raise self._unknown(ticker)
        if not self._files:
            return self._raw[ticker], self.path
        path = self._files[ticker]
        found = read_price_file(path)
        if ticker not in found or len(found) > 1:
            raise PriceDataError(
                f"{path}: holds prices of {sorted(found)}, not of {ticker!r} only; a price "
                "folder holds one file per ticker, named after it"
            )
        return found[ticker], path


def _ticker_files(folder: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in SUFFIXES:
            continue
        ticker = unquote(path.stem)  # the cache %-escapes characters unsafe in file names
        if ticker in files:
            raise PriceDataError(
                f"{folder}: two files for ticker {ticker!r} ({files[ticker].name}, "
                f"{path.name}); keep one"
            )
        files[ticker] = path
    if not files:
        raise PriceDataError(
            f"{folder}: no price files ({', '.join(SUFFIXES)}) in the folder"
        )
    return files
