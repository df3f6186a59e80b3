"""The tiny two-payer client (conftest.write_client) with a chosen fee schedule for Alpha Health, read whole.

Medicare amounts at its locality, 06102-99 (REST OF ILLINOIS, ZIP 62704; GPCIs work 1, PE 0.912, MP 1.381 in
2025), worked from CMS's RVUs as amount = round_half_up((work x 1 + PE x 0.912 + MP x 1.381) x CF, cents):

* 2025D 99214 non-facility (1.92 + 1.80 x 0.912 + 0.15 x 1.381) x 32.3465 = 121.9059 -> $121.91;
  facility (1.92 + 0.83 x 0.912 + 0.15 x 1.381) x 32.3465 = 93.2909 -> $93.29;
* 2025D (and 2025A) 99213 non-facility (1.30 + 1.35 x 0.912 + 0.10 x 1.381) x 32.3465 = 86.3425 -> $86.34;
* 2023A 99214 non-facility (1.92 + 1.73 x 0.912 + 0.14 x 1.282) x 33.8872 = 124.6114 -> $124.61
  (2023's MP GPCI is 1.282).
"""

from __future__ import annotations

from conftest import write_client
from ratekit.client import load_client
from ratekit.errors import RatekitError
from ratekit.feeschedules import payer_lookup, read_client, read_utilization


def tiny_inputs(tmp_path, fee: str, *, util: str | None = None, yaml_data: dict | None = None):
    """read_client of the tiny client whose Alpha Health fee schedule is ``fee`` (Beta Care: 99213 $95, 99214 $130)."""
    write_client(tmp_path, fee_schedules={"fee_schedules/alpha.csv": fee,
                                          "fee_schedules/beta.csv": "code,rate\n99213,95\n99214,130\n"},
                 utilization=util, yaml_data=yaml_data)
    return read_client(load_client("tiny", tmp_path))


def rate_of(inputs, payer="Alpha Health", code="99214", setting="nonfacility"):
    """The one rate row of ``payer`` for ``code`` that applies in ``setting``."""
    r = inputs.rates
    row = r[(r["payer"] == payer) & (r["hcpcs"] == code) & (r["setting"].isin([setting, ""]))]
    assert len(row) == 1, row
    return row.iloc[0]


def utilization_of(client):
    """The client's utilization file read as read_client reads it, raising on an error (as the report does)."""
    util, problems = read_utilization(client.path(client.utilization), lookup=payer_lookup(client),
                                      display_name=f"{client.client_id}/{client.utilization}")
    if any(p.severity == "error" for p in problems):
        raise RatekitError(problems)
    return util
