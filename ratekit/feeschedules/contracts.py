"""Contracts written as a percent of Medicare, priced in dollars at the client's locality, to the cent.

A line ``120% of Medicare`` in a fee schedule, a ``% of Medicare`` column, or a whole-payer
``contract: {percent_of_medicare: 120}`` in client.yaml: each is priced with the Medicare engine
(:func:`ratekit.medicare.price`), rounded half-up to the cent as CMS rounds (``docs/rates.md``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import medicare
from ..client import Client
from ..errors import Problem, RatekitError
from .cells import SETTINGS, _percent_e4
from .schedules import RATE_COLUMNS, _label

def _contract_rows(client: Client, rates: pd.DataFrame,
                   utilization: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Rows of each whole-payer ``contract:`` for the codes billed to the payer that its fee schedule lacks.

    A billed (code, modifier, setting) is covered when the payer's fee schedule has a rate for it in
    that setting or in both (setting ``""``).
    """
    frames, problems = [], []
    for i, payer in enumerate(client.payers, start=1):
        if payer.contract is None:
            continue
        contract = payer.contract
        release = contract.medicare_release or ""
        if contract.medicare_year:
            try:
                release = medicare.newest_release(contract.medicare_year)
            except RatekitError:
                release = None
        if release is None or (release and release not in medicare.releases()):
            key = "medicare_year" if contract.medicare_year else "medicare_release"
            problems.append(Problem(
                f"{client.client_id}/client.yaml", "no Medicare fee schedule of that year or release is available",
                column=f"payers[{i}].contract.{key}", value=contract.medicare_year or contract.medicare_release,
                fix=f"use one of the releases {', '.join(medicare.releases())}, or add that release's CMS files"))
            continue
        billed = utilization.loc[utilization["payer"] == payer.name, ["hcpcs", "modifier", "setting"]]
        own = rates.loc[rates["payer"] == payer.name, ["hcpcs", "modifier", "setting"]]
        covered = pd.concat([own[own["setting"] != ""],
                             *[own[own["setting"] == ""].assign(setting=s) for s in SETTINGS]])
        todo = billed.merge(covered.drop_duplicates(), how="left", indicator=True)
        todo = todo[todo["_merge"] == "left_only"].drop(columns="_merge")
        frames.append(pd.DataFrame({
            "payer": payer.name, "hcpcs": todo["hcpcs"].to_numpy(), "modifier": todo["modifier"].to_numpy(),
            "setting": todo["setting"].to_numpy(), "rate": np.full(len(todo), np.nan), "rate_basis": "pct_of_medicare",
            "contract_percent": np.full(len(todo), float(contract.percent_of_medicare)), "medicare_release": release,
            "effective_date": pd.Series(pd.NaT, index=range(len(todo)), dtype="datetime64[us]").to_numpy(),
            "file": f"{client.client_id}/client.yaml", "sheet": f"payers[{i}].contract",
            "row": np.full(len(todo), np.nan), "other_modifiers": "",
            "terminate_date": pd.Series(pd.NaT, index=range(len(todo)), dtype="datetime64[us]").to_numpy()}))
    return (pd.concat(frames, ignore_index=True)[RATE_COLUMNS] if frames else rates.iloc[:0]), problems


