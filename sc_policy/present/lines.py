"""Text in lines of at most :data:`WIDTH` columns, as every text answer reads; and the notes of an industry
code that an area's definition holds only part of (:mod:`sc_policy.engine.breadth`)."""

from __future__ import annotations

from typing import Iterable, List, Optional, Sequence

from sc_policy.checks.registry import CHECKS
from sc_policy.engine.breadth import IndustryPart
from sc_policy.engine.reasons import and_list
from sc_policy.engine.unresolved import Unresolved
from sc_policy.model import FAIL, NOT_APPLICABLE, PASS

__all__ = ["WIDTH", "RESULT_WORDS", "wrap", "one_line", "part_lines", "parts_sentence", "unresolved_line"]

WIDTH = 100

RESULT_WORDS = {PASS: "pass", FAIL: "fail", NOT_APPLICABLE: "n/a"}
"""A clause's result in a line of a report (a test run's coverage, a diff's reasons); an answer marks
each clause's line in capitals (PASS, FAIL, N/A)."""


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


def part_lines(parts: Sequence[IndustryPart], area: str, nocs: Optional[Iterable[str]] = None) -> List[str]:
    """The note of an area whose definition holds only part of the industry code (engine/breadth.py), for
    the NOC 2016 unit groups ``nocs`` (else every one the answer decides)."""
    return [line for p in parts if p.area == area for line in wrap(p.sentence(nocs), "         ", "  Note:  ")]


def parts_sentence(parts: Sequence[IndustryPart]) -> Optional[str]:
    """Under the verdict: the areas whose definition holds part of the industry code where a finer code may
    change the verdict (None when there is none: 9461, which only Manufacturing lists, is not eligible under
    ICT with any part of NAICS 54; 2174 with 334 stays eligible under Manufacturing with ICT's 3345)."""
    some = [p for p in parts if p.verdicts or (p.changes is None and p.includes)]
    if not some:
        return None
    inside = [f"{p.title} (NAICS {', '.join(p.includes)}{', less ' + ', '.join(p.excludes) if p.excludes else ''})"
              for p in some if not p.within]  # as the area's note says it: 31-33 holds ICT's 334, less 3345
    outside = [f"{p.title} (NAICS {', '.join(p.excludes)})" for p in some if p.within]
    said = ([f"in the definition of {and_list(inside)}"] if inside else []) + \
        ([f"outside the definition of {and_list(outside)}"] if outside else [])
    return f"Part of NAICS {some[0].code} is {' and part '.join(said)}: the employer's finer code may decide otherwise."


def unresolved_line(u: Unresolved) -> str:
    """One line for a contradiction of the source that no resolution resolves: its key and what it is, its
    own message when that fits on the line, else what its check finds (the registry's meaning, without the
    note that the check reports it as a warning: the heading names it unresolved). The full answer gives
    the message in full."""
    line = f"  - {u.key}: {' '.join(u.message.split())}"
    if len(line) <= WIDTH:
        return line
    return one_line(f"{u.key}: {CHECKS.get(u.check, u.message).removesuffix(' (a warning)')}", "  - ")
