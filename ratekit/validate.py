"""``ratekit validate``: every problem in a client folder, listed so a person can act on each.

:func:`validate_client_dir` reads the folder the way :func:`ratekit.analysis.analyse` does
(client.yaml, every fee schedule, the utilization file, percent-of-Medicare contracts, Medicare
codes) and collects each problem with its file, sheet, row, column, value and fix. It never raises:
whatever goes wrong becomes a listed problem, so no traceback reaches the user.

Errors (the client is not rendered): a client.yaml problem, an unreadable or empty file, a missing
code or rate column, a rate that is not a number or is negative, a malformed code, conflicting
duplicate rows, an unknown payer. Warnings (shown, rendering goes on): a code not in the Medicare
fee schedule or not payable, units billed with no rate, exact duplicate rows, a code whose only
rates start after the benchmark date or ended before it, rows not in force, a rate of N/A, BR or
not covered, a totals row, a code saved as ``99213.0``, an unknown client.yaml key. Warnings are
listed one line per kind per file (its count and first rows; :func:`ratekit.errors.summarise`);
``ratekit validate --all`` lists every one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .client import load_client
from .errors import Problem, Problems, RatekitError, summarise


@dataclass
class ValidationReport(Problems):
    """The problems found in one client folder.

    Attributes
    ----------
    client_dir : Path
        The folder checked.
    problems : list of Problem
        Errors and warnings, in the order found (client.yaml, fee schedules, utilization, Medicare).
    """

    client_dir: Path
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        """One line: how many errors and warnings, and what that means."""
        name = self.client_dir.name or str(self.client_dir)
        e, w = len(self.errors), len(self.warnings)
        counts = f"{e} error{'s' if e != 1 else ''}, {w} warning{'s' if w != 1 else ''}"
        if e:
            return (f"{name}: {counts}. Fix the errors and run `ratekit validate` again; the client is not rendered "
                    "until then.")
        if w:
            return f"{name}: {counts}. The client can be rendered; check the warnings."
        return f"{name}: no problems found."

    def text(self, *, every: bool = False) -> str:
        """Every error on its own line, one line per kind of warning per file (``every``: each warning), then
        the summary line."""
        lines = [str(p) for p in self.problems] if every else summarise(self.problems)
        return "\n".join(lines + [self.summary()])


def validate_client_dir(path: str | Path) -> ValidationReport:
    """Check a client folder and list every problem; never raises.

    Parameters
    ----------
    path : path
        The client folder (``<clients root>/<client_id>``).

    Returns
    -------
    ValidationReport
        ``.ok`` is False when any problem is an error; ``.text()`` lists them.
    """
    folder = Path(path)
    report = ValidationReport(folder)
    try:
        from . import feeschedules

        resolved = folder.resolve()
        if not resolved.is_dir():
            report.problems.append(Problem(str(folder), "no such client folder",
                                           fix="give the path of a folder holding client.yaml"))
            return report
        client = load_client(resolved.name, resolved.parent)
        report.problems += feeschedules.read_client(client).problems
    except RatekitError as exc:
        report.problems += [p if isinstance(p, Problem) else Problem(str(folder), str(p)) for p in exc.problems]
    except Exception as exc:  # never a traceback: say what happened and where to report it
        report.problems.append(Problem(str(folder), f"ratekit could not check this folder "
                                                    f"({exc.__class__.__name__}: {exc})",
                                       fix="this is a bug in ratekit; send the folder to its maintainers"))
    return report
