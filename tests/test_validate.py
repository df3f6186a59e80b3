"""``ratekit validate``: one clear, actionable message for each kind of bad input, never a traceback."""

from pathlib import Path

import pytest
import yaml

from conftest import write_client
from ratekit import cli
from ratekit.client import list_clients
from ratekit.config import SAMPLE_CLIENTS_DIR
from ratekit.validate import ValidationReport, validate_client_dir

GOOD_BETA = "code,rate\n99213,95\n99214,130\n"


def _alpha(tmp_path: Path, text: str | bytes, name: str = "alpha.csv") -> Path:
    """A tiny client whose first payer's fee schedule is ``text``."""
    folder = write_client(tmp_path, fee_schedules={f"fee_schedules/{name}": "x", "fee_schedules/beta.csv": GOOD_BETA})
    if name != "alpha.csv":
        data = yaml.safe_load((folder / "client.yaml").read_text())
        data["payers"][0]["fee_schedule"] = f"fee_schedules/{name}"
        (folder / "client.yaml").write_text(yaml.safe_dump(data))
    target = folder / "fee_schedules" / name
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    return folder


def _util(tmp_path: Path, text: str) -> Path:
    return write_client(tmp_path, utilization=text)


def _yaml(tmp_path: Path, text: str) -> Path:
    folder = write_client(tmp_path)
    (folder / "client.yaml").write_text(text, encoding="utf-8")
    return folder


def _contract(tmp_path: Path, contract: dict) -> Path:
    """A tiny client whose second payer is paid under ``contract`` (and has no fee schedule)."""
    folder = write_client(tmp_path)
    data = yaml.safe_load((folder / "client.yaml").read_text())
    data["payers"][1].pop("fee_schedule")
    data["payers"][1]["contract"] = contract
    (folder / "client.yaml").write_text(yaml.safe_dump(data))
    return folder


