"""Stand-in for a kernel process: asks ratekit's fork server for a kernel and lives exactly as long as it.

jupyter_client launches this script as the kernel command (``python -I -S
_kernel_stub.py SOCKET SERVER_PID KERNEL_ARGS...``), so it can watch, signal
and kill "the kernel" as usual:

* the fork server forks a brand-new kernel for this request and sends back its pid;
* signals sent to this process (interrupt, terminate) are relayed to the kernel;
* this process exits when the kernel exits;
* when this process is killed, its end of the socket closes and the kernel
  (which watches the other end) exits at once.

Standard library only, and not imported as part of the ratekit package: it has
to start in milliseconds.
"""

import json
import os
import select
import signal
import socket
import sys
import time


def _connect(path: str, server_pid: int, timeout: float = 30.0) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(path)
            return conn
        except OSError:
            conn.close()
            os.kill(server_pid, 0)  # raises if the fork server is gone
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def main() -> int:
    path, server_pid, kernel_args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    conn = _connect(path, server_pid)
    request = {"argv": kernel_args, "cwd": os.getcwd(), "env": dict(os.environ)}
    conn.sendall(json.dumps(request).encode() + b"\n")
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            return 1  # the server could not fork a kernel
        reply += chunk
    pid = int(json.loads(reply)["pid"])

    def relay(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"):
        signal.signal(getattr(signal, name), relay)
    watched = [conn]
    try:
        watched.append(os.pidfd_open(pid))  # readable when the kernel exits (Linux 5.3+)
    except (AttributeError, OSError):
        pass
    while True:
        ready, _, _ = select.select(watched, [], [])
        if any(w is not conn for w in ready):
            return 0
        if conn in ready and not conn.recv(64):
            return 0  # the kernel (the socket's only other holder) has exited


if __name__ == "__main__":
    sys.exit(main())
