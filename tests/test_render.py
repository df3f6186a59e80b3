"""Batch rendering: real notebooks in real kernels, and what a physician (and the analyst) get from it."""

import base64
import json
import os
import re

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_notebook

from conftest import write_client
from ratekit import cli
from ratekit.analysis import analyse
from ratekit.client import list_clients, load_client
from ratekit.errors import RatekitError
from ratekit.formatting import money_nearest
from ratekit.render import kernels, largest_first, render_client, render_clients, report_dir

pytestmark = pytest.mark.slow


# --- the committed sample, through the batch path ---------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """Every sample client rendered by one batch (fork server, default jobs)."""
    out = tmp_path_factory.mktemp("reports")
    result = render_clients(None, out=out, progress=False)
    return result, out


def _body(html: str) -> str:
    """The visible document: after <body>, without style sheets."""
    return re.sub(r"<style.*?</style>", "", html.split("<body", 1)[1], flags=re.S)


def _html(out, client_id) -> str:
    return (out / client_id / "client_report.html").read_text(encoding="utf-8")


def test_every_sample_client_renders_with_a_manifest(sample):
    result, out = sample
    assert result.ok, [(c.client_id, c.error) for c in result.clients if c.status != "ok"]
    assert [c.client_id for c in result.clients] == list_clients()
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest) == set(list_clients())
    for client_id, entry in manifest.items():
        assert entry["status"] == "ok" and entry["error"] is None and entry["seconds"] > 0
        assert entry["html"] == f"{client_id}/client_report.html"
        assert entry["notebook"] == f"{client_id}/client_report.ipynb"
        assert entry["kernel_starts"] == 1
        assert {entry["html"], entry["notebook"]} <= set(entry["files"])
        assert (out / entry["html"]).is_file() and (out / entry["notebook"]).is_file()
    assert not list(out.rglob(".*.tmp"))  # no temporary file left behind


def test_html_has_no_code_and_embeds_charts(sample):
    _, out = sample
    body = _body(_html(out, list_clients()[0]))
    assert "analyse_from_parameters" not in body and "import " not in body
    assert 'class="highlight' not in body and "In&nbsp;[" not in body and "jp-InputPrompt" not in body
    assert "Every number comes from" not in body  # the analyst-only note is removed
    assert re.search(r'<img[^>]+src="data:image/svg\+xml;base64,', body)
    assert "Traceback" not in body and "stderr" not in body


def test_html_names_the_client_date_sources_and_top_gap(sample):
    _, out = sample
    client_id = list_clients()[0]
    html = _html(out, client_id)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.h1.get_text() == load_client(client_id).name
    assert "synthetic" in html.lower()
    top = analyse(client_id)
    assert money_nearest(top.gaps["dollars_a_year"].iloc[0]) in html
    assert top.gaps["payer"].iloc[0] in soup.get_text()
    assert "Physician Fee Schedule" in html and "RVU25D" in html
    assert [a.get_text() for a in soup.select("nav.rk-toc > ol > li > a")][-1] == "Data sources"


def test_html_loads_nothing_from_the_network(sample):
    _, out = sample
    for client_id in list_clients():
        html = _html(out, client_id)
        assert "<script" not in html.lower()
        assert not re.search(r'<(?:link|img|iframe|source)\b[^>]*(?:src|href)="(?!data:|#)', html)


def test_executed_notebook_is_kept_beside_the_html(sample):
    _, out = sample
    client_id = list_clients()[0]
    nb = json.loads((out / client_id / "client_report.ipynb").read_text())
    params = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert params and f'client_id = "{client_id}"' in "".join(params[0]["source"])


# --- isolation and escaping, on clients built in code ----------------------------------------------

