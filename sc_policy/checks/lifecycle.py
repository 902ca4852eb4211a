"""Checks over a policy's versions as they follow one another (frozen hashes, periods, clause versions).

An auditor must be able to trust three things about a policy's history: that a
frozen version still says and decides what it said and decided when it was frozen
(its recorded content hash and decision-table hash),
that exactly one version was in force on any day between the first and the last
(no overlap between versions, no gap between a version and the one it
supersedes), and that a clause whose wording changed says so by a new clause
``version`` number, which every explanation shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Dict, List, Optional, Sequence

from sc_policy.diagnostics import Diagnostic, Suggestion
from sc_policy.model import Clause, Manifest, Version, is_frozen
from sc_policy.load.tree import LoadedVersion

__all__ = ["lifecycle_findings", "clause_content_changed", "period_text", "hash_findings", "status_findings",
           "is_frozen", "integrity", "table_findings"]

_ONE_DAY = dt.timedelta(days=1)


def period_text(m: Manifest) -> str:
    return f"{m.effective_from.isoformat()} to {m.effective_to.isoformat() if m.effective_to else 'open'}"


def clause_content_changed(old: Clause, new: Clause) -> bool:
    """True when the clauses differ in anything but their ``version`` number (positions are ignored)."""
    return replace(old, version=new.version) != new


def _overlap(a: Manifest, b: Manifest) -> bool:
    a_end = a.effective_to or dt.date.max
    b_end = b.effective_to or dt.date.max
    return a.effective_from <= b_end and b.effective_from <= a_end


def integrity(v: Version) -> Optional[str]:
    """``intact`` when a frozen version's content still has its recorded hash, ``modified`` when
    not; None for a version that is not frozen."""
    if not is_frozen(v.manifest):
        return None
    return "intact" if v.manifest.sha256 == v.content_hash else "modified"


def _new_version(version_id: str) -> Suggestion:
    return Suggestion("new-version", (version_id,), f"make a new version from {version_id}")


def file_changes(v: Version) -> Optional[Dict[str, List[str]]]:
    """The files of a version that differ from the hashes its freeze recorded (``file_sha256``), by how:
    ``changed since frozen``, ``added``, ``removed`` (each sorted, only those with files); None when the
    freeze recorded none (an older freeze, or a draft). A file that is there but does not load is changed."""
    recorded, now, there = v.manifest.file_sha256, v.files, set(v.unloaded)
    if not recorded:
        return None
    kinds = (("changed since frozen", [f for f in recorded if (f in now and now[f] != recorded[f]) or f in there]),
             ("added", [f for f in now if f not in recorded] + [f for f in there if f not in recorded]),
             ("removed", [f for f in recorded if f not in now and f not in there]))
    return {what: sorted(files) for what, files in kinds if files}


def changed_files(v: Version) -> Optional[str]:
    """:func:`file_changes` said as "changed since frozen: F; added: G; removed: H" (None for none)."""
    changes = file_changes(v)
    if not changes:
        return None
    return "; ".join(f"{what}: {', '.join(files)}" for what, files in changes.items())


def hash_findings(v: Version) -> List[Diagnostic]:
    m = v.manifest
    if integrity(v) == "modified":
        files = changed_files(v)
        return [Diagnostic(m.at("sha256"), "error", "hash-mismatch",
                        f"version {m.id} is {m.status} and frozen with sha256 {m.sha256}, but its "
                        f"content now hashes to {v.content_hash}{f' ({files})' if files else ''}: a frozen "
                        f"version is immutable; restore its files and make any change in a new version",
                        subject=m.id, suggestion=_new_version(m.id))]
    return []


def status_findings(v: Version) -> List[Diagnostic]:
    """A version's status against the hashes its manifest records: a version in force or superseded should
    record the ``sha256`` its freeze wrote (a warning: without it nothing shows that its decisions changed),
    and a draft records none (an error: a frozen version marked draft would escape its hash checks, and be
    frozen again with other content under the same id)."""
    m = v.manifest
    if m.status != "draft" and not m.sha256:  # a warning: a working copy is edited so (tests/conftest.py)
        return [Diagnostic(m.at("status"), "warning", "not-frozen",
                           f"version {m.id} is {m.status} but records no sha256, so nothing shows a change to "
                           f"what it decides; freeze it (or make it a draft)", subject=m.id,
                           suggestion=Suggestion("freeze", (m.id,), f"freeze {m.id}"))]
    if m.status == "draft" and (m.sha256 or m.table_sha256):
        recorded = "sha256" if m.sha256 else "table_sha256"
        return [Diagnostic(m.at(recorded), "error", "draft-hashed",
                           f"version {m.id} is a draft but records the {recorded} of a freeze: a draft records no "
                           f"hash (freeze writes it); if {m.id} was frozen, restore its status, else remove "
                           f"the hash", subject=m.id)]
    return []


def table_findings(v: Version, decisions: Optional[str] = None) -> List[Diagnostic]:
    """About a frozen version's recorded decision-table hash: missing (a warning: an older freeze), or,
    given ``decisions`` (:func:`sc_policy.engine.table.decisions_hash` of the table built from its files),
    different from it (an error: the version no longer decides as it did when it was frozen)."""
    m = v.manifest
    if not is_frozen(m):
        return []
    if not m.table_sha256:
        return [Diagnostic(m.at("sha256"), "warning", "table-hash-missing",
                        f"version {m.id} was frozen without the hash of its decision table, so its cached "
                        f"decisions cannot be verified and it is decided from its rule files every time; "
                        f"freezing it again records it, and its content hash does not change", subject=m.id,
                        suggestion=Suggestion("freeze", (m.id,), f"freeze {m.id} again"))]
    if decisions is not None and decisions != m.table_sha256:
        return [Diagnostic(m.at("table_sha256"), "error", "table-mismatch",
                        f"version {m.id} was frozen with decision-table sha256 {m.table_sha256}, but its rule "
                        f"files now decide differently (sha256 {decisions}); its content is unchanged, so this "
                        f"sc-policy or its reference data decides it otherwise: use the sc-policy it was frozen "
                        f"with, or make a new version", subject=m.id, suggestion=_new_version(m.id))]
    return []


def _period_findings(versions: Sequence[Version]) -> List[Diagnostic]:
    """Periods within one policy: each valid, no two non-draft versions overlapping, no gap after a predecessor."""
    findings: List[Diagnostic] = []
    by_id: Dict[str, Version] = {v.id: v for v in versions}
    for v in versions:
        m = v.manifest
        if m.effective_to is not None and m.effective_to < m.effective_from:
            findings.append(Diagnostic(m.at("effective_to"), "error", "period-invalid",
                                    f"version {m.id} ends ({m.effective_to.isoformat()}) before it starts "
                                    f"({m.effective_from.isoformat()})", subject=m.id))
    in_force = sorted((v for v in versions if v.manifest.status != "draft"),
                      key=lambda v: (v.manifest.effective_from, v.id))
    reported = set()
    for i, a in enumerate(in_force):
        for b in in_force[i + 1:]:
            if _overlap(a.manifest, b.manifest):
                reported.add((a.id, b.id))
                reported.add((b.id, a.id))
                earlier, later = a, b  # sorted by start: b starts on or after a
                start = later.manifest.effective_from
                prev = by_id.get(later.manifest.supersedes or "")
                if prev is not None and prev is not earlier and start <= prev.manifest.effective_from:
                    continue  # its own start is wrong, not earlier's end: said below, at the same place
                if prev is not None and _successor(versions, later, prev.id) not in (None, earlier):
                    continue  # a second successor of prev, overlapping a later version of the lineage: its lineage
                    # is wrong, not earlier's end (superseded-twice says so, at the same version)
                fix = (f"set {earlier.id}'s effective_to to {(start - _ONE_DAY).isoformat()}"
                       if start > earlier.manifest.effective_from  # else it would end before it starts
                       else f"they cannot both start on {start.isoformat()}")
                if later.manifest.supersedes and later.manifest.supersedes == earlier.manifest.supersedes:
                    fix = (f"both supersede {later.manifest.supersedes}, so no date fixes it: {later.id} should "
                           f"supersede {earlier.id}")  # two successors of one version: the lineage is wrong
                findings.append(Diagnostic(later.manifest.at("effective_from"),
                                        "error", "period-overlap",
                                        f"versions {earlier.id} ({period_text(earlier.manifest)}) and {later.id} "
                                        f"({period_text(later.manifest)}) are both in force on "
                                        f"{later.manifest.effective_from.isoformat()}: {fix}",
                                        subject=f"{earlier.id}/{later.id}"))
    for v in versions:
        m = v.manifest
        if not m.supersedes:
            continue
        span = m.at("supersedes")
        if m.supersedes == m.id:
            findings.append(Diagnostic(span, "error", "supersedes-unknown", f"version {m.id} supersedes itself",
                                    subject=m.id))
            continue
        prev = by_id.get(m.supersedes)
        if prev is None:
            findings.append(Diagnostic(span, "error", "supersedes-unknown",
                                    f"version {m.id} supersedes {m.supersedes!r}, which is not a version of "
                                    f"policy {m.policy}", subject=m.id))
            continue
        p = prev.manifest
        taken = _successor(versions, v, p.id)
        if taken is not None:  # made from a version already superseded: no date can fix its periods
            t = taken.manifest  # a draft (the one left when another was frozen first) may wait: a warning
            draft = m.status == "draft"
            findings.append(Diagnostic(span, "warning" if draft else "error", "superseded-twice",
                                       f"version {m.id} supersedes {p.id}, which {t.id} ({t.status}, "
                                       f"{period_text(t)}) already supersedes: a version has one successor"
                                       f"{', so freeze would refuse it' if draft else ''}; make {m.id} supersede "
                                       f"{t.id} (or the latest version after it), starting after "
                                       f"{t.effective_from.isoformat()}", subject=m.id))
            continue
        start = m.at("effective_from")
        if m.effective_from <= p.effective_from:
            findings.append(Diagnostic(start, "error", "period-overlap",
                                    f"version {m.id} starts on {m.effective_from.isoformat()}, not after the "
                                    f"version it supersedes, {p.id} ({period_text(p)})",
                                    subject=f"{p.id}/{m.id}"))
            continue
        if p.effective_to is None or p.effective_to == dt.date.max:
            continue  # open-ended predecessor (an end on the calendar's last day is open too): an overlap
            # only once both are in force (above); freeze closes it
        if m.effective_from <= p.effective_to:
            if (p.id, m.id) not in reported:
                findings.append(Diagnostic(start, "error", "period-overlap",
                                        f"version {m.id} starts on {m.effective_from.isoformat()}, but {p.id}, "
                                        f"which it supersedes, is in force until {p.effective_to.isoformat()}",
                                        subject=f"{p.id}/{m.id}"))
        elif m.effective_from > p.effective_to + _ONE_DAY:
            findings.append(Diagnostic(start, "error", "period-gap",
                                    f"no version is in force from {(p.effective_to + _ONE_DAY).isoformat()} to "
                                    f"{(m.effective_from - _ONE_DAY).isoformat()}: {p.id} ends on "
                                    f"{p.effective_to.isoformat()} and {m.id}, which supersedes it, starts on "
                                    f"{m.effective_from.isoformat()}", subject=f"{p.id}/{m.id}"))
    return findings


def _successor(versions: Sequence[Version], v: Version, superseded: str) -> Optional[Version]:
    """Another version, not a draft, that supersedes ``superseded`` too and comes first (``v`` is a draft, or
    starts later): the one successor ``superseded`` has; None when ``v`` is that one."""
    m = v.manifest
    for w in versions:
        n = w.manifest
        if w is not v and n.supersedes == superseded and n.status != "draft" and (
                m.status == "draft" or (n.effective_from, w.id) < (m.effective_from, v.id)):
            return w
    return None


def _clause_version_findings(versions: Sequence[Version]) -> List[Diagnostic]:
    """A clause that changed since the superseded version must carry a higher ``version``.

    A frozen version modified since it was frozen is compared with nothing: its
    ``hash-mismatch`` is the finding (restore it), and a comparison with content
    that is not the version's would advise changing a version that must not change.
    """
    findings: List[Diagnostic] = []
    by_id = {v.id: v for v in versions}
    for v in versions:
        prev = by_id.get(v.manifest.supersedes or "")
        if prev is None or prev is v or "modified" in (integrity(v), integrity(prev)):
            continue
        old_clauses = {c.id: c for c in prev.clauses}
        for clause in v.clauses:
            old = old_clauses.get(clause.id)
            if old is None or not clause_content_changed(old, clause):
                continue
            if clause.version <= old.version:
                span = clause.at("version")
                if is_frozen(v.manifest):  # its files must not change: the fix is a new version
                    fix = (f"{v.id} is frozen and must not change: make a new version from it and give the "
                           f"clause version {old.version + 1} there")
                    suggestion = _new_version(v.id)
                else:
                    fix, suggestion = f"set it to {old.version + 1}", None
                findings.append(Diagnostic(span, "error", "clause-version-not-bumped",
                                        f"clause {clause.id!r} differs from the clause of the same id in {prev.id} "
                                        f"(version {old.version}) but its version is {clause.version}: {fix}",
                                        subject=clause.id, suggestion=suggestion))
    return findings


def lifecycle_findings(loaded: Sequence[LoadedVersion]) -> List[Diagnostic]:
    """Findings about each version's life cycle; ``loaded`` holds every version of the tree."""
    findings: List[Diagnostic] = []
    by_policy: Dict[str, List[Version]] = {}
    for lv in loaded:
        v = lv.version
        if v is None:
            continue
        findings.extend(hash_findings(v))
        findings.extend(status_findings(v))
        findings.extend(table_findings(v))
        by_policy.setdefault(v.policy, []).append(v)
    for policy in sorted(by_policy):
        versions = by_policy[policy]
        findings.extend(_period_findings(versions))
        findings.extend(_succession_status_findings(versions))
        findings.extend(_clause_version_findings(versions))
    return findings


def _succession_status_findings(versions: Sequence[Version]) -> List[Diagnostic]:
    """A status that its successors contradict (a warning: the status lies outside the content hash, and
    an answer only shows it): ``superseded`` while no version (but a draft) supersedes it, or ``in-force``
    while one does (``freeze`` sets a version superseded when it freezes its successor)."""
    successors: Dict[str, str] = {v.manifest.supersedes: v.id for v in versions
                                  if v.manifest.status != "draft" and v.manifest.supersedes}
    findings: List[Diagnostic] = []
    for v in versions:
        m = v.manifest
        if m.status == "superseded" and m.id not in successors:
            why = "no version supersedes it; set its status to in-force"
        elif m.status == "in-force" and m.id in successors:
            why = f"{successors[m.id]} supersedes it; set its status to superseded"
        else:
            continue
        findings.append(Diagnostic(m.at("status"), "warning", "status-mismatch",
                                   f"version {m.id} is marked {m.status}, but {why} (answers under it show it)",
                                   subject=m.id))
    return findings
