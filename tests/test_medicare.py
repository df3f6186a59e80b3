"""Tests for ratekit.medicare (the Medicare Physician Fee Schedule engine) and ratekit.build.pfs.

Hand-worked amounts use the RVUs of CMS's PPRRVU file, the GPCIs of CMS's GPCI2025.csv and the
conversion factor of the release, and show the arithmetic:
amount = round_half_up((work RVU x work GPCI + PE RVU x PE GPCI + MP RVU x MP GPCI) x CF, 2).
"""

from __future__ import annotations

import gzip
import io
import math
import shutil
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ratekit import cli, config, medicare, reference
from ratekit.build import pfs as build_pfs
from ratekit.medicare import cmsfiles
from ratekit.errors import RatekitError

SF = "01112-05"        # San Francisco: GPCIs 1.088 / 1.419 / 0.445 (GPCI2025.csv)
ALABAMA = "10112-00"   # GPCIs 1.000 / 0.869 / 0.575
REST_OF_PA = "12502-99"  # GPCIs 1.000 / 0.927 / 0.925


def _public_pfs() -> Path | None:
    """CMS's raw files under config.PUBLIC_DATA_DIR, if present."""
    return config.PUBLIC_DATA_DIR / "pfs" if (config.PUBLIC_DATA_DIR / "pfs").is_dir() else None


PUBLIC_PFS = _public_pfs()
needs_raw = pytest.mark.skipif(PUBLIC_PFS is None, reason="CMS raw PFS files not found (set RATEKIT_PUBLIC_DATA)")


def _one(table: pd.DataFrame, hcpcs: str, modifier: str = "") -> pd.Series:
    rows = table[(table["hcpcs"] == hcpcs) & (table["modifier"] == modifier)]
    assert len(rows) == 1, (hcpcs, modifier, len(rows))
    return rows.iloc[0]