def _pair(root):
    """Two clients whose names, payers and rates differ in every respect."""
    alpha = write_client(root, "alpha-clinic", yaml_data={
        "name": "Aardvark Valley Clinic (synthetic)",
        "payers": [{"name": "Anteater Health", "kind": "commercial", "patients": 600,
                    "fee_schedule": "fee_schedules/alpha.csv"},
                   {"name": "Armadillo Care", "kind": "medicare_advantage", "patients": 400,
                    "fee_schedule": "fee_schedules/beta.csv"}]},
        utilization="payer,code,modifier,units\nAnteater Health,99213,,1000\nAnteater Health,99214,,500\n"
                    "Armadillo Care,99213,,800\nArmadillo Care,99214,,200\n")
    zulu = write_client(root, "zulu-practice", yaml_data={
        "name": "Zebra Ridge Practice (synthetic)",
        "payers": [{"name": "Yak Mutual", "kind": "commercial", "patients": 900,
                    "fee_schedule": "fee_schedules/alpha.csv"},
                   {"name": "Xerus Plan", "kind": "medicaid_managed_care", "patients": 300,
                    "fee_schedule": "fee_schedules/beta.csv"}]},
        fee_schedules={"fee_schedules/alpha.csv": "code,rate\n99213,141.00\n99214,199.00\n",
                       "fee_schedules/beta.csv": "code,rate\n99213,61.00\n99214,87.00\n"},
        utilization="payer,code,modifier,units\nYak Mutual,99213,,3000\nYak Mutual,99214,,2500\n"
                    "Xerus Plan,99213,,2100\nXerus Plan,99214,,900\n")
    return alpha, zulu


def test_no_report_holds_another_clients_name_payers_or_figures(tmp_path):
    _pair(tmp_path)
    out = tmp_path / "out"
    result = render_clients(None, root=tmp_path, out=out, jobs=2, progress=False)
    assert result.ok, [c.error for c in result.clients]
    facts = {}
    for client_id in ("alpha-clinic", "zulu-practice"):
        analysis = analyse(client_id, tmp_path)
        facts[client_id] = {"name": analysis.client.name, "payers": [p.name for p in analysis.client.payers],
                            "headline": money_nearest(analysis.gaps["dollars_a_year"].iloc[0]),
                            "total": money_nearest(analysis.total_gap)}
    assert facts["alpha-clinic"]["headline"] != facts["zulu-practice"]["headline"]
    for me, other in (("alpha-clinic", "zulu-practice"), ("zulu-practice", "alpha-clinic")):
        html = _html(out, me)
        text = BeautifulSoup(html, "html.parser").get_text()
        assert facts[me]["name"] in text and all(p in text for p in facts[me]["payers"])
        assert facts[me]["headline"] in text
        assert facts[other]["name"] not in html and other not in html
        for payer in facts[other]["payers"]:
            assert payer not in html, (me, payer)
        assert f"would add {facts[other]['headline']} a year" not in text
        nb = (out / me / "client_report.ipynb").read_text()
        assert facts[other]["name"] not in nb and all(p not in nb for p in facts[other]["payers"])


HOSTILE_CLIENT = "<script>alert('client')</script> Clinic"
HOSTILE_PAYERS = ["<img src=x onerror=alert(1)> Health", "Beta <b>Bold</b> & Sons"]


def test_client_and_payer_names_with_html_render_as_text(tmp_path):
    write_client(tmp_path, "hostile", yaml_data={
        "name": HOSTILE_CLIENT,
        "notes": "<script>alert('notes')</script>",
        "payers": [{"name": HOSTILE_PAYERS[0], "kind": "commercial", "patients": 600,
                    "fee_schedule": "fee_schedules/alpha.csv"},
                   {"name": HOSTILE_PAYERS[1], "kind": "medicare_advantage", "patients": 400,
                    "fee_schedule": "fee_schedules/beta.csv"}]},
        utilization=f"payer,code,modifier,units\n{HOSTILE_PAYERS[0]},99213,,1000\n{HOSTILE_PAYERS[0]},99214,,500\n"
                    f"{HOSTILE_PAYERS[1]},99213,,800\n{HOSTILE_PAYERS[1]},99214,,200\n")
    result = render_clients(["hostile"], root=tmp_path, out=tmp_path / "out", progress=False)
    assert result.ok, result.clients[0].error
    html = _html(tmp_path / "out", "hostile")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find_all("script") == [] and "<script" not in html.lower()
    charts = [img["src"] for img in soup.find_all("img")]
    prefix = "data:image/svg+xml;base64,"
    assert charts and all(src.startswith(prefix) for src in charts)
    svgs = [base64.b64decode(src[len(prefix):]).decode() for src in charts]
    # payer names are text inside the charts too: escaped, never an element
    assert any("&lt;img src=x onerror=alert(1)&gt; Health" in svg for svg in svgs)
    assert not [svg for svg in svgs if re.search(r"<(?:img|script|b)\b|<[^>]*\son\w+\s*=", svg)]
    assert not soup.find_all("b", string="Bold")  # the payer's <b> is not markup
    assert not [t for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)]
    assert soup.h1.get_text() == HOSTILE_CLIENT and soup.title.get_text().startswith(HOSTILE_CLIENT)
    text = soup.get_text()
    assert HOSTILE_CLIENT in text
    for payer in HOSTILE_PAYERS:
        assert payer in text, payer  # shown, as text, in the summary, tables and paragraphs
    assert "&lt;script&gt;alert(&#x27;client&#x27;)" in html or "&lt;script&gt;alert('client')" in html


