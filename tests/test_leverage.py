"""Tests for ratekit.leverage: hand-worked formulas, properties, the shipped tables.

Clients are built here (in memory, or as a tiny folder in tmp_path for the
loader paths) by the ``_client`` / ``_write_client`` helpers, so this file needs
no shared conftest fixture.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ratekit import config, leverage, narrative, reference
from ratekit.build import leverage as build_leverage
from ratekit.leverage import tables
from ratekit.client import ACCESS_FEATURES, CONDITIONS, Client, Payer, load_client
from ratekit.errors import RatekitError

# CPI-U medical care annual averages (BLS CUUR0000SAM) as shipped: facts/cpi_medical_care.csv
CPI = {2006: 336.2, 2012: 414.924, 2017: 475.322, 2018: 484.707, 2019: 498.413, 2022: 546.553, 2024: 563.841}


# --- helpers: small clients -------------------------------------------------------------------------

def _client(tmp_path: Path | None = None, *, payers=(("Acme", 1000, {}),), conditions=None, features=(),
            assumptions=None, diagnoses=None, county_fips=None) -> Client:
    """A validated-shape Client built in memory (panel() and the model need no files unless diagnoses)."""
    return Client(
        client_id="demo", root=tmp_path or Path("/nonexistent"), name="Demo Family Medicine",
        specialty="family_medicine", synthetic=True, benchmark_year=2025,
        payers=tuple(Payer(name=n, kind="commercial", patients=m, fee_schedule=f"fee_schedules/{i}.csv",
                           conditions=dict(c)) for i, (n, m, c) in enumerate(payers)),
        utilization="utilization.csv", county_fips=county_fips, access_features=tuple(features),
        conditions=dict(conditions or {}), diagnoses=diagnoses, assumptions=dict(assumptions or {}),
    )


def _write_client(tmp_path: Path, **overrides) -> Client:
    """Write a minimal client folder (client.yaml, fee schedules, utilization) and load it."""
    folder = tmp_path / "demo"
    (folder / "fee_schedules").mkdir(parents=True)
    for name in ("acme", "bolt"):
        (folder / "fee_schedules" / f"{name}.csv").write_text("code,allowed\n99213,100.00\n")
    (folder / "utilization.csv").write_text("code,payer,units\n99213,Acme,10\n")
    raw = {
        "name": "Demo Family Medicine", "specialty": "family_medicine", "synthetic": True,
        "location": {"zip": "62704", "county_fips": "17167"}, "benchmark_year": 2025,
        "payers": [
            {"name": "Acme", "kind": "commercial", "patients": 600, "fee_schedule": "fee_schedules/acme.csv"},
            {"name": "Bolt", "kind": "medicaid_managed_care", "patients": 400,
             "fee_schedule": "fee_schedules/bolt.csv"},
        ],
        "utilization": "utilization.csv", "access_features": ["after_hours_line"],
        "conditions": {"diabetes": 100},
    }
    raw.update(overrides.pop("raw", {}))
    files = overrides.pop("files", {})
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "client.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return load_client("demo", tmp_path)


def _local(client: Client, **kwargs):
    """The county context for the conditions the client's panel counts, as the report asks for it."""
    return leverage.local_context(client.county_fips, leverage.panel_conditions(leverage.panel(client)) or None,
                                  **kwargs)


# --- reference tables and the registry --------------------------------------------------------------

LEVERAGE_KEYS = [d.key for d in reference.datasets() if d.key.startswith("leverage_")]


def test_every_leverage_table_is_registered_exists_and_has_a_source():
    assert len(LEVERAGE_KEYS) == 8
    for key in LEVERAGE_KEYS:
        d = reference.get(key)
        assert d.file.is_file(), key
        assert d.source.strip() and d.release.strip() and d.caveats.strip(), key
        assert not pd.read_csv(d.file).empty, key
    registered = {reference.get(k).file.name for k in LEVERAGE_KEYS}
    shipped = {p.name for p in (config.REFERENCE_DIR / "leverage").iterdir()}
    assert shipped == registered  # no unregistered file ships


