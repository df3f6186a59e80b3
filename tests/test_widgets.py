"""The explorer: set widget values from Python and check the tables and charts follow (no browser).

On the tiny two-payer client (conftest.write_client), whose numbers are worked in tests/test_report.py:
Alpha Health's index 205,000 / 147,295 = 1.3918, Beta Care's 102,000 / 93,454 = 1.0914; ER savings base
$1,541.77 (Alpha) + $1,080.16 (Beta) = $2,621.93 a year with the avoidable share at 0.204.
"""

import json

import nbformat
import numpy as np
import pytest
from bs4 import BeautifulSoup

from conftest import write_client, write_renamed_client
from ratekit import config
from ratekit.analysis import analyse, analyse_leverage
from ratekit.widgets import ALL_PAYERS, HIGHLIGHT, Explorer

ALPHA = 205000 / 147295
BETA = 102000 / 93454
ALPHA_SAVED, BETA_SAVED = 1541.7718859, 1080.1592360  # base ER savings a year (tests/test_report.py)


@pytest.fixture
def explorer(tmp_path):
    write_client(tmp_path)
    return Explorer(tmp_path)


def _line_x(fig) -> list[float]:
    """x of the vertical lines on the rates chart (Medicare at 1.0, then the benchmark)."""
    return [float(line.get_xdata()[0]) for line in fig.axes[0].lines]


