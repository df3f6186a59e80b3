"""Per-payer value propositions: a short paragraph from each payer's numbers, and the local-need sentence.

The paragraph comes from the Jinja2 template ``templates/value_proposition.md.j2``
and is rendered in one of three formats:

* ``"markdown"`` (default) - for ``IPython.display.Markdown`` and Markdown cells:
  every value is escaped for Markdown *and* HTML (``<``, ``&``, ``*``, ``_``,
  ``$`` - two dollar signs would start LaTeX in Jupyter - ...), so a payer
  named ``<script>`` shows as text and cannot inject markup;
* ``"html"`` - autoescaped by Jinja2, wrapped in ``<p>``;
* ``"text"`` - plain text, values as they are, for the exported ``.txt``.

Numbers are written by :mod:`ratekit.formatting`: "$84,300 a year" (three
significant figures, :func:`~ratekit.formatting.money_3sf`), "112% of Medicare",
"about 6 ER visits". The output is deterministic.

A payer's facts are a plain mapping (see :func:`value_proposition`); build them
with :func:`payer_facts` from the leverage model's tables, or for every payer of
an analysed client with :func:`all_payer_facts`. :func:`local_context_text` words
the county's prevalence and shortage (:func:`ratekit.leverage.local_context`,
:func:`ratekit.leverage.shortage`) as one or two sentences.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import jinja2
import pandas as pd
from markupsafe import Markup

from . import config
from .client import Client
from .formatting import (BENCHMARK_LABELS, CONDITION_LABELS, condition_names, count, feature_names, join_names,
                         kind_label, money_3sf, pct)
from .leverage import PREVALENCE_MARGIN, TARGET_DOLLAR_YEAR

if TYPE_CHECKING:  # the analysis is only passed through here
    from .analysis import ClientAnalysis, LeverageAnalysis

TEMPLATE = config.VALUE_PROPOSITION_TEMPLATE.name
FORMATS = ("markdown", "html", "text")

#: Facts a value proposition cannot do without.
REQUIRED_FACTS = ("client_name", "payer", "payer_kind")
#: Facts that may be missing or None (the sentence that needs them is left out).
OPTIONAL_FACTS = (
    "pct_of_medicare", "benchmark_name", "benchmark_index", "dollars_to_benchmark",
    "chronic_exposure", "chronic_conditions", "uncosted_conditions", "dollar_year",
    "access_features", "er_visits_low", "er_visits_base", "er_visits_high",
    "er_savings_low", "er_savings_base", "er_savings_high", "office_cost_is_default", "local_context",
    "er_range_name",
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|$~!])")


def _md_escape(text: str) -> str:
    """Escape text for Markdown that is then rendered to HTML.

    ``<``, ``>`` and ``&`` become entities (no tag can be injected); quotes stay as they are (they are only
    special inside a tag's attribute, and ``&#39;`` would print as such in a letter); then Markdown's own
    characters are backslash-escaped.
    """
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def _condition_list(items: Sequence[Mapping]) -> str:
    return join_names(f"{int(i['patients']):,} with {CONDITION_LABELS.get(i['condition'], i['condition'])}"
                      for i in items)


# --- rendering -------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _environment(fmt: str) -> jinja2.Environment:
    """One environment per format, made once: it keeps its compiled template (compiling costs ~20 ms)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if fmt == "html":
        env = jinja2.Environment(autoescape=True)
        strong = lambda v: Markup("<strong>%s</strong>") % v  # noqa: E731 - escapes v
    elif fmt == "markdown":
        env = jinja2.Environment(autoescape=False,
                                 finalize=lambda v: v if isinstance(v, Markup) else _md_escape(v))
        strong = lambda v: Markup(f"**{_md_escape(v)}**")  # noqa: E731
    else:
        env = jinja2.Environment(autoescape=False)
        strong = str
    env.loader = jinja2.FileSystemLoader(str(config.TEMPLATES_DIR))
    env.undefined = jinja2.StrictUndefined
    env.trim_blocks = env.lstrip_blocks = True
    env.filters.update(
        strong=strong, money=money_3sf, pct=pct, visits=count, pct_medicare=lambda v: f"{pct(v)} of Medicare",
        kind=kind_label, feature_list=feature_names, condition_list=_condition_list, plain_conditions=condition_names,
    )
    return env


def preload() -> None:
    """Compile the template for every format (see :func:`ratekit.medicare.preload`)."""
    for fmt in FORMATS:
        _environment(fmt).get_template(TEMPLATE)


def _check(facts: Mapping) -> dict:
    missing = [k for k in REQUIRED_FACTS if not facts.get(k)]
    if missing:
        raise ValueError(f"payer facts lack {', '.join(missing)}")
    unknown = set(facts) - set(REQUIRED_FACTS) - set(OPTIONAL_FACTS)
    if unknown:
        raise ValueError(f"unknown payer facts: {', '.join(sorted(unknown))}")
    full = {k: facts.get(k) for k in (*REQUIRED_FACTS, *OPTIONAL_FACTS)}
    for k in ("chronic_conditions", "uncosted_conditions", "access_features"):
        full[k] = list(full[k] or [])
    full["office_cost_is_default"] = bool(full["office_cost_is_default"])
    for k in ("pct_of_medicare", "benchmark_index", "dollars_to_benchmark", "chronic_exposure",
              "er_visits_low", "er_visits_base", "er_visits_high", "er_savings_low", "er_savings_base",
              "er_savings_high"):
        if full[k] is not None and pd.isna(full[k]):
            full[k] = None
    if full["chronic_conditions"] and full["chronic_exposure"] is None:
        full["chronic_exposure"] = sum(float(i["exposure"]) for i in full["chronic_conditions"])
    if full["dollar_year"] is None:
        full["dollar_year"] = TARGET_DOLLAR_YEAR
    return full


def value_proposition(payer_facts: Mapping, *, format: str = "markdown") -> str:  # noqa: A002
    """One payer's value proposition as a short paragraph.

    Parameters
    ----------
    payer_facts : mapping
        Required: ``client_name``, ``payer``, ``payer_kind`` (a client.yaml kind).
        Optional (None or missing leaves the sentence out):
        ``pct_of_medicare`` (volume-weighted index, 1.12 = 112%),
        ``benchmark_name`` ("median payer"), ``benchmark_index`` (its index),
        ``dollars_to_benchmark`` (USD a year to reach it);
        ``chronic_conditions`` (list of {condition, patients, exposure} with a
        published cost), ``chronic_exposure`` (their sum, USD a year; default the
        sum of the list), ``uncosted_conditions`` (condition keys without a cost),
        ``dollar_year``; ``access_features`` (client.yaml names),
        ``er_visits_low/base/high``, ``er_savings_low/base/high``,
        ``office_cost_is_default`` (bool); ``local_context`` (a sentence, e.g.
        :func:`local_context_text`).
    format : {"markdown", "html", "text"}
        See the module docstring; markdown and html escape every value.

    Returns
    -------
    str
        One paragraph (for html: ``<p class="tex2jax_ignore mathjax_ignore">...</p>``).

    Raises
    ------
    ValueError
        For a missing required fact, an unknown fact or an unknown format.
    """
    facts = _check(payer_facts)
    text = _environment(format).get_template(TEMPLATE).render(**facts)
    text = re.sub(r"\s+", " ", text).strip()
    if format == "html":  # the classes stop MathJax reading "$...$" as LaTeX in Jupyter
        return str(Markup('<p class="tex2jax_ignore mathjax_ignore">%s</p>') % Markup(text))
    return text


def value_propositions(facts: Sequence[Mapping], *, format: str = "markdown") -> str:  # noqa: A002
    """Every payer's paragraph under a heading with the payer's name, as one document.

    Markdown: ``### <payer>`` headings; html: ``<h3>``; text: the name underlined.
    """
    parts = []
    for f in facts:
        body = value_proposition(f, format=format)
        name = str(f["payer"])
        if format == "markdown":
            parts.append(f"### {_md_escape(name)}\n\n{body}")
        elif format == "html":
            parts.append(str(Markup("<h3>%s</h3>\n") % name) + body)
        else:
            parts.append(f"{name}\n{'-' * len(name)}\n{body}")
    return "\n\n".join(parts) + ("\n" if parts else "")


# --- facts from the model --------------------------------------------------------------------------

def payer_facts(client: Client, payer: str, *, savings: pd.DataFrame | None = None,
                exposure: pd.DataFrame | None = None, local_text: str | None = None,
                benchmark: Mapping | None = None, interval: pd.DataFrame | None = None) -> dict:
    """Assemble one payer's facts for :func:`value_proposition`.

    Parameters
    ----------
    client : Client
    payer : str
        A payer name from client.yaml.
    savings : DataFrame, optional
        :func:`ratekit.leverage.er_savings` for the client.
    exposure : DataFrame, optional
        :func:`ratekit.leverage.chronic_cost_exposure` for the client.
    local_text : str, optional
        :func:`local_context_text` for the client.
    benchmark : mapping, optional
        From the rate benchmark: ``pct_of_medicare``, ``benchmark_name``,
        ``benchmark_index``, ``dollars_to_benchmark`` (any of them).
    interval : DataFrame, optional
        :func:`ratekit.leverage.er_savings_interval` for the client: the ER range quoted is then its
        80% interval (p10 to p90) instead of the all-low / all-high cases.

    Returns
    -------
    dict
        The facts described in :func:`value_proposition`.
    """
    match = [p for p in client.payers if p.name == payer]
    if not match:
        raise ValueError(f"{payer!r} is not a payer of {client.client_id} "
                         f"({', '.join(p.name for p in client.payers)})")
    p = match[0]
    facts: dict = {"client_name": client.name, "payer": p.name, "payer_kind": p.kind,
                   "access_features": list(client.access_features), "local_context": local_text}
    if benchmark:
        for k in ("pct_of_medicare", "benchmark_name", "benchmark_index", "dollars_to_benchmark"):
            facts[k] = benchmark.get(k)
    if exposure is not None:
        mine = exposure[(exposure["payer"] == p.name) & (exposure["patients"] > 0)]
        costed = mine[mine["cost_per_patient"].notna()].sort_values("exposure", ascending=False, kind="stable")
        facts["chronic_conditions"] = [
            {"condition": r.condition, "patients": int(r.patients), "exposure": float(r.exposure)}
            for r in costed.itertuples()]
        facts["chronic_exposure"] = float(costed["exposure"].sum())
        facts["uncosted_conditions"] = list(mine.loc[mine["cost_per_patient"].isna(), "condition"])
        if len(mine):
            facts["dollar_year"] = int(mine["dollar_year"].iloc[0])
    if savings is not None:
        mine = savings[savings["payer"] == p.name]
        for s in ("low", "base", "high"):
            facts[f"er_visits_{s}"] = float(mine[f"avoided_visits_{s}"].sum())
            facts[f"er_savings_{s}"] = float(mine[f"savings_{s}"].sum())
        facts["office_cost_is_default"] = bool(len(mine)) and mine["office_visit_cost_source"].iloc[0] != "payer rate"
        row = interval[interval["payer"] == p.name] if interval is not None else None
        if row is not None and len(row):
            for what, col in (("visits", "avoided_visits"), ("savings", "savings")):
                facts[f"er_{what}_low"] = float(row[f"{col}_p10"].iloc[0])
                facts[f"er_{what}_high"] = float(row[f"{col}_p90"].iloc[0])
            facts["er_range_name"] = "80% range"
    return facts


def benchmark_facts(analysis: "ClientAnalysis") -> dict[str, dict]:
    """Per payer, the rate-benchmark facts a value proposition quotes (``benchmark`` of :func:`payer_facts`)."""
    return {row.payer: {"pct_of_medicare": row.index, "benchmark_name": BENCHMARK_LABELS[analysis.benchmark],
                        "benchmark_index": row.benchmark_index, "dollars_to_benchmark": row.dollars_a_year}
            for row in analysis.gaps.itertuples()}


def all_payer_facts(analysis: "ClientAnalysis", lev: "LeverageAnalysis") -> list[dict]:
    """Every payer's facts for an analysed client, in client.yaml order (what the report's paragraphs quote).

    Parameters
    ----------
    analysis : ClientAnalysis
        From :func:`ratekit.analysis.analyse`: the rate benchmark.
    lev : LeverageAnalysis
        From :func:`ratekit.analysis.analyse_leverage`: ER savings, exposure and local context.
    """
    client = analysis.client
    benchmarks = benchmark_facts(analysis)
    # local need is said once, in the report's own section, not in every payer's paragraph (and a lower
    # prevalence or no shortage, which it may state, is no argument to a payer)
    return [payer_facts(client, p.name, savings=lev.savings, exposure=lev.exposure,
                        benchmark=benchmarks.get(p.name), interval=lev.interval) for p in client.payers]


# --- the local-need sentence -----------------------------------------------------------------------

def local_context_text(local: pd.DataFrame, shortage: Mapping | None) -> str:
    """One or two sentences on local need and provider scarcity.

    A condition is "more common" when the county figure is at least 5% above the
    national one (ratio >= 1 + :data:`ratekit.leverage.PREVALENCE_MARGIN`) and
    "less common" at 5% or more below.

    Parameters
    ----------
    local : DataFrame
        :func:`ratekit.leverage.local_context` (its ``county_fips``, ``county``,
        ``prevalence_type`` and prevalence columns).
    shortage : mapping or None
        :func:`ratekit.leverage.shortage`.
    """
    if local.empty:
        return "CDC PLACES has no prevalence measure for this practice's conditions."
    fips = str(local["county_fips"].iloc[0])
    crude = local["prevalence_type"].iloc[0] == "crude"
    adults = "adults" if crude else "adults (age-adjusted)"
    if not fips or local["county_prevalence"].isna().all():
        nat = [f"{CONDITION_LABELS[r.condition]} {r.national_prevalence:.1f}%" for r in local.itertuples()]
        why = ("no county is given for this practice (location.county_fips in client.yaml)"
               if not fips else f"county {fips} is not in CDC PLACES")
        return (f"Local prevalence and shortage are not compared: {why}. Nationally, the share of {adults} with "
                f"each condition is: {join_names(nat)} (CDC PLACES 2022).")
    place = local["county"].iloc[0]

    def phrase(r) -> str:
        return f"{CONDITION_LABELS[r.condition]} ({r.county_prevalence:.1f}% vs {r.national_prevalence:.1f}%)"

    more = [phrase(r) for r in local.itertuples() if r.ratio >= 1 + PREVALENCE_MARGIN]
    less = [phrase(r) for r in local.itertuples() if r.ratio <= 1 - PREVALENCE_MARGIN]
    if more:
        text = f"According to CDC PLACES (2022), more {adults} in {place} than nationally have {join_names(more)}"
    else:
        text = (f"According to CDC PLACES (2022), none of the practice's conditions is notably more common "
                f"among {adults} in {place} than nationally")
    if less:
        text += f"; fewer have {join_names(less)}"
    text += "."
    if shortage is not None:
        if shortage["hpsa_score"] > 0:
            text += (f" The county is a designated primary-care shortage area: HRSA shortage score "
                     f"{shortage['hpsa_score']:.0f} on a 0-25 scale (national average {shortage['national_mean']:.1f}; "
                     f"{shortage['share_population_lower']:.0%} of Americans live in counties with a lower score).")
        else:
            text += " The county has no designated geographic primary-care shortage area (HRSA, 2020)."
    return text
