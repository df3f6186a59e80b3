"""Tests for ratekit.narrative: the per-payer value proposition from the Jinja2 template."""

from __future__ import annotations

from pathlib import Path

import pytest

from ratekit import leverage, narrative
from ratekit.client import Client, Payer

FACTS = {
    "client_name": "Maple Family Medicine", "payer": "Acme Health", "payer_kind": "commercial",
    "pct_of_medicare": 0.94, "benchmark_name": "median payer", "benchmark_index": 1.12,
    "dollars_to_benchmark": 84_312.0,
    "chronic_conditions": [{"condition": "diabetes", "patients": 60, "exposure": 744_136.05},
                           {"condition": "hypertension", "patients": 180, "exposure": 420_258.69}],
    "uncosted_conditions": ["ckd"], "dollar_year": 2024,
    "access_features": ["same_day_appointments", "after_hours_line"],
    "er_visits_low": 0.37, "er_visits_base": 6.2, "er_visits_high": 26.2,
    "er_savings_low": 188.2, "er_savings_base": 5258.8, "er_savings_high": 69_840.5,
    "office_cost_is_default": False,
    "local_context": "According to CDC PLACES (2022), more adults in Sangamon County, IL than nationally have "
                     "hypertension (35.9% vs 32.2%).",
}


def test_text_paragraph_reads_the_numbers():
    text = narrative.value_proposition(FACTS, format="text")
    assert text.startswith("Acme Health (commercial) pays 94% of Medicare, below the median payer (112%); "
                           "reaching it is worth $84,300 a year.")
    # 744,136.05 + 420,258.69 = 1,164,394.74 -> "$1.16 million"
    assert ("Among its members the practice manages 60 with diabetes and 180 with hypertension, costing the plan "
            "$1.16 million a year (2024 dollars).") in text
    assert ("Its extended access avoids about 6 ER visits a year (fewer than 1 to 26), saving the plan $5,260 "
            "(range $188 to $69,800), net of the office visit.") in text
    assert "CDC PLACES" not in text  # local need is said once, in the report's own section
    assert "\n" not in text


def test_markdown_emphasis_and_dollar_signs_escaped():
    md = narrative.value_proposition(FACTS)
    assert md.startswith("**Acme Health** (commercial) pays **94% of Medicare**")
    assert "**\\$84,300** a year" in md
    assert "$" not in md.replace("\\$", "")  # every dollar sign escaped: no LaTeX in Jupyter


def test_deterministic():
    assert narrative.value_proposition(FACTS) == narrative.value_proposition(dict(FACTS))


def test_payer_name_cannot_inject_html():
    facts = dict(FACTS, payer="<script>alert('x')</script> *Care*")
    md = narrative.value_proposition(facts)
    html = narrative.value_proposition(facts, format="html")
    for out in (md, html):
        assert "<script>" not in out
        assert "&lt;script&gt;" in out
    assert "\\*Care\\*" in md  # not italics
    assert html.startswith('<p class="tex2jax_ignore mathjax_ignore"><strong>&lt;script&gt;alert(&#39;x&#39;)')
    assert narrative.value_propositions([facts], format="html").startswith("<h3>&lt;script&gt;")
    # plain text is for the .txt export, never rendered as HTML: the name as given
    assert narrative.value_proposition(facts, format="text").startswith("<script>alert('x')</script> *Care*")


