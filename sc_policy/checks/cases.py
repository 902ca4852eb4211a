"""The analysts' test cases (``tests/*.yaml``): expectations that no answer can meet.

A case states ``eligible`` and may state the ``verdict`` and the ``areas`` in scope; the three are
tied together (a case is eligible exactly when some area is in scope, and its verdict is
``eligible`` exactly when it is eligible), so a case that states them at odds with each other
would fail whatever the rules say: ``case-contradiction``, a warning at the expectation that
disagrees with ``eligible`` (``test`` still runs the case, and fails it; a warning leaves the version's
answers and its other cases alone). A case that names a NOC or NAICS code the classifications lack (its
input is refused), or an area or a clause the version lacks (nothing to compare), fails whatever the rules
say as well: ``case-unknown``, a warning at the name. Two cases of one name are a ``duplicate-case`` error at
the second: ``diff`` and the reports tell cases by their names, so one of the two would be left out. In a
frozen version (one frozen before the check existed) it is a warning: its files must not change, and an
error would refuse the answers of a version whose decisions are intact.
"""

from __future__ import annotations

from typing import List, Optional

from sc_policy.checks.lifecycle import is_frozen
from sc_policy.checks.subjects import known_areas
from sc_policy.diagnostics import Diagnostic, InputError, Span, Suggestion
from sc_policy.model import TestCase, Version
from sc_policy.reference.codes import parse_industry, parse_noc
from sc_policy.reference.statcan import ReferenceData

__all__ = ["case_expectations", "case_references"]


def case_expectations(version: Version, refdata: ReferenceData, partial: bool) -> List[Diagnostic]:
    """``case-contradiction`` for each case whose ``verdict`` or ``areas`` contradicts its ``eligible``;
    ``duplicate-case`` for each case named like one before it."""
    out: List[Diagnostic] = []
    first: dict = {}
    frozen = is_frozen(version.manifest)
    for case in version.tests:
        seen = first.setdefault(" ".join(case.name.split()), case)
        if seen is not case:
            out.append(Diagnostic(case.at("name"), "warning" if frozen else "error", "duplicate-case",
                                  f"test case name {case.name!r} is also the name of the case at "
                                  f"{seen.span.path}:{seen.span.line} (cases are told apart by name): rename one"
                                  + (f" in a new version ({version.id} is frozen and must not change)" if frozen
                                     else ""), case.name))
        expect = case.expect
        eligible = expect.get("eligible")
        if not isinstance(eligible, bool):
            continue
        said = "eligible" if eligible else "not eligible"
        verdict = expect.get("verdict")
        if isinstance(verdict, str) and (verdict == "eligible") != eligible:
            out.append(Diagnostic(case.at("expect.verdict"), "warning", "case-contradiction",
                                  f"test case {case.name!r} expects {said} but verdict {verdict}, which no answer "
                                  f"gives together (verdict eligible is given exactly when eligible is true): "
                                  f"correct one of them", case.name))
        areas = expect.get("areas")
        if isinstance(areas, list) and bool(areas) != eligible:
            shown = "no area" if not areas else "areas [" + ", ".join(map(str, areas)) + "]"
            out.append(Diagnostic(case.at("expect.areas"), "warning", "case-contradiction",
                                  f"test case {case.name!r} expects {said} with {shown} in scope, which no answer "
                                  f"gives (a case is eligible exactly when some area is in scope): correct "
                                  f"'eligible' or 'areas'", case.name))
    return out


def _in_case(suggestion: Optional[Suggestion]) -> Optional[Suggestion]:
    """A code's suggestion as a test case follows it: another NOC version is the case's ``noc_version``
    key (the command line words a ``noc-version`` suggestion as its ``--noc-version`` option)."""
    if suggestion is None or suggestion.kind != "noc-version":
        return suggestion
    if suggestion.values == ("2021",):
        return Suggestion("note", (), f"{suggestion.text}: give the case noc_version: '2021'")
    return Suggestion("note", (), f"{suggestion.text}: leave out the case's noc_version: '2021'")


def case_references(version: Version, refdata: ReferenceData, partial: bool) -> List[Diagnostic]:
    """``case-unknown`` for each code, area and clause a case names that does not exist (with every area file
    read: ``partial`` leaves the areas and clauses unchecked)."""
    applies = {area.id: set() for area in version.areas}
    for clause in version.clauses:
        for area_id in clause.applies_to:
            applies.setdefault(area_id, set()).add(clause.id)
    out: List[Diagnostic] = []

    def unknown(case: TestCase, at: Span, what: str, suggestion=None) -> None:
        out.append(Diagnostic(at, "warning", "case-unknown", f"test case {case.name!r}: {what}, so the case fails "
                              f"whatever the rules say", case.name, suggestion=suggestion))

    for case in version.tests:
        for key, read in (("noc", lambda: parse_noc(case.noc, refdata, case.noc_version)),
                          ("industry", lambda: parse_industry(case.industry, refdata))):
            try:
                read()
            except InputError as exc:
                unknown(case, case.at(key), f"{exc.message}: its input is refused", _in_case(exc.diagnostic.suggestion))
        if partial:
            continue
        areas = case.expect.get("areas")
        for i, area_id in enumerate(areas if isinstance(areas, list) else ()):
            if area_id not in applies:
                unknown(case, case.at(f"expect.areas.{i}"), f"no area {area_id!r} in this version{known_areas(applies)}")
        clauses = case.expect.get("clauses")
        for area_id, named in (clauses.items() if isinstance(clauses, dict) else ()):
            if area_id not in applies:
                unknown(case, case.at(f"expect.clauses.{area_id}"),
                        f"no area {area_id!r} in this version{known_areas(applies)}")
                continue
            for clause_id in (named if isinstance(named, dict) else ()):
                if clause_id not in applies[area_id]:
                    those = f" (those that do: {', '.join(sorted(applies[area_id]))})" if applies[area_id] else ""
                    unknown(case, case.at(f"expect.clauses.{area_id}.{clause_id}"),
                            f"no clause {clause_id!r} applies to area {area_id!r}{those}")
    return out
