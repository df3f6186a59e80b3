"""One block of whole 835 transactions to Arrow tables: lines, claims, adjustments, PLB, transactions.

Vectorised over the block's segments (see :mod:`ratekit.remit.columns`): each segment's place in the
hierarchy (transaction, claim, service line) comes from running maxima of the positions of ST, CLP and SVC
segments, so a CAS belongs to the last SVC after the last CLP, or to the claim when no SVC followed it.

Patient data: the NM1 segments (NM1*QC patient, NM1*IL insured, with names and member ids) are never read
beyond their segment id, so nothing of them reaches a table, a problem or a log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from ..errors import Problem
from . import columns as C
from .segments import Separators
from .tables import block_tables

_IDS = [b"ISA", b"GS", b"ST", b"BPR", b"TRN", b"N1", b"REF", b"DTM", b"CLP", b"CAS", b"SVC", b"AMT", b"PLB", b"SE",
        b"GE", b"IEA", b"LQ"]
ISA, GS, ST, BPR, TRN, N1, REF, DTM, CLP, CAS, SVC, AMT, PLB, SE, GE, IEA, LQ = range(1, len(_IDS) + 1)
_CODE = {name: i for i, name in enumerate(_IDS, start=1)}

_KINDS = {b"837": "an 837 claim", b"270": "a 270 eligibility inquiry", b"271": "a 271 eligibility response",
          b"276": "a 276 claim-status inquiry", b"277": "a 277 claim-status response",
          b"999": "a 999 acknowledgment", b"997": "a 997 acknowledgment", b"834": "an 834 enrolment",
          b"820": "an 820 premium payment"}
SECONDARY = [b"2", b"3", b"20", b"21"]  # processed as secondary / tertiary (and forwarded)
LISTED = 20  # problems of one kind listed one by one per file; the rest are counted in one more


@dataclass
class FileState:
    """What one file's blocks share: its name, separators, counters and the problems found so far."""

    file: str
    seps: Separators
    transactions: int = 0
    version: bytes = b""
    component: bytes = b""
    component_checked: bool = False
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    saw_trailer: bool = False

    def add(self, kind: str, message: str, fix: str = "", severity: str = "error") -> None:
        """Record a problem; past :data:`LISTED` of one kind they are only counted (see :meth:`close`)."""
        n = self.counts.get(kind, 0)
        self.counts[kind] = n + 1
        if n < LISTED:
            self.problems.append(Problem(self.file, message, fix=fix, severity=severity))

    def close(self) -> None:
        """Add one problem per kind that had more than :data:`LISTED`."""
        for kind, n in self.counts.items():
            if n > LISTED:
                self.problems.append(Problem(self.file, f"{n - LISTED} more of: {kind}", severity="warning"
                                             if kind in _WARNINGS else "error"))


_WARNINGS = {"unbalanced line", "unbalanced claim", "unbalanced transaction", "segment count", "orphan"}


def _where(st: FileState, t: int, seg: int, sid: str) -> str:
    return f"transaction {st.transactions + t + 1}, segment {seg} ({sid})"


