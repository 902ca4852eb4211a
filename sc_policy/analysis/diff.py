"""Compare two versions: what changed in the rule files, and exactly which decisions change.

Structural changes come from the two models (never from the YAML text): clauses,
areas, occupations, NAICS inclusions and exclusions, resolutions, test cases and
the manifest. A file whose data differs without any of those changes showing is
still reported (``file_changed``), so a diff is empty exactly when the contents
are equal.

The impact is exact, not sampled. A decision depends on one of the 500 NOC 2016
unit groups and on no industry or one NAICS 2017 code. Each version's decision
table (:mod:`sc_policy.engine.table`) holds every clause result for every unit group
and every class of codes that version treats alike (exact even for clauses that
read both occupation and industry facts); the codes that both versions treat
alike form the classes of the diff, one representative standing for each, and
the impact is a comparison of the two tables over every (unit group, class).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from sc_policy.engine.classes import NO_INDUSTRY, IndustryClass, industry_classes
from sc_policy.engine.decide import Evaluator
from sc_policy.checks.lifecycle import clause_content_changed
from sc_policy.model import Area, Clause, Occupation, Version
from sc_policy.engine.table import DecisionTable, build_table
from sc_policy.load.tree import HASH_EXCLUDED

__all__ = ["Change", "ImpactRow", "Impact", "VersionDiff", "structural_changes",
           "industry_inputs", "impact", "diff_versions", "decision_table", "CHANGE_GROUPS"]

CHANGE_GROUPS = ("now_eligible", "no_longer_eligible", "areas_changed")
"""The impact groups, in the order they are shown."""


# -- structural changes ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One structural change; ``data`` holds its fields in display order (``kind`` first when exported)."""

    kind: str
    data: Tuple[Tuple[str, Any], ...]
    order: Tuple = field(compare=False, default=())

    def get(self, name: str, default=None):
        return dict(self.data).get(name, default)

    def as_dict(self) -> dict:
        return {"kind": self.kind, **{k: v for k, v in self.data}}


def _change(kind: str, order: Tuple, **data) -> Change:
    return Change(kind, tuple(data.items()), order)


def _citations(items) -> List[dict]:
    return [c.as_dict() for c in items]


def _rel(path: str, folder: str) -> str:
    prefix = folder.rstrip("/") + "/"
    return path[len(prefix):] if path.startswith(prefix) else path


