"""Charts of the leverage model: ER savings, the tornado, local prevalence, chronic-cost exposure.

Each function takes the tidy table the matching :mod:`ratekit.leverage` function
returns, draws on ``ax`` (a new figure if None) and returns the Axes. None of
them shows or saves the figure.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from ..formatting import CONDITION_LABELS

def _compact_dollars(x: float, _pos=None) -> str:
    """Axis dollars that fit side by side: $950, $12k, $1.2M."""
    sign, x = ("-" if x < 0 else ""), abs(x)
    if x >= 1e6:
        text = f"{x / 1e6:.1f}".rstrip("0").rstrip(".") + "M"
    elif x >= 1e3:
        text = f"{x / 1e3:.0f}k"
    else:
        text = f"{x:,.0f}"
    return f"{sign}${text}"


_DOLLARS = FuncFormatter(_compact_dollars)


def _legend_below(ax: Axes) -> None:
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)


#: Written across a chart whose every value is zero, so an honest zero does not look like a broken chart.
NOTHING_CLAIMED = "No ER savings are claimed (see the sentence above the chart)"


def _note_if_all_zero(ax: Axes, values: pd.Series | np.ndarray) -> None:
    if len(values) == 0 or not np.nanmax(np.abs(np.asarray(values, dtype=float))) > 0:
        ax.text(0.5, 0.5, NOTHING_CLAIMED, transform=ax.transAxes, ha="center", va="center", fontsize=10,
                color="0.3", bbox={"facecolor": "white", "edgecolor": "0.7", "boxstyle": "round"})


def _axes(ax: Axes | None, rows: int) -> Axes:
    if ax is not None:
        return ax
    _fig, ax = plt.subplots(figsize=(7.5, 1.4 + 0.45 * max(rows, 1)))
    return ax


def er_savings(data: pd.DataFrame, *, metric: str = "savings", ax: Axes | None = None,
               color=None, title: str | None = None) -> Axes:
    """ER savings (or avoided visits) per payer: a bar at the base figure, a line from low to high.

    Parameters
    ----------
    data : DataFrame
        :func:`ratekit.leverage.er_savings_by_payer` (with or without the
        ``All payers`` row): ``payer`` and ``<metric>_low/base/high``.
    metric : {"savings", "avoided_visits"}
        Dollars a year or ED visits a year.
    ax : Axes, optional
    color : optional
        Bar colour (default the first of the seaborn palette).
    title : str, optional
        Default says what is drawn.

    Returns
    -------
    Axes
        Bars in the order of ``data``, top to bottom; one horizontal line per
        payer spans low to high.
    """
    if metric not in ("savings", "avoided_visits"):
        raise ValueError("metric must be 'savings' or 'avoided_visits'")
    ax = _axes(ax, len(data))
    y = np.arange(len(data))
    color = color or sns.color_palette()[0]
    ax.barh(y, data[f"{metric}_base"], color=color, alpha=0.85, label="base")
    ax.hlines(y, data[f"{metric}_low"], data[f"{metric}_high"], color="black", linewidth=1.5,
              label="low to high")
    ax.plot(data[f"{metric}_low"], y, "|", color="black", markersize=10)
    ax.plot(data[f"{metric}_high"], y, "|", color="black", markersize=10)
    ax.set_yticks(y, [str(p) for p in data["payer"]])
    ax.invert_yaxis()
    if metric == "savings":
        ax.xaxis.set_major_formatter(_DOLLARS)
        ax.set_xlabel("Saving to the plan, USD a year")
    else:
        ax.set_xlabel("ED visits avoided a year")
    ax.set_xlim(left=0)
    _note_if_all_zero(ax, data[f"{metric}_high"])
    _legend_below(ax)
    ax.set_title(title if title is not None else
                 ("ER savings per payer" if metric == "savings" else "ED visits avoided per payer")
                 + " (bar: base; line: low to high)")
    return ax


def tornado(data: pd.DataFrame, *, top: int | None = None, ax: Axes | None = None,
            title: str | None = None) -> Axes:
    """Which assumption moves the base ER savings most: a tornado chart.

    Parameters
    ----------
    data : DataFrame
        :func:`ratekit.leverage.sensitivity`: ``label``, ``low_total``,
        ``high_total``, ``base_total``, ``swing`` (largest first).
    top : int, optional
        Only the ``top`` assumptions with the largest swing.
    ax : Axes, optional
    title : str, optional

    Returns
    -------
    Axes
        Per assumption (largest swing at the top) two bars starting at the base
        total: to the total with the assumption at its low value (first
        container) and at its high value (second container); a vertical line
        marks the base total.
    """
    data = data.sort_values("swing", ascending=False, kind="stable")
    if top is not None:
        data = data.head(top)
    ax = _axes(ax, len(data))
    y = np.arange(len(data))
    base = float(data["base_total"].iloc[0]) if len(data) else 0.0
    low_c, high_c = sns.color_palette()[0], sns.color_palette()[1]
    ax.barh(y, data["low_total"] - base, left=base, color=low_c, label="assumption at its low value")
    ax.barh(y, data["high_total"] - base, left=base, color=high_c, label="assumption at its high value")
    ax.axvline(base, color="black", linewidth=1)
    ax.set_yticks(y, [str(v) for v in data["label"]])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(_DOLLARS)
    ax.set_xlabel(f"Total ER savings to all payers, USD a year (base ${base:,.0f})")
    _note_if_all_zero(ax, np.concatenate([data["low_total"].to_numpy(), data["high_total"].to_numpy()]))
    _legend_below(ax)
    ax.set_title(title if title is not None else "What moves the ER-savings estimate most")
    return ax


def local_prevalence(data: pd.DataFrame, *, shortage: Mapping | None = None, ax: Axes | None = None,
                     title: str | None = None) -> Axes:
    """The county's prevalence of each condition next to the national figure, with the shortage score.

    Parameters
    ----------
    data : DataFrame
        :func:`ratekit.leverage.local_context`: ``condition``,
        ``county_prevalence``, ``national_prevalence``, ``county``.
    shortage : mapping, optional
        :func:`ratekit.leverage.shortage` - its score goes into the title.
    ax : Axes, optional
    title : str, optional

    Returns
    -------
    Axes
        Per condition (in ``data`` order, top to bottom) a county bar (first
        container; omitted when there is no county) and a national bar.
    """
    ax = _axes(ax, 2 * len(data))
    y = np.arange(len(data))
    labels = [CONDITION_LABELS.get(c, c) for c in data["condition"]]
    has_county = data["county_prevalence"].notna().any()
    place = str(data["county"].iloc[0]) if has_county and len(data) else ""
    h = 0.4
    county_c, nat_c = sns.color_palette()[3], sns.color_palette("pastel")[7]
    if has_county:
        ax.barh(y - h / 2, data["county_prevalence"], height=h, color=county_c, label=place)
        ax.barh(y + h / 2, data["national_prevalence"], height=h, color=nat_c, label="United States")
    else:
        ax.barh(y, data["national_prevalence"], height=h * 1.5, color=nat_c, label="United States")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("Adults with the condition, % (CDC PLACES 2022)")
    ax.legend(loc="lower right", frameon=False)
    if title is None:
        title = f"Chronic conditions in {place} vs nationally" if has_county else \
            "Chronic conditions nationally (no county given for this practice)"
        if shortage is not None:
            score = shortage["hpsa_score"]
            title += (f"\nPrimary-care shortage score {score:.0f} of 25 (national average "
                      f"{shortage['national_mean']:.1f})" if score > 0 else
                      "\nNo designated primary-care shortage area")
    ax.set_title(title)
    return ax


def chronic_exposure(data: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Chronic-condition cost the plan bears for members the practice manages, per payer, by condition.

    Parameters
    ----------
    data : DataFrame
        :func:`ratekit.leverage.chronic_cost_exposure`: ``payer``, ``condition``,
        ``exposure``, ``dollar_year``. Conditions without a published cost are
        left out.
    ax : Axes, optional
    title : str, optional

    Returns
    -------
    Axes
        Stacked horizontal bars: one container per condition (in
        ``client.CONDITIONS`` order), one bar per payer (in ``data`` order).
    """
    costed = data[data["exposure"].notna()]
    payers = list(dict.fromkeys(data["payer"]))
    wide = costed.pivot_table(index="payer", columns="condition", values="exposure", aggfunc="sum",
                              sort=False).reindex(payers).fillna(0.0)
    order = [c for c in CONDITION_LABELS if c in wide.columns]
    ax = _axes(ax, len(payers))
    y = np.arange(len(payers))
    left = np.zeros(len(payers))
    palette = sns.color_palette("tab20", max(len(order), 1))
    for color, cond in zip(palette, order, strict=False):  # the palette has a colour even for no condition
        ax.barh(y, wide[cond].to_numpy(), left=left, color=color, label=CONDITION_LABELS[cond])
        left = left + wide[cond].to_numpy()
    ax.set_yticks(y, payers)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(_DOLLARS)
    year = int(data["dollar_year"].iloc[0]) if len(data) else ""
    ax.set_xlabel(f"Annual cost of members' chronic conditions, {year} USD (cost the plan bears, not savings)")
    if order:
        ax.legend(loc="lower right", frameon=False, fontsize="small")
    ax.set_title(title if title is not None else "Chronic-condition cost the practice manages, per payer")
    return ax
