"""Checks over a policy's versions as they follow one another (frozen hashes, periods, clause versions)."""

from __future__ import annotations

from typing import List, Sequence

from .errors import Finding
from .tree import LoadedVersion

__all__ = ["lifecycle_findings"]


def lifecycle_findings(loaded: Sequence[LoadedVersion]) -> List[Finding]:
    """Findings about each version's life cycle; ``loaded`` holds every version of the tree."""
    findings: List[Finding] = []
    for lv in loaded:
        v = lv.version
        if v is None:
            continue
        m = v.manifest
        if m.status != "draft" and m.sha256 and m.sha256 != v.content_hash:
            findings.append(Finding(m.span, "error", "hash-mismatch",
                                    f"version {m.id} is {m.status} and frozen with sha256 {m.sha256}, but its "
                                    f"content now hashes to {v.content_hash}: a frozen version is immutable; "
                                    f"make a new version with `sc-policy new-version`", subject=m.id))
    return findings
