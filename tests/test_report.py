"""The report build: HTML with figures and headline numbers, files that rebuild identically."""

from __future__ import annotations

import filecmp
import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from eventstudy import __version__, bundled_cases
from eventstudy.report import build_reports, main
from eventstudy.report.build import DEFAULT_PARAMETERS, case_results

MANIFEST = Path(__file__).resolve().parent.parent / "data" / "prices" / "manifest.csv"
PNG = re.compile(r'<img [^>]*src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"')
IMG = re.compile(r"<img\b[^>]*>")
ALT = re.compile(r'\balt="([^"]+)"')


def test_every_case_has_html_csv_and_figures(report_build):
    output, built = report_build
    for case in bundled_cases().index:
        page = (output / f"{case}.html").read_text(encoding="utf-8")
        assert len(PNG.findall(page)) == 5, case
        assert (output / f"{case}.csv").is_file()
        assert '<script src="http' not in page  # opens complete offline
    assert [p.name for p in built.files][-1] == "index.html"


def test_figures_have_alt_text(report_build):
    output, _ = report_build
    for case in bundled_cases().index:
        page = (output / f"{case}.html").read_text(encoding="utf-8")
        images = IMG.findall(page)
        alts = [ALT.search(tag) for tag in images]
        assert len(images) == 5 and all(alts), case
        assert len({a.group(1) for a in alts}) == 5, f"{case}: each figure has its own alt text"
    xiaomi = (output / "xiaomi.html").read_text(encoding="utf-8")
    assert "alt=\"Line chart of Xiaomi's adjusted close (1810.HK" in xiaomi


def test_case_reports_link_the_index_and_their_csv(report_build):
    output, _ = report_build
    for case in bundled_cases().index:
        page = (output / f"{case}.html").read_text(encoding="utf-8")
        nav = page[page.index("<nav"):page.index("</nav>")]
        assert 'href="index.html"' in nav and f'href="{case}.csv"' in nav, case
        assert f'href="{case}-sessions.csv"' in nav, case


