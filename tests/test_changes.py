"""What would change a not-eligible answer (issue 15 item 5): every suggested change, decided again
by direct rule-engine evaluation, really makes the case eligible; nearest occupations come first."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from sc_policy.cli import main
from sc_policy.engine.changes import MOST_OCCUPATIONS, Changes, IndustryChange
from sc_policy.present.changes import changes_text
from sc_policy.present.render import answer_json, answer_text
from sc_policy.reference.statcan import NAICS_RANGES, reference_data

REFDATA = reference_data()
NOCS = tuple(sorted(REFDATA.noc2016))
NAICS = REFDATA.naics2017_codes


def listed(version):
    return sorted({code for area in version.areas for code in area.listed})


def within(code, area):
    """The area's definition, read from its include and exclude entries (independently of the engine)."""
    return any(code.startswith(e.code) for e in area.include) and not any(
        code.startswith(e.code) for e in area.exclude)


def tier(noc, other):
    return 0 if other[:3] == noc[:3] else 1 if other[:2] == noc[:2] else None


@st.composite
def cases(draw, version):
    noc = draw(st.one_of(st.sampled_from(listed(version)), st.sampled_from(NOCS)))
    industry = draw(st.one_of(st.none(), st.sampled_from(NAICS)))
    return noc, industry


@settings(max_examples=40)
@given(data=st.data())
def test_every_suggested_change_makes_the_case_eligible(opened, data):
    ev, version = opened.evaluator, opened.version
    noc, industry = data.draw(cases(version))
    decision = ev.decide(noc, industry)
    changes = decision.changes
    if decision.eligible:
        assert changes == Changes()
        return
    assert decision == ev.decide_direct(noc, industry)
    # occupations: at most five, all nearer than the major group, the minor group first, then by code
    assert len(changes.occupations) <= MOST_OCCUPATIONS
    order = [(tier(noc, o.noc), o.noc) for o in changes.occupations]
    assert None not in [t for t, _ in order] and noc not in [o.noc for o in changes.occupations]
    assert order == sorted(order)
    for o in changes.occupations:  # each is eligible with the same industry (or none), in the areas named
        again = ev.decide_direct(o.noc, industry)
        assert again.eligible and again.in_scope == o.areas, (noc, industry, o)
        assert o.title == REFDATA.noc_title(o.noc)
    # none nearer is left out: they are the first eligible ones of the minor group, then the major group
    near = sorted((tier(noc, other), other) for other in NOCS
                  if other != noc and tier(noc, other) is not None and ev.decide(other, industry).eligible)
    assert [o.noc for o in changes.occupations] == [other for _, other in near[:MOST_OCCUPATIONS]]
    # industries: only for a case with one, and a code of each area's definition makes it eligible there
    if industry is None:
        assert changes.industries == ()
    for change in changes.industries:
        area = version.area(change.area)
        assert (change.include, change.exclude) == (tuple(e.code for e in area.include),
                                                   tuple(e.code for e in area.exclude))
        codes = [c for c in NAICS if within(c, area)]
        code = data.draw(st.sampled_from(codes), label=f"a code of {change.area}")
        again = ev.decide_direct(noc, code)
        assert change.area in again.in_scope, (noc, industry, change.area, code)
        # the area failed on the industry alone: without an industry the occupation is in scope there
        assert change.area in ev.decide_direct(noc, None).in_scope


@settings(max_examples=20)
@given(noc=st.sampled_from(NOCS), industry=st.one_of(st.none(), st.sampled_from(NAICS)))
def test_only_industry_failures_offer_an_area_and_every_such_area_is_offered(opened, noc, industry):
    ev, version = opened.evaluator, opened.version
    decision = ev.decide(noc, industry)
    offered = {c.area for c in decision.changes.industries}
    if decision.eligible:  # an eligible case needs no change
        assert offered == set()
        return
    for a in decision.areas:
        if a.in_scope or industry is None:
            assert a.area not in offered
            continue
        alone = ev.decide_direct(noc, None)
        area = version.area(a.area)
        opens = all(a.area in ev.decide(noc, code).in_scope for code in
                    sorted({ev.table.classes[ev.table.industry_class(c) - 1].representative
                            for c in NAICS if within(c, area)}))
        assert (a.area in offered) == (a.area in alone.in_scope and opens), (noc, industry, a.area)