def parse_block(block: bytes, st: FileState, *, final: bool) -> dict[str, pa.Table]:
    """The tables of one block (see :func:`ratekit.remit.read_remittances` for their columns).

    Problems go to ``st.problems``; transactions that cannot be read (not an 835, another version,
    truncated) are left out whole, and counted in ``st.transactions`` so numbering follows the file.
    """
    seps = st.seps
    E = C.Elements.from_block(block, seps.segment, seps.element)
    ids = E.first().dictionary_encode()
    lookup = np.array([_CODE.get(v, 0) for v in ids.dictionary.to_pylist()] + [0], dtype=np.int8)
    sid = lookup[np.asarray(ids.indices.fill_null(len(ids.dictionary)))]
    n = len(sid)
    pos = np.arange(n)

    is_st = sid == ST
    st_mark = C.forward(is_st)
    tr = np.cumsum(is_st) - 1
    st_rows = np.flatnonzero(is_st)
    ntr = len(st_rows)
    seg_no = pos - st_mark + 1

    _envelope(E, sid, st)
    valid, se_row = _transactions(E, sid, tr, st_rows, seg_no, st, final=final)
    end = np.where(tr >= 0, se_row[np.maximum(tr, 0)], -1) if ntr else np.full(n, -1)
    inside = (tr >= 0) & (pos <= end) & (valid[np.maximum(tr, 0)] if ntr else False)

    is_clp = (sid == CLP) & inside
    clp_mark = C.forward(is_clp)
    in_claim = inside & (clp_mark > st_mark)
    is_svc = (sid == SVC) & in_claim
    svc_mark = C.forward(is_svc)
    in_line = in_claim & (svc_mark > clp_mark)
    cl = np.cumsum(is_clp) - 1
    ln = np.cumsum(is_svc) - 1

    orphans = np.flatnonzero(inside & ~in_claim & np.isin(sid, [SVC, CAS]))
    for r in orphans[:LISTED]:
        st.add("orphan", f"{_where(st, tr[r], seg_no[r], _IDS[sid[r] - 1].decode())}: a service line or "
                         "adjustment before any CLP claim segment: left out", severity="warning")

    head = _header(E, sid, tr, inside & ~in_claim, ntr)
    claims = _claims(E, sid, pos, tr, cl, is_clp, in_claim, in_line, seg_no)
    lines = _lines(E, sid, tr, cl, ln, is_svc, in_line, seg_no, st)
    adj = _adjustments(E, sid, cl, ln, in_claim, in_line, seg_no, tr, st)
    plb = _plb(E, sid, tr, inside, seg_no, st)

    nclaims, nlines = len(claims["row"]), len(lines["row"])
    line_cas = C.sum_per(adj["line_owner"], adj["cents"], nlines)
    claim_cas = C.sum_per(adj["claim"], adj["cents"], nclaims)
    lines["balanced"] = lines["charge_c"] - line_cas == lines["paid_c"]
    claims["balanced"] = claims["charge_c"] - claim_cas == claims["paid_c"]
    claim_paid_tr = C.sum_per(claims["tr"], claims["paid_c"], ntr)
    plb_tr = C.sum_per(plb["tr"], plb["cents"], ntr)
    head["balanced"] = claim_paid_tr - plb_tr == head["payment_c"]
    _balance_problems(st, lines, line_cas, claims, claim_cas, head, claim_paid_tr, plb_tr, valid)

    for g, name in ((b"PR", "patient_resp"), (b"CO", "contractual")):
        lines[name] = C.sum_per(np.where(C.equals(adj["group_arr"], g), adj["line_owner"], -1), adj["cents"], nlines)
    lines["other_adj"] = line_cas - lines["patient_resp"] - lines["contractual"]
    oa23 = C.equals(adj["group_arr"], b"OA") & C.equals(adj["reason_arr"], b"23")
    cob = C.sum_per(adj["claim"], oa23.astype(np.int64), nclaims) > 0
    claims["is_secondary"] = C.is_in(claims["status"], SECONDARY) | cob
    tables = block_tables(st, head, claims, lines, adj, plb, valid)
    st.transactions += ntr
    return tables


def _envelope(E: C.Elements, sid: np.ndarray, st: FileState) -> None:
    """Keep the version GS08 (else ISA12) declares; note a trailer (GE / IEA)."""
    for r in np.flatnonzero((sid == GS) | (sid == ISA)):
        if sid[r] == GS:
            st.version = E.get([r], 8).to_pylist()[0]
        elif E.get([r], 12).to_pylist()[0] == b"00401":
            st.version = b"004010"
    st.saw_trailer = st.saw_trailer or bool(np.any((sid == GE) | (sid == IEA)))


