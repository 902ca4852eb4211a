"""Reading is bounded: every file sc-policy reads is looked at (kind, size) before it is read, so a
huge or special file in a version folder, in ``source/`` or in the cache is refused or ignored,
never read whole, and never blocks.

Where a mistake would hang or exhaust memory, the command runs in a separate process with a
time limit and a 1 GB address-space limit, so that the test fails instead of hanging.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sc_policy.app.workspace import Workspace
from sc_policy.app.cache import TableCache
from sc_policy.cli import main
from sc_policy.diagnostics import PolicyLoadError
from sc_policy.load.yamlfile import MAX_FILE_BYTES, MAX_SOURCE_BYTES, file_kind, read_regular
from sc_policy.present.render import answer_json
from sc_policy.resources import shipped_policies

from conftest import POLICY, VERSION, slow, unfrozen, version_dir

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"),
                                reason="needs pipes and /dev/zero")

HUGE = 3 << 30  # 3 GB, sparse: no disk space, but read whole it would need 3 GB of memory


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def run(*args, env=None):
    """sc-policy in a child process with 1 GB of address space, for at most 120 s."""
    return subprocess.run([sys.executable, "-c", "from sc_policy.cli import main; main()", *args],
                          capture_output=True, timeout=120, preexec_fn=_limits, env=env, stdin=subprocess.DEVNULL)


def sparse(path: Path, size: int = HUGE) -> None:
    with open(path, "wb") as f:
        f.truncate(size)


# -- the loader's rules, which every reader shares -----------------------------------------------

def test_read_regular_looks_before_it_reads(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    big = tmp_path / "big"
    sparse(big, MAX_FILE_BYTES + 1)
    link = tmp_path / "link"
    link.symlink_to(big)
    for path, code in ((fifo, "not-a-file"), (Path("/dev/zero"), "not-a-file"), (tmp_path, "not-a-file"),
                       (big, "too-large"), (tmp_path / "gone", "missing")):
        with pytest.raises(PolicyLoadError) as caught:
            read_regular(path, MAX_FILE_BYTES, "shown.yaml")
        assert caught.value.code == code and str(caught.value).startswith("shown.yaml: ")
    with pytest.raises(PolicyLoadError) as caught:  # a link refused where links are not followed
        read_regular(link, 10 * MAX_FILE_BYTES, "entry", nofollow=True)
    assert caught.value.code == "not-a-file" and "symbolic link" in caught.value.message
    small = tmp_path / "small"
    small.write_bytes(b"id: x\n")
    assert read_regular(small, 6) == b"id: x\n"
    with pytest.raises(PolicyLoadError):
        read_regular(small, 5)
    assert file_kind(fifo) == ("other", 0) and file_kind(small) == ("file", 6) and file_kind(tmp_path)[0] == \
        "directory" and file_kind(tmp_path / "gone")[0] == "missing"


# -- the cache -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cached_answer(tmp_path_factory):
    """A copy of the shipped tree that the tests only read (as ``tree_copy`` makes it), the name of the
    cache entry an answer writes for it, and that answer: made once for every kind of entry below."""
    tree = tmp_path_factory.mktemp("tree") / "policies"
    shutil.copytree(shipped_policies(), tree)
    unfrozen(tree)
    cache = TableCache(tmp_path_factory.mktemp("cache"))
    want = answer_json(Workspace(tree, cache=cache).explain("2174", "541514", version=VERSION))
    [entry] = cache.entries()
    return tree, entry.name, want


@pytest.mark.parametrize("replace", ["symlink to /dev/zero", slow("symlink to /dev/urandom"), "fifo", "3 GB sparse file",
                                     slow("a folder")])
def test_a_cache_entry_that_is_not_a_small_regular_file_is_ignored_and_replaced(cached_answer, tmp_path, replace):
    tree_copy, name, want = cached_answer
    cache = TableCache(tmp_path / "cache")
    cache.directory.mkdir(mode=0o700)  # the user's alone, whatever the umask (else not used)
    entry = cache.directory / name  # where the entry of the answer was: something else is there now
    if replace.startswith("symlink"):
        entry.symlink_to(replace.split()[-1])
    elif replace == "fifo":
        os.mkfifo(entry)
    elif replace == "a folder":
        entry.mkdir()
    else:
        sparse(entry)
    ws = Workspace(tree_copy, cache=cache)
    ref = ws.select(VERSION)
    assert cache.load(cache.key(ws.root, ref.policy, ref.folder, ref.rel), ref.rel) is None
    env = dict(os.environ, SC_POLICY_CACHE_DIR=str(cache.directory))
    result = run("explain", "2174", "--industry", "541514", "--version", VERSION, "--format", "json", "--policies",
                 str(tree_copy), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8") == want
    if replace != "a folder":  # rebuilt and written back as a regular file
        assert entry.is_file() and not entry.is_symlink() and entry.stat().st_size < 10_000_000


# -- a version folder and source/ ----------------------------------------------------------------

@pytest.mark.slow
def test_huge_and_special_stray_files_are_never_read(tree_copy, tmp_path):
    folder = version_dir(tree_copy)
    sparse(folder / "minutes.bin")
    sparse(tree_copy / POLICY / "source" / "scan.pdf")
    os.mkfifo(folder / "pipe")
    os.mkfifo(tree_copy / POLICY / "source" / "pipe")
    env = dict(os.environ, SC_POLICY_CACHE_DIR=str(tmp_path / "cache"))
    for _ in range(2):  # cold (building the cache entry), then warm (its key only)
        result = run("explain", "2174", "--policies", str(tree_copy), env=env)
        assert result.returncode == 0, result.stderr
        assert b"ELIGIBLE" in result.stdout
    result = run("check", "--policies", str(tree_copy), "--format", "json", env=env)
    assert result.returncode == 0, result.stderr  # stray files are warnings
    assert b'"check": "unknown-file"' in result.stdout and b"minutes.bin" in result.stdout


def test_a_huge_rule_file_is_refused_in_one_line(tree_copy, tmp_path):
    sparse(version_dir(tree_copy) / "clauses" / "huge.yaml")
    env = dict(os.environ, SC_POLICY_CACHE_DIR=str(tmp_path / "cache"))
    result = run("explain", "2174", "--policies", str(tree_copy), env=env)
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and "clauses/huge.yaml" in lines[0] and "too-large" in lines[0]
    assert f"over the {MAX_FILE_BYTES}-byte limit" in lines[0]


@pytest.mark.parametrize("kind", ["fifo", slow("huge"), "device"])
def test_a_source_document_that_is_not_a_small_regular_file_is_refused(tree_copy, tmp_path, kind):
    source = tree_copy / POLICY / "source" / "second-career-fast-track.txt"
    source.unlink()
    if kind == "fifo":
        os.mkfifo(source)
    elif kind == "huge":
        sparse(source, MAX_SOURCE_BYTES + 1)
    else:
        source.symlink_to("/dev/zero")
    result = run("check", "--policies", str(tree_copy), "--format", "json",
                 env=dict(os.environ, SC_POLICY_CACHE_DIR=str(tmp_path / "cache")))
    assert result.returncode == 1, result.stderr
    if kind == "device":  # a link to /dev/zero leads out of the tree: refused before anything else
        assert b'"check": "unsafe-path"' in result.stdout
    else:
        assert b'"check": "source-missing"' in result.stdout
    want = b"over the" if kind == "huge" else b"not a regular file"
    assert kind == "device" or want in result.stdout
    # --source names one directly: refused in one line, exit 2
    result = run("check", "--source", str(source), "--policies", str(tree_copy))
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1 and want in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "huge"])
def test_new_version_refuses_to_copy_a_pipe_or_a_huge_file(tree_copy, kind):
    stray = version_dir(tree_copy) / "stray"
    if kind == "fifo":
        os.mkfifo(stray)
    else:
        sparse(stray)
    result = CliRunner().invoke(main, ["new-version", VERSION, "phase-2", "--policies", str(tree_copy)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"sc-policy: error: {POLICY}/{VERSION}/stray: ")
    assert len(result.stderr.splitlines()) == 1
    assert not (tree_copy / POLICY / "phase-2").exists()
