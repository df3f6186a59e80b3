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

from . import benchmark, feeschedules, medicare
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


def report_date() -> str:
    """Today's date as the report prints it (``29 November 2026``)."""
    today = dt.date.today()
    return f"{today.day} {today:%B %Y}"