def _transactions(E, sid, tr, st_rows, seg_no, st: FileState, *, final: bool):
    """Which transactions can be read (an 835, version 5010, with its SE), and each one's SE row."""
    ntr = len(st_rows)
    se_rows = np.flatnonzero((sid == SE) & (tr >= 0))
    se_row = C.first_per(tr[se_rows], se_rows, ntr)
    kind = E.get(st_rows, 1).to_pylist()
    control = E.get(st_rows, 2).to_pylist()
    version = E.get(st_rows, 3).to_pylist()
    declared = E.get(se_row, 1).to_pylist()
    valid = np.ones(ntr, dtype=bool)
    gs_mark = C.forward(sid == GS)
    for t, row in enumerate(st_rows):
        where = f"transaction {st.transactions + t + 1}, segment 1 (ST)"
        v = version[t] or (E.get([gs_mark[row]], 8).to_pylist()[0] if gs_mark[row] >= 0 else st.version)
        if kind[t] != b"835":
            what = _KINDS.get(kind[t], f"transaction set {kind[t].decode('latin-1')!r}")
            st.add("not 835", f"{where}: {what}, not an 835 remittance: skipped",
                   fix="give ratekit the payer's 835 remittance files only")
            valid[t] = False
        elif v.startswith(b"004010"):
            st.add("4010", f"{where}: version {v.decode('latin-1')} (HIPAA 4010), not 005010X221A1: skipped",
                   fix="ask the payer or clearinghouse for the 5010 (005010X221A1) 835; 4010 was retired in 2012")
            valid[t] = False
        elif v and not v.startswith(b"005010X221"):
            st.add("version", f"{where}: version {v.decode('latin-1')!r}, not 005010X221A1: skipped",
                   fix="ask for the 005010X221A1 835 remittance")
            valid[t] = False
        elif se_row[t] < 0:
            last = (st_rows[t + 1] - 1 if t + 1 < ntr else len(sid) - 1) - row + 1
            st.add("truncated", f"{where}: the transaction has no SE trailer (the file ends, or the next ST "
                                f"starts, after its segment {last}): the file is truncated; this transaction "
                                "was not read", fix="copy the whole file again from the payer or clearinghouse")
            valid[t] = False
        else:
            count = seg_no[se_row[t]]
            if declared[t] != str(count).encode():
                st.add("segment count", f"transaction {st.transactions + t + 1}, segment {count} (SE): SE01 says "
                                        f"{declared[t].decode('latin-1')!r} segments, the transaction has {count}",
                       fix="segments may be missing or the file edited; the balancing checks still apply",
                       severity="warning")
            if E.get([se_row[t]], 2).to_pylist()[0] != control[t]:
                st.add("segment count", f"transaction {st.transactions + t + 1}, segment {count} (SE): SE02 "
                                        "does not repeat ST02", severity="warning")
    if not final and ntr and se_row[-1] < 0:
        raise AssertionError("a block must end after an SE")  # segments.blocks guarantees it
    return valid, se_row


