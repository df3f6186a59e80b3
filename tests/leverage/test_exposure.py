"""Tests for ratekit.leverage.exposure: chronic-condition cost per payer, in one dollar year (not a saving)."""

import math

import pytest

from ratekit import leverage

from .clients import CPI, demo_client

def test_chronic_cost_exposure_by_hand():
    c = demo_client(payers=(("Acme", 1000, {"diabetes": 200, "ckd": 30, "asthma": 0}),))
    e = leverage.chronic_cost_exposure(leverage.panel(c)).set_index("condition")
    # 200 x $12,402.27 (ADA $12,022 in 2022 -> 2024 dollars) = $2,480,453.50
    assert e.loc["diabetes", "exposure"] == pytest.approx(200 * 12022 * CPI[2024] / CPI[2022])
    assert e.loc["diabetes", "exposure"] == pytest.approx(2_480_453.5, abs=1)
    assert e.loc["diabetes", "dollar_year"] == 2024 and "Parker" in e.loc["diabetes", "source"]
    assert math.isnan(e.loc["ckd", "exposure"]) and e.loc["ckd", "source"] == "no per-patient cost source shipped"
    assert e.loc["asthma", "exposure"] == 0
    by = leverage.chronic_cost_exposure_by_payer(leverage.chronic_cost_exposure(leverage.panel(c))).iloc[0]
    assert by["exposure"] == pytest.approx(2_480_453.5, abs=1)
    assert by["costed_conditions"] == "diabetes" and by["uncosted_conditions"] == "ckd"
    # in 2019 dollars: 200 x 12,022 x 498.413 / 546.553
    e19 = leverage.chronic_cost_exposure(leverage.panel(c), dollar_year=2019).set_index("condition")
    assert e19.loc["diabetes", "exposure"] == pytest.approx(200 * 12022 * CPI[2019] / CPI[2022])
