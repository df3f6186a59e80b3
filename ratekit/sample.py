"""Seeded generator of synthetic sample clients.

Every practice, payer, rate and count written here is invented; each client's
name says "synthetic". Rates are drawn around published multiples of Medicare
so the sample behaves like real practices:

* commercial payers: the specialty's commercial-to-Medicare ratio (FAIR Health /
  Urban Institute, 2019-20; pediatrics uses family medicine's), with spread
  between payers (log-normal, sd 0.12) and one payer pulled low;
* Medicare Advantage: about traditional Medicare (0.97, sd 0.03; MA office
  visits at about 97 % of traditional Medicare);
* Medicaid managed care: the state's 2024 Medicaid-to-Medicare fee index
  (primary care or all services; the national figure where the state has none);
* per code: log-normal noise, sd 0.06, around the payer's multiple.

Medicare amounts come from :mod:`ratekit.medicare` at the client's locality.
Usage: ``ratekit sample --out DIR --clients N --seed S``.

The inputs are messy the way real ones are (the loader must cope): payers spelled through every
alias and in upper case in the utilization; four header styles; dollar strings (``"$1,234.50"``);
and per client, by position in the sample:

0. an effective-date column with an old (2025), a current (2026) and a future (2027) rate for some
   codes, and a Medicare Advantage payer on a whole-payer contract (``contract:
   {percent_of_medicare: NN}``) with a short carve-out file;
1. every payer's fee schedule in one workbook, a sheet per payer (numbers stored as numbers in
   some sheets, a title row above the header in one, an exact duplicate row in another);
2. contract lines written ``"NNN% of Medicare"`` in one payer's rate column, and a ``% of
   Medicare`` column for another payer's imaging codes;
3. a place-of-service column in the utilization (ASC and hospital-outpatient units) and a
   ``Setting`` column with facility rates in the fee schedules.

Clients 0 and 1 also get small synthetic Transparency-in-Coverage in-network files (``market/``, from
:mod:`ratekit.market.synthetic`, drawn from their own seeded stream) for one or two commercial payers, with
the practice's own TIN published at its fee-schedule rates (one code loaded 4% high, a discrepancy to find),
and a ``market:`` section in client.yaml.

Those choices draw from their own random stream, after every other draw, so the practices, panels
and condition counts are the same as without them. Workbooks are written with fixed timestamps:
the same seed writes the same bytes.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import medicare, reference

SAMPLE_RELEASE = "2026C"
BENCHMARK_YEAR = 2026


@dataclass(frozen=True)
class _Location:
    zip: str
    county_fips: str
    city: str
    state: str


#: Real ZIP codes and their counties (FIPS), spread over Medicare localities.
LOCATIONS = (
    _Location("62704", "17167", "Springfield", "IL"),
    _Location("78701", "48453", "Austin", "TX"),
    _Location("02115", "25025", "Boston", "MA"),
    _Location("80206", "08031", "Denver", "CO"),
    _Location("30303", "13121", "Atlanta", "GA"),
    _Location("98101", "53033", "Seattle", "WA"),
    _Location("85004", "04013", "Phoenix", "AZ"),
    _Location("44113", "39035", "Cleveland", "OH"),
    _Location("35203", "01073", "Birmingham", "AL"),
    _Location("53703", "55025", "Madison", "WI"),
    _Location("97205", "41051", "Portland", "OR"),
    _Location("87102", "35001", "Albuquerque", "NM"),
)

#: Code mix per specialty: (code, modifier, units per panel patient per year). Real CPT/HCPCS codes
#: paid under the 2026 PFS in the office (non-facility) setting; no descriptors are shipped.
CODE_MIX: dict[str, tuple[tuple[str, str, float], ...]] = {
    "family_medicine": (
        ("99213", "", 1.10), ("99214", "", 0.85), ("99212", "", 0.15), ("99215", "", 0.08),
        ("99203", "", 0.05), ("99204", "", 0.04), ("G2211", "", 0.60), ("G0439", "", 0.12),
        ("G0438", "", 0.02), ("93000", "", 0.06), ("90471", "", 0.25), ("96127", "", 0.10),
        ("69210", "", 0.03), ("17110", "", 0.02), ("20610", "", 0.02), ("94010", "", 0.02),
        ("99497", "", 0.01), ("G0444", "", 0.08),
    ),
    "internal_medicine": (
        ("99213", "", 0.95), ("99214", "", 1.05), ("99215", "", 0.15), ("99204", "", 0.05),
        ("G2211", "", 0.70), ("G0439", "", 0.15), ("93000", "", 0.10), ("99490", "", 0.10),
        ("90471", "", 0.20), ("96127", "", 0.05), ("94010", "", 0.03), ("20610", "", 0.02),
    ),
    "pediatrics": (
        ("99213", "", 1.00), ("99214", "", 0.45), ("99212", "", 0.30), ("99203", "", 0.04),
        ("90460", "", 0.90), ("90471", "", 0.20), ("96127", "", 0.25), ("96160", "", 0.20),
        ("94640", "", 0.03), ("69210", "", 0.02), ("99406", "", 0.01),
    ),
    "dermatology": (
        ("99213", "", 0.55), ("99214", "", 0.35), ("99203", "", 0.12), ("99204", "", 0.06),
        ("17000", "", 0.30), ("17003", "", 0.60), ("17004", "", 0.04), ("11102", "", 0.25),
        ("11104", "", 0.10), ("17110", "", 0.08), ("11402", "", 0.03), ("11602", "", 0.03),
        ("12032", "", 0.02), ("17311", "", 0.04), ("11900", "", 0.03), ("88305", "26", 0.05),
    ),
    "cardiology": (
        ("99213", "", 0.70), ("99214", "", 0.95), ("99215", "", 0.12), ("99204", "", 0.10),
        ("99203", "", 0.05), ("93000", "", 0.45), ("93306", "", 0.25), ("93350", "", 0.05),
        ("93015", "", 0.08), ("93224", "", 0.06), ("93880", "", 0.05), ("93280", "", 0.06),
        ("78452", "", 0.04), ("93010", "", 0.10), ("G2211", "", 0.40),
    ),
    "orthopedics": (
        ("99213", "", 0.60), ("99214", "", 0.50), ("99203", "", 0.25), ("99204", "", 0.15),
        ("20610", "", 0.35), ("20611", "", 0.08), ("20550", "", 0.05), ("73030", "", 0.12),
        ("73562", "", 0.18), ("73564", "", 0.10), ("72100", "", 0.08), ("29125", "", 0.03),
        ("97110", "", 0.60), ("97140", "", 0.35), ("97530", "", 0.25), ("73721", "", 0.03),
    ),
}

#: Share of the panel with each condition, per specialty (order of magnitude from US prevalence;
#: specialists see different mixes). Aggregate counts only.
CONDITION_SHARE: dict[str, dict[str, float]] = {
    "family_medicine": {"hypertension": 0.30, "hyperlipidemia": 0.26, "diabetes": 0.11, "obesity": 0.33,
                        "asthma": 0.08, "copd": 0.05, "heart_failure": 0.02, "ckd": 0.04, "depression": 0.15},
    "internal_medicine": {"hypertension": 0.42, "hyperlipidemia": 0.38, "diabetes": 0.18, "obesity": 0.36,
                          "copd": 0.08, "heart_failure": 0.05, "ckd": 0.08, "afib": 0.04, "depression": 0.14},
    "pediatrics": {"asthma": 0.09, "obesity": 0.17, "depression": 0.04},
    "dermatology": {"obesity": 0.25, "diabetes": 0.07},
    "cardiology": {"hypertension": 0.65, "hyperlipidemia": 0.55, "ischemic_heart_disease": 0.35,
                   "heart_failure": 0.18, "afib": 0.15, "diabetes": 0.25, "ckd": 0.10},
    "orthopedics": {"obesity": 0.38, "diabetes": 0.10, "hypertension": 0.33},
}

PANEL_SIZE = {"family_medicine": (2400, 4200), "internal_medicine": (2000, 3600), "pediatrics": (2500, 4500),
              "dermatology": (3000, 6000), "cardiology": (1800, 3500), "orthopedics": (2500, 5000)}

ACCESS_CHOICES = {
    "family_medicine": ("same_day_appointments", "after_hours_line", "extended_hours", "telehealth",
                        "weekend_hours"),
    "internal_medicine": ("same_day_appointments", "after_hours_line", "telehealth", "next_day_appointments"),
    "pediatrics": ("same_day_appointments", "after_hours_line", "weekend_hours", "extended_hours"),
    "dermatology": ("next_day_appointments", "immediate_referrals", "telehealth"),
    "cardiology": ("next_day_appointments", "after_hours_line", "immediate_referrals"),
    "orthopedics": ("same_day_appointments", "immediate_referrals", "extended_hours"),
}

SPECIALTY_ORDER = ("family_medicine", "dermatology", "cardiology", "orthopedics", "pediatrics", "internal_medicine")
_SPECIALTY_TITLE = {"family_medicine": "Family Medicine", "internal_medicine": "Internal Medicine",
                    "pediatrics": "Pediatrics", "dermatology": "Dermatology", "cardiology": "Cardiology",
                    "orthopedics": "Orthopedics"}
_PRACTICE_WORDS = ("Maple", "Riverbend", "Cedar Hill", "Lakeshore", "Northgate", "Willow Creek", "Summit",
                   "Harbor", "Prairie", "Oakridge", "Stonebridge", "Bluebell")

#: Fictional payers (kind, name, aliases). Real payer names are avoided so no reader mistakes a
#: synthetic rate for a real contract.
PAYER_POOL = (
    ("commercial", "Great Lakes Blue Plan", ("GLBP", "Great Lakes Blue", "GREAT LAKES BLUE PLAN OF {state}")),
    ("commercial", "Keystone Health Partners", ("Keystone", "KHP")),
    ("commercial", "Meridian Mutual", ("Meridian", "Meridian Mutual Insurance Co.")),
    ("commercial", "Pinnacle Choice", ("Pinnacle",)),
    ("commercial", "Horizon Crest Health", ("Horizon Crest", "HCH")),
    ("medicare_advantage", "Silver Oak Medicare Advantage", ("Silver Oak MA", "SilverOak")),
    ("medicare_advantage", "Evergreen Senior Plan", ("Evergreen MA",)),
    ("medicaid_managed_care", "Community First Medicaid", ("CFM", "Community First")),
    ("medicaid_managed_care", "Bridgeway Family Health", ("Bridgeway",)),
)

#: How payers name their columns (the loader understands all of them).
_HEADER_STYLES = (("code", "modifier", "rate"), ("CPT/HCPCS", "Mod", "Allowed"), ("Proc Code", "Modifier", "Fee"),
                  ("HCPCS", "MOD", "Contract Rate"))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _commercial_ratio(specialty: str) -> float:
    table = pd.read_csv(reference.path("commercial_by_specialty"))
    ratios = dict(zip(table["specialty"], table["ratio"], strict=True))
    return float(ratios.get(specialty, ratios["family_medicine"]))


def _medicaid_ratio(state: str, specialty: str) -> float:
    table = pd.read_csv(reference.path("medicaid_fee_index")).set_index("state")
    column = "primary_care" if specialty in ("family_medicine", "internal_medicine", "pediatrics") else "all_services"
    value = table[column].get(state)
    return float(value if value is not None and not pd.isna(value) else table.loc["US", column])


def _payer_multiples(kinds: list[str], specialty: str, state: str, rng: np.random.Generator) -> list[float]:
    commercial = _commercial_ratio(specialty)
    out = []
    for kind in kinds:
        if kind == "commercial":
            out.append(commercial * float(rng.lognormal(0.0, 0.12)))
        elif kind == "medicare_advantage":
            out.append(float(rng.normal(0.97, 0.03)))
        else:
            out.append(_medicaid_ratio(state, specialty) * float(rng.normal(1.0, 0.05)))
    # one commercial payer well below the others: where a negotiation has room
    commercial_at = [i for i, k in enumerate(kinds) if k == "commercial"]
    low = commercial_at[int(rng.integers(len(commercial_at)))]
    out[low] = commercial * float(rng.uniform(0.72, 0.85))
    return out


def generate_client(index: int, rng: np.random.Generator, *, release: str = SAMPLE_RELEASE) -> dict:
    """One synthetic client as data (``client.yaml`` mapping, fee schedules, utilization).

    Parameters
    ----------
    index : int
        Position in the sample: picks the specialty and location in turn.
    rng : numpy.random.Generator
        Source of all randomness (seeded by the caller).

    Returns
    -------
    dict
        ``client_id``, ``yaml`` (the client.yaml mapping), ``fee_schedules``
        (file name -> DataFrame) and ``utilization`` (DataFrame).
    """
    specialty = SPECIALTY_ORDER[index % len(SPECIALTY_ORDER)]
    where = LOCATIONS[index % len(LOCATIONS)]
    word = _PRACTICE_WORDS[index % len(_PRACTICE_WORDS)]
    name = f"{word} {_SPECIALTY_TITLE[specialty]} of {where.city} (synthetic)"
    client_id = _slug(f"{where.city}-{specialty.replace('_', '-')}") + (f"-{index + 1:02d}" if index >= 6 else "")

    n_payers = int(rng.integers(5, 9))
    pool = list(PAYER_POOL)
    commercial = [p for p in pool if p[0] == "commercial"]
    others = [p for p in pool if p[0] != "commercial"]
    n_commercial = max(3, n_payers - 3)
    chosen = [commercial[i] for i in sorted(rng.choice(len(commercial), size=min(n_commercial, 5), replace=False))]
    ma = [p for p in others if p[0] == "medicare_advantage"]
    mcd = [p for p in others if p[0] == "medicaid_managed_care"]
    chosen += [ma[int(rng.integers(len(ma)))]]
    if specialty != "dermatology" or rng.random() < 0.5:
        chosen += [mcd[int(rng.integers(len(mcd)))]]
    if len(chosen) < n_payers:
        extra = [p for p in ma + mcd if p not in chosen]
        chosen += extra[: n_payers - len(chosen)]
    kinds = [p[0] for p in chosen]

    low, high = PANEL_SIZE[specialty]
    panel = int(rng.integers(low, high))
    mix_weight = {"commercial": 4.5, "medicare_advantage": 1.4, "medicaid_managed_care": 1.0}
    if specialty == "pediatrics":
        mix_weight = {"commercial": 4.0, "medicare_advantage": 0.05, "medicaid_managed_care": 3.5}
    if specialty == "cardiology":
        mix_weight["medicare_advantage"] = 3.0
    shares = rng.dirichlet([mix_weight[k] * 2 for k in kinds])
    patients = np.maximum((shares * panel).round().astype(int), 25)

    multiples = _payer_multiples(kinds, specialty, where.state, rng)
    mix = CODE_MIX[specialty]
    codes = sorted({c for c, _, _ in mix})
    locality = medicare.locate(zip_code=where.zip, release=release)
    prices = medicare.price(release, localities=[locality.locality_id], codes=codes)
    amount = {(r.hcpcs, r.modifier): r.nonfacility_amount for r in prices.itertuples()}
    facility = {(r.hcpcs, r.modifier): r.facility_amount for r in prices.itertuples()}

    drawn: list[list[tuple[str, str, float]]] = []  # per payer: (code, modifier, rate)
    util_rows = []
    payers_yaml = []
    for (kind, pname, aliases), multiple, n_pat in zip(chosen, multiples, patients, strict=True):
        rows = []
        for code, mod, per_patient in mix:
            medicare_amount = amount.get((code, mod))
            if medicare_amount is None or pd.isna(medicare_amount):
                raise ValueError(f"sample code {code}{'-' + mod if mod else ''} has no {release} "
                                 f"non-facility amount at {locality.locality_id}")
            rate = round(medicare_amount * multiple * float(rng.lognormal(0.0, 0.06)), 2)
            rows.append((code, mod, rate))
            units = int(rng.poisson(max(per_patient * n_pat * float(rng.lognormal(0, 0.15)), 0.5)))
            if units:
                util_rows.append({"payer": pname if rng.random() < 0.8 else aliases[0], "code": code,
                                  "modifier": mod, "units": units})
        drawn.append(rows)
        payers_yaml.append({"name": pname, "kind": kind, "patients": int(n_pat),
                            "fee_schedule": f"fee_schedules/{_slug(pname)}.csv",
                            "aliases": [a.format(state=where.state) for a in aliases]})

    panel_total = int(patients.sum())
    conditions = {c: int(round(share * panel_total * float(rng.uniform(0.85, 1.15))))
                  for c, share in CONDITION_SHARE[specialty].items()}
    choices = ACCESS_CHOICES[specialty]
    features = [f for f in choices if rng.random() < 0.6] or [choices[0]]
    mess = np.random.default_rng(int(rng.integers(2**63)))  # drawn last: the draws above stay as they were

    utilization = pd.DataFrame(util_rows, columns=["payer", "code", "modifier", "units"])
    utilization = _messy_payer_names(utilization, payers_yaml)
    fee_schedules: dict[str, pd.DataFrame | dict[str, pd.DataFrame]] = {}
    for j, rows in enumerate(drawn):
        style = _HEADER_STYLES[(index + j) % len(_HEADER_STYLES)]
        fee_schedules[payers_yaml[j]["fee_schedule"]] = pd.DataFrame(
            [{style[0]: code, style[1]: mod, style[2]: f"${rate:,.2f}" if style[2] == "Allowed" else f"{rate:.2f}"}
             for code, mod, rate in rows])
    dress = _MESS.get(index)
    if dress is not None:
        dressed = dress(fee_schedules=fee_schedules, payers=payers_yaml, drawn=drawn, multiples=multiples,
                        utilization=utilization, amount=amount, facility=facility, rng=mess)
        if dressed is not None:
            utilization = dressed

    client_yaml = {
        "name": name,
        "synthetic": True,
        "specialty": specialty,
        "location": {"zip": where.zip, "county_fips": where.county_fips},
        "benchmark_year": BENCHMARK_YEAR,
        "medicare_release": release,
        "utilization": "utilization.csv",
        "payers": payers_yaml,
        "access_features": features,
        "conditions": conditions,
        "notes": "Synthetic sample practice generated by ratekit (seeded); every figure is invented.",
    }
    return {"client_id": client_id, "yaml": client_yaml, "fee_schedules": fee_schedules,
            "utilization": utilization}


# --- messy inputs, as payers and practices send them ----------------------------------------------

def _messy_payer_names(utilization: pd.DataFrame, payers: list[dict]) -> pd.DataFrame:
    """Spell payers in the utilization the ways a practice's billing system does: every alias, upper case."""
    out = utilization.copy()
    for p in payers:
        spellings = [p["name"], *p["aliases"], p["name"].upper(), f"  {p['name'].lower()} "]
        rows = np.flatnonzero((out["payer"] == p["name"]).to_numpy() | out["payer"].isin(p["aliases"]).to_numpy())
        # every fifth row of the payer takes the next spelling in turn (deterministic, no random draw)
        for k, i in enumerate(rows[::5]):
            out.loc[out.index[i], "payer"] = spellings[k % len(spellings)]
    return out


