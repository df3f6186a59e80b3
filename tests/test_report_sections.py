"""Every sample client's physician HTML carries every section, with that client's figures only."""

import re

import pytest

from ratekit import narrative, report
from ratekit.formatting import money_nearest
from ratekit.analysis import analyse, analyse_leverage
from ratekit.client import list_clients, load_client
from ratekit.render import render_clients

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("all-reports")
    result = render_clients(None, out=out)
    assert result.ok, [c.error for c in result.clients if c.status != "ok"]
    return {c.client_id: (out / c.client_id / "client_report.html").read_text(encoding="utf-8")
            for c in result.clients}


@pytest.mark.parametrize("client_id", list_clients())
def test_rate_and_leverage_sections(reports, client_id):
    html = reports[client_id]
    body = html.split("<body", 1)[1]
    analysis = analyse(client_id)
    lev = analyse_leverage(analysis)
    # rate benchmark
    assert "Where you are underpaid" in body and "Your top codes, payer by payer" in body
    # leverage: one paragraph per payer, the savings table with its total, the tornado, the assumptions
    for payer in analysis.client.payers:
        assert f"<strong>{report.esc(payer.name)}</strong>" in body, payer.name
    assert "Emergency-room visits the practice&#x27;s access avoids" in body or \
        "Emergency-room visits the practice's access avoids" in body
    total = lev.savings["savings_base"].sum()
    assert money_nearest(total, step=10) in body
    assert "Which assumption moves the answer most" in body
    assert "ER-savings assumptions" in body and "Weinick" in body
    # rate chart, heatmap is a table; ER bars, tornado, exposure, local prevalence: at least 5 charts
    assert len(re.findall(r'<img[^>]+src="data:image/svg\+xml;base64,', body)) >= 5
    local_text = narrative.local_context_text(lev.local, lev.shortage)
    assert (report.esc(local_text[:40]) in body) or (local_text[:40] in body)


def test_no_report_mentions_another_client(reports):
    names = {cid: load_client(cid).name for cid in reports}
    for cid, html in reports.items():
        for other, name in names.items():
            if other != cid:
                assert report.esc(name) not in html, (cid, other)
