"""One client's analysis, assembled from the library: what the report notebook shows.

:func:`analyse` loads a client folder, prices its codes with the Medicare engine
at its locality and release, and runs the rate benchmark. The notebook calls it
once and displays the pieces; nothing here is specific to a notebook.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import benchmark, feeschedules, leverage, medicare, narrative
from .client import Client, load_client


@dataclass(frozen=True)
class ClientAnalysis:
    """Everything the report shows for one client."""

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

    @property
    def benchmark_index(self) -> float:
        """The index payers are brought up to."""
        return float(self.gaps["benchmark_index"].iloc[0]) if len(self.gaps) else float("nan")

    @property
    def total_gap(self) -> float:
        """Dollars a year across all payers."""
        return float(self.gaps["dollars_a_year"].sum())


def medicare_release_for(client: Client) -> str:
    """The client's Medicare release: ``medicare_release`` if given, else the newest of ``benchmark_year``."""
    return client.medicare_release or medicare.newest_release(client.benchmark_year)


def analyse(client_id: str, root: str | Path | None = None, *, benchmark_name: str = "median",
            target: float | None = None) -> ClientAnalysis:
    """Load, price and benchmark one client.

    Parameters
    ----------
    client_id : str
        Folder name under ``root``.
    root : path, optional
        Folder of client folders (default: the committed sample).
    benchmark_name : {"median", "best", "target"}
        What low payers are brought up to (see :func:`ratekit.benchmark.benchmark_index`).
    target : float, optional
        With ``benchmark_name="target"``, the target multiple of Medicare.

    Raises
    ------
    RatekitError
        When the client folder or its files have errors.
    """
    client = load_client(client_id, root)
    release_name = medicare_release_for(client)
    release = medicare.load_release(release_name)
    locality = medicare.locate(zip_code=client.zip, locality=client.locality, release=release_name)
    rates = feeschedules.load_rates(client)
    utilization = feeschedules.load_utilization(client)
    codes = sorted(set(rates["hcpcs"]) | set(utilization["hcpcs"]))
    prices = medicare.price(release_name, localities=[locality.locality_id], codes=codes)
    comparison = benchmark.compare(rates, prices, utilization)
    index = benchmark.payer_index(comparison)
    kinds = {p.name: p.kind for p in client.payers}
    index.insert(1, "kind", index["payer"].map(kinds))
    gaps = benchmark.gap_to_benchmark(index, benchmark_name, target=target)
    return ClientAnalysis(client=client, locality=locality, release=release, rates=rates, utilization=utilization,
                          medicare=prices, comparison=comparison, index=index, gaps=gaps, benchmark=benchmark_name)


#: The visit that replaces an avoided ED visit, priced at each payer's own rate (domain.md: "savings =
#: avoided visits x (ED cost - cost of the office visit that replaces it, at this payer's own rate)").
OFFICE_VISIT_CODE = "99214"


@dataclass(frozen=True)
class LeverageAnalysis:
    """The practice's value to each plan: ER savings, chronic-cost exposure, local context, paragraphs."""

    assumptions: pd.DataFrame
    office_visit_cost: pd.Series
    savings: pd.DataFrame
    savings_by_payer: pd.DataFrame
    sensitivity: pd.DataFrame
    exposure: pd.DataFrame
    exposure_by_payer: pd.DataFrame
    local: pd.DataFrame
    local_text: str
    shortage: dict | None
    facts: list[dict]


def office_visit_rates(analysis: ClientAnalysis, code: str = OFFICE_VISIT_CODE) -> pd.Series:
    """Each payer's own contracted rate for ``code`` (global service), NaN where it has none."""
    rates = analysis.rates
    own = rates[(rates["hcpcs"] == code) & (rates["modifier"] == "")].drop_duplicates("payer")
    series = own.set_index("payer")["rate"].reindex([p.name for p in analysis.client.payers])
    series.name = f"{code} rate"
    return series


def benchmark_facts(analysis: ClientAnalysis) -> dict[str, dict]:
    """Per payer, the rate-benchmark facts a value proposition quotes."""
    from .report import BENCHMARK_LABELS

    return {row.payer: {"pct_of_medicare": row.index, "benchmark_name": BENCHMARK_LABELS[analysis.benchmark],
                        "benchmark_index": row.benchmark_index, "dollars_to_benchmark": row.dollars_a_year}
            for row in analysis.gaps.itertuples()}


def analyse_leverage(analysis: ClientAnalysis) -> LeverageAnalysis:
    """Run the leverage model (:mod:`ratekit.leverage`) for an analysed client.

    The office visit replacing an avoided ED visit is priced at each payer's own
    :data:`OFFICE_VISIT_CODE` rate; a payer without one falls back to the
    model's documented default (and the tables say so).
    """
    client = analysis.client
    table = leverage.assumptions(client)
    office = office_visit_rates(analysis)
    savings = leverage.er_savings(client, office, assumptions=table)
    exposure = leverage.chronic_cost_exposure(client)
    local_text = leverage.local_context_text(client)
    facts = [narrative.payer_facts(client, p.name, savings=savings, exposure=exposure, local_text=local_text,
                                   benchmark=benchmark_facts(analysis).get(p.name)) for p in client.payers]
    return LeverageAnalysis(
        assumptions=table, office_visit_cost=office, savings=savings,
        savings_by_payer=leverage.er_savings_by_payer(savings),
        sensitivity=leverage.sensitivity(client, office, assumptions=table),
        exposure=exposure, exposure_by_payer=leverage.chronic_cost_exposure_by_payer(exposure),
        local=leverage.local_context(client), local_text=local_text, shortage=leverage.shortage(client),
        facts=facts)


def report_date() -> str:
    """Today's date as the report prints it (``29 November 2026``)."""
    today = dt.date.today()
    return f"{today.day} {today:%B %Y}"
