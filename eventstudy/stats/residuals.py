"""What the tests need from the estimation residuals, in one pass over them.

:class:`ResidualSummary` holds each event's counts of present and of positive
residuals (Cowan's generalized sign test), its sum of squares (GRANK), the mean
residual of each estimation day (Brown & Warner's portfolio t) and the average
cross-correlation ``r-bar`` (Kolari & Pynnonen's adjustments,
:func:`average_residual_correlation`). :func:`summarize_residuals` lets a study's
daily and window batteries share the pass. Events are summarised in blocks of rows
on worker threads and the column sums are accumulated in event order, so the
summary does not depend on the blocks or threads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from eventstudy import blocks as _blocks
from eventstudy.errors import SpecificationError

from ._arrays import _NAN, _matrix


@dataclass(frozen=True, eq=False)
class ResidualSummary:
    """What the test batteries need from the (N, L) estimation residuals, from one pass.

    Attributes
    ----------
    present, positive : numpy.ndarray
        (N,) count of each event's present residuals and of its strictly
        positive ones (Cowan 1992's ``p``, :func:`~eventstudy.stats.daily_gen_sign`).
    sum_squares : numpy.ndarray or None
        (N,) sum of squares of each event's present residuals (GRANK's ``s_i``,
        :func:`~eventstudy.stats.window_grank`); None if not computed.
    column_mean : numpy.ndarray or None
        (L,) mean residual of each estimation day over the events present that
        day (Brown & Warner's portfolio series, :func:`~eventstudy.stats.daily_bw_portfolio_t`);
        None if not computed.
    rbar : float
        :func:`average_residual_correlation` (Kolari & Pynnonen 2010).
    no_infinite : bool
        True if the residuals summarised held no infinite value: a battery given
        this summary then takes the same residuals as they are, without searching
        them for infinite values again (a pass over all N x L values).
    """

    present: np.ndarray
    positive: np.ndarray
    sum_squares: np.ndarray | None
    column_mean: np.ndarray | None
    rbar: float
    no_infinite: bool = False

    @property
    def positive_share(self) -> np.ndarray:
        """Fraction of each event's present residuals that are > 0 (NaN if none)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.positive / self.present


def summarize_residuals(est_resid: np.ndarray) -> ResidualSummary:
    """Summarise a study's estimation residuals once for both test batteries.

    The batteries (:func:`~eventstudy.stats.run_daily_battery`,
    :func:`~eventstudy.stats.run_window_batteries` and the tables of
    :mod:`eventstudy.stats.battery`) take the result as ``residuals`` so that the
    residuals of a study are summarised once, not once per battery. It must be
    the summary of the same ``est_resid`` the battery gets (only its shape can
    be checked).
    """
    raw = np.asarray(est_resid, dtype=float)
    est = _matrix("est_resid", raw)
    return replace(_summarize_residuals(est), no_infinite=est is raw)


def average_residual_correlation(est_resid: np.ndarray) -> float:
    """Average pairwise correlation of estimation-window residuals across events.

    The ``r-bar`` of Kolari & Pynnonen (2010), the mean of the ``N (N - 1) / 2``
    sample correlations of the events' estimation-period residuals::

        r-bar = (2 / (N (N - 1))) sum_{i < j} r_ij

    Computed in O(N L) without the N x N matrix: with each event's residuals
    centred and scaled to unit length ``u_i``, ``sum_{i != j} r_ij =
    ||sum_i u_i||^2 - N``.

    Parameters
    ----------
    est_resid : array_like
        (N, L) residuals; column j is the same relative day for every event.

    Returns
    -------
    float
        ``r-bar``; NaN when fewer than two events have two or more non-constant
        residuals.

    Notes
    -----
    Without missing values this equals the mean off-diagonal entry of
    ``numpy.corrcoef(est_resid)``. With missing values each event is centred and
    scaled over its own present days and a missing day contributes zero to the
    cross-products (an approximation to pairwise-complete correlations that keeps
    the computation linear in N). The batteries compute it once per run and pass
    it to the Kolari-Pynnonen tests (their ``rbar`` argument).

    References
    ----------
    Kolari, J. W. and Pynnonen, S. (2010). Event study testing with cross-sectional
    correlation of abnormal returns. *Review of Financial Studies* 23(11), 3996-4025
    (the average correlation of the estimation-period residuals).
    """
    est = _matrix("est_resid", est_resid)
    return _summarize_residuals(est, sum_squares=False, column_mean=False).rbar


def _residuals_for(
    est: np.ndarray,
    residuals: ResidualSummary | None,
    *,
    sum_squares: bool = True,
    column_mean: bool = True,
) -> ResidualSummary:
    """The given summary of ``est`` after a shape check, or a new one with what is needed."""
    if residuals is None:
        return _summarize_residuals(est, sum_squares=sum_squares, column_mean=column_mean)
    n_events, n_days = est.shape
    missing = [
        name for name, needed, value in (
            ("sum_squares", sum_squares, residuals.sum_squares),
            ("column_mean", column_mean, residuals.column_mean),
        ) if needed and value is None
    ]
    days = None if residuals.column_mean is None else residuals.column_mean.shape[0]
    if residuals.present.shape != (n_events,) or days not in (None, n_days) or missing:
        raise SpecificationError(
            f"residuals summarise {residuals.present.shape[0]} events and {days} days "
            f"(missing: {missing or 'nothing'}) but est_resid has {n_events} events and "
            f"{n_days} days; pass summarize_residuals(est_resid) of the same residuals."
        )
    return residuals


def _summarize_residuals(
    est: np.ndarray, *, sum_squares: bool = True, column_mean: bool = True
) -> ResidualSummary:
    """Per-event and per-day summaries of validated residuals, in blocks of events.

    Column sums (``column_mean`` and the ``r-bar`` total) are accumulated in event
    order with the running total as the first row of each block, so they equal a
    single column sum over all events, bit for bit.
    """
    n_events, width = est.shape

    def summarize(rows: slice) -> tuple[np.ndarray | None, ...]:
        block = est[rows]
        k = block.shape[0]
        row_sum = block.sum(axis=1)
        ok = ~np.isnan(block) if np.isnan(row_sum).any() else None
        # the residuals with missing ones as 0.0, after an empty row for the
        # running column total
        filled = np.empty((k + 1, width)) if column_mean else None
        if filled is not None:
            filled[1:] = block
            body = filled[1:]
        else:
            body = block if ok is None else block.copy()
        if ok is None:
            m, column_n = np.full(k, width), np.full(width, k)
        else:
            body[~ok] = 0.0
            m, column_n = ok.sum(axis=1), ok.sum(axis=0)
            row_sum = body.sum(axis=1)
        positive = np.count_nonzero(block > 0, axis=1)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            row_squares = (body * body).sum(axis=1) if sum_squares else None
            centred = block - (row_sum / m)[:, None]
            if ok is not None:
                centred[~ok] = 0.0
            length = np.sqrt(np.einsum("ij,ij->i", centred, centred))
            use = (m >= 2) & (length > 0)
            unit = np.empty((int(use.sum()) + 1, width))
            if use.all():
                np.divide(centred, length[:, None], out=unit[1:])
            else:
                np.divide(centred[use], length[use, None], out=unit[1:])
        return m, positive, row_squares, column_n, filled, unit

    blocks = _blocks.row_blocks(n_events, width)
    present = np.empty(n_events, dtype=np.intp)
    positive = np.empty(n_events, dtype=np.intp)
    squares = np.empty(n_events) if sum_squares else None
    column_n = np.zeros(width, dtype=np.intp)
    column_sum = np.zeros(width)
    total = np.zeros(width)
    k = 0
    parts = _blocks.ordered_map(summarize, blocks, len(blocks))
    for rows, (m, pos, sq, col_n, filled, unit) in zip(blocks, parts, strict=True):
        present[rows], positive[rows] = m, pos
        if squares is not None:
            squares[rows] = sq
        if filled is not None:
            filled[0] = column_sum
            column_sum = filled.sum(axis=0)
            column_n += col_n
        unit[0] = total
        total = unit.sum(axis=0)
        k += unit.shape[0] - 1
    means = None
    if column_mean:
        with np.errstate(invalid="ignore", divide="ignore"):
            means = column_sum / column_n
    rbar = float((total @ total - k) / (k * (k - 1.0))) if k >= 2 else _NAN
    return ResidualSummary(present, positive, squares, means, rbar)
