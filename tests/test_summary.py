"""The summary object: text, HTML, Markdown, LaTeX and Excel, rounded for reading, while
to_frame keeps every digit."""

from __future__ import annotations

import builtins
import datetime as dt
import itertools
import re

import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy, bundled_events
from eventstudy.calendar import exchange_sessions
from eventstudy.core import Summary, SummaryTable
from eventstudy.core.summary import format_value
from eventstudy.errors import EventStudyError, MissingDependencyError, SpecificationError


@pytest.fixture(scope="module")
def xiaomi():
    return EventStudy(bundled_events("xiaomi")).fit()


@pytest.fixture(scope="module")
def telecoms():
    return EventStudy(bundled_events("telecoms")).fit()


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (-0.111126, "return", "-11.11%"),
        (0.0610, "return", "+6.10%"),
        (-0.00004, "return", "0.00%"),  # no -0.00%
        (0.00004, "return", "0.00%"),  # nor +0.00%
        (0.0303, "spread", "3.03%"),  # no sign on a standard deviation
        (-1e-9, "spread", "0.00%"),
        (0.6, "share", "60%"),
        (-3.6661, "stat", "-3.67"),
        (-0.0012, "stat", "0.00"),  # no -0.00
        (0.00049, "p", "<0.001"),
        (0.0009999, "p", "<0.001"),
        (0.001, "p", "0.001"),
        (0.1474, "p", "0.147"),
        (0.00049, "p_stars", "<0.001***"),
        (0.011, "p_stars", "0.011**"),
        (0.0512, "p_stars", "0.051*"),
        (0.5, "p_stars", "0.500"),
        (24.6, "price", "24.60"),
        (0.01234, "price", "0.01234"),
        (5.0, "count", "5"),
        (pd.Timestamp("2021-01-15"), "date", "2021-01-15"),
        (np.datetime64("2021-05-12"), "date", "2021-05-12"),
        ("(0,0)", "text", "(0,0)"),
        (np.nan, "return", ""),
        (None, "p", ""),
        (pd.NaT, "date", ""),
    ],
)
def test_formatting_rules(value, kind, shown):
    assert format_value(value, kind) == shown


def test_unknown_kind_is_refused():
    with pytest.raises(SpecificationError, match="unknown column kind"):
        format_value(1.0, "percent")
    with pytest.raises(SpecificationError, match="unknown column kinds"):
        SummaryTable("t", pd.DataFrame({"a": [1.0]}), {"a": "percent"})


def test_summary_prints_as_text(xiaomi, capsys):
    summary = xiaomi.summary()
    assert isinstance(summary, Summary)
    print(summary)
    printed = capsys.readouterr().out
    assert printed.rstrip("\n") == summary.as_text() == str(summary) == str(xiaomi)
    assert repr(summary) == summary.as_text()
    lines = printed.splitlines()
    assert lines[0].strip() == "Event study results" and set(lines[1]) == {"="}
    designation = [line for line in lines if line.startswith("xiaomi-designation  (0,0)")]
    assert designation == [
        "xiaomi-designation  (0,0)  -11.11%  3.03% -17.08%  -5.14% -3.67 <0.001*** -10.26%"]
    # the final order's t of -0.0029 shows as 0.00, never -0.00
    assert "-0.00" not in printed and re.search(r"xiaomi-final-order\s+\(0,0\).* 0\.00 ", printed)
    assert "Confidence level:         95%" in printed


def test_event_sessions_table_has_trough_beside_peak(xiaomi):
    (sessions, windows) = xiaomi.summary().tables
    assert sessions.title == "Event sessions" and windows.title == "Windows"
    assert list(sessions.data.columns) == ["event", "session", "prev. close", "close",
                                           "close-to-close", "peak", "trough"]
    assert "peak" not in windows.data.columns  # not repeated on every window
    shown = sessions.formatted().set_index("event")
    # the joint filing: close 26.10, high 26.30, low 24.65 against the previous close 24.60
    assert shown.loc["xiaomi-joint-filing"].tolist() == [
        "2021-05-12", "24.60", "26.10", "+6.10%", "+6.91%", "+0.20%"]
    # the designation: low 28.20 against the previous close 32.65
    assert shown.loc["xiaomi-designation", "trough"] == f"{100 * (28.20 / 32.65 - 1):+.2f}%"


