"""2026 GPCIs recovered from CMS's own amounts (ratekit.medicare.gpci), and what they change downstream.

Published figures come from CMS's PFREV26B.txt (the April 2026 payment-amount file; the excerpt in
tests/data/cms_payments, line numbers given); hand-worked ones show their arithmetic:
amount = round_half_up((work RVU x work GPCI + PE RVU x PE GPCI + MP RVU x MP GPCI) x CF, 2).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from ratekit import benchmark, config, medicare
from ratekit.medicare import cmsfiles

PFREV = Path(__file__).parent / "data" / "cms_payments" / "PFREV26B_every13th.txt"
FULL_PFREV = config.PUBLIC_PFS_DIR / "2026B" / "PFREV26B.txt"
ALABAMA = "10112-00"


def _payments(rows: list[tuple]) -> pd.DataFrame:
    """Payment rows (mac, locality, hcpcs, cents in both settings) in read_payments' form."""
    return pd.DataFrame([{"line": i + 1, "year": 2026, "mac": m, "locality": lo, "hcpcs": h, "modifier": "",
                          "status": "A", "nonfacility_cents": c, "facility_cents": c, "opps_indicator": "9",
                          "opps_nonfacility_cents": 0, "opps_facility_cents": 0}
                         for i, (m, lo, h, c) in enumerate(rows)])


