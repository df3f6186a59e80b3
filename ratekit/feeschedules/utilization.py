"""A client's utilization file: units billed per payer, code, modifier and setting in a year.

Payer names are matched to client.yaml's names and aliases (case and punctuation ignored); a row
without a place of service is in the office. Cleaned once per distinct cell text, grouped on integer
keys: a million rows read in about a second (``docs/rates.md``, "Scale").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..client import normalise_name
from ..errors import Problem, RatekitError
from .cells import (_MODIFIER, _SETTING_FIX, SETTINGS, _cell_text, _code_info, parse_money, parse_setting,
                    split_modifiers)
from .tables import _header_row, _read_table

UTILIZATION_COLUMNS = ["payer", "hcpcs", "modifier", "setting", "units", "row"]


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
    for extra in ("modifier2", "modifier3", "modifier4"):  # further modifier columns: one key of all of them
        if extra in cols:
            e_codes, e_text = uniques(extra)
            m_codes, m_text = pd.factorize(pd.Series(m_text[m_codes], dtype=object) + "|" + e_text[e_codes])
            m_text = np.append(np.asarray(m_text, dtype=object), "")
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
    # the pricing modifier (26, TC, 53) keys the rate and the Medicare amount; units of 25, 59, LT, ... are the code's
    parts = [[x.strip().upper() for x in t.split("|")] for t in m_text]
    mod_ok = np.array([all(_MODIFIER.match(x) for x in p) and split_modifiers(p)[2] is None for p in parts])
    mod_clean = np.array([split_modifiers(p)[0] for p in parts], dtype=object)
    m = ~bad & ~mod_ok[m_codes]
    for i in np.flatnonzero(m):
        problems.append((int(rownum[i]), 2, Problem(fname, "a modifier is two letters or digits, one of them at most "
                                                    "26, TC or 53", row=int(rownum[i]), column=cols.get("modifier"),
                                                    value=m_text[m_codes[i]].strip("|"),
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
