"""The report's market section: the practice's rates in each payer's Transparency-in-Coverage market."""

from __future__ import annotations

import math

import pandas as pd
from pandas.io.formats.style import Styler

from ..analysis import ClientAnalysis
from ..benchmark import code_label
from ..formatting import money_nearest
from . import _styled, esc, paragraph

def market_position(analysis: ClientAnalysis):
    """The client's rates in its payers' published markets (:func:`ratekit.market.position.client_position`).

    None when ``client.yaml`` has no ``market:`` section (the report then shows no market section).
    """
    from ..market.position import client_position

    return client_position(analysis.client, rates=analysis.rates, utilization=analysis.utilization,
                           locality_id=analysis.locality.locality_id, release=analysis.release.name)


def market_top_codes(position: pd.DataFrame, *, n: int = 6) -> pd.DataFrame:
    """Each payer's ``n`` codes with most units billed (codes with market rates; the top by rate without units)."""
    ranked = position.sort_values(["payer", "units", "rate"], ascending=[True, False, False], kind="stable")
    return ranked.groupby("payer", sort=False).head(n).reset_index(drop=True)


def _ordinal(value: float) -> str:
    """``1`` -> ``1st``, ``22`` -> ``22nd``, ``13`` -> ``13th`` (a percentile, rounded)."""
    n = int(round(value))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def market_reading(position: pd.DataFrame) -> str:
    """Per payer: the practice's volume-weighted percentile in its market and the dollars a year to the median."""
    from ..market.position import volume_weighted_percentile

    if position is None or position.empty:
        return "None of the payers' published files has a rate for the codes you bill."
    parts = []
    for payer, rows in position.groupby("payer", sort=True):
        pctile = volume_weighted_percentile(rows)
        where = (f"your rates sit at the {_ordinal(pctile)} percentile of what it publishes for other practices "
                 "(weighted by your volume)" if not math.isnan(pctile) else
                 f"your rates sit at the {_ordinal(rows['percentile'].median())} percentile (median over codes)")
        up = float((rows["to_median"].clip(lower=0) * rows["units"]).sum())
        below = int((rows["to_median"] > 0).sum())
        gain = (f"bringing the {below} code(s) below its market median up to it is worth {money_nearest(up)} a year"
                if below else "every code is at or above its market median")
        off = (rows["published_rate"] - rows["rate"]).abs() > 0.01 * rows["rate"]  # NaN compares False
        extra = (f"; its file publishes a rate for you that differs from your fee schedule by more than 1% on "
                 f"{int(off.sum())} code(s): ask it to check the contract it has loaded") if off.any() else ""
        parts.append(f"At {payer}, {where}; {gain}{extra}.")
    return " ".join(parts)


def market_table(position: pd.DataFrame) -> Styler:
    """The payers' top codes: your rate, the market's p25 / median / p75, your percentile, $ a year to the median."""
    top = market_top_codes(position)
    table = pd.DataFrame({
        "Payer": top["payer"], "Code": code_label(top["hcpcs"], top["modifier"], top["setting"]),
        "Your rate": top["rate"], "Market p25": top["market_p25"], "Market median": top["market_median"],
        "Market p75": top["market_p75"], "Your percentile": top["percentile"], "TINs": top["n_tins"],
        "Published for you": top["published_rate"], "Units": top["units"],
        "$ a year to median": top["dollars_to_median"],
    })
    money = {c: "${:,.2f}" for c in ("Your rate", "Market p25", "Market median", "Market p75", "Published for you")}
    return _styled(table, {**money, "Your percentile": "{:.0f}", "TINs": "{:,}", "Units": "{:,.0f}",
                           "$ a year to median": "${:,.0f}"},
                   "Your rates against what each payer publishes for other practices (Transparency in Coverage; "
                   "distinct TIN rates, outliers beyond 5x or below 0.2x Medicare left out)", index=False)


def market_html(position: pd.DataFrame) -> str:
    """The market section's heading, reading and notes (escaped); the notebook adds the table and the chart."""
    notes = "".join(f"<li>{esc(n)}</li>" for n in position.attrs.get("notes", []))
    return ("<h2>Against each payer's published market</h2>"
            '<p class="rk-note">Since 2022 health plans must publish every rate they negotiate (Transparency in '
            "Coverage). These are public figures, not other practices' private disclosures.</p>"
            + paragraph(market_reading(position)) + (f'<ul class="rk-note">{notes}</ul>' if notes else ""))
