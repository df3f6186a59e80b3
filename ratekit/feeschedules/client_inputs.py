"""A whole client's inputs: every fee schedule and the utilization read, checked and priced (:func:`read_client`).

What ``ratekit validate``, :func:`ratekit.analysis.analyse` and the batch renderer's input check all
call. It never raises for a problem in the client's files: each becomes a
:class:`~ratekit.errors.Problem` in :attr:`ClientInputs.problems`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import medicare, remit
from ..client import Client, normalise_name
from ..errors import Problem, Problems, RatekitError
from .contracts import _contract_rows, resolve_percent_of_medicare
from .schedules import RATE_COLUMNS, _check_rows, _fields, _label
from .tables import _read_table
from .utilization import UTILIZATION_COLUMNS, read_utilization
from ..remit import derive

#: Medicare status codes (RVU25D.pdf, Attachment A) in plain words, for "not payable" warnings.
STATUS_WORDS: dict[str, str] = {
    "B": "bundled into other services", "C": "priced by the Medicare contractor", "D": "deleted",
    "E": "excluded from the fee schedule by regulation", "I": "not valid for Medicare (another code is used)",
    "J": "anesthesia service", "M": "a measurement code, not paid", "N": "not covered by Medicare",
    "P": "bundled or excluded", "X": "excluded by statute",
}


@dataclass
class ClientInputs(Problems):
    """One client's fee schedules and utilization, read, checked and priced.

    Attributes
    ----------
    client : Client
    release : str or None
        The Medicare PFS release benchmarked against (None if it could not be found).
    locality : ratekit.medicare.Locality or None
        The client's Medicare locality (None if it could not be found).
    rates : DataFrame
        :data:`RATE_COLUMNS`, percent-of-Medicare rows priced in dollars.
    utilization : DataFrame
        :data:`UTILIZATION_COLUMNS`.
    medicare : DataFrame
        :func:`ratekit.medicare.price` of every code in ``rates`` and ``utilization`` at the locality.
    problems : list of Problem
        Every error and warning, client.yaml first, then file by file.
    modifier_variants : DataFrame
        :data:`RATE_COLUMNS`: rates of a code with other modifiers (25, 59, LT, ...) beside its
        benchmarked rate in ``rates``; kept and shown, not benchmarked.
    remittances : ratekit.remit.Remittances or None
        The client's 835 files read (client.yaml ``remittances:``), None when it names none.
    derived_rates : DataFrame
        :data:`ratekit.remit.derive.DERIVED_COLUMNS`: the rates of the payers without a fee schedule,
        derived from their remittances (in ``rates`` with ``rate_basis`` ``"derived_from_remittances"``).
    utilization_source : str
        ``"file"`` (utilization.csv) or ``"remittances"`` (units on paid claims, scaled to a year).
    """

    client: Client
    release: str | None
    locality: "medicare.Locality | None"
    rates: pd.DataFrame
    utilization: pd.DataFrame
    medicare: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    modifier_variants: pd.DataFrame = field(default_factory=pd.DataFrame)
    remittances: "remit.Remittances | None" = None
    derived_rates: pd.DataFrame = field(default_factory=pd.DataFrame)
    utilization_source: str = "file"

    @property
    def derived_payers(self) -> tuple[str, ...]:
        """Payers whose rates are derived from their remittances."""
        return tuple(sorted(set(self.derived_rates["payer"]))) if len(self.derived_rates) else ()

    def raise_for_errors(self) -> "ClientInputs":
        """Raise :class:`RatekitError` listing every problem when any is an error; else return self."""
        if not self.ok:
            raise RatekitError(self.problems, context=f"client {self.client.client_id!r} has problems in its input "
                                                      "files:")
        return self


def medicare_release_for(client: Client) -> str:
    """The client's Medicare release: ``medicare_release`` if given, else the newest of ``benchmark_year``."""
    return client.medicare_release or medicare.newest_release(client.benchmark_year)


def payer_lookup(client: Client) -> dict[str, str]:
    """Normalised payer name or alias -> the payer's name in client.yaml."""
    out = {}
    for payer in client.payers:
        for label in (payer.name, *payer.aliases):
            out[normalise_name(label)] = payer.name
    return out


def _problems_of(exc: RatekitError) -> list[Problem]:
    return [p if isinstance(p, Problem) else Problem("(input)", str(p)) for p in exc.problems]


