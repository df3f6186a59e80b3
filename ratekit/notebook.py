"""Helpers the notebooks call first: validate papermill parameters, then analyse.

papermill only warns about unknown parameter names, so the first cell after the
``parameters`` cell passes them here, where wrong values get a clear message.
"""

from __future__ import annotations

import matplotlib

from .analysis import ClientAnalysis, analyse
from .benchmark import BENCHMARKS
from .client import check_client_id
from .errors import Problem, RatekitError


def check_parameters(client_id: str, clients_root: str = "", benchmark: str = "median",
                     target_pct_of_medicare: float = 0.0) -> None:
    """Raise :class:`RatekitError` naming each parameter with a wrong value."""
    check_client_id(client_id)
    problems = []
    if benchmark not in BENCHMARKS:
        problems.append(Problem("(notebook parameters)", f"benchmark must be one of {', '.join(BENCHMARKS)}",
                                column="benchmark", value=benchmark))
    if benchmark == "target" and not target_pct_of_medicare > 0:
        problems.append(Problem("(notebook parameters)", "benchmark='target' needs target_pct_of_medicare > 0",
                                column="target_pct_of_medicare", value=target_pct_of_medicare,
                                fix="e.g. -p target_pct_of_medicare 1.3 for 130% of Medicare"))
    if problems:
        raise RatekitError(problems)


def analyse_from_parameters(client_id: str, clients_root: str = "", benchmark: str = "median",
                            target_pct_of_medicare: float = 0.0) -> ClientAnalysis:
    """Validate the notebook's parameters, set up charts for reports, and analyse the client."""
    check_parameters(client_id, clients_root, benchmark, target_pct_of_medicare)
    _setup_charts()
    return analyse(client_id, clients_root or None, benchmark_name=benchmark,
                   target=target_pct_of_medicare if benchmark == "target" else None)


def _setup_charts() -> None:
    """Inline charts in a kernel (even when MPLBACKEND says otherwise) and one house style."""
    import seaborn as sns

    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        shell = None
    if shell is not None and hasattr(shell, "kernel"):
        shell.run_line_magic("matplotlib", "inline")

    sns.set_theme(style="whitegrid", context="notebook")
    matplotlib.rcParams.update({"figure.dpi": 110, "savefig.bbox": "tight", "figure.autolayout": True})
