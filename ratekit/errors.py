"""Problems found in user input, reported the way a person can act on them.

Every loader collects :class:`Problem` records instead of raising on the first
one, so ``ratekit validate`` can list everything wrong with a client folder at
once. :class:`RatekitError` carries them to the CLI, which prints them without
a traceback.
"""

from __future__ import annotations

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
