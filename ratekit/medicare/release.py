"""Medicare PFS releases: which exist, and each one loaded (RVUs, GPCIs, OPPS cap) ready to price.

A release is read from the compact form shipped under ``config.PFS_REFERENCE_DIR`` (written by
:mod:`ratekit.build.pfs`), or from a folder in CMS's raw layout that a user drops into
``config.user_pfs_dir()/<release>/`` (picked up by its name, e.g. ``2026D``; it takes precedence over a
shipped release of the same name).

How each year's GPCIs were obtained is recorded in the shipped ``index.json`` and carried by every
:class:`Release` (``gpci_year``, ``gpci_method``, ``gpci_source``, ``gpci_note``):

* ``cms_file``: CMS's own GPCI file (Addendum E), shipped (2025) or dropped in by the user, either in
  the release folder or as ``config.user_pfs_dir()/gpci/GPCI<year>*.csv`` for every release of that year;
* ``derived_from_cms_amounts``: derived from CMS's own published payment amounts of that year
  (2026: ``PFREV26B.txt``, see :func:`ratekit.medicare.derive_gpcis`), reproducing every one to the cent;
* ``third_party``: converted from a third party's processed copy (2023, 2024), unverified.

A release of a year with no GPCIs of its own is priced with the newest earlier year's and says so in
``gpci_note`` (the report header, the workbook and a warning from ``ratekit medicare``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..errors import Problem, RatekitError
from . import cmsfiles
from .cmsfiles import PAID_STATUSES, release_year

__all__ = ["GPCI_METHODS", "Release", "load_release", "newest_release", "release_year", "releases"]

#: How a year's GPCIs were obtained: method -> what the words in notes and docs say.
GPCI_METHODS: dict[str, str] = {
    "cms_file": "CMS's GPCI file (Addendum E)",
    "derived_from_cms_amounts": "derived from CMS's own published payment amounts",
    "third_party": "converted from a third party's processed copy, not a CMS file",
}


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
        A caveat to show wherever these amounts are shown (report header, workbook, CLI warning):
        the release is priced with another year's GPCIs, or with unverified third-party GPCIs, or
        with a user's GPCI file that disagrees with CMS's published amounts. Empty otherwise.
    gpci_source : str
        Where the GPCIs come from (e.g. ``"2025D/GPCI2025.csv"``, ``"2026B/PFREV26B.txt"``).
    gpci_method : str
        How they were obtained: a key of :data:`GPCI_METHODS`.
    rvus : DataFrame
        One row per code and modifier: ``hcpcs, modifier, status, not_used_for_payment``, the
        payment-policy indicators (``pctc, glob_days, mult_proc, bilat_surg, asst_surg, co_surg,
        team_surg, endo_base, diag_supervision, imaging_family``), ``na_nf, na_f``, the RVUs
        ``work_rvu, pe_nf_rvu, pe_f_rvu, mp_rvu, opps_pe_nf_rvu, opps_pe_f_rvu, opps_mp_rvu`` and the
        global-surgery shares ``pre_op, intra_op, post_op`` (numbers as printed by CMS, float for
        display; pricing uses exact integers).
    gpci : DataFrame
        One row per locality: ``locality_id, mac, locality, state, name, counties, area, work_gpci,
        pe_gpci, mp_gpci`` (GPCIs float for display).
    source : str
        ``"shipped"`` or the raw folder it was read from.
    source_file : str
        CMS's PPRRVU file name.
    opps_cap_file : str
        CMS's OPPSCAP file name, or empty when the release has none.
    opps_cap : str
        How the OPPS imaging cap is applied: the OPPSCAP file's name, "computed from the PPRRVU
        file's OPPS RVU columns" (CMS's OPPS payment formula, RVU25D.pdf), or "none".
    notes : tuple of str
        Caveats and facts to show wherever this release's amounts are shown (``gpci_note`` first).
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
    gpci_method: str = ""
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

    @property
    def gpci_basis(self) -> str:
        """One sentence: which year's GPCIs price this release and how they were obtained."""
        how = GPCI_METHODS.get(self.gpci_method, self.gpci_method)
        return f"{self.gpci_year} GPCIs, {how} ({self.gpci_source})"


# --- which releases exist ----------------------------------------------------------------------------

def _user_dir() -> Path:
    return config.user_pfs_dir()


def _user_release_dirs() -> dict[str, Path]:
    base = _user_dir()
    if not base.is_dir():
        return {}
    return {p.name: p for p in base.iterdir()
            if p.is_dir() and cmsfiles.RELEASE_NAME.match(p.name)
            and any(p.glob("[Pp][Pp][Rr][Rr][Vv][Uu]*.[cC][sS][vV]"))}


