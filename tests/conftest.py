"""Shared fixtures: headless charts, closed figures, and small client folders built in code."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

from pathlib import Path  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def write_client(root: Path, client_id: str = "tiny", *, yaml_data: dict | None = None,
                 fee_schedules: dict[str, str] | None = None, utilization: str | None = None) -> Path:
    """Write a small client folder under ``root`` and return it.

    The defaults describe a two-payer practice in Springfield, IL (ZIP 62704).
    ``fee_schedules`` maps a file name (relative to the folder) to its text.
    """
    folder = root / client_id
    (folder / "fee_schedules").mkdir(parents=True, exist_ok=True)
    data = {
        "name": "Tiny Clinic (synthetic)",
        "synthetic": True,
        "specialty": "family_medicine",
        "location": {"zip": "62704", "county_fips": "17167"},
        "benchmark_year": 2025,
        "medicare_release": "2025D",
        "utilization": "utilization.csv",
        "payers": [
            {"name": "Alpha Health", "kind": "commercial", "patients": 600,
             "fee_schedule": "fee_schedules/alpha.csv", "aliases": ["AH", "Alpha"]},
            {"name": "Beta Care", "kind": "medicare_advantage", "patients": 400,
             "fee_schedule": "fee_schedules/beta.csv"},
        ],
        "access_features": ["same_day_appointments"],
        "conditions": {"diabetes": 100, "hypertension": 250},
    }
    if yaml_data:
        data.update(yaml_data)
    schedules = fee_schedules if fee_schedules is not None else {
        "fee_schedules/alpha.csv": "code,modifier,rate\n99213,,120.00\n99214,,170.00\n",
        "fee_schedules/beta.csv": "CPT/HCPCS,Mod,Allowed\n99213,,\"$95.00\"\n99214,,\"$1,30.00\"\n".replace(
            "$1,30.00", "$130.00"),
    }
    for name, text in schedules.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "utilization.csv").write_text(
        utilization if utilization is not None else
        "payer,code,modifier,units\nAlpha Health,99213,,1000\nAH,99214,,500\nBeta Care,99213,,800\n"
        "Beta Care,99214,,200\n", encoding="utf-8")
    (folder / "client.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def write_renamed_client(root: Path, client_id: str, *, name: str, payers: tuple[str, str]) -> Path:
    """The tiny client renamed (the practice and its two payers, no aliases), with the same files and units."""
    first, second = payers
    return write_client(root, client_id, yaml_data={
        "name": name,
        "payers": [{"name": first, "kind": "commercial", "patients": 600, "fee_schedule": "fee_schedules/alpha.csv"},
                   {"name": second, "kind": "medicare_advantage", "patients": 400,
                    "fee_schedule": "fee_schedules/beta.csv"}]},
        utilization=f"payer,code,modifier,units\n{first},99213,,1000\n{first},99214,,500\n{second},99213,,800\n"
                    f"{second},99214,,200\n")


@pytest.fixture
def tiny_client(tmp_path) -> tuple[str, Path]:
    """(client_id, clients root) of a valid two-payer client."""
    write_client(tmp_path)
    return "tiny", tmp_path
