"""The rate section's sentences and tables, hand-worked on the tiny two-payer client, and the rendered report.

Tiny client (conftest.write_client), Medicare 2025D at 06102-99: 99213 $86.34, 99214 $121.91 (non-facility).

payer         99213 rate x units   99214 rate x units   paid      Medicare-valued          index
Alpha Health  120 x 1,000          170 x 500            205,000   86,340 + 60,955 = 147,295   1.3918
Beta Care      95 x   800          130 x 200            102,000   69,072 + 24,382 =  93,454   1.0914

Median of two = (1.3918 + 1.0914) / 2 = 1.2416; Beta Care's gap = (1.3918 - 1.0914) / 2 x 93,454 = $14,033.
"""

import json
import re
from html import unescape

import pytest
import yaml

from conftest import write_client
from ratekit import report
from ratekit.analysis import analyse
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
    assert report.proposed_increases(tiny) == {"Beta Care": 0.14}
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


def test_the_office_visit_for_er_savings_is_priced_at_the_office_rate(tmp_path):
    from ratekit.analysis import office_visit_rates

    write_client(tmp_path, fee_schedules={
        "fee_schedules/alpha.csv": "code,rate,POS\n99214,80,22\n99214,170,11\n99213,120,\n",
        "fee_schedules/beta.csv": "code,rate\n99213,95\n99214,130\n"})
    a = analyse("tiny", tmp_path)
    assert office_visit_rates(a).to_dict() == {"Alpha Health": 170.0, "Beta Care": 130.0}
