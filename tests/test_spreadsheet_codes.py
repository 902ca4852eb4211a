"""Codes as spreadsheets mangle them (issue 17): a dropped leading zero, a zero too many, StatCan's
sector ranges, surrounding spaces and an unknown code's hint, the same at every door (explain,
evaluate, the API, the page)."""

from __future__ import annotations

import csv
import io
import re
import warnings

import pytest
from click.testing import CliRunner

from sc_policy.cli import main
from sc_policy.diagnostics import InputError
from sc_policy.reference.codes import industry_refusal, noc_candidates, parse_industry, parse_noc
from sc_policy.reference.statcan import NAICS_RANGES, reference_data

from conftest import slow


@pytest.fixture(scope="module")
def ref():
    return reference_data()


def run(*args, data=None):
    return CliRunner().invoke(main, list(args), input=data)


def explain_error(*args) -> str:
    result = run("explain", *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output.strip()


def test_a_three_digit_noc_names_the_code_with_its_leading_zero(ref):
    message = explain_error("211")
    assert "spreadsheet dropped a leading zero" in message and "0211 Engineering managers" in message
    assert ref.noc_title("0211") == "Engineering managers"
    # a three-digit code whose zero-padded form is no unit group says so, rather than offering it
    message = explain_error("999")
    assert "0999" in message and "not a NOC 2016 unit group either" in message
    assert "probably" not in message


def test_a_code_that_lost_two_leading_zeros_is_named_with_them(ref):
    # NOC 2016 0011-0016 and NOC 2021 00010-00015: a spreadsheet that reads them as numbers drops both zeros
    assert ref.noc_title("0011") == "Legislators" and "00010" in ref.concordance
    message = explain_error("11")
    assert "spreadsheet dropped leading zeros" in message and "0011 Legislators" in message
    message = explain_error("10", "--noc-version", "2021")
    assert "spreadsheet dropped leading zeros" in message and "00010 Legislators" in message
    assert "00011" in explain_error("11", "--noc-version", "2021")
    message = explain_error("99")
    assert "0099" in message and "not a NOC 2016 unit group either" in message
    # the other doors word it alike
    assert "0011 Legislators" in noc_candidates("11", ref, "2016")
    assert "with a leading zero," not in explain_error("99")


def test_a_code_written_as_a_decimal_number_is_named_as_the_code(ref):
    # a spreadsheet (or pandas, for a column with a gap) writes 2174 back as 2174.0; it stays refused
    message = explain_error("2174.0")
    assert "written as a number: 2174 Computer programmers" in message
    assert "written as a number: 0211 Engineering managers" in explain_error("211.0")
    assert "9999 is not a NOC 2016 unit group either" in explain_error("9999.0")
    assert "written as a number: 21232 Software" in explain_error("21232.0", "--noc-version", "2021")
    assert "written as a number: 541514 Computer" in explain_error("2174", "--industry", "541514.0")
    assert "999999 is not in NAICS Canada 2017 either" in explain_error("2174", "--industry", "999999.0")
    assert "written" not in explain_error("2174.5") and "written" not in explain_error("2174", "--industry", "54.5")
    assert "2174 Computer" in noc_candidates("2174.0", ref, "2016")             # evaluate and the service
    assert "541514 Computer" in industry_refusal("541514.0", ref)


def test_a_code_given_with_more_than_its_digits_is_named_as_the_code(ref):
    """A caseworker pastes "NOC 2174" or "2174 Computer programmers", a spreadsheet writes 2,174 (thousands
    separator), '2174 (a text cell) or "2174" (quoted twice): the refusal said only that it is not four digits,
    which it plainly holds; it names the code now, as for 2174.0, and stays a refusal."""
    assert "written as a number: 2174 Computer programmers" in explain_error("2,174")
    for text in ("NOC 2174", "'2174", '"2174"', "2174 Computer programmers"):
        message = explain_error(text)
        assert "is not four digits (the code alone is 2174 Computer" in message, message
        assert "2174 Computer" in noc_candidates(text, ref, "2016")            # evaluate and the service
    assert "the code alone is 21232 Software" in explain_error("NOC 21232", "--noc-version", "2021")
    assert "the code alone is 541514 Computer" in explain_error("2174", "--industry", "NAICS 541514")
    assert "written as a number: 541514 Computer" in industry_refusal("541,514", ref)
    # no code when the text holds two runs of digits, a run that is no code, or a digit of another script
    for text in ("NOC 2016 2174", "NOC 9999", "21A4", "\uff112174"):
        assert "(" not in explain_error(text), text
    assert "(" not in explain_error("2174", "--industry", "NAICS 999999")


def test_words_in_place_of_a_code_are_answered_with_the_codes_of_the_titles_that_hold_them(ref):
    """A caseworker types the occupation's title, as the page takes it: the refusal said only that it is not
    four digits; it names the unit groups whose title holds every word (of the NOC version asked for), as many
    as the line has room for, and stays a refusal."""
    assert "(by title: 2174 Computer programmers and" in explain_error("computer programmers")
    assert "(by title: 3131 Pharmacists)" in explain_error("PHARMACISTS")
    assert "(by title: 21232 Software developers and" in explain_error("software developers", "--noc-version", "2021")
    many = [m.code for m in ref.titles_with("managers") if m.noc_version == "2016"]
    message = explain_error("managers")
    assert len(many) > 20 and f"(by title: {many[0]}, {many[1]}, " in message and f"\u2026 {len(many)} in all)" in message
    assert len(message) <= 100 + len("sc-policy: error: ")
    for text in ("zzz", "software 2174x", "--"):  # no title holds it, or it has digits: no guess
        assert "by title" not in run("explain", "--", text).output, text
    assert "by title: 3131 Pharmacists" in noc_candidates("pharmacists", ref, "2016")  # evaluate and the service


def test_a_five_digit_code_is_called_a_noc_2021_code_only_when_it_is_one(ref):
    assert "02174" not in ref.concordance
    message = explain_error("02174")
    assert "not a NOC 2021 unit group" in message and "looks like" not in message
    assert "2174 Computer programmers" in message and "--noc-version" not in message
    assert "--noc-version 2021" in explain_error("21232")          # a real NOC 2021 unit group
    message = explain_error("99999")
    assert "not a NOC 2021 unit group either" in message and "--noc-version" not in message


@pytest.mark.parametrize("sector", [s if s == "31-33" else slow(s) for s in sorted(NAICS_RANGES)])  # every NOC: ~1 s each
def test_statcan_sector_ranges_are_the_sector_they_name(ws, ref, sector):
    assert parse_industry(f" {sector} ", ref) == sector and industry_refusal(sector, ref) is None
    opened = ws.open("phase-1")
    parts = NAICS_RANGES[sector]
    for noc in sorted(ref.noc2016):
        areas = opened.evaluator.decide(noc, sector).in_scope
        # in phase-1 each part of a sector decides alike, and the range decides as they do
        assert {opened.evaluator.decide(noc, p).in_scope for p in parts} == {areas}, (noc, sector)
    answer = ws.explain("9241", industry=sector, version="phase-1")
    assert answer.industry == sector and answer.industry_title == ref.naics_title(parts[0])


def test_manufacturing_as_statcan_writes_it_counts_as_manufacturing(ws, ref):
    opened = ws.open("phase-1")
    eligible = [n for n in sorted(ref.noc2016) if "manufacturing" in opened.evaluator.decide(n, "31").in_scope]
    assert eligible
    for noc in eligible:
        assert "manufacturing" in opened.evaluator.decide(noc, "31-33").in_scope
    text = run("explain", eligible[0], "--industry", "31-33")
    assert text.exit_code == 0 and "NAICS 31-33 Manufacturing is in manufacturing" in text.output


def test_evaluate_decides_each_sector_range_as_the_sector_it_names(ws, ref):
    """A range is in no class of the decision table, so evaluate decides it on its own: each range as its own
    sector, whichever range came first."""
    opened = ws.open("phase-1")
    noc = next(n for n in sorted(ref.noc2016) if "manufacturing" in opened.evaluator.decide(n, "31").in_scope
               and opened.evaluator.decide(n, "44").in_scope != opened.evaluator.decide(n, "31").in_scope)
    industries = ["31-33", "44-45", "48-49", "44-45", "31-33", "31"]
    data = "noc,industry\n" + "".join(f"{noc},{i}\n" for i in industries)
    result = run("evaluate", "--version", "phase-1", data=data)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["areas"] for r in rows] == [";".join(opened.evaluator.decide(noc, i).in_scope) for i in industries]
    assert rows[0]["areas"] != rows[1]["areas"]


