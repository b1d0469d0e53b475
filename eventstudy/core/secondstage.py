"""The second stage: cross-sectional regressions of CARs, and comparisons of groups of events.

:meth:`EventStudyResults.cross_section <eventstudy.EventStudyResults.cross_section>`,
:meth:`~eventstudy.EventStudyResults.compare` and
:meth:`~eventstudy.EventStudyResults.compare_summary` delegate here. The rows, one per
event, come from :mod:`eventstudy.core.characteristics` (the join, the candidate
rule, the rows left out and why); the statistics from
:mod:`eventstudy.stats.crosssection` and :mod:`eventstudy.stats.groups`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import SpecificationError
from ..stats.crosssection import COV_TYPES, DEPENDENT, WEIGHTS, fit_cross_section, formula_variables
from ..stats.groups import compare_groups
from .characteristics import (
    add_reason,
    check_candidate,
    check_values,
    check_window,
    event_frame,
    excluded_rows,
    missing_reasons,
    warn_excluded,
)
from .summary import Summary, SummaryTable

CLUSTERS = ("event_session", "ticker", "event_id")
"""The clusters a cross-section names most often: events of one session, one firm, one
announcement (any column of the windows table or the characteristics will do)."""


def cross_section(
    results,
    formula: str,
    data: pd.DataFrame | None = None,
    window: tuple[int, int] | None = None,
    on: str | tuple[str, ...] | None = None,
    cov_type: str = "HC1",
    cluster_by: str | None = None,
    weights: str | None = None,
    candidate: str = "earliest",
):
    """:meth:`EventStudyResults.cross_section <eventstudy.EventStudyResults.cross_section>`."""
    window = _one_window(window, results.design.windows)
    frame, reasons = event_frame(results.windows, window, check_candidate(candidate), data, on)
    dependent, variables, categorical = formula_variables(formula, frame.columns)
    _check_weights(weights, dependent)
    cluster = _cluster_column(cov_type, cluster_by, frame)
    check_values(frame, variables, categorical)
    reasons = add_reason(reasons, missing_reasons(
        frame, [dependent, *variables, *cluster], reasons != "", _own(results)))
    if weights is not None:
        reasons = add_reason(reasons, _weight_reasons(frame))
    excluded = excluded_rows(frame, reasons)
    warn_excluded(excluded, len(frame), f"the cross-section {formula!r}", "result.excluded")
    used = frame.loc[(reasons == "").to_numpy()]
    result = fit_cross_section(
        formula, used, cov_type,
        groups=used[cluster[0]].to_numpy() if cluster else None,
        weights=used["se"].to_numpy() ** -2.0 if weights is not None else None,
    )
    result.excluded = excluded
    result.window = window
    return result


def _own(results) -> set[str]:
    """The columns of the rows that are not characteristics: the windows table's, scar."""
    return {*results.windows.columns, "scar"}


def _one_window(window, windows: tuple[tuple[int, int], ...]) -> tuple[int, int]:
    if window is None and len(windows) == 1:
        return windows[0]
    if window is None:
        listed = ", ".join(f"({a}, {b})" for a, b in windows)
        raise SpecificationError(f"give the window of the CARs, window=: one of {listed}")
    return check_window(window, windows)


def _check_weights(weights: object, dependent: str) -> None:
    if weights is None:
        return
    if weights not in WEIGHTS:
        raise SpecificationError(f"weights must be None or one of {WEIGHTS}, not {weights!r}")
    if dependent != "car":
        raise SpecificationError(
            f"weights='inverse_variance' weighs each CAR by 1 / se**2, its standard error's; "
            f"{dependent} has none of its own (scar is already standardized): regress car, "
            "or drop weights=")


def _cluster_column(cov_type: object, cluster_by: object, frame: pd.DataFrame) -> list[str]:
    """``[cluster_by]`` for a clustered covariance, ``[]`` otherwise; the pair checked."""
    if cov_type not in COV_TYPES:
        raise SpecificationError(f"cov_type must be one of {COV_TYPES}, not {cov_type!r}")
    if cov_type != "cluster":
        if cluster_by is not None:
            raise SpecificationError(
                f"cluster_by= needs cov_type='cluster' (not {cov_type!r})")
        return []
    if cluster_by is None:
        raise SpecificationError(
            f"cov_type='cluster' needs cluster_by=: {', '.join(CLUSTERS)} or a column of the "
            "characteristics")
    if not isinstance(cluster_by, str) or cluster_by not in frame.columns:
        raise SpecificationError(
            f"cluster_by must be a column of the windows table or the characteristics, e.g. "
            f"{', '.join(CLUSTERS)}; not {cluster_by!r}")
    return [cluster_by]


def _weight_reasons(frame: pd.DataFrame) -> pd.Series:
    usable = (frame["se"] > 0).to_numpy()  # (False for a missing se too)
    return pd.Series(np.where(usable, "", "no positive se to weigh it by"), index=frame.index,
                     dtype=object)


