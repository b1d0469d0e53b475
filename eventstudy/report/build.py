"""The report build: every case notebook executed headless, rendered to HTML, plus CSVs.

``python -m eventstudy.report`` (what ``make report`` runs) writes to ``reports/``:

- ``<case>.html``: the case notebook executed with papermill on the bundled data,
  rendered by nbconvert without code (figures embedded as PNG data URIs, with the alt
  text of their cells), its tables tidied (:mod:`eventstudy.report.tables`), linking
  the index and the case's CSVs;
- ``<case>.csv``: the case's windows table (one row per event and window, the columns
  of ``eventstudy run CASE --format csv``), computed by the library with the same
  parameters the notebook received;
- ``<case>-sessions.csv``: its event sessions (one row per event: close-to-close,
  peak and trough moves), which belong to no window;
- ``index.html``: a headline table (the first window, day 0 by default, of every
  event, beside the event session's peak and trough) linking the case reports, with
  the version, data checksum and parameters.

Nothing touches the network. Every file depends only on the package, its
dependencies, the bundled data and the parameters, so two builds give byte-identical
files: what would vary (papermill's random id for the cell it injects, the random ids
of pandas' Styler tables) is replaced by names derived from the positions of the
cells, and nothing records a time or a path.
"""

from __future__ import annotations

import argparse
import copy
import html
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core.design import DEFAULT_WINDOWS, RETURN_KINDS, parse_window
from ..core.models import MODELS
from ..core.results import EventStudyResults
from ..core.study import EventStudy
from ..core.summary import format_value
from ..errors import EventStudyError, ReportError
from ..events import bundled_cases, bundled_events
from .provenance import Provenance, provenance
from .tables import CSS, tidy_tables

DEFAULT_PARAMETERS: dict[str, object] = {
    "model": "market",
    "windows": [list(w) for w in DEFAULT_WINDOWS],
    "returns": "simple",
    "unknown_timing": "both",
}
# ipykernel's own kernel, which every Jupyter installation has: the interpreter that
# runs the build (the notebooks' metadata name it too, so they run anywhere).
KERNEL = "python3"
CELL_TIMEOUT = 600
# Cell errors reach the caller through papermill; the kernel's own start-up chatter
# (e.g. ipykernel's warning about unencrypted local TCP) would only clutter the console.
KERNEL_LOG_LEVEL = "--IPKernelApp.log_level=ERROR"
HEADLINE_COLUMNS = (
    "case", "event_id", "ticker", "candidate", "event_session", "window", "car", "se",
    "t_stat", "p_value", "raw_return", "peak_move", "trough_move",
)
EVENT_ROW = ["event_id", "ticker", "candidate"]  # one event row: one session
# Cells with this tag speak to a reader of the notebook itself (about its code cells);
# the reports, which hide the code, leave them out.
NOTEBOOK_ONLY = "notebook-only"
# lab template without the CDN scripts (require.js, MathJax, mermaid) the reports do
# not use, so that a report opens complete without a network connection; with links
# to the index and the case's CSV, the tidied tables' rules (tables.CSS) and the alt
# text of figures (the lab template writes none).
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">
nav.eventstudy-links { padding: 0.5em var(--jp-notebook-padding, 10px);
  font-family: var(--jp-ui-font-family); font-size: var(--jp-ui-font-size1); }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { padding: 0.3em 0.6em; }
