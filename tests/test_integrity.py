"""What else on disk may change under a frozen version: sc-policy's own files in an installed copy.

Each test runs sc-policy from a copy of the package (its code, schemas and policy tree) with one of its
own files damaged, in a fresh process, as a damaged install would run: one line naming the file and
exit status 2, never a traceback and never another answer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sc_policy.app import codefiles
from sc_policy.resources import schemas_dir, shipped_policies

from conftest import POLICY, VERSION


@pytest.fixture
def package_copy(tmp_path) -> Path:
    """A folder holding copies of sc_policy/, schemas/ and policies/, laid out as a checkout."""
    ignore = shutil.ignore_patterns("__pycache__", "policies", "schemas")
    shutil.copytree(codefiles.PACKAGE, tmp_path / "sc_policy", ignore=ignore)
    shutil.copytree(schemas_dir(), tmp_path / "schemas")
    shutil.copytree(shipped_policies(), tmp_path / "policies")
    return tmp_path


def run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SC_POLICY_NO_CACHE": "1", "PYTHONPATH": str(folder)}
    env.pop("SC_POLICY_PATH", None)
    return subprocess.run([sys.executable, "-m", "sc_policy", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name, text", [
    ("clause.yaml", ""),                                              # emptied
    ("area.yaml", "type: [\n"),                                       # not YAML
    ("manifest.yaml", "id: {type: strnig, required: true}\n"),        # not a Cerberus schema
    ("_citation.yaml", "- line\n"),                                   # not a mapping
])
def test_a_damaged_schema_of_sc_policys_own_is_one_line_not_a_traceback(package_copy, name, text):
    (package_copy / "schemas" / name).write_text(text, encoding="utf-8")
    done = run(package_copy, "explain", "2174", "--version", VERSION)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr.count("\n") == 1 and name in done.stderr and "schema" in done.stderr, done.stderr


# -- the day an answer reports is the day its version was chosen for -------------------------------------

_EVE, _DAY = __import__("datetime").date(2026, 11, 25), __import__("datetime").date(2026, 11, 26)  # phase-1's last day


def _midnight(monkeypatch, asked_before: int) -> None:
    """The clock's day is 2026-11-25 for the first ``asked_before`` questions, 2026-11-26 after (midnight falls
    between two of them), in every module that asks it; phase-1 is in force on the first day, phase-1.1 on the next."""
    import datetime as real
    import types
    asked = []

    class Meta(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, real.date)

    class Day(real.date, metaclass=Meta):
        @classmethod
        def today(cls):
            asked.append(1)
            return _EVE if len(asked) <= asked_before else _DAY

    clock = types.SimpleNamespace(date=Day, datetime=real.datetime, timedelta=real.timedelta)
    for module in ("sc_policy.app.workspace", "sc_policy.load.tree", "sc_policy.cli.explain", "sc_policy.http.service"):
        monkeypatch.setattr(f"{module}.dt", clock)


def _json_on(day) -> str:
    from sc_policy import answer_json
    from sc_policy.app.workspace import Workspace
    return answer_json(Workspace().explain("2174", "541514", on=day))


@pytest.mark.parametrize("asked_before", [1, 2, 3])
def test_an_answer_by_date_is_decided_under_the_version_in_force_on_the_day_it_reports(monkeypatch, asked_before):
    """The day was read once for decided_on and again to choose the version: at midnight an answer could say
    decided_on 2026-11-25 under phase-1.1 (or 2026-11-26 under phase-1), which the same input with that
    day, --on 2026-11-25, never gives. Each front door now reads the day once per question."""
    import json
    from click.testing import CliRunner
    from sc_policy import answer_json
    from sc_policy.app.workspace import Workspace
    from sc_policy.cli import main
    from sc_policy.http.models import DecisionInput
    from sc_policy.http.service import DecisionService, case_of
    expected = {d.isoformat(): _json_on(d) for d in (_EVE, _DAY)}
    service = DecisionService(Workspace())

    _midnight(monkeypatch, asked_before)
    library = answer_json(Workspace().explain("2174", "541514"))
    _midnight(monkeypatch, asked_before)
    cli = CliRunner().invoke(main, ["explain", "2174", "--industry", "541514", "--format", "json"])
    _midnight(monkeypatch, asked_before)
    served = service.answer(case_of(DecisionInput(noc="2174", industry="541514")), pretty=True).decode()
    for front, text in (("library", library), ("cli", cli.output), ("service", served)):
        assert text == expected[json.loads(text)["decided_on"]], front


@pytest.mark.parametrize("name, text", [
    ("base.html", "{% if %}\n"),                 # not Jinja
    ("decision.html", None),                     # missing
])
def test_a_damaged_page_template_stops_the_service_at_start_in_one_line(package_copy, name, text):
    """It was a traceback (exit 1) at start, or, for a template compiled on first use, a 500 for every page."""
    import socket
    path = package_copy / "sc_policy" / "present" / "templates" / name
    if text is None:
        path.unlink()
    else:
        path.write_text(text, encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = run(package_copy, "serve", "--host", "127.0.0.1", "--port", str(port))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and name in done.stderr and "template" in done.stderr, done.stderr


def test_every_page_template_is_compiled_at_start():
    from sc_policy.present.pages import SHIPPED_TEMPLATES, TEMPLATES
    assert sorted(SHIPPED_TEMPLATES) == sorted(p.name for p in TEMPLATES.iterdir() if p.is_file())


# -- the environment -------------------------------------------------------------------------------------

def test_no_home_directory_means_no_cache_not_a_traceback(monkeypatch):
    """HOME unset and a user with no passwd entry (a container run as an arbitrary uid): Path.home() raises
    RuntimeError, which was a traceback for every command. The cache is skipped; the answer is the same."""
    import pwd
    from click.testing import CliRunner
    from sc_policy.app.cache import default_cache_dir
    from sc_policy.cli import main
    expected = CliRunner().invoke(main, ["explain", "2174", "--version", VERSION, "--format", "json"]).output
    for name in ("HOME", "XDG_CACHE_HOME", "SC_POLICY_CACHE_DIR", "SC_POLICY_NO_CACHE"):
        monkeypatch.delenv(name, raising=False)

    def unknown(uid):
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(pwd, "getpwuid", unknown)
    assert default_cache_dir() is None
    done = CliRunner().invoke(main, ["explain", "2174", "--version", VERSION, "--format", "json"])
    assert done.exit_code == 0 and done.output == expected, done.output


def test_the_cache_folder_is_made_for_its_owner_alone_whatever_the_umask(tmp_path):
    """Under umask 000 the folder was made writable by everyone, and whoever can write it can write a
    well-formed entry, which a draft's answers trust (its entries are read as the owner's)."""
    import stat
    from sc_policy.app.cache import TableCache
    from sc_policy.app.workspace import Workspace
    folder = tmp_path / "cache"
    old = os.umask(0)
    try:
        Workspace(cache=TableCache(folder)).explain("2174", version=VERSION)
    finally:
        os.umask(old)
    assert any(folder.iterdir())
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0, oct(folder.stat().st_mode)


def test_an_entry_takes_the_place_of_its_versions_old_one_on_a_volume_with_no_room_for_both(tmp_path, monkeypatch):
    """The old entries of a version were removed only once its new one was written: on a small volume (a tmpfs)
    that an upgraded sc-policy's old entries filled, the new one never fitted, and the cache stayed unused."""
    import errno
    import sc_policy.app.writing as writing
    from sc_policy.app.cache import TableCache
    from sc_policy.app.workspace import Workspace
    folder = tmp_path / "cache"
    Workspace(cache=TableCache(folder)).explain("2174", version=VERSION)
    [old] = list(folder.iterdir())
    label, key = f"{POLICY}/{VERSION}", old.name.rsplit("--", 1)[1][:-len(".json")]
    entry = TableCache(folder).load(key, label)
    room, write = old.stat().st_size * 3 // 2, writing.write_atomic

    def on_a_small_volume(path, data, **kw):
        if sum(p.stat().st_size for p in path.parent.iterdir()) + len(data) > room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        write(path, data, **kw)

    monkeypatch.setattr(writing, "write_atomic", on_a_small_volume)
    upgraded = "0" * 64  # the same version under another key (another sc-policy's code)
    assert entry is not None and TableCache(folder).store(upgraded, label, entry)
    assert [p.name for p in folder.iterdir()] == [old.name.replace(key, upgraded)]


