"""Where a thing is: a file, and a line and column inside it.

Every error and every check finding carries a :class:`Span` instead of pasting a
location into its message, so that renderers (text, JSON, a web page) can show
the location the way their reader expects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

__all__ = ["Span", "visible"]

# Control characters (C0 but tab and line feed, DEL, C1) and the bidirectional overrides and
# isolates, which reorder what a terminal shows: rule files are text from anyone who can write them.
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: "re.Match[str]") -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` for a terminal: every control character shown as an escape (``\\x1b``), so that text
    from a rule file (a template, a title, a file name) cannot move the cursor, retitle the window
    or hide what follows; line feeds and tabs are kept."""
    return _HIDDEN.sub(_escape, text)


@dataclass(frozen=True, order=True)
class Span:
    """A place in a file. ``line`` and ``column`` are 1-based; 0 means unknown."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column or 1}"
        return self.path

    def with_path(self, path: str) -> "Span":
        return Span(path, self.line, self.column)

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "column": self.column}


def maybe(span: Optional[Span], path: str) -> Span:
    """``span`` when known, otherwise a span naming only ``path``."""
    return span if span is not None else Span(path)
