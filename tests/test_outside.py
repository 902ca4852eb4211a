"""Inputs outside the decision table (StatCan's sector ranges, "31-33") are decided for a caseload by
keyed evaluation (sc_policy.engine.outside): the same areas as direct evaluation and as the table."""

from __future__ import annotations

import pytest

from sc_policy.engine.outside import OutsideTable
from sc_policy.reference.statcan import NAICS_RANGES

from test_table import NOCS


@pytest.fixture(scope="module")
def outside(opened):
    return OutsideTable(opened.evaluator)


@pytest.mark.parametrize("industry", sorted(NAICS_RANGES))
def test_a_sector_range_admits_what_direct_evaluation_admits(opened, outside, industry):
    assert opened.table.industry_class(industry) is None  # the table does not cover it
    for noc in NOCS[::7]:  # direct evaluation costs milliseconds: a sample of unit groups of every major group
        assert outside.in_scope(noc, industry) == opened.evaluator.decide_direct(noc, industry).in_scope, noc
    if industry == "31-33":  # the whole of manufacturing: Phase I admits Manufacturing's occupations
        assert any(outside.in_scope(noc, industry) == ("manufacturing",) for noc in NOCS)


@pytest.mark.parametrize("industry", [None, "541514", "325410", "3254", "311", "44", "5415", "336"])
def test_keyed_evaluation_agrees_with_the_table_on_every_unit_group(opened, outside, industry):
    table = opened.table
    got = [outside.in_scope(noc, industry) for noc in NOCS]
    assert got == [table.in_scope(table.cell(noc, industry)) for noc in NOCS]
    assert opened.evaluator.in_scope("2174", industry) == got[NOCS.index("2174")]


def test_a_caseload_row_with_a_sector_range_is_decided_without_the_direct_path(opened, monkeypatch):
    from sc_policy.app.caseformats import result

    def refuse(*args):
        raise AssertionError("a caseload row was decided directly")
    monkeypatch.setattr(opened.evaluator, "decide_direct", refuse)
    assert result(opened, ("2174",), "31-33")["areas"] == ("manufacturing",)
