"""Tests for ratekit.leverage.assumptions: every assumption's range and citation, client overrides, the docs table."""

import pytest

from ratekit import config, leverage, reference
from ratekit.client import ACCESS_FEATURES
from ratekit.errors import RatekitError

from .clients import demo_client, write_demo_client

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
    c = demo_client(assumptions={"ed_cost": 1500, "avoidable_share": {"base": 0.25, "source": "plan's own ED data"},
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
    c = demo_client(assumptions={key: value})
    with pytest.raises(RatekitError) as info:
        leverage.assumptions(c)
    (problem,) = info.value.problems
    assert problem.file == "demo/client.yaml"
    assert problem.column == f"assumptions.{key}"
    assert message in problem.message
    assert problem.fix


def test_overrides_are_read_from_client_yaml(tmp_path):
    c = write_demo_client(tmp_path, raw={"assumptions": {"ed_cost": {"low": 700, "base": 1000, "high": 2000}}})
    assert leverage.assumptions(c).set_index("key").loc["ed_cost", "base"] == 1000
    bad = tmp_path / "other"
    bad.mkdir()
    c2 = write_demo_client(bad, raw={"assumptions": {"nonsense": 1}})
    with pytest.raises(RatekitError, match="assumptions.nonsense"):
        leverage.er_savings(c2, leverage.panel(c2), {"Acme": 100.0})


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
    for key in [d.key for d in reference.datasets() if d.key.startswith("leverage_")]:
        assert f"`{key}`" in doc
