"""What the report notebook displays: formatted tables and sentences from an analysis.

The figures come from :class:`ratekit.analysis.ClientAnalysis` and
:class:`~ratekit.analysis.LeverageAnalysis`; they are written with :mod:`ratekit.formatting`
(sentences round money to the nearest $100, the ER savings to the nearest $10). Every string a
client supplied (practice, payer and locality names) is HTML-escaped here, so a name such as
``<script>`` shows as text in the physician's HTML.
"""

from __future__ import annotations

import html
import math
from typing import Mapping

import pandas as pd
from pandas.io.formats.style import Styler

from .. import benchmark as bm
from .. import reference
from ..analysis import ClientAnalysis, LeverageAnalysis
from ..benchmark import code_label, code_table
from ..errors import summarise
from ..formatting import BENCHMARK_LABELS, count, feature_names, join_names, kind_label, money_nearest, pct
from ..leverage import er_savings_by_payer
from ..leverage.er_savings import DRAWS
from ..medicare import GPCI_METHODS

#: A payer whose percent of Medicare spans at least this much across its codes is called out (0.25 = 25 points).
WIDE_SPREAD = 0.25


def _kinds(kinds: pd.Series) -> pd.Series:
    """Payer kinds as a table shows them: ``Commercial``, ``Medicare Advantage``, ``Medicaid managed care``."""
    return kinds.map(lambda k: kind_label(k, capital=True))


def esc(text: object) -> str:
    """HTML-escape a client-supplied string."""
    return html.escape(str(text), quote=True)


def benchmark_name(analysis: ClientAnalysis) -> str:
    """``"median payer"``, ``"median payer of the same kind"``: what payers are brought up to, in words."""
    name = BENCHMARK_LABELS[analysis.benchmark]
    if analysis.within_kind and analysis.benchmark != "target":
        name += " of the same kind"
    return name


def benchmark_label(analysis: ClientAnalysis) -> str:
    """``"median payer (118% of Medicare)"``; without a percent when the benchmark differs per payer."""
    level = analysis.benchmark_index
    name = benchmark_name(analysis)
    return f"{name} ({pct(level)} of Medicare)" if not math.isnan(level) else name


def headline(analysis: ClientAnalysis) -> str:
    """The top finding as one sentence (plain text).

    E.g. "Bringing Keystone Health Partners up to your median payer (118% of
    Medicare) would add $84,300 a year."
    """
    gaps = analysis.gaps
    if gaps.empty or gaps["dollars_a_year"].iloc[0] <= 0:
        return "Every payer already pays at or above the benchmark; there is no gap to close."
    top = gaps.iloc[0]
    return (f"Bringing {top['payer']} up to your {benchmark_name(analysis)} ({pct(top['benchmark_index'])} of "
            f"Medicare) would add {money_nearest(top['dollars_a_year'])} a year.")


def gpci_basis(release) -> str:
    """Which GPCIs price the release's amounts and how they were obtained, in one sentence (report header, workbook)."""
    how = GPCI_METHODS.get(getattr(release, "gpci_method", ""), "")
    if not how:
        return ""
    source = getattr(release, "gpci_source", "")
    return (f"Medicare {release.name} amounts use the {release.gpci_year} GPCIs of the client's locality ({how}"
            f"{f'; {source}' if source else ''}).")


def summary_html(analysis: ClientAnalysis) -> str:
    """The report's opening block: who, where, which Medicare release, the headline."""
    c, loc, rel = analysis.client, analysis.locality, analysis.release
    synthetic = ('<p class="rk-synthetic"><strong>Synthetic sample practice:</strong> every figure in this '
                 'report is invented for demonstration.</p>') if c.synthetic else ""
    note = f'<p class="rk-note">{esc(rel.gpci_note or gpci_basis(rel))}</p>' if getattr(rel, "gpci_note", "") or \
        gpci_basis(rel) else ""
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
        f"bringing all of them up to it would add <strong>{esc(money_nearest(total))} a year</strong>, "
        f"weighted by the work you do for each.</p></div>"
    )


