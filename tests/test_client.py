
import pytest
import yaml

from conftest import write_client
from ratekit.client import check_client_id, list_clients, load_client, normalise_name
from ratekit.errors import RatekitError


def test_loads_a_valid_client(tiny_client):
    client_id, root = tiny_client
    client = load_client(client_id, root)
    assert client.name == "Tiny Clinic (synthetic)"
    assert client.zip == "62704" and client.county_fips == "17167"
    assert [p.name for p in client.payers] == ["Alpha Health", "Beta Care"]
    assert client.payers[0].aliases == ("AH", "Alpha")
    assert client.panel_size == 1000
    assert client.conditions == {"diabetes": 100, "hypertension": 250}
    assert client.as_of.isoformat() == "2025-07-01"
    assert list_clients(root) == ["tiny"]


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", ".hidden", "x" * 65, "name with space"])
def test_client_id_cannot_leave_the_folder(bad):
    with pytest.raises(RatekitError, match="client id"):
        check_client_id(bad)


def test_missing_client_yaml_is_named(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(RatekitError) as info:
        load_client("empty", tmp_path)
    assert "empty/client.yaml" in str(info.value) and "no client.yaml" in str(info.value)


def test_broken_yaml_names_the_line(tmp_path):
    folder = write_client(tmp_path)
    (folder / "client.yaml").write_text("name: x\npayers: [\n  - oops: {\n", encoding="utf-8")
    with pytest.raises(RatekitError) as info:
        load_client("tiny", tmp_path)
    text = str(info.value)
    assert "tiny/client.yaml" in text and "not valid YAML" in text and "row " in text


def test_yaml_is_loaded_safely(tmp_path):
    folder = write_client(tmp_path)
    (folder / "client.yaml").write_text("name: !!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    with pytest.raises(RatekitError, match="not valid YAML"):
        load_client("tiny", tmp_path)


def test_every_problem_is_listed_with_key_value_and_fix(tmp_path):
    write_client(tmp_path, yaml_data={
        "specialty": "astrology",
        "location": {"zip": "627"},
        "benchmark_year": "soon",
        "payers": [{"name": "Alpha", "kind": "charity", "patients": -3, "fee_schedule": "fee_schedules/nope.csv"}],
        "conditions": {"diabetes": 5000, "gout": 3},
        "access_features": ["teleportation"],
    })
    with pytest.raises(RatekitError) as info:
        load_client("tiny", tmp_path)
    text = str(info.value)
    for expected in ["unknown specialty", "'astrology'", "ZIP code must be 5 digits", "benchmark_year",
                     "unknown payer kind", "'charity'", "payers[1].patients", "fee_schedules/nope.csv",
                     "does not exist", "unknown condition", "'gout'", "unknown access feature", "Fix:"]:
        assert expected in text, expected


def test_condition_count_above_panel_is_an_error(tmp_path):
    write_client(tmp_path, yaml_data={"conditions": {"diabetes": 1001}})
    with pytest.raises(RatekitError, match=r"more patients with the condition than in the panel \(1000\)"):
        load_client("tiny", tmp_path)


def test_file_outside_the_client_folder_is_refused(tmp_path):
    write_client(tmp_path, yaml_data={"utilization": "../../etc/passwd"})
    with pytest.raises(RatekitError, match="outside the client folder"):
        load_client("tiny", tmp_path)


def test_alias_shared_by_two_payers_is_an_error(tmp_path):
    data = yaml.safe_load((write_client(tmp_path) / "client.yaml").read_text())
    data["payers"][1]["aliases"] = ["alpha"]
    (tmp_path / "tiny" / "client.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(RatekitError, match="name also used by payer 'Alpha Health'"):
        load_client("tiny", tmp_path)


def test_normalise_name_folds_case_and_punctuation():
    assert normalise_name("BLUE CROSS, Blue-Shield ") == normalise_name("blue cross blue shield")


def test_sample_clients_all_load():
    ids = list_clients()
    assert len(ids) >= 4
    specialties = {load_client(i).specialty for i in ids}
    assert {"family_medicine", "dermatology", "cardiology", "orthopedics"} <= specialties
    for i in ids:
        client = load_client(i)
        assert "synthetic" in client.name.lower() and client.synthetic
        assert 5 <= len(client.payers) <= 8


def test_market_section_maps_reporting_entities_to_payers_through_aliases(tmp_path):
    folder = write_client(tmp_path, yaml_data={"market": {
        "files": ["market/alpha.json"], "tins": ["00-1234567"],
        "entities": {"Alpha Insurance Co (synthetic)": "AH"}}})
    (folder / "market").mkdir()
    (folder / "market" / "alpha.json").write_text("{}", encoding="utf-8")
    market = load_client("tiny", tmp_path).market
    assert market.files == ("market/alpha.json",) and market.folder is None and market.nppes is None
    assert market.entities == {"Alpha Insurance Co (synthetic)": "Alpha Health"}  # the alias, resolved
    assert market.tins == ("00-1234567",)


def test_client_without_market_section_has_none(tiny_client):
    assert load_client(*tiny_client).market is None


def test_market_section_errors_name_the_key_value_and_fix(tmp_path):
    write_client(tmp_path, yaml_data={"market": {
        "files": ["../../etc/passwd", "market/missing.json.gz"], "folder": "nowhere", "tins": ["123"],
        "entities": {"Gamma Inc": "Gamma"}}})
    with pytest.raises(RatekitError) as info:
        load_client("tiny", tmp_path)
    text = str(info.value)
    for expected in ["market.files[1]", "outside the client folder", "market.files[2]", "does not exist",
                     "market.folder", "'nowhere'", "market.tins", "'123'", "market.entities.Gamma Inc",
                     "not one of the client's payers", "Alpha Health, Beta Care"]:
        assert expected in text, expected


def test_market_section_needs_files_or_folder_and_entities(tmp_path):
    write_client(tmp_path, yaml_data={"market": {"nppes": None}})
    with pytest.raises(RatekitError) as info:
        load_client("tiny", tmp_path)
    assert "needs 'files'" in str(info.value) and "missing 'entities'" in str(info.value)
