"""The leverage model: chronic-condition cost exposure and ER savings per payer.

What a practice is worth to each health plan, stated with honest ranges and the
sources behind every number (the model, each formula and each assumption are
described in ``docs/leverage.md``):

* :func:`panel` - the practice's patients with each chronic condition, per payer.
* :func:`chronic_cost_exposure` - members with a condition x its normalised annual
  cost: cost the plan bears that the practice manages (**not** a saving).
* :func:`er_savings` - ED visits a year the practice's access features avoid, and
  the dollars that saves the plan, as low / base / high from :func:`assumptions`;
  :func:`sensitivity` ranks the assumptions by how much they move the base figure.
* :func:`local_context` / :func:`shortage` - the county's prevalence of each
  condition vs the national figure, and its primary-care shortage score
  (:func:`ratekit.narrative.local_context_text` puts them in words).
* :func:`cost_table` / :func:`visit_cost_table` - the published costs, original
  and normalised to one dollar year with the CPI-U medical care index.

Every function is pure: it reads the client and the shipped reference tables
(:mod:`ratekit.reference`) and returns a tidy DataFrame with documented columns.
Money is never rounded here; round for display only.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import reference
from .client import CONDITIONS, Client
from .errors import Problem, RatekitError
from .formatting import CONDITION_LABELS

#: Dollar year every cost is normalised to: the latest full year of the CPI-U medical
#: care index (2024, from secondary copies that agree to 0.001); 2025's annual average
#: is still preliminary and conflicting.
TARGET_DOLLAR_YEAR = 2024

#: CDC PLACES measure for each condition in ``client.CONDITIONS`` (None: no PLACES measure).
PLACES_MEASURES: dict[str, str | None] = {
    "hypertension": "BPHIGH",
    "hyperlipidemia": "HIGHCHOL",
    "diabetes": "DIABETES",
    "obesity": "OBESITY",
    "ischemic_heart_disease": "CHD",
    "heart_failure": None,
    "afib": None,
    "copd": "COPD",
    "asthma": "CASTHMA",
    "ckd": "KIDNEY",
    "depression": "DEPRESSION",
    "stroke_tia": "STROKE",
}

#: Access features grouped by the evidence behind them. Within a group the features
#: work through the same channel and were studied together, so only the largest
#: reduction counts; across groups reductions combine multiplicatively.
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    "timely_appointments": ("same_day_appointments", "next_day_appointments"),
    "extended_access": ("extended_hours", "weekend_hours"),
    "after_hours": ("after_hours_line",),
    "telehealth": ("telehealth",),
    "referrals": ("immediate_referrals",),
}

#: A county's prevalence counts as "more common" at >= 5% above the national figure
#: (ratio >= 1.05) and "less common" at <= 5% below it.
PREVALENCE_MARGIN = 0.05

_SCENARIOS = ("low", "base", "high")
_NO_COST_SOURCE = "no per-patient cost source shipped"


# --- reference tables ------------------------------------------------------------------------------

@functools.cache
def _load(key: str) -> pd.DataFrame:
    dtype = {"county_fips": str, "icd10": str, "condition": str}
    return pd.read_csv(reference.path(key), dtype=dtype, keep_default_na=True)


def preload() -> None:
    """Read every shipped leverage table into this process's cache (see :func:`ratekit.medicare.preload`)."""
    for dataset in reference.datasets():
        if dataset.key.startswith("leverage_"):
            _load(dataset.key)


def _table(key: str) -> pd.DataFrame:
    """A shipped leverage table (a copy: callers may modify it)."""
    return _load(key).copy()


def cpi_table() -> pd.DataFrame:
    """CPI-U medical care annual averages.

    Returns
    -------
    DataFrame
        ``year`` (int), ``index`` (1982-84 = 100), ``series`` (CUUR0000SAM) and
        ``status`` (how the year's value was verified; 2025 is preliminary).
    """
    return _table("leverage_cpi_medical")


def cpi_factor(from_year: int, to_year: int = TARGET_DOLLAR_YEAR) -> float:
    """Multiplier taking dollars of ``from_year`` to dollars of ``to_year``.

    ``factor = CPI[to_year] / CPI[from_year]``, CPI = BLS CPI-U Medical care
    (CUUR0000SAM) annual average.

    Raises
    ------
    ValueError
        If either year is outside the shipped index (2000-2025).
    """
    cpi = cpi_table().set_index("year")["index"]
    for year in (from_year, to_year):
        if int(year) not in cpi.index:
            raise ValueError(f"no CPI-U medical care index for {year}; known years "
                             f"{cpi.index.min()}-{cpi.index.max()}")
    return float(cpi[int(to_year)] / cpi[int(from_year)])


def _normalise(frame: pd.DataFrame, dollar_year: int | None) -> pd.DataFrame:
    target = TARGET_DOLLAR_YEAR if dollar_year is None else int(dollar_year)
    cpi = cpi_table().set_index("year")["index"]
    cpi_factor(target, target)  # validates the target year
    out = frame.rename(columns={"value_usd": "original_value", "dollar_year": "original_dollar_year"})
    out["cpi_original"] = out["original_dollar_year"].map(cpi)
    out["cpi_target"] = float(cpi[target])
    out["dollar_year"] = target
    out["normalised_value"] = out["original_value"] * out["cpi_target"] / out["cpi_original"]
    return out


