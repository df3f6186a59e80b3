"""The import graph runs one way, inputs to output: no ratekit module imports a module of a higher layer.

The layers, lowest first (a module may import its own layer and those below; cycles are refused anywhere):

0. foundation - config, errors, files, formatting, identifiers, parameters, reference: paths, problems, atomic
   writes, how numbers and names read, identifier patterns, parameters as typed, the registry of shipped data.
   They import no other layer.
1. Medicare engine - medicare: CMS files to amounts; no client input.
2. inputs - client, feeschedules, market, remit: a client's folder and files (fee schedules, utilization,
   payers' Transparency-in-Coverage files, 835 remittances) to tidy tables.
3. numbers - benchmark, leverage: tables in, tables out, no sentences.
4. assembly - analysis: one client's numbers, assembled.
5. words and pictures - narrative, report, plots: sentences, formatted tables, charts.
6. output - export, render, notebook, widgets, validate, sample, cli, build: files, batches (render:
   the batch, the HTML export and the kernels), the notebooks' and the command line's entry points, and
   the steps that rebuild data/reference/.

A new module (or package) of ratekit must be given a layer here before this test passes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ratekit import config

PACKAGE = config.PROJECT_ROOT / "ratekit"

LAYERS: list[tuple[str, set[str]]] = [
    # "": ratekit/__init__
    ("foundation", {"", "config", "errors", "files", "formatting", "identifiers", "parameters", "reference"}),
    ("Medicare engine", {"medicare"}),
    ("inputs", {"client", "feeschedules", "market", "remit"}),
    ("numbers", {"benchmark", "leverage"}),
    ("assembly", {"analysis"}),
    ("words and pictures", {"narrative", "report", "plots"}),
    ("output", {"export", "render", "notebook", "widgets", "validate", "sample", "cli", "build", "pdf"}),
]

#: Modules longer than the ~600-line guideline whose split is another engineer's work in progress:
#: the TiC ingester (to be split into its reader, filters and writers when the market benchmark is wired
#: into the client and the report).
LONG_BY_OWNERS = {"ratekit.market.ingest"}
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    for i, (_, names) in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{module} has no layer: add {top!r} to LAYERS in tests/test_layers.py")


def _imports(module: str, path: Path) -> set[str]:
    """The ratekit modules ``module`` imports, anywhere in the file (lazy imports inside functions too)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "ratekit"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "ratekit":
                continue
            found.add(target)
            found |= {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES}
    return {m for m in found if m in MODULES and m != module}


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_higher_layer(module):
    mine = _layer(module)
    upward = [f"{m} ({LAYERS[_layer(m)][0]})" for m in sorted(GRAPH[module]) if _layer(m) > mine]
    assert not upward, f"{module} ({LAYERS[mine][0]}) imports {', '.join(upward)}"


def test_no_import_cycle():
    done: set[str] = set()

    def visit(m: str, path: list[str]) -> None:
        if m in path:
            raise AssertionError("import cycle: " + " -> ".join(path[path.index(m):] + [m]))
        if m in done:
            return
        for n in sorted(GRAPH[m]):
            if n != m.rsplit(".", 1)[0] and not m.startswith(n + "."):  # a module's own package is no cycle
                visit(n, path + [m])
        done.add(m)

    for m in sorted(GRAPH):
        visit(m, [])


def test_runtime_code_never_imports_the_build_steps():
    runtime = [m for m in MODULES if m != "ratekit.build" and not m.startswith("ratekit.build.")]
    offenders = {m: sorted(n for n in GRAPH[m] if n == "ratekit.build" or n.startswith("ratekit.build."))
                 for m in runtime}
    assert not {m: n for m, n in offenders.items() if n}


def test_the_graph_sees_the_imports_it_checks():
    """The parser resolves relative and nested imports (else the tests above would pass on an empty graph)."""
    assert "ratekit.formatting" in GRAPH["ratekit.report"]  # from .formatting import ...
    assert "ratekit.leverage.local" in GRAPH["ratekit.build.leverage"]  # from ..leverage.local import ...
    assert "ratekit.render" in GRAPH["ratekit.export"]  # a lazy import inside a function
    assert "ratekit.leverage.panel" in GRAPH["ratekit.leverage"]  # a package's __init__
    assert _layer("ratekit.analysis") > _layer("ratekit.leverage.er_savings") > _layer("ratekit.feeschedules.cells")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_module_opens_with_one_line_on_what_it_is_for(module):
    doc = ast.get_docstring(ast.parse(MODULES[module].read_text(encoding="utf-8")), clean=False)
    assert doc and doc.strip(), f"{module} has no docstring"
    lines = doc.strip("\n").splitlines()
    assert lines[0].rstrip().endswith((".", ".``", ")")), f"{module}: the first line is not a sentence"
    assert len(lines) == 1 or not lines[1].strip(), f"{module}: the summary is more than one line"


@pytest.mark.parametrize("module", sorted(set(MODULES) - LONG_BY_OWNERS))
def test_no_module_is_over_600_lines(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by concern, or say at its top why not"