def test_sentences_drop_out_with_missing_facts():
    minimal = {"client_name": "Maple", "payer": "Bolt", "payer_kind": "medicaid_managed_care"}
    text = narrative.value_proposition(minimal, format="text")
    assert text == ("Bolt (Medicaid managed care) is one of Maple's payers. The practice lists no same-day, "
                    "after-hours or extended-hours access, so no ER savings are claimed.")
    no_dollars = dict(FACTS, dollars_to_benchmark=None)
    assert "94% of Medicare, below the median payer (112%). Among its members" in \
        narrative.value_proposition(no_dollars, format="text")
    at_benchmark = dict(FACTS, pct_of_medicare=1.2, dollars_to_benchmark=0.0)
    assert "at or above the median payer (112%)." in narrative.value_proposition(at_benchmark, format="text")
    default_rate = dict(FACTS, office_cost_is_default=True)
    assert "net of the office visit at the Medicare rate." in \
        narrative.value_proposition(default_rate, format="text")
    none_credited = dict(FACTS, access_features=["telehealth"], er_visits_low=0.0, er_visits_base=0.0,
                         er_visits_high=0.0, er_savings_low=0.0, er_savings_base=0.0, er_savings_high=0.0)
    assert "Its telehealth visits are not credited with ER savings: the published evidence ratekit uses gives no " \
        "effect size on ED use for it." in narrative.value_proposition(none_credited, format="text")
    no_members = dict(none_credited, chronic_conditions=[], uncosted_conditions=[])
    assert "None of this plan's members are counted with a chronic condition, so no ER savings are claimed." in \
        narrative.value_proposition(no_members, format="text")
    clipped = dict(FACTS, er_savings_low=0.0, er_savings_base=0.0, er_savings_high=0.0)
    assert ("keep an estimated 6 emergency-room visits a year out of the ER (range fewer than 1 to 26), but this "
            "payer's office rate is at or above the cost of an ED visit, so no saving is claimed.") in \
        narrative.value_proposition(clipped, format="text")


def test_bad_facts_raise():
    with pytest.raises(ValueError, match="payer_kind"):
        narrative.value_proposition({"client_name": "M", "payer": "A"})
    with pytest.raises(ValueError, match="unknown payer facts: savings"):
        narrative.value_proposition(dict(FACTS, savings=1))
    with pytest.raises(ValueError, match="format"):
        narrative.value_proposition(FACTS, format="pdf")


def _client() -> Client:
    return Client(
        client_id="demo", root=Path("/nonexistent"), name="Maple Family Medicine", specialty="family_medicine",
        synthetic=True, benchmark_year=2025, utilization="utilization.csv",
        payers=(Payer("Acme Health", "commercial", 1000, "a.csv", conditions={"diabetes": 200, "ckd": 20}),
                Payer("Bolt", "medicaid_managed_care", 500, "b.csv")),
        access_features=("after_hours_line",),
        assumptions={"ed_cost": 1000},
    )


def _facts(c: Client, office: dict, benchmarks: dict | None = None) -> list[dict]:
    """Every payer's facts from the leverage model's tables, as the report assembles them."""
    pan = leverage.panel(c)
    savings = leverage.er_savings(c, pan, office)
    exposure = leverage.chronic_cost_exposure(pan)
    local = narrative.local_context_text(leverage.local_context(c.county_fips, leverage.panel_conditions(pan)),
                                         leverage.shortage(c.county_fips))
    return [narrative.payer_facts(c, p.name, savings=savings, exposure=exposure, local_text=local,
                                  benchmark=(benchmarks or {}).get(p.name)) for p in c.payers]


def test_facts_from_the_model_by_hand():
    c = _client()
    facts = _facts(c, {"Acme Health": 100.0},
                   benchmarks={"Acme Health": {"pct_of_medicare": 0.94, "benchmark_name": "median payer",
                                               "benchmark_index": 1.12, "dollars_to_benchmark": 84_312.0}})
    acme, bolt = facts
    # diabetes: 200 x 0.69 = 138 visits a year; CKD (20, rate 0.47) adds the patients not already counted:
    # D = 0.5 x max(200, 20) + 0.5 x 1000 x (1 - 0.8 x 0.98) = 100 + 108 = 208 -> 8 more x 0.47 = 3.76
    # avoided = (138 + 3.76) x 0.204 x 0.194 = 5.61029376; x ($1,000 - $100) = $5,049.26
    assert acme["er_visits_base"] == pytest.approx(5.61029376)
    assert acme["er_savings_base"] == pytest.approx(5049.264384)
    assert acme["chronic_conditions"] == [{"condition": "diabetes", "patients": 200,
                                           "exposure": pytest.approx(200 * 12022 * 563.841 / 546.553)}]
    assert acme["uncosted_conditions"] == ["ckd"] and not acme["office_cost_is_default"]
    assert "Local prevalence and shortage are not compared" in acme["local_context"]
    assert bolt.get("pct_of_medicare") is None and bolt["er_savings_base"] == 0
    text = narrative.value_proposition(acme, format="text")
    assert "saving the plan $5,050" in text and "$2.48 million a year" in text


