"""Where the decision cache lives, and whether that folder may hold it: the current user's alone.

* Where: ``$SC_POLICY_CACHE_DIR``, else ``$XDG_CACHE_HOME/sc-policy`` (an absolute path), else
  ``~/.cache/sc-policy``; no cache when ``SC_POLICY_NO_CACHE`` is set (any value but empty, 0, false,
  no, off) or there is no home directory (no ``HOME`` and no passwd entry: a container's arbitrary uid).
* Whose: an entry's SHA-256 catches damage, not forgery. A draft's entry is trusted as its owner's, and
  a frozen version's is checked against the hashes its manifest records, which leave some of an
  answer out (the unresolved findings it lists). So, on POSIX, the folder is used only when it is the
  user's alone (:func:`look`): a folder that belongs to another user, or that its group or others may
  write (``chmod 777``, or made so by another user), or a link to one, or a link of another user's, is
  refused: nothing is read from it, nothing is written to it, and each version is opened from its rule
  files (the same answers, slower). The workspace tells the user why, once, in one line.
* The folders sc-policy makes (the cache folder and its missing parents) are made 0700 whatever the
  umask, as the XDG Base Directory spec asks, and each is looked at once made (:func:`make_private`).
* Not judged: the parents of a folder that was there already (``~/.cache`` is often writable by its
  group, a user-private group under umask 002); whoever may write one of those could swap the folder
  between its look and its use. Windows has no uid: there the folder is not judged.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional

from sc_policy.diagnostics import shown_path

__all__ = ["default_cache_dir", "look", "make_private"]

_LEAVE_ON = ("", "0", "false", "no", "off")
"""The values of SC_POLICY_NO_CACHE (trimmed, in any case) that leave the cache on."""


def default_cache_dir() -> Optional[Path]:
    """The cache folder the environment names, or None when caching is switched off."""
    if os.environ.get("SC_POLICY_NO_CACHE", "").strip().lower() not in _LEAVE_ON:
        return None
    explicit = os.environ.get("SC_POLICY_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "sc-policy"
    try:
        return Path.home() / ".cache" / "sc-policy"
    except (RuntimeError, KeyError, OSError):  # no HOME and no passwd entry (a container's arbitrary uid)
        return None  # no cache: the answers are the same


def look(folder: os.PathLike | str, what: str = "the cache folder") -> Optional[str]:
    """None when ``folder`` is a folder of the current user's that neither its group nor others may write
    (or the system has no uids); "" when there is no folder there to use (missing, not a folder, or not to
    be looked at: nothing to read, nothing to tell); else why it is refused, in one line.

    Looked at with ``os.lstat``; a link of the user's is followed (``os.stat``) and the folder it names
    judged, a link of another user's is refused (they may point it elsewhere at any time)."""
    if not hasattr(os, "getuid"):  # Windows: no uid to compare
        return None
    uid = os.getuid()
    try:
        info = os.lstat(folder)
        followed = stat.S_ISLNK(info.st_mode) and info.st_uid == uid
        if followed:
            info = os.stat(folder)
    except OSError:  # missing, a dangling link, or a parent not to be searched: nothing can be read there
        return ""
    elsewhere = "choose a folder of your own (SC_POLICY_CACHE_DIR)"
    # sticky and open to all: shared by design, as /tmp (not a sticky folder others may not write, 1755)
    shared = stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX and info.st_mode & stat.S_IWOTH
    if shared:  # (never to be removed): a folder inside it is the user's, once sc-policy makes it
        elsewhere += f", such as {shown_path(os.path.join(folder, 'sc-policy'))}, which sc-policy makes for you alone"
    if stat.S_ISLNK(info.st_mode):
        problem, advice = f"is a link that belongs to another user (uid {info.st_uid})", elsewhere
    elif not stat.S_ISDIR(info.st_mode):
        return ""
    elif info.st_uid != uid:  # (not theirs to remove: /tmp, a colleague's)
        problem, advice = f"belongs to another user (uid {info.st_uid}; you are uid {uid})", elsewhere
    elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        whom = " and ".join(w for bit, w in ((stat.S_IWGRP, "its group"), (stat.S_IWOTH, "others"))
                            if info.st_mode & bit)
        problem = f"is writable by {whom} (mode {stat.S_IMODE(info.st_mode):04o})"
        # (not "chmod 700": what the folder holds may have been written by another, and would then be believed;
        # nor "remove it" alone: it may be a folder the user shares on purpose)
        advice = elsewhere if shared else f"remove it, and sc-policy makes it anew for you alone; or {elsewhere}"
    else:
        return None
    where = shown_path(folder) + (f" (a link to {shown_path(os.path.realpath(folder))})" if followed else "")
    return (f"{what} {where} {problem}: not used, versions are opened from their rule files (the same answers, "
            f"slower); {advice}")


def make_private(folder: os.PathLike | str) -> Optional[str]:
    """Make ``folder`` and each of its missing parents 0700 whatever the umask, look at each folder made
    (:func:`look`), and then return what :func:`look` says of ``folder``. Raises OSError when one cannot
    be made. A folder made meanwhile by another process is judged as one found (its parents are not)."""
    missing = []
    at = Path(folder)
    while not os.path.lexists(at) and at != at.parent:
        missing.append(at)
        at = at.parent
    for made in reversed(missing[1:]):  # the parents, outermost first
        try:
            os.mkdir(made, 0o700)
        except FileExistsError:
            continue
        why = look(made, "the folder")
        if why:
            return why
    if missing:
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
    return look(folder)
