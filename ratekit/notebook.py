"""Helpers the notebooks call first: validate papermill parameters, then analyse.

papermill only warns about unknown parameter names, so the first cell after the
``parameters`` cell passes them here, where wrong values get a clear message.
"""

from __future__ import annotations

import io

import matplotlib

from . import parameters
from .analysis import ClientAnalysis, analyse
from .client import check_client_id
from .errors import Problem, RatekitError


def check_parameters(client_id: str, clients_root: str = "", benchmark: str = "median",
                     target_pct_of_medicare: float | str = 0.0) -> tuple[str, str, float | None]:
    """Check the parameters with :mod:`ratekit.parameters`; raise :class:`RatekitError` naming each wrong one.

    Returns the clients root ("" for the sample), the benchmark's name and the target as a multiple of
    Medicare (``target_pct_of_medicare`` is a percent: 130 or "130%" -> 1.3; None unless the benchmark is
    ``target``).
    """
    check_client_id(client_id)
    problems, root, name, target = [], None, benchmark, None
    where = "(notebook parameters)"
    for check in ("clients_root", "benchmark", "target"):
        try:
            if check == "clients_root":
                root = parameters.clients_root(clients_root, where=where)
            elif check == "benchmark":
                name = parameters.benchmark_name(benchmark, where=where)
            elif name == "target":
                if target_pct_of_medicare in (0, 0.0, "", None):
                    raise RatekitError(Problem(where, "benchmark='target' needs target_pct_of_medicare",
                                               column="target_pct_of_medicare", value=target_pct_of_medicare,
                                               fix="e.g. -p target_pct_of_medicare 130 for 130% of Medicare"))
                target = parameters.percent_of_medicare(target_pct_of_medicare, where=where) / 100
        except RatekitError as exc:
            problems += exc.problems
    if problems:
        raise RatekitError(problems)
    return ("" if root is None else str(root)), name, target


def analyse_from_parameters(client_id: str, clients_root: str = "", benchmark: str = "median",
                            target_pct_of_medicare: float | str = 0.0) -> ClientAnalysis:
    """Validate the notebook's parameters, set up charts for reports, and analyse the client."""
    root, name, target = check_parameters(client_id, clients_root, benchmark, target_pct_of_medicare)
    _setup_charts()
    return analyse(client_id, root or None, benchmark_name=name, target=target)


#: How report charts are drawn: text stays text in the SVG (selectable, sharp in print and on a phone, and
#: no glyph outlines to compute), clip-path ids are stable so a re-render gives the same file, and no date.
CHART_RC = {"figure.dpi": 110, "figure.autolayout": True, "savefig.bbox": None,
            "svg.fonttype": "none", "svg.hashsalt": "ratekit"}


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
        draw_charts_once(shell)

    sns.set_theme(style="whitegrid", context="notebook")
    matplotlib.rcParams.update(CHART_RC)


def draw_charts_once(shell) -> None:
    """Have the inline backend lay out and draw each chart once, to SVG, after a cell runs.

    Out of the box a figure is drawn three times after its cell and laid out each
    time: pyplot's post-execute hook redraws every figure (pointless: the inline
    backend keeps no window), then saving draws it once to measure it (for
    ``bbox_inches="tight"`` and again for the layout engine) and once to write it.
    Those draws were most of a report's kernel time. Here the figure's layout
    engine (``figure.autolayout``) runs once, then one draw writes the SVG.
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("svg")  # and no PNG
    shell.display_formatter.formatters["image/svg+xml"].for_type(Figure, figure_svg)
    redraw = getattr(plt, "_draw_all_if_interactive", None)
    if redraw is not None and redraw in shell.events.callbacks["post_execute"]:
        shell.events.unregister("post_execute", redraw)


def figure_svg(fig) -> str:
    """``fig`` as SVG text from one layout pass and one draw; no date in it, so a re-render is identical.

    The layout is fixed afterwards: showing the figure again draws it as it is.
    """
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)  # no engine left: saving then draws once, without a measuring draw
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches=None, metadata={"Date": None})
    return buffer.getvalue()
