"""Expected allowed and the classification of remittance lines, on hand-made lines (numbers worked by hand)."""

from __future__ import annotations

import pandas as pd
import pytest

from ratekit import medicare
from ratekit.client import load_client
from ratekit.remit.expected import expected_allowed, release_in_force
from ratekit.remit.underpay import appeal_worklist, classify, summary

from conftest import write_client

FEES = {
    "fee_schedules/alpha.csv": "code,modifier,rate,effective date\n99213,,115.00,2024-01-01\n99213,,120.00,2025-01-01\n"
                               "99214,,170.00,\n20610,,100.00,\n11102,,80.00,\n17003,,10.00,\n",
    "fee_schedules/beta.csv": "code,modifier,rate\n99213,,95.00\n99214,,130.00\n",
}


@pytest.fixture
def client(tmp_path):
    write_client(tmp_path, fee_schedules=FEES, yaml_data={"payers": [
        {"name": "Alpha Health", "kind": "commercial", "patients": 600, "fee_schedule": "fee_schedules/alpha.csv",
         "aliases": ["AH", "Alpha"]},
        {"name": "Beta Care", "kind": "medicare_advantage", "patients": 400, "fee_schedule": "fee_schedules/beta.csv"},
        {"name": "Gamma Plan", "kind": "commercial", "patients": 100,
         "contract": {"percent_of_medicare": 120}}]})
    return load_client("tiny", tmp_path)


def line(**kw) -> dict:
    """One service line with the reader's columns (defaults: a paid primary 99213 for Alpha Health)."""
    row = {"file": "a.835", "transaction": 1, "trace": "T1", "payer_name": "ALPHA", "payer_id": "AH01",
           "payee_npi": "1234567893", "payee_tin": "123456789", "claim_id": "C1", "claim_status": "1",
           "claim_charge": 200.0, "claim_paid": 0.0, "claim_filing": "12", "payer_claim_id": "P1",
           "claim_segment": 10, "line": 1, "segment": 12, "service_date": pd.Timestamp("2025-03-10"),
           "procedure": "99213", "modifier_1": "", "modifier_2": "", "modifier_3": "", "modifier_4": "",
           "submitted_procedure": "", "units": 1.0, "charge": 200.0, "paid": 100.0, "allowed": 120.0,
           "allowed_source": "AMT*B6", "patient_resp": 20.0, "contractual": 80.0, "other_adj": 0.0,
           "adjustments": "CO-45 80.00; PR-2 20.00", "is_secondary": False, "reversal": False, "reversed": False,
           "duplicate": False, "comparable": True}
    row.update(kw)
    return row


def test_release_in_force_follows_the_quarters():
    dates = pd.Series(pd.to_datetime(["2025-03-10", "2025-10-01", "2025-09-30", "2024-02-01", "2022-06-01"]))
    # 2025A from 1 January, 2025D from 1 October; 2024C is the only 2024 release shipped; none for 2022
    assert release_in_force(dates, ["2024C", "2025A", "2025D"]).tolist() == ["2025A", "2025D", "2025A", "2024C", ""]


def test_flat_rates_in_force_on_the_service_date(client):
    lines = pd.DataFrame([line(), line(service_date=pd.Timestamp("2024-06-01"), claim_id="C2"),
                          line(procedure="93000", claim_id="C3")])
    exp = expected_allowed(lines, client)
    assert exp["expected"].tolist()[:2] == [120.00, 115.00]  # the 2025 and the 2024 rows of alpha.csv
    assert pd.isna(exp["expected"].iloc[2])  # no rate for 93000


def test_percent_of_medicare_contract_priced_at_the_release_in_force(client):
    assert medicare.locate(zip_code="62704").locality_id == "06102-99"
    lines = pd.DataFrame([line(payer_name="Gamma Plan", payer_id="", procedure="99214",
                               service_date=pd.Timestamp("2025-11-03"))])
    exp = expected_allowed(lines, client)
    # docs/rates.md: 120% of 99214 at 06102-99 in 2025D (non-facility $121.91) = 146.292 -> $146.29
    assert exp["medicare_release"].iloc[0] == "2025D" and exp["expected"].iloc[0] == 146.29


