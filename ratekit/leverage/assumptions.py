"""The ER-savings model's assumptions: each with its low, base and high value and citation, and client overrides.

The values, their sources and how the low and high cases are chosen are tabled in
``docs/leverage.md`` ("The assumptions"); :func:`assumptions` is the one place the model reads them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..client import CONDITIONS, Client
from ..errors import Problem, RatekitError
from ..formatting import CONDITION_LABELS
from .tables import TARGET_DOLLAR_YEAR, visit_cost_table


@dataclass(frozen=True)
class _Spec:
    key: str
    label: str
    low: float
    base: float
    high: float
    unit: str
    source: str
    bounds: tuple[float, float]


def _ed_cost_spec() -> _Spec:
    costs = visit_cost_table().set_index("key")

    def cite(key: str) -> str:
        r = costs.loc[key]
        return (f"${r.original_value:,.0f} in {r.original_dollar_year} = ${r.normalised_value:,.0f} "
                f"in {TARGET_DOLLAR_YEAR} dollars")

    low, base, high = (float(costs.loc[k, "normalised_value"])
                       for k in ("ed_hcup_cost_2017", "ed_mehrotra_episode", "ed_kff_paid_2019"))
    return _Spec(
        "ed_cost", f"Cost of an avoidable ED visit to the plan ({TARGET_DOLLAR_YEAR} $)", low, base, high,
        f"USD {TARGET_DOLLAR_YEAR}",
        f"low: HCUP Statistical Brief #268, mean hospital cost per ED visit 2017, {cite('ed_hcup_cost_2017')} "
        f"(cost, not payment); base: Mehrotra et al., Ann Intern Med 2009, ED episode for a minor illness, "
        f"{cite('ed_mehrotra_episode')} (the low-acuity visit an office can replace); high: Peterson-KFF 2022, "
        f"total paid per ED visit in large-employer plans, {cite('ed_kff_paid_2019')} (all acuity levels); "
        f"normalised with CPI-U medical care",
        (0.0, 100_000.0),
    )


def _reduction_specs() -> list[_Spec]:
    def spec(feature: str, base: float, label: str, source: str, low: float | None = None,
             high: float | None = None) -> _Spec:
        lo = round(base / 2, 4) if low is None else low
        hi = round(min(base * 1.5, 1.0), 4) if high is None else high
        return _Spec(f"reduction.{feature}", label, lo, base, hi, "share of avoidable ED visits", source, (0.0, 1.0))

    halo = ("; low/high = half / 1.5 times the published estimate (judgement: observational study, other "
            "health system; it is applied to avoidable visits only, though it was measured on all or minor visits)")
    return [
        spec("same_day_appointments", 0.102, "Reduction from same-day appointments",
             "Cowling et al., PLoS One 2013: practices in the most accessible quintile had RR 0.898 for "
             "self-referred discharged ED visits (England, 7,856 practices); direction also in Yoon et al., "
             "PLoS One 2015 (VA, 71,296 patients)" + halo),
        spec("next_day_appointments", 0.051, "Reduction from next-day appointments",
             "judgement: half the same-day effect (Cowling 2013); no separate published estimate",
             low=0.0, high=0.102),
        spec("after_hours_line", 0.194, "Reduction from an after-hours line / answering service",
             "O'Malley, Health Affairs 2012: 30.4% vs 37.7% of patients used the ED with vs without after-hours "
             "access; 1 - 30.4/37.7 = 0.194" + halo),
        spec("extended_hours", 0.264, "Reduction from extended (evening) hours",
             "Whittaker et al., PLOS Medicine 2016, Greater Manchester extended access: 26.4% fewer "
             "patient-initiated ED visits for minor problems" + halo),
        spec("weekend_hours", 0.264, "Reduction from weekend hours",
             "same evidence as extended hours (the Manchester schemes opened evenings and weekends); counted "
             "once with extended hours" + halo),
        spec("telehealth", 0.0, "Reduction from telehealth visits",
             "no effect size on ED use found in the evidence ratekit ships: counted as zero unless the client "
             "supplies a cited figure", low=0.0, high=0.0),
        spec("immediate_referrals", 0.0, "Reduction from accepting immediate referrals",
             "no effect size on ED use found in the evidence ratekit ships: counted as zero unless the client "
             "supplies a cited figure", low=0.0, high=0.0),
    ]


@functools.cache
def _default_specs() -> tuple[_Spec, ...]:
    specs = [
        _Spec("ed_visits_per_year", "ED visits per patient-year (conditions without their own rate)",
              0.41, 0.47, 0.76, "visits per patient-year",
              "NHAMCS: low 41 per 100 adults aged 45-74 (2019, MMWR QuickStats 71(42)); base 47 per 100 "
              "persons (2022, NCHS Data Brief 503); high 76 per 100 persons aged 75+ (2022, Data Brief 503). "
              "General-population rates: no per-patient rate was found for hypertension, asthma, CKD, COPD "
              "or heart failure, whose patients likely use the ED more",
              (0.0, 20.0)),
        _Spec("ed_visits_per_year.diabetes", "ED visits per patient-year, diabetes",
              0.47, 0.69, 0.76, "visits per patient-year",
              "base: 0.69 derived from CDC National Diabetes Statistics Report Table 5 (17.18 million 2018 "
              "ED visits listing diabetes / 25.05 million adults with diagnosed diabetes; not published as "
              "such); low: the all-persons rate 0.47 (NCHS Data Brief 503); high: 0.76, the rate at 75+",
              (0.0, 20.0)),
        _Spec("avoidable_share", "Share of those ED visits treatable in primary care", 0.033, 0.204, 0.37,
              "share of ED visits",
              "low: 3.3% strictly avoidable (Hsia & Niedzwiecki, Int J Qual Health Care 2017, NHAMCS; the "
              "figure ACEP cites; Raven, JAMA 2013 found 6.3% primary-care treatable by discharge diagnosis); "
              "base: 20.4%, midpoint of 13.7-27.1% treatable at urgent care or retail clinics (Weinick, Health "
              "Affairs 2010); high: 37%, mean nonurgent share across 26 US studies (Uscher-Pines, AJMC 2013). "
              "UnitedHealth Group's 'two-thirds avoidable' (2019) is contested and not used",
              (0.0, 1.0)),
        *_reduction_specs(),
        _ed_cost_spec(),
        _Spec("office_visit_default", "Office visit cost where the payer's own rate is missing", 125.18,
              125.18, 125.18, "USD",
              "Medicare 2025 national non-facility amount for E/M 99214 (CMS RVU25A, CF 32.3465, GPCI 1); "
              "the higher of the two common established-patient levels, so the saving is not overstated",
              (0.0, 10_000.0)),
        _Spec("comorbidity_distinct", "How distinct the patients of different conditions are", 0.0, 0.5, 1.0,
              "0 = complete overlap, 1 = independent",
              "judgement: condition counts alone do not say how many patients have several conditions. 0 "
              "counts only the largest condition's patients (complete overlap); 1 assumes conditions occur "
              "independently, the most distinct count plausible as chronic conditions cluster; base halfway",
              (0.0, 1.0)),
    ]
    return tuple(specs)


_COLUMNS_ASSUMPTIONS = ["key", "label", "low", "base", "high", "unit", "source", "overridden"]


def assumptions(client: Client | None = None) -> pd.DataFrame:
    """Every assumption of the ER-savings model, with its range and citation.

    Parameters
    ----------
    client : Client, optional
        When given, its ``client.yaml`` ``assumptions:`` overrides are validated and
        applied. An override is a number (low = base = high = that number: the
        client's own figure, no range) or a mapping with any of ``low``, ``base``,
        ``high`` and ``source``; ``ed_visits_per_year.<condition>`` may be given
        for any condition in ``client.CONDITIONS``.

    Returns
    -------
    DataFrame
        One row per assumption: ``key``, ``label``, ``low``, ``base``, ``high``,
        ``unit``, ``source`` (citation text) and ``overridden`` (bool).

    Raises
    ------
    RatekitError
        For an unknown key, a non-number, a value out of range or low > base > high,
        each as a :class:`~ratekit.errors.Problem` on ``<client>/client.yaml``,
        column ``assumptions.<key>``.
    """
    rows = {s.key: {"key": s.key, "label": s.label, "low": s.low, "base": s.base, "high": s.high,
                    "unit": s.unit, "source": s.source, "overridden": False} for s in _default_specs()}
    if client is not None and client.assumptions:
        _apply_overrides(rows, client)
    return pd.DataFrame(list(rows.values()), columns=_COLUMNS_ASSUMPTIONS)


def _bounds(key: str) -> tuple[float, float]:
    specs = {s.key: s for s in _default_specs()}
    if key in specs:
        return specs[key].bounds
    return specs["ed_visits_per_year"].bounds


def _apply_overrides(rows: dict[str, dict], client: Client) -> None:
    fname = f"{client.client_id}/client.yaml"
    problems: list[Problem] = []
    known = ", ".join(sorted(rows)) + ", ed_visits_per_year.<condition>"

    def problem(key: str, value, message: str, fix: str) -> None:
        problems.append(Problem(file=fname, column=f"assumptions.{key}", value=value, message=message, fix=fix))

    def number(key: str, value) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            problem(key, value, "an assumption value must be a number", "write e.g. 0.25 (no % sign, no quotes)")
            return None
        return float(value)

    for key, value in client.assumptions.items():
        key = str(key)
        cond = key.split(".", 1)[1] if key.startswith("ed_visits_per_year.") else None
        if key not in rows and not (cond and cond in CONDITIONS):
            problem(key, key, "unknown assumption", f"use one of: {known}")
            continue
        row = dict(rows.get(key) or {**rows["ed_visits_per_year"], "key": key,
                                     "label": f"ED visits per patient-year, {CONDITION_LABELS[cond]}"})
        if isinstance(value, Mapping):
            extra = set(map(str, value)) - {"low", "base", "high", "source"}
            if extra:
                problem(key, value, f"unknown field(s) {', '.join(sorted(extra))}",
                        "give any of low, base, high and source")
                continue
            parsed = {k: number(key, value[k]) for k in ("low", "base", "high") if k in value}
            if any(v is None for v in parsed.values()):
                continue
            row.update(parsed)
            given = value.get("source")
        else:
            v = number(key, value)
            if v is None:
                continue
            row.update(low=v, base=v, high=v)
            given = None
        lo, hi = _bounds(key)
        bad = [k for k in ("low", "base", "high") if not lo <= row[k] <= hi]
        if bad:
            problem(key, value, f"{', '.join(bad)} outside {lo:g}-{hi:g} ({row['unit']})",
                    f"give a value between {lo:g} and {hi:g}")
            continue
        if not row["low"] <= row["base"] <= row["high"]:
            problem(key, value, f"needs low <= base <= high (got {row['low']:g}, {row['base']:g}, {row['high']:g})",
                    "reorder the values, or give all three")
            continue
        row["source"] = f"client.yaml override{': ' + str(given) if given else ''} (default: {row['source']})"
        row["overridden"] = True
        rows[key] = row
    if problems:
        raise RatekitError(problems, context=f"client {client.client_id!r} has problems in its assumptions:")


#: Assumptions that lower the saving as they rise: the low case takes their high value.
_DECREASING = frozenset({"office_visit_default"})
_OPPOSITE = {"low": "high", "base": "base", "high": "low"}


def scenario_values(table: pd.DataFrame, scenario: str) -> dict[str, float]:
    """Each assumption's value in one scenario, taken so that every one pushes the saving the same way.

    Parameters
    ----------
    table : DataFrame
        From :func:`assumptions`.
    scenario : {"low", "base", "high"}

    Returns
    -------
    dict
        key -> value: the scenario's column, except for assumptions that lower the saving as they rise
        (the default office-visit cost), which take the opposite end (the low case, their high value).
    """
    values = dict(zip(table["key"], table[scenario].astype(float), strict=True))
    for key in _DECREASING & set(values):
        values[key] = float(table.loc[table["key"] == key, _OPPOSITE[scenario]].iloc[0])
    return values


def check_assumptions(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` when it holds every assumption the model needs; else ValueError naming the missing keys."""
    missing = {s.key for s in _default_specs()} - set(table["key"])
    if missing:
        raise ValueError(f"assumptions table lacks {', '.join(sorted(missing))}; build it with leverage.assumptions()")
    return table
