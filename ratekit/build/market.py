"""Build step ``market``: the market benchmarks of ``data/reference/market/``, from the raw public facts.

Run ``python -m ratekit.build market`` (reads ``config.PUBLIC_DATA_DIR``; writes
``config.MARKET_REFERENCE_DIR``). The outputs are committed, and registered in :mod:`ratekit.reference`
(``medicaid_fee_index``, ``commercial_by_specialty``); a fresh clone never needs the raw files.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from .. import config

#: FAIR Health / Urban Institute specialty labels (as in commercial_ma_vs_medicare.csv) -> ratekit specialty keys.
_SPECIALTY_LABELS = {
    "Family medicine": "family_medicine",
    "Internal medicine": "internal_medicine",
    "Dermatology": "dermatology",
    "Cardiology": "cardiology",
    "Orthopedics": "orthopedics",
}


def build_medicaid_index() -> pd.DataFrame:
    """Medicaid-to-Medicare fee index, 2024, by state: all services and primary care."""
    facts = pd.read_csv(config.PUBLIC_DATA_DIR / "facts" / "medicaid_medicare_fee_index.csv", dtype=str)
    places = pd.read_csv(config.PUBLIC_DATA_DIR / "places" / "places_2022_county_chronic_subset.csv", dtype=str,
                         usecols=["StateAbbr", "StateDesc"]).drop_duplicates()
    abbr = dict(zip(places["StateDesc"], places["StateAbbr"], strict=True)) | {"US national": "US"}
    rows = facts[(facts["year"] == "2024")].copy()
    rows["measure"] = rows["metric"].str.extract(r"index, (.+)$")[0]
    rows = rows[rows["measure"].isin(["all services", "primary care"])]
    rows["state"] = rows["population"].map(abbr)
    wide = rows.pivot_table(index=["state", "population"], columns="measure", values="value", aggfunc="first")
    wide = wide.reset_index().rename(columns={"population": "state_name", "all services": "all_services",
                                              "primary care": "primary_care"})
    for col in ("all_services", "primary_care"):
        wide[col] = pd.to_numeric(wide[col], errors="coerce")
    return wide[wide["state"].notna()].sort_values("state", ignore_index=True)


def build_commercial_by_specialty() -> pd.DataFrame:
    """Commercial-to-Medicare payment ratio by specialty (FAIR Health claims via Urban, 2019-20)."""
    facts = pd.read_csv(config.PUBLIC_DATA_DIR / "facts" / "commercial_ma_vs_medicare.csv", dtype=str)
    rows = []
    for label, key in _SPECIALTY_LABELS.items():
        hit = facts[facts["metric"].str.endswith(label, na=False)
                    | facts["metric"].str.contains(f"codes\\), {label}", na=False, regex=True)]
        if hit.empty:
            raise ValueError(f"no commercial ratio for {label!r} in the facts file")
        first = hit.iloc[0]
        rows.append({"specialty": key, "ratio": float(first["value"]) / 100, "year": first["year"],
                     "source": first["source"]})
    return pd.DataFrame(rows)


def build(out_dir: Path | None = None) -> list[Path]:
    """Write the market tables to ``out_dir`` (default ``config.MARKET_REFERENCE_DIR``); return the paths written."""
    out = Path(out_dir) if out_dir is not None else config.MARKET_REFERENCE_DIR
    out.mkdir(parents=True, exist_ok=True)
    medicaid, commercial = out / "medicaid_fee_index_2024.csv", out / "commercial_to_medicare_by_specialty.csv"
    build_medicaid_index().to_csv(medicaid, index=False, quoting=csv.QUOTE_MINIMAL)
    build_commercial_by_specialty().to_csv(commercial, index=False)
    return [medicaid, commercial]
