"""What hovering over a code or a citation's line shows: Statistics Canada's words and the source's.

- a NOC 2016 code (an occupation's ``code``, a test's ``noc``, a resolution's ``codes``): its official
  title, its skill level, and the areas of the version that list it (with the title they publish);
  a five-digit NOC 2021 code: the NOC 2016 unit groups it corresponds to;
- a NAICS code (an area's ``industries``, a test's ``industry``): its official NAICS Canada 2017 title;
- the ``line`` of a citation: that line of the version's source document;
- a fact a clause reads (in its ``when`` or ``condition``, or a ``{placeholder}`` of its ``explain``): the
  fact's type, family and meaning, as completion offers it;
- an interpretation's id where a clause rests on it: its question, its reading and the passages it cites;
  an area's or a clause's id where a rule file names it (:mod:`~sc_policy.lsp.references`): its title;
- the version a manifest ``supersedes``: its title, status and period, as its manifest says.

Every text from a rule file, the source or the tables is shown escaped, never as markup.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional, Sequence

from sc_policy.diagnostics import ScPolicyError
from sc_policy.engine.facts import FACTS
from sc_policy.load.policytext import read_source
from sc_policy.lsp.context import context_at, token_at
from sc_policy.lsp.overlay import Checked, Place
from sc_policy.lsp.references import AREA, CLAUSE, VERSION, Reference, entry_of, reference_at, superseded_manifest
from sc_policy.model import Version
from sc_policy.reference.statcan import ReferenceData, skill_level

__all__ = ["hover_text", "LEVELS"]

LEVELS = {
    "0": "management occupations",
    "A": "usually a university education",
    "B": "usually college education or apprenticeship training",
    "C": "usually secondary school and/or occupation-specific training",
    "D": "on-the-job training is usually given",
}
"""What each NOC 2016 skill level stands for (NOC 2016's skill level types)."""

NOC_KEYS = ("code", "noc", "codes")
NAICS_KEYS = ("industry",)

_MARKUP = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")


def escaped(text: str) -> str:
    """``text`` shown as it is in Markdown (every character that could be markup escaped)."""
    return _MARKUP.sub(r"\\\1", " ".join(text.split()))


def _noc(code: str, version: Optional[Version], refdata: ReferenceData, checked: bool = True) -> str:
    unit = refdata.noc2016.get(code)
    if unit is None:
        near = refdata.nearest_nocs_text(code)
        return (f"**NOC 2016 {code}**: not a NOC 2016 unit group"
                + (f"  \nnearest: {escaped(near)}" if near else ""))
    level = skill_level(code)
    text = [f"**NOC 2016 {code}** {escaped(unit.title)}",
            f"skill level {level}: {LEVELS.get(level, 'unknown')}",
            f"minor group {unit.minor_group} {escaped(unit.minor_group_title)}"]
    if version is None:
        text.append("areas: not known (the version does not load; see its errors)" if checked
                    else "areas: not known yet (the version is being checked)")
    else:
        areas = [(area, area.listed[code]) for area in version.areas if code in area.listed]
        if areas:
            text.append("listed by: " + "; ".join(
                f"{escaped(area.id)} (as {escaped(entry.title)}, NOC {escaped(entry.level)}"
                + (f", code assigned by resolution {escaped(entry.assigned_by)})" if entry.assigned_by else ")")
                for area, entry in areas))
        else:
            text.append(f"listed by no area of version {escaped(version.manifest.id)}")
    return "  \n".join(text)


def _noc2021(code: str, refdata: ReferenceData) -> Optional[str]:
    found = refdata.concordance.get(code)
    if not found:
        return None
    title = found[0].noc2021_title
    olds = "; ".join(f"{c.noc2016} {escaped(refdata.noc_title(c.noc2016) or '')}" for c in found)
    return f"**NOC 2021 {code}** {escaped(title)}  \ncorresponds to NOC 2016: {olds}"


def _naics(code: str, refdata: ReferenceData) -> str:
    industry = refdata.naics2017.get(code)
    if industry is None:
        near = refdata.nearest_naics_text(code)
        return (f"**NAICS Canada 2017 {code}**: not a NAICS Canada 2017 code"
                + (f"  \nnearest: {escaped(near)}" if near else ""))
    return f"**NAICS Canada 2017 {code}** {escaped(industry.title)}  \nsector {escaped(industry.sector)}"


def _source_line(number: int, place: Place, version: Optional[Version], checked: bool = True) -> str:
    if version is None:
        if not checked:
            return "the source document is not known yet (the version is being checked)"
        return "the source document is not known (the version's manifest does not load)"
    file = version.manifest.source_file
    shown = f"{place.folder.parent.name}/{file}"
    try:
        source = read_source(Path(place.source_folder) / file, shown)
    except ScPolicyError as exc:
        return escaped(exc.line())
    if not 1 <= number <= len(source.lines):
        return f"{escaped(shown)} has no line {number} (it has {len(source.lines)})"
    return f"**{escaped(shown)}, line {number}**  \n{escaped(source.lines[number - 1]) or '(empty line)'}"


def _fact(text: str, name: str, start: int, end: int, place: Place, context) -> Optional[str]:
    """The hover of a fact a clause reads at ``text[start:end]``: a name in its expressions (not inside a
    string), a ``{placeholder}`` of its templates (not a word of their text); None for anything else."""
    spec = FACTS.get(name)
    if spec is None or not place.rel.startswith("clauses/"):
        return None
    before, after = text[start - 1:start], text[end:end + 1]
    if context.within("explain"):
        if (before, after) != ("{", "}"):
            return None
    elif not context.within("when", "condition") or before in ("'", '"') or after in ("'", '"'):
        return None
    return f"**fact `{name}`** {escaped(spec.type)} ({escaped(spec.family)} fact)  \n{escaped(spec.doc)}"


def _superseded(reference: Reference, place: Place) -> str:
    """The hover of the version a manifest's ``supersedes`` names: its title, status and period, as its
    manifest on the disk says."""
    head = f"**version `{reference.id}`**"
    manifest = superseded_manifest(reference, place)
    data = manifest.data if manifest is not None else None
    if not isinstance(data, dict):
        return f"{head}: policy {escaped(place.folder.parent.name)} has no such version that loads (no folder " \
               f"{escaped(reference.id)} with a readable version.yaml beside this version's)"
    text = [f"{head} {escaped(str(data.get('title', '')))}".rstrip()]
    text.append(f"status: {escaped(str(data.get('status', '')))}; in force from "
                f"{escaped(str(data.get('effective_from') or 'no date'))} to {escaped(str(data.get('effective_to') or 'no end'))}")
    return "  \n".join(text)


def _named(reference: Reference, version: Optional[Version], checked: bool) -> str:
    """The hover of an id naming an interpretation, an area or a clause."""
    head = f"**{reference.kind} `{reference.id}`**"
    if version is None:
        return head + (": not known (the version does not load; see its errors)" if checked
                       else ": not known yet (the version is being checked)")
    entry = entry_of(reference, version)
    if entry is None:
        return f"{head}: version {escaped(version.manifest.id)} has no such {reference.kind} (as last checked)"
    if reference.kind in (AREA, CLAUSE):
        return f"{head} {escaped(entry.title)}"
    text = [head, f"question: {escaped(entry.question)}", f"reading: {escaped(entry.reading)}"]
    text += [f"line {c.line}: {escaped(c.quote)}" for c in entry.source]
    if entry.areas:
        text.append(f"bears on the areas: {escaped(', '.join(entry.areas))}")
    return "  \n".join(text)


def hover_text(lines: Sequence[str], line: int, column: int, place: Place, checked: Optional[Checked],
               refdata: ReferenceData) -> Optional[tuple]:
    """(Markdown text, start column, end column) of the hover at 0-based ``line`` and ``column`` (in
    characters) of a rule file, or None when the cursor is on nothing that has one."""
    if not 0 <= line < len(lines):
        return None
    found = token_at(lines[line], column)
    if found is not None and found[0] in FACTS:
        token, start, end = found
        text = _fact(lines[line], token, start, end, place, context_at(lines, line, start))
        if text:
            return text, start, end
    reference = reference_at(lines, line, column, place)
    if reference is not None and reference.kind == VERSION:
        return _superseded(reference, place), reference.start, reference.end
    if reference is not None:
        version = checked.version if checked is not None else None
        return _named(reference, version, checked is not None), reference.start, reference.end
    if found is None or not (found[0].isascii() and found[0].isdigit()):
        return None  # only ASCII digits are a number or a code (YAML reads "\u00b2" or "\uff11\uff17" as text)
    token, start, end = found
    context = context_at(lines, line, start)
    version = checked.version if checked is not None else None
    if context.key == "line":  # no line has more digits than the schema's 9 (int() refuses over 4,300)
        text = _source_line(int(token), place, version, checked is not None) if len(token) <= 9 else None
    elif context.key in NAICS_KEYS or context.within("industries"):
        text = _naics(token, refdata)
    elif context.key in NOC_KEYS and len(token) == 4:
        text = _noc(token, version, refdata, checked is not None)
    elif context.key in NOC_KEYS and len(token) == 5:
        text = _noc2021(token, refdata)
    else:
        return None
    return (text, start, end) if text else None
