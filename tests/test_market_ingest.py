"""Ingesting TiC in-network files: CMS's examples (counted by hand), layouts, filters, bad input."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import orjson
import pyarrow.parquet as pq
import pytest

from ratekit.market import _scan, ingest, synthetic

TIC = Path(__file__).parent / "data" / "tic"
V1, V2 = TIC / "v1.6.2", TIC / "v2.2.0"
BEFORE_EXPIRY = "2021-06-01"  # every CMS example price expires 2022-01-01


def rates(dataset: Path) -> list[dict]:
    return pq.read_table(dataset / "rates.parquet").to_pylist()


def providers(dataset: Path) -> list[dict]:
    return pq.read_table(dataset / "providers.parquet").to_pylist()


def one(path, out, **kw) -> ingest.FileResult:
    report = ingest.ingest([path], out, **kw)
    assert len(report.results) == 1
    return report.results[0]


def resolved(dataset: Path) -> set[tuple]:
    """(code, modifier, setting, rate, tin, npi) of every price and provider it applies to."""
    con = duckdb.connect()
    return set(con.execute(f"""
        WITH r AS (SELECT billing_code, modifier, setting, negotiated_rate, unnest(provider_group_ids) AS gid
                   FROM read_parquet('{dataset / "rates.parquet"}'))
        SELECT r.billing_code, r.modifier, r.setting, r.negotiated_rate, p.tin_value, p.npi
        FROM r JOIN read_parquet('{dataset / "providers.parquet"}') p ON p.provider_group_id = r.gid""").fetchall())


# --- CMS's official examples, counted by hand from the JSON -----------------------------------------

def test_cms_v2_fee_for_service_example(tmp_path):
    # in-network-rates-fee-for-service-single-plan-sample.json (v2.2.0): 27447 has 123.45 professional (modifier
    # AS, POS 18/19/11), 1230.45 institutional, 120.45 professional (POS 05/06/07); 27448 has 12003.45
    # professional (CSTM-00) and 12.45 institutional: 5 prices, 3 professional. Every one applies to group 1.
    r = one(V2 / "in-network-rates-fee-for-service-single-plan-sample.json", tmp_path, codes=["27447", "27448"],
            as_of=BEFORE_EXPIRY)
    assert r.status == "ok"
    m = r.manifest
    assert (m["items_scanned"], m["items_kept"], m["prices_scanned"], m["rates_kept"]) == (2, 2, 5, 3)
    assert m["dropped"]["billing_class"] == 2
    got = sorted((x["billing_code"], x["modifier"], x["service_codes"], x["setting"], x["negotiated_rate"],
                  x["provider_group_ids"]) for x in rates(r.dataset))
    assert got == [("27447", "", "05,06,07", "nonfacility", 120.45, [1]),
                   ("27447", "AS", "18,19,11", "", 123.45, [1]),  # 19 is a facility POS, 11 and 18 are not: both
                   ("27448", "", "CSTM-00", "", 12003.45, [1])]
    # provider_references: group 1 = 2 TINs x 5 NPIs, group 2 = 1 TIN x 5 NPIs
    rows = providers(r.dataset)
    assert len(rows) == 15
    assert {(x["provider_group_id"], x["tin_value"], x["business_name"]) for x in rows} == {
        (1, "11-1111111", "ACME Provider Group"), (1, "22-2222222", "Midland Medical Group"),
        (2, "22-2222222", "Midland Medical Group")}
    assert {x["network_names"] for x in rows if x["provider_group_id"] == 2} == {"ACME Choice Provider Group Plus"}
    assert m["header"]["reporting_entity_name"] == "medicare" and m["provider_references_at"] == "start"
    assert m["version_field"] == "2.0.0"

    both = one(V2 / "in-network-rates-fee-for-service-single-plan-sample.json", tmp_path / "b", codes=["27447"],
               as_of=BEFORE_EXPIRY, billing_class="both")
    assert both.manifest["rates_kept"] == 3  # 27447's three prices, the institutional one too


def test_cms_v1_fee_for_service_example_with_inline_groups_and_a_location(tmp_path):
    # v1.6.2 sample: 27447's first rate (inline groups 11-1111111 and 22-2222222) has 123.45 professional and
    # 1230.45 institutional; its second (inline 22-2222222 with NPIs 6666666666-9999999999) 120.45
    # professional; 27448: 12003.45 professional for group 1 (provider_references), 12.45 institutional for
    # the inline TIN npi 6666666666. Group 2 is a provider-reference file by URL, absent here.
    path = V1 / "in-network-rates-fee-for-service-single-plan-sample.json"
    r = one(path, tmp_path, codes=["27447", "27448"], as_of=BEFORE_EXPIRY, billing_class="both")
    m = r.manifest
    assert (m["items_kept"], m["prices_scanned"], m["rates_kept"]) == (2, 5, 5)
    assert m["inline_provider_groups"] == 3 and m["reference_files"] == 0
    assert any("some_provider_group.json" in w and "not on disk" in w for w in m["warnings"])
    got = resolved(r.dataset)
    assert ("27447", "", "nonfacility", 120.45, "22-2222222", 9999999999) in got
    assert ("27448", "", "", 12003.45, "11-1111111", 1111111111) in got
    assert ("27448", "", "", 12.45, "6666666666", 6666666666) in got  # tin type npi
    professional = one(path, tmp_path / "p", codes=["27447", "27448"], as_of=BEFORE_EXPIRY)
    assert professional.manifest["rates_kept"] == 3


def test_v1_provider_reference_file_is_read_from_beside_the_in_network_file(tmp_path):
    shutil.copy(V1 / "in-network-rates-fee-for-service-single-plan-sample.json", tmp_path / "in.json")
    # the location https://www.cms.gov/some_provider_group.json, downloaded next to the file
    shutil.copy(V1 / "provider-reference.json", tmp_path / "some_provider_group.json")
    r = one(tmp_path / "in.json", tmp_path / "out", codes=["27448"], as_of=BEFORE_EXPIRY)
    assert r.manifest["reference_files"] == 1
    group2 = [x for x in providers(r.dataset) if x["provider_group_id"] == 2]
    # provider-reference.json: NPIs 1111111111 and 2222222222, both under TIN 22-2222222
    assert sorted((x["tin_value"], x["npi"]) for x in group2) == [("22-2222222", 1111111111),
                                                                  ("22-2222222", 2222222222)]


@pytest.mark.parametrize("folder", [V1, V2])
def test_cms_bundle_and_capitation_examples(tmp_path, folder):
    # bundle: ICD 81.54 with 20000.00 and 25000.00, both professional; capitation: CPT 27447 with 20000.00
    # institutional and 25000.00 professional
    bundle = one(folder / "in-network-rates-bundle-single-plan-sample.json", tmp_path / "b", codes=["81.54"],
                 as_of=BEFORE_EXPIRY)
    assert sorted(x["negotiated_rate"] for x in rates(bundle.dataset)) == [20000.0, 25000.0]
    assert {x["negotiation_arrangement"] for x in rates(bundle.dataset)} == {"bundle"}
    cap = one(folder / "in-network-rates-capitation-single-plan-sample.json", tmp_path / "c", codes=["27447"],
              as_of=BEFORE_EXPIRY)
    assert [(x["negotiated_rate"], x["billing_class"]) for x in rates(cap.dataset)] == [(25000.0, "professional")]
    both = one(folder / "in-network-rates-capitation-single-plan-sample.json", tmp_path / "d", codes=["27447"],
               as_of=BEFORE_EXPIRY, billing_class="both")
    assert both.manifest["rates_kept"] == 2


def test_bundled_codes_are_not_mistaken_for_the_item_code(tmp_path):
    # the bundle's own code is ICD 81.54; 27447 and 27446 are only its bundled codes
    r = one(V2 / "in-network-rates-bundle-single-plan-sample.json", tmp_path, codes=["27447"], as_of=BEFORE_EXPIRY)
    assert r.manifest["items_kept"] == 0 and r.manifest["rates_kept"] == 0


def test_expired_prices_are_dropped_and_counted(tmp_path):
    # as of today every CMS example price (expiring 2022-01-01) is gone: 2 institutional first, then 3 expired
    r = one(V2 / "in-network-rates-fee-for-service-single-plan-sample.json", tmp_path, codes=["27447", "27448"])
    assert r.status == "ok"
    assert r.manifest["dropped"]["billing_class"] == 2 and r.manifest["dropped"]["expired"] == 3
    assert r.manifest["rates_kept"] == 0
    assert pq.read_table(r.dataset / "rates.parquet").num_rows == 0


@pytest.mark.parametrize("folder", [V1, V2])
def test_index_files_list_their_in_network_files(tmp_path, folder):
    r = one(folder / "table-of-contents-sample.json", tmp_path, codes=["99213"])
    assert r.status == "index" and r.dataset is None
    assert [f["location"] for f in r.in_network_files] == [
        "https://www.some_site.com/files/in-network-file-123456.json",
        "https://www.some_site.com/files/behavioral-health-0000.json",
        "https://www.some_site.com/files/chip-in-network-file.json"]
    assert r.in_network_files[0]["plans"] == ["medicaid", "medicare"]
    assert not any(p.is_dir() for p in tmp_path.iterdir())


def test_a_provider_reference_file_is_not_an_in_network_file(tmp_path):
    r = one(V1 / "provider-reference.json", tmp_path, codes=["99213"])
    assert r.status == "failed"
    assert "provider-reference file" in str(r.problems[0])


# --- layouts: the same market whatever the shape ----------------------------------------------------

SPEC = synthetic.MarketSpec(base_amounts={"99213": 90.0, "99214": 125.0, "93000": 17.0, "11102": 120.0},
                            modifiers={"93000": ["26", "TC"]}, n_groups=12, rates_per_item=6, refs_per_rate=3,
                            professional_share=0.8, seed=3)


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("layouts")
    out = {}
    for name, kw in {"v2-start.json.gz": {"references_at": "start"}, "v2-end.json": {"references_at": "end"},
                     "v2-pretty.json": {"pretty": True}, "v1-inline.json.gz": {"shape": "v1"}}.items():
        out[name] = synthetic.write_synthetic_in_network(folder / name, SPEC, **kw)
    return out


def test_every_layout_gives_the_same_prices_and_providers(tmp_path, layouts):
    results = {name: one(path, tmp_path / name, codes=["99213", "93000"]) for name, path in layouts.items()}
    sets = {name: resolved(r.dataset) for name, r in results.items()}
    reference = sets["v2-start.json.gz"]
    assert len(reference) > 20
    for name, got in sets.items():
        assert got == reference, name
    assert results["v2-end.json"].manifest["provider_references_at"] == "end"
    assert results["v2-end.json"].manifest["spooled_items"] == 2  # the two kept items waited for the references
    assert results["v2-start.json.gz"].manifest["spooled_items"] == 0
    assert results["v1-inline.json.gz"].manifest["provider_references_at"] == "none"
    # 93000 has global, 26 and TC prices
    assert {c[1] for c in reference if c[0] == "93000"} == {"", "26", "TC"}


def test_tiny_chunks_exercise_the_exact_scanner_and_give_the_same_result(tmp_path, layouts, monkeypatch):
    expected = {name: resolved(one(p, tmp_path / f"a-{name}", codes=["99214", "11102"]).dataset)
                for name, p in layouts.items()}
    monkeypatch.setattr(_scan, "CHUNK", 97)  # items span many chunks
    monkeypatch.setattr(_scan, "LOOKAHEAD", 300)  # and are longer than the look-ahead: exact scan
    for name, path in layouts.items():
        r = one(path, tmp_path / f"b-{name}", codes=["99214", "11102"])
        assert resolved(r.dataset) == expected[name], name


def _item(code: str, rate: float, *, first: str = "negotiation_arrangement", extra: dict | None = None,
          gid: int = 1, **price) -> dict:
    item = {"negotiation_arrangement": "ffs", "name": f"x {code}", "billing_code_type": "CPT",
            "billing_code_type_version": "2025", "billing_code": code, "description": "synthetic",
            "negotiated_rates": [{"provider_references": [gid], "negotiated_prices": [
                {"negotiated_type": "negotiated", "negotiated_rate": rate, "expiration_date": "9999-12-31",
                 "service_code": ["11"], "billing_class": "professional", **price}]}]}
    item.update(extra or {})
    order = [first] + [k for k in item if k != first]
    return {k: item[k] for k in order}


def _refs(*groups) -> list[dict]:
    return [{"provider_group_id": gid, "network_name": ["Synthetic PPO"],
             "provider_groups": [{"npi": npis, "tin": {"type": "ein", "value": tin}}]} for gid, tin, npis in groups]


HEADER = {"reporting_entity_name": "Test Payer (synthetic)", "reporting_entity_type": "health insurance issuer",
          "last_updated_on": "2025-06-01", "version": "2.0.0"}
NPI_A, NPI_B = synthetic.synthetic_npi(1), synthetic.synthetic_npi(2)


def write(path: Path, items, refs=None, **kw) -> Path:
    return synthetic.write_in_network(path, header=HEADER, items=items, references=refs, **kw)


def test_escaped_quotes_and_brackets_in_strings_are_not_structure(tmp_path, monkeypatch):
    tricky = 'a \\"quoted\\" {brace} [bracket] \\\\'
    items = [_item("99213", 100.0, extra={"name": json.loads(f'"{tricky}"')}), _item("99214", 150.0)]
    path = write(tmp_path / "t.json", items, _refs((1, "00-0000001", [NPI_A])), references_at="end")
    monkeypatch.setattr(_scan, "CHUNK", 7)
    monkeypatch.setattr(_scan, "LOOKAHEAD", 16)
    r = one(path, tmp_path / "o", codes=["99213", "99214"])
    assert sorted(x["negotiated_rate"] for x in rates(r.dataset)) == [100.0, 150.0]


def test_items_whose_first_key_is_billing_code_with_a_bundle_in_between(tmp_path):
    bundle = _item("81.54", 500.0, first="billing_code", extra={
        "negotiation_arrangement": "bundle",
        "bundled_codes": [{"billing_code": "99213", "billing_code_type": "CPT", "billing_code_type_version": "2025",
                           "description": ""}]})
    bundle = {"billing_code": "81.54", "bundled_codes": bundle.pop("bundled_codes"), **bundle}
    items = [_item("99214", 150.0, first="billing_code"), bundle, _item("99213", 100.0, first="billing_code")]
    path = write(tmp_path / "t.json", items, _refs((1, "00-0000001", [NPI_A])))
    r = one(path, tmp_path / "o", codes=["99213"])
    assert [(x["billing_code"], x["negotiated_rate"]) for x in rates(r.dataset)] == [("99213", 100.0)]
    assert r.manifest["items_scanned"] == 3


def test_items_with_different_first_keys_are_all_found(tmp_path):
    items = [_item("99213", 100.0), _item("99214", 150.0, first="name"), _item("99215", 200.0)]
    path = write(tmp_path / "t.json", items, _refs((1, "00-0000001", [NPI_A])))
    r = one(path, tmp_path / "o", codes=["99213", "99214", "99215"])
    assert sorted(x["negotiated_rate"] for x in rates(r.dataset)) == [100.0, 150.0, 200.0]


# --- what is kept -----------------------------------------------------------------------------------

def test_filters_by_npi_tin_network_and_billing_class(tmp_path):
    refs = _refs((1, "00-0000001", [NPI_A]), (2, "00-0000002", [NPI_B]))
    refs[1]["network_name"] = ["Other HMO"]
    items = [{**_item("99213", 100.0), "negotiated_rates": [
        {"provider_references": [1], "negotiated_prices": [_item("x", 100.0)["negotiated_rates"][0]
                                                           ["negotiated_prices"][0]]},
        {"provider_references": [2], "negotiated_prices": [
            {"negotiated_type": "negotiated", "negotiated_rate": 90.0, "expiration_date": "9999-12-31",
             "service_code": ["11"], "billing_class": "professional"},
            {"negotiated_type": "negotiated", "negotiated_rate": 900.0, "expiration_date": "9999-12-31",
             "billing_class": "institutional"}]}]}]
    path = write(tmp_path / "t.json", items, refs)
    npi_file = tmp_path / "npis.csv"
    npi_file.write_text(f"NPI,name\n\"{NPI_B}\",x\n")

    def kept(**kw):
        r = one(path, tmp_path / f"o{len(list(tmp_path.iterdir()))}", codes=["99213"], **kw)
        return sorted(x["negotiated_rate"] for x in rates(r.dataset)), r.manifest["dropped"]

    assert kept()[0] == [90.0, 100.0]
    assert kept(billing_class="both")[0] == [90.0, 100.0, 900.0]
    got, dropped = kept(npi_file=npi_file)
    assert got == [90.0] and dropped["provider_filter"] == 1
    assert kept(tins=["000000001"])[0] == [100.0]  # TINs compared without the dash
    assert kept(networks=["other hmo"])[0] == [90.0]


def test_cstm_00_is_kept_for_any_codes_and_percentages_are_flagged(tmp_path):
    items = [_item("CSTM-00", 40.5, negotiated_type="percentage", service_code=["CSTM-00"]),
             _item("99213", 300.0, negotiated_type="per diem"), _item("99214", 120.0, negotiated_type="fee schedule")]
    path = write(tmp_path / "t.json", items, _refs((1, "00-0000001", [NPI_A])))
    r = one(path, tmp_path / "o", codes=["99213", "99214"])
    got = sorted((x["billing_code"], x["rate_kind"], x["negotiated_rate"], x["setting"]) for x in rates(r.dataset))
    assert got == [("99213", "per_diem", 300.0, "nonfacility"), ("99214", "dollar", 120.0, "nonfacility"),
                   ("CSTM-00", "percentage", 40.5, "")]


def test_quoted_npis_placeholder_zero_and_tin_zero(tmp_path):
    refs = [{"provider_group_id": 1, "provider_groups": [
        {"npi": [str(NPI_A), 0, NPI_A], "tin": {"type": "ein", "value": "00-0000001"}},
        {"npi": [0], "tin": {"type": "ein", "value": "00-0000002"}},
        {"npi": [NPI_B], "tin": {"type": "ein", "value": "0"}}]}]
    path = write(tmp_path / "t.json", [_item("99213", 100.0)], refs)
    r = one(path, tmp_path / "o", codes=["99213"])
    got = sorted(((x["tin_value"] or ""), x["npi"] or 0) for x in providers(r.dataset))
    # the quoted NPI is a number, listed once; 0 is a TIN-level row; tin "0" is no TIN
    assert got == [("", NPI_B), ("00-0000001", 0), ("00-0000001", NPI_A), ("00-0000002", 0)]
    tin_warning = [str(p) for p in r.problems if "tin.value" in str(p)]
    assert tin_warning and "provider_references item 0 (byte " in tin_warning[0]
    assert str(tmp_path / "t.json") in tin_warning[0]


def test_arrow_and_python_reference_paths_agree(tmp_path):
    # numbers only: pyarrow's reader; one quoted NPI in the batch: every item the Python way
    groups = [(1, "00-0000001", [NPI_A, 0]), (2, "0", [NPI_B]), (3, "00-0000003", [])]
    plain = write(tmp_path / "plain.json", [_item("99213", 100.0, gid=g) for g in (1, 2, 3)], _refs(*groups))
    quoted_refs = _refs(*groups) + [{"provider_group_id": 4, "provider_groups": [
        {"npi": [str(synthetic.synthetic_npi(9))], "tin": {"type": "ein", "value": "00-0000004"}}]}]
    quoted = write(tmp_path / "quoted.json", [_item("99213", 100.0, gid=g) for g in (1, 2, 3)], quoted_refs)
    a = one(plain, tmp_path / "a", codes=["99213"])
    b = one(quoted, tmp_path / "b", codes=["99213"])
    rows_a = sorted(str(tuple(x.values())) for x in providers(a.dataset))
    rows_b = sorted(str(tuple(x.values())) for x in providers(b.dataset) if x["provider_group_id"] != 4)
    assert len(rows_a) == 4  # NPI_A, a TIN-level row (npi 0), NPI_B without a TIN, group 3's TIN-level row
    assert rows_a == rows_b
    assert a.manifest["warning_counts"] == b.manifest["warning_counts"] == {"tin_zero": 1}


# --- bad input --------------------------------------------------------------------------------------

def test_negative_and_zero_rates_are_dropped_with_their_position(tmp_path):
    path = write(tmp_path / "t.json", [_item("99213", 100.0), _item("99214", -5.0), _item("99215", 0)],
                 _refs((1, "00-0000001", [NPI_A])))
    r = one(path, tmp_path / "o", codes=["99213", "99214", "99215"])
    assert r.status == "ok" and r.manifest["dropped"]["rate_not_positive"] == 2
    text = [str(p) for p in r.problems if "not positive" in str(p)]
    data = path.read_bytes()
    offset = data.index(b'{"negotiation_arrangement":"ffs","name":"x 99214"')
    assert f"in_network item 1 (byte {offset:,} of the JSON), code 99214: negotiated_rate -5" in text[0]


def test_truncated_gzip_fails_cleanly_and_other_files_still_ingest(tmp_path, layouts):
    whole = layouts["v2-start.json.gz"].read_bytes()
    cut = tmp_path / "cut.json.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    report = ingest.ingest([cut, layouts["v2-end.json"]], tmp_path / "o", codes=["99213"])
    bad, good = report.results
    assert not report.ok and bad.status == "failed" and good.status == "ok"
    message = str(bad.problems[0])
    assert str(cut) in message and "truncated" in message and "at byte" in message
    assert not (tmp_path / "o" / "cut").exists()
    assert json.loads((tmp_path / "o" / "cut.failed.json").read_text())["status"] == "failed"
    assert not [p for p in (tmp_path / "o").iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_a_failed_file_removes_an_earlier_dataset_of_the_same_name(tmp_path, layouts):
    src = tmp_path / "payer.json"
    shutil.copy(layouts["v2-end.json"], src)
    assert one(src, tmp_path / "o", codes=["99213"]).status == "ok"
    src.write_bytes(src.read_bytes()[:-200])
    assert one(src, tmp_path / "o", codes=["99213"]).status == "failed"
    assert not (tmp_path / "o" / "payer").exists()


def test_invalid_json_inside_a_kept_item_names_the_item_and_byte(tmp_path):
    path = write(tmp_path / "t.json", [_item("99214", 150.0), _item("99213", 100.0)],
                 _refs((1, "00-0000001", [NPI_A])))
    data = path.read_bytes().replace(b'"negotiated_rate":100.0', b'"negotiated_rate":1O0.0')
    path.write_bytes(data)
    r = one(path, tmp_path / "o", codes=["99213"])
    assert r.status == "failed"
    message = str(r.problems[0])
    assert "invalid JSON in in_network item 1" in message
    position = int(message.split("at byte ")[1].split(" ")[0].replace(",", ""))
    assert data[position - 2: position + 3] in (b"1O0.0", b":1O0.", b'":1O0')  # points at the bad number


def test_broken_structure_between_items_is_found_without_validate(tmp_path):
    path = write(tmp_path / "t.json", [_item("99214", 150.0), _item("99215", 1.0), _item("99213", 100.0)],
                 _refs((1, "00-0000001", [NPI_A])))
    data = path.read_bytes()
    second = data.index(b'{"negotiation_arrangement":"ffs","name":"x 99215"')
    path.write_bytes(data[:second - 1] + data[second:])  # the comma before item 1 is gone
    r = one(path, tmp_path / "o", codes=["99213"])
    assert r.status == "failed"
    assert "expected ',' or ']' after in_network item 0" in str(r.problems[0])
    assert f"at byte {second - 1:,}" in str(r.problems[0])


def test_invalid_json_inside_a_skipped_item_needs_validate(tmp_path):
    path = write(tmp_path / "t.json", [_item("99214", 150.0), _item("99213", 100.0)],
                 _refs((1, "00-0000001", [NPI_A])))
    path.write_bytes(path.read_bytes().replace(b'"negotiated_rate":150.0', b'"negotiated_rate":15#.0'))
    assert one(path, tmp_path / "fast", codes=["99213"]).status == "ok"  # skipped bytes are not parsed
    checked = one(path, tmp_path / "checked", codes=["99213"], validate=True)
    assert checked.status == "failed" and "invalid JSON in in_network item 0" in str(checked.problems[0])


@pytest.mark.parametrize("content, words", [
    (b'{"foo": 1, "bar": [1, 2]}', "no in_network array (keys: foo, bar)"),
    (b"[1, 2, 3]", "a JSON array"),
    (b"hello, world", "not JSON"),
    (b"", "empty"),
    (b'{"reporting_entity_name": "x", "out_of_network": []}', "allowed-amounts"),
    (b'{"in_network": {"billing_code": "99213"}}', "in_network is not an array"),
])
def test_files_that_are_not_in_network_files(tmp_path, content, words):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    r = one(path, tmp_path / "o", codes=["99213"])
    assert r.status == "failed" and words in str(r.problems[0]) and str(path) in str(r.problems[0])


def test_gzip_found_by_its_bytes_not_its_name(tmp_path, layouts):
    plain = layouts["v2-end.json"]
    hidden = tmp_path / "payer.json"
    hidden.write_bytes(gzip.compress(plain.read_bytes()))
    assert resolved(one(hidden, tmp_path / "a", codes=["99213"]).dataset) == \
        resolved(one(plain, tmp_path / "b", codes=["99213"]).dataset)


def test_no_matching_codes_is_an_empty_dataset_with_a_warning(tmp_path, layouts):
    r = one(layouts["v2-start.json.gz"], tmp_path, codes=["00000"])
    assert r.status == "ok" and r.manifest["items_kept"] == 0 and r.manifest["items_scanned"] == 4
    assert any("no in_network item matched" in str(p) for p in r.problems)


def test_a_crash_mid_file_leaves_no_dataset(tmp_path, layouts, monkeypatch):
    def boom(self, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest._File, "_replay", boom)
    with pytest.raises(KeyboardInterrupt):
        ingest.ingest([layouts["v2-end.json"]], tmp_path, codes=["99213"])
    assert list(tmp_path.iterdir()) == []


def test_manifest_counts_and_dataset_names(tmp_path, layouts):
    report = ingest.ingest([layouts["v2-end.json"], layouts["v2-end.json"]], tmp_path, codes=["99213"])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["v2-end", "v2-end-2"]
    m = json.loads((tmp_path / "v2-end" / "manifest.json").read_text())
    assert m["bytes"] == layouts["v2-end.json"].stat().st_size == m["json_bytes"]
    assert set(m) >= {"items_scanned", "items_kept", "rates_kept", "dropped", "seconds", "filters", "header"}
    assert m["rates_kept"] == pq.read_table(tmp_path / "v2-end" / "rates.parquet").num_rows > 0
    assert "ok: v2-end.json" in report.text()


def test_read_npi_file_forms_and_errors(tmp_path):
    f = tmp_path / "n.txt"
    f.write_text(f"{NPI_A}\n\n{NPI_B}\n")
    assert ingest.read_npi_file(f) == {NPI_A, NPI_B}
    f.write_text("npi\n123\n")
    with pytest.raises(ingest.RatekitError, match="not a 10-digit NPI"):
        ingest.read_npi_file(f)


def test_setting_from_places_of_service():
    assert ingest._setting(["11"]) == "nonfacility"
    assert ingest._setting(["22", "24"]) == "facility"
    assert ingest._setting(["11", "22"]) == ""
    assert ingest._setting(["CSTM-00"]) == ""
    assert ingest._setting([]) == ""


def test_orjson_item_round_trip_is_what_was_written(tmp_path):
    path = write(tmp_path / "t.json", [_item("99213", 101.25, billing_code_modifier=["tc", "26"])],
                 _refs((1, "00-0000001", [NPI_A])))
    assert orjson.loads(path.read_bytes())["in_network"][0]["billing_code"] == "99213"
    row = rates(one(path, tmp_path / "o", codes=["99213"]).dataset)[0]
    assert row["modifier"] == "26,TC" and row["negotiated_rate"] == 101.25


def test_references_to_missing_groups_and_ids_written_as_strings(tmp_path):
    items = [_item("99213", 100.0, gid=99),  # no group 99 in the file
             {**_item("99214", 150.0), "negotiated_rates": [{"provider_references": ["1", "2"], "negotiated_prices": [
                 _item("x", 150.0)["negotiated_rates"][0]["negotiated_prices"][0]]}]}]
    path = write(tmp_path / "t.json", items, _refs((1, "00-0000001", [NPI_A]), (2, "00-0000002", [NPI_B])))
    r = one(path, tmp_path / "o", codes=["99213", "99214"])
    assert r.manifest["dropped"]["unresolved_reference"] == 1 and r.manifest["unknown_references"] == 1
    assert [(x["billing_code"], x["provider_group_ids"]) for x in rates(r.dataset)] == [("99214", [1, 2])]


def test_an_item_the_fast_decoder_cannot_type_is_read_the_generic_way(tmp_path):
    odd = {**_item("99213", 100.0)}
    odd["negotiated_rates"] = [*odd["negotiated_rates"], "not an object"]
    path = write(tmp_path / "t.json", [odd], _refs((1, "00-0000001", [NPI_A])))
    r = one(path, tmp_path / "o", codes=["99213"])
    assert [x["negotiated_rate"] for x in rates(r.dataset)] == [100.0]
    assert any("a negotiated rate is not an object" in str(p) for p in r.problems)
