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


# --- Monte Carlo interval ----------------------------------------------------------------------------------------

#: Draws of the Monte Carlo interval. Each assumption's draws are stratified (one per 1/DRAWS of its
#: distribution, a Latin hypercube), so 2,000 draws pin its p10 and p90 to within about 1% across seeds.
DRAWS = 2000
#: Fixed seed: the same client and assumptions give the same interval on every run.
SEED = 20251

#: Rank correlation between assumptions drawn together (Gaussian copula; docs/leverage.md, "The interval").
#: The ED-visit rates all come from the same survey (NHAMCS) and move with the same population's age mix;
#: the features of one :data:`FEATURE_GROUPS` group share their evidence (next-day is defined as half of
#: same-day; extended and weekend hours are the same Manchester schemes). Every other pair is independent.
ED_RATE_CORRELATION = 0.8
GROUP_CORRELATION = 1.0


def triangular_quantile(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    """The quantile function of the triangular distribution over ``low <= mode <= high``.

    ``F⁻¹(u) = low + √(u (high - low)(mode - low))`` for ``u < (mode - low)/(high - low)``,
    else ``high - √((1 - u)(high - low)(high - mode))``; ``low`` everywhere when ``low == high``.
    """
    u = np.asarray(u, dtype=float)
    width = high - low
    if width <= 0:
        return np.full(u.shape, float(low))
    split = (mode - low) / width
    return np.where(u < split, low + np.sqrt(u * width * (mode - low)),
                    high - np.sqrt((1.0 - u) * width * (high - mode)))


def _correlated_uniforms(keys: list[str], draws: int, seed: int) -> dict[str, np.ndarray]:
    """Uniform(0, 1) draws per key, rank-correlated as documented (Gaussian copula through ranks)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((draws, len(keys)))
    shared_rate = rng.standard_normal(draws)
    shared_group = {g: rng.standard_normal(draws) for g in FEATURE_GROUPS}
    group_of = {f"reduction.{f}": g for g, fs in FEATURE_GROUPS.items() for f in fs}
    out = {}
    for j, key in enumerate(keys):
        if key == "ed_visits_per_year" or key.startswith("ed_visits_per_year."):
            rho, common = ED_RATE_CORRELATION, shared_rate
        elif key in group_of:
            rho, common = GROUP_CORRELATION, shared_group[group_of[key]]
        else:
            rho, common = 0.0, None
        x = z[:, j] if common is None else rho * common + np.sqrt(1.0 - rho * rho) * z[:, j]
        out[key] = (_ranks(x) + 0.5) / draws
    return out


def draw_assumptions(table: pd.DataFrame, *, draws: int = DRAWS, seed: int = SEED) -> dict[str, np.ndarray]:
    """``draws`` joint draws of every assumption: triangular over (low, base, high), correlated as documented.

    An assumption with low == high (an override with one number, the default office cost) is that number in
    every draw. Returns key -> array of ``draws`` values.
    """
    table = check_assumptions(table)
    keys = list(table["key"])
    uniforms = _correlated_uniforms(keys, draws, seed)
    return {r.key: triangular_quantile(uniforms[r.key], float(r.low), float(r.base), float(r.high))
            for r in table.itertuples(index=False)}


def _access_reduction_draws(features, values: Mapping[str, np.ndarray], draws: int) -> np.ndarray:
    remaining = np.ones(draws)
    for group in FEATURE_GROUPS.values():
        present = [values[f"reduction.{f}"] for f in group if f in features]
        if present:
            remaining = remaining * (1.0 - np.max(np.vstack(present), axis=0))
    return 1.0 - remaining


def _payer_visit_draws(counts: list[tuple[str, float]], members: float, values: Mapping[str, np.ndarray],
                       draws: int) -> np.ndarray:
    """Σ_k (D_k - D_{k-1}) v_k of :func:`counted_patients` for every draw at once (ED visits a year, before
    the avoidable share and the access reduction)."""
    conds = sorted((c for c, n in counts if n > 0), key=CONDITIONS.index)
    if not conds:
        return np.zeros(draws)
    n = np.array([float(dict(counts)[c]) for c in conds])
    rates = np.column_stack([values.get(f"ed_visits_per_year.{c}", values["ed_visits_per_year"]) for c in conds])
    order = np.argsort(-rates, axis=1, kind="stable")  # ties keep client.CONDITIONS order
    rate_sorted = np.take_along_axis(rates, order, axis=1)
    n_sorted = n[order]
    m = max(float(members), float(n.max()))
    top = np.maximum.accumulate(n_sorted, axis=1)
    none_left = np.cumprod(1.0 - n_sorted / m, axis=1)
    delta = values["comorbidity_distinct"][:, None]
    d = np.maximum.accumulate((1.0 - delta) * top + delta * m * (1.0 - none_left), axis=1)
    added = np.diff(d, axis=1, prepend=0.0).clip(min=0.0)
    return (added * rate_sorted).sum(axis=1)


def simulate_er_savings(client: Client, panel: pd.DataFrame,
                        office_visit_cost: pd.Series | Mapping[str, float] | None, *,
                        assumptions: pd.DataFrame | None = None, draws: int = DRAWS,
                        seed: int = SEED) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray],
                                                   dict[str, np.ndarray]]:
    """The :func:`er_savings` model over ``draws`` joint draws of its assumptions (:func:`draw_assumptions`).

    Returns ``(avoided, savings, values)``: payer -> avoided visits per draw, payer -> USD saved per draw,
    and the drawn assumption values (key -> array). Same formulas as :func:`er_savings`, vectorised over draws.
    """
    table = check_assumptions(assumptions if assumptions is not None else _assumptions_for(client))
    base_values = scenario_values(table, "base")
    office, sources = _office_costs(client, office_visit_cost, base_values["office_visit_default"])
    values = draw_assumptions(table, draws=draws, seed=seed)
    reduction = _access_reduction_draws(client.access_features, values, draws)
    members = {p.name: p.patients for p in client.payers}
    by_payer: dict[str, list[tuple[str, float]]] = {}
    for payer, condition, patients in zip(panel["payer"], panel["condition"], panel["patients"], strict=True):
        by_payer.setdefault(payer, []).append((condition, float(patients)))
    avoided, savings = {}, {}
    for payer, items in by_payer.items():
        visits = _payer_visit_draws(items, members[payer], values, draws)
        off = office[payer] if sources[payer] == "payer rate" else values["office_visit_default"]
        avoided[payer] = visits * values["avoidable_share"] * reduction
        savings[payer] = avoided[payer] * np.maximum(values["ed_cost"] - off, 0.0)
    return avoided, savings, values


_COLUMNS_INTERVAL = ["payer", "avoided_visits_base", "avoided_visits_p10", "avoided_visits_median",
                     "avoided_visits_p90", "savings_base", "savings_p10", "savings_median", "savings_p90"]


def er_savings_uncertainty(client: Client, panel: pd.DataFrame,
                           office_visit_cost: pd.Series | Mapping[str, float] | None, *,
                           assumptions: pd.DataFrame | None = None, savings: pd.DataFrame | None = None,
                           draws: int = DRAWS, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`er_savings_interval` and :func:`interval_drivers` from one simulation (what the report uses).

    ``savings`` is :func:`er_savings`'s table for the same inputs when the caller has it (the base case).
    """
    table = check_assumptions(assumptions if assumptions is not None else _assumptions_for(client))
    avoided, saved, values = simulate_er_savings(client, panel, office_visit_cost, assumptions=table, draws=draws,
                                                 seed=seed)
    if savings is None:
        savings = er_savings(client, panel, office_visit_cost, assumptions=table)
    base = er_savings_by_payer(savings, total=True).set_index("payer")
    payers = list(avoided)
    avoided["All payers"] = np.sum([avoided[p] for p in payers], axis=0) if payers else np.zeros(draws)
    saved["All payers"] = np.sum([saved[p] for p in payers], axis=0) if payers else np.zeros(draws)
    rows = []
    for payer in [*payers, "All payers"]:
        a10, a50, a90 = np.percentile(avoided[payer], [10, 50, 90])
        s10, s50, s90 = np.percentile(saved[payer], [10, 50, 90])
        rows.append((payer, float(base.loc[payer, "avoided_visits_base"]), a10, a50, a90,
                     float(base.loc[payer, "savings_base"]), s10, s50, s90))
    interval = pd.DataFrame(rows, columns=_COLUMNS_INTERVAL)
    return interval, _drivers(saved["All payers"], values, table)


def er_savings_interval(client: Client, panel: pd.DataFrame,
                        office_visit_cost: pd.Series | Mapping[str, float] | None, *,
                        assumptions: pd.DataFrame | None = None, draws: int = DRAWS,
                        seed: int = SEED) -> pd.DataFrame:
    """The 80% interval (p10 - p90) and median of the ER savings per payer and in total, beside the base case.

    Every assumption is drawn jointly from a triangular distribution over its published low, base and high
    (mode = base), the ED-visit rates rank-correlated at :data:`ED_RATE_CORRELATION` and the features of one
    evidence group at :data:`GROUP_CORRELATION`; :func:`simulate_er_savings` runs the model on each draw.
    The total's percentiles are those of the per-draw sum over payers (not the sum of the payers' percentiles).

    Returns
    -------
    DataFrame
        One row per payer of ``panel`` and an ``All payers`` row: ``payer``, ``avoided_visits_base``,
        ``avoided_visits_p10/median/p90`` (visits a year), ``savings_base``, ``savings_p10/median/p90``
        (USD a year). Base is :func:`er_savings`'s base case.
    """
    return er_savings_uncertainty(client, panel, office_visit_cost, assumptions=assumptions, draws=draws,
                                  seed=seed)[0]


def interval_drivers(client: Client, panel: pd.DataFrame,
                     office_visit_cost: pd.Series | Mapping[str, float] | None, *,
                     assumptions: pd.DataFrame | None = None, draws: int = DRAWS,
                     seed: int = SEED) -> pd.DataFrame:
    """Which assumptions drive the width of the interval on the practice's total savings.

    For each assumption that varies across draws, the Spearman rank correlation of its draws with the total
    savings; ``share`` = its square over the sum of squares (a variance-share reading, exact only for an
    additive model; read it as an order).

    Returns
    -------
    DataFrame
        ``key``, ``label``, ``rank_correlation``, ``share``; sorted by share, largest first.
    """
    return er_savings_uncertainty(client, panel, office_visit_cost, assumptions=assumptions, draws=draws,
                                  seed=seed)[1]


def _ranks(x: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(x, kind="stable"), kind="stable").astype(float)


def _drivers(total: np.ndarray, values: Mapping[str, np.ndarray], table: pd.DataFrame) -> pd.DataFrame:
    labels = dict(zip(table["key"], table["label"], strict=True))
    rows = []
    if np.ptp(total) > 0:
        total_rank = _ranks(total)
        for key, x in values.items():
            if np.ptp(x) > 0:
                rows.append((key, labels[key], float(np.corrcoef(_ranks(x), total_rank)[0, 1])))
    out = pd.DataFrame(rows, columns=["key", "label", "rank_correlation"])
    squares = out["rank_correlation"] ** 2
    out["share"] = squares / squares.sum() if len(out) and squares.sum() > 0 else 0.0
    return out.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)
