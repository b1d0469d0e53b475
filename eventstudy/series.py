"""Price and return series of many securities, concatenated into flat arrays.

Every (ticker, market, exchange) series is placed on its exchange's sessions and
all series are concatenated, so that an event is just an offset into the flat
arrays (see :mod:`eventstudy.panel`). Missing values stay NaN, never filled; what
price validation handled and every missing session is reported in the diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .diagnostics import Diagnostics
from .errors import CalendarError
from .prices import PriceSource, price_notes
from .returns import returns_from_prices, sessions_between


@dataclass
class SeriesStore:
    """Flat, concatenated per-series arrays (see module docstring)."""

    keys: list[tuple[str, str, str]]
    sessions: list[pd.DatetimeIndex]
    offsets: np.ndarray
    values: dict[str, np.ndarray]

    def positions(self, series: np.ndarray, sessions: pd.DatetimeIndex) -> np.ndarray:
        """Flat positions of ``sessions`` in the given series (-1 where not a session there).

        One search over keys (series, day) that are sorted by construction: series
        in store order, sessions ascending within each.
        """
        flat_days = np.concatenate([_days(s) for s in self.sessions])
        flat_series = np.repeat(np.arange(len(self.sessions)), np.diff(self.offsets))
        base = int(min(flat_days.min(), _days(sessions).min()))
        width = int(max(flat_days.max(), _days(sessions).max())) - base + 1
        keys = flat_series * width + (flat_days - base)
        wanted = np.asarray(series, dtype=np.int64) * width + (_days(sessions) - base)
        where = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        return np.where(keys[where] == wanted, where, -1)


def _days(dates: pd.DatetimeIndex) -> np.ndarray:
    """Whole days since the epoch (sessions are midnight timestamps)."""
    return dates.as_unit("ns").asi8 // 86_400_000_000_000


def build_series(
    source: PriceSource,
    keys: list[tuple[str, str, str]],
    kind: str,
    diagnostics: Diagnostics,
    factors: pd.DataFrame | None = None,
) -> SeriesStore:
    """Place each (ticker, market, exchange) series on its exchange's sessions.

    Columns: ``ret``/``mret`` (stock and market returns), ``adj``/``madj``,
    ``close``, ``high``, ``low``, ``incomplete``, ``vol``/``mvol`` (share volume,
    missing on incomplete rows) and, when ``factors`` is given, one column per
    factor named ``f:<column>`` (fractions, aligned on the same sessions).
    """
    parts: dict[str, list[np.ndarray]] = {}
    sessions = []
    markets: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}  # one index serves many stocks
    calendars: dict[tuple, pd.DatetimeIndex] = {}  # many stocks share a date range
    for ticker, market, exchange in keys:
        stock = source.get(ticker)
        _report_notes(ticker, stock, diagnostics)
        days_key = (exchange, stock.index[0], stock.index[-1])
        if days_key not in calendars:
            calendars[days_key] = sessions_between(*days_key)
        days = calendars[days_key]
        where = stock.index.get_indexer(days)  # row of each session, -1 without a price
        _report_missing_sessions(ticker, days, stock.index, where, diagnostics)
        on_days = _take_rows(stock, ["adj_close", "close", "high", "low", "volume"], where)
        span = (market, exchange, days[0], days[-1])
        if span not in markets:
            markets[span] = _market_prices(source, (ticker, market, exchange), days, diagnostics)
        index_prices, index_volume = markets[span]
        incomplete = stock["incomplete"].to_numpy(dtype=bool, na_value=False)
        columns = {
            "ret": returns_from_prices(on_days[:, 0], kind),
            "mret": returns_from_prices(index_prices, kind),
            "adj": on_days[:, 0],
            "madj": index_prices,
            "close": on_days[:, 1],
            "high": on_days[:, 2],
            "low": on_days[:, 3],
            "incomplete": np.where(where >= 0, incomplete[where], False),
            "vol": on_days[:, 4],
            "mvol": index_volume,
        }
        if factors is not None:
            aligned = factors.reindex(days)
            columns.update({f"f:{name}": aligned[name].to_numpy() for name in factors.columns})
        for name, values in columns.items():
            parts.setdefault(name, []).append(values)
        sessions.append(days)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sessions])])
    values = {name: np.concatenate(chunks) for name, chunks in parts.items()}
    return SeriesStore(keys, sessions, offsets, values)


def _take_rows(frame: pd.DataFrame, columns: list[str], where: np.ndarray) -> np.ndarray:
    """Rows ``where`` of the columns as a float array; NaN rows where ``where`` is -1."""
    values = np.column_stack([frame[c].to_numpy(dtype=float, na_value=np.nan) for c in columns])
    return np.where((where >= 0)[:, None], values[where], np.nan)


def _report_missing_sessions(
    ticker: str,
    days: pd.DatetimeIndex,
    have: pd.DatetimeIndex,
    where: np.ndarray,
    diagnostics: Diagnostics,
) -> None:
    missing = days[where < 0]
    if len(missing):
        shown = ", ".join(str(d.date()) for d in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        diagnostics.add(
            "", ticker, "missing_sessions",
            f"{len(missing)} exchange sessions have no price ({shown}{more}); "
            "their returns and the next session's are missing",
        )
    if (where >= 0).sum() == len(have):
        return
    extra = have.difference(days)
    if len(extra):
        diagnostics.add(
            "", ticker, "non_session_rows",
            f"{len(extra)} price rows fall on days that are not sessions of the exchange "
            f"(first {extra[0].date()}); they are not used",
        )


def _report_notes(ticker: str, frame: pd.DataFrame, diagnostics: Diagnostics) -> None:
    """Copy what price validation handled into the diagnostics, once per series."""
    for kind, detail in price_notes(frame):
        record = ("", ticker, kind, detail)
        if record not in diagnostics.records:
            diagnostics.add(*record)


def _market_prices(
    source: PriceSource,
    key: tuple[str, str, str],
    days: pd.DatetimeIndex,
    diagnostics: Diagnostics,
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted closes and volumes of the market index on the stock's sessions."""
    market = key[1]
    if not market:
        return np.full(len(days), np.nan), np.full(len(days), np.nan)
    frame = source.get(market)
    _report_notes(market, frame, diagnostics)
    _check_market_calendar(key, frame.index, days, diagnostics)
    index = frame.reindex(days)
    prices = index["adj_close"]
    gaps = int(prices.isna().sum())
    if gaps:
        diagnostics.add(
            "", market, "market_missing_sessions",
            f"the market index has no price on {gaps} of the stock's sessions "
            f"{days[0].date()}..{days[-1].date()}; those days are missing",
        )
    return prices.to_numpy(), index["volume"].to_numpy()


