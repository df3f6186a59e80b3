"""Fresh Jupyter kernels for the batch renderer: one brand-new kernel per client, started quickly.

:func:`fresh_kernel` yields a started kernel manager for one notebook and stops
the kernel afterwards. Every kernel:

* talks over **IPC** (Unix sockets in its own private folder), never TCP ports,
  so kernels started in parallel cannot race for a port;
* keeps its IPython history in memory (parallel kernels never contend for one
  sqlite file);
* starts with :func:`kernel_env`: a persistent matplotlib cache, so no kernel
  rebuilds the font cache;
* is retried once when it fails to start (:class:`KernelStartError` after that).

Where the time goes without help: a kernel costs ~0.35 s of CPU to start (0.16 s
of it importing debugpy) and ~0.9 s to import pandas, matplotlib, seaborn and
ratekit, and a report ~0.15 s to read the shipped Medicare and leverage tables,
before the report's own work. A :class:`ForkServer` pays those once per batch: it
is a process that has imported those libraries and loaded those public tables
(the same for every client, and never a client's data; it runs no notebook
code) and forks a new process per kernel, which then starts ipykernel exactly
as ``python -m ipykernel_launcher`` does. Each client still gets a brand-new
kernel process that no other client's code ever ran in; only the imported
library code and the public tables are shared, copy-on-write, as if each kernel
had loaded them itself: what one kernel changes, no other sees. (The fork
server needs Linux; elsewhere, or if it fails, kernels start the ordinary way.)
"""

from __future__ import annotations

import functools
import gc
import importlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from .. import config

KERNEL_NAME = "python3"
#: Seconds a new kernel has to answer its first request.
KERNEL_START_TIMEOUT = 60
#: Attempts at starting a kernel (the first, and one retry).
KERNEL_START_ATTEMPTS = 2
#: What the fork server does once, before any kernel: import the modules the report notebooks import (and
#: what PIL imports to write the first PNG, and openpyxl and XlsxWriter for the analyst's workbook) ...
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "IPython",
           "numpy", "pandas",
           "matplotlib", "matplotlib.pyplot", "seaborn", "PIL.PngImagePlugin", "PIL.BmpImagePlugin",
           "PIL.GifImagePlugin", "PIL.JpegImagePlugin", "PIL.PpmImagePlugin", "openpyxl", "xlsxwriter",
           "ratekit.analysis",
           "ratekit.report", "ratekit.plots", "ratekit.notebook", "ratekit.leverage", "ratekit.narrative",
           "ratekit.export",
           # then, as "module:function", loads of the shipped public tables every report reads: the same for
           # every client, read-only, never a client's data; each kernel gets its own copy-on-write copy
           "ratekit.medicare:preload", "ratekit.leverage:preload", "ratekit.narrative:preload")
_STUB = Path(__file__).with_name("_kernel_stub.py")
#: The IPython history of every kernel stays in memory.
_KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:"]


class KernelStartError(RuntimeError):
    """A kernel did not start (after the retry): not the notebook's fault."""


# --- the kernel's environment ----------------------------------------------------------------------

def _matplotlib_config_dir() -> str | None:
    """A persistent, writable MPLCONFIGDIR for kernels, or None when matplotlib's default is fine.

    Without a writable config and cache folder matplotlib makes a temporary one
    in every process and rebuilds its font cache there: seconds per kernel.
    """
    if os.environ.get("MPLCONFIGDIR"):
        return None
    home = Path.home()
    wanted = [Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "matplotlib",
              Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "matplotlib"]
    try:
        for folder in wanted:
            folder.mkdir(parents=True, exist_ok=True)
            if not os.access(folder, os.W_OK):
                raise PermissionError(folder)
        return None
    except OSError:
        folder = Path(tempfile.gettempdir()) / f"ratekit-matplotlib-{os.getuid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
        return str(folder)


def kernel_env() -> dict[str, str]:
    """The environment kernels start with: this process's, plus a persistent matplotlib cache folder."""
    env = dict(os.environ)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets debugpy's frozen-modules warning
    mpl = _matplotlib_config_dir()
    if mpl:
        env["MPLCONFIGDIR"] = mpl
    return env


