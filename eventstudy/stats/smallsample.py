"""Small samples: which pooled tests have little power or an unreliable size at n events.

The pooled tables (``results.aar()``, ``results.caar()``) and the pooled summary flag
every row pooled over fewer than :data:`SMALL_SAMPLE` events with a note
(:func:`small_sample_note`); the generalized rank test's note starts earlier, below
:data:`GRANK_SMALL_SAMPLE` events. The thresholds and the notes come from the
project's size and power study (``benchmarks/size_power.py``, 5% two-sided tests,
2,000 simulated trials of independent events, 1,000 trials of the bundled returns;
the documentation's "Size and power" page) run at 5, 10, 15 and 20 events, and from
the tests' construction:

- Every test has little power below 10 events: a +1% day-0 abnormal return is found
  in 15% to 24% of simulated samples of 5 events (6% to 19% on the bundled returns),
  against 80% to 97% with 50 events.
- ``sign`` and ``wilcoxon`` are exact, and their smallest two-sided p-value with n
  non-zero values is ``2^(1 - n)`` (all of one sign): with 5 events or fewer (0.0625)
  they can never reject at 5%, with 7 or fewer never at 1%; above that their few
  attainable levels make them conservative (the sign test rejected 1.6% at 10
  events).
- ``gen_sign`` (Cowan 1992) takes a binomial count for normal: its size was 7.2% at 5
  events and 2.0% to 2.8% at 10.
- ``grank`` (Kolari & Pynnonen 2011) over-rejects in small samples: 11.3% at 5
  events (12.1% on the bundled returns), 8.3% at 10 (8.5%), 6.1% at 15 and 5.6% at
  20, hence its own threshold of 15.
- ``bootstrap``: n events have only ``C(2n - 1, n)`` distinct resamples (126 at 5) and
  the resampled t is unstable; the test rejected 2.1% at 5 events (1.5% on the
  bundled returns) and had almost no power.
- ``csect_t``, ``bmp``, ``kp_bmp`` (and the CAAR's interval) are Student-t with
  ``n - 1`` df: exact for normal abnormal returns, conservative with real returns'
  fat tails (2.6% to 3.8% at 5 events on the bundled returns; Brown & Warner 1985
  find mean abnormal returns of 5 securities far from normal), and wide.
- ``patell``, ``kp_patell``, ``corrado_rank`` and ``bw_portfolio_t`` kept their
  simulated size at 5 events; only their power is low.

References
----------
Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event
studies. *Journal of Financial Economics* 14(1), 3-31 (sample size and the
non-normality of mean abnormal returns).

Cowan, A. R. (1992). Nonparametric event study tests. *Review of Quantitative Finance
and Accounting* 2(4), 343-358.

Davison, A. C. and Hinkley, D. V. (1997). *Bootstrap Methods and their Application*,
ch. 2 (the number of distinct resamples) and ch. 4. Cambridge University Press.

Kolari, J. W. and Pynnonen, S. (2011). Nonparametric rank tests for event studies.
*Journal of Empirical Finance* 18(5), 953-971.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

SMALL_SAMPLE = 10
"""Rows pooled over fewer events than this carry a small-sample note."""

GRANK_SMALL_SAMPLE = 15
"""The generalized rank test's own threshold: it over-rejects below it."""

_T_TESTS = ("csect_t", "bmp", "kp_bmp")
_EXACT_TESTS = ("sign", "wilcoxon")


def small_sample_note(n: int, tests: Iterable[str]) -> str:
    """The note of a pooled row of ``n`` events whose table has ``tests``.

    Parameters
    ----------
    n : int
        Events in the row (its ``n`` column).
    tests : iterable of str
        The tests of the table, e.g. :data:`eventstudy.stats.WINDOW_TESTS`.

    Returns
    -------
    str
        ``""`` from :data:`SMALL_SAMPLE` events on (and from
        :data:`GRANK_SMALL_SAMPLE` for a table with ``grank``) or with no event;
        otherwise one sentence naming the tests affected and how (see the module
        docstring for the evidence).

    Examples
    --------
    >>> small_sample_note(12, ["csect_t", "sign"])
    ''
    >>> small_sample_note(12, ["grank"])
    '12 events: grank over-rejects below 15 events (8% at 10)'
    """
    tests = tuple(tests)
    n = int(n)
    if n < 1:
        return ""
    grank = "grank" in tests and n < GRANK_SMALL_SAMPLE
    if n >= SMALL_SAMPLE:
        if grank:
            return f"{n} events: grank over-rejects below {GRANK_SMALL_SAMPLE} events (8% at 10)"
        return ""
    events = "1 event" if n == 1 else f"{n} events"
    parts = [f"{events}, fewer than {SMALL_SAMPLE}: every test has little power"]
    exact = [t for t in _EXACT_TESTS if t in tests]
    smallest = 2.0 ** (1 - n)
    if exact and smallest > 0.05:
        parts.append(f"{' and '.join(exact)} cannot reject at 5% (smallest p {smallest:.3g})")
    elif exact:
        parts.append(f"{' and '.join(exact)} have few attainable p-values (smallest "
                     f"{smallest:.2g})")
    if grank:
        parts.append("grank over-rejects (size 8% to 12%)")
    if "gen_sign" in tests:
        parts.append("gen_sign's size is unreliable (normal approximation)")
    if "bootstrap" in tests:
        parts.append("the bootstrap is conservative")
    t_tests = [t for t in _T_TESTS if t in tests]
    if t_tests and n >= 2:
        parts.append(f"{', '.join(t_tests)} and the interval have {n - 1} df")
    return "; ".join(parts)


def small_sample_notes(n: Iterable[int], tests: Iterable[str]) -> np.ndarray:
    """:func:`small_sample_note` of every row: an array of str, one per ``n``."""
    tests = tuple(tests)
    counts = np.asarray(n, dtype=np.int64)
    notes = {k: small_sample_note(k, tests) for k in np.unique(counts).tolist()}
    return np.array([notes[k] for k in counts.tolist()], dtype=object).astype(str)
