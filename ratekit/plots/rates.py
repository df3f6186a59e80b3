"""Charts of the rate benchmark."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter


def payer_index_bars(data: pd.DataFrame, *, benchmark: float | None = None, benchmark_label: str = "median payer",
                     ax: Axes | None = None, **kwargs) -> Axes:
    """Horizontal bars of each payer's volume-weighted percent of Medicare.

    Parameters
    ----------
    data : DataFrame
        ``payer, index`` (from :func:`ratekit.benchmark.payer_index`).
    benchmark : float, optional
        Draw a vertical line at this index (e.g. the median payer's).
    benchmark_label : str
        Legend text for that line.
    ax : Axes, optional
        Draw here; a new figure otherwise.
    **kwargs
        Passed to :func:`seaborn.barplot`.

    Returns
    -------
    Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * max(len(data), 3) + 1))
    order = data.sort_values("index")
    sns.barplot(data=order, x="index", y="payer", orient="h", color=kwargs.pop("color", "#4C72B0"), errorbar=None,
                ax=ax,
                **kwargs)
    ax.axvline(1.0, color="0.4", linewidth=1, linestyle=":", label="Medicare (100%)")
    if benchmark is not None:
        ax.axvline(benchmark, color="#C44E52", linewidth=2, label=f"{benchmark_label} ({benchmark:.0%})")
    for patch, value in zip(ax.patches, order["index"]):
        ax.annotate(f"{value:.0%}", (patch.get_width(), patch.get_y() + patch.get_height() / 2),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=9)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Volume-weighted % of Medicare")
    ax.set_ylabel("")
    ax.set_xlim(0, max(order["index"].max(), benchmark or 0, 1.0) * 1.15)
    ax.legend(loc="lower right", fontsize=8)
    return ax
