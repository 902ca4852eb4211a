"""One diagnostic type for everything a user can get wrong, and the one error hierarchy that carries it.

A :class:`Diagnostic` says where (a :class:`Span`), how bad, which code and what; its
optional :class:`Suggestion` is help as data (a kind and the values it offers), never
words naming a command-line flag, a command or an HTTP route: each front door (the
CLI, the service, the pages) words suggestions itself and renders a diagnostic once.
An error a user caused is a :class:`ScPolicyError` carrying one diagnostic; nothing
else is allowed to escape to the user as a traceback.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, Optional, Tuple


__all__ = [
    "Span",
    "visible",
    "echoed",
    "cut",
    "ECHO_CHARS",
    "one_line",
    "worded",
    "ScPolicyError",
    "InputError",
    "PolicyLoadError",
    "PolicyInvalidError",
    "invalid_policy",
    "integrity_first",
    "INTEGRITY_CHECKS",
    "UnknownVersionError",
    "unknown_version",
    "os_error",
    "shown_path",
    "run_check",
    "plain_words",
    "NOWHERE",
    "Diagnostic",
    "Suggestion",
    "SEVERITIES",
    "counted",
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


ECHO_CHARS = 40
"""How much of a user's value an error message repeats: a value may be a whole line or a pasted page."""


def cut(value: object, limit: int = ECHO_CHARS) -> str:
    """A user's value as an error message repeats it: cut after ``limit`` characters with an ellipsis."""
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[:limit] + "\u2026"


def echoed(value: object, limit: int = ECHO_CHARS) -> str:
    """A user's value as an error message quotes it: the ``repr`` of :func:`cut` (``'xxxx…'``), so
    that the message stays one short line."""
    return repr(cut(value, limit))


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

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "column": self.column}


def one_line(message: str, advice: Optional[str] = None) -> str:
    """``message (advice)`` on one line, every run of whitespace made one space and every other control
    character shown as an escape (:func:`visible`): how an error is shown."""
    text = f"{message} ({advice})" if advice else message
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # already so (every whitespace character but the space is unprintable)
    return visible(" ".join(text.split()))


NOWHERE = Span("")
"""The span of a diagnostic that is about no file (a caller's argument, the whole tree)."""


def worded(suggestion: Optional["Suggestion"], table: Mapping[str, Callable[["Suggestion"], str]]) -> str:
    """A suggestion in a front door's words: ``table`` words the kinds that door words itself (by
    kind); any other kind is its plain words. "" for none."""
    if suggestion is None:
        return ""
    word = table.get(suggestion.kind)
    return word(suggestion) if word is not None else suggestion.text


