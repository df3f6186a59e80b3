"""Build step ``leverage``: the leverage model's compact reference tables, from the raw public files.

Run ``python -m ratekit.build leverage`` (reads ``config.PUBLIC_DATA_DIR``, set by
``RATEKIT_PUBLIC_DATA``; writes ``config.LEVERAGE_REFERENCE_DIR``, ``data/reference/leverage/``).
The output is deterministic (gzip without a
timestamp, rows sorted), so a rebuild from the same inputs gives the same bytes
and ``git diff`` shows only real changes. Each table is registered, with its
source, release and caveats, in :mod:`ratekit.reference`.

What each table keeps, and why:

``chronic_costs.csv``
    Per-patient annual cost of each chronic condition, one row per published
    figure (``role`` = ``base`` for the one the model uses, ``alternative`` for
    the others, shown for context). Taken from ``facts/chronic_disease_cost_facts.csv``
    plus two figures read for ratekit (hyperlipidemia: Zhang 2017; heart failure
    incremental: Bhatnagar 2022), listed in :data:`_ADDED_COST_ROWS`.
``visit_costs.csv``
    Cost of an ED visit and of the office / urgent-care / retail visit that
    replaces it: the published figures listed in :data:`_VISIT_COST_ROWS`, each
    with its citation (typed in from ``facts/ed_visit_cost_facts.csv``; the
    UnitedHealth Group 2019 figures as the report is commonly quoted).
``cpi_medical_care.csv``
    BLS CPI-U Medical care (CUUR0000SAM) annual averages 2000-2025 with the
    verification status of each year.
``places_county.csv.gz`` / ``places_national.csv``
    CDC PLACES 2022 county crude and age-adjusted prevalence for the measures
    that match ``client.CONDITIONS``; national figures are population-weighted
    means of the county figures (weights: PLACES ``TotalPopulation``, all ages).
``hpsa_county.csv``
    Primary-care HPSA score per county (Urban Institute, 2020), FIPS joined.
``nyu_ed_algorithm.csv.gz``
    The four NYU ED algorithm probabilities per ICD-10 code, rounded to 4 decimals.
``condition_icd10.csv``
    CMS CCW ICD-10 codes for each condition in ``client.CONDITIONS`` (include rows).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .. import config
from ..leverage.local import PLACES_MEASURES

#: CCW condition name (column ``condition_column_name``) for each ratekit condition.
CCW_CONDITIONS: dict[str, str] = {
    "hypertension": "hypertension",
    "hyperlipidemia": "hyperlipidemia",
    "diabetes": "diabetes",
    "obesity": "obesity",
    "ischemic_heart_disease": "ischemic_heart_disease",
    "heart_failure": "heart_failure_and_non_ischemic_heart_disease",
    "afib": "atrial_fibrillation_and_flutter",
    "copd": "chronic_obstructive_pulmonary_disease",
    "asthma": "asthma",
    "ckd": "chronic_kidney_disease",
    "depression": "depression_bipolar_or_other_depressive_mood_disorders",
    "stroke_tia": "stroke_transient_ischemic_attack",
}

_COST_COLUMNS = ["condition", "role", "method", "metric", "value_usd", "dollar_year", "dollar_year_note",
                 "population", "citation", "url", "verification"]

#: How each row of facts/chronic_disease_cost_facts.csv enters the table:
#: (condition column prefix, metric prefix) -> (ratekit condition, role, method, dollar year, dollar-year note).
#: Rows not listed (aggregate-only CKD, multi-value hypertension row) are left out; the reason is in the note.
_COST_ROW_MAP: list[tuple[str, str, str, str, str, int | None, str]] = [
    ("diabetes", "annual medical expenditure attributable to diabetes per person with diagnosed",
     "diabetes", "base", "attributable", 2022, ""),
    ("diabetes", "total annual medical expenditure per person",
     "diabetes", "alternative", "total (all causes)", 2022, ""),
    ("diabetes", "annual medical expenditure attributable to diabetes per person (prior",
     "diabetes", "alternative", "attributable", 2017, ""),
    ("hypertension", "adjusted incremental annual healthcare expenditure",
     "hypertension", "base", "incremental (adjusted)", 2016,
     "dollar year 2016 from a secondary summary (HCPLive), not read in the paper"),
    ("hypertension", "per-person annual expenditures associated with hypertension",
     "hypertension", "alternative", "incremental (associated)", 2015, ""),
    ("asthma", "annual per-person incremental medical cost",
     "asthma", "base", "incremental", 2015, ""),
    ("COPD", "mean COPD-specific",
     "copd", "base", "condition-specific (regression-adjusted)", 2018, ""),
    ("obesity", "excess annual medical cost per adult",
     "obesity", "base", "excess (vs normal weight)", 2019, ""),
    ("obesity", "higher annual medical care cost for adults with obesity",
     "obesity", "alternative", "excess (IV estimate)", 2016,
     "dollar year not shown in the abstract; 2016 (last data year) assumed"),
    ("heart failure", "median annual total medical cost per HF patient",
     "heart_failure", "alternative", "total (all causes)", 2019,
     "dollar years mixed (studies published 2014-2020); 2019 assumed"),
]

#: Figures read for ratekit that are not in facts/chronic_disease_cost_facts.csv.
_ADDED_COST_ROWS: list[dict] = [
    {
        "condition": "hyperlipidemia", "role": "base", "method": "incremental (associated)",
        "metric": "hyperlipidemia-associated annual medical expenditure per person without cardiovascular disease",
        "value_usd": 856.0, "dollar_year": 2012, "dollar_year_note": "",
        "population": "US adults 18+ without CVD, MEPS 2010-2012, 2-part model (95% CI $596-$1,211)",
        "citation": "Zhang D, Wang G, Fang J, Mercado C. Hyperlipidemia and Medical Expenditures by "
                    "Cardiovascular Disease Status in US Adults. Med Care 2017;55(1):4-11. "
                    "doi:10.1097/MLR.0000000000000663 (CDC authors)",
        "url": "https://journals.lww.com/lww-medicalcare/Abstract/2017/01000/Hyperlipidemia_and_Medical_Expenditures_by.2.aspx",
        "verification": "abstract read for ratekit (not in the shared facts file)",
    },
    {
        "condition": "hyperlipidemia", "role": "alternative", "method": "incremental (associated)",
        "metric": "hyperlipidemia-associated annual medical expenditure per person with cardiovascular disease",
        "value_usd": 1105.0, "dollar_year": 2012, "dollar_year_note": "",
        "population": "US adults 18+ with CVD, MEPS 2010-2012 (95% CI $877-$1,661)",
        "citation": "Zhang D, Wang G, Fang J, Mercado C. Med Care 2017;55(1):4-11",
        "url": "https://journals.lww.com/lww-medicalcare/Abstract/2017/01000/Hyperlipidemia_and_Medical_Expenditures_by.2.aspx",
        "verification": "abstract read for ratekit (not in the shared facts file)",
    },
    {
        "condition": "heart_failure", "role": "base", "method": "incremental (adjusted)",
        "metric": "adjusted incremental annual expenditure with a heart-failure diagnosis",
        "value_usd": 3594.0, "dollar_year": 2018, "dollar_year_note": "",
        "population": "US, MEPS 2009-2018 pooled, 2-part model adjusted for demographics and comorbidities",
        "citation": "Bhatnagar R, Fonarow GC, Heidenreich PA, Ziaeian B. Expenditure on Heart Failure in the "
                    "United States: The Medical Expenditure Panel Survey 2009-2018. JACC Heart Fail "
                    "2022;10(8):571-580. doi:10.1016/j.jchf.2022.05.006",
        "url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC9680004/",
        "verification": "abstract read for ratekit (not in the shared facts file)",
    },
    {
        "condition": "heart_failure", "role": "alternative", "method": "total (all causes)",
        "metric": "mean annual health-care expenditure per person with heart failure",
        "value_usd": 28950.0, "dollar_year": 2018, "dollar_year_note": "",
        "population": "US, MEPS 2009-2018 pooled ($5,727 for people without HF)",
        "citation": "Bhatnagar R et al. JACC Heart Fail 2022;10(8):571-580",
        "url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC9680004/",
        "verification": "abstract read for ratekit (not in the shared facts file)",
    },
]

#: Visit costs: ED visits and the visits that replace them. value in USD of ``dollar_year``.
_VISIT_COST_ROWS: list[dict] = [
    {"key": "ed_hcup_cost_2017", "setting": "emergency department", "measure": "hospital cost per visit (all ages)",
     "value_usd": 526.93, "dollar_year": 2017,
     "citation": "Moore BJ, Liang L. Costs of Emergency Department Visits in the United States, 2017. "
                 "HCUP Statistical Brief #268, AHRQ, Dec 2020",
     "url": "https://hcup-us.ahrq.gov/reports/statbriefs/sb268-ED-Costs-2017.jsp",
     "caveat": "computed here: $76.3 billion / 144.8 million visits; cost (cost-to-charge ratios), not payment"},
    {"key": "ed_hcup_cost_2017_children", "setting": "emergency department",
     "measure": "hospital cost per visit, age 0-17",
     "value_usd": 290.0, "dollar_year": 2017, "citation": "HCUP Statistical Brief #268 (Moore & Liang 2020)",
     "url": "https://www.ncbi.nlm.nih.gov/books/NBK566654/", "caveat": "cost, not payment"},
    {"key": "ed_hcup_cost_2017_65plus", "setting": "emergency department",
     "measure": "hospital cost per visit, age 65+",
     "value_usd": 690.0, "dollar_year": 2017, "citation": "HCUP Statistical Brief #268 (Moore & Liang 2020)",
     "url": "https://www.ncbi.nlm.nih.gov/books/NBK566654/", "caveat": "cost, not payment"},
    {"key": "ed_mehrotra_episode", "setting": "emergency department",
     "measure": "episode cost, 3 common minor illnesses (otitis media, pharyngitis, UTI)",
     "value_usd": 570.0, "dollar_year": 2006,
     "citation": "Mehrotra A, Liu H, Adams JL, et al. Comparing costs and quality of care at retail clinics with "
                 "that of other medical settings for 3 common illnesses. Ann Intern Med 2009;151(5):321-328",
     "url": "https://www.healthpartners.com/knowledgeexchange/display/document-rn33944",
     "caveat": "Minnesota health plan claims 2005-2006 (dollar year 2006 assumed); paid episode cost of "
               "low-acuity visits - the kind an office visit can replace"},
    {"key": "ed_kff_paid_2019", "setting": "emergency department",
     "measure": "average total paid (plan + patient) per visit, large-employer plans",
     "value_usd": 2453.0, "dollar_year": 2019,
     "citation": "Schwartz H, Rae M, Claxton G, et al. Emergency department visits exceed affordability "
                 "threshold for many consumers with private insurance. Peterson-KFF Health System Tracker, Dec 2022",
     "url": "https://www.healthsystemtracker.org/brief/emergency-department-visits-exceed-affordability-thresholds-for-many-consumers-with-private-insurance/",
     "caveat": "all acuity levels; $2,453 seen only in a secondary summary ($646 out-of-pocket seen on KFF page)"},
    {"key": "ed_uhg_2019", "setting": "emergency department", "measure": "average ED visit cost, privately insured",
     "value_usd": 2032.0, "dollar_year": 2019,
     "citation": "UnitedHealth Group. The High Cost of Avoidable Hospital Emergency Department Visits, 2019",
     "url": "", "caveat": "industry report, figure as commonly quoted (the report itself not read); claims year not "
                "verified (report year used)"},
    {"key": "office_uhg_2019", "setting": "physician office", "measure": "average office visit cost, privately insured",
     "value_usd": 167.0, "dollar_year": 2019, "citation": "UnitedHealth Group 2019 (as above)", "url": "",
     "caveat": "as above"},
    {"key": "urgent_uhg_2019", "setting": "urgent care", "measure": "average urgent-care visit cost, privately insured",
     "value_usd": 193.0, "dollar_year": 2019, "citation": "UnitedHealth Group 2019 (as above)", "url": "",
     "caveat": "as above"},
    {"key": "office_mehrotra_episode", "setting": "physician office",
     "measure": "episode cost, 3 common minor illnesses", "value_usd": 166.0, "dollar_year": 2006,
     "citation": "Mehrotra A et al. Ann Intern Med 2009;151(5):321-328", "url": "",
     "caveat": "as for the ED episode"},
    {"key": "urgent_mehrotra_episode", "setting": "urgent care", "measure": "episode cost, 3 common minor illnesses",
     "value_usd": 156.0, "dollar_year": 2006, "citation": "Mehrotra A et al. Ann Intern Med 2009", "url": "",
     "caveat": "as for the ED episode"},
    {"key": "retail_mehrotra_episode", "setting": "retail clinic", "measure": "episode cost, 3 common minor illnesses",
     "value_usd": 110.0, "dollar_year": 2006, "citation": "Mehrotra A et al. Ann Intern Med 2009", "url": "",
     "caveat": "as for the ED episode"},
    {"key": "office_medicare_99213_2025", "setting": "physician office",
     "measure": "Medicare PFS national amount, E/M 99213, non-facility", "value_usd": 88.95, "dollar_year": 2025,
     "citation": "CMS PFS RVU25A (PPRRVU25_JAN), GPCI = 1, CF 32.3465", "url": "https://www.cms.gov/medicare/payment/fee-schedules/physician",
     "caveat": "computed from CMS RVUs; national (no locality adjustment)"},
    {"key": "office_medicare_99214_2025", "setting": "physician office",
     "measure": "Medicare PFS national amount, E/M 99214, non-facility", "value_usd": 125.18, "dollar_year": 2025,
     "citation": "CMS PFS RVU25A (PPRRVU25_JAN), GPCI = 1, CF 32.3465", "url": "https://www.cms.gov/medicare/payment/fee-schedules/physician",
     "caveat": "computed from CMS RVUs; national (no locality adjustment)"},
    {"key": "ed_medicare_99284_2025", "setting": "emergency department",
     "measure": "Medicare PFS national amount, ED E/M 99284, professional only", "value_usd": 116.45,
     "dollar_year": 2025, "citation": "CMS PFS RVU25A (PPRRVU25_JAN), GPCI = 1",
     "url": "https://www.cms.gov/medicare/payment/fee-schedules/physician",
     "caveat": "physician fee only; the hospital facility fee comes on top"},
]


def _public(*parts: str) -> Path:
    path = config.PUBLIC_DATA_DIR.joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; set RATEKIT_PUBLIC_DATA to the shared public data folder")
    return path


def build_chronic_costs() -> pd.DataFrame:
    """Per-patient chronic-condition costs, one row per published figure."""
    facts = pd.read_csv(_public("facts", "chronic_disease_cost_facts.csv"), dtype=str)
    rows = []
    for prefix, metric_prefix, condition, role, method, year, note in _COST_ROW_MAP:
        hit = facts[facts["condition"].str.startswith(prefix) & facts["metric"].str.startswith(metric_prefix)]
        if len(hit) != 1:
            raise ValueError(f"expected one cost fact for {prefix!r} / {metric_prefix!r}, found {len(hit)}")
        r = hit.iloc[0]
        rows.append({
            "condition": condition, "role": role, "method": method, "metric": r["metric"],
            "value_usd": float(r["value_usd"]), "dollar_year": year, "dollar_year_note": note,
            "population": r["population_and_data"], "citation": r["source_citation"],
            "url": r["source_url_seen"], "verification": r["verification_note"],
        })
    rows += _ADDED_COST_ROWS
    out = pd.DataFrame(rows, columns=_COST_COLUMNS)
    out["dollar_year"] = out["dollar_year"].astype("int64")
    order = {c: i for i, c in enumerate(CCW_CONDITIONS)}
    out = out.sort_values(["condition", "role"], key=lambda s: s.map(order) if s.name == "condition"
                          else s.map({"base": 0, "alternative": 1}), kind="stable")
    return out.reset_index(drop=True)


def build_visit_costs() -> pd.DataFrame:
    """ED and office / urgent-care / retail visit costs with their dollar years."""
    return pd.DataFrame(_VISIT_COST_ROWS, columns=["key", "setting", "measure", "value_usd", "dollar_year",
                                                   "citation", "url", "caveat"])


def build_cpi() -> pd.DataFrame:
    """CPI-U Medical care (CUUR0000SAM) annual averages with each year's verification status."""
    raw = pd.read_csv(_public("facts", "cpi_medical_care.csv"), dtype=str)
    sam = raw[raw["metric"].str.startswith("CPI-U Medical care (CUUR0000SAM) annual average")].copy()
    sam["year"] = sam["year"].astype("int64")
    sam["index"] = sam["value"].astype(float)

    def status(row) -> str:
        text = f"{row['metric']} {row['how_verified']}".upper()
        if "PRELIMINARY" in text or "UNVERIFIED" in text:
            return "preliminary"
        if "SECONDARY" in text:
            return "secondary"
        return "computed from FRED monthly values"

    sam["status"] = sam.apply(status, axis=1)
    sam["series"] = "CUUR0000SAM"
    out = sam[["year", "index", "series", "status"]].sort_values("year").reset_index(drop=True)
    if out["year"].duplicated().any():
        raise ValueError("duplicate CPI years")
    return out


