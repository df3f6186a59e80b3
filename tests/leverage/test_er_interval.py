"""Tests for the Monte Carlo interval of the ER savings (ratekit.leverage.er_savings: simulate, interval, drivers)."""

from pathlib import Path

import numpy as np
import pytest

from ratekit import leverage
from ratekit.client import load_client
from ratekit.leverage.er_savings import triangular_quantile

from .clients import demo_client

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "sample" / "clients"


def test_triangular_quantile_by_hand():
    # T(0, 1, 2): F(x) = x²/2 below the mode, so F⁻¹(0.125) = 0.5; the median of a symmetric one is its mode
    assert triangular_quantile(np.array([0.125, 0.5, 0.875]), 0, 1, 2) == pytest.approx([0.5, 1.0, 1.5])
    # T(0, 0, 1): F(x) = 1 - (1 - x)², so F⁻¹(0.75) = 0.5
    assert triangular_quantile(np.array([0.75]), 0, 0, 1) == pytest.approx([0.5])
    assert (triangular_quantile(np.array([0.1, 0.9]), 3, 3, 3) == 3).all()


def _fixed(**varying):
    """Every assumption fixed at one number except those given (low, base, high)."""
    table = leverage.assumptions()
    fixed = {k: float(b) for k, b in zip(table["key"], table["base"], strict=True)}
    fixed.update({"ed_cost": 1000.0, "ed_visits_per_year.diabetes": 0.69})
    fixed.update(varying)
    return fixed


def test_interval_follows_the_formula_when_one_assumption_varies():
    # only the avoidable share varies, triangular (0.033, 0.204, 0.37); savings = K x share with
    # K = 200 patients x 0.69 visits x 0.194 (after-hours) x ($1,000 - $100) = 24,094.8
    c = demo_client(payers=(("Acme", 1000, {"diabetes": 200}),), features=("after_hours_line",),
                    assumptions=_fixed(avoidable_share={"low": 0.033, "base": 0.204, "high": 0.37}))
    row = leverage.er_savings_interval(c, leverage.panel(c), {"Acme": 100.0}).set_index("payer").loc["Acme"]
    k = 200 * 0.69 * 0.194 * 900
    # quantiles by hand (split at (0.204 - 0.033) / 0.337 = 0.507):
    # p10 = 0.033 + √(0.1 x 0.337 x 0.171) = 0.108913; p50 = 0.033 + √(0.5 x 0.337 x 0.171) = 0.202745;
    # p90 = 0.37 - √(0.1 x 0.337 x 0.166) = 0.295206
    assert row["savings_p10"] == pytest.approx(k * 0.108913, rel=1e-3)
    assert row["savings_median"] == pytest.approx(k * 0.202745, rel=1e-3)
    assert row["savings_p90"] == pytest.approx(k * 0.295206, rel=1e-3)
    assert row["savings_base"] == pytest.approx(k * 0.204)
    assert row["avoided_visits_median"] == pytest.approx(200 * 0.69 * 0.194 * 0.202745, rel=1e-3)


def test_fixed_assumptions_give_no_range_and_match_the_base_case():
    c = demo_client(payers=(("Acme", 1000, {"hypertension": 200, "diabetes": 100}), ("Bolt", 300, {"copd": 40})),
                    features=("after_hours_line", "same_day_appointments"), assumptions=_fixed())
    out = leverage.er_savings_interval(c, leverage.panel(c), {"Acme": 100.0, "Bolt": 90.0}).set_index("payer")
    for col in ("savings_p10", "savings_median", "savings_p90"):
        assert out[col].to_numpy() == pytest.approx(out["savings_base"].to_numpy())
    assert out.loc["All payers", "savings_base"] == pytest.approx(out.loc[["Acme", "Bolt"], "savings_base"].sum())
    assert leverage.interval_drivers(c, leverage.panel(c), None).empty


def test_reproducible_with_the_seed():
    c = demo_client(payers=(("Acme", 1000, {"diabetes": 200, "asthma": 50}),), features=("extended_hours",))
    a = leverage.er_savings_interval(c, leverage.panel(c), None)
    b = leverage.er_savings_interval(c, leverage.panel(c), None)
    assert a.equals(b)
    other = leverage.er_savings_interval(c, leverage.panel(c), None, seed=7)
    assert not a.equals(other)
    # 2,000 stratified draws: another seed moves the median by well under 3%
    assert other["savings_median"].iloc[0] == pytest.approx(a["savings_median"].iloc[0], rel=0.03)


def test_interval_narrows_as_the_assumptions_narrow():
    wide = demo_client(payers=(("Acme", 1000, {"diabetes": 200, "copd": 80}),), features=("after_hours_line",))
    table = leverage.assumptions()
    halved = {r.key: {"low": r.base - (r.base - r.low) / 2, "base": r.base, "high": r.base + (r.high - r.base) / 2}
              for r in table.itertuples()}
    narrow = demo_client(payers=(("Acme", 1000, {"diabetes": 200, "copd": 80}),),
                         features=("after_hours_line",), assumptions=halved)
    w = leverage.er_savings_interval(wide, leverage.panel(wide), None).iloc[-1]
    n = leverage.er_savings_interval(narrow, leverage.panel(narrow), None).iloc[-1]
    assert n["savings_p90"] - n["savings_p10"] < 0.75 * (w["savings_p90"] - w["savings_p10"])


def _sample_ids():
    return sorted(p.name for p in SAMPLES.iterdir() if (p / "client.yaml").exists())


@pytest.mark.parametrize("client_id", _sample_ids())
def test_samples_interval_holds_the_base_case_and_is_far_narrower_than_low_high(client_id):
    client = load_client(client_id, SAMPLES)
    pan = leverage.panel(client)
    interval = leverage.er_savings_interval(client, pan, None).set_index("payer")
    scen = leverage.er_savings_by_payer(leverage.er_savings(client, pan, None), total=True).set_index("payer")
    total, s = interval.loc["All payers"], scen.loc["All payers"]
    if s["savings_high"] == 0:
        assert total["savings_p90"] == 0
        return
    assert total["savings_p10"] <= total["savings_base"] <= total["savings_p90"]
    assert s["savings_low"] <= total["savings_p10"] and total["savings_p90"] <= s["savings_high"]
    # the complaint: low-high spanned 650x; the 80% interval spans a few times at most
    assert total["savings_p90"] / total["savings_p10"] < 0.1 * s["savings_high"] / s["savings_low"]
    drivers = leverage.interval_drivers(client, pan, None)
    assert drivers["share"].sum() == pytest.approx(1.0)
    # the interval's main driver is one the one-at-a-time tornado also ranks near the top
    assert drivers["key"].iloc[0] in set(leverage.sensitivity(client, pan, None)["key"].head(3))