def _header(E, sid, tr, header, ntr) -> dict:
    """Per transaction: BPR, TRN, DTM*405, N1*PR / N1*PE and their REF*2U / REF*TJ."""
    def first(mask):
        rows = np.flatnonzero(mask & header)
        return C.first_per(tr[rows], rows, ntr)

    n1 = (sid == N1) & header
    n1_rows = np.flatnonzero(n1)
    n1_code = E.get(n1_rows, 1)
    pr = np.zeros(len(sid), dtype=bool)
    pr[n1_rows[C.equals(n1_code, b"PR")]] = True
    pe = np.zeros(len(sid), dtype=bool)
    pe[n1_rows[C.equals(n1_code, b"PE")]] = True
    ref = np.flatnonzero((sid == REF) & header)
    ref_code = E.get(ref, 1)
    ref2u, reftj = np.zeros(len(sid), dtype=bool), np.zeros(len(sid), dtype=bool)
    ref2u[ref[C.equals(ref_code, b"2U")]] = True
    reftj[ref[C.equals(ref_code, b"TJ")]] = True
    dtm = np.flatnonzero((sid == DTM) & header)
    d405 = np.zeros(len(sid), dtype=bool)
    d405[dtm[C.equals(E.get(dtm, 1), b"405")]] = True

    bpr, trn, payer, payee = first(sid == BPR), first(sid == TRN), first(pr), first(pe)
    payment_c, given, bad = C.cents(E.get(bpr, 2))
    payer_id = E.get(payer, 4)
    r2u = E.get(first(ref2u), 2)
    payer_id = pa.array(np.where(C.present(payer_id), payer_id.to_numpy(zero_copy_only=False),
                                 r2u.to_numpy(zero_copy_only=False)), pa.binary())
    qual, pe_id = E.get(payee, 3), E.get(payee, 4)
    tj = E.get(first(reftj), 2)
    fi = C.equals(qual, b"FI")
    return {
        "control": E.get(np.flatnonzero(sid == ST), 2), "bpr": bpr, "payment_c": payment_c,
        "payment_bad": bad, "payment_given": given,
        "handling": E.get(bpr, 1), "method": E.get(bpr, 4), "payment_date": C.dates(E.get(bpr, 16)),
        "trace": E.get(trn, 2), "originator": E.get(trn, 3), "production_date": C.dates(E.get(first(d405), 2)),
        "payer_name": E.get(payer, 2), "payer_id": payer_id, "payee_name": E.get(payee, 2),
        "payee_npi": pa.array(np.where(C.equals(qual, b"XX"), pe_id.to_numpy(zero_copy_only=False), b""),
                              pa.binary()),
        "payee_tin": pa.array(np.where(C.present(tj), tj.to_numpy(zero_copy_only=False),
                                       np.where(fi, pe_id.to_numpy(zero_copy_only=False), b"")), pa.binary()),
    }


def _claims(E, sid, pos, tr, cl, is_clp, in_claim, in_line, seg_no) -> dict:
    rows = np.flatnonzero(is_clp)
    nclaims = len(rows)
    charge, _, charge_bad = C.cents(E.get(rows, 3))
    paid, _, paid_bad = C.cents(E.get(rows, 4))
    resp, _, resp_bad = C.cents(E.get(rows, 5))
    dtm = np.flatnonzero((sid == DTM) & in_claim & ~in_line)
    qual = E.get(dtm, 1)
    dates = {}
    for code in (b"232", b"233", b"050"):
        hit = dtm[C.equals(qual, code)]
        dates[code] = C.dates(E.get(C.first_per(cl[hit], hit, nclaims), 2))
    return {
        "row": rows, "tr": tr[rows], "segment": seg_no[rows], "id": E.get(rows, 1), "status": E.get(rows, 2),
        "charge_c": charge, "paid_c": paid, "resp_c": resp, "bad": charge_bad | paid_bad | resp_bad,
        "filing": E.get(rows, 6), "payer_claim_id": E.get(rows, 7), "dates": dates,
    }


