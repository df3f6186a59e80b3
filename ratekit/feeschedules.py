"""Fee schedules and utilization files -> tidy tables.

Payers send fee schedules as CSV or Excel with their own column names. This
module finds the code, modifier and rate columns by their header text (see
:data:`HEADER_SYNONYMS`), cleans amounts such as ``"$1,234.50"``, checks every
row and reports each problem with its file, row, column, value and fix.

Tidy outputs
------------
rates : one row per payer, code and modifier
    ``payer, hcpcs, modifier, rate, file, row``
utilization : one row per payer, code and modifier
    ``payer, hcpcs, modifier, units``
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .client import Client, normalise_name
from .errors import Problem, RatekitError

#: Accepted header texts (case, spacing and punctuation ignored) for each field.
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "hcpcs": ("code", "cpt", "hcpcs", "cpt hcpcs", "hcpcs code", "cpt code", "proc code", "procedure code",
              "procedure", "service code"),
    "modifier": ("mod", "modifier", "mod1", "modifier 1"),
    "rate": ("rate", "fee", "allowed", "allowed amount", "contract rate", "amount", "fee amount", "payment",
             "contracted rate"),
    "payer": ("payer", "payor", "plan", "insurance", "carrier", "payer name"),
    "units": ("units", "volume", "count", "services", "units billed", "annual units"),
}

_CODE = re.compile(r"^(?:\d{4}[0-9FTU]|[A-V]\d{4})$")
_MODIFIER = re.compile(r"^(?:[0-9A-Z]{2})?$")
_MONEY = re.compile(r"^\(?-?\$?\s*-?[0-9][0-9,]*(?:\.[0-9]+)?\)?$|^-?\$?\s*\.[0-9]+$")

RATE_COLUMNS = ["payer", "hcpcs", "modifier", "rate", "file", "row"]
UTILIZATION_COLUMNS = ["payer", "hcpcs", "modifier", "units"]


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
        ``{"hcpcs": "CPT/HCPCS", "rate": "Allowed", ...}`` for the fields found.
    """
    found: dict[str, str] = {}
    for header in headers:
        key = _header_key(header)
        for field, names in HEADER_SYNONYMS.items():
            if field not in found and key in names:
                found[field] = header
    return found


def parse_money(value: object) -> float | None:
    """``"$1,234.50"`` -> 1234.5; numbers pass through; None when not an amount."""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return None if pd.isna(value) else float(value)
    text = str(value).strip()
    if not text or not _MONEY.match(text):
        return None
    negative = text.startswith("(") and text.endswith(")") or "-" in text
    number = float(re.sub(r"[^0-9.]", "", text))
    return -number if negative else number


def clean_code(value: object) -> str:
    """Upper-case, strip spaces; restore the leading zeros a spreadsheet dropped (``100`` -> ``00100``)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().upper()
    if text.isdigit() and len(text) < 5:
        text = text.zfill(5)
    return text


def _read_table(path: Path, sheet: str | None, fname: str) -> pd.DataFrame:
    """Read a CSV or one sheet of a workbook as text cells; raise RatekitError when unreadable."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            book = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
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
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except RatekitError:
        raise
    except pd.errors.EmptyDataError:
        raise RatekitError(Problem(fname, "the file is empty", fix="export the fee schedule again")) from None
    except (UnicodeDecodeError, ValueError, OSError, KeyError) as exc:
        raise RatekitError(Problem(fname, f"cannot read the file ({exc.__class__.__name__}: {exc})",
                                   fix="save it as CSV (UTF-8) or XLSX")) from None
    except Exception as exc:  # openpyxl raises assorted errors on corrupt workbooks
        raise RatekitError(Problem(fname, f"cannot read the file ({exc.__class__.__name__})",
                                   fix="save it as CSV (UTF-8) or XLSX")) from None
    raise RatekitError(Problem(fname, f"unsupported file type {suffix!r}", fix="use .csv or .xlsx"))