def cost_table(*, dollar_year: int | None = None) -> pd.DataFrame:
    """Published per-patient annual costs of chronic conditions, original and normalised.

    ``normalised_value = original_value × CPI[dollar_year] / CPI[original_dollar_year]``
    with the BLS CPI-U Medical care index (:func:`cpi_factor`).

    Parameters
    ----------
    dollar_year : int, optional
        Dollar year to normalise to (default :data:`TARGET_DOLLAR_YEAR`, 2024).

    Returns
    -------
    DataFrame
        One row per published figure: ``condition``, ``role`` (``base`` = the figure
        the model uses, ``alternative`` = shown for context), ``method``
        (attributable, incremental, total, ...), ``metric``, ``original_value``,
        ``original_dollar_year``, ``normalised_value``, ``dollar_year``,
        ``cpi_original``, ``cpi_target``, ``citation``, ``url``, ``caveat``.
    """
    raw = _table("leverage_chronic_costs")
    raw["caveat"] = raw[["dollar_year_note", "verification"]].fillna("").agg(
        lambda r: "; ".join(x for x in r if x), axis=1)
    out = _normalise(raw, dollar_year)
    return out[["condition", "role", "method", "metric", "original_value", "original_dollar_year",
                "normalised_value", "dollar_year", "cpi_original", "cpi_target", "citation", "url", "caveat"]]


def visit_cost_table(*, dollar_year: int | None = None) -> pd.DataFrame:
    """Costs of an ED visit and of office / urgent-care / retail visits, original and normalised.

    Returns
    -------
    DataFrame
        ``key``, ``setting``, ``measure``, ``original_value``, ``original_dollar_year``,
        ``normalised_value``, ``dollar_year``, ``cpi_original``, ``cpi_target``,
        ``citation``, ``url``, ``caveat``.
    """
    out = _normalise(_table("leverage_visit_costs"), dollar_year)
    out["url"] = out["url"].fillna("")
    return out[["key", "setting", "measure", "original_value", "original_dollar_year", "normalised_value",
                "dollar_year", "cpi_original", "cpi_target", "citation", "url", "caveat"]]


# --- assumptions -----------------------------------------------------------------------------------

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


_assumptions_for = assumptions  # er_savings() and sensitivity() take a parameter of the same name


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


def _scenario_values(table: pd.DataFrame, scenario: str) -> dict[str, float]:
    """Each assumption's value in a scenario, ordered so every one pushes the saving the same way."""
    values = dict(zip(table["key"], table[scenario].astype(float)))
    for key in _DECREASING & set(values):
        values[key] = float(table.loc[table["key"] == key, _OPPOSITE[scenario]].iloc[0])
    return values


def _check_assumptions(table: pd.DataFrame) -> pd.DataFrame:
    missing = {s.key for s in _default_specs()} - set(table["key"])
    if missing:
        raise ValueError(f"assumptions table lacks {', '.join(sorted(missing))}; build it with leverage.assumptions()")
    return table


# --- the panel -------------------------------------------------------------------------------------

def condition_codes() -> pd.DataFrame:
    """ICD-10-CM codes defining each condition (CMS CCW include lists).

    Returns
    -------
    DataFrame
        ``condition``, ``ccw_condition``, ``icd10`` (no dot, upper case).
    """
    return _table("leverage_condition_icd10")


def _normalise_code(code) -> str:
    return re.sub(r"[^0-9A-Z]", "", str(code).upper())


