"""The engine against CMS's own published payment amounts (ratekit.medicare.payments, .reconciliation).

Published truth, always: the excerpts in tests/data/cms_payments (see its README: cut from CMS's
PFREV26B.txt and OPPSCAP_Oct.csv) are reconciled on every run; the full files under shared/ are
reconciled when present.
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ratekit import cli, config, medicare
from ratekit.errors import RatekitError
from ratekit.medicare import engine, payments

DATA = Path(__file__).parent / "data" / "cms_payments"
PFREV = DATA / "PFREV26B_every13th.txt"
OPPSCAP = DATA / "OPPSCAP_Oct_2025D_excerpt.csv"
FULL_PFREV = config.PUBLIC_PFS_DIR / "2026B" / "PFREV26B.txt"
FULL_OPPSCAP = config.PUBLIC_PFS_DIR / "2025D" / "OPPSCAP_Oct.csv"


# --- reading CMS's payment files -------------------------------------------------------------------------

def test_pfrev_records_are_read_by_position_and_the_trailer_is_skipped():
    table = medicare.read_payments(PFREV)
    assert len(table) == 310  # 310 records; the 4 "TRL-" copyright lines are not rows
    first = table.iloc[0]
    # line 1 of the excerpt, as CMS wrote it:
    # "2026","01112","61","21610","  ","0001170.35","0001170.35"," ","0","A","2","0000000.00","0000000.00","9",...
    assert PFREV.read_text().splitlines()[0].startswith('"2026","01112","61","21610","  ","0001170.35","0001170.35"')
    assert (first["line"], first["year"], first["mac"], first["locality"], first["hcpcs"], first["modifier"],
            first["status"], first["nonfacility_cents"], first["facility_cents"], first["opps_indicator"]) == (
        1, 2026, "01112", "61", "21610", "", "A", 117035, 117035, "9")
    assert set(table["year"]) == {2026} and table["mac"].str.len().eq(5).all()


def test_oppscap_rows_are_read_by_header():
    table = medicare.read_payments(OPPSCAP)
    assert len(table) == 313
    first = table.iloc[0]  # "0634T,TC,C,10112,00,154.50,154.50"
    assert (first["line"], first["hcpcs"], first["modifier"], first["status"], first["mac"], first["locality"],
            first["facility_cents"], first["nonfacility_cents"], first["year"]) == (
        2, "0634T", "TC", "C", "10112", "00", 15450, 15450, 0)


def test_a_zip_of_payment_files_is_read_member_by_member(tmp_path):
    archive = tmp_path / "PFREV26B.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(PFREV, "PFREV26B.txt")
        z.writestr("README.pdf", b"%PDF-1.4 not a payment file")
    files = payments.payment_files(archive)
    assert [(f.name, f.layout) for f in files] == [("PFREV26B.zip:PFREV26B.txt", "PFALL")]
    assert len(medicare.read_payments(archive)) == 310


def test_large_files_are_read_in_chunks():
    chunks = list(payments.read_payment_file(PFREV, chunk_rows=100))
    assert [len(c) for c in chunks] == [100, 100, 100, 10]
    assert chunks[1]["line"].iat[0] == 101


@pytest.mark.parametrize("text, message", [
    ('"2026","01112","05","21610","  ","0001337.3x","0001337.33"," ","0","A"\n',
     "row 1, column 'nonfacility_amount': the nonfacility amount is not an amount in dollars and cents"),
    ('"2026","01112","05","21610","  ","0001337.33","0001337.33"," ","0","A"\n"2026","01112","05","21610"\n',
     "row 2: a PFALL/PFREV record has 16 fields; this one has 4"),
    ("HCPCS,MOD,AMOUNT\n21610,,1337.33\n", "not a CMS payment file"),
    ('"2026","01112","05","21610","  ","0001337.33","0001337.33"," ","0","A"\n"20x6","01112","05","21610","  ",'
     '"1","1"," ","0","A"\n', "row 2, column 'year'"),
])
def test_a_malformed_payment_file_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "PFREV99Z.txt"
    path.write_text(text)
    with pytest.raises(RatekitError, match="PFREV99Z.txt") as info:
        medicare.read_payments(path)
    assert message in str(info.value)


# --- reconciling ----------------------------------------------------------------------------------------

def test_the_2026_excerpt_reconciles_to_the_cent_against_2026c():
    result = medicare.reconcile(PFREV)
    (f,) = result.files
    assert (f.release, f.layout, f.amounts, f.matched, dict(f.skipped)) == ("2026C", "PFALL", 620, 620, {})
    assert result.ok and result.text().splitlines()[-1] == "620/620 amounts match to the cent"


def test_the_2025d_oppscap_excerpt_reconciles_with_its_skips_said():
    result = medicare.reconcile(OPPSCAP, release="2025D")
    (f,) = result.files
    assert (f.amounts, f.matched) == (508, 508) and result.ok
    assert dict(f.skipped) == {"carrier-priced codes (status C): the OPPSCAP file gives only the OPPS cap": 47,
                               "MAC-locality not priced by 2025D": 12}
    assert "  skipped 12 rows: MAC-locality not priced by 2025D" in result.text().splitlines()


def test_the_computed_opps_cap_reproduces_cms_capped_amounts_without_the_file():
    """2025D priced with the cap computed from its PPRRVU OPPS columns (not OPPSCAP_Oct.csv) gives CMS's amounts."""
    rel = medicare.load_release("2025D")
    uncapped_file = dataclasses.replace(rel, _exact={**rel._exact, "cap": None})
    table = medicare.read_payments(OPPSCAP)
    table = table[table["status"] != "C"]
    table = table[(table["mac"] + "-" + table["locality"]).isin(rel.localities)]
    e = rel._exact
    rows = np.array([e["row_of"][(h, m)] for h, m in zip(table["hcpcs"], table["modifier"], strict=True)])
    locs = np.array([e["loc_pos"][f"{a}-{b}"] for a, b in zip(table["mac"], table["locality"], strict=True)])
    nf, f = engine.cents_matrix(uncapped_file, rows, locs)
    got_nf, got_f = nf[np.arange(len(rows)), np.arange(len(rows))], f[np.arange(len(rows)), np.arange(len(rows))]
    assert len(rows) == 254
    assert (got_nf == table["nonfacility_cents"].to_numpy()).all()
    assert (got_f == table["facility_cents"].to_numpy()).all()
    # and the cap binds on every row: the uncapped PFS amount is higher (e.g. 71275 at Alabama, 247.93 > 233.60)
    raw_nf, _ = engine.cents_matrix(dataclasses.replace(uncapped_file, _exact={**e, "cap": None, "opps": {
        **e["opps"], "rows": np.zeros(0, dtype=np.int64)}}), rows, locs)
    assert (raw_nf[np.arange(len(rows)), np.arange(len(rows))] > got_nf).all()


