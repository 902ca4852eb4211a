"""What a Workspace remembers, and what it does not trust: a file at a cache entry's name vouches for
no manifest, the choices of version it remembers are bounded, and other reference data gets no cache."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from click.testing import CliRunner

from sc_policy.app.cache import TableCache
from sc_policy.app.workspace import _CHOICES_KEPT, Workspace
from sc_policy.cli import main
from sc_policy.reference.statcan import reference_data

from conftest import POLICY, VERSION


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_junk_file_at_an_entry_name_does_not_spare_a_bad_manifest_its_schema(tree_copy):
    manifest = tree_copy / POLICY / VERSION / "version.yaml"
    text = manifest.read_text(encoding="utf-8")
    start = next(line for line in text.splitlines() if line.startswith("effective_from:"))
    manifest.write_text(text.replace(start, "effective_from: soon"), encoding="utf-8")
    before = _run("explain", "2174", "--policies", tree_copy)
    assert before.exit_code == 2 and "effective_from" in before.output, before.output
    cache = TableCache.default()  # the one the commands use (the tests' own folder)
    ws = Workspace(tree_copy, cache=cache)
    [ref] = [r for r in ws.refs() if r.id == VERSION]
    path = cache._path(ws._cache_key(ref), ref.rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")  # not an entry: no header naming its format and key
    assert not cache.has(ws._cache_key(ref), ref.rel) and ws._manifest(ref)[1] is None
    assert _run("explain", "2174", "--policies", tree_copy).output == before.output
    listed = _run("versions", "--policies", tree_copy)
    assert listed.exit_code == 1 and isinstance(listed.exception, SystemExit), listed.exception  # (unreadable)
    assert f"{POLICY} {VERSION} (invalid): in force unknown to open." in listed.output
    row, = [r for r in json.loads(_run("versions", "--format", "json", "--policies", tree_copy).stdout)
            if r["id"] == VERSION]
    assert (row["status"], row["effective_from"], row["effective_to"]) == ("invalid", None, None)  # not "?"


ILL_TYPED = {  # a manifest its schema refuses for the type of one value (each a value a vouched manifest has)
    "a number for a title": ("title: Second Career Fast Track – Phase I (the analyst's readings recorded)", "title: 5"),
    "a number for the version it supersedes": ("supersedes: phase-1", "supersedes: 7"),
    "a word for its first day": ("effective_from: 2026-11-28", "effective_from: soon"),
    "a word for its last day": ("status: in-force", "status: in-force\neffective_to: soon"),
    "a time for its first day": ("effective_from: 2026-11-28", "effective_from: 2026-11-28 10:00:00"),
    "a number for an assumption": ("assumptions:\n", "assumptions:\n  effective_to: 5\n"),
}


@pytest.mark.parametrize("old, new", ILL_TYPED.values(), ids=ILL_TYPED)
def test_a_header_vouching_for_a_manifest_of_the_wrong_types_does_not_spare_it_its_schema(tree_copy, tmp_path,
                                                                                            monkeypatch, old, new):
    """A header's list of manifests that passed their schema is written by sc-policy, but the cache folder
    can be written by others than sc-policy: a manifest with a value of the wrong type is refused, and the
    versions listed, as if no header vouched for it."""
    manifest = tree_copy / POLICY / VERSION / "version.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new, 1), encoding="utf-8")
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("SC_POLICY_CACHE_DIR", str(folder))
    commands = (["explain", "2174"], ["versions", "--format", "json"])
    before = [_run(*args, "--policies", tree_copy) for args in commands]
    assert before[0].exit_code == 2 and "wrong-type" in before[0].stderr, before[0].output
    ws = Workspace(tree_copy, cache=TableCache(folder))
    [ref] = [r for r in ws.refs() if r.id == VERSION]
    (folder / ("x--" + "a" * 64 + ".json")).write_text(json.dumps({"vouched": [ws._cache_key(ref)]}) + "\n{}",
                                                        encoding="utf-8")
    assert TableCache(folder).vouches(ws._cache_key(ref), ref.rel)
    after = [_run(*args, "--policies", tree_copy) for args in commands]
    assert [(r.exit_code, r.output) for r in after] == [(r.exit_code, r.output) for r in before]


def test_the_choices_of_version_it_remembers_are_bounded(ws):
    first = dt.date(2026, 11, 28)  # the first day of VERSION, the version in force (open-ended)
    for n in range(_CHOICES_KEPT + 50):
        assert ws.select(None, first + dt.timedelta(days=n)).id == VERSION
    assert len(ws._chosen) == _CHOICES_KEPT
    assert ws.select(VERSION).id == VERSION


def test_other_reference_data_is_never_answered_from_the_cache(tmp_path):
    assert Workspace(refdata=reference_data(), cache=TableCache(tmp_path)).cache is None
    assert Workspace(cache=TableCache(tmp_path)).cache is not None


def test_a_version_without_an_entry_of_its_own_takes_the_code_digest_from_a_neighbours_header(tmp_path, monkeypatch):
    from sc_policy.app import codefiles
    cache = TableCache(tmp_path / "cache")
    ws = Workspace(cache=cache)
    ws.explain("2174")  # writes the entry of the version in force, with the code digest in its header
    superseded = next(r for r in ws.refs() if r.id != ws.select().id)
    assert not cache.has(Workspace(cache=TableCache(tmp_path / "cache"))._cache_key(superseded), superseded.rel)

    def rehash(*args):
        raise AssertionError("the package's files were hashed again")

    monkeypatch.setattr(codefiles, "code_digest", rehash)
    fresh = TableCache(tmp_path / "cache")
    assert Workspace(cache=fresh)._cache_key(superseded) == ws._cache_key(superseded)


def test_the_code_digest_is_found_in_the_newest_entry_among_many_versions_entries(tmp_path, monkeypatch):
    """A cache shared by many versions and older installs: the signature of the code that ran last is in the
    entry written (or re-stamped) last, whatever its version's name, so a version with no entry of its own is
    keyed without hashing the package again."""
    import os
    from sc_policy.app import cache as cache_module, codefiles
    monkeypatch.setattr(codefiles, "RACY_NS", 0)  # the checkout's files count as old enough to be remembered
    folder = tmp_path / "cache"
    ws = Workspace(cache=TableCache(folder))
    ws.explain("2174")  # the entry of the version in force, naming the code's signature
    [written] = TableCache(folder).entries()
    for n in range(cache_module._OTHERS + 1):  # other versions' entries, by older code, sorting first by name
        stale = folder / f"a-version-{n}--{n:064x}.json"
        stale.write_text(json.dumps({"code": "b" * 64, "code_stat": ["c" * 64]}) + "\n{}", encoding="utf-8")
        os.utime(stale, ns=(written.stat().st_mtime_ns - 10**9, written.stat().st_mtime_ns - 10**9))
    superseded = next(r for r in ws.refs() if r.id != ws.select().id)

    def rehash(*args):
        raise AssertionError("the package's files were hashed again")

    monkeypatch.setattr(codefiles, "code_digest", rehash)
    assert Workspace(cache=TableCache(folder))._cache_key(superseded) == ws._cache_key(superseded)


def test_a_vouched_manifest_is_read_as_the_strict_parser_reads_it():
    import pytest
    from sc_policy.diagnostics import PolicyLoadError
    from sc_policy.load.yamlfile import parse_document, parse_vouched
    from sc_policy.resources import shipped_policies
    files = sorted(shipped_policies().rglob("*.yaml"))
    assert len(files) > 20
    for path in files:
        raw = path.read_bytes()
        strict, fast = parse_document(raw, path.name), parse_vouched(raw, path.name)
        assert fast.data == strict.data and dict(fast.spans) == dict(strict.spans), path
    # bytes the strict parser refuses are refused by it, with its message
    bad = b"id: a\nid: b\n"
    with pytest.raises(PolicyLoadError, match="duplicate key"):
        parse_vouched(bad, "x.yaml")


def test_an_answer_reports_the_day_it_was_asked_on_across_midnight(ws, monkeypatch):
    import time as real_time
    import sc_policy.app.workspace as module
    now = {"day": dt.date(2026, 12, 1), "asked": 0}

    class Clock(dt.date):
        @classmethod
        def today(cls):
            now["asked"] += 1
            return now["day"]

    class Time:
        mktime = staticmethod(real_time.mktime)

        @staticmethod
        def time():
            return real_time.mktime(now["day"].timetuple()) + 23 * 3600 + 59 * 60  # 23:59 local

    monkeypatch.setattr(module, "time", Time)
    monkeypatch.setattr(module, "dt", type("datetime", (), {"date": Clock, "timedelta": dt.timedelta}))
    assert ws.explain("2174").decided_on == "2026-12-01"
    asked = now["asked"]
    assert [ws.explain("2174").decided_on for _ in range(3)] == ["2026-12-01"] * 3
    assert now["asked"] == asked  # the clock's date is asked once a day
    now["day"] = dt.date(2026, 12, 2)
    assert ws.explain("2174").decided_on == "2026-12-02"


def test_remembered_inputs_answer_as_fresh_ones_and_a_refused_code_is_refused_every_time(ws):
    from sc_policy.diagnostics import InputError
    fresh = Workspace().explain(" 2174 ", industry="541514 ")
    assert [ws.explain(" 2174 ", industry="541514 ") for _ in range(2)] == [fresh, fresh]
    for _ in range(2):
        with pytest.raises(InputError, match="not four digits"):
            ws.explain("21744")
        with pytest.raises(InputError, match="NAICS"):
            ws.explain("2174", industry="999999")


def test_the_day_asked_is_a_date_a_datetime_or_an_iso_day_and_anything_else_is_refused(ws):
    """``on=`` as a script has it: a datetime is its day, ``"YYYY-MM-DD"`` is that day; any other value is the
    package's one-line refusal (it was an AttributeError or a TypeError from deep inside)."""
    from sc_policy.diagnostics import InputError
    day = ws.explain("2174", on=dt.date(2026, 11, 25))
    assert day.version == "phase-1" and day.decided_on == "2026-11-25"
    assert ws.explain("2174", on=dt.datetime(2026, 11, 25, 12, 30)) == day
    assert ws.explain("2174", on="2026-11-25") == day
    for bad in ("2026-11-31", "20261125", "25/11/2026", " 2026-11-25", 20261125, ["2026-11-25"]):
        with pytest.raises(InputError, match="not a calendar date written YYYY-MM-DD") as refused:
            ws.explain("2174", on=bad)
        assert refused.value.code == "bad-input" and "\n" not in str(refused.value)


