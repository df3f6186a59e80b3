from conftest import write_client
from ratekit import report
from ratekit.analysis import analyse
from ratekit.formatting import money_nearest


def test_client_strings_are_escaped_in_every_html_piece(tmp_path):
    write_client(tmp_path, yaml_data={"name": "<script>alert('x')</script> Clinic (synthetic)"})
    import yaml
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


def _leverage(tmp_path, **yaml_data):
    from ratekit.analysis import analyse_leverage

    write_client(tmp_path, yaml_data=yaml_data)
    analysis = analyse("tiny", tmp_path)
    return analysis, analyse_leverage(analysis)


def test_er_savings_reading_states_the_range_and_top_payer(tmp_path):
    analysis, lev = _leverage(tmp_path)
    text = report.er_savings_reading(analysis, lev)
    s = lev.savings
    assert text.startswith("Across all payers, the practice's same-day appointments avoid an estimated "
                           f"{s['avoided_visits_base'].sum():,.0f} emergency-room visits a year")
    assert money_nearest(s["savings_base"].sum(), step=10) in text
    assert money_nearest(s["savings_high"].sum(), step=10) in text
    top = s.groupby("payer")["savings_base"].sum().idxmax()
    assert text.endswith(f"{top} gains most.")


def test_er_savings_reading_says_why_nothing_is_claimed(tmp_path):
    analysis, lev = _leverage(tmp_path, access_features=["immediate_referrals"])
    assert lev.savings["savings_high"].sum() == 0
    assert report.er_savings_reading(analysis, lev).startswith(
        "None of the practice's access features (immediate referrals) has a published effect")
    analysis, lev = _leverage(tmp_path, access_features=[])
    assert report.er_savings_reading(analysis, lev).startswith("The practice lists no same-day")
