"""Rebuild ``data/reference/pfs`` (the compact Medicare PFS tables the kit ships) from CMS's raw files.

``python -m ratekit.build.pfs [PUBLIC_PFS_DIR] [--out DIR]`` (default ``config.PUBLIC_PFS_DIR`` and
``config.PFS_REFERENCE_DIR``). The raw folder holds one folder per release in CMS's layout (read by
:mod:`ratekit.medicare.cmsfiles`), ``derived_gpci/`` and ``zip_locality/``. Each year's GPCIs come,
in order of preference, from:

1. CMS's GPCI file (Addendum E) in a release folder of that year (``cms_file``);
2. CMS's own published payment amounts of that year (a folder holding a PFALL / PFREV file and no
   PPRRVU, e.g. ``2026B/PFREV26B.txt``), with the RVUs and conversion factor of the newest release of
   that year: :func:`ratekit.medicare.derive_gpcis` must reproduce every amount of every locality to
   the cent, or the build stops (``derived_from_cms_amounts``);
3. a third party's processed copy in ``derived_gpci/`` (``third_party``).

The output is deterministic (gzip mtime 0): rebuilding unchanged inputs changes no byte.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..errors import Problem, RatekitError
from ..medicare import cmsfiles
from ..medicare.gpci import derive_gpcis
from ..medicare.payments import read_payments


def _write_csv_gz(df: pd.DataFrame, path: Path) -> None:
    """Deterministic gzip CSV (mtime 0, so rebuilding unchanged data changes no bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = df.to_csv(index=False, lineterminator="\n").encode()
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, compresslevel=9, filename="") as gz:
        gz.write(text)
    tmp.replace(path)


def _write_json(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)


def rvu_to_compact(rvus: pd.DataFrame) -> pd.DataFrame:
    """The RVU table as written to ``rvu.csv.gz`` (NA indicators as 0/1)."""
    out = rvus[list(cmsfiles.RVU_TABLE_COLUMNS)].copy()
    out["na_nf"] = out["na_nf"].astype(np.int8)
    out["na_f"] = out["na_f"].astype(np.int8)
    return out


def _payment_files(folder: Path) -> list[Path]:
    pattern = r"PF(ALL|REV).*\.(txt|zip)"
    return sorted(p for p in folder.iterdir() if p.is_file() and re.fullmatch(pattern, p.name, re.I))


def _derive_year(year: int, files: list[Path], rvu: cmsfiles.RvuFile, release: str, names: pd.DataFrame,
                 names_from: str) -> tuple[pd.DataFrame, dict]:
    """A year's GPCI table from CMS's payment files; an error naming every locality not reproduced."""
    payments = pd.concat([read_payments(p) for p in files], ignore_index=True)
    derived = derive_gpcis(payments, rvu)
    bad = derived[derived["status"] != "exact"]
    if len(bad):
        raise RatekitError(Problem(
            ", ".join(p.name for p in files),
            f"{len(bad)} of {len(derived)} localities' {year} GPCIs are not reproduced exactly by the {release} RVUs",
            value="; ".join(f"{r.mac}-{r.locality} {r.status}" for r in bad.itertuples()),
            fix=f"check the payment files are CMS's {year} amounts, or add CMS's {year} GPCI file"))
    table = derived.merge(names[["mac", "locality", "state", "name"]], on=["mac", "locality"], how="left")
    table[["state", "name"]] = table[["state", "name"]].fillna("")
    table = table.sort_values(["mac", "locality"], ignore_index=True)
    source = ", ".join(f"{p.parent.name}/{p.name}" for p in files)
    entry = {"source": source, "method": "derived_from_cms_amounts", "rvus": release,
             "localities": int(len(derived)), "amounts": int(derived["amounts"].sum()), "names_from": names_from}
    return table, entry


