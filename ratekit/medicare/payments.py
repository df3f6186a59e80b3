"""Read CMS's published Medicare payment amounts (PFALL / PFREV payment files, OPPSCAP) to check the engine.

Two layouts, as CMS publishes them, told apart by their first line:

* **PFALL / PFREV** (the annual payment-amount file and its revisions, e.g. ``PFREV26B.txt``): no
  header row, one quoted, comma-separated record per carrier, locality, code and modifier, with
  positional fields (CMS's record layout for the payment-amount file)::

      1 year  2 carrier (MAC)  3 locality  4 HCPCS  5 modifier  6 non-facility amount
      7 facility amount  8 filler  9 PCTC indicator  10 status code  11 multiple surgery indicator
      12-13 50% therapy reduction amounts  14 OPPS indicator (1 = subject to the OPPS cap)
      15 OPPS non-facility amount  16 OPPS facility amount

  Amounts are written ``0001337.33``. Trailer lines start ``TRL`` (copyright statements) and are
  skipped. For a code with an NA indicator CMS prints the applicable setting's amount in both
  amount fields.
* **OPPSCAP** (the OPPS-capped amounts of an RVU release): a header row ``HCPCS, MOD, PROCSTAT,
  CARRIER, LOCALITY, FACILITY PRICE, NON-FACILITY PRICE``; no year column.

Files may be plain or zipped (every ``.txt``/``.csv`` member is read). Rows are read in chunks, so a
full PFALL file (over a million rows) never sits in memory at once. Amounts are exact integer
cents, read from their decimal text.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

import numpy as np
import pandas as pd

from ..errors import Problem, RatekitError
from .cmsfiles import scaled, zero_pad

#: Columns of every chunk :func:`read_payment_file` yields. Amounts are int64 cents; ``line`` is the
#: 1-based line in the file (member); ``year`` is 0 for the OPPSCAP layout (it has none).
PAYMENT_COLUMNS: tuple[str, ...] = (
    "line", "year", "mac", "locality", "hcpcs", "modifier", "status", "nonfacility_cents", "facility_cents",
    "opps_indicator", "opps_nonfacility_cents", "opps_facility_cents",
)
#: Fields of a PFALL / PFREV record, in order (CMS's record layout).
PFALL_FIELDS: tuple[str, ...] = (
    "year", "mac", "locality", "hcpcs", "modifier", "nonfacility_amount", "facility_amount", "filler", "pctc",
    "status", "mult_surg", "therapy_nonfacility_amount", "therapy_facility_amount", "opps_indicator",
    "opps_nonfacility_amount", "opps_facility_amount",
)
_OPPSCAP_HEADER = ("HCPCS", "MOD", "PROCSTAT", "CARRIER", "LOCALITY")
_CHUNK = 200_000


@dataclass(frozen=True)
class PaymentFile:
    """One CMS payment file (or zip member) to read.

    Attributes
    ----------
    name : str
        What messages call it: the file name, or ``archive.zip:member.txt``.
    layout : str
        ``"PFALL"`` (PFALL / PFREV records) or ``"OPPSCAP"``.
    """

    name: str
    layout: str
    _path: Path
    _member: str = ""

    @contextlib.contextmanager
    def open(self) -> Iterator[IO[str]]:
        """The file's text (CMS files are ASCII; read as latin-1 so no byte fails), closed after use."""
        if not self._member:
            with open(self._path, newline="", encoding="latin-1") as fh:
                yield fh
            return
        with zipfile.ZipFile(self._path) as archive, archive.open(self._member) as raw:
            yield io.TextIOWrapper(raw, encoding="latin-1", newline="")