def test_a_temporary_file_a_killed_write_left_goes_with_the_versions_next_entry(tmp_path):
    """A process killed in the milliseconds an entry is written leaves its temporary file (.NAME.XXXXXXXX.tmp):
    nothing removed it, so each such kill kept some 350 kB for ever. One over an hour old goes when the version's
    next entry is written; a recent one (another process writing now) stays."""
    from sc_policy.app.cache import TableCache
    from sc_policy.app.workspace import Workspace
    folder = tmp_path / "cache"
    Workspace(cache=TableCache(folder)).explain("2174", version=VERSION)
    [entry] = list(folder.iterdir())
    label, key = f"{POLICY}/{VERSION}", entry.name.rsplit("--", 1)[1][:-len(".json")]
    stale, writing_now = folder / f".{entry.name}.0badf00d.tmp", folder / f".{entry.name}.12345678.tmp"
    for left in (stale, writing_now):
        left.write_bytes(entry.read_bytes()[:1000])
    hour_ago = time.time() - 3700
    os.utime(stale, (hour_ago, hour_ago))
    cache = TableCache(folder)
    Workspace(cache=cache).select()  # (the same code as the entry's: its next entry takes its place)
    assert cache.store("0" * 64, label, cache.load(key, label))
    assert sorted(p.name for p in folder.iterdir()) == sorted([writing_now.name, entry.name.replace(key, "0" * 64)])


