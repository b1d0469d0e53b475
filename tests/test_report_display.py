"""The report's views of tables: styled frames, pooled tests, event tables, tidied HTML,
and the notebook made ready for rendering."""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pandas as pd
import pytest

from eventstudy import EventStudy, bundled_events
from eventstudy.report import announcements, event_sessions, pooled_table, styled
from eventstudy.report.build import prepare_notebook, render_html
from eventstudy.report.tables import column_kind, tidy_tables


def _cell_texts(page: str, column: int) -> list[str]:
    """The texts of the body cells of a Styler table's column."""
    return re.findall(rf'<td [^>]*class="data row\d+ col{column}"[^>]*>([^<]*)</td>', page)


def test_styled_leaves_out_empty_columns_and_index_levels():
    frame = pd.DataFrame({"event_id": ["a", "b"], "candidate": ["", ""],
                          "car": [0.01, np.nan], "note": [np.nan, np.nan]})
    page = styled(frame).to_html()
    assert ">candidate<" not in page and ">note<" not in page and ">car<" in page
    assert ">candidate<" in styled(frame, drop_empty=False).to_html()
    assert list(frame.columns) == ["event_id", "candidate", "car", "note"]  # data untouched
    wide = pd.DataFrame(
        {"market": [-0.1111, 0.02]},
        index=pd.MultiIndex.from_tuples([("e1", "X", ""), ("e2", "X", "")],
                                        names=["event_id", "ticker", "candidate"]),
    )
    page = styled(wide, percent="all").to_html()
    assert ">candidate<" not in page and ">ticker<" in page and "-11.11%" in page


def test_styled_shows_prices_with_their_currency_and_two_decimals():
    frame = pd.DataFrame({
        "ticker": ["1810.HK", "LKCO", "^HSI", "MINE"],
        "prev_close": [24.6, 0.828, 28573.859, 12.3456],
        "high": [26.3, 0.794, 28600.0, 13.0],
        "peak_move": [0.0691, -0.041, 0.001, 0.053],
    })
    page = styled(frame).to_html()
    assert _cell_texts(page, 1) == ["HKD 24.60", "USD 0.83", "28,573.86 points", "12.35"]
    assert _cell_texts(page, 2) == ["HKD 26.30", "USD 0.79", "28,600.00 points", "13.00"]
    assert _cell_texts(page, 3)[0] == "+6.91%"
    page = styled(frame, currencies={"MINE": "EUR"}).to_html()
    assert _cell_texts(page, 1)[3] == "EUR 12.35"
    bare = styled(pd.DataFrame({"high": [26.3]})).to_html()
    assert _cell_texts(bare, 0) == ["26.30"]


def test_styled_puts_text_left_and_numbers_right():
    frame = pd.DataFrame({"event_id": ["xiaomi-joint-filing"], "car": [0.0466],
                          "description": ["Xiaomi and the Defense Department file a joint "
                                          "status report on a way to end the case."]})
    page = styled(frame).to_html()
    uuid = re.search(r'<table id="(T_\w+)"', page).group(1)
    rules = dict(re.findall(rf"#{uuid} (td\.col\d) {{\s*([^}}]*)}}", page))
    assert "text-align: left" in rules["td.col0"] and "nowrap" in rules["td.col0"]
    assert "text-align: right" in rules["td.col1"]
    assert "white-space: normal" in rules["td.col2"] and "min-width" in rules["td.col2"]


@pytest.fixture(scope="module")
def telecoms():
    return EventStudy(bundled_events("telecoms"), windows=[(0, 0), (-1, 1)]).fit()


def test_pooled_table_stars_the_p_values(telecoms):
    style = pooled_table(telecoms, group_by="event_id")
    table = telecoms.caar(group_by="event_id")
    assert len(style.data) == len(table) == 4 * 2
    page = style.to_html()
    first = table.iloc[0]
    assert first.patell_p < 0.01  # the executive order's day-0 Patell test
    assert f"{first.patell_p:.3f}***" in page and f"{100 * first.caar:+.2f}%" in page
    stars = [p for p in table.filter(like="_p").to_numpy().ravel() if 0.01 <= p < 0.05]
    assert stars and f"{stars[0]:.3f}**<" in page
    assert "<caption>" in page and "Kolari-Pynnönen (2010)" in page
    assert ">telecoms-nyse-reversal<" in page and ">(-1,1)<" in page
    assert "<caption>" in pooled_table(telecoms).to_html()  # all events in one pool


def test_pooled_table_shows_the_median_and_share_of_positive_cars(telecoms):
    page = pooled_table(telecoms, group_by="event_id").to_html()
    rows = telecoms.to_frame().query("window_start == 0 and window_end == 0")
    order = rows[rows["event_id"] == "telecoms-eo13959"]["car"].to_numpy()
    reversal = rows[rows["event_id"] == "telecoms-nyse-reversal"]["car"].to_numpy()
    assert f">{100 * np.median(order):+.2f}%<" in page and ">0%<" in page  # three falls
    assert (reversal > 0).all() and ">100%<" in page  # three rises
    assert "positive: share of CARs above zero" in page


