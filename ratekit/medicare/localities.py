"""Where a practice is for Medicare: its payment locality, found by ZIP code (CMS ZIP5 file) or by id."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pandas as pd

from .. import config
from ..errors import Problem, RatekitError
from . import cmsfiles
from .engine import norm_locality
from .release import Release, compact_index, load_release, newest_release, read_compact, shipped_gpci


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
    folder = config.user_pfs_dir() / "zip_locality"
    user = sorted(folder.glob("ZIP5_*.txt")) if folder.is_dir() else []
    if user:
        # the newest by the year+quarter written in the file (names like ZIP5_JAN2026 do not sort)
        return max((cmsfiles.read_zip5(p) for p in user), key=lambda tq: tq[1])
    table = read_compact(config.PFS_REFERENCE_DIR / "zip5.csv.gz", str_cols=cmsfiles.ZIP_COLUMNS)
    return table, compact_index().get("zip5_quarter", "")


def locate(zip_code: str | None = None, locality: str | None = None, *, release: str | None = None) -> Locality:
    """Find a Medicare locality by ZIP code (CMS ZIP5 file) or by its id, with its name and counties.

    Parameters
    ----------
    zip_code : str, optional
        5-digit ZIP (a ZIP+4 is cut to its first 5 digits). Located with the shipped CMS ZIP5 file
        (2025 Q4) or a newer ``ZIP5_*.txt`` in ``config.user_pfs_dir()/zip_locality/``; for a release of
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
    rel = load_release(release or newest_release())
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
        lid = norm_locality(locality)
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
        then = shipped_gpci(zip_year)
    except FileNotFoundError:
        then = None
    text = f"ZIP located with CMS's {quarter[:4]} Q{quarter[4:] or '?'} ZIP5 file, used for the {rel.year} release"
    if then is not None:
        names_then = dict(zip(then["mac"] + "-" + then["locality"], then["name"], strict=True))
        names_now = dict(zip(rel.gpci["locality_id"], rel.gpci["name"], strict=True))
        if names_then.get(locality_id) != names_now.get(locality_id):
            raise RatekitError(Problem(
                "medicare", f"{text}, maps to locality {locality_id}, which was defined differently in "
                            f"{rel.year} ({names_now.get(locality_id, 'not a locality')}) than in {zip_year} "
                            f"({names_then.get(locality_id, 'not a locality')}): the ZIP may lie in another "
                            f"{rel.year} locality",
                fix=f"give the {rel.year} locality as MAC-LL (see load_release({rel.name!r}).gpci)"))
    return text


