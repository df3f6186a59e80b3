"""Tests for ratekit.feeschedules.cells: one cell's amount, code and place of service."""

import pytest

from ratekit.feeschedules import clean_code, parse_money, parse_setting


@pytest.mark.parametrize("text, expected", [
    ("$1,234.50", 1234.5), ("  88.95 ", 88.95), ("$ 12", 12.0), (".5", 0.5), (95, 95.0), (12.25, 12.25),
    ("-3.00", -3.0), ("($4.00)", -4.0), ("abc", None), ("", None), ("1.2.3", None), ("12%", None),
])
def test_parse_money(text, expected):
    assert parse_money(text) == expected


def test_clean_code_restores_dropped_zeros():
    assert clean_code(100) == "00100"
    assert clean_code(99213.0) == "99213"
    assert clean_code(" g0439 ") == "G0439"


@pytest.mark.parametrize("text, setting", [
    ("", ""), ("11", "nonfacility"), ("office", "nonfacility"), ("Non-Facility", "nonfacility"), ("10", "nonfacility"),
    ("2", "facility"),
    ("22", "facility"), ("19", "facility"), ("21", "facility"), ("23", "facility"), ("24", "facility"),
    ("ASC", "facility"), ("Hospital", "facility"), ("facility", "facility"), ("both", ""), ("moon", None)])
def test_parse_setting(text, setting):
    assert parse_setting(text) == setting
