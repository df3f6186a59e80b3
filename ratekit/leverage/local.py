"""Local need: the county's prevalence of each condition against the nation's (CDC PLACES), and its HRSA shortage score.

The county is ``location.county_fips`` in client.yaml; ratekit does not guess one from a ZIP code or
a Medicare locality (``docs/leverage.md``, section 5). :func:`ratekit.narrative.local_context_text`
puts these tables in words.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..client import CONDITIONS
from .tables import reference_table

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

#: A county's prevalence counts as "more common" at >= 5% above the national figure
#: (ratio >= 1.05) and "less common" at <= 5% below it.
PREVALENCE_MARGIN = 0.05


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
    places = reference_table("leverage_places_county")
    hit = places[places["county_fips"] == fips]
    return None if hit.empty else hit.iloc[0]


def local_context(county_fips: str | None, conditions: list[str] | None = None, *,
                  prevalence: str = "crude") -> pd.DataFrame:
    """The county's prevalence of each condition vs the national figure (CDC PLACES 2022).

    ``ratio = county_prevalence / national_prevalence``; national = population-weighted
    mean over counties (``places_national.csv``). ratekit does not guess a county from a
    ZIP or a Medicare locality, so without one the county columns are missing and
    ``note`` says why.

    Parameters
    ----------
    county_fips : str or None
        The practice's county (``location.county_fips`` in client.yaml).
    conditions : list of str, optional
        The conditions to compare, e.g. those with patients in the practice's panel
        (:func:`ratekit.leverage.panel_conditions`). Default: every condition.
    prevalence : {"crude", "age_adjusted"}
        Crude prevalence (default) is the share of the county's adults who have the
        condition - the need the practice meets; age-adjusted compares counties as
        if they had the same age mix.

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
    conditions = list(CONDITIONS) if conditions is None else list(conditions)
    unknown = [c for c in conditions if c not in PLACES_MEASURES]
    if unknown:
        raise ValueError(f"unknown condition(s) {unknown}; use names from client.CONDITIONS")
    national = reference_table("leverage_places_national")
    national = national[national["prevalence_type"] == prevalence].set_index("measure")["national_prevalence"]
    county = _county_row(county_fips)
    suffix = "CrudePrev" if prevalence == "crude" else "AdjPrev"
    if not county_fips:
        note = "no county: add location.county_fips to client.yaml to compare with the county"
    elif county is None:
        note = f"county FIPS {county_fips} is not in CDC PLACES 2022"
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
                     "county_fips": county_fips or "", "county": label,
                     "note": "PLACES has no estimate of this measure for the county" if missing else note})
    return pd.DataFrame(rows, columns=["condition", "measure", "county_prevalence", "national_prevalence",
                                       "ratio", "prevalence_type", "county_fips", "county", "note"])


def shortage(county_fips: str | None) -> dict | None:
    """The county's primary-care shortage (HPSA) score and where it stands nationally.

    Parameters
    ----------
    county_fips : str or None
        The practice's county (``location.county_fips`` in client.yaml).

    Returns
    -------
    dict or None
        None without a county, or for a county the HRSA file lacks. Otherwise ``county_fips``,
        ``county``, ``hpsa_score`` (HRSA primary-care HPSA score, population-weighted
        over the county; 0-25, higher = greater shortage; 0 = no geographic HPSA),
        ``national_mean`` (population-weighted over counties, weights = PLACES
        population), ``share_population_lower`` (share of the US population living
        in counties with a lower score), ``year`` (2020).
    """
    if not county_fips:
        return None
    hpsa = reference_table("leverage_hpsa_county")
    pop = reference_table("leverage_places_county")[["county_fips", "county", "state", "population"]]
    both = hpsa.merge(pop, on="county_fips", how="inner")
    hit = both[both["county_fips"] == county_fips]
    if hit.empty:
        return None
    r = hit.iloc[0]
    w = both["population"].astype(float)
    return {
        "county_fips": county_fips,
        "county": _county_label(r["county"], r["state"]),
        "hpsa_score": float(r["hpsa_score"]),
        "national_mean": float((both["hpsa_score"] * w).sum() / w.sum()),
        "share_population_lower": float(w[both["hpsa_score"] < r["hpsa_score"]].sum() / w.sum()),
        "year": int(r["year"]),
    }
