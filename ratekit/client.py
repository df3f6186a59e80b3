"""Client folders: load and validate ``client.yaml`` and find the client's files.

A client folder looks like this (documented in the README)::

    <clients root>/<client_id>/
        client.yaml              # who the practice is, its payers, access, conditions
        fee_schedules/*.csv|xlsx  # one file per payer, or a workbook with a sheet per payer
        utilization.csv          # units per code per payer per year
        remits/*.835             # optional: the payers' electronic remittances (X12 835)

Everything here is aggregate: contracted rates, volumes and counts of patients.
No patient-level data belongs in a client folder.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import config, identifiers, parameters
from .errors import Problem, RatekitError

CLIENT_FILE = "client.yaml"

#: Payer kinds a client.yaml may use.
PAYER_KINDS = ("commercial", "medicare_advantage", "medicaid_managed_care")

#: Access features the ER-savings model knows about.
ACCESS_FEATURES = (
    "same_day_appointments",
    "next_day_appointments",
    "after_hours_line",
    "extended_hours",
    "weekend_hours",
    "immediate_referrals",
    "telehealth",
)

#: Chronic conditions, keyed as in the CMS Chronic Conditions Warehouse summary shipped in data/reference.
CONDITIONS = (
    "hypertension",
    "hyperlipidemia",
    "diabetes",
    "obesity",
    "ischemic_heart_disease",
    "heart_failure",
    "afib",
    "copd",
    "asthma",
    "ckd",
    "depression",
    "stroke_tia",
)

SPECIALTIES = (
    "family_medicine",
    "internal_medicine",
    "pediatrics",
    "dermatology",
    "cardiology",
    "orthopedics",
)

@dataclass(frozen=True)
class Contract:
    """A whole-payer contract written as a percent of Medicare (``contract:`` under a payer).

    Every code the practice bills the payer without a line in its fee schedule is paid
    ``percent_of_medicare`` % of the Medicare amount at the client's locality, from
    ``medicare_release`` (or the newest release of ``medicare_year``; default: the client's release).
    """

    #: the percent as written, e.g. "120" or "117.5" (kept as text so it stays exact)
    percent_of_medicare: str
    medicare_release: str | None = None
    medicare_year: int | None = None


@dataclass(frozen=True)
class Payer:
    """One payer in a client's contract portfolio."""

    name: str
    kind: str
    patients: int
    #: the payer's fee schedule file (``book.xlsx#Sheet`` for a sheet); empty when only ``contract`` is given
    fee_schedule: str
    aliases: tuple[str, ...] = ()
    #: the client's own count of this payer's patients per condition, when it has them
    conditions: dict[str, int] = field(default_factory=dict)
    #: a whole-payer percent-of-Medicare contract, if client.yaml gives one
    contract: Contract | None = None

    @property
    def sheet(self) -> str | None:
        """The workbook sheet named after ``#`` in ``fee_schedule``, if any."""
        return self.fee_schedule.split("#", 1)[1] if "#" in self.fee_schedule else None

    @property
    def fee_schedule_file(self) -> str:
        """``fee_schedule`` without its ``#sheet`` part."""
        return self.fee_schedule.split("#", 1)[0]


@dataclass(frozen=True)
class MarketConfig:
    """Where a client's payers' Transparency-in-Coverage data is (``market:`` in client.yaml).

    Paths are relative to the client folder. ``files`` are in-network files (``.json`` / ``.json.gz``) that
    are ingested when the report needs them; ``folder`` is the output of ``ratekit market ingest`` (used
    as is when given). ``entities`` maps each file's ``reporting_entity_name`` to one of the client's payers
    (the value may be a payer's name or alias; it is stored as the payer's name).
    """

    files: tuple[str, ...] = ()
    folder: str | None = None
    #: optional NPPES extract (``npidata_pfile`` columns), relative to the client folder
    nppes: str | None = None
    #: the practice's own TINs, to find its own published rates
    tins: tuple[str, ...] = ()
    #: reporting entity name -> the client's payer name
    entities: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Client:
    """A validated client folder. Build it with :func:`load_client`."""

    client_id: str
    root: Path
    name: str
    specialty: str
    synthetic: bool
    benchmark_year: int
    payers: tuple[Payer, ...]
    utilization: str
    zip: str | None = None
    locality: str | None = None
    county_fips: str | None = None
    medicare_release: str | None = None
    benchmark_date: dt.date | None = None
    access_features: tuple[str, ...] = ()
    conditions: dict[str, int] = field(default_factory=dict)
    #: optional file of aggregate diagnosis counts (ICD-10 code, patients), relative to the folder
    diagnoses: str | None = None
    notes: str = ""
    assumptions: dict = field(default_factory=dict)
    #: warnings found in client.yaml (errors raise instead)
    warnings: tuple[Problem, ...] = ()
    #: the payers' Transparency-in-Coverage data, when client.yaml has a ``market:`` section
    market: MarketConfig | None = None
    #: glob patterns of the client's 835 remittance files, relative to the folder (``remittances:``)
    remittances: tuple[str, ...] = ()

    def path(self, relative: str) -> Path:
        """A file of this client, resolved inside its folder."""
        return self.root / relative

    def remittance_files(self) -> list[Path]:
        """The 835 files ``remittances:`` names, sorted; each resolved inside the client folder."""
        return _remittance_files(self.root, self.remittances)

    @property
    def panel_size(self) -> int:
        """Patients across all payers."""
        return sum(p.patients for p in self.payers)

    @property
    def as_of(self) -> dt.date:
        """The date the contracts are benchmarked at (default 1 July of the benchmark year)."""
        return self.benchmark_date or dt.date(self.benchmark_year, 7, 1)


def clients_root(root: str | Path | None = None) -> Path:
    """The folder holding client folders: ``root`` or the committed sample."""
    return Path(root) if root is not None else config.SAMPLE_CLIENTS_DIR


def list_clients(root: str | Path | None = None) -> list[str]:
    """Ids of the client folders under ``root`` (those holding a client.yaml), sorted."""
    base = clients_root(root)
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / CLIENT_FILE).is_file())