def test_an_unknown_naics_code_is_offered_the_codes_sharing_its_longest_prefix(ref):
    message = explain_error("0211", "--industry", "999999")
    assert "nearest: 91 Public administration" in message and "11 Agriculture" not in message
    assert ref.nearest_naics("899999") == ["81"]
    assert ref.nearest_naics("119999")[0].startswith("11") and len(ref.nearest_naics("119999")[0]) == 6


def test_evaluate_trims_the_code_columns_and_words_the_errors_as_explain(ref):
    data = ("noc,industry,noc_version,note\n"
            " 0211 , 3111 ,,  kept  \n"
            "211,,,a\n"
            "0211,\t31-33 , 2016 ,b\n"
            "02174,,,c\n"
            "2174 ,x\n")
    result = run("evaluate", data=data)
    assert result.exit_code == 1, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["noc"], r["industry"], r["noc_version"]) for r in rows] == [
        ("0211", "3111", ""), ("211", "", ""), ("0211", "31-33", "2016"), ("02174", "", ""), ("2174", "x", "")]
    assert rows[0]["note"] == "  kept  "            # other columns pass through untouched
    assert rows[0]["error"] == "" and rows[2]["error"] == "" and rows[2]["verdict"] == "not_eligible"
    assert rows[1]["error"] == explain_error("211").split("error: ", 1)[1]
    assert rows[3]["error"] == explain_error("02174").split("error: ", 1)[1]
    assert "0211" in rows[1]["error"] and "NOC 2021 code" not in rows[3]["error"]
    assert rows[4]["error"].startswith("the row has 2 fields")