def test_one_workspace_answers_from_several_threads_as_from_one(opened):
    """As the package root documents (and the service relies on): a fresh workspace, asked from 8 threads at
    once before any version is open, gives each answer (and each refusal) that it gives asked in turn."""
    from concurrent.futures import ThreadPoolExecutor
    from sc_policy.diagnostics import ScPolicyError
    from sc_policy.present.render import answer_json
    assert opened.table is not None  # built once per session, and stored in the session's cache
    shared = Workspace()  # opened from that cache entry, as a script's second run would be
    days = (None, dt.date(2026, 11, 26), dt.date(2027, 1, 1))
    asks = [(noc, industry, day) for noc in ("2174", "7511", "0211", "21A4") for industry in (None, "541514")
            for day in days]

    def one(ask):
        try:
            return answer_json(shared.explain(ask[0], ask[1], on=ask[2]))
        except ScPolicyError as error:
            return error.line()

    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(one, asks))
    assert together == [one(ask) for ask in asks]


def test_a_choice_another_thread_lets_go_between_reading_and_refreshing_it_still_answers(ws):
    """``select`` reads a remembered choice, then marks it as the latest; a thread that lets it go in between
    (the oldest of more than 1,024 days asked) left the first with KeyError."""
    from collections import OrderedDict

    class LetGo(OrderedDict):  # the other thread's pop, between this thread's get and move_to_end
        def get(self, key, default=None):
            found = super().get(key, default)
            self.pop(key, None)
            return found

    chosen = ws.select(None, dt.date(2026, 11, 26))
    ws._chosen = LetGo(ws._chosen)
    assert ws.select(None, dt.date(2026, 11, 26)) == chosen


