"""The 835 reader on small handwritten files (tests/data/x12/): hierarchy, balancing, flags, bad input.

tests/data/x12/two_transactions.835, worked by hand from its text:
- transaction 1 (TRACE1, BPR02 180.00): claim A099 100.00 -> 60.00 (CO-45 40.00); claim A100 200.00 -> 120.00:
  99213-25 150.00 - CO-45 40.00 - PR-2 20.00 = 90.00 (AMT*B6 110.00), 36415 50.00 - PR-1 5.00 - PR-3 5.00 -
  CO-45 10.00 = 30.00 (no AMT*B6: allowed 30 + 10 = 40.00), submitted as 36416; 60 + 120 = 180.00.
- transaction 2 (TRACE2, BPR02 18.50): A099 reversed (CLP02 22, -100.00 / -60.00), A099 paid again 70.00,
  A200 secondary (CLP02 2, OA-23 64.00), PLB L6 -2.50 (interest) and WO 10.00: -60 + 70 + 16 - 7.50 = 18.50.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ratekit.remit import read_remittances

DATA = Path(__file__).resolve().parent.parent / "data" / "x12"
GOOD = DATA / "two_transactions.835"
PATIENT = ("QUIXOTEPATIENT", "ZEBULON", "MEMBERX123", "QUIXOTEINSURED", "ZELDA", "MEMBERY456")


@pytest.fixture(scope="module")
def good():
    return read_remittances([GOOD])


def test_lines_claims_and_every_triplet(good):
    lines = good.lines
    assert lines["claim_id"].tolist() == ["A099", "A100", "A100", "A099", "A099", "A200"]
    assert lines["transaction"].tolist() == [1, 1, 1, 2, 2, 2]
    assert lines["line"].tolist() == [1, 1, 2, 1, 1, 1]
    assert lines["segment"].tolist() == [13, 20, 25, 12, 17, 22]  # ST = 1, counted by hand
    assert lines["allowed"].tolist() == [60.0, 110.0, 40.0, -60.0, 70.0, 16.0]  # paid + PR where no AMT*B6
    assert lines["allowed_source"].tolist()[1:3] == ["AMT*B6", "paid+PR"]
    assert lines["adjustments"].tolist()[1:3] == ["CO-45 40.00; PR-2 20.00", "PR-1 5.00; PR-3 5.00; CO-45 10.00"]
    assert lines["patient_resp"].tolist()[1:3] == [20.0, 10.0]
    assert lines["contractual"].tolist()[1:3] == [40.0, 10.0]
    assert lines["submitted_procedure"].tolist()[2] == "36416"
    assert lines.iloc[5][["modifier_1", "modifier_2", "modifier_3", "modifier_4"]].tolist() == ["25", "59", "XU", "GT"]
    assert set(lines["payer_id"]) == {"THP01"} and set(lines["payee_npi"]) == {"1234567893"}
    assert set(lines["payee_tin"]) == {"987654321"}
    assert len(good.adjustments) == 9
    assert good.plb[["reason", "reference", "amount"]].values.tolist() == [["L6", "INT01", -2.5], ["WO", "OVR9", 10.0]]
    assert good.transactions["payment"].tolist() == [180.0, 18.5]
    assert good.balanced and good.ok


def test_reversal_netted_and_secondary_kept_out(good):
    lines = good.lines
    assert lines["reversed"].tolist() == [True, False, False, False, False, False]
    assert lines["reversal"].tolist() == [False, False, False, True, False, False]
    assert lines["is_secondary"].tolist() == [False] * 5 + [True]
    assert lines["comparable"].tolist() == [False, True, True, False, True, False]
    live = lines[lines["claim_id"] == "A099"]
    assert live["paid"].sum() == 70.0  # 60 - 60 + 70: the reversal nets its original


def test_the_same_remittance_twice_is_counted_once(tmp_path):
    copy = tmp_path / "again.835"
    copy.write_bytes(GOOD.read_bytes())
    r = read_remittances([GOOD, copy])
    assert r.transactions["duplicate"].tolist() == [False, False, True, True]
    assert not r.lines.loc[r.lines["file"] == str(copy), "comparable"].any()
    assert r.lines.loc[r.lines["file"] == str(GOOD), "comparable"].sum() == 3
    assert any("same remittance" in p.message for p in r.problems)


def test_small_chunks_read_the_same(good):
    small = read_remittances([GOOD], chunk=64)  # blocks cut after each SE, even mid-chunk
    assert small.lines.equals(good.lines) and small.adjustments.equals(good.adjustments)


def _variant(tmp_path, name, old, new, count=1):
    text = GOOD.read_text()
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, count))
    return path


def _messages(r):
    return [str(p) for p in r.problems]


def test_unbalanced_claim_and_line_named_by_segment(tmp_path):
    path = _variant(tmp_path, "unbalanced.835", "SVC*HC:99213:25*150.00*90.00", "SVC*HC:99213:25*150.00*95.00")
    r = read_remittances([path, GOOD])
    text = "\n".join(_messages(r))
    assert "transaction 1, segment 20 (SVC): the service line does not balance" in text
    assert "150.00 - adjustments 60.00 = 90.00, but paid SVC03 is 95.00" in text
    assert set(r.unbalanced["level"]) == {"line"}
    assert len(r.lines) == 12  # the good file is still read


def test_non_numeric_amount(tmp_path):
    path = _variant(tmp_path, "comma.835", "CAS*CO*45*10.00", "CAS*CO*45*1,0.00")
    r = read_remittances([path, GOOD])
    text = "\n".join(_messages(r))
    assert f"{path}: transaction 1, segment 28 (CAS): adjustment amount 1 is missing or not a number" in text
    assert not r.ok and len(r.lines) == 12


def test_truncated_file_keeps_the_complete_transactions(tmp_path):
    text = GOOD.read_text()
    path = tmp_path / "cut.835"
    path.write_text(text[:text.index("CLP*A200")])
    r = read_remittances([path, GOOD])
    msgs = _messages(r)
    assert any("transaction 2, segment 1 (ST): the transaction has no SE trailer" in m and "truncated" in m
               for m in msgs)
    assert r.lines.loc[r.lines["file"] == str(path), "transaction"].tolist() == [1, 1, 1]
    assert len(r.lines) == 9


def test_837_and_4010_and_other_versions(tmp_path):
    p837 = _variant(tmp_path, "claim.837", "ST*835*0001*005010X221A1", "ST*837*0001*005010X222A1")
    r = read_remittances([p837])
    assert any("transaction 1, segment 1 (ST): an 837 claim, not an 835 remittance: skipped" in m
               for m in _messages(r))
    assert r.lines["transaction"].tolist() == [2, 2, 2]
    p4010 = _variant(tmp_path, "old.835", "005010X221A1", "004010X091A1", count=3)
    r = read_remittances([p4010, GOOD])
    assert sum("(HIPAA 4010), not 005010X221A1" in m for m in _messages(r)) == 2
    assert len(r.lines) == 6 and set(r.lines["file"]) == {str(GOOD)}


def test_wrong_separators(tmp_path):
    wrong = tmp_path / "wrong.835"
    wrong.write_text(GOOD.read_text().replace("~", "|"))  # ISA16 still followed by '|': declared '|', but...
    bad = tmp_path / "lies.835"
    text = GOOD.read_text()
    bad.write_text(text[:105] + "!" + text[106:])  # ISA says '!' ends segments; the file uses '~'
    r = read_remittances([bad, wrong, GOOD])
    assert any(m.startswith(f"error: {bad}: segment 2: after the ISA header") for m in _messages(r))
    assert len(r.lines) == 12  # '|' consistently used is read; the lying header is one problem
    junk = tmp_path / "notes.txt"
    junk.write_text("Patient QUIXOTEPATIENT was seen\n")
    r = read_remittances([junk])
    assert _messages(r) == [f"error: {junk}: not an X12 file: it starts with neither an ISA interchange header "
                            "nor an ST segment. Fix: give the 835 remittance file itself (ASC X12 005010X221A1), "
                            "not a report or a PDF of it"]


def test_patient_data_is_never_stored_nor_quoted(tmp_path, capsys):
    """A distinctive patient and insured (NM1*QC, NM1*IL) appear in no frame, output file or message."""
    from ratekit import cli

    broken = _variant(tmp_path, "broken.835", "SVC*HC:36415*50.00*30.00", "SVC*HC:36415*5O.00*31.00")
    cut = tmp_path / "cut.835"
    cut.write_text(GOOD.read_text()[:GOOD.read_text().index("MEMBERY456") + 5])
    paths = [GOOD, broken, cut]
    r = read_remittances(paths)
    seen = [r.lines, r.claims, r.adjustments, r.plb, r.transactions]
    everything = "\n".join(f.to_csv() for f in seen) + "\n".join(_messages(r)) + r.text()
    outs = [tmp_path / "l.csv", tmp_path / "l.parquet"]
    for out in outs:
        cli.main(["remit", "read", *map(str, paths), "--out", str(out)])
    cli.main(["remit", "check", *map(str, paths)])
    printed = capsys.readouterr()
    everything += printed.out + printed.err + "".join(o.read_bytes().decode("latin-1") for o in outs)
    assert "QUIXOTE" in GOOD.read_text()  # the test can fail: the name is in the input
    for word in PATIENT:
        assert word not in everything


def test_cli_check_exit_status(tmp_path, capsys):
    from ratekit import cli

    assert cli.main(["remit", "check", str(GOOD)]) == 0
    path = _variant(tmp_path, "unbalanced.835", "BPR*I*180.00", "BPR*I*181.00")
    assert cli.main(["remit", "check", str(path)]) == 1
    assert "transactions that do not balance: 1" in capsys.readouterr().out
    out = tmp_path / "lines.csv"
    assert cli.main(["remit", "read", str(GOOD), "--out", str(out)]) == 0
    assert out.read_text().count("\n") == 7


def test_a_path_given_twice_is_read_once():
    r = read_remittances([GOOD, GOOD])
    assert len(r.lines) == 6 and not r.transactions["duplicate"].any()
    assert any("given twice" in p.message for p in r.problems)


def test_a_missing_file_is_one_problem_and_the_frames_keep_their_columns(tmp_path):
    from ratekit.remit import LINE_COLUMNS

    r = read_remittances([tmp_path / "missing.835"])
    assert list(r.lines.columns) == LINE_COLUMNS and r.lines.empty
    assert [p.message for p in r.errors] == ["cannot be read: No such file or directory"]