def counted(number: int, noun: str, plural: Optional[str] = None) -> str:
    """``1 error``, ``2 errors``, ``0 errors``: a number and its noun, singular for one."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def plain_words(suggestion: Optional["Suggestion"]) -> str:
    """A suggestion in words that name no front door: its ``text``. Each front door has its own
    words for the kinds that need them (see :class:`Suggestion`) and falls back to these."""
    return suggestion.text if suggestion is not None else ""


class ScPolicyError(Exception):
    """An error a user caused, carrying one :class:`Diagnostic` (code, message, span, suggestion).

    ``exit_code`` is the exit status a command ends with; ``default_code`` is the code of the
    class, which ``code=`` overrides. ``str(error)`` is the diagnostic in plain words (its
    suggestion's ``text``); a front door words it itself from :attr:`diagnostic`.
    """

    exit_code = 2
    default_code = "error"

    def __init__(self, message: str, span: Optional[Span] = None, *, code: Optional[str] = None,
                 suggestion: Optional["Suggestion"] = None):
        super().__init__(message)
        self.diagnostic = Diagnostic(span if span is not None else NOWHERE, "error", code or self.default_code,
                                     message, suggestion=suggestion)

    @property
    def code(self) -> str:
        return self.diagnostic.code

    @property
    def message(self) -> str:
        return self.diagnostic.message

    @property
    def span(self) -> Optional[Span]:
        """Where the problem is, or None when it is about no file."""
        return self.diagnostic.span if self.diagnostic.span.path else None

    @property
    def suggestion(self) -> Optional["Suggestion"]:
        return self.diagnostic.suggestion

    def at(self, span: Span) -> "ScPolicyError":
        """This error placed at ``span`` (when it has no place yet); returns itself."""
        if not self.diagnostic.span.path:
            self.diagnostic = replace(self.diagnostic, span=span)
        return self

    def line(self, words: Callable[[Optional["Suggestion"]], str] = plain_words) -> str:
        """``span: message (suggestion)`` on one line, the suggestion in ``words``."""
        where = self.span
        return one_line(self.message if where is None else f"{where}: {self.message}", words(self.suggestion))

    def __str__(self) -> str:
        return self.line()


def shown_path(path) -> str:
    """A path for a one-line message: control characters, line feeds and tabs escaped; whole, unless
    it is too long to read (ENAMETOOLONG), then its two ends and its length."""
    text = os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path)
    text = visible(text).replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= 200 else f"{text[:120]}…{text[-60:]} ({len(text)} characters)"


def os_error(exc: OSError, what: str = "", path=None) -> "ScPolicyError":
    """An error of the operating system (a full disk, a closed pipe, a permission, a name too long) as
    an error with code ``os-error``: at the path it names (else ``path``; ``path -> other`` for a
    rename), saying what was being done (``what``, when given) and why."""
    reason = " ".join((exc.strerror or str(exc) or type(exc).__name__).split())
    name = exc.filename if exc.filename is not None else path
    span = None
    if name is not None:
        filename2 = getattr(exc, "filename2", None)
        span = Span(shown_path(name) + (f" -> {shown_path(filename2)}" if filename2 is not None else ""))
    return ScPolicyError(f"cannot {what}: {reason}" if what else reason, span, code="os-error")


class InputError(ScPolicyError):
    """A caller's input (a NOC code, a NAICS code, a date, a CSV row) is not acceptable."""

    default_code = "bad-input"


class PolicyLoadError(ScPolicyError):
    """A rule file could not be read or parsed (missing, not UTF-8, bad YAML, unsafe YAML)."""

    default_code = "load"


class PolicyInvalidError(ScPolicyError):
    """The policy tree loaded, but fails validation; ``findings`` holds every error found."""

    default_code = "invalid"

    def __init__(self, message: str, span: Optional[Span] = None, *, findings=(), **kw):
        super().__init__(message, span, **kw)
        self.findings = tuple(findings)


INTEGRITY_CHECKS = ("hash-mismatch", "table-mismatch")
"""Findings that a frozen version no longer is what was put in force: named before any other error,
since they say why the others exist (a tampered file) and what to do (restore it, not fix it)."""


ROOT_CAUSES = ("unreadable",) + INTEGRITY_CHECKS + ("source-hash",)
"""Named first, in this order: a file or folder that cannot be read (its content unknown, a frozen version's hash
then differs), the integrity checks, a source document changed since its quotes were checked (every quote-not-found)."""


def integrity_first(findings):
    """``findings`` in their order, those of :data:`ROOT_CAUSES` moved to the front (in its order)."""
    return sorted(findings, key=lambda f: ROOT_CAUSES.index(f.code) if f.code in ROOT_CAUSES else len(ROOT_CAUSES))


def invalid_policy(findings, what: str) -> "PolicyInvalidError":
    """One line for a version that cannot be used: ``what``, then its first error (and its suggestion);
    when there are more errors, the suggestion is ``run-check`` with their number.

    ``findings`` may mix severities; only errors count (all of them, when none is marked one).
    An integrity error (a frozen version modified since) is always the one named.
    """
    errors = integrity_first([f for f in findings if f.severity == "error"] or list(findings))
    first = errors[0]
    message = f"{what}: {first.code}: {' '.join(first.message.split())}"
    suggestion = first.suggestion
    if len(errors) > 1:
        if suggestion is not None:  # the first error's own help stays with it, in its words
            message = one_line(message, suggestion.text)
        suggestion = run_check(len(errors) - 1)
    return PolicyInvalidError(message, first.span, findings=errors, suggestion=suggestion)


def run_check(more: int) -> "Suggestion":
    """``run-check``: ``more`` further errors, which a check of the whole tree lists."""
    return Suggestion("run-check", (str(more),), f"and {more} more {'error' if more == 1 else 'errors'}; "
                                                 f"a check of the policy tree lists them")


class UnknownVersionError(ScPolicyError):
    """A version id (or a date) names no version of the policy."""

    default_code = "unknown-version"


def unknown_version(version_id: str, known, tree: str = "", day: bool = False) -> UnknownVersionError:
    """The error for a version id the tree lacks, suggesting the ids it has (``known-versions``), or for
    one written as a ``day`` (YYYY-MM-DD), the version in force that day (``version-is-date``);
    ``tree`` is the policy tree that was read (carried as data, for a front door to name)."""
    ids = tuple(sorted(set(known)))  # the plain text names no path: the service and the pages show it
    known_ids = f"known versions: {', '.join(ids)}"
    return UnknownVersionError(f"unknown version {echoed(version_id)}", suggestion=Suggestion(
        "version-is-date", (version_id,) + ids, f"a date names no version: ask for the version in force on it; {known_ids}",
        tree=tree) if day else Suggestion("known-versions", ids, known_ids, tree=tree))


def missing_extra(message: str, extra: str) -> ScPolicyError:
    """The error for an optional part of sc-policy that is not installed: ``message`` says what needs what,
    and the suggestion (``install-extra``) names the extra that installs it."""
    return ScPolicyError(message, code="missing-dependency",
                         suggestion=Suggestion("install-extra", (extra,), f"install sc-policy's {extra} extra"))


def no_versions(tree: str) -> UnknownVersionError:
    """The error for a policy tree (``tree``, its folder) that holds no version: most likely the wrong folder."""
    return UnknownVersionError("no policy versions found", Span(tree))


SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Suggestion:
    """What the user can do about a diagnostic, as data: each front door puts it in its own words.

    ``kind`` says what sort of help it is; ``values`` are the things offered (codes, ids); ``text`` is the
    same help in plain words that name no command, flag or route (what ``str(error)`` shows, and what a
    front door shows for a kind it has no words of its own for). The kinds:

    - ``did-you-mean``: the name or code given is unknown; ``values`` are the nearest known ones.
    - ``leading-zeros``: a code short of its leading zeros (0112 as 112); ``values``: the code in full, its title.
    - ``known-versions``: a version id is unknown; ``values`` are the ids the tree has, ``tree`` the tree.
    - ``version-is-date``: an unknown version id written as a date; ``values``: that date, the known ids.
    - ``list-versions``: no version is in force on the day asked; the list of versions and their
      dates says which is in force when. No values.
    - ``choose-version``: the version in force cannot be chosen (a version's manifest is invalid);
      check the tree, or name a version by its id. No values.
    - ``run-check``: the version has more errors than the one named; ``values`` is their number;
      a check of the whole tree lists them.
    - ``noc-version``: a NOC code has the form of another NOC version's codes; ``values`` is that
      version (``2016`` or ``2021``), the classification to ask in.
    - ``one-of``: a value is not one of those accepted; ``values`` are the accepted ones.
    - ``known-columns``: a CSV input lacks a column; ``values`` are the columns its header has.
    - ``rename-column``: a CSV input's column clashes with one the output adds; rename or drop it.
    - ``choose-another-id``: a new version's id is taken; ``values`` is that id.
    - ``install-extra``: an optional part of sc-policy is not installed; ``values`` is the extra.
    - ``run-tests``: a version's own test cases fail; ``values`` is the version, whose cases to run.
    - ``new-version``: a frozen version cannot change; ``values`` is the version to make a new one from.
    - ``freeze``: freezing the version again records what is missing; ``values`` is the version.
    - ``give-source``: the policy's source document is not where the manifest says; name it.
    - ``finish-change``: a change of the tree was interrupted after it committed; ``values`` is the
      change as its caller named it (running it again, or any change of the tree, finishes it).
    - ``resolve``: a finding the analyst may settle on purpose by a resolution; ``values`` is the key
      it names (dropped once the finding is resolved).
    - ``note``: context that explains the refusal (no action); the text says it.
    """

    kind: str
    values: Tuple[str, ...] = ()
    text: str = ""
    tree: str = ""
    """The policy tree the help is about, when it matters (``known-versions``: the tree that was read),
    as data only (not in ``text``): the command line names it; the service and the pages, which must not
    show the server's paths, do not."""


@functools.total_ordering
@dataclass(frozen=True)
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

    def _order(self) -> tuple:
        # By place, then severity, code and message; at one place an unknown key comes first: it most
        # often explains the others there.
        return (self.span, self.severity, self.code != "unknown-key", self.code, self.message, self.subject,
                self.resolution)

    def __lt__(self, other: "Diagnostic") -> bool:
        if not isinstance(other, Diagnostic):
            return NotImplemented
        return self._order() < other._order()

    def resolved(self, resolution_id: str, decision: str) -> "Diagnostic":
        """This diagnostic as resolved: shown as ``info`` with the analyst's decision."""
        return replace(self, severity="info", resolution=resolution_id,
                       message=f"{self.message} [resolved by {resolution_id}: {decision}]",
                       suggestion=None if self.suggestion is not None and self.suggestion.kind == "resolve"
                       else self.suggestion)  # the advice to resolve it is followed

    def render(self, words: Callable[[Optional[Suggestion]], str] = plain_words) -> str:
        """The diagnostic as one line of text, ``span: severity code: message (suggestion)``, the
        suggestion in ``words`` (plain by default), control characters escaped."""
        return one_line(f"{self.span}: {self.severity} {self.code}: {self.message}", words(self.suggestion))

    def as_dict(self, words: Callable[[Optional[Suggestion]], str] = plain_words) -> dict:
        """The diagnostic for JSON: ``message`` has the suggestion in ``words`` (plain by default), and
        ``suggestion`` (when there is one) its kind and values."""
        out = {"path": self.span.path, "line": self.span.line, "column": self.span.column,
               "severity": self.severity, "check": self.code, "message": " ".join(self.message.split())}
        worded = words(self.suggestion)
        if worded:
            out["message"] += f" ({' '.join(worded.split())})"
        if self.subject:
            out["key"] = self.key
        if self.resolution:
            out["resolution"] = self.resolution
        if self.suggestion is not None:
            out["suggestion"] = {"kind": self.suggestion.kind, "values": list(self.suggestion.values)}
        return out