def test_a_wrong_amount_is_reported_and_fails(tmp_path):
    lines = PFREV.read_text().splitlines(keepends=True)
    # line 5: "2026","06202","00","21610",... 0001076.94 -> one cent more in the non-facility column
    assert lines[4].startswith('"2026","06202","00","21610","  ","0001076.94","0001076.94"')
    lines[4] = lines[4].replace('"0001076.94"', '"0001076.95"', 1)
    bad = tmp_path / "PFREV26B.txt"
    bad.write_text("".join(lines))
    result = medicare.reconcile(bad)
    assert not result.ok
    assert (result.files[0].matched, result.files[0].amounts, result.files[0].mismatched) == (619, 620, 1)
    assert result.files[0].mismatches[0].text() == (
        "line 5: 06202-00 21610 non-facility: CMS 1076.95, ratekit 1076.94 (-0.01)")
    assert result.text().splitlines()[-1] == "619/620 amounts match to the cent"


def test_a_code_the_release_lacks_is_a_mismatch(tmp_path):
    path = tmp_path / "PFREV99.txt"
    path.write_text('"2026","10112","00","0000Z","  ","0000010.00","0000010.00"," ","0","A","2","0","0","9","0","0"\n'
                    '"2026","10112","00","36000","  ","0000000.00","0000000.00"," ","0","B","9","0","0","9","0","0"\n')
    result = medicare.reconcile(path)
    # 0000Z is not a code of 2026C: 2 mismatches; 36000 is bundled (status B): no amount, printed 0.00 = match
    assert (result.files[0].matched, result.files[0].amounts) == (2, 4)
    assert result.files[0].mismatches[0].text() == (
        "line 1: 10112-00 0000Z non-facility: CMS 10.00, ratekit none (not in 2026C)")


def test_an_opps_capped_pfall_record_is_compared_at_the_lower_amount(tmp_path):
    # 71275 at Alabama, 2025D: PFS non-facility 247.93, OPPS amount 233.60 (tests/test_medicare.py works both)
    path = tmp_path / "PFALL25.txt"
    path.write_text('"2025","10112","00","71275","  ","0000247.93","0000079.00"," ","1","A","0","0","0","1",'
                    '"0000233.60","0000000.00"\n')
    result = medicare.reconcile(path, release="2025D")
    # non-facility: min(247.93, 233.60) = 233.60 = the engine's; facility (NA: the non-facility amount) 233.60 != 79.00
    assert (result.files[0].matched, result.files[0].amounts) == (1, 2)
    assert "facility: CMS 79.00, ratekit 233.60" in result.files[0].mismatches[0].text()