def payment_files(path: str | Path) -> list[PaymentFile]:
    """The CMS payment files in ``path``: the file itself, or each ``.txt``/``.csv`` member of a zip.

    Raises a :class:`~ratekit.errors.RatekitError` naming the file when it is missing, is not a zip
    it claims to be, or holds no payment file in either layout.
    """
    path = Path(path)
    if not path.is_file():
        raise RatekitError(Problem(str(path), "no such file", fix="give the path of a CMS payment file"))
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist()
                       if re.search(r"\.(txt|csv)$", m, re.I) and not m.startswith("__MACOSX")]
            found = []
            for m in members:
                with io.TextIOWrapper(archive.open(m), encoding="latin-1", newline="") as fh:
                    layout = _layout(fh.readline())
                if layout:
                    found.append(PaymentFile(f"{path.name}:{m}", layout, path, m))
        if not found:
            raise RatekitError(Problem(path.name, "the zip holds no CMS payment file (PFALL/PFREV or OPPSCAP layout)",
                                       fix="give CMS's payment-amount zip, e.g. PFREV26B.zip"))
        return found
    with open(path, newline="", encoding="latin-1") as fh:
        layout = _layout(fh.readline())
    if not layout:
        raise RatekitError(Problem(path.name, "not a CMS payment file: the first line is neither a PFALL/PFREV "
                                              "record (\"2026\",\"01112\",\"05\",\"21610\",...) nor the OPPSCAP "
                                              "header (HCPCS,MOD,PROCSTAT,...)", row=1,
                                   fix="give CMS's payment-amount file as published (PFALL*.txt, PFREV*.txt, "
                                       "OPPSCAP*.csv), plain or zipped"))
    return [PaymentFile(path.name, layout, path)]


def _layout(first_line: str) -> str:
    fields = next(csv.reader([first_line]), [])
    if fields and (re.fullmatch(r"\d{4}", fields[0].strip()) and len(fields) >= 7 or fields[0].startswith("TRL")):
        return "PFALL"
    if tuple(f.strip().upper() for f in fields[:5]) == _OPPSCAP_HEADER:
        return "OPPSCAP"
    return ""


def read_payment_file(file: PaymentFile | str | Path, *, chunk_rows: int = _CHUNK) -> Iterator[pd.DataFrame]:
    """CMS's payment amounts, in chunks of at most ``chunk_rows`` rows with :data:`PAYMENT_COLUMNS`.

    Parameters
    ----------
    file : PaymentFile, str or Path
        A :class:`PaymentFile` from :func:`payment_files`, or the path of a plain (not zipped) file.
    chunk_rows : int
        Rows per chunk (memory stays flat however large the file).

    Yields
    ------
    DataFrame
        :data:`PAYMENT_COLUMNS`; MAC and locality zero-padded, codes and modifiers upper case
        (``""`` for the global service); amounts as exact int64 cents.

    Raises
    ------
    RatekitError
        For a record with the wrong number of fields, or an amount that is not a decimal number,
        naming the file, the line, the field and the value.
    """
    if not isinstance(file, PaymentFile):
        files = payment_files(file)
        if len(files) != 1:
            raise RatekitError(Problem(str(file), "a zip of several payment files",
                                       fix="read each member of payment_files(path)"))
        file = files[0]
    with file.open() as fh:
        reader = csv.reader(fh)
        if file.layout == "OPPSCAP":
            header = [re.sub(r"\s+", " ", h.strip().upper()) for h in next(reader)]
            cols = _oppscap_columns(header, file.name)
            parse = lambda rec, line: _oppscap_record(rec, line, cols, file.name)  # noqa: E731
            start = 2
        else:
            parse = lambda rec, line: _pfall_record(rec, line, file.name)  # noqa: E731
            start = 1
        rows: list[tuple] = []
        for line, rec in enumerate(reader, start=start):
            if not rec or not "".join(rec).strip() or rec[0].startswith("TRL"):
                continue
            rows.append(parse(rec, line))
            if len(rows) >= chunk_rows:
                yield _frame(rows)
                rows = []
        if rows:
            yield _frame(rows)


def _cents(text: str, line: int, field: str, file: str) -> int:
    try:
        return scaled(text, 2, what=field, file=file)
    except RatekitError:
        raise RatekitError(Problem(file, f"the {field.replace('_', ' ')} is not an amount in dollars and cents",
                                   row=line, column=field, value=text,
                                   fix="give CMS's payment file unedited")) from None


