"""Turn answers, findings and version lists into text, JSON or Markdown.

Renderers only read finished results; they decide nothing. JSON output is built
from plain dicts in a fixed order and dumped the same way every time, so the
same inputs under the same version give byte-identical JSON. Text output shows
every control character as an escape (:func:`~sc_policy.diagnostics.visible`): rule
files are text, and a template's ``\x1b]0;...\x07`` must not reach a terminal.
"""

from __future__ import annotations

import json
from typing import Dict, Iterable, List, Optional

from sc_policy.engine.changes import NO_CHANGES
from sc_policy.present.changes import changes_text, industry_phrase
from sc_policy.engine.results import Answer, Decision
from sc_policy.model import FAIL, NOT_APPLICABLE, PASS, Version
from sc_policy.reference.statcan import ReferenceData, reference_data
from sc_policy.diagnostics import visible
from sc_policy.present.lines import WIDTH, parts_sentence, unresolved_line
from sc_policy.present.lines import one_line as _one_line, part_lines as _part_lines, wrap as _wrap

__all__ = ["answer_to_dict", "answer_json", "answer_text", "dumps", "compact_dumps", "industry_label",
           "versions_text", "relabelled", "visible", "VIEWS", "WIDTH"]

_MARK = {PASS: "PASS", FAIL: "FAIL", NOT_APPLICABLE: "N/A"}


