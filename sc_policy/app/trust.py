"""What the cache may answer for: the manifest on disk is the trust anchor (see :mod:`sc_policy.app.cache`).

* :func:`untrusted`: whether a cache entry may answer for its version, judged against the manifest
  on disk (and, for a frozen version, the hashes it records).
* :func:`vouched_manifest`: a manifest built without Cerberus, when the cache vouches that its exact
  bytes passed their schema, provided it has every type the schema asks for.
* :func:`read_alike`: whether libyaml reads a manifest's bytes as the strict parser did; the cache
  vouches only for such bytes, which it then lets libyaml read
  (:func:`~sc_policy.load.yamlfile.parse_vouched`).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Mapping, Optional

from sc_policy.app.cache import CachedVersion
from sc_policy.checks.lifecycle import is_frozen
from sc_policy.diagnostics import ScPolicyError
from sc_policy.engine.layout import layout_differs
from sc_policy.engine.table import decisions_hash
from sc_policy.load.build import build_manifest
from sc_policy.load.yamlfile import Document, load_vouched
from sc_policy.model import Manifest

__all__ = ["untrusted", "vouched_manifest", "read_alike"]


def vouched_manifest(doc: Document) -> Optional[Manifest]:
    """The manifest of ``doc`` built without its schema check, or None when it lacks a type its schema
    asks for (a file at a cache entry's name vouches for no manifest)."""
    try:
        manifest = build_manifest(doc)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    # a timestamp is no day to the schema, though the Manifest holds its day (build_manifest)
    timed = any(isinstance(doc.data.get(k), dt.datetime) for k in ("effective_from", "effective_to"))
    return manifest if _well_typed(manifest) and not timed else None


def read_alike(path: os.PathLike, strict: Optional[Document]) -> bool:
    """Whether libyaml reads the file at ``path`` now as the strict parser read it into ``strict``."""
    if strict is None:
        return False
    try:
        fast = load_vouched(path, strict.path)
    except ScPolicyError:
        return False
    return fast.data == strict.data and dict(fast.spans) == dict(strict.spans)


def _well_typed(m: Manifest) -> bool:
    """Whether a manifest built without its schema check has the types its schema asks for, so that
    nothing built from it can fail later: a file at a cache entry's name vouches for no manifest."""
    def day(value) -> bool:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)

    texts = (m.id, m.policy, m.title, m.status, m.source_title, m.source_file, m.source_sha256)
    optional = (m.supersedes, m.sha256, m.table_sha256)
    return (all(isinstance(v, str) for v in texts) and all(v is None or isinstance(v, str) for v in optional)
            and day(m.effective_from) and (m.effective_to is None or day(m.effective_to))
            and isinstance(m.assumptions, Mapping)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in m.assumptions.items()))


def untrusted(entry: CachedVersion, disk: Optional[Document]) -> Optional[str]:
    """None when a cache entry may answer for its version; else why not (empty: nothing to tell).

    The trust anchor is the manifest on disk (``disk``, as read), never the entry: the entry's rule
    files must hold exactly that manifest and, for a frozen version, have the recorded
    content hash, and its table must decide what the recorded decisions hash says and be laid out
    as its files lay it out (:func:`~sc_policy.engine.layout.layout_differs`).
    A draft's entry is trusted as its owner's. A frozen version that records no
    decisions hash (frozen by an older sc-policy) cannot be verified, so it is not
    answered from the cache at all.
    """
    if disk is None:
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
    return layout_differs(entry.table, entry.version)  # what the hash leaves out: order, classes, descriptions
