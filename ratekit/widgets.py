"""Interactive exploration of a client's payer mix in JupyterLab (``notebooks/explore.ipynb``).

:class:`Explorer` builds ipywidgets controls — client, payer, benchmark (median
payer, best payer, or a target percent of Medicare on a slider) and one slider
per ER-savings assumption that applies to the client, within its published
range — and redraws the tables and charts when any of them changes. Every number
comes from the library: the client's files are read once
(:func:`ratekit.feeschedules.read_client`), then
:func:`ratekit.analysis.analyse_inputs` reruns the benchmark,
:func:`ratekit.leverage.er_savings` the savings, and :mod:`ratekit.plots` and
:mod:`ratekit.report` draw and format; this module only wires them to widgets.

Tables are shown as HTML widgets (the report's escaped tables) and charts as
PNG image widgets drawn on their own matplotlib ``Figure`` (no pyplot state), so
the whole view can be driven and inspected from Python — set a widget's
``value`` and read :attr:`Explorer.gaps`, :attr:`Explorer.savings`,
:attr:`Explorer.figures` or the HTML — with no browser.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import ipywidgets as w
import pandas as pd
from matplotlib.figure import Figure

from . import benchmark, feeschedules, leverage, narrative, parameters, plots, report
from .analysis import ClientAnalysis, LeverageAnalysis, analyse_inputs, analyse_leverage
from .client import list_clients, load_client
from .errors import RatekitError

BENCHMARKS = (("Median payer", "median"), ("Best payer", "best"), ("Mean of the others", "mean_of_others"),
              ("Target % of Medicare", "target"))
ALL_PAYERS = "All payers"
HIGHLIGHT = "#DD8452"


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def _figure(rows: int) -> Figure:
    fig = Figure(figsize=(7.5, 1.4 + 0.45 * max(rows, 3)), layout="constrained")
    fig.subplots()
    return fig


def _readout_format(unit: str) -> str:
    if unit.startswith("USD"):
        return "$,.0f"
    if unit.startswith("share"):
        return ".1%"
    return ".2f"


class Explorer:
    """Pick a client and payer, a benchmark and the ER-savings assumptions; tables and charts follow.

    Parameters
    ----------
    root : path, optional
        Folder of client folders (default, or ``""``: the committed sample).
    client_id : str, optional
        The client shown first (default: the first one).
    benchmark : {"median", "best", "mean_of_others", "target"}
        The benchmark shown first.
    target : float or str
        The target percent of Medicare for ``benchmark="target"`` (e.g. 130 or "130%"; 30 to 500).

    Attributes
    ----------
    client, payer, benchmark, target, within_kind : ipywidgets
        The controls (``payer`` offers ``"All payers"`` and each payer; ``within_kind``
        compares each payer with the payers of its own kind only).
    assumption_sliders : dict of str to FloatSlider
        One per assumption that applies to the client (:func:`ratekit.leverage.sensitivity`
        keys, most influential first), from its low to its high value, starting at base.
    analysis : ClientAnalysis
        The client's analysis with the chosen benchmark's gaps.
    savings : DataFrame
        :func:`ratekit.leverage.er_savings` with the sliders' values as the base case.
    figures : dict of str to Figure
        The charts last drawn: ``"rates"`` and ``"savings"``.
    widget : ipywidgets.VBox
        The whole view (an Explorer also displays itself).
    """

    def __init__(self, root: str | Path | None = None, *, client_id: str | None = None,
                 benchmark: str = "median", target: float | str = 130):
        self.root = root or None
        ids = list_clients(self.root)
        if not ids:
            raise RatekitError(f"no client folders (with a client.yaml) under {root or 'the sample'}")
        self._updating = False
        self._inputs: feeschedules.ClientInputs | None = None
        self.analysis: ClientAnalysis | None = None
        self.leverage: LeverageAnalysis | None = None
        self.savings: pd.DataFrame | None = None
        self.figures: dict[str, Figure] = {}
        self.assumption_sliders: dict[str, w.FloatSlider] = {}

        wide = {"description_width": "8rem"}
        self.client = w.Dropdown(options=ids, value=client_id or ids[0], description="Client", style=wide,
                                 layout=w.Layout(width="32rem"))
        self.payer = w.Dropdown(options=[ALL_PAYERS], value=ALL_PAYERS, description="Payer", style=wide,
                                layout=w.Layout(width="32rem"))
        self.benchmark = w.ToggleButtons(options=BENCHMARKS, value=benchmark, description="Benchmark",
                                         style={**wide, "button_width": "11rem"})
        self.within_kind = w.Checkbox(value=False, description="Compare each payer with payers of its own kind only",
                                      indent=False, layout=w.Layout(width="32rem"))
        # a percent, as people type it (115 is 115%), over the plausible range of ratekit.parameters
        self.target = w.FloatSlider(value=parameters.percent_of_medicare(target, name="target"),
                                    min=parameters.MIN_PCT, max=parameters.MAX_PCT, step=1, description="Target %",
                                    readout_format=".0f", continuous_update=False, style=wide,
                                    layout=w.Layout(width="32rem"))
        self.reset = w.Button(description="Reset to base case", icon="undo")
        self.status = w.HTML()
        self.summary = w.HTML()
        self.rates_chart = w.Image(format="png")
        self.rates_table = w.HTML()
        self.payer_view = w.HTML()
        self.sliders_box = w.VBox()
        self.savings_chart = w.Image(format="png")
        self.savings_table = w.HTML()
        tabs = w.Tab(children=[
            w.VBox([self.rates_chart, self.rates_table]),
            w.VBox([self.payer_view]),
            w.VBox([self.sliders_box, self.reset, self.savings_chart, self.savings_table]),
        ])
        tabs.titles = ("Rates vs Medicare", "One payer", "ER savings")
        self.widget = w.VBox([
            w.HBox([self.client, self.payer]), w.HBox([self.benchmark]), w.HBox([self.target, self.within_kind]),
            self.status,
            self.summary, tabs])

        self.client.observe(self._on_client, names="value")
        self.payer.observe(self._on_payer, names="value")
        self.benchmark.observe(self._on_benchmark, names="value")
        self.target.observe(self._on_benchmark, names="value")
        self.within_kind.observe(self._on_benchmark, names="value")
        self.reset.on_click(self._on_reset)
        self._load_client()

    # --- display -----------------------------------------------------------------------------------

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    # --- callbacks ---------------------------------------------------------------------------------

    def _on_client(self, _change=None) -> None:
        if not self._updating:
            self._load_client()

    def _on_payer(self, _change=None) -> None:
        if not self._updating and self.analysis is not None:
            self._draw_rates()
            self._draw_payer()
            self._draw_savings()

    def _on_benchmark(self, _change=None) -> None:
        if not self._updating and self._inputs is not None:
            self._apply_benchmark()
            self._draw_rates()
            self._draw_payer()

    def _on_assumption(self, _change=None) -> None:
        if not self._updating and self._inputs is not None:
            self._compute_savings()
            self._draw_savings()
            self._draw_payer()

    def _on_reset(self, _button=None) -> None:
        self._updating = True
        try:
            base = self.leverage.assumptions.set_index("key")["base"]
            for key, slider in self.assumption_sliders.items():
                slider.value = float(base[key])
        finally:
            self._updating = False
        self._on_assumption()

    # --- state -------------------------------------------------------------------------------------

    def _load_client(self) -> None:
        """Analyse the chosen client; rebuild the payer list and the assumption sliders."""
        self.status.value = ""
        try:
            self._inputs = feeschedules.read_client(load_client(self.client.value, self.root)).raise_for_errors()
            self._apply_benchmark()
            self.leverage = analyse_leverage(self.analysis)
        except RatekitError as exc:
            self._inputs = self.analysis = self.leverage = self.savings = None
            self.status.value = (f'<pre style="color:#b00020;white-space:pre-wrap">{report.esc(exc)}</pre>')
            self.summary.value = self.rates_table.value = self.payer_view.value = self.savings_table.value = ""
            self.rates_chart.value = self.savings_chart.value = b""
            return
        self._updating = True
        try:
            self.payer.options = [ALL_PAYERS, *[p.name for p in self._inputs.client.payers]]
            self.payer.value = ALL_PAYERS
            self._build_sliders()
        finally:
            self._updating = False
        self._compute_savings()
        self._draw_rates()
        self._draw_payer()
        self._draw_savings()

    def _build_sliders(self) -> None:
        table = self.leverage.assumptions.set_index("key")
        sliders = {}
        for key in self.leverage.sensitivity["key"]:
            row = table.loc[key]
            if not row["high"] > row["low"]:
                continue  # a fixed value (no published range) is not a choice
            sliders[key] = w.FloatSlider(
                value=float(row["base"]), min=float(row["low"]), max=float(row["high"]),
                step=(float(row["high"]) - float(row["low"])) / 100, description=str(row["label"]),
                readout_format=_readout_format(str(row["unit"])), continuous_update=False,
                style={"description_width": "26rem"}, layout=w.Layout(width="44rem"),
                tooltip=str(row["source"]))
            sliders[key].observe(self._on_assumption, names="value")
        self.assumption_sliders = sliders
        text = ("Each slider runs over the assumption's published range (low to high) and sets the base case; "
                "most influential first. Sources: hover a slider, or see the client report.")
        if not (self.leverage.sensitivity["swing"] > 0).any():
            text += (" None of them moves this practice's figure: it has no access feature with a published "
                     "effect on ED use, so the model credits it with no avoided visits.")
        note = w.HTML(f"<p>{text}</p>")
        self.sliders_box.children = [note, *sliders.values()]

    def _apply_benchmark(self) -> None:
        name = self.benchmark.value
        self.target.disabled = name != "target"
        self.analysis = analyse_inputs(self._inputs, benchmark_name=name,
                                       target=parameters.percent_of_medicare(self.target.value, name="target") / 100
                                       if name == "target" else None,
                                       within_kind=self.within_kind.value)

    @property
    def gaps(self) -> pd.DataFrame:
        """Dollars a year each payer would add at the chosen benchmark."""
        return self.analysis.gaps

    @property
    def assumptions(self) -> pd.DataFrame:
        """The client's assumptions with each slider's value as the base case."""
        table = self.leverage.assumptions.copy()
        for key, slider in self.assumption_sliders.items():
            table.loc[table["key"] == key, "base"] = float(slider.value)
        return table

    def _compute_savings(self) -> None:
        self.savings = leverage.er_savings(self._inputs.client, self.leverage.panel, self.leverage.office_visit_cost,
                                           assumptions=self.assumptions)

    # --- drawing -----------------------------------------------------------------------------------

    def _selected(self) -> str | None:
        return None if self.payer.value == ALL_PAYERS else self.payer.value

    def _draw_rates(self) -> None:
        a = self.analysis
        self.summary.value = report.summary_html(a)
        fig = _figure(len(a.index))
        ax = plots.rates.payer_index_bars(a.index, benchmark=report.chart_benchmark(a),
                                          benchmark_label=report.benchmark_name(a), ax=fig.axes[0])
        chosen = self._selected()
        for patch, payer in zip(ax.patches, a.index.sort_values("index", kind="stable")["payer"], strict=False):
            if payer == chosen:
                patch.set_facecolor(HIGHLIGHT)
        self.figures["rates"] = fig
        self.rates_chart.value = _png(fig)
        self.rates_table.value = report.payer_table(a).to_html()

    def _draw_payer(self) -> None:
        chosen = self._selected()
        if chosen is None:
            self.payer_view.value = "<p>Pick a payer above to see its codes and what the practice is worth to it.</p>"
            return
        a = self.analysis
        local_text = narrative.local_context_text(self.leverage.local, self.leverage.shortage)
        facts = narrative.payer_facts(a.client, chosen, savings=self.savings, exposure=self.leverage.exposure,
                                      local_text=local_text, benchmark=narrative.benchmark_facts(a).get(chosen))
        codes = a.code_gaps[a.code_gaps["payer"] == chosen]
        table = pd.DataFrame({
            "Code": benchmark.code_label(codes["hcpcs"], codes["modifier"], codes["setting"]),
            "Units a year": codes["units"], "Rate": codes["rate"], "Medicare": codes["medicare_amount"],
            "% of Medicare": codes["pct_of_medicare"], "Benchmark rate": codes["benchmark_rate"],
            f"$ a year to {report.benchmark_name(a)}": codes["dollars_a_year"]})
        styled = (table.style.hide(axis="index")
                  .format({"Units a year": "{:,.0f}", "Rate": "${:,.2f}", "Medicare": "${:,.2f}",
                           "% of Medicare": "{:.0%}", "Benchmark rate": "${:,.2f}", table.columns[-1]: "${:,.0f}"},
                          na_rep="–", escape="html")
                  .format_index(escape="html", axis=1)
                  .set_caption(f"{report.esc(chosen)}: every code it pays for, the largest gap to the benchmark "
                               "rate first (ratekit.benchmark.code_gaps)"))
        self.payer_view.value = (f"<h3>{report.esc(chosen)}</h3>"
                                 + narrative.value_proposition(facts, format="html") + styled.to_html())

    def _draw_savings(self) -> None:
        by_payer = leverage.er_savings_by_payer(self.savings)
        fig = _figure(len(by_payer))
        ax = plots.leverage.er_savings(by_payer, ax=fig.axes[0])
        chosen = self._selected()
        for patch, payer in zip(ax.patches, by_payer["payer"], strict=False):
            if payer == chosen:
                patch.set_facecolor(HIGHLIGHT)
        self.figures["savings"] = fig
        self.savings_chart.value = _png(fig)
        lev = dataclasses.replace(self.leverage, savings=self.savings, savings_by_payer=by_payer)
        self.savings_table.value = report.er_savings_table(lev).to_html()
