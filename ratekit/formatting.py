"""How numbers and names read in the report: money, percents, counts, lists of names and the label tables.

Every sentence, table and paragraph of the report formats its figures with these functions, so a number
reads the same wherever it appears. Two ways of writing money are in use, each for its place:

* :func:`money_nearest` rounds to the nearest $100 (or another step): the rate section's sentences
  ("would add $84,300 a year") and the ER-savings sentences and table (to the nearest $10);
* :func:`money_3sf` keeps three significant figures ("$84,300", "$5,260", "$1.16 million"): the per-payer
  value propositions, whose figures run from a few dollars to millions.

Nothing here computes a figure: the numbers come from :mod:`ratekit.benchmark` and :mod:`ratekit.leverage`
(through :mod:`ratekit.analysis`); this module only writes them down. It imports nothing from ratekit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence

import pandas as pd

#: What payers are brought up to (:data:`ratekit.benchmark.BENCHMARKS`), in words.
BENCHMARK_LABELS: dict[str, str] = {"median": "median payer", "best": "best-paying payer",
                                    "mean_of_others": "average of your other payers", "target": "target"}

#: Payer kinds of client.yaml (:data:`ratekit.client.PAYER_KINDS`) as they read inside a sentence;
#: :func:`kind_label` capitalises them for a table.
KIND_LABELS: dict[str, str] = {"commercial": "commercial", "medicare_advantage": "Medicare Advantage",
                               "medicaid_managed_care": "Medicaid managed care"}

#: Access features of client.yaml (:data:`ratekit.client.ACCESS_FEATURES`) in words.
FEATURE_LABELS: dict[str, str] = {
    "same_day_appointments": "same-day appointments",
    "next_day_appointments": "next-day appointments",
    "after_hours_line": "after-hours line",
    "extended_hours": "extended hours",
    "weekend_hours": "weekend hours",
    "immediate_referrals": "immediate referrals",
    "telehealth": "telehealth visits",
}

#: Chronic conditions (:data:`ratekit.client.CONDITIONS`) in plain words, for tables, charts and text.
CONDITION_LABELS: dict[str, str] = {
    "hypertension": "hypertension",
    "hyperlipidemia": "high cholesterol",
    "diabetes": "diabetes",
    "obesity": "obesity",
    "ischemic_heart_disease": "ischemic heart disease",
    "heart_failure": "heart failure",
    "afib": "atrial fibrillation",
    "copd": "COPD",
    "asthma": "asthma",
    "ckd": "chronic kidney disease",
    "depression": "depression",
    "stroke_tia": "stroke or TIA",
}


def _missing(value: object) -> bool:
    """True for None, NaN, NaT and pandas' NA."""
    return value is None or bool(pd.isna(value))


# --- money -----------------------------------------------------------------------------------------

def money_nearest(value: float | None, *, step: int = 100) -> str:
    """Dollars rounded to the nearest ``step``: ``84312.4`` -> ``"$84,300"``; ``"n/a"`` when missing.

    Python rounds a half step to even (``round``): with ``step=1``, 1234.5 gives ``"$1,234"``.
    """
    if _missing(value):
        return "n/a"
    return f"${round(value / step) * step:,.0f}"


def _significant(value: float, digits: int) -> float:
    """``value`` rounded to ``digits`` significant figures."""
    if value == 0:
        return 0.0
    return float(round(value, digits - 1 - int(math.floor(math.log10(abs(value))))))


def money_3sf(value: float | None) -> str:
    """Dollars to three significant figures: ``"$84,300"``, ``"$188"``, ``"$1.16 million"``, ``"-$2,500"``.

    ``"an unknown amount"`` when missing (it reads inside a sentence).
    """
    if _missing(value):
        return "an unknown amount"
    value = float(value)
    sign = "-" if value < 0 else ""
    value = _significant(abs(value), 3)
    if value >= 1_000_000:
        millions = value / 1_000_000
        return f"{sign}${millions:,.{max(0, 2 - int(math.log10(millions)))}f} million"
    return f"{sign}${value:,.0f}"


# --- percents, counts, names -----------------------------------------------------------------------

def pct(ratio: float | None) -> str:
    """A ratio as a whole percent: ``1.124`` -> ``"112%"`` (a percent of Medicare, a share); ``"n/a"`` when missing."""
    if _missing(ratio):
        return "n/a"
    return f"{float(ratio):.0%}"


def count(value: float, *, below_one: str = "fewer than 1") -> str:
    """A count that may be fractional (ER visits a year): 0 -> ``"0"``, 0.37 -> ``below_one``, 1240.4 -> ``"1,240"``.

    Rounded half to even, as Python rounds; the report's tables pass ``below_one="<1"``.
    """
    value = float(value)
    if value == 0:
        return "0"
    if value < 1:
        return below_one
    return f"{value:,.0f}"


def join_names(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def kind_label(kind: str, *, capital: bool = False) -> str:
    """A payer kind in words: ``"commercial"`` (``"Commercial"`` with ``capital``), ``"Medicare Advantage"``."""
    label = KIND_LABELS.get(kind, str(kind).replace("_", " "))
    return label[:1].upper() + label[1:] if capital else label


def feature_names(features: Sequence[str]) -> str:
    """``["same_day_appointments", "after_hours_line"]`` -> ``"same-day appointments and after-hours line"``."""
    return join_names(FEATURE_LABELS.get(f, f.replace("_", " ")) for f in features)


def condition_names(conditions: Sequence[str]) -> str:
    """``["ckd", "asthma"]`` -> ``"chronic kidney disease and asthma"``."""
    return join_names(CONDITION_LABELS.get(c, c) for c in conditions)


def report_date(day: dt.date | None = None) -> str:
    """A date as the report prints it: ``29 November 2026`` (default today)."""
    day = day or dt.date.today()
    return f"{day.day} {day:%B %Y}"
