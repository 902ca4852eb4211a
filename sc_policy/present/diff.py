"""Show a :class:`~sc_policy.analysis.diff.VersionDiff` as text (a terminal, a review) or Markdown (a change request).

Renderers only read the finished diff. Both formats are sorted the way the diff
is (structural changes by section, impact rows by group, NOC and industry), so
the same two versions always give the same bytes; text lines fit in 100 columns.
"""

from __future__ import annotations

import json
import re
import textwrap
from typing import List, Optional, Tuple

from sc_policy.analysis.diff import CHANGE_GROUPS, Change, ClauseChange, ImpactRow, VersionDiff
from sc_policy.diagnostics import Span
from sc_policy.model import Version
from sc_policy.present.lines import RESULT_WORDS
from sc_policy.present.render import WIDTH, dumps, visible

__all__ = ["diff_text", "diff_markdown", "diff_json", "describe_change", "describe_reasons"]

GROUP_TITLES = {"now_eligible": "Now eligible", "no_longer_eligible": "No longer eligible",
                "areas_changed": "Eligible under different areas"}
ALIKE = "Decided alike but explained otherwise"
"""The inputs whose areas in scope are the same under both versions but some clause's result is not."""


def diff_json(diff: VersionDiff) -> str:
    return dumps(diff.as_dict())


def _value(value) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return " ".join(value.split()) or "(empty)"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _areas(areas: Tuple[str, ...]) -> str:
    return ", ".join(areas) if areas else "none"


def describe_change(ch: Change) -> Tuple[str, List[Tuple[str, str, str]]]:
    """A one-sentence summary of a change, and its (field, old, new) details."""
    d = ch.as_dict()
    k = ch.kind
    where = f"area {d.get('area')}: " if "area" in d else ""
    if k == "manifest_changed":
        return f"manifest: {d['field']} changed", [(d["field"], _value(d["old"]), _value(d["new"]))]
    if k == "clause_added":
        details = [("applies_to", "", _value(d["applies_to"])), ("when", "", _value(d["when"])),
                   ("condition", "", _value(d["condition"]))]
        return f"clause {d['clause']} added (version {d['version']}): {d['title']}", details
    if k == "clause_removed":
        return f"clause {d['clause']} removed (was version {d['version']}): {d['title']}", []
    if k == "clause_changed":
        names = ", ".join(f["field"] for f in d["fields"]) or "version only"
        return (f"clause {d['clause']} changed (version {d['old_version']} -> {d['new_version']}): {names}",
                [(f["field"], _value(f["old"]), _value(f["new"])) for f in d["fields"]])
    if k == "area_added":
        return (f"area {d['area']} added: {d['title']}",
                [("occupations", "", _value(d["occupations"])), ("include", "", _value(d["include"])),
                 ("exclude", "", _value(d["exclude"]))])
    if k == "area_removed":
        return f"area {d['area']} removed: {d['title']}", []
    if k == "area_changed":
        return f"{where}{d['field']} changed", [(d["field"], _value(d["old"]), _value(d["new"]))]
    if k.startswith("naics_"):
        _, which, what = k.split("_")
        noun = "inclusion" if which == "include" else "exclusion"
        if what == "changed":
            return f"{where}NAICS {noun} {d['naics']} re-described or re-cited", [
                ("entry", _value(d["old"]), _value(d["new"]))]
        return f"{where}NAICS {noun} {d['naics']} {what}: {d['description']}", []
    code = d.get("noc") or "(no code)"
    if k in ("occupation_added", "occupation_removed"):
        return f"{where}occupation {code} {k.split('_')[1]} (level {d['level']}): {d['title']}", []
    if k == "occupation_retitled":
        return f"{where}occupation {code} re-titled", [("title", _value(d["old"]), _value(d["new"]))]
    if k == "occupation_relevelled":
        return f"{where}occupation {code} re-levelled", [("level", _value(d["old"]), _value(d["new"]))]
    if k == "occupation_cited":
        return f"{where}occupation {code} cited differently", [("source", _value(d["old"]), _value(d["new"]))]
    if k == "occupation_repeats_changed":
        if d["old"] == d["new"]:  # as many entries, one of the later ones edited (its level, title or citation)
            return f"{where}occupation {code}: a repeated entry of it changed", [
                ("entries", _value(d["old"]), _value(d["new"]))]
        return f"{where}occupation {code} listed a different number of times", [
            ("entries", _value(d["old"]), _value(d["new"]))]
    if k in ("resolution_added", "resolution_removed"):
        return f"resolution {d['resolution']} {k.split('_')[1]}: {d['finding']}", []
    if k == "resolution_changed":
        return (f"resolution {d['resolution']} changed: {', '.join(f['field'] for f in d['fields'])}",
                [(f["field"], _value(f["old"]), _value(f["new"])) for f in d["fields"]])
    if k in ("interpretation_added", "interpretation_removed"):
        return f"interpretation {d['interpretation']} {k.split('_')[1]}: {d['question']}", (
            [("reading", "", _value(d["reading"]))] if k == "interpretation_added" else [])
    if k == "interpretation_changed":
        return (f"interpretation {d['interpretation']} changed: {', '.join(f['field'] for f in d['fields'])}",
                [(f["field"], _value(f["old"]), _value(f["new"])) for f in d["fields"]])
    if k == "test_changed":
        return (f"test case {d['test']} changed: {', '.join(f['field'] for f in d['fields'])} ({d['file']})",
                [(f["field"], _value(f["old"]), _value(f["new"])) for f in d["fields"]])
    if k == "test_renamed":
        fields = d["fields"]
        what = f"and changed: {', '.join(f['field'] for f in fields)}" if fields else "otherwise unchanged"
        return (f"test case {d['was']} renamed to {d['test']}, {what} ({d['file']})",
                [(f["field"], _value(f["old"]), _value(f["new"])) for f in fields])
    if k.startswith("test_"):
        return f"test case {d['test']} {k.split('_')[1]} ({d['file']})", []
    if k == "file_changed":
        return f"file {d['file']} {d['change']}", []
    return f"{k}: {_value(d)}", []  # pragma: no cover - every kind the diff makes is handled above


