"""Figures: every figure of every bundled case and of an extreme synthetic case passes the
checks of ``figure_checks`` (values inside the axes, every series in a legend, no two text
boxes overlapping); the defects of issue 16 stay fixed; ``results.plot`` draws them all."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import exchange_calendars as xcals  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from figure_checks import (  # noqa: E402
    check_figure,
    drawn_series,
    legend_names,
    outside_limits,
    overlapping_texts,
    unnamed_series,
)
from matplotlib.figure import Figure  # noqa: E402

from eventstudy import EventStudy, bundled_events  # noqa: E402
from eventstudy.analysis import placebo_test, robustness, session_moves  # noqa: E402
from eventstudy.analysis.carpath import caar_path, car_path  # noqa: E402
from eventstudy.core.models import Dimson  # noqa: E402
from eventstudy.errors import PriceDataError, SpecificationError  # noqa: E402
from eventstudy.events import Event  # noqa: E402
from eventstudy.plot import (  # noqa: E402
    ResultsPlot,
    event_labels,
    plot_car_path,
    plot_moves,
    plot_placebo,
    plot_prices,
    plot_robustness,
    short_labels,
)
from eventstudy.plot.style import WIDTH  # noqa: E402

CASES = ("xiaomi", "luokung", "smic", "telecoms")
FIGURES = ("prices", "car_path", "moves", "robustness", "placebo")
WINDOWS = [(0, 0), (-1, 1), (0, 1), (-5, 5)]


@pytest.fixture(autouse=True)
def no_show(monkeypatch):
    """Fail if anything calls plt.show(); check that no pyplot figure is left behind."""

    def refuse(*args, **kwargs):
        raise AssertionError("plt.show() was called")

    monkeypatch.setattr(plt, "show", refuse)
    before = plt.get_fignums()
    yield
    assert plt.get_fignums() == before


@pytest.fixture(scope="module")
def studies():
    """Each case as the notebooks run it (both candidate sessions for unknown timing)."""
    made = {}
    for case in CASES:
        study = EventStudy(bundled_events(case), windows=WINDOWS, unknown_timing="both")
        made[case] = (study, study.fit())
    return made


@pytest.fixture(scope="module")
def figures(studies):
    """Each case's figures through ``results.plot``, made once for every test reading them."""
    made = {}

    def figure(case: str, name: str) -> Figure:
        if (case, name) not in made:
            made[case, name] = getattr(studies[case][1].plot, name)()
        return made[case, name]

    return figure


def _texts(fig: Figure) -> str:
    parts = [t.get_text() for t in fig.texts]
    if fig._suptitle is not None:
        parts.append(fig._suptitle.get_text())
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        parts += [t.get_text() for t in ax.texts]
        parts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    parts += sorted(legend_names(fig))
    return "\n".join(parts)


def _renders(fig: Figure) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    assert fig.get_figwidth() == WIDTH


def _visible_axes(fig: Figure):
    return [ax for ax in fig.axes if ax.get_visible()]


# ----- every figure of every case ---------------------------------------------------------
@pytest.mark.parametrize("figure", FIGURES)
@pytest.mark.parametrize("case", CASES)
def test_every_case_figure_passes_the_checks(figures, case, figure):
    fig = figures(case, figure)
    assert isinstance(fig, Figure)
    check_figure(fig)
    _renders(fig)
    assert drawn_series(fig), "the figure draws no series"


def test_the_checks_catch_what_they_check():
    """A value on a limit, an unnamed series and two overlapping labels are all found."""
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.bar([0, 1], [3, 2], bottom=[-5, -1], gid="series:bars")
    ax.set_ylim(-5, 3)  # the first bar's bottom sits on the frame: cut
    ax.plot([0, 1], [0, 1], gid="series:line")
    ax.annotate("one label", (0.5, 0.5))
    ax.annotate("one label", (0.5, 0.5))
    ax.legend([ax.patches[0]], ["bars"])
    assert any("-5" in p for p in outside_limits(fig))
    assert any("'series:line' is not in the legend" in p for p in unnamed_series(fig))
    assert any("overlaps" in p for p in overlapping_texts(fig))


