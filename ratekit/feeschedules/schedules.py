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
                    is_numeric_code, is_total, parse_setting, split_modifiers)
from .tables import HEADER_SYNONYMS, _header_row, _read_table, first_row, looks_headerless

RATE_COLUMNS = ["payer", "hcpcs", "modifier", "setting", "rate", "rate_basis", "contract_percent",
                "medicare_release", "effective_date", "file", "sheet", "row", "other_modifiers", "terminate_date"]


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


_FIELD_TEXT = ("hcpcs", "rate", "pct_of_medicare", "modifier", "modifier2", "modifier3", "modifier4", "setting",
               "effective", "terminate")
_MODIFIER_FIELDS = ("modifier", "modifier2", "modifier3", "modifier4")


def _rates_from_table(raw: pd.DataFrame, *, fname: str, sheet: str | None, payer: str, as_of: dt.date | None,
                      lookup: dict[str, str] | None) -> tuple[pd.DataFrame, list[Problem], str]:
    """The body of :func:`read_fee_schedule`; also returns the code column's header."""
    fields, problems = _fields(raw, fname=fname, sheet=sheet, payer=payer, lookup=lookup)
    rates, found, _ = _check_rows(fields, as_of)
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
    if "hcpcs" not in cols and looks_headerless(first_row(raw)):
        raise RatekitError(Problem(fname, "the file has no header row: its first row is already data", sheet=sheet,
                                   row=1, value=", ".join(first_row(raw)[:8]),
                                   fix="add a first row naming the columns, e.g. code, modifier, place of service, "
                                       "rate, effective date"))
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
    # a totals row: "Total" in its code cell, or a blank code with "Total" in another cell (a label column)
    total = np.zeros(n, dtype=bool)
    fielded = {str(v) for k, v in cols.items() if k not in ("hcpcs", "payer")}  # rates, dates, modifiers, POS
    for column in table.columns:
        if str(column) in fielded:
            continue
        codes, uniq = _per_unique(_text(table[column]), is_total)
        total |= uniq[codes].astype(bool)
    hcodes, htotal = _per_unique(pd.Series(out["hcpcs"], dtype=object), is_total)
    out["total_row"] = total & ((out["hcpcs"] == "") | htotal[hcodes].astype(bool))
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


