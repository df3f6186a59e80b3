"""Fee schedules and utilization files -> tidy tables, with every problem a person can act on.

Payers send fee schedules as CSV or Excel with their own column names. This module finds the
columns by their header text (see :data:`HEADER_SYNONYMS`; title rows above the header are
skipped), cleans amounts such as ``"$1,234.50"``, reads contract lines written as a percent of
Medicare (``"120% of Medicare"`` in the rate cell, a ``% of Medicare`` column, or a whole-payer
``contract:`` in client.yaml) and prices them with :func:`ratekit.medicare.price`, keeps the rate in
force on the client's benchmark date, and reports each problem with its file, sheet, row, column,
value and fix.

Everything is vectorised: cleaning runs once per distinct cell text (a million utilization rows
hold a few thousand distinct codes), and :class:`~ratekit.errors.Problem` records are built only
for the rows that have one.

Tidy outputs
------------
rates : one row per payer, code, modifier and setting (:data:`RATE_COLUMNS`)
    ``setting`` is ``"nonfacility"``, ``"facility"`` or ``""`` (the rate applies in both).
    ``rate_basis`` is ``"flat"`` (a dollar amount) or ``"pct_of_medicare"`` (``contract_percent``
    % of the Medicare amount of ``medicare_release`` at the client's locality, in ``rate``);
    ``effective_date`` is NaT when the file gives none; ``file, sheet, row`` say where the rate
    came from (``row`` is NaN for a whole-payer contract).
utilization : one row per payer, code, modifier and setting (:data:`UTILIZATION_COLUMNS`)
    ``units`` summed over the file's rows; ``row`` is the first spreadsheet row of the group.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from . import medicare
from .client import Client, normalise_name
from .errors import Problem, Problems, RatekitError

#: Accepted header texts (case, spacing and punctuation ignored: "% of Medicare" reads "of medicare").
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "hcpcs": ("code", "cpt", "hcpcs", "cpt hcpcs", "hcpcs code", "cpt code", "proc code", "procedure code",
              "procedure", "service code", "cpt hcpcs code"),
    "modifier": ("mod", "modifier", "mod1", "modifier 1", "mod 1"),
    "rate": ("rate", "fee", "allowed", "allowed amount", "contract rate", "amount", "fee amount", "payment",
             "contracted rate"),
    "pct_of_medicare": ("of medicare", "pct of medicare", "percent of medicare", "medicare pct",
                        "medicare percent", "pct medicare", "percent medicare", "of mcr", "pct of mcr"),
    "setting": ("pos", "place of service", "setting", "site of service", "pos code", "place of service code",
                "facility non facility", "facility indicator"),
    "effective": ("effective", "effective date", "eff date", "effective from", "start date", "valid from",
                  "eff dt", "effective dt"),
    "payer": ("payer", "payor", "plan", "insurance", "carrier", "payer name", "payor name"),
    "units": ("units", "volume", "count", "services", "units billed", "annual units"),
}

#: Place of service -> Medicare setting. CMS pays the facility amount in these places of service
#: (CMS POS code set; MLN "Place of Service Codes" and the PFS facility rule): 02 telehealth other
#: than in the patient's home, 19 off-campus and 22 on-campus outpatient hospital, 21 inpatient
#: hospital, 23 emergency room, 24 ambulatory surgical center, 26 military facility, 31 skilled
#: nursing facility, 34 hospice, 41/42 ambulance, 51/52 psychiatric facility, 53 community mental
#: health center, 56 psychiatric residential treatment, 61 comprehensive inpatient rehabilitation.
#: Every other 2-digit POS (11 office, 12 home, 10 telehealth in the patient's home, ...) is paid
#: the non-facility amount.
FACILITY_POS: tuple[str, ...] = ("02", "19", "21", "22", "23", "24", "26", "31", "34", "41", "42", "51", "52",
                                 "53", "56", "61")
_SETTING_WORDS: dict[str, str] = {
    "office": "nonfacility", "non facility": "nonfacility", "nonfacility": "nonfacility", "non fac": "nonfacility",
    "nf": "nonfacility", "clinic": "nonfacility", "home": "nonfacility", "professional office": "nonfacility",
    "facility": "facility", "fac": "facility", "f": "facility", "hospital": "facility", "inpatient": "facility",
    "outpatient hospital": "facility", "hospital outpatient": "facility", "hopd": "facility", "asc": "facility",
    "ambulatory surgical center": "facility", "ambulatory surgery center": "facility", "snf": "facility",
    "skilled nursing facility": "facility", "er": "facility", "emergency room": "facility",
    "all": "", "any": "", "both": "",
}
SETTINGS: tuple[str, ...] = ("nonfacility", "facility")

_CODE = re.compile(r"^(?:\d{4}[0-9FTU]|[A-V]\d{4})$")
_MODIFIER = re.compile(r"^(?:[0-9A-Z]{2})?$")
_MONEY = re.compile(r"^\(?-?\$?\s*-?[0-9][0-9,]*(?:\.[0-9]+)?\)?$|^-?\$?\s*\.[0-9]+$")
#: "120% of Medicare", "117.5 % of the 2023 Medicare fee schedule", "110% MCR"
_PCT_OF_MEDICARE = re.compile(
    r"^(?P<pct>\d+(?:\.\d+)?)\s*%\s*(?:of\s+)?(?:the\s+)?(?:(?P<year>(?:19|20)\d{2})\s+)?(?:cms\s+)?"
    r"(?:medicare|mcr)(?:\s+(?:physician\s+)?(?:fee\s+schedule|pfs|rates?|allowables?|allowed(?:\s+amounts?)?))?"
    r"\s*\.?$", re.IGNORECASE)
_PCT_CELL = re.compile(r"^(?P<num>\d+(?:\.\d+)?)\s*(?P<sign>%?)$")
_BARE_PCT = re.compile(r"^\d+(?:\.\d+)?\s*%.*$")

#: Medicare status codes (RVU25D.pdf, Attachment A) in plain words, for "not payable" warnings.
STATUS_WORDS: dict[str, str] = {
    "B": "bundled into other services", "C": "priced by the Medicare contractor", "D": "deleted",
    "E": "excluded from the fee schedule by regulation", "I": "not valid for Medicare (another code is used)",
    "J": "anesthesia service", "M": "a measurement code, not paid", "N": "not covered by Medicare",
    "P": "bundled or excluded", "X": "excluded by statute",
}

RATE_COLUMNS = ["payer", "hcpcs", "modifier", "setting", "rate", "rate_basis", "contract_percent",
                "medicare_release", "effective_date", "file", "sheet", "row"]
UTILIZATION_COLUMNS = ["payer", "hcpcs", "modifier", "setting", "units", "row"]
_SETTING_FIX = ("write office or 11 for the non-facility setting, or facility, hospital, ASC, 19, 21, 22, 23 "
                "or 24 for the facility setting; leave it empty when the rate applies in both")


# --- cells -----------------------------------------------------------------------------------------

def _header_key(text: object) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


def find_columns(headers: list[object]) -> dict[str, str]:
    """Map each known field to the first header that names it.

    Parameters
    ----------
    headers : list
        The header row as read.

    Returns
    -------
    dict
        ``{"hcpcs": "CPT/HCPCS", "rate": "Allowed", ...}`` for the fields found (keys of
        :data:`HEADER_SYNONYMS`).
    """
    found: dict[str, str] = {}
    for header in headers:
        key = _header_key(header)
        for name, names in HEADER_SYNONYMS.items():
            if name not in found and key in names:
                found[name] = header
    return found


def _money(text: str) -> float | None:
    if not text or not _MONEY.match(text):
        return None
    negative = text.startswith("(") and text.endswith(")") or "-" in text
    number = float(re.sub(r"[^0-9.]", "", text))
    return -number if negative else number


def parse_money(value: object) -> float | None:
    """``"$1,234.50"`` -> 1234.5; numbers pass through; None when not an amount."""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return None if pd.isna(value) else float(value)
    return _money(str(value).strip())


def clean_code(value: object) -> str:
    """Upper-case, strip spaces; restore the leading zeros a spreadsheet dropped (``100`` -> ``00100``)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().upper()
    if text.isdigit() and len(text) < 5:
        text = text.zfill(5)
    return text


