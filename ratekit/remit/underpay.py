"""Each remittance line against the contract: underpaid, overpaid, denied, recoded, no contract rate or at contract.

:func:`classify` compares the actual allowed amount of each line (AMT*B6, else paid + patient
responsibility) with its expected allowed (:func:`ratekit.remit.expected.expected_allowed`). A line is
flagged when ``|allowed - expected| > max($1, 2% of expected)``. Classes, first match wins:

1. ``not compared``: a duplicate remittance, a reversal or the claim it reverses, a secondary / COB
   claim, or a payer client.yaml does not name (shown, never compared);
2. ``denied``: nothing allowed (paid 0 and no patient responsibility), or claim status 4; with the
   denial's reason code (CARC);
3. ``recoded``: the payer paid another code than the one billed (SVC06); compared with the billed
   code's contract rate;
4. ``no contract rate``: the payer has no rate for the code (or is benchmarked from its remittances);
5. ``underpaid`` / ``overpaid``: outside the tolerance; else ``at contract``.

:func:`summary` adds them up by payer or by code, :func:`appeal_worklist` lists what to appeal.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..client import Client
from .derive import span_days
from .expected import expected_allowed

CLASSES = ("underpaid", "overpaid", "denied", "recoded", "no contract rate", "at contract", "not compared")

#: Classes an analyst appeals.
APPEAL_CLASSES = ("underpaid", "denied", "recoded")

#: A line is flagged when it differs from expected by more than the larger of these.
TOLERANCE_DOLLARS = 1.0
TOLERANCE_SHARE = 0.02

_TRIPLET = re.compile(r"([A-Z]{2})-([A-Z0-9]+) (-?[0-9.]+)")


def tolerance(expected: pd.Series) -> pd.Series:
    """``max($1, 2% of expected)``."""
    return np.maximum(TOLERANCE_DOLLARS, TOLERANCE_SHARE * expected.abs())


def _why_not_compared(lines: pd.DataFrame, payer: pd.Series) -> pd.Series:
    note = pd.Series("", index=lines.index, dtype=object)
    for col, text in (("is_secondary", "secondary / COB claim"), ("reversed", "reversed by a later claim"),
                      ("reversal", "reversal (CLP02 22)"), ("duplicate", "the same remittance received twice")):
        if col in lines:
            note = note.where(~lines[col].astype(bool), text)
    return note.where(payer != "", note.where(note != "", "payer not in client.yaml"))


def denial_reason(adjustments: pd.Series) -> pd.Series:
    """The largest non-patient adjustment of each line (``"CO-50"``), from the ``adjustments`` text."""
    def one(text: str) -> str:
        best, amount = "", 0.0
        for group, reason, value in _TRIPLET.findall(text or ""):
            if group != "PR" and abs(float(value)) > amount:
                best, amount = f"{group}-{reason}", abs(float(value))
        return best
    return adjustments.fillna("").astype(str).map(one)


def classify(lines: pd.DataFrame, client: Client, *, derived_payers: tuple[str, ...] = (),
             schedule: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every remittance line with its expected allowed, variance and class.

    Parameters
    ----------
    lines : DataFrame
        :data:`ratekit.remit.LINE_COLUMNS`.
    client : Client
    derived_payers : tuple of str
        Payers benchmarked from their remittances (no contract to compare with).
    schedule : DataFrame, optional
        :func:`ratekit.remit.expected.contract_schedule`, read when not given.

    Returns
    -------
    DataFrame
        ``lines`` plus :data:`ratekit.remit.expected.EXPECTED_COLUMNS`, ``variance`` (allowed −
        expected; negative is underpaid), ``tolerance``, ``class`` (:data:`CLASSES`), ``denial_reason``
        and ``note``.
    """
    lines = lines.reset_index(drop=True)
    exp = expected_allowed(lines, client, schedule=schedule)
    out = pd.concat([lines, exp.drop(columns=[c for c in exp if c in lines])], axis=1)
    out["variance"] = (out["allowed"] - out["expected"]).round(2)
    out["tolerance"] = tolerance(out["expected"].fillna(0))
    note = _why_not_compared(lines, exp["payer"])
    recoded = (lines["submitted_procedure"] != "") & (lines["submitted_procedure"] != lines["procedure"])
    denied = (lines["claim_status"] == "4") | ((lines["paid"] == 0) & (lines["allowed"] <= 0))
    no_rate = out["expected"].isna()
    klass = np.select(
        [note != "", denied, recoded, no_rate, out["variance"] < -out["tolerance"], out["variance"] > out["tolerance"]],
        ["not compared", "denied", "recoded", "no contract rate", "underpaid", "overpaid"], "at contract")
    out["class"] = klass
    out["denial_reason"] = np.where(out["class"] == "denied", denial_reason(lines["adjustments"]), "")
    derived = exp["payer"].isin(derived_payers) & (out["class"] == "no contract rate")
    out["note"] = np.where(note != "", note, np.where(derived, "benchmarked from its remittances (no fee schedule)",
                                                      out["rule"]))
    return out