def _read_fee_schedules(client: Client, lookup: dict[str, str]) -> tuple[pd.DataFrame, list[Problem], set, dict]:
    """Every payer's fee schedule, unpriced. Returns rates, problems, payers whose file failed, code headers.

    Each file is only turned into text per field; the checks then run once over every payer's rows.
    """
    frames, problems, failed, code_headers = [], [], set(), {}
    books: dict = {}
    seen: set[str] = set()
    for payer in client.payers:
        if not payer.fee_schedule:
            continue
        fname = f"{client.client_id}/{payer.fee_schedule_file}"
        try:
            raw = _read_table(client.path(payer.fee_schedule_file), payer.sheet, fname, books)
            fields, found = _fields(raw, fname=fname, sheet=payer.sheet, payer=payer.name, lookup=lookup)
            frames.append(fields)
            code_headers[(fname, payer.sheet or "")] = fields.attrs["code_column"]
        except RatekitError as exc:
            found = _problems_of(exc)
            failed.add(payer.name)
        for p in found:  # a file shared by several payers reports its problems once
            if str(p) not in seen:
                seen.add(str(p))
                problems.append(p)
    if frames:
        rates, found, variants = _check_rows(pd.concat(frames, ignore_index=True), client.as_of)
        for p in found:  # a row of a shared file read for each payer (a totals row) is reported once
            if str(p) not in seen:
                seen.add(str(p))
                problems.append(p)
    else:
        rates = variants = _empty_rates()
    # list them payer by payer as client.yaml orders them, then sheet and row
    order: dict[str, int] = {}
    for payer in client.payers:
        order.setdefault(f"{client.client_id}/{payer.fee_schedule_file}", len(order))
    problems.sort(key=lambda p: (order.get(p.file, len(order)), p.sheet or "", p.row or 0))
    return rates, problems, failed, code_headers, variants


def _empty_rates() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("rate", "contract_percent", "row") else
                                      "datetime64[us]" if c in ("effective_date", "terminate_date") else "str")
                         for c in RATE_COLUMNS})


def _empty_utilization() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c == "units" else "int64" if c == "row" else "str")
                         for c in UTILIZATION_COLUMNS})


def _pfs_warnings(rates: pd.DataFrame, prices: pd.DataFrame, release: str, code_headers: dict) -> list[Problem]:
    """Warnings for fee-schedule rows whose code Medicare does not price in the row's setting."""
    if rates.empty:
        return []
    rows = rates[rates["rate_basis"] == "flat"]
    known = set(prices["hcpcs"])
    table = rows.merge(prices[["hcpcs", "modifier", "status", "nonfacility_amount", "facility_amount"]],
                       on=["hcpcs", "modifier"], how="left")
    nf, fa = table["nonfacility_amount"], table["facility_amount"]
    amount = np.where(table["setting"] == "facility", fa, np.where(table["setting"] == "nonfacility", nf,
                                                                  nf.fillna(fa)))
    flagged = table[table["status"].isna() | ~table["status"].isin(medicare.PAID_STATUSES) | pd.isna(amount)]
    out = []
    for r in flagged.itertuples():
        label = _label(r.hcpcs, r.modifier)
        if r.hcpcs not in known:
            message = f"code {label} is not in the Medicare Physician Fee Schedule ({release})"
            fix = "check the code; its rate is kept but has no percent of Medicare"
        elif pd.isna(r.status):
            message = f"code {r.hcpcs} has no modifier {r.modifier} in the Medicare Physician Fee Schedule ({release})"
            fix = "Medicare prices the global service, 26 (professional) and TC (technical); check the modifier"
        elif r.status not in medicare.PAID_STATUSES:
            message = (f"Medicare does not pay code {label} under the fee schedule (status {r.status}: "
                       f"{STATUS_WORDS.get(r.status, 'not paid')})")
            fix = "the rate is kept but has no percent of Medicare"
        else:
            where = {"facility": "facility ", "nonfacility": "non-facility "}.get(r.setting, "")
            message = f"Medicare pays no {where}amount for code {label} (CMS marks the setting NA)"
            fix = "check the code and setting; the rate is kept but has no percent of Medicare"
        out.append(Problem(r.file, message, sheet=r.sheet or None, row=int(r.row),
                           column=code_headers.get((r.file, r.sheet)), value=r.hcpcs, severity="warning", fix=fix))
    return out


def _volume_without_rate(utilization: pd.DataFrame, rates: pd.DataFrame, fname: str, failed: set) -> list[Problem]:
    """A warning per payer, code and setting billed with units but no rate from the payer."""
    billed = utilization[(utilization["units"] > 0) & ~utilization["payer"].isin(failed)]
    if billed.empty:
        return []
    specific = rates.loc[rates["setting"] != "", ["payer", "hcpcs", "modifier", "setting"]]
    generic = rates.loc[rates["setting"] == "", ["payer", "hcpcs", "modifier"]]
    has = billed.merge(specific.drop_duplicates().assign(_s=True), how="left",
                       on=["payer", "hcpcs", "modifier", "setting"])
    has = has.merge(generic.drop_duplicates().assign(_g=True), how="left", on=["payer", "hcpcs", "modifier"])
    missing = has[has["_s"].isna() & has["_g"].isna()]
    return [Problem(fname, f"{r.units:,.0f} units of "
                           f"{_label(r.hcpcs, r.modifier, r.setting if r.setting == 'facility' else '')}"
                           f" billed to {r.payer}, who has no rate for it", row=int(r.row), value=r.hcpcs,
                    severity="warning", fix=f"add the code to {r.payer}'s fee schedule, or check the payer and code")
            for r in missing.itertuples()]


