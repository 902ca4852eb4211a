"""`sc-policy lsp` end to end: a real LSP client (pytest-lsp) speaking to the real server process.

The server is started as ``python -m sc_policy.lsp`` (the ``sc-policy lsp`` command). Each test opens
rule files of a copy of the shipped tree by their file URIs, as an editor does, and reads what the
server publishes or answers.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from sc_policy.app.workspace import Workspace  # noqa: E402
from sc_policy.engine.facts import FACTS  # noqa: E402
from sc_policy.reference.statcan import reference_data  # noqa: E402

from conftest import POLICY, VERSION, version_dir  # noqa: E402

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "sc_policy.lsp"]),
                    scope="module", loop_scope="module")
async def client(lsp_client: LanguageClient):
    """One server for the module, as an editor keeps one: each test opens the files of its own copy of the tree."""
    await lsp_client.initialize_session(types.InitializeParams(capabilities=client_capabilities("visual-studio-code")))
    yield
    await lsp_client.shutdown_session()


async def until(condition, what: str, timeout: float = 60.0):
    """Wait for ``condition()`` to hold (the client records every notification as it arrives)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def open_file(client: LanguageClient, path: Path, text: str = None, version: int = 1) -> str:
    uri = from_fs_path(str(path))
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id="yaml", version=version,
        text=path.read_text(encoding="utf-8") if text is None else text)))
    return uri


def replace_all(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        [types.TextDocumentContentChangeWholeDocument(text=text)]))


def codes(client: LanguageClient, uri: str, severity=None):
    return {d.code for d in client.diagnostics.get(uri, []) if severity is None or d.severity == severity}


def position_of(text: str, needle: str, offset: int = 0) -> types.Position:
    """The 0-based position of ``needle`` in ``text`` (plus ``offset`` characters; the text is ASCII there)."""
    for number, line in enumerate(text.splitlines()):
        if needle in line:
            return types.Position(number, line.index(needle) + offset)
    raise AssertionError(f"{needle!r} not in the text")


async def test_findings_of_the_unsaved_buffer_are_published_and_cleared_on_fix(client, shipped_copy):
    ict = version_dir(shipped_copy) / "areas" / "ict.yaml"
    on_disk = ict.read_bytes()
    saved = on_disk.decode("utf-8")
    mistaken = saved.replace("- code: '2282'", "- code: '2292'")
    uri = open_file(client, ict, mistaken)
    manifest = from_fs_path(str(version_dir(shipped_copy) / "version.yaml"))
    await until(lambda: "unknown-noc" in codes(client, uri), "the unknown-noc error")

    wrong = next(d for d in client.diagnostics[uri] if d.code == "unknown-noc")
    line = position_of(mistaken, "- code: '2292'")
    assert wrong.severity == types.DiagnosticSeverity.Error
    assert wrong.range.start == types.Position(line.line, 2)  # the check's 1-based 56:3, 0-based
    assert wrong.range.end == types.Position(line.line, len("- code: '2292'"))
    assert "2292 is not a NOC 2016 unit group" in wrong.message and wrong.source == "sc-policy"
    # The same check as `sc-policy check` on a tree holding the mistaken text: same codes, same lines.
    expected = [f for f in Workspace(shipped_copy, overlay={ict: mistaken}).check()
                if f.span.path == f"{POLICY}/{VERSION}/areas/ict.yaml"]
    await until(lambda: "hash-mismatch" in codes(client, uri), "the hash-mismatch error on the edited file too")
    assert sorted((d.code, d.range.start.line + 1) for d in client.diagnostics[uri]) == \
        sorted([(f.code, f.span.line) for f in expected] + [("hash-mismatch", 1)])  # its version is frozen
    # A resolved finding is information, naming its resolution.
    resolved = next(d for d in client.diagnostics[uri] if d.code == "noc-a-limit")
    assert resolved.severity == types.DiagnosticSeverity.Information
    assert resolved.data["resolution"] == "ict-two-noc-a" and "[resolved by ict-two-noc-a:" in resolved.message
    (related,) = resolved.related_information
    resolutions = version_dir(shipped_copy) / "resolutions.yaml"
    assert related.location.uri == from_fs_path(str(resolutions))
    entry = resolutions.read_text(encoding="utf-8").splitlines()[related.location.range.start.line]
    assert entry.strip() == "- id: ict-two-noc-a"
    # The frozen version's content changed: its manifest (not open) is told so.
    await until(lambda: "hash-mismatch" in codes(client, manifest), "the hash-mismatch error on version.yaml")
    assert ict.read_bytes() == on_disk  # nothing was written

    replace_all(client, uri, saved, 2)  # fixed in the editor, not saved
    await until(lambda: uri in client.diagnostics and not codes(client, uri, types.DiagnosticSeverity.Error)
                and not codes(client, manifest), "the errors to be cleared")
    assert "noc-a-limit" in codes(client, uri)  # the resolved finding stays, as information
    assert ict.read_bytes() == on_disk


