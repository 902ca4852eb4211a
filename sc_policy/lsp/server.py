"""The language server's wiring: which LSP message does what (pygls over stdio).

On open, change, save and close of a rule file, the file's version is checked again with every open
file of its policy tree read from the editor's text (:func:`sc_policy.lsp.overlay.check_with`), and the
findings are published for every file of the version they are about (and cleared from a file they no
longer are about). A change waits :data:`SETTLE` seconds for the next keystroke before it is checked;
checks run one at a time, off the loop that answers hovers and completions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Dict, Optional, Set, Tuple

from lsprotocol import types
from pygls.exceptions import FeatureRequestError
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from sc_policy.diagnostics import Span
from sc_policy.load.tree import rule_file_kind
from sc_policy.lsp.completion import TRIGGERS, completions
from sc_policy.lsp.diagnostics import to_lsp
from sc_policy.lsp.hover import hover_text
from sc_policy.lsp.overlay import Checked, Place, check_with, place_of, texts_under
from sc_policy.lsp.protocol import PARSE_ERROR, ClientLog, PolicyProtocol, disk_document, log_failure, open_document
from sc_policy.lsp.references import definition_of, reference_at
from sc_policy.reference.statcan import ReferenceData, reference_data
from sc_policy.resources import own_version

__all__ = ["PolicyServer", "make_server", "run", "SETTLE"]

SETTLE = 0.1
"""Seconds a change waits for the next one before the version is checked (typing is checked once)."""

log = logging.getLogger(__name__)


class PolicyServer(LanguageServer):
    """The server's state: the last check of each version folder, and what was published for it."""

    def __init__(self, refdata: Optional[ReferenceData] = None):
        super().__init__("sc-policy", own_version(), text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=PolicyProtocol)
        self.refdata = refdata or reference_data()
        self.checked: Dict[Path, Checked] = {}
        self._published: Dict[Path, Set[str]] = {}  # version folder -> uris given its findings
        self._turn: Dict[Path, int] = {}  # version folder -> the number of the latest check asked for
        self._one_at_a_time: Optional[asyncio.Lock] = None

    # -- the documents ------------------------------------------------------------------------
    def open_texts(self) -> Dict[Path, str]:
        """Every open document with a file path: path -> the editor's text."""
        out = {}
        for document in list(self.workspace.text_documents.values()):
            path = to_fs_path(document.uri)  # as the editor sent it (pygls keys it decoded: decoding twice misreads '%')
            if path is not None:
                out[Path(os.path.abspath(path))] = document.source
        return out

    def place(self, uri: str) -> Optional[Place]:
        path = to_fs_path(uri)
        if path is None:
            return None
        opened = set(self.open_texts())
        return place_of(path, lambda p: Path(os.path.abspath(p)) in opened)

    def _lines(self, path: Path, uri: Optional[str]) -> Tuple[list, Optional[int]]:
        """(the lines of a file as the editor has it, else as on the disk; its document version or None)."""
        if uri is not None:
            document = open_document(self.workspace, uri)
            if document is not None:
                return list(document.lines), document.version
        try:
            return path.read_text(encoding="utf-8", errors="replace").splitlines(True), None
        except OSError:
            return [], None

    # -- checking -------------------------------------------------------------------------------
    async def recheck(self, uri: str, settle: float = 0.0) -> None:
        """Check the version of the rule file at ``uri`` (after ``settle`` seconds without another change)
        and publish its findings; a newer request for the same version supersedes this one."""
        place = self.place(uri)
        if place is None:
            return
        turn = self._turn[place.folder] = self._turn.get(place.folder, 0) + 1
        if settle:
            await asyncio.sleep(settle)
        if self._one_at_a_time is None:
            self._one_at_a_time = asyncio.Lock()
        async with self._one_at_a_time:
            if self._turn.get(place.folder) != turn:
                return  # changed again meanwhile: the later request checks it
            texts = texts_under(place.root, self.open_texts())
            try:
                checked = await asyncio.get_running_loop().run_in_executor(
                    None, check_with, place, texts, self.refdata)
            except Exception as exc:  # a fault of sc-policy's own: said in the log, the server stays up
                log.exception("checking %s failed", place.version_id)
                self.window_log_message(types.LogMessageParams(
                    types.MessageType.Error, f"sc-policy: checking {place.version_id} failed: {exc!r}"))
                return
        self.checked[place.folder] = checked
        self.publish(checked)

    def publish(self, checked: Checked) -> None:
        """Publish the findings of a check for every file of its version they are about, every open file
        of the version, and (cleared) every file given findings before that has none now."""
        place = checked.place
        uris = {}
        for path in texts_under(place.folder, self.open_texts()):
            if rule_file_kind(path.relative_to(place.folder).as_posix()):  # cleared when it has no finding
                uris[path] = self._uri_of(path)
        for shown in checked.files():
            path = Path(os.path.abspath(place.root / shown))
            uris.setdefault(path, self._uri_of(path))
        for uri in self._published.get(place.folder, ()):
            path = to_fs_path(uri)
            if path is not None:
                uris.setdefault(Path(os.path.abspath(path)), uri)
        units = self.workspace.position_codec.client_num_units
        resolutions = {r.id: r.span for r in checked.version.resolutions} if checked.version is not None else {}

        def resolution(rid: str) -> Optional[types.Location]:
            span = resolutions.get(rid)
            return self.location(place, span) if span is not None else None

        published = set()
        for path, uri in sorted(uris.items()):
            try:
                shown = f"{place.version_id}/{path.relative_to(place.folder).as_posix()}"
            except ValueError:
                continue
            findings = checked.for_file(shown)
            lines, version = self._lines(path, uri)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, diagnostics=to_lsp(findings, lines, units, resolution), version=version))
            if findings:
                published.add(uri)
        self._published[place.folder] = published

    def location(self, place: Place, span: Span, column: bool = False) -> Optional[types.Location]:
        """Where a span of the model is, as a location in the editor (at the start of its line, or with
        ``column`` at its column, counted in the client's units in the file as the editor has it)."""
        if not span.path:
            return None
        path = Path(os.path.abspath(place.root / span.path))
        uri = self._uri_of(path)
        line, character = max(span.line - 1, 0), 0
        if column and span.column > 1:
            lines = self._lines(path, uri)[0]
            if line < len(lines):
                character = self.workspace.position_codec.client_num_units(lines[line][:span.column - 1])
        return types.Location(uri, types.Range(types.Position(line, character), types.Position(line, character)))

    def _uri_of(self, path: Path) -> str:
        """The uri the editor opened ``path`` under (as it sent it: pygls keys documents by the decoded uri), else
        the file's own."""
        for document in list(self.workspace.text_documents.values()):
            there = to_fs_path(document.uri)
            if there is not None and Path(os.path.abspath(there)) == path:
                return document.uri
        return from_fs_path(str(path))

    def checked_for(self, place: Place) -> Optional[Checked]:
        return self.checked.get(place.folder)

    def report_server_error(self, error: Exception, source) -> None:
        """A message that is not JSON is answered as JSON-RPC says (the error ``Parse error``, the id null);
        any other error outside a request is said in the client's log, not shown to the user."""
        if isinstance(error, json.JSONDecodeError):  # pygls reads messages with the json module
            self.protocol._send_response(None, None, types.ResponseError(PARSE_ERROR, f"not JSON: {error}"))
        elif isinstance(error, RecursionError):  # JSON nested deeper than Python's decoder reads
            self.protocol._send_response(None, None, types.ResponseError(PARSE_ERROR, "not JSON that can be read: "
                                                                         "nested too deeply"))
        elif source is not FeatureRequestError:  # a request's failure was logged as it was answered
            log_failure("a notification's handler", error)
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, f"sc-policy: {error}"))