def build_places() -> tuple[pd.DataFrame, pd.DataFrame]:
    """County PLACES prevalence for the conditions' measures, and population-weighted national figures."""
    raw = pd.read_csv(_public("places", "places_2022_county_chronic_subset.csv"),
                      dtype={"CountyFIPS": str, "StateAbbr": str, "CountyName": str, "StateDesc": str})
    measures = [m for m in PLACES_MEASURES.values() if m]
    cols = {"CountyFIPS": "county_fips", "StateAbbr": "state", "CountyName": "county",
            "TotalPopulation": "population"}
    keep = list(cols) + [f"{m}_{k}" for m in measures for k in ("CrudePrev", "AdjPrev")]
    county = raw[keep].rename(columns=cols)
    county["county_fips"] = county["county_fips"].str.zfill(5)
    county = county.sort_values("county_fips").reset_index(drop=True)
    nat = []
    for m in measures:
        for kind, label in (("CrudePrev", "crude"), ("AdjPrev", "age_adjusted")):
            col = f"{m}_{kind}"
            ok = county[col].notna()
            w = county.loc[ok, "population"].astype(float)
            nat.append({"measure": m, "prevalence_type": label,
                        "national_prevalence": round(float((county.loc[ok, col] * w).sum() / w.sum()), 2),
                        "counties": int(ok.sum()), "population": int(w.sum())})
    return county, pd.DataFrame(nat)