def test_shipped_tables_stay_compact():
    total = sum(p.stat().st_size for p in (config.REFERENCE_DIR / "leverage").iterdir())
    assert total < 600_000  # 360 KB when written; the brief's ceiling is ~2 MB


@pytest.mark.skipif(not (config.PUBLIC_DATA_DIR / "places").is_dir(),
                    reason=f"raw public data not found at {config.PUBLIC_DATA_DIR} (set RATEKIT_PUBLIC_DATA)")
def test_build_reproduces_the_committed_tables(tmp_path):
    for path in build_leverage.build(tmp_path):
        committed = config.REFERENCE_DIR / "leverage" / path.name
        assert path.read_bytes() == committed.read_bytes(), path.name


def test_every_cost_row_has_a_citation_and_every_condition_a_known_name():
    costs = leverage.cost_table()
    assert costs["citation"].str.len().min() > 20
    assert set(costs["condition"]) <= set(CONDITIONS)
    # exactly one base figure per costed condition
    assert costs[costs["role"] == "base"]["condition"].is_unique
    visits = leverage.visit_cost_table()
    assert visits["citation"].str.len().min() > 10


def test_cpi_factor_and_normalisation_by_hand():
    # 2017 -> 2024: 563.841 / 475.322 = 1.186230...
    assert leverage.cpi_factor(2017, 2024) == pytest.approx(563.841 / 475.322)
    costs = leverage.cost_table().set_index(["condition", "role"])
    # ADA diabetes $12,022 in 2022 dollars -> 12,022 x 563.841 / 546.553 = $12,402.27 in 2024 dollars
    row = costs.loc[("diabetes", "base")]
    assert row["original_value"] == 12022 and row["original_dollar_year"] == 2022
    assert row["normalised_value"] == pytest.approx(12402.27, abs=0.01)
    assert row["cpi_original"] == CPI[2022] and row["cpi_target"] == CPI[2024] and row["dollar_year"] == 2024
    # hyperlipidemia (Zhang 2017) $856 in 2012 -> 856 x 563.841 / 414.924 = $1,163.22
    assert costs.loc[("hyperlipidemia", "base"), "normalised_value"] == pytest.approx(1163.22, abs=0.01)
    # another target year: diabetes in 2019 dollars = 12,022 x 498.413 / 546.553 = $10,963.11
    again = leverage.cost_table(dollar_year=2019).set_index(["condition", "role"])
    assert again.loc[("diabetes", "base"), "normalised_value"] == pytest.approx(10963.11, abs=0.01)
    with pytest.raises(ValueError, match="no CPI"):
        leverage.cpi_factor(1990)


# --- assumptions -----------------------------------------------------------------------------------

def test_assumptions_table_has_ranges_and_citations():
    table = leverage.assumptions()
    assert list(table.columns) == ["key", "label", "low", "base", "high", "unit", "source", "overridden"]
    assert table["key"].is_unique
    assert (table["low"] <= table["base"]).all() and (table["base"] <= table["high"]).all()
    assert table["source"].str.len().min() > 40
    for f in ACCESS_FEATURES:
        assert f"reduction.{f}" in set(table["key"])
    t = table.set_index("key")
    # ED cost: HCUP $526.93 (2017) -> x 563.841/475.322 = $625.06; Mehrotra $570 (2006) -> x 563.841/336.2
    # = $955.95; KFF $2,453 (2019) -> x 563.841/498.413 = $2,775.01
    assert t.loc["ed_cost", ["low", "base", "high"]].tolist() == pytest.approx([625.06, 955.95, 2775.01], abs=0.01)
    # O'Malley: 1 - 30.4/37.7 = 0.1936 -> 0.194
    assert t.loc["reduction.after_hours_line", "base"] == pytest.approx(1 - 30.4 / 37.7, abs=0.001)
    assert t.loc["avoidable_share", ["low", "base", "high"]].tolist() == [0.033, 0.204, 0.37]