def test_an_oppscap_file_needs_its_release_named():
    with pytest.raises(RatekitError, match="has no year column to choose the release by"):
        medicare.reconcile(OPPSCAP)


def test_cli_reconcile(capsys, tmp_path):
    archive = tmp_path / "PFREV26B.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(PFREV, "PFREV26B.txt")
    assert cli.main(["medicare", "reconcile", str(PFREV), str(archive)]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines() == [
        "PFREV26B_every13th.txt (PFALL layout) against 2026C: 620/620 amounts match to the cent",
        "PFREV26B.zip:PFREV26B.txt (PFALL layout) against 2026C: 620/620 amounts match to the cent",
        "1240/1240 amounts match to the cent",
    ]
    assert cli.main(["medicare", "reconcile", str(OPPSCAP), "--release", "2025d"]) == 0
    assert capsys.readouterr()[0].splitlines()[-1] == "508/508 amounts match to the cent"
    assert cli.main(["medicare", "--release", "2025D", "reconcile", str(OPPSCAP)]) == 0  # either place
    assert capsys.readouterr()[0].splitlines()[-1] == "508/508 amounts match to the cent"
    # a release priced with the wrong year's amounts fails, with exit status 1
    assert cli.main(["medicare", "reconcile", str(PFREV), "--release", "2025D"]) == 1
    out, _ = capsys.readouterr()
    assert "first 10 of" in out and not out.splitlines()[-1].startswith("620/620")
    assert cli.main(["medicare", "reconcile", str(tmp_path / "missing.txt")]) == 2
    assert "no such file" in capsys.readouterr()[1]


def test_wrong_gpcis_are_caught_by_reconcile(tmp_path, monkeypatch):
    """A user's 'GPCI2026' file holding the 2025 GPCIs is used, warned about, and fails reconciliation."""
    folder = tmp_path / "pfs" / "gpci"
    folder.mkdir(parents=True)
    gpci25 = medicare.release.shipped_gpci(2025)
    text = ("Medicare Administrative Contractor (MAC),State,Locality Number,Locality Name,PW GPCI,PE GPCI,MP GPCI\n"
            + "".join(f"{r.mac},{r.state},{r.locality},\"{r.name}\",{r.work_gpci / 1000:.3f},{r.pe_gpci / 1000:.3f},"
                      f"{r.mp_gpci / 1000:.3f}\n" for r in gpci25.itertuples()))
    (folder / "GPCI2026.csv").write_text(text)
    monkeypatch.setenv("RATEKIT_PFS_DIR", str(tmp_path / "pfs"))  # read when used, not at import
    medicare.clear_cache()
    try:
        rel = medicare.load_release("2026C")
        assert (rel.gpci_method, rel.gpci_source) == ("cms_file", str(folder / "GPCI2026.csv"))
        assert rel.gpci_note.startswith("GPCI2026.csv differs from the 2026 GPCIs that reproduce CMS's published 2026 "
                                        "payment amounts (2026B/PFREV26B.txt) at ")
        result = medicare.reconcile(PFREV)
        # the finding, on the excerpt: with 2025 GPCIs few 2026 amounts match
        assert result.files[0].matched < 100 and not result.ok
    finally:
        monkeypatch.delenv("RATEKIT_PFS_DIR")
        medicare.clear_cache()
    assert medicare.load_release("2026C").gpci_method == "derived_from_cms_amounts"


# --- the full files, where shared/ is present -------------------------------------------------------------

@pytest.mark.skipif(not FULL_PFREV.is_file(), reason=f"CMS's full PFREV26B.txt not found at {FULL_PFREV} "
                                                      "(set RATEKIT_PUBLIC_DATA); the excerpt is reconciled above")
def test_every_amount_of_pfrev26b_reconciles():
    result = medicare.reconcile(FULL_PFREV)
    assert result.text() == ("PFREV26B.txt (PFALL layout) against 2026C: 8066/8066 amounts match to the cent\n"
                             "8066/8066 amounts match to the cent")


@pytest.mark.skipif(not FULL_OPPSCAP.is_file(), reason=f"CMS's OPPSCAP_Oct.csv not found at {FULL_OPPSCAP} "
                                                        "(set RATEKIT_PUBLIC_DATA); the excerpt is reconciled above")
def test_every_amount_of_oppscap_oct_reconciles():
    result = medicare.reconcile(FULL_OPPSCAP, release="2025D")
    (f,) = result.files
    assert (f.amounts, f.matched) == (12644, 12644)  # 6,322 capped code-locality rows, both settings
    assert sum(f.skipped.values()) == 348 + 9430
