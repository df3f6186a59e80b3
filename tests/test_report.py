"""Tests for ratekit.report: the report's sentences and tables, hand-worked on the tiny two-payer client.

Tiny client (conftest.write_client), Medicare 2025D at 06102-99: 99213 $86.34, 99214 $121.91 (non-facility).

payer         99213 rate x units   99214 rate x units   paid      Medicare-valued          index
Alpha Health  120 x 1,000          170 x 500            205,000   86,340 + 60,955 = 147,295   1.3918
Beta Care      95 x   800          130 x 200            102,000   69,072 + 24,382 =  93,454   1.0914

Median of two = (1.3918 + 1.0914) / 2 = 1.2416; Beta Care's gap = (1.3918 - 1.0914) / 2 x 93,454 = $14,033.
"""

import dataclasses
import json
import re
from html import unescape

import pytest
import yaml

from conftest import write_client
from ratekit import benchmark, report
from ratekit.analysis import analyse, analyse_leverage
from ratekit.render import render_client

ALPHA = 205000 / 147295
BETA = 102000 / 93454
GAP = (ALPHA - BETA) / 2 * 93454


@pytest.fixture
def tiny(tmp_path):
    write_client(tmp_path)
    return analyse("tiny", tmp_path)


def test_the_numbers_behind_the_sentences(tiny):
    gaps = tiny.gaps.set_index("payer")
    assert gaps.loc["Beta Care", "dollars_a_year"] == pytest.approx(GAP)
    assert round(GAP) == 14033


def test_sentences_read_from_the_numbers(tiny):
    assert report.headline(tiny) == ("Bringing Beta Care up to your median payer (124% of Medicare) would add "
                                     "$14,000 a year.")
    assert report.benchmark_sentence(tiny) == ("Benchmark: your median payer's index (124% of Medicare); both payers "
                                               "are compared together.")
    assert report.index_reading(tiny) == ("Your payers pay from 109% (Beta Care) to 139% (Alpha Health) of Medicare "
                                          "for the same work; 1 of 2 pay below the median payer.")
    assert report.small_sample_reading(tiny) == (
        "The index of Beta Care (2 codes, 1,000 units) and Alpha Health (2 codes, 1,500 units) rest on few codes or "
        "units: read it as indicative.")
    assert report.dollars_reading(tiny) == "Beta Care holds $14,000 of the $14,000 a year at stake (100%)."
    # code by code: 99213 median (120 + 95) / 2 = 107.50 -> (107.50 - 95) x 800 = 10,000; 99214 (150 - 130) x 200
    assert report.top_gaps_reading(tiny) == (
        "The largest single gap is Beta Care on 99213: $10,000 a year ($95.00 against a benchmark rate of $107.50); "
        "code by code, gaps add up to $14,000 a year because codes above the benchmark no longer offset those below.")
    # Beta Care 95 / 86.34 = 110%, 130 / 121.91 = 107%: the widest spread, and the lowest cell
    assert report.spread_reading(tiny) == ("Each payer pays its codes at a similar percent of Medicare; the widest "
                                           "spread, Beta Care's, runs from 107% to 110% of Medicare across 2 billed "
                                           "codes.")
    assert report.heatmap_reading(tiny) == ("The lowest rate among your top 2 codes is Beta Care's for 99214, at 107% "
                                            "of Medicare; Beta Care pays least on 2 of the 2 codes.")
    assert report.below_medicare_reading(tiny) == "No payer pays below Medicare on any code you bill."
    # each payer alone in its kind: its own median, no gap
    assert report.peer_group_reading(tiny) == ("Against all payers $14,000 a year is at stake; against payers of the "
                                               "same kind, $0: Beta Care falls to $0.")


def test_what_if_rounds_the_needed_increase_up(tiny):
    # 1.2416 / 1.0914 - 1 = 13.8% -> 14%; 102,000 x 0.14 = 14,280
    assert benchmark.proposed_increases(tiny.gaps) == {"Beta Care": 0.14}
    assert report.what_if_reading(tiny) == ("With the increases that bring them to the benchmark (rounded up to a "
                                            "whole percent), 1 payer would pay $14,300 more a year (14% more than "
                                            "today) on this year's volume.")
    assert report.what_if_reading(tiny, {"Alpha Health": 0.05}) == (
        "With the proposed increases, 1 payer would pay $10,200 more a year (5% more than today) on this year's "
        "volume.")
    html = report.what_if_table(tiny).to_html()
    assert "14%" in html and "$14,280" in html


