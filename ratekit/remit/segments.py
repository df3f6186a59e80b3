"""An X12 file read as blocks of whole transactions: its separators (from ISA, or from a bare ST) and its bytes.

The file is read in chunks (:data:`CHUNK` bytes); each block handed on ends just after an ``SE`` segment, so it
holds whole ST...SE transactions only, and memory stays flat in the file's size (a single transaction larger
than a chunk is held whole). Line breaks between segments are dropped (they are not X12 data), unless the line
break is itself the segment terminator.

Nothing here quotes file content in a message beyond separator bytes and segment ids: an 835 carries
patient names (NM1*QC, NM1*IL), which must never reach an error or a log.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem

#: Bytes read at a time. A block handed to the parser is about this size (whole transactions).
CHUNK = 8 << 20

_ALNUM = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


@dataclass(frozen=True)
class Separators:
    """The delimiters of one X12 file.

    Parameters
    ----------
    element, component, segment : bytes
        One byte each: between elements (ISA byte 4), between the components of a composite (ISA16) and
        after each segment (the byte after ISA16).
    envelope : bool
        True when the file opens with an ISA interchange header; False for a bare ST...SE transaction set
        (separators then read from the ST segment, the component separator from the first SVC, ``:`` and
        ``~`` by default).
    """

    element: bytes
    component: bytes
    segment: bytes
    envelope: bool


def _show(byte: bytes) -> str:
    return repr(byte.decode("latin-1"))


def detect(head: bytes, file: str) -> Separators | Problem:
    """The separators of a file from its first bytes, or the :class:`Problem` that says why they cannot be read.

    ``head`` is the start of the file (a few kilobytes are enough).
    """
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        return Problem(file, "the file is empty", fix="check that the whole 835 file was copied")
    if text.startswith(b"ISA"):
        return _from_isa(text, file)
    if text.startswith(b"ST") and len(text) > 3 and text[2] not in _ALNUM:
        return _from_st(text, file)
    return Problem(file, "not an X12 file: it starts with neither an ISA interchange header nor an ST segment",
                   fix="give the 835 remittance file itself (ASC X12 005010X221A1), not a report or a PDF of it")


def _from_isa(text: bytes, file: str) -> Separators | Problem:
    element = text[3:4]
    bad = Problem(file, "segment 1 (ISA): the interchange header is not the 106 characters X12 prescribes, so its "
                        "separators cannot be read", fix="the file may be damaged or re-saved by an editor; ask "
                                                         "the payer or clearinghouse for the original file")
    if not element or element[0] in _ALNUM or element in b" \r\n":
        return bad
    # The 16th element separator precedes ISA16 (the component separator); the next byte ends the segment.
    at = -1
    for _ in range(16):
        at = text.find(element, at + 1)
        if at < 0:
            return bad
    component, segment = text[at + 1:at + 2], text[at + 2:at + 3]
    if not component or not segment:
        return bad
    if len({element, component, segment}) < 3 or component[0] in _ALNUM or segment[0] in _ALNUM:
        return Problem(file, f"segment 1 (ISA): the separators it declares (element {_show(element)}, component "
                             f"{_show(component)}, segment terminator {_show(segment)}) are not three distinct "
                             "non-alphanumeric characters", fix="ask the payer or clearinghouse for the original file")
    rest = text[at + 3:].replace(b"\r", b"").replace(b"\n", b"") if segment not in b"\r\n" else text[at + 3:]
    if not rest.startswith(b"GS" + element) or (segment + b"ST" + element) not in rest[:2048]:
        return Problem(file, f"segment 2: after the ISA header the file does not go on with a GS segment ended by "
                             f"the terminator ISA declares ({_show(segment)}): the file uses other separators than "
                             "its header says", fix="ask the payer or clearinghouse for the original file")
    return Separators(element, component, segment, envelope=True)


def _from_st(text: bytes, file: str) -> Separators | Problem:
    element = text[2:3]
    segment = b"~"
    for i in range(3, min(len(text), 64)):
        byte = text[i:i + 1]
        if byte[0] not in _ALNUM and byte != element and byte != b" ":
            segment = byte
            break
    if segment == element:
        return Problem(file, "segment 1 (ST): no segment terminator found", fix="ask for the original 835 file")
    component = b":"
    at = text.find(segment + b"SVC" + element)
    if at >= 0:
        q = at + 5 + len(element) - 1
        candidate = text[q + 2:q + 3]
        if candidate and candidate[0] not in _ALNUM and candidate not in (element, segment):
            component = candidate
    return Separators(element, component, segment, envelope=False)


def blocks(path: Path, seps: Separators, *, chunk: int = CHUNK) -> Iterator[bytes]:
    """The file's bytes as blocks of whole ST...SE transactions (the last block holds whatever follows).

    Line breaks are removed (unless one is the segment terminator). The last block may end in a transaction
    without its SE (a truncated file) and holds the closing GE / IEA segments.
    """
    drop = [c for c in (b"\r", b"\n") if c != seps.segment]
    marker = seps.segment + b"SE" + seps.element
    buf = bytearray()
    with open(path, "rb") as fh:
        while True:
            data = fh.read(chunk)
            if not data:
                break
            for c in drop:
                data = data.replace(c, b"")
            searched_from = max(0, len(buf) - 256)  # an SE cut by the previous chunk
            buf += data
            cut = _cut(buf, marker, seps.segment, searched_from)
            if cut == len(buf):
                yield bytes(buf)
                buf = bytearray()
            elif cut:
                with memoryview(buf) as view:
                    block = bytes(view[:cut])
                yield block
                del buf[:cut]
    if buf:
        yield bytes(buf)


def _cut(buf: bytearray, marker: bytes, terminator: bytes, lo: int) -> int:
    """The index just after the last complete SE segment found at or after ``lo``, else 0."""
    at = len(buf)
    while True:
        at = buf.rfind(marker, lo, at)
        if at < 0:
            return 0
        end = buf.find(terminator, at + len(marker))
        if end >= 0:
            return end + 1