#: (case, how to build the folder, the line ratekit validate must print)
ERRORS = [
    ("missing code column", lambda t: _alpha(t, "procedure_name,rate\nx,1\n"),
     "error: tiny/fee_schedules/alpha.csv, row 1: no code column (value: 'procedure_name, rate'). "
     "Fix: name a column one of: code, cpt, hcpcs, cpt hcpcs, hcpcs code, cpt code"),
    ("missing rate column", lambda t: _alpha(t, "code,price_maybe\n99213,1\n"),
     "error: tiny/fee_schedules/alpha.csv, row 1: no rate column (value: 'code, price_maybe'). Fix: name a column one "
     "of: rate, fee, allowed, allowed amount, contract rate, amount (or '% of Medicare' for a percent of Medicare)"),
    ("non-numeric rate", lambda t: _alpha(t, "code,rate\n99213,abc\n"),
     "error: tiny/fee_schedules/alpha.csv, row 2, column 'rate': the rate is not a number (value: 'abc'). "
     "Fix: write the allowed amount, e.g. 112.50"),
    ("negative rate", lambda t: _alpha(t, "code,rate\n99213,$-12.00\n"),
     "error: tiny/fee_schedules/alpha.csv, row 2, column 'rate': the rate is negative (value: '$-12.00'). "
     "Fix: write the allowed amount as a positive number"),
    ("malformed code", lambda t: _alpha(t, "CPT,Fee\n9921,10\n99-13,20\n"),
     "error: tiny/fee_schedules/alpha.csv, row 3, column 'CPT': not a CPT/HCPCS code (value: '99-13'). "
     "Fix: use a 5-character code such as 99213 or G0439"),
    ("conflicting duplicates", lambda t: _alpha(t, "code,rate\n99213,100\n99214,150\n99213,110\n"),
     "error: tiny/fee_schedules/alpha.csv, row 4, column 'rate': code 99213 appears with different rates "
     "(value: '100.00, 110.00'). Fix: keep one rate for 99213 (first at row 2)"),
    ("unknown payer", lambda t: _util(t, "payer,code,units\nAlpha Health,99213,5\nGamma Plan,99213,5\n"),
     "error: tiny/utilization.csv, row 3, column 'payer': unknown payer (value: 'Gamma Plan'). "
     "Fix: use a payer name from client.yaml or add it to that payer's aliases"),
    ("unreadable file", lambda t: _alpha(t, b"PK\x03\x04 not really a workbook", name="alpha.xlsx"),
     "error: tiny/fee_schedules/alpha.xlsx: cannot read the file (BadZipFile). Fix: save it as CSV (UTF-8) or XLSX"),
    ("empty file", lambda t: _alpha(t, ""),
     "error: tiny/fee_schedules/alpha.csv: the file is empty. Fix: export the file again"),
    ("header only", lambda t: _alpha(t, "code,rate\n"),
     "error: tiny/fee_schedules/alpha.csv: the fee schedule has no rows. Fix: export the fee schedule again with its "
     "rates"),
    ("bad units", lambda t: _util(t, "payer,code,units\nAlpha Health,99213,many\n"),
     "error: tiny/utilization.csv, row 2, column 'units': units must be a number, 0 or more (value: 'many'). "
     "Fix: write the count of units billed in the year"),
    ("broken client.yaml", lambda t: _yaml(t, "name: x\npayers: [\n  - oops: {\n"),
     "error: tiny/client.yaml, row 3: not valid YAML: expected the node content"),
    ("client.yaml values", lambda t: write_client(t, yaml_data={"specialty": "astrology"}),
     "error: tiny/client.yaml, column 'specialty': unknown specialty (value: 'astrology')"),
    ("contract as a multiple", lambda t: _contract(t, {"percent_of_medicare": 1.2}),
     "error: tiny/client.yaml, column 'payers[2].contract.percent_of_medicare': the percent of Medicare is written as "
     "a percent (value: 1.2). Fix: write 120 for 120% of Medicare"),
    ("contract without a percent", lambda t: _contract(t, {"medicare_year": 2025}),
     "error: tiny/client.yaml, column 'payers[2].contract': a contract is a mapping with 'percent_of_medicare'"),
    ("contract of a missing year", lambda t: _contract(t, {"percent_of_medicare": 110, "medicare_year": 2019}),
     "error: tiny/client.yaml, column 'payers[2].contract.medicare_year': no Medicare fee schedule of that year or "
     "release is available (value: 2019)"),
    ("contract of a missing release", lambda t: _contract(t, {"percent_of_medicare": 110, "medicare_release": "2019A"}),
     "error: tiny/client.yaml, column 'payers[2].contract.medicare_release': no Medicare fee schedule of that year "
     "or release is available (value: '2019A')"),
]

WARNINGS = [
    ("exact duplicate", lambda t: _alpha(t, "code,rate\n99213,100\n99214,150\n99213,100.00\n"),
     "warning: tiny/fee_schedules/alpha.csv, row 4: code 99213 is listed twice with the same rate. "
     "Fix: remove the repeated row (first at row 2)"),
    ("code not in the PFS", lambda t: _alpha(t, "code,rate\n99213,100\n99214,150\n99999,5\n"),
     "warning: tiny/fee_schedules/alpha.csv, row 4, column 'code': code 99999 is not in the Medicare Physician Fee "
     "Schedule (2025D) (value: '99999'). Fix: check the code; its rate is kept but has no percent of Medicare"),
    ("not payable", lambda t: _alpha(t, "code,rate\n99213,100\n99214,150\nA4550,5\n"),
     "warning: tiny/fee_schedules/alpha.csv, row 4, column 'code': Medicare does not pay code A4550 under the fee "
     "schedule (status B: bundled into other services) (value: 'A4550')"),
    ("volume with no rate", lambda t: _util(t, "payer,code,units\nAlpha Health,99213,5\nAH,99215,4\n"),
     "warning: tiny/utilization.csv, row 3: 4 units of 99215 billed to Alpha Health, who has no rate for it "
     "(value: '99215'). Fix: add the code to Alpha Health's fee schedule, or check the payer and code"),
    ("only future rates", lambda t: _alpha(t, "code,rate,effective\n99213,100,\n99214,150,\n99215,200,2026-01-01\n"),
     "warning: tiny/fee_schedules/alpha.csv, row 4, column 'effective': code 99215 has only rates effective after "
     "2025-07-01 (value: '2026-01-01')"),
    ("unknown client.yaml key", lambda t: write_client(t, yaml_data={"colour": "blue"}),
     "warning: tiny/client.yaml, column 'colour': unknown key 'colour'"),
]