def _lines(E, sid, tr, cl, ln, is_svc, in_line, seg_no, st: FileState) -> dict:
    rows = np.flatnonzero(is_svc)
    nlines = len(rows)
    composite = E.get(rows, 1)
    comp = _component(composite, st)
    P = C.Elements(composite, comp)
    every = np.arange(nlines)
    charge, _, charge_bad = C.cents(E.get(rows, 2))
    paid, _, paid_bad = C.cents(E.get(rows, 3))
    units, units_given, units_bad = C.numbers(E.get(rows, 5))
    submitted = C.Elements(E.get(rows, 6), comp)
    claim = cl[rows]
    first_line = C.first_per(claim, ln[rows], int(claim.max()) + 1 if nlines else 0)
    dtm = np.flatnonzero((sid == DTM) & in_line)
    qual = E.get(dtm, 1)
    dates = {}
    for code in (b"472", b"150"):
        hit = dtm[C.equals(qual, code)]
        dates[code] = C.dates(E.get(C.first_per(ln[hit], hit, nlines), 2))
    amt = np.flatnonzero((sid == AMT) & in_line)
    b6 = amt[C.equals(E.get(amt, 1), b"B6")]
    allowed, allowed_given, allowed_bad = C.cents(E.get(C.first_per(ln[b6], b6, nlines), 2))
    ref = np.flatnonzero((sid == REF) & in_line)
    r6 = ref[C.equals(E.get(ref, 1), b"6R")]
    bad = charge_bad | paid_bad | units_bad | allowed_bad
    for r in rows[bad][:LISTED]:
        st.add("number", f"{_where(st, tr[r], seg_no[r], 'SVC')}: an amount or the units of the service line, "
                         "or its AMT*B6, is not a number; read as 0",
               fix="amounts are plain decimals such as 125.50 (no commas or currency signs)")
    return {
        "row": rows, "tr": tr[rows], "claim": claim, "line": ln[rows] - first_line[claim] + 1,
        "segment": seg_no[rows], "qualifier": P.get(every, 0), "procedure": P.get(every, 1),
        "modifiers": [P.get(every, k) for k in range(2, 6)], "submitted": submitted.get(every, 1),
        "charge_c": charge, "paid_c": paid, "units": np.where(units_given & ~units_bad, units, 1.0),
        "allowed_c": allowed, "allowed_given": allowed_given & ~allowed_bad, "dates": dates,
        "control": E.get(C.first_per(ln[r6], r6, nlines), 2), "bad": bad,
    }


def _component(composite: pa.Array, st: FileState) -> bytes:
    """The component separator SVC01 uses: ISA16's, unless the file plainly uses another (noted once)."""
    if not st.component:
        st.component = st.seps.component
    if not st.component_checked and len(composite):
        st.component_checked = True
        sample = composite[0].as_py() or b""
        if st.component not in sample and len(sample) > 2 and not sample[2:3].isalnum():
            other = sample[2:3]
            st.add("component", f"the service codes (SVC01) are split by {other.decode('latin-1')!r}, not by the "
                                f"component separator ISA16 declares ({st.component.decode('latin-1')!r}): read "
                                f"with {other.decode('latin-1')!r}", severity="warning")
            st.component = other
    return st.component


def _adjustments(E, sid, cl, ln, in_claim, in_line, seg_no, tr, st: FileState) -> dict:
    """Every CAS triplet (group, reason, amount, quantity), in file order, with its claim and line."""
    rows = np.flatnonzero((sid == CAS) & in_claim)
    group = E.get(rows, 1)
    parts = []
    count = E.count[rows] if len(rows) else np.zeros(0, np.int64)
    for k in range(6):
        maybe = np.flatnonzero(count > 2 + 3 * k)
        if not len(maybe):
            break
        reason = E.get(rows[maybe], 2 + 3 * k)
        has = C.present(reason)
        if not has.any():
            continue
        idx = maybe[has]
        amount, given, bad = C.cents(E.get(rows[idx], 3 + 3 * k))
        qty, _, qbad = C.numbers(E.get(rows[idx], 4 + 3 * k))
        for r in rows[idx][(bad | ~given | qbad)][:LISTED]:
            st.add("number", f"{_where(st, tr[r], seg_no[r], 'CAS')}: adjustment amount {k + 1} is missing or "
                             "not a number; read as 0", fix="amounts are plain decimals such as 12.50")
        parts.append((idx, k, reason.filter(pa.array(has)), amount, qty))
    if parts:
        idx = np.concatenate([p[0] for p in parts])
        order = np.lexsort((np.concatenate([np.full(len(p[0]), p[1]) for p in parts]), idx))
        idx = idx[order]
        reason = pa.concat_arrays([p[2] for p in parts]).take(order)
        amount = np.concatenate([p[3] for p in parts])[order]
        qty = np.concatenate([p[4] for p in parts])[order]
    else:
        idx, reason = np.zeros(0, np.int64), pa.array([], pa.binary())
        amount, qty = np.zeros(0, np.int64), np.zeros(0)
    r = rows[idx]
    grp = group.take(idx)
    line_level = in_line[r]
    return {"row": r, "claim": cl[r], "line_owner": np.where(line_level, ln[r], -1),
            "group_arr": grp, "reason_arr": reason, "cents": amount, "quantity": qty,
            "tr": tr[r], "level_line": line_level}


