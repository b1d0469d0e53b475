"""Normal-return models, fitted for all events at once.

Each model regresses the stock return on k regressors over the estimation rows,
predicts the event rows and gives the prediction-error variance (MacKinlay 1997,
eqs. 7-8; Campbell, Lo & MacKinlay 1997, sec. 4.4.3). For an event window with
selection vector g over the event rows X* (L2 x k),

    var(CAR) = g' V g,   V = s^2 (I + X* (X'X)^-1 X*'),

so var(CAR) = s^2 (L + (X*'g)' (X'X)^-1 (X*'g)) with L = g'g, the number of
days summed. The batched least squares uses a QR decomposition per event
(numpy's stacked ``qr``), with masked rows set to zero so they carry no weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import SpecificationError


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
        Residual degrees of freedom: estimation returns used minus parameters
        (minus one for the market-adjusted model, whose variance is taken around
        the mean as in Brown & Warner 1985).
    n_est : ndarray (N,)
        Estimation returns used.
    est_resid : ndarray (N, L1)
        Estimation residuals, NaN where a row was not used.
    ar : ndarray (N, L2)
        Abnormal returns over the event span, NaN where the day is missing.
    evt_x : ndarray (N, L2, k)
        Event-span regressors.
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

    def ar_variance(self) -> np.ndarray:
        """Prediction-error variance of each event-span AR, (N, L2) (MacKinlay eq. 8)."""
        quad = np.einsum("nwk,nkj,nwj->nw", self.evt_x, self.xtx_inv, self.evt_x)
        return np.where(np.isnan(self.ar), np.nan, self.s2[:, None] * (1.0 + quad))

    def car_variance(self, select: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """var(CAR) over the days where ``select`` (N, L2) is True and the AR exists.

        Returns
        -------
        variance, n_days : ndarray (N,)
        """
        g = (select & ~np.isnan(self.ar)).astype(float)
        n_days = g.sum(axis=1)
        xg = np.einsum("nw,nwk->nk", g, np.nan_to_num(self.evt_x))
        quad = np.einsum("nk,nkj,nj->n", xg, self.xtx_inv, xg)
        variance = self.s2 * (n_days + quad)
        return np.where(n_days > 0, variance, np.nan), n_days.astype(int)


class NormalReturnModel:
    """Base class: a linear model ``R = X b + e`` with regressors from the panel."""

    name = ""
    param_names: tuple[str, ...] = ()
    needs_market = False

    def regressors(self, ret: np.ndarray, mret: np.ndarray) -> np.ndarray:
        """Regressor array (N, L, k) for returns ``ret`` and market returns ``mret``."""
        raise NotImplementedError

    def usable(self, ret: np.ndarray, mret: np.ndarray) -> np.ndarray:
        """Rows with every value the model needs."""
        ok = np.isfinite(ret)
        return ok & np.isfinite(mret) if self.needs_market else ok

    def fit(self, est: tuple, evt: tuple, mask: np.ndarray) -> ModelFit:
        """Fit on estimation rows where ``mask`` holds; predict the event span.

        Parameters
        ----------
        est, evt : (ret, mret) pairs of (N, L1) and (N, L2) arrays
        mask : ndarray of bool (N, L1)
        """
        x_est = self.regressors(*est)
        params, xtx_inv, resid = _batched_ols(est[0], x_est, mask)
        df = mask.sum(axis=1) - len(self.param_names)
        s2 = np.nansum(resid**2, axis=1) / df
        x_evt = self.regressors(*evt)
        ar = evt[0] - np.einsum("nwk,nk->nw", x_evt, params)
        ar = np.where(self.usable(*evt), ar, np.nan)
        return ModelFit(
            self.name, self.param_names, params, xtx_inv, s2, df.astype(float),
            mask.sum(axis=1), resid, ar, x_evt,
        )


def _batched_ols(y: np.ndarray, x: np.ndarray, mask: np.ndarray):
    """Least squares of y (N, L) on x (N, L, k) over masked rows, per event, via QR."""
    x0 = np.where(mask[..., None], x, 0.0)
    y0 = np.where(mask, y, 0.0)
    q, r = np.linalg.qr(x0)
    # A regressor without variation (e.g. a constant market) makes R singular: such
    # events get NaN parameters, which the study reports, instead of a batch failure.
    scale = np.linalg.norm(x0, axis=1)
    pivots = np.abs(np.diagonal(r, axis1=1, axis2=2))
    singular = (pivots <= 1e-10 * np.maximum(scale, 1e-300)).any(axis=1)
    r[singular] = np.eye(r.shape[-1])
    params = np.linalg.solve(r, np.einsum("nlk,nl->nk", q, y0)[..., None])[..., 0]
    r_inv = np.linalg.inv(r)
    xtx_inv = r_inv @ np.swapaxes(r_inv, 1, 2)
    params[singular] = np.nan
    xtx_inv[singular] = np.nan
    resid = np.where(mask, y - np.einsum("nlk,nk->nl", np.nan_to_num(x), params), np.nan)
    return params, xtx_inv, resid


class ConstantMean(NormalReturnModel):
    """Constant-mean-return model, ``R_t = mu + e_t`` (MacKinlay 1997, eq. 1).

    The mean and the variance come from the estimation window only; var(CAR) over
    L days is ``s^2 (L + L^2 / n)`` with ``s^2`` the sample variance (n - 1 df).
    """

    name = "constant_mean"
    param_names = ("mu",)

    def regressors(self, ret, mret):
        return np.ones(ret.shape + (1,))


class MarketModel(NormalReturnModel):
    """Market model, ``R_t = alpha + beta R_mt + e_t`` by OLS (MacKinlay 1997, eqs. 2-8).

    t statistics of CARs have ``L1 - 2`` degrees of freedom (L1 estimation returns).
    """

    name = "market"
    param_names = ("alpha", "beta")
    needs_market = True

    def regressors(self, ret, mret):
        return np.stack([np.ones_like(mret), mret], axis=-1)


class MarketAdjusted(NormalReturnModel):
    """Market-adjusted returns, ``AR_t = R_t - R_mt`` (Brown & Warner 1980, 1985).

    No parameter is estimated; the AR variance is the sample variance (n - 1 df) of
    the estimation window's market-adjusted returns around their mean, as in Brown
    & Warner (1985, sec. 2), and var(CAR) over L days is ``L s^2``.
    """

    name = "market_adjusted"
    needs_market = True

    def regressors(self, ret, mret):
        return np.zeros(ret.shape + (0,))

    def fit(self, est, evt, mask):
        excess = np.where(mask, est[0] - est[1], np.nan)
        n = mask.sum(axis=1)
        s2 = np.nanvar(excess, axis=1, ddof=1)
        ar = np.where(self.usable(*evt), evt[0] - evt[1], np.nan)
        nobs = len(n)
        return ModelFit(
            self.name, (), np.zeros((nobs, 0)), np.zeros((nobs, 0, 0)), s2,
            (n - 1).astype(float), n, excess, ar, np.zeros(ar.shape + (0,)),
        )


MODELS: dict[str, type[NormalReturnModel]] = {
    m.name: m for m in (ConstantMean, MarketModel, MarketAdjusted)
}


def get_model(name: str | NormalReturnModel) -> NormalReturnModel:
    """The model called ``name`` (or ``name`` itself if it is a model instance)."""
    if isinstance(name, NormalReturnModel):
        return name
    if name not in MODELS:
        raise SpecificationError(f"unknown model {name!r}; choose one of {tuple(MODELS)}")
    return MODELS[name]()
