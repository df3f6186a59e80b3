"""The report notebook's parameters (papermill) and ratekit.notebook's check of them."""

import pytest
from papermill.inspection import inspect_notebook

from ratekit import config
from ratekit.benchmark import BENCHMARKS
from ratekit.errors import RatekitError
from ratekit.notebook import check_parameters


def test_every_parameter_is_documented_for_papermill_help():
    params = inspect_notebook(str(config.CLIENT_REPORT_NOTEBOOK))
    assert list(params) == ["client_id", "clients_root", "output_dir", "benchmark", "target_pct_of_medicare"]
    for name, param in params.items():
        assert param["help"], f"{name} has no comment, so `papermill --help-notebook` shows nothing for it"
    assert all(f'"{b}"' in params["benchmark"]["help"] for b in BENCHMARKS)  # every value, not 3 of 4
    # the target is a percent of Medicare (130 for 130%), and the comment says so
    assert "a percent of Medicare, e.g. 130" in params["target_pct_of_medicare"]["help"]


def test_wrong_parameters_are_named():
    assert check_parameters("springfield-family-medicine", "", "target", 130) == ("", "target", 1.3)
    with pytest.raises(RatekitError) as info:
        check_parameters("springfield-family-medicine", "", "cheapest", 0.0)
    assert info.value.problems[0].column == "benchmark"
    with pytest.raises(RatekitError) as info:
        check_parameters("springfield-family-medicine", "", "target", 0.0)
    assert info.value.problems[0].column == "target_pct_of_medicare"
    assert "130 for 130% of Medicare" in info.value.problems[0].fix


def test_parameters_as_people_type_them(tmp_path):
    # 130, "130%" and " 130 % " are 130%; the benchmark's case does not matter
    for typed in (130, "130%", " 130 % ", 130.0):
        assert check_parameters("springfield-family-medicine", "", "Target", typed) == ("", "target", 1.3)
    assert check_parameters("springfield-family-medicine", "", "MEDIAN")[1] == "median"
    assert check_parameters("springfield-family-medicine", "", "Mean of others")[1] == "mean_of_others"
    with pytest.raises(RatekitError) as info:  # 1.3 is a multiple, 13000 an extra zero or two: both refused
        check_parameters("springfield-family-medicine", "", "target", 1.3)
    assert str(info.value.problems[0]) == (
        "error: (notebook parameters), column 'target_pct_of_medicare': 1.3% of Medicare is not a plausible rate "
        "(ratekit takes 30% to 500%) (value: 1.3). Fix: write the percent, e.g. 130 for 130% of Medicare; 1.3 looks "
        "like a multiple: write 130 for 130% of Medicare")
    with pytest.raises(RatekitError, match="13000% of Medicare is not a plausible rate"):
        check_parameters("springfield-family-medicine", "", "target", 13000)
    for edge in (30, 500):
        assert check_parameters("springfield-family-medicine", "", "target", edge)[2] == edge / 100


def test_a_relative_clients_root_is_under_the_project_folder():
    root, _, _ = check_parameters("springfield-family-medicine", "data/sample/clients")
    assert root == str(config.SAMPLE_CLIENTS_DIR.resolve())
    with pytest.raises(RatekitError) as info:
        check_parameters("springfield-family-medicine", "no/such/folder")
    assert info.value.problems[0].value == str(config.PROJECT_ROOT / "no" / "such" / "folder")
