"""The practice's panel: patients with each chronic condition, per payer, from client.yaml and the diagnosis file.

Built once per client (:func:`panel`) and passed as data to the ER-savings, exposure and local-need
functions: the diagnosis file is read once.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from ..client import CONDITIONS, Client
from ..errors import Problem, RatekitError
from .tables import condition_codes


def _normalise_code(code) -> str:
    return re.sub(r"[^0-9A-Z]", "", str(code).upper())


def read_diagnoses(client: Client) -> pd.DataFrame:
    """Read the client's aggregate diagnosis file (ICD-10 code, number of patients).

    The file is a CSV whose header has one column naming the code (``ICD-10 code``,
    ``icd10``, ``code``, ...) and one naming the count (``patients``). Codes may be
    written with or without the dot.

    Returns
    -------
    DataFrame
        ``icd10`` (normalised: no dot, upper case) and ``patients`` (int), one row
        per line of the file.

    Raises
    ------
    RatekitError
        If the file is missing, lacks either column, or has a code or count that
        cannot be read (each problem with its spreadsheet row number).
    """
    if not client.diagnoses:
        raise RatekitError(Problem(f"{client.client_id}/client.yaml", "no diagnoses file is named",
                                   column="diagnoses", fix="add 'diagnoses: diagnoses.csv'"))
    fname = f"{client.client_id}/{client.diagnoses}"
    try:
        raw = pd.read_csv(client.path(client.diagnoses), dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RatekitError(Problem(fname, f"cannot read the diagnosis file ({exc})",
                                   fix="save it as a UTF-8 CSV with columns 'ICD-10 code' and 'patients'")) from None
    code_col = next((c for c in raw.columns if re.search(r"icd|code|diag", str(c), re.I)), None)
    count_col = next((c for c in raw.columns if re.search(r"patient|count|members", str(c), re.I)), None)
    if code_col is None or count_col is None:
        raise RatekitError(Problem(fname, "the diagnosis file needs a code column and a patients column",
                                   value=", ".join(map(str, raw.columns)),
                                   fix="name the columns 'ICD-10 code' and 'patients'"))
    problems, rows = [], []
    for i, (code, count) in enumerate(zip(raw[code_col], raw[count_col], strict=True), start=2):
        norm = _normalise_code(code)
        if not re.fullmatch(r"[A-Z][0-9][0-9A-Z]{0,5}", norm):
            problems.append(Problem(fname, "not an ICD-10 code", row=i, column=str(code_col), value=code,
                                    fix="write codes like E11.9 or E119"))
            continue
        text = str(count).strip().replace(",", "")
        if not re.fullmatch(r"\d+", text):
            problems.append(Problem(fname, "patients must be a whole number, 0 or more", row=i,
                                    column=str(count_col), value=count))
            continue
        rows.append({"icd10": norm, "patients": int(text)})
    if problems:
        raise RatekitError(problems, context=f"client {client.client_id!r}: problems in its diagnosis file:")
    return pd.DataFrame(rows, columns=["icd10", "patients"]).astype({"patients": "int64"})


def map_diagnoses(diagnoses: pd.DataFrame) -> pd.DataFrame:
    """Attach the condition(s) each diagnosis code defines.

    A code matches a condition when it is in the condition's CCW code list. A code
    less specific than the list (e.g. ``E11``) matches the conditions that every
    listed code starting with it defines (so ``E11`` -> diabetes, ``I13`` -> the
    conditions all I13.x codes share). A code can define several conditions (I11.0:
    hypertension and heart failure) and then appears once per condition.

    Parameters
    ----------
    diagnoses : DataFrame
        ``icd10`` and ``patients``, as from :func:`read_diagnoses`.

    Returns
    -------
    DataFrame
        ``icd10``, ``patients``, ``condition`` (missing for codes that define none
        of the conditions).
    """
    codes = condition_codes()
    by_code = codes.groupby("icd10")["condition"].apply(frozenset).to_dict()
    rows = []
    for code, patients in zip(diagnoses["icd10"], diagnoses["patients"], strict=True):
        conds = by_code.get(code)
        if conds is None and len(code) >= 3:
            under = [c for k, c in by_code.items() if k.startswith(code)]
            conds = frozenset.intersection(*under) if under else frozenset()
        conds = conds or frozenset()
        ordered = [c for c in CONDITIONS if c in conds] or [None]
        rows += [{"icd10": code, "patients": int(patients), "condition": c} for c in ordered]
    out = pd.DataFrame(rows, columns=["icd10", "patients", "condition"])
    return out.astype({"patients": "int64", "condition": "str"})


def _diagnosis_totals(client: Client) -> dict[str, int]:
    mapped = map_diagnoses(read_diagnoses(client)).dropna(subset=["condition"])
    sums = mapped.groupby("condition")["patients"].sum()
    cap = client.panel_size
    return {c: int(min(sums[c], cap) if cap else sums[c]) for c in CONDITIONS if c in sums.index}


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split a whole number in proportion to weights so the parts sum to the total.

    Each part gets ``floor(total × w_i / Σw)``; the units left over go one each to
    the largest fractional remainders (ties: the earlier weight). All-zero weights
    give all-zero parts.
    """
    total = int(total)
    wsum = float(sum(weights))
    if total <= 0 or wsum <= 0:
        return [0] * len(weights)
    quotas = [total * w / wsum for w in weights]
    parts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def panel(client: Client) -> pd.DataFrame:
    """The practice's patients with each chronic condition, per payer.

    Where the counts come from, for each condition:

    1. a payer's own count (``payers[i].conditions`` in client.yaml) is used as is;
    2. the practice total - ``conditions:`` in client.yaml, else derived from the
       ``diagnoses:`` file through the CCW code lists (:func:`map_diagnoses`; the
       sum over a condition's codes, capped at the panel size, which overstates a
       condition when patients carry several of its codes) - minus the payers' own
       counts, is split among the other payers in proportion to their
       ``patients`` by largest remainder (:func:`largest_remainder`), so the split
       sums exactly to what is left.

    Parameters
    ----------
    client : Client

    Returns
    -------
    DataFrame
        ``payer`` (as named in client.yaml), ``condition``, ``patients`` (int) and
        ``source`` (``payer count``, ``split of client total`` or ``split of
        diagnosis file``); payers in client.yaml order, conditions in
        ``client.CONDITIONS`` order. Conditions nobody counted are left out.
    """
    diag = _diagnosis_totals(client) if client.diagnoses else {}
    totals = {**diag, **client.conditions}
    origin = {c: ("split of client total" if c in client.conditions else "split of diagnosis file") for c in totals}
    present = [c for c in CONDITIONS if c in totals or any(c in p.conditions for p in client.payers)]
    rows = []
    for cond in present:
        own = {p.name: p.conditions[cond] for p in client.payers if cond in p.conditions}
        rest = [p for p in client.payers if p.name not in own]
        left = max(totals.get(cond, 0) - sum(own.values()), 0)
        split = dict(zip([p.name for p in rest], largest_remainder(left, [p.patients for p in rest]), strict=True))
        for p in client.payers:
            if p.name in own:
                rows.append({"payer": p.name, "condition": cond, "patients": own[p.name], "source": "payer count"})
            else:
                rows.append({"payer": p.name, "condition": cond, "patients": split[p.name],
                             "source": origin.get(cond, "no count given")})
    out = pd.DataFrame(rows, columns=["payer", "condition", "patients", "source"])
    order = {p.name: i for i, p in enumerate(client.payers)}
    corder = {c: i for i, c in enumerate(CONDITIONS)}
    out = out.sort_values(["payer", "condition"], key=lambda s: s.map(order if s.name == "payer" else corder),
                          kind="stable").reset_index(drop=True)
    return out.astype({"patients": "int64"})


def panel_conditions(panel: pd.DataFrame) -> list[str]:
    """The conditions with at least one patient in ``panel`` (from :func:`panel`), in ``client.CONDITIONS`` order."""
    counted = set(panel.loc[panel["patients"] > 0, "condition"])
    return [c for c in CONDITIONS if c in counted]
