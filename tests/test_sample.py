import filecmp
import re

import pandas as pd
import pytest

from ratekit import benchmark, config, medicare
from ratekit.client import load_client
from ratekit.feeschedules import read_client
from ratekit.sample import CODE_MIX, SAMPLE_RELEASE, write_sample


def _files(folder):
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    a = write_sample(tmp_path / "a", clients=3, seed=7)
    b = write_sample(tmp_path / "b", clients=3, seed=7)
    c = write_sample(tmp_path / "c", clients=3, seed=8)
    assert [p.name for p in a] == [p.name for p in b]
    for x, y in zip(a, b, strict=True):
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
        inputs = read_client(client)
        assert inputs.ok, inputs.problems
        assert set(inputs.utilization["payer"]) == {p.name for p in client.payers}
        comparison = benchmark.compare(inputs.rates, inputs.medicare, inputs.utilization)
        billed = comparison[comparison["units"] > 0]
        assert billed["rate"].notna().all() and billed["medicare_amount"].notna().all()  # every billed code is priced
        ratio = billed.groupby("payer")["pct_of_medicare"].median()
        kinds = {p.name: p.kind for p in client.payers}
        for payer, r in ratio.items():
            low, high = {"commercial": (0.6, 2.4), "medicare_advantage": (0.85, 1.1),
                         "medicaid_managed_care": (0.4, 1.4)}[kinds[payer]]
            assert low <= r <= high, (client.client_id, payer, r)
    assert specialties == {"family_medicine", "dermatology", "cardiology", "orthopedics"}


def test_the_sample_is_messy_the_way_real_inputs_are(tmp_path):
    folders = {f.name: f for f in write_sample(tmp_path, clients=4, seed=2025)}
    inputs = {name: read_client(load_client(name, tmp_path)) for name in folders}
    # a workbook holding several payers, a sheet each (one with a title row above its header)
    austin = load_client("austin-dermatology", tmp_path)
    books = {p.fee_schedule_file for p in austin.payers}
    assert books == {"fee_schedules/payer_fee_schedules.xlsx"} and len({p.sheet for p in austin.payers}) == len(
        austin.payers) >= 5
    assert set(inputs["austin-dermatology"].rates["payer"]) == {p.name for p in austin.payers}
    assert any("listed twice with the same rate" in p.message for p in inputs["austin-dermatology"].warnings)
    # dollar strings
    texts = " ".join(f.read_text() for f in tmp_path.rglob("*.csv"))
    assert re.search(r'"\$\d{1,3}(,\d{3})*\.\d\d"|\$\d+\.\d\d', texts)
    # percent-of-Medicare lines and a whole-payer contract, priced
    for name in ("boston-cardiology", "springfield-family-medicine"):
        assert (inputs[name].rates["rate_basis"] == "pct_of_medicare").any(), name
    assert "% of Medicare" in texts and re.search(r"\d+% of Medicare", texts)
    springfield = load_client("springfield-family-medicine", tmp_path)
    assert any(p.contract is not None for p in springfield.payers)
    # payers spelled through aliases and in capitals in the utilization
    raw = pd.read_csv(folders["springfield-family-medicine"] / "utilization.csv", dtype=str, keep_default_na=False)
    names = {p.name for p in springfield.payers}
    assert set(raw["payer"]) - names and any(n.isupper() for n in raw["payer"])
    # a place-of-service column, with facility rates
    denver = inputs["denver-orthopedics"]
    assert set(denver.utilization["setting"]) == {"nonfacility", "facility"}
    assert (denver.rates["setting"] == "facility").any()
    # an effective-date column with an old, a current and a future rate
    dated = pd.read_csv(folders["springfield-family-medicine"] / springfield.payers[0].fee_schedule_file, dtype=str)
    assert {"2025-01-01", "2026-01-01", "2027-01-01"} <= set(dated["Effective Date"])
    springfield_rates = inputs["springfield-family-medicine"].rates
    assert springfield_rates.groupby(["payer", "hcpcs", "modifier", "setting"]).size().max() == 1


def test_the_committed_sample_is_what_the_generator_writes(tmp_path):
    write_sample(tmp_path, clients=4, seed=2025)
    committed = config.SAMPLE_CLIENTS_DIR
    assert sorted(p.name for p in committed.iterdir() if p.is_dir()) == sorted(p.name for p in tmp_path.iterdir())
    for folder in tmp_path.iterdir():
        files = [str(f) for f in _files(folder)]
        assert files == [str(f) for f in _files(committed / folder.name)]
        _, mismatch, errors = filecmp.cmpfiles(folder, committed / folder.name, files, shallow=False)
        assert mismatch == [] and errors == [], f"regenerate the sample: {mismatch}"


def test_no_cpt_descriptors_in_the_sample(tmp_path):
    folder = write_sample(tmp_path, clients=1, seed=1)[0]
    text = " ".join(p.read_text() for p in folder.rglob("*.csv")).lower()
    for word in ("office", "visit", "established", "patient"):
        assert word not in text


@pytest.mark.parametrize("specialty", sorted(CODE_MIX))
def test_every_code_in_the_mix_is_paid_in_the_office(specialty):
    codes = sorted({c for c, _, _ in CODE_MIX[specialty]})
    prices = medicare.price(SAMPLE_RELEASE, localities=["06102-99"], codes=codes)
    mods = {(c, m) for c, m, _ in CODE_MIX[specialty]}
    priced = prices[prices.apply(lambda r: (r.hcpcs, r.modifier) in mods, axis=1)]
    assert len(priced) == len(mods)
    assert priced["nonfacility_amount"].notna().all()
