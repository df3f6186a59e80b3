"""Rate benchmarking: percent of Medicare, payer indices and the dollars at stake.

All functions take and return tidy DataFrames. Money is not rounded here; the
report rounds for display.

Definitions
-----------
percent of Medicare (per code)
    ``rate / medicare_amount`` (a ratio: 1.12 means 112 %).
payer index (volume-weighted % of Medicare)
    ``sum(rate * units) / sum(medicare_amount * units)`` over the payer's codes
    that have a rate, a Medicare amount and units: what the payer pays for the
    practice's actual work, relative to what Medicare would pay for the same work.
dollars a year to reach a benchmark index ``b``
    ``max(0, b - index) * sum(medicare_amount * units)``: the payer's own volume
    repriced at ``b`` times Medicare, minus what it pays now.
"""

from __future__ import annotations

import pandas as pd

COMPARISON_COLUMNS = ["payer", "hcpcs", "modifier", "rate", "medicare_amount", "pct_of_medicare", "units",
                      "revenue", "medicare_revenue"]


def code_label(hcpcs: pd.Series, modifier: pd.Series) -> pd.Series:
    """``99213``, ``71046-26``: code and modifier as one label."""
    return hcpcs.where(modifier.eq(""), hcpcs + "-" + modifier)


def compare(rates: pd.DataFrame, medicare: pd.DataFrame, utilization: pd.DataFrame, *,
            setting: str = "nonfacility") -> pd.DataFrame:
    """Join rates, Medicare amounts and volumes per payer and code.

    Parameters
    ----------
    rates : DataFrame
        ``payer, hcpcs, modifier, rate`` (from :func:`ratekit.feeschedules.load_rates`).
    medicare : DataFrame
        ``hcpcs, modifier, nonfacility_amount, facility_amount`` at the client's
        locality (from :func:`ratekit.medicare.price`).
    utilization : DataFrame
        ``payer, hcpcs, modifier, units``.
    setting : {"nonfacility", "facility"}
        Which Medicare amount the practice's services compare with: office
        practices bill in the non-facility setting.

    Returns
    -------
    DataFrame
        :data:`COMPARISON_COLUMNS`, one row per payer and code that has a rate
        or units. ``pct_of_medicare`` is NaN where Medicare pays no amount;
        ``units`` is 0 where the practice billed none; ``revenue = rate * units``
        and ``medicare_revenue = medicare_amount * units``.
    """
    if setting not in ("nonfacility", "facility"):
        raise ValueError("setting must be 'nonfacility' or 'facility'")
    keys = ["payer", "hcpcs", "modifier"]
    amounts = medicare[["hcpcs", "modifier", f"{setting}_amount"]].rename(
        columns={f"{setting}_amount": "medicare_amount"})
    table = rates[keys + ["rate"]].merge(utilization[keys + ["units"]], on=keys, how="outer")
    table = table.merge(amounts, on=["hcpcs", "modifier"], how="left")
    table["units"] = table["units"].fillna(0.0)
    table["pct_of_medicare"] = table["rate"] / table["medicare_amount"].where(table["medicare_amount"] > 0)
    table["revenue"] = table["rate"] * table["units"]
    table["medicare_revenue"] = table["medicare_amount"] * table["units"]
    return table[COMPARISON_COLUMNS].sort_values(keys, ignore_index=True)


def _priced(comparison: pd.DataFrame) -> pd.DataFrame:
    """Rows that count towards an index: a rate, a positive Medicare amount and units."""
    ok = comparison["rate"].notna() & (comparison["medicare_amount"] > 0) & (comparison["units"] > 0)
    return comparison[ok]


def payer_index(comparison: pd.DataFrame) -> pd.DataFrame:
    """Each payer's volume-weighted percent of Medicare.

    Returns
    -------
    DataFrame
        ``payer, index, revenue, medicare_revenue, units, codes`` sorted by
        index, lowest first. ``index = revenue / medicare_revenue`` summed over
        the payer's priced codes; ``codes`` counts them.
    """
    priced = _priced(comparison)
    out = priced.groupby("payer", as_index=False).agg(
        revenue=("revenue", "sum"), medicare_revenue=("medicare_revenue", "sum"),
        units=("units", "sum"), codes=("hcpcs", "size"))
    out["index"] = out["revenue"] / out["medicare_revenue"]
    return out[["payer", "index", "revenue", "medicare_revenue", "units", "codes"]].sort_values(
        "index", ignore_index=True)


def benchmark_index(index: pd.DataFrame, benchmark: str = "median", *, target: float | None = None) -> float:
    """The index a payer is brought up to.

    Parameters
    ----------
    index : DataFrame
        From :func:`payer_index`.
    benchmark : {"median", "best", "target"}
        ``median``: the median of the payers' indices (with an even number of
        payers, the mean of the two middle ones); ``best``: the highest index;
        ``target``: ``target`` itself (e.g. 1.30 for 130 % of Medicare).
    """
    if benchmark == "median":
        return float(index["index"].median())
    if benchmark == "best":
        return float(index["index"].max())
    if benchmark == "target":
        if target is None or target <= 0:
            raise ValueError("benchmark='target' needs target > 0, e.g. 1.3 for 130% of Medicare")
        return float(target)
    raise ValueError("benchmark must be 'median', 'best' or 'target'")


def gap_to_benchmark(index: pd.DataFrame, benchmark: str = "median", *, target: float | None = None) -> pd.DataFrame:
    """Dollars a year each payer would add at the benchmark index.

    ``dollars_a_year = max(0, benchmark_index - index) * medicare_revenue``: the
    payer's own volume repriced at the benchmark multiple of Medicare, minus
    what it pays now. Payers at or above the benchmark add nothing.

    Returns
    -------
    DataFrame
        ``payer, index, benchmark, benchmark_index, medicare_revenue, revenue,
        dollars_a_year``, largest gap first.
    """
    level = benchmark_index(index, benchmark, target=target)
    out = index[["payer", "index", "medicare_revenue", "revenue"]].copy()
    out.insert(2, "benchmark", benchmark)
    out.insert(3, "benchmark_index", level)
    out["dollars_a_year"] = (level - out["index"]).clip(lower=0) * out["medicare_revenue"]
    return out.sort_values(["dollars_a_year", "index"], ascending=[False, True], ignore_index=True)


def top_codes(comparison: pd.DataFrame, n: int = 10) -> list[str]:
    """The ``n`` code labels with the most Medicare-valued volume across payers."""
    priced = _priced(comparison)
    weight = priced.assign(label=code_label(priced["hcpcs"], priced["modifier"])).groupby(
        "label")["medicare_revenue"].sum()
    return weight.sort_values(ascending=False).head(n).index.tolist()


def code_table(comparison: pd.DataFrame, *, n: int = 10) -> pd.DataFrame:
    """Payer x code table of percent of Medicare for the practice's top ``n`` codes.

    Rows are payers (lowest index first), columns code labels (most volume
    first), values the ratio ``rate / medicare_amount``; NaN where the payer has
    no rate for the code.
    """
    codes = top_codes(comparison, n)
    table = comparison.assign(code=code_label(comparison["hcpcs"], comparison["modifier"]))
    table = table[table["code"].isin(codes)]
    wide = table.pivot_table(index="payer", columns="code", values="pct_of_medicare", aggfunc="first")
    order = payer_index(comparison)["payer"]
    return wide.reindex(index=[p for p in order if p in wide.index], columns=codes)
