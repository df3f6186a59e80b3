"""The parsed columns of one block assembled into Arrow tables with the documented column names."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import columns as C

LINE_COLUMNS = [
    "file", "transaction", "trace", "payer_name", "payer_id", "payee_npi", "payee_tin", "claim_id", "claim_status",
    "claim_charge", "claim_paid", "claim_filing", "payer_claim_id", "claim_segment", "line", "segment",
    "service_date", "procedure_qualifier", "procedure", "modifier_1", "modifier_2", "modifier_3", "modifier_4",
    "submitted_procedure", "units", "charge", "paid", "allowed", "allowed_source", "patient_resp", "contractual",
    "other_adj", "adjustments", "line_control", "balanced", "claim_balanced", "is_secondary", "reversal",
    "reversed", "duplicate", "comparable",
]


def _file(st, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(st.file, pa.string()), n)


def _dollars(c: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(c, dtype=np.int64) / 100.0, pa.float64())


def _coalesce(*dates: pa.Array) -> pa.Array:
    return pc.coalesce(*dates).cast(pa.timestamp("ns"))


def block_tables(st, head: dict, claims: dict, lines: dict, adj: dict, plb: dict, valid: np.ndarray) -> dict:
    """``{"lines", "claims", "adjustments", "plb", "transactions"}`` for one block (flags set later)."""
    ntr = len(valid)
    number = np.arange(ntr) + st.transactions + 1
    tx = {k: C.text(v) for k, v in head.items() if isinstance(v, pa.Array) and v.type == pa.binary()}
    nclaims, nlines = len(claims["row"]), len(lines["row"])

    # the text of each triplet, "CO-45 12.00", joined per line and per claim (claim-level CAS only)
    label = pc.binary_join_element_wise(pc.binary_join_element_wise(C.text(adj["group_arr"]),
                                                                    C.text(adj["reason_arr"]), "-"),
                                        C.money_text(adj["cents"]), " ")
    on_line = adj["level_line"]
    line_text = C.joined(label.filter(pa.array(on_line)), adj["line_owner"][on_line], nlines)
    claim_text = C.joined(label.filter(pa.array(~on_line)), adj["claim"][~on_line], nclaims)

    ctr = claims["tr"]
    status = C.text(claims["status"])
    transactions = pa.table({
        "file": _file(st, ntr), "transaction": pa.array(number, pa.int64()),
        "control": tx["control"], "trace": tx["trace"], "trace_originator": tx["originator"],
        "payer_name": tx["payer_name"], "payer_id": tx["payer_id"], "payee_name": tx["payee_name"],
        "payee_npi": tx["payee_npi"], "payee_tin": tx["payee_tin"], "handling": tx["handling"],
        "payment": _dollars(head["payment_c"]), "payment_method": tx["method"],
        "payment_date": head["payment_date"].cast(pa.timestamp("ns")),
        "production_date": head["production_date"].cast(pa.timestamp("ns")),
        "claims": pa.array(np.bincount(ctr, minlength=ntr) if nclaims else np.zeros(ntr, np.int64)),
        "lines": pa.array(np.bincount(lines["tr"], minlength=ntr) if nlines else np.zeros(ntr, np.int64)),
        "claims_paid": _dollars(C.sum_per(ctr, claims["paid_c"], ntr)),
        "plb_total": _dollars(C.sum_per(plb["tr"], plb["cents"], ntr)),
        "balanced": pa.array(head["balanced"]), "readable": pa.array(valid),
    }).filter(pa.array(valid))

    def per_claim(arr):  # transaction fields onto claims
        return arr.take(ctr)

    claim_date = _coalesce(claims["dates"][b"232"], claims["dates"][b"233"], claims["dates"][b"050"])
    claim_t = pa.table({
        "file": _file(st, nclaims), "transaction": pa.array(number[ctr], pa.int64()),
        "trace": per_claim(tx["trace"]), "payer_name": per_claim(tx["payer_name"]),
        "payer_id": per_claim(tx["payer_id"]), "payee_npi": per_claim(tx["payee_npi"]),
        "payee_tin": per_claim(tx["payee_tin"]), "claim_id": C.text(claims["id"]), "claim_status": status,
        "claim_charge": _dollars(claims["charge_c"]), "claim_paid": _dollars(claims["paid_c"]),
        "claim_patient_resp": _dollars(claims["resp_c"]), "claim_filing": C.text(claims["filing"]),
        "payer_claim_id": C.text(claims["payer_claim_id"]), "claim_segment": pa.array(claims["segment"], pa.int64()),
        "claim_date": claim_date,
        "lines": pa.array(np.bincount(lines["claim"], minlength=nclaims) if nlines else np.zeros(nclaims, np.int64)),
        "claim_adjustments": claim_text, "balanced": pa.array(claims["balanced"]),
        "is_secondary": pa.array(claims["is_secondary"]),
    })

    lc = lines["claim"]
    allowed_c = np.where(lines["allowed_given"], lines["allowed_c"], lines["paid_c"] + lines["patient_resp"])
    line_t = pa.table({
        "file": _file(st, nlines), "transaction": pa.array(number[lines["tr"]], pa.int64()),
        **{k: claim_t[k].combine_chunks().take(lc) for k in ("trace", "payer_name", "payer_id", "payee_npi",
                                                             "payee_tin", "claim_id", "claim_status",
                                                             "claim_charge", "claim_paid", "claim_filing",
                                                             "payer_claim_id", "claim_segment")},
        "line": pa.array(lines["line"], pa.int64()), "segment": pa.array(lines["segment"], pa.int64()),
        "service_date": pc.coalesce(lines["dates"][b"472"].cast(pa.timestamp("ns")),
                                    lines["dates"][b"150"].cast(pa.timestamp("ns")), claim_date.take(lc)),
        "procedure_qualifier": C.text(lines["qualifier"]), "procedure": C.text(lines["procedure"]),
        **{f"modifier_{k + 1}": C.text(m) for k, m in enumerate(lines["modifiers"])},
        "submitted_procedure": C.text(lines["submitted"]), "units": pa.array(lines["units"], pa.float64()),
        "charge": _dollars(lines["charge_c"]), "paid": _dollars(lines["paid_c"]), "allowed": _dollars(allowed_c),
        "allowed_source": pa.array(np.where(lines["allowed_given"], "AMT*B6", "paid+PR"), pa.string()),
        "patient_resp": _dollars(lines["patient_resp"]), "contractual": _dollars(lines["contractual"]),
        "other_adj": _dollars(lines["other_adj"]), "adjustments": line_text, "line_control": C.text(lines["control"]),
        "balanced": pa.array(lines["balanced"]), "claim_balanced": pa.array(claims["balanced"][lc]),
        "is_secondary": pa.array(claims["is_secondary"][lc]),
    })

    comp = C.Elements(plb["composite"], st.component or st.seps.component)
    every = np.arange(len(plb["row"]))
    plb_t = pa.table({
        "file": _file(st, len(every)), "transaction": pa.array(number[plb["tr"]], pa.int64()),
        "segment": pa.array(plb["segment"], pa.int64()), "provider": C.text(plb["provider"]),
        "fiscal_date": plb["date"].cast(pa.timestamp("ns")), "reason": C.text(comp.get(every, 0)),
        "reference": C.text(comp.get(every, 1)), "amount": _dollars(plb["cents"]),
    })

    ac = adj["claim"]
    adj_line = np.where(adj["level_line"], lines["line"][np.maximum(adj["line_owner"], 0)] if nlines else 0, 0)
    adj_t = pa.table({
        "file": _file(st, len(ac)), "transaction": pa.array(number[adj["tr"]], pa.int64()),
        "claim_id": claim_t["claim_id"].combine_chunks().take(ac),
        "claim_segment": pa.array(claims["segment"][ac], pa.int64()), "line": pa.array(adj_line, pa.int64()),
        "group": C.text(adj["group_arr"]), "reason": C.text(adj["reason_arr"]), "amount": _dollars(adj["cents"]),
        "quantity": pa.array(adj["quantity"], pa.float64()),
    })
    return {"lines": line_t, "claims": claim_t, "adjustments": adj_t, "plb": plb_t, "transactions": transactions}
