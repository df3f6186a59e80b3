"""Render client reports in a batch: execute the notebook with papermill in a fresh kernel, export its HTML.

For each client, :func:`render_clients` writes to ``<out>/<client_id>/``:

* ``client_report.ipynb`` — the executed notebook (kept for the analyst; on a
  failure it holds the error: papermill's traceback, or a note at the top when
  a cell timed out or the kernel died);
* ``client_report.html`` — the physician's report: no code, no prompts, charts
  embedded as images, nothing loaded from the network. Written only when the
  whole notebook ran, to a temporary name moved into place, so a crash never
  leaves a half-written report that looks complete; an earlier run's report is
  removed before the client renders, so a failed client never keeps one.

and ``<out>/manifest.json``: per client the status, seconds, output paths and
error.

How a batch runs (the rules that keep clients apart):

* every client gets a **brand-new kernel** that runs its notebook and nothing
  else, and is shut down afterwards: no state, data or figure is shared;
* kernels talk to this process over **IPC** (Unix sockets in a private
  folder per kernel), never TCP ports, so parallel kernels cannot race for a
  port (and jupyter_client's "running over TCP without encryption" warning
  does not apply);
* ``jobs`` clients run at once (default: the number of cores), driven by one
  long-lived process that imports papermill and compiles the HTML template
  once for the whole batch;
* a kernel that fails to start is retried once (:data:`KERNEL_START_ATTEMPTS`);
  a notebook error is not retried — it is the client's failure;
* each cell may run :data:`CELL_TIMEOUT` seconds at most;
* a failed client never stops the others.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .. import config
from ..client import check_client_id, clients_root, list_clients, load_client
from ..errors import RatekitError
from ..feeschedules import medicare_release_for
from ..files import atomic_write_text as _atomic_write
from ..formatting import report_date
from .html import _physician_exporter, export_html
from .kernels import KERNEL_START_ATTEMPTS, ForkServer, KernelStartError, fresh_kernel, kernel_env, warm_font_cache

REPORT_NAME = "client_report"
MANIFEST_NAME = "manifest.json"
#: Seconds one notebook cell may run before the client is failed.
CELL_TIMEOUT = 300


@dataclass
class ClientResult:
    """What happened to one client.

    ``status`` is ``"ok"`` or ``"failed"``; ``html`` and ``notebook`` are the
    paths written (``html`` only when ``ok``); ``error`` says what went wrong;
    ``kernel_starts`` counts the kernels started for the client (2 after a retry);
    ``files`` lists every file in the client's report folder after the run,
    relative to the reports folder (the notebook may write more than the two).
    """

    client_id: str
    status: str
    seconds: float
    html: str | None = None
    notebook: str | None = None
    error: str | None = None
    kernel_starts: int = 0
    files: list[str] = field(default_factory=list)


@dataclass
class RenderResult:
    """What happened to a batch."""

    clients: list[ClientResult] = field(default_factory=list)
    manifest: str | None = None

    @property
    def ok(self) -> bool:
        """True when every client rendered."""
        return all(c.status == "ok" for c in self.clients)

    @property
    def failed(self) -> list[str]:
        """Ids of the clients that failed."""
        return [c.client_id for c in self.clients if c.status != "ok"]


def _reports_base(out: str | Path | None) -> Path:
    return Path(out).resolve() if out is not None else config.REPORTS_DIR


def report_dir(client_id: str, out: str | Path | None = None) -> Path:
    """``<out>/<client_id>``, checked to lie inside ``out`` (default ``reports/``)."""
    base = _reports_base(out)
    folder = (base / check_client_id(client_id)).resolve()
    if folder.parent != base:
        raise RatekitError(f"client id {client_id!r} would write outside {base}")
    return folder


def report_metadata(client_id: str, root: str | Path | None = None) -> dict:
    """The header facts the HTML template prints (client name, date, Medicare release, sources).

    Loading the client here also validates its ``client.yaml`` and every input
    file before any kernel starts, so a client with errors costs no kernel and
    leaves no failed notebook behind. The strings are raw; the template escapes them.
    """
    from .. import feeschedules, medicare

    client = load_client(client_id, root)
    feeschedules.read_client(client).raise_for_errors()
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


# --- papermill -----------------------------------------------------------------------------------

#: While cells run, the executed notebook is saved at most this often (seconds); always when it ends.
SAVE_EVERY = 10
_ENGINE = "ratekit"


@functools.lru_cache(maxsize=None)
def _register_engine() -> str:
    """Register (once) papermill's nbclient engine with throttled saves; return its name.

    papermill rewrites the whole output notebook (validated, as JSON) before and
    after every cell: ~0.13 s of this process's CPU a client, which the batch
    shares. Saving at the start, at most every :data:`SAVE_EVERY` seconds while
    cells run, and always at the end (papermill's ``notebook_complete`` runs
    even when a cell fails or times out) keeps the partial notebook for a
    failed client without that cost.
    """
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    class ThrottledManager(NotebookExecutionManager):
        _in_cell = False

        def save(self, **kwargs):
            if self._in_cell and (self.now() - self.last_save_time).total_seconds() < SAVE_EVERY:
                return
            super().save(**kwargs)

        def cell_start(self, *args, **kwargs):
            self._in_cell = True
            try:
                return super().cell_start(*args, **kwargs)
            finally:
                self._in_cell = False

        def cell_complete(self, *args, **kwargs):
            self._in_cell = True
            try:
                return super().cell_complete(*args, **kwargs)
            finally:
                self._in_cell = False

    class Engine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                             autosave_cell_every=30, **kwargs):
            nb_man = ThrottledManager(nb, output_path=output_path, progress_bar=progress_bar,
                                      log_output=log_output, autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

    papermill_engines.register(_ENGINE, Engine)
    return _ENGINE


# --- one client ------------------------------------------------------------------------------------

def render_client(client_id: str, *, root: str | Path | None = None, out: str | Path | None = None,
                  notebook: str | Path | None = None, timeout: float = CELL_TIMEOUT,
                  env: dict | None = None, fork_server: ForkServer | None = None,
                  previous_files: list[str] | None = None) -> ClientResult:
    """Execute the report notebook for one client in a fresh kernel and export its HTML.

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
    timeout : float
        Seconds one cell may run.
    env : dict, optional
        The kernel's environment (default :func:`ratekit.render.kernels.kernel_env`).
    fork_server : ForkServer, optional
        Fork the client's kernel from this server (see :mod:`ratekit.render.kernels`).
    previous_files : list of str, optional
        Files an earlier run wrote for this client (relative to ``out``; default:
        as ``<out>/manifest.json`` records them). They are removed first, with the
        report and notebook, so nothing from an earlier run looks like this one's.

    Returns
    -------
    ClientResult
        ``status`` "failed" with the error message when the client has input
        errors, its kernel does not start or the notebook fails; no HTML is
        left for it then.
    """
    import papermill as pm

    start = time.perf_counter()
    starts = 0

    try:
        folder = report_dir(client_id, out)
    except RatekitError as exc:
        return ClientResult(client_id, "failed", time.perf_counter() - start, error=str(exc))
    base = folder.parent

    def failed(message: str, nb_path: Path | None = None) -> ClientResult:
        kept = str(nb_path) if nb_path is not None and nb_path.exists() else None
        return ClientResult(client_id, "failed", time.perf_counter() - start, notebook=kept, error=message,
                            kernel_starts=starts, files=_files_of(folder, base))

    nb_path = folder / f"{REPORT_NAME}.ipynb"
    html_path = folder / f"{REPORT_NAME}.html"
    # Whatever happens next, no earlier run's output may look like this run's.
    if previous_files is None:
        previous_files = _read_manifest(base).get(client_id, {}).get("files", [])
    for path in {html_path, nb_path, *(base / f for f in previous_files)}:
        if folder in path.resolve().parents:
            path.unlink(missing_ok=True)
    try:
        meta = report_metadata(client_id, root)  # validates the client before any kernel starts
    except RatekitError as exc:
        return failed(str(exc))
    folder.mkdir(parents=True, exist_ok=True)
    params = {"client_id": client_id, "clients_root": str(Path(root).resolve()) if root else "",
              "output_dir": str(folder)}
    try:
        with fresh_kernel(env=env, fork_server=fork_server) as (km, starts):
            executed = pm.execute_notebook(
                str(notebook or config.CLIENT_REPORT_NOTEBOOK), str(nb_path), parameters=params,
                progress_bar=False, km=km, execution_timeout=timeout, engine_name=_register_engine())
    except KernelStartError as exc:
        starts = KERNEL_START_ATTEMPTS
        return failed(str(exc))
    except pm.PapermillExecutionError as exc:  # the cell's error; papermill saved the notebook with it
        return failed(f"{exc.ename}: {exc.evalue}", nb_path)
    except Exception as exc:  # noqa: BLE001 - a timeout or a dead kernel fails this client only
        message = _describe_failure(exc, timeout)
        _note_failure(nb_path, message)
        return failed(message, nb_path)
    executed.metadata["ratekit"] = meta
    executed.metadata["title"] = f"{meta['client_name']}: payer rate benchmark"
    try:
        _atomic_write(html_path, export_html(executed))
    except Exception as exc:  # noqa: BLE001
        return failed(f"HTML export failed: {exc.__class__.__name__}: {exc}", nb_path)
    return ClientResult(client_id, "ok", time.perf_counter() - start, html=str(html_path), notebook=str(nb_path),
                        kernel_starts=starts, files=_files_of(folder, base))


def _files_of(folder: Path, base: Path) -> list[str]:
    """Files in a client's report folder, relative to the reports folder (temporary ones left out)."""
    if not folder.is_dir():
        return []
    return sorted(os.path.relpath(p, base) for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _describe_failure(exc: Exception, timeout: float) -> str:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if isinstance(exc, CellTimeoutError):
        return f"a cell ran longer than the {timeout:g} s timeout"
    if isinstance(exc, DeadKernelError):
        return f"the kernel died while running the notebook ({exc})"
    return f"{exc.__class__.__name__}: {exc}"


def _note_failure(nb_path: Path, message: str) -> None:
    """Put ``message`` at the top of the partial notebook papermill saved (when it got that far)."""
    if not nb_path.exists():
        return
    try:
        nb = nbformat.read(nb_path, as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable partial notebook is left as it is
        return
    note = nbformat.v4.new_markdown_cell(f'<span style="color:red">**ratekit render failed:** {message}</span>')
    note.metadata["tags"] = ["ratekit-error"]
    nb.cells.insert(0, note)
    _atomic_write(nb_path, nbformat.writes(nb))


# --- a batch ---------------------------------------------------------------------------------------

def _render_safely(client_id: str, **kwargs) -> ClientResult:
    """:func:`render_client`, with anything unforeseen reported as that client's failure, not the batch's."""
    start = time.perf_counter()
    try:
        return render_client(client_id, **kwargs)
    except Exception as exc:  # noqa: BLE001
        return ClientResult(client_id, "failed", time.perf_counter() - start,
                            error=f"unexpected {exc.__class__.__name__}: {exc}")


def largest_first(client_ids: list[str], root: str | Path | None = None) -> list[str]:
    """The order a batch starts clients in: most input bytes first (ties as given).

    The long reports then start early and the batch does not end with one core
    waiting on a big client started last. An id that is not a safe folder name
    counts as empty (rendering it fails with the reason).
    """
    base = clients_root(root)

    def size(client_id: str) -> int:
        try:
            folder = base / check_client_id(client_id)
            return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        except (RatekitError, OSError):
            return 0

    sizes = {cid: size(cid) for cid in client_ids}
    return sorted(client_ids, key=lambda cid: -sizes[cid])


def default_jobs() -> int:
    """Clients rendered at once by default: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _read_manifest(base: Path) -> dict:
    try:
        manifest = json.loads((base / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _manifest_entry(result: ClientResult, base: Path) -> dict:
    entry = asdict(result)
    del entry["client_id"]
    entry["seconds"] = round(result.seconds, 2)
    for key in ("html", "notebook"):
        if entry[key]:
            entry[key] = os.path.relpath(entry[key], base)
    entry["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return entry


def write_manifest(results: list[ClientResult], out: str | Path | None = None, *, keep_others: bool = False) -> Path:
    """Write ``<out>/manifest.json``: per client its status, seconds, outputs and error.

    Paths are relative to ``out``. With ``keep_others``, entries of clients not
    in ``results`` (from an earlier run) are kept.
    """
    base = _reports_base(out)
    path = base / MANIFEST_NAME
    manifest = _read_manifest(base) if keep_others else {}
    manifest.update({r.client_id: _manifest_entry(r, base) for r in results})
    _atomic_write(path, json.dumps(manifest, indent=2))
    return path


def render_clients(client_ids: list[str] | None = None, *, root: str | Path | None = None,
                   out: str | Path | None = None, jobs: int | None = None, timeout: float | None = None,
                   notebook: str | Path | None = None, progress: bool | None = None,
                   preload: bool = True) -> RenderResult:
    """Render several clients in parallel, each in its own fresh kernel; failures do not stop the batch.

    Parameters
    ----------
    client_ids : list of str, optional
        Clients to render; ``None`` renders every client under ``root``.
    root, out, notebook
        As for :func:`render_client`.
    timeout : float, optional
        Seconds one cell may run (default :data:`CELL_TIMEOUT`).
    jobs : int, optional
        Clients rendered at once (default :func:`default_jobs`).
    progress : bool, optional
        Show a progress bar over clients on stderr (default: when stderr is a terminal).
    preload : bool
        Fork each client's kernel from a :class:`~ratekit.render.kernels.ForkServer`
        that imported the report's libraries once (default); False starts every
        kernel the ordinary way.

    Returns
    -------
    RenderResult
        One :class:`ClientResult` per client, in the order given. A line per
        client is printed as it finishes, and ``<out>/manifest.json`` is
        rewritten after each one.
    """
    from tqdm import tqdm

    ids = list_clients(root) if client_ids is None else list(dict.fromkeys(client_ids))
    timeout = CELL_TIMEOUT if timeout is None else timeout
    if not ids:
        raise RatekitError(f"no client folders (with a client.yaml) under {clients_root(root)}")
    jobs = max(1, min(jobs or default_jobs(), len(ids)))
    env = kernel_env()
    warm_font_cache(env)
    server = ForkServer(env=env).start() if preload else None
    _physician_exporter()  # compile the template once, while the fork server imports
    _register_engine()
    base = _reports_base(out)
    base.mkdir(parents=True, exist_ok=True)
    previous = _read_manifest(base)
    show = sys.stderr.isatty() if progress is None else progress
    done: dict[str, ClientResult] = {}
    try:
        with tqdm(total=len(ids), unit="client", desc="render", file=sys.stderr, disable=not show) as bar, \
                ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="ratekit-render") as pool:
            futures = [pool.submit(_render_safely, cid, root=root, out=out, notebook=notebook, timeout=timeout,
                                   env=env, fork_server=server,
                                   previous_files=previous.get(cid, {}).get("files", []))
                       for cid in largest_first(ids, root)]
            try:
                for future in as_completed(futures):
                    outcome = future.result()
                    done[outcome.client_id] = outcome
                    where = outcome.html if outcome.status == "ok" else outcome.error
                    tqdm.write(f"{outcome.status:6} {outcome.client_id} ({outcome.seconds:.1f}s): {where}",
                               file=sys.stdout)
                    bar.update(1)
                    write_manifest(list(done.values()), out, keep_others=client_ids is not None)
            except KeyboardInterrupt:
                for future in futures:
                    future.cancel()
                raise
    finally:
        if server is not None:
            server.close()
    result = RenderResult(clients=[done[cid] for cid in ids])
    result.manifest = str(write_manifest(result.clients, out, keep_others=client_ids is not None))
    return result
