"""Expected allowed per remittance line: the client's contract for the payer on the service date, x units, to the cent.

For each service line, :func:`expected_allowed` finds the payer's contract rate in force on the
service date (:func:`contract_schedule`: every row of the payer's fee schedule with its effective
date, read by :func:`ratekit.feeschedules.read_fee_schedule`, and the whole-payer ``contract:`` for
codes the file lacks), for the code and its pricing modifier (26 or TC, else the global service),
in the office (non-facility) setting. A percent-of-Medicare row is priced by
:func:`ratekit.feeschedules.resolve_percent_of_medicare` at the release it names, else at the
release in force on the service date (:func:`release_in_force`), at the client's locality.

Then Medicare's documented claim rules are applied, with the indicators of the release in force on
the service date (:func:`ratekit.medicare.payment_indicators`), to flat and percent rates alike:

* **bilateral (modifier 50)**: BILAT SURG 1 pays 150% of one side, 3 pays each side (200%); 0, 2
  and 9 pay one side (100%);
* **multiple procedures**: on one claim and service date, the procedures with MULT PROC 2 are
  ranked by amount; the highest pays 100%, every other procedure (and every further unit) 50%.
  Modifier 51 only says so; the indicator decides. Endoscopy (3), imaging (4), therapy (5) and the
  diagnostic cardiovascular and ophthalmology reductions (6, 7) are not applied: those lines are
  expected at the full rate.

``expected = round_half_up(rate x units x bilateral factor x multiple-procedure factor)``, in
integer cents.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .. import medicare
from ..client import Client
from ..errors import RatekitError
from ..feeschedules import RATE_COLUMNS, payer_lookup, read_fee_schedule, resolve_percent_of_medicare
from .derive import payer_of_lines, pricing_modifier

#: The first day each release letter is in force: A January, B April, C July, D October.
QUARTER_START = {"A": 1, "B": 4, "C": 7, "D": 10}

#: BILAT SURG indicator -> what a line with modifier 50 pays, as a multiple of one side.
BILATERAL_FACTOR = {"1": 1.5, "3": 2.0}

#: Settings a line's rate is looked up in: lines are in the office (the 835 reader does not read CLP08).
SETTING = "nonfacility"

EXPECTED_COLUMNS = ["payer", "code", "pricing_modifier", "rate", "rate_basis", "contract_percent",
                    "medicare_release", "rate_file", "rate_row", "mult_proc", "bilat_surg", "rule", "expected"]


def release_in_force(dates: pd.Series, releases: list[str] | None = None) -> pd.Series:
    """The Medicare release in force on each date.

    The newest available release of the date's year whose quarter has begun (A 1 January, B 1 April,
    C 1 July, D 1 October); before the year's first available release, that release (e.g. a
    February 2024 service is priced with 2024C, the only 2024 release shipped). ``""`` for a year
    with no release.
    """
    releases = medicare.releases() if releases is None else releases
    by_year: dict[int, list[tuple[dt.date, str]]] = {}
    for name in releases:
        year = medicare.release_year(name)
        by_year.setdefault(year, []).append((dt.date(year, QUARTER_START.get(name[-1].upper(), 1), 1), name))
    for year in by_year:
        by_year[year].sort()

    def one(day) -> str:
        if pd.isna(day):
            return ""
        day = pd.Timestamp(day).date()
        options = by_year.get(day.year)
        if not options:
            return ""
        begun = [name for start, name in options if start <= day]
        return begun[-1] if begun else options[0][1]

    unique = pd.Series(pd.to_datetime(dates).unique())
    mapping = dict(zip(unique, unique.map(one), strict=True))
    return pd.to_datetime(dates).map(mapping).fillna("").astype(object)


def contract_schedule(client: Client) -> pd.DataFrame:
    """Every contract rate of every payer, with its effective date (not only the one in force today).

    Rows of each payer's fee schedule (:data:`ratekit.feeschedules.RATE_COLUMNS`, percent rows
    unpriced), read with ``as_of=None``; rows with problems are left out (``ratekit validate``
    reports them). A payer's whole-payer ``contract:`` becomes one row per payer with code ``"*"``.
    """
    lookup = payer_lookup(client)
    frames, books = [], {}
    for payer in client.payers:
        if payer.fee_schedule:
            try:
                rates, _ = read_fee_schedule(client.path(payer.fee_schedule_file), payer=payer.name,
                                             sheet=payer.sheet, display_name=f"{client.client_id}/"
                                             f"{payer.fee_schedule_file}", as_of=None, lookup=lookup, _books=books)
            except RatekitError:  # the client's input check reports it
                continue
            frames.append(rates)
        if payer.contract is not None:
            c = payer.contract
            release = c.medicare_release or ""
            if c.medicare_year:
                try:
                    release = medicare.newest_release(c.medicare_year)
                except RatekitError:
                    continue
            frames.append(pd.DataFrame([{
                "payer": payer.name, "hcpcs": "*", "modifier": "", "setting": "", "rate": np.nan,
                "rate_basis": "pct_of_medicare", "contract_percent": float(c.percent_of_medicare),
                "medicare_release": release, "effective_date": pd.NaT, "file": f"{client.client_id}/client.yaml",
                "sheet": "contract", "row": np.nan}]))
    if not frames:
        return pd.DataFrame(columns=RATE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[RATE_COLUMNS]
    out["effective_date"] = pd.to_datetime(out["effective_date"]).astype("datetime64[ns]")
    return out


def _has_modifier(lines: pd.DataFrame, modifier: str) -> pd.Series:
    cols = [c for c in ("modifier_1", "modifier_2", "modifier_3", "modifier_4") if c in lines]
    return lines[cols].astype(str).eq(modifier).any(axis=1) if cols else pd.Series(False, index=lines.index)


def _in_force(keys: pd.DataFrame, schedule: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per key row (``_i``, ``date`` and ``by``), the schedule row in force on the date (backward as-of join)."""
    left = keys.dropna(subset=["date"]).sort_values("date", kind="stable")
    left["date"] = left["date"].astype("datetime64[ns]")
    right = schedule.assign(_from=pd.to_datetime(schedule["effective_date"]).astype("datetime64[ns]")
                            .fillna(pd.Timestamp("1800-01-01")))
    right = right.sort_values("_from", kind="stable")
    for col in by:
        left[col], right[col] = left[col].astype(str), right[col].astype(str)
    merged = pd.merge_asof(left, right.drop(columns=["setting"]), left_on="date", right_on="_from", by=by,
                           direction="backward")
    return merged.set_index("_i")