def _check_market_calendar(
    key: tuple[str, str, str],
    index_dates: pd.DatetimeIndex,
    days: pd.DatetimeIndex,
    diagnostics: Diagnostics,
) -> None:
    """Refuse a market index that trades on another calendar than the stock.

    An index of another exchange (a US index for a Hong Kong stock) has prices on
    days the stock's exchange is closed, and its close on a given date comes hours
    after (or before) the stock's: same-date returns are not synchronous. One or two
    stray rows are a vendor's slip (reported); three or more, and over 1% of the
    index's rows in the stock's date range, mean another calendar.
    """
    ticker, market, exchange = key
    inside = index_dates[(index_dates >= days[0]) & (index_dates <= days[-1])]
    extra = inside.difference(days)
    if not len(extra):
        return
    shown = ", ".join(str(d.date()) for d in extra[:3])
    if len(extra) >= 3 and len(extra) >= 0.01 * len(inside):
        raise CalendarError(
            f"market index {market} has {len(extra)} of its {len(inside)} prices on days that "
            f"are not {exchange} sessions (e.g. {shown}): it trades on another calendar than "
            f"{ticker}, so their same-date returns are not synchronous; use an index of the "
            f"stock's own exchange ({exchange})"
        )
    diagnostics.add(
        "", market, "market_non_session_rows",
        f"{len(extra)} prices of the index fall on days that are not {exchange} sessions "
        f"({shown}); they are not used",
    )
