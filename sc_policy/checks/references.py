"""References between the rule files of a version: ids and the names of files and folders, areas named by
clauses and resolutions.

A clause that applies to an area that does not exist, two areas with one id, an
area no clause applies to (everything would be in scope there), a resolution that
affects a code its area does not list or assigns a code to an entry that is not
there: each is a mistake in the rule files, reported where it is written.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

from sc_policy.diagnostics import Diagnostic, Span
from sc_policy.checks.subjects import known_areas, slug, stem
from sc_policy.model import Manifest, Version
from sc_policy.reference.statcan import ReferenceData

__all__ = ["references", "resolution_references"]


def references(version: Version, refdata: ReferenceData, partial: bool) -> List[Diagnostic]:
    """Ids against file names, duplicate ids, the areas clauses apply to, areas without clauses.

    ``partial``: some file failed to load, so a reference to what it held is not reported.
    """
    out: List[Diagnostic] = []
    _folder_names(out, version.manifest)
    if not version.areas and not partial:  # (an area file that failed to load is reported as itself)
        out.append(Diagnostic(Span(f"{version.folder}/areas"), "error", "missing",
                              "the version has no area files (areas/*.yaml): no occupation would be in scope "
                              "anywhere", "areas"))
    area_ids = {a.id for a in version.areas}
    for area in version.areas:
        _file_name(out, area.path, area.id, "area", area.at("id"))
    _duplicates(out, "area", [(a.id, a.path, a.at("id")) for a in version.areas])
    _duplicates(out, "clause", [(c.id, c.path, c.at("id")) for c in version.clauses])
    covered = set()
    for clause in version.clauses:
        _file_name(out, clause.path, clause.id, "clause", clause.at("id"))
        for i, area_id in enumerate(clause.applies_to):
            if area_id in area_ids:
                covered.add(area_id)
            elif not partial:
                out.append(Diagnostic(clause.spans.get(f"applies_to.{i}", clause.span), "error", "unknown-area",
                                      f"clause {clause.id!r} applies to area {area_id!r}, which does not exist"
                                      f"{known_areas(area_ids)}", f"{clause.id}:{area_id}"))
    if not partial:
        for area in version.areas:
            if area.id not in covered:
                out.append(Diagnostic(area.span, "error", "area-without-clauses",
                                      f"no clause applies to area {area.id!r}: every occupation would be in scope "
                                      f"there", area.id))
    return out


def _duplicates(out: List[Diagnostic], kind: str, items: List[Tuple[str, str, Span]]) -> None:
    """Two files of one kind with the same id: blame the file(s) not named after the id."""
    groups: Dict[str, List[Tuple[str, Span]]] = {}
    for ident, path, span in items:
        groups.setdefault(ident, []).append((path, span))
    for ident, files in sorted(groups.items()):
        if len(files) < 2:
            continue
        named = [f for f in files if stem(f[0]) == ident]
        keep = named[0] if named else files[0]
        for path, span in files:
            if (path, span) != keep:
                out.append(Diagnostic(span, "error", f"duplicate-{kind}",
                                      f"{kind} id {ident!r} is also the id of {keep[0]}; ids must be unique", ident))


def _file_name(out: List[Diagnostic], path: str, ident: str, kind: str, span: Span) -> None:
    name = stem(path)
    if name != ident:
        out.append(Diagnostic(span, "error", "file-name",
                              f"{kind} id {ident!r} differs from its file name {name}.yaml (rename one of them)",
                              ident))


def _folder_names(out: List[Diagnostic], manifest: Manifest) -> None:
    """The manifest's ``policy`` and ``id`` against the folders that hold it (POLICY/ID/version.yaml): a
    version is named by its folder, so another id would be listed under a name no command accepts."""
    parts = manifest.path.split("/")
    if len(parts) < 3:
        return
    for key, value, folder in (("policy", manifest.policy, parts[-3]), ("id", manifest.id, parts[-2])):
        if value != folder:
            what = "version id" if key == "id" else "policy"
            out.append(Diagnostic(manifest.at(key), "error", "file-name",
                                  f"{what} {value!r} differs from its folder name {folder} (rename one of them)",
                                  value))


def resolution_references(version: Version, refdata: ReferenceData, partial: bool) -> List[Diagnostic]:
    """Each resolution's own references: a unique id, the areas and codes it affects, the entries it assigns."""
    out: List[Diagnostic] = []
    area_ids = {a.id for a in version.areas}
    seen = set()
    for r in version.resolutions:
        if r.id in seen:
            out.append(Diagnostic(r.at("id"), "error", "duplicate-resolution",
                                  f"resolution id {r.id!r} is used twice", r.id))
        seen.add(r.id)
        for j, (area_id, codes) in enumerate(r.affects):
            span = r.at(f"affects.{j}")
            area = version.area(area_id)
            if area is None:
                if not partial:
                    out.append(Diagnostic(span, "error", "unknown-area",
                                          f"resolution {r.id!r} affects area {area_id!r}, which does not exist"
                                          f"{known_areas(area_ids)}", f"{r.id}:{area_id}"))
                continue
            for code in codes:
                if code not in area.listed:
                    out.append(Diagnostic(span, "error", "unknown-affects",
                                          f"resolution {r.id!r} affects {code} in area {area_id!r}, which that area "
                                          f"does not list", f"{r.id}:{area_id}:{code}"))
        for a in r.assigns:
            area = version.area(a.area)
            if area is None:
                if not partial:
                    out.append(Diagnostic(a.span, "error", "unknown-area",
                                          f"resolution {r.id!r} assigns a code in area {a.area!r}, which does not "
                                          f"exist{known_areas(area_ids)}", f"{r.id}:{a.area}"))
                continue
            if not any(o.assigned_by == r.id and o.title == a.title and o.code == a.code for o in area.occupations):
                out.append(Diagnostic(a.span, "error", "unmatched-assignment",
                                      f"resolution {r.id!r} assigns {a.code} to {a.title!r} in area {a.area!r}, but "
                                      f"that area has no code-less entry with this exact title (or an earlier "
                                      f"assignment already gave it a code)", f"{r.id}:{a.area}:{slug(a.title)}"))
            elif a.code not in refdata.noc2016:
                out.append(Diagnostic(a.span, "error", "unknown-noc",
                                      f"resolution {r.id!r} assigns {a.code}, which is not a NOC 2016 unit group",
                                      f"{a.area}:{a.code}"))
    return out