def _price_percent(found: pd.DataFrame, client: Client) -> pd.Series:
    """Dollar rates of percent-of-Medicare rows (``hcpcs, modifier, contract_percent, medicare_release``)."""
    out = pd.Series(np.nan, index=found.index)
    pct = found[(found["rate_basis"] == "pct_of_medicare") & (found["medicare_release"] != "")]
    if pct.empty:
        return out
    combos = pct[["hcpcs", "modifier", "contract_percent", "medicare_release"]].drop_duplicates()
    priced = []
    for release, rows in combos.groupby("medicare_release"):
        if release not in medicare.releases():
            continue
        locality = medicare.locate(zip_code=client.zip, locality=client.locality, release=release)
        table = rows.assign(payer="-", setting=SETTING, rate=np.nan, rate_basis="pct_of_medicare",
                            effective_date=pd.NaT, file="", sheet="", row=np.nan, other_modifiers="",
                            terminate_date=pd.NaT)[RATE_COLUMNS]
        rates, _ = resolve_percent_of_medicare(table, locality_id=locality.locality_id, release=release)
        priced.append(rates[["hcpcs", "modifier", "contract_percent", "medicare_release", "rate"]])
    if not priced:
        return out
    table = pd.concat(priced, ignore_index=True)
    merged = pct[["hcpcs", "modifier", "contract_percent", "medicare_release"]].reset_index().merge(
        table, on=["hcpcs", "modifier", "contract_percent", "medicare_release"], how="left").set_index("index")
    out.loc[merged.index] = merged["rate"]
    return out