def check_client_id(client_id: str) -> str:
    """Return ``client_id`` if it is a safe folder name, else raise :class:`RatekitError`.

    A client id becomes a folder under ``reports/``: letters, digits, ``_`` and
    ``-`` only, so it can never point outside that folder.
    """
    if not isinstance(client_id, str) or not identifiers.CLIENT_ID.match(client_id):
        raise RatekitError(
            Problem(
                file="(client id)",
                message="a client id may hold only letters, digits, '_' and '-' (at most 64)",
                value=client_id,
                fix="rename the client folder, e.g. 'maple-family-medicine'",
            )
        )
    return client_id


def load_client(client_id: str, root: str | Path | None = None) -> Client:
    """Load and validate ``<root>/<client_id>/client.yaml``.

    Parameters
    ----------
    client_id : str
        The client's folder name.
    root : path, optional
        Folder holding client folders; default the committed sample
        (``data/sample/clients``).

    Returns
    -------
    Client

    Raises
    ------
    RatekitError
        Listing every problem found, each naming the file, the key and the fix.
    """
    check_client_id(client_id)
    folder = clients_root(root) / client_id
    yaml_path = folder / CLIENT_FILE
    fname = f"{client_id}/{CLIENT_FILE}"
    if not folder.is_dir():
        known = ", ".join(list_clients(root)) or "none"
        raise RatekitError(
            Problem(fname, f"no client folder {client_id!r} under {clients_root(root)}",
                    fix=f"check the id (clients there: {known})")
        )
    if not yaml_path.is_file():
        raise RatekitError(Problem(fname, "the client folder has no client.yaml",
                                   fix="add client.yaml (see the README's 'Client folder format')"))
    try:
        raw = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise RatekitError(Problem(fname, f"not UTF-8 text ({exc.reason})", fix="save it as UTF-8")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        raise RatekitError(Problem(fname, f"not valid YAML: {what}", row=row,
                                   fix="check indentation and quoting on that line")) from None
    if not isinstance(raw, dict):
        raise RatekitError(Problem(fname, "client.yaml must be a mapping of keys to values",
                                   value=type(raw).__name__, fix="start from a sample client's client.yaml"))
    return _parse(raw, client_id, folder, fname)


def _parse(raw: dict, client_id: str, folder: Path, fname: str) -> Client:
    problems: list[Problem] = []

    def err(key: str, message: str, value=None, fix: str = "", severity="error") -> None:
        problems.append(Problem(fname, message, fix=fix, column=key, value=value, severity=severity))

    def text(key: str, required: bool = True) -> str:
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                err(key, f"missing required key '{key}'", fix=f"add '{key}: ...'")
            return ""
        if not isinstance(value, (str, int)):
            err(key, f"'{key}' must be text", value=value)
            return ""
        return str(value).strip()

    known = {"name", "synthetic", "specialty", "location", "benchmark_year", "medicare_release",
             "benchmark_date", "payers", "utilization", "access_features", "conditions", "notes",
             "assumptions", "diagnoses", "market", "remittances"}
    for key in raw:
        if key not in known:
            err(str(key), f"unknown key '{key}'", fix=f"remove it or use one of: {', '.join(sorted(known))}",
                severity="warning")

    name = text("name")
    specialty = text("specialty")
    if specialty and specialty not in SPECIALTIES:
        err("specialty", "unknown specialty", specialty, f"use one of: {', '.join(SPECIALTIES)}")
    synthetic = raw.get("synthetic", False)
    if not isinstance(synthetic, bool):
        err("synthetic", "'synthetic' must be true or false", synthetic)
        synthetic = False

    # location: a ZIP code or a Medicare locality "MAC-LL"
    zip_code = locality = county_fips = None
    loc = raw.get("location")
    if not isinstance(loc, dict) or not ({"zip", "locality"} & set(loc)):
        err("location", "missing 'location' with a 'zip' or a 'locality'", loc,
            "add e.g. 'location: {zip: \"62704\"}' or 'location: {locality: \"01112-05\"}'")
    else:
        if loc.get("zip") is not None:
            zip_code = str(loc["zip"]).strip()
            if not identifiers.ZIP.match(zip_code):
                err("location.zip", "a ZIP code must be 5 digits, quoted", loc["zip"], "write it as zip: \"02134\"")
        if loc.get("locality") is not None:
            locality = str(loc["locality"]).strip()
            if not identifiers.LOCALITY.match(locality):
                err("location.locality", "a Medicare locality is written MAC-LL", loc["locality"],
                    "e.g. locality: \"01112-05\" (MAC 01112, locality 05)")
        if loc.get("county_fips") is not None:
            county_fips = str(loc["county_fips"]).strip()
            if not identifiers.COUNTY_FIPS.match(county_fips):
                err("location.county_fips", "a county FIPS code is 5 digits, quoted", loc["county_fips"],
                    "e.g. county_fips: \"17167\" (Sangamon County, IL)")

    year = raw.get("benchmark_year")
    release = raw.get("medicare_release")
    if release is not None:
        release = str(release).strip()
        if not identifiers.RELEASE.match(release):
            err("medicare_release", "a Medicare release is written YYYYQ, e.g. 2025D", release)
        elif year is None:
            year = int(release[:4])  # medicare_release alone: the benchmark year is the release's
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        err("benchmark_year", "'benchmark_year' must be a year such as 2026", year,
            "add 'benchmark_year: 2026' or 'medicare_release: 2026C'")
        year = 0
    bdate = raw.get("benchmark_date")
    if bdate is not None and not isinstance(bdate, dt.date):
        try:
            bdate = dt.date.fromisoformat(str(bdate))
        except ValueError:
            err("benchmark_date", "'benchmark_date' must be a date YYYY-MM-DD", bdate)
            bdate = None

    remittances = _parse_remittances(raw.get("remittances"), folder, err)
    payers = _parse_payers(raw.get("payers"), folder, err, remittances=bool(remittances))

    utilization = text("utilization", required=not remittances)  # else derived from the remittances
    if utilization:
        _check_inside(folder, utilization, "utilization", err)

    features = raw.get("access_features") or []
    if not isinstance(features, list):
        err("access_features", "'access_features' must be a list", features)
        features = []
    for f in features:
        if f not in ACCESS_FEATURES:
            err("access_features", "unknown access feature", f, f"use any of: {', '.join(ACCESS_FEATURES)}")
    conditions = _parse_conditions(raw.get("conditions"), "conditions", sum(p.patients for p in payers), err)
    diagnoses = raw.get("diagnoses")
    if diagnoses is not None:
        diagnoses = str(diagnoses).strip()
        _check_inside(folder, diagnoses, "diagnoses", err)
    assumptions = raw.get("assumptions") or {}
    if not isinstance(assumptions, dict):
        err("assumptions", "'assumptions' must be a mapping", assumptions)
        assumptions = {}
    market = _parse_market(raw.get("market"), folder, payers, err) if raw.get("market") is not None else None

    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise RatekitError(problems, context=f"client {client_id!r} has problems in {fname}:")
    return Client(
        client_id=client_id, root=folder, name=name, specialty=specialty, synthetic=synthetic,
        benchmark_year=year, payers=tuple(payers), utilization=utilization, zip=zip_code,
        locality=locality, county_fips=county_fips, medicare_release=release, benchmark_date=bdate,
        access_features=tuple(features), conditions=conditions, diagnoses=diagnoses,
        notes=str(raw.get("notes") or ""), assumptions=assumptions, warnings=tuple(problems),
        market=market,
        remittances=remittances,
    )


def _check_inside(folder: Path, relative: str, key: str, err) -> None:
    target = (folder / relative.split("#", 1)[0]).resolve()
    if not target.is_relative_to(folder.resolve()):
        err(key, "the path points outside the client folder", relative, "keep the client's files in its folder")
    elif not target.is_file():
        err(key, "the file does not exist", relative,
            f"add {relative.split('#', 1)[0]} to the client folder or fix the name")


def _remittance_files(folder: Path, patterns: tuple[str, ...]) -> list[Path]:
    base = folder.resolve()
    found = set()
    for pattern in patterns:
        for path in base.glob(pattern):
            resolved = path.resolve()
            if resolved.is_file() and resolved.is_relative_to(base):
                found.add(resolved)
    return sorted(found)


def _parse_remittances(value, folder: Path, err) -> tuple[str, ...]:
    """Validate ``remittances: remits/*.835`` (a pattern or a list): relative, inside the folder, matching files."""
    if value is None:
        return ()
    patterns = [value] if isinstance(value, str) else value
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) and p.strip() for p in patterns):
        err("remittances", "'remittances' must be a file pattern or a list of them", value,
            "write e.g. 'remittances: remits/*.835'")
        return ()
    good = []
    for pattern in (p.strip() for p in patterns):
        parts = Path(pattern).parts
        if Path(pattern).is_absolute() or ".." in parts or pattern.startswith("~"):
            err("remittances", "the pattern points outside the client folder", pattern,
                "keep the 835 files in the client folder, e.g. remits/*.835")
        elif not _remittance_files(folder, (pattern,)):
            err("remittances", "no file in the client folder matches the pattern", pattern,
                "add the 835 files or fix the pattern, e.g. remits/*.835")
        else:
            good.append(pattern)
    return tuple(good)


