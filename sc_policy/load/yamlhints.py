"""Where a YAML syntax error most likely is, and what fixes it: PyYAML reports an indentation slip on
the line after the line indented too little, and a ``: `` inside a plain value as "mapping values are
not allowed here" (used by :mod:`sc_policy.load.yamlfile`)."""

from __future__ import annotations

import re
from typing import Any, Iterator, Optional, Tuple

__all__ = ["SLIP_PROBLEMS", "slipped_line", "tab_problem", "QUOTE_ADVICE", "quote_needed", "AFTER_QUOTE_ADVICE", "after_quoted",
           "worded"]

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
    is indented less than the line after it and either no more than a line before it that opens a block,
    or less than the line before it while the line after it returns to the indentation of the block it
    left (an indentation slip; not a right line followed by one indented too much)."""
    lines = [entry for entry in _indents(text) if entry[0] <= stopped]
    if len(lines) < 3 or lines[-1][0] != stopped:
        return None
    (_, before, opens), (slipped, indent, _), (_, after, _) = lines[-3:]
    if indent < after and opens and indent <= before:
        return slipped, indent  # the first line of a block, indented too little
    if indent < after and indent < before and after == _enclosing(lines[:-2], after) \
            and not _next_item(text.splitlines(), slipped):  # back to the block left
        return slipped, indent
    return None


def _next_item(lines, at: int) -> bool:
    """Whether line ``at`` is a list item (``- ...``) at the indentation of the nearest item before it that is
    indented no more: the next item of a list, right where it is."""
    def dash(text: str) -> Optional[int]:
        stripped = text.lstrip(" ")
        return len(text) - len(stripped) if stripped.startswith("- ") or stripped.rstrip() == "-" else None
    column = dash(lines[at])
    if column is None:
        return False
    for text in reversed(lines[:at]):
        stripped = text.lstrip(" ")
        if not stripped.strip() or stripped.startswith("#") or len(text) - len(stripped) > column:
            continue
        return dash(text) == column
    return False


def _enclosing(lines, column: int) -> Optional[int]:
    """The indentation of the nearest of ``lines`` indented no more than ``column``."""
    return next((indent for _, indent, _ in reversed(lines) if indent <= column), None)


def tab_problem(text: str, mark: Any) -> str:
    """The words for a tab PyYAML stopped at (``mark``: 0-based line and column): indentation when nothing but
    blanks and list dashes come before it on its line; else a tab where YAML allows only spaces (after a
    key's colon, at a line's end, inside a flow mapping)."""
    lines = text.splitlines()
    if mark is None or mark.line >= len(lines) or not lines[mark.line][:mark.column].replace("-", " ").strip(" \t"):
        return "tab character used for indentation (use spaces)"
    return "tab character where YAML allows only spaces (use spaces)"


QUOTE_ADVICE = "a value that contains ': ' must be in quotes"


def _before(text: str, line: int, column: int) -> Optional[Tuple[str, str]]:
    """(key, value) of the ``key: value`` before 0-based ``line`` and ``column`` on that line (list dashes
    left out), or None when there is no ``: `` before it."""
    lines = text.splitlines()
    if line >= len(lines):
        return None
    before = lines[line][:column].lstrip(" ")
    while before.startswith("- "):
        before = before[2:].lstrip(" ")
    key, sep, value = before.partition(": ")
    return (key, value) if sep and key else None


def quote_needed(text: str, line: int, column: int) -> bool:
    """Whether the ``: `` PyYAML stopped at (0-based ``line`` and ``column``) lies inside the plain value of
    a ``key: value`` on the same line (``title: Step one: apply``), not at a key of its own."""
    found = _before(text, line, column)
    return found is not None and bool(found[1].strip()) and not found[1].lstrip().startswith(("'", '"', "#"))


AFTER_QUOTE_ADVICE = "quote the whole value; inside single quotes write a quote twice ('it''s')"


def after_quoted(text: str, line: int, column: int) -> bool:
    """Whether PyYAML stopped (0-based ``line`` and ``column``) at text that follows, on the same line, the
    closing quote of a quoted value (``title: 'it's'``, ``title: "X" and more``): not an indentation slip."""
    found = _before(text, line, column)
    value = found[1].strip() if found is not None else ""
    return len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]


def worded(text: str, problem: str, mark: Any) -> Tuple[str, Optional[str]]:
    """(the problem in words, advice or None) for a syntax error PyYAML reports at ``mark`` (0-based line and
    column, or None) that is not an indentation slip (:func:`slipped_line`)."""
    if problem.startswith("expected <block end>") and mark is not None and after_quoted(text, mark.line, mark.column):
        return f"text after the closing quote of a quoted value ({problem})", AFTER_QUOTE_ADVICE
    if mark is not None and _flow_expression(text, mark.line):  # (`["A", "B"].length > 0`: not an indentation)
        return problem, EXPRESSION_ADVICE
    if problem.startswith("expected <block end>"):
        return f"this line is indented differently from the lines above it ({problem})", None
    if mark is None:
        return problem, None
    if problem.startswith("mapping values are not allowed") and quote_needed(text, mark.line, mark.column):
        return problem, QUOTE_ADVICE
    if problem.startswith("mapping values are not allowed") and _indented_under_value(text, mark.line, mark.column):
        return f"this line is indented more than the line above it, so it reads as the rest of that line's value " \
               f"({problem})", None
    if problem.endswith("but got ':'") and _in_flow_value(text, mark.line, mark.column):  # {line: 1, quote: a: b}
        return problem, FLOW_ADVICE
    return problem, None


def _indented_under_value(text: str, line: int, column: int) -> bool:
    """Whether the ``:`` PyYAML stopped at (0-based ``line`` and ``column``) ends the first key of a line indented
    more than the line before it, whose ``key: value`` holds a value (``  title: a`` then ``    level: B``)."""
    if _before(text, line, column) is not None:
        return False
    indents = list(_indents(text))
    before = [(indent, opens) for number, indent, opens in indents if number < line]
    here = [indent for number, indent, _ in indents if number == line]
    return bool(before and here) and not before[-1][1] and here[0] > before[-1][0]


FLOW_ADVICE = QUOTE_ADVICE + ", or a ',' is missing between two keys"


def _in_flow_value(text: str, line: int, column: int) -> bool:
    """Whether the ``:`` at 0-based ``line`` and ``column`` follows a ``key: value`` of a flow mapping's entry
    on that line (``{line: 82, quote: Note: A}``, or a comma left out: ``{line: 82 quote: A}``)."""
    lines = text.splitlines()
    if line >= len(lines):
        return False
    entry = re.split(r"[{,]", lines[line][:column])[-1]
    key, sep, value = entry.partition(": ")
    return bool(sep and key.strip() and value.strip())


EXPRESSION_ADVICE = ("an expression that starts with '[' or '{' is read as a YAML list or mapping: quote it, or write "
                     "it on the next lines after '>-'")


def _flow_expression(text: str, line: int) -> bool:
    """Whether 0-based ``line`` gives a clause's ``when`` or ``condition`` a value starting with ``[`` or ``{``."""
    lines = text.splitlines()
    return line < len(lines) and re.match(r"\s*(?:when|condition):[ \t]+[\[{]", lines[line]) is not None