def test_announcements_and_sessions_split_the_event_table():
    events = bundled_events("telecoms")
    said = announcements(events)
    assert said.event_id.tolist() == ["telecoms-eo13959", "telecoms-nyse-delisting",
                                      "telecoms-nyse-reversal", "telecoms-nyse-re-reversal"]
    assert said.source.iloc[0] == "Federal Register, 85 FR 73185"
    assert "ticker" not in said.columns
    sessions = event_sessions(events)
    assert len(sessions) == 12 and "description" not in sessions.columns
    luokung = event_sessions(bundled_events("luokung"))
    assert luokung.candidate.tolist() == ["", "earliest", "latest", "earliest", "latest"]


@pytest.mark.parametrize(
    ("texts", "kind"),
    [
        (["-11.11%", "+6.10%", "", "0.000***"], "number"),
        (["HKD 24.60", "USD 0.83", "28,573.86 points", "587", "< 0.001", "nan"], "number"),
        (["xiaomi-designation", "2021-01-15", "(0,0)"], "text"),
        (["telecoms-nyse-re-reversal 0941.HK"], "text"),  # a label, however long
        (["6 estimation sessions removed: they lie in the event windows of x"], "prose"),
        ([], "text"),
    ],
)
def test_column_kind(texts, kind):
    assert column_kind(texts) == kind


def test_tidy_tables_marks_columns_and_fixes_ids():
    frame = pd.DataFrame({"event_id": ["a-b", "c-d"], "close_to_close": [0.01, -0.02]})
    first, second = styled(frame).to_html(), styled(frame).to_html()
    assert first != second  # pandas' random table ids
    tidy = tidy_tables(first, "3_0")
    assert tidy == tidy_tables(second, "3_0")
    assert 'id="T_3_0_0"' in tidy and "#T_3_0_0 td.col0" in tidy
    assert re.search(r'class="data row0 col0 es-text"[^>]*>a-b<', tidy)
    assert re.search(r'class="data row0 col1 es-num"[^>]*>\+1.00%<', tidy)
    assert "close_<wbr/>to_<wbr/>close" in tidy  # a long header may break at underscores


def test_tidy_tables_follows_spanned_cells():
    wide = pd.DataFrame(
        {"m1": [0.01, 0.02, 0.03], "m2": [0.1, 0.2, 0.3]},
        index=pd.MultiIndex.from_tuples([("e1", "earliest"), ("e1", "latest"), ("e2", "")]),
    )
    tidy = tidy_tables(wide.to_html(), "0_0")  # e1's row header spans two rows
    assert re.search(r'<th class="es-text" rowspan="2"[^>]*>e1</th>', tidy)
    assert re.search(r'<th class="es-text"[^>]*>latest</th>\s*<td class="es-num">0.02</td>', tidy)
    assert tidy_tables("<p>no table</p>", "0_0") == "<p>no table</p>"


def _notebook():
    plot = nbformat.v4.new_code_cell("plot_prices(events)", id="plot")
    plot.metadata["mystnb"] = {"image": {"alt": "A line chart of the stock."}}
    plot.outputs = [nbformat.v4.new_output(
        "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]
    table = nbformat.v4.new_code_cell("styled(frame)", id="table")
    table.outputs = [nbformat.v4.new_output("execute_result", data={
        "text/html": styled(pd.DataFrame({"x": ["a"], "y": [0.5]})).to_html()},
        execution_count=1)]
    injected = nbformat.v4.new_code_cell("CASE = 'smic'", id="a1b2c3d4")
    injected.metadata["tags"] = ["injected-parameters"]
    note = nbformat.v4.new_markdown_cell("The next cell holds the parameters.", id="note")
    note.metadata["tags"] = ["notebook-only"]
    prose = nbformat.v4.new_markdown_cell("# A case", id="prose")
    return nbformat.v4.new_notebook(cells=[prose, note, injected, plot, table])


def test_prepare_notebook_for_a_report():
    notebook = _notebook()
    ready = prepare_notebook(notebook)
    assert [c.id for c in ready.cells] == ["prose", "injected-parameters", "plot", "table"]
    assert ready.cells[2].outputs[0].metadata["image/png"]["alt"] == "A line chart of the stock."
    assert 'id="T_3_0_0"' in ready.cells[3].outputs[0].data["text/html"]
    assert len(notebook.cells) == 5 and not notebook.cells[3].outputs[0].metadata  # a copy


def test_render_html_links_index_and_csv():
    page = render_html(_notebook(), "A case", case="smic")
    nav = page[page.index("<nav"):page.index("</nav>")]
    assert 'href="index.html"' in nav and 'href="smic.csv"' in nav
    assert 'alt="A line chart of the stock."' in page
    assert "next cell" not in page and "<nav" not in render_html(_notebook(), "A case")


def test_styled_rounds_as_the_summaries_do():
    # a value that rounds to zero is shown without a sign, as in results.summary()
    frame = pd.DataFrame({"car": [-1e-7, 0.0123], "t_stat": [-0.001, 2.5]})
    page = styled(frame).to_html()
    assert ">0.00%<" in page and ">+1.23%<" in page and ">0.00<" in page and ">2.50<" in page
    assert "-0.00" not in page