def _cents(w: str, pe: str, mp: str, gpci: tuple[str, str, str], cf: str = "33.4009") -> int:
    """CMS's formula in Decimal arithmetic, half-up, in cents (independent of the engine)."""
    total = (Decimal(w) * Decimal(gpci[0]) + Decimal(pe) * Decimal(gpci[1]) + Decimal(mp) * Decimal(gpci[2]))
    return int((total * Decimal(cf)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


# RVU26C RVUs (work, facility PE, MP) of four codes of PFREV26B; 21610 and 64804 are non-facility NA, A2040
# facility NA (so CMS prints the facility amount, resp. the non-facility amount, in both columns)
RVUS = {"21610": ("15.51", "14.38", "6.54"), "33269": ("13.95", "6.42", "3.46"), "64804": ("15.51", "13.86", "6.54"),
        "A2040": ("0", "3.81", "0"), "22319": ("24.70", "19.05", "10.43")}


def test_a_known_triple_is_recovered_exactly_from_its_amounts():
    gpci = ("1.023", "0.987", "1.456")  # invented GPCIs of an invented locality 99999-01
    rows = [("99999", "01", code, _cents(*rvu, gpci)) for code, rvu in RVUS.items()]
    out = medicare.derive_gpcis(_payments(rows), "2026C")
    assert out.to_dict("records") == [{"mac": "99999", "locality": "01", "work_gpci": 1023, "pe_gpci": 987,
                                       "mp_gpci": 1456, "amounts": 10, "equations": 5, "candidates": 1,
                                       "status": "exact"}]


def test_an_amount_no_triple_reproduces_and_too_few_codes_are_said():
    gpci = ("1.023", "0.987", "1.456")
    rows = [("99999", "01", code, _cents(*rvu, gpci)) for code, rvu in RVUS.items()]
    rows[0] = (*rows[0][:3], rows[0][3] + 7)  # 21610 seven cents off
    rows += [("99999", "02", "A2040", 12345), ("99999", "02", "Q4418", 12345)]  # skin substitutes only: PE alone
    out = medicare.derive_gpcis(_payments(rows), "2026C").set_index("locality")
    assert out.loc["01", "status"] == "none" and out.loc["01", "work_gpci"] == -1
    assert out.loc["02", "status"] == "underdetermined"


def test_pfrev_excerpt_amounts_are_those_of_the_shipped_2026_gpcis_worked_by_hand():
    # Alabama's shipped 2026 GPCIs (derived from PFREV26B): 1.000 / 0.875 / 0.566 (2025: 1.000 / 0.869 / 0.575)
    g = medicare.load_release("2026C").gpci.set_index("locality_id").loc[ALABAMA]
    assert (g["work_gpci"], g["pe_gpci"], g["mp_gpci"]) == (1.0, 0.875, 0.566)
    # PFREV26B.txt line 79: "2026","10112","00","21610","  ","0001061.95","0001061.95",...
    # (15.51x1 + 14.38x0.875 + 6.54x0.566) x 33.4009 = 31.79414 x 33.4009 = 1061.952890... -> 1061.95
    # PFREV26B.txt line 1714: "2026","10112","00","A2040","  ","0000111.35","0000111.35",...
    # (3.81 x 0.875) x 33.4009 = 3.33375 x 33.4009 = 111.350250... -> 111.35
    assert _cents("15.51", "14.38", "6.54", ("1.000", "0.875", "0.566")) == 106195
    assert _cents("0", "3.81", "0", ("1.000", "0.875", "0.566")) == 11135
    t = medicare.price("2026C", localities=[ALABAMA], codes=["21610", "A2040"]).set_index("hcpcs")
    assert (t.loc["21610", "nonfacility_amount"], t.loc["21610", "facility_amount"]) == (1061.95, 1061.95)
    assert (t.loc["A2040", "nonfacility_amount"], t.loc["A2040", "facility_amount"]) == (111.35, 111.35)
    assert t.loc["21610", "nonfacility_na"] and t.loc["A2040", "facility_na"]
    # with the 2025 GPCIs the engine used to give (15.51 + 14.38x0.869 + 6.54x0.575) x 33.4009 = 1061.037... -> 1061.04


def test_the_shipped_2026_gpcis_respect_the_floors_and_cover_every_2025_locality():
    g26 = medicare.release.shipped_gpci(2026).set_index(["mac", "locality"])
    g25 = medicare.release.shipped_gpci(2025).set_index(["mac", "locality"])
    assert len(g26) == 109 and set(g26.index) == set(g25.index)
    assert (g26["work_gpci"] >= 1000).all()  # the work GPCI floor of 1.0 applies through 2026
    assert g26.loc[("02102", "01"), "work_gpci"] == 1500  # Alaska's 1.5 work floor
    g25 = g25.reindex(g26.index)
    assert (g26["name"] == g25["name"]).all()
    cols = ["work_gpci", "pe_gpci", "mp_gpci"]
    assert (g26[cols] != g25[cols]).any(axis=1).sum() > 90  # most localities' GPCIs changed from 2025 to 2026


def test_the_excerpt_derives_the_shipped_gpcis_where_it_determines_them():
    out = medicare.derive_gpcis(medicare.read_payments(PFREV), "2026C")
    shipped = medicare.release.shipped_gpci(2026)
    exact = out[out["status"] == "exact"].merge(shipped, on=["mac", "locality"], suffixes=("", "_shipped"))
    # the excerpt keeps 2-3 records per locality: 3 distinct equations determine 8 localities' triples, 2 do not
    assert len(exact) == 8 and (out["status"] == "underdetermined").sum() == 101
    for c in ("work_gpci", "pe_gpci", "mp_gpci"):
        assert (exact[c] == exact[c + "_shipped"]).all()
    assert "none" not in set(out["status"])  # no amount contradicts the shipped GPCIs


@pytest.mark.skipif(not FULL_PFREV.is_file(), reason=f"CMS's full PFREV26B.txt not found at {FULL_PFREV} "
                                                      "(set RATEKIT_PUBLIC_DATA)")
def test_every_locality_of_pfrev26b_is_derived_exactly_and_is_what_ships():
    rvu = cmsfiles.read_pprrvu(next((config.PUBLIC_PFS_DIR / "2026C").glob("PPRRVU*.csv")))
    out = medicare.derive_gpcis(medicare.read_payments(FULL_PFREV), rvu)
    assert (out["status"] == "exact").sum() == 109 and out["amounts"].sum() == 8066
    shipped = medicare.release.shipped_gpci(2026)
    both = out.merge(shipped, on=["mac", "locality"], suffixes=("", "_shipped"))
    assert len(both) == 109
    for c in ("work_gpci", "pe_gpci", "mp_gpci"):
        assert (both[c] == both[c + "_shipped"]).all()


def test_a_payer_paying_cms_2026_amounts_is_at_exactly_100_percent_of_medicare():
    """The issue's finding reversed: a payer paying CMS's 2026 amounts showed as 99.65% of Medicare."""
    cms = medicare.read_payments(PFREV)
    at = cms[(cms["mac"] == "10112") & (cms["locality"] == "00")]
    assert len(at) >= 2
    # the payer pays CMS's published amount in both settings, including the NA one (CMS prints it there too)
    rates = pd.concat([pd.DataFrame({"payer": "Exactly Medicare", "hcpcs": at["hcpcs"], "modifier": "",
                                     "setting": s, "rate": at[c] / 100})
                       for s, c in (("nonfacility", "nonfacility_cents"), ("facility", "facility_cents"))])
    units = rates[["payer", "hcpcs", "modifier", "setting"]].assign(units=[10.0 + i for i in range(len(rates))])
    prices = medicare.price("2026C", localities=[ALABAMA], codes=sorted(set(at["hcpcs"])))
    comparison = benchmark.compare(rates, prices, units)
    assert (comparison["pct_of_medicare"] == 1.0).all() and len(comparison) == len(rates)
    index = benchmark.payer_index(comparison, min_codes=1, min_units=1)
    assert index["index"].tolist() == [1.0]
    gaps = benchmark.gap_to_benchmark(index, "target", target=1.0)
    assert gaps["dollars_a_year"].tolist() == [0.0]


def test_release_year_and_payment_indicators():
    assert medicare.release_year("2026c") == 2026 and medicare.release_year("2025D") == 2025
    ind = medicare.payment_indicators("2026C", codes=["20610", "21610", "71046", "45378"]).set_index(
        ["hcpcs", "modifier"])
    assert list(ind.columns)[:3] == ["release", "status", "pctc"]
    # RVU26C (PPRRVU2026_Jul_nonQPP.csv): 20610 MULT PROC 2, BILAT SURG 1 (150% for a bilateral procedure),
    # GLOB DAYS 000; 21610 GLOB DAYS 090 with PRE/INTRA/POST OP 0.10 / 0.69 / 0.21; 71046 MULT PROC 0, PCTC 1
    assert (ind.loc[("20610", ""), "mult_proc"], ind.loc[("20610", ""), "bilat_surg"],
            ind.loc[("20610", ""), "glob_days"]) == ("2", "1", "000")
    assert tuple(ind.loc[("21610", ""), ["glob_days", "pre_op", "intra_op", "post_op"]]) == ("090", 0.10, 0.69, 0.21)
    assert (ind.loc[("71046", "26"), "pctc"], ind.loc[("71046", ""), "mult_proc"]) == ("1", "0")
    assert set(ind.index) >= {("71046", ""), ("71046", "26"), ("71046", "TC")}
    # 2025A's re-saved file wrote GLOB DAYS "90": read as CMS writes it
    assert medicare.payment_indicators("2025A", ["21610"])["glob_days"].tolist() == ["090"]
    assert medicare.payment_indicators("2026C", ["0000Z"]).empty


def test_2026_localities_take_2025s_names_and_counties_and_2023_takes_no_later_counties():
    # PFREV26B has no names: the 2026 table takes the 2025 GPCI file's, and 25LOCCO.csv's counties
    loc = medicare.locate(locality="01112-05", release="2026C")
    assert loc.counties == "SAN FRANCISCO/ALAMEDA/CONTRA COSTA/SAN MATEO" and loc.state == "CA"
    # 2023's 01112-05 was San Francisco alone: 2025's county list would be wrong, so it has none
    assert medicare.locate(locality="01112-05", release="2023A").counties == ""
