"""ER savings: the emergency-room visits a year the practice's access avoids for each plan, and what that saves.

Every formula, with its sources and a worked example, is in ``docs/leverage.md`` (section 3). Also here:
the sensitivity of the total to each assumption (the tornado chart) and the NYU ED algorithm's profile
of each condition's ED visits (context for the avoidable share, not an input).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..client import CONDITIONS, Client
from .assumptions import assumptions as _assumptions_for
from .assumptions import check_assumptions, scenario_values
from .tables import condition_codes, reference_table

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

_SCENARIOS = ("low", "base", "high")


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
    for payer, condition, patients in zip(pan["payer"], pan["condition"], pan["patients"], strict=True):
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


def er_savings(client: Client, panel: pd.DataFrame, office_visit_cost: pd.Series | Mapping[str, float] | None, *,
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

    Sources for every value: :func:`~ratekit.leverage.assumptions` and ``docs/leverage.md``.

    Parameters
    ----------
    client : Client
        Its payers (names and ``patients``) and ``access_features``.
    panel : DataFrame
        The practice's patients per payer and condition (:func:`ratekit.leverage.panel`).
    office_visit_cost : Series or mapping, payer name -> USD
        The payer's contracted rate for the E/M visit that replaces an ED visit
        (e.g. its 99213 or 99214 rate). Names must be payers of the client.
    assumptions : DataFrame, optional
        From :func:`~ratekit.leverage.assumptions` (default ``assumptions(client)``, overrides applied).

    Returns
    -------
    DataFrame
        One row per payer and condition of ``panel``: ``payer``, ``condition``,
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
    table = check_assumptions(assumptions if assumptions is not None else _assumptions_for(client))
    base_values = scenario_values(table, "base")
    office, office_source = _office_costs(client, office_visit_cost, base_values["office_visit_default"])
    out = panel[["payer", "condition", "patients"]].copy()
    for scenario in _SCENARIOS:
        values = scenario_values(table, scenario)
        off = {p: (office[p] if office_source[p] == "payer rate" else values["office_visit_default"])
               for p in office}
        res = _evaluate(panel, client, values, off)
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


def sensitivity(client: Client, panel: pd.DataFrame, office_visit_cost: pd.Series | Mapping[str, float] | None, *,
                assumptions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which assumption moves the practice's total base ER savings most (for a tornado chart).

    For each assumption that applies to this client (access features it has,
    ED-visit rates of conditions it has, the default office cost only if a payer
    lacks its own rate, and the rest), the total savings over all payers is
    recomputed with that one assumption at its low and at its high value, every
    other at base. ``swing = |high_total - low_total|``.

    Parameters are those of :func:`er_savings`.

    Returns
    -------
    DataFrame
        ``key``, ``label``, ``low``, ``base``, ``high`` (the assumption's values),
        ``low_total``, ``high_total``, ``base_total`` (USD a year), ``swing``;
        sorted by swing, largest first.
    """
    table = check_assumptions(assumptions if assumptions is not None else _assumptions_for(client))
    base_values = scenario_values(table, "base")
    office, sources = _office_costs(client, office_visit_cost, base_values["office_visit_default"])

    def total(values: dict[str, float]) -> float:
        off = {p: (office[p] if sources[p] == "payer rate" else values["office_visit_default"]) for p in office}
        return float(_evaluate(panel, client, values, off)["savings"].sum())

    base_total = total(base_values)
    rows = []
    for r in table.itertuples(index=False):
        if not _applies(r.key, client, panel, sources, table):
            continue
        lo = total({**base_values, r.key: float(r.low)})
        hi = total({**base_values, r.key: float(r.high)})
        rows.append({"key": r.key, "label": r.label, "low": float(r.low), "base": float(r.base),
                     "high": float(r.high), "low_total": lo, "high_total": hi, "base_total": base_total,
                     "swing": abs(hi - lo)})
    out = pd.DataFrame(rows, columns=["key", "label", "low", "base", "high", "low_total", "high_total",
                                      "base_total", "swing"])
    return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def ed_algorithm_profile(diagnoses: pd.DataFrame | None = None) -> pd.DataFrame:
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

    Parameters
    ----------
    diagnoses : DataFrame, optional
        The client's diagnosis file (:func:`ratekit.leverage.read_diagnoses`: ``icd10``, ``patients``).

    Returns
    -------
    DataFrame
        ``condition``, ``codes`` (codes classified), ``noner`` (non-emergent),
        ``epct`` (emergent, primary-care treatable), ``edcnpa`` (emergent, ED care
        needed, preventable), ``edcnnpa`` (not preventable), ``primary_care_treatable``
        (noner + epct), ``preventable_or_treatable`` (noner + epct + edcnpa),
        ``weighting`` (``diagnosis file`` or ``equal``).
    """
    nyu = reference_table("leverage_nyu_ed")
    probs = ["noner", "epct", "edcnpa", "edcnnpa"]
    nyu = nyu[nyu[probs].sum(axis=1) > 0]  # injury, mental-health and substance codes carry no probabilities
    codes = condition_codes().merge(nyu, on="icd10", how="inner")
    weights = None
    if diagnoses is not None:
        weights = diagnoses.groupby("icd10")["patients"].sum()
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
