"""The shipped Statistics Canada files, checked against PROVENANCE.md, and what the tool derives from them."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from sc_policy.refdata import ReferenceData, skill_level
from sc_policy.resources import refdata_dir

from conftest import VERSION


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return ReferenceData()


def rows(name):
    with open(refdata_dir() / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_row_counts_match_provenance():
    assert len(rows("noc2016_unit_groups.csv")) == 500
    assert len(rows("noc2016_hierarchy.csv")) == 690
    assert len(rows("noc2016_to_noc2021.csv")) == 585
    assert len(rows("naics_canada_2017.csv")) == 2084
    assert len(rows("naics_canada_2022.csv")) == 2059
    levels = Counter(r["hierarchical_structure"] for r in rows("naics_canada_2017.csv"))
    assert levels == {"Sector": 20, "Subsector": 102, "Industry group": 324, "Industry": 710,
                      "Canadian industry": 928}


def test_concordance_coverage_matches_provenance(ref):
    concordance = rows("noc2016_to_noc2021.csv")
    assert {r["noc2016_code"] for r in concordance} == set(ref.noc2016)
    assert len({r["noc2021_code"] for r in concordance}) == 516
    assert [c.noc2016 for c in ref.concordance["21234"]] == ["2174", "2175"]


def test_spot_checks_from_provenance(ref):
    assert ref.noc_title("2174") == "Computer programmers and interactive media developers"
    assert ref.noc_title("2175") == "Web designers and developers"
    assert ref.noc_title("9232") == "Central control and process operators, petroleum, gas and chemical processing"
    assert ref.naics_title("3345") == "Navigational, measuring, medical and control instruments manufacturing"
    assert ref.naics_title("4173") == "Computer and communications equipment and supplies merchant wholesalers"
    assert ref.naics_title("5112") == "Software publishers"
    assert "541514" in ref.naics2017 and "541510" not in ref.naics2017
    assert "511211" in ref.naics2017 and "511210" not in ref.naics2017
    assert ref.naics2022["5132"].title == "Software publishers" and "5132" not in ref.naics2017


def test_sector_ranges_name_their_two_digit_parts(ref):
    for part in ("31", "32", "33"):
        assert ref.naics2017[part].sector == "31-33" and ref.naics_title(part) == "Manufacturing"
    for part in ("44", "45", "48", "49"):
        assert part in ref.naics2017_codes
    assert not any("-" in code for code in ref.naics2017_codes)


def test_skill_level_derivation_over_all_of_noc_2016(ref):
    counts = Counter(skill_level(code) for code in ref.noc2016)
    assert sum(counts.values()) == 500 and "?" not in counts
    assert counts == {"0": 48, "A": 89, "B": 211, "C": 121, "D": 31}
    assert skill_level("0011") == "0" and skill_level("2174") == "A" and skill_level("2281") == "B"
    assert skill_level("9421") == "C" and skill_level("6611") == "D"


def test_every_noc_2021_code_gets_a_decision_or_indeterminate(opened, ref):
    for code, rows_ in ref.concordance.items():
        answer = opened.evaluator.answer(code, None, "2021")
        assert [d.noc for d in answer.candidates] == sorted({r.noc2016 for r in rows_})
        verdicts = {d.eligible for d in answer.candidates}
        expected = "indeterminate" if verdicts == {True, False} else (
            "eligible" if verdicts == {True} else "not_eligible")
        assert answer.verdict == expected
        assert answer.eligible == (verdicts == {True})


def test_every_output_names_codes_by_official_title(ws, ref):
    answer = ws.explain("9232", "325", version=VERSION)
    assert answer.noc.title == ref.noc_title("9232")
    assert answer.industry_title == ref.naics_title("325")
    # an occupation no area lists is still named by its official title
    assert ws.explain("0011", version=VERSION).noc.title == "Legislators"
