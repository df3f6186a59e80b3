"""Tests for ratekit.formatting: how money, percents, counts and names read in the report."""

import datetime as dt

import pytest

from ratekit import formatting
from ratekit.client import ACCESS_FEATURES, CONDITIONS, PAYER_KINDS


@pytest.mark.parametrize("value, text", [(84312.4, "$84,300"), (84350, "$84,400"), (49.9, "$0"),
                                         (float("nan"), "n/a"), (None, "n/a")])
def test_money_nearest_rounds_to_hundreds(value, text):
    assert formatting.money_nearest(value) == text


def test_money_nearest_other_steps():
    assert formatting.money_nearest(1234.5, step=1) == "$1,234"  # Python rounds half to even: 1234
    assert formatting.money_nearest(5258.8, step=10) == "$5,260"


@pytest.mark.parametrize("value, text", [
    (84_312.0, "$84,300"), (5258.8, "$5,260"), (188.2, "$188"), (0.0, "$0"), (999.6, "$1,000"),
    (1_164_394.7, "$1.16 million"), (12_345_678, "$12.3 million"), (-2500, "-$2,500"),
    (None, "an unknown amount"), (float("nan"), "an unknown amount"),
])
def test_money_three_significant_figures(value, text):
    assert formatting.money_3sf(value) == text


def test_pct():
    assert formatting.pct(1.124) == "112%"
    assert formatting.pct(1.12) == "112%"
    assert formatting.pct(0.945) == "94%"  # 94.5 -> 94: half to even, as Python formats
    assert formatting.pct(float("nan")) == "n/a"


def test_counts():
    assert [formatting.count(v) for v in (0, 0.37, 6.2, 1240.4)] == ["0", "fewer than 1", "6", "1,240"]
    assert [formatting.count(v, below_one="<1") for v in (0, 0.37, 2.5, 3.5)] == ["0", "<1", "2", "4"]


def test_names_joined():
    assert formatting.join_names([]) == ""
    assert formatting.join_names(["a"]) == "a"
    assert formatting.join_names(["a", "b"]) == "a and b"
    assert formatting.join_names(iter(["a", "b", "c"])) == "a, b and c"
    assert formatting.feature_names(["same_day_appointments", "after_hours_line"]) == \
        "same-day appointments and after-hours line"
    assert formatting.condition_names(["ckd", "asthma"]) == "chronic kidney disease and asthma"


def test_kind_labels_in_a_sentence_and_in_a_table():
    assert [formatting.kind_label(k) for k in PAYER_KINDS] == ["commercial", "Medicare Advantage",
                                                               "Medicaid managed care"]
    assert [formatting.kind_label(k, capital=True) for k in PAYER_KINDS] == ["Commercial", "Medicare Advantage",
                                                                             "Medicaid managed care"]


def test_every_label_table_covers_its_keys():
    assert set(formatting.KIND_LABELS) == set(PAYER_KINDS)
    assert set(formatting.FEATURE_LABELS) == set(ACCESS_FEATURES)
    assert set(formatting.CONDITION_LABELS) == set(CONDITIONS)
    from ratekit.benchmark import BENCHMARKS

    assert set(formatting.BENCHMARK_LABELS) == set(BENCHMARKS)


def test_report_date():
    assert formatting.report_date(dt.date(2026, 11, 29)) == "29 November 2026"
    assert formatting.report_date(dt.date(2026, 3, 1)) == "1 March 2026"