def read_fee_schedule(path: str | Path, *, payer: str, sheet: str | None = None,
                      display_name: str | None = None) -> tuple[pd.DataFrame, list[Problem]]:
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

    Returns
    -------
    rates : DataFrame
        :data:`RATE_COLUMNS`; rows with errors are left out.
    problems : list of Problem
        Every error and warning found, with its row as a spreadsheet shows it.
    """
    path = Path(path)
    fname = display_name or str(path)
    table = _read_table(path, sheet, fname)
    problems: list[Problem] = []
    if table.empty:
        raise RatekitError(Problem(fname, "the fee schedule has no rows", sheet=sheet,
                                   fix="export the fee schedule again with its rates"))
    cols = find_columns(list(table.columns))
    for field in ("hcpcs", "rate"):
        if field not in cols:
            raise RatekitError(Problem(
                fname, f"no {'code' if field == 'hcpcs' else 'rate'} column", sheet=sheet, row=1,
                value=", ".join(map(str, table.columns)),
                fix=f"name a column one of: {', '.join(HEADER_SYNONYMS[field][:6])}"))
    rows = []
    for i, record in enumerate(table.to_dict("records")):
        row = i + 2  # header is row 1
        raw_code = record[cols["hcpcs"]]
        raw_rate = record[cols["rate"]]
        raw_mod = record.get(cols["modifier"], "") if "modifier" in cols else ""
        if all(pd.isna(v) or str(v).strip() == "" for v in (raw_code, raw_rate)):
            continue
        code = clean_code(raw_code)
        mod = "" if pd.isna(raw_mod) else str(raw_mod).strip().upper()
        if not _CODE.match(code):
            problems.append(Problem(fname, "not a CPT/HCPCS code", sheet=sheet, row=row, column=cols["hcpcs"],
                                    value=raw_code, fix="use a 5-character code such as 99213 or G0439"))
            continue
        if not _MODIFIER.match(mod):
            problems.append(Problem(fname, "a modifier is two letters or digits", sheet=sheet, row=row,
                                    column=cols.get("modifier"), value=raw_mod, fix="e.g. 26, TC or leave empty"))
            continue
        rate = parse_money(raw_rate)
        if rate is None:
            problems.append(Problem(fname, "the rate is not a number", sheet=sheet, row=row, column=cols["rate"],
                                    value=raw_rate, fix="write the allowed amount, e.g. 112.50"))
            continue
        if rate < 0:
            problems.append(Problem(fname, "the rate is negative", sheet=sheet, row=row, column=cols["rate"],
                                    value=raw_rate, fix="write the allowed amount as a positive number"))
            continue
        rows.append((payer, code, mod, rate, fname, row))
    rates = pd.DataFrame(rows, columns=RATE_COLUMNS)
    rates, dup_problems = _check_duplicates(rates, fname, sheet)
    return rates, problems + dup_problems


def _check_duplicates(rates: pd.DataFrame, fname: str, sheet: str | None) -> tuple[pd.DataFrame, list[Problem]]:
    """Drop repeated codes: exact repeats are a warning, different rates for one code an error."""
    key = ["payer", "hcpcs", "modifier"]
    repeated = rates.duplicated(key, keep=False)
    if not repeated.any():
        return rates, []
    problems, conflicting = [], set()
    for (_, code, mod), group in rates[repeated].groupby(key, sort=False):
        label = code + (f"-{mod}" if mod else "")
        first_row = int(group["row"].iloc[0])
        if group["rate"].nunique() > 1:
            conflicting.add((code, mod))
            problems.append(Problem(fname, f"code {label} appears with different rates", sheet=sheet,
                                    row=int(group["row"].iloc[1]), column="rate",
                                    value=", ".join(f"{r:.2f}" for r in group["rate"]),
                                    fix=f"keep one rate for {label} (first at row {first_row})"))
        else:
            problems.append(Problem(fname, f"code {label} is listed twice with the same rate", sheet=sheet,
                                    row=int(group["row"].iloc[1]), severity="warning",
                                    fix=f"remove the repeated row (first at row {first_row})"))
    keep = ~rates.duplicated(key, keep="first")
    if conflicting:
        keep &= ~pd.Series(list(zip(rates["hcpcs"], rates["modifier"])), index=rates.index).isin(conflicting)
    return rates[keep].reset_index(drop=True), problems


def load_rates(client: Client) -> pd.DataFrame:
    """Every payer's contracted rates for ``client``, as one tidy table.

    Raises
    ------
    RatekitError
        Listing every error in every fee schedule (warnings do not raise).
    """
    frames, problems = [], []
    for payer in client.payers:
        fname = f"{client.client_id}/{payer.fee_schedule_file}"
        try:
            rates, found = read_fee_schedule(client.path(payer.fee_schedule_file), payer=payer.name,
                                             sheet=payer.sheet, display_name=fname)
        except RatekitError as exc:
            problems += exc.problems
            continue
        frames.append(rates)
        problems += found
    _raise_errors(problems, client)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RATE_COLUMNS)


def load_utilization(client: Client) -> pd.DataFrame:
    """Units per payer, code and modifier for a year (:data:`UTILIZATION_COLUMNS`).

    Payer names are matched to client.yaml's payers through their names and
    aliases (case and punctuation ignored).
    """
    fname = f"{client.client_id}/{client.utilization}"
    table = _read_table(client.path(client.utilization), None, fname)
    cols = find_columns(list(table.columns))
    missing = [f for f in ("payer", "hcpcs", "units") if f not in cols]
    if missing:
        raise RatekitError(Problem(fname, f"missing column(s): {', '.join(missing)}", row=1,
                                   value=", ".join(map(str, table.columns)),
                                   fix="columns payer, code, modifier, units"))
    lookup = payer_lookup(client)
    problems, rows = [], []
    for i, record in enumerate(table.to_dict("records")):
        row = i + 2
        raw_payer = record[cols["payer"]]
        payer = lookup.get(normalise_name(raw_payer))
        if payer is None:
            problems.append(Problem(fname, "unknown payer", row=row, column=cols["payer"], value=raw_payer,
                                    fix="use a payer name from client.yaml or add it to that payer's aliases"))
            continue
        code = clean_code(record[cols["hcpcs"]])
        if not _CODE.match(code):
            problems.append(Problem(fname, "not a CPT/HCPCS code", row=row, column=cols["hcpcs"],
                                    value=record[cols["hcpcs"]], fix="use a 5-character code such as 99213"))
            continue
        raw_mod = record.get(cols["modifier"], "") if "modifier" in cols else ""
        mod = "" if pd.isna(raw_mod) else str(raw_mod).strip().upper()
        units = parse_money(record[cols["units"]])
        if units is None or units < 0:
            problems.append(Problem(fname, "units must be a number, 0 or more", row=row, column=cols["units"],
                                    value=record[cols["units"]], fix="write the count of units billed in the year"))
            continue
        rows.append((payer, code, mod, units))
    _raise_errors(problems, client)
    util = pd.DataFrame(rows, columns=UTILIZATION_COLUMNS)
    return util.groupby(["payer", "hcpcs", "modifier"], as_index=False, sort=False)["units"].sum()


def payer_lookup(client: Client) -> dict[str, str]:
    """Normalised payer name or alias -> the payer's name in client.yaml."""
    out = {}
    for payer in client.payers:
        for label in (payer.name, *payer.aliases):
            out[normalise_name(label)] = payer.name
    return out


def _raise_errors(problems: list[Problem], client: Client) -> None:
    if any(p.severity == "error" for p in problems):
        raise RatekitError(problems, context=f"client {client.client_id!r} has problems in its input files:")