@functools.lru_cache(maxsize=65536)
def _code_info(text: str) -> tuple[str, bool]:
    """(cleaned code, whether it is a CPT/HCPCS code), cached: every payer lists the same codes."""
    code = clean_code(text)
    return code, bool(_CODE.match(code))


def parse_setting(value: object) -> str | None:
    """Place of service or setting text -> ``"nonfacility"``, ``"facility"``, ``""`` (both) or None (unknown).

    ``11``/``office`` -> non-facility; ``hospital``, ``facility``, ``ASC`` and the facility POS codes
    of :data:`FACILITY_POS` (19, 21, 22, 23, 24, ...) -> facility; any other 2-digit POS ->
    non-facility (CMS pays the non-facility amount there); empty -> ``""``.
    """
    text = _header_key(value)
    if text == "":
        return ""
    if text.isdigit() and len(text) <= 2:
        return "facility" if text.zfill(2) in FACILITY_POS else "nonfacility"
    return _SETTING_WORDS.get(text)


def _percent_e4(text: str) -> int | None:
    """``"117.5"`` -> 1_175_000 (the percent in units of 1/10,000 %), exact; None beyond 4 decimals."""
    try:
        scaled = Decimal(text) * 10000
    except InvalidOperation:
        return None
    return int(scaled) if scaled == scaled.to_integral_value() else None


def _rate_cell(text: str) -> tuple[str, float | None, str]:
    """Classify a rate cell: ("money", amount, "") / ("pct", percent, year) / ("blank"|"bare_pct"|"bad", None, "")."""
    if text == "":
        return "blank", None, ""
    amount = _money(text)
    if amount is not None:
        return "money", amount, ""
    m = _PCT_OF_MEDICARE.match(text)
    if m:
        return "pct", float(m.group("pct")), m.group("year") or ""
    if _BARE_PCT.match(text):
        return "bare_pct", None, ""
    return "bad", None, ""


def _pct_cell(text: str) -> tuple[str, float | None]:
    """A ``% of Medicare`` cell: ``120%``, ``120`` (percent) or ``1.2`` (a multiple, below 5)."""
    if text == "":
        return "blank", None
    m = _PCT_CELL.match(text.replace(" ", ""))
    if not m:
        m2 = _PCT_OF_MEDICARE.match(text)
        return ("pct", float(m2.group("pct"))) if m2 else ("bad", None)
    number = Decimal(m.group("num"))
    if m.group("sign"):
        return "pct", float(number)
    if number < 5:
        return "pct", float(number * 100)
    if number < 10:
        return "ambiguous", None
    return "pct", float(number)


def _cell_text(value: object) -> str:
    """A spreadsheet cell as text: integers without ``.0``, dates as ISO, empty for blanks."""
    if isinstance(value, str):
        return value.strip()
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.date().isoformat() if (value.hour, value.minute, value.second) == (0, 0, 0) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _text(column: pd.Series) -> pd.Series:
    """Cells as stripped ``str`` (no NaN), cleaned once per distinct value."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    texts = np.array([_cell_text(u) for u in np.asarray(uniques, dtype=object)] + [""], dtype=object)
    return pd.Series(texts[codes], index=column.index, dtype="str")


def _per_unique(column: pd.Series, fn) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``fn`` to each distinct value: returns (codes, results as object array)."""
    codes, uniques = pd.factorize(column)
    return codes, np.array([fn(u) for u in np.asarray(uniques, dtype=object)] + [None], dtype=object)


