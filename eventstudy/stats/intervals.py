"""Confidence intervals for abnormal returns and CARs.

The interval inverts the single-event t test of :func:`eventstudy.stats.car_t_test`:
under the classical assumptions the standardised CAR, ``(CAR - E[CAR]) / se``, is
Student-t with the estimation window's residual degrees of freedom, so

    CAR +/- t_{df, (1 + level) / 2} * se

covers the true CAR with probability ``level``. A CAR whose interval excludes zero
is exactly one whose two-sided p-value is below ``1 - level``.

References
----------
MacKinlay, A. C. (1997). Event studies in economics and finance. *Journal of Economic
Literature* 35(1), 13-39 (the distribution of abnormal returns and CARs).

Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997). *The Econometrics of
Financial Markets*, ch. 4. Princeton University Press.
"""

from __future__ import annotations

import numpy as np

from eventstudy.errors import SpecificationError


def t_interval(
    estimate: np.ndarray, se: np.ndarray, df: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of the two-sided Student-t interval.

    Parameters
    ----------
    estimate, se, df : array_like
        Estimates (e.g. CARs), their standard errors (prediction-error corrected)
        and degrees of freedom, broadcastable to one shape.
    level : float
        Coverage, strictly between 0 and 1.

    Returns
    -------
    lower, upper : numpy.ndarray
        NaN wherever an input is missing.

    Notes
    -----
    The quantile is ``scipy.stats.t.ppf(q, df)``, which evaluates
    ``scipy.special.stdtrit(df, q)``; that is called directly (imported here, as
    scipy.stats would cost ``import eventstudy`` about 0.5 s). Both are NaN for
    ``df <= 0`` or missing and ``inf`` at ``q = 1``.
    """
    from scipy.special import stdtrit

    if not 0.0 < level < 1.0:
        raise SpecificationError(f"the confidence level must lie strictly between 0 and 1: {level}")
    estimate = np.asarray(estimate, dtype=float)
    half = stdtrit(np.asarray(df, dtype=float), 0.5 + level / 2.0) * np.asarray(se, float)
    return estimate - half, estimate + half