def _check_rows(fields: pd.DataFrame, as_of: dt.date | None) -> tuple[pd.DataFrame, list[Problem], pd.DataFrame]:
    """Check and parse fee-schedule rows (of one file or many) in one vectorised pass.

    Each row gets at most one error, the first of: code, modifier, rate or percent, setting,
    effective date. Then repeated rows and rates not in force on ``as_of`` are dealt with
    (:func:`_check_duplicates`, :func:`_in_force`), and one rate per pricing modifier is kept
    (:func:`_one_rate_per_pricing_modifier`). Returns rates, problems and the modifier variants left out.
    """
    f = fields
    code_t, rate_t, pct_t = f["hcpcs"], f["rate"], f["pct_of_medicare"]
    set_t, eff_t = f["setting"], f["effective"]
    problems: list[tuple[int, str, int, int, Problem]] = []  # sort keys, so problems list file by file, row by row
    order = iter(range(10**9))
    files, sheets, rows = f["file"].to_numpy(), f["sheet"].to_numpy(), f["row"].to_numpy()

    def report(mask: np.ndarray, message: str, field_name: str, fix: str, values: pd.Series | None = None,
               column: np.ndarray | None = None, severity: str = "error") -> None:
        cols = f[f"col_{field_name}"].to_numpy() if column is None else column
        vals = (f[field_name] if values is None else values).to_numpy()
        for i in np.flatnonzero(mask):
            problems.append((files[i], sheets[i], int(rows[i]), next(order), Problem(
                files[i], message, sheet=sheets[i] or None, row=int(rows[i]), column=cols[i] or None,
                value=vals[i], fix=fix, severity=severity)))

    bad = ((code_t == "") & (rate_t == "") & (pct_t == "")).to_numpy(copy=True)  # blank lines
    total = f["total_row"].to_numpy(dtype=bool) if "total_row" in f else np.zeros(len(f), dtype=bool)
    m = ~bad & total
    report(m, "a totals row is left out", "hcpcs", "nothing to do; it is not a rate", severity="warning",
           values=code_t.where(code_t != "", "Total"))
    bad |= m

    ccodes, cinfo = _per_unique(code_t, _code_info)
    code = np.array([c[0] for c in cinfo[:-1]] + [""], dtype=object)[ccodes]
    code_ok = np.array([c[1] for c in cinfo[:-1]] + [False], dtype=bool)[ccodes]
    m = ~bad & ~code_ok
    report(m, "not a CPT/HCPCS code", "hcpcs", "use a 5-character code such as 99213 or G0439")
    bad |= m
    ncodes, numeric = _per_unique(code_t, is_numeric_code)
    m = ~bad & numeric[ncodes].astype(bool)
    report(m, "the code was saved as a number with decimals and is read without them", "hcpcs",
           "format the code column as text in the spreadsheet", severity="warning")

    mod_cells = [f[name] if name in f else pd.Series("", index=f.index) for name in _MODIFIER_FIELDS]
    mod_key = mod_cells[0].str.cat(mod_cells[1:], sep="|")
    mcodes, minfo = _per_unique(mod_key, lambda v: _modifiers(v.split("|")))
    minfo = list(minfo[:-1]) + [("", "", None, None)]
    mod = np.array([x[0] for x in minfo], dtype=object)[mcodes]
    other_mods = np.array([x[1] for x in minfo], dtype=object)[mcodes]
    mod_error = np.array([x[2] or "" for x in minfo], dtype=object)[mcodes]
    mod_field = np.array([x[3] or "modifier" for x in minfo], dtype=object)[mcodes]
    m = ~bad & (mod_error != "")
    for name in _MODIFIER_FIELDS:
        mf = m & (mod_field == name)
        if mf.any():
            report(mf, "a modifier is two letters or digits", name, "e.g. 26, TC or leave empty")
    mp = m & (mod_field == "pricing")
    report(mp, "the row has more than one pricing modifier (26, TC, 53)", "modifier",
           "give the professional (26) and technical (TC) rates rows of their own", values=mod_key.str.strip("|"))
    bad |= m

    rcodes, runiq = pd.factorize(rate_t)
    rkind, ramount, ryear = (a[rcodes] for a in _rate_cells(np.asarray(runiq, dtype=object)))
    pcodes, pparsed = _per_unique(pct_t, _pct_cell)
    pkind = np.array([r[0] for r in pparsed[:-1]] + [""], dtype=object)[pcodes]
    pvalue = np.array([np.nan if r[1] is None else r[1] for r in pparsed[:-1]] + [np.nan], dtype=float)[pcodes]
    pct_fix = "write the percent, e.g. 120% (or 1.2 for 1.2 times Medicare)"

    m = ~bad & (rkind == "not_priced")
    report(m, "the rate says the code is not paid at a set amount (N/A, not covered, by report or manual): it is "
              "left out of the benchmark", "rate", "nothing to do, unless the payer does pay a set amount for it",
           severity="warning")
    bad |= m
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

    effective = _dates(eff_t)
    m = ~bad & (eff_t != "").to_numpy() & np.isnat(effective)
    report(m, "the effective date is not a date", "effective", "write it as YYYY-MM-DD, e.g. 2025-01-01")
    bad |= m
    term_t = f["terminate"] if "terminate" in f else pd.Series("", index=f.index)
    terminate = _dates(term_t)
    m = ~bad & (term_t != "").to_numpy() & np.isnat(terminate)
    report(m, "the termination date is not a date", "terminate", "write it as YYYY-MM-DD, e.g. 2025-12-31")
    bad |= m
    m = ~bad & ~np.isnat(terminate) & ~np.isnat(effective) & (terminate < effective)
    report(m, "the rate terminates before it takes effect", "terminate",
           "check the effective and termination dates of this row")
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
        "other_modifiers": pd.array(other_mods[good], dtype="str"),
        "terminate_date": terminate[good],
        "_col_rate": np.where(f["col_rate"] != "", f["col_rate"], f["col_pct_of_medicare"])[good],
        "_col_effective": f["col_effective"].to_numpy()[good],
        "_col_terminate": (f["col_terminate"].to_numpy() if "col_terminate" in f else np.full(len(f), ""))[good],
    })
    listed = [t[-1] for t in sorted(problems, key=lambda t: t[:4])]
    rates, dup_problems = _check_duplicates(rates)
    rates, date_problems = _in_force(rates, as_of)
    rates, variants, mod_problems = _one_rate_per_pricing_modifier(rates)
    internal = ["_col_rate", "_col_effective", "_col_terminate"]
    return rates.drop(columns=internal), listed + dup_problems + date_problems + mod_problems, \
        variants.drop(columns=internal)


