"""The statements of the compiled SQL (:func:`sc_policy.app.sqlscript.statements` without the tables'
rows) kept in the on-disk cache (:mod:`sc_policy.app.cache`), so that deciding a caseload in DuckDB
again neither imports sqlglot nor builds the view's AST (about 0.2 s of CPU a run).

* What is kept: the statements' text in one dialect: dropping and creating the three tables (empty)
  and the view ``decisions``. They hold no decision: the view depends only on the caseload's shape
  (:class:`~sc_policy.app.sqldata.CaseloadShape`: its columns and their roles), the dialect and the
  code that writes it; the tables' rows are gathered afresh each run from the opened versions (whose
  decisions the workspace checks against a frozen version's hashes).
* Key: SHA-256 over this format, the SHA-256 of sc-policy's own code and data (the same digest that
  keys every entry of the cache: any edit of the package gives another key), the dialect and the shape's
  ``repr`` (every field, column names quoted as Python quotes them). Nothing else enters the script.
* Entry: ``sql-<dialect>--<key>.sql`` in the cache folder: a header line (JSON: the format, the key,
  the SHA-256 of the body) and the body, a JSON list of the statements. It is read only if it is a
  regular file (not a symbolic link) of at most :data:`MAX_ENTRY_BYTES` whose header names this key
  and whose body has that SHA-256 and is a list of text; anything else is ignored and written afresh.
  As for every entry of the cache, the SHA-256 catches damage, not forgery: the folder is its owner's.
  Since the statements are code, DuckDB runs them sandboxed (:func:`sc_policy.app.caseduck.run`): it
  may read the input and touch the batch's own temporary folder, nothing else, and loads no extension.
* Writes are atomic and readable by the owner alone (:func:`sc_policy.app.writing.write_atomic`);
  a cache that cannot be written is skipped silently. At most :data:`MAX_ENTRIES` are kept. No cache
  (``--no-cache``, ``SC_POLICY_NO_CACHE``, other reference data, an overlay): the statements are
  generated each time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import List, Optional

from sc_policy.app.cache import TableCache
from sc_policy.app.sqldata import CaseloadShape, ScriptData
from sc_policy.diagnostics import PolicyLoadError
from sc_policy.load.yamlfile import read_regular

__all__ = ["FORMAT", "MAX_ENTRIES", "MAX_ENTRY_BYTES", "generated", "statements_text"]

FORMAT = 1
"""Bump when the layout of an entry changes."""

MAX_ENTRY_BYTES = 4_000_000
"""An entry larger than this is neither written nor read (a caseload of three columns: about 20 kB)."""

MAX_ENTRIES = 64
"""Entries kept (one per code, dialect and shape of caseload): writing one more removes the oldest."""

_SUFFIX = ".sql"
_ENTRY = re.compile(r"sql-[a-z_]+--[0-9a-f]{64}" + re.escape(_SUFFIX))


def generated(shape: CaseloadShape, dialect: str) -> List[str]:
    """The statements written afresh by sqlglot (imported here: only when the cache has no entry)."""
    from sc_policy.app.sqlscript import statements
    return [s.sql(dialect=dialect, copy=False) for s in statements(ScriptData(shape, (), (), ()), dialect,
                                                                       values=False)]


def key(cache: TableCache, shape: CaseloadShape, dialect: str) -> str:
    text = f"sc-policy sql statements {FORMAT}\0{cache.code_digest()}\0{dialect}\0{shape!r}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def path(cache: TableCache, dialect: str, wanted: str) -> Path:
    """Where the entry of key ``wanted`` lives."""
    return cache.directory / f"sql-{re.sub(r'[^a-z]', '_', dialect)}--{wanted}{_SUFFIX}"


def _load(entry: Path, wanted: str) -> Optional[List[str]]:
    try:
        raw = read_regular(entry, MAX_ENTRY_BYTES, str(entry), expected="a cache entry",
                           limit_of="cache entries", nofollow=True)
    except PolicyLoadError:
        return None
    head, _, body = raw.partition(b"\n")
    try:
        header, texts = json.loads(head), json.loads(body)
    except ValueError:  # (UnicodeDecodeError too)
        return None
    if header != {"format": FORMAT, "key": wanted, "sha256": hashlib.sha256(body).hexdigest()}:
        return None
    if not isinstance(texts, list) or not texts or not all(type(t) is str for t in texts):
        return None
    return texts


def _store(entry: Path, wanted: str, texts: List[str]) -> None:
    body = json.dumps(texts, ensure_ascii=True).encode("ascii")
    if len(body) + 1024 > MAX_ENTRY_BYTES:
        return
    header = json.dumps({"format": FORMAT, "key": wanted, "sha256": hashlib.sha256(body).hexdigest()})
    from sc_policy.app.writing import write_atomic  # (tempfile, shutil): only when an entry is written
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(entry, header.encode("ascii") + b"\n" + body, mode=0o600)  # the owner's alone
        _prune(entry.parent)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    """Remove the oldest entries beyond :data:`MAX_ENTRIES` (by modification time; others' files untouched)."""
    kept = []
    for name in os.listdir(folder):
        if _ENTRY.fullmatch(name):
            try:
                kept.append((os.lstat(folder / name).st_mtime_ns, name))
            except OSError:
                continue
    for _, name in sorted(kept)[:max(0, len(kept) - MAX_ENTRIES)]:
        try:
            os.unlink(folder / name)
        except OSError:
            pass


def statements_text(cache: Optional[TableCache], shape: CaseloadShape, dialect: str) -> List[str]:
    """The statements (see the module) in ``dialect``: from ``cache`` when it holds them, else
    generated (and kept there)."""
    if cache is None:
        return generated(shape, dialect)
    wanted = key(cache, shape, dialect)
    entry = path(cache, dialect, wanted)
    texts = _load(entry, wanted)
    if texts is None:
        texts = generated(shape, dialect)
        _store(entry, wanted, texts)
    return texts
