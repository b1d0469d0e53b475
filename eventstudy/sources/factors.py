"""Daily factor returns for the factor models (Fama-French 3 and 5, Carhart 4).

Expected layout: a DataFrame indexed by session date (tz-naive ``DatetimeIndex``, or
with a ``date`` column), one column per factor, values as **fractions** per day
(0.0012, not 0.12). Column names: ``mkt_rf, smb, hml, rmw, cma, mom, rf``; Ken
French's spellings (``Mkt-RF``, ``Mom``, ``UMD`` ...) are accepted and renamed.
:func:`eventstudy.sources.french.french_factors` downloads them from Ken French's data
library into the cache (``eventstudy fetch-factors`` on the command line); daily CSV
files saved locally are read with :func:`read_french_csv` or :func:`read_factors`, e.g.::

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
from .readers import check_header, read_csv_text, read_text, shown
from .table import NOTES

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
# Scale checks of factors given as fractions (percent divided by 100 by mistake or not):
# a factor's daily standard deviation in fractions is 0.003 to 0.02, about 0.05 for the
# market in the worst weeks of 2008 and 2020; in percent it is 0.2 to 2. A factor whose
# standard deviation over at least FACTOR_SD_MIN_DAYS days exceeds FACTOR_SD_LIMIT is in
# percent even when every value stays below 1 (which the maximum alone would pass).
FACTOR_SD_LIMIT = 0.1
FACTOR_SD_MIN_DAYS = 20
# The daily risk-free rate in fractions stays below 0.0007 (16% a year, US 1981); above
# RF_LIMIT (0.2% a day, about 65% a year) it is in percent. (Percent rates of the zero-
# rate years, 0.000 to 0.002, cannot be told from fractions; they barely move returns.)
RF_LIMIT = 0.002
_DAILY_ROW = re.compile(r"^\s*(\d{8})\s*,", re.ASCII)  # ASCII: no other script's digits


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

    Returns
    -------
    DataFrame
        Indexed by ``date``; notes about where the factors came from (e.g. a cache
        used because French's site could not be reached), kept in ``attrs``, go with
        it into the results' diagnostics.

    Raises
    ------
    PriceDataError
        For a table without rows, a column named twice, a missing or malformed date
        column, duplicate or unsorted dates, non-numeric values, or factors in percent:
        values beyond +-100% a day, a standard deviation above :data:`FACTOR_SD_LIMIT`
        (0.1 a day, over 20 days or more) or a risk-free rate above :data:`RF_LIMIT`.
    """
    if frame.shape[0] == 0:
        raise PriceDataError(f"{where}: the factor table has no rows")
    names = [_canonical(c) for c in frame.columns]
    check_header(names, where, PriceDataError)  # two columns would leave one unchecked
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
    _check_scale(out, where)
    if frame.attrs.get(NOTES):
        out.attrs[NOTES] = list(frame.attrs[NOTES])
    return out


def _check_scale(factors: pd.DataFrame, where: str) -> None:
    """Refuse factors in percent: by their maximum, their dispersion and, for the
    risk-free rate, its level (see :data:`FACTOR_SD_LIMIT` and :data:`RF_LIMIT`)."""
    fix = "factors must be fractions (divide percent by 100; read_french_csv does this)"
    values = factors.to_numpy()
    with np.errstate(invalid="ignore"):
        beyond = (np.abs(values) > 1.0).any(axis=0)
    if beyond.any():
        column = factors.columns[int(np.argmax(beyond))]
        raise PriceDataError(f"{where}: column {column!r} has daily values beyond 100%; {fix}")
    for column in factors.columns:
        series = factors[column].dropna()
        if column == "rf":
            if len(series) and series.abs().max() > RF_LIMIT:
                day = series.abs().idxmax()
                raise PriceDataError(
                    f"{where}: the risk-free rate rf is {series[day]:g} on {day.date()}, over "
                    f"{RF_LIMIT:g} a day (about {(1 + RF_LIMIT) ** 252 - 1:.0%} a year): it is "
                    f"in percent; {fix}"
                )
        elif len(series) >= FACTOR_SD_MIN_DAYS and series.std() > FACTOR_SD_LIMIT:
            raise PriceDataError(
                f"{where}: column {column!r} varies by {series.std():.3g} a day (standard "
                f"deviation over {len(series)} days), more than {FACTOR_SD_LIMIT:g}: it is in "
                f"percent even though its values stay within +-{series.abs().max():.3g}; {fix}"
            )


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
    return read_french_text(_text(path), str(path))


