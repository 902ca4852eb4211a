"""The JSON API: /v1/decisions, /v1/versions, /v1/diff, /healthz and /openapi.json.

Each route is declared with its parameters and its response models (:mod:`sc_policy.http.models`),
from which FastAPI builds the OpenAPI document. A route answers with finished JSON text, not a
re-serialised model: a decision compact by default (``pretty=1``: byte for byte what the CLI
prints), the other routes as the CLI prints them (the diff and the occupations compact with ``pretty=0``). Every route first refuses a query parameter
it does not take, one given twice and a value over ``MAX_PARAM_CHARS`` (:func:`check_query`); a
batch's body is read within ``MAX_BODY_BYTES`` by :func:`read_bounded`. GET /v1/decisions reads its
parameters with :class:`DecisionQuery` itself (:func:`decision_query`, documented by
:func:`query_parameters` from the same model): FastAPI's own reading of a parameter model cost more
than the rest of a cached answer.
"""

import json
import re
from urllib.parse import parse_qsl
from typing import Annotated, Any, Callable, Dict, List, Literal, Sequence, Tuple, Type, Union

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from sc_policy.http.models import (MAX_BATCH, MAX_BODY_BYTES, MAX_PARAM_CHARS, BatchAnswers, DecisionJson,
                                   DecisionBrief, DecisionQuery, DiffResult, Health, OccupationList, OccupationsInput,
                                   PRETTY_BY_DEFAULT, ProblemDetails, VersionInfo, ViewInput, batch_body_schema)
from sc_policy.http.occupations import occupations_answer
from sc_policy.http.problems import Problem, from_validation, required, shown
from sc_policy.http.service import DecisionService, case_of, json_object

__all__ = ["api_router", "check_query", "strict_query", "decision_query", "query_parameters", "read_bounded",
           "parse_json", "DECISION_PARAMS", "DIFF_PARAMS", "OCCUPATIONS_PARAMS"]

DECISION_PARAMS = tuple(DecisionQuery.model_fields)
VIEW_PARAMS = tuple(ViewInput.model_fields)
OCCUPATIONS_PARAMS = tuple(OccupationsInput.model_fields)
DIFF_PARAMS = ("old", "new", "pretty")


def check_query(request: Request, allowed: Sequence[str] = (),
                none_taken: str = "this address takes no parameters") -> None:
    """Refuse (400) a query parameter not in ``allowed``, one given twice, a value too long, a name or value
    that is not UTF-8.

    Nothing is ignored or guessed: a misspelt parameter would otherwise change the answer silently.
    """
    seen = set()
    for key, value in request.query_params.multi_items():
        if "\ufffd" in key or "\ufffd" in value:     # Starlette reads a byte that is no UTF-8 as U+FFFD
            _check_utf8(request)
        name = key[:MAX_PARAM_CHARS]
        if key not in allowed:
            expected = f"expected one of {', '.join(allowed)}" if allowed else none_taken
            raise Problem(400, "bad-input", f"{shown(name)}: unknown parameter ({expected})", name)
        if key in seen:
            raise Problem(400, "bad-input", f"{shown(name)}: given more than once", name)
        if len(value) > MAX_PARAM_CHARS:
            raise Problem(400, "bad-input", f"{shown(name)}: longer than {MAX_PARAM_CHARS} characters", name)
        seen.add(key)


def _check_utf8(request: Request) -> None:
    """Refuse (400) the first parameter whose name or value, percent-decoded, is not UTF-8, as a body that is
    not is refused: read as U+FFFD, a Latin-1 client's ``%E9`` was answered as a code the policy does not know."""
    raw = request.scope.get("query_string", b"").decode("latin-1")
    for key, value in parse_qsl(raw, keep_blank_values=True, encoding="latin-1"):   # each byte as a character
        name = key.encode("latin-1").decode("utf-8", "replace")[:MAX_PARAM_CHARS]
        for whose, text in (("its name is ", key), ("", value)):
            data = text.encode("latin-1")
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise Problem(400, "bad-request", f"{shown(name)}: {whose}not UTF-8: byte 0x{data[exc.start]:02x} "
                                                  f"at byte {exc.start}", name) from None


