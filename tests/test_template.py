"""The physician HTML template, on small notebooks built in code (no kernel): what it shows, hides and escapes."""

import base64
import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ratekit import config
from ratekit.render import TEMPLATE, export_html, mark_numeric_cells, table_of_contents

TEMPLATE_DIR = config.TEMPLATES_DIR / TEMPLATE
HOSTILE = '<script>alert(1)</script> & "Sons"'
# The smallest valid PNG: one transparent pixel.
PIXEL = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()
# An SVG chart as the report's kernel sends it: text kept as text, here a hostile payer name.
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="100pt" height="20pt" viewBox="0 0 100 20">'
       '<text x="0" y="15">&lt;script&gt;alert(1)&lt;/script&gt; Health</text></svg>')


def _notebook(client_name: str = "Maple Family Medicine (synthetic)") -> nbformat.NotebookNode:
    """An executed-looking report: analyst note, parameters, summary, a chart, a table, stderr noise."""
    nb = new_notebook()
    note = new_markdown_cell("# Analyst notes\n\nOnly for JupyterLab.")
    note.metadata["tags"] = ["analyst-only"]
    params = new_code_cell('client_id = "maple"')
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell('client_id = "secret-path-client"\nclients_root = "/home/analyst/clients"')
    injected.metadata["tags"] = ["injected-parameters"]
    summary = new_code_cell("display(HTML(report.summary_html(analysis)))", outputs=[
        new_output("display_data", data={"text/html": "<p class=\"rk-headline\">Bringing Alpha up adds $84,300.</p>"}),
        new_output("stream", name="stderr", text="UserWarning: something internal\n"),
    ])
    chart = new_code_cell("ax = plots.rates.payer_index_bars(analysis.index)", outputs=[
        new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure size 700x400>"}),
    ])
    svg_chart = new_code_cell("ax = plots.leverage.tornado(lev.sensitivity)", outputs=[
        new_output("display_data", data={"image/svg+xml": SVG, "text/plain": "<Figure size 700x400>"}),
    ])
    table = new_code_cell("report.payer_table(analysis)", outputs=[new_output(
        "execute_result", execution_count=4,
        data={"text/html": '<table id="T_1"><thead><tr><th class="blank level0">&nbsp;</th>'
                           '<th class="col_heading level0 col0">Kind</th>'
                           '<th class="col_heading level0 col1">% of Medicare</th></tr></thead><tbody><tr>'
                           '<th class="row_heading level0 row0">Alpha &lt;i&gt;Health&lt;/i&gt;</th>'
                           '<td class="data row0 col0">Commercial</td><td class="data row0 col1">112%</td>'
                           "</tr></tbody></table>",
              "text/plain": "table"})])
    nb.cells = [
        note, params, injected, summary,
        new_markdown_cell("## Where you are underpaid\n\nEach payer's rates as a percent of Medicare."),
        chart, table,
        new_markdown_cell("## What you are worth to each plan\n\n### Emergency-room visits your access avoids"),
        svg_chart, new_markdown_cell("### Assumptions and their sources"),
        new_markdown_cell("## Data sources"),
    ]
    nb.metadata["ratekit"] = {"client_id": "maple", "client_name": client_name, "report_date": "29 November 2026",
                              "medicare": "Physician Fee Schedule 2025D, locality REST OF ILLINOIS",
                              "sources": "CMS PFS RVU25D; the practice's own fee schedules", "synthetic": True}
    return nb


@pytest.fixture(scope="module")
def page() -> str:
    return export_html(_notebook())


def _body(html: str) -> str:
    return re.sub(r"<style.*?</style>", "", html.split("<body", 1)[1], flags=re.S)


def _soup(html: str) -> BeautifulSoup:
    """The page as a browser would parse it (nbconvert re-serialises its output, so compare structure)."""
    return BeautifulSoup(html, "html.parser")


