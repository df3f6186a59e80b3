"""Small, clearly synthetic Transparency-in-Coverage files: in-network (v1 and v2 shapes), references, indexes.

Used by the tests, by ``benchmarks/market_ingest.py`` (a file of several GB) and, later, by the sample
generator. Everything written here is invented and says so:

* reporting entities, plans, issuers, networks and businesses carry "(synthetic)" or "Synthetic" in their
  names;
* EINs start with ``00``, a prefix the IRS never assigns (so no synthetic TIN is a real one);
* NPIs are 10 digits starting with 1 whose last digit breaks the NPI check digit (the Luhn formula over
  ``80840`` + the first nine digits), so none is a real provider's NPI.

Two layers:

* :func:`write_in_network`, :func:`write_table_of_contents` and :func:`write_provider_reference_file`
  serialise what they are given (dicts, or items already serialised to bytes) in the layout asked for:
  ``provider_references`` before or after ``in_network``, minified or indented, ``.json`` or ``.json.gz``;
  they write to a temporary file and rename it, and stream, so a file of many GB never sits in memory.
* :class:`MarketSpec` and :func:`synthetic_in_network` draw a seeded market: provider groups (TINs with
  NPIs), and for each billing code negotiated rates around a multiple of a base amount (e.g. the Medicare
  amount), optionally with the practice's own TIN at its own rates.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import numpy as np
import orjson

try:  # ISA-L's gzip: the same bytes format, several times zlib's speed
    from isal import igzip as _gzip_module
except ImportError:  # pragma: no cover - isal is a declared dependency
    _gzip_module = gzip

SYNTHETIC_NOTE = "synthetic: invented by ratekit.market.synthetic, not a real payer's file"


# --- identifiers ------------------------------------------------------------------------------------

def _npi_check_digit(first9: str) -> int:
    """The NPI check digit (Luhn over the prefix 80840 + the first nine digits; CMS NPI standard)."""
    digits = [int(c) for c in "80840" + first9]
    total = 0
    for i, d in enumerate(reversed(digits)):  # double every other digit, starting with the rightmost
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10


def synthetic_npi(n: int) -> int:
    """The ``n``-th synthetic NPI: ``1`` + 8 digits of ``n`` + a digit that is *not* the check digit."""
    first9 = f"1{n % 100_000_000:08d}"
    return int(first9 + str((_npi_check_digit(first9) + 1) % 10))


def is_valid_npi(npi: int | str) -> bool:
    """True when ``npi`` has 10 digits and a correct NPI check digit."""
    text = str(npi)
    return len(text) == 10 and text.isdigit() and int(text[-1]) == _npi_check_digit(text[:9])


def synthetic_ein(n: int) -> str:
    """The ``n``-th synthetic EIN, ``00-NNNNNNN`` (prefix 00 is never assigned by the IRS)."""
    return f"00-{n % 10_000_000:07d}"


# --- writers ----------------------------------------------------------------------------------------

def _open_out(path: Path, compresslevel: int, *, gzipped: bool):
    if gzipped:
        if _gzip_module is gzip:
            return gzip.open(path, "wb", compresslevel=max(1, compresslevel))
        return _gzip_module.open(path, "wb", compresslevel=min(compresslevel, 3))
    return open(path, "wb")


def _dump(value, pretty: bool) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 if pretty else 0)


def _write_array(out, key: str, values: Iterable, pretty: bool) -> None:
    out.write(b'"' + key.encode() + b'":[')
    sep = b",\n" if pretty else b","
    first = True
    for value in values:
        if not first:
            out.write(sep)
        out.write(_dump(value, pretty))
        first = False
    out.write(b"]")


def write_in_network(path: str | Path, *, header: Mapping, items: Iterable, references: Iterable | None = None,
                     references_at: str = "start", pretty: bool = False, compresslevel: int = 1) -> Path:
    """Write an in-network rate file, streaming, to a temporary file renamed into place.

    Parameters
    ----------
    path : path
        Ends in ``.json`` or ``.json.gz`` (gzip'd).
    header : mapping
        The root's scalar fields (``reporting_entity_name``, ``plan_name``, ``version``, ...), written
        first, in the order given.
    items : iterable of dict or bytes
        The ``in_network`` objects (bytes are written as they are: already serialised JSON objects).
    references : iterable of dict or bytes, optional
        The ``provider_references`` objects; None for a file without them (v1 inline provider groups).
    references_at : {"start", "end"}
        Before or after ``in_network``.
    pretty : bool
        Indent (2 spaces) instead of minified JSON.
    compresslevel : int
        gzip level (ISA-L levels 0-3).

    Returns
    -------
    Path
    """
    path = Path(path)
    if references_at not in ("start", "end"):
        raise ValueError("references_at is 'start' or 'end'")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with _open_out(tmp, compresslevel, gzipped=path.name.endswith(".gz")) as out:
            out.write(b"{")
            for key, value in header.items():
                out.write(orjson.dumps(key) + b":" + orjson.dumps(value) + b",")
            if references is not None and references_at == "start":
                _write_array(out, "provider_references", references, pretty)
                out.write(b",")
            _write_array(out, "in_network", items, pretty)
            if references is not None and references_at == "end":
                out.write(b",")
                _write_array(out, "provider_references", references, pretty)
            out.write(b"}\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_table_of_contents(path: str | Path, *, reporting_entity_name: str, structures: Iterable[Mapping],
                            version: str = "2.0.0") -> Path:
    """Write an index (table-of-contents) file.

    ``structures``: each ``{"reporting_plans": [...], "in_network_files": [{"description", "location"}]}``.
    """
    path = Path(path)
    doc = {"reporting_entity_name": reporting_entity_name, "reporting_entity_type": "health insurance issuer",
           "last_updated_on": "2025-06-01", "version": version, "reporting_structure": list(structures)}
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with _open_out(tmp, 1, gzipped=path.name.endswith(".gz")) as out:
        out.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    os.replace(tmp, path)
    return path


def write_provider_reference_file(path: str | Path, provider_groups: list[Mapping], version: str = "1.4.0") -> Path:
    """Write a v1 provider-reference file: ``{"provider_groups": [...], "version": ...}``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with _open_out(tmp, 1, gzipped=path.name.endswith(".gz")) as out:
        out.write(orjson.dumps({"provider_groups": list(provider_groups), "version": version}))
    os.replace(tmp, path)
    return path


# --- a seeded market --------------------------------------------------------------------------------

@dataclass
class MarketSpec:
    """What :func:`synthetic_in_network` draws.

    Attributes
    ----------
    base_amounts : mapping of str to float
        Billing code -> the amount the rates are drawn around (e.g. its Medicare amount), one in_network
        item per code, in this order.
    payer : str
        The reporting entity's name ("(synthetic)" is appended when missing).
    n_groups : int
        Provider groups (``provider_references`` objects); each holds 1-3 TINs with 1-5 NPIs each.
    rates_per_item : int
        ``negotiated_rates`` objects per code.
    refs_per_rate : int
        Provider group ids each negotiated rate applies to.
    multiple, spread : float
        Rates are ``base x multiple x lognormal(0, spread)``, rounded to cents.
    professional_share : float
        Share of prices with ``billing_class`` professional (the rest institutional).
    modifiers : mapping of str to list of str
        Codes that also get prices with these modifiers (e.g. ``{"93000": ["26", "TC"]}``), at 40% / 60%.
    practice_tin, practice_npis, practice_rates : optional
        The practice's own TIN, NPIs and its rate per code, published as one more provider group.
    networks : list of str
        Network names (v2) handed out to groups in turn.
    expiration_date : str
        Of every price (``9999-12-31`` = none).
    seed : int
    """

    base_amounts: Mapping[str, float]
    payer: str = "Example Health Plan"
    n_groups: int = 40
    rates_per_item: int = 12
    refs_per_rate: int = 4
    multiple: float = 1.3
    spread: float = 0.15
    professional_share: float = 1.0
    modifiers: Mapping[str, list[str]] = field(default_factory=dict)
    practice_tin: str | None = None
    practice_npis: tuple[int, ...] = ()
    practice_rates: Mapping[str, float] = field(default_factory=dict)
    networks: tuple[str, ...] = ("Synthetic Choice PPO", "Synthetic Select HMO")
    expiration_date: str = "9999-12-31"
    seed: int = 0


def _payer_name(name: str) -> str:
    return name if "synthetic" in name.lower() else f"{name} (synthetic)"


def header_for(spec: MarketSpec, *, version: str = "2.0.0", plan: str = "PPO") -> dict:
    """The root fields of a synthetic in-network file."""
    payer = _payer_name(spec.payer)
    return {"reporting_entity_name": payer, "reporting_entity_type": "health insurance issuer",
            "issuer_name": payer, "plan_name": f"{payer} {plan} (synthetic)", "plan_id_type": "ein",
            "plan_id": synthetic_ein(900_000 + spec.seed), "plan_market_type": "group",
            "last_updated_on": "2025-06-01", "version": version}


def _groups(spec: MarketSpec, rng: np.random.Generator) -> list[dict]:
    groups = []
    npi_n = 1000 * (spec.seed + 1)
    for gid in range(1, spec.n_groups + 1):
        providers = []
        for _ in range(int(rng.integers(1, 4))):
            tin_n = int(rng.integers(1, 9_000_000))
            npis = [synthetic_npi(npi_n + k) for k in range(int(rng.integers(1, 6)))]
            npi_n += len(npis)
            providers.append({"npi": npis, "tin": {"type": "ein", "value": synthetic_ein(tin_n),
                                                   "business_name": f"Synthetic Clinic {tin_n}"}})
        groups.append({"provider_group_id": gid,
                       "network_name": [spec.networks[gid % len(spec.networks)]] if spec.networks else [],
                       "provider_groups": providers})
    if spec.practice_tin:
        groups.append({"provider_group_id": spec.n_groups + 1, "network_name": list(spec.networks[:1]),
                       "provider_groups": [{"npi": list(spec.practice_npis) or [0],
                                            "tin": {"type": "ein", "value": spec.practice_tin,
                                                    "business_name": "The practice (synthetic)"}}]})
    return groups


def _price(rate: float, spec: MarketSpec, rng: np.random.Generator, modifier: str | None) -> dict:
    professional = rng.random() < spec.professional_share
    price = {"negotiated_type": "negotiated", "negotiated_rate": round(rate, 2),
             "expiration_date": spec.expiration_date,
             "service_code": ["11"] if professional else ["21", "22"],
             "billing_class": "professional" if professional else "institutional",
             "setting": "outpatient"}
    if modifier:
        price["billing_code_modifier"] = [modifier]
    return price


def synthetic_in_network(spec: MarketSpec, *, shape: str = "v2") -> tuple[dict, list[dict] | None, Iterator[dict]]:
    """A seeded synthetic market as (header, references, items).

    Parameters
    ----------
    spec : MarketSpec
    shape : {"v2", "v1"}
        ``v2``: provider groups in ``provider_references`` (with network names and business names),
        negotiated rates pointing at them; ``v1``: no references, each negotiated rate lists its provider
        groups inline (``npi`` and ``tin`` only), ``version`` "1.0.0".

    Returns
    -------
    header : dict
    references : list of dict or None
    items : iterator of dict
        Lazily drawn, one in_network object per code of ``spec.base_amounts``.
    """
    if shape not in ("v1", "v2"):
        raise ValueError("shape is 'v1' or 'v2'")
    rng = np.random.default_rng(spec.seed)
    groups = _groups(spec, rng)
    market_ids = [g["provider_group_id"] for g in groups[: spec.n_groups]]
    header = header_for(spec, version="2.0.0" if shape == "v2" else "1.0.0")
    by_id = {g["provider_group_id"]: g for g in groups}

    def inline(ids) -> list[dict]:
        out = []
        for gid in ids:
            for p in by_id[gid]["provider_groups"]:
                out.append({"npi": p["npi"], "tin": {"type": p["tin"]["type"], "value": p["tin"]["value"]}})
        return out

    def items() -> Iterator[dict]:
        for code, base in spec.base_amounts.items():
            rates = []
            mods = [None, *spec.modifiers.get(code, [])]
            for _ in range(spec.rates_per_item):
                ids = sorted(rng.choice(market_ids, size=min(spec.refs_per_rate, len(market_ids)),
                                        replace=False).tolist())
                level = base * spec.multiple * float(rng.lognormal(0.0, spec.spread))
                prices = [_price(level * {None: 1.0, "26": 0.4, "TC": 0.6}.get(m, 1.0), spec, rng, m) for m in mods]
                rates.append({"provider_references": ids, "negotiated_prices": prices} if shape == "v2" else
                             {"provider_groups": inline(ids), "negotiated_prices": prices})
            if spec.practice_tin and code in spec.practice_rates:
                pid = spec.n_groups + 1
                prices = [_price(spec.practice_rates[code], spec, rng, None)]
                prices[0].update(billing_class="professional", service_code=["11"])
                rates.append({"provider_references": [pid], "negotiated_prices": prices} if shape == "v2" else
                             {"provider_groups": inline([pid]), "negotiated_prices": prices})
            yield {"negotiation_arrangement": "ffs", "name": f"Service {code} (synthetic)",
                   "billing_code_type": "CPT" if code[:1].isdigit() else "HCPCS",
                   "billing_code_type_version": "2025", "billing_code": code,
                   "description": "synthetic item (no CPT descriptor)", "negotiated_rates": rates}

    if shape == "v1":
        for g in groups:
            g.pop("network_name", None)
            for p in g["provider_groups"]:
                p["tin"].pop("business_name", None)
    return header, (groups if shape == "v2" else None), items()


def write_synthetic_in_network(path: str | Path, spec: MarketSpec, *, shape: str = "v2",
                               references_at: str = "start", pretty: bool = False) -> Path:
    """Draw :func:`synthetic_in_network` and write it with :func:`write_in_network`."""
    header, references, items = synthetic_in_network(spec, shape=shape)
    return write_in_network(path, header=header, items=items, references=references,
                            references_at=references_at, pretty=pretty)


# --- large files, fast (for benchmarks) -------------------------------------------------------------

def large_references(n_groups: int, *, seed: int = 0) -> Iterator[bytes]:
    """``n_groups`` provider_references objects (1-2 TINs with 1-5 NPIs each), serialised, for big files."""
    rng = np.random.default_rng(seed)
    n_tins = rng.integers(1, 3, size=n_groups)
    n_npis = rng.integers(1, 6, size=(n_groups, 2))
    npi_n = 0
    for gid in range(1, n_groups + 1):
        providers = []
        for t in range(int(n_tins[gid - 1])):
            k = int(n_npis[gid - 1, t])
            providers.append({"npi": [synthetic_npi(npi_n + j) for j in range(k)],
                              "tin": {"type": "ein", "value": synthetic_ein(gid * 2 + t),
                                      "business_name": f"Synthetic Clinic {gid * 2 + t}"}})
            npi_n += k
        yield orjson.dumps({"provider_group_id": gid, "network_name": ["Synthetic Choice PPO"],
                            "provider_groups": providers})


def large_items(base_amounts: Mapping[str, float], *, n_groups: int, rates_per_item: int = 1000,
                refs_per_rate: int = 40, multiple: float = 1.3, seed: int = 0) -> Iterator[bytes]:
    """One serialised in_network object per code, ``rates_per_item`` negotiated rates each, built as bytes.

    Each negotiated rate points at ``refs_per_rate`` of ``n_groups`` groups (drawn from a pool of 2,000
    lists) and has one professional, office (POS 11), non-expiring price of ``base x multiple x
    lognormal(0, 0.15)``. About 0.6 MB of JSON per code with the defaults.
    """
    rng = np.random.default_rng(seed)
    pool = [orjson.dumps(sorted((rng.choice(n_groups, size=min(refs_per_rate, n_groups), replace=False) + 1)
                                .tolist())) for _ in range(2000)]
    price = (b'{"provider_references":%b,"negotiated_prices":[{"negotiated_type":"negotiated",'
             b'"negotiated_rate":%.2f,"expiration_date":"9999-12-31","service_code":["11"],'
             b'"billing_class":"professional","setting":"outpatient"}]}')
    for code, base in base_amounts.items():
        rates = np.maximum(base * multiple * rng.lognormal(0.0, 0.15, size=rates_per_item), 0.01)
        picks = rng.integers(0, len(pool), size=rates_per_item)
        body = b",".join([price % (pool[p], r) for p, r in zip(picks.tolist(), rates.tolist(), strict=True)])
        kind = b"CPT" if code[:1].isdigit() else b"HCPCS"
        yield (b'{"negotiation_arrangement":"ffs","name":"Service %b (synthetic)","billing_code_type":"%b",'
               b'"billing_code_type_version":"2025","billing_code":"%b","description":"synthetic item",'
               b'"negotiated_rates":[' % (code.encode(), kind, code.encode())) + body + b"]}"