async def test_closing_an_unsaved_buffer_checks_the_file_on_the_disk_again(client, shipped_copy):
    ict = version_dir(shipped_copy) / "areas" / "ict.yaml"
    uri = open_file(client, ict, ict.read_text(encoding="utf-8").replace("level: B", "level: Q", 1))
    await until(lambda: codes(client, uri, types.DiagnosticSeverity.Error), "an error in the buffer")
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await until(lambda: not codes(client, uri, types.DiagnosticSeverity.Error), "the disk's file, without error")


async def test_a_tree_in_a_folder_with_a_space_gets_its_findings_under_the_uri_the_editor_opened(client, shipped_copy):
    """The file URI an editor sends is percent-encoded (``my%20policies``); the server published the open
    file's findings under the decoded one (``my policies``), which a client matching URIs as strings (and
    after a close, when the file's own URI was used) keeps as a second, stale list."""
    import shutil
    from urllib.parse import unquote
    spaced = shipped_copy.parent / "my policies"
    shutil.copytree(shipped_copy, spaced)
    ict = version_dir(spaced) / "areas" / "ict.yaml"
    uri = open_file(client, ict, ict.read_text(encoding="utf-8").replace("level: B", "level: Q", 1), version=3)
    assert "%20" in uri
    await until(lambda: codes(client, uri, types.DiagnosticSeverity.Error), "an error in the buffer", timeout=20)
    assert unquote(uri) not in client.diagnostics
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await until(lambda: not codes(client, uri, types.DiagnosticSeverity.Error), "the disk's file, without error")


async def test_other_files_are_left_alone(client, shipped_copy):
    notes = shipped_copy / POLICY / "notes.yaml"
    notes.write_text("occupations:\n- code: '2174'\n", encoding="utf-8")
    other = open_file(client, notes)
    assert await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(other), types.Position(1, 10))) is None
    ict = open_file(client, version_dir(shipped_copy) / "areas" / "ict.yaml")
    await until(lambda: ict in client.diagnostics, "the rule file's check")
    assert other not in client.diagnostics


async def test_a_yaml_slip_is_an_error_at_its_line(client, shipped_copy):
    clause = version_dir(shipped_copy) / "clauses" / "skill-level-limit.yaml"
    text = clause.read_text(encoding="utf-8").replace('condition: noc_level in ["A", "B", "C"]',
                                                      'condition: noc_levle in ["A", "B", "C"]')
    uri = open_file(client, clause, text)
    await until(lambda: uri in client.diagnostics and codes(client, uri, types.DiagnosticSeverity.Error),
                "an error on the clause")
    errors = [d for d in client.diagnostics[uri] if d.severity == types.DiagnosticSeverity.Error
              and d.code != "hash-mismatch"]  # (the shipped version is frozen: line 1 says so)
    assert any("noc_levle" in d.message for d in errors)
    assert {d.range.start.line for d in errors} == {position_of(text, "condition:").line}


async def test_a_misspelt_required_key_is_one_diagnostic_as_check_says_it(client, shipped_copy):
    clause = version_dir(shipped_copy) / "clauses" / "industry-in-area.yaml"
    text = clause.read_text(encoding="utf-8").replace("\ncondition:", "\nconditon:", 1)
    uri = open_file(client, clause, text)
    await until(lambda: "unknown-key" in codes(client, uri), "the unknown-key error")
    errors = [d for d in client.diagnostics[uri] if d.severity == types.DiagnosticSeverity.Error
              and d.code != "hash-mismatch"]  # (the shipped version is frozen: line 1 says so)
    (found,) = errors  # not also a missing-key for 'condition' on the same line
    (expected,) = [f.as_dict() for f in Workspace(shipped_copy, overlay={clause: text}).check()
                   if f.span.path.endswith("clauses/industry-in-area.yaml") and f.code != "hash-mismatch"]
    assert (found.code, found.message, found.range.start.line + 1) == (expected["check"], expected["message"],
                                                                       expected["line"])
    assert found.message == "unknown key 'conditon' and missing required key 'condition' (did you mean 'condition'?)"
    assert found.data["suggestion"] == {"kind": "did-you-mean", "values": ["condition"]}


