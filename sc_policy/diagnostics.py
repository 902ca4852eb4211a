"""One error hierarchy: every error a user can cause carries a code, a span and an exit status.

The CLI catches :class:`ScPolicyError` in one place and prints ``str(error)``: a
single line naming what went wrong and where. Nothing else is allowed to escape
to the user as a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Optional, Tuple


__all__ = [
    "Span",
    "visible",
    "maybe",
    "one_line",
    "ScPolicyError",
    "InputError",
    "PolicyLoadError",
    "PolicyInvalidError",
    "invalid_policy",
    "integrity_first",
    "INTEGRITY_CHECKS",
    "UnknownVersionError",
    "Diagnostic",
    "Suggestion",
    "SEVERITIES",
]


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


def one_line(message: str, hint: Optional[str] = None) -> str:
    """``message (hint)`` on one line, every run of whitespace made one space and every other control
    character shown as an escape (:func:`visible`): how an error is shown."""
    text = f"{message} ({hint})" if hint else message
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # already so (every whitespace character but the space is unprintable)
    return visible(" ".join(text.split()))


class ScPolicyError(Exception):
    """Base class. ``code`` is a stable identifier, ``span`` where the problem is."""

    exit_code = 2
    code = "error"

    def __init__(self, message: str, span: Optional[Span] = None, *, code: Optional[str] = None,
                 hint: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return one_line(self.message if self.span is None else f"{self.span}: {self.message}", self.hint)

    @property
    def diagnostic(self) -> "Diagnostic":
        """This error as a :class:`Diagnostic` (severity error; the hint as a suggestion)."""
        return Diagnostic(self.span or Span(""), "error", self.code,
                          self.message + (f" ({self.hint})" if self.hint else ""))

    def as_dict(self) -> dict:
        out = {"code": self.code, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        if self.span is not None:
            out.update(self.span.as_dict())
        return out


class InputError(ScPolicyError):
    """A caller's input (a NOC code, a NAICS code, a date, a CSV row) is not acceptable."""

    code = "bad-input"


class PolicyLoadError(ScPolicyError):
    """A rule file could not be read or parsed (missing, not UTF-8, bad YAML, unsafe YAML)."""

    code = "load"


class PolicyInvalidError(ScPolicyError):
    """The policy tree loaded, but fails validation; ``findings`` holds every error found."""

    code = "invalid"

    def __init__(self, message: str, span: Optional[Span] = None, *, findings=(), **kw):
        super().__init__(message, span, **kw)
        self.findings = tuple(findings)


INTEGRITY_CHECKS = ("hash-mismatch", "table-mismatch")
"""Findings that a frozen version no longer is what was put in force: named before any other error,
since they say why the others exist (a tampered file) and what to do (restore it, not fix it)."""


def integrity_first(findings):
    """``findings`` in their order, those of :data:`INTEGRITY_CHECKS` moved to the front."""
    return sorted(findings, key=lambda f: f.code not in INTEGRITY_CHECKS)


def invalid_policy(findings, what: str) -> "PolicyInvalidError":
    """One line for a version that cannot be used: ``what``, then its first error and how many more.

    ``findings`` may mix severities; only errors count (all of them, when none is marked one).
    An integrity error (a frozen version modified since) is always the one named.
    """
    errors = integrity_first([f for f in findings if f.severity == "error"] or list(findings))
    first = errors[0]
    more = f" (and {len(errors) - 1} more errors; run `sc-policy check`)" if len(errors) > 1 else ""
    return PolicyInvalidError(f"{what}: {first.code}: {' '.join(first.message.split())}{more}",
                              first.span, findings=errors)


class UnknownVersionError(ScPolicyError):
    """A version id (or a date) names no version of the policy."""

    code = "unknown-version"


SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Suggestion:
    """What the user can do about a diagnostic, as data: each front door puts it in its own words.

    ``kind`` says what sort of help it is (``did-you-mean``, ``known-versions``, ...); ``values``
    are the things offered (codes, ids); ``text`` is plain help that names no command, flag or route.
    """

    kind: str
    values: Tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True, order=True)
class Diagnostic:
    """Anything a user can get wrong, or should know: where, how bad, which code, what.

    The one type from the YAML loader to an HTTP parameter: a check's finding, a refused input, a
    version that cannot be used. ``subject`` identifies what it is about (an area, a code) so that a
    resolution can name it as ``code:subject``, a key that stays stable when lines move;
    ``resolution`` is the id of the analyst's resolution that settled it (then the severity is info).
    """

    span: Span
    severity: str
    code: str
    message: str
    subject: str = ""
    resolution: str = ""
    suggestion: Optional[Suggestion] = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return f"{self.code}:{self.subject}" if self.subject else self.code

    def resolved(self, resolution_id: str, decision: str) -> "Diagnostic":
        """This diagnostic as resolved: shown as ``info`` with the analyst's decision."""
        return replace(self, severity="info", resolution=resolution_id,
                       message=f"{self.message} [resolved by {resolution_id}: {decision}]")

    def render(self) -> str:
        """The diagnostic as one line of text, control characters escaped."""
        return visible(" ".join(f"{self.span}: {self.severity} {self.code}: {self.message}".split()))

    def as_dict(self) -> dict:
        out = {"path": self.span.path, "line": self.span.line, "column": self.span.column,
               "severity": self.severity, "check": self.code, "message": " ".join(self.message.split())}
        if self.subject:
            out["key"] = self.key
        if self.resolution:
            out["resolution"] = self.resolution
        return out
