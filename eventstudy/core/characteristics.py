"""Event and firm characteristics joined to one window's CARs, and the rows left out.

The second stage (:meth:`EventStudyResults.cross_section
<eventstudy.EventStudyResults.cross_section>` and :meth:`~eventstudy.EventStudyResults.compare`)
works on one row per event: the windows table's rows of one window, one candidate
session per announcement of unknown timing, with ``scar`` beside ``car`` and
``bhar``, and the columns of a characteristics table joined to them.

The join
    ``on="event_id"`` (characteristics of announcements), ``"ticker"`` (of firms) or
    both, ``("event_id", "ticker")`` (of one firm at one announcement). Without
    ``on``, the keys are those of ``event_id`` and ``ticker`` that the table has, as
    columns or as named index levels. Keys are compared as text. Each key may appear
    once; a characteristic may not share a name with a column of the windows table.
Candidates
    With ``unknown_timing="both"`` an announcement of unknown timing has a row per
    candidate session. Using both would count it twice: ``candidate="earliest"`` (the
    default) or ``"latest"`` keeps that candidate's rows and every row of known
    timing.
Rows left out
    A row without a match in the characteristics, or with a missing value the
    analysis needs, is never dropped silently: :func:`excluded_rows` lists it with the
    reason and :func:`warn_excluded` raises an
    :class:`~eventstudy.errors.ExcludedEventsWarning` naming it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import DataIntegrityError, ExcludedEventsWarning, SpecificationError
from ..stats.crosssection import DEPENDENT, standardized_car
from .design import whole_number

KEYS = ("event_id", "ticker")
CANDIDATES = ("earliest", "latest")
EXCLUDED_COLUMNS = ("window_start", "window_end", "event_id", "ticker", "candidate",
                    "event_session", "reason")
_SHOWN = 5  # rows a warning names before "and N more"


def check_window(window: object, windows: tuple[tuple[int, int], ...]) -> tuple[int, int]:
    """``window`` as one of the design's ``windows``, or a :class:`SpecificationError`."""
    listed = ", ".join(f"({a}, {b})" for a, b in windows)
    wrong = SpecificationError(
        f"window must be one of the design's windows, {listed}; not {window!r}")
    if isinstance(window, str):
        raise wrong
    try:
        start, end = window  # type: ignore[misc]
        pair = (whole_number(start, "window"), whole_number(end, "window"))
    except (TypeError, ValueError) as exc:  # (SpecificationError is a ValueError)
        raise wrong from exc
    if pair not in windows:
        raise wrong
    return pair


def check_candidate(candidate: object) -> str:
    """``candidate`` (one of :data:`CANDIDATES`), or a :class:`SpecificationError`."""
    if candidate not in CANDIDATES:
        raise SpecificationError(f"candidate must be one of {CANDIDATES}, not {candidate!r}")
    return candidate  # type: ignore[return-value]


