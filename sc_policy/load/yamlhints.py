"""Where a YAML syntax error most likely is, and what fixes it: PyYAML reports an indentation slip on
the line after the line indented too little, and a ``: `` inside a plain value as "mapping values are
not allowed here" (used by :mod:`sc_policy.load.yamlfile`)."""

from __future__ import annotations

from typing import Iterator, Optional, Tuple

__all__ = ["SLIP_PROBLEMS", "slipped_line", "QUOTE_ADVICE", "quote_needed"]

SLIP_PROBLEMS = ("expected <block end>", "mapping values are not allowed", "could not find expected ':'")
"""The errors PyYAML reports on the line after a line indented too little."""


def _indents(text: str) -> Iterator[Tuple[int, int, bool]]:
    """(line index, column of its content, whether it opens a block: ends with ``:``) of each line that
    is not blank or a comment; the content of ``- key: value`` starts at ``key``."""
    for number, line in enumerate(text.splitlines()):
        stripped = line.lstrip(" ")
        if stripped and not stripped.startswith("#"):
            while stripped.startswith("- ") or stripped == "-":
                stripped = stripped[1:].lstrip(" ")
            yield number, len(line) - len(stripped), stripped.split(" #")[0].rstrip().endswith(":")


def slipped_line(text: str, stopped: int) -> Optional[Tuple[int, int]]:
    """(line index, indentation) of the line before the one the parser ``stopped`` on, when that line
    is indented less than the line after it and either less than the line before it or no more than a
    line before it that opens a block (an indentation slip)."""
    lines = [entry for entry in _indents(text) if entry[0] <= stopped]
    if len(lines) < 3 or lines[-1][0] != stopped:
        return None
    (_, before, opens), (slipped, indent, _), (_, after, _) = lines[-3:]
    if indent < after and (indent < before or (opens and indent <= before)):
        return slipped, indent
    return None


QUOTE_ADVICE = "a value that contains ': ' must be in quotes"


def quote_needed(text: str, line: int, column: int) -> bool:
    """Whether the ``: `` PyYAML stopped at (0-based ``line`` and ``column``) lies inside the plain value of
    a ``key: value`` on the same line (``title: Step one: apply``), not at a key of its own."""
    lines = text.splitlines()
    if line >= len(lines):
        return False
    before = lines[line][:column].lstrip(" ")
    while before.startswith("- "):
        before = before[2:].lstrip(" ")
    key, sep, value = before.partition(": ")
    return bool(sep and key and value.strip()) and not value.lstrip().startswith(("'", '"', "#"))
