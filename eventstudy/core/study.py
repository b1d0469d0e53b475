"""The event study itself: from events and prices to results.

    >>> from eventstudy import EventStudy, bundled_events
    >>> results = EventStudy(bundled_events("xiaomi"), model="market").fit()
    >>> print(results.summary())
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..collector import collection_paused
from ..errors import EventStudyError, InsufficientDataError, SpecificationError
from ..events.event import Event, as_events
from ..sources import PriceSource, as_price_source
from ..sources.factors import validate_factors
from ..sources.returns import ReturnSource
from ..sources.source import require_tickers
from ..sources.table import NOTES
from .design import RETURN_KINDS, StudyDesign, whole_number
from .diagnostics import Diagnostics, counted
from .engine import ENGINES, detach_events, merge, partition_events, run_partitions
from .models import EstimationCounts, NormalReturnModel, get_model
from .panel import EventPanel, build_panel
from .results import EventStudyResults


class EventStudy:
    """A classical event study (MacKinlay 1997; Campbell, Lo & MacKinlay 1997, ch. 4).

    Parameters
    ----------
    events : iterable of Event, DataFrame, str or Path
        The events: ``Event`` objects (e.g. from :func:`eventstudy.bundled_events`),
        a DataFrame with catalog columns or the path of a CSV or parquet catalog;
        only ``ticker`` and ``date`` are required (see :func:`eventstudy.as_events`).
    prices : PriceSource, DataFrame, mapping of ticker -> DataFrame, or path, optional
        Where prices come from; the bundled snapshot by default. A DataFrame may be
        long, wide or shaped like ``yfinance.download`` output; a path is a CSV or
        parquet file or a folder of them (:class:`~eventstudy.sources.files.FilePrices`); see
        also :class:`~eventstudy.sources.yahoo.YahooPrices`.
    model : str or NormalReturnModel
        The normal-return model, by one of the names of :data:`eventstudy.core.MODELS`:

        - ``"market"`` (the default): OLS on the event's market index
          (:class:`~eventstudy.MarketModel`; MacKinlay 1997);
        - ``"market_adjusted"``: the return minus the index's, nothing estimated
          (:class:`~eventstudy.MarketAdjusted`; Brown & Warner 1980, 1985);
        - ``"constant_mean"``: the return minus its estimation-window mean, no index
          needed (:class:`~eventstudy.ConstantMean`);
        - ``"scholes_williams"``: the market model with the Scholes & Williams (1977)
          beta, for nonsynchronous trading (:class:`~eventstudy.ScholesWilliams`);
        - ``"dimson"``: the market model with the index's return one session before
          and after as well (Dimson 1979; :class:`~eventstudy.Dimson`, whose
          ``lags=`` sets more);
        - ``"ff3"``, ``"carhart"``, ``"ff5"``: the Fama & French (1993) three-factor,
          Carhart (1997) four-factor and Fama & French (2015) five-factor models on
          excess returns (:class:`~eventstudy.FactorModel`), which need ``factors=``;
        - ``"volume_mean"``, ``"volume_market"``: abnormal log volume instead of
          returns, against its own mean or the index's volume (Campbell & Wasley
          1996; :class:`~eventstudy.core.VolumeMeanAdjusted`,
          :class:`~eventstudy.core.VolumeMarketModel`);

        or a model object: one of those classes, e.g. ``Dimson(lags=2)``, or a
        :class:`~eventstudy.LinearModel` on regressors you name, e.g.
        ``LinearModel(["^HSI", "^HSTECH"])`` for the index and a sector index of your
        prices.
    design : StudyDesign, optional
        Windows and options; keyword arguments override its fields, e.g.
        ``EventStudy(events, estimation=(-200, -11), windows=[(0, 1)])`` (other keyword
        arguments are refused).
    factors : DataFrame, optional
        Daily factors for the factor models (see :mod:`eventstudy.sources.factors`).
    engine : {"numpy", "dask"}
        Run the per-event work here, or on the workers of a ``dask.distributed``
        client (see :mod:`eventstudy.core.engine`); the results are identical.
    client : distributed.Client, optional
        The Dask client (default: the current one).
    partitions : int, optional
        Number of partitions (groups of whole securities); default 1 for numpy
        (one vectorised pass) and twice the workers' threads for dask.
    progress : bool, optional
        Show a progress bar over partitions; by default only on a terminal.
    market : str or Series, optional
        Market index of the events that name none, e.g. ``"^HSI"``; with ``returns=``
        also a column of the return table (``"vwretd"``) or a Series of market returns.
    exchange : str, optional
        Exchange calendar code (``"XHKG"``) of the table rows that name none; it
        comes before the ticker-suffix rule (see :func:`eventstudy.as_events`).
    returns : DataFrame, str, Path or ReturnSource, optional
        Daily returns instead of prices: a long (``permno``/``ticker``, ``date``,
        ``ret``), wide or CRSP-shaped table, or a CSV or parquet file of one (see
        :class:`~eventstudy.ReturnSource`). Peak and trough moves need intraday prices
        and are then unavailable. The strings ``"simple"`` and ``"log"`` instead set
        the return definition (``StudyDesign.returns``), as they always have.
    """

    def __init__(
        self,
        events: Iterable[Event] | pd.DataFrame | str | Path,
        prices: PriceSource | Mapping[str, pd.DataFrame] | pd.DataFrame | str | Path | None = None,
        model: str | NormalReturnModel = "market",
        design: StudyDesign | None = None,
        factors: pd.DataFrame | None = None,
        engine: str = "numpy",
        client=None,
        partitions: int | None = None,
        progress: bool | None = None,
        *,
        market: str | pd.Series | None = None,
        exchange: str | None = None,
        returns: pd.DataFrame | str | Path | ReturnSource | None = None,
        **options,
    ) -> None:
        if isinstance(returns, str) and returns in RETURN_KINDS:  # the design's option
            options["returns"], returns = returns, None
        self.source, market = _source(prices, returns, market)
        self.events = as_events(events, exchange=exchange, market=market)
        self.model = get_model(model)
        self.design = _design(design, options)
        self.factors = None if factors is None else _factors(factors)
        if not isinstance(engine, str) or engine not in ENGINES:
            raise SpecificationError(f"engine must be one of {ENGINES}, not {engine!r}")
        self.engine, self.client, self.progress = engine, client, progress
        self.partitions = None if partitions is None else _partitions(partitions)
        self._check_inputs()

    def _check_inputs(self) -> None:
        needed = [e.ticker for e in self.events]
        if self.model.needs_market:
            for e in self.events:
                if not e.market:
                    raise SpecificationError(
                        f"event {e.id} ({e.ticker}) has no market index, which the "
                        f"{self.model.name} model needs; give one (--market on the command "
                        "line) or use model='constant_mean'"
                    )
                if e.market == e.ticker:
                    raise SpecificationError(
                        f"event {e.id}: {e.ticker} is given as its own market index, so the "
                        f"{self.model.name} model would explain it exactly; give its market "
                        "index (the catalog's market column, or --market)"
                    )
        needed += [e.market for e in self.events if e.market]
        for e in self.events:
            if e.ticker in self.model.tickers:
                raise SpecificationError(
                    f"event {e.id}: {e.ticker} is a regressor of its own {self.model.name} "
                    "model, which would explain it exactly; drop it from the regressors"
                )
        needed += list(self.model.tickers)
        require_tickers(self.source, dict.fromkeys(needed))
        if self.model.factors:
            have = () if self.factors is None else tuple(self.factors.columns)
            missing = [f for f in self.model.factors if f not in have]
            if missing:
                listed = " and ".join(filter(None, [", ".join(missing[:-1]), missing[-1]]))
                raise SpecificationError(
                    f"the {self.model.name} model needs the factor{'s' * (len(missing) > 1)} "
                    f"{listed}; pass "
                    "factors=DataFrame (eventstudy.sources.french.french_factors downloads "
                    "them; --factors FILE on the command line)"
                )

    def fit(self) -> EventStudyResults:
        """Build the panel, fit the normal-return model and compute CARs and tests."""
        with collection_paused():
            groups = partition_events(self.events, self._partition_count())
            parts = run_partitions(
                self._fit_events, groups, self.engine, self.client, self.progress
            )
            panel, fit, diagnostics = merge(parts, self.events)
            # where the factors came from (factor_fallback): once, not once per partition
            notes = () if self.factors is None else self.factors.attrs.get(NOTES, ())
            for kind, detail in notes:
                diagnostics.add("", "", kind, detail)
            return EventStudyResults(panel, fit, self.design, diagnostics, self.model.measure)

    def __getstate__(self) -> dict:
        # Shipped to Dask workers with its partition work: the client stays here.
        return {**self.__dict__, "client": None}

    def _partition_count(self) -> int:
        if self.partitions is not None:
            return self.partitions
        if self.engine == "numpy":
            return 1
        from .engine import _dask_threads

        return 2 * _dask_threads(self.client)

    def _fit_events(self, rows: list[int]) -> tuple:
        """Panel, model fit and diagnostics of the events at positions ``rows``."""
        with collection_paused():  # also on a Dask worker
            return self._fit_partition(rows)

    def _fit_partition(self, rows: list[int]) -> tuple:
        diagnostics = Diagnostics()
        events = tuple(self.events[i] for i in rows)
        try:
            panel = build_panel(events, self.source, self.design, diagnostics, self.factors,
                                self.model.tickers)
            fit, counts = self.model.fit_sample(
                panel.block("est"), panel.block("evt"), panel.excluded
            )
            keep = self._estimation_sample(panel, counts, diagnostics)
            exact = _Exactness(counts.degenerate(), counts.flat, counts.exactness)
            if not keep.all():
                panel, fit, exact = panel.compact(keep), fit.compact(keep), exact.take(keep)
            panel, fit = self._drop_unfitted(panel, fit, exact, diagnostics)
        except EventStudyError:
            # With on_error="skip" a partition may keep no event: its reasons are recorded.
            if self.design.on_error == "skip" and len(diagnostics):
                return None, None, diagnostics
            raise
        _report_event_gaps(panel, fit, diagnostics)
        return detach_events(panel, rows), fit, diagnostics

    def _estimation_sample(
        self, panel: EventPanel, counts: EstimationCounts, diagnostics: Diagnostics
    ) -> np.ndarray:
        """Which events have enough estimation returns (reported either way).

        Events with too few fail, or are skipped and reported (``on_error="skip"``).
        """
        n = counts.used
        _report_estimation(panel, n, counts.excluded, counts.missing, diagnostics)
        short = n < self.design.min_estimation
        for i in np.flatnonzero(short):
            row = panel.rows[i]
            error = InsufficientDataError(
                f"event {row.event.id} ({row.event.ticker}, session {row.session.date()}): only "
                f"{n[i]} usable estimation returns, fewer than min_estimation="
                f"{self.design.min_estimation}; lengthen the estimation window, lower "
                "min_estimation or set exclude_other_events=False"
            )
            self._fail(error, row, diagnostics)
        keep = ~short
        if not keep.any():
            raise InsufficientDataError(
                diagnostics.none_left("no event has enough estimation returns"))
        return keep

    def _drop_unfitted(self, panel, fit, exact: _Exactness, diagnostics):
        """Drop (or fail on) the events whose model cannot be estimated or fits exactly.

        An exact fit or a series that does not vary (see
        :data:`~eventstudy.core.models.PERFECT_FIT_RTOL`) leaves residuals of rounding
        noise, whose t statistics mean nothing.
        """
        bad = ~np.isfinite(fit.s2) | np.isnan(fit.params).any(axis=1)
        for i in np.flatnonzero(bad | exact.degenerate):
            row = panel.rows[i]
            head = f"event {row.event.id} ({row.event.ticker}, session {row.session.date()})"
            why = (_unestimable(fit) if bad[i] else _flat(fit) if exact.flat[i]
                   else _exact_fit(fit, float(exact.share[i])))
            self._fail(InsufficientDataError(f"{head}: {why}"), row, diagnostics)
        bad |= exact.degenerate
        if not bad.any():
            return panel, fit
        keep = ~bad
        if not keep.any():
            raise InsufficientDataError(diagnostics.none_left("no event could be estimated"))
        return panel.compact(keep), fit.compact(keep)

    def _fail(self, error: EventStudyError, row, diagnostics: Diagnostics) -> None:
        if self.design.on_error == "raise":
            raise error
        diagnostics.add(row.event.id, row.event.ticker, "event_skipped", str(error))


def _unestimable(fit) -> str:
    return (f"the {fit.model} model cannot be estimated (a regressor has no variation in the "
            "estimation window)")


def _flat(fit) -> str:
    return (f"the series the {fit.model} model explains does not vary in the estimation "
            "window (stale prices, or a volume repeated day after day?); there is no variance "
            "to test abnormal returns against")


def _exact_fit(fit, share: float) -> str:
    return (
        f"the {fit.model} model fits the estimation window exactly (residual variance "
        f"{share:.1g} of the series' own): the series equals its regressors up to rounding, as "
        "when a stock is given as its own market index or a copy of it, and its abnormal "
        "returns and their tests would be rounding noise; give the stock's own prices and "
        "its market index"
    )


@dataclass(frozen=True)
class _Exactness:
    """Per event: a degenerate fit, a flat series, the residual share (see models)."""

    degenerate: np.ndarray
    flat: np.ndarray
    share: np.ndarray

    def take(self, keep: np.ndarray) -> _Exactness:
        return _Exactness(self.degenerate[keep], self.flat[keep], self.share[keep])


def _design(design: StudyDesign | None, options: dict) -> StudyDesign:
    """The design, with keyword options overriding its fields (unknown ones refused)."""
    if design is not None and not isinstance(design, StudyDesign):
        raise SpecificationError(
            f"design must be a StudyDesign, not {type(design).__name__}; or give its fields as "
            "keyword arguments (estimation=, windows=, ...)"
        )
    fields = StudyDesign.__dataclass_fields__
    unknown = [name for name in options if name not in fields]
    if unknown:
        raise SpecificationError(
            f"unknown option {unknown[0]!r}; EventStudy takes the StudyDesign fields "
            f"{', '.join(fields)} as keyword arguments"
        )
    base = design if design is not None else StudyDesign()
    return StudyDesign(**{**base.__dict__, **options})


def _factors(factors: object) -> pd.DataFrame:
    if not isinstance(factors, pd.DataFrame):
        raise SpecificationError(
            f"factors must be a DataFrame, not {type(factors).__name__}; read factor files with "
            "eventstudy.sources.factors.read_factors"
        )
    return validate_factors(factors)


def _partitions(partitions: object) -> int:
    return max(1, whole_number(partitions, "partitions"))


def _source(prices, returns, market) -> tuple[PriceSource, str | None]:
    """The price or return source, and the market ticker of events that name none."""
    if returns is None:
        if isinstance(market, pd.Series):
            raise SpecificationError(
                "market= as a Series of returns goes with returns=; with prices, name the "
                "index's ticker"
            )
        return as_price_source(prices), market
    if prices is not None:
        raise SpecificationError("give prices= or returns=, not both")
    if isinstance(returns, ReturnSource):
        return returns, returns.market or (None if isinstance(market, pd.Series) else market)
    source = ReturnSource(returns, market=market)
    return source, source.market


def _report_estimation(panel: EventPanel, n_used, n_excluded, n_missing, diagnostics) -> None:
    """Per event: estimation sessions removed for other events, and those without a return."""
    rows, width = panel.rows, len(panel.est_tau)
    news = np.flatnonzero((n_excluded > 0) | (n_missing > 0))  # only events with news
    for i, event_id, ticker, used, excluded, missing, head in zip(
        news.tolist(), rows.id[news].tolist(), rows.ticker[news].tolist(),
        n_used[news].tolist(), n_excluded[news].tolist(), n_missing[news].tolist(),
        _candidate_heads(panel, news), strict=True,
    ):
        if excluded:
            diagnostics.add(
                event_id, ticker, "estimation_exclusion",
                f"{head}{counted(excluded, 'estimation session')} removed: "
                f"{'it lies' if excluded == 1 else 'they lie'} in the event windows of "
                f"{', '.join(panel.excluded_by[i])}; {counted(used, 'return')} "
                f"{'remains' if used == 1 else 'remain'}",
            )
        if missing:
            diagnostics.add(
                event_id, ticker, "estimation_missing",
                f"{head}{missing} of {width} estimation sessions "
                f"{'has' if missing == 1 else 'have'} no usable return",
            )


def _candidate_heads(panel: EventPanel, which: np.ndarray) -> list[str]:
    """What starts a record about each row of ``which``: for an event studied at several
    candidate sessions (``unknown_timing="both"``) the session it is about, since the
    records of both would otherwise read alike; else nothing."""
    several = np.bincount(panel.event)[panel.event[which]] > 1
    return [f"session {pd.Timestamp(day).date()} ({candidate} candidate): " if both else ""
            for day, candidate, both in zip(panel.session[which].tolist(),
                                            panel.candidate[which].tolist(), several.tolist(),
                                            strict=True)]


def _report_event_gaps(panel: EventPanel, fit, diagnostics: Diagnostics) -> None:
    missing = np.isnan(fit.ar)
    rows = panel.rows
    no_range = _missing_range(panel, diagnostics)
    news = np.flatnonzero(missing.any(axis=1) | panel.incomplete | no_range.any(axis=1))
    for i, head in zip(news.tolist(), _candidate_heads(panel, news), strict=True):
        row = rows[i]  # only events with news
        gaps = panel.evt_tau[missing[i]]
        if len(gaps):
            diagnostics.add(
                row.event.id, row.event.ticker, "event_window_missing",
                f"{head}no abnormal return on relative days "
                f"{', '.join(map(str, gaps))}; "
                "CARs sum the days present (n_days)",
            )
        if panel.incomplete[i]:
            diagnostics.add(
                row.event.id, row.event.ticker, "incomplete_event_session",
                f"the price row of {row.session.date()} has no intraday range or volume; "
                "peak and trough moves are not available",
            )
        elif no_range[i].any():
            diagnostics.add(
                row.event.id, row.event.ticker, "incomplete_event_session",
                _range_detail(row.session.date(), no_range[i]),
            )


def _missing_range(panel: EventPanel, diagnostics: Diagnostics) -> np.ndarray:
    """(N, 3): the event session lacks its high, its low, or the session before a close.

    Series of closes only or of returns have no range at all, which their
    ``no_intraday`` record says once; their events are not flagged one by one.
    """
    values = np.column_stack([panel.high, panel.low, panel.prev_close])
    lacking = np.isnan(values) & ~panel.incomplete[:, None]
    if lacking.any():
        closes_only = {t for _, t, kind, _ in diagnostics.records if kind == "no_intraday"}
        if "" in closes_only:  # a table of returns: no series has a range
            return np.zeros_like(lacking)
        lacking[np.isin(panel.rows.ticker, list(closes_only))] = False
    return lacking


def _range_detail(session, lacking: np.ndarray) -> str:
    high, low, before = lacking.tolist()
    parts = []
    if high or low:
        gone = "high or low" if high and low else "high" if high else "low"
        parts.append(f"the price row of {session} has no {gone}")
    if before:
        parts.append(f"the session before {session} has no close")
    moves = ("peak and trough moves are" if before or (high and low)
             else "the peak move is" if high else "the trough move is")
    return f"{'; '.join(parts)}: {moves} not available"