def _cells(page: str) -> list[tuple[str, list[str]]]:
    """Text and classes of every table cell of a report's outputs."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    return [(td.get_text(), td.get("class", []))
            for area in soup.select(".jp-OutputArea-output") for td in area.find_all("td")]


def test_tables_align_text_left_and_numbers_right(report_build):
    output, _ = report_build
    for case in bundled_cases().index:
        cells = _cells((output / f"{case}.html").read_text(encoding="utf-8"))
        # returns, statistics with stars, prices with their currency: right
        numbers = [c for t, c in cells if re.fullmatch(r"(HKD |USD )?[+-]?\d+\.\d+%?\**", t)]
        ids = [c for t, c in cells if t.startswith(f"{case}-")]
        assert numbers and all("es-num" in c for c in numbers), case
        # event ids (in the results' own table too) left, on one line
        assert ids and all("es-text" in c for c in ids), case
    page = (output / "xiaomi.html").read_text(encoding="utf-8")
    cells = dict(_cells(page))
    assert "es-num" in cells["HKD 24.60"]  # the joint filing's previous close
    # a description is prose that wraps in a wide column, not eight lines of a narrow one
    (description,) = [c for t, c in _cells(page) if t.startswith("Judge Contreras grants")]
    assert "es-prose" in description


def test_reports_leave_out_empty_columns_and_code_notes(report_build):
    output, _ = report_build
    xiaomi = (output / "xiaomi.html").read_text(encoding="utf-8")
    luokung = (output / "luokung.html").read_text(encoding="utf-8")
    assert ">candidate</th>" not in xiaomi and ">candidate</th>" in luokung
    for page in (xiaomi, luokung):
        assert "Running this notebook yourself" not in page
        assert "next cell" not in page


def test_diagnostics_and_pooled_tables_in_full(report_build):
    output, _ = report_build
    page = (output / "telecoms.html").read_text(encoding="utf-8")
    results = case_results("telecoms", DEFAULT_PARAMETERS)
    texts = [t for t, _ in _cells(page)]
    for detail in results.diagnostics.detail:
        assert detail in texts  # not cut at pandas' 50 characters
    # the pooled tests as an HTML table: the executive order's day-0 Patell p-value, starred
    pooled = results.caar(group_by="event_id")
    eo = pooled[(pooled.event_id == "telecoms-eo13959") & (pooled.window_end == 0)
                & (pooled.window_start == 0)].iloc[0]
    assert eo.patell_p < 0.01 and f"{eo.patell_p:.3f}***" in texts
    assert "Pooled CARs by event_id" not in page  # no longer the text table


def test_xiaomi_headline_numbers_in_html(report_build):
    output, _ = report_build
    page = (output / "xiaomi.html").read_text(encoding="utf-8")
    # Joint filing: close 26.10 and high 26.30 against the previous close of 24.60.
    assert f"{100 * (26.10 / 24.60 - 1):+.2f}%" == "+6.10%" and "+6.10%" in page
    assert f"{100 * (26.30 / 24.60 - 1):+.2f}%" == "+6.91%" and "+6.91%" in page
    assert "-11.11%" in page  # the designation's day-0 CAR (checked in test_study)
    assert "joint filing" in page and "Reading the results" in page


def test_reports_state_version_checksum_and_parameters(report_build):
    output, _ = report_build
    digest = hashlib.sha256(MANIFEST.read_bytes()).hexdigest()
    for name in ("xiaomi.html", "telecoms.html", "index.html"):
        page = (output / name).read_text(encoding="utf-8")
        assert digest in page and __version__ in page, name
        assert "[[0, 0], [-1, 1], [0, 1], [-5, 5]]" in page and "market" in page, name


def test_code_is_hidden(report_build):
    output, _ = report_build
    page = (output / "smic.html").read_text(encoding="utf-8")
    assert "bundled_events(CASE)" not in page and "plot_prices(" not in page
    assert "SMIC (0981.HK) and its designation" in page


def test_csv_is_the_windows_table(report_build, raw_prices):
    output, _ = report_build
    table = pd.read_csv(output / "xiaomi.csv", keep_default_na=False, na_values=[""])
    assert len(table) == 5 * 4 and set(table.model) == {"market"}
    row = table[(table.event_id == "xiaomi-joint-filing") & (table.window_start == 0)
                & (table.window_end == 0)].iloc[0]
    assert row.raw_return == pytest.approx(26.10 / 24.60 - 1, abs=1e-12)
    assert "peak_move" not in table  # a session's figure, in the sessions CSV
    sessions = pd.read_csv(output / "xiaomi-sessions.csv", parse_dates=["event_session"])
    (joint,) = sessions[sessions.event_id == "xiaomi-joint-filing"].itertuples()
    assert joint.peak_move == pytest.approx(26.30 / 24.60 - 1, abs=1e-12)
    assert joint.trough_move == pytest.approx(24.65 / 24.60 - 1, abs=1e-12)
    assert joint.event_session == pd.Timestamp("2021-05-12") and len(sessions) == 5
    luokung = pd.read_csv(output / "luokung.csv", keep_default_na=False)
    lawsuit = luokung[(luokung.event_id == "luokung-lawsuit") & (luokung.window_end == 0)
                      & (luokung.window_start == 0)]
    assert lawsuit.event_session.tolist() == ["2021-03-04", "2021-03-05"]


def test_index_links_every_case_with_its_headline(report_build):
    output, built = report_build
    page = (output / "index.html").read_text(encoding="utf-8")
    for case in bundled_cases().index:
        assert f"href='{case}.html'" in page and f"href='{case}.csv'" in page
        assert f"href='{case}-sessions.csv'" in page
    assert "-11.11%" in page and "+6.10%" in page and "+6.91%" in page
    assert set(built.headline.case) == set(bundled_cases().index)
    assert (built.headline.window == "(0,0)").all()
    # Rounded as in the summaries: Xiaomi's lawsuit session never went below the
    # previous close (low 29.20 = close 29.20), a trough of 0.00%, unsigned; no "-0.00".
    lawsuit = page[page.index(">xiaomi-lawsuit<"):]
    assert lawsuit[:lawsuit.index("</tr>")].endswith("<td class='num'>0.00%</td>")
    assert "+0.00%" not in page and ">-0.00<" not in page and ">0.000***<" not in page


def test_index_shows_the_trough_beside_the_peak_once_per_session(report_build, raw_prices):
    output, built = report_build
    page = (output / "index.html").read_text(encoding="utf-8")
    # Xiaomi's designation session (2021-01-15): low 28.20 against the previous close 32.65.
    prices = raw_prices("1810.HK")
    low, prev = prices.loc["2021-01-15", "low"], prices.loc["2021-01-14", "close"]
    assert (low, prev) == (28.2, 32.65)
    trough = f"{100 * (low / prev - 1):+.2f}%"
    assert trough == "-13.63%"
    row = page[page.index(">xiaomi-designation<"):]
    row = row[:row.index("</tr>")]
    assert row.endswith(f"<td class='num'>-6.58%</td><td class='num'>{trough}</td>")
    assert ">2021-01-15<" in row and "00:00:00" not in page  # sessions are days
    # the session's figures under a header of their own, not the window's
    assert "window (0,0)</th><th colspan='2' class='group'>event session</th>" in page
    assert ">peak</th><th class='num'>trough</th>" in page
    rows = len(case_results("telecoms", DEFAULT_PARAMETERS).windows) // 4
    assert (built.headline.case == "telecoms").sum() == rows == 12


def test_two_builds_give_identical_files(report_build, tmp_path):
    """Two builds of one case (HTML with its embedded figures, CSV, index) are equal
    byte for byte, and equal to the full build's; every case's CSV is what the library
    computes again."""
    output, _ = report_build
    first, second = tmp_path / "first", tmp_path / "second"
    build_reports(first, cases=["smic"])
    build_reports(second, cases=["smic"])
    names = ["smic.html", "smic.csv", "smic-sessions.csv", "index.html"]
    match, mismatch, errors = filecmp.cmpfiles(first, second, names, shallow=False)
    assert match == names and not mismatch and not errors
    assert sorted(p.name for p in first.iterdir()) == sorted(names)
    for name in ("smic.html", "smic.csv", "smic-sessions.csv"):
        assert (first / name).read_bytes() == (output / name).read_bytes(), name
    for case in bundled_cases().index:
        results = case_results(case, DEFAULT_PARAMETERS)
        for name, table in ((f"{case}.csv", results.windows),
                            (f"{case}-sessions.csv", results.sessions)):
            again = table.to_csv(index=False, lineterminator="\n")
            assert (output / name).read_text(encoding="utf-8") == again, name


def test_command_line_parameters_reach_notebook_and_csv(tmp_path, capsys):
    argv = ["--output", str(tmp_path), "--case", "smic", "--model", "market_adjusted",
            "--window", "-1,1", "--window", "0,0"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "smic-blacklist-report" in out and f"wrote {tmp_path / 'smic.csv'}" in out
    table = pd.read_csv(tmp_path / "smic.csv")
    assert set(table.model) == {"market_adjusted"}
    assert sorted(set(zip(table.window_start, table.window_end, strict=True))) == [(-1, 1), (0, 0)]
    page = (tmp_path / "smic.html").read_text(encoding="utf-8")
    assert "market_adjusted" in page and "[[-1, 1], [0, 0]]" in page
    assert not (tmp_path / "xiaomi.html").exists()


def test_command_line_errors(tmp_path, capsys):
    assert main(["--output", str(tmp_path), "--case", "huawei"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("eventstudy.report: error:") and "unknown case 'huawei'" in err
    assert main(["--notebooks", str(tmp_path), "--output", str(tmp_path)]) == 2
    assert "every case needs a notebook" in capsys.readouterr().err
