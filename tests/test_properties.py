"""Hypothesis properties of the shipped rules themselves, not only of the code.

The expected sets below come from the source text (the ICT definition on lines 21-27,
Phase I manufacturing on line 56, the skill-level rule), not from the rule files, so
that a wrong edit of the rule files makes these properties fail.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from hypothesis import assume, given, strategies as st

from sc_policy.diagnostics import InputError
from sc_policy.reference.statcan import reference_data, skill_level
from sc_policy.present.render import answer_json, answer_text

REF = reference_data()
UNIT_GROUPS = sorted(REF.noc2016)
NAICS_CODES = list(REF.naics2017_codes)
NOC2021_CODES = sorted(REF.concordance)

ICT_INCLUDED = ("334", "4173", "5112", "517", "518", "5415", "8112")  # source lines 21-27
ICT_EXCLUDED = "3345"  # "excluding navigational, measuring, medical and controlling devices" (line 21)
MANUFACTURING = ("31", "32", "33")  # "the Manufacturing area as a whole" (line 56): NAICS 31-33

unit_groups = st.sampled_from(UNIT_GROUPS)
naics_codes = st.sampled_from(NAICS_CODES)
industries = st.none() | naics_codes


def listed_anywhere(version, code):
    return any(code in area.listed for area in version.areas)


def area_result(decision, area_id):
    return next(a for a in decision.areas if a.area == area_id)


# -- occupations --------------------------------------------------------------------------------

@given(unit_groups)
def test_every_unit_group_decides_deterministically_and_only_the_lists_decide(opened, noc):
    first = opened.evaluator.answer(noc)
    again = opened.evaluator.answer(noc)
    assert answer_json(first) == answer_json(again)
    assert first.eligible == listed_anywhere(opened.version, noc)


@given(st.from_regex(r"\A[0-9]{4}\Z"))
def test_any_other_four_digit_string_is_refused_with_the_package_error(opened, text):
    assume(text not in REF.noc2016)
    with pytest.raises(InputError, match="not a NOC 2016 unit group"):
        opened.evaluator.answer(text)


@given(st.text(max_size=8))
def test_any_other_text_is_refused_with_the_package_error(opened, text):
    assume(text.strip() not in REF.noc2016)
    with pytest.raises(InputError):
        opened.evaluator.answer(text)


# -- industries ---------------------------------------------------------------------------------

def within(code, prefixes):
    return any(code.startswith(p) for p in prefixes)


@given(naics_codes)
def test_ict_counts_its_inclusions_except_3345(opened, naics):
    ict = opened.version.area("ict")
    noc = sorted(ict.listed)[0]
    in_scope = area_result(opened.evaluator.decide(noc, naics), "ict").in_scope
    assert in_scope == (within(naics, ICT_INCLUDED) and not naics.startswith(ICT_EXCLUDED))


@given(st.sampled_from([c for c in NAICS_CODES if c.startswith("334")]))
def test_ict_within_334_counts_exactly_outside_3345(opened, naics):
    in_scope = area_result(opened.evaluator.decide("2174", naics), "ict").in_scope
    assert in_scope == (not naics.startswith("3345"))


@given(naics_codes)
def test_phase_1_manufacturing_counts_all_of_31_to_33_and_nothing_else(opened, naics):
    manufacturing = opened.version.area("manufacturing")
    noc = sorted(manufacturing.listed)[0]
    in_scope = area_result(opened.evaluator.decide(noc, naics), "manufacturing").in_scope
    assert in_scope == (naics[:2] in MANUFACTURING)


# -- skill levels -------------------------------------------------------------------------------

@given(st.data())
def test_declared_level_of_every_listed_code_is_the_derived_level(opened, data):
    area = data.draw(st.sampled_from(opened.version.areas), label="area")
    entry = data.draw(st.sampled_from([o for o in area.occupations if o.code]), label="entry")
    assert entry.level == skill_level(entry.code) == REF.noc2016[entry.code].level


@given(st.sampled_from([c for c in UNIT_GROUPS if skill_level(c) in ("0", "D")]), industries)
def test_no_code_at_level_0_or_d_is_ever_eligible(opened, noc, naics):
    assert not opened.evaluator.decide(noc, naics).eligible


# -- explanations -------------------------------------------------------------------------------

@given(unit_groups, industries)
def test_explanations_are_faithful(opened, noc, naics):
    answer = opened.evaluator.answer(noc, naics)
    data = json.loads(answer_json(answer))
    applicable = {area.id: sorted(c.id for c in opened.version.clauses if area.id in c.applies_to)
                  for area in opened.version.areas}
    for area in data["areas"]:
        results = [c["result"] for c in area["clauses"]]
        assert area["in_scope"] == all(r in ("pass", "not_applicable") for r in results)
        ids = [c["clause"] for c in area["clauses"]]
        assert Counter(ids) == Counter(applicable[area["area"]])  # every applicable clause exactly once
    eligible = any(a["in_scope"] for a in data["areas"])
    assert data["eligible"] == eligible
    assert data["verdict"] == ("eligible" if eligible else "not_eligible")
    # the printed text says the same, in the default answer and in the full one: the verdict first,
    # then per area, one PASS/FAIL/N/A line per applicable clause
    for full in (False, True):
        text = answer_text(answer, opened.version, REF, full=full)
        assert re.search(r"^Verdict: (ELIGIBLE|NOT ELIGIBLE)\. ", text, re.M).group(1) == \
            ("ELIGIBLE" if eligible else "NOT ELIGIBLE")
        headers = [(m.start(), m.group(1), m.group(2)) for m in
                   re.finditer(r"^.+ \(([a-z0-9-]+)\): (IN SCOPE|not in scope)(?:;|$)", text, re.M)]
        assert [h[1] for h in headers] == [a["area"] for a in data["areas"]]
        for (start, area_id, printed), end, area in zip(headers, [h[0] for h in headers[1:]] + [len(text)],
                                                        data["areas"]):
            marks = re.findall(r"^  (PASS|FAIL|N/A) ", text[start:end], re.M)
            assert len(marks) == len(applicable[area_id])
            assert (printed == "IN SCOPE") == ("FAIL" not in marks) == area["in_scope"]


# -- NOC 2021 (issue 4) ---------------------------------------------------------------------------

@given(st.sampled_from(NOC2021_CODES), industries)
def test_noc_2021_verdict_combines_its_noc_2016_candidates(opened, noc2021, naics):
    answer = opened.evaluator.answer(noc2021, naics, "2021")
    candidates = sorted({row.noc2016 for row in REF.concordance[noc2021]})
    assert [d.noc for d in answer.candidates] == candidates
    verdicts = {opened.evaluator.decide(c, naics).eligible for c in candidates}
    expected = {frozenset({True}): "eligible", frozenset({False}): "not_eligible"}.get(frozenset(verdicts),
                                                                                     "indeterminate")
    assert answer.verdict == expected
    assert answer.eligible == (verdicts == {True})
