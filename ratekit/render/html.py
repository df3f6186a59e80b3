"""The physician HTML of an executed report notebook: nbconvert with the ``physician_report`` template.

The export leaves out code, prompts, stderr and the analyst-only and parameters
cells, adds the table of contents and each chart's alt text, and marks numeric
table cells ``rk-num`` (the stylesheet right-aligns them). One exporter is
compiled per process and shared by the batch's threads.
"""

from __future__ import annotations

import functools
import html
import re
import threading

import nbformat

from .. import config

TEMPLATE = "physician_report"
#: Cells with this tag are for the analyst in JupyterLab and are left out of the physician HTML.
ANALYST_ONLY = "analyst-only"
#: Cells left out of the physician HTML: analyst-only ones and papermill's parameters.
HIDDEN_TAGS = (ANALYST_ONLY, "parameters", "injected-parameters")

_exporter = None
_exporter_lock = threading.Lock()


#: The opening tag of each cell's text and output box, which nbconvert makes focusable (for the keyboard:
#: a wide table then scrolls).
_FOCUSABLE = re.compile(r'(<div class="[^"]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"]*")')


@functools.lru_cache(maxsize=None)
def _exporter_class():
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PhysicianExporter(HTMLExporter):
        """nbconvert's HTML exporter without its closing BeautifulSoup pass, 60% of the export's time.

        That pass re-parses the whole page to give an ``<img>`` without alt text a
        placeholder (the template gives every chart its section as alt text) and
        to make each cell's boxes focusable, which one substitution does here.
        """

        def from_notebook_node(self, nb, resources=None, **kw):
            info = nb.metadata.get("language_info", {})
            lexer = info.get("pygments_lexer", info.get("name"))
            self.register_filter("highlight_code",
                                 self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _FOCUSABLE.sub(r'\1 tabindex="0"', page), resources

    return PhysicianExporter


def _physician_exporter():
    """One HTML exporter for the process: template found and compiled once, reused for every client."""
    global _exporter
    if _exporter is None:
        from nbconvert.preprocessors import TagRemovePreprocessor

        exporter = _exporter_class()(template_name=TEMPLATE, extra_template_basedirs=[str(config.TEMPLATES_DIR)])
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        exporter.optimistic_validation = True  # validate once after the preprocessors, not after each
        hidden = TagRemovePreprocessor(remove_cell_tags=set(HIDDEN_TAGS), enabled=True)
        exporter.register_preprocessor(hidden, enabled=True)
        for step in (_drop_stderr, _contents_and_chart_labels, _align_numbers):
            exporter.register_preprocessor(step, enabled=True)
        _exporter = exporter
    return _exporter


def export_html(notebook: nbformat.NotebookNode) -> str:
    """The physician HTML of an executed notebook (``templates/physician_report``).

    Header facts come from ``notebook.metadata["ratekit"]`` (see
    :func:`report_metadata`); without them the header is left blank.
    """
    with _exporter_lock:  # one exporter shared by the batch's threads; export is quick and GIL-bound anyway
        body, _ = _physician_exporter().from_notebook_node(notebook)
    return body


def _drop_stderr(nb: nbformat.NotebookNode, resources: dict):
    """Physicians never see warnings or logs written to stderr."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    return nb, resources


def _headings(source: str) -> list[tuple[int, str, str]]:
    """``(level, anchor, text)`` of the level-2 and -3 headings of a markdown cell.

    The cell is rendered with nbconvert's own markdown renderer, so the anchors
    are the ids the headings get in the HTML. ``text`` is plain (unescaped).
    """
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    found = []
    for level, anchor, inner in re.findall(r'<h([23]) id="([^"]*)">(.*?)</h\1>', markdown2html_mistune(source),
                                           flags=re.S):
        inner = re.sub(r'<a class="anchor-link".*?</a>', "", inner, flags=re.S)
        found.append((int(level), html.unescape(anchor), html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()))
    return found


def table_of_contents(nb: nbformat.NotebookNode) -> list[dict]:
    """The report's sections: the level-2 headings of its markdown cells, each with its level-3 headings.

    Only markdown cells count (not headings a cell's output prints), so the
    contents are the notebook's fixed structure, never client data.

    Returns
    -------
    list of dict
        ``{"id", "title", "children": [{"id", "title"}, ...]}``: the anchor
        nbconvert gives each heading in the HTML and its plain text (unescaped;
        the template escapes it).
    """
    toc: list[dict] = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or "#" not in cell.source:
            continue
        for level, anchor, title in _headings(cell.source):
            if level == 2 or not toc:
                toc.append({"id": anchor, "title": title, "children": []})
            else:
                toc[-1]["children"].append({"id": anchor, "title": title})
    return toc


def _contents_and_chart_labels(nb: nbformat.NotebookNode, resources: dict):
    """Put the table of contents in resources; label each chart with the section it illustrates."""
    resources["ratekit_toc"] = table_of_contents(nb)
    section = "the report"
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            titles = [title for _, _, title in _headings(cell.source)] if "#" in cell.source else []
            section = titles[-1] if titles else section
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if {"image/png", "image/svg+xml"} & set(output.get("data", {})):
                    output.setdefault("metadata", {})["ratekit_alt"] = f"Chart: {section}"
    return nb, resources


#: Text of a table cell that is a number: money, percent, count, a range, "<1", or n/a.
_NUMBER = re.compile(r"^(?=.*\d)[\s$%,.\d()\-\u2013\u2212+<>]+$|^(n/a|\u2013|-)$")


def _align_numbers(nb: nbformat.NotebookNode, resources: dict):
    """Mark table cells holding only a number (money, percent, count, range) and, when a column holds only
    numbers, its heading, with the class ``rk-num`` (the stylesheet right-aligns them)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            if "<table" in data.get("text/html", ""):
                data["text/html"] = mark_numeric_cells(data["text/html"])
    return nb, resources


def mark_numeric_cells(html_text: str) -> str:
    """Add ``rk-num`` to the class of each ``<td>`` of a pandas table whose text is a number.

    A number: digits with any of ``$ % , . ( ) - – < +`` and spaces (``$84,300``,
    ``112%``, ``$900 ($700 – $1,100)``, ``<1``), or ``n/a`` / ``–``. The heading
    of a column (``colN``) whose cells are all numbers is marked too.
    """
    def text_of(inner: str) -> str:
        return html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()

    def one_table(match: re.Match) -> str:
        table = match.group(0)
        columns: dict[str, bool] = {}
        cell = re.compile(r'<td([^>]*?)class="([^"]*)"([^>]*)>(.*?)</td>', re.S)
        for attrs_before, classes, attrs_after, inner in cell.findall(table):
            col = next((c for c in classes.split() if re.fullmatch(r"col\d+", c)), None)
            if col:
                numeric = bool(_NUMBER.match(text_of(inner)))
                columns[col] = columns.get(col, True) and numeric

        def mark(m: re.Match) -> str:
            numeric = bool(_NUMBER.match(text_of(m.group(4))))
            classes = m.group(2) + (" rk-num" if numeric else "")
            return f'<td{m.group(1)}class="{classes}"{m.group(3)}>{m.group(4)}</td>'

        table = cell.sub(mark, table)
        for col, numeric in columns.items():
            if numeric:
                table = re.sub(rf'(<th[^>]*class="[^"]*\bcol_heading\b[^"]*\b{col}\b)"', r'\1 rk-num"', table)
        return table

    return re.sub(r"<table\b.*?</table>", one_table, html_text, flags=re.S)