def test_multiple_procedure_and_bilateral_rules(client):
    lines = pd.DataFrame([
        line(claim_id="M", procedure="11102", line=1),  # MULT PROC 2: ranked second -> 50% of $80
        line(claim_id="M", procedure="20610", line=2),  # MULT PROC 2, the highest -> 100% of $100
        line(claim_id="M", procedure="17003", line=3, units=3.0),  # MULT PROC 0: 3 x $10, no reduction
        line(claim_id="B", claim_segment=30, procedure="20610", modifier_1="50"),  # BILAT SURG 1: 150% of $100
        line(claim_id="U", claim_segment=40, procedure="11102", units=2.0),  # 2 units: 100% + 50% of $80
    ])
    exp = expected_allowed(lines, client)
    assert exp["expected"].tolist() == [40.00, 100.00, 30.00, 150.00, 120.00]
    assert exp["rule"].tolist() == ["multiple procedure 50%", "", "", "bilateral 150%", "multiple procedure 50%"]


def test_classes_and_tolerance(client):
    lines = pd.DataFrame([
        line(claim_id="A"),                                                         # 120 vs 120
        line(claim_id="U", allowed=110.0, paid=90.0),                               # -10 > max(1, 2.40)
        line(claim_id="T", procedure="99214", allowed=167.0),                       # -3 within 2% of 170 (3.40)
        line(claim_id="O", procedure="99214", allowed=174.0),                       # +4 > 3.40
        line(claim_id="D", paid=0.0, allowed=0.0, patient_resp=0.0, adjustments="CO-50 200.00"),
        line(claim_id="R", submitted_procedure="99214", allowed=120.0),             # billed 99214, paid as 99213
        line(claim_id="S", is_secondary=True, comparable=False, allowed=20.0),
        line(claim_id="N", procedure="93000", allowed=20.0),
        line(claim_id="X", payer_name="Unknown Payer", payer_id="ZZ"),
    ])
    out = classify(lines, client)
    assert out["class"].tolist() == ["at contract", "underpaid", "at contract", "overpaid", "denied", "recoded",
                                     "not compared", "no contract rate", "not compared"]
    assert out["variance"].tolist()[:6] == [0.0, -10.0, -3.0, 4.0, -120.0, -50.0]
    assert out.loc[4, "denial_reason"] == "CO-50"
    assert out.loc[6, "note"] == "secondary / COB claim" and out.loc[8, "note"] == "payer not in client.yaml"
    work = appeal_worklist(out)
    assert work["claim"].tolist() == ["D", "R", "U"]  # most money first
    assert work.loc[0, "reason_codes"] == "CO-50 200.00"


def test_summary_annualises_by_the_span_of_service_dates(client):
    lines = pd.DataFrame([
        line(claim_id="U1", allowed=110.0, service_date=pd.Timestamp("2025-01-01")),
        line(claim_id="U2", allowed=100.0, service_date=pd.Timestamp("2025-03-01"),
             adjustments="CO-45 100.00; PR-2 20.00"),
        line(claim_id="B1", payer_name="Beta Care", payer_id="", allowed=95.0, service_date=pd.Timestamp("2025-02-01")),
    ])
    by_payer = summary(classify(lines, client))
    alpha = by_payer.set_index("payer").loc["Alpha Health"]
    # $10 + $20 underpaid, 1 Jan - 1 Mar 2025: 31 + 28 + 1 = 60 days both counted -> 30 x 365 / 60 = $182.50 a year
    assert alpha["underpaid"] == 30.0 and alpha["underpaid_a_year"] == 182.5
    assert alpha["top_reasons"] == "CO-45"
    assert by_payer["payer"].tolist() == ["Alpha Health", "Beta Care"]
    by_code = summary(classify(lines, client), by="code")
    assert by_code.loc[0, "code"] == "99213" and by_code.loc[0, "lines"] == 3
