"""The library API: what the CLI, a notebook and the HTTP service all call.

    >>> from sc_policy.app.workspace import Workspace
    >>> ws = Workspace()                     # the shipped policy tree
    >>> answer = ws.explain("2174", industry="541514")
    >>> answer.verdict
    'eligible'

A :class:`Workspace` opens a policy tree; :meth:`Workspace.open` loads, validates
and compiles one version (once; it is kept) and refuses a version with errors.
Decisions come from the version's decision table (:mod:`sc_policy.engine.table`), which is
kept with the validated rule files in the on-disk cache (:mod:`sc_policy.app.cache`): opening
a version whose files have not changed parses no YAML and no expression.

A frozen version's cache entry is used only when it matches what the version's
manifest records: its content hash and the hash of its decisions
(:func:`sc_policy.engine.table.decisions_hash`). Anything else (a forged or foreign
entry) is set aside, said in :attr:`Workspace.notices`, and the version is opened
from its files. A draft's entry is trusted as its owner's.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Tuple, Union

from sc_policy.app.cache import CachedVersion, TableCache
from sc_policy.diagnostics import Diagnostic, PolicyInvalidError, ScPolicyError, invalid_policy
from sc_policy.engine.decide import Answer, Evaluator
from sc_policy.checks.lifecycle import hash_findings, is_frozen, table_findings
from sc_policy.load.yamlfile import load_document
from sc_policy.model import Version
from sc_policy.reference.statcan import ReferenceData, reference_data
from sc_policy.present.render import version_to_dict
from sc_policy.engine.table import decisions_hash
from sc_policy.load.tree import LoadedVersion, PolicyTree, VersionRef, manifests, resolve_root, select_version

if TYPE_CHECKING:  # imported when needed: check and compile import rule-engine (0.3 s)
    from sc_policy.load.policytext import SourceText
    from sc_policy.engine.compile import CompiledVersion
    from sc_policy.engine.table import DecisionTable

__all__ = ["Workspace", "OpenVersion"]


@dataclass(frozen=True)
class OpenVersion:
    """A loaded, validated and compiled version, ready to decide (from its decision table)."""

    version: Version
    evaluator: Evaluator
    findings: Tuple[Diagnostic, ...]  # warnings and resolved (info) findings; never errors

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
                 cache: Union[bool, TableCache, None] = True, notify: Optional[Callable[[str], None]] = None):
        """``cache``: True for the user's cache (see :mod:`sc_policy.app.cache`), False for none, or a TableCache.

        ``notify`` is called with each notice (one line) as it is recorded in :attr:`notices`:
        something the user should know that did not stop the answer (a cache entry set aside).
        """
        self.root = resolve_root(policies)
        self.tree = PolicyTree(self.root)
        self.refdata = refdata or reference_data()
        self.cache: Optional[TableCache] = TableCache.default() if cache is True else (cache or None)
        self.notices: List[str] = []
        self._notify = notify
        self._open: Dict[str, OpenVersion] = {}

    def _notice(self, text: str) -> None:
        self.notices.append(text)
        if self._notify is not None:
            self._notify(text)

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
            problem = _untrusted(ref, entry)
            if problem is None:
                opened = OpenVersion(entry.version, Evaluator(refdata=self.refdata, table=entry.table,
                                                              version=entry.version), entry.findings)
                self._open[key] = opened
                return opened
            if problem:
                self._notice(f"the cache entry of version {ref.id} is not what {ref.id} was frozen with "
                             f"({problem}): set aside; deciding from the rule files")
        from sc_policy.app.checking import check_version, has_errors
        from sc_policy.engine.compile import compile_version
        from sc_policy.engine.table import build_table
        loaded = self.tree.load(ref)
        # A frozen version whose content changed is refused before anything else is said about it:
        # its decisions would no longer be those of the version that was put in force.
        modified = hash_findings(loaded.version) if loaded.version is not None else []
        if modified or loaded.errors or loaded.version is None:
            raise invalid_policy(modified + list(loaded.findings), f"version {ref.id} is invalid")
        compiled, problems = compile_version(loaded.version)
        if compiled is None:
            raise invalid_policy(problems, f"version {ref.id} is invalid")
        findings = check_version(loaded, self.root, refdata=self.refdata, compiled=compiled)
        if has_errors(findings):
            raise invalid_policy(findings, f"version {ref.id} is invalid")
        try:
            table = build_table(Evaluator(compiled, self.refdata))
        except PolicyInvalidError as exc:  # an expression that fails or overruns its time budget on some input
            raise invalid_policy([exc.diagnostic], f"version {ref.id} is invalid") from None
        manifest = loaded.version.manifest
        if is_frozen(manifest) and manifest.table_sha256:
            changed = [f for f in table_findings(loaded.version, decisions_hash(table)) if f.severity == "error"]
            if changed:
                raise invalid_policy(changed, f"version {ref.id} is invalid")
        opened = OpenVersion(loaded.version, Evaluator(compiled, self.refdata, table=table), tuple(findings))
        # A frozen version without a recorded decisions hash is never answered from the cache (it
        # could not be verified), so it is not stored either.
        if self.cache is not None and cache_key and not (is_frozen(manifest) and not manifest.table_sha256):
            self.cache.store(cache_key, ref.rel,
                             CachedVersion(loaded.version, opened.findings, table, loaded.documents))
        self._open[key] = opened
        return opened

    def check(self, versions: Optional[List[str]] = None,
              source: Optional[str | os.PathLike | SourceText] = None) -> List[Diagnostic]:
        """Every finding of `sc-policy check` about the named versions (all by default)."""
        from sc_policy.app.checking import check_tree
        return check_tree(self.tree, versions, source, self.refdata)

    def explain(self, noc, industry=None, *, version: Optional[str] = None, on: Optional[dt.date] = None,
                noc_version: str = "2016") -> Answer:
        return self.open(version, on).evaluator.answer(noc, industry, noc_version)

    def versions(self) -> List[dict]:
        """Every version's manifest (as a dict), in tree order; an unreadable manifest is marked.

        Each row's ``integrity`` is ``intact`` or ``modified`` for a frozen version (whether its
        content still has the hash recorded when it was frozen), None otherwise.
        """
        rows = []
        for ref, manifest in manifests(self.tree, self.tree.refs()):
            if manifest is None:
                rows.append({"policy": ref.policy, "id": ref.id, "status": "invalid", "effective_from": "?",
                             "effective_to": None, "title": "", "assumptions": {}, "integrity": None,
                             "problem": f"{ref.rel}/version.yaml is missing or invalid; run `sc-policy check`"})
                continue
            loaded = self.tree.load(ref)
            if loaded.version is not None:
                rows.append(version_to_dict(loaded.version))
            else:
                row = manifest.as_dict()
                row["integrity"] = None
                row["problem"] = "version has errors; run `sc-policy check`"
                rows.append(row)
        return rows


def _untrusted(ref: VersionRef, entry: CachedVersion) -> Optional[str]:
    """None when a cache entry may answer for version ``ref``; else why not (empty: nothing to tell).

    The trust anchor is the manifest on disk, never the entry: the entry's rule files
    must hold exactly that manifest and, for a frozen version, have the recorded
    content hash, and its table must decide what the recorded decisions hash says.
    A draft's entry is trusted as its owner's. A frozen version that records no
    decisions hash (frozen by an older sc-policy) cannot be verified, so it is not
    answered from the cache at all.
    """
    try:
        disk = load_document(ref.folder / "version.yaml", f"{ref.rel}/version.yaml")
    except ScPolicyError:
        return ""  # opening from the files names the problem
    cached = next((d for d in entry.documents if d.path == disk.path), None)
    if cached is None or cached.data != disk.data:
        return "its manifest differs from version.yaml"
    m = entry.version.manifest
    if not is_frozen(m):
        return None
    if not m.table_sha256:
        return ""
    if entry.version.content_hash != m.sha256:
        return f"its rule files do not hash to the recorded sha256 {m.sha256}"
    if decisions_hash(entry.table) != m.table_sha256:
        return f"its decisions do not hash to the recorded table_sha256 {m.table_sha256}"
    return None
