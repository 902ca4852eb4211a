"""The read-only decision service: the JSON API for case-management systems and the caseworkers' pages.

:func:`create_app` builds a Starlette application around one :class:`~sc_policy.app.workspace.Workspace`.
Everything is loaded, checked and compiled when the application is built, so a
tree with errors never starts serving and a request only evaluates. The
application holds no global state and writes nothing.

Every answer the service gives for bad input is a 4xx ``application/problem+json``
body (RFC 9457: ``type``, ``title``, ``status``, ``detail`` and the ``parameter``
at fault); an unexpected failure is a 500 problem without a traceback. Request
bodies and batches are bounded (:data:`MAX_BODY_BYTES`, :data:`MAX_BATCH`). Every
route refuses a query parameter it does not take, one given twice and a value over
:data:`MAX_PARAM_CHARS`; every response carries ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from sc_policy.present import pages
from sc_policy.app.workspace import OpenVersion, Workspace
from sc_policy.analysis.diff import diff_versions
from sc_policy.present.diff import diff_json
from sc_policy.diagnostics import Diagnostic, InputError, PolicyInvalidError, ScPolicyError, UnknownVersionError, integrity_first
from sc_policy.reference.codes import NOC_VERSIONS, parse_industry, parse_noc
from sc_policy.checks.lifecycle import lifecycle_findings
from sc_policy.present.render import answer_json, answer_to_dict, dumps

__all__ = ["create_app", "create_app_from_environment", "tree_findings", "openapi_document", "Problem",
           "MAX_BATCH", "MAX_BODY_BYTES", "MAX_PARAM_CHARS", "DECISION_PARAMS"]

MAX_BATCH = 100
"""Most inputs one POST /v1/decisions may carry."""
MAX_BODY_BYTES = 64 * 1024
"""Largest request body accepted (a full batch of inputs is well under 16 KiB)."""
MAX_PARAM_CHARS = 200
"""Longest value accepted for any parameter; no code or title search needs more."""
ANSWER_CACHE_SIZE = 4096
"""Decisions kept as finished JSON text: the same inputs under the same version give the same bytes."""

DECISION_PARAMS = ("noc", "industry", "version", "on", "noc_version")
DIFF_PARAMS = ("old", "new")
PAGE_PARAMS = ("occupation", "industry", "version")
DATE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""The one way the service reads a date (the pattern the OpenAPI document gives for ``on``)."""
PROBLEM_TYPE = "urn:sc-policy:problem:"
TITLES = {
    "bad-input": "Invalid input",
    "bad-request": "Malformed request",
    "unknown-version": "Unknown policy version",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "too-large": "Request too large",
    "unsupported-media-type": "Unsupported media type",
    "server-error": "Internal server error",
}


CLI_WORDS = (("--noc-version ", "noc_version="), ("--version", "the version parameter"), ("--on", "on"))
"""The library's hints name command-line options; the API names its own parameters."""


class Problem(Exception):
    """A request the service refuses: becomes an ``application/problem+json`` response."""

    def __init__(self, status: int, code: str, detail: str, parameter: Optional[str] = None):
        super().__init__(detail)
        self.status, self.code, self.detail, self.parameter = status, code, detail, parameter

    def as_dict(self) -> dict:
        out = {"type": PROBLEM_TYPE + self.code, "title": TITLES.get(self.code, "Invalid input"),
               "status": self.status, "detail": self.detail}
        if self.parameter is not None:
            out["parameter"] = self.parameter
        return out

    @classmethod
    def from_error(cls, error: ScPolicyError, parameter: Optional[str], status: int = 400) -> "Problem":
        detail = " ".join(error.message.split())
        if error.suggestion is not None and error.suggestion.text:  # plain words until the service words them
            detail += f" ({' '.join(error.suggestion.text.split())})"
        for flag, name in CLI_WORDS:
            detail = detail.replace(flag, name)
        if parameter:
            detail = f"{parameter}: {detail}"
        code = error.code if error.code in TITLES else "bad-input"
        return cls(status, code, detail, parameter)


NOSNIFF = {"X-Content-Type-Options": "nosniff"}
"""Sent with every response: a browser takes each body as the type it is labelled with, never guesses."""

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    **NOSNIFF,
    "Referrer-Policy": "no-referrer",
}
"""The pages load nothing but themselves: no script runs, even if escaping ever failed."""


