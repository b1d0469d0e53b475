"""Results of an event study: tidy tables, a text summary and an HTML view.

All returns are stored as fractions (0.061); percent appears only in displays.
"""

from __future__ import annotations

import html
from functools import cached_property

import numpy as np
import pandas as pd

from .. import stats
from ..errors import SpecificationError
from ..stats import battery as pooled
from ..stats import car_t_test
from ..version import __version__
from .design import StudyDesign, whole_number
from .diagnostics import Diagnostics
from .models import ModelFit
from .panel import EventPanel

WINDOW_COLUMNS = (
    "case", "event_id", "ticker", "event_type", "announced", "event_session", "candidate",
    "model", "window_start", "window_end", "n_days", "car", "se", "t_stat", "df", "p_value",
    "bhar", "raw_return", "market_return", "peak_move", "trough_move", "n_estimation",
    "n_excluded",
)
GROUPINGS = ("event_id", "event_type", "case", "ticker", "event_session")


class EventStudyResults:
    """Abnormal returns, CARs and their tests for every event and window.

    Attributes
    ----------
    design : StudyDesign
    model : str
    diagnostics : DataFrame
        Everything excluded, flagged or skipped, and why (see
        :mod:`eventstudy.core.diagnostics`).
    """

    def __init__(
        self,
        panel: EventPanel,
        fit: ModelFit,
        design: StudyDesign,
        diagnostics: Diagnostics,
        measure: str = "return",
    ) -> None:
        self.panel = panel
        self.fit = fit
        self.design = design
        self.model = fit.model
        self.measure = measure
        self.diagnostics = diagnostics.to_frame()
        self._residual_summaries: dict[tuple, stats.ResidualSummary] = {}

    # ----- tables -------------------------------------------------------------------------
    def _event_columns(self) -> pd.DataFrame:
        return self.panel.labels.copy()

    @cached_property
    def windows(self) -> pd.DataFrame:
        """One row per event and window: CAR, s.e., t, p, raw return, peak move..."""
        n_windows = len(self.design.windows)
        # Event-major order: each event's windows together, in the design's order.
        rows = np.repeat(np.arange(len(self.panel)), n_windows)
        columns = dict(self.panel.labels.take(rows).reset_index(drop=True).items())
        # one string repeated by position: no per-row conversion of Python strings
        columns["model"] = pd.array([self.model], dtype="str").take(np.zeros(len(rows), np.intp))
        for name, values in self._window_figures().items():
            columns[name] = values.ravel()
        for name, values in self._event_figures().items():
            columns[name] = np.repeat(values, n_windows)
        # every column is a new array of its own: the table can hold it without a copy
        return pd.DataFrame({name: columns[name] for name in WINDOW_COLUMNS}, copy=False)

    @cached_property
    def _window_arrays(self) -> dict[tuple[int, int], tuple[np.ndarray, ...]]:
        """Per window of the design: each event's CAR, its variance, days summed and BHAR.

        Made once for the windows table and :meth:`caar`.
        """
        return {window: self._window_sums(window) for window in self.design.windows}

    def _window_sums(self, window: tuple[int, int]) -> tuple[np.ndarray, ...]:
        """CAR, its variance, days summed and BHAR over ``window``."""
        tau = self.panel.evt_tau
        columns = (tau >= window[0]) & (tau <= window[1])
        car, variance, n_days = self.fit.car(np.broadcast_to(columns, self.fit.ar.shape))
        return car, variance, n_days, self._bhar(columns)

    def _bhar(self, columns: np.ndarray) -> np.ndarray:
        """Buy-and-hold abnormal returns (Barber & Lyon 1997); NaN for volume models."""
        if self.measure != "return":
            return np.full(len(self.panel), np.nan)
        ret = self.panel.evt_ret[:, columns]
        normal = ret - self.fit.ar[:, columns]
        if self.design.returns == "log":
            ret, normal = np.expm1(ret), np.expm1(normal)
        return stats.bhar(ret, normal)

    def _window_figures(self) -> dict[str, np.ndarray]:
        """The windows table's numbers that depend on the window, as (N, windows) arrays."""
        windows = self.design.windows
        car, variance, n_days, bhar = (
            np.column_stack(values) for values in zip(*self._window_arrays.values(), strict=True)
        )
        se, t_stat, p_value = car_t_test(car, variance, self.fit.df[:, None])
        bounds = np.broadcast_to(np.array(windows, dtype=np.int64), (len(car), len(windows), 2))
        return {
            "window_start": bounds[..., 0],
            "window_end": bounds[..., 1],
            "n_days": n_days,
            "car": car, "se": se, "t_stat": t_stat, "p_value": p_value,
            "bhar": bhar,
            "raw_return": np.column_stack([self._compound(w) for w in windows]),
            "market_return": np.column_stack([self._compound(w, market=True) for w in windows]),
        }

    def _event_figures(self) -> dict[str, np.ndarray]:
        """The windows table's numbers that are the same in every window of an event."""
        return {
            "df": self.fit.df,
            "peak_move": self.panel.high / self.panel.prev_close - 1.0,
            "trough_move": self.panel.low / self.panel.prev_close - 1.0,
            "n_estimation": self.fit.n_est,
            "n_excluded": self.panel.excluded.sum(axis=1),
        }

    def _compound(self, window: tuple[int, int], market: bool = False) -> np.ndarray:
        """Close-to-close return from the session before the window to its last session."""
        log = self.design.returns == "log"
        ratio = self.panel.gross_return(window[0], window[1], market, log)
        return np.log(ratio) if log else ratio - 1.0

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
        for name, values in self.fit.derived.items():
            frame[name] = values
        frame["sigma2"], frame["df"] = self.fit.s2, self.fit.df
        frame["n_estimation"] = self.fit.n_est
        return frame

    def _group_labels(self, group_by: str | None) -> pd.Series | None:
        if group_by is None:
            return None
        if not isinstance(group_by, str) or group_by not in GROUPINGS:
            raise SpecificationError(
                f"group_by must be None or one of {GROUPINGS}, not {group_by!r}"
            )
        return self._event_columns()[group_by]

    def aar(self, group_by: str | None = None, tests: bool = True) -> pd.DataFrame:
        """Pooled abnormal returns by relative day, with the daily test battery.

        One row per (group and) relative day: ``n`` events present, ``aar``,
        ``caar`` (cumulated AAR), cross-sectional ``sd``, ``share_positive`` and,
        for each test of :data:`eventstudy.stats.DAILY_TESTS`, ``<name>_stat``
        and ``<name>_p``. Each day uses the events present that day.

        Parameters
        ----------
        group_by : {None, "event_id", "event_type", "case", "ticker", "event_session"}
            Pool all events (None) or each group separately, e.g. ``"event_id"``
            for one pool per announcement shared by several securities.
        tests : bool
            Run the test battery (True) or only the descriptive columns.
        """
        variance = self.fit.ar_variance()
        frames = []
        for label, rows in pooled.groups(self._group_labels(group_by), len(self.panel)):
            resid = self.fit.est_resid[rows]
            table = pooled.daily_table(
                self.panel.evt_tau, self.fit.ar[rows], variance[rows], resid,
                self.fit.df[rows], tests, self._residual_summary(group_by, label, resid, tests),
            )
            frames.append(_with_group(table, group_by, label))
        return pd.concat(frames, ignore_index=True)

    def _residual_summary(self, group_by, label, resid: np.ndarray, tests: bool):
        """The estimation residuals' summary of one group, made once for aar() and caar()."""
        if not tests:
            return None
        key = (group_by, label)
        if key not in self._residual_summaries:
            self._residual_summaries[key] = stats.summarize_residuals(resid)
        return self._residual_summaries[key]

    def caar(
        self,
        group_by: str | None = None,
        tests: bool = True,
        n_boot: int = 999,
        seed: int | None = 0,
    ) -> pd.DataFrame:
        """Pooled CARs by window, with the window test battery and mean BHAR.

        One row per (group and) window: ``n``, ``caar`` (mean CAR), ``sd``,
        ``share_positive``, ``mean_bhar``, ``n_bhar`` and, for each test of
        :data:`eventstudy.stats.WINDOW_TESTS`, ``<name>_stat`` and ``<name>_p``.
        The bootstrap is seeded (``seed``) so that results are reproducible.
        """
        n_boot = whole_number(n_boot, "n_boot")
        seed = None if seed is None else whole_number(seed, "seed")
        if seed is not None and seed < 0:
            raise SpecificationError(f"seed must be 0 or more, not {seed}")
        frames = []
        arrays = self._window_arrays
        for label, rows in pooled.groups(self._group_labels(group_by), len(self.panel)):
            resid = self.fit.est_resid[rows]
            windows = {w: (car[rows], var[rows], bhar[rows])
                       for w, (car, var, _, bhar) in arrays.items()}
            table = pooled.window_rows(
                windows, resid, self.fit.df[rows], tests, n_boot, seed,
                self._residual_summary(group_by, label, resid, tests),
            )
            frames.append(_with_group(table, group_by, label))
        return pd.concat(frames, ignore_index=True)

    def to_frame(self, kind: str = "windows") -> pd.DataFrame:
        """A tidy copy of ``windows`` (default), ``daily``, ``params`` or ``diagnostics``."""
        tables = {"windows": self.windows, "daily": self.daily, "params": self.params,
                  "diagnostics": self.diagnostics}
        if not isinstance(kind, str) or kind not in tables:
            raise SpecificationError(f"kind must be one of {tuple(tables)}, not {kind!r}")
        return tables[kind].copy()

    @property
    def plot(self):
        """Figures of these results: ``results.plot.car_path()``, ``.prices()``, ``.moves()``,
        ``.robustness()``, ``.placebo()``, each a matplotlib Figure
        (:class:`eventstudy.plot.ResultsPlot`)."""
        from ..plot.accessor import ResultsPlot  # matplotlib loads only when a figure is asked for

        return ResultsPlot(self)

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

    def pooled_summary(self, group_by: str | None = None, seed: int | None = 0) -> str:
        """Text table of the pooled CARs per window with the p-values of the window tests."""
        table = self.caar(group_by=group_by, seed=seed)
        shown = pd.DataFrame({
            "window": "(" + table["window_start"].astype(str) + ","
            + table["window_end"].astype(str) + ")",
            "N": table["n"],
            "CAAR": table["caar"].map(_pct),
            "BHAR": table["mean_bhar"].map(_pct),
        })
        if group_by is not None:
            shown.insert(0, group_by, table[group_by])
        for name in pooled.WINDOW_TESTS:
            shown[name] = table[f"{name}_p"].map(lambda v: f"{v:.3f}" if np.isfinite(v) else "")
        body = shown.to_string(index=False)
        width = max(len(line) for line in body.splitlines())
        title = "Pooled CARs" + (f" by {group_by}" if group_by else " over all events")
        return "\n".join([
            title.center(width), "=" * width, body, "-" * width,
            "Test columns are two-sided p-values: csect_t cross-sectional t; patell Patell (1976);",
            "bmp Boehmer-Musumeci-Poulsen (1991); kp_* Kolari-Pynnonen (2010); grank Kolari-",
            "Pynnonen (2011); gen_sign Cowan (1992); bootstrap: seeded bootstrap-t of the CAAR.",
        ])

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


def _with_group(table: pd.DataFrame, group_by: str | None, label: object) -> pd.DataFrame:
    if group_by is not None:
        table.insert(0, group_by, label)
    return table


def _pct(value: float, sign: bool = True) -> str:
    if not np.isfinite(value):
        return ""
    return f"{100 * value:+.2f}%" if sign else f"{100 * value:.2f}%"


def _stars(p: float) -> str:
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""
