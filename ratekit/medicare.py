"""Medicare Physician Fee Schedule amounts, exactly as CMS computes them, by code, modifier and locality.

The engine reads the compact form of CMS's files shipped under ``data/reference/pfs`` (built by
``python -m ratekit._build_pfs``), or a release folder in CMS's raw layout that a user drops into
``config.USER_PFS_DIR/<release>/`` (picked up by its name, e.g. ``2026D``).

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
* An "NA" facility or non-facility indicator means no amount in that setting.
* OPPS imaging cap (Deficit Reduction Act 2005, section 5102(b)): where the release's OPPSCAP file
  lists a paid code at a locality, the lower of the PFS amount and the file's capped amount applies
  (the file gives a facility and a non-facility price; both are applied). A release without its
  own OPPSCAP file is capped by CMS's OPPS formula from its own PPRRVU "PE/MP used for OPPS payment
  amount" columns, which reproduces 2025D's OPPSCAP file exactly; the release's notes say so.
* A year without a GPCI file uses the newest GPCIs and says so (``Release.gpci_note``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from . import _build_pfs as _raw
from . import config
from .errors import Problem, RatekitError

#: Columns of :func:`price` and :func:`medicare_table` (and of the CLI's CSV), in order.
COLUMNS: tuple[str, ...] = (
    "release", "mac", "locality", "hcpcs", "modifier", "status", "nonfacility_amount", "facility_amount",
)
#: Status codes paid under the PFS (RVU25D.pdf: "Only RVUs associated with status codes of A, R, or T
#: are used for Medicare payment").
PAID_STATUSES: tuple[str, ...] = _raw.PAID_STATUSES

_LOCALITY_ID = re.compile(r"^(\d{1,5})-(\d{1,2})$")
_CODE = re.compile(r"^[A-Z0-9]{5}$")
_ZIP = re.compile(r"^\d{5}$")
_HALF_CENT = 5 * 10**6   #: half a cent at the 10^9 scale of RVU x GPCI x CF
_CENT = 10**7            #: one cent at that scale


# --- the release -----------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Release:
    """One PFS release, loaded and ready to price.

    Attributes
    ----------
    name : str
        e.g. ``"2025D"``.
    year : int
        Calendar year the release prices.
    released : datetime.date
        From the PPRRVU file's "RELEASED mm/dd/yyyy" row.
    conversion_factor : Decimal
        From the file's CONV FACTOR column, exact (e.g. ``Decimal("32.3465")``).
    gpci_year : int
        Year of the GPCIs used.
    gpci_note : str
        Empty when the release year's own CMS GPCIs are used; otherwise what was used instead.
    gpci_source : str
        Where the GPCIs come from (e.g. ``"2025D/GPCI2025.csv"``, ``"derived_gpci/..."``).
    rvus : DataFrame
        One row per code and modifier: ``hcpcs, modifier, status, not_used_for_payment, pctc,
        glob_days, na_nf, na_f, work_rvu, pe_nf_rvu, pe_f_rvu, mp_rvu, opps_pe_nf_rvu, opps_pe_f_rvu,
        opps_mp_rvu`` (RVUs as printed by CMS, float for display; pricing uses exact integers).
    gpci : DataFrame
        One row per locality: ``locality_id, mac, locality, state, name, counties, work_gpci,
        pe_gpci, mp_gpci`` (GPCIs float for display).
    source : str
        ``"shipped"`` or the raw folder it was read from.
    source_file : str
        CMS's PPRRVU file name.
    opps_cap_file : str
        CMS's OPPSCAP file name, or empty when the release has none.
    opps_cap : str
        How the OPPS imaging cap is applied: the OPPSCAP file's name, "computed from the PPRRVU
        file's OPPS RVU columns" (CMS's OPPS payment formula, RVU25D.pdf), or "none" (a user file
        with neither).
    notes : tuple of str
        Caveats to show wherever this release's amounts are shown.
    """

    name: str
    year: int
    released: dt.date
    conversion_factor: Decimal
    gpci_year: int
    gpci_note: str
    rvus: pd.DataFrame = field(repr=False)
    gpci: pd.DataFrame = field(repr=False)
    gpci_source: str = ""
    source: str = "shipped"
    source_file: str = ""
    opps_cap_file: str = ""
    opps_cap: str = ""
    notes: tuple[str, ...] = ()
    _exact: dict = field(default_factory=dict, repr=False)

    @property
    def localities(self) -> list[str]:
        """Locality ids ("MAC-LL") this release prices, in CMS's GPCI-file order."""
        return self.gpci["locality_id"].tolist()


