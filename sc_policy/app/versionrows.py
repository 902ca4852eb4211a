"""One row of ``sc-policy versions`` (and of ``GET /v1/versions``): a version's manifest with its hashes."""

from __future__ import annotations

from typing import Iterable, List, Optional

from sc_policy.checks.lifecycle import integrity, is_frozen
from sc_policy.diagnostics import Diagnostic
from sc_policy.model import Manifest, Version

__all__ = ["version_row", "unbuilt_row"]


def version_row(version: Version, folder: Optional[str] = None, findings: Iterable[Diagnostic] = ()) -> dict:
    """The manifest, the content hash, whether the version is frozen and, if so, whether its content is
    still what was frozen (``integrity``: ``intact`` or ``modified``; None when not frozen).

    A version is named by its folder (``folder``, when given), which every command takes; a manifest
    that gives another id (``check``'s ``file-name``) is listed under the folder's, with a ``problem``
    naming the id it gives, so that two rows never show one id.

    ``findings``: those met reading the version. A file or folder of it that cannot be read (``unreadable``)
    leaves its content unknown: ``content_hash`` and ``integrity`` are then None (not "modified": nothing
    shows a change), and a ``problem`` names what cannot be read."""
    out = version.manifest.as_dict()
    out["content_hash"] = version.content_hash
    out["frozen"] = is_frozen(version.manifest)
    out["integrity"] = integrity(version)
    if folder is not None and folder != version.manifest.id:
        out["id"] = folder
        out["problem"] = (f"its manifest names it {version.manifest.id!r}, but a version is named by its folder: "
                          f"set id: {folder} in its version.yaml (a check of the tree reports it as file-name)")
    unread = _unread(findings)
    if unread:
        out["content_hash"] = out["integrity"] = None
        out["problem"] = "; ".join(([out["problem"]] if "problem" in out else []) + unread + [_untold(out["frozen"])])
    return out


def unbuilt_row(manifest: Manifest, findings: Iterable[Diagnostic] = ()) -> dict:
    """The row of a version whose manifest reads but whose rule files built no version (its folder cannot be
    listed, say): ``frozen`` as its manifest says, ``integrity`` None (it cannot be told), and a ``problem``
    naming what cannot be read, else pointing to a check of the tree."""
    out = manifest.as_dict()
    out["frozen"] = is_frozen(manifest)
    out["integrity"] = None
    unread = _unread(findings)
    out["problem"] = "; ".join(unread + [_untold(out["frozen"])]) if unread else \
        "version has errors; a check of the tree lists them"
    return out


def _untold(frozen: bool) -> str:
    """What a file or folder that cannot be read leaves unknown (of a version never frozen: no freeze to compare)."""
    return f"what the version holds{', and whether it is what was frozen,' if frozen else ''} cannot be told"


def _unread(findings: Iterable[Diagnostic]) -> List[str]:
    """What cannot be read (the ``unreadable`` findings), each as "path: message"."""
    return [f"{f.span.path}: {f.message}" for f in findings if f.code == "unreadable"]
