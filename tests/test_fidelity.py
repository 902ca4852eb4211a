"""What an answer, the check and the policy book say about the source must be what the source says: an
industry code that an area's definition holds only part of is not called wholly outside or inside it; a
NAICS code that no quote publishes is not called published; a clause's own passages are shown in the book."""

from __future__ import annotations

import html as htmllib
import json
import re
import warnings

import pytest
from click.testing import CliRunner

from sc_policy.app.checking import check_tree
from sc_policy.cli import main
from sc_policy.present.render import answer_text, answer_to_dict
from sc_policy.reference.statcan import reference_data

from conftest import POLICY, SHIPPED, VERSION, edit, version_dir

REF = reference_data()


def explain(*args: str) -> str:
    result = CliRunner().invoke(main, ["explain", *args])
    assert result.exit_code == 0, result.output
    return result.output


def parts(opened, noc: str, industry):
    return answer_to_dict(opened.evaluator.answer(noc, industry))["industry_parts"]


# -- a code broader than an area's definition -------------------------------------------------------------

def test_a_sector_that_two_areas_hold_part_of_is_not_called_outside_them_without_a_word(opened):
    """NAICS 54 holds 5415 (ICT) and 5417 (Life Sciences): the answer, whose clauses decide on 54 as one
    code, says that part of it is in those definitions, and the parts it names do decide otherwise."""
    assert parts(opened, "2174", "54") == [
        {"area": "ict", "within": False, "includes": ["5415"], "excludes": [], "finer_code_changes": ["2174"],
         "verdict_changes": ["2174"]},
        {"area": "life-sciences", "within": False, "includes": ["5417"], "excludes": [],
         "finer_code_changes": ["2174"], "verdict_changes": ["2174"]}]
    answer = opened.evaluator.answer("2174", "54")
    assert answer.verdict == "not_eligible"
    for part in answer.industry_parts:  # the finer code does decide otherwise: the note is true
        assert part.area in opened.evaluator.answer("2174", part.includes[0]).candidates[0].in_scope
    text = explain("2174", "--industry", "54")
    verdict = " ".join(text.split("\n\n")[1].split())
    assert ("Part of NAICS 54 is in the definition of Information and Communications Technology (NAICS 5415) "
            "and Life Sciences (NAICS 5417): the employer's finer code may decide otherwise.") in verdict
    ict = " ".join(text[text.index("Information and Communications Technology (ict)"):
                        text.index("Life Sciences (life-sciences)")].split())
    assert ("Note: Only part of NAICS 54 is in this area's definition, which includes NAICS 5415 within it. "
            "The clauses decide on NAICS 54 as given; the employer's finer code may decide otherwise.") in ict
    assert "Note:" not in text[text.index("Manufacturing (manufacturing)"):]



def test_a_note_says_a_finer_code_may_decide_otherwise_only_where_one_does(opened):
    """9461 is listed under Manufacturing alone: no part of NAICS 54 (ICT's 5415, Life Sciences' 5417) makes it
    eligible, so neither the verdict nor the areas' notes say that the employer's finer code may decide
    otherwise (they did); 1221, which Life Sciences lists, is told of 5417 alone, not of ICT's 5415."""
    answer = opened.evaluator.answer("9461", "54")
    for part in answer.industry_parts:  # what the notes now say, checked against the engine
        assert part.area not in opened.evaluator.answer("9461", part.includes[0]).candidates[0].in_scope
    assert [p["finer_code_changes"] for p in parts(opened, "9461", "54")] == [[], []]
    assert [p["finer_code_changes"] for p in parts(opened, "2174", "54")] == [["2174"], ["2174"]]
    for text in (explain("9461", "--industry", "54"), explain("9461", "--industry", "54", "--full")):
        flat = " ".join(text.split())
        assert "may decide otherwise" not in flat and "Part of NAICS 54" not in flat
        assert ("Only part of NAICS 54 is in this area's definition, which includes NAICS 5415 within it. The clauses "
                "decide on NAICS 54 as given; for this occupation no finer code would change this area's answer.") in flat
    verdict = " ".join(explain("1221", "--industry", "54").split("\n\n")[1].split())
    assert verdict.endswith("Part of NAICS 54 is in the definition of Life Sciences (NAICS 5417): the employer's "
                            "finer code may decide otherwise.")
    ict = explain("1221", "--industry", "54")
    ict = " ".join(ict[ict.index("(ict)"):ict.index("(life-sciences)")].split())
    assert "no finer code would change this area's answer" in ict and "may decide otherwise" not in ict
    # 334 is ICT's but for 3345: for 9461, which ICT does not list, 3345 changes nothing there either
    assert [p["finer_code_changes"] for p in parts(opened, "9461", "334")] == [[]]
    assert [p["finer_code_changes"] for p in parts(opened, "2174", "334")] == [["2174"]]



