"""What would change a not-eligible answer, as text lines (see :mod:`sc_policy.engine.changes`).

The lines are at most :data:`WIDTH` columns and read only the finished
:class:`~sc_policy.engine.changes.Changes`; they decide nothing.
"""

from __future__ import annotations

import textwrap
from typing import List, Optional, Sequence

from sc_policy.engine.changes import Changes, IndustryChange

__all__ = ["changes_text", "industry_phrase", "occupations_lead", "INDUSTRIES_LEAD", "WIDTH"]

WIDTH = 100


def _wrap(text: str, first: str, indent: str) -> List[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=indent,
                         break_on_hyphens=False, break_long_words=True) or [first.rstrip()]


def _codes(codes: Sequence[str]) -> str:
    """``31``, ``31 or 32``, ``31, 32 or 33``."""
    codes = list(codes)
    return codes[0] if len(codes) == 1 else ", ".join(codes[:-1]) + " or " + codes[-1]


def industry_phrase(change: IndustryChange) -> str:
    """E.g. ``eligible under Manufacturing for an employer in NAICS 31, 32 or 33``."""
    text = f"eligible under {change.title} for an employer in NAICS {_codes(change.include)}"
    if change.exclude:
        text += f", but not in NAICS {_codes(change.exclude)}"
    return text


def occupations_lead(industry: Optional[str]) -> str:
    """The sentence before the other occupations (in the full text answer and on the page)."""
    whose = "for the same employer" if industry else "with no employer industry given"
    return f"Another occupation, eligible {whose} (the same NOC minor group first, then the same major group):"


INDUSTRIES_LEAD = "The same occupation with another employer (only the industry fails in these areas):"
"""The sentence before the other employers' industries (in the full text answer and on the page)."""


def changes_text(changes: Changes, industry: Optional[str] = None) -> List[str]:
    """The lines of a "What would change the answer" block; none when there is nothing to offer.
    ``industry``: the employer's code the answer is for (None: no employer, whom no suggestion keeps)."""
    if not changes:
        return []
    lines = ["What would change the answer:"]
    if changes.occupations:
        lines += _wrap(occupations_lead(industry), "  ", "  ")
        for o in changes.occupations:
            lines += _wrap(f"{o.noc} {o.title} (eligible under: {', '.join(o.areas)})", "    - ", "      ")
    if changes.industries:
        lines += _wrap(INDUSTRIES_LEAD, "  ", "  ")
        for i in changes.industries:
            lines += _wrap(industry_phrase(i), "    - ", "      ")
    return lines