def test_summary_tables_keep_full_precision(xiaomi):
    windows = xiaomi.summary().tables[1].data
    frame = xiaomi.to_frame()
    np.testing.assert_array_equal(windows["CAR"].to_numpy(), frame["car"].to_numpy())
    assert frame.car.iloc[0] != round(frame.car.iloc[0], 6)  # to_frame is not rounded


def test_html(xiaomi):
    page = xiaomi.summary()._repr_html_()
    assert page == xiaomi.summary().as_html()
    assert page.count("<table") == 3  # header, sessions, windows
    assert "<caption>Event sessions</caption>" in page and "&lt;0.001***" in page
    assert "<th style='text-align:right'>trough</th>" in page
    results_page = xiaomi._repr_html_()
    assert results_page.startswith(page.removesuffix("</div>"))
    assert "<details><summary>Diagnostics</summary>" in results_page


def test_html_escapes_text():
    table = SummaryTable("<b>", pd.DataFrame({"a&b": ["<script>"]}))
    page = Summary("x < y", [("k", "<v>")], [table], ["a & b"]).as_html()
    assert "<script>" not in page and "&lt;script&gt;" in page and "a&amp;b" in page
    assert "x &lt; y" in page and "&lt;v&gt;" in page and "a &amp; b" in page


def test_markdown(xiaomi):
    text = xiaomi.summary().as_markdown()
    lines = text.splitlines()
    assert lines[0] == "**Event study results**"
    header = "| event | window | CAR | s.e. | CI low | CI high | t | p | raw |"
    assert header in lines
    rule = lines[lines.index(header) + 1]
    assert rule == "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    designation = [line for line in lines if line.startswith("| xiaomi-designation | (0,0)")]
    assert designation == [
        r"| xiaomi-designation | (0,0) | -11.11% | 3.03% | -17.08% | -5.14% | -3.67 | "
        r"<0.001\*\*\* | -10.26% |"]
    body = lines[lines.index(header) + 2 : lines.index(header) + 22]
    assert len(body) == 20 and all(line.count(" | ") == 8 for line in body)
    pipes = Summary("t", tables=[SummaryTable("", pd.DataFrame({"a": ["x|y"]}))]).as_markdown()
    assert r"x\|y" in pipes


def test_latex(telecoms):
    text = telecoms.pooled_summary(group_by="event_id").as_latex()
    assert text.count("\\begin{tabular}") == 4 and text.count("\\end{tabular}") == 4
    assert "event\\_id & window & N & CAAR" in text  # underscores escaped
    assert "\\%" in text and re.search(r"(?<!\\)%", text) is None  # every % escaped
    assert "\\textless{}0.001" in text
    assert "Pooled CARs by event\\_id" in text
    header = Summary("t", [("Estimation window", "[-250, -11]")]).as_latex()
    assert "Estimation window & {[}-250, -11{]} \\\\" in header


def test_pooled_summary_is_a_summary(telecoms, capsys):
    summary = telecoms.pooled_summary(group_by="event_id")
    print(summary)
    out = capsys.readouterr().out
    assert "Pooled CARs by event_id" in out and "telecoms-nyse-reversal" in out
    cars, _, tests = summary.tables
    assert list(cars.data.columns) == ["event_id", "window", "N", "CAAR", "s.e.", "CI low",
                                       "CI high", "BHAR", "positive"]
    assert "bootstrap" in tests.data.columns and "<0.001" in out