def test_a_version_and_a_day_that_chooses_another_are_refused(ws):
    """A version named with a day must be the version in force that day (the CLI and the service refuse both
    together): the day was silently ignored, and reported as the answer's ``decided_on`` for a version that
    was not in force then."""
    from sc_policy.diagnostics import InputError
    with pytest.raises(InputError, match=r"version phase-1 is not in force on 2026-11-26 \(phase-1\.1 is\)") as no:
        ws.explain("2174", version="phase-1", on=dt.date(2026, 11, 26))
    assert no.value.code == "bad-input"
    assert ws.explain("2174", version="phase-1", on="2026-11-25").decided_on == "2026-11-25"
    assert ws.explain("2174", version="phase-1").decided_on is None


def test_bytes_libyaml_would_read_otherwise_are_never_vouched_for_nor_cached(tmp_path, monkeypatch):
    import dataclasses
    import sc_policy.app.trust as trust
    real = trust.load_vouched

    def otherwise(path, shown):  # as if libyaml read these bytes differently from the strict parser
        doc = real(path, shown)
        return dataclasses.replace(doc, data={**doc.data, "status": "draft"})

    monkeypatch.setattr(trust, "load_vouched", otherwise)
    cache = TableCache(tmp_path / "cache")
    ws = Workspace(cache=cache)
    assert ws.explain("2174").verdict == "eligible"
    assert cache.entries() == [] and cache._vouched == []
    monkeypatch.setattr(trust, "load_vouched", real)
    ws = Workspace(cache=TableCache(tmp_path / "cache"))
    assert ws.explain("2174").verdict == "eligible" and len(ws.cache.entries()) == 1


