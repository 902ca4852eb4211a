"""Text in lines of at most :data:`WIDTH` columns, as every text answer reads; and the notes of an industry
code that an area's definition holds only part of (:mod:`sc_policy.engine.breadth`)."""

from __future__ import annotations

from typing import List, Optional, Sequence

from sc_policy.engine.breadth import IndustryPart
from sc_policy.engine.results import Answer

__all__ = ["WIDTH", "wrap", "one_line", "part_lines", "parts_sentence"]

WIDTH = 100


def wrap(text: str, indent: str, first: Optional[str] = None) -> List[str]:
    """``text`` with every run of whitespace made one space, in lines of at most :data:`WIDTH` columns.

    What ``textwrap.wrap(..., break_on_hyphens=False)`` gives: words go on a line while they fit,
    one space apart. textwrap itself (a few times slower) does it when a word is wider than a line,
    which it cuts.
    """
    first = first if first is not None else indent
    words = text.split()
    if not words:
        return [first or indent]
    if len(max(words, key=len)) > WIDTH - max(len(first), len(indent)):
        import textwrap
        return textwrap.wrap(" ".join(words), WIDTH, initial_indent=first, subsequent_indent=indent,
                             break_on_hyphens=False) or [first or indent]
    lines: List[str] = []
    start, room, used = 0, WIDTH - len(first), len(words[0])
    for i in range(1, len(words)):
        if used + 1 + len(words[i]) <= room:
            used += 1 + len(words[i])
        else:
            lines.append((indent if lines else first) + " ".join(words[start:i]))
            start, room, used = i, WIDTH - len(indent), len(words[i])
    lines.append((indent if lines else first) + " ".join(words[start:]))
    return lines


def one_line(text: str, prefix: str = "") -> str:
    """``prefix`` and ``text`` on one line of at most :data:`WIDTH` columns, cut at a word with an ellipsis
    if longer (the full answer shows it all)."""
    text = prefix + " ".join(text.split())
    if len(text) <= WIDTH:
        return text
    cut = text[:WIDTH - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[WIDTH // 2:] else cut) + "\u2026"


def part_lines(parts: Sequence[IndustryPart], area: str) -> List[str]:
    """The note of an area whose definition holds only part of the industry code (engine/breadth.py)."""
    return [line for p in parts if p.area == area for line in wrap(p.sentence(), "         ", "  Note:  ")]


def parts_sentence(answer: Answer) -> Optional[str]:
    """For a verdict that is not eligible: the areas whose definition holds part of the industry code and
    that a candidate fails for its industry alone (what would change it names another employer there), so
    that a finer code within the one given may decide otherwise (None when there is none: 2173, on no
    area's list, is not eligible whatever part of NAICS 54 its employer is in)."""
    taking = {i.area for d in answer.candidates for i in d.changes.industries}
    some = [p for p in answer.industry_parts if p.includes and p.area in taking]
    if not some:
        return None
    where = [f"{p.title} (NAICS {', '.join(p.includes)})" for p in some]
    return (f"Part of NAICS {some[0].code} is in the definition of "
            f"{where[0] if len(where) == 1 else ', '.join(where[:-1]) + ' and ' + where[-1]}: "
            f"the employer's finer code may decide otherwise.")
