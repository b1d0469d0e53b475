"""The inputs and layout of the battery references (numpy only, no eventstudy).

The synthetic panel is large enough (700 events x 261 days) that the batteries
split it into several blocks of rows on threads; it has missing values, tied and
nearly tied values, signed zeros, an event without residuals and windows that keep
different events.
"""

from __future__ import annotations

import numpy as np

N_EVENTS, N_DAYS, N_ESTIMATION = 700, 11, 250
WINDOWS = ((0, 1), (0, 11), (3, 6), (5, 6))  # column slices of the event days
# the columns of the per-event windows table that are compared
WINDOW_COLUMNS = ["event_id", "ticker", "window_start", "window_end", "car", "se", "t_stat",
                  "df", "p_value", "bhar"]


def awkward(rng: np.random.Generator, shape: tuple[int, int], missing: float) -> np.ndarray:
    """Distinct values, rows of ties, values a few ulps apart, signed zeros and NaN."""
    x = rng.normal(0.0, 0.02, size=shape)
    tied = rng.random(shape[0]) < 0.3
    x[tied] = np.round(x[tied], 3)
    x[rng.random(shape) < 0.01] = 0.01
    x[rng.random(shape) < 0.01] = np.nextafter(0.01, 1.0)
    x[rng.random(shape) < 0.01] = -0.0
    x[rng.random(shape) < missing] = np.nan
    return x


def synthetic_panel() -> dict[str, object]:
    """``ar``, ``ar_var``, ``est_resid``, ``df`` and ``windows`` ((car, car_var) pairs)."""
    rng = np.random.default_rng(20260107)
    est = awkward(rng, (N_EVENTS, N_ESTIMATION), 0.04)
    est[5] = np.nan  # an event without residuals
    ar = awkward(rng, (N_EVENTS, N_DAYS), 0.05)
    ar_var = np.where(np.isnan(ar), np.nan, rng.uniform(1e-4, 9e-4, ar.shape))
    df = (~np.isnan(est)).sum(axis=1) - 2.0
    windows = []
    for start, end in WINDOWS:
        car = np.nansum(ar[:, start:end], axis=1)
        car_var = np.nansum(ar_var[:, start:end], axis=1)
        car[np.isnan(ar[:, start:end]).all(axis=1)] = np.nan
        windows.append((car, car_var))
    return {"ar": ar, "ar_var": ar_var, "est_resid": est, "df": df, "windows": windows}


def battery_columns(battery: dict) -> dict[str, np.ndarray]:
    """``<name>_stat``, ``_p``, ``_df`` (NaN without df) and ``_n`` of each test."""
    columns = {}
    for name, result in battery.items():
        columns[f"{name}_stat"] = np.atleast_1d(result.statistic)
        columns[f"{name}_p"] = np.atleast_1d(result.p_value)
        df = np.nan if result.df is None else result.df
        columns[f"{name}_df"] = np.broadcast_to(np.asarray(df, dtype=float),
                                                columns[f"{name}_stat"].shape)
        columns[f"{name}_n"] = np.broadcast_to(result.n, columns[f"{name}_stat"].shape)
    return columns
