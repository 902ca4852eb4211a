"""Decisions for occupations the source lists, and for those it leaves out, with and without industry."""

from __future__ import annotations

import json

import pytest

from sc_policy.app.workspace import Workspace
from sc_policy.diagnostics import InputError
from sc_policy.present.render import answer_json, answer_to_dict

from conftest import VERSION, edit, version_dir


def areas(ws, noc, industry=None):
    answer = ws.explain(noc, industry, version=VERSION)
    assert len(answer.candidates) == 1
    return answer.candidates[0].in_scope


def clause(ws, noc, area, clause_id, industry=None):
    decision = ws.explain(noc, industry, version=VERSION).candidates[0]
    area_result = next(a for a in decision.areas if a.area == area)
    return next(c.result for c in area_result.clauses if c.clause == clause_id)


@pytest.mark.parametrize("noc,expected", [
    ("2174", ("ict", "life-sciences", "manufacturing")),   # NOC A: ICT list + the code-less entries
    ("2175", ("ict",)),                                    # the second ICT NOC A (resolution)
    ("2281", ("ict", "life-sciences")),
    ("5224", ("ict",)),
    ("2211", ("life-sciences", "manufacturing")),
    ("3219", ("life-sciences",)),                          # listed twice: counts once
    ("1411", ("life-sciences",)),
    ("9232", ("life-sciences", "manufacturing")),          # two titles: the code governs
    ("7511", ("manufacturing",)),
    ("9461", ("manufacturing",)),
    ("5241", ("ict", "manufacturing")),
])
def test_listed_occupations_are_in_scope_in_their_areas(ws, noc, expected):
    assert areas(ws, noc) == expected


@pytest.mark.parametrize("noc,why", [
    ("0011", "skill-level-limit"),     # management
    ("0213", "skill-level-limit"),     # management, IT managers
    ("6611", "skill-level-limit"),     # NOC D cashiers
    ("2173", "noc-a-exception"),       # another NOC A
    ("2171", "noc-a-exception"),
    ("1111", "noc-a-exception"),
    ("2231", "occupation-listed"),     # NOC B, not listed
])
def test_occupations_the_source_leaves_out_are_not_eligible(ws, noc, why):
    answer = ws.explain(noc, version=VERSION)
    assert answer.verdict == "not_eligible" and not answer.eligible
    for area in answer.candidates[0].areas:
        assert area.in_scope is False
        assert {c.clause: c.result for c in area.clauses}[why] == "fail"


def test_noc_a_exception_is_not_applicable_below_level_a(ws):
    assert clause(ws, "2281", "ict", "noc-a-exception") == "not_applicable"
    assert clause(ws, "2174", "ict", "noc-a-exception") == "pass"
    assert clause(ws, "2175", "life-sciences", "noc-a-exception") == "fail"


def test_industry_clause_is_not_applicable_without_industry_never_passed(ws):
    decision = ws.explain("2281", version=VERSION).candidates[0]
    for area in decision.areas:
        results = {c.clause: c.result for c in area.clauses}
        assert results["industry-in-area"] == "not_applicable"


@pytest.mark.parametrize("industry,expected", [
    ("541514", ("ict",)),              # within 5415
    ("334110", ("ict", "manufacturing")),
    ("334511", ("manufacturing",)),    # within 3345: excluded from ICT
    ("3345", ("manufacturing",)),
    ("517", ("ict",)),
    ("44", ()),                        # retail: in no area
])
def test_ict_industry_and_the_3345_exclusion(ws, industry, expected):
    assert areas(ws, "2174", industry) == expected


@pytest.mark.parametrize("industry,expected", [
    ("3254", ("life-sciences", "manufacturing")),
    ("5417", ("life-sciences",)),
    ("311111", ("manufacturing",)),    # Phase I: all of manufacturing
    ("32", ("manufacturing",)),
    ("541514", ()),
])
def test_life_sciences_and_phase_1_manufacturing_industries(ws, industry, expected):
    assert areas(ws, "2211", industry) == expected


