"""Payment-policy indicators of the national RVU file: what Medicare's claim-time rules need per code.

The fee schedule amount is what one service pays alone. On a claim, CMS adjusts it by indicators in
the PPRRVU file (RVU25D.pdf, the record layout's field descriptions), for example:

* ``mult_proc`` (MULT PROC): 0 no multiple-procedure rule; 2 the standard rule (100% of the highest
  valued procedure, 50% of each other); 3 multiple endoscopy (rules of the ``endo_base`` family);
  4 diagnostic imaging (reductions of the TC and PC of later procedures of the same family,
  ``imaging_family``); 5 the therapy PE reduction; 6 and 7 reductions of the TC of diagnostic
  cardiovascular and ophthalmology services; 9 the concept does not apply;
* ``bilat_surg`` (BILAT SURG): 1 a bilateral procedure (modifier 50, or RT and LT) is paid at 150%
  of the amount for one side; 0 no 150% adjustment (each side at 100% is not paid either: the
  claim pays one side); 2 the RVUs already cover both sides; 3 each side is paid 100%; 9 not apply;
* ``asst_surg``, ``co_surg``, ``team_surg``: whether an assistant at surgery (modifiers 80-82, AS),
  two surgeons (62) or a surgical team (66) may be paid;
* ``glob_days`` (000, 010, 090, MMM, XXX, YYY, ZZZ) and the shares of a global surgical package
  ``pre_op``, ``intra_op``, ``post_op`` (fractions, e.g. 0.10) for modifiers 54, 55 and 56;
* ``pctc`` (PCTC IND), ``diag_supervision`` (physician supervision of diagnostic procedures).

ratekit prices single services; these indicators are published here, unchanged, for callers that
apply the claim rules (an 835 underpayment check, for example).
"""

from __future__ import annotations

import pandas as pd

from .cmsfiles import INDICATOR_COLUMNS as _TEXT, SHARE_COLUMNS
from .engine import norm_codes
from .release import load_release

#: Columns of :func:`payment_indicators`, in order.
INDICATOR_COLUMNS: tuple[str, ...] = (
    "release", "hcpcs", "modifier", "status", "pctc", "glob_days", "mult_proc", "bilat_surg", "asst_surg",
    "co_surg", "team_surg", "endo_base", "imaging_family", "diag_supervision", "pre_op", "intra_op", "post_op",
)


def payment_indicators(release: str, codes: list[str] | None = None) -> pd.DataFrame:
    """The release's payment-policy indicators per code and modifier, as CMS prints them.

    Parameters
    ----------
    release : str
        e.g. ``"2026C"``.
    codes : list of str, optional
        HCPCS codes (every modifier of each); default every code. Unlisted codes give no rows.

    Returns
    -------
    DataFrame
        :data:`INDICATOR_COLUMNS`, sorted by code then modifier. Indicators are ``str`` exactly as in
        the PPRRVU file (``"2"``, ``"090"``; ``""`` where a release's file lacks the column);
        ``pre_op, intra_op, post_op`` are float fractions of the global package (0.10 = 10%).
    """
    rel = load_release(release)
    rvus = rel.rvus
    if codes is not None:
        rvus = rvus[rvus["hcpcs"].isin(norm_codes(codes))]
    cols = ["hcpcs", "modifier", "status", *_TEXT, *SHARE_COLUMNS]
    out = rvus[cols].reset_index(drop=True).assign(release=rel.name)
    for c in ("release", "hcpcs", "modifier", "status", *_TEXT):
        out[c] = out[c].astype("str")
    return out[list(INDICATOR_COLUMNS)]
