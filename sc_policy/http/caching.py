"""Validators: an ``ETag`` on every ``200`` to a ``GET`` or ``HEAD``, and a ``304`` to a client that has it.

An answer is the same bytes for the same request under the same tree (decisions are deterministic),
but which version a request without ``version`` names changes at midnight, and a restarted service
may serve another tree: so every answer says ``Cache-Control: no-cache`` (a cache may keep it and
must ask again before using it) and carries a strong ``ETag``, the first 128 bits of the SHA-256 of its body. A request
whose ``If-None-Match`` names that tag (RFC 9110, section 13.1.2) gets ``304 Not Modified`` with the
same head and no body; any other request, and any answer that is not a ``200``, passes unchanged.
"""

from __future__ import annotations

import hashlib

__all__ = ["ConditionalGet", "CACHE_CONTROL", "etag_of", "if_none_match", "matches"]

CACHE_CONTROL = "no-cache"
_DROPPED_ON_304 = (b"content-length", b"content-type")


def etag_of(body: bytes) -> bytes:
    """The strong entity tag of a body: its SHA-256 (the first 32 hex digits), quoted."""
    return b'"' + hashlib.sha256(body).hexdigest()[:32].encode("ascii") + b'"'


def if_none_match(scope) -> bytes:
    """The request's If-None-Match header(s), joined; ``b''`` when it sends none."""
    return b",".join(value for name, value in scope.get("headers", ()) if name.lower() == b"if-none-match")


def matches(if_none_match: bytes, etag: bytes) -> bool:
    """Whether an If-None-Match header names the tag (weak comparison, as the RFC asks for it), or is ``*``."""
    tags = [tag.strip() for tag in if_none_match.split(b",")]
    return any(tag == b"*" or tag.removeprefix(b"W/") == etag for tag in tags)


class ConditionalGet:
    """Adds ``ETag`` and ``Cache-Control`` to a ``200`` answering ``GET``/``HEAD``; answers ``304`` when it may."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        asked = if_none_match(scope)
        held = {}
        chunks = []

        async def send_with_validator(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                held["start"] = message                     # sent when the whole body is known
                return
            if "start" not in held or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            start = held.pop("start")
            etag = etag_of(body)
            headers = [(name, value) for name, value in start.get("headers", [])
                       if name.lower() not in (b"etag", b"cache-control")]
            headers += [(b"etag", etag), (b"cache-control", CACHE_CONTROL.encode("ascii"))]
            if asked and matches(asked, etag):
                await send({**start, "status": 304,
                            "headers": [(n, v) for n, v in headers if n.lower() not in _DROPPED_ON_304]})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_with_validator)