def _plain(value):
    """A model value as JSON-ready data (dates as ISO text, tuples as lists, mappings as sorted dicts)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict) or (hasattr(value, "items") and not isinstance(value, (str, bytes))):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


_MANIFEST_FIELDS = ("policy", "title", "status", "effective_from", "effective_to", "supersedes", "assumptions",
                    "source_title", "source_file", "source_sha256", "sha256")
_CLAUSE_FIELDS = ("title", "applies_to", "when", "condition", "explain", "source")


def _manifest_changes(old: Version, new: Version) -> List[Change]:
    out = []
    for i, name in enumerate(_MANIFEST_FIELDS):
        a, b = getattr(old.manifest, name), getattr(new.manifest, name)
        if a != b:
            out.append(_change("manifest_changed", (0, "", i), field=name, old=_plain(a), new=_plain(b)))
    return out


def _clause_value(clause: Clause, name: str):
    value = getattr(clause, name)
    if name == "source":
        return _citations(value)
    if name == "condition" or name == "when":
        return " ".join(value.split()) if value else value
    return _plain(value)


def _clause_changes(old: Version, new: Version) -> List[Change]:
    out = []
    a = {c.id: c for c in old.clauses}
    b = {c.id: c for c in new.clauses}
    for cid in sorted(set(a) | set(b)):
        if cid not in b:
            out.append(_change("clause_removed", (1, cid), clause=cid, version=a[cid].version, title=a[cid].title))
        elif cid not in a:
            out.append(_change("clause_added", (1, cid), clause=cid, version=b[cid].version, title=b[cid].title,
                               applies_to=list(b[cid].applies_to), when=_clause_value(b[cid], "when"),
                               condition=_clause_value(b[cid], "condition")))
        elif clause_content_changed(a[cid], b[cid]) or a[cid].version != b[cid].version:
            fields = [{"field": f, "old": _clause_value(a[cid], f), "new": _clause_value(b[cid], f)}
                      for f in _CLAUSE_FIELDS if getattr(a[cid], f) != getattr(b[cid], f)]
            out.append(_change("clause_changed", (1, cid), clause=cid, old_version=a[cid].version,
                               new_version=b[cid].version, fields=fields))
    return out


def _occupation_key(occ: Occupation) -> str:
    return occ.code if occ.code is not None else f"(no code) {occ.title}"


def _entries(area: Area) -> Dict[str, List[Occupation]]:
    out: Dict[str, List[Occupation]] = {}
    for occ in area.occupations:
        out.setdefault(_occupation_key(occ), []).append(occ)
    return out


def _area_changes(old: Version, new: Version, area_rank) -> List[Change]:
    out = []
    a = {x.id: x for x in old.areas}
    b = {x.id: x for x in new.areas}
    for aid in sorted(set(a) | set(b), key=area_rank):
        rank = area_rank(aid)
        if aid not in b:
            out.append(_change("area_removed", (2, rank, ""), area=aid, title=a[aid].title))
            continue
        if aid not in a:
            nb = b[aid]
            out.append(_change("area_added", (2, rank, ""), area=aid, title=nb.title,
                               occupations=sorted(nb.listed), include=[e.code for e in nb.include],
                               exclude=[e.code for e in nb.exclude]))
            continue
        oa, ob = a[aid], b[aid]
        for name in ("title", "source"):
            va, vb = getattr(oa, name), getattr(ob, name)
            if va != vb:
                conv = _citations if name == "source" else (lambda v: v)
                out.append(_change("area_changed", (2, rank, "", name), area=aid, field=name, old=conv(va),
                                   new=conv(vb)))
        for which in ("include", "exclude"):
            ea = {e.code: e for e in getattr(oa, which)}
            eb = {e.code: e for e in getattr(ob, which)}
            for code in sorted(set(ea) | set(eb)):
                order = (2, rank, "naics", code, which)
                if code not in eb:
                    out.append(_change(f"naics_{which}_removed", order, area=aid, naics=code,
                                       description=ea[code].description))
                elif code not in ea:
                    out.append(_change(f"naics_{which}_added", order, area=aid, naics=code,
                                       description=eb[code].description))
                elif ea[code] != eb[code]:
                    out.append(_change(f"naics_{which}_changed", order, area=aid, naics=code,
                                       old={"description": ea[code].description,
                                            "source": _citations(ea[code].source)},
                                       new={"description": eb[code].description,
                                            "source": _citations(eb[code].source)}))
        pa, pb = _entries(oa), _entries(ob)
        for key in sorted(set(pa) | set(pb)):
            order = (2, rank, "occ", key)
            if key not in pb:
                occ = pa[key][0]
                out.append(_change("occupation_removed", order, area=aid, noc=occ.code, title=occ.title,
                                   level=occ.level))
                continue
            if key not in pa:
                occ = pb[key][0]
                out.append(_change("occupation_added", order, area=aid, noc=occ.code, title=occ.title,
                                   level=occ.level))
                continue
            x, y = pa[key][0], pb[key][0]
            if x.title != y.title:
                out.append(_change("occupation_retitled", order + (1,), area=aid, noc=x.code, old=x.title,
                                   new=y.title))
            if x.level != y.level:
                out.append(_change("occupation_relevelled", order + (2,), area=aid, noc=x.code, old=x.level,
                                   new=y.level))
            if x.source != y.source or x.assigned_by != y.assigned_by:
                out.append(_change("occupation_cited", order + (3,), area=aid, noc=x.code,
                                   old={"source": _citations(x.source), "assigned_by": x.assigned_by},
                                   new={"source": _citations(y.source), "assigned_by": y.assigned_by}))
            if pa[key][1:] != pb[key][1:]:
                out.append(_change("occupation_repeats_changed", order + (4,), area=aid, noc=x.code,
                                   old=len(pa[key]), new=len(pb[key])))
    return out


def _resolution_changes(old: Version, new: Version) -> List[Change]:
    out = []
    a = {r.id: r for r in old.resolutions}
    b = {r.id: r for r in new.resolutions}
    for rid in sorted(set(a) | set(b)):
        if rid not in b:
            out.append(_change("resolution_removed", (3, rid), resolution=rid,
                               finding=" ".join(a[rid].finding.split())))
        elif rid not in a:
            out.append(_change("resolution_added", (3, rid), resolution=rid,
                               finding=" ".join(b[rid].finding.split())))
        elif a[rid] != b[rid]:
            da, db = a[rid].as_dict(), b[rid].as_dict()
            da.update(affects=_plain(a[rid].affects), assigns=[(x.area, x.title, x.code) for x in a[rid].assigns])
            db.update(affects=_plain(b[rid].affects), assigns=[(x.area, x.title, x.code) for x in b[rid].assigns])
            fields = [{"field": k, "old": _plain(da[k]), "new": _plain(db[k])} for k in da if da[k] != db[k]]
            out.append(_change("resolution_changed", (3, rid), resolution=rid, fields=fields))
    return out


def _test_changes(old: Version, new: Version) -> List[Change]:
    out = []
    a = {t.name: t for t in old.tests}
    b = {t.name: t for t in new.tests}
    for name in sorted(set(a) | set(b)):
        if name not in b:
            out.append(_change("test_removed", (4, name), test=name, file=_rel(a[name].path, old.folder)))
        elif name not in a:
            out.append(_change("test_added", (4, name), test=name, file=_rel(b[name].path, new.folder)))
        elif a[name] != b[name]:
            out.append(_change("test_changed", (4, name), test=name, file=_rel(b[name].path, new.folder)))
    return out


def _files_touched(changes: Iterable[Change], old: Version, new: Version) -> set:
    """The version-relative files that the specific changes account for."""
    touched = set()
    clauses_old = {c.id: c.path for c in old.clauses}
    clauses_new = {c.id: c.path for c in new.clauses}
    for ch in changes:
        if ch.kind.startswith("manifest"):
            touched.add("version.yaml")
        elif ch.kind.startswith("clause"):
            cid = ch.get("clause")
            for paths, v in ((clauses_old, old), (clauses_new, new)):
                if cid in paths:
                    touched.add(_rel(paths[cid], v.folder))
        elif ch.get("area") is not None:
            for v in (old, new):
                area = v.area(ch.get("area"))
                if area is not None:
                    touched.add(_rel(area.path, v.folder))
        elif ch.kind.startswith("resolution"):
            touched.add("resolutions.yaml")
        elif ch.kind.startswith("test"):
            touched.add(ch.get("file"))
    return touched


def _file_data(version: Version) -> Dict[str, Any]:
    out = {}
    for doc in version.documents:
        rel = _rel(doc.path, version.folder)
        data = doc.data
        if rel == "version.yaml" and isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in HASH_EXCLUDED + ("id",)}
        out[rel] = data
    return out


def structural_changes(old: Version, new: Version) -> List[Change]:
    """Every change from ``old`` to ``new``, sorted: manifest, clauses, areas, resolutions, tests, other files."""
    order = {a.id: i for i, a in enumerate(new.areas)}
    order.update({a.id: len(new.areas) + i for i, a in enumerate(old.areas) if a.id not in order})

    def area_rank(aid):
        return (order.get(aid, len(order)), aid)

    changes = (_manifest_changes(old, new) + _clause_changes(old, new) + _area_changes(old, new, area_rank)
               + _resolution_changes(old, new) + _test_changes(old, new))
    touched = _files_touched(changes, old, new)
    fa, fb = _file_data(old), _file_data(new)
    for rel in sorted(set(fa) | set(fb)):
        if fa.get(rel) != fb.get(rel) and rel not in touched:
            what = "removed" if rel not in fb else "added" if rel not in fa else "changed"
            changes.append(_change("file_changed", (5, rel), file=rel, change=what))
    return sorted(changes, key=lambda c: c.order)


# -- the input space ---------------------------------------------------------------------------------------

def decision_table(evaluator: Evaluator) -> DecisionTable:
    """The evaluator's decision table (an opened version has one; a bare evaluator gets one built)."""
    return evaluator.table if evaluator.table is not None else build_table(evaluator)


