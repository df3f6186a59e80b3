import datetime as dt

import openpyxl
import pandas as pd
import pytest

from conftest import write_client
from ratekit import medicare
from ratekit.client import load_client
from ratekit.errors import RatekitError
from ratekit.feeschedules import (clean_code, find_columns, parse_money, parse_setting, payer_lookup, read_client,
                                  read_fee_schedule, read_utilization)


def _file(tmp_path, text: str, name: str = "p.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, expected", [
    ("$1,234.50", 1234.5), ("  88.95 ", 88.95), ("$ 12", 12.0), (".5", 0.5), (95, 95.0), (12.25, 12.25),
    ("-3.00", -3.0), ("($4.00)", -4.0), ("abc", None), ("", None), ("1.2.3", None), ("12%", None),
])
def test_parse_money(text, expected):
    assert parse_money(text) == expected


def test_clean_code_restores_dropped_zeros():
    assert clean_code(100) == "00100"
    assert clean_code(99213.0) == "99213"
    assert clean_code(" g0439 ") == "G0439"


def test_header_synonyms():
    cols = find_columns(["CPT/HCPCS", "Mod", "Allowed Amount", "Effective", "Notes"])
    assert cols == {"hcpcs": "CPT/HCPCS", "modifier": "Mod", "rate": "Allowed Amount", "effective": "Effective"}
    assert find_columns(["Proc Code", "Fee"]) == {"hcpcs": "Proc Code", "rate": "Fee"}