def dumps(obj) -> str:
    """The one JSON encoding of the package: UTF-8 text, two-space indent, a final newline."""
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def compact_dumps(obj) -> str:
    """The same JSON on one line, without spaces, and a final newline: what the service sends by
    default (``json.dumps`` with an indent runs in pure Python; this runs in its C encoder)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


VIEWS = ("full", "brief")
"""The views of a decision: ``full`` (the README's shape, with every clause's sources and the
resolutions' texts) and ``brief`` (the same decision without the quotes: per area its clauses'
results and reasons, the resolutions by id, no nearby occupations and no changes)."""

Sources = Dict[tuple, list]
"""A memory of the ``source`` lists already made: a clause's citations are the same objects in
every decision of a version, so a caller that keeps one (per service) makes each list once."""


def _sources(source: tuple, memo: Optional[Sources]) -> list:
    if memo is None:
        return [s.as_dict() for s in source]
    found = memo.get(source)
    if found is None:
        found = memo[source] = [s.as_dict() for s in source]
    return found


def _clause_dict(c, why, full: bool, memo: Optional[Sources]) -> dict:
    """One clause result; the brief view leaves out its title and sources."""
    out = {"clause": c.clause, "clause_version": c.clause_version}
    if full:
        out["title"] = c.title
    out.update(result=c.result, reason=c.reason)
    if full:
        out["source"] = _sources(c.source, memo)
    out["deciding"] = bool(why is not None and why.deciding == c.clause)
    out["follows_from"] = why.follows_from(c.clause) if why is not None else None
    out["interpretations"] = list(c.interpretations)
    return out


def _decision_dict(d: Decision, view: str = "full", memo: Optional[Sources] = None, reasons=()) -> dict:
    """One candidate's decision: the brief view has neither the titles, the sources, the resolutions'
    texts nor the nearby occupations and changes."""
    by_area = {r.area: r for r in reasons}
    full = view != "brief"
    areas = []
    for a in d.areas:
        area = {"area": a.area, "title": a.title} if full else {"area": a.area}
        area["in_scope"] = a.in_scope
        area["clauses"] = [_clause_dict(c, by_area.get(a.area), full, memo) for c in a.clauses]
        area["resolutions"] = list(a.resolutions)
        area["interpretations"] = list(a.interpretations)
        areas.append(area)
    out = {"noc": d.noc, "noc_title": d.noc_title, "noc_level": d.noc_level,
           "verdict": "eligible" if d.eligible else "not_eligible", "eligible": d.eligible, "areas": areas}
    if not full:
        return out
    out.update({
        "resolutions": [r.as_dict() for r in d.resolutions],
        "interpretations": [i.as_dict() for i in d.interpretations],
        "nearby": [n.as_dict() for n in d.nearby],
        "changes": d.changes.as_dict(),
    })
    return out


def answer_to_dict(answer: Answer, view: str = "full", sources: Optional[Sources] = None) -> dict:
    """The decision as JSON-ready data (the shape the README documents), in one of :data:`VIEWS`.
    Both views share every field but the areas' details, the resolutions, the nearby occupations and
    the changes that would make the case eligible. Another view is a ValueError (a misspelt one would
    otherwise be the full view, unseen)."""
    if view not in VIEWS:
        raise ValueError(f"no view {view!r}: the views are {', '.join(VIEWS)}")
    only = answer.candidates[0] if len(answer.candidates) == 1 else None
    out = {
        "policy": answer.policy,
        "version": answer.version,
        "version_hash": answer.version_hash,
        "noc_version": answer.noc.version,
        "input": {
            "noc": answer.noc.code,
            "noc_title": answer.noc.title,
            "noc_version": answer.noc.version,
            "industry": answer.industry,
            "industry_title": answer.industry_title,
        },
        "verdict": answer.verdict,
        "eligible": answer.eligible,
        "reason": answer.reason,
        "decided_on": answer.decided_on,
        "industry_parts": [p.as_dict() for p in answer.industry_parts],
        "unresolved": [u.as_dict() for u in answer.unresolved],
    }
    full = view != "brief"
    if only is not None:
        body = _decision_dict(only, view, sources, answer.reasons[0] if answer.reasons else ())
        out["areas"] = body["areas"]
        if full:
            out.update({"resolutions": body["resolutions"], "interpretations": body["interpretations"],
                        "nearby": body["nearby"], "changes": body["changes"]})
    else:
        out["areas"] = []
        if full:
            out.update({"resolutions": [], "interpretations": [], "nearby": [], "changes": NO_CHANGES.as_dict()})
    out["candidates"] = ([_decision_dict(d, view, sources, r) for d, r in
                          zip(answer.candidates, answer.reasons or ((),) * len(answer.candidates))]
                         if answer.noc.version == "2021" else [])
    return out


def answer_json(answer: Answer) -> str:
    """The answer as JSON text (:func:`answer_to_dict`'s full view, :func:`dumps`): the bytes
    ``sc-policy explain --format json`` prints."""
    return dumps(answer_to_dict(answer))


def industry_label(entry) -> str:
    """How an answer labels an industry entry: the source's own words, or, for a code the source does
    not publish, that the analyst derived it and from which lines."""
    if entry.shown_as_published:
        return f"published: {entry.description}"
    return f"not published, derived from {entry.derived_from}: {entry.description}"


def _definition_lines(version: Version, area_id: str, refdata: ReferenceData) -> List[str]:
    area = version.area(area_id)
    if area is None:
        return []
    lines = []
    for label, entries in (("includes", area.include), ("excludes", area.exclude)):
        for e in entries:
            official = refdata.naics_title(e.code) or "not in NAICS Canada 2017"
            lines += _wrap(f"{label} NAICS {e.code} {official} ({industry_label(e)})", "      ", "    - ")
    return lines


def _decision_text(d: Decision, version: Version, refdata: ReferenceData, resolutions: dict, parts) -> List[str]:
    lines = []
    for a in d.areas:
        lines.append(f"{a.title} ({a.area}): {'IN SCOPE' if a.in_scope else 'not in scope'}")
        lines.append("  Industry definition:")
        lines += _definition_lines(version, a.area, refdata) + _part_lines(parts, a.area, (d.noc,))
        for c in a.clauses:
            lines += _wrap(f"{c.title} [{c.clause} v{c.clause_version}]", "         ", f"  {_MARK[c.result]:<6} ")
            lines += _wrap(c.reason, "         ")
            for s in c.source:
                lines += _wrap(f"Source, line {s.line}: \u201c{s.quote}\u201d", "           ", "         ")
        for rid in a.resolutions:
            r = resolutions[rid]
            lines += _wrap(f"Resolution {r.id}: {r.decision}", "    ", "  Note: ")
        lines.append("")
    if d.changes:
        lines += changes_text(d.changes, d.industry) + [""]
    return lines


def _lines_of(source) -> str:
    """`` [lines 62, 80]``: the source lines a clause or resolution rests on."""
    lines = sorted({s.line for s in source})
    if not lines:
        return ""
    return f" [line{'s' if len(lines) > 1 else ''} {', '.join(str(n) for n in lines)}]"


def _changes_brief(changes, industry: Optional[str]) -> List[str]:
    """What would change the answer, in a few lines: the occupations by code (with the areas that would
    take them), each other employer's industries in full (the full answer names the occupations)."""
    if not changes:
        return []
    lines = ["What would change the answer:"]
    if changes.occupations:
        kept = "the same industry" if industry else "no employer industry"
        lines += _wrap(f"another occupation ({kept}): " + ", ".join(
            f"{o.noc} ({', '.join(o.areas)})" for o in changes.occupations), "      ", "  - ")
    for i in changes.industries:
        lines += _wrap(f"another employer: {industry_phrase(i)}", "      ", "  - ")
    return lines


def _summary_text(d: Decision, reasons, brief: bool, parts=()) -> List[str]:
    """One line per area, and one line per clause: result, id, the lines it rests on, the reason (or
    the clause it follows from). The area's deciding clause gives its reason in full, the others on
    one line. ``brief`` (one of several candidates): the area lines alone, each with its deciding clause."""
    by_area = {r.area: r for r in reasons}
    lines = []
    for a in d.areas:
        why = by_area.get(a.area)
        scope = "IN SCOPE" if a.in_scope else "not in scope"
        if brief:
            c = next((c for c in a.clauses if why and c.clause == why.deciding), None)
            lines.append(_one_line(f"{a.title} ({a.area}): {scope}" +
                                   (f", {_MARK[c.result]} {c.clause}: {c.reason}" if c else ""), "  "))
            lines += _part_lines(parts, a.area, (d.noc,))
            continue
        lines += _wrap(f"{a.title} ({a.area}): {scope}" + (
            f"; resolution{'s' if len(a.resolutions) > 1 else ''} {', '.join(a.resolutions)}"
            if a.resolutions else ""), "    ", "")
        for c in a.clauses:
            follows = why.follows_from(c.clause) if why else None
            reason = f"follows from {follows}, the same cause." if follows else c.reason
            text = f"{c.clause}{_lines_of(c.source)}: {reason}"
            if why and c.clause == why.deciding:
                lines += _wrap(text, "         ", f"  {_MARK[c.result]:<6} ")
            else:
                lines.append(_one_line(text, f"  {_MARK[c.result]:<6} "))
        lines += _part_lines(parts, a.area, (d.noc,))
    return lines


def _notes_full(resolutions, readings) -> List[str]:
    """The resolutions that bear on an answer with their findings, and the interpretations with their
    questions, readings and lines."""
    lines: List[str] = []
    if resolutions:
        lines.append("Analyst's resolutions of the source's contradictions that bear on this answer:")
        for r in resolutions:
            lines += _wrap(f"{r.id}: {r.finding}", "      ", "  - ")
            lines += _wrap(f"Decision: {r.decision}", "      ")
        lines.append("")
    if readings:
        lines.append("Analyst's interpretations where the source is silent that bear on this answer:")
        for i in readings:
            lines += _wrap(f"{i.id}: {i.question}", "      ", "  - ")
            lines += _wrap(f"Reading: {i.reading}", "      ")
            cited = [str(c.line) for c in i.source]
            lines += _wrap(f"Rests on line{'s' if len(cited) > 1 else ''} {', '.join(cited)}.", "      ")
    return lines


def _deciding_readings(answer: Answer, version: Version) -> Dict[str, object]:
    """The interpretations that decide the answer: those the deciding clause rests on in each area the
    deciding reason names (the areas in scope; else the areas that list the occupation; else every area),
    and, in an area in scope, those of each clause that does not apply: the area is in scope because it
    does not, so the reading that says when it applies decides too (with no industry, phase-1.1's
    industries-and-lists-combine admits 2174 as much as 7511), when a clause that applies there rests on it
    as well: a reading that only clauses that do not apply rest on has nothing to decide (with no industry,
    phase-1.2's naics-canada-2017, the edition of an industry code not given)."""
    out: Dict[str, object] = {}
    for d, reasons in zip(answer.candidates, answer.reasons or ((),) * len(answer.candidates)):
        chosen = {r.area: r.deciding for r in reasons}
        named = [a for a in d.areas if a.in_scope] or [a for a in d.areas if d.noc in (
            version.area(a.area).listed if version.area(a.area) else ())] or d.areas
        ids = set()
        for a in named:
            applying = {i for c in a.clauses if c.result != NOT_APPLICABLE for i in c.interpretations}
            ids.update(i for c in a.clauses for i in c.interpretations if chosen.get(a.area) == c.clause or (
                a.in_scope and c.result == NOT_APPLICABLE and i in applying))
        out.update((i.id, i) for i in d.interpretations if i.id in ids)
    return out


def answer_text(answer: Answer, version: Version, refdata: Optional[ReferenceData] = None, *,
                full: bool = False) -> str:
    """A plain-text explanation that reads well at 100 columns and pastes into a case file.

    It opens with the verdict and the deciding reason; then one line per area and per clause, and
    the resolutions that bear on the answer. ``full``: every clause's definition and quotes in full.
    """
    refdata = refdata or reference_data()
    m = version.manifest
    resolutions = {r.id: r for r in version.resolutions}
    when = f", decided on {answer.decided_on}" if answer.decided_on else ""
    lines = _wrap(f"{m.title}: policy {m.policy}, version {m.id} ({m.status}){when}, "
                  f"sha256 {version.content_hash}", "  ", "")
    lines += _wrap(f"Occupation: NOC {answer.noc.version} {answer.noc.code} {answer.noc.title}", "            ", "")
    if answer.noc.version == "2021":
        lines += _wrap("NOC 2016 unit groups (Statistics Canada concordance): " + "; ".join(
            f"{d.noc} {d.noc_title}" for d in answer.candidates), "            ", "            ")
    industry = (f"NAICS {answer.industry} {answer.industry_title}" if answer.industry
                else "none given (industry clauses are not applicable)")
    lines += _wrap(industry, "            ", "Industry:   ")
    verdict = {"eligible": "ELIGIBLE", "not_eligible": "NOT ELIGIBLE", "indeterminate": "INDETERMINATE"}[answer.verdict]
    lines.append("")
    lines += _wrap(f"Verdict: {verdict}. {answer.reason}", "         ", "")
    if answer.verdict == "indeterminate":
        lines += _wrap("Pick the candidate that matches the case.", "         ")
    partly = parts_sentence(answer.industry_parts)
    if partly:
        lines += _wrap(partly, "         ")
    lines.append("")
    reasons = answer.reasons or ((),) * len(answer.candidates)
    for d, r in zip(answer.candidates, reasons):
        if len(answer.candidates) > 1 or answer.noc.version == "2021":
            lines += _wrap(f"== Candidate NOC 2016 {d.noc} {d.noc_title}: "
                           f"{'eligible' if d.eligible else 'not eligible'}", "   ", "")
            lines.append("")
        parts = answer.industry_parts if full or len(answer.candidates) == 1 else tuple(
            p for p in answer.industry_parts if p.may_change((d.noc,)))  # brief: each candidate's own, that bear
        if full:
            lines += _decision_text(d, version, refdata, resolutions, parts)
        else:
            lines += _summary_text(d, r, len(answer.candidates) > 1, parts)
            lines += _changes_brief(d.changes, d.industry)
            lines.append("")
    applied = {r.id: r for d in answer.candidates for r in d.resolutions}
    if full:
        lines += _notes_full(applied.values(), {i.id: i for d in answer.candidates for i in d.interpretations}.values())
        lines += _unresolved_lines(answer)
        lines += [""] + _wrap(f"Source document (the lines cited above are its lines): {m.source_title}, sha256 "
                              f"{m.source_sha256}", "  ", "")
        lines = [line for i, line in enumerate(lines) if line or i == 0 or lines[i - 1]]  # one blank between parts
        return visible("\n".join(line.rstrip() for line in lines).rstrip() + "\n")
    readings = _deciding_readings(answer, version)
    if applied or readings or answer.unresolved:  # a line each: --full gives their texts, and every interpretation
        open_keys = ", ".join(u.key for u in answer.unresolved)
        head = ("The analyst's resolutions that bear on this answer, and interpretations that decide it:"
                if not open_keys else f"Resolutions and interpretations for this answer; unresolved: {open_keys}"
                if applied or readings else f"Contradictions of the source left unresolved here: {open_keys}")
        if lines[-1] == "":  # the block follows the last area's lines as each area follows the one before it
            lines.pop()
        lines += _wrap(head, "  ", "")
        for r in applied.values():
            lines.append(_one_line(f"{r.id}{_lines_of(r.source)}: {r.decision}", "  - "))
        for i in readings.values():
            lines.append(_one_line(f"interpretation {i.id}{_lines_of(i.source)}: {i.reading}", "  - "))
        lines += [unresolved_line(u) for u in answer.unresolved]  # what each key on the heading is
    return visible("\n".join(line.rstrip() for line in lines).rstrip() + "\n")


def _unresolved_lines(answer: Answer) -> List[str]:
    """The source's contradictions that bear on the answer and that no resolution resolves, in full."""
    if not answer.unresolved:
        return []
    lines = ["", "Contradictions of the source that bear on this answer, which no resolution resolves:"]
    for u in answer.unresolved:
        lines += _wrap(f"{u.key}: {u.message}", "      ", "  - ")
    return lines


def versions_text(rows: Iterable[dict]) -> str:
    """One entry per version: id, status, period (assumed dates marked), title and content hash."""
    lines = []
    for r in rows:
        assumed = r.get("assumptions") or {}

        def date(field):
            value = r.get(field) or ("open" if field == "effective_to" else "unknown")  # (an invalid manifest)
            return f"{value} (assumed)" if field in assumed else value

        lines += _wrap(f"{r['policy']} {r['id']} ({r['status']}): in force {date('effective_from')} to "
                       f"{date('effective_to')}. {r['title']}", "    ", "")
        if r.get("content_hash") and r.get("integrity") == "modified":
            lines.append(f"    sha256 {r['content_hash']} MODIFIED since frozen")
            lines.append(f"    frozen with sha256 {r['sha256']}")
        elif r.get("content_hash"):
            frozen = "frozen" if r.get("frozen") else "not frozen" if not relabelled(r) else \
                "not frozen, but its manifest records the hashes of a freeze: a frozen version relabelled draft?"
            lines += _wrap(f"sha256 {r['content_hash']} ({frozen})", "      ", "    ")
        if r.get("problem"):
            lines += _wrap(r["problem"], "    ")
        for field, text in sorted(assumed.items()):
            lines += _wrap(f"{field} is an assumption: {text}", "      ", "    ")
    return visible("\n".join(lines) + "\n")


def relabelled(row: dict) -> bool:
    """A draft whose manifest records a freeze's hashes (``check``'s ``draft-hashed``): only ``freeze`` writes
    them, so it is most likely a frozen version relabelled, which escapes its hash checks."""
    return row.get("status") == "draft" and bool(row.get("sha256") or row.get("table_sha256"))
