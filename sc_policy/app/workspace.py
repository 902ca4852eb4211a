"""The library API: what the CLI, a notebook and the HTTP service all call.

    >>> from sc_policy.app.workspace import Workspace
    >>> ws = Workspace()                     # the shipped policy tree
    >>> answer = ws.explain("2174", industry="541514")
    >>> answer.verdict
    'eligible'

A :class:`Workspace` opens a policy tree and runs the pipeline once per version and per workspace (another workspace
opens the version again, from the cache when it can): it reads, checks and compiles a version at most once
(:meth:`Workspace.load_ref`, :meth:`Workspace.open_ref`), remembers which version an id or a date chooses
(:meth:`Workspace.select`), and builds a version's decision table (:mod:`sc_policy.engine.table`) only when a
decision is first asked for, so that opening a version to check or test it does not pay for one. The table is kept
with the validated rule files in the on-disk cache (:mod:`sc_policy.app.cache`): opening a version whose files have
not changed compiles no expression and parses no rule file but its manifest (by libyaml: bytes validated before).

A frozen version's cache entry is used only when it matches what the version's manifest records: its content hash
and the hash of its decisions (:func:`sc_policy.engine.table.decisions_hash`). Anything else (a forged or foreign
entry) is set aside, said in :attr:`Workspace.notices`, and the version is opened from its files. A draft's entry is
trusted as its owner's: a cache folder not theirs alone is not used.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from sc_policy.app.cache import CachedVersion, TableCache
from sc_policy.checks.lifecycle import hash_findings, is_frozen, status_findings, table_findings
from sc_policy.diagnostics import Diagnostic, InputError, PolicyInvalidError, ScPolicyError, invalid_policy, os_error
from sc_policy.engine.decide import Answer, Evaluator
from sc_policy.engine.table import decisions_hash
from sc_policy.load.tree import LoadedVersion, PolicyTree, VersionRef, manifest_of, resolve_root, select_version
from sc_policy.load.yamlfile import Document, is_inside, load_vouched
from sc_policy.app.trust import read_alike, untrusted, vouched_manifest
from sc_policy.app.versionrows import unbuilt_row, version_row
from sc_policy.model import Manifest, Version
from sc_policy.reference.codes import parse_day
from sc_policy.reference.statcan import ReferenceData, reference_data

if TYPE_CHECKING:  # imported when needed: check and compile import rule-engine (0.3 s)
    from sc_policy.load.policytext import SourceText
    from sc_policy.engine.compile import CompiledVersion
    from sc_policy.engine.table import DecisionTable

__all__ = ["Workspace", "OpenVersion", "version_row", "decision_day"]


def decision_day(version: Optional[str], on: Optional[dt.date], today: str) -> Optional[str]:
    """The day (ISO) an answer reports as ``decided_on``: ``on``, else ``today`` (ISO) when the version is
    chosen by date; None for a version named by its id alone (its answer is then the same bytes on any day)."""
    return on.isoformat() if on is not None else None if version is not None else today


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
        """The decision table (built on first use when the version was opened from its files)."""
        return self.evaluator.table


class _ReadOnce(PolicyTree):
    """A policy tree whose version folders are each read once (a workspace's, shared with `check`); ``keyed`` takes
    a version's cache key (once) before its files are read: what was read is never stored under later bytes' key."""

    def __init__(self, root, overlay=None, keyed: Optional[Callable[[VersionRef], object]] = None):
        super().__init__(root, overlay)
        self._loaded: Dict[str, LoadedVersion] = {}
        self._keyed = keyed or (lambda ref: None)

    def load(self, ref: VersionRef) -> LoadedVersion:
        loaded = self._loaded.get(ref.rel)
        if loaded is None:
            self._keyed(ref)
            loaded = self._loaded[ref.rel] = super().load(ref)
        return loaded


_CHOICES_KEPT = 1024
"""How many choices of version (by id or by day) a workspace remembers, the latest used first."""


class Workspace:
    """A policy tree and the versions opened from it, each stage of each version run once.

    ``Workspace()`` opens the tree ``$SC_POLICY_PATH`` names, else the one shipped with the package; ``Workspace(path)``
    opens another (a copy to edit). Ask it with :meth:`explain`. A version is read, checked and compiled on its first
    use and kept for the workspace's life: a rule file edited on the disk afterwards is seen by a new ``Workspace``,
    not by this one. One workspace may answer from several threads at once (a version asked for by several at once is
    opened once). Errors are :class:`~sc_policy.diagnostics.ScPolicyError` (see :meth:`explain`)."""

    def __init__(self, policies: Optional[str | os.PathLike] = None, refdata: Optional[ReferenceData] = None, *,
                 cache: Union[bool, TableCache, None] = True, notify: Optional[Callable[[str], None]] = None,
                 overlay: Optional[Mapping[Union[str, os.PathLike], str]] = None):
        """``cache``: True for the user's cache (see :mod:`sc_policy.app.cache`), False for none, or a TableCache.

        ``overlay`` maps paths of rule files to texts read in their place (an editor's unsaved buffers, see
        :class:`~sc_policy.load.tree.PolicyTree`). A workspace with an overlay uses no cache at all: its versions
        are never answered from a cache entry, and none is written for them. ``notify`` is called with each notice
        (one line) as it is recorded in :attr:`notices`: something the user should know that did not stop the
        answer (a cache entry set aside)."""
        self.root = resolve_root(policies)
        self.tree: PolicyTree = _ReadOnce(self.root, overlay, keyed=self._cache_key)
        self.refdata = refdata or reference_data()
        # The cache's key covers the shipped reference data (other reference data gets no cache) and the
        # files on the disk (an overlay's texts are not on the disk: no cache).
        self.cache: Optional[TableCache] = None if refdata is not None or self.tree.overlay else (
            TableCache.default() if cache is True else (cache or None))
        self.notices: List[str] = []
        self._notify = notify
        self._refs: Optional[List[VersionRef]] = None
        self._chosen: "OrderedDict[tuple, VersionRef]" = OrderedDict()  # (id, None) or (None, date) -> version
        self._manifests: Dict[str, Tuple[Optional[Document], Optional[Manifest]]] = {}  # by folder
        self._keys: Dict[str, Optional[str]] = {}  # cache key by folder
        self._compiled: Dict[str, tuple] = {}  # by folder: (CompiledVersion or None, its problems)
        self._checked: dict = {}  # by folder: what the checks found (sc_policy.app.checking.CheckMemo)
        self._open: Dict[str, OpenVersion] = {}
        self._opening = threading.RLock()
        self._day: Optional[tuple] = None  # (the local day's first second, the next day's, the day, as ISO)

    def _notice(self, text: str) -> None:
        self.notices.append(text)
        if self._notify is not None:
            self._notify(text)

    # -- choosing a version ------------------------------------------------------------------
    def refs(self) -> List[VersionRef]:
        """Every version folder of the tree (listed once); a tree that cannot be listed (gone, moved) is an os-error."""
        if self._refs is None:
            try:
                self._refs = self.tree.refs()
            except OSError as exc:  # the command line says the same of it (cli.diagnostics.failure_of)
                raise os_error(exc) from None
        return list(self._refs)

    def select(self, version: Optional[str] = None, on: Optional[dt.date] = None,
               today: Optional[dt.date] = None) -> VersionRef:
        """The version named, else the one in force on ``on`` (default ``today``, else the clock's date);
        remembered by id and date. A caller that reports the day it decided on passes it as ``today``, so
        that the version is the one in force that day even when the clock's day ends meanwhile."""
        key = (version, None) if version is not None else (None, on or today or dt.date.today())
        ref = self._chosen.get(key)
        if ref is None:
            ref = self._chosen[key] = select_version(self.tree, version, on, today=key[1], read=self._read_manifests,
                                                     refs=self.refs())
            if len(self._chosen) > _CHOICES_KEPT:  # a service is asked for any day: keep the latest
                with contextlib.suppress(KeyError):  # another thread emptied it meanwhile
                    self._chosen.popitem(last=False)
        else:
            with contextlib.suppress(KeyError):  # another thread let the choice go since: it stands
                self._chosen.move_to_end(key)
        return ref

    def _read_manifests(self, tree: PolicyTree, refs: List[VersionRef]) -> Iterator[Tuple[VersionRef, Optional[Manifest]]]:
        for ref in refs:
            yield ref, self._manifest(ref)[1]

    def _manifest(self, ref: VersionRef) -> Tuple[Optional[Document], Optional[Manifest]]:
        """(the manifest file as read, the Manifest or None when it is missing or invalid), read once.

        The manifest is the cache's trust anchor, so it is always read from the disk (or the overlay,
        which leaves the workspace without a cache). Its schema is
        checked with Cerberus unless the cache holds an entry for the version's exact files (one is
        written only for a version that opened without error, so its manifest passed its schema) or
        an entry whose header vouches for it (:meth:`TableCache.vouch`).
        """
        found = self._manifests.get(ref.rel)
        if found is not None:
            return found
        doc, manifest = None, None
        inside = is_inside(ref.folder, self.root)
        key = self._cache_key(ref) if inside else None
        shown = f"{ref.rel}/version.yaml"
        if key is not None and not self.tree.overlay and self.cache.vouches(key, ref.rel):
            try:  # bytes this code parsed strictly, validated, and read alike with libyaml before
                doc = load_vouched(ref.folder / "version.yaml", shown)
                manifest = vouched_manifest(doc)
            except ScPolicyError:
                pass
        if manifest is None and inside:
            try:
                doc = self.tree.document(ref.folder / "version.yaml", shown)
            except ScPolicyError:  # unreadable or not YAML: the manifest is invalid
                doc = None
            manifest = manifest_of(doc) if doc is not None else None
            if manifest is not None and key is not None and read_alike(ref.folder / "version.yaml", doc):
                self.cache.vouch(key)
        found = self._manifests[ref.rel] = (doc, manifest)
        return found

    def _cache_key(self, ref: VersionRef) -> Optional[str]:
        if self.cache is None:
            return None
        refused = self.cache.refusal()  # a folder not the user's alone (sc_policy.app.cachedir): said once
        if refused:
            if refused not in self.notices:
                self._notice(refused)
            return None
        if ref.rel not in self._keys:
            try:
                self._keys[ref.rel] = self.cache.key(self.root, ref.policy, ref.folder, ref.rel)
            except OSError:  # an unreadable file: no cache; loading the files names it
                self._keys[ref.rel] = None
        return self._keys[ref.rel]

    def _unchanged(self, ref: VersionRef, cache_key: str) -> bool:
        """Whether the version's files still have the bytes ``cache_key`` was taken from: a file saved while
        the version was read must not be stored under its old bytes' key (a draft's entry is trusted)."""
        try:
            return self.cache.key(self.root, ref.policy, ref.folder, ref.rel) == cache_key
        except OSError:
            return False

    # -- the pipeline ----------------------------------------------------------------------------
    def load(self, version: Optional[str] = None, on: Optional[dt.date] = None) -> LoadedVersion:
        """The version named, or in force on ``on`` (default today), read and validated (once); see :meth:`load_ref`."""
        return self.load_ref(self.select(version, on))

    def load_ref(self, ref: VersionRef) -> LoadedVersion:
        """A version folder read and validated (once): its model as far as it could be built, and every finding."""
        return self.tree.load(ref)

    def _compile(self, loaded: LoadedVersion):
        """(the compiled version or None, the problems), compiled once."""
        found = self._compiled.get(loaded.ref.rel)
        if found is None or found[0] is not None and found[0].version is not loaded.version:
            from sc_policy.engine.compile import compile_version
            found = self._compiled[loaded.ref.rel] = compile_version(loaded.version)
        return found

    def open(self, version: Optional[str] = None, on: Optional[dt.date] = None,
             today: Optional[dt.date] = None) -> OpenVersion:
        """Load, validate and compile a version (as :meth:`select` chooses it); raise PolicyInvalidError if
        it has any error."""
        return self.open_ref(self.select(version, on, today))

    def open_ref(self, ref: VersionRef) -> OpenVersion:
        """Open a version folder (once; threads asking at once wait): from the cache when its files are unchanged."""
        if ref.rel not in self._open:  # (never removed once there)
            with self._opening:
                return self._open.get(ref.rel) or self._open_ref(ref)
        return self._open[ref.rel]

    def _open_ref(self, ref: VersionRef) -> OpenVersion:
        cache_key = self._cache_key(ref)
        entry = self.cache.load(cache_key, ref.rel) if cache_key else None
        if entry is not None:
            problem = untrusted(entry, self._manifest(ref)[0])
            if problem is None:
                # Compiled already in this process (checked first, as the service starts): the table comes
                # from the cache, the compiled clauses (and the version they were read with) from here.
                known = self._compiled.get(ref.rel)
                compiled = known[0] if known is not None and known[0] is not None else None
                if compiled is not None and compiled.version != entry.version:
                    compiled = None
                version = compiled.version if compiled is not None else entry.version
                opened = OpenVersion(version, Evaluator(compiled, self.refdata, table=entry.table, version=version,
                                                        findings=entry.findings), entry.findings)
                self._open[ref.rel] = opened
                return opened
            if problem:
                self._notice(f"the cache entry of version {ref.id} is not what {ref.id} was frozen with "
                             f"({problem}): set aside; deciding from the rule files")
        from sc_policy.app.checking import check_version, has_errors
        loaded = self.load_ref(ref)
        # A frozen version whose content changed is refused before anything else is said about it:
        # its decisions would no longer be those of the version that was put in force; so is a draft
        # that records a freeze's hashes (a frozen version relabelled, escaping the check above).
        version = loaded.version
        modified = [f for f in hash_findings(version) + status_findings(version)
                    if f.severity == "error"] if version is not None else []
        if modified or loaded.errors or loaded.version is None:
            raise invalid_policy(modified + list(loaded.findings), f"version {ref.id} is invalid")
        compiled, problems = self._compile(loaded)  # (one that does not compile is checked too: its other errors count)
        findings = tuple(check_version(loaded, self.root, refdata=self.refdata, compiled=compiled, memo=self._checked))
        if compiled is None or has_errors(findings):
            raise invalid_policy(findings if has_errors(findings) else problems, f"version {ref.id} is invalid")
        opened = OpenVersion(loaded.version, Evaluator(compiled, self.refdata, findings=findings,
                                                       tabulate=self._tabulator(ref, loaded, findings, cache_key)), findings)
        self._open[ref.rel] = opened
        return opened

    def _tabulator(self, ref: VersionRef, loaded: LoadedVersion, findings: Tuple[Diagnostic, ...],
                   cache_key: Optional[str]):
        """What builds an opened version's table on first use (or takes the one a check built): the table, checked
        against the decisions hash a frozen version records, then stored in the cache with the version."""
        def tabulate(evaluator: Evaluator) -> "DecisionTable":
            from sc_policy.app.checking import table_once  # (the check's memo: a check may have built it already)
            from sc_policy.engine.table import build_table
            try:
                table = table_once(self._checked, ref.rel, evaluator.compiled, lambda: build_table(evaluator))
            except PolicyInvalidError as exc:  # an expression that fails or overruns its time budget on some input
                raise invalid_policy([exc.diagnostic], f"version {ref.id} is invalid") from None
            version, manifest = evaluator.version, evaluator.version.manifest
            if is_frozen(manifest) and manifest.table_sha256:
                changed = [f for f in table_findings(version, decisions_hash(table)) if f.severity == "error"]
                if changed:
                    raise invalid_policy(changed, f"version {ref.id} is invalid")
            # A frozen version without a recorded decisions hash is never answered from the cache (it
            # could not be verified), so it is not stored either.
            if self.cache is not None and cache_key and not (is_frozen(manifest) and not manifest.table_sha256) \
                    and read_alike(ref.folder / "version.yaml", next(
                        (d for d in loaded.documents if d.path == f"{ref.rel}/version.yaml"), None)) \
                    and self._unchanged(ref, cache_key):
                self.cache.store(cache_key, ref.rel, CachedVersion(version, findings, table, loaded.documents))
            return table
        return tabulate

    # -- what the front doors ask ---------------------------------------------------------------
    def check(self, versions: Union[str, List[str], None] = None,
              source: Optional[str | os.PathLike | SourceText] = None) -> List[Diagnostic]:
        """Every finding of `sc-policy check` about the named versions (all by default; one id alone is one
        version), from the versions as this workspace read and compiled them (once)."""
        from sc_policy.app.checking import check_tree
        try:
            return check_tree(self.tree, [versions] if isinstance(versions, str) else versions, source, self.refdata,
                              compiled=lambda lv: self._compile(lv)[0], memo=self._checked)
        except OSError as exc:  # the tree removed or moved since it was listed: as refs() says it
            raise os_error(exc) from None

    def explain(self, noc, industry=None, *, version: Optional[str] = None,
                on: Union[dt.date, str, None] = None, noc_version: Union[str, int] = "2016") -> Answer:
        """The answer for a NOC (and industry) under the version named, or in force on ``on`` (default today);
        the answer reports that day as ``decided_on`` (None for a version named by its id alone).

        ``noc``: a NOC 2016 unit group (``"2174"``), or with ``noc_version="2021"`` (or 2021) a NOC 2021 one
        (``"21232"``; the answer then has one candidate per NOC 2016 unit group it maps to). ``industry``: the
        employer's NAICS Canada 2017 code, or None. ``version``: a version id.
        ``on``: a ``datetime.date`` (a datetime is its day; ``"YYYY-MM-DD"`` is read) choosing the version in force
        then; with ``version`` only when that day chooses that version. As JSON: ``sc_policy.answer_json(answer)``.

        Raises :class:`~sc_policy.diagnostics.ScPolicyError` (one line; its ``diagnostic`` gives ``code``,
        ``message`` and ``span``), with code ``bad-input`` (an :class:`~sc_policy.diagnostics.InputError`:
        a code not in its classification, a bad date, a version not in force on the day given),
        ``unknown-version`` (no such id, or no version in force that day), ``invalid`` (the version has
        errors, listed in ``error.findings``), or ``missing``, ``not-a-directory`` or ``os-error`` (the tree).
        """
        version = version if version is None or type(version) is str else str(version)  # 1, ["x"]: refused as text
        if on is not None:
            on = parse_day(on)
            if version is not None:  # then the day must choose that version, or its answer would misreport it
                named, in_force = self.select(version), self.select(None, on)
                if named != in_force:
                    raise InputError(f"version {named.id} is not in force on {on.isoformat()} ({in_force.id} is): "
                                     f"give the version or the day alone")
        day, iso = (on, on.isoformat()) if on is not None else self._today()
        ref = self._chosen.get((version, None) if version is not None else (None, day))
        opened = self._open.get(ref.rel) if ref is not None else None
        if opened is None:  # the first answer of this version or date
            opened = self.open(version, on, day)
        return opened.evaluator.answer(noc, industry, noc_version, decided_on=decision_day(version, on, iso))

    def _today(self) -> Tuple[dt.date, str]:
        """(today, as ISO), asked of the clock's date only when the local day it was asked for has ended."""
        now, known = time.time(), self._day
        if known is None or not known[0] <= now < known[1]:
            day = dt.date.today()
            start = time.mktime(day.timetuple())
            known = (start, time.mktime((day + dt.timedelta(days=1)).timetuple()), day, day.isoformat())
            self._day = known if known[0] <= now < known[1] else None  # (the day may turn between the readings)
        return known[2], known[3]

    def versions(self) -> List[dict]:
        """Every version's manifest (as a dict), in tree order; an unreadable manifest is marked.

        Each row's ``integrity`` is ``intact`` or ``modified`` for a frozen version (whether its
        content still has the hash recorded when it was frozen), None otherwise, or when that cannot be told.
        """
        rows = []
        for ref in self.refs():
            manifest = self._manifest(ref)[1]
            if manifest is None:
                problem = f"{ref.rel}/version.yaml is missing or invalid; a check of the tree names the problem"
                rows.append({"policy": ref.policy, "id": ref.id, "status": "invalid", "effective_from": None,
                             "effective_to": None, "title": "", "assumptions": {}, "integrity": None, "problem": problem})
                continue
            loaded = self._open.get(ref.rel) or self.load_ref(ref)  # opened (without errors), else as read
            rows.append(version_row(loaded.version, ref.id, loaded.findings) if loaded.version is not None
                        else unbuilt_row(manifest, loaded.findings))  # (unreadable: its integrity unknown)
        return rows