# --- failures: the batch goes on, the failed client's evidence is kept -------------------------------

def test_bad_client_fails_cleanly_and_the_batch_goes_on(tmp_path, capsys):
    write_client(tmp_path, "good")
    broken = write_client(tmp_path, "broken")
    (broken / "fee_schedules" / "alpha.csv").write_text("code,rate\n99213,abc\n", encoding="utf-8")
    out = tmp_path / "out"
    (out / "broken").mkdir(parents=True)
    (out / "broken" / "client_report.html").write_text("<h1>last month's report</h1>")
    (out / "broken" / "value_propositions.md").write_text("last month's")
    (out / "manifest.json").write_text(json.dumps({"broken": {"files": ["broken/value_propositions.md"]}}))
    result = render_clients(None, root=tmp_path, out=out, progress=False)
    status = {c.client_id: c for c in result.clients}
    assert not result.ok and result.failed == ["broken"]
    assert status["good"].status == "ok"
    bad = status["broken"]
    assert bad.status == "failed"
    assert "broken/fee_schedules/alpha.csv, row 2, column 'rate': the rate is not a number" in bad.error
    # input errors are found before any kernel starts: no report, old or new, and nothing half-written
    assert bad.kernel_starts == 0 and bad.notebook is None
    assert not (out / "broken" / "client_report.html").exists()
    assert not (out / "broken" / "value_propositions.md").exists()
    assert not (out / "broken" / "client_report.ipynb").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["broken"]["status"] == "failed" and manifest["good"]["status"] == "ok"
    assert "the rate is not a number" in manifest["broken"]["error"]
    assert manifest["broken"]["notebook"] is None and manifest["broken"]["html"] is None
    assert "failed broken" in capsys.readouterr().out
    # the command line says so with its exit code
    assert cli.main(["render", "--all", "--root", str(tmp_path), "--out", str(out), "--jobs", "2"]) == 1


def test_invalid_client_yaml_fails_before_any_kernel(tmp_path):
    write_client(tmp_path, "bad-yaml", yaml_data={"specialty": "astrology"})
    outcome = render_client("bad-yaml", root=tmp_path, out=tmp_path / "out")
    assert outcome.status == "failed" and outcome.kernel_starts == 0
    assert "specialty" in outcome.error and outcome.notebook is None


def test_client_id_cannot_escape_the_reports_folder(tmp_path):
    with pytest.raises(RatekitError):
        report_dir("../evil", tmp_path)
    assert render_client("../evil", out=tmp_path).status == "failed"