def _styled(table: pd.DataFrame, formats: dict, caption: str, *, index: bool = True) -> Styler:
    """A Styler with every client-supplied string (cells, index, headers) HTML-escaped."""
    style = (table.style.format(formats, escape="html", na_rep="–")
             .format_index(escape="html", axis=0).format_index(escape="html", axis=1).set_caption(caption))
    return style if index else style.hide(axis="index")


def payer_table(analysis: ClientAnalysis) -> Styler:
    """Payers with kind, % of Medicare, annual revenue, the benchmark and dollars a year to it."""
    index = analysis.index.set_index("payer")
    gaps = analysis.gaps.set_index("payer").reindex(index.index)
    table = pd.DataFrame({
        "Kind": _kinds(index["kind"]),
        "% of Medicare": index["index"],
        "Codes priced": index["codes"].astype(str) + index["small_sample"].map({True: " (few)", False: ""}),
        "Paid a year": index["revenue"],
        "Medicare would pay": index["medicare_revenue"],
        "Benchmark": gaps["benchmark_index"],
        "Increase needed": gaps["increase_to_benchmark"],
        f"$ a year to {benchmark_name(analysis)}": gaps["dollars_a_year"],
    })
    table.index.name = "Payer"
    money_cols = ["Paid a year", "Medicare would pay", table.columns[-1]]
    return _styled(table, {"% of Medicare": "{:.0%}", "Benchmark": "{:.0%}", "Increase needed": "{:.1%}",
                           **{c: "${:,.0f}" for c in money_cols}},
                   "Volume-weighted percent of Medicare by payer ('few': under "
                   f"{bm.MIN_CODES} codes or {bm.MIN_UNITS} units priced; read as indicative)")


def paragraph(text: str) -> str:
    """A reading as an HTML paragraph (escaped); empty for an empty reading."""
    return f'<p class="rk-reading">{esc(text)}</p>' if text else ""


def chart_benchmark(analysis: ClientAnalysis) -> float | pd.Series:
    """The benchmark to draw on the payer index chart: one index, or one per payer when they differ."""
    level = analysis.benchmark_index
    if not math.isnan(level):
        return level
    return analysis.gaps.set_index("payer")["benchmark_index"]


def top_codes_table(analysis: ClientAnalysis, *, n: int = 10) -> pd.DataFrame:
    """Payer x code percent of Medicare for the top ``n`` codes (:func:`ratekit.benchmark.code_table`)."""
    return code_table(analysis.comparison, n=n)


def benchmark_sentence(analysis: ClientAnalysis) -> str:
    """Which benchmark and which peers the report uses, in one sentence."""
    n = len(analysis.index)
    peers = ("each payer is compared with the payers of its own kind (commercial, Medicare Advantage, Medicaid "
             "managed care)") if analysis.within_kind else (
        "both payers are compared together" if n == 2 else f"all {n} payers are compared together")
    what = {
        "median": "your median payer's index",
        "best": "your best-paying payer's index",
        "mean_of_others": "the volume-weighted index of your other payers pooled",
        "target": f"a target of {pct(analysis.target)} of Medicare",
    }[analysis.benchmark]
    level = analysis.benchmark_index
    at = f" ({pct(level)} of Medicare)" if not math.isnan(level) and analysis.benchmark != "target" else ""
    return f"Benchmark: {what}{at}; {peers}."


def index_reading(analysis: ClientAnalysis) -> str:
    """One sentence on the payer index chart: the range, and how many payers are below the benchmark."""
    index = analysis.index
    if index.empty:
        return "No payer has priced codes with volume, so there is no index to compare."
    low, high = index.iloc[0], index.iloc[-1]
    below = int((analysis.gaps["dollars_a_year"] > 0).sum())
    under_medicare = int((index["index"] < 1).sum())
    text = (f"Your payers pay from {pct(low['index'])} ({low['payer']}) to {pct(high['index'])} ({high['payer']}) of "
            f"Medicare for the same work; {below} of {len(index)} pay below the {benchmark_name(analysis)}")
    text += f", and {under_medicare} below Medicare itself." if under_medicare else "."
    return text


