"""``python -m ratekit.build [STEP ...]``: run ``build()`` of every step module in ratekit.build, or of the named ones.

The steps are the package's modules (found with :mod:`pkgutil`, run in name order), so a new step joins
by adding a module with a ``build()`` callable without arguments that returns the paths it wrote. They
read the raw public files under ``config.PUBLIC_DATA_DIR`` (``RATEKIT_PUBLIC_DATA``) and write
``data/reference/``; ``make reference`` runs them all.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from .. import build as package
from ..errors import RatekitError


def steps() -> list[str]:
    """The build steps: every module of ``ratekit.build`` whose name does not start with ``_``, sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    """Run the named steps (default: all); print each file written with its size. Exit 1 when a step fails."""
    known = steps()
    parser = argparse.ArgumentParser(prog="python -m ratekit.build", description=package.__doc__.split(":")[0] + ".")
    parser.add_argument("steps", nargs="*", metavar="STEP", help=f"a step to run (default: all of {', '.join(known)})")
    args = parser.parse_args(argv)
    unknown = [s for s in args.steps if s not in known]
    if unknown:
        parser.error(f"unknown step(s) {', '.join(unknown)}; the steps are {', '.join(known)}")
    for name in args.steps or known:
        module = importlib.import_module(f"{package.__name__}.{name}")
        try:
            written = module.build()
        except (OSError, ValueError, RatekitError) as exc:  # a missing or changed raw file: say which, no traceback
            print(f"error: build step {name!r}: {exc}", file=sys.stderr)
            return 1
        for path in written or []:
            print(f"{path.stat().st_size:>9,d}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
