"""One spreadsheet cell at a time: amounts, codes, modifiers, places of service and percents of Medicare.

Every function here reads one cell's text (or a column of them, once per distinct value) and says what
it holds; none of them reads a file or knows a client. The checks that turn a bad cell into a
:class:`~ratekit.errors.Problem` are in :mod:`ratekit.feeschedules.schedules` and
:mod:`ratekit.feeschedules.utilization`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

#: Place of service -> Medicare setting. CMS pays the facility amount in these places of service
#: (CMS POS code set; MLN "Place of Service Codes" and the PFS facility rule): 02 telehealth other
#: than in the patient's home, 19 off-campus and 22 on-campus outpatient hospital, 21 inpatient
#: hospital, 23 emergency room, 24 ambulatory surgical center, 26 military facility, 31 skilled
#: nursing facility, 34 hospice, 41/42 ambulance, 51/52 psychiatric facility, 53 community mental
#: health center, 56 psychiatric residential treatment, 61 comprehensive inpatient rehabilitation.
#: Every other 2-digit POS (11 office, 12 home, 10 telehealth in the patient's home, ...) is paid
#: the non-facility amount.
FACILITY_POS: tuple[str, ...] = ("02", "19", "21", "22", "23", "24", "26", "31", "34", "41", "42", "51", "52",
                                 "53", "56", "61")
_SETTING_WORDS: dict[str, str] = {
    "office": "nonfacility", "non facility": "nonfacility", "nonfacility": "nonfacility", "non fac": "nonfacility",
    "nf": "nonfacility", "clinic": "nonfacility", "home": "nonfacility", "professional office": "nonfacility",
    "facility": "facility", "fac": "facility", "f": "facility", "hospital": "facility", "inpatient": "facility",
    "outpatient hospital": "facility", "hospital outpatient": "facility", "hopd": "facility", "asc": "facility",
    "ambulatory surgical center": "facility", "ambulatory surgery center": "facility", "snf": "facility",
    "skilled nursing facility": "facility", "er": "facility", "emergency room": "facility",
    "all": "", "any": "", "both": "",
}
SETTINGS: tuple[str, ...] = ("nonfacility", "facility")

_CODE = re.compile(r"^(?:\d{4}[0-9FTU]|[A-V]\d{4})$")
_MODIFIER = re.compile(r"^(?:[0-9A-Z]{2})?$")
_MONEY = re.compile(r"^\(?-?\$?\s*-?[0-9][0-9,]*(?:\.[0-9]+)?\)?$|^-?\$?\s*\.[0-9]+$")
#: "120% of Medicare", "117.5 % of the 2023 Medicare fee schedule", "110% MCR"
_PCT_OF_MEDICARE = re.compile(
    r"^(?P<pct>\d+(?:\.\d+)?)\s*%\s*(?:of\s+)?(?:the\s+)?(?:(?P<year>(?:19|20)\d{2})\s+)?(?:cms\s+)?"
    r"(?:medicare|mcr)(?:\s+(?:physician\s+)?(?:fee\s+schedule|pfs|rates?|allowables?|allowed(?:\s+amounts?)?))?"
    r"\s*\.?$", re.IGNORECASE)
_PCT_CELL = re.compile(r"^(?P<num>\d+(?:\.\d+)?)\s*(?P<sign>%?)$")
_BARE_PCT = re.compile(r"^\d+(?:\.\d+)?\s*%.*$")
#: Currency words around an amount: "120.00 USD", "USD 120", "US$ 95.10", "95 dollars".
_CURRENCY = re.compile(r"^(?:US\$|USD)\s*|\s*(?:USD|US\$|dollars?)$", re.IGNORECASE)
#: Rates that say the payer prices the code some other way (not payable here, not priced): a warning, never $0.
NOT_PRICED_WORDS: tuple[str, ...] = ("n a", "na", "not covered", "non covered", "noncovered", "nc", "br", "by report",
                                     "manual", "manually priced", "manual pricing", "ic", "individual consideration",
                                     "not payable", "not priced")
#: Pricing modifiers: they key the Medicare amount (26 professional, TC technical, 53 discontinued). Every other
#: modifier (25, 59, LT, RT, XU, ...) is kept and shown but priced as the code without it.
PRICING_MODIFIERS: tuple[str, ...] = ("26", "TC", "53")
#: A code cell of a totals row ("Total", "Grand total", "Totals:").
_TOTAL = re.compile(r"^(?:grand\s+|sub\s*)?totals?\s*:?$|^sum$", re.IGNORECASE)
#: A code saved from a numeric column: "99213.0", "100.00".
_NUMERIC_CODE = re.compile(r"^(\d{1,5})\.0+$")

_SETTING_FIX = ("write office or 11 for the non-facility setting, or facility, hospital, ASC, 19, 21, 22, 23 "
                "or 24 for the facility setting; leave it empty when the rate applies in both")


def _header_key(text: object) -> str:
    """A header or setting cell folded for matching: lower case, punctuation and spacing as single spaces."""
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


def _money(text: str) -> float | None:
    text = _CURRENCY.sub("", text)
    if not text or not _MONEY.match(text):
        return None
    negative = text.startswith("(") and text.endswith(")") or "-" in text
    number = float(re.sub(r"[^0-9.]", "", text))
    return -number if negative else number


def parse_money(value: object) -> float | None:
    """``"$1,234.50"`` -> 1234.5; numbers pass through; None when not an amount."""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return None if pd.isna(value) else float(value)
    return _money(str(value).strip())


def clean_code(value: object) -> str:
    """Upper-case, strip spaces; restore the leading zeros a spreadsheet dropped (``100`` -> ``00100``)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().upper()
    numeric = _NUMERIC_CODE.match(text)
    if numeric:
        text = numeric.group(1)
    if text.isdigit() and len(text) < 5:
        text = text.zfill(5)
    return text


