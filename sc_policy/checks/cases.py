"""The analysts' test cases (``tests/*.yaml``): expectations that no answer can meet.

A case states ``eligible`` and may state the ``verdict`` and the ``areas`` in scope; the three are
tied together (a case is eligible exactly when some area is in scope, and its verdict is
``eligible`` exactly when it is eligible), so a case that states them at odds with each other
would fail whatever the rules say: ``case-contradiction``, a warning at the expectation that
disagrees with ``eligible`` (``test`` still runs the case, and fails it; a warning leaves the version's
answers and its other cases alone).
"""

from __future__ import annotations

from typing import List

from sc_policy.diagnostics import Diagnostic
from sc_policy.model import Version
from sc_policy.reference.statcan import ReferenceData

__all__ = ["case_expectations"]


def case_expectations(version: Version, refdata: ReferenceData, partial: bool) -> List[Diagnostic]:
    """``case-contradiction`` for each case whose ``verdict`` or ``areas`` contradicts its ``eligible``."""
    out: List[Diagnostic] = []
    for case in version.tests:
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
