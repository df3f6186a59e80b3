"""Render client reports: execute the notebook with papermill, export physician HTML.

For each client, :func:`render_client` writes to ``<out>/<client_id>/``:

* ``client_report.ipynb`` — the executed notebook (kept for the analyst; on a
  failure it holds the error, as papermill leaves it);
* ``client_report.html`` — the physician's report: no code, no prompts, charts
  embedded as images, nothing loaded from the network.

Files are written to a temporary name and moved into place, so a crash never
leaves a half-written report that looks complete.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import config
from .analysis import medicare_release_for, report_date
from .client import check_client_id, clients_root, list_clients, load_client
from .errors import RatekitError

TEMPLATE = "physician_report"
REPORT_NAME = "client_report"
#: Cells with this tag are for the analyst in JupyterLab and are left out of the physician HTML.
ANALYST_ONLY = "analyst-only"


@dataclass
class ClientResult:
    """What happened to one client."""

    client_id: str
    status: str  # "ok" or "failed"
    seconds: float
    html: str | None = None
    notebook: str | None = None
    error: str | None = None


@dataclass
class RenderResult:
    """What happened to a batch."""

    clients: list[ClientResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every client rendered."""
        return all(c.status == "ok" for c in self.clients)


def report_dir(client_id: str, out: str | Path | None = None) -> Path:
    """``<out>/<client_id>``, checked to lie inside ``out`` (default ``reports/``)."""
    base = Path(out).resolve() if out is not None else config.REPORTS_DIR
    folder = (base / check_client_id(client_id)).resolve()
    if folder.parent != base:
        raise RatekitError(f"client id {client_id!r} would write outside {base}")
    return folder


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def report_metadata(client_id: str, root: str | Path | None = None) -> dict:
    """The header facts the HTML template prints (client name, date, Medicare release, sources)."""
    from . import medicare

    client = load_client(client_id, root)
    release = medicare.load_release(medicare_release_for(client))
    where = medicare.locate(zip_code=client.zip, locality=client.locality, release=release.name)
    text = f"Physician Fee Schedule {release.name} (released {release.released:%d %b %Y}), locality {where.name}"
    if getattr(release, "gpci_note", ""):
        text += f"; {release.gpci_note}"
    sources = (f"CMS Medicare Physician Fee Schedule RVU{release.name[2:]} and {release.gpci_year} GPCIs; "
               "the practice's own fee schedules and volumes"
               + (" (synthetic sample)" if client.synthetic else "") + "; full list under Data sources")
    return {"client_id": client_id, "client_name": client.name, "report_date": report_date(),
            "medicare": text, "sources": sources, "synthetic": client.synthetic}


def export_html(notebook: nbformat.NotebookNode) -> str:
    """The physician HTML of an executed notebook (templates/physician_report)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name=TEMPLATE, extra_template_basedirs=[str(config.TEMPLATES_DIR)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.register_preprocessor(_drop_stderr, enabled=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={ANALYST_ONLY}, enabled=True), enabled=True)
    body, _ = exporter.from_notebook_node(notebook)
    return body


def _drop_stderr(nb: nbformat.NotebookNode, resources: dict):
    """Physicians never see warnings or logs written to stderr."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    return nb, resources


def render_client(client_id: str, *, root: str | Path | None = None, out: str | Path | None = None,
                  notebook: str | Path | None = None) -> ClientResult:
    """Execute the report notebook for one client and export its HTML.

    Parameters
    ----------
    client_id : str
        Folder name under ``root``.
    root : path, optional
        Folder of client folders (default: the committed sample).
    out : path, optional
        Reports folder (default ``reports/``).
    notebook : path, optional
        Notebook to execute (default ``notebooks/client_report.ipynb``).

    Returns
    -------
    ClientResult
        ``status`` "failed" with the error message when the client has input
        errors or the notebook fails; no HTML is written then.
    """
    import papermill as pm

    start = time.perf_counter()
    folder = report_dir(client_id, out)
    nb_path = folder / f"{REPORT_NAME}.ipynb"
    html_path = folder / f"{REPORT_NAME}.html"
    try:
        meta = report_metadata(client_id, root)  # validates the client before any kernel starts
        folder.mkdir(parents=True, exist_ok=True)
        html_path.unlink(missing_ok=True)
        params = {"client_id": client_id, "clients_root": str(Path(root).resolve()) if root else "",
                  "output_dir": str(folder)}
        executed = pm.execute_notebook(str(notebook or config.CLIENT_REPORT_NOTEBOOK), str(nb_path),
                                       parameters=params, kernel_name="python3", progress_bar=False,
                                       cwd=str(config.PROJECT_ROOT))
        executed.metadata["ratekit"] = meta
        _atomic_write(html_path, export_html(executed))
    except RatekitError as exc:
        return ClientResult(client_id, "failed", time.perf_counter() - start, error=str(exc))
    except Exception as exc:  # papermill's execution error carries the cell's traceback text
        return ClientResult(client_id, "failed", time.perf_counter() - start,
                            notebook=str(nb_path) if nb_path.exists() else None,
                            error=_short_error(exc))
    return ClientResult(client_id, "ok", time.perf_counter() - start, html=str(html_path), notebook=str(nb_path))


def _short_error(exc: Exception) -> str:
    name = getattr(exc, "ename", exc.__class__.__name__)
    value = getattr(exc, "evalue", str(exc))
    return f"{name}: {value}"


def render_clients(client_ids: list[str] | None = None, *, root: str | Path | None = None,
                   out: str | Path | None = None, jobs: int | None = None) -> RenderResult:
    """Render several clients (``None``: every client under ``root``); failures do not stop the batch.

    Prints one line per client and writes ``<out>/manifest.json``.
    """
    ids = list_clients(root) if client_ids is None else list(client_ids)
    if not ids:
        raise RatekitError(f"no client folders (with a client.yaml) under {clients_root(root)}")
    result = RenderResult()
    for client_id in ids:
        outcome = render_client(client_id, root=root, out=out)
        result.clients.append(outcome)
        where = outcome.html if outcome.status == "ok" else outcome.error
        print(f"{outcome.status:6} {client_id} ({outcome.seconds:.1f}s): {where}", flush=True)
    base = Path(out).resolve() if out is not None else config.REPORTS_DIR
    manifest = {c.client_id: {k: v for k, v in c.__dict__.items() if k != "client_id"} for c in result.clients}
    _atomic_write(base / "manifest.json", json.dumps(manifest, indent=2))
    return result