def _user_dir() -> Path:
    return Path(config.USER_PFS_DIR)


def _user_release_dirs() -> dict[str, Path]:
    base = _user_dir()
    if not base.is_dir():
        return {}
    out = {}
    for p in base.iterdir():
        if p.is_dir() and _raw._RELEASE_NAME.match(p.name) and any(p.glob("[Pp][Pp][Rr][Rr][Vv][Uu]*.[cC][sS][vV]")):
            out[p.name] = p
    return out


def _shipped_names() -> list[str]:
    base = _raw.COMPACT_DIR
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / "release.json").is_file())


def releases() -> list[str]:
    """Names of every release ratekit can price: shipped ones and user-supplied folders, sorted.

    A user-supplied folder is ``config.USER_PFS_DIR/<name>/`` (``$RATEKIT_PFS_DIR``) holding CMS's
    PPRRVU CSV (and, ideally, the GPCI, LOCCO and OPPSCAP CSVs of the same release).
    """
    return sorted(set(_shipped_names()) | set(_user_release_dirs()))


def newest_release(year: int) -> str:
    """The newest release of ``year`` (e.g. ``2025`` -> ``"2025D"``)."""
    names = [n for n in releases() if _raw.release_year(n) == int(year)]
    if not names:
        years = sorted({_raw.release_year(n) for n in releases()})
        raise RatekitError(Problem("medicare", f"no PFS release for {year}",
                                   fix=f"use one of the years {', '.join(map(str, years))}, or add a release "
                                       f"folder under {_user_dir()}"))
    return max(names, key=_release_sort_key)


def _release_sort_key(name: str) -> tuple[int, str]:
    return (_raw.release_year(name), name[4:])


def _check_release(release: str) -> str:
    name = str(release).strip().upper()
    if name not in releases():
        raise RatekitError(Problem("medicare", "unknown PFS release", value=release,
                                   fix=f"use one of {', '.join(releases())}, or add CMS's files as "
                                       f"{_user_dir()}/{name}/PPRRVU*.csv"))
    return name


@functools.lru_cache(maxsize=None)
def _compact_index() -> dict:
    path = _raw.COMPACT_DIR / "index.json"
    return json.loads(path.read_text()) if path.is_file() else {"gpci": {}, "locco": []}


@functools.lru_cache(maxsize=None)
def _shipped_gpci(year: int) -> pd.DataFrame:
    return _read_gz(_raw.COMPACT_DIR / f"gpci_{year}.csv.gz", str_cols=("mac", "locality", "state", "name"))


@functools.lru_cache(maxsize=None)
def _shipped_locco(year: int) -> pd.DataFrame | None:
    path = _raw.COMPACT_DIR / f"locco_{year}.csv.gz"
    return _read_gz(path, str_cols=_raw.LOCCO_COLUMNS) if path.is_file() else None


def _read_gz(path: Path, *, str_cols) -> pd.DataFrame:
    dtypes = {c: "str" for c in str_cols}
    return pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[], compression="gzip")


def _choose_gpci(year: int, own: pd.DataFrame | None, own_file: str) -> tuple[pd.DataFrame, int, str, str]:
    """GPCIs for a release of ``year``: its own file, else the shipped ones of that year, else the newest.

    Returns (table, GPCI year, note, source); the note is empty only for CMS's own GPCIs of that year.
    """
    if own is not None:
        return own, year, "", own_file
    sources = {int(y): src for y, src in _compact_index()["gpci"].items()}
    if not sources:
        raise RatekitError(Problem(str(_raw.COMPACT_DIR), "no GPCI table shipped",
                                   fix="rebuild with python -m ratekit._build_pfs"))
    if year in sources:
        gy = year
        note = ""
        if sources[gy].startswith("derived"):
            note = (f"{year} amounts use GPCIs converted from a third party's processed copy "
                    f"({sources[gy]}), not a CMS GPCI file: their 2025 values match CMS's exactly, "
                    f"the {year} values are unverified")
    else:
        older = [y for y in sources if y <= year]
        gy = max(older) if older else min(sources)
        note = f"{year} amounts use the {gy} GPCIs: CMS has published no {year} GPCI file here"
        if sources[gy].startswith("derived"):
            note += f" (and the {gy} GPCIs are a third-party conversion, {sources[gy]})"
    return _shipped_gpci(gy), gy, note, sources[gy]


