"""Input checks and masked column summaries shared by the tests.

Arrays are validated once (shape, number of events; infinite values become NaN)
without copying them when they are already float64 and finite, and NaN marks a
missing value everywhere. The column helpers form a day's count, mean and s.d. over
the events present that day, on a fast path when nothing is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from eventstudy.errors import SpecificationError

if TYPE_CHECKING:
    from .residuals import ResidualSummary


_NAN = float("nan")


def _float_array(
    name: str, x, ndim: int, n_events: int | None, scan: bool = True
) -> np.ndarray:
    """``x`` as a float array of the expected rank; non-finite values become NaN.

    A float64 array without infinite values is returned as is (no copy); the
    battery never writes into its inputs. ``scan=False`` skips the search for
    infinite values, for an array already known to have none.
    """
    a = np.asarray(x, dtype=float)
    if a.ndim != ndim:
        layout = "(events, days)" if ndim == 2 else "(events,)"
        raise SpecificationError(
            f"{name} must be a {ndim}-D array {layout}; got shape {a.shape}. "
            "Pass one row per event."
        )
    if n_events is not None and a.shape[0] != n_events:
        raise SpecificationError(
            f"{name} has {a.shape[0]} events (rows) but the abnormal returns have "
            f"{n_events}; pass arrays built from the same event list."
        )
    if not scan:
        return a
    # a finite total proves every value finite (NaN and inf propagate into sums);
    # otherwise only infinite values need replacing (a copy), NaN already is NaN
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(a, axis=None)
    if not np.isfinite(total):
        infinite = np.isinf(a)
        if infinite.any():
            a = np.where(infinite, np.nan, a)
    return a


def _matrix(name: str, x, n_events: int | None = None) -> np.ndarray:
    return _float_array(name, x, 2, n_events)


def _vector(name: str, x, n_events: int | None = None) -> np.ndarray:
    return _float_array(name, x, 1, n_events)


def _same_shape(name: str, a: np.ndarray, ref_name: str, ref: np.ndarray) -> None:
    if a.shape != ref.shape:
        raise SpecificationError(
            f"{name} has shape {a.shape} but {ref_name} has shape {ref.shape}; "
            "they must describe the same events and days."
        )


def _ar_pair(ar, ar_var) -> tuple[np.ndarray, np.ndarray]:
    """Validated abnormal returns and their variances, of the same shape."""
    ar = _matrix("ar", ar)
    ar_var = _matrix("ar_var", ar_var)
    _same_shape("ar_var", ar_var, "ar", ar)
    return ar, ar_var


def _column(name: str, x) -> np.ndarray:
    """A window's per-event vector as a one-day (N, 1) panel for the per-day code."""
    return _vector(name, x)[:, None]


def _residual_matrix(
    est_resid, n_events: int | None, residuals: ResidualSummary | None
) -> np.ndarray:
    """Validated ``est_resid``; not searched for infinite values if its summary says none."""
    scan = residuals is None or not residuals.no_infinite
    return _float_array("est_resid", est_resid, 2, n_events, scan)


def _column_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, mean and sample s.d. (ddof=1) of each column over its present rows."""
    ok = None if _complete(x) else ~np.isnan(x)
    n = np.full(x.shape[1], x.shape[0]) if ok is None else ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (x if ok is None else np.where(ok, x, 0.0)).sum(axis=0) / n
        dev = x - mean
        if ok is not None:
            dev[~ok] = 0.0
        np.multiply(dev, dev, out=dev)
        sd = np.sqrt(dev.sum(axis=0) / (n - 1))
    sd[n < 2] = np.nan
    return n, mean, sd


def _complete(x: np.ndarray) -> bool:
    """True if ``x`` has no NaN (a sum is NaN if some value is, or holds inf - inf)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return not np.isnan(np.add.reduce(x, axis=None))


def _column_sums(values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Column sums of the per-row ``values`` repeated across ``shape[1]`` columns.

    Summed as a column sum of the (rows, columns) panel would be (same order of
    additions), without forming the panel.
    """
    return np.broadcast_to(values[:, None], shape).sum(axis=0)


def _t_ratio(mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``mean / (sd / sqrt(n))``; NaN where sd is missing or zero (t undefined)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        t = mean * np.sqrt(n) / sd
    return np.where(sd > 0, t, np.nan)


def _t_df(n: np.ndarray) -> np.ndarray:
    """``n - 1`` as float, NaN where fewer than two observations."""
    return np.where(n >= 2, n - 1.0, np.nan)


def _standardize(ar: np.ndarray, ar_var: np.ndarray) -> np.ndarray:
    """SAR = AR / sqrt(var); missing where the variance is missing or not positive."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sar = np.sqrt(ar_var)
        np.divide(ar, sar, out=sar)
    usable = ar_var > 0
    if not usable.all():
        sar[~usable] = np.nan
    return sar
