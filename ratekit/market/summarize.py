"""Market statistics over ingested datasets: what each payer pays for each code, as dollars and % of Medicare.

Everything is a DuckDB query over the datasets' Parquet files (no dataset is loaded into pandas; only the
answer is). The unit of the market is an *observation*: one distinct (payer, code, modifier, setting,
TIN, rate). So

* the same rate repeated across a payer's plans (one file per plan, or one file listing many plans) is
  counted once, and so is a TIN's rate repeated for each of its NPIs;
* a TIN paid two different rates for a code is two observations;
* a price whose places of service span both settings (or ``CSTM-00``, or none given) applies in both and
  counts in each setting, as a fee-schedule rate without a setting does in ratekit.

Only dollar prices of fee-for-service arrangements enter the statistics (``negotiated``, ``derived``,
``fee schedule``); ``percentage`` and ``per diem`` prices, and bundle and capitation arrangements, are
counted in ``n_not_dollar``. ``CSTM-00`` items (one rate for every code) are left out and counted in the
notes.

Outliers: an observation above 5x or below 0.2x the code's Medicare amount (same modifier and setting,
at the given locality and release) is counted in ``n_above_5x`` / ``n_below_0_2x`` and left out of the
percentiles and ``n_tins`` (``include_outliers=True`` keeps them in). Percentiles are DuckDB's
``quantile_cont``: linear interpolation between order statistics (numpy's default ``linear`` method).

Percent of Medicare = rate / Medicare amount x 100, with :func:`ratekit.medicare.price`; modifiers other
than none, 26, TC and 53 have no Medicare amount here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from .. import medicare
from ..errors import Problem, RatekitError
from .nppes import ProviderFilter

#: Columns of :func:`market_summary`.
SUMMARY_COLUMNS = [
    "payer", "billing_code", "modifier", "setting", "n_tins", "n_rates", "p10", "p25", "p50", "p75", "p90",
    "medicare_amount", "p10_pct", "p25_pct", "p50_pct", "p75_pct", "p90_pct", "n_above_5x", "n_below_0_2x",
    "n_not_dollar",
]
#: Columns of :func:`market_observations`.
OBSERVATION_COLUMNS = ["payer", "billing_code", "modifier", "setting", "tin", "negotiated_rate", "medicare_amount",
                       "pct_of_medicare", "outlier"]
PRICED_MODIFIERS = ("", "26", "TC", "53")
HIGH, LOW = 5.0, 0.2
UNFILTERED_NOTE = ("the market is not filtered by place or specialty (no NPPES extract given): it holds every "
                   "provider in the payers' files, including those who never bill these codes")


@dataclass
class Market:
    """The complete datasets of a folder, open in DuckDB.

    Attributes
    ----------
    folder : Path
    datasets : DataFrame
        One row per complete dataset: ``dataset, rates_path, providers_path`` and the file's root fields
        (``reporting_entity_name``, ``plan_name``, ``issuer_name``, ...).
    failed : list of str
        Datasets whose last ingest failed (``<name>.failed.json``), left out.
    con : duckdb connection
        With the views ``rates`` (the rates of every dataset, with ``payer`` and ``dataset``) and
        ``providers`` (with ``dataset``).
    """

    folder: Path
    datasets: pd.DataFrame
    failed: list[str] = field(default_factory=list)
    con: duckdb.DuckDBPyConnection | None = None


def open_market(folder: str | Path) -> Market:
    """Open the datasets under ``folder`` (each a ``<dataset>/manifest.json`` with its Parquet files)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RatekitError(Problem(str(folder), "no such folder of ingested files",
                                   fix="run `ratekit market ingest FILE... --out DIR` first"))
    rows = []
    for manifest in sorted(folder.glob("*/manifest.json")):
        m = json.loads(manifest.read_text(encoding="utf-8"))
        header = m.get("header", {})
        rows.append({"dataset": manifest.parent.name, "rates_path": str((manifest.parent / "rates.parquet").resolve()),
                     "providers_path": str((manifest.parent / "providers.parquet").resolve()),
                     "reporting_entity_name": str(header.get("reporting_entity_name") or manifest.parent.name),
                     "reporting_entity_type": str(header.get("reporting_entity_type") or ""),
                     "plan_name": str(header.get("plan_name") or ""),
                     "issuer_name": str(header.get("issuer_name") or ""),
                     "last_updated_on": str(header.get("last_updated_on") or ""),
                     "items_kept": int(m.get("items_kept", 0)), "rates_kept": int(m.get("rates_kept", 0))})
    failed = sorted(p.name.removesuffix(".failed.json") for p in folder.glob("*.failed.json"))
    if not rows:
        raise RatekitError(Problem(str(folder), "no ingested dataset in this folder" +
                                   (f" ({len(failed)} failed)" if failed else ""),
                                   fix="run `ratekit market ingest FILE... --out DIR` first"))
    datasets = pd.DataFrame(rows)
    con = duckdb.connect()
    con.register("datasets_df", datasets)
    con.execute("CREATE TABLE datasets AS SELECT * FROM datasets_df")
    rates = [r for r in datasets["rates_path"]]
    providers = [p for p in datasets["providers_path"]]
    con.execute(f"""CREATE VIEW rates AS
        SELECT d.dataset, d.reporting_entity_name AS payer, r.* EXCLUDE (filename)
        FROM read_parquet({_list(rates)}, filename=true) r JOIN datasets d ON r.filename = d.rates_path""")
    con.execute(f"""CREATE VIEW providers AS
        SELECT d.dataset, p.* EXCLUDE (filename)
        FROM read_parquet({_list(providers)}, filename=true) p JOIN datasets d ON p.filename = d.providers_path""")
    return Market(folder, datasets, failed, con)