@pytest.mark.parametrize("case, build, line", ERRORS, ids=[c[0] for c in ERRORS])
def test_each_error_is_listed_and_fails(tmp_path, case, build, line):
    report = validate_client_dir(build(tmp_path))
    assert not report.ok
    assert any(str(p).startswith(line) for p in report.errors), report.text()


@pytest.mark.parametrize("case, build, line", ERRORS, ids=[c[0] for c in ERRORS])
def test_cli_prints_each_error_and_exits_1_without_traceback(tmp_path, capsys, case, build, line):
    folder = build(tmp_path)
    code = cli.main(["validate", str(folder)])
    out, err = capsys.readouterr()
    assert code == 1
    assert line in out
    assert "Fix the errors and run `ratekit validate` again" in out.splitlines()[-1]
    assert "Traceback" not in out + err


@pytest.mark.parametrize("case, build, line", WARNINGS, ids=[c[0] for c in WARNINGS])
def test_cli_prints_each_warning_and_exits_0(tmp_path, capsys, case, build, line):
    folder = build(tmp_path)
    code = cli.main(["validate", str(folder)])
    out, err = capsys.readouterr()
    assert code == 0, out
    assert line in out
    assert out.splitlines()[-1].startswith("tiny: 0 errors, ") and "can be rendered" in out.splitlines()[-1]
    assert "Traceback" not in out + err


def test_every_problem_is_listed_at_once(tmp_path):
    folder = write_client(tmp_path, fee_schedules={"fee_schedules/alpha.csv": "code,rate\n99213,abc\n99214,-1\n",
                                                   "fee_schedules/beta.csv": ""},
                          utilization="payer,code,units\nNobody,99213,1\n")
    report = validate_client_dir(folder)
    assert [p.message for p in report.errors] == ["the rate is not a number", "the rate is negative",
                                                  "the file is empty", "unknown payer"]
    lines = report.text().splitlines()
    assert len(lines) == 5 and lines[-1].startswith("tiny: 4 errors, 0 warnings.")


def test_a_clean_folder_and_the_sample_clients(tmp_path):
    report = validate_client_dir(write_client(tmp_path))
    assert report.ok and report.problems == [] and report.text() == "tiny: no problems found."
    for client_id in list_clients():
        sample = validate_client_dir(SAMPLE_CLIENTS_DIR / client_id)
        assert sample.ok, sample.text()


def test_a_missing_folder_is_a_problem_not_an_exception(tmp_path, capsys):
    assert cli.main(["validate", str(tmp_path / "nowhere")]) == 1
    out = capsys.readouterr().out
    assert "no such client folder" in out and "Traceback" not in out


def test_an_unexpected_failure_becomes_a_listed_problem(tmp_path, monkeypatch):
    def broken(client):
        raise KeyError("surprise")

    monkeypatch.setattr("ratekit.feeschedules.read_client", broken)
    report = validate_client_dir(write_client(tmp_path))
    assert not report.ok
    assert "ratekit could not check this folder (KeyError: 'surprise')" in report.text()


def test_validate_reaches_the_library(monkeypatch, capsys):
    seen = {}

    def fake(path):
        seen["path"] = path
        return ValidationReport(Path(path))

    monkeypatch.setattr("ratekit.validate.validate_client_dir", fake)
    assert cli.main(["validate", "some/folder"]) == 0
    assert seen == {"path": Path("some/folder")}
    assert capsys.readouterr().out.strip() == "folder: no problems found."