def strict_query(allowed: Sequence[str] = (), none_taken: str = "this address takes no parameters") -> Callable:
    """:func:`check_query` as a dependency: it runs before FastAPI reads the declared parameters."""
    async def check(request: Request) -> None:  # async: FastAPI would run a plain function in a thread
        check_query(request, allowed, none_taken)
    return check


def problem(description: str) -> Dict[str, Any]:
    """An error response of the document: a problem whose ``parameter`` names what is at fault."""
    return {"model": ProblemDetails,
            "description": description + " The body is a problem whose `parameter` names what is at fault."}


NO_PARAMS = {400: problem("The address takes no query parameters and one was given.")}


def service_of(request: Request) -> DecisionService:
    return request.app.state.service


def json_response(text: str) -> Response:
    return Response(text, media_type="application/json")


async def read_bounded(request: Request) -> bytes:
    """The request body, refusing (413) anything over MAX_BODY_BYTES, declared or streamed."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise Problem(400, "bad-request", "Content-Length: not a number", "Content-Length")
        if int(declared) > MAX_BODY_BYTES:
            raise Problem(413, "too-large", f"body: larger than {MAX_BODY_BYTES} bytes", "body")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise Problem(413, "too-large", f"body: larger than {MAX_BODY_BYTES} bytes", "body")
            chunks.append(chunk)
    except ClientDisconnect:
        # The client left (or the server's request timeout closed the connection): nobody reads the answer.
        raise Problem(400, "bad-request", "body: the connection closed before the whole body arrived",
                      "body") from None
    return b"".join(chunks)


class _NotJsonConstant(Exception):
    """NaN, Infinity or -Infinity, which Python's reader takes and JSON has not."""


def _refuse_constant(name: str):
    raise _NotJsonConstant(name)


def _check_characters(value) -> None:
    """Raise a Problem for a string (a key too) holding a lone surrogate: an escape such as ``\\ud800`` that
    is half of a UTF-16 pair, no character, which no UTF-8 text (nor any answer echoing it) can carry."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError as exc:
                    raise Problem(400, "bad-request", f"body: a string holds U+{ord(item[exc.start]):04X}, a lone "
                                                      f"surrogate: an escape that names no character", "body") from None
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())


def parse_json(body: bytes):
    """A request body as JSON (RFC 8259: UTF-8, no NaN or Infinity, no lone surrogate); raise Problem."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, "bad-request", f"body: not UTF-8: byte 0x{body[exc.start]:02x} at byte {exc.start}",
                      "body") from None
    # A byte-order mark, which some Windows clients write, is ignored (RFC 8259, section 8.1).
    text = text[1:] if text.startswith("\ufeff") else text
    if not text.strip(" \t\r\n"):  # JSON's whitespace only
        raise Problem(400, "bad-request", "body: empty: send a JSON list of inputs", "body")
    try:
        value = json.loads(text, object_pairs_hook=json_object, parse_constant=_refuse_constant)
    except _NotJsonConstant as exc:
        raise Problem(400, "bad-request", f"body: not valid JSON: {exc} is not a JSON value", "body") from None
    except json.JSONDecodeError as exc:
        raise Problem(400, "bad-request", f"body: not valid JSON: {exc.msg[:1].lower()}{exc.msg[1:]} at line "
                                          f"{exc.lineno}, column {exc.colno}", "body") from None
    except ValueError:  # int() refuses a number of thousands of digits (sys.get_int_max_str_digits)
        digits = max((len(run) for run in re.findall(r"[0-9]+", text)), default=0)
        raise Problem(400, "bad-request", f"body: a number in the JSON has more digits than any input needs "
                                          f"({digits})", "body") from None
    except RecursionError:
        raise Problem(400, "bad-request", "body: JSON nested too deeply", "body") from None
    _check_characters(value)
    return value


def _query(request: Request, params, model):
    """The query of a GET route as its declared ``model``, refusing parameters not in ``params``; raise
    :class:`Problem` naming the parameter."""
    check_query(request, params)
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise from_validation(exc.errors(include_url=False)) from None


