"""Reading files that may be hostile: one clear error naming the file, never a traceback.

Every reader of the package (price files, return tables, event catalogs, factor
files, the cache) goes through these functions. Text must be UTF-8 (a byte-order
mark is accepted); a file that is not, that holds NUL bytes, that pandas cannot
parse, a parquet file given as text, or a parquet file that is not one or holds
lists or structures instead of values, raises the caller's error type with the
file's path and a one-line reason. Cells of any size are read (pandas' C parser has
no field limit, unlike Python's csv module); messages show them cut short.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import PriceDataError

PARQUET_MAGIC = b"PAR1"  # the first (and last) four bytes of every parquet file
BOM = b"\xef\xbb\xbf"


def read_text(path: Path, error: type[Exception] = PriceDataError, latin1: bool = False) -> str:
    """A file's text as UTF-8 (a byte-order mark is dropped), or one clear error.

    With ``latin1``, a file that is not UTF-8 is read as Latin-1 instead, as older
    copies of Ken French's factor files need (every byte is a Latin-1 character).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    if data.startswith(PARQUET_MAGIC):
        raise error(f"{path}: is a parquet file, not CSV text; give it the suffix .parquet")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if latin1:
            return data.removeprefix(BOM).decode("latin-1")
        raise error(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8 CSV"
        ) from exc


def read_csv_text(text: str, path: Path, error: type[Exception] = PriceDataError,
                  **options) -> pd.DataFrame:
    """A CSV table from text; malformed text is one clear error naming the file.

    Only empty cells are missing values: a cell reading ``n/a`` or ``NULL`` is text,
    which the checks then refuse where a number is expected. No cell of a price,
    return or factor table holds a line break: one that does is a quote left open.
    A header naming a column twice (``close,close``) is refused: pandas would rename
    the second ``close.1``, which no reader uses, and drop it without a word.
    """
    if "\0" in text:
        raise error(f"{path}: not a text table (it holds NUL bytes)")
    try:
        frame = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""],
                            **options)
        if "header" not in options:
            check_header(_header_labels(text), path, error)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError, IndexError) as exc:
        if isinstance(exc, error):
            raise
        raise error(f"{path}: not a readable CSV table ({first_line(exc)})") from exc
    if '"' in text:  # only a quoted cell can hold a line break
        _check_line_breaks(frame, path, error)
    return frame


def _header_labels(text: str) -> list[str]:
    """The header's labels as written (pandas renames repeats ``x.1``, ``x.2``)."""
    head = pd.read_csv(io.StringIO(text), header=None, nrows=1, dtype=str,
                       keep_default_na=False)
    return [str(label) for label in head.iloc[0].tolist()] if len(head) else []


def check_header(labels: list, path: Path | str, error: type[Exception]) -> None:
    """Refuse a header that names one column twice (compared stripped, ignoring case)."""
    seen: dict[str, int] = {}
    for j, label in enumerate(labels):
        key = str(label).strip().lower()
        if key in seen and key:
            raise error(
                f"{path}: the header names column {shown(str(label).strip())} twice (columns "
                f"{seen[key] + 1} and {j + 1}); keep one, or name them apart"
            )
        seen[key] = j


def _check_line_breaks(frame: pd.DataFrame, path: Path, error: type[Exception]) -> None:
    """A quote left open takes the following lines into one cell, where rows vanish."""
    labels = [*frame.columns.to_flat_index(), *frame.index.names]
    parts = [part for name in labels for part in (name if isinstance(name, tuple) else (name,))]
    for label in parts:  # a yfinance header's labels are (field, ticker) pairs
        if "\n" in str(label) or "\r" in str(label):
            raise error(f"{path}: the header {shown(label)} holds a line break; check the "
                        "file's quotes (one left open takes in the lines after it)")
    columns = [frame.index.to_series(), *(column for _, column in frame.items())]
    for column in columns:
        if column.dtype.kind in "iufbM":
            continue
        text = column.astype(str).str
        broken = (text.contains("\n", regex=False) | text.contains("\r", regex=False)).to_numpy()
        if broken.any():  # (plain searches: four times as fast as a regular expression)
            i = int(broken.argmax())
            raise error(f"{path}: data row {i + 1} holds a line break in {shown(column.iloc[i])}; "
                        "check the file's quotes (one left open takes in the lines after it)")


def shown(value: object, limit: int = 60) -> str:
    """A cell as a message shows it: its repr, cut short (a hostile cell may hold 140 kB)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(str(value)):,} characters)"


def first_line(exc: Exception) -> str:
    """The first line of an exception's message (what a one-line error can show)."""
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def read_parquet(path: Path, error: type[Exception] = PriceDataError) -> pd.DataFrame:
    """A parquet table, or one clear error naming the file."""
    try:
        import pyarrow  # noqa: F401  (pandas' parquet engine)
    except ImportError as exc:
        raise error(
            f"{path}: reading parquet files needs pyarrow: pip install 'policy-eventstudy[parquet]'"
        ) from exc
    from pyarrow import ArrowException

    try:
        frame = pd.read_parquet(path)
    # KeyError: pyarrow rebuilding the frame from damaged pandas metadata in the footer.
    except (OSError, ValueError, TypeError, KeyError, ArrowException) as exc:
        raise error(f"{path}: {_parquet_problem(path, exc)}") from exc
    nested = next((label for label, column in frame.items() if _holds_containers(column)), None)
    if nested is not None:
        raise error(f"{path}: column {shown(nested)} holds lists or structures, not one "
                    "number, date or text per cell")
    damaged = damaged_text(frame)
    if damaged is not None:
        raise error(f"{path}: column {shown(damaged)} holds text that is not UTF-8; the file "
                    "is damaged")
    return frame


def _parquet_problem(path: Path, exc: Exception) -> str:
    """Why pyarrow could not read a file, said for a person (its own message names the path)."""
    try:
        with path.open("rb") as file:
            head = file.read(len(PARQUET_MAGIC))
    except OSError as error:  # missing, a folder, no permission
        return f"cannot read the file ({error.strerror or error})"
    if not head:
        return "the file is empty"
    if head != PARQUET_MAGIC:
        return "not a parquet file (parquet files start with PAR1; if it is CSV, name it .csv)"
    return f"not a readable parquet file ({first_line(exc).replace(str(path), 'the file')})"


def damaged_text(frame: pd.DataFrame) -> object | None:
    """The label of the first Arrow-backed column whose text is not UTF-8, or None.

    pyarrow checks text when a value is used, not when a parquet file is read: a damaged
    string would otherwise surface as a UnicodeDecodeError or ArrowException deep in
    the checks. About 40 ms for 10 million cells.
    """
    from pyarrow import ArrowInvalid, array

    for label, column in frame.items():
        values = column.array
        if isinstance(column.dtype, pd.CategoricalDtype):
            values = column.cat.categories.array
        if not hasattr(values, "__arrow_array__"):
            continue
        try:
            array(values).validate(full=True)
        except ArrowInvalid:
            return label
    return None


def _holds_containers(column: pd.Series) -> bool:
    """Whether an object column holds lists, arrays or dicts (Arrow's nested types).

    A parquet column has one type, so its first value tells.
    """
    if column.dtype != object:
        return False
    present = column.notna().to_numpy()
    first = int(np.argmax(present))
    return bool(present[first]) and isinstance(column.iloc[first],
                                               list | tuple | dict | np.ndarray)


