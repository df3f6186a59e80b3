"""Check the engine against CMS's own published payment amounts, file by file, to the cent.

``ratekit medicare reconcile FILE... [--release R]`` calls :func:`reconcile`: every row of each CMS
payment file (PFALL / PFREV, OPPSCAP; plain or zipped) is priced by the engine at the row's
locality, code and modifier, and both settings' amounts are compared with CMS's. Rules:

* the release is the one named, else the newest release of the file's year (PFALL / PFREV records
  carry the year; an OPPSCAP file has none, so its release must be named);
* a PFALL record CMS marks subject to the OPPS cap (OPPS indicator 1) is paid the lower of its fee
  schedule amount and its OPPS amount (RVU25D.pdf: "the lower amount is used"): that lower amount is
  compared;
* where the engine gives no amount (a status not paid under the PFS, a contractor-priced code), CMS's
  files print 0.00: an amount of 0.00 there matches;
* skipped, and counted on their own line, never silently: rows at a MAC-locality the release does
  not price (OPPSCAP lists some southern California localities under a second MAC), and OPPSCAP rows
  of carrier-priced codes (status C: "the field only contains the OPPS based payment caps").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem, RatekitError
from .engine import cents_matrix
from .payments import PaymentFile, payment_files, read_payment_file
from .release import check_release, load_release, newest_release

_SETTINGS = (("nonfacility_cents", "non-facility", 0), ("facility_cents", "facility", 1))


@dataclass(frozen=True)
class Mismatch:
    """One published amount the engine does not reproduce."""

    line: int
    locality_id: str
    hcpcs: str
    modifier: str
    setting: str
    cms_cents: int
    ratekit_cents: int | None  #: None where the engine gives no amount
    reason: str = ""

    def text(self) -> str:
        """``line 12: 01112-05 21610 facility: CMS 1337.33, ratekit 1337.32 (-0.01)``."""
        code = self.hcpcs + (f"-{self.modifier}" if self.modifier else "")
        cms = f"{self.cms_cents / 100:.2f}"
        if self.ratekit_cents is None:
            got = f"ratekit none ({self.reason})" if self.reason else "ratekit none"
        else:
            got = f"ratekit {self.ratekit_cents / 100:.2f} ({(self.ratekit_cents - self.cms_cents) / 100:+.2f})"
        return f"line {self.line}: {self.locality_id} {code} {self.setting}: CMS {cms}, {got}"


@dataclass
class FileResult:
    """How one CMS payment file compares with the engine."""

    name: str
    layout: str
    release: str
    amounts: int = 0
    matched: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)  #: the first ones (see ``show``)
    mismatched: int = 0
    skipped: Counter = field(default_factory=Counter)  #: rows left out, by reason

    @property
    def ok(self) -> bool:
        """True when every compared amount matches (and at least one was compared)."""
        return self.amounts > 0 and self.matched == self.amounts

    def lines(self) -> list[str]:
        """What the CLI prints for this file."""
        out = [f"{self.name} ({self.layout} layout) against {self.release}: {self.matched}/{self.amounts} amounts "
               f"match to the cent"]
        if self.mismatches:
            out.append(f"  first {len(self.mismatches)} of {self.mismatched} mismatches:")
            out += [f"    {m.text()}" for m in self.mismatches]
        out += [f"  skipped {n} rows: {reason}" for reason, n in sorted(self.skipped.items())]
        return out


@dataclass
class Reconciliation:
    """The result of :func:`reconcile`: one :class:`FileResult` per file (zip member)."""

    files: list[FileResult]

    @property
    def amounts(self) -> int:
        """Published amounts compared, over every file."""
        return sum(f.amounts for f in self.files)

    @property
    def matched(self) -> int:
        """Of those, amounts the engine reproduces to the cent."""
        return sum(f.matched for f in self.files)

    @property
    def ok(self) -> bool:
        """True when every file reconciles."""
        return bool(self.files) and all(f.ok for f in self.files)

    def text(self) -> str:
        """Per file its count, first mismatches and skips; last line ``N/M amounts match to the cent``."""
        lines = [line for f in self.files for line in f.lines()]
        return "\n".join(lines + [f"{self.matched}/{self.amounts} amounts match to the cent"])


def reconcile(files: list[str | Path] | str | Path, *, release: str | None = None, show: int = 10) -> Reconciliation:
    """Price every row of CMS's payment files with the engine and compare, to the cent.

    Parameters
    ----------
    files : path or list of paths
        CMS payment files (PFALL / PFREV records, or OPPSCAP), plain or zipped.
    release : str, optional
        The release to price with (default: the newest release of each file's year).
    show : int
        How many mismatches per file to keep for display.

    Returns
    -------
    Reconciliation
        ``.ok`` is False on any mismatch; ``.text()`` is what ``ratekit medicare reconcile`` prints.
    """
    paths = [files] if isinstance(files, (str, Path)) else list(files)
    if not paths:
        raise RatekitError(Problem("medicare reconcile", "no file given", fix="name one or more CMS payment files"))
    named = check_release(release) if release is not None else None
    results = [_reconcile_file(f, named, show) for p in paths for f in payment_files(p)]
    return Reconciliation(results)


def _reconcile_file(file: PaymentFile, release: str | None, show: int) -> FileResult:
    result: FileResult | None = None
    for chunk in read_payment_file(file):
        if result is None:
            result = FileResult(file.name, file.layout, release or _release_of(chunk, file))
        _compare(chunk, load_release(result.release), result, show)
    if result is None:
        raise RatekitError(Problem(file.name, "the file holds no payment rows", fix="give CMS's payment file"))
    return result


def _release_of(chunk: pd.DataFrame, file: PaymentFile) -> str:
    years = sorted(set(chunk["year"]))
    if years == [0]:
        raise RatekitError(Problem(file.name, f"an {file.layout} file has no year column to choose the release by",
                                   fix="name the release it belongs to, e.g. --release 2025D"))
    if len(years) != 1:
        raise RatekitError(Problem(file.name, f"the file mixes years {', '.join(map(str, years))}",
                                   fix="name the release to price with (--release)"))
    return newest_release(years[0])


def _compare(chunk: pd.DataFrame, rel, result: FileResult, show: int) -> None:
    e = rel._exact
    lid = (chunk["mac"] + "-" + chunk["locality"]).to_numpy(dtype=object)
    loc = np.array([e["loc_pos"].get(x, -1) for x in lid], dtype=np.int64)
    if result.layout == "OPPSCAP":
        carrier = (chunk["status"] == "C").to_numpy()
        result.skipped["carrier-priced codes (status C): the OPPSCAP file gives only the OPPS cap"] += int(
            carrier.sum())
    else:
        carrier = np.zeros(len(chunk), dtype=bool)
    away = (loc < 0) & ~carrier
    result.skipped[f"MAC-locality not priced by {rel.name}"] += int(away.sum())
    keep = ~carrier & ~away
    chunk, loc, lid = chunk[keep], loc[keep], lid[keep]
    keys = zip(chunk["hcpcs"], chunk["modifier"], strict=True)
    row = np.array([e["row_of"].get(k, -1) for k in keys], dtype=np.int64)
    known = row >= 0
    cols_u, col_ix = np.unique(row[known], return_inverse=True)
    locs_u, loc_ix = np.unique(loc[known], return_inverse=True)
    matrices = cents_matrix(rel, cols_u, locs_u) if len(cols_u) else (None, None)
    for column, setting, k in _SETTINGS:
        cms = chunk[column].to_numpy(dtype=np.int64)
        opps = chunk["opps_" + column].to_numpy(dtype=np.int64)
        capped = (chunk["opps_indicator"] == "1").to_numpy() & (opps > 0)
        cms = np.where(capped, np.minimum(cms, opps), cms)
        got = np.full(len(chunk), -2, dtype=np.int64)  # -2: code not in the release; -1: no amount
        if matrices[k] is not None:
            got[known] = matrices[k][loc_ix, col_ix]
        match = (got == cms) | ((got == -1) & (cms == 0))
        result.amounts += len(chunk)
        result.matched += int(match.sum())
        bad = np.flatnonzero(~match)
        result.mismatched += len(bad)
        room = max(0, show - len(result.mismatches))
        for i in bad[:room]:
            reason = "" if got[i] >= 0 else (f"not in {rel.name}" if got[i] == -2 else
                                              f"status {chunk['status'].iat[i] or '?'} in the file")
            result.mismatches.append(Mismatch(
                line=int(chunk["line"].iat[i]), locality_id=str(lid[i]), hcpcs=chunk["hcpcs"].iat[i],
                modifier=chunk["modifier"].iat[i], setting=setting, cms_cents=int(cms[i]),
                ratekit_cents=int(got[i]) if got[i] >= 0 else None, reason=reason))
    for reason in [r for r, n in result.skipped.items() if n == 0]:
        del result.skipped[reason]
