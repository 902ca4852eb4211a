"""The one place the service turns what went wrong into an RFC 9457 ``application/problem+json`` answer.

Two kinds of mistake reach it: a :class:`~sc_policy.diagnostics.Diagnostic` from the library
(an unknown code, a version not in force: ``ScPolicyError.diagnostic``) and a
pydantic validation error (a request whose shape the models of :mod:`sc_policy.http.models`
refuse). Both become a :class:`Problem` whose ``detail`` starts with the parameter at fault
and whose ``parameter`` names it; a library's :class:`~sc_policy.diagnostics.Suggestion` is
worded here, in the API's terms.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, Mapping, Optional, Sequence

from starlette.responses import Response

from sc_policy.diagnostics import Diagnostic, Suggestion, cut, echoed, one_line, worded
from sc_policy.http.models import DATE_PATTERN, MAX_PARAM_CHARS, DecisionInput
from sc_policy.present.render import dumps

__all__ = ["Problem", "NOSNIFF", "PROBLEM_TYPE", "TITLES", "problem_response", "from_diagnostic",
           "from_validation", "suggestion_words", "required", "shown", "PATH_ID_WORDS"]

PROBLEM_TYPE = "urn:sc-policy:problem:"
TITLES = {
    "bad-input": "Invalid input",
    "bad-request": "Malformed request",
    "unknown-version": "Unknown policy version",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "too-large": "Request too large",
    "unsupported-media-type": "Unsupported media type",
    "server-error": "Internal server error",
    "no-version-in-force": "No version in force",
}

NOSNIFF = {"X-Content-Type-Options": "nosniff"}
"""Sent with every response: a browser takes each body as the type it is labelled with, never guesses."""


class Problem(Exception):
    """A request the service refuses: becomes an ``application/problem+json`` response."""

    def __init__(self, status: int, code: str, detail: str, parameter: Optional[str] = None,
                 headers: Optional[Mapping[str, str]] = None):
        super().__init__(detail)
        self.status, self.code, self.detail, self.parameter = status, code, detail, parameter
        self.headers = dict(headers or {})      # sent with the answer (e.g. what the service takes instead)

    def as_dict(self) -> dict:
        out = {"type": PROBLEM_TYPE + self.code, "title": TITLES.get(self.code, "Invalid input"),
               "status": self.status, "detail": self.detail}
        if self.parameter is not None:
            out["parameter"] = self.parameter
        return out

    def within(self, where: str) -> "Problem":
        """The same problem about an item of a batch: ``where`` (``[3].``) put before the parameter."""
        if self.parameter is None or self.parameter.startswith("["):
            return self
        return Problem(self.status, self.code, where + self.detail, where + self.parameter)


def shown(name: str) -> str:
    """A name the client sent (a parameter, a key of a batch item, a path, a header's value) as a detail
    repeats it: cut (:func:`~sc_policy.diagnostics.cut`), and quoted with its escapes when it is empty or holds
    a character a line cannot show as it is (a line feed, a terminal's escape sequence, a bidirectional
    override), as a value is (:func:`~sc_policy.diagnostics.echoed`): the detail stays one line that shows
    what was sent."""
    text = cut(name)
    return text if text and text.isprintable() else echoed(name)


def problem_response(problem: Problem, headers: Optional[Mapping[str, str]] = None) -> Response:
    # The header is set here too, not only by the middleware: a 500 is answered outside all middleware.
    return Response(dumps(problem.as_dict()), status_code=problem.status,
                    headers={**NOSNIFF, **problem.headers, **(headers or {})}, media_type="application/problem+json")


# -- a library diagnostic -------------------------------------------------------------------------------

_NOC_VERSION = {"2016": "a NOC 2016 code has four digits; give noc_version=2016 or none",
                "2021": "this looks like a five-digit NOC 2021 code; give noc_version=2021"}

SUGGESTION_WORDS: Dict[str, Callable[[Suggestion], str]] = {
    "known-versions": lambda s: f"known versions: {', '.join(s.values)}" if s.values else s.text,
    "list-versions": lambda s: "GET /v1/versions lists the versions and their dates",
    "version-is-date": lambda s: f"for the version in force on that day, give on={s.values[0]}",
    "choose-version": lambda s: "name a version with the version parameter",
    "noc-version": lambda s: _NOC_VERSION.get(s.values[0] if s.values else "", s.text),
    "one-of": lambda s: f"use {' or '.join(s.values)}" if s.values else s.text,
}
"""The kinds of :class:`Suggestion` the API words itself (those about its parameters and routes);
every other kind is given in its plain words (:attr:`Suggestion.text`)."""


PATH_ID_WORDS: Dict[str, Callable[[Suggestion], str]] = {
    **SUGGESTION_WORDS,
    "version-is-date": lambda s: "a date names no version; GET /v1/versions lists the versions and their dates",
}
"""The words for a version id in a path (``/v1/versions/{id}``), which takes no ``on``."""


def suggestion_words(suggestion: Optional[Suggestion],
                     words: Mapping[str, Callable[[Suggestion], str]] = SUGGESTION_WORDS) -> str:
    """A suggestion in the API's words ("" for none)."""
    return worded(suggestion, words)


def from_diagnostic(diagnostic: Diagnostic, parameter: Optional[str], status: int = 400,
                    words: Mapping[str, Callable[[Suggestion], str]] = SUGGESTION_WORDS) -> Problem:
    """A library diagnostic about ``parameter`` as a problem: ``parameter: message (suggestion)``, the
    suggestion in ``words`` (:data:`PATH_ID_WORDS` for a version named in a path)."""
    detail = one_line(diagnostic.message, suggestion_words(diagnostic.suggestion, words))
    if parameter:
        detail = f"{parameter}: {detail}"
    code = diagnostic.code if diagnostic.code in TITLES else "bad-input"
    return Problem(status, code, detail, parameter)


# -- a request the models refuse ---------------------------------------------------------------------------

REQUIRED = {
    "noc": "a NOC 2016 or NOC 2021 unit group code",
    "old": "a version id, or a date YYYY-MM-DD naming the version in force that day",
    "new": "a version id, or a date YYYY-MM-DD naming the version in force that day",
}
"""What a required parameter is, said when it is missing."""


def required(name: str) -> str:
    what = REQUIRED.get(name.rpartition(".")[2])
    return f"required ({what})" if what else "required"


def _wording(name: str, error: Mapping) -> str:
    kind, ctx, value = error.get("type", ""), error.get("ctx") or {}, error.get("input")
    if kind == "missing" or (kind == "string_type" and value is None):   # null is not given
        return required(name)
    if kind == "string_too_long":
        return f"longer than {ctx.get('max_length')} characters"
    if kind == "string_type":
        field = name.rpartition(".")[2]
        return "must be a string (codes may start with 0)" if field in ("noc", "industry") else "must be a string"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == DATE_PATTERN:
        return f"{echoed(value)} is not a calendar date written YYYY-MM-DD"
    if kind == "literal_error":
        choices = [c for c in re.findall(r"'([^']*)'", str(ctx.get("expected", ""))) if c]
        if not isinstance(value, str):   # a JSON number 2021 is not the text "2021"
            kind = "a boolean" if isinstance(value, bool) else "a number" if isinstance(value, (int, float)) else \
                "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else "null"
            return f"must be a string, {' or '.join(choices)}, not {kind}"
        return f"must be {' or '.join(choices)}, not {echoed(value)}"
    if kind == "extra_forbidden":
        return f"unknown parameter (expected one of {', '.join(DecisionInput.model_fields)})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be an object with a noc"
    return " ".join(str(error.get("msg", "not valid")).split())


def from_validation(errors: Sequence[Mapping], where: str = "") -> Problem:
    """The first of pydantic's errors as a problem naming its parameter (``where`` before it, in a batch)."""
    error = errors[0] if errors else {}
    loc = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body")]
    name = ".".join(loc)[:MAX_PARAM_CHARS]
    parameter = (where + name) if name else (where.rstrip(".") or "request")
    named = (where + shown(name)) if name else parameter     # a name is repeated cut, as a value is
    return Problem(400, "bad-input", f"{named}: {_wording(name, error)}", parameter)
