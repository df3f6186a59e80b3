"""The practice's rate against its payer's market median: numbers worked by hand on a tiny fixture."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ratekit.market import ingest, position, synthetic

LOCALITY, RELEASE = "01112-05", "2025D"  # 99213 non-facility Medicare $109.15 (tests/test_market_summarize.py)
OWN_TIN = "00-0000009"


def price(rate: float) -> dict:
    return {"negotiated_type": "negotiated", "negotiated_rate": rate, "expiration_date": "9999-12-31",
            "service_code": ["11"], "billing_class": "professional"}


def item(code: str, rates: list[tuple[int, float]]) -> dict:
    return {"negotiation_arrangement": "ffs", "name": code, "billing_code_type": "CPT",
            "billing_code_type_version": "2025", "billing_code": code, "description": "synthetic",
            "negotiated_rates": [{"provider_references": [g], "negotiated_prices": [price(r)]} for g, r in rates]}


def refs(groups) -> list[dict]:
    """Group g is TIN 00-000000g with one NPI."""
    return [{"provider_group_id": g, "network_name": ["Synthetic PPO"],
             "provider_groups": [{"npi": [synthetic.synthetic_npi(g)],
                                  "tin": {"type": "ein", "value": f"00-000000{g}"}}]}
            for g in groups]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Alpha's file: 99213 at 100, 110, 120, 130 (TINs 1-4), 1000 (TIN 5, above 5x Medicare), 118 for the
    practice's own TIN 9; 99214 at 150, 160 (TINs 1-2). Another payer's file (not mapped): 99213 at 300."""
    tmp = tmp_path_factory.mktemp("position")
    alpha = [item("99213", [(1, 100), (2, 110), (3, 120), (4, 130), (5, 1000), (9, 118)]),
             item("99214", [(1, 150), (2, 160)])]
    synthetic.write_in_network(tmp / "alpha.json", header={"reporting_entity_name": "Alpha Insurance (synthetic)",
                                                           "reporting_entity_type": "health insurance issuer",
                                                           "last_updated_on": "2025-06-01", "version": "2.0.0"},
                               items=alpha, references=refs([1, 2, 3, 4, 5, 9]))
    synthetic.write_in_network(tmp / "other.json", header={"reporting_entity_name": "Other Payer (synthetic)",
                                                           "reporting_entity_type": "health insurance issuer",
                                                           "last_updated_on": "2025-06-01", "version": "2.0.0"},
                               items=[item("99213", [(1, 300)])], references=refs([1]))
    assert ingest.ingest([tmp / "alpha.json", tmp / "other.json"], tmp / "out", codes=["99213", "99214"]).ok
    return tmp / "out"


RATES = pd.DataFrame({"payer": ["Alpha Health", "Alpha Health", "Beta Care"], "hcpcs": ["99213", "99214", "99213"],
                      "modifier": ["", "", ""], "setting": ["", "nonfacility", ""], "rate": [112.0, 170.0, 90.0]})
UTILIZATION = pd.DataFrame({"payer": ["Alpha Health", "Alpha Health", "Beta Care"],
                            "hcpcs": ["99213", "99214", "99213"], "modifier": [""] * 3, "setting": [""] * 3,
                            "units": [1000, 500, 800]})


def test_position_against_the_market_median_by_hand(folder):
    out = position.market_position(folder, rates=RATES, entities={"ALPHA INSURANCE (synthetic)": "Alpha Health"},
                                   locality_id=LOCALITY, release=RELEASE, tins=[OWN_TIN], utilization=UTILIZATION)
    assert list(out.columns) == position.POSITION_COLUMNS
    # only Alpha is mapped: Beta Care has no market, the other payer's 300 is not Alpha's market
    rows = list(zip(out["payer"], out["hcpcs"], out["setting"], strict=True))
    assert rows == [("Alpha Health", "99213", "nonfacility"), ("Alpha Health", "99214", "nonfacility")]
    a, b = out.iloc[0], out.iloc[1]
    # 99213 market: 100, 110, 120, 130 (1000 is above 5 x 109.15 = 545.75; the own TIN's 118 is not the market).
    # linear quantiles at p x (n - 1) = p x 3: p25 0.75 -> 107.5, p50 1.5 -> 115, p75 2.25 -> 122.5.
    # 112 has two rates below, none equal: mid-rank 2 / 4 = 50th percentile. 115 - 112 = 3 a unit x 1000 units.
    assert (a["n_tins"], a["rate"], a["market_p25"], a["market_median"], a["market_p75"]) == (
        4, 112.0, pytest.approx(107.5), pytest.approx(115.0), pytest.approx(122.5))
    assert a["percentile"] == 50.0 and a["to_median"] == pytest.approx(3.0)
    assert a["pct_of_median"] == pytest.approx(112 / 115 * 100)
    assert a["medicare_amount"] == 109.15 and a["published_rate"] == 118.0
    assert (a["units"], a["dollars_to_median"]) == (1000, pytest.approx(3000.0))
    # 99214 market: 150, 160: median 155, p25 152.5, p75 157.5; 170 is above both: 100th percentile;
    # 155 - 170 = -15 x 500 units = -7,500 (paid above the median). Nothing published for the own TIN.
    assert (b["market_median"], b["market_p25"], b["market_p75"], b["percentile"]) == (
        pytest.approx(155.0), pytest.approx(152.5), pytest.approx(157.5), 100.0)
    assert b["dollars_to_median"] == pytest.approx(-7500.0) and math.isnan(b["published_rate"])
    # volume-weighted: (50 x 1000 + 100 x 500) / 1500
    assert position.volume_weighted_percentile(out) == pytest.approx(100000 / 1500)


