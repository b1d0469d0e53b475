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

from .errors import PriceDataError

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


def validate_factors(frame: pd.DataFrame) -> pd.DataFrame:
    """Check a factor table and return it with canonical column names.

    Raises
    ------
    PriceDataError
        For a missing or malformed date index, duplicate or unsorted dates,
        non-numeric values, or values beyond +-100% a day (percent units).
    """
    frame = frame.copy()
    if "date" in frame.columns:
        frame = frame.set_index("date")
    frame.columns = [_canonical(c) for c in frame.columns]
    try:
        index = pd.DatetimeIndex(pd.to_datetime(frame.index))
    except (ValueError, TypeError) as exc:
        raise PriceDataError(f"factors: unparseable dates ({exc})") from exc
    if index.tz is not None:
        raise PriceDataError("factors: dates must be tz-naive session dates")
    if index.has_duplicates or not index.is_monotonic_increasing:
        raise PriceDataError("factors: dates must be unique and ascending")
    frame.index = index.rename("date")
    try:
        frame = frame.astype("float64")
    except (ValueError, TypeError) as exc:
        raise PriceDataError(f"factors: non-numeric values ({exc})") from exc
    if (frame.abs() > 1.0).any().any():
        column = frame.columns[(frame.abs() > 1.0).any()][0]
        raise PriceDataError(
            f"factors: column {column!r} has daily values beyond 100%; factors must be "
            "fractions (divide percent by 100; read_french_csv does this)"
        )
    return frame


def read_french_csv(path: str | Path) -> pd.DataFrame:
    """Read a daily factor file of Ken French's data library (saved locally).

    The files hold a few lines of description, a header line starting with a
    comma (``,Mkt-RF,SMB,HML,RF``), rows ``YYYYMMDD, v1, v2, ...`` in percent,
    and a copyright line. Values are converted to fractions; the missing-value
    codes -99.99 and -999 become NaN.

    Raises
    ------
    PriceDataError
        If no header or no daily rows are found (e.g. a monthly file).
    """
    path = Path(path)
    lines = path.read_text(encoding="latin-1").splitlines()
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
    table = pd.DataFrame(rows, columns=["date", *names])
    values = table[names].astype("float64")
    values = values.mask(np.isin(values.to_numpy(), MISSING_CODES)) / 100.0
    values.index = pd.DatetimeIndex(pd.to_datetime(table["date"], format="%Y%m%d"), name="date")
    return validate_factors(values)


def read_factors(paths: list[str | Path]) -> pd.DataFrame:
    """Read and join factor files: Ken French's daily layout or a plain CSV.

    A plain CSV has a ``date`` column and factor columns in fractions. Several
    files (e.g. the five factors and momentum) are joined on their dates; a date
    missing from one file leaves that file's factors missing there.
    """
    frames = []
    for path in map(Path, paths):
        text = path.read_text(encoding="latin-1")
        if any(line.lstrip().startswith(",") for line in text.splitlines()):
            frames.append(read_french_csv(path))
        else:
            frames.append(validate_factors(pd.read_csv(path)))
    if not frames:
        raise PriceDataError("no factor file given")
    return validate_factors(pd.concat(frames, axis=1, join="outer").sort_index())

