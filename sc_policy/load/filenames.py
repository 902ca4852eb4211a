"""What each file of a version folder is, by its name: a rule file of some kind, or a stray file.

A YAML file named or placed almost like a rule file (``clauses/x.yml``, ``areas/ICT.yaml``,
``tests/old/x.yaml``, ``Version.yaml``) is no rule file, so it is not read: its clause, area, cases or
manifest are silently left out of the version. In a draft that changes what the version decides, so it
is an error (``misnamed-file``), which ``check`` and ``freeze`` cannot miss; in a frozen version it is
a warning: its content hash never covered the file, so its decisions are exactly those it was frozen with.

A folder of the version that cannot be listed (its permissions: a tree of another account's) is an error
(``unreadable``, :func:`listed`): its rule files would be left out unsaid, as ``Path.rglob`` skips it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

from sc_policy.diagnostics import Diagnostic, Span
from sc_policy.model import Manifest, is_frozen

__all__ = ["rule_file_kind", "meant_rule_file", "misnamed_file", "listed"]


def listed(folder: Path, shown: str, findings: List[Diagnostic]) -> List[Path]:
    """Every file and folder below the version folder ``folder`` (shown as ``shown``), as ``Path.rglob`` lists
    them (links to folders not followed); appends to ``findings`` an ``unreadable`` error for each folder that
    cannot be listed, which rglob skips unsaid (its rule files would be silently left out of the version), or whose
    entries cannot be looked at (listed, but not searched: ``chmod o=r``); what lies below such a folder is left out."""
    paths = list(folder.rglob("*"))
    unread: List[Path] = []
    for path in [folder, *paths]:
        if any(u in path.parents for u in unread):
            continue
        try:
            if path.is_dir() and not path.is_symlink():
                os.scandir(path).close()
                os.stat(os.path.join(path, os.curdir))  # its entries may be looked at (the folder searched)
        except OSError as exc:
            unread.append(path)
            rel = path.relative_to(folder).as_posix()
            findings.append(Diagnostic(Span(shown if rel == "." else f"{shown}/{rel}"), "error", "unreadable",
                                       f"cannot read folder: {exc.strerror or exc}"))
    return [p for p in paths if not any(u in p.parents for u in unread)]


def rule_file_kind(rel: str) -> Optional[str]:
    """The kind of rule file at ``rel`` (relative to its version folder, with forward slashes):
    ``manifest``, ``resolutions``, ``area``, ``clause`` or ``tests``; None for any other file."""
    parts = rel.split("/")
    if rel == "version.yaml":
        return "manifest"
    if rel == "resolutions.yaml":
        return "resolutions"
    if len(parts) == 2 and parts[1].endswith(".yaml"):
        return {"areas": "area", "clauses": "clause", "tests": "tests"}.get(parts[0])
    return None


def meant_rule_file(rel: str) -> Optional[str]:
    """The rule file a YAML file that is none was most likely meant to be (``clauses/x.yml``,
    ``areas/sub/x.yaml``, ``Version.yaml``: its clause, area, manifest silently left out), or None."""
    parts = rel.split("/")
    stem, dot, ext = parts[-1].rpartition(".")
    if not dot or not stem or ext.lower() not in ("yaml", "yml"):
        return None
    name = f"{stem.lower()}.yaml"  # ids are lower case: a file named after one in upper case is a file-name error
    candidate = name if len(parts) == 1 else f"{parts[0]}/{name}"
    return candidate if candidate != rel and rule_file_kind(candidate) else None


def misnamed_file(shown: str, meant: str, manifest: Optional[Manifest]) -> Diagnostic:
    """The finding for the file at ``shown``, which is not read though it was meant as the rule file ``meant``
    (a name no file of the version has): an error in a draft, a warning in a frozen version (``manifest``
    is the version's, None when it has no valid one)."""
    ignored = "file is not a rule file of any kind and is not read"
    if manifest is None or not is_frozen(manifest):
        return Diagnostic(Span(shown), "error", "misnamed-file",
                          f"{ignored}: what it holds is left out of the version (to be read, name it {meant}; "
                          f"else move it out of the version folder)")
    if meant in manifest.file_sha256:  # renamed since: the hash-mismatch is the error
        return Diagnostic(Span(shown), "warning", "misnamed-file",
                          f"{ignored}: the version was frozen with it named {meant} (name it so again)")
    return Diagnostic(Span(shown), "warning", "misnamed-file",
                      f"{ignored}, and not covered by the frozen version's content hash (to be read, name it "
                      f"{meant} in a new version)")
