"""Fresh kernels: IPC transport, the fork server, and no process left behind."""

import os
import threading
import time

import pytest

from ratekit.render import kernels

pytestmark = pytest.mark.slow


def _run_code(km, code: str) -> str:
    """Execute ``code`` in the kernel; return what it printed."""

    async def run():
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=30)
            out = []
            await kc.execute_interactive(code, timeout=30,
                                         output_hook=lambda m: out.append(m["content"].get("text", "")))
            return "".join(out)
        finally:
            kc.stop_channels()

    return kernels._run(run)


def _gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a child of ours that exited but is not yet reaped still "exists"
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


def test_plain_kernel_uses_ipc_and_is_stopped_on_exit():
    with kernels.fresh_kernel() as (km, attempt):
        assert attempt == 1 and km.transport == "ipc"
        assert os.path.exists(km.connection_file)
        folder = os.path.dirname(km.connection_file)
        pid = int(_run_code(km, "import os; print(os.getpid())"))
    assert _gone(pid)
    assert not os.path.exists(folder)


@pytest.mark.skipif(not kernels.ForkServer.supported(), reason="the fork server needs Linux")
def test_forked_kernels_are_new_processes_with_libraries_imported_and_nothing_else():
    with kernels.ForkServer() as server:
        assert server.ready()
        pids = []
        for _ in range(2):
            with kernels.fresh_kernel(fork_server=server) as (km, attempt):
                assert attempt == 1
                out = _run_code(km, "import os, sys\n"
                                    "from ratekit import medicare\n"
                                    "print(os.getpid(), os.getppid(), 'pandas' in sys.modules,"
                                    " 'ratekit.analysis' in sys.modules,"
                                    " medicare._load_cached.cache_info().currsize == len(medicare.releases()),"
                                    " len(medicare.load_release(medicare.releases()[0]).rvus) > 0)")
                pid, ppid, pandas, ratekit, tables, whole = out.split()
                assert int(ppid) == server.process.pid  # forked by the server ...
                assert pandas == ratekit == "True"      # ... with the libraries already imported ...
                assert tables == whole == "True"        # ... and the public Medicare tables loaded, whole ...
                # ... even after the kernel before emptied its copy: a change a kernel makes is its own
                _run_code(km, "medicare._load_cached(medicare.releases()[0]).rvus.drop(index=medicare."
                              "_load_cached(medicare.releases()[0]).rvus.index, inplace=True)")
                assert _run_code(km, "print(len(medicare.load_release(medicare.releases()[0]).rvus))") == "0\n"
                pids.append(int(pid))
            assert _gone(int(pid))                       # ... and stopped when the client is done
        assert len(set(pids)) == 2
        server_pid = server.process.pid
    assert _gone(server_pid)


@pytest.mark.skipif(not kernels.ForkServer.supported(), reason="the fork server needs Linux")
def test_a_kernel_the_fork_server_cannot_start_is_retried_the_ordinary_way():
    import signal

    server = kernels.ForkServer(preload=())
    server.start()
    assert server.ready()
    os.kill(server.process.pid, signal.SIGSTOP)  # a hung server: its kernel never answers
    try:
        with kernels.fresh_kernel(fork_server=server, startup_timeout=3) as (km, attempt):
            assert attempt == 2 and not server.ready()  # not asked again
            assert not isinstance(km, kernels._forked_manager_class())  # started the ordinary way
            assert _run_code(km, "print(6 * 7)").strip() == "42"
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
        server.close()


def test_when_the_fork_server_is_gone_kernels_start_the_ordinary_way():
    server = kernels.ForkServer(preload=()).start()
    assert server.ready()
    server.process.kill()
    server.process.wait()
    try:
        assert not server.ready()
        with kernels.fresh_kernel(fork_server=server) as (km, attempt):
            assert attempt == 1 and not isinstance(km, kernels._forked_manager_class())
    finally:
        server.close()


def test_kernel_env_keeps_a_persistent_matplotlib_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(kernels.tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert "MPLCONFIGDIR" not in kernels.kernel_env()  # writable: matplotlib's own folders do
    assert (tmp_path / "cache" / "matplotlib").is_dir()
    (tmp_path / "unwritable").write_text("a file where a folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "unwritable"))
    env = kernels.kernel_env()  # matplotlib would use a new temporary folder in every kernel
    assert env["MPLCONFIGDIR"] == str(tmp_path / "tmp" / f"ratekit-matplotlib-{os.getuid()}")
    assert kernels.kernel_env()["MPLCONFIGDIR"] == env["MPLCONFIGDIR"]  # one lasting folder instead
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mine"))
    assert kernels.kernel_env()["MPLCONFIGDIR"] == str(tmp_path / "mine")  # the user's choice stands


def test_report_kernel_draws_each_chart_once_as_svg():
    """The report's chart set-up in a real kernel: one draw per figure, sent as SVG only.

    Out of the box a figure is drawn three times after its cell (pyplot's redraw hook and
    bbox_inches="tight"'s measuring draw); those draws were most of a report's kernel time.
    """
    code = (
        "from ratekit.notebook import _setup_charts\n"
        "_setup_charts()\n"
        "import matplotlib.figure, matplotlib.pyplot as plt\n"
        "draws = []\n"
        "_draw = matplotlib.figure.Figure.draw\n"
        "matplotlib.figure.Figure.draw = lambda self, r: (draws.append(r), _draw(self, r))[1]\n"
    )
    chart = "fig, ax = plt.subplots(); ax.barh(['<b>Alpha</b>', 'Beta'], [1, 2]); ax.set_title('Payers')"

    async def run(kc, source):
        shown = []
        await kc.execute_interactive(source, timeout=60, output_hook=lambda m: shown.append(m))
        return shown

    async def session():
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=30)
            await run(kc, code)
            shown = await run(kc, chart)
            printed = await run(kc, "print(len(draws))")
            return shown, printed
        finally:
            kc.stop_channels()

    with kernels.fresh_kernel() as (km, _):
        shown, printed = kernels._run(session)
    images = [m["content"]["data"] for m in shown if m["msg_type"] == "display_data"]
    assert len(images) == 1 and "image/svg+xml" in images[0] and "image/png" not in images[0]
    svg = images[0]["image/svg+xml"]
    assert "&lt;b&gt;Alpha&lt;/b&gt;" in svg and "<b>" not in svg  # labels are escaped text, not glyph paths
    assert "<dc:date>" not in svg  # no timestamp: re-rendering gives the same chart
    assert "".join(m["content"].get("text", "") for m in printed if m["msg_type"] == "stream").strip() == "1"


def test_clients_left_open_are_closed_with_their_kernel():
    """nbclient leaves open the client it makes for a kernel manager it is given (heartbeat thread, sockets,
    a zmq context): once per client, until a batch of a few hundred ran out of zmq sockets."""
    threads = threading.active_count()
    fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    for _ in range(3):
        with kernels.fresh_kernel() as (km, _attempt):
            kc = km.client()
            kc.start_channels()  # as nbclient does, runs a cell, and never stops
            kernels._run(kc.execute_interactive, "x = 1", timeout=30)
            assert kc.hb_channel.is_alive()
    assert not kc.channels_running
    assert threading.active_count() == threads
    if fds is not None:
        assert len(os.listdir("/proc/self/fd")) <= fds