def _localities_table(gpci: pd.DataFrame, locco: pd.DataFrame | None) -> pd.DataFrame:
    """GPCI rows joined with LOCCO county text; exact GPCIs kept as int columns with suffix ``_x1000``."""
    out = pd.DataFrame({
        "locality_id": (gpci["mac"] + "-" + gpci["locality"]).to_numpy(),
        "mac": gpci["mac"].to_numpy(),
        "locality": gpci["locality"].to_numpy(),
        "state": gpci["state"].to_numpy(),
        "name": gpci["name"].to_numpy(),
    })
    if locco is not None:
        counties = locco.drop_duplicates(["mac", "locality"]).set_index(["mac", "locality"])
        key = pd.MultiIndex.from_arrays([out["mac"], out["locality"]])
        out["counties"] = counties["counties"].reindex(key).fillna("").to_numpy()
        out["area"] = counties["area"].reindex(key).fillna("").to_numpy()
    else:
        out["counties"] = ""
        out["area"] = ""
    for c in ("work_gpci", "pe_gpci", "mp_gpci"):
        out[c] = gpci[c].to_numpy(dtype=np.int64) / 1000
        out[c + "_x1000"] = gpci[c].to_numpy(dtype=np.int64)
    return out


def _make_release(*, name: str, released: dt.date, cf_text: str, rvus: pd.DataFrame, gpci_own: pd.DataFrame | None,
                  gpci_file: str, locco_own: pd.DataFrame | None, cap: pd.DataFrame | None, cap_file: str,
                  source: str, source_file: str) -> Release:
    year = _raw.release_year(name)
    gpci, gy, gnote, gsource = _choose_gpci(year, gpci_own, gpci_file)
    locco = locco_own if locco_own is not None else _shipped_locco(gy)
    locs = _localities_table(gpci, locco)
    notes = [gnote] if gnote else []
    has_opps_rvus = bool(((rvus["opps_pe_nf_rvu"] > 0) | (rvus["opps_pe_f_rvu"] > 0)).any())
    if cap is None and has_opps_rvus:
        notes.append(f"{name} has no OPPSCAP file here: the OPPS imaging cap is computed from the release's own "
                     f"OPPS RVU columns by CMS's formula (the same computation reproduces 2025D's OPPSCAP file "
                     f"exactly)")
    elif cap is None:
        notes.append(f"{name} has neither an OPPSCAP file nor OPPS RVUs: non-facility imaging amounts are NOT "
                     f"capped at the OPPS amount (add the release's OPPSCAP CSV to apply the cap)")
    rvus = rvus.sort_values(["hcpcs", "modifier"], kind="stable", ignore_index=True)
    # exact arrays for pricing
    exact = {
        "cf": _raw._scaled(cf_text, 4),
        "w": rvus["work_rvu"].to_numpy(dtype=np.int64),
        "pe_nf": rvus["pe_nf_rvu"].to_numpy(dtype=np.int64),
        "pe_f": rvus["pe_f_rvu"].to_numpy(dtype=np.int64),
        "mp": rvus["mp_rvu"].to_numpy(dtype=np.int64),
        "paid": rvus["status"].isin(PAID_STATUSES).to_numpy(),
        "na_nf": rvus["na_nf"].to_numpy(dtype=bool),
        "na_f": rvus["na_f"].to_numpy(dtype=bool),
        # status R with no RVUs at all in a setting: "contractor priced" (RVU25D.pdf), so no amount
        "unpriced_nf": ((rvus["status"] == "R") & (rvus["work_rvu"] + rvus["pe_nf_rvu"] + rvus["mp_rvu"] == 0)).to_numpy(),
        "unpriced_f": ((rvus["status"] == "R") & (rvus["work_rvu"] + rvus["pe_f_rvu"] + rvus["mp_rvu"] == 0)).to_numpy(),
        "hcpcs": rvus["hcpcs"].to_numpy(dtype=object),
        "modifier": rvus["modifier"].to_numpy(dtype=object),
        "status": rvus["status"].to_numpy(dtype=object),
        "gw": locs["work_gpci_x1000"].to_numpy(dtype=np.int64),
        "gpe": locs["pe_gpci_x1000"].to_numpy(dtype=np.int64),
        "gmp": locs["mp_gpci_x1000"].to_numpy(dtype=np.int64),
        "loc_mac": locs["mac"].to_numpy(dtype=object),
        "loc_locality": locs["locality"].to_numpy(dtype=object),
        "loc_pos": {lid: i for i, lid in enumerate(locs["locality_id"])},
    }
    exact["code_rows"] = {c: np.asarray(ix, dtype=np.int64)
                          for c, ix in rvus.groupby("hcpcs", sort=False).indices.items()}
    exact["cap"] = _cap_positions(cap, rvus, exact["loc_pos"]) if cap is not None else None
    opps = (rvus["opps_pe_nf_rvu"] > 0) | (rvus["opps_pe_f_rvu"] > 0) | (rvus["opps_mp_rvu"] > 0)
    exact["opps"] = {
        "rows": np.flatnonzero(opps.to_numpy() & exact["paid"]),
        "pe_nf": rvus["opps_pe_nf_rvu"].to_numpy(dtype=np.int64),
        "pe_f": rvus["opps_pe_f_rvu"].to_numpy(dtype=np.int64),
        "mp": rvus["opps_mp_rvu"].to_numpy(dtype=np.int64),
    }
    public_rvus = rvus.copy()
    for c in _raw.RVU_INT_COLUMNS:
        public_rvus[c] = rvus[c].to_numpy(dtype=np.int64) / 100
    public_rvus["na_nf"] = rvus["na_nf"].astype(bool)
    public_rvus["na_f"] = rvus["na_f"].astype(bool)
    return Release(
        name=name, year=year, released=released, conversion_factor=Decimal(cf_text), gpci_year=gy,
        gpci_note=gnote, gpci_source=gsource, rvus=public_rvus,
        gpci=locs.drop(columns=["work_gpci_x1000", "pe_gpci_x1000", "mp_gpci_x1000"]),
        source=source, source_file=source_file, opps_cap_file=cap_file,
        opps_cap=cap_file or ("computed from the PPRRVU file's OPPS RVU columns" if has_opps_rvus else "none"),
        notes=tuple(notes), _exact=exact,
    )