async def test_hover_shows_the_official_titles_and_the_source_line(client, shipped_copy):
    folder = version_dir(shipped_copy)
    ict = folder / "areas" / "ict.yaml"
    text = ict.read_text(encoding="utf-8")
    uri = open_file(client, ict)
    await until(lambda: uri in client.diagnostics, "the first check")
    refdata = reference_data()

    async def hover(at: types.Position) -> str:
        answer = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), at))
        assert answer is not None, f"no hover at {at}"
        return answer.contents.value.replace("\\", "")

    noc = await hover(position_of(text, "- code: '2174'", len("- code: '21")))
    assert refdata.noc_title("2174") in noc and "skill level A" in noc
    listing = [a.id for a in Workspace(shipped_copy).load(VERSION).version.areas if "2174" in a.listed]
    assert listing == ["ict", "life-sciences", "manufacturing"]
    assert all(f"{area} (as" in noc for area in listing)
    assert "code assigned by resolution programmers-without-code" in noc

    naics = await hover(position_of(text, "- code: '4173'", len("- code: '4")))  # four digits, but an industry
    assert refdata.naics_title("4173") in naics and "NAICS Canada 2017" in naics and "NOC" not in naics.split("NAICS")[0]

    cited = await hover(position_of(text, "{line: 17,", len("{line: 1")))
    source = (shipped_copy / POLICY / "source" / "second-career-fast-track.txt").read_text(encoding="utf-8")
    assert source.split("\n")[16] in cited and "line 17" in cited

    tests = folder / "tests" / "industries.yaml"
    tests_text = tests.read_text(encoding="utf-8")
    tests_uri = open_file(client, tests)
    answer = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(tests_uri), position_of(tests_text, "industry: '541514'", len("industry: '54"))))
    assert refdata.naics_title("541514") in answer.contents.value.replace("\\", "")

    nothing = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), position_of(text, "title: Information", 3)))
    assert nothing is None


async def test_a_position_past_the_last_line_has_no_hover_and_no_error(client, shipped_copy):
    # the empty line after a file's final newline is where an editor's cursor (or mouse) can be
    clause = version_dir(shipped_copy) / "clauses" / "skill-level-limit.yaml"
    text = clause.read_text(encoding="utf-8")
    assert text.endswith("\n")
    uri = open_file(client, clause)
    for at in (types.Position(len(text.splitlines()), 0), types.Position(len(text.splitlines()) + 5, 3)):
        assert await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), at)) is None
        answer = await client.text_document_completion_async(
            types.CompletionParams(types.TextDocumentIdentifier(uri), at))
        assert not (answer.items if isinstance(answer, types.CompletionList) else answer)


async def test_completion_offers_facts_in_expressions_and_area_ids_in_applies_to(client, shipped_copy):
    clause = version_dir(shipped_copy) / "clauses" / "noc-a-exception.yaml"
    text = clause.read_text(encoding="utf-8")
    uri = open_file(client, clause)
    await until(lambda: uri in client.diagnostics, "the first check")

    async def labels(at: types.Position):
        answer = await client.text_document_completion_async(types.CompletionParams(types.TextDocumentIdentifier(uri), at))
        items = answer.items if isinstance(answer, types.CompletionList) else (answer or [])
        return {item.label for item in items}

    condition = position_of(text, "condition: noc in area_noc_a", len("condition: noc in area"))
    assert await labels(condition) == set(FACTS)
    when = position_of(text, 'when: noc_level == "A"', len("when: noc_"))
    assert await labels(when) == set(FACTS)
    template = position_of(text, "  fail: ", len("  fail: \"{no"))
    assert await labels(template) == set(FACTS)
    applies = position_of(text, "applies_to: [ict, ", len("applies_to: [ict, "))
    areas = {a.id for a in Workspace(shipped_copy).load(VERSION).version.areas}
    assert await labels(applies) == areas == {"ict", "life-sciences", "manufacturing"}
    assert await labels(position_of(text, "title: A NOC A", len("title: A"))) == set()