def _shipped_names() -> list[str]:
    base = config.PFS_REFERENCE_DIR
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / "release.json").is_file())


def releases() -> list[str]:
    """Names of every release ratekit can price: shipped ones and user-supplied folders, sorted.

    A user-supplied folder is ``config.user_pfs_dir()/<name>/`` (``$RATEKIT_PFS_DIR``, read at each
    call) holding CMS's PPRRVU CSV (and, ideally, the GPCI, LOCCO and OPPSCAP CSVs of the release).
    """
    return sorted(set(_shipped_names()) | set(_user_release_dirs()))


def release_sort_key(name: str) -> tuple[int, str]:
    """Sort key putting releases in time order (2025A < 2025D < 2026C)."""
    return (release_year(name), name[4:])


def newest_release(year: int | None = None) -> str:
    """The newest release of ``year`` (e.g. ``2025`` -> ``"2025D"``), or of all when ``year`` is None."""
    names = releases() if year is None else [n for n in releases() if release_year(n) == int(year)]
    if not names:
        years = sorted({release_year(n) for n in releases()})
        raise RatekitError(Problem("medicare", f"no PFS release for {year}",
                                   fix=f"use one of the years {', '.join(map(str, years))}, or add a release "
                                       f"folder under {_user_dir()}"))
    return max(names, key=release_sort_key)


def check_release(release: str) -> str:
    """The release name, upper case, if ratekit can price it; else a clear error."""
    name = str(release).strip().upper()
    if name not in releases():
        raise RatekitError(Problem("medicare", "unknown PFS release", value=release,
                                   fix=f"use one of {', '.join(releases())}, or add CMS's files as "
                                       f"{_user_dir()}/{name}/PPRRVU*.csv"))
    return name


# --- the shipped compact form ------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def compact_index() -> dict:
    """The shipped ``index.json``: per GPCI year its source and method, LOCCO years, the ZIP5 file."""
    path = config.PFS_REFERENCE_DIR / "index.json"
    return json.loads(path.read_text()) if path.is_file() else {"gpci": {}, "locco": []}


def read_compact(path: Path, *, str_cols) -> pd.DataFrame:
    """One shipped ``.csv.gz`` table, the given columns as str (nothing read as NaN)."""
    dtypes = {c: "str" for c in str_cols}
    return pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[], compression="gzip")


@functools.lru_cache(maxsize=None)
def shipped_gpci(year: int) -> pd.DataFrame:
    """The shipped GPCI table of ``year`` (GPCIs x1000); FileNotFoundError if none is shipped."""
    return read_compact(config.PFS_REFERENCE_DIR / f"gpci_{year}.csv.gz", str_cols=("mac", "locality", "state", "name"))


@functools.lru_cache(maxsize=None)
def _shipped_locco(year: int) -> pd.DataFrame | None:
    path = config.PFS_REFERENCE_DIR / f"locco_{year}.csv.gz"
    return read_compact(path, str_cols=cmsfiles.LOCCO_COLUMNS) if path.is_file() else None


@functools.lru_cache(maxsize=None)
def _user_gpci_files() -> dict[int, Path]:
    """GPCI files the user dropped into ``user_pfs_dir()/gpci/``, by the year in their name."""
    folder = _user_dir() / "gpci"
    out: dict[int, Path] = {}
    if folder.is_dir():
        for p in sorted(folder.glob("*.[cC][sS][vV]")):
            m = re.search(r"(20\d\d)", p.name)
            if m and "gpci" in p.name.lower():
                out[int(m.group(1))] = p
    return out


def _choose_gpci(year: int, own: pd.DataFrame | None, own_file: str) -> tuple[pd.DataFrame, int, str, str, str]:
    """GPCIs for a release of ``year``: (table, GPCI year, method, source, note).

    In order: the release folder's own GPCI file; a user's ``gpci/GPCI<year>*.csv``; the shipped
    table of that year; else the newest earlier year's shipped table (with a note saying so).
    """
    if own is not None:
        return own, year, "cms_file", own_file, _disagreement(year, own, own_file)
    user = _user_gpci_files().get(year)
    if user is not None:
        table = cmsfiles.read_gpci(user)
        return table, year, "cms_file", str(user), _disagreement(year, table, user.name)
    sources = {int(y): s for y, s in compact_index()["gpci"].items()}
    if not sources:
        raise RatekitError(Problem(str(config.PFS_REFERENCE_DIR), "no GPCI table shipped",
                                   fix="rebuild it: python -m ratekit.build pfs"))
    gy = year if year in sources else max([y for y in sources if y <= year] or [min(sources)])
    method, source = sources[gy]["method"], sources[gy]["source"]
    note = ""
    if gy != year:
        note = (f"{year} amounts use the {gy} GPCIs: no {year} GPCIs are here (add CMS's {year} GPCI file as "
                f"{_user_dir()}/gpci/GPCI{year}.csv)")
        if method == "third_party":
            note += f"; the {gy} GPCIs are a third-party conversion ({source})"
    elif method == "third_party":
        note = (f"{year} amounts use GPCIs converted from a third party's processed copy ({source}), not a CMS "
                f"GPCI file: their 2025 values match CMS's exactly, the {year} values are unverified")
    return shipped_gpci(gy), gy, method, source, note


