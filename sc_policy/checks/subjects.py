"""How findings name what they are about: normalised titles, slugs, ordinals and short quotes.

A finding's subject (``area:code``, ``area:slug-of-title``) is the key a resolution
names, so these few rules must stay stable: a resolution written today must still
name the same finding tomorrow.
"""

from __future__ import annotations

import re

__all__ = ["normalise_title", "same_title", "slug", "stem", "nth", "times", "known_areas", "short"]

_DASHES = re.compile(r"\s*[\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212]\s*")


def normalise_title(title: str) -> str:
    """A title with letter case, dash style and spacing made uniform, for comparison."""
    return " ".join(_DASHES.sub(" - ", title).casefold().split())


def same_title(a: str, b: str) -> bool:
    return normalise_title(a) == normalise_title(b)


def slug(text: str) -> str:
    """``Computer programmers and Interactive media developers`` -> ``computer-programmers-and-...``."""
    return "-".join(re.findall(r"[a-z0-9]+", text.casefold()))


def stem(path: str) -> str:
    """The file name of ``path`` without its folder and extension."""
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def nth(subject: str, n: int, plain: int) -> str:
    """The subject of the ``n``-th occurrence: plain for the ``plain``-th, with the ordinal after it."""
    return subject if n <= plain else f"{subject}:{n}"


def times(n: int) -> str:
    return {2: "again", 3: "a third time"}.get(n, f"a {n}th time")


def known_areas(ids) -> str:
    return f" (areas: {', '.join(sorted(ids))})" if ids else ""


def short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
