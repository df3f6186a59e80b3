"""The files written beside a report: the analyst's Excel workbook and the per-payer value propositions.

:func:`export_client` writes ``<reports>/<client_id>/<client_id>_rate_analysis.xlsx`` with one sheet
per table of :class:`ratekit.analysis.ClientAnalysis`: human headers (:data:`COLUMNS`), money, percent and
count formats, a frozen header row with filters, and widths that fit the values.
Every text cell that a spreadsheet would
read as a formula (it begins with ``=``, ``+``, ``-`` or ``@``, or a tab or carriage return) is
written with a leading apostrophe, so a payer named ``=HYPERLINK(...)`` stays text (OWASP "CSV
injection"). :func:`write_value_propositions` writes the paragraphs of
:func:`ratekit.narrative.value_propositions` as Markdown or plain text. Every file is written to a
temporary file and moved into place (:mod:`ratekit.files`): a failure never leaves half a file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import benchmark as bm
from . import narrative, report
from .analysis import ClientAnalysis, analyse
from .files import atomic_path, atomic_write_text

#: The value propositions' file beside a report.
VALUE_PROPOSITIONS_NAME = "value_propositions.md"

#: A text cell starting with one of these is neutralised (OWASP CSV/formula injection).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``"=1+1"`` -> ``"'=1+1"``: a text cell a spreadsheet would run as a formula, made plain text.

    Non-text values are returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell and header neutralised and the index made a column."""
    out = frame.reset_index(drop=not any(name is not None for name in frame.index.names))
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[col] = series.map(neutralise).astype(object)
        elif isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(series):
            out[col] = series.dt.date.astype(object).where(series.notna(), None)
    return out


def analysis_tables(analysis: ClientAnalysis) -> dict[str, pd.DataFrame]:
    """The sheets of the export: sheet name -> table (before neutralising)."""
    c = analysis.client
    about = pd.DataFrame({"item": [
        "client", "client id", "Medicare release", "Medicare locality", "Medicare GPCIs", "benchmark date",
        "benchmark", "peer group", "payer index", "dollars a year", "code gaps", "what-if", "synthetic"], "value": [
        c.name, c.client_id, analysis.release.name, f"{analysis.locality.name} ({analysis.locality.locality_id})",
        getattr(analysis.release, "gpci_note", "") or report.gpci_basis(analysis.release),
        c.as_of.isoformat(), report.benchmark_sentence(analysis),
        "payers of the same kind" if analysis.within_kind else "all payers",
        "sum(rate x units) / sum(Medicare amount x units) over the payer's priced codes",
        "max(0, benchmark index - index) x sum(Medicare amount x units)",
        "max(0, benchmark rate - rate) x units, code by code",
        "increases that bring each payer below the benchmark up to it, rounded up to a whole percent",
        "yes: every figure is invented" if c.synthetic else "no"]})
    warnings = pd.DataFrame([{"severity": p.severity, "file": p.file, "sheet": p.sheet, "row": p.row,
                              "column": p.column, "value": None if p.value is None else str(p.value),
                              "message": p.message, "fix": p.fix} for p in analysis.warnings],
                            columns=["severity", "file", "sheet", "row", "column", "value", "message", "fix"])
    return {
        "About": about,
        "Payers": analysis.gaps.merge(analysis.index[["payer", "units", "codes", "small_sample"]], on="payer"),
        "Priority": analysis.priority,
        "Code gaps": analysis.code_gaps,
        "Below Medicare": analysis.below_medicare,
        "What-if": bm.what_if(analysis.comparison, bm.proposed_increases(analysis.gaps)),
        "Comparison": analysis.comparison,
        "Rates": analysis.rates,
        "Warnings": warnings,
    }


#: Excel number formats by kind of column.
NUMBER_FORMATS = {"money": "$#,##0.00", "dollars": "$#,##0", "percent": "0.0%", "count": "#,##0",
                  "number": "0.0"}

#: Column name -> (the header an analyst reads, kind of number or None for text). Columns not named here
#: get their name in sentence case and no number format.
COLUMNS: dict[str, tuple[str, str | None]] = {
    "payer": ("Payer", None), "kind": ("Kind", None), "index": ("% of Medicare", "percent"),
    "benchmark": ("Benchmark", None), "peer_group": ("Peer group", None),
    "benchmark_index": ("Benchmark, % of Medicare", "percent"),
    "medicare_revenue": ("Medicare-valued revenue", "dollars"), "revenue": ("Revenue", "dollars"),
    "increase_to_benchmark": ("Increase to benchmark", "percent"), "dollars_a_year": ("Dollars a year", "dollars"),
    "units": ("Units", "count"), "codes": ("Codes", "count"), "small_sample": ("Small sample", None),
    "rank": ("Rank", "count"), "gap_points": ("Gap (points of Medicare)", "percent"),
    "volume_share": ("Share of volume", "percent"), "share_of_total": ("Share of total", "percent"),
    "cumulative_share": ("Cumulative share", "percent"), "hcpcs": ("HCPCS code", None),
    "modifier": ("Modifier", None), "setting": ("Setting", None), "rate": ("Rate", "money"),
    "medicare_amount": ("Medicare amount", "money"), "pct_of_medicare": ("% of Medicare", "percent"),
    "benchmark_rate": ("Benchmark rate", "money"), "benchmark_pct": ("Benchmark, % of Medicare", "percent"),
    "dollars_below_a_year": ("Dollars below Medicare a year", "dollars"), "increase": ("Increase", "percent"),
    "current_revenue": ("Current revenue", "dollars"), "new_revenue": ("New revenue", "dollars"),
    "change": ("Change", "dollars"), "current_index": ("Current % of Medicare", "percent"),
    "new_index": ("New % of Medicare", "percent"), "rate_basis": ("Rate basis", None),
    "medicare_na": ("Medicare NA setting", None), "contract_percent": ("Contract % of Medicare", "number"),
    "medicare_release": ("Medicare release", None), "effective_date": ("Effective date", None),
    "terminate_date": ("Termination date", None), "other_modifiers": ("Other modifiers", None),
    "file": ("File", None), "sheet": ("Sheet", None), "row": ("Row", "count"), "column": ("Column", None),
    "severity": ("Severity", None), "value": ("Value", None), "message": ("Message", None), "fix": ("Fix", None),
    "item": ("Item", None),
}


