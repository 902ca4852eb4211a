"""Find and load the versions of a policy tree.

A policy tree is a folder ``ROOT/<policy>/<version>/`` of rule files (see the
README for the layout). Loading a version reads every file with the strict
loader, validates it against its schema, and builds the model from the files
that are valid (:mod:`sc_policy.load.build`, which gives the model its positions).
Problems are returned as findings, not raised, so that a check can report all of them at once.
:func:`select_version` is the one way to choose a version: by id (``phase-1`` or ``policy/phase-1``) or by date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple, Union

from sc_policy.diagnostics import (Diagnostic, PolicyInvalidError, PolicyLoadError, ScPolicyError, Suggestion,
                                   UnknownVersionError, no_versions, unknown_version)
from sc_policy.load.yamlfile import Document, LazyMapping, is_inside, load_document, parse_document
from sc_policy.load.filenames import listed, meant_rule_file, misnamed_file, rule_file_kind
from sc_policy.load.build import (build_area, build_clause, build_interpretations, build_manifest, build_resolutions,
                                  build_tests)
from sc_policy.model import Version
from sc_policy.reference.codes import parse_day
from sc_policy.resources import shipped_policies
from sc_policy.diagnostics import Span, echoed

__all__ = ["PolicyTree", "VersionRef", "LoadedVersion", "resolve_root", "content_hash", "select_version",
           "manifests", "version_from_documents", "file_hashes", "rule_file_kind", "HASH_EXCLUDED"]

ENV_VAR = "SC_POLICY_PATH"
SOURCE_FOLDER = "source"
HASH_EXCLUDED = ("status", "sha256", "table_sha256", "file_sha256", "effective_to")
"""Manifest fields outside the content hash: they change over a frozen version's life, or record it
(``table_sha256`` and ``file_sha256``, recorded beside ``sha256``, the decisions' and each file's hash)."""


def resolve_root(policies: Optional[str | os.PathLike] = None) -> Path:
    """The policy tree to use: ``--policies``, else ``$SC_POLICY_PATH``, else the shipped one ("" is refused)."""
    if isinstance(policies, str) and policies == "":  # (a caller's unset variable, not a request for the default)
        raise ScPolicyError("an empty path names no policy tree", Span(""), code="missing")
    chosen = policies if policies else os.environ.get(ENV_VAR) or None
    root = Path(chosen) if chosen else shipped_policies()
    if not root.exists():
        raise ScPolicyError("policy tree not found", Span(str(root)), code="missing")
    if not root.is_dir():
        raise ScPolicyError("policy tree is not a directory", Span(str(root)), code="not-a-directory")
    # a tree holds policy folders, which hold the version folders: one level too deep is a common slip
    if not any(root.glob("*/*/version.yaml")):
        here = root.absolute()
        if (root / "version.yaml").exists():
            raise ScPolicyError(f"is a version folder, not a policy tree (its tree would be {here.parent.parent})",
                                Span(str(root)), code="not-a-directory")
        version = min((p.parent.name for p in root.glob("*/version.yaml")), default=None)
        if version is not None:
            raise ScPolicyError(f"holds the version folder {version} itself, so it is a policy folder, not a policy "
                                f"tree (its tree would be {here.parent})", Span(str(root)), code="not-a-directory")
    return root


@dataclass(frozen=True)
class VersionRef:
    """A version folder of a policy tree: where it is, before anything in it is read."""

    policy: str
    id: str
    folder: Path
    rel: str  # folder relative to the tree root, with forward slashes


@dataclass(frozen=True)
class LoadedVersion:
    """A version as far as it could be built, with every load and schema finding.

    ``documents`` are the valid rule files the version was built from (what the cache
    stores to rebuild it without YAML); the model itself carries its positions.
    """

    ref: VersionRef
    version: Optional[Version]
    findings: Tuple[Diagnostic, ...]
    documents: Tuple[Document, ...] = ()

    @property
    def errors(self) -> Tuple[Diagnostic, ...]:
        return tuple(f for f in self.findings if f.severity == "error")


def content_hash(documents: Tuple[Document, ...], version_rel: str) -> str:
    """SHA-256 of a canonical form of every file of a version.

    The data of each file (not its text) is serialised as sorted-key JSON, so key
    order, comments and formatting do not change the hash; any change of meaning
    does. The manifest's life-cycle fields (:data:`HASH_EXCLUDED`) are left out.
    """
    return _digest(_canon(documents, version_rel, HASH_EXCLUDED))


def file_hashes(documents: Tuple[Document, ...], version_rel: str) -> Dict[str, str]:
    """Each file (relative to the version folder) -> the SHA-256 of what it says, in the canonical form
    of :func:`content_hash`; the manifest without its life-cycle fields and its id (what a diff compares)."""
    return {rel: _digest(data) for rel, data in _canon(documents, version_rel, HASH_EXCLUDED + ("id",)).items()}


def _canon(documents: Tuple[Document, ...], version_rel: str, excluded: Tuple[str, ...]) -> Dict[str, object]:
    canon = {}
    prefix = version_rel.rstrip("/") + "/"
    for doc in documents:
        rel = doc.path[len(prefix):] if doc.path.startswith(prefix) else doc.path
        data = doc.data
        if rel == "version.yaml" and isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in excluded}
        canon[rel] = data
    return canon


def _digest(data) -> str:
    try:
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    except TypeError:  # a file that fails its schema may have keys that are not strings
        text = json.dumps(_string_keys(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                          default=_json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _string_keys(value):
    """``value`` with every mapping key that is not a string written as its type and value."""
    if isinstance(value, dict):
        return {(k if isinstance(k, str) else f"<{type(k).__name__}>{k}"): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot hash {type(value).__name__}")


class PolicyTree:
    """A policy tree on disk. Reads nothing until asked.

    ``overlay`` maps paths of rule files to texts read in place of the files (an editor's unsaved
    buffers): each such file is parsed from its text, and one that is not on the disk yet is read as if it
    were. Nothing is written; the files on the disk are left as they are.
    """

    def __init__(self, root: Path, overlay: Optional[Mapping[Union[str, os.PathLike], str]] = None):
        self.root = Path(root)
        self.overlay: Dict[str, str] = {os.path.abspath(k): v for k, v in (overlay or {}).items()}

    def document(self, path: Path, shown: str) -> Document:
        """The rule file at ``path`` read and parsed (``shown`` is the path its findings name): from its
        text in the overlay when there is one, else from the disk. Raises PolicyLoadError."""
        text = self.overlay.get(os.path.abspath(path)) if self.overlay else None
        if text is None:
            return load_document(path, shown)
        # A lone surrogate cannot come from a file: kept as the bytes it stands for, which the parser refuses.
        return parse_document(text.encode("utf-8", "surrogatepass"), shown)

    def _overlaid(self, folder: Path) -> List[Path]:
        """The paths of the overlay inside ``folder`` (at any depth)."""
        base = os.path.abspath(folder) + os.sep
        return [folder / os.path.relpath(p, base) for p in self.overlay if p.startswith(base)]

    def _exists(self, path: Path) -> bool:
        """Whether a file is at ``path``, on the disk or in the overlay."""
        return path.exists() or os.path.abspath(path) in self.overlay

    def display(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def refs(self) -> List[VersionRef]:
        """Every version folder of every policy, sorted by policy and folder name."""
        out = []
        for policy_dir in sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            for folder in sorted(p for p in policy_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
                if folder.name == SOURCE_FOLDER:
                    continue
                out.append(VersionRef(policy_dir.name, folder.name, folder, self.display(folder)))
        return out

    def load(self, ref: VersionRef) -> LoadedVersion:
        findings: List[Diagnostic] = []
        if not is_inside(ref.folder, self.root):
            findings.append(Diagnostic(Span(ref.rel), "error", "unsafe-path",
                                    "version folder is a symbolic link that leads out of the policy tree"))
            return LoadedVersion(ref, None, tuple(findings))
        manifest_path = ref.folder / "version.yaml"
        if not manifest_path.exists() and os.path.abspath(manifest_path) not in self.overlay:
            findings.append(Diagnostic(Span(f"{ref.rel}/version.yaml"), "error", "missing-manifest",
                                    "version folder has no manifest (version.yaml)"))
            return LoadedVersion(ref, None, tuple(findings))
        documents: Dict[str, Tuple[str, Document]] = {}
        parsed: List[Document] = []  # every rule file that parsed, valid or not: what the content hash covers
        misnamed: List[Tuple[str, str]] = []  # (file, the rule file it was meant to be)
        unloaded: List[str] = []  # rule files that are there but did not parse or failed their schema
        for path in sorted(set(listed(ref.folder, ref.rel, findings)).union(self._overlaid(ref.folder))):
            rel = path.relative_to(ref.folder).as_posix()
            shown = f"{ref.rel}/{rel}"
            if path.is_symlink() and not is_inside(path, self.root):
                findings.append(Diagnostic(Span(shown), "error", "unsafe-path",
                                        "symbolic link leads out of the policy tree"))
                continue
            kind = rule_file_kind(rel)
            if path.is_dir():
                if rel in ("areas", "clauses", "tests"):
                    continue
                if kind is not None:
                    findings.append(Diagnostic(Span(shown), "error", "not-a-file",
                                            "is a directory, expected a YAML file"))
                elif "/" not in rel:
                    findings.append(Diagnostic(Span(shown), "warning", "unknown-file",
                                            "unexpected folder in a version (expected areas/, clauses/, tests/)"))
                continue
            if kind is None:
                if "/" not in rel.rstrip("/") or rel.split("/")[0] in ("areas", "clauses", "tests"):
                    meant = meant_rule_file(rel)
                    if meant and not self._exists(ref.folder / meant):  # its rules left out: how bad, by status
                        misnamed.append((shown, meant))
                    else:
                        findings.append(Diagnostic(Span(shown), "warning", "unknown-file",
                                                   "file is not a rule file of any kind and is ignored"))
                continue
            try:
                doc = self.document(path, shown)
            except PolicyLoadError as exc:
                findings.append(exc.diagnostic)
                unloaded.append(rel)
                continue
            parsed.append(doc)
            from sc_policy.load.schema import validate  # Cerberus: imported only when a file is validated
            problems = validate(doc, kind)
            findings.extend(problems)
            if not problems:
                documents[rel] = (kind, doc)
            else:
                unloaded.append(rel)
        # The hash covers a file that fails its schema too, so that a frozen version whose file
        # became invalid is reported as changed (or not) by what the file says.
        version = replace(_build(ref.rel, documents, content_hash(tuple(parsed), ref.rel)), unloaded=tuple(unloaded)) \
            if "version.yaml" in documents else None
        findings.extend(misnamed_file(shown, meant, version.manifest if version is not None else None)
                        for shown, meant in misnamed)
        if version is None:
            return LoadedVersion(ref, None, tuple(sorted(findings)))
        return LoadedVersion(ref, version, tuple(sorted(findings)),
                             tuple(doc for _, (_, doc) in sorted(documents.items())))

    def load_all(self) -> List[LoadedVersion]:
        return [self.load(ref) for ref in self.refs()]


def version_from_documents(rel: str, documents: Tuple[Document, ...]) -> Version:
    """The version built from rule files already read and validated (e.g. kept in the cache).

    ``rel`` is the version folder relative to the tree root; each document's path
    lies under it. Raises (KeyError, TypeError, ValueError...) on data that no
    valid rule file holds.
    """
    prefix = rel.rstrip("/") + "/"
    found: Dict[str, Tuple[str, Document]] = {}
    for doc in documents:
        name = doc.path[len(prefix):] if doc.path.startswith(prefix) else ""
        kind = rule_file_kind(name)
        if kind is None or name in found:
            raise ValueError(f"not a rule file of version {rel}: {doc.path}")
        found[name] = (kind, doc)
    if "version.yaml" not in found:
        raise ValueError(f"version {rel} has no manifest")
    return _build(rel, found, content_hash(tuple(documents), rel))


def _build(rel: str, documents: Dict[str, Tuple[str, Document]], digest: str) -> Version:
    """The model of a version from its valid rule files (name -> (kind, document)); ``digest`` its content hash."""
    manifest = build_manifest(documents["version.yaml"][1])
    resolutions, interpretations = (), ()
    if "resolutions.yaml" in documents:
        resolutions = build_resolutions(documents["resolutions.yaml"][1])
        interpretations = build_interpretations(documents["resolutions.yaml"][1])
    areas, clauses, tests = [], [], []
    for _, (kind, doc) in sorted(documents.items()):
        if kind == "area":
            areas.append(build_area(doc, tuple((r.id, a) for r in resolutions for a in r.assigns)))
        elif kind == "clause":
            clauses.append(build_clause(doc))
        elif kind == "tests":
            tests.extend(build_tests(doc))
    docs = tuple(doc for _, (_, doc) in sorted(documents.items()))
    return Version(manifest, tuple(sorted(areas, key=_area_order)), tuple(sorted(clauses, key=lambda c: c.id)),
                   resolutions, tuple(tests), rel, digest, LazyMapping(lambda: file_hashes(docs, rel)),
                   interpretations)


AREA_ORDER = ("ict", "life-sciences", "manufacturing")
"""The order the source presents its priority areas in; other areas follow by id."""


def _area_order(area) -> Tuple[int, str]:
    return (AREA_ORDER.index(area.id) if area.id in AREA_ORDER else len(AREA_ORDER), area.id)


def _is_day(text: str) -> bool:
    """Whether a version id is a calendar day written YYYY-MM-DD (``2022-13-01`` is none: no day to ask about)."""
    try:
        parse_day(text)
    except ScPolicyError:
        return False
    return True


def select_version(tree: PolicyTree, version_id: Optional[str] = None, on: Optional[dt.date] = None,
                   policy: Optional[str] = None, today: Optional[dt.date] = None, *,
                   read=None, refs: Optional[List[VersionRef]] = None) -> VersionRef:
    """Pick a version: by id (``phase-1``, or ``policy/phase-1``); or the one in force on date ``on``;
    or, given neither, the one in force today. An id or a day that several policies share names none.

    Drafts are never chosen by date. A version is in force from ``effective_from`` to ``effective_to``
    inclusive (open-ended when that is absent). ``read(tree, refs)`` gives (ref, Manifest or None) for
    each ref (by default :func:`manifests`); ``refs`` the tree's versions when the caller listed them.
    """
    refs = tree.refs() if refs is None else list(refs)
    if policy:
        refs = [r for r in refs if r.policy == policy]
        if not refs:
            raise UnknownVersionError(f"unknown policy {echoed(policy)}", Span(str(tree.root)))
    if not refs:
        raise no_versions(str(tree.root))
    if version_id is not None:
        found = [ref for ref in refs if version_id in (ref.id, f"{ref.policy}/{ref.id}")]
        if len({r.policy for r in found}) > 1:  # which policy: not the tree's to guess
            raise UnknownVersionError(f"version {echoed(version_id)} is a version of several policies: name it "
                                      f"as {' or '.join(f'{r.policy}/{r.id}' for r in found)}", Span(str(tree.root)))
        if found:
            return found[0]
        raise unknown_version(version_id, (r.id for r in refs), str(tree.root), day=_is_day(version_id))
    when = on or today or dt.date.today()
    what = f"on {when.isoformat()}" if on else "today"
    in_force = []
    for ref, manifest in (read or manifests)(tree, refs):
        if manifest is None:
            # Any version could be the one in force: refuse to guess past a broken manifest.
            problem = next(iter(tree.load(ref).errors), None)
            what = f"{problem.code}: {problem.message}" if problem else "its manifest is missing or invalid"
            raise PolicyInvalidError(f"cannot choose the version in force: version {ref.id} is invalid: {what}",
                                     problem.span if problem else Span(f"{ref.rel}/version.yaml"),
                                     suggestion=Suggestion("choose-version", (), "check the policy tree, or name "
                                                           "a version by its id"),
                                     findings=(problem,) if problem else ())
        if manifest.status == "draft":
            continue
        if manifest.effective_from <= when and (manifest.effective_to is None or when <= manifest.effective_to):
            in_force.append((manifest.effective_from, ref, manifest))
    if not in_force:
        raise UnknownVersionError(f"no version of the policy is in force {what}",
                                  suggestion=Suggestion("list-versions", (), "the list of versions gives their dates"))
    if len({r.policy for _, r, _ in in_force}) > 1:  # which policy: not the tree's to guess either
        named = ", ".join(sorted(f"{r.policy}/{r.id}" for _, r, _ in in_force))
        raise UnknownVersionError(f"versions of several policies are in force {what}: name one ({named})")
    _, chosen, manifest = max(in_force, key=lambda entry: (entry[0], entry[1].id))
    others = [r.id for _, r, _ in in_force if r is not chosen and r.policy == chosen.policy]
    if others:  # a period-overlap (an error of `check`): which one decides is not the tree's to guess
        problem = Diagnostic(manifest.at("effective_from"), "error", "period-overlap",
                             f"versions {', '.join(others)} and {chosen.id} of policy {chosen.policy} are all in "
                             f"force {what}" if len(others) > 1 else
                             f"versions {others[0]} and {chosen.id} of policy {chosen.policy} are both in force {what}")
        raise PolicyInvalidError(f"cannot choose the version in force: {problem.code}: {problem.message}",
                                 problem.span, findings=(problem,),
                                 suggestion=Suggestion("choose-version", (), "check the policy tree, or name a "
                                                       "version by its id"))
    return chosen


def manifests(tree: PolicyTree, refs: List[VersionRef]):
    """(ref, Manifest or None) for each ref, reading only the manifests."""
    for ref in refs:
        path = ref.folder / "version.yaml"
        if not is_inside(ref.folder, tree.root):
            yield ref, None
            continue
        try:
            doc = tree.document(path, f"{ref.rel}/version.yaml")
        except PolicyLoadError:
            yield ref, None
            continue
        yield ref, manifest_of(doc)


def manifest_of(doc: Document):
    """The Manifest of a manifest file as read, or None when it fails its schema."""
    from sc_policy.load.schema import validate  # Cerberus only when a manifest must be validated
    return build_manifest(doc) if not validate(doc, "manifest") else None
