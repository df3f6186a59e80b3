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


# --- settings ----------------------------------------------------------------------------------------

def test_a_rate_without_setting_applies_in_both_and_a_specific_one_wins():
    rates = pd.DataFrame({"payer": ["P1", "P1", "P2"], "hcpcs": ["99213", "99213", "99213"], "modifier": [""] * 3,
                          "setting": ["", "facility", ""], "rate": [120.0, 96.0, 90.0]})
    util = pd.DataFrame({"payer": ["P1", "P1", "P2"], "hcpcs": ["99213"] * 3, "modifier": [""] * 3,
                         "setting": ["nonfacility", "facility", "facility"], "units": [10, 5, 4]})
    out = benchmark.compare(rates, MEDICARE, util).set_index(["payer", "setting"])
    # P1 office: 120 / 100; P1 facility: its facility rate 96 / 80; P2 facility: its one rate 90 / 80
    assert out.loc[("P1", "nonfacility"), "pct_of_medicare"] == pytest.approx(1.2)
    assert out.loc[("P1", "facility"), "pct_of_medicare"] == pytest.approx(1.2)
    assert out.loc[("P2", "facility"), "pct_of_medicare"] == pytest.approx(1.125)
    assert out.loc[("P2", "nonfacility"), "units"] == 0  # a rate with no setting shows in the office too
    assert len(out) == 4


# --- benchmarks, hand-worked on the example at the top -------------------------------------------------

def test_mean_of_the_other_payers(comparison):
    index = benchmark.payer_index(comparison)
    gaps = benchmark.gap_to_benchmark(index, "mean_of_others").set_index("payer")
    # P2: (13,200 + 1,500) / (11,000 + 1,000) = 1.225; (1.225 - 16/15) x 7,500 = 9,187.5 - 8,000 = 1,187.5
    assert gaps.loc["P2", "benchmark_index"] == pytest.approx(1.225)
    assert gaps.loc["P2", "dollars_a_year"] == pytest.approx(1187.5)
    # P1: (8,000 + 1,500) / (7,500 + 1,000) = 1.1176 < 1.2; P3: 21,200 / 18,500 = 1.1459 < 1.5
    assert gaps.loc["P1", "benchmark_index"] == pytest.approx(9500 / 8500) and gaps.loc["P1", "dollars_a_year"] == 0
    assert gaps.loc["P3", "benchmark_index"] == pytest.approx(21200 / 18500) and gaps.loc["P3", "dollars_a_year"] == 0
    assert gaps.loc["P2", "increase_to_benchmark"] == pytest.approx(1.225 / (16 / 15) - 1)  # 14.84%
    with pytest.raises(ValueError, match="differs per payer"):
        benchmark.benchmark_index(index, "mean_of_others")


def test_peer_groups_within_kind(comparison):
    index = benchmark.payer_index(comparison)
    index["kind"] = index["payer"].map({"P1": "commercial", "P2": "commercial", "P3": "medicare_advantage"})
    gaps = benchmark.gap_to_benchmark(index, "median", within_kind=True).set_index("payer")
    # commercial median = (16/15 + 18/15) / 2 = 17/15; P2: (17/15 - 16/15) x 7,500 = 500
    assert gaps.loc["P2", "benchmark_index"] == pytest.approx(17 / 15)
    assert gaps.loc["P2", "dollars_a_year"] == pytest.approx(500.0)
    assert gaps.loc["P3", "benchmark_index"] == pytest.approx(1.5) and gaps.loc["P3", "dollars_a_year"] == 0
    assert gaps["peer_group"].to_dict() == {"P2": "commercial", "P1": "commercial", "P3": "medicare_advantage"}
    alone = benchmark.gap_to_benchmark(index, "mean_of_others", within_kind=True).set_index("payer")
    assert math.isnan(alone.loc["P3", "benchmark_index"]) and alone.loc["P3", "dollars_a_year"] == 0
    assert alone.loc["P2", "benchmark_index"] == pytest.approx(1.2)  # P1 alone: 13,200 / 11,000


def test_unknown_benchmark_and_target_checks(comparison):
    index = benchmark.payer_index(comparison)
    with pytest.raises(ValueError, match="benchmark must be one of"):
        benchmark.gap_to_benchmark(index, "average")
    with pytest.raises(ValueError, match="target > 0"):
        benchmark.benchmark_levels(index, "target", target=0)
    with pytest.raises(ValueError, match="'kind' column"):
        benchmark.gap_to_benchmark(index, within_kind=True)


