"""The read-only decision service: the JSON API for case-management systems and the caseworkers' pages.

:func:`create_app` builds a Starlette application around one :class:`~sc_policy.api.Workspace`.
Everything is loaded, checked and compiled when the application is built, so a
tree with errors never starts serving and a request only evaluates. The
application holds no global state and writes nothing.

Every answer the service gives for bad input is a 4xx ``application/problem+json``
body (RFC 9457: ``type``, ``title``, ``status``, ``detail`` and the ``parameter``
at fault); an unexpected failure is a 500 problem without a traceback. Request
bodies and batches are bounded (:data:`MAX_BODY_BYTES`, :data:`MAX_BATCH`).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from . import pages
from .api import OpenVersion, Workspace
from .diff import diff_versions
from .diff_render import diff_json
from .errors import Finding, InputError, PolicyInvalidError, ScPolicyError, UnknownVersionError, integrity_first
from .inputs import NOC_VERSIONS, parse_industry, parse_noc
from .lifecycle import lifecycle_findings
from .render import answer_json, answer_to_dict, dumps

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
        if error.hint:
            detail += f" ({' '.join(error.hint.split())})"
        for flag, name in CLI_WORDS:
            detail = detail.replace(flag, name)
        if parameter:
            detail = f"{parameter}: {detail}"
        code = error.code if error.code in TITLES else "bad-input"
        return cls(status, code, detail, parameter)


PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
"""The pages load nothing but themselves: no script runs, even if escaping ever failed."""


def html_response(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=PAGE_HEADERS)


def problem_response(problem: Problem, headers: Optional[Mapping[str, str]] = None) -> Response:
    return Response(dumps(problem.as_dict()), status_code=problem.status, headers=headers,
                    media_type="application/problem+json")


@dataclass(frozen=True)
class DecisionInput:
    """One checked request for a decision (the codes themselves are checked when deciding)."""

    noc: str
    industry: Optional[str]
    version: Optional[str]
    on: Optional[dt.date]
    noc_version: str


def decision_input(values: Mapping[str, object], where: str = "") -> DecisionInput:
    """Check the shape of one input (query parameters or a batch item); raise :class:`Problem`."""
    unknown = sorted(k for k in values if k not in DECISION_PARAMS)
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
    on = None
    if clean["on"]:
        try:
            on = dt.date.fromisoformat(clean["on"])
        except ValueError:
            raise Problem(400, "bad-input", f"{where}on: {clean['on']!r} is not a date in the form YYYY-MM-DD",
                          where + "on") from None
    return DecisionInput(clean["noc"], clean["industry"], clean["version"], on, noc_version)


def single_query_params(request: Request) -> Dict[str, str]:
    """The query parameters as a dict; a parameter given twice is refused rather than guessed."""
    values: Dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in values:
            raise Problem(400, "bad-input", f"{key}: given more than once", key)
        values[key] = value
    return values


def tree_findings(workspace: Workspace) -> List[Finding]:
    """What ``sc-policy check`` would report as errors for the tree: load, schema, compile and life-cycle.

    Uses the check command's own function when the package has one, so that the
    service and ``sc-policy check`` never disagree about what an error is.
    """
    try:
        from . import check as check_module  # written alongside; optional until it exists
    except ImportError:
        check_module = None
    run = getattr(check_module, "check_tree", None) if check_module is not None else None
    if run is not None:
        return [f for f in run(workspace.tree, refdata=workspace.refdata) if f.severity == "error"]
    findings: List[Finding] = []
    loaded = workspace.tree.load_all()
    for lv in loaded:
        try:
            workspace.open(lv.ref.id)
        except PolicyInvalidError as exc:
            findings.extend(exc.findings)
        except ScPolicyError as exc:
            findings.append(Finding.from_error(exc))
    findings.extend(f for f in lifecycle_findings(loaded) if f.severity == "error")
    return sorted(set(findings))


class DecisionService:
    """The loaded workspace and everything precomputed from it; the routes call its methods."""

    def __init__(self, workspace: Workspace):
        errors = integrity_first(tree_findings(workspace))  # a modified frozen version first: it explains the rest
        if errors:
            raise PolicyInvalidError(f"the policy tree has {len(errors)} error(s), the first {errors[0].check} in "
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
    async def get_decision(self, request: Request) -> Response:
        answer, text = self.answer(decision_input(single_query_params(request)))
        return Response(text, media_type="application/json")

    async def post_decisions(self, request: Request) -> Response:
        if request.query_params:
            raise Problem(400, "bad-input", "POST /v1/decisions takes no query parameters; send the inputs "
                                            "in the body", next(iter(request.query_params)))
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
        return Response(self.versions_json, media_type="application/json")

    async def get_version(self, request: Request) -> Response:
        vid = request.path_params["id"]
        if vid not in self.version_json:
            raise Problem(404, "unknown-version", f"id: unknown version {vid!r} (known versions: "
                                                  f"{', '.join(sorted(self.version_json))})", "id")
        return Response(self.version_json[vid], media_type="application/json")

    async def get_diff(self, request: Request) -> Response:
        params = single_query_params(request)
        unknown = sorted(k for k in params if k not in ("old", "new"))
        if unknown:
            raise Problem(400, "bad-input", f"{unknown[0]}: unknown parameter (expected old and new)", unknown[0])
        chosen = []
        for name in ("old", "new"):
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
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise Problem(400, "unknown-version", f"{parameter}: unknown version {value[:MAX_PARAM_CHARS]!r} (known "
                                                  f"versions: {', '.join(sorted(self.opened))}; or a date "
                                                  f"YYYY-MM-DD)", parameter) from None
        try:
            return self._open_cached(None, day, dt.date.today()).version.id
        except ScPolicyError as exc:
            raise Problem.from_error(exc, parameter) from None

    def _diff_uncached(self, old: str, new: str) -> str:
        return diff_json(diff_versions(self.opened[old].evaluator, self.opened[new].evaluator))

    async def healthz(self, request: Request) -> Response:
        return Response(dumps({"status": "ok", "versions": sorted(self.opened)}), media_type="application/json")

    async def openapi(self, request: Request) -> Response:
        return Response(dumps(openapi_document()), media_type="application/json")

    # -- pages ----------------------------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        params = request.query_params
        form = pages.Form(occupation=params.get("occupation", "")[:MAX_PARAM_CHARS],
                          industry=params.get("industry", "")[:MAX_PARAM_CHARS],
                          version=params.get("version", "")[:MAX_PARAM_CHARS],
                          submitted=tuple(params.keys()))
        return html_response(await run_in_threadpool(self.home_html, form))

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
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Problem(413, "too-large", f"body: larger than {MAX_BODY_BYTES} bytes", "body")
        chunks.append(chunk)
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
        Route("/v1/decisions", service.get_decision, methods=["GET"]),
        Route("/v1/decisions", service.post_decisions, methods=["POST"]),
        Route("/v1/versions", service.get_versions, methods=["GET"]),
        Route("/v1/versions/{id}", service.get_version, methods=["GET"]),
        Route("/v1/diff", service.get_diff, methods=["GET"]),
        Route("/openapi.json", service.openapi, methods=["GET"]),
        Route("/healthz", service.healthz, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={Problem: on_problem, HTTPException: on_http,
                                                       Exception: on_error})
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
    problem = {"description": "The request was refused; `detail` names the parameter at fault.",
               "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    json_of = lambda ref, desc: {"description": desc, "content": {  # noqa: E731
        "application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}
    html = lambda desc: {"description": desc, "content": {"text/html": {"schema": {"type": "string"}}}}  # noqa
    text_param = {"type": "string", "maxLength": MAX_PARAM_CHARS}
    decision_params = [
        _param("noc", "The occupation: a NOC 2016 unit group code (four digits), or with noc_version=2021 a "
                      "NOC 2021 code (five digits).", {"type": "string", "maxLength": MAX_PARAM_CHARS,
                                                       "examples": ["2174"]}, required=True),
        _param("industry", "The employer's NAICS Canada 2017 code (2 to 6 digits); optional.",
               {"type": "string", "maxLength": MAX_PARAM_CHARS, "examples": ["541514"]}),
        _param("version", "Policy version id (default: the one in force today). Not with `on`.", text_param),
        _param("on", "Use the version in force on this date (YYYY-MM-DD). Not with `version`.",
               {"type": "string", "maxLength": MAX_PARAM_CHARS, "examples": ["2022-01-01"]}),
        _param("noc_version", "Classification of `noc`: 2016 (default) or 2021.",
               {"type": "string", "enum": list(NOC_VERSIONS)}),
    ]
    input_schema = {"type": "object", "required": ["noc"], "additionalProperties": False,
                    "properties": {name: {"type": ["string", "null"], "maxLength": MAX_PARAM_CHARS}
                                   for name in DECISION_PARAMS}}
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
                        "responses": {"200": json_of("Decision", "The decision, as `sc-policy explain --format json`."),
                                      "400": problem}},
                "post": {"operationId": "decideBatch", "summary": f"Decide up to {MAX_BATCH} cases",
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "type": "array", "maxItems": MAX_BATCH, "items": input_schema}}}},
                         "responses": {"200": {"description": "One entry per input, in order: a decision, or "
                                                              "an object with `error` (a problem) for a bad input.",
                                               "content": {"application/json": {"schema": {"type": "array", "items": {
                                                   "oneOf": [{"$ref": "#/components/schemas/Decision"},
                                                             {"type": "object", "required": ["error"],
                                                              "properties": {"error": {
                                                                  "$ref": "#/components/schemas/Problem"}}}]}}}}},
                                       "400": problem, "413": problem, "415": problem}},
            },
            "/v1/versions": {"get": {"operationId": "listVersions", "summary": "The versions of the policy",
                                     "responses": {"200": {"description": "As `sc-policy versions --format json`.",
                                                           "content": {"application/json": {"schema": {
                                                               "type": "array",
                                                               "items": {"$ref": "#/components/schemas/Version"}}}}}}}},
            "/v1/versions/{id}": {"get": {"operationId": "getVersion", "summary": "One version's manifest and hash",
                                          "parameters": [_param("id", "Version id.", text_param, True, "path")],
                                          "responses": {"200": json_of("Version", "The version."), "404": problem}}},
            "/v1/diff": {"get": {"operationId": "diff", "summary": "What changed between two versions",
                                 "parameters": [
                                     _param("old", "The earlier version: an id, or a date (the version in force "
                                                   "that day).", text_param, True),
                                     _param("new", "The later version: an id or a date.", text_param, True)],
                                 "responses": {"200": {"description": "As `sc-policy diff --format json`.",
                                                       "content": {"application/json": {"schema": {"type": "object"}}}},
                                               "400": problem}}},
            "/healthz": {"get": {"operationId": "health", "summary": "Liveness",
                                 "responses": {"200": {"description": "The service is up.", "content": {
                                     "application/json": {"schema": {"type": "object", "required": ["status"]}}}}}}},
            "/openapi.json": {"get": {"operationId": "openapi", "summary": "This document",
                                      "responses": {"200": {"description": "OpenAPI 3.1.",
                                                            "content": {"application/json": {"schema": {
                                                                "type": "object"}}}}}}},
            "/": {"get": {"operationId": "page", "summary": "The caseworkers' page: a form, and the explained answer",
                          "parameters": [
                              _param("occupation", "A NOC 2016 or NOC 2021 code, or words of the title.", text_param),
                              _param("industry", "The employer's NAICS Canada 2017 code.", text_param),
                              _param("version", "Policy version id (default: in force today).", text_param)],
                          "responses": {"200": html("The page; errors are shown next to their field.")}}},
            "/versions/{id}": {"get": {"operationId": "policyBook", "summary": "A version as a readable policy book",
                                       "parameters": [_param("id", "Version id.", text_param, True, "path")],
                                       "responses": {"200": html("The policy book."),
                                                     "404": html("No such version.")}}},
        },
        "components": {"schemas": {
            "Problem": {"type": "object", "required": ["type", "title", "status", "detail"],
                        "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                                       "status": {"type": "integer"}, "detail": {"type": "string"},
                                       "parameter": {"type": "string"}}},
            "Decision": decision,
            "Version": version_row,
        }},
    }


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("sc-policy")
    except PackageNotFoundError:
        return "0"
