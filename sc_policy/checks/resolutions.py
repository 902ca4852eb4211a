"""The analyst's resolutions applied to a version's findings.

The source contradicts itself in places; ``resolutions.yaml`` records the analyst's
decision for each such finding by naming its key (``check:subject``). A resolved
finding is kept, as ``info``, so that an auditor sees it; a resolution that names
no finding is itself an error (``stale-resolution``), and so is one that names a
check outside :data:`~sc_policy.checks.registry.RESOLVABLE` (``unresolvable``).
"""

from __future__ import annotations

import difflib
from typing import Collection, Dict, List, Sequence, Tuple

from sc_policy.checks.registry import CHECKS, RESOLVABLE
from sc_policy.diagnostics import Diagnostic, Suggestion
from sc_policy.model import Version

__all__ = ["apply_resolutions"]


def apply_resolutions(version: Version, findings: Sequence[Diagnostic], check_stale: bool = True,
                      unjudged: Collection[str] = ()) -> List[Diagnostic]:
    """Mark the findings that a resolution names as resolved (info); add stale/unresolvable errors (not for a
    key of an ``unjudged`` check, one that could not run: without its finding, the key is not known stale)."""
    by_key: Dict[str, Tuple[str, str]] = {}
    out: List[Diagnostic] = []
    for r in version.resolutions:
        for key, span in zip(r.resolves, r.resolves_spans or (r.span,) * len(r.resolves)):
            check = key.split(":", 1)[0]
            if check not in RESOLVABLE:
                what = "an unknown check" if check not in CHECKS else "a mistake in the rule files, not in the source"
                out.append(Diagnostic(span, "error", "unresolvable",
                                   f"resolution {r.id!r} resolves {key!r}, but {check!r} is {what}; only "
                                   f"{', '.join(sorted(RESOLVABLE))} findings can be resolved", f"{r.id}:{key}"))
                continue
            by_key.setdefault(key, (r.id, " ".join(r.decision.split())))
    used = set()
    for f in findings:
        if f.code in RESOLVABLE and f.key in by_key and f.severity != "info":
            rid, decision = by_key[f.key]
            used.add(f.key)
            out.append(f.resolved(rid, decision))
        else:
            out.append(f)
    if check_stale:
        unresolved = sorted({f.key for f in out if f.code in RESOLVABLE and f.severity != "info" and f.key})
        for r in version.resolutions:
            for key, span in zip(r.resolves, r.resolves_spans or (r.span,) * len(r.resolves)):
                if key in by_key and key not in used and key.split(":", 1)[0] not in unjudged:
                    out.append(_stale(r.id, key, span, unresolved))
    return out


def _stale(rid: str, key: str, span, unresolved: Sequence[str]) -> Diagnostic:
    """``stale-resolution`` for a key no finding has: when an unresolved finding's key is close to it (a
    mistyped code), that key is offered; else the key is most likely left from a finding that has gone."""
    meant = difflib.get_close_matches(key, unresolved, n=1, cutoff=0.8)
    if meant:
        return Diagnostic(span, "error", "stale-resolution",
                          f"resolution {rid!r} resolves {key!r}, but no check finds {key!r}", f"{rid}:{key}",
                          suggestion=Suggestion("did-you-mean", (meant[0],),
                                                f"did you mean {meant[0]!r}, which no resolution resolves?"))
    return Diagnostic(span, "error", "stale-resolution",
                      f"resolution {rid!r} resolves {key!r}, but no check finds {key!r}; remove it from resolves "
                      f"(or the resolution)", f"{rid}:{key}")
