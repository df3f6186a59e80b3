"""Fee schedules as payers send them: the generated two-payer file (tests/data/feeschedules/two_payer) and small
handwritten files with one real-world feature each.

The two-payer file is written by tests/data/feeschedules/make_two_payer.py (841 rows: title rows, Modifier1/2,
POS, Fee, Effective, Terminate; 2025 rows terminated 2025-12-31; codes saved as 99213.0; "USD" and "$1,297.99"
amounts; 20610-LT/-RT; 99214-25; N/A, BR, Not covered; a Total row). Bluestem Care pays CMS's 2026 amounts,
Acme Health 130% of them rounded half-up.
"""

from __future__ import annotations

import functools

from ratekit import analysis, cli, feeschedules
from ratekit.client import load_client
from ratekit.config import PROJECT_ROOT
from ratekit.validate import validate_client_dir

from .clients import rate_of, tiny_inputs

ROOT = PROJECT_ROOT / "tests" / "data" / "feeschedules"


@functools.lru_cache(maxsize=1)
def _two_payer():
    inputs = feeschedules.read_client(load_client("two_payer", ROOT))
    return inputs, analysis.analyse_inputs(inputs)


def _rate(inputs, payer, code, modifier="", setting="nonfacility"):
    r = inputs.rates
    row = r[(r["payer"] == payer) & (r["hcpcs"] == code) & (r["modifier"] == modifier) & (r["setting"] == setting)]
    assert len(row) == 1, row
    return row.iloc[0]


def test_medicare_release_alone_benchmarks_on_1_july_of_its_year():
    inputs, _ = _two_payer()
    assert inputs.release == "2026C" and inputs.client.benchmark_year == 2026
    assert inputs.client.as_of.isoformat() == "2026-07-01"


def test_a_payer_paying_cms_amounts_is_exactly_100_percent():
    inputs, result = _two_payer()
    index = result.index.set_index("payer")["index"]
    assert index["Bluestem Care"] == 1.0
    # CMS's own PFREV26B (April 2026) pays 21610 at 06102-99 $1,297.99 in both settings; Bluestem's file says
    # "$1,297.99", Acme's "1687.39 USD" = round_half_up(1.3 x 1297.99 = 1687.387)
    assert _rate(inputs, "Bluestem Care", "21610")["rate"] == 1297.99
    assert _rate(inputs, "Acme Health", "21610", setting="facility")["rate"] == 1687.39
    assert 1.2999 < index["Acme Health"] < 1.3001


def test_terminated_rates_are_left_out_and_counted():
    inputs, _ = _two_payer()
    # the 2026 row of 21610 (1687.39), not the 2025 one (0.97 x 1687.39 -> 1636.77), is in force on 2026-07-01
    assert _rate(inputs, "Acme Health", "21610")["effective_date"].year == 2026
    counted = [p for p in inputs.warnings if "not in force on 2026-07-01" in p.message]
    # 210 lines per payer, each with a 2025 row (terminated) and a 2026 row
    assert [p.message for p in counted] == ["420 rows are not in force on 2026-07-01 and left out (420 terminated "
                                            "before 2026-07-01)"]


def test_modifier_columns_key_the_medicare_amount_or_are_kept():
    inputs, result = _two_payer()
    c = result.comparison
    professional = c[(c["payer"] == "Bluestem Care") & (c["hcpcs"] == "71046") & (c["modifier"] == "26")]
    assert set(professional["setting"]) == {"nonfacility", "facility"}
    assert (professional["pct_of_medicare"] == 1.0).all()  # priced as 71046-26, not the global code
    lt_rt = _rate(inputs, "Acme Health", "20610")
    assert lt_rt["other_modifiers"] == "LT, RT"  # one rate for both sides, not a duplicate
    v = inputs.modifier_variants
    acme = v[v["payer"] == "Acme Health"]
    assert sorted(acme["other_modifiers"] + " " + acme["setting"]) == [
        "25 facility", "25 nonfacility"]  # 99214-25 ($5 above 99214) kept, not benchmarked
    assert not inputs.errors


def test_not_priced_rates_total_rows_and_numeric_codes_are_warnings():
    inputs, _ = _two_payer()
    bluestem = inputs.rates[inputs.rates["payer"] == "Bluestem Care"]
    assert not bluestem["hcpcs"].isin(["99211", "99406", "99407"]).any()  # N/A, BR, Not covered: no $0
    kinds = {}
    for p in inputs.warnings:
        kinds[p.message.split(":")[0]] = kinds.get(p.message.split(":")[0], 0) + 1
    assert kinds["the rate says the code is not paid at a set amount (N/A, not covered, by report or manual)"] == 6
    assert kinds["the code was saved as a number with decimals and is read without them"] == 412  # Acme's digits
    assert kinds["a totals row is left out"] == 1  # once, though two payers share the file


def test_validate_prints_one_line_per_kind_and_all_lists_each(capsys):
    assert cli.main(["validate", str(ROOT / "two_payer")]) == 0
    short = capsys.readouterr().out.splitlines()
    assert cli.main(["validate", "--all", str(ROOT / "two_payer")]) == 0
    every = capsys.readouterr().out.splitlines()
    report = validate_client_dir(ROOT / "two_payer")
    assert len(every) == len(report.warnings) + 1 == 427
    assert len(short) == 6 and short[-1] == every[-1] == ("two_payer: 0 errors, 426 warnings. The client can be "
                                                          "rendered; check the warnings.")
    assert ("column 'CPT': the code was saved as a number with decimals and is read without them [412 times: rows 4, "
            "5, 6, 7, 8, ...; first value '99202.0']") in short[1]


