"""Elements of many segments at once: split, picked by position, read as text, cents, numbers and dates.

The parser never loops over segments in Python. A block's segments are one Arrow array; splitting it on the
element separator gives every element of every segment in one flat array with offsets, and element ``j`` of
any set of segments is one ``take``. Amounts become integer cents (X12 amounts carry at most two decimals;
``rint(x * 100)`` of the parsed double is exact far beyond any remittance's totals).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"


class Elements:
    """The ``sep``-separated parts of each value of ``values`` (a binary array), addressable by position.

    ``get(rows, j)`` is part ``j`` (0-based) of the values at ``rows``, as binary; a part a value does not
    have, and a row of -1, give ``b""``.
    """

    def __init__(self, values: pa.Array | None, sep: bytes = b""):
        if values is None:  # filled by from_block
            return
        lists = pc.split_pattern(values, pattern=sep)
        offsets = np.asarray(lists.offsets, dtype=np.int64)
        self.offsets, self.count = offsets[:-1], np.diff(offsets)
        flat = lists.values
        self.missing = len(flat)
        self.flat = pa.concat_arrays([flat, pa.array([b""], flat.type)])

    @classmethod
    def from_block(cls, block: bytes, terminator: bytes, sep: bytes) -> Elements:
        """The non-empty segments of ``block`` (ended by ``terminator``), split on ``sep``, without copying twice.

        Every delimiter's position is found with numpy; the element bytes are the block less its delimiters,
        and each element's offsets follow from the positions (element ``k`` ends at delimiter ``k``, with
        ``k`` delimiters removed before it).
        """
        raw = np.frombuffer(block, dtype=np.uint8)
        is_term = raw == terminator[0]
        delim = is_term | (raw == sep[0])
        if len(raw) and not delim[-1]:  # a last segment without its terminator
            raw = np.append(raw, np.uint8(terminator[0]))
            is_term, delim = np.append(is_term, True), np.append(delim, True)
        at = np.flatnonzero(delim)
        ends = at - np.arange(len(at))
        offsets = np.concatenate([[0], ends, ends[-1:] if len(ends) else [0]])  # + one empty element
        data = raw[~delim]
        big = len(data) >= 2**31
        flat = pa.Array.from_buffers(pa.large_binary() if big else pa.binary(), len(offsets) - 1,
                                     [None, pa.py_buffer(offsets.astype(np.int64 if big else np.int32)),
                                      pa.py_buffer(data)])
        seg_end = np.flatnonzero(is_term[at]) + 1  # element index just after each segment's last element
        starts = np.concatenate([[0], seg_end[:-1]])
        count = seg_end - starts
        length = np.diff(offsets)
        keep = ~((count == 1) & (length[starts] == 0))  # "~~" or a trailing line break: no segment
        self = cls(None)
        self.offsets, self.count, self.missing, self.flat = starts[keep], count[keep], len(offsets) - 2, flat
        return self

    def __len__(self) -> int:
        return len(self.count)

    def get(self, rows: np.ndarray, j: int) -> pa.Array:
        """Part ``j`` of the values at ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(self.count):
            return self.flat.take(np.full(len(rows), self.missing))
        ok = (rows >= 0) & (j < self.count[rows])
        index = self.offsets[rows] + j
        if not ok.all():
            index[~ok] = self.missing
        return self.flat.take(index)

    def first(self) -> pa.Array:
        """Part 0 of every value (a segment's id)."""
        return self.flat.take(self.offsets)


def _view(values: pa.Array) -> pa.Array:
    """Binary as string without validating UTF-8 (for numbers and dates: parsed, never shown)."""
    return values.view(pa.large_string() if values.type == pa.large_binary() else pa.string())


def text(values: pa.Array) -> pa.Array:
    """Binary values as text: UTF-8 where valid, else Latin-1 (X12's extended character set)."""
    try:
        return values.cast(pa.string())
    except pa.ArrowInvalid:
        return pa.array([None if v is None else v.decode("utf-8", "replace") for v in values.to_pylist()],
                        pa.string())


