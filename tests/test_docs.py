"""The documentation: the Sphinx site builds without a warning, the README stays a short
tour whose links reach files of the repository, and the tables the docs copy from the
code agree with it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from eventstudy.events import SUFFIX_EXCHANGES

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
README_MAX_BYTES = 10_240
# Markdown inline links and images: [text](target) and ![alt](target "title").
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def test_readme_is_a_short_tour():
    assert README.stat().st_size <= README_MAX_BYTES


def test_readme_links_to_the_repository_exist():
    targets = LINK.findall(README.read_text(encoding="utf-8"))
    local = [t for t in targets if not SCHEME.match(t) and not t.startswith("#")]
    assert local, "the README links into the documentation"
    for target in local:
        path = (ROOT / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{target} leaves the repository"
        assert path.exists(), f"README links to {target}, which does not exist"


def test_suffix_table_matches_the_code():
    page = (DOCS / "user_guide" / "data" / "events.md").read_text(encoding="utf-8")
    rows = re.findall(r"`(\.[A-Z]+)` \| ([A-Z]{4})", page)
    assert dict(rows) == SUFFIX_EXCHANGES


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built as `make docs` builds it, warnings as errors, into a temporary
    folder; the notebooks are executed (about 20 s of the build's 25-30 s)."""
    out = tmp_path_factory.mktemp("docs")
    command = [
        sys.executable, "-m", "sphinx", "-b", "html", "-E", "-W", "--keep-going", "-q",
        "-d", str(out / "doctrees"), str(DOCS), str(out / "html"),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    warnings = [line for line in done.stderr.splitlines() if "[IPKernelApp]" not in line]
    assert done.returncode == 0, "\n".join(warnings[-60:])
    return out / "html"


def test_site_builds_without_warnings(site):
    for page in ("index", "getting_started", "user_guide/data/index", "api/index",
                 "api/generated/eventstudy.EventStudy", "api/stats"):
        assert (site / f"{page}.html").is_file(), page


def test_notebooks_are_rendered_with_their_outputs(site):
    for name in ("xiaomi", "luokung", "smic", "telecoms", "your_own_study"):
        page = (site / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        assert "cell_output" in page, name
        assert page.count("<img") >= 2, f"{name}: figures missing"
    second_stage = (site / "notebooks" / "second_stage.html").read_text(encoding="utf-8")
    assert "CAR by direction" in second_stage and "OLS Regression Results" in second_stage
    xiaomi = (site / "notebooks" / "xiaomi.html").read_text(encoding="utf-8")
    assert "-11.11%" in xiaomi  # the designation's day-0 abnormal return