def _half_up(x: Decimal) -> float:
    return float(x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@pytest.fixture
def user_pfs(tmp_path, monkeypatch):
    """An empty user release folder ($RATEKIT_PFS_DIR), with the release cache cleared around it."""
    folder = tmp_path / "pfs"
    folder.mkdir()
    monkeypatch.setenv("RATEKIT_PFS_DIR", str(folder))
    medicare.clear_cache()
    yield folder
    medicare.clear_cache()


# --- hand-worked amounts ---------------------------------------------------------------------------

def test_em_visit_99214_and_99213_san_francisco_2025d():
    t = medicare.price("2025D", localities=[SF], codes=["99214", "99213"])
    # 99214: work 1.92, PE non-facility 1.80, PE facility 0.83, MP 0.15; CF 32.3465
    # non-facility: (1.92x1.088 + 1.80x1.419 + 0.15x0.445) x 32.3465 = 4.70985 x 32.3465 = 152.349103815 -> 152.35
    # facility:     (1.92x1.088 + 0.83x1.419 + 0.15x0.445) x 32.3465 = 3.33342 x 32.3465 = 107.826410820 -> 107.83
    row = _one(t, "99214")
    assert (row["nonfacility_amount"], row["facility_amount"]) == (152.35, 107.83)
    assert (row["release"], row["mac"], row["locality"], row["status"]) == ("2025D", "01112", "05", "A")
    # 99213: (1.30x1.088 + 1.35x1.419 + 0.10x0.445) x 32.3465 = 109.154881575 -> 109.15
    #        (1.30x1.088 + 0.57x1.419 + 0.10x0.445) x 32.3465 =  73.353128445 ->  73.35
    row = _one(t, "99213")
    assert (row["nonfacility_amount"], row["facility_amount"]) == (109.15, 73.35)


def test_pc_tc_split_71046_alabama():
    t = medicare.price("2025D", localities=[ALABAMA], codes=["71046"])
    assert list(t["modifier"]) == ["", "26", "TC"]
    # global: (0.22x1 + 0.77x0.869 + 0.02x0.575) x 32.3465 = 29.132228295 -> 29.13; its facility setting is
    # "NA", so CMS's payment files print the non-facility amount there too
    g = _one(t, "71046")
    assert (g["nonfacility_amount"], g["facility_amount"]) == (29.13, 29.13)
    assert (g["nonfacility_na"], g["facility_na"]) == (False, True)
    # 26 (professional): (0.22x1 + 0.08x0.869 + 0.01x0.575) x 32.3465 = 9.550951055 -> 9.55 in both settings
    pc = _one(t, "71046", "26")
    assert (pc["nonfacility_amount"], pc["facility_amount"]) == (9.55, 9.55)
    assert not pc["facility_na"] and not pc["nonfacility_na"]
    # TC (technical): (0 + 0.69x0.869 + 0.01x0.575) x 32.3465 = 19.581277240 -> 19.58; facility "NA"
    tc = _one(t, "71046", "TC")
    assert (tc["nonfacility_amount"], tc["facility_amount"], tc["facility_na"]) == (19.58, 19.58, True)
    # na="blank" leaves an NA setting empty
    blank = _one(medicare.price("2025D", localities=[ALABAMA], codes=["71046"], na="blank"), "71046")
    assert blank["nonfacility_amount"] == 29.13 and math.isnan(blank["facility_amount"])


def test_facility_only_code_99283_is_priced_at_its_facility_amount_in_both_settings():
    t = medicare.price("2025D", localities=[ALABAMA], codes=["99283"])
    row = _one(t, "99283")
    # non-facility NA indicator; facility: (1.60x1 + 0.35x0.869 + 0.16x0.575) x 32.3465 = 64.568465975 -> 64.57,
    # which CMS's payment files print in the non-facility column too (and the NA column says so)
    assert (row["nonfacility_amount"], row["facility_amount"]) == (64.57, 64.57)
    assert (row["nonfacility_na"], row["facility_na"]) == (True, False)
    assert math.isnan(_one(medicare.price("2025D", localities=[ALABAMA], codes=["99283"], na="blank"),
                           "99283")["nonfacility_amount"])
    # na="rvus" (or ignore_na) gives the amount the setting's own PE RVU implies (0.35 in both settings here)
    row = _one(medicare.price("2025D", localities=[ALABAMA], codes=["99283"], ignore_na=True), "99283")
    assert row["nonfacility_amount"] == 64.57
    with pytest.raises(ValueError, match="na must be one of"):
        medicare.price("2025D", localities=[ALABAMA], codes=["99283"], na="zero")


def test_bundled_and_invalid_codes_keep_status_without_amount():
    # 36000 is status B (bundled) and 27215 status I (not valid for Medicare): both carry RVUs in the file
    rvus = medicare.load_release("2025D").rvus.set_index(["hcpcs", "modifier"])
    assert rvus.loc[("36000", ""), "status"] == "B" and rvus.loc[("36000", ""), "work_rvu"] == 0.18
    assert rvus.loc[("27215", ""), "status"] == "I" and rvus.loc[("27215", ""), "work_rvu"] == 10.45
    t = medicare.price("2025D", localities=[ALABAMA], codes=["36000", "27215"])
    assert set(t["status"]) == {"B", "I"}
    assert t[["nonfacility_amount", "facility_amount"]].isna().all().all()


def test_contractor_priced_status_r_without_rvus_gets_no_amount():
    t = medicare.price("2025D", localities=[ALABAMA], codes=["D0120"])
    row = _one(t, "D0120")
    assert row["status"] == "R"
    assert math.isnan(row["nonfacility_amount"]) and math.isnan(row["facility_amount"])


def test_opps_cap_binds_for_71275_in_alabama():
    t = medicare.price("2025D", localities=[ALABAMA], codes=["71275"])
    # PFS global non-facility: (1.82x1 + 6.64x0.869 + 0.13x0.575) x 32.3465 = 247.933011315 -> 247.93
    # OPPS amount (OPPS PE 6.13, OPPS MP 0.13): (1.82 + 6.13x0.869 + 0.13x0.575) x 32.3465 = 233.597365980 -> 233.60
    # OPPSCAP_Oct.csv lists 71275 at 10112-00 for 233.60: the lower applies
    assert _one(t, "71275")["nonfacility_amount"] == 233.60
    # TC: PFS (5.99x0.869 + 0.03x0.575) x CF = 168.93; OPPS (5.48x0.869 + 0.03x0.575) x CF = 154.595891705 -> 154.60
    assert _one(t, "71275", "TC")["nonfacility_amount"] == 154.60
    # the professional component is not capped: (1.82 + 0.65x0.869 + 0.10x0.575) x CF = 79.001474275 -> 79.00
    assert _one(t, "71275", "26")["nonfacility_amount"] == 79.00
    assert medicare.load_release("2025D").opps_cap == "OPPSCAP_Oct.csv"


def test_release_without_oppscap_file_is_capped_from_its_own_opps_rvus_and_says_so():
    rel = medicare.load_release("2025A")
    assert rel.opps_cap_file == ""
    assert any("OPPS" in n and "computed" in n for n in rel.notes)
    # 2025A's 71275 RVUs equal 2025D's, so the computed cap gives the same 233.60
    assert _one(medicare.price("2025A", localities=[ALABAMA], codes=["71275"]), "71275")["nonfacility_amount"] == 233.60


def test_computed_cap_reproduces_the_oppscap_file_everywhere(user_pfs):
    """2025D priced from a raw folder without OPPSCAP_Oct.csv equals the shipped 2025D (which uses the file)."""
    if PUBLIC_PFS is None:
        pytest.skip("CMS raw PFS files not found")
    shipped = medicare.price("2025D")
    dest = user_pfs / "2025D"
    dest.mkdir()
    for name in ("PPRRVU2025_Oct.csv", "GPCI2025.csv", "25LOCCO.csv"):
        shutil.copy(PUBLIC_PFS / "2025D" / name, dest / name)
    medicare.clear_cache()
    raw = medicare.price("2025D")
    assert medicare.load_release("2025D").opps_cap_file == ""
    pd.testing.assert_frame_equal(raw, shipped, check_like=False)


def test_rounding_boundary_half_cent_rounds_up():
    # 61530 (facility; non-facility is NA) in Rest of Pennsylvania, 2025D:
    # (45.56x1 + 29.25x0.927 + 18.73x0.925) x 32.3465 = 90.00 ... exactly 2911.185000000 -> 2911.19 half-up
    exact = (Decimal("45.56") * Decimal("1") + Decimal("29.25") * Decimal("0.927")
             + Decimal("18.73") * Decimal("0.925")) * Decimal("32.3465")
    assert exact == Decimal("2911.185")
    row = _one(medicare.price("2025D", localities=[REST_OF_PA], codes=["61530"]), "61530")
    assert row["facility_amount"] == 2911.19 == _half_up(exact)
    # the trap: the same sum in floats is 2911.18499..., which round() takes down
    naive = round((45.56 * 1.0 + 29.25 * 0.927 + 18.73 * 0.925) * 32.3465, 2)
    assert naive == 2911.18


@pytest.mark.parametrize("name", sorted(["2023A", "2024C", "2025A", "2025D", "2026C"]))
def test_every_half_cent_case_rounds_up(name):
    """Find every paid code/locality whose exact amount ends in exactly half a cent; each must round up."""
    rel = medicare.load_release(name)
    rv, g = rel.rvus, rel.gpci
    ints = {c: np.rint(rv[c].to_numpy() * 100).astype(np.int64)
            for c in ("work_rvu", "pe_nf_rvu", "pe_f_rvu", "mp_rvu")}
    gi = {c: np.rint(g[c].to_numpy() * 1000).astype(np.int64) for c in ("work_gpci", "pe_gpci", "mp_gpci")}
    cf = int(rel.conversion_factor * 10000)
    paid = rv["status"].isin(["A", "R", "T"]).to_numpy()
    found = 0
    for pe, column in (("pe_nf_rvu", "nonfacility_amount"), ("pe_f_rvu", "facility_amount")):
        exact = (gi["work_gpci"][:, None] * ints["work_rvu"] + gi["pe_gpci"][:, None] * ints[pe]
                 + gi["mp_gpci"][:, None] * ints["mp_rvu"]) * cf
        locs, rows = np.nonzero((exact % 10**7 == 5 * 10**6) & paid)
        for li, ri in zip(locs, rows, strict=True):
            r = rv.iloc[ri]
            t = medicare.price(name, localities=[g["locality_id"].iat[li]], codes=[r["hcpcs"]], ignore_na=True)
            got = _one(t, r["hcpcs"], r["modifier"])[column]
            want = _half_up((Decimal(f"{r['work_rvu']:.2f}") * Decimal(f"{g['work_gpci'].iat[li]:.3f}")
                             + Decimal(f"{r[pe]:.2f}") * Decimal(f"{g['pe_gpci'].iat[li]:.3f}")
                             + Decimal(f"{r['mp_rvu']:.2f}") * Decimal(f"{g['mp_gpci'].iat[li]:.3f}"))
                            * rel.conversion_factor)
            if r["opps_pe_nf_rvu"] > 0:
                assert got <= want
            else:
                assert got == want, (name, r["hcpcs"], r["modifier"], g["locality_id"].iat[li], column)
            found += 1
    assert found == {"2023A": 4, "2024C": 37, "2025A": 2, "2025D": 2, "2026C": 0}[name]


def test_every_amount_matches_decimal_arithmetic_at_one_locality():
    """Every amount at San Francisco equals an independent Decimal computation (no cap, no NA)."""
    rel = medicare.load_release("2025D")
    g = rel.gpci.set_index("locality_id").loc[SF]
    gw, gpe, gmp = (Decimal(str(g[c])) for c in ("work_gpci", "pe_gpci", "mp_gpci"))
    t = medicare.price("2025D", localities=[SF], ignore_na=True)
    rv = rel.rvus
    assert list(t["hcpcs"]) == list(rv["hcpcs"]) and list(t["modifier"]) == list(rv["modifier"])
    has_opps = (rv["opps_pe_nf_rvu"] > 0).to_numpy()
    checked = 0
    for i, r in enumerate(rv.itertuples(index=False)):
        if r.status not in ("A", "T") or has_opps[i]:
            continue
        w, pe, mp = (Decimal(f"{x:.2f}") for x in (r.work_rvu, r.pe_nf_rvu, r.mp_rvu))
        want = _half_up((w * gw + pe * gpe + mp * gmp) * rel.conversion_factor)
        assert t["nonfacility_amount"].iat[i] == want, (r.hcpcs, r.modifier)
        checked += 1
    assert checked > 8000


def test_national_amounts_with_gpci_one(user_pfs):
    """With every GPCI = 1, 2025 99213 = $88.95, 99214 = $125.18 (worked below; the national amounts in
    data/reference/leverage/visit_costs.csv); 2026 99213 $95.19, 99214 $135.61."""
    if PUBLIC_PFS is None:
        pytest.skip("CMS raw PFS files not found")
    gpci = ("ADDENDUM E. TEST GPCIs\n,,,,,,\nMedicare Administrative Contractor (MAC),State,Locality Number,"
            "Locality Name,2025 PW GPCI (with 1.0 Floor),2025 PE GPCI,2025 MP GPCI\n99999,US,0,NATIONAL,1,1,1\n")
    for name, src in (("2025D", "PPRRVU2025_Oct.csv"), ("2026C", "PPRRVU2026_Jul_nonQPP.csv")):
        (user_pfs / name).mkdir()
        shutil.copy(PUBLIC_PFS / name / src, user_pfs / name / src)
        (user_pfs / name / "GPCI_TEST.csv").write_text(gpci)
    medicare.clear_cache()
    a = medicare.price("2025D", localities=["99999-00"], codes=["99213", "99214"])
    # 99213: (1.30 + 1.35 + 0.10) x 32.3465 = 88.952875 -> 88.95; 99214: 3.87 x 32.3465 = 125.180955 -> 125.18
    assert list(a["nonfacility_amount"]) == [88.95, 125.18]
    b = medicare.price("2026C", localities=["99999-00"], codes=["99213", "99214"])
    # 2026: 2.85 x 33.4009 = 95.192565 -> 95.19; 4.06 x 33.4009 = 135.607654 -> 135.61
    assert list(b["nonfacility_amount"]) == [95.19, 135.61]
    assert medicare.load_release("2026C").gpci_note == ""  # its own (test) GPCI file was used


# --- releases, files and quirks ----------------------------------------------------------------------

#: Codes per release: data rows of each PPRRVU file. PROVENANCE.md counts one more for 2023A, 2024C and
#: 2025A because those files end with a row holding only a DOS end-of-file mark (Ctrl-Z), not a code.
ROWS = {"2023A": 18010, "2024C": 18664, "2025A": 18865, "2025D": 19090, "2026C": 19356}
FACTS = {
    "2023A": ("2023-01-30", "33.8872"),
    "2024C": ("2024-05-03", "33.2875"),
    "2025A": ("2024-12-23", "32.3465"),
    "2025D": ("2025-09-11", "32.3465"),
    "2026C": ("2026-06-30", "33.4009"),
}


def test_releases_and_newest():
    assert medicare.releases() == ["2023A", "2024C", "2025A", "2025D", "2026C"]
    assert medicare.newest_release(2025) == "2025D"
    assert medicare.newest_release(2024) == "2024C"
    with pytest.raises(RatekitError, match="no PFS release for 2019"):
        medicare.newest_release(2019)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_every_shipped_release_loads_with_its_row_count_date_and_cf(name):
    rel = medicare.load_release(name)
    assert len(rel.rvus) == ROWS[name]
    assert not rel.rvus.duplicated(["hcpcs", "modifier"]).any()
    assert (rel.released.isoformat(), str(rel.conversion_factor)) == FACTS[name]
    assert rel.conversion_factor == Decimal(FACTS[name][1])
    assert rel.year == int(name[:4])
    assert "description" not in [c.lower() for c in rel.rvus.columns]


@needs_raw
@pytest.mark.parametrize("name", sorted(ROWS))
def test_row_count_is_the_raw_files_data_rows(name):
    path = next((PUBLIC_PFS / name).glob("PPRRVU*.csv"))
    lines = path.read_text(encoding="latin-1").splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("HCPCS,"))
    data = [ln for ln in lines[header + 1:] if ln.strip(" ,\x1a")]
    assert len(data) == ROWS[name]