def _rate_cells(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_rate_cell` for many distinct texts at once: (kind, amount, year) arrays.

    Amounts are parsed with vectorised string operations; only cells that are not amounts go
    through the percent-of-Medicare patterns one by one (they are few).
    """
    cells = pd.Series(texts, dtype=object)
    kind = np.full(len(cells), "bad", dtype=object)
    amount = np.full(len(cells), np.nan)
    year = np.full(len(cells), "", dtype=object)
    blank = (cells == "").to_numpy()
    money = cells.str.match(_MONEY).fillna(False).to_numpy(dtype=bool) & ~blank
    if money.any():
        m = cells[money]
        negative = ((m.str.startswith("(") & m.str.endswith(")")) | m.str.contains("-", regex=False)).to_numpy()
        number = pd.to_numeric(m.str.replace(r"[^0-9.]", "", regex=True), errors="coerce").to_numpy(dtype=float)
        amount[money] = np.where(negative, -number, number)
        kind[money] = "money"
    kind[blank] = "blank"
    for i in np.flatnonzero(~money & ~blank):
        kind[i], value, year[i] = _rate_cell(texts[i])
        amount[i] = np.nan if value is None else value
    return kind, amount, year


# --- files -----------------------------------------------------------------------------------------

def _read_book(path: Path, fname: str) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook as object cells; raise RatekitError when unreadable."""
    try:
        return pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl", header=0)
    except Exception as exc:  # openpyxl raises assorted errors on corrupt workbooks
        raise RatekitError(Problem(fname, f"cannot read the file ({exc.__class__.__name__})",
                                   fix="save it as CSV (UTF-8) or XLSX")) from None


def _read_table(path: Path, sheet: str | None, fname: str, books: dict | None = None, *,
                categorical: bool = False) -> pd.DataFrame:
    """Read a CSV or one sheet of a workbook; raise RatekitError when unreadable.

    CSV cells come back as Python ``str`` objects (``categorical``: as categoricals, which parse a
    million-row file with few distinct values fastest; numeric-looking categories become numbers);
    workbook cells as Python objects (see :func:`_cell_text`). Blank lines are kept so row numbers
    match the file. ``books`` caches workbooks read for other sheets.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise RatekitError(Problem(fname, "the file does not exist", fix="add the file or fix its name in client.yaml"))
    if suffix == ".xls":
        raise RatekitError(Problem(fname, "old Excel .xls files cannot be read", fix="save it as .xlsx or CSV (UTF-8)"))
    if suffix in (".xlsx", ".xlsm"):
        key = str(path.resolve())
        book = books.get(key) if books is not None else None
        if book is None:
            book = _read_book(path, fname)
            if books is not None:
                books[key] = book
        if sheet is None:
            if len(book) != 1:
                raise RatekitError(Problem(fname, f"the workbook has {len(book)} sheets",
                                           fix="name the sheet in client.yaml: fee_schedule: file.xlsx#Sheet"))
            return next(iter(book.values()))
        if sheet not in book:
            raise RatekitError(Problem(fname, f"no sheet {sheet!r} in the workbook", sheet=sheet,
                                       fix=f"use one of: {', '.join(book)}"))
        return book[sheet]
    if suffix in (".csv", ".txt"):
        last: Exception | None = None
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                table = pd.read_csv(path, dtype="category" if categorical else object, keep_default_na=False,
                                    encoding=encoding, skip_blank_lines=False)
                return table if categorical else table.fillna("")
            except pd.errors.EmptyDataError:
                raise RatekitError(Problem(fname, "the file is empty", fix="export the file again")) from None
            except UnicodeDecodeError as exc:
                last = exc
            except (ValueError, OSError) as exc:
                raise RatekitError(Problem(fname, f"cannot read the file ({exc.__class__.__name__}: {exc})",
                                           fix="save it as CSV (UTF-8) or XLSX")) from None
        raise RatekitError(Problem(fname, f"cannot read the file ({last.__class__.__name__}: {last})",
                                   fix="save it as CSV (UTF-8) or XLSX"))
    raise RatekitError(Problem(fname, f"unsupported file type {suffix!r}", fix="use .csv or .xlsx"))


def _header_row(table: pd.DataFrame, required: tuple[str, ...], either: tuple[str, ...] = ()) -> \
        tuple[pd.DataFrame, dict[str, str]]:
    """Find the header: the first row, or a later one when title rows sit above it (first 15 rows).

    Returns the data below the header (original index kept, so row numbers stay the file's) and
    the columns found.
    """
    def good(cols: dict) -> bool:
        return all(f in cols for f in required) and (not either or any(f in cols for f in either))

    cols = find_columns(list(table.columns))
    if good(cols):
        return table, cols
    for i in range(min(15, len(table))):
        values = [_cell_text(v) for v in table.iloc[i].tolist()]
        found = find_columns(values)
        if good(found):
            body = table.iloc[i + 1:].copy()
            body.columns = [v if v else f"(column {j + 1})" for j, v in enumerate(values)]
            return body, find_columns(list(body.columns))
    return table, cols


# --- fee schedules ---------------------------------------------------------------------------------

def read_fee_schedule(path: str | Path, *, payer: str, sheet: str | None = None,
                      display_name: str | None = None, as_of: dt.date | None = None,
                      lookup: dict[str, str] | None = None,
                      _books: dict | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Read one payer's fee schedule.

    Parameters
    ----------
    path : path
        CSV or XLSX file.
    payer : str
        The payer the rates belong to.
    sheet : str, optional
        Sheet of a workbook.
    display_name : str, optional
        How to name the file in problems (default: the path).
    as_of : date, optional
        Keep, per code, modifier and setting, only the rate in force on this date: the latest
        effective date on or before it (rows without a date count as in force since ever). Rows
        effective later are dropped without an error; a code with only later rows is a warning.
        None keeps every row.
    lookup : dict, optional
        Normalised payer name or alias -> payer (:func:`payer_lookup`): when the file has a payer
        column, only this payer's rows are read and names no payer uses are errors.

    Returns
    -------
    rates : DataFrame
        :data:`RATE_COLUMNS`; rows with errors are left out. Percent-of-Medicare rows have
        ``rate`` NaN until :func:`resolve_percent_of_medicare` prices them.
    problems : list of Problem
        Every error and warning found, with its row as a spreadsheet shows it.

    Raises
    ------
    RatekitError
        When the file cannot be read at all (missing, unreadable, empty, no code or rate column).
    """
    path = Path(path)
    fname = display_name or str(path)
    raw = _read_table(path, sheet, fname, _books)
    rates, problems, _ = _rates_from_table(raw, fname=fname, sheet=sheet, payer=payer, as_of=as_of, lookup=lookup)
    return rates, problems


_FIELD_TEXT = ("hcpcs", "rate", "pct_of_medicare", "modifier", "setting", "effective")


def _rates_from_table(raw: pd.DataFrame, *, fname: str, sheet: str | None, payer: str, as_of: dt.date | None,
                      lookup: dict[str, str] | None) -> tuple[pd.DataFrame, list[Problem], str]:
    """The body of :func:`read_fee_schedule`; also returns the code column's header."""
    fields, problems = _fields(raw, fname=fname, sheet=sheet, payer=payer, lookup=lookup)
    rates, found = _check_rows(fields, as_of)
    return rates, problems + found, fields.attrs["code_column"]


def _fields(raw: pd.DataFrame, *, fname: str, sheet: str | None, payer: str,
            lookup: dict[str, str] | None) -> tuple[pd.DataFrame, list[Problem]]:
    """One fee schedule's cells as text, per field, with where each row comes from.

    Returns a frame with ``payer, file, sheet, row``, the text of each field of
    :data:`_FIELD_TEXT` and the header of its column (``col_<field>``, "" when absent), and the
    file's unknown-payer problems. Raises RatekitError when the file has no rows or lacks the code
    or the rate column.
    """
    if raw.empty or raw.shape[1] == 0:
        raise RatekitError(Problem(fname, "the fee schedule has no rows", sheet=sheet,
                                   fix="export the fee schedule again with its rates"))
    table, cols = _header_row(raw, ("hcpcs",), ("rate", "pct_of_medicare"))
    if "hcpcs" not in cols:
        raise RatekitError(Problem(fname, "no code column", sheet=sheet, row=1, value=", ".join(map(str, raw.columns)),
                                   fix=f"name a column one of: {', '.join(HEADER_SYNONYMS['hcpcs'][:6])}"))
    if "rate" not in cols and "pct_of_medicare" not in cols:
        raise RatekitError(Problem(fname, "no rate column", sheet=sheet, row=1, value=", ".join(map(str, raw.columns)),
                                   fix=f"name a column one of: {', '.join(HEADER_SYNONYMS['rate'][:6])} "
                                       "(or '% of Medicare' for a percent of Medicare)"))
    n = len(table)
    rownum = table.index.to_numpy() + 2  # header is row 1 of the file
    out = {"payer": np.full(n, payer, dtype=object), "file": np.full(n, fname, dtype=object),
           "sheet": np.full(n, sheet or "", dtype=object), "row": rownum}
    for name in _FIELD_TEXT:
        out[name] = _text(table[cols[name]]).to_numpy(dtype=object) if name in cols else np.full(n, "", dtype=object)
        out[f"col_{name}"] = np.full(n, str(cols.get(name, "")), dtype=object)
    fields = pd.DataFrame(out)
    problems: list[Problem] = []
    if "payer" in cols and lookup is not None:
        names = _text(table[cols["payer"]])
        pcodes, owner = _per_unique(names, lambda u: payer if u == "" else lookup.get(normalise_name(u), ""))
        owner = owner[pcodes]
        blank = (fields["hcpcs"] == "") & (fields["rate"] == "") & (fields["pct_of_medicare"] == "")
        unknown = (owner == "") & ~blank.to_numpy()
        for i in np.flatnonzero(unknown):
            problems.append(Problem(fname, "unknown payer", sheet=sheet, row=int(rownum[i]), column=cols["payer"],
                                    value=names.iloc[i],
                                    fix="use a payer name from client.yaml or add it to that payer's aliases"))
        fields = fields[owner == payer].reset_index(drop=True)
    fields.attrs["code_column"] = str(cols["hcpcs"])
    return fields, problems


def _check_rows(fields: pd.DataFrame, as_of: dt.date | None) -> tuple[pd.DataFrame, list[Problem]]:
    """Check and parse fee-schedule rows (of one file or many) in one vectorised pass.

    Each row gets at most one error, the first of: code, modifier, rate or percent, setting,
    effective date. Then repeated rows and rates not in force on ``as_of`` are dealt with
    (:func:`_check_duplicates`, :func:`_in_force`).
    """
    f = fields
    code_t, rate_t, pct_t = f["hcpcs"], f["rate"], f["pct_of_medicare"]
    mod_t, set_t, eff_t = f["modifier"], f["setting"], f["effective"]
    problems: list[tuple[int, str, int, int, Problem]] = []  # sort keys, so problems list file by file, row by row
    order = iter(range(10**9))
    files, sheets, rows = f["file"].to_numpy(), f["sheet"].to_numpy(), f["row"].to_numpy()

    def report(mask: np.ndarray, message: str, field_name: str, fix: str, values: pd.Series | None = None,
               column: np.ndarray | None = None) -> None:
        cols = f[f"col_{field_name}"].to_numpy() if column is None else column
        vals = (f[field_name] if values is None else values).to_numpy()
        for i in np.flatnonzero(mask):
            problems.append((files[i], sheets[i], int(rows[i]), next(order), Problem(
                files[i], message, sheet=sheets[i] or None, row=int(rows[i]), column=cols[i] or None,
                value=vals[i], fix=fix)))

    bad = ((code_t == "") & (rate_t == "") & (pct_t == "")).to_numpy(copy=True)  # blank lines

    ccodes, cinfo = _per_unique(code_t, _code_info)
    code = np.array([c[0] for c in cinfo[:-1]] + [""], dtype=object)[ccodes]
    code_ok = np.array([c[1] for c in cinfo[:-1]] + [False], dtype=bool)[ccodes]
    m = ~bad & ~code_ok
    report(m, "not a CPT/HCPCS code", "hcpcs", "use a 5-character code such as 99213 or G0439")
    bad |= m

    mcodes, minfo = _per_unique(mod_t, lambda v: (v.upper(), bool(_MODIFIER.match(v.upper()))))
    mod = np.array([x[0] for x in minfo[:-1]] + [""], dtype=object)[mcodes]
    m = ~bad & ~np.array([x[1] for x in minfo[:-1]] + [True], dtype=bool)[mcodes]
    report(m, "a modifier is two letters or digits", "modifier", "e.g. 26, TC or leave empty")
    bad |= m

    rcodes, runiq = pd.factorize(rate_t)
    rkind, ramount, ryear = (a[rcodes] for a in _rate_cells(np.asarray(runiq, dtype=object)))
    pcodes, pparsed = _per_unique(pct_t, _pct_cell)
    pkind = np.array([r[0] for r in pparsed[:-1]] + [""], dtype=object)[pcodes]
    pvalue = np.array([np.nan if r[1] is None else r[1] for r in pparsed[:-1]] + [np.nan], dtype=float)[pcodes]
    pct_fix = "write the percent, e.g. 120% (or 1.2 for 1.2 times Medicare)"

    m = ~bad & (rkind == "bad")
    report(m, "the rate is not a number", "rate", "write the allowed amount, e.g. 112.50")
    bad |= m
    m = ~bad & (rkind == "bare_pct")
    report(m, "a percent in the rate column must say of what", "rate",
           "write it as '120% of Medicare', or put the percent in a '% of Medicare' column")
    bad |= m
    m = ~bad & (rkind == "money") & (ramount < 0)
    report(m, "the rate is negative", "rate", "write the allowed amount as a positive number")
    bad |= m
    from_pct_col = rkind == "blank"
    m = ~bad & from_pct_col & (pkind == "bad")
    report(m, "the percent of Medicare is not a number", "pct_of_medicare", pct_fix)
    bad |= m
    m = ~bad & from_pct_col & (pkind == "ambiguous")
    report(m, "the percent of Medicare is ambiguous (a percent or a multiple?)", "pct_of_medicare",
           "write 120% for 120% of Medicare, or 1.2 for 1.2 times Medicare")
    bad |= m
    m = ~bad & from_pct_col & (pkind == "blank")
    report(m, "the rate is missing", "rate", "write the allowed amount, e.g. 112.50, or a percent such as "
           "'120% of Medicare'", column=np.where(f["col_rate"] != "", f["col_rate"], f["col_pct_of_medicare"]))
    bad |= m
    is_pct = (rkind == "pct") | (from_pct_col & (pkind == "pct"))
    percent = np.where(rkind == "pct", ramount, pvalue)
    e4_ok = np.ones(len(percent), dtype=bool)
    if is_pct.any():
        distinct = pd.unique(percent[is_pct & ~np.isnan(percent)])
        inexact = [v for v in distinct if _percent_e4(repr(float(v))) is None]
        e4_ok = ~np.isin(percent, inexact)
    for in_rate, name in ((rkind == "pct", "rate"), (rkind != "pct", "pct_of_medicare")):
        m = ~bad & is_pct & in_rate & ~(percent > 0)
        report(m, "the percent of Medicare must be more than 0", name, pct_fix)
        bad |= m
        m = ~bad & is_pct & in_rate & ~e4_ok
        report(m, "the percent of Medicare has more than 4 decimals", name, "round it to at most 4 decimals")
        bad |= m
    years = sorted({y for y in ryear[~bad & is_pct] if y})
    year_release = {}
    for y in years:
        try:
            year_release[y] = medicare.newest_release(int(y))
        except RatekitError:
            year_release[y] = ""
    release = np.array([year_release.get(y, "") for y in ryear], dtype=object) if years else \
        np.full(len(ryear), "", dtype=object)
    m = ~bad & is_pct & (ryear != "") & (release == "")
    if m.any():
        known = sorted({str(medicare._raw.release_year(n)) for n in medicare.releases()})
        report(m, "no Medicare fee schedule of that year is available", "rate",
               f"use a year of {', '.join(known)} or add that release's CMS files")
    bad |= m

    scodes, sparsed = _per_unique(set_t, parse_setting)
    setting = sparsed[scodes]
    m = ~bad & np.array([x is None for x in sparsed[:-1]] + [False], dtype=bool)[scodes]
    report(m, "unknown place of service", "setting", _SETTING_FIX)
    bad |= m

    ecodes, euniq = pd.factorize(eff_t)
    if len(euniq):
        parsed = pd.to_datetime(pd.Series(np.asarray(euniq, dtype=object), dtype="str"), errors="coerce",
                                format="mixed").to_numpy(dtype="datetime64[us]")
        effective = np.append(parsed, np.datetime64("NaT"))[ecodes]
    else:
        effective = np.full(len(eff_t), np.datetime64("NaT"), dtype="datetime64[us]")
    m = ~bad & (eff_t != "").to_numpy() & np.isnat(effective)
    report(m, "the effective date is not a date", "effective", "write it as YYYY-MM-DD, e.g. 2025-01-01")
    bad |= m

    good = ~bad
    rates = pd.DataFrame({
        "payer": pd.array(f["payer"].to_numpy()[good], dtype="str"),
        "hcpcs": pd.array(code[good], dtype="str"),
        "modifier": pd.array(mod[good], dtype="str"),
        "setting": pd.array(setting[good].astype(object), dtype="str"),
        "rate": np.where(is_pct, np.nan, ramount)[good],
        "rate_basis": pd.array(np.where(is_pct, "pct_of_medicare", "flat")[good], dtype="str"),
        "contract_percent": np.where(is_pct, percent, np.nan)[good],
        "medicare_release": pd.array(release[good], dtype="str"),
        "effective_date": effective[good],
        "file": pd.array(files[good], dtype="str"),
        "sheet": pd.array(sheets[good], dtype="str"),
        "row": rows[good],
    })
    rate_col = np.where(f["col_rate"] != "", f["col_rate"], f["col_pct_of_medicare"])[good]
    eff_col = f["col_effective"].to_numpy()[good]
    listed = [t[-1] for t in sorted(problems, key=lambda t: t[:4])]
    rates, dup_problems = _check_duplicates(rates, rate_col)
    rates, date_problems = _in_force(rates, as_of, eff_col)
    return rates, listed + dup_problems + date_problems


def _label(code: str, mod: str, setting: str = "") -> str:
    label = code + (f"-{mod}" if mod else "")
    return label + (f" ({'non-facility' if setting == 'nonfacility' else 'facility'})" if setting else "")


def _shown_rate(row) -> str:
    if row.rate_basis == "pct_of_medicare":
        year = f" {row.medicare_release}" if row.medicare_release else ""
        return f"{row.contract_percent:g}% of Medicare{year}"
    return f"{row.rate:.2f}"


def _check_duplicates(rates: pd.DataFrame, rate_column: np.ndarray) -> tuple[pd.DataFrame, list[Problem]]:
    """Drop repeated codes: exact repeats are a warning, different rates for one code an error.

    Rows repeat when they share payer, code, modifier, setting and effective date.
    ``rate_column`` holds the header of each row's rate column (for the problem's column).
    """
    key = ["payer", "hcpcs", "modifier", "setting", "effective_date"]
    repeated = rates.duplicated(key, keep=False)
    if not repeated.any():
        return rates, []
    problems, conflicting = [], []
    what = ["rate_basis", "rate", "contract_percent", "medicare_release"]
    for _, group in rates[repeated].groupby(key, sort=False, dropna=False):
        first = group.iloc[0]
        label = _label(first.hcpcs, first.modifier, first.setting)
        first_row = int(group["row"].iloc[0])
        sheet = first.sheet or None
        if len(group[what].drop_duplicates()) > 1:
            conflicting.append(group.index)
            problems.append(Problem(first.file, f"code {label} appears with different rates", sheet=sheet,
                                    row=int(group["row"].iloc[1]), column=rate_column[group.index[1]] or None,
                                    value=", ".join(_shown_rate(r) for r in group.itertuples()),
                                    fix=f"keep one rate for {label} (first at row {first_row})"))
        else:
            problems.append(Problem(first.file, f"code {label} is listed twice with the same rate", sheet=sheet,
                                    row=int(group["row"].iloc[1]), severity="warning",
                                    fix=f"remove the repeated row (first at row {first_row})"))
    keep = ~rates.duplicated(key, keep="first")
    for index in conflicting:
        keep[index] = False
    problems.sort(key=lambda p: (p.file, p.sheet or "", p.row))
    return rates[keep].reset_index(drop=True), problems


def _in_force(rates: pd.DataFrame, as_of: dt.date | None,
              effective_column: np.ndarray | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Keep per payer, code, modifier and setting the latest rate effective on or before ``as_of``."""
    if as_of is None or rates["effective_date"].isna().all():
        return rates, []
    when = pd.Timestamp(as_of)
    future = rates["effective_date"] > when
    key = ["payer", "hcpcs", "modifier", "setting"]
    current = rates[~future]
    columns = pd.Series(effective_column if effective_column is not None else "", index=rates.index)
    only_future = rates[future & ~rates.set_index(key).index.isin(current.set_index(key).index)]
    problems = []
    for _, group in only_future.groupby(key, sort=False):
        first = group.sort_values("effective_date").iloc[0]
        problems.append(Problem(
            first.file, f"code {_label(first.hcpcs, first.modifier, first.setting)} has only rates effective after "
                        f"{as_of.isoformat()}", sheet=first.sheet or None, row=int(first.row),
            column=columns[first.name] or None, value=first.effective_date.date().isoformat(), severity="warning",
            fix=f"add the rate in force on {as_of.isoformat()}, or set benchmark_date in client.yaml"))
    ordered = current.assign(_when=current["effective_date"].fillna(pd.Timestamp("1800-01-01"))).sort_values(
        key + ["_when"], kind="stable")
    latest = ordered.drop_duplicates(key, keep="last").drop(columns="_when")
    return latest.sort_index().reset_index(drop=True), problems


# --- percent of Medicare ---------------------------------------------------------------------------

def _contract_rows(client: Client, rates: pd.DataFrame,
                   utilization: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Rows of each whole-payer ``contract:`` for the codes billed to the payer that its fee schedule lacks.

    A billed (code, modifier, setting) is covered when the payer's fee schedule has a rate for it in
    that setting or in both (setting ``""``).
    """
    frames, problems = [], []
    for i, payer in enumerate(client.payers, start=1):
        if payer.contract is None:
            continue
        contract = payer.contract
        release = contract.medicare_release or ""
        if contract.medicare_year:
            try:
                release = medicare.newest_release(contract.medicare_year)
            except RatekitError:
                release = None
        if release is None or (release and release not in medicare.releases()):
            key = "medicare_year" if contract.medicare_year else "medicare_release"
            problems.append(Problem(
                f"{client.client_id}/client.yaml", "no Medicare fee schedule of that year or release is available",
                column=f"payers[{i}].contract.{key}", value=contract.medicare_year or contract.medicare_release,
                fix=f"use one of the releases {', '.join(medicare.releases())}, or add that release's CMS files"))
            continue
        billed = utilization.loc[utilization["payer"] == payer.name, ["hcpcs", "modifier", "setting"]]
        own = rates.loc[rates["payer"] == payer.name, ["hcpcs", "modifier", "setting"]]
        covered = pd.concat([own[own["setting"] != ""],
                             *[own[own["setting"] == ""].assign(setting=s) for s in SETTINGS]])
        todo = billed.merge(covered.drop_duplicates(), how="left", indicator=True)
        todo = todo[todo["_merge"] == "left_only"].drop(columns="_merge")
        frames.append(pd.DataFrame({
            "payer": payer.name, "hcpcs": todo["hcpcs"].to_numpy(), "modifier": todo["modifier"].to_numpy(),
            "setting": todo["setting"].to_numpy(), "rate": np.full(len(todo), np.nan), "rate_basis": "pct_of_medicare",
            "contract_percent": np.full(len(todo), float(contract.percent_of_medicare)), "medicare_release": release,
            "effective_date": pd.Series(pd.NaT, index=range(len(todo)), dtype="datetime64[us]").to_numpy(),
            "file": f"{client.client_id}/client.yaml", "sheet": f"payers[{i}].contract",
            "row": np.full(len(todo), np.nan)}))
    return (pd.concat(frames, ignore_index=True)[RATE_COLUMNS] if frames else rates.iloc[:0]), problems


def resolve_percent_of_medicare(rates: pd.DataFrame, *, locality_id: str, release: str,
                                utilization: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Price percent-of-Medicare rows in dollars at the client's locality.

    Formula: ``rate = round_half_up(contract_percent / 100 x Medicare amount, cents)``, with the
    Medicare amount of ``medicare_release`` (``release`` when the row names none) at
    ``locality_id`` in the row's setting, from :func:`ratekit.medicare.price` (CMS PFS, exact
    cents). Computed in integers: Medicare cents x percent x 10^4, plus half of 10^6, floor-divided
    by 10^6 — exact, half-up like CMS. Example: 120% of 99214 at 06102-99 in 2025D
    (non-facility $121.91) = 146.292 -> $146.29.

    A row without a setting becomes one row per setting where Medicare pays an amount, except a
    setting the same payer's file prices explicitly; with ``utilization``, the facility row is
    made only where the payer has facility units for the code (the non-facility row always). A
    row whose code Medicare does not pay in any of its settings is dropped with a warning.

    Returns
    -------
    rates : DataFrame
        ``rates`` with every percent row priced (``rate`` in dollars, ``medicare_release`` filled).
    problems : list of Problem
    """
    is_pct = rates["rate_basis"] == "pct_of_medicare"
    if not is_pct.any():
        return rates, []
    flat, pct = rates[~is_pct], rates[is_pct].copy()
    pct["medicare_release"] = pct["medicare_release"].where(pct["medicare_release"] != "", release)
    problems: list[Problem] = []
    priced = []
    for rel, rows in pct.groupby("medicare_release", sort=True):
        try:
            amounts = medicare.price(rel, localities=[locality_id], codes=sorted(set(rows["hcpcs"])))
        except RatekitError as exc:
            problems += [Problem(p.file if isinstance(p, Problem) else "medicare", str(getattr(p, "message", p)),
                                 fix=getattr(p, "fix", "")) for p in exc.problems]
            continue
        amounts = amounts[["hcpcs", "modifier", "nonfacility_amount", "facility_amount"]]
        priced.append(rows.reset_index(drop=True).merge(amounts, on=["hcpcs", "modifier"], how="left"))
    if not priced:
        return flat.reset_index(drop=True), problems
    pct = pd.concat(priced, ignore_index=True)
    pct["_line"] = np.arange(len(pct))
    key = ["payer", "hcpcs", "modifier", "setting"]
    explicit = rates.loc[rates["setting"] != "", key].drop_duplicates().assign(_taken=True)
    one = pct[pct["setting"] != ""]
    parts = [one.assign(_amount=np.where(one["setting"] == "facility", one["facility_amount"],
                                         one["nonfacility_amount"]))]
    both = pct[pct["setting"] == ""]
    billed_facility = None
    if utilization is not None:
        billed_facility = utilization.loc[(utilization["setting"] == "facility") & (utilization["units"] > 0),
                                          key[:3]].drop_duplicates().assign(_billed=True)
    for s in SETTINGS:
        part = both.assign(setting=s, _amount=both[f"{s}_amount"]).merge(explicit, on=key, how="left")
        part = part[part["_taken"].isna()].drop(columns="_taken")
        if s == "facility" and billed_facility is not None:
            part = part.merge(billed_facility, on=key[:3], how="left")
            part = part[part["_billed"].notna()].drop(columns="_billed")
        parts.append(part)
    expanded = pd.concat(parts, ignore_index=True)
    priced_lines = set(expanded.loc[expanded["_amount"].notna(), "_line"])
    for r in pct[~pct["_line"].isin(priced_lines)].itertuples():
        where = {"facility": " in the facility setting", "nonfacility": " in the non-facility setting"}.get(r.setting, "")
        problems.append(Problem(
            r.file, f"{r.contract_percent:g}% of Medicare gives no amount for code {_label(r.hcpcs, r.modifier)}: "
                    f"Medicare {r.medicare_release} pays no amount for it{where}",
            sheet=r.sheet or None, row=None if pd.isna(r.row) else int(r.row), value=r.hcpcs, severity="warning",
            fix="give this code a flat rate, or check the code"))
    expanded = expanded[expanded["_amount"].notna()].copy()
    cents = np.rint(expanded["_amount"].to_numpy() * 100).astype(np.int64)
    e4 = np.array([_percent_e4(repr(float(p))) for p in expanded["contract_percent"]], dtype=np.int64)
    expanded["rate"] = ((cents * e4 + 500_000) // 1_000_000) / 100.0
    out = pd.concat([flat, expanded[RATE_COLUMNS]], ignore_index=True)
    return out.astype({"rate": float, "contract_percent": float, "row": float}), problems


# --- utilization -----------------------------------------------------------------------------------

def read_utilization(path: str | Path, *, lookup: dict[str, str], display_name: str | None = None,
                     default_setting: str = "nonfacility") -> tuple[pd.DataFrame, list[Problem]]:
    """Read a utilization file: units per payer, code, modifier (and setting) for a year.

    Parameters
    ----------
    path : path
        CSV or XLSX with columns payer, code, units and optionally modifier and place of service.
    lookup : dict
        Normalised payer name or alias -> the payer's name (:func:`payer_lookup`).
    display_name : str, optional
        How to name the file in problems.
    default_setting : {"nonfacility", "facility"}
        The setting of rows without a place of service.

    Returns
    -------
    utilization : DataFrame
        :data:`UTILIZATION_COLUMNS`, units summed per payer, code, modifier and setting.
    problems : list of Problem

    Raises
    ------
    RatekitError
        When the file cannot be read or lacks a payer, code or units column.
    """
    path = Path(path)
    fname = display_name or str(path)
    raw = _read_table(path, None, fname, categorical=True)
    if raw.empty or raw.shape[1] == 0:
        raise RatekitError(Problem(fname, "the utilization file has no rows", fix="export it again with its volumes"))
    table, cols = _header_row(raw, ("payer", "hcpcs", "units"))
    missing = [f for f in ("payer", "hcpcs", "units") if f not in cols]
    if missing:
        raise RatekitError(Problem(fname, f"missing column(s): {', '.join(missing)}", row=1,
                                   value=", ".join(map(str, raw.columns)),
                                   fix="columns payer, code, modifier, units"))
    rownum = table.index.to_numpy() + 2
    n = len(table)
    problems: list[tuple[int, int, Problem]] = []

    def uniques(field_name: str):
        if field_name not in cols:
            return np.zeros(n, dtype=np.int64), np.array([""], dtype=object)
        values = table[cols[field_name]]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes, uniq = values.cat.codes.to_numpy(dtype=np.int64), values.cat.categories
        else:
            codes, uniq = pd.factorize(values, use_na_sentinel=True)
        texts = np.array([_cell_text(u) for u in np.asarray(uniq, dtype=object)] + [""], dtype=object)
        codes = np.where(codes < 0, len(uniq), codes)
        return codes, texts

    p_codes, p_text = uniques("payer")
    c_codes, c_text = uniques("hcpcs")
    m_codes, m_text = uniques("modifier")
    s_codes, s_text = uniques("setting")
    u_codes, u_text = uniques("units")
    blank = (p_text[p_codes] == "") & (c_text[c_codes] == "") & (u_text[u_codes] == "")

    names = sorted(set(lookup.values()))
    name_pos = {name: i for i, name in enumerate(names)}
    p_map = np.array([name_pos.get(lookup.get(normalise_name(t), ""), -1) for t in p_text], dtype=np.int64)
    payer_i = p_map[p_codes]
    bad = blank.copy()
    unknown = ~bad & (payer_i < 0)
    if unknown.any():
        # one problem per unknown name, at its first row, counting the others
        first_rows: dict[int, list[int]] = {}
        for i in np.flatnonzero(unknown):
            first_rows.setdefault(int(p_codes[i]), []).append(i)
        for code_i, rows in first_rows.items():
            extra = f" (on {len(rows):,} rows; the first is shown)" if len(rows) > 1 else ""
            problems.append((int(rownum[rows[0]]), 0, Problem(
                fname, ("the payer is missing" if p_text[code_i] == "" else "unknown payer") + extra,
                row=int(rownum[rows[0]]), column=cols["payer"], value=p_text[code_i],
                fix="use a payer name from client.yaml or add it to that payer's aliases")))
    bad |= unknown

    code_clean = np.array([_code_info(t)[0] for t in c_text], dtype=object)
    code_ok = np.array([_code_info(t)[1] for t in c_text], dtype=bool)
    m = ~bad & ~code_ok[c_codes]
    for i in np.flatnonzero(m):
        problems.append((int(rownum[i]), 1, Problem(fname, "not a CPT/HCPCS code", row=int(rownum[i]),
                                                    column=cols["hcpcs"], value=c_text[c_codes[i]],
                                                    fix="use a 5-character code such as 99213")))
    bad |= m
    mod_clean = np.array([t.upper() for t in m_text], dtype=object)
    mod_ok = np.array([bool(_MODIFIER.match(t)) for t in mod_clean])
    m = ~bad & ~mod_ok[m_codes]
    for i in np.flatnonzero(m):
        problems.append((int(rownum[i]), 2, Problem(fname, "a modifier is two letters or digits", row=int(rownum[i]),
                                                    column=cols.get("modifier"), value=m_text[m_codes[i]],
                                                    fix="e.g. 26, TC or leave empty")))
    bad |= m
    units_val = np.array([np.nan if (v := parse_money(t)) is None else v for t in u_text], dtype=float)
    m = ~bad & ~(units_val[u_codes] >= 0)
    for i in np.flatnonzero(m):
        problems.append((int(rownum[i]), 3, Problem(fname, "units must be a number, 0 or more", row=int(rownum[i]),
                                                    column=cols["units"], value=u_text[u_codes[i]],
                                                    fix="write the count of units billed in the year")))
    bad |= m
    setting_val = np.array([parse_setting(t) for t in s_text], dtype=object)
    setting_val = np.array([default_setting if s == "" else s for s in setting_val], dtype=object)
    m = ~bad & np.array([s is None for s in setting_val])[s_codes]
    for i in np.flatnonzero(m):
        problems.append((int(rownum[i]), 4, Problem(fname, "unknown place of service", row=int(rownum[i]),
                                                    column=cols.get("setting"), value=s_text[s_codes[i]],
                                                    fix=_SETTING_FIX)))
    bad |= m

    good = ~bad
    # group on small integer codes: (payer, cleaned code, modifier, setting)
    code_id, code_names = pd.factorize(code_clean)
    mod_id, mod_names = pd.factorize(mod_clean)
    set_names = np.array(SETTINGS, dtype=object)
    set_id = np.array([0 if s != "facility" else 1 for s in setting_val], dtype=np.int64)
    k_code = code_id[c_codes[good]].astype(np.int64)
    k_mod = mod_id[m_codes[good]].astype(np.int64)
    k_set = set_id[s_codes[good]]
    k_payer = payer_i[good]
    n_code, n_mod = max(len(code_names), 1), max(len(mod_names), 1)
    key = ((k_payer * n_code + k_code) * n_mod + k_mod) * 2 + k_set
    inverse, uniq = pd.factorize(key)  # hashing, in order of first appearance: no sort of a million keys
    first = np.empty(len(uniq), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(inverse))[::-1]  # the earliest row of each group is written last
    units = np.bincount(inverse, weights=units_val[u_codes[good]], minlength=len(uniq))
    s_part = uniq % 2
    rest = uniq // 2
    m_part = rest % n_mod
    rest //= n_mod
    c_part = rest % n_code
    p_part = rest // n_code
    out = pd.DataFrame({
        "payer": pd.Series(np.array(names, dtype=object)[p_part] if len(names) else [], dtype="str"),
        "hcpcs": pd.Series(np.asarray(code_names, dtype=object)[c_part] if len(uniq) else [], dtype="str"),
        "modifier": pd.Series(np.asarray(mod_names, dtype=object)[m_part] if len(uniq) else [], dtype="str"),
        "setting": pd.Series(set_names[s_part], dtype="str"),
        "units": units,
        "row": rownum[np.flatnonzero(good)[first]] if len(uniq) else np.array([], dtype=np.int64),
    })
    out = out.sort_values("row", kind="stable", ignore_index=True)
    listed = [p for _, _, p in sorted(problems, key=lambda t: (t[0], t[1]))]
    return out, listed


# --- a whole client --------------------------------------------------------------------------------

@dataclass
class ClientInputs(Problems):
    """One client's fee schedules and utilization, read, checked and priced.

    Attributes
    ----------
    client : Client
    release : str or None
        The Medicare PFS release benchmarked against (None if it could not be found).
    locality : ratekit.medicare.Locality or None
        The client's Medicare locality (None if it could not be found).
    rates : DataFrame
        :data:`RATE_COLUMNS`, percent-of-Medicare rows priced in dollars.
    utilization : DataFrame
        :data:`UTILIZATION_COLUMNS`.
    medicare : DataFrame
        :func:`ratekit.medicare.price` of every code in ``rates`` and ``utilization`` at the locality.
    problems : list of Problem
        Every error and warning, client.yaml first, then file by file.
    """

    client: Client
    release: str | None
    locality: "medicare.Locality | None"
    rates: pd.DataFrame
    utilization: pd.DataFrame
    medicare: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    def raise_for_errors(self) -> "ClientInputs":
        """Raise :class:`RatekitError` listing every problem when any is an error; else return self."""
        if not self.ok:
            raise RatekitError(self.problems, context=f"client {self.client.client_id!r} has problems in its input "
                                                      "files:")
        return self


def medicare_release_for(client: Client) -> str:
    """The client's Medicare release: ``medicare_release`` if given, else the newest of ``benchmark_year``."""
    return client.medicare_release or medicare.newest_release(client.benchmark_year)


def payer_lookup(client: Client) -> dict[str, str]:
    """Normalised payer name or alias -> the payer's name in client.yaml."""
    out = {}
    for payer in client.payers:
        for label in (payer.name, *payer.aliases):
            out[normalise_name(label)] = payer.name
    return out


def _problems_of(exc: RatekitError) -> list[Problem]:
    return [p if isinstance(p, Problem) else Problem("(input)", str(p)) for p in exc.problems]


def _read_fee_schedules(client: Client, lookup: dict[str, str]) -> tuple[pd.DataFrame, list[Problem], set, dict]:
    """Every payer's fee schedule, unpriced. Returns rates, problems, payers whose file failed, code headers.

    Each file is only turned into text per field; the checks then run once over every payer's rows.
    """
    frames, problems, failed, code_headers = [], [], set(), {}
    books: dict = {}
    seen: set[str] = set()
    for payer in client.payers:
        if not payer.fee_schedule:
            continue
        fname = f"{client.client_id}/{payer.fee_schedule_file}"
        try:
            raw = _read_table(client.path(payer.fee_schedule_file), payer.sheet, fname, books)
            fields, found = _fields(raw, fname=fname, sheet=payer.sheet, payer=payer.name, lookup=lookup)
            frames.append(fields)
            code_headers[(fname, payer.sheet or "")] = fields.attrs["code_column"]
        except RatekitError as exc:
            found = _problems_of(exc)
            failed.add(payer.name)
        for p in found:  # a file shared by several payers reports its problems once
            if str(p) not in seen:
                seen.add(str(p))
                problems.append(p)
    if frames:
        rates, found = _check_rows(pd.concat(frames, ignore_index=True), client.as_of)
        problems += found
    else:
        rates = _empty_rates()
    # list them payer by payer as client.yaml orders them, then sheet and row
    order: dict[str, int] = {}
    for payer in client.payers:
        order.setdefault(f"{client.client_id}/{payer.fee_schedule_file}", len(order))
    problems.sort(key=lambda p: (order.get(p.file, len(order)), p.sheet or "", p.row or 0))
    return rates, problems, failed, code_headers


def _empty_rates() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("rate", "contract_percent", "row") else
                                      "datetime64[us]" if c == "effective_date" else "str")
                         for c in RATE_COLUMNS})


def _empty_utilization() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c == "units" else "int64" if c == "row" else "str")
                         for c in UTILIZATION_COLUMNS})


def _pfs_warnings(rates: pd.DataFrame, prices: pd.DataFrame, release: str, code_headers: dict) -> list[Problem]:
    """Warnings for fee-schedule rows whose code Medicare does not price in the row's setting."""
    if rates.empty:
        return []
    rows = rates[rates["rate_basis"] == "flat"]
    known = set(prices["hcpcs"])
    table = rows.merge(prices[["hcpcs", "modifier", "status", "nonfacility_amount", "facility_amount"]],
                       on=["hcpcs", "modifier"], how="left")
    nf, fa = table["nonfacility_amount"], table["facility_amount"]
    amount = np.where(table["setting"] == "facility", fa, np.where(table["setting"] == "nonfacility", nf,
                                                                  nf.fillna(fa)))
    flagged = table[table["status"].isna() | ~table["status"].isin(medicare.PAID_STATUSES) | pd.isna(amount)]
    out = []
    for r in flagged.itertuples():
        label = _label(r.hcpcs, r.modifier)
        if r.hcpcs not in known:
            message = f"code {label} is not in the Medicare Physician Fee Schedule ({release})"
            fix = "check the code; its rate is kept but has no percent of Medicare"
        elif pd.isna(r.status):
            message = f"code {r.hcpcs} has no modifier {r.modifier} in the Medicare Physician Fee Schedule ({release})"
            fix = "Medicare prices the global service, 26 (professional) and TC (technical); check the modifier"
        elif r.status not in medicare.PAID_STATUSES:
            message = (f"Medicare does not pay code {label} under the fee schedule (status {r.status}: "
                       f"{STATUS_WORDS.get(r.status, 'not paid')})")
            fix = "the rate is kept but has no percent of Medicare"
        else:
            where = {"facility": "facility ", "nonfacility": "non-facility "}.get(r.setting, "")
            message = f"Medicare pays no {where}amount for code {label} (CMS marks the setting NA)"
            fix = "check the code and setting; the rate is kept but has no percent of Medicare"
        out.append(Problem(r.file, message, sheet=r.sheet or None, row=int(r.row),
                           column=code_headers.get((r.file, r.sheet)), value=r.hcpcs, severity="warning", fix=fix))
    return out


def _volume_without_rate(utilization: pd.DataFrame, rates: pd.DataFrame, fname: str, failed: set) -> list[Problem]:
    """A warning per payer, code and setting billed with units but no rate from the payer."""
    billed = utilization[(utilization["units"] > 0) & ~utilization["payer"].isin(failed)]
    if billed.empty:
        return []
    specific = rates.loc[rates["setting"] != "", ["payer", "hcpcs", "modifier", "setting"]]
    generic = rates.loc[rates["setting"] == "", ["payer", "hcpcs", "modifier"]]
    has = billed.merge(specific.drop_duplicates().assign(_s=True), how="left", on=["payer", "hcpcs", "modifier", "setting"])
    has = has.merge(generic.drop_duplicates().assign(_g=True), how="left", on=["payer", "hcpcs", "modifier"])
    missing = has[has["_s"].isna() & has["_g"].isna()]
    return [Problem(fname, f"{r.units:,.0f} units of {_label(r.hcpcs, r.modifier, r.setting if r.setting == 'facility' else '')}"
                           f" billed to {r.payer}, who has no rate for it", row=int(r.row), value=r.hcpcs,
                    severity="warning", fix=f"add the code to {r.payer}'s fee schedule, or check the payer and code")
            for r in missing.itertuples()]


def read_client(client: Client, *, release: str | None = None) -> ClientInputs:
    """Read, check and price a client's fee schedules and utilization, collecting every problem.

    Never raises for a problem in the client's files: each becomes a
    :class:`~ratekit.errors.Problem` in ``problems`` (call :meth:`ClientInputs.raise_for_errors`).

    Steps: locate the client's Medicare locality; read each payer's fee schedule (rate in force on
    ``client.as_of``); read the utilization (payer names through aliases); add each whole-payer
    ``contract:`` for the codes billed to the payer that its fee schedule lacks; price every
    percent-of-Medicare line (:func:`resolve_percent_of_medicare`); price every code once at the
    locality; warn about codes Medicare does not pay and units billed with no rate.

    Parameters
    ----------
    client : Client
    release : str, optional
        The Medicare release to benchmark against (default :func:`medicare_release_for`).
    """
    problems: list[Problem] = list(client.warnings)
    lookup = payer_lookup(client)
    locality = None
    try:
        release = release or medicare_release_for(client)
        locality = medicare.locate(zip_code=client.zip, locality=client.locality, release=release)
    except RatekitError as exc:
        problems += _problems_of(exc)

    rates, found, failed, code_headers = _read_fee_schedules(client, lookup)
    problems += found
    ufile = f"{client.client_id}/{client.utilization}"
    try:
        utilization, found = read_utilization(client.path(client.utilization), lookup=lookup, display_name=ufile)
    except RatekitError as exc:
        utilization, found = _empty_utilization(), _problems_of(exc)
    problems += found
    contracts, found = _contract_rows(client, rates, utilization)
    problems += found
    if len(contracts):
        rates = pd.concat([rates, contracts], ignore_index=True)

    prices = None
    if locality is not None:
        rates, found = resolve_percent_of_medicare(rates, locality_id=locality.locality_id, release=release,
                                                   utilization=utilization)
        problems += found
        codes = np.union1d(rates["hcpcs"].unique(), utilization["hcpcs"].unique()).tolist()
        prices = medicare.price(release, localities=[locality.locality_id], codes=codes)
        problems += _pfs_warnings(rates, prices, release, code_headers)
        problems += _volume_without_rate(utilization, rates, ufile, failed)
    else:
        rates = rates[rates["rate_basis"] == "flat"].reset_index(drop=True)
    if prices is None:
        prices = pd.DataFrame(columns=list(medicare.COLUMNS) + ["locality_id"])
    return ClientInputs(client=client, release=release, locality=locality, rates=rates.reset_index(drop=True),
                        utilization=utilization, medicare=prices, problems=problems)
