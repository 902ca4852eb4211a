"""Changing a policy tree safely: one command at a time, and several files replaced as one.

Only ``new-version`` and ``freeze`` write to a policy tree. Each runs inside
:func:`changing`, which holds an exclusive ``flock`` on ``<tree>/.sc-policy.lock``
(in the folder that holds the policies) for the whole command. The operating
system releases the lock when the process ends, however it ends, so a killed
command never leaves a stale lock. A second command that finds the lock held
stops at once with a one-line error, instead of deciding from a state that is
about to change. One lock for the whole tree, because version ids are unique
across its policies.

Every file is written with :func:`write_atomic` (a temporary file beside it, then
a rename). Files that must change together (``freeze`` puts the new version in
force and closes the one it supersedes) go through :func:`replace_together`:

1. the new texts are written to a journal, ``<tree>/.sc-policy.journal``,
   through a temporary file whose rename into place is the commit point;
2. each file is replaced (:func:`write_atomic`);
3. the journal is removed.

A command killed before step 1's rename leaves the old state (and a stray
temporary file); one killed after it leaves the journal, and the next command
that takes the lock finishes the change (roll forward) before it reads
anything, then removes what interrupted commands left behind. Until then
``sc-policy check`` reports the journal as ``interrupted-change``. The journal
records each file's hash before and after; a file that holds neither (edited by
hand since) is never overwritten: the roll forward stops with an error.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import shutil
import stat
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterator, List, Optional, Sequence, Tuple

from sc_policy.diagnostics import Diagnostic, ScPolicyError, Span, Suggestion, os_error

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system
    fcntl = None

__all__ = ["LOCK_NAME", "JOURNAL_NAME", "STAGING_PREFIX", "MAX_JOURNAL_BYTES", "atomic_file", "write_atomic",
           "changing", "replace_together", "pending_change", "fsync_dir"]

LOCK_NAME = ".sc-policy.lock"
JOURNAL_NAME = ".sc-policy.journal"
STAGING_PREFIX = ".sc-policy-new."
"""A new version folder is assembled in ``<tree>/<policy>/.sc-policy-new.<id>.<random>/``, then renamed."""
MAX_JOURNAL_BYTES = 8_000_000
"""A journal holds a few manifests (each under the loader's 1 MB limit); a larger one is refused unread."""
_JOURNAL_FORMAT = 1
_MANIFEST_TMP = (".version.yaml.", ".tmp")  # the temporary names write_atomic gives a manifest

Notice = Optional[Callable[[str], None]]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - a folder that cannot be opened for reading (some platforms)
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems that do not sync folders
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_file(path: os.PathLike | str, *, mode: Optional[int] = None, sync: bool = True) -> Iterator[BinaryIO]:
    """Write the new contents of ``path`` to the binary file this yields; when the block ends
    normally, put it in place of ``path`` as one step (a rename), else remove it and leave
    ``path`` as it was.

    The file is written under a hidden temporary name beside ``path``
    (``.NAME.XXXXXXXX.tmp``, NAME cut to 200 characters), so that a process killed while
    writing leaves the old file whole and no partial file under its name. The new file has
    ``mode`` if given, else the permissions of the file it replaces, else those a new file
    gets (0o666 less the umask). With ``sync``, the file and then its folder are flushed to
    disk before and after the rename. ``path`` itself is replaced (a symbolic link by a file:
    pass its ``os.path.realpath`` to replace the file it points to). An OSError names ``path``.
    """
    path = os.fspath(path)
    folder, name = os.path.split(path)
    try:
        while True:
            tmp = os.path.join(folder, f".{name[:200]}.{secrets.token_hex(4)}.tmp")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
            except FileExistsError:
                continue
            break
    except OSError as exc:
        if exc.filename is None or exc.filename == tmp:  # name the file it was for
            exc.filename = path
        raise
    try:
        with os.fdopen(fd, "wb") as fh:
            if mode is None:
                try:
                    st = os.stat(path)
                except FileNotFoundError:
                    st = None
                if st is not None and stat.S_ISREG(st.st_mode):
                    mode = stat.S_IMODE(st.st_mode)  # the file it replaces keeps its permissions
            if mode is not None and os.chmod in os.supports_fd:
                try:
                    os.chmod(fh.fileno(), mode)
                except OSError:
                    pass  # (a file system without permissions): the new file has the usual ones
            yield fh
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and (exc.filename is None or exc.filename == tmp):
            exc.filename = path  # a write refused: name the file it was for
        raise
    if sync:
        fsync_dir(Path(folder or "."))


def write_atomic(path: Path, data: str | bytes, *, mode: Optional[int] = None) -> None:
    """Replace ``path`` with ``data`` (text as UTF-8) through :func:`atomic_file`, flushed to disk."""
    with atomic_file(path, mode=mode) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


# -- the lock ------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def changing(folder: Path, notice: Notice = None) -> Iterator[None]:
    """Hold the lock of policy tree ``folder`` for the block, after finishing what an interrupted command left.

    Raises :class:`ScPolicyError` (exit 2) at once when another command holds the
    lock, or when the lock file cannot be opened.
    """
    folder = Path(folder)
    path = folder / LOCK_NAME
    flags = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags | os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError as denied:  # made by another analyst: a lock needs only read access
        try:
            fd = os.open(path, flags | os.O_RDONLY)
        except FileNotFoundError:  # none to share, and none may be made: a tree of another account's
            raise os_error(denied, "lock the policy tree", path) from None
        except OSError as exc:
            raise os_error(exc, "lock the policy tree", path) from None
    except OSError as exc:
        raise os_error(exc, "lock the policy tree", path) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ScPolicyError("cannot lock the policy tree: the lock file is not a regular file",
                                Span(str(path)), code="os-error")
        if fcntl is None:  # pragma: no cover
            raise ScPolicyError("cannot lock the policy tree: this system has no fcntl", Span(str(path)),
                                code="os-error")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise ScPolicyError(f"another sc-policy command is changing the policy tree {folder}; try "
                                    f"again when it finishes", code="locked") from None
            raise os_error(exc, "lock the policy tree", path) from None
        _recover(folder, notice)
        yield
    finally:
        os.close(fd)  # releases the lock


# -- several files as one ------------------------------------------------------------------------------------

def replace_together(folder: Path, command: str, changes: Sequence[Tuple[Path, bytes, str]]) -> None:
    """Replace files inside policy tree ``folder`` so that a crash leaves all or none of them changed.

    ``command`` names the change as its caller words it (e.g. the command its user ran), recorded in
    the journal so that an interrupted change can be named later (:func:`pending_change`).
    ``changes`` holds (path, the bytes the new text was computed from, new text).
    Call only inside :func:`changing` for ``folder``.
    """
    folder = Path(folder)
    entries = []
    for path, before, text in changes:
        entries.append({"path": Path(path).relative_to(folder).as_posix(), "before": _sha(before),
                        "after": _sha(text.encode("utf-8")), "text": text})
    journal = folder / JOURNAL_NAME
    write_atomic(journal, json.dumps({"sc-policy-journal": _JOURNAL_FORMAT, "command": command,
                                      "files": entries}, ensure_ascii=False, sort_keys=True))
    _apply(folder, entries)
    os.unlink(journal)
    fsync_dir(folder)


def _apply(folder: Path, entries: List[dict]) -> None:
    for entry in entries:
        write_atomic(folder / entry["path"], entry["text"])


def _read_journal(folder: Path) -> Optional[dict]:
    """The journal's data; None when there is none. Raises ScPolicyError for a damaged one."""
    path = folder / JOURNAL_NAME
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise os_error(exc, "read the journal of an interrupted change", path) from None
    damaged = "the journal of an interrupted change is damaged ({}); review the versions' manifests, then remove it"
    if not stat.S_ISREG(st.st_mode):
        raise ScPolicyError(damaged.format("not a regular file"), Span(str(path)), code="journal")
    if st.st_size > MAX_JOURNAL_BYTES:
        raise ScPolicyError(damaged.format(f"over {MAX_JOURNAL_BYTES} bytes"), Span(str(path)), code="journal")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise os_error(exc, "read the journal of an interrupted change", path) from None
    except ValueError:
        raise ScPolicyError(damaged.format("not JSON"), Span(str(path)), code="journal") from None
    if not _well_formed(data):
        raise ScPolicyError(damaged.format("not an sc-policy journal"), Span(str(path)), code="journal")
    return data


def _well_formed(data) -> bool:
    if not (isinstance(data, dict) and data.get("sc-policy-journal") == _JOURNAL_FORMAT
            and isinstance(data.get("command"), str) and isinstance(data.get("files"), list)):
        return False
    for entry in data["files"]:
        if not (isinstance(entry, dict) and all(isinstance(entry.get(k), str)
                                                for k in ("path", "before", "after", "text"))):
            return False
        rel = PurePosixPath(entry["path"])
        if rel.is_absolute() or not rel.parts or ".." in rel.parts or "\\" in entry["path"]:
            return False
    return True


def pending_change(folder: Path) -> Optional[Diagnostic]:
    """What an interrupted change left unfinished in policy tree ``folder`` (None: nothing), as an
    ``interrupted-change`` error at the journal. The change is named as its caller named it when it began
    (:func:`replace_together`); running it again, or any change of the tree, finishes it."""
    where = Span(JOURNAL_NAME)
    try:
        data = _read_journal(Path(folder))
    except ScPolicyError as exc:
        return Diagnostic(where, "error", "interrupted-change", exc.message)
    if data is None:
        return None
    change = data["command"]
    return Diagnostic(where, "error", "interrupted-change",
                      f"`{change}` was interrupted after it committed its changes, and some manifests may not have "
                      f"them yet", suggestion=Suggestion("finish-change", (change,),
                                                         f"run `{change}` again to finish them"))


def _recover(folder: Path, notice: Notice) -> None:
    """Finish a committed change, and remove what interrupted commands left (the lock is held)."""
    data = _read_journal(folder)
    if data is not None:
        journal = folder / JOURNAL_NAME
        todo = []
        for entry in data["files"]:
            path = folder / entry["path"]
            try:
                current = _sha(path.read_bytes())
            except FileNotFoundError:
                current = None
            except OSError as exc:
                raise os_error(exc, "finish an interrupted change", path) from None
            if current == entry["after"]:
                continue
            if current != entry["before"]:
                raise ScPolicyError(f"cannot finish the interrupted `{data['command']}` recorded in "
                                    f"{journal}: this file was changed since; review it, then remove the "
                                    f"journal", Span(str(path)), code="journal")
            todo.append(entry)
        try:
            _apply(folder, todo)
            os.unlink(journal)
        except OSError as exc:
            raise os_error(exc, "finish an interrupted change", exc.filename or journal) from None
        fsync_dir(folder)
        if notice is not None:
            notice(f"finished the interrupted `{data['command']}` ({len(todo)} of "
                   f"{len(data['files'])} files were still to change)")
    _remove_leftovers(folder)


def _scan(folder: str) -> List[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:
        return []


def _remove_leftovers(root: Path) -> None:
    """Temporaries of interrupted commands (only a command holding the lock makes them): the journal's in
    the tree, new version folders being assembled in a policy folder, manifests in a version folder."""
    def remove(entry: os.DirEntry, tree: bool = False) -> None:
        try:
            shutil.rmtree(entry.path) if tree else os.unlink(entry.path)
        except OSError:
            pass  # left for the next command; `check` shows a stray manifest temporary as a warning

    for entry in _scan(str(root)):
        if entry.name.startswith(f".{JOURNAL_NAME}.") and entry.name.endswith(".tmp"):  # see write_atomic
            if entry.is_file(follow_symlinks=False):
                remove(entry)
        elif not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
            for inner in _scan(entry.path):  # a policy folder
                if inner.name.startswith(STAGING_PREFIX):
                    if inner.is_dir(follow_symlinks=False):
                        remove(inner, tree=True)
                elif not inner.name.startswith(".") and inner.is_dir(follow_symlinks=False):
                    for item in _scan(inner.path):  # a version folder
                        if (item.name.startswith(_MANIFEST_TMP[0]) and item.name.endswith(_MANIFEST_TMP[1])
                                and item.is_file(follow_symlinks=False)):
                            remove(item)
