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
    # the target is a multiple of Medicare (1.3 for 130%), and the comment says so
    assert "multiple" in params["target_pct_of_medicare"]["help"]


def test_wrong_parameters_are_named():
    check_parameters("springfield-family-medicine", "", "target", 1.3)
    with pytest.raises(RatekitError) as info:
        check_parameters("springfield-family-medicine", "", "cheapest", 0.0)
    assert info.value.problems[0].column == "benchmark"
    with pytest.raises(RatekitError) as info:
        check_parameters("springfield-family-medicine", "", "target", 0.0)
    assert info.value.problems[0].column == "target_pct_of_medicare"
    assert "1.3 for 130% of Medicare" in info.value.problems[0].fix