def _effective_dates_and_contract(*, fee_schedules, payers, drawn, multiples, utilization, rng, **_) -> None:
    """Springfield: an old, a current and a future rate for some codes; a Medicare Advantage contract at a
    percent of Medicare with a short carve-out file."""
    j = 0  # the first payer's file gets an effective-date column
    file = payers[j]["fee_schedule"]
    table = fee_schedules[file]
    code_col, mod_col, rate_col = table.columns
    rows = []
    for k, (code, mod, rate) in enumerate(drawn[j]):
        if k % 2 == 0:
            old = round(rate / float(rng.uniform(1.02, 1.06)), 2)
            rows.append({code_col: code, mod_col: mod, rate_col: f"{old:.2f}",
                         "Effective Date": f"{BENCHMARK_YEAR - 1}-01-01"})
        rows.append({code_col: code, mod_col: mod, rate_col: table.loc[k, rate_col],
                     "Effective Date": f"{BENCHMARK_YEAR}-01-01"})
        if k == 0:
            rows.append({code_col: code, mod_col: mod, rate_col: f"{rate * 1.05:.2f}",
                         "Effective Date": f"{BENCHMARK_YEAR + 1}-01-01"})
    fee_schedules[file] = pd.DataFrame(rows)
    ma = next(i for i, p in enumerate(payers) if p["kind"] == "medicare_advantage")
    payers[ma]["contract"] = {"percent_of_medicare": int(round(multiples[ma] * 100))}
    carve = fee_schedules[payers[ma]["fee_schedule"]]
    fee_schedules[payers[ma]["fee_schedule"]] = carve[carve.iloc[:, 0].isin(["G0439", "G0438"])].reset_index(drop=True)


