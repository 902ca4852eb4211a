"""new-version and freeze under concurrency and crashes: the lock, the journal, safe ids, the calendar's end.

The race tests start real `sc-policy` processes at the same moment; the crash tests
kill a process (``os._exit``, which runs no clean-up, as ``kill -9``) at a chosen
point between its writes. ``SC_POLICY_RACE_TRIALS`` (default 3) sets how many times
each race is run.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sc_policy.app.checking import check_tree
from sc_policy.cli import main
from sc_policy.checks.lifecycle import lifecycle_findings
from sc_policy.load.tree import PolicyTree
from sc_policy.app.authoring import new_version
from sc_policy.app.writing import JOURNAL_NAME, LOCK_NAME, changing

from conftest import POLICY, SHIPPED, VERSION

TRIALS = int(os.environ.get("SC_POLICY_RACE_TRIALS", "3"))
CLI = [sys.executable, "-c", "from sc_policy.cli import main; main()"]

# Runs sc-policy with argv[3:], killing the process (no clean-up, like kill -9) just before the first
# os.replace or os.unlink (argv[1]) of a path inside the tree that ends with argv[2].
KILLER = r"""
import os, sys
op, suffix, args = sys.argv[1], sys.argv[2], sys.argv[3:]
real = {"replace": os.replace, "unlink": os.unlink}
def guard(name):
    def call(path, *rest, **kw):
        target = rest[0] if name == "replace" else path
        if name == op and str(target).endswith(suffix):
            os._exit(137)
        return real[name](path, *rest, **kw)
    return call
os.replace, os.unlink = guard("replace"), guard("unlink")
from sc_policy.cli import main
sys.argv = ["sc-policy"] + args
main()
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def manifests(root: Path) -> dict:
    return {p.parent.name: yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted((root / POLICY).glob("*/version.yaml"))}


def manifest_bytes(root: Path) -> dict:
    return {p.parent.name: p.read_bytes() for p in sorted((root / POLICY).glob("*/version.yaml"))}


def assert_at_most_one_in_force_per_day(root: Path) -> None:
    """Read straight from the manifests, not through sc-policy's own period checks."""
    periods = sorted((m["effective_from"], m.get("effective_to") or dt.date.max, vid)
                     for vid, m in manifests(root).items() if m["status"] != "draft")
    for (_, end, a), (start, _, b) in zip(periods, periods[1:]):
        assert start > end, f"{a} and {b} are both in force on {start}"


def assert_check_accepts(root: Path) -> None:
    errors = [f.render() for f in check_tree(PolicyTree(root)) if f.severity == "error"]
    assert errors == []


def assert_no_leftovers(root: Path) -> None:
    hidden = sorted(p.relative_to(root).as_posix() for p in root.rglob(".*"))
    assert hidden == [LOCK_NAME]


def assert_one_line_error(stderr: str, *needles: str) -> None:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sc-policy: error: "), stderr
    assert any(n in lines[0] for n in needles), stderr


def race(*commands):
    """Start the commands at the same moment; (exit status, stdout, stderr) of each."""
    procs = [subprocess.Popen(CLI + [str(a) for a in c], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for c in commands]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        results.append((proc.returncode, out, err))
    return results


# -- the lock --------------------------------------------------------------------------------------------------

def test_a_command_that_finds_the_tree_locked_stops_with_one_line(tree_copy):
    before = manifest_bytes(tree_copy)
    with open(tree_copy / LOCK_NAME, "a") as held:  # another sc-policy holds it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        for args in (["new-version", VERSION, "phase-2"], ["freeze", VERSION]):
            result = run(*args, "--policies", tree_copy)
            assert result.exit_code == 2
            assert result.output.strip() == (f"sc-policy: error: another sc-policy command is changing the "
                                             f"policy tree {tree_copy}; try again when it finishes")
        fcntl.flock(held, fcntl.LOCK_UN)
    assert manifest_bytes(tree_copy) == before
    assert run("new-version", VERSION, "phase-2", "--policies", tree_copy).exit_code == 0
    with open(tree_copy / LOCK_NAME, "a") as mine:  # released when the command ended
        fcntl.flock(mine, fcntl.LOCK_EX | fcntl.LOCK_NB)
    # The lock file is outside every version and policy folder: nothing reads it.
    assert [r.id for r in PolicyTree(tree_copy).refs()] == ["phase-1", "phase-1.1", VERSION, "phase-2"]
    assert_no_leftovers(tree_copy)


def _two_drafts(root: Path) -> None:
    for new_id in ("phase-2", "phase-3"):  # both supersede phase-1 from the same day: only one may win
        new_version(PolicyTree(root), VERSION, new_id, dt.date(2027, 4, 1), title=f"Phase II ({new_id})")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["freeze-freeze", "freeze-new-version"])
