import filecmp

import pandas as pd
import pytest

from ratekit import medicare
from ratekit.client import load_client
from ratekit.feeschedules import load_rates, load_utilization
from ratekit.sample import CODE_MIX, write_sample


def _files(folder):
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    a = write_sample(tmp_path / "a", clients=3, seed=7)
    b = write_sample(tmp_path / "b", clients=3, seed=7)
    c = write_sample(tmp_path / "c", clients=3, seed=8)
    assert [p.name for p in a] == [p.name for p in b]
    for x, y in zip(a, b):
        assert _files(x) == _files(y)
        _, mismatch, errors = filecmp.cmpfiles(x, y, [str(f) for f in _files(x)], shallow=False)
        assert mismatch == [] and errors == []
    assert (a[0] / "utilization.csv").read_text() != (c[0] / "utilization.csv").read_text()


def test_generated_clients_load_and_are_realistic(tmp_path):
    folders = write_sample(tmp_path, clients=4, seed=2025)
    specialties = set()
    for folder in folders:
        client = load_client(folder.name, tmp_path)
        specialties.add(client.specialty)
        assert "synthetic" in client.name and client.synthetic
        assert 5 <= len(client.payers) <= 8
        rates = load_rates(client)
        util = load_utilization(client)
        assert set(util["payer"]) <= {p.name for p in client.payers}
        where = medicare.locate(zip_code=client.zip)
        prices = medicare.price("2025D", localities=[where.locality_id], codes=sorted(set(rates["hcpcs"])))
        joined = rates.merge(prices, on=["hcpcs", "modifier"])
        assert len(joined) == len(rates)  # every code is priced
        assert set(joined["status"]) <= {"A", "R", "T"}
        ratio = (joined["rate"] / joined["nonfacility_amount"]).groupby(joined["payer"]).median()
        kinds = {p.name: p.kind for p in client.payers}
        for payer, r in ratio.items():
            low, high = {"commercial": (0.6, 2.4), "medicare_advantage": (0.85, 1.1),
                         "medicaid_managed_care": (0.4, 1.4)}[kinds[payer]]
            assert low <= r <= high, (client.client_id, payer, r)
    assert specialties == {"family_medicine", "dermatology", "cardiology", "orthopedics"}


def test_no_cpt_descriptors_in_the_sample(tmp_path):
    folder = write_sample(tmp_path, clients=1, seed=1)[0]
    text = " ".join(p.read_text() for p in folder.rglob("*.csv")).lower()
    for word in ("office", "visit", "established", "patient"):
        assert word not in text


@pytest.mark.parametrize("specialty", sorted(CODE_MIX))
def test_every_code_in_the_mix_is_paid_in_the_office(specialty):
    codes = sorted({c for c, _, _ in CODE_MIX[specialty]})
    prices = medicare.price("2025D", localities=["06102-99"], codes=codes)
    mods = {(c, m) for c, m, _ in CODE_MIX[specialty]}
    priced = prices[prices.apply(lambda r: (r.hcpcs, r.modifier) in mods, axis=1)]
    assert len(priced) == len(mods)
    assert priced["nonfacility_amount"].notna().all()
