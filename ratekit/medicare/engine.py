"""The Medicare PFS pricing engine: CMS's payment formula, exact to the cent, over codes x localities.

Payment formula (CMS, RVU25D.pdf "The formula for 2025 physician fee schedule payment amount")::

    amount = round_half_up(((work RVU x work GPCI) + (PE RVU x PE GPCI) + (MP RVU x MP GPCI)) x CF, cents)

with the non-facility or the facility PE RVU. RVUs have 2 decimals, GPCIs 3 and the conversion factor
4, so the engine works in integers (RVU x100, GPCI x1000, CF x10000: the product is the amount x10^9)
and rounds half-up to cents in integer arithmetic: exact, with none of float's trouble at .xx5.
Amounts are returned as float64 dollars holding exact cents (``cents / 100``).

Rules applied (RVU25D.pdf, Attachment A):

* Only status A, R and T codes are paid under the PFS; others keep their status and get no amount.
  A status R code without any RVUs is contractor priced ("If covered, the service is contractor
  priced"): no amount rather than $0.00.
* NA indicators. A setting CMS marks "NA" has no PE RVU of its own; CMS's payment files (PFALL,
  PFREV, OPPSCAP) print the applicable setting's amount in both columns, and so does the engine by
  default, with a column (``nonfacility_na`` / ``facility_na``) saying the amount rests on it.
* OPPS imaging cap (Deficit Reduction Act 2005, section 5102(b)): where the release's OPPSCAP file
  lists a paid code at a locality, the lower of the PFS amount and the file's capped amount applies;
  a release without its own OPPSCAP file is capped by CMS's OPPS formula from its own PPRRVU "PE/MP
  used for OPPS payment amount" columns, which reproduces 2025D's OPPSCAP file exactly.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import Problem, RatekitError
from .release import Release, load_release

#: Columns of :func:`price` and :func:`ratekit.medicare.medicare_table` (and of the CLI's CSV), in order.
COLUMNS: tuple[str, ...] = (
    "release", "mac", "locality", "hcpcs", "modifier", "status", "nonfacility_amount", "facility_amount",
    "nonfacility_na", "facility_na",
)
#: How :func:`price` fills a setting CMS marks NA (see its ``na`` parameter).
NA_MODES: tuple[str, ...] = ("applicable", "blank", "rvus")

_LOCALITY_ID = re.compile(r"^(\d{1,5})-(\d{1,2})$")
_CODE = re.compile(r"^[A-Z0-9]{5}$")
_HALF_CENT = 5 * 10**6   #: half a cent at the 10^9 scale of RVU x GPCI x CF
_CENT = 10**7            #: one cent at that scale


def norm_codes(codes) -> list[str]:
    """HCPCS codes upper case, de-duplicated in order; an error naming any that is not 5 letters/digits."""
    if isinstance(codes, str):
        codes = codes.replace(",", " ").split()
    out, bad = [], []
    for c in codes:
        s = str(c).strip().upper()
        (out if _CODE.match(s) else bad).append(s)
    if bad:
        raise RatekitError(Problem("medicare", "a HCPCS code is 5 letters or digits (CPT 99214, HCPCS G0438)",
                                   value=", ".join(bad), fix="correct or remove the code"))
    return list(dict.fromkeys(out))


def norm_locality(text: str) -> str:
    """``"1112-5"`` -> ``"01112-05"``; an error for text that is not MAC-LL."""
    m = _LOCALITY_ID.match(str(text).strip())
    if not m:
        raise RatekitError(Problem("medicare", "a locality is written MAC-LL, e.g. 01112-05", value=text,
                                   fix="use the MAC number and locality number joined by '-'"))
    return f"{int(m.group(1)):05d}-{int(m.group(2)):02d}"


def _locality_positions(rel: Release, localities) -> np.ndarray:
    pos = rel._exact["loc_pos"]
    if localities is None:
        return np.arange(len(pos))
    if isinstance(localities, str):
        localities = [localities]
    ids = [norm_locality(x) for x in localities]
    missing = [i for i in ids if i not in pos]
    if missing:
        raise RatekitError(Problem("medicare", f"no such Medicare locality in {rel.name}", value=", ".join(missing),
                                   fix="look the locality up by ZIP (ratekit medicare --zip), or see "
                                       "ratekit.medicare.load_release(...).gpci for the list"))
    return np.array([pos[i] for i in dict.fromkeys(ids)], dtype=np.int64)


def _code_rows(rel: Release, codes) -> np.ndarray:
    if codes is None:
        return np.arange(len(rel._exact["hcpcs"]))
    wanted = norm_codes(codes)
    idx = [rel._exact["code_rows"][c] for c in wanted if c in rel._exact["code_rows"]]
    return np.sort(np.concatenate(idx)) if idx else np.zeros(0, dtype=np.int64)


def exact_cents(w, pe, mp, gw, gpe, gmp, cf) -> np.ndarray:
    """Exact payment amounts in cents, one row per GPCI triple, one column per RVU triple.

    CMS's formula (RVU25D.pdf): amount = [(work RVU x work GPCI) + (PE RVU x PE GPCI) + (MP RVU x
    MP GPCI)] x CF, rounded half-up to cents. With RVUs x100 (``w, pe, mp``), GPCIs x1000 (``gw,
    gpe, gmp``) and CF x10000 (``cf``) as int64, the product is the amount x10^9 exactly; adding half
    a cent (5 x 10^6) and floor-dividing by one cent (10^7) rounds half-up (amounts are never negative).
    """
    total = np.asarray(gw, dtype=np.int64)[:, None] * np.asarray(w, dtype=np.int64)[None, :]
    total += np.asarray(gpe, dtype=np.int64)[:, None] * np.asarray(pe, dtype=np.int64)[None, :]
    total += np.asarray(gmp, dtype=np.int64)[:, None] * np.asarray(mp, dtype=np.int64)[None, :]
    total *= cf
    total += _HALF_CENT
    total //= _CENT
    return total


def applicable_pe(pe_nf: np.ndarray, pe_f: np.ndarray, na_nf: np.ndarray, na_f: np.ndarray,
                  setting: str) -> np.ndarray:
    """The PE RVU behind each code's amount in ``setting`` as CMS's payment files print it.

    A setting marked NA (and the other not) takes the other setting's PE RVU: CMS prints the
    applicable setting's amount in both columns. Used where no OPPS cap is involved (GPCI derivation).
    """
    if setting == "nonfacility":
        return np.where(na_nf & ~na_f, pe_f, pe_nf)
    return np.where(na_f & ~na_nf, pe_nf, pe_f)


def cents_matrix(rel: Release, rows: np.ndarray, locs: np.ndarray, *, na: str = "applicable"
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Non-facility and facility cents (-1 where no amount), localities x code rows, every rule applied."""
    if na not in NA_MODES:
        raise ValueError(f"na must be one of {NA_MODES}")
    e = rel._exact
    w, mp = e["w"][rows], e["mp"][rows]
    gw, gpe, gmp = e["gw"][locs], e["gpe"][locs], e["gmp"][locs]
    nf = exact_cents(w, e["pe_nf"][rows], mp, gw, gpe, gmp, e["cf"])
    f = exact_cents(w, e["pe_f"][rows], mp, gw, gpe, gmp, e["cf"])
    cap = e["cap"]
    if cap is not None:
        _apply_listed_cap(nf, f, rows, locs, cap, n_rows=len(e["w"]), n_locs=len(e["gw"]))
    else:
        _apply_computed_cap(nf, f, rows, locs, e)
    paid = e["paid"][rows]
    na_nf, na_f = e["na_nf"][rows], e["na_f"][rows]
    nf[:, ~paid | e["unpriced_nf"][rows]] = -1
    f[:, ~paid | e["unpriced_f"][rows]] = -1
    if na == "blank":
        nf[:, na_nf] = -1
        f[:, na_f] = -1
    elif na == "applicable":
        both = na_nf & na_f
        only_nf, only_f = na_nf & ~na_f, na_f & ~na_nf
        nf[:, only_nf] = f[:, only_nf]
        f[:, only_f] = nf[:, only_f]
        nf[:, both] = -1
        f[:, both] = -1
    return nf, f


