"""Issue 15, items 2 and 3: each area quotes its own text, and the analyst's readings are data.

phase-1.1 restates phase-1 (frozen) with per-area citations, the sections of each area and of the
general text, Manufacturing's NAICS 31-33 marked as not published, and the two interpretations the
README states. Its decisions must be phase-1's.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sc_policy.app.workspace import Workspace
from sc_policy.cli import main
from sc_policy.present.render import answer_json, answer_text, answer_to_dict

from conftest import POLICY

NEW = "phase-1.1"
OLD = "phase-1"


def _findings(ws: Workspace, version: str, code: str):
    return [f for f in ws.check([version]) if f.code == code]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def new(ws):
    return ws.open(NEW)


# -- the version ---------------------------------------------------------------------------------------

def test_the_new_version_is_in_force_from_its_assumed_date_and_phase_1_before(ws):
    assert ws.open(on=dt.date(2026, 11, 26)).version.id == NEW
    assert ws.open(on=dt.date(2026, 11, 25)).version.id == OLD
    old, new = ws.open(OLD).version.manifest, ws.open(NEW).version.manifest
    assert (old.status, old.effective_to) == ("superseded", dt.date(2026, 11, 25))
    # phase-1.2 superseded it on 2026-11-28 (freeze closed it the day before)
    assert (new.status, new.supersedes, new.effective_to) == ("superseded", OLD, dt.date(2026, 11, 27))
    assert "effective_from" in new.assumptions  # the source states no date for this edition


def test_the_new_version_decides_exactly_as_phase_1(ws):
    old, new = ws.open(OLD).version.manifest, ws.open(NEW).version.manifest
    assert new.table_sha256 == old.table_sha256
    versions = json.loads(CliRunner().invoke(main, ["versions", "--format", "json"]).output)
    assert {v["id"]: v["integrity"] for v in versions} == {OLD: "intact", NEW: "intact", "phase-1.2": "intact"}


def test_every_shipped_case_of_phase_1_keeps_its_verdict_and_areas(ws):
    cases = ws.open(OLD).version.tests
    assert len(cases) > 100
    for case in cases:
        a = ws.explain(case.noc, case.industry, version=OLD, noc_version=case.noc_version)
        b = ws.explain(case.noc, case.industry, version=NEW, noc_version=case.noc_version)
        assert (b.verdict, [d.in_scope for d in b.candidates]) == (a.verdict, [d.in_scope for d in a.candidates])
        assert [[c.result for area in d.areas for c in area.clauses] for d in b.candidates] == \
               [[c.result for area in d.areas for c in area.clauses] for d in a.candidates], case.name


# -- item 2: each area quotes its own text -------------------------------------------------------------

def test_every_citation_an_area_shows_lies_in_its_sections_or_the_general_text(ws, new):
    version = new.version
    general = version.manifest.general_sections
    assert [s.lines for s in general] == ["3-15", "58"]
    seen = 0
    for case in version.tests:
        answer = answer_to_dict(ws.explain(case.noc, case.industry, version=NEW, noc_version=case.noc_version))
        for d in answer["candidates"] or [answer]:
            for area in d["areas"]:
                allowed = version.area(area["area"]).sections + general
                for clause in area["clauses"]:
                    for cite in clause["source"]:
                        seen += 1
                        assert any(s.holds(cite["line"]) for s in allowed), (case.name, area["area"], cite)
    assert seen > 1000


def test_ict_no_longer_quotes_other_areas_for_the_skill_level(ws):
    ict = next(a for a in ws.explain("2174", version=NEW).candidates[0].areas if a.area == "ict")
    lines = {c.clause: [s.line for s in c.source] for c in ict.clauses}
    assert lines == {"noc-a-exception": [62], "occupation-listed": [13, 64], "skill-level-limit": [],
                     "industry-in-area": [13, 19]}
    ls = next(a for a in ws.explain("2174", version=NEW).candidates[0].areas if a.area == "life-sciences")
    assert [s.line for c in ls.clauses if c.clause == "occupation-listed" for s in c.source] == [13, 84]
    old_ict = next(a for a in ws.explain("2174", version=OLD).candidates[0].areas if a.area == "ict")
    assert [s.line for c in old_ict.clauses if c.clause == "skill-level-limit" for s in c.source] == [80, 145, 145]


def test_the_shipped_versions_report_only_ict_skill_level_as_without_a_passage(ws):
    found = _findings(ws, NEW, "area-without-passage")
    assert [(f.severity, f.subject) for f in found] == [("warning", "skill-level-limit:ict")]
    assert _findings(ws, NEW, "citation-area") == []
    # phase-1 names no sections: nothing says which text is an area's own, and it is not checked
    assert _findings(ws, OLD, "citation-area") == [] and _findings(ws, OLD, "area-without-passage") == []


def test_a_citation_outside_the_area_is_an_error_where_it_is_written(tree_copy):
    clause = tree_copy / POLICY / NEW / "clauses" / "skill-level-limit.yaml"
    _edit(clause, "area_source:\n", "area_source:\n  ict:\n    - line: 80\n      quote: In-scope occupations NOC A, "
                                    "B and C occupations with 2% or more share of employment within the sector.\n")
    line = clause.read_text(encoding="utf-8").splitlines().index("    - line: 80") + 1
    found = _findings(Workspace(tree_copy), NEW, "citation-area")
    assert [(f.severity, f.subject, f.span.path.endswith("skill-level-limit.yaml"), f.span.line) for f in found] == [
        ("error", "skill-level-limit:ict:80", True, line)]
    assert "outside the text of area 'ict' (its sections 17-27, 60-76, the general text 3-15, 58)" in found[0].message


def test_an_area_entry_citing_another_area_is_an_error(tree_copy):
    area = tree_copy / POLICY / NEW / "areas" / "ict.yaml"
    _edit(area, "- {line: 76, quote: 5241 Graphic Designers and Illustrators – NOC B}",
          "- {line: 248, quote: 5241 Graphic designers and illustrators – NOC B}")
    found = _findings(Workspace(tree_copy), NEW, "citation-area")
    assert [(f.severity, f.subject) for f in found] == [("error", "ict:5241:248")]


def test_a_clause_resting_on_an_interpretation_without_an_own_passage_is_info(tree_copy):
    clause = tree_copy / POLICY / NEW / "clauses" / "industry-in-area.yaml"
    _edit(clause, "  ict:\n    - line: 19\n      quote: \"For the purpose of implementation, the technology area is "
                  "defined as including:\"\n", "")
    found = _findings(Workspace(tree_copy), NEW, "area-without-passage")
    by_subject = {f.subject: f for f in found}
    assert by_subject["industry-in-area:ict"].severity == "info"
    assert "interpretation industries-and-lists-combine" in by_subject["industry-in-area:ict"].message


def test_a_clause_that_cites_nothing_is_an_error(tree_copy):
    clause = tree_copy / POLICY / OLD / "clauses" / "occupation-listed.yaml"
    text = clause.read_text(encoding="utf-8")
    clause.write_text(text[:text.index("source:")] + "source: []\n", encoding="utf-8")
    found = _findings(Workspace(tree_copy), OLD, "area-without-passage")
    assert [(f.severity, f.subject) for f in found] == [("error", "occupation-listed")]


def test_manufacturing_naics_codes_are_not_labelled_as_published(ws):
    new_text = answer_text(ws.explain("7511", "484121", version=NEW), ws.open(NEW).version, full=True)
    assert "(published: Manufacturing" not in new_text
    assert "includes NAICS 31 Manufacturing (not published, derived from line 56:" in new_text
    assert "includes NAICS 5112 Software publishers (published: Software publishers)" in new_text
    assert [e.published for e in ws.open(NEW).version.area("manufacturing").include] == [False] * 3
    # phase-1 is frozen as it was: its entries say nothing (no published: false), but their quote (line 56)
    # publishes no NAICS code, so its answers no longer call them published either (check: unpublished-code)
    assert [e.published for e in ws.open(OLD).version.area("manufacturing").include] == [True] * 3
    old_text = answer_text(ws.explain("7511", "484121", version=OLD), ws.open(OLD).version, full=True)
    assert "(published: Manufacturing" not in old_text
    assert "includes NAICS 31 Manufacturing (not published, derived from line 56:" in old_text


# -- item 3: interpretations are data --------------------------------------------------------------------

def test_answers_list_the_interpretations_that_bear_on_them(ws, new):
    body = answer_to_dict(ws.explain("2211", version=NEW))
    assert [i["id"] for i in body["interpretations"]] == ["industries-and-lists-combine",
                                                          "life-sciences-note-adds-none"]
    assert set(body["interpretations"][0]) == {"id", "question", "reading", "source"}
    assert [c["line"] for c in body["interpretations"][0]["source"]] == [13, 58]
    assert [c["line"] for c in body["interpretations"][1]["source"]] == [82]
    per_area = {a["area"]: a["interpretations"] for a in body["areas"]}
    assert per_area == {"ict": ["industries-and-lists-combine", "life-sciences-note-adds-none"],
                        "life-sciences": ["industries-and-lists-combine", "life-sciences-note-adds-none"],
                        "manufacturing": ["industries-and-lists-combine"]}
    text = answer_text(ws.explain("2211", version=NEW), new.version, full=True)
    assert "Analyst's interpretations where the source is silent that bear on this answer:" in text
    assert "  - life-sciences-note-adds-none: The Life Sciences note says" in text
    # phase-1 records none, and says none
    old = answer_to_dict(ws.explain("2211", version=OLD))
    assert old["interpretations"] == [] and all(a["interpretations"] == [] for a in old["areas"])


def test_each_clause_names_the_interpretations_it_rests_on_in_both_views(ws):
    answer = ws.explain("7511", "484121", version=NEW, on=dt.date(2026, 11, 26))
    full, brief = answer_to_dict(answer), answer_to_dict(answer, "brief")
    for body in (full, brief):
        rests = {(a["area"], c["clause"]): c["interpretations"] for a in body["areas"] for c in a["clauses"]}
        assert rests[("manufacturing", "phase-1-manufacturing")] == ["industries-and-lists-combine"]
        assert rests[("ict", "occupation-listed")] == ["industries-and-lists-combine", "life-sciences-note-adds-none"]
        assert rests[("manufacturing", "occupation-listed")] == ["industries-and-lists-combine"]  # the note: ICT, LS
        assert rests[("ict", "skill-level-limit")] == []
        assert [a["interpretations"] for a in body["areas"]] == [a["interpretations"] for a in full["areas"]]
    assert "interpretations" not in brief and [i["id"] for i in full["interpretations"]] == [
        "industries-and-lists-combine", "life-sciences-note-adds-none"]
    again = ws.explain("7511", "484121", version=NEW, on=dt.date(2026, 11, 26))
    assert answer_json(again) == answer_json(answer)


def test_the_default_answer_lists_the_interpretations_that_decide_it(ws, new):
    def notes(noc, industry=None, noc_version="2016"):
        text = answer_text(ws.explain(noc, industry, version=NEW, noc_version=noc_version), new.version)
        return [line for line in text.splitlines() if line.startswith("  - interpretation ")]

    # 7511 fails in Manufacturing, the only area that lists it, on the Phase I clause: the industry reading
    assert notes("7511", "484121") == ["  - interpretation industries-and-lists-combine [lines 13, 58]: An area "
                                       "requires an occupation on\u2026"]  # one line: --full has the reading
    # 2211 is admitted by occupation-listed in Life Sciences, where the 1-2% note bears on the list too
    assert [n.split()[2] for n in notes("2211")] == ["industries-and-lists-combine", "life-sciences-note-adds-none"]
    # 2174 is admitted by its NOC A exception, which rests on no interpretation; but with no industry it is
    # in scope only because the industry clauses do not apply, which is the industry reading (as for 7511)
    assert [n.split()[2] for n in notes("2174")] == ["industries-and-lists-combine"]
    assert [n.split()[2] for n in notes("21234", None, "2021")] == ["industries-and-lists-combine"]
    # with an industry inside the definitions the clauses apply and pass: no reading decides
    assert notes("2174", "325410") == [] and notes("2175", "541514") == []
    full = answer_text(ws.explain("2174", version=NEW), new.version, full=True)
    assert "  - industries-and-lists-combine: The source defines each priority area" in full  # --full: all


def test_check_shows_the_interpretations_and_the_resolutions(ws):
    found = ws.check([NEW])
    shown = {f.subject: f for f in found if f.code == "interpretation"}
    assert set(shown) == {"industries-and-lists-combine", "life-sciences-note-adds-none"}
    assert {(f.severity, f.span.path) for f in shown.values()} == {("info", f"{POLICY}/{NEW}/resolutions.yaml")}
    assert ("decides clauses industry-in-area, occupation-listed, phase-1-manufacturing: An area requires an "
            "occupation on its list") in shown["industries-and-lists-combine"].message
    assert ("decides clause occupation-listed in ict, life-sciences: The note names no occupation"
            in shown["life-sciences-note-adds-none"].message)
    assert {f.resolution for f in found if f.resolution} == {
        "ict-two-noc-a", "life-sciences-listed-twice", "programmers-without-code",
        "central-control-operators-two-titles"}
    assert not any(f.code == "interpretation" for f in ws.check([OLD]))  # phase-1 records none


def test_answers_of_a_noc_2021_code_list_them_per_candidate(ws):
    body = answer_to_dict(ws.explain("21233", version=NEW, noc_version="2021"))
    assert body["interpretations"] == []  # several candidates: each carries its own
    assert all([i["id"] for i in d["interpretations"]] == ["industries-and-lists-combine",
                                                           "life-sciences-note-adds-none"]
               for d in body["candidates"])


def test_an_interpretation_no_clause_rests_on_is_an_error(tree_copy):
    clause = tree_copy / POLICY / NEW / "clauses" / "occupation-listed.yaml"
    _edit(clause, "rests_on: [industries-and-lists-combine, life-sciences-note-adds-none]",
          "rests_on: [industries-and-lists-combine]")
    found = _findings(Workspace(tree_copy), NEW, "unused-interpretation")
    assert [(f.severity, f.subject, f.span.path.endswith("resolutions.yaml")) for f in found] == [
        ("error", "life-sciences-note-adds-none", True)]


def test_a_clause_resting_on_an_unknown_interpretation_is_an_error(tree_copy):
    clause = tree_copy / POLICY / NEW / "clauses" / "phase-1-manufacturing.yaml"
    _edit(clause, "rests_on: [industries-and-lists-combine]", "rests_on: [industries-and-list-combine]")
    found = _findings(Workspace(tree_copy), NEW, "unknown-interpretation")
    assert [(f.severity, f.subject) for f in found] == [("error", "phase-1-manufacturing:industries-and-list-combine")]
    assert "(recorded: industries-and-lists-combine, life-sciences-note-adds-none)" in found[0].message


def test_an_interpretation_without_its_passages_is_a_schema_error(tree_copy):
    resolutions = tree_copy / POLICY / NEW / "resolutions.yaml"
    text = resolutions.read_text(encoding="utf-8")
    start = text.index("    source:\n      - line: 82")
    resolutions.write_text(text[:start] + "    areas: [ict, life-sciences]\n", encoding="utf-8")
    found = [f for f in Workspace(tree_copy).check([NEW]) if f.code == "missing-key"]
    assert [(f.severity, f.span.path.endswith("resolutions.yaml")) for f in found] == [("error", True)]
    assert "interpretations" in found[0].message and "source" in found[0].message


def test_diff_shows_interpretations_added_changed_and_removed(ws, tree_copy):
    runner = CliRunner()
    out = runner.invoke(main, ["diff", OLD, NEW, "--format", "json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    added = [c for c in body["changes"] if c["kind"] == "interpretation_added"]
    assert [c["interpretation"] for c in added] == ["industries-and-lists-combine", "life-sciences-note-adds-none"]
    assert body["impact"] == []
    assert not [c for c in body["changes"] if c["kind"] == "file_changed"]
    # a changed reading, and a removed one, in a copy
    copy = tree_copy / POLICY
    import shutil
    shutil.copytree(copy / NEW, copy / "phase-1.1b")
    manifest = copy / "phase-1.1b" / "version.yaml"
    _edit(manifest, "id: phase-1.1", "id: phase-1.1b")
    _edit(manifest, "status: superseded", "status: draft")
    _edit(manifest, "effective_to: 2026-11-27\n", "")
    _edit(manifest, "effective_from: 2026-11-26", "effective_from: 2027-01-01")
    _edit(manifest, "supersedes: phase-1\n", "supersedes: phase-1.1\n")
    res = copy / "phase-1.1b" / "resolutions.yaml"
    text = res.read_text(encoding="utf-8")
    res.write_text(text[:text.index("  - id: life-sciences-note-adds-none")], encoding="utf-8")
    _edit(copy / "phase-1.1b" / "clauses" / "occupation-listed.yaml",
          "rests_on: [industries-and-lists-combine, life-sciences-note-adds-none]",
          "rests_on: [industries-and-lists-combine]")
    _edit(res, "With no industry, the eligible", "Without an industry, the eligible")
    out = runner.invoke(main, ["diff", NEW, "phase-1.1b", "--no-impact", "--policies", str(tree_copy)])
    assert out.exit_code == 0, out.output
    assert "interpretation industries-and-lists-combine changed: reading" in out.output
    assert "interpretation life-sciences-note-adds-none removed:" in out.output
    assert "file resolutions.yaml" not in out.output
