"""Per-payer value propositions: a short paragraph from each payer's numbers.

The paragraph comes from the Jinja2 template ``templates/value_proposition.md.j2``
and is rendered in one of three formats:

* ``"markdown"`` (default) - for ``IPython.display.Markdown`` and Markdown cells:
  every value is escaped for Markdown *and* HTML (``<``, ``&``, ``*``, ``_``,
  ``$`` - two dollar signs would start LaTeX in Jupyter - ...), so a payer
  named ``<script>`` shows as text and cannot inject markup;
* ``"html"`` - autoescaped by Jinja2, wrapped in ``<p>``;
* ``"text"`` - plain text, values as they are, for the exported ``.txt``.

Numbers are formatted for a physician: "$84,300 a year" (three significant
figures), "112% of Medicare", "about 6 ER visits". The output is deterministic.

A payer's facts are a plain mapping (see :func:`value_proposition`); build them
with :func:`payer_facts` from the leverage model's tables, or all at once with
:func:`all_payer_facts`.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from . import config, leverage
from .client import Client

TEMPLATE = "value_proposition.md.j2"
FORMATS = ("markdown", "html", "text")

#: Facts a value proposition cannot do without.
REQUIRED_FACTS = ("client_name", "payer", "payer_kind")
#: Facts that may be missing or None (the sentence that needs them is left out).
OPTIONAL_FACTS = (
    "pct_of_medicare", "benchmark_name", "benchmark_index", "dollars_to_benchmark",
    "chronic_exposure", "chronic_conditions", "uncosted_conditions", "dollar_year",
    "access_features", "er_visits_low", "er_visits_base", "er_visits_high",
    "er_savings_low", "er_savings_base", "er_savings_high", "office_cost_is_default", "local_context",
)

_KINDS = {"commercial": "commercial", "medicare_advantage": "Medicare Advantage",
          "medicaid_managed_care": "Medicaid managed care"}
_FEATURES = {
    "same_day_appointments": "same-day appointments",
    "next_day_appointments": "next-day appointments",
    "after_hours_line": "after-hours line",
    "extended_hours": "extended hours",
    "weekend_hours": "weekend hours",
    "immediate_referrals": "immediate referrals",
    "telehealth": "telehealth visits",
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|$~!])")


# --- formatting ------------------------------------------------------------------------------------

def money(value: float) -> str:
    """Dollars for a physician: three significant figures, "$84,300", "$1.23 million", "$0"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "an unknown amount"
    value = float(value)
    sign = "-" if value < 0 else ""
    value = _sig(abs(value), 3)
    if value >= 1_000_000:
        millions = value / 1_000_000
        return f"{sign}${millions:,.{max(0, 2 - int(math.log10(millions)))}f} million"
    return f"{sign}${value:,.0f}"


def _sig(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` significant figures."""
    if value == 0:
        return 0.0
    return float(round(value, digits - 1 - int(math.floor(math.log10(abs(value))))))


def pct(index: float) -> str:
    """An index as a percentage: 1.12 -> "112%"."""
    return f"{float(index) * 100:.0f}%"


def visits(value: float) -> str:
    """A number of visits: "fewer than 1", "6", "1,240"."""
    value = float(value)
    if value == 0:
        return "0"
    if value < 1:
        return "fewer than 1"
    return f"{round(value):,}"


def _md_escape(text: str) -> str:
    """Escape text for Markdown that is then rendered to HTML."""
    return _MD_SPECIAL.sub(r"\\\1", str(escape(str(text))))


def feature_names(features: Sequence[str]) -> str:
    """``["same_day_appointments", "after_hours_line"]`` -> "same-day appointments and after-hours line"."""
    return _feature_list(features)


def _feature_list(features: Sequence[str]) -> str:
    return leverage.join_words([_FEATURES.get(f, f.replace("_", " ")) for f in features])


def _condition_names(conditions: Sequence[str]) -> str:
    return leverage.join_words([leverage.CONDITION_LABELS.get(c, c) for c in conditions])


def _condition_list(items: Sequence[Mapping]) -> str:
    labels = leverage.CONDITION_LABELS
    return leverage.join_words([f"{int(i['patients']):,} with {labels.get(i['condition'], i['condition'])}"
                                for i in items])


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
        strong=strong, money=money, pct=pct, visits=visits, pct_medicare=lambda v: f"{pct(v)} of Medicare",
        kind=lambda k: _KINDS.get(k, str(k).replace("_", " ")), feature_list=_feature_list,
        condition_list=_condition_list, plain_conditions=_condition_names,
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
        full["dollar_year"] = leverage.TARGET_DOLLAR_YEAR
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
        :func:`ratekit.leverage.local_context_text`).
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


def value_proposition_html(payer_facts: Mapping) -> str:
    """:func:`value_proposition` as autoescaped HTML (``<p>`` with ``<strong>``)."""
    return value_proposition(payer_facts, format="html")


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


def export_value_propositions(facts: Sequence[Mapping], path: str | Path) -> Path:
    """Write every payer's value proposition to ``path`` (``.md`` Markdown, ``.txt`` plain text).

    Returns
    -------
    Path
        The file written (UTF-8).
    """
    path = Path(path)
    fmt = {".md": "markdown", ".txt": "text"}.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"export to .md or .txt, not {path.suffix or 'no suffix'!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value_propositions(facts, format=fmt), encoding="utf-8")
    return path


# --- facts from the model --------------------------------------------------------------------------

def payer_facts(client: Client, payer: str, *, savings: pd.DataFrame | None = None,
                exposure: pd.DataFrame | None = None, local_text: str | None = None,
                benchmark: Mapping | None = None) -> dict:
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
        :func:`ratekit.leverage.local_context_text` for the client.
    benchmark : mapping, optional
        From the rate benchmark: ``pct_of_medicare``, ``benchmark_name``,
        ``benchmark_index``, ``dollars_to_benchmark`` (any of them).

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
    return facts


def all_payer_facts(client: Client, office_visit_cost, *, benchmarks=None,
                    assumptions: pd.DataFrame | None = None) -> list[dict]:
    """Facts for every payer of the client, in client.yaml order.

    Parameters
    ----------
    client : Client
    office_visit_cost : Series or mapping, payer -> USD
        As for :func:`ratekit.leverage.er_savings`.
    benchmarks : mapping payer -> mapping, or DataFrame with a ``payer`` column, optional
        Each payer's ``pct_of_medicare``, ``benchmark_name``, ``benchmark_index``
        and ``dollars_to_benchmark`` from the rate benchmark.
    assumptions : DataFrame, optional
        As for :func:`ratekit.leverage.er_savings`.
    """
    savings = leverage.er_savings(client, office_visit_cost, assumptions=assumptions)
    exposure = leverage.chronic_cost_exposure(client)
    local_text = leverage.local_context_text(client)
    if isinstance(benchmarks, pd.DataFrame):
        benchmarks = {r["payer"]: r.to_dict() for _, r in benchmarks.iterrows()}
    benchmarks = benchmarks or {}
    return [payer_facts(client, p.name, savings=savings, exposure=exposure, local_text=local_text,
                        benchmark=benchmarks.get(p.name)) for p in client.payers]