def _cap_positions(cap: pd.DataFrame, rvus: pd.DataFrame, loc_pos: dict[str, int]) -> dict[str, np.ndarray]:
    """OPPSCAP rows as (row in the RVU table, position in the locality table, capped cents per setting).

    Rows for a carrier/locality pair the GPCI file does not price (the OPPSCAP file also lists some
    California localities under a second MAC) and rows for unpaid codes are dropped.
    """
    key = pd.Series(np.arange(len(rvus)), index=pd.MultiIndex.from_arrays([rvus["hcpcs"], rvus["modifier"]]))
    rows = key.reindex(pd.MultiIndex.from_arrays([cap["hcpcs"], cap["modifier"]])).to_numpy()
    locs = (cap["mac"] + "-" + cap["locality"]).map(loc_pos).to_numpy()
    ok = ~(pd.isna(rows) | pd.isna(locs))
    rows = rows[ok].astype(np.int64)
    locs = locs[ok].astype(np.int64)
    paid = rvus["status"].isin(PAID_STATUSES).to_numpy()[rows]
    return {
        "row": rows[paid], "loc": locs[paid],
        "nf": cap["nf_cap"].to_numpy(dtype=np.int64)[ok][paid],
        "f": cap["f_cap"].to_numpy(dtype=np.int64)[ok][paid],
    }


def _load_shipped(name: str) -> Release:
    folder = _raw.COMPACT_DIR / name
    meta = json.loads((folder / "release.json").read_text())
    rvus = _read_gz(folder / "rvu.csv.gz", str_cols=("hcpcs", "modifier", "status", "not_used_for_payment",
                                                     "pctc", "glob_days"))
    cap_path = folder / "oppscap.csv.gz"
    cap = _read_gz(cap_path, str_cols=("hcpcs", "modifier", "status", "mac", "locality")) if cap_path.is_file() else None
    return _make_release(
        name=name, released=dt.date.fromisoformat(meta["released"]), cf_text=meta["conversion_factor"], rvus=rvus,
        gpci_own=None, gpci_file=meta.get("gpci_file", ""), locco_own=None, cap=cap,
        cap_file=meta.get("oppscap_file", ""), source="shipped", source_file=meta["source_file"],
    )


def _load_raw(folder: Path) -> Release:
    raw = _raw.read_raw_release(folder)
    return _make_release(
        name=raw.name, released=raw.rvu.released, cf_text=raw.rvu.conversion_factor, rvus=raw.rvu.rvus,
        gpci_own=raw.gpci, gpci_file=raw.gpci_file, locco_own=raw.locco, cap=raw.oppscap,
        cap_file=raw.oppscap_file, source=str(folder), source_file=raw.rvu.source_file,
    )


