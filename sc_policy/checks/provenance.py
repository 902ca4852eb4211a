"""Provenance: every citation of a version against the policy's source document.

Each quote must occur in the source (whitespace aside) and start on the line it
names; an occupation's quote must publish the code and level the entry declares, an industry's
quote its code when it publishes codes; and every line of the source that publishes an occupation, and every NAICS code it
publishes, must be cited by some entry (one dropped from a list or a definition is found); a line of an area's
own text that puts all occupations of a kind in scope is reported (:mod:`sc_policy.checks.scope`). :func:`version_source` reads the source
document a manifest names, checking it lies in the tree and has the recorded hash.
"""

from __future__ import annotations

import bisect
import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from sc_policy.diagnostics import Diagnostic, Suggestion, InputError, Span, shown_path
from sc_policy.checks.lifecycle import is_frozen
from sc_policy.checks.scope import all_occupations
from sc_policy.checks.subjects import short, slug
from sc_policy.load.policytext import OCCUPATION_LINE, NearestPassages, SourceText, read_source
from sc_policy.load.tree import LoadedVersion
from sc_policy.load.yamlfile import is_inside
from sc_policy.model import NAICS_IN_QUOTE, Area, Citation, Section, Version

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
    for case in version.tests:
        for c in case.source:
            yield f"test case {case.name!r}", c


def provenance(version: Version, source: SourceText, partial: bool) -> List[Diagnostic]:
    """Every quote against ``source``; quotes that publish another code or level; unlisted occupations."""
    out: List[Diagnostic] = []
    passages = NearestPassages(source)
    starts: Dict[Span, int] = {}  # a citation whose line is off -> the line holding its quote nearest to it
    for what, citation in citations(version):
        lines = source.quote_lines(citation.quote)
        if not lines:
            meant = passages.nearest(citation.quote)
            hint = None if meant is None else Suggestion(
                "did-you-mean", (meant[1],), f"the nearest passage is on line {meant[0]}: {short(meant[1])!r}")
            out.append(Diagnostic(citation.at("quote"), "error", "quote-not-found",
                                  f"{what}: the quote {short(citation.quote)!r} does not occur in {source.path}",
                                  suggestion=hint))
        elif citation.line not in lines:
            starts[citation.span] = min(lines, key=lambda n: (abs(n - citation.line), n))
            where = ", ".join(str(n) for n in lines[:5])
            out.append(Diagnostic(citation.at("line"), "error", "citation-line",
                                  f"{what}: line {citation.line} of {source.path} does not hold the start of the "
                                  f"quote {short(citation.quote)!r}, which starts on line {where}"))
    for owner, sections in [("general_sections", version.manifest.general_sections)] + \
            [(f"area {a.id!r}", a.sections) for a in version.areas]:
        for s in sections:
            if max(s.first, s.last) > len(source.lines):  # the text it names is not there (a typo: 58-766)
                out.append(Diagnostic(s.at("lines"), "error", "section-past-end",
                                      f"{owner}: section lines {s.lines} run past the end of {source.path}, "
                                      f"which has {len(source.lines)} lines", f"{owner}:{s.lines}"))
    out.extend(_quote_mismatch(version))
    out.extend(_unpublished(version))
    if not partial:
        out.extend(_unlisted(version, source, starts))
        out.extend(_unlisted_industries(version, source, starts))
    out.extend(all_occupations(version, source))
    return out


def _quote_mismatch(version: Version) -> List[Diagnostic]:
    out = []
    for area in version.areas:
        for entries in (area.include, area.exclude):
            for entry in entries:  # an entry whose quote publishes codes, none of them its own
                for c in entry.source:
                    published = NAICS_IN_QUOTE.findall(c.quote)  # (the entry's own quoted_codes, per quote)
                    if published and entry.code not in published:
                        out.append(Diagnostic(c.span, "warning", "quote-mismatch",
                                              f"area {area.id!r}: the quoted source publishes NAICS "
                                              f"{' and '.join(published)}, not {entry.code}",
                                              f"{area.id}:naics:{entry.code}"))
        for occ in area.occupations:
            if occ.source and not any(OCCUPATION_LINE.match(c.quote) for c in occ.source):
                out.append(Diagnostic(occ.source[0].span, "warning", "quote-mismatch",
                                      f"area {area.id!r}: the quotes of {occ.code or occ.title!r} publish no "
                                      f"occupation (no '[code] title – NOC X' line of a list): cite the line that "
                                      f"lists it, or, if the source lists it nowhere, record why in a resolution",
                                      f"{area.id}:{occ.code or slug(occ.title)}"))
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