def test_the_document_has_a_heading_per_payer():
    facts = _facts(_client(), {"Acme Health": 100.0})
    md, text = narrative.value_propositions(facts), narrative.value_propositions(facts, format="text")
    assert md.startswith("### Acme Health\n\n**Acme Health**") and "\n\n### Bolt\n\n**Bolt**" in md
    assert text.startswith("Acme Health\n-----------\nAcme Health (commercial)") and "\nBolt\n----\n" in text
    assert "**" not in text and md.endswith("\n") and narrative.value_propositions([]) == ""


# --- the local-need sentence -------------------------------------------------------------------------

def test_local_need_where_conditions_are_more_common():
    local = leverage.local_context("17167", ["hypertension", "diabetes", "heart_failure"])
    text = narrative.local_context_text(local, leverage.shortage("17167"))
    # Sangamon County, IL: high blood pressure 35.9% vs 32.25% nationally (ratio 1.113, at least 1.05)
    assert text.startswith("According to CDC PLACES (2022), more adults in Sangamon County, IL than nationally "
                           "have hypertension (35.9% vs 32.2%)")
    assert text.endswith("The county has no designated geographic primary-care shortage area (HRSA, 2020).")


def test_local_need_in_a_shortage_area():
    text = narrative.local_context_text(leverage.local_context("01001", ["diabetes"]), leverage.shortage("01001"))
    assert "The county is a designated primary-care shortage area: HRSA shortage score 12 on a 0-25 scale" in text


def test_local_need_without_a_county_gives_the_national_figures():
    text = narrative.local_context_text(leverage.local_context(None, ["diabetes"]), None)
    assert text == ("Local prevalence and shortage are not compared: no county is given for this practice "
                    "(location.county_fips in client.yaml). Nationally, the share of adults with each condition "
                    "is: diabetes 11.2% (CDC PLACES 2022).")
    unknown = narrative.local_context_text(leverage.local_context("99999", ["diabetes"]), None)
    assert unknown.startswith("Local prevalence and shortage are not compared: county 99999 is not in CDC PLACES.")
    assert narrative.local_context_text(leverage.local_context("17167", []), None) == (
        "CDC PLACES has no prevalence measure for this practice's conditions.")


def test_preload_compiles_the_template_once_per_format():
    narrative._environment.cache_clear()
    narrative.preload()
    assert narrative._environment.cache_info().currsize == len(narrative.FORMATS)
    before = narrative._environment("markdown").get_template(narrative.TEMPLATE)
    assert narrative._environment("markdown").get_template(narrative.TEMPLATE) is before  # compiled once, kept


def test_markdown_keeps_apostrophes_and_escapes_tags():
    # the defect: "practice's" came out as "practice&\#39;s" in the Markdown export
    text = narrative.value_proposition({**FACTS, "payer": "O'Brien <b>Care</b>"}, format="markdown")
    assert "O'Brien &lt;b&gt;Care&lt;/b&gt;" in text
    assert "&#39;" not in text and "&\\#39;" not in text and text.startswith("**O'Brien ")


@pytest.fixture(scope="module")
def sample_facts() -> list[tuple[str, dict]]:
    """Every payer's facts for every committed sample client (the analysis only: no notebook render)."""
    from ratekit.analysis import analyse, analyse_leverage
    from ratekit.client import list_clients
    root = Path(__file__).resolve().parents[1] / "data" / "sample" / "clients"
    out = []
    for cid in list_clients(root):
        a = analyse(cid, root)
        out += [(cid, f) for f in narrative.all_payer_facts(a, analyse_leverage(a))]
    return out


def test_every_sample_value_proposition_is_under_80_words(sample_facts):
    # issue 13 item 2: a payer's value proposition is read in under 80 words
    assert len({cid for cid, _ in sample_facts}) == 4 and len(sample_facts) > 20
    for cid, facts in sample_facts:
        words = len(narrative.value_proposition(facts, format="text").split())
        assert words < 80, f"{cid} / {facts['payer']}: {words} words"