def industry_inputs(old: DecisionTable, new: DecisionTable, codes: Sequence[str],
                    evaluators: Sequence[Evaluator] = ()) -> List[IndustryClass]:
    """No industry, then one input per class of codes that both versions' tables treat alike.

    Each table's classes are exact for its own version, clauses reading both
    occupation and industry included (:mod:`sc_policy.engine.table`), so the classes of
    both versions together are their common refinement: the codes in the same
    class of the old table and in the same class of the new one. A class that is
    a class of neither table alone is described afresh against the codes either
    version names (:func:`sc_policy.engine.classes.industry_classes` over its members).
    """
    groups: Dict[Tuple[int, int], List[str]] = {}
    for code in codes:
        jo, jn = old.industry_class(code), new.industry_class(code)
        if not jo or not jn:
            raise ValueError(f"decision table of {old.version if not jo else new.version} lacks NAICS {code}")
        groups.setdefault((jo, jn), []).append(code)
    out = [NO_INDUSTRY]
    for (jo, jn), members in groups.items():
        members = sorted(members, key=lambda c: (len(c), c))
        was, now = old.classes[jo - 1], new.classes[jn - 1]
        if len(members) == len(now.codes):
            description = now.description
        elif len(members) == len(was.codes):
            description = was.description
        elif evaluators:
            described = industry_classes(list(evaluators), members)
            description = described[0].description if len(described) == 1 else \
                f"{was.description} (before); {now.description} (after)"
        else:
            description = f"{was.description} (before); {now.description} (after)"
        out.append(IndustryClass(members[0], tuple(sorted(members)), description))
    return [out[0]] + sorted(out[1:], key=lambda i: (len(i.representative), i.representative))