def event_frame(
    windows: pd.DataFrame,
    window: tuple[int, int],
    candidate: str,
    data: pd.DataFrame | None = None,
    on: str | tuple[str, ...] | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """One window's rows, one per event, with ``scar`` and the characteristics of ``data``.

    Parameters
    ----------
    windows : DataFrame
        The results' windows table.
    window : (int, int)
        A window of the design.
    candidate : {"earliest", "latest"}
        The candidate session kept for announcements of unknown timing.
    data : DataFrame, optional
        Characteristics, joined on ``on`` (see the module docstring).
    on : {"event_id", "ticker"} or both as a tuple, optional

    Returns
    -------
    frame : DataFrame
        Indexed by ``"<event_id> <ticker>"``.
    reasons : Series of str
        Per row, why it cannot be used (``""`` when it can): so far, no match in
        ``data``.
    """
    rows = _window_rows(windows, window, candidate)
    if data is None:
        return rows, pd.Series("", index=rows.index, dtype=object)
    return _join(rows, data, on)


def _window_rows(windows: pd.DataFrame, window: tuple[int, int], candidate: str) -> pd.DataFrame:
    keep = ((windows["window_start"] == window[0]) & (windows["window_end"] == window[1])
            & windows["candidate"].isin(["", candidate]))
    rows = windows.loc[keep].copy()
    rows["scar"] = standardized_car(rows["car"], rows["se"])
    rows.index = pd.Index(rows["event_id"] + " " + rows["ticker"], name="event")
    return rows


def _join(rows: pd.DataFrame, data: pd.DataFrame, on) -> tuple[pd.DataFrame, pd.Series]:
    """``rows`` with ``data``'s columns (left join) and, per row, why it found no match."""
    table, keys = _characteristics(data, on)
    reserved = sorted((set(table.columns) - set(keys)) & {*rows.columns, *DEPENDENT})
    if reserved:
        raise SpecificationError(
            f"the characteristics' column {reserved[0]!r} is also a column of the results' "
            "windows table, which the formula and group_by use directly; rename it or drop it")
    indexed = table.set_index(list(keys))
    matched = rows.set_index(list(keys)).index.isin(indexed.index)
    what = " and ".join(keys)
    unmatched = pd.Series(np.where(matched, "", f"no row of the characteristics for its {what}"),
                          index=rows.index, dtype=object)
    return rows.join(indexed, on=list(keys)), unmatched


def _characteristics(data: object, on) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """``data`` with its keys as text columns, the keys checked: present, unique."""
    if not isinstance(data, pd.DataFrame):
        raise SpecificationError(
            f"data must be a DataFrame of characteristics, not {type(data).__name__}")
    in_index = [name for name in data.index.names if name in KEYS and name not in data.columns]
    table = data.reset_index(in_index) if in_index else data
    keys = _keys(table, on)
    table = table.copy()
    for key in keys:
        if table[key].isna().any():
            position = int(np.argmax(table[key].isna().to_numpy()))
            raise DataIntegrityError(
                f"the characteristics' row {position + 1} has no {key}; every row needs one")
        table[key] = table[key].astype(str)
    counts = table.groupby(list(keys), sort=False).size()
    repeated = counts[counts > 1]
    if len(repeated):
        key = repeated.index[0]
        shown = " ".join(key) if isinstance(key, tuple) else key
        raise DataIntegrityError(
            f"the characteristics have {repeated.iloc[0]} rows for {' '.join(keys)} {shown}; "
            f"give one row per {' and '.join(keys)}")
    return table, keys


def _keys(table: pd.DataFrame, on) -> tuple[str, ...]:
    if on is None:
        keys = tuple(key for key in KEYS if key in table.columns)
        if not keys:
            raise SpecificationError(
                "the characteristics have neither an event_id nor a ticker column to join "
                "on; add one, or name it with on=")
        return keys
    keys = (on,) if isinstance(on, str) else tuple(on)
    if not keys or any(key not in KEYS for key in keys) or len(set(keys)) != len(keys):
        raise SpecificationError(
            f"on must be 'event_id', 'ticker' or ('event_id', 'ticker'), not {on!r}")
    missing = [key for key in keys if key not in table.columns]
    if missing:
        raise SpecificationError(f"on={on!r}: the characteristics have no {missing[0]} column")
    return keys


def add_reason(reasons: pd.Series, more: pd.Series) -> pd.Series:
    """Each row's reasons, ``"; "``-joined: ``reasons`` and then ``more``."""
    both = (reasons != "") & (more != "")
    return reasons.where(more == "", reasons + np.where(both, "; ", "") + more)


def missing_reasons(frame: pd.DataFrame, columns: list[str], unmatched: pd.Series,
                    own: set[str]) -> pd.Series:
    """Per row, ``"missing x; missing y"`` naming the ``columns`` without a value there.

    A characteristic (a column not in ``own``, the results' columns) is not named on
    an ``unmatched`` row: that it has no row in the characteristics says it already.
    """
    reasons = pd.Series("", index=frame.index, dtype=object)
    for column in dict.fromkeys(columns):
        absent = frame[column].isna().to_numpy()
        if column not in own:
            absent = absent & ~unmatched.to_numpy()
        reasons = add_reason(reasons, pd.Series(np.where(absent, f"missing {column}", ""),
                                                index=frame.index, dtype=object))
    return reasons


def check_values(frame: pd.DataFrame, columns: list[str], categorical: set[str]) -> None:
    """Refuse infinite numbers, and text among the numbers of a column used as numbers."""
    for column in dict.fromkeys(columns):
        values = frame[column]
        if values.dtype.kind in "fc" and np.isinf(values.to_numpy()).any():
            raise DataIntegrityError(
                f"column {column!r} is infinite for {values.index[np.isinf(values)][0]}; "
                "give a finite number or leave it missing")
        if values.dtype.kind not in "OSU" and not isinstance(values.dtype, pd.StringDtype):
            continue
        present = values.dropna()
        numbers = pd.to_numeric(present, errors="coerce")
        if column not in categorical and numbers.notna().any() and numbers.isna().any():
            text = present[numbers.isna()]
            raise DataIntegrityError(
                f"column {column!r} mixes numbers and text ({text.iloc[0]!r} for "
                f"{text.index[0]}): give numbers, missing values left empty, or use it as "
                f"categories with C({column})")


def excluded_rows(frame: pd.DataFrame, reasons: pd.Series) -> pd.DataFrame:
    """The rows of ``frame`` with a reason, as :data:`EXCLUDED_COLUMNS`."""
    left = reasons != ""
    table = frame.loc[left.to_numpy(), list(EXCLUDED_COLUMNS[:-1])].reset_index(drop=True)
    table["reason"] = reasons[left].to_numpy()
    return table


def warn_excluded(excluded: pd.DataFrame, total: int, what: str, where: str) -> None:
    """An :class:`~eventstudy.errors.ExcludedEventsWarning` naming the rows left out."""
    if not len(excluded):
        return
    shown = [f"{r.event_id} {r.ticker} ({r.window_start},{r.window_end}): {r.reason}"
             for r in excluded.head(_SHOWN).itertuples()]
    more = f"; and {len(excluded) - _SHOWN} more" if len(excluded) > _SHOWN else ""
    warnings.warn(
        f"{len(excluded)} of {total} event rows left out of {what}: {'; '.join(shown)}{more} "
        f"(listed in {where})", ExcludedEventsWarning, stacklevel=4)
