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
from typing import Iterable, Optional, Sequence, Tuple

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
    """The unresolved findings about the source among a version's findings, asked by occupation and industry."""

    def __init__(self, findings: Iterable[Diagnostic] = ()):
        self._items = tuple(Unresolved(f.code, f.subject, f.message) for f in findings
                            if f.code in RESOLVABLE and f.severity == "warning" and f.subject)

    def bearing(self, nocs: Sequence[str], industry: Optional[str]) -> Tuple[Unresolved, ...]:
        """Those about one of the NOC 2016 codes decided (subject ``code`` or ``area:code``) or about an
        industry code at or above the employer's (``area:naics:code``, ``area:include:code``)."""
        if not self._items:
            return ()
        above = prefixes(industry) if industry else set()
        out = []
        for u in self._items:
            parts = u.subject.split(":")
            if parts[0] in nocs or (len(parts) == 2 and parts[1] in nocs) or (
                    len(parts) == 3 and parts[1] in ("naics", "include", "exclude") and parts[2] in above):
                out.append(u)
        return tuple(out)
