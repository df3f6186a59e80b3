"""Tests for ratekit.feeschedules.client_inputs: a whole client read, checked against Medicare, problems collected."""

import pytest

from conftest import write_client
from ratekit.client import load_client
from ratekit.errors import RatekitError
from ratekit.feeschedules import read_client

from .clients import tiny_inputs, utilization_of


def test_rates_and_utilization_through_aliases(tiny_client):
    client = load_client(*tiny_client)
    rates = read_client(client).raise_for_errors().rates
    assert rates[["payer", "hcpcs", "rate"]].values.tolist() == [
        ["Alpha Health", "99213", 120.0], ["Alpha Health", "99214", 170.0],
        ["Beta Care", "99213", 95.0], ["Beta Care", "99214", 130.0]]
    util = utilization_of(client)
    # "AH" is an alias of Alpha Health
    assert util.set_index(["payer", "hcpcs"])["units"].to_dict() == {
        ("Alpha Health", "99213"): 1000, ("Alpha Health", "99214"): 500,
        ("Beta Care", "99213"): 800, ("Beta Care", "99214"): 200}


def test_a_shared_file_with_a_payer_column(tmp_path):
    shared = "Payer,CPT,Fee\nAlpha,99213,120\nBETA CARE,99213,95\nAH,99214,170\nBeta Care,99214,130\nZeta,99213,1\n"
    data = {"payers": [
        {"name": "Alpha Health", "kind": "commercial", "patients": 600, "fee_schedule": "fee_schedules/all.csv",
         "aliases": ["AH", "Alpha"]},
        {"name": "Beta Care", "kind": "medicare_advantage", "patients": 400, "fee_schedule": "fee_schedules/all.csv"}]}
    write_client(tmp_path, fee_schedules={"fee_schedules/all.csv": shared}, yaml_data=data)
    inputs = read_client(load_client("tiny", tmp_path))
    assert inputs.rates.set_index(["payer", "hcpcs"])["rate"].to_dict() == {
        ("Alpha Health", "99213"): 120.0, ("Beta Care", "99213"): 95.0,
        ("Alpha Health", "99214"): 170.0, ("Beta Care", "99214"): 130.0}
    unknown = [p for p in inputs.errors if p.message == "unknown payer"]
    assert len(unknown) == 1 and unknown[0].row == 6 and unknown[0].value == "Zeta"  # reported once, not per payer


# --- Medicare checks and volume without a rate -------------------------------------------------------

def test_codes_medicare_does_not_pay_are_warnings(tmp_path):
    # 2025D: 0001F status I, A4550 status B, 99999 not in the file; 93000's facility setting is NA, which
    # ratekit.medicare.price prices at its non-facility amount as CMS's payment files do (facility_na)
    fee = "code,mod,rate,POS\n99213,,100,\n0001F,,1,\nA4550,,5,\n99999,,9,\n93000,,20,22\n99213,TC,5,\n"
    inputs = tiny_inputs(tmp_path, fee)
    assert inputs.ok
    texts = [str(p) for p in inputs.warnings if "alpha.csv" in p.file]
    assert any("row 3, column 'code': Medicare does not pay code 0001F under the fee schedule (status I: not valid "
               "for Medicare" in t for t in texts)
    assert any("row 4, column 'code': Medicare does not pay code A4550" in t and "status B: bundled" in t
               for t in texts)
    assert any("row 5, column 'code': code 99999 is not in the Medicare Physician Fee Schedule (2025D)" in t
               for t in texts)
    assert not any("93000" in t for t in texts)
    assert any("row 7, column 'code': code 99213 has no modifier TC" in t for t in texts)
    assert all(t.startswith("warning: ") for t in texts) and len(texts) == 4


def test_units_billed_without_a_rate_are_warnings(tmp_path):
    util = "payer,code,units\nAlpha Health,99213,10\nAlpha Health,99215,7\nBeta Care,99213,3\n"
    inputs = tiny_inputs(tmp_path, "code,rate\n99213,100\n", util=util)
    texts = [str(p) for p in inputs.warnings]
    assert texts == ["warning: tiny/utilization.csv, row 3: 7 units of 99215 billed to Alpha Health, who has no rate "
                     "for it (value: '99215'). Fix: add the code to Alpha Health's fee schedule, or check the payer "
                     "and code"]


def test_read_client_collects_problems_instead_of_raising(tmp_path):
    write_client(tmp_path, fee_schedules={"fee_schedules/alpha.csv": "",
                                          "fee_schedules/beta.csv": "code,rate\n99213,x\n"},
                 utilization="payer,code,units\nNobody,99213,1\n")
    inputs = read_client(load_client("tiny", tmp_path))
    assert not inputs.ok
    messages = [p.message for p in inputs.errors]
    assert messages == ["the file is empty", "the rate is not a number", "unknown payer"]
    with pytest.raises(RatekitError, match="has problems in its input files"):
        inputs.raise_for_errors()
