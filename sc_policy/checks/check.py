"""Check a policy's rule files for consistency, the way a compiler or a linter does.

Analysts edit YAML by hand; this is what stops a bad edit from reaching a
decision. :func:`check_tree` returns every finding about the chosen versions:
the loader's and the schema's (structure), the compiler's (expressions,
templates), the life cycle's, and the checks of this module over the model
(references, occupations, skill levels, industries, provenance, agreement). Each
finding carries the real file, line and column of the node it is about.

The source contradicts itself in places; ``resolutions.yaml`` records the
analyst's decision for each such finding by naming its key (``check:subject``).
A resolved finding is kept, as ``info``, so that an auditor sees it; a
resolution that names no finding is itself an error (``stale-resolution``).

:func:`check_version` checks one loaded version; :class:`~sc_policy.app.workspace.Workspace`
calls it before it opens a version, so that no decision is made under a policy
with errors. Every check id is listed in :data:`CHECKS` with its meaning.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from sc_policy.engine.budget import ExpressionBudget
from sc_policy.engine.compile import CompiledVersion, compile_version, render_template
from sc_policy.diagnostics import Diagnostic, InputError, PolicyInvalidError, PolicyLoadError, UnknownVersionError
from sc_policy.engine.decide import FAIL, Evaluator
from sc_policy.engine.facts import area_facts, industry_facts, occupation_facts
from sc_policy.checks.lifecycle import lifecycle_findings
from sc_policy.load.yamlfile import MAX_SOURCE_BYTES, Document, file_kind, is_inside, read_regular
from sc_policy.model import Area, Citation, Occupation, Version
from sc_policy.reference.statcan import ReferenceData, reference_data, skill_level
from sc_policy.diagnostics import Span
from sc_policy.load.tree import LoadedVersion, PolicyTree, VersionRef, resolve_root
from sc_policy.app.writing import JOURNAL_NAME, pending_change

__all__ = ["CHECKS", "RESOLVABLE", "MAX_SOURCE_BYTES", "SourceText", "read_source", "check_tree", "check_version",
           "apply_resolutions", "normalise_title", "slug", "has_errors"]

CHECKS: Mapping[str, str] = {
    # structure: the loader and the schema (sc_policy.load.yamlfile, sc_policy.load.tree, sc_policy.load.schema)
    "missing": "a file or folder that must exist does not",
    "unreadable": "a file cannot be read",
    "not-a-file": "a folder where a rule file is expected",
    "too-large": "a rule file over the size limit",
    "encoding": "a rule file that is not UTF-8",
    "empty": "a rule file with no content",
    "yaml-syntax": "YAML that does not parse (with the line and column of the problem)",
    "unsafe-yaml": "YAML anchors, aliases or tags, refused in rule files",
    "duplicate-key": "the same key twice in one mapping (YAML would silently keep the last)",
    "schema": "a value the file's schema does not allow",
    "unknown-key": "a key the file's schema does not know (often a misspelling)",
    "wrong-type": "a value of the wrong type (e.g. a code written without quotes)",
    "missing-key": "a required key is absent",
    "missing-manifest": "a version folder without version.yaml",
    "unsafe-path": "a symbolic link or source path that leads out of the policy tree",
    "unknown-file": "a file or folder in a version that is not a rule file (ignored; a warning)",
    # expressions (sc_policy.engine.compile)
    "expression": "a when/condition expression that does not compile against the facts (unknown "
                  "fact, type error), goes past a bound (length, nesting, a regular expression that can "
                  "backtrack without end, $range), reads the clock, randomness or the environment, or fails "
                  "or overruns its time budget when evaluated",
    "template": "an explain template with a placeholder that is not a plain fact name",
    "not-a-directory": "the policy tree named by --policies is not a folder",
    # life cycle (sc_policy.checks.lifecycle): versions as they follow one another
    "hash-mismatch": "a frozen (non-draft) version whose content no longer matches its recorded sha256",
    "table-mismatch": "a frozen version whose files, unchanged, now decide otherwise than its recorded "
                      "table_sha256 (another sc-policy or reference data; found when the version is opened)",
    "table-hash-missing": "a frozen version that records no table_sha256 (an older freeze; a warning: "
                          "`sc-policy freeze` records it)",
    "period-invalid": "a version whose effective_to lies before its effective_from",
    "period-overlap": "two versions in force on the same day",
    "period-gap": "days between a version and the one it supersedes when none is in force",
    "supersedes-unknown": "supersedes names no version of the policy (or the version itself)",
    "clause-version-not-bumped": "a clause whose content changed from the superseded version under the same "
                                 "clause version number",
    "interrupted-change": "a new-version or freeze that was killed after it committed its changes, and "
                          "not yet finished (sc_policy.app.writing)",
    # references
    "file-name": "an area or clause whose id differs from its file name",
    "duplicate-area": "two area files with the same id",
    "duplicate-clause": "two clause files with the same id",
    "unknown-area": "applies_to, affects or assigns names an area that does not exist",
    "area-without-clauses": "an area that no clause applies to (everything would be in scope)",
    "duplicate-resolution": "two resolutions with the same id",
    "stale-resolution": "a resolution names a finding key that no finding has",
    "unresolvable": "a resolution names a check that cannot be resolved (fix the file instead)",
    "unmatched-assignment": "a resolution assigns a code to an occupation entry that does not exist "
                            "or already has a code",
    "unknown-affects": "a resolution's affects names a code that the area does not list",
    # occupations
    "noc-format": "an occupation code that is not four digits",
    "unknown-noc": "an occupation code that is not a NOC 2016 unit group",
    "missing-code": "an occupation entry published without a NOC code",
    "duplicate-occupation": "the same code listed twice in one area",
    "title-conflict": "one code listed under different titles across the areas of a version",
    "official-title": "a listed title that differs from the official NOC 2016 title (a warning)",
    "level-mismatch": "a declared skill level that differs from the level derived from the code",
    # skill-level policy
    "excluded-level": "an occupation at skill level 0 or D (never in scope)",
    "noc-a-limit": "more than one NOC A occupation in an area",
    # industries
    "naics-format": "an industry code that is not 2 to 6 digits",
    "unknown-naics": "an industry code that does not exist in NAICS Canada 2017",
    "duplicate-industry": "the same industry code twice in one list (a warning)",
    "included-and-excluded": "an industry code both included and excluded by one area",
    "exclusion-outside": "an excluded industry code that lies inside no included code of its area",
    # provenance
    "source-missing": "the manifest's source document does not exist (quotes not checked; a warning)",
    "source-hash": "the source document's sha256 differs from the one the manifest records",
    "quote-not-found": "a quoted passage that does not occur in the source document",
    "citation-line": "a citation whose line does not hold the start of its quote",
    "quote-mismatch": "an occupation whose quote publishes another code or level (a warning)",
    "unlisted-occupation": "an occupation line of the source that no occupation entry cites",
    # agreement
    "disagreement": "a listed occupation that a clause of its own area fails (with no industry)",
}
"""Every check id, with its meaning. Ids are stable: resolutions and scripts name them."""

RESOLVABLE = frozenset({
    "noc-a-limit", "duplicate-occupation", "missing-code", "title-conflict", "official-title",
    "level-mismatch", "excluded-level", "quote-mismatch", "unlisted-occupation", "duplicate-industry",
})
"""The checks that report what the *source* says (its contradictions), which a resolution may
resolve. Every other finding is a mistake in the rule files and must be fixed there."""

_DASHES = re.compile(r"\s*[\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212]\s*")
_OCCUPATION_LINE = re.compile(r"^\s*(?:(\d{4})\s+)?(\S.*?)\s*[\u002d\u2013\u2014]\s*NOC\s+([0ABCD])\s*$")


def normalise_title(title: str) -> str:
    """A title with letter case, dash style and spacing made uniform, for comparison."""
    return " ".join(_DASHES.sub(" - ", title).casefold().split())


def slug(text: str) -> str:
    """``Computer programmers and Interactive media developers`` -> ``computer-programmers-and-...``."""
    return "-".join(re.findall(r"[a-z0-9]+", text.casefold()))


def has_errors(findings: Iterable[Diagnostic]) -> bool:
    return any(f.severity == "error" for f in findings)


# -- the source document --------------------------------------------------------------------


def _compact(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True)
class SourceText:
    """The policy's text, indexed so that a quote can be found whitespace-insensitively.

    ``compact`` is the text with all whitespace removed and ``compact_lines`` the
    line number of each of its characters, so a match gives the line it starts on.
    """

    path: str
    lines: Tuple[str, ...]
    compact: str
    compact_lines: Tuple[int, ...]
    sha256: str

    @classmethod
    def parse(cls, raw: bytes, path: str) -> "SourceText":
        text = raw.decode("utf-8")
        if text.startswith("\ufeff"):
            text = text[1:]
        lines = tuple(text.split("\n"))
        chars: List[str] = []
        where: List[int] = []
        for number, line in enumerate(lines, 1):
            kept = _compact(line)
            chars.append(kept)
            where.extend([number] * len(kept))
        return cls(path, lines, "".join(chars), tuple(where), hashlib.sha256(raw).hexdigest())

    def quote_lines(self, quote: str) -> List[int]:
        """The lines on which an occurrence of ``quote`` starts (none: it does not occur)."""
        needle = _compact(quote)
        if not needle:
            return []
        found = set()
        at = self.compact.find(needle)
        while at >= 0:
            found.add(self.compact_lines[at])
            at = self.compact.find(needle, at + 1)
        return sorted(found)

    def occupation_lines(self) -> List[Tuple[int, Optional[str], str, str]]:
        """(line, code or None, title, level) of every line published as ``[code] title – NOC X``."""
        out = []
        for number, line in enumerate(self.lines, 1):
            match = _OCCUPATION_LINE.match(line)
            if match:
                out.append((number, match.group(1), match.group(2), match.group(3)))
        return out


def read_source(path: Union[str, os.PathLike], display: Optional[str] = None) -> SourceText:
    """Read a source document (a regular file under MAX_SOURCE_BYTES, looked at before it is read);
    a missing, special, huge or unreadable file is an InputError (exit 2)."""
    shown = display or str(path)
    try:
        raw = read_regular(path, MAX_SOURCE_BYTES, shown, expected="a text file", limit_of="source documents")
    except PolicyLoadError as exc:
        message = {"missing": "source document not found",
                   "not-a-file": "source document is not a regular file",
                   "too-large": f"source document is over the {MAX_SOURCE_BYTES}-byte limit"}.get(
            exc.code, exc.message.replace("cannot read file", "cannot read source document"))
        raise InputError(message, Span(shown), code=exc.code) from None
    try:
        return SourceText.parse(raw, shown)
    except UnicodeDecodeError:
        raise InputError("source document is not UTF-8 text", Span(shown), code="encoding") from None


# -- one version ------------------------------------------------------------------------------


class _VersionChecker:
    """The model checks of one version. Each method appends findings to ``self.out``."""

    def __init__(self, version: Version, refdata: ReferenceData, partial: bool):
        self.v = version
        self.refdata = refdata
        self.partial = partial  # some file failed to load: skip checks that need every file
        self.docs: Dict[str, Document] = {d.path: d for d in version.documents}
        self.out: List[Diagnostic] = []
        self.area_ids = {a.id for a in version.areas}

    def add(self, span: Span, severity: str, check: str, message: str, subject: str = "") -> None:
        self.out.append(Diagnostic(span, severity, check, message, subject))

    def span(self, path: str, keypath: tuple, fallback: Span) -> Span:
        doc = self.docs.get(path)
        return doc.span(keypath) if doc is not None else fallback

    # references -------------------------------------------------------------------------
    def references(self) -> None:
        v = self.v
        for area in v.areas:
            self._file_name(area.path, area.id, "area", area.span)
        self._duplicates("area", [(a.id, a.path, self.span(a.path, ("id",), a.span)) for a in v.areas])
        self._duplicates("clause", [(c.id, c.path, c.spans.get("id", c.span)) for c in v.clauses])
        covered = set()
        for clause in v.clauses:
            self._file_name(clause.path, clause.id, "clause", clause.span)
            for i, area_id in enumerate(clause.applies_to):
                if area_id in self.area_ids:
                    covered.add(area_id)
                elif not self.partial:
                    self.add(clause.spans.get(f"applies_to.{i}", clause.span), "error", "unknown-area",
                             f"clause {clause.id!r} applies to area {area_id!r}, which does not exist"
                             f"{_known(self.area_ids)}", f"{clause.id}:{area_id}")
        if not self.partial:
            for area in v.areas:
                if area.id not in covered:
                    self.add(area.span, "error", "area-without-clauses",
                             f"no clause applies to area {area.id!r}: every occupation would be in scope there",
                             area.id)

    def _duplicates(self, kind: str, items: List[Tuple[str, str, Span]]) -> None:
        """Two files of one kind with the same id: blame the file(s) not named after the id."""
        groups: Dict[str, List[Tuple[str, Span]]] = {}
        for ident, path, span in items:
            groups.setdefault(ident, []).append((path, span))
        for ident, files in sorted(groups.items()):
            if len(files) < 2:
                continue
            named = [f for f in files if _stem(f[0]) == ident]
            keep = named[0] if named else files[0]
            for path, span in files:
                if (path, span) != keep:
                    self.add(span, "error", f"duplicate-{kind}",
                             f"{kind} id {ident!r} is also the id of {keep[0]}; ids must be unique", ident)

    def _file_name(self, path: str, ident: str, kind: str, fallback: Span) -> None:
        stem = _stem(path)
        if stem != ident:
            self.add(self.span(path, ("id",), fallback), "error", "file-name",
                     f"{kind} id {ident!r} differs from its file name {stem}.yaml (rename one of them)", ident)

    # occupations and skill levels -----------------------------------------------------------
    def occupations(self) -> None:
        """Codes, levels and titles of every entry; repeats, title conflicts and the NOC A limit.

        A finding that the shipped resolutions name keeps its plain key (``area:code``);
        a further repeat of the same thing gets its ordinal (``area:code:3``), so that a
        resolution of one contradiction cannot silently cover a new one.
        """
        by_code: Dict[str, List[Tuple[Area, Occupation]]] = {}
        for area in self.v.areas:
            count: Dict[str, int] = {}
            first_at: Dict[str, Occupation] = {}
            level_a: List[Occupation] = []
            for i, occ in enumerate(area.occupations):
                at = lambda key: self.span(area.path, ("occupations", i, key), occ.span)  # noqa: E731
                if occ.code is None or occ.assigned_by:
                    subject = f"{area.id}:{slug(occ.title)}"
                    count[subject] = count.get(subject, 0) + 1
                    self._missing_code(area, occ, at("title"), _nth(subject, count[subject], 1))
                if occ.code is None:
                    continue
                code_span = at("code") if not occ.assigned_by else at("title")
                if not re.fullmatch(r"\d{4}", occ.code):
                    self.add(code_span, "error", "noc-format",
                             f"area {area.id!r}: occupation code {occ.code!r} is not four digits "
                             f"(a NOC 2016 unit group code, e.g. \"2174\")", f"{area.id}:{occ.code}")
                    continue
                unit = self.refdata.noc2016.get(occ.code)
                if unit is None:
                    near = "; ".join(f"{c} {self.refdata.noc2016[c].title}"
                                     for c in self.refdata.nearest_nocs(occ.code))
                    self.add(code_span, "error", "unknown-noc",
                             f"area {area.id!r}: {occ.code} is not a NOC 2016 unit group (nearest: {near})",
                             f"{area.id}:{occ.code}")
                    continue
                derived = skill_level(occ.code)
                if occ.level != derived:
                    self.add(at("level"), "error", "level-mismatch",
                             f"area {area.id!r}: {occ.code} is declared at level {occ.level}, but its code "
                             f"gives level {derived}", f"{area.id}:{occ.code}")
                excluded = sorted({occ.level, derived} & {"0", "D"})
                if excluded:
                    self.add(at("level"), "error", "excluded-level",
                             f"area {area.id!r}: {occ.code} is at NOC skill level {excluded[0]}; levels 0 and D "
                             f"are never in scope", f"{area.id}:{occ.code}")
                if not _same_title(occ.title, unit.title):
                    self.add(at("title"), "warning", "official-title",
                             f"area {area.id!r}: {occ.code} is listed as {occ.title!r}; its official NOC 2016 "
                             f"title is {unit.title!r}", f"{area.id}:{occ.code}")
                by_code.setdefault(occ.code, []).append((area, occ))
                subject = f"{area.id}:{occ.code}"
                count[subject] = count.get(subject, 0) + 1
                if count[subject] > 1:
                    first = first_at[occ.code]
                    self.add(occ.span, "error", "duplicate-occupation",
                             f"area {area.id!r} lists {occ.code} {occ.title!r} {_times(count[subject])} (first "
                             f"at line {first.span.line}); one entry each counts", _nth(subject, count[subject], 2))
                    continue
                first_at[occ.code] = occ
                if occ.level == "A" or derived == "A":
                    level_a.append(occ)
            listing = ", ".join(f"{o.code} at line {o.span.line}" for o in level_a)
            for n, extra in enumerate(level_a[1:], 2):
                self.add(extra.span, "error", "noc-a-limit",
                         f"area {area.id!r} lists {len(level_a)} NOC A occupations ({listing}); at most one "
                         f"NOC A occupation per area is allowed",
                         area.id if n == 2 else f"{area.id}:{extra.code}")
        for code, entries in sorted(by_code.items()):
            first_area, first = entries[0]
            titles = [normalise_title(first.title)]
            for area, occ in entries[1:]:
                if normalise_title(occ.title) not in titles:
                    titles.append(normalise_title(occ.title))
                    self.add(occ.span, "error", "title-conflict",
                             f"{code} is listed as {occ.title!r} in area {area.id!r} but as {first.title!r} in "
                             f"area {first_area.id!r} ({first.span}); one code has one title",
                             _nth(code, len(titles), 2))

    def _missing_code(self, area: Area, occ: Occupation, span: Span, subject: str) -> None:
        message = f"area {area.id!r} lists {occ.title!r} (NOC {occ.level}) without a NOC code"
        if occ.assigned_by:
            message += f"; resolution {occ.assigned_by!r} assigns it {occ.code}"
        else:
            message += "; the entry counts for nothing until a resolution assigns it a code"
        self.add(span, "error", "missing-code", message, subject)

    # industries ---------------------------------------------------------------------------
    def industries(self) -> None:
        naics = self.refdata.naics2017
        for area in self.v.areas:
            valid: Dict[str, set] = {"include": set(), "exclude": set()}
            for kind, entries in (("include", area.include), ("exclude", area.exclude)):
                for i, entry in enumerate(entries):
                    span = self.span(area.path, ("industries", kind, i, "code"), entry.span)
                    subject = f"{area.id}:{entry.code}"
                    if not re.fullmatch(r"\d{2,6}", entry.code):
                        self.add(span, "error", "naics-format",
                                 f"area {area.id!r}: industry code {entry.code!r} is not 2 to 6 digits", subject)
                        continue
                    if entry.code not in naics:
                        later = self.refdata.naics2022.get(entry.code)
                        if later is not None:
                            hint = (f"it is {later.title!r} in NAICS Canada 2022; the policy is written in "
                                    f"NAICS Canada 2017")
                        else:
                            hint = "nearest: " + "; ".join(f"{c} {naics[c].title}"
                                                           for c in self.refdata.nearest_naics(entry.code))
                        self.add(span, "error", "unknown-naics",
                                 f"area {area.id!r}: {entry.code} is not in NAICS Canada 2017 ({hint})", subject)
                        continue
                    if entry.code in valid[kind]:
                        self.add(span, "warning", "duplicate-industry",
                                 f"area {area.id!r} {kind}s NAICS {entry.code} twice", f"{area.id}:{kind}:{entry.code}")
                    valid[kind].add(entry.code)
            for i, entry in enumerate(area.exclude):
                if entry.code not in valid["exclude"]:
                    continue
                span = self.span(area.path, ("industries", "exclude", i, "code"), entry.span)
                if entry.code in valid["include"]:
                    self.add(span, "error", "included-and-excluded",
                             f"area {area.id!r} both includes and excludes NAICS {entry.code}", f"{area.id}:{entry.code}")
                elif not any(entry.code.startswith(inc) for inc in valid["include"]):
                    self.add(span, "error", "exclusion-outside",
                             f"area {area.id!r} excludes NAICS {entry.code}, which lies inside none of its included "
                             f"codes ({', '.join(sorted(valid['include'])) or 'none'}); the exclusion does nothing",
                             f"{area.id}:{entry.code}")

    # resolutions' own references ------------------------------------------------------------
    def resolution_references(self) -> None:
        seen = set()
        docs = [d for d in self.docs.values() if d.path.endswith("/resolutions.yaml")]
        path = docs[0].path if docs else ""
        for i, r in enumerate(self.v.resolutions):
            if r.id in seen:
                self.add(self.span(path, ("resolutions", i, "id"), r.span), "error", "duplicate-resolution",
                         f"resolution id {r.id!r} is used twice", r.id)
            seen.add(r.id)
            for j, (area_id, codes) in enumerate(r.affects):
                span = self.span(path, ("resolutions", i, "affects", j), r.span)
                area = self.v.area(area_id)
                if area is None:
                    if not self.partial:
                        self.add(span, "error", "unknown-area",
                                 f"resolution {r.id!r} affects area {area_id!r}, which does not exist"
                                 f"{_known(self.area_ids)}", f"{r.id}:{area_id}")
                    continue
                for code in codes:
                    if code not in area.listed:
                        self.add(span, "error", "unknown-affects",
                                 f"resolution {r.id!r} affects {code} in area {area_id!r}, which that area does "
                                 f"not list", f"{r.id}:{area_id}:{code}")
            for a in r.assigns:
                area = self.v.area(a.area)
                if area is None:
                    if not self.partial:
                        self.add(a.span, "error", "unknown-area",
                                 f"resolution {r.id!r} assigns a code in area {a.area!r}, which does not exist"
                                 f"{_known(self.area_ids)}", f"{r.id}:{a.area}")
                    continue
                if not any(o.assigned_by == r.id and o.title == a.title and o.code == a.code
                           for o in area.occupations):
                    self.add(a.span, "error", "unmatched-assignment",
                             f"resolution {r.id!r} assigns {a.code} to {a.title!r} in area {a.area!r}, but that "
                             f"area has no code-less entry with this exact title (or an earlier assignment "
                             f"already gave it a code)", f"{r.id}:{a.area}:{slug(a.title)}")
                elif a.code not in self.refdata.noc2016:
                    self.add(a.span, "error", "unknown-noc",
                             f"resolution {r.id!r} assigns {a.code}, which is not a NOC 2016 unit group",
                             f"{a.area}:{a.code}")

    # provenance --------------------------------------------------------------------------------
    def citations(self) -> Iterable[Tuple[str, Citation, str, tuple]]:
        """(what, citation, file, key path of the citation) for every citation of the version."""
        for area in self.v.areas:
            p = area.path
            for i, c in enumerate(area.source):
                yield f"area {area.id!r}", c, p, ("source", i)
            for kind, entries in (("include", area.include), ("exclude", area.exclude)):
                for j, e in enumerate(entries):
                    for i, c in enumerate(e.source):
                        yield f"area {area.id!r}, NAICS {e.code}", c, p, ("industries", kind, j, "source", i)
            for j, o in enumerate(area.occupations):
                for i, c in enumerate(o.source):
                    yield f"area {area.id!r}, occupation {o.code or o.title!r}", c, p, ("occupations", j, "source", i)
        for clause in self.v.clauses:
            for i, c in enumerate(clause.source):
                yield f"clause {clause.id!r}", c, clause.path, ("source", i)
        resolutions = next((d.path for d in self.docs.values() if d.path.endswith("/resolutions.yaml")), "")
        for j, r in enumerate(self.v.resolutions):
            for i, c in enumerate(r.source):
                yield f"resolution {r.id!r}", c, resolutions, ("resolutions", j, "source", i)

    def provenance(self, source: SourceText) -> None:
        for what, citation, path, keypath in self.citations():
            lines = source.quote_lines(citation.quote)
            if not lines:
                self.add(self.span(path, keypath + ("quote",), citation.span), "error", "quote-not-found",
                         f"{what}: the quote {_short(citation.quote)!r} does not occur in {source.path}")
            elif citation.line not in lines:
                where = ", ".join(str(n) for n in lines[:5])
                self.add(self.span(path, keypath + ("line",), citation.span), "error", "citation-line",
                         f"{what}: line {citation.line} of {source.path} does not hold the start of the quote "
                         f"{_short(citation.quote)!r}, which starts on line {where}")
        self._quote_mismatch()
        if not self.partial:
            self._unlisted(source)

    def _quote_mismatch(self) -> None:
        for area in self.v.areas:
            for occ in area.occupations:
                for c in occ.source:
                    match = _OCCUPATION_LINE.match(c.quote)
                    if not match:
                        continue
                    code, level = match.group(1), match.group(3)
                    problems = []
                    if code and occ.code and code != occ.code:
                        problems.append(f"code {code}, not {occ.code}")
                    if level != occ.level:
                        problems.append(f"level {level}, not {occ.level}")
                    if problems:
                        self.add(c.span, "warning", "quote-mismatch",
                                 f"area {area.id!r}: the quoted source publishes {' and '.join(problems)}",
                                 f"{area.id}:{occ.code or slug(occ.title)}")
                    break

    def _unlisted(self, source: SourceText) -> None:
        cited: Dict[int, Tuple[Area, int]] = {}
        for area in self.v.areas:
            for i, occ in enumerate(area.occupations):
                for c in occ.source:
                    cited.setdefault(c.line, (area, i))
        if not cited:
            return
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
            self.add(span, "error", "unlisted-occupation",
                     f"area {area.id!r}: line {line} of {source.path} publishes {published!r}, which no occupation "
                     f"entry cites (dropped from the list?)", f"{area.id}:{code or slug(title)}")

    # agreement -------------------------------------------------------------------------------
    def agreement(self, compiled: CompiledVersion) -> None:
        """Every listed occupation passes its own area's clauses; an expression that fails (or overruns
        its time budget) while they are evaluated is an ``expression`` finding at its clause's line.
        Each clause is evaluated once per relevant value of what it reads, as the table is built."""
        from sc_policy.engine.relevance import KeyedClause, frozen_facts
        no_industry = industry_facts(None, self.refdata)
        no_industry_frozen = frozen_facts(no_industry)
        broken: set = set()
        memo: Dict[tuple, str] = {}
        with ExpressionBudget() as budget:
            for area in self.v.areas:
                a_facts = area_facts(area)
                clauses = [(cc, KeyedClause(cc, a_facts)) for cc in compiled.for_area(area.id)]
                for code, occ in area.listed.items():
                    if code not in self.refdata.noc2016:
                        continue  # reported as unknown-noc; cannot be evaluated
                    occ_facts = occupation_facts(code, area, self.refdata)
                    occ_frozen = frozen_facts(occ_facts)
                    facts = {**a_facts, **occ_facts, **no_industry}
                    for cc, keyed in clauses:
                        if cc.clause.id not in broken:
                            self._agree(cc, area, code, occ, facts, budget, broken,
                                        memo, keyed.key(occ_frozen, no_industry_frozen))

    def _agree(self, cc, area: Area, code: str, occ: Occupation, facts: dict, budget: ExpressionBudget,
               broken: set, memo: Dict[tuple, str], key: tuple) -> None:
        try:
            if key not in memo:
                memo[key] = Evaluator.outcome(cc, facts, budget)
            result = memo[key]
        except PolicyInvalidError as exc:
            broken.add(cc.clause.id)
            self.add(exc.span or cc.clause.span, "error", "expression", exc.message, cc.clause.id)
            return
        if result == FAIL:
            reason = render_template(cc.clause.explain["fail"], facts)
            self.add(occ.span, "error", "disagreement",
                     f"area {area.id!r} lists {code}, but its clause {cc.clause.id!r} "
                     f"({cc.clause.path}) fails for it with no industry given: {reason}",
                     f"{area.id}:{code}:{cc.clause.id}")


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _same_title(a: str, b: str) -> bool:
    return normalise_title(a) == normalise_title(b)


def _nth(subject: str, n: int, plain: int) -> str:
    """The subject of the ``n``-th occurrence: plain for the ``plain``-th, with the ordinal after it."""
    return subject if n <= plain else f"{subject}:{n}"


def _times(n: int) -> str:
    return {2: "again", 3: "a third time"}.get(n, f"a {n}th time")


def _known(ids) -> str:
    return f" (areas: {', '.join(sorted(ids))})" if ids else ""


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def apply_resolutions(version: Version, findings: Sequence[Diagnostic], check_stale: bool = True) -> List[Diagnostic]:
    """Mark the findings that a resolution names as resolved (info); add stale/unresolvable errors."""
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
        for r in version.resolutions:
            for key, span in zip(r.resolves, r.resolves_spans or (r.span,) * len(r.resolves)):
                if key in by_key and key not in used:
                    out.append(Diagnostic(span, "error", "stale-resolution",
                                       f"resolution {r.id!r} resolves {key!r}, but no check finds {key!r} any more; "
                                       f"remove it from resolves (or the resolution)", f"{r.id}:{key}"))
    return out


def _version_source(loaded: LoadedVersion, root: Path, out: List[Diagnostic]) -> Optional[SourceText]:
    """The source document named by the manifest (relative to the policy folder), hash-checked."""
    v = loaded.version
    m = v.manifest
    manifest_doc = next((d for d in v.documents if d.path == m.path), None)
    at = (lambda *k: manifest_doc.span(("source_document",) + k)) if manifest_doc else (lambda *k: m.span)
    file = loaded.ref.folder.parent / m.source_file
    shown = f"{loaded.ref.policy}/{m.source_file}"
    if not is_inside(file, root):
        out.append(Diagnostic(at("file"), "error", "unsafe-path",
                           f"source_document.file {m.source_file!r} leads out of the policy tree"))
        return None
    if file_kind(file)[0] == "missing":  # a folder, pipe or device is refused (an error) by read_source
        out.append(Diagnostic(at("file"), "warning", "source-missing",
                           f"source document {shown} does not exist; quotes are not checked (give --source FILE)"))
        return None
    try:
        source = read_source(file, shown)
    except InputError as exc:
        out.append(Diagnostic(at("file"), "error", "source-missing", f"source document {shown}: {exc.message}"))
        return None
    if source.sha256 != m.source_sha256.lower():
        out.append(Diagnostic(at("sha256"), "error", "source-hash",
                           f"source document {shown} has sha256 {source.sha256}, but the manifest records "
                           f"{m.source_sha256}: the quotes were checked against another text (update the manifest "
                           f"only after re-checking every quote)", m.id))
    return source


def check_version(loaded: LoadedVersion, root: Union[str, os.PathLike], *, refdata: Optional[ReferenceData] = None,
                  source: Optional[SourceText] = None, compiled: Optional[CompiledVersion] = None,
                  extra: Sequence[Diagnostic] = ()) -> List[Diagnostic]:
    """Every finding about one loaded version, resolutions applied, sorted by path and line.

    ``source`` overrides the manifest's source document; ``compiled`` saves compiling
    again when the caller already has it; ``extra`` are findings from elsewhere (the life
    cycle) that the version's resolutions may also name.
    """
    findings: List[Diagnostic] = list(loaded.findings) + list(extra)
    version = loaded.version
    if version is None:
        return sorted(findings)
    refdata = refdata or reference_data()
    partial = any(f.severity == "error" for f in loaded.findings)
    if compiled is None:
        compiled, problems = compile_version(version)
        findings.extend(problems)
    checker = _VersionChecker(version, refdata, partial)
    checker.references()
    checker.occupations()
    checker.industries()
    checker.resolution_references()
    own: List[Diagnostic] = []
    text = source if source is not None else _version_source(loaded, Path(root), own)
    if text is not None:
        checker.provenance(text)
    if compiled is not None:
        checker.agreement(compiled)
    findings.extend(own)
    findings.extend(checker.out)
    return sorted(apply_resolutions(version, findings, check_stale=not partial))


def _select(refs: List[VersionRef], version_ids: Optional[Sequence[str]], root: Path) -> List[VersionRef]:
    if not refs:
        raise UnknownVersionError("no policy versions found", Span(str(root)))
    if not version_ids:
        return refs
    chosen = []
    for vid in version_ids:
        match = [r for r in refs if vid in (r.id, f"{r.policy}/{r.id}")]
        if not match:
            known = ", ".join(sorted({r.id for r in refs}))
            raise UnknownVersionError(f"unknown version {vid!r}", hint=f"known versions: {known}")
        chosen.extend(r for r in match if r not in chosen)
    return chosen


def check_tree(tree: Union[PolicyTree, str, os.PathLike, None] = None, version_ids: Optional[Sequence[str]] = None,
               source: Union[SourceText, str, os.PathLike, None] = None,
               refdata: Optional[ReferenceData] = None,
               compiled: Optional[Callable[[LoadedVersion], Optional[CompiledVersion]]] = None) -> List[Diagnostic]:
    """Check the named versions of a policy tree (all by default); findings sorted by path and line.

    ``compiled(loaded)``, when given, is a version's compiled form if the caller has it (None: compile it here).

    ``tree`` is a :class:`PolicyTree` or a folder (None: the shipped tree); ``source``
    a source document (path or :class:`SourceText`) to check every quote against
    instead of each manifest's. Raises :class:`ScPolicyError` (exit 2) when the check
    cannot run: no tree, an unknown version, an unreadable ``source``.
    """
    if not isinstance(tree, PolicyTree):
        tree = PolicyTree(resolve_root(tree))
    if source is not None and not isinstance(source, SourceText):
        source = read_source(source)
    refs = tree.refs()
    chosen = _select(refs, version_ids, tree.root)
    loaded = [tree.load(ref) for ref in refs]
    life = lifecycle_findings(loaded)
    out: List[Diagnostic] = []
    for lv in loaded:
        if lv.ref not in chosen:
            continue
        prefix = lv.ref.rel + "/"
        extra = [f for f in life if f.span.path.startswith(prefix)]
        out.extend(check_version(lv, tree.root, refdata=refdata, source=source, extra=extra,
                                 compiled=compiled(lv) if compiled is not None and lv.version is not None else None))
    # Life-cycle findings outside every version folder (none today) are kept as they are.
    out.extend(f for f in life if not f.span.path.startswith(tuple(r.rel + "/" for r in refs)))
    pending = pending_change(tree.root)
    if pending is not None:
        out.append(Diagnostic(Span(JOURNAL_NAME), "error", "interrupted-change", pending))
    return sorted(out)
