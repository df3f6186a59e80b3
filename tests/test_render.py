"""Execute the real report notebook for sample clients and check what a physician would see."""

import json
import re

import pytest

from conftest import write_client
from ratekit import report
from ratekit.analysis import analyse
from ratekit.client import list_clients, load_client
from ratekit.errors import RatekitError
from ratekit.render import render_client, render_clients, report_dir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The first sample client rendered once for all checks in this module."""
    out = tmp_path_factory.mktemp("reports")
    client_id = list_clients()[0]
    result = render_client(client_id, out=out)
    assert result.status == "ok", result.error
    html = (out / client_id / "client_report.html").read_text(encoding="utf-8")
    return client_id, out, html


def _body(html: str) -> str:
    """The visible document: after <body>, without style sheets."""
    body = html.split("<body", 1)[1]
    return re.sub(r"<style.*?</style>", "", body, flags=re.S)


def test_html_has_no_code_and_embeds_charts(rendered):
    body = _body(rendered[2])
    assert "analyse_from_parameters" not in body and "import " not in body
    assert 'class="highlight' not in body and "In&nbsp;[" not in body and "jp-InputPrompt" not in body
    assert "Every number comes from" not in body  # the analyst-only note is removed
    assert re.search(r'<img[^>]+src="data:image/png;base64,', body)
    assert "Traceback" not in body and "Error:" not in body and "stderr" not in body


def test_html_names_the_client_date_sources_and_top_gap(rendered):
    client_id, _, html = rendered
    client = load_client(client_id)
    assert report.esc(client.name) in html
    assert "synthetic" in html.lower()
    top = analyse(client_id)
    assert report.money(top.gaps["dollars_a_year"].iloc[0]) in html
    assert report.esc(top.gaps["payer"].iloc[0]) in html
    assert "Physician Fee Schedule" in html and "RVU25D" in html


def test_html_loads_nothing_from_the_network(rendered):
    _, _, html = rendered
    assert not re.search(r'<script[^>]+src=', html)
    assert not re.search(r'<link[^>]+href="https?:', html)


def test_executed_notebook_is_kept_beside_the_html(rendered):
    client_id, out, _ = rendered
    nb = json.loads((out / client_id / "client_report.ipynb").read_text())
    params = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert params and f'client_id = "{client_id}"' in "".join(params[0]["source"])


def test_bad_client_fails_cleanly_and_the_batch_goes_on(tmp_path):
    write_client(tmp_path, "good")
    broken = write_client(tmp_path, "broken")
    (broken / "fee_schedules" / "alpha.csv").write_text("code,rate\n99213,abc\n", encoding="utf-8")
    out = tmp_path / "out"
    result = render_clients(None, root=tmp_path, out=out)
    status = {c.client_id: c for c in result.clients}
    assert not result.ok
    assert status["good"].status == "ok"
    assert status["broken"].status == "failed"
    assert "broken/fee_schedules/alpha.csv, row 2, column 'rate': the rate is not a number" in status["broken"].error
    assert not (out / "broken" / "client_report.html").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["broken"]["status"] == "failed" and manifest["good"]["status"] == "ok"


def test_client_id_cannot_escape_the_reports_folder(tmp_path):
    with pytest.raises(RatekitError):
        report_dir("../evil", tmp_path)
