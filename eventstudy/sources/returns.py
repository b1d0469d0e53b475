"""Returns in, as well as prices: long, wide and CRSP-shaped return tables.

Researchers with CRSP or Compustat extracts hold daily returns, not price levels.
:class:`ReturnSource` takes them as they are:

long
    An identifier column (``permno``, ``ticker``, ``symbol``, ``permco``, ``secid``,
    ``gvkey``, ``isin`` or ``cusip``; name it with ``id_column=`` when there are
    several), a ``date`` column (or date index; ISO dates or CRSP's ``YYYYMMDD``
    integers) and a return column ``ret`` (or ``return``); optionally ``vol`` (or
    ``volume``) and market return columns such as CRSP's ``vwretd``, one of which
    ``market=`` names. Column names are matched case-insensitively.
wide
    A ``date`` column or index and one column of returns per security (``market=`` may
    name one of them); empty cells are days without a return.

The market may also be a Series of returns indexed by date (``market=series``; its
name, or ``"market"``, becomes its ticker). Returns are simple returns as fractions
(0.012); ``kind="log"`` converts log returns.

CRSP's missing-return codes are read as missing and reported (diagnostic
``missing_returns``): the numbers -44, -55, -66, -77, -88, -99 and the letter codes
its SAS and CSV extracts use (``A`` to ``E``, with or without a leading dot, and
``.``). Refused with a :class:`~eventstudy.errors.PriceDataError` naming the ticker
and date (and file line): other text, infinite values, returns of -100% or less or
above :data:`MAX_RETURN` (+10,000%), a security whose mean absolute return exceeds
:data:`PERCENT_LIMIT` (returns in percent), a market column with two values on one
date, rows dated after today, a one-day spike (a return of x10 or more that the next
day's return undoes, see :data:`~eventstudy.sources.validate.SPIKE_REFUSE`; from x3
it is kept and reported as ``price_spike``), and everything the price checks refuse
about identifiers and dates.

Each return is one session's return, used as given; a session without a row or with a
missing return has none. After CRSP's -99 (no valid price that day), CRSP computes the
next return from the last valid price, over two sessions or more: it is not used as a
one-day return either, and is counted in the notes. Each security also gets a return
index, ``adj_close``, the running product of its gross returns (missing where a return
is), for figures rebased to 100; returns over windows are compounded from the daily
returns (:meth:`eventstudy.core.panel.EventPanel.gross_return`). There are no intraday
prices, so peak and trough moves are reported as unavailable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import PriceDataError
from .dates import DAY_NS, parse_dates
from .readers import read_csv_text, read_parquet, read_text, shown
from .shapes import RawTable, _check_unique_names, column_name, tz_note
from .source import TableSource
from .table import PRICE_FIELDS, PriceTable
from .validate import (
    Rows,
    arrange,
    base_notes,
    check_future,
    check_spikes,
    collapse_duplicates,
    numeric,
    to_table,
)

ID_COLUMNS = ("permno", "ticker", "symbol", "permco", "secid", "gvkey", "isin", "cusip")
RETURN_COLUMNS = ("ret", "return", "returns")
VOLUME_COLUMNS = ("vol", "volume")
# CRSP's missing-return codes, as numbers and as the letters of its SAS and CSV extracts.
CODES = {-44.0: "E", -55.0: "D", -66.0: "C", -77.0: "B", -88.0: "A", -99.0: "."}
CODE_MEANING = {
    ".": "no valid price (-99)",
    "A": "out of range (-88)",
    "B": "off-exchange (-77)",
    "C": "no valid previous price (-66)",
    "D": "no delisting information (-55)",
    "E": "no valid comparison for an excess return (-44)",
    "": "empty",
}
# A security whose mean absolute daily return exceeds this holds percent, not fractions.
PERCENT_LIMIT = 0.2
# No session multiplies a price by more than 101 (+10,000%); a return beyond is a unit
# or data error, and one such return makes every CAR over it meaningless.
MAX_RETURN = 100.0
RETURNS_ONLY = (
    "no_intraday",
    "returns only, no prices: peak and trough moves are not available",
)


class ReturnSource(TableSource):
    """Daily returns of many securities (see the module docstring), validated once.

    Parameters
    ----------
    data : DataFrame, str or Path
        A long, wide or CRSP-shaped table, or a CSV or parquet file holding one.
    market : str or Series, optional
        A column of the table holding the market's returns (``"vwretd"``), a security
        of the table, or a Series of market returns indexed by date.
    id_column : str, optional
        The identifier column of a long table, when it has several.
    kind : {"simple", "log"}
        What the returns are; log returns are converted to simple ones.
    """

    kind = "returns"

    def __init__(
        self,
        data: pd.DataFrame | str | Path,
        *,
        market: str | pd.Series | None = None,
        id_column: str | None = None,
        kind: str = "simple",
    ) -> None:
        if kind not in ("simple", "log"):
            raise PriceDataError(f"kind must be 'simple' or 'log', not {kind!r}")
        where = ""
        first_line = None
        if isinstance(data, str | Path):
            path = Path(data).expanduser()
            frame, first_line = _read(path)
            where = str(path)
        elif isinstance(data, pd.DataFrame):
            frame = data
        else:
            raise PriceDataError(
                f"returns must be a DataFrame or a CSV or parquet file, not {type(data).__name__}"
            )
        try:
            table = _validated(frame, market, id_column, kind, first_line)
        except PriceDataError as exc:
            raise _named(exc, where) from exc
        self.market = _market_name(market) if market is not None else None
        label = f"ReturnSource({where!r})" if where else "ReturnSource(DataFrame)"
        super().__init__(table, label)


def read_returns(data, *, market=None, id_column=None, kind="simple") -> ReturnSource:
    """A :class:`ReturnSource` of ``data`` (see there for the parameters)."""
    return ReturnSource(data, market=market, id_column=id_column, kind=kind)


def _read(path: Path) -> tuple[pd.DataFrame, int | None]:
    if not path.exists():
        raise PriceDataError(f"{path}: no such file")
    if path.suffix.lower() in (".parquet", ".pq"):
        return read_parquet(path), None
    text = read_text(path)
    if not text.strip():
        raise PriceDataError(f"{path}: the file is empty")
    return read_csv_text(text, path), 2


def _named(exc: PriceDataError, where: str) -> PriceDataError:
    if not where:
        return exc
    line = f" line {exc.line}" if exc.line is not None else ""
    return PriceDataError(f"{where}{line}: {exc}", exc.line)


def _market_name(market: str | pd.Series) -> str:
    if isinstance(market, pd.Series):
        return str(market.name) if market.name is not None else "market"
    return str(market)


def _validated(frame, market, id_column, kind, first_line) -> list[PriceTable]:
    """The securities' table, and the market's apart (no copy of the securities' rows)."""
    if frame.shape[0] == 0:
        raise PriceDataError("the return table is empty")
    names = [column_name(c) for c in frame.columns]
    _check_unique_names(names, list(frame.columns))
    key = _id_column(names, id_column, list(frame.columns))
    market_column = market if isinstance(market, str) and column_name(market) in names and (
        key is not None) else None
    raw, market_raw = (_long(frame, names, key, market_column, first_line) if key is not None
                       else (_wide(frame, names, first_line), None))
    if market_raw is not None:  # the dates serve the market column too: parse them once
        raw.date, zones = parse_dates(raw.date, lambda i: f"{_label(raw, i)}: {raw.place(i)}",
                                      "the return table")
        raw.parsed = True
        raw.notes_all += [tz_note(zones)] if zones else []
    parts = [validate_returns(raw, kind)]
    if market_raw is not None:
        parts.append(_market_table(raw, market_raw, column_name(market_column), kind))
    if isinstance(market, pd.Series):
        parts.append(_series_table(market, kind))
    return parts


def _label(raw: RawTable, i: int) -> str:
    label = pd.Series(raw.ticker, copy=False).iloc[i]
    return str(label).strip()


def _id_column(names: list[str], id_column: str | None, labels: list) -> str | None:
    if id_column is not None:
        if column_name(id_column) not in names:
            raise PriceDataError(f"no identifier column {id_column!r}; found columns {labels}")
        return column_name(id_column)
    found = [n for n in ID_COLUMNS if n in names]
    if len(found) > 1:
        raise PriceDataError(
            f"several identifier columns ({', '.join(found)}); name the one the events' tickers "
            f"use, e.g. id_column={found[0]!r}"
        )
    return found[0] if found else None


def _dates(frame: pd.DataFrame, names: list[str]):
    if "date" in names:
        return frame.iloc[:, names.index("date")]
    if isinstance(frame.index, pd.DatetimeIndex) or column_name(frame.index.name) == "date":
        return frame.index
    raise PriceDataError(f"no 'date' column or date index; found columns {list(frame.columns)}")


def _long(frame, names, key, market_column, first_line) -> tuple[RawTable, object]:
    ret = next((n for n in RETURN_COLUMNS if n in names), None)
    if ret is None:
        raise PriceDataError(
            f"no return column ({', '.join(RETURN_COLUMNS)}); found columns {list(frame.columns)}"
        )
    fields = {"ret": frame.iloc[:, names.index(ret)]}
    volume = next((n for n in VOLUME_COLUMNS if n in names), None)
    if volume is not None:
        fields["volume"] = frame.iloc[:, names.index(volume)]
    raw = RawTable(frame.iloc[:, names.index(key)], _dates(frame, names), fields,
                   first_line=first_line)
    market = None
    if market_column is not None:
        market = frame.iloc[:, names.index(column_name(market_column))]
    return raw, market


def _wide(frame, names, first_line) -> RawTable:
    dates = _dates(frame, names)
    columns = [(str(label).strip(), frame.iloc[:, j])
               for j, (label, name) in enumerate(zip(frame.columns, names, strict=True))
               if name != "date"]
    if not columns:
        raise PriceDataError(f"no return columns; found {list(frame.columns)}")
    labels, rows, values = [], [], []
    for label, column in columns:  # empty cells are days without a return: not rows
        present = np.flatnonzero(column.notna().to_numpy())
        labels.append(np.full(len(present), label, dtype=object))
        rows.append(present)
        values.append(column.iloc[present].to_numpy(dtype=object))
    source_row = np.concatenate(rows)
    return RawTable(np.concatenate(labels), np.asarray(dates)[source_row],
                    {"ret": np.concatenate(values)}, source_row=source_row,
                    first_line=first_line)


def validate_returns(raw: RawTable, kind: str = "simple") -> PriceTable:
    """Check raw return rows of many securities and return them as a returns table.

    Raises
    ------
    PriceDataError
        For every refused case listed in the module docstring.
    """
    rows = arrange(raw)
    check_future(rows)
    ret, codes = _returns(rows, rows.take(raw.fields["ret"]))
    values = {"ret": ret, "code": codes}
    if "volume" in raw.fields:
        values["volume"] = numeric(rows, rows.take(raw.fields["volume"]), "volume")
    rows, values, dropped = collapse_duplicates(rows, values)
    ret, codes = values.pop("ret"), values.pop("code")
    _check(rows, ret, values.get("volume"))
    if kind == "log":
        ret = np.expm1(ret)
    spanning = _after_missing_price(rows, ret, codes)
    notes = _notes(rows, codes, dropped, int(spanning.sum()))
    index = _index(rows, ret)
    check_spikes(rows, index, "ret", notes, lambda i: (
        f"ret on {rows.day(i)} is {ret[i]:g} and on the next row {ret[i + 1]:g}"))
    unknown = np.full(len(rows), np.nan)  # one array for every price field returns lack
    columns = dict.fromkeys(PRICE_FIELDS, unknown)
    columns.update(ret=ret, volume=values.get("volume", unknown), adj_close=index,
                   incomplete=np.zeros(len(rows), dtype=bool))
    return to_table(rows, columns, notes, "returns")


def _returns(rows: Rows, given) -> tuple[np.ndarray, np.ndarray]:
    """Returns as floats (NaN where missing) and each row's missing-code (0 for none).

    Codes: 1 + position in :data:`CODE_MEANING` (so 0 means a return is present).
    """
    series = pd.Series(given, copy=False) if not isinstance(given, pd.Series) else given
    letters = list(CODE_MEANING)
    codes = np.zeros(len(series), dtype=np.int8)
    if series.dtype.kind in "fiu" or pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        codes[np.isnan(values)] = 1 + letters.index("")
    else:
        values, codes = _parse_text(rows, series, codes)
    with np.errstate(invalid="ignore"):
        coded = np.flatnonzero(values < -1.0)  # codes are -44 ... -99; returns exceed -1
    for number, letter in CODES.items():
        hit = coded[values[coded] == number]
        codes[hit] = 1 + letters.index(letter)
        values[hit] = np.nan
    return values, codes


def _parse_text(rows: Rows, series: pd.Series, codes: np.ndarray):
    """Text cells: numbers, CRSP's letter codes (``C``, ``.C``, ``.``) or empty."""
    letters = list(CODE_MEANING)
    inverse, unique = pd.factorize(series, use_na_sentinel=False)  # each text parsed once
    texts = ["" if _blank(u) else str(u).strip() for u in unique]
    parsed = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").to_numpy(
        dtype=np.float64)
    unique_codes = np.zeros(len(texts), dtype=np.int8)
    for j, text in enumerate(texts):
        letter = text if text in ("", ".") else text.removeprefix(".").upper()
        if letter in CODE_MEANING and len(letter) <= 1:
            unique_codes[j] = 1 + letters.index(letter)
        elif np.isnan(parsed[j]):
            i = int(np.argmax(inverse == j))
            raise rows.error(
                i, f"{rows.ticker(i)}: ret on {rows.day(i)} is {shown(series.iloc[i])}, not a "
                "number (missing returns are empty cells or CRSP's codes)"
            )
    codes[:] = unique_codes[inverse]
    values = parsed[inverse]
    values[codes > 0] = np.nan
    return values, codes


