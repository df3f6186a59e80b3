"""Tests for ratekit.feeschedules.schedules: a fee schedule's rows checked, repeats resolved, the rate in force kept."""

import datetime as dt


from ratekit.feeschedules import read_fee_schedule

from .clients import rate_of, tiny_inputs


def _file(tmp_path, text: str, name: str = "p.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


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


# --- effective dates --------------------------------------------------------------------------------

def test_the_rate_in_force_on_the_benchmark_date_is_kept(tmp_path):
    fee = ("code,rate,Effective Date\n99213,90,2024-01-01\n99213,95,2025-01-01\n99213,99,2026-01-01\n"
           "99214,140,\n99214,150,2025-03-01\n99215,200,2026-01-01\n")
    rates, problems = read_fee_schedule(_file(tmp_path, fee), payer="P", as_of=dt.date(2025, 7, 1))
    assert rates.set_index("hcpcs")["rate"].to_dict() == {"99213": 95.0, "99214": 150.0}
    assert [p.severity for p in problems] == ["warning", "warning"]
    assert "code 99215 has only rates effective after 2025-07-01" in problems[0].message
    assert problems[0].row == 7 and problems[0].column == "Effective Date"
    # 99213 at 90 (2024) and 99214 at 140 (undated) are replaced; 99213 at 99 and 99215 start in 2026
    assert problems[1].message == ("4 rows are not in force on 2025-07-01 and left out (2 effective after "
                                   "2025-07-01, 2 replaced by a later rate)")


def test_the_benchmark_date_comes_from_client_yaml(tmp_path):
    fee = "code,rate,effective date\n99213,90,2024-01-01\n99213,95,2025-01-01\n"
    inputs = tiny_inputs(tmp_path, fee, yaml_data={"benchmark_date": "2024-12-31"})
    assert rate_of(inputs, code="99213")["rate"] == 90.0


def test_a_bad_effective_date_is_an_error(tmp_path):
    rates, problems = read_fee_schedule(_file(tmp_path, "code,rate,Effective\n99213,90,soon\n"), payer="P")
    assert rates.empty
    assert "row 2, column 'Effective': the effective date is not a date (value: 'soon')" in str(problems[0])


def test_without_as_of_every_dated_row_is_kept_and_dates_split_duplicates(tmp_path):
    fee = "code,rate,Effective\n99213,90,2024-01-01\n99213,95,1/1/2025\n"
    rates, problems = read_fee_schedule(_file(tmp_path, fee), payer="P")
    assert problems == [] and rates["rate"].tolist() == [90.0, 95.0]
    assert rates["effective_date"].dt.year.tolist() == [2024, 2025]


def test_rates_by_setting_and_an_unknown_setting(tmp_path):
    fee = "code,rate,POS\n99213,100,office\n99213,70,hospital\n99214,150,\n99215,200,spaceship\n"
    rates, problems = read_fee_schedule(_file(tmp_path, fee), payer="P")
    assert rates[["hcpcs", "setting", "rate"]].values.tolist() == [
        ["99213", "nonfacility", 100.0], ["99213", "facility", 70.0], ["99214", "", 150.0]]
    assert "row 5, column 'POS': unknown place of service (value: 'spaceship')" in str(problems[0])


def test_vectorised_reader_matches_row_by_row_messages_on_many_rows(tmp_path):
    rows = ["code,modifier,rate"] + [f"{99200 + i % 20},{'26' if i % 7 == 0 else ''},{i % 50 + 10}.25"
                                     for i in range(3000)]
    rows[1500] = "99213,,oops"
    rows[2000] = "9X213,,10"
    rates, problems = read_fee_schedule(_file(tmp_path, "\n".join(rows) + "\n"), payer="P")
    errors = [p for p in problems if p.severity == "error"]
    assert [(p.row, p.message) for p in errors[:2]] == [(1501, "the rate is not a number"),
                                                        (2001, "not a CPT/HCPCS code")]
