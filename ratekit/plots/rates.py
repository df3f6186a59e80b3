"""Charts of the rate benchmark.

Each function takes a tidy table from :mod:`ratekit.benchmark`, keyword-only options and
``ax=None``, draws with matplotlib and seaborn and returns the Axes. None shows or saves a figure.
"""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.ticker import FuncFormatter, PercentFormatter

from ..benchmark import code_label

_BLUE = "#4C72B0"
_RED = "#C44E52"
_GREY = "0.4"


def _axes(ax: Axes | None, rows: int, width: float = 7) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(width, 0.45 * max(rows, 3) + 1))
    return ax


def _hbars(ax: Axes, labels, values, color, **kwargs) -> None:
    """One horizontal bar per label, the first on top, drawn as :func:`seaborn.barplot` draws them (0.8 high,
    the colour at 75% saturation, no grid lines across the bars) at a third of its cost."""
    y = np.arange(len(labels))
    ax.barh(y, np.asarray(values, dtype=float), height=0.8, color=sns.desaturate(color, 0.75), **kwargs)
    ax.set_yticks(y, [str(label) for label in labels])
    ax.set_ylim(max(len(labels), 1) - 0.5, -0.5)
    ax.yaxis.grid(False)


def _dollars(value: float, _pos=None) -> str:
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"${value / 1_000:.0f}k"
    if abs(value) >= 1_000:
        return f"${value / 1_000:.1f}k"
    return f"${value:.0f}"


def _dollar_ticks(value: float, _pos=None) -> str:
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:g}M"
    return f"${value / 1_000:g}k" if abs(value) >= 1_000 else f"${value:g}"


def payer_index_bars(data: pd.DataFrame, *, benchmark: float | Mapping[str, float] | pd.Series | None = None,
                     benchmark_label: str = "median payer", ax: Axes | None = None, **kwargs) -> Axes:
    """Horizontal bars of each payer's volume-weighted percent of Medicare.

    Parameters
    ----------
    data : DataFrame
        ``payer, index`` (from :func:`ratekit.benchmark.payer_index`); a ``small_sample`` column
        marks bars resting on few codes or units (hatched, ``*`` after the value).
    benchmark : float or mapping payer -> float, optional
        One benchmark index drawn as a vertical line, or one per payer (``mean_of_others``, peer
        groups) drawn as a marker on each bar.
    benchmark_label : str
        Legend text for the benchmark.
    ax : Axes, optional
        Draw here; a new figure otherwise.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh`.

    Returns
    -------
    Axes
    """
    ax = _axes(ax, len(data))
    order = data.sort_values("index", kind="stable")
    _hbars(ax, order["payer"], order["index"], kwargs.pop("color", _BLUE), **kwargs)
    small = order["small_sample"].to_numpy(dtype=bool) if "small_sample" in order else np.zeros(len(order), bool)
    ax.axvline(1.0, color=_GREY, linewidth=1, linestyle=":", label="Medicare (100%)")
    top = max(order["index"].max() if len(order) else 1.0, 1.0)
    if isinstance(benchmark, (Mapping, pd.Series)):
        levels = pd.Series(benchmark).reindex(order["payer"]).to_numpy(dtype=float)
        ax.scatter(levels, np.arange(len(order)), marker="|", s=400, linewidths=3, color=_RED, zorder=3,
                   label=benchmark_label)
        top = max(top, np.nanmax(levels) if np.isfinite(levels).any() else 0)
    elif benchmark is not None and np.isfinite(benchmark):
        ax.axvline(benchmark, color=_RED, linewidth=2, label=f"{benchmark_label} ({benchmark:.0%})")
        top = max(top, benchmark)
    for patch, value, flag in zip(ax.patches, order["index"], small, strict=False):
        if flag:
            patch.set_hatch("//")
            patch.set_alpha(0.6)
        ax.annotate(f"{value:.0%}" + ("*" if flag else ""), (patch.get_width(), patch.get_y() + patch.get_height() / 2),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=9)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Volume-weighted % of Medicare" + (" (* few codes or units)" if small.any() else ""))
    ax.set_ylabel("")
    ax.set_xlim(0, top * 1.15)
    ax.legend(loc="upper right", fontsize=8)  # bars are sorted up: the top right is where the short bars are
    return ax