def _blank(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _check(rows: Rows, ret: np.ndarray, volume: np.ndarray | None) -> None:
    with np.errstate(invalid="ignore"):
        bad = np.isinf(ret) | (ret <= -1.0) | (ret > MAX_RETURN)
    if bad.any():
        i = int(np.argmax(bad))
        raise rows.error(
            i, f"{rows.ticker(i)}: ret on {rows.day(i)} is {float(ret[i])!r}; a return must be "
            f"finite and above -100%, and at most {MAX_RETURN:g} (+{MAX_RETURN:.0%}) (returns "
            "are fractions: divide percent by 100)"
        )
    with np.errstate(invalid="ignore"):
        bad = None if volume is None else ~np.isnan(volume) & ~(np.isfinite(volume) & (
            volume >= 0))
    if bad is not None and bad.any():
        i = int(np.argmax(bad))
        raise rows.error(
            i, f"{rows.ticker(i)}: volume on {rows.day(i)} is {volume[i]}; it must be finite and "
            "not negative, or empty when unknown"
        )
    present = ~np.isnan(ret)
    starts = rows.offsets[:-1]  # every security has a row
    count = np.add.reduceat(present.astype(np.int64), starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.add.reduceat(np.fmax(np.abs(ret), 0.0), starts) / count  # fmax: NaN -> 0
    large = (count > 0) & (mean > PERCENT_LIMIT)
    if large.any():
        k = int(np.argmax(large))
        raise PriceDataError(
            f"{rows.names[k]}: the returns' mean absolute value is {mean[k]:.3g}, over "
            f"{PERCENT_LIMIT:.0%} a day: are they in percent? Returns are fractions (0.012 for "
            "1.2%): divide by 100"
        )


def _after_missing_price(rows: Rows, ret: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Drop (in ``ret``) each return that follows CRSP's -99, and flag them.

    -99 (``.``) means no valid price that day while the security still trades; CRSP
    then computes the next return from the last valid price, over two or more
    sessions, so it is not a one-day return. Other missing returns (an empty cell, the
    other codes, a session without a row) leave the next return as given.
    """
    no_price = codes == 1 + list(CODE_MEANING).index(".")
    spanning = np.zeros(len(ret), dtype=bool)
    spanning[1:] = no_price[:-1] & rows.same & ~np.isnan(ret[1:])
    ret[spanning] = np.nan
    return spanning


def _index(rows: Rows, ret: np.ndarray) -> np.ndarray:
    """Each security's return index: the running product of its gross returns.

    It serves figures of the security's path rebased to 100 and shows the sessions
    without a return (where it is missing); returns over windows are compounded from
    the daily returns themselves (see :meth:`eventstudy.core.panel.EventPanel.gross_return`).
    """
    lengths = np.diff(rows.offsets)
    security = np.repeat(np.arange(len(lengths)), lengths)
    missing = np.isnan(ret)
    gross = pd.Series(np.where(missing, 1.0, 1.0 + ret))
    index = gross.groupby(security, sort=False).cumprod().to_numpy(copy=True)
    index[missing] = np.nan
    return index


def _notes(rows: Rows, codes: np.ndarray, dropped, spanning: int) -> dict:
    notes = base_notes(rows, dropped)
    notes[""] = [RETURNS_ONLY]
    missing = codes > 0
    if missing.any():
        letters = list(CODE_MEANING)
        counts = np.bincount(codes[missing], minlength=len(letters) + 1)
        parts = [f"{int(counts[1 + j])} {CODE_MEANING[letter]}"
                 for j, letter in enumerate(letters) if counts[1 + j]]
        securities = len(np.unique(np.searchsorted(rows.offsets, np.flatnonzero(missing),
                                                   side="right")))
        n = int(missing.sum())
        notes[""].append((
            "missing_returns",
            f"{n} missing return{'s' * (n != 1)} in {securities} "
            f"securit{'ies' if securities != 1 else 'y'} ({', '.join(parts)}); those days have "
            "no return",
        ))
    if spanning:
        notes[""].append((
            "missing_returns",
            f"{spanning} return{'s' * (spanning != 1)} after a missing price (CRSP's -99) not "
            "used: CRSP computes them from the last valid price, over two or more sessions",
        ))
    return notes


def _market_table(raw: RawTable, values, name: str, kind: str) -> PriceTable:
    """The market column of a long table as one more security: one return per date.

    Every row repeats its date's market return; the distinct dates are found through a
    table of day numbers (no sort of the rows).
    """
    days = np.asarray(raw.date, dtype=np.int64)
    rows = Rows(np.array([name], dtype=object), np.array([0, len(days)], dtype=np.int64),
                days, None, raw, "")
    ret, _ = _returns(rows, values)
    day = (days - days.min()) // DAY_NS
    present = ~np.isnan(ret)
    chosen = np.full(int(day.max()) + 1, np.nan)
    chosen[day[present][::-1]] = ret[present][::-1]  # each date's first present value
    clash = present & (ret != chosen[day])
    if clash.any():
        i = int(np.argmax(clash))
        raise rows.error(
            i, f"{name}: the market column has two returns on {rows.day(i)} "
            f"({float(chosen[day[i]])!r} and {float(ret[i])!r}); it must hold one value per "
            "date"
        )
    used = np.flatnonzero(np.bincount(day) > 0)
    dated = RawTable(np.full(len(used), name, dtype=object), used * DAY_NS + days.min(),
                     {"ret": chosen[used]}, parsed=True)
    return _without_notes(validate_returns(dated, kind))


def _without_notes(table: PriceTable) -> PriceTable:
    """The market's rows say nothing new (the securities' table carries the notes about
    the whole table), but for its own spikes."""
    own = {ticker: tuple(n for n in notes if n[0] == "price_spike")
           for ticker, notes in table.notes.items() if ticker}
    return PriceTable(table.tickers, table.offsets, table.days, table.columns, table.kind,
                      {ticker: notes for ticker, notes in own.items() if notes})


def _series_table(market: pd.Series, kind: str) -> PriceTable:
    name = _market_name(market)
    raw = RawTable(np.full(len(market), name, dtype=object), market.index,
                   {"ret": market.reset_index(drop=True)})
    return _without_notes(validate_returns(raw, kind))