def test_phase_1_clause_fails_outside_manufacturing(ws):
    assert clause(ws, "7511", "manufacturing", "phase-1-manufacturing", "484") == "fail"
    assert clause(ws, "7511", "manufacturing", "phase-1-manufacturing", "336") == "pass"


@pytest.mark.parametrize("version,unlisted", [
    ("phase-1.1", set()),
    # phase-1.2: manufacturing-list-governs bears on the answers about occupations Manufacturing does not list
    # (2175, 3219, 2281), not on 9232's, which it lists (9232's title is central-control-operators-two-titles')
    (VERSION, {"manufacturing-list-governs"})])
def test_resolutions_show_where_they_matter(ws, version, unlisted):
    shown = {r.id for r in ws.explain("2175", version=version).candidates[0].resolutions}
    assert shown == {"ict-two-noc-a"} | unlisted
    shown = {r.id for r in ws.explain("3219", version=version).candidates[0].resolutions}
    assert shown == {"life-sciences-listed-twice"} | unlisted
    shown = {r.id for r in ws.explain("9232", version=version).candidates[0].resolutions}
    assert shown == {"central-control-operators-two-titles"}
    assert {r.id for r in ws.explain("2281", version=version).candidates[0].resolutions} == unlisted


def test_json_shape_and_byte_identical(ws):
    first = answer_json(ws.explain("2174", "541514", version=VERSION))
    second = answer_json(Workspace().explain("2174", "541514", version=VERSION))
    assert first == second
    data = json.loads(first)
    assert data["policy"] == "second-career-fast-track" and data["version"] == VERSION
    assert data["input"]["noc"] == "2174" and data["eligible"] is True
    ict = data["areas"][0]
    assert ict["area"] == "ict" and ict["in_scope"] is True
    assert {c["result"] for c in ict["clauses"]} <= {"pass", "fail", "not_applicable"}
    # every clause quotes the source for ICT but the one `check` reports as citing nothing of ICT's own
    without = {f.subject.split(":")[0] for f in ws.check([VERSION])
               if f.code == "area-without-passage" and f.subject.endswith(":ict") and not f.resolution}
    assert without == {"skill-level-limit"}
    assert all((c["source"] or c["clause"] in without) and c["clause_version"] >= 1 for c in ict["clauses"])


@pytest.mark.parametrize("noc,industry,message", [
    ("21A4", None, "not four digits"),
    ("21232", None, "NOC 2021"),
    ("2179", None, "not a NOC 2016 unit group"),
    ("2174", "5", "not 2 to 6 digits"),
    ("2174", "5132", "NAICS Canada 2022"),
    ("2174", "541510", "not in NAICS Canada 2017"),
])
def test_bad_codes_are_refused(ws, noc, industry, message):
    with pytest.raises(InputError, match=message):
        ws.explain(noc, industry, version=VERSION)


def test_the_public_api_gives_the_json_answer_the_command_prints(opened):
    """A script serialises an answer with the package root's ``answer_json`` (``json.dumps`` cannot: an
    Answer is not JSON), the same bytes as ``sc-policy explain --format json``."""
    import sc_policy
    from click.testing import CliRunner
    from sc_policy.cli import main
    assert {"answer_json", "answer_to_dict"} <= set(sc_policy.__all__)
    assert opened.table is not None  # built once per session, and stored in the session's cache
    answer = sc_policy.Workspace().explain("7511", industry="484121", version=VERSION)  # from that entry
    printed = CliRunner().invoke(main, ["explain", "7511", "--industry", "484121", "--version", VERSION,
                                        "--format", "json"])
    assert printed.exit_code == 0 and sc_policy.answer_json(answer) == printed.output
    assert json.loads(printed.output) == sc_policy.answer_to_dict(answer)


