"""Read CMS's Physician Fee Schedule files in the layouts CMS publishes them (the runtime readers).

Used by the engine for a release a user drops into ``config.user_pfs_dir()/<release>/`` and by the
build step (:mod:`ratekit.build.pfs`) that writes the compact form shipped under ``data/reference/pfs``.

Every number is read from its decimal text exactly (no float round trip) and stored as an integer
scaled to the precision CMS publishes: RVUs x 100, GPCIs x 1000, conversion factor x 10000, dollar
amounts x 100 (cents). Quirks handled here (seen in the shipped files):

* PPRRVU: title rows, then a header whose text is split over several rows; the column set changes
  between years (2026 adds ``PRIC IND``), so columns are found by their joined header text.
* A spreadsheet re-save (2025A): trailing zeros dropped (``"1.3"`` for ``1.30``), locality ``"0"``
  for ``"00"``, MAC ``"2102"`` for ``"02102"``.
* LOCCO: blank separator rows, the state written only on a state's first row, stray spaces.
* ZIP5: fixed width (state 1-2, ZIP 3-7, carrier 8-12, locality 13-14, rural 15, year+quarter 76-80).

CPT descriptors are AMA copyright: the DESCRIPTION column is never read.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem, RatekitError

#: Status codes whose RVUs are used for Medicare payment (RVU25D.pdf, "Status Code" and Attachment A).
PAID_STATUSES: tuple[str, ...] = ("A", "R", "T")

RELEASE_NAME = re.compile(r"^(\d{4})([A-Z]{1,2})$")
_RELEASED = re.compile(r"RELEASED\s+(\d{1,2})/(\d{1,2})/(\d{4})")
_DECIMAL = re.compile(r"^(\d*)(?:\.(\d*))?$")

#: PPRRVU columns the engine needs: canonical name -> header text as CMS writes it (joined, one space).
_RVU_COLUMNS: dict[str, str] = {
    "hcpcs": "HCPCS",
    "modifier": "MOD",
    "status": "STATUS CODE",
    "not_used_for_payment": "NOT USED FOR MEDICARE PAYMENT",
    "work_rvu": "WORK RVU",
    "pe_nf_rvu": "NON-FAC PE RVU",
    "na_nf": "NON-FAC NA INDICATOR",
    "pe_f_rvu": "FACILITY PE RVU",
    "na_f": "FACILITY NA INDICATOR",
    "mp_rvu": "MP RVU",
    "pctc": "PCTC IND",
    "glob_days": "GLOB DAYS",
    "pre_op": "PRE OP",
    "intra_op": "INTRA OP",
    "post_op": "POST OP",
    "mult_proc": "MULT PROC",
    "bilat_surg": "BILAT SURG",
    "asst_surg": "ASST SURG",
    "co_surg": "CO- SURG",
    "team_surg": "TEAM SURG",
    "endo_base": "ENDO BASE",
    "diag_supervision": "PHYSICIAN SUPERVISION OF DIAGNOSTIC PROCEDURES",
    "imaging_family": "DIAGNOSTIC IMAGING FAMILY INDICATOR",
    "conversion_factor": "CONV FACTOR",
    "opps_pe_nf_rvu": "NON-FACILITY PE USED FOR OPPS PAYMENT AMOUNT",
    "opps_pe_f_rvu": "FACILITY PE USED FOR OPPS PAYMENT AMOUNT",
    "opps_mp_rvu": "MP USED FOR OPPS PAYMENT AMOUNT",
}
#: Columns a PPRRVU file may lack (older layouts): read as blank, RVUs as 0. Without the OPPS columns
#: a release without an OPPSCAP file cannot be capped (ratekit.medicare says so).
_OPTIONAL_RVU_COLUMNS: frozenset[str] = frozenset({
    "not_used_for_payment", "pctc", "glob_days", "opps_pe_nf_rvu", "opps_pe_f_rvu", "opps_mp_rvu",
    "pre_op", "intra_op", "post_op", "mult_proc", "bilat_surg", "asst_surg", "co_surg", "team_surg",
    "endo_base", "diag_supervision", "imaging_family",
})
#: Payment-policy indicator columns kept as CMS's text (RVU25D.pdf, "MULT PROC" ... "DIAGNOSTIC
#: IMAGING FAMILY INDICATOR"): what claim-time rules (multiple procedure, bilateral, assistant,
#: co- and team surgery, endoscopy base code, imaging family) need.
INDICATOR_COLUMNS: tuple[str, ...] = (
    "pctc", "glob_days", "mult_proc", "bilat_surg", "asst_surg", "co_surg", "team_surg", "endo_base",
    "diag_supervision", "imaging_family",
)
#: Shares of a global surgical package (PRE OP, INTRA OP, POST OP: e.g. "0.10"), kept x100 as int.
SHARE_COLUMNS: tuple[str, ...] = ("pre_op", "intra_op", "post_op")
#: Integer-scaled RVU columns of the compact RVU table (x100).
RVU_INT_COLUMNS: tuple[str, ...] = (
    "work_rvu", "pe_nf_rvu", "pe_f_rvu", "mp_rvu", "opps_pe_nf_rvu", "opps_pe_f_rvu", "opps_mp_rvu",
)
#: Columns of the compact RVU table, in order.
RVU_TABLE_COLUMNS: tuple[str, ...] = (
    ("hcpcs", "modifier", "status", "not_used_for_payment") + INDICATOR_COLUMNS + ("na_nf", "na_f")
    + RVU_INT_COLUMNS + SHARE_COLUMNS
)
#: Columns of a GPCI table (GPCIs x1000).
GPCI_COLUMNS: tuple[str, ...] = ("mac", "locality", "state", "name", "work_gpci", "pe_gpci", "mp_gpci")
#: Columns of the locality-county table.
LOCCO_COLUMNS: tuple[str, ...] = ("mac", "locality", "state", "area", "counties")
#: Columns of the ZIP5 table.
ZIP_COLUMNS: tuple[str, ...] = ("zip", "state", "mac", "locality", "rural", "plus4")
#: Columns of the OPPS cap table (amounts in cents).
CAP_COLUMNS: tuple[str, ...] = ("hcpcs", "modifier", "status", "mac", "locality", "f_cap", "nf_cap")


# --- exact decimal text ---------------------------------------------------------------------------

def scaled(text: str, places: int, *, what: str = "value", file: str = "") -> int:
    """Exact integer ``text × 10**places`` from CMS decimal text ("1.3" -> 130 at 2 places).

    Blank means 0. More decimals than ``places`` are accepted only when the extra digits are zeros,
    so nothing is ever rounded here.
    """
    s = str(text).strip()
    if s in ("", "."):
        return 0
    m = _DECIMAL.match(s)
    if not m:
        raise RatekitError(Problem(file, f"{what} is not a plain decimal number", value=text,
                                   fix="check the file is CMS's CSV, unedited"))
    whole, frac = m.group(1) or "0", m.group(2) or ""
    if len(frac) > places:
        if frac[places:].strip("0"):
            raise RatekitError(Problem(file, f"{what} has more than {places} decimals", value=text,
                                       fix="CMS publishes this with at most that many decimals"))
        frac = frac[:places]
    return int(whole) * 10**places + int(frac.ljust(places, "0") or "0")


def scaled_array(values, places: int, *, what: str, file: str = "") -> np.ndarray:
    """:func:`scaled` over a column, as int64."""
    return np.array([scaled(v, places, what=what, file=file) for v in values], dtype=np.int64)


def zero_pad(values: pd.Series, width: int) -> pd.Series:
    """Digits left-padded with zeros: MAC "2102" -> "02102", locality "0" -> "00"."""
    return values.astype("str").str.strip().str.zfill(width)


def decimal_text(scaled: int, places: int) -> str:
    """Inverse of :func:`scaled`: 323465 at 4 places -> "32.3465"."""
    sign = "-" if scaled < 0 else ""
    q, r = divmod(abs(int(scaled)), 10**places)
    return f"{sign}{q}.{r:0{places}d}" if places else f"{sign}{q}"


# --- PPRRVU ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RvuFile:
    """What one PPRRVU file says: its RVU rows and the facts recorded in it."""

    rvus: pd.DataFrame
    released: dt.date
    conversion_factor: str  #: exact text with 4 decimals, e.g. "32.3465"
    source_file: str
    header: list[str] = field(default_factory=list)  #: every column header as read (for the docs)
    missing: list[str] = field(default_factory=list)  #: optional columns the file lacks


def _read_csv_text(path: Path) -> pd.DataFrame:
    """Any CMS CSV as a grid of strings, rows padded to the widest (no NaN, no type guessing).

    Title rows may have fewer fields than the table (a re-saved file drops trailing commas), so the
    grid is built with the csv module rather than a parser that fixes the width from the first line.
    """
    with open(path, newline="", encoding="latin-1") as fh:
        rows = list(csv.reader(fh))
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype="str")


def _joined_header(grid: pd.DataFrame, file: str) -> tuple[int, list[str]]:
    """Find the header block of a PPRRVU grid; return (row of the last header row, column names).

    The last header row is the one whose first cell is "HCPCS". Rows above it belong to the header
    while they have text beyond the first three columns (title rows only use column 3); the column
    name is the header rows' text joined top to bottom with single spaces.
    """
    first = grid.iloc[:, 0].str.strip().str.upper()
    hits = np.flatnonzero(first.to_numpy() == "HCPCS")
    if len(hits) == 0:
        raise RatekitError(Problem(file, "no header row starting with HCPCS",
                                   fix="supply CMS's PPRRVU CSV file as published"))
    last = int(hits[0])
    top = last
    while top > 0:
        row = grid.iloc[top - 1].str.strip()
        if not (row.iloc[3:] != "").any():
            break
        top -= 1
    block = grid.iloc[top:last + 1]
    names = []
    for j in range(grid.shape[1]):
        parts = [p.strip() for p in block.iloc[:, j] if p.strip()]
        names.append(re.sub(r"\s+", " ", " ".join(parts)).upper())
    return last, names


#: Indicators CMS writes with a fixed number of digits, which a spreadsheet re-save shortens (2025A: "90").
_INDICATOR_WIDTH = {"glob_days": 3, "imaging_family": 2, "diag_supervision": 2}


def _indicator(values: pd.Series, key: str) -> pd.Series:
    """An indicator column as CMS writes it: digits-only values padded back to their width ("90" -> "090")."""
    width = _INDICATOR_WIDTH.get(key)
    if width is None:
        return values
    digits = values.str.fullmatch(r"\d+")
    return values.where(~digits, values.str.zfill(width))


def read_pprrvu(path: Path) -> RvuFile:
    """Read a CMS national RVU file (PPRRVU*.csv) exactly as CMS publishes it.

    Columns are found by header text, so a column added in a later year (2026's ``PRIC IND``)
    changes nothing. Trailing blank rows are dropped. The release date comes from the
    "RELEASED mm/dd/yyyy" title row and the conversion factor from the CONV FACTOR column
    (which must hold one value).

    Parameters
    ----------
    path : Path
        The PPRRVU CSV.

    Returns
    -------
    RvuFile
        ``rvus`` has :data:`RVU_TABLE_COLUMNS`: strings for codes and indicators, RVUs as int64 x100,
        NA indicators as bool.
    """
    path = Path(path)
    file = path.name
    grid = _read_csv_text(path)
    last, names = _joined_header(grid, file)
    where: dict[str, int] = {}
    missing: list[str] = []
    for key, text in _RVU_COLUMNS.items():
        cols = [j for j, n in enumerate(names) if n == text]
        if len(cols) == 0 and key in _OPTIONAL_RVU_COLUMNS:
            missing.append(text)
            continue
        if len(cols) != 1:
            raise RatekitError(Problem(file, f"expected one column headed {text!r}, found {len(cols)}",
                                       fix="supply CMS's PPRRVU CSV; columns are matched by header text"))
        where[key] = cols[0]
    title = " ".join(grid.iloc[:last].to_numpy().ravel().tolist())
    m = _RELEASED.search(title)
    if not m:
        raise RatekitError(Problem(file, "no 'RELEASED mm/dd/yyyy' title row",
                                   fix="supply CMS's PPRRVU CSV with its title rows"))
    released = dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2)))

    body = grid.iloc[last + 1:]
    # blank rows, and the DOS end-of-file mark (Ctrl-Z) CMS's files end with, are not codes
    body = body[(body.apply(lambda c: c.str.strip(" \t\x1a")) != "").any(axis=1)]
    raw = pd.DataFrame({k: body.iloc[:, j].str.strip().to_numpy() for k, j in where.items()})
    for key in _RVU_COLUMNS:
        if key not in raw:
            raw[key] = ""  # an optional column this file lacks: blank, RVUs 0
    if (raw["hcpcs"] == "").any():
        bad = int(np.flatnonzero(raw["hcpcs"].to_numpy() == "")[0])
        raise RatekitError(Problem(file, "a data row has no HCPCS code", row=last + 2 + bad,
                                   fix="remove the row or restore its code"))
    dup = raw.duplicated(["hcpcs", "modifier"])
    if dup.any():
        raise RatekitError(Problem(file, "a code and modifier appear twice",
                                   value=" ".join(raw.loc[dup, ["hcpcs", "modifier"]].iloc[0]),
                                   fix="supply CMS's file unedited"))
    cfs = {scaled(v, 4, what="CONV FACTOR", file=file) for v in raw["conversion_factor"] if v}
    if len(cfs) != 1:
        raise RatekitError(Problem(file, f"expected one conversion factor, found {len(cfs)}",
                                   column="CONV FACTOR", fix="supply CMS's file unedited"))
    out = pd.DataFrame({
        "hcpcs": raw["hcpcs"].str.upper(),
        "modifier": raw["modifier"].str.upper(),
        "status": raw["status"].str.upper(),
        "not_used_for_payment": raw["not_used_for_payment"],
        **{key: _indicator(raw[key], key) for key in INDICATOR_COLUMNS},
        "na_nf": raw["na_nf"].str.upper() == "NA",
        "na_f": raw["na_f"].str.upper() == "NA",
    })
    for key in RVU_INT_COLUMNS + SHARE_COLUMNS:
        out[key] = scaled_array(raw[key], 2, what=_RVU_COLUMNS[key], file=file)
    return RvuFile(rvus=out, released=released, conversion_factor=decimal_text(cfs.pop(), 4),
                   source_file=file, header=[n for n in names if n], missing=missing)


# --- GPCI ------------------------------------------------------------------------------------------

def read_gpci(path: Path) -> pd.DataFrame:
    """Read a CMS GPCI file (Addendum E, e.g. GPCI2025.csv) or a derived GPCI table.

    CMS's file: title rows, a header row starting "Medicare Administrative Contractor", one row per
    locality, then footnote rows. A derived table (``mac,state,locality,locality_name,work_gpci,
    pe_gpci,mp_gpci``) is read too. GPCIs are returned x1000 as int64, MAC and locality zero-padded.
    """
    path = Path(path)
    file = path.name
    grid = _read_csv_text(path)
    first = grid.iloc[:, 0].str.strip().str.lower()
    head = np.flatnonzero(first.str.startswith("medicare administrative contractor").to_numpy()
                          | (first == "mac").to_numpy())
    if len(head) == 0:
        raise RatekitError(Problem(file, "no header row naming the Medicare Administrative Contractor",
                                   fix="supply CMS's GPCI CSV (Addendum E) as published"))
    h = int(head[0])
    names = [re.sub(r"\s+", " ", c.strip().lower()) for c in grid.iloc[h]]

    def col(pattern: str) -> int:
        hits = [j for j, n in enumerate(names) if re.search(pattern, n)]
        if not hits:
            raise RatekitError(Problem(file, f"no column whose header matches {pattern!r}",
                                       fix="supply CMS's GPCI CSV as published"))
        return hits[0]

    c_mac = 0
    c_state = col(r"^state$")
    c_loc = col(r"^locality( number)?$")
    c_name = col(r"locality[ _]name")
    c_w = col(r"\b(pw|work)[ _]gpci")
    c_pe = col(r"\bpe[ _]gpci")
    c_mp = col(r"\bmp[ _]gpci")
    body = grid.iloc[h + 1:]
    keep = body.iloc[:, c_mac].str.strip().str.fullmatch(r"\d{1,5}").to_numpy()
    body = body[keep]
    out = pd.DataFrame({
        "mac": zero_pad(body.iloc[:, c_mac], 5).to_numpy(),
        "locality": zero_pad(body.iloc[:, c_loc], 2).to_numpy(),
        "state": body.iloc[:, c_state].str.strip().to_numpy(),
        "name": body.iloc[:, c_name].str.strip().to_numpy(),
        "work_gpci": scaled_array(body.iloc[:, c_w], 3, what="work GPCI", file=file),
        "pe_gpci": scaled_array(body.iloc[:, c_pe], 3, what="PE GPCI", file=file),
        "mp_gpci": scaled_array(body.iloc[:, c_mp], 3, what="MP GPCI", file=file),
    })
    if out.duplicated(["mac", "locality"]).any():
        raise RatekitError(Problem(file, "a MAC and locality appear twice", fix="supply CMS's file unedited"))
    return out.reset_index(drop=True)


# --- LOCCO -----------------------------------------------------------------------------------------

def read_locco(path: Path) -> pd.DataFrame:
    """Read CMS's locality-county file (e.g. 25LOCCO.csv): MAC, locality, state, area name, counties.

    Blank separator rows and footnotes are dropped; the state, written only on each state's first
    row, is carried down; text is stripped of stray spaces.
    """
    path = Path(path)
    grid = _read_csv_text(path)
    mac = grid.iloc[:, 0].str.strip()
    body = grid[mac.str.fullmatch(r"\d{1,5}").to_numpy()]
    state = body.iloc[:, 2].str.strip().replace("", np.nan).ffill()
    out = pd.DataFrame({
        "mac": zero_pad(body.iloc[:, 0], 5).to_numpy(),
        "locality": zero_pad(body.iloc[:, 1], 2).to_numpy(),
        "state": state.fillna("").to_numpy(),
        "area": body.iloc[:, 3].str.strip().str.replace(r"\s+", " ", regex=True).to_numpy(),
        "counties": body.iloc[:, 4].str.strip().str.replace(r"\s+", " ", regex=True).to_numpy(),
    })
    # a locality serviced by two carriers is listed twice (footnote "*"): keep one row
    return out.drop_duplicates(["mac", "locality"]).reset_index(drop=True)


# --- ZIP5 ------------------------------------------------------------------------------------------

def read_zip5(path: Path) -> tuple[pd.DataFrame, str]:
    """Read CMS's fixed-width ZIP5 carrier-locality file; return (table, year+quarter e.g. "20254").

    Layout (ZIP5lyout.txt): state 1-2, ZIP 3-7, carrier 8-12, pricing locality 13-14, rural
    indicator 15 (blank urban, R rural, B super rural), plus-four flag 21, year+quarter 76-80.
    """
    path = Path(path)
    lines = [ln.rstrip("\r\n") for ln in path.read_text(encoding="latin-1").splitlines() if ln.strip()]
    rows = [(ln[0:2], ln[2:7], ln[7:12], ln[12:14], ln[14:15].strip(), ln[20:21].strip(), ln[75:80].strip())
            for ln in lines]
    df = pd.DataFrame(rows, columns=["state", "zip", "mac", "locality", "rural", "plus4", "yq"])
    if not df["zip"].str.fullmatch(r"\d{5}").all():
        raise RatekitError(Problem(path.name, "a ZIP5 row has no 5-digit ZIP in columns 3-7",
                                   fix="supply CMS's fixed-width ZIP5 file"))
    quarters = sorted(set(df["yq"]) - {""})
    df = df[list(ZIP_COLUMNS)]
    return df.reset_index(drop=True), (quarters[-1] if quarters else "")


# --- OPPS cap --------------------------------------------------------------------------------------

def read_oppscap(path: Path) -> pd.DataFrame:
    """Read CMS's OPPSCAP file: per code, modifier, carrier and locality, the capped amounts (cents).

    RVU25D.pdf: the file "contains the payment amounts after the application of the OPPS based
    payment caps, except for carrier priced codes. For carrier price codes, the field only contains
    the OPPS based payment caps."
    """
    path = Path(path)
    file = path.name
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="latin-1")
    df.columns = [re.sub(r"\s+", " ", c.strip().upper()) for c in df.columns]
    need = {"HCPCS": "hcpcs", "MOD": "modifier", "PROCSTAT": "status", "CARRIER": "mac",
            "LOCALITY": "locality"}
    missing = [c for c in need if c not in df.columns]
    fac = [c for c in df.columns if c.startswith("FACILITY")]
    nonfac = [c for c in df.columns if c.startswith("NON-FAC")]
    if missing or len(fac) != 1 or len(nonfac) != 1:
        raise RatekitError(Problem(file, "not CMS's OPPSCAP layout (HCPCS, MOD, PROCSTAT, CARRIER, "
                                         "LOCALITY, FACILITY PRICE, NON-FACILITY PRICE)",
                                   fix="supply CMS's OPPSCAP CSV as published"))
    df = df[df["HCPCS"].str.strip() != ""]
    out = pd.DataFrame({new: df[old].str.strip().str.upper().to_numpy() for old, new in need.items()})
    out["mac"] = zero_pad(out["mac"], 5)
    out["locality"] = zero_pad(out["locality"], 2)
    out["f_cap"] = scaled_array(df[fac[0]], 2, what="FACILITY PRICE", file=file)
    out["nf_cap"] = scaled_array(df[nonfac[0]], 2, what="NON-FACILITY PRICE", file=file)
    return out.reset_index(drop=True)


# --- a raw release folder --------------------------------------------------------------------------

@dataclass(frozen=True)
class RawRelease:
    """Everything one raw CMS release folder holds (the parts that exist)."""

    name: str
    rvu: RvuFile
    gpci: pd.DataFrame | None
    gpci_file: str
    locco: pd.DataFrame | None
    oppscap: pd.DataFrame | None
    oppscap_file: str


def release_year(name: str) -> int:
    """2025 from "2025D"; raises for a name that is not YYYY + letter(s)."""
    m = RELEASE_NAME.match(str(name).strip().upper())
    if not m:
        raise RatekitError(Problem(name, "a release is named YYYY and a letter, e.g. 2025A or 2025D",
                                   value=name, fix="use a name such as 2025D"))
    return int(m.group(1))


def find_one(folder: Path, pattern: str, what: str, *, required: bool) -> Path | None:
    """The one file of ``folder`` whose name matches ``pattern`` (case ignored); an error if several."""
    hits = sorted(p for p in folder.iterdir() if p.is_file() and re.fullmatch(pattern, p.name, re.I))
    if len(hits) > 1:
        raise RatekitError(Problem(str(folder), f"more than one {what} file: {', '.join(p.name for p in hits)}",
                                   fix=f"keep one {what} file per release folder"))
    if not hits and required:
        raise RatekitError(Problem(str(folder), f"no {what} file", fix=f"add CMS's {what} CSV to the folder"))
    return hits[0] if hits else None


def read_raw_release(folder: Path) -> RawRelease:
    """Read one release folder in CMS's raw layout (PPRRVU*.csv, GPCI*.csv, *LOCCO*.csv, OPPSCAP*.csv).

    Only the PPRRVU file is required; the folder's name is the release name (e.g. ``2025D``).
    """
    folder = Path(folder)
    release_year(folder.name)
    rvu = read_pprrvu(find_one(folder, r"PPRRVU.*\.csv", "PPRRVU", required=True))
    gp = find_one(folder, r"GPCI.*\.csv", "GPCI", required=False)
    lc = find_one(folder, r".*LOCCO.*\.csv", "LOCCO", required=False)
    oc = find_one(folder, r"OPPSCAP.*\.csv", "OPPSCAP", required=False)
    return RawRelease(
        name=folder.name, rvu=rvu,
        gpci=read_gpci(gp) if gp else None, gpci_file=gp.name if gp else "",
        locco=read_locco(lc) if lc else None,
        oppscap=read_oppscap(oc) if oc else None, oppscap_file=oc.name if oc else "",
    )
