"""A client's fee schedules and utilization -> tidy tables, with every problem a person can act on.

Payers send fee schedules as CSV or Excel with their own column names. This package finds the
columns by their header text, cleans amounts such as ``"$1,234.50"``, reads contract lines written
as a percent of Medicare and prices them with :func:`ratekit.medicare.price`, keeps the rate in force
on the client's benchmark date, and reports each problem with its file, sheet, row, column, value and
fix. One module per step:

* :mod:`~ratekit.feeschedules.cells` - one cell: amounts, codes, modifiers, places of service, percents;
* :mod:`~ratekit.feeschedules.tables` - a CSV or XLSX file read, its header row found
  (:data:`HEADER_SYNONYMS`; title rows above the header are skipped);
* :mod:`~ratekit.feeschedules.schedules` - one payer's fee schedule checked row by row
  (:func:`read_fee_schedule`), repeats resolved, the rate in force kept;
* :mod:`~ratekit.feeschedules.contracts` - percent-of-Medicare lines and whole-payer contracts priced
  (:func:`resolve_percent_of_medicare`);
* :mod:`~ratekit.feeschedules.utilization` - the units billed (:func:`read_utilization`);
* :mod:`~ratekit.feeschedules.client_inputs` - all of it for one client (:func:`read_client`), with the
  checks against Medicare (codes it does not pay, units billed with no rate).

Everything is vectorised: cleaning runs once per distinct cell text (a million utilization rows
hold a few thousand distinct codes), and :class:`~ratekit.errors.Problem` records are built only
for the rows that have one.

Tidy outputs
------------
rates : one row per payer, code, modifier and setting (:data:`RATE_COLUMNS`)
    ``setting`` is ``"nonfacility"``, ``"facility"`` or ``""`` (the rate applies in both).
    ``rate_basis`` is ``"flat"`` (a dollar amount) or ``"pct_of_medicare"`` (``contract_percent``
    % of the Medicare amount of ``medicare_release`` at the client's locality, in ``rate``);
    ``effective_date`` is NaT when the file gives none; ``file, sheet, row`` say where the rate
    came from (``row`` is NaN for a whole-payer contract).
utilization : one row per payer, code, modifier and setting (:data:`UTILIZATION_COLUMNS`)
    ``units`` summed over the file's rows; ``row`` is the first spreadsheet row of the group.
"""

from .cells import FACILITY_POS, SETTINGS, clean_code, parse_money, parse_setting
from .client_inputs import STATUS_WORDS, ClientInputs, medicare_release_for, payer_lookup, read_client
from .contracts import resolve_percent_of_medicare
from .schedules import RATE_COLUMNS, read_fee_schedule
from .tables import HEADER_SYNONYMS, find_columns
from .utilization import UTILIZATION_COLUMNS, read_utilization

__all__ = [
    "FACILITY_POS", "HEADER_SYNONYMS", "RATE_COLUMNS", "SETTINGS", "STATUS_WORDS", "UTILIZATION_COLUMNS",
    "ClientInputs", "clean_code", "find_columns", "medicare_release_for", "parse_money", "parse_setting",
    "payer_lookup", "read_client", "read_fee_schedule", "read_utilization", "resolve_percent_of_medicare",
]
