"""Ingest speed and memory: ``ratekit.market.ingest`` against a plain ijson pipeline, on one synthetic TiC file.

Generates (once; reused from ``--data-dir``) a synthetic v2 in-network file of at least 2 GB of JSON, gzip'd:
every code the 2025D PFS prices in the office (3,326 codes), 30,000 provider groups, ~1,000 negotiated
rates per code pointing at 40 groups each; the same content twice, with ``provider_references`` at the
start and at the end. Each file is ingested filtered to 50 codes by ratekit and, in the same run, by
``ijson.items(f, "in_network.item")`` (yajl2_c backend) applying the same filter. Every method runs in
its own process (so peak RSS is its own). A quarter-size file checks that memory stays flat.

    .venv/bin/python benchmarks/market_ingest.py            # ~2 GB files; about 10 minutes here
    .venv/bin/python benchmarks/market_ingest.py --quick    # ~200 MB, a minute

Prints MB of JSON per second (wall and CPU, timed from the call: imports are once per process and printed
apart), the ratio to the baseline, peak RSS, and the load average (the machine is shared: compare the ratio,
measured in the same run, more than absolute MB/s).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_GROUPS = 30_000
REFS_PER_RATE = 40
BYTES_PER_RATE = 440  # about, with the defaults of synthetic.large_items


def _codes() -> dict[str, float]:
    from ratekit import medicare

    table = medicare.price("2025D", localities=["01112-05"])
    table = table[(table["modifier"] == "") & table["nonfacility_amount"].notna()]
    return dict(zip(table["hcpcs"], table["nonfacility_amount"], strict=True))


def _generate(path: Path, codes: dict[str, float], *, rates_per_item: int, references_at: str) -> None:
    from ratekit.market import synthetic

    spec = synthetic.MarketSpec(base_amounts={}, payer="Benchmark Health Plan")
    synthetic.write_in_network(
        path, header=synthetic.header_for(spec),
        items=synthetic.large_items(codes, n_groups=N_GROUPS, rates_per_item=rates_per_item,
                                    refs_per_rate=REFS_PER_RATE, seed=7),
        references=synthetic.large_references(N_GROUPS, seed=7), references_at=references_at)


def _files(data_dir: Path, size_gb: float) -> tuple[list[tuple[str, Path]], list[str]]:
    codes = _codes()
    names = list(codes)
    wanted = names[:: max(1, len(names) // 50)][:50]
    rates_per_item = max(10, math.ceil(size_gb * 1e9 / (len(codes) * BYTES_PER_RATE)))
    quarter = dict(list(codes.items())[: len(codes) // 4])
    plan = [(f"refs at start, {size_gb:g} GB", f"v2-start-{size_gb:g}gb-r{rates_per_item}.json.gz", codes, "start"),
            (f"refs at end, {size_gb:g} GB", f"v2-end-{size_gb:g}gb-r{rates_per_item}.json.gz", codes, "end"),
            (f"refs at start, {size_gb / 4:g} GB", f"v2-start-quarter-{size_gb:g}gb-r{rates_per_item}.json.gz",
             quarter, "start")]
    data_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for label, name, which, at in plan:
        path = data_dir / name
        if not path.exists():
            t = time.perf_counter()
            print(f"generating {path} ...", file=sys.stderr, flush=True)
            _generate(path, which, rates_per_item=rates_per_item, references_at=at)
            print(f"  {path.stat().st_size / 1e6:,.0f} MB gzip'd in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        out.append((label, path))
    return out, wanted


# --- the two methods, each run in a child process ---------------------------------------------------

def _child_ratekit(path: Path, codes: list[str]) -> dict:
    from ratekit.market import ingest

    with tempfile.TemporaryDirectory(prefix="rk-bench-") as out:
        report = ingest.ingest([path], out, codes=codes)
        result = report.results[0]
        if result.status != "ok":
            raise SystemExit(report.text())
        m = result.manifest
        return {"json_bytes": m["json_bytes"], "prices": m["rates_kept"], "items": m["items_kept"]}


def _child_ijson(path: Path, codes: list[str]) -> dict:
    import ijson
    from isal import igzip

    wanted = set(codes)
    prices = items = 0
    with igzip.open(path, "rb") as f:
        for item in ijson.items(f, "in_network.item"):
            if str(item.get("billing_code")) in wanted:
                items += 1
                for rate in item.get("negotiated_rates", ()):
                    for price in rate.get("negotiated_prices", ()):
                        if price.get("billing_class") in ("professional", "both"):
                            prices += 1
        json_bytes = f.tell()
    return {"json_bytes": json_bytes, "prices": prices, "items": items, "backend": ijson.backend}


def _child(method: str, path: str, codes: list[str]) -> None:
    # imported before the clock starts: once per process, not per file (ratekit's 0.9 s of CPU is mostly
    # pandas, which ratekit.feeschedules imports and the ingest uses only for FACILITY_POS)
    start = time.process_time()
    if method == "ratekit":
        import ratekit.market.ingest  # noqa: F401
    else:
        import ijson  # noqa: F401
        from isal import igzip  # noqa: F401
    imports = time.process_time() - start
    wall, cpu = time.perf_counter(), time.process_time()
    result = (_child_ratekit if method == "ratekit" else _child_ijson)(Path(path), codes)
    result.update(wall=time.perf_counter() - wall, cpu=time.process_time() - cpu, import_cpu=imports,
                  rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))


def _run(method: str, path: Path, codes: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", method, str(path), *codes],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{method} failed on {path}:\n{done.stderr}{done.stdout}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~0.2 GB files instead of 2 GB")
    parser.add_argument("--size-gb", type=float, default=None, help="GB of JSON per file (default 2.1)")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "ratekit-bench-market",
                        help="where the generated files are kept and reused")
    parser.add_argument("--no-baseline", action="store_true", help="skip the ijson baseline")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], args.child[1], args.child[2:])
        return
    size = args.size_gb or (0.2 if args.quick else 2.1)
    files, codes = _files(args.data_dir, size)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    print(f"{'file':<26} {'method':<8} {'JSON MB':>8} {'wall s':>7} {'MB/s':>6} {'CPU s':>7} {'MB/s CPU':>8} "
          f"{'RSS MB':>7} {'prices':>8}", flush=True)
    summary = []
    for label, path in files:
        ours = _run("ratekit", path, codes)
        rows = [("ratekit", ours)]
        base = None
        if not args.no_baseline and "quarter" not in path.name:
            base = _run("ijson", path, codes)
            rows.append(("ijson", base))
            if base["prices"] != ours["prices"]:
                raise SystemExit(f"the methods disagree on {path.name}: {ours['prices']} vs {base['prices']} prices")
        for method, r in rows:
            mb = r["json_bytes"] / 1e6
            print(f"{label:<26} {method:<8} {mb:>8,.0f} {r['wall']:>7.1f} {mb / r['wall']:>6.0f} {r['cpu']:>7.1f} "
                  f"{mb / r['cpu']:>8.0f} {r['rss_mb']:>7.0f} {r['prices']:>8,}", flush=True)
        if base:
            summary.append((label, base["wall"] / ours["wall"], base["cpu"] / ours["cpu"]))
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"imports before the clock, CPU s: ratekit {ours['import_cpu']:.2f}"
          + (f", ijson {base['import_cpu']:.2f}" if base else ""))
    for label, wall, cpu in summary:
        print(f"ratio ({label}): {wall:.1f}x the baseline's throughput (wall), {cpu:.1f}x (CPU)")


if __name__ == "__main__":
    main()
