"""Readable views of the library's tables for notebooks: percent only on screen.

Tables keep returns as fractions; :func:`styled` formats them as percent (and
p-values, t statistics and percentiles with fixed decimals, prices with their
currency) in a pandas Styler, leaving the data untouched: text left, numbers
right, columns without a value left out. :func:`pooled_table` shows the pooled
tests with stars, :func:`announcements` and :func:`event_sessions` split the events
table into what was announced and when the market could react. Styling needs
jinja2 (installed with the ``notebooks`` extra).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from ..analysis.event_table import event_table
from ..core.results import EventStudyResults
from ..core.summary import format_value
from ..errors import DataIntegrityError, SpecificationError
from ..events.event import Event
from ..sources.bundled import price_manifest
from ..stats import WINDOW_TESTS
from .tables import is_prose

PERCENT_COLUMNS = frozenset(
    {
        "ar", "ar_se", "car", "se", "lower", "upper", "ret", "market_ret", "raw_return",
        "market_return", "peak_move", "trough_move", "close_to_close", "abnormal_return",
        "event_ar", "placebo_mean", "placebo_sd",
    }
)
def _percent(value: float) -> str:
    """A return in percent with its sign, rounded as in the summaries (no "-0.00%")."""
    return format_value(value, "return")


def _statistic(value: float) -> str:
    return format_value(value, "stat")


DECIMALS = {"p_value": "{:.3f}", "ar_p": "{:.3f}", "t_stat": _statistic, "ar_t": _statistic,
            "percentile": "{:.1f}"}
PRICE_COLUMNS = frozenset({"prev_close", "open", "high", "low", "close", "adj_close"})
ANNOUNCEMENT_COLUMNS = (
    "event_id", "type", "announced", "weekday", "time", "timezone", "description", "source",
)
SESSION_COLUMNS = (
    "event_id", "ticker", "exchange", "candidate", "placed_at", "event_session",
    "session_weekday",
)
POOLED_NOTE = (
    "CAAR: mean CAR; median: median CAR; positive: share of CARs above zero; "
    "BHAR: mean buy-and-hold abnormal return. The test columns are "
    "two-sided p-values (*** p<0.01, ** p<0.05, * p<0.10): csect_t cross-sectional t; "
    "patell Patell (1976); bmp Boehmer-Musumeci-Poulsen (1991); kp_* Kolari-Pynnönen (2010), "
    "allowing for cross-correlation; grank Kolari-Pynnönen (2011); gen_sign Cowan (1992); "
    "sign and wilcoxon on the CARs; bootstrap: seeded bootstrap-t of the CAAR."
)


def styled(
    frame: pd.DataFrame,
    percent: Iterable[str] | str | None = None,
    currencies: Mapping[str, str] | None = None,
    drop_empty: bool = True,
) -> Styler:
    """A Styler showing returns in percent, prices with their currency, text left.

    Parameters
    ----------
    frame : DataFrame
    percent : iterable of str or "all", optional
        Columns to show in percent with a sign and two decimals; by default those of
        :data:`PERCENT_COLUMNS` present in ``frame``; ``"all"`` for a table of returns
        only (e.g. :func:`eventstudy.analysis.compare_variants` of CARs).
    currencies : mapping of str to str, optional
        Currency of each ticker, for the price columns (:data:`PRICE_COLUMNS`) of a
        frame with a ``ticker`` column; added to the bundled data's currencies. Prices
        are shown with two decimals after their currency (``HKD 24.60``), an index
        (a ticker starting with ``^``) in points, a ticker of unknown currency bare.
    drop_empty : bool
        Leave out the columns (and index levels, of a table with several) in which
        no row has a value, such as ``candidate`` when every event's timing is known.
    """
    if isinstance(percent, str):
        if percent != "all":
            raise SpecificationError(f"percent must be 'all' or a list of columns, not {percent!r}")
        percent = frame.columns
    chosen = PERCENT_COLUMNS if percent is None else frozenset(percent)
    shown = _without_empty(frame) if drop_empty else frame
    formats = {c: _percent for c in shown.columns if c in chosen}
    formats.update({c: f for c, f in DECIMALS.items() if c in shown.columns and c not in chosen})
    style = shown.style.format(formats, na_rep="")
    style = _format_prices(style, shown, chosen, currencies)
    style = _align(style, shown)
    # A default RangeIndex carries no information worth showing.
    return style.hide(axis="index") if isinstance(shown.index, pd.RangeIndex) else style


def pooled_table(
    results: EventStudyResults, group_by: str | None = None, seed: int | None = 0
) -> Styler:
    """The pooled CARs per window with the p-values of the window tests, starred.

    The HTML counterpart of :meth:`~eventstudy.EventStudyResults.pooled_summary`:
    one row per (group and) window with the number of events, the CAAR, the median
    CAR, the share of positive CARs and the mean BHAR in percent, and each test of
    :data:`eventstudy.stats.WINDOW_TESTS` as a two-sided p-value with stars (``***``
    p < 0.01, ``**`` p < 0.05, ``*`` p < 0.10).

    Parameters
    ----------
    results : EventStudyResults
    group_by : {None, "event_id", "event_type", "case", "ticker", "event_session"}
        Pool all events (None) or each group separately, as in
        :meth:`~eventstudy.EventStudyResults.caar`.
    seed : int or None
        Seed of the bootstrap test.
    """
    table = results.caar(group_by=group_by, seed=seed)
    shown = pd.DataFrame({
        "window": _window_labels(table),
        "N": table["n"],
        "CAAR": table["caar"],
        "median": table["median"],
        "positive": table["share_positive"],
        "BHAR": table["mean_bhar"],
    })
    if group_by is not None:
        shown.insert(0, group_by, table[group_by])
    tests = [name for name in WINDOW_TESTS if f"{name}_p" in table.columns]
    for name in tests:
        shown[name] = table[f"{name}_p"]
    style = styled(shown, percent=["CAAR", "median", "BHAR"]).format(
        lambda share: format_value(share, "share"), subset=["positive"])
    style = style.format(_starred, subset=[t for t in tests if t in style.data.columns])
    return style.set_caption(POOLED_NOTE).set_table_styles(
        [{"selector": "caption",
          "props": "caption-side: bottom; text-align: left; padding-top: 0.5em;"}],
        overwrite=False,
    )


def announcements(events: Iterable[Event]) -> pd.DataFrame:
    """One row per announcement: its type, when and where it was made, what and source.

    Parameters
    ----------
    events : iterable of Event

    Returns
    -------
    DataFrame
        Columns :data:`ANNOUNCEMENT_COLUMNS`, as in
        :func:`~eventstudy.analysis.event_table` plus the catalog's ``source``; an
        announcement concerning several securities (with the same description) is
        one row.
    """
    events = tuple(events)
    table = event_table(events)
    sources = {event.id: event.source for event in events}
    table["source"] = table["event_id"].map(sources)
    return table.loc[:, list(ANNOUNCEMENT_COLUMNS)].drop_duplicates(ignore_index=True)


def event_sessions(events: Iterable[Event]) -> pd.DataFrame:
    """One row per announcement, security and candidate session: where it was placed.

    Parameters
    ----------
    events : iterable of Event

    Returns
    -------
    DataFrame
        Columns :data:`SESSION_COLUMNS` of :func:`~eventstudy.analysis.event_table`:
        the moment the calendar rule uses in the exchange's time zone and the first
        session after it, for each candidate of an announcement of unknown timing.
    """
    return event_table(events).loc[:, list(SESSION_COLUMNS)]


def price_units(
    tickers: Iterable[str], currencies: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The unit each ticker's prices are shown in: a currency, ``points`` or ``""``.

    An index (Yahoo's ``^`` prefix) is in points; otherwise ``currencies`` or, failing
    that, the bundled price manifest names the currency; an unknown ticker has none.
    """
    known = dict(_bundled_currencies())
    known.update(currencies or {})
    return {t: "points" if t.startswith("^") else known.get(t, "") for t in tickers}


