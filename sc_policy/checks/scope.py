"""An area's own text that puts *all* occupations of a kind in scope, while the area lists its occupations.

The rules decide an area's occupations by its published list (``occupation-listed``). A sentence of the
area's own sections that says "all occupations in manufacturing with greater than 1,500 employees" are in
scope says something else: every such occupation, whatever its skill level, listed or not. The rules cannot
decide that sentence as written (the source gives no employment counts), so the list narrows it, and that is
the analyst's decision, which a resolution records: ``all-occupations`` reports each such line (a warning;
resolvable) in an area that names its ``sections`` and lists occupations. Its key names the line
(``all-occupations:manufacturing:line-56``), so that a resolution of one sentence does not cover another.
"""

from __future__ import annotations

import re
from typing import List

from sc_policy.checks.subjects import short
from sc_policy.diagnostics import Diagnostic, Suggestion
from sc_policy.load.policytext import SourceText
from sc_policy.model import Version

__all__ = ["all_occupations"]

ALL_OCCUPATIONS = re.compile(r"\ball\s+occupations\b", re.IGNORECASE)
"""What puts every occupation of a kind in scope, rather than those a list publishes."""

_SENTENCE = re.compile(r"[^.]*\ball\s+occupations\b[^.]*\.?", re.IGNORECASE)


def all_occupations(version: Version, source: SourceText) -> List[Diagnostic]:
    """``all-occupations`` for each line of an area's own sections that puts all occupations of a kind in
    scope, in an area that lists its occupations (an area naming no sections is not checked: nothing says
    which text is its own)."""
    out: List[Diagnostic] = []
    for area in version.areas:
        if not area.sections or not area.listed:
            continue
        for number, text in enumerate(source.lines, 1):
            if not ALL_OCCUPATIONS.search(text) or not any(s.holds(number) for s in area.sections):
                continue
            sentence = " ".join(_SENTENCE.search(text).group(0).split())
            key = f"all-occupations:{area.id}:line-{number}"
            out.append(Diagnostic(
                area.at("occupations"), "warning", "all-occupations",
                f"area {area.id!r}: line {number} of {source.path} puts in scope {short(sentence, 200)!r}, but the area's "
                f"list publishes {len(area.listed)} occupations", f"{area.id}:line-{number}",
                suggestion=Suggestion("resolve", (key,), f"if the list governs, record a resolution that resolves "
                                                         f"{key}")))
    return out