@functools.lru_cache(maxsize=65536)
def _code_info(text: str) -> tuple[str, bool]:
    """(cleaned code, whether it is a CPT/HCPCS code), cached: every payer lists the same codes."""
    code = clean_code(text)
    return code, bool(_CODE.match(code))


def is_total(text: str) -> bool:
    """True for the code cell of a totals row ("Total", "Grand Total", "Totals:")."""
    text = text.strip()
    return bool(text) and text[0] in "GgSsTt" and bool(_TOTAL.match(text))


def is_numeric_code(text: str) -> bool:
    """True for a code a spreadsheet saved as a number with decimals (``99213.0``)."""
    return bool(_NUMERIC_CODE.match(text.strip()))


def not_priced(text: str) -> bool:
    """True for a rate such as ``N/A``, ``Not covered``, ``BR`` or ``By report`` (:data:`NOT_PRICED_WORDS`)."""
    return _header_key(text) in NOT_PRICED_WORDS


def split_modifiers(mods: list[str]) -> tuple[str, str, str | None]:
    """A row's modifier cells -> (pricing modifier, the others joined by ", ", error or None).

    At most one pricing modifier (:data:`PRICING_MODIFIERS`) per row; the others keep their order.
    """
    found = [m.upper() for m in mods if m]
    pricing = [m for m in found if m in PRICING_MODIFIERS]
    others = [m for m in found if m not in PRICING_MODIFIERS]
    if len(set(pricing)) > 1:
        return pricing[0], ", ".join(others), f"the row has two pricing modifiers ({', '.join(pricing)})"
    return (pricing[0] if pricing else ""), ", ".join(others), None


def parse_setting(value: object) -> str | None:
    """Place of service or setting text -> ``"nonfacility"``, ``"facility"``, ``""`` (both) or None (unknown).

    ``11``/``office`` -> non-facility; ``hospital``, ``facility``, ``ASC`` and the facility POS codes
    of :data:`FACILITY_POS` (19, 21, 22, 23, 24, ...) -> facility; any other 2-digit POS ->
    non-facility (CMS pays the non-facility amount there); empty -> ``""``.
    """
    text = _header_key(value)
    if text == "":
        return ""
    if " " in text and all(part.isdigit() and len(part) <= 2 for part in text.split()):
        # a place-of-service list ("11,22", "19; 22"): its one setting, or both settings
        found = {"facility" if part.zfill(2) in FACILITY_POS else "nonfacility" for part in text.split()}
        return found.pop() if len(found) == 1 else ""
    if text.isdigit() and len(text) <= 2:
        return "facility" if text.zfill(2) in FACILITY_POS else "nonfacility"
    return _SETTING_WORDS.get(text)


