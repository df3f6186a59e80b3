"""Benchmark the Medicare PFS engine: every amount of a release, and one client's lookup.

Run: ``.venv/bin/python benchmarks/medicare_pricing.py [--release 2025D] [--repeat 7]``

1. Full release: load the release from the shipped compact form (cache cleared first, so the
   compact files are read and parsed every time) and price every code and modifier at every
   locality in both settings. Target: under 2 seconds.
2. One client: 30 codes at one locality from the cached release (what a percent-of-Medicare
   caller does per client). Target: instant (milliseconds).
3. Reconcile: CMS's PFREV26B.txt (8,066 published amounts) read and checked against 2026C, when the
   raw public files are present (``config.PUBLIC_PFS_DIR``).

Medians over the repetitions are printed, with the range.
"""

from __future__ import annotations

import argparse
import statistics

from ratekit import config, medicare
from _timing import timed  # benchmarks/_timing.py (scripts run with benchmarks/ on sys.path)

CLIENT_CODES = [
    "99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215", "99395",
    "99396", "99397", "G0438", "G0439", "93000", "36415", "81002", "90471", "96372", "11102",
    "17000", "17003", "17110", "11900", "69210", "94010", "93005", "20610", "71046", "99283",
]


def main(argv: list[str] | None = None) -> None:
    """Print the two figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default="2025D")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--locality", default="01112-05")
    args = parser.parse_args(argv)

    def full():
        medicare.clear_cache()
        return medicare.price(args.release)

    full()  # warm the interpreter (imports, numpy kernels); the timed runs still reload the release
    times, table = timed(full, args.repeat)
    slots = 2 * len(table)
    amounts = int(table["nonfacility_amount"].notna().sum() + table["facility_amount"].notna().sum())
    print(f"full release {args.release}: {len(table):,} rows x 2 settings = {slots:,} amounts "
          f"({amounts:,} payable, the rest NA/unpaid), {table['locality_id'].nunique()} localities, "
          f"load + price median {statistics.median(times):.3f} s "
          f"(min {min(times):.3f}, max {max(times):.3f}, n={args.repeat}; target < 2 s)")

    medicare.load_release(args.release)
    times, one = timed(lambda: medicare.price(args.release, localities=[args.locality], codes=CLIENT_CODES),
                        max(args.repeat, 50))
    print(f"one client {args.locality}, {len(CLIENT_CODES)} codes ({len(one)} rows): median "
          f"{statistics.median(times) * 1000:.2f} ms (min {min(times) * 1000:.2f}, max {max(times) * 1000:.2f}, "
          f"n={max(args.repeat, 50)}; release cached)")

    pfrev = config.PUBLIC_PFS_DIR / "2026B" / "PFREV26B.txt"
    if pfrev.is_file():
        medicare.load_release("2026C")
        times, result = timed(lambda: medicare.reconcile(pfrev), args.repeat)
        print(f"reconcile {pfrev.name} against 2026C: {result.matched:,}/{result.amounts:,} amounts match; median "
              f"{statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f}, n={args.repeat})")
    else:
        print(f"reconcile: skipped, {pfrev} not found (set RATEKIT_PUBLIC_DATA)")


if __name__ == "__main__":
    main()
