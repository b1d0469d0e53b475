"""Placebo view: where the event-day abnormal return falls among non-event days.

A single-event t test assumes normally distributed abnormal returns; daily stock
returns have fat tails, so a large event-day AR may be less unusual than the t
test says. The sample-quantile (SQ) test of Gelbach, Helland & Klick (2013,
"Valid inference in single-firm, single-event studies", *American Law and
Economics Review* 15(2), sec. III) drops that assumption and compares the event-day
AR with the empirical distribution of the firm's own non-event ARs.

Definition used here, for each event row of a study (one per event, security and
studied candidate session):

- **Parameters.** The event's own normal-return model as fitted on its estimation
  window (market model: its alpha and beta; constant mean: its mu;
  market-adjusted: no parameter), applied unchanged to every placebo day.
- **Placebo days.** Every session of the security's exchange in its price series
  (from its first to its last price) on which the abnormal return can be formed
  (stock return and every regressor present), except the sessions inside the
  event span ``[lo, hi]`` (the union of the design's windows) around *every*
  candidate session of *every* event of the same security in the study, this
  event included. Estimation-window days are kept: there the AR is an in-sample
  residual of the event's own fit, elsewhere an out-of-sample prediction error.
- **Event AR.** The event's abnormal return on day 0.
- **Percentile.** ``100 * #{placebo AR <= event AR} / n``, with ``n`` placebo days.
- **Two-sided empirical p-value.** ``min(1, 2 * min(1 + #{placebo <= event},
  1 + #{placebo >= event}) / (n + 1))``: the event counts as one more draw, so the
  p-value is never zero and is exact under exchangeability (Phipson & Smyth 2010,
  "Permutation p-values should never be zero", *Statistical Applications in
  Genetics and Molecular Biology* 9(1)).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..calendar.align import candidate_sessions
from ..core.panel import PanelBlock
from ..core.results import EventStudyResults
from ..core.series import SeriesStore
from ..core.study import EventStudy

TABLE_COLUMNS = (
    "event_id", "ticker", "candidate", "event_session", "event_ar", "n_placebo", "n_below",
    "n_above", "percentile", "p_value", "placebo_mean", "placebo_sd",
)


@dataclass
class PlaceboResult:
    """Outcome of :func:`placebo_test`.

    Attributes
    ----------
    table : DataFrame
        One row per event row, columns :data:`TABLE_COLUMNS`: the event AR, the
        number of placebo days and of placebo ARs at or below / at or above it,
        the percentile, the two-sided empirical p-value and the placebo ARs' mean
        and sample s.d.
    ars : DataFrame
        The placebo ARs themselves: ``event_id, ticker, candidate, date, ar``.
    measure : {"return", "volume"}
        What the abnormal values are: returns, or log volumes (the volume models).
    """

    table: pd.DataFrame
    ars: pd.DataFrame
    measure: str = "return"

    def _repr_html_(self) -> str:
        shown = self.table.drop(columns=["n_below", "n_above"]).to_html(index=False)
        title = html.escape("Placebo: event-day AR among non-event days")
        return f"<div><h4>{title}</h4>{shown}</div>"


def placebo_test(study: EventStudy, results: EventStudyResults | None = None) -> PlaceboResult:
    """Empirical percentile and p-value of each event-day AR (see the module docstring).

    Parameters
    ----------
    study : EventStudy
        The study; its model and events define the placebo ARs and days.
    results : EventStudyResults, optional
        ``study.fit()``, when already computed.
    """
    results = study.fit() if results is None else results
    panel, fit = results.panel, results.fit
    day0 = panel.day0_column()  # the placebo compares the day-0 abnormal return
    in_windows = _event_window_mask(study, panel.store, results.design.span)
    tables, ars = [], []
    for i, row in enumerate(panel.rows):
        dates, values = _placebo_ars(study, panel, fit.params[i], i, in_windows)
        tables.append(_summary(row, float(fit.ar[i, day0]), values))
        ars.append(
            pd.DataFrame({"event_id": row.event.id, "ticker": row.event.ticker,
                          "candidate": row.candidate, "date": dates, "ar": values})
        )
    return PlaceboResult(
        pd.DataFrame(tables, columns=list(TABLE_COLUMNS)), pd.concat(ars, ignore_index=True),
        results.measure,
    )


def _event_window_mask(study: EventStudy, store: SeriesStore, span: tuple[int, int]) -> np.ndarray:
    """Flat mask of the store: sessions inside any candidate event span of the series' stock."""
    mask = np.zeros(int(store.offsets[-1]), dtype=bool)
    lo, hi = span
    for k, (ticker, _market, exchange) in enumerate(store.keys):
        first, stop = int(store.offsets[k]), int(store.offsets[k + 1])
        for event in study.events:
            if (event.ticker, event.exchange) != (ticker, exchange):
                continue
            where = store.sessions[k].get_indexer(pd.DatetimeIndex(candidate_sessions(event)))
            for pos in first + where[where >= 0]:
                mask[max(pos + lo, first) : min(pos + hi, stop - 1) + 1] = True
    return mask


def _placebo_ars(study, panel, params: np.ndarray, i: int, in_windows: np.ndarray):
    """Dates and ARs of event row ``i``'s fitted model on its placebo days."""
    start, stop = panel.start[i : i + 1], panel.stop[i : i + 1]
    idx = np.arange(start[0], stop[0])[None, :]
    block = PanelBlock(panel.store, start, np.arange(stop[0] - start[0]), start, stop)
    model = study.model
    x = np.nan_to_num(model.regressors(block))
    ar = (model.dependent(block) - np.einsum("nlk,k->nl", x, params))[0]
    keep = model.usable(block)[0] & ~in_windows[idx[0]]
    key = int(np.searchsorted(panel.store.offsets, start[0], side="right")) - 1
    dates = panel.store.sessions[key][keep]
    return dates, ar[keep]


def _summary(row, event_ar: float, placebo: np.ndarray) -> dict:
    n = len(placebo)
    below = int((placebo <= event_ar).sum())
    above = int((placebo >= event_ar).sum())
    usable = n > 0 and np.isfinite(event_ar)
    return {
        "event_id": row.event.id,
        "ticker": row.event.ticker,
        "candidate": row.candidate,
        "event_session": row.session.date().isoformat(),
        "event_ar": event_ar,
        "n_placebo": n,
        "n_below": below,
        "n_above": above,
        "percentile": 100.0 * below / n if usable else np.nan,
        "p_value": min(1.0, 2.0 * (1 + min(below, above)) / (n + 1)) if usable else np.nan,
        "placebo_mean": float(np.mean(placebo)) if n else np.nan,
        "placebo_sd": float(np.std(placebo, ddof=1)) if n > 1 else np.nan,
    }
