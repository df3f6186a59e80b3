import pandas as pd
import pytest

from conftest import write_client
from ratekit.client import load_client
from ratekit.errors import RatekitError
from ratekit.feeschedules import (clean_code, find_columns, load_rates, load_utilization, parse_money,
                                  read_fee_schedule)


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


def test_load_rates_and_utilization_through_aliases(tiny_client):
    client = load_client(*tiny_client)
    rates = load_rates(client)
    assert rates[["payer", "hcpcs", "rate"]].values.tolist() == [
        ["Alpha Health", "99213", 120.0], ["Alpha Health", "99214", 170.0],
        ["Beta Care", "99213", 95.0], ["Beta Care", "99214", 130.0]]
    util = load_utilization(client)
    # "AH" is an alias of Alpha Health
    assert util.set_index(["payer", "hcpcs"])["units"].to_dict() == {
        ("Alpha Health", "99213"): 1000, ("Alpha Health", "99214"): 500,
        ("Beta Care", "99213"): 800, ("Beta Care", "99214"): 200}


def test_unknown_payer_in_utilization(tmp_path):
    write_client(tmp_path, utilization="payer,code,units\nGamma,99213,5\n")
    with pytest.raises(RatekitError) as info:
        load_utilization(load_client("tiny", tmp_path))
    assert "tiny/utilization.csv, row 2, column 'payer': unknown payer (value: 'Gamma')" in str(info.value)