def resolve_percent_of_medicare(rates: pd.DataFrame, *, locality_id: str, release: str,
                                utilization: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Price percent-of-Medicare rows in dollars at the client's locality.

    Formula: ``rate = round_half_up(contract_percent / 100 x Medicare amount, cents)``, with the
    Medicare amount of ``medicare_release`` (``release`` when the row names none) at
    ``locality_id`` in the row's setting, from :func:`ratekit.medicare.price` (CMS PFS, exact
    cents). Computed in integers: Medicare cents x percent x 10^4, plus half of 10^6, floor-divided
    by 10^6 — exact, half-up like CMS. Example: 120% of 99214 at 06102-99 in 2025D
    (non-facility $121.91) = 146.292 -> $146.29.

    A row without a setting becomes one row per setting where Medicare pays an amount, except a
    setting the same payer's file prices explicitly; with ``utilization``, the facility row is
    made only where the payer has facility units for the code (the non-facility row always). A
    row whose code Medicare does not pay in any of its settings is dropped with a warning.

    Returns
    -------
    rates : DataFrame
        ``rates`` with every percent row priced (``rate`` in dollars, ``medicare_release`` filled).
    problems : list of Problem
    """
    is_pct = rates["rate_basis"] == "pct_of_medicare"
    if not is_pct.any():
        return rates, []
    flat, pct = rates[~is_pct], rates[is_pct].copy()
    pct["medicare_release"] = pct["medicare_release"].where(pct["medicare_release"] != "", release)
    problems: list[Problem] = []
    priced = []
    for rel, rows in pct.groupby("medicare_release", sort=True):
        try:
            amounts = medicare.price(rel, localities=[locality_id], codes=sorted(set(rows["hcpcs"])))
        except RatekitError as exc:
            problems += [Problem(p.file if isinstance(p, Problem) else "medicare", str(getattr(p, "message", p)),
                                 fix=getattr(p, "fix", "")) for p in exc.problems]
            continue
        amounts = amounts[["hcpcs", "modifier", "nonfacility_amount", "facility_amount"]]
        priced.append(rows.reset_index(drop=True).merge(amounts, on=["hcpcs", "modifier"], how="left"))
    if not priced:
        return flat.reset_index(drop=True), problems
    pct = pd.concat(priced, ignore_index=True)
    pct["_line"] = np.arange(len(pct))
    key = ["payer", "hcpcs", "modifier", "setting"]
    explicit = rates.loc[rates["setting"] != "", key].drop_duplicates().assign(_taken=True)
    one = pct[pct["setting"] != ""]
    parts = [one.assign(_amount=np.where(one["setting"] == "facility", one["facility_amount"],
                                         one["nonfacility_amount"]))]
    both = pct[pct["setting"] == ""]
    billed_facility = None
    if utilization is not None:
        billed_facility = utilization.loc[(utilization["setting"] == "facility") & (utilization["units"] > 0),
                                          key[:3]].drop_duplicates().assign(_billed=True)
    for s in SETTINGS:
        part = both.assign(setting=s, _amount=both[f"{s}_amount"]).merge(explicit, on=key, how="left")
        part = part[part["_taken"].isna()].drop(columns="_taken")
        if s == "facility" and billed_facility is not None:
            part = part.merge(billed_facility, on=key[:3], how="left")
            part = part[part["_billed"].notna()].drop(columns="_billed")
        parts.append(part)
    expanded = pd.concat(parts, ignore_index=True)
    priced_lines = set(expanded.loc[expanded["_amount"].notna(), "_line"])
    for r in pct[~pct["_line"].isin(priced_lines)].itertuples():
        where = {"facility": " in the facility setting",
                 "nonfacility": " in the non-facility setting"}.get(r.setting, "")
        problems.append(Problem(
            r.file, f"{r.contract_percent:g}% of Medicare gives no amount for code {_label(r.hcpcs, r.modifier)}: "
                    f"Medicare {r.medicare_release} pays no amount for it{where}",
            sheet=r.sheet or None, row=None if pd.isna(r.row) else int(r.row), value=r.hcpcs, severity="warning",
            fix="give this code a flat rate, or check the code"))
    expanded = expanded[expanded["_amount"].notna()].copy()
    cents = np.rint(expanded["_amount"].to_numpy() * 100).astype(np.int64)
    e4 = np.array([_percent_e4(repr(float(p))) for p in expanded["contract_percent"]], dtype=np.int64)
    expanded["rate"] = ((cents * e4 + 500_000) // 1_000_000) / 100.0
    out = pd.concat([flat, expanded[RATE_COLUMNS]], ignore_index=True)
    return out.astype({"rate": float, "contract_percent": float, "row": float}), problems