.jp-RenderedHTMLCommon caption { font-size: var(--jp-ui-font-size1); max-width: 60em; }
{{ resources.eventstudy.css }}
</style>
{%- endblock html_head_css -%}
{%- block body_header -%}
{{ super() }}
{%- if resources.eventstudy.links %}
<nav class="eventstudy-links">
{%- for href, label in resources.eventstudy.links %}
{% if not loop.first %} · {% endif -%}
<a href="{{ href | escape_html }}">{{ label | escape_html }}</a>
{%- endfor %}
</nav>
{%- endif %}
{%- endblock body_header -%}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
{%- for key in ('alt', 'width', 'height') -%}
{%- set value = output | get_metadata(key, 'image/png') -%}
{%- if value is not none %} {{ key }}="{{ value | escape_html }}"{% endif -%}
{%- endfor %}>
</div>
{%- endblock data_png %}
"""


@dataclass
class BuildResult:
    """What a build wrote: the headline table, the files in order, the executed notebooks."""

    headline: pd.DataFrame
    files: list[Path] = field(default_factory=list)
    notebooks: dict[str, object] = field(default_factory=dict)


def notebooks_dir() -> Path:
    """The ``notebooks/`` folder of the checkout this package runs from."""
    return Path(__file__).resolve().parents[2] / "notebooks"


def notebook_parameters(case: str, parameters: dict) -> dict:
    """The papermill parameters of a case notebook (its ``parameters`` cell names)."""
    return {"CASE": case, **{name.upper(): value for name, value in parameters.items()}}


@contextmanager
def _kernel_imports_this_package() -> Iterator[None]:
    """Let the notebook kernel import the eventstudy that runs the build.

    From an installed package this changes nothing; from a checkout without an
    installation the kernel would otherwise not find the package.
    """
    root = str(Path(__file__).resolve().parents[2])
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, before) if p)
    try:
        yield
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before


def run_notebook(
    path: str | Path,
    parameters: dict | None = None,
    kernel_name: str | None = KERNEL,
    timeout: int = CELL_TIMEOUT,
):
    """Execute a notebook with papermill and return the executed notebook node.

    Parameters
    ----------
    path : str or Path
        The notebook; it is not modified.
    parameters : dict, optional
        Values for its ``parameters`` cell.
    kernel_name : str or None
        Jupyter kernel to run; ``python3`` is the interpreter running this call, None
        the kernel the notebook's metadata names (``python3`` for the bundled ones).
    timeout : int
        Seconds allowed per cell.

    Raises
    ------
    ReportError
        If the notebook is missing or a cell raises; the message names the notebook,
        the cell and the error.
    """
    import papermill

    path = Path(path)
    if not path.is_file():
        raise ReportError(f"notebook {path} not found; run from a checkout that has notebooks/")
    try:
        with _kernel_imports_this_package():
            return papermill.execute_notebook(
                str(path), None, parameters=parameters or {}, kernel_name=kernel_name,
                progress_bar=False, execution_timeout=timeout, cwd=str(path.parent),
                extra_arguments=[KERNEL_LOG_LEVEL],
            )
    except papermill.PapermillExecutionError as exc:
        raise ReportError(
            f"{path.name}: cell {exc.exec_count} raised {exc.ename}: {exc.evalue}"
        ) from exc


def render_html(notebook, title: str, case: str | None = None) -> str:
    """HTML of an executed notebook without its code, figures embedded.

    Parameters
    ----------
    notebook : NotebookNode
        An executed notebook; it is not modified.
    title : str
        The page's title.
    case : str, optional
        The bundled case the notebook reports: the page then links the index
        (``index.html``) and the case's CSVs (``<case>.csv``,
        ``<case>-sessions.csv``) beside it.
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"eventstudy_report.html.j2": _TEMPLATE})],
        template_file="eventstudy_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    links = [] if case is None else [
        ("index.html", "All case reports"),
        (f"{case}.csv", f"This case's table of every event and window (CSV: {case}.csv)"),
        (f"{case}-sessions.csv",
         f"This case's event sessions: close-to-close, peak, trough (CSV: {case}-sessions.csv)"),
    ]
    resources = {"metadata": {"name": title}, "eventstudy": {"links": links, "css": CSS}}
    body, _ = exporter.from_notebook_node(prepare_notebook(notebook), resources=resources)
    return body