# -- the cache folder: the user's alone ------------------------------------------------------------------

def _planted(folder: Path, tree: Path) -> dict:
    """``folder`` holding a well-formed entry for the draft VERSION of ``tree`` (whose entry is trusted) on which
    0013 is eligible, as anyone who can write the folder and read the tree can make one; its names and bytes."""
    from sc_policy.app.cache import TableCache
    from sc_policy.app.workspace import Workspace
    from test_table import _forge_entry, _pass_everywhere
    assert not Workspace(tree, cache=TableCache(folder)).explain("0013", version=VERSION).eligible  # genuine
    _forge_entry(TableCache(folder), _pass_everywhere("0013"))
    assert Workspace(tree, cache=TableCache(folder)).explain("0013", version=VERSION).eligible  # forged: believed
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _refused(folder: Path, tree: Path, monkeypatch, before: dict, says: str) -> None:
    """Commands run with the cache in ``folder`` decide as without a cache, read no entry there and write
    nothing there, and say why in one line, once per command (diff and versions read two versions)."""
    import json
    import sc_policy.app.cache as cache_module
    from click.testing import CliRunner
    from sc_policy.cli import main
    opened = []
    read, header = cache_module.read_regular, cache_module._header
    monkeypatch.setattr(cache_module, "read_regular", lambda path, *a, **k: opened.append(path) or read(path, *a, **k))
    monkeypatch.setattr(cache_module, "_header", lambda path: opened.append(path) or header(path))
    runner = CliRunner()
    explain = ["explain", "0013", "--version", VERSION, "--format", "json", "--policies", str(tree)]
    expected = runner.invoke(main, explain, env={"SC_POLICY_NO_CACHE": "1"})
    assert json.loads(expected.stdout)["verdict"] == "not_eligible"
    env = {"SC_POLICY_CACHE_DIR": str(folder), "SC_POLICY_NO_CACHE": None}
    done = runner.invoke(main, explain, env=env)
    assert done.exit_code == 0 and done.stdout == expected.stdout, done.stdout[:300]
    [warning] = done.stderr.splitlines()
    assert warning.startswith(f"sc-policy: warning: the cache folder {folder} ") and says in warning, warning
    for command in (["diff", "phase-1", VERSION], ["versions"]):
        other = runner.invoke(main, command + ["--policies", str(tree)], env=env)
        assert other.exit_code == 0 and other.stderr.splitlines() == [warning], (command, other.stderr)
    places = {str(folder), os.path.realpath(folder)}
    assert [p for p in opened if os.path.dirname(os.fspath(p)) in places] == []  # no entry read, no header
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing written, nothing removed


@pytest.mark.parametrize("mode, whom", [(0o777, "its group and others (mode 0777)"),
                                        (0o1777, "its group and others (mode 1777)"),  # sticky, as /tmp
                                        (0o730, "its group (mode 0730)")], ids=["0777", "1777", "0730"])
def test_a_cache_folder_that_others_may_write_is_not_used(tree_copy, tmp_path, monkeypatch, mode, whom):
    """A folder already there was used whatever its mode (only one sc-policy makes was made 0700): whoever else
    could write it (another user made it, or `chmod 777`) could plant a draft's entry, which is believed."""
    folder = tmp_path / "cache"
    before = _planted(folder, tree_copy)
    folder.chmod(mode)
    _refused(folder, tree_copy, monkeypatch, before, f"is writable by {whom}")


