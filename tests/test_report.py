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


def test_every_case_has_html_csv_and_figures(report_build):
    output, built = report_build
    for case in bundled_cases().index:
        page = (output / f"{case}.html").read_text(encoding="utf-8")
        assert len(PNG.findall(page)) == 5, case
        assert (output / f"{case}.csv").is_file()
        assert '<script src="http' not in page  # opens complete offline
    assert [p.name for p in built.files][-1] == "index.html"


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
    assert row.peak_move == pytest.approx(26.30 / 24.60 - 1, abs=1e-12)
    luokung = pd.read_csv(output / "luokung.csv", keep_default_na=False)
    lawsuit = luokung[(luokung.event_id == "luokung-lawsuit") & (luokung.window_end == 0)
                      & (luokung.window_start == 0)]
    assert lawsuit.event_session.tolist() == ["2021-03-04", "2021-03-05"]


def test_index_links_every_case_with_its_headline(report_build):
    output, built = report_build
    page = (output / "index.html").read_text(encoding="utf-8")
    for case in bundled_cases().index:
        assert f"href='{case}.html'" in page and f"href='{case}.csv'" in page
    assert "-11.11%" in page and "+6.10%" in page and "+6.91%" in page
    assert set(built.headline.case) == set(bundled_cases().index)
    assert (built.headline.window == "(0,0)").all()


def test_two_builds_give_identical_files(report_build, tmp_path):
    """Two builds of one case (HTML with its embedded figures, CSV, index) are equal
    byte for byte, and equal to the full build's; every case's CSV is what the library
    computes again."""
    output, _ = report_build
    first, second = tmp_path / "first", tmp_path / "second"
    build_reports(first, cases=["smic"])
    build_reports(second, cases=["smic"])
    names = ["smic.html", "smic.csv", "index.html"]
    match, mismatch, errors = filecmp.cmpfiles(first, second, names, shallow=False)
    assert match == names and not mismatch and not errors
    assert sorted(p.name for p in first.iterdir()) == sorted(names)
    for name in ("smic.html", "smic.csv"):
        assert (first / name).read_bytes() == (output / name).read_bytes(), name
    for case in bundled_cases().index:
        again = case_results(case, DEFAULT_PARAMETERS).windows.to_csv(
            index=False, lineterminator="\n")
        assert (output / f"{case}.csv").read_text(encoding="utf-8") == again, case


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