def decision_query(request: Request) -> DecisionQuery:
    """The query of GET /v1/decisions as a :class:`DecisionQuery`."""
    return _query(request, DECISION_PARAMS, DecisionQuery)


def view_of(query) -> Tuple[str, bool]:
    """(view, pretty) of a query with ``view`` and ``pretty``: an empty or missing value is the default."""
    return query.view or "full", query.pretty == "1"


def occupations_query(request: Request) -> OccupationsInput:
    """The query of GET /v1/occupations as an :class:`OccupationsInput`."""
    return _query(request, OCCUPATIONS_PARAMS, OccupationsInput)


def query_parameters(model: Type[BaseModel]) -> List[Dict[str, Any]]:
    """The OpenAPI query parameters of a model's fields, generated from its JSON schema (null is never sent)."""
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", "")
        prop.pop("title", None)
        prop.pop("default", None)
        branches = [b for b in prop.pop("anyOf", ()) if b.get("type") != "null"]
        if branches:
            prop = {**branches[0], **prop}
        out.append({"name": name, "in": "query", "required": name in required, "description": description,
                    "schema": prop})
    return out


def version_param(description: str):
    """A version named in the query, by id or by date."""
    return Query(max_length=MAX_PARAM_CHARS, description=description)


def api_router() -> APIRouter:
    """The API's routes, declared (the service they use is the application's ``state.service``)."""
    router = APIRouter()

    @router.get("/v1/decisions", operation_id="decide", summary="Decide one case",
                response_model=Union[DecisionJson, DecisionBrief],
                response_description="The decision, as `sc-policy explain --format json` (compact unless "
                                     "`pretty=1`), or its brief view (`view=brief`).",
                openapi_extra={"parameters": query_parameters(DecisionQuery)},
                responses={400: problem("A parameter is unknown, given twice, too long or malformed, or names a "
                                        "code, version or date that the policy and the reference data do not "
                                        "know (a well-formed request can get this answer).")})
    async def decide(request: Request) -> Response:
        # The parameters are read here, not by FastAPI: its per-request reading of a parameter model
        # took twice the time of the rest of the request (benchmarks/bench_serve.py).
        query = decision_query(request)
        return json_response(service_of(request).answer(case_of(query), *view_of(query)))

    @router.post("/v1/decisions", operation_id="decideBatch", summary=f"Decide up to {MAX_BATCH} cases",
                 response_model=BatchAnswers,
                 response_description="One entry per input, in order: a decision, or an object with `error` (a "
                                      "problem) for a bad input.",
                 openapi_extra={"parameters": query_parameters(ViewInput),
                                "requestBody": {"required": True, "content": {
                                    "application/json": {"schema": batch_body_schema()}}}},
                 responses={400: problem("The body is not JSON, not a list, or was cut off; or a query parameter "
                                         "other than `view` and `pretty` was given, or one of them is not a "
                                         "value they take."),
                            413: problem(f"More than {MAX_BATCH} inputs, or a body over {MAX_BODY_BYTES} bytes (a "
                                         f"list of {MAX_BATCH} can still be too large)."),
                            415: problem("The body is not sent as application/json, or is compressed (a "
                                         "Content-Encoding other than identity).")})
    async def decide_batch(request: Request) -> Response:
        view, pretty = view_of(_query(request, VIEW_PARAMS, ViewInput))
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            raise Problem(415, "unsupported-media-type", "body: send a JSON list with Content-Type: "
                                                         "application/json", "body")
        coding = request.headers.get("content-encoding", "").strip()
        if any(part.strip().lower() not in ("", "identity") for part in coding.split(",")):
            # RFC 9110, 15.5.16: a coding not taken is a 415 that names the codings taken
            raise Problem(415, "unsupported-media-type", f"Content-Encoding: {shown(coding)} is not taken; send the "
                                                         f"JSON uncompressed", "Content-Encoding",
                          headers={"Accept-Encoding": "identity"})
        items = parse_json(await read_bounded(request))
        if not isinstance(items, list):
            raise Problem(400, "bad-input", "body: must be a JSON list of inputs", "body")
        if len(items) > MAX_BATCH:
            raise Problem(413, "too-large", f"body: at most {MAX_BATCH} inputs per request, got {len(items)}",
                          "body")
        return json_response(await run_in_threadpool(service_of(request).batch, items, view, pretty))

    @router.get("/v1/occupations", operation_id="occupations", summary="Which occupations an industry opens",
                response_model=OccupationList,
                response_description="Every eligible NOC 2016 unit group with its areas, from the version's "
                                     "decision table, as `sc-policy occupations --format json` (compact with "
                                     "`pretty=0`).",
                openapi_extra={"parameters": query_parameters(OccupationsInput)},
                responses={400: problem("A parameter is unknown, given twice, too long or malformed, or names an "
                                        "industry code, area, version or date that the policy and the reference "
                                        "data do not know (a well-formed request can get this answer).")})
    async def list_occupations(request: Request) -> Response:
        return json_response(occupations_answer(service_of(request), occupations_query(request)))

    @router.get("/v1/versions", operation_id="listVersions", summary="The versions of the policy",
                response_model=List[VersionInfo], response_description="As `sc-policy versions --format json`.",
                dependencies=[Depends(strict_query())], responses=NO_PARAMS)
    async def list_versions(request: Request) -> Response:
        return json_response(service_of(request).versions_json)

    @router.get("/v1/versions/{id}", operation_id="getVersion", summary="One version's manifest and hash",
                response_model=VersionInfo, response_description="The version.",
                dependencies=[Depends(strict_query())],
                responses={400: problem("A query parameter was given, or the id is longer than "
                                        f"{MAX_PARAM_CHARS} characters."),
                           404: problem("No version has this id.")})
    async def get_version(request: Request,
                          id: Annotated[str, Path(max_length=MAX_PARAM_CHARS, description="Version id.")]) -> Response:
        return json_response(service_of(request).version_row(id))

    @router.get("/v1/diff", operation_id="diff", summary="What changed between two versions",
                response_model=DiffResult, response_description="As `sc-policy diff --format json` (compact with "
                                                                "`pretty=0`).",
                dependencies=[Depends(strict_query(DIFF_PARAMS))],
                responses={400: problem("A parameter is missing, unknown, given twice, too long or malformed, or "
                                        "names no version (an id not known, a date on which no version is in "
                                        "force).")})
    async def diff(request: Request,
                   old: Annotated[str, version_param("The earlier version: an id, or a date YYYY-MM-DD (the "
                                                     "version in force that day).")],
                   new: Annotated[str, version_param("The later version: an id or a date.")],
                   pretty: Annotated[Literal["0", "1", ""], Query(description=PRETTY_BY_DEFAULT)] = "1") -> Response:
        service = service_of(request)
        chosen = []
        for name, value in (("old", old), ("new", new)):
            if not value.strip():
                raise Problem(400, "bad-input", f"{name}: {required(name)}", name)
            chosen.append(service.version_named(name, value.strip()))
        return json_response(await run_in_threadpool(service.diff, chosen[0], chosen[1], pretty != "0"))

    @router.get("/healthz", operation_id="health", summary="Health: up, and a version is in force today",
                response_model=Health, response_description="The service is up, serving these versions, one of "
                                                             "them in force today.",
                dependencies=[Depends(strict_query())],
                responses={**NO_PARAMS, 503: problem("No version is in force today: a question that names no "
                                                     "version is refused, one that names a version is answered "
                                                     "(a balancer should send this instance nothing).")})
    async def health(request: Request) -> Response:
        return json_response(service_of(request).health())

    @router.get("/openapi.json", operation_id="openapi", summary="This document", response_model=Dict[str, Any],
                response_description="OpenAPI 3.1.", dependencies=[Depends(strict_query())], responses=NO_PARAMS)
    async def openapi(request: Request) -> Response:
        return json_response(request.app.state.openapi_json(request.scope.get("root_path", "")))

    return router

