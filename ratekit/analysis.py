"""One client's analysis, assembled from the library: every number the report notebook shows.

:func:`analyse` loads a client folder, reads and checks its files
(:func:`ratekit.feeschedules.read_client`: rates in force, percent-of-Medicare lines priced, codes
priced with the Medicare engine at its locality and release), and runs the rate benchmark
(:mod:`ratekit.benchmark`); :func:`analyse_leverage` runs the leverage model (:mod:`ratekit.leverage`)
on the result. The notebook calls them once and hands the tables to :mod:`ratekit.report`,
:mod:`ratekit.narrative` and :mod:`ratekit.plots`, which put them in words and pictures; nothing here
writes a sentence or is specific to a notebook.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import benchmark, feeschedules, leverage, medicare
from .client import Client, load_client
from .errors import Problem
from .remit import derive, underpay

__all__ = ["ClientAnalysis", "LeverageAnalysis", "OFFICE_VISIT_CODE", "RemittanceAnalysis", "analyse",
           "analyse_inputs", "analyse_leverage", "analyse_remittances", "office_visit_rates"]


@dataclass(frozen=True)
class ClientAnalysis:
    """Everything the report shows for one client (tables documented in :mod:`ratekit.benchmark`)."""

    client: Client
    locality: "medicare.Locality"
    release: "medicare.Release"
    rates: pd.DataFrame
    utilization: pd.DataFrame
    medicare: pd.DataFrame
    comparison: pd.DataFrame
    index: pd.DataFrame
    gaps: pd.DataFrame
    benchmark: str = "median"
    #: the target multiple of Medicare when ``benchmark == "target"``
    target: float | None = None
    #: True when each payer is compared with the payers of its own kind only
    within_kind: bool = False
    code_gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    priority: pd.DataFrame = field(default_factory=pd.DataFrame)
    below_medicare: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: warnings found in the client's files (errors stop :func:`analyse` instead)
    warnings: tuple[Problem, ...] = ()
    #: the client's 835s (:class:`ratekit.remit.Remittances`), None when client.yaml names none
    remittances: object = None
    #: rates of the payers without a fee schedule, derived from remittances (payers named with
    #: :func:`ratekit.remit.derive.labelled`, as everywhere in the analysis)
    derived_rates: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: "file" (utilization.csv) or "remittances" (units on paid claims, scaled to a year)
    utilization_source: str = "file"

    @property
    def derived_payers(self) -> tuple[str, ...]:
        """Payers benchmarked from their remittances, as the analysis names them."""
        return tuple(sorted(set(self.derived_rates["payer"]))) if len(self.derived_rates) else ()

    @property
    def benchmark_index(self) -> float:
        """The index payers are brought up to; NaN when it differs per payer (``mean_of_others``, peer groups)."""
        levels = self.gaps["benchmark_index"].dropna().unique() if len(self.gaps) else []
        return float(levels[0]) if len(levels) == 1 else float("nan")

    @property
    def total_gap(self) -> float:
        """Dollars a year across all payers."""
        return float(self.gaps["dollars_a_year"].sum())


def analyse(client_id: str, root: str | Path | None = None, *, benchmark_name: str = "median",
            target: float | None = None, within_kind: bool = False) -> ClientAnalysis:
    """Load, price and benchmark one client.

    Parameters
    ----------
    client_id : str
        Folder name under ``root``.
    root : path, optional
        Folder of client folders (default: the committed sample).
    benchmark_name : {"median", "best", "mean_of_others", "target"}
        What low payers are brought up to (see :mod:`ratekit.benchmark`).
    target : float, optional
        With ``benchmark_name="target"``, the target multiple of Medicare.
    within_kind : bool
        Compare each payer with the payers of its own kind (commercial, Medicare Advantage,
        Medicaid managed care) instead of all payers.

    Raises
    ------
    RatekitError
        When the client folder or its files have errors (every problem listed).
    """
    client = load_client(client_id, root)
    inputs = feeschedules.read_client(client).raise_for_errors()
    return analyse_inputs(inputs, benchmark_name=benchmark_name, target=target, within_kind=within_kind)


def analyse_inputs(inputs: "feeschedules.ClientInputs", *, benchmark_name: str = "median",
                   target: float | None = None, within_kind: bool = False) -> ClientAnalysis:
    """Benchmark a client whose files are already read and checked (:func:`ratekit.feeschedules.read_client`).

    Parameters are those of :func:`analyse`.
    """
    client, rates, utilization, derived = _label_derived(inputs)
    kinds = {p.name: p.kind for p in client.payers}
    comparison = benchmark.compare(rates, inputs.medicare, utilization)
    index = benchmark.payer_index(comparison)
    index.insert(1, "kind", index["payer"].map(kinds))
    gaps = benchmark.gap_to_benchmark(index, benchmark_name, target=target, within_kind=within_kind)
    code_gaps = benchmark.code_gaps(comparison, benchmark_name, target=target, kinds=kinds if within_kind else None)
    return ClientAnalysis(
        client=client, locality=inputs.locality, release=medicare.load_release(inputs.release),
        rates=rates, utilization=utilization, medicare=inputs.medicare, comparison=comparison,
        index=index, gaps=gaps, benchmark=benchmark_name, target=target, within_kind=within_kind,
        code_gaps=code_gaps, priority=benchmark.priority(gaps, index),
        below_medicare=benchmark.below_medicare(comparison), warnings=tuple(inputs.warnings),
        remittances=inputs.remittances, derived_rates=derived, utilization_source=inputs.utilization_source)


def _label_derived(inputs: "feeschedules.ClientInputs"):
    """Name each payer benchmarked from its remittances "<payer> (rates derived from remittances)".

    Done once, here, so every table, chart and sentence built from the analysis carries the label;
    the payer's own name stays one of its aliases (its 835 lines still find it).
    """
    client, rates, utilization, derived = inputs.client, inputs.rates, inputs.utilization, inputs.derived_rates
    names = {p: derive.labelled(p) for p in inputs.derived_payers}
    if not names:
        return client, rates, utilization, derived
    payers = tuple(dataclasses.replace(p, name=names[p.name], aliases=(p.name, *p.aliases)) if p.name in names
                   else p for p in client.payers)
    client = dataclasses.replace(client, payers=payers)
    return (client, rates.assign(payer=rates["payer"].replace(names)),
            utilization.assign(payer=utilization["payer"].replace(names)),
            derived.assign(payer=derived["payer"].replace(names)))


#: The visit that replaces an avoided ED visit, priced at each payer's own rate (docs/leverage.md, section 3:
#: savings = avoided visits x max(ED cost - office visit cost, 0), with the payer's own office-visit rate).
OFFICE_VISIT_CODE = "99214"


@dataclass(frozen=True)
class LeverageAnalysis:
    """The practice's value to each plan: ER savings, chronic-cost exposure, local context (:mod:`ratekit.leverage`)."""

    assumptions: pd.DataFrame
    office_visit_cost: pd.Series
    #: the practice's patients per payer and condition (:func:`ratekit.leverage.panel`), read once
    panel: pd.DataFrame
    savings: pd.DataFrame
    savings_by_payer: pd.DataFrame
    sensitivity: pd.DataFrame
    exposure: pd.DataFrame
    exposure_by_payer: pd.DataFrame
    local: pd.DataFrame
    shortage: dict | None
    #: the Monte Carlo median and 80% interval per payer and in total (:func:`ratekit.leverage.er_savings_interval`)
    interval: pd.DataFrame | None = None
    #: what sets the interval's width (:func:`ratekit.leverage.interval_drivers`)
    interval_drivers: pd.DataFrame | None = None


