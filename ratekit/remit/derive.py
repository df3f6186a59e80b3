"""Rates and volumes derived from remittances, for payers that have no fee schedule and clients without utilization.

A practice that cannot produce a payer's fee schedule still has the payer's 835s: what the payer
allowed, line by line, is the fee schedule it applies. :func:`derived_rates` takes per payer, code
and modifier the **median allowed per unit** over the lines that show the payer's own rate (primary,
paid or applied to the patient's cost sharing, not a duplicate, reversal or secondary claim, not
recoded), with the line count and the spread (lowest and highest allowed per unit).
:func:`derived_utilization` counts the units of those paid lines per payer, code and modifier,
scaled to a year by the span of their service dates. Every table and sentence that shows these
rates says they are derived from remittances (``docs/remittances.md``, "Underpayments and derived
rates").
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from ..client import Client, normalise_name
from ..errors import Problem

#: ``rate_basis`` of a rate derived from remittances (fee-schedule rates are "flat" or "pct_of_medicare").
DERIVED_BASIS = "derived_from_remittances"

#: What a payer benchmarked from its remittances is called in every table and sentence of the report.
DERIVED_LABEL = "rates derived from remittances"

#: Modifiers that change the price (professional / technical component); others (25, 59, ...) do not.
PRICING_MODIFIERS = ("26", "TC")

DERIVED_COLUMNS = ["payer", "hcpcs", "modifier", "rate", "lines", "units", "low", "high", "first_date", "last_date"]


def pricing_modifier(lines: pd.DataFrame) -> pd.Series:
    """The modifier a line is priced under: 26 or TC when any of its four modifiers is one, else ``""``."""
    out = pd.Series("", index=lines.index, dtype=object)
    for col in ("modifier_4", "modifier_3", "modifier_2", "modifier_1"):
        if col in lines:
            mod = lines[col].astype(str).str.upper()
            out = out.where(~mod.isin(PRICING_MODIFIERS), mod)
    return out


def payer_of_lines(lines: pd.DataFrame, client: Client) -> pd.Series:
    """Each line's payer as client.yaml names it (N1*PR name or id through names and aliases); ``""`` if none."""
    lookup = {}
    for payer in client.payers:
        for label in (payer.name, *payer.aliases):
            lookup[normalise_name(label)] = payer.name
    names = lines["payer_name"].astype(str).map(lambda n: lookup.get(normalise_name(n), ""))
    if "payer_id" in lines:
        ids = lines["payer_id"].astype(str).map(lambda n: lookup.get(normalise_name(n), "") if n else "")
        names = names.where(names != "", ids)
    return names.astype(object)


def rate_lines(lines: pd.DataFrame) -> pd.Series:
    """True for the lines that show a payer's own allowed amount: comparable, allowed > 0, not recoded."""
    comparable = lines["comparable"] if "comparable" in lines else pd.Series(True, index=lines.index)
    recoded = (lines["submitted_procedure"] != "") & (lines["submitted_procedure"] != lines["procedure"])
    return comparable & (lines["allowed"] > 0) & (lines["units"] > 0) & ~recoded & (lines["claim_status"] != "4")


def derived_rates(lines: pd.DataFrame, payers: pd.Series) -> pd.DataFrame:
    """The median allowed per unit per payer, code and modifier, from remittance lines.

    Formula: ``rate = median(allowed / units)`` over the payer's :func:`rate_lines`; ``low`` and
    ``high`` are the lowest and highest allowed per unit (the spread), ``lines`` and ``units`` what
    the median rests on.

    Parameters
    ----------
    lines : DataFrame
        :data:`ratekit.remit.LINE_COLUMNS`.
    payers : Series
        Each line's payer (:func:`payer_of_lines`); lines with ``""`` are left out.

    Returns
    -------
    DataFrame
        :data:`DERIVED_COLUMNS`, sorted by payer, code and modifier. ``rate`` is rounded half-up
        to the cent (a median of two amounts may fall on a half cent).
    """
    use = rate_lines(lines) & (payers != "")
    sub = pd.DataFrame({"payer": payers[use].to_numpy(), "hcpcs": lines.loc[use, "procedure"].to_numpy(),
                        "modifier": pricing_modifier(lines)[use].to_numpy(),
                        "per_unit": (lines.loc[use, "allowed"] / lines.loc[use, "units"]).to_numpy(),
                        "units": lines.loc[use, "units"].to_numpy(),
                        "date": lines.loc[use, "service_date"].to_numpy()})
    if sub.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("rate", "units", "low", "high") else
                                          "int64" if c == "lines" else "datetime64[ns]" if c.endswith("date")
                                          else object) for c in DERIVED_COLUMNS})
    g = sub.groupby(["payer", "hcpcs", "modifier"], sort=True)
    out = g.agg(rate=("per_unit", "median"), lines=("per_unit", "size"), units=("units", "sum"),
                low=("per_unit", "min"), high=("per_unit", "max"), first_date=("date", "min"),
                last_date=("date", "max")).reset_index()
    out["rate"] = np.floor(np.round(out["rate"].to_numpy() * 1000) / 10 + 0.5) / 100  # half-up, via tenths of cents
    return out[DERIVED_COLUMNS]


