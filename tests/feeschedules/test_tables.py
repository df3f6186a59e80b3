"""Tests for ratekit.feeschedules.tables: CSV and XLSX read, the header found by its words, unreadable files named."""

import openpyxl
import pandas as pd
import pytest

from ratekit.errors import RatekitError
from ratekit.feeschedules import find_columns, read_fee_schedule


def _file(tmp_path, text: str, name: str = "p.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_header_synonyms():
    cols = find_columns(["CPT/HCPCS", "Mod", "Allowed Amount", "Effective", "Notes"])
    assert cols == {"hcpcs": "CPT/HCPCS", "modifier": "Mod", "rate": "Allowed Amount", "effective": "Effective"}
    assert find_columns(["Proc Code", "Fee"]) == {"hcpcs": "Proc Code", "rate": "Fee"}


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
