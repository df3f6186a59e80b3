"""Byte-level JSON scanning for files too large to parse: buffered input, exact value ends, item splitting.

Private to :mod:`ratekit.market`. Two ways to find where a JSON item ends:

* **exact**: :func:`depth_scan` follows strings (with their escapes) and bracket depth over a window
  with numpy, resumable across chunks; used for the root's small values, the last item of an array, items
  larger than the look-ahead and anything irregular.
* **fast**: every item of an array is an object whose first key is the same (serialisers write a fixed
  key order), so the next item starts at the next ``{"<that key>"``. In valid JSON that byte pattern
  cannot occur inside a string (a ``"`` there is escaped), so each match is an object with that first key;
  when the key belongs to the item level only (``negotiation_arrangement`` does; ``billing_code`` also
  names the codes of a bundle), each match starts an item. :class:`Scanner` finds it with
  ``bytes.find`` (several GB/s) and checks that the bytes before it end the previous item (``}`` then
  ``,``); anything else falls back to the exact scan.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

try:
    from isal import igzip as _igzip
except ImportError:  # pragma: no cover - isal is a declared dependency
    import gzip as _igzip

#: Decompressed bytes read at a time.
CHUNK = 1 << 22
#: Bytes searched past an item's start for the next item before the exact scan takes over; also
#: how far memory grows for a skipped item of any size.
LOOKAHEAD = 1 << 25
_WS = re.compile(rb"[ \t\r\n]*")
_SCALAR = re.compile(rb"[^,\]}\s]*")
_WHITESPACE = b" \t\r\n"
_BETWEEN: dict[bytes, re.Pattern] = {}
_FIRST_KEY = re.compile(rb'\{[ \t\r\n]*("[^"\\]{1,64}")')


def gunzip(data: bytes) -> bytes:
    """Decompress a whole (small) gzip'd file."""
    return _igzip.decompress(data)


class ScanError(Exception):
    """Bad bytes at an absolute position of the (decompressed) JSON."""

    def __init__(self, message: str, position: int, fix: str = ""):
        super().__init__(message)
        self.message, self.position, self.fix = message, position, fix


