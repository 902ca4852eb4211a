"""An on-disk cache of opened versions: the validated model, its findings and its decision table.

Opening a version from its rule files means parsing YAML, validating with
Cerberus, compiling expressions with rule-engine (0.3 s just to import) and
evaluating every clause over its domain (about a second). The result depends only
on the version's files, the policy's source document, the reference data, the
code of sc-policy itself and of the libraries that read and decide, so it is stored once and read
back in milliseconds.

* Where: ``$SC_POLICY_CACHE_DIR``, else ``$XDG_CACHE_HOME/sc-policy``, else
  ``~/.cache/sc-policy``. ``SC_POLICY_NO_CACHE=1`` (any value but empty, 0, false, no, off; or ``--no-cache``) bypasses it.
  A folder not the user's alone is refused, neither read nor written (:mod:`sc_policy.app.cachedir`).
* Key: SHA-256 over the cache format, the Python (its cache tag, e.g. ``cpython-311``, and its full version: :func:`~sc_policy.app.codefiles.python`), the bytes of the
  package's own code and data (every module of every subpackage, the schemas, the reference tables: a
  version number alone would miss a local edit) and of the modules of PyYAML, Cerberus, rule-engine
  and python-dateutil (an upgrade of any of them changes what an entry would hold: :mod:`sc_policy.app.codefiles`),
  the version folder's path in the tree, and the
  names and kinds of every entry of the version folder and of the policy's
  ``source/`` folder, with the exact bytes of each file that sc-policy may read:
  a regular file within the loader's limit (:data:`~sc_policy.load.yamlfile.MAX_FILE_BYTES`
  in the version folder, :data:`~sc_policy.load.yamlfile.MAX_SOURCE_BYTES` in ``source/``).
  A larger file or a pipe, socket or device is never read (the loader refuses it
  or ignores it, naming it); it enters the key by name, kind and size. Any change
  gives another key; nothing is parsed to compute it. The digest of the package's own
  files (and the libraries') is written in each entry's header beside their ``os.stat`` signature (size,
  modification and change times, inode, device) and read back while the signature is
  the same, as ``git status`` trusts its index; a file changed within 2 s of being hashed
  is not remembered (git's "racy" case), and any change of the signature hashes the
  bytes again (the entry then found is written again naming the new signature beside the last ones of the same
  code, at most :data:`_SIGNATURES`, so only one run hashes, even when installs of the same code share the
  folder and take turns). A forged header can only choose which entry is looked up, which whoever
  can write the folder can do anyway.
* Entries are JSON (never pickle, see :mod:`sc_policy.app.codec`): a header line with the key and the SHA-256 of
  the body, then the body: the version's validated rule files (their data and
  positions), its findings and its decision table. The model is rebuilt from the
  stored rule files by the tree's own builder (never decoded from the entry), and
  objects are rebuilt only as instances of the model's own classes, by name, from
  a fixed list. An entry is read only if it is a regular file (not a symbolic link,
  pipe or device) of at most :data:`MAX_ENTRY_BYTES`. An entry that is of another
  kind, too large, unreadable, truncated, for another key, or that does not rebuild
  into a whole table is ignored (and replaced by a fresh one).
* The entry's SHA-256 catches damage, not forgery: anyone who can write the cache
  folder can write a well-formed entry. What a frozen version decides is checked
  against the hashes its manifest records (:meth:`sc_policy.app.workspace.Workspace.open_ref`);
  a draft's entry is trusted as its owner's, which is why the folder must be the owner's alone.
* Choosing a version by date reads every manifest (``version.yaml``) from the disk, always:
  the manifest is the trust anchor. Its schema is not checked again (no Cerberus) when the
  cache holds an entry for the version's exact files (:meth:`TableCache.has`, which looks
  without reading): one is written only after the version opened without error. The
  entry's own manifest is never believed: it must equal the one on disk. (Nor is a parsed
  manifest kept in the cache under the SHA-256 of the manifest's bytes: that hash binds the
  bytes, not what the entry says they mean, so a forged entry could pair the true hash
  with a relabelled manifest, ``status: draft`` for a frozen version, and so escape the
  frozen version's hash checks.) A manifest whose exact bytes the cache vouches for is read by
  libyaml, not the strict Python parser (about 0.1 ms instead of 8): it vouches only for bytes that
  libyaml reads exactly as the strict parser did (:func:`sc_policy.app.trust.read_alike`).
* Writes are atomic (:func:`sc_policy.app.writing.write_atomic`, readable by the owner alone): a temporary
  file in the cache folder, renamed into place. A version keeps one entry per environment (code and Python) sharing
  the folder, at most three, and the temporary files killed writes left go (:mod:`sc_policy.app.eviction`). A cache
  that cannot be written is skipped silently.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import re
import stat
import time
from pathlib import Path
from typing import Iterable, List, Optional, Tuple

import sc_policy.model as model
from sc_policy.app import codefiles, eviction
from sc_policy.app.cachedir import default_cache_dir, look, make_private
from sc_policy.app.codec import _classes, decode, encode
from sc_policy.diagnostics import Diagnostic, PolicyLoadError
from sc_policy.load.yamlfile import MAX_FILE_BYTES, MAX_SOURCE_BYTES, Document, file_kind, read_regular
from sc_policy.engine.table import DecisionTable, table_from_dict, table_to_dict
from sc_policy.load.tree import version_from_documents

__all__ = ["TableCache", "CachedVersion", "default_cache_dir", "encode", "decode", "FORMAT"]

FORMAT = 3
"""Bump when the layout of an entry changes."""

MAX_ENTRY_BYTES = 256_000_000
"""An entry larger than this is neither written nor read (the shipped version's is about 350 kB)."""

_BODY_KEYS = {"documents", "findings", "table"}

_SUFFIX = ".json"
_OTHERS = 4  # entries of other versions whose header is read for the code digest (see _candidates)
_VOUCHED = 6  # most manifests an entry's header vouches for (it must stay within the 1 kB _header reads)
_SIGNATURES = 3  # most stat signatures of the same code a header names (installs of it sharing the folder; also 1 kB)


# -- entries --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CachedVersion:
    """What opening a version produces, as stored."""

    version: model.Version
    findings: Tuple[Diagnostic, ...]
    table: DecisionTable
    documents: Tuple[Document, ...]  # the validated rule files the version is rebuilt from


def _entries(folder: Path) -> Iterable[Tuple[str, Path]]:
    """Every file, folder and other entry below ``folder``, by relative name (links to folders not followed)."""
    if not folder.is_dir():
        return []
    out = []
    for top, dirs, files in os.walk(folder):
        rel = os.path.relpath(top, folder)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        out.extend((prefix + name, Path(top, name)) for name in dirs + files)
    return sorted(out)


_HEX64 = re.compile(r"[0-9a-f]{64}")

class TableCache:
    """The cache folder. Reading never raises; a damaged entry reads as missing."""

    def __init__(self, directory: os.PathLike | str):
        self.directory = Path(directory)
        self._code: Optional[str] = None  # the digest of the package's files
        self._stat: Optional[str] = None  # their signature by os.stat, when it may be remembered
        self._vouched: List[str] = []  # keys of versions whose manifest passed its schema (see vouch)
        self._names: Optional[List[str]] = None  # the folder's entries, listed once (until one is written)
        self._heads: dict = {}  # their headers, read once each
        self._looked: Optional[str] = ""  # what cachedir.look said of the folder once it was there (see refusal)

    @classmethod
    def default(cls) -> Optional["TableCache"]:
        where = default_cache_dir()
        return cls(where) if where is not None else None

    def refusal(self) -> Optional[str]:
        """Why the folder is refused (one line: not the user's alone, :func:`~sc_policy.app.cachedir.look`),
        or None; looked at until it is there, then once. Nothing is read from a refused folder or written to it."""
        if self._looked == "":
            self._looked = look(self.directory)
        return self._looked or None

    def _usable(self) -> bool:
        """Whether entries may be read: the folder is there and the user's alone."""
        return self.refusal() is None and self._looked is None

    def key(self, root: Path, policy: str, folder: Path, rel: str) -> str:
        """The entry key of a version folder: see the module docstring for what goes in."""
        code = self._code_digest(rel)
        h = hashlib.sha256(f"sc-policy cache {FORMAT}\0{codefiles.python()}\0{code}\0{rel}\0".encode("utf-8", "surrogateescape"))
        for label, base, limit in (("version", folder, MAX_FILE_BYTES),
                                   ("source", Path(root) / policy / "source", MAX_SOURCE_BYTES)):
            for name, path in _entries(base):
                kind, size = file_kind(path)  # looked at before anything is read
                data = None
                if kind == "file" and size <= limit:
                    try:
                        data = read_regular(path, limit, name)
                    except PolicyLoadError as exc:  # it changed since: key it by what it is now
                        kind = exc.code
                if data is None:
                    h.update(f"{label}/{name}\0{kind}\0{size}\0unread\0".encode("utf-8", "surrogateescape"))
                else:
                    h.update(f"{label}/{name}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
                    h.update(data)
        return h.hexdigest()

    def _code_digest(self, label: str) -> str:
        """:func:`~sc_policy.app.codefiles.code_digest`, taken from the header of an entry of ``label`` written while no file of
        the package has changed since (the same size, times, inode and device, as ``git status`` decides);
        the bytes are hashed again whenever any of them differs. A forged header can only choose which
        entry is looked up, which anyone who can write the folder can do by writing the entry."""
        if self._code is not None:
            return self._code
        files = codefiles.code_files()
        try:
            self._stat, newest = codefiles.stat_signature(files)
        except OSError:
            self._stat, newest = None, 0
        if self._stat is not None:
            for name in self._candidates(label):
                header = self._head(name)
                code = header.get("code")
                if self._stat in _signatures(header) and isinstance(code, str) and _HEX64.fullmatch(code):
                    self._code = header["code"]
                    return self._code
        self._code = codefiles.code_digest(files)
        if self._stat is not None and time.time_ns() - newest <= codefiles.RACY_NS:
            self._stat = None  # too fresh to be remembered by its times
        return self._code

    def _candidates(self, label: str) -> List[str]:
        """The entries whose header may hold the code digest: those of ``label`` first, then up to
        :data:`_OTHERS` others, the newest first (a version with no entry of its own, a superseded one, is
        keyed by the same code as its neighbours)."""
        mine = re.compile(re.escape(_safe(label)) + r"--[0-9a-f]{64}" + re.escape(_SUFFIX))
        names = self._listing()
        own = [n for n in names if mine.fullmatch(n)]
        return own + self._newest_first([n for n in names if n not in own])[:_OTHERS]

    def _newest_first(self, names: List[str]) -> List[str]:
        """``names`` by their entries' modification times, the newest first (then by name): the entry written or
        re-stamped last names the signature of the code that ran last, whichever version it is of."""
        def written(name: str) -> int:
            try:
                return os.lstat(self.directory / name).st_mtime_ns
            except OSError:
                return 0
        return sorted(names, key=lambda name: (-written(name), name))

    def _listing(self) -> List[str]:
        """The names of the folder's entries, sorted, listed once per instance (until :meth:`store`)."""
        if self._names is None:
            try:
                names = os.listdir(self.directory) if self._usable() else []
            except OSError:
                names = []
            entry = re.compile(r".*--[0-9a-f]{64}" + re.escape(_SUFFIX))
            self._names = sorted(n for n in names if entry.fullmatch(n))
        return self._names

    def _head(self, name: str) -> dict:
        """:func:`_header` of entry ``name``, read once per instance."""
        if name not in self._heads:
            self._heads[name] = _header(self.directory / name)
        return self._heads[name]

    def _path(self, key: str, label: str) -> Path:
        return self.directory / f"{_safe(label)}--{key}{_SUFFIX}"

    def has(self, key: str, label: str) -> bool:
        """Whether an entry of ``key`` is there (a regular file of at most :data:`MAX_ENTRY_BYTES`), unread.

        One is written only for a version that opened without error, so it tells that the version's
        manifest, whose exact bytes are in the key, passed its schema: choosing a version by date
        then needs no validation (see :meth:`sc_policy.app.workspace.Workspace.select`).
        """
        path = self._path(key, label)
        if not self._usable():
            return False
        try:
            info = os.lstat(path)
        except OSError:
            return False
        if not (stat.S_ISREG(info.st_mode) and info.st_size <= MAX_ENTRY_BYTES):
            return False
        header = _header(path)  # its first line: the format and the key it was written for
        return header.get("format") == FORMAT and header.get("key") == key

    def vouches(self, key: str, label: str) -> bool:
        """Whether the manifest of the version of ``key`` (its exact bytes, under this code) is known to pass
        its schema: an entry of ``key`` is there (:meth:`has`), or an entry's header lists ``key`` among the
        manifests checked while it was made (:meth:`vouch`: a version never opened, superseded say)."""
        if self.has(key, label):
            return True
        return any(_listed(self._head(n).get("vouched"), key) for n in self._listing())

    def vouch(self, key: str) -> None:
        """Remember that the manifest of the version of ``key`` passed its schema: the next entry written
        lists it in its header (at most :data:`_VOUCHED` of them), so that choosing a version by date needs
        no Cerberus when the versions' files are as they were."""
        if key not in self._vouched and len(self._vouched) < _VOUCHED:
            self._vouched.append(key)

    def load(self, key: str, label: str) -> Optional[CachedVersion]:
        """The entry of ``key``, or None; ``label`` is the version folder relative to the tree root."""
        path = self._path(key, label)
        if not self._usable():
            return None
        try:  # a regular file, not a link to /dev/zero, a pipe or a 3 GB file: looked at, then read bounded
            raw = read_regular(path, MAX_ENTRY_BYTES, str(path), expected="a cache entry",
                               limit_of="cache entries", nofollow=True)
        except PolicyLoadError:
            return None
        collecting = gc.isenabled()
        gc.disable()  # decoding makes some 20,000 acyclic objects: nothing for the cyclic collector to find
        try:
            head, _, body = raw.partition(b"\n")
            header = json.loads(head)
            if not isinstance(header, dict) or set(header) - {"code", "code_stat", "python", "vouched"} != {"format", "key", "sha256"} or (
                    header["format"], header["key"], header["sha256"]) != (FORMAT, key, hashlib.sha256(body).hexdigest()):
                return None
            data = json.loads(body)
            if not isinstance(data, dict) or set(data) != _BODY_KEYS:
                return None
            classes = _classes()
            documents = tuple(decode(data["documents"], classes))
            findings = tuple(decode(data["findings"], classes))
            if not all(type(d) is Document for d in documents) or not all(isinstance(f, Diagnostic) for f in findings):
                return None
            version = version_from_documents(label, documents)
            entry = CachedVersion(version, findings, table_from_dict(data["table"], version), documents)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
            return None
        finally:
            if collecting:
                gc.enable()
        signatures = _signatures(header) if header.get("code") == self._code else []
        if self._stat is not None and self._stat not in signatures:
            self._restamp(path, dict(header, code=self._code,
                                     code_stat=[self._stat] + signatures[:_SIGNATURES - 1]), body)
        return entry

    def _restamp(self, path: Path, header: dict, body: bytes) -> None:
        """Write an entry again under a header naming the code's current ``os.stat`` signature first: the package
        was hashed to find it (its files were too fresh to be remembered when it was written, were reinstalled
        since, or are another install's of the same code), and would be hashed again on every run while the
        header names it not. The last signatures of the same code stay named, so that installs taking turns do
        not each write the entry again."""
        from sc_policy.app.writing import write_atomic
        try:
            write_atomic(path, json.dumps(header).encode("ascii") + b"\n" + body, mode=0o600)
        except OSError:
            return
        self._heads.pop(path.name, None)

    def store(self, key: str, label: str, entry: CachedVersion) -> bool:
        """Write an entry atomically, in place of the older entries of the same version; False if it cannot."""
        if self.refusal():
            return False
        try:
            body = json.dumps({"documents": encode(list(entry.documents)),
                               "findings": encode(list(entry.findings)), "table": table_to_dict(entry.table)},
                              ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except (TypeError, ValueError):
            return False
        if len(body) + 1024 > MAX_ENTRY_BYTES:  # (with its header) it could never be read back
            return False
        header = json.dumps({"format": FORMAT, "key": key, "sha256": hashlib.sha256(body).hexdigest(),
                             "code": self._code, "code_stat": self._stat, "python": codefiles.python(),
                             "vouched": [k for k in self._vouched if k != key]})
        from sc_policy.app.writing import write_atomic  # (tempfile, shutil): only when an entry is written
        target = self._path(key, label)
        try:
            self._looked = make_private(self.directory)  # the owner's alone (and its parents made), as its entries
            if self._looked is not None:
                return False
            mine = re.compile(re.escape(_safe(label)) + r"--[0-9a-f]{64}" + re.escape(_SUFFIX))
            kept = eviction.make_room(self.directory, mine, target, (codefiles.python(), self._code), _header)
            self._names, self._heads = None, {}
            eviction.write_with_room(  # the owner's alone
                lambda: write_atomic(target, header.encode("ascii") + b"\n" + body, mode=0o600), kept)
        except OSError:
            return False
        return True

    def entries(self) -> List[Path]:
        return sorted(self.directory.glob(f"*{_SUFFIX}")) if self.directory.is_dir() else []


def _header(path: Path) -> dict:
    """The header line of an entry (at most 1 kB, a regular file, not followed through a link), or {}."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return {}
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return {}
        head = os.read(fd, 1024).partition(b"\n")[0]
        header = json.loads(head)
        return header if isinstance(header, dict) else {}
    except (OSError, ValueError, RecursionError):  # (a line of a thousand "[": too deep for json)
        return {}
    finally:
        os.close(fd)


def _signatures(header: dict) -> List[str]:
    """The ``os.stat`` signatures of the code a header names, newest first: ``code_stat`` is the one it was
    written under (or null, too fresh), or after :meth:`TableCache._restamp` a list of them."""
    named = header.get("code_stat")
    named = named if isinstance(named, list) else [named]
    return [s for s in named if isinstance(s, str) and _HEX64.fullmatch(s)][:_SIGNATURES]


def _listed(vouched: object, key: str) -> bool:
    """Whether a header's ``vouched`` (a list of keys, if it is well formed) lists ``key``."""
    return isinstance(vouched, list) and key in vouched


def _safe(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label)[:100]
