"""Tests for ratekit.leverage.er_savings: hand-worked ER savings, the sensitivity, properties, the NYU profile."""

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ratekit import leverage
from ratekit.client import ACCESS_FEATURES, CONDITIONS

from .clients import demo_client

def test_access_reduction_by_hand():
    v = leverage.assumptions().set_index("key")["base"].to_dict()
    assert leverage.access_reduction((), v) == 0
    # one group: after-hours line 0.194
    assert leverage.access_reduction(("after_hours_line",), v) == pytest.approx(0.194)
    # two groups multiply: 1 - (1 - 0.102)(1 - 0.194) = 1 - 0.898 x 0.806 = 0.276212
    assert leverage.access_reduction(("same_day_appointments", "after_hours_line"), v) == pytest.approx(0.276212)
    # same group: same-day 0.102 and next-day 0.051 -> the larger, 0.102 (not 0.147)
    assert leverage.access_reduction(("same_day_appointments", "next_day_appointments"), v) == pytest.approx(0.102)
    assert leverage.access_reduction(("extended_hours", "weekend_hours"), v) == pytest.approx(0.264)


def test_counted_patients_by_hand():
    counts, rates = {"hypertension": 200, "diabetes": 100}, {"hypertension": 0.47, "diabetes": 0.69}
    # diabetes first (higher rate): D1 = 100.
    # complete overlap (d=0): D2 = max(100, 200) = 200 -> hypertension adds 100
    assert leverage.counted_patients(counts, rates, 1000, 0.0) == {"hypertension": 100, "diabetes": 100}
    # independence (d=1): D2 = 1000 x (1 - 0.9 x 0.8) = 280 -> adds 180
    assert leverage.counted_patients(counts, rates, 1000, 1.0) == pytest.approx({"hypertension": 180, "diabetes": 100})
    # halfway: D2 = 0.5 x 200 + 0.5 x 280 = 240 -> adds 140
    assert leverage.counted_patients(counts, rates, 1000, 0.5) == pytest.approx({"hypertension": 140, "diabetes": 100})
    # one condition is counted whole whatever the overlap
    assert leverage.counted_patients({"asthma": 37}, {"asthma": 0.47}, 500, 0.3) == pytest.approx({"asthma": 37})


def _one_condition_client(**kw):
    return demo_client(payers=(("Acme", 1000, {"diabetes": 200}),), features=("after_hours_line",),
                   assumptions={"ed_cost": {"low": 1000, "base": 1000, "high": 1000}}, **kw)


def test_er_savings_one_payer_by_hand():
    c = _one_condition_client()
    row = leverage.er_savings(c, leverage.panel(c), {"Acme": 100.0}).iloc[0]
    # base: 200 patients x 0.69 visits x 0.204 avoidable x 0.194 (after-hours) = 5.461488 visits
    assert row["avoided_visits_base"] == pytest.approx(200 * 0.69 * 0.204 * 0.194)
    assert row["avoided_visits_base"] == pytest.approx(5.461488)
    # x ($1,000 ED - $100 office) = $4,915.34
    assert row["savings_base"] == pytest.approx(4915.3392)
    # low: 200 x 0.47 x 0.033 x 0.097 x 900 = $270.80
    assert row["savings_low"] == pytest.approx(270.8046)
    # high: 200 x 0.76 x 0.37 x 0.291 x 900 = $14,729.26
    assert row["savings_high"] == pytest.approx(14729.256)
    assert row["office_visit_cost_source"] == "payer rate" and not row["clipped"]
    assert row["saving_per_visit"] == 900 and row["access_reduction"] == pytest.approx(0.194)


def test_er_savings_two_conditions_counts_each_patient_once():
    c = demo_client(payers=(("Acme", 1000, {"hypertension": 200, "diabetes": 100}),), features=("after_hours_line",),
                assumptions={"ed_cost": 1000})
    s = leverage.er_savings(c, leverage.panel(c), {"Acme": 100.0}).set_index("condition")
    # base (d = 0.5): diabetes 100 counted at 0.69; hypertension adds 140 (see counted_patients) at 0.47
    assert s.loc["hypertension", "counted_patients"] == pytest.approx(140)
    # visits = (100 x 0.69 + 140 x 0.47) x 0.204 x 0.194 = 134.8 x 0.039576 = 5.3348448
    assert s["avoided_visits_base"].sum() == pytest.approx(5.3348448)
    assert s["savings_base"].sum() == pytest.approx(5.3348448 * 900)