# ----- the accessor -----------------------------------------------------------------------
def test_results_plot_accessor(studies):
    _, results = studies["xiaomi"]
    plot = results.plot
    assert isinstance(plot, ResultsPlot)
    assert "car_path()" in repr(plot) and "placebo()" in repr(plot)
    fig = results.plot(start=-5)  # calling the accessor draws the CAR path
    assert "from τ = -5" in fig._suptitle.get_text()
    assert "designation, 14 Jan" in _texts(fig)
    # Labels can still be given explicitly.
    fig = results.plot.moves(labels={"xiaomi-designation": "DoD list"})
    assert "DoD list" in _texts(fig) and "injunction, 12 Mar" not in _texts(fig)


def test_results_plot_imports_matplotlib_only_when_asked(tmp_path):
    import subprocess
    import sys

    code = ("import sys, eventstudy; from eventstudy import EventStudy, bundled_events; "
            "r = EventStudy(bundled_events('xiaomi')[:1], windows=[(0, 0)]).fit(); "
            "assert 'matplotlib' not in sys.modules; r.plot; "
            "assert 'matplotlib' in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# ----- labels -----------------------------------------------------------------------------
def test_event_labels_from_type_and_date():
    assert event_labels(bundled_events("xiaomi")) == {
        "xiaomi-designation": "designation, 14 Jan", "xiaomi-lawsuit": "lawsuit, 29 Jan",
        "xiaomi-injunction": "injunction, 12 Mar", "xiaomi-joint-filing": "joint filing, 11 May",
        "xiaomi-final-order": "final order, 25 May"}
    telecoms = event_labels(bundled_events("telecoms"))
    assert telecoms["telecoms-eo13959"] == "executive order, 12 Nov"
    assert telecoms["telecoms-nyse-re-reversal"] == "exchange action, 6 Jan"
    # Two events alike get the year, then the id; an untyped event its description.
    day = pd.Timestamp("2021-01-14").date()

    def event(ticker, when, **fields):
        return Event(ticker, when, exchange="XNYS", **fields)

    same = [event("A", day, id="a", type="report"),
            event("B", day.replace(year=2020), id="b", type="report")]
    assert event_labels(same) == {"a": "report, 14 Jan 2021", "b": "report, 14 Jan 2020"}
    twins = [event("A", day, id="a", type="report"), event("B", day, id="b", type="report")]
    assert event_labels(twins) == {"a": "report, 14 Jan 2021 (a)", "b": "report, 14 Jan 2021 (b)"}
    untyped = event("A", day, id="x", description="The regulator opens an inquiry into "
                    "the company's accounts.")
    assert event_labels([untyped]) == {"x": "The regulator opens an…, 14 Jan"}
    # The results' tables name the events as well as the events do.
    results = EventStudy(bundled_events("xiaomi")).fit()
    assert event_labels(results.windows) == event_labels(bundled_events("xiaomi"))


def test_short_labels():
    assert short_labels(["xiaomi-designation", "xiaomi-joint-filing"]) == {
        "xiaomi-designation": "designation", "xiaomi-joint-filing": "joint filing"}
    assert short_labels(["eo13974"]) == {"eo13974": "eo13974"}
    assert short_labels(["a-x", "b-y"]) == {"a-x": "a x", "b-y": "b y"}


def test_figures_from_tables_name_events_given_or_by_id(studies):
    study, results = studies["smic"]
    moves = session_moves(results)
    by_id = _texts(plot_moves(moves))
    assert "smic-designation-report" in by_id and "designation report" not in by_id
    readable = _texts(plot_moves(moves, labels=study.events))
    assert "report, 29 Nov" in readable and "smic-designation-report" not in readable


# ----- prices -----------------------------------------------------------------------------
def test_prices_rebased_with_event_labels(studies):
    study, results = studies["luokung"]
    fig = plot_prices(study.events)
    _renders(fig)
    (ax,) = fig.axes
    text = _texts(fig)
    assert "designation, 14 Jan" in text and "lawsuit, 4 Mar (timing unknown)" in text
    assert "= 100" in ax.get_ylabel() and ax.get_xlabel() == "Date" and ax.get_title()
    names = legend_names(fig)
    # The second candidate's dotted line has its own legend entry.
    assert {"LKCO", "^IXIC", "event session", "later candidate session (timing unknown)"} <= names
    assert any(line.get_linestyle() == ":" for line in ax.get_lines())
    lkco = next(line for line in ax.get_lines() if line.get_gid() == "series:LKCO")
    assert lkco.get_ydata()[0] == pytest.approx(100.0)
    with pytest.raises(PriceDataError, match="no prices between"):
        plot_prices(study.events, start="2030-01-01", end="2030-02-01")
    with pytest.raises(SpecificationError, match="scale must be one of"):
        plot_prices(study.events, scale="cubic")


def test_prices_diverging_series_get_a_log_scale(studies, figures):
    # LKCO rose about sevenfold against the Nasdaq: on a linear scale the index is a flat line.
    (ax,) = figures("luokung", "prices").axes
    assert ax.get_yscale() == "log" and "log scale" in ax.get_ylabel()
    (ax,) = figures("xiaomi", "prices").axes
    assert ax.get_yscale() == "linear"
    assert "later candidate session" not in _texts(figures("xiaomi", "prices"))
    (ax,) = studies["luokung"][1].plot.prices(scale="linear").axes
    assert ax.get_yscale() == "linear"


def test_prices_from_the_results_equal_the_sources(studies, figures):
    study, _ = studies["xiaomi"]
    mine = figures("xiaomi", "prices").axes[0]
    theirs = plot_prices(study.events).axes[0]
    for gid in ("series:1810.HK", "series:^HSI"):
        a = next(line for line in mine.get_lines() if line.get_gid() == gid)
        b = next(line for line in theirs.get_lines() if line.get_gid() == gid)
        np.testing.assert_allclose(a.get_ydata(), b.get_ydata(), rtol=1e-12)


# ----- CAR path ---------------------------------------------------------------------------
def _panel(fig, title):
    return next(ax for ax in _visible_axes(fig) if ax.get_title() == title)


def test_car_path_starts_at_zero_and_marks_the_headline(studies, figures):
    _, results = studies["xiaomi"]
    fig = figures("xiaomi", "car_path")
    ax = _panel(fig, "designation, 14 Jan")
    line = next(a for a in ax.get_lines() if a.get_gid() == "series:CAR with its 95% band"
                and len(a.get_xdata()) > 1)
    assert line.get_xdata()[0] == -1 and line.get_ydata()[0] == 0.0
    headline = results.windows.query("event_id == 'xiaomi-designation' and window_start == 0 "
                                     "and window_end == 0").iloc[0]
    day0 = list(line.get_xdata()).index(0)
    assert line.get_ydata()[day0] == pytest.approx(100 * headline.car)  # -11.11%, the headline
    assert any(t.get_text() == "AR(0) -11.11%" for t in ax.texts)
    # The day-0 interval excludes zero, as p = 0.0003 says; the band is drawn from it.
    errorbar = next(c for c in ax.collections if c.get_gid() ==
                    "series:day-0 abnormal return with its 95% interval")
    low, high = sorted(errorbar.get_segments()[0][:, 1])
    path = car_path(results)
    row = path.query("event_id == 'xiaomi-designation' and tau == 0").iloc[0]
    assert (low, high) == pytest.approx((100 * row.ar_lower, 100 * row.ar_upper))
    assert high < 0 and headline.p_value < 0.001


def test_car_path_of_a_volume_model_shows_log_volumes():
    # The volume models' abnormal values are log-volume deviations: drawn as they are,
    # under their own names, never as percent returns.
    results = EventStudy(bundled_events("xiaomi"), model="volume_mean").fit()
    fig = results.plot.car_path()
    check_figure(fig)
    ax = _panel(fig, "designation, 14 Jan")
    assert ax.get_ylabel() == "CAV (log volume)"
    assert fig.get_suptitle().startswith("Cumulative abnormal log volume")
    line = next(a for a in ax.get_lines() if a.get_gid() == "series:CAV with its 95% band"
                and len(a.get_xdata()) > 1)
    headline = results.windows.query("event_id == 'xiaomi-designation' and window_start == 0 "
                                     "and window_end == 0").iloc[0]
    assert line.get_ydata()[list(line.get_xdata()).index(0)] == pytest.approx(headline.car)
    assert any(t.get_text() == f"AV(0) {headline.car:+.2f}" for t in ax.texts)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["CAV with its 95% band", "day-0 abnormal log volume with its 95% interval"]
    plt.close(fig)


def test_car_path_band_and_candidates(studies):
    _, results = studies["luokung"]
    path = car_path(results)
    fig = plot_car_path(path)
    _renders(fig)
    axes = _visible_axes(fig)
    assert len(axes) == 3  # one panel per event id, both candidates in one panel
    for ax in axes:
        assert ax.get_ylabel() == "CAR (%)" and "τ = 0" in ax.get_xlabel()
        assert ax.collections  # the shaded bands
    names = legend_names(fig)
    assert {"CAR with its 95% band (earliest session if timing unknown)",
            "latest session: CAR with its 95% band"} <= names
    assert "CAR with its 95% band" not in names  # the known session shares the first entry
    assert "95% band" in fig._suptitle.get_text()
    # The band is drawn from the path's bounds, in percent.
    designation = path[path.event_id == "luokung-designation"]
    band = axes[0].collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(100 * designation.lower.min())
    assert band.max() == pytest.approx(100 * designation.upper.max())


def test_car_path_uses_the_results_level(studies):
    # The results carry their confidence level (results.level), 0.95 unless set.
    assert car_path(EventStudy(bundled_events("xiaomi"), windows=WINDOWS).fit()).attrs[
        "level"] == 0.95
    results = EventStudy(bundled_events("xiaomi"), windows=WINDOWS, level=0.9).fit()
    path = car_path(results)
    assert path.attrs["level"] == 0.9
    fig = results.plot.car_path()
    assert "90% band" in fig._suptitle.get_text()
    assert "day-0 abnormal return with its 90% interval" in legend_names(fig)
    assert "80% band" in _texts(plot_car_path(car_path(results, level=0.8)))


def test_several_securities_show_the_pooled_caar(studies, figures):
    _, results = studies["telecoms"]
    fig = figures("telecoms", "car_path")
    names = legend_names(fig)
    assert {"0941.HK", "0728.HK", "0762.HK", "mean CAR (CAAR) with its 95% band",
            "day-0 mean abnormal return with its 95% interval"} <= names
    pooled = results.caar(group_by="event_id", tests=False).set_index(
        ["event_id", "window_start", "window_end"])
    labels = event_labels(results.windows)
    for event_id, title in labels.items():
        ax = _panel(fig, title)
        bands = [c for c in ax.collections if c.get_gid() ==
                 "series:mean CAR (CAAR) with its 95% band"]
        assert len(bands) == 1  # one band per announcement, not one per security
        caar = next(a for a in ax.get_lines() if a.get_gid() ==
                    "series:mean CAR (CAAR) with its 95% band" and len(a.get_xdata()) > 1)
        thin = [a for a in ax.get_lines() if a.get_gid() in
                {"series:0941.HK", "series:0728.HK", "series:0762.HK"}]
        assert len(thin) == 3 and all(a.get_linewidth() < caar.get_linewidth() for a in thin)
        x, y = list(caar.get_xdata()), caar.get_ydata()
        # The pooled line is the study's own CAAR: CAAR(0, 0) and CAAR(0, 1).
        assert y[x.index(0)] == pytest.approx(100 * pooled.loc[(event_id, 0, 0), "caar"])
        assert y[x.index(1)] == pytest.approx(100 * pooled.loc[(event_id, 0, 1), "caar"])


def test_several_securities_without_the_pooled_table(studies):
    # From the path alone (as the notebooks called it): their mean, and no band claimed.
    _, results = studies["telecoms"]
    fig = plot_car_path(car_path(results))
    check_figure(fig)
    assert "mean CAR (CAAR)" in legend_names(fig) and "band" not in fig._suptitle.get_text()
    assert not any(ax.collections for ax in _visible_axes(fig))


# ----- moves ------------------------------------------------------------------------------
def _shown(value: float) -> str:
    """A move as the chart writes it: one decimal, signed, no sign on zero."""
    value = round(value, 1)
    return f"{value:+.1f}%" if value else "0.0%"


def test_moves_show_both_ends_of_every_bar(studies, figures):
    for case in CASES:
        _, results = studies[case]
        moves = session_moves(results)
        fig = figures(case, "moves")
        (ax,) = fig.axes
        low, high = ax.get_ylim()
        assert low < 100 * moves.trough_move.min() and high > 100 * moves.peak_move.max()
        labels = [t.get_text() for t in ax.texts]
        for lo, hi in zip(moves.trough_move, moves.peak_move, strict=True):
            assert _shown(100 * lo) in labels and _shown(100 * hi) in labels
    names = legend_names(fig)
    assert names == {"intraday range, low to high", "close-to-close return",
                     "abnormal return (day 0)"}


def test_moves_group_bars_by_announcement(figures):
    text = _texts(figures("luokung", "moves"))
    assert "lawsuit, 4 Mar" in text and "earliest\n4 Mar 2021" in text
    text = _texts(figures("telecoms", "moves"))
    assert "executive order, 12 Nov\nsession 13 Nov 2020" in text and "0941.HK" in text


# ----- robustness -------------------------------------------------------------------------
def test_robustness_figure(studies):
    study, results = studies["luokung"]
    table = robustness(study.events, windows=[(0, 0), (0, 1)])
    fig = plot_robustness(table, window=(0, 1), labels=study.events)
    _renders(fig)
    (ax,) = fig.axes
    assert ax.get_xlabel() == "CAR(0, 1) (%) with 95% confidence interval"
    assert len(ax.get_yticklabels()) == 5
    assert "lawsuit, 4 Mar [latest]" in _texts(fig)
    assert {"market_adjusted, other events kept", "market, other events excluded"} <= (
        legend_names(fig))
    check_figure(fig)
    with pytest.raises(SpecificationError, match="not in the robustness table"):
        plot_robustness(table, window=(-5, 5))


def test_robustness_refuses_other_prices(studies):
    study, results = studies["xiaomi"]
    bundled = study.source
    frames = {t: bundled.get(t).reset_index() for t in ("1810.HK", "^HSI")}
    frames["1810.HK"]["adj_close"] *= 1.01
    frames["1810.HK"]["close"] *= 1.01
    for column in ("open", "high", "low"):
        frames["1810.HK"][column] *= 1.01
    with pytest.raises(SpecificationError, match="not the ones the study read"):
        results.plot.robustness(prices=frames)
    table = robustness(study.events, windows=WINDOWS, models=("market",), exclusion=(True,))
    fig = results.plot.robustness(table=table, window=(0, 1))
    assert "CAR(0, 1)" in fig.axes[0].get_xlabel()


# ----- placebo ----------------------------------------------------------------------------
def test_placebo_figures_stay_off_the_event_line(figures):
    for case in CASES:
        fig = figures(case, "placebo")
        fig.draw_without_rendering()
        for ax in _visible_axes(fig):
            (line,) = [a for a in ax.get_lines() if a.get_gid() == "series:event day (τ = 0)"]
            at = ax.transData.transform((line.get_xdata()[0], 0))[0]
            (box,) = [t.get_bbox_patch().get_window_extent() for t in ax.texts]
            assert not box.x0 - 2 <= at <= box.x1 + 2, (case, ax.get_title())


def test_placebo_figure(studies):
    study, results = studies["luokung"]
    fig = plot_placebo(placebo_test(study, results), labels=study.events)
    _renders(fig)
    axes = _visible_axes(fig)
    assert len(axes) == 5
    for ax in axes:
        assert ax.get_xlabel() == "Abnormal return (%)" and ax.get_ylabel() == "Sessions"
    text = _texts(fig)
    assert "percentile" in text and "event day (τ = 0)" in text
    assert "lawsuit, 4 Mar\n[earliest]" in text


def test_placebo_from_results_equals_the_study(studies, figures):
    study, results = studies["smic"]
    made = figures("smic", "placebo")
    given = results.plot.placebo(study)
    assert _texts(made) == _texts(given)
    dimson = EventStudy(bundled_events("xiaomi")[:1], model=Dimson(lags=2), windows=[(0, 0)])
    with pytest.raises(SpecificationError, match="pass the study"):
        dimson.fit().plot.placebo()


# ----- an extreme synthetic case ----------------------------------------------------------
with warnings.catch_warnings():  # exchange_calendars' own pandas deprecation notices
    warnings.simplefilter("ignore")
    SESSIONS = xcals.get_calendar("XNYS", start="2020-01-01", end="2021-12-31").sessions_in_range(
        "2020-01-02", "2021-06-30")
AT = 300  # session of the shared announcement


def _frame(close, high, low) -> pd.DataFrame:
    return pd.DataFrame({"date": SESSIONS, "open": close, "high": high, "low": low,
                         "close": close, "adj_close": close, "volume": 1e6})


@pytest.fixture(scope="module")
def extreme():
    """Three stocks of one announcement: one more than triples (then rises twentyfold), one
    loses 70% (its low 85%), one barely moves; unknown timing; an untyped event."""
    rng = np.random.default_rng(16)
    market = 100 * np.cumprod(1 + rng.normal(0.0003, 0.01, len(SESSIONS)))
    frames = {"IDX": _frame(market, market * 1.005, market * 0.995)}
    jumps = {"BOOM": (3.5, 5.0, 0.9), "BUST": (0.3, 1.02, 0.15), "FLAT": (1.0, 1.01, 0.99)}
    for ticker, (jump, up, down) in jumps.items():
        ret = 0.0002 + 1.1 * (market[1:] / market[:-1] - 1) + rng.normal(0, 0.02, len(SESSIONS) - 1)
        close = 20 * np.concatenate([[1.0], np.cumprod(1 + ret)])
        if ticker == "BOOM":
            close[AT + 20:] *= np.linspace(1, 6, len(SESSIONS) - AT - 20)  # a long rally
        close[AT:] *= jump
        high, low = close * 1.01, close * 0.99
        previous = close[AT - 1]
        high[AT], low[AT] = previous * up * max(jump, 1), previous * down * min(jump, 1)
        high[AT], low[AT] = max(high[AT], close[AT]), min(low[AT], close[AT])
        frames[ticker] = _frame(close, high, low)
    day = SESSIONS[AT - 1].date()
    events = [Event(t, day, id="shared", type="exchange_action", exchange="XNYS", market="IDX",
                    timing="after_close", timezone="America/New_York") for t in jumps]
    events.append(Event("BOOM", SESSIONS[AT + 40].date(), id="untyped", exchange="XNYS",
                        market="IDX", timing="unknown", timezone="America/New_York",
                        description="A very long description of something that happened to "
                                    "the company on that day."))
    events.append(Event("BUST", SESSIONS[AT + 25].date(), id="suit", type="lawsuit",
                        exchange="XNYS", market="IDX", timing="during",
                        timezone="America/New_York"))
    study = EventStudy(events, prices=frames, windows=[(0, 0), (-2, 3)], unknown_timing="both")
    return study, study.fit(), frames


@pytest.mark.parametrize("figure", FIGURES)
def test_extreme_case_figures_pass_the_checks(extreme, figure):
    study, results, frames = extreme
    options = {"robustness": {"prices": frames}, "placebo": {"study": study}}
    fig = getattr(results.plot, figure)(**options.get(figure, {}))
    check_figure(fig)
    _renders(fig)


def test_extreme_case_shows_its_extremes(extreme):
    study, results, _ = extreme
    moves = session_moves(results)
    assert moves.peak_move.max() > 3 and moves.trough_move.min() < -0.8
    (ax,) = results.plot.prices().axes
    assert ax.get_yscale() == "log"
    text = _texts(results.plot.car_path())
    assert "exchange action, " in text and "A very long description of…, " in text
    pooled = caar_path(results)
    assert set(pooled.query("event_id == 'shared'").n) == {3}


def test_placebo_of_a_volume_model_shows_log_volumes():
    study = EventStudy(bundled_events("xiaomi"), model="volume_mean")
    results = study.fit()
    fig = results.plot.placebo(study)
    check_figure(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Abnormal log volume"
    event_ar = placebo_test(study, results).table["event_ar"].iloc[0]
    line = next(a for a in ax.get_lines() if a.get_gid() == "series:event day (τ = 0)")
    assert line.get_xdata()[0] == pytest.approx(event_ar)  # not x100
    assert any(t.get_text().startswith(f"event {event_ar:+.2f}\n") for t in ax.texts)
    assert "abnormal log volume" in fig.get_suptitle()
    plt.close(fig)
