"""Which id of another entry the cursor is on in a rule file, and where that entry is.

The rule files name each other's entries by id, in these places only (the schemas, ``schemas/*.yaml``):

- a clause: its ``applies_to`` and the keys of its ``area_source`` name areas, its ``rests_on`` names
  interpretations (``resolutions.yaml``);
- ``resolutions.yaml``: a resolution's ``affects`` and ``assigns`` name an area (``area``), and so does the
  subject of a key it ``resolves`` (``noc-a-limit:ict``, ``missing-code:manufacturing:...``: every check a
  resolution may resolve names the area first, but ``title-conflict``, which names a code); an
  interpretation's ``areas`` name areas;
- a test case: its expected ``areas``, and under its expected ``clauses`` the area ids (the keys) and the
  clause ids (the keys inside them);
- a manifest (``version.yaml``): its ``supersedes`` names another version of the policy, whose folder, beside
  this version's, has its id for name (the check ``folder-name`` sees to it).

Resolution ids are named by no rule file (the findings they resolve point at them). The cursor is read as
:mod:`~sc_policy.lsp.context` reads it (the text, valid YAML or not); where an entry is comes from the model
of the version as last checked (its spans, from the loader), else, for an area or a clause, from the file
its id names (``areas/<id>.yaml``, ``clauses/<id>.yaml``, as ``file-name`` requires).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Sequence

from sc_policy.checks.registry import RESOLVABLE
from sc_policy.diagnostics import ScPolicyError, Span
from sc_policy.load.yamlfile import Document, load_document
from sc_policy.lsp.context import context_at, in_comment, token_at
from sc_policy.lsp.overlay import Place
from sc_policy.model import Version

__all__ = ["Reference", "reference_at", "entry_of", "definition_of", "superseded_manifest", "AREA", "CLAUSE",
           "INTERPRETATION", "VERSION"]

AREA, CLAUSE, INTERPRETATION, VERSION = "area", "clause", "interpretation", "version"

_ID = re.compile(r"[a-z][a-z0-9-]*\Z")
_KEY_TEXT = re.compile(r"[^\s\[\]{},'\"#]")
_SUPERSEDES = re.compile(r"supersedes:[ \t]+(['\"]?)([a-z0-9][a-z0-9._-]{0,63})\1[ \t]*(?:#.*)?\Z")
"""A manifest's ``supersedes`` line naming a version (an id as the manifest's schema allows one)."""


@dataclass(frozen=True)
class Reference:
    """An id at the cursor: what kind of entry it names, the id, and its start and end column on its line."""

    kind: str
    id: str
    start: int
    end: int


def _names_area(text: str, start: int) -> bool:
    """Whether the word at ``text[start:]`` is the first part of the subject of a finding key (``check:subject``)
    of a check a resolution may resolve: an area's id (a code for ``title-conflict``, which is no id)."""
    first = start
    while first > 0 and _KEY_TEXT.match(text[first - 1]):
        first -= 1
    parts = text[first:start].split(":")
    return len(parts) == 2 and parts[0] in RESOLVABLE


def _kind(rel: str, context, is_key: bool, text: str, start: int) -> Optional[str]:
    """The kind of entry a word names in a rule file at ``rel``, from the keys around it (None: no id)."""
    if rel.startswith("clauses/"):
        if context.key == "rests_on" and not is_key:
            return INTERPRETATION
        if context.key == "applies_to" and not is_key:
            return AREA
        if context.key == "area_source" and is_key:
            return AREA
    elif rel == "resolutions.yaml":
        if context.key == "area" and context.within("affects", "assigns") and not is_key:
            return AREA
        if context.key == "areas" and context.within("interpretations") and not is_key:
            return AREA
        if context.key == "resolves" and not is_key and _names_area(text, start):
            return AREA
    elif rel.startswith("tests/") and context.within("expect"):
        if context.key == "areas" and not is_key:
            return AREA
        if context.key == "clauses" and is_key:
            return AREA
        if context.outer[-1:] == ("clauses",) and is_key:
            return CLAUSE
    return None


def reference_at(lines: Sequence[str], line: int, column: int, place: Place) -> Optional[Reference]:
    """The id of an area, clause or interpretation at 0-based ``line`` and ``column`` (in characters) of a
    rule file, where the file names one; None elsewhere (and in a comment)."""
    if not 0 <= line < len(lines) or in_comment(lines[line], column):
        return None
    text = lines[line].rstrip("\r\n")
    if place.rel == "version.yaml":  # a manifest names one other entry: the version it supersedes
        named = _SUPERSEDES.match(text)
        if named is None or not named.start(2) <= column <= named.end(2) or named.group(1, 2) == ("", "null"):
            return None  # (YAML's null, unquoted, whatever the spaces and comment after it: none)
        return Reference(VERSION, named.group(2), named.start(2), named.end(2))
    found = token_at(text, column)
    if found is None or not _ID.match(found[0]):
        return None
    token, start, end = found
    is_key = text[end:end + 1] == ":" and text[end + 1:end + 2] in ("", " ", "\t")
    kind = _kind(place.rel, context_at(lines, line, end), is_key, text, start)  # (at its start, "check:" is a key)
    return Reference(kind, token, start, end) if kind else None


def entry_of(reference: Reference, version: Optional[Version]):
    """The model's entry an id names (an Area, Clause or Interpretation), or None (not known, or no model;
    another version is no entry of this one's model: see :func:`superseded_manifest`)."""
    if version is None or reference.kind == VERSION:
        return None
    if reference.kind == AREA:
        return version.area(reference.id)
    entries = version.clauses if reference.kind == CLAUSE else version.interpretations
    return next((e for e in entries if e.id == reference.id), None)


def definition_of(reference: Reference, place: Place, version: Optional[Version]) -> Optional[Span]:
    """Where the entry an id names is (its ``id`` key in the model; for an area or clause the model does not
    hold, the first line of the file its id names, when there is one), or None."""
    if reference.kind == VERSION:
        manifest = superseded_manifest(reference, place)
        return manifest.span(("id",)) if manifest is not None else None
    entry = entry_of(reference, version)
    if entry is not None:
        return entry.at("id")
    if reference.kind == INTERPRETATION:
        return None
    rel = f"{'areas' if reference.kind == AREA else 'clauses'}/{reference.id}.yaml"
    try:
        if not (place.folder / rel).is_file():
            return None
    except OSError:  # a name longer than the system allows
        return None
    return Span(f"{place.version_id}/{rel}", 1, 1)


def superseded_manifest(reference: Reference, place: Place) -> Optional[Document]:
    """The manifest of the version a ``supersedes`` names (``reference``), read from the disk, in the
    folder of that id beside this version's; None when there is none or it does not parse."""
    rel = f"{place.folder.parent.name}/{reference.id}/version.yaml"
    try:
        return load_document(place.root / rel, rel)
    except (OSError, ScPolicyError):
        return None