class Source:
    """The decompressed bytes of a ``.json`` or gzip'd file (found by its magic bytes, not its name)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._raw = open(self.path, "rb")
        self.gzipped = self._raw.read(2) == b"\x1f\x8b"
        self._raw.seek(0)
        self._f = _igzip.GzipFile(fileobj=self._raw, mode="rb") if self.gzipped else self._raw
        self.read_bytes = 0

    def read(self) -> bytes:
        """The next chunk of JSON; ``b""`` at the end."""
        try:
            chunk = self._f.read1(CHUNK) if self.gzipped else self._f.read(CHUNK)
        except EOFError:
            raise ScanError("the gzip stream ends early: the file is truncated (an interrupted download?)",
                            self.read_bytes, "download the file again") from None
        except (OSError, ValueError) as exc:  # BadGzipFile, isal/zlib errors
            raise ScanError(f"the gzip data is corrupt ({exc})", self.read_bytes,
                            "download the file again") from None
        self.read_bytes += len(chunk)
        return chunk

    def close(self) -> None:
        if self._f is not self._raw:
            self._f.close()
        self._raw.close()


def _escaped(a: np.ndarray, first_escaped: bool) -> set[int]:
    """Positions (in ``a``) of bytes escaped by a backslash."""
    out: set[int] = {0} if first_escaped else set()
    for b in np.flatnonzero(a == 92).tolist():
        if b not in out:
            out.add(b + 1)
    return out


def depth_scan(buf: bytes, start: int, stop: int, state: list) -> int:
    """Follow strings and bracket depth over ``buf[start:stop]``; the index just after depth returns to 0.

    ``state`` is ``[depth, in_string, escaped]`` at ``start`` (``[0, 0, False]`` before a value) and is
    updated to the state at ``stop`` when the value does not end in the window; then -1 is returned.
    """
    depth, in_str, esc = state
    n = stop - start
    if n <= 0:
        return -1
    a = np.frombuffer(buf, dtype=np.uint8, count=n, offset=start)
    quotes = np.flatnonzero(a == 34)
    esc_out = False
    if esc or buf.find(b"\\", start, stop) != -1:
        escaped = _escaped(a, esc)
        esc_out = n in escaped
        if escaped and len(quotes):
            quotes = quotes[~np.isin(quotes, np.fromiter(escaped, dtype=np.int64, count=len(escaped)))]
    st = np.flatnonzero((a == 123) | (a == 125) | (a == 91) | (a == 93))
    if len(st) and (len(quotes) or in_str):
        st = st[((np.searchsorted(quotes, st) + in_str) & 1) == 0]
    in_str_out = (in_str + len(quotes)) & 1
    if len(st):
        vals = a[st]
        d = depth + np.cumsum(np.where((vals == 123) | (vals == 91), 1, -1))
        hit = np.flatnonzero(d <= 0)
        if len(hit):
            return start + int(st[hit[0]]) + 1
        depth = int(d[-1])
    state[:] = [depth, in_str_out, esc_out]
    return -1


class Scanner:
    """A window over the decompressed JSON: ``buf`` holds bytes from absolute offset ``base``; ``pos`` in it.

    Slices of ``buf`` handed out are ``bytearray`` copies (orjson, msgspec and pyarrow read them as bytes).
    """

    def __init__(self, source: Source):
        self.src = source
        # a bytearray: dropping consumed bytes from its front is O(1) and appending reuses its memory
        # (a new bytes object per chunk cost a third of the throughput)
        self.buf = bytearray()
        self.pos = 0
        self.base = 0
        self.eof = False

    # -- input --------------------------------------------------------------------------------------
    def fill(self) -> int:
        """Read one more chunk, dropping the bytes before ``pos``; return how far indices shifted (-1 at end)."""
        if self.eof:
            return -1
        chunk = self.src.read()
        if not chunk:
            self.eof = True
            return -1
        shift = self.pos
        if shift:
            self.base += shift
            del self.buf[:shift]
            self.pos = 0
        self.buf += chunk
        return shift

    def at(self, i: int) -> int:
        """Absolute position of buffer index ``i``."""
        return self.base + i

    def peek(self) -> int | None:
        """The next non-whitespace byte (``pos`` moved to it), None at the end of input."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.fill() < 0:
                return None

    def expect(self, byte: bytes, what: str) -> None:
        c = self.peek()
        if c != byte[0]:
            found = "the end of the file" if c is None else repr(chr(c))
            raise ScanError(f"invalid JSON: expected {byte.decode()!r} {what}, found {found}", self.at(self.pos),
                            "the file is damaged or not JSON; download it again")
        self.pos += 1

    # -- exact value ends ---------------------------------------------------------------------------
    def value_end(self, start: int, *, keep: bool = True) -> int:
        """Index just after the JSON value starting at ``buf[start]`` (reading more as needed).

        With ``keep=False`` the value's bytes are dropped as they are scanned (memory stays flat for a
        skipped value of any size); the value's bytes are then no longer in ``buf`` and the returned
        index is where the next byte is.
        """
        self.pos = start
        c = self.buf[start]
        if c == 34:  # string
            j = start + 1
            while True:
                j = self.buf.find(b'"', j)
                if j < 0:
                    j = len(self.buf)
                    shift = self.fill()
                    if shift < 0:
                        raise self._truncated(start, "a string")
                    start -= shift
                    j -= shift
                    continue
                k = j - 1
                while self.buf[k] == 92:
                    k -= 1
                if (j - 1 - k) % 2 == 0:
                    return j + 1
                j += 1
        if c in (123, 91):
            state = [0, 0, False]
            scanned = start
            window = 1 << 16
            while True:
                stop = min(len(self.buf), scanned + window)
                end = depth_scan(self.buf, scanned, stop, state)
                if end >= 0:
                    return end
                scanned = stop
                window = min(window * 4, 1 << 24)
                if scanned < len(self.buf):
                    continue
                if not keep:  # drop what was scanned
                    self.pos = scanned
                shift = self.fill()
                if shift < 0:
                    raise self._truncated(start if keep else scanned, "an object or array")
                start -= shift
                scanned -= shift
        while True:  # number, true, false, null
            m = _SCALAR.match(self.buf, start)
            if m.end() < len(self.buf) or self.eof:
                if m.end() == start:
                    raise ScanError(f"invalid JSON: unexpected {chr(c)!r}", self.at(start),
                                    "the file is damaged or not JSON; download it again")
                return m.end()
            shift = self.fill()
            start -= max(shift, 0)

    def _truncated(self, start: int, what: str) -> ScanError:
        return ScanError(f"the JSON ends inside {what} that starts at byte {self.at(start):,}: the file is "
                         "truncated", self.at(len(self.buf)), "download the file again")

    def read_value(self) -> bytes:
        """The raw bytes of the next JSON value (``pos`` moves past it)."""
        if self.peek() is None:
            raise ScanError("the JSON ends where a value was expected: the file is truncated", self.at(self.pos),
                            "download the file again")
        start = self.pos
        end = self.value_end(start)
        start = self.pos  # value_end may have shifted the buffer
        self.pos = end
        return self.buf[start:end]

    def skip_value(self) -> None:
        """Move past the next JSON value without keeping it."""
        if self.peek() is None:
            raise ScanError("the JSON ends where a value was expected: the file is truncated", self.at(self.pos),
                            "download the file again")
        self.pos = self.value_end(self.pos, keep=False)

    def read_key(self) -> str:
        """The next object key (a short string) and the ``:`` after it."""
        if self.peek() != 34:
            raise ScanError("invalid JSON: expected a quoted key", self.at(self.pos),
                            "the file is damaged or not JSON; download it again")
        raw = self.read_value()
        self.expect(b":", "after a key")
        try:
            return raw[1:-1].decode("utf-8")
        except UnicodeDecodeError:
            return raw[1:-1].decode("latin-1")

    # -- arrays of objects --------------------------------------------------------------------------
    def first_key(self) -> bytes | None:
        """The first key of the object at ``pos`` (a ``{``), as its quoted bytes, without consuming anything."""
        while True:
            m = _FIRST_KEY.match(self.buf, self.pos)
            if m:
                return m.group(1)
            if len(self.buf) - self.pos > 256 or self.fill() < 0:
                return None

    def _next_item(self, anchor: bytes, frm: int) -> tuple[int, bool]:
        """Index of the ``{`` of the next object whose first key is ``anchor`` (-1 when not in the buffer).

        The second value is True when ``anchor`` was found as a later key of an object: the items do
        not all start with it, and the exact scan must take over.
        """
        buf = self.buf
        while True:
            j = buf.find(anchor, frm)
            if j < 0:
                return -1, False
            k = j - 1
            while k >= 0 and buf[k] in _WHITESPACE:
                k -= 1
            if k >= 0 and buf[k] == 123:
                return k, False
            if k >= 0 and buf[k] == 44:
                return -1, True
            frm = j + 1  # the key's name as a string value

    def split_item(self, anchor: bytes) -> int:
        """Index just after the object item at ``pos`` by the fast split, or -1 when the exact scan must decide.

        Reads ahead up to :data:`LOOKAHEAD`; ``pos`` may shift (it stays at the item's ``{``).
        """
        s = self.pos
        frm = -1  # where to look for the next item: after this item's own first key
        while True:
            if frm < 0:
                own = self.buf.find(anchor, s, s + 256)
                t, irregular = -1, False
                if own >= 0:
                    frm = own + len(anchor)
            if frm >= 0:
                t, irregular = self._next_item(anchor, frm)
            if t >= 0:
                k = t - 1
                buf = self.buf
                while buf[k] in _WHITESPACE:
                    k -= 1
                if buf[k] != 44:
                    return -1
                k -= 1
                while buf[k] in _WHITESPACE:
                    k -= 1
                return k + 1 if buf[k] == 125 else -1
            if irregular or self.eof or len(self.buf) - s >= LOOKAHEAD:
                return -1
            if frm >= 0:
                frm = max(frm, len(self.buf) - len(anchor))
            shift = self.fill()
            if shift < 0:
                return -1
            s -= shift
            if frm >= 0:
                frm -= shift

    def bulk_items(self, anchor: bytes) -> list[tuple[int, int]]:
        """``(start, end)`` of the complete object items from ``pos`` on that the buffer holds (for small items).

        One regex pass finds every ``}`` ``,`` ``{"<anchor>"`` between items; the items before the last
        such start are complete. Empty when the bytes are not that regular (the per-item split decides).
        """
        between = _BETWEEN.get(anchor)
        if between is None:
            between = _BETWEEN[anchor] = re.compile(
                rb"\}[ \t\r\n]*,[ \t\r\n]*(\{[ \t\r\n]*" + re.escape(anchor) + rb")")
        spans = []
        start = self.pos
        for m in between.finditer(self.buf, self.pos):
            spans.append((start, m.start() + 1))
            start = m.start(1)
        if len(spans) < 2 or self.buf.count(anchor, self.pos, start) != len(spans):
            return []
        return spans
