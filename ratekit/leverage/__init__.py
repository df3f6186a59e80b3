"""The leverage model: what a practice is worth to each health plan, as chronic-cost exposure and ER savings.

Stated with honest ranges and the sources behind every number (the model, each formula and each
assumption are described in ``docs/leverage.md``). One module per concern:

* :mod:`~ratekit.leverage.panel` - :func:`panel`, the practice's patients with each chronic condition, per
  payer (client.yaml counts and the diagnosis file); built once per client and passed to the others.
* :mod:`~ratekit.leverage.er_savings` - :func:`er_savings`, ED visits a year the practice's access features
  avoid and the dollars that saves the plan, low / base / high; :func:`sensitivity` ranks the assumptions
  by how much they move the total; :func:`er_savings_interval`, the Monte Carlo median and 80% interval,
  and :func:`interval_drivers`, what sets its width; :func:`ed_algorithm_profile`, the NYU ED algorithm's view of each
  condition.
* :mod:`~ratekit.leverage.assumptions` - :func:`assumptions`, every assumption with its range and citation,
  and the client's overrides.
* :mod:`~ratekit.leverage.exposure` - :func:`chronic_cost_exposure`, members with a condition x its
  normalised annual cost: cost the plan bears that the practice manages (**not** a saving).
* :mod:`~ratekit.leverage.local` - :func:`local_context` / :func:`shortage`, the county's prevalence of each
  condition vs the national figure, and its primary-care shortage score
  (:func:`ratekit.narrative.local_context_text` puts them in words).
* :mod:`~ratekit.leverage.tables` - :func:`cost_table` / :func:`visit_cost_table`, the published costs,
  original and normalised to one dollar year with the CPI-U medical care index; the other shipped tables.

Every function is pure: it takes tidy tables (and the client's own facts: payers, access features,
overrides) and the shipped reference tables (:mod:`ratekit.reference`), and returns a tidy DataFrame with
documented columns. No sentence is written here, and money is never rounded; round for display only.
:func:`ratekit.analysis.analyse_leverage` runs the whole model for a client.

The package exports each module's functions, so ``ratekit.leverage.panel`` (like ``assumptions`` and
``er_savings``) is the function; reach a module itself with ``importlib.import_module("ratekit.leverage.panel")``.
"""

from .assumptions import assumptions
from .er_savings import (FEATURE_GROUPS, access_reduction, counted_patients, ed_algorithm_profile, er_savings,
                         er_savings_by_payer, er_savings_interval, er_savings_total, er_savings_uncertainty,
                         interval_drivers, sensitivity, simulate_er_savings)
from .exposure import chronic_cost_exposure, chronic_cost_exposure_by_payer
from .local import PLACES_MEASURES, PREVALENCE_MARGIN, local_context, shortage
from .panel import largest_remainder, map_diagnoses, panel, panel_conditions, read_diagnoses
from .tables import (TARGET_DOLLAR_YEAR, condition_codes, cost_table, cpi_factor, cpi_table, preload, reference_table,
                     visit_cost_table)

__all__ = [
    "FEATURE_GROUPS", "PLACES_MEASURES", "PREVALENCE_MARGIN", "TARGET_DOLLAR_YEAR",
    "access_reduction", "assumptions", "chronic_cost_exposure", "chronic_cost_exposure_by_payer",
    "condition_codes", "cost_table", "counted_patients", "cpi_factor", "cpi_table", "ed_algorithm_profile",
    "er_savings", "er_savings_by_payer", "er_savings_interval", "er_savings_total", "er_savings_uncertainty",
    "interval_drivers", "largest_remainder", "local_context",
    "map_diagnoses", "panel", "panel_conditions", "preload", "read_diagnoses", "reference_table", "sensitivity",
    "shortage", "simulate_er_savings", "visit_cost_table",
]
