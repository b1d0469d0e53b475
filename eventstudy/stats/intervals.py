"""Confidence intervals for abnormal returns, CARs, AARs and CAARs.

Each interval inverts the test that comes with its estimate, so that an interval
excludes zero exactly when that test's two-sided p-value is below ``1 - level``:

- :func:`t_interval`, one event's AR or CAR: the single-event t test of
  :func:`eventstudy.stats.car_t_test`. Under the classical assumptions the
  standardised CAR, ``(CAR - E[CAR]) / se``, is Student-t with the estimation
  window's residual degrees of freedom (MacKinlay 1997; Campbell, Lo & MacKinlay
  1997, ch. 4), so ``CAR +/- t_{df, (1 + level) / 2} * se`` covers the true CAR with
  probability ``level``.
- :func:`mean_interval`, the AAR of a day or the CAAR of a window pooled over
  ``n`` events: the cross-sectional t test (:func:`eventstudy.stats.daily_csect_t`,
  :func:`eventstudy.stats.window_csect_t`; Brown & Warner 1985; Boehmer, Musumeci &
  Poulsen 1991, the "cross-sectional method"), whose standard error is the
  cross-sectional ``s / sqrt(n)`` and whose distribution is Student-t with ``n - 1``
  degrees of freedom: ``AAR +/- t_{n - 1, (1 + level) / 2} * s / sqrt(n)``. It
  shares that test's assumption of independent events: with events on a common
  date it is too narrow (see the size and power study of the documentation).

References
----------
Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology under
conditions of event-induced variance. *Journal of Financial Economics* 30(2), 253-272.

Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event
studies. *Journal of Financial Economics* 14(1), 3-31.

Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997). *The Econometrics of
Financial Markets*, ch. 4. Princeton University Press.

MacKinlay, A. C. (1997). Event studies in economics and finance. *Journal of Economic
Literature* 35(1), 13-39 (the distribution of abnormal returns and CARs).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from eventstudy.errors import SpecificationError

DEFAULT_LEVEL = 0.95


def check_level(level: object, what: str = "level") -> float:
    """``level`` as a float strictly between 0 and 1, or a :class:`SpecificationError`.

    Parameters
    ----------
    level : float
        Coverage of the intervals, e.g. 0.95.
    what : str
        How the message names the option (``"--level"`` on the command line).
    """
    if not isinstance(level, numbers.Real) or isinstance(level, bool | np.bool_):
        raise SpecificationError(f"{what} must be a number between 0 and 1, e.g. 0.95, "
                                 f"not {level!r}")
    value = float(level)
    if not (math.isfinite(value) and 0.0 < value < 1.0):
        hint = f" (for {value:g}%, give {value / 100:g})" if 1.0 < value < 100.0 else ""
        raise SpecificationError(
            f"{what} must lie strictly between 0 and 1, e.g. 0.95, not {level!r}{hint}"
        )
    return value


def t_interval(
    estimate: np.ndarray, se: np.ndarray, df: np.ndarray, level: float = DEFAULT_LEVEL
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

    References
    ----------
    MacKinlay, A. C. (1997). Event studies in economics and finance. *Journal of
    Economic Literature* 35(1), 13-39.
    """
    from scipy.special import stdtrit

    level = check_level(level)
    estimate = np.asarray(estimate, dtype=float)
    half = stdtrit(np.asarray(df, dtype=float), 0.5 + level / 2.0) * np.asarray(se, float)
    return estimate - half, estimate + half


def mean_interval(
    mean: np.ndarray, sd: np.ndarray, n: np.ndarray, level: float = DEFAULT_LEVEL
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard error and Student-t interval of a cross-sectional mean (AAR or CAAR).

    With ``n`` events, their mean ``m`` and cross-sectional sample s.d. ``s``
    (``ddof=1``)::

        se = s / sqrt(n)
        m +/- t_{n - 1, (1 + level) / 2} * se

    the inversion of the cross-sectional t test (``t = m / se``, Student-t with
    ``n - 1`` df), so the interval excludes zero exactly when that test's p-value is
    below ``1 - level``.

    Parameters
    ----------
    mean, sd, n : array_like
        Means, cross-sectional standard deviations and numbers of events,
        broadcastable to one shape.
    level : float
        Coverage, strictly between 0 and 1.

    Returns
    -------
    se, lower, upper : numpy.ndarray
        NaN where ``n < 2`` or ``sd`` is missing.

    References
    ----------
    Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of
    event studies. *Journal of Financial Economics* 14(1), 3-31 (the cross-sectional
    test).

    Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology
    under conditions of event-induced variance. *Journal of Financial Economics*
    30(2), 253-272 (the cross-sectional method).
    """
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(n >= 2, np.asarray(sd, dtype=float) / np.sqrt(n), np.nan)
    df = np.where(n >= 2, n - 1.0, np.nan)
    lower, upper = t_interval(mean, se, df, level)
    return se, lower, upper