@functools.lru_cache(maxsize=None)
def _load_cached(name: str) -> Release:
    user = _user_release_dirs()
    if name in user:
        return _load_raw(user[name])
    return _load_shipped(name)


def load_release(release: str) -> Release:
    """Load one release (cached): RVUs, GPCIs, localities, OPPS cap and the facts recorded in the files.

    A folder ``config.USER_PFS_DIR/<release>/`` in CMS's raw layout takes precedence over the shipped
    release of the same name.

    Parameters
    ----------
    release : str
        e.g. ``"2025D"``; see :func:`releases`.

    Returns
    -------
    Release
    """
    return _load_cached(_check_release(release))


def preload() -> None:
    """Load every release and the ZIP table into this process's caches.

    The render fork server calls this once, before it forks a kernel per client:
    each kernel then starts with the public tables loaded (its own copy-on-write
    copy) instead of reading them again (~0.1 s a report).
    """
    for name in releases():
        load_release(name)
    _zip_table()


def clear_cache() -> None:
    """Forget loaded releases (after adding or changing a user release folder)."""
    _load_cached.cache_clear()
    _compact_index.cache_clear()
    _shipped_gpci.cache_clear()
    _shipped_locco.cache_clear()
    _zip_table.cache_clear()


# --- pricing ---------------------------------------------------------------------------------------

def _norm_codes(codes) -> list[str]:
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


def _norm_locality(text: str) -> str:
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
    ids = [_norm_locality(x) for x in localities]
    missing = [i for i in ids if i not in pos]
    if missing:
        raise RatekitError(Problem("medicare", f"no such Medicare locality in {rel.name}", value=", ".join(missing),
                                   fix="look the locality up by ZIP (ratekit medicare --zip), or see "
                                       "ratekit.medicare.load_release(...).gpci for the list"))
    return np.array([pos[i] for i in dict.fromkeys(ids)], dtype=np.int64)


def _code_rows(rel: Release, codes) -> np.ndarray:
    if codes is None:
        return np.arange(len(rel._exact["hcpcs"]))
    wanted = _norm_codes(codes)
    idx = [rel._exact["code_rows"][c] for c in wanted if c in rel._exact["code_rows"]]
    return np.sort(np.concatenate(idx)) if idx else np.zeros(0, dtype=np.int64)


def _cents(w, pe, mp, gw, gpe, gmp, cf) -> np.ndarray:
    """Exact payment amounts in cents, localities x codes.

    CMS's formula (RVU25D.pdf): amount = [(work RVU x work GPCI) + (PE RVU x PE GPCI) + (MP RVU x
    MP GPCI)] x CF, rounded half-up to cents. With RVUs x100 (``w, pe, mp``), GPCIs x1000 (``gw,
    gpe, gmp``) and CF x10000 (``cf``) as int64, the product is the amount x10^9 exactly; adding half
    a cent (5 x 10^6) and floor-dividing by one cent (10^7) rounds half-up (amounts are never negative).
    """
    total = gw[:, None] * w[None, :]
    total += gpe[:, None] * pe[None, :]
    total += gmp[:, None] * mp[None, :]
    total *= cf
    total += _HALF_CENT
    total //= _CENT
    return total


def _amounts(rel: Release, rows: np.ndarray, locs: np.ndarray, *, ignore_na: bool = False
             ) -> tuple[np.ndarray, np.ndarray]:
    """Non-facility and facility cents (-1 where no amount), localities x codes, cap applied."""
    e = rel._exact
    w, mp = e["w"][rows], e["mp"][rows]
    gw, gpe, gmp = e["gw"][locs], e["gpe"][locs], e["gmp"][locs]
    nf = _cents(w, e["pe_nf"][rows], mp, gw, gpe, gmp, e["cf"])
    f = _cents(w, e["pe_f"][rows], mp, gw, gpe, gmp, e["cf"])
    cap = e["cap"]
    if cap is not None:
        _apply_listed_cap(nf, f, rows, locs, cap, n_rows=len(e["w"]), n_locs=len(e["gw"]))
    else:
        _apply_computed_cap(nf, f, rows, locs, e)
    paid = e["paid"][rows]
    blank_nf = ~paid | e["unpriced_nf"][rows]
    blank_f = ~paid | e["unpriced_f"][rows]
    if not ignore_na:
        blank_nf |= e["na_nf"][rows]
        blank_f |= e["na_f"][rows]
    nf[:, blank_nf] = -1
    f[:, blank_f] = -1
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
    nf[:, sel] = np.minimum(nf[:, sel], _cents(e["w"][r], o["pe_nf"][r], o["mp"][r], gw, gpe, gmp, e["cf"]))
    f[:, sel] = np.minimum(f[:, sel], _cents(e["w"][r], o["pe_f"][r], o["mp"][r], gw, gpe, gmp, e["cf"]))