def _apply_listed_cap(nf, f, rows, locs, cap, *, n_rows: int, n_locs: int) -> None:
    """Lower amounts to the OPPSCAP file's capped amounts where it lists the code at the locality."""
    if not len(cap["row"]):
        return
    row_at = np.full(n_rows, -1, dtype=np.int64)
    row_at[rows] = np.arange(len(rows))
    loc_at = np.full(n_locs, -1, dtype=np.int64)
    loc_at[locs] = np.arange(len(locs))
    r, loc = row_at[cap["row"]], loc_at[cap["loc"]]
    ok = (r >= 0) & (loc >= 0)
    r, loc = r[ok], loc[ok]
    nf[loc, r] = np.minimum(nf[loc, r], cap["nf"][ok])
    f[loc, r] = np.minimum(f[loc, r], cap["f"][ok])


def _apply_computed_cap(nf, f, rows, locs, e) -> None:
    """Lower amounts to the OPPS payment amount computed from the release's OPPS RVU columns.

    RVU25D.pdf: OPPS Non-Facility Payment Amount = [(Work RVU x Work GPCI) + (OPPS Non-Facility PE RVU
    x PE GPCI) + (OPPS MP RVU x MP GPCI)] x CF (facility likewise), rounded half-up to cents; "the
    physician fee schedule amount is compared to the OPPS payment amount and the lower amount is used".
    Only codes with OPPS RVUs (the imaging services the cap covers) are compared.
    """
    o = e["opps"]
    sel = np.flatnonzero(np.isin(rows, o["rows"]))
    if not len(sel):
        return
    r = rows[sel]
    gw, gpe, gmp = e["gw"][locs], e["gpe"][locs], e["gmp"][locs]
    nf[:, sel] = np.minimum(nf[:, sel], exact_cents(e["w"][r], o["pe_nf"][r], o["mp"][r], gw, gpe, gmp, e["cf"]))
    f[:, sel] = np.minimum(f[:, sel], exact_cents(e["w"][r], o["pe_f"][r], o["mp"][r], gw, gpe, gmp, e["cf"]))


