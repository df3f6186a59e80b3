"""The 835 reader on the real-format public samples (../shared/data/public/x12_835, see its PROVENANCE.md).

Every expected number below was read by hand from the file text (the segments are quoted in the comments).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ratekit import config
from ratekit.remit import LINE_COLUMNS, read_remittances

SAMPLES = Path(config.PROJECT_ROOT).parent.parent / "shared" / "data" / "public" / "x12_835"
if not SAMPLES.is_dir():
    SAMPLES = Path("/work/shared/data/public/x12_835")


def _read(name):
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"public sample {path} is not on this machine")
    return read_remittances([path])


def test_blue_cross_bare_st_file():
    r = _read("e835p_blue_cross_nc_sample.txt")
    lines = r.lines
    assert list(lines.columns) == LINE_COLUMNS
    # BPR*I*1922.86 ; CLP*200200964A52*1*2100*1922.86*142.54*15*94151100100
    assert r.transactions["payment"].tolist() == [1922.86]
    assert r.claims[["claim_id", "claim_status", "claim_charge", "claim_paid"]].values.tolist() == [
        ["200200964A52", "1", 2100.0, 1922.86]]
    # SVC*HC:59430*1210*1057.86**1*HC:59410 / CAS*CO*42*34.6 / CAS*PR*2*117.54 / AMT*B6*1175.4
    # SVC*HC:59440*890*865**1*HC:59410 / CAS*PR*3*25 (no AMT*B6: allowed = 865 + 25)
    assert lines["procedure"].tolist() == ["59430", "59440", "59426"]
    assert lines["submitted_procedure"].tolist() == ["59410", "59410", ""]
    assert lines["charge"].tolist() == [1210.0, 890.0, 0.0]
    assert lines["paid"].tolist() == [1057.86, 865.0, 0.0]
    assert lines["allowed"].tolist() == [1175.40, 890.0, 742.0]
    assert lines["allowed_source"].tolist() == ["AMT*B6", "paid+PR", "AMT*B6"]
    assert lines["adjustments"].tolist() == ["CO-42 34.60; PR-2 117.54", "PR-3 25.00", ""]
    assert lines["patient_resp"].tolist() == [117.54, 25.0, 0.0]
    assert lines["contractual"].tolist() == [34.6, 0.0, 0.0]
    # N1*PE*XYZ HEALTHCARE CORPORATION*XX*0987654321 ; REF*TJ*123456789 ; TRN*1*02790758*560894904
    assert set(lines["payee_npi"]) == {"0987654321"} and set(lines["payee_tin"]) == {"123456789"}
    assert set(lines["trace"]) == {"02790758"}
    assert str(lines["service_date"].iloc[0].date()) == "2010-12-31"  # DTM*472*20101231
    assert lines["segment"].tolist() == [18, 24, 28]  # ST = 1: SVC segments counted by hand
    assert lines["balanced"].all() and r.claims["balanced"].all() and r.transactions["balanced"].all()
    # SE*33*1234, but ST..SE holds 32 segments (counted by hand): a warning naming the SE segment
    assert any("segment 32 (SE)" in p.message and p.severity == "warning" for p in r.problems)


def test_emedny_three_claims_and_every_triplet():
    r = _read("e835p_emedny_sample.txt")
    # CLP paid 34.25 + 0 + 11.5 = BPR02 45.75
    assert r.claims["claim_paid"].tolist() == [34.25, 0.0, 11.5]
    assert r.claims["claim_charge"].tolist() == [34.25, 34.0, 34.25]
    assert r.transactions["payment"].tolist() == [45.75]
    assert r.transactions["balanced"].all() and r.claims["balanced"].all() and r.lines["balanced"].all()
    adj = r.adjustments
    # CAS*CO*29*12 / CAS*CO*29*22 (claim 2); CAS*CO*251*2.75 / CAS*CO*251*20 (claim 3)
    assert adj[["group", "reason", "amount", "line"]].values.tolist() == [
        ["CO", "29", 12.0, 1], ["CO", "29", 22.0, 2], ["CO", "251", 2.75, 3], ["CO", "251", 20.0, 4]]
    # SVC*HC:V2020:RB*6*6**1: modifier RB; SVC*HC:S0580*20*20**2: units 2
    assert r.lines["modifier_1"].tolist()[:4] == ["RB", "RB", "RB", ""]
    assert r.lines["units"].tolist()[:4] == [1.0, 1.0, 1.0, 2.0]
    # claims 2 and 3 have CLP02 = 2 (processed as secondary): shown, not comparable
    assert r.lines["is_secondary"].tolist() == [False] * 4 + [True] * 6
    assert r.lines["comparable"].tolist() == [True] * 4 + [False] * 6
    assert str(r.lines["service_date"].iloc[7].date()) == "2013-09-17"  # DTM*472*20130917 on V2103


def test_lfh_managed_care_claim_level_cas():
    r = _read("lfh_managed-care.835")
    # CLP*5554555444*1*800.00*450.00 / CAS*CO*A2*50.00 (claim) / SVC*HC:99211*800.00*500.00 / CAS*PR*1*300.00
    # CLP*8765432112*1*1200.00*495.00 / CAS*CO*A2*55.00 / SVC*HC:93555*1200.00*550.00 / PR*1*600 / CO*45*50
    assert r.adjustments[["claim_id", "line", "group", "reason", "amount"]].values.tolist() == [
        ["5554555444", 0, "CO", "A2", 50.0], ["5554555444", 1, "PR", "1", 300.0],
        ["8765432112", 0, "CO", "A2", 55.0], ["8765432112", 1, "PR", "1", 600.0],
        ["8765432112", 1, "CO", "45", 50.0]]
    assert r.claims["claim_adjustments"].tolist() == ["CO-A2 50.00", "CO-A2 55.00"]
    assert r.lines["allowed"].tolist() == [800.0, 1150.0]  # no AMT*B6: 500 + 300, 550 + 600
    assert r.claims["balanced"].all() and r.transactions["balanced"].all()  # 450 + 495 = BPR02 945
    # no DTM*472: the line's DTM*150 service-period start
    assert [str(d.date()) for d in r.lines["service_date"]] == ["2002-03-01", "2002-03-10"]


def test_lfh_secondary_and_cob():
    r = _read("lfh_secondary-payment.835")
    # claim L0004828311 has no SVC: claim-level CAS*OA*23*9411.64; 10323.64 - 9411.64 = 912.00
    assert r.claims["lines"].tolist() == [0, 2]
    assert r.claims["balanced"].all() and r.transactions["balanced"].all()  # 912 + 310 = 1222
    # SVC*HC>66543>26*585.00*280.00*220*1.00 / CAS*PR*1*150.00**2*70.00 / CAS*CO*42*85.00
    assert r.lines["adjustments"].tolist() == ["OA-23 136.50", "PR-1 150.00; PR-2 70.00; CO-42 85.00"]
    assert r.lines["modifier_1"].tolist() == ["26", "26"]  # '>' used though ISA16 says ':'
    assert any("'>'" in p.message for p in r.problems)
    cob = _read("lfh_cob-contractural-adjustment.835")
    # CAS*OA*23*516.00 / CAS*OA*94*-9.00: 541 - 516 + 9 = 34
    assert cob.lines["adjustments"].tolist() == ["OA-23 516.00; OA-94 -9.00"]
    assert cob.lines["balanced"].all() and cob.lines["is_secondary"].all()


def test_all_samples_at_once():
    paths = sorted(SAMPLES.glob("*"))
    paths = [p for p in paths if p.suffix in (".835", ".txt")]
    if not paths:
        pytest.skip(f"no public samples in {SAMPLES}")
    r = read_remittances(paths)
    assert len(r.transactions) == 5 and len(r.claims) == 9 and len(r.lines) == 18
    assert r.ok  # warnings only