def compare(
    results,
    group_by: str,
    window: tuple[int, int] | None = None,
    data: pd.DataFrame | None = None,
    on: str | tuple[str, ...] | None = None,
    measure: str = "car",
    candidate: str = "earliest",
    level: float = 0.95,
) -> pd.DataFrame:
    """:meth:`EventStudyResults.compare <eventstudy.EventStudyResults.compare>`."""
    if measure not in DEPENDENT:
        raise SpecificationError(f"measure must be one of {DEPENDENT}, not {measure!r}")
    candidate = check_candidate(candidate)
    windows = (results.design.windows if window is None
               else (check_window(window, results.design.windows),))
    tables, left_out, total = [], [], 0
    for each in windows:
        frame, reasons = event_frame(results.windows, each, candidate, data, on)
        _check_group_by(group_by, frame, measure)
        reasons = add_reason(reasons, missing_reasons(frame, [group_by, measure],
                                                      reasons != "", _own(results)))
        tables.append(_window_comparison(frame, reasons, group_by, measure, each, level))
        left_out.append(excluded_rows(frame, reasons))
        total += len(frame)
    excluded = pd.concat(left_out, ignore_index=True)
    warn_excluded(excluded, total, f"the comparison by {group_by}", 'table.attrs["excluded"]')
    table = pd.concat(tables, ignore_index=True)
    # records, not a DataFrame: pandas compares attrs when it concatenates tables
    table.attrs["excluded"] = excluded.to_dict("records")
    return table


def _check_group_by(group_by: object, frame: pd.DataFrame, measure: str) -> None:
    if not isinstance(group_by, str) or group_by not in frame.columns or group_by == measure:
        raise SpecificationError(
            f"group_by must be a column of the windows table (e.g. event_type, event_id, "
            f"ticker, case, event_session, candidate) or of the characteristics, not "
            f"{group_by!r}")


def _window_comparison(frame, reasons, group_by, measure, window, level) -> pd.DataFrame:
    """One window's rows of :func:`compare`: its groups in order of first appearance."""
    labels = pd.unique(frame[group_by].dropna())
    used = frame.loc[(reasons == "").to_numpy()]
    samples = {label: used.loc[(used[group_by] == label).to_numpy(), measure].to_numpy()
               for label in labels}
    table = compare_groups(samples, level).rename(columns={"group": group_by})
    for at, (name, value) in enumerate((("window_start", window[0]),
                                        ("window_end", window[1]), ("measure", measure))):
        table.insert(at, name, value)
    return table


def comparison_summary(table: pd.DataFrame, group_by: str, model: str, level: float) -> Summary:
    """:meth:`EventStudyResults.compare_summary
    <eventstudy.EventStudyResults.compare_summary>` of a :func:`compare` table."""
    measure = str(table["measure"].iloc[0]) if len(table) else "car"
    value = "stat" if measure == "scar" else "return"
    spread = "stat" if measure == "scar" else "spread"
    window = "(" + table["window_start"].astype(str) + "," + table["window_end"].astype(str) + ")"
    groups = pd.DataFrame({"window": window, group_by: table[group_by], "N": table["n"],
                           "mean": table["mean"], "median": table["median"],
                           "s.d.": table["sd"]})
    first = ~window.duplicated().to_numpy()
    tests = _tests_table(table.loc[first].reset_index(drop=True),
                         window[first].reset_index(drop=True))
    kinds = {"N": "count", "mean": value, "median": value, "s.d.": spread}
    date = {group_by: "date"} if group_by == "event_session" else {}
    return Summary(
        f"{measure.upper()} by {group_by}",
        [("Model", model), ("Measure", measure), ("Grouped by", group_by),
         ("Confidence level", f"{100 * level:g}%")],
        [SummaryTable("Groups", groups, {**kinds, **date}, align_left=[group_by]),
         SummaryTable("Tests (two-sided p-values)", tests, _test_kinds(value))],
        _notes(table, window, first, level),
    )


def _tests_table(rows: pd.DataFrame, window: pd.Series) -> pd.DataFrame:
    columns = {"window": window, "test": rows["test"]}
    if (rows["test"] == "welch, mann_whitney").any():
        columns.update({
            "difference": rows["difference"], "CI low": rows["difference_ci_low"],
            "CI high": rows["difference_ci_high"], "Welch t": rows["welch_stat"],
            "df": rows["welch_df"], "p (t)": rows["welch_p"], "U": rows["mann_whitney_stat"],
            "p (U)": rows["mann_whitney_p"], "U method": rows["mann_whitney_method"],
        })
    if (rows["test"] == "kruskal").any():
        columns.update({"H": rows["kruskal_stat"], "H df": rows["kruskal_df"],
                        "p (H)": rows["kruskal_p"]})
    return pd.DataFrame(columns)


def _test_kinds(value: str) -> dict[str, str]:
    return {"difference": value, "CI low": value, "CI high": value, "Welch t": "stat",
            "df": "stat", "p (t)": "p_stars", "U": "stat", "p (U)": "p_stars", "H": "stat",
            "H df": "count", "p (H)": "p_stars"}


def _notes(table: pd.DataFrame, window: pd.Series, first: np.ndarray, level: float) -> list[str]:
    notes = [
        "Groups in the order they first appear among the events; s.d. with N - 1.",
        f"Two groups: difference = mean of the first minus the second, its {100 * level:g}% "
        "interval and Welch's t (unequal variances, Satterthwaite df); U, the "
        "Mann-Whitney U of the first group, exact or normal (ties, continuity). More "
        "groups: H, Kruskal-Wallis (chi-square, groups - 1 df). Events are assumed "
        "independent.",
        "Significance: *** p<0.01, ** p<0.05, * p<0.10.",
    ]
    by_note: dict[str, list[str]] = {}
    for label, note in zip(window[first], table.loc[first, "note"], strict=True):
        if note:
            by_note.setdefault(note, []).append(label)
    notes += [f"{', '.join(labels)}: {note}" for note, labels in by_note.items()]
    excluded = pd.DataFrame(table.attrs.get("excluded", []))
    if len(excluded):
        listed = "; ".join(f"{r.event_id} {r.ticker} ({r.window_start},{r.window_end}): "
                           f"{r.reason}" for r in excluded.itertuples())
        notes.append(f"Left out ({len(excluded)} event rows): {listed}.")
    return notes
