"""The HTTP limits uvicorn leaves open, for ``sc-policy serve``: a deadline for each request and a cap on its head.

uvicorn's ``timeout_keep_alive`` only runs *between* requests, from the end of a
response, and any byte received cancels it: a client that connects and sends
nothing, or sends a request's head a few bytes at a time, holds its connection
(and a worker's memory) for as long as it likes. uvicorn has no setting for
the time a request may take to arrive (its ``--timeout-request-start`` idea,
encode/uvicorn#157, was never built), and with httptools it has no cap on the
size of a request's head either (``h11_max_incomplete_event_size`` applies only
to the h11 protocol).

:class:`BoundedHttpToolsProtocol` is uvicorn's own httptools protocol with both:

* a **request deadline**: from the moment a connection opens, or the first byte
  of a later request on it, the whole request (head and body) must arrive within
  ``request_timeout`` seconds, however it trickles; otherwise the connection is
  closed. Idle time between requests stays uvicorn's keep-alive timeout.
* a **head cap**: a request line and headers over ``max_head_bytes`` get a
  ``431`` problem and the connection is closed, before more is buffered (counted
  both by the chunks received and by the URL and headers the parser reads, so a
  head that arrives whole in one chunk is caught too).

A malformed request gets uvicorn's 400 as an ``application/problem+json`` body
with ``nosniff``. The subclass leans on uvicorn's httptools protocol as it is
(its parser callbacks, ``cycle``, ``timeout_keep_alive_task``, ``loop`` and
``send_400_response``): tests/test_service.py drives each limit against a real
``sc-policy serve``, so an uvicorn release that moves them fails the tests.
"""

from __future__ import annotations

import asyncio
from typing import Optional

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from sc_policy.present.render import dumps
from sc_policy.http.models import MAX_HEAD_BYTES
from sc_policy.http.problems import NOSNIFF, Problem
from sc_policy.http.headers import HEADER as REQUEST_ID, new_id

__all__ = ["BoundedHttpToolsProtocol", "REQUEST_TIMEOUT", "KEEP_ALIVE_TIMEOUT", "MAX_HEAD_BYTES"]

REQUEST_TIMEOUT = 10
"""Seconds a request (head and body) may take to arrive, from the connection or its first byte."""
KEEP_ALIVE_TIMEOUT = 5
"""Seconds an idle kept-alive connection stays open after a response (uvicorn's own setting)."""

REASONS = {400: b"Bad Request", 431: b"Request Header Fields Too Large"}


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a per-request deadline and a cap on the request head."""

    def __init__(self, *args, request_timeout: float = REQUEST_TIMEOUT, max_head_bytes: int = MAX_HEAD_BYTES,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.request_timeout = request_timeout
        self.max_head_bytes = max_head_bytes
        self._deadline: Optional[asyncio.TimerHandle] = None
        self._head_bytes: Optional[int] = 0    # bytes of the open request head; None when no head is open
        self._head_parsed = 0                  # bytes of its URL and whole headers, as the parser hands them over
        self._head_too_large = False
        self._messages_begun = 0

    # -- the deadline ---------------------------------------------------------------------------------
    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.request_timeout, self._deadline_passed)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _deadline_passed(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def _answering(self) -> bool:
        """A request has fully arrived and its response is not finished (the application owns the time)."""
        return self.cycle is not None and not self.cycle.response_complete

    # -- asyncio.Protocol -------------------------------------------------------------------------------
    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        begun = self._messages_begun
        super().data_received(data)
        if self.transport.is_closing():
            return
        # Count a chunk against the head it continues (a chunk that starts a new head is not counted:
        # where in it the head starts is unknown, so the cap may let one chunk more through, never less).
        if self._head_bytes is not None and self._messages_begun == begun:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self._refuse(431, self._too_large())
                return
        # Bytes that begin no request (blank lines) still cancel uvicorn's keep-alive timer.
        if self.timeout_keep_alive_task is None and not self._answering():
            self._arm()

    # -- httptools parser callbacks ---------------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._messages_begun += 1
        self._head_bytes = 0
        self._head_parsed = 0
        self._arm()

    def _parsed(self, size: int) -> None:
        """Count ``size`` bytes of the head the parser has read; over the cap, stop it (the exception
        becomes httptools' HttpParserCallbackError, which uvicorn answers through send_400_response).
        This catches a head that arrives whole in one chunk, which the count of chunks lets through."""
        self._head_parsed += size
        if self._head_parsed > self.max_head_bytes:
            self._head_too_large = True
            raise ValueError("the request head is over the cap")

    def on_url(self, url: bytes) -> None:
        self._parsed(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._parsed(len(name) + len(value) + 4)  # with ": " and the line end
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_bytes = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    # -- answers the application never sees -------------------------------------------------------------
    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            self._refuse(431, self._too_large())
            return
        self._refuse(400, Problem(400, "bad-request", "request: not a valid HTTP/1.1 request", "request"))

    def _too_large(self) -> Problem:
        return Problem(431, "too-large", f"headers: the request line and headers are over {self.max_head_bytes} bytes",
                       "headers")

    def _refuse(self, status: int, problem: Problem) -> None:
        """Answer with a problem and close, unless a response is already under way (then only close)."""
        if not self._answering():
            body = dumps(problem.as_dict()).encode("utf-8")
            head = [b"HTTP/1.1 %d %s" % (status, REASONS[status]), b"content-type: application/problem+json",
                    b"content-length: %d" % len(body), b"connection: close"]
            head += [f"{name}: {value}".encode("latin-1") for name, value in NOSNIFF.items()]
            head.append(f"{REQUEST_ID}: {new_id()}".encode("ascii"))  # a new one: the client's was not read
            self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        self.transport.close()