def _places(ch: Change) -> List[Tuple[str, Span]]:
    """Where a change is in the old and the new version's files (``old`` / ``new``, each when it has one)."""
    return [(label, span) for label, span in (("old", ch.old_at), ("new", ch.new_at)) if span is not None]


def _wrap(text: str, first: str, rest: str) -> List[str]:
    return textwrap.wrap(" ".join(text.split()), WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=True) or [first.rstrip()]


def _version_line(label: str, v: Version) -> List[str]:
    m = v.manifest
    to = m.effective_to.isoformat() if m.effective_to else "open"
    lines = _wrap(f"{m.id}: {m.title}", f"  {label}: ", " " * 7)
    lines += _wrap(f"status {m.status}, effective {m.effective_from.isoformat()} to {to}", " " * 7, " " * 7)
    lines.append(f"       sha256 {v.content_hash}")
    return lines


_RESULT_WORDS = {**RESULT_WORDS, None: "absent"}
"""A clause's result in an impact row's reasons, as explain shows it (absent: the version applies no clause
of that id to the area)."""


def describe_reasons(reasons: Tuple[ClauseChange, ...]) -> str:
    """Why a row's areas changed: ``AREA: CLAUSE OLD -> NEW`` for each clause that decides it otherwise."""
    return "; ".join(f"{r.area}: {r.clause} {_RESULT_WORDS[r.before]} -> {_RESULT_WORDS[r.after]}"
                     for r in reasons)


