"""What a decision is made of, as plain immutable records: each clause's result, each area's, the
decision for one NOC 2016 unit group and the answer to one question (made by
:class:`sc_policy.engine.decide.Evaluator`; renderers turn them into text, JSON or HTML)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

from sc_policy.engine.breadth import IndustryPart
from sc_policy.engine.unresolved import Unresolved
from sc_policy.engine.changes import NO_CHANGES, Changes, OccupationChange
from sc_policy.engine.reasons import AreaReason
from sc_policy.model import Citation, Interpretation, Resolution
from sc_policy.reference.codes import NocInput

__all__ = ["ClauseResult", "AreaResult", "Decision", "Answer"]


@dataclass(frozen=True)
class ClauseResult:
    """What one clause said about a case: its result and the reason, with its source."""

    clause: str
    clause_version: int
    title: str
    result: str
    reason: str
    source: Tuple[Citation, ...]
    interpretations: Tuple[str, ...] = ()  # ids of the interpretations it rests on here


@dataclass(frozen=True)
class AreaResult:
    """One priority area's answer: in scope or not, clause by clause."""

    area: str
    title: str
    in_scope: bool
    clauses: Tuple[ClauseResult, ...]
    resolutions: Tuple[str, ...]  # ids of the resolutions that bear on this area's answer
    interpretations: Tuple[str, ...] = ()  # ids of the interpretations its clauses rest on


@dataclass(frozen=True)
class Decision:
    """The decision for one NOC 2016 unit group (and industry) under one version."""

    noc: str
    noc_title: str
    noc_level: str
    industry: Optional[str]
    industry_title: Optional[str]
    areas: Tuple[AreaResult, ...]
    resolutions: Tuple[Resolution, ...]
    nearby: Tuple[OccupationChange, ...]  # listed occupations of the same NOC minor group, and where
    changes: Changes = NO_CHANGES  # what would make a not-eligible case eligible (engine/changes.py)
    interpretations: Tuple[Interpretation, ...] = ()  # those bearing on any area's answer, in file order

    @property
    def eligible(self) -> bool:
        return any(a.in_scope for a in self.areas)

    @property
    def in_scope(self) -> Tuple[str, ...]:
        return tuple(a.area for a in self.areas if a.in_scope)


@dataclass(frozen=True, repr=False)
class Answer:
    """What the caller asked and what the policy says: one decision per NOC 2016 candidate.

    A NOC 2016 code has one candidate. A NOC 2021 code may correspond to several
    NOC 2016 unit groups; when their decisions differ the verdict is
    ``indeterminate`` and the caseworker must pick the right one.
    """

    policy: str
    version: str
    version_hash: str
    noc: NocInput
    industry: Optional[str]
    industry_title: Optional[str]
    candidates: Tuple[Decision, ...]
    decided_on: Optional[str] = None                      # the day the version was chosen for (ISO)
    why: Optional[Callable[["Answer"], Tuple[tuple, str]]] = field(default=None, compare=False, repr=False)
    """Gives (reasons, reason) for this answer; asked on first use of either (a caller that wants only
    the verdict does not pay for the explanation)."""
    industry_parts: Tuple[IndustryPart, ...] = ()
    """The areas whose definition holds part of the industry code and not the rest (engine/breadth.py)."""
    unresolved: Tuple[Unresolved, ...] = ()
    """The source's contradictions bearing on it that no resolution resolves (engine/unresolved.py)."""

    def __repr__(self) -> str:
        """What was asked and the verdict, in one line (the whole answer's repr ran to some 25 kB)."""
        return (f"Answer(policy={self.policy!r}, version={self.version!r}, noc={self.noc.code!r}, "
                f"noc_version={self.noc.version!r}, industry={self.industry!r}, decided_on={self.decided_on!r}, "
                f"verdict={self.verdict!r})")

    @functools.cached_property
    def _why(self) -> Tuple[tuple, str]:
        return self.why(self) if self.why is not None else ((), "")

    @property
    def reasons(self) -> Tuple[Tuple[AreaReason, ...], ...]:
        """Per candidate, per area: its deciding clause and the failures that follow from it."""
        return self._why[0]

    @property
    def reason(self) -> str:
        """The deciding sentence."""
        return self._why[1]

    @property
    def verdict(self) -> str:
        """``eligible`` (every candidate is), ``not_eligible`` (none is) or ``indeterminate`` (they differ)."""
        results = {d.eligible for d in self.candidates}
        if results == {True}:
            return "eligible"
        if results == {False}:
            return "not_eligible"
        return "indeterminate"

    @property
    def eligible(self) -> bool:
        """True only when every candidate is eligible (an indeterminate answer is not)."""
        return all(d.eligible for d in self.candidates)