def test_small_sample_flag(comparison):
    index = benchmark.payer_index(comparison).set_index("payer")
    # P1: 2 codes, 120 units; P2: 2 codes, 100 units; P3: 1 code, 10 units (defaults: 5 codes, 100 units)
    assert index["small_sample"].all()
    relaxed = benchmark.payer_index(comparison, min_codes=2, min_units=100).set_index("payer")["small_sample"]
    assert relaxed.to_dict() == {"P2": False, "P1": False, "P3": True}


# --- code gaps ---------------------------------------------------------------------------------------
# 99213 rates: P1 120 (100 units), P2 90 (50), P3 150 (10); 93000: P1 60 (20), P2 70 (50), P3 40 (0 units).

def test_code_gaps_to_the_median_and_best_rate(comparison):
    median = benchmark.code_gaps(comparison).set_index(["payer", "hcpcs"])
    assert median.loc[("P2", "99213"), "benchmark_rate"] == 120  # median of 90, 120, 150
    assert median.loc[("P2", "99213"), "dollars_a_year"] == pytest.approx(1500)  # (120 - 90) x 50
    assert median.loc[("P1", "93000"), "dollars_a_year"] == 0  # median of 40, 60, 70 is 60
    assert ("P3", "93000") not in median.index  # no units
    assert median.index[0] == ("P2", "99213")  # largest first
    best = benchmark.code_gaps(comparison, "best").set_index(["payer", "hcpcs"])
    assert best.loc[("P1", "93000"), "dollars_a_year"] == pytest.approx(200)  # (70 - 60) x 20
    assert best.loc[("P1", "99213"), "dollars_a_year"] == pytest.approx(3000)  # (150 - 120) x 100
    assert best.loc[("P1", "99213"), "benchmark_pct"] == pytest.approx(1.5)


def test_code_gaps_to_the_other_payers_and_a_target(comparison):
    others = benchmark.code_gaps(comparison, "mean_of_others").set_index(["payer", "hcpcs"])
    # P2 99213: (120 x 100 + 150 x 10) / 110 = 122.727...; gap (122.727 - 90) x 50 = 1,636.36
    assert others.loc[("P2", "99213"), "benchmark_rate"] == pytest.approx(13500 / 110)
    assert others.loc[("P2", "99213"), "dollars_a_year"] == pytest.approx((13500 / 110 - 90) * 50)
    # P1 93000: others P2 70 x 50 and P3 40 x 0 units -> 70; (70 - 60) x 20 = 200
    assert others.loc[("P1", "93000"), "dollars_a_year"] == pytest.approx(200)
    target = benchmark.code_gaps(comparison, "target", target=1.3).set_index(["payer", "hcpcs"])
    # 1.3 x $100 = $130 for 99213: P1 (130 - 120) x 100 = 1,000; 93000 1.3 x $50 = $65: P2 at 70 owes nothing
    assert target.loc[("P1", "99213"), "dollars_a_year"] == pytest.approx(1000)
    assert target.loc[("P2", "93000"), "dollars_a_year"] == 0
    kinds = {"P1": "commercial", "P2": "commercial", "P3": "medicare_advantage"}
    within = benchmark.code_gaps(comparison, "best", kinds=kinds).set_index(["payer", "hcpcs"])
    assert within.loc[("P1", "99213"), "dollars_a_year"] == 0  # P3's 150 is not a commercial peer


# --- priority, below Medicare, what-if -----------------------------------------------------------------

