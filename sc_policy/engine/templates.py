"""A clause's explanation templates: ``{fact}`` placeholders, checked and filled.

Kept apart from :mod:`sc_policy.engine.compile` so that rendering a reason from a decision table
(the warm path of every answer) imports neither the compiler nor its bounds.
"""

from __future__ import annotations

import functools
import string
from typing import List, Mapping, Optional, Tuple

from sc_policy.engine.facts import FACTS

__all__ = ["template_fields", "render_template", "TemplateError"]


class TemplateError(ValueError):
    """A placeholder that is not a plain fact name; ``meant``: the fact a misspelt one most likely names."""

    def __init__(self, message: str, meant: Optional[str] = None):
        super().__init__(message)
        self.meant = meant


def template_fields(template: str) -> List[str]:
    """The placeholders of a template; raises TemplateError (a ValueError) for anything but ``{fact}``."""
    names = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            raise TemplateError(f"placeholder {{{name}{'!' + conversion if conversion else ''}"
                             f"{':' + spec if spec else ''}}} must be a plain fact name")
        if name not in FACTS:
            import difflib  # only for a misspelt placeholder: not on a warm run's path
            meant = difflib.get_close_matches(name, sorted(FACTS), n=1, cutoff=0.8)
            raise TemplateError(f"placeholder {{{name}}} names no fact", meant[0] if meant else None)
        names.append(name)
    return names


@functools.lru_cache(maxsize=4096)
def _fields(template: str) -> Tuple[str, ...]:
    """template_fields, parsed once per template: a decision renders every clause's template."""
    return tuple(template_fields(template))


def render_template(template: str, facts: Mapping[str, object]) -> str:
    """Fill a (checked) template from the facts; sets render as sorted, comma-separated codes."""
    values = {}
    for name in _fields(template):
        value = facts.get(name, "")
        values[name] = ", ".join(sorted(value)) if isinstance(value, (set, frozenset)) else value
    return template.format_map(values)
