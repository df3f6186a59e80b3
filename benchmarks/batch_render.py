"""Benchmark batch rendering: ``ratekit render --all`` against a naive papermill + nbconvert loop.

Run: ``.venv/bin/python benchmarks/batch_render.py [--clients 24] [--seed 2025] [--jobs N] [--no-plain]``

Writes ``--clients`` synthetic clients with the sample generator into a temporary
folder, then renders every one of them three ways, in this one run:

1. **naive loop**: per client, the ``papermill`` CLI (executes the notebook in a new
   kernel) then the ``jupyter nbconvert --to html`` CLI, one client after another:
   what an analyst would script first;
2. **render, plain kernels**: ``ratekit render --all --no-preload``: one process,
   ``--jobs`` clients at a time, each in a kernel started the ordinary way;
3. **render**: ``ratekit render --all``: the same, each client's kernel forked from a
   server that imported the report's libraries once (the default). It runs twice, before
   and after the others, and the ratio takes the mean: this machine's speed drifts by
   several percent over the minutes the naive loop takes.

Every client gets a brand-new kernel in all three. For each, it prints the seconds
per report (wall time / clients) and two memory figures:

* **peak tree PSS**: the largest sum of the proportional set size (resident memory,
  pages shared between processes split between them) of every process under this
  script (the CLIs, the render process, kernels, fork server), sampled every 0.2 s
  from /proc: what the machine must hold at once;
* **largest process**: the largest resident size of any single child process
  (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of a fresh helper process per method).

It also prints the CPU seconds per report (all processes of the method) and the
**other load**: the machine's busy CPU time from /proc/stat not spent by the method,
as cores on average, so a run disturbed by other work shows it.

Target (issue 6): the default ``render`` at least 8x the naive loop's throughput on
a 2-core machine. Other load on the machine slows both; the ratio is measured in
the same run to keep that fair, but run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ratekit import config
from ratekit.render import default_jobs
from ratekit.sample import write_sample

BIN = Path(sys.executable).parent


def _pss(pid: int) -> int | None:
    """Proportional set size in bytes (shared pages split between their sharers), or None."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _tree_memory(root_pid: int) -> int:
    """Bytes of memory of ``root_pid``'s descendants (not itself): PSS where known, else RSS.

    PSS, not RSS: kernels forked from one server share its pages, and summing
    their RSS would count those pages once per kernel.
    """
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(stat[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(stat[21]) * page
    total, todo = 0, list(children.get(root_pid, []))
    while todo:
        pid = todo.pop()
        pss = _pss(pid)
        total += pss if pss is not None else rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


class PeakMemory:
    """Sample the memory of this process's descendants in a thread; ``peak`` is the largest sum seen."""

    def __init__(self, interval: float = 0.2):
        # Each sample reads /proc/<pid>/smaps_rollup of every process under us, which costs the kernel a walk of
        # its page tables: at 50 ms the sampler took ~0.1-0.2 of a core, from the method using both cores.
        self.interval, self.peak = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_memory(me))
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


_HELPER = r"""
import json, resource, subprocess, sys, time
commands = json.loads(sys.argv[1])
start = time.perf_counter()
failed = 0
for cmd in commands:
    failed += subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": time.perf_counter() - start, "failed": failed, "maxrss_kb": usage.ru_maxrss,
                  "cpu": usage.ru_utime + usage.ru_stime}))
"""


def _busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all processes, all cores) since boot, from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _measure(commands: list[list[str]]) -> dict:
    """Run ``commands`` one after another in a helper process; time them, watch memory and other load."""
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    busy = _busy_cpu_seconds()
    with PeakMemory() as memory:
        out = subprocess.run([sys.executable, "-c", _HELPER, json.dumps(commands)], env=env, check=True,
                             capture_output=True, text=True).stdout
    busy = _busy_cpu_seconds() - busy
    result = json.loads(out)
    result["peak_tree_mb"] = memory.peak / 2**20
    # Other processes' CPU meanwhile (this script's sampler included, ~1%), as cores busy on average.
    result["other_cores"] = max(0.0, busy - result["cpu"]) / result["seconds"]
    return result