def read_client(client: Client, *, release: str | None = None) -> ClientInputs:
    """Read, check and price a client's fee schedules and utilization, collecting every problem.

    Never raises for a problem in the client's files: each becomes a
    :class:`~ratekit.errors.Problem` in ``problems`` (call :meth:`ClientInputs.raise_for_errors`).

    Steps: locate the client's Medicare locality; read each payer's fee schedule (rate in force on
    ``client.as_of``); read the utilization (payer names through aliases); add each whole-payer
    ``contract:`` for the codes billed to the payer that its fee schedule lacks; price every
    percent-of-Medicare line (:func:`resolve_percent_of_medicare`); price every code once at the
    locality; warn about codes Medicare does not pay and units billed with no rate.

    Parameters
    ----------
    client : Client
    release : str, optional
        The Medicare release to benchmark against (default :func:`medicare_release_for`).
    """
    problems: list[Problem] = list(client.warnings)
    lookup = payer_lookup(client)
    locality = None
    try:
        release = release or medicare_release_for(client)
        locality = medicare.locate(zip_code=client.zip, locality=client.locality, release=release)
    except RatekitError as exc:
        problems += _problems_of(exc)

    rates, found, failed, code_headers, variants = _read_fee_schedules(client, lookup)
    problems += found
    ufile = f"{client.client_id}/{client.utilization}"
    remits, derived, source = _remittances(client, rates, problems)
    if client.utilization:
        try:
            utilization, found = read_utilization(client.path(client.utilization), lookup=lookup,
                                                  display_name=ufile)
        except RatekitError as exc:
            utilization, found = _empty_utilization(), _problems_of(exc)
        problems += found
    else:  # client.yaml names remittances and no utilization file: units on paid claims
        utilization, source = source, "remittances"
        ufile = f"{client.client_id}/client.yaml"
    if len(derived):
        rates = pd.concat([rates, _derived_rows(client, derived)], ignore_index=True)
    contracts, found = _contract_rows(client, rates, utilization)
    problems += found
    if len(contracts):
        rates = pd.concat([rates, contracts], ignore_index=True)

    prices = None
    if locality is not None:
        rates, found = resolve_percent_of_medicare(rates, locality_id=locality.locality_id, release=release,
                                                   utilization=utilization)
        problems += found
        codes = np.union1d(rates["hcpcs"].unique(), utilization["hcpcs"].unique()).tolist()
        prices = medicare.price(release, localities=[locality.locality_id], codes=codes)
        problems += _pfs_warnings(rates, prices, release, code_headers)
        problems += _volume_without_rate(utilization, rates, ufile, failed)
    else:
        rates = rates[rates["rate_basis"] == "flat"].reset_index(drop=True)
    if prices is None:
        prices = pd.DataFrame(columns=list(medicare.COLUMNS) + ["locality_id"])
    return ClientInputs(client=client, release=release, locality=locality, rates=rates.reset_index(drop=True),
                        utilization=utilization, medicare=prices, problems=problems,
                        modifier_variants=variants.reset_index(drop=True), remittances=remits,
                        derived_rates=derived, utilization_source="remittances" if not client.utilization else "file")


def _remittances(client: Client, rates: pd.DataFrame, problems: list[Problem]):
    """The client's 835s read; rates derived for the payers without a fee schedule; units on paid claims.

    Returns ``(remittances or None, derived rates, derived utilization)``; appends to ``problems``.
    """
    if not client.remittances:
        return None, pd.DataFrame(columns=derive.DERIVED_COLUMNS), _empty_utilization()
    remits = remit.read_remittances(client.remittance_files())
    problems += derive.relative_problems(remits.problems, client)
    payers = derive.payer_of_lines(remits.lines, client)
    problems += derive.payer_problems(remits.lines, payers, client)
    without = {p.name for p in client.payers if not p.fee_schedule and p.contract is None}
    derived = derive.derived_rates(remits.lines, payers)
    derived = derived[derived["payer"].isin(without)].reset_index(drop=True)
    units = derive.derived_utilization(remits.lines, payers)
    return remits, derived, units[UTILIZATION_COLUMNS]


def _derived_rows(client: Client, derived: pd.DataFrame) -> pd.DataFrame:
    """Derived rates as :data:`RATE_COLUMNS` rows (both settings, ``rate_basis`` "derived_from_remittances")."""
    return pd.DataFrame({
        "payer": derived["payer"].astype(str), "hcpcs": derived["hcpcs"].astype(str),
        "modifier": derived["modifier"].astype(str), "setting": "", "rate": derived["rate"].astype(float),
        "rate_basis": derive.DERIVED_BASIS, "contract_percent": np.nan, "medicare_release": "",
        "effective_date": pd.Series(pd.NaT, index=derived.index, dtype="datetime64[us]"),
        "file": f"{client.client_id}/{', '.join(client.remittances)}", "sheet": "", "row": np.nan})[RATE_COLUMNS]