def small_sample_reading(analysis: ClientAnalysis) -> str:
    """Which payers' indices rest on few codes or units (empty string when none)."""
    small = analysis.index[analysis.index["small_sample"]]
    if small.empty:
        return ""
    parts = [f"{r.payer} ({int(r.codes)} codes, {r.units:,.0f} units)" for r in small.itertuples()]
    verb = "rests" if len(parts) == 1 else "rest"
    return f"The index of {join_names(parts)} {verb} on few codes or units: read it as indicative."


def dollars_reading(analysis: ClientAnalysis) -> str:
    """One sentence on the dollars-at-stake chart: who holds most of the total."""
    gaps = analysis.gaps
    total = analysis.total_gap
    if total <= 0:
        return "No payer is below the benchmark, so no dollars are at stake against it."
    top = gaps.iloc[0]
    share = top["dollars_a_year"] / total
    text = (f"{top['payer']} holds {money_nearest(top['dollars_a_year'])} of the {money_nearest(total)} a year "
            "at stake "
            f"({pct(share)})")
    ranked = analysis.priority
    n80 = int((ranked["cumulative_share"] < 0.8).sum()) + 1 if len(ranked) else 0
    if n80 > 1 and n80 < int((gaps["dollars_a_year"] > 0).sum()):
        text += f"; the first {n80} payers hold 80% of it"
    return text + "."


def heatmap_reading(analysis: ClientAnalysis, *, n: int = 10) -> str:
    """One sentence on the payer x code heatmap: the lowest cell and the payer lowest most often."""
    table = code_table(analysis.comparison, n=n)
    stacked = table.stack().dropna()
    if stacked.empty:
        return "No payer has rates for your top codes."
    payer, code = stacked.idxmin()
    lowest_payer = table.idxmin(axis=0).value_counts()
    who, times = lowest_payer.index[0], int(lowest_payer.iloc[0])
    text = (f"The lowest rate among your top {table.shape[1]} codes is {payer}'s for {code}, at {pct(stacked.min())} "
            "of Medicare")
    if times > 1:
        text += f"; {who} pays least on {times} of the {table.shape[1]} codes"
    return text + "."


def spread_reading(analysis: ClientAnalysis) -> str:
    """One sentence on the spread chart: the payer whose percent of Medicare varies most across codes."""
    stats = bm.spread_by_payer(analysis.comparison)
    stats = stats[stats["codes"] >= 2].set_index("payer")
    if stats.empty:
        return "Too few billed codes per payer to show a spread."
    widest = stats.sort_values("spread", ascending=False, kind="stable").iloc[0]
    span = (f"from {pct(widest['lowest'])} to {pct(widest['highest'])} of Medicare across {int(widest['codes'])} "
            "billed codes")
    if widest["spread"] >= WIDE_SPREAD:
        return f"{widest.name}'s rates vary most, {span}: its single index hides codes paid well below the rest."
    return (f"Each payer pays its codes at a similar percent of Medicare; the widest spread, {widest.name}'s, runs "
            f"{span}.")


def top_gaps_reading(analysis: ClientAnalysis) -> str:
    """One sentence on the top code gaps: the largest single payer-and-code gap."""
    gaps = analysis.code_gaps
    if gaps.empty or gaps["dollars_a_year"].iloc[0] <= 0:
        return "No payer pays below the benchmark rate on any billed code."
    top = gaps.iloc[0]
    label = code_label(pd.Series([top["hcpcs"]]), pd.Series([top["modifier"]]), pd.Series([top["setting"]])).iloc[0]
    total = gaps["dollars_a_year"].sum()
    return (f"The largest single gap is {top['payer']} on {label}: {money_nearest(top['dollars_a_year'])} a year "
            f"(${top['rate']:,.2f} against a benchmark rate of ${top['benchmark_rate']:,.2f}); code by code, "
            f"gaps add up to {money_nearest(total)} a year because codes above the benchmark no longer offset those "
            "below.")


