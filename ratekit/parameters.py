"""Parameters as people type them, checked by one validator for papermill, the CLI, client.yaml and the widgets.

* A percent of Medicare is a percent: ``130``, ``130.5``, ``"130%"`` all mean 130% (:func:`percent_of_medicare`).
  Below 30% or above 500% of Medicare it is refused with the fix: no payer pays 1.3% of Medicare, and
  ``1.3`` is the usual slip for 130%.
* A benchmark name is matched without regard to case, spacing or dashes (:func:`benchmark_name`).
* A relative ``clients_root`` is a folder under the project folder (the one holding README.md), whatever the
  kernel's working directory; the error names the full path tried (:func:`clients_root`).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import config
from .errors import Problem, RatekitError

#: Plausible percents of Medicare: below or above these a value is a slip (a multiple, an extra zero).
MIN_PCT, MAX_PCT = 30, 500
#: What payers can be brought up to (the same tuple as :data:`ratekit.benchmark.BENCHMARKS`).
BENCHMARKS: tuple[str, ...] = ("median", "best", "mean_of_others", "target")

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*$")


def percent_of_medicare(value: object, *, name: str = "target_pct_of_medicare", where: str = "(parameters)",
                        low: float = MIN_PCT, high: float = MAX_PCT) -> float:
    """``130``, ``"130%"``, ``130.5`` -> the percent (130.0); raise RatekitError outside ``low``-``high``.

    Parameters
    ----------
    value : number or str
    name, where : str
        The parameter and where it was given, for the error.
    low, high : number
        Plausible bounds, in percent (default 30 and 500).
    """
    text = str(value).strip() if not isinstance(value, bool) else ""
    match = _PERCENT.match(text)
    number = None
    if match:
        try:
            number = Decimal(match.group(1))
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            number = None
    if number is None:
        raise RatekitError(Problem(where, f"{name} must be a percent of Medicare", column=name, value=value,
                                   fix="write it as a percent, e.g. 130 or 130% for 130% of Medicare"))
    if not low <= number <= high:
        times = float(number) * 100
        hint = f"; {value} looks like a multiple: write {times:g} for {times:g}% of Medicare" if number < 10 else ""
        raise RatekitError(Problem(where, f"{number:g}% of Medicare is not a plausible rate (ratekit takes "
                                          f"{low:g}% to {high:g}%)", column=name, value=value,
                                   fix=f"write the percent, e.g. 130 for 130% of Medicare{hint}"))
    return float(number)


def benchmark_name(value: object, *, where: str = "(parameters)") -> str:
    """``"Median"``, ``"mean of others"``, ``"Mean-Of-Others"`` -> the benchmark's name; RatekitError if none."""
    key = re.sub(r"[\s\-]+", "_", str(value).strip().lower())
    if key not in BENCHMARKS:
        raise RatekitError(Problem(where, f"benchmark must be one of {', '.join(BENCHMARKS)}", column="benchmark",
                                   value=value, fix='e.g. -p benchmark median (case does not matter)'))
    return key


def clients_root(value: object, *, where: str = "(parameters)") -> Path | None:
    """``""`` -> None (the committed sample); a relative path -> under the project folder; must be a folder."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    path = Path(text).expanduser()
    path = (path if path.is_absolute() else config.PROJECT_ROOT / path).resolve()
    if not path.is_dir():
        raise RatekitError(Problem(where, "clients_root is not a folder", column="clients_root", value=str(path),
                                   fix="give the folder holding the client folders: absolute, or relative to "
                                       f"{config.PROJECT_ROOT}"))
    return path
