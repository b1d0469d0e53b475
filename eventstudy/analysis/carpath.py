"""The CAR path: the cumulative abnormal return over the event span, day by day.

For each event and each relative day ``tau`` from ``start`` to the end of the span,
the path holds CAR(start, tau), the sum of the abnormal returns present on those
days, with the standard error of that *window*: the prediction-error-corrected
variance ``g' V g`` of :meth:`eventstudy.core.models.ModelFit.car_variance` with ``g``
selecting days ``start..tau`` (MacKinlay 1997, "Measuring and Analyzing Abnormal
Returns"; Campbell, Lo & MacKinlay 1997, ch. 4). It is not a naive ``sqrt(k) * s`` band: the
correction adds the estimation error of the normal-return parameters, which is
correlated across the days of the window.

Each point is therefore exactly the CAR, s.e., t and p that
``EventStudy(..., windows=[(start, tau)])`` would report. The path starts at zero on
the session before ``start`` (nothing has been cumulated yet) and, by default, at the
event session: its day-0 point is the day-0 abnormal return that the results'
headline reports, with the same interval.

:func:`caar_path` pools the securities of one announcement: the mean CAR of the
securities with the standard error of an equally weighted portfolio of them (see
its docstring), which allows for their cross-correlation on the shared event day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.results import EventStudyResults
from ..errors import SpecificationError
from ..stats import car_t_test
from ..stats.intervals import check_level, t_interval

PATH_COLUMNS = (
    "event_id", "ticker", "candidate", "event_session", "tau", "date", "ar", "car", "n_days",
    "se", "t_stat", "df", "p_value", "lower", "upper", "ar_se", "ar_lower", "ar_upper",
    "event_type", "announced",
)
CAAR_COLUMNS = (
    "event_id", "candidate", "event_session", "tau", "n", "tickers", "aar", "aar_se",
    "aar_lower", "aar_upper", "caar", "se", "df", "lower", "upper", "event_type", "announced",
)
def default_start(results: EventStudyResults) -> int:
    """The event session (0) when the span holds it, else the span's first day."""
    tau = results.panel.evt_tau
    return 0 if tau[0] <= 0 <= tau[-1] else int(tau[0])


def car_path(
    results: EventStudyResults, start: int | None = None, level: float | None = None
) -> pd.DataFrame:
    """CAR(start, tau) for every event and every tau >= start, with its confidence band.

    Parameters
    ----------
    results : EventStudyResults
    start : int, optional
        First relative day of the cumulation: the event session (0) by default, so
        that the path's day-0 point is the day-0 abnormal return (the span's first
        day when the span does not hold day 0).
    level : float, optional
        Coverage of the pointwise intervals ``lower``..``upper`` and
        ``ar_lower``..``ar_upper`` (Student-t with the model's residual degrees of
        freedom, see :mod:`eventstudy.stats.intervals`); the results' own level
        (``results.level``) by default.

    Returns
    -------
    DataFrame
        One row per event row and relative day from ``start - 1`` to the end of the
        span, columns :data:`PATH_COLUMNS`. The first row of each event row is the
        path's origin: ``car`` = 0 over ``n_days`` = 0 days, ``se`` = 0,
        ``lower`` = ``upper`` = 0 and no t or p (its ``date`` and ``ar`` are
        missing when the day lies before the span). From ``start`` on, ``car`` sums
        the days present from ``start`` and ``n_days`` counts them; ``car`` is NaN
        until the first day with a return. ``ar`` is that day's abnormal return and
        ``ar_se``, ``ar_lower``, ``ar_upper`` its prediction-error standard error
        and interval (NaN when missing). ``event_type`` and ``announced`` come
        from the events, for labels. ``attrs`` records ``level``, ``start``,
        the model and its ``measure`` (``"return"``, or ``"volume"`` for the
        volume models, whose figure shows log volumes).
    """
    tau = results.panel.evt_tau
    first = default_start(results) if start is None else int(start)
    if not tau[0] <= first <= tau[-1]:
        raise SpecificationError(
            f"the CAR path must start inside the event span [{tau[0]}, {tau[-1]}], not at "
            f"{first}; widen the study's windows or choose another start"
        )
    level = results.level if level is None else check_level(level)
    daily = _daily(results, level)
    frames = [_origin(results, first - 1, daily)]
    frames += [_path_day(results, first, int(end), level, daily) for end in tau[tau >= first]]
    path = pd.concat(frames, ignore_index=True)
    path = path.sort_values(["row", "tau"], kind="stable").drop(columns="row")
    path = path.reset_index(drop=True).loc[:, list(PATH_COLUMNS)]
    path.attrs = {"level": level, "start": first, "model": results.model,
                  "measure": results.measure}
    return path