def _modifiers(cells: list[str]) -> tuple[str, str, str | None, str | None]:
    """A row's modifier cells -> (pricing modifier, others, error, the field at fault: a modifier field, "pricing")."""
    texts = [c.strip().upper() for c in cells]
    for name, text in zip(_MODIFIER_FIELDS, texts, strict=True):
        if not _MODIFIER.match(text):
            return "", "", "bad", name
    pricing, others, error = split_modifiers(texts)
    return pricing, others, ("pricing" if error else None), ("pricing" if error else None)


def _dates(texts: pd.Series) -> np.ndarray:
    """Date cells parsed once per distinct text (NaT where empty or not a date)."""
    codes, uniq = pd.factorize(texts)
    if not len(uniq):
        return np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[us]")
    parsed = pd.to_datetime(pd.Series(np.asarray(uniq, dtype=object), dtype="str"), errors="coerce",
                            format="mixed").to_numpy(dtype="datetime64[us]")
    return np.append(parsed, np.datetime64("NaT"))[codes]


def _label(code: str, mod: str, setting: str = "", others: str = "") -> str:
    label = code + "".join(f"-{m}" for m in [mod, *others.split(", ")] if m)
    return label + (f" ({'non-facility' if setting == 'nonfacility' else 'facility'})" if setting else "")


def _shown_rate(row) -> str:
    if row.rate_basis == "pct_of_medicare":
        year = f" {row.medicare_release}" if row.medicare_release else ""
        return f"{row.contract_percent:g}% of Medicare{year}"
    return f"{row.rate:.2f}"


_KEY = ["payer", "hcpcs", "modifier", "setting", "other_modifiers"]


