"""Excel export: one sheet per table, nothing a spreadsheet could run as a formula, nothing half-written."""

from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import write_client
from ratekit import cli
from ratekit.errors import RatekitError
from ratekit.export import export_client, neutralise, save_value_propositions, write_value_propositions

EVIL = ['=HYPERLINK("http://x","click")', "@SUM(A1)", "+1+1", "-2+3", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", EVIL)
def test_neutralise_prefixes_formula_starts(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Alpha Health", "99213", "", 12.5, None, -3])
def test_neutralise_leaves_other_values(value):
    assert neutralise(value) == value


def _evil_client(tmp_path: Path) -> Path:
    folder = write_client(tmp_path)
    data = yaml.safe_load((folder / "client.yaml").read_text())
    data["payers"][0]["name"] = EVIL[0]
    data["payers"][0]["aliases"] = ["AH", "Alpha Health"]
    data["payers"][1]["name"] = EVIL[1]
    data["payers"][1]["aliases"] = ["Beta Care"]
    data["name"] = "=cmd|' /C calc'!A0 Clinic (synthetic)"
    (folder / "client.yaml").write_text(yaml.safe_dump(data))
    return folder


def test_no_cell_is_a_formula_and_names_stay_readable(tmp_path):
    _evil_client(tmp_path)
    path = export_client("tiny", tmp_path, out=tmp_path / "reports")
    assert path == (tmp_path / "reports" / "tiny" / "tiny_rate_analysis.xlsx").resolve()
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["About", "Payers", "Priority", "Code gaps", "Below Medicare", "What-if", "Comparison",
                               "Rates", "Warnings"]
    texts = []
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert "'" + EVIL[0] in texts and "'" + EVIL[1] in texts
    assert "'=cmd|' /C calc'!A0 Clinic (synthetic)" in texts
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)


def test_the_payer_sheet_holds_the_analysis(tmp_path):
    write_client(tmp_path)
    book = openpyxl.load_workbook(export_client("tiny", tmp_path, out=tmp_path))
    rows = list(book["Payers"].values)
    header = rows[0]
    assert header[:3] == ("Payer", "Kind", "% of Medicare")
    by_payer = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    # tiny client at 06102-99, 2025D: Alpha 120 x 1000 + 170 x 500 over 86.34 x 1000 + 121.91 x 500
    assert by_payer["Alpha Health"]["% of Medicare"] == pytest.approx(205000 / 147295)
    assert by_payer["Beta Care"]["% of Medicare"] == pytest.approx(
        (95 * 800 + 130 * 200) / (86.34 * 800 + 121.91 * 200))


def test_the_workbook_reads_like_a_report(tmp_path):
    write_client(tmp_path)
    book = openpyxl.load_workbook(export_client("tiny", tmp_path, out=tmp_path))
    for sheet in book:
        header = [c.value for c in sheet[1]]
        assert not any("_" in str(h) for h in header if h), (sheet.title, header)
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
    payers = book["Payers"]
    cols = {c.value: c.column_letter for c in payers[1]}
    # money, percent and count formats on the columns; row 2 is Beta Care (the larger gap), paid
    # 95 x 800 + 130 x 200 = $102,000
    assert payers[f"{cols['Payer']}2"].value == "Beta Care"
    assert payers[f"{cols['Revenue']}2"].number_format == "$#,##0"
    assert payers[f"{cols['Revenue']}2"].value == pytest.approx(102000)
    assert payers[f"{cols['% of Medicare']}2"].number_format == "0.0%"
    assert payers[f"{cols['Units']}2"].number_format == "#,##0"
    code = book["Comparison"]
    ccols = {c.value: c.column_letter for c in code[1]}
    assert code[f"{ccols['Rate']}2"].number_format == "$#,##0.00"
    # widths fit the header at least ("Medicare-valued revenue" is 23 characters)
    assert payers.column_dimensions[cols["Medicare-valued revenue"]].width >= 23


def test_a_client_with_errors_writes_nothing(tmp_path):
    folder = write_client(tmp_path)
    (folder / "fee_schedules" / "alpha.csv").write_text("code,rate\n99213,abc\n", encoding="utf-8")
    with pytest.raises(RatekitError, match="the rate is not a number"):
        export_client("tiny", tmp_path, out=tmp_path / "reports")
    assert not any((tmp_path / "reports").rglob("*.xlsx"))


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    write_client(tmp_path)

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("pandas.DataFrame.to_excel", explode)
    with pytest.raises(OSError, match="disk full"):
        export_client("tiny", tmp_path, out=tmp_path / "reports")
    assert list((tmp_path / "reports" / "tiny").iterdir()) == []


def test_export_cannot_leave_the_reports_folder(tmp_path):
    with pytest.raises(RatekitError, match="client id"):
        export_client("../evil", tmp_path, out=tmp_path)


def test_cli_export_reaches_export_client(monkeypatch, capsys):
    seen = {}

    def fake(client_id, *, root, out):
        seen.update(client_id=client_id, root=root, out=out)
        return Path("x.xlsx")

    monkeypatch.setattr("ratekit.export.export_client", fake)
    assert cli.main(["export", "tiny", "--root", "r", "--out", "o"]) == 0
    assert seen == {"client_id": "tiny", "root": Path("r"), "out": Path("o")}
    assert capsys.readouterr().out.strip() == "x.xlsx"


def test_value_propositions_written_as_markdown_or_text(tmp_path):
    facts = [{"client_name": "Maple", "payer": "Bolt", "payer_kind": "medicaid_managed_care"}]
    md = write_value_propositions(facts, tmp_path / "out" / "vp.md")
    txt = write_value_propositions(facts, tmp_path / "vp.txt")
    paragraph = ("Bolt (Medicaid managed care) is one of Maple's payers. The practice lists no same-day, "
                 "after-hours or extended-hours access, so no ER savings are claimed.")
    assert md.read_text(encoding="utf-8") == f"### Bolt\n\n**Bolt** {paragraph[5:]}\n"
    assert txt.read_text(encoding="utf-8") == f"Bolt\n----\n{paragraph}\n"
    with pytest.raises(ValueError, match="docx"):
        write_value_propositions(facts, tmp_path / "vp.docx")
    assert save_value_propositions(facts, "") is None
    assert save_value_propositions(facts, tmp_path / "r") == tmp_path / "r" / "value_propositions.md"
