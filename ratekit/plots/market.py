"""Chart of the practice's rates in each payer's published (Transparency-in-Coverage) market.

Takes the table :func:`ratekit.market.position.market_position` returns (usually a payer's top codes),
draws on ``ax`` (a new figure if None) and returns the Axes. It never shows or saves the figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import StrMethodFormatter


def _label(row) -> str:
    modifier = f"-{row.modifier}" if row.modifier else ""
    setting = " (facility)" if row.setting == "facility" else ""
    return f"{row.payer}: {row.hcpcs}{modifier}{setting}".replace("$", r"\$")


def market_boxes(position: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Per payer and code: the market's p25-p75 as a box, its median as a line, the practice's rate as a dot.

    Parameters
    ----------
    position : DataFrame
        ``payer, hcpcs, modifier, setting, rate, market_p25, market_median, market_p75`` per row.
    """
    rows = position.reset_index(drop=True)
    if ax is None:
        _fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.42 * max(len(rows), 1)))
    if rows.empty:
        ax.text(0.5, 0.5, "No market rates for these codes", transform=ax.transAxes, ha="center", va="center")
        ax.set_axis_off()
        return ax
    y = list(range(len(rows)))[::-1]
    ax.barh(y, rows["market_p75"] - rows["market_p25"], left=rows["market_p25"], height=0.55, color="#c6dbef",
            edgecolor="#6b8fb5", label="market p25-p75")
    ax.vlines(rows["market_median"], [v - 0.3 for v in y], [v + 0.3 for v in y], color="#08306b", linewidth=2,
              label="market median")
    below = rows["rate"] < rows["market_median"]
    ax.scatter(rows["rate"], y, s=45, zorder=3, color=["#cb181d" if b else "#238b45" for b in below],
               label="your rate (red: below the median)")
    ax.set_yticks(y, [_label(r) for r in rows.itertuples(index=False)])
    ax.xaxis.set_major_formatter(StrMethodFormatter("${x:,.0f}"))
    ax.set_xlabel("Negotiated rate, as the payer publishes it")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.4, -0.12), ncol=2, frameon=False, fontsize=8)
    ax.figure.tight_layout()
    return ax
