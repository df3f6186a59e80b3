"""Medicare Physician Fee Schedule amounts, exactly as CMS computes them, by code, modifier and locality.

The package, one concern per module:

* :mod:`~ratekit.medicare.cmsfiles` reads CMS's raw release files (PPRRVU, GPCI, LOCCO, ZIP5, OPPSCAP);
* :mod:`~ratekit.medicare.release` knows which releases exist and loads one (RVUs, GPCIs, OPPS cap),
  recording how its GPCIs were obtained;
* :mod:`~ratekit.medicare.engine` prices them: CMS's formula in exact integers, half-up to cents;
* :mod:`~ratekit.medicare.localities` finds a practice's locality by ZIP code or id;
* :mod:`~ratekit.medicare.table` is the table (and CSV) ``ratekit medicare`` prints;
* :mod:`~ratekit.medicare.indicators` gives the payment-policy indicators claim-time rules need;
* :mod:`~ratekit.medicare.payments` reads CMS's published payment amounts (PFALL / PFREV, OPPSCAP);
* :mod:`~ratekit.medicare.gpci` recovers a year's GPCIs from those amounts;
* :mod:`~ratekit.medicare.reconciliation` checks the engine against them (``ratekit medicare reconcile``).

The compact tables it reads are rebuilt by :mod:`ratekit.build.pfs`. Methods, sources and caveats:
``docs/medicare.md``.
"""

from __future__ import annotations

from .cmsfiles import PAID_STATUSES, release_year
from .engine import COLUMNS, NA_MODES, price
from .gpci import derive_gpcis
from .indicators import INDICATOR_COLUMNS, payment_indicators
from .localities import Locality, _zip_table, locate
from .payments import read_payments
from .reconciliation import Reconciliation, reconcile
from .release import _load_cached  # noqa: F401  (tests/test_kernels.py inspects this cache)
from .release import GPCI_METHODS, Release, clear_release_cache, load_release, newest_release, releases
from .table import medicare_table, write_csv

__all__ = [
    "COLUMNS", "GPCI_METHODS", "INDICATOR_COLUMNS", "NA_MODES", "PAID_STATUSES", "Locality", "Reconciliation",
    "Release", "clear_cache", "derive_gpcis", "load_release", "locate", "medicare_table", "newest_release",
    "payment_indicators", "preload", "price", "read_payments", "reconcile", "release_year", "releases", "write_csv",
]


def preload() -> None:
    """Load every release and the ZIP table into this process's caches.

    The render fork server calls this once, before it forks a kernel per client: each kernel then
    starts with the public tables loaded (its own copy-on-write copy) instead of reading them again
    (~0.1 s a report).
    """
    for name in releases():
        load_release(name)
    _zip_table()


def clear_cache() -> None:
    """Forget loaded releases and tables (after adding or changing a user folder, or ``$RATEKIT_PFS_DIR``)."""
    clear_release_cache()
    _zip_table.cache_clear()