def build(public_pfs: Path | None = None, out: Path | None = None) -> list[Path]:
    """Rebuild the compact shipped form from CMS's raw files.

    Parameters
    ----------
    public_pfs : Path, optional
        The raw ``pfs`` folder (default ``config.PUBLIC_PFS_DIR``).
    out : Path, optional
        Where to write (default ``config.PFS_REFERENCE_DIR``).

    Returns
    -------
    list of Path
        Files written.
    """
    public_pfs = Path(public_pfs) if public_pfs else config.PUBLIC_PFS_DIR
    out = Path(out) if out else config.PFS_REFERENCE_DIR
    if not public_pfs.is_dir():
        raise RatekitError(Problem(str(public_pfs), "raw PFS folder not found",
                                   fix="set RATEKIT_PUBLIC_DATA or pass the folder"))
    written: list[Path] = []
    gpcis: dict[int, tuple[pd.DataFrame, dict]] = {}
    locco: dict[int, pd.DataFrame] = {}
    metas: dict[str, dict] = {}
    rvu_files: dict[str, cmsfiles.RvuFile] = {}
    payment_folders: dict[int, list[Path]] = {}
    for folder in sorted(p for p in public_pfs.iterdir() if p.is_dir() and cmsfiles.RELEASE_NAME.match(p.name)):
        year = cmsfiles.release_year(folder.name)
        if cmsfiles.find_one(folder, r"PPRRVU.*\.csv", "PPRRVU", required=False) is None:
            payment_folders.setdefault(year, []).extend(_payment_files(folder))  # CMS amounts only (e.g. 2026B)
            continue
        raw = cmsfiles.read_raw_release(folder)
        rvu_files[raw.name] = raw.rvu
        dest = out / raw.name
        _write_csv_gz(rvu_to_compact(raw.rvu.rvus), dest / "rvu.csv.gz")
        written.append(dest / "rvu.csv.gz")
        metas[raw.name] = {
            "name": raw.name, "year": year, "released": raw.rvu.released.isoformat(),
            "conversion_factor": raw.rvu.conversion_factor, "source_file": raw.rvu.source_file,
            "rows": int(len(raw.rvu.rvus)), "gpci_file": raw.gpci_file, "oppscap_file": raw.oppscap_file,
        }
        if raw.oppscap is not None:
            _write_csv_gz(raw.oppscap[list(cmsfiles.CAP_COLUMNS)], dest / "oppscap.csv.gz")
            written.append(dest / "oppscap.csv.gz")
        if raw.gpci is not None:
            prev = gpcis.get(year)
            if prev is not None and not prev[0].drop(columns="name").equals(raw.gpci.drop(columns="name")):
                raise RatekitError(Problem(raw.gpci_file, f"{raw.name}'s GPCIs differ from another {year} release's",
                                           fix="ship GPCIs per release if CMS revised them mid-year"))
            gpcis[year] = (raw.gpci, {"source": f"{raw.name}/{raw.gpci_file}", "method": "cms_file"})
        if raw.locco is not None:
            locco[year] = raw.locco
    for year, files in sorted(payment_folders.items()):
        same_year = sorted((n for n in rvu_files if cmsfiles.release_year(n) == year), key=lambda n: n[4:])
        if year in gpcis or not files or not same_year:
            continue
        earlier = [y for y in gpcis if y < year and gpcis[y][1]["method"] == "cms_file"]
        names, names_from = (gpcis[max(earlier)][0], gpcis[max(earlier)][1]["source"]) if earlier else (
            pd.DataFrame(columns=["mac", "locality", "state", "name"]), "")
        gpcis[year] = _derive_year(year, files, rvu_files[same_year[-1]], same_year[-1], names, names_from)
    derived_dir = public_pfs / "derived_gpci"
    if derived_dir.is_dir():
        for p in sorted(derived_dir.glob("gpci_*.csv")):
            year = int(re.search(r"gpci_(\d{4})", p.name).group(1))
            if year not in gpcis:
                gpcis[year] = (cmsfiles.read_gpci(p), {"source": f"derived_gpci/{p.name}", "method": "third_party"})
    for year, (table, _) in sorted(gpcis.items()):
        _write_csv_gz(table[list(cmsfiles.GPCI_COLUMNS)], out / f"gpci_{year}.csv.gz")
        written.append(out / f"gpci_{year}.csv.gz")
    for year, table in sorted(locco.items()):
        _write_csv_gz(table[list(cmsfiles.LOCCO_COLUMNS)], out / f"locco_{year}.csv.gz")
        written.append(out / f"locco_{year}.csv.gz")
    for name, meta in metas.items():
        year = meta["year"]
        gy = year if year in gpcis else max([y for y in gpcis if y <= year] or [min(gpcis)])
        meta["gpci"] = {"year": gy, **{k: gpcis[gy][1][k] for k in ("method", "source")}}
        _write_json(meta, out / name / "release.json")
        written.append(out / name / "release.json")
    zfiles = sorted((public_pfs / "zip_locality").glob("ZIP5_*.txt"))
    yq = ""
    if zfiles:
        ztable, yq = cmsfiles.read_zip5(zfiles[-1])
        _write_csv_gz(ztable, out / "zip5.csv.gz")
        written.append(out / "zip5.csv.gz")
    index = {
        "gpci": {str(y): entry for y, (_, entry) in sorted(gpcis.items())},
        "locco": sorted(locco),
        "zip5_file": zfiles[-1].name if zfiles else "",
        "zip5_quarter": yq,
    }
    _write_json(index, out / "index.json")
    written.append(out / "index.json")
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m ratekit.build.pfs [PUBLIC_PFS_DIR] [--out DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m ratekit.build.pfs", description=__doc__.splitlines()[0])
    parser.add_argument("public_pfs", nargs="?", type=Path, default=None,
                        help="raw CMS pfs folder (default: $RATEKIT_PUBLIC_DATA/pfs)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: data/reference/pfs)")
    args = parser.parse_args(argv)
    try:
        for p in build(args.public_pfs, args.out):
            print(p)
    except RatekitError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