def _daily(results: EventStudyResults, level: float) -> dict[str, np.ndarray]:
    """Each day's abnormal return with its standard error and interval, (N, span)."""
    fit = results.fit
    se = np.sqrt(fit.ar_variance())
    lower, upper = t_interval(fit.ar, se, fit.df[:, None], level)
    return {"ar": fit.ar, "ar_se": se, "ar_lower": lower, "ar_upper": upper}


def _event_columns(results: EventStudyResults) -> dict[str, object]:
    labels = results.panel.labels
    return {
        "row": np.arange(len(labels)),
        **{k: labels[k] for k in ("event_id", "ticker", "candidate", "event_session")},
        "event_type": labels["event_type"],
        "announced": labels["announced"],
    }


def _day_columns(results: EventStudyResults, day: int, daily: dict) -> dict[str, object]:
    """Date and daily AR columns of relative day ``day`` (missing outside the span)."""
    tau, n = results.panel.evt_tau, len(results.panel)
    where = np.flatnonzero(tau == day)
    if not len(where):
        return {"date": np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"),
                **{name: np.full(n, np.nan) for name in daily}}
    column = int(where[0])
    return {"date": results.panel.evt_dates[:, column],
            **{name: values[:, column] for name, values in daily.items()}}


def _origin(results: EventStudyResults, day: int, daily: dict) -> pd.DataFrame:
    """The path's first point: nothing cumulated yet, on the session before ``start``."""
    n = len(results.panel)
    zero = np.zeros(n)
    return pd.DataFrame(
        {
            **_event_columns(results), "tau": day, **_day_columns(results, day, daily),
            "car": zero, "n_days": np.zeros(n, dtype=np.intp), "se": zero,
            "t_stat": np.nan, "df": results.fit.df, "p_value": np.nan,
            "lower": zero, "upper": zero,
        }
    )


def _path_day(
    results: EventStudyResults, first: int, end: int, level: float, daily: dict
) -> pd.DataFrame:
    """CAR(first, end) of every event row."""
    fit, tau = results.fit, results.panel.evt_tau
    car, variance, n_days = fit.car(np.broadcast_to((tau >= first) & (tau <= end), fit.ar.shape))
    se, t_stat, p_value = car_t_test(car, variance, fit.df)
    lower, upper = t_interval(car, se, fit.df, level)
    return pd.DataFrame(
        {
            **_event_columns(results), "tau": end, **_day_columns(results, end, daily),
            "car": car, "n_days": n_days, "se": se, "t_stat": t_stat, "df": fit.df,
            "p_value": p_value, "lower": lower, "upper": upper,
        }
    )


