"""The providers a market is limited to: NPIs practising in the client's state or ZIP3, in its specialty (NPPES).

Up to 60-80% of the rates in payers' files are "zombie" rates, for providers who never bill the code
(Serif Health, Turquoise). Limiting the market to the providers who practise where the client does and in
its specialty removes most of them. The user supplies CMS's NPPES data dissemination file
(``npidata_pfile_*.csv``, 330 columns, ~9 GB) or any extract of it with these columns:

=============================================================  ===============================
NPPES column                                                   used for
=============================================================  ===============================
``NPI``                                                        the provider
``Provider Business Practice Location Address State Name``     the state (two letters)
``Provider Business Practice Location Address Postal Code``    the ZIP (5 or 9 digits)
``Healthcare Provider Taxonomy Code_1`` ... ``_15``            the specialty (NUCC taxonomy)
=============================================================  ===============================

The file is read with DuckDB's CSV reader, streaming (memory stays flat whatever its size). Headers are
matched ignoring case, spaces and underscores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..errors import Problem, RatekitError

#: ratekit specialty -> NUCC Health Care Provider Taxonomy codes counted as that specialty (the NUCC code
#: set, taxonomy.nucc.org: the specialty and its common subspecialties; pediatrics without its
#: subspecialty fellowships, which bill differently).
SPECIALTY_TAXONOMIES: dict[str, tuple[str, ...]] = {
    "family_medicine": ("207Q00000X", "207QA0505X", "207QG0300X", "207QS0010X", "207QA0000X", "208D00000X"),
    "internal_medicine": ("207R00000X", "207RG0300X", "207RA0000X"),
    "pediatrics": ("208000000X", "2080A0000X"),
    "dermatology": ("207N00000X", "207ND0101X", "207ND0900X", "207NP0225X", "207NI0002X", "207NS0135X"),
    "cardiology": ("207RC0000X", "207RI0011X", "207RC0001X", "207RA0001X"),
    "orthopedics": ("207X00000X", "207XS0114X", "207XX0004X", "207XS0106X", "207XS0117X", "207XX0801X",
                    "207XP3100X", "207XX0005X"),
}
_NPI = "npi"
_STATE = "providerbusinesspracticelocationaddressstatename"
_ZIP = "providerbusinesspracticelocationaddresspostalcode"
_TAXONOMY = re.compile(r"^healthcareprovidertaxonomycode(\d+)$")


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass(frozen=True)
class ProviderFilter:
    """The NPIs a market is limited to, and in words what they are.

    Attributes
    ----------
    npis : frozenset of int
    description : str
        e.g. ``"1,234 NPIs practising in IL with a dermatology taxonomy (NPPES file npidata.csv)"``.
    """

    npis: frozenset
    description: str


def read_nppes(path: str | Path, *, specialty: str, state: str | None = None, zip3: str | None = None) \
        -> ProviderFilter:
    """The NPIs of ``path`` whose practice location is in ``state`` (or ``zip3``) and taxonomy is ``specialty``'s.

    Parameters
    ----------
    path : path
        NPPES ``npidata_pfile`` CSV or an extract with its NPI, practice-location state and postal code
        and taxonomy columns.
    specialty : str
        A ratekit specialty (:data:`SPECIALTY_TAXONOMIES`).
    state : str, optional
        Two-letter state of the practice location.
    zip3 : str, optional
        First three digits of the practice-location ZIP (instead of ``state``).

    Returns
    -------
    ProviderFilter

    Raises
    ------
    RatekitError
        When the file cannot be read or lacks a column, naming the file and the column.
    """
    path = Path(path)
    if specialty not in SPECIALTY_TAXONOMIES:
        raise RatekitError(Problem(str(path), "no taxonomy list for this specialty", value=specialty,
                                   fix=f"use one of: {', '.join(SPECIALTY_TAXONOMIES)}"))
    if (state is None) == (zip3 is None):
        raise RatekitError(Problem(str(path), "give the client's state or its ZIP3 (one of them)",
                                   fix="e.g. state='IL' or zip3='627'"))
    con = duckdb.connect()
    source = "read_csv(?, header=true, all_varchar=true, sample_size=-1)"
    try:
        headers = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}", [str(path)]).fetchall()]
    except duckdb.Error as exc:
        raise RatekitError(Problem(str(path), f"cannot read the NPPES file ({str(exc).splitlines()[0]})",
                                   fix="give CMS's npidata_pfile CSV or an extract of it")) from None
    by_key = {_key(h): h for h in headers}
    missing = [label for label, k in (("NPI", _NPI), ("Provider Business Practice Location Address State Name",
                                                       _STATE),
                                      ("Provider Business Practice Location Address Postal Code", _ZIP))
               if k not in by_key]
    taxonomy = [h for h in headers if _TAXONOMY.match(_key(h))]
    if not taxonomy:
        missing.append("Healthcare Provider Taxonomy Code_1")
    if missing:
        raise RatekitError(Problem(str(path), f"the NPPES file has no column {missing[0]!r}", column=missing[0],
                                   fix="keep the NPI, practice-location state and postal code, and taxonomy columns"))

    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    codes = list(SPECIALTY_TAXONOMIES[specialty])
    where_place = f"upper(trim({q(by_key[_STATE])})) = ?" if state else f"left(trim({q(by_key[_ZIP])}), 3) = ?"
    where_taxonomy = " OR ".join(f"trim({q(h)}) IN ({', '.join('?' * len(codes))})" for h in taxonomy)
    sql = (f"SELECT DISTINCT TRY_CAST(trim({q(by_key[_NPI])}) AS BIGINT) AS npi FROM {source} "
           f"WHERE {where_place} AND ({where_taxonomy})")
    params = [str(path), (state or "").upper() if state else str(zip3)] + codes * len(taxonomy)
    try:
        npis = frozenset(n for (n,) in con.execute(sql, params).fetchall() if n is not None)
    except duckdb.Error as exc:
        raise RatekitError(Problem(str(path), f"cannot read the NPPES file ({str(exc).splitlines()[0]})",
                                   fix="give CMS's npidata_pfile CSV or an extract of it")) from None
    where = f"in {state.upper()}" if state else f"in ZIP3 {zip3}"
    return ProviderFilter(npis, f"{len(npis):,} NPIs practising {where} with a {specialty.replace('_', ' ')} "
                                f"taxonomy (NPPES file {path.name})")