@pytest.mark.parametrize("header", [{"vouched": True}, {"vouched": 5}, {"vouched": "abc"}, {"vouched": {"k": 1}}])
def test_a_malformed_header_in_the_cache_folder_is_ignored(tmp_path, header):
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)  # the user's alone, whatever the umask (else not used)
    (folder / ("x--" + "a" * 64 + ".json")).write_text(json.dumps(header) + "\n{}", encoding="utf-8")
    clean = Workspace(cache=False).explain("2174")
    assert Workspace(cache=TableCache(folder)).explain("2174") == clean
    assert Workspace(cache=TableCache(folder)).explain("2174") == clean  # and again, from what it wrote


def test_an_areas_listed_occupations_are_made_once_and_read_only(opened):
    """Every decision asks each area for its listed codes: the mapping is made once per area, the
    first entry of a repeated code wins, nobody can change it, and it is no part of the area's equality."""
    import dataclasses
    area = next(a for a in opened.version.areas if a.occupations)
    listed = area.listed
    assert listed is area.listed
    assert list(listed) == list(dict.fromkeys(o.code for o in area.occupations if o.code is not None))
    assert all(listed[o.code] is next(p for p in area.occupations if p.code == o.code)
               for o in area.occupations if o.code is not None)
    with pytest.raises(TypeError):
        listed["0000"] = area.occupations[0]  # type: ignore[index]
    again = dataclasses.replace(area)
    assert again == area and hash(again) == hash(area) and again.listed == listed


def test_a_file_saved_while_a_version_is_read_is_not_cached_under_its_old_bytes(tree_copy, tmp_path):
    """The cache key is taken from the files' bytes before they are read; a file saved in between (an editor,
    a checkout) gave an entry of the new content under the old bytes' key, so that undoing the edit kept
    answering as edited, from the cache, for a version that is not frozen (whose entry is trusted)."""
    clause = tree_copy / POLICY / VERSION / "clauses" / "phase-1-manufacturing.yaml"
    original = clause.read_text(encoding="utf-8")
    ws = Workspace(tree_copy, cache=TableCache(tmp_path / "cache"))
    ws._cache_key(ws.select(VERSION))  # keyed from the bytes on disk (NAICS 31-33 count) ...
    clause.write_text(original.replace('{"31", "32", "33"}', '{"32", "33"}'), encoding="utf-8")  # ... then saved
    assert ws.explain("9461", "311", version=VERSION).verdict == "not_eligible"  # as read
    clause.write_text(original, encoding="utf-8")  # the edit undone
    for _ in range(2):  # from the files, then from what that wrote
        assert Workspace(tree_copy, cache=TableCache(tmp_path / "cache")).explain(
            "9461", "311", version=VERSION).verdict == "eligible"


