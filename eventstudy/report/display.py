"""Readable views of the library's tables for notebooks: percent only on screen.

Tables keep returns as fractions; :func:`styled` formats them as percent (and
p-values, t statistics and percentiles with fixed decimals) in a pandas Styler,
leaving the data untouched. Styling needs jinja2 (installed with the
``notebooks`` extra).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from pandas.io.formats.style import Styler

from ..errors import SpecificationError

PERCENT_COLUMNS = frozenset(
    {
        "ar", "ar_se", "car", "se", "lower", "upper", "ret", "market_ret", "raw_return",
        "market_return", "peak_move", "trough_move", "close_to_close", "abnormal_return",
        "event_ar", "placebo_mean", "placebo_sd",
    }
)
DECIMALS = {"p_value": "{:.3f}", "ar_p": "{:.3f}", "t_stat": "{:.2f}", "ar_t": "{:.2f}",
            "percentile": "{:.1f}", "prev_close": "{:.5g}", "high": "{:.5g}", "low": "{:.5g}"}


def styled(frame: pd.DataFrame, percent: Iterable[str] | str | None = None) -> Styler:
    """A Styler showing return columns in percent with a sign, two decimals.

    Parameters
    ----------
    frame : DataFrame
    percent : iterable of str or "all", optional
        Columns to show in percent; by default those of :data:`PERCENT_COLUMNS`
        present in ``frame``; ``"all"`` for a table of returns only (e.g.
        :func:`eventstudy.analysis.compare_variants` of CARs).
    """
    if isinstance(percent, str):
        if percent != "all":
            raise SpecificationError(f"percent must be 'all' or a list of columns, not {percent!r}")
        percent = frame.columns
    chosen = PERCENT_COLUMNS if percent is None else frozenset(percent)
    formats = {c: "{:+.2%}" for c in frame.columns if c in chosen}
    formats.update({c: f for c, f in DECIMALS.items() if c in frame.columns and c not in chosen})
    style = frame.style.format(formats, na_rep="")
    # A default RangeIndex carries no information worth showing.
    return style.hide(axis="index") if isinstance(frame.index, pd.RangeIndex) else style
