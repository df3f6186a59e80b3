"""Rate benchmarking: percent of Medicare, payer indices, gaps to a benchmark, the dollars at stake.

All functions take and return tidy DataFrames. Money is not rounded here; the report rounds for
display. Medicare amounts come from :func:`ratekit.medicare.price` (CMS Physician Fee Schedule,
exact cents, at the client's locality); rates and units from the client's own files.

Definitions
-----------
setting
    Each comparison row is ``nonfacility`` (office; Medicare's non-facility amount) or
    ``facility`` (hospital, ASC, ...; Medicare's facility amount). A rate without a setting applies
    in both; a row of utilization without one is non-facility.
percent of Medicare (per code)
    ``rate / medicare_amount`` (a ratio: 1.12 means 112 %).
payer index (volume-weighted % of Medicare)
    ``sum(rate * units) / sum(medicare_amount * units)`` over the payer's *priced* rows — those
    with a rate, a Medicare amount above 0 and units: what the payer pays for the practice's actual
    work, relative to what Medicare would pay for the same work.
benchmark (what a payer is brought up to; :data:`BENCHMARKS`)
    ``median``: the median of the peer payers' indices (the payer itself included);
    ``best``: the highest peer index; ``mean_of_others``: the volume-weighted index of the *other*
    peer payers pooled, ``sum_{q != p} revenue_q / sum_{q != p} medicare_revenue_q`` (each over
    its own priced rows); ``target``: a multiple of Medicare the analyst sets (1.3 = 130 %).
    Peers are every payer, or with ``within_kind=True`` the payers of the same kind (commercial,
    Medicare Advantage, Medicaid managed care), whose rates follow different markets.
dollars a year to reach a benchmark index ``b``
    ``max(0, b - index) * sum(medicare_amount * units)``: the payer's own volume repriced at ``b``
    times Medicare, minus what it pays now. It is also the priority score of :func:`priority`:
    (how far below the benchmark) x (how much Medicare-valued work), i.e. low rates x much volume.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd

from . import parameters

#: Benchmarks a payer can be brought up to (see the module docstring).
BENCHMARKS: tuple[str, ...] = parameters.BENCHMARKS

COMPARISON_COLUMNS = ["payer", "hcpcs", "modifier", "setting", "rate", "medicare_amount", "pct_of_medicare",
                      "units", "revenue", "medicare_revenue", "rate_basis", "medicare_na"]
_KEYS = ["payer", "hcpcs", "modifier", "setting"]

#: Default small-sample thresholds of :func:`payer_index`.
MIN_CODES = 5
MIN_UNITS = 100


def code_label(hcpcs: pd.Series, modifier: pd.Series, setting: pd.Series | None = None) -> pd.Series:
    """``99213``, ``71046-26``, ``20610 (facility)``: code, modifier and a non-default setting as one label."""
    label = hcpcs.where(modifier.eq(""), hcpcs + "-" + modifier)
    if setting is not None:
        label = label.where(~setting.eq("facility"), label + " (facility)")
    return label


def compare(rates: pd.DataFrame, medicare: pd.DataFrame, utilization: pd.DataFrame, *,
            setting: str = "nonfacility") -> pd.DataFrame:
    """Join rates, Medicare amounts and volumes per payer, code and setting.

    Parameters
    ----------
    rates : DataFrame
        ``payer, hcpcs, modifier, rate`` and optionally ``setting`` (``""`` = both settings) and
        ``rate_basis`` (from :func:`ratekit.feeschedules.read_client`).
    medicare : DataFrame
        ``hcpcs, modifier, nonfacility_amount, facility_amount`` at the client's locality (from
        :func:`ratekit.medicare.price`).
    utilization : DataFrame
        ``payer, hcpcs, modifier, units`` and optionally ``setting``.
    setting : {"nonfacility", "facility"}
        The setting of utilization rows without one, and where a rate without a setting is shown
        when no units say otherwise (office practices bill in the non-facility setting).

    Returns
    -------
    DataFrame
        :data:`COMPARISON_COLUMNS`, one row per payer, code and setting that has a rate or units. A
        setting's rate is the payer's rate for that setting, else its rate for both settings.
        ``medicare_amount`` is the amount of the row's setting; ``pct_of_medicare`` is NaN where
        Medicare pays no amount; ``units`` is 0 where the practice billed none; ``revenue = rate *
        units`` and ``medicare_revenue = medicare_amount * units``. ``medicare_na`` is True where CMS
        marks the row's setting NA, so ``medicare_amount`` is the amount CMS pays there: the other setting's.
    """
    if setting not in ("nonfacility", "facility"):
        raise ValueError("setting must be 'nonfacility' or 'facility'")
    rates = rates.assign(setting=rates["setting"] if "setting" in rates else "",
                         rate_basis=rates["rate_basis"] if "rate_basis" in rates else "flat")
    util = utilization.assign(setting=utilization["setting"].replace("", setting) if "setting" in utilization
                              else setting)
    util = util.groupby(_KEYS, as_index=False, sort=False)["units"].sum()
    specific = rates.loc[rates["setting"] != "", _KEYS + ["rate", "rate_basis"]]
    generic = rates.loc[rates["setting"] == "", _KEYS[:3] + ["rate", "rate_basis"]]
    keys = pd.concat([util[_KEYS], specific[_KEYS], generic[_KEYS[:3]].assign(setting=setting)],
                     ignore_index=True).drop_duplicates()
    table = keys.merge(specific, on=_KEYS, how="left")
    table = table.merge(generic.rename(columns={"rate": "_rate", "rate_basis": "_basis"}), on=_KEYS[:3], how="left")
    table["rate"] = table["rate"].fillna(table["_rate"])
    table["rate_basis"] = table["rate_basis"].fillna(table["_basis"])
    table = table.merge(util, on=_KEYS, how="left")
    flags = [c for c in ("nonfacility_na", "facility_na") if c in medicare]
    amounts = medicare[["hcpcs", "modifier", "nonfacility_amount", "facility_amount", *flags]]
    table = table.merge(amounts, on=["hcpcs", "modifier"], how="left")
    table["medicare_amount"] = np.where(table["setting"] == "facility", table["facility_amount"],
                                        table["nonfacility_amount"])
    # CMS marks the row's setting NA and pays the other setting's amount (ratekit.medicare prices it so)
    na = (np.where(table["setting"] == "facility", table["facility_na"], table["nonfacility_na"])
          if len(flags) == 2 else np.zeros(len(table), dtype=bool))
    table["medicare_na"] = pd.Series(na, index=table.index).fillna(False).astype(bool)
    table["units"] = table["units"].fillna(0.0).astype(float)
    table["pct_of_medicare"] = table["rate"] / table["medicare_amount"].where(table["medicare_amount"] > 0)
    table["revenue"] = table["rate"] * table["units"]
    table["medicare_revenue"] = table["medicare_amount"] * table["units"]
    return table[COMPARISON_COLUMNS].sort_values(_KEYS, ignore_index=True)


def _priced(comparison: pd.DataFrame) -> pd.DataFrame:
    """Rows that count towards an index: a rate, a positive Medicare amount and units."""
    ok = comparison["rate"].notna() & (comparison["medicare_amount"] > 0) & (comparison["units"] > 0)
    return comparison[ok]


def payer_index(comparison: pd.DataFrame, *, min_codes: int = MIN_CODES, min_units: float = MIN_UNITS) -> pd.DataFrame:
    """Each payer's volume-weighted percent of Medicare.

    ``index = sum(rate * units) / sum(medicare_amount * units)`` over the payer's priced rows.

    Parameters
    ----------
    comparison : DataFrame
        From :func:`compare`.
    min_codes, min_units : number
        A payer's index rests on a small sample when fewer than ``min_codes`` codes are priced or
        fewer than ``min_units`` units are billed on them: ``small_sample`` is True then, and the
        index should be read as indicative.

    Returns
    -------
    DataFrame
        ``payer, index, revenue, medicare_revenue, units, codes, small_sample`` sorted by index,
        lowest first; ``codes`` counts the priced rows.
    """
    priced = _priced(comparison)
    out = priced.groupby("payer", as_index=False).agg(
        revenue=("revenue", "sum"), medicare_revenue=("medicare_revenue", "sum"),
        units=("units", "sum"), codes=("hcpcs", "size"))
    out["index"] = out["revenue"] / out["medicare_revenue"]
    out["small_sample"] = (out["codes"] < min_codes) | (out["units"] < min_units)
    return out[["payer", "index", "revenue", "medicare_revenue", "units", "codes", "small_sample"]].sort_values(
        "index", ignore_index=True, kind="stable")


def _check_benchmark(benchmark: str, target: float | None) -> None:
    if benchmark not in BENCHMARKS:
        raise ValueError(f"benchmark must be one of {', '.join(repr(b) for b in BENCHMARKS)}")
    if benchmark == "target" and (target is None or not target > 0):
        raise ValueError("benchmark='target' needs target > 0, e.g. 1.3 for 130% of Medicare")


def benchmark_index(index: pd.DataFrame, benchmark: str = "median", *, target: float | None = None) -> float:
    """The one index every payer is brought up to (``median``, ``best`` or ``target``, all payers as peers).

    Parameters
    ----------
    index : DataFrame
        From :func:`payer_index`.
    benchmark : {"median", "best", "target"}
        ``median``: the median of the payers' indices (with an even number of payers, the mean of
        the two middle ones); ``best``: the highest index; ``target``: ``target`` itself (e.g. 1.30
        for 130 % of Medicare). ``mean_of_others`` differs per payer: see :func:`benchmark_levels`.
    """
    _check_benchmark(benchmark, target)
    if benchmark == "mean_of_others":
        raise ValueError("'mean_of_others' differs per payer: use benchmark_levels()")
    return float(benchmark_levels(index, benchmark, target=target).iloc[0]) if len(index) else float("nan")


def benchmark_levels(index: pd.DataFrame, benchmark: str = "median", *, target: float | None = None,
                     within_kind: bool = False) -> pd.Series:
    """The benchmark index of each payer (aligned with ``index``'s rows).

    Parameters
    ----------
    index : DataFrame
        From :func:`payer_index`; with ``within_kind``, also a ``kind`` column.
    benchmark : {"median", "best", "mean_of_others", "target"}
        See the module docstring. ``mean_of_others`` for payer p is
        ``sum_{q != p} revenue_q / sum_{q != p} medicare_revenue_q`` over the peers q (NaN when p
        has no peer).
    target : float, optional
        With ``benchmark="target"``.
    within_kind : bool
        Peers are the payers of the same ``kind`` instead of all payers.

    Returns
    -------
    Series of float
    """
    _check_benchmark(benchmark, target)
    if benchmark == "target":
        return pd.Series(float(target), index=index.index)
    if within_kind and "kind" not in index:
        raise ValueError("within_kind=True needs a 'kind' column in the index table")
    group = index["kind"] if within_kind else pd.Series("all", index=index.index)
    grouped = index.groupby(group, sort=False)
    if benchmark == "median":
        return grouped["index"].transform("median").astype(float)
    if benchmark == "best":
        return grouped["index"].transform("max").astype(float)
    revenue = grouped["revenue"].transform("sum") - index["revenue"]
    medicare_revenue = grouped["medicare_revenue"].transform("sum") - index["medicare_revenue"]
    return (revenue / medicare_revenue.where(medicare_revenue > 0)).astype(float)


def gap_to_benchmark(index: pd.DataFrame, benchmark: str = "median", *, target: float | None = None,
                     within_kind: bool = False) -> pd.DataFrame:
    """Dollars a year each payer would add at its benchmark index.

    ``dollars_a_year = max(0, benchmark_index - index) * medicare_revenue``: the payer's own volume
    repriced at the benchmark multiple of Medicare, minus what it pays now. Payers at or above the
    benchmark, or without peers, add nothing. ``increase_to_benchmark = max(0, benchmark_index /
    index - 1)`` is the across-the-board rate increase that would get the payer there.

    Parameters
    ----------
    index : DataFrame
        From :func:`payer_index` (with ``kind`` for ``within_kind``).
    benchmark, target, within_kind
        See :func:`benchmark_levels`.

    Returns
    -------
    DataFrame
        ``payer, [kind,] index, benchmark, peer_group, benchmark_index, medicare_revenue, revenue,
        increase_to_benchmark, dollars_a_year``, largest gap first. ``peer_group`` is ``"all"`` or
        the payer's kind.
    """
    levels = benchmark_levels(index, benchmark, target=target, within_kind=within_kind)
    cols = ["payer"] + (["kind"] if "kind" in index else []) + ["index"]
    out = index[cols].copy()
    out["benchmark"] = benchmark
    out["peer_group"] = index["kind"] if within_kind else "all"
    out["benchmark_index"] = levels
    out["medicare_revenue"] = index["medicare_revenue"]
    out["revenue"] = index["revenue"]
    out["increase_to_benchmark"] = (levels / index["index"] - 1).clip(lower=0).fillna(0.0)
    out["dollars_a_year"] = ((levels - index["index"]).clip(lower=0) * index["medicare_revenue"]).fillna(0.0)
    return out.sort_values(["dollars_a_year", "index"], ascending=[False, True], ignore_index=True, kind="stable")


def code_gaps(comparison: pd.DataFrame, benchmark: str = "median", *, target: float | None = None,
              kinds: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The gap of every payer and code to the benchmark rate for that code, and the dollars a year.

    The benchmark rate of a code (and modifier and setting) for payer p, over the peer payers that
    have a rate for it: ``median`` of their rates (p included); ``best``: the highest;
    ``mean_of_others``: ``sum_{q != p} rate_q * units_q / sum_{q != p} units_q`` (NaN when no other
    peer billed it); ``target``: ``target * medicare_amount``. Dollars a year =
    ``max(0, benchmark_rate - rate) * units``.

    Code gaps do not add up to the payer's gap in :func:`gap_to_benchmark`: there a payer's codes
    above the benchmark offset those below, here each code is on its own. They show *where*.

    Parameters
    ----------
    comparison : DataFrame
        From :func:`compare`.
    benchmark : {"median", "best", "mean_of_others", "target"}
    target : float, optional
        With ``benchmark="target"``.
    kinds : mapping payer -> kind, optional
        When given, peers are the payers of the same kind.

    Returns
    -------
    DataFrame
        ``payer, hcpcs, modifier, setting, units, rate, medicare_amount, pct_of_medicare,
        benchmark_rate, benchmark_pct, dollars_a_year`` for every row with a rate and units,
        largest gap first.
    """
    _check_benchmark(benchmark, target)
    rated = comparison[comparison["rate"].notna()].copy()
    group = ["hcpcs", "modifier", "setting"]
    if kinds is not None:
        rated["_kind"] = rated["payer"].map(kinds).fillna("")
        group = group + ["_kind"]
    grouped = rated.groupby(group, sort=False)
    if benchmark == "median":
        level = grouped["rate"].transform("median")
    elif benchmark == "best":
        level = grouped["rate"].transform("max")
    elif benchmark == "target":
        level = float(target) * rated["medicare_amount"]
    else:
        rated["_paid"] = rated["rate"] * rated["units"]
        paid = rated.groupby(group, sort=False)["_paid"].transform("sum") - rated["_paid"]
        units = grouped["units"].transform("sum") - rated["units"]
        level = paid / units.where(units > 0)
    rated["benchmark_rate"] = level
    rated["benchmark_pct"] = rated["benchmark_rate"] / rated["medicare_amount"].where(rated["medicare_amount"] > 0)
    rated["dollars_a_year"] = ((rated["benchmark_rate"] - rated["rate"]).clip(lower=0) * rated["units"]).fillna(0.0)
    out = rated[rated["units"] > 0]
    cols = ["payer", "hcpcs", "modifier", "setting", "units", "rate", "medicare_amount", "pct_of_medicare",
            "benchmark_rate", "benchmark_pct", "dollars_a_year"]
    return out[cols].sort_values(["dollars_a_year", "payer", "hcpcs"], ascending=[False, True, True],
                                 ignore_index=True, kind="stable")


def priority(gaps: pd.DataFrame, index: pd.DataFrame | None = None) -> pd.DataFrame:
    """Payers ranked by where a negotiation is worth most: low rates x much volume.

    Score = ``dollars_a_year`` of :func:`gap_to_benchmark` = ``max(0, benchmark_index - index) x
    medicare_revenue`` (how far below the benchmark, times the Medicare-valued work the practice
    does for the payer). Ties go to the lower index.

    Parameters
    ----------
    gaps : DataFrame
        From :func:`gap_to_benchmark`.
    index : DataFrame, optional
        From :func:`payer_index`, to carry its ``small_sample`` flag.

    Returns
    -------
    DataFrame
        ``rank, payer, [kind,] index, benchmark_index, gap_points, volume_share, dollars_a_year,
        share_of_total, cumulative_share, small_sample``: ``gap_points = max(0, benchmark_index -
        index)``; ``volume_share`` = the payer's share of the practice's Medicare-valued volume;
        ``share_of_total`` = its share of all dollars at stake; ``cumulative_share`` adds them up
        down the ranking.
    """
    out = gaps.sort_values(["dollars_a_year", "index"], ascending=[False, True], ignore_index=True,
                           kind="stable").copy()
    total = out["dollars_a_year"].sum()
    volume = out["medicare_revenue"].sum()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    out["gap_points"] = (out["benchmark_index"] - out["index"]).clip(lower=0).fillna(0.0)
    out["volume_share"] = out["medicare_revenue"] / volume if volume > 0 else np.nan
    out["share_of_total"] = out["dollars_a_year"] / total if total > 0 else 0.0
    out["cumulative_share"] = out["share_of_total"].cumsum()
    flags = index.set_index("payer")["small_sample"] if index is not None and "small_sample" in index else None
    out["small_sample"] = out["payer"].map(flags).fillna(False).astype(bool) if flags is not None else False
    cols = ["rank", "payer"] + (["kind"] if "kind" in out else []) + [
        "index", "benchmark_index", "gap_points", "volume_share", "dollars_a_year", "share_of_total",
        "cumulative_share", "small_sample"]
    return out[cols]


def spread_by_payer(comparison: pd.DataFrame) -> pd.DataFrame:
    """How widely each payer's percent of Medicare varies across the codes the practice bills it.

    Over the payer's billed codes with a percent of Medicare (units above 0): ``lowest`` and ``highest``
    percent of Medicare (ratios) and ``spread = highest - lowest`` (0.25 = 25 points). A payer index
    averages these away; a wide spread means some codes are paid well below the rest.

    Returns
    -------
    DataFrame
        ``payer, codes, lowest, highest, spread``, one row per payer with a billed, priced code, payers
        in alphabetical order.
    """
    rows = comparison[comparison["pct_of_medicare"].notna() & (comparison["units"] > 0)]
    stats = rows.groupby("payer")["pct_of_medicare"].agg(["size", "min", "max"]).reset_index()
    stats.columns = ["payer", "codes", "lowest", "highest"]
    stats["spread"] = stats["highest"] - stats["lowest"]
    return stats


def proposed_increases(gaps: pd.DataFrame) -> dict[str, float]:
    """The increase that brings each payer below the benchmark up to it, rounded up to a whole percent.

    ``ceil(100 x increase_to_benchmark) / 100`` for each payer with dollars at stake (a tolerance of 1e-9
    keeps an exact whole percent, such as 14.000000001% from floating point, at 14%), so the proposal
    reaches the benchmark. Payers at or above it get none.

    Parameters
    ----------
    gaps : DataFrame
        From :func:`gap_to_benchmark`.

    Returns
    -------
    dict
        payer -> proposed increase (0.14 = 14%), in the order of ``gaps``; input to :func:`what_if`.
    """
    below = gaps[gaps["dollars_a_year"] > 0]
    return {r.payer: math.ceil(r.increase_to_benchmark * 100 - 1e-9) / 100 for r in below.itertuples()}


def below_medicare(comparison: pd.DataFrame) -> pd.DataFrame:
    """The codes each payer pays below Medicare.

    Returns
    -------
    DataFrame
        ``payer, hcpcs, modifier, setting, rate, medicare_amount, pct_of_medicare, units,
        dollars_below_a_year`` for every row with ``rate < medicare_amount``, where
        ``dollars_below_a_year = (medicare_amount - rate) * units`` (0 without units): what bringing
        the code up to Medicare alone would add. Largest first, then lowest percent.
    """
    rows = comparison[comparison["pct_of_medicare"] < 1].copy()
    rows["dollars_below_a_year"] = (rows["medicare_amount"] - rows["rate"]) * rows["units"]
    cols = ["payer", "hcpcs", "modifier", "setting", "rate", "medicare_amount", "pct_of_medicare", "units",
            "dollars_below_a_year"]
    return rows[cols].sort_values(["dollars_below_a_year", "pct_of_medicare"], ascending=[False, True],
                                  ignore_index=True, kind="stable")


def below_medicare_summary(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per payer: codes priced, codes paid below Medicare, and the dollars a year below it.

    Returns
    -------
    DataFrame
        ``payer, codes_priced, codes_below, units_below_share, dollars_below_a_year`` (codes and
        units counted over priced rows; ``units_below_share`` = units on codes below Medicare /
        all priced units), most dollars first.
    """
    priced = _priced(comparison).assign(_below=lambda d: d["pct_of_medicare"] < 1)
    priced = priced.assign(_units_below=priced["units"].where(priced["_below"], 0.0),
                           _dollars=((priced["medicare_amount"] - priced["rate"]) * priced["units"]).where(
                               priced["_below"], 0.0))
    out = priced.groupby("payer", as_index=False).agg(
        codes_priced=("hcpcs", "size"), codes_below=("_below", "sum"), _units=("units", "sum"),
        _units_below=("_units_below", "sum"), dollars_below_a_year=("_dollars", "sum"))
    out["units_below_share"] = out["_units_below"] / out["_units"]
    out["codes_below"] = out["codes_below"].astype(int)
    return out[["payer", "codes_priced", "codes_below", "units_below_share", "dollars_below_a_year"]].sort_values(
        ["dollars_below_a_year", "payer"], ascending=[False, True], ignore_index=True)


def what_if(comparison: pd.DataFrame, increases: Mapping[str, float] | float) -> pd.DataFrame:
    """New annual revenue per payer under proposed rate increases.

    ``new_revenue = current_revenue * (1 + increase)``, where ``current_revenue = sum(rate *
    units)`` over the payer's rows with a rate: a 5 % increase (0.05) raises every rate of the
    payer by 5 % on its own volume. ``current_index``/``new_index`` are the payer index before and
    after (over priced rows only, so ``new_index = current_index * (1 + increase)``).

    Parameters
    ----------
    comparison : DataFrame
        From :func:`compare`.
    increases : mapping payer -> float, or float
        Proposed increase per payer as a fraction (0.05 = 5 %); payers not named get 0. A single
        number applies to every payer.

    Returns
    -------
    DataFrame
        ``payer, increase, current_revenue, new_revenue, change, current_index, new_index``, in
        the order of the largest change first.

    Raises
    ------
    ValueError
        For a payer not in ``comparison`` or an increase that is not a number above -1.
    """
    rated = comparison[comparison["rate"].notna()]
    payers = sorted(set(comparison["payer"]))
    if isinstance(increases, (int, float)) and not isinstance(increases, bool):
        increases = dict.fromkeys(payers, float(increases))
    unknown = sorted(set(increases) - set(payers))
    if unknown:
        raise ValueError(f"unknown payer(s) in increases: {', '.join(unknown)} (payers: {', '.join(payers)})")
    for payer, value in increases.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not np.isfinite(value) \
                or value <= -1:
            raise ValueError(f"the increase for {payer!r} must be a number above -1 (0.05 = 5%), not {value!r}")
    revenue = rated.groupby("payer")["revenue"].sum().reindex(payers, fill_value=0.0)
    index = payer_index(comparison).set_index("payer")["index"].reindex(payers)
    out = pd.DataFrame({"payer": payers})
    out["increase"] = out["payer"].map(lambda p: float(increases.get(p, 0.0)))
    out["current_revenue"] = revenue.to_numpy()
    out["new_revenue"] = out["current_revenue"] * (1 + out["increase"])
    out["change"] = out["new_revenue"] - out["current_revenue"]
    out["current_index"] = index.to_numpy()
    out["new_index"] = out["current_index"] * (1 + out["increase"])
    return out.sort_values(["change", "payer"], ascending=[False, True], ignore_index=True)


def top_codes(comparison: pd.DataFrame, n: int = 10) -> list[str]:
    """The ``n`` code labels with the most Medicare-valued volume across payers."""
    priced = _priced(comparison)
    weight = priced.assign(label=code_label(priced["hcpcs"], priced["modifier"], priced.get("setting"))).groupby(
        "label")["medicare_revenue"].sum()
    return weight.sort_values(ascending=False, kind="stable").head(n).index.tolist()


def code_table(comparison: pd.DataFrame, *, n: int = 10) -> pd.DataFrame:
    """Payer x code table of percent of Medicare for the practice's top ``n`` codes.

    Rows are payers (lowest index first), columns code labels (most volume first), values the
    ratio ``rate / medicare_amount``; NaN where the payer has no rate for the code.
    """
    codes = top_codes(comparison, n)
    table = comparison.assign(code=code_label(comparison["hcpcs"], comparison["modifier"], comparison.get("setting")))
    table = table[table["code"].isin(codes)]
    wide = table.pivot_table(index="payer", columns="code", values="pct_of_medicare", aggfunc="first")
    order = payer_index(comparison)["payer"]
    return wide.reindex(index=[p for p in order if p in wide.index], columns=codes)
