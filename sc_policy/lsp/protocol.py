"""What the language server answers to messages it cannot act on, as the protocol says, never a traceback.

pygls, left to itself, logs a Python traceback on standard error (an editor's log of the server) and
shows "Error in server" for: a request or notification whose parameters do not fit the protocol (a
negative position, a missing field), a change or close of a document that was never opened, and a
hover or completion in a document that is not open and whose file cannot be read as text (deleted,
not UTF-8, a pipe, too large). Here:

* a request with parameters that do not fit gets the JSON-RPC error response ``InvalidParams``
  (-32602) with a one-line message; such a notification is ignored, said in one line in the client's
  log (``window/logMessage``), as the protocol lets a server ignore a notification it cannot handle;
* a message that is no JSON-RPC 2.0 request or notification (a method that is no string, an id that is
  neither a string nor an integer, a ``jsonrpc`` other than 2.0) gets the error ``InvalidRequest``
  (-32600), with its id when it has one, else the id null;
* a change or close of a document that is not open is ignored the same way;
* a document that is not open is read from the disk as a rule file is (:func:`disk_document`):
  one that cannot be is no document, and hover and completion answer null.

A request that fails by a defect of the server (an exception of a handler, pygls's or sc-policy's) is
answered by pygls with ``InternalError`` (-32603), the exception as the message and its Python traceback
as the ``data`` (``JsonRpcInternalError.of`` in ``pygls.protocol.json_rpc``; the hook
``report_server_error`` is called only after that answer is sent). Here the answer is
:data:`INTERNAL_FAILURE`, without ``data``, and the traceback goes to the server's log (standard error,
which an editor keeps as the server's log), as :func:`log_failure` writes it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Optional
from urllib.parse import unquote

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from sc_policy.diagnostics import PolicyLoadError
from sc_policy.load.yamlfile import MAX_FILE_BYTES, read_regular

__all__ = ["PolicyProtocol", "open_document", "disk_document", "Unfit", "ClientLog", "PARSE_ERROR", "INTERNAL_FAILURE",
           "log_failure"]


INVALID_PARAMS = -32602
"""JSON-RPC's error code for a request whose parameters do not fit its method."""
INVALID_REQUEST = -32600
"""JSON-RPC's error code for a message that is JSON but no request (answered with the id null)."""
PARSE_ERROR = -32700
"""JSON-RPC's error code for a message that is not JSON (answered with the id null)."""
INTERNAL_FAILURE = "sc-policy failed to answer: an internal error (its traceback is in the server's log)"
"""The message of the answer to a request whose handler failed unexpectedly (a defect: please report it)."""

log = logging.getLogger(__name__)


def log_failure(what: str, error: Any) -> bool:
    """Write the Python traceback pygls put in ``error`` (a ``JsonRpcInternalError`` or its ``ResponseError``:
    its ``data``) to the server's log, saying ``what`` failed; False when ``error`` holds no traceback."""
    data = getattr(error, "data", None)
    frames = data.get("traceback") if isinstance(data, dict) else None
    if not isinstance(frames, list):
        return False
    log.error("sc-policy: %s failed, a defect of the server (please report it):\nTraceback (most recent call "
              "last):\n%s%s", what, "".join(str(frame) for frame in frames), getattr(error, "message", ""))
    return True


class Unfit:
    """A message whose parameters did not fit its method: its id (None for a notification), method and why."""

    jsonrpc = "2.0"

    def __init__(self, msg_id: Any, method: str, reason: str, code: int = INVALID_PARAMS):
        self.id, self.method, self.reason, self.code = msg_id, method, reason, code


def _no_message(data: dict) -> Optional[str]:
    """Why ``data`` is no JSON-RPC 2.0 request or notification (pygls answered a method that is a number
    with a Python traceback, and a method or id that is a list, or a ``jsonrpc`` other than 2.0, not at all)."""
    if not isinstance(data["method"], str):
        return "its method is not a string"
    if data.get("jsonrpc") != "2.0":
        return 'its jsonrpc is not "2.0"'
    if "id" in data and (isinstance(data["id"], bool) or not isinstance(data["id"], (str, int, type(None)))):
        return "its id is not a string or an integer"
    return None


def _reason(exc: BaseException) -> str:
    """What cattrs found wrong first, in one line (its nested exceptions' tracebacks left out)."""
    while getattr(exc, "exceptions", None):
        exc = exc.exceptions[0]
    if isinstance(exc, KeyError):
        return f"{exc.args[0]!r} is missing" if exc.args else "a field is missing"
    if isinstance(exc, TypeError) and "NoneType" in str(exc):
        return "the parameters are missing"
    return (" ".join(str(exc).split()) or type(exc).__name__)[:200]