def _parse_payers(value, folder: Path, err, *, remittances: bool = False) -> list[Payer]:
    if not isinstance(value, list) or not value:
        err("payers", "missing 'payers': a list with one entry per payer", value,
            "add payers with name, kind, patients and fee_schedule")
        return []
    payers: list[Payer] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(value, start=1):
        key = f"payers[{i}]"
        if not isinstance(item, dict):
            err(key, "each payer must be a mapping", item)
            continue
        name = str(item.get("name") or "").strip()
        if not name:
            err(f"{key}.name", "a payer needs a name", item.get("name"))
        kind = item.get("kind")
        if kind not in PAYER_KINDS:
            err(f"{key}.kind", "unknown payer kind", kind, f"use one of: {', '.join(PAYER_KINDS)}")
        patients = item.get("patients")
        if not isinstance(patients, int) or isinstance(patients, bool) or patients < 0:
            err(f"{key}.patients", "'patients' must be a whole number, 0 or more", patients)
            patients = 0
        contract = _parse_contract(item.get("contract"), f"{key}.contract", err)
        fee = str(item.get("fee_schedule") or "").strip()
        if not fee and contract is None and not remittances:  # with remittances: rates derived from them
            err(f"{key}.fee_schedule", "a payer needs a fee_schedule file", None,
                "add 'fee_schedule: fee_schedules/<payer>.csv' (or a 'contract: {percent_of_medicare: 120}')")
        elif fee:
            _check_inside(folder, fee, f"{key}.fee_schedule", err)
        aliases = item.get("aliases") or []
        if not isinstance(aliases, list):
            err(f"{key}.aliases", "'aliases' must be a list of names", aliases)
            aliases = []
        for label in [name, *map(str, aliases)]:
            norm = normalise_name(label)
            if norm in seen and seen[norm] != name:
                err(f"{key}.aliases", f"name also used by payer {seen[norm]!r}", label, "give each payer its own names")
            seen[norm] = name
        conditions = _parse_conditions(item.get("conditions"), f"{key}.conditions", int(patients), err)
        payers.append(Payer(name=name, kind=str(kind), patients=int(patients), fee_schedule=fee,
                            aliases=tuple(str(a) for a in aliases), conditions=conditions, contract=contract))
    return payers


