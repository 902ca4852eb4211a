"""Findings as GitHub Actions workflow commands: ``::error file=PATH,line=L,col=C,title=CHECK::MESSAGE``.

A workflow step that prints these lines gets each finding as an annotation on the pull request's
diff. The level is ``error``, ``warning`` or ``notice`` (for info); the escaping is the one of
GitHub's actions toolkit (``%``, carriage return and line feed in the message; also ``:`` and
``,`` in a property), so that a message cannot end the command early or start another.
"""

from __future__ import annotations

from typing import Callable, Iterable, List, Optional

from sc_policy.diagnostics import Diagnostic, Suggestion, plain_words, visible

__all__ = ["LEVELS", "escape_data", "escape_property", "annotation", "annotations", "failed"]

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """A command's message, escaped as GitHub's toolkit escapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value, escaped as GitHub's toolkit escapes it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Diagnostic, located: Callable[[str], str] = str,
               words: Callable[[Optional[Suggestion]], str] = plain_words) -> str:
    """One finding as one workflow command line; ``located`` maps its path to the path from the
    repository's root. Control characters other than line breaks are shown as escapes."""
    props: List[str] = []
    if finding.span.path:
        props.append(f"file={escape_property(visible(located(finding.span.path)))}")
        if finding.span.line:
            props.append(f"line={finding.span.line}")
            props.append(f"col={finding.span.column or 1}")
    props.append(f"title={escape_property(visible(finding.code))}")
    message = visible(finding.as_dict(words)["message"])
    return f"::{LEVELS.get(finding.severity, 'notice')} {','.join(props)}::{escape_data(message)}"


def annotations(findings: Iterable[Diagnostic], located: Callable[[str], str] = str,
                words: Callable[[Optional[Suggestion]], str] = plain_words) -> str:
    """Every finding as a workflow command, one per line (with a final newline when there are any)."""
    return "".join(annotation(f, located, words) + "\n" for f in findings)


def failed(line: str) -> str:
    """The workflow command (and newline) saying the check could not run, and why (``line``): an error
    annotation of the run, on no file."""
    return f"::error title=sc-policy::{escape_data(visible(line))}\n"