def test_gpci_years_and_notes():
    assert medicare.load_release("2025A").gpci_year == medicare.load_release("2025D").gpci_year == 2025
    assert medicare.load_release("2025D").gpci_note == ""
    assert medicare.load_release("2025D").gpci_method == "cms_file"
    # 2026: its own GPCIs, derived from CMS's published 2026 amounts; not a caveat, but said in the notes
    rel = medicare.load_release("2026C")
    assert (rel.gpci_year, rel.gpci_method, rel.gpci_source) == (2026, "derived_from_cms_amounts", "2026B/PFREV26B.txt")
    assert rel.gpci_note == ""
    assert any("derived from CMS's own published payment amounts (2026B/PFREV26B.txt)" in n for n in rel.notes)
    assert rel.gpci_basis.startswith("2026 GPCIs, derived from CMS's own published payment amounts")
    for name, year in (("2024C", 2024), ("2023A", 2023)):
        r = medicare.load_release(name)
        assert r.gpci_year == year and "third party" in r.gpci_note and "derived_gpci" in r.gpci_note
        assert r.gpci_method == "third_party" and r.gpci_note in r.notes
    assert len(medicare.load_release("2023A").gpci) == 112


def test_2026_gpci_source_is_a_note_not_a_warning(capsys):
    t = medicare.medicare_table(release="2026C", locality=SF, codes=["99214"])
    assert t.attrs["warnings"] == []
    assert any("2026 GPCIs derived from CMS's own published payment amounts" in n for n in t.attrs["notes"])
    assert cli.main(["medicare", "--release", "2026C", "--locality", SF, "--codes", "99214"]) == 0
    out, err = capsys.readouterr()
    assert "note: 2026 GPCIs derived" in err and "warning:" not in err
    assert "GPCI" not in out  # the CSV itself stays clean