def below_medicare_reading(analysis: ClientAnalysis) -> str:
    """One sentence on the codes paid below Medicare."""
    rows = analysis.below_medicare
    billed = rows[rows["units"] > 0]
    if billed.empty:
        return "No payer pays below Medicare on any code you bill."
    payers = billed["payer"].nunique()
    between = " between them" if payers > 1 else ""
    return (f"{payers} payer{'s' if payers != 1 else ''} pay{'s' if payers == 1 else ''} below Medicare on "
            f"{len(billed)} billed code{'s' if len(billed) != 1 else ''}{between}; bringing just those up to Medicare "
            f"would add {money_nearest(billed['dollars_below_a_year'].sum())} a year.")


def what_if_table(analysis: ClientAnalysis, increases: Mapping[str, float] | float | None = None) -> Styler:
    """Current and new annual revenue per payer under proposed increases (default: those that reach the benchmark).

    The default is :func:`ratekit.benchmark.proposed_increases`, shown for the payers it moves.
    """
    table = bm.what_if(analysis.comparison, bm.proposed_increases(analysis.gaps) if increases is None else increases)
    table = table[table["increase"] != 0] if increases is None else table
    shown = pd.DataFrame({"Proposed increase": table["increase"].to_numpy(),
                          "Paid a year now": table["current_revenue"].to_numpy(),
                          "Paid a year after": table["new_revenue"].to_numpy(),
                          "Change": table["change"].to_numpy(),
                          "% of Medicare after": table["new_index"].to_numpy()},
                         index=pd.Index(table["payer"], name="Payer"))
    return _styled(shown, {"Proposed increase": "{:.0%}", "% of Medicare after": "{:.0%}",
                           **{c: "${:,.0f}" for c in ("Paid a year now", "Paid a year after", "Change")}},
                   "What the proposed increases are worth on this year's volume")


def what_if_reading(analysis: ClientAnalysis, increases: Mapping[str, float] | float | None = None) -> str:
    """One sentence on the what-if: the total change and its share of what those payers pay now."""
    chosen = bm.proposed_increases(analysis.gaps) if increases is None else increases
    table = bm.what_if(analysis.comparison, chosen)
    moved = table[table["increase"] != 0]
    if moved.empty:
        return "No increase is proposed: every payer is at or above the benchmark."
    change, now = moved["change"].sum(), moved["current_revenue"].sum()
    how = "the increases that bring them to the benchmark (rounded up to a whole percent)" if increases is None \
        else "the proposed increases"
    return (f"With {how}, {len(moved)} payer{'s' if len(moved) != 1 else ''} would pay {money_nearest(change)} more "
            "a year "
            f"({pct(change / now) if now else 'n/a'} more than today) on this year's volume.")


def priority_table(analysis: ClientAnalysis) -> Styler:
    """Payers in the order to negotiate: dollars at stake, share of the total, and a small-sample flag."""
    pr = analysis.priority
    table = pd.DataFrame({"Kind": _kinds(pr["kind"]).to_numpy() if "kind" in pr else "",
                          "% of Medicare": pr["index"].to_numpy(), "Benchmark": pr["benchmark_index"].to_numpy(),
                          "Share of your work": pr["volume_share"].to_numpy(),
                          "$ a year at stake": pr["dollars_a_year"].to_numpy(),
                          "Share of the total": pr["share_of_total"].to_numpy(),
                          "Few codes or units": pr["small_sample"].map({True: "yes", False: ""}).to_numpy()},
                         index=pd.Index(pr["rank"], name="Rank"))
    table.insert(0, "Payer", pr["payer"].to_numpy())
    return _styled(table, {"% of Medicare": "{:.0%}", "Benchmark": "{:.0%}", "Share of your work": "{:.0%}",
                           "$ a year at stake": "${:,.0f}", "Share of the total": "{:.0%}"},
                   "Where to negotiate first: (benchmark − index) × the Medicare-valued work you do for the payer")