def _workbook(*, fee_schedules, payers, **_) -> None:
    """Austin: every payer's fee schedule in one workbook, a sheet per payer; one sheet with a title row
    above its header, one with an exact duplicate row."""
    sheets = {}
    for j, p in enumerate(payers):
        table = fee_schedules.pop(p["fee_schedule"])
        sheet = p["name"][:31]
        if j == 1:  # a repeated line, as exports sometimes carry (a warning, not an error)
            table = pd.concat([table, table.iloc[[2]]], ignore_index=True)
        code_col, _, rate_col = table.columns
        if j % 2 == 0:  # spreadsheet cells: codes and plain amounts as numbers, as Excel stores them
            table = table.assign(**{code_col: table[code_col].map(lambda c: int(c) if c.isdigit() else c),
                                    rate_col: table[rate_col].map(lambda r: r if r.startswith("$") else float(r))})
        if j == 2:  # a title and a blank row above the header
            table = pd.DataFrame([["", "", ""], list(table.columns), *table.to_numpy().tolist()],
                                 columns=[f"Synthetic fee schedule, effective {BENCHMARK_YEAR}-01-01", " ", "  "])
        sheets[sheet] = table
        p["fee_schedule"] = f"fee_schedules/payer_fee_schedules.xlsx#{sheet}"
    fee_schedules["fee_schedules/payer_fee_schedules.xlsx"] = sheets


