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
    """A placeholder that is not a plain fact name; ``offset``: where it begins in the template (its
    ``{``), or None; ``meant``: the fact a misspelt one most likely names."""

    def __init__(self, message: str, offset: Optional[int] = None, meant: Optional[str] = None):
        super().__init__(message)
        self.offset = offset
        self.meant = meant


def template_fields(template: str) -> List[str]:
    """The placeholders of a template; raises TemplateError (a ValueError) for anything but ``{fact}``."""
    names: List[str] = []
    try:
        _placeholders(template, names)
    except TemplateError:
        raise
    except ValueError:  # Python's words ("Single '}' encountered in format string"), and no place
        raise _stray_brace(template) from None
    return names


def _stray_brace(template: str) -> TemplateError:
    """The error for the first brace that neither opens nor closes a placeholder: a ``{`` not closed before
    the next ``{`` or the end, a lone ``}`` (a brace of the text is written twice); or for the first
    placeholder Python's formatter cannot read (``{noc!}``, ``{noc[0}``)."""
    at, opened = 0, None
    while at < len(template):
        brace = template[at]
        if brace in "{}" and template.startswith(brace * 2, at) and opened is None:
            at += 2  # a brace of the text, written twice
        elif brace == "{":
            if opened is not None:
                break  # a second '{' before the first is closed
            opened = at
            at += 1
        elif brace == "}" and opened is not None:
            written = template[opened:at + 1]  # a placeholder Python could not read ({noc!}, {noc[0})
            if not (written[1:-1].isidentifier() or written[1:-2].isidentifier() and written[-2] == ":"):
                return TemplateError(f"placeholder {written} must be a plain fact name", opened)
            opened = None
            at += 1
        elif brace == "}":
            return TemplateError("the '}' here closes no placeholder: write '}}' for a brace in the text", at)
        else:
            at += 1
    return TemplateError("the '{' here opens a placeholder that is not closed: write {fact}, or '{{' for a brace "
                         "in the text", opened)


def _placeholders(template: str, names: List[str]) -> None:
    """template_fields' reading: appends each placeholder to ``names``; raises ValueError on a stray brace."""
    at = 0  # where the text parsed so far ends in the template
    for literal, name, spec, conversion in string.Formatter().parse(template):
        at += len(literal) + literal.count("{") + literal.count("}")  # each brace of the text was written twice
        if name is None:
            continue
        written = f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
        if spec or conversion or not name.isidentifier():
            raise TemplateError(f"placeholder {written} must be a plain fact name", at)
        if name not in FACTS:
            import difflib  # only for a misspelt placeholder: not on a warm run's path
            meant = difflib.get_close_matches(name, sorted(FACTS), n=1, cutoff=0.8)
            raise TemplateError(f"placeholder {{{name}}} names no fact", at, meant[0] if meant else None)
        names.append(name)
        at = template.index("}", at + 1 + len(name)) + 1  # {name} or {name:}, which is the same placeholder


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