def _indicators(codes: pd.DataFrame) -> pd.DataFrame:
    """MULT PROC and BILAT SURG per row of ``codes`` (``hcpcs, modifier, release``); "" where unknown."""
    out = pd.DataFrame({"mult_proc": "", "bilat_surg": ""}, index=codes.index)
    for release, rows in codes[codes["release"] != ""].groupby("release"):
        ind = medicare.payment_indicators(release, sorted(set(rows["hcpcs"])))[["hcpcs", "modifier", "mult_proc",
                                                                                "bilat_surg"]]
        merged = rows[["hcpcs", "modifier"]].reset_index().merge(ind, on=["hcpcs", "modifier"], how="left")
        merged = merged.set_index("index")
        out.loc[merged.index, "mult_proc"] = merged["mult_proc"].fillna("").astype(str)
        out.loc[merged.index, "bilat_surg"] = merged["bilat_surg"].fillna("").astype(str)
    return out


def _multiple_procedure_units(lines: pd.DataFrame, single: pd.Series, applies: pd.Series) -> pd.Series:
    """Units counted after the multiple-procedure rule: the highest-valued procedure's first unit at 100%,
    every other unit of the claim and date's MULT PROC 2 procedures at 50%."""
    units = lines["units"].astype(float)
    out = units.copy()
    group = ["file", "transaction", "claim_segment", "service_date"]
    sub = lines.loc[applies, group].assign(_value=single[applies], _units=units[applies], _line=lines.loc[applies,
                                                                                                      "line"])
    if sub.empty:
        return out
    total = sub.groupby(group, dropna=False)["_units"].transform("sum")
    sub = sub[total > 1].sort_values(group + ["_value", "_line"], ascending=[True] * 4 + [False, True],
                                     kind="stable")
    if sub.empty:
        return out
    first = ~sub.duplicated(group, keep="first")
    out.loc[sub.index] = np.where(first, 1 + 0.5 * (sub["_units"] - 1), 0.5 * sub["_units"])
    return out


