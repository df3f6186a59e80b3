"""Tests for ratekit.plots.leverage: assert on the artists' data, never on pixels."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ratekit.plots import leverage as plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _widths(container) -> list[float]:
    return [round(p.get_width(), 6) for p in container.patches]


def _lefts(container) -> list[float]:
    return [round(p.get_x(), 6) for p in container.patches]


def test_er_savings_bars_are_base_and_lines_span_low_to_high():
    data = pd.DataFrame({"payer": ["Acme", "Bolt", "All payers"],
                         "savings_low": [100.0, 50.0, 150.0], "savings_base": [1000.0, 400.0, 1400.0],
                         "savings_high": [9000.0, 3000.0, 12000.0]})
    ax = plots.er_savings(data)
    assert _widths(ax.containers[0]) == [1000, 400, 1400]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Acme", "Bolt", "All payers"]
    (lines,) = ax.collections
    segments = [[tuple(pt) for pt in seg] for seg in lines.get_segments()]
    assert segments == [[(100, 0), (9000, 0)], [(50, 1), (3000, 1)], [(150, 2), (12000, 2)]]
    assert ax.yaxis_inverted()  # first payer on top
    assert ax.xaxis.get_major_formatter()(84300, 0) == "$84k"
    assert ax.xaxis.get_major_formatter()(1_250_000, 0) == "$1.2M" and ax.xaxis.get_major_formatter()(950, 0) == "$950"


def test_er_savings_can_draw_visits():
    data = pd.DataFrame({"payer": ["Acme"], "avoided_visits_low": [0.5], "avoided_visits_base": [6.0],
                         "avoided_visits_high": [26.0]})
    ax = plots.er_savings(data, metric="avoided_visits")
    assert _widths(ax.containers[0]) == [6.0]
    assert ax.get_xlabel() == "ED visits avoided a year"
    with pytest.raises(ValueError):
        plots.er_savings(data, metric="dollars")


def test_tornado_bars_start_at_base_and_reach_each_total():
    sens = pd.DataFrame({"key": ["b", "a"], "label": ["Avoidable share", "ED cost"],
                         "low_total": [1400.0, 5300.0], "high_total": [15800.0, 27500.0],
                         "base_total": [8700.0, 8700.0], "swing": [14400.0, 22200.0]})
    ax = plots.tornado(sens)
    low, high = ax.containers
    # sorted by swing: ED cost (22,200) on top
    assert [t.get_text() for t in ax.get_yticklabels()] == ["ED cost", "Avoidable share"]
    # low bars: from 8,700 to 5,300 (width -3,400) and to 1,400 (width -7,300)
    assert _lefts(low) == [8700, 8700] and _widths(low) == [-3400, -7300]
    assert _widths(high) == [18800, 7100]
    assert ax.lines[0].get_xdata()[0] == 8700
    assert len(plots.tornado(sens, top=1).containers[0].patches) == 1


def test_local_prevalence_county_and_national_bars_with_shortage_title():
    ctx = pd.DataFrame({"condition": ["hypertension", "diabetes"], "county_prevalence": [35.9, 11.0],
                        "national_prevalence": [32.25, 11.24], "county": ["Sangamon County, IL"] * 2})
    ax = plots.local_prevalence(ctx, shortage={"hpsa_score": 12.0, "national_mean": 4.16})
    county, national = ax.containers
    assert _widths(county) == [35.9, 11.0] and _widths(national) == [32.25, 11.24]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["hypertension", "diabetes"]
    assert county.get_label() == "Sangamon County, IL"
    assert "shortage score 12 of 25 (national average 4.2)" in ax.get_title()


def test_local_prevalence_without_county_draws_national_only():
    ctx = pd.DataFrame({"condition": ["hyperlipidemia"], "county_prevalence": [float("nan")],
                        "national_prevalence": [32.29], "county": [""]})
    ax = plots.local_prevalence(ctx)
    (national,) = ax.containers
    assert _widths(national) == [32.29]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["high cholesterol"]
    assert "no county" in ax.get_title()


def test_chronic_exposure_stacks_conditions_per_payer():
    exp = pd.DataFrame({"payer": ["Acme", "Acme", "Acme", "Bolt", "Bolt"],
                        "condition": ["hypertension", "diabetes", "ckd", "hypertension", "diabetes"],
                        "exposure": [420.0, 744.0, float("nan"), 280.0, 0.0], "dollar_year": [2024] * 5})
    ax = plots.chronic_exposure(exp)
    htn, dm = ax.containers  # CKD has no cost: no container
    assert htn.get_label() == "hypertension" and dm.get_label() == "diabetes"
    assert _widths(htn) == [420, 280] and _widths(dm) == [744, 0]
    assert _lefts(dm) == [420, 280]  # stacked after hypertension
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Acme", "Bolt"]
    assert "2024 USD" in ax.get_xlabel() and "not savings" in ax.get_xlabel()


def test_charts_draw_on_a_given_axes_and_return_it():
    _fig, ax = plt.subplots()
    data = pd.DataFrame({"payer": ["Acme"], "savings_low": [1.0], "savings_base": [2.0], "savings_high": [3.0]})
    assert plots.er_savings(data, ax=ax) is ax


# --- every sample client gets a full leverage section -------------------------------------------------

from ratekit import client as client_mod  # noqa: E402
from ratekit import leverage, narrative  # noqa: E402


@pytest.mark.parametrize("client_id", client_mod.list_clients())
def test_sample_client_leverage_section(client_id):
    """What the report's leverage section shows, for each committed sample client (none until merged)."""
    c = client_mod.load_client(client_id)
    office = {p.name: float("nan") for p in c.payers}  # no rates: the documented default applies
    pan = leverage.panel(c)
    savings = leverage.er_savings(c, pan, office)
    by_payer = leverage.er_savings_by_payer(savings, total=True)
    assert (by_payer["savings_low"] <= by_payer["savings_base"] + 1e-9).all()
    assert (by_payer["savings_base"] <= by_payer["savings_high"] + 1e-9).all()
    assert (by_payer["savings_low"] >= 0).all()
    sens = leverage.sensitivity(c, pan, office)
    assert sens["swing"].is_monotonic_decreasing
    exposure = leverage.chronic_cost_exposure(pan)
    facts = [narrative.payer_facts(c, p.name, savings=savings, exposure=exposure) for p in c.payers]
    text = narrative.value_propositions(facts)
    assert [f["payer"] for f in facts] == [p.name for p in c.payers]
    assert text.count("### ") == len(c.payers)
    plots.er_savings(by_payer)
    plots.tornado(sens)
    plots.local_prevalence(leverage.local_context(c.county_fips, leverage.panel_conditions(pan) or None),
                           shortage=leverage.shortage(c.county_fips))
    plots.chronic_exposure(exposure)


def test_all_zero_savings_say_so_on_the_chart():
    import pandas as pd

    from ratekit.plots import leverage as lplots

    zero = pd.DataFrame({"payer": ["A", "B"], **{f"savings_{s}": [0.0, 0.0] for s in ("low", "base", "high")}})
    ax = lplots.er_savings(zero)
    assert lplots.NOTHING_CLAIMED in [t.get_text() for t in ax.texts]
    some = zero.assign(savings_high=[0.0, 5.0])
    assert lplots.NOTHING_CLAIMED not in [t.get_text() for t in lplots.er_savings(some).texts]