def test_a_release_priced_with_another_years_gpcis_warns(user_pfs, capsys):
    (user_pfs / "2027A").mkdir()
    (user_pfs / "2027A" / "PPRRVU27.csv").write_text(_MINIMAL_2027A)
    medicare.clear_cache()
    rel = medicare.load_release("2027A")
    assert (rel.gpci_year, rel.gpci_method) == (2026, "derived_from_cms_amounts")
    assert rel.gpci_note.startswith("2027 amounts use the 2026 GPCIs: no 2027 GPCIs are here")
    assert cli.main(["medicare", "--release", "2027A", "--locality", SF]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0] == f"warning: {rel.gpci_note}"
    assert out.splitlines()[1].startswith("2027A,01112,05,99214,")


def test_exact_decimal_parsing_quirks():
    assert cmsfiles.scaled("1.3", 2) == 130
    assert cmsfiles.scaled("1.30", 2) == 130
    assert cmsfiles.scaled("0", 2) == 0
    assert cmsfiles.scaled(".5", 3) == 500
    assert cmsfiles.scaled("32.3465", 4) == 323465
    assert cmsfiles.scaled("1.500", 2) == 150
    assert cmsfiles.scaled("", 2) == 0
    with pytest.raises(RatekitError, match="more than 2 decimals"):
        cmsfiles.scaled("1.234", 2)
    with pytest.raises(RatekitError, match="plain decimal"):
        cmsfiles.scaled("1,3", 2)
    assert cmsfiles.decimal_text(323465, 4) == "32.3465"


