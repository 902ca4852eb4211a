"""The policy's source document, read and indexed so that a quote can be found in it.

Every citation of a rule file names a line of the source document and its exact
words; :class:`SourceText` finds a quote whitespace-insensitively and tells the line
it starts on, and lists the lines that publish an occupation (``[code] title – NOC X``).
:func:`read_source` reads the document as the loader reads a rule file: a regular
file under :data:`~sc_policy.load.yamlfile.MAX_SOURCE_BYTES`, looked at before it is read.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import os
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

from sc_policy.diagnostics import InputError, PolicyLoadError, Span
from sc_policy.load.yamlfile import MAX_SOURCE_BYTES, read_regular

__all__ = ["SourceText", "NearestPassages", "read_source", "OCCUPATION_LINE", "MAX_SOURCE_BYTES"]

OCCUPATION_LINE = re.compile(r"^\s*(?:([0-9]{4})\s+)?(\S.*?)\s*[\u002d\u2013\u2014]\s*NOC\s+([0ABCD])\s*$")
"""A line (or a quote) publishing an occupation: groups code (or None), title, level."""


NEAREST_MAX_CHARS = 1_000
"""The longest quote (without white space) for which :meth:`SourceText.nearest` looks for the passage meant:
its comparison takes time quadratic in the length (a 56,000-character quote took a minute)."""


NEAREST_WORK = 25_000_000
"""How much comparing :class:`NearestPassages` does for the quotes of one check, each quote counted as the
square of its length (white space aside, at least 200): some 25 quotes of 1,000 characters or 600 short
ones, about half a second. The quotes past it get no hint (a 1 MB rule file of near-miss quotes of 1,000
characters took 12 s to check)."""


def _compact(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True)
class SourceText:
    """The policy's text, indexed so that a quote can be found whitespace-insensitively.

    ``compact`` is the text with all whitespace removed and ``compact_lines`` the
    line number of each of its characters, so a match gives the line it starts on.
    """

    path: str
    lines: Tuple[str, ...]
    compact: str
    compact_lines: Tuple[int, ...]
    sha256: str
    lf_sha256: str = ""  # the hash of the text with LF line endings and no byte-order mark

    @classmethod
    def parse(cls, raw: bytes, path: str) -> "SourceText":
        text = raw.decode("utf-8")
        if text.startswith("\ufeff"):
            text = text[1:]
        lines = tuple(text.split("\n"))
        chars: List[str] = []
        where: List[int] = []
        for number, line in enumerate(lines, 1):
            kept = _compact(line)
            chars.append(kept)
            where.extend([number] * len(kept))
        return cls(path, lines, "".join(chars), tuple(where), hashlib.sha256(raw).hexdigest(),
                   hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest())

    def quote_lines(self, quote: str) -> List[int]:
        """The lines on which an occurrence of ``quote`` starts (none: it does not occur)."""
        needle = _compact(quote)
        if not needle:
            return []
        found = set()
        at = self.compact.find(needle)
        while at >= 0:
            found.add(self.compact_lines[at])
            at = self.compact.find(needle, at + 1)
        return sorted(found)

    def nearest(self, quote: str) -> Optional[Tuple[int, str]]:
        """(line, passage) of the source most likely meant by a quote that does not occur in it (a typo, a
        word dropped): the passage from the quote's longest beginning that occurs to its longest end that
        occurs near it (or the other way round), when the part shared is at least half the quote and the two
        are at least 80% alike; else None."""
        needle = _compact(quote)
        size = len(needle)
        if size < 8 or size > NEAREST_MAX_CHARS:  # too short to be told apart; too long to compare quickly
            return None
        head, tail = _longest(needle, self.compact, False), _longest(needle, self.compact, True)
        if max(head, tail) * 2 < size:
            return None
        reach = size + size // 4 + 1  # how far from the part found the rest of the passage may end
        if head >= tail:
            start = self.compact.find(needle[:head])
            window = self.compact[start:start + reach]
            found = _longest(needle, window, True)
            end = start + window.rfind(needle[size - found:]) + found if found else start + size
        else:
            end = self.compact.find(needle[size - tail:]) + tail
            first = max(end - reach, 0)
            window = self.compact[first:end]
            found = _longest(needle, window, False)
            start = first + window.find(needle[:found]) if found else max(end - size, 0)
        end = min(max(end, start + 1), len(self.compact))
        alike = difflib.SequenceMatcher(None, needle, self.compact[start:end], autojunk=False)
        if alike.real_quick_ratio() < 0.8 or alike.quick_ratio() < 0.8 or alike.ratio() < 0.8:
            return None
        return self.compact_lines[start], self._passage(start, end)

    def _passage(self, start: int, end: int) -> str:
        """The words of the source from compact index ``start`` to ``end``, spaced as in the text."""
        first, last = self.compact_lines[start], self.compact_lines[end - 1]
        skip = start - bisect.bisect_left(self.compact_lines, first)  # characters of its line before it
        keep = end - bisect.bisect_left(self.compact_lines, first)
        text = " ".join(" ".join(self.lines[n - 1].split()) for n in range(first, last + 1))
        out, seen = [], 0
        for char in text:
            if not char.isspace():
                seen += 1
            if skip < seen <= keep or (char.isspace() and skip < seen < keep):
                out.append(char)
        return "".join(out)

    def occupation_lines(self) -> List[Tuple[int, Optional[str], str, str]]:
        """(line, code or None, title, level) of every line published as ``[code] title – NOC X``."""
        out = []
        for number, line in enumerate(self.lines, 1):
            match = OCCUPATION_LINE.match(line)
            if match:
                out.append((number, match.group(1), match.group(2), match.group(3)))
        return out


class NearestPassages:
    """:meth:`SourceText.nearest` for the quotes of one check: each distinct quote searched for once, and all
    of them within ``work`` (see :data:`NEAREST_WORK`), in the order asked, so that the answer does not
    depend on the machine; a quote past it gets None, as one too long to compare does."""

    def __init__(self, source: SourceText, work: int = NEAREST_WORK):
        self.source, self.left = source, work
        self._found: Dict[str, Optional[Tuple[int, str]]] = {}

    def nearest(self, quote: str) -> Optional[Tuple[int, str]]:
        if quote in self._found:
            return self._found[quote]
        size = len(_compact(quote))
        cost = max(size, 200) ** 2 if 8 <= size <= NEAREST_MAX_CHARS else 0  # others are not compared
        if cost > self.left:
            return None
        self.left -= cost
        found = self._found[quote] = self.source.nearest(quote)
        return found


def _longest(needle: str, text: str, from_end: bool) -> int:
    """The length of the longest beginning (or end) of ``needle`` that occurs in ``text``: a bisection,
    since every shorter one then occurs too."""
    lo, hi = 0, len(needle)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if (needle[len(needle) - mid:] if from_end else needle[:mid]) in text:
            lo = mid
        else:
            hi = mid - 1
    return lo


def read_source(path: Union[str, os.PathLike], display: Optional[str] = None) -> SourceText:
    """Read a source document (a regular file under MAX_SOURCE_BYTES, looked at before it is read);
    a missing, special, huge or unreadable file is an InputError (exit 2)."""
    shown = display or str(path)
    try:
        raw = read_regular(path, MAX_SOURCE_BYTES, shown, expected="a text file", limit_of="source documents")
    except PolicyLoadError as exc:
        message = {"missing": "source document not found",
                   "not-a-file": "source document is not a regular file",
                   "too-large": f"source document is over the {MAX_SOURCE_BYTES}-byte limit"}.get(
            exc.code, exc.message.replace("cannot read file", "cannot read source document"))
        raise InputError(message, Span(shown), code=exc.code) from None
    try:
        source = SourceText.parse(raw, shown)
    except UnicodeDecodeError:
        raise InputError("source document is not UTF-8 text", Span(shown), code="encoding") from None
    if not source.compact:  # every quote would be "not found": one line says why
        raise InputError("source document is empty (no quote can be found in it)", Span(shown), code="empty")
    return source