def test_overrides_apply_as_number_or_mapping(tmp_path):
    c = _client(assumptions={"ed_cost": 1500, "avoidable_share": {"base": 0.25, "source": "plan's own ED data"},
                             "ed_visits_per_year.copd": {"low": 0.8, "base": 1.0, "high": 1.5}})
    t = leverage.assumptions(c).set_index("key")
    assert t.loc["ed_cost", ["low", "base", "high"]].tolist() == [1500, 1500, 1500]
    assert t.loc["avoidable_share", ["low", "base", "high"]].tolist() == [0.033, 0.25, 0.37]
    assert t.loc["avoidable_share", "source"].startswith("client.yaml override: plan's own ED data")
    assert t.loc["ed_visits_per_year.copd", "base"] == 1.0 and t.loc["ed_visits_per_year.copd", "overridden"]
    assert not t.loc["ed_visits_per_year", "overridden"]


@pytest.mark.parametrize("key, value, message", [
    ("ed_costs", 900, "unknown assumption"),
    ("ed_visits_per_year.gout", 1.0, "unknown assumption"),
    ("avoidable_share", "20%", "must be a number"),
    ("avoidable_share", 1.5, "outside 0-1"),
    ("reduction.after_hours_line", {"low": 0.3, "base": 0.2}, "low <= base <= high"),
    ("ed_cost", {"base": 900, "typo": 1}, "unknown field"),
    ("ed_cost", True, "must be a number"),
])
def test_bad_overrides_name_the_file_and_key(key, value, message):
    c = _client(assumptions={key: value})
    with pytest.raises(RatekitError) as info:
        leverage.assumptions(c)
    (problem,) = info.value.problems
    assert problem.file == "demo/client.yaml"
    assert problem.column == f"assumptions.{key}"
    assert message in problem.message
    assert problem.fix


def test_overrides_are_read_from_client_yaml(tmp_path):
    c = _write_client(tmp_path, raw={"assumptions": {"ed_cost": {"low": 700, "base": 1000, "high": 2000}}})
    assert leverage.assumptions(c).set_index("key").loc["ed_cost", "base"] == 1000
    bad = tmp_path / "other"
    bad.mkdir()
    c2 = _write_client(bad, raw={"assumptions": {"nonsense": 1}})
    with pytest.raises(RatekitError, match="assumptions.nonsense"):
        leverage.er_savings(c2, leverage.panel(c2), {"Acme": 100.0})


# --- panel -----------------------------------------------------------------------------------------

def test_largest_remainder_by_hand():
    # 10 over three equal payers: 3.33 each -> 3, 3, 3 and the leftover unit to the first (tie)
    assert leverage.largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    # 7 over 600:400 -> quotas 4.2, 2.8 -> floors 4, 2; the leftover to the larger remainder (0.8)
    assert leverage.largest_remainder(7, [600, 400]) == [4, 3]
    assert leverage.largest_remainder(5, [0, 0]) == [0, 0]
    assert leverage.largest_remainder(0, [3, 1]) == [0, 0]