def _document(server: PolicyServer, uri: str):
    """(the document, its place) or None for a file that is not a rule file, or that is not open and
    cannot be read from the disk as a rule file is (deleted, not UTF-8, a pipe: pygls would raise)."""
    place = server.place(uri)
    if place is None:
        return None
    document = open_document(server.workspace, uri)
    if document is None:
        document = disk_document(uri, server.workspace.position_codec)
    return None if document is None else (document, place)


def _cursor(server: PolicyServer, uri: str, position: types.Position):
    """(the document, its place, the cursor's position in its text) for a hover or a definition, or None
    (no rule file; past the last line, the empty line after a final newline, which pygls moves to the last)."""
    found = _document(server, uri)
    if found is None or position.line >= len(found[0].lines):
        return None
    return found + (found[0].position_from_client_units(position),)


def make_server(refdata: Optional[ReferenceData] = None) -> PolicyServer:
    """A language server with every feature registered (not started)."""
    server = PolicyServer(refdata)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: PolicyServer, params: types.DidOpenTextDocumentParams):
        await ls.recheck(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: PolicyServer, params: types.DidChangeTextDocumentParams):
        await ls.recheck(params.text_document.uri, SETTLE)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: PolicyServer, params: types.DidSaveTextDocumentParams):
        await ls.recheck(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: PolicyServer, params: types.DidCloseTextDocumentParams):
        await ls.recheck(params.text_document.uri)  # the file is read from the disk again

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: PolicyServer, params: types.HoverParams) -> Optional[types.Hover]:
        found = _cursor(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        document, place, at = found
        lines = document.lines
        shown = hover_text(lines, at.line, at.character, place, ls.checked_for(place), ls.refdata)
        if shown is None:
            return None
        text, start, end = shown
        units = ls.workspace.position_codec.client_num_units
        line = lines[at.line]
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
            range=types.Range(types.Position(at.line, units(line[:start])), types.Position(at.line, units(line[:end]))))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: PolicyServer, params: types.DefinitionParams) -> Optional[types.Location]:
        found = _cursor(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        document, place, at = found
        reference = reference_at(document.lines, at.line, at.character, place)
        if reference is None:
            return None
        checked = ls.checked_for(place)
        span = definition_of(reference, place, checked.version if checked is not None else None)
        return ls.location(place, span, column=True) if span is not None else None

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGERS))
    def complete(ls: PolicyServer, params: types.CompletionParams) -> Optional[types.CompletionList]:
        found = _document(ls, params.text_document.uri)
        if found is None:
            return None
        document, place = found
        at = document.position_from_client_units(params.position)
        return completions(document.lines, at.line, at.character, place, ls.checked_for(place))

    return server


def run() -> None:
    """Serve the Language Server Protocol on standard input and output until the client says exit.

    pygls's log goes to the client's log of the server, one line each (:class:`ClientLog`), not to
    standard error as tracebacks."""
    server = make_server()
    pygls_log = logging.getLogger("pygls")
    pygls_log.addHandler(ClientLog(server.protocol))
    pygls_log.propagate = False
    server.start_io()
