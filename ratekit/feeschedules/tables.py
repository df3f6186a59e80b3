"""Reading a CSV or Excel file into a table of cells, and finding its header row by the words in it.

Payers send fee schedules as CSV (UTF-8 or Windows) or XLSX, a sheet per payer or a file each, with
their own column names and title rows above the header. :func:`find_columns` maps headers to fields
through :data:`HEADER_SYNONYMS` (case, spacing and punctuation ignored); :func:`_header_row` finds the
header among the first rows. A file that cannot be read is a :class:`~ratekit.errors.RatekitError`
naming the file and the fix.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from ..errors import Problem, RatekitError
from .cells import _cell_text, _code_info, _header_key, parse_money

#: Accepted header texts (case, spacing and punctuation ignored: "% of Medicare" reads "of medicare").
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "hcpcs": ("code", "cpt", "hcpcs", "cpt hcpcs", "hcpcs code", "cpt code", "proc code", "procedure code",
              "procedure", "service code", "cpt hcpcs code"),
    "modifier": ("mod", "modifier", "mod1", "modifier 1", "mod 1", "modifier1", "mod1 code", "modifier code",
                 "modifier 1 code"),
    "modifier2": ("mod2", "modifier 2", "mod 2", "modifier2", "modifier 2 code"),
    "modifier3": ("mod3", "modifier 3", "mod 3", "modifier3", "modifier 3 code"),
    "modifier4": ("mod4", "modifier 4", "mod 4", "modifier4", "modifier 4 code"),
    "rate": ("rate", "fee", "allowed", "allowed amount", "contract rate", "amount", "fee amount", "payment",
             "contracted rate"),
    "pct_of_medicare": ("of medicare", "pct of medicare", "percent of medicare", "medicare pct",
                        "medicare percent", "pct medicare", "percent medicare", "of mcr", "pct of mcr"),
    "setting": ("pos", "place of service", "setting", "site of service", "pos code", "place of service code",
                "facility non facility", "facility indicator"),
    "effective": ("effective", "effective date", "eff date", "effective from", "start date", "valid from",
                  "eff dt", "effective dt"),
    "terminate": ("terminate", "termination", "termination date", "terminate date", "term date", "term dt",
                  "end date", "end dt", "end", "expiration date", "expiry date", "expires", "expiration",
                  "valid to", "valid through", "valid thru", "effective to", "effective through", "effective thru",
                  "thru date", "through date", "terminated", "term"),
    "payer": ("payer", "payor", "plan", "insurance", "carrier", "payer name", "payor name"),
    "units": ("units", "volume", "count", "services", "units billed", "annual units"),
}


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
                table = table if categorical else table.fillna("")
                table.attrs["first_row"] = _first_csv_row(path, encoding)
                return table
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


def _first_csv_row(path: Path, encoding: str) -> list[str]:
    """The file's first row as written (pandas renames repeated header cells: ``0.00`` -> ``0.00.1``)."""
    with open(path, encoding=encoding, newline="") as handle:
        return next(csv.reader(handle), [])


def first_row(table: pd.DataFrame) -> list[str]:
    """The first row of the file a table was read from, as its cells' text."""
    row = table.attrs.get("first_row")
    return [str(v).strip() for v in (row if row is not None else [_cell_text(c) for c in table.columns])]


def looks_headerless(cells: list[str]) -> bool:
    """True when a first row is data, not a header: it holds a CPT/HCPCS code and an amount, and no header word."""
    if find_columns(cells):
        return False
    texts = [c.strip().strip('"') for c in cells]
    has_code = any(_code_info(t)[1] for t in texts)
    has_amount = any(parse_money(t) is not None for t in texts if not _code_info(t)[1])
    return has_code and has_amount


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