def _list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def _medicare_table(codes: list[str], *, locality_id: str, release: str) -> pd.DataFrame:
    """Medicare amounts as ``billing_code, modifier, setting, medicare_amount`` (both settings)."""
    prices = medicare.price(release, localities=[locality_id], codes=codes)
    frames = [prices[["hcpcs", "modifier", col]].rename(columns={"hcpcs": "billing_code", col: "medicare_amount"})
              .assign(setting=setting) for setting, col in (("nonfacility", "nonfacility_amount"),
                                                            ("facility", "facility_amount"))]
    table = pd.concat(frames, ignore_index=True)
    table = table[table["modifier"].isin(PRICED_MODIFIERS)]
    return pd.DataFrame({c: table[c].astype(object if c != "medicare_amount" else "float64").to_numpy()
                         for c in ("billing_code", "modifier", "setting", "medicare_amount")})


def _observations_sql(market: Market, *, providers: ProviderFilter | None, codes: list[str] | None,
                      payers: list[str] | None) -> str:
    """SQL of the distinct observations (before Medicare), with the provider filter applied."""
    con = market.con
    if providers is not None:
        con.register("filter_npis", pa.table({"npi": pa.array(sorted(providers.npis), pa.int64())}))
        provider_filter = "AND p.npi IN (SELECT npi FROM filter_npis)"
    else:
        provider_filter = ""
    code_filter = ""
    if codes is not None:
        con.register("filter_codes", pa.table({"billing_code": pa.array(sorted(set(codes)), pa.string())}))
        code_filter = "AND r.billing_code IN (SELECT billing_code FROM filter_codes)"
    payer_filter = ""
    if payers is not None:
        con.register("filter_payers", pa.table({"payer": pa.array(sorted(set(payers)), pa.string())}))
        payer_filter = "AND r.payer IN (SELECT payer FROM filter_payers)"
    return f"""
        WITH r AS (
            SELECT r.dataset, r.payer, r.billing_code, r.modifier, r.setting, r.negotiated_rate,
                   (r.rate_kind = 'dollar' AND r.negotiation_arrangement = 'ffs') AS is_dollar,
                   unnest(r.provider_group_ids) AS gid
            FROM rates r WHERE r.billing_code <> 'CSTM-00' {code_filter} {payer_filter}
        ),
        s AS (SELECT * FROM (VALUES ('nonfacility'), ('facility')) t(setting))
        SELECT DISTINCT r.payer, r.billing_code, r.modifier, s.setting,
               coalesce(p.tin_type || ':' || p.tin_value, 'npi:' || CAST(p.npi AS VARCHAR)) AS tin,
               r.negotiated_rate, r.is_dollar
        FROM r
        JOIN providers p ON p.dataset = r.dataset AND p.provider_group_id = r.gid {provider_filter}
        JOIN s ON r.setting = '' OR r.setting = s.setting
        WHERE p.tin_value IS NOT NULL OR p.npi IS NOT NULL
    """


