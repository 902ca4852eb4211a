"""Make a new draft version from an existing one, and freeze a version once the analyst is done.

Both change files that auditors rely on. Both hold the policy tree's lock while they run, so two analysts
never decide from the same state, and both write atomically (:mod:`sc_policy.app.writing`): every file goes to
a temporary file beside it and is renamed over the old one, a new version folder is assembled under a hidden
name and renamed into place, and the manifests ``freeze`` changes are replaced together through a journal, so
a crash never leaves half a manifest, half a version, or one manifest changed without the other.

``freeze`` records in the manifest the content hash (:func:`sc_policy.load.tree.content_hash`), each
file's hash (:func:`~sc_policy.load.tree.file_hashes`, so that a later change names its files) and the
hash of the version's decisions (:func:`sc_policy.engine.table.decisions_hash`, of the table built from
the files, never from the cache), sets the status to ``in-force``, and closes the period of the version
it supersedes (``effective_to`` the day before, status ``superseded``); those fields are outside the
hash, which is what lets a frozen version's life go on without changing its content.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from sc_policy.app.checking import check_version
from sc_policy.engine.compile import CompiledVersion, compile_version
from sc_policy.diagnostics import (Diagnostic, InputError, PolicyInvalidError, ScPolicyError, Span, Suggestion, counted,
                                   echoed, invalid_policy)
from sc_policy.engine.decide import Evaluator
from sc_policy.checks.lifecycle import (changed_files, hash_findings, lifecycle_findings, status_findings,
                                       table_findings)
from sc_policy.load.yamlfile import MAX_FILE_BYTES, load_document
from sc_policy.model import Version
from sc_policy.engine.table import build_table, decisions_hash
from sc_policy.analysis.testcases import run_cases
from sc_policy.load.tree import LoadedVersion, PolicyTree, VersionRef, select_version
from sc_policy.app.writing import STAGING_PREFIX, Notice, changing, fsync_dir, replace_together, write_atomic
from sc_policy.app.manifestfile import draft_header, dump_manifest, frozen_header, set_manifest_fields

__all__ = ["new_version", "freeze", "FreezeResult", "write_atomic", "set_manifest_fields", "require_safe_id",
           "ID_PATTERN", "placeholder_title"]

ID_MAX_LENGTH = 64
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,%d}" % (ID_MAX_LENGTH - 1))
"""A version id (use with ``fullmatch``), as schemas/manifest.yaml requires: it names a folder, so only
lower-case letters, digits, '.', '_' and '-' (no '/', no newline, no upper case, which folds together on
some file systems), starting with a letter or digit (no '.', '..' or hidden names), at most 64 long."""
_ONE_DAY = dt.timedelta(days=1)
# -- new-version -------------------------------------------------------------------------------------------

def require_safe_id(new_id: str) -> None:
    """Refuse a version id that is not safe as a folder name (see :data:`ID_PATTERN`)."""
    if not isinstance(new_id, str) or not ID_PATTERN.fullmatch(new_id):
        raise InputError(f"new version id {echoed(new_id)} must be 1 to {ID_MAX_LENGTH} lower-case letters, digits, "
                         f"'.', '_' and '-', starting with a letter or digit", code="bad-input")


def placeholder_title(policy: str, version_id: str) -> str:
    """The title a new draft is given when none is: its policy and id (``second-career-fast-track phase-2``),
    for the analyst to replace before it is frozen (``freeze`` refuses it)."""
    return f"{policy} {version_id}"


def _day_after(day: Optional[dt.date]) -> Optional[dt.date]:
    """The next day; None for no day or for the last day of the calendar (9999-12-31)."""
    return day + _ONE_DAY if day is not None and day < dt.date.max else None


def new_version(tree: PolicyTree, from_id: str, new_id: str, effective_from: Optional[dt.date] = None,
                title: Optional[str] = None, today: Optional[dt.date] = None,
                notice: Notice = None, *, made_by: str = "", next_steps: Sequence[str] = ()) -> Tuple[VersionRef, Dict]:
    """Copy version ``from_id`` to a new draft ``new_id`` of the same policy; return its ref and manifest data.

    Runs under the policy tree's lock (:func:`sc_policy.app.writing.changing`); ``notice``
    is told when an interrupted command's change is finished first. The caller words the new
    manifest's comments: ``made_by`` names what made the draft (e.g. the command its user ran),
    ``next_steps`` what to do next, each in its own words (by default: no name, and the steps in
    plain words).
    """
    require_safe_id(new_id)
    select_version(tree, from_id)  # an unknown version is refused before anything is locked
    with changing(tree.root, notice):
        return _new_version(tree, from_id, new_id, effective_from, title, today, made_by, next_steps)


def _new_version(tree: PolicyTree, from_id: str, new_id: str, effective_from: Optional[dt.date],
                 title: Optional[str], today: Optional[dt.date], made_by: str = "",
                 next_steps: Sequence[str] = ()) -> Tuple[VersionRef, Dict]:
    by = f" by `{made_by}`" if made_by else ""
    source = select_version(tree, from_id)
    taken = [r for r in tree.refs() if r.id == new_id]
    target = source.folder.parent / new_id
    if taken or os.path.lexists(target):
        raise _exists(tree, new_id, taken[0].rel if taken else tree.display(target))
    loaded = tree.load(source)
    modified = hash_findings(loaded.version) if loaded.version is not None else []
    if modified:  # a new version starts from what was put in force, never from a changed copy of it
        raise invalid_policy(modified, f"cannot make {new_id} from {from_id}")
    manifest_path = source.folder / "version.yaml"
    data = dict(load_document(manifest_path, f"{source.rel}/version.yaml").data)
    prev_from = _as_date(data.get("effective_from"))
    prev_to = _as_date(data.get("effective_to"))
    if prev_to == dt.date.max:
        prev_to = None  # an end on the calendar's last day is an open end
    assumptions = {}
    if effective_from is None:
        if prev_to is not None:
            effective_from = prev_to + _ONE_DAY
        else:
            after_start = _day_after(prev_from) if prev_from is not None else dt.date.min
            if after_start is None:
                raise InputError(f"{from_id} starts on {prev_from.isoformat()}, the last day of the calendar: "
                                 f"no version can start after it", Span(f"{source.rel}/version.yaml"),
                                 code="bad-input")
            effective_from = max(today or dt.date.today(), after_start)
        assumptions["effective_from"] = (
            f"Set{by} when the draft was made from {from_id}, because no date was "
            f"given; replace it with the date the ministry states.")
    elif prev_from is not None and effective_from <= prev_from:
        raise InputError(f"effective_from {effective_from.isoformat()} is not after {from_id}'s "
                         f"effective_from ({prev_from.isoformat()}): a new version starts after the one it "
                         f"supersedes", code="bad-input")
    manifest = {
        "id": new_id,
        "policy": data.get("policy", source.policy),
        # Never the source's title: answers under the new version would read as the old one's.
        "title": title or placeholder_title(data.get("policy", source.policy), new_id),
        "status": "draft",
        "effective_from": effective_from,
        "supersedes": source.id if data.get("id") is None else data["id"],
        "source_document": data.get("source_document"),
    }
    # the assumed dates, and the source's text that governs every area (the same document): when there are any
    manifest.update({k: v for k, v in (("assumptions", assumptions),
                                       ("general_sections", data.get("general_sections"))) if v})
    steps = "; ".join(next_steps) or f"check it, test it, compare it with {from_id} and freeze it"
    header = draft_header(new_id, f"{from_id}{by}", steps)
    _refuse_uncopyable(tree, source.folder)
    staging = Path(tempfile.mkdtemp(dir=source.folder.parent, prefix=f"{STAGING_PREFIX}{new_id}."))
    try:
        copy = staging / "version"
        try:
            shutil.copytree(source.folder, copy, symlinks=True,
                            ignore=shutil.ignore_patterns(".*.tmp"))
        except shutil.Error as exc:  # e.g. a file that cannot be read; the first one, named
            src, _, why = exc.args[0][0]
            raise ScPolicyError(f"cannot copy: {why}", Span(tree.display(Path(src))), code="unreadable") from None
        write_atomic(copy / "version.yaml", dump_manifest(manifest, header))
        try:
            os.replace(copy, target)
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
            raise _exists(tree, new_id, tree.display(target)) from None  # made by hand meanwhile
        fsync_dir(source.folder.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    ref = next(r for r in tree.refs() if r.folder == target)
    return ref, manifest


def _exists(tree: PolicyTree, new_id: str, where: str) -> InputError:
    return InputError(f"version {new_id!r} already exists", Span(where), code="exists",
                      suggestion=Suggestion("choose-another-id", (new_id,), "choose another id"))


def _refuse_uncopyable(tree: PolicyTree, folder: Path) -> None:
    """Refuse a version folder holding what a copy must not read: a pipe, socket or device (the
    copy would block or fail) or a file over the rule-file limit (it would be read whole).
    Symbolic links are copied as links, never followed."""
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            kind = os.lstat(path)
            if stat.S_ISLNK(kind.st_mode) or stat.S_ISDIR(kind.st_mode):
                continue
            where = Span(tree.display(path))
            if not stat.S_ISREG(kind.st_mode):
                raise InputError("is not a regular file (a pipe, socket or device); move it out of the version "
                                 "folder to make a new version from it", where, code="not-a-file")
            if kind.st_size > MAX_FILE_BYTES:
                raise InputError(f"file is {kind.st_size} bytes, over the {MAX_FILE_BYTES}-byte limit for rule "
                                 f"files; move it out of the version folder to make a new version from it",
                                 where, code="too-large")


def _as_date(value) -> Optional[dt.date]:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


# -- freeze ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FreezeResult:
    version: str
    status: str
    sha256: str
    already_frozen: bool  # frozen with this content before (then only a missing table_sha256 or file_sha256 is written)
    closed: Optional[Tuple[str, dt.date, str]]  # (superseded id, its new effective_to, its status)
    table_sha256: str = ""  # the hash of its decisions (sc_policy.engine.table.decisions_hash)
    table_recorded: bool = False  # table_sha256 written now (a new freeze, or an older one without it)
    same_title_as: str = ""  # the version it supersedes, when both have the same title (a draft left untitled)
    files_recorded: int = 0  # how many files' hashes file_sha256 records, written now (as table_recorded)


def _require_valid(loaded: LoadedVersion, root: Path) -> Tuple[Version, CompiledVersion]:
    errors = [f for f in loaded.findings if f.severity == "error"]
    if loaded.version is None or errors:
        modified = hash_findings(loaded.version) if loaded.version is not None else []  # named first
        unbuilt = Diagnostic(Span(f"{loaded.ref.rel}/version.yaml"), "error", "invalid", "the version could not be built")
        raise invalid_policy(modified + errors or [unbuilt], f"cannot freeze {loaded.ref.id}")
    compiled, problems = compile_version(loaded.version)  # the one compilation of a freeze
    if compiled is None:  # its other errors count too, as `check` lists them (it named the expression alone)
        checked = [f for f in check_version(loaded, root) if f.severity == "error"]
        raise invalid_policy(hash_findings(loaded.version) + (checked or problems), f"cannot freeze {loaded.ref.id}")
    return loaded.version, compiled


def _decisions(compiled: CompiledVersion) -> str:
    """The hash of the decisions of the compiled version, from a table built from its files."""
    return decisions_hash(build_table(Evaluator(compiled)))


def _require_checked_and_tested(loaded: LoadedVersion, root: Path, compiled: CompiledVersion) -> None:
    """Refuse a version that `sc-policy check` finds errors in, or whose own test cases fail:
    what is put in force must be what the analyst checked and tested."""
    findings = [f for f in check_version(loaded, root, compiled=compiled) if f.severity == "error"]
    if findings:
        raise invalid_policy(findings, f"cannot freeze {loaded.ref.id}")
    failing = [r for r in run_cases(Evaluator(compiled)) if not r.passed]
    if failing:
        more = f" (and {counted(len(failing) - 1, 'more failing case')})" if len(failing) > 1 else ""
        raise PolicyInvalidError(f"cannot freeze {loaded.ref.id}: its own test cases fail: "
                                 f"{failing[0].summary()}{more}", failing[0].case.span,
                                 suggestion=Suggestion("run-tests", (loaded.ref.id,),
                                                       f"run the test cases of {loaded.ref.id}"))


def _require_own_title(version: Version) -> None:
    """Refuse a version still titled as its draft was made (:func:`placeholder_title`): once frozen, its
    answers would show that placeholder for good, and only a new version could give it a title."""
    m = version.manifest
    if " ".join(m.title.split()) == placeholder_title(m.policy, m.id):
        raise InputError(f"cannot freeze {m.id}: its title is still {echoed(m.title)}, the placeholder it was made "
                         f"with (its policy and id), which its answers would show for good: give it its own title "
                         f"first", m.at("title"), code="bad-input")


def _located_in(finding: Diagnostic, version: Version) -> bool:
    return finding.span.path.startswith(version.folder.rstrip("/") + "/")


def freeze(tree: PolicyTree, version_id: str, notice: Notice = None, *, name: str = "freeze") -> FreezeResult:
    """Record the version's content hash and status, and close the period of the version it supersedes.

    Records beside the content hash the hash of its decisions, computed from its files, and each file's hash.
    Refuses (exit 2) a version with errors, a frozen version whose content or decisions have changed, any
    freeze after which the versions' periods would overlap or leave a gap, or a changed clause would keep its
    version number, and a version that `sc-policy check` finds errors in or whose own test cases fail.

    ``name``: what the caller calls this change (e.g. the command run), which its journal records.
    """
    select_version(tree, version_id)  # an unknown version is refused before anything is locked
    with changing(tree.root, notice):
        return _freeze(tree, version_id, name)


def _freeze(tree: PolicyTree, version_id: str, name: str = "freeze") -> FreezeResult:
    ref = select_version(tree, version_id)
    siblings = [r for r in tree.refs() if r.policy == ref.policy]
    loaded = {r.id: tree.load(r) for r in siblings}
    version, compiled = _require_valid(loaded[ref.id], tree.root)
    m = version.manifest
    marked = status_findings(version)
    if any(f.severity == "error" for f in marked):  # frozen, then marked draft: not frozen again
        raise invalid_policy(marked, f"cannot freeze {m.id}")
    if m.status != "draft" and m.sha256 and m.sha256 != version.content_hash:
        changed = changed_files(version)
        raise PolicyInvalidError(
            f"cannot freeze {m.id}: it is {m.status} and frozen with sha256 {m.sha256}, but its content now "
            f"hashes to {version.content_hash}{f' ({changed})' if changed else ''}; "
            f"a frozen version is immutable: restore it, and make the "
            f"change in a new version", m.span,
            suggestion=Suggestion("new-version", (m.id,), f"a new version made from {m.id}"))
    already = m.status != "draft" and m.sha256 == version.content_hash
    status = "in-force" if m.status == "draft" else m.status
    # Simulated as it stands until its hash is written, so that a finding about its clauses
    # advises fixing them here, not making a new version (as for a version already frozen).
    planned = {m.id: replace(m, status=status, sha256=m.sha256 if m.status != "draft" else None)}
    updates: List[Tuple[Path, Dict[str, object]]] = []
    if not already:
        updates.append((ref.folder / "version.yaml", {"status": status, "sha256": version.content_hash}))
    closed = None
    prev_loaded = next((lv for lv in loaded.values() if lv.version is not None and lv.version.id == m.supersedes),
                       None)
    if prev_loaded is not None and hash_findings(prev_loaded.version):  # as it is, not as it would be after
        raise invalid_policy(hash_findings(prev_loaded.version), f"cannot freeze {m.id}")
    if m.supersedes and prev_loaded is not None:
        p = prev_loaded.version.manifest
        if p.status == "draft":
            raise InputError(f"cannot freeze {m.id}: the version it supersedes, {p.id}, is still a draft; "
                             f"freeze {p.id} first", m.span, code="bad-input")
        open_end = p.effective_to is None or p.effective_to == dt.date.max  # the calendar's last day: open
        if open_end and m.effective_from > p.effective_from:
            end = m.effective_from - _ONE_DAY
            p_status = "superseded" if p.status == "in-force" else p.status
            planned[p.id] = replace(p, effective_to=end, status=p_status)
            updates.append((prev_loaded.ref.folder / "version.yaml", {"effective_to": end, "status": p_status}))
            closed = (p.id, end, p_status)
    simulated = []
    for lv in loaded.values():
        v = lv.version
        if v is not None and v.id in planned:
            v = replace(v, manifest=planned[v.id])
        simulated.append(LoadedVersion(lv.ref, v, lv.findings))
    involved = [lv.version for lv in loaded.values() if lv.version is not None and lv.version.id in planned]
    blocking = [f for f in lifecycle_findings(simulated)
                if f.severity == "error" and any(_located_in(f, v) for v in involved)]
    if blocking:
        raise invalid_policy(blocking, f"cannot freeze {m.id}")
    if not already:
        _require_checked_and_tested(loaded[ref.id], tree.root, compiled)
        _require_own_title(version)
    decisions = _decisions(compiled)
    changed = [f for f in table_findings(version, decisions) if f.severity == "error"] if already else []
    if changed:
        raise invalid_policy(changed, f"cannot freeze {m.id}")
    recorded = {k: v for k, v in (("table_sha256", decisions), ("file_sha256", dict(sorted(version.files.items()))))
                if not (already and getattr(m, k))}  # beside the content hash; an older freeze lacking them gets them
    own = ref.folder / "version.yaml"
    if recorded:
        fields = dict(next((f for path, f in updates if path == own), {}), **recorded)
        updates = [(own, fields)] + [(path, f) for path, f in updates if path != own]

    def text(path: Path, before: bytes) -> str:  # a draft frozen now: new-version's comment says so (frozen_header)
        read = before.decode("utf-8")
        return frozen_header(read, m.id) if path == own and not already else read

    if updates:  # the manifests changed, replaced together
        replace_together(tree.root, f"{name} {m.id}", [
            (path, before, set_manifest_fields(text(path, before), fields, tree.display(path)))
            for path, fields in updates for before in (path.read_bytes(),)])
    same = prev_loaded.version.manifest.id if prev_loaded is not None and \
        " ".join(prev_loaded.version.manifest.title.split()) == " ".join(m.title.split()) else ""
    return FreezeResult(m.id, status, version.content_hash, already, closed, decisions, "table_sha256" in recorded,
                        same, len(recorded.get("file_sha256", ())))