def test_per_payer_benchmarks_in_words_and_on_the_chart(tmp_path):
    write_client(tmp_path)
    a = analyse("tiny", tmp_path, benchmark_name="mean_of_others")
    assert report.benchmark_label(a) == "average of your other payers"
    # Beta Care's other payer is Alpha Health alone: 139%
    assert report.headline(a).startswith(
        "Bringing Beta Care up to your average of your other payers (139% of Medicare)")
    assert report.chart_benchmark(a).to_dict() == pytest.approx({"Beta Care": ALPHA, "Alpha Health": BETA})
    kind = analyse("tiny", tmp_path, within_kind=True)
    assert report.benchmark_name(kind) == "median payer of the same kind"
    assert "each payer is compared with the payers of its own kind" in report.benchmark_sentence(kind)
    target = analyse("tiny", tmp_path, benchmark_name="target", target=1.5)
    assert report.benchmark_sentence(target) == ("Benchmark: a target of 150% of Medicare; both payers are compared "
                                                 "together.")


def test_client_names_are_escaped_in_every_rate_table_and_sentence(tmp_path):
    folder = write_client(tmp_path)
    data = yaml.safe_load((folder / "client.yaml").read_text())
    data["payers"][1]["name"] = "<script>alert(1)</script>"
    data["payers"][1]["aliases"] = ["Beta Care"]
    (folder / "client.yaml").write_text(yaml.safe_dump(data))
    (folder / "fee_schedules" / "alpha.csv").write_text("code,rate\n99213,120\n99214,170\n99214,170\n")
    a = analyse("tiny", tmp_path)
    pieces = [report.paragraph(report.headline(a)), report.paragraph(report.index_reading(a)),
              report.paragraph(report.top_gaps_reading(a)), report.priority_table(a).to_html(),
              report.code_gaps_table(a).to_html(), report.what_if_table(a).to_html(),
              report.peer_group_table(a).to_html(), report.payer_table(a).to_html(), report.warnings_html(a)]
    for html in pieces:
        assert "<script>" not in html
    assert "&lt;script&gt;" in pieces[0] and "&lt;script&gt;" in pieces[3]
    assert "listed twice with the same rate" in pieces[-1]
    assert report.paragraph("") == ""


@pytest.mark.slow
def test_the_rendered_report_shows_the_rate_gap_analysis(tmp_path):
    client_id = "springfield-family-medicine"
    result = render_client(client_id, out=tmp_path)
    assert result.status == "ok", result.error
    html = (tmp_path / client_id / "client_report.html").read_text(encoding="utf-8")
    a = analyse(client_id)
    text = unescape(html)  # nbconvert writes quotes as it likes
    for sentence in (report.benchmark_sentence(a), report.index_reading(a), report.dollars_reading(a),
                     report.heatmap_reading(a), report.spread_reading(a), report.top_gaps_reading(a),
                     report.below_medicare_reading(a), report.what_if_reading(a)):
        assert sentence in text
    for heading in ("Dollars at stake, and where to start", "Your top codes, payer by payer",
                    "Codes paid below Medicare", "What an increase would be worth"):
        assert heading in html
    assert len(re.findall(r'<img[^>]+src="data:image/svg\+xml;base64,', html)) >= 5
    assert "warning(s) in the client" not in html and "No warnings in the client" not in html  # analyst-only
    assert (tmp_path / client_id / f"{client_id}_rate_analysis.xlsx").is_file()
    nb = json.loads((tmp_path / client_id / "client_report.ipynb").read_text())
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []


def test_client_strings_are_escaped_in_every_html_piece(tmp_path):
    write_client(tmp_path, yaml_data={"name": "<script>alert('x')</script> Clinic (synthetic)"})
    path = tmp_path / "tiny" / "client.yaml"
    data = yaml.safe_load(path.read_text())
    data["payers"][0]["name"] = "<img src=x onerror=alert(1)>"
    data["payers"][0]["aliases"] = ["AH", "Alpha Health"]
    path.write_text(yaml.safe_dump(data))
    analysis = analyse("tiny", tmp_path)
    pieces = [report.summary_html(analysis), report.payer_table(analysis).to_html(),
              report.priority_table(analysis).to_html()]
    for html in pieces:
        assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in pieces[0]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pieces[1]