def html_response(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=PAGE_HEADERS)


def problem_response(problem: Problem, headers: Optional[Mapping[str, str]] = None) -> Response:
    # The header is set here too, not only by NoSniffMiddleware: a 500 is answered outside all middleware.
    return Response(dumps(problem.as_dict()), status_code=problem.status, headers={**NOSNIFF, **(headers or {})},
                    media_type="application/problem+json")


class NoSniffMiddleware:
    """Adds ``X-Content-Type-Options: nosniff`` to every response that does not already carry it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_nosniff(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"x-content-type-options" for name, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_nosniff)


@dataclass(frozen=True)
class DecisionInput:
    """One checked request for a decision (the codes themselves are checked when deciding)."""

    noc: str
    industry: Optional[str]
    version: Optional[str]
    on: Optional[dt.date]
    noc_version: str


def parse_day(text: str, parameter: str) -> dt.date:
    """A date written YYYY-MM-DD and nothing else (Python would also read 20220101); raise :class:`Problem`."""
    try:
        if DATE_FORM.fullmatch(text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise Problem(400, "bad-input", f"{parameter}: {text!r} is not a calendar date written YYYY-MM-DD", parameter)


def decision_input(values: Mapping[str, object], where: str = "") -> DecisionInput:
    """Check the shape of one input (query parameters or a batch item); raise :class:`Problem`.

    ``noc``, ``industry`` and ``version`` are trimmed; ``on`` and ``noc_version`` are read exactly as the
    OpenAPI document describes them. An empty value is the same as none.
    """
    unknown = sorted(k[:MAX_PARAM_CHARS] for k in values if k not in DECISION_PARAMS)
    if unknown:
        raise Problem(400, "bad-input", f"{where}{unknown[0]}: unknown parameter (expected one of "
                                        f"{', '.join(DECISION_PARAMS)})", where + unknown[0])
    clean: Dict[str, Optional[str]] = {}
    for name in DECISION_PARAMS:
        value = values.get(name)
        if value is not None and not isinstance(value, str):
            raise Problem(400, "bad-input", f"{where}{name}: must be a string (codes may start with 0)",
                          where + name)
        if value is not None and len(value) > MAX_PARAM_CHARS:
            raise Problem(400, "bad-input", f"{where}{name}: longer than {MAX_PARAM_CHARS} characters",
                          where + name)
        if name in ("on", "noc_version"):
            clean[name] = value or None
        else:
            clean[name] = value.strip() if value is not None and value.strip() != "" else None
    if clean["noc"] is None:
        raise Problem(400, "bad-input", f"{where}noc: required (a NOC 2016 or NOC 2021 unit group code)",
                      where + "noc")
    noc_version = clean["noc_version"] or "2016"
    if noc_version not in NOC_VERSIONS:
        raise Problem(400, "bad-input", f"{where}noc_version: must be 2016 or 2021, not {noc_version!r}",
                      where + "noc_version")
    if clean["version"] and clean["on"]:
        raise Problem(400, "bad-input", f"{where}on: give version or on, not both", where + "on")
    on = parse_day(clean["on"], where + "on") if clean["on"] else None
    return DecisionInput(clean["noc"], clean["industry"], clean["version"], on, noc_version)


def query_params(request: Request, allowed: Sequence[str] = ()) -> Dict[str, str]:
    """The query parameters as a dict; refuse (400) one not in ``allowed``, one given twice, a value too long.

    Nothing is ignored or guessed: a misspelt parameter would otherwise change the answer silently.
    """
    values: Dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        name = key[:MAX_PARAM_CHARS]
        if key not in allowed:
            expected = f"expected one of {', '.join(allowed)}" if allowed else "this address takes no parameters"
            raise Problem(400, "bad-input", f"{name}: unknown parameter ({expected})", name)
        if key in values:
            raise Problem(400, "bad-input", f"{name}: given more than once", name)
        if len(value) > MAX_PARAM_CHARS:
            raise Problem(400, "bad-input", f"{name}: longer than {MAX_PARAM_CHARS} characters", name)
        values[key] = value
    return values


def tree_findings(workspace: Workspace) -> List[Diagnostic]:
    """What ``sc-policy check`` would report as errors for the tree: load, schema, compile and life-cycle.

    Uses the check command's own function when the package has one, so that the
    service and ``sc-policy check`` never disagree about what an error is.
    """
    try:
        from sc_policy.app import checking as check_module  # written alongside; optional until it exists
    except ImportError:
        check_module = None
    run = getattr(check_module, "check_tree", None) if check_module is not None else None
    if run is not None:
        return [f for f in run(workspace.tree, refdata=workspace.refdata) if f.severity == "error"]
    findings: List[Diagnostic] = []
    loaded = workspace.tree.load_all()
    for lv in loaded:
        try:
            workspace.open(lv.ref.id)
        except PolicyInvalidError as exc:
            findings.extend(exc.findings)
        except ScPolicyError as exc:
            findings.append(exc.diagnostic)
    findings.extend(f for f in lifecycle_findings(loaded) if f.severity == "error")
    return sorted(set(findings))


class DecisionService:
    """The loaded workspace and everything precomputed from it; the routes call its methods."""

    def __init__(self, workspace: Workspace):
        errors = integrity_first(tree_findings(workspace))  # a modified frozen version first: it explains the rest
        if errors:
            raise PolicyInvalidError(f"the policy tree has {len(errors)} error(s), the first {errors[0].code} in "
                                     f"{errors[0].span.path}; run `sc-policy check`", findings=errors)
        self.workspace = workspace
        self.refdata = workspace.refdata
        refs = workspace.tree.refs()
        if not refs:
            raise UnknownVersionError("no policy versions found")
        self.opened: Dict[str, OpenVersion] = {ref.id: workspace.open(ref.id) for ref in refs}
        self.version_rows = workspace.versions()
        self.versions_json = dumps(self.version_rows)
        self.version_json = {row["id"]: dumps(row) for row in self.version_rows}
        self.books = {vid: pages.policy_book(o.version, o.compiled, self.refdata, self.version_rows)
                      for vid, o in self.opened.items()}
        self.titles = pages.TitleIndex(self.refdata)
        self._open_cached = functools.lru_cache(maxsize=512)(self._open_uncached)
        self._answer_cached = functools.lru_cache(maxsize=ANSWER_CACHE_SIZE)(self._answer_uncached)
        self._diff_cached = functools.lru_cache(maxsize=16)(self._diff_uncached)

    # -- deciding -------------------------------------------------------------------------------------
    def _open_uncached(self, version: Optional[str], on: Optional[dt.date], today: dt.date) -> OpenVersion:
        return self.workspace.open(version, on)

    def open(self, version: Optional[str], on: Optional[dt.date]) -> OpenVersion:
        """The version named, or in force on ``on`` (or today); raise Problem naming the parameter."""
        if version is not None and version not in self.opened:
            known = ", ".join(sorted(self.opened))
            raise Problem(400, "unknown-version", f"version: unknown version {version!r} (known versions: {known})",
                          "version")
        try:
            return self._open_cached(version, on, dt.date.today())
        except ScPolicyError as exc:
            raise Problem.from_error(exc, "version" if version else "on" if on else "version") from None

    def _answer_uncached(self, version_key: str, noc: str, industry: Optional[str], noc_version: str):
        opened = self.opened[version_key]
        answer = opened.evaluator.answer(noc, industry, noc_version)
        return answer, answer_json(answer)

    def answer(self, inp: DecisionInput):
        """(Answer, its JSON text) for one input; raise Problem naming the parameter at fault."""
        opened = self.open(inp.version, inp.on)
        try:
            parse_noc(inp.noc, self.refdata, inp.noc_version)
        except InputError as exc:
            raise Problem.from_error(exc, "noc") from None
        try:
            parse_industry(inp.industry, self.refdata)
        except InputError as exc:
            raise Problem.from_error(exc, "industry") from None
        try:
            return self._answer_cached(opened.version.id, inp.noc, inp.industry, inp.noc_version)
        except ScPolicyError as exc:
            raise Problem.from_error(exc, None) from None

    def batch(self, items: Sequence[object]) -> str:
        out = []
        for i, item in enumerate(items):
            where = f"[{i}]."
            try:
                if not isinstance(item, dict):
                    raise Problem(400, "bad-input", f"[{i}]: must be an object with a noc", f"[{i}]")
                answer, _ = self.answer(decision_input(item, where))
                out.append(answer_to_dict(answer))
            except Problem as problem:
                if problem.parameter and not problem.parameter.startswith("["):
                    problem = Problem(problem.status, problem.code, f"{where}{problem.detail}",
                                      where + problem.parameter)
                out.append({"error": problem.as_dict()})
        return dumps(out)

    # -- routes ---------------------------------------------------------------------------------------
    async def decisions(self, request: Request) -> Response:
        if request.method == "POST":
            return await self.post_decisions(request)
        return await self.get_decision(request)

    async def get_decision(self, request: Request) -> Response:
        answer, text = self.answer(decision_input(query_params(request, DECISION_PARAMS)))
        return Response(text, media_type="application/json")

    async def post_decisions(self, request: Request) -> Response:
        if request.query_params:
            name = next(iter(request.query_params))[:MAX_PARAM_CHARS]
            raise Problem(400, "bad-input", f"{name}: unknown parameter (POST /v1/decisions takes none; send "
                                            f"the inputs in the body)", name)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            raise Problem(415, "unsupported-media-type", "body: send a JSON list with Content-Type: "
                                                         "application/json", "body")
        body = await read_bounded(request)
        items = parse_json(body)
        if not isinstance(items, list):
            raise Problem(400, "bad-input", "body: must be a JSON list of inputs", "body")
        if len(items) > MAX_BATCH:
            raise Problem(413, "too-large", f"body: at most {MAX_BATCH} inputs per request, got {len(items)}",
                          "body")
        text = await run_in_threadpool(self.batch, items)
        return Response(text, media_type="application/json")

    async def get_versions(self, request: Request) -> Response:
        query_params(request)
        return Response(self.versions_json, media_type="application/json")

    async def get_version(self, request: Request) -> Response:
        query_params(request)
        vid = request.path_params["id"]
        if vid not in self.version_json:
            raise Problem(404, "unknown-version", f"id: unknown version {vid!r} (known versions: "
                                                  f"{', '.join(sorted(self.version_json))})", "id")
        return Response(self.version_json[vid], media_type="application/json")

    async def get_diff(self, request: Request) -> Response:
        params = query_params(request, DIFF_PARAMS)
        chosen = []
        for name in DIFF_PARAMS:
            value = params.get(name, "").strip()
            if not value:
                raise Problem(400, "bad-input", f"{name}: required (a version id, or a date YYYY-MM-DD naming "
                                                f"the version in force that day)", name)
            chosen.append(self.version_named(name, value))
        text = await run_in_threadpool(self._diff_cached, chosen[0], chosen[1])
        return Response(text, media_type="application/json")

    def version_named(self, parameter: str, value: str) -> str:
        """A version id as ``sc-policy diff`` reads its arguments: an id, else a date (the version in force)."""
        if value in self.opened:
            return value
        if not DATE_FORM.fullmatch(value):
            raise Problem(400, "unknown-version", f"{parameter}: unknown version {value!r} (known versions: "
                                                  f"{', '.join(sorted(self.opened))}; or a date YYYY-MM-DD)",
                          parameter)
        day = parse_day(value, parameter)
        try:
            return self._open_cached(None, day, dt.date.today()).version.id
        except ScPolicyError as exc:
            raise Problem.from_error(exc, parameter) from None

    def _diff_uncached(self, old: str, new: str) -> str:
        return diff_json(diff_versions(self.opened[old].evaluator, self.opened[new].evaluator))

    async def healthz(self, request: Request) -> Response:
        query_params(request)
        return Response(dumps({"status": "ok", "versions": sorted(self.opened)}), media_type="application/json")

    async def openapi(self, request: Request) -> Response:
        query_params(request)
        return Response(dumps(openapi_document()), media_type="application/json")

    # -- pages ----------------------------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        try:
            params = query_params(request, PAGE_PARAMS)
        except Problem as problem:
            return self.refused_page(problem)
        form = pages.Form(occupation=params.get("occupation", ""), industry=params.get("industry", ""),
                          version=params.get("version", ""), submitted=tuple(params), max_chars=MAX_PARAM_CHARS)
        return html_response(await run_in_threadpool(self.home_html, form))

    def refused_page(self, problem: Problem) -> Response:
        """A page address with a parameter the page does not take (a form never sends one): a 400 page."""
        return html_response(pages.bad_request(f"This address cannot be answered: {problem.detail}.",
                                               self.version_rows), 400)

    def home_html(self, form: "pages.Form") -> str:
        versions = self.version_rows
        if not form.occupation.strip():
            if form.industry.strip() or "occupation" in form.submitted:
                form.errors["occupation"] = "Enter an occupation: a NOC code or words of its title."
            return pages.home(form, versions)
        occupation = form.occupation.strip()
        version = form.version.strip() or None
        if version is not None and version not in self.opened:
            form.errors["version"] = f"Unknown policy version {version!r}."
        industry = form.industry.strip() or None
        try:
            parse_industry(industry, self.refdata)
        except InputError as exc:
            form.errors["industry"] = pages.sentence(exc, "Six-digit codes differ between the US and Canadian "
                                                          "NAICS: use the NAICS Canada 2017 code."
                                                     if len(industry or "") == 6 else "")
        if not any(ch.isdigit() for ch in occupation):
            matches = self.titles.search(occupation)
            if not matches:
                form.errors["occupation"] = (f"No NOC 2016 or NOC 2021 title contains all of the words "
                                             f"\u201c{occupation}\u201d. Try fewer or other words, or a code.")
            return pages.home(form, versions, matches=matches)
        noc_version = "2021" if len(occupation) == 5 and occupation.isdigit() else "2016"
        try:
            parse_noc(occupation, self.refdata, noc_version)
        except InputError as exc:
            form.errors["occupation"] = pages.sentence(exc, "Enter a four-digit NOC 2016 code, a five-digit "
                                                            "NOC 2021 code or words of the title.")
        if form.errors:
            return pages.home(form, versions)
        try:
            opened = self.open(version, None)
        except Problem as problem:
            form.errors["version"] = problem.detail.split(": ", 1)[-1]
            return pages.home(form, versions)
        answer, _ = self._answer_cached(opened.version.id, occupation, industry, noc_version)
        return pages.home(form, versions, answer=answer, version=opened.version, refdata=self.refdata)

    async def book(self, request: Request) -> Response:
        try:
            query_params(request)
        except Problem as problem:
            return self.refused_page(problem)
        vid = request.path_params["id"]
        if vid not in self.books:
            return html_response(pages.not_found(f"There is no policy version {vid!r}.", self.version_rows), 404)
        return html_response(self.books[vid])


async def read_bounded(request: Request) -> bytes:
    """The request body, refusing (413) anything over MAX_BODY_BYTES, declared or streamed."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
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


