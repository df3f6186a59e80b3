"""Chronic-cost exposure: the annual cost of the conditions of each plan's members that the practice manages.

Cost the plan bears, **not** a saving: ratekit ships no effect size of a practice on these costs
(``docs/leverage.md``, section 4).
"""

from __future__ import annotations

import pandas as pd

from .tables import TARGET_DOLLAR_YEAR, cost_table

_NO_COST_SOURCE = "no per-patient cost source shipped"


def chronic_cost_exposure(panel: pd.DataFrame, *, dollar_year: int | None = None) -> pd.DataFrame:
    """Annual cost of the chronic conditions of each payer's members that the practice manages.

    ``exposure = patients × cost_per_patient``, where ``cost_per_patient`` is the
    condition's base published figure (attributable or incremental annual cost,
    :func:`~ratekit.leverage.cost_table`) normalised to ``dollar_year`` with CPI-U medical care.

    This is cost the plan bears for members whose conditions the practice manages;
    it is **not** a saving: no effect size of the practice on these costs is
    claimed. Summing over conditions overstates the total for patients with several
    conditions a little (attributable costs of related conditions overlap).

    Parameters
    ----------
    panel : DataFrame
        The practice's patients per payer and condition (:func:`ratekit.leverage.panel`).
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
    target = TARGET_DOLLAR_YEAR if dollar_year is None else int(dollar_year)
    out = panel[["payer", "condition", "patients"]].copy()
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
