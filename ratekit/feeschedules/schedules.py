"""One payer's fee schedule: its rows checked and parsed into tidy rates, repeats resolved, the rate in force kept.

:func:`read_fee_schedule` reads one file (or sheet); :func:`ratekit.feeschedules.read_client` runs the
same checks once over every payer's rows. Each row gets at most one error (code, modifier, rate or
percent, setting, effective date), with its file, sheet, row, column, value and fix.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from .. import medicare
from ..client import normalise_name
from ..errors import Problem, RatekitError
from .cells import (_MODIFIER, _SETTING_FIX, _code_info, _pct_cell, _per_unique, _percent_e4, _rate_cells, _text,
                    parse_setting)
from .tables import HEADER_SYNONYMS, _header_row, _read_table

RATE_COLUMNS = ["payer", "hcpcs", "modifier", "setting", "rate", "rate_basis", "contract_percent",
                "medicare_release", "effective_date", "file", "sheet", "row"]


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
        known = sorted({str(medicare.release_year(n)) for n in medicare.releases()})
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
