"""When the operating system says no (a full disk, a permission, a name too long), every command
says so in one line, ``sc-policy: error: <path or stdout>: <reason>``, exit 2; when the reader of
standard output has gone (a closed pipe), it stops without a word, exit 141.

The full device and the closed pipe are real (``/dev/full``, a pipe whose reading end is
closed), in a separate process, because the last bytes of output are only written when the
process flushes them; the other refusals are simulated in-process where root would not meet
them (root reads any file whatever its mode).
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_policy.cli import main

from conftest import VERSION, slow, version_dir

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")

LONG = "x" * 5000  # longer than any file name (255) and any path (4096) the file system allows

COMMANDS = [
    ["explain", "2174"], ["explain", "2174", "--format", "json"], slow(["versions"]), ["check"], slow(["test"]),
    ["diff", VERSION, VERSION], ["table"], ["table", "--classes"], slow(["sql"]), ["--help"], ["explain", "--help"],
    ["--version"], slow(["check", "--format", "sarif"]), slow(["check", "--format", "github", "--severity", "warning"]),
    ["schema", "area"],
]
"""Each command in a child process (about a second each for those that check or load the tree): the ones
marked slow write their output as another listed command does, and run with --run-slow (CI)."""


def run(args, stdout, stdin=subprocess.DEVNULL, cwd=None):
    return subprocess.run([sys.executable, "-c", "from sc_policy.cli import main; main()", *args],
                          stdout=stdout, stderr=subprocess.PIPE, stdin=stdin, cwd=cwd, timeout=300)


def one_error_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").splitlines()
    assert len(lines) == 1 and lines[0].startswith("sc-policy: error: "), lines
    assert "Traceback" not in lines[0] and "Exception ignored" not in lines[0]
    return lines[0]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_a_full_device_on_stdout_is_one_line(args):
    with open("/dev/full", "wb") as full:
        result = run(args, full)
    assert result.returncode == 2
    assert one_error_line(result.stderr) == "sc-policy: error: stdout: No space left on device"


def test_evaluate_output_to_a_full_device_names_the_file(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text("noc,industry\n2174,541514\n", encoding="utf-8")
    result = run(["evaluate", str(cases), "-o", "/dev/full"], subprocess.DEVNULL)
    assert result.returncode == 2
    assert one_error_line(result.stderr) == "sc-policy: error: /dev/full: No space left on device"
    with open("/dev/full", "wb") as full:  # and to standard output
        result = run(["evaluate", str(cases)], full)
    assert result.returncode == 2
    assert one_error_line(result.stderr) == "sc-policy: error: stdout: No space left on device"


QUIET = [["table"], ["explain", "2174"], ["evaluate", "-"], slow(["sql"]), slow(["check"]),
         slow(["diff", "phase-1", VERSION]), slow(["occupations"]), slow(["schema", "area"]), slow(["versions"]),
         slow(["table", "--format", "jsonl"]), slow(["evaluate", "-", "--format", "jsonl"])]
"""Every command that writes to standard output (those marked slow run with --run-slow, as CI runs)."""


@pytest.mark.parametrize("args", QUIET, ids=lambda a: " ".join(a))
def test_a_closed_pipe_ends_quietly_with_the_status_of_sigpipe(args, tmp_path):
    """As in `sc-policy table | head`, once head has gone (the reading end is closed before it starts):
    the reader leaving is nobody's mistake, so no message, and the exit status a shell gives a process
    that SIGPIPE ended, 141 (README: the paragraph after *Commands*)."""
    cases = tmp_path / "cases.csv"
    cases.write_text("noc,industry\n2174,541514\n0011,\n", encoding="utf-8")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        with open(cases, "rb") as stdin:
            result = run(args, write_end, stdin=stdin)
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr.decode("utf-8", "replace")) == (141, "")


@pytest.mark.parametrize("args", [["table"], ["evaluate", "{cases}"], slow(["sql"])], ids=lambda a: a[0])
def test_a_reader_that_leaves_part_way_stops_the_command_quietly(args, tmp_path):
    """`sc-policy table | head -2`: the reader takes the first lines and goes while the output is written
    (over 64 kB, more than a pipe holds). A large write that met the closed pipe part way used to drop the
    rest without an error: `sql` and `evaluate` then exited 0 with their output cut short."""
    cases = tmp_path / "cases.csv"
    cases.write_text("noc,industry\n" + "2174,541514\n0011,\n" * 3000, encoding="utf-8")
    child = subprocess.Popen([sys.executable, "-c", "from sc_policy.cli import main; main()",
                              *[a.replace("{cases}", str(cases)) for a in args]],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})  # the file takes part: see NamedStream.write
    try:
        first = child.stdout.readline() + child.stdout.readline()
        child.stdout.close()
        stderr = child.stderr.read()
    finally:
        child.wait(timeout=300)
    assert first.count(b"\n") == 2
    assert (child.returncode, stderr.decode("utf-8", "replace")) == (141, "")


def cli(*args):
    return CliRunner().invoke(main, list(args))


def assert_one_line(result, needle: str):
    assert result.exit_code == 2, (result.output, repr(result.exception))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    line = one_error_line(result.stderr.encode("utf-8"))
    assert needle in line, line
    return line


# Every command that takes a policy tree (a test below holds the list to them), with a version where it takes one
# (new-version makes a path of its id); serve starts only with a tree it can read, so it is tried alone below.
PATH_COMMANDS = {
    "explain": (["explain", "2174", "--policies", "{p}"], ["explain", "2174", "--version", "{v}"]),
    "versions": (["versions", "--policies", "{p}"], None),
    "check": (["check", "--policies", "{p}"], ["check", "{v}"]),
    "test": (["test", "--policies", "{p}"], ["test", "{v}"]),
    "diff": (["diff", VERSION, VERSION, "--policies", "{p}"], ["diff", "{v}", VERSION]),
    "table": (["table", "--policies", "{p}"], ["table", "--version", "{v}"]),
    "evaluate": (["evaluate", "-", "--policies", "{p}"], ["evaluate", "-", "--version", "{v}"]),
    "freeze": (["freeze", VERSION, "--policies", "{p}"], ["freeze", "{v}"]),
    "new-version": (["new-version", VERSION, "x", "--policies", "{p}"], ["new-version", VERSION, "{v}"]),
    "sql": (["sql", "--policies", "{p}"], ["sql", "--version", "{v}"]),
    "occupations": (["occupations", "--policies", "{p}"], ["occupations", "--version", "{v}"]),
    "serve": (["serve", "--policies", "{p}"], None),
}


def test_every_command_that_takes_a_tree_is_tried_with_paths_too_long():
    """A new command that reads a policy tree joins PATH_COMMANDS (its --policies and, if it takes one, its
    --version), so that a path too long is shown to be one line for it too."""
    import click
    from sc_policy.cli.base import COMMANDS
    ctx = click.Context(main)
    options = {name: {o for p in main.get_command(ctx, name).params for o in p.opts} for name in COMMANDS}
    assert {name for name, opts in options.items() if "--policies" in opts} == set(PATH_COMMANDS), \
        "add each command that takes --policies to PATH_COMMANDS"
    for name, (_, with_version) in PATH_COMMANDS.items():
        takes = "--version" in options[name] or name in ("check", "test", "diff", "freeze", "new-version")
        assert (with_version is not None) == takes, f"{name}: try its version too (or not: it takes none)"


@pytest.mark.parametrize("command", sorted(PATH_COMMANDS))
def test_a_name_too_long_is_one_line(command, tree_copy, tmp_path):
    with_tree, with_version = PATH_COMMANDS[command]
    long_tree = str(tmp_path / LONG)
    line = assert_one_line(cli(*[a.replace("{p}", long_tree) for a in with_tree]), "File name too long")
    assert line.startswith(f"sc-policy: error: {tmp_path}") and "(5" in line  # the path, shortened, and its length
    if with_version:
        args = [a.replace("{v}", LONG) for a in with_version] + ["--policies", str(tree_copy)]
        result = cli(*args)
        assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith("sc-policy: error: ")


def test_other_paths_too_long_are_one_line(tree_copy, tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text("noc\n2174\n", encoding="utf-8")
    long = str(tmp_path / LONG)
    assert_one_line(cli("check", "--source", long, "--policies", str(tree_copy)), "File name too long")
    assert_one_line(cli("evaluate", long, "--policies", str(tree_copy)), "File name too long")
    assert_one_line(cli("evaluate", str(cases), "-o", long, "--policies", str(tree_copy)), "File name too long")


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux's /proc")
def test_an_input_that_fails_while_it_is_read_is_named():
    """Reading /proc/self/mem from its start fails with EIO: a read error carries no file name of its own."""
    assert_one_line(cli("evaluate", "/proc/self/mem"), "sc-policy: error: /proc/self/mem: Input/output error")


def test_a_permission_refused_is_one_line_naming_the_path(tree_copy, monkeypatch):
    folder = tree_copy / "second-career-fast-track"
    real_iterdir = pathlib.Path.iterdir

    def refusing_iterdir(self):
        if self == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(pathlib.Path, "iterdir", refusing_iterdir)
    for args in (["explain", "2174"], ["versions"], ["check"], ["table"]):
        line = assert_one_line(cli(*args, "--policies", str(tree_copy)), "Permission denied")
        assert line == f"sc-policy: error: {folder}: Permission denied"


@pytest.mark.parametrize("what", ["areas", "areas/ict.yaml"])
def test_a_frozen_versions_folder_or_file_it_may_not_read_is_named_not_taken_for_a_change(shipped_copy, monkeypatch,
                                                                                          what):
    """A tree installed by another account with a folder or file caseworkers may not read: the folder was skipped
    unsaid (Path.rglob), and either was reported as the frozen version modified since (hash-mismatch: "restore
    its files"), the permission named last if at all. The cause is named first; the other errors follow."""
    import sc_policy.app.writing  # noqa: F401  (imported before os.open and os.scandir refuse)
    refused = os.path.join(version_dir(shipped_copy), what)
    real = {name: getattr(os, name) for name in ("scandir", "open")}

    def refusing(name):
        def call(path, *args, **kwargs):
            if os.fspath(path) == refused:
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real[name](path, *args, **kwargs)
        return call

    monkeypatch.setattr(os, "scandir" if what == "areas" else "open", refusing("scandir" if what == "areas" else "open"))
    for args in (["explain", "2174"], ["evaluate", "-"]):
        line = assert_one_line(cli(*args, "--version", VERSION, "--policies", str(shipped_copy)), "unreadable")
        assert line.startswith(f"sc-policy: error: second-career-fast-track/{VERSION}/{what}: version {VERSION} is "
                               f"invalid: unreadable: cannot read {'folder' if what == 'areas' else 'file'}: "
                               f"Permission denied"), line
    listed = cli("versions", "--policies", str(shipped_copy))  # nor listed as MODIFIED: nothing shows a change
    assert listed.exit_code == 1 and "MODIFIED" not in listed.stdout and listed.stderr.startswith(
        f"sc-policy: 1 frozen version cannot be read whole: {VERSION} (whether it is intact cannot be told; "), listed
    row, = [r for r in json.loads(cli("versions", "--format", "json", "--policies", str(shipped_copy)).stdout)
            if r["id"] == VERSION]
    assert (row["integrity"], row["content_hash"]) == (None, None) and row["problem"].startswith(
        f"second-career-fast-track/{VERSION}/{what}: cannot read {'folder' if what == 'areas' else 'file'}: "
        f"Permission denied; what the version holds, and whether it is what was frozen, cannot be told"), row


def refuse_to_list(monkeypatch, folder):
    """``os.scandir`` refuses ``folder`` (Permission denied), as for a folder of another account's (root reads any)."""
    refused, real_scandir = os.fspath(folder), os.scandir

    def refusing(path=".", *args, **kwargs):
        if os.fspath(path) == refused:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", refusing)


def test_a_frozen_version_folder_it_may_not_list_is_not_listed_as_fine(shipped_copy, monkeypatch):
    """The version folder itself cannot be listed (its manifest still read by name): its rule files are all left
    out, so no version is built; ``versions`` listed it as "version has errors", not frozen, and exited 0, when
    a subfolder of it that cannot be listed exits 1. Whether it is intact cannot be told: exit 1, the cause named."""
    refuse_to_list(monkeypatch, version_dir(shipped_copy))
    listed = cli("versions", "--policies", str(shipped_copy))
    assert listed.exit_code == 1 and listed.stderr.startswith(
        f"sc-policy: 1 frozen version cannot be read whole: {VERSION} (whether it is intact cannot be told; "), listed
    row, = [r for r in json.loads(cli("versions", "--format", "json", "--policies", str(shipped_copy)).stdout)
            if r["id"] == VERSION]
    assert (row["frozen"], row["integrity"]) == (True, None) and row["problem"].startswith(
        f"second-career-fast-track/{VERSION}: cannot read folder: Permission denied; "), row


def test_a_version_not_frozen_with_a_folder_it_may_not_list_is_not_said_to_be_frozen(tree_copy, monkeypatch):
    """A version never frozen (a draft, or the copy's, its hashes dropped) with a folder it may not list: its row
    said "whether it is what was frozen, cannot be told", of a version never frozen."""
    refuse_to_list(monkeypatch, version_dir(tree_copy) / "areas")
    listed = cli("versions", "--format", "json", "--policies", str(tree_copy))
    row, = [r for r in json.loads(listed.stdout) if r["id"] == VERSION]
    assert row["problem"] == (f"second-career-fast-track/{VERSION}/areas: cannot read folder: Permission denied; "
                              f"what the version holds cannot be told"), row
    assert listed.exit_code == 0 and not row["frozen"], listed  # (a version never frozen: no integrity to tell)


def test_a_folder_listed_but_not_searched_is_named_unreadable_not_a_stop(shipped_copy, monkeypatch):
    """A folder caseworkers may list but not search (``chmod o=r``: its names read, its entries not looked at):
    rglob listed its files, whose look (``is_dir``) raised, so every command stopped at the first file's
    "Permission denied" (versions listed nothing). It is named as one that cannot be listed is, and the rest goes on."""
    import sc_policy.app.writing  # noqa: F401  (imported before os.open and os.stat refuse)
    refused = os.path.join(version_dir(shipped_copy), "areas") + os.sep
    real = {name: getattr(os, name) for name in ("stat", "open")}

    def refusing(name):
        def call(path, *args, **kwargs):
            if isinstance(path, (str, os.PathLike)) and os.fspath(path).startswith(refused):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real[name](path, *args, **kwargs)
        return call

    for name in real:
        monkeypatch.setattr(os, name, refusing(name))
    line = assert_one_line(cli("explain", "2174", "--version", VERSION, "--policies", str(shipped_copy)), "unreadable")
    assert line.startswith(f"sc-policy: error: second-career-fast-track/{VERSION}/areas: version {VERSION} is "
                           f"invalid: unreadable: cannot read folder: Permission denied"), line
    listed = cli("versions", "--policies", str(shipped_copy))
    assert listed.exit_code == 1 and listed.stderr.startswith(
        f"sc-policy: 1 frozen version cannot be read whole: {VERSION} (whether it is intact cannot be told; "), listed


def test_a_tree_that_may_not_be_written_is_said_so_when_it_is_to_change(tree_copy, monkeypatch):
    """A tree of another account's with no lock file yet: the lock could not be made (permission denied), and
    the read-only open of one to share then said "No such file or directory", as if the tree were missing."""
    import sc_policy.app.writing as writing
    real_open = os.open

    def refusing(path, flags, *args, **kwargs):
        if os.fspath(path).endswith(writing.LOCK_NAME) and flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(writing.os, "open", refusing)
    for args in (["freeze", VERSION], ["new-version", VERSION, "phase-2"]):
        line = assert_one_line(cli(*args, "--policies", str(tree_copy)), "lock")
        assert line == (f"sc-policy: error: {tree_copy / writing.LOCK_NAME}: cannot lock the policy tree: "
                        f"Permission denied")


def test_a_draft_that_cannot_be_written_is_one_line(tree_copy, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("sc_policy.app.authoring.os.fsync", no_space)
    line = assert_one_line(cli("new-version", VERSION, "phase-2", "--policies", str(tree_copy)),
                           "No space left on device")
    assert "/version.yaml: " in line and line.endswith("No space left on device")  # the file it was writing
    assert not (version_dir(tree_copy).parent / "phase-2").exists()  # nothing half made


# -- fuzz: any path, in any place a command takes one ----------------------------------------------

segment = st.text(st.characters(exclude_characters="\x00/", exclude_categories=("Cs",)), min_size=1, max_size=300)
relative_paths = (st.lists(segment.filter(lambda s: s not in ("..", ".")), min_size=1, max_size=20).map("/".join)
                  .filter(lambda p: not p.startswith("-")))  # an argument starting with '-' is an option
PLACES = [
    ["explain", "2174", "--policies", "{p}"], ["versions", "--policies", "{p}"], ["check", "--policies", "{p}"],
    ["check", "--source", "{p}"], ["test", "--policies", "{p}"], ["diff", VERSION, VERSION, "--policies", "{p}"],
    ["table", "--policies", "{p}"], ["evaluate", "{p}"], ["evaluate", "-", "-o", "{p}"],
    ["explain", "2174", "--version", "{r}"], ["check", "{r}"], ["diff", "{r}", VERSION],
    ["new-version", VERSION, "{r}", "--policies", "{tree}"], ["freeze", "{r}", "--policies", "{tree}"],
]


@pytest.fixture(scope="module")
def fuzz_tree(tmp_path_factory):
    import shutil
    from sc_policy.resources import shipped_policies
    dest = tmp_path_factory.mktemp("paths") / "policies"
    shutil.copytree(shipped_policies(), dest)
    return dest


@settings(max_examples=80)
@given(place=st.sampled_from(PLACES), rel=relative_paths)
def test_any_path_in_any_place_ends_in_a_one_line_error_or_an_answer(fuzz_tree, tmp_path_factory, place, rel):
    base = tmp_path_factory.mktemp("p")
    args = [a.replace("{p}", str(base / rel)).replace("{r}", rel).replace("{tree}", str(fuzz_tree))
            for a in place]
    if "--policies" not in args:
        args += ["--policies", str(fuzz_tree)]
    result = CliRunner().invoke(main, args, input="noc\n2174\n")
    assert result.exit_code in (0, 1, 2), (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("sc-policy: error: "), (args, result.stderr)


def test_output_is_utf8_whatever_the_locale_says():
    """A locale or PYTHONIOENCODING naming another encoding (latin-1, a Windows code page) neither breaks
    an answer holding an en dash (it was a traceback, exit 1, and no output) nor changes its bytes."""
    args = [sys.executable, "-c", "from sc_policy.cli import main; main()", "explain", "2174", "--format", "json",
            "--on", "2026-11-27"]
    plain = subprocess.run(args, capture_output=True, timeout=300)
    latin = subprocess.run(args, capture_output=True, timeout=300, env={**os.environ, "PYTHONIOENCODING": "latin-1"})
    assert (latin.returncode, latin.stderr) == (0, b""), latin.stderr.decode("utf-8", "replace")[-300:]
    assert "–".encode() in latin.stdout and latin.stdout == plain.stdout


@pytest.mark.parametrize("unbuffered", ["1", ""], ids=["PYTHONUNBUFFERED=1", "buffered"])
@pytest.mark.parametrize("args", [["explain", "2174", "--full"], ["schema", "area"]], ids=lambda a: a[0])
def test_output_cut_by_a_disk_that_fills_part_way_is_an_error(args, unbuffered, tmp_path):
    """A write the disk takes only part of (here a limit on the file's size, as a disk that fills part way):
    with PYTHONUNBUFFERED=1 (or python -u, as many container images set) standard output's text layer
    ignored the count the file took and dropped the rest: the command ended 0 with its output cut short."""
    import resource
    out = tmp_path / "out.txt"
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    with open(out, "wb") as fh:
        result = subprocess.run([sys.executable, "-c", "from sc_policy.cli import main; main()", *args],
                                stdout=fh, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env, timeout=300,
                                preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048)))
    assert out.stat().st_size == 2048
    assert (result.returncode, one_error_line(result.stderr)) == (2, "sc-policy: error: stdout: File too large")


@pytest.mark.parametrize("where", ["no-such-folder/out.csv", "a-folder", "no-such-folder/out.jsonl"])
def test_an_output_that_cannot_be_written_is_named_alone(tree_copy, tmp_path, where):
    """The error names the output it could not write, not the input it was reading as well
    (it read ``cases.csv: .../out.csv: cannot write the output``)."""
    cases = tmp_path / "cases.csv"
    cases.write_text("noc\n2174\n", encoding="utf-8")
    (tmp_path / "a-folder").mkdir()
    out = tmp_path / where
    line = assert_one_line(cli("evaluate", str(cases), "-o", str(out), "--policies", str(tree_copy)),
                           "cannot write the output")
    assert line.startswith(f"sc-policy: error: {out}: cannot write the output: "), line
    assert str(cases) not in line


@pytest.mark.parametrize("where", ["a stray file", "a version folder"])
def test_a_name_in_the_tree_that_is_not_utf8_is_no_traceback(shipped_copy, where):
    """os.listdir gives a name that is not UTF-8 with surrogate escapes (b'\\xff' is '\\udcff'), which the
    cache key's str.encode() refused: explain, versions and table were a UnicodeEncodeError traceback."""
    import shutil
    folder = version_dir(shipped_copy)
    if where == "a stray file":
        (folder / os.fsdecode(b"notes\xff.txt")).write_text("x", encoding="utf-8")
    else:
        shutil.copytree(folder, folder.parent / os.fsdecode(b"phase-\xff"))
    for args in (["explain", "2174"], ["versions"], ["table"]):
        result = CliRunner().invoke(main, [*args, "--policies", str(shipped_copy)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
        assert result.exit_code in (0, 1, 2) and "Traceback" not in result.output, (args, result.output)
    result = CliRunner().invoke(main, ["explain", "2174", "--policies", str(shipped_copy)])
    if where == "a stray file":  # a warning of check's: the frozen version still answers
        assert result.exit_code == 0, result.output
    else:  # a folder whose name is no version id: the day's version cannot be chosen, said in one line
        assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1, result.output


@pytest.mark.parametrize("environment", [{"PYTHONIOENCODING": "utf-8"}, {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}],
                         ids=["a UTF-8 locale (strict)", "the C locale (surrogateescape)"])
def test_a_version_folder_named_in_bytes_that_are_not_utf8_is_written_as_an_escape(shipped_copy, environment):
    """The answer names the folder: in a UTF-8 locale Python's stdout raised UnicodeEncodeError (a traceback),
    in the C locale it wrote the raw byte, which made the JSON no UTF-8 a reader takes."""
    import shutil
    folder = version_dir(shipped_copy)
    shutil.copytree(folder, folder.parent / os.fsdecode(b"phase-\xff"))
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LANG", "PYTHONIOENCODING")}
    result = subprocess.run([sys.executable, "-m", "sc_policy", "versions", "--format", "json", "--policies",
                             str(shipped_copy)], capture_output=True, env={**env, **environment}, timeout=120)
    assert b"Traceback" not in result.stderr, result.stderr.decode("utf-8", "replace")
    listed = json.loads(result.stdout.decode("utf-8"))
    assert "phase-\udcff" in [v["id"] for v in listed]
