"""Which cache entries go when a version's new entry is written, and which stay.

A version has one entry per *environment*: the code that made it (sc-policy's own files and the
libraries', :mod:`sc_policy.app.codefiles`) and the Python that ran it. Two environments that share one
cache folder (a ``pipx`` install and a project's virtual environment, two Pythons, a checkout beside an
install) each keep their own entry, so neither opens the version from its files again after the other ran:

* an entry of the same version for the *same* environment was made from other rule files (an edit since):
  it goes;
* of the entries other environments made, the newest :data:`ENVIRONMENTS` - 1 stay (by when each was
  written) and older ones go: an upgrade's old entries do not pile up;
* a temporary file a killed write left (over an hour old) goes, and so does what is at an entry's name but is
  not a regular file (a symbolic link, a pipe: never read as an entry), in place of no other environment's entry.

Old entries go before the new one is written. When the volume has no room for the new entry beside the
entries kept for other environments, those go too and the write is tried once more: on a small volume an
upgraded sc-policy's old entries must not keep the cache unused.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

__all__ = ["ENVIRONMENTS", "environment", "make_room", "write_with_room"]

ENVIRONMENTS = 3
"""The most entries one version keeps: the one written and those of two other environments."""

STALE_TMP_NS = 3_600_000_000_000
"""A temporary file of an entry's write older than this (an hour) was left by a process killed while writing (a
write takes milliseconds)."""

_NO_ROOM = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def environment(header: dict) -> Tuple[object, object]:
    """The environment an entry's header names: (the Python, as :func:`sc_policy.app.codefiles.python` names it;
    the digest of the code)."""
    return header.get("python"), header.get("code")


def make_room(directory: Path, entry: "re.Pattern[str]", target: Path, mine: Tuple[object, object],
              header_of: Callable[[Path], Dict]) -> List[Path]:
    """Remove what goes before ``target`` (an entry of one version) is written in ``directory``: the version's
    entries (names matching ``entry``) made in environment ``mine`` (``header_of`` reads a header), all but the
    newest :data:`ENVIRONMENTS` - 1 of the others, and stale temporary files of the version's writes.
    Returns the entries kept for other environments, newest first."""
    left = re.compile(r"\." + entry.pattern + r"\.[0-9a-f]{8}\.tmp")  # (writing.atomic_file's names)
    others: List[Tuple[int, Path]] = []
    for old in directory.iterdir():
        if left.fullmatch(old.name):
            if _older_than(old, STALE_TMP_NS):
                unlink(old)
        elif old != target and entry.fullmatch(old.name):
            written = _written(old)
            if written is None or environment(header_of(old)) == mine:
                unlink(old)
            else:
                others.append((written, old))
    others.sort(key=lambda pair: (-pair[0], pair[1].name))
    for _, old in others[ENVIRONMENTS - 1:]:
        unlink(old)
    return [old for _, old in others[:ENVIRONMENTS - 1]]


def write_with_room(write: Callable[[], None], kept: List[Path]) -> None:
    """``write()``; when the volume has no room for it, remove the entries ``kept`` for other environments and
    write once more. Raises the :class:`OSError` of the last attempt."""
    try:
        write()
    except OSError as exc:
        if exc.errno not in _NO_ROOM or not kept:
            raise
        for old in kept:
            unlink(old)
        write()


def unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _written(path: Path) -> Optional[int]:
    """When an entry was last written (ns), or None when it cannot be looked at or is no regular file."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_mtime_ns if stat.S_ISREG(info.st_mode) else None


def _older_than(path: Path, age_ns: int) -> bool:
    written = _written(path)
    return written is not None and time.time_ns() - written > age_ns