def test_an_entry_found_by_hashing_the_code_again_is_restamped_so_the_next_run_need_not(tmp_path, monkeypatch):
    """An entry written while the package's files were too fresh to be remembered by their times (a run
    straight after an install), or by another install of the same code, names no signature or another one:
    the run that hashed the code to find it writes its own into the header, so later runs stat, not hash."""
    from sc_policy.app import codefiles
    store = tmp_path / "cache"
    monkeypatch.setattr(codefiles, "RACY_NS", 10**30)  # every file "just written": the signature is not kept
    Workspace(cache=TableCache(store)).explain("2174")
    [entry] = TableCache(store).entries()
    assert json.loads(entry.read_bytes().partition(b"\n")[0])["code_stat"] is None
    monkeypatch.setattr(codefiles, "RACY_NS", 0)
    hashed = []
    real = codefiles.code_digest
    monkeypatch.setattr(codefiles, "code_digest", lambda files=None: hashed.append(1) or real(files))
    Workspace(cache=TableCache(store)).explain("2174")
    assert hashed == [1] and TableCache(store).entries() == [entry]  # hashed to find it, and found
    Workspace(cache=TableCache(store)).explain("2174")
    assert hashed == [1], "the code was hashed again on a warm run"
    assert Workspace(cache=TableCache(store)).open(Workspace().select().id).evaluator._compiled is None


def test_environments_sharing_a_cache_folder_keep_an_entry_each_up_to_three(tmp_path, monkeypatch):
    """Two environments that share one cache folder (a pipx install and a project's venv, say) evicted each
    other's entry of a version: each run after the other's opened the version from its files again (0.6 s).
    Each keeps its own now; an entry of the same environment still takes the place of its stale one, and
    entries of old environments (upgrades) do not pile up: a version keeps at most three."""
    from sc_policy.app import codefiles
    folder = tmp_path / "cache"
    real = codefiles.LIBRARIES
    # Each run remembers its code by its stat signature, as an install does. (Within 2 s of an edit of the
    # package it would not: a later run, hashing to find its entry, wrote it again, and the oldest entry
    # then was the newest written: the test failed when run straight after saving a module.)
    monkeypatch.setattr(codefiles, "RACY_NS", 0)

    def run(*extra):  # an environment whose code also has the modules of ``extra``
        monkeypatch.setattr(codefiles, "LIBRARIES", real + extra)
        ws = Workspace(cache=TableCache(folder))
        ws.explain("2174", version=VERSION)
        return ws.open(VERSION).evaluator._compiled is None  # opened from its entry, not from the files

    assert not run()
    [first] = TableCache(folder).entries()
    assert not run("json")  # another environment: its own entry, beside the first
    assert run() and run("json")  # each finds its own
    assert first in TableCache(folder).entries() and len(TableCache(folder).entries()) == 2
    assert not run("csv") and not run("email")
    assert len(TableCache(folder).entries()) == 3 and first not in TableCache(folder).entries()  # the oldest went
    assert run("json") and run("csv") and run("email")


@pytest.mark.parametrize("read", ["check", "load"])
def test_a_version_read_before_it_was_keyed_is_not_cached_under_the_key_of_bytes_saved_since(tree_copy, tmp_path, read):
    """A workspace that read a version (``check()``, ``load()``) before anything took its cache key, then was
    asked for an answer after a rule file was saved, keyed the entry by the saved bytes and stored the version
    it had read before them: every later workspace, and ``sc-policy explain``, answered the edit with the rules
    it replaced (a version that is not frozen: its entry is trusted)."""
    clause = tree_copy / POLICY / VERSION / "clauses" / "phase-1-manufacturing.yaml"
    original = clause.read_text(encoding="utf-8")
    ws = Workspace(tree_copy, cache=TableCache(tmp_path / "cache"))
    ws.check([VERSION]) if read == "check" else ws.load(VERSION)  # read as NAICS 31-33 count ...
    clause.write_text(original.replace('{"31", "32", "33"}', '{"32", "33"}'), encoding="utf-8")  # ... then saved
    assert ws.explain("9461", "311", version=VERSION).verdict == "eligible"  # as it read it (documented)
    for _ in range(2):  # a new workspace sees the edit: from the files, then from what that wrote
        assert Workspace(tree_copy, cache=TableCache(tmp_path / "cache")).explain(
            "9461", "311", version=VERSION).verdict == "not_eligible"