def _unpublished(version: Version) -> List[Diagnostic]:
    """``unpublished-code``: an industry entry that does not say ``published: false`` although no quote of
    it publishes a NAICS code (the code is the analyst's reading of the words quoted; an answer that
    called it published would put in the source a code it does not give)."""
    out = []
    for area in version.areas:
        for kind, entries in (("include", area.include), ("exclude", area.exclude)):
            for entry in entries:
                if entry.published and entry.source and not entry.quoted_codes:
                    quotes = ("quote", "names") if len(entry.source) == 1 else ("quotes", "name")
                    out.append(Diagnostic(
                        entry.at("code"), "warning", "unpublished-code",
                        f"area {area.id!r} {kind}s NAICS {entry.code}, which the source does not publish: the "
                        f"{quotes[0]} on {entry.derived_from} {quotes[1]} no NAICS code, so the code is the analyst's "
                        f"reading of it; say 'published: false' (an answer then calls it derived, not published)",
                        f"{area.id}:naics:{entry.code}"))
    return out


def _unlisted(version: Version, source: SourceText, starts: Dict[Span, int]) -> List[Diagnostic]:
    """``unlisted-occupation`` for every line of the source that publishes an occupation no entry cites, in
    the area whose ``sections`` hold the line; in a version whose areas name no sections (phase-1's
    files), in the area of the cited lines around it. A line that no area's sections hold, in a version
    whose areas name theirs, belongs to no area of the version (one dropped): it is named at the manifest.
    A citation whose line is off (``starts``: citation-line says so) counts for the line its quote starts on."""
    out: List[Diagnostic] = []
    cited: Dict[int, Tuple[Area, int]] = {}
    for area in version.areas:
        for i, occ in enumerate(area.occupations):
            for c in occ.source:
                cited.setdefault(starts.get(c.span, c.line), (area, i))
    if not cited:
        return out
    sections = [(s, area) for area in version.areas for s in area.sections]
    for line, code, title, level in source.occupation_lines():
        if line in cited:
            continue
        published = f"{code + ' ' if code else ''}{title} – NOC {level}"
        subject = code or slug(title)
        area = _owner(line, sections, cited)
        if area is None:
            out.append(Diagnostic(version.manifest.span, "error", "unlisted-occupation",
                                  f"line {line} of {source.path} publishes {published!r}, which no occupation "
                                  f"entry cites and no area's sections hold (an area dropped?)",
                                  f"version:{subject}"))
            continue
        own = sorted(ln for ln, (a, _) in cited.items() if a is area) if sections else sorted(cited)
        key = f"unlisted-occupation:{area.id}:{subject}"  # what a resolution of a deliberate drop names
        out.append(Diagnostic(_where_it_goes(line, own, cited, area), "error", "unlisted-occupation",
                              f"area {area.id!r}: line {line} of {source.path} publishes {published!r}, which no "
                              f"occupation entry cites", f"{area.id}:{subject}",
                              suggestion=Suggestion("resolve", (key,), f"dropped from the list? if on purpose, "
                                                                       f"record a resolution that resolves {key}")))
    return out


