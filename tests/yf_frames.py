"""Frames shaped like yfinance 1.7's ``download`` output, for tests without a network.

``yfinance.download`` (multi.py in 1.7) collects one ``Ticker.history`` frame per
ticker (columns ``Open, High, Low, Close, Adj Close, Volume``, index ``Date``; no
``Adj Close`` with ``auto_adjust=True``), drops the time zone of daily bars, aligns the
tickers on the union of their dates, concatenates them under a (``Ticker``, ``Price``)
column MultiIndex and, with ``group_by="column"`` (the default), swaps the levels to
(``Price``, ``Ticker``) sorted by field. A failed ticker contributes
``yfinance.utils.empty_df()``.
"""

from __future__ import annotations

import pandas as pd

FIELDS = {"open": "Open", "high": "High", "low": "Low", "close": "Close",
          "adj_close": "Adj Close", "volume": "Volume"}


def history(frame: pd.DataFrame, auto_adjust: bool = False) -> pd.DataFrame:
    """One ticker's bars as ``Ticker.history`` gives them, time zone dropped."""
    out = frame.rename(columns=FIELDS)[list(FIELDS.values())].copy()
    if auto_adjust:
        factor = out["Adj Close"] / out["Close"]
        for column in ("Open", "High", "Low", "Close"):
            out[column] = out[column] * factor
        out = out.drop(columns="Adj Close")
    out["Volume"] = out["Volume"].astype("int64")
    out.index = pd.DatetimeIndex(out.index, name="Date")
    return out


def download_frame(
    frames: dict[str, pd.DataFrame],
    group_by: str = "column",
    multi_level_index: bool = True,
    auto_adjust: bool = False,
) -> pd.DataFrame:
    """What ``yfinance.download(list(frames), ...)`` returns for these bars."""
    parts = {ticker: history(f, auto_adjust) for ticker, f in frames.items()}
    dates = None
    for part in parts.values():
        dates = part.index if dates is None else dates.union(part.index)
    parts = {t: p.reindex(dates) for t, p in parts.items()}
    data = pd.concat(list(parts.values()), axis=1, keys=list(parts), names=["Ticker", "Price"],
                     sort=True)
    if group_by == "column":
        data.columns = data.columns.swaplevel(0, 1)
        data = data.sort_index(level=0, axis=1)
    if not multi_level_index and len(frames) == 1:
        data = data.droplevel(0 if group_by == "ticker" else 1, axis=1).rename_axis(None, axis=1)
    return data


def failed_download(ticker: str) -> pd.DataFrame:
    """What ``yfinance.download`` returns when the one ticker asked for failed."""
    import yfinance

    empty = yfinance.utils.empty_df()
    empty = empty.reindex(pd.DatetimeIndex([], name="Date"))
    data = pd.concat([empty], axis=1, keys=[ticker], names=["Ticker", "Price"], sort=True)
    data.columns = data.columns.swaplevel(0, 1)
    return data.sort_index(level=0, axis=1)
