"""Tests for ratekit.leverage.panel: patients per payer and condition, from client.yaml and the diagnosis file."""

import pytest

from ratekit import leverage
from ratekit.errors import RatekitError

from .clients import demo_client

def test_largest_remainder_by_hand():
    # 10 over three equal payers: 3.33 each -> 3, 3, 3 and the leftover unit to the first (tie)
    assert leverage.largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    # 7 over 600:400 -> quotas 4.2, 2.8 -> floors 4, 2; the leftover to the larger remainder (0.8)
    assert leverage.largest_remainder(7, [600, 400]) == [4, 3]
    assert leverage.largest_remainder(5, [0, 0]) == [0, 0]
    assert leverage.largest_remainder(0, [3, 1]) == [0, 0]


def test_panel_splits_totals_by_patients_and_keeps_payer_counts():
    c = demo_client(payers=(("Acme", 600, {"diabetes": 60}), ("Bolt", 300, {}), ("Cove", 100, {})),
                conditions={"hypertension": 301, "diabetes": 100})
    p = leverage.panel(c).set_index(["payer", "condition"])
    # hypertension 301 over 600:300:100 -> quotas 180.6, 90.3, 30.1 -> floors 180, 90, 30 (+1 to 0.6) = 181, 90, 30
    assert [p.loc[(n, "hypertension"), "patients"] for n in ("Acme", "Bolt", "Cove")] == [181, 90, 30]
    # diabetes: Acme's own 60; the other 40 over Bolt:Cove = 300:100 -> 30, 10
    assert [p.loc[(n, "diabetes"), "patients"] for n in ("Acme", "Bolt", "Cove")] == [60, 30, 10]
    assert p.loc[("Acme", "diabetes"), "source"] == "payer count"
    assert p.loc[("Bolt", "diabetes"), "source"] == "split of client total"
    assert list(leverage.panel(c)["payer"].unique()) == ["Acme", "Bolt", "Cove"]


def test_panel_from_diagnosis_file(tmp_path):
    (tmp_path / "dx.csv").write_text(
        "ICD-10 code,patients\nE11.9,80\nE11.65,20\nE11,3\nI10,150\nI11.0,5\nZ00.00,40\n")
    c = demo_client(tmp_path, payers=(("Acme", 600, {}), ("Bolt", 400, {})), diagnoses="dx.csv",
                conditions={"hypertension": 300})
    mapped = leverage.map_diagnoses(leverage.read_diagnoses(c))
    # I11.0 (hypertensive heart disease with heart failure) defines both conditions; Z00.00 defines none
    assert sorted(mapped.loc[mapped["icd10"] == "I110", "condition"]) == ["heart_failure", "hypertension"]
    assert mapped.loc[mapped["icd10"] == "Z0000", "condition"].isna().all()
    p = leverage.panel(c).set_index(["payer", "condition"])
    # diabetes = 80 + 20 + 3 (E11, less specific, still only diabetes) = 103 -> 600:400 -> 61.8, 41.2 -> 62, 41
    assert p.loc[("Acme", "diabetes"), "patients"] == 62 and p.loc[("Bolt", "diabetes"), "patients"] == 41
    assert p.loc[("Acme", "diabetes"), "source"] == "split of diagnosis file"
    # hypertension from client.yaml (300) wins over the file's 155
    assert p.loc[("Acme", "hypertension"), "patients"] == 180
    # heart failure = 5 -> 3, 2
    assert p.loc[("Acme", "heart_failure"), "patients"] == 3


def test_diagnosis_totals_are_capped_at_the_panel(tmp_path):
    (tmp_path / "dx.csv").write_text("code,patients\nE119,80\nE1165,70\n")
    c = demo_client(tmp_path, payers=(("Acme", 100, {}),), diagnoses="dx.csv")
    assert leverage.panel(c)["patients"].tolist() == [100]  # 150 codes-patients, 100 in the panel


def test_bad_diagnosis_file_lists_rows(tmp_path):
    (tmp_path / "dx.csv").write_text("ICD-10 code,patients\nE11.9,many\n123,4\n")
    c = demo_client(tmp_path, diagnoses="dx.csv")
    with pytest.raises(RatekitError) as info:
        leverage.panel(c)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "patients"), (3, "ICD-10 code")]