def test_priority_ranks_low_rates_times_volume(comparison):
    index = benchmark.payer_index(comparison)
    gaps = benchmark.gap_to_benchmark(index, "target", target=1.3)
    ranked = benchmark.priority(gaps, index)
    # dollars: P2 (1.3 - 16/15) x 7,500 = 1,750; P1 0.1 x 11,000 = 1,100; P3 0
    assert ranked["payer"].tolist() == ["P2", "P1", "P3"] and ranked["rank"].tolist() == [1, 2, 3]
    assert ranked["share_of_total"].tolist() == pytest.approx([1750 / 2850, 1100 / 2850, 0])
    assert ranked["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert ranked["volume_share"].tolist() == pytest.approx([7500 / 19500, 11000 / 19500, 1000 / 19500])
    assert ranked["gap_points"].tolist() == pytest.approx([1.3 - 16 / 15, 0.1, 0])
    assert ranked["small_sample"].tolist() == [True, True, True]


def test_codes_below_medicare(comparison):
    below = benchmark.below_medicare(comparison)
    # P2 99213: 90 < 100, (100 - 90) x 50 = 500; P3 93000: 40 < 50, no units
    assert below[["payer", "hcpcs", "dollars_below_a_year"]].values.tolist() == [["P2", "99213", 500.0],
                                                                                ["P3", "93000", 0.0]]
    summary = benchmark.below_medicare_summary(comparison).set_index("payer")
    assert summary.loc["P2", "codes_below"] == 1 and summary.loc["P2", "codes_priced"] == 2
    assert summary.loc["P2", "units_below_share"] == pytest.approx(0.5)  # 50 of 100 units
    assert summary.loc["P1", "codes_below"] == 0 and summary.loc["P1", "dollars_below_a_year"] == 0


def test_what_if(comparison):
    out = benchmark.what_if(comparison, {"P2": 0.05, "P1": 0.10}).set_index("payer")
    # P1 pays 13,200 a year (G9999 has no units anywhere for P1); +10% = 14,520
    assert out.loc["P1", "current_revenue"] == pytest.approx(13200)
    assert out.loc["P1", "new_revenue"] == pytest.approx(14520) and out.loc["P1", "change"] == pytest.approx(1320)
    # P2 pays 8,000 on priced codes (99214 has units but no rate): +5% = 8,400
    assert out.loc["P2", "change"] == pytest.approx(400)
    assert out.loc["P2", "new_index"] == pytest.approx(16 / 15 * 1.05)
    # P3 not named: 0%; its G9999 (7 units x $10, no Medicare amount) still counts as revenue: 1,500 + 70
    assert out.loc["P3", "increase"] == 0 and out.loc["P3", "current_revenue"] == pytest.approx(1570)
    assert list(out.index) == ["P1", "P2", "P3"]  # largest change first
    everyone = benchmark.what_if(comparison, 0.02).set_index("payer")
    assert everyone["change"].sum() == pytest.approx(0.02 * (13200 + 8000 + 1570))
    with pytest.raises(ValueError, match="unknown payer"):
        benchmark.what_if(comparison, {"P9": 0.1})
    with pytest.raises(ValueError, match="above -1"):
        benchmark.what_if(comparison, {"P1": -1.5})


def test_proposed_increases_round_up_to_a_whole_percent(comparison):
    index = benchmark.payer_index(comparison)
    # P2 below the median 1.2: 1.2 / (16/15) - 1 = 0.125 -> 12.5% rounded up to 13%; P1 and P3 at or above it
    assert benchmark.proposed_increases(benchmark.gap_to_benchmark(index, "median")) == {"P2": 0.13}
    # target 1.4: P2 1.4 / (16/15) - 1 = 31.25% -> 32%, P1 1.4 / 1.2 - 1 = 16.67% -> 17%; P3 (1.5) none
    target = benchmark.gap_to_benchmark(index, "target", target=1.4)
    assert benchmark.proposed_increases(target) == {"P2": 0.32, "P1": 0.17}
    # an exact whole percent stays whole: P1 to 1.5 is 1.5 / 1.2 - 1 = 25% (25.0000000000002 in floating point)
    assert benchmark.proposed_increases(benchmark.gap_to_benchmark(index, "target", target=1.5))["P1"] == 0.25


def test_spread_of_each_payers_percent_of_medicare(comparison):
    spread = benchmark.spread_by_payer(comparison).set_index("payer")
    # billed codes with a percent of Medicare: P1 120/100 and 60/50 (both 1.2); P2 90/100 = 0.9 and 70/50 = 1.4
    # (its 99214 has no rate); P3 only 150/100 (93000 has no units, G9999 no Medicare amount)
    assert spread["codes"].to_dict() == {"P1": 2, "P2": 2, "P3": 1}
    assert spread.loc["P2", ["lowest", "highest", "spread"]].tolist() == pytest.approx([0.9, 1.4, 0.5])
    assert spread.loc["P1", "spread"] == pytest.approx(0.0) and spread.loc["P3", "spread"] == 0