def prepare_notebook(notebook):
    """A copy of an executed notebook made ready for a report.

    Leaves out the cells tagged :data:`NOTEBOOK_ONLY` (prose about the code, which
    the report hides), names papermill's injected cell instead of its random id,
    gives every figure the alt text of its cell (the cell metadata
    ``mystnb.image.alt``, which the documentation site uses too) and tidies the HTML
    tables (:func:`eventstudy.report.tables.tidy_tables`).
    """
    notebook = copy.deepcopy(notebook)
    notebook.cells = [c for c in notebook.cells
                      if NOTEBOOK_ONLY not in c.get("metadata", {}).get("tags", [])]
    for i, cell in enumerate(notebook.cells):
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
        alt = figure_alt(cell)
        for j, output in enumerate(cell.get("outputs", [])):
            data = output.get("data", {})
            if "image/png" in data and alt:
                metadata = output.setdefault("metadata", {})
                metadata.setdefault("image/png", {}).setdefault("alt", alt)
            if "text/html" in data:
                data["text/html"] = tidy_tables(_text(data["text/html"]), f"{i}_{j}")
    return notebook


def figure_alt(cell) -> str:
    """The alt text a cell gives its figures (``mystnb.image.alt``), or ``""``."""
    options = cell.get("metadata", {}).get("mystnb", {}).get("image", {})
    return str(options.get("alt", "")) if isinstance(options, dict) else ""


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(value)


def case_results(case: str, parameters: dict) -> EventStudyResults:
    """The case's study under the report parameters (what its notebook shows)."""
    return EventStudy(
        bundled_events(case),
        model=parameters["model"],
        windows=[tuple(w) for w in parameters["windows"]],
        returns=parameters["returns"],
        unknown_timing=parameters["unknown_timing"],
    ).fit()


def headline(case: str, results: EventStudyResults) -> pd.DataFrame:
    """The first window of every event row beside its session's peak and trough: the
    numbers the index page leads with."""
    table = results.windows
    first = results.design.windows[0]
    rows = table[(table.window_start == first[0]) & (table.window_end == first[1])]
    moves = results.sessions.loc[:, [*EVENT_ROW, "peak_move", "trough_move"]]
    rows = rows.merge(moves, on=EVENT_ROW, how="left", validate="one_to_one")
    rows["case"] = case
    rows["window"] = f"({first[0]},{first[1]})"
    return rows.loc[:, list(HEADLINE_COLUMNS)].reset_index(drop=True)


def build_reports(
    output: str | Path = "reports",
    cases: Sequence[str] | None = None,
    parameters: dict | None = None,
    notebooks: str | Path | None = None,
    kernel_name: str = KERNEL,
) -> BuildResult:
    """Execute and render every case notebook; write the HTML, CSV and index files.

    Parameters
    ----------
    output : str or Path
        Folder for the reports (created if needed).
    cases : sequence of str, optional
        Bundled cases to build; all by default.
    parameters : dict, optional
        Overrides of :data:`DEFAULT_PARAMETERS` (model, windows, returns, unknown_timing).
    notebooks : str or Path, optional
        Folder holding ``<case>.ipynb``; :func:`notebooks_dir` by default.
    kernel_name : str
        Jupyter kernel for the notebooks.
    """
    output = Path(output)
    folder = Path(notebooks) if notebooks is not None else notebooks_dir()
    params = {**DEFAULT_PARAMETERS, **(parameters or {})}
    catalog = bundled_cases()
    chosen = list(catalog.index) if cases is None else list(cases)
    for case in chosen:
        if case not in catalog.index:
            raise ReportError(f"unknown case {case!r}; bundled cases: {', '.join(catalog.index)}")
        notebook = folder / f"{case}.ipynb"
        if not notebook.is_file():
            raise ReportError(f"{notebook} not found: every case needs a notebook")
    output.mkdir(parents=True, exist_ok=True)
    result = BuildResult(pd.DataFrame(columns=list(HEADLINE_COLUMNS)))
    frames = []
    for case in chosen:
        title = str(catalog.loc[case, "title"])
        executed = run_notebook(folder / f"{case}.ipynb", notebook_parameters(case, params),
                                kernel_name)
        result.notebooks[case] = executed
        page = render_html(executed, title, case)
        result.files.append(_write(output / f"{case}.html", page))
        results = case_results(case, params)
        result.files.append(_write(output / f"{case}.csv", _csv(results.to_frame())))
        result.files.append(_write(output / f"{case}-sessions.csv",
                                   _csv(results.to_frame("sessions"))))
        frames.append(headline(case, results))
    result.headline = pd.concat(frames, ignore_index=True)
    page = index_html(result.headline, catalog.loc[chosen, "title"], provenance(**params))
    result.files.append(_write(output / "index.html", page))
    return result


