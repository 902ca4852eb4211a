"""Check a policy's rule files for consistency, the way a compiler or a linter does.

Analysts edit YAML by hand; this is what stops a bad edit from reaching a decision.
:func:`check_tree` returns every finding about the chosen versions: the loader's and
the schema's (structure), the life cycle's (:mod:`sc_policy.checks.lifecycle`), each
version's (:func:`check_version`), and an interrupted change of the tree
(:mod:`sc_policy.app.writing`). Each finding carries the real file, line and column of
the node it is about, read from the model.

:func:`check_version` runs :data:`CHECK_STAGES` in order, as OPA's compiler runs its named
stages, each appending to one list of findings: compile, the model checks of
:mod:`sc_policy.checks`, provenance against the source document, agreement
(:mod:`sc_policy.analysis.agreement`); then the analyst's resolutions
(:func:`~sc_policy.checks.resolutions.apply_resolutions`) mark the findings they name as
resolved, among those and the findings from elsewhere (the life cycle, a frozen version's
decisions), which the stages' memo does not keep. Every check id is listed in
:data:`sc_policy.checks.registry.CHECKS` with its meaning; a new check is a function
``(version, refdata, partial)`` over the model in ``checks/``, its id in the registry, and a stage
of :data:`CHECK_STAGES` here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple, Union

from sc_policy.analysis.agreement import agreement
from sc_policy.app.writing import pending_change
from sc_policy.checks.cases import case_expectations, case_references
from sc_policy.checks.citations import citations
from sc_policy.checks.industries import industries
from sc_policy.checks.interpretations import interpretations
from sc_policy.checks.lifecycle import integrity, lifecycle_findings, table_findings
from sc_policy.checks.occupations import occupations
from sc_policy.checks.provenance import provenance, version_source
from sc_policy.checks.references import references, resolution_references
from sc_policy.checks.registry import RESOLVABLE, has_errors
from sc_policy.checks.resolutions import apply_resolutions
from sc_policy.diagnostics import Diagnostic, PolicyInvalidError
from sc_policy.engine.compile import CompiledVersion, compile_version
from sc_policy.load.policytext import SourceText, read_source
from sc_policy.load.remembered import Remembered
from sc_policy.load.tree import LoadedVersion, PolicyTree, resolve_root, select_version
from sc_policy.model import Version
from sc_policy.reference.statcan import ReferenceData, reference_data

if TYPE_CHECKING:
    from sc_policy.engine.table import DecisionTable

__all__ = ["Stage", "CHECK_STAGES", "CheckMemo", "check_version", "check_tree", "decision_findings", "table_once",
           "has_errors"]


@dataclass
class _Run:
    """One version being checked: what the stages read, and the one list they append to."""

    loaded: LoadedVersion
    version: Version
    root: Path
    refdata: ReferenceData
    partial: bool  # some file failed to load: checks that need every file are skipped
    source: Optional[SourceText]
    compiled: Optional[CompiledVersion]
    out: List[Diagnostic] = field(default_factory=list)


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[_Run], None]


def _compile(run: _Run) -> None:
    if run.compiled is None:
        run.compiled, problems = compile_version(run.version)
        run.out.extend(problems)


def _model(check: Callable[[Version, ReferenceData, bool], List[Diagnostic]]) -> Callable[[_Run], None]:
    def stage(run: _Run) -> None:
        run.out.extend(check(run.version, run.refdata, run.partial))
    return stage


def _provenance(run: _Run) -> None:
    text = run.source if run.source is not None else version_source(run.loaded, run.root, run.out)
    if text is not None:
        found = provenance(run.version, text, run.partial)
        # A line number off by a few is one mistake: citation-line names the line that holds the quote, and
        # the citation-area the wrong number also causes (same place) would send the analyst to the sections.
        misplaced = {f.span for f in found if f.code == "citation-line"}
        run.out[:] = [f for f in run.out if not (f.code == "citation-area" and f.span in misplaced)] + found


def _agreement(run: _Run) -> None:
    if run.compiled is not None:
        run.out.extend(agreement(run.version, run.compiled, run.refdata, every_clause=not run.partial))


CHECK_STAGES: Tuple[Stage, ...] = (
    Stage("compile", _compile),
    Stage("references", _model(references)),
    Stage("occupations", _model(occupations)),
    Stage("industries", _model(industries)),
    Stage("resolution-references", _model(resolution_references)),
    Stage("interpretations", _model(interpretations)),
    Stage("citations", _model(citations)),
    Stage("test-cases", _model(case_expectations)),
    Stage("test-case-references", _model(case_references)),
    Stage("provenance", _provenance),
    Stage("agreement", _agreement),
)
"""The stages that find something about one version, in the order they run (each appends to the one list;
provenance also drops the ``citation-area`` finding a ``citation-line`` at the same place explains)."""

_NEEDS_SOURCE = ("unlisted-occupation", "unlisted-industry", "quote-mismatch", "all-occupations")
"""The resolvable checks that run only when the source document is read (in :func:`provenance`)."""

CheckMemo = Dict[str, tuple]
"""What :data:`CHECK_STAGES` found about each version (by folder: ``(version, findings)``), kept by a workspace so
that each version is checked once however many callers ask (see :func:`check_version`); and each version's
decision table built from its files (``folder#table``: ``(compiled version, table)``, see :func:`table_once`)."""


_DECIDED: "Remembered[Optional[Tuple[ReferenceData, str]]]" = Remembered(32)
"""The hash of the decisions of each frozen version verified in this process, by its content hash (the bytes of its
rule files) and the reference data it was decided with: a tree checked again (a copy of it, the language server's
check on each edit) verifies its intact frozen versions without building their tables again. sc-policy's code, the
rest of what decides, is the process's own."""


def table_once(memo: Optional[CheckMemo], rel: str, compiled: CompiledVersion,
               build: Callable[[], "DecisionTable"]) -> "DecisionTable":
    """The decision table of the version in folder ``rel`` as ``compiled``, made by ``build`` once per ``memo``
    (a workspace's): by a check verifying a frozen version's decisions or by its first decision, whichever
    comes first, the other taking it from there."""
    key = f"{rel}#table"
    found = memo.get(key) if memo is not None else None
    if found is None or found[0] is not compiled:
        found = (compiled, build())
        if memo is not None:
            memo[key] = found
    return found[1]


def decision_findings(version: Version, compiled: Optional[CompiledVersion],
                      refdata: ReferenceData, memo: Optional[CheckMemo] = None, rel: str = "") -> List[Diagnostic]:
    """A frozen version, its content intact, whose decisions no longer hash to the ``table_sha256`` it
    was frozen with (another sc-policy or other reference data decides it otherwise): its table built
    from its files, never from the cache, as every command that opens the version builds and refuses it.
    ``compiled``: the version compiled, when the caller has it (compiled here otherwise, and only for a
    version whose decisions are verified: a draft is not compiled for nothing). ``memo`` and ``rel``: a workspace's
    memo and the version's folder, which keep the table for the version's decisions (:func:`table_once`)."""
    if integrity(version) != "intact" or not version.manifest.table_sha256:
        return []

    def decide(key, compiled: Optional[CompiledVersion]) -> Optional[Tuple[ReferenceData, str]]:
        if compiled is None:
            compiled = compile_version(version)[0]
            if compiled is None:  # (its compile errors are the check's own findings)
                return None
        from sc_policy.engine.decide import Evaluator
        from sc_policy.engine.table import build_table, decisions_hash
        table = table_once(memo, rel, compiled, lambda: build_table(Evaluator(compiled, refdata)))
        return refdata, decisions_hash(table)  # (the reference data held, so that its id names it while remembered)

    try:
        found = _DECIDED.get((version.content_hash, id(refdata)), decide, compiled)
    except PolicyInvalidError as exc:  # an expression that fails or overruns its budget on some input
        return [exc.diagnostic]
    if found is None:
        return []
    return [f for f in table_findings(version, found[1]) if f.severity == "error"]


def check_version(loaded: LoadedVersion, root: Union[str, os.PathLike], *, refdata: Optional[ReferenceData] = None,
                  source: Optional[SourceText] = None, compiled: Optional[CompiledVersion] = None,
                  extra: Sequence[Diagnostic] = (), memo: Optional[CheckMemo] = None,
                  decisions: bool = False) -> List[Diagnostic]:
    """Every finding about one loaded version, resolutions applied, sorted by path and line.

    ``source`` overrides the manifest's source document; ``compiled`` saves compiling
    again when the caller already has it; ``extra`` are findings from elsewhere (the life
    cycle) that the version's resolutions may also name. ``memo`` (a workspace's) keeps
    what :data:`CHECK_STAGES` found about the version, so that a second call (another
    caller, other ``extra``) only applies the resolutions again; it is not used with ``source``.
    ``decisions`` also decides a frozen version afresh (:func:`decision_findings`, memoized too):
    what ``check`` asks; opening a version verifies them as it builds its table.
    """
    findings: List[Diagnostic] = list(loaded.findings) + list(extra)
    if loaded.version is None:
        return sorted(findings)
    partial = any(f.severity == "error" for f in loaded.findings)
    refdata = refdata or reference_data()
    kept = memo.get(loaded.ref.rel) if memo is not None and source is None else None
    if kept is None or kept[0] is not loaded.version:
        run = _Run(loaded, loaded.version, Path(root), refdata, partial, source, compiled, [])
        for stage in CHECK_STAGES:
            stage.run(run)
        kept = (loaded.version, run.out)
        compiled = run.compiled
        if memo is not None and source is None:
            memo[loaded.ref.rel] = kept
    if decisions and not partial:
        key = f"{loaded.ref.rel}#decisions"  # '#' is in no folder name (ids are [a-z0-9._-])
        decided = memo.get(key) if memo is not None else None
        if decided is None or decided[0] is not loaded.version:
            decided = (loaded.version, decision_findings(loaded.version, compiled, refdata, memo, loaded.ref.rel))
            if memo is not None:
                memo[key] = decided
        findings += decided[1]
    source_at = loaded.version.manifest.at("source_document.file")  # where an unread source document is said
    unread_source = source is None and any(f.span == source_at and f.code in ("source-missing", "unsafe-path")
                                           for f in kept[1])
    found = apply_resolutions(loaded.version, findings + kept[1], check_stale=not partial,
                              unjudged=_NEEDS_SOURCE if unread_source else ())
    unread = f"{loaded.ref.rel}/resolutions.yaml"
    if any(f.severity == "error" and f.span.path == unread for f in loaded.findings):
        # what the source contradicts is judged once its resolutions are read: the file's own errors say why not
        found = [f for f in found if f.code not in RESOLVABLE]
    return sorted(found)


def check_tree(tree: Union[PolicyTree, str, os.PathLike, None] = None, version_ids: Optional[Sequence[str]] = None,
               source: Union[SourceText, str, os.PathLike, None] = None,
               refdata: Optional[ReferenceData] = None,
               compiled: Optional[Callable[[LoadedVersion], Optional[CompiledVersion]]] = None,
               memo: Optional[CheckMemo] = None) -> List[Diagnostic]:
    """Check the named versions of a policy tree (all by default); findings sorted by path and line.

    ``tree`` is a :class:`PolicyTree` or a folder (None: the shipped tree); ``source``
    a source document (path or :class:`SourceText`) to check every quote against
    instead of each manifest's. Raises :class:`ScPolicyError` (exit 2) when the check
    cannot run: no tree, an unknown version, an unreadable ``source``. ``compiled`` and
    ``memo`` are a workspace's (each version compiled and checked once, see :func:`check_version`).
    """
    if not isinstance(tree, PolicyTree):
        tree = PolicyTree(resolve_root(tree))
    if source is not None and not isinstance(source, SourceText):
        source = read_source(source)
    refs = tree.refs()
    if version_ids:
        chosen = list(dict.fromkeys(select_version(tree, vid) for vid in version_ids))
    else:
        chosen = refs or [select_version(tree)]  # a tree without versions: select_version refuses it
    loaded = [tree.load(ref) for ref in refs]
    life = lifecycle_findings(loaded)
    out: List[Diagnostic] = []
    for lv in loaded:
        if lv.ref not in chosen:
            continue
        prefix = lv.ref.rel + "/"
        extra = [f for f in life if f.span.path.startswith(prefix)]
        out.extend(check_version(lv, tree.root, refdata=refdata, source=source, extra=extra, memo=memo, decisions=True,
                                 compiled=compiled(lv) if compiled is not None and lv.version is not None else None))
    # Life-cycle findings outside every version folder (none today) are kept as they are.
    out.extend(f for f in life if not f.span.path.startswith(tuple(r.rel + "/" for r in refs)))
    pending = pending_change(tree.root)
    if pending is not None:
        out.append(pending)
    return sorted(out)