def test_template_files_name_no_external_url():
    files = [p for p in TEMPLATE_DIR.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"index.html.j2", "conf.json", "report.css"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\(", text, re.I), path


def test_output_loads_nothing_and_runs_no_script(page):
    assert "<script" not in page.lower()
    assert not re.search(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*(?:src|href)=\"(?!data:|#)", page)
    assert not re.search(r"https?://", page)  # not even as text: this notebook cites no web page
    for name in ("require", "mathjax", "mermaid", "widget", "@jupyter-widgets"):
        assert name not in page.lower(), name


def test_stylesheet_is_small_and_covers_phone_and_print(page):
    styles = "".join(re.findall(r"<style[^>]*>(.*?)</style>", page, flags=re.S))
    assert len(styles) < 15_000  # JupyterLab's theme CSS alone is ~350 KB
    assert _soup(page).find("meta", attrs={"name": "viewport"})["content"] == "width=device-width, initial-scale=1.0"
    assert "@media print" in styles and "@page" in styles and "@media (max-width: 40rem)" in styles
    assert "overflow-x: auto" in styles  # wide tables scroll inside their box on a phone


def test_header_names_client_date_medicare_and_sources(page):
    soup = _soup(page)
    header = soup.find("header", class_="rk-header")
    assert header.h1.get_text() == "Maple Family Medicine (synthetic)"
    text = header.get_text(" ", strip=True)
    assert "29 November 2026" in text
    assert "Physician Fee Schedule 2025D, locality REST OF ILLINOIS" in text
    assert "the practice's own fee schedules" in text
    assert soup.title.get_text() == "Maple Family Medicine (synthetic) · Payer rate benchmark"


def test_no_code_prompts_parameters_or_stderr(page):
    body = _body(page)
    for text in ("report.payer_table", "payer_index_bars", "summary_html", "secret-path-client",
                 "/home/analyst", "Analyst notes", "UserWarning", "In&nbsp;[", "Out["):
        assert text not in body, text
    assert "jp-InputPrompt" not in body and "jp-OutputPrompt" not in body and 'class="highlight' not in body
    assert "jp-CodeMirrorEditor" not in body and "celltag_parameters" not in body


def test_contents_list_every_section_with_working_anchors(page):
    soup = _soup(page)
    toc = soup.find("nav", class_="rk-toc")
    links = toc.find_all("a")
    assert [a.get_text() for a in links] == [
        "Where you are underpaid", "What you are worth to each plan", "Emergency-room visits your access avoids",
        "Assumptions and their sources", "Data sources"]
    for a in links:
        target = soup.find(id=a["href"][1:])
        assert target is not None and target.name in ("h2", "h3"), a["href"]
    assert len(toc.find_all("ol")) == 2  # the h3s are nested under their h2


def test_table_of_contents_structure():
    toc = table_of_contents(_notebook())
    assert [e["title"] for e in toc] == ["Where you are underpaid", "What you are worth to each plan", "Data sources"]
    assert [c["title"] for c in toc[1]["children"]] == ["Emergency-room visits your access avoids",
                                                         "Assumptions and their sources"]
    assert toc[0]["id"] == "Where-you-are-underpaid"


def test_charts_are_embedded_images_labelled_with_their_section(page):
    png, svg = _soup(page).find_all("img")
    assert png["src"].startswith("data:image/png;base64,")
    assert png["alt"] == "Chart: Where you are underpaid"
    # SVG goes in an <img> too, not inline: an SVG image runs no script and loads nothing, whatever it says
    prefix = "data:image/svg+xml;base64,"
    assert svg["src"].startswith(prefix) and base64.b64decode(svg["src"][len(prefix):]).decode() == SVG
    assert svg["alt"] == "Chart: Emergency-room visits your access avoids"
    assert "<svg" not in page and "alert(1)" not in page


def test_number_cells_are_marked_for_alignment(page):
    soup = _soup(page)
    assert "rk-num" in soup.find("td", class_="col1")["class"]
    assert "rk-num" not in soup.find("td", class_="col0")["class"]
    assert "rk-num" in soup.find("th", class_="col1")["class"]


def test_hostile_client_name_is_text_everywhere():
    page = export_html(_notebook(HOSTILE))
    assert "<script" not in page.lower()
    soup = _soup(page)
    assert soup.find_all("script") == []
    assert soup.h1.get_text() == HOSTILE  # the markup arrived as text
    assert soup.title.get_text() == f"{HOSTILE} · Payer rate benchmark"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("text, numeric", [
    ("$84,300", True), ("112%", True), ("16", True), ("$900 ($700 – $1,100)", True), ("<1", True), ("n/a", True),
    ("–", True), ("Commercial", False), ("Medicare Advantage", False), ("99213", True), ("", False),
    ("Alpha 2", False)])
def test_mark_numeric_cells(text, numeric):
    import html

    cell = f'<td class="data row0 col0">{html.escape(text)}</td>'
    marked = mark_numeric_cells(f"<table><tr>{cell}</tr></table>")
    assert ("rk-num" in marked) is numeric
    assert html.escape(text) in marked  # the content is never touched


def test_mark_numeric_cells_leaves_html_outside_tables_alone():
    text = '<p class="x">$84,300</p><td class="data row0 col0">5</td>'
    assert mark_numeric_cells(text) == text


def test_header_without_metadata_is_blank_not_broken():
    nb = _notebook()
    del nb.metadata["ratekit"]
    page = export_html(nb)
    assert _soup(page).h1.get_text() == "" and "Where you are underpaid" in page


def test_template_is_found_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _soup(export_html(_notebook())).h1.get_text() == "Maple Family Medicine (synthetic)"
    assert Path.cwd() == tmp_path


def test_every_cell_box_is_focusable_and_every_image_described(page):
    """What nbconvert's BeautifulSoup pass did, which the exporter now does without re-parsing the page."""
    soup = _soup(page)
    boxes = soup.select("div.jp-OutputArea-output") + soup.select("div.jp-Cell-inputWrapper")
    assert len(boxes) >= 5 and all(box.get("tabindex") == "0" for box in boxes)
    assert all(img.get("alt") for img in soup.find_all("img"))
