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