def test_a_frozen_version_checked_and_then_changed_is_refused_by_the_next_workspace(shipped_copy, tmp_path):
    """The same path for a frozen version: the entry stored under the changed files' key held the version as
    frozen, whose hashes the manifest records, so the next workspace answered from it instead of refusing
    the changed version (its hash-mismatch)."""
    from sc_policy.diagnostics import PolicyInvalidError
    clause = shipped_copy / POLICY / VERSION / "clauses" / "phase-1-manufacturing.yaml"
    ws = Workspace(shipped_copy, cache=TableCache(tmp_path / "cache"))
    ws.check([VERSION])
    clause.write_text(clause.read_text(encoding="utf-8").replace('{"31", "32", "33"}', '{"32", "33"}'),
                      encoding="utf-8")
    assert ws.explain("9461", "311", version=VERSION).verdict == "eligible"  # as it read it, frozen
    for _ in range(2):
        with pytest.raises(PolicyInvalidError, match="hash-mismatch"):
            Workspace(shipped_copy, cache=TableCache(tmp_path / "cache")).explain("9461", "311", version=VERSION)


def test_a_tree_that_cannot_be_listed_when_first_asked_is_an_os_error_not_a_traceback(shipped_copy, tmp_path,
                                                                                      monkeypatch):
    """As ``explain`` documents (``os-error``, the tree): a tree removed after its workspace was made, or given
    as a relative path by a process that changed directory since, raised Python's FileNotFoundError."""
    import shutil
    from sc_policy.diagnostics import ScPolicyError
    monkeypatch.chdir(shipped_copy.parent)
    relative = Workspace(shipped_copy.name, cache=False)
    gone = Workspace(shipped_copy, cache=False)
    monkeypatch.chdir(tmp_path.parent)
    with pytest.raises(ScPolicyError) as moved:
        relative.explain("2174")
    shutil.rmtree(shipped_copy)
    with pytest.raises(ScPolicyError) as removed:
        gone.explain("2174")
    for error, path in ((moved.value, shipped_copy.name), (removed.value, str(shipped_copy))):
        assert error.code == "os-error" and error.span.path == path and "\n" not in str(error), str(error)



def test_a_tree_removed_after_it_was_listed_is_an_os_error_for_check_too(shipped_copy):
    """``check`` lists the tree again: a tree removed since raised Python's FileNotFoundError from it, where
    ``explain`` and ``refs`` say ``os-error``, as the API documents."""
    import shutil
    from sc_policy.diagnostics import ScPolicyError
    ws = Workspace(shipped_copy, cache=False)
    ws.refs()
    shutil.rmtree(shipped_copy)
    with pytest.raises(ScPolicyError) as removed:
        ws.check()
    assert removed.value.code == "os-error" and removed.value.span.path == str(shipped_copy), str(removed.value)


def test_check_takes_one_version_id_alone_as_that_version(ws):
    """``ws.check("phase-1.1")`` as a script writes it was read as the ids 'p', 'h', ...: unknown version 'p'."""
    assert ws.check(VERSION) == ws.check([VERSION])


def test_a_version_or_noc_version_of_another_type_is_refused_as_its_text_not_a_type_error(ws):
    """As ``on=`` is: ``version=["phase-1"]`` or ``noc_version=["2021"]`` raised "unhashable type: 'list'" from
    the workspace's memory of choices and codes; a version id given as a number is its text."""
    from sc_policy.diagnostics import InputError, UnknownVersionError
    with pytest.raises(UnknownVersionError, match=r"unknown version \"\['phase-1'\]\"") as unknown:
        ws.explain("2174", version=["phase-1"])
    assert unknown.value.code == "unknown-version"
    with pytest.raises(InputError, match=r"unknown NOC version \"\['2021'\]\" \(use 2016 or 2021\)"):
        ws.explain("21232", noc_version=["2021"])
    with pytest.raises(UnknownVersionError, match="unknown version '1'"):
        ws.explain("2174", version=1)
    assert ws.explain("21232", noc_version=2021) == ws.explain("21232", noc_version="2021")


