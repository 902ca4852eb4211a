"""What the cursor is on in a rule file being edited: the key whose value it is in, and the keys around it.

An editor's buffer is often not valid YAML while it is typed, so this reads the lines as text, the way
the rule files are written (block mappings and lists, with flow lists and mappings on one line): the key
is the last ``key:`` before the cursor on its line, or else the key of the nearest line above that is
indented less; the enclosing keys are found the same way, going up. A list item (``- ``) is a step
deeper than a key at the same indentation, and the key it starts with is its own, not an enclosing one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

__all__ = ["Context", "context_at", "in_comment", "token_at"]

_KEY = re.compile(r"""(?:^|[\s{,\-])([A-Za-z_][\w-]*)\s*:(?=\s|$)""")
_LINE_KEY = re.compile(r"""^\s*(?:-\s+)?([A-Za-z_][\w-]*)\s*:(?=\s|$)""")
_TOKEN = re.compile(r"[\w-]")
_COMMENT = re.compile(r"(?:^|\s)#")


@dataclass(frozen=True)
class Context:
    """The key whose value holds the cursor ("" at the top level), and the keys enclosing it, outermost first."""

    key: str
    outer: Tuple[str, ...]

    def within(self, *keys: str) -> bool:
        """Whether the cursor is in the value of one of ``keys``, at any depth."""
        return self.key in keys or any(k in keys for k in self.outer)


def _indent(line: str) -> Tuple[int, bool]:
    """(the indentation of a line, counting a list item's ``- `` as one more; whether it is a list item)."""
    stripped = line.lstrip(" ")
    indent = len(line) - len(stripped)
    item = stripped.startswith("- ") or stripped.rstrip() == "-"
    return (indent + 1 if item else indent), item


def _unquoted(text: str) -> str:
    """``text`` with the inside of every quoted scalar blanked (a quote opens one only where a value can
    begin: at the start, after a space, ``[``, ``{``, ``,`` or ``:``), so that words in it are no keys."""
    out, quote = [], ""
    for at, char in enumerate(text):
        if quote:
            out.append(char if char == quote else " ")
            if char == quote:
                quote = ""
        elif char in "'\"" and (at == 0 or text[at - 1] in " \t[{,:"):
            quote = char
            out.append(char)
        else:
            out.append(char)
    return "".join(out)


def _blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def context_at(lines: Sequence[str], line: int, column: int) -> Context:
    """The context of the cursor at 0-based ``line`` and ``column`` (in characters)."""
    if not 0 <= line < len(lines):
        return Context("", ())
    here = lines[line].rstrip("\r\n")
    before = here[:column]
    keys = [m.group(1) for m in _KEY.finditer(_unquoted(before))]
    if _blank(here) and not keys:
        # An empty line: the cursor's column says how deep it is.
        threshold = len(before) - len(before.lstrip(" ")) + (1 if before.strip() == "-" else 0)
    else:
        threshold = _indent(here)[0]
    outer: List[str] = []
    for above in range(line - 1, -1, -1):
        text = lines[above].rstrip("\r\n")
        if _blank(text):
            continue
        indent, item = _indent(text)
        if indent >= threshold:
            continue
        if item:  # a list item holding the cursor: its first key is a sibling, not an enclosing key
            threshold = indent
            continue
        match = _LINE_KEY.match(text)
        if match:
            outer.append(match.group(1))
        threshold = indent
        if indent == 0:
            break
    outer.reverse()
    if keys:
        return Context(keys[-1], tuple(outer))
    return Context(outer[-1], tuple(outer[:-1])) if outer else Context("", ())


def in_comment(text: str, column: int) -> bool:
    """Whether ``column`` of a line is inside a comment: after a ``#`` that starts the line or follows a
    space, outside quotes (``'#1'`` and ``a#b`` are no comments)."""
    return _COMMENT.search(_unquoted(text.rstrip("\r\n")[:column])) is not None


def token_at(text: str, column: int) -> Optional[Tuple[str, int, int]]:
    """(the word at ``column`` of a line: letters, digits, ``_`` and ``-``, its start, its end), or None."""
    text = text.rstrip("\r\n")
    start = column = min(column, len(text))  # a client's position past the end of the line is its end
    while start > 0 and _TOKEN.match(text[start - 1]):
        start -= 1
    end = column
    while end < len(text) and _TOKEN.match(text[end]):
        end += 1
    return (text[start:end], start, end) if end > start else None