def test_the_batch_and_the_explain_refusals_agree_on_the_new_hints(ref):
    for text in ("211", "999", "02174", "09999", "21232", " 211 ", "0211"):
        for version in ("2016", "2021"):
            try:
                answer = parse_noc(text, ref, version).candidates
            except Exception as exc:  # InputError
                answer = str(exc)
            assert noc_candidates(text, ref, version) == answer


def test_the_service_and_the_page_read_codes_as_explain_does():
    pytest.importorskip("fastapi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from sc_policy.app.workspace import Workspace
    from sc_policy.http.app import create_app
    with TestClient(create_app(Workspace())) as client:
        body = client.get("/v1/decisions?noc=211").json()
        assert body["parameter"] == "noc" and "0211 Engineering managers" in body["detail"]
        body = client.get("/v1/decisions?noc=2174&industry=999999").json()
        assert "nearest: 91 Public administration" in body["detail"]
        answer = client.get("/v1/decisions?noc=0211&industry=%2031-33%20").json()
        assert answer["input"]["industry"] == "31-33" and answer["input"]["industry_title"] == "Manufacturing"
        html = client.get("/", params={"occupation": "211"}).text
        error = re.search(r'<p class="field-error" id="occupation-error">(.*?)</p>', html, re.S).group(1)
        assert "0211" in error and "leading zero" in error
        html = client.get("/", params={"occupation": "02174"}).text
        error = re.search(r'<p class="field-error" id="occupation-error">(.*?)</p>', html, re.S).group(1)
        assert "NOC code &#39;02174&#39; is not four digits" in error and "NOC 2021 code 02174" not in error
        assert "not a NOC 2021 unit group" in error and "2174 Computer programmers" in error
        html = client.get("/", params={"occupation": "0211", "industry": "48-49"}).text
        assert "Verdict" in html and 'id="industry-error"' not in html


@pytest.mark.parametrize("args, said", [
    (["\uff12\uff11\uff17\uff14"], "NOC code '\uff12\uff11\uff17\uff14' is not four digits"),  # fullwidth 2174
    (["21\u0667" "4"], "NOC code '21\u06674' is not four digits"),  # an Arabic-Indic seven
    (["2174", "--industry", "\uff15\uff14\uff11\uff15\uff11\uff14"],
     "NAICS code '\uff15\uff14\uff11\uff15\uff11\uff14' is not 2 to 6 digits"),
    (["\uff12\uff11\uff17\uff14\uff10", "--noc-version", "2021"], "is not five digits"),
])
def test_digits_of_other_scripts_are_not_a_code(args, said):
    assert said in explain_error(*args)


def test_digits_of_other_scripts_are_refused_in_a_caseload(ref):
    with pytest.raises(InputError):
        parse_noc("\uff12\uff11\uff17\uff14", ref, "2016")
    data = "noc,industry\n\uff12\uff11\uff17\uff14,\n2174,\uff15\uff14\uff11\uff15\uff11\uff14\n"
    result = run("evaluate", data=data)
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["error"].split(" '")[0] for r in rows] == ["NOC code", "NAICS code"], rows
    assert "digits" in rows[0]["error"] and "digits" in rows[1]["error"]