def expected_allowed(lines: pd.DataFrame, client: Client, *, schedule: pd.DataFrame | None = None) -> pd.DataFrame:
    """The contract's expected allowed amount for each remittance line.

    Parameters
    ----------
    lines : DataFrame
        :data:`ratekit.remit.LINE_COLUMNS` (index kept).
    client : Client
        Whose payers, contracts and locality apply.
    schedule : DataFrame, optional
        :func:`contract_schedule` of the client (read when not given).

    Returns
    -------
    DataFrame
        Same index as ``lines``, :data:`EXPECTED_COLUMNS`: ``payer`` as client.yaml names it ("" when
        unknown); ``code`` priced (the submitted code when the payer recoded the line); ``rate`` one
        unit's contract amount; ``medicare_release`` the release a percent rate was priced at (and
        whose indicators apply); ``rule`` the claim rule applied ("", "multiple procedure",
        "bilateral 150%", ...); ``expected`` NaN when the payer has no rate for the code.
    """
    schedule = contract_schedule(client) if schedule is None else schedule
    payer = payer_of_lines(lines, client)
    recoded = (lines["submitted_procedure"] != "") & (lines["submitted_procedure"] != lines["procedure"])
    code = lines["procedure"].where(~recoded, lines["submitted_procedure"]).astype(str)
    mod = pricing_modifier(lines)
    date = pd.to_datetime(lines["service_date"])
    in_force = release_in_force(date)
    keys = pd.DataFrame({"_i": lines.index, "payer": payer.to_numpy(), "hcpcs": code.to_numpy(),
                         "modifier": mod.to_numpy(), "date": date.to_numpy()})
    cols = ["rate", "rate_basis", "contract_percent", "medicare_release", "file", "row"]
    found = pd.DataFrame({c: pd.Series(np.nan if c in ("rate", "contract_percent", "row") else "", index=lines.index,
                                       dtype=float if c in ("rate", "contract_percent", "row") else object)
                          for c in cols})
    found["_have"] = False
    codes = schedule[schedule["hcpcs"] != "*"]
    for setting in (SETTING, ""):  # a rate for the office first, then a rate for both settings
        part = codes[codes["setting"] == setting]
        todo = keys[~found["_have"].reindex(keys["_i"]).to_numpy()]
        if part.empty or todo.empty:
            continue
        hit = _in_force(todo, part, ["payer", "hcpcs", "modifier"])
        hit = hit[hit["rate_basis"].notna()]
        found.loc[hit.index, cols] = hit[cols].to_numpy()
        found.loc[hit.index, "_have"] = True
    contracts = schedule[schedule["hcpcs"] == "*"]
    todo = keys[~found["_have"].reindex(keys["_i"]).to_numpy()]
    if len(contracts) and len(todo):
        hit = todo.merge(contracts[["payer"] + cols], on="payer", how="inner").set_index("_i")
        found.loc[hit.index, cols] = hit[cols].to_numpy()
        found.loc[hit.index, "_have"] = True
    found["hcpcs"], found["modifier"] = code, mod
    is_pct = found["rate_basis"] == "pct_of_medicare"
    found["medicare_release"] = found["medicare_release"].where(
        ~is_pct | (found["medicare_release"].fillna("") != ""), in_force).fillna("")
    found["contract_percent"] = found["contract_percent"].astype(float)
    found.loc[is_pct, "rate"] = _price_percent(found, client)[is_pct]
    release = found["medicare_release"].where(is_pct, in_force)
    ind = _indicators(pd.DataFrame({"hcpcs": code, "modifier": mod, "release": release}))

    rate = found["rate"].astype(float)
    bilateral = _has_modifier(lines, "50")
    factor_b = pd.Series(np.where(bilateral, ind["bilat_surg"].map(BILATERAL_FACTOR).fillna(1.0), 1.0),
                         index=lines.index)
    multiple = (ind["mult_proc"] == "2") & rate.notna() & lines["units"].gt(0)
    units = _multiple_procedure_units(lines, rate * factor_b, multiple)
    reduced = multiple & (units < lines["units"].astype(float))
    rule = pd.Series("", index=lines.index, dtype=object)
    rule = rule.where(~(bilateral & (factor_b == 1.5)), "bilateral 150%")
    rule = rule.where(~(bilateral & (factor_b == 2.0)), "bilateral 200%")
    rule = rule.where(~(bilateral & (factor_b == 1.0)), "bilateral: one side")
    rule = pd.Series(np.where(reduced, np.where(rule != "", rule + "; multiple procedure 50%",
                                                "multiple procedure 50%"), rule), index=lines.index, dtype=object)
    cents = np.rint(rate.fillna(0).to_numpy() * 100).astype(np.int64)
    weight = np.rint((units * factor_b).to_numpy() * 10_000).astype(np.int64)
    expected = ((cents * weight + 5_000) // 10_000) / 100.0
    out = pd.DataFrame({
        "payer": payer, "code": code, "pricing_modifier": mod, "rate": rate,
        "rate_basis": found["rate_basis"].fillna(""), "contract_percent": found["contract_percent"],
        "medicare_release": release.fillna(""), "rate_file": found["file"].fillna(""), "rate_row": found["row"],
        "mult_proc": ind["mult_proc"], "bilat_surg": ind["bilat_surg"], "rule": rule,
        "expected": np.where(rate.notna(), expected, np.nan)}, index=lines.index)
    return out[EXPECTED_COLUMNS]
