"""A version read with unsaved texts in place of some of its files (the language server's overlay).

The texts are read instead of the files, nothing is written, and a workspace with an overlay is never
answered from (nor writes) a cache entry. Also: which files the language server treats as rule files,
and `sc-policy lsp` without pygls.
"""

from __future__ import annotations

import sys

import yaml
from click.testing import CliRunner

from sc_policy.app.cache import TableCache
from sc_policy.app.workspace import Workspace
from sc_policy.cli import main as cli
from sc_policy.load.tree import PolicyTree

from conftest import POLICY, VERSION, version_dir

ICT = f"{POLICY}/{VERSION}/areas/ict.yaml"


def _in_force(tree: PolicyTree):
    [ref] = [r for r in tree.refs() if r.id == VERSION]
    return ref


def test_an_overlaid_text_is_checked_in_place_of_the_file_which_is_left_as_it_is(shipped_copy):
    ict = version_dir(shipped_copy) / "areas" / "ict.yaml"
    before = ict.read_bytes()
    mistaken = before.decode("utf-8").replace("- code: '2282'", "- code: '2292'")
    overlaid = Workspace(shipped_copy, cache=False, overlay={ict: mistaken}).check([VERSION])
    line = next(n for n, text in enumerate(mistaken.splitlines(), 1) if "- code: '2292'" in text)
    assert [(f.code, f.span.line) for f in overlaid if f.code == "unknown-noc"] == [("unknown-noc", line)]
    assert any(f.code == "hash-mismatch" for f in overlaid)  # the frozen version's content is not what was frozen
    assert ict.read_bytes() == before
    plain = Workspace(shipped_copy, cache=False).check([VERSION])
    assert not any(f.severity == "error" for f in plain)


def test_a_file_of_a_frozen_version_edited_in_the_editor_is_itself_told_the_version_is_frozen(shipped_copy):
    # the hash-mismatch went to version.yaml alone (often not open): the file being edited by mistake said nothing
    from sc_policy.lsp.overlay import check_with, place_of
    from sc_policy.reference.statcan import reference_data
    ict = version_dir(shipped_copy) / "areas" / "ict.yaml"
    place = place_of(ict)
    mistaken = ict.read_text(encoding="utf-8").replace("- code: '5241'", "- code: '5242'")
    checked = check_with(place, {ict: mistaken}, reference_data())
    [told] = [f for f in checked.for_file(ICT) if f.code == "hash-mismatch"]
    assert (told.span.line, told.severity) == (1, "error") and "is immutable" in told.message
    assert [f.code for f in checked.for_file(f"{POLICY}/{VERSION}/version.yaml")].count("hash-mismatch") == 1
    assert not [f for f in check_with(place, {}, reference_data()).for_file(ICT) if f.code == "hash-mismatch"]


def test_with_each_files_hash_recorded_only_the_files_edited_are_told(tree_copy):
    from sc_policy.lsp.overlay import check_with, place_of
    from sc_policy.reference.statcan import reference_data
    assert CliRunner().invoke(cli, ["freeze", VERSION, "--policies", str(tree_copy)]).exit_code == 0  # file_sha256
    ict = version_dir(tree_copy) / "areas" / "ict.yaml"
    mistaken = ict.read_text(encoding="utf-8").replace("- code: '5241'", "- code: '5242'")
    checked = check_with(place_of(ict), {ict: mistaken}, reference_data())
    [told] = [f for f in checked.for_file(ICT) if f.code == "hash-mismatch"]
    assert "(changed since frozen: areas/ict.yaml)" in told.message and told.span.line == 1
    untouched = f"{POLICY}/{VERSION}/areas/life-sciences.yaml"  # open beside it, unchanged: not told
    assert not [f for f in checked.for_file(untouched) if f.code == "hash-mismatch"]
    assert [f.code for f in checked.for_file(f"{POLICY}/{VERSION}/version.yaml")].count("hash-mismatch") == 1


