"""Where the practice's rates sit in each payer's published market: its rate next to the payer's market median.

Per client payer, code, modifier and setting: the practice's contracted rate, the payer's market (the
distinct TIN rates of the reporting entities mapped to that payer, :func:`ratekit.market.summarize.
market_observations`, outliers beyond 5x / below 0.2x Medicare left out, the practice's own TINs left out),
its p25 / median / p75, the practice's percentile in it, and, when the payer's file lists the practice's TIN,
what it publishes for the practice.

A rate or a utilization line without a setting is read as the office (non-facility), where a practice bills
its own services. The market's rates are public (Transparency in Coverage); nothing here needs, or asks for,
another provider's private contract.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from ..client import normalise_name
from .nppes import ProviderFilter
from .published import published_rates
from .summarize import Market, market_observations, open_market, percentile_rank

#: Columns of :func:`market_position`.
POSITION_COLUMNS = ["payer", "hcpcs", "modifier", "setting", "rate", "n_tins", "market_p25", "market_median",
                    "market_p75", "percentile", "to_median", "pct_of_median", "medicare_amount", "published_rate",
                    "units", "dollars_to_median"]


def _effective_setting(setting: pd.Series) -> pd.Series:
    return setting.fillna("").astype(object).where(setting.fillna("") != "", "nonfacility")


def _tin_key(tin: object) -> str:
    return re.sub(r"[\s-]", "", str(tin))


def market_position(folder: str | Path | Market, *, rates: pd.DataFrame, entities: Mapping[str, str],
                    locality_id: str, release: str, tins: Iterable[str] = (),
                    utilization: pd.DataFrame | None = None,
                    providers: ProviderFilter | None = None) -> pd.DataFrame:
    """The practice's rate against its payer's market median, per payer, code, modifier and setting.

    Parameters
    ----------
    folder : path or Market
        Output folder of :func:`ratekit.market.ingest.ingest`.
    rates : DataFrame
        The practice's tidy fee-schedule rates (``payer, hcpcs, modifier, setting, rate``).
    entities : mapping
        TiC reporting entity name -> the practice's payer name (``client.yaml``'s ``market.entities``).
        Only mapped entities count; two entities mapped to one payer pool their rates.
    locality_id, release : str
        Medicare locality and release (for the outlier screen and ``medicare_amount``).
    tins : iterable of str
        The practice's own TINs: left out of the market, and their published rate is ``published_rate``.
    utilization : DataFrame, optional
        ``payer, hcpcs, modifier, setting, units`` a year; gives ``units`` and ``dollars_to_median``.
    providers : ProviderFilter, optional
        Limit the market by place and specialty (:func:`ratekit.market.nppes.read_nppes`).

    Returns
    -------
    DataFrame
        :data:`POSITION_COLUMNS`, one row per fee-schedule rate of a mapped payer with at least one market
        rate for its code, modifier and setting. ``market_*`` are the linear-interpolation quantiles of the
        market's distinct TIN rates (as :func:`market_summary`); ``percentile`` the practice's mid-rank
        (:func:`percentile_rank`); ``to_median`` = median - rate (positive: the practice is paid less);
        ``pct_of_median`` = rate / median x 100; ``published_rate`` what the payer's file publishes for
        the practice's TINs (NaN when not published, the lowest when it publishes several);
        ``dollars_to_median`` = ``to_median`` x ``units`` (0 units when the practice bills none).
        ``attrs["notes"]`` are the market's notes.
    """
    market = folder if isinstance(folder, Market) else open_market(folder)
    to_payer = {normalise_name(k): v for k, v in entities.items()}
    fees = rates[["payer", "hcpcs", "modifier", "setting", "rate"]].copy()
    fees = fees[fees["payer"].isin(set(to_payer.values()))].reset_index(drop=True)
    fees["setting"] = _effective_setting(fees["setting"])
    empty = pd.DataFrame({c: pd.Series(dtype=object if c in ("payer", "hcpcs", "modifier", "setting") else "float64")
                          for c in POSITION_COLUMNS})
    if fees.empty:
        empty.attrs["notes"] = []
        return empty
    obs = market_observations(market, locality_id=locality_id, release=release, providers=providers,
                              codes=sorted(set(fees["hcpcs"])))
    notes = obs.attrs.get("notes", [])
    own = {_tin_key(t) for t in tins}
    obs = obs.assign(client_payer=[to_payer.get(normalise_name(p)) for p in obs["payer"]])
    tin_values = obs["tin"].astype(str).str.split(":", n=1).str[-1].map(_tin_key)
    obs = obs[obs["client_payer"].notna() & (obs["outlier"] == "") & ~tin_values.isin(own)]

    rows = []
    groups = {key: g for key, g in obs.groupby(["client_payer", "billing_code", "modifier", "setting"])}
    for fee in fees.itertuples(index=False):
        g = groups.get((fee.payer, fee.hcpcs, fee.modifier, fee.setting))
        if g is None or g.empty:
            continue
        values = g["negotiated_rate"].astype("float64")
        p25, median, p75 = (float(np.percentile(values, q)) for q in (25, 50, 75))  # numpy linear = quantile_cont
        rows.append({"payer": fee.payer, "hcpcs": fee.hcpcs, "modifier": fee.modifier, "setting": fee.setting,
                     "rate": float(fee.rate), "n_tins": int(g["tin"].nunique()), "market_p25": p25,
                     "market_median": median, "market_p75": p75,
                     "percentile": percentile_rank(float(fee.rate), values), "to_median": median - float(fee.rate),
                     "pct_of_median": float(fee.rate) / median * 100,
                     "medicare_amount": float(g["medicare_amount"].iloc[0])})
    out = pd.DataFrame(rows) if rows else empty.drop(columns=["published_rate", "units", "dollars_to_median"])

    published = np.nan * np.ones(len(out))
    if own and len(out):
        pub = published_rates(market.folder, tins=own)  # its own connection (the first holds a result)
        pub = pub.assign(client_payer=[to_payer.get(normalise_name(p)) for p in pub["payer"]])
        for i, row in enumerate(out.itertuples(index=False)):
            hit = pub[(pub["client_payer"] == row.payer) & (pub["billing_code"] == row.hcpcs)
                      & (pub["modifier"] == row.modifier) & pub["setting"].isin(["", row.setting])]
            if len(hit):
                published[i] = float(hit["negotiated_rate"].min())
    out["published_rate"] = published

    units = np.zeros(len(out))
    if utilization is not None and len(out):
        util = utilization[["payer", "hcpcs", "modifier", "setting", "units"]].copy()
        util["setting"] = _effective_setting(util["setting"])
        totals = util.groupby(["payer", "hcpcs", "modifier", "setting"])["units"].sum()
        units = np.array([float(totals.get((r.payer, r.hcpcs, r.modifier, r.setting), 0.0))
                          for r in out.itertuples(index=False)])
    out["units"] = units
    out["dollars_to_median"] = out["to_median"] * out["units"] if len(out) else pd.Series(dtype="float64")
    out = out[POSITION_COLUMNS].sort_values(["payer", "hcpcs", "modifier", "setting"], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs["notes"] = notes
    return out


def volume_weighted_percentile(position: pd.DataFrame) -> float:
    """The practice's percentile across a payer's codes, weighted by its units (NaN without units)."""
    units = position["units"].astype("float64")
    if units.sum() <= 0:
        return float("nan")
    return float((position["percentile"] * units).sum() / units.sum())


def client_position(client, *, rates: pd.DataFrame, utilization: pd.DataFrame, locality_id: str,
                    release: str) -> pd.DataFrame | None:
    """:func:`market_position` for a client whose ``client.yaml`` has a ``market:`` section; None without one.

    With ``market.folder`` the ingested datasets there are read; otherwise ``market.files`` are ingested
    (the client's codes only) into a temporary folder that is removed afterwards. With ``market.nppes`` the
    market is limited to the client's state and specialty.

    Parameters
    ----------
    client : ratekit.client.Client
    rates, utilization : DataFrame
        The client's tidy rates and utilization (as :class:`ratekit.analysis.ClientAnalysis` holds them).
    locality_id, release : str

    Raises
    ------
    RatekitError
        When a market file cannot be ingested (the ingest's error, naming the file and the position).
    """
    import tempfile

    from ..errors import RatekitError
    from .ingest import ingest
    from .nppes import read_nppes

    config = getattr(client, "market", None)
    if config is None:
        return None
    providers = None
    if config.nppes:
        state = None
        if client.zip or client.locality:
            from .client_link import client_market
            state = client_market(client.root).state
        providers = read_nppes(client.path(config.nppes), specialty=client.specialty, state=state)
    kwargs = dict(rates=rates, entities=config.entities, locality_id=locality_id, release=release,
                  tins=config.tins, utilization=utilization, providers=providers)
    if config.folder:
        return market_position(client.path(config.folder), **kwargs)
    codes = sorted(set(rates["hcpcs"]) | set(utilization["hcpcs"]))
    with tempfile.TemporaryDirectory(prefix="ratekit-market-") as tmp:
        report = ingest([client.path(f) for f in config.files], tmp, codes=codes)
        failed = [p for r in report.results if r.status == "failed" for p in r.problems if p.severity == "error"]
        if failed:
            raise RatekitError(failed, context=f"client {client.client_id!r}: a market file could not be read:")
        return market_position(tmp, **kwargs)