def _text(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text(" ")


def test_opens_on_the_client_with_its_payers_and_the_median_benchmark(explorer):
    assert explorer.client.value == "tiny"
    assert list(explorer.payer.options) == [ALL_PAYERS, "Alpha Health", "Beta Care"]
    assert explorer.benchmark.value == "median" and explorer.target.disabled
    median = (ALPHA + BETA) / 2  # 1.2416
    assert explorer.gaps["benchmark_index"].iloc[0] == pytest.approx(median)
    assert _line_x(explorer.figures["rates"]) == pytest.approx([1.0, median])
    assert ("Bringing Beta Care up to your median payer (124% of Medicare) would add $14,000 a year."
            in explorer.summary.value)
    assert bytes(explorer.rates_chart.value)[:4] == bytes(explorer.savings_chart.value)[:4] == b"\x89PNG"
    assert "$ a year to median payer" in explorer.rates_table.value


def test_best_payer_benchmark_redraws_gaps_chart_and_table(explorer):
    before = explorer.rates_chart.value
    explorer.benchmark.value = "best"
    assert explorer.analysis.benchmark == "best"
    assert explorer.gaps["benchmark_index"].iloc[0] == pytest.approx(ALPHA)
    # Beta Care up to Alpha Health's 1.3918: (1.3918 - 1.0914) x 93,454 = $28,067 a year
    assert explorer.gaps.set_index("payer")["dollars_a_year"].to_dict() == pytest.approx(
        {"Beta Care": (ALPHA - BETA) * 93454, "Alpha Health": 0.0})
    assert _line_x(explorer.figures["rates"])[-1] == pytest.approx(ALPHA)
    assert explorer.rates_chart.value != before
    assert "$ a year to best-paying payer" in explorer.rates_table.value
    assert "best-paying payer" in explorer.summary.value


def test_mean_of_others_and_same_kind_rerun_the_library_benchmark(explorer):
    explorer.benchmark.value = "mean_of_others"
    # each payer against the other one alone
    assert explorer.gaps.set_index("payer")["benchmark_index"].to_dict() == pytest.approx(
        {"Beta Care": ALPHA, "Alpha Health": BETA})
    assert explorer.figures["rates"].axes[0].collections  # one marker per payer, not one line
    explorer.benchmark.value = "median"
    explorer.within_kind.value = True
    # a commercial payer and a Medicare Advantage one: each is its own kind's median, so nothing is at stake
    assert explorer.gaps.set_index("payer")["dollars_a_year"].to_dict() == {"Beta Care": 0.0, "Alpha Health": 0.0}
    assert "of the same kind" in explorer.rates_table.value


def test_target_slider_sets_the_benchmark(explorer):
    explorer.benchmark.value = "target"
    assert not explorer.target.disabled
    explorer.target.value = 150  # a percent, as typed: 150 is 150% (the 115 jumped to 300%)
    # dollars = max(0, 1.5 - index) x Medicare-valued volume: Alpha (1.5 x 147,295) - 205,000 = $15,942.50,
    # Beta (1.5 x 93,454) - 102,000 = $38,181; total $54,123.50
    assert explorer.gaps.set_index("payer")["dollars_a_year"].to_dict() == pytest.approx(
        {"Alpha Health": 15942.5, "Beta Care": 38181.0})
    assert _line_x(explorer.figures["rates"])[-1] == pytest.approx(1.5)
    assert "$54,100 a year" in explorer.summary.value
    explorer.benchmark.value = "median"
    assert explorer.target.disabled


def test_picking_a_payer_shows_its_codes_and_value_and_highlights_it(explorer):
    explorer.payer.value = "Beta Care"  # the lowest-paying payer
    view = _text(explorer.payer_view.value)
    assert "Beta Care" in view and "109% of Medicare" in view
    # its code gaps to the median payer's rates: 99213 (107.50 - 95) x 800 = $10,000; 99214 (150 - 130) x 200
    assert "99213" in view and "$10,000" in view and "$4,000" in view
    bars = explorer.figures["rates"].axes[0].patches
    colours = [tuple(np.round(p.get_facecolor()[:3], 3)) for p in bars]
    highlighted = tuple(np.round(np.array([int(HIGHLIGHT[i:i + 2], 16) for i in (1, 3, 5)]) / 255, 3))
    assert colours.count(highlighted) == 1
    assert colours.index(highlighted) == 0  # bars are sorted by index, lowest first: Beta Care's
    explorer.payer.value = ALL_PAYERS
    assert "Pick a payer" in explorer.payer_view.value


def test_assumption_sliders_cover_the_applicable_assumptions_in_their_ranges(explorer):
    sliders = explorer.assumption_sliders
    # what applies to a practice with same-day appointments, diabetes and hypertension, and both payers' own
    # 99214 rates (so not the default office cost); ranges from docs/leverage.md
    assert set(sliders) == {"ed_visits_per_year", "ed_visits_per_year.diabetes", "avoidable_share",
                            "reduction.same_day_appointments", "ed_cost", "comorbidity_distinct"}
    expected = {"ed_visits_per_year": (0.41, 0.47, 0.76), "ed_visits_per_year.diabetes": (0.47, 0.69, 0.76),
                "avoidable_share": (0.033, 0.204, 0.37), "reduction.same_day_appointments": (0.051, 0.102, 0.153),
                "ed_cost": (625.06, 955.95, 2775.01), "comorbidity_distinct": (0.0, 0.5, 1.0)}
    for key, slider in sliders.items():
        assert (slider.min, slider.value, slider.max) == pytest.approx(expected[key], abs=0.01), key
    assert list(sliders)[0] in ("ed_cost", "avoidable_share")  # the largest swings first


def test_moving_an_assumption_recomputes_the_savings_tables_and_chart(explorer):
    before_chart = explorer.savings_chart.value
    assert explorer.savings["savings_base"].sum() == pytest.approx(ALPHA_SAVED + BETA_SAVED)
    slider = explorer.assumption_sliders["avoidable_share"]
    slider.value = slider.max
    # the saving is proportional to the avoidable share: x 0.37 / 0.204
    scale = 0.37 / 0.204
    assert explorer.savings["savings_base"].sum() == pytest.approx((ALPHA_SAVED + BETA_SAVED) * scale)
    assert explorer.savings_chart.value != before_chart
    bars = explorer.figures["savings"].axes[0].patches
    assert [p.get_width() for p in bars] == pytest.approx([ALPHA_SAVED * scale, BETA_SAVED * scale])
    assert "$4,760" in explorer.savings_table.value  # $4,755.44 to the nearest $10
    explorer.reset.click()
    assert slider.value == pytest.approx(0.204)
    assert explorer.savings["savings_base"].sum() == pytest.approx(ALPHA_SAVED + BETA_SAVED)


def test_assumption_changes_reach_the_payer_paragraph(explorer):
    explorer.payer.value = "Alpha Health"
    before = explorer.payer_view.value
    assert "$1,540" in _text(before)  # its base saving, $1,541.77, to three significant figures
    slider = explorer.assumption_sliders["ed_cost"]
    slider.value = slider.max
    # at the high ED cost, $2,775.01: 1.96167 visits x (2,775.01 - 170) = $5,110.23 -> "$5,110"
    assert explorer.payer_view.value != before and "$5,110" in _text(explorer.payer_view.value)


def test_switching_client_rebuilds_payers_and_sliders():
    explorer = Explorer(client_id="springfield-family-medicine")  # the committed sample: several clients
    explorer.payer.value = explorer.payer.options[1]
    other = next(c for c in explorer.client.options if c != "springfield-family-medicine")
    explorer.client.value = other
    analysis = analyse(other)
    assert list(explorer.payer.options) == [ALL_PAYERS, *[p.name for p in analysis.client.payers]]
    assert explorer.payer.value == ALL_PAYERS
    assert explorer.analysis.client.client_id == other
    assert analysis.client.name in _text(explorer.summary.value)
    assert set(explorer.assumption_sliders) <= set(analyse_leverage(analysis).sensitivity["key"])


def test_client_strings_are_escaped(tmp_path):
    write_renamed_client(tmp_path, "hostile", name="<script>alert(1)</script> Clinic",
                         payers=("<b>Bold</b> Health", "Beta Care"))
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
