"""Returns from prices, on the exchange's own session calendar.

Prices are placed on every session of the security's exchange between its first
and last price; a session without a price stays missing (NaN) and so do the
returns that would span it: nothing is filled or interpolated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import SpecificationError
from .sessions import exchange_sessions

RETURN_KINDS = ("simple", "log")


def check_return_kind(kind: str) -> str:
    """Validate and return ``kind``."""
    if kind not in RETURN_KINDS:
        raise SpecificationError(f"returns must be one of {RETURN_KINDS}, not {kind!r}")
    return kind


def sessions_between(exchange: str, first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
    """All sessions of ``exchange`` from ``first`` to ``last`` inclusive."""
    return exchange_sessions(exchange).between(first, last)


def returns_from_prices(
    prices: np.ndarray, kind: str = "simple", out: np.ndarray | None = None
) -> np.ndarray:
    """Session-to-session returns of a price array; the first element is NaN.

    Simple: ``P_t / P_{t-1} - 1``; log: ``ln(P_t / P_{t-1})``. Any missing price
    makes the returns on both sides of it missing. ``out`` (float, the shape of
    ``prices``) receives the returns instead of a new array.
    """
    log = check_return_kind(kind) == "log"
    ratio = np.empty(prices.shape) if out is None else out
    ratio[:1] = np.nan
    np.divide(prices[1:], prices[:-1], out=ratio[1:])
    return np.log(ratio, out=ratio) if log else np.subtract(ratio, 1.0, out=ratio)
