"""Buy-and-hold abnormal returns and their mean.

=============  ====================================================================
``bhar``       buy-and-hold abnormal return of each event (Barber & Lyon 1997)
``mean_bhar``  mean BHAR over the events that have one
=============  ====================================================================

References
----------
Barber, B. M. and Lyon, J. D. (1997). Detecting long-run abnormal stock returns: the
empirical power and specification of test statistics. *Journal of Financial
Economics* 43(3), 341-372.
"""

from __future__ import annotations

import numpy as np

from ._arrays import _NAN, _matrix, _same_shape, _vector


def bhar(returns: np.ndarray, normal_returns: np.ndarray) -> np.ndarray:
    """Buy-and-hold abnormal return of each event over its window.

    The compounded return less the compounded normal return over the window::

        BHAR_i = prod_t (1 + R_it) - prod_t (1 + E[R_it])

    Parameters
    ----------
    returns, normal_returns : array_like
        (N, T) raw and normal-model simple returns (fractions) over the window.

    Returns
    -------
    numpy.ndarray
        (N,) BHARs; NaN for an event with any missing day, since compounding over
        a gap would silently treat the gap as a zero return.

    References
    ----------
    Barber, B. M. and Lyon, J. D. (1997). Detecting long-run abnormal stock
    returns: the empirical power and specification of test statistics. *Journal of
    Financial Economics* 43(3), 341-372 (the definition of the BHAR).
    """
    r = _matrix("returns", returns)
    rn = _matrix("normal_returns", normal_returns)
    _same_shape("normal_returns", rn, "returns", r)
    return np.prod(1.0 + r, axis=1) - np.prod(1.0 + rn, axis=1)


def mean_bhar(bhar_values: np.ndarray) -> tuple[float, int]:
    """Mean BHAR over the events that have one, and that number of events."""
    b = _vector("bhar_values", bhar_values)
    b = b[~np.isnan(b)]
    return (float(b.mean()) if b.size else _NAN), int(b.size)