def test_panel_splits_totals_by_patients_and_keeps_payer_counts():
    c = _client(payers=(("Acme", 600, {"diabetes": 60}), ("Bolt", 300, {}), ("Cove", 100, {})),
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
    c = _client(tmp_path, payers=(("Acme", 600, {}), ("Bolt", 400, {})), diagnoses="dx.csv",
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
    c = _client(tmp_path, payers=(("Acme", 100, {}),), diagnoses="dx.csv")
    assert leverage.panel(c)["patients"].tolist() == [100]  # 150 codes-patients, 100 in the panel


def test_bad_diagnosis_file_lists_rows(tmp_path):
    (tmp_path / "dx.csv").write_text("ICD-10 code,patients\nE11.9,many\n123,4\n")
    c = _client(tmp_path, diagnoses="dx.csv")
    with pytest.raises(RatekitError) as info:
        leverage.panel(c)
    assert [(p.row, p.column) for p in info.value.problems] == [(2, "patients"), (3, "ICD-10 code")]


# --- ER savings: hand-worked cases -----------------------------------------------------------------

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
    return _client(payers=(("Acme", 1000, {"diabetes": 200}),), features=("after_hours_line",),
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
    c = _client(payers=(("Acme", 1000, {"hypertension": 200, "diabetes": 100}),), features=("after_hours_line",),
                assumptions={"ed_cost": 1000})
    s = leverage.er_savings(c, leverage.panel(c), {"Acme": 100.0}).set_index("condition")
    # base (d = 0.5): diabetes 100 counted at 0.69; hypertension adds 140 (see counted_patients) at 0.47
    assert s.loc["hypertension", "counted_patients"] == pytest.approx(140)
    # visits = (100 x 0.69 + 140 x 0.47) x 0.204 x 0.194 = 134.8 x 0.039576 = 5.3348448
    assert s["avoided_visits_base"].sum() == pytest.approx(5.3348448)
    assert s["savings_base"].sum() == pytest.approx(5.3348448 * 900)


def test_er_savings_total_and_by_payer():
    c = _client(payers=(("Acme", 600, {"diabetes": 100}), ("Bolt", 400, {"diabetes": 50})),
                features=("extended_hours",), assumptions={"ed_cost": 1000})
    s = leverage.er_savings(c, leverage.panel(c), {"Acme": 100.0, "Bolt": 200.0})
    by = leverage.er_savings_by_payer(s, total=True).set_index("payer")
    # Acme: 100 x 0.69 x 0.204 x 0.264 = 3.716064 visits x $900; Bolt: 50 x ... = 1.858032 visits x $800
    assert by.loc["Acme", "savings_base"] == pytest.approx(3.716064 * 900)
    assert by.loc["Bolt", "savings_base"] == pytest.approx(1.858032 * 800)
    assert by.loc["All payers", "savings_base"] == pytest.approx(3.716064 * 900 + 1.858032 * 800)
    assert by.loc["All payers", "avoided_visits_base"] == pytest.approx(3.716064 + 1.858032)
    total = leverage.er_savings_total(s)
    assert total["savings_high"].iloc[0] == pytest.approx(by.loc["All payers", "savings_high"])


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
    no_features = _client(payers=(("Acme", 1000, {"diabetes": 200}),), features=())
    s = leverage.er_savings(no_features, leverage.panel(no_features), {"Acme": 100.0})
    assert (s[["avoided_visits_low", "avoided_visits_base", "avoided_visits_high",
               "savings_low", "savings_base", "savings_high"]] == 0).all().all()
    no_patients = _client(payers=(("Acme", 1000, {"diabetes": 0}),), features=("after_hours_line",))
    assert leverage.er_savings(no_patients, leverage.panel(no_patients), {"Acme": 100.0})["savings_high"].sum() == 0
    nothing = _client(features=("after_hours_line",))
    assert leverage.er_savings(nothing, leverage.panel(nothing), {"Acme": 100.0}).empty


def test_only_evidence_free_features_give_zero_base():
    c = _client(payers=(("Acme", 1000, {"diabetes": 200}),), features=("telehealth", "immediate_referrals"))
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
    c = _client(payers=(("Acme", 1000, {"diabetes": 200}),), features=("after_hours_line",),
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
    return _client(payers=tuple((f"P{i}", m, c) for i, (m, c) in enumerate(payers)), features=features, **kw)


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


# --- chronic-cost exposure -------------------------------------------------------------------------

def test_chronic_cost_exposure_by_hand():
    c = _client(payers=(("Acme", 1000, {"diabetes": 200, "ckd": 30, "asthma": 0}),))
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


# --- local context ---------------------------------------------------------------------------------

def test_local_context_for_a_county_by_hand():
    c = _client(payers=(("Acme", 1000, {"hypertension": 300, "diabetes": 100, "heart_failure": 5}),),
                county_fips="17167")
    ctx = _local(c).set_index("condition")
    # Sangamon County, IL (PLACES 2022): high blood pressure 35.9% vs national 32.25% -> ratio 1.1132
    assert ctx.loc["hypertension", "county_prevalence"] == 35.9
    assert ctx.loc["hypertension", "national_prevalence"] == 32.25
    assert ctx.loc["hypertension", "ratio"] == pytest.approx(35.9 / 32.25)
    assert ctx.loc["hypertension", "county"] == "Sangamon County, IL"
    assert "heart_failure" not in ctx.index  # no PLACES measure
    text = narrative.local_context_text(_local(c), leverage.shortage(c.county_fips))
    assert text.startswith("According to CDC PLACES (2022), more adults in Sangamon County, IL than nationally "
                           "have hypertension (35.9% vs 32.2%)")
    assert "no designated geographic primary-care shortage area" in text


def test_shortage_for_a_designated_county():
    c = _client(county_fips="01001")
    s = leverage.shortage(c.county_fips)
    assert s["county"] == "Autauga County, AL" and s["hpsa_score"] == 12 and s["year"] == 2020
    # independent check of the population share below 12
    hpsa = pd.read_csv(reference.path("leverage_hpsa_county"), dtype={"county_fips": str})
    pop = pd.read_csv(reference.path("leverage_places_county"), dtype={"county_fips": str})
    both = hpsa.merge(pop[["county_fips", "population"]], on="county_fips")
    assert s["share_population_lower"] == pytest.approx(
        both.loc[both["hpsa_score"] < 12, "population"].sum() / both["population"].sum())
    assert 0 < s["national_mean"] < 12
    small = _client(payers=(("Acme", 100, {"diabetes": 10}),), county_fips="01001")
    assert "shortage score 12 on a 0-25 scale" in narrative.local_context_text(_local(small),
                                                                               leverage.shortage(small.county_fips))


def test_no_county_gives_national_context_with_a_note():
    c = _client(payers=(("Acme", 1000, {"diabetes": 100}),))
    ctx = _local(c)
    assert ctx["county_prevalence"].isna().all() and ctx["national_prevalence"].iloc[0] == 11.24
    assert "county_fips" in ctx["note"].iloc[0]
    assert leverage.shortage(c.county_fips) is None
    text = narrative.local_context_text(ctx, None)
    assert text.startswith("Local prevalence and shortage are not compared: no county")
    assert "diabetes 11.2%" in text


def test_age_adjusted_prevalence_option():
    c = _client(payers=(("Acme", 1000, {"diabetes": 100}),), county_fips="17167")
    adj = _local(c, prevalence="age_adjusted").iloc[0]
    assert adj["prevalence_type"] == "age_adjusted" and adj["national_prevalence"] == 10.05
    with pytest.raises(ValueError):
        _local(c, prevalence="raw")


def test_ed_algorithm_profile_weights_by_the_diagnosis_file(tmp_path):
    (tmp_path / "dx.csv").write_text("code,patients\nJ45.909,10\n")
    c = _client(tmp_path, diagnoses="dx.csv")
    prof = leverage.ed_algorithm_profile(leverage.read_diagnoses(c)).set_index("condition")
    # J45.909 (asthma, unspecified): NYU edcnpa 0.9811, epct 0.0189 -> preventable or treatable 1.0
    assert prof.loc["asthma", "weighting"] == "diagnosis file"
    assert prof.loc["asthma", "edcnpa"] == pytest.approx(0.9811)
    assert prof.loc["asthma", "preventable_or_treatable"] == pytest.approx(1.0)
    assert "depression" not in prof.index  # mental-health codes carry no NYU probabilities


# --- the docs page stays in step with the code -------------------------------------------------------

def test_docs_list_every_assumption_with_its_values_and_every_table():
    doc = (config.PROJECT_ROOT / "docs" / "leverage.md").read_text(encoding="utf-8")
    rows = {}
    for line in doc.splitlines():
        if line.startswith("| `") and line.count("|") >= 7:
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0].strip("`")] = cells
    table = leverage.assumptions()
    for r in table.itertuples():
        assert r.key in rows, f"docs/leverage.md lacks assumption {r.key}"
        documented = [float(v.replace("$", "").replace(",", "")) for v in rows[r.key][1:4]]
        assert documented == pytest.approx([r.low, r.base, r.high], abs=0.5 if r.key == "ed_cost" else 1e-9), r.key
    for key in LEVERAGE_KEYS:
        assert f"`{key}`" in doc


def test_preload_reads_every_shipped_leverage_table():
    tables._load.cache_clear()
    leverage.preload()
    keys = [d.key for d in reference.datasets() if d.key.startswith("leverage_")]
    assert len(keys) == 8 and tables._load.cache_info().currsize == len(keys)