def test_a_shared_folder_as_tmp_is_never_to_be_removed_and_a_folder_in_it_is_used(tmp_path, monkeypatch):
    """SC_POLICY_CACHE_DIR=/tmp (a container's tmpfs, say) was refused with the advice to remove /tmp itself;
    a sticky folder is shared by design: the advice is a folder in it, which sc-policy makes for the user."""
    from click.testing import CliRunner
    from sc_policy.app.cachedir import look
    from sc_policy.cli import main
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    advice = (f"choose a folder of your own (SC_POLICY_CACHE_DIR), such as {shared / 'sc-policy'}, which sc-policy "
              f"makes for you alone")
    assert look(shared).endswith(f"is writable by its group and others (mode 1777): not used, versions are opened "
                                 f"from their rule files (the same answers, slower); {advice}"), look(shared)
    me = os.getuid()
    with monkeypatch.context() as other:  # /tmp is root's
        other.setattr(os, "getuid", lambda: me + 1)
        assert look(shared).endswith(f"belongs to another user (uid {me}; you are uid {me + 1}): not used, versions "
                                     f"are opened from their rule files (the same answers, slower); {advice}")
        shared.chmod(0o1755)  # sticky, but no one else may make a folder in it: no such advice
        assert look(shared).endswith("(the same answers, slower); choose a folder of your own (SC_POLICY_CACHE_DIR)")
    shared.chmod(0o1777)
    monkeypatch.setenv("SC_POLICY_CACHE_DIR", str(shared / "sc-policy"))
    done = CliRunner().invoke(main, ["explain", "2174", "--version", VERSION])
    assert done.exit_code == 0 and done.stderr == "" and any((shared / "sc-policy").iterdir())


def test_a_cache_folder_of_another_user_is_not_used(tree_copy, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    before = _planted(folder, tree_copy)  # 0700, but the user's whose uid it is, not this one's:
    owner = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: owner + 1)
    _refused(folder, tree_copy, monkeypatch, before, f"belongs to another user (uid {owner}; you are uid {owner + 1}): "
             "not used, versions are opened from their rule files (the same answers, slower); choose a folder of "
             "your own (SC_POLICY_CACHE_DIR)")  # (not told to remove it: not theirs to remove)


def test_a_cache_folder_that_links_to_a_folder_others_may_write_is_not_used(tree_copy, tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    before = _planted(shared, tree_copy)
    shared.chmod(0o777)
    link = tmp_path / "cache"
    link.symlink_to(shared, target_is_directory=True)
    _refused(link, tree_copy, monkeypatch, before, f"(a link to {shared}) is writable by its group and others")


def test_a_link_of_another_users_is_not_followed(tree_copy, tmp_path, monkeypatch):
    """Its owner may point it elsewhere at any time (a link in /tmp, say): refused before its folder is looked at."""
    folder = tmp_path / "mine"
    before = _planted(folder, tree_copy)
    link = tmp_path / "cache"
    link.symlink_to(folder, target_is_directory=True)
    me = os.getuid()
    real_lstat = os.lstat
    monkeypatch.setattr(os, "lstat", lambda path, *a, **k: _owned_by(real_lstat(path, *a, **k), me + 1)
                        if os.fspath(path) == str(link) else real_lstat(path, *a, **k))
    _refused(link, tree_copy, monkeypatch, before, f"is a link that belongs to another user (uid {me + 1})")


def _owned_by(info: os.stat_result, uid: int) -> os.stat_result:
    fields = list(info)
    fields[4] = uid  # st_uid
    return os.stat_result(fields)


def test_the_folders_made_for_the_cache_are_the_users_alone_and_used(tree_copy, tmp_path):
    """The missing parents of the cache folder (``~/.cache``) were made with the umask's mode, under umask 000
    writable by everyone, who could then swap the folder for one of theirs. Each is made 0700 now (as the XDG
    Base Directory spec asks), and the folder is used: the next run answers from the entry the first wrote."""
    import stat
    from sc_policy import answer_json
    from sc_policy.app.cache import TableCache
    from sc_policy.app.workspace import Workspace
    folder = tmp_path / "home" / ".cache" / "sc-policy"
    old = os.umask(0)
    try:
        want = answer_json(Workspace(tree_copy, cache=TableCache(folder)).explain("2174", "541514", version=VERSION))
    finally:
        os.umask(old)
    for made in (folder.parent.parent, folder.parent, folder):
        assert stat.S_IMODE(made.stat().st_mode) == 0o700, (made, oct(made.stat().st_mode))
    notices = []
    warm = Workspace(tree_copy, cache=TableCache(folder), notify=notices.append)
    assert answer_json(warm.explain("2174", "541514", version=VERSION)) == want
    assert warm.open(VERSION).evaluator._compiled is None and notices == []  # from the cache entry, said nothing