def column_header(name: str) -> tuple[str, str | None]:
    """``"medicare_revenue"`` -> ``("Medicare-valued revenue", "dollars")``: header and number kind."""
    if name in COLUMNS:
        return COLUMNS[name]
    words = str(name).replace("_", " ").strip()
    return (words[:1].upper() + words[1:], None)


def _width(header: str, values: pd.Series, kind: str | None) -> float:
    """A column width (characters) that shows the header and most values, at most 60."""
    sample = values.dropna().head(200)
    if kind is not None:
        longest = max((len(f"{float(v):,.2f}") + 2 for v in sample if isinstance(v, (int, float))), default=0)
    else:
        longest = int(sample.astype(str).str.len().quantile(0.9)) if len(sample) else 0
    return float(min(max(len(header) + 2, longest + 1, 8), 60))


def write_excel(analysis: ClientAnalysis, path: str | Path) -> Path:
    """Write the analysis tables to ``path`` (XLSX), atomically.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        # XlsxWriter: twice as fast as openpyxl here, and told never to read text as a formula or a link
        # (the neutralised text cannot be one anyway).
        xl = pd.ExcelWriter(tmp, engine="xlsxwriter",
                            engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}})
        book = xl.book
        formats = {k: book.add_format({"num_format": f}) for k, f in NUMBER_FORMATS.items()}
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        for sheet, table in analysis_tables(analysis).items():
            heads = [column_header(str(c)) for c in table.columns]
            safe = _safe(table.set_axis([h for h, _ in heads], axis=1)).replace({np.nan: None})
            safe.to_excel(xl, sheet_name=sheet, index=False)
            ws = xl.sheets[sheet]
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, max(len(safe), 1), max(len(safe.columns) - 1, 0))
            for j, (header, kind) in enumerate(heads):
                width = _width(header, safe.iloc[:, j], kind)
                ws.set_column(j, j, width, formats[kind] if kind else (wrap if width >= 60 else None))
        xl.close()  # only a complete workbook is saved, then moved into place
    return path


def export_analysis(analysis: ClientAnalysis, folder: str | Path | None) -> Path | None:
    """Write ``<folder>/<client_id>_rate_analysis.xlsx``; nothing when ``folder`` is empty (returns None).

    The report notebook calls this with the folder ``ratekit render`` passes (``output_dir``).
    """
    if not folder:
        return None
    return write_excel(analysis, Path(folder) / f"{analysis.client.client_id}_rate_analysis.xlsx")


def export_client(client_id: str, root: str | Path | None = None, out: str | Path | None = None) -> Path:
    """Analyse a client and write its rate analysis workbook.

    Parameters
    ----------
    client_id, root
        The client, as for :func:`ratekit.analysis.analyse`.
    out : path, optional
        Reports folder (default ``reports/``); the workbook goes to
        ``<out>/<client_id>/<client_id>_rate_analysis.xlsx``.

    Returns
    -------
    Path
        The workbook written.

    Raises
    ------
    RatekitError
        When the client has input errors (nothing is written then).
    """
    from .render import report_dir

    folder = report_dir(client_id, out)
    analysis = analyse(client_id, root)
    return write_excel(analysis, folder / f"{client_id}_rate_analysis.xlsx")


def write_value_propositions(facts: Sequence[Mapping], path: str | Path) -> Path:
    """Write every payer's value proposition to ``path``: ``.md`` Markdown or ``.txt`` plain text, atomically.

    Parameters
    ----------
    facts : sequence of mapping
        Per payer, as from :func:`ratekit.narrative.all_payer_facts`.
    path : path
        The file to write (UTF-8).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        For a suffix other than ``.md`` or ``.txt``.
    """
    path = Path(path)
    fmt = {".md": "markdown", ".txt": "text"}.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"export to .md or .txt, not {path.suffix or 'no suffix'!r}")
    return atomic_write_text(path, narrative.value_propositions(facts, format=fmt))


def save_value_propositions(facts: Sequence[Mapping], folder: str | Path | None) -> Path | None:
    """Write ``<folder>/value_propositions.md``; nothing when ``folder`` is empty (returns None).

    The report notebook calls this with the folder ``ratekit render`` passes (``output_dir``).
    """
    if not folder:
        return None
    return write_value_propositions(facts, Path(folder) / VALUE_PROPOSITIONS_NAME)


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` as Parquet (``.parquet``) or formula-safe CSV (``.csv``), atomically.

    Used by ``ratekit remit read --out``. CSV text cells are neutralised as in the workbook.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        from .errors import Problem, RatekitError

        raise RatekitError(Problem(str(path), "the output must end in .parquet or .csv",
                                   fix="e.g. --out lines.parquet"))
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            _safe(frame).to_csv(tmp, index=False)
    return path
