"""Tests for ratekit.build.market: the market benchmarks rebuild from the raw facts, with hand-read values."""

import pandas as pd

from ratekit import config, reference
from ratekit.build import market

from . import needs_public_data

pytestmark = needs_public_data("facts")


def test_build_reproduces_the_committed_tables(tmp_path):
    written = market.build(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in config.MARKET_REFERENCE_DIR.iterdir())
    for path in written:
        assert path.read_bytes() == (config.MARKET_REFERENCE_DIR / path.name).read_bytes(), path.name
    registered = {reference.get(k).file for k in ("medicaid_fee_index", "commercial_by_specialty")}
    assert registered == {config.MARKET_REFERENCE_DIR / p.name for p in written}


def test_values_as_published():
    medicaid = pd.read_csv(config.MARKET_REFERENCE_DIR / "medicaid_fee_index_2024.csv").set_index("state")
    # Urban/KFF Medicaid-to-Medicare fee index, 2024: all services 0.75 nationally, primary care 0.66
    # (PROVENANCE.md, facts/medicaid_medicare_fee_index.csv)
    assert medicaid.loc["US", ["all_services", "primary_care"]].tolist() == [0.75, 0.66]
    commercial = pd.read_csv(config.MARKET_REFERENCE_DIR / "commercial_to_medicare_by_specialty.csv")
    # FAIR Health / Urban 2019-20 claims: dermatology 90%, family medicine 110% of Medicare
    ratios = dict(zip(commercial["specialty"], commercial["ratio"], strict=True))
    assert ratios["dermatology"] == 0.9 and ratios["family_medicine"] == 1.1