def _row_line(r: ImpactRow) -> List[str]:
    ind = r.industry or "none"
    lines = _wrap(f"{_areas(r.before)} -> {_areas(r.after)}: {r.noc_title}", f"  {r.noc:<5} {ind:<7} ", " " * 16)
    if r.reasons:
        lines += _wrap(f"why: {describe_reasons(r.reasons)}", " " * 16, " " * 21)
    return lines


def diff_text(diff: VersionDiff, *, not_computed: str = "not asked for") -> str:
    """The diff as text; ``not_computed`` says why there is no impact, when there is none (the caller's words)."""
    old, new = diff.old, diff.new
    lines = _wrap(f"sc-policy diff: policy {new.policy}, version {old.id} -> {new.id}" if old.policy == new.policy else
                  f"sc-policy diff: policies differ: version {old.policy}/{old.id} -> {new.policy}/{new.id}", "", "  ")
    lines += _version_line("old", old) + _version_line("new", new)
    lines.append("")
    lines.append(f"Structural changes: {len(diff.changes) or 'none'}")
    for ch in diff.changes:
        summary, details = describe_change(ch)
        lines += _wrap(summary, "  - ", "    ")
        for label, span in _places(ch):
            lines += _wrap(f"{label} at {span}", "      ", "        ")
        for name, before, after in details:
            if before:
                lines += _wrap(f"{name} was: {before}", "      ", "        ")
                lines += _wrap(f"{name} now: {after}", "      ", "        ")
            else:
                lines += _wrap(f"{name}: {after}", "      ", "        ")
    lines.append("")
    imp = diff.impact
    if imp is None:
        lines.append(f"Impact: not computed ({not_computed}).")
        return visible("\n".join(line.rstrip() for line in lines) + "\n")
    n_ind = len(imp.industries)
    space = (f"{imp.nocs} NOC 2016 unit groups x {n_ind} industry inputs (no industry + one representative "
             f"of each of {n_ind - 1} industry classes) = {imp.nocs * n_ind} inputs, each decided under both "
             f"versions.")
    lines += _wrap(f"Impact: {space}", "", "  ")
    lines += _wrap(", ".join([f"{GROUP_TITLES[g].lower()}: {imp.count(g)}" for g in CHANGE_GROUPS] +
                             [f"{ALIKE.lower()}: {imp.alike}"]), "  ", "  ")
    lines.append("")
    lines.append("Industry inputs (a class's representative stands for every code in it):")
    for inp in imp.industries:
        size = f" ({len(inp.codes)} code{'s' if len(inp.codes) != 1 else ''})" if inp.representative else ""
        lines += _wrap(f"{inp.description}{size}", f"  {inp.representative or 'none':<7} ", " " * 10)
    for group in CHANGE_GROUPS:
        rows = [r for r in imp.rows if r.change == group]
        lines.append("")
        lines.append(f"{GROUP_TITLES[group]}: {len(rows) or 'none'}")
        if rows:
            lines.append("  NOC   NAICS   areas before -> after: NOC title (why: each clause deciding it otherwise)")
        for r in rows:
            lines += _row_line(r)
    lines += ["", f"{ALIKE}: {imp.alike or 'none'}"]
    if imp.alike:
        lines.append("  (areas in scope unchanged; each clause whose result differs, with its inputs)")
    for change, n in imp.alike_clauses:
        lines += _wrap(f"{describe_reasons((change,))}: {n} input{'s' if n != 1 else ''}", "  ", "    ")
    return visible("\n".join(line.rstrip() for line in lines) + "\n")


