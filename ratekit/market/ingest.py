"""Stream payers' Transparency-in-Coverage in-network files into compact Parquet, filtered to the codes wanted.

One pass over each file, whatever its size and wherever ``provider_references`` sits (see
``docs/market.md`` for the method and its measured speed):

* the root's small fields are read exactly; ``in_network`` and ``provider_references`` are split into
  items by :mod:`ratekit.market._scan` (a ``bytes.find`` on each item's first key, exact scanning where
  that cannot decide);
* each ``in_network`` item's ``billing_code`` is read from its first bytes, before any parsing; only
  items for the codes wanted (or ``CSTM-00``, all codes) are parsed (orjson);
* provider groups are written as they stream (filtered to the NPIs, TINs and networks asked for), and
  only their ids are kept in memory; negotiated prices keep the list of group ids they apply to, and
  ``summarize`` joins the two with DuckDB;
* when ``provider_references`` comes after ``in_network``, the kept items (a small fraction) wait in a
  temporary spool file until the references are known; the file is never read twice.

Output, one folder (a *dataset*) per source file under ``out``, written to a temporary folder and renamed
into place, so a failed file never leaves a dataset that looks complete:

``<out>/<dataset>/rates.parquet``
    one row per negotiated price kept (:data:`RATE_COLUMNS`);
``<out>/<dataset>/providers.parquet``
    one row per provider group, TIN and NPI (:data:`PROVIDER_COLUMNS`);
``<out>/<dataset>/manifest.json``
    the file's root fields (reporting entity, plan, ...), bytes, items scanned and kept, prices kept,
    prices dropped by reason, warnings, the filters and seconds.

An index (table-of-contents) file is recognised: its in-network files are listed, nothing is written.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import struct
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import msgspec
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from ..errors import Problem, RatekitError
from ..feeschedules import FACILITY_POS
from . import _scan
from ._scan import ScanError

#: ``rates.parquet``: one row per negotiated price kept.
RATE_COLUMNS = {
    "item": "0-based index of the in_network item in the file",
    "negotiation_arrangement": "ffs, bundle or capitation",
    "billing_code_type": "CPT, HCPCS, ...",
    "billing_code": "the code, upper case (CSTM-00 = every code of the type)",
    "modifier": "billing_code_modifier, sorted and joined by ',' ('' = none)",
    "service_codes": "service_code (places of service) joined by ',' ('' = none given; CSTM-00 = all)",
    "setting": "Medicare setting from the places of service: nonfacility, facility, or '' (both)",
    "tic_setting": "v2 setting field: inpatient, outpatient, both ('' = none)",
    "negotiated_type": "negotiated, derived, fee schedule, percentage or per diem",
    "negotiated_rate": "dollars, or a percent (percentage) or dollars a day (per diem)",
    "rate_kind": "dollar (negotiated, derived, fee schedule), percentage, per_diem or other",
    "expiration_date": "date (9999-12-31 = none; null when missing or unreadable)",
    "billing_class": "professional, institutional or both",
    "provider_group_ids": "the provider groups the price applies to (providers.parquet); negative = inline group",
}
#: ``providers.parquet``: one row per provider group, TIN and NPI.
PROVIDER_COLUMNS = {
    "provider_group_id": "the file's provider_group_id (negative: a v1 inline group numbered by ratekit)",
    "network_names": "network_name joined by '; ' ('' = none)",
    "tin_type": "ein or npi",
    "tin_value": "the TIN (null when the file gives '0', which is not a TIN)",
    "business_name": "tin.business_name ('' = none)",
    "npi": "the NPI (null: a TIN-level contract, npi [0])",
}
_RATE_SCHEMA = pa.schema([
    ("item", pa.int32()), ("negotiation_arrangement", pa.string()), ("billing_code_type", pa.string()),
    ("billing_code", pa.string()), ("modifier", pa.string()), ("service_codes", pa.string()),
    ("setting", pa.string()), ("tic_setting", pa.string()), ("negotiated_type", pa.string()),
    ("negotiated_rate", pa.float64()), ("rate_kind", pa.string()), ("expiration_date", pa.date32()),
    ("billing_class", pa.string()), ("provider_group_ids", pa.list_(pa.int64())),
])
_PROVIDER_SCHEMA = pa.schema([
    ("provider_group_id", pa.int64()), ("network_names", pa.string()), ("tin_type", pa.string()),
    ("tin_value", pa.string()), ("business_name", pa.string()), ("npi", pa.int64()),
])
#: provider_references items as pyarrow's JSON reader reads a batch of them (the fast path; any other type
#: in the file, e.g. quoted NPIs, makes the batch fall back to the item-by-item path).
_REF_PARSE = pa_json.ParseOptions(explicit_schema=pa.schema([
    ("provider_group_id", pa.int64()), ("network_name", pa.list_(pa.string())), ("location", pa.string()),
    ("provider_groups", pa.list_(pa.struct([
        ("npi", pa.list_(pa.int64())),
        ("tin", pa.struct([("type", pa.string()), ("value", pa.string()), ("business_name", pa.string())]))]))),
]), unexpected_field_behavior="ignore")
_REF_READ = pa_json.ReadOptions(use_threads=False, block_size=1 << 24)
_REF_BATCH_BYTES = 1 << 23
_RATE_KINDS = {"negotiated": "dollar", "derived": "dollar", "fee schedule": "dollar", "percentage": "percentage",
               "per diem": "per_diem"}
#: Why a negotiated price was dropped, in the order the checks run (each price counts once, first reason).
DROP_REASONS = {
    "billing_class": "its billing class was not asked for",
    "expired": "it expired before the as-of date",
    "rate_not_number": "negotiated_rate is not a number",
    "rate_not_positive": "negotiated_rate is zero or negative",
    "provider_filter": "none of its providers passed the NPI, TIN or network filter",
    "unresolved_reference": "its provider_references name no provider group in the file",
}
#: Keys an in_network item starts with that only the item level has (so they can split the array).
_ITEM_ANCHORS = frozenset({b'"negotiation_arrangement"', b'"name"', b'"negotiated_rates"', b'"billing_code"',
                           b'"billing_code_type"', b'"billing_code_type_version"', b'"description"'})
#: ... of which these also name the codes of a bundle or capitation (``bundled_codes``, ``covered_services``).
_SHARED_KEYS = frozenset({b'"billing_code"', b'"billing_code_type"', b'"billing_code_type_version"',
                          b'"description"'})
_REF_ANCHORS = frozenset({b'"provider_group_id"', b'"provider_groups"', b'"network_name"', b'"location"'})
_CODE_VALUE = re.compile(rb'[ \t\r\n]*:[ \t\r\n]*(?:"([^"\\]{0,40})"|(-?[0-9][0-9.]*))')
_MSGSPEC_BYTE = re.compile(r"byte (\d+)")
_MAX_EXAMPLES = 5
_ROWS_PER_WRITE = 1 << 16


class _Skim(msgspec.Struct):
    """Decodes no field: msgspec checks the JSON and skips everything (the ``validate`` option)."""


_CHECK_JSON = msgspec.json.Decoder(_Skim)


class _Price(msgspec.Struct):
    """A negotiated price, as decoded from a kept item (fields checked in Python: files vary)."""

    negotiated_type: object = None
    negotiated_rate: object = None
    expiration_date: object = None
    service_code: object = None
    billing_class: object = None
    setting: object = None
    billing_code_modifier: object = None


class _Rate(msgspec.Struct):
    """A negotiated rate: its provider references stay raw JSON (no Python int per id: Arrow reads them)."""

    provider_references: msgspec.Raw = msgspec.Raw(b"null")
    provider_groups: msgspec.Raw = msgspec.Raw(b"null")
    negotiated_prices: list[_Price] = []


class _Item(msgspec.Struct):
    """An in_network item as the fast path decodes it; one that does not fit is read by the generic path."""

    billing_code: object = None
    billing_code_type: object = None
    negotiation_arrangement: object = None
    negotiated_rates: list[_Rate] = []


_DECODE_ITEM = msgspec.json.Decoder(_Item)
_IDS_PARSE = pa_json.ParseOptions(explicit_schema=pa.schema([("g", pa.list_(pa.int64()))]),
                                  unexpected_field_behavior="ignore")
_IDS_READ = pa_json.ReadOptions(use_threads=False, block_size=1 << 24)
_RATE_BUFFER_BYTES = 1 << 23


@dataclass(frozen=True)
class Filters:
    """What an ingest keeps.

    Attributes
    ----------
    codes : frozenset of str or None
        Billing codes (upper case); None keeps every code.
    npis : frozenset of int or None
        Keep only these NPIs' rows (and prices that apply to one of them).
    tins : frozenset of str or None
        Keep only these TINs (compared without ``-`` and spaces).
    networks : frozenset of str or None
        Keep only provider groups in one of these networks (case-insensitive).
    billing_class : {"professional", "both"}
        ``professional`` keeps prices whose billing class is professional or both (both applies to
        professional claims too); ``both`` keeps institutional prices as well.
    as_of : date
        Prices that expired before it are dropped.
    validate : bool
        Check the JSON of every item, skipped ones too (msgspec; about half the speed).
    """

    codes: frozenset | None = None
    npis: frozenset | None = None
    tins: frozenset | None = None
    networks: frozenset | None = None
    billing_class: str = "professional"
    as_of: dt.date = field(default_factory=dt.date.today)
    validate: bool = False

    def describe(self) -> dict:
        """The filters as JSON-able values (for the manifest)."""
        return {"codes": sorted(self.codes) if self.codes is not None else None,
                "npis": len(self.npis) if self.npis is not None else None,
                "tins": sorted(self.tins) if self.tins is not None else None,
                "networks": sorted(self.networks) if self.networks is not None else None,
                "billing_class": self.billing_class, "as_of": self.as_of.isoformat(), "validate": self.validate}


def make_filters(*, codes: Iterable[str] | None = None, npis: Iterable[int | str] | None = None,
                 tins: Iterable[str] | None = None, networks: Iterable[str] | None = None,
                 billing_class: str = "professional", as_of: dt.date | str | None = None,
                 validate: bool = False) -> Filters:
    """Build :class:`Filters` from plain values, normalised (codes upper case, TINs without ``-``)."""
    if billing_class not in ("professional", "both"):
        raise RatekitError(Problem("(options)", "billing class must be 'professional' or 'both'", value=billing_class,
                                   fix="use --billing-class professional or --billing-class both"))
    if isinstance(as_of, str):
        try:
            as_of = dt.date.fromisoformat(as_of)
        except ValueError:
            raise RatekitError(Problem("(options)", "the as-of date is not a date", value=as_of,
                                       fix="write it YYYY-MM-DD")) from None
    return Filters(
        codes=frozenset(str(c).strip().upper() for c in codes) if codes is not None else None,
        npis=frozenset(int(n) for n in npis) if npis is not None else None,
        tins=frozenset(_tin_key(t) for t in tins) if tins is not None else None,
        networks=frozenset(n.strip().casefold() for n in networks) if networks is not None else None,
        billing_class=billing_class, as_of=as_of or dt.date.today(), validate=validate)


def _tin_key(tin: object) -> str:
    return re.sub(r"[\s-]", "", str(tin))


@dataclass
class FileResult:
    """What happened to one input file.

    Attributes
    ----------
    source : Path
    status : {"ok", "index", "failed"}
    dataset : Path or None
        The dataset folder written (``ok`` only).
    manifest : dict
        As written to ``manifest.json`` (``ok``), or what was counted before the failure.
    problems : list of Problem
        The error of a failed file, and warnings.
    in_network_files : list of dict
        For an index file: ``{"location", "description", "plans"}`` per in-network file listed.
    """

    source: Path
    status: str
    dataset: Path | None = None
    manifest: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    in_network_files: list[dict] = field(default_factory=list)


@dataclass
class IngestReport:
    """The result of :func:`ingest`: one :class:`FileResult` per file, in the order given."""

    results: list[FileResult]

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return all(r.status != "failed" for r in self.results)

    def text(self) -> str:
        """A line per file (and its problems), for the command line."""
        lines = []
        for r in self.results:
            m = r.manifest
            if r.status == "ok":
                dropped = ", ".join(f"{k} {v:,}" for k, v in m["dropped"].items() if v) or "none"
                lines.append(f"ok: {r.source.name} -> {r.dataset}: {m['items_kept']:,} of {m['items_scanned']:,} "
                             f"items, {m['rates_kept']:,} prices kept (dropped: {dropped}), "
                             f"{m['json_bytes'] / 1e6:,.1f} MB of JSON in {m['seconds']:.1f} s")
            elif r.status == "index":
                lines.append(f"index: {r.source.name} is a table-of-contents file listing "
                             f"{len(r.in_network_files)} in-network files (ingest those):")
                lines += [f"  {f['location']}" for f in r.in_network_files]
            else:
                lines.append(f"failed: {r.source.name}")
            lines += [f"  {p}" for p in r.problems]
        return "\n".join(lines)


# --- small readers ----------------------------------------------------------------------------------

def read_npi_file(path: str | Path) -> frozenset[int]:
    """NPIs from a text or CSV file: one per line, or the column headed ``NPI`` (quotes ignored)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RatekitError(Problem(str(path), f"cannot read the NPI file ({exc})", fix="give a text or CSV file")) \
            from None
    column = 0
    start = 0
    if lines and not lines[0].strip().strip('"').isdigit():
        header = [h.strip().strip('"').upper() for h in lines[0].split(",")]
        if "NPI" not in header:
            raise RatekitError(Problem(str(path), "no NPI column", row=1, value=lines[0][:80],
                                       fix="put one NPI per line, or head a column NPI"))
        column, start = header.index("NPI"), 1
    out = set()
    for i, line in enumerate(lines[start:], start=start + 1):
        cells = line.split(",")
        text = cells[column].strip().strip('"') if column < len(cells) else ""
        if not text:
            continue
        if not (text.isdigit() and len(text) == 10):
            raise RatekitError(Problem(str(path), "not a 10-digit NPI", row=i, value=text,
                                       fix="one 10-digit NPI per line"))
        out.add(int(text))
    return frozenset(out)