def test_excel(xiaomi, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "xiaomi.xlsx"
    xiaomi.summary().to_excel(path)
    sheet = openpyxl.load_workbook(path)["Summary"]
    rows = [_trimmed([c.value for c in row]) for row in sheet.iter_rows()]
    assert rows[0] == ["Event study results"] and ["Confidence level", "95%"] in rows
    header = rows.index(["event", "window", "CAR", "s.e.", "CI low", "CI high", "t", "p", "raw"])
    first = sheet[header + 2]  # openpyxl rows count from 1
    values = [c.value for c in first]
    assert values[:2] == ["xiaomi-designation", "(0,0)"]
    assert values[2] == -0.1111 and first[2].number_format == "+0.00%;-0.00%;0.00%"
    assert values[3] == 0.0303 and first[3].number_format == "0.00%"
    assert values[6] == -3.67 and first[6].number_format == "0.00"
    assert values[7] == "<0.001***"  # p-values are the text shown
    sessions = rows.index(["event", "session", "prev. close", "close", "close-to-close",
                           "peak", "trough"])
    session = sheet[sessions + 2]
    assert session[1].value == dt.datetime(2021, 1, 15)
    assert session[1].number_format == "yyyy-mm-dd" and session[2].value == 32.65
    assert not list(tmp_path.glob(".*tmp"))  # written whole, through a temporary
    with pytest.raises(SpecificationError, match="is a folder"):
        xiaomi.summary().to_excel(tmp_path)


def _trimmed(values: list) -> list:
    while values and values[-1] is None:
        values = values[:-1]
    return values


def test_excel_text_is_never_a_formula(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    table = SummaryTable("", pd.DataFrame({"a": ["=HYPERLINK(\"x\")"]}))
    Summary("t", tables=[table]).to_excel(tmp_path / "f.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "f.xlsx").active["A4"]
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"


def test_excel_without_openpyxl_says_what_to_install(xiaomi, tmp_path, monkeypatch):
    real_import = builtins.__import__

    def without_openpyxl(name, *args, **kwargs):
        if name == "openpyxl" or name.startswith("openpyxl."):
            raise ModuleNotFoundError("No module named 'openpyxl'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_openpyxl)
    with pytest.raises(MissingDependencyError) as info:
        xiaomi.summary().to_excel(tmp_path / "x.xlsx")
    assert isinstance(info.value, ImportError) and isinstance(info.value, EventStudyError)
    assert "pip install 'policy-eventstudy[excel]'" in str(info.value)
    assert not (tmp_path / "x.xlsx").exists()


def test_header_and_notes_wrap_to_the_table():
    data = pd.DataFrame({"x": [0.5], "y": [0.00001]})
    table = SummaryTable("T", data, {"x": "return", "y": "p"}, notes=["n " * 60])
    text = Summary("Title", [("a", "1"), ("b", "2"), ("c", "3")], [table], ["end"]).as_text()
    lines = text.splitlines()
    assert max(len(line) for line in lines) == 78
    assert "+50.00%" in text and "<0.001" in text
    assert lines[2].startswith("a:") and "c:" in lines[2] and lines[3].startswith("b:")


def _header(text: str) -> list[str]:
    lines = text.splitlines()
    return lines[2 : next(i for i, line in enumerate(lines) if line.startswith("---"))]


@pytest.mark.parametrize("regressors", [
    ["^HSI", "0941.HK", "0981.HK"],  # too long to share a line
    ["^HSI", "0941.HK", "0981.HK", "0728.HK", "0762.HK"],  # too long for one line
])
def test_a_long_model_name_keeps_the_header_in_its_columns(regressors):
    from eventstudy import LinearModel

    results = EventStudy(bundled_events("xiaomi"), model=LinearModel(regressors)).fit()
    name = f"linear(ret ~ {' + '.join(regressors)})"
    for text in (str(results.summary()), str(results.pooled_summary())):
        lines = text.splitlines()
        width = len(lines[1])  # the tables' width
        assert lines[1] == "=" * width and all(len(line) <= width for line in lines)
        header = _header(text)
        # the model first, on lines of its own, its value in the values' column, whole
        n_model = 1 + sum(1 for _ in itertools.takewhile(
            lambda line: line.startswith(" " * 26), header[1:]))
        assert header[0].startswith(f"{'Model:':<26}linear(")
        assert " ".join(line[26:] for line in header[:n_model]) == name
        # the rest two to a line: labels at 0 and 42, values at 26 and 68
        rest = header[n_model:]
        assert len(rest) >= 2 and "linear" not in "".join(rest)
        for line in rest:
            assert re.match(r"\w[\w. ]*: +\S", line) and line[25] == " " != line[26]
            if len(line) > 40:
                assert line[40:42] == "  " and re.match(r"\w[\w. ]*: +\S", line[42:])
                assert line[67] == " " != line[68]


def test_short_header_values_stay_two_to_a_line(xiaomi):
    header = _header(str(xiaomi.summary()))
    assert len(header) == 5
    assert header[0] == (f"{'Model:':<26}{'market':<14}  {'Unknown timing:':<26}earliest")


def test_event_labels_name_the_ticker_once():
    # Default ids (TICKER@DATE) already name the security; catalog ids do not.
    frame = pd.DataFrame({"ticker": ["1810.HK", "0981.HK"], "date": ["2021-01-14", "2020-12-03"]})
    text = str(EventStudy(frame, market="^HSI").fit().summary())
    assert "1810.HK@2021-01-14 " in text and "1810.HK@2021-01-14 1810.HK" not in text
    telecoms = str(EventStudy(bundled_events("telecoms")).fit().summary())
    assert "telecoms-eo13959 0941.HK" in telecoms


def test_volume_models_show_log_volumes_not_percent_returns():
    # volume_mean's CAV of a window is a sum of log-volume deviations: 1.83 is about
    # six times the normal volume, not +183%; the summaries say what it is.
    results = EventStudy(bundled_events("xiaomi"), model="volume_mean").fit()
    first = results.to_frame().iloc[0]
    windows = results.summary().tables[1]
    assert "CAV" in windows.data.columns and "CAR" not in windows.data.columns
    text = str(results.summary())
    assert f" {first.car:.2f} " in text and f"{100 * first.car:+.2f}%" not in text
    assert "CAV, cumulative abnormal log volume" in text
    pooled = str(results.pooled_summary())
    assert "Pooled CAVs" in pooled and "mean CAV" in pooled and "CAAR" not in pooled
    assert "CAR," in str(EventStudy(bundled_events("xiaomi")).fit().summary())


def test_a_study_of_returns_shows_no_empty_price_columns():
    # Returns only (a wide table): closes and intraday moves do not exist; the
    # summary leaves their columns out and says why, instead of empty cells.
    dates = exchange_sessions("XNYS").between(pd.Timestamp("2020-01-02"),
                                              pd.Timestamp("2021-06-30"))
    rng = np.random.default_rng(7)
    table = pd.DataFrame({"date": dates, "A": rng.normal(0, 0.01, len(dates)),
                          "M": rng.normal(0, 0.01, len(dates))})
    events = pd.DataFrame({"ticker": ["A"], "date": ["2021-03-12"], "timing": ["before_open"]})
    results = EventStudy(events, returns=table, market="M", exchange="XNYS").fit()
    sessions = results.summary().tables[0].data
    assert list(sessions.columns) == ["event", "session", "close-to-close"]
    assert sessions["close-to-close"].iloc[0] == pytest.approx(
        table.loc[dates == "2021-03-12", "A"].item(), rel=1e-12)
    assert "returns only, no prices: no closes" in results.summary().notes[0]
    with_prices = EventStudy(bundled_events("xiaomi")).fit().summary().tables[0].data
    assert {"prev. close", "close", "peak", "trough"} <= set(with_prices.columns)
