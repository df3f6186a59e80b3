"""Writing output files so that nothing is ever half-written: a temporary file beside the target, then a rename.

Every report, notebook, workbook and manifest ratekit writes goes through :func:`atomic_path` (for writers
that want a path, such as a spreadsheet library) or :func:`atomic_write_text`. A crash or an error while
writing leaves the earlier file, or none, never a truncated one; the temporary file is removed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Mode of the files written: what ``open()`` would give (mkstemp's own is 0600).
FILE_MODE = 0o666 & ~_umask()


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; moved onto ``path`` when the block ends without an error.

    The folder is created when missing. The temporary file has ``path``'s suffix (so a writer that looks at
    it picks the right format) and the mode ``open()`` would give. On an error it is removed and the error
    raised again.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{path.suffix}")
    try:
        os.fchmod(fd, FILE_MODE)
        os.close(fd)
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, flushed to disk before the rename; returns ``path``."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    return path