def read_french_text(text: str, where: str) -> pd.DataFrame:
    """:func:`read_french_csv` of a file's text; ``where`` names it in messages."""
    path = where
    lines = _lines(text)
    header = next((i for i, line in enumerate(lines) if line.lstrip().startswith(",")), None)
    if header is None:
        raise PriceDataError(f"{path}: no header line starting with ',' (not a French file?)")
    names = [_canonical(n) for n in lines[header].split(",")[1:]]
    check_header(["date", *names], path, PriceDataError)
    body = lines[header + 1 :]
    end = _daily_end(body, path, header + 2)
    rows = [[field.strip() for field in line.split(",")] for line in body[:end]]
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


def _daily_end(body: list[str], path: Path, first_line: int) -> int:
    """Where the daily rows after a header end: at the copyright line, a blank line or EOF.

    A line that is not a daily row, followed by more daily rows before the next header
    (monthly and annual sections start with one), is damage: stopping there would drop
    the rest of the rows without a word.
    """
    end = next((i for i, line in enumerate(body) if not _DAILY_ROW.match(line)), len(body))
    for line in body[end + 1 :]:
        if line.lstrip().startswith(","):
            break
        if _DAILY_ROW.match(line):
            raise PriceDataError(
                f"{path} line {first_line + end}: {shown(body[end])} is not a daily row "
                "(YYYYMMDD, then the values), yet daily rows follow; fix or remove the line"
            )
    return end


def read_factors(paths: list[str | Path]) -> pd.DataFrame:
    """Read and join factor files: Ken French's daily layout, a plain CSV, or a file of
    the factor cache (:mod:`eventstudy.sources.french`, checked against its checksum).

    A plain CSV has a ``date`` column and factor columns in fractions, and every
    line has the header's number of fields (an empty cell is a missing value, a
    short line a file cut short). Several files (e.g. the five factors and momentum)
    are joined on their dates; a date missing from one file leaves that file's
    factors missing there.

    Raises
    ------
    PriceDataError
        Naming the file (and line), for a file that cannot be read or checked.
    DataIntegrityError
        For a cache file that does not match its checksum.
    """
    frames = []
    for path in map(Path, paths):
        text = _text(path)
        if text.startswith("# eventstudy: factor cache\n"):
            from .french import read_factor_cache_text  # (french imports this module)

            frames.append(read_factor_cache_text(text, path)[1])
        elif any(line.lstrip().startswith(",") for line in _lines(text)):
            frames.append(read_french_csv(path))
        elif not text.strip():
            raise PriceDataError(f"{path}: the factor file is empty")
        else:
            table = read_csv_text(text, path)
            _check_widths(text, table.shape[1], path)
            frames.append(validate_factors(table, str(path)))
    if not frames:
        raise PriceDataError("no factor file given")
    return validate_factors(pd.concat(_without_repeats(frames, list(map(Path, paths))), axis=1,
                                      join="outer").sort_index())


def _without_repeats(frames: list[pd.DataFrame], paths: list[Path]) -> list[pd.DataFrame]:
    """Each factor once: a factor two files both hold (RF, Mkt-RF in the three- and the
    five-factor file) is kept from the first if they agree on their common dates."""
    kept: dict[str, int] = {}
    out = []
    for k, frame in enumerate(frames):
        repeated = [c for c in frame.columns if c in kept]
        for name in repeated:
            first = frames[kept[name]][name]
            both = first.index.intersection(frame.index)
            a, b = first.loc[both].to_numpy(), frame.loc[both, name].to_numpy()
            if not np.allclose(a, b, rtol=0, atol=1e-9, equal_nan=True):
                i = int(np.argmax(~np.isclose(a, b, rtol=0, atol=1e-9, equal_nan=True)))
                raise PriceDataError(
                    f"{paths[k]}: factor {name!r} is also in {paths[kept[name]]} with another "
                    f"value on {both[i].date()} ({b[i]!r}, not {a[i]!r}); give each factor once"
                )
        kept.update({c: k for c in frame.columns if c not in kept})
        out.append(frame.drop(columns=repeated))
    return out


def _check_widths(text: str, width: int, path: Path) -> None:
    """Every line of a plain factor CSV has the header's number of fields.

    pandas fills a short row (a file cut short, a lost comma) with missing values,
    which would pass for days without factors. Quoted cells may hold commas: such
    files keep pandas' reading.
    """
    if '"' in text:
        return
    for number, line in enumerate(_lines(text), start=1):
        fields = line.count(",") + 1
        if line.strip() and fields != width:
            raise PriceDataError(f"{path} line {number}: {fields} fields, the header has {width}")


def _lines(text: str) -> list[str]:
    """Lines as pandas counts them (``str.splitlines`` also breaks at U+0085 and others)."""
    return re.split(r"\r\n|\r|\n", text)


def _text(path: Path) -> str:
    """A factor file's text: UTF-8, or Latin-1 as older copies of French's files are."""
    text = read_text(path, latin1=True)
    if "\0" in text:  # the French reader does not go through read_csv_text, which checks
        raise PriceDataError(f"{path}: not a text table (it holds NUL bytes)")
    return text