def _md(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _span(text) -> str:
    """``text`` as a code span of a list item, exactly: a pipe stays a pipe (outside a table ``\\|`` shows both
    characters; a condition's set union is ``|``), and a backtick in it does not end the span."""
    text = " ".join(str(text).split())
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_code(text: Optional[str]) -> str:
    return f"`{text}`" if text else "—"


def diff_markdown(diff: VersionDiff, *, not_computed: str = "not asked for") -> str:
    """The diff as Markdown; ``not_computed`` (Markdown, the caller's words) says why there is no impact."""
    old, new = diff.old, diff.new
    mo, mn = old.manifest, new.manifest
    out = [f"# Policy change: {_md(new.policy)} `{mo.id}` → `{mn.id}`" if old.policy == new.policy else
           f"# Policy change: {_md(old.policy)} `{mo.id}` → {_md(new.policy)} `{mn.id}` (policies differ)", "",
           "| | old | new |", "|---|---|---|",
           f"| version | `{mo.id}` | `{mn.id}` |",
           f"| title | {_md(mo.title)} | {_md(mn.title)} |",
           f"| status | {mo.status} | {mn.status} |",
           f"| in force | {mo.effective_from.isoformat()} to {mo.effective_to.isoformat() if mo.effective_to else 'open'}"
           f" | {mn.effective_from.isoformat()} to {mn.effective_to.isoformat() if mn.effective_to else 'open'} |",
           f"| content sha256 | `{old.content_hash}` | `{new.content_hash}` |", "",
           f"## Structural changes ({len(diff.changes)})", ""]
    if not diff.changes:
        out.append("None.")
    for ch in diff.changes:
        summary, details = describe_change(ch)
        out.append(f"- {_md(summary)}")
        places = _places(ch)
        if places:
            out.append("  - " + ", ".join(f"{label} at {_span(span)}" for label, span in places))
        for name, before, after in details:
            if before:
                out.append(f"  - {_md(name)}: was {_span(before)}, now {_span(after)}")
            else:
                out.append(f"  - {_md(name)}: {_span(after)}")
    out.append("")
    imp = diff.impact
    out.append("## Decision impact")
    out.append("")
    if imp is None:
        out.append(f"Not computed ({not_computed}).")
        return visible("\n".join(out) + "\n")
    n_ind = len(imp.industries)
    out.append(f"Exact, over the whole input space: {imp.nocs} NOC 2016 unit groups × {n_ind} industry inputs "
               f"(no industry, and one representative of each class of NAICS codes that both versions treat "
               f"alike) = {imp.nocs * n_ind} inputs, each decided under both versions.")
    out += ["", "| change | inputs |", "|---|---|"]
    out += [f"| {GROUP_TITLES[g]} | {imp.count(g)} |" for g in CHANGE_GROUPS]
    out.append(f"| {ALIKE} (areas in scope unchanged, a clause result differs) | {imp.alike} |")
    for group in CHANGE_GROUPS:
        rows = [r for r in imp.rows if r.change == group]
        out += ["", f"### {GROUP_TITLES[group]} ({len(rows)})", ""]
        if not rows:
            out.append("None.")
            continue
        out += ["| NOC | title | industry | industry class | before | after | why |",
                "|---|---|---|---|---|---|---|"]
        for r in rows:
            out.append(f"| {r.noc} | {_md(r.noc_title)} | {_md_code(r.industry)} | {_md(r.industry_class)} | "
                       f"{_md(_areas(r.before))} | {_md(_areas(r.after))} | {_md(describe_reasons(r.reasons))} |")
    out += ["", f"### {ALIKE} ({imp.alike})", ""]
    if imp.alike_clauses:
        out += ["| area | clause | before | after | inputs |", "|---|---|---|---|---|"]
        out += [f"| {_md(c.area)} | {_md(c.clause)} | {_RESULT_WORDS[c.before]} | {_RESULT_WORDS[c.after]} | {n} |"
                for c, n in imp.alike_clauses]
    else:
        out.append("None.")
    out += ["", "### Industry inputs", "", "| industry | class | NAICS codes |", "|---|---|---|"]
    for inp in imp.industries:
        out.append(f"| {_md_code(inp.representative)} | {_md(inp.description)} | {len(inp.codes) if inp.representative else '—'} |")
    return visible("\n".join(out) + "\n")