def code_gaps_table(analysis: ClientAnalysis, *, n: int = 15) -> Styler:
    """The ``n`` payer-and-code pairs with the most dollars a year below the code's benchmark rate."""
    top = analysis.code_gaps[analysis.code_gaps["dollars_a_year"] > 0].head(n)
    table = pd.DataFrame({
        "Payer": top["payer"].to_numpy(),
        "Code": code_label(top["hcpcs"], top["modifier"], top["setting"]).to_numpy(),
        "Units a year": top["units"].to_numpy(), "Rate": top["rate"].to_numpy(),
        "Benchmark rate": top["benchmark_rate"].to_numpy(), "Medicare": top["medicare_amount"].to_numpy(),
        "% of Medicare": top["pct_of_medicare"].to_numpy(), "$ a year": top["dollars_a_year"].to_numpy()})
    return _styled(table, {"Units a year": "{:,.0f}", "Rate": "${:,.2f}", "Benchmark rate": "${:,.2f}",
                           "Medicare": "${:,.2f}", "% of Medicare": "{:.0%}", "$ a year": "${:,.0f}"},
                   f"The {len(table)} largest code gaps to the {benchmark_name(analysis)}", index=False)


def below_medicare_table(analysis: ClientAnalysis) -> Styler:
    """Per payer: codes priced, codes paid below Medicare, share of units on them, dollars a year below."""
    summary = bm.below_medicare_summary(analysis.comparison)
    summary = summary[summary["codes_below"] > 0]
    table = pd.DataFrame({"Codes priced": summary["codes_priced"].to_numpy(),
                          "Codes below Medicare": summary["codes_below"].to_numpy(),
                          "Share of units on them": summary["units_below_share"].to_numpy(),
                          "$ a year below Medicare": summary["dollars_below_a_year"].to_numpy()},
                         index=pd.Index(summary["payer"], name="Payer"))
    return _styled(table, {"Share of units on them": "{:.0%}", "$ a year below Medicare": "${:,.0f}"},
                   "Codes paid below Medicare (billed codes only)")


def peer_group_table(analysis: ClientAnalysis) -> Styler:
    """Each payer's dollars a year against all payers and against the payers of its own kind."""
    name, target = analysis.benchmark, analysis.target
    everyone = bm.gap_to_benchmark(analysis.index, name, target=target).set_index("payer")
    same = bm.gap_to_benchmark(analysis.index, name, target=target, within_kind=True).set_index("payer")
    order = analysis.index["payer"]
    table = pd.DataFrame({
        "Kind": _kinds(analysis.index.set_index("payer")["kind"]).reindex(order),
        "% of Medicare": everyone["index"].reindex(order),
        "Benchmark, all payers": everyone["benchmark_index"].reindex(order),
        "$ a year, all payers": everyone["dollars_a_year"].reindex(order),
        "Benchmark, same kind": same["benchmark_index"].reindex(order),
        "$ a year, same kind": same["dollars_a_year"].reindex(order)})
    table.index.name = "Payer"
    return _styled(table, {"% of Medicare": "{:.0%}", "Benchmark, all payers": "{:.0%}",
                           "Benchmark, same kind": "{:.0%}", "$ a year, all payers": "${:,.0f}",
                           "$ a year, same kind": "${:,.0f}"},
                   f"The {BENCHMARK_LABELS[name]} among all payers, and among payers of the same kind")


