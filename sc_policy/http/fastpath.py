"""The hot path: ``GET /v1/decisions`` answered before FastAPI's routing, for a request that succeeds.

FastAPI's routing, its dependency solving and Starlette's request objects cost several times the
server time of a cached decision (profiled in-process for issue 17; ``benchmarks/bench_serve.py``). This
ASGI middleware reads such a request as the declared route does (the query checked as
:func:`~sc_policy.http.routes_api.check_query` checks it, then :class:`~sc_policy.http.models.DecisionQuery`
and :func:`~sc_policy.http.service.case_of`), asks the same :class:`~sc_policy.http.service.DecisionService`
and sends its bytes with the route's headers. Anything else, and any request it cannot answer
with a decision (a bad parameter, an unknown code...), goes on to the application unchanged, whose
route then answers it (a problem, as before): so the fast path changes no answer, only its cost.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from pydantic import ValidationError

from sc_policy.diagnostics import ScPolicyError
from sc_policy.http.caching import CACHE_CONTROL, if_none_match, matches
from sc_policy.http.models import MAX_PARAM_CHARS, DecisionQuery
from sc_policy.http.problems import Problem
from sc_policy.http.routes_api import DECISION_PARAMS, view_of
from sc_policy.http.service import case_of

__all__ = ["FastDecisions", "PATH"]

PATH = "/v1/decisions"
_TYPE = (b"content-type", b"application/json")
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_CACHE_CONTROL = (b"cache-control", CACHE_CONTROL.encode("ascii"))


class FastDecisions:
    """Answers a well-formed ``GET /v1/decisions`` that gets a decision; passes every other request on."""

    def __init__(self, app):
        self.app = app
        self.allowed = frozenset(DECISION_PARAMS)

    def _query(self, raw: bytes):
        """The query as a DecisionQuery, or None when the route would refuse it (it then says why)."""
        seen = {}
        for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):  # as Starlette reads it
            if key not in self.allowed or key in seen or len(value) > MAX_PARAM_CHARS:
                return None
            seen[key] = value
        try:
            return DecisionQuery.model_validate(seen)
        except ValidationError:
            return None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or \
                scope["path"] != scope.get("root_path", "") + PATH:     # uvicorn puts --root-path before the path
            await self.app(scope, receive, send)
            return
        query = self._query(scope.get("query_string", b""))
        tagged = None
        if query is not None:
            try:
                tagged = scope["app"].state.service.tagged_answer(case_of(query), *view_of(query))
            except (Problem, ScPolicyError):
                tagged = None
        if tagged is None:
            await self.app(scope, receive, send)
            return
        body, etag = tagged                 # the tag is made once with the cached bytes, not per request
        asked = if_none_match(scope)
        if asked and matches(asked, etag):  # as ConditionalGet answers every other GET
            await send({"type": "http.response.start", "status": 304,
                        "headers": [_NOSNIFF, (b"etag", etag), _CACHE_CONTROL]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(body)).encode("ascii")), _TYPE, _NOSNIFF,
                                (b"etag", etag), _CACHE_CONTROL]})
        await send({"type": "http.response.body", "body": body})
