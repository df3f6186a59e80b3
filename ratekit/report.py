"""What the report notebook displays: formatted tables and sentences from an analysis.

Every string a client supplied (practice, payer and locality names) is HTML-escaped
here, so a name such as ``<script>`` shows as text in the physician's HTML.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
from pandas.io.formats.style import Styler

from . import reference
from .analysis import ClientAnalysis, LeverageAnalysis
from .benchmark import code_table

BENCHMARK_LABELS = {"median": "median payer", "best": "best-paying payer", "target": "target"}
KIND_LABELS = {"commercial": "Commercial", "medicare_advantage": "Medicare Advantage",
               "medicaid_managed_care": "Medicaid managed care"}


def money(value: float, *, round_to: int = 100) -> str:
    """``84312.4`` -> ``"$84,300"``: dollars for a physician, rounded to the nearest ``round_to``."""
    if value is None or pd.isna(value):
        return "n/a"
    return f"${round(value / round_to) * round_to:,.0f}"


def pct(ratio: float) -> str:
    """``1.124`` -> ``"112%"`` (percent of Medicare)."""
    if ratio is None or pd.isna(ratio):
        return "n/a"
    return f"{ratio:.0%}"


def esc(text: object) -> str:
    """HTML-escape a client-supplied string."""
    return html.escape(str(text), quote=True)


def benchmark_label(analysis: ClientAnalysis) -> str:
    """``"median payer (118% of Medicare)"``."""
    return f"{BENCHMARK_LABELS[analysis.benchmark]} ({pct(analysis.benchmark_index)} of Medicare)"


def headline(analysis: ClientAnalysis) -> str:
    """The top finding as one sentence (plain text).

    E.g. "Bringing Keystone Health Partners up to your median payer (118% of
    Medicare) would add $84,300 a year."
    """
    gaps = analysis.gaps
    if gaps.empty or gaps["dollars_a_year"].iloc[0] <= 0:
        return "Every payer already pays at or above the benchmark; there is no gap to close."
    top = gaps.iloc[0]
    return (f"Bringing {top['payer']} up to your {benchmark_label(analysis)} would add "
            f"{money(top['dollars_a_year'])} a year.")


def summary_html(analysis: ClientAnalysis) -> str:
    """The report's opening block: who, where, which Medicare release, the headline."""
    c, loc, rel = analysis.client, analysis.locality, analysis.release
    synthetic = ('<p class="rk-synthetic"><strong>Synthetic sample practice:</strong> every figure in this '
                 'report is invented for demonstration.</p>') if c.synthetic else ""
    note = f'<p class="rk-note">{esc(rel.gpci_note)}</p>' if getattr(rel, "gpci_note", "") else ""
    total = analysis.total_gap
    payers_below = int((analysis.gaps["dollars_a_year"] > 0).sum())
    return (
        f'<div class="rk-summary">{synthetic}'
        f"<p><strong>{esc(c.name)}</strong> &middot; {esc(c.specialty.replace('_', ' '))} &middot; "
        f"Medicare locality {esc(loc.name)} ({esc(loc.locality_id)}) &middot; "
        f"Medicare Physician Fee Schedule release {esc(rel.name)} (released {rel.released:%d %b %Y})</p>"
        f"{note}"
        f'<p class="rk-headline">{esc(headline(analysis))}</p>'
        f"<p>{payers_below} of {len(analysis.gaps)} payers pay below your {esc(benchmark_label(analysis))}; "
        f"bringing all of them up to it would add <strong>{esc(money(total))} a year</strong>, "
        f"weighted by the work you do for each.</p></div>"
    )


def payer_table(analysis: ClientAnalysis) -> Styler:
    """Payers with kind, % of Medicare, annual revenue and dollars a year to the benchmark."""
    index = analysis.index.set_index("payer")
    gaps = analysis.gaps.set_index("payer")
    table = pd.DataFrame({
        "Kind": index["kind"].map(KIND_LABELS),
        "% of Medicare": index["index"],
        "Codes priced": index["codes"],
        "Paid a year": index["revenue"],
        "Medicare would pay": index["medicare_revenue"],
        f"$ a year to {BENCHMARK_LABELS[analysis.benchmark]}": gaps["dollars_a_year"].reindex(index.index),
    })
    table.index.name = "Payer"
    money_cols = ["Paid a year", "Medicare would pay", table.columns[-1]]
    return (table.style.format({"% of Medicare": "{:.0%}", **{c: "${:,.0f}" for c in money_cols}}, escape="html")
            .format_index(escape="html", axis=0).format_index(escape="html", axis=1)
            .set_caption("Volume-weighted percent of Medicare by payer"))


