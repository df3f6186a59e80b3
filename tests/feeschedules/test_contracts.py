"""Tests for ratekit.feeschedules.contracts: percent-of-Medicare lines and contracts priced to the cent.

Medicare amounts worked by hand in tests/feeschedules/clients.py.
"""

import pytest

from .clients import rate_of, tiny_inputs


@pytest.mark.parametrize("fee", [
    "code,rate\n99214,120% of Medicare\n",
    "code,rate\n99214,120 % of the Medicare fee schedule\n",
    "code,rate,% of Medicare\n99214,,120%\n",
    "code,rate,% of Medicare\n99214,,120\n",
    "code,Pct of Medicare\n99214,1.2\n",
])
def test_percent_of_medicare_is_priced_at_the_clients_locality(tmp_path, fee):
    inputs = tiny_inputs(tmp_path, fee)
    assert inputs.ok, inputs.problems
    row = rate_of(inputs)
    # 1.20 x $121.91 = $146.292 -> $146.29
    assert row["rate"] == 146.29
    assert row["rate_basis"] == "pct_of_medicare" and row["contract_percent"] == 120.0
    assert row["medicare_release"] == "2025D"


def test_percent_of_medicare_rounds_half_up_exactly(tmp_path):
    fee = "code,rate\n99214,150% of Medicare\n99213,117.5% of Medicare\n"
    inputs = tiny_inputs(tmp_path, fee)
    # 1.50 x 121.91 = 182.865 -> 182.87 (half-up, like CMS); 1.175 x 86.34 = 101.4495 -> 101.45
    assert rate_of(inputs)["rate"] == 182.87
    assert rate_of(inputs, code="99213")["rate"] == 101.45


def test_percent_of_medicare_per_setting_where_billed(tmp_path):
    util = "payer,code,units,pos\nAlpha Health,99214,10,11\nAlpha Health,99214,4,22\nBeta Care,99213,5,\n"
    inputs = tiny_inputs(tmp_path, "code,rate\n99214,120% of Medicare\n", util=util)
    r = inputs.rates[inputs.rates["payer"] == "Alpha Health"].set_index("setting")["rate"]
    # non-facility 1.2 x 121.91 = 146.292 -> 146.29; facility 1.2 x 93.29 = 111.948 -> 111.95
    assert r.to_dict() == {"nonfacility": 146.29, "facility": 111.95}


def test_percent_of_an_earlier_years_medicare(tmp_path):
    inputs = tiny_inputs(tmp_path, "code,rate\n99214,120% of 2023 Medicare\n")
    row = rate_of(inputs)
    # 2023A (the newest 2023 release shipped): 1.2 x 124.61 = 149.532 -> 149.53
    assert row["medicare_release"] == "2023A" and row["rate"] == 149.53


def test_whole_payer_contract_prices_codes_the_file_lacks(tmp_path):
    data = {"payers": [
        {"name": "Alpha Health", "kind": "commercial", "patients": 600, "fee_schedule": "fee_schedules/alpha.csv",
         "aliases": ["AH"], "contract": {"percent_of_medicare": 120}},
        {"name": "Beta Care", "kind": "medicare_advantage", "patients": 400,
         "contract": {"percent_of_medicare": 100, "medicare_release": "2025A"}}]}
    inputs = tiny_inputs(tmp_path, "code,rate\n99213,99.00\n", yaml_data=data)
    assert inputs.ok, inputs.problems
    alpha = inputs.rates[inputs.rates["payer"] == "Alpha Health"].set_index("hcpcs")
    assert alpha.loc["99213", "rate"] == 99.0 and alpha.loc["99213", "rate_basis"] == "flat"  # the carve-out
    assert alpha.loc["99214", "rate"] == 146.29 and alpha.loc["99214", "file"] == "tiny/client.yaml"
    beta = inputs.rates[inputs.rates["payer"] == "Beta Care"].set_index("hcpcs")
    # 100% of 2025A's 99213 at 06102-99: (1.30 + 1.35 x 0.912 + 0.10 x 1.381) x 32.3465 = 86.3425 -> $86.34
    assert beta.loc["99213", "rate"] == 86.34 and beta.loc["99213", "medicare_release"] == "2025A"


def test_a_percent_must_say_of_what_and_be_unambiguous(tmp_path):
    inputs = tiny_inputs(tmp_path, "code,rate,% of Medicare\n99213,12%,\n99214,,7\n99215,,abc\n99203,,\n")
    texts = [str(p) for p in inputs.errors]
    assert "row 2, column 'rate': a percent in the rate column must say of what (value: '12%')" in texts[0]
    assert "row 3, column '% of Medicare': the percent of Medicare is ambiguous" in texts[1]
    assert "row 4, column '% of Medicare': the percent of Medicare is not a number (value: 'abc')" in texts[2]
    assert "row 5, column 'rate': the rate is missing" in texts[3]