def _csv(table: pd.DataFrame) -> str:
    return table.to_csv(index=False, lineterminator="\n")


def _write(path: Path, text: str) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(path)  # never leave a half-written report behind
    return path


def _display(headline_table: pd.DataFrame) -> pd.DataFrame:
    """The headline table with percent and rounded statistics, for pages and consoles.

    ``peak`` and ``trough`` are the event session's high and low over the previous
    close: one figure per event row, whatever the window of the other columns.
    """
    t = headline_table
    label = t["event_id"] + t["candidate"].map(lambda c: f" [{c}]" if c else "")
    return pd.DataFrame(
        {
            "case": t["case"],
            "event": label,
            "ticker": t["ticker"],
            "session": pd.to_datetime(t["event_session"]).dt.strftime("%Y-%m-%d"),
            "window": t["window"],
            # rounded as in the summaries: no "-0.00", "<0.001" for the smallest p
            "CAR": _shown(t["car"], "return"),
            "s.e.": _shown(t["se"], "spread"),
            "t": _shown(t["t_stat"], "stat"),
            "p": _shown(t["p_value"], "p_stars"),
            "raw": _shown(t["raw_return"], "return"),
            "peak": _shown(t["peak_move"], "return"),
            "trough": _shown(t["trough_move"], "return"),
        }
    )


def _shown(values: pd.Series, kind: str) -> pd.Series:
    return values.map(lambda value: format_value(value, kind))


def headline_text(headline_table: pd.DataFrame) -> str:
    """The headline table as console text."""
    return _display(headline_table).to_string(index=False)


# The index table's column groups: the event row, its window's figures, its session's.
_EVENT_COLUMNS = ("case", "event", "ticker", "session")
_WINDOW_COLUMNS = ("CAR", "s.e.", "t", "p", "raw")
_SESSION_COLUMNS = ("peak", "trough")


def _headline_html(headline_table: pd.DataFrame) -> str:
    """The headline as an HTML table: text left, numbers right, the window's figures
    and the session's (peak, trough) under headers of their own."""
    shown = _display(headline_table)
    windows = list(dict.fromkeys(shown["window"]))
    window = windows[0] if len(windows) == 1 else "first"
    top = (f"<tr><th colspan='{len(_EVENT_COLUMNS)}'></th>"
           f"<th colspan='{len(_WINDOW_COLUMNS)}' class='group'>window {html.escape(window)}</th>"
           f"<th colspan='{len(_SESSION_COLUMNS)}' class='group'>event session</th></tr>")
    names = "".join(f"<th class='{_kind(c)}'>{html.escape(c)}</th>"
                    for c in (*_EVENT_COLUMNS, *_WINDOW_COLUMNS, *_SESSION_COLUMNS))
    rows = []
    for row in shown.to_dict("records"):
        case = html.escape(row["case"])
        cells = [f"<td class='text'><a href='{case}.html'>{case}</a></td>"]
        cells += [f"<td class='{_kind(c)}'>{html.escape(str(row[c]))}</td>"
                  for c in (*_EVENT_COLUMNS[1:], *_WINDOW_COLUMNS, *_SESSION_COLUMNS)]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table class='headline'><thead>{top}<tr>{names}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _kind(column: str) -> str:
    return "text" if column in _EVENT_COLUMNS else "num"