def peer_group_reading(analysis: ClientAnalysis) -> str:
    """One sentence comparing the dollars at stake against all payers and against payers of the same kind."""
    name, target = analysis.benchmark, analysis.target
    everyone = bm.gap_to_benchmark(analysis.index, name, target=target).set_index("payer")["dollars_a_year"]
    same = bm.gap_to_benchmark(analysis.index, name, target=target, within_kind=True).set_index("payer")
    if analysis.index["kind"].nunique() <= 1:
        return "All your payers are of one kind, so both peer groups give the same benchmark."
    change = (same["dollars_a_year"] - everyone.reindex(same.index)).sort_values(kind="stable")
    text = (f"Against all payers {money_nearest(everyone.sum())} a year is at stake; against payers of the same kind, "
            f"{money_nearest(same['dollars_a_year'].sum())}")
    moves = []
    if change.iloc[-1] > 0:
        up = change.index[-1]
        moves.append(f"{up} rises to {money_nearest(same.loc[up, 'dollars_a_year'])} against its own kind's "
                     f"{pct(same.loc[up, 'benchmark_index'])}")
    if change.iloc[0] < 0:
        down = change.index[0]
        moves.append(f"{down} falls to {money_nearest(same.loc[down, 'dollars_a_year'])}")
    return text + (": " + " and ".join(moves) if moves else "") + "."


def na_note(analysis: ClientAnalysis) -> str:
    """A sentence on the comparisons that rest on a setting CMS marks NA ("" when none), for the analyst's notes."""
    c = analysis.comparison
    if "medicare_na" not in c:
        return ""
    rows = c[c["medicare_na"] & c["rate"].notna() & (c["units"] > 0)]
    if rows.empty:
        return ""
    labels = sorted(set(code_label(rows["hcpcs"], rows["modifier"], rows["setting"])))
    shown = join_names(labels[:6]) + (f" and {len(labels) - 6} more" if len(labels) > 6 else "")
    what = "1 code billed in a setting CMS marks NA is" if len(labels) == 1 else \
        f"{len(labels):,} codes billed in a setting CMS marks NA are"
    return (f"{what} compared with the amount CMS pays there, the other setting's, as CMS's payment files print it: "
            f"{shown}.")


def warnings_html(analysis: ClientAnalysis) -> str:
    """The warnings found in the client's files, one line per kind per file (for the analyst; escaped)."""
    note = na_note(analysis)
    if note:
        return f'<p class="rk-note">{esc(note)}</p>' + _warnings_list(analysis)
    return _warnings_list(analysis)


def _warnings_list(analysis: ClientAnalysis) -> str:
    if not analysis.warnings:
        return '<p class="rk-note">No warnings in the client\'s files.</p>'
    items = "".join(f"<li>{esc(line)}</li>" for line in summarise(analysis.warnings))
    return (f'<p class="rk-note">{len(analysis.warnings)} warning(s) in the client\'s files, one line per kind '
            f'per file (<code>ratekit validate --all</code> lists each):</p><ul>{items}</ul>')


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
    return count(value, below_one="<1")


