"""The headers every answer carries: ``X-Content-Type-Options: nosniff``, and ``X-Request-ID``, the client's own
when it sends one fit to log, else a new one.

A case-management system that sends ``X-Request-ID`` (as a gateway or load balancer often adds one) gets
it back on the answer, so that a failure it records can be matched with the service's log, which names
the id of a request that failed (:func:`request_id`). An id is taken as sent when it is 1 to
:data:`MAX_ID_CHARS` characters of :data:`ID_PATTERN` (letters, digits and ``-._~:/+=@``: never a space, a
control character or a byte to escape in a log line); any other, or none, is replaced by 32 random hex
digits. The id is a header only: the body of an answer stays the same for the same question.
"""

from __future__ import annotations

import re
import secrets
from typing import Mapping

__all__ = ["AnswerHeadersMiddleware", "request_id", "new_id", "HEADER", "MAX_ID_CHARS", "ID_PATTERN"]

HEADER = "X-Request-ID"
MAX_ID_CHARS = 128
ID_PATTERN = r"[A-Za-z0-9._~:/+=@-]{1,%d}" % MAX_ID_CHARS
"""What an id sent is taken as (a regular expression, as OpenAPI's ``pattern`` says it)."""
_ID = re.compile(ID_PATTERN.encode("ascii"))
_NAME = HEADER.lower().encode("ascii")
_KEY = "sc_policy.request_id"  # where the id is kept in the request's ASGI scope
_NOSNIFF_NAME = b"x-content-type-options"


def new_id() -> str:
    """A new request id: 32 random hex digits."""
    return secrets.token_hex(16)


def request_id(scope: Mapping) -> str:
    """The id :class:`RequestIdMiddleware` gave the request of ``scope`` ('' outside it). An answer made
    outside the middleware (Starlette's server-error handler) names it itself."""
    return scope.get(_KEY, "")


class AnswerHeadersMiddleware:
    """Gives each HTTP request its id (see the module), and adds it to the answer's headers with ``nosniff``
    (unless the answer already says nosniff)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = [value for name, value in scope.get("headers", ()) if name == _NAME]
        given = sent[0] if len(sent) == 1 and _ID.fullmatch(sent[0]) else None
        rid = given.decode("ascii") if given is not None else new_id()
        scope[_KEY] = rid  # in place: the server-error handler, outside every middleware, reads the same scope
        header = (_NAME, rid.encode("ascii"))

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(name.lower() == _NOSNIFF_NAME for name, _ in headers):
                    headers.append((_NOSNIFF_NAME, b"nosniff"))
                headers.append(header)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