def _pfall_record(rec: list[str], line: int, file: str) -> tuple:
    if len(rec) < 7:
        raise RatekitError(Problem(file, f"a PFALL/PFREV record has {len(PFALL_FIELDS)} fields; this one has "
                                         f"{len(rec)}", row=line, value=",".join(rec)[:80],
                                   fix="give CMS's payment file unedited"))
    rec = [f.strip() for f in rec] + [""] * (len(PFALL_FIELDS) - len(rec))
    f = dict(zip(PFALL_FIELDS, rec[:len(PFALL_FIELDS)], strict=True))
    if not re.fullmatch(r"\d{4}", f["year"]):
        raise RatekitError(Problem(file, "the first field of a PFALL/PFREV record is the year", row=line,
                                   column="year", value=f["year"], fix="give CMS's payment file unedited"))
    return (line, int(f["year"]), f["mac"].zfill(5), f["locality"].zfill(2), f["hcpcs"].upper(),
            f["modifier"].upper(), f["status"].upper(),
            _cents(f["nonfacility_amount"], line, "nonfacility_amount", file),
            _cents(f["facility_amount"], line, "facility_amount", file),
            f["opps_indicator"],
            _cents(f["opps_nonfacility_amount"], line, "opps_nonfacility_amount", file),
            _cents(f["opps_facility_amount"], line, "opps_facility_amount", file))


def _oppscap_columns(header: list[str], file: str) -> dict[str, int]:
    where = {name: header.index(name) for name in _OPPSCAP_HEADER if name in header}
    fac = [j for j, h in enumerate(header) if h.startswith("FACILITY")]
    nonfac = [j for j, h in enumerate(header) if h.startswith("NON-FAC")]
    if len(where) != len(_OPPSCAP_HEADER) or len(fac) != 1 or len(nonfac) != 1:
        raise RatekitError(Problem(file, "not CMS's OPPSCAP layout (HCPCS, MOD, PROCSTAT, CARRIER, LOCALITY, "
                                         "FACILITY PRICE, NON-FACILITY PRICE)", row=1,
                                   fix="give CMS's OPPSCAP CSV as published"))
    where["FACILITY"], where["NON-FACILITY"] = fac[0], nonfac[0]
    return where


def _oppscap_record(rec: list[str], line: int, cols: dict[str, int], file: str) -> tuple:
    if len(rec) <= max(cols.values()):
        raise RatekitError(Problem(file, f"an OPPSCAP row has {len(rec)} fields", row=line,
                                   value=",".join(rec)[:80], fix="give CMS's OPPSCAP CSV unedited"))
    get = lambda name: rec[cols[name]].strip()  # noqa: E731
    return (line, 0, get("CARRIER").zfill(5), get("LOCALITY").zfill(2), get("HCPCS").upper(), get("MOD").upper(),
            get("PROCSTAT").upper(),
            _cents(get("NON-FACILITY"), line, "non-facility price", file),
            _cents(get("FACILITY"), line, "facility price", file),
            "", 0, 0)


def _frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(rows, columns=list(PAYMENT_COLUMNS))
    for c in ("line", "year", "nonfacility_cents", "facility_cents", "opps_nonfacility_cents", "opps_facility_cents"):
        df[c] = df[c].astype(np.int64)
    for c in ("mac", "locality"):
        df[c] = zero_pad(df[c], 5 if c == "mac" else 2)
    return df


def read_payments(path: str | Path) -> pd.DataFrame:
    """Every payment row of a (small) CMS payment file or zip, as one table with :data:`PAYMENT_COLUMNS`
    and a ``file`` column; for large files iterate :func:`read_payment_file` instead."""
    parts = [chunk.assign(file=f.name) for f in payment_files(path) for chunk in read_payment_file(f)]
    if not parts:
        return pd.DataFrame(columns=[*PAYMENT_COLUMNS, "file"])
    return pd.concat(parts, ignore_index=True)