def test_a_noc_version_given_as_a_number_is_that_version(ws):
    """``noc_version=2021`` (a number, as a script reads it from JSON or a spreadsheet) is NOC 2021: it was
    refused as "unknown NOC version '2021' (use 2016 or 2021)"."""
    assert answer_json(ws.explain("21232", noc_version=2021, version=VERSION)) == answer_json(
        ws.explain("21232", noc_version="2021", version=VERSION))
    assert ws.explain("2174", noc_version=2016, version=VERSION).noc.version == "2016"
    with pytest.raises(InputError, match="unknown NOC version '2011'"):
        ws.explain("2174", noc_version=2011, version=VERSION)
    with pytest.raises(InputError, match="unknown NOC version 'True'"):
        ws.explain("2174", noc_version=True, version=VERSION)


def test_each_candidate_of_a_noc_2021_code_is_decided_with_the_employers_industry(ws):
    """21233 stands for 2171 and 2175: each is decided with the employer's NAICS code. With a computer
    systems design employer 2175 is in ICT (so the answer is indeterminate); with a farm neither is."""
    answer = ws.explain("21233", "541514", noc_version="2021", version=VERSION)
    assert answer.verdict == "indeterminate"
    assert [(d.noc, d.industry, d.in_scope) for d in answer.candidates] == [
        ("2171", "541514", ()), ("2175", "541514", ("ict",))]
    farm = ws.explain("21233", "111110", noc_version="2021", version=VERSION)
    assert farm.verdict == "not_eligible" and [d.industry for d in farm.candidates] == ["111110", "111110"]
    assert answer_to_dict(farm)["input"]["industry_title"] == "Soybean farming"  # the code's title, not the code


def test_a_code_or_noc_version_given_as_a_list_is_refused_in_one_line(ws):
    """A script that passes a list (read from JSON) where a code belongs gets the refusal of that input,
    not a TypeError from the memory of answered codes (a list cannot be looked up in it)."""
    with pytest.raises(InputError, match=r"\['2174'\]"):
        ws.explain(["2174"], version=VERSION)
    with pytest.raises(InputError, match="unknown NOC version"):
        ws.explain("2174", noc_version=["2016"], version=VERSION)
    with pytest.raises(InputError, match="NAICS"):
        ws.explain("2174", industry=["541514"], version=VERSION)


def test_rule_file_edit_changes_the_decision(tree_copy):
    """No decision logic in Python: editing a list changes the answer."""
    path = version_dir(tree_copy) / "areas" / "ict.yaml"
    text = path.read_text(encoding="utf-8").replace("code: '5224'", "code: '5225'")
    path.write_text(text, encoding="utf-8")
    edited = Workspace(tree_copy)
    assert edited.explain("5224", version=VERSION).verdict == "not_eligible"
    assert edited.explain("5225", version=VERSION).verdict == "eligible"


def test_a_clause_without_its_own_not_applicable_text_says_not_applicable(tree_copy):
    """``explain.not_applicable`` may be left out: the reason of a clause that does not apply is then
    "Not applicable.", from the table as by direct evaluation."""
    edit(version_dir(tree_copy) / "clauses" / "noc-a-exception.yaml",
         '  not_applicable: "{noc} is at NOC skill level {noc_level}, not A."\n', "")
    opened = Workspace(tree_copy, cache=False).open(VERSION)
    for direct in (False, True):
        answer = opened.evaluator.answer("2281", direct=direct)  # level B: the NOC A exception does not apply
        assert answer.verdict == "eligible"
        ict = next(a for a in answer.candidates[0].areas if a.area == "ict")
        [exception] = [c for c in ict.clauses if c.clause == "noc-a-exception"]
        assert (exception.result, exception.reason) == ("not_applicable", "Not applicable.")