@needs_raw
def test_resaved_2025a_reads_like_cms_text():
    raw = cmsfiles.read_raw_release(PUBLIC_PFS / "2025A")
    text = (PUBLIC_PFS / "2025A" / "PPRRVU25_JAN.csv").read_text(encoding="latin-1")
    assert "\n99213,,,A,,1.3,1.35," in text  # the spreadsheet dropped the trailing zero
    r = raw.rvu.rvus.set_index(["hcpcs", "modifier"]).loc[("99213", "")]
    assert (r["work_rvu"], r["pe_nf_rvu"], r["mp_rvu"]) == (130, 135, 10)
    assert "\n2102,AK,1,ALASKA" in (PUBLIC_PFS / "2025A" / "GPCI2025.csv").read_text(encoding="latin-1")
    ids = set(raw.gpci["mac"] + "-" + raw.gpci["locality"])
    assert {"02102-01", "10112-00", "06302-00"} <= ids and len(ids) == 109
    # its GPCIs equal 2025D's (CMS's unedited copy)
    d = cmsfiles.read_raw_release(PUBLIC_PFS / "2025D")
    pd.testing.assert_frame_equal(raw.gpci.drop(columns="name"), d.gpci.drop(columns="name"))


@needs_raw
def test_2026_extra_column_is_found_by_header():
    f = cmsfiles.read_pprrvu(next((PUBLIC_PFS / "2026C").glob("PPRRVU*.csv")))
    assert "PRIC IND" in f.header
    assert f.header.index("CONV FACTOR") == cmsfiles.read_pprrvu(
        next((PUBLIC_PFS / "2025D").glob("PPRRVU*.csv"))).header.index("CONV FACTOR") + 1
    r = f.rvus.set_index(["hcpcs", "modifier"]).loc[("99214", "")]
    assert (r["work_rvu"], r["pe_nf_rvu"], r["pe_f_rvu"], r["mp_rvu"]) == (192, 200, 47, 14)


