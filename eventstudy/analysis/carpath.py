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
``EventStudy(..., windows=[(start, tau)])`` would report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.results import EventStudyResults
from ..errors import SpecificationError
from ..stats import car_t_test
from ..stats.intervals import t_interval

PATH_COLUMNS = (
    "event_id", "ticker", "candidate", "event_session", "tau", "date", "ar", "car", "n_days",
    "se", "t_stat", "df", "p_value", "lower", "upper",
)


def car_path(
    results: EventStudyResults, start: int | None = None, level: float = 0.95
) -> pd.DataFrame:
    """CAR(start, tau) for every event and every tau >= start, with its confidence band.

    Parameters
    ----------
    results : EventStudyResults
    start : int, optional
        First relative day of the cumulation; the first day of the event span
        (the earliest window start) by default.
    level : float
        Coverage of the pointwise interval ``lower``..``upper`` (Student-t with the
        model's residual degrees of freedom, see :mod:`eventstudy.stats.intervals`).

    Returns
    -------
    DataFrame
        One row per event row and relative day, columns :data:`PATH_COLUMNS`.
        ``ar`` is that day's abnormal return (NaN when missing); ``car`` sums the
        days present from ``start`` and ``n_days`` counts them; ``car`` is NaN
        until the first day with a return. ``attrs`` records ``level``, ``start``
        and the model, for the figure's labels.
    """
    tau = results.panel.evt_tau
    first = int(tau[0]) if start is None else int(start)
    if not tau[0] <= first <= tau[-1]:
        raise SpecificationError(
            f"the CAR path must start inside the event span [{tau[0]}, {tau[-1]}], not at "
            f"{first}; widen the study's windows or choose another start"
        )
    frames = [_path_day(results, first, int(end), level) for end in tau[tau >= first]]
    path = pd.concat(frames, ignore_index=True)
    path = path.sort_values(["row", "tau"], kind="stable").drop(columns="row")
    path = path.reset_index(drop=True).loc[:, list(PATH_COLUMNS)]
    path.attrs = {"level": level, "start": first, "model": results.model}
    return path


def _path_day(results: EventStudyResults, first: int, end: int, level: float) -> pd.DataFrame:
    """CAR(first, end) of every event row."""
    fit, tau = results.fit, results.panel.evt_tau
    car, variance, n_days = fit.car(np.broadcast_to((tau >= first) & (tau <= end), fit.ar.shape))
    se, t_stat, p_value = car_t_test(car, variance, fit.df)
    lower, upper = t_interval(car, se, fit.df, level)
    column = int(np.flatnonzero(tau == end)[0])
    labels = results.panel.labels
    return pd.DataFrame(
        {
            "row": np.arange(len(labels)),
            **{k: labels[k] for k in ("event_id", "ticker", "candidate", "event_session")},
            "tau": end,
            "date": results.panel.evt_dates[:, column],
            "ar": fit.ar[:, column],
            "car": car,
            "n_days": n_days,
            "se": se,
            "t_stat": t_stat,
            "df": fit.df,
            "p_value": p_value,
            "lower": lower,
            "upper": upper,
        }
    )