def test_a_headerless_cms_file_is_said_plainly(tmp_path):
    cms = ('"2026","01112","05","21610","  ","0001337.33","0001337.33"," ","0","A"\n'
           '"2026","01112","09","21610","  ","0001354.35","0001354.35"," ","0","A"\n')
    inputs = tiny_inputs(tmp_path, cms)
    assert [str(p) for p in inputs.errors] == [
        "error: tiny/fee_schedules/alpha.csv, row 1: the file has no header row: its first row is already data "
        "(value: '2026, 01112, 05, 21610, , 0001337.33, 0001337.33, '). Fix: add a first row naming the columns, "
        "e.g. code, modifier, place of service, rate, effective date"]


def test_small_real_world_files(tmp_path):
    fee = ("code,mod 1,mod 2,place of service,allowed,eff date,end date\n"
           "99214,,,\"11, 12\",USD 150.00,2025-01-01,2025-12-31\n"  # an office POS list; in force 2025-07-01
           "99213,25,,11,100,,\n99213,,,11,95,,\n"
           "71046,TC,26,11,10,,\n")
    inputs = tiny_inputs(tmp_path, fee)
    assert rate_of(inputs, code="99214")["rate"] == 150.0
    assert rate_of(inputs, code="99213")["rate"] == 95.0  # the rate without 25 is benchmarked
    assert [p.message for p in inputs.errors] == ["the row has more than one pricing modifier (26, TC, 53)"]


def test_a_rate_in_a_setting_cms_marks_na_is_compared_with_what_cms_pays_there(tmp_path):
    from ratekit import report

    fee = "CPT,Modifier1,POS,Fee\n71046,,22,40.00\n71046,26,22,12.00\n99213,,11,100\n99214,,11,140\n"
    util = ("payer,code,modifier,place of service,units\nAlpha Health,71046,,22,10\nAlpha Health,71046,26,22,10\n"
            "Alpha Health,99213,,11,100\nBeta Care,99213,,11,100\n")
    inputs = tiny_inputs(tmp_path, fee, util=util)
    result = analysis.analyse_inputs(inputs)
    c = result.comparison.set_index(["payer", "hcpcs", "modifier", "setting"])
    glob = c.loc[("Alpha Health", "71046", "", "facility")]
    prices = inputs.medicare.set_index(["hcpcs", "modifier"])
    # CMS marks 71046's facility setting NA (RVU25D) and pays the non-facility amount there; 71046-26 has both
    assert bool(glob["medicare_na"]) and glob["medicare_amount"] == prices.loc[("71046", ""), "nonfacility_amount"]
    assert not c.loc[("Alpha Health", "71046", "26", "facility"), "medicare_na"]
    assert report.na_note(result) == ("1 code billed in a setting CMS marks NA is compared with the amount CMS pays "
                                      "there, the other setting's, as CMS's payment files print it: 71046 (facility).")
    assert "71046 (facility)" in report.warnings_html(result)


def test_the_gpci_basis_is_stated_in_the_report_header_and_the_workbook():
    from ratekit import export, report

    _, result = _two_payer()
    said = ("Medicare 2026C amounts use the 2026 GPCIs of the client's locality (derived from CMS's own published "
            "payment amounts; 2026B/PFREV26B.txt).")
    assert report.gpci_basis(result.release) == said
    assert said.replace("'", "&#x27;") in report.summary_html(result)
    about = export.analysis_tables(result)["About"].set_index("item")["value"]
    assert about["Medicare GPCIs"] == said


def test_utilization_with_modifier_columns_keys_units_on_the_pricing_modifier(tmp_path):
    util = ("payer,code,Modifier1,Modifier2,POS,units\nAlpha Health,20610,LT,,11,5\nAlpha Health,20610,RT,59,11,3\n"
            "Alpha Health,71046,26,,22,4\nAlpha Health,99213,25,,11,10\nBeta Care,99213,,,11,1\n")
    inputs = tiny_inputs(tmp_path, "code,rate\n99213,100\n99214,150\n20610,80\n", util=util)
    u = inputs.utilization.set_index(["payer", "hcpcs", "modifier", "setting"])["units"]
    # LT (5) and RT-59 (3) are units of 20610; 26 keys the professional component; 25 is 99213's
    assert u[("Alpha Health", "20610", "", "nonfacility")] == 8
    assert u[("Alpha Health", "71046", "26", "facility")] == 4
    assert u[("Alpha Health", "99213", "", "nonfacility")] == 10


def test_duplicates_beside_an_effective_column_no_longer_crash(tmp_path):
    # before: "ratekit could not check this folder (ValueError: Length of values (5) does not match length of index
    # (4))" (issue 15): the effective column was not carried through the removal of the repeated row
    fee = "CPT,Modifier1,Fee,Effective\n99213,,100,2025-01-01\n99213,,100,2025-01-01\n99214,,150,2025-01-01\n"
    report = validate_client_dir(tiny_inputs(tmp_path, fee).client.root)
    assert report.ok and [p.message for p in report.warnings] == ["code 99213 is listed twice with the same rate"]
