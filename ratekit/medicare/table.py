"""The table ``ratekit medicare`` prints: one release's amounts at one locality (or all), and its CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

import pandas as pd

from ..errors import Problem, RatekitError
from .engine import COLUMNS, norm_codes, price
from .localities import locate
from .release import check_release, load_release, newest_release, release_year


def _resolve_release(release: str | None, year: int | None) -> str:
    if release is not None:
        name = check_release(release)
        if year is not None and release_year(name) != int(year):
            raise RatekitError(Problem("medicare", f"release {name} is not of year {year}",
                                       fix="give --release or --year, or make them agree"))
        return name
    if year is not None:
        return newest_release(year)
    return newest_release()


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
        Exactly :data:`COLUMNS`; ``attrs["warnings"]`` carries the release's GPCI caveat
        (:attr:`Release.gpci_note`: e.g. priced with another year's GPCIs), ``attrs["notes"]`` the
        other facts (how the GPCIs were obtained, the OPPS cap, the ZIP file's year) and
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
        wanted = norm_codes(codes)
        known = load_release(name)._exact["code_rows"]
        missing = [c for c in wanted if c not in known]
        if missing:
            raise RatekitError(Problem("medicare", f"code not in the {name} RVU file", value=", ".join(missing),
                                       fix="check the code, or use a release that lists it"))
    table = price(name, localities=[loc.locality_id] if loc else None, codes=wanted)
    out = table[list(COLUMNS)]
    rel = load_release(name)
    out.attrs["warnings"] = [rel.gpci_note] if rel.gpci_note else []
    out.attrs["notes"] = ([n for n in table.attrs.get("notes", []) if n != rel.gpci_note]
                          + ([loc.note] if loc is not None and loc.note else []))
    if loc is not None:
        out.attrs["locality"] = loc
    return out


def write_csv(table: pd.DataFrame, file: IO[str] | str | Path, *, notes: IO[str] | bool = True) -> None:
    """Write a :func:`medicare_table` as CSV: exactly :data:`COLUMNS`, cents with 2 decimals, an empty
    field where no amount applies, ``True``/``False`` in the NA columns.

    The table's caveats are written to ``notes`` as ``warning: ...`` lines (``attrs["warnings"]``,
    e.g. "2027 amounts use the 2026 GPCIs ...") then ``note: ...`` lines (``attrs["notes"]``):
    standard error when True (so the CSV on standard output stays clean), another stream if given,
    nowhere when False.
    """
    out = table[list(COLUMNS)]
    text = out.to_csv(index=False, float_format="%.2f", lineterminator="\n")
    if isinstance(file, (str, Path)):
        Path(file).write_text(text)
    else:
        file.write(text)
    stream = sys.stderr if notes is True else (notes or None)
    if stream is not None:
        for text in table.attrs.get("warnings", []):
            print(f"warning: {text}", file=stream)
        for text in table.attrs.get("notes", []):
            print(f"note: {text}", file=stream)
