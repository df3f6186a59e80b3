"""Synthetic 835 files for benchmarks/remit_parse.py: balanced claims of 1-6 service lines, ISA-enveloped."""

from __future__ import annotations

import random
from pathlib import Path

CODES = ["99213", "99214", "99203", "93000", "36415", "71046", "20610", "11721", "97110", "90471"]


def write_835(path: Path, lines: int, *, claims_per_transaction: int = 10**9, seed: int = 1) -> int:
    """Write an 835 with ``lines`` service lines; returns that number.

    One ST...SE transaction by default (edi-835-parser reads one payer per file only).
    """
    rnd = random.Random(seed)
    out = []
    w = out.append
    w("ISA*00*          *00*          *ZZ*PAYERID        *ZZ*PRACTICE       *250101*1200*^*00501*000000001*0*P*:~\n")
    w("GS*HP*PAYERID*PRACTICE*20250101*1200*1*X*005010X221A1~\n")
    written, t = 0, 0
    with open(path, "w", encoding="ascii") as fh:
        fh.write("".join(out))
        out.clear()
        while written < lines:
            t += 1
            body = []
            b = body.append
            total = 0
            for c in range(claims_per_transaction):
                if written >= lines:
                    break
                n = rnd.randint(1, 6)
                n = min(n, lines - written)
                svc = []
                charge_c = paid_c = 0
                for _ in range(n):
                    code = rnd.choice(CODES)
                    charge = rnd.randint(5000, 40000)
                    allowed = charge * rnd.randint(50, 90) // 100
                    pr = allowed // 5
                    paid = allowed - pr
                    month = rnd.randint(1, 9)
                    svc.append(f"SVC*HC:{code}:25*{charge / 100:.2f}*{paid / 100:.2f}**1~DTM*472*20250{month}15~"
                               f"CAS*CO*45*{(charge - allowed) / 100:.2f}~CAS*PR*2*{pr / 100:.2f}~"
                               f"REF*6R*{c}x{_}~AMT*B6*{allowed / 100:.2f}~")
                    charge_c += charge
                    paid_c += paid
                written += n
                total += paid_c
                resp = (charge_c - paid_c) / 100
                b(("LX*1~" if c == 0 else "") + f"CLP*PCN{t}-{c}*1*{charge_c / 100:.2f}*{paid_c / 100:.2f}*{resp:.2f}"
                  f"*12*CLM{t}{c:05d}~NM1*QC*1*DOE*JANE****MI*M{c:08d}~DTM*232*20250101~" + "".join(svc))
            head = (f"ST*835*{t:04d}~BPR*I*{total / 100:.2f}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*"
                    f"999988880*DA*98765*20250110~TRN*1*TR{t:08d}*1512345678~DTM*405*20250108~"
                    "N1*PR*BENCHMARK HEALTH PLAN~N3*1 MAIN ST~N4*CITY*CA*94110~REF*2U*BHP01~"
                    "N1*PE*SAMPLE PRACTICE*XX*1234567893~REF*TJ*123456789~")
            segs = head + "".join(body)
            count = segs.count("~") + 1
            fh.write(segs.replace("~", "~\n") + f"SE*{count}*{t:04d}~\n")
        fh.write(f"GE*{t}*1~\nIEA*1*000000001~\n")
    return written
