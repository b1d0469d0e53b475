"""The HTML tables of an executed notebook, made readable and reproducible for a report.

Notebook outputs carry tables from several sources (:func:`~eventstudy.report.styled`,
the results' own HTML, plain DataFrames); JupyterLab's style sheet right-aligns every
cell and lets any cell wrap. :func:`tidy_tables` classifies each column by its
content and marks its cells: numbers (signed, percent, with stars or a currency)
right, short text left on one line, long text (prose) left in a wide wrapping column;
headers may break after an underscore. It also renames the random ids pandas' Styler
gives its tables, so that two builds write the same bytes.
"""

from __future__ import annotations

import re

NUMBER = re.compile(
    r"""^(?:[A-Z]{3}\s)?                  # a currency: HKD 24.60
        [<>]?\s?[+\-\u2212]?              # < 0.001, a sign
        (?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[+\-]?\d+)?
        (?:%|\spoints)?\**$               # percent or points, stars
        |^(?:nan|[+\-]?inf)$""",
    re.VERBOSE | re.IGNORECASE,
)
# Text of more than PROSE_WORDS words and PROSE_LENGTH characters is prose (descriptions,
# sources, diagnostics): it wraps in a column at least 18em (some 35 characters) wide;
# other text (ids, dates, labels such as "telecoms-nyse-re-reversal 0941.HK") never wraps.
PROSE_LENGTH = 30
PROSE_WORDS = 3
CLASSES = {"number": "es-num", "text": "es-text", "prose": "es-prose"}
STYLER_ID = re.compile(r'<table id="(T_[0-9a-f]+)"')
# The rules the template puts in the page head; more specific than JupyterLab's
# right-aligned cells (":not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td").
# Cells stay on one line (ids, dates, numbers) except prose; a long header may wrap.
CSS = """
.jp-OutputArea-output.jp-RenderedHTMLCommon .es-num { text-align: right; white-space: nowrap; }
.jp-OutputArea-output.jp-RenderedHTMLCommon .es-text { text-align: left; white-space: nowrap; }
.jp-OutputArea-output.jp-RenderedHTMLCommon .es-prose { text-align: left; white-space: normal;
  min-width: 18em; }
.jp-OutputArea-output.jp-RenderedHTMLCommon thead th.es-num,
.jp-OutputArea-output.jp-RenderedHTMLCommon thead th.es-text { white-space: normal; }
"""


def column_kind(texts: list[str]) -> str:
    """``"number"``, ``"text"`` or ``"prose"`` for a column's cell texts (blanks ignored)."""
    filled = [t for t in (s.strip() for s in texts) if t]
    if filled and all(NUMBER.match(t) for t in filled):
        return "number"
    return "prose" if any(is_prose(t) for t in filled) else "text"


def is_prose(text: str) -> bool:
    """Whether ``text`` reads as a sentence rather than a label (see :data:`PROSE_LENGTH`)."""
    return len(text) > PROSE_LENGTH and len(text.split()) > PROSE_WORDS


def tidy_tables(html: str, key: str) -> str:
    """Mark every table's cells by column kind and give Styler tables stable ids.

    Parameters
    ----------
    html : str
        An output's ``text/html``.
    key : str
        A name unique within the page (e.g. from the cell and output positions);
        the n-th Styler table of the output gets the id ``T_<key>_<n>``.
    """
    for n, uuid in enumerate(dict.fromkeys(STYLER_ID.findall(html))):
        # the uuid also prefixes the cells' ids and the rules of the table's <style>
        html = re.sub(rf"\b{uuid}(?=[_\"\s])", f"T_{key}_{n}", html)
    if "<table" not in html:
        return html
    from bs4 import BeautifulSoup  # a dependency of nbconvert

    soup = BeautifulSoup(html, "html.parser")
    for table in soup.find_all("table"):
        _mark_columns(table)
        for cell in table.select("thead th"):
            _breakable(soup, cell)
    return str(soup)


def _breakable(soup, cell) -> None:
    """Let a header of plain text break after its underscores (``close_to_close``), so
    that a wide table fits its page without renaming its columns."""
    text = cell.string
    if text is None or "_" not in text:
        return
    parts = str(text).split("_")
    cell.clear()
    for i, part in enumerate(parts):
        cell.append(part + ("_" if i < len(parts) - 1 else ""))
        if i < len(parts) - 1:
            cell.append(soup.new_tag("wbr"))


def _mark_columns(table) -> None:
    """Add the class of its column's kind to every cell of ``table`` spanning one column."""
    header, body = _grid(table)
    kinds = {}
    for column in {c for _, c in body} | {c for _, c in header}:
        texts = [cell.get_text() for cell, c in body if c == column]
        kinds[column] = column_kind(texts) if texts else "text"
    for cell, column in header + body:
        classes = cell.get("class", [])
        cell["class"] = [*classes, CLASSES[kinds[column]]]


def _grid(table) -> tuple[list, list]:
    """The cells of ``table`` (not of tables inside it) that span one column, with the
    column each occupies, for the header rows and the body rows."""
    header, body = [], []
    taken: dict[tuple[int, int], bool] = {}
    rows = [r for r in table.find_all("tr") if r.find_parent("table") is table]
    for i, row in enumerate(rows):
        column = 0
        in_head = row.find_parent("thead") is not None and row.find_parent("table") is table
        for cell in row.find_all(["td", "th"], recursive=False):
            while taken.get((i, column)):
                column += 1
            span = _span(cell, "colspan")
            for r in range(i, i + _span(cell, "rowspan")):
                for c in range(column, column + span):
                    taken[(r, c)] = True
            if span == 1:
                (header if in_head else body).append((cell, column))
            column += span
    return header, body


def _span(cell, name: str) -> int:
    try:
        return max(1, int(cell.get(name, 1)))
    except ValueError:
        return 1
