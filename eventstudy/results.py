"""Results of an event study: tidy tables, a text summary and an HTML view.

All returns are stored as fractions (0.061); percent appears only in displays.
"""

from __future__ import annotations

import html
from functools import cached_property

import numpy as np
import pandas as pd

from . import __version__
from .design import StudyDesign
from .diagnostics import Diagnostics
from .models import ModelFit
from .panel import EventPanel
from .stats import car_t_test

WINDOW_COLUMNS = (
    "case", "event_id", "ticker", "event_type", "announced", "event_session", "candidate",
    "model", "window_start", "window_end", "n_days", "car", "se", "t_stat", "df", "p_value",
    "raw_return", "market_return", "peak_move", "trough_move", "n_estimation", "n_excluded",
)


class EventStudyResults:
    """Abnormal returns, CARs and their tests for every event and window.

    Attributes
    ----------
    design : StudyDesign
    model : str
    diagnostics : DataFrame
        Everything excluded, flagged or skipped, and why (see
        :mod:`eventstudy.diagnostics`).
    """

    def __init__(
        self, panel: EventPanel, fit: ModelFit, design: StudyDesign, diagnostics: Diagnostics
    ) -> None:
        self.panel = panel
        self.fit = fit
        self.design = design
        self.model = fit.model
        self.diagnostics = diagnostics.to_frame()

    # ----- tables -------------------------------------------------------------------------
    def _event_columns(self) -> pd.DataFrame:
        rows = self.panel.rows
        return pd.DataFrame(
            {
                "case": [r.event.case for r in rows],
                "event_id": [r.event.id for r in rows],
                "ticker": [r.event.ticker for r in rows],
                "event_type": [r.event.type for r in rows],
                "announced": [r.event.announced for r in rows],
                "event_session": [r.session.date().isoformat() for r in rows],
                "candidate": [r.candidate for r in rows],
            }
        )

    @cached_property
    def windows(self) -> pd.DataFrame:
        """One row per event and window: CAR, s.e., t, p, raw return, peak move..."""
        frames = [self._window_frame(w) for w in self.design.windows]
        order = np.argsort(np.tile(np.arange(len(self.panel)), len(frames)), kind="stable")
        table = pd.concat(frames, ignore_index=True).iloc[order].reset_index(drop=True)
        return table.loc[:, list(WINDOW_COLUMNS)]

    def _window_frame(self, window: tuple[int, int]) -> pd.DataFrame:
        start, end = window
        tau = self.panel.evt_tau
        select = np.broadcast_to((tau >= start) & (tau <= end), self.fit.ar.shape)
        car = np.where(select, np.nan_to_num(self.fit.ar), 0.0).sum(axis=1)
        variance, n_days = self.fit.car_variance(select)
        car = np.where(n_days > 0, car, np.nan)
        se, t_stat, p_value = car_t_test(car, variance, self.fit.df)
        frame = self._event_columns()
        frame["model"] = self.model
        frame["window_start"], frame["window_end"] = start, end
        frame["n_days"] = n_days
        frame["car"], frame["se"], frame["t_stat"] = car, se, t_stat
        frame["df"], frame["p_value"] = self.fit.df, p_value
        frame["raw_return"] = self._compound(self.panel.adj, window)
        frame["market_return"] = self._compound(self.panel.madj, window)
        frame["peak_move"] = self.panel.high / self.panel.prev_close - 1.0
        frame["trough_move"] = self.panel.low / self.panel.prev_close - 1.0
        frame["n_estimation"] = self.fit.n_est
        frame["n_excluded"] = self.panel.excluded.sum(axis=1)
        return frame

    def _compound(self, prices: np.ndarray, window: tuple[int, int]) -> np.ndarray:
        """Close-to-close return from the session before the window to its last session."""
        lo = self.panel.evt_tau[0]
        ratio = prices[:, window[1] - lo + 1] / prices[:, window[0] - lo]
        return np.log(ratio) if self.design.returns == "log" else ratio - 1.0

    @cached_property
    def daily(self) -> pd.DataFrame:
        """One row per event and relative day: returns, AR, its s.e., t and p, running CAR."""
        n, w = self.fit.ar.shape
        variance = self.fit.ar_variance()
        se, t_stat, p_value = car_t_test(self.fit.ar, variance, self.fit.df[:, None])
        cumulative = np.where(np.isnan(self.fit.ar), np.nan, np.nancumsum(self.fit.ar, axis=1))
        events = self._event_columns().loc[np.repeat(np.arange(n), w)].reset_index(drop=True)
        days = pd.DataFrame(
            {
                "tau": np.tile(self.panel.evt_tau, n),
                "date": self.panel.evt_dates.ravel(),
                "ret": self.panel.evt_ret.ravel(),
                "market_ret": self.panel.evt_mret.ravel(),
                "ar": self.fit.ar.ravel(),
                "ar_se": se.ravel(),
                "ar_t": t_stat.ravel(),
                "ar_p": p_value.ravel(),
                "car": cumulative.ravel(),
            }
        )
        return pd.concat([events[["event_id", "ticker", "candidate"]], days], axis=1)

    @cached_property
    def params(self) -> pd.DataFrame:
        """Per event: fitted parameters, residual variance, df and estimation size."""
        frame = self._event_columns()[["event_id", "ticker", "event_session", "candidate"]]
        for j, name in enumerate(self.fit.param_names):
            frame[name] = self.fit.params[:, j]
        frame["sigma2"], frame["df"] = self.fit.s2, self.fit.df
        frame["n_estimation"] = self.fit.n_est
        return frame

    def to_frame(self, kind: str = "windows") -> pd.DataFrame:
        """A tidy copy of ``windows`` (default), ``daily``, ``params`` or ``diagnostics``."""
        tables = {"windows": self.windows, "daily": self.daily, "params": self.params,
                  "diagnostics": self.diagnostics}
        if kind not in tables:
            raise ValueError(f"kind must be one of {tuple(tables)}, not {kind!r}")
        return tables[kind].copy()

    # ----- displays -----------------------------------------------------------------------
    def _header(self) -> list[tuple[str, str]]:
        d = self.design
        return [
            ("Model", self.model),
            ("Returns", d.returns),
            ("Estimation window", f"[{d.estimation[0]}, {d.estimation[1]}]"),
            ("Min. estimation returns", str(d.min_estimation)),
            ("Other events excluded", "yes" if d.exclude_other_events else "no"),
            ("Unknown timing", d.unknown_timing),
            ("Events", str(len(self.panel))),
            ("Diagnostics", f"{len(self.diagnostics)} records"),
            ("eventstudy", __version__),
        ]

    def _display_table(self) -> pd.DataFrame:
        t = self.windows
        label = t["event_id"] + np.where(t["candidate"] != "", " [" + t["candidate"] + "]", "")
        many_tickers = t["ticker"].nunique() > 1
        return pd.DataFrame(
            {
                "event": label + (" " + t["ticker"] if many_tickers else ""),
                "session": t["event_session"],
                "window": "(" + t["window_start"].astype(str) + ","
                + t["window_end"].astype(str) + ")",
                "CAR": t["car"].map(_pct),
                "s.e.": t["se"].map(lambda v: _pct(v, sign=False)),
                "t": t["t_stat"].map(lambda v: f"{v:.2f}"),
                "p": t["p_value"].map(lambda v: f"{v:.3f}") + t["p_value"].map(_stars),
                "raw": t["raw_return"].map(_pct),
                "peak": t["peak_move"].map(_pct),
            }
        )

    def summary(self) -> str:
        """A text table in the spirit of statsmodels' summaries."""
        body = self._display_table().to_string(index=False)
        width = max(len(line) for line in body.splitlines())
        pairs = self._header()
        half = (len(pairs) + 1) // 2
        left, right = pairs[:half], pairs[half:]
        lines = ["Event study results".center(width), "=" * width]
        for i, (k, v) in enumerate(left):
            cell = f"{k + ':':<26}{v:<14}"
            if i < len(right):
                cell += f"  {right[i][0] + ':':<26}{right[i][1]}"
            lines.append(cell)
        lines += ["-" * width, body, "-" * width]
        lines.append("CAR: cumulative abnormal return; raw: close-to-close return over the window;")
        lines.append(
            "peak: event-session high / previous close - 1. *** p<0.01, ** p<0.05, * p<0.10"
        )
        if len(self.diagnostics):
            lines.append(f"See .diagnostics for {len(self.diagnostics)} notes on excluded data.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<EventStudyResults: {len(self.panel)} events, model={self.model}>"

    def _repr_html_(self) -> str:
        header = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self._header()
        )
        table = self._display_table().to_html(index=False, escape=True)
        notes = ""
        if len(self.diagnostics):
            notes = "<details><summary>Diagnostics</summary>" + self.diagnostics.to_html(
                index=False, escape=True) + "</details>"
        return f"<div><h4>Event study results</h4><table>{header}</table>{table}{notes}</div>"


def _pct(value: float, sign: bool = True) -> str:
    if not np.isfinite(value):
        return ""
    return f"{100 * value:+.2f}%" if sign else f"{100 * value:.2f}%"


def _stars(p: float) -> str:
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""
