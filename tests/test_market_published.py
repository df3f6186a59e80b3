"""The practice's own published rates against its fee schedule: every difference beyond 1% flagged."""

from __future__ import annotations

import pandas as pd
import pytest

from ratekit.market import ingest, published, synthetic

PRACTICE_TIN = "00-7654321"
# Published for the practice: 99213 $101.00, 99214 $153.00, 99215 $200.00, 11102 $90.00 (not in its fee schedule)
PRACTICE_RATES = {"99213": 101.0, "99214": 153.0, "99215": 200.0, "11102": 90.0}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("published")
    spec = synthetic.MarketSpec(base_amounts={"99213": 90.0, "99214": 125.0, "99215": 170.0, "11102": 100.0,
                                              "99203": 110.0},
                                payer="Great Lakes Blue Plan", practice_tin=PRACTICE_TIN,
                                practice_npis=(synthetic.synthetic_npi(777),), practice_rates=PRACTICE_RATES,
                                n_groups=10, rates_per_item=5, seed=11)
    synthetic.write_synthetic_in_network(tmp / "glbp.json.gz", spec)
    assert ingest.ingest([tmp / "glbp.json.gz"], tmp / "out", codes=list(spec.base_amounts)).ok
    return tmp / "out"


def fee_schedule() -> pd.DataFrame:
    # 99213: 100.00 vs 101.00 published: exactly 1% -> a match (only more than 1% is flagged)
    # 99214: 150.00 vs 153.00: 2% -> differs
    # 99215: 200.00 in the facility setting vs 200.00 published for the office (POS 11): no published rate there
    # 99203: 120.00: the payer publishes no rate for the practice's TIN
    return pd.DataFrame({"payer": ["Great Lakes Blue Plan"] * 4, "hcpcs": ["99213", "99214", "99215", "99203"],
                         "modifier": [""] * 4, "setting": ["", "nonfacility", "facility", ""],
                         "rate": [100.0, 150.0, 200.0, 120.0]})


def test_published_rates_for_the_practice_tin(folder):
    table = published.published_rates(folder, tins=["007654321"])  # the TIN without its dash
    assert list(table.columns) == published.PUBLISHED_COLUMNS
    got = dict(zip(table["billing_code"], table["negotiated_rate"], strict=True))
    assert got == PRACTICE_RATES
    assert set(table["payer"]) == {"Great Lakes Blue Plan (synthetic)"} and set(table["plans"]) == {1}


def test_differences_beyond_one_percent_are_flagged(folder):
    out = published.own_published_rates(folder, tins=[PRACTICE_TIN], fee_schedule=fee_schedule(),
                                        entities={"Great Lakes Blue Plan (synthetic)": "Great Lakes Blue Plan"})
    assert list(out.columns) == published.COMPARISON_COLUMNS
    by = {(r.hcpcs, r.setting): r for r in out.itertuples()}
    assert by[("99213", "nonfacility")].status == "match"
    assert by[("99213", "nonfacility")].difference_pct == pytest.approx(1.0)
    d = by[("99214", "nonfacility")]
    assert (d.status, d.flag, d.difference, d.published_rate) == ("differs", True, pytest.approx(3.0), 153.0)
    assert d.difference_pct == pytest.approx(2.0)
    assert by[("99215", "facility")].status == "not published"
    assert by[("99215", "nonfacility")].status == "not in fee schedule"
    assert by[("99203", "")].status == "not published"
    assert by[("11102", "nonfacility")].status == "not in fee schedule"
    assert out["flag"].sum() == 1
    assert out.iloc[0]["status"] == "differs"  # flagged rows first


def test_entities_match_by_name_without_a_mapping(folder):
    fs = fee_schedule().assign(payer="great lakes blue plan (SYNTHETIC)")
    out = published.own_published_rates(folder, tins=[PRACTICE_TIN], fee_schedule=fs)
    assert (out["status"] == "differs").sum() == 1
    unmatched = published.own_published_rates(folder, tins=[PRACTICE_TIN], fee_schedule=fee_schedule())
    assert set(unmatched["status"]) == {"not published"}  # no entity maps to the payer: nothing compared


def test_tolerance_is_a_parameter(folder):
    out = published.own_published_rates(folder, tins=[PRACTICE_TIN], fee_schedule=fee_schedule(),
                                        entities={"Great Lakes Blue Plan (synthetic)": "Great Lakes Blue Plan"},
                                        tolerance=0.005)
    assert set(out.loc[out["flag"], "hcpcs"]) == {"99213", "99214"}
