"""Tests for ratekit.leverage.tables: the shipped tables, their registry entries and the CPI normalisation."""

import pandas as pd
import pytest

from ratekit import config, leverage, reference
from ratekit.client import CONDITIONS
from ratekit.leverage import tables

from .clients import CPI

LEVERAGE_KEYS = [d.key for d in reference.datasets() if d.key.startswith("leverage_")]


def test_every_leverage_table_is_registered_exists_and_has_a_source():
    assert len(LEVERAGE_KEYS) == 8
    for key in LEVERAGE_KEYS:
        d = reference.get(key)
        assert d.file.is_file(), key
        assert d.source.strip() and d.release.strip() and d.caveats.strip(), key
        assert not pd.read_csv(d.file).empty, key
    registered = {reference.get(k).file.name for k in LEVERAGE_KEYS}
    shipped = {p.name for p in config.LEVERAGE_REFERENCE_DIR.iterdir()}
    assert shipped == registered  # no unregistered file ships


def test_shipped_tables_stay_compact():
    total = sum(p.stat().st_size for p in config.LEVERAGE_REFERENCE_DIR.iterdir())
    assert total < 600_000  # 360 KB when written; the brief's ceiling is ~2 MB


def test_every_cost_row_has_a_citation_and_every_condition_a_known_name():
    costs = leverage.cost_table()
    assert costs["citation"].str.len().min() > 20
    assert set(costs["condition"]) <= set(CONDITIONS)
    # exactly one base figure per costed condition
    assert costs[costs["role"] == "base"]["condition"].is_unique
    visits = leverage.visit_cost_table()
    assert visits["citation"].str.len().min() > 10


def test_cpi_factor_and_normalisation_by_hand():
    # 2017 -> 2024: 563.841 / 475.322 = 1.186230...
    assert leverage.cpi_factor(2017, 2024) == pytest.approx(563.841 / 475.322)
    costs = leverage.cost_table().set_index(["condition", "role"])
    # ADA diabetes $12,022 in 2022 dollars -> 12,022 x 563.841 / 546.553 = $12,402.27 in 2024 dollars
    row = costs.loc[("diabetes", "base")]
    assert row["original_value"] == 12022 and row["original_dollar_year"] == 2022
    assert row["normalised_value"] == pytest.approx(12402.27, abs=0.01)
    assert row["cpi_original"] == CPI[2022] and row["cpi_target"] == CPI[2024] and row["dollar_year"] == 2024
    # hyperlipidemia (Zhang 2017) $856 in 2012 -> 856 x 563.841 / 414.924 = $1,163.22
    assert costs.loc[("hyperlipidemia", "base"), "normalised_value"] == pytest.approx(1163.22, abs=0.01)
    # another target year: diabetes in 2019 dollars = 12,022 x 498.413 / 546.553 = $10,963.11
    again = leverage.cost_table(dollar_year=2019).set_index(["condition", "role"])
    assert again.loc[("diabetes", "base"), "normalised_value"] == pytest.approx(10963.11, abs=0.01)
    with pytest.raises(ValueError, match="no CPI"):
        leverage.cpi_factor(1990)


def test_preload_reads_every_shipped_leverage_table():
    tables._load.cache_clear()
    leverage.preload()
    keys = [d.key for d in reference.datasets() if d.key.startswith("leverage_")]
    assert len(keys) == 8 and tables._load.cache_info().currsize == len(keys)