def test_er_savings_total_and_by_payer():
    c = demo_client(payers=(("Acme", 600, {"diabetes": 100}), ("Bolt", 400, {"diabetes": 50})),
                features=("extended_hours",), assumptions={"ed_cost": 1000})
    s = leverage.er_savings(c, leverage.panel(c), {"Acme": 100.0, "Bolt": 200.0})
    by = leverage.er_savings_by_payer(s, total=True).set_index("payer")
    # Acme: 100 x 0.69 x 0.204 x 0.264 = 3.716064 visits x $900; Bolt: 50 x ... = 1.858032 visits x $800
    assert by.loc["Acme", "savings_base"] == pytest.approx(3.716064 * 900)
    assert by.loc["Bolt", "savings_base"] == pytest.approx(1.858032 * 800)
    assert by.loc["All payers", "savings_base"] == pytest.approx(3.716064 * 900 + 1.858032 * 800)
    assert by.loc["All payers", "avoided_visits_base"] == pytest.approx(3.716064 + 1.858032)
    # high case: 0.76 ED visits a year (diabetes at 75+), 0.37 avoidable, extended hours 0.396 (1.5 x 0.264):
    # Acme 100 x 0.76 x 0.37 x 0.396 = 11.13552 visits x $900 = $10,021.968; Bolt 5.56776 x $800 = $4,454.208
    total = leverage.er_savings_total(s).iloc[0]
    assert total["payer"] == "All payers"
    assert total["avoided_visits_high"] == pytest.approx(11.13552 + 5.56776)
    assert total["savings_high"] == pytest.approx(10_021.968 + 4_454.208)
    assert pd.isna(total["office_visit_cost"]) and total["office_visit_cost_source"] == "" and not total["clipped"]


def test_missing_office_rate_falls_back_to_the_default_and_says_so():
    c = _one_condition_client()
    for office in ({}, {"Acme": float("nan")}, pd.Series({"Acme": None}, dtype=float), None):
        row = leverage.er_savings(c, leverage.panel(c), office).iloc[0]
        assert row["office_visit_cost"] == 125.18
        assert row["office_visit_cost_source"].startswith("default")
        # base: 5.461488 visits x (1000 - 125.18)
        assert row["savings_base"] == pytest.approx(5.461488 * 874.82)


def test_office_rate_above_ed_cost_saves_nothing_never_negative():
    c = _one_condition_client()
    row = leverage.er_savings(c, leverage.panel(c), {"Acme": 1200.0}).iloc[0]
    assert row["clipped"] and row["saving_per_visit"] == 0
    assert row[["savings_low", "savings_base", "savings_high"]].tolist() == [0, 0, 0]
    assert row["avoided_visits_base"] > 0  # the visits are still avoided


def test_zero_without_features_or_patients():
    no_features = demo_client(payers=(("Acme", 1000, {"diabetes": 200}),), features=())
    s = leverage.er_savings(no_features, leverage.panel(no_features), {"Acme": 100.0})
    assert (s[["avoided_visits_low", "avoided_visits_base", "avoided_visits_high",
               "savings_low", "savings_base", "savings_high"]] == 0).all().all()
    no_patients = demo_client(payers=(("Acme", 1000, {"diabetes": 0}),), features=("after_hours_line",))
    assert leverage.er_savings(no_patients, leverage.panel(no_patients), {"Acme": 100.0})["savings_high"].sum() == 0
    nothing = demo_client(features=("after_hours_line",))
    assert leverage.er_savings(nothing, leverage.panel(nothing), {"Acme": 100.0}).empty


def test_only_evidence_free_features_give_zero_base():
    c = demo_client(payers=(("Acme", 1000, {"diabetes": 200}),), features=("telehealth", "immediate_referrals"))
    assert leverage.er_savings(c, leverage.panel(c), {"Acme": 100.0})["savings_base"].sum() == 0


def test_office_costs_must_name_known_payers():
    with pytest.raises(ValueError, match="Zenith"):
        leverage.er_savings(_one_condition_client(), leverage.panel(_one_condition_client()), {"Zenith": 100.0})
    with pytest.raises(ValueError, match="negative"):
        leverage.er_savings(_one_condition_client(), leverage.panel(_one_condition_client()), {"Acme": -5.0})


def test_sensitivity_by_hand():
    c = _one_condition_client()
    sens = leverage.sensitivity(c, leverage.panel(c), {"Acme": 100.0})
    base = 4915.3392
    assert sens["base_total"].tolist() == pytest.approx([base] * len(sens))
    assert sens["swing"].is_monotonic_decreasing
    # only what applies: no general ED rate (diabetes has its own), no default office cost (payer rate given),
    # only the access feature the practice has
    assert set(sens["key"]) == {"ed_visits_per_year.diabetes", "avoidable_share", "reduction.after_hours_line",
                                "ed_cost", "comorbidity_distinct"}
    s = sens.set_index("key")
    # the model is linear in the avoidable share: low = base x 0.033/0.204, high = base x 0.37/0.204
    assert s.loc["avoidable_share", "low_total"] == pytest.approx(base * 0.033 / 0.204)
    assert s.loc["avoidable_share", "high_total"] == pytest.approx(base * 0.37 / 0.204)
    # swing = base x (0.37 - 0.033) / 0.204 = $8,119.79, the largest here
    assert sens["key"].iloc[0] == "avoidable_share"
    assert s.loc["avoidable_share", "swing"] == pytest.approx(base * 0.337 / 0.204)
    assert s.loc["ed_cost", "swing"] == 0  # overridden to one value


