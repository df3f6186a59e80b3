"""What the market functions need from a client folder: its codes, place, specialty, Medicare locality and rates.

The one place :mod:`ratekit.market` reads a client, through the client and fee-schedule loaders' public
functions (:func:`ratekit.client.load_client`, :func:`ratekit.feeschedules.read_client`), so it can be
pointed at another loader in one edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import Problem, RatekitError


@dataclass(frozen=True)
class ClientMarket:
    """A client as the market sees it.

    Attributes
    ----------
    client_id : str
    codes : list of str
        Every code in its fee schedules and utilization, sorted.
    specialty : str
    state : str
        Two-letter state of its Medicare locality's ZIP (or locality).
    zip_code : str
        Its ZIP ("" when client.yaml gives a locality instead).
    locality_id, release : str
        Its Medicare locality and PFS release.
    rates : DataFrame
        Its tidy fee-schedule rates (``payer, hcpcs, modifier, setting, rate, ...``).
    """

    client_id: str
    codes: list
    specialty: str
    state: str
    zip_code: str
    locality_id: str
    release: str
    rates: pd.DataFrame


def _read_client(client_dir: Path):
    """The client's loaded inputs (the current public loaders; re-point here after a refactor)."""
    from .. import client as client_module
    from .. import feeschedules

    client = client_module.load_client(client_dir.name, root=client_dir.parent)
    return feeschedules.read_client(client).raise_for_errors()


def client_market(client_dir: str | Path) -> ClientMarket:
    """Read a client folder for the market functions.

    Raises
    ------
    RatekitError
        When the client's files have errors (every problem listed), or its locality cannot be found.
    """
    client_dir = Path(client_dir)
    if not (client_dir / "client.yaml").is_file():
        raise RatekitError(Problem(str(client_dir), "not a client folder (no client.yaml)",
                                   fix="give the folder holding the client's client.yaml"))
    inputs = _read_client(client_dir)
    if inputs.locality is None or inputs.release is None:
        raise RatekitError(Problem(f"{client_dir.name}/client.yaml", "the client's Medicare locality is unknown",
                                   fix="give location.zip or location.locality in client.yaml"))
    codes = sorted(set(inputs.rates["hcpcs"]) | set(inputs.utilization["hcpcs"]))
    return ClientMarket(client_id=inputs.client.client_id, codes=codes, specialty=inputs.client.specialty,
                        state=inputs.locality.state, zip_code=inputs.client.zip or "",
                        locality_id=inputs.locality.locality_id, release=inputs.release, rates=inputs.rates)