def test_a_listed_occupation_with_an_industry_outside_the_area_suggests_its_definition(opened, ws):
    decision = opened.evaluator.decide("7511", "484121")
    assert not decision.eligible
    assert decision.changes.industries == (IndustryChange("manufacturing", "Manufacturing", ("31", "32", "33"), ()),)
    answer = opened.evaluator.answer("7511", "484121")
    data = json.loads(answer_json(answer))
    assert data["changes"]["industries"] == [{"area": "manufacturing", "title": "Manufacturing",
                                              "include": ["31", "32", "33"], "exclude": []}]
    text = answer_text(answer, opened.version, ws.refdata)
    assert "eligible under Manufacturing for an employer in NAICS 31, 32 or 33" in text
    assert "What would change the answer:" in text


def test_an_exclusion_is_named_in_the_text(opened):
    changes = opened.evaluator.decide("2174", "111110").changes
    ict = [c for c in changes.industries if c.area == "ict"]
    assert ict and ict[0].exclude == ("3345",)
    text = "\n".join(changes_text(changes))
    assert "for an employer in NAICS 334, 4173, 5112, 517, 518, 5415 or 8112, but not in NAICS 3345" in \
        " ".join(text.split())
    assert all(len(line) <= 100 for line in changes_text(changes))


def test_an_unlisted_occupation_suggests_the_listed_ones_of_its_minor_group_first(opened, ws):
    ev = opened.evaluator
    decision = ev.decide("7512")  # bus drivers: not listed; 7511 transport truck drivers is
    assert not decision.eligible
    assert [o.noc for o in decision.changes.occupations][:1] == ["7511"]
    assert decision.changes.occupations[0].areas == ev.decide("7511").in_scope
    result = CliRunner().invoke(main, ["explain", "7512"])
    assert result.exit_code == 0
    assert "another occupation (no employer industry): 7511 (manufacturing)" in result.output
    result = CliRunner().invoke(main, ["explain", "7512", "--full"])
    assert result.exit_code == 0
    assert "7511 Transport truck drivers (eligible under: manufacturing)" in result.output
    assert "Listed occupations of the same NOC minor group" not in result.output
    data = json.loads(CliRunner().invoke(main, ["explain", "7512", "--format", "json"]).output)
    assert data["changes"]["occupations"][0] == {"noc": "7511", "title": "Transport truck drivers",
                                                 "areas": ["manufacturing"]}
    assert [n["noc"] for n in data["nearby"]] == ["7511"]  # the older field is kept as it was


def test_other_occupations_are_not_said_to_be_for_the_same_employer_when_none_was_given():
    """Without an industry there is no employer to keep: the suggestions are eligible with no employer."""
    def out(*args):
        result = CliRunner().invoke(main, ["explain", *args])
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())
    assert "another occupation (the same industry): 7511 (manufacturing)" in out("7512", "--industry", "325410")
    assert "another occupation (no employer industry): 7511 (manufacturing)" in out("7512")
    assert "the same industry" not in out("7512") and "same employer" not in out("7512", "--full")
    assert "Another occupation, eligible with no employer industry given (the same NOC minor group" in \
        out("7512", "--full")
    assert "Another occupation, eligible for the same employer" in out("7512", "--industry", "325410", "--full")


def test_the_major_group_follows_the_minor_group(opened):
    # 2171 (information systems analysts, NOC A, not listed): 2174 and 2175 share its minor group 217;
    # 2133 shares only the major group 21 with them
    occupations = opened.evaluator.decide("2133").changes.occupations
    assert [o.noc for o in occupations][:2] == ["2174", "2175"]
    assert all(o.noc[:2] == "21" and o.noc[:3] != "213" for o in occupations)
    assert [o.noc for o in opened.evaluator.decide("2171").changes.occupations][:2] == ["2174", "2175"]


def test_the_same_employer_is_kept_for_other_occupations(opened):
    # with an agricultural employer no listed occupation of 2174's group is eligible anywhere
    assert opened.evaluator.decide("2171", "111110").changes.occupations == ()
    assert [o.noc for o in opened.evaluator.decide("2171").changes.occupations] == ["2174", "2175"]


