"""A manifest's text as ``new-version`` and ``freeze`` write it: a new one dumped in a fixed key order, and
fields of an existing one set or removed line by line, so that the analyst's comments and layout stay."""

from __future__ import annotations

import re
from typing import Dict, Optional, Tuple

import yaml

from sc_policy.diagnostics import ScPolicyError
from sc_policy.load.yamlfile import parse_document

__all__ = ["set_manifest_fields", "dump_manifest", "draft_header", "frozen_header"]

_MANIFEST_ORDER = ("id", "policy", "title", "status", "effective_from", "effective_to", "supersedes",
                   "assumptions", "source_document", "general_sections", "sha256", "table_sha256", "file_sha256")


def _yaml_line(key: str, value) -> str:
    return yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=10_000).rstrip("\n")


def dump_manifest(data: Dict, header: str) -> str:
    ordered = {k: data[k] for k in _MANIFEST_ORDER if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    body = yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=96, default_flow_style=False)
    return header + body


def draft_header(new_id: str, made_from: str, steps: str) -> str:
    """The comment ``new-version`` puts at the top of a draft's manifest (``made_from``: the version and how)."""
    return f"# Manifest of version {new_id}, a draft made from {made_from}.\n# Edit the rule files, then: {steps}.\n"


_DRAFT_HEADER = re.compile(r"\A# Manifest of version (?P<id>\S+), a draft made from (?P<made>[^\n]+)\.\n"
                           r"# Edit the rule files, then: [^\n]*\.\n")


def frozen_header(text: str, version_id: str) -> str:
    """The manifest ``text`` of ``version_id`` with :func:`draft_header`'s comment, when it is there as
    written, saying the version was frozen: it called the version a draft and told to freeze it."""
    found = _DRAFT_HEADER.match(text)
    if found is None or found.group("id") != version_id:
        return text
    return f"# Manifest of version {version_id}, made from {found.group('made')}, then frozen.\n" + text[found.end():]


def set_manifest_fields(text: str, updates: Dict[str, object], path: str = "version.yaml") -> str:
    """The manifest ``text`` with top-level fields set (a value, or a mapping such as file_sha256) or removed (None).

    Edits only the lines of those fields, so the analyst's comments and layout
    stay; the result is parsed back and compared with the intended data, and if
    an unusual layout defeats the line edit the manifest is written out whole.
    """
    original = parse_document(text.encode("utf-8"), path).data
    expected = dict(original)
    for key, value in updates.items():
        if value is None:
            expected.pop(key, None)
        else:
            expected[key] = value
    lines = text.splitlines()

    def block(key: str) -> Optional[Tuple[int, int]]:
        for i, line in enumerate(lines):
            if re.match(rf"^{re.escape(key)}\s*:", line):
                end = i + 1
                while end < len(lines) and lines[end].startswith((" ", "\t")):
                    end += 1
                return i, end
        return None

    for key, value in updates.items():
        found = block(key)
        if value is None:
            if found:
                del lines[found[0]:found[1]]
            continue
        new_line = _yaml_line(key, value)
        if found:
            lines[found[0]:found[1]] = [new_line]
            continue
        anchor = block("effective_from") if key == "effective_to" else None
        if anchor:
            lines.insert(anchor[1], new_line)
        else:
            lines.append(new_line)
    result = "\n".join(lines) + "\n"
    try:
        ok = parse_document(result.encode("utf-8"), path).data == expected
    except ScPolicyError:
        ok = False
    if not ok:
        result = dump_manifest(expected, "")
    return result
