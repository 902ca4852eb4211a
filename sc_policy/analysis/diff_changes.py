"""The structural changes between two versions: what changed in the rule files, read from the two models.

Clauses, areas, occupations, NAICS inclusions and exclusions, resolutions, interpretations, test cases
and the manifest are compared as models (never as YAML text). A file whose data
differs without any of those changes showing is still reported (``file_changed``),
by the hash of what each file says that the loader records (:attr:`Version.files`),
so a diff is empty exactly when the contents are equal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from sc_policy.checks.lifecycle import clause_content_changed
from sc_policy.diagnostics import Span
from sc_policy.model import Area, Clause, Occupation, Resolution, TestCase, Version

__all__ = ["Change", "structural_changes"]


# -- structural changes ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One structural change; ``data`` holds its fields in display order (``kind`` first when exported).
    ``old_at`` and ``new_at`` are where it is in each version's files (None for the version without it):
    the entry, or the key of the field that changed; a whole file's change has no line."""

    kind: str
    data: Tuple[Tuple[str, Any], ...]
    order: Tuple = field(compare=False, default=())
    old_at: Optional[Span] = field(compare=False, default=None)
    new_at: Optional[Span] = field(compare=False, default=None)

    def get(self, name: str, default=None):
        return dict(self.data).get(name, default)

    def as_dict(self) -> dict:
        return {"kind": self.kind, **{k: v for k, v in self.data},
                "old_at": _place(self.old_at), "new_at": _place(self.new_at)}


def _place(span: Optional[Span]) -> Optional[dict]:
    return None if span is None else span.as_dict()


def _change(kind: str, order: Tuple, at: Tuple[Optional[Span], Optional[Span]], **data) -> Change:
    return Change(kind, tuple(data.items()), order, *at)


def _where(old, new, key: str = "") -> Tuple[Optional[Span], Optional[Span]]:
    """The places of an element (or of its key ``key``) in the old and the new version; None for a side without it."""
    return (None if old is None else old.at(key)), (None if new is None else new.at(key))


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
                    "source_title", "source_file", "source_sha256", "sha256", "table_sha256", "general_sections")
_MANIFEST_KEYS = {"source_title": "source_document.title", "source_file": "source_document.file",
                  "source_sha256": "source_document.sha256"}
"""The manifest's keys of the fields that the model names otherwise."""
_CLAUSE_FIELDS = ("title", "applies_to", "when", "condition", "explain", "source", "area_source", "rests_on")


def _sections(items) -> List[dict]:
    return [{"lines": s.lines, "what": s.what} for s in items]


def _manifest_changes(old: Version, new: Version) -> List[Change]:
    out = []
    for i, name in enumerate(_MANIFEST_FIELDS):
        a, b = getattr(old.manifest, name), getattr(new.manifest, name)
        if a != b:
            conv = _sections if name == "general_sections" else _plain
            key = _MANIFEST_KEYS.get(name, name)
            out.append(_change("manifest_changed", (0, "", i), (_field_at(old.manifest, key),
                                                                 _field_at(new.manifest, key)),
                               field=name, old=conv(a), new=conv(b)))
    return out


def _field_at(manifest, key: str) -> Span:
    """Where a manifest says field ``key``; a manifest without the key is named as the file alone, with no
    line: none of its keys is the field's place."""
    return manifest.at(key) if key in manifest.spans else Span(manifest.span.path)


def _clause_value(clause: Clause, name: str):
    value = getattr(clause, name)
    if name == "source":
        return _citations(value)
    if name == "area_source":
        return {area: _citations(cites) for area, cites in value}
    if name == "condition" or name == "when":
        return " ".join(value.split()) if value else value
    return _plain(value)