# --- the leverage section ---------------------------------------------------------------------------
# The tiny client: same-day appointments (reduction 0.102 base, 0.051 low, 0.153 high); diabetes 100 and
# hypertension 250 split 600:400 -> Alpha Health 60 and 150, Beta Care 40 and 100; the office visit at each
# payer's own 99214 rate, $170 and $130; ED cost $955.95 base (Mehrotra $570 in 2006 x 563.841 / 336.2),
# $625.06 low (HCUP $526.93 in 2017 x 563.841 / 475.322), $2,775.01 high (KFF $2,453 in 2019 x 563.841 / 498.413).
#
# base (0.69 ED visits a year with diabetes, 0.47 otherwise; 0.204 avoidable; overlap 0.5): Alpha's diabetics
# first, D1 = 60; D2 = 0.5 x 150 + 0.5 x 600 x (1 - 0.9 x 0.75) = 172.5, so hypertension adds 112.5 patients;
# visits = (60 x 0.69 + 112.5 x 0.47) x 0.204 x 0.102 = 1.96167; Beta: D2 = 50 + 200 x 0.325 = 115, adds 75,
# visits = (40 x 0.69 + 75 x 0.47) x 0.020808 = 1.30778. Saved: 1.96167 x (955.95 - 170) + 1.30778 x
# (955.95 - 130) = $1,541.77 + $1,080.16 = $2,621.93; visits 3.27.
# low (0.47 and 0.41 a year, 0.033 avoidable, 0.051, complete overlap): Alpha (60 x 0.47 + 90 x 0.41) x 0.001683
# = 0.10956, Beta (40 x 0.47 + 60 x 0.41) x 0.001683 = 0.07304; saved 0.10956 x 455.06 + 0.07304 x 495.06 = $86.02.
# high (0.76 for both: hypertension first, by client.CONDITIONS order; 0.37; 0.153; independent): Alpha
# D2 = 600 x (1 - 0.75 x 0.9) = 195 patients x 0.76 x 0.05661 = 8.38960, Beta 130 x 0.76 x 0.05661 = 5.59307;
# saved 8.38960 x 2,605.01 + 5.59307 x 2,645.01 = $36,648.74; visits 13.98.


def _leverage(tmp_path, **yaml_data):
    write_client(tmp_path, yaml_data=yaml_data)
    analysis = analyse("tiny", tmp_path)
    return analysis, analyse_leverage(analysis)


def test_er_savings_reading_states_the_range_and_top_payer(tmp_path):
    analysis, lev = _leverage(tmp_path)
    lev = dataclasses.replace(lev, interval=None, interval_drivers=None)  # the all-low / all-high cases
    # visits 3.27 (0.18 to 13.98), dollars to the nearest $10: $2,620 ($90 to $36,650); Alpha saves more
    assert report.er_savings_reading(analysis, lev) == (
        "Across all payers, the practice's same-day appointments avoid an estimated 3 emergency-room visits a year "
        "(range <1 to 14), saving the plans about $2,620 a year (range $90 to $36,650); Alpha Health gains most.")


def test_er_savings_reading_quotes_the_80_percent_range_and_its_drivers(tmp_path):
    analysis, lev = _leverage(tmp_path)
    total = lev.interval.set_index("payer").loc["All payers"]
    # inside the hand-worked low and high cases above ($86.02 and $36,648.74), around the base $2,621.93
    assert 86.02 < total["savings_p10"] < 2621.93 < total["savings_p90"] < 36648.74
    text = report.er_savings_reading(analysis, lev)
    assert "about $2,620 a year in the base case (80% range " in text
    assert f"${round(total['savings_p10'], -1):,.0f} to ${round(total['savings_p90'], -1):,.0f}" in text
    assert "from 2,000 joint draws" in text and "The range is set mostly by " in text


def test_er_savings_table_per_payer_and_in_total(tmp_path):
    _, lev = _leverage(tmp_path)
    lev = dataclasses.replace(lev, interval=None, interval_drivers=None)  # the all-low / all-high cases
    table = report.er_savings_table(lev).data
    assert table["Payer"].tolist() == ["Alpha Health", "Beta Care", "All payers"]
    # Alpha: 1.96 visits (0.11 to 8.39), $1,541.77 ($49.86 to $21,855.01); Beta: 1.31 (0.07 to 5.59), $1,080.16
    # ($36.16 to $14,793.73); all payers as in the sentence
    assert table["ER visits avoided a year"].tolist() == ["2 (<1 – 8)", "1 (<1 – 6)", "3 (<1 – 14)"]
    assert table["Saved a year"].tolist() == ["$1,540 ($50 – $21,860)", "$1,080 ($40 – $14,790)",
                                              "$2,620 ($90 – $36,650)"]
    assert table["Office visit priced at"].tolist() == ["$170.00 payer rate", "$130.00 payer rate", ""]


def test_er_savings_reading_says_why_nothing_is_claimed(tmp_path):
    analysis, lev = _leverage(tmp_path, access_features=["immediate_referrals"])
    assert lev.savings["savings_high"].sum() == 0
    assert report.er_savings_reading(analysis, lev).startswith(
        "None of the practice's access features (immediate referrals) has a published effect")
    analysis, lev = _leverage(tmp_path, access_features=[])
    assert report.er_savings_reading(analysis, lev).startswith("The practice lists no same-day")