def _bundled_currencies() -> Mapping[str, str]:
    try:
        return price_manifest()["currency"].to_dict()
    except DataIntegrityError:  # no bundled data installed: currencies only as given
        return {}


def _without_empty(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the columns (and index levels) that hold no value in any row."""
    empty = [c for c in frame.columns if _is_empty(frame[c])]
    shown = frame.drop(columns=empty) if empty else frame
    index = shown.index
    if isinstance(index, pd.MultiIndex):
        levels = [i for i in range(index.nlevels) if _is_empty(index.get_level_values(i))]
        if levels and len(levels) < index.nlevels:
            shown = shown.droplevel(levels)
    return shown


def _is_empty(values) -> bool:
    series = pd.Series(values)
    return bool((series.isna() | series.astype("str").eq("")).all())


def _format_prices(
    style: Styler, frame: pd.DataFrame, percent: frozenset, currencies: Mapping[str, str] | None
) -> Styler:
    """Two decimals and the ticker's unit on every price column (rows grouped by unit)."""
    columns = [c for c in frame.columns if c in PRICE_COLUMNS and c not in percent]
    if not columns:
        return style
    if "ticker" not in frame.columns:
        return style.format("{:,.2f}", subset=columns, na_rep="")
    tickers = frame["ticker"].astype("str")
    units = tickers.map(price_units(tickers.unique(), currencies))
    for unit in units.unique():
        rows = (units == unit).to_numpy()
        style = style.format(_price_format(unit), subset=pd.IndexSlice[rows, columns], na_rep="")
    return style


def _price_format(unit: str) -> str:
    if unit == "points":
        return "{:,.2f} points"
    return f"{unit} {{:,.2f}}" if unit else "{:,.2f}"


def _align(style: Styler, frame: pd.DataFrame) -> Styler:
    """Numbers right, text left on one line; long text (prose) wraps in a wide column."""
    rules = {}
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            props = "text-align: right; white-space: nowrap;"
        elif column.astype("str").map(is_prose).any():
            props = "text-align: left; white-space: normal; min-width: 18em;"
        else:
            props = "text-align: left; white-space: nowrap;"
        # a long header (a robustness variant) may wrap; its cells stay on one line
        header = props.split(";")[0] + ";"
        rules[name] = [{"selector": "td", "props": props}, {"selector": "th", "props": header}]
    style = style.set_table_styles(rules) if frame.columns.is_unique else style
    return style.set_table_styles(
        [{"selector": "th.row_heading, th.index_name",
          "props": "text-align: left; white-space: nowrap;"}],
        overwrite=False,
    )


def _window_labels(table: pd.DataFrame) -> pd.Series:
    return ("(" + table["window_start"].astype("str") + ","
            + table["window_end"].astype("str") + ")")


def _starred(p: float) -> str:
    if not np.isfinite(p):
        return ""
    stars = "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""
    return f"{p:.3f}{stars}"
