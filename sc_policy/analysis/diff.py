"""Compare two versions: what changed in the rule files, and exactly which decisions change.

:mod:`sc_policy.analysis.diff_changes` finds the structural changes (from the two
models, never from the YAML text); :mod:`sc_policy.analysis.diff_impact` the exact
decision impact (from the two decision tables, over the whole input space). A
:class:`VersionDiff` holds both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from sc_policy.analysis.diff_changes import Change, structural_changes
from sc_policy.analysis.diff_impact import (CHANGE_GROUPS, ClauseChange, Impact, ImpactRow, decision_table,
                                            impact, industry_inputs)
from sc_policy.engine.decide import Evaluator
from sc_policy.model import Version

__all__ = ["Change", "ClauseChange", "ImpactRow", "Impact", "VersionDiff", "structural_changes",
           "industry_inputs", "impact", "diff_versions", "decision_table", "CHANGE_GROUPS"]


# -- the whole diff ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VersionDiff:
    old: Version
    new: Version
    changes: Tuple[Change, ...]
    impact: Optional[Impact]

    def as_dict(self) -> dict:
        out = {"old": _version_dict(self.old), "new": _version_dict(self.new),
               "changes": [c.as_dict() for c in self.changes],
               "impact": [r.as_dict() for r in self.impact.rows] if self.impact is not None else None}
        if self.impact is not None:
            out["impact_summary"] = self.impact.as_dict()
            out["industry_inputs"] = [{"industry": i.representative, "description": i.description, "codes": len(i.codes)}
                                      for i in self.impact.industries]
        return out


def _version_dict(v: Version) -> dict:
    m = v.manifest
    return {"policy": m.policy, "id": m.id, "title": m.title, "status": m.status,
            "effective_from": m.effective_from.isoformat(),
            "effective_to": m.effective_to.isoformat() if m.effective_to else None,
            "version_hash": v.content_hash, "sha256": m.sha256}


def diff_versions(old: Evaluator, new: Evaluator, with_impact: bool = True) -> VersionDiff:
    changes = tuple(structural_changes(old.version, new.version))
    return VersionDiff(old.version, new.version, changes, impact(old, new) if with_impact else None)
