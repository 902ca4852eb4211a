"""Where each line of an expression's or an explanation template's text is in its rule file, so that an
error inside one (rule-engine's syntax error at a character, a template's bad placeholder) is reported
at that character's line and column.

A YAML text value is not its source: a block scalar (``>-``, ``|``) drops its indentation, a folded
or plain one joins its lines with spaces, a quoted one drops its quotes. Within one source line,
though, the text of a plain, folded or literal value (and of a quoted one without escapes) is the
source's: :func:`value_lines` finds each source line's text in the value, in order, with nothing
but white space between them, and records where it begins as a span keyed ``@OFFSET`` (the
offset in the value) under the value's key: ``("condition", "@0")``, ``("condition", "@21")``.
A line it cannot find so (an escape changed it) ends the record; what came before stays exact.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from sc_policy.diagnostics import Span

__all__ = ["EXPRESSION_KEYS", "SourceLines", "records_lines", "value_lines", "place_in_value"]

EXPRESSION_KEYS = frozenset({"when", "condition"})
"""The keys of a rule file whose values are expressions (a clause's)."""


def records_lines(keypath: Tuple) -> bool:
    """Whether the value at ``keypath`` gets the places of its lines: an expression (``when``,
    ``condition``) or an explanation template (``explain.pass``, ``explain.fail``, ...)."""
    return keypath[-1] in EXPRESSION_KEYS or len(keypath) >= 2 and keypath[-2] == "explain"


_BREAKS = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
"""What YAML counts as a line break (and both parsers with it)."""


class SourceLines:
    """The lines of a document's text as YAML counts them, split once, when first asked for: a file
    holds many expressions (or many keys named like one), and splitting the whole text for each made
    reading a file take time quadratic in its size (a 380 kB file of 4,500 took 36 s)."""

    __slots__ = ("_text", "_lines")

    def __init__(self, text: str):
        self._text, self._lines = text, None

    def between(self, first: int, last: int) -> List[str]:
        """The 0-based lines ``first`` to ``last``, both included."""
        if self._lines is None:
            self._lines = _BREAKS.split(self._text)
        return self._lines[first:last + 1]


def value_lines(node, value: str, keypath: Tuple, path: str, spans: Dict[Tuple, Span], text: SourceLines) -> None:
    """Record in ``spans`` where each source line of the scalar ``node`` (read as ``value`` from the
    document whose lines are ``text``) begins. Marks are taken by line and column, which both parsers
    count alike."""
    start, end = node.start_mark, node.end_mark
    lines = text.between(start.line, end.line)
    if not lines:
        return
    lines[-1] = lines[-1][:end.column]  # first, so that on one line the start column still counts from 0
    lines[0] = lines[0][start.column:]
    first = 1 if node.style in ("|", ">") else 0  # a block scalar's first line is its header
    cursor = 0
    for i in range(first, len(lines)):
        line = lines[i]
        column = start.column if i == 0 else 0
        if i == 0 and node.style in ("'", '"'):
            line, column = line[1:], column + 1
        if i == len(lines) - 1 and node.style in ("'", '"') and line.rstrip().endswith(node.style):
            line = line.rstrip()[:-1]
        content = line.strip(" \t\r")
        if not content:
            continue
        at = value.find(content, cursor)
        if at < 0 or value[cursor:at].strip():
            return
        spans[keypath + (f"@{at}",)] = Span(path, start.line + i + 1, column + len(line) - len(line.lstrip(" \t")) + 1)
        cursor = at + len(content)


def place_in_value(spans, key: str, offset: int) -> Optional[Span]:
    """The file position of character ``offset`` of the value of ``key``, from the spans recorded by
    :func:`value_lines` (an element's ``spans``, keyed ``key.@N``); None when none was recorded."""
    prefix = key + ".@"
    best: Optional[Tuple[int, Span]] = None
    for name, span in spans.items():
        if name.startswith(prefix):
            begins = int(name[len(prefix):])
            if begins <= offset and (best is None or begins > best[0]):
                best = (begins, span)
    if best is None:
        return None
    begins, span = best
    return Span(span.path, span.line, span.column + offset - begins)