def _probe_notebook(path):
    """A notebook that reports its kernel and fails the way its client id asks."""
    params = new_code_cell('client_id = ""\nclients_root = ""\noutput_dir = ""')
    params.metadata["tags"] = ["parameters"]
    probe = new_code_cell(
        "import os, time\n"
        "import numpy, ratekit\n"
        "seen = getattr(ratekit, '_probe_client', None)\n"
        "ratekit._probe_client = client_id\n"
        "print('pid', os.getpid(), 'random', numpy.random.randint(2**30))\n"
        "assert seen is None, f'this kernel already ran {seen}'\n"
        "if client_id == 'slow':\n"
        "    time.sleep(60)\n"
        "if client_id == 'dies':\n"
        "    os._exit(3)\n"
        "if client_id == 'raises':\n"
        "    raise ValueError('boom in the notebook')\n")
    nb = new_notebook(cells=[params, probe])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _probe_output(out, client_id) -> dict:
    nb = nbformat.read(out / client_id / "client_report.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    words = text.split()
    return {"pid": int(words[words.index("pid") + 1]), "random": int(words[words.index("random") + 1])}


@pytest.mark.parametrize("preload", [True, False], ids=["forked-kernels", "plain-kernels"])
def test_each_client_gets_a_fresh_kernel_and_a_timeout_or_dead_kernel_fails_only_its_client(tmp_path, preload):
    for client_id in ("a", "b", "c", "d", "slow", "dies", "raises"):
        write_client(tmp_path, client_id)
    notebook = _probe_notebook(tmp_path / "probe.ipynb")
    out = tmp_path / "out"
    result = render_clients(None, root=tmp_path, out=out, notebook=notebook, jobs=3, timeout=4,
                            preload=preload, progress=False)
    status = {c.client_id: c for c in result.clients}
    assert sorted(result.failed) == ["dies", "raises", "slow"]
    assert "longer than the 4 s timeout" in status["slow"].error
    assert "kernel died" in status["dies"].error
    # a notebook error keeps the partial notebook with the error for the analyst
    nb = nbformat.read(status["raises"].notebook, as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors and errors[0]["evalue"] == "boom in the notebook"
    assert "ValueError: boom in the notebook" in status["raises"].error
    assert not (out / "raises" / "client_report.html").exists()
    for client_id in ("slow", "dies"):
        nb = nbformat.read(out / client_id / "client_report.ipynb", as_version=4)
        assert nb.cells[0].source.startswith('<span style="color:red">**ratekit render failed:**')
        assert not (out / client_id / "client_report.html").exists()
    fresh = [_probe_output(out, c) for c in "abcd"]  # each asserted no earlier client ran in its kernel
    assert len({p["pid"] for p in fresh}) == 4 and os.getpid() not in {p["pid"] for p in fresh}
    assert len({p["random"] for p in fresh}) == 4  # not one inherited random state
    assert all(status[c].status == "ok" and status[c].kernel_starts == 1 for c in "abcd")


def test_a_kernel_that_fails_to_start_is_retried_once(tmp_path, monkeypatch):
    write_client(tmp_path, "tiny")
    notebook = _probe_notebook(tmp_path / "probe.ipynb")
    real_start, calls = kernels._start, []

    def flaky(km, **kwargs):
        calls.append(km)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return real_start(km, **kwargs)

    monkeypatch.setattr(kernels, "_start", flaky)
    outcome = render_client("tiny", root=tmp_path, out=tmp_path / "out", notebook=notebook)
    assert outcome.status == "ok" and outcome.kernel_starts == 2 and len(calls) == 2


def test_a_kernel_that_never_starts_fails_its_client_only(tmp_path, monkeypatch):
    for client_id in ("one", "two"):
        write_client(tmp_path, client_id)

    def broken(km, **kwargs):
        raise TimeoutError("the kernel did not answer within 60 s")

    monkeypatch.setattr(kernels, "_start", broken)
    result = render_clients(None, root=tmp_path, out=tmp_path / "out", progress=False, preload=False)
    for outcome in result.clients:
        assert outcome.status == "failed" and outcome.kernel_starts == 2
        assert outcome.error == "the kernel failed to start (2 attempts): TimeoutError: the kernel did not answer " \
                                "within 60 s"
        assert outcome.notebook is None and outcome.html is None


def test_rendering_a_subset_keeps_the_other_clients_in_the_manifest(tmp_path):
    write_client(tmp_path, "one")
    write_client(tmp_path, "two")
    notebook = _probe_notebook(tmp_path / "probe.ipynb")
    out = tmp_path / "out"
    render_clients(None, root=tmp_path, out=out, notebook=notebook, progress=False)
    first = json.loads((out / "manifest.json").read_text())
    render_clients(["two"], root=tmp_path, out=out, notebook=notebook, progress=False)
    second = json.loads((out / "manifest.json").read_text())
    assert second["one"] == first["one"] and second["two"]["status"] == "ok"


def test_a_batch_starts_the_clients_with_most_input_first(tmp_path):
    for name, rows in (("small", 2), ("big", 400), ("middle", 40), ("same", 40)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "utilization.csv").write_text("payer,code,units\n" + "Alpha,99213,1\n" * rows)
    assert largest_first(["small", "middle", "big", "same"], tmp_path) == ["big", "middle", "same", "small"]
    # an unsafe id is not looked for (and fails later with the reason), nor is one with no folder
    assert largest_first(["../small", "nobody", "big"], tmp_path) == ["big", "../small", "nobody"]