def parse_json(body: bytes):
    import json
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Problem(400, "bad-request", f"body: not valid UTF-8 JSON ({exc})", "body") from None
    except RecursionError:
        raise Problem(400, "bad-request", "body: JSON nested too deeply", "body") from None


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/v1/", "/openapi.json", "/healthz")) and \
        "text/html" in request.headers.get("accept", "")


def create_app(workspace: Optional[Workspace] = None) -> Starlette:
    """The service for one workspace (default: the shipped tree, or ``$SC_POLICY_PATH``).

    Raises :class:`PolicyInvalidError` (with every error finding) when the tree has errors.
    """
    service = DecisionService(workspace if workspace is not None else Workspace())

    async def on_problem(request: Request, exc: Problem) -> Response:
        return problem_response(exc)

    async def on_http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404 and _wants_html(request):
            return html_response(pages.not_found("There is no page at this address.", service.version_rows), 404)
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "bad-request")
        detail = {404: f"path: nothing at {request.url.path}",
                  405: f"method: {request.method} is not allowed here"}.get(exc.status_code, str(exc.detail))
        return problem_response(Problem(exc.status_code, code, detail, "path" if exc.status_code == 404 else
                                        "method"), headers=exc.headers)

    async def on_error(request: Request, exc: Exception) -> Response:
        return problem_response(Problem(500, "server-error", "the service failed to answer; the failure is "
                                                             "logged by the server"))

    routes = [
        Route("/", service.home, methods=["GET"]),
        Route("/versions/{id}", service.book, methods=["GET"]),
        Route("/v1/decisions", service.decisions, methods=["GET", "POST"]),   # one route: one Allow header
        Route("/v1/versions", service.get_versions, methods=["GET"]),
        Route("/v1/versions/{id}", service.get_version, methods=["GET"]),
        Route("/v1/diff", service.get_diff, methods=["GET"]),
        Route("/openapi.json", service.openapi, methods=["GET"]),
        Route("/healthz", service.healthz, methods=["GET"]),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(NoSniffMiddleware)],
                    exception_handlers={Problem: on_problem, HTTPException: on_http, Exception: on_error})
    app.state.service = service
    return app


