"""Findings as a SARIF 2.1.0 log, the format code-scanning services (GitHub's among them) read.

One run of the tool ``sc-policy``; one rule per check id that has findings; one result per
finding with its rule id, level (error, warning, note), message and physical location (the file
as a URI reference, relative when the path is, and the region's start line and column). A
finding the analyst resolved (severity info, with the resolution's id) is a ``note`` carrying an
external, accepted suppression whose justification names the resolution, so that a code-scanning
service files it as dismissed rather than open. Built from plain dicts in a fixed order: the same
findings give the same bytes.
"""

from __future__ import annotations

import posixpath
from pathlib import PurePosixPath, PureWindowsPath
from typing import Callable, Iterable, List, Optional
from urllib.parse import quote

from sc_policy.diagnostics import Diagnostic, Suggestion, plain_words

__all__ = ["SARIF_SCHEMA", "SARIF_VERSION", "LEVELS", "sarif_log", "artifact_uri"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
"""A finding's severity -> the SARIF result level."""


def artifact_uri(path: str) -> str:
    """A file path as a SARIF artifact URI: a relative reference (``/`` separated, percent-encoded)
    for a relative path, a ``file:`` URI for an absolute one."""
    if PureWindowsPath(path).is_absolute() and not path.startswith("/"):
        return PureWindowsPath(path).as_uri()
    if path.startswith("/"):
        return PurePosixPath(path).as_uri()
    return quote(posixpath.normpath(path.replace("\\", "/")), safe="/")


def _result(finding: Diagnostic, rule_index: int, located: Callable[[str], str],
            words: Callable[[Optional[Suggestion]], str]) -> dict:
    out = {"ruleId": finding.code, "ruleIndex": rule_index, "level": LEVELS.get(finding.severity, "note"),
           "message": {"text": finding.as_dict(words)["message"]}}
    if finding.span.path:
        physical: dict = {"artifactLocation": {"uri": artifact_uri(located(finding.span.path))}}
        if finding.span.line:
            physical["region"] = {"startLine": finding.span.line, "startColumn": finding.span.column or 1}
        out["locations"] = [{"physicalLocation": physical}]
    if finding.resolution:
        out["suppressions"] = [{"kind": "external", "status": "accepted",
                                "justification": f"resolved by {finding.resolution}"}]
    if finding.subject:
        out["partialFingerprints"] = {"scPolicyKey/v1": finding.key}
    return out


def sarif_log(findings: Iterable[Diagnostic], tool_version: str, located: Callable[[str], str] = str,
              words: Callable[[Optional[Suggestion]], str] = plain_words, failure: Optional[str] = None) -> dict:
    """The SARIF log of ``findings``: ``located`` maps a finding's path to the path a reader of the
    log resolves (e.g. relative to the repository root); ``words`` words each suggestion. ``failure``, the
    one line saying why the check could not run, makes a log with no results whose invocation did not
    succeed and says why (a code-scanning upload then reads a log, not an empty file)."""
    findings = list(findings)
    rules: List[str] = sorted({f.code for f in findings})
    index = {rule: i for i, rule in enumerate(rules)}
    driver = {"name": "sc-policy", "version": tool_version, "rules": [{"id": rule} for rule in rules]}
    run = {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints",
           "results": [_result(f, index[f.code], located, words) for f in findings]}
    if failure is not None:
        run["invocations"] = [{"executionSuccessful": False, "toolExecutionNotifications": [
            {"level": "error", "message": {"text": failure}}]}]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