def test_default_office_cost_pushes_the_right_way():
    # a dearer default office visit saves less: the low case uses its high value
    c = demo_client(payers=(("Acme", 1000, {"diabetes": 200}),), features=("after_hours_line",),
                assumptions={"ed_cost": 1000, "office_visit_default": {"low": 100, "base": 150, "high": 200}})
    row = leverage.er_savings(c, leverage.panel(c), {}).iloc[0]
    assert row["savings_low"] == pytest.approx(200 * 0.47 * 0.033 * 0.097 * (1000 - 200))
    assert row["savings_high"] == pytest.approx(200 * 0.76 * 0.37 * 0.291 * (1000 - 100))


# --- ER savings: properties ------------------------------------------------------------------------

_counts = st.dictionaries(st.sampled_from(CONDITIONS), st.integers(0, 400), max_size=5)
_features = st.sets(st.sampled_from(ACCESS_FEATURES))
_payers = st.lists(st.tuples(st.integers(0, 800), _counts), min_size=1, max_size=3)
_office = st.floats(0, 3000, allow_nan=False)


def _payer_client(payers, features, **kw):
    return demo_client(payers=tuple((f"P{i}", m, c) for i, (m, c) in enumerate(payers)), features=features, **kw)


def _totals(client, office):
    s = leverage.er_savings(client, leverage.panel(client), {p.name: office for p in client.payers})
    return leverage.er_savings_by_payer(s).set_index("payer") if len(s) else None


_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(payers=_payers, features=_features, office=_office)
def test_property_low_base_high_ordered_and_never_negative(payers, features, office):
    by = _totals(_payer_client(payers, features), office)
    if by is None:
        return
    for what in ("avoided_visits", "savings"):
        low, base, high = (by[f"{what}_{s}"] for s in ("low", "base", "high"))
        assert (low >= 0).all()
        assert (low <= base + 1e-9).all() and (base <= high + 1e-9).all()


@_SETTINGS
@given(payers=_payers, features=_features, extra=st.sampled_from(ACCESS_FEATURES), office=_office)
def test_property_more_access_features_never_lower_savings(payers, features, extra, office):
    before = _totals(_payer_client(payers, features), office)
    after = _totals(_payer_client(payers, features | {extra}), office)
    if before is None:
        return
    for col in ("savings_low", "savings_base", "savings_high", "avoided_visits_base"):
        assert (after[col] >= before[col] - 1e-9).all()


@_SETTINGS
@given(payers=_payers, features=_features, which=st.integers(0, 2), cond=st.sampled_from(CONDITIONS),
       more=st.integers(1, 300), office=_office)
def test_property_more_patients_never_lower_savings(payers, features, which, cond, more, office):
    which = which % len(payers)
    bigger = [(m, dict(c)) for m, c in payers]
    bigger[which][1][cond] = bigger[which][1].get(cond, 0) + more
    before = _totals(_payer_client(payers, features), office)
    after = _totals(_payer_client(bigger, features), office)
    for col in ("savings_low", "savings_base", "savings_high", "avoided_visits_low", "avoided_visits_high"):
        for payer in after.index:
            prior = before.loc[payer, col] if before is not None and payer in before.index else 0.0
            assert after.loc[payer, col] >= prior - 1e-9


@_SETTINGS
@given(payers=_payers, office=_office)
def test_property_zero_without_access_features(payers, office):
    by = _totals(_payer_client(payers, set()), office)
    if by is not None:
        assert (by[["savings_low", "savings_base", "savings_high"]] == 0).all().all()


@_SETTINGS
@given(counts=st.dictionaries(st.sampled_from(CONDITIONS), st.integers(0, 500), min_size=1),
       members=st.integers(0, 2000), distinct=st.floats(0, 1))
def test_property_counted_patients_between_largest_count_and_sum(counts, members, distinct):
    rates = {c: 0.47 if c != "diabetes" else 0.69 for c in counts}
    counted = leverage.counted_patients(counts, rates, members, distinct)
    total = sum(counted.values())
    assert max(counts.values()) - 1e-9 <= total <= sum(counts.values()) + 1e-9
    assert all(v >= 0 for v in counted.values())


def test_ed_algorithm_profile_weights_by_the_diagnosis_file(tmp_path):
    (tmp_path / "dx.csv").write_text("code,patients\nJ45.909,10\n")
    c = demo_client(tmp_path, diagnoses="dx.csv")
    prof = leverage.ed_algorithm_profile(leverage.read_diagnoses(c)).set_index("condition")
    # J45.909 (asthma, unspecified): NYU edcnpa 0.9811, epct 0.0189 -> preventable or treatable 1.0
    assert prof.loc["asthma", "weighting"] == "diagnosis file"
    assert prof.loc["asthma", "edcnpa"] == pytest.approx(0.9811)
    assert prof.loc["asthma", "preventable_or_treatable"] == pytest.approx(1.0)
    assert "depression" not in prof.index  # mental-health codes carry no NYU probabilities
