"""835 read + balance speed and memory: ``ratekit.remit`` against ``edi-835-parser`` on the same files.

Generates (in a temporary folder) ten synthetic 835 files of 100,000 service lines, one ST...SE transaction
each (edi-835-parser reads one payer per file), in 1-6-line claims, each line with DTM*472, two CAS, REF*6R
and AMT*B6. ratekit reads and balances all ten (``read_remittances``: every line, claim and payment checked
in cents: 1,000,000 lines) in its own process, and three of them (300,000 lines: peak RSS for two sizes).
edi-835-parser (``parse(path).to_dataframe()``, in its own venv, see requirements-baseline.txt) reads the
first file only: it is too slow for the million (about 8,000 lines/s), so its lines/s on that subset is the
ratio's denominator (at 10,000 lines it ran ~14,000 lines/s, at 100,000 ~8,000: its throughput falls with
size, so the subset flatters it).

    .venv/bin/python benchmarks/remit_parse.py            # ~1 minute
    .venv/bin/python benchmarks/remit_parse.py --quick    # one file (100,000 lines) for ratekit too

Prints lines/s, MB/s, the ratio and peak RSS of each run (each in a fresh process).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
PER_FILE = 100_000  # service lines per generated file (one ST...SE transaction each)
BASELINE_VENV = HERE / ".venv-baseline"

_RATEKIT = """
import json, resource, sys, time
from ratekit.remit import read_remittances
t = time.perf_counter(); c = time.process_time()
r = read_remittances(sys.argv[1:])
wall, cpu = time.perf_counter() - t, time.process_time() - c
ok = bool(r.balanced and r.ok)
print(json.dumps({"lines": len(r.lines), "wall": wall, "cpu": cpu, "ok": ok,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_BASELINE = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
import edi_835_parser
t = time.perf_counter(); c = time.process_time()
df = edi_835_parser.parse(sys.argv[1]).to_dataframe()
wall, cpu = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"lines": len(df), "wall": wall, "cpu": cpu,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _baseline_python() -> Path:
    python = BASELINE_VENV / "bin" / "python"
    if not python.exists():
        venv.create(BASELINE_VENV, with_pip=True)
        pip = [str(python), "-m", "pip", "install", "--quiet"]
        subprocess.run(pip + ["-r", str(HERE / "requirements-baseline.txt")], check=True)
        subprocess.run(pip + ["--no-deps", "edi-835-parser==1.8.0"], check=True)
    return python


def _run(python: Path | str, code: str, paths: list[Path]) -> dict:
    out = subprocess.run([str(python), "-c", code, *map(str, paths)], check=True, capture_output=True, text=True,
                         cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _show(name: str, res: dict, size: int) -> None:
    rate = res["lines"] / res["wall"]
    print(f"{name:<34} {res['lines']:>9,} lines  {res['wall']:7.2f} s wall  {res['cpu']:7.2f} s CPU  "
          f"{rate:>10,.0f} lines/s  {size / 1e6 / res['wall']:7.1f} MB/s  peak RSS {res['rss_mb']:6.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one file (100,000 lines) for ratekit as well")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from _remit_gen import write_835

    n_files = [1] if args.quick else [10, 3]  # files of 100,000 lines: 1,000,000 and 300,000 lines
    with tempfile.TemporaryDirectory(prefix="remit_bench_") as tmp:
        files = []
        for i in range(max(n_files)):
            path = Path(tmp) / f"remit_{i}.835"
            write_835(path, PER_FILE, seed=i)
            files.append(path)
        print(f"load average {os.getloadavg()[0]:.1f} (2 cores, shared)")
        results = {}
        for k in n_files:
            res = _run(sys.executable, _RATEKIT, files[:k])
            assert res["ok"] and res["lines"] == k * PER_FILE, res
            results[k] = res
            _show(f"ratekit read+balance ({k} file(s))", res, sum(f.stat().st_size for f in files[:k]))
        base = _run(_baseline_python(), _BASELINE, files[:1])
        _show("edi-835-parser 1.8.0 (1 file)", base, files[0].stat().st_size)
        big = n_files[0]
        rate = results[big]["lines"] / results[big]["wall"]
        print(f"ratio: {rate / (base['lines'] / base['wall']):.1f}x the lines/s of edi-835-parser; "
              f"1,000,000 lines in {1e6 / rate:.1f} s")


if __name__ == "__main__":
    main()
