"""Figures: one style, labelled axes with units, legends and event labels; never shown."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from eventstudy import EventStudy, bundled_events  # noqa: E402
from eventstudy.analysis.carpath import car_path  # noqa: E402
from eventstudy.analysis.moves import session_moves  # noqa: E402
from eventstudy.analysis.placebo import placebo_test  # noqa: E402
from eventstudy.analysis.robustness import robustness  # noqa: E402
from eventstudy.errors import PriceDataError, SpecificationError  # noqa: E402
from eventstudy.plot.figures import (  # noqa: E402
    WIDTH,
    plot_car_path,
    plot_moves,
    plot_placebo,
    plot_prices,
    plot_robustness,
    short_labels,
)


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
def luokung():
    events = bundled_events("luokung")
    study = EventStudy(events, unknown_timing="both")
    results = study.fit()
    return events, study, results


def _texts(fig: Figure) -> str:
    parts = [t.get_text() for t in fig.texts]
    if fig._suptitle is not None:
        parts.append(fig._suptitle.get_text())
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        parts += [t.get_text() for t in ax.texts]
        parts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        legend = ax.get_legend()
        if legend is not None:
            parts += [t.get_text() for t in legend.get_texts()]
    for legend in fig.legends:
        parts += [t.get_text() for t in legend.get_texts()]
    return "\n".join(parts)


def _renders(fig: Figure) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    assert fig.get_figwidth() == WIDTH


def _visible_axes(fig: Figure):
    return [ax for ax in fig.axes if ax.get_visible()]


def test_prices_rebased_with_event_labels(luokung):
    events, _, _ = luokung
    fig = plot_prices(events)
    _renders(fig)
    (ax,) = fig.axes
    text = _texts(fig)
    assert "designation" in text and "lawsuit (timing unknown)" in text and "injunction" in text
    assert "= 100" in ax.get_ylabel() and ax.get_xlabel() == "Date" and ax.get_title()
    assert {"LKCO", "^IXIC", "event session"} <= {t.get_text() for t in ax.get_legend().get_texts()}
    lkco = next(line for line in ax.get_lines() if line.get_label() == "LKCO")
    assert lkco.get_ydata()[0] == pytest.approx(100.0)
    with pytest.raises(PriceDataError, match="no prices between"):
        plot_prices(events, start="2030-01-01", end="2030-02-01")


def test_car_path_band(luokung):
    _, _, results = luokung
    path = car_path(results)
    fig = plot_car_path(path)
    _renders(fig)
    axes = _visible_axes(fig)
    assert len(axes) == 3  # one panel per event id, both candidates in one panel
    for ax in axes:
        assert ax.get_ylabel() == "CAR (%)" and "τ" in ax.get_xlabel()
        assert ax.get_legend() is not None and ax.collections  # the shaded band
    assert "95% confidence band" in _texts(fig)
    # The band is drawn from the path's bounds, in percent.
    designation = path[path.event_id == "luokung-designation"]
    band = axes[0].collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(100 * designation.lower.min())
    assert band.max() == pytest.approx(100 * designation.upper.max())


def test_moves(luokung):
    _, _, results = luokung
    fig = plot_moves(session_moves(results))
    _renders(fig)
    (ax,) = fig.axes
    assert "%" in ax.get_ylabel() and ax.get_title()
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert labels == {"intraday range, low to high", "close-to-close return",
                      "abnormal return (day 0)"}
    assert "lawsuit [earliest]" in _texts(fig)


def test_robustness_figure(luokung):
    events, _, _ = luokung
    table = robustness(events, windows=[(0, 0), (0, 1)])
    fig = plot_robustness(table, window=(0, 1))
    _renders(fig)
    (ax,) = fig.axes
    assert ax.get_xlabel() == "CAR(0, 1) (%) with 95% confidence interval"
    assert len(ax.get_yticklabels()) == 5
    text = _texts(fig)
    assert "market_adjusted" in text and "other events kept" in text
    with pytest.raises(SpecificationError, match="not in the robustness table"):
        plot_robustness(table, window=(-5, 5))


def test_placebo_figure(luokung):
    _, study, results = luokung
    fig = plot_placebo(placebo_test(study, results))
    _renders(fig)
    axes = _visible_axes(fig)
    assert len(axes) == 5
    for ax in axes:
        assert ax.get_xlabel() == "Abnormal return (%)" and ax.get_ylabel() == "Sessions"
    text = _texts(fig)
    assert "percentile" in text and "event day (τ = 0)" in text


def test_short_labels():
    assert short_labels(["xiaomi-designation", "xiaomi-joint-filing"]) == {
        "xiaomi-designation": "designation", "xiaomi-joint-filing": "joint filing"}
    assert short_labels(["eo13974"]) == {"eo13974": "eo13974"}
    assert short_labels(["a-x", "b-y"]) == {"a-x": "a x", "b-y": "b y"}