def test_without_own_tins_the_practice_counts_in_its_market(folder):
    out = position.market_position(folder, rates=RATES, entities={"Alpha Insurance (synthetic)": "Alpha Health"},
                                   locality_id=LOCALITY, release=RELEASE)
    a = out.iloc[0]
    # market 100, 110, 118, 120, 130: median 118; 112 has two below: 2 / 5 = 40th percentile; no units: 0 dollars
    assert (a["n_tins"], a["market_median"], a["percentile"]) == (5, pytest.approx(118.0), 40.0)
    assert math.isnan(a["published_rate"]) and a["dollars_to_median"] == 0.0


def test_no_mapped_payer_gives_an_empty_table(folder):
    out = position.market_position(folder, rates=RATES, entities={"Nobody (synthetic)": "Gamma"},
                                   locality_id=LOCALITY, release=RELEASE)
    assert out.empty and list(out.columns) == position.POSITION_COLUMNS


def test_reading_table_and_chart_of_the_position(folder):
    from ratekit import report
    from ratekit.plots import market as market_plots

    out = position.market_position(folder, rates=RATES, entities={"Alpha Insurance (synthetic)": "Alpha Health"},
                                   locality_id=LOCALITY, release=RELEASE, tins=[OWN_TIN], utilization=UTILIZATION)
    text = report.market_reading(out)
    # (50 x 1000 + 100 x 500) / 1500 = 66.7 -> 67th; 3 x 1000 below the median (99214 is above it, not netted);
    # 118 published for the practice vs its 112: 5.4% apart, more than 1%
    assert text == ("At Alpha Health, your rates sit at the 67th percentile of what it publishes for other practices "
                    "(weighted by your volume); bringing the 1 code(s) below its market median up to it is worth "
                    "$3,000 a year; its file publishes a rate for you that differs from your fee schedule by more "
                    "than 1% on 1 code(s): ask it to check the contract it has loaded.")
    html = report.market_table(out.assign(payer="<b>Alpha</b>")).to_html()
    assert "&lt;b&gt;Alpha&lt;/b&gt;" in html and "<b>Alpha</b>" not in html
    ax = market_plots.market_boxes(report.market_top_codes(out))
    ticks = sorted((t.get_position()[1], t.get_text()) for t in ax.get_yticklabels())
    assert ticks == [(0, "Alpha Health: 99214"), (1, "Alpha Health: 99213")]  # most units (99213) at the top
    import matplotlib.pyplot as plt
    plt.close(ax.figure)


def test_client_position_ingests_the_client_market_files(tmp_path, folder):
    import shutil

    from conftest import write_client
    from ratekit.client import load_client

    client_dir = write_client(tmp_path)
    assert position.client_position(load_client("tiny", tmp_path), rates=RATES, utilization=UTILIZATION,
                                    locality_id=LOCALITY, release=RELEASE) is None  # no market: section
    (client_dir / "market").mkdir()
    shutil.copy(folder.parent / "alpha.json", client_dir / "market" / "alpha.json")
    write_client(tmp_path, yaml_data={"market": {"files": ["market/alpha.json"], "tins": [OWN_TIN],
                                                 "entities": {"Alpha Insurance (synthetic)": "AH"}}})
    out = position.client_position(load_client("tiny", tmp_path), rates=RATES, utilization=UTILIZATION,
                                   locality_id=LOCALITY, release=RELEASE)
    assert list(out["market_median"]) == [pytest.approx(115.0), pytest.approx(155.0)]
    assert out["published_rate"].iloc[0] == 118.0


def test_ordinal_percentiles():
    from ratekit.report.market import _ordinal

    assert [_ordinal(v) for v in (0.4, 1, 2, 3, 11, 12, 13, 21, 22, 66.7, 100)] == [
        "0th", "1st", "2nd", "3rd", "11th", "12th", "13th", "21st", "22nd", "67th", "100th"]
