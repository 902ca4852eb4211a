"""The source's contradictions that bear on an answer and that no resolution resolves.

``sc-policy check`` reports what the source says against itself or against the reference data (a
published title that is not its code's official one, a quote that publishes another code); a
resolution records the analyst's decision, and the answer shows it where it bears. A contradiction that
no resolution resolves is a warning (an error would refuse the version): the answer shows it too, where
it bears (the occupation decided, the employer's industry), so that a reader sees the text it rests on
disagrees with itself and that no decision of the analyst's is recorded. Read from the findings of the
check the version was opened with; nothing here changes a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sc_policy.checks.registry import RESOLVABLE
from sc_policy.diagnostics import Diagnostic
from sc_policy.engine.facts import prefixes

__all__ = ["Unresolved", "UnresolvedIndex"]


@dataclass(frozen=True)
class Unresolved:
    """One finding about the source that no resolution resolves: its check, subject and message."""

    check: str
    subject: str
    message: str

    @property
    def key(self) -> str:
        return f"{self.check}:{self.subject}"

    def as_dict(self) -> dict:
        return {"key": self.key, "check": self.check, "message": self.message}


class UnresolvedIndex:
    """The unresolved findings about the source among a version's findings, asked by occupation and industry
    (indexed by the code each is about: an answer asks a few lookups, whatever the number of findings)."""

    def __init__(self, findings: Iterable[Diagnostic] = ()):
        by_noc: Dict[str, List[Unresolved]] = {}
        by_naics: Dict[str, List[Unresolved]] = {}
        self._order: Dict[Unresolved, int] = {}
        for f in findings:
            if f.code in RESOLVABLE and f.severity == "warning" and f.subject:
                u = Unresolved(f.code, f.subject, f.message)
                if u in self._order:
                    continue
                self._order[u] = len(self._order)
                parts = u.subject.split(":")
                for code in {parts[0], parts[1]} if len(parts) == 2 else {parts[0]}:  # ``code``, ``area:code``
                    by_noc.setdefault(code, []).append(u)
                if len(parts) == 3 and parts[1] in ("naics", "include", "exclude"):
                    by_naics.setdefault(parts[2], []).append(u)
        # each in the order of the findings: what one unit group alone bears is an answer's usual case
        self._by_noc: Dict[str, Tuple[Unresolved, ...]] = {k: tuple(v) for k, v in by_noc.items()}
        self._by_naics: Dict[str, Tuple[Unresolved, ...]] = {k: tuple(v) for k, v in by_naics.items()}

    def bearing(self, nocs: Sequence[str], industry: Optional[str]) -> Tuple[Unresolved, ...]:
        """Those about one of the NOC 2016 codes decided (subject ``code`` or ``area:code``) or about an
        industry code at or above the employer's (``area:naics:code``, ``area:include:code``), in the
        order of the findings."""
        if not self._order:
            return ()
        if len(nocs) == 1 and not (industry and self._by_naics):  # one lookup
            return self._by_noc.get(nocs[0], ())
        found = {u for code in nocs for u in self._by_noc.get(code, ())}
        if industry and self._by_naics:
            found.update(u for code in prefixes(industry) for u in self._by_naics.get(code, ()))
        return tuple(sorted(found, key=self._order.__getitem__)) if found else ()