def test_concurrent_commands_leave_at_most_one_version_in_force(tmp_path, shipped_copy, kind):
    for trial in range(TRIALS):
        root = tmp_path / f"trial-{trial}"
        shutil.copytree(shipped_copy, root)
        _two_drafts(root)
        second = (["freeze", "phase-3"] if kind == "freeze-freeze" else
                  ["new-version", VERSION, "phase-4", "--effective-from", "2027-04-01"])
        results = race(["freeze", "phase-2", "--policies", root], [*second, "--policies", root])
        codes = [code for code, _, _ in results]
        assert set(codes) <= {0, 2}, results
        for code, _, stderr in results:
            if code == 2:
                assert_one_line_error(stderr, "another sc-policy command is changing", "cannot freeze")
        if kind == "freeze-freeze":
            assert codes.count(0) == 1, results  # one version put in force, never two
            winner = "phase-2" if codes[0] == 0 else "phase-3"
            m = manifests(root)
            assert m[winner]["status"] == "in-force" and m[VERSION]["effective_to"] == dt.date(2027, 3, 31)
        assert_at_most_one_in_force_per_day(root)
        assert_no_leftovers(root)
    assert_check_accepts(root)  # the full check once (it reads every rule file); the periods above every time


@pytest.mark.slow
def test_concurrent_new_versions_of_one_id_make_one_folder(tmp_path, shipped_copy):
    for trial in range(2 * TRIALS):
        root = tmp_path / f"trial-{trial}"
        shutil.copytree(shipped_copy, root)
        results = race(*[["new-version", VERSION, "phase-2", "--effective-from", "2027-04-01", "--policies", root]] * 2)
        codes = sorted(code for code, _, _ in results)
        assert codes == [0, 2], results
        assert_one_line_error(next(err for code, _, err in results if code == 2),
                              "another sc-policy command is changing", "version 'phase-2' already exists")
        assert sorted(p.name for p in (root / POLICY).iterdir()) == sorted(SHIPPED + ("phase-2", "source"))
        assert manifests(root)["phase-2"]["status"] == "draft"
        assert_no_leftovers(root)
    assert_check_accepts(root)


# -- killed between writes -------------------------------------------------------------------------------------

