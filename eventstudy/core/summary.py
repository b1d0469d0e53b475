"""Summaries of results for reading: text, HTML, LaTeX, Markdown and Excel.

A :class:`Summary` is what :meth:`EventStudyResults.summary
<eventstudy.EventStudyResults.summary>` and :meth:`~eventstudy.EventStudyResults.pooled_summary`
return, in the manner of statsmodels' summaries: ``print(summary)`` shows it as text,
Jupyter renders it as HTML tables, and :meth:`Summary.as_latex`,
:meth:`Summary.as_markdown` and :meth:`Summary.to_excel` export it. It holds a header
of (label, value) pairs, titled tables (:class:`SummaryTable`) and notes.

The tables keep their values at full precision, with a *kind* per column that says
how to show them; rounding happens only here, when a summary is written out
(``results.to_frame()`` keeps every digit):

==============  ============================================================  ============
kind            shown as                                                      example
==============  ============================================================  ============
``"return"``    percent, two decimals, with a sign                            ``-11.11%``
``"spread"``    percent, two decimals, no sign (standard errors and s.d.)     ``3.03%``
``"share"``     percent, no decimals                                          ``60%``
``"stat"``      two decimals (t and z statistics)                             ``-3.67``
``"p"``         three decimals, ``<0.001`` below 0.001                        ``0.011``
``"p_stars"``   as ``"p"``, with ``***`` below 0.01, ``**`` 0.05, ``*`` 0.10  ``0.011**``
``"price"``     two decimals (four significant digits below 1)                ``24.60``
``"count"``     a whole number                                                ``5``
``"date"``      ``YYYY-MM-DD``                                                ``2021-01-15``
``"text"``      as given                                                      ``(0,0)``
==============  ============================================================  ============

A value that rounds to zero is shown without a sign (``0.00%``, ``0.00``, never
``-0.00``); a missing value is an empty cell. In Excel, numbers stay numbers,
rounded as shown and with the matching number format; p-values are the text shown.
"""

from __future__ import annotations

import html
import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import MissingDependencyError, SpecificationError

KINDS = ("return", "spread", "share", "stat", "p", "p_stars", "price", "count", "date", "text")
# Excel number formats of the numeric kinds (p-values are written as their text)
EXCEL_FORMATS = {
    "return": "+0.00%;-0.00%;0.00%", "spread": "0.00%", "share": "0%", "stat": "0.00",
    "price": "0.00", "count": "0", "date": "yyyy-mm-dd",
}
# digits kept by the Excel cells of each kind (fractions: percent with 2 decimals)
_EXCEL_DIGITS = {"return": 4, "spread": 4, "share": 2, "stat": 2, "price": 2}
_NUMERIC_KINDS = frozenset(KINDS) - {"text", "date", "p", "p_stars"}
MIN_WIDTH = 78  # the text is at least this wide
HEADER_LABEL = 26  # header columns: labels this wide (or the longest label's, plus 2)...
HEADER_VALUE = 14  # ... and the left column's values at least this wide
MAX_NOTE_WIDTH = 96  # notes wrap at the tables' width, up to this


# ----- formatting rules ---------------------------------------------------------------------
def format_value(value: object, kind: str) -> str:
    """``value`` as a summary shows it (see the module docstring for the rules)."""
    if kind == "text":
        return "" if _missing(value) else str(value)
    if kind == "date":
        return "" if _missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")
    if _missing(value):
        return ""
    v = float(value)  # type: ignore[arg-type]
    if kind == "return":
        return _fixed(100 * v, 2, sign=True) + "%"
    if kind == "spread":
        return _fixed(abs(100 * v), 2) + "%"
    if kind == "share":
        return _fixed(100 * v, 0) + "%"
    if kind == "stat":
        return _fixed(v, 2)
    if kind in ("p", "p_stars"):
        shown = "<0.001" if v < 0.001 else f"{v:.3f}"
        return shown + (stars(v) if kind == "p_stars" else "")
    if kind == "price":
        return _fixed(v, 2) if abs(v) >= 1 or v == 0 else f"{v:.4g}"
    if kind == "count":
        return f"{int(round(v))}"
    raise SpecificationError(f"unknown column kind {kind!r}; kinds: {KINDS}")


