"""The batch path: render client reports in fresh kernels and export the physician HTML.

* :mod:`ratekit.render.batch` - one client or a batch: papermill in a fresh kernel per client, the
  reports folder and its ``manifest.json``;
* :mod:`ratekit.render.html` - the physician HTML export (nbconvert and the ``physician_report`` template);
* :mod:`ratekit.render.kernels` - fresh kernels over IPC, forked from a server that imported the libraries
  once (``_kernel_stub.py`` is the kernel command it launches).

The names below are imported on first use, not with the package: the fork server imports
``ratekit.render.kernels`` to start, and must not pay for nbformat, papermill or the client readers
(~1.5 s on this machine) before it imports what the kernels need.
"""

from __future__ import annotations

import importlib

#: Public name -> the module of this package that defines it.
_EXPORTS = {
    **dict.fromkeys(["CELL_TIMEOUT", "MANIFEST_NAME", "REPORT_NAME", "ClientResult", "RenderResult", "default_jobs",
                     "largest_first", "render_client", "render_clients", "report_dir", "report_metadata",
                     "write_manifest"], "batch"),
    **dict.fromkeys(["ANALYST_ONLY", "HIDDEN_TAGS", "TEMPLATE", "export_html", "mark_numeric_cells",
                     "table_of_contents"], "html"),
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