def _disagreement(year: int, table: pd.DataFrame, name: str) -> str:
    """A note when a user's GPCI file differs from the GPCIs derived from CMS's own amounts of ``year``."""
    entry = compact_index()["gpci"].get(str(year))
    if not entry or entry["method"] != "derived_from_cms_amounts":
        return ""
    cols = ["mac", "locality", "work_gpci", "pe_gpci", "mp_gpci"]
    both = table[cols].merge(shipped_gpci(year)[cols], on=["mac", "locality"], suffixes=("", "_cms"))
    differ = int((both[cols[2:]].to_numpy() != both[[c + "_cms" for c in cols[2:]]].to_numpy()).any(axis=1).sum())
    if not differ:
        return ""
    return (f"{name} differs from the {year} GPCIs that reproduce CMS's published {year} payment amounts "
            f"({entry['source']}) at {differ} of {len(both)} localities: check it is CMS's own file")


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
    year = release_year(name)
    gpci, gy, method, gsource, gnote = _choose_gpci(year, gpci_own, gpci_file)
    # county text: the release's own LOCCO file, else the shipped one of the GPCI year or the newest
    # earlier year (2026 uses 2025's: the same 109 localities); never a later year's (2023's differ)
    earlier = [int(y) for y in compact_index().get("locco", []) if int(y) <= gy]
    locco = locco_own if locco_own is not None else (_shipped_locco(max(earlier)) if earlier else None)
    locs = _localities_table(gpci, locco)
    notes = [gnote] if gnote else []
    if method == "derived_from_cms_amounts" and not gnote:
        notes.append(f"{gy} GPCIs {GPCI_METHODS[method]} ({gsource}): they reproduce every one of those amounts "
                     f"to the cent; no CMS {gy} GPCI file is shipped")
    has_opps_rvus = bool(((rvus["opps_pe_nf_rvu"] > 0) | (rvus["opps_pe_f_rvu"] > 0)).any())
    if cap is None and has_opps_rvus:
        notes.append(f"{name} has no OPPSCAP file here: the OPPS imaging cap is computed from the release's own "
                     f"OPPS RVU columns by CMS's formula (the same computation reproduces 2025D's OPPSCAP file "
                     f"exactly)")
    elif cap is None:
        notes.append(f"{name} has neither an OPPSCAP file nor OPPS RVUs: non-facility imaging amounts are NOT "
                     f"capped at the OPPS amount (add the release's OPPSCAP CSV to apply the cap)")
    rvus = rvus.sort_values(["hcpcs", "modifier"], kind="stable", ignore_index=True)
    exact = _exact_arrays(rvus, locs, cf_text)
    exact["cap"] = _cap_positions(cap, rvus, exact["loc_pos"]) if cap is not None else None
    public_rvus = rvus.copy()
    for c in cmsfiles.RVU_INT_COLUMNS + cmsfiles.SHARE_COLUMNS:
        public_rvus[c] = rvus[c].to_numpy(dtype=np.int64) / 100
    public_rvus["na_nf"] = rvus["na_nf"].astype(bool)
    public_rvus["na_f"] = rvus["na_f"].astype(bool)
    return Release(
        name=name, year=year, released=released, conversion_factor=Decimal(cf_text), gpci_year=gy,
        gpci_note=gnote, gpci_source=gsource, gpci_method=method, rvus=public_rvus,
        gpci=locs.drop(columns=["work_gpci_x1000", "pe_gpci_x1000", "mp_gpci_x1000"]),
        source=source, source_file=source_file, opps_cap_file=cap_file,
        opps_cap=cap_file or ("computed from the PPRRVU file's OPPS RVU columns" if has_opps_rvus else "none"),
        notes=tuple(notes), _exact=exact,
    )