def read_diagnoses(client: Client) -> pd.DataFrame:
    """Read the client's aggregate diagnosis file (ICD-10 code, number of patients).

    The file is a CSV whose header has one column naming the code (``ICD-10 code``,
    ``icd10``, ``code``, ...) and one naming the count (``patients``). Codes may be
    written with or without the dot.

    Returns
    -------
    DataFrame
        ``icd10`` (normalised: no dot, upper case) and ``patients`` (int), one row
        per line of the file.

    Raises
    ------
    RatekitError
        If the file is missing, lacks either column, or has a code or count that
        cannot be read (each problem with its spreadsheet row number).
    """
    if not client.diagnoses:
        raise RatekitError(Problem(f"{client.client_id}/client.yaml", "no diagnoses file is named",
                                   column="diagnoses", fix="add 'diagnoses: diagnoses.csv'"))
    fname = f"{client.client_id}/{client.diagnoses}"
    try:
        raw = pd.read_csv(client.path(client.diagnoses), dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RatekitError(Problem(fname, f"cannot read the diagnosis file ({exc})",
                                   fix="save it as a UTF-8 CSV with columns 'ICD-10 code' and 'patients'")) from None
    code_col = next((c for c in raw.columns if re.search(r"icd|code|diag", str(c), re.I)), None)
    count_col = next((c for c in raw.columns if re.search(r"patient|count|members", str(c), re.I)), None)
    if code_col is None or count_col is None:
        raise RatekitError(Problem(fname, "the diagnosis file needs a code column and a patients column",
                                   value=", ".join(map(str, raw.columns)),
                                   fix="name the columns 'ICD-10 code' and 'patients'"))
    problems, rows = [], []
    for i, (code, count) in enumerate(zip(raw[code_col], raw[count_col]), start=2):
        norm = _normalise_code(code)
        if not re.fullmatch(r"[A-Z][0-9][0-9A-Z]{0,5}", norm):
            problems.append(Problem(fname, "not an ICD-10 code", row=i, column=str(code_col), value=code,
                                    fix="write codes like E11.9 or E119"))
            continue
        text = str(count).strip().replace(",", "")
        if not re.fullmatch(r"\d+", text):
            problems.append(Problem(fname, "patients must be a whole number, 0 or more", row=i,
                                    column=str(count_col), value=count))
            continue
        rows.append({"icd10": norm, "patients": int(text)})
    if problems:
        raise RatekitError(problems, context=f"client {client.client_id!r}: problems in its diagnosis file:")
    return pd.DataFrame(rows, columns=["icd10", "patients"]).astype({"patients": "int64"})


def map_diagnoses(diagnoses: pd.DataFrame) -> pd.DataFrame:
    """Attach the condition(s) each diagnosis code defines.

    A code matches a condition when it is in the condition's CCW code list. A code
    less specific than the list (e.g. ``E11``) matches the conditions that every
    listed code starting with it defines (so ``E11`` -> diabetes, ``I13`` -> the
    conditions all I13.x codes share). A code can define several conditions (I11.0:
    hypertension and heart failure) and then appears once per condition.

    Parameters
    ----------
    diagnoses : DataFrame
        ``icd10`` and ``patients``, as from :func:`read_diagnoses`.

    Returns
    -------
    DataFrame
        ``icd10``, ``patients``, ``condition`` (missing for codes that define none
        of the conditions).
    """
    codes = condition_codes()
    by_code = codes.groupby("icd10")["condition"].apply(frozenset).to_dict()
    rows = []
    for code, patients in zip(diagnoses["icd10"], diagnoses["patients"]):
        conds = by_code.get(code)
        if conds is None and len(code) >= 3:
            under = [c for k, c in by_code.items() if k.startswith(code)]
            conds = frozenset.intersection(*under) if under else frozenset()
        conds = conds or frozenset()
        ordered = [c for c in CONDITIONS if c in conds] or [None]
        rows += [{"icd10": code, "patients": int(patients), "condition": c} for c in ordered]
    out = pd.DataFrame(rows, columns=["icd10", "patients", "condition"])
    return out.astype({"patients": "int64", "condition": "str"})


def _diagnosis_totals(client: Client) -> dict[str, int]:
    mapped = map_diagnoses(read_diagnoses(client)).dropna(subset=["condition"])
    sums = mapped.groupby("condition")["patients"].sum()
    cap = client.panel_size
    return {c: int(min(sums[c], cap) if cap else sums[c]) for c in CONDITIONS if c in sums.index}


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split a whole number in proportion to weights so the parts sum to the total.

    Each part gets ``floor(total × w_i / Σw)``; the units left over go one each to
    the largest fractional remainders (ties: the earlier weight). All-zero weights
    give all-zero parts.
    """
    total = int(total)
    wsum = float(sum(weights))
    if total <= 0 or wsum <= 0:
        return [0] * len(weights)
    quotas = [total * w / wsum for w in weights]
    parts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def panel(client: Client) -> pd.DataFrame:
    """The practice's patients with each chronic condition, per payer.

    Where the counts come from, for each condition:

    1. a payer's own count (``payers[i].conditions`` in client.yaml) is used as is;
    2. the practice total - ``conditions:`` in client.yaml, else derived from the
       ``diagnoses:`` file through the CCW code lists (:func:`map_diagnoses`; the
       sum over a condition's codes, capped at the panel size, which overstates a
       condition when patients carry several of its codes) - minus the payers' own
       counts, is split among the other payers in proportion to their
       ``patients`` by largest remainder (:func:`largest_remainder`), so the split
       sums exactly to what is left.

    Parameters
    ----------
    client : Client

    Returns
    -------
    DataFrame
        ``payer`` (as named in client.yaml), ``condition``, ``patients`` (int) and
        ``source`` (``payer count``, ``split of client total`` or ``split of
        diagnosis file``); payers in client.yaml order, conditions in
        ``client.CONDITIONS`` order. Conditions nobody counted are left out.
    """
    diag = _diagnosis_totals(client) if client.diagnoses else {}
    totals = {**diag, **client.conditions}
    origin = {c: ("split of client total" if c in client.conditions else "split of diagnosis file") for c in totals}
    present = [c for c in CONDITIONS if c in totals or any(c in p.conditions for p in client.payers)]
    rows = []
    for cond in present:
        own = {p.name: p.conditions[cond] for p in client.payers if cond in p.conditions}
        rest = [p for p in client.payers if p.name not in own]
        left = max(totals.get(cond, 0) - sum(own.values()), 0)
        split = dict(zip([p.name for p in rest], largest_remainder(left, [p.patients for p in rest])))
        for p in client.payers:
            if p.name in own:
                rows.append({"payer": p.name, "condition": cond, "patients": own[p.name], "source": "payer count"})
            else:
                rows.append({"payer": p.name, "condition": cond, "patients": split[p.name],
                             "source": origin.get(cond, "no count given")})
    out = pd.DataFrame(rows, columns=["payer", "condition", "patients", "source"])
    order = {p.name: i for i, p in enumerate(client.payers)}
    corder = {c: i for i, c in enumerate(CONDITIONS)}
    out = out.sort_values(["payer", "condition"], key=lambda s: s.map(order if s.name == "payer" else corder),
                          kind="stable").reset_index(drop=True)
    return out.astype({"patients": "int64"})


# --- chronic-cost exposure -------------------------------------------------------------------------

def chronic_cost_exposure(client: Client, *, dollar_year: int | None = None) -> pd.DataFrame:
    """Annual cost of the chronic conditions of each payer's members that the practice manages.

    ``exposure = patients × cost_per_patient``, where ``cost_per_patient`` is the
    condition's base published figure (attributable or incremental annual cost,
    :func:`cost_table`) normalised to ``dollar_year`` with CPI-U medical care.

    This is cost the plan bears for members whose conditions the practice manages;
    it is **not** a saving: no effect size of the practice on these costs is
    claimed. Summing over conditions overstates the total for patients with several
    conditions a little (attributable costs of related conditions overlap).

    Parameters
    ----------
    client : Client
    dollar_year : int, optional
        Default :data:`TARGET_DOLLAR_YEAR` (2024).

    Returns
    -------
    DataFrame
        ``payer``, ``condition``, ``patients``, ``cost_per_patient``, ``dollar_year``,
        ``exposure``, ``method``, ``source`` (citation). Conditions without a
        published per-patient cost (CKD, ischemic heart disease, atrial fibrillation,
        depression, stroke) have missing ``cost_per_patient`` and ``exposure`` and
        source "no per-patient cost source shipped".
    """
    costs = cost_table(dollar_year=dollar_year)
    base = costs[costs["role"] == "base"].set_index("condition")
    pan = panel(client)
    target = TARGET_DOLLAR_YEAR if dollar_year is None else int(dollar_year)
    out = pan[["payer", "condition", "patients"]].copy()
    out["cost_per_patient"] = out["condition"].map(base["normalised_value"]).astype(float)
    out["dollar_year"] = target
    out["exposure"] = out["patients"] * out["cost_per_patient"]
    out["method"] = out["condition"].map(base["method"]).fillna("")
    cite = base["citation"] + " ($" + base["original_value"].map("{:,.0f}".format) + " in " \
        + base["original_dollar_year"].astype(str) + " dollars)"
    out["source"] = out["condition"].map(cite).fillna(_NO_COST_SOURCE)
    return out.astype({"method": "str", "source": "str"})


def chronic_cost_exposure_by_payer(exposure: pd.DataFrame) -> pd.DataFrame:
    """Sum :func:`chronic_cost_exposure` per payer.

    Returns
    -------
    DataFrame
        ``payer``, ``exposure`` (sum over conditions with a cost; 0 when none),
        ``dollar_year``, ``costed_conditions`` and ``uncosted_conditions`` (comma
        lists of the conditions with patients, with and without a published cost).
    """
    rows = []
    for payer, grp in exposure.groupby("payer", sort=False):
        has = grp[grp["patients"] > 0]
        costed = has[has["cost_per_patient"].notna()]
        rows.append({
            "payer": payer,
            "exposure": float(costed["exposure"].sum()),
            "dollar_year": int(grp["dollar_year"].iloc[0]),
            "costed_conditions": ", ".join(costed["condition"]),
            "uncosted_conditions": ", ".join(has.loc[has["cost_per_patient"].isna(), "condition"]),
        })
    return pd.DataFrame(rows, columns=["payer", "exposure", "dollar_year", "costed_conditions",
                                       "uncosted_conditions"])


# --- ER savings ------------------------------------------------------------------------------------

def access_reduction(features, values: Mapping[str, float]) -> float:
    """Share of avoidable ED visits the practice's access features remove.

    ``R = 1 - Π_groups (1 - max_{f in group and in features} r_f)``

    Features in one evidence group (:data:`FEATURE_GROUPS`: same-day and next-day
    appointments; extended and weekend hours) work through the same channel and
    were studied together, so only the largest counts. Groups combine
    multiplicatively: each removes its share of the avoidable visits the others
    leave, which never exceeds 1 (adding would) and credits complementary channels
    (taking the maximum overall would not). No feature gives 0.
    """
    remaining = 1.0
    for group in FEATURE_GROUPS.values():
        r = max((values[f"reduction.{f}"] for f in group if f in features), default=0.0)
        remaining *= 1.0 - r
    return 1.0 - remaining


def _ed_rate(values: Mapping[str, float], condition: str) -> float:
    return values.get(f"ed_visits_per_year.{condition}", values["ed_visits_per_year"])


def counted_patients(counts: Mapping[str, float], rates: Mapping[str, float], members: float,
                     distinct: float) -> dict[str, float]:
    """Count each patient once, under the condition with the highest ED use.

    Conditions are taken in order of ED visits per patient-year, highest first
    (ties in ``client.CONDITIONS`` order). ``D_k``, the distinct patients with any
    of the first k conditions, is

    ``D_k = (1 - δ) × max_{i<=k} N_i + δ × M × (1 - Π_{i<=k} (1 - N_i / M))``

    - complete overlap (δ = 0) blended with independence (δ = 1), M = the payer's
    patients (at least the largest count). Condition k is credited with the
    patients it adds, ``D_k - D_{k-1}``. The payer's ED visits ``Σ_k (D_k - D_{k-1}) v_k``
    is then a Choquet integral of the rates over the monotone set function D, so
    it never falls when a count, a rate, M or δ rises.

    Returns
    -------
    dict
        condition -> patients counted under it (floats; they sum to ``D_K``).
    """
    conds = [c for c in CONDITIONS if counts.get(c, 0) > 0]
    if not conds:
        return {c: 0.0 for c in counts}
    order = sorted(conds, key=lambda c: (-rates[c], CONDITIONS.index(c)))
    m = max(float(members), max(float(counts[c]) for c in conds))
    out = {c: 0.0 for c in counts}
    prev = top = 0.0
    none_left = 1.0
    for c in order:
        n = float(counts[c])
        top = max(top, n)
        none_left *= 1.0 - n / m
        d = (1.0 - distinct) * top + distinct * m * (1.0 - none_left)
        out[c] = max(d - prev, 0.0)
        prev = max(d, prev)
    return out


def _office_costs(client: Client, office_visit_cost, default: float) -> tuple[dict[str, float], dict[str, str]]:
    given = dict(office_visit_cost.items()) if office_visit_cost is not None else {}
    names = {p.name for p in client.payers}
    unknown = sorted(str(k) for k in given if k not in names)
    if unknown:
        raise ValueError(f"office_visit_cost names payers not in {client.client_id}'s client.yaml: "
                         f"{', '.join(unknown)} (payers: {', '.join(sorted(names))})")
    cost, source = {}, {}
    for p in client.payers:
        v = given.get(p.name)
        v = None if v is None or pd.isna(v) else float(v)
        if v is not None and v < 0:
            raise ValueError(f"office_visit_cost for {p.name!r} is negative ({v})")
        if v is None:
            cost[p.name], source[p.name] = default, "default (Medicare 2025 national 99214)"
        else:
            cost[p.name], source[p.name] = v, "payer rate"
    return cost, source


_EVALUATED = ["payer", "condition", "rate", "counted", "avoided", "per_visit", "savings", "reduction"]


def _evaluate(pan: pd.DataFrame, client: Client, values: Mapping[str, float],
              office: Mapping[str, float]) -> pd.DataFrame:
    """One scenario: counted patients, avoided visits and savings per payer x condition (``pan``'s rows, order).

    Plain Python over a few dozen rows: :func:`sensitivity` evaluates ~20 scenarios
    per report, and a pandas group-by per scenario cost more than the rest of the model.
    """
    reduction = access_reduction(client.access_features, values)
    members = {p.name: p.patients for p in client.payers}
    by_payer: dict[str, list[tuple[str, int]]] = {}
    for payer, condition, patients in zip(pan["payer"], pan["condition"], pan["patients"]):
        by_payer.setdefault(payer, []).append((condition, patients))
    rows = []
    for payer, items in by_payer.items():
        counts = dict(items)
        rates = {c: _ed_rate(values, c) for c in counts}
        counted = counted_patients(counts, rates, members[payer], values["comorbidity_distinct"])
        per_visit = max(values["ed_cost"] - office[payer], 0.0)
        for condition, _ in items:
            avoided = counted[condition] * rates[condition] * values["avoidable_share"] * reduction
            rows.append((payer, condition, float(rates[condition]), float(counted[condition]), float(avoided),
                         float(per_visit), float(avoided * per_visit), float(reduction)))
    return pd.DataFrame(rows, columns=_EVALUATED)


_COLUMNS_SAVINGS = [
    "payer", "condition", "patients", "counted_patients", "ed_visits_per_year", "access_reduction",
    "avoided_visits_low", "avoided_visits_base", "avoided_visits_high",
    "ed_cost", "office_visit_cost", "office_visit_cost_source", "saving_per_visit", "clipped",
    "savings_low", "savings_base", "savings_high",
]


def er_savings(client: Client, office_visit_cost: pd.Series | Mapping[str, float] | None, *,
               assumptions: pd.DataFrame | None = None) -> pd.DataFrame:
    """ED visits a year the practice's access avoids for each payer, and what that saves the plan.

    For each payer and condition, in each scenario (low / base / high: every
    assumption at the end of its range that gives the low, base or high saving -
    its low value, except the default office cost, whose high value saves less):

    ``avoided = counted_patients × ED visits per patient-year × avoidable share × R``

    ``savings = avoided × max(ED cost - office visit cost, 0)``

    * ``counted_patients`` counts each patient once, under their highest-ED-use
      condition (:func:`counted_patients`; overlap set by ``comorbidity_distinct``);
    * ``R`` combines the access features' reductions (:func:`access_reduction`);
      0 without an access feature, so savings are 0 too;
    * the office visit that replaces the ED visit costs this payer's own rate
      (``office_visit_cost``); a missing or NaN rate falls back to
      ``office_visit_default`` (Medicare 2025 national 99214, $125.18) and says so
      in ``office_visit_cost_source``;
    * the saving per visit is clipped at 0 (``clipped`` = True) when the payer's
      office rate is at or above the ED cost: avoided visits then save nothing,
      and the model never reports a negative saving.

    Sources for every value: :func:`assumptions` and ``docs/leverage.md``.

    Parameters
    ----------
    client : Client
    office_visit_cost : Series or mapping, payer name -> USD
        The payer's contracted rate for the E/M visit that replaces an ED visit
        (e.g. its 99213 or 99214 rate). Names must be payers of the client.
    assumptions : DataFrame, optional
        From :func:`assumptions` (default ``assumptions(client)``, overrides applied).

    Returns
    -------
    DataFrame
        One row per payer and condition in :func:`panel`: ``payer``, ``condition``,
        ``patients``, ``counted_patients`` (base), ``ed_visits_per_year`` (base),
        ``access_reduction`` (base R), ``avoided_visits_low/base/high`` (visits a
        year), ``ed_cost`` (base, USD), ``office_visit_cost``,
        ``office_visit_cost_source``, ``saving_per_visit`` (base, USD),
        ``clipped``, ``savings_low/base/high`` (USD a year).

        Each payer's totals satisfy low <= base <= high (the model rises with every
        assumption). The split across conditions is an attribution (who is counted
        under which condition depends on the scenario's rates and overlap), so a
        single condition's row need not keep that order.
    """
    table = _check_assumptions(assumptions if assumptions is not None else _assumptions_for(client))
    base_values = _scenario_values(table, "base")
    office, office_source = _office_costs(client, office_visit_cost, base_values["office_visit_default"])
    pan = panel(client)
    out = pan[["payer", "condition", "patients"]].copy()
    for scenario in _SCENARIOS:
        values = _scenario_values(table, scenario)
        off = {p: (office[p] if office_source[p] == "payer rate" else values["office_visit_default"])
               for p in office}
        res = _evaluate(pan, client, values, off)
        out[f"avoided_visits_{scenario}"] = res["avoided"].to_numpy(dtype=float)
        out[f"savings_{scenario}"] = res["savings"].to_numpy(dtype=float)
        if scenario == "base":
            out["counted_patients"] = res["counted"].to_numpy(dtype=float)
            out["ed_visits_per_year"] = res["rate"].to_numpy(dtype=float)
            out["access_reduction"] = res["reduction"].to_numpy(dtype=float)
            out["saving_per_visit"] = res["per_visit"].to_numpy(dtype=float)
    out["ed_cost"] = base_values["ed_cost"]
    out["office_visit_cost"] = out["payer"].map(office).astype(float)
    out["office_visit_cost_source"] = out["payer"].map(office_source).astype("str")
    out["clipped"] = out["office_visit_cost"] >= out["ed_cost"]
    return out[_COLUMNS_SAVINGS].reset_index(drop=True)


_SUM_COLUMNS = ["avoided_visits_low", "avoided_visits_base", "avoided_visits_high",
                "savings_low", "savings_base", "savings_high"]


def er_savings_by_payer(savings: pd.DataFrame, *, total: bool = False) -> pd.DataFrame:
    """Sum :func:`er_savings` over conditions, one row per payer.

    Parameters
    ----------
    savings : DataFrame
        From :func:`er_savings`.
    total : bool
        Append an ``All payers`` row (see :func:`er_savings_total`).

    Returns
    -------
    DataFrame
        ``payer``, ``avoided_visits_low/base/high``, ``savings_low/base/high``,
        ``office_visit_cost``, ``office_visit_cost_source``, ``clipped``.
    """
    grouped = savings.groupby("payer", sort=False)
    out = grouped[_SUM_COLUMNS].sum().reset_index()
    firsts = grouped[["office_visit_cost", "office_visit_cost_source", "clipped"]].first().reset_index(drop=True)
    out = pd.concat([out, firsts], axis=1)
    if total:
        out = pd.concat([out, er_savings_total(savings)], ignore_index=True)
    return out


def er_savings_total(savings: pd.DataFrame) -> pd.DataFrame:
    """The practice's total over all payers: one row, ``payer`` = ``All payers``.

    Columns as :func:`er_savings_by_payer`; ``office_visit_cost`` is missing and
    ``office_visit_cost_source`` empty (they differ by payer), ``clipped`` is True
    if any payer's saving per visit was clipped at 0.
    """
    row = {"payer": "All payers", **{c: float(savings[c].sum()) for c in _SUM_COLUMNS},
           "office_visit_cost": np.nan, "office_visit_cost_source": "",
           "clipped": bool(savings["clipped"].any()) if len(savings) else False}
    return pd.DataFrame([row])


def _applies(key: str, client: Client, pan: pd.DataFrame, sources: Mapping[str, str],
             table: pd.DataFrame) -> bool:
    with_patients = set(pan.loc[pan["patients"] > 0, "condition"])
    if key.startswith("reduction."):
        return key.split(".", 1)[1] in client.access_features
    if key.startswith("ed_visits_per_year."):
        return key.split(".", 1)[1] in with_patients
    if key == "ed_visits_per_year":
        own = {k.split(".", 1)[1] for k in table["key"] if k.startswith("ed_visits_per_year.")}
        return bool(with_patients - own)
    if key == "office_visit_default":
        return any(s != "payer rate" for s in sources.values())
    return True


def sensitivity(client: Client, office_visit_cost: pd.Series | Mapping[str, float] | None, *,
                assumptions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which assumption moves the practice's total base ER savings most (for a tornado chart).

    For each assumption that applies to this client (access features it has,
    ED-visit rates of conditions it has, the default office cost only if a payer
    lacks its own rate, and the rest), the total savings over all payers is
    recomputed with that one assumption at its low and at its high value, every
    other at base. ``swing = |high_total - low_total|``.

    Returns
    -------
    DataFrame
        ``key``, ``label``, ``low``, ``base``, ``high`` (the assumption's values),
        ``low_total``, ``high_total``, ``base_total`` (USD a year), ``swing``;
        sorted by swing, largest first.
    """
    table = _check_assumptions(assumptions if assumptions is not None else _assumptions_for(client))
    base_values = _scenario_values(table, "base")
    office, sources = _office_costs(client, office_visit_cost, base_values["office_visit_default"])
    pan = panel(client)

    def total(values: dict[str, float]) -> float:
        off = {p: (office[p] if sources[p] == "payer rate" else values["office_visit_default"]) for p in office}
        return float(_evaluate(pan, client, values, off)["savings"].sum())

    base_total = total(base_values)
    rows = []
    for r in table.itertuples(index=False):
        if not _applies(r.key, client, pan, sources, table):
            continue
        lo = total({**base_values, r.key: float(r.low)})
        hi = total({**base_values, r.key: float(r.high)})
        rows.append({"key": r.key, "label": r.label, "low": float(r.low), "base": float(r.base),
                     "high": float(r.high), "low_total": lo, "high_total": hi, "base_total": base_total,
                     "swing": abs(hi - lo)})
    out = pd.DataFrame(rows, columns=["key", "label", "low", "base", "high", "low_total", "high_total",
                                      "base_total", "swing"])
    return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


# --- NYU ED algorithm ------------------------------------------------------------------------------

def ed_algorithm_profile(client: Client | None = None) -> pd.DataFrame:
    """How the NYU ED algorithm classes ED visits coded to each condition.

    For each condition, the mean of the algorithm's probabilities over the
    condition's CCW codes that the algorithm gives probabilities (it classes
    injury, mental-health and substance-use codes separately, so depression has
    no row) - weighted by the client's
    diagnosis-file patients when it has one, else equally (an unweighted mean over
    codes; rare codes weigh as much as common ones, so read it as indicative).
    It describes visits whose principal diagnosis is the condition, not all ED
    visits of the condition's patients, and is context for the avoidable share,
    not an input to :func:`er_savings`.

    Returns
    -------
    DataFrame
        ``condition``, ``codes`` (codes classified), ``noner`` (non-emergent),
        ``epct`` (emergent, primary-care treatable), ``edcnpa`` (emergent, ED care
        needed, preventable), ``edcnnpa`` (not preventable), ``primary_care_treatable``
        (noner + epct), ``preventable_or_treatable`` (noner + epct + edcnpa),
        ``weighting`` (``diagnosis file`` or ``equal``).
    """
    nyu = _table("leverage_nyu_ed")
    probs = ["noner", "epct", "edcnpa", "edcnnpa"]
    nyu = nyu[nyu[probs].sum(axis=1) > 0]  # injury, mental-health and substance codes carry no probabilities
    codes = condition_codes().merge(nyu, on="icd10", how="inner")
    weights = None
    if client is not None and client.diagnoses:
        weights = read_diagnoses(client).groupby("icd10")["patients"].sum()
    rows = []
    for cond in CONDITIONS:
        part = codes[codes["condition"] == cond]
        if part.empty:
            continue
        w = np.ones(len(part))
        how = "equal"
        if weights is not None:
            ww = part["icd10"].map(weights).fillna(0).to_numpy(dtype=float)
            if ww.sum() > 0:
                w, how = ww, "diagnosis file"
        row = {"condition": cond, "codes": int(len(part))}
        row.update({p: float(np.average(part[p], weights=w)) for p in probs})
        row["primary_care_treatable"] = row["noner"] + row["epct"]
        row["preventable_or_treatable"] = row["primary_care_treatable"] + row["edcnpa"]
        row["weighting"] = how
        rows.append(row)
    return pd.DataFrame(rows, columns=["condition", "codes", *probs, "primary_care_treatable",
                                       "preventable_or_treatable", "weighting"])


# --- local context ---------------------------------------------------------------------------------

def _county_label(county: str, state: str) -> str:
    if county == "District of Columbia":
        return county
    if state == "LA":
        return f"{county} Parish, {state}"
    if state == "AK" or county.lower().endswith("city"):
        return f"{county}, {state}"
    return f"{county} County, {state}"


def _county_row(fips: str | None) -> pd.Series | None:
    if not fips:
        return None
    places = _table("leverage_places_county")
    hit = places[places["county_fips"] == fips]
    return None if hit.empty else hit.iloc[0]


def local_context(client: Client, *, prevalence: str = "crude",
                  conditions: list[str] | None = None) -> pd.DataFrame:
    """The county's prevalence of each condition vs the national figure (CDC PLACES 2022).

    ``ratio = county_prevalence / national_prevalence``; national = population-weighted
    mean over counties (``places_national.csv``). The county is ``client.county_fips``;
    ratekit does not guess a county from a ZIP or a Medicare locality, so without it
    the county columns are missing and ``note`` says why.

    Parameters
    ----------
    client : Client
    prevalence : {"crude", "age_adjusted"}
        Crude prevalence (default) is the share of the county's adults who have the
        condition - the need the practice meets; age-adjusted compares counties as
        if they had the same age mix.
    conditions : list of str, optional
        Default: the conditions with patients in :func:`panel`, or every condition
        with a PLACES measure when the panel is empty.

    Returns
    -------
    DataFrame
        ``condition``, ``measure`` (PLACES id), ``county_prevalence``,
        ``national_prevalence`` (percent of adults), ``ratio``, ``prevalence_type``,
        ``county_fips``, ``county`` (e.g. "Sangamon County, IL"), ``note``.
        Conditions without a PLACES measure (heart failure, atrial fibrillation)
        are left out.
    """
    if prevalence not in ("crude", "age_adjusted"):
        raise ValueError("prevalence must be 'crude' or 'age_adjusted'")
    if conditions is None:
        pan = panel(client)
        conditions = [c for c in CONDITIONS if c in set(pan.loc[pan["patients"] > 0, "condition"])]
        conditions = conditions or list(CONDITIONS)
    unknown = [c for c in conditions if c not in PLACES_MEASURES]
    if unknown:
        raise ValueError(f"unknown condition(s) {unknown}; use names from client.CONDITIONS")
    national = _table("leverage_places_national")
    national = national[national["prevalence_type"] == prevalence].set_index("measure")["national_prevalence"]
    county = _county_row(client.county_fips)
    suffix = "CrudePrev" if prevalence == "crude" else "AdjPrev"
    if not client.county_fips:
        note = "no county: add location.county_fips to client.yaml to compare with the county"
    elif county is None:
        note = f"county FIPS {client.county_fips} is not in CDC PLACES 2022"
    else:
        note = ""
    label = _county_label(county["county"], county["state"]) if county is not None else ""
    rows = []
    for cond in conditions:
        measure = PLACES_MEASURES[cond]
        if measure is None:
            continue
        local = float(county[f"{measure}_{suffix}"]) if county is not None else np.nan
        nat = float(national[measure])
        missing = county is not None and math.isnan(local)
        rows.append({"condition": cond, "measure": measure, "county_prevalence": local,
                     "national_prevalence": nat, "ratio": local / nat, "prevalence_type": prevalence,
                     "county_fips": client.county_fips or "", "county": label,
                     "note": "PLACES has no estimate of this measure for the county" if missing else note})
    return pd.DataFrame(rows, columns=["condition", "measure", "county_prevalence", "national_prevalence",
                                       "ratio", "prevalence_type", "county_fips", "county", "note"])


def shortage(client: Client) -> dict | None:
    """The county's primary-care shortage (HPSA) score and where it stands nationally.

    Returns
    -------
    dict or None
        None without a usable ``client.county_fips``. Otherwise ``county_fips``,
        ``county``, ``hpsa_score`` (HRSA primary-care HPSA score, population-weighted
        over the county; 0-25, higher = greater shortage; 0 = no geographic HPSA),
        ``national_mean`` (population-weighted over counties, weights = PLACES
        population), ``share_population_lower`` (share of the US population living
        in counties with a lower score), ``year`` (2020).
    """
    if not client.county_fips:
        return None
    hpsa = _table("leverage_hpsa_county")
    pop = _table("leverage_places_county")[["county_fips", "county", "state", "population"]]
    both = hpsa.merge(pop, on="county_fips", how="inner")
    hit = both[both["county_fips"] == client.county_fips]
    if hit.empty:
        return None
    r = hit.iloc[0]
    w = both["population"].astype(float)
    return {
        "county_fips": client.county_fips,
        "county": _county_label(r["county"], r["state"]),
        "hpsa_score": float(r["hpsa_score"]),
        "national_mean": float((both["hpsa_score"] * w).sum() / w.sum()),
        "share_population_lower": float(w[both["hpsa_score"] < r["hpsa_score"]].sum() / w.sum()),
        "year": int(r["year"]),
    }


__all__ = [
    "FEATURE_GROUPS", "PLACES_MEASURES", "PREVALENCE_MARGIN", "TARGET_DOLLAR_YEAR",
    "access_reduction", "assumptions", "chronic_cost_exposure", "chronic_cost_exposure_by_payer",
    "condition_codes", "cost_table", "counted_patients", "cpi_factor", "cpi_table", "ed_algorithm_profile",
    "er_savings", "er_savings_by_payer", "er_savings_total", "largest_remainder",
    "local_context", "map_diagnoses", "panel", "read_diagnoses", "sensitivity",
    "shortage", "visit_cost_table",
]