def warm_font_cache(env: dict[str, str]) -> None:
    """Build matplotlib's font cache once, before parallel kernels would each build it."""
    import glob

    cache = env.get("MPLCONFIGDIR") or str(
        Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matplotlib")
    if not glob.glob(os.path.join(cache, "fontlist-v*.json")):
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# --- the fork server -------------------------------------------------------------------------------

class ForkServer:
    """A process that imports the kernels' libraries once, then forks a brand-new kernel per request.

    Use as a context manager around a batch; :func:`fresh_kernel` asks it for
    kernels. The server never runs notebook code: it imports ``preload``, then
    only forks. If it cannot start, :meth:`ready` is False and kernels start
    the ordinary way.

    Parameters
    ----------
    env : dict, optional
        Its environment (default :func:`kernel_env`); each kernel then takes the
        environment jupyter_client gives it.
    preload : sequence of str
        Modules to import (a module that fails to import is skipped).
    """

    def __init__(self, *, env: dict[str, str] | None = None, preload=PRELOAD):
        self.env = dict(env or kernel_env())
        self.preload = tuple(preload)
        self.folder: str | None = None
        self.socket: str | None = None
        self.process: subprocess.Popen | None = None
        self._ready: bool | None = None
        self._lock = threading.Lock()

    @staticmethod
    def supported() -> bool:
        """The fork server needs ``os.fork`` and Linux's process semantics."""
        return sys.platform.startswith("linux") and hasattr(os, "fork")

    def start(self) -> "ForkServer":
        """Launch the server (it imports in the background; :meth:`ready` waits for it)."""
        if not self.supported():
            self._ready = False
            return self
        self.folder = tempfile.mkdtemp(prefix="rk-fork-")
        self.socket = os.path.join(self.folder, "server")
        env = dict(self.env)
        # What ipykernel sets before any import, so matplotlib is imported here as a kernel would import it.
        env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from ratekit.render.kernels import _serve; _serve()", self.socket, *self.preload],
            env=env, cwd=str(config.PROJECT_ROOT), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            start_new_session=True)  # stderr is this process's, as for a kernel started the ordinary way
        return self

    def ready(self, timeout: float = KERNEL_START_TIMEOUT) -> bool:
        """True once the server has imported its modules and listens (waits up to ``timeout``)."""
        with self._lock:
            if self._ready is None:
                self._ready = self._wait_ready(timeout)
            return bool(self._ready) and self.process is not None and self.process.poll() is None

    def _wait_ready(self, timeout: float) -> bool:
        if self.process is None:
            return False
        readable, _, _ = select.select([self.process.stdout], [], [], timeout)
        return bool(readable) and self.process.stdout.readline().strip() == b"ready"

    def broken(self) -> None:
        """Stop asking this server for kernels (one of its kernels failed to start)."""
        with self._lock:
            self._ready = False

    def kernel_manager(self, **kwargs):
        """An AsyncKernelManager whose kernel this server forks."""
        km = _forked_manager_class()(**kwargs)
        km.fork_server = self
        return km

    def close(self) -> None:
        """Stop the server and remove its socket folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "ForkServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


@functools.lru_cache(maxsize=None)
def _manager_class():
    """AsyncKernelManager that closes its clients with the kernel and notices it has gone within 5 ms.

    nbclient leaves open the client it makes for a kernel manager it was given
    (its channels' sockets, a zmq context and a heartbeat thread): one per client
    of a batch, until a few hundred clients in, zmq runs out of sockets. And a
    batch stops one kernel per client, between one client and the next: polling
    every 0.1 s (jupyter_client's default) left a core idle for up to that long.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuickStopKernelManager(AsyncKernelManager):
        def client(self, **kwargs):
            """A client of this kernel, remembered so :func:`fresh_kernel` closes it with the kernel."""
            kc = super().client(**kwargs)
            self.__dict__.setdefault("ratekit_clients", []).append(kc)
            return kc

        async def _async_wait(self, pollinterval: float = 0.005) -> None:
            await super()._async_wait(pollinterval=min(pollinterval, 0.005))

    return QuickStopKernelManager


@functools.lru_cache(maxsize=None)
def _forked_manager_class():
    from jupyter_client.kernelspec import KernelSpec

    class ForkedKernelManager(_manager_class()):
        """Launches ``_kernel_stub.py``, which has the fork server fork the kernel."""

        fork_server: ForkServer | None = None

        @property
        def kernel_spec(self):
            server = self.fork_server
            return KernelSpec(
                argv=[sys.executable, "-I", "-S", str(_STUB), server.socket, str(server.process.pid),
                      "-f", "{connection_file}"],
                display_name="Python 3 (ipykernel, forked by ratekit)", language="python",
                interrupt_mode="signal", env={}, metadata={})

    return ForkedKernelManager


def _serve() -> None:
    """The fork server's main loop (runs in its own process; see :class:`ForkServer`)."""
    path, preload = sys.argv[1], sys.argv[2:]
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel puts it back
    for name in preload:
        module, _, function = name.partition(":")
        try:
            loaded = importlib.import_module(module)
            if function:
                getattr(loaded, function)()
        except Exception:  # noqa: BLE001 - what fails here is imported or loaded (and fails) in the kernel
            pass
    if threading.active_count() != 1:  # forking a process with threads is unsafe: serve nothing
        print("threads", flush=True)
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # ForkServer.close(): reap kernels, then exit
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    parent = os.getppid()
    gc.collect()
    gc.freeze()  # what was imported is never collected: a kernel's collections skip it, and leave its pages shared
    print("ready", flush=True)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # nobody reads the pipe after "ready": kernels must not fill it
    os.close(devnull)
    try:
        _accept_forever(listener, parent)
    finally:
        _reap()


def _accept_forever(listener: socket.socket, parent: int) -> None:
    while os.getppid() == parent:  # the batch that started us has gone: stop
        _reap()
        readable, _, _ = select.select([listener], [], [], 0.5)
        if not readable:
            continue
        conn, _ = listener.accept()
        try:
            conn.settimeout(10)
            request = json.loads(_read_line(conn))
        except (OSError, ValueError):
            conn.close()
            continue
        pid = os.fork()
        if pid == 0:
            listener.close()
            _become_kernel(conn, request)
            raise SystemExit(0)  # pragma: no cover - _become_kernel exits
        try:
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        except OSError:
            pass
        conn.close()


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            raise OSError("connection closed before the request was complete")
        data += chunk
    return data


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _become_kernel(conn: socket.socket, request: dict) -> None:
    """In the forked child: become the kernel jupyter_client asked for, as ipykernel_launcher would."""
    os.setsid()  # own session and process group, as jupyter_client gives a kernel it launches
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["ipykernel_launcher", *request["argv"]]
    if "numpy" in sys.modules:  # a fresh process draws a fresh seed; so does each forked kernel
        sys.modules["numpy"].random.seed()
    conn.settimeout(None)

    def watch_stub() -> None:
        try:
            while conn.recv(64):
                pass
        finally:
            os._exit(1)  # the stand-in process is gone (killed): so is this kernel

    threading.Thread(target=watch_stub, name="ratekit-stub-watch", daemon=True).start()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
    sys.exit(0)


# --- starting and stopping kernels -----------------------------------------------------------------

def _run(coro_fn, *args, **kwargs):
    """Run a jupyter_client coroutine on this thread's event loop."""
    from jupyter_core.utils import run_sync

    return run_sync(coro_fn)(*args, **kwargs)


@contextmanager
def fresh_kernel(*, kernel_name: str = KERNEL_NAME, env: dict[str, str] | None = None,
                 fork_server: ForkServer | None = None, startup_timeout: float = KERNEL_START_TIMEOUT,
                 attempts: int = KERNEL_START_ATTEMPTS, cwd: str | Path | None = None):
    """A brand-new kernel on IPC sockets in a private folder, ready for one notebook.

    Parameters
    ----------
    kernel_name : str
        Kernel spec of an ordinary start.
    env : dict, optional
        The kernel's environment (default :func:`kernel_env`).
    fork_server : ForkServer, optional
        Ask this server for the kernel first; a start that fails there is
        retried the ordinary way (and the server is not asked again).
    startup_timeout : float
        Seconds the kernel has to answer ``kernel_info``.
    attempts : int
        Starts in all before :class:`KernelStartError`.
    cwd : path, optional
        The kernel's working folder (default the project root).

    Yields
    ------
    (AsyncKernelManager, int)
        The started kernel's manager and which attempt started it. On exit the
        kernel is stopped and its folder removed.
    """

    errors = []
    for attempt in range(1, attempts + 1):
        folder = tempfile.mkdtemp(prefix="rk-kernel-")  # short: a Unix socket path holds ~100 bytes
        where = {"transport": "ipc", "ip": os.path.join(folder, "ipc"),
                 "connection_file": os.path.join(folder, "connection.json")}
        forked = fork_server is not None and fork_server.ready()
        km = (fork_server.kernel_manager(kernel_name=kernel_name, **where) if forked
              else _manager_class()(kernel_name=kernel_name, **where))
        km.client_factory = _client_class()
        try:
            _start(km, env=env or kernel_env(), timeout=startup_timeout, cwd=cwd)
        except Exception as exc:  # noqa: BLE001 - any failure to start is retried, then reported
            errors.append(f"{exc.__class__.__name__}: {exc}")
            if forked:
                fork_server.broken()
            _stop(km, folder)
            continue
        try:
            yield km, attempt
        finally:
            _stop(km, folder)
        return
    raise KernelStartError(f"the kernel failed to start ({attempts} attempts): {errors[-1]}")


@functools.lru_cache(maxsize=None)
def _client_class():
    """The kernel client papermill (nbclient) gets: ready without a 0.2 s wait for IOPub to fall silent."""
    import queue
    import time as _time

    from jupyter_client.asynchronous import AsyncKernelClient

    class ReadyClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            """Ready once the kernel answers ``kernel_info`` and an IOPub message has arrived.

            The IOPub message shows this client's subscription is live, so no output
            of the first cell is lost. jupyter_client then also waits until IOPub has
            been silent for 0.2 s; a message that arrives later answers no cell
            (nbclient keeps only the outputs of the request it sent), so that wait
            cost every client 0.2 s of an idle core.
            """
            deadline = _time.monotonic() + (float("inf") if timeout is None else timeout)
            # Every request sent counts: under load a reply can arrive after the next request went out, and
            # matching only the newest id would leave the client one reply behind until the deadline.
            sent: set[str] = set()
            while True:
                sent.add(self.kernel_info())
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                    if reply.get("parent_header", {}).get("msg_id") in sent:
                        await self.iopub_channel.get_msg(timeout=0.2)
                        self._handle_kernel_info_reply(reply)
                        return
                except queue.Empty:
                    pass
                if not await self.is_alive():
                    raise RuntimeError("the kernel died before answering kernel_info")
                if _time.monotonic() > deadline:
                    raise TimeoutError(f"the kernel did not answer within {timeout:g} s")

    return ReadyClient


def _start(km, *, env: dict[str, str], timeout: float, cwd) -> None:
    """Start ``km``'s kernel and wait until it answers ``kernel_info`` (the step a retry repeats)."""
    _run(km.start_kernel, extra_arguments=list(_KERNEL_ARGS), env=env, cwd=str(cwd or config.PROJECT_ROOT))
    _run(_answered, km, timeout)


async def _answered(km, timeout: float) -> None:
    """Wait until the kernel answers ``kernel_info`` and IOPub is live (the client's ``wait_for_ready``)."""
    kc = km.client()
    kc.start_channels(hb=False, stdin=False, control=False)  # a heartbeat thread stopped at once can race its start
    try:
        await kc.wait_for_ready(timeout=timeout)
    finally:
        kc.stop_channels()


def _stop(km, folder: str) -> None:
    for kc in km.__dict__.pop("ratekit_clients", []):
        try:
            kc.stop_channels()
        except Exception:  # noqa: BLE001 - a client whose channels are already closed
            pass
    try:
        if km.has_kernel:
            _run(km.shutdown_kernel, now=True)  # the notebook is done; nothing to flush
        else:
            _run(km.cleanup_resources)
    except Exception:  # noqa: BLE001 - a kernel that is already gone needs no stopping
        pass
    finally:
        shutil.rmtree(folder, ignore_errors=True)