def caar_path(
    results: EventStudyResults, start: int | None = None, level: float | None = None
) -> pd.DataFrame:
    """The mean CAR path of the securities of each announcement, with its band.

    One pool per event id and candidate session: the securities that the same
    announcement reached (the telecom carriers' three, say). The pool's CAAR on day
    ``tau`` is the mean of the securities' CAR(start, tau) of :func:`car_path`; its
    AAR is the mean of their abnormal returns that day.

    Its standard error is the portfolio approach of MacKinlay (1997, "Event
    Studies in Economics and Finance", sec. 4.E, "Inferences with clustering"):
    when the securities share the event day their abnormal returns are
    cross-correlated, and the variance of their mean is that of an equally
    weighted portfolio of them, ``s_p^2`` times the securities' mean
    prediction-error factor ``var_i(CAR) / s_i^2``, where ``s_p^2`` is the
    variance of the portfolio's estimation residuals (the securities' residuals
    averaged day by day over the estimation days all of them have, around their
    mean, over those days minus the model's parameters). For securities that
    share their regressors (one market index, the same estimation days) this is
    exactly the prediction-error-corrected variance of the portfolio's own
    regression, since OLS residuals are linear in the dependent variable; the
    interval is Student-t with those degrees of freedom. A pool of one security
    is that security's own path.

    Parameters
    ----------
    results : EventStudyResults
    start : int, optional
        As for :func:`car_path` (the event session by default).
    level : float, optional
        As for :func:`car_path` (the results' own level by default).

    Returns
    -------
    DataFrame
        One row per pool and relative day from ``start - 1``, columns
        :data:`CAAR_COLUMNS`: ``n`` securities with a CAR that day, ``tickers``
        (the pool's securities, comma-separated), ``aar`` with ``aar_se``,
        ``aar_lower``, ``aar_upper``, ``caar`` with ``se``, ``df``, ``lower`` and
        ``upper``; the origin row has ``caar`` = 0 and ``se`` = 0.
    """
    path = car_path(results, start=start, level=level)
    level, first = path.attrs["level"], path.attrs["start"]
    labels, fit = results.panel.labels, results.fit
    days = np.sort(path["tau"].unique())
    width = len(days)
    frames = []
    for (event_id, candidate), rows in labels.groupby(["event_id", "candidate"], sort=False):
        index = rows.index.to_numpy()
        block = {name: path[name].to_numpy().reshape(len(labels), width)[index]
                 for name in ("car", "se", "ar", "ar_se")}
        s2_p, df_p = _portfolio_variance(fit, index)
        # The prediction-error factor of a CAR (and of a day's AR) per unit of residual variance.
        factor = _mean(block["se"] ** 2 / fit.s2[index, None])
        ar_factor = _mean(block["ar_se"] ** 2 / fit.s2[index, None])
        caar, aar = _mean(block["car"]), _mean(block["ar"])
        se, aar_se = np.sqrt(s2_p * factor), np.sqrt(s2_p * ar_factor)
        lower, upper = t_interval(caar, se, df_p, level)
        aar_lower, aar_upper = t_interval(aar, aar_se, df_p, level)
        sessions = rows["event_session"].unique()
        frames.append(pd.DataFrame({
            "event_id": event_id, "candidate": candidate,
            "event_session": sessions[0] if len(sessions) == 1 else "",
            "tau": days, "n": np.count_nonzero(~np.isnan(block["car"]), axis=0),
            "tickers": ", ".join(dict.fromkeys(rows["ticker"])),
            "aar": aar, "aar_se": aar_se, "aar_lower": aar_lower, "aar_upper": aar_upper,
            "caar": caar, "se": se, "df": df_p, "lower": lower, "upper": upper,
            "event_type": rows["event_type"].iloc[0], "announced": rows["announced"].iloc[0],
        }))
    table = pd.concat(frames, ignore_index=True).loc[:, list(CAAR_COLUMNS)]
    table.attrs = {"level": level, "start": first, "model": results.model,
                   "measure": results.measure}
    return table


def _mean(values: np.ndarray) -> np.ndarray:
    """Column means over the securities present (NaN where none is)."""
    present = ~np.isnan(values)
    count = present.sum(axis=0)
    total = np.where(present, values, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _portfolio_variance(fit, rows: np.ndarray) -> tuple[float, float]:
    """Residual variance and degrees of freedom of the equally weighted portfolio of ``rows``."""
    resid = fit.est_resid[rows]
    common = ~np.isnan(resid).any(axis=0)
    portfolio = resid[:, common].mean(axis=0)
    # Parameters per security: rows used minus residual df (a mean counts for market-adjusted).
    parameters = int(np.max(fit.n_est[rows] - fit.df[rows]))
    df = float(common.sum() - parameters)
    if df <= 0:
        return np.nan, np.nan
    return float(((portfolio - portfolio.mean()) ** 2).sum() / df), df