def dataset_name(path: str | Path) -> str:
    """The dataset folder name for a source file: its name without ``.json``/``.gz``, safe characters only."""
    name = Path(path).name
    for suffix in (".gz", ".json"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "file"
    return name[:120]


def _prefix_code(buf: bytes, s: int, e: int) -> str | None:
    """The item's ``billing_code`` read from its bytes, or None when it cannot be read safely that way."""
    j = buf.find(b'"billing_code"', s, e)
    if j < 0:
        return None
    if buf.find(b'"bundled_codes"', s, j) >= 0 or buf.find(b'"covered_services"', s, j) >= 0:
        return None  # the first billing_code may be a bundled one
    m = _CODE_VALUE.match(buf, j + 14, e)
    if not m:
        return None
    raw = m.group(1) if m.group(1) is not None else m.group(2)
    return raw.decode("latin-1").strip().upper()


def _setting(service_codes: list[str]) -> str:
    """Places of service -> ``facility``, ``nonfacility`` or ``""`` (both: mixed, CSTM-00 or none given)."""
    if not service_codes or "CSTM-00" in service_codes:
        return ""
    facility = [c in FACILITY_POS for c in service_codes]
    if all(facility):
        return "facility"
    return "nonfacility" if not any(facility) else ""


def _date(value) -> dt.date | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").replace("$", ""))
        except ValueError:
            return None
    return None


def _npi(value) -> tuple[int | None, bool]:
    """``(npi, ok)``: an int NPI; None for the placeholder 0; ok False when it is not an NPI."""
    if isinstance(value, bool):
        return None, False
    if isinstance(value, str):
        value = value.strip().strip('"')
        if not value.isdigit():
            return None, False
        value = int(value)
    if isinstance(value, int):
        if value == 0:
            return None, True
        return (value, True) if 1_000_000_000 <= value <= 9_999_999_999 else (None, False)
    return None, False


class _Sink:
    """Rows (tuples in schema order) buffered and written to one Parquet file in large batches.

    ``prepare`` (optional) turns a batch's columns into an Arrow table (it may drop rows); ``rows``
    counts the rows written.
    """

    def __init__(self, path: Path, schema: pa.Schema, prepare=None):
        self.path, self.schema, self.prepare = path, schema, prepare
        self.buffer: list[tuple] = []
        self.buffered_bytes = 0
        self.rows = 0
        self._writer = pq.ParquetWriter(path, schema, compression="zstd", compression_level=1)

    def extend(self, rows: list[tuple], nbytes: int = 0) -> None:
        self.buffer.extend(rows)
        self.buffered_bytes += nbytes
        if len(self.buffer) >= _ROWS_PER_WRITE or self.buffered_bytes >= _RATE_BUFFER_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            columns = list(zip(*self.buffer, strict=True))
            self.buffer, self.buffered_bytes = [], 0
            if self.prepare is not None:
                table = self.prepare(columns)
            else:
                table = pa.table([pa.array(col, type=f.type) for col, f in zip(columns, self.schema, strict=True)],
                                 schema=self.schema)
            self.write_table(table)

    def write_table(self, table: pa.Table) -> None:
        if self.buffer:
            self.flush()
        if table.num_rows:
            self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        self.flush()
        self._writer.close()

    def abort(self) -> None:
        """Close without writing what is buffered (the file is being discarded)."""
        self.buffer = []
        self._writer.close()


# --- one file ---------------------------------------------------------------------------------------

class _File:
    """The state of one file's ingest."""

    def __init__(self, path: Path, folder: Path, filters: Filters):
        self.path, self.folder, self.f = path, folder, filters
        self.name = str(path)
        self.header: dict = {}
        self.keys: list[str] = []
        self.counts: Counter = Counter()
        self.dropped: Counter = Counter({k: 0 for k in DROP_REASONS})
        self.warnings: dict[str, list[str]] = {}
        self.warning_counts: Counter = Counter()
        self.refs_done = False
        self.refs_position = "none"
        self.known_ids: set[int] = set()
        self.passing_ids: set[int] = set()
        self.inline_ids: dict = {}
        self.in_network_files: list[dict] = []
        self.rates = _Sink(folder / "rates.parquet", _RATE_SCHEMA, prepare=self._resolve_ids)
        self.providers = _Sink(folder / "providers.parquet", _PROVIDER_SCHEMA)
        self.spool = None
        self.spooled = 0
        self.schema_fields = list(_RATE_SCHEMA)[:-1]
        self._price_cache: dict = {}
        self._ref_batch: list[bytes] = []
        self._ref_where: list[tuple[int, int]] = []
        self._ref_bytes = 0
        self.allowed_classes = {"professional", "both"} if filters.billing_class == "professional" else \
            {"professional", "both", "institutional"}

    # -- problems -----------------------------------------------------------------------------------
    def warn(self, kind: str, text: str) -> None:
        self.warning_counts[kind] += 1
        examples = self.warnings.setdefault(kind, [])
        if len(examples) < _MAX_EXAMPLES:
            examples.append(text)

    def _loads(self, raw: bytes, offset: int, what: str):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ScanError(f"invalid JSON in {what}: {exc.msg}", offset + exc.pos,
                            "the file is damaged; download it again") from None

    # -- the root -----------------------------------------------------------------------------------
    def run(self, sc: _scan.Scanner) -> None:
        c = sc.peek()
        if c is None:
            raise ScanError("the file is empty", 0, "download the file again")
        if sc.buf.startswith(b"\xef\xbb\xbf", sc.pos):
            sc.pos += 3
            c = sc.peek()
        if c != 123:
            what = "a JSON array" if c == 91 else "not JSON"
            raise ScanError(f"not a Transparency-in-Coverage file: the file is {what}, not a JSON object",
                            sc.at(sc.pos), "give a payer's in-network rate file (.json or .json.gz)")
        sc.pos += 1
        if sc.peek() == 125:
            sc.pos += 1
        else:
            while True:
                key_at = sc.at(sc.pos)
                key = sc.read_key()
                self.keys.append(key)
                c = sc.peek()
                if key == "in_network" and c == 91:
                    self._objects(sc, "in_network", self._on_item, _ITEM_ANCHORS)
                elif key == "provider_references" and c == 91:
                    self.refs_position = "start" if "in_network" not in self.keys else "end"
                    self._objects(sc, "provider_references", self._on_reference, _REF_ANCHORS)
                    self._flush_references()
                    self.refs_done = True
                    self._replay()
                elif key in ("in_network", "provider_references") and c != 91:
                    raise ScanError(f"{key} is not an array", sc.at(sc.pos),
                                    "the file is damaged or not a Transparency-in-Coverage in-network file")
                elif key == "reporting_structure" and c == 91:
                    self._objects(sc, "reporting_structure", self._on_structure, frozenset())
                elif c in (123, 91):
                    sc.skip_value()
                elif c is None:
                    raise ScanError("the JSON ends after a key: the file is truncated", sc.at(sc.pos),
                                    "download the file again")
                else:
                    raw = sc.read_value()
                    self.header[key] = self._loads(raw, key_at, f"the value of {key!r}")
                c = sc.peek()
                if c == 44:
                    sc.pos += 1
                    continue
                if c == 125:
                    sc.pos += 1
                    break
                raise self._expected(sc, "',' or '}' after a field of the root object")
        if sc.peek() is not None:
            raise ScanError("there is data after the end of the JSON object", sc.at(sc.pos),
                            "the file is damaged; download it again")
        self.refs_done = True
        self._replay()
        self._check_kind()

    def _expected(self, sc, what: str) -> ScanError:
        c = sc.peek()
        found = "the end of the file (truncated)" if c is None else repr(chr(c))
        return ScanError(f"invalid JSON: expected {what}, found {found}", sc.at(sc.pos),
                         "the file is damaged or truncated; download it again")

    def _check_kind(self) -> None:
        keys = set(self.keys)
        if "in_network" in keys or "reporting_structure" in keys:
            return
        if "out_of_network" in keys:
            what = "an allowed-amounts (out-of-network) file, not an in-network rate file"
        elif "provider_groups" in keys:
            what = "a v1 provider-reference file; it is read through the location of the in-network file naming it"
        else:
            shown = ", ".join(self.keys[:8]) or "none"
            what = f"not a Transparency-in-Coverage in-network file: it has no in_network array (keys: {shown})"
        raise ScanError(what, 0, "give a payer's in-network rate file (.json or .json.gz)")

    # -- arrays -------------------------------------------------------------------------------------
    def _objects(self, sc: _scan.Scanner, what: str, on_item, anchors: frozenset) -> None:
        sc.expect(b"[", f"to open {what}")
        index = 0
        if sc.peek() == 93:
            sc.pos += 1
            return
        anchor, shared, fast = None, False, bool(anchors)
        while True:
            c = sc.peek()
            offset = sc.at(sc.pos)
            if c is None:
                raise ScanError(f"the JSON ends inside {what} (after item {index - 1}): the file is truncated",
                                offset, "download the file again")
            if c != 123:
                raise ScanError(f"{what} item {index} is not a JSON object", offset,
                                "the file is damaged or not a Transparency-in-Coverage file")
            if anchor is None and fast:
                key = sc.first_key()
                if key in anchors:
                    anchor, shared = key, key in _SHARED_KEYS
                else:
                    fast = False
            if anchor and what == "provider_references":  # small items: many at once
                spans = sc.bulk_items(anchor)
                if spans:
                    for s, e in spans:
                        on_item(sc.buf, s, e, index, sc.at(s))
                        index += 1
                    sc.pos = spans[-1][1]
                    sc.expect(b",", f"after {what} item {index - 1}")
                    continue
            end = sc.split_item(anchor) if anchor else -1
            if end >= 0 and shared and (sc.buf.find(b'"bundled_codes"', sc.pos, end) >= 0
                                        or sc.buf.find(b'"covered_services"', sc.pos, end) >= 0):
                end = -1  # the first key also starts the bundle's codes: split exactly
            if end < 0:
                probe = min(len(sc.buf), sc.pos + 65536)
                code = _prefix_code(sc.buf, sc.pos, probe) if what == "in_network" else None
                if code is not None and not self._wanted(code) and not self.f.validate:
                    self.counts["items_scanned"] += 1
                    sc.skip_value()  # any size, without keeping it
                    end = sc.pos
                else:
                    end = sc.value_end(sc.pos)
                    on_item(sc.buf, sc.pos, end, index, sc.at(sc.pos))
            else:
                on_item(sc.buf, sc.pos, end, index, offset)
            sc.pos = end
            index += 1
            c = sc.peek()
            if c == 44:
                sc.pos += 1
                continue
            if c == 93:
                sc.pos += 1
                return
            raise self._expected(sc, f"',' or ']' after {what} item {index - 1}")

    def _wanted(self, code: str) -> bool:
        return self.f.codes is None or code in self.f.codes or code == "CSTM-00"

    # -- in_network items ---------------------------------------------------------------------------
    def _on_item(self, buf: bytes, s: int, e: int, index: int, offset: int) -> None:
        self.counts["items_scanned"] += 1
        if self.f.codes is not None:
            code = _prefix_code(buf, s, e)
            if code is not None and not self._wanted(code):
                if self.f.validate:
                    self._validate(buf[s:e], offset, index)
                return
        raw = buf[s:e]
        if self.refs_done:
            self._item(raw, index, offset)
        else:
            if self.spool is None:
                self.spool = tempfile.TemporaryFile(dir=self.folder)
            self.spool.write(struct.pack("<qqq", len(raw), index, offset))
            self.spool.write(raw)
            self.spooled += 1

    def _validate(self, raw: bytes, offset: int, index: int) -> None:
        try:
            _CHECK_JSON.decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            m = _MSGSPEC_BYTE.search(str(exc))
            raise ScanError(f"invalid JSON in in_network item {index}: {exc}", offset + int(m.group(1)) if m else
                            offset, "the file is damaged; download it again") from None

    def _replay(self) -> None:
        """Process the kept items that waited for provider_references."""
        if self.spool is None:
            return
        spool, self.spool = self.spool, None
        spool.seek(0)
        while True:
            head = spool.read(24)
            if not head:
                break
            n, index, offset = struct.unpack("<qqq", head)
            self._item(spool.read(n), index, offset)
        spool.close()

    def _item(self, raw: bytes, index: int, offset: int) -> None:
        """A kept in_network item -> price rows (fast path: msgspec; anything it cannot type: the generic path)."""
        where = f"in_network item {index} (byte {offset:,} of the JSON)"
        try:
            item = _DECODE_ITEM.decode(raw)
        except msgspec.ValidationError:
            return self._item_generic(raw, index, offset)
        except msgspec.DecodeError as exc:
            m = _MSGSPEC_BYTE.search(str(exc))
            raise ScanError(f"invalid JSON in in_network item {index}: {str(exc).split(' (byte')[0]}",
                            offset + int(m.group(1)) if m else offset, "the file is damaged; download it again") \
                from None
        code = self._item_code(item.billing_code, where)
        if code is None:
            return
        arrangement = str(item.negotiation_arrangement or "").lower()
        code_type = str(item.billing_code_type or "").upper()
        rows: list[tuple] = []
        nbytes = 0
        for nr in item.negotiated_rates:
            ids = bytes(nr.provider_references)
            inline = bytes(nr.provider_groups)
            if inline not in (b"null", b"[]") or ids in (b"null", b""):
                ids = self._ids_json(orjson.loads(ids) if ids not in (b"null", b"") else None,
                                     orjson.loads(inline) if inline not in (b"null", b"") else None, where)
            for price in nr.negotiated_prices:
                row = self._price_row(price.billing_class, price.expiration_date, price.negotiated_rate,
                                      price.negotiated_type, price.billing_code_modifier, price.service_code,
                                      price.setting, where, code)
                if row is not None:
                    rows.append((index, arrangement, code_type, code, *row, ids))
                    nbytes += len(ids)
        self.rates.extend(rows, nbytes)

    def _item_code(self, value, where: str) -> str | None:
        code = str(value or "").strip().upper()
        if not code:
            self.warn("no_billing_code", f"{where} has no billing_code; skipped")
            return None
        if not self._wanted(code):
            return None
        self.counts["items_kept"] += 1
        return code

    def _item_generic(self, raw: bytes, index: int, offset: int) -> None:
        """A kept item of any shape the fast path cannot type (e.g. a negotiated rate that is not an object)."""
        item = self._loads(raw, offset, f"in_network item {index}")
        where = f"in_network item {index} (byte {offset:,} of the JSON)"
        if not isinstance(item, dict):
            raise ScanError(f"in_network item {index} is not a JSON object", offset, "")
        code = self._item_code(item.get("billing_code"), where)
        if code is None:
            return
        arrangement = str(item.get("negotiation_arrangement") or "").lower()
        code_type = str(item.get("billing_code_type") or "").upper()
        rates = item.get("negotiated_rates")
        if not isinstance(rates, list):
            self.warn("no_negotiated_rates", f"{where}, code {code}: negotiated_rates is not a list; skipped")
            return
        rows: list[tuple] = []
        for nr in rates:
            if not isinstance(nr, dict):
                self.warn("bad_negotiated_rate", f"{where}, code {code}: a negotiated rate is not an object; skipped")
                continue
            ids = self._ids_json(nr.get("provider_references"), nr.get("provider_groups"), where)
            prices = nr.get("negotiated_prices")
            for price in prices if isinstance(prices, list) else ():
                if not isinstance(price, dict):
                    self.counts["prices_scanned"] += 1
                    continue
                row = self._price_row(price.get("billing_class"), price.get("expiration_date"),
                                      price.get("negotiated_rate"), price.get("negotiated_type"),
                                      price.get("billing_code_modifier"), price.get("service_code"),
                                      price.get("setting"), where, code)
                if row is not None:
                    rows.append((index, arrangement, code_type, code, *row, ids))
        self.rates.extend(rows, sum(len(r[-1]) for r in rows))

    def _price_row(self, billing_class, expiration, rate, ntype, mods, pos, tic_setting, where: str,
                   code: str) -> tuple | None:
        """The columns of one price from ``modifier`` to ``billing_class``; None when it is dropped (counted).

        Everything but the rate is the same for most prices of a file: it is worked out once per distinct
        combination (the cache key holds the raw values).
        """
        self.counts["prices_scanned"] += 1
        try:
            key = (billing_class, expiration, ntype, tuple(mods) if type(mods) is list else mods,
                   tuple(pos) if type(pos) is list else pos, tic_setting)
            fields = self._price_cache.get(key)
        except TypeError:  # an unhashable value (e.g. a dict where a string belongs)
            key, fields = None, None
        if fields is None:
            fields = self._price_fields(billing_class, expiration, ntype, mods, pos, tic_setting)
            if key is not None and len(self._price_cache) < 100_000:
                self._price_cache[key] = fields
        if type(fields) is str:
            self.dropped[fields] += 1
            return None
        value = rate if type(rate) is float else _number(rate)
        if value is None:
            self.dropped["rate_not_number"] += 1
            self.warn("rate_not_number", f"{where}, code {code}: negotiated_rate {rate!r} is not a number; dropped")
            return None
        if value <= 0:
            self.dropped["rate_not_positive"] += 1
            self.warn("rate_not_positive", f"{where}, code {code}: negotiated_rate {value:g} is not positive; "
                                           "dropped")
            return None
        return fields[:5] + (value,) + fields[5:]

    def _price_fields(self, billing_class, expiration, ntype, mods, pos, tic_setting) -> tuple | str:
        """A price's columns but the rate, or the reason it is dropped (billing class, expiry)."""
        billing_class = str(billing_class or "").strip().lower()
        if billing_class not in self.allowed_classes:
            return "billing_class"
        expires = _date(expiration)
        if expires is not None and expires < self.f.as_of:
            return "expired"
        ntype = str(ntype or "").strip().lower()
        if mods:
            mods = mods if isinstance(mods, list) else [mods]
            modifier = ",".join(sorted({str(m).strip().upper() for m in mods} - {""}))
        else:
            modifier = ""
        pos = [str(p).strip().upper().zfill(2) for p in (pos if isinstance(pos, list) else [pos])] if pos else []
        return (modifier, ",".join(pos), _setting(pos), str(tic_setting or "").lower(), ntype,
                _RATE_KINDS.get(ntype, "other"), expires, billing_class)

    def _ids_json(self, refs, groups, where: str) -> bytes:
        """Every provider group id a negotiated rate names (references, and inline groups numbered), as JSON."""
        ids: list[int] = []
        if isinstance(refs, list):
            for r in refs:
                try:
                    ids.append(int(r))
                except (TypeError, ValueError):
                    self.warn("bad_reference", f"{where}: provider reference {r!r} is not a number; ignored")
        if isinstance(groups, list) and groups:
            key = orjson.dumps(groups)
            gid = self.inline_ids.get(key)
            if gid is None:
                gid = -(len(self.inline_ids) + 1)
                self.inline_ids[key] = gid
                if self._write_group(gid, groups, [], where):
                    self.passing_ids.add(gid)
                self.known_ids.add(gid)
            ids.append(gid)
        return orjson.dumps(ids)

    def _resolve_ids(self, columns: list[tuple]) -> pa.Table:
        """A batch of price rows as Arrow, group ids parsed and kept to the groups that passed the filters.

        A price left with no group is dropped: ``provider_filter`` when a group it names was filtered out,
        ``unresolved_reference`` when none it names is in the file. The same id list recurs across a file's
        prices (the benchmark's 72,000 prices hold 2,000 distinct lists): each distinct list is parsed and
        checked once.
        """
        distinct: dict[bytes, int] = {}
        which = np.fromiter((distinct.setdefault(r, len(distinct)) for r in columns[-1]), dtype=np.int64,
                            count=len(columns[-1]))
        raw = list(distinct)
        lines = b"\n".join([b'{"g":' + r + b"}" for r in raw])
        try:
            lists = pa_json.read_json(io.BytesIO(lines), parse_options=_IDS_PARSE, read_options=_IDS_READ) \
                .column("g").combine_chunks()
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # e.g. ids written as strings: one by one
            lists = pa.array([orjson.loads(self._ids_json(orjson.loads(r), None, "a kept item")) for r in raw],
                             pa.list_(pa.int64()))
        flat = lists.flatten()
        passing = pc.fill_null(pc.is_in(flat, value_set=pa.array(list(self.passing_ids), pa.int64())), False)
        keep = None
        if not pc.all(passing).as_py() or pc.any(pc.equal(pc.list_value_length(lists), 0)).as_py():
            n = len(lists)
            known = np.asarray(pc.fill_null(pc.is_in(flat, value_set=pa.array(list(self.known_ids), pa.int64())),
                                            False))
            ok = np.asarray(passing)
            parent = np.asarray(pc.list_parent_indices(lists))
            uses = np.bincount(which, minlength=n)
            self.counts["unknown_references"] += int(np.bincount(parent[~known], minlength=n) @ uses)
            lengths = np.bincount(parent[ok], minlength=n)
            any_known = np.bincount(parent[known], minlength=n) > 0
            keep_list = lengths > 0
            self.dropped["provider_filter"] += int(uses[~keep_list & any_known].sum())
            self.dropped["unresolved_reference"] += int(uses[~keep_list & ~any_known].sum())
            offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
            lists = pa.ListArray.from_arrays(pa.array(offsets), flat.filter(pa.array(ok)))
            keep = keep_list[which]
        ids = lists.take(pa.array(which))
        arrays = [pa.array(col, type=f.type) for col, f in zip(columns[:-1], self.schema_fields, strict=True)]
        table = pa.Table.from_arrays([*arrays, ids], schema=_RATE_SCHEMA)
        return table.filter(pa.array(keep)) if keep is not None else table

    # -- provider references ------------------------------------------------------------------------
    def _on_reference(self, buf: bytes, s: int, e: int, index: int, offset: int) -> None:
        self.counts["provider_references"] += 1
        self._ref_batch.append(buf[s:e])
        self._ref_where.append((index, offset))
        self._ref_bytes += e - s
        if self._ref_bytes >= _REF_BATCH_BYTES:
            self._flush_references()

    def _flush_references(self) -> None:
        """Read the batch of provider_references items: with pyarrow's JSON reader, else one by one."""
        batch, where = self._ref_batch, self._ref_where
        self._ref_batch, self._ref_where, self._ref_bytes = [], [], 0
        if not batch:
            return
        if self.f.networks is None:
            # a newline outside a string is whitespace (inside one it is invalid JSON): one item a line
            lines = b"\n".join(raw.replace(b"\n", b" ").replace(b"\r", b" ") for raw in batch)
            try:
                table = pa_json.read_json(io.BytesIO(lines), parse_options=_REF_PARSE, read_options=_REF_READ)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                table = None
            if table is not None and table.num_rows == len(batch) and \
                    table.column("provider_group_id").null_count == 0:
                self._references_arrow(table, batch, where)
                return
        for raw, (index, offset) in zip(batch, where, strict=True):
            self._reference(raw, index, offset)

    def _references_arrow(self, table: pa.Table, batch: list[bytes], where: list[tuple[int, int]]) -> None:
        """A batch of provider groups, flattened to provider rows in Arrow (the same rows as :meth:`_reference`)."""
        gid = table.column("provider_group_id").combine_chunks()
        groups = table.column("provider_groups").combine_chunks()
        by_location = pc.and_(pc.is_null(groups), pc.is_valid(table.column("location").combine_chunks()))
        for i in pc.indices_nonzero(by_location).to_pylist():  # v1 location references: one by one
            self._reference(batch[i], *where[i])
        self.known_ids.update(gid.to_pylist())
        networks = pc.fill_null(pc.binary_join(table.column("network_name").combine_chunks(), "; "), "")
        flat = pc.list_flatten(groups)
        owner = pc.list_parent_indices(groups)  # provider -> item
        tin = flat.field("tin")
        tin_type = pc.fill_null(pc.utf8_lower(pc.utf8_trim_whitespace(tin.field("type"))), "")
        tin_value = pc.utf8_trim_whitespace(tin.field("value"))
        zero = pc.fill_null(pc.equal(pc.replace_substring_regex(tin_value, r"[0\- ]", ""), ""), True)
        if pc.any(zero).as_py():
            for p in pc.indices_nonzero(zero).to_pylist()[:_MAX_EXAMPLES]:
                index, offset = where[owner[p].as_py()]
                self.warn("tin_zero", f"provider_references item {index} (byte {offset:,} of the JSON): tin.value "
                                      f"is {tin_value[p].as_py()!r}, not a TIN; the providers are kept by NPI "
                                      "without a TIN")
            self.warning_counts["tin_zero"] += max(0, pc.sum(zero).as_py() - _MAX_EXAMPLES)
            tin_value = pc.if_else(zero, pa.scalar(None, pa.string()), tin_value)
        business = pc.fill_null(tin.field("business_name"), "")
        lists = flat.field("npi")
        none = pc.fill_null(pc.equal(pc.list_value_length(lists), 0), True)  # no NPI at all: one TIN-level row
        if pc.any(none).as_py():
            lists = pc.if_else(none, pa.scalar([0], pa.list_(pa.int64())), lists)
        npi = pc.list_flatten(lists)
        provider = pc.list_parent_indices(lists)  # npi -> provider
        bad = pc.and_(pc.not_equal(npi, 0), pc.or_(pc.less(npi, 1_000_000_000), pc.greater(npi, 9_999_999_999)))
        if pc.any(bad).as_py():
            for k in pc.indices_nonzero(bad).to_pylist()[:_MAX_EXAMPLES]:
                index, offset = where[owner[provider[k].as_py()].as_py()]
                self.warn("bad_npi", f"provider_references item {index} (byte {offset:,} of the JSON): NPI "
                                     f"{npi[k].as_py()!r} is not a 10-digit NPI; ignored")
            self.warning_counts["bad_npi"] += max(0, pc.sum(bad).as_py() - _MAX_EXAMPLES)
        keep = pc.invert(bad)
        npi = pc.if_else(pc.equal(npi, 0), pa.scalar(None, pa.int64()), npi)
        item = pc.take(owner, provider)
        rows = pa.table({"provider_group_id": pc.take(gid, item), "network_names": pc.take(networks, item),
                         "tin_type": pc.take(tin_type, provider), "tin_value": pc.take(tin_value, provider),
                         "business_name": pc.take(business, provider), "npi": npi, "_provider": provider})
        if self.f.tins is not None:
            keys = pc.replace_substring_regex(rows.column("tin_value"), r"[\s-]", "")
            keep = pc.and_(keep, pc.fill_null(pc.is_in(keys, pa.array(sorted(self.f.tins))), False))
        if self.f.npis is not None:
            keep = pc.and_(keep, pc.fill_null(pc.is_in(npi, pa.array(sorted(self.f.npis), pa.int64())), False))
        rows = rows.filter(keep)
        if rows.num_rows:  # an NPI listed twice for one provider: once
            key = pc.add(pc.multiply(pc.cast(rows.column("_provider"), pa.int64()), 10_000_000_000),
                         pc.fill_null(rows.column("npi"), 0))
            if len(pc.unique(key)) < rows.num_rows:
                firsts = {k: i for i, k in reversed(list(enumerate(key.to_pylist())))}
                rows = rows.take(pa.array(sorted(firsts.values()), pa.int64()))
        self.passing_ids.update(pc.unique(rows.column("provider_group_id")).to_pylist())
        self.providers.write_table(rows.drop_columns(["_provider"]).cast(_PROVIDER_SCHEMA))

    def _reference(self, raw: bytes, index: int, offset: int) -> None:
        """One provider_references item, in Python (any shape the file has)."""
        ref = self._loads(raw, offset, f"provider_references item {index}")
        where = f"provider_references item {index} (byte {offset:,} of the JSON)"
        if not isinstance(ref, dict):
            raise ScanError(f"provider_references item {index} is not a JSON object", offset, "")
        try:
            gid = int(ref.get("provider_group_id"))
        except (TypeError, ValueError):
            self.warn("bad_group_id", f"{where}: provider_group_id {ref.get('provider_group_id')!r} is not a "
                                      "number; the group is ignored")
            return
        networks = ref.get("network_name") or []
        networks = [str(n) for n in networks] if isinstance(networks, list) else [str(networks)]
        groups = ref.get("provider_groups")
        if groups is None and ref.get("location"):
            groups = self._location(str(ref["location"]), where)
            if groups is None:
                return
        self.known_ids.add(gid)
        if self.f.networks is not None and not {n.strip().casefold() for n in networks} & self.f.networks:
            return
        if self._write_group(gid, groups if isinstance(groups, list) else [], networks, where):
            self.passing_ids.add(gid)

    def _location(self, location: str, where: str) -> list | None:
        """The provider groups of a v1 provider-reference file given by ``location`` (a local path)."""
        name = location.rsplit("/", 1)[-1].split("?", 1)[0]
        local = location.removeprefix("file://")
        candidates = [Path(local)] if "://" not in local else []
        candidates += [self.path.parent / local, self.path.parent / name] if "://" not in local else \
            [self.path.parent / name]
        for candidate in candidates:
            if candidate.is_file():
                try:
                    data = candidate.read_bytes()
                    if data[:2] == b"\x1f\x8b":
                        data = _scan.gunzip(data)
                    doc = orjson.loads(data)
                except (OSError, ValueError, EOFError) as exc:
                    self.warn("bad_reference_file", f"{where}: the provider-reference file {candidate} cannot be "
                                                    f"read ({exc}); its group's prices are dropped")
                    return None
                groups = doc.get("provider_groups") if isinstance(doc, dict) else None
                if not isinstance(groups, list):
                    self.warn("bad_reference_file", f"{where}: {candidate} has no provider_groups array; its "
                                                    "group's prices are dropped")
                    return None
                self.counts["reference_files"] += 1
                return groups
        self.warn("missing_reference_file", f"{where}: the provider-reference file {location!r} is not on disk "
                                            f"(looked for {name!r} beside the in-network file); its group's "
                                            "prices are dropped. Fix: download it next to the in-network file")
        return None

    def _write_group(self, gid: int, groups: list, networks: list[str], where: str) -> bool:
        """Write a provider group's rows (after the NPI and TIN filters); True when any row was written."""
        f = self.f
        network_names = "; ".join(networks)
        rows = []
        for g in groups:
            if not isinstance(g, dict):
                continue
            tin = g.get("tin")
            tin = tin if isinstance(tin, dict) else {}
            tin_type = str(tin.get("type") or "").strip().lower()
            tin_value = str(tin.get("value") or "").strip()
            business = str(tin.get("business_name") or "")
            if tin_value.strip("0- ") == "":
                self.warn("tin_zero", f"{where}: tin.value is {tin_value!r}, not a TIN; the providers are kept by "
                                      "NPI without a TIN")
                tin_value = None
            if f.tins is not None and (tin_value is None or _tin_key(tin_value) not in f.tins):
                continue
            npis = g.get("npi")
            npis = npis if isinstance(npis, list) else [npis]
            if npis and all(type(n) is int and 1_000_000_000 <= n <= 9_999_999_999 for n in npis):
                clean = dict.fromkeys(npis)  # the usual case: numbers, no placeholder; distinct, in order
            else:
                clean = {}
                for raw in npis or [0]:
                    npi, ok = _npi(raw)
                    if ok:
                        clean[npi] = None
                    else:
                        self.warn("bad_npi", f"{where}: NPI {raw!r} is not a 10-digit NPI; ignored")
            if f.npis is not None:
                clean = [n for n in clean if n in f.npis]
            rows += [(gid, network_names, tin_type, tin_value, business, n) for n in clean]
        self.providers.extend(rows)
        return bool(rows)

    # -- index files --------------------------------------------------------------------------------
    def _on_structure(self, buf: bytes, s: int, e: int, index: int, offset: int) -> None:
        entry = self._loads(buf[s:e], offset, f"reporting_structure item {index}")
        plans = [p.get("plan_name") for p in entry.get("reporting_plans") or [] if isinstance(p, dict)]
        for f in entry.get("in_network_files") or []:
            if isinstance(f, dict) and f.get("location"):
                self.in_network_files.append({"location": str(f["location"]),
                                              "description": str(f.get("description") or ""), "plans": plans})


# --- the public entry points ------------------------------------------------------------------------

def _problem(path: Path, message: str, fix: str = "", severity: str = "error") -> Problem:
    return Problem(str(path), message, fix=fix, severity=severity)


def ingest_file(path: str | Path, out: str | Path, filters: Filters, *, name: str | None = None) -> FileResult:
    """Ingest one in-network file into ``<out>/<name>/`` (see the module docstring).

    Parameters
    ----------
    path : path
        A ``.json`` or gzip'd in-network file (or an index file, whose in-network files are listed).
    out : path
        The folder of datasets.
    filters : Filters
    name : str, optional
        The dataset's folder name (default :func:`dataset_name`).

    Returns
    -------
    FileResult
        Never raises for a problem in the file: a failed file has ``status="failed"`` and its error in
        ``problems`` (naming the file and the byte position in the JSON), and leaves no dataset.
    """
    path, out = Path(path), Path(out)
    name = name or dataset_name(path)
    final = out / name
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.partial-", dir=out))
    state = None
    try:
        if not path.is_file():
            raise ScanError("no such file", 0, "check the path")
        src = _scan.Source(path)
        try:
            state = _File(path, tmp, filters)
            state.run(_scan.Scanner(src))
            state.rates.close()
            state.providers.close()
        except BaseException:
            if state is not None:
                state.rates.abort()
                state.providers.abort()
            raise
        finally:
            src.close()
            if state is not None and state.spool is not None:
                state.spool.close()
        manifest = _manifest(path, name, state, src, filters, time.perf_counter() - started)
        problems = [_problem(path, f"{text}", severity="warning") for examples in state.warnings.values()
                    for text in examples]
        problems += [_problem(path, f"... {n - _MAX_EXAMPLES:,} more like that ({kind})", severity="warning")
                     for kind, n in state.warning_counts.items() if n > _MAX_EXAMPLES]
        if "reporting_structure" in state.keys and "in_network" not in state.keys:
            shutil.rmtree(tmp, ignore_errors=True)
            return FileResult(path, "index", manifest=manifest, in_network_files=state.in_network_files)
        if manifest["items_kept"] == 0:
            problems.append(_problem(path, f"no in_network item matched the codes asked for "
                                           f"({manifest['items_scanned']:,} items scanned); the dataset is empty",
                                     fix="check the codes, or that this payer file covers professional services",
                                     severity="warning"))
        manifest["warnings"] = [str(p) for p in problems]
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str), encoding="utf-8")
        _replace_dir(tmp, final)
        (out / f"{name}.failed.json").unlink(missing_ok=True)
        return FileResult(path, "ok", dataset=final, manifest=manifest, problems=problems)
    except ScanError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)  # an earlier run's dataset would look like this file's
        where = f"at byte {exc.position:,} of the JSON" + (" (decompressed)" if path.name.endswith(".gz") else "")
        problem = _problem(path, f"{exc.message} ({where})", fix=exc.fix)
        (out / f"{name}.failed.json").write_text(json.dumps({"source": str(path), "status": "failed",
                                                            "error": str(problem)}, indent=1), encoding="utf-8")
        return FileResult(path, "failed", problems=[problem])
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _replace_dir(tmp: Path, final: Path) -> None:
    """Move ``tmp`` to ``final``, replacing an earlier dataset (renames, so no reader sees half of one)."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _manifest(path: Path, name: str, state: _File, src: _scan.Source, filters: Filters, seconds: float) -> dict:
    c = state.counts
    return {
        "source": str(path), "dataset": name, "status": "ok", "bytes": path.stat().st_size,
        "json_bytes": src.read_bytes, "gzip": src.gzipped,
        "header": {k: v for k, v in state.header.items() if isinstance(v, (str, int, float)) or v is None},
        "version_field": state.header.get("version"),
        "provider_references_at": state.refs_position,
        "items_scanned": c["items_scanned"], "items_kept": c["items_kept"],
        "prices_scanned": c["prices_scanned"], "rates_kept": state.rates.rows,
        "dropped": dict(state.dropped),
        "provider_references": c["provider_references"], "provider_rows": state.providers.rows,
        "inline_provider_groups": len(state.inline_ids), "reference_files": c["reference_files"],
        "unknown_references": c["unknown_references"], "spooled_items": state.spooled,
        "warning_counts": dict(state.warning_counts),
        "filters": filters.describe(), "seconds": round(seconds, 3),
        "ingested_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def ingest(files: Sequence[str | Path], out: str | Path, *, codes: Iterable[str] | None = None,
           client: str | Path | None = None, npis: Iterable[int] | None = None, npi_file: str | Path | None = None,
           tins: Iterable[str] | None = None, networks: Iterable[str] | None = None,
           billing_class: str = "professional", as_of: dt.date | str | None = None,
           validate: bool = False) -> IngestReport:
    """Ingest in-network files into ``out``, one dataset folder each; a failed file does not stop the others.

    Parameters
    ----------
    files : sequence of path
        ``.json`` or ``.json.gz`` in-network files (index files are recognised and their files listed).
    out : path
        Folder of datasets (created).
    codes : iterable of str, optional
        Billing codes to keep (default: every code). ``CSTM-00`` items (all codes) are always kept.
    client : path, optional
        A client folder: keep every code in its fee schedules and utilization (instead of ``codes``).
    npis, npi_file : optional
        Keep only these NPIs (or those listed in ``npi_file``, :func:`read_npi_file`).
    tins, networks : iterable, optional
        Keep only these TINs or network names (see :class:`Filters`).
    billing_class : {"professional", "both"}
    as_of : date or "YYYY-MM-DD", optional
        Prices that expired before it are dropped (default today).
    validate : bool
        Check the JSON of skipped items too (slower).

    Returns
    -------
    IngestReport
    """
    if client is not None:
        if codes is not None:
            raise RatekitError(Problem("(options)", "give the codes or a client, not both",
                                       fix="drop --codes to use the client's codes"))
        from .client_link import client_market

        codes = client_market(client).codes
    if npi_file is not None:
        npis = set(npis or ()) | read_npi_file(npi_file)
    filters = make_filters(codes=codes, npis=npis, tins=tins, networks=networks, billing_class=billing_class,
                           as_of=as_of, validate=validate)
    names: Counter = Counter()
    results = []
    for path in files:
        name = dataset_name(path)
        names[name] += 1
        if names[name] > 1:
            name = f"{name}-{names[name]}"
        results.append(ingest_file(path, out, filters, name=name))
    return IngestReport(results)