def _percent_of_medicare(*, fee_schedules, payers, drawn, multiples, amount, **_) -> None:
    """Boston: one commercial payer writes E/M lines as "NNN% of Medicare"; another gives a '% of Medicare'
    column for its imaging codes."""
    commercial = [i for i, p in enumerate(payers) if p["kind"] == "commercial"]
    first, second = commercial[0], commercial[1]
    table = fee_schedules[payers[first]["fee_schedule"]]
    rate_col = table.columns[2]
    pct = int(round(multiples[first] * 100))
    em = table.iloc[:, 0].str.startswith("992")
    fee_schedules[payers[first]["fee_schedule"]] = table.assign(
        **{rate_col: table[rate_col].where(~em, f"{pct}% of Medicare")})
    table = fee_schedules[payers[second]["fee_schedule"]]
    rate_col = table.columns[2]
    imaging = table.iloc[:, 0].isin(["93306", "93350", "93880", "78452"])
    pct = int(round(multiples[second] * 100))
    fee_schedules[payers[second]["fee_schedule"]] = table.assign(
        **{rate_col: table[rate_col].where(~imaging, ""), "% of Medicare": np.where(imaging, f"{pct}%", "")})


_FACILITY_CODES = {"20610": "24", "20611": "24", "29125": "22", "99213": "22", "99214": "22"}