def code_table_styled(analysis: ClientAnalysis, *, n: int = 10) -> Styler:
    """Payer x code percent of Medicare for the top ``n`` codes, low values shaded."""
    table = code_table(analysis.comparison, n=n)
    table.index.name = "Payer"
    table.columns.name = "Code"
    return (table.style.format("{:.0%}", na_rep="–", escape="html")
            .format_index(escape="html", axis=0).format_index(escape="html", axis=1)
            .background_gradient(cmap="RdYlGn", vmin=0.6, vmax=1.6, axis=None)
            .set_caption(f"Percent of Medicare for your {len(table.columns)} highest-volume codes "
                         "(by Medicare-valued volume)"))


def source_keys(analysis: ClientAnalysis) -> list[str]:
    """Registry keys of the datasets this client's report relies on."""
    rel = analysis.release
    wanted = [f"pfs_rvu_{rel.name}", f"pfs_oppscap_{rel.name}", f"pfs_gpci_{rel.gpci_year}", "pfs_locco_2025",
              "pfs_zip5"]
    wanted += [d.key for d in reference.datasets() if d.key.startswith("leverage_")]
    if analysis.client.synthetic:
        wanted = ["sample_clients", *wanted, "commercial_by_specialty", "medicaid_fee_index"]
    known = {d.key for d in reference.datasets()}
    return [k for k in wanted if k in known]


def sources_table(analysis: ClientAnalysis) -> Styler:
    """The data sources behind this report, from the registry."""
    table = reference.sources(source_keys(analysis)).drop(columns=["url"])
    table.columns = ["Data", "Source", "Release", "Caveats"]
    return table.style.hide(axis="index").format(escape="html").format_index(escape="html", axis=1)


# --- leverage -------------------------------------------------------------------------------------

def _range(low: float, base: float, high: float, fmt) -> str:
    return f"{fmt(base)} ({fmt(low)} – {fmt(high)})"


def _visits(value: float) -> str:
    return f"{value:,.0f}" if value >= 1 or value == 0 else "<1"


def er_savings_table(lev: LeverageAnalysis) -> Styler:
    """ER visits avoided and dollars saved a year per payer and in total, base (low – high), with the office cost used."""
    from .leverage import er_savings_by_payer

    data = er_savings_by_payer(lev.savings, total=True)
    table = pd.DataFrame({
        "Payer": data["payer"],
        "ER visits avoided a year": [_range(r.avoided_visits_low, r.avoided_visits_base, r.avoided_visits_high,
                                            _visits) for r in data.itertuples()],
        "Saved a year": [_range(r.savings_low, r.savings_base, r.savings_high,
                                lambda v: money(v, round_to=10)) for r in data.itertuples()],
        "Office visit priced at": [("" if pd.isna(r.office_visit_cost) else f"${r.office_visit_cost:,.2f} ")
                                   + (r.office_visit_cost_source or "") for r in data.itertuples()],
    })
    return (table.style.hide(axis="index").format(escape="html").format_index(escape="html", axis=1)
            .set_caption("Emergency-room visits the practice's access avoids, base case (low – high)"))


def exposure_table(lev: LeverageAnalysis) -> Styler:
    """Chronic-condition cost each plan bears for members the practice manages."""
    data = lev.exposure_by_payer
    year = int(data["dollar_year"].dropna().iloc[0]) if data["dollar_year"].notna().any() else None
    table = pd.DataFrame({
        "Payer": data["payer"],
        f"Annual cost of members' conditions ({year} $)": data["exposure"],
        "Conditions costed": data["costed_conditions"],
        "No published cost": data["uncosted_conditions"],
    })
    return (table.style.hide(axis="index").format({table.columns[1]: "${:,.0f}"}, escape="html")
            .format_index(escape="html", axis=1)
            .set_caption("Cost the plan bears for members whose chronic conditions the practice manages "
                         "(not a saving)"))


def assumptions_table(lev: LeverageAnalysis) -> Styler:
    """Every ER-savings assumption with its range and citation."""
    data = lev.assumptions
    table = pd.DataFrame({"Assumption": data["label"], "Low": data["low"], "Base": data["base"],
                          "High": data["high"], "Unit": data["unit"], "Source": data["source"],
                          "Set by the client": data["overridden"].map({True: "yes", False: ""})})
    return (table.style.hide(axis="index").format({c: "{:,.3g}" for c in ("Low", "Base", "High")}, escape="html")
            .format_index(escape="html", axis=1)
            .set_caption("ER-savings assumptions: the low, base and high cases use each end of these ranges"))


def save_value_propositions(lev: LeverageAnalysis, output_dir: str | Path | None) -> Path | None:
    """Write the per-payer paragraphs to ``<output_dir>/value_propositions.md`` (nothing when no folder is given)."""
    from .narrative import export_value_propositions

    if not output_dir:
        return None
    return export_value_propositions(lev.facts, Path(output_dir) / "value_propositions.md")
