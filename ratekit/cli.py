"""``ratekit`` command line: parse arguments, call one library function, print.

The CLI never does anything the Python API cannot; every command is a thin
wrapper over one function, and input problems are printed without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import Problem, RatekitError

# jsonschema (which nbformat and papermill use) imports rfc3987-syntax when it is installed, as JupyterLab's
# dependencies install it, only to check "iri" string formats, which no notebook schema has. That import
# builds a grammar and costs ~1.2 s of every `ratekit` command's start; in this process it is left out.
sys.modules.setdefault("rfc3987_syntax", None)


def _cmd_medicare(args: argparse.Namespace) -> int:
    from . import medicare

    if args.locality is None and args.zip is None:
        raise RatekitError(Problem("ratekit medicare", "give --locality MAC-LL or --zip ZIP",
                                   fix="e.g. --zip 94110; to check CMS's payment files: "
                                       "ratekit medicare reconcile FILE"))
    table = medicare.medicare_table(
        release=args.release, year=args.year, locality=args.locality, zip_code=args.zip, codes=args.codes
    )
    medicare.write_csv(table, sys.stdout)
    return 0


def _cmd_medicare_reconcile(args: argparse.Namespace) -> int:
    from . import medicare

    result = medicare.reconcile(args.files, release=args.reconcile_release or args.release, show=args.show)
    print(result.text())
    return 0 if result.ok else 1


def _cmd_sample(args: argparse.Namespace) -> int:
    from . import sample

    written = sample.write_sample(args.out, clients=args.clients, seed=args.seed)
    for path in written:
        print(path)
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from . import render

    if not args.all and not args.client_ids:
        raise RatekitError("name one or more client ids, or pass --all")
    result = render.render_clients(
        None if args.all else args.client_ids, root=args.root, out=args.out, jobs=args.jobs,
        timeout=args.timeout, preload=args.preload,
    )
    if getattr(args, "pdf", False):
        _print_pdfs(result)
    return 0 if result.ok else 1


def _print_pdfs(result) -> None:
    """``render --pdf``: each rendered report also as PDF, or one plain line saying why not."""
    from . import pdf

    if pdf.find_chromium() is None:
        print(f"pdf    skipped: headless Chromium is not installed; {pdf.INSTALL_HINT}", file=sys.stderr)
        return
    for c in result.clients:
        if c.status == "ok" and c.html:
            try:
                print(f"pdf    {c.client_id}: {pdf.html_to_pdf(c.html)}")
            except RatekitError as err:
                print(f"pdf    {c.client_id}: {err}", file=sys.stderr)


def _cmd_validate(args: argparse.Namespace) -> int:
    from . import validate

    report = validate.validate_client_dir(args.client_dir)
    print(report.text(every=args.all))
    return 0 if report.ok else 1


def _cmd_export(args: argparse.Namespace) -> int:
    from . import export

    path = export.export_client(args.client_id, root=args.root, out=args.out)
    print(path)
    return 0


def _cmd_market_ingest(args: argparse.Namespace) -> int:
    from .market import ingest

    report = ingest.ingest(args.files, args.out, codes=args.codes, client=args.client, npi_file=args.npi_file,
                           tins=args.tin, networks=args.network, billing_class=args.billing_class,
                           as_of=args.as_of, validate=args.validate)
    print(report.text())
    return 0 if report.ok else 1


def _cmd_market_summarize(args: argparse.Namespace) -> int:
    from .market import summarize

    table = summarize.summarize(args.folder, client=args.client, locality_id=args.locality, release=args.release,
                                nppes=args.nppes, specialty=args.specialty, state=args.state, zip3=args.zip3,
                                place=args.place, include_outliers=args.include_outliers)
    summarize.write_csv(table, args.csv or sys.stdout)
    return 0


def _cmd_remit_read(args: argparse.Namespace) -> int:
    from . import export, remit

    result = remit.read_remittances(args.files)
    for problem in result.problems:
        print(problem, file=sys.stderr)
    print(export.write_table(result.lines, args.out))
    return 0 if result.ok else 1


def _cmd_remit_check(args: argparse.Namespace) -> int:
    from . import remit

    result = remit.read_remittances(args.files)
    print(result.text())
    return 0 if result.ok and result.balanced else 1


def _add_remit(sub) -> None:
    """``ratekit remit read`` and ``ratekit remit check``."""
    remit = sub.add_parser("remit", help="electronic remittances (X12 835)")
    rsub = remit.add_subparsers(dest="remit_command", required=True)
    p = rsub.add_parser("read", help="one row per service line, to Parquet or formula-safe CSV")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--out", type=Path, required=True, help="lines.parquet or lines.csv")
    p.set_defaults(func=_cmd_remit_read)
    p = rsub.add_parser("check", help="balance lines, claims and payments; exit 1 when anything does not")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.set_defaults(func=_cmd_remit_check)


def _add_market(sub) -> None:
    """``ratekit market ingest`` and ``ratekit market summarize``."""
    market = sub.add_parser("market", help="market rates from payers' Transparency-in-Coverage files")
    msub = market.add_subparsers(dest="market_command", required=True)
    p = msub.add_parser("ingest", help="stream in-network files (.json/.json.gz) into Parquet datasets")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--client", type=Path, help="client folder: keep the codes of its fee schedules and utilization")
    which.add_argument("--codes", nargs="+", help="billing codes to keep")
    p.add_argument("--npi-file", type=Path, default=None,
                   help="keep only the NPIs listed (one a line, or an NPI column)")
    p.add_argument("--tin", nargs="+", default=None, help="keep only these TINs")
    p.add_argument("--network", nargs="+", default=None, help="keep only these network names")
    p.add_argument("--billing-class", choices=("professional", "both"), default="professional",
                   help="professional (and 'both') prices only, or institutional too")
    p.add_argument("--as-of", default=None, help="drop prices expired before this date, YYYY-MM-DD (default today)")
    p.add_argument("--validate", action="store_true", help="check the JSON of skipped items too (slower)")
    p.add_argument("--out", type=Path, required=True, help="folder of datasets (one per file)")
    p.set_defaults(func=_cmd_market_ingest)

    p = msub.add_parser("summarize", help="per payer, code, modifier and setting: TINs, p10-p90, % of Medicare (CSV)")
    p.add_argument("folder", type=Path, metavar="DIR")
    p.add_argument("--client", type=Path, default=None, help="client folder: its locality, release, state, specialty")
    p.add_argument("--locality", default=None, help="Medicare locality MAC-LL (without --client)")
    p.add_argument("--release", default=None, help="PFS release, e.g. 2025D (without --client)")
    p.add_argument("--nppes", type=Path, default=None, help="NPPES extract: limit to the place and specialty")
    p.add_argument("--place", choices=("state", "zip3"), default="state", help="with --client and --nppes")
    p.add_argument("--specialty", default=None, help="with --nppes, without --client")
    p.add_argument("--state", default=None, help="with --nppes, without --client")
    p.add_argument("--zip3", default=None, help="with --nppes, without --client")
    p.add_argument("--include-outliers", action="store_true", help="keep rates beyond 5x / below 0.2x Medicare")
    p.add_argument("--csv", type=Path, default=None, help="write the CSV here (default: standard output)")
    p.set_defaults(func=_cmd_market_summarize)


def build_parser() -> argparse.ArgumentParser:
    """The ``ratekit`` argument parser (one sub-command per library entry point)."""
    parser = argparse.ArgumentParser(prog="ratekit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("render", help="render client reports to HTML (executed notebook beside it)")
    p.add_argument("client_ids", nargs="*", metavar="CLIENT_ID")
    p.add_argument("--all", action="store_true", help="every client under --root")
    p.add_argument("--root", type=Path, default=None, help="folder of client folders (default: the sample)")
    p.add_argument("--out", type=Path, default=None, help="reports folder (default: reports/)")
    p.add_argument("--jobs", type=int, default=None, help="clients rendered in parallel (default: cores)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="seconds one notebook cell may run (default: 300)")
    p.add_argument("--no-preload", dest="preload", action="store_false",
                   help="start each client's kernel the ordinary way, not forked from a preloaded server")
    p.add_argument("--pdf", action="store_true",
                   help="also print each report to PDF with headless Chromium (says so when it is not installed)")
    p.set_defaults(func=_cmd_render)

    p = sub.add_parser("validate", help="list every problem in a client folder; exit 1 on errors")
    p.add_argument("client_dir", type=Path)
    p.add_argument("--all", action="store_true", help="list every warning, not one line per kind of warning per file")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("medicare", help="Medicare PFS amounts as CSV")
    p.add_argument("--release", default=None, help="e.g. 2025A (default: newest of --year)")
    p.add_argument("--year", type=int, default=None, help="newest release of this year")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--locality", help="MAC-LL, e.g. 01112-05 (one of --locality and --zip is required)")
    where.add_argument("--zip", help="5-digit ZIP code")
    p.add_argument("--codes", nargs="*", default=None, help="HCPCS codes (default: all)")
    p.set_defaults(func=_cmd_medicare)
    msub = p.add_subparsers(dest="medicare_command", metavar="{reconcile}")
    r = msub.add_parser("reconcile", help="check the engine against CMS's published payment files; exit 1 on "
                                          "any mismatch")
    r.add_argument("files", nargs="+", type=Path, metavar="FILE",
                   help="CMS payment files (PFALL/PFREV records or OPPSCAP), plain or .zip")
    r.add_argument("--release", dest="reconcile_release", default=None, metavar="RELEASE",
                   help="release to price with (default: the newest release of each file's year)")
    r.add_argument("--show", type=int, default=10, help="mismatches listed per file (default 10)")
    r.set_defaults(func=_cmd_medicare_reconcile)

    p = sub.add_parser("sample", help="write synthetic sample client folders")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--seed", type=int, default=2025)
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser("export", help="write a client's analysis tables to Excel")
    p.add_argument("client_id")
    p.add_argument("--root", type=Path, default=None)
    p.add_argument("--out", type=Path, default=None)
    p.set_defaults(func=_cmd_export)

    _add_market(sub)
    _add_remit(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ratekit`` command."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RatekitError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