def _kill_freeze(root: Path, op: str, suffix: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", KILLER, op, suffix, "freeze", "phase-2", "--policies", str(root)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_freeze_killed_between_its_manifest_writes_is_finished_by_the_next_command(tree_copy):
    new_version(PolicyTree(tree_copy), VERSION, "phase-2", dt.date(2027, 4, 1), title="Phase II")
    killed = _kill_freeze(tree_copy, "replace", f"{VERSION}/version.yaml")
    assert killed.returncode == 137, killed.stderr
    # On disk: phase-2 written, phase-1 not yet closed; the journal says what is still to do.
    m = manifests(tree_copy)
    assert m["phase-2"]["status"] == "in-force" and "effective_to" not in m[VERSION]
    assert (tree_copy / JOURNAL_NAME).is_file()
    check = run("check", "--policies", tree_copy)
    assert check.exit_code == 1
    assert f"{JOURNAL_NAME}: error interrupted-change: `sc-policy freeze phase-2` was interrupted" in check.output
    # The next command that takes the lock finishes the change before anything else.
    again = run("freeze", "phase-2", "--policies", tree_copy)
    assert again.exit_code == 0, again.output
    assert "finished the interrupted `sc-policy freeze phase-2` (1 of 2 files were still to change)" in again.output
    m = manifests(tree_copy)
    assert f"Version phase-2 is already frozen (in-force), sha256 {m['phase-2']['sha256']}" in again.output
    assert m[VERSION]["effective_to"] == dt.date(2027, 3, 31) and m[VERSION]["status"] == "superseded"
    assert_at_most_one_in_force_per_day(tree_copy)
    assert_check_accepts(tree_copy)
    assert_no_leftovers(tree_copy)


@pytest.mark.slow
def test_freeze_killed_before_it_commits_leaves_the_old_state(tree_copy):
    new_version(PolicyTree(tree_copy), VERSION, "phase-2", dt.date(2027, 4, 1), title="Phase II")
    before = manifest_bytes(tree_copy)
    killed = _kill_freeze(tree_copy, "replace", JOURNAL_NAME)
    assert killed.returncode == 137, killed.stderr
    assert manifest_bytes(tree_copy) == before
    assert [p.name for p in tree_copy.glob(f".{JOURNAL_NAME}.*.tmp")]  # its temporary file, never read
    assert_check_accepts(tree_copy)
    with changing(tree_copy):  # the next locked command removes what it left
        pass
    assert manifest_bytes(tree_copy) == before
    assert_no_leftovers(tree_copy)


# A replace_together of two files in a tiny tree, killed before its Kth os.replace or os.unlink.
STEPS = r"""
import os, sys
from pathlib import Path
kill_at, root, recover_only = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "recover"
count, real = [0], {"replace": os.replace, "unlink": os.unlink}
def guard(name):
    def call(*args, **kw):
        count[0] += 1
        if count[0] == kill_at:
            os._exit(137)
        return real[name](*args, **kw)
    return call
os.replace, os.unlink = guard("replace"), guard("unlink")
from sc_policy.app.writing import changing, replace_together
with changing(root):
    if not recover_only:
        files = [root / "p" / name / "version.yaml" for name in ("a", "b")]
        replace_together(root, "freeze b", [(f, f.read_bytes(), f"new {f.parent.name}\n") for f in files])
"""


def _tiny_tree(root: Path) -> dict:
    for name in ("a", "b"):
        (root / "p" / name).mkdir(parents=True)
        (root / "p" / name / "version.yaml").write_text(f"old {name}\n", encoding="utf-8")
    return _state(root)


def _state(root: Path) -> dict:
    return {name: (root / "p" / name / "version.yaml").read_text(encoding="utf-8") for name in ("a", "b")}


def _steps(kill_at: int, root: Path, mode: str) -> int:
    return subprocess.run([sys.executable, "-c", STEPS, str(kill_at), str(root), mode],
                          capture_output=True, text=True, timeout=120).returncode


def test_a_kill_at_any_point_of_a_change_leaves_the_old_or_the_new_state(tmp_path):
    old, new = {"a": "old a\n", "b": "old b\n"}, {"a": "new a\n", "b": "new b\n"}
    seen = []
    kill_at = 1
    while True:
        root = tmp_path / f"kill-{kill_at}"
        assert _tiny_tree(root) == old
        code = _steps(kill_at, root, "change")
        if code == 0:  # ran to the end without reaching the Kth step
            assert _state(root) == new and not (root / JOURNAL_NAME).exists()
            break
        assert code == 137
        # A recovery may itself be killed at any of its steps; the one after it still finishes the job.
        recover_at = 1
        while _steps(recover_at, root, "recover") == 137:
            recover_at += 1
        after = _state(root)
        assert after in (old, new), (kill_at, after)
        seen.append("old" if after == old else "new")
        assert sorted(p.name for p in root.rglob(".*")) == [LOCK_NAME]  # no journal, no temporary files
        kill_at += 1
    assert kill_at == 5  # the journal, two files, the journal's removal: four steps, each interrupted
    assert seen == ["old", "new", "new", "new"]  # the journal's rename is the commit point


def test_an_interrupted_change_is_never_finished_over_a_later_edit(tree_copy):
    new_version(PolicyTree(tree_copy), VERSION, "phase-2", dt.date(2027, 4, 1), title="Phase II")
    assert _kill_freeze(tree_copy, "replace", f"{VERSION}/version.yaml").returncode == 137
    path = tree_copy / POLICY / VERSION / "version.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Phase I", "Phase 1"), encoding="utf-8")
    edited = path.read_bytes()
    result = run("new-version", VERSION, "phase-3", "--policies", tree_copy)
    assert result.exit_code == 2
    assert_one_line_error(result.output, "cannot finish the interrupted `sc-policy freeze phase-2`")
    assert f"{VERSION}/version.yaml" in result.output and "changed since" in result.output
    assert path.read_bytes() == edited and not (tree_copy / POLICY / "phase-3").exists()
    (tree_copy / JOURNAL_NAME).write_text("{not json", encoding="utf-8")
    result = run("freeze", "phase-2", "--policies", tree_copy)
    assert result.exit_code == 2 and "the journal of an interrupted change is damaged (not JSON)" in result.output
    check = run("check", "--policies", tree_copy)
    assert check.exit_code == 1
    assert "interrupted-change: the journal of an interrupted change is damaged" in check.output


# -- ids and dates ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["phase-3\n", "phase/3", "../phase-3", ".phase-3", "-phase-3", "Phase-3",
                                 "phase 3", "phase-3\x00", "", "p" * 65, "phase-3\\x"])
