"""Daily factor returns for the factor models (Fama-French 3 and 5, Carhart 4).

Expected layout: a DataFrame indexed by session date (tz-naive ``DatetimeIndex``, or
with a ``date`` column), one column per factor, values as **fractions** per day
(0.0012, not 0.12). Column names: ``mkt_rf, smb, hml, rmw, cma, mom, rf``; Ken
French's spellings (``Mkt-RF``, ``Mom``, ``UMD`` ...) are accepted and renamed.
Nothing is downloaded: save the daily CSV files from Ken French's data library
locally and read them with :func:`read_french_csv`, e.g.::

    ff5 = read_french_csv("F-F_Research_Data_5_Factors_2x3_daily.CSV")
    mom = read_french_csv("F-F_Momentum_Factor_daily.CSV")
    factors = ff5.join(mom, how="outer")
    EventStudy(events, model="carhart", factors=factors)

Factors are aligned to each security's own sessions; a session without factor
values is a missing estimation or event day (reported), never filled. Use
factors of the security's market: US factors for a Hong Kong stock are on another
calendar and time zone.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import PriceDataError
from .dates import parse_dates
from .readers import read_csv_text, read_text, shown

CANONICAL = {
    "mkt-rf": "mkt_rf",
    "mkt_rf": "mkt_rf",
    "smb": "smb",
    "hml": "hml",
    "rmw": "rmw",
    "cma": "cma",
    "rf": "rf",
    "mom": "mom",
    "umd": "mom",
    "wml": "mom",
}
MISSING_CODES = (-99.99, -999.0)
_DAILY_ROW = re.compile(r"^\s*(\d{8})\s*,")


def _canonical(name: str) -> str:
    key = str(name).strip().lower()
    return CANONICAL.get(key, key)


def validate_factors(frame: pd.DataFrame, where: str = "factors") -> pd.DataFrame:
    """Check a factor table and return it with canonical column names.

    Parameters
    ----------
    frame : DataFrame
        Indexed by date, or with a ``date`` column.
    where : str
        What the table is (a file's path) for error messages.

    Raises
    ------
    PriceDataError
        For a missing or malformed date column, duplicate or unsorted dates,
        non-numeric values, or values beyond +-100% a day (percent units).
    """
    names = [_canonical(c) for c in frame.columns]
    if "date" in names:
        dates = frame.iloc[:, names.index("date")]
    elif isinstance(frame.index, pd.DatetimeIndex) or _canonical(frame.index.name) == "date":
        dates = frame.index
    else:
        raise PriceDataError(
            f"{where}: no 'date' column or date index; found columns {list(frame.columns)}"
        )
    days, _ = parse_dates(dates, lambda i: f"{where}: row {i + 1}", where)
    if len(days) and (np.diff(days) <= 0).any():
        i = int(np.argmax(np.diff(days) <= 0)) + 1
        raise PriceDataError(
            f"{where}: dates must be unique and ascending (row {i + 1}: "
            f"{pd.Timestamp(days[i]).date()})"
        )
    columns = {}
    for j, name in enumerate(names):
        if name == "date":
            continue
        raw = frame.iloc[:, j]
        values = pd.to_numeric(raw, errors="coerce")
        bad = (values.isna() & raw.notna()).to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            raise PriceDataError(
                f"{where}: {name} in row {i + 1} is {shown(raw.iloc[i])}, not a number"
            )
        columns[name] = values.to_numpy(dtype=np.float64, na_value=np.nan)
    out = pd.DataFrame(columns, index=pd.DatetimeIndex(days.view("datetime64[ns]"), name="date"))
    if (out.abs() > 1.0).any().any():
        column = out.columns[(out.abs() > 1.0).any()][0]
        raise PriceDataError(
            f"{where}: column {column!r} has daily values beyond 100%; factors must be "
            "fractions (divide percent by 100; read_french_csv does this)"
        )
    return out


def read_french_csv(path: str | Path) -> pd.DataFrame:
    """Read a daily factor file of Ken French's data library (saved locally).

    The files hold a few lines of description, a header line starting with a
    comma (``,Mkt-RF,SMB,HML,RF``), rows ``YYYYMMDD, v1, v2, ...`` in percent,
    and a copyright line. Values are converted to fractions; the missing-value
    codes -99.99 and -999 become NaN.

    Raises
    ------
    PriceDataError
        If the file cannot be read, or no header or no daily rows are found (e.g. a
        monthly file), or a row is not a date and numbers.
    """
    path = Path(path)
    lines = _text(path).splitlines()
    header = next((i for i, line in enumerate(lines) if line.lstrip().startswith(",")), None)
    if header is None:
        raise PriceDataError(f"{path}: no header line starting with ',' (not a French file?)")
    names = [_canonical(n) for n in lines[header].split(",")[1:]]
    rows = []
    for line in lines[header + 1 :]:
        if not _DAILY_ROW.match(line):
            break  # the daily section ends at the copyright line
        rows.append([field.strip() for field in line.split(",")])
    if not rows:
        raise PriceDataError(
            f"{path}: no daily rows (YYYYMMDD) after the header; a daily file is needed"
        )
    width = 1 + len(names)
    short = next((i for i, row in enumerate(rows) if len(row) != width), None)
    if short is not None:
        raise PriceDataError(
            f"{path} line {header + 2 + short}: {len(rows[short])} fields, the header has {width}"
        )
    table = pd.DataFrame(rows, columns=["date", *names])
    line = header + 2
    days, _ = parse_dates(table["date"].astype(np.int64),
                          lambda i: f"{path} line {line + i}", str(path))
    values = {}
    for name in names:
        number = pd.to_numeric(table[name], errors="coerce")
        bad = number.isna().to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            raise PriceDataError(
                f"{path} line {line + i}: {name} is {shown(table[name].iloc[i])}, not a number"
            )
        values[name] = number.to_numpy(dtype=np.float64)
    frame = pd.DataFrame(values, index=pd.DatetimeIndex(days.view("datetime64[ns]"), name="date"))
    frame = frame.mask(np.isin(frame.to_numpy(), MISSING_CODES)) / 100.0
    return validate_factors(frame, str(path))


def read_factors(paths: list[str | Path]) -> pd.DataFrame:
    """Read and join factor files: Ken French's daily layout or a plain CSV.

    A plain CSV has a ``date`` column and factor columns in fractions. Several
    files (e.g. the five factors and momentum) are joined on their dates; a date
    missing from one file leaves that file's factors missing there.

    Raises
    ------
    PriceDataError
        Naming the file, for a file that cannot be read or checked.
    """
    frames = []
    for path in map(Path, paths):
        text = _text(path)
        if any(line.lstrip().startswith(",") for line in text.splitlines()):
            frames.append(read_french_csv(path))
        elif not text.strip():
            raise PriceDataError(f"{path}: the factor file is empty")
        else:
            frames.append(validate_factors(read_csv_text(text, path), str(path)))
    if not frames:
        raise PriceDataError("no factor file given")
    return validate_factors(pd.concat(frames, axis=1, join="outer").sort_index())


def _text(path: Path) -> str:
    """A factor file's text: UTF-8, or Latin-1 as older copies of French's files are."""
    try:
        return read_text(path)
    except PriceDataError as exc:
        if "not UTF-8" not in str(exc):
            raise
        text = path.read_bytes().decode("latin-1")
        if "\0" in text:
            raise PriceDataError(f"{path}: not a text table (it holds NUL bytes)") from exc
        return text