def _check_duplicates(rates: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Drop repeated codes: exact repeats are a warning, different rates for one code an error.

    Rows repeat when they share payer, code, modifiers, setting and effective date.
    """
    key = _KEY + ["effective_date"]
    repeated = rates.duplicated(key, keep=False)
    if not repeated.any():
        return rates, []
    problems, conflicting = [], []
    what = ["rate_basis", "rate", "contract_percent", "medicare_release"]
    for _, group in rates[repeated].groupby(key, sort=False, dropna=False):
        first = group.iloc[0]
        label = _label(first.hcpcs, first.modifier, first.setting, first.other_modifiers)
        first_row = int(group["row"].iloc[0])
        sheet = first.sheet or None
        if len(group[what].drop_duplicates()) > 1:
            conflicting.append(group.index)
            problems.append(Problem(first.file, f"code {label} appears with different rates", sheet=sheet,
                                    row=int(group["row"].iloc[1]), column=group["_col_rate"].iloc[1] or None,
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


def _in_force(rates: pd.DataFrame, as_of: dt.date | None) -> tuple[pd.DataFrame, list[Problem]]:
    """Keep per payer, code, modifiers and setting the rate in force on ``as_of``.

    A rate is in force from its effective date (none: since ever) through its termination date
    (none: still in force); of those in force, the latest effective wins. Rows not in force are
    left out: a code with only later rates, or only terminated ones, is a warning.
    """
    if as_of is None or (rates["effective_date"].isna().all() and rates["terminate_date"].isna().all()):
        return rates, []
    when = pd.Timestamp(as_of)
    future = rates["effective_date"] > when
    ended = rates["terminate_date"] < when
    current = rates[~future & ~ended]
    have = rates.set_index(_KEY).index.isin(current.set_index(_KEY).index)
    problems = []
    for mask, what, column in ((future, f"has only rates effective after {as_of.isoformat()}", "_col_effective"),
                               (ended & ~future, f"has only rates that terminated before {as_of.isoformat()}",
                                "_col_terminate")):
        field_name = "effective_date" if column == "_col_effective" else "terminate_date"
        for _, group in rates[mask & ~have].groupby(_KEY, sort=False):
            first = group.sort_values(field_name).iloc[-1 if column == "_col_terminate" else 0]
            problems.append(Problem(
                first.file, f"code {_label(first.hcpcs, first.modifier, first.setting, first.other_modifiers)} "
                            f"{what}", sheet=first.sheet or None, row=int(first.row),
                column=first[column] or None, value=first[field_name].date().isoformat(), severity="warning",
                fix=f"add the rate in force on {as_of.isoformat()}, or set benchmark_date in client.yaml"))
        have = have | (mask & ~have)  # one warning per code
    ordered = current.assign(_when=current["effective_date"].fillna(pd.Timestamp("1800-01-01"))).sort_values(
        _KEY + ["_when"], kind="stable")
    latest = ordered.drop_duplicates(_KEY, keep="last").drop(columns="_when")
    dropped = ~rates.index.isin(latest.index)
    day = as_of.isoformat()
    for (file, sheet), group in rates[dropped].groupby(["file", "sheet"], sort=False):
        late, gone = future[group.index], ended[group.index] & ~future[group.index]
        parts = [f"{late.sum():,} effective after {day}" if late.any() else "",
                 f"{gone.sum():,} terminated before {day}" if gone.any() else "",
                 f"{(~late & ~gone).sum():,} replaced by a later rate" if (~late & ~gone).any() else ""]
        rows_are = "1 row is" if len(group) == 1 else f"{len(group):,} rows are"
        problems.append(Problem(file, f"{rows_are} not in force on {day} and left out "
                                      f"({', '.join(p for p in parts if p)})", sheet=sheet or None,
                                severity="warning", fix="nothing to do, unless the benchmark date "
                                                        "(benchmark_date in client.yaml) is wrong"))
    return latest.sort_index().reset_index(drop=True), problems


def _one_rate_per_pricing_modifier(rates: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[Problem]]:
    """One benchmarked rate per payer, code, pricing modifier and setting; variants by other modifiers kept.

    The rate without other modifiers (25, 59, LT, RT, ...) is the code's rate; where every row of a
    code carries some, they are one rate when they agree (``other_modifiers`` lists them all,
    e.g. ``LT, RT``), else the first row's rate is used, with a warning. Returns the benchmarked
    rates, the variants left out of the benchmark and the warnings.
    """
    key = _KEY[:4] + ["effective_date"]  # without a benchmark date every dated rate is kept
    many = rates.duplicated(key, keep=False)
    if not many.any():
        return rates, rates.iloc[:0], []
    keep = pd.Series(True, index=rates.index)
    merged_others, merged = {}, []
    problems = []
    for _, group in rates[many].groupby(key, sort=False, dropna=False):
        base = group[group["other_modifiers"] == ""]
        if len(base):
            keep[group.index.difference(base.index[:1])] = False
            continue
        keep[group.index[1:]] = False
        if len(group[["rate_basis", "rate", "contract_percent", "medicare_release"]].drop_duplicates()) == 1:
            merged_others[group.index[0]] = ", ".join(dict.fromkeys(group["other_modifiers"]))
            merged.extend(group.index[1:])  # one rate: nothing left out
        else:
            first = group.iloc[0]
            problems.append(Problem(
                first.file, f"code {_label(first.hcpcs, first.modifier, first.setting)} has different rates by "
                            "modifier and none without them: the first is benchmarked", sheet=first.sheet or None,
                row=int(first.row), column=first["_col_rate"] or None,
                value=", ".join(f"{r.other_modifiers} {_shown_rate(r)}" for r in group.itertuples()),
                severity="warning", fix="add the rate without modifiers, if the payer has one"))
    variants = rates[~keep & ~rates.index.isin(merged)]
    out = rates[keep].copy()
    for i, others in merged_others.items():
        out.loc[i, "other_modifiers"] = others
    return out.reset_index(drop=True), variants.reset_index(drop=True), problems
