"""The leverage model's shipped reference tables: published costs, CPI-U medical care, and the readers of the others.

Costs of different years are put in one dollar year with the BLS CPI-U Medical care index
(:func:`cpi_factor`): ``normalised = original x CPI[dollar year] / CPI[original dollar year]``. The
tables are listed, with source, release and caveats, in :mod:`ratekit.reference` (keys ``leverage_*``)
and rebuilt from the raw public files by ``python -m ratekit.build leverage``.
"""

from __future__ import annotations

import functools

import pandas as pd

from .. import reference

#: Dollar year every cost is normalised to: the latest full year of the CPI-U medical
#: care index (2024, from secondary copies that agree to 0.001); 2025's annual average
#: is still preliminary and conflicting.
TARGET_DOLLAR_YEAR = 2024


# --- the shipped files -----------------------------------------------------------------------------

@functools.cache
def _load(key: str) -> pd.DataFrame:
    dtype = {"county_fips": str, "icd10": str, "condition": str}
    return pd.read_csv(reference.path(key), dtype=dtype, keep_default_na=True)


def preload() -> None:
    """Read every shipped leverage table into this process's cache (see :func:`ratekit.medicare.preload`)."""
    for dataset in reference.datasets():
        if dataset.key.startswith("leverage_"):
            _load(dataset.key)


def reference_table(key: str) -> pd.DataFrame:
    """A shipped leverage table by its registry key (a copy: callers may modify it)."""
    return _load(key).copy()


def cpi_table() -> pd.DataFrame:
    """CPI-U medical care annual averages.

    Returns
    -------
    DataFrame
        ``year`` (int), ``index`` (1982-84 = 100), ``series`` (CUUR0000SAM) and
        ``status`` (how the year's value was verified; 2025 is preliminary).
    """
    return reference_table("leverage_cpi_medical")


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
    raw = reference_table("leverage_chronic_costs")
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
    out = _normalise(reference_table("leverage_visit_costs"), dollar_year)
    out["url"] = out["url"].fillna("")
    return out[["key", "setting", "measure", "original_value", "original_dollar_year", "normalised_value",
                "dollar_year", "cpi_original", "cpi_target", "citation", "url", "caveat"]]


def condition_codes() -> pd.DataFrame:
    """ICD-10-CM codes defining each condition (CMS CCW include lists).

    Returns
    -------
    DataFrame
        ``condition``, ``ccw_condition``, ``icd10`` (no dot, upper case).
    """
    return reference_table("leverage_condition_icd10")
