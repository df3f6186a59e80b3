"""client.yaml's ``remittances:``: patterns relative to the client folder, never outside it."""

from __future__ import annotations

import pytest

from conftest import write_client
from ratekit.client import load_client
from ratekit.errors import RatekitError


def _with_remits(tmp_path, pattern, files=("remits/a.835", "remits/b.835"), **extra):
    folder = write_client(tmp_path, yaml_data={"remittances": pattern, **extra})
    for name in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("ST*835*0001~SE*2*0001~", encoding="ascii")
    return folder


def test_a_pattern_names_the_files_inside_the_folder(tmp_path):
    folder = _with_remits(tmp_path, "remits/*.835")
    client = load_client("tiny", tmp_path)
    assert client.remittances == ("remits/*.835",)
    assert [p.name for p in client.remittance_files()] == ["a.835", "b.835"]
    assert all(p.is_relative_to(folder.resolve()) for p in client.remittance_files())


@pytest.mark.parametrize("pattern", ["../other/*.835", "/etc/*", "remits/../../*.835", "~/x.835"])
def test_a_pattern_cannot_leave_the_folder(tmp_path, pattern):
    _with_remits(tmp_path, pattern)
    with pytest.raises(RatekitError) as err:
        load_client("tiny", tmp_path)
    assert "outside the client folder" in str(err.value) and pattern in str(err.value)


def test_a_pattern_matching_nothing_is_an_error(tmp_path):
    _with_remits(tmp_path, ["remits/*.835", "era/*.txt"])
    with pytest.raises(RatekitError, match="no file in the client folder matches"):
        load_client("tiny", tmp_path)


def test_with_remittances_utilization_and_fee_schedules_are_optional(tmp_path):
    _with_remits(tmp_path, "remits/*.835", utilization=None, payers=[
        {"name": "Alpha Health", "kind": "commercial", "patients": 600}])
    client = load_client("tiny", tmp_path)
    assert client.utilization == "" and client.payers[0].fee_schedule == ""
    write_client(tmp_path, "plain", yaml_data={"payers": [{"name": "Alpha Health", "kind": "commercial",
                                                          "patients": 600}]})
    with pytest.raises(RatekitError, match="a payer needs a fee_schedule"):
        load_client("plain", tmp_path)
