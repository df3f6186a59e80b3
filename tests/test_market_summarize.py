"""Market statistics over ingested files: dedup, percentiles worked by hand, outliers, settings, NPPES filter."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ratekit import medicare
from ratekit.market import ingest, summarize, synthetic
from ratekit.market.nppes import ProviderFilter

LOCALITY, RELEASE = "01112-05", "2025D"
HEADER = {"reporting_entity_name": "Test Payer (synthetic)", "reporting_entity_type": "health insurance issuer",
          "last_updated_on": "2025-06-01", "version": "2.0.0"}


def npi(n: int) -> int:
    return synthetic.synthetic_npi(n)


def price(rate: float, *, pos=("11",), kind="negotiated") -> dict:
    return {"negotiated_type": kind, "negotiated_rate": rate, "expiration_date": "9999-12-31",
            "service_code": list(pos), "billing_class": "professional"}


def item(code: str, rates: list[tuple[int, dict]], arrangement: str = "ffs") -> dict:
    return {"negotiation_arrangement": arrangement, "name": code, "billing_code_type": "CPT",
            "billing_code_type_version": "2025", "billing_code": code, "description": "synthetic",
            "negotiated_rates": [{"provider_references": [gid], "negotiated_prices": [p]} for gid, p in rates]}


def refs(n: int) -> list[dict]:
    """Group g has TIN 00-000000g with NPIs npi(10g) and npi(10g+1)."""
    return [{"provider_group_id": g, "network_name": ["Synthetic PPO"],
             "provider_groups": [{"npi": [npi(10 * g), npi(10 * g + 1)], "tin": {"type": "ein",
                                                                                  "value": f"00-000000{g}"}}]}
            for g in range(1, n + 1)]


@pytest.fixture
def market(tmp_path) -> Path:
    """One payer, two plan files publishing the same 99213 rates, plus outliers, other kinds and settings.

    99213 (Medicare 2025D at 01112-05: non-facility $109.15, facility $73.35 -- checked below against the
    engine): TINs 1-5 at 100, 110, 120, 130, 140 in the office; TIN 6 at 1000 (above 5x), TIN 7 at 10
    (below 0.2x); TIN 8 at 40.5 percent of billed charges; TIN 1 also at 95 for POS 11 + 22 (both settings).
    """
    items = [item("99213", [(1, price(100)), (2, price(110)), (3, price(120)), (4, price(130)), (5, price(140)),
                            (6, price(1000)), (7, price(10)), (8, price(40.5, kind="percentage")),
                            (1, price(95, pos=("11", "22")))]),
             item("99214", [(2, price(150))], arrangement="capitation")]
    for plan in ("ppo", "hmo"):
        synthetic.write_in_network(tmp_path / f"{plan}.json", header={**HEADER, "plan_name": plan}, items=items,
                                   references=refs(8))
    report = ingest.ingest([tmp_path / "ppo.json", tmp_path / "hmo.json"], tmp_path / "out", codes=["99213", "99214"])
    assert report.ok
    return tmp_path / "out"


def test_medicare_amounts_used_below():
    table = medicare.price(RELEASE, localities=[LOCALITY], codes=["99213"])
    row = table[table["modifier"] == ""].iloc[0]
    assert (row["nonfacility_amount"], row["facility_amount"]) == (109.15, 73.35)


def test_percentiles_by_hand_deduplicated_across_plans(market):
    table = summarize.market_summary(market, locality_id=LOCALITY, release=RELEASE)
    office = table[(table["billing_code"] == "99213") & (table["setting"] == "nonfacility")].iloc[0]
    # observations in the office: 95, 100, 110, 120, 130, 140 (each TIN once although two plans publish them);
    # 1000 and 10 are outliers. Linear interpolation over the 6 sorted values, position p x 5:
    # p10 0.5 -> 97.5; p25 1.25 -> 102.5; p50 2.5 -> 115; p75 3.75 -> 127.5; p90 4.5 -> 135
    assert office["n_rates"] == 6 and office["n_tins"] == 5
    assert [office[c] for c in ("p10", "p25", "p50", "p75", "p90")] == pytest.approx([97.5, 102.5, 115, 127.5, 135])
    assert office["medicare_amount"] == 109.15
    assert office["p50_pct"] == pytest.approx(115 / 109.15 * 100)
    assert (office["n_above_5x"], office["n_below_0_2x"], office["n_not_dollar"]) == (1, 1, 1)
    # the facility setting holds only the price for POS 11 + 22, which applies in both
    fac = table[(table["billing_code"] == "99213") & (table["setting"] == "facility")].iloc[0]
    assert (fac["n_rates"], fac["p50"], fac["medicare_amount"]) == (1, 95, 73.35)
    # capitation is not a dollar fee-for-service rate: counted, not in the percentiles
    cap = table[table["billing_code"] == "99214"].iloc[0]
    assert (cap["n_rates"], cap["n_not_dollar"]) == (0, 1)
    assert summarize.UNFILTERED_NOTE in table.attrs["notes"] and table.attrs["filtered"] is False
    assert list(table.columns) == summarize.SUMMARY_COLUMNS


def test_outliers_kept_on_request(market):
    table = summarize.market_summary(market, locality_id=LOCALITY, release=RELEASE, include_outliers=True,
                                     codes=["99213"])
    office = table[table["setting"] == "nonfacility"].iloc[0]
    # 10, 95, 100, 110, 120, 130, 140, 1000: median between 110 and 120
    assert office["n_rates"] == 8 and office["p50"] == pytest.approx(115)
    assert office["n_above_5x"] == 1  # still counted


def test_nppes_filter_limits_the_market(market):
    # NPIs of TINs 2 and 3 only (one NPI each is enough for the TIN's rate to count)
    only = ProviderFilter(frozenset({npi(20), npi(31)}), "2 NPIs practising in IL with a family medicine taxonomy")
    table = summarize.market_summary(market, locality_id=LOCALITY, release=RELEASE, providers=only)
    office = table[(table["billing_code"] == "99213") & (table["setting"] == "nonfacility")].iloc[0]
    assert office["n_tins"] == 2 and office["p10"] == pytest.approx(111) and office["p90"] == pytest.approx(119)
    assert table.attrs["filtered"] is True
    assert any("limited to 2 NPIs practising in IL" in n for n in table.attrs["notes"])


def test_observations_and_percentile_rank(market):
    obs = summarize.market_observations(market, locality_id=LOCALITY, release=RELEASE, codes=["99213"])
    office = obs[obs["setting"] == "nonfacility"]
    assert sorted(office["negotiated_rate"]) == [10, 95, 100, 110, 120, 130, 140, 1000]
    assert set(office.loc[office["negotiated_rate"] == 1000, "outlier"]) == {"above_5x"}
    assert list(obs.columns) == summarize.OBSERVATION_COLUMNS
    # mid-rank: 110 among 100, 110, 120, 130 -> (1 + 0.5) / 4
    assert summarize.percentile_rank(110, [100, 110, 120, 130]) == 37.5
    assert summarize.percentile_rank(90, [100, 110]) == 0 and summarize.percentile_rank(200, [100, 110]) == 100


def test_failed_datasets_are_left_out_and_named(market, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"in_network": [')
    assert not ingest.ingest([bad], market, codes=["99213"]).ok
    table = summarize.market_summary(market, locality_id=LOCALITY, release=RELEASE)
    assert any("broken" in n and "failed" in n for n in table.attrs["notes"])


def test_an_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(summarize.RatekitError, match="no ingested dataset"):
        summarize.market_summary(tmp_path, locality_id=LOCALITY, release=RELEASE)


def test_summarize_needs_a_locality(market):
    with pytest.raises(summarize.RatekitError, match="locality and release"):
        summarize.summarize(market)


def test_write_csv_rounds_for_display(market, tmp_path, capsys):
    table = summarize.summarize(market, locality_id=LOCALITY, release=RELEASE)
    summarize.write_csv(table, tmp_path / "s.csv")
    back = pd.read_csv(tmp_path / "s.csv", dtype={"billing_code": str})
    assert list(back.columns) == summarize.SUMMARY_COLUMNS
    assert back.loc[(back["billing_code"] == "99213") & (back["setting"] == "nonfacility"), "p50_pct"].item() == 105.4
    assert "note: the market is not filtered" in capsys.readouterr().err