def _prepare(folder_or_market, *, locality_id: str, release: str, providers, codes, payers):
    market = folder_or_market if isinstance(folder_or_market, Market) else open_market(folder_or_market)
    con = market.con
    sql = _observations_sql(market, providers=providers, codes=codes, payers=payers)
    con.execute(f"CREATE OR REPLACE TEMP TABLE obs AS {sql}")
    found = [c for (c,) in con.execute("SELECT DISTINCT billing_code FROM obs").fetchall()]
    con.register("medicare_df", _medicare_table(found, locality_id=locality_id, release=release) if found else
                 pd.DataFrame({"billing_code": pd.Series(dtype=object), "modifier": pd.Series(dtype=object),
                               "setting": pd.Series(dtype=object), "medicare_amount": pd.Series(dtype="float64")}))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE obs_priced AS
        SELECT o.*, m.medicare_amount,
               o.negotiated_rate / m.medicare_amount * 100 AS pct_of_medicare,
               CASE WHEN m.medicare_amount IS NULL THEN ''
                    WHEN o.negotiated_rate > {HIGH} * m.medicare_amount THEN 'above_5x'
                    WHEN o.negotiated_rate < {LOW} * m.medicare_amount THEN 'below_0_2x' ELSE '' END AS outlier
        FROM obs o LEFT JOIN medicare_df m USING (billing_code, modifier, setting)""")
    return market


def _notes(market: Market, providers: ProviderFilter | None, *, locality_id: str, release: str) -> list[str]:
    con = market.con
    notes = [f"Medicare: PFS release {release}, locality {locality_id}",
             f"{len(market.datasets)} ingested files from {market.datasets['reporting_entity_name'].nunique()} "
             "reporting entities; a rate repeated across plans or NPIs counts once per TIN"]
    notes.append(f"market limited to {providers.description}" if providers is not None else UNFILTERED_NOTE)
    (cstm,) = con.execute("SELECT count(*) FROM rates WHERE billing_code = 'CSTM-00'").fetchone()
    if cstm:
        notes.append(f"{cstm:,} prices for CSTM-00 (every code of a type) are left out of the per-code figures")
    if market.failed:
        notes.append(f"left out, their last ingest failed: {', '.join(market.failed)}")
    return notes


def market_summary(folder: str | Path | Market, *, locality_id: str, release: str,
                   providers: ProviderFilter | None = None, codes: list[str] | None = None,
                   include_outliers: bool = False) -> pd.DataFrame:
    """Per payer, code, modifier and setting: distinct TINs and p10-p90 of the rate, in dollars and % of Medicare.

    Parameters
    ----------
    folder : path or Market
        Output folder of :func:`ratekit.market.ingest.ingest`.
    locality_id, release : str
        The Medicare locality (``"MAC-LL"``) and PFS release to compare with.
    providers : ProviderFilter, optional
        Limit the market to these NPIs (:func:`ratekit.market.nppes.read_nppes`); without it the result
        says the market is unfiltered by place and specialty.
    codes : list of str, optional
        Only these billing codes.
    include_outliers : bool
        Keep rates beyond 5x / below 0.2x Medicare in the percentiles (they are counted either way).

    Returns
    -------
    DataFrame
        :data:`SUMMARY_COLUMNS`, one row per payer (reporting entity), code, modifier and setting with at
        least one dollar observation; ``n_tins`` distinct TINs and ``n_rates`` observations behind the
        percentiles; ``medicare_amount`` NaN where Medicare has none (then the ``_pct`` columns are NaN
        and nothing is flagged). ``attrs["notes"]`` says what the market holds (and whether it is
        filtered by place and specialty); ``attrs["filtered"]`` is True with ``providers``.
    """
    market = _prepare(folder, locality_id=locality_id, release=release, providers=providers, codes=codes, payers=None)
    keep = "TRUE" if include_outliers else "outlier = ''"
    table = market.con.execute(f"""
        WITH g AS (
            SELECT payer, billing_code, modifier, setting,
                   count(DISTINCT tin) FILTER (WHERE is_dollar AND {keep}) AS n_tins,
                   count(*) FILTER (WHERE is_dollar AND {keep}) AS n_rates,
                   quantile_cont(negotiated_rate, [0.1, 0.25, 0.5, 0.75, 0.9]) FILTER (WHERE is_dollar AND {keep}) AS q,
                   any_value(medicare_amount) AS medicare_amount,
                   count(*) FILTER (WHERE is_dollar AND outlier = 'above_5x') AS n_above_5x,
                   count(*) FILTER (WHERE is_dollar AND outlier = 'below_0_2x') AS n_below_0_2x,
                   count(*) FILTER (WHERE NOT is_dollar) AS n_not_dollar
            FROM obs_priced GROUP BY ALL
        )
        SELECT payer, billing_code, modifier, setting, n_tins, n_rates,
               q[1] AS p10, q[2] AS p25, q[3] AS p50, q[4] AS p75, q[5] AS p90, medicare_amount,
               q[1] / medicare_amount * 100 AS p10_pct, q[2] / medicare_amount * 100 AS p25_pct,
               q[3] / medicare_amount * 100 AS p50_pct, q[4] / medicare_amount * 100 AS p75_pct,
               q[5] / medicare_amount * 100 AS p90_pct, n_above_5x, n_below_0_2x, n_not_dollar
        FROM g WHERE n_rates > 0 OR n_above_5x + n_below_0_2x + n_not_dollar > 0
        ORDER BY payer, billing_code, modifier, setting DESC""").df()
    table = table[SUMMARY_COLUMNS].reset_index(drop=True)
    for col in ("n_tins", "n_rates", "n_above_5x", "n_below_0_2x", "n_not_dollar"):
        table[col] = table[col].astype("int64")
    table.attrs["notes"] = _notes(market, providers, locality_id=locality_id, release=release)
    flagged = int(table["n_above_5x"].sum() + table["n_below_0_2x"].sum())
    table.attrs["notes"].append(f"{flagged:,} rates beyond 5x or below 0.2x Medicare flagged and "
                                + ("kept in" if include_outliers else "left out of") + " the percentiles")
    table.attrs["filtered"] = providers is not None
    return table


def market_observations(folder: str | Path | Market, *, locality_id: str, release: str,
                        providers: ProviderFilter | None = None, codes: list[str] | None = None,
                        payers: list[str] | None = None) -> pd.DataFrame:
    """The distinct dollar observations behind :func:`market_summary` (small: filter by ``codes``/``payers``).

    Returns
    -------
    DataFrame
        :data:`OBSERVATION_COLUMNS`; ``outlier`` is ``"above_5x"``, ``"below_0_2x"`` or ``""``.
    """
    market = _prepare(folder, locality_id=locality_id, release=release, providers=providers, codes=codes,
                      payers=payers)
    table = market.con.execute(f"""SELECT {', '.join(OBSERVATION_COLUMNS)} FROM obs_priced WHERE is_dollar
                                   ORDER BY payer, billing_code, modifier, setting DESC, negotiated_rate, tin""").df()
    table.attrs["notes"] = _notes(market, providers, locality_id=locality_id, release=release)
    return table


def percentile_rank(rate: float, rates) -> float:
    """Where ``rate`` sits among ``rates``, 0-100: the percent of rates below it plus half of those equal.

    The mid-rank definition (Hazen): with rates 100, 110, 120, 130 a rate of 110 is at 37.5 (one below,
    one equal: (1 + 0.5) / 4).
    """
    values = pd.Series(rates, dtype="float64").dropna()
    if values.empty:
        return float("nan")
    below = float((values < rate).sum())
    equal = float((values == rate).sum())
    return (below + equal / 2) / len(values) * 100


def summarize(folder: str | Path, *, client: str | Path | None = None, locality_id: str | None = None,
              release: str | None = None, nppes: str | Path | None = None, specialty: str | None = None,
              state: str | None = None, zip3: str | None = None, place: str = "state",
              include_outliers: bool = False) -> pd.DataFrame:
    """:func:`market_summary` for a client (its locality, release, and NPPES place and specialty) or a locality.

    Parameters
    ----------
    folder : path
        Output folder of ``ratekit market ingest``.
    client : path, optional
        A client folder: its Medicare locality and release, and with ``nppes`` its state (or ZIP3, with
        ``place="zip3"``) and specialty.
    locality_id, release : str, optional
        Without a client: the Medicare locality and release.
    nppes : path, optional
        An NPPES extract (:func:`ratekit.market.nppes.read_nppes`); without one the market is unfiltered
        by place and specialty, and the notes say so.
    specialty, state, zip3 : str, optional
        Without a client, with ``nppes``: the specialty and the state or ZIP3.
    place : {"state", "zip3"}
        With a client: filter to its state or to its ZIP's first three digits.
    include_outliers : bool
    """
    from .nppes import read_nppes

    if client is not None:
        from .client_link import client_market

        c = client_market(client)
        locality_id, release = locality_id or c.locality_id, release or c.release
        specialty = specialty or c.specialty
        if place == "zip3":
            if not c.zip_code:
                raise RatekitError(Problem(f"{c.client_id}/client.yaml", "the client has no ZIP for a ZIP3 market",
                                           fix="give location.zip in client.yaml, or use the state"))
            zip3 = zip3 or c.zip_code[:3]
        else:
            state = state or c.state
    if not locality_id or not release:
        raise RatekitError(Problem("(options)", "a summary needs a Medicare locality and release",
                                   fix="give --client DIR, or --locality MAC-LL and --release (e.g. 2025D)"))
    providers = None
    if nppes is not None:
        if not specialty:
            raise RatekitError(Problem(str(nppes), "an NPPES filter needs the client's specialty",
                                       fix="give --client DIR or --specialty"))
        providers = read_nppes(nppes, specialty=specialty, state=state if zip3 is None else None, zip3=zip3)
    return market_summary(folder, locality_id=locality_id, release=release, providers=providers,
                          include_outliers=include_outliers)


def write_csv(table: pd.DataFrame, file, *, notes=True) -> None:
    """Write a summary as CSV (money to the cent, percents to 0.1) and its notes as ``note:`` lines (stderr)."""
    import sys

    out = table.copy()
    for col in ("p10", "p25", "p50", "p75", "p90", "medicare_amount"):
        out[col] = out[col].round(2)
    for col in ("p10_pct", "p25_pct", "p50_pct", "p75_pct", "p90_pct"):
        out[col] = out[col].round(1)
    text = out.to_csv(index=False, lineterminator="\n")
    if isinstance(file, (str, Path)):
        Path(file).write_text(text, encoding="utf-8")
    else:
        file.write(text)
    stream = sys.stderr if notes is True else (notes or None)
    if stream is not None:
        for note in table.attrs.get("notes", []):
            print(f"note: {note}", file=stream)
