"""The practice's own published rates: what a payer's file says it pays the practice's TIN, next to its fee schedule.

A payer's in-network file lists the practice's own TIN among its providers. The rates published there
should be the practice's contracted rates; a difference of more than 1% is a discrepancy to raise with the
payer (the payer has loaded the contract wrong, or the practice's fee schedule is out of date).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from ..client import normalise_name
from .summarize import Market, open_market

#: Columns of :func:`published_rates`.
PUBLISHED_COLUMNS = ["payer", "billing_code", "modifier", "setting", "negotiated_rate", "tin", "plans"]
#: Columns of :func:`compare_published`.
COMPARISON_COLUMNS = ["payer", "reporting_entity", "hcpcs", "modifier", "setting", "fee_schedule_rate",
                      "published_rate", "difference", "difference_pct", "status", "flag"]
TOLERANCE = 0.01


def _tin_key(tin: object) -> str:
    return re.sub(r"[\s-]", "", str(tin))


def published_rates(folder: str | Path | Market, *, tins: Iterable[str]) -> pd.DataFrame:
    """Every distinct dollar fee-for-service rate the payers' files publish for ``tins``.

    Parameters
    ----------
    folder : path or Market
        Output folder of :func:`ratekit.market.ingest.ingest`.
    tins : iterable of str
        The practice's TINs (EINs, with or without ``-``).

    Returns
    -------
    DataFrame
        :data:`PUBLISHED_COLUMNS`: ``payer`` is the reporting entity; ``setting`` nonfacility, facility
        or ``""`` (both); ``plans`` how many ingested files publish the rate.
    """
    market = folder if isinstance(folder, Market) else open_market(folder)
    keys = sorted({_tin_key(t) for t in tins})
    market.con.register("own_tins", pa.table({"tin": pa.array(keys, pa.string())}))
    table = market.con.execute("""
        WITH r AS (
            SELECT dataset, payer, billing_code, modifier, setting, negotiated_rate, unnest(provider_group_ids) AS gid
            FROM rates WHERE rate_kind = 'dollar' AND negotiation_arrangement = 'ffs' AND billing_code <> 'CSTM-00'
        )
        SELECT r.payer, r.billing_code, r.modifier, r.setting, r.negotiated_rate,
               regexp_replace(p.tin_value, '[\\s-]', '', 'g') AS tin, count(DISTINCT r.dataset) AS plans
        FROM r JOIN providers p ON p.dataset = r.dataset AND p.provider_group_id = r.gid
        WHERE regexp_replace(p.tin_value, '[\\s-]', '', 'g') IN (SELECT tin FROM own_tins)
        GROUP BY ALL ORDER BY ALL""").df()
    table["plans"] = table["plans"].astype("int64")
    return table[PUBLISHED_COLUMNS]


def _payer_matcher(payers: Iterable[str], entities: Mapping[str, str] | None) -> Callable[[str], str | None]:
    """Reporting entity -> fee-schedule payer: ``entities`` first, else the same name (case and punctuation aside)."""
    by_name = {normalise_name(p): p for p in payers}
    mapped = {normalise_name(k): v for k, v in (entities or {}).items()}

    def match(entity: str) -> str | None:
        key = normalise_name(entity)
        return mapped.get(key) or by_name.get(key)
    return match


def compare_published(published: pd.DataFrame, fee_schedule: pd.DataFrame, *,
                      entities: Mapping[str, str] | None = None, tolerance: float = TOLERANCE) -> pd.DataFrame:
    """Each fee-schedule rate next to what the payer publishes for the practice, flagged beyond ``tolerance``.

    Parameters
    ----------
    published : DataFrame
        :func:`published_rates`.
    fee_schedule : DataFrame
        The practice's tidy rates (``payer, hcpcs, modifier, setting, rate``, as
        :func:`ratekit.feeschedules.load_rates` gives them).
    entities : mapping, optional
        TiC reporting entity name -> the fee schedule's payer name; an entity not named here matches the
        payer of the same name (case and punctuation ignored), else it is left out.
    tolerance : float
        A published rate is ``"differs"`` when ``|published - fee schedule| / fee schedule`` exceeds it
        (default 0.01: more than 1%).

    Returns
    -------
    DataFrame
        :data:`COMPARISON_COLUMNS`, one row per fee-schedule rate and distinct published rate that apply to
        the same payer, code, modifier and setting (a rate without a setting, on either side, applies in
        both). ``status``: ``"match"``, ``"differs"`` (``flag`` True), ``"not published"`` (the payer's
        file has no rate for the practice's TIN for it) or ``"not in fee schedule"``. ``difference`` =
        published - fee schedule; ``difference_pct`` = difference / fee schedule x 100.
    """
    fees = fee_schedule[["payer", "hcpcs", "modifier", "setting", "rate"]].rename(columns={"rate": "fee_schedule_rate"})
    fees = fees.astype({"payer": object, "hcpcs": object, "modifier": object, "setting": object})
    match = _payer_matcher(fees["payer"].unique(), entities)
    pub = published.copy()
    pub["payer_fs"] = [match(e) for e in pub["payer"]]
    pub = pub[pub["payer_fs"].notna()]
    pub = pub.rename(columns={"payer": "reporting_entity", "billing_code": "hcpcs", "negotiated_rate": "published_rate",
                              "setting": "pub_setting"})
    pub = pub.groupby(["payer_fs", "reporting_entity", "hcpcs", "modifier", "pub_setting", "published_rate"],
                      as_index=False).size().drop(columns="size")
    fees = fees.reset_index(drop=True).assign(_fee=lambda d: np.arange(len(d)))
    pub = pub.reset_index(drop=True).assign(_pub=lambda d: np.arange(len(d)))
    pairs = fees.merge(pub, left_on=["payer", "hcpcs", "modifier"], right_on=["payer_fs", "hcpcs", "modifier"])
    pairs = pairs[(pairs["setting"] == "") | (pairs["pub_setting"] == "") | (pairs["setting"] == pairs["pub_setting"])]
    pairs = pairs.assign(setting=np.where(pairs["setting"] == "", pairs["pub_setting"], pairs["setting"]))
    unpublished = fees[~fees["_fee"].isin(pairs["_fee"])].assign(reporting_entity="", published_rate=np.nan)
    extra = pub[~pub["_pub"].isin(pairs["_pub"])].rename(columns={"payer_fs": "payer", "pub_setting": "setting"})
    extra = extra.assign(fee_schedule_rate=np.nan)
    out = pd.concat([pairs, unpublished, extra], ignore_index=True)
    out["difference"] = out["published_rate"] - out["fee_schedule_rate"]
    out["difference_pct"] = out["difference"] / out["fee_schedule_rate"] * 100
    beyond = (out["difference"].abs() > tolerance * out["fee_schedule_rate"]).to_numpy()
    out["status"] = np.select([out["published_rate"].isna(), out["fee_schedule_rate"].isna(), beyond],
                              ["not published", "not in fee schedule", "differs"], "match")
    out["flag"] = out["status"] == "differs"
    order = {"differs": 0, "not published": 1, "not in fee schedule": 2, "match": 3}
    out = out.assign(_o=out["status"].map(order)).sort_values(["payer", "_o", "hcpcs", "modifier", "setting"],
                                                              kind="stable")
    return out[COMPARISON_COLUMNS].reset_index(drop=True)


def own_published_rates(folder: str | Path | Market, *, tins: Iterable[str], fee_schedule: pd.DataFrame,
                        entities: Mapping[str, str] | None = None, tolerance: float = TOLERANCE) -> pd.DataFrame:
    """The practice's published rates (:func:`published_rates`) next to its fee schedule (:func:`compare_published`)."""
    return compare_published(published_rates(folder, tins=tins), fee_schedule, entities=entities,
                             tolerance=tolerance)
