"""Normal-return (and normal-volume) models, fitted for all events at once.

Each linear model regresses a dependent series y on k regressors X over the
estimation rows, predicts the event rows and gives the prediction-error variance
(MacKinlay 1997, "Measuring and Analyzing Abnormal Returns"; Campbell, Lo &
MacKinlay 1997, ch. 4). For an event
window with selection vector g over the event rows X* (L2 x k),

    var(CAR) = g' V g,   V = s^2 (I + X* (X'X)^-1 X*'),

so var(CAR) = s^2 (L + (X*'g)' (X'X)^-1 (X*'g)) with L = g'g, the number of days
summed. The batched least squares solves centred normal equations for all events
at once, with masked rows set to zero so they carry no weight.

Models read their inputs from a *block* (:class:`eventstudy.core.panel.PanelBlock`, or
:class:`ArrayBlock` for arrays you hold): ``block.column(name, shift)`` returns an
(N, L) array of ``ret``, ``mret`` (market return), ``vol``, ``mvol`` (volumes), a
factor ``f:<name>`` or the return of a regressor named by ticker ``x:<ticker>``
(:class:`LinearModel`), moved by ``shift`` sessions (lags < 0, leads > 0).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..blocks import compact_rows, for_each_block, ordered_map, row_blocks
from ..errors import SpecificationError
from .series import REGRESSOR

FACTOR_SETS = {
    "ff3": ("mkt_rf", "smb", "hml"),
    "carhart": ("mkt_rf", "smb", "hml", "mom"),
    "ff5": ("mkt_rf", "smb", "hml", "rmw", "cma"),
}


@dataclass
class ArrayBlock:
    """Named (N, L) arrays in the block interface the models read.

    Shifted columns move along axis 1 and are NaN where they leave the array.
    """

    columns: dict[str, np.ndarray]

    def column(self, name: str, shift: int = 0) -> np.ndarray:
        values = np.asarray(self.columns[name], dtype=float)
        if shift == 0:
            return values
        out = np.full_like(values, np.nan)
        if shift > 0:
            out[:, :-shift] = values[:, shift:]
        else:
            out[:, -shift:] = values[:, :shift]
        return out

    def select(self, rows) -> ArrayBlock:
        """The block of the given rows (a slice, indices or a boolean mask)."""
        return ArrayBlock({name: np.asarray(v)[rows] for name, v in self.columns.items()})


@dataclass
class ModelFit:
    """A fitted normal-return model for N events.

    Attributes
    ----------
    model : str
    param_names : tuple of str
    params : ndarray (N, k)
    xtx_inv : ndarray (N, k, k)
        (X'X)^-1 of each event's estimation regressors.
    s2 : ndarray (N,)
        Residual variance, SSR / df.
    df : ndarray (N,)
        Residual degrees of freedom: estimation rows used minus parameters (minus
        one for the market-adjusted model, whose variance is taken around the
        mean as in Brown & Warner 1985).
    n_est : ndarray (N,)
        Estimation rows used.
    est_resid : ndarray (N, L1)
        Estimation residuals, NaN where a row was not used.
    ar : ndarray (N, L2)
        Abnormal values over the event span (returns, or log volumes for the
        volume models), NaN where the day is missing.
    evt_x : ndarray (N, L2, k)
        Event-span regressors.
    derived : dict of str -> ndarray (N,)
        Summary coefficients that are not regression parameters, e.g. the
        Scholes-Williams or Dimson aggregate beta.
    """

    model: str
    param_names: tuple[str, ...]
    params: np.ndarray
    xtx_inv: np.ndarray
    s2: np.ndarray
    df: np.ndarray
    n_est: np.ndarray
    est_resid: np.ndarray
    ar: np.ndarray
    evt_x: np.ndarray
    derived: dict[str, np.ndarray] = field(default_factory=dict)

    def ar_variance(self) -> np.ndarray:
        """Prediction-error variance of each event-span AR, (N, L2) (MacKinlay 1997).

        ``s^2 (1 + x' (X'X)^-1 x)`` with x the day's regressors, NaN where the AR
        is missing. The quadratic form is summed over the entries of the symmetric
        (X'X)^-1 one regressor column at a time (k is small), in blocks of events
        that stay in cache.
        """
        variance = np.empty(self.ar.shape)
        inverse = self.xtx_inv
        k = inverse.shape[1]

        def block(rows: slice) -> None:
            missing = np.isnan(self.ar[rows])
            # regressors of a missing day may be NaN; zero keeps them out of the sums
            x = [np.where(missing, 0.0, self.evt_x[rows, :, j]) for j in range(k)]
            quad = np.zeros(missing.shape)
            for a in range(k):
                for b in range(a, k):
                    weight = inverse[rows, a, a] if a == b else (
                        inverse[rows, a, b] + inverse[rows, b, a])
                    quad += weight[:, None] * x[a] * x[b]
            out = variance[rows]
            np.multiply(self.s2[rows, None], 1.0 + quad, out=out)
            out[missing] = np.nan

        for_each_block(block, *self.ar.shape)
        return variance

    def car(self, select: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CAR over the days where ``select`` (N, L2) is True and the AR exists.

        Returns
        -------
        car, variance, n_days : ndarray (N,)
            The sum of those ARs (NaN without any), its :meth:`car_variance` and
            the number of days summed.
        """
        car = np.empty(len(self.ar))
        variance, n_days = self._car_moments(select, car)
        return np.where(n_days > 0, car, np.nan), variance, n_days

    def car_variance(self, select: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """var(CAR) over the days where ``select`` (N, L2) is True and the AR exists.

        ``s^2 (L + (X*'g)' (X'X)^-1 (X*'g))`` (module docstring); ``X*'g``, the
        regressors summed over the L days, is formed one column at a time in
        blocks of events.

        Returns
        -------
        variance, n_days : ndarray (N,)
        """
        return self._car_moments(select, None)

    def _car_moments(
        self, select: np.ndarray, car: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`car_variance`, also writing the ARs' sums into ``car`` when given."""
        k = self.xtx_inv.shape[1]
        n_days = np.empty(len(self.ar), dtype=np.intp)
        xg = np.empty((len(self.ar), k))

        def block(rows: slice) -> None:
            g = select[rows] & ~np.isnan(self.ar[rows])
            n_days[rows] = np.count_nonzero(g, axis=1)
            if car is not None:
                car[rows] = np.where(g, self.ar[rows], 0.0).sum(axis=1)
            for j in range(k):
                xg[rows, j] = np.where(g, self.evt_x[rows, :, j], 0.0).sum(axis=1)

        for_each_block(block, *self.ar.shape)
        quad = np.einsum("nk,nkj,nj->n", xg, self.xtx_inv, xg)
        variance = self.s2 * (n_days + quad)
        return np.where(n_days > 0, variance, np.nan), n_days

    @classmethod
    def concat(cls, fits: list[ModelFit]) -> ModelFit:
        """The fits of several groups of events, one after the other."""
        if len(fits) == 1:
            return fits[0]
        first = fits[0]
        arrays = {
            name: (np.concatenate([getattr(f, name) for f in fits])
                   if isinstance(getattr(first, name), np.ndarray) else getattr(first, name))
            for name in first.__dict__ if name != "derived"
        }
        arrays["derived"] = {k: np.concatenate([f.derived[k] for f in fits]) for k in first.derived}
        return cls(**arrays)

    @classmethod
    def allocate(cls, like: ModelFit, n_rows: int, est_resid: np.ndarray) -> ModelFit:
        """A fit of ``n_rows`` events with arrays shaped like ``like``'s, filled by :meth:`put`.

        ``est_resid`` is the events' residual array, written by the blocks themselves.
        """
        return like._with_arrays(
            lambda values: np.empty((n_rows, *values.shape[1:]), values.dtype),
            est_resid=est_resid,
        )

    def put(self, rows: slice, part: ModelFit) -> None:
        """Copy ``part``, the fit of the events ``rows``, into this fit (all but ``est_resid``)."""
        for name, value in self.__dict__.items():
            if isinstance(value, np.ndarray) and name != "est_resid":
                value[rows] = getattr(part, name)
        for name, value in self.derived.items():
            value[rows] = part.derived[name]

    def subset(self, keep: np.ndarray) -> ModelFit:
        """The fit of the events where ``keep`` is True."""
        return self._with_arrays(lambda values: values[keep])

    def compact(self, keep: np.ndarray) -> ModelFit:
        """:meth:`subset` made in this fit's own arrays, which it then no longer describes.

        The kept rows move up within each array and the new fit views the first of
        them, so dropping a few events of a large study needs no second copy of the
        (N, L) arrays. For a fit nothing else refers to (e.g. fresh from
        :meth:`NormalReturnModel.fit_sample`).
        """
        return self._with_arrays(lambda values: compact_rows(values, keep))

    def _with_arrays(
        self, func: Callable[[np.ndarray], np.ndarray], **given: np.ndarray
    ) -> ModelFit:
        """This fit with ``func`` applied to every per-event array, except those ``given``."""
        arrays = {
            name: given[name] if name in given else
            func(value) if isinstance(value, np.ndarray) else value
            for name, value in self.__dict__.items() if name != "derived"
        }
        derived = {name: func(value) for name, value in self.derived.items()}
        return ModelFit(**arrays, derived=derived)


# A residual variance at most this share of the modelled series' own variance is a fit
# that is exact up to rounding (R^2 > 1 - 1e-6): the series is its regressors (a stock
# given as its own index, or a copy of it). Real trackers stay far above it: an index
# fund's daily tracking error of 0.01% against returns of 1% a day is a share of 1e-4.
PERFECT_FIT_RTOL = 1e-6
# A series whose standard deviation is at most this share of its mean absolute value
# does not vary (stale prices: returns all 0; a volume repeated): float rounding leaves
# about 1e-16, real series at least 1e-2.
FLAT_RTOL = 1e-8


@dataclass
class EstimationCounts:
    """Per event: estimation rows used, removed for other events, and without data.

    ``exactness`` is each fit's residual variance as a share of the variance of the
    series it is judged against (:meth:`NormalReturnModel.exactness`), and ``flat``
    says that series did not vary at all; both over the estimation rows used.
    """

    used: np.ndarray
    excluded: np.ndarray
    missing: np.ndarray
    exactness: np.ndarray | None = None
    flat: np.ndarray | None = None

    def degenerate(self) -> np.ndarray:
        """Events whose fit is exact (:data:`PERFECT_FIT_RTOL`) or whose series is flat."""
        if self.exactness is None or self.flat is None:
            return np.zeros(len(self.used), dtype=bool)
        with np.errstate(invalid="ignore"):
            return self.flat | (self.exactness <= PERFECT_FIT_RTOL)


_SAMPLE_BLOCK_CELLS = 1 << 21  # cells per block in fit_sample: about 8,000 events of 250 days


class NormalReturnModel:
    """Base class: a linear model ``y = a + Z b + e`` fitted by OLS per event.

    Subclasses set ``name`` and ``param_names`` (intercept first) and define
    :meth:`covariates`, the non-constant regressors Z; :meth:`dependent` is the
    stock return unless overridden.
    """

    name = ""
    param_names: tuple[str, ...] = ()
    needs_market = False
    factors: tuple[str, ...] = ()
    tickers: tuple[str, ...] = ()  # series read besides the stock's and its index's
    measure = "return"

    def dependent(self, block) -> np.ndarray:
        """The modelled series, (N, L)."""
        return block.column("ret")

    def covariates(self, block) -> list[np.ndarray]:
        """The non-constant regressors, each (N, L)."""
        raise NotImplementedError

    def regressors(self, block) -> np.ndarray:
        """Regressor array (N, L, k): the constant, then the covariates."""
        y = self.dependent(block)
        return np.stack([np.ones_like(y), *self.covariates(block)], axis=-1)

    def reference(self, block) -> np.ndarray:
        """The series whose variance a residual variance is judged against: the dependent."""
        return self.dependent(block)

    def exactness(self, est, mask: np.ndarray, fit: ModelFit) -> tuple[np.ndarray, np.ndarray]:
        """How exact each fit is: ``s^2`` as a share of :meth:`reference`'s variance, and
        whether that series is flat (see :data:`PERFECT_FIT_RTOL`, :data:`FLAT_RTOL`)."""
        return _shares(fit.s2, np.where(mask, self.reference(est), np.nan))

    def usable(self, block) -> np.ndarray:
        """Rows with the dependent value and every regressor present."""
        ok = np.isfinite(self.dependent(block))
        for column in self.covariates(block):
            ok &= np.isfinite(column)
        return ok

    def fit_sample(self, est, evt, excluded: np.ndarray) -> tuple[ModelFit, EstimationCounts]:
        """Fit every event on its usable estimation rows outside ``excluded``.

        Works through large blocks of events, on worker threads: each block's
        columns are gathered, masked and fitted, then dropped, so the only
        full-size estimation arrays are the residuals. Events are independent, so
        the fit equals one :meth:`fit` of all events with ``mask = usable & ~excluded``.

        Parameters
        ----------
        est, evt : PanelBlock
            Estimation rows (N, L1) and event-span rows (N, L2).
        excluded : ndarray of bool (N, L1)
            Estimation rows removed by the design (other events' windows).
        """
        resid = np.empty(excluded.shape)  # written block by block: never copied

        def fit_block(rows: slice) -> tuple[ModelFit, tuple[np.ndarray, ...]]:
            block_est = est.select(rows)
            usable = self.usable(block_est)
            mask = usable & ~excluded[rows]
            fit = self.fit(block_est, evt.select(rows), mask, out=resid[rows])
            counts = (mask.sum(axis=1), (excluded[rows] & usable).sum(axis=1),
                      (~usable).sum(axis=1), *self.exactness(block_est, mask, fit))
            return fit, counts

        blocks = row_blocks(len(excluded), excluded.shape[1], _SAMPLE_BLOCK_CELLS)
        whole, counts = None, []
        # each block's fit is copied as it comes, so its memory serves the next blocks
        for rows, (part, part_counts) in zip(
            blocks, ordered_map(fit_block, blocks, len(blocks)), strict=True
        ):
            if whole is None:
                whole = ModelFit.allocate(part, len(excluded), resid)
            whole.put(rows, part)
            counts.append(part_counts)
        return whole, EstimationCounts(*(np.concatenate(c) for c in zip(*counts, strict=True)))

    def fit(self, est, evt, mask: np.ndarray, out: np.ndarray | None = None) -> ModelFit:
        """Fit on estimation rows where ``mask`` holds; predict the event span.

        Parameters
        ----------
        est, evt : block
            Estimation rows (N, L1) and event-span rows (N, L2).
        mask : ndarray of bool (N, L1)
            Estimation rows to use; they must be :meth:`usable`.
        out : ndarray (N, L1), optional
            Receives the estimation residuals, which the fit then holds as ``est_resid``.
        """
        params, xtx_inv, resid, ssr = _batched_ols(
            self.dependent(est), self.covariates(est), mask, out
        )
        df = (mask.sum(axis=1) - len(self.param_names)).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            s2 = ssr / df
        x_evt = self.regressors(evt)
        ar = self.dependent(evt) - np.einsum("nwk,nk->nw", x_evt, params)
        ar = np.where(self.usable(evt), ar, np.nan)
        return ModelFit(
            self.name, self.param_names, params, xtx_inv, s2, df, mask.sum(axis=1), resid,
            ar, x_evt, self.derive(params),
        )

    def derive(self, params: np.ndarray) -> dict[str, np.ndarray]:
        """Summary coefficients computed from the parameters (none by default)."""
        return {}


def _batched_ols(
    y: np.ndarray, covariates: list[np.ndarray], mask: np.ndarray, out: np.ndarray | None = None
):
    """OLS of y (N, L) on a constant and the covariates (each (N, L)) over masked rows.

    The slopes solve the normal equations of the covariates and y centred on their
    masked means, which keeps the system well conditioned; the intercept is
    ``mean(y) - mean(Z)' b`` and (X'X)^-1 follows from the partitioned inverse
    (e.g. Greene, *Econometric Analysis*, A.5.3): ``[[1/n + m' S^-1 m, -m' S^-1],
    [-S^-1 m, S^-1]]`` with ``S`` the centred cross-product matrix of Z and ``m``
    its means. Events are independent: blocks of rows run on worker threads
    (:mod:`eventstudy.blocks`) and write into the outputs, so the temporaries are a
    few cached megabytes instead of whole (N, L) arrays.

    Returns
    -------
    params, xtx_inv, resid, ssr
        Parameters (intercept first), (X'X)^-1, residuals (NaN off the mask; written
        into ``out`` when given) and the residual sum of squares.
    """
    n_rows, width = y.shape
    k = len(covariates) + 1
    params = np.empty((n_rows, k))
    xtx_inv = np.empty((n_rows, k, k))
    resid = np.empty((n_rows, width)) if out is None else out
    ssr = np.empty(n_rows)

    def solve(rows: slice) -> None:
        params[rows], xtx_inv[rows], resid[rows], ssr[rows] = _ols_rows(
            y[rows], [z[rows] for z in covariates], mask[rows]
        )

    for_each_block(solve, n_rows, width)
    return params, xtx_inv, resid, ssr


def _ols_rows(y: np.ndarray, covariates: list[np.ndarray], mask: np.ndarray):
    """:func:`_batched_ols` of one block of rows, working column by column."""
    off = None if mask.all() else ~mask  # complete samples skip the masking passes
    n = mask.sum(axis=1).astype(float)
    k = len(covariates)
    yc, y_mean = _centre(y, off, n)
    centred, means = [], np.empty((len(n), k))
    for j, z in enumerate(covariates):
        zc, means[:, j] = _centre(z, off, n)
        centred.append(zc)
    cross = np.empty((len(n), k, k))
    for a in range(k):
        for b in range(a, k):
            cross[:, a, b] = cross[:, b, a] = np.einsum("nl,nl->n", centred[a], centred[b])
    raw = np.diagonal(cross, axis1=1, axis2=2) + n[:, None] * means**2
    singular = _singular(cross, raw) | (n < k + 2)
    cross[singular] = np.eye(k)
    cross_inv = np.linalg.inv(cross)
    zy = np.array([np.einsum("nl,nl->n", z, yc) for z in centred]).T.reshape(len(n), k)
    slopes = np.einsum("nkj,nj->nk", cross_inv, zy)
    params = np.column_stack([y_mean - np.einsum("nk,nk->n", means, slopes), slopes])
    xtx_inv = _partitioned_inverse(cross_inv, means, n)
    params[singular] = np.nan
    xtx_inv[singular] = np.nan
    resid = yc  # y - a - Z b equals (y - mean y) - (Z - mean Z) b on the masked rows
    for j, zc in enumerate(centred):
        zc *= slopes[:, [j]]
        resid -= zc
    ssr = np.einsum("nl,nl->n", resid, resid)
    if off is not None:
        resid[off] = np.nan
    ssr[singular] = np.nan
    return params, xtx_inv, resid, ssr


def _centre(
    x: np.ndarray, off: np.ndarray | None, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Deviations of x from its mean over the masked rows (zero off them), and the means.

    ``off`` marks the rows outside the mask; None when there are none.
    """
    out = np.array(x, dtype=float)  # a copy we may overwrite
    if off is not None:
        out[off] = 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = out.sum(axis=1) / n
    out -= mean[:, None]
    if off is not None:
        out[off] = 0.0
    return out, mean


def _singular(cross: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """A covariate without variation (relative to its level) or collinear covariates."""
    if cross.shape[-1] == 0:
        return np.zeros(len(cross), dtype=bool)
    diag = np.diagonal(cross, axis1=1, axis2=2)
    flat = (diag <= 1e-12 * raw).any(axis=1)
    scale = np.sqrt(np.where(flat[:, None] | (diag <= 0), 1.0, diag))
    corr = cross / scale[:, :, None] / scale[:, None, :]
    return flat | (np.linalg.det(corr) < 1e-12)


def _partitioned_inverse(cross_inv: np.ndarray, x_mean: np.ndarray, n: np.ndarray) -> np.ndarray:
    """(X'X)^-1 for X = [1, Z] from (Zc'Zc)^-1, the means of Z and n."""
    k = cross_inv.shape[-1] + 1
    out = np.empty((len(n), k, k))
    b = np.einsum("nkj,nj->nk", cross_inv, x_mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[:, 0, 0] = 1.0 / n + np.einsum("nk,nk->n", x_mean, b)
    out[:, 0, 1:] = -b
    out[:, 1:, 0] = -b
    out[:, 1:, 1:] = cross_inv
    return out


class ConstantMean(NormalReturnModel):
    """Constant-mean-return model, ``R_t = mu + e_t`` (MacKinlay 1997).

    The mean and the variance come from the estimation window only; var(CAR) over
    L days is ``s^2 (L + L^2 / n)`` with ``s^2`` the sample variance (n - 1 df).
    """

    name = "constant_mean"
    param_names = ("mu",)

    def covariates(self, block):
        return []


class MarketModel(NormalReturnModel):
    """Market model, ``R_t = alpha + beta R_mt + e_t`` by OLS (MacKinlay 1997).

    t statistics of CARs have ``L1 - 2`` degrees of freedom (L1 estimation returns).
    """

    name = "market"
    param_names = ("alpha", "beta")
    needs_market = True

    def covariates(self, block):
        return [block.column("mret")]


class MarketAdjusted(NormalReturnModel):
    """Market-adjusted returns, ``AR_t = R_t - R_mt`` (Brown & Warner 1980, 1985).

    No parameter is estimated; the AR variance is the sample variance (n - 1 df) of
    the estimation window's market-adjusted returns around their mean, as in Brown
    & Warner (1985, sec. 2), and var(CAR) over L days is ``L s^2``.
    """

    name = "market_adjusted"
    needs_market = True

    def dependent(self, block):
        return block.column("ret") - block.column("mret")

    def reference(self, block):
        return block.column("ret")  # the stock's own variance: the excess's is s^2 itself

    def covariates(self, block):
        return []

    def regressors(self, block):
        return np.zeros(self.dependent(block).shape + (0,))

    def fit(self, est, evt, mask, out=None):
        excess = _into(out, np.where(mask, self.dependent(est), np.nan))
        n = mask.sum(axis=1)
        s2 = _nanvar(excess)
        ar = np.where(self.usable(evt), self.dependent(evt), np.nan)
        nobs = len(n)
        return ModelFit(
            self.name, (), np.zeros((nobs, 0)), np.zeros((nobs, 0, 0)), s2,
            (n - 1).astype(float), n, excess, ar, np.zeros(ar.shape + (0,)),
        )


def _into(out: np.ndarray | None, values: np.ndarray) -> np.ndarray:
    """``values``, or ``out`` holding a copy of them when a fit is given ``out``."""
    if out is None:
        return values
    out[...] = values
    return out


def _nanvar(x: np.ndarray) -> np.ndarray:
    """Row variances with n - 1 df; NaN (without a warning) below two values."""
    n = np.isfinite(x).sum(axis=1)
    mean = np.nansum(x, axis=1) / np.maximum(n, 1)
    ss = np.nansum((x - mean[:, None]) ** 2, axis=1)
    return np.where(n > 1, ss / np.maximum(n - 1, 1), np.nan)


def _shares(s2: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``s2`` over the rows' variance of ``reference`` (NaN off the rows), and flatness."""
    variance = _nanvar(reference)
    level = np.nanmean(np.abs(reference), axis=1) if reference.shape[1] else variance
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(variance > 0, s2 / variance, np.where(s2 > 0, np.inf, 0.0))
        flat = variance <= (FLAT_RTOL * level) ** 2
    return share, flat


class FactorModel(NormalReturnModel):
    """Linear factor model on excess returns, ``R_t - RF_t = a + b' F_t + e_t``, by OLS.

    Fama & French (1993) three factors (``ff3``: mkt_rf, smb, hml), Carhart (1997)
    four factors (``carhart``: + mom) and Fama & French (2015) five factors
    (``ff5``: + rmw, cma). The factors, including the risk-free rate ``rf``, come
    from a DataFrame the user supplies (see :mod:`eventstudy.sources.factors`). Abnormal
    returns are ``R_t - RF_t - (a + b' F_t)``; their variances follow the general
    prediction-error formula of this module.
    """

    def __init__(self, factor_set: str) -> None:
        if factor_set not in FACTOR_SETS:
            raise SpecificationError(
                f"unknown factor set {factor_set!r}; choose one of {tuple(FACTOR_SETS)}"
            )
        self.name = factor_set
        self.factors = FACTOR_SETS[factor_set] + ("rf",)
        self.param_names = ("alpha",) + FACTOR_SETS[factor_set]

    def dependent(self, block):
        return block.column("ret") - block.column("f:rf")

    def covariates(self, block):
        return [block.column(f"f:{name}") for name in self.param_names[1:]]


MARKET_TERM = "market"  # a LinearModel term: each event's own market index
FACTOR_PREFIX = "f:"  # a LinearModel term naming a column of the factor table
_LEFT_SIDE = re.compile(r"ret(?:\s*-\s*f:(\S+))?", re.ASCII)


class LinearModel(NormalReturnModel):
    """Linear normal-return model over regressors the user names, by OLS.

    ``R_t = a + b_1 X_1t + ... + b_k X_kt + e_t`` over the estimation window, or
    ``R_t - F_t = ...`` on excess returns. Abnormal returns are the event-window
    residuals, with the same prediction-error variance and tests as the market model
    (``s^2 (1 + x' (X'X)^-1 x)`` per day). MacKinlay (1997, "Event Studies in
    Economics and Finance", section 4) describes such multifactor models, e.g. the
    market model with an industry index added; regressions on a market and an
    industry index are common in securities litigation and regulatory work (e.g.
    Mitchell & Netter 1994, "The Role of Financial Economics in Securities Fraud
    Cases: Applications at the Securities and Exchange Commission", *The Business
    Lawyer* 49).

    Parameters
    ----------
    regressors : sequence of str, or str
        The regressors, each one of:

        - a ticker of the study's prices (``"^HSI"``, ``"^HSTECH"``, ``"0981.HK"``), whose
          returns are computed and placed on each stock's exchange sessions exactly
          like its market index: a ticker trading on another exchange's calendar is
          refused (a :class:`~eventstudy.errors.CalendarError`), as a market index is,
          and its missing sessions are reported (``market_missing_sessions``); with
          ``returns=``, an identifier of the return table;
        - ``"f:<name>"``, a column of the study's ``factors=`` table (``"f:mkt_rf"``,
          ``"f:mom"``), aligned on the stock's sessions like the factor models';
        - ``"market"``, each event's own market index (the catalog's ``market``),
          which lets one model serve stocks of several exchanges.

        Or the same as a formula: ``"^HSI + ^HSTECH"``, ``"ret ~ ^HSI + f:mom"``,
        or ``"ret - f:rf ~ f:mkt_rf + f:smb + f:hml"`` for excess returns.
    excess : str, optional
        A factor (``"rf"`` or ``"f:rf"``) subtracted from the stock's return, which
        the formula's left side ``ret - f:rf`` also sets. Regressors are used as
        given: name excess factors (``f:mkt_rf``) where excess returns are meant.

    Notes
    -----
    The parameters are named ``alpha`` and then the terms as written (``^HSI``,
    ``f:mom``, ``market``). ``LinearModel(["market"])``, or the index's ticker,
    is the market model (:class:`MarketModel`) to rounding. A term named twice is
    refused; collinear or constant regressors leave the event unestimable
    (``event_skipped`` with ``on_error="skip"``), as for every model.

    Examples
    --------
    The two-index model, market plus sector index, of a Hong Kong stock, and a
    three-factor model with the local index added:

    >>> LinearModel(["^HSI", "^HSTECH"])
    LinearModel('ret ~ ^HSI + ^HSTECH')
    >>> LinearModel("ret - f:rf ~ f:mkt_rf + f:smb + f:hml + ^HSI").factors
    ('mkt_rf', 'smb', 'hml', 'rf')
    >>> EventStudy(events, model=LinearModel(["^HSI", "^HSTECH"]))  # doctest: +SKIP
    """

    def __init__(self, regressors: str | Sequence[str], excess: str | None = None) -> None:
        terms, left = _linear_terms(regressors)
        if excess is not None:
            given = _factor_name(excess, "excess")
            if left is not None and left != given:
                raise SpecificationError(
                    f"the formula subtracts f:{left} from the return but excess={excess!r}; "
                    "give one of them"
                )
            left = given
        self.terms = terms
        self.excess = left
        self.tickers = tuple(t for t in terms if t != MARKET_TERM and
                             not t.startswith(FACTOR_PREFIX))
        used = [t[len(FACTOR_PREFIX):] for t in terms if t.startswith(FACTOR_PREFIX)]
        self.factors = tuple(dict.fromkeys(used + ([left] if left else [])))
        self.needs_market = MARKET_TERM in terms
        self.param_names = ("alpha", *terms)
        self.name = f"linear({self.formula})"

    @property
    def formula(self) -> str:
        """The model as a formula, e.g. ``ret ~ ^HSI + ^HSTECH``."""
        left = f"ret - f:{self.excess}" if self.excess else "ret"
        return f"{left} ~ {' + '.join(self.terms)}"

    def __repr__(self) -> str:
        return f"LinearModel({self.formula!r})"

    def dependent(self, block):
        ret = block.column("ret")
        return ret - block.column(FACTOR_PREFIX + self.excess) if self.excess else ret

    def covariates(self, block):
        return [block.column(_term_column(t)) for t in self.terms]


def _term_column(term: str) -> str:
    """The block column of a LinearModel term."""
    if term == MARKET_TERM:
        return "mret"
    return term if term.startswith(FACTOR_PREFIX) else REGRESSOR + term


def _linear_terms(regressors: object) -> tuple[tuple[str, ...], str | None]:
    """The terms of a LinearModel and the factor its formula subtracts (or None)."""
    left = None
    if isinstance(regressors, str):
        head, tilde, body = regressors.partition("~")
        if "~" in body:
            raise SpecificationError(
                f"the formula {regressors!r} has more than one '~'; write 'ret ~ A + B'"
            )
        if tilde:
            left = _left_side(head.strip(), regressors)
        else:
            body = head
        names = [term.strip() for term in body.split("+")]
    elif isinstance(regressors, Sequence) and not isinstance(regressors, bytes):
        names = list(regressors)
        for name in names:
            if not isinstance(name, str):
                raise SpecificationError(
                    f"LinearModel regressors are tickers or 'f:<factor>' names (text), not "
                    f"{name!r}"
                )
        names = [name.strip() for name in names]
    else:
        raise SpecificationError(
            "LinearModel needs its regressors as a list of names (['^HSI', '^HSTECH']) or a "
            f"formula ('ret ~ ^HSI + ^HSTECH'), not {type(regressors).__name__}"
        )
    if not names or names == [""]:
        raise SpecificationError("LinearModel needs at least one regressor")
    for name in names:
        if not name or re.search(r"[\s~+]", name):
            raise SpecificationError(
                f"LinearModel regressor {name!r} is not a name: give tickers, 'f:<factor>' or "
                "'market', each once, e.g. ['^HSI', '^HSTECH'] or 'ret ~ ^HSI + ^HSTECH'"
            )
        if name.startswith(FACTOR_PREFIX):
            _factor_name(name, "regressor")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise SpecificationError(
            f"LinearModel regressor {repeated[0]!r} is named twice; each regressor once"
        )
    return tuple(names), left


def _left_side(text: str, formula: str) -> str | None:
    """The factor ``ret - f:<name>`` subtracts, None for ``ret``; anything else refused."""
    match = _LEFT_SIDE.fullmatch(text)
    if match is None:
        raise SpecificationError(
            f"the left side of {formula!r} must be 'ret' or 'ret - f:<factor>' (excess "
            f"returns), not {text!r}"
        )
    return _factor_name(f"f:{match.group(1)}", "excess") if match.group(1) else None


def _factor_name(name: str, what: str) -> str:
    """A factor's column name from ``rf`` or ``f:rf`` (for ``what``: excess or regressor)."""
    if not isinstance(name, str):
        raise SpecificationError(f"the {what} factor must be a name such as 'rf', not {name!r}")
    bare = name.strip().removeprefix(FACTOR_PREFIX).strip()
    if what == "regressor" and not name.startswith(FACTOR_PREFIX):
        bare = ""
    if not bare or re.search(r"[\s~+:]", bare):
        raise SpecificationError(
            f"{name!r} does not name a factor column; write f:<column>, e.g. f:mkt_rf"
        )
    return bare


class Dimson(NormalReturnModel):
    """Dimson (1979) market model with ``lags`` lags and leads of the market return.

    ``R_t = a + sum_{k=-lags..lags} b_k R_m,t+k + e_t`` by OLS; the aggregate beta
    (Dimson 1979) is the sum of the slopes, reported as ``beta`` in the
    parameter table. Abnormal returns use the full regression, so the general
    prediction-error variance applies exactly.
    """

    needs_market = True

    def __init__(self, lags: int = 1) -> None:
        if lags < 1:
            raise SpecificationError("Dimson lags must be at least 1")
        self.lags = lags
        self.name = "dimson" if lags == 1 else f"dimson{lags}"
        shifts = range(-lags, lags + 1)
        self.param_names = ("alpha",) + tuple(_shift_name(k) for k in shifts)

    def covariates(self, block):
        return [block.column("mret", k) for k in range(-self.lags, self.lags + 1)]

    def derive(self, params):
        return {"beta": params[:, 1:].sum(axis=1)}


def _shift_name(k: int) -> str:
    return "beta_0" if k == 0 else f"beta_lag{-k}" if k < 0 else f"beta_lead{k}"


class ScholesWilliams(NormalReturnModel):
    """Scholes & Williams (1977) market model for nonsynchronous trading.

    ``beta_SW = (b_-1 + b_0 + b_+1) / (1 + 2 rho_m)`` (Scholes & Williams 1977),
    where ``b_k`` is the OLS slope of ``R_t`` on ``R_m,t+k`` alone and
    ``rho_m`` the first-order autocorrelation of the market return, all over the
    estimation rows where ``R_t`` and ``R_m,t-1``, ``R_m,t``, ``R_m,t+1`` exist;
    ``alpha_SW = mean(R) - beta_SW mean(R_m)`` over the same rows. Abnormal returns
    are ``R_t - alpha_SW - beta_SW R_mt``; ``s^2`` is their estimation-window
    residual variance with n - 2 df. The prediction-error variance treats
    ``(alpha_SW, beta_SW)`` like OLS estimates of a market model on those rows
    (the usual approximation; the exact sampling variance of the SW estimator
    differs slightly).
    """

    name = "scholes_williams"
    param_names = ("alpha", "beta")
    needs_market = True

    def covariates(self, block):
        return [block.column("mret")]

    def usable(self, block):
        near = np.isfinite(block.column("mret", -1)) & np.isfinite(block.column("mret", 1))
        return super().usable(block) & near

    def exactness(self, est, mask, fit):
        # Judged on the OLS market model of the same rows: the SW slopes of a stock that
        # is its index are only close to 1, which would leave residuals of a few 1e-6.
        y = np.where(mask, est.column("ret"), np.nan)
        _, _, _, ssr = _batched_ols(y, [est.column("mret")], mask)
        with np.errstate(invalid="ignore", divide="ignore"):
            return _shares(ssr / (mask.sum(axis=1) - 2), y)

    def fit(self, est, evt, mask, out=None):
        y = np.where(mask, est.column("ret"), np.nan)
        slopes = [_slope(y, np.where(mask, est.column("mret", k), np.nan)) for k in (-1, 0, 1)]
        market = np.where(mask, est.column("mret"), np.nan)
        rho = _autocorrelation(market, np.where(mask, est.column("mret", -1), np.nan))
        beta = sum(slopes) / (1.0 + 2.0 * rho)
        alpha = np.nanmean(y, axis=1) - beta * np.nanmean(market, axis=1)
        params = np.column_stack([alpha, beta])
        _, xtx_inv, _, _ = _batched_ols(y, [market], mask)
        resid = _into(out, np.where(mask, y - alpha[:, None] - beta[:, None] * market, np.nan))
        n = mask.sum(axis=1)
        df = (n - 2).astype(float)
        s2 = np.nansum(resid**2, axis=1) / df
        x_evt = self.regressors(evt)
        ar = np.where(self.usable(evt), evt.column("ret") - alpha[:, None]
                      - beta[:, None] * evt.column("mret"), np.nan)
        derived = {"beta_lag": slopes[0], "beta_0": slopes[1], "beta_lead": slopes[2],
                   "rho_market": rho}
        return ModelFit(self.name, self.param_names, params, xtx_inv, s2, df, n, resid, ar,
                        x_evt, derived)


def _slope(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Row-wise OLS slope of y on x (with intercept) over rows where both exist."""
    both = np.isfinite(y) & np.isfinite(x)
    y, x = np.where(both, y, np.nan), np.where(both, x, np.nan)
    xc = x - np.nanmean(x, axis=1, keepdims=True)
    yc = y - np.nanmean(y, axis=1, keepdims=True)
    return np.nansum(xc * yc, axis=1) / np.nansum(xc**2, axis=1)


def _autocorrelation(x: np.ndarray, x_lag: np.ndarray) -> np.ndarray:
    """Row-wise Pearson correlation of x_t with x_{t-1} over rows where both exist."""
    both = np.isfinite(x) & np.isfinite(x_lag)
    a, b = np.where(both, x, np.nan), np.where(both, x_lag, np.nan)
    ac = a - np.nanmean(a, axis=1, keepdims=True)
    bc = b - np.nanmean(b, axis=1, keepdims=True)
    return np.nansum(ac * bc, axis=1) / np.sqrt(np.nansum(ac**2, axis=1) * np.nansum(bc**2, axis=1))


class VolumeMeanAdjusted(ConstantMean):
    """Mean-adjusted abnormal log volume (Campbell & Wasley 1996, sec. 3).

    ``V_t = ln(1 + volume_t)``; the abnormal volume is ``V_t`` minus its
    estimation-window mean. Campbell & Wasley use log turnover with a small
    constant; shares outstanding are not in the price data, so log share volume
    stands in (turnover and volume differ by a constant within the window when
    shares outstanding do not change). Volume on incomplete rows is missing.
    """

    name = "volume_mean"
    measure = "volume"

    def dependent(self, block):
        return np.log1p(block.column("vol"))


class VolumeMarketModel(MarketModel):
    """Market model for log volume (Campbell & Wasley 1996).

    ``V_t = a + b V_mt + e_t`` with ``V = ln(1 + volume)`` of the stock and of the
    market index, by OLS; the abnormal volume is the residual.
    """

    name = "volume_market"
    measure = "volume"

    def dependent(self, block):
        return np.log1p(block.column("vol"))

    def covariates(self, block):
        return [np.log1p(block.column("mvol"))]


MODELS: dict[str, object] = {
    "market": MarketModel,
    "market_adjusted": MarketAdjusted,
    "constant_mean": ConstantMean,
    "ff3": lambda: FactorModel("ff3"),
    "carhart": lambda: FactorModel("carhart"),
    "ff5": lambda: FactorModel("ff5"),
    "scholes_williams": ScholesWilliams,
    "dimson": Dimson,
    "volume_mean": VolumeMeanAdjusted,
    "volume_market": VolumeMarketModel,
}


def get_model(name: str | NormalReturnModel) -> NormalReturnModel:
    """The model called ``name`` (or ``name`` itself if it is a model instance)."""
    if isinstance(name, NormalReturnModel):
        return name
    if not isinstance(name, str) or name not in MODELS:
        raise SpecificationError(f"unknown model {name!r}; choose one of {tuple(MODELS)}")
    return MODELS[name]()
