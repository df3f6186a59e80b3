"""The one registry of shipped data.

Every reference table under ``data/reference/`` and every sample client is listed
here once, with its source, release and caveats. Loaders find files through
:func:`path`, tests check that every entry exists and has a source, and the
report's "Data sources" footer is built from :func:`sources`.

Tables are rebuilt from the raw public files (``config.PUBLIC_DATA_DIR``, set by
``RATEKIT_PUBLIC_DATA``) by the steps of :mod:`ratekit.build` (``python -m ratekit.build``,
or ``make reference``); the compact copies are committed so a fresh clone needs nothing else.
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

# --- market benchmarks (used by the sample generator and as context; built by ``python -m ratekit.build market``) --

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
# Compact form of CMS's raw files, rebuilt by `python -m ratekit.build.pfs` (see docs/medicare.md). How each
# year's GPCIs were obtained (CMS file, derived from CMS's amounts, third party) is in each pfs_gpci_<year> source.
# RVUs, GPCIs and amounts are integer-scaled exact copies of CMS's decimal text; no CPT descriptors.

_PFS_RVF_URL = "https://www.cms.gov/medicare/payment/fee-schedules/physician/pfs-relative-value-files"
_PFS_RELEASES = {
    # name: (CMS release, PPRRVU file, caveats)
    "2023A": ("RVU23A, released 01/30/2023, CF 33.8872", "PPRRVU23_JAN.csv",
              "priced with third-party derived 2023 GPCIs (no CMS 2023 GPCI file here)"),
    "2024C": ("RVU24C, released 05/03/2024, CF 33.2875 (from 2024-03-09)", "PPRRVU24_JUL.csv",
              "priced with third-party derived 2024 GPCIs (no CMS 2024 GPCI file here)"),
    "2025A": ("RVU25A, released 12/23/2024, CF 32.3465", "PPRRVU25_JAN.csv",
              "CMS file re-saved by a spreadsheet once (trailing zeros dropped, e.g. 1.3 for 1.30; "
              "locality 0 for 00); read exactly; no OPPSCAP file, OPPS cap computed from its OPPS RVU columns"),
    "2025D": ("RVU25D, released 09/11/2025, CF 32.3465", "PPRRVU2025_Oct.csv", ""),
    "2026C": ("RVU26C, released 06/30/2026, non-qualifying-APM CF 33.4009", "PPRRVU2026_Jul_nonQPP.csv",
              "priced with 2026 GPCIs derived from CMS's published 2026 payment amounts (PFREV26B), no CMS 2026 "
              "GPCI file here; no OPPSCAP file, OPPS cap computed from its OPPS RVU columns"),
}
for _name, (_release, _file, _caveats) in _PFS_RELEASES.items():
    register(Dataset(
        key=f"pfs_rvu_{_name}",
        path=f"pfs/{_name}/rvu.csv.gz",
        title=f"Medicare PFS national RVUs {_name}",
        source=f"CMS Physician Fee Schedule Relative Value File ({_file}); release facts in "
               f"pfs/{_name}/release.json",
        release=_release,
        url=_PFS_RVF_URL,
        caveats="; ".join(c for c in (_caveats, "CPT descriptors omitted (AMA copyright)") if c),
    ))
register(Dataset(
    key="pfs_oppscap_2025D",
    path="pfs/2025D/oppscap.csv.gz",
    title="Medicare PFS OPPS imaging cap amounts 2025D",
    source="CMS Physician Fee Schedule Relative Value File RVU25D (OPPSCAP_Oct.csv)",
    release="RVU25D, released 09/11/2025",
    url=_PFS_RVF_URL,
    caveats="lists only code/locality pairs where the cap binds; also lists some California localities "
            "under MAC 01112 that the GPCI file prices under 01182 (same amounts; ignored)",
))
register(Dataset(
    key="pfs_gpci_2025",
    path="pfs/gpci_2025.csv.gz",
    title="Medicare GPCIs 2025 (109 localities)",
    source="CMS's GPCI file: CY 2025 PFS final rule Addendum E (GPCI2025.csv in RVU25A and RVU25D; identical)",
    release="CY 2025 (MAC assignments as of November 22, 2023)",
    url=_PFS_RVF_URL,
    caveats="",
))
register(Dataset(
    key="pfs_gpci_2026",
    path="pfs/gpci_2026.csv.gz",
    title="Medicare GPCIs 2026 (109 localities), derived from CMS's payment amounts",
    source="derived from CMS's own published 2026 payment amounts (PFREV26B.txt, the April 2026 payment-amount "
           "revision file: 37 codes x 109 localities) with the RVU26C RVUs and CF 33.4009 "
           "(ratekit.medicare.derive_gpcis); locality names and states from GPCI2025.csv",
    release="CY 2026",
    url="https://www.cms.gov/medicare/payment/fee-schedules/physician",
    caveats="not a CMS GPCI file: each locality's 3-decimal triple is the only one that reproduces all of its "
            "published amounts to the cent (every one of the 8,066); a CMS CY 2026 Addendum E, if supplied, is "
            "used instead",
))
for _year, _n in ((2024, 109), (2023, 112)):
    register(Dataset(
        key=f"pfs_gpci_{_year}",
        path=f"pfs/gpci_{_year}.csv.gz",
        title=f"Medicare GPCIs {_year} ({_n} localities), derived",
        source=f"converted by a third party from a processed JSON copy "
               f"(gpci_{_year}_from_Psuncode_processed_json.csv), not a raw CMS file",
        release=f"CY {_year}",
        caveats="derived by a third party, unverified against CMS: the same source's 2025 values equal CMS's exactly"
                + ("; its 2024 values equal 2025's (plausible, unverified)" if _year == 2024 else ""),
    ))
register(Dataset(
    key="pfs_locco_2025",
    path="pfs/locco_2025.csv.gz",
    title="Medicare localities and their counties 2025",
    source="CMS 25LOCCO.csv (RVU25A/RVU25D)",
    release="CY 2025",
    url=_PFS_RVF_URL,
    caveats="county text as CMS writes it (including its typos); a locality served by two MACs is listed once",
))
register(Dataset(
    key="pfs_zip5",
    path="pfs/zip5.csv.gz",
    title="ZIP code to Medicare carrier and locality",
    source="CMS ZIP5 carrier-locality file (ZIP5_OCT2025.txt, fixed width)",
    release="2025 Q4",
    url="https://www.cms.gov/medicare/payment/fee-schedules",
    caveats="2025 Q4 assignments, also used for other years' releases; ZIPs whose ZIP+4s span localities "
            "(plus-four flag 1) map to CMS's default locality for the ZIP",
))
del _name, _release, _file, _caveats, _year, _n

# --- leverage: costs, prevalence, shortage, ED algorithm ------------------------------------------
# Built by ``python -m ratekit.build leverage`` from the raw public files; used by ratekit.leverage.

register(Dataset(
    key="leverage_chronic_costs",
    path="leverage/chronic_costs.csv",
    title="Per-patient annual cost of chronic conditions",
    source="Published cost-of-illness studies: ADA (Parker 2024), Kirkland 2018 (JAHA), Zhang 2017 (Am J Prev Med; "
           "Med Care), Nurmagambetov 2018 (Ann Am Thorac Soc), COPD MEPS 2017-18 (Appl Health Econ Health Policy "
           "2023), Ward 2021 and Cawley 2021 (obesity), Bhatnagar 2022 and Urbich 2020 (heart failure)",
    release="dollar years 2012-2022 as published (column dollar_year); normalised at use with CPI-U medical care",
    url="https://diabetesjournals.org/care/article/47/1/26/153797/Economic-Costs-of-Diabetes-in-the-U-S-in-2022",
    caveats="methods differ (attributable, incremental, condition-specific, total): role=base rows are the "
            "attributable/incremental ones the model uses; most figures read in abstracts only; hypertension's "
            "2016 dollar year from a secondary summary; no per-patient figure for CKD, ischemic heart disease, "
            "atrial fibrillation, depression or stroke",
))

register(Dataset(
    key="leverage_visit_costs",
    path="leverage/visit_costs.csv",
    title="Cost of an emergency-department visit and of the office visit that replaces it",
    source="AHRQ HCUP Statistical Brief #268 (2017 ED costs); Peterson-KFF Health System Tracker (2019 paid); "
           "Mehrotra et al., Ann Intern Med 2009 (episode costs); UnitedHealth Group 2019; CMS PFS 2025 national",
    release="dollar years 2006-2025 as published (column dollar_year)",
    url="https://hcup-us.ahrq.gov/reports/statbriefs/sb268-ED-Costs-2017.jsp",
    caveats="HCUP is hospital cost, not payment; KFF covers all acuity levels in large-employer plans and its "
            "$2,453 was seen only in a secondary summary; Mehrotra's 2006 dollar year is assumed from its "
            "2005-2006 claims; UnitedHealth figures are an industry report",
))

register(Dataset(
    key="leverage_cpi_medical",
    path="leverage/cpi_medical_care.csv",
    title="CPI-U Medical care (CUUR0000SAM), annual averages",
    source="U.S. Bureau of Labor Statistics, via FRED series CPIMEDNS (monthly, not seasonally adjusted)",
    release="2000-2025",
    url="https://fred.stlouisfed.org/series/CPIMEDNS",
    caveats="2000-2022 computed from FRED monthly values and cross-checked for about 12 years; 2023 and 2024 "
            "from secondary copies only; 2025 preliminary and conflicting (column status)",
))

register(Dataset(
    key="leverage_places_county",
    path="leverage/places_county.csv.gz",
    title="County prevalence of chronic conditions among adults (CDC PLACES)",
    source="CDC PLACES: Local Data for Better Health, county data",
    release="2022 release (mostly BRFSS 2020 model-based estimates)",
    url="https://www.cdc.gov/places/",
    caveats="model-based small-area estimates, not counts; measures kept: DIABETES, BPHIGH, HIGHCHOL, OBESITY, "
            "CHD, COPD, CASTHMA, KIDNEY, DEPRESSION, STROKE (crude and age-adjusted %); BPHIGH and HIGHCHOL "
            "missing for 23 counties; no heart-failure or atrial-fibrillation measure",
))

register(Dataset(
    key="leverage_places_national",
    path="leverage/places_national.csv",
    title="National prevalence of chronic conditions among adults (from CDC PLACES counties)",
    source="Computed by ratekit from CDC PLACES 2022 county estimates",
    release="2022 release",
    url="https://www.cdc.gov/places/",
    caveats="population-weighted mean of county prevalences, weights = PLACES TotalPopulation (all ages, while "
            "prevalence is among adults), counties without the measure left out; close to, not identical "
            "with, CDC's published national estimates",
))

register(Dataset(
    key="leverage_hpsa_county",
    path="leverage/hpsa_county.csv",
    title="Primary-care shortage (HPSA) score by county",
    source="Urban Institute county build of HRSA Health Professional Shortage Area designations",
    release="HRSA HPSA file of September 2020",
    url="https://data.hrsa.gov/topics/health-workforce/shortage-areas",
    caveats="derived: population-weighted primary-care HPSA score per county (HRSA scores run 0-25, higher = "
            "greater shortage); 0 = no designated geographic HPSA (1,100 of 3,142 counties above 0); 2020 vintage",
))

register(Dataset(
    key="leverage_nyu_ed",
    path="leverage/nyu_ed_algorithm.csv.gz",
    title="NYU emergency-department algorithm, ICD-10 version: probabilities per diagnosis",
    source="NYU ED algorithm (Billings); ICD-10 version by Johnston et al., redistributed by the Tuva project "
           "(Apache-2.0)",
    release="ICD-10 version as distributed by Tuva (47,132 codes)",
    url="https://wagner.nyu.edu/faculty/billings/nyued-background",
    caveats="only the four probability columns kept (noner, epct, edcnpa, edcnnpa), rounded to 4 decimals; "
            "injury/psych/alcohol/drug flags dropped; probabilities describe ED visits whose principal diagnosis "
            "is the code, not patients",
))

register(Dataset(
    key="leverage_condition_icd10",
    path="leverage/condition_icd10.csv",
    title="ICD-10-CM codes defining each chronic condition",
    source="CMS Chronic Conditions Warehouse condition algorithms, redistributed by the Tuva project (Apache-2.0)",
    release="CCW code lists as distributed by Tuva (vintage not stated)",
    url="https://www2.ccwdata.org/web/guest/condition-categories-chronic",
    caveats="include codes only: CCW's claim-count rules and the stroke/TIA exclusion codes need claims, which "
            "ratekit never has; a code can define more than one condition (e.g. I11.0 hypertension and heart "
            "failure)",
))
