"""Rate benchmark maths, on a three-payer example worked by hand.

Medicare (non-facility): 99213 $100.00, 93000 $50.00; G9999 has no Medicare amount.

payer  99213 rate x units   93000 rate x units   paid      Medicare-valued   index
P1     120 x 100            60 x 20              13,200    11,000            1.2
P2      90 x  50            70 x 50               8,000     7,500            1.0666...
P3     150 x  10            40 x  0 (no units)    1,500     1,000            1.5

median of (1.0667, 1.2, 1.5) = 1.2, best = 1.5.
"""

import math

import pandas as pd
import pytest

from ratekit import benchmark

MEDICARE = pd.DataFrame({"hcpcs": ["99213", "93000", "G9999"], "modifier": ["", "", ""],
                         "nonfacility_amount": [100.0, 50.0, math.nan], "facility_amount": [80.0, math.nan, math.nan]})
RATES = pd.DataFrame({
    "payer": ["P1", "P1", "P2", "P2", "P3", "P3", "P3"],
    "hcpcs": ["99213", "93000", "99213", "93000", "99213", "93000", "G9999"],
    "modifier": [""] * 7,
    "rate": [120.0, 60.0, 90.0, 70.0, 150.0, 40.0, 10.0],
})
UTIL = pd.DataFrame({"payer": ["P1", "P1", "P2", "P2", "P3", "P3", "P2"],
                     "hcpcs": ["99213", "93000", "99213", "93000", "99213", "G9999", "99214"],
                     "modifier": [""] * 7, "units": [100, 20, 50, 50, 10, 7, 3]})


@pytest.fixture
def comparison():
    return benchmark.compare(RATES, MEDICARE, UTIL)


def test_compare_joins_rates_medicare_and_units(comparison):
    row = comparison.set_index(["payer", "hcpcs"]).loc[("P2", "93000")]
    assert row["pct_of_medicare"] == pytest.approx(1.4)
    assert row["revenue"] == 3500 and row["medicare_revenue"] == 2500
    # a rate with no units, and units with no rate, are both kept
    assert comparison.set_index(["payer", "hcpcs"]).loc[("P3", "93000"), "units"] == 0
    assert math.isnan(comparison.set_index(["payer", "hcpcs"]).loc[("P2", "99214"), "rate"])
    # no Medicare amount: no percent
    assert math.isnan(comparison.set_index(["payer", "hcpcs"]).loc[("P3", "G9999"), "pct_of_medicare"])


def test_compare_facility_setting():
    out = benchmark.compare(RATES, MEDICARE, UTIL, setting="facility")
    assert out.set_index(["payer", "hcpcs"]).loc[("P1", "99213"), "pct_of_medicare"] == pytest.approx(1.5)


def test_payer_index_is_volume_weighted(comparison):
    index = benchmark.payer_index(comparison).set_index("payer")
    assert index.loc["P1", "index"] == pytest.approx(1.2)
    assert index.loc["P2", "index"] == pytest.approx(8000 / 7500)
    assert index.loc["P3", "index"] == pytest.approx(1.5)
    assert index.loc["P3", "codes"] == 1  # 93000 has no units, G9999 no Medicare amount
    assert list(index.index) == ["P2", "P1", "P3"]  # lowest first


def test_gap_to_median(comparison):
    gaps = benchmark.gap_to_benchmark(benchmark.payer_index(comparison)).set_index("payer")
    assert gaps["benchmark_index"].unique().tolist() == [pytest.approx(1.2)]
    # (1.2 - 16/15) x 7,500 = 0.1333... x 7,500 = 1,000
    assert gaps.loc["P2", "dollars_a_year"] == pytest.approx(1000.0)
    assert gaps.loc["P1", "dollars_a_year"] == 0 and gaps.loc["P3", "dollars_a_year"] == 0


def test_gap_to_best_and_target(comparison):
    index = benchmark.payer_index(comparison)
    best = benchmark.gap_to_benchmark(index, "best").set_index("payer")["dollars_a_year"]
    assert best["P1"] == pytest.approx(3300.0)  # 0.3 x 11,000
    assert best["P2"] == pytest.approx(3250.0)  # (1.5 - 16/15) x 7,500
    target = benchmark.gap_to_benchmark(index, "target", target=1.3).set_index("payer")["dollars_a_year"]
    assert target["P1"] == pytest.approx(1100.0) and target["P2"] == pytest.approx(1750.0) and target["P3"] == 0
    with pytest.raises(ValueError, match="target > 0"):
        benchmark.gap_to_benchmark(index, "target")


def test_code_table(comparison):
    table = benchmark.code_table(comparison, n=2)
    assert list(table.columns) == ["99213", "93000"]  # Medicare-valued volume 16,000 vs 3,500
    assert list(table.index) == ["P2", "P1", "P3"]
    assert table.loc["P1", "99213"] == pytest.approx(1.2)
    assert table.loc["P3", "93000"] == pytest.approx(0.8)


def test_code_label():
    s = benchmark.code_label(pd.Series(["71046", "71046"]), pd.Series(["", "26"]))
    assert s.tolist() == ["71046", "71046-26"]
