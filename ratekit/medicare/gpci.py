"""GPCIs recovered from CMS's own published payment amounts, where CMS's GPCI file is not to be had.

Each published amount of a locality is one equation of CMS's formula (RVU25D.pdf)::

    cents = round_half_up((work RVU x work GPCI + PE RVU x PE GPCI + MP RVU x MP GPCI) x CF x 100)

with the release's RVUs and conversion factor known and the three GPCIs (3 decimals each) unknown.
Given enough codes with different work/PE/MP mixes, one triple of 3-decimal GPCIs reproduces every
amount to the cent. :func:`derive_gpcis` finds it exactly:

1. least squares on the unrounded equations gives a real triple ``x0``;
2. every feasible triple ``x`` satisfies ``|A x - b| <= h`` row by row (``h`` = half a cent in the
   units of ``A x``), so ``||x - x0|| <= 2 h sqrt(n) / sigma_min(A)``: every 3-decimal triple within
   that radius of ``x0`` is checked against every amount in exact integer arithmetic;
3. a locality is ``exact`` when one triple reproduces all its amounts, ``ambiguous`` when several
   do, ``none`` when none does, ``underdetermined`` when its codes cannot separate the three GPCIs.
"""

from __future__ import annotations

import math
import numpy as np
import pandas as pd

from .cmsfiles import PAID_STATUSES, RvuFile, scaled
from .engine import applicable_pe, exact_cents
from .release import load_release

#: Columns of :func:`derive_gpcis`.
DERIVED_COLUMNS: tuple[str, ...] = (
    "mac", "locality", "work_gpci", "pe_gpci", "mp_gpci", "amounts", "equations", "candidates", "status",
)
_MAX_RADIUS = 60  #: a search box wider than this means the codes barely separate the GPCIs


def _equations(payments: pd.DataFrame, rvus: pd.DataFrame) -> pd.DataFrame:
    """One row per published amount usable as an equation: locality, RVUs (x100) and cents.

    Left out: codes the RVU table lacks or does not pay, contractor-priced rows, codes NA in both
    settings, and rows CMS marks subject to the OPPS cap (their amount may be the OPPS amount).
    """
    r = rvus.assign(_row=np.arange(len(rvus)))
    m = payments.merge(r, on=["hcpcs", "modifier"], how="inner", suffixes=("", "_rvu"))
    na_nf, na_f = m["na_nf"].to_numpy(dtype=bool), m["na_f"].to_numpy(dtype=bool)
    w, mp = m["work_rvu"].to_numpy(dtype=np.int64), m["mp_rvu"].to_numpy(dtype=np.int64)
    pe_nf, pe_f = m["pe_nf_rvu"].to_numpy(dtype=np.int64), m["pe_f_rvu"].to_numpy(dtype=np.int64)
    usable = (m["status_rvu"].isin(PAID_STATUSES).to_numpy() & ~(na_nf & na_f)
              & (m["opps_indicator"].astype(str).str.strip() != "1").to_numpy())
    parts = []
    for setting, cents in (("nonfacility", "nonfacility_cents"), ("facility", "facility_cents")):
        pe = applicable_pe(pe_nf, pe_f, na_nf, na_f, setting)
        ok = usable & (w + pe + mp > 0)
        parts.append(pd.DataFrame({"mac": m["mac"][ok], "locality": m["locality"][ok], "w": w[ok], "pe": pe[ok],
                                   "mp": mp[ok], "cents": m[cents].to_numpy(dtype=np.int64)[ok]}))
    return pd.concat(parts, ignore_index=True)


def _rvus_and_cf(release: str | RvuFile) -> tuple[pd.DataFrame, int]:
    """The integer RVU table (RVUs x100, NA as bool) and CF x10000 of a release name or a PPRRVU file."""
    if isinstance(release, RvuFile):
        return release.rvus, scaled(release.conversion_factor, 4)
    e = load_release(release)._exact
    rvus = pd.DataFrame({"hcpcs": e["hcpcs"], "modifier": e["modifier"], "status": e["status"], "work_rvu": e["w"],
                         "pe_nf_rvu": e["pe_nf"], "pe_f_rvu": e["pe_f"], "mp_rvu": e["mp"], "na_nf": e["na_nf"],
                         "na_f": e["na_f"]})
    return rvus, e["cf"]


def derive_gpcis(payments: pd.DataFrame, release: str | RvuFile) -> pd.DataFrame:
    """Each locality's 3-decimal (work, PE, MP) GPCIs from CMS's published payment amounts.

    Parameters
    ----------
    payments : DataFrame
        CMS's amounts with :data:`ratekit.medicare.payments.PAYMENT_COLUMNS` (e.g.
        :func:`ratekit.medicare.read_payments` of ``PFREV26B.txt``).
    release : str or RvuFile
        The release whose RVUs and conversion factor priced those amounts: a release name (e.g.
        ``"2026C"``), or a PPRRVU file read by :func:`ratekit.medicare.cmsfiles.read_pprrvu` (what the
        build step passes, before any release is shipped).

    Returns
    -------
    DataFrame
        :data:`DERIVED_COLUMNS`, one row per locality in the order the payments list them: the GPCIs
        x1000 as int (-1 unless ``status`` is ``"exact"``), ``amounts`` the published amounts used,
        ``equations`` the distinct ones, ``candidates`` the number of triples reproducing them all,
        ``status`` ``exact`` / ``ambiguous`` / ``none`` / ``underdetermined``.
    """
    rvus, cf = _rvus_and_cf(release)
    eq = _equations(payments, rvus)
    half = 0.5e7 / cf  # half a cent in units of RVU x100 x GPCI x1000
    out = []
    order = payments[["mac", "locality"]].drop_duplicates()
    groups = {k: g for k, g in eq.groupby(["mac", "locality"], sort=False)}
    for mac, loc in order.itertuples(index=False):
        g = groups.get((mac, loc))
        n_amounts = 0 if g is None else len(g)
        if g is None or g.empty:
            out.append((mac, loc, -1, -1, -1, 0, 0, 0, "underdetermined"))
            continue
        u = g.drop_duplicates(["w", "pe", "mp", "cents"])
        a = u[["w", "pe", "mp"]].to_numpy(dtype=np.int64)
        c = u["cents"].to_numpy(dtype=np.int64)
        sigma = np.linalg.svd(a.astype(float), compute_uv=False)
        radius = 2 * half * math.sqrt(len(u)) / sigma[-1] if len(sigma) == 3 and sigma[-1] > 0 else math.inf
        if radius > _MAX_RADIUS:
            out.append((mac, loc, -1, -1, -1, n_amounts, len(u), 0, "underdetermined"))
            continue
        x0, *_ = np.linalg.lstsq(a.astype(float), c * 1e7 / cf, rcond=None)
        axes = [np.arange(math.ceil(v - radius), math.floor(v + radius) + 1) for v in x0]
        grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
        got = exact_cents(a[:, 0], a[:, 1], a[:, 2], grid[:, 0], grid[:, 1], grid[:, 2], cf)
        hits = grid[(got == c[None, :]).all(axis=1)]
        if len(hits) == 1:
            out.append((mac, loc, *map(int, hits[0]), n_amounts, len(u), 1, "exact"))
        else:
            out.append((mac, loc, -1, -1, -1, n_amounts, len(u), len(hits), "none" if not len(hits) else "ambiguous"))
    return pd.DataFrame(out, columns=list(DERIVED_COLUMNS))