def _exact_arrays(rvus: pd.DataFrame, locs: pd.DataFrame, cf_text: str) -> dict:
    """The integer arrays the engine prices with (RVUs x100, GPCIs x1000, CF x10000) and lookups."""
    status = rvus["status"]
    w, pe_nf, pe_f, mp = (rvus[c].to_numpy(dtype=np.int64) for c in ("work_rvu", "pe_nf_rvu", "pe_f_rvu", "mp_rvu"))
    exact = {
        "cf": cmsfiles.scaled(cf_text, 4),
        "w": w, "pe_nf": pe_nf, "pe_f": pe_f, "mp": mp,
        "paid": status.isin(PAID_STATUSES).to_numpy(),
        "na_nf": rvus["na_nf"].to_numpy(dtype=bool),
        "na_f": rvus["na_f"].to_numpy(dtype=bool),
        # status R with no RVUs at all in a setting: "contractor priced" (RVU25D.pdf), so no amount
        "unpriced_nf": ((status == "R") & (w + pe_nf + mp == 0)).to_numpy(),
        "unpriced_f": ((status == "R") & (w + pe_f + mp == 0)).to_numpy(),
        "hcpcs": rvus["hcpcs"].to_numpy(dtype=object),
        "modifier": rvus["modifier"].to_numpy(dtype=object),
        "status": status.to_numpy(dtype=object),
        "gw": locs["work_gpci_x1000"].to_numpy(dtype=np.int64),
        "gpe": locs["pe_gpci_x1000"].to_numpy(dtype=np.int64),
        "gmp": locs["mp_gpci_x1000"].to_numpy(dtype=np.int64),
        "loc_mac": locs["mac"].to_numpy(dtype=object),
        "loc_locality": locs["locality"].to_numpy(dtype=object),
        "loc_pos": {lid: i for i, lid in enumerate(locs["locality_id"])},
    }
    exact["code_rows"] = {c: np.asarray(ix, dtype=np.int64)
                          for c, ix in rvus.groupby("hcpcs", sort=False).indices.items()}
    exact["row_of"] = {(h, m): i for i, (h, m) in enumerate(zip(exact["hcpcs"], exact["modifier"], strict=True))}
    opps = (rvus["opps_pe_nf_rvu"] > 0) | (rvus["opps_pe_f_rvu"] > 0) | (rvus["opps_mp_rvu"] > 0)
    exact["opps"] = {
        "rows": np.flatnonzero(opps.to_numpy() & exact["paid"]),
        "pe_nf": rvus["opps_pe_nf_rvu"].to_numpy(dtype=np.int64),
        "pe_f": rvus["opps_pe_f_rvu"].to_numpy(dtype=np.int64),
        "mp": rvus["opps_mp_rvu"].to_numpy(dtype=np.int64),
    }
    return exact


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


_RVU_STR_COLUMNS = ("hcpcs", "modifier", "status", "not_used_for_payment") + cmsfiles.INDICATOR_COLUMNS


def _load_shipped(name: str) -> Release:
    folder = config.PFS_REFERENCE_DIR / name
    meta = json.loads((folder / "release.json").read_text())
    rvus = read_compact(folder / "rvu.csv.gz", str_cols=_RVU_STR_COLUMNS)
    cap_path = folder / "oppscap.csv.gz"
    cap = (read_compact(cap_path, str_cols=("hcpcs", "modifier", "status", "mac", "locality"))
           if cap_path.is_file() else None)
    return _make_release(
        name=name, released=dt.date.fromisoformat(meta["released"]), cf_text=meta["conversion_factor"], rvus=rvus,
        gpci_own=None, gpci_file=meta.get("gpci_file", ""), locco_own=None, cap=cap,
        cap_file=meta.get("oppscap_file", ""), source="shipped", source_file=meta["source_file"],
    )


def _load_raw(folder: Path) -> Release:
    raw = cmsfiles.read_raw_release(folder)
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

    A folder ``config.user_pfs_dir()/<release>/`` in CMS's raw layout takes precedence over the
    shipped release of the same name.

    Parameters
    ----------
    release : str
        e.g. ``"2025D"``; see :func:`releases`.

    Returns
    -------
    Release
    """
    return _load_cached(check_release(release))


def clear_release_cache() -> None:
    """Forget loaded releases and the shipped tables read for them."""
    _load_cached.cache_clear()
    compact_index.cache_clear()
    shipped_gpci.cache_clear()
    _shipped_locco.cache_clear()
    _user_gpci_files.cache_clear()
