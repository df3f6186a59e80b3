"""Small clients for the leverage model's tests, built in memory (or as a tiny folder for the loader paths)."""

from __future__ import annotations

from pathlib import Path

import yaml

from ratekit.client import Client, Payer, load_client

#: CPI-U medical care annual averages (BLS CUUR0000SAM) as shipped: facts/cpi_medical_care.csv
CPI = {2006: 336.2, 2012: 414.924, 2017: 475.322, 2018: 484.707, 2019: 498.413, 2022: 546.553, 2024: 563.841}


def demo_client(tmp_path: Path | None = None, *, payers=(("Acme", 1000, {}),), conditions=None, features=(),
                assumptions=None, diagnoses=None, county_fips=None) -> Client:
    """A validated-shape Client built in memory (the panel and the model need no files unless diagnoses).

    ``payers`` holds ``(name, patients, {condition: count})`` per payer, all commercial.
    """
    return Client(
        client_id="demo", root=tmp_path or Path("/nonexistent"), name="Demo Family Medicine",
        specialty="family_medicine", synthetic=True, benchmark_year=2025,
        payers=tuple(Payer(name=n, kind="commercial", patients=m, fee_schedule=f"fee_schedules/{i}.csv",
                           conditions=dict(c)) for i, (n, m, c) in enumerate(payers)),
        utilization="utilization.csv", county_fips=county_fips, access_features=tuple(features),
        conditions=dict(conditions or {}), diagnoses=diagnoses, assumptions=dict(assumptions or {}),
    )


def write_demo_client(tmp_path: Path, **overrides) -> Client:
    """Write a minimal client folder (client.yaml, fee schedules, utilization) and load it."""
    folder = tmp_path / "demo"
    (folder / "fee_schedules").mkdir(parents=True)
    for name in ("acme", "bolt"):
        (folder / "fee_schedules" / f"{name}.csv").write_text("code,allowed\n99213,100.00\n")
    (folder / "utilization.csv").write_text("code,payer,units\n99213,Acme,10\n")
    raw = {
        "name": "Demo Family Medicine", "specialty": "family_medicine", "synthetic": True,
        "location": {"zip": "62704", "county_fips": "17167"}, "benchmark_year": 2025,
        "payers": [
            {"name": "Acme", "kind": "commercial", "patients": 600, "fee_schedule": "fee_schedules/acme.csv"},
            {"name": "Bolt", "kind": "medicaid_managed_care", "patients": 400,
             "fee_schedule": "fee_schedules/bolt.csv"},
        ],
        "utilization": "utilization.csv", "access_features": ["after_hours_line"],
        "conditions": {"diabetes": 100},
    }
    raw.update(overrides.pop("raw", {}))
    (folder / "client.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return load_client("demo", tmp_path)