def test_nearby_listed_occupations_are_named_by_their_noc_titles(ws):
    """2171 is not eligible; the listed occupations of its minor group are named as NOC 2016 names them,
    not as the source's list writes them ("Web Designers and Developers")."""
    answer = ws.explain("2171", version=VERSION)
    assert answer.verdict == "not_eligible"
    assert json.loads(answer_json(answer))["nearby"] == [
        {"noc": "2174", "title": "Computer programmers and interactive media developers",
         "areas": ["ict", "life-sciences", "manufacturing"]},
        {"noc": "2175", "title": "Web designers and developers", "areas": ["ict"]}]


def test_noc_2021_candidates(ws):
    answer = ws.explain("21232", noc_version="2021", version=VERSION)
    assert [d.noc for d in answer.candidates] == ["2174"] and answer.verdict == "eligible"
    data = answer_to_dict(answer)
    assert data["noc_version"] == "2021" and data["candidates"][0]["noc"] == "2174"


def test_reasons_cite_the_line_that_lists_the_occupation(ws):
    decision = ws.explain("9461", version=VERSION).candidates[0]
    manufacturing = next(a for a in decision.areas if a.area == "manufacturing")
    listed = next(c for c in manufacturing.clauses if c.clause == "occupation-listed")
    assert "line 151 of the source publishes it as" in listed.reason


def test_indeterminate_text_ends_its_sentence_once(ws, opened):
    from sc_policy.present.render import answer_text
    answer = ws.explain("21233", noc_version="2021", version=VERSION)
    assert answer.verdict == "indeterminate"
    text = " ".join(answer_text(answer, opened.version).split())
    assert "Pick the candidate that matches the case." in text and ".." not in text


def test_the_full_answer_and_the_page_name_the_document_their_lines_are_from(ws, opened):
    """Every quote of an answer is cited as "Source, line N", but no answer named the source: a case file
    printed from the page or pasted from ``--full`` could not say which document line 62 is in."""
    from sc_policy.present.render import answer_text
    m = opened.version.manifest
    assert m.source_title and len(m.source_sha256) == 64
    full = " ".join(answer_text(ws.explain("2174", version=VERSION), opened.version, full=True).split())
    assert full.endswith(f"Source document (the lines cited above are its lines): {m.source_title}, sha256 "
                         f"{m.source_sha256}")


def test_a_view_that_is_not_one_is_refused_not_taken_for_the_full_one(ws):
    """`answer_to_dict(answer, "breif")` (public: in ``sc_policy.__all__``) gave the full view without a word."""
    answer = ws.explain("2174", version=VERSION)
    assert "areas" in answer_to_dict(answer, "full") and answer_to_dict(answer, "brief") != answer_to_dict(answer)
    with pytest.raises(ValueError, match="no view 'breif': the views are full, brief"):
        answer_to_dict(answer, "breif")


def test_an_answer_shows_itself_in_one_short_line(ws):
    """``repr(answer)`` was the whole nested dataclass, some 25 kB: unreadable in a log or a test's failure."""
    answer = ws.explain("2174", "541514", version=VERSION, on="2026-11-30")
    assert repr(answer) == (f"Answer(policy='second-career-fast-track', version='{VERSION}', noc='2174', "
                            f"noc_version='2016', industry='541514', decided_on='2026-11-30', verdict='eligible')")


def test_type_checkers_see_each_public_name_as_what_it_is():
    """The public names are imported on first use (``__getattr__``), which type checkers read as ``Any``:
    each is also imported for them (``TYPE_CHECKING``), from the module that defines it, and the package says
    it is typed (``py.typed``)."""
    import ast
    import importlib
    from pathlib import Path
    import sc_policy
    init = Path(sc_policy.__file__)
    guarded = next(node for node in ast.parse(init.read_text(encoding="utf-8")).body
                   if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING")
    seen = {alias.name: node.module for node in guarded.body for alias in node.names}
    assert sorted(seen) == sorted(sc_policy.__all__)
    for name, module in seen.items():
        assert getattr(importlib.import_module(module), name) is getattr(sc_policy, name), name
    assert (init.parent / "py.typed").is_file()