def test_an_overlaid_workspace_is_never_answered_from_a_cache_entry_nor_writes_one(tree_copy, tmp_path):
    cache = TableCache(tmp_path / "cache")
    warm = Workspace(tree_copy, cache=cache)
    assert warm.explain("2175").verdict == "eligible"  # builds the table: an entry for the files on the disk
    entries = sorted((p.name, p.read_bytes()) for p in cache.entries())
    assert entries
    manifest = version_dir(tree_copy) / "version.yaml"
    title = yaml.safe_load(manifest.read_text(encoding="utf-8"))["title"]
    edited = manifest.read_text(encoding="utf-8").replace(f"title: {title}\n", "title: Phase I as edited\n")
    overlaid = Workspace(tree_copy, cache=cache, overlay={manifest: edited})
    assert overlaid.cache is None
    assert overlaid.open(VERSION).version.manifest.title == "Phase I as edited"
    assert overlaid.explain("2175").verdict == "eligible"
    assert sorted((p.name, p.read_bytes()) for p in cache.entries()) == entries
    again = Workspace(tree_copy, cache=cache)  # the disk's version still opens from its entry
    assert again.open(VERSION).version.manifest.title == title


def test_an_overlaid_file_that_is_not_on_the_disk_is_read_as_a_rule_file(shipped_copy):
    new = version_dir(shipped_copy) / "areas" / "new-area.yaml"
    tree = PolicyTree(shipped_copy, {new: "id: new-area\ntitle: [unclosed\n"})
    loaded = tree.load(_in_force(tree))
    assert [(f.code, f.span.path, f.span.line) for f in loaded.findings if f.severity == "error"] == \
        [("yaml-syntax", f"{POLICY}/{VERSION}/areas/new-area.yaml", 3)]
    assert not new.exists()


def test_a_text_that_is_not_utf8_is_refused_like_a_file(shipped_copy):
    ict = version_dir(shipped_copy) / "areas" / "ict.yaml"
    tree = PolicyTree(shipped_copy, {ict: "id: ict\ntitle: \ud800\n"})
    errors = [f for f in tree.load(_in_force(tree)).findings if f.severity == "error"]
    assert [(f.code, f.span.path, f.span.line) for f in errors] == [("encoding", ICT, 2)]


def test_rule_files_and_others(shipped_copy):
    from sc_policy.lsp.overlay import place_of
    folder = version_dir(shipped_copy)
    for rel in ("version.yaml", "resolutions.yaml", "areas/ict.yaml", "clauses/noc-a-exception.yaml",
                "tests/industries.yaml"):
        place = place_of(folder / rel)
        assert (place.root, place.folder, place.rel, place.shown) == \
            (shipped_copy, folder, rel, f"{POLICY}/{VERSION}/{rel}")
    for other in (shipped_copy / POLICY / "source" / "second-career-fast-track.txt", folder / "notes.yaml",
                  folder / "areas" / "deep" / "x.yaml", shipped_copy / "version.yaml"):
        assert place_of(other) is None, other
    draft = shipped_copy / POLICY / "draft"  # a folder whose manifest is only open in the editor
    assert place_of(draft / "areas" / "ict.yaml") is None
    assert place_of(draft / "areas" / "ict.yaml", lambda p: p == draft / "version.yaml").folder == draft


def test_lsp_without_pygls_is_one_line_naming_the_extra(monkeypatch):
    for name in list(sys.modules):
        if name.split(".")[0] in ("pygls", "lsprotocol") or name == "sc_policy.lsp.server":
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pygls", None)  # what an environment without the extra has
    monkeypatch.setattr("sc_policy.cli.install.origin", lambda: None)  # installed from a package index
    result = CliRunner().invoke(cli, ["lsp"])
    assert result.exit_code == 2
    assert result.output == ('sc-policy: error: the language server needs pygls (pygls is not installed) '
                             "(pip install 'sc-policy[lsp]')\n")
