"""Tests for ratekit.leverage.local: the county's prevalence against the nation's, and its shortage score."""

import pandas as pd
import pytest

from ratekit import leverage, reference


def test_local_context_for_a_county_by_hand():
    ctx = leverage.local_context("17167", ["hypertension", "diabetes", "heart_failure"]).set_index("condition")
    # Sangamon County, IL (PLACES 2022): high blood pressure 35.9% vs national 32.25% -> ratio 1.1132
    assert ctx.loc["hypertension", "county_prevalence"] == 35.9
    assert ctx.loc["hypertension", "national_prevalence"] == 32.25
    assert ctx.loc["hypertension", "ratio"] == pytest.approx(35.9 / 32.25)
    assert ctx.loc["hypertension", "county"] == "Sangamon County, IL"
    assert ctx.loc["hypertension", "county_fips"] == "17167" and ctx.loc["hypertension", "note"] == ""
    assert "heart_failure" not in ctx.index  # no PLACES measure


def test_every_condition_by_default():
    ctx = leverage.local_context("17167")
    # the ten conditions with a PLACES measure (heart failure and atrial fibrillation have none)
    assert len(ctx) == 10 and set(ctx["measure"]) == {m for m in leverage.PLACES_MEASURES.values() if m}


def test_shortage_for_a_designated_county():
    s = leverage.shortage("01001")
    assert s["county"] == "Autauga County, AL" and s["hpsa_score"] == 12 and s["year"] == 2020
    # independent check of the population share below 12
    hpsa = pd.read_csv(reference.path("leverage_hpsa_county"), dtype={"county_fips": str})
    pop = pd.read_csv(reference.path("leverage_places_county"), dtype={"county_fips": str})
    both = hpsa.merge(pop[["county_fips", "population"]], on="county_fips")
    assert s["share_population_lower"] == pytest.approx(
        both.loc[both["hpsa_score"] < 12, "population"].sum() / both["population"].sum())
    assert 0 < s["national_mean"] < 12


def test_no_county_gives_national_figures_with_a_note():
    ctx = leverage.local_context(None, ["diabetes"])
    assert ctx["county_prevalence"].isna().all() and ctx["national_prevalence"].iloc[0] == 11.24
    assert "county_fips" in ctx["note"].iloc[0]
    assert leverage.shortage(None) is None
    unknown = leverage.local_context("99999", ["diabetes"])
    assert unknown["note"].iloc[0] == "county FIPS 99999 is not in CDC PLACES 2022"
    assert leverage.shortage("99999") is None


def test_age_adjusted_prevalence_option():
    adj = leverage.local_context("17167", ["diabetes"], prevalence="age_adjusted").iloc[0]
    assert adj["prevalence_type"] == "age_adjusted" and adj["national_prevalence"] == 10.05
    with pytest.raises(ValueError):
        leverage.local_context("17167", ["diabetes"], prevalence="raw")
    with pytest.raises(ValueError, match="gout"):
        leverage.local_context("17167", ["gout"])