@needs_raw
def test_raw_folder_prices_like_the_shipped_form(user_pfs):
    shipped = medicare.price("2025A")
    shipped_rel = medicare.load_release("2025A")
    shutil.copytree(PUBLIC_PFS / "2025A", user_pfs / "2025A")
    medicare.clear_cache()
    rel = medicare.load_release("2025A")
    assert rel.source == str(user_pfs / "2025A")
    assert (rel.released, rel.conversion_factor) == (shipped_rel.released, shipped_rel.conversion_factor)
    pd.testing.assert_frame_equal(medicare.price("2025A"), shipped)


@needs_raw
def test_user_release_is_picked_up_by_name(user_pfs):
    dest = user_pfs / "2026D"
    dest.mkdir()
    shutil.copy(PUBLIC_PFS / "2026C" / "PPRRVU2026_Jul_nonQPP.csv", dest / "PPRRVU2026_Oct.csv")
    medicare.clear_cache()
    assert "2026D" in medicare.releases()
    assert medicare.newest_release(2026) == "2026D"
    t = medicare.medicare_table(year=2026, locality=SF, codes=["99214"])
    assert t["release"].tolist() == ["2026D"]
    assert medicare.load_release("2026D").gpci_year == 2026 and t.attrs["warnings"] == []


#: A PPRRVU file with only the pricing columns (no OPPS or indicator columns), for a year without GPCIs.
_MINIMAL_2027A = (",,2027 test release,,,,,,,,\n,,RELEASED 01/02/2027\n"
                  ",,,STATUS,WORK,NON-FAC,NON-FAC NA,FACILITY,FACILITY NA,MP,CONV\n"
                  "HCPCS,MOD,DESCRIPTION,CODE,RVU,PE RVU,INDICATOR,PE RVU,INDICATOR,RVU,FACTOR\n"
                  "99214,,,A,1.92,1.80,,0.83,,0.15,32.3465\n")


def test_minimal_user_release_prices_and_bad_one_is_a_clear_error(user_pfs, capsys):
    """A PPRRVU file with only the pricing columns (no OPPS columns) prices, uncapped, and says so."""
    (user_pfs / "2027A").mkdir()
    (user_pfs / "2027A" / "PPRRVU27.csv").write_text(_MINIMAL_2027A)
    medicare.clear_cache()
    rel = medicare.load_release("2027A")
    assert (rel.released.isoformat(), rel.opps_cap) == ("2027-01-02", "none")
    assert any("NOT capped" in n for n in rel.notes) and "2027 amounts use the 2026 GPCIs" in rel.gpci_note
    # San Francisco's 2026 GPCIs (derived from PFREV26B): 1.095 / 1.410 / 0.425
    # (1.92x1.095 + 1.80x1.410 + 0.15x0.425) x 32.3465 = 4.70415 x 32.3465 = 152.162... -> 152.16
    assert _one(medicare.price("2027A", localities=[SF]), "99214")["nonfacility_amount"] == 152.16
    (user_pfs / "2028A").mkdir()
    (user_pfs / "2028A" / "PPRRVU28.csv").write_text(
        ",,RELEASED 01/02/2028\nHCPCS,MOD,DESCRIPTION,STATUS CODE\n99213,,,A\n")
    medicare.clear_cache()
    assert cli.main(["medicare", "--release", "2028A", "--locality", SF]) == 2
    _, err = capsys.readouterr()
    assert "PPRRVU28.csv" in err and "WORK RVU" in err and "Traceback" not in err


@needs_raw
def test_compact_form_is_what_the_build_writes(tmp_path):
    written = build_pfs.build(PUBLIC_PFS, tmp_path / "pfs")
    assert written
    for path in written:
        rel = path.relative_to(tmp_path / "pfs")
        shipped = config.PFS_REFERENCE_DIR / rel
        assert shipped.read_bytes() == path.read_bytes(), f"{rel} differs: rebuild with python -m ratekit.build.pfs"
    shipped = {p.relative_to(config.PFS_REFERENCE_DIR) for p in config.PFS_REFERENCE_DIR.rglob("*") if p.is_file()}
    assert shipped == {p.relative_to(tmp_path / "pfs") for p in written}  # and nothing stale is shipped