def _dollars(cents: np.ndarray) -> np.ndarray:
    out = cents.ravel() / 100.0
    out[cents.ravel() < 0] = np.nan
    return out


def _str_column(values: np.ndarray, times: int, how: str) -> pd.Series:
    """A str column of ``values`` repeated element-wise or tiled ``times`` times, built without copies."""
    arr = np.repeat(values, times) if how == "repeat" else np.tile(values, times)
    return pd.Series(arr, dtype="str", copy=False)


def price(release: str, *, localities: list[str] | None = None, codes: list[str] | None = None,
          ignore_na: bool = False) -> pd.DataFrame:
    """Medicare PFS payment amounts for every code and modifier at every (or the given) locality.

    Formula (CMS, RVU25D.pdf "The formula for 2025 physician fee schedule payment amount")::

        amount = round_half_up(((work RVU x work GPCI) + (PE RVU x PE GPCI) + (MP RVU x MP GPCI)) x CF, 2)

    with the non-facility or the facility PE RVU, computed exactly in integers (RVU x100, GPCI x1000,
    CF x10000) and rounded half-up to cents. Rules:

    * only status A, R and T codes get amounts (a status R code with no RVUs is contractor priced:
      no amount);
    * an "NA" non-facility or facility indicator blanks that setting (unless ``ignore_na``);
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
        does not list gives no rows (:func:`medicare_table` reports it instead).
    ignore_na : bool, default False
        Give an amount in a setting CMS marks "NA" too (for reconciling with files that list one).

    Returns
    -------
    DataFrame
        ``release, mac, locality, hcpcs, modifier, status, nonfacility_amount, facility_amount,
        locality_id``: one row per locality and code/modifier, localities in the GPCI file's order
        (or as given), codes sorted by HCPCS then modifier ("" global first, then 26, 53, TC).
        Amounts are float64 dollars holding exact cents, NaN where no amount applies; strings are
        ``str`` dtype, MAC and locality zero-padded. ``attrs["notes"]`` carries the release's caveats
        (GPCI year, how the OPPS cap was applied).
    """
    rel = load_release(release)
    locs = _locality_positions(rel, localities)
    rows = _code_rows(rel, codes)
    nf, f = _amounts(rel, rows, locs, ignore_na=ignore_na)
    e = rel._exact
    m, n = len(locs), len(rows)
    loc_ids = np.array([f"{a}-{b}" for a, b in zip(e["loc_mac"][locs], e["loc_locality"][locs])], dtype=object)
    out = pd.DataFrame({
        "release": _str_column(np.array([rel.name], dtype=object), m * n, "repeat"),
        "mac": _str_column(e["loc_mac"][locs], n, "repeat"),
        "locality": _str_column(e["loc_locality"][locs], n, "repeat"),
        "hcpcs": _str_column(e["hcpcs"][rows], m, "tile"),
        "modifier": _str_column(e["modifier"][rows], m, "tile"),
        "status": _str_column(e["status"][rows], m, "tile"),
        "nonfacility_amount": _dollars(nf),
        "facility_amount": _dollars(f),
        "locality_id": _str_column(loc_ids, n, "repeat"),
    }, copy=False)
    out.attrs["notes"] = list(rel.notes)
    return out


# --- where a client is -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Locality:
    """A Medicare payment locality, and the ZIP code it was found from (if any).

    Attributes
    ----------
    mac, locality : str
        Zero-padded MAC (carrier) number and locality number, e.g. ``"01112"``, ``"05"``.
    locality_id : str
        ``"MAC-LL"``.
    name : str
        Locality name from the GPCI file (e.g. ``"SAN FRANCISCO"``).
    state : str
        State (two letters from the ZIP5 or GPCI file).
    counties : str
        County text from CMS's LOCCO file ("" where the year has no LOCCO file).
    zip_code : str
        The ZIP it was located from, or "".
    rural : str
        ZIP5 rural indicator: "" urban, "R" rural, "B" super rural ("" when not located by ZIP).
    release : str
        The release whose localities were used.
    zip_plus4 : bool
        True when CMS flags the ZIP as split by ZIP+4 (some of its ZIP+4s may lie in another
        locality; CMS's ZIP9 file, not shipped, has those).
    note : str
        A caveat about the match (e.g. the ZIP file's year differs from the release's and the
        locality was redefined in between), or "".
    """

    mac: str
    locality: str
    locality_id: str
    name: str
    state: str
    counties: str
    zip_code: str = ""
    rural: str = ""
    release: str = ""
    zip_plus4: bool = False
    note: str = ""


