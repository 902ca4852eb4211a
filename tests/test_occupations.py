"""Which occupations an industry opens: `sc-policy occupations`, GET /v1/occupations and the /occupations page.

The list is the decision table read across, so it is compared, row for row, with what `sc-policy
table` exports for the industry's class; with what a decision says for single cases; and, with no
industry, with the areas' published lists. The service's JSON is the command's, byte for byte.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from conftest import VERSION, slow
from sc_policy.analysis.occupations import OpenedOccupation, Occupations, occupations
from sc_policy.cli import main
from sc_policy.present import pages
from sc_policy.present.render import WIDTH
from sc_policy.reference.statcan import reference_data

INDUSTRIES = [None, "3254", "325410", "541514", "31", "32", "33", "336110", "334511", "3345", "5417",
              "111110"]
"""No industry; Life Sciences' 3254 and a code within it; an ICT code; the three codes of the
31-33 sector and codes within it (3345 is excluded from ICT); Life Sciences' 5417; farming, which
no area opens."""
AREAS = [None, "ict", "life-sciences", "manufacturing"]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def industry_args(industry):
    return ["--industry", industry] if industry else []


@pytest.fixture(scope="module")
def table_rows():
    """(class number of each NAICS code, rows of `sc-policy table` by class): the decision table as exported."""
    classes = {row["industry"]: row["industry_class"]
               for row in csv.DictReader(io.StringIO(ok("table", "--classes", "--version", VERSION)))}
    by_class = {}
    for row in csv.DictReader(io.StringIO(ok("table", "--version", VERSION))):
        by_class.setdefault(row["industry_class"], []).append(row)
    return classes, by_class


# -- the command is the decision table, row for row --------------------------------------------------------

@pytest.mark.parametrize("industry", INDUSTRIES)
@pytest.mark.parametrize("area", AREAS)
def test_rows_are_the_decision_tables(table_rows, industry, area):
    classes, by_class = table_rows
    cls = classes[industry] if industry else "0"
    expected = [(r["noc"], r["noc_title"], r["areas"]) for r in by_class[cls]
                if r["eligible"] == "true" and (area is None or area in r["areas"].split(";"))]
    out = ok("occupations", *industry_args(industry), *(["--area", area] if area else []), "--version", VERSION,
             "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["noc"], r["noc_title"], r["areas"]) for r in rows] == sorted(expected)
    assert {(r["industry"], r["version"]) for r in rows} <= {(industry or "", VERSION)}
    assert {r["version_hash"] for r in by_class[cls]} >= {r["version_hash"] for r in rows}


def test_the_industries_tested_cover_every_kind_of_answer(table_rows):
    """The list above is not all alike: some industries open many occupations, farming none, and the
    sector codes 31, 32 and 33 open what Manufacturing opens."""
    counts = {industry: json.loads(ok("occupations", *industry_args(industry), "--format", "json"))["count"]
              for industry in INDUSTRIES}
    assert counts["111110"] == 0
    assert counts[None] > 0 and counts["541514"] > 0 and counts["325410"] > counts["541514"]
    assert counts["31"] == counts["32"] == counts["33"] > 0
    assert counts["3254"] == counts["325410"]


def test_no_industry_is_the_published_lists(opened, ws):
    published = {}
    for area in opened.version.areas:
        for occupation in area.occupations:
            if occupation.code and area.id not in published.setdefault(occupation.code, []):
                published[occupation.code].append(area.id)
    found = occupations(opened, ws.refdata)
    assert {r.noc: list(r.areas) for r in found.rows} == published
    assert [r.title for r in found.rows] == [ws.refdata.noc_title(r.noc) for r in found.rows]  # official titles


@given(industry=st.sampled_from(sorted(reference_data().naics2017_codes)),
       noc=st.sampled_from(sorted(reference_data().noc2016)))
def test_an_occupation_is_listed_exactly_when_its_decision_is_eligible(opened, ws, industry, noc):
    found = {r.noc: r.areas for r in occupations(opened, ws.refdata, industry).rows}
    answer = ws.explain(noc, industry, version=VERSION)
    decision = answer.candidates[0]
    assert (noc in found) == answer.eligible
    if answer.eligible:
        assert found[noc] == decision.in_scope


# -- the three forms --------------------------------------------------------------------------------------

@pytest.mark.parametrize("industry", ["325410", "541514", None, "111110"])
def test_text_json_and_csv_list_the_same_rows(industry):
    args = ["occupations", *industry_args(industry), "--version", VERSION]
    data = json.loads(ok(*args, "--format", "json"))
    rows = list(csv.DictReader(io.StringIO(ok(*args, "--format", "csv"))))
    text = ok(*args)
    assert data["count"] == len(data["occupations"]) == len(rows)
    assert [(o["noc"], o["noc_title"], ";".join(o["areas"])) for o in data["occupations"]] == \
        [(r["noc"], r["noc_title"], r["areas"]) for r in rows]
    assert data["input"]["industry"] == industry and data["version"] == VERSION
    assert [line[:4] for line in text.splitlines() if re.match(r"[0-9]{4}  ", line)] == \
        [o["noc"] for o in data["occupations"]]
    assert all(len(line) <= WIDTH for line in text.splitlines())
    assert data["version_hash"] in text


def test_text_says_what_was_asked_and_wraps_long_titles():
    text = ok("occupations", "--industry", "325410", "--area", "manufacturing", "--version", VERSION)
    assert "Industry: NAICS 325410 Pharmaceutical and medicine manufacturing" in text
    assert "Area: manufacturing (Manufacturing)" in text
    lines = text.splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("1215  "))
    assert re.fullmatch(r"1215  Supervisors, supply chain, tracking and scheduling[a-z -]* {2,}life-sciences, "
                        r"manufacturing", lines[k])
    assert re.fullmatch(r" {6}[a-z -]*occupations", lines[k + 1])  # the rest of the title, in its column
    assert lines[k].index("life-sciences") == lines[k - 1].index("In scope under")
    none = ok("occupations", "--industry", "111110", "--version", VERSION)
    assert "Industry: NAICS 111110 Soybean farming" in none and "No NOC 2016 unit group is eligible" in none


def test_an_empty_list_for_one_area_does_not_say_no_area_opens_anything():
    """541514 opens 6 unit groups under ICT and none under Manufacturing: asked about Manufacturing, the
    text must not claim that no priority area is in scope for any occupation, and says how many others open."""
    text = " ".join(ok("occupations", "--industry", "541514", "--area", "manufacturing", "--version", VERSION).split())
    assert "no priority area is in scope" not in text
    assert "No NOC 2016 unit group is in scope under Manufacturing for this input" in text
    assert "6 are eligible under other priority areas" in text
    alone = " ".join(ok("occupations", "--industry", "111110", "--area", "ict", "--version", VERSION).split())
    assert "No NOC 2016 unit group is in scope under Information and Communications Technology" in alone
    assert "other priority areas" not in alone and "no priority area is in scope" not in alone
    assert "no priority area is in scope for any occupation" in ok("occupations", "--industry", "111110",
                                                                   "--version", VERSION)


def test_output_is_deterministic():
    for fmt in ("text", "json", "csv"):
        args = ("occupations", "--industry", "3254", "--format", fmt)
        assert run(*args).stdout_bytes == run(*args).stdout_bytes


def test_on_chooses_the_version_in_force():
    by_day = json.loads(ok("occupations", "--on", "2026-12-01", "--format", "json"))
    by_id = json.loads(ok("occupations", "--version", VERSION, "--format", "json"))
    assert (by_day.pop("decided_on"), by_id.pop("decided_on")) == ("2026-12-01", None)
    assert by_day == by_id


def test_the_list_records_its_day_and_the_area_asked_about(monkeypatch):
    """A list kept in a client's file says which day chose its version, as an answer does, and a CSV
    filtered by area says so (its rows alone cannot: each names every area it is in scope under)."""
    import datetime as real
    from sc_policy.cli import occupations as command

    class Clock(real.date):
        @classmethod
        def today(cls):
            return cls(2026, 12, 1)

    monkeypatch.setattr(command.dt, "date", Clock)
    text = ok("occupations", "--industry", "541514")
    assert "\nDate: 2026-12-01 (the version in force that day)\n" in text
    assert json.loads(ok("occupations", "--format", "json"))["decided_on"] == "2026-12-01"
    rows = list(csv.DictReader(io.StringIO(ok("occupations", "--industry", "541514", "--area", "ict",
                                              "--format", "csv"))))
    assert rows and {(r["area"], r["decided_on"]) for r in rows} == {("ict", "2026-12-01")}
    rows = list(csv.DictReader(io.StringIO(ok("occupations", "--version", VERSION, "--format", "csv"))))
    assert rows and {(r["area"], r["decided_on"]) for r in rows} == {("", "")}
    assert "Date:" not in ok("occupations", "--version", VERSION)


@pytest.mark.parametrize("args,says", [
    (["--industry", "541510"], "NAICS code 541510 is not in NAICS Canada 2017"),
    (["--industry", "5415x"], "NAICS code '5415x' is not 2 to 6 digits"),
    (["--industry", "31-34"], "NAICS code '31-34' is not 2 to 6 digits"),  # (31-33 is a sector: issue 17)
    (["--area", "medtech"], f"unknown area 'medtech' in version {VERSION} (the areas are ict, life-sciences, "
                            "manufacturing)"),
    (["--version", "phase-9"], "unknown version 'phase-9'"),
    (["--on", "2000-01-01"], "2000-01-01"),
    (["--on", "2021-13-01"], "--on"),
    (["--version", VERSION, "--on", "2022-01-01"], "give --version or --on, not both"),
    (["--format", "xml"], "--format"),
])
def test_bad_input_is_one_line_and_exit_2(args, says):
    result = run("occupations", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sc-policy: error: ") and says in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_is_listed():
    assert re.search(r"^  occupations +Which occupations", ok("--help"), re.M)


# -- the service: GET /v1/occupations is the command's JSON; the page --------------------------------------

@pytest.mark.parametrize("industry,area", [(None, None), ("325410", None), ("3254", "life-sciences"),
                                           ("541514", "ict"), ("33", "manufacturing"), ("111110", None)])
def test_get_occupations_is_the_cli_json_byte_for_byte(client, industry, area):
    params = {k: v for k, v in (("industry", industry), ("area", area)) if v}
    response = client.get("/v1/occupations", params=params)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.content == run("occupations", *industry_args(industry), *(["--area", area] if area else []),
                                   "--format", "json").stdout_bytes


def test_get_occupations_trims_and_takes_a_version_or_a_date(client):
    for params, args in (({"industry": " 3254 ", "version": VERSION}, ("--version", VERSION)),
                         ({"industry": "3254", "on": "2026-12-01"}, ("--on", "2026-12-01")),
                         ({"industry": "3254", "area": "", "on": ""}, ())):
        expected = run("occupations", "--industry", "3254", *args, "--format", "json").stdout_bytes
        assert client.get("/v1/occupations", params=params).content == expected
    assert client.get("/v1/occupations", params={"on": "2026-12-01"}).json()["decided_on"] == "2026-12-01"
    assert client.get("/v1/occupations", params={"version": VERSION}).json()["decided_on"] is None


@pytest.mark.parametrize("query,parameter", [
    ("industry=541510", "industry"),
    ("industry=12ab", "industry"),
    ("area=medtech", "area"),
    ("version=phase-9", "version"),
    ("on=2000-01-01", "on"),
    ("on=2021-13-01", "on"),
    ("on=20220101", "on"),
    ("version=phase-1&on=2022-01-01", "on"),
    ("industry=3254&industry=5417", "industry"),
    ("noc=2174", "noc"),
    ("industry=" + "1" * 201, "industry"),
])
def test_bad_occupations_query_is_a_problem_naming_the_parameter(client, query, parameter):
    response = client.get("/v1/occupations?" + query)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["parameter"] == parameter and body["detail"].startswith(parameter + ": ")
    assert "\n" not in body["detail"] and "Traceback" not in response.text
    assert "--" not in body["detail"]     # worded for the API, not the command line


def test_openapi_describes_the_occupations_route(client):
    doc = client.get("/openapi.json").json()
    operation = doc["paths"]["/v1/occupations"]["get"]
    assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == [
        "industry", "area", "version", "on", "pretty"]
    ok_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok_schema == {"$ref": "#/components/schemas/OccupationList"}
    assert "application/problem+json" in operation["responses"]["400"]["content"]
    listed = doc["components"]["schemas"]["OccupationList"]
    assert {"version", "version_hash", "input", "areas", "count", "occupations"} <= set(listed["required"])
    assert "null for a version named by its id" in listed["properties"]["decided_on"]["description"]
    assert "/occupations" in doc["paths"]


def test_home_page_links_to_the_occupations_page(client):
    assert '<a href="/occupations">' in client.get("/").text


def test_occupations_page_lists_the_decision_tables_rows(client):
    data = client.get("/v1/occupations", params={"industry": "325410", "area": "manufacturing"}).json()
    response = client.get("/occupations", params={"industry": "325410", "area": "manufacturing"})
    html = response.text
    assert response.status_code == 200
    for name in ("industry", "area", "version"):
        assert f'<label for="{name}">' in html and f'id="{name}" name="{name}"' in html
    assert '<form method="get" action="/occupations"' in html
    assert '<option value="manufacturing" selected>Manufacturing</option>' in html
    assert '<caption id="list-caption">NOC 2016 unit groups eligible for an employer in NAICS 325410' in html
    assert html.count('<th scope="col">') == 3
    codes = re.findall(r'<tr><th scope="row"><a href="/\?occupation=([0-9]{4})&amp;industry=325410&amp;'
                       r'version=' + re.escape(VERSION) + r'">\1</a></th>', html)
    assert codes == [o["noc"] for o in data["occupations"]] and len(codes) == data["count"] > 0
    assert f'<h2 id="list-title">{data["count"]} occupations open for an employer in NAICS 325410' in html
    assert data["version_hash"] in html
    assert f'<dd id="decided-on">{data["decided_on"]} (the version in force that day)</dd>' in html
    assert 'id="decided-on"' not in client.get("/occupations", params={"version": VERSION}).text
    assert "<script" not in html


def test_occupations_page_without_an_industry_shows_the_published_lists(client):
    data = client.get("/v1/occupations").json()
    html = client.get("/occupations").text
    assert len(re.findall(r'<th scope="row">', html)) == data["count"] > 0
    assert "no employer industry (the published lists)" in html
    # each version of the list says when it was in force, as on the question page
    assert "phase-1: Second Career Fast Track – Phase I (superseded, from 2021-04-01 to 2026-11-25)" in html


def test_occupations_page_says_when_no_occupation_is_open(client):
    html = client.get("/occupations", params={"industry": "111110"}).text
    assert 'id="none-open"' in html and "<table>" not in html


def test_occupations_page_for_one_area_does_not_say_no_area_opens_anything(client):
    html = client.get("/occupations", params={"industry": "541514", "area": "manufacturing"}).text
    none = re.search(r'<p id="none-open">(.*?)</p>', html, re.S).group(1)
    assert "no priority area is in scope" not in none
    assert "6 are eligible under other priority areas" in none
    assert f'<a href="/occupations?industry=541514&amp;version={VERSION}">' in none
    alone = re.search(r'<p id="none-open">(.*?)</p>',
                      client.get("/occupations", params={"industry": "111110", "area": "ict"}).text, re.S).group(1)
    assert "no priority area is in scope" not in alone and "other priority areas" not in alone


def test_occupations_page_title_says_the_area_asked_about_and_counts_in_the_singular(client):
    """The window's title is what the heading says: 6 under ICT is not 6 for no employer (which is 77)."""
    html = client.get("/occupations", params={"area": "ict"}).text
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title.startswith("6 occupations open for no employer industry, in scope under Information and "
                            "Communications Technology | ")
    one = Occupations("p", "v1", "0" * 64, "541514", "Computer systems design", "ict", (("ict", "ICT"),),
                      (OpenedOccupation("2174", "Computer programmers", ("ict",)),))
    form = pages.Form(industry="541514", area="ict")
    assert pages.occupations_context(form, (), (("ict", "ICT"),), found=one)["title"].startswith(
        "1 occupation open for NAICS 541514 Computer systems design, in scope under ICT | ")