def test_unsafe_version_ids_are_refused(tree_copy, bad):
    result = run("new-version", "--policies", tree_copy, "--", VERSION, bad)
    assert result.exit_code == 2
    assert_one_line_error(result.output, "must be 1 to 64 lower-case letters, digits, '.', '_' and '-'")
    assert sorted(p.name for p in (tree_copy / POLICY).iterdir()) == [*SHIPPED, "source"]


def test_safe_version_ids_are_made_and_the_schema_agrees(tree_copy):
    for good in ("phase-2.1_b", "2" * 64):
        result = run("new-version", VERSION, good, "--policies", tree_copy)
        assert result.exit_code == 0, result.output
        assert manifests(tree_copy)[good]["id"] == good
    path = tree_copy / POLICY / "phase-2.1_b" / "version.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: phase-2.1_b", 'id: "phase-2.1_b\\n"'),
                    encoding="utf-8")
    found = PolicyTree(tree_copy).load(next(r for r in PolicyTree(tree_copy).refs() if r.id == "phase-2.1_b"))
    assert [(f.code, f.message.split(":")[0]) for f in found.errors] == [("schema", "id")]


def test_new_version_id_too_long_for_the_file_system_is_one_line(tree_copy, monkeypatch):
    real = os.replace

    def too_long(src, dst, *args, **kwargs):
        if str(dst).endswith("/phase-2"):
            raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), str(dst))
        return real(src, dst, *args, **kwargs)
    monkeypatch.setattr(os, "replace", too_long)
    result = run("new-version", VERSION, "phase-2", "--policies", tree_copy)
    assert result.exit_code == 2
    assert_one_line_error(result.output, f"{POLICY}/phase-2: cannot make version phase-2: File name too long")
    assert sorted(p.name for p in (tree_copy / POLICY).iterdir()) == [*SHIPPED, "source"]


def _set_period(root: Path, start: str, end: str = "") -> None:
    path = root / POLICY / VERSION / "version.yaml"
    period = f"effective_from: {start}" + (f"\neffective_to: {end}" if end else "")
    text = path.read_text(encoding="utf-8").replace("effective_from: 2026-11-28", period)
    path.write_text(text, encoding="utf-8")


def test_a_version_that_ends_on_the_calendars_last_day_is_open_ended(tree_copy):
    _set_period(tree_copy, "2026-11-28", "9999-12-31")
    result = run("new-version", VERSION, "phase-2", "--title", "Phase II", "--policies", tree_copy)
    assert result.exit_code == 0, result.output
    draft = manifests(tree_copy)["phase-2"]
    start = draft["effective_from"]
    # today, but never on or before the start of the version it follows (phase-1.2 starts 2026-11-28)
    assert start == max(dt.date.today(), dt.date(2026, 11, 29)) and "new-version" in draft["assumptions"]["effective_from"]
    assert_check_accepts(tree_copy)  # a draft after an open end, as after no end
    result = run("freeze", "phase-2", "--policies", tree_copy)
    assert result.exit_code == 0, result.output
    assert manifests(tree_copy)[VERSION]["effective_to"] == start - dt.timedelta(days=1)
    assert_at_most_one_in_force_per_day(tree_copy)
    assert_check_accepts(tree_copy)


def test_a_version_that_starts_on_the_calendars_last_day_has_no_successor(tree_copy):
    _set_period(tree_copy, "9999-12-31")
    for extra in ([], ["--effective-from", "9999-12-31"]):
        result = run("new-version", VERSION, "phase-2", *extra, "--policies", tree_copy)
        assert result.exit_code == 2
        assert_one_line_error(result.output, f"{VERSION} starts on 9999-12-31, the last day of the calendar",
                              f"is not after {VERSION}'s effective_from (9999-12-31)")
    assert not (tree_copy / POLICY / "phase-2").exists()


def test_two_versions_from_the_calendars_first_day_are_an_overlap_not_a_crash(tree_copy):
    _set_period(tree_copy, "0001-01-01")
    new_version(PolicyTree(tree_copy), VERSION, "phase-2", dt.date(2027, 4, 1))
    path = tree_copy / POLICY / "phase-2" / "version.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("effective_from: 2027-04-01", "effective_from: 0001-01-01")
                    .replace("status: draft", "status: in-force"), encoding="utf-8")
    found = [f for f in lifecycle_findings(PolicyTree(tree_copy).load_all()) if f.code == "period-overlap"]
    same_day = [f.message for f in found if f.subject == f"{VERSION}/phase-2"]  # (phase-1 and phase-1.1 overlap too)
    assert any("they cannot both start on 0001-01-01" in m for m in same_day), same_day
    result = run("check", "--policies", tree_copy)
    assert result.exit_code == 1 and "Traceback" not in result.output