def _unlisted_industries(version: Version, source: SourceText, starts: Dict[Span, int]) -> List[Diagnostic]:
    """``unlisted-industry`` for every NAICS code the source publishes ("Telecommunications (NAICS 517)")
    that no industry entry's quote publishes from that line: one dropped from an area's definition, which
    would narrow it unnoticed. Reported in the area whose ``sections`` hold the line (in a version whose
    areas name no sections, the area whose entries cite the line nearest it), else at the manifest."""
    cited: Dict[int, Tuple[Area, int]] = {}
    published = set()  # (line, code): a line an entry's quote covers, and a code the entry cites there
    for area in version.areas:
        for i, entry in enumerate((*area.include, *area.exclude)):
            for c in entry.source:
                first = starts.get(c.span, c.line)
                cited.setdefault(first, (area, i))
                codes = NAICS_IN_QUOTE.findall(c.quote)
                # a quote that also takes in a neighbour's code cites its own alone (the neighbour's entry may be
                # the one dropped); one that publishes only other codes cites them (quote-mismatch says so)
                codes = [entry.code] if entry.code in codes else codes
                published.update((line, code) for line in _covered(source, c.quote, first) for code in codes)
    if not cited:
        return []
    sections = [(s, area) for area in version.areas for s in area.sections]
    out: List[Diagnostic] = []
    for number, text in enumerate(source.lines, 1):
        for code in NAICS_IN_QUOTE.findall(text):
            if (number, code) in published:
                continue
            what = f"line {number} of {source.path} publishes NAICS {code}, which no industry entry cites"
            owner = _owner(number, sections, cited)
            if owner is None:
                out.append(Diagnostic(version.manifest.span, "error", "unlisted-industry",
                                      f"{what} and no area's sections hold (an area dropped?)", f"version:naics:{code}"))
                continue
            key = f"unlisted-industry:{owner.id}:naics:{code}"  # what a resolution of a deliberate drop names
            out.append(Diagnostic(owner.at("industries"), "error", "unlisted-industry", f"area {owner.id!r}: {what}",
                                  f"{owner.id}:naics:{code}",
                                  suggestion=Suggestion("resolve", (key,), f"dropped from the definition? if on "
                                                                           f"purpose, record a resolution that "
                                                                           f"resolves {key}")))
    return out


def _covered(source: SourceText, quote: str, first: int) -> range:
    """The lines that ``quote``, starting on line ``first``, covers (white space aside, as it is found)."""
    needle = "".join(quote.split())
    at = source.compact.find(needle, bisect.bisect_left(source.compact_lines, first)) if needle else -1
    if at < 0:
        return range(first, first + 1)
    return range(source.compact_lines[at], source.compact_lines[at + len(needle) - 1] + 1)


def _owner(line: int, sections: List[Tuple[Section, Area]], cited: Dict[int, Tuple[Area, int]]) -> Optional[Area]:
    """The area a line of the source belongs to: the one whose ``sections`` hold it (None when none does: an area
    dropped); in a version whose areas name no sections (phase-1's files), that of the ``cited`` lines around it."""
    if sections:
        return next((area for s, area in sections if s.holds(line)), None)
    return _neighbours_area(line, sorted(cited), cited)


def _neighbours_area(line: int, ordered: List[int], cited: Dict[int, Tuple[Area, int]]) -> Area:
    """The area of a line's cited neighbours in the source; where the two belong to different areas (the
    first or last of a list), the nearer one's."""
    before, after = _around(line, ordered)
    use_before = bool(before) and (not after or line - before[-1] <= after[0] - line
                                   or cited[before[-1]][0] is cited[after[0]][0])
    return cited[before[-1]][0] if use_before else cited[after[0]][0]


def _around(line: int, ordered: List[int]) -> Tuple[List[int], List[int]]:
    at = bisect.bisect_left(ordered, line)  # the cited lines before and after it, without a scan
    return ordered[max(at - 1, 0):at], ordered[at:at + 1]


def _where_it_goes(line: int, ordered: List[int], cited: Dict[int, Tuple[Area, int]], area: Area):
    """Where in ``area`` a missing line goes: the entry after its predecessor (or the predecessor, the last),
    else the entry after it, among ``ordered`` (the cited lines of its area, or of every area); else the area."""
    before, after = _around(line, ordered)
    if before and cited[before[-1]][0] is area:
        index = cited[before[-1]][1]
        if index + 1 < len(area.occupations):
            return area.occupations[index + 1].span  # where it would go: after its predecessor
        return area.occupations[index].span
    if after and cited[after[0]][0] is area:
        return area.occupations[cited[after[0]][1]].span
    return area.span


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
        if source.lf_sha256 == m.source_sha256.lower():  # saved by a Windows editor, or checked out so
            why = ("it differs from the recorded text only in its line endings (CRLF) or a byte-order mark (save it "
                   "with LF line endings and no byte-order mark)")
        else:
            why = "the quotes were checked against another text (" + (
                "restore the text version " + m.id + " was frozen with; a new text needs a new version"
                if is_frozen(m) else "update the manifest only after re-checking every quote") + ")"
        out.append(Diagnostic(m.at("source_document.sha256"), "error", "source-hash",
                              f"source document {shown} has sha256 {source.sha256}, but the manifest records "
                              f"{m.source_sha256}: {why}", m.id))
    return source