def span_days(dates: pd.Series) -> int:
    """Days from the first to the last service date, both counted (0 when there are none)."""
    dates = pd.to_datetime(dates).dropna()
    return int((dates.max() - dates.min()).days) + 1 if len(dates) else 0


def derived_utilization(lines: pd.DataFrame, payers: pd.Series) -> pd.DataFrame:
    """Units a year per payer, code and modifier, counted from the paid remittance lines.

    Formula: ``units = sum(units on the payer's paid lines) x 365 / span``, where ``span`` is
    the days from the first to the last service date of all the lines counted (both counted), so
    nine months of remittances count as three quarters of a year. It counts paid claims only:
    denied and unpaid work, and claims not yet paid, are not in it.

    Returns
    -------
    DataFrame
        ``payer, hcpcs, modifier, setting, units, row`` (:data:`ratekit.feeschedules.UTILIZATION_COLUMNS`;
        ``setting`` is ``"nonfacility"``, ``row`` 0), with ``attrs["span_days"]``.
    """
    use = rate_lines(lines) & (payers != "")
    days = span_days(lines.loc[use, "service_date"])
    sub = pd.DataFrame({"payer": payers[use].to_numpy(), "hcpcs": lines.loc[use, "procedure"].to_numpy(),
                        "modifier": pricing_modifier(lines)[use].to_numpy(),
                        "units": lines.loc[use, "units"].to_numpy(dtype=float)})
    out = sub.groupby(["payer", "hcpcs", "modifier"], sort=True)["units"].sum().reset_index()
    out["units"] = out["units"] * 365 / days if days else out["units"]
    out.insert(3, "setting", "nonfacility")
    out["row"] = 0
    out.attrs["span_days"] = days
    return out


def labelled(payer: str) -> str:
    """``"Harbor Health (rates derived from remittances)"``: a derived payer's name in every table and sentence."""
    return f"{payer} ({DERIVED_LABEL})"


def payer_problems(lines: pd.DataFrame, payers: pd.Series, client: Client) -> list[Problem]:
    """Warnings: 835 payers client.yaml does not name, and payers without a fee schedule or any paid line."""
    out = []
    unknown = lines.loc[payers == "", ["file", "payer_name"]].drop_duplicates("payer_name")
    for r in unknown.itertuples():
        out.append(Problem(_relative(r.file, client), f"remittances from payer {r.payer_name!r} (N1*PR), which "
                           "client.yaml does not name: its lines are shown but not compared", severity="warning",
                           fix="add the name to that payer's aliases in client.yaml"))
    paid = set(payers[rate_lines(lines)])
    for i, payer in enumerate(client.payers, start=1):
        if not payer.fee_schedule and payer.contract is None and payer.name not in paid:
            out.append(Problem(f"{client.client_id}/client.yaml", f"payer {payer.name!r} has no fee schedule and no "
                               "paid line in the remittances, so it has no rates", column=f"payers[{i}]",
                               severity="warning", fix="add its fee schedule or its 835 files"))
    return out


def _relative(path: str, client: Client) -> str:
    """A file's name as problems show it: ``<client_id>/remits/x.835``."""
    p = Path(path)
    try:
        return f"{client.client_id}/{p.resolve().relative_to(client.root.resolve()).as_posix()}"
    except ValueError:
        return p.name


def relative_problems(problems: list, client: Client) -> list[Problem]:
    """The reader's problems with each file named relative to the client folder (no absolute paths)."""
    out = []
    for p in problems:
        if isinstance(p, Problem):
            root = f"{client.root.resolve()}/"
            out.append(dataclasses.replace(p, file=_relative(p.file, client) if p.file else p.file,
                                           message=p.message.replace(root, f"{client.client_id}/")))
    return out