@functools.lru_cache(maxsize=None)
def _zip_table() -> tuple[pd.DataFrame, str]:
    """The newest ZIP5 file (user-supplied or shipped): zip, state, mac, locality, rural, plus4; and its quarter.

    Kept as columns and searched per call: a report locates one ZIP, and a dict of all
    43,000 ZIPs cost it more than the rest of the Medicare pricing.
    """
    user = sorted((_user_dir() / "zip_locality").glob("ZIP5_*.txt")) if _user_dir().is_dir() else []
    if user:
        # the newest by the year+quarter written in the file (names like ZIP5_JAN2026 do not sort)
        return max((_raw.read_zip5(p) for p in user), key=lambda tq: tq[1])
    table = _read_gz(_raw.COMPACT_DIR / "zip5.csv.gz", str_cols=_raw.ZIP_COLUMNS)
    return table, _compact_index().get("zip5_quarter", "")


def locate(zip_code: str | None = None, locality: str | None = None, *, release: str | None = None) -> Locality:
    """Find a Medicare locality by ZIP code (CMS ZIP5 file) or by its id, with its name and counties.

    Parameters
    ----------
    zip_code : str, optional
        5-digit ZIP (a ZIP+4 is cut to its first 5 digits). Located with the shipped CMS ZIP5 file
        (2025 Q4) or a newer ``ZIP5_*.txt`` in ``config.USER_PFS_DIR/zip_locality/``; for a release of
        another year the match carries a note, and is refused where the locality was redefined in
        between (2023's split San Francisco and Los Angeles/Orange localities).
    locality : str, optional
        ``"MAC-LL"``. Give exactly one of ``zip_code`` and ``locality``.
    release : str, optional
        Release whose locality list, names and counties to use (default: newest release).

    Returns
    -------
    Locality
    """
    if (zip_code is None) == (locality is None):
        raise RatekitError(Problem("medicare", "give either a ZIP code or a locality (MAC-LL), not both or neither",
                                   fix="e.g. --zip 94110 or --locality 01112-05"))
    rel = load_release(release) if release else load_release(max(releases(), key=_release_sort_key))
    zip5, rural, state, plus4, note = "", "", "", "", ""
    if zip_code is not None:
        zip5 = str(zip_code).strip()[:5] if re.match(r"^\d{5}(-?\d{4})?$", str(zip_code).strip()) else ""
        if not zip5:
            raise RatekitError(Problem("medicare", "a ZIP code is 5 digits", value=zip_code,
                                       fix="give the 5-digit ZIP, e.g. 94110"))
        table, yq = _zip_table()
        hits = table.loc[table["zip"] == zip5, ["state", "mac", "locality", "rural", "plus4"]]
        if hits.empty:
            raise RatekitError(Problem("medicare", f"ZIP code not in CMS's ZIP5 locality file ({yq})", value=zip5,
                                       fix="check the ZIP, or give the locality as --locality MAC-LL"))
        state, mac, loc, rural, plus4 = (str(v) for v in hits.iloc[0])
        lid = f"{mac}-{loc}"
        note = _zip_year_note(rel, lid, yq)
    else:
        lid = _norm_locality(locality)
    table = rel.gpci.set_index("locality_id")
    if lid not in table.index:
        raise RatekitError(Problem("medicare", f"no such Medicare locality in {rel.name}", value=lid,
                                   fix="look the locality up by ZIP, or see load_release(...).gpci"))
    row = table.loc[lid]
    return Locality(mac=row["mac"], locality=row["locality"], locality_id=lid, name=row["name"],
                    state=state or row["state"], counties=row["counties"], zip_code=zip5, rural=rural,
                    release=rel.name, zip_plus4=plus4 == "1", note=note)


