"""Across files: the same remittance received twice, reversals netted against their originals, comparability.

- ``duplicate``: a transaction whose TRN02 trace and payer (TRN03, else N1*PR id, else name) were already
  seen in an earlier transaction or file; it is shown but counted once (its lines are not ``comparable``).
- ``reversal``: a claim with CLP02 = 22 (the payer takes back an earlier payment). ``reversed``: the original
  claim a reversal cancels: same payer, CLP01 and CLP07 where both are given, and the negated charge and
  payment. Both sides net to zero, so neither is compared with the contract; the corrected claim that
  usually follows is.
- ``comparable``: a line fit for a contract comparison: not a duplicate, not a reversal, not reversed, and
  not secondary (``is_secondary``: CLP02 2, 3, 20 or 21, or a CAS OA-23 "impact of prior payer" adjustment,
  the sign of coordination of benefits; what a secondary payer allows is not its contract rate).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import Problem


def _payer(frame: pd.DataFrame) -> pd.Series:
    key = frame["payer_id"].where(frame["payer_id"] != "", frame["payer_name"])
    if "trace_originator" in frame:
        key = frame["trace_originator"].where(frame["trace_originator"] != "", key)
    return key.astype(str)


def mark(lines: pd.DataFrame, claims: pd.DataFrame, transactions: pd.DataFrame) -> list[Problem]:
    """Set ``duplicate``, ``reversal``, ``reversed`` (claims and lines) and ``comparable`` (lines) in place."""
    problems: list[Problem] = []
    tkey = transactions["trace"].astype(str) + "\x00" + _payer(transactions)
    dup = tkey.duplicated() & (transactions["trace"] != "")
    transactions["duplicate"] = dup
    first = {}
    seen = set(tkey[dup])
    for i, k in zip(transactions.index, tkey, strict=True):
        if k not in seen:
            continue
        if dup[i]:
            f, t = first[k]
            problems.append(Problem(transactions.at[i, "file"], f"transaction {transactions.at[i, 'transaction']}: "
                                    f"the same remittance (TRN02 trace and payer) as {f} transaction {t}: counted "
                                    "once", severity="warning"))
        else:
            first[k] = (transactions.at[i, "file"], transactions.at[i, "transaction"])
    dup_keys = transactions.loc[dup, ["file", "transaction"]].drop_duplicates().assign(duplicate=True)
    claims["duplicate"] = (claims[["file", "transaction"]].merge(dup_keys, how="left", on=["file", "transaction"])
                           ["duplicate"].fillna(False).astype(bool).to_numpy()) if dup.any() \
        else np.zeros(len(claims), dtype=bool)
    claims["reversal"] = claims["claim_status"] == "22"
    claims["reversed"] = False
    live = claims[~claims["duplicate"]]
    live = live[live["claim_id"].isin(live.loc[live["reversal"], "claim_id"])]  # only claims a reversal names
    payer = _payer(live)
    originals: dict[tuple, list] = {}
    for i in live.index[~live["reversal"]]:
        originals.setdefault((payer[i], live.at[i, "claim_id"]), []).append(i)
    for i in live.index[live["reversal"]]:
        match = [j for j in originals.get((payer[i], live.at[i, "claim_id"]), [])
                 if not claims.at[j, "reversed"]
                 and round(claims.at[j, "claim_paid"] + live.at[i, "claim_paid"], 2) == 0
                 and round(claims.at[j, "claim_charge"] + live.at[i, "claim_charge"], 2) == 0
                 and (not live.at[i, "payer_claim_id"] or not claims.at[j, "payer_claim_id"]
                      or claims.at[j, "payer_claim_id"] == live.at[i, "payer_claim_id"])]
        if match:
            claims.at[match[-1], "reversed"] = True
        else:
            problems.append(Problem(live.at[i, "file"], f"transaction {live.at[i, 'transaction']}, segment "
                                    f"{live.at[i, 'claim_segment']} (CLP): a reversal (CLP02 22) of a claim not in "
                                    "the files read: kept as a negative payment", severity="warning"))
    key = ["file", "transaction", "claim_segment"]
    if not (claims["duplicate"].any() or claims["reversal"].any()):
        for col in ("reversal", "reversed", "duplicate"):
            lines[col] = np.zeros(len(lines), dtype=bool)
    else:
        flags = claims[key + ["duplicate", "reversal", "reversed"]]
        merged = lines[key].merge(flags, on=key, how="left")
        for col in ("reversal", "reversed", "duplicate"):
            lines[col] = merged[col].fillna(False).astype(bool).to_numpy()
    lines["comparable"] = ~(lines["duplicate"] | lines["reversal"] | lines["reversed"] | lines["is_secondary"])
    return problems