def create_app_from_environment() -> Starlette:
    """Factory for uvicorn's worker processes: the tree named by ``$SC_POLICY_PATH`` (or the shipped one)."""
    return create_app(Workspace(os.environ.get("SC_POLICY_PATH") or None))


# -- the OpenAPI document -----------------------------------------------------------------------------

def _param(name: str, description: str, schema: dict, required: bool = False, where: str = "query") -> dict:
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema}


def openapi_document() -> dict:
    """The OpenAPI 3.1 description of every route (hand-written: the routes are few and stable)."""
    headers = {"X-Content-Type-Options": {"$ref": "#/components/headers/NoSniff"}}
    problem_content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    html_content = {"text/html": {"schema": {"type": "string"}}}

    def problem(desc: str) -> dict:
        return {"description": desc + " The body is a problem whose `parameter` names what is at fault.",
                "headers": headers, "content": problem_content}

    def json_of(ref: str, desc: str) -> dict:
        return {"description": desc, "headers": headers,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}

    def json_schema(schema: dict, desc: str) -> dict:
        return {"description": desc, "headers": headers, "content": {"application/json": {"schema": schema}}}

    def html(desc: str) -> dict:
        return {"description": desc, "headers": headers, "content": html_content}

    no_params = problem("The address takes no query parameters and one was given.")
    text_param = {"type": "string", "maxLength": MAX_PARAM_CHARS}
    day = {"type": "string", "pattern": "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$", "examples": ["2022-01-01"]}
    decision_params = [
        _param("noc", "The occupation: a NOC 2016 unit group code (four digits), or with noc_version=2021 a "
                      "NOC 2021 code (five digits).", {"type": "string", "maxLength": MAX_PARAM_CHARS,
                                                       "examples": ["2174"]}, required=True),
        _param("industry", "The employer's NAICS Canada 2017 code (2 to 6 digits); optional.",
               {"type": "string", "maxLength": MAX_PARAM_CHARS, "examples": ["541514"]}),
        _param("version", "Policy version id (default: the one in force today). Not with `on`.", text_param),
        _param("on", "Use the version in force on this date (YYYY-MM-DD; empty: today). Not with `version`.", day),
        _param("noc_version", "Classification of `noc`: 2016 (the default, also when empty) or 2021.",
               {"type": "string", "enum": [*NOC_VERSIONS, ""]}),
    ]
    optional_text = {"type": ["string", "null"], "maxLength": MAX_PARAM_CHARS}
    input_schema = {
        "type": "object", "required": ["noc"], "additionalProperties": False,
        "description": "One case, as the query parameters of GET /v1/decisions; a missing, null or empty "
                       "value is not given.",
        "properties": {"noc": optional_text, "industry": optional_text, "version": optional_text,
                       "on": {**day, "type": ["string", "null"]},
                       "noc_version": {"enum": [*NOC_VERSIONS, "", None]}}}
    source = {"type": "array", "items": {"type": "object", "required": ["line", "quote"], "properties": {
        "line": {"type": "integer"}, "quote": {"type": "string"}}}}
    clause = {"type": "object", "required": ["clause", "clause_version", "title", "result", "reason", "source"],
              "properties": {"clause": {"type": "string"}, "clause_version": {"type": "integer"},
                             "title": {"type": "string"},
                             "result": {"enum": ["pass", "fail", "not_applicable"]},
                             "reason": {"type": "string"}, "source": source}}
    area = {"type": "object", "required": ["area", "title", "in_scope", "clauses", "resolutions"],
            "properties": {"area": {"type": "string"}, "title": {"type": "string"}, "in_scope": {"type": "boolean"},
                           "clauses": {"type": "array", "items": clause},
                           "resolutions": {"type": "array", "items": {"type": "string"}}}}
    resolution = {"type": "object", "required": ["id", "resolves", "finding", "decision", "source"],
                  "properties": {"id": {"type": "string"}, "resolves": {"type": "array", "items": {"type": "string"}},
                                 "finding": {"type": "string"}, "decision": {"type": "string"}, "source": source}}
    nearby = {"type": "object", "required": ["noc", "title", "areas"], "properties": {
        "noc": {"type": "string"}, "title": {"type": "string"}, "areas": {"type": "array", "items": {"type": "string"}}}}
    decision_body = {"areas": {"type": "array", "items": area},
                     "resolutions": {"type": "array", "items": resolution},
                     "nearby": {"type": "array", "items": nearby}}
    candidate = {"type": "object", "required": ["noc", "noc_title", "noc_level", "verdict", "eligible", "areas"],
                 "properties": {"noc": {"type": "string"}, "noc_title": {"type": "string"},
                                "noc_level": {"type": "string"},
                                "verdict": {"enum": ["eligible", "not_eligible"]},
                                "eligible": {"type": "boolean"}, **decision_body}}
    decision = {
        "type": "object",
        "description": "The JSON of `sc-policy explain --format json`, byte for byte.",
        "required": ["policy", "version", "version_hash", "noc_version", "input", "verdict", "eligible", "areas",
                     "resolutions", "nearby", "candidates"],
        "properties": {
            "policy": {"type": "string"}, "version": {"type": "string"},
            "version_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "noc_version": {"enum": list(NOC_VERSIONS)},
            "input": {"type": "object", "required": ["noc", "noc_title", "noc_version", "industry", "industry_title"],
                      "properties": {"noc": {"type": "string"}, "noc_title": {"type": "string"},
                                     "noc_version": {"enum": list(NOC_VERSIONS)},
                                     "industry": {"type": ["string", "null"]},
                                     "industry_title": {"type": ["string", "null"]}}},
            "verdict": {"enum": ["eligible", "not_eligible", "indeterminate"]},
            "eligible": {"type": "boolean"}, **decision_body,
            "candidates": {"type": "array", "items": candidate},
        },
    }
    version_row = {"type": "object", "required": ["id", "policy", "title", "status", "effective_from"],
                   "description": "A version's manifest with its content hash (as `sc-policy versions --format json`).",
                   "properties": {"id": {"type": "string"}, "policy": {"type": "string"}, "title": {"type": "string"},
                                  "status": {"type": "string"}, "effective_from": {"type": "string"},
                                  "effective_to": {"type": ["string", "null"]},
                                  "content_hash": {"type": "string"}, "sha256": {"type": ["string", "null"]},
                                  "table_sha256": {"type": ["string", "null"],
                                                   "description": "The hash of its decisions, recorded when frozen."},
                                  "frozen": {"type": "boolean"},
                                  "integrity": {"enum": ["intact", "modified", None],
                                                "description": "For a frozen version: whether its content still "
                                                               "has the sha256 recorded when it was frozen."}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "sc-policy decision service", "version": _package_version(),
                 "description": "Read-only decisions of Ontario's Second Career Fast Track training-eligibility "
                                "policy, explained clause by clause with the quoted source."},
        "paths": {
            "/v1/decisions": {
                "get": {"operationId": "decide", "summary": "Decide one case",
                        "parameters": decision_params,
                        "responses": {
                            "200": json_of("Decision", "The decision, as `sc-policy explain --format json`."),
                            "400": problem("A parameter is unknown, given twice, too long or malformed, or names "
                                           "a code, version or date that the policy and the reference data do "
                                           "not know (a well-formed request can get this answer).")}},
                "post": {"operationId": "decideBatch", "summary": f"Decide up to {MAX_BATCH} cases",
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "type": "array", "maxItems": MAX_BATCH,
                             "description": "The cases, each a DecisionInput. An item that is not one is "
                                            "answered in place with an error, like an unknown code.",
                             "items": {"anyOf": [{"$ref": "#/components/schemas/DecisionInput"}, {}]}}}}},
                         "responses": {
                             "200": json_schema({"type": "array", "items": {"oneOf": [
                                 {"$ref": "#/components/schemas/Decision"},
                                 {"type": "object", "required": ["error"], "additionalProperties": False,
                                  "properties": {"error": {"$ref": "#/components/schemas/Problem"}}}]}},
                                 "One entry per input, in order: a decision, or an object with `error` (a "
                                 "problem) for a bad input."),
                             "400": problem("The body is not JSON, not a list, or was cut off; or a query "
                                            "parameter was given."),
                             "413": problem(f"More than {MAX_BATCH} inputs, or a body over {MAX_BODY_BYTES} "
                                            f"bytes (a list of {MAX_BATCH} can still be too large)."),
                             "415": problem("The body is not sent as application/json.")}},
            },
            "/v1/versions": {"get": {"operationId": "listVersions", "summary": "The versions of the policy",
                                     "responses": {"200": json_schema({
                                         "type": "array", "items": {"$ref": "#/components/schemas/Version"}},
                                         "As `sc-policy versions --format json`."), "400": no_params}}},
            "/v1/versions/{id}": {"get": {"operationId": "getVersion", "summary": "One version's manifest and hash",
                                          "parameters": [_param("id", "Version id.", text_param, True, "path")],
                                          "responses": {"200": json_of("Version", "The version."),
                                                        "400": no_params,
                                                        "404": problem("No version has this id.")}}},
            "/v1/diff": {"get": {"operationId": "diff", "summary": "What changed between two versions",
                                 "parameters": [
                                     _param("old", "The earlier version: an id, or a date YYYY-MM-DD (the "
                                                   "version in force that day).", text_param, True),
                                     _param("new", "The later version: an id or a date.", text_param, True)],
                                 "responses": {
                                     "200": json_schema({"type": "object"}, "As `sc-policy diff --format json`."),
                                     "400": problem("A parameter is missing, unknown, given twice or too long, "
                                                    "or names no version (an id not known, a date on which no "
                                                    "version is in force).")}}},
            "/healthz": {"get": {"operationId": "health", "summary": "Liveness",
                                 "responses": {"200": json_schema({
                                     "type": "object", "required": ["status", "versions"],
                                     "properties": {"status": {"const": "ok"},
                                                    "versions": {"type": "array", "items": {"type": "string"}}}},
                                     "The service is up, serving these versions."), "400": no_params}}},
            "/openapi.json": {"get": {"operationId": "openapi", "summary": "This document",
                                      "responses": {"200": json_schema({"type": "object"}, "OpenAPI 3.1."),
                                                    "400": no_params}}},
            "/": {"get": {"operationId": "page", "summary": "The caseworkers' page: a form, and the explained answer",
                          "parameters": [
                              _param("occupation", "A NOC 2016 or NOC 2021 code, or words of the title.", text_param),
                              _param("industry", "The employer's NAICS Canada 2017 code.", text_param),
                              _param("version", "Policy version id (default: in force today).", text_param)],
                          "responses": {"200": html("The page; a mistake in a field is shown next to the field."),
                                        "400": html("A parameter the form never sends: unknown, given twice or "
                                                    "too long.")}}},
            "/versions/{id}": {"get": {"operationId": "policyBook", "summary": "A version as a readable policy book",
                                       "parameters": [_param("id", "Version id.", text_param, True, "path")],
                                       "responses": {"200": html("The policy book."),
                                                     "400": html("The address takes no query parameters."),
                                                     "404": {"description": "No such version (a page for a "
                                                                            "browser, else a problem).",
                                                             "headers": headers,
                                                             "content": {**html_content, **problem_content}}}}},
        },
        "components": {"headers": {"NoSniff": {
            "description": "Every response: the body is the type it is labelled with; a browser must not guess.",
            "required": True, "schema": {"type": "string", "const": "nosniff"}}},
            "schemas": {
            "Problem": {"type": "object", "required": ["type", "title", "status", "detail"],
                        "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                                       "status": {"type": "integer"}, "detail": {"type": "string"},
                                       "parameter": {"type": "string"}}},
            "Decision": decision,
            "DecisionInput": input_schema,
            "Version": version_row,
        }},
    }


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("sc-policy")
    except PackageNotFoundError:
        return "0"
