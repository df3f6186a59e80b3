"""The one registry of shipped data.

Every reference table under ``data/reference/`` and every sample client is listed
here once, with its source, release and caveats. Loaders find files through
:func:`path`, tests check that every entry exists and has a source, and the
report's "Data sources" footer is built from :func:`sources`.

Tables are rebuilt from the raw public files (``../shared/data/public``) by
``python -m ratekit.build_reference``; the compact copies are committed so a
fresh clone needs nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import config


@dataclass(frozen=True)
class Dataset:
    """One shipped table and where it came from."""

    key: str
    path: str  #: relative to data/reference (or to data/ for the sample)
    title: str
    source: str
    release: str
    url: str = ""
    caveats: str = ""
    synthetic: bool = False

    @property
    def file(self) -> Path:
        """Absolute path of the shipped file."""
        base = config.DATA_DIR if self.synthetic else config.REFERENCE_DIR
        return base / self.path

    def citation(self) -> str:
        """One line for a report's data-sources footer."""
        text = f"{self.title}: {self.source}, {self.release}"
        return text + (f" ({self.caveats})" if self.caveats else "")


_REGISTRY: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    """Add a dataset to the registry (keys are unique)."""
    if dataset.key in _REGISTRY:
        raise ValueError(f"dataset {dataset.key!r} is registered twice")
    _REGISTRY[dataset.key] = dataset
    return dataset


def get(key: str) -> Dataset:
    """The registry entry for ``key``."""
    try:
        return _REGISTRY[key]
    except KeyError:
        raise KeyError(f"no shipped dataset {key!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def path(key: str) -> Path:
    """Absolute path of the shipped file for ``key``."""
    return get(key).file


def datasets() -> list[Dataset]:
    """Every registered dataset, in registration order."""
    return list(_REGISTRY.values())


def sources(keys: list[str] | None = None) -> pd.DataFrame:
    """Source, release and caveats of the given datasets (default all), as a table."""
    rows = [get(k) for k in keys] if keys is not None else datasets()
    return pd.DataFrame(
        [{"dataset": d.title, "source": d.source, "release": d.release, "caveats": d.caveats, "url": d.url}
         for d in rows],
        columns=["dataset", "source", "release", "caveats", "url"],
    )


# --- sample clients -------------------------------------------------------------------------------

register(Dataset(
    key="sample_clients",
    path="sample/clients",
    title="Sample client practices",
    source="ratekit's seeded synthetic generator (ratekit sample)",
    release="seed 2025",
    caveats="synthetic: invented practices, payers, rates and counts; not real data",
    synthetic=True,
))

# --- market benchmarks (used by the sample generator and as context) ---------------------------

register(Dataset(
    key="medicaid_fee_index",
    path="market/medicaid_fee_index_2024.csv",
    title="Medicaid-to-Medicare physician fee index by state",
    source="Urban Institute 2024 Medicaid physician fee survey, via KFF State Health Facts (May 2025)",
    release="2024",
    url="https://www.kff.org/medicaid/state-indicator/medicaid-to-medicare-fee-index/",
    caveats="secondary transcription of KFF's table; fee-for-service Medicaid, not managed-care contracts; "
            "some states NA",
))
register(Dataset(
    key="commercial_by_specialty",
    path="market/commercial_to_medicare_by_specialty.csv",
    title="Commercial-to-Medicare payment ratio by specialty",
    source="FAIR Health claims analysed by the Urban Institute (Oct 2021), via secondary summaries",
    release="claims Mar 2019-Feb 2020",
    caveats="expenditure-weighted top-20 codes per specialty; national averages; pediatrics not reported",
))

# --- Medicare Physician Fee Schedule (CMS) --------------------------------------------------------
# (entries for the PFS releases, GPCIs, localities, ZIP5 and OPPS cap go here)

# --- leverage: costs, prevalence, shortage, ED algorithm ------------------------------------------
# (entries for the chronic-cost, CPI, ED-cost, PLACES, HPSA, NYU ED and ICD-10 tables go here)