def test_reads_dollar_strings_and_modifiers(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text('Code,Modifier,Rate\n71046,,"$45.10"\n71046,26,12.00\n71046,tc,"$33.10"\n', encoding="utf-8")
    rates, problems = read_fee_schedule(f, payer="P")
    assert problems == []
    assert rates[["hcpcs", "modifier", "rate"]].values.tolist() == [
        ["71046", "", 45.10], ["71046", "26", 12.00], ["71046", "TC", 33.10]]
    assert rates["row"].tolist() == [2, 3, 4]


def test_bad_rows_are_reported_with_row_column_value(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("code,rate\n99213,abc\n99-13,50\n99214,-5\n99215,200\n", encoding="utf-8")
    rates, problems = read_fee_schedule(f, payer="P", display_name="c/p.csv")
    assert rates["hcpcs"].tolist() == ["99215"]
    texts = [str(p) for p in problems]
    assert texts[0].startswith("error: c/p.csv, row 2, column 'rate': the rate is not a number (value: 'abc')")
    assert "row 3, column 'code': not a CPT/HCPCS code (value: '99-13')" in texts[1]
    assert "row 4, column 'rate': the rate is negative" in texts[2]


def test_conflicting_duplicates_are_errors_and_exact_ones_warnings(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("code,rate\n99213,100\n99213,110\n99214,150\n99214,150\n", encoding="utf-8")
    rates, problems = read_fee_schedule(f, payer="P")
    assert rates["hcpcs"].tolist() == ["99214"]
    assert [p.severity for p in problems] == ["error", "warning"]
    assert "code 99213 appears with different rates" in problems[0].message
    assert problems[0].row == 3 and "first at row 2" in problems[0].fix


def test_missing_rate_column_names_the_headers(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("code,price_maybe\n99213,1\n", encoding="utf-8")
    with pytest.raises(RatekitError) as info:
        read_fee_schedule(f, payer="P", display_name="c/p.csv")
    assert "c/p.csv, row 1: no rate column (value: 'code, price_maybe')" in str(info.value)


def test_empty_and_unreadable_files(tmp_path):
    empty = tmp_path / "e.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(RatekitError, match="empty"):
        read_fee_schedule(empty, payer="P")
    junk = tmp_path / "j.xlsx"
    junk.write_bytes(b"not a workbook")
    with pytest.raises(RatekitError, match="cannot read the file"):
        read_fee_schedule(junk, payer="P")


def test_workbook_sheet_per_payer(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"CPT": ["99213"], "Fee": [101.5]}).to_excel(xl, sheet_name="Alpha", index=False)
        pd.DataFrame({"CPT": ["99213"], "Fee": ["$99.00"]}).to_excel(xl, sheet_name="Beta", index=False)
    rates, _ = read_fee_schedule(path, payer="Beta", sheet="Beta")
    assert rates["rate"].tolist() == [99.0]
    with pytest.raises(RatekitError, match="has 2 sheets"):
        read_fee_schedule(path, payer="Beta")
    with pytest.raises(RatekitError, match="no sheet 'Gamma'"):
        read_fee_schedule(path, payer="Gamma", sheet="Gamma")


def _utilization(client):
    """The client's utilization file read as read_client reads it, raising on an error (as the report does)."""
    util, problems = read_utilization(client.path(client.utilization), lookup=payer_lookup(client),
                                      display_name=f"{client.client_id}/{client.utilization}")
    if any(p.severity == "error" for p in problems):
        raise RatekitError(problems)
    return util


def test_rates_and_utilization_through_aliases(tiny_client):
    client = load_client(*tiny_client)
    rates = read_client(client).raise_for_errors().rates
    assert rates[["payer", "hcpcs", "rate"]].values.tolist() == [
        ["Alpha Health", "99213", 120.0], ["Alpha Health", "99214", 170.0],
        ["Beta Care", "99213", 95.0], ["Beta Care", "99214", 130.0]]
    util = _utilization(client)
    # "AH" is an alias of Alpha Health
    assert util.set_index(["payer", "hcpcs"])["units"].to_dict() == {
        ("Alpha Health", "99213"): 1000, ("Alpha Health", "99214"): 500,
        ("Beta Care", "99213"): 800, ("Beta Care", "99214"): 200}


def test_unknown_payer_in_utilization(tmp_path):
    write_client(tmp_path, utilization="payer,code,units\nGamma,99213,5\n")
    with pytest.raises(RatekitError) as info:
        _utilization(load_client("tiny", tmp_path))
    assert "tiny/utilization.csv, row 2, column 'payer': unknown payer (value: 'Gamma')" in str(info.value)


# --- percent of Medicare: hand-worked with the engine's exact amounts ---------------------------------
# Medicare 2025D at locality 06102-99 (REST OF ILLINOIS, ZIP 62704), from ratekit.medicare.price:
#   99214 non-facility $121.91, facility $93.29; 99213 non-facility $86.34; 2023A 99214 non-facility $124.61.

def _tiny(tmp_path, fee: str, *, util: str | None = None, yaml_data: dict | None = None):
    write_client(tmp_path, fee_schedules={"fee_schedules/alpha.csv": fee,
                                          "fee_schedules/beta.csv": "code,rate\n99213,95\n99214,130\n"},
                 utilization=util, yaml_data=yaml_data)
    return read_client(load_client("tiny", tmp_path))


def _rate(inputs, payer="Alpha Health", code="99214", setting="nonfacility"):
    r = inputs.rates
    row = r[(r["payer"] == payer) & (r["hcpcs"] == code) & (r["setting"].isin([setting, ""]))]
    assert len(row) == 1, row
    return row.iloc[0]


@pytest.mark.parametrize("fee", [
    "code,rate\n99214,120% of Medicare\n",
    "code,rate\n99214,120 % of the Medicare fee schedule\n",
    "code,rate,% of Medicare\n99214,,120%\n",
    "code,rate,% of Medicare\n99214,,120\n",
    "code,Pct of Medicare\n99214,1.2\n",
])
def test_percent_of_medicare_is_priced_at_the_clients_locality(tmp_path, fee):
    inputs = _tiny(tmp_path, fee)
    assert inputs.ok, inputs.problems
    row = _rate(inputs)
    # 1.20 x $121.91 = $146.292 -> $146.29
    assert row["rate"] == 146.29
    assert row["rate_basis"] == "pct_of_medicare" and row["contract_percent"] == 120.0
    assert row["medicare_release"] == "2025D"


def test_percent_of_medicare_rounds_half_up_exactly(tmp_path):
    fee = "code,rate\n99214,150% of Medicare\n99213,117.5% of Medicare\n"
    inputs = _tiny(tmp_path, fee)
    # 1.50 x 121.91 = 182.865 -> 182.87 (half-up, like CMS); 1.175 x 86.34 = 101.4495 -> 101.45
    assert _rate(inputs)["rate"] == 182.87
    assert _rate(inputs, code="99213")["rate"] == 101.45


def test_percent_of_medicare_per_setting_where_billed(tmp_path):
    util = "payer,code,units,pos\nAlpha Health,99214,10,11\nAlpha Health,99214,4,22\nBeta Care,99213,5,\n"
    inputs = _tiny(tmp_path, "code,rate\n99214,120% of Medicare\n", util=util)
    r = inputs.rates[inputs.rates["payer"] == "Alpha Health"].set_index("setting")["rate"]
    # non-facility 1.2 x 121.91 = 146.292 -> 146.29; facility 1.2 x 93.29 = 111.948 -> 111.95
    assert r.to_dict() == {"nonfacility": 146.29, "facility": 111.95}


def test_percent_of_an_earlier_years_medicare(tmp_path):
    inputs = _tiny(tmp_path, "code,rate\n99214,120% of 2023 Medicare\n")
    row = _rate(inputs)
    # 2023A (the newest 2023 release shipped): 1.2 x 124.61 = 149.532 -> 149.53
    assert row["medicare_release"] == "2023A" and row["rate"] == 149.53


def test_whole_payer_contract_prices_codes_the_file_lacks(tmp_path):
    data = {"payers": [
        {"name": "Alpha Health", "kind": "commercial", "patients": 600, "fee_schedule": "fee_schedules/alpha.csv",
         "aliases": ["AH"], "contract": {"percent_of_medicare": 120}},
        {"name": "Beta Care", "kind": "medicare_advantage", "patients": 400,
         "contract": {"percent_of_medicare": 100, "medicare_release": "2025A"}}]}
    inputs = _tiny(tmp_path, "code,rate\n99213,99.00\n", yaml_data=data)
    assert inputs.ok, inputs.problems
    alpha = inputs.rates[inputs.rates["payer"] == "Alpha Health"].set_index("hcpcs")
    assert alpha.loc["99213", "rate"] == 99.0 and alpha.loc["99213", "rate_basis"] == "flat"  # the carve-out
    assert alpha.loc["99214", "rate"] == 146.29 and alpha.loc["99214", "file"] == "tiny/client.yaml"
    beta = inputs.rates[inputs.rates["payer"] == "Beta Care"].set_index("hcpcs")
    expected = medicare.price("2025A", localities=["06102-99"], codes=["99213"])["nonfacility_amount"].iloc[0]
    assert beta.loc["99213", "rate"] == expected and beta.loc["99213", "medicare_release"] == "2025A"


def test_a_percent_must_say_of_what_and_be_unambiguous(tmp_path):
    inputs = _tiny(tmp_path, "code,rate,% of Medicare\n99213,12%,\n99214,,7\n99215,,abc\n99203,,\n")
    texts = [str(p) for p in inputs.errors]
    assert "row 2, column 'rate': a percent in the rate column must say of what (value: '12%')" in texts[0]
    assert "row 3, column '% of Medicare': the percent of Medicare is ambiguous" in texts[1]
    assert "row 4, column '% of Medicare': the percent of Medicare is not a number (value: 'abc')" in texts[2]
    assert "row 5, column 'rate': the rate is missing" in texts[3]


# --- effective dates --------------------------------------------------------------------------------

def test_the_rate_in_force_on_the_benchmark_date_is_kept(tmp_path):
    fee = ("code,rate,Effective Date\n99213,90,2024-01-01\n99213,95,2025-01-01\n99213,99,2026-01-01\n"
           "99214,140,\n99214,150,2025-03-01\n99215,200,2026-01-01\n")
    rates, problems = read_fee_schedule(_file(tmp_path, fee), payer="P", as_of=dt.date(2025, 7, 1))
    assert rates.set_index("hcpcs")["rate"].to_dict() == {"99213": 95.0, "99214": 150.0}
    assert [p.severity for p in problems] == ["warning"]
    assert "code 99215 has only rates effective after 2025-07-01" in problems[0].message
    assert problems[0].row == 7 and problems[0].column == "Effective Date"


def test_the_benchmark_date_comes_from_client_yaml(tmp_path):
    fee = "code,rate,effective date\n99213,90,2024-01-01\n99213,95,2025-01-01\n"
    inputs = _tiny(tmp_path, fee, yaml_data={"benchmark_date": "2024-12-31"})
    assert _rate(inputs, code="99213")["rate"] == 90.0


def test_a_bad_effective_date_is_an_error(tmp_path):
    rates, problems = read_fee_schedule(_file(tmp_path, "code,rate,Effective\n99213,90,soon\n"), payer="P")
    assert rates.empty
    assert "row 2, column 'Effective': the effective date is not a date (value: 'soon')" in str(problems[0])


def test_without_as_of_every_dated_row_is_kept_and_dates_split_duplicates(tmp_path):
    fee = "code,rate,Effective\n99213,90,2024-01-01\n99213,95,1/1/2025\n"
    rates, problems = read_fee_schedule(_file(tmp_path, fee), payer="P")
    assert problems == [] and rates["rate"].tolist() == [90.0, 95.0]
    assert rates["effective_date"].dt.year.tolist() == [2024, 2025]


# --- settings ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, setting", [
    ("", ""), ("11", "nonfacility"), ("office", "nonfacility"), ("Non-Facility", "nonfacility"), ("10", "nonfacility"),
    ("2", "facility"),
    ("22", "facility"), ("19", "facility"), ("21", "facility"), ("23", "facility"), ("24", "facility"),
    ("ASC", "facility"), ("Hospital", "facility"), ("facility", "facility"), ("both", ""), ("moon", None)])
def test_parse_setting(text, setting):
    assert parse_setting(text) == setting


def test_rates_by_setting_and_an_unknown_setting(tmp_path):
    fee = "code,rate,POS\n99213,100,office\n99213,70,hospital\n99214,150,\n99215,200,spaceship\n"
    rates, problems = read_fee_schedule(_file(tmp_path, fee), payer="P")
    assert rates[["hcpcs", "setting", "rate"]].values.tolist() == [
        ["99213", "nonfacility", 100.0], ["99213", "facility", 70.0], ["99214", "", 150.0]]
    assert "row 5, column 'POS': unknown place of service (value: 'spaceship')" in str(problems[0])


def test_utilization_settings_default_to_the_office(tmp_path):
    util = "payer,code,units,Place of Service\nAlpha Health,99213,10,11\nAlpha Health,99213,3,22\nAH,99213,2,\n"
    write_client(tmp_path, utilization=util)
    out = _utilization(load_client("tiny", tmp_path))
    assert out.set_index("setting")["units"].to_dict() == {"nonfacility": 12.0, "facility": 3.0}


# --- payer names, files, layout --------------------------------------------------------------------

def test_payer_spellings_fold_to_one_payer_and_unknown_names_are_grouped(tmp_path):
    util = ("payer,code,units\nALPHA HEALTH,99213,1\n  alpha health ,99213,2\nAH,99213,3\nAlpha,99213,4\n"
            "Gamma,99213,1\nGamma,99214,1\nGamma,99215,1\n")
    write_client(tmp_path, utilization=util)
    with pytest.raises(RatekitError) as info:
        _utilization(load_client("tiny", tmp_path))
    assert str(info.value).count("unknown payer") == 1
    assert "row 6, column 'payer': unknown payer (on 3 rows; the first is shown) (value: 'Gamma')" in str(info.value)
    write_client(tmp_path, utilization=util.split("Gamma")[0])
    out = _utilization(load_client("tiny", tmp_path))
    assert out[["payer", "units"]].values.tolist() == [["Alpha Health", 10.0]]


def test_a_shared_file_with_a_payer_column(tmp_path):
    shared = "Payer,CPT,Fee\nAlpha,99213,120\nBETA CARE,99213,95\nAH,99214,170\nBeta Care,99214,130\nZeta,99213,1\n"
    data = {"payers": [
        {"name": "Alpha Health", "kind": "commercial", "patients": 600, "fee_schedule": "fee_schedules/all.csv",
         "aliases": ["AH", "Alpha"]},
        {"name": "Beta Care", "kind": "medicare_advantage", "patients": 400, "fee_schedule": "fee_schedules/all.csv"}]}
    write_client(tmp_path, fee_schedules={"fee_schedules/all.csv": shared}, yaml_data=data)
    inputs = read_client(load_client("tiny", tmp_path))
    assert inputs.rates.set_index(["payer", "hcpcs"])["rate"].to_dict() == {
        ("Alpha Health", "99213"): 120.0, ("Beta Care", "99213"): 95.0,
        ("Alpha Health", "99214"): 170.0, ("Beta Care", "99214"): 130.0}
    unknown = [p for p in inputs.errors if p.message == "unknown payer"]
    assert len(unknown) == 1 and unknown[0].row == 6 and unknown[0].value == "Zeta"  # reported once, not per payer


def test_title_rows_above_the_header_and_blank_lines_keep_row_numbers(tmp_path):
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["Synthetic payer fee schedule 2025"], [], ["CPT Code", "Allowed Amount"], [99213, 90.5], [],
                ["99214", "abc"]):
        ws.append(row)
    wb.save(path)
    rates, problems = read_fee_schedule(path, payer="P")
    assert rates[["hcpcs", "rate", "row"]].values.tolist() == [["99213", 90.5, 4]]
    assert "row 6, column 'Allowed Amount': the rate is not a number (value: 'abc')" in str(problems[0])
    csv = _file(tmp_path, "code,rate\n99213,90\n\n99214,x\n")
    assert read_fee_schedule(csv, payer="P")[1][0].row == 4