def pct_heatmap(table: pd.DataFrame, *, vmin: float = 0.6, vmax: float = 1.6, annot: bool = True,
                ax: Axes | None = None, **kwargs) -> Axes:
    """Payer x code heatmap of percent of Medicare (red below, green above Medicare).

    Drawn with matplotlib rather than :func:`seaborn.heatmap`, which draws the whole
    figure once more to see whether tick labels overlap: a third of the chart's time.
    Every code and payer is labelled, codes at 45 degrees.

    Parameters
    ----------
    table : DataFrame
        Payers as rows, code labels as columns, ratios as values (from
        :func:`ratekit.benchmark.code_table`); NaN cells (no rate) are left blank.
    vmin, vmax : float
        Colour range (ratios); the colour map is centred on 1.0 (Medicare).
    annot : bool
        Write each percent in its cell, black or white, whichever reads on the cell's colour.
    ax : Axes, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.pcolormesh`.

    Returns
    -------
    Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 + 0.75 * max(len(table.columns), 4), 0.5 * max(len(table), 3) + 1.5))
    values = np.ma.masked_invalid(table.to_numpy(dtype=float))
    norm = TwoSlopeNorm(1.0, vmin=vmin, vmax=vmax)
    cmap = plt.get_cmap("RdYlGn")
    options = {"edgecolors": "white", "linewidth": 0.5, **kwargs}
    mesh = ax.pcolormesh(values, cmap=cmap, norm=norm, **options)
    ax.set(xlim=(0, values.shape[1]), ylim=(values.shape[0], 0))  # first payer on top
    colorbar = ax.figure.colorbar(mesh, ax=ax, format=PercentFormatter(1.0), label="% of Medicare")
    colorbar.outline.set_linewidth(0)
    ax.set_xticks(np.arange(values.shape[1]) + 0.5, [str(c) for c in table.columns], rotation=45, ha="right",
                  rotation_mode="anchor")
    ax.set_yticks(np.arange(values.shape[0]) + 0.5, [str(i) for i in table.index])
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if annot:
        colours = cmap(norm(values))
        for (row, col), value in np.ndenumerate(values.filled(np.nan)):
            if not np.isnan(value):
                ax.text(col + 0.5, row + 0.5, f"{value:.0%}", ha="center", va="center", fontsize=8,
                        color="black" if _luminance(colours[row, col]) > 0.408 else "white",
                        in_layout=False)  # inside its cell: measuring it for the layout is wasted time
    ax.set_xlabel("Code (most Medicare-valued volume first)")
    ax.set_ylabel("")
    return ax


def _luminance(rgba) -> float:
    """Relative luminance of an sRGB colour (WCAG 2.x definition), 0 black to 1 white."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def dollars_at_stake_bars(gaps: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Horizontal bars of the dollars a year each payer would add at the benchmark, largest on top.

    Parameters
    ----------
    gaps : DataFrame
        ``payer, dollars_a_year`` (from :func:`ratekit.benchmark.gap_to_benchmark`).
    ax : Axes, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh`.

    Returns
    -------
    Axes
    """
    ax = _axes(ax, len(gaps))
    order = gaps.sort_values(["dollars_a_year", "payer"], ascending=[False, True], kind="stable")
    _hbars(ax, order["payer"], order["dollars_a_year"], kwargs.pop("color", _RED), **kwargs)
    for patch, value in zip(ax.patches, order["dollars_a_year"], strict=False):
        ax.annotate(_dollars(value), (patch.get_width(), patch.get_y() + patch.get_height() / 2),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=9)
    ax.xaxis.set_major_formatter(FuncFormatter(_dollar_ticks))
    ax.set_xlabel("Dollars a year at the benchmark")
    ax.set_ylabel("")
    ax.set_xlim(0, max(order["dollars_a_year"].max() if len(order) else 0, 1) * 1.2)
    return ax


def pct_spread(comparison: pd.DataFrame, *, order: list[str] | None = None, ax: Axes | None = None,
               **kwargs) -> Axes:
    """The spread of each payer's percent of Medicare across its billed codes: a box and one dot per code.

    Parameters
    ----------
    comparison : DataFrame
        From :func:`ratekit.benchmark.compare`; rows with a percent of Medicare and units are drawn.
    order : list of str, optional
        Payers top to bottom (default: lowest median first).
    ax : Axes, optional
    **kwargs
        Passed to :func:`seaborn.stripplot`.

    Returns
    -------
    Axes
        The dots are the Axes' last collections, one per payer in ``order``.
    """
    rows = comparison[comparison["pct_of_medicare"].notna() & (comparison["units"] > 0)]
    if order is None:
        order = rows.groupby("payer")["pct_of_medicare"].median().sort_values(kind="stable").index.tolist()
    ax = _axes(ax, len(order))
    sns.boxplot(data=rows, x="pct_of_medicare", y="payer", order=order, orient="h", color="0.92", showfliers=False,
                whis=(0, 100), width=0.6, ax=ax)
    sns.stripplot(data=rows, x="pct_of_medicare", y="payer", order=order, orient="h", color=kwargs.pop("color", _BLUE),
                  size=4, alpha=0.7, jitter=0.15, ax=ax, **kwargs)
    ax.axvline(1.0, color=_GREY, linewidth=1, linestyle=":")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("% of Medicare, one dot per billed code")
    ax.set_ylabel("")
    return ax


def top_code_gaps(code_gaps: pd.DataFrame, *, n: int = 10, ax: Axes | None = None, **kwargs) -> Axes:
    """The ``n`` payer-and-code pairs with the most dollars a year below the code's benchmark rate.

    Parameters
    ----------
    code_gaps : DataFrame
        From :func:`ratekit.benchmark.code_gaps`.
    n : int
        How many bars.
    ax : Axes, optional
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.barh`.

    Returns
    -------
    Axes
        Bars labelled ``payer · code``, largest on top.
    """
    top = code_gaps[code_gaps["dollars_a_year"] > 0].sort_values(
        "dollars_a_year", ascending=False, kind="stable").head(n)
    top = top.assign(label=top["payer"] + " · " + code_label(top["hcpcs"], top["modifier"], top.get("setting")))
    ax = _axes(ax, len(top), width=8)
    _hbars(ax, top["label"], top["dollars_a_year"], kwargs.pop("color", _RED), **kwargs)
    for patch, row in zip(ax.patches, top.itertuples(), strict=False):
        ax.annotate(f"{_dollars(row.dollars_a_year)} ({row.pct_of_medicare:.0%} vs {row.benchmark_pct:.0%})",
                    (patch.get_width(), patch.get_y() + patch.get_height() / 2), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.xaxis.set_major_formatter(FuncFormatter(_dollar_ticks))
    ax.set_xlabel("Dollars a year below the code's benchmark rate")
    ax.set_title("(% of Medicare: the payer's rate vs the benchmark rate)", fontsize=9, loc="right")
    ax.set_ylabel("")
    ax.set_xlim(0, max(top["dollars_a_year"].max() if len(top) else 0, 1) * 1.45)
    return ax
