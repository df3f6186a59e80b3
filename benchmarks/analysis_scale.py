"""Benchmark the rate analysis at the size of a large group: validate, load and analyse end to end.

Run: ``.venv/bin/python benchmarks/analysis_scale.py [--repeat 3] [--legacy-repeat 1] [--rows 1000000]``

The script writes a temporary client folder (CSV): 25 payers x 3,000 real codes paid under the
2025D Medicare Physician Fee Schedule at Springfield, IL (locality 06102-99; status A, with a
non-facility or a facility amount), in four header
styles, half of them with dollar strings (``"$1,234.50"``); one payer's file gives a ``% of
Medicare`` column for half its codes; one payer adds a whole-payer ``contract:`` (120% of
Medicare) to a short carve-out file; and 1,000,000 utilization rows spelling payers through their
aliases, in a facility place of service (POS 22) for codes Medicare pays only there and for 10% of
the others that have a facility amount.

It times, as medians over ``--repeat`` runs (target: validate + analyse under 5 s):

1. ``validate``: :func:`ratekit.validate.validate_client_dir` (client.yaml, every file, Medicare);
2. ``analyse``: :func:`ratekit.analysis.analyse` (load again, price, compare, payer index, gaps,
   code gaps, priority, below Medicare) plus the what-if and the below-Medicare summary;
3. the loading alone (:func:`ratekit.feeschedules.read_client`) against the row-by-row loader this
   kit had before (commit 978396b, kept below only for this comparison). The old loader does
   less (no percent-of-Medicare pricing, settings, effective dates or Medicare checks), so the
   ratio understates the speed-up.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ratekit import benchmark, feeschedules, medicare
from ratekit.analysis import analyse
from ratekit.client import Client, load_client, normalise_name
from ratekit.errors import Problem, RatekitError
from ratekit.feeschedules import clean_code, parse_money
from ratekit.validate import validate_client_dir
from _timing import timed  # benchmarks/_timing.py (scripts run with benchmarks/ on sys.path)

RELEASE = "2025D"
LOCALITY = "06102-99"
N_PAYERS = 25
N_CODES = 3000
_STYLES = (("code", "modifier", "rate"), ("CPT/HCPCS", "Mod", "Allowed"), ("Proc Code", "Modifier", "Fee"),
           ("HCPCS", "MOD", "Contract Rate"))


def write_large_client(root: Path, *, rows: int = 1_000_000, seed: int = 1) -> str:
    """Write the large synthetic client under ``root`` and return its id."""
    rng = np.random.default_rng(seed)
    prices = medicare.price(RELEASE, localities=[LOCALITY])
    paid = prices[(prices["modifier"] == "") & (prices["status"] == "A")
                  & (prices["nonfacility_amount"].gt(0) | prices["facility_amount"].gt(0))]
    chosen = paid.iloc[np.sort(rng.choice(len(paid), size=N_CODES, replace=False))]
    codes = chosen["hcpcs"].to_numpy()
    facility_only = chosen["nonfacility_amount"].isna().to_numpy()  # e.g. surgery: Medicare pays it in a facility
    has_facility = chosen["facility_amount"].notna().to_numpy()
    nf = chosen["nonfacility_amount"].fillna(chosen["facility_amount"]).to_numpy()
    folder = root / "large-group"
    (folder / "fee_schedules").mkdir(parents=True, exist_ok=True)
    kinds = ["commercial"] * 18 + ["medicare_advantage"] * 4 + ["medicaid_managed_care"] * 3
    payers = []
    for i in range(N_PAYERS):
        name = f"Synthetic Payer {i + 1:02d}"
        file = f"fee_schedules/payer-{i + 1:02d}.csv"
        style = _STYLES[i % len(_STYLES)]
        multiple = {"commercial": 1.3, "medicare_advantage": 0.98, "medicaid_managed_care": 0.7}[kinds[i]]
        rate = np.round(nf * multiple * rng.lognormal(0, 0.08, size=N_CODES), 2)
        shown = [f"${r:,.2f}" for r in rate] if i % 2 else [f"{r:.2f}" for r in rate]
        table = pd.DataFrame({style[0]: codes, style[1]: "", style[2]: shown})
        entry = {"name": name, "kind": kinds[i], "patients": int(rng.integers(200, 5000)), "fee_schedule": file,
                 "aliases": [f"SP{i + 1:02d}", f"{name.upper()} OF ILLINOIS"]}
        if i == 5:  # a percent-of-Medicare column for half the codes
            table[style[2]] = np.where(np.arange(N_CODES) % 2 == 0, table[style[2]], "")
            table["% of Medicare"] = np.where(np.arange(N_CODES) % 2 == 0, "", "125%")
        if i == 6:  # a whole-payer contract with a short carve-out file
            table = table.iloc[:50]
            entry["contract"] = {"percent_of_medicare": 120}
        table.to_csv(folder / file, index=False)
        payers.append(entry)
    spellings = np.array([[p["name"], p["aliases"][0], p["aliases"][1], p["name"].lower()] for p in payers])
    who = rng.integers(0, N_PAYERS, size=rows)
    how = rng.choice(4, size=rows, p=[0.7, 0.1, 0.1, 0.1])
    which = rng.integers(0, N_CODES, size=rows)
    util = pd.DataFrame({"payer": spellings[who, how], "code": codes[which], "modifier": "",
                         "pos": np.where(facility_only[which] | (has_facility[which] & (rng.random(rows) < 0.1)),
                                         "22", "11"),
                         "units": rng.integers(1, 20, size=rows)})
    util.to_csv(folder / "utilization.csv", index=False)
    client = {"name": "Large Group (synthetic)", "synthetic": True, "specialty": "internal_medicine",
              "location": {"zip": "62704"}, "benchmark_year": 2025, "medicare_release": RELEASE,
              "utilization": "utilization.csv", "payers": payers}
    (folder / "client.yaml").write_text(yaml.safe_dump(client, sort_keys=False), encoding="utf-8")
    return folder.name


# --- the row-by-row loader of commit 978396b (ratekit/feeschedules.py), CSV path only ---------------
# Its per-cell parsers were the library's clean_code and parse_money, which have not changed: they are used
# as they are; what differs is the loop over rows.

_L_SYNONYMS = {
    "hcpcs": ("code", "cpt", "hcpcs", "cpt hcpcs", "hcpcs code", "cpt code", "proc code", "procedure code",
              "procedure", "service code"),
    "modifier": ("mod", "modifier", "mod1", "modifier 1"),
    "rate": ("rate", "fee", "allowed", "allowed amount", "contract rate", "amount", "fee amount", "payment",
             "contracted rate"),
    "payer": ("payer", "payor", "plan", "insurance", "carrier", "payer name"),
    "units": ("units", "volume", "count", "services", "units billed", "annual units"),
}
_L_CODE = re.compile(r"^(?:\d{4}[0-9FTU]|[A-V]\d{4})$")
_L_MODIFIER = re.compile(r"^(?:[0-9A-Z]{2})?$")


def _l_find_columns(headers):
    found = {}
    for header in headers:
        key = re.sub(r"[^a-z0-9]+", " ", str(header).lower()).strip()
        for field, names in _L_SYNONYMS.items():
            if field not in found and key in names:
                found[field] = header
    return found


def _l_read_fee_schedule(path, *, payer, fname):
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    cols = _l_find_columns(list(table.columns))
    if "rate" not in cols:
        raise RatekitError(Problem(fname, "no rate column"))
    problems, rows = [], []
    for i, record in enumerate(table.to_dict("records")):
        row = i + 2
        raw_code, raw_rate = record[cols["hcpcs"]], record[cols["rate"]]
        raw_mod = record.get(cols["modifier"], "") if "modifier" in cols else ""
        if all(pd.isna(v) or str(v).strip() == "" for v in (raw_code, raw_rate)):
            continue
        code = clean_code(raw_code)
        mod = "" if pd.isna(raw_mod) else str(raw_mod).strip().upper()
        if not _L_CODE.match(code):
            problems.append(Problem(fname, "not a CPT/HCPCS code", row=row, value=raw_code))
            continue
        if not _L_MODIFIER.match(mod):
            problems.append(Problem(fname, "a modifier is two letters or digits", row=row, value=raw_mod))
            continue
        rate = parse_money(raw_rate)
        if rate is None:
            problems.append(Problem(fname, "the rate is not a number", row=row, value=raw_rate))
            continue
        if rate < 0:
            problems.append(Problem(fname, "the rate is negative", row=row, value=raw_rate))
            continue
        rows.append((payer, code, mod, rate, fname, row))
    rates = pd.DataFrame(rows, columns=["payer", "hcpcs", "modifier", "rate", "file", "row"])
    key = ["payer", "hcpcs", "modifier"]
    repeated = rates.duplicated(key, keep=False)
    if repeated.any():
        for _, group in rates[repeated].groupby(key, sort=False):
            problems.append(Problem(fname, "duplicate", row=int(group["row"].iloc[1])))
        rates = rates[~rates.duplicated(key, keep="first")].reset_index(drop=True)
    return rates, problems


def legacy_load(client: Client) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The old load_rates + load_utilization (row by row), errors collected but not raised."""
    frames = []
    for payer in client.payers:
        fname = f"{client.client_id}/{payer.fee_schedule_file}"
        try:
            rates, _ = _l_read_fee_schedule(client.path(payer.fee_schedule_file), payer=payer.name, fname=fname)
            frames.append(rates)
        except RatekitError:
            continue
    rates = pd.concat(frames, ignore_index=True)
    table = pd.read_csv(client.path(client.utilization), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    cols = _l_find_columns(list(table.columns))
    lookup = {normalise_name(label): p.name for p in client.payers for label in (p.name, *p.aliases)}
    problems, rows = [], []
    for i, record in enumerate(table.to_dict("records")):
        row = i + 2
        raw_payer = record[cols["payer"]]
        payer = lookup.get(normalise_name(raw_payer))
        if payer is None:
            problems.append(Problem("u", "unknown payer", row=row, value=raw_payer))
            continue
        code = clean_code(record[cols["hcpcs"]])
        if not _L_CODE.match(code):
            problems.append(Problem("u", "not a CPT/HCPCS code", row=row))
            continue
        raw_mod = record.get(cols["modifier"], "") if "modifier" in cols else ""
        mod = "" if pd.isna(raw_mod) else str(raw_mod).strip().upper()
        units = parse_money(record[cols["units"]])
        if units is None or units < 0:
            problems.append(Problem("u", "units", row=row))
            continue
        rows.append((payer, code, mod, units))
    util = pd.DataFrame(rows, columns=["payer", "hcpcs", "modifier", "units"])
    util = util.groupby(["payer", "hcpcs", "modifier"], as_index=False, sort=False)["units"].sum()
    return rates, util


# --- timing ----------------------------------------------------------------------------------------

def _fmt(times: list[float]) -> str:
    return f"median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, n={len(times)})"


def main(argv: list[str] | None = None) -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--legacy-repeat", type=int, default=1, help="runs of the old loader (0 to skip)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="ratekit-scale-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        client_id = write_large_client(root, rows=args.rows)
        print(f"wrote {N_PAYERS} payers x {N_CODES:,} codes and {args.rows:,} utilization rows "
              f"in {time.perf_counter() - start:.1f} s")
        medicare.load_release(RELEASE)  # the engine's own load is benchmarked in medicare_pricing.py

        t_validate, report = timed(lambda: validate_client_dir(root / client_id), args.repeat)
        assert report.ok, report.text()

        def full():
            a = analyse(client_id, root)
            benchmark.what_if(a.comparison, {p: 0.05 for p in a.index["payer"]})
            benchmark.below_medicare_summary(a.comparison)
            return a

        t_analyse, result = timed(full, args.repeat)
        client = load_client(client_id, root)
        t_load, inputs = timed(lambda: feeschedules.read_client(client), args.repeat)
        end_to_end = [v + a for v, a in zip(t_validate, t_analyse, strict=True)]
        print(f"validate ({len(report.warnings)} warnings): {_fmt(t_validate)}")
        print(f"analyse (load + compare, index, gaps, code gaps, priority, below Medicare, what-if): {_fmt(t_analyse)}")
        print(f"validate + analyse end to end: {_fmt(end_to_end)}; target < 5 s: "
              f"{'met' if statistics.median(end_to_end) < 5 else 'NOT met'}")
        print(f"  {len(result.comparison):,} payer x code rows, {len(result.index)} payers, "
              f"{int((result.rates['rate_basis'] == 'pct_of_medicare').sum()):,} percent-of-Medicare rates priced, "
              f"${result.total_gap:,.0f} a year to the median payer")
        print(f"load only (read_client): {_fmt(t_load)}")
        if args.legacy_repeat > 0:
            t_old, _ = timed(lambda: legacy_load(client), args.legacy_repeat)
            ratio = statistics.median(t_old) / statistics.median(t_load)
            best = min(t_old) / min(t_load)
            print(f"old row-by-row loader (978396b): {_fmt(t_old)}; the vectorised loader is {ratio:.1f}x faster "
                  f"(medians; {best:.1f}x best against best)")


if __name__ == "__main__":
    main()