def test_shipped_files_are_registered_small_and_free_of_descriptors():
    base = config.PFS_REFERENCE_DIR
    files = {p for p in base.rglob("*") if p.is_file() and p.suffix == ".gz"}
    registered = {d.file for d in reference.datasets() if d.key.startswith("pfs_")}
    assert files == registered
    for d in reference.datasets():
        if d.key.startswith("pfs_"):
            assert d.source and d.release
    assert sum(p.stat().st_size for p in base.rglob("*") if p.is_file()) < 2_000_000
    for p in base.glob("*/rvu.csv.gz"):
        header = gzip.open(p, "rt").readline().lower()
        assert "description" not in header
    for key in ("pfs_rvu_2025A", "pfs_gpci_2023", "pfs_gpci_2024", "pfs_gpci_2026"):
        assert reference.get(key).caveats
    assert "spreadsheet" in reference.get("pfs_rvu_2025A").caveats
    assert "third party" in reference.get("pfs_gpci_2024").caveats
    assert "PFREV26B" in reference.get("pfs_gpci_2026").source
    # the registry says how each year's GPCIs were obtained, as the shipped index does
    index = medicare.release.compact_index()["gpci"]
    words = {"cms_file": "CMS", "third_party": "third party", "derived_from_cms_amounts": "derived from CMS's"}
    for year, entry in index.items():
        assert words[entry["method"]] in reference.get(f"pfs_gpci_{year}").source


# --- every locality, shape of the output --------------------------------------------------------------

@pytest.mark.parametrize("name", ["2025A", "2025D"])
def test_every_2025_locality_prices(name):
    t = medicare.price(name)
    rel = medicare.load_release(name)
    assert len(t) == len(rel.rvus) * 109
    assert t["locality_id"].nunique() == 109
    visits = t[(t["hcpcs"] == "99214") & (t["modifier"] == "")]
    assert len(visits) == 109
    assert visits["nonfacility_amount"].notna().all() and visits["facility_amount"].notna().all()
    assert visits["nonfacility_amount"].between(100, 200).all()
    # Alaska's 1.5 work-GPCI floor makes it the highest 99214 of all
    top = visits.loc[visits["nonfacility_amount"].idxmax()]
    assert top["locality_id"] == "02102-01"


def test_price_contract():
    t = medicare.price("2025D", localities=[SF, ALABAMA], codes=["99214", "71046"])
    assert list(t.columns[:10]) == list(medicare.COLUMNS)
    assert t.columns[10] == "locality_id"
    assert len(t) == 2 * 4
    assert list(t["locality_id"].unique()) == [SF, ALABAMA]
    for c in ("release", "mac", "locality", "hcpcs", "modifier", "status", "locality_id"):
        assert t[c].dtype == "str", c
    for c in ("nonfacility_na", "facility_na"):
        assert t[c].dtype == bool, c
    for c in ("nonfacility_amount", "facility_amount"):
        assert t[c].dtype == np.float64
        dollars = t[c].dropna()
        assert len(dollars) and (np.round(dollars * 100) / 100 == dollars).all()  # the double nearest exact cents
    assert set(t["mac"]) == {"01112", "10112"} and set(t["locality"]) == {"05", "00"}
    # locality ids may be written without padding; codes in any case
    u = medicare.price("2025D", localities=["1112-5"], codes=["99214 "])
    assert u["locality_id"].tolist() == [SF]


def test_unknown_code_gives_no_rows_in_price_but_an_error_in_the_table():
    assert medicare.price("2025D", localities=[SF], codes=["0000Z"]).empty
    with pytest.raises(RatekitError, match="not in the 2025D RVU file"):
        medicare.medicare_table(release="2025D", locality=SF, codes=["0000Z"])


def test_one_client_lookup_is_instant():
    medicare.load_release("2025D")
    codes = ["99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215", "99395",
             "99396", "99397", "G0438", "G0439", "93000", "36415", "81002", "90471", "96372", "11102",
             "17000", "17003", "17110", "11900", "69210", "94010", "93005", "20610", "71046", "99283"]
    start = time.perf_counter()
    for _ in range(10):
        medicare.price("2025D", localities=[SF], codes=codes)
    assert (time.perf_counter() - start) / 10 < 0.05


# --- locating a client ----------------------------------------------------------------------------------

@pytest.mark.parametrize("zip_code, locality_id, name_part", [
    ("94110", "01112-05", "SAN FRANCISCO"),
    ("35203", "10112-00", "ALABAMA"),
    ("10001", "13202-01", "MANHATTAN"),
    ("15213", "12502-99", "REST OF PENNSYLVANIA"),
    ("92801", "01182-18", "LOS ANGELES"),
])
def test_zip_to_locality(zip_code, locality_id, name_part):
    loc = medicare.locate(zip_code, release="2025D")
    assert loc.locality_id == locality_id and name_part in loc.name
    assert loc.zip_code == zip_code and loc.counties
    assert (loc.mac, loc.locality) == tuple(locality_id.split("-"))