def stars(p: float) -> str:
    """``***`` below 0.01, ``**`` below 0.05, ``*`` below 0.10, else nothing."""
    if _missing(p):
        return ""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""


def _fixed(value: float, decimals: int, sign: bool = False) -> str:
    text = f"{value:.{decimals}f}"
    if float(text) == 0.0:  # no "-0.00": a value that rounds to zero has no sign
        return f"{0.0:.{decimals}f}"
    return f"+{text}" if sign and value > 0 else text


def _missing(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return not math.isfinite(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# ----- the summary --------------------------------------------------------------------------
@dataclass(frozen=True)
class SummaryTable:
    """One titled table of a summary.

    Parameters
    ----------
    title : str
    data : DataFrame
        Values at full precision; its column names are the headers shown.
    kinds : mapping of column -> kind
        How each column is shown (see the module docstring); ``"text"`` by default.
    notes : sequence of str
        Lines printed under the table.
    align_left, align_right : sequence of str
        Columns aligned left or right; by default text and dates are aligned left,
        numbers right.
    """

    title: str
    data: pd.DataFrame
    kinds: Mapping[str, str] = field(default_factory=dict)
    notes: Sequence[str] = ()
    align_left: Sequence[str] = ()
    align_right: Sequence[str] = ()

    def __post_init__(self) -> None:
        unknown = {k for k in self.kinds.values() if k not in KINDS}
        if unknown:
            raise SpecificationError(f"unknown column kinds {sorted(unknown)}; kinds: {KINDS}")

    def kind(self, column: str) -> str:
        """How ``column`` is shown (``"text"`` unless given)."""
        return self.kinds.get(column, "text")

    def formatted(self) -> pd.DataFrame:
        """The table as the summary shows it: every cell a string."""
        return pd.DataFrame(
            {c: [format_value(v, self.kind(c)) for v in self.data[c].tolist()]
             for c in self.data.columns},
            index=range(len(self.data)), columns=self.data.columns,
        )

    def left(self, column: str) -> bool:
        """Whether ``column`` is aligned left."""
        if column in self.align_right:
            return False
        return column in self.align_left or self.kind(column) in ("text", "date")


class Summary:
    """A summary of results: a header, titled tables and notes (see the module docstring).

    Parameters
    ----------
    title : str
    header : sequence of (str, str)
        Label and value pairs shown above the tables, two to a line in text (a value
        too long for that, such as a long model name, on lines of its own).
    tables : sequence of SummaryTable
    notes : sequence of str
        Lines shown under the last table.

    Examples
    --------
    >>> summary = results.summary()                  # doctest: +SKIP
    >>> print(summary)                               # text, as in a terminal
    >>> summary                                      # an HTML table in Jupyter
    >>> summary.as_latex(); summary.as_markdown()    # strings to paste elsewhere
    >>> summary.to_excel("xiaomi.xlsx")              # needs openpyxl ([excel] extra)
    """

    def __init__(
        self,
        title: str,
        header: Sequence[tuple[str, str]] = (),
        tables: Sequence[SummaryTable] = (),
        notes: Sequence[str] = (),
    ) -> None:
        self.title = title
        self.header = [(str(k), str(v)) for k, v in header]
        self._tables = tuple(tables)
        self.notes = [str(n) for n in notes]

    @property
    def tables(self) -> tuple[SummaryTable, ...]:
        """The summary's tables; ``table.data`` holds full-precision values."""
        return self._tables

    # ----- text ---------------------------------------------------------------------------
    def as_text(self) -> str:
        """The summary as plain text (what ``print`` and ``str`` show)."""
        bodies = [_text_table(t) for t in self._tables]
        width = max([MIN_WIDTH, *(len(line) for b in bodies for line in b.splitlines())])
        note_width = max(MIN_WIDTH, min(width, MAX_NOTE_WIDTH))
        lines = [self.title.center(width).rstrip(), "=" * width]
        if self.header:
            lines += _header_lines(self.header, width)
        for table, body in zip(self._tables, bodies, strict=True):
            lines.append("-" * width)
            if table.title:
                lines.append(table.title)
            lines.append(body)
            lines += _wrapped(table.notes, note_width)
        lines.append("-" * width)
        lines += _wrapped(self.notes, note_width)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    # ----- HTML ---------------------------------------------------------------------------
    def as_html(self) -> str:
        """The summary as an HTML fragment: a header table, the tables and the notes."""
        parts = [f"<div class='eventstudy-summary'><h4>{html.escape(self.title)}</h4>"]
        if self.header:
            rows = "".join(
                f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                for k, v in self.header
            )
            parts.append(f"<table class='eventstudy-header'>{rows}</table>")
        for table in self._tables:
            parts.append(_html_table(table))
        if self.notes:
            parts.append("".join(f"<p><small>{html.escape(n)}</small></p>" for n in self.notes))
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.as_html()

    # ----- Markdown -----------------------------------------------------------------------
    def as_markdown(self) -> str:
        """The summary as Markdown: the header and each table as pipe tables."""
        lines = [f"**{_md(self.title)}**", ""]
        if self.header:
            lines += ["| | |", "|---|---|"]
            lines += [f"| {_md(k)} | {_md(v)} |" for k, v in self.header]
            lines.append("")
        for table in self._tables:
            if table.title:
                lines += [f"*{_md(table.title)}*", ""]
            shown = table.formatted()
            lines.append("| " + " | ".join(_md(c) for c in shown.columns) + " |")
            lines.append("|" + "|".join("---" if table.left(c) else "---:"
                                         for c in shown.columns) + "|")
            lines += ["| " + " | ".join(_md(v) for v in row) + " |"
                      for row in shown.itertuples(index=False)]
            lines.append("")
            if table.notes:
                lines += [*(_md(n) for n in table.notes), ""]
        if self.notes:
            lines += [_md(n) + "  " for n in self.notes]
        return "\n".join(lines).rstrip() + "\n"

    # ----- LaTeX --------------------------------------------------------------------------
    def as_latex(self) -> str:
        r"""The summary as LaTeX ``tabular`` environments (no package beyond LaTeX's own).

        Paste it into a document body; the header is a two-column tabular, each table
        one tabular with ``\hline`` rules, the notes ``\footnotesize`` paragraphs.
        """
        out = ["\\begin{center}", f"\\textbf{{{_tex(self.title)}}}"]
        if self.header:
            out += ["", "\\begin{tabular}{ll}"]
            out += [f"{_tex(k)} & {_tex(v)} \\\\" for k, v in self.header]
            out.append("\\end{tabular}")
        out.append("\\end{center}")
        for table in self._tables:
            shown = table.formatted()
            spec = "".join("l" if table.left(c) else "r" for c in shown.columns)
            out += ["", "\\begin{center}"]
            if table.title:
                out.append(f"{_tex(table.title)}\\\\[0.5ex]")
            out += [f"\\begin{{tabular}}{{{spec}}}", "\\hline",
                    " & ".join(_tex(c) for c in shown.columns) + " \\\\", "\\hline"]
            out += [" & ".join(_tex(v) for v in row) + " \\\\"
                    for row in shown.itertuples(index=False)]
            out += ["\\hline", "\\end{tabular}", "\\end{center}"]
            out += [f"{{\\footnotesize {_tex(n)}}}\\par" for n in table.notes]
        if self.notes:
            out.append("")
            out += [f"{{\\footnotesize {_tex(n)}}}\\par" for n in self.notes]
        return "\n".join(out) + "\n"

    # ----- Excel --------------------------------------------------------------------------
    def to_excel(self, path: str | Path | io.IOBase, sheet_name: str = "Summary") -> None:
        """Write the summary to one sheet of an ``.xlsx`` workbook.

        Numbers are written as numbers, rounded as the summary shows them and with
        the matching number format (percent, two decimals, dates); p-values and text
        as text. Needs openpyxl (``pip install 'policy-eventstudy[excel]'``).

        Parameters
        ----------
        path : str, Path or binary file
            The workbook to write; a path is replaced whole (written to a temporary
            file beside it, then renamed).
        sheet_name : str
            Name of the sheet.

        Raises
        ------
        MissingDependencyError
            If openpyxl is not installed.
        """
        try:
            from openpyxl import Workbook
            from openpyxl.styles import Alignment, Font
        except ImportError as exc:
            raise MissingDependencyError(
                "Summary.to_excel needs openpyxl, which is not installed: pip install "
                "'policy-eventstudy[excel]' (or pip install openpyxl); as_text(), "
                "as_markdown() and as_latex() need nothing more"
            ) from exc
        book = Workbook()
        sheet = book.active
        sheet.title = sheet_name
        bold = Font(bold=True)
        sheet.append([self.title])
        sheet.cell(row=1, column=1).font = bold
        for label, value in self.header:
            sheet.append([label, value])
        widths: dict[int, int] = {}
        for table in self._tables:
            sheet.append([])
            if table.title:
                sheet.append([table.title])
                sheet.cell(row=sheet.max_row, column=1).font = bold
            sheet.append([str(c) for c in table.data.columns])
            for j, column in enumerate(table.data.columns, start=1):
                cell = sheet.cell(row=sheet.max_row, column=j)
                cell.font = bold
                cell.alignment = Alignment(horizontal="left" if table.left(column) else "right")
                widths[j] = max(widths.get(j, 0), len(str(column)))
            shown = table.formatted()
            for i in range(len(table.data)):
                sheet.append([_excel_value(table.data[c].iloc[i], table.kind(c),
                                           shown[c].iloc[i]) for c in table.data.columns])
                for j, column in enumerate(table.data.columns, start=1):
                    kind = table.kind(column)
                    cell = sheet.cell(row=sheet.max_row, column=j)
                    if kind in EXCEL_FORMATS and cell.value is not None:
                        cell.number_format = EXCEL_FORMATS[kind]
                    elif isinstance(cell.value, str):
                        cell.data_type = "s"  # text, even if it starts with "=" (no formula)
                    if not table.left(column):
                        cell.alignment = Alignment(horizontal="right")
                    widths[j] = max(widths.get(j, 0), len(shown[column].iloc[i]))
            for note in table.notes:
                sheet.append([note])
        if self.notes:
            sheet.append([])
            for note in self.notes:
                sheet.append([note])
        for j, width in widths.items():
            sheet.column_dimensions[_column_letter(j)].width = min(60, width + 2)
        data = io.BytesIO()
        book.save(data)
        _write_bytes(path, data.getvalue())


# ----- helpers --------------------------------------------------------------------------------
def _header_lines(pairs: list[tuple[str, str]], width: int) -> list[str]:
    """The header within ``width``: two pairs to a line, in columns as wide as they need.

    Values too long for two columns to fit come first, each on lines of its own,
    wrapped under its label.
    """
    label = max([HEADER_LABEL, *(len(k) + 2 for k, _ in pairs)])
    paired = list(pairs)
    while paired and _paired_width(paired, label) > width:
        paired.remove(max(paired, key=lambda pair: len(pair[1])))
    lines = []
    for k, v in pairs:
        if (k, v) not in paired:
            chunks = textwrap.wrap(v, width - label, break_on_hyphens=False) or [""]
            lines += [f"{k + ':':<{label}}{chunks[0]}", *(" " * label + c for c in chunks[1:])]
    half = (len(paired) + 1) // 2
    left, right = paired[:half], paired[half:]
    value = max([HEADER_VALUE, *(len(v) for _, v in left)])
    for i, (k, v) in enumerate(left):
        cell = f"{k + ':':<{label}}{v:<{value}}"
        if i < len(right):
            cell += f"  {right[i][0] + ':':<{label}}{right[i][1]}"
        lines.append(cell.rstrip())
    return lines


def _paired_width(pairs: list[tuple[str, str]], label: int) -> int:
    """The width of ``pairs`` laid out two to a line (see :func:`_header_lines`)."""
    half = (len(pairs) + 1) // 2
    left, right = pairs[:half], pairs[half:]
    if not right:
        return label + len(left[0][1])
    value = max([HEADER_VALUE, *(len(v) for _, v in left)])
    return label + value + 2 + label + max(len(v) for _, v in right)


def _text_table(table: SummaryTable) -> str:
    shown = table.formatted()
    columns = [str(c) for c in shown.columns]
    widths = [max([len(c), *(len(v) for v in shown.iloc[:, j])]) for j, c in enumerate(columns)]
    left = [table.left(c) for c in shown.columns]

    def line(cells: Sequence[str]) -> str:
        parts = [c.ljust(w) if lft else c.rjust(w)
                 for c, w, lft in zip(cells, widths, left, strict=True)]
        return " ".join(parts).rstrip()

    return "\n".join([line(columns), *(line(row) for row in shown.itertuples(index=False))])


def _wrapped(notes: Sequence[str], width: int) -> list[str]:
    lines: list[str] = []
    for note in notes:
        lines += textwrap.wrap(note, width, break_on_hyphens=False) or [""]
    return lines


def _html_table(table: SummaryTable) -> str:
    shown = table.formatted()
    styles = ["left" if table.left(c) else "right" for c in shown.columns]
    head = "".join(f"<th style='text-align:{s}'>{html.escape(str(c))}</th>"
                   for c, s in zip(shown.columns, styles, strict=True))
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:{s}'>{html.escape(v)}</td>"
                         for v, s in zip(row, styles, strict=True)) + "</tr>"
        for row in shown.itertuples(index=False)
    )
    caption = f"<caption>{html.escape(table.title)}</caption>" if table.title else ""
    notes = "".join(f"<p><small>{html.escape(n)}</small></p>" for n in table.notes)
    return (f"<table class='eventstudy-table'>{caption}<thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{notes}")


