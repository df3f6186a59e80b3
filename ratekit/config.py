"""One place for paths.

Every path ratekit reads or writes is resolved here from the package location,
never from the current working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Repository root (ratekit is installed editable, so the package sits in it).
PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent
DATA_DIR: Path = PROJECT_ROOT / "data"
#: Committed synthetic sample: ``data/sample/clients/<client_id>/``.
SAMPLE_DIR: Path = DATA_DIR / "sample"
SAMPLE_CLIENTS_DIR: Path = SAMPLE_DIR / "clients"
#: Compact public reference tables shipped with the kit (see ratekit.reference), rebuilt by ``python -m ratekit.build``.
REFERENCE_DIR: Path = DATA_DIR / "reference"
#: The leverage model's tables (ratekit.build.leverage writes them, ratekit.leverage reads them).
LEVERAGE_REFERENCE_DIR: Path = REFERENCE_DIR / "leverage"
#: Market benchmarks: Medicaid fee index, commercial-to-Medicare ratios (ratekit.build.market).
MARKET_REFERENCE_DIR: Path = REFERENCE_DIR / "market"
NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
TEMPLATES_DIR: Path = PROJECT_ROOT / "templates"
#: Rendered output (git-ignored). ``RATEKIT_REPORTS_DIR`` overrides it.
REPORTS_DIR: Path = Path(os.environ.get("RATEKIT_REPORTS_DIR", PROJECT_ROOT / "reports")).resolve()


def _find_public_data() -> Path:
    """``shared/data/public`` beside the project or beside any folder above it (worktrees nest deeper)."""
    for folder in PROJECT_ROOT.parents:
        candidate = folder / "shared" / "data" / "public"
        if candidate.is_dir():
            return candidate
    return PROJECT_ROOT.parent / "shared" / "data" / "public"


#: Raw public files the reference tables are built from (only needed to rebuild them).
PUBLIC_DATA_DIR: Path = Path(os.environ.get("RATEKIT_PUBLIC_DATA") or _find_public_data())
#: Raw CMS Physician Fee Schedule folders (``<release>/PPRRVU*.csv`` ...) the PFS build step reads.
PUBLIC_PFS_DIR: Path = PUBLIC_DATA_DIR / "pfs"
#: The compact Medicare PFS tables shipped with the kit (written by ``ratekit.build.pfs``).
PFS_REFERENCE_DIR: Path = REFERENCE_DIR / "pfs"
#: Default folder of extra Medicare PFS releases dropped in by a user: ``<dir>/<release>/PPRRVU*.csv`` ...
USER_PFS_DIR: Path = DATA_DIR / "pfs"


def user_pfs_dir() -> Path:
    """The user's PFS drop folder: ``$RATEKIT_PFS_DIR`` when set, else :data:`USER_PFS_DIR`.

    Read at each call, not at import, so setting the variable in a running kernel and then calling
    ``ratekit.medicare.clear_cache()`` takes effect.
    """
    value = os.environ.get("RATEKIT_PFS_DIR", "").strip()
    return Path(value) if value else USER_PFS_DIR

CLIENT_REPORT_NOTEBOOK: Path = NOTEBOOKS_DIR / "client_report.ipynb"
#: The Jinja2 template of the per-payer value proposition (ratekit.narrative).
VALUE_PROPOSITION_TEMPLATE: Path = TEMPLATES_DIR / "value_proposition.md.j2"