def equals(values: pa.Array, code: bytes) -> np.ndarray:
    """``values == code`` as a numpy bool array."""
    return np.asarray(pc.equal(values, pa.scalar(code, values.type)))


def is_in(values: pa.Array, codes: list[bytes]) -> np.ndarray:
    """``values in codes`` as a numpy bool array."""
    return np.asarray(pc.is_in(values, value_set=pa.array(codes, values.type)))


def present(values: pa.Array) -> np.ndarray:
    """True where the value is not empty."""
    return np.asarray(pc.binary_length(values)) > 0


def numbers(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(number, given, bad)``: each value as a float (NaN when empty or not a number), and the masks.

    ``bad`` marks values given but not a plain decimal number (``"1,000.00"``, ``"12O.00"``).
    """
    given = present(values)
    strings = _view(pc.if_else(pa.array(given), values, pa.scalar(None, values.type)))
    bad = np.zeros(len(values), dtype=bool)
    try:
        out = np.asarray(pc.cast(strings, pa.float64()).fill_null(np.nan), dtype=np.float64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        out = None
    if out is None or not np.isfinite(out[given]).all():
        ok = np.asarray(pc.match_substring_regex(strings, _NUMBER).fill_null(False))
        bad = given & ~ok
        strings = pc.if_else(pa.array(ok), strings, pa.scalar(None, pa.string()))
        out = np.asarray(pc.cast(strings, pa.float64()).fill_null(np.nan), dtype=np.float64)
    return out, given, bad


def cents(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(cents, given, bad)``: amounts as int64 cents (0 when empty or bad), and the masks of :func:`numbers`."""
    x, given, bad = numbers(values)
    return np.rint(np.nan_to_num(x, nan=0.0) * 100).astype(np.int64), given, bad


def dates(values: pa.Array) -> pa.Array:
    """``CCYYMMDD`` values as timestamps (null when empty or not a date)."""
    strings = _view(values)
    return pc.strptime(strings, format="%Y%m%d", unit="s", error_is_null=True)


def money_text(amounts: np.ndarray) -> pa.Array:
    """Integer cents as ``"-12.05"`` text."""
    amounts = np.asarray(amounts, dtype=np.int64)
    whole = pa.array(np.abs(amounts) // 100).cast(pa.string())
    frac = pc.utf8_lpad(pa.array(np.abs(amounts) % 100).cast(pa.string()), 2, "0")
    body = pc.binary_join_element_wise(whole, frac, ".")
    return pc.if_else(pa.array(amounts < 0), pc.binary_join_element_wise("", body, "-"), body)


def joined(parts: pa.Array, owner: np.ndarray, n: int, sep: str = "; ") -> pa.Array:
    """For each owner 0..n-1, its ``parts`` (in order) joined by ``sep``; ``""`` for an owner without any.

    ``owner`` must be sorted (non-decreasing), one per part.
    """
    counts = np.bincount(owner, minlength=n) if len(owner) else np.zeros(n, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    lists = pa.ListArray.from_arrays(pa.array(offsets), parts.cast(pa.string()))
    return pc.binary_join(lists, sep).fill_null("")


def forward(mask: np.ndarray) -> np.ndarray:
    """For each position, the index of the last True of ``mask`` at or before it (-1 before the first)."""
    return np.maximum.accumulate(np.where(mask, np.arange(len(mask)), -1)) if len(mask) else np.zeros(0, np.int64)


def first_per(owner: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """For each owner 0..n-1, the first of ``rows`` belonging to it (``owner[k]`` owns ``rows[k]``), else -1."""
    out = np.full(n, -1, dtype=np.int64)
    if len(rows):
        keep = owner >= 0
        owner, rows = owner[keep], rows[keep]
        uniq, at = np.unique(owner, return_index=True)
        out[uniq] = rows[at]
    return out


def sum_per(owner: np.ndarray, amounts: np.ndarray, n: int) -> np.ndarray:
    """Integer sums of ``amounts`` per owner 0..n-1 (owners of -1 left out)."""
    out = np.zeros(n, dtype=np.int64)
    keep = owner >= 0
    np.add.at(out, owner[keep], amounts[keep])
    return out