class PolicyProtocol(LanguageServerProtocol):
    """pygls's protocol, answering what does not fit the protocol as the module docstring says."""

    def structure_message(self, data: dict) -> Any:
        if "jsonrpc" not in data or "method" not in data or "error" in data or "result" in data:
            return super().structure_message(data)  # a response, or a dict inside a message
        request = "id" in data
        wrong = _no_message(data)
        if wrong is not None:  # answered with the id null when the id is no id
            return Unfit(None if wrong.endswith("integer") else data.get("id"), "", wrong, INVALID_REQUEST)
        kind = self.get_message_type(data["method"]) or (JsonRPCRequestMessage if request else JsonRPCNotification)
        try:
            return self._converter.structure(data, kind)
        except Exception as exc:  # cattrs' ClassValidationError, a KeyError, a ValueError of a validator
            return Unfit(data.get("id") if request else None, str(data["method"]), _reason(exc))

    def handle_message(self, message: Any) -> None:
        if not isinstance(message, Unfit) and not hasattr(message, "jsonrpc"):  # [], null, 3: no message at all
            self._send_response(None, None, types.ResponseError(INVALID_REQUEST, "not a JSON-RPC message"))
            return None
        if not isinstance(message, Unfit):
            return super().handle_message(message)
        if message.code == INVALID_REQUEST:  # answered even without an id, as JSON-RPC says (the id null)
            self._send_response(message.id, None, types.ResponseError(INVALID_REQUEST, "not a JSON-RPC 2.0 "
                                                                      f"request or notification: {message.reason}"))
            return None
        what = f"{message.method}: the parameters do not fit the protocol ({message.reason})"
        if message.id is not None:
            self._send_response(message.id, None, types.ResponseError(INVALID_PARAMS, what))
        else:
            self.tell(f"ignored the notification {what}")
        return None

    def _send_response(self, msg_id: Any, result: Any = None, error: Optional[types.ResponseError] = None) -> None:
        if error is not None and log_failure(f"the request {msg_id!r}", error):  # no traceback to the client
            error = types.ResponseError(error.code, INTERNAL_FAILURE)
        super()._send_response(msg_id, result, error)

    def tell(self, text: str) -> None:
        """One line in the client's log of the server (``window/logMessage``), as a warning."""
        self.notify(types.WINDOW_LOG_MESSAGE, types.LogMessageParams(types.MessageType.Warning, f"sc-policy: {text}"))

    def _open(self, uri: str) -> bool:
        return open_document(self.workspace, uri) is not None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        if not self._open(params.text_document.uri):
            self.tell(f"ignored a change of {params.text_document.uri}, which is not open")
            return None
        return (yield from super().lsp_text_document__did_change(params))

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        if not self._open(params.text_document.uri):
            self.tell(f"ignored the close of {params.text_document.uri}, which is not open")
            return None
        return (yield from super().lsp_text_document__did_close(params))


def open_document(workspace, uri: str) -> Optional[TextDocument]:
    """The document the editor opened at ``uri``, or None: pygls keeps them by their unquoted uri (its
    ``get_text_document`` reads a document that is not open from the disk)."""
    return workspace.text_documents.get(unquote(uri))


def disk_document(uri: str, position_codec=None) -> Optional[TextDocument]:
    """The rule file at ``uri`` as on the disk, for a document that is not open: a regular file under
    the limit for rule files, in UTF-8; None for anything else (missing, a folder or pipe, too large,
    unreadable, not UTF-8)."""
    path = to_fs_path(uri)
    if path is None:
        return None
    try:
        text = read_regular(Path(os.path.abspath(path)), MAX_FILE_BYTES).decode("utf-8")
    except (PolicyLoadError, UnicodeDecodeError, ValueError, OSError):  # ValueError: a NUL in the path
        return None
    return TextDocument(uri, text, position_codec=position_codec)


class ClientLog(logging.Handler):
    """pygls's own log (a message it could not read, a request for an unknown method) as one line in the
    client's log of the server (``window/logMessage``), without a traceback, instead of on standard error."""

    def __init__(self, protocol: LanguageServerProtocol):
        super().__init__(logging.WARNING)
        self.protocol, self._busy = protocol, False

    def emit(self, record: logging.LogRecord) -> None:
        if self._busy:  # sending failed and logged: not again
            return
        text = " ".join(record.getMessage().split("\n", 1)[0].split())
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            text += f": {type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
        kind = types.MessageType.Error if record.levelno >= logging.ERROR else types.MessageType.Warning
        self._busy = True
        try:
            self.protocol.notify(types.WINDOW_LOG_MESSAGE, types.LogMessageParams(kind, f"sc-policy (pygls): {text}"))
        except Exception:  # the client has gone: nothing to tell
            pass
        finally:
            self._busy = False