def office_visit_rates(analysis: ClientAnalysis, code: str = OFFICE_VISIT_CODE) -> pd.Series:
    """Each payer's own contracted rate for ``code`` (global service, in the office), NaN where it has none."""
    rates = analysis.rates
    office = rates["setting"].isin(["", "nonfacility"]) if "setting" in rates else True
    own = rates[(rates["hcpcs"] == code) & (rates["modifier"] == "") & office].drop_duplicates("payer")
    series = own.set_index("payer")["rate"].reindex([p.name for p in analysis.client.payers])
    series.name = f"{code} rate"
    return series


def analyse_leverage(analysis: ClientAnalysis) -> LeverageAnalysis:
    """Run the leverage model (:mod:`ratekit.leverage`) for an analysed client.

    The panel (patients per payer and condition) is built once, from client.yaml and
    the diagnosis file, and every part of the model reads it. The office visit
    replacing an avoided ED visit is priced at each payer's own
    :data:`OFFICE_VISIT_CODE` rate; a payer without one falls back to the
    model's documented default (and the tables say so). The county's figures are
    for the conditions the panel counts (every condition when it counts none).
    """
    client = analysis.client
    table = leverage.assumptions(client)
    office = office_visit_rates(analysis)
    panel = leverage.panel(client)
    savings = leverage.er_savings(client, panel, office, assumptions=table)
    exposure = leverage.chronic_cost_exposure(panel)
    interval, drivers = leverage.er_savings_uncertainty(client, panel, office, assumptions=table, savings=savings)
    return LeverageAnalysis(
        assumptions=table, office_visit_cost=office, panel=panel, savings=savings,
        savings_by_payer=leverage.er_savings_by_payer(savings),
        sensitivity=leverage.sensitivity(client, panel, office, assumptions=table),
        exposure=exposure, exposure_by_payer=leverage.chronic_cost_exposure_by_payer(exposure),
        local=leverage.local_context(client.county_fips, leverage.panel_conditions(panel) or None),
        shortage=leverage.shortage(client.county_fips), interval=interval, interval_drivers=drivers)