def index_html(headline_table: pd.DataFrame, titles: pd.Series, stamp: Provenance) -> str:
    """The index page: case links, the headline table and the build's provenance."""
    table = _headline_html(headline_table)
    cases = "".join(
        f"<li><a href='{html.escape(c)}.html'>{html.escape(str(t))}</a> "
        f"(<a href='{html.escape(c)}.csv'>CSV</a>, "
        f"<a href='{html.escape(c)}-sessions.csv'>sessions CSV</a>)</li>"
        for c, t in titles.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>eventstudy reports</title>
<style>
body {{ font-family: sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em; }}
table {{ border-collapse: collapse; font-size: 0.9em; }}
th, td {{ padding: 0.25em 0.6em; border-bottom: 1px solid #ddd; white-space: nowrap; }}
th {{ background: #f3f3f3; }}
th.group {{ text-align: center; border-bottom: 1px solid #999; }}
.text {{ text-align: left; }}
.num {{ text-align: right; }}
</style></head><body>
<h1>Event studies of policy actions: case reports</h1>
<ul>{cases}</ul>
<h2>Headline: abnormal return on the first window of every event</h2>
<p>CAR: cumulative abnormal return over the window, with its
prediction-error-corrected standard error and t test (*** p&lt;0.01, ** p&lt;0.05,
* p&lt;0.10); raw: close-to-close return over the window. Peak and trough belong to the
event session, whatever the window: its high and its low over the previous close.
Each case's full table is in its CSV.</p>
{table}
<h2>Build</h2>
{stamp._repr_html_()}
<p>Rebuild with <code>make report</code> (or <code>python -m eventstudy.report</code>); the
HTML and CSV files are identical across rebuilds of the same version, data and
parameters.</p>
</body></html>
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m eventstudy.report",
        description="Execute the case notebooks on the bundled data and write HTML/CSV reports.",
    )
    parser.add_argument("--output", type=Path, default=Path("reports"), metavar="DIR")
    parser.add_argument("--case", action="append", help="a bundled case (repeatable; default all)")
    parser.add_argument("--model", choices=tuple(MODELS), default=DEFAULT_PARAMETERS["model"])
    parser.add_argument("--window", type=parse_window, action="append", metavar="A,B",
                        help="event window, repeatable; the first heads the index")
    parser.add_argument("--returns", choices=RETURN_KINDS, default=DEFAULT_PARAMETERS["returns"])
    parser.add_argument("--unknown-timing", choices=("earliest", "latest", "both"),
                        default=DEFAULT_PARAMETERS["unknown_timing"])
    parser.add_argument("--kernel", default=KERNEL, help="Jupyter kernel (default python3)")
    parser.add_argument("--notebooks", type=Path, metavar="DIR", help="folder of the notebooks")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m eventstudy.report``."""
    args = _parser().parse_args(_negative_windows(sys.argv[1:] if argv is None else argv))
    parameters = {
        "model": args.model,
        "windows": [list(w) for w in (args.window or DEFAULT_WINDOWS)],
        "returns": args.returns,
        "unknown_timing": args.unknown_timing,
    }
    try:
        built = build_reports(args.output, args.case, parameters, args.notebooks, args.kernel)
    except (EventStudyError, OSError) as exc:
        print(f"eventstudy.report: error: {exc}", file=sys.stderr)
        return 2
    print(headline_text(built.headline))
    for path in built.files:
        print(f"wrote {path}")
    return 0


def _negative_windows(argv: list[str]) -> list[str]:
    """Let ``--window -1,1`` through: argparse would take ``-1,1`` for an option."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1] == "--window" and arg.startswith("-"):
            out[-1] = f"--window={arg}"
        else:
            out.append(arg)
    return out

