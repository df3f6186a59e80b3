"""The explorer: set widget values from Python and check the tables and charts follow (no browser)."""

import json

import nbformat
import numpy as np
import pytest
from bs4 import BeautifulSoup

from conftest import write_client
from ratekit import benchmark, config, leverage, report
from ratekit.formatting import money_nearest
from ratekit.analysis import analyse, analyse_leverage
from ratekit.widgets import ALL_PAYERS, HIGHLIGHT, Explorer

CLIENT = "springfield-family-medicine"  # has access features, so the ER-savings sliders matter


@pytest.fixture(scope="module")
def base():
    analysis = analyse(CLIENT)
    return analysis, analyse_leverage(analysis)


@pytest.fixture
def explorer():
    return Explorer(client_id=CLIENT)


def _line_x(fig) -> list[float]:
    """x of the vertical lines on the rates chart (Medicare at 1.0, then the benchmark)."""
    return [float(line.get_xdata()[0]) for line in fig.axes[0].lines]


def _text(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text(" ")


def test_opens_on_the_client_with_its_payers_and_the_median_benchmark(explorer, base):
    analysis, _ = base
    assert explorer.client.value == CLIENT
    assert list(explorer.payer.options) == [ALL_PAYERS, *[p.name for p in analysis.client.payers]]
    assert explorer.benchmark.value == "median" and explorer.target.disabled
    median = float(analysis.index["index"].median())
    assert explorer.gaps["benchmark_index"].iloc[0] == pytest.approx(median)
    assert _line_x(explorer.figures["rates"]) == pytest.approx([1.0, median])
    assert report.esc(report.headline(analysis)) in explorer.summary.value
    assert bytes(explorer.rates_chart.value)[:4] == bytes(explorer.savings_chart.value)[:4] == b"\x89PNG"
    assert "$ a year to median payer" in explorer.rates_table.value


def test_best_payer_benchmark_redraws_gaps_chart_and_table(explorer, base):
    analysis, _ = base
    before = explorer.rates_chart.value
    explorer.benchmark.value = "best"
    best = float(analysis.index["index"].max())
    assert explorer.analysis.benchmark == "best"
    assert explorer.gaps["benchmark_index"].iloc[0] == pytest.approx(best)
    expected = benchmark.gap_to_benchmark(analysis.index, "best")
    assert explorer.gaps["dollars_a_year"].sum() == pytest.approx(expected["dollars_a_year"].sum())
    assert _line_x(explorer.figures["rates"])[-1] == pytest.approx(best)
    assert explorer.rates_chart.value != before
    assert "$ a year to best-paying payer" in explorer.rates_table.value
    assert "best-paying payer" in explorer.summary.value


def test_mean_of_others_and_same_kind_rerun_the_library_benchmark(explorer, base):
    analysis, _ = base
    explorer.benchmark.value = "mean_of_others"
    expected = benchmark.gap_to_benchmark(analysis.index, "mean_of_others")
    got = explorer.gaps.set_index("payer")["benchmark_index"]
    np.testing.assert_allclose(got.reindex(expected["payer"]), expected["benchmark_index"])
    assert explorer.figures["rates"].axes[0].collections  # one marker per payer, not one line
    explorer.benchmark.value = "median"
    explorer.within_kind.value = True
    expected = benchmark.gap_to_benchmark(analysis.index, "median", within_kind=True)
    got = explorer.gaps.set_index("payer")["dollars_a_year"]
    np.testing.assert_allclose(got.reindex(expected["payer"]), expected["dollars_a_year"])
    assert "of the same kind" in explorer.rates_table.value


def test_target_slider_sets_the_benchmark(explorer, base):
    analysis, _ = base
    explorer.benchmark.value = "target"
    assert not explorer.target.disabled
    explorer.target.value = 1.5
    gaps = explorer.gaps.set_index("payer")
    idx = analysis.index.set_index("payer")
    # dollars = max(0, 1.5 - index) x Medicare-valued volume, payer by payer
    expected = ((1.5 - idx["index"]).clip(lower=0) * idx["medicare_revenue"]).reindex(gaps.index)
    np.testing.assert_allclose(gaps["dollars_a_year"], expected)
    assert _line_x(explorer.figures["rates"])[-1] == pytest.approx(1.5)
    assert money_nearest(expected.sum()) in explorer.summary.value
    explorer.benchmark.value = "median"
    assert explorer.target.disabled


def test_picking_a_payer_shows_its_codes_and_value_and_highlights_it(explorer, base):
    analysis, _ = base
    payer = analysis.index["payer"].iloc[0]  # the lowest-paying payer
    explorer.payer.value = payer
    view = _text(explorer.payer_view.value)
    assert payer in view and "of Medicare" in view
    codes = analysis.code_gaps[analysis.code_gaps["payer"] == payer]  # the library's per-code gaps
    assert len(codes) and codes["hcpcs"].iloc[0] in view
    assert money_nearest(codes["dollars_a_year"].iloc[0], step=1).replace(",", "") in view.replace(",", "")
    bars = explorer.figures["rates"].axes[0].patches
    colours = [tuple(np.round(p.get_facecolor()[:3], 3)) for p in bars]
    highlighted = tuple(np.round(np.array([int(HIGHLIGHT[i:i + 2], 16) for i in (1, 3, 5)]) / 255, 3))
    assert colours.count(highlighted) == 1
    assert colours.index(highlighted) == list(analysis.index.sort_values("index")["payer"]).index(payer)
    explorer.payer.value = ALL_PAYERS
    assert "Pick a payer" in explorer.payer_view.value


def test_assumption_sliders_cover_the_applicable_assumptions_in_their_ranges(explorer, base):
    _, lev = base
    table = lev.assumptions.set_index("key")
    keys = list(explorer.assumption_sliders)
    assert keys and set(keys) <= set(lev.sensitivity["key"])
    assert keys == [k for k in lev.sensitivity["key"] if table.loc[k, "high"] > table.loc[k, "low"]]
    for key, slider in explorer.assumption_sliders.items():
        assert (slider.min, slider.value, slider.max) == pytest.approx(
            (table.loc[key, "low"], table.loc[key, "base"], table.loc[key, "high"]))


def test_moving_an_assumption_recomputes_the_savings_tables_and_chart(explorer, base):
    analysis, lev = base
    before_total = explorer.savings["savings_base"].sum()
    before_chart = explorer.savings_chart.value
    slider = explorer.assumption_sliders["avoidable_share"]
    slider.value = slider.max
    table = lev.assumptions.copy()
    table.loc[table["key"] == "avoidable_share", "base"] = slider.max
    expected = leverage.er_savings(analysis.client, lev.panel, lev.office_visit_cost, assumptions=table)
    assert explorer.savings["savings_base"].sum() == pytest.approx(expected["savings_base"].sum())
    assert explorer.savings["savings_base"].sum() > before_total > 0
    assert explorer.savings_chart.value != before_chart
    total = leverage.er_savings_total(expected)["savings_base"].iloc[0]
    assert money_nearest(total, step=10) in explorer.savings_table.value
    bars = explorer.figures["savings"].axes[0].patches
    by_payer = leverage.er_savings_by_payer(expected)
    assert [p.get_width() for p in bars] == pytest.approx(list(by_payer["savings_base"]))
    explorer.reset.click()
    assert slider.value == pytest.approx(lev.assumptions.set_index("key").loc["avoidable_share", "base"])
    assert explorer.savings["savings_base"].sum() == pytest.approx(before_total)


def test_assumption_changes_reach_the_payer_paragraph(explorer):
    payer = explorer.payer.options[1]
    explorer.payer.value = payer
    before = explorer.payer_view.value
    slider = explorer.assumption_sliders["ed_cost"]
    slider.value = slider.max
    assert explorer.payer_view.value != before
    saved = explorer.savings[explorer.savings["payer"] == payer]["savings_base"].sum()
    assert saved > 0


def test_switching_client_rebuilds_payers_and_sliders():
    explorer = Explorer(client_id=CLIENT)
    explorer.payer.value = explorer.payer.options[1]
    other = next(c for c in explorer.client.options if c != CLIENT)
    explorer.client.value = other
    analysis = analyse(other)
    assert list(explorer.payer.options) == [ALL_PAYERS, *[p.name for p in analysis.client.payers]]
    assert explorer.payer.value == ALL_PAYERS
    assert explorer.analysis.client.client_id == other
    assert analysis.client.name in _text(explorer.summary.value)
    assert set(explorer.assumption_sliders) <= set(analyse_leverage(analysis).sensitivity["key"])


def test_client_strings_are_escaped(tmp_path):
    write_client(tmp_path, "hostile", yaml_data={
        "name": "<script>alert(1)</script> Clinic",
        "payers": [{"name": "<b>Bold</b> Health", "kind": "commercial", "patients": 600,
                    "fee_schedule": "fee_schedules/alpha.csv"},
                   {"name": "Beta Care", "kind": "medicare_advantage", "patients": 400,
                    "fee_schedule": "fee_schedules/beta.csv"}]},
        utilization="payer,code,modifier,units\n<b>Bold</b> Health,99213,,1000\n<b>Bold</b> Health,99214,,500\n"
                    "Beta Care,99213,,800\nBeta Care,99214,,200\n")
    explorer = Explorer(tmp_path)
    explorer.payer.value = "<b>Bold</b> Health"
    for html in (explorer.summary.value, explorer.rates_table.value, explorer.payer_view.value,
                 explorer.savings_table.value):
        soup = BeautifulSoup(html, "html.parser")
        assert not soup.find_all("script") and not soup.find_all("b")
    assert "<script>alert(1)</script> Clinic" in _text(explorer.summary.value)
    assert "<b>Bold</b> Health" in _text(explorer.payer_view.value)


def test_a_client_with_errors_shows_them_instead_of_failing(tmp_path):
    write_client(tmp_path, "good")
    broken = write_client(tmp_path, "broken")
    (broken / "fee_schedules" / "alpha.csv").write_text("code,rate\n99213,abc\n", encoding="utf-8")
    explorer = Explorer(tmp_path, client_id="good")
    explorer.client.value = "broken"
    assert "the rate is not a number" in explorer.status.value
    assert explorer.analysis is None and explorer.summary.value == ""
    explorer.benchmark.value = "best"  # nothing to redraw, and no error
    explorer.client.value = "good"
    assert explorer.status.value == "" and explorer.analysis is not None


def test_explore_notebook_is_a_few_cells_without_outputs_or_logic():
    path = config.NOTEBOOKS_DIR / "explore.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert 1 <= len(code) <= 3
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
        assert "def " not in cell.source and "for " not in cell.source
    assert "Explorer(" in "".join(c.source for c in code)
    assert "widgets" not in json.dumps(nb.metadata)  # no saved widget state


@pytest.mark.slow
def test_explore_notebook_runs_in_a_kernel_and_shows_the_widget(tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.read(config.NOTEBOOKS_DIR / "explore.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    names = {m["model_name"] for m in state.values()}
    assert {"VBoxModel", "DropdownModel", "ToggleButtonsModel", "FloatSliderModel", "ImageModel", "TabModel"} <= names