def test_an_empty_tree_path_is_refused_not_taken_for_the_default_tree():
    """``Workspace("")`` (a caller's unset variable) opened ``$SC_POLICY_PATH`` or the shipped tree unseen."""
    from sc_policy.diagnostics import ScPolicyError
    with pytest.raises(ScPolicyError, match="an empty path names no policy tree") as refused:
        Workspace("")
    assert refused.value.code == "missing"
    assert Workspace().explain("2174").eligible and Workspace(None).explain("2174").eligible


def test_a_header_nested_too_deep_for_json_is_ignored(tmp_path):
    """A file at an entry's name whose first line opens a thousand lists (damage, or whoever can write the
    folder) stopped every command that uses the cache with a RecursionError traceback: json reads so deep a
    line by recursion. Its header reads as a malformed one, whether it is an entry of the version or not."""
    from sc_policy.app.cache import _safe
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)  # the user's alone, whatever the umask (else not used)
    label = _safe(f"{POLICY}/{VERSION}")
    for name in (f"{label}--{'d' * 64}.json", f"other--{'e' * 64}.json"):
        (folder / name).write_text("[" * 1020 + "\n{}", encoding="utf-8")
    clean = Workspace(cache=False).explain("2174")
    assert Workspace(cache=TableCache(folder)).explain("2174") == clean  # from the files, then stored
    assert Workspace(cache=TableCache(folder)).explain("2174") == clean  # and from what that wrote


def test_two_installs_of_the_same_code_sharing_a_cache_folder_stop_hashing_after_one_run_each(tmp_path, monkeypatch):
    """Two installs of the same code (a pipx install and a project's venv of the same release, two checkouts)
    share a version's entry, their files the same bytes under other ``os.stat`` signatures. Each run after the
    other's hashed the code again and wrote the whole entry again under its own signature (some 230 kB, synced),
    so alternating runs never stopped doing so. The header keeps the latest signatures (at most three)."""
    from sc_policy.app import codefiles
    store = tmp_path / "cache"
    hashed, written = [], []
    real_digest, real_restamp = codefiles.code_digest, TableCache._restamp
    monkeypatch.setattr(codefiles, "code_digest", lambda files=None: hashed.append(1) or real_digest(files))
    monkeypatch.setattr(TableCache, "_restamp", lambda self, *a: written.append(1) or real_restamp(self, *a))

    def run(install):  # the same files, seen through another install's stat signature
        monkeypatch.setattr(codefiles, "stat_signature", lambda files: (install * 64, 0))
        Workspace(cache=TableCache(store)).explain("2174")

    run("a"), run("b")  # each hashes once: a writes the entry, b finds it by hashing and adds its signature
    assert len(hashed) == 2 and len(written) == 1 and len(TableCache(store).entries()) == 1
    for install in "abcabcab":
        run(install)
    assert len(hashed) == 3 and len(written) == 2, "alternating installs hashed the code and rewrote the entry again"
    [entry] = TableCache(store).entries()
    assert json.loads(entry.read_bytes().partition(b"\n")[0])["code_stat"] == ["c" * 64, "b" * 64, "a" * 64]