def test_the_forms_show_the_trimmed_choice_the_answer_was_given_for(client):
    """" ict " and " phase-1 " are read trimmed; the form must show them chosen, not the defaults."""
    html = client.get("/occupations", params={"area": " ict ", "version": " phase-1 "}).text
    assert "in scope under Information and Communications Technology" in html
    assert '<option value="ict" selected>' in html and '<option value="phase-1" selected>' in html
    home = client.get("/", params={"occupation": "2174", "version": " phase-1 "}).text
    assert '<option value="phase-1" selected>' in home


def test_occupations_page_shows_each_mistake_next_to_its_field(client):
    response = client.get("/occupations", params={"industry": "541510", "area": "medtech"})
    assert response.status_code == 400
    html = response.text
    error = re.search(r'<p class="field-error" id="industry-error">(.*?)</p>', html).group(1)
    assert "NAICS Canada 2017" in error and "541514" in error
    assert re.search(r'<p class="field-error" id="area-error">.*unknown area', html, re.I)
    assert 'aria-describedby="industry-help industry-error" aria-invalid="true"' in html
    assert 'role="alert"' in html and "<caption" not in html
    assert "<title>Error: " in html


def test_occupations_page_refuses_a_parameter_the_form_never_sends(client):
    response = client.get("/occupations", params={"occupation": "2174"})
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "occupation: unknown parameter" in response.text


def test_occupations_page_escapes_what_it_is_given(client):
    html = client.get("/occupations", params={"industry": "\"><script>x</script>"}).text
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("sector,part", [("31-33", "31"), slow("44-45", "44"), slow("48-49", "48")])  # ~1.5 s each
def test_a_sector_written_as_a_range_opens_what_its_parts_open(sector, part):
    """StatCan's own sector codes are accepted (issue 17); in phase-1 each part of a sector opens the same."""
    ranged = run("occupations", "--industry", sector, "--format", "json")
    assert ranged.exit_code == 0, ranged.output
    body, parts = json.loads(ranged.stdout), json.loads(run("occupations", "--industry", part, "--format", "json").stdout)
    assert body["input"]["industry"] == sector and body["occupations"] == parts["occupations"]
    assert sector != "31-33" or body["count"] > 0
