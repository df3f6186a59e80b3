"""Tests for ratekit.plots.rates: the rate charts, asserted on the artists' data, never on pixels."""

import pandas as pd
import pytest

from ratekit.plots import rates


def test_payer_index_bars_draws_one_bar_per_payer_sorted_with_benchmark_line():
    data = pd.DataFrame({"payer": ["B", "A", "C"], "index": [1.2, 0.9, 1.5]})
    ax = rates.payer_index_bars(data, benchmark=1.2)
    assert [round(p.get_width(), 6) for p in ax.patches] == [0.9, 1.2, 1.5]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B", "C"]
    lines = {round(line.get_xdata()[0], 6) for line in ax.lines}
    assert lines == {1.0, 1.2}
    assert "median payer (120%)" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert [t.get_text() for t in ax.texts] == ["90%", "120%", "150%"]


def test_payer_index_bars_uses_the_given_axes():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    out = rates.payer_index_bars(pd.DataFrame({"payer": ["A"], "index": [1.0]}), ax=ax)
    assert out is ax


def test_payer_index_bars_per_payer_benchmarks_and_small_samples():
    data = pd.DataFrame({"payer": ["B", "A"], "index": [1.2, 0.9], "small_sample": [False, True]})
    ax = rates.payer_index_bars(data, benchmark={"A": 1.1, "B": 1.0}, benchmark_label="other payers")
    marks = ax.collections[-1].get_offsets()
    assert marks[:, 0].tolist() == pytest.approx([1.1, 1.0])  # A (lowest) first, then B
    assert [t.get_text() for t in ax.texts] == ["90%*", "120%"]
    assert ax.patches[0].get_hatch() == "//" and not ax.patches[1].get_hatch()
    assert "few codes or units" in ax.get_xlabel()


def test_pct_heatmap_holds_the_table():
    table = pd.DataFrame({"99213": [0.8, 1.3], "99214": [float("nan"), 1.1]}, index=["A", "B"])
    ax = rates.pct_heatmap(table)
    values = ax.collections[0].get_array()
    assert values.shape == (2, 2)
    assert values[0, 0] == pytest.approx(0.8) and values[1, 0] == pytest.approx(1.3)
    assert values[1, 1] == pytest.approx(1.1)
    assert bool(values.mask[0, 1])  # no rate: a blank cell
    assert [t.get_text() for t in ax.get_xticklabels()] == ["99213", "99214"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B"]
    assert sorted(t.get_text() for t in ax.texts) == ["110%", "130%", "80%"]


def test_dollars_at_stake_bars_are_sorted_largest_first():
    gaps = pd.DataFrame({"payer": ["A", "B", "C"], "dollars_a_year": [1200.0, 84300.0, 0.0]})
    ax = rates.dollars_at_stake_bars(gaps)
    assert [round(p.get_width(), 6) for p in ax.patches] == [84300.0, 1200.0, 0.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B", "A", "C"]
    assert [t.get_text() for t in ax.texts] == ["$84k", "$1.2k", "$0"]


def test_pct_spread_draws_one_dot_per_billed_code():
    comparison = pd.DataFrame({"payer": ["A", "A", "A", "B", "B"], "pct_of_medicare": [0.9, 1.1, 2.0, 1.2, 1.3],
                               "units": [5, 5, 0, 1, 1]})
    ax = rates.pct_spread(comparison, order=["B", "A"])
    dots = [c.get_offsets() for c in ax.collections if len(c.get_offsets())]
    assert [sorted(d[:, 0].tolist()) for d in dots] == [[1.2, 1.3], [0.9, 1.1]]  # A's unbilled 200% is left out
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B", "A"]


def test_top_code_gaps_labels_payer_and_code():
    gaps = pd.DataFrame({"payer": ["A", "B", "A"], "hcpcs": ["99213", "20610", "99214"], "modifier": ["", "", ""],
                         "setting": ["nonfacility", "facility", "nonfacility"], "dollars_a_year": [500.0, 900.0, 0.0],
                         "pct_of_medicare": [0.9, 0.8, 1.2], "benchmark_pct": [1.1, 1.0, 1.1]})
    ax = rates.top_code_gaps(gaps, n=5)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B · 20610 (facility)", "A · 99213"]
    assert [round(p.get_width(), 6) for p in ax.patches] == [900.0, 500.0]
    assert ax.texts[0].get_text() == "$900 (80% vs 100%)"


@pytest.mark.parametrize("draw", [
    lambda ax: rates.pct_heatmap(pd.DataFrame({"99213": [1.0]}, index=["A"]), ax=ax),
    lambda ax: rates.dollars_at_stake_bars(pd.DataFrame({"payer": ["A"], "dollars_a_year": [1.0]}), ax=ax),
    lambda ax: rates.pct_spread(pd.DataFrame({"payer": ["A"], "pct_of_medicare": [1.0], "units": [1]}), ax=ax),
    lambda ax: rates.top_code_gaps(pd.DataFrame({"payer": ["A"], "hcpcs": ["99213"], "modifier": [""],
                                                 "setting": [""], "dollars_a_year": [1.0], "pct_of_medicare": [1.0],
                                                 "benchmark_pct": [1.1]}), ax=ax),
])
def test_every_chart_draws_on_the_given_axes(draw):
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    assert draw(ax) is ax
