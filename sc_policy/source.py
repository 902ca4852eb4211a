"""Where a thing is: a file, and a line and column inside it.

Every error and every check finding carries a :class:`Span` instead of pasting a
location into its message, so that renderers (text, JSON, a web page) can show
the location the way their reader expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

__all__ = ["Span"]


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
