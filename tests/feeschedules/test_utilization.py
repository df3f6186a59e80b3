"""Tests for ratekit.feeschedules.utilization: units per payer, code and setting, payer names through aliases."""

import pytest

from conftest import write_client
from ratekit.client import load_client
from ratekit.errors import RatekitError

from .clients import utilization_of


def test_unknown_payer_in_utilization(tmp_path):
    write_client(tmp_path, utilization="payer,code,units\nGamma,99213,5\n")
    with pytest.raises(RatekitError) as info:
        utilization_of(load_client("tiny", tmp_path))
    assert "tiny/utilization.csv, row 2, column 'payer': unknown payer (value: 'Gamma')" in str(info.value)


def test_utilization_settings_default_to_the_office(tmp_path):
    util = "payer,code,units,Place of Service\nAlpha Health,99213,10,11\nAlpha Health,99213,3,22\nAH,99213,2,\n"
    write_client(tmp_path, utilization=util)
    out = utilization_of(load_client("tiny", tmp_path))
    assert out.set_index("setting")["units"].to_dict() == {"nonfacility": 12.0, "facility": 3.0}


# --- payer names, files, layout --------------------------------------------------------------------

def test_payer_spellings_fold_to_one_payer_and_unknown_names_are_grouped(tmp_path):
    util = ("payer,code,units\nALPHA HEALTH,99213,1\n  alpha health ,99213,2\nAH,99213,3\nAlpha,99213,4\n"
            "Gamma,99213,1\nGamma,99214,1\nGamma,99215,1\n")
    write_client(tmp_path, utilization=util)
    with pytest.raises(RatekitError) as info:
        utilization_of(load_client("tiny", tmp_path))
    assert str(info.value).count("unknown payer") == 1
    assert "row 6, column 'payer': unknown payer (on 3 rows; the first is shown) (value: 'Gamma')" in str(info.value)
    write_client(tmp_path, utilization=util.split("Gamma")[0])
    out = utilization_of(load_client("tiny", tmp_path))
    assert out[["payer", "units"]].values.tolist() == [["Alpha Health", 10.0]]