def _percent_e4(text: str) -> int | None:
    """``"117.5"`` -> 1_175_000 (the percent in units of 1/10,000 %), exact; None beyond 4 decimals."""
    try:
        scaled = Decimal(text) * 10000
    except InvalidOperation:
        return None
    return int(scaled) if scaled == scaled.to_integral_value() else None


def _rate_cell(text: str) -> tuple[str, float | None, str]:
    """Classify a rate cell: ("money", amount, "") / ("pct", percent, year) / ("blank"|"bare_pct"|"bad", None, "")."""
    if text == "":
        return "blank", None, ""
    amount = _money(text)
    if amount is not None:
        return "money", amount, ""
    m = _PCT_OF_MEDICARE.match(text)
    if m:
        return "pct", float(m.group("pct")), m.group("year") or ""
    if not_priced(text):
        return "not_priced", None, ""
    if _BARE_PCT.match(text):
        return "bare_pct", None, ""
    return "bad", None, ""


def _pct_cell(text: str) -> tuple[str, float | None]:
    """A ``% of Medicare`` cell: ``120%``, ``120`` (percent) or ``1.2`` (a multiple, below 5)."""
    if text == "":
        return "blank", None
    m = _PCT_CELL.match(text.replace(" ", ""))
    if not m:
        m2 = _PCT_OF_MEDICARE.match(text)
        return ("pct", float(m2.group("pct"))) if m2 else ("bad", None)
    number = Decimal(m.group("num"))
    if m.group("sign"):
        return "pct", float(number)
    if number < 5:
        return "pct", float(number * 100)
    if number < 10:
        return "ambiguous", None
    return "pct", float(number)


def _cell_text(value: object) -> str:
    """A spreadsheet cell as text: integers without ``.0``, dates as ISO, empty for blanks."""
    if isinstance(value, str):
        return value.strip()
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.date().isoformat() if (value.hour, value.minute, value.second) == (0, 0, 0) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _text(column: pd.Series) -> pd.Series:
    """Cells as stripped ``str`` (no NaN), cleaned once per distinct value."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    texts = np.array([_cell_text(u) for u in np.asarray(uniques, dtype=object)] + [""], dtype=object)
    return pd.Series(texts[codes], index=column.index, dtype="str")


def _per_unique(column: pd.Series, fn) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``fn`` to each distinct value: returns (codes, results as object array)."""
    codes, uniques = pd.factorize(column)
    return codes, np.array([fn(u) for u in np.asarray(uniques, dtype=object)] + [None], dtype=object)


def _rate_cells(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_rate_cell` for many distinct texts at once: (kind, amount, year) arrays.

    Amounts are parsed with vectorised string operations; only cells that are not amounts go
    through the percent-of-Medicare patterns one by one (they are few).
    """
    cells = pd.Series(texts, dtype=object)
    kind = np.full(len(cells), "bad", dtype=object)
    amount = np.full(len(cells), np.nan)
    year = np.full(len(cells), "", dtype=object)
    blank = (cells == "").to_numpy()
    money = cells.str.match(_MONEY).fillna(False).to_numpy(dtype=bool) & ~blank
    worded = ~money & ~blank  # "120.00 USD", "USD 95": only these few go through the currency pattern
    if worded.any():
        cells = cells.copy()
        cells[worded] = cells[worded].str.replace(_CURRENCY, "", regex=True)
        money[worded] = cells[worded].str.match(_MONEY).fillna(False).to_numpy(dtype=bool)
    if money.any():
        m = cells[money]
        negative = ((m.str.startswith("(") & m.str.endswith(")")) | m.str.contains("-", regex=False)).to_numpy()
        number = pd.to_numeric(m.str.replace(r"[^0-9.]", "", regex=True), errors="coerce").to_numpy(dtype=float)
        amount[money] = np.where(negative, -number, number)
        kind[money] = "money"
    kind[blank] = "blank"
    for i in np.flatnonzero(~money & ~blank):
        kind[i], value, year[i] = _rate_cell(texts[i])
        amount[i] = np.nan if value is None else value
    return kind, amount, year
