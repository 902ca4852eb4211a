"""The library API: what the CLI, a notebook and the HTTP service all call.

    >>> from sc_policy.api import Workspace
    >>> ws = Workspace()                     # the shipped policy tree
    >>> answer = ws.explain("2174", industry="541514")
    >>> answer.verdict
    'eligible'

A :class:`Workspace` opens a policy tree; :meth:`Workspace.open` loads, validates
and compiles one version (once; it is kept) and refuses a version with errors.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .check import SourceText, check_tree, check_version, has_errors
from .compile import CompiledVersion, compile_version
from .errors import Finding, PolicyInvalidError
from .evaluate import Answer, Evaluator
from .model import Version
from .refdata import ReferenceData, reference_data
from .render import version_to_dict
from .tree import LoadedVersion, PolicyTree, manifests, resolve_root, select_version

__all__ = ["Workspace", "OpenVersion"]


@dataclass(frozen=True)
class OpenVersion:
    """A loaded, validated and compiled version, ready to decide."""

    version: Version
    compiled: CompiledVersion
    evaluator: Evaluator
    findings: Tuple[Finding, ...]  # warnings and resolved (info) findings; never errors


def invalid(findings, what: str) -> PolicyInvalidError:
    errors = [f for f in findings if f.severity == "error"]
    first = errors[0]
    more = f" (and {len(errors) - 1} more errors; run `sc-policy check`)" if len(errors) > 1 else ""
    return PolicyInvalidError(f"{what} is invalid: {first.check}: {' '.join(first.message.split())}{more}",
                              first.span, findings=errors)


class Workspace:
    """A policy tree and the versions opened from it."""

    def __init__(self, policies: Optional[str | os.PathLike] = None, refdata: Optional[ReferenceData] = None):
        self.root = resolve_root(policies)
        self.tree = PolicyTree(self.root)
        self.refdata = refdata or reference_data()
        self._open: Dict[str, OpenVersion] = {}

    def select(self, version: Optional[str] = None, on: Optional[dt.date] = None):
        return select_version(self.tree, version, on)

    def load(self, version: Optional[str] = None, on: Optional[dt.date] = None) -> LoadedVersion:
        return self.tree.load(self.select(version, on))

    def open(self, version: Optional[str] = None, on: Optional[dt.date] = None) -> OpenVersion:
        """Load, validate and compile a version; raise PolicyInvalidError if it has any error."""
        ref = self.select(version, on)
        key = ref.rel
        if key in self._open:
            return self._open[key]
        loaded = self.tree.load(ref)
        if loaded.errors or loaded.version is None:
            raise invalid(loaded.findings, f"version {ref.id}")
        compiled, problems = compile_version(loaded.version)
        if compiled is None:
            raise invalid(problems, f"version {ref.id}")
        findings = check_version(loaded, self.root, refdata=self.refdata, compiled=compiled)
        if has_errors(findings):
            raise invalid(findings, f"version {ref.id}")
        opened = OpenVersion(loaded.version, compiled, Evaluator(compiled, self.refdata), tuple(findings))
        self._open[key] = opened
        return opened

    def check(self, versions: Optional[List[str]] = None,
              source: Optional[str | os.PathLike | SourceText] = None) -> List[Finding]:
        """Every finding of `sc-policy check` about the named versions (all by default)."""
        return check_tree(self.tree, versions, source, self.refdata)

    def explain(self, noc, industry=None, *, version: Optional[str] = None, on: Optional[dt.date] = None,
                noc_version: str = "2016") -> Answer:
        return self.open(version, on).evaluator.answer(noc, industry, noc_version)

    def versions(self) -> List[dict]:
        """Every version's manifest (as a dict), in tree order; an unreadable manifest is marked."""
        rows = []
        for ref, manifest in manifests(self.tree, self.tree.refs()):
            if manifest is None:
                rows.append({"policy": ref.policy, "id": ref.id, "status": "invalid", "effective_from": "?",
                             "effective_to": None, "title": "", "assumptions": {},
                             "problem": f"{ref.rel}/version.yaml is missing or invalid; run `sc-policy check`"})
                continue
            loaded = self.tree.load(ref)
            if loaded.version is not None:
                rows.append(version_to_dict(loaded.version))
            else:
                row = manifest.as_dict()
                row["problem"] = "version has errors; run `sc-policy check`"
                rows.append(row)
        return rows