def _clause_changes(old: Version, new: Version) -> List[Change]:
    out = []
    a = {c.id: c for c in old.clauses}
    b = {c.id: c for c in new.clauses}
    for cid in sorted(set(a) | set(b)):
        if cid not in b:
            out.append(_change("clause_removed", (1, cid), _where(a[cid], None), clause=cid, version=a[cid].version, title=a[cid].title))
        elif cid not in a:
            out.append(_change("clause_added", (1, cid), _where(None, b[cid]), clause=cid, version=b[cid].version, title=b[cid].title,
                               applies_to=list(b[cid].applies_to), when=_clause_value(b[cid], "when"),
                               condition=_clause_value(b[cid], "condition")))
        elif clause_content_changed(a[cid], b[cid]) or a[cid].version != b[cid].version:
            fields = [{"field": f, "old": _clause_value(a[cid], f), "new": _clause_value(b[cid], f)}
                      for f in _CLAUSE_FIELDS if getattr(a[cid], f) != getattr(b[cid], f)]
            first = fields[0]["field"] if fields else "version"
            out.append(_change("clause_changed", (1, cid), _where(a[cid], b[cid], first), clause=cid,
                               old_version=a[cid].version,
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
            out.append(_change("area_removed", (2, rank, ""), _where(a[aid], None), area=aid, title=a[aid].title))
            continue
        if aid not in a:
            nb = b[aid]
            out.append(_change("area_added", (2, rank, ""), _where(None, nb), area=aid, title=nb.title,
                               occupations=sorted(nb.listed), include=[e.code for e in nb.include],
                               exclude=[e.code for e in nb.exclude]))
            continue
        oa, ob = a[aid], b[aid]
        for name in ("title", "source", "sections"):
            va, vb = getattr(oa, name), getattr(ob, name)
            if va != vb:
                conv = {"source": _citations, "sections": _sections}.get(name, lambda v: v)
                out.append(_change("area_changed", (2, rank, "", name), _where(oa, ob, name), area=aid, field=name, old=conv(va),
                                   new=conv(vb)))
        for which in ("include", "exclude"):
            ea = {e.code: e for e in getattr(oa, which)}
            eb = {e.code: e for e in getattr(ob, which)}
            for code in sorted(set(ea) | set(eb)):
                order = (2, rank, "naics", code, which)
                if code not in eb:
                    out.append(_change(f"naics_{which}_removed", order, _where(ea[code], None), area=aid, naics=code,
                                       description=ea[code].description))
                elif code not in ea:
                    out.append(_change(f"naics_{which}_added", order, _where(None, eb[code]), area=aid, naics=code,
                                       description=eb[code].description))
                elif ea[code] != eb[code]:
                    out.append(_change(f"naics_{which}_changed", order, _where(ea[code], eb[code]), area=aid, naics=code,
                                       old={"description": ea[code].description, "published": ea[code].published,
                                            "source": _citations(ea[code].source)},
                                       new={"description": eb[code].description, "published": eb[code].published,
                                            "source": _citations(eb[code].source)}))
        pa, pb = _entries(oa), _entries(ob)
        for key in sorted(set(pa) | set(pb)):
            order = (2, rank, "occ", key)
            if key not in pb:
                occ = pa[key][0]
                out.append(_change("occupation_removed", order, _where(occ, None), area=aid, noc=occ.code, title=occ.title,
                                   level=occ.level))
                continue
            if key not in pa:
                occ = pb[key][0]
                out.append(_change("occupation_added", order, _where(None, occ), area=aid, noc=occ.code, title=occ.title,
                                   level=occ.level))
                continue
            x, y = pa[key][0], pb[key][0]
            at = _where(x, y)
            if x.title != y.title:
                out.append(_change("occupation_retitled", order + (1,), at, area=aid, noc=x.code, old=x.title,
                                   new=y.title))
            if x.level != y.level:
                out.append(_change("occupation_relevelled", order + (2,), at, area=aid, noc=x.code, old=x.level,
                                   new=y.level))
            if x.source != y.source or x.assigned_by != y.assigned_by:
                out.append(_change("occupation_cited", order + (3,), at, area=aid, noc=x.code,
                                   old={"source": _citations(x.source), "assigned_by": x.assigned_by},
                                   new={"source": _citations(y.source), "assigned_by": y.assigned_by}))
            if pa[key][1:] != pb[key][1:]:
                out.append(_change("occupation_repeats_changed", order + (4,), at, area=aid, noc=x.code,
                                   old=len(pa[key]), new=len(pb[key])))
    return out


def _resolution_changes(old: Version, new: Version) -> List[Change]:
    out = []
    a = {r.id: r for r in old.resolutions}
    b = {r.id: r for r in new.resolutions}
    for rid in sorted(set(a) | set(b)):
        if rid not in b:
            out.append(_change("resolution_removed", (3, rid), _where(a[rid], None), resolution=rid,
                               finding=" ".join(a[rid].finding.split())))
        elif rid not in a:
            out.append(_change("resolution_added", (3, rid), _where(None, b[rid]), resolution=rid,
                               finding=" ".join(b[rid].finding.split())))
        elif a[rid] != b[rid]:
            da, db = _resolution_fields(a[rid]), _resolution_fields(b[rid])
            fields = [{"field": k, "old": _plain(da[k]), "new": _plain(db[k])} for k in da if da[k] != db[k]]
            out.append(_change("resolution_changed", (3, rid), _where(a[rid], b[rid]), resolution=rid, fields=fields))
    return out


def _interpretation_changes(old: Version, new: Version) -> List[Change]:
    out = []
    a = {r.id: r for r in old.interpretations}
    b = {r.id: r for r in new.interpretations}
    for rid in sorted(set(a) | set(b)):
        order = (3.5, rid)  # after the resolutions, in the same file
        if rid not in b:
            out.append(_change("interpretation_removed", order, _where(a[rid], None), interpretation=rid,
                               question=" ".join(a[rid].question.split())))
        elif rid not in a:
            out.append(_change("interpretation_added", order, _where(None, b[rid]), interpretation=rid,
                               question=" ".join(b[rid].question.split()),
                               reading=" ".join(b[rid].reading.split())))
        elif a[rid] != b[rid]:
            da, db = a[rid].as_dict(), b[rid].as_dict()
            da["areas"], db["areas"] = list(a[rid].areas), list(b[rid].areas)
            fields = [{"field": k, "old": _plain(da[k]), "new": _plain(db[k])} for k in da if da[k] != db[k]]
            out.append(_change("interpretation_changed", order, _where(a[rid], b[rid]), interpretation=rid, fields=fields))
    return out


def _resolution_fields(r: Resolution) -> dict:
    """What a resolution says, field by field, as a changed one lists them (old and new)."""
    return dict(r.as_dict(), affects=_plain(r.affects), unlisted=list(r.unlisted),
                assigns=[(x.area, x.title, x.code) for x in r.assigns])


def _renamed(old: Version, new: Version, a: Dict[str, TestCase], b: Dict[str, TestCase]) -> Dict[str, str]:
    """Test cases renamed, new name -> old name: a case only in ``a`` and one only in ``b``, in the same file,
    that say the same (renamed and otherwise unchanged), or else that ask the same (its ``_TEST_INPUTS``:
    renamed and its expectation or sources changed), when no other such case of either side does too (two
    cases that cannot be told apart stay removed and added)."""
    def pairs(a: Dict[str, TestCase], b: Dict[str, TestCase], names) -> Dict[str, str]:
        def key(t: TestCase, folder: str) -> str:
            return json.dumps([_rel(t.path, folder)] + [_test_value(t, k) for k in names], sort_keys=True)
        gone: Dict[str, List[str]] = {}
        for name in a.keys() - b.keys():
            gone.setdefault(key(a[name], old.folder), []).append(name)
        came: Dict[str, List[str]] = {}
        for name in b.keys() - a.keys():
            came.setdefault(key(b[name], new.folder), []).append(name)
        return {came[k][0]: was[0] for k, was in gone.items() if len(was) == 1 and len(came.get(k, ())) == 1}
    same = pairs(a, b, _TEST_FIELDS)
    rest = pairs({k: v for k, v in a.items() if k not in same.values()}, {k: v for k, v in b.items() if k not in same},
                 _TEST_INPUTS)
    return {**same, **rest}


def _test_fields(a: TestCase, b: TestCase) -> List[dict]:
    return [{"field": k, "old": _test_value(a, k), "new": _test_value(b, k)}
            for k in _TEST_FIELDS if _test_value(a, k) != _test_value(b, k)]


def _test_changes(old: Version, new: Version) -> List[Change]:
    out = []
    a = {t.name: t for t in old.tests}
    b = {t.name: t for t in new.tests}
    renamed = _renamed(old, new, a, b)
    for name, was in renamed.items():
        out.append(_change("test_renamed", (4, name), _where(a[was], b[name]), test=name, was=was,
                           file=_rel(b[name].path, new.folder), fields=_test_fields(a[was], b[name])))
    a = {k: v for k, v in a.items() if k not in renamed.values()}
    b = {k: v for k, v in b.items() if k not in renamed}
    for name in sorted(set(a) | set(b)):
        if name not in b:
            out.append(_change("test_removed", (4, name), _where(a[name], None), test=name, file=_rel(a[name].path, old.folder)))
        elif name not in a:
            out.append(_change("test_added", (4, name), _where(None, b[name]), test=name, file=_rel(b[name].path, new.folder)))
        elif a[name] != b[name]:
            out.append(_change("test_changed", (4, name), _where(a[name], b[name]), test=name,
                               file=_rel(b[name].path, new.folder), fields=_test_fields(a[name], b[name])))
    return out


_TEST_FIELDS = ("noc", "noc_version", "industry", "expect", "source")
"""What a test case says, in its file's order: a changed case lists the ones that changed, old and new."""
_TEST_INPUTS = _TEST_FIELDS[:3]
"""What a test case asks: a case renamed and edited is matched to its old name by these (and its file)."""


def _test_value(case, name: str):
    value = getattr(case, name)
    return _citations(value) if name == "source" else _plain(value)


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
        elif ch.kind.startswith(("resolution", "interpretation")):
            touched.add("resolutions.yaml")
        elif ch.kind.startswith("test"):
            touched.add(ch.get("file"))
    return touched


def structural_changes(old: Version, new: Version) -> List[Change]:
    """Every change from ``old`` to ``new``, sorted: manifest, clauses, areas, resolutions, tests, other files."""
    order = {a.id: i for i, a in enumerate(new.areas)}
    order.update({a.id: len(new.areas) + i for i, a in enumerate(old.areas) if a.id not in order})

    def area_rank(aid):
        return (order.get(aid, len(order)), aid)

    changes = (_manifest_changes(old, new) + _clause_changes(old, new) + _area_changes(old, new, area_rank)
               + _resolution_changes(old, new) + _interpretation_changes(old, new) + _test_changes(old, new))
    touched = _files_touched(changes, old, new)
    fa, fb = old.files, new.files  # what each file says, hashed by the loader
    for rel in sorted(set(fa) | set(fb)):
        if fa.get(rel) != fb.get(rel) and rel not in touched:
            what = "removed" if rel not in fb else "added" if rel not in fa else "changed"
            at = (None if rel not in fa else Span(f"{old.folder}/{rel}"), None if rel not in fb else Span(f"{new.folder}/{rel}"))
            changes.append(_change("file_changed", (5, rel), at, file=rel, change=what))
    return sorted(changes, key=lambda c: c.order)