def test_the_largest_header_an_entry_has_is_read_whole(tmp_path, monkeypatch):
    """An entry's header is read from its first 1 kB (``_header``: the code digest, its signatures, the
    manifests it vouches for). The most it holds, six vouched manifests, three signatures of the code and a
    Python named in 40 characters, must fit: a longer line reads as no header at all, and every run hashes."""
    from sc_policy.app import cache as cache_module, codefiles
    store = tmp_path / "cache"
    monkeypatch.setattr(codefiles, "python", lambda: "p" * 40)

    def run(install, *vouched):
        monkeypatch.setattr(codefiles, "stat_signature", lambda files: (install * 64, 0))
        cache = TableCache(store)
        for key in vouched:
            cache.vouch(key)
        Workspace(cache=cache).explain("2174")

    run("a", *(f"{n:x}" * 64 for n in range(cache_module._VOUCHED + 1)))
    for install in "bcd":
        run(install)
    [entry] = TableCache(store).entries()
    line = entry.read_bytes().partition(b"\n")[0]
    header = json.loads(line)
    assert len(header["vouched"]) == cache_module._VOUCHED and len(header["code_stat"]) == cache_module._SIGNATURES
    assert cache_module._header(entry) == header, f"a header of {len(line)} bytes is not read whole"


def test_a_link_or_pipe_at_an_entry_name_goes_and_keeps_no_other_environments_entry_out(tmp_path, monkeypatch):
    """A version keeps the newest entries of two other environments. A symbolic link or a pipe at an entry's
    name (never read: an entry is a regular file) counted as one of them, so the true entry of another
    environment went in its place, and the junk stayed."""
    import os
    import time
    from sc_policy.app import codefiles
    from sc_policy.app.cache import _safe
    folder = tmp_path / "cache"
    real = codefiles.LIBRARIES
    monkeypatch.setattr(codefiles, "LIBRARIES", real + ("json",))  # another environment writes its entry
    Workspace(cache=TableCache(folder)).explain("2174", version=VERSION)
    [other] = TableCache(folder).entries()
    hour_ago = time.time() - 3600
    os.utime(other, (hour_ago, hour_ago))
    label = _safe(f"{POLICY}/{VERSION}")
    (folder / f"{label}--{'b' * 64}.json").symlink_to("/dev/zero")
    os.mkfifo(folder / f"{label}--{'c' * 64}.json")
    monkeypatch.setattr(codefiles, "LIBRARIES", real)
    Workspace(cache=TableCache(folder)).explain("2174", version=VERSION)
    left = sorted(p.name for p in folder.iterdir())
    assert other.name in left and len(left) == 2, left


def test_threads_asking_a_fresh_workspace_at_once_open_and_tabulate_the_version_once(monkeypatch):
    """Eight threads asking a new workspace their first question at once each read, checked and compiled the
    version and built its decision table (eight builds, about 2.5 times the CPU of one, and eight entries
    written): the first opens it, the others wait for it."""
    import threading
    from sc_policy.app import workspace as workspace_module
    from sc_policy.engine import table
    built, opened = [], []
    real_check, real_build = workspace_module.Workspace._compile, table.build_table
    monkeypatch.setattr(workspace_module.Workspace, "_compile",
                        lambda self, loaded: opened.append(1) or real_check(self, loaded))
    monkeypatch.setattr(table, "build_table", lambda *a, **k: built.append(1) or real_build(*a, **k))
    ws = Workspace(cache=False)
    start, answers = threading.Barrier(8), []

    def ask():
        start.wait()
        answers.append(ws.explain("2174", "541514", version=VERSION).verdict)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["eligible"] * 8 and opened == [1] and built == [1]


def test_threads_compiling_a_version_opened_from_the_cache_at_once_compile_it_once(tmp_path, monkeypatch):
    """A version opened from the cache compiles on first use (``OpenVersion.compiled``; an answer for a sector
    range such as 31-33, which its table does not hold): threads asking at once each compiled it, although the
    evaluator's lock was said to cover compiling too."""
    import threading
    import time
    from sc_policy.engine import compile as compile_module
    Workspace(cache=TableCache(tmp_path)).explain("2174", version=VERSION)  # the entry
    opened = Workspace(cache=TableCache(tmp_path)).open(VERSION)
    assert opened.evaluator._compiled is None  # from the entry: not compiled
    compiled, real = [], compile_module.compile_version
    monkeypatch.setattr(compile_module, "compile_version",  # (slow, as rule-engine's first compile is: 0.3 s)
                        lambda version: compiled.append(1) or time.sleep(0.05) or real(version))
    start, got = threading.Barrier(6), []

    def ask():
        start.wait()
        got.append(opened.compiled)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 6 and all(c is got[0] for c in got) and compiled == [1]