def build_hpsa() -> pd.DataFrame:
    """Primary-care HPSA score per county with a 5-digit FIPS."""
    raw = pd.read_csv(_public("hpsa", "urban_institute_HPSA_2020_county_pc_score.csv"),
                      dtype={"state": str, "county": str})
    out = pd.DataFrame({
        "county_fips": raw["state"].str.zfill(2) + raw["county"].str.zfill(3),
        "hpsa_score": raw["whpsascore"].astype(float),
        "score_quality": raw["hpsascore_quality"],
        "year": raw["year"],
    })
    return out.sort_values("county_fips").reset_index(drop=True)


def build_nyu() -> pd.DataFrame:
    """The NYU ED algorithm's four probabilities per ICD-10 code (4 decimals)."""
    raw = pd.read_csv(_public("ed_avoidable", "johnston_nyu_ed_algorithm_icd10_via_tuva.csv"), dtype={"icd10": str})
    out = raw[["icd10", "noner", "epct", "edcnpa", "edcnnpa"]].copy()
    for c in ("noner", "epct", "edcnpa", "edcnnpa"):
        out[c] = out[c].round(4)
    return out.sort_values("icd10").reset_index(drop=True)


def build_condition_icd10() -> pd.DataFrame:
    """ICD-10-CM codes (no dots) defining each ratekit condition, from the CMS CCW include lists."""
    raw = pd.read_csv(_public("icd10_conditions", "cms_ccw_chronic_conditions_icd10_via_tuva.csv"), dtype=str)
    inc = raw[(raw["inclusion_type"] == "Include") & (raw["code_system"] == "ICD-10-CM")]
    frames = []
    for condition, ccw in CCW_CONDITIONS.items():
        part = inc[inc["condition_column_name"] == ccw]
        if part.empty:
            raise ValueError(f"no CCW codes for {condition} ({ccw})")
        frames.append(pd.DataFrame({"condition": condition, "ccw_condition": part["condition"],
                                    "icd10": part["code"].str.replace(".", "", regex=False).str.upper()}))
    out = pd.concat(frames).drop_duplicates(["condition", "icd10"])
    if not out["icd10"].map(lambda c: bool(re.fullmatch(r"[A-Z][0-9A-Z]{2,6}", c))).all():
        raise ValueError("unexpected ICD-10 code format in the CCW file")
    return out.sort_values(["condition", "icd10"]).reset_index(drop=True)


def build(out_dir: Path | None = None) -> list[Path]:
    """Write every leverage table to ``out_dir`` (default ``config.LEVERAGE_REFERENCE_DIR``); return the paths."""
    out = Path(out_dir) if out_dir is not None else config.LEVERAGE_REFERENCE_DIR
    out.mkdir(parents=True, exist_ok=True)
    gz = {"method": "gzip", "mtime": 0}
    county, national = build_places()
    tables: list[tuple[str, pd.DataFrame, dict | None]] = [
        ("chronic_costs.csv", build_chronic_costs(), None),
        ("visit_costs.csv", build_visit_costs(), None),
        ("cpi_medical_care.csv", build_cpi(), None),
        ("places_county.csv.gz", county, gz),
        ("places_national.csv", national, None),
        ("hpsa_county.csv", build_hpsa(), None),
        ("nyu_ed_algorithm.csv.gz", build_nyu(), gz),
        ("condition_icd10.csv", build_condition_icd10(), None),
    ]
    written = []
    for name, frame, compression in tables:
        path = out / name
        frame.to_csv(path, index=False, compression=compression, lineterminator="\n")
        written.append(path)
    return written
