"""Tests for ratekit.analysis: one client's numbers assembled, on the tiny two-payer client (see test_report.py)."""

import importlib

import pytest

from conftest import write_client
from ratekit import leverage
from ratekit.analysis import analyse, analyse_leverage, office_visit_rates

ALPHA = 205000 / 147295  # Alpha Health's index: 120 x 1,000 + 170 x 500 over 86.34 x 1,000 + 121.91 x 500
BETA = 102000 / 93454  # Beta Care's: 95 x 800 + 130 x 200 over 86.34 x 800 + 121.91 x 200


def test_the_rate_benchmark_of_the_tiny_client(tmp_path):
    write_client(tmp_path)
    a = analyse("tiny", tmp_path)
    assert a.release.name == "2025D" and a.locality.locality_id == "06102-99"
    assert a.index.set_index("payer")["index"].to_dict() == pytest.approx({"Alpha Health": ALPHA, "Beta Care": BETA})
    assert a.benchmark_index == pytest.approx((ALPHA + BETA) / 2)  # the median of two
    assert a.total_gap == pytest.approx((ALPHA - BETA) / 2 * 93454)  # Beta Care alone is below: $14,033
    assert a.warnings == ()
    best = analyse("tiny", tmp_path, benchmark_name="best")
    assert best.benchmark_index == pytest.approx(ALPHA)
    others = analyse("tiny", tmp_path, benchmark_name="mean_of_others")
    assert others.benchmark_index != others.benchmark_index  # NaN: each payer has its own benchmark


def test_the_office_visit_for_er_savings_is_priced_at_the_office_rate(tmp_path):
    write_client(tmp_path, fee_schedules={
        "fee_schedules/alpha.csv": "code,rate,POS\n99214,80,22\n99214,170,11\n99213,120,\n",
        "fee_schedules/beta.csv": "code,rate\n99213,95\n99214,130\n"})
    a = analyse("tiny", tmp_path)
    assert office_visit_rates(a).to_dict() == {"Alpha Health": 170.0, "Beta Care": 130.0}


def test_the_panel_is_built_once_and_read_by_every_part(tmp_path, monkeypatch):
    folder = write_client(tmp_path, yaml_data={"conditions": {"hypertension": 250}, "diagnoses": "dx.csv"})
    (folder / "dx.csv").write_text("ICD-10 code,patients\nE11.9,100\n", encoding="utf-8")
    a = analyse("tiny", tmp_path)
    reads = []
    real = leverage.read_diagnoses
    panel_module = importlib.import_module("ratekit.leverage.panel")  # ratekit.leverage.panel is the function
    monkeypatch.setattr(panel_module, "read_diagnoses", lambda c: reads.append(c) or real(c))
    lev = analyse_leverage(a)
    assert len(reads) == 1  # was once per model part (savings, sensitivity, exposure, local context)
    # diabetes 100 (the file) and hypertension 250 (client.yaml) split 600:400
    assert lev.panel.set_index(["payer", "condition"])["patients"].to_dict() == {
        ("Alpha Health", "hypertension"): 150, ("Alpha Health", "diabetes"): 60,
        ("Beta Care", "hypertension"): 100, ("Beta Care", "diabetes"): 40}
    assert lev.savings[["payer", "condition", "patients"]].equals(lev.exposure[["payer", "condition", "patients"]])
    assert lev.local["condition"].tolist() == ["hypertension", "diabetes"]  # the panel's conditions, in order
    assert lev.shortage["county_fips"] == "17167"