def test_zip_for_another_years_release():
    assert medicare.locate("35203", release="2025D").note == ""
    assert "2025 Q4 ZIP5 file, used for the 2024 release" in medicare.locate("35203", release="2024C").note
    t = medicare.medicare_table(release="2024C", zip_code="35203", codes=["99214"])
    assert any("ZIP5 file" in n for n in t.attrs["notes"])
    # Orange County (92801) was locality 01182-26 in 2023; the 2025 ZIP5 file says 01182-18 (then Los Angeles only)
    with pytest.raises(RatekitError, match="defined differently in 2023"):
        medicare.locate("92801", release="2023A")
    assert medicare.locate(locality="01182-26", release="2023A").name.endswith("(ORANGE CNTY)")


def test_user_zip5_file_is_used(user_pfs):
    (user_pfs / "zip_locality").mkdir()
    line = "CA941100111209 Z9   0 A" + " " * 52 + "20261"
    (user_pfs / "zip_locality" / "ZIP5_JAN2026.txt").write_text(line + "\r\n")
    old = "CA941100111205 Z9   0 A" + " " * 52 + "20254"
    (user_pfs / "zip_locality" / "ZIP5_OCT2025.txt").write_text(old + "\r\n")
    medicare.clear_cache()
    assert medicare.locate("94110", release="2025D").locality_id == "01112-09"  # newest by its year+quarter
    assert "2026 Q1 ZIP5 file, used for the 2025 release" in medicare.locate("94110", release="2025D").note


def test_locate_details():
    loc = medicare.locate(locality="01112-05", release="2025D")
    assert loc.counties == "SAN FRANCISCO/ALAMEDA/CONTRA COSTA/SAN MATEO" and loc.state == "CA"
    assert medicare.locate("35958").rural == "R" and medicare.locate("35958").zip_plus4
    with pytest.raises(RatekitError, match="not in CMS's ZIP5"):
        medicare.locate("00000")
    with pytest.raises(RatekitError, match="5 digits"):
        medicare.locate("9411")
    with pytest.raises(RatekitError, match="either a ZIP code or a locality"):
        medicare.locate()


# --- CLI ------------------------------------------------------------------------------------------------

def test_cli_csv(capsys):
    code = cli.main(["medicare", "--release", "2025A", "--locality", ALABAMA, "--codes", "99283", "71046"])
    out, _ = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ("release,mac,locality,hcpcs,modifier,status,nonfacility_amount,facility_amount,"
                        "nonfacility_na,facility_na")
    # the NA setting carries the applicable setting's amount, as CMS's payment files print it, and says so
    assert lines[1:] == [
        "2025A,10112,00,71046,,A,29.13,29.13,False,True",
        "2025A,10112,00,71046,26,A,9.55,9.55,False,False",
        "2025A,10112,00,71046,TC,A,19.58,19.58,False,True",
        "2025A,10112,00,99283,,A,64.57,64.57,True,False",
    ]
    table = pd.read_csv(io.StringIO(out), dtype={"mac": str, "locality": str, "modifier": str})
    assert list(table.columns) == list(medicare.COLUMNS)


def test_cli_zip_and_year(capsys):
    assert cli.main(["medicare", "--year", "2025", "--zip", "94110", "--codes", "99214"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[1] == "2025D,01112,05,99214,,A,152.35,107.83,False,False"


@pytest.mark.parametrize("argv, message", [
    (["--release", "2019A", "--locality", SF], "unknown PFS release"),
    (["--release", "2025D", "--locality", "99999-99"], "no such Medicare locality"),
    (["--release", "2025D", "--locality", "SF"], "MAC-LL"),
    (["--release", "2025D", "--zip", "00000"], "ZIP code not in CMS's ZIP5"),
    (["--release", "2025D", "--zip", "941"], "5 digits"),
    (["--release", "2025D", "--locality", SF, "--codes", "9921"], "5 letters or digits"),
    (["--release", "2025A", "--year", "2026", "--locality", SF], "not of year 2026"),
    (["--year", "2019", "--locality", SF], "no PFS release for 2019"),
    (["--release", "2025D"], "give --locality MAC-LL or --zip ZIP"),
])
def test_cli_bad_input_is_a_clear_message(capsys, argv, message):
    code = cli.main(["medicare", *argv])
    out, err = capsys.readouterr()
    assert code != 0
    assert message in err
    assert "Traceback" not in err and out == ""