def _zip_year_note(rel: Release, locality_id: str, quarter: str) -> str:
    """A caveat when the ZIP5 file is of another year than the release; an error when the locality
    was redefined between the two years (the ZIP could lie in a locality that no longer exists)."""
    zip_year = int(quarter[:4]) if quarter[:4].isdigit() else rel.year
    if zip_year == rel.year:
        return ""
    try:
        then = _shipped_gpci(zip_year)
    except FileNotFoundError:
        then = None
    text = f"ZIP located with CMS's {quarter[:4]} Q{quarter[4:] or '?'} ZIP5 file, used for the {rel.year} release"
    if then is not None:
        names_then = dict(zip(then["mac"] + "-" + then["locality"], then["name"]))
        names_now = dict(zip(rel.gpci["locality_id"], rel.gpci["name"]))
        if names_then.get(locality_id) != names_now.get(locality_id):
            raise RatekitError(Problem(
                "medicare", f"{text}, maps to locality {locality_id}, which was defined differently in "
                            f"{rel.year} ({names_now.get(locality_id, 'not a locality')}) than in {zip_year} "
                            f"({names_then.get(locality_id, 'not a locality')}): the ZIP may lie in another "
                            f"{rel.year} locality",
                fix=f"give the {rel.year} locality as MAC-LL (see load_release({rel.name!r}).gpci)"))
    return text


# --- the CLI's table -------------------------------------------------------------------------------

def _resolve_release(release: str | None, year: int | None) -> str:
    if release is not None:
        name = _check_release(release)
        if year is not None and _raw.release_year(name) != int(year):
            raise RatekitError(Problem("medicare", f"release {name} is not of year {year}",
                                       fix="give --release or --year, or make them agree"))
        return name
    if year is not None:
        return newest_release(year)
    return max(releases(), key=_release_sort_key)


def medicare_table(*, release: str | None = None, year: int | None = None, locality: str | None = None,
                   zip_code: str | None = None, codes: list[str] | None = None) -> pd.DataFrame:
    """The Medicare amounts the ``ratekit medicare`` command prints: one release, one locality.

    Amounts by :func:`price` (CMS's formula, exact half-up cents, status/NA/OPPS cap rules).

    Parameters
    ----------
    release : str, optional
        e.g. ``"2025A"``; default the newest release of ``year``, or the newest of all.
    year : int, optional
        Stands for the newest release of that year.
    locality : str, optional
        ``"MAC-LL"``; or give ``zip_code``. With neither, every locality is returned.
    zip_code : str, optional
        5-digit ZIP, located with CMS's ZIP5 file.
    codes : list of str, optional
        HCPCS codes (default all); a code the release does not list is an error.

    Returns
    -------
    DataFrame
        Exactly :data:`COLUMNS`; ``attrs["notes"]`` carries caveats (GPCI year, OPPS cap) and
        ``attrs["locality"]`` the :class:`Locality` when one was asked for.
    """
    name = _resolve_release(release, year)
    loc = None
    if locality is not None and zip_code is not None:
        raise RatekitError(Problem("medicare", "give either a ZIP code or a locality, not both",
                                   fix="drop --zip or --locality"))
    if locality is not None or zip_code is not None:
        loc = locate(zip_code=zip_code, locality=locality, release=name)
    wanted = None
    if codes is not None:
        wanted = _norm_codes(codes)
        known = load_release(name)._exact["code_rows"]
        missing = [c for c in wanted if c not in known]
        if missing:
            raise RatekitError(Problem("medicare", f"code not in the {name} RVU file", value=", ".join(missing),
                                       fix="check the code, or use a release that lists it"))
    table = price(name, localities=[loc.locality_id] if loc else None, codes=wanted)
    out = table[list(COLUMNS)]
    out.attrs["notes"] = list(table.attrs.get("notes", [])) + ([loc.note] if loc is not None and loc.note else [])
    if loc is not None:
        out.attrs["locality"] = loc
    return out


def write_csv(table: pd.DataFrame, file: IO[str] | str | Path, *, notes: IO[str] | bool = True) -> None:
    """Write a :func:`medicare_table` as CSV: exactly :data:`COLUMNS`, cents with 2 decimals, an empty
    field where no amount applies.

    The table's caveats (``attrs["notes"]``, e.g. "2026 amounts use the 2025 GPCIs") are written as
    ``note: ...`` lines to ``notes``: standard error when True (so the CSV on standard output stays
    clean), another stream if given, nowhere when False.
    """
    out = table[list(COLUMNS)]
    text = out.to_csv(index=False, float_format="%.2f", lineterminator="\n")
    if isinstance(file, (str, Path)):
        Path(file).write_text(text)
    else:
        file.write(text)
    stream = sys.stderr if notes is True else (notes or None)
    if stream is not None:
        for note in table.attrs.get("notes", []):
            print(f"note: {note}", file=stream)