def naive_commands(clients: list[str], root: Path, out: Path) -> list[list[str]]:
    """Per client: the papermill CLI, then the nbconvert CLI."""
    commands = []
    for client_id in clients:
        folder = out / client_id
        folder.mkdir(parents=True, exist_ok=True)
        executed = folder / "client_report.ipynb"
        commands.append([str(BIN / "papermill"), str(config.CLIENT_REPORT_NOTEBOOK), str(executed),
                         "-p", "client_id", client_id, "-p", "clients_root", str(root),
                         "-p", "output_dir", str(folder), "--no-progress-bar", "--cwd", str(config.PROJECT_ROOT)])
        commands.append([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(executed)])
    return commands


def render_command(root: Path, out: Path, jobs: int | None, *, preload: bool = True) -> list[str]:
    """``ratekit render --all`` over ``root``."""
    cmd = [str(BIN / "ratekit"), "render", "--all", "--root", str(root), "--out", str(out)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    if not preload:
        cmd.append("--no-preload")
    return cmd


def _check(out: Path, clients: list[str], html_name: str) -> int:
    missing = [c for c in clients if not (out / c / html_name).is_file()]
    if missing:
        print(f"  !! {len(missing)} clients have no HTML: {', '.join(missing[:5])}")
    return len(missing)


NAIVE = "naive loop (papermill CLI + nbconvert CLI)"
BEFORE = "ratekit render --all (before the naive loop)"
AFTER = "ratekit render --all (after it)"


def main(argv: list[str] | None = None) -> int:
    """Print seconds per report, throughput ratio and peak memory; exit 1 if a render failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=24, help="sample clients to render (default 24)")
    parser.add_argument("--seed", type=int, default=2025, help="sample generator seed")
    parser.add_argument("--jobs", type=int, default=None, help="ratekit render --jobs (default: cores)")
    parser.add_argument("--no-plain", action="store_true", help="skip `render --no-preload`")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="rk-bench-") as tmp:
        root = Path(tmp) / "clients"
        clients = sorted(p.name for p in write_sample(root, clients=args.clients, seed=args.seed))
        cores = len(os.sched_getaffinity(0))
        print(f"{len(clients)} sample clients (seed {args.seed}); {cores} cores; "
              f"render --jobs {args.jobs or default_jobs()}; load average before: {os.getloadavg()[0]:.2f}")
        runs = {}
        failures = 0
        # render --all runs before and after the naive loop, and the ratio takes their mean: this machine's speed
        # drifts by several percent over the minutes the naive loop takes.
        runs[BEFORE] = _measure([render_command(root, Path(tmp) / "batch", args.jobs)])
        failures += _check(Path(tmp) / "batch", clients, "client_report.html")
        runs[NAIVE] = _measure(naive_commands(clients, root, Path(tmp) / "naive"))
        failures += _check(Path(tmp) / "naive", clients, "client_report.html")
        if not args.no_plain:
            runs["ratekit render --all --no-preload"] = _measure(
                [render_command(root, Path(tmp) / "plain", args.jobs, preload=False)])
            failures += _check(Path(tmp) / "plain", clients, "client_report.html")
        runs[AFTER] = _measure([render_command(root, Path(tmp) / "batch2", args.jobs)])
        failures += _check(Path(tmp) / "batch2", clients, "client_report.html")

        n = len(clients)
        print(f"\n{'method':46} {'s/report':>9} {'reports/min':>12} {'CPU s/report':>13} "
              f"{'peak tree PSS':>14} {'largest process':>16} {'other load':>11}")
        for name, r in runs.items():
            print(f"{name:46} {r['seconds'] / n:9.2f} {60 * n / r['seconds']:12.1f} {r['cpu'] / n:13.2f} "
                  f"{r['peak_tree_mb']:11.0f} MB {r['maxrss_kb'] / 1024:13.0f} MB {r['other_cores']:6.2f} cores")
        naive = runs[NAIVE]["seconds"]
        if "ratekit render --all --no-preload" in runs:
            plain = runs["ratekit render --all --no-preload"]["seconds"]
            print(f"throughput ratio, ratekit render --all --no-preload / naive loop: {naive / plain:.1f}x")
        before, after = runs[BEFORE]["seconds"], runs[AFTER]["seconds"]
        print(f"throughput ratio, ratekit render --all / naive loop: {naive / ((before + after) / 2):.1f}x "
              f"(with the run before the naive loop: {naive / before:.1f}x, after it: {naive / after:.1f}x)")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        if max(r["other_cores"] for r in runs.values()) > 0.25:
            print("note: other processes kept part of the machine busy during the run ('other load'); "
                  "the parallel render suffers more from that than the one-core naive loop, so the ratio is "
                  "understated. Rerun on a quiet machine.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
