"""User price tables in their common shapes, split into one raw frame per ticker.

Four shapes are recognised, in this order:

yfinance
    Columns are a two-level ``MultiIndex`` of (field, ticker) or (ticker, field), as
    ``yfinance.download`` returns them (``group_by="column"`` or ``"ticker"``) and as a
    multi-row-header CSV written by its ``to_csv()`` reads back. Fields are
    ``Open, High, Low, Close, Adj Close, Volume`` (``Dividends``, ``Stock Splits`` and
    ``Capital Gains`` are ignored).
long
    A ``ticker`` (or ``symbol``) column, a ``date`` column or index and price columns:
    one row per ticker and date.
single
    Price columns (``open, high, low, close, adj_close, volume``) of one security and no
    ticker column: the ticker comes from the caller (a mapping key or a file name).
wide
    A ``date`` column or index and one column per ticker holding its closing price,
    used as both close and adjusted close; such series have no intraday range.

In the yfinance and wide shapes, a ticker's rows without any value are dropped: they
are the padding that aligning several securities on one date index creates (their
exchanges trade on different days), not records. Every other row is kept; the
per-ticker frames are validated by :func:`eventstudy.prices.validate_prices`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .errors import PriceDataError

PRICE_FIELDS = ("open", "high", "low", "close", "adj_close", "volume")
# Fields yfinance may add next to the prices; they carry no price and are ignored.
YFINANCE_EXTRAS = ("dividends", "stock_splits", "capital_gains", "repaired?")
COLUMN_ALIASES = {"adjclose": "adj_close", "adjusted_close": "adj_close"}
TICKER_COLUMNS = ("ticker", "symbol")


def column_name(label: object) -> str:
    """Canonical form of a column label: ``"Adj Close"`` -> ``"adj_close"``."""
    name = str(label).strip().lower().replace(" ", "_")
    return COLUMN_ALIASES.get(name, name)


def split_table(
    table: pd.DataFrame, ticker: str | None = None, where: str = ""
) -> dict[str, pd.DataFrame]:
    """Split a price table of any recognised shape into ``{ticker: raw frame}``.

    Parameters
    ----------
    table : DataFrame
        A yfinance, long, single-security or wide table (see the module docstring).
    ticker : str, optional
        The security of a single-security table (a mapping key or file name).
    where : str
        Prefix for error messages, e.g. the file name.

    Returns
    -------
    dict of str to DataFrame
        Raw frames with a ``date`` column and canonical price column names, not yet
        validated.

    Raises
    ------
    PriceDataError
        If the table has no rows, no dates or no recognisable columns; the message
        lists the columns found.
    """
    prefix = f"{where}: " if where else ""
    if table is None or table.shape[0] == 0:
        raise PriceDataError(f"{prefix}the price table is empty")
    if isinstance(table.columns, pd.MultiIndex):
        return _from_yfinance(table, prefix)
    names = [column_name(c) for c in table.columns]
    if set(names) & set(TICKER_COLUMNS):
        return _from_long(table, names, prefix)
    if set(names) & set(PRICE_FIELDS):
        if not ticker:
            raise PriceDataError(
                f"{prefix}the table holds one security's prices (columns {list(table.columns)}) "
                "but names no ticker: pass it as {ticker: frame} or name the file after the ticker"
            )
        return {ticker: table}
    return _from_wide(table, prefix)


def per_ticker(
    frames: Mapping[str, pd.DataFrame] | pd.DataFrame, where: str = ""
) -> dict[str, pd.DataFrame]:
    """Raw frames by ticker from one table or a mapping ``{ticker: table}``.

    A mapping's table may be of any shape but must hold prices of its key's ticker
    only; a Series is taken as closing prices.
    """
    if isinstance(frames, pd.DataFrame):
        return split_table(frames, where=where)
    tables: dict[str, pd.DataFrame] = {}
    for key, table in frames.items():
        if isinstance(table, pd.Series):  # a series of closing prices
            table = table.rename("close").to_frame()
        if not isinstance(table, pd.DataFrame):
            raise PriceDataError(
                f"{where or key}: prices of {key!r} must be a DataFrame or Series, "
                f"not {type(table).__name__}"
            )
        found = split_table(table, ticker=str(key), where=where or str(key))
        if list(found) != [str(key)]:
            raise PriceDataError(
                f"{where or key}: the table given for {key!r} holds prices of {sorted(found)}"
            )
        tables[str(key)] = found[str(key)]
    return tables


def _dated(table: pd.DataFrame, prefix: str, canonical: bool = True) -> pd.DataFrame:
    """The table with its dates in a ``date`` column.

    ``canonical`` also puts the other column names in canonical form; wide tables
    keep them as given, since they are tickers.
    """
    names = [column_name(c) if canonical or column_name(c) == "date" else str(c).strip()
             for c in table.columns]
    if "date" in names:
        return table.set_axis(names, axis=1)
    if isinstance(table.index, pd.DatetimeIndex) or column_name(table.index.name) == "date":
        out = table.set_axis(names, axis=1)
        out.index = out.index.rename("date")
        return out.reset_index()
    raise PriceDataError(
        f"{prefix}no 'date' column or date index; found columns {list(table.columns)}"
    )


def _from_long(table: pd.DataFrame, names: list[str], prefix: str) -> dict[str, pd.DataFrame]:
    key = next(n for n in TICKER_COLUMNS if n in names)
    table = _dated(table, prefix)
    tickers = table[key]
    blank = tickers.isna() | (tickers.astype(str).str.strip() == "")
    if blank.any():
        raise PriceDataError(f"{prefix}row {int(blank.to_numpy().argmax()) + 1} has no {key}")
    tickers = tickers.astype(str).str.strip()
    return {
        str(t): group.drop(columns=[key]).reset_index(drop=True)
        for t, group in table.groupby(tickers, sort=False)
    }


def _from_wide(table: pd.DataFrame, prefix: str) -> dict[str, pd.DataFrame]:
    table = _dated(table, prefix, canonical=False)
    columns = [c for c in table.columns if c != "date"]
    if not columns:
        raise PriceDataError(f"{prefix}no price columns; found {list(table.columns)}")
    frames = {}
    for column in columns:
        values = table[["date", column]].dropna(subset=[column])
        frames[str(column)] = values.rename(columns={column: "close"}).reset_index(drop=True)
    return frames


def _field_level(columns: pd.MultiIndex) -> int | None:
    known = set(PRICE_FIELDS) | set(YFINANCE_EXTRAS)
    for level in (0, 1):
        values = {column_name(v) for v in columns.get_level_values(level)}
        if values <= known and values & set(PRICE_FIELDS):
            return level
    return None


def _from_yfinance(table: pd.DataFrame, prefix: str) -> dict[str, pd.DataFrame]:
    if table.columns.nlevels != 2:
        raise PriceDataError(
            f"{prefix}columns have {table.columns.nlevels} levels; expected two (field, ticker)"
        )
    level = _field_level(table.columns)
    if level is None:
        shown = [tuple(map(str, c)) for c in table.columns[:8]]
        raise PriceDataError(
            f"{prefix}two-level columns but neither level holds price fields (Open, High, Low, "
            f"Close, Adj Close, Volume); found {shown}"
        )
    frames = {}
    for ticker in dict.fromkeys(table.columns.get_level_values(1 - level)):
        sub = table.xs(ticker, axis=1, level=1 - level)
        sub = sub.set_axis([column_name(c) for c in sub.columns], axis=1)
        sub = sub.loc[:, [c for c in sub.columns if c in PRICE_FIELDS]]
        sub = sub.dropna(how="all")
        if len(sub):
            frames[str(ticker).strip()] = _dated(sub, prefix)
    if not frames:
        raise PriceDataError(f"{prefix}the price table has no values")
    return frames