def test_windows_csv_and_old_excel(tmp_path):
    f = tmp_path / "w.csv"
    f.write_bytes("code,rate,note\n99213,90,Caf\xe9 plan\n".encode("cp1252"))
    assert read_fee_schedule(f, payer="P")[0]["rate"].tolist() == [90.0]
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(RatekitError, match="old Excel .xls files cannot be read"):
        read_fee_schedule(old, payer="P")


# --- Medicare checks and volume without a rate -------------------------------------------------------

def test_codes_medicare_does_not_pay_are_warnings(tmp_path):
    # 2025D: 0001F status I, A4550 status B, 99999 not in the file, 93000 has no facility amount
    fee = "code,mod,rate,POS\n99213,,100,\n0001F,,1,\nA4550,,5,\n99999,,9,\n93000,,20,22\n99213,TC,5,\n"
    inputs = _tiny(tmp_path, fee)
    assert inputs.ok
    texts = [str(p) for p in inputs.warnings if "alpha.csv" in p.file]
    assert any("row 3, column 'code': Medicare does not pay code 0001F under the fee schedule (status I: not valid "
               "for Medicare" in t for t in texts)
    assert any("row 4, column 'code': Medicare does not pay code A4550" in t and "status B: bundled" in t
               for t in texts)
    assert any("row 5, column 'code': code 99999 is not in the Medicare Physician Fee Schedule (2025D)" in t
               for t in texts)
    assert any("row 6, column 'code': Medicare pays no facility amount for code 93000" in t for t in texts)
    assert any("row 7, column 'code': code 99213 has no modifier TC" in t for t in texts)
    assert all(t.startswith("warning: ") for t in texts) and len(texts) == 5