def _parse_market(value, folder: Path, payers: list[Payer], err) -> MarketConfig | None:
    """Validate ``market: {files: [...] | folder: ..., entities: {reporting entity: payer}, nppes, tins}``."""
    example = ("write e.g. 'market: {files: [market/payer.json.gz], entities: {\"Payer Inc\": Payer Plan}}'")
    if not isinstance(value, dict):
        err("market", "'market' must be a mapping", value, example)
        return None
    unknown = set(value) - {"files", "folder", "nppes", "tins", "entities"}
    if unknown:
        err("market", f"unknown market key(s): {', '.join(sorted(map(str, unknown)))}", None,
            "use files or folder, entities and, optionally, nppes and tins", severity="warning")
    files = value.get("files") or []
    if isinstance(files, str):
        files = [files]
    if not isinstance(files, list):
        err("market.files", "'files' must be a list of in-network files", files, example)
        files = []
    files = [str(f).strip() for f in files]
    for i, f in enumerate(files, start=1):
        _check_inside(folder, f, f"market.files[{i}]", err)
    market_folder = value.get("folder")
    if market_folder is not None:
        market_folder = str(market_folder).strip()
        target = (folder / market_folder).resolve()
        if not target.is_relative_to(folder.resolve()):
            err("market.folder", "the path points outside the client folder", market_folder,
                "keep the client's files in its folder")
        elif not target.is_dir():
            err("market.folder", "the folder does not exist", market_folder,
                "run `ratekit market ingest FILE... --out <client>/<folder>` or fix the name")
    if not files and market_folder is None:
        err("market", "a market section needs 'files' (in-network files) or 'folder' (ingested)", value, example)
    nppes = value.get("nppes")
    if nppes is not None:
        nppes = str(nppes).strip()
        _check_inside(folder, nppes, "market.nppes", err)
    tins = value.get("tins") or []
    if isinstance(tins, (str, int)):
        tins = [tins]
    if not isinstance(tins, list):
        err("market.tins", "'tins' must be a list of the practice's TINs", tins, "write e.g. tins: [\"12-3456789\"]")
        tins = []
    for t in tins:
        if not re.fullmatch(r"\d{2}-?\d{7}", str(t).strip()):
            err("market.tins", "a TIN (EIN) is 9 digits, written 12-3456789, quoted", t,
                "write e.g. tins: [\"12-3456789\"]")
    names = {}
    for p in payers:
        for label in (p.name, *p.aliases):
            names[normalise_name(label)] = p.name
    entities = value.get("entities")
    resolved: dict[str, str] = {}
    if entities is None:
        err("market.entities", "missing 'entities': which payer each file's reporting entity is", None, example)
    elif not isinstance(entities, dict):
        err("market.entities", "'entities' must map a reporting entity name to one of the client's payers",
            entities, example)
    else:
        for entity, payer in entities.items():
            target = names.get(normalise_name(str(payer or "")))
            if target is None:
                err(f"market.entities.{entity}", "not one of the client's payers (names or aliases)", payer,
                    f"use one of: {', '.join(p.name for p in payers)}")
                continue
            resolved[str(entity).strip()] = target
    return MarketConfig(files=tuple(files), folder=market_folder, nppes=nppes,
                        tins=tuple(str(t).strip() for t in tins), entities=resolved)


