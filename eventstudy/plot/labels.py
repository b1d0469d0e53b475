"""Readable labels of events for figures: "designation, 14 Jan" rather than an id.

A figure names an event by what happened and when it was announced (the event's
type and the date in its own time zone), as a reader of the news would. Events of
the default type ``other`` are named by the start of their description. Labels that
would name two events alike get the year, then the id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import pandas as pd

from ..events.event import Event

DESCRIPTION_CHARS = 28  # an untyped event's label: its description cut to about this


def event_labels(events: Iterable[Event] | pd.DataFrame) -> dict[str, str]:
    """Labels of events by id: type and short announcement date, e.g. ``"designation, 14 Jan"``.

    Parameters
    ----------
    events : iterable of Event, or DataFrame
        Events, or a table with their ``event_id``, ``event_type`` and ``announced``
        columns (the results' ``windows`` table, :func:`eventstudy.analysis.car_path`).

    Returns
    -------
    dict of str -> str
        One label per event id, all different.
    """
    facts = _facts(events)
    first = {i: _what(kind, text) + f", {_short(day)}" for i, (kind, text, day) in facts.items()}
    if _unique(first):
        return first
    dated = {i: _what(kind, text) + f", {_short(day)} {day.year}"
             for i, (kind, text, day) in facts.items()}
    if _unique(dated):
        return dated
    return {i: f"{label} ({i})" for i, label in dated.items()}


def labels_for(
    ids: Iterable[str], labels: Mapping[str, str] | Iterable[Event] | pd.DataFrame | None
) -> dict[str, str]:
    """The label of each id: given, made from events, or the id itself.

    Parameters
    ----------
    ids : iterable of str
        The event ids a figure shows.
    labels : mapping of id -> label, iterable of Event, DataFrame, or None
        A mapping is used as given (ids it lacks keep their id); events, or a table
        of them, are named by :func:`event_labels`; without either, a figure can
        only show the ids.
    """
    ids = list(dict.fromkeys(ids))
    if labels is None:
        names: Mapping[str, str] = {}
    elif isinstance(labels, pd.DataFrame):
        names = event_labels(labels)
    elif isinstance(labels, Mapping):
        names = labels
    else:
        names = event_labels(labels)
    return {i: str(names.get(i, i)) for i in ids}


def short_labels(event_ids: Iterable[str]) -> dict[str, str]:
    """Short labels: the ids without their shared first token, hyphens as spaces.

    ``xiaomi-joint-filing`` among Xiaomi events becomes ``joint filing``; ids
    without a shared hyphenated prefix are kept whole. Figures name events by
    :func:`event_labels` instead, which needs the events.
    """
    ids = list(dict.fromkeys(event_ids))
    heads = {i.split("-", 1)[0] for i in ids}
    strip = len(heads) == 1 and all("-" in i for i in ids)
    return {i: (i.split("-", 1)[1] if strip else i).replace("-", " ") for i in ids}


def row_label(
    label: str, ticker: str, candidate: str, many_tickers: bool, sep: str = " · "
) -> str:
    """An event row's label: the event, its security when there are several, its candidate.

    ``"exchange action, 6 Jan · 0941.HK"``, ``"lawsuit, 4 Mar [earliest]"``; ``sep``
    joins the event's label and the rest (a newline for a panel's title).
    """
    rest = ticker if many_tickers else ""
    if candidate:
        rest = f"{rest} [{candidate}]".strip()
    if not rest:
        return label
    return f"{label}{sep}{rest}" if many_tickers or sep == "\n" else f"{label} {rest}"


def short_date(day: str | dt.date | pd.Timestamp) -> str:
    """``"15 Jan 2021"`` of an ISO date."""
    day = pd.Timestamp(day)
    return f"{day.day} {day:%b %Y}"


def _facts(events: Iterable[Event] | pd.DataFrame) -> dict[str, tuple[str, str, dt.date]]:
    """Type, description and announcement date of each event id (first occurrence)."""
    facts: dict[str, tuple[str, str, dt.date]] = {}
    if isinstance(events, pd.DataFrame):
        for event_id, kind, announced in zip(
            events["event_id"], events["event_type"], events["announced"], strict=True
        ):
            day = dt.date.fromisoformat(str(announced)[:10])
            facts.setdefault(str(event_id), (str(kind), "", day))
        return facts
    for event in events:
        facts.setdefault(event.id, (event.type, event.description, event.date))
    return facts


def _what(kind: str, description: str) -> str:
    if kind and kind != "other":
        return kind.replace("_", " ")
    text = " ".join(description.split())
    if not text:
        return "event"
    if len(text) <= DESCRIPTION_CHARS:
        return text.rstrip(".")
    return text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def _short(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def _unique(labels: dict[str, str]) -> bool:
    return len(set(labels.values())) == len(labels)
