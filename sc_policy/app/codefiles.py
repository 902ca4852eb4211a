"""The code an opened version depends on, for the cache's key: sc-policy's own files and the libraries'.

What a cache entry holds (the validated rule files, their findings, the decision table) is made by
sc-policy's own modules and data and by three libraries: PyYAML reads the rule files, Cerberus
validates them, rule-engine compiles and evaluates their expressions. An entry made by other bytes of
any of them is another entry: a local edit, or an upgrade of a library (whose version number alone
could miss a patched copy), changes the digest, so a draft is never answered with decisions an older
rule-engine made. See :mod:`sc_policy.app.cache` for how the digest is remembered between runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import List, Optional, Tuple

from sc_policy.resources import schemas_dir

__all__ = ["PACKAGE", "LIBRARIES", "code_files", "code_digest", "python", "stat_signature", "RACY_NS"]

PACKAGE = Path(__file__).resolve().parent.parent
"""sc_policy/, whose code and data key every entry."""

LIBRARIES = ("yaml", "cerberus", "rule_engine", "dateutil")
"""The libraries whose code makes what an entry holds: PyYAML, Cerberus and rule-engine (by import name), and
python-dateutil, with which rule-engine parses date and time literals and makes their time zones (UTC unless a
literal names another: the context of :mod:`sc_policy.engine.compile` never reads the local one)."""

_LIBRARY_SUFFIXES = (".py", ".so", ".pyd")

RACY_NS = 2_000_000_000
"""A signature is remembered only when every file is older than this: a file written within the same
tick of the file system's clock as it was hashed could change without changing its times (git's "racy" case)."""


def _walk(folder: Path, label: str, suffixes: Tuple[str, ...], skip_top: Tuple[str, ...] = ()) -> List[Tuple[str, str]]:
    """(``label`` + the relative name, the path) of every file below ``folder`` ending in ``suffixes``
    (not ``__pycache__``, nor the top-level folders ``skip_top``)."""
    files = []
    for top, dirs, names in os.walk(folder):
        rel = os.path.relpath(top, folder)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        dirs[:] = [d for d in dirs if d != "__pycache__" and not (prefix == "" and d in skip_top)]
        for name in names:
            path = os.path.join(top, name)
            if os.path.splitext(name)[1] in suffixes and os.path.isfile(path):
                files.append((label + prefix + name, path))
    return files


def _library_folder(name: str) -> Optional[Path]:
    """The folder the library ``name`` is imported from (found without importing it), or None."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    return Path(locations[0]) if locations else None


def code_files() -> List[Tuple[str, str]]:
    """(name, path) of every file of code an entry depends on: every module and data file of the package,
    in every subpackage (not ``policies/``), the rule files' schemas, and the modules of :data:`LIBRARIES`
    (under ``lib/NAME/``; a library not found as a folder, as in a zipped install, is named alone)."""
    files = _walk(PACKAGE, "", (".py", ".csv", ".yaml"), skip_top=("policies",))
    files += _walk(schemas_dir(), "schemas/", (".py", ".csv", ".yaml"))
    for name in LIBRARIES:
        folder = _library_folder(name)
        found = _walk(folder, f"lib/{name}/", _LIBRARY_SUFFIXES) if folder is not None and folder.is_dir() else []
        files += found or [(f"lib/{name}", "")]
    return sorted(files)


def python() -> str:
    """The Python that runs, in at most 40 characters (an entry's header names it): its bytecode tag
    (``cpython-311``; its name alone on a Python that caches no bytecode, whose tag is None) and a digest of its
    full version, patch level and build (a patch release changes the standard library an entry was made with)."""
    tag = sys.implementation.cache_tag or sys.implementation.name
    return f"{tag[:20]}-{hashlib.sha256(sys.version.encode()).hexdigest()[:16]}"


def code_digest(files: Optional[List[Tuple[str, str]]] = None) -> str:
    """SHA-256 over the bytes of :func:`code_files` (a version number alone misses local edits)."""
    h = hashlib.sha256()
    for name, p in files if files is not None else code_files():
        data = b""
        if p:
            with open(p, "rb") as fh:
                data = fh.read()
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def stat_signature(files: List[Tuple[str, str]]) -> Tuple[str, int]:
    """(a digest of what ``os.stat`` says of each file, the newest change time among them, in ns)."""
    h = hashlib.sha256()
    newest = 0
    for name, p in files:
        if not p:
            h.update(f"{name}\0\0".encode())
            continue
        info = os.stat(p)
        newest = max(newest, info.st_mtime_ns, info.st_ctime_ns)
        h.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ctime_ns}\0{info.st_ino}\0"
                 f"{info.st_dev}\0".encode())
    return h.hexdigest(), newest
