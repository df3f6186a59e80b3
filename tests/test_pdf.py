"""ratekit.pdf: the report printed to PDF by headless Chromium; a plain message when Chromium is absent.

The print tests need Chromium (Debian's ``chromium``; .ci/run installs it and sets RATEKIT_REQUIRE_BROWSER=1, so
CI runs them); without it they skip and say so.
"""

import os
import re
from types import SimpleNamespace

import pytest

from ratekit import cli, config, pdf
from ratekit.errors import RatekitError

CSS = config.PROJECT_ROOT / "templates" / "physician_report" / "static" / "report.css"


@pytest.fixture(scope="module")
def chromium() -> str:
    path = pdf.find_chromium()
    if path is None:
        message = f"headless Chromium not found: the PDF print test was SKIPPED ({pdf.INSTALL_HINT})"
        if os.environ.get("RATEKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(message.replace("was SKIPPED", "cannot run") + "; RATEKIT_REQUIRE_BROWSER=1 requires it")
        print(f"\n{message}")
        pytest.skip(message)
    return path


def _pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", data))


def test_print_breaks_a_page_before_each_section(tmp_path, chromium):
    # three short sections with the report's print CSS: one page each (a page break before every h2 but
    # the first), where without the CSS all three fit on one page
    body = "".join(f"<h2>Section {i}</h2><p>Short text {i}.</p>" for i in range(3))
    with_css = tmp_path / "report.html"
    with_css.write_text(f"<html><head><style>{CSS.read_text()}</style></head><body class='rk-report'>"
                        f"<main>{body}</main></body></html>")
    plain = tmp_path / "plain.html"
    plain.write_text(f"<html><body>{body}</body></html>")
    out = pdf.html_to_pdf(with_css, chromium=chromium)
    assert out == with_css.with_suffix(".pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert _pages(data) == 3
    assert _pages(pdf.html_to_pdf(plain, tmp_path / "plain.pdf", chromium=chromium).read_bytes()) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".") or "tmp" in p.name]


def test_without_chromium_a_clear_error_and_no_file(tmp_path, monkeypatch):
    page = tmp_path / "r.html"
    page.write_text("<p>x</p>")
    monkeypatch.setenv("RATEKIT_CHROMIUM", str(tmp_path / "no-such-browser"))
    assert pdf.find_chromium() is None
    with pytest.raises(RatekitError, match="headless Chromium is not installed.*apt-get install -y chromium"):
        pdf.html_to_pdf(page)
    assert not (tmp_path / "r.pdf").exists()


def test_render_pdf_says_plainly_when_chromium_is_absent(monkeypatch, capsys):
    from ratekit import render

    fake = SimpleNamespace(ok=True, clients=[SimpleNamespace(client_id="a", status="ok", html="/x/a.html")])
    monkeypatch.setattr(render, "render_clients", lambda *a, **k: fake)
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    assert cli.main(["render", "a", "--pdf"]) == 0
    err = capsys.readouterr().err
    assert "pdf    skipped: headless Chromium is not installed" in err and "apt-get install -y chromium" in err
