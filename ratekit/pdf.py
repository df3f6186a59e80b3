"""The report as PDF, printed by headless Chromium (``ratekit render --pdf``).

Chromium prints the rendered HTML with the report's print CSS (``templates/physician_report/static/report.css``:
a page break before each section, no chart or table row split across pages). Chromium is an optional
tool: :func:`find_chromium` says whether it is there, and :func:`html_to_pdf` raises a
:class:`~ratekit.errors.RatekitError` naming how to install it when it is not. The PDF is written to a temporary
file beside the target and moved into place, so a failed print leaves no half-written PDF.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .errors import Problem, RatekitError
from .files import atomic_path

#: Executables tried, in order, after ``RATEKIT_CHROMIUM``.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Seconds one print may take.
PRINT_TIMEOUT = 120.0
#: How to get it (the same package .ci/run installs).
INSTALL_HINT = "install Debian's `chromium` package (apt-get install -y chromium), or set RATEKIT_CHROMIUM"


def find_chromium() -> str | None:
    """The browser: ``RATEKIT_CHROMIUM`` if set (and executable), else the first of :data:`CHROMIUM_NAMES` on PATH."""
    chosen = os.environ.get("RATEKIT_CHROMIUM")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def html_to_pdf(html_path: str | Path, pdf_path: str | Path | None = None, *, chromium: str | None = None,
                timeout: float = PRINT_TIMEOUT) -> Path:
    """Print ``html_path`` to ``pdf_path`` (default: beside it, ``.pdf``) with headless Chromium.

    Raises
    ------
    RatekitError
        When Chromium is not installed, the HTML is missing, or the print fails or times out.
    """
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path) if pdf_path is not None else html_path.with_suffix(".pdf")
    if not html_path.is_file():
        raise RatekitError(Problem(str(html_path), "the report to print is missing", fix="render it first"))
    browser = chromium or find_chromium()
    if browser is None:
        raise RatekitError(Problem(str(pdf_path), "no PDF written: headless Chromium is not installed",
                                   fix=INSTALL_HINT))
    with atomic_path(pdf_path) as tmp:
        profile = tmp.with_suffix(".profile")
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
               "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000",
               f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", html_path.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise RatekitError(Problem(str(pdf_path), f"Chromium took over {timeout:.0f} s to print the report",
                                       fix="try again on a quieter machine")) from None
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        if done.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0 or \
                not tmp.read_bytes()[:5] == b"%PDF-":
            last = (done.stderr or "").strip().splitlines()[-1:] or ["no message"]
            raise RatekitError(Problem(str(pdf_path), f"Chromium could not print the report ({last[0][:200]})",
                                       fix=INSTALL_HINT))
    return pdf_path