def _plb(E, sid, tr, inside, seg_no, st: FileState) -> dict:
    """Every PLB adjustment (reason:reference composite and amount), in file order."""
    rows = np.flatnonzero((sid == PLB) & inside)
    out = {"row": [], "k": [], "composite": [], "cents": []}
    for k in range(6):
        comp = E.get(rows, 3 + 2 * k)
        has = C.present(comp)
        if not has.any():
            continue
        idx = np.flatnonzero(has)
        amount, given, bad = C.cents(E.get(rows[idx], 4 + 2 * k))
        for r in rows[idx][bad | ~given][:LISTED]:
            st.add("number", f"{_where(st, tr[r], seg_no[r], 'PLB')}: adjustment amount {k + 1} is missing or not "
                             "a number; read as 0", fix="amounts are plain decimals such as 12.50")
        out["row"].append(rows[idx])
        out["k"].append(np.full(len(idx), k))
        out["composite"].append(comp.filter(pa.array(has)))
        out["cents"].append(amount)
    if not out["row"]:
        return {"row": np.zeros(0, np.int64), "tr": np.zeros(0, np.int64), "cents": np.zeros(0, np.int64),
                "composite": pa.array([], pa.binary()), "provider": pa.array([], pa.binary()),
                "date": pa.array([], pa.timestamp("s")), "segment": np.zeros(0, np.int64)}
    r = np.concatenate(out["row"])
    order = np.lexsort((np.concatenate(out["k"]), r))
    r = r[order]
    return {"row": r, "tr": tr[r], "cents": np.concatenate(out["cents"])[order], "segment": seg_no[r],
            "composite": pa.concat_arrays(out["composite"]).take(order), "provider": E.get(r, 1),
            "date": C.dates(E.get(r, 2))}


def _money(c: int) -> str:
    return f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"


def _balance_problems(st, lines, line_cas, claims, claim_cas, head, claim_paid_tr, plb_tr, valid) -> None:
    for i in np.flatnonzero(~lines["balanced"])[:LISTED + 1]:
        st.add("unbalanced line", f"{_where(st, lines['tr'][i], lines['segment'][i], 'SVC')}: the service line "
               f"does not balance: charge SVC02 {_money(lines['charge_c'][i])} - adjustments "
               f"{_money(line_cas[i])} = {_money(lines['charge_c'][i] - line_cas[i])}, but paid SVC03 is "
               f"{_money(lines['paid_c'][i])}", fix="ask the payer for a corrected remittance", severity="warning")
    for i in np.flatnonzero(~claims["balanced"])[:LISTED + 1]:
        st.add("unbalanced claim", f"{_where(st, claims['tr'][i], claims['segment'][i], 'CLP')}: the claim does "
               f"not balance: charge CLP03 {_money(claims['charge_c'][i])} - adjustments {_money(claim_cas[i])} "
               f"= {_money(claims['charge_c'][i] - claim_cas[i])}, but paid CLP04 is "
               f"{_money(claims['paid_c'][i])}", fix="ask the payer for a corrected remittance", severity="warning")
    for t in np.flatnonzero(~head["balanced"] & valid):
        st.add("unbalanced transaction", f"transaction {st.transactions + t + 1}, segment 2 (BPR): the payment "
               f"does not balance: claims paid {_money(claim_paid_tr[t])} - provider adjustments (PLB) "
               f"{_money(plb_tr[t])} = {_money(claim_paid_tr[t] - plb_tr[t])}, but BPR02 is "
               f"{_money(head['payment_c'][t])}", fix="ask the payer for a corrected remittance", severity="warning")