def _dollars(cents: np.ndarray) -> np.ndarray:
    out = cents.ravel() / 100.0
    out[cents.ravel() < 0] = np.nan
    return out


def _str_column(values: np.ndarray, times: int, how: str) -> pd.Series:
    """A str column of ``values`` repeated element-wise or tiled ``times`` times, built without copies."""
    arr = np.repeat(values, times) if how == "repeat" else np.tile(values, times)
    return pd.Series(arr, dtype="str", copy=False)


def price(release: str, *, localities: list[str] | None = None, codes: list[str] | None = None,
          na: str = "applicable", ignore_na: bool = False) -> pd.DataFrame:
    """Medicare PFS payment amounts for every code and modifier at every (or the given) locality.

    Formula (CMS, RVU25D.pdf "The formula for 2025 physician fee schedule payment amount")::

        amount = round_half_up(((work RVU x work GPCI) + (PE RVU x PE GPCI) + (MP RVU x MP GPCI)) x CF, 2)

    with the non-facility or the facility PE RVU, computed exactly in integers (RVU x100, GPCI x1000,
    CF x10000) and rounded half-up to cents. Rules:

    * only status A, R and T codes get amounts (a status R code with no RVUs is contractor priced:
      no amount);
    * a setting CMS marks "NA" gets the applicable (other) setting's amount, as CMS's payment files
      print it (``na="applicable"``), and ``nonfacility_na`` / ``facility_na`` say so;
    * OPPS imaging cap: the lower of the PFS amount and the OPPS amount applies, where the release's
      OPPSCAP file lists the code at the locality, or, for a release without that file, where the
      code has OPPS RVUs in the PPRRVU file (OPPS amount = same formula with the OPPS PE and MP RVUs).

    Parameters
    ----------
    release : str
        e.g. ``"2025D"``.
    localities : list of str, optional
        Locality ids ``"MAC-LL"`` (default: every locality of the release).
    codes : list of str, optional
        HCPCS codes; every modifier of each is returned (default: every code). A code the release
        does not list gives no rows (:func:`ratekit.medicare.medicare_table` reports it instead).
    na : {"applicable", "blank", "rvus"}
        A setting CMS marks NA: ``"applicable"`` (default) the other setting's amount, as CMS's
        payment files print it; ``"blank"`` no amount (NaN); ``"rvus"`` the amount the setting's own
        PE RVU gives (for checking arithmetic). A code NA in both settings has no amount in any mode.
    ignore_na : bool, default False
        Same as ``na="rvus"`` (kept for earlier callers).

    Returns
    -------
    DataFrame
        :data:`COLUMNS` plus ``locality_id``: one row per locality and code/modifier, localities in
        the GPCI file's order (or as given), codes sorted by HCPCS then modifier ("" global first,
        then 26, 53, TC). Amounts are float64 dollars holding exact cents, NaN where no amount
        applies; ``nonfacility_na`` / ``facility_na`` are bool, True where CMS marks that setting NA
        for the code (its amount is then the other setting's); strings are ``str`` dtype, MAC and
        locality zero-padded. ``attrs["notes"]`` carries the release's caveats (GPCIs, OPPS cap).
    """
    rel = load_release(release)
    locs = _locality_positions(rel, localities)
    rows = _code_rows(rel, codes)
    nf, f = cents_matrix(rel, rows, locs, na="rvus" if ignore_na else na)
    e = rel._exact
    m, n = len(locs), len(rows)
    loc_ids = np.array([f"{a}-{b}" for a, b in zip(e["loc_mac"][locs], e["loc_locality"][locs], strict=True)],
                       dtype=object)
    out = pd.DataFrame({
        "release": _str_column(np.array([rel.name], dtype=object), m * n, "repeat"),
        "mac": _str_column(e["loc_mac"][locs], n, "repeat"),
        "locality": _str_column(e["loc_locality"][locs], n, "repeat"),
        "hcpcs": _str_column(e["hcpcs"][rows], m, "tile"),
        "modifier": _str_column(e["modifier"][rows], m, "tile"),
        "status": _str_column(e["status"][rows], m, "tile"),
        "nonfacility_amount": _dollars(nf),
        "facility_amount": _dollars(f),
        "nonfacility_na": np.tile(e["na_nf"][rows], m),
        "facility_na": np.tile(e["na_f"][rows], m),
        "locality_id": _str_column(loc_ids, n, "repeat"),
    }, copy=False)
    out.attrs["notes"] = list(rel.notes)
    return out
