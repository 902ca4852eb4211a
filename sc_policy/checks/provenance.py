"""Provenance: every citation of a version against the policy's source document.

Each quote must occur in the source (whitespace aside) and start on the line it
names; an occupation's quote must publish the code and level the entry declares;
and every line of the source that publishes an occupation must be cited by some
entry (one dropped from a list is found). :func:`version_source` reads the source
document a manifest names, checking it lies in the tree and has the recorded hash.
"""

from __future__ import annotations

import bisect
import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from sc_policy.diagnostics import Diagnostic, Suggestion, InputError, shown_path
from sc_policy.checks.lifecycle import is_frozen
from sc_policy.checks.subjects import short, slug
from sc_policy.load.policytext import OCCUPATION_LINE, SourceText, read_source
from sc_policy.load.tree import LoadedVersion
from sc_policy.load.yamlfile import is_inside
from sc_policy.model import Area, Citation, Version

__all__ = ["citations", "provenance", "version_source"]


def citations(version: Version) -> Iterable[Tuple[str, Citation]]:
    """(what it is the citation of, citation) for every citation of the version."""
    for area in version.areas:
        for c in area.source:
            yield f"area {area.id!r}", c
        for entries in (area.include, area.exclude):
            for e in entries:
                for c in e.source:
                    yield f"area {area.id!r}, NAICS {e.code}", c
        for o in area.occupations:
            for c in o.source:
                yield f"area {area.id!r}, occupation {o.code or o.title!r}", c
    for clause in version.clauses:
        for c in clause.source:
            yield f"clause {clause.id!r}", c
        for area_id, cites in clause.area_source:
            for c in cites:
                yield f"clause {clause.id!r} for area {area_id!r}", c
    for r in version.resolutions:
        for c in r.source:
            yield f"resolution {r.id!r}", c
    for i in version.interpretations:
        for c in i.source:
            yield f"interpretation {i.id!r}", c


def provenance(version: Version, source: SourceText, partial: bool) -> List[Diagnostic]:
    """Every quote against ``source``; quotes that publish another code or level; unlisted occupations."""
    out: List[Diagnostic] = []
    for what, citation in citations(version):
        lines = source.quote_lines(citation.quote)
        if not lines:
            out.append(Diagnostic(citation.at("quote"), "error", "quote-not-found",
                                  f"{what}: the quote {short(citation.quote)!r} does not occur in {source.path}"))
        elif citation.line not in lines:
            where = ", ".join(str(n) for n in lines[:5])
            out.append(Diagnostic(citation.at("line"), "error", "citation-line",
                                  f"{what}: line {citation.line} of {source.path} does not hold the start of the "
                                  f"quote {short(citation.quote)!r}, which starts on line {where}"))
    out.extend(_quote_mismatch(version))
    if not partial:
        out.extend(_unlisted(version, source))
    return out


def _quote_mismatch(version: Version) -> List[Diagnostic]:
    out = []
    for area in version.areas:
        for occ in area.occupations:
            for c in occ.source:
                match = OCCUPATION_LINE.match(c.quote)
                if not match:
                    continue
                code, level = match.group(1), match.group(3)
                problems = []
                if code and occ.code and code != occ.code:
                    problems.append(f"code {code}, not {occ.code}")
                if level != occ.level:
                    problems.append(f"level {level}, not {occ.level}")
                if problems:
                    out.append(Diagnostic(c.span, "warning", "quote-mismatch",
                                          f"area {area.id!r}: the quoted source publishes {' and '.join(problems)}",
                                          f"{area.id}:{occ.code or slug(occ.title)}"))
                break
    return out


def _unlisted(version: Version, source: SourceText) -> List[Diagnostic]:
    out: List[Diagnostic] = []
    cited: Dict[int, Tuple[Area, int]] = {}
    for area in version.areas:
        for i, occ in enumerate(area.occupations):
            for c in occ.source:
                cited.setdefault(c.line, (area, i))
    if not cited:
        return out
    ordered = sorted(cited)
    for line, code, title, level in source.occupation_lines():
        if line in cited:
            continue
        at = bisect.bisect_left(ordered, line)  # the cited lines before and after it, without a scan
        before, after = ordered[max(at - 1, 0):at], ordered[at:at + 1]
        # The entry belongs to the area of its neighbours in the source; where the two
        # neighbours belong to different areas (the first or last of a list), to the nearer one.
        use_before = bool(before) and (not after or line - before[-1] <= after[0] - line
                                       or cited[before[-1]][0] is cited[after[0]][0])
        area, index = cited[before[-1]] if use_before else cited[after[0]]
        if use_before and index + 1 < len(area.occupations):
            span = area.occupations[index + 1].span  # where it would go: after its predecessor
        else:
            span = area.occupations[index].span
        published = f"{code + ' ' if code else ''}{title} – NOC {level}"
        out.append(Diagnostic(span, "error", "unlisted-occupation",
                              f"area {area.id!r}: line {line} of {source.path} publishes {published!r}, which no "
                              f"occupation entry cites (dropped from the list?)", f"{area.id}:{code or slug(title)}"))
    return out


def _absent(file: Path) -> bool:
    """Whether nothing is at ``file`` (a warning: a tree may be checked without its source document),
    rather than something that cannot be read, which the reading names."""
    try:
        os.stat(file)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def version_source(loaded: LoadedVersion, root: Path, out: List[Diagnostic]) -> Optional[SourceText]:
    """The source document named by the manifest (relative to the policy folder), hash-checked; what
    stops it from being read (outside the tree, missing, unreadable) is appended to ``out``."""
    m = loaded.version.manifest
    file = loaded.ref.folder.parent / m.source_file
    shown = shown_path(f"{loaded.ref.policy}/{m.source_file}")
    if not is_inside(file, root):
        out.append(Diagnostic(m.at("source_document.file"), "error", "unsafe-path",
                              f"source_document.file {m.source_file!r} leads out of the policy tree"))
        return None
    if _absent(file):  # a folder, pipe or device, a link loop, a name too long: an error of read_source
        out.append(Diagnostic(m.at("source_document.file"), "warning", "source-missing",
                              f"source document {shown} does not exist; quotes are not checked",
                              suggestion=Suggestion("give-source", (), "name the source document")))
        return None
    try:
        source = read_source(file, shown)
    except InputError as exc:
        out.append(Diagnostic(m.at("source_document.file"), "error", "source-missing",
                              f"source document {shown}: {exc.message}"))
        return None
    if source.sha256 != m.source_sha256.lower():
        out.append(Diagnostic(m.at("source_document.sha256"), "error", "source-hash",
                              f"source document {shown} has sha256 {source.sha256}, but the manifest records "
                              f"{m.source_sha256}: the quotes were checked against another text ("
                              + ("restore the text version " + m.id + " was frozen with; a new text needs a new "
                                 "version" if is_frozen(m) else
                                 "update the manifest only after re-checking every quote") + ")", m.id))
    return source
