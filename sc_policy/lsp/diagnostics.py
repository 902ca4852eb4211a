"""A check's findings as the Language Server Protocol's diagnostics.

A finding's span is 1-based (line and column in characters, 0 for unknown); an LSP position is
0-based, its column in the code units the client asked for (UTF-16 by default). The range runs
from the finding's column to the end of its line, so that an editor underlines the entry it is
about. The code is the check id; a resolved finding is information, its message ending with the
resolution and its decision, its ``data`` naming the resolution and its related information pointing
at the resolution's entry in ``resolutions.yaml``.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence

from lsprotocol import types

from sc_policy.diagnostics import Diagnostic, one_line, plain_words

__all__ = ["to_lsp", "SEVERITY", "SOURCE"]

SOURCE = "sc-policy"

SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}


def _range(line: int, column: int, lines: Sequence[str], units: Callable[[str], int]) -> types.Range:
    """The range of a finding at 1-based ``line`` and ``column`` (0: unknown) in a text of ``lines``."""
    at = min(max(line - 1, 0), max(len(lines) - 1, 0))
    text = lines[at].rstrip("\r\n") if lines else ""
    start = min(max(column - 1, 0), len(text))
    end = len(text) if len(text) > start else start
    return types.Range(types.Position(at, units(text[:start])), types.Position(at, units(text[:end])))


def to_lsp(findings: Sequence[Diagnostic], lines: Sequence[str], units: Callable[[str], int] = len,
           resolution: Callable[[str], Optional[types.Location]] = lambda rid: None) -> List[types.Diagnostic]:
    """The findings about one file as LSP diagnostics; ``lines`` is the file's text (as the editor has
    it), ``units`` counts a string's characters in the client's code units, ``resolution`` gives the
    place of a resolution by its id (None: not known)."""
    out = []
    for finding in findings:
        data = {"key": finding.key}
        if finding.resolution:
            data["resolution"] = finding.resolution
        if finding.suggestion is not None:
            data["suggestion"] = {"kind": finding.suggestion.kind, "values": list(finding.suggestion.values)}
        where = resolution(finding.resolution) if finding.resolution else None
        related = [types.DiagnosticRelatedInformation(where, f"resolved by {finding.resolution}")] if where else None
        out.append(types.Diagnostic(
            range=_range(finding.span.line, finding.span.column, lines, units),
            message=one_line(finding.message, plain_words(finding.suggestion)),
            severity=SEVERITY.get(finding.severity, types.DiagnosticSeverity.Error),
            code=finding.code,
            source=SOURCE,
            related_information=related,
            data=data,
        ))
    return out
