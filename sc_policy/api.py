"""The library API: what the CLI, a notebook and the HTTP service all call.

    >>> from sc_policy.api import Workspace
    >>> ws = Workspace()                     # the shipped policy tree
    >>> answer = ws.explain("2174", industry="541514")
    >>> answer.verdict
    'eligible'

A :class:`Workspace` opens a policy tree; :meth:`Workspace.open` loads, validates
and compiles one version (once; it is kept) and refuses a version with errors.
Decisions come from the version's decision table (:mod:`sc_policy.table`), which is
kept with the validated model in the on-disk cache (:mod:`sc_policy.cache`): opening
a version whose files have not changed parses no YAML and no expression.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple, Union

from .cache import CachedVersion, TableCache
from .errors import Finding, PolicyInvalidError, invalid_policy
from .evaluate import Answer, Evaluator
from .model import Version
from .refdata import ReferenceData, reference_data
from .render import version_to_dict
from .tree import LoadedVersion, PolicyTree, VersionRef, manifests, resolve_root, select_version

if TYPE_CHECKING:  # imported when needed: check and compile import rule-engine (0.3 s)
    from .check import SourceText
    from .compile import CompiledVersion
    from .table import DecisionTable

__all__ = ["Workspace", "OpenVersion"]


@dataclass(frozen=True)
class OpenVersion:
    """A loaded, validated and compiled version, ready to decide (from its decision table)."""

    version: Version
    evaluator: Evaluator
    findings: Tuple[Finding, ...]  # warnings and resolved (info) findings; never errors

    @property
    def compiled(self) -> "CompiledVersion":
        """The compiled clauses (compiled on first use when the version came from the cache)."""
        return self.evaluator.compiled

    @property
    def table(self) -> "DecisionTable":
        return self.evaluator.table


class Workspace:
    """A policy tree and the versions opened from it."""

    def __init__(self, policies: Optional[str | os.PathLike] = None, refdata: Optional[ReferenceData] = None, *,
                 cache: Union[bool, TableCache, None] = True):
        """``cache``: True for the user's cache (see :mod:`sc_policy.cache`), False for none, or a TableCache."""
        self.root = resolve_root(policies)
        self.tree = PolicyTree(self.root)
        self.refdata = refdata or reference_data()
        self.cache: Optional[TableCache] = TableCache.default() if cache is True else (cache or None)
        self._open: Dict[str, OpenVersion] = {}

    def select(self, version: Optional[str] = None, on: Optional[dt.date] = None):
        return select_version(self.tree, version, on)

    def load(self, version: Optional[str] = None, on: Optional[dt.date] = None) -> LoadedVersion:
        return self.tree.load(self.select(version, on))

    def open(self, version: Optional[str] = None, on: Optional[dt.date] = None) -> OpenVersion:
        """Load, validate and compile a version; raise PolicyInvalidError if it has any error."""
        return self.open_ref(self.select(version, on))

    def open_ref(self, ref: VersionRef) -> OpenVersion:
        """Open a version folder: from the cache when its files are unchanged, else from the files."""
        key = ref.rel
        if key in self._open:
            return self._open[key]
        try:
            cache_key = self.cache.key(self.root, ref.policy, ref.folder, ref.rel) if self.cache else None
        except OSError:  # an unreadable file: no cache; loading the files below names it
            cache_key = None
        entry = self.cache.load(cache_key, ref.rel) if cache_key else None
        if entry is not None:
            opened = OpenVersion(entry.version, Evaluator(refdata=self.refdata, table=entry.table,
                                                          version=entry.version), entry.findings)
            self._open[key] = opened
            return opened
        from .check import check_version, has_errors
        from .lifecycle import hash_findings
        from .compile import compile_version
        from .table import build_table
        loaded = self.tree.load(ref)
        if loaded.errors or loaded.version is None:
            raise invalid_policy(loaded.findings, f"version {ref.id} is invalid")
        compiled, problems = compile_version(loaded.version)
        if compiled is None:
            raise invalid_policy(problems, f"version {ref.id} is invalid")
        # A frozen version whose content changed is refused here too, not only by `check`:
        # its decisions would no longer be those of the version that was put in force.
        findings = check_version(loaded, self.root, refdata=self.refdata, compiled=compiled,
                                 extra=hash_findings(loaded.version))
        if has_errors(findings):
            raise invalid_policy(findings, f"version {ref.id} is invalid")
        try:
            table = build_table(Evaluator(compiled, self.refdata))
        except PolicyInvalidError as exc:  # an expression that fails or overruns its time budget on some input
            raise invalid_policy([Finding.from_error(exc)], f"version {ref.id} is invalid") from None
        opened = OpenVersion(loaded.version, Evaluator(compiled, self.refdata, table=table), tuple(findings))
        if self.cache is not None and cache_key:
            self.cache.store(cache_key, ref.rel, CachedVersion(loaded.version, opened.findings, table))
        self._open[key] = opened
        return opened

    def check(self, versions: Optional[List[str]] = None,
              source: Optional[str | os.PathLike | SourceText] = None) -> List[Finding]:
        """Every finding of `sc-policy check` about the named versions (all by default)."""
        from .check import check_tree
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
