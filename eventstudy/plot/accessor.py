"""``results.plot``: every figure of a study from its results, with one import.

    >>> results = EventStudy(bundled_events("xiaomi")).fit()
    >>> results.plot.car_path()          # a matplotlib Figure
    >>> results.plot.prices().savefig("prices.png")

The accessor draws from what the results hold: the study's events (readable
labels), its prices as the study read them (the price chart), its panel and fit
(the CAR path, the moves, the placebo days) and its confidence level. Only the
robustness figure needs prices again, since it re-runs the study under other
models and samples; it checks that they are the study's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..analysis.carpath import caar_path, car_path
from ..analysis.moves import session_moves
from ..analysis.placebo import placebo_test
from ..analysis.robustness import DEFAULT_MODELS, robustness
from ..core.models import get_model
from ..core.results import EventStudyResults
from ..core.study import EventStudy
from ..errors import EventStudyError, SpecificationError
from ..events.event import Event
from ..sources import PriceSource, as_price_source
from .carpath import plot_car_path
from .labels import event_labels
from .moves import plot_moves
from .placebo import plot_placebo
from .prices import in_range, plotted_range, price_figure
from .robustness import plot_robustness

Labels = Mapping[str, str] | Iterable[Event] | None


class ResultsPlot:
    """The figures of one study's results; ``results.plot`` makes one.

    Every method returns a :class:`matplotlib.figure.Figure` (made without pyplot:
    in Jupyter it is shown as the cell's value; else call ``fig.savefig(...)``).
    Events are labelled by their type and announcement date
    (:func:`eventstudy.plot.event_labels`) unless ``labels`` maps ids to others.
    Calling the accessor itself, ``results.plot()``, draws the CAR path.

    Parameters
    ----------
    results : EventStudyResults
    """

    def __init__(self, results: EventStudyResults) -> None:
        self._results = results

    def __repr__(self) -> str:
        return (f"<ResultsPlot of {self._results!r}: prices(), car_path(), moves(), "
                "robustness(), placebo()>")

    def __call__(self, **options) -> Figure:
        """The CAR path (:meth:`car_path`)."""
        return self.car_path(**options)

    @property
    def events(self) -> tuple[Event, ...]:
        """The study's events."""
        return tuple(self._results.panel.events)

    def _labels(self, labels: Labels) -> Mapping[str, str]:
        return event_labels(self.events) if labels is None else labels

    def prices(
        self,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
        labels: Labels = None,
        scale: str = "auto",
        prices: PriceSource | Mapping[str, pd.DataFrame] | None = None,
    ) -> Figure:
        """Each security and its market index rebased to 100, the event sessions marked.

        Parameters
        ----------
        start, end : date-like, optional
            Plotted range; by default 60 days before the first event session to
            45 days after the last.
        labels : mapping of event id -> label, or iterable of Event, optional
        scale : {"auto", "linear", "log"}
            See :func:`eventstudy.plot.plot_prices`.
        prices : PriceSource or mapping, optional
            Other prices to draw; by default the study's own, as it read them.
        """
        if prices is not None:
            from .prices import plot_prices

            return plot_prices(self.events, prices, start, end, self._labels(labels), scale)
        start, end = plotted_range(self.events, start, end)
        stocks, markets, kind = stored_series(self._results, start, end)
        return price_figure(self.events, stocks, markets, kind, self._labels(labels), scale)

    def car_path(
        self, start: int | None = None, level: float | None = None, labels: Labels = None
    ) -> Figure:
        """CAR from zero before ``start`` (the event session by default), with its band.

        Announcements shared by several securities show their CAAR with its band
        (:func:`eventstudy.analysis.caar_path`) and each security as a thin line.

        Parameters
        ----------
        start : int, optional
            First day of the cumulation; see :func:`eventstudy.analysis.car_path`.
        level : float, optional
            Coverage of the bands; the results' own level
            (``results.level``) by default.
        labels : mapping of event id -> label, or iterable of Event, optional
        """
        level = self._results.level if level is None else level
        path = car_path(self._results, start=start, level=level)
        several = path.groupby(["event_id", "candidate"])["ticker"].nunique().max() > 1
        pooled = caar_path(self._results, start=start, level=level) if several else None
        return plot_car_path(path, pooled, self._labels(labels))

    def moves(self, labels: Labels = None) -> Figure:
        """Each event session's intraday range against its close-to-close and abnormal return."""
        return plot_moves(session_moves(self._results), self._labels(labels))

    def robustness(
        self,
        window: tuple[int, int] | None = None,
        prices: PriceSource | Mapping[str, pd.DataFrame] | None = None,
        models: Sequence[str] = DEFAULT_MODELS,
        exclusion: Sequence[bool] = (True, False),
        table: pd.DataFrame | None = None,
        labels: Labels = None,
    ) -> Figure:
        """One window's CAR under other models and estimation samples.

        The study is run again under each variant
        (:func:`eventstudy.analysis.robustness`) with its design and level, unless
        ``table`` gives that function's output already.

        Parameters
        ----------
        window : (int, int), optional
            The design's first window by default.
        prices : PriceSource or mapping, optional
            The study's prices: the bundled snapshot by default. They are checked
            against the closes the study read, so that the variants never run on
            other data unnoticed.
        models, exclusion : sequence
            The variants, as for :func:`eventstudy.analysis.robustness`.
        table : DataFrame, optional
            A robustness table made already.
        labels : mapping of event id -> label, or iterable of Event, optional
        """
        design = self._results.design
        window = tuple(design.windows[0]) if window is None else window
        if table is None:
            source = as_price_source(prices)
            check_same_prices(self._results, source)
            table = robustness(self.events, source, design=design, models=models,
                               exclusion=exclusion, level=self._results.level)
        return plot_robustness(table, window, self._labels(labels))

    def placebo(
        self, study: EventStudy | None = None, bins: int = 40, labels: Labels = None
    ) -> Figure:
        """The event-day abnormal return among the stock's non-event days.

        Parameters
        ----------
        study : EventStudy, optional
            The study that made these results. Without it, its events and its model
            (rebuilt from its name) are taken from the results; a model of your own
            or one with options (``Dimson(lags=2)``) needs the study.
        bins : int
        labels : mapping of event id -> label, or iterable of Event, optional
        """
        study = _StudyView(self._results) if study is None else study
        placebo = placebo_test(study, self._results)
        return plot_placebo(placebo, bins, self._labels(labels))


class _StudyView:
    """What :func:`eventstudy.analysis.placebo_test` reads of a study: events and model."""

    def __init__(self, results: EventStudyResults) -> None:
        self.events = tuple(results.panel.events)
        try:
            model = get_model(results.model)
        except EventStudyError:
            model = None
        if model is None or tuple(model.param_names) != tuple(results.fit.param_names):
            raise SpecificationError(
                f"the {results.model} model cannot be rebuilt from its name; pass the study: "
                "results.plot.placebo(study)"
            )
        self.model = model


def stored_series(
    results: EventStudyResults, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[dict[str, pd.Series], dict[str, pd.Series], str]:
    """The study's adjusted closes of its securities and market indices over a range.

    Read from the flat series the study built (each on its exchange's sessions),
    so the figure shows the prices the study used, whatever their source.

    Returns
    -------
    stocks, markets : dict of ticker -> Series
    kind : str
        ``"Adjusted close"``, or ``"Return index"`` for a study of returns.
    """
    store = results.panel.store
    wanted = list(dict.fromkeys(e.ticker for e in results.panel.events))
    stocks: dict[str, pd.Series] = {}
    markets: dict[str, pd.Series] = {}
    for k, (ticker, market, _exchange) in enumerate(store.keys):
        days = store.sessions[k]
        lo, hi = int(store.offsets[k]), int(store.offsets[k + 1])
        if ticker not in stocks:
            stocks[ticker] = _between(store.values["adj"][lo:hi], days, ticker, start, end)
        if market and market not in markets:
            markets[market] = _between(store.values["madj"][lo:hi], days, market, start, end)
    stocks = {t: stocks[t] for t in wanted if t in stocks}
    return stocks, markets, "Adjusted close" if store.lead else "Return index"


def _between(values: np.ndarray, days: pd.DatetimeIndex, ticker: str, start, end) -> pd.Series:
    return in_range(pd.Series(np.asarray(values, dtype=float), index=days), ticker, start, end)


def check_same_prices(results: EventStudyResults, source: PriceSource) -> None:
    """Raise unless ``source`` holds the adjusted closes the study read on its event spans."""
    panel = results.panel
    for i, ticker in enumerate(panel.rows.ticker):
        theirs = source.get(ticker)["adj_close"].reindex(pd.DatetimeIndex(panel.evt_dates[i]))
        mine = panel.adj[i, 1:]
        if not np.allclose(theirs.to_numpy(dtype=float), mine, rtol=1e-12, atol=0,
                           equal_nan=True):
            raise SpecificationError(
                f"{ticker}: these prices are not the ones the study read (its event "
                f"session {panel.rows.day[i]} differs); pass the study's prices: "
                "results.plot.robustness(prices=...)"
            )