@dataclass(frozen=True)
class RemittanceAnalysis:
    """What the client's 835s say against its contracts (:mod:`ratekit.remit.underpay`).

    ``lines`` holds every line classified (claim control numbers included: for the analyst's
    worklist only); ``by_payer`` and ``by_code`` are :func:`ratekit.remit.underpay.summary`;
    ``worklist`` :func:`~ratekit.remit.underpay.appeal_worklist`; ``span_days``, ``first_date`` and
    ``last_date`` the service dates compared (dollars a year are scaled by ``365 / span_days``).
    """

    lines: pd.DataFrame
    by_payer: pd.DataFrame
    by_code: pd.DataFrame
    worklist: pd.DataFrame
    span_days: int
    first_date: object
    last_date: object
    derived_rates: pd.DataFrame
    utilization_source: str
    client_id: str

    @property
    def underpaid_a_year(self) -> float:
        """Dollars a year below contract, all payers."""
        return float(self.by_payer["underpaid_a_year"].sum()) if len(self.by_payer) else 0.0


def analyse_remittances(analysis: ClientAnalysis) -> RemittanceAnalysis | None:
    """Compare every remittance line with the client's contract; None when the client has no remittances."""
    remits = analysis.remittances
    if remits is None:
        return None
    lines = underpay.classify(remits.lines, analysis.client, derived_payers=analysis.derived_payers)
    compared = lines.loc[lines["class"] != "not compared", "service_date"]
    return RemittanceAnalysis(
        lines=lines, by_payer=underpay.summary(lines, "payer"), by_code=underpay.summary(lines, "code"),
        worklist=underpay.appeal_worklist(lines), span_days=underpay.compared_span_days(lines),
        first_date=compared.min() if len(compared) else None, last_date=compared.max() if len(compared) else None,
        derived_rates=analysis.derived_rates, utilization_source=analysis.utilization_source,
        client_id=analysis.client.client_id)
