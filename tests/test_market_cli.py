"""``ratekit market ingest`` / ``summarize``: the arguments reach the library, and a real run on CMS's example."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from ratekit import cli, config
from ratekit.market import client_link, ingest, summarize, synthetic

V2 = Path(__file__).parent / "data" / "tic" / "v2.2.0"


def test_ingest_arguments_reach_ingest(monkeypatch, capsys):
    seen = {}

    def fake(files, out, **kw):
        seen.update(files=files, out=out, **kw)
        return SimpleNamespace(ok=False, text=lambda: "report")

    monkeypatch.setattr("ratekit.market.ingest.ingest", fake)
    code = cli.main(["market", "ingest", "a.json.gz", "b.json", "--codes", "99213", "99214", "--npi-file", "n.txt",
                     "--tin", "00-1", "--network", "PPO", "--billing-class", "both", "--as-of", "2025-07-01",
                     "--validate", "--out", "o"])
    assert code == 1 and capsys.readouterr().out.strip() == "report"
    assert seen == {"files": [Path("a.json.gz"), Path("b.json")], "out": Path("o"), "codes": ["99213", "99214"],
                    "client": None, "npi_file": Path("n.txt"), "tins": ["00-1"], "networks": ["PPO"],
                    "billing_class": "both", "as_of": "2025-07-01", "validate": True}


def test_ingest_needs_codes_or_a_client(capsys):
    with pytest.raises(SystemExit):
        cli.main(["market", "ingest", "a.json", "--out", "o"])
    assert "--client" in capsys.readouterr().err


def test_summarize_arguments_reach_summarize(monkeypatch, capsys):
    seen = {}
    table = pd.DataFrame({c: [] for c in summarize.SUMMARY_COLUMNS})

    def fake(folder, **kw):
        seen.update(folder=folder, **kw)
        return table

    monkeypatch.setattr("ratekit.market.summarize.summarize", fake)
    assert cli.main(["market", "summarize", "d", "--locality", "01112-05", "--release", "2025D", "--nppes", "n.csv",
                     "--specialty", "dermatology", "--state", "CA", "--include-outliers"]) == 0
    assert seen == {"folder": Path("d"), "client": None, "locality_id": "01112-05", "release": "2025D",
                    "nppes": Path("n.csv"), "specialty": "dermatology", "state": "CA", "zip3": None,
                    "place": "state", "include_outliers": True}
    assert capsys.readouterr().out.startswith("payer,billing_code,modifier,setting,n_tins")


def test_a_real_run_on_the_cms_example(tmp_path, capsys):
    out = tmp_path / "market"
    assert cli.main(["market", "ingest", str(V2 / "in-network-rates-fee-for-service-single-plan-sample.json"),
                     "--codes", "27447", "--as-of", "2021-06-01", "--out", str(out)]) == 0
    assert "2 prices kept" in capsys.readouterr().out
    assert cli.main(["market", "summarize", str(out), "--locality", "01112-05", "--release", "2025D",
                     "--csv", str(tmp_path / "s.csv")]) == 0
    table = pd.read_csv(tmp_path / "s.csv", dtype={"billing_code": str, "modifier": str}, keep_default_na=False)
    assert set(table["billing_code"]) == {"27447"}


def test_bad_input_exits_nonzero_without_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert cli.main(["market", "ingest", str(bad), "--codes", "99213", "--out", str(tmp_path / "o")]) == 1
    captured = capsys.readouterr()
    assert "failed: bad.json" in captured.out and "Traceback" not in captured.out + captured.err
    assert cli.main(["market", "summarize", str(tmp_path / "nothing"), "--locality", "01112-05",
                     "--release", "2025D"]) == 2
    assert "no such folder" in capsys.readouterr().err


@pytest.fixture(scope="module")
def sample_client(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("clients")
    return Path(shutil.copytree(config.SAMPLE_CLIENTS_DIR / "springfield-family-medicine",
                                root / "springfield-family-medicine"))


def test_client_market_reads_codes_place_and_rates(sample_client):
    c = client_link.client_market(sample_client)
    assert c.client_id == "springfield-family-medicine" and c.specialty == "family_medicine"
    assert (c.state, c.zip_code, c.release) == ("IL", "62704", "2026C")  # the sample benchmarks on 2026
    assert "99213" in c.codes and c.codes == sorted(c.codes)
    assert {"payer", "hcpcs", "modifier", "setting", "rate"} <= set(c.rates.columns)


def test_ingest_and_summarize_with_a_client(sample_client, tmp_path):
    c = client_link.client_market(sample_client)
    spec = synthetic.MarketSpec(base_amounts={code: 100.0 for code in c.codes[:3]} | {"00001": 5.0}, n_groups=6,
                                rates_per_item=4, seed=4)
    path = synthetic.write_synthetic_in_network(tmp_path / "payer.json", spec)
    report = ingest.ingest([path], tmp_path / "out", client=sample_client)
    assert report.ok and report.results[0].manifest["items_kept"] == 3  # not the code the client lacks
    table = summarize.summarize(tmp_path / "out", client=sample_client)
    assert set(table["billing_code"]) == set(c.codes[:3])
    assert f"Medicare: PFS release 2026C, locality {c.locality_id}" in table.attrs["notes"]
    with pytest.raises(ingest.RatekitError, match="not both"):
        ingest.ingest([path], tmp_path / "o2", client=sample_client, codes=["99213"])


def test_a_folder_without_client_yaml(tmp_path):
    with pytest.raises(ingest.RatekitError, match="not a client folder"):
        client_link.client_market(tmp_path)
