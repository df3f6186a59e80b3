"""Electronic remittances (X12 835, 005010X221A1) read into tidy frames: service lines, adjustments, PLB.

``read_remittances(paths)`` is the entry point; see docs/remittances.md for the columns, the balancing rules
and why ratekit has its own reader. Patient names and member ids (NM1*QC, NM1*IL) are never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..errors import Problem, Problems
from . import flags, segments
from .parse import FileState, parse_block
from .tables import LINE_COLUMNS

__all__ = ["LINE_COLUMNS", "Remittances", "read_remittances"]

_TABLES = ("lines", "claims", "adjustments", "plb", "transactions")


@dataclass(frozen=True)
class Remittances(Problems):
    """What a set of 835 files says, one frame per level.

    Attributes
    ----------
    lines : DataFrame
        One row per service line (SVC), columns :data:`LINE_COLUMNS` (docs/remittances.md describes each).
    claims : DataFrame
        One row per claim (CLP), with or without service lines.
    adjustments : DataFrame
        Every CAS triplet: file, transaction, claim_id, claim_segment, line (0 = claim level), group,
        reason, amount, quantity.
    plb : DataFrame
        Provider-level adjustments: file, transaction, segment, provider, fiscal_date, reason, reference, amount.
    transactions : DataFrame
        One row per ST...SE transaction read: payer, payee, BPR02 payment, totals, balanced, duplicate.
    problems : list of Problem
        What could not be read (errors) and what does not add up (warnings), naming file and segment.
    """

    lines: pd.DataFrame
    claims: pd.DataFrame
    adjustments: pd.DataFrame
    plb: pd.DataFrame
    transactions: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @property
    def unbalanced(self) -> pd.DataFrame:
        """The lines, claims and transactions that do not balance (level, file, transaction, segment)."""
        parts = [self.lines.loc[~self.lines["balanced"], ["file", "transaction", "segment"]].assign(level="line"),
                 self.claims.loc[~self.claims["balanced"], ["file", "transaction", "claim_segment"]]
                 .rename(columns={"claim_segment": "segment"}).assign(level="claim"),
                 self.transactions.loc[~self.transactions["balanced"], ["file", "transaction"]]
                 .assign(segment=2, level="transaction")]
        return pd.concat(parts, ignore_index=True)[["level", "file", "transaction", "segment"]]


    @property
    def balanced(self) -> bool:
        """True when every line, claim and transaction read balances."""
        return self.unbalanced.empty

    def text(self) -> str:
        """The balancing report ``ratekit remit check`` prints: totals, what does not balance, the problems."""
        t, c, ln = self.transactions, self.claims, self.lines
        out = [f"{t['file'].nunique()} file(s), {len(t)} transaction(s), {len(c)} claim(s), {len(ln)} service "
               f"line(s); paid {t['payment'].sum():,.2f} (BPR02)"]
        bad = self.unbalanced
        for level in ("transaction", "claim", "line"):
            n = int((bad["level"] == level).sum())
            out.append(f"{level}s that do not balance: {n}")
        dup = int(t["duplicate"].sum()) if "duplicate" in t else 0
        out.append(f"remittances received twice (counted once): {dup}; reversals: {int(c['reversal'].sum())}; "
                   f"secondary / COB claims: {int(c['is_secondary'].sum())}")
        out += [str(p) for p in self.problems]
        return "\n".join(out)


def read_file(path: Path, *, chunk: int = segments.CHUNK):
    """``(tables per block, problems)`` of one file, its bytes read ``chunk`` at a time."""
    name = str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        return [], [Problem(name, f"cannot be read: {exc.strerror}", fix="check the path")]
    seps = segments.detect(head, name)
    if isinstance(seps, Problem):
        return [], [seps]
    state = FileState(name, seps)
    if not seps.envelope:
        state.add("envelope", "no ISA/GS envelope (a bare ST...SE transaction set): separators read from the ST "
                              "segment and the version taken to be 005010X221A1", severity="warning")
    out = []
    stream = segments.blocks(path, seps, chunk=chunk)
    block = next(stream, None)
    while block is not None:
        following = next(stream, None)
        out.append(parse_block(block, state, final=following is None))
        block = following
    if seps.envelope and not state.saw_trailer:
        state.add("trailer", "the file ends without its GE / IEA trailers: it may be truncated",
                  fix="copy the whole file again", severity="warning")
    state.close()
    return out, state.problems


def read_remittances(paths: str | Path | Iterable[str | Path], *, chunk: int = segments.CHUNK) -> Remittances:
    """Read 835 remittance files into :class:`Remittances`.

    Parameters
    ----------
    paths : path or iterable of paths
        835 files (one or several ST...SE transactions each, with or without an ISA envelope).
    chunk : int, optional
        Bytes read at a time; memory holds one chunk of the file (whole transactions), not the file.

    Returns
    -------
    Remittances
        A file that cannot be read at all is one problem; the other files are still read. Money is
        balanced in integer cents (docs/remittances.md, "Balancing").
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    tables: dict[str, list[pa.Table]] = {k: [] for k in _TABLES}
    problems: list[Problem] = []
    seen: set[Path] = set()
    for path in paths:
        if Path(path).resolve() in seen:
            problems.append(Problem(str(path), "given twice: read once", severity="warning"))
            continue
        seen.add(Path(path).resolve())
        blocks, found = read_file(Path(path), chunk=chunk)
        problems += found
        for block in blocks:
            for k in _TABLES:
                tables[k].append(block[k])
    frames = {k: _frame(tables.pop(k), k) for k in _TABLES}
    problems += flags.mark(frames["lines"], frames["claims"], frames["transactions"])
    if list(frames["lines"].columns) != LINE_COLUMNS:
        frames["lines"] = frames["lines"][LINE_COLUMNS]
    return Remittances(**frames, problems=problems)


def _empty(kind: str) -> pa.Table:
    from .parse import FileState as _S
    from .segments import Separators

    st = _S("", Separators(b"*", b":", b"~", True))
    from .parse import parse_block as _p

    return _p(b"", st, final=True)[kind]


def _frame(parts: list[pa.Table], kind: str) -> pd.DataFrame:
    table = pa.concat_tables(parts) if parts else _empty(kind)
    return table.to_pandas()