def test_each_noc_2021_candidate_is_told_of_the_finer_codes_that_change_its_own_answer():
    """NOC 2021 21234 is NOC 2016 2174 or 2175: with NAICS 54, 5417 would admit 2174 under Life Sciences but
    not 2175 (NOC A, which Life Sciences does not list). The brief answer put every note under the last
    candidate, 2175, and so told 2175's Life Sciences line that a finer code may decide otherwise."""
    text = explain("21234", "--noc-version", "2021", "--industry", "54")
    first, second = text.split("== Candidate NOC 2016 2175")
    first = first[first.index("== Candidate NOC 2016 2174"):]
    assert "which includes NAICS 5417 within it" in " ".join(first.split())
    assert "which includes NAICS 5415 within it" in " ".join(first.split())
    life = second[second.index("(life-sciences)"):second.index("(manufacturing)")]
    assert "Note:" not in life and "may decide otherwise" not in life
    assert "Note:  Only part of NAICS 54" in second[second.index("(ict)"):second.index("(life-sciences)")]


def test_the_verdict_says_a_finer_code_may_decide_otherwise_only_when_one_can(opened):
    """2173 is on no area's list: no code within NAICS 54 makes it eligible, so its verdict does not say the
    employer's finer code may (it said so, sending a caseworker after a code that changes nothing); the
    notes under the areas still name the part of 54 each holds. A NOC 2021 code whose candidate an area
    takes with a finer code (21234: 2174 and 2175, ICT's) keeps the sentence, in the text and on the page."""
    answer = opened.evaluator.answer("2173", "54")
    assert answer.verdict == "not_eligible" and [p.area for p in answer.industry_parts] == ["ict", "life-sciences"]
    for part in answer.industry_parts:  # the finer code does not decide otherwise
        assert not opened.evaluator.answer("2173", part.includes[0]).candidates[0].in_scope
    text = explain("2173", "--industry", "54")
    assert "finer code may decide otherwise" not in text.split("\n\n")[1]
    assert "Part of NAICS 54" not in text
    assert "Note:  Only part of NAICS 54 is in this area's definition, which includes NAICS 5415" in text
    text = " ".join(explain("21234", "--noc-version", "2021", "--industry", "54").split())
    assert ("Part of NAICS 54 is in the definition of Information and Communications Technology (NAICS 5415) and "
            "Life Sciences (NAICS 5417): the employer's finer code may decide otherwise.") in text
    pytest.importorskip("fastapi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
        from sc_policy.app.workspace import Workspace
        from sc_policy.http.app import create_app
        with TestClient(create_app(Workspace())) as client:
            page = client.get("/", params={"occupation": "2173", "industry": "54"}).text
    assert 'id="industry-parts"' not in page and 'class="industry-part"' in page


def test_a_code_inside_a_definition_that_excludes_part_of_it_says_so(opened):
    """NAICS 334 is ICT's, less 3345 (line 21): an answer that passes it says that part of it is excluded."""
    assert parts(opened, "2174", "334") == [{"area": "ict", "within": True, "includes": [], "excludes": ["3345"],
                                             "finer_code_changes": ["2174"], "verdict_changes": []}]
    assert "ict" not in opened.evaluator.answer("2174", "3345").candidates[0].in_scope
    text = explain("2174", "--industry", "334")
    assert "Note:  Only part of NAICS 334 is in this area's definition, which excludes NAICS 3345 within it." in text
    assert "Part of NAICS 334" not in text  # eligible: no sentence under the verdict
    full = explain("2174", "--industry", "334", "--full")
    assert "Only part of NAICS 334 is in this area's definition" in " ".join(full.split())



def test_an_eligible_verdict_that_a_finer_code_overturns_says_so(opened):
    """2175 with NAICS 334 is eligible under ICT alone, and ICT excludes 3345 (line 21): an employer in 3345
    makes it not eligible, so the verdict, not only ICT's note, says that the finer code may decide otherwise
    (it said nothing: a caseworker pasting the verdict read ELIGIBLE without a word). 2174 with 334 stays
    eligible under Manufacturing whatever part of 334, and its verdict says nothing more."""
    assert opened.evaluator.answer("2175", "3345").verdict == "not_eligible"
    assert parts(opened, "2175", "334") == [{"area": "ict", "within": True, "includes": [], "excludes": ["3345"],
                                             "finer_code_changes": ["2175"], "verdict_changes": ["2175"]}]
    verdict = " ".join(explain("2175", "--industry", "334").split("\n\n")[1].split())
    assert verdict.startswith("Verdict: ELIGIBLE.")
    assert verdict.endswith("Part of NAICS 334 is outside the definition of Information and Communications "
                            "Technology (NAICS 3345): the employer's finer code may decide otherwise.")
    assert "Part of NAICS 334" not in explain("2174", "--industry", "334")


def test_a_sector_range_is_read_through_its_parts(opened):
    verdict = " ".join(explain("2175", "--industry", "31-33").split("\n\n")[1].split())
    assert verdict.endswith("Part of NAICS 31-33 is in the definition of Information and Communications "
                            "Technology (NAICS 334, less 3345): the employer's finer code may decide otherwise.")
    assert parts(opened, "2174", "31-33") == [
        {"area": "ict", "within": False, "includes": ["334"], "excludes": ["3345"], "finer_code_changes": ["2174"],
         "verdict_changes": []},
        {"area": "life-sciences", "within": False, "includes": ["3391", "3254"], "excludes": [],
         "finer_code_changes": ["2174"], "verdict_changes": []}]


@pytest.mark.parametrize("industry", [None, "541514", "5415", "3345", "334511", "111110", "33"])
def test_a_code_wholly_inside_or_outside_each_definition_has_no_note(opened, industry):
    found = parts(opened, "2174", industry)
    text = answer_text(opened.evaluator.answer("2174", industry), opened.version, REF)
    if industry == "33":  # 33 holds ICT's 334 and Life Sciences' 3391, and is Manufacturing's own
        assert [p["area"] for p in found] == ["ict", "life-sciences"] and text.count("Note:") == 2
    else:
        assert found == [] and "Note:" not in text


# -- a NAICS code that no quote publishes --------------------------------------------------------------

def test_check_reports_a_code_that_no_quote_publishes_unless_it_says_published_false(tree_copy):
    found = [f for f in check_tree(None, list(SHIPPED)) if f.code == "unpublished-code"]
    where = sorted((f.span.path.split(POLICY + "/")[1], f.subject) for f in found)
    assert where == [("phase-1.1/areas/ict.yaml", "ict:naics:3345"), ("phase-1/areas/ict.yaml", "ict:naics:3345"),
                     ("phase-1/areas/manufacturing.yaml", "manufacturing:naics:31"),
                     ("phase-1/areas/manufacturing.yaml", "manufacturing:naics:32"),
                     ("phase-1/areas/manufacturing.yaml", "manufacturing:naics:33")]
    assert all(f.severity == "warning" for f in found)
    # phase-1.2 says published: false (none of its findings above); phase-1.1 did not, which the edit shows
    ict = tree_copy / POLICY / "phase-1.1" / "areas" / "ict.yaml"
    edit(ict, "    description: navigational, measuring, medical and controlling devices\n",
         "    description: navigational, measuring, medical and controlling devices\n    published: false\n")
    assert not [f for f in check_tree(tree_copy, ["phase-1.1"]) if f.code == "unpublished-code"]


def test_the_unpublished_code_warning_counts_the_quotes_it_names(tree_copy):
    ict = tree_copy / POLICY / "phase-1.1" / "areas" / "ict.yaml"  # (phase-1.2 says published: false)
    [one] = [f for f in check_tree(tree_copy, ["phase-1.1"]) if f.code == "unpublished-code"]
    assert "the quote on line 21 names no NAICS code, so" in one.message
    edit(ict, "    - {line: 21, quote: 'excluding navigational, measuring, medical and controlling devices'}\n",
         "    - {line: 21, quote: 'excluding navigational, measuring, medical and controlling devices'}\n"
         "    - {line: 19, quote: 'the technology area is defined as including:'}\n")
    [two] = [f for f in check_tree(tree_copy, ["phase-1.1"]) if f.code == "unpublished-code"]
    assert "the quotes on lines 21, 19 name no NAICS code, so" in two.message  # was 'the quote on line 21, 19 names'


def test_an_answer_does_not_call_a_code_published_that_its_quote_does_not_publish():
    full = " ".join(explain("2174", "--full").split())
    assert ("excludes NAICS 3345 Navigational, measuring, medical and control instruments manufacturing (not "
            "published, derived from line 21: navigational, measuring, medical and controlling devices)") in full
    assert "includes NAICS 5112 Software publishers (published: Software publishers)" in full


def test_a_code_whose_quote_publishes_another_code_is_not_called_published(tree_copy):
    """An analyst who quotes line 21 whole for ICT's exclusion quotes "(NAICS 334)": the source publishes 334,
    not 3345, so the answer must still call 3345 derived (it called it published, putting 3345 in the source);
    one derived from several lines names them as lines."""
    from sc_policy.app.workspace import Workspace
    ict = version_dir(tree_copy) / "areas" / "ict.yaml"
    edit(ict, "    - {line: 21, quote: 'excluding navigational, measuring, medical and controlling devices'}\n",
         "    - {line: 21, quote: 'Computer and electronics products manufacturer, excluding navigational, measuring, "
         "medical and controlling devices (NAICS 334)'}\n    - {line: 19, quote: 'the technology area is defined "
         "as including'}\n")
    opened = Workspace(tree_copy).open(VERSION)
    full = " ".join(answer_text(opened.evaluator.answer("2174"), opened.version, REF, full=True).split())
    assert ("excludes NAICS 3345 Navigational, measuring, medical and control instruments manufacturing (not "
            "published, derived from lines 21, 19: navigational, measuring, medical and controlling devices)") in full
    assert "includes NAICS 334 Computer and electronic product manufacturing (published:" in full


# -- the policy book ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def book():
    pytest.importorskip("fastapi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
        from sc_policy.app.workspace import Workspace
        from sc_policy.http.app import create_app
        with TestClient(create_app(Workspace())) as client:
            return client.get(f"/versions/{VERSION}").text


def _text(fragment: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_the_book_quotes_each_clause_s_passages_for_each_area(book, opened):
    for clause in opened.version.clauses:
        at = book.index(f'id="clause-{clause.id}"')
        section = book[at:book.index("</section>", at)]
        for area_id, cites in clause.area_source:
            title = opened.version.area(area_id).title
            shown = _text(section[section.index(f"For {title}:"):])
            for c in cites:
                assert f"“{' '.join(c.quote.split())}” Source, line {c.line}" in shown, (clause.id, area_id)
        for i in clause.rests_on:
            assert f'href="#interpretation-{i}"' in section, clause.id


def test_the_book_does_not_call_a_derived_code_published(book):
    rows = {m.group(1): _text(m.group(0)) for m in
            re.finditer(r'<tr><td>(?:Included|Excluded)</td><th scope="row">(\d+)</th>.*?</tr>', book)}
    assert rows["31"].startswith("Included 31 Manufacturing not published, derived from line 56: Manufacturing")
    assert "not published, derived from line 21: navigational" in rows["3345"]
    assert "not published" not in rows["5112"]


def test_the_caseworkers_page_notes_the_part_of_a_broad_code_an_area_holds():
    pytest.importorskip("fastapi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
        from sc_policy.app.workspace import Workspace
        from sc_policy.http.app import create_app
        with TestClient(create_app(Workspace())) as client:
            page = _text(client.get("/", params={"occupation": "2174", "industry": "54"}).text)
            fine = _text(client.get("/", params={"occupation": "2174", "industry": "541514"}).text)
            open_title = _text(client.get("/", params={"occupation": "9461", "version": "phase-1.1"}).text)
            resolved_title = _text(client.get("/", params={"occupation": "9461"}).text)  # phase-1.2 resolves it
            only_manufacturing = _text(client.get("/", params={"occupation": "9461", "industry": "54"}).text)
            two = client.get("/", params={"occupation": "21234", "industry": "54"}).text
            overturned = _text(client.get("/", params={"occupation": "2175", "industry": "334"}).text)
    assert ("Contradictions of the source that bear on this answer, which no resolution resolves "
            "official-title:manufacturing:9461 : area 'manufacturing': 9461 is listed as") in open_title
    assert "which no resolution resolves" not in resolved_title and "titles-not-noc-2016" in resolved_title
    assert "which no resolution resolves" not in fine
    assert ("Part of NAICS 54 is in the definition of Information and Communications Technology (NAICS 5415) and "
            "Life Sciences (NAICS 5417): the employer's finer code may decide otherwise.") in page
    assert "Note: Only part of NAICS 54 is in this area's definition, which includes NAICS 5417 within it." in page
    assert "Only part of" not in fine and "Part of NAICS" not in fine
    # 9461 is Manufacturing's alone: no part of 54 changes its answer, and the page says so, as the text does
    assert "may decide otherwise" not in only_manufacturing and "Part of NAICS 54" not in only_manufacturing
    assert ("Note: Only part of NAICS 54 is in this area's definition, which includes NAICS 5417 within it. The "
            "clauses decide on NAICS 54 as given; for this occupation no finer code would change this area's "
            "answer.") in only_manufacturing
    # NOC 2021 21234 is 2174 or 2175: each candidate's Life Sciences note is about its own answer
    notes = {noc: _text(two[two.index(f'id="area-{noc}-life-sciences"'):two.index(f'id="area-{noc}-manufacturing"')])
             for noc in ("2174", "2175")}
    assert "the employer's finer code may decide otherwise" in notes["2174"]
    assert "for this occupation no finer code would change this area's answer" in notes["2175"]
    assert ("Verdict: Eligible" in overturned and "Part of NAICS 334 is outside the definition of Information and "
            "Communications Technology (NAICS 3345): the employer's finer code may decide otherwise.") in overturned


def test_the_occupations_an_industry_opens_note_the_part_of_a_broad_code_an_area_holds():
    """`sc-policy occupations --industry 54` opens nothing, but its sector holds ICT's 5415 and Life Sciences'
    5417: the list says so (it was only 'no priority area is in scope for any occupation')."""
    result = CliRunner().invoke(main, ["occupations", "--industry", "54"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "No NOC 2016 unit group is eligible for this input" in text
    assert ("Note (Information and Communications Technology): Only part of NAICS 54 is in this area's definition, "
            "which includes NAICS 5415 within it.") in text
    assert "Note (Life Sciences): Only part of NAICS 54 is in this area's definition, which includes NAICS 5417" in text
    data = json.loads(CliRunner().invoke(main, ["occupations", "--industry", "334", "--area", "manufacturing",
                                                "--format", "json"]).output)
    assert data["count"] > 0 and data["industry_parts"] == []   # the area asked about holds all of 334
    data = json.loads(CliRunner().invoke(main, ["occupations", "--industry", "334", "--format", "json"]).output)
    assert data["industry_parts"] == [{"area": "ict", "within": True, "includes": [], "excludes": ["3345"]}]


def test_the_occupations_page_notes_the_part_of_a_broad_code_an_area_holds():
    """The caseworkers' list of occupations notes what `sc-policy occupations` and its JSON note: NAICS 54
    opens nothing, but ICT includes 5415 within it and Life Sciences 5417 (the page said only that no area is
    in scope for any occupation); under the area asked about, only that area's note."""
    pytest.importorskip("fastapi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
        from sc_policy.app.workspace import Workspace
        from sc_policy.http.app import create_app
        with TestClient(create_app(Workspace())) as client:
            every = _text(client.get("/occupations", params={"industry": "54"}).text)
            one = _text(client.get("/occupations", params={"industry": "54", "area": "life-sciences"}).text)
            fine = _text(client.get("/occupations", params={"industry": "541514"}).text)
    assert ("Information and Communications Technology: Only part of NAICS 54 is in this area's definition, which "
            "includes NAICS 5415 within it. The clauses decide on NAICS 54 as given; the employer's finer code may "
            "decide otherwise.") in every
    assert "Life Sciences: Only part of NAICS 54 is in this area's definition, which includes NAICS 5417" in every
    assert "includes NAICS 5417" in one and "includes NAICS 5415" not in one
    assert "Only part of" not in fine


# -- contradictions no resolution resolves ----------------------------------------------------------------

def test_an_answer_shows_the_contradictions_bearing_on_it_that_no_resolution_resolves(ws):
    """Line 151 publishes 9461 under its NOC 2011 title ('... food, beverage and associated products
    processing'), not its NOC 2016 one: `check` warns (official-title) and no resolution resolves it; an
    answer that decides 9461 now says so (it showed the published title and nothing else). phase-1.1 (frozen)
    leaves it so; phase-1.2 resolves the four (titles-not-noc-2016)."""
    opened = ws.open("phase-1.1")
    assert not [f for f in ws.open(VERSION).findings if f.code == "official-title" and f.severity == "warning"]
    warned = {f.key for f in opened.findings if f.code == "official-title" and f.severity == "warning"}
    assert warned == {"official-title:manufacturing:9461", "official-title:manufacturing:9213",
                      "official-title:manufacturing:9465", "official-title:manufacturing:9232"}
    for key in warned:
        noc = key.rsplit(":", 1)[1]
        data = answer_to_dict(opened.evaluator.answer(noc))
        assert [u["key"] for u in data["unresolved"]] == [key]
        assert "official NOC 2016 title is" in data["unresolved"][0]["message"]
    assert answer_to_dict(opened.evaluator.answer("2174", "54"))["unresolved"] == []
    text = explain("9461", "--version", "phase-1.1")
    assert "\nResolutions and interpretations for this answer; unresolved: official-title:manufacturing:9461\n" in text
    full = " ".join(explain("9461", "--full", "--version", "phase-1.1").split())
    assert ("Contradictions of the source that bear on this answer, which no resolution resolves: - "
            "official-title:manufacturing:9461: area 'manufacturing': 9461 is listed as 'Process control and machine "
            "operators, food, beverage and associated products processing'; its official NOC 2016 title is "
            "'Process control and machine operators, food and beverage processing'") in full
    assert "unresolved" not in explain("2174")



@pytest.mark.parametrize("version", ["phase-1", "phase-1.1"])
def test_the_full_answer_parts_are_one_blank_line_apart(version):
    """phase-1 has no interpretations: its resolutions' notes ended in a blank line, and the source document's
    line (or the unresolved contradictions of 9213) added another, two blank lines in a case file."""
    for noc in ("2174", "9213"):
        text = explain(noc, "--version", version, "--full")
        assert "\n\n\n" not in text and text.count("\nSource document (the lines cited above are its lines)") == 1


def test_a_resolution_that_resolves_it_takes_it_off_the_answer(tree_copy):
    from sc_policy.app.workspace import Workspace
    ws = Workspace(tree_copy)  # phase-1.1 leaves it unresolved (phase-1.2 resolves it: titles-not-noc-2016)
    assert [u.key for u in ws.open("phase-1.1").evaluator.answer("9213").unresolved] == ["official-title:manufacturing:9213"]
    edit(tree_copy / POLICY / "phase-1.1" / "resolutions.yaml", "\n# The analyst's readings where the source is silent.", """
  - id: food-supervisors-2011-title
    resolves: [official-title:manufacturing:9213]
    finding: Line 166 publishes 9213 under another title than its official NOC 2016 one.
    decision: The code governs.
    source:
      - line: 166
        quote: 9213 Supervisors, food, beverage and associated products processing – NOC B
    affects:
      - {area: manufacturing, codes: ["9213"]}

# The analyst's readings where the source is silent.""")
    answer = Workspace(tree_copy).open("phase-1.1").evaluator.answer("9213")
    assert answer.unresolved == ()
    assert [r.id for r in answer.candidates[0].resolutions] == ["food-supervisors-2011-title"]


def test_the_pages_introduce_the_policy_in_the_sources_words():
    """Both pages opened with "training must lead to an occupation listed under an Invest Ontario priority area":
    the source says the Ministry has direction to *prioritize* three priority areas (line 7), and "listed" left out
    the industry that decides too. A caseworker reads the lead as the rule itself."""
    pytest.importorskip("fastapi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from sc_policy.app.workspace import Workspace
    from sc_policy.http.app import create_app
    from sc_policy.resources import shipped_policies
    source = (shipped_policies() / POLICY / "source" / "second-career-fast-track.txt").read_text(encoding="utf-8")
    assert "direction to prioritize the following three Invest Ontario priority areas" in source
    assert " must " not in source
    with TestClient(create_app(Workspace())) as client:
        for path in ("/", "/occupations"):
            page = client.get(path, headers={"accept": "text/html"}).text
            lead = re.search(r"<p>Second Career Fast Track: (.*?)</p>", page, re.S).group(1)
            assert "prioritizes training" in lead and "three Invest Ontario priority areas" in lead, lead
            assert " must " not in lead, lead
