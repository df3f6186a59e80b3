"""Problems found in user input, reported the way a person can act on them.

Every loader collects :class:`Problem` records instead of raising on the first
one, so ``ratekit validate`` can list everything wrong with a client folder at
once. :class:`RatekitError` carries them to the CLI, which prints them without
a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in one input file.

    Parameters
    ----------
    file : str
        The file, relative to the client folder where possible.
    message : str
        What is wrong, in plain words.
    fix : str
        What to do about it.
    severity : {"error", "warning"}
        Errors stop a client from rendering; warnings are shown and kept.
    sheet, row, column, value : optional
        Where exactly: the workbook sheet, the 1-based row as a spreadsheet
        shows it (header = row 1), the column header and the offending value.
    """

    file: str
    message: str
    fix: str = ""
    severity: Severity = "error"
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: object = None

    def location(self) -> str:
        """``file[sheet] row N, column C`` as far as it is known."""
        where = self.file
        if self.sheet:
            where += f" [sheet {self.sheet!r}]"
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return where

    def __str__(self) -> str:
        text = f"{self.severity}: {self.location()}: {self.message}"
        if self.value is not None and self.value != "":
            text += f" (value: {self.value!r})"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


class RatekitError(Exception):
    """An input problem the user can fix; the CLI prints it without a traceback."""

    def __init__(self, problems: Problem | str | Iterable[Problem], *, context: str = ""):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems: list[Problem | str] = list(problems)
        self.context = context
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [self.context] if self.context else []
        lines += [str(p) for p in self.problems]
        return "\n".join(lines)

    @property
    def errors(self) -> list[Problem | str]:
        """The problems that are errors (plain strings count as errors)."""
        return [p for p in self.problems if not isinstance(p, Problem) or p.severity == "error"]


class Problems:
    """Mixin for a result that carries ``problems``: its errors, warnings and whether it is ok."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop the client from being analysed or rendered."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems that are shown but do not stop anything."""
        return [p for p in self.problems if p.severity != "error"]

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors


_VARYING = re.compile(r"\b(?:[0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})(?:-[0-9A-Z]{2})*\b(?: \((?:non-)?facility\))?|\d[\d,.]*")


def _kind(problem: Problem) -> tuple:
    """What kind of problem: its file, sheet, severity and message with codes and numbers masked."""
    return problem.severity, problem.file, problem.sheet or "", _VARYING.sub("#", problem.message)


def summarise(problems: Iterable[Problem], *, first: int = 5) -> list[str]:
    """One line per kind of warning per file (count and first rows); every error on its own line.

    A kind of warning is its file (and sheet) and its message with codes and numbers masked, so
    "code 99215 has only rates effective after ..." and "code 99213 has only ..." are one kind.
    A kind seen once prints as the problem itself. Lines keep the order each kind is first seen.

    Parameters
    ----------
    problems : iterable of Problem
    first : int
        How many rows to name in a summary line.
    """
    groups: dict[tuple, list[Problem]] = {}
    lines: list[object] = []
    for p in problems:
        if p.severity == "error":
            lines.append(p)
            continue
        key = _kind(p)
        if key not in groups:
            groups[key] = []
            lines.append(key)
        groups[key].append(p)
    out = []
    for item in lines:
        if isinstance(item, Problem):
            out.append(str(item))
            continue
        group = groups[item]
        if len(group) == 1:
            out.append(str(group[0]))
            continue
        head = group[0]
        where = head.file + (f" [sheet {head.sheet!r}]" if head.sheet else "")
        columns = {p.column for p in group}
        if len(columns) == 1 and head.column:
            where += f", column {head.column!r}"
        rows = [p.row for p in group if p.row is not None]
        n = len(group)
        said = f"rows {', '.join(str(r) for r in rows[:first])}{', ...' if len(rows) > first else ''}" if rows else ""
        same = all(p.message == head.message for p in group)
        what = head.message if same else f"{head.message} (and {n - 1:,} more like it)"
        value = f"; first value {head.value!r}" if head.value not in (None, "") else ""
        text = f"{head.severity}: {where}: {what} [{n:,} times{': ' + said if said else ''}{value}]"
        out.append(text + (f". Fix: {head.fix}" if head.fix else ""))
    return out