def _parse_contract(value, key: str, err) -> Contract | None:
    """Validate ``contract: {percent_of_medicare: 120, medicare_release: 2025A | medicare_year: 2025}``."""
    if value is None:
        return None
    if not isinstance(value, dict) or "percent_of_medicare" not in value:
        err(key, "a contract is a mapping with 'percent_of_medicare'", value,
            "write e.g. 'contract: {percent_of_medicare: 120}' for 120% of Medicare")
        return None
    unknown = set(value) - {"percent_of_medicare", "medicare_release", "medicare_year"}
    if unknown:
        err(key, f"unknown contract key(s): {', '.join(sorted(map(str, unknown)))}", None,
            "use percent_of_medicare and, optionally, medicare_release or medicare_year")
    pct = value["percent_of_medicare"]
    text = str(pct).strip().rstrip("%").strip()
    ok = isinstance(pct, (int, float, str)) and not isinstance(pct, bool) and re.fullmatch(r"\d+(?:\.\d{1,4})?", text)
    if not ok or float(text) <= 0:
        err(f"{key}.percent_of_medicare", "the percent of Medicare must be a number above 0", pct,
            "write e.g. percent_of_medicare: 120 for 120% of Medicare")
        return None
    if float(text) < 10:
        err(f"{key}.percent_of_medicare", "the percent of Medicare is written as a percent", pct,
            f"write {float(text) * 100:g} for {float(text) * 100:g}% of Medicare")
        return None
    try:  # the bounds every percent parameter has (ratekit.parameters)
        parameters.percent_of_medicare(text, name=f"{key}.percent_of_medicare")
    except RatekitError as exc:
        bad = exc.problems[0]
        err(f"{key}.percent_of_medicare", bad.message, pct, bad.fix)
        return None
    release = value.get("medicare_release")
    if release is not None:
        release = str(release).strip().upper()
        if not identifiers.RELEASE.match(release):
            err(f"{key}.medicare_release", "a Medicare release is written YYYYQ, e.g. 2025D", value["medicare_release"])
            release = None
    year = value.get("medicare_year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100):
        err(f"{key}.medicare_year", "'medicare_year' must be a year such as 2025", year)
        year = None
    if release is not None and year is not None:
        err(key, "give medicare_release or medicare_year, not both", None, "keep one of them")
    return Contract(percent_of_medicare=text, medicare_release=release, medicare_year=year)


def _parse_conditions(value, key: str, panel: int, err) -> dict[str, int]:
    """Validate a mapping of condition -> patients (at most ``panel``)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        err(key, "conditions must map a condition to a count of patients", value,
            "write e.g. 'diabetes: 310' on its own line")
        return {}
    out: dict[str, int] = {}
    for cond, count in value.items():
        if cond not in CONDITIONS:
            err(f"{key}.{cond}", "unknown condition", cond, f"use any of: {', '.join(CONDITIONS)}")
            continue
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            err(f"{key}.{cond}", "a condition count must be a whole number of patients, 0 or more", count)
            continue
        if panel and count > panel:
            err(f"{key}.{cond}", f"more patients with the condition than in the panel ({panel})", count,
                "check the count or the payers' patients")
        out[cond] = count
    return out


def normalise_name(name: str) -> str:
    """Fold a payer name for matching: case, punctuation and spacing ignored."""
    return re.sub(r"[^a-z0-9]+", " ", str(name).lower()).strip()
