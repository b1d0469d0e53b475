"""The notebooks: stored clean, parameterised, free of analysis logic, and they run."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from eventstudy import bundled_cases
from eventstudy.errors import ReportError
from eventstudy.report.build import NOTEBOOK_ONLY, figure_alt, run_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))
TUTORIAL = NOTEBOOKS / "your_own_study.ipynb"
SECOND_STAGE = NOTEBOOKS / "second_stage.ipynb"
TUTORIALS = {TUTORIAL, SECOND_STAGE}
CASE_PARAMETERS = {"CASE", "MODEL", "WINDOWS", "RETURNS"}
PLOT = re.compile(r"\bplot_\w+\(")


def _read(path: Path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    return notebook


def _code(cell) -> ast.Module:
    """A code cell's Python, without IPython magics (%matplotlib inline)."""
    lines = [line for line in cell.source.splitlines() if not line.lstrip().startswith("%")]
    return ast.parse("\n".join(lines))


def _is_case(path: Path) -> bool:
    return path not in TUTORIALS


def test_every_case_has_a_notebook_and_there_are_tutorials():
    names = {p.stem for p in ALL}
    assert set(bundled_cases().index) <= names
    assert TUTORIALS <= set(ALL)


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_stored_without_outputs(path):
    notebook = _read(path)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name
            assert "execution" not in cell.metadata
    assert "papermill" not in notebook.metadata and "widgets" not in notebook.metadata
    # ipykernel's own kernel, which every Jupyter has: no `make lab` registration needed
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_figures_have_alt_text(path):
    """Every cell that draws a figure gives it alt text (``mystnb.image.alt``, read by the
    report build and the documentation site)."""
    for cell in _read(path).cells:
        if cell.cell_type == "code" and PLOT.search(cell.source):
            assert len(figure_alt(cell)) > 40, f"{path.name}: {cell.source[:40]}"


@pytest.mark.parametrize("path", [p for p in ALL if _is_case(p)], ids=lambda p: p.stem)
def test_report_prose_does_not_describe_hidden_code(path):
    """The reports hide the code: prose about code cells is tagged notebook-only."""
    for cell in _read(path).cells:
        tags = cell.metadata.get("tags", [])
        if NOTEBOOK_ONLY in tags:
            assert cell.cell_type == "markdown"
        elif cell.cell_type == "markdown":
            assert not re.search(r"\b(cells?|code)\b", cell.source, re.I), cell.source[:60]


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_parameters_cell(path):
    cells = [c for c in _read(path).cells if c.cell_type == "code"]
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is cells[0], "the first code cell holds the parameters"
    assigned = {
        target.id: node.value
        for node in _code(tagged[0]).body
        if isinstance(node, ast.Assign)
        for target in node.targets
    }
    assert all(isinstance(node, ast.Assign) for node in _code(tagged[0]).body)
    if _is_case(path):
        assert CASE_PARAMETERS <= set(assigned)
        assert ast.literal_eval(assigned["CASE"]) == path.stem


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_code_cells_hold_no_analysis_logic(path):
    """Code cells call the public API: no functions, classes or loops of their own."""
    banned = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
    if _is_case(path):
        banned += (ast.For, ast.While, ast.ListComp, ast.DictComp, ast.GeneratorExp)
    for cell in _read(path).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(_code(cell)):
            assert not isinstance(node, banned), f"{path.name}: {ast.unparse(node)[:60]}"
            if isinstance(node, ast.ImportFrom) and _is_case(path):
                assert node.module.split(".")[0] == "eventstudy"
            if isinstance(node, ast.ImportFrom | ast.Import):
                assert not any(alias.name.startswith("_") for alias in node.names)
            if isinstance(node, ast.Attribute):
                assert not node.attr.startswith("_"), f"{path.name}: private {node.attr}"


def _outputs(notebook, kind=None):
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if kind is None or output.output_type == kind:
                yield output


def _images(notebook) -> int:
    return sum("image/png" in o.get("data", {}) for o in _outputs(notebook))


def test_case_notebooks_execute_without_errors_or_warnings(report_build):
    _, built = report_build
    assert set(built.notebooks) == set(bundled_cases().index)
    for case, notebook in built.notebooks.items():
        assert not list(_outputs(notebook, "error")), case
        streams = [o for o in _outputs(notebook, "stream") if o.name == "stderr"]
        assert not streams, f"{case}: {streams[0].text[:300] if streams else ''}"
        assert _images(notebook) == 5, case  # prices, CAR path, moves, robustness, placebo


def test_tutorial_runs_offline():
    notebook = run_notebook(TUTORIAL, kernel_name=None)  # papermill: the metadata's kernel
    assert not list(_outputs(notebook, "error"))
    printed = "".join(o.text for o in _outputs(notebook, "stream") if o.name == "stdout")
    assert "Offline: set ONLINE = True" in printed
    assert not [o for o in _outputs(notebook, "stream") if o.name == "stderr"]
    assert _images(notebook) == 2
    html = "".join(o.get("data", {}).get("text/html", "") for o in _outputs(notebook))
    assert "eo13974 [earliest]" in html and "eo13974 [latest]" in html


def _table(text: str) -> dict[str, list[float]]:
    """The rows of a DataFrame's text: first word -> the numbers after it."""
    rows = (line.split() for line in text.splitlines()[1:])
    return {row[0]: [float(x) for x in row[1:]] for row in rows if row}


def test_second_stage_runs_offline_and_recovers_the_planted_effect():
    notebook = run_notebook(SECOND_STAGE, kernel_name=None)
    assert not list(_outputs(notebook, "error"))
    assert not [o for o in _outputs(notebook, "stream") if o.name == "stderr"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in _outputs(notebook))
    for title in ("CAR by event_type", "CAR by direction", "OLS Regression Results"):
        assert title in html
    printed = "".join(o.text for o in _outputs(notebook, "stream") if o.name == "stdout")
    assert printed.startswith("3 of 23 event rows left out")  # SMIC without characteristics
    # The synthetic panel plants -3% on the exposed firms' event day: the two-index
    # model's interval covers it and is narrower than the market model's.
    text = next(o["data"]["text/plain"] for o in _outputs(notebook)
                if "difference_ci_low" in o.get("data", {}).get("text/plain", ""))
    rows = _table(text)
    (market_low, two_low), (market_high, two_high) = (rows["difference_ci_low"],
                                                      rows["difference_ci_high"])
    assert two_low < -0.03 < two_high < 0
    assert two_high - two_low < (market_high - market_low) / 1.5


def test_a_failing_cell_is_a_report_error(tmp_path):
    broken = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    nbformat.write(broken, tmp_path / "broken.ipynb")
    with pytest.raises(ReportError, match=r"broken.ipynb: cell 1 raised ZeroDivisionError"):
        run_notebook(tmp_path / "broken.ipynb")
    with pytest.raises(ReportError, match="not found"):
        run_notebook(tmp_path / "missing.ipynb")


def test_nbconvert_executes_a_notebook_on_the_default_kernel(tmp_path):
    """`jupyter nbconvert --execute` runs a case notebook with the kernel its metadata
    names, in a Jupyter whose user folders hold no kernel of ours (no `make lab`)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "data")
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "config")
    command = [sys.executable, "-m", "jupyter", "nbconvert", "--execute", "--to", "notebook",
               "--output-dir", str(tmp_path), str(NOTEBOOKS / "smic.ipynb")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    notebook = nbformat.read(tmp_path / "smic.ipynb", as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
    assert not list(_outputs(notebook, "error")) and _images(notebook) == 5