def _places_of_service(*, fee_schedules, payers, drawn, multiples, utilization, facility, rng, **_) -> pd.DataFrame:
    """Denver: some injections done at an ASC (POS 24) and some visits in a hospital clinic (POS 22); the
    payers give facility rates for those codes in a Setting column."""
    rows = []
    for r in utilization.itertuples(index=False):
        pos = _FACILITY_CODES.get(r.code)
        if pos and r.units >= 4:
            moved = r.units // 4
            rows.append({"payer": r.payer, "code": r.code, "modifier": r.modifier, "pos": "11",
                         "units": r.units - moved})
            rows.append({"payer": r.payer, "code": r.code, "modifier": r.modifier, "pos": pos, "units": moved})
        else:
            rows.append({"payer": r.payer, "code": r.code, "modifier": r.modifier, "pos": "11", "units": r.units})
    for j, p in enumerate(payers):
        table = fee_schedules[p["fee_schedule"]]
        code_col, mod_col, rate_col = table.columns
        extra = []
        for code, mod, _rate in drawn[j]:
            if code in _FACILITY_CODES and not pd.isna(facility.get((code, mod))):
                fac = facility[(code, mod)] * multiples[j] * float(rng.lognormal(0.0, 0.06))
                extra.append({code_col: code, mod_col: mod, rate_col: f"{fac:.2f}", "Setting": "facility"})
        table = table.assign(Setting=np.where(table[code_col].isin(list(_FACILITY_CODES)), "office", ""))
        fee_schedules[p["fee_schedule"]] = pd.concat([table, pd.DataFrame(extra)], ignore_index=True)
    return pd.DataFrame(rows, columns=["payer", "code", "modifier", "pos", "units"])


