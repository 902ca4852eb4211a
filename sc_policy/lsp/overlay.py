"""Which version a rule file belongs to, and that version checked with the editor's unsaved texts.

An editor holds rule files open with text that may not be saved. :func:`check_with` checks the
version a file belongs to as `sc-policy check` would, with every open file of the same policy tree
read from its text (the workspace's overlay, :class:`~sc_policy.app.workspace.Workspace`): nothing
is written to the disk, and no cache entry answers for it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Dict, Mapping, Optional, Tuple

from sc_policy.app.workspace import Workspace
from sc_policy.checks.lifecycle import file_changes
from sc_policy.diagnostics import Diagnostic, ScPolicyError, Span, os_error
from sc_policy.load.tree import rule_file_kind
from sc_policy.model import Version
from sc_policy.reference.statcan import ReferenceData

__all__ = ["Place", "place_of", "Checked", "check_with", "texts_under"]


@dataclass(frozen=True)
class Place:
    """Where a rule file is: its policy tree, its version folder, and its path inside that folder."""

    root: Path
    folder: Path
    rel: str

    @property
    def version_id(self) -> str:
        """The version as ``policy/id``, which names it whatever other policies the tree has."""
        return f"{self.folder.parent.name}/{self.folder.name}"

    @property
    def shown(self) -> str:
        """The file as the findings of a check name it (relative to the tree, forward slashes)."""
        return f"{self.version_id}/{self.rel}"

    @property
    def source_folder(self) -> Path:
        """The policy's folder, which a manifest's source document is named relative to."""
        return self.folder.parent


def place_of(path: os.PathLike, is_open: Callable[[Path], bool] = lambda p: False) -> Optional[Place]:
    """The place of a rule file (``version.yaml``, ``resolutions.yaml``, ``areas/``, ``clauses/`` or
    ``tests/*.yaml`` of a folder that has a manifest, on the disk or open), or None for any other file."""
    path = Path(os.path.abspath(path))
    for folder in (path.parent, path.parent.parent):
        rel = path.relative_to(folder).as_posix()
        if rule_file_kind(rel) is None or folder.name == "source" or folder.parent == folder.parent.parent:
            continue
        manifest = folder / "version.yaml"
        if _is_file(manifest) or is_open(manifest):
            return Place(folder.parent.parent, folder, rel)
    return None


def _is_file(path: Path) -> bool:
    """Whether a regular file is at ``path``; False, not OSError, for a name the system cannot look up
    (longer than it allows): an editor's URI may name anything."""
    try:
        return path.is_file()
    except OSError:
        return False


@dataclass(frozen=True)
class Checked:
    """A version as last checked: every finding of the check (sorted by path and line), and its model
    as far as it was built (None when its manifest fails)."""

    place: Place
    findings: Tuple[Diagnostic, ...]
    version: Optional[Version]

    def for_file(self, shown: str) -> Tuple[Diagnostic, ...]:
        """The findings about one file of the version (named as :attr:`Place.shown` names it); those about
        the version folder as a whole are the manifest's."""
        folder = self.place.version_id
        manifest = f"{folder}/version.yaml"
        own = tuple(f for f in self.findings
                    if f.span.path == shown or (shown == manifest and f.span.path in (folder, "")))
        if shown == manifest:
            return own
        # a frozen version edited: each of its files says so at its first line, not only the manifest (only
        # those that changed, when its freeze recorded each file's hash)
        changes = file_changes(self.version) if self.version is not None else None
        if changes is not None and not any(shown == f"{folder}/{rel}" for files in changes.values() for rel in files):
            return own
        frozen = tuple(replace(f, span=Span(shown, 1, 1)) for f in self.findings
                       if f.code == "hash-mismatch" and f.span.path == manifest)
        return frozen + own

    def files(self) -> Tuple[str, ...]:
        """Every file of the version that a finding is about (as findings name them)."""
        folder = self.place.version_id
        prefix = folder + "/"
        names = {f.span.path for f in self.findings if f.span.path.startswith(prefix)}
        if any(f.span.path in (folder, "") for f in self.findings):
            names.add(f"{folder}/version.yaml")
        return tuple(sorted(names))


def check_with(place: Place, texts: Mapping[Path, str], refdata: ReferenceData) -> Checked:
    """The version of ``place`` checked with ``texts`` (path -> unsaved text) read in place of those files.

    A check that cannot run at all (the tree is gone) is one error at the file itself.
    """
    try:  # the folder two above an unsaved version.yaml may be no tree (phase-1.1/notes/version.yaml)
        workspace = Workspace(place.root, refdata, overlay=texts)
        findings = workspace.check([place.version_id])
        version = workspace.load_ref(workspace.select(place.version_id)).version
    except (ScPolicyError, OSError) as exc:  # OSError: a path the system cannot look up (a name too long)
        exc = os_error(exc, "check the version") if isinstance(exc, OSError) else exc
        problem = exc.diagnostic
        if not problem.span.path.startswith(place.version_id + "/"):
            problem = Diagnostic(Span(place.shown), "error", problem.code, exc.line())
        return Checked(place, (problem,), None)
    return Checked(place, tuple(findings), version)


def texts_under(root: Path, documents: Mapping[Path, str]) -> Dict[Path, str]:
    """The open documents (path -> text) that lie in the policy tree at ``root``."""
    base = os.path.abspath(root) + os.sep
    return {path: text for path, text in documents.items() if os.path.abspath(path).startswith(base)}
