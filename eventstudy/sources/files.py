"""Prices from a user's files: CSV or parquet, one file or a folder of them.

A file may hold any shape :mod:`eventstudy.sources.shapes` recognises: one security's
prices (its ticker is then the file name without extension, e.g. ``1810.HK.csv``), a
long or wide table of several, or what yfinance wrote: ``yfinance.download(...)
.to_csv()`` produces a CSV with a two-row header (``Price,...`` and ``Ticker,...``)
followed by a ``Date`` row, which is read as such. A cache file of
:mod:`eventstudy.sources.cache` (leading ``# key: value`` lines) is read too, after
its checksum is checked.

A folder holds one file per ticker, named after it (``^HSI.csv``, ``1810.HK.parquet``);
only the files of the tickers a study asks for are read. Parquet needs ``pyarrow``
(``pip install 'policy-eventstudy[parquet]'``).

Reading never fails with a traceback: a file that is not UTF-8 text, not a table,
empty, or not parquet is a :class:`~eventstudy.errors.PriceDataError` naming it.
CSV text is UTF-8 (a byte-order mark is accepted); only empty cells are missing
values. Errors about a row name the file, its line, the ticker and the date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import unquote

import pandas as pd

from ..errors import DataIntegrityError, PriceDataError
from .cache import read_cache_text
from .readers import read_csv_text, read_parquet, read_text
from .shapes import RawTable, raw_table
from .source import PerTickerSource, TableSource
from .table import PriceTable
from .validate import validate

CSV_SUFFIXES = (".csv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES
YFINANCE_HEADER_LABELS = {"price", "ticker"}


def read_price_file(path: str | Path) -> RawTable:
    """The raw rows of one CSV or parquet price file.

    Raises
    ------
    PriceDataError
        If the file cannot be read, is empty or has no recognisable layout; the
        message names the file and lists the columns found.
    """
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise PriceDataError(f"{path}: unsupported file type; use one of {', '.join(SUFFIXES)}")
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            return raw_table(read_parquet(path), ticker=path.stem, first_line=None)
        return _read_csv(path)
    except PriceDataError as exc:
        raise _in_file(exc, path) from exc


def _read_csv(path: Path) -> RawTable:
    text = read_text(path)
    if text.startswith("#"):
        meta, body = read_cache_text(text, path)
        table = read_csv_text(body, path)
        header = text.count("\n", 0, len(text) - len(body)) + 1
        return _with_lines(raw_table(table, meta.get("ticker", path.stem), header + 1), path,
                           text)
    if not text.strip():
        raise PriceDataError(f"{path}: the file is empty")
    head = text.split("\n", 2)[:2]
    labels = {line.split(",", 1)[0].strip().strip('"').lower() for line in head}
    if labels == YFINANCE_HEADER_LABELS:
        table = read_csv_text(text, path, header=[0, 1], index_col=0)
        return _with_lines(raw_table(table, path.stem, first_line=4), path, text)
    table = read_csv_text(text, path)
    if table.shape[0] == 0:
        raise PriceDataError(f"{path}: the price table is empty")
    return _with_lines(raw_table(table, path.stem, first_line=2), path, text)


def _with_lines(raw: RawTable, path: Path, text: str) -> RawTable:
    """Exact line numbers when blank lines (which pandas skips) break the row-line order."""
    if "\n\n" in text or "\n\r\n" in text:
        raw.line_of = _line_counter(path, raw.first_line)
    return raw


def _line_counter(path: Path, first_line: int) -> Callable[[int], int]:
    """``row -> line``, counting non-blank lines; the file is read again only on error."""

    def line_of(row: int) -> int:
        seen = -first_line  # header lines are not rows
        for number, line in enumerate(read_text(path).splitlines(), start=1):
            seen += bool(line.strip())
            if seen == row:
                return number
        return first_line + row

    return line_of


def _in_file(exc: PriceDataError, path: Path) -> PriceDataError:
    """The error with the file (and line) named first."""
    where = f"{path} line {exc.line}" if exc.line is not None else str(path)
    message = str(exc)
    if message.startswith(str(path)):
        return exc
    return PriceDataError(f"{where}: {message}", exc.line)


class FilePrices(PerTickerSource):
    """Prices from a CSV or parquet file, or from a folder of one file per ticker.

    Parameters
    ----------
    path : str or Path
        A file (see :func:`read_price_file`) or a folder of ``<TICKER>.csv`` /
        ``<TICKER>.parquet`` files.

    Notes
    -----
    A file is read and validated when the source is made; a folder's files when their
    ticker is first asked for. Errors name the file (and line).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        if not self.path.exists():
            raise PriceDataError(f"{self.path}: no such file or folder")
        self._files: dict[str, Path] = {}
        self._whole: PriceTable | None = None
        if self.path.is_dir():
            self._files = _ticker_files(self.path)
        else:
            self._whole = _validated(read_price_file(self.path), self.path)

    def __repr__(self) -> str:
        return f"FilePrices({str(self.path)!r})"

    def tickers(self) -> tuple[str, ...]:
        if self._whole is not None:
            return tuple(self._whole.tickers.tolist())
        return tuple(self._files)

    def table(self, tickers: Sequence[str]) -> PriceTable:
        if self._whole is None:
            return super().table(tickers)
        return TableSource(self._whole, repr(self)).table(tickers)

    def load(self, ticker: str) -> PriceTable:
        path = self._files[ticker]
        raw = read_price_file(path)
        found = sorted({str(t).strip() for t in pd.unique(pd.Series(raw.ticker, copy=False))})
        if found != [ticker]:
            raise PriceDataError(
                f"{path}: holds prices of {found}, not of {ticker!r} only; a price folder holds "
                "one file per ticker, named after it"
            )
        return _validated(raw, path)


def _validated(raw: RawTable, path: Path) -> PriceTable:
    try:
        return validate(raw)
    except PriceDataError as exc:
        raise _in_file(exc, path) from exc
    except DataIntegrityError:
        raise


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