#: Which messy inputs each sample client gets (by its position in the sample).
_MESS = {0: _effective_dates_and_contract, 1: _workbook, 2: _percent_of_medicare, 3: _places_of_service}


def _write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """Write a workbook whose bytes depend only on its cells (fixed zip times and document dates)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        for sheet, table in sheets.items():
            table.to_excel(xl, sheet_name=sheet, index=False)
    stamp = "2025-01-01T00:00:00Z"
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(fixed, data)


def write_sample(out: str | Path, *, clients: int = 4, seed: int = 2025) -> list[Path]:
    """Write ``clients`` synthetic client folders under ``out``.

    The same ``seed`` always writes the same files.

    Returns
    -------
    list of Path
        The client folders written.
    """
    if clients < 1:
        raise ValueError("clients must be at least 1")
    out = Path(out)
    rng = np.random.default_rng(seed)
    written = []
    for index in range(clients):
        data = generate_client(index, np.random.default_rng(rng.integers(2**63)))
        folder = out / data["client_id"]
        (folder / "fee_schedules").mkdir(parents=True, exist_ok=True)
        header = "# Synthetic sample client written by `ratekit sample`: every figure is invented.\n"
        text = yaml.safe_dump(data["yaml"], sort_keys=False, allow_unicode=True, width=100)
        (folder / "client.yaml").write_text(header + text, encoding="utf-8")
        for file, table in data["fee_schedules"].items():
            if isinstance(table, dict):
                _write_xlsx(folder / file, table)
            else:
                table.to_csv(folder / file, index=False)
        data["utilization"].to_csv(folder / "utilization.csv", index=False)
        market = _synthetic_market(folder, index, seed=seed)
        if market is not None:  # client.yaml again, with its market: section
            data["yaml"]["market"] = market
            text = yaml.safe_dump(data["yaml"], sort_keys=False, allow_unicode=True, width=100)
            (folder / "client.yaml").write_text(header + text, encoding="utf-8")
        written.append(folder)
    return written


#: Sample clients (by position) that get synthetic in-network files, and for how many commercial payers.
MARKET_CLIENTS = {0: 2, 1: 1}


def _synthetic_market(folder: Path, index: int, *, seed: int) -> dict | None:
    """Write ``market/*.json.gz`` for the client's first commercial payers; its ``market:`` section (or None).

    Each file is a payer's synthetic market around 1.3x the client's Medicare amounts (25 provider groups,
    10 rates per code) plus the practice's own TIN at its fee-schedule rates, its most-billed code 4% high.
    """
    from .client import load_client
    from .market import synthetic
    from .market.client_link import client_market

    n_payers = MARKET_CLIENTS.get(index)
    if not n_payers:
        return None
    c = client_market(folder)
    client = load_client(folder.name, root=folder.parent)
    prices = medicare.price(c.release, localities=[c.locality_id], codes=c.codes)
    base = {r.hcpcs: float(r.nonfacility_amount) for r in prices.itertuples()
            if r.modifier == "" and pd.notna(r.nonfacility_amount)}
    commercial = [p for p in client.payers if p.kind == "commercial" and p.fee_schedule][:n_payers]
    tin = synthetic.synthetic_ein(9_000 + index)
    entities, files = {}, []
    for j, payer in enumerate(commercial):
        own = c.rates[(c.rates["payer"] == payer.name) & (c.rates["modifier"] == "")
                      & c.rates["setting"].isin(["", "nonfacility"])]
        own = own.drop_duplicates("hcpcs", keep="last")  # the rate in force last (effective dates)
        rates = {code: round(float(rate), 2) for code, rate in zip(own["hcpcs"], own["rate"], strict=True)
                 if code in base}
        if rates:
            top = max(rates, key=lambda code: base[code])
            rates[top] = round(rates[top] * 1.04, 2)
        entity = f"{payer.name} Insurance Company"
        spec = synthetic.MarketSpec(base_amounts={k: base[k] for k in sorted(base)}, payer=entity, n_groups=25,
                                    rates_per_item=10, refs_per_rate=3, multiple=1.3 + 0.1 * j, spread=0.18,
                                    practice_tin=tin, practice_npis=(synthetic.synthetic_npi(90_000 + index),),
                                    practice_rates=rates, seed=seed * 100 + index * 10 + j)
        name = f"market/{_slug(payer.name)}-in-network.json.gz"
        (folder / "market").mkdir(exist_ok=True)
        plain = synthetic.write_synthetic_in_network(folder / name.removesuffix(".gz"), spec)
        # gzip'd with no timestamp, so the same seed writes the same bytes
        (folder / name).write_bytes(gzip.compress(plain.read_bytes(), compresslevel=9, mtime=0))
        plain.unlink()
        files.append(name)
        entities[f"{entity} (synthetic)"] = payer.aliases[0] if payer.aliases else payer.name
    return {"files": files, "tins": [tin], "entities": entities} if files else None