def _md(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
        "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
        # a "[" after a row's "\\" would be read as its optional argument
        "[": "{[}", "]": "{]}"}


def _tex(text: object) -> str:
    return "".join(_TEX.get(ch, ch) for ch in str(text))


def _excel_value(value: object, kind: str, shown: str) -> object:
    """A cell's value: a rounded number, a date, or the text shown."""
    if shown == "":
        return None
    if kind == "date":
        return pd.Timestamp(value).to_pydatetime()
    if kind == "count":
        return int(round(float(value)))  # type: ignore[arg-type]
    if kind in _NUMERIC_KINDS:
        rounded = round(float(value), _EXCEL_DIGITS[kind])  # type: ignore[arg-type]
        return 0.0 if rounded == 0 else rounded  # no -0.0 in a cell
    return shown  # p-values and text, as shown


def _column_letter(j: int) -> str:
    letters = ""
    while j:
        j, rest = divmod(j - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _write_bytes(path: str | Path | io.IOBase, data: bytes) -> None:
    if hasattr(path, "write"):
        path.write(data)  # type: ignore[union-attr]
        return
    from ..sources.cache import atomic_write

    target = Path(path)
    if target.is_dir():
        raise SpecificationError(f"{target} is a folder; give a file name such as summary.xlsx")
    atomic_write(target, data)