# -- the impact ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImpactRow:
    noc: str
    noc_title: str
    industry: Optional[str]
    industry_class: str
    industry_codes: int
    before: Tuple[str, ...]
    after: Tuple[str, ...]
    change: str

    def as_dict(self) -> dict:
        return {"noc": self.noc, "noc_title": self.noc_title, "industry": self.industry,
                "industry_class": self.industry_class, "industry_codes": self.industry_codes,
                "before": list(self.before), "after": list(self.after), "change": self.change}


@dataclass(frozen=True)
class Impact:
    rows: Tuple[ImpactRow, ...]
    nocs: int
    industries: Tuple[IndustryClass, ...]

    def count(self, change: str) -> int:
        return sum(1 for r in self.rows if r.change == change)

    def as_dict(self) -> dict:
        return {"nocs": self.nocs, "industry_inputs": len(self.industries),
                "inputs": self.nocs * len(self.industries),
                "counts": {g: self.count(g) for g in CHANGE_GROUPS}}


def _classify(before: Tuple[str, ...], after: Tuple[str, ...]) -> Optional[str]:
    if before == after:
        return None
    if not before:
        return "now_eligible"
    if not after:
        return "no_longer_eligible"
    return "areas_changed"


def impact(old: Evaluator, new: Evaluator) -> Impact:
    """Every input whose decision differs between the two versions, over the whole input space.

    Both versions' decision tables hold every clause result for every input, so
    the impact is a comparison of table lookups: no sampling, and no expression
    evaluated twice.
    """
    refdata = new.refdata
    t_old, t_new = decision_table(old), decision_table(new)
    nocs = sorted(refdata.noc2016)
    inputs = industry_inputs(t_old, t_new, refdata.naics2017_codes, (old, new))
    rows = []
    for inp in inputs:
        for n in nocs:
            b = tuple(sorted(t_old.in_scope(t_old.cell(n, inp.representative))))
            a = tuple(sorted(t_new.in_scope(t_new.cell(n, inp.representative))))
            change = _classify(b, a)
            if change:
                rows.append(ImpactRow(n, refdata.noc_title(n) or "", inp.representative, inp.description, len(inp.codes),
                                      b, a, change))
    rows.sort(key=lambda r: (CHANGE_GROUPS.index(r.change), r.noc, r.industry is not None, len(r.industry or ""),
                             r.industry or ""))
    return Impact(tuple(rows), len(nocs), tuple(inputs))


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