def er_savings_reading(analysis: ClientAnalysis, lev: LeverageAnalysis) -> str:
    """One sentence on the ER savings across all payers, or why none are claimed (plain text)."""
    features = list(analysis.client.access_features)
    table = lev.assumptions.set_index("key")
    effective = [f for f in features if table["high"].get(f"reduction.{f}", 0) > 0]
    savings = lev.savings
    if not features:
        return ("The practice lists no same-day, after-hours or extended-hours access, so no ER savings are "
                "claimed.")
    if not effective:
        return (f"None of the practice's access features ({feature_names(features)}) has a published effect on "
                "emergency-room use, so no ER savings are claimed; same-day appointments, an after-hours line "
                "or extended hours would each count.")
    if savings["counted_patients"].sum() <= 0:
        return "The panel has no patients with the chronic conditions the model counts, so no ER savings are claimed."
    by_payer = savings.groupby("payer", sort=False)["savings_base"].sum().sort_values(ascending=False)
    dollars = lambda v: money_nearest(v, step=10)  # noqa: E731
    if lev.interval is None:
        return (f"Across all payers, the practice's {feature_names(effective)} avoid an estimated "
                f"{_visits(savings['avoided_visits_base'].sum())} emergency-room visits a year (range "
                f"{_visits(savings['avoided_visits_low'].sum())} to {_visits(savings['avoided_visits_high'].sum())}), "
                f"saving the plans about {dollars(savings['savings_base'].sum())} a year (range "
                f"{dollars(savings['savings_low'].sum())} to {dollars(savings['savings_high'].sum())}); "
                f"{by_payer.index[0]} gains most.")
    total = lev.interval.set_index("payer").loc["All payers"]
    drivers = lev.interval_drivers
    named = ""
    if drivers is not None and len(drivers):
        top = [_driver_name(k) for k in drivers["key"].head(2)]
        named = f" The range is set mostly by {join_names(top)}."
    return (f"Across all payers, the practice's {feature_names(effective)} avoid an estimated "
            f"{_visits(total['avoided_visits_base'])} emergency-room visits a year (80% range "
            f"{_visits(total['avoided_visits_p10'])} to {_visits(total['avoided_visits_p90'])}), "
            f"saving the plans about {dollars(total['savings_base'])} a year in the base case (80% range "
            f"{dollars(total['savings_p10'])} to {dollars(total['savings_p90'])}, median "
            f"{dollars(total['savings_median'])}, from {DRAWS:,} joint draws of the assumptions); "
            f"{by_payer.index[0]} gains most.{named}")


def _driver_name(key: str) -> str:
    """An assumption key in words, for the sentence naming what sets the ER range."""
    names = {"avoidable_share": "the share of ER visits treatable in primary care",
             "ed_cost": "the cost of an ER visit", "comorbidity_distinct": "how much the conditions overlap",
             "ed_visits_per_year": "ER visits per patient", "office_visit_default": "the office-visit cost"}
    if key in names:
        return names[key]
    if key.startswith("ed_visits_per_year."):
        return "ER visits per patient"
    if key.startswith("reduction."):
        return f"the effect of {feature_names([key.split('.', 1)[1]])}"
    return key


def er_savings_table(lev: LeverageAnalysis) -> Styler:
    """ER visits avoided and dollars saved a year per payer and in total, base (80% range), and the office cost."""
    data = er_savings_by_payer(lev.savings, total=True)
    if lev.interval is not None:
        iv = lev.interval.set_index("payer").reindex(data["payer"])
        for what in ("avoided_visits", "savings"):
            data[f"{what}_low"] = iv[f"{what}_p10"].to_numpy()
            data[f"{what}_high"] = iv[f"{what}_p90"].to_numpy()
    table = pd.DataFrame({
        "Payer": data["payer"],
        "ER visits avoided a year": [_range(r.avoided_visits_low, r.avoided_visits_base, r.avoided_visits_high,
                                            _visits) for r in data.itertuples()],
        "Saved a year": [_range(r.savings_low, r.savings_base, r.savings_high,
                                lambda v: money_nearest(v, step=10)) for r in data.itertuples()],
        "Office visit priced at": [("" if pd.isna(r.office_visit_cost) else f"${r.office_visit_cost:,.2f} ")
                                   + (r.office_visit_cost_source or "") for r in data.itertuples()],
    })
    return (table.style.hide(axis="index").format(escape="html").format_index(escape="html", axis=1)
            .set_caption("Emergency-room visits the practice's access avoids, base case "
                         + ("(80% range)" if lev.interval is not None else "(low – high)")))


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


# The sections with a module of their own (imported last: they use the helpers above).
from .market import market_html, market_position, market_reading, market_table, market_top_codes  # noqa: E402,F401