async def test_go_to_definition_of_the_ids_rule_files_name(client, shipped_copy):
    """An interpretation a clause rests on, an area it applies to, a clause a test case expects, the area of
    a resolution's key: each goes to its entry, where the editor's unsaved text has it."""
    folder = version_dir(shipped_copy)
    clause = folder / "clauses" / "occupation-listed.yaml"
    text = clause.read_text(encoding="utf-8")
    resolutions = folder / "resolutions.yaml"
    unsaved = resolutions.read_text(encoding="utf-8").replace("interpretations:\n", "interpretations:\n# moved\n\n")
    resolutions_uri = open_file(client, resolutions, unsaved)  # not saved: the entry is two lines further down
    uri = open_file(client, clause)
    await until(lambda: uri in client.diagnostics and resolutions_uri in client.diagnostics, "the first check")

    async def definition(where: str, at: types.Position):
        answer = await client.text_document_definition_async(types.DefinitionParams(
            types.TextDocumentIdentifier(where), at))
        assert isinstance(answer, types.Location), answer
        return answer

    rests = position_of(text, "life-sciences-note-adds-none,", 3)
    found = await definition(uri, rests)
    line = unsaved.splitlines()[found.range.start.line]
    assert found.uri == resolutions_uri and line.strip() == "- id: life-sciences-note-adds-none"
    assert found.range.start.character == line.index("id:")
    found = await definition(uri, position_of(text, "applies_to: [ict", len("applies_to: [i")))
    assert found.uri == from_fs_path(str(folder / "areas" / "ict.yaml")) and found.range.start.line == 0
    key = position_of(unsaved, "noc-a-limit:ict", len("noc-a-limit:i"))
    assert (await definition(resolutions_uri, key)).uri == found.uri
    cases = folder / "tests" / "contradictions.yaml"
    cases_text = cases.read_text(encoding="utf-8")
    cases_uri = open_file(client, cases)
    found = await definition(cases_uri, position_of(cases_text, "ict: {noc-a-exception", len("ict: {noc")))
    target = folder / "clauses" / "noc-a-exception.yaml"
    assert found.uri == from_fs_path(str(target))
    assert target.read_text(encoding="utf-8").splitlines()[found.range.start.line] == "id: noc-a-exception"
    assert await client.text_document_definition_async(types.DefinitionParams(
        types.TextDocumentIdentifier(uri), position_of(text, "title: The occupation", 3))) is None
    manifest = folder / "version.yaml"  # its supersedes: the manifest of the version it supersedes, at its id
    manifest_text = manifest.read_text(encoding="utf-8")
    found = await definition(open_file(client, manifest), position_of(manifest_text, "supersedes: phase-1", 14))
    earlier = folder.parent / "phase-1.1" / "version.yaml"  # (the version in force supersedes phase-1.1)
    assert found.uri == from_fs_path(str(earlier))
    assert earlier.read_text(encoding="utf-8").splitlines()[found.range.start.line] == "id: phase-1.1"


async def test_hover_on_an_interpretation_shows_its_reading_and_on_an_area_its_title(client, shipped_copy):
    """A clause's ``rests_on`` named an interpretation, and a resolution's key an area, without a word of
    what they say."""
    folder = version_dir(shipped_copy)
    clause = folder / "clauses" / "occupation-listed.yaml"
    text = clause.read_text(encoding="utf-8")
    resolutions = folder / "resolutions.yaml"
    resolutions_text = resolutions.read_text(encoding="utf-8")
    uri, resolutions_uri = open_file(client, clause), open_file(client, resolutions)
    await until(lambda: uri in client.diagnostics and resolutions_uri in client.diagnostics, "the first check")
    rests = position_of(text, "life-sciences-note-adds-none,", 3)
    key = position_of(resolutions_text, "noc-a-limit:ict", len("noc-a-limit:i"))
    answer = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), rests))
    shown = answer.contents.value.replace("\\", "")
    assert "interpretation `life-sciences-note-adds-none`" in shown and "does it add occupations to a list?" in shown
    assert "reading: The note names no occupation" in shown and "line 82: Note: A number of occupations" in shown
    answer = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(resolutions_uri), key))
    assert answer.contents.value.replace("\\", "") == "**area `ict`** Information and Communications Technology"
