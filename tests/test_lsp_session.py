"""`sc-policy lsp` started as an editor starts it (the CLI command): a session that ends as the protocol
says (shutdown, then exit) leaves with status 0 and nothing on standard error."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("pygls")


def message(obj: dict) -> bytes:
    body = json.dumps(obj).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def test_shutdown_then_exit_ends_the_command_cleanly():
    session = b"".join(message(m) for m in (
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": None, "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"}))
    done = subprocess.run([sys.executable, "-m", "sc_policy", "lsp"], input=session, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert done.stderr == b""
    replies = [json.loads(part.split(b"\r\n\r\n", 1)[1]) for part in done.stdout.split(b"Content-Length")[1:]]
    assert [r.get("id") for r in replies if "id" in r] == [1, 2]  # both requests answered
    assert "capabilities" in replies[0]["result"]


def test_odd_requests_get_the_protocols_answers_and_no_traceback(shipped_copy):
    """What an editor (or a broken client) may send: hover and completion in rule files that are not open and
    cannot be read (not UTF-8, deleted), a change and a close of a document never opened, a position that is
    no position, a message that is not JSON, or JSON but no message. Each gets what the protocol says (null,
    an error response, or nothing), said in the client's log at most, and standard error stays empty (pygls
    printed a Python traceback there for each, and showed "Error in server" to the user)."""
    from pathlib import Path
    folder = shipped_copy / "second-career-fast-track" / "phase-1.1"
    garbled = folder / "areas" / "life-sciences.yaml"
    garbled.write_bytes(garbled.read_bytes().replace(b"title:", b"title: \xff", 1))
    gone = folder / "clauses" / "occupation-listed.yaml"
    gone.unlink()
    ict = Path(folder / "areas" / "ict.yaml").as_uri()

    def at(path, line, character):
        return {"textDocument": {"uri": path.as_uri() if isinstance(path, Path) else path},
                "position": {"line": line, "character": character}}

    session = b"".join([message(m) for m in (
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": None, "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": at(garbled, 1, 8)},
        {"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": at(gone, 5, 12)},
        {"jsonrpc": "2.0", "id": 4, "method": "textDocument/hover", "params": at(ict, -1, 0)},
        {"jsonrpc": "2.0", "id": 5, "method": "textDocument/hover", "params": {"textDocument": {}}},
        {"jsonrpc": "2.0", "method": "textDocument/didChange",
         "params": {"textDocument": {"uri": ict, "version": 2}, "contentChanges": [{"text": "id: ict\n"}]}},
        {"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": ict}}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": ict}}},
    )] + [b"Content-Length: 9\r\n\r\n{not json", b"Content-Length: 2\r\n\r\n[]"] + [message(m) for m in (
        {"jsonrpc": "2.0", "id": 6, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"})])
    done = subprocess.run([sys.executable, "-m", "sc_policy", "lsp"], input=session, capture_output=True, timeout=120)
    assert (done.returncode, done.stderr.decode(errors="replace")) == (0, "")
    replies = [json.loads(part.split(b"\r\n\r\n", 1)[1]) for part in done.stdout.split(b"Content-Length")[1:]]
    answers = {r["id"]: r for r in replies if r.get("id") is not None}
    assert sorted(answers) == [1, 2, 3, 4, 5, 6]  # every request answered
    assert answers[2]["result"] is None and answers[3]["result"] is None  # nothing to show: no error
    for rid in (4, 5):
        assert answers[rid]["error"]["code"] == -32602 and "traceback" not in json.dumps(answers[rid]), answers[rid]
    assert "Position.line" in answers[4]["error"]["message"]
    unaddressed = [r["error"]["code"] for r in replies if "error" in r and r.get("id") is None]
    assert sorted(unaddressed) == [-32700, -32600]  # not JSON; JSON but no message
    shown = [r for r in replies if r.get("method") == "window/showMessage"]
    assert shown == []  # nothing put before the user: these are the client's slips, said in its log
    logged = " ".join(r["params"]["message"] for r in replies if r.get("method") == "window/logMessage")
    assert "ignored a change of" in logged and "ignored the close of" in logged and "'languageId' is missing" in logged


def test_a_message_that_is_no_request_gets_invalid_request_and_no_traceback():
    """A method that is no string, an id that is a list or an object, a ``jsonrpc`` other than 2.0, JSON
    nested too deep to read: pygls answered the first with its internal error and a Python traceback in the
    answer, the id as a list with a traceback on standard error, and the others not at all (a request left
    unanswered). Each gets JSON-RPC's Invalid Request (Parse error for the nesting), with the id when it is one."""
    from pygls.exceptions import JsonRpcException
    from sc_policy.lsp.server import make_server
    server = make_server()
    protocol = server.protocol
    sent = []
    protocol._send_response = lambda msg_id, result, error=None: sent.append((msg_id, error.code, error.message))
    bodies = [json.dumps(m) for m in (
        {"jsonrpc": "2.0", "id": 2, "method": 5, "params": {}},
        {"jsonrpc": "2.0", "id": [3], "method": "textDocument/hover", "params": {}},
        {"jsonrpc": "2.0", "id": {"a": 4}, "method": "shutdown"},
        {"jsonrpc": "1.0", "id": 5, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": ["initialized"]},
    )] + ['{"jsonrpc": "2.0", "id": 6, "method": "x", "params": ' + "[" * 50000 + "]" * 50000 + "}"]
    for body in bodies:  # as pygls's reading loop (pygls.io_.run) hands each message over
        try:
            protocol.handle_message(json.loads(body, object_hook=protocol.structure_message))
        except Exception as exc:
            server.report_server_error(exc, JsonRpcException)
    assert [(msg_id, code) for msg_id, code, _ in sent] == [
        (2, -32600), (None, -32600), (None, -32600), (5, -32600), (None, -32600), (None, -32700)]
    assert "its method is not a string" in sent[0][2] and "its id is not a string" in sent[1][2]
    assert 'jsonrpc is not "2.0"' in sent[3][2] and "nested too deeply" in sent[5][2]
    assert not any("Traceback" in text or "File " in text for _, _, text in sent)


def test_a_handler_that_fails_unexpectedly_answers_in_one_line_and_logs_its_traceback(monkeypatch, caplog):
    """A defect in a handler (here hover's, made to raise): pygls answered with the exception as the message
    and the Python traceback as the error's ``data``, which the editor shows or keeps. The answer is
    InternalError with a short message and no data; the traceback is in the server's log."""
    import sys
    from pathlib import Path
    from pygls.exceptions import FeatureNotificationError, JsonRpcInternalError
    from sc_policy.lsp import server as lsp_server
    from sc_policy.resources import shipped_policies

    def fail(*args, **kwargs):
        raise ZeroDivisionError("the defect's own words")
    monkeypatch.setattr(lsp_server, "hover_text", fail)
    server = lsp_server.make_server()
    protocol = server.protocol
    sent = []
    monkeypatch.setattr(protocol, "_send_data", lambda data: sent.append(protocol._converter.unstructure(data)))
    ict = Path(shipped_policies()) / "second-career-fast-track" / "phase-1.1" / "areas" / "ict.yaml"
    with caplog.at_level("ERROR", logger="sc_policy.lsp"):
        for body in ({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                      "params": {"processId": None, "rootUri": None, "capabilities": {}}},
                     {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover",
                      "params": {"textDocument": {"uri": ict.as_uri()}, "position": {"line": 10, "character": 10}}}):
            protocol.handle_message(json.loads(json.dumps(body), object_hook=protocol.structure_message))
    (answer,) = [m for m in sent if m.get("id") == 2]
    assert answer["error"] == {"code": -32603, "message": "sc-policy failed to answer: an internal error (its "
                                                          "traceback is in the server's log)"}
    assert "the defect's own words" not in json.dumps(sent) and "Traceback" not in json.dumps(sent)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("sc_policy.lsp"))
    assert "the request 2 failed" in logged and "Traceback (most recent call last):" in logged
    assert "in hover" in logged and "ZeroDivisionError: the defect's own words" in logged

    # a notification's handler that fails: its traceback is logged too, and the client's log has one line
    caplog.clear()
    sent.clear()
    try:
        fail()
    except ZeroDivisionError:
        error = JsonRpcInternalError.of(sys.exc_info())
    with caplog.at_level("ERROR", logger="sc_policy.lsp"):
        server.report_server_error(error, FeatureNotificationError)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("sc_policy.lsp"))
    assert "Traceback (most recent call last):" in logged and "in fail" in logged
    (line,) = [m["params"]["message"] for m in sent if m.get("method") == "window/logMessage"]
    assert line == "sc-policy: ZeroDivisionError: the defect's own words"