def test_units_billed_without_a_rate_are_warnings(tmp_path):
    util = "payer,code,units\nAlpha Health,99213,10\nAlpha Health,99215,7\nBeta Care,99213,3\n"
    inputs = _tiny(tmp_path, "code,rate\n99213,100\n", util=util)
    texts = [str(p) for p in inputs.warnings]
    assert texts == ["warning: tiny/utilization.csv, row 3: 7 units of 99215 billed to Alpha Health, who has no rate "
                     "for it (value: '99215'). Fix: add the code to Alpha Health's fee schedule, or check the payer "
                     "and code"]


def test_read_client_collects_problems_instead_of_raising(tmp_path):
    write_client(tmp_path, fee_schedules={"fee_schedules/alpha.csv": "",
                                          "fee_schedules/beta.csv": "code,rate\n99213,x\n"},
                 utilization="payer,code,units\nNobody,99213,1\n")
    inputs = read_client(load_client("tiny", tmp_path))
    assert not inputs.ok
    messages = [p.message for p in inputs.errors]
    assert messages == ["the file is empty", "the rate is not a number", "unknown payer"]
    with pytest.raises(RatekitError, match="has problems in its input files"):
        inputs.raise_for_errors()


def test_vectorised_reader_matches_row_by_row_messages_on_many_rows(tmp_path):
    rows = ["code,modifier,rate"] + [f"{99200 + i % 20},{'26' if i % 7 == 0 else ''},{i % 50 + 10}.25"
                                     for i in range(3000)]
    rows[1500] = "99213,,oops"
    rows[2000] = "9X213,,10"
    rates, problems = read_fee_schedule(_file(tmp_path, "\n".join(rows) + "\n"), payer="P")
    errors = [p for p in problems if p.severity == "error"]
    assert [(p.row, p.message) for p in errors[:2]] == [(1501, "the rate is not a number"),
                                                        (2001, "not a CPT/HCPCS code")]