def test_an_eligible_answer_offers_no_change_and_the_json_says_so(opened):
    answer = opened.evaluator.answer("2174")
    data = json.loads(answer_json(answer))
    assert data["changes"] == {"occupations": [], "industries": []}
    assert all(c["changes"] == data["changes"] for c in data["candidates"])


def test_the_json_matches_the_documented_models(opened):
    from sc_policy.http import models
    for args in (("7511", "484121"), ("7512", None), ("2174", None)):
        models.DecisionJson.model_validate(json.loads(answer_json(opened.evaluator.answer(*args))))
    data = json.loads(answer_json(opened.evaluator.answer("22232", None, "2021")))
    models.DecisionJson.model_validate(data)
    assert all("changes" in c for c in data["candidates"])


def test_an_evaluator_without_a_table_gives_the_same_changes(opened):
    from sc_policy.engine.compile import compile_version
    from sc_policy.engine.decide import Evaluator
    compiled, _ = compile_version(opened.version)
    bare = Evaluator(compiled, REFDATA)
    for noc, industry in (("7511", "484121"), ("7512", None), ("2171", "541510")):
        assert bare.decide(noc, industry) == opened.evaluator.decide(noc, industry)


NO_FOOD = """\
id: no-food-manufacturing
version: 1
title: Food manufacturing does not count
applies_to: [manufacturing]
when: industry_given
condition: (industry_prefixes & {"311"}).length == 0
explain:
  pass: "NAICS {industry} is not food manufacturing."
  fail: "NAICS {industry} is food manufacturing."
  not_applicable: "No employer industry was given."
source:
  - line: 56
    quote: For Phase I implementation, the Manufacturing area as a whole will be prioritized.
"""


def test_an_area_is_offered_only_when_its_whole_definition_opens_it(tree_copy):
    from sc_policy.app.workspace import Workspace
    from conftest import VERSION, version_dir
    (version_dir(tree_copy) / "clauses" / "no-food-manufacturing.yaml").write_text(NO_FOOD, encoding="utf-8")
    ev = Workspace(tree_copy).open(VERSION).evaluator
    # only industry clauses fail, but part of NAICS 31-33 (311, food) still fails: no promise is made
    for industry in ("484121", "311111"):
        decision = ev.decide("7511", industry)
        assert not decision.eligible and decision.changes.industries == ()
        assert decision == ev.decide_direct("7511", industry)
    assert ev.decide("7511", "332999").eligible


@settings(max_examples=15)
@given(noc=st.sampled_from(NOCS), sector=st.sampled_from(sorted(NAICS_RANGES)))
def test_a_sector_range_gets_the_changes_its_parts_would(opened, noc, sector):
    """A sector StatCan writes as a range ("31-33") is decided directly, not from the table; what would
    change it is found as for any code: the nearest eligible occupations, and the areas it fails on the
    industry alone whose whole definition opens them."""
    ev, version = opened.evaluator, opened.version
    decision = ev.decide(noc, sector)
    changes = decision.changes
    if decision.eligible:
        assert changes == Changes()
        return
    near = sorted((tier(noc, other), other) for other in NOCS
                  if other != noc and tier(noc, other) is not None and ev.in_scope(other, sector))
    assert [o.noc for o in changes.occupations] == [other for _, other in near[:MOST_OCCUPATIONS]]
    assert all(o.areas == ev.decide_direct(o.noc, sector).in_scope for o in changes.occupations)
    for change in changes.industries:
        area = version.area(change.area)
        assert change.area not in decision.in_scope and change.area in ev.decide_direct(noc, None).in_scope
        assert all(change.area in ev.decide(noc, code).in_scope for code in NAICS if within(code, area))


def test_a_sector_range_offers_what_its_two_digit_part_offers(opened):
    ev = opened.evaluator
    assert ev.decide("9461", "44-45").changes == ev.decide("9461", "44").changes != Changes()
    assert ev.decide("2175", "31-33").changes == ev.decide("2175", "31").changes != Changes()
