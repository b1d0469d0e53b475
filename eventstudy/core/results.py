"""Results of an event study: tidy tables at full precision and summaries for reading.

All returns are stored as fractions (0.061); percent appears only in summaries
(:mod:`eventstudy.core.summary`).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from .. import stats
from ..errors import SpecificationError
from ..stats import battery as pooled
from ..stats import car_t_test
from ..stats.smallsample import small_sample_note, small_sample_notes
from ..version import __version__
from . import secondstage
from .design import StudyDesign, whole_number
from .diagnostics import Diagnostics, counted
from .models import ModelFit
from .panel import EventPanel
from .summary import Summary, SummaryTable

WINDOW_COLUMNS = (
    "case", "event_id", "ticker", "event_type", "announced", "event_session", "candidate",
    "model", "window_start", "window_end", "n_days", "car", "se", "t_stat", "df", "p_value",
    "ci_low", "ci_high", "bhar", "raw_return", "market_return", "n_estimation", "n_excluded",
)
SESSION_COLUMNS = (
    "case", "event_id", "ticker", "event_type", "announced", "event_session", "candidate",
    "prev_close", "high", "low", "close", "close_to_close", "peak_move", "trough_move",
    "market_return",
)
DAILY_COLUMNS = (
    "event_id", "ticker", "candidate", "tau", "date", "ret", "market_ret", "ar", "ar_se",
    "ar_t", "ar_p", "ar_ci_low", "ar_ci_high", "car",
)
GROUPINGS = ("event_id", "event_type", "case", "ticker", "event_session")
TABLES = ("windows", "sessions", "daily", "params", "diagnostics")


class EventStudyResults:
    """Abnormal returns, CARs and their tests for every event and window.

    Tables (``to_frame(kind)``): ``windows`` (one row per event and window),
    ``sessions`` (one row per event: its session's close-to-close, peak and trough
    moves), ``daily`` (one row per event and relative day), ``params`` and
    ``diagnostics``; pooled tables: :meth:`aar` and :meth:`caar`. Summaries for
    reading: :meth:`summary` and :meth:`pooled_summary`.

    Every estimate with a standard error comes with its confidence interval
    (``ci_low``, ``ci_high``) at :attr:`level`, the design's (0.95 by default);
    the methods take ``level=`` to use another.

    Attributes
    ----------
    design : StudyDesign
    model : str
    level : float
        Confidence level of the intervals (``design.level``).
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

    @property
    def level(self) -> float:
        """Confidence level of the intervals: the design's, 0.95 unless set."""
        return self.design.level

    def _level(self, level: float | None) -> float:
        return self.level if level is None else stats.check_level(level)

    # ----- tables -------------------------------------------------------------------------
    def _event_columns(self) -> pd.DataFrame:
        """Per event row: the labels, with ``event_session`` as a date (datetime64)."""
        frame = self.panel.labels.copy()
        frame["event_session"] = self._session_dates()
        return frame

    def _session_dates(self) -> np.ndarray:
        # midnight of each session day (the panel's sessions are dates already)
        return np.asarray(self.panel.session).astype("datetime64[D]").astype("datetime64[ns]")

    @cached_property
    def windows(self) -> pd.DataFrame:
        """One row per event and window: CAR, s.e., t, p, interval, raw return...

        The columns of :data:`~eventstudy.core.results.WINDOW_COLUMNS`. The event
        session's peak and trough are not repeated here: they belong to the session,
        not to a window (:attr:`sessions`).
        """
        n_windows = len(self.design.windows)
        # Event-major order: each event's windows together, in the design's order.
        rows = np.repeat(np.arange(len(self.panel)), n_windows)
        columns = dict(self.panel.labels.take(rows).reset_index(drop=True).items())
        columns["event_session"] = self._session_dates()[rows]
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

        Made once for the windows table and :meth:`~eventstudy.EventStudyResults.caar`.
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
        ci_low, ci_high = stats.t_interval(car, se, self.fit.df[:, None], self.level)
        bounds = np.broadcast_to(np.array(windows, dtype=np.int64), (len(car), len(windows), 2))
        return {
            "window_start": bounds[..., 0],
            "window_end": bounds[..., 1],
            "n_days": n_days,
            "car": car, "se": se, "t_stat": t_stat, "p_value": p_value,
            "ci_low": ci_low, "ci_high": ci_high,
            "bhar": bhar,
            "raw_return": np.column_stack([self._compound(w) for w in windows]),
            "market_return": np.column_stack([self._compound(w, market=True) for w in windows]),
        }

    def _event_figures(self) -> dict[str, np.ndarray]:
        """The windows table's numbers that are the same in every window of an event."""
        return {
            "df": self.fit.df,
            "n_estimation": self.fit.n_est,
            "n_excluded": self.panel.excluded.sum(axis=1),
        }

    def _compound(self, window: tuple[int, int], market: bool = False) -> np.ndarray:
        """Close-to-close return from the session before the window to its last session."""
        log = self.design.returns == "log"
        ratio = self.panel.gross_return(window[0], window[1], market, log)
        return np.log(ratio) if log else ratio - 1.0

    @cached_property
    def sessions(self) -> pd.DataFrame:
        """One row per event row: how its event session moved from the previous close.

        Columns :data:`~eventstudy.core.results.SESSION_COLUMNS`: the labels;
        ``prev_close`` (the close of the session before), the event session's
        ``high``, ``low`` and ``close`` (prices as given, not adjusted);
        ``close_to_close``, its return from the previous adjusted close (always a
        simple return); ``peak_move`` = high / prev_close - 1
        and ``trough_move`` = low / prev_close - 1, the intraday extremes that news
        reports quote ("rose as much as 6.5%"); ``market_return``, the index's return
        that session. Descriptive figures, without tests: they are properties of the
        session, shared by every window of the event. With returns instead of prices
        (or closes only) the prices and the peak and trough are missing.
        """
        panel = self.panel
        close = panel.store.take("close", panel.pos)
        stock, market = self._session_returns()
        frame = self._event_columns()
        frame = frame.assign(
            prev_close=panel.prev_close,
            high=panel.high,
            low=panel.low,
            close=close,
            close_to_close=stock,
            peak_move=panel.high / panel.prev_close - 1.0,
            trough_move=panel.low / panel.prev_close - 1.0,
            market_return=market,
        )
        return frame.loc[:, list(SESSION_COLUMNS)]

    def _session_returns(self) -> tuple[np.ndarray, np.ndarray]:
        """The stock's and the market's simple return on each event session."""
        panel, log = self.panel, self.design.returns == "log"
        tau = panel.evt_tau
        if tau[0] <= 0 <= tau[-1]:  # (as eventstudy.analysis.session_moves computes them)
            return (panel.gross_return(0, 0, log=log) - 1.0,
                    panel.gross_return(0, 0, market=True, log=log) - 1.0)
        # no window covers day 0: the session's returns from the series themselves
        taken = panel.store.take_columns(["ret", "mret"], panel.pos)
        if log:
            return np.expm1(taken["ret"]), np.expm1(taken["mret"])
        return taken["ret"], taken["mret"]

    @cached_property
    def daily(self) -> pd.DataFrame:
        """One row per event and relative day: returns, AR with its s.e., t, p and
        interval, and the running CAR (columns :data:`~eventstudy.core.results.DAILY_COLUMNS`).

        The days span every window of the design (the earliest start to the latest
        end), and ``car`` cumulates the ARs from the first of them: with windows
        (0, 1) and (-5, 5) it starts at tau = -5. The CAR of a window is in the
        windows table; :func:`eventstudy.analysis.car_path` gives the path from any
        start with its interval (the figure's, from tau = 0).
        """
        return self._daily(self.level)

    def _daily(self, level: float) -> pd.DataFrame:
        n, w = self.fit.ar.shape
        variance = self.fit.ar_variance()
        df = self.fit.df[:, None]
        se, t_stat, p_value = car_t_test(self.fit.ar, variance, df)
        ci_low, ci_high = stats.t_interval(self.fit.ar, se, df, level)
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
                "ar_ci_low": ci_low.ravel(),
                "ar_ci_high": ci_high.ravel(),
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

    def aar(
        self, group_by: str | None = None, tests: bool = True, level: float | None = None
    ) -> pd.DataFrame:
        """Pooled abnormal returns by relative day, with the daily test battery.

        One row per (group and) relative day: ``n`` events present, ``aar``,
        ``caar`` (cumulated AAR), cross-sectional ``sd``; ``aar_se``, ``aar_ci_low``
        and ``aar_ci_high``, the AAR's standard error ``sd / sqrt(n)`` and its
        interval, Student-t with ``n - 1`` df: the inversion of the cross-sectional
        t test ``csect_t`` (Brown & Warner 1985; see
        :func:`eventstudy.stats.mean_interval`); ``share_positive``; for each test of
        :data:`eventstudy.stats.DAILY_TESTS`, ``<name>_stat`` and ``<name>_p``; and
        ``small_sample``, a note on the tests that have little power or an unreliable
        size with that day's ``n`` (empty from
        :data:`~eventstudy.stats.smallsample.SMALL_SAMPLE` events on; see
        :func:`eventstudy.stats.smallsample.small_sample_note`). Each day uses the
        events present that day.

        Parameters
        ----------
        group_by : {None, "event_id", "event_type", "case", "ticker", "event_session"}
            Pool all events (None) or each group separately, e.g. ``"event_id"``
            for one pool per announcement shared by several securities.
        tests : bool
            Run the test battery (True) or only the descriptive columns and the
            interval (no ``small_sample`` note then).
        level : float, optional
            Confidence level of the interval; :attr:`level` by default.
        """
        level = self._level(level)
        variance = self.fit.ar_variance()
        frames = []
        for label, rows in pooled.groups(self._group_labels(group_by), len(self.panel)):
            resid = self.fit.est_resid[rows]
            table = pooled.daily_table(
                self.panel.evt_tau, self.fit.ar[rows], variance[rows], resid,
                self.fit.df[rows], tests, self._residual_summary(group_by, label, resid, tests),
            )
            frames.append(_with_group(table, group_by, label))
        table = pd.concat(frames, ignore_index=True)
        _add_interval(table, "aar", "aar_", level)
        if tests:
            table["small_sample"] = small_sample_notes(table["n"], pooled.DAILY_TESTS)
        return table

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
        level: float | None = None,
    ) -> pd.DataFrame:
        """Pooled CARs by window, with the window test battery and mean BHAR.

        One row per (group and) window: ``n``, ``caar`` (mean CAR), ``sd``; ``se``,
        ``ci_low`` and ``ci_high``, the CAAR's standard error ``sd / sqrt(n)`` and
        its interval, Student-t with ``n - 1`` df: the inversion of the
        cross-sectional t test ``csect_t`` (Brown & Warner 1985; Boehmer, Musumeci &
        Poulsen 1991; see :func:`eventstudy.stats.mean_interval`); the distribution of
        the CARs (:data:`~eventstudy.stats.battery.DISTRIBUTION_FIGURES`): ``min``, the
        quartiles ``q1``, ``median`` and ``q3`` (linear interpolation, Hyndman & Fan
        1996 type 7), ``max``, ``skewness`` (the adjusted Fisher-Pearson G1, from 3
        events) and ``kurtosis`` (the bias-corrected excess kurtosis G2, from 4 events;
        Joanes & Gill 1998; see :func:`eventstudy.stats.descriptives.car_distribution`);
        ``share_positive``, ``mean_bhar``, ``n_bhar``; for each test of
        :data:`eventstudy.stats.WINDOW_TESTS`, ``<name>_stat`` and ``<name>_p``; and
        ``small_sample``, the note of :meth:`aar` for the window's ``n``. The
        bootstrap is seeded (``seed``) so that results are reproducible.

        Parameters
        ----------
        group_by : {None, "event_id", "event_type", "case", "ticker", "event_session"}
            As for :meth:`~eventstudy.EventStudyResults.aar`.
        tests : bool
            Run the test battery (True) or only the descriptive columns and the interval.
        n_boot : int
            Resamples of the bootstrap test.
        seed : int or None
            Seed of the bootstrap test.
        level : float, optional
            Confidence level of the interval; :attr:`level` by default.
        """
        level = self._level(level)
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
        table = pd.concat(frames, ignore_index=True)
        _add_interval(table, "caar", "", level)
        if tests:
            table["small_sample"] = small_sample_notes(table["n"], pooled.WINDOW_TESTS)
        return table

    def to_frame(self, kind: str = "windows", level: float | None = None) -> pd.DataFrame:
        """A tidy copy of one table, at full precision.

        Parameters
        ----------
        kind : {"windows", "sessions", "daily", "params", "diagnostics"}
            ``windows`` (default): one row per event and window, columns
            :data:`~eventstudy.core.results.WINDOW_COLUMNS`; ``sessions``: one row
            per event, its session's moves (:attr:`sessions`); ``daily``: one row
            per event and relative day (:attr:`daily`); ``params``: the fitted model
            per event; ``diagnostics``: what was excluded or flagged, and why.
        level : float, optional
            Confidence level of the ``ci_low``/``ci_high`` (``ar_ci_low``/
            ``ar_ci_high``) columns of ``windows`` and ``daily``; :attr:`level` by
            default.
        """
        if not isinstance(kind, str) or kind not in TABLES:
            raise SpecificationError(f"kind must be one of {TABLES}, not {kind!r}")
        level = self._level(level)
        if kind == "windows":
            table = self.windows.copy()
            if level != self.level:
                table["ci_low"], table["ci_high"] = stats.t_interval(
                    table["car"].to_numpy(), table["se"].to_numpy(), table["df"].to_numpy(),
                    level)
            return table
        if kind == "daily":
            return self.daily.copy() if level == self.level else self._daily(level)
        tables = {"sessions": self.sessions, "params": self.params,
                  "diagnostics": self.diagnostics}
        return tables[kind].copy()

    @property
    def plot(self):
        """Figures of these results: ``results.plot.car_path()``, ``.prices()``, ``.moves()``,
        ``.robustness()``, ``.placebo()``, each a matplotlib Figure
        (:class:`eventstudy.plot.ResultsPlot`)."""
        from ..plot.accessor import ResultsPlot  # matplotlib loads only when a figure is asked for

        return ResultsPlot(self)

    # ----- summaries ----------------------------------------------------------------------
    def _header(self, level: float) -> list[tuple[str, str]]:
        d = self.design
        return [
            ("Model", self.model),
            ("Returns", d.returns),
            ("Estimation window", f"[{d.estimation[0]}, {d.estimation[1]}]"),
            ("Min. estimation returns", str(d.min_estimation)),
            ("Other events excluded", "yes" if d.exclude_other_events else "no"),
            ("Unknown timing", d.unknown_timing),
            ("Events", str(len(self.panel))),
            ("Confidence level", _percent_label(level)),
            ("Diagnostics", counted(len(self.diagnostics), "record")),
            ("eventstudy", __version__),
        ]

    def _event_labels(self, labels: pd.DataFrame) -> pd.Series:
        """``event_id`` with ``[candidate]`` and, when several securities, the ticker
        (unless the id already starts with it, as the default ``TICKER@DATE`` ids do)."""
        label = labels["event_id"] + np.where(
            labels["candidate"] != "", " [" + labels["candidate"] + "]", "")
        if self.panel.labels["ticker"].nunique() > 1:
            named = [i.startswith(t + "@")
                     for i, t in zip(labels["event_id"], labels["ticker"], strict=True)]
            label = label + np.where(named, "", " " + labels["ticker"])
        return pd.Series(label, index=labels.index)

    def summary(self, level: float | None = None) -> Summary:
        """The results as a :class:`~eventstudy.core.summary.Summary`, for reading.

        ``print(results.summary())`` shows it as text, Jupyter as HTML tables; it
        exports ``as_latex()``, ``as_markdown()`` and ``to_excel(path)``. Two tables:
        the event sessions (previous close, close, close-to-close, peak and trough
        moves) and the windows (CAR, its s.e., interval, t, p and the raw return).
        Numbers are rounded for reading; :meth:`to_frame` keeps full precision.

        Parameters
        ----------
        level : float, optional
            Confidence level of the intervals; :attr:`level` by default.
        """
        level = self._level(level)
        s = self.sessions
        sessions = pd.DataFrame({
            "event": self._event_labels(s),
            "session": s["event_session"],
            "prev. close": s["prev_close"],
            "close": s["close"],
            "close-to-close": s["close_to_close"],
            "peak": s["peak_move"],
            "trough": s["trough_move"],
        })
        # A study of returns has no prices: no closes, no intraday moves to show.
        priceless = bool(s["close"].isna().all())
        if priceless:
            sessions = sessions.drop(columns=["prev. close", "close", "peak", "trough"])
        w = self.to_frame("windows", level=level)
        car, value, spread = self._measure_shown()
        windows = pd.DataFrame({
            "event": self._event_labels(w),
            "window": "(" + w["window_start"].astype(str) + "," + w["window_end"].astype(str)
            + ")",
            car: w["car"], "s.e.": w["se"], "CI low": w["ci_low"], "CI high": w["ci_high"],
            "t": w["t_stat"], "p": w["p_value"], "raw": w["raw_return"],
        })
        notes = [
            "Sessions: moves from the previous session's close: close-to-close (adjusted "
            "closes), peak (the session's high) and trough (its low)." if not priceless else
            "Sessions: close-to-close, the session's return; returns only, no prices: no "
            "closes and no peak or trough moves.",
            f"Windows: {car}, {self._measure_words()}; s.e., its prediction-error-corrected "
            f"standard error; CI, its {_percent_label(level)} confidence interval; t and p, its "
            "test (Student-t with the model's residual df); raw, the close-to-close return "
            "over the window.",
            "Significance: *** p<0.01, ** p<0.05, * p<0.10.",
        ]
        if len(self.diagnostics):
            notes.append(
                f"{counted(len(self.diagnostics), 'diagnostics record')} (data excluded or "
                "flagged): results.diagnostics in Python, --diagnostics on the command line."
            )
        return Summary(
            "Event study results",
            self._header(level),
            [
                SummaryTable("Event sessions", sessions, _kinds(
                    session="date", **{"prev. close": "price", "close": "price",
                                       "close-to-close": "return", "peak": "return",
                                       "trough": "return"})),
                SummaryTable("Windows", windows, _kinds(
                    **{car: value, "s.e.": spread, "CI low": value, "CI high": value},
                    t="stat", p="p_stars", raw="return")),
            ],
            notes,
        )

    def pooled_summary(
        self, group_by: str | None = None, seed: int | None = 0, level: float | None = None
    ) -> Summary:
        """The pooled CARs per window and their tests, as a summary for reading.

        A :class:`~eventstudy.core.summary.Summary` of three tables: the CAAR with its
        standard error and interval (the cross-sectional t's, see :meth:`caar`), the
        mean BHAR and the share of positive CARs; the distribution of the CARs
        (extremes, quartiles, skewness and excess kurtosis); and the two-sided p-value
        of every window test. Groups of fewer than
        :data:`~eventstudy.stats.smallsample.SMALL_SAMPLE` events are flagged (``*``
        beside N), with a note on the tests that have little power or an unreliable
        size at that size.

        Parameters
        ----------
        group_by : {None, "event_id", "event_type", "case", "ticker", "event_session"}
            As for :meth:`~eventstudy.EventStudyResults.caar`.
        seed : int or None
            Seed of the bootstrap test.
        level : float, optional
            Confidence level of the intervals; :attr:`level` by default.
        """
        level = self._level(level)
        table = self.caar(group_by=group_by, seed=seed, level=level)
        window = ("(" + table["window_start"].astype(str) + ","
                  + table["window_end"].astype(str) + ")")
        small = table["small_sample"] != ""
        marks = np.where(small, "*", "")
        keys = {} if group_by is None else {group_by: table[group_by]}
        car, value, spread_kind = self._measure_shown()
        mean = "CAAR" if car == "CAR" else f"mean {car}"
        cars = pd.DataFrame({
            **keys, "window": window, "N": table["n"].astype(str) + marks,
            mean: table["caar"], "s.e.": table["se"], "CI low": table["ci_low"],
            "CI high": table["ci_high"], "BHAR": table["mean_bhar"],
            "positive": table["share_positive"],
        })
        spread = pd.DataFrame({**keys, "window": window,
                               **{name: table[name] for name in pooled.DISTRIBUTION_FIGURES}})
        tests = pd.DataFrame({**keys, "window": window,
                              **{name: table[f"{name}_p"] for name in pooled.WINDOW_TESTS}})
        left = [group_by] if group_by else []
        group_kind = {group_by: "date"} if group_by == "event_session" else {}
        title = f"Pooled {car}s" + (f" by {group_by}" if group_by else " over all events")
        notes = [
            f"{mean}: mean {car} over the N events; s.e. = sd / sqrt(N) and the "
            f"{_percent_label(level)} CI, Student-t with N - 1 df (the cross-sectional t); "
            f"BHAR: mean buy-and-hold abnormal return; positive: share of positive {car}s.",
            f"Distribution: the smallest {car}, the quartiles q1, median and q3 (linear "
            "interpolation, Hyndman-Fan type 7) and the largest; skewness, the adjusted "
            "Fisher-Pearson G1, and excess kurtosis, the bias-corrected G2 (Joanes-Gill 1998), "
            f"from 3 and 4 events on and blank when the {car}s are all equal.",
            "Test columns are two-sided p-values: csect_t cross-sectional t; patell Patell "
            "(1976); bmp Boehmer-Musumeci-Poulsen (1991); kp_* Kolari-Pynnonen (2010); grank "
            "Kolari-Pynnonen (2011); gen_sign Cowan (1992); sign and wilcoxon exact tests; "
            f"bootstrap: seeded bootstrap-t of the {mean}.",
        ]
        if car != "CAR":
            notes.insert(0, f"{car}: {self._measure_words()}.")
        for n in sorted(set(table.loc[small, "n"].tolist())):
            notes.append(f"* {small_sample_note(int(n), pooled.WINDOW_TESTS)}")
        return Summary(
            title,
            [("Model", self.model), ("Events", str(len(self.panel))),
             ("Confidence level", _percent_label(level)),
             ("Bootstrap seed", "none" if seed is None else str(seed))],
            [
                SummaryTable(f"Pooled {car}s", cars, _kinds(
                    **group_kind, **{mean: value, "s.e.": spread_kind, "CI low": value,
                                     "CI high": value},
                    BHAR="return", positive="share"), align_left=left, align_right=["N"]),
                SummaryTable(f"Distribution of the {car}s", spread, {
                    **group_kind, **dict.fromkeys(pooled.DISTRIBUTION_FIGURES[:5], value),
                    "skewness": "stat", "kurtosis": "stat"}, align_left=left),
                SummaryTable("Tests (two-sided p-values)", tests,
                             {**group_kind, **{name: "p" for name in pooled.WINDOW_TESTS}},
                             align_left=left),
            ],
            notes,
        )

    def _measure_shown(self) -> tuple[str, str, str]:
        """Name of the cumulated measure and the summary kinds of its values and spreads:
        returns in percent; abnormal log volumes (the volume models) as plain numbers,
        since a log difference of 1.0 is not 100% more volume (it is 172% more)."""
        if self.measure == "volume":
            return "CAV", "stat", "stat"
        return "CAR", "return", "spread"

    def _measure_words(self) -> str:
        if self.measure == "volume":
            return ("cumulative abnormal log volume, the sum over the window of ln(1 + volume) "
                    "less its normal level (Campbell & Wasley 1996); 0.69 is twice the normal "
                    "volume on one day")
        return "cumulative abnormal return"

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        return f"<EventStudyResults: {counted(len(self.panel), 'event')}, model={self.model}>"

    def _repr_html_(self) -> str:
        notes = ""
        if len(self.diagnostics):
            notes = "<details><summary>Diagnostics</summary>" + self.diagnostics.to_html(
                index=False, escape=True) + "</details>"
        return self.summary().as_html().removesuffix("</div>") + notes + "</div>"

    # ----- second stage: cross-sections and group comparisons ------------------------------
    def cross_section(
        self,
        formula: str,
        data: pd.DataFrame | None = None,
        window: tuple[int, int] | None = None,
        on: str | tuple[str, ...] | None = None,
        cov_type: str = "HC1",
        cluster_by: str | None = None,
        weights: str | None = None,
        candidate: str = "earliest",
    ):
        """Regress one window's CARs on event and firm characteristics (statsmodels).

        ``results.cross_section("car ~ us_revenue_share + state_owned",
        data=characteristics, window=(0, 1))``: one observation per event, the
        regressors from ``data`` (joined on ``event_id`` and/or ``ticker``) or from
        the windows table itself (``event_type``, ``ticker``, ``case``...). See
        :mod:`eventstudy.stats.crosssection` for the estimators and their references,
        :mod:`eventstudy.core.characteristics` for the join.

        Parameters
        ----------
        formula : str
            statsmodels formula whose left side is ``car``, ``bhar`` or ``scar``
            (the standardized CAR, CAR / se, of Boehmer, Musumeci & Poulsen 1991);
            e.g. ``"car ~ C(event_type) + state_owned"``.
        data : DataFrame, optional
            Characteristics, one row per ``event_id``, ``ticker`` or pair of them.
        window : (int, int), optional
            The window of the CARs: one of the design's; needed when it has several.
        on : {"event_id", "ticker"} or ("event_id", "ticker"), optional
            The keys of the join; by default those of the two that ``data`` has.
        cov_type : {"HC1", "nonrobust", "HC3", "cluster"}
            Covariance of the coefficients. HC1 (default): heteroskedasticity-robust,
            because CARs of different securities have different variances; HC3 is
            less biased in small samples; ``cluster`` with ``cluster_by``.
        cluster_by : str, optional
            With ``cov_type="cluster"``: ``"event_session"`` (events sharing a date),
            ``"ticker"`` (one firm's events), ``"event_id"`` or a column of ``data``.
        weights : {None, "inverse_variance"}
            None: OLS; ``"inverse_variance"``: WLS with weights ``1 / se**2`` of each
            CAR (``car`` only).
        candidate : {"earliest", "latest"}
            With ``unknown_timing="both"``, the candidate session whose rows are
            used (with every row of known timing); never both, which would count an
            announcement twice.

        Returns
        -------
        statsmodels.regression.linear_model.RegressionResultsWrapper
            statsmodels' results (``.summary()``, ``.params``, ``.bse``,
            ``.pvalues``, ``.conf_int()``), Student-t inference, indexed by
            ``"<event_id> <ticker>"``, with three attributes added: ``excluded``, a
            DataFrame of the event rows left out (``window_start, window_end,
            event_id, ticker, candidate, event_session, reason``); ``window``; and
            ``small_sample``, a note on few events or few clusters (``""`` if none).

        Warns
        -----
        ExcludedEventsWarning
            When rows are left out: no match in ``data``, or a missing value of the
            dependent variable, a regressor, the cluster or the weight.

        Raises
        ------
        SpecificationError
            A window not in the design, a formula naming an unknown column or
            another left side, a bad ``cov_type``/``cluster_by``/``weights``/``on``,
            a characteristic named like a column of the results, a constant or
            collinear regressor, no more events than parameters.
        DataIntegrityError
            ``data`` with a key repeated or missing, a column mixing numbers and text,
            an infinite value.
        """
        return secondstage.cross_section(self, formula, data, window, on, cov_type,
                                         cluster_by, weights, candidate)

    def compare(
        self,
        group_by: str,
        window: tuple[int, int] | None = None,
        data: pd.DataFrame | None = None,
        on: str | tuple[str, ...] | None = None,
        measure: str = "car",
        candidate: str = "earliest",
        level: float | None = None,
    ) -> pd.DataFrame:
        """Compare the CARs of groups of events, per window: Welch, Mann-Whitney, Kruskal.

        One row per window and group (groups in the order they first appear among
        the events): ``window_start, window_end, measure``, the group's label (column
        ``group_by``), ``n``, ``mean``, ``median``, ``sd``; then the window's tests,
        the same on each of its rows (:data:`eventstudy.stats.groups.GROUP_COLUMNS`):
        ``test`` says which apply, Welch's t and the Mann-Whitney U for two groups
        (with the ``difference`` in means, first minus second, and its interval),
        the Kruskal-Wallis H for more; ``note`` names groups of fewer than two events
        (shown, left out of the tests) and small-sample caveats. See
        :mod:`eventstudy.stats.groups`.

        Parameters
        ----------
        group_by : str
            A column of the windows table (``event_type``, ``event_id``, ``ticker``,
            ``case``, ``event_session``, ``candidate``...) or of ``data``.
        window : (int, int), optional
            One window of the design; all of them by default.
        data : DataFrame, optional
            Characteristics joined as in :meth:`cross_section`.
        on : {"event_id", "ticker"} or ("event_id", "ticker"), optional
            The keys of the join; by default those of the two that ``data`` has.
        measure : {"car", "bhar", "scar"}
            What is compared.
        candidate : {"earliest", "latest"}
            As for :meth:`cross_section`.
        level : float, optional
            Confidence level of the difference's interval; :attr:`level` by default.

        Returns
        -------
        DataFrame
            ``attrs["excluded"]`` lists the event rows left out (no match in
            ``data``, no group, a missing measure) as records:
            ``pd.DataFrame(table.attrs["excluded"])``.

        Warns
        -----
        ExcludedEventsWarning
            When rows are left out.
        """
        return secondstage.compare(self, group_by, window, data, on, measure, candidate,
                                   self._level(level))

    def compare_summary(
        self,
        group_by: str,
        window: tuple[int, int] | None = None,
        data: pd.DataFrame | None = None,
        on: str | tuple[str, ...] | None = None,
        measure: str = "car",
        candidate: str = "earliest",
        level: float | None = None,
    ) -> Summary:
        """:meth:`compare` as a :class:`~eventstudy.core.summary.Summary`, for reading.

        Two tables, the groups (N, mean, median, s.d.) and the tests per window, and
        notes: what the tests are, each window's caveats, the rows left out. The
        parameters are those of :meth:`compare`.
        """
        level = self._level(level)
        table = self.compare(group_by, window, data, on, measure, candidate, level)
        return secondstage.comparison_summary(table, group_by, self.model, level)


def _kinds(**kinds: str) -> dict[str, str]:
    return kinds


def _add_interval(table: pd.DataFrame, estimate: str, prefix: str, level: float) -> None:
    """Insert ``<prefix>se``, ``<prefix>ci_low``, ``<prefix>ci_high`` after ``sd``."""
    se, low, high = stats.mean_interval(table[estimate].to_numpy(), table["sd"].to_numpy(),
                                        table["n"].to_numpy(), level)
    at = table.columns.get_loc("sd") + 1
    for offset, (name, values) in enumerate((("se", se), ("ci_low", low), ("ci_high", high))):
        table.insert(at + offset, prefix + name, values)


def _with_group(table: pd.DataFrame, group_by: str | None, label: object) -> pd.DataFrame:
    if group_by is not None:
        table.insert(0, group_by, label)
    return table


def _percent_label(level: float) -> str:
    return f"{100 * level:g}%"
