"""The synthetic TiC files say they are synthetic, hold no real identifier, and are valid JSON in every shape."""

from __future__ import annotations

import gzip

import orjson
import pytest

from ratekit.market import _scan, synthetic


def test_npi_check_digit_on_a_published_example():
    # CMS's NPI check-digit example: 123456789 -> check digit 3 (1234567893 is valid)
    assert synthetic._npi_check_digit("123456789") == 3
    assert synthetic.is_valid_npi(1234567893) and not synthetic.is_valid_npi(1234567890)


def test_synthetic_identifiers_are_never_real():
    npis = [synthetic.synthetic_npi(n) for n in range(2000)]
    assert len(set(npis)) == 2000 and not any(synthetic.is_valid_npi(n) for n in npis)
    assert all(str(n).startswith("1") and len(str(n)) == 10 for n in npis)
    assert synthetic.synthetic_ein(42) == "00-0000042"  # the IRS assigns no EIN prefix 00


@pytest.mark.parametrize("shape", ["v1", "v2"])
def test_files_are_valid_and_labelled(tmp_path, shape):
    spec = synthetic.MarketSpec(base_amounts={"99213": 90.0}, n_groups=5, rates_per_item=3, seed=1)
    path = synthetic.write_synthetic_in_network(tmp_path / "f.json.gz", spec, shape=shape, references_at="end")
    doc = orjson.loads(gzip.decompress(path.read_bytes()))
    assert "synthetic" in doc["reporting_entity_name"] and "synthetic" in doc["plan_name"]
    assert list(doc)[-1] == ("provider_references" if shape == "v2" else "in_network")
    rates = doc["in_network"][0]["negotiated_rates"]
    assert len(rates) == 3
    if shape == "v1":
        assert "provider_groups" in rates[0] and doc["version"] == "1.0.0"
    else:
        assert all(1 <= r <= 5 for r in rates[0]["provider_references"])
        tins = [p["tin"]["value"] for g in doc["provider_references"] for p in g["provider_groups"]]
        assert all(t.startswith("00-") for t in tins)


def test_rates_are_drawn_around_the_base_amount():
    spec = synthetic.MarketSpec(base_amounts={"99213": 100.0}, multiple=1.5, spread=0.1, rates_per_item=400,
                                n_groups=20, seed=2)
    _, _, items = synthetic.synthetic_in_network(spec)
    rates = sorted(p["negotiated_rate"] for r in next(items)["negotiated_rates"] for p in r["negotiated_prices"])
    assert 140 < rates[len(rates) // 2] < 160  # median about 100 x 1.5


def test_index_and_reference_files(tmp_path):
    toc = synthetic.write_table_of_contents(tmp_path / "toc.json", reporting_entity_name="X (synthetic)", structures=[
        {"reporting_plans": [{"plan_name": "p"}], "in_network_files": [{"description": "d", "location": "a.json"}]}])
    assert orjson.loads(toc.read_bytes())["reporting_structure"][0]["in_network_files"][0]["location"] == "a.json"
    ref = synthetic.write_provider_reference_file(tmp_path / "r.json",
                                                  [{"npi": [synthetic.synthetic_npi(1)], "tin": {"type": "ein",
                                                                                               "value": "00-1"}}])
    assert orjson.loads(ref.read_bytes())["version"] == "1.4.0"


def test_large_items_are_what_the_scanner_reads(tmp_path):
    items = list(synthetic.large_items({"99213": 100.0, "99214": 150.0}, n_groups=50, rates_per_item=20,
                                       refs_per_rate=5))
    refs = list(synthetic.large_references(50))
    path = synthetic.write_in_network(tmp_path / "big.json", header={"version": "2.0.0"}, items=items,
                                      references=refs)
    doc = orjson.loads(path.read_bytes())
    assert [i["billing_code"] for i in doc["in_network"]] == ["99213", "99214"]
    assert len(doc["provider_references"]) == 50
    assert all(len(r["provider_references"]) == 5 for r in doc["in_network"][0]["negotiated_rates"])


def test_depth_scan_resumes_across_windows():
    text = b'{"a": "x\\"}]", "b": [1, {"c": "\\\\"}], "d": "{["} tail'
    end = text.index(b" tail")
    assert _scan.depth_scan(text, 0, len(text), [0, 0, False]) == end
    for window in (1, 2, 3, 5, 8):
        state, pos, found = [0, 0, False], 0, -1
        while found < 0:
            found = _scan.depth_scan(text, pos, min(pos + window, len(text)), state)
            pos += window
        assert found == end, window