def _reason_codes(frame: pd.DataFrame, n: int = 3) -> str:
    """The ``n`` non-patient reason codes with most dollars on these lines, e.g. ``"CO-45, CO-50"``."""
    totals: dict[str, float] = {}
    for text in frame["adjustments"].fillna(""):
        for group, reason, value in _TRIPLET.findall(text):
            if group != "PR":
                totals[f"{group}-{reason}"] = totals.get(f"{group}-{reason}", 0.0) + abs(float(value))
    top = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return ", ".join(k for k, _ in top)


def compared_span_days(classified: pd.DataFrame) -> int:
    """Days spanned by the service dates of the compared lines (first to last, both counted)."""
    return span_days(classified.loc[classified["class"] != "not compared", "service_date"])


def summary(classified: pd.DataFrame, by: str = "payer") -> pd.DataFrame:
    """Lines and dollars per payer (``by="payer"``) or per code (``by="code"``).

    ``underpaid_a_year = underpaid x 365 / span``, where ``underpaid`` is the sum of
    ``expected - allowed`` over the underpaid lines and ``span`` the days from the first to the
    last service date of all the client's compared lines (:func:`compared_span_days`): the same
    span for every row, so rows add up.

    Returns
    -------
    DataFrame
        ``payer`` or ``code``, ``lines`` (compared), ``underpaid_lines``, ``underpaid`` ($),
        ``underpaid_a_year`` ($), ``denied_lines``, ``denied_expected`` ($ the contract would have
        allowed), ``recoded_lines``, ``overpaid_lines``, ``not_compared_lines``, ``top_reasons``
        (reason codes with most dollars on the underpaid, denied and recoded lines); sorted by
        ``underpaid`` descending.
    """
    if by not in ("payer", "code"):
        raise ValueError("by must be 'payer' or 'code'")
    frame = classified[classified["payer"] != ""]
    days = compared_span_days(classified)
    rows = []
    for key, g in frame.groupby(by, sort=True):
        under = g[g["class"] == "underpaid"]
        flagged = g[g["class"].isin(APPEAL_CLASSES)]
        amount = float(-under["variance"].sum())
        rows.append({by: key, "lines": int((g["class"] != "not compared").sum()), "underpaid_lines": len(under),
                     "underpaid": round(amount, 2), "underpaid_a_year": amount * 365 / days if days else 0.0,
                     "denied_lines": int((g["class"] == "denied").sum()),
                     "denied_expected": float(g.loc[g["class"] == "denied", "expected"].sum()),
                     "recoded_lines": int((g["class"] == "recoded").sum()),
                     "overpaid_lines": int((g["class"] == "overpaid").sum()),
                     "not_compared_lines": int((g["class"] == "not compared").sum()),
                     "top_reasons": _reason_codes(flagged)})
    cols = [by, "lines", "underpaid_lines", "underpaid", "underpaid_a_year", "denied_lines", "denied_expected",
            "recoded_lines", "overpaid_lines", "not_compared_lines", "top_reasons"]
    out = pd.DataFrame(rows, columns=cols)
    out = out.sort_values(["underpaid", by], ascending=[False, True], kind="stable", ignore_index=True)
    out.attrs["span_days"] = days
    return out


WORKLIST_COLUMNS = ["payer", "claim", "payer_claim_number", "line", "service_date", "code", "modifiers",
                    "billed_code", "units", "charge", "expected", "allowed", "paid", "variance", "class", "rule",
                    "reason_codes", "denial_reason", "contract_rate", "rate_basis", "medicare_release", "rate_source",
                    "file", "segment"]


def appeal_worklist(classified: pd.DataFrame) -> pd.DataFrame:
    """The lines to appeal (underpaid, denied, recoded), most money first, for the analyst.

    Holds claim control numbers (CLP01, CLP07): it belongs in the analyst's files, never in the
    physicians' report. Columns :data:`WORKLIST_COLUMNS`; ``variance`` is allowed − expected.
    """
    w = classified[classified["class"].isin(APPEAL_CLASSES)].copy()
    mods = w[["modifier_1", "modifier_2", "modifier_3", "modifier_4"]].astype(str)
    out = pd.DataFrame({
        "payer": w["payer"], "claim": w["claim_id"], "payer_claim_number": w["payer_claim_id"], "line": w["line"],
        "service_date": pd.to_datetime(w["service_date"]).dt.date, "code": w["procedure"],
        "modifiers": mods.apply(lambda r: " ".join(m for m in r if m), axis=1) if len(w) else "",
        "billed_code": w["submitted_procedure"], "units": w["units"], "charge": w["charge"],
        "expected": w["expected"], "allowed": w["allowed"], "paid": w["paid"], "variance": w["variance"],
        "class": w["class"], "rule": w["rule"], "reason_codes": w["adjustments"], "denial_reason": w["denial_reason"],
        "contract_rate": w["rate"], "rate_basis": w["rate_basis"], "medicare_release": w["medicare_release"],
        "rate_source": w["rate_file"], "file": w["file"], "segment": w["segment"]}, columns=WORKLIST_COLUMNS)
    order = out["variance"].fillna(-out["expected"].fillna(0))
    return out.assign(_o=order).sort_values(["_o", "payer", "claim", "line"], kind="stable").drop(
        columns="_o").reset_index(drop=True)
