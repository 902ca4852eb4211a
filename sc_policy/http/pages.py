"""The caseworkers' pages: the question form with its answer (``/``), the occupations an industry opens
(``/occupations``) and the policy book (``/versions/{id}``).

The HTML comes from the templates of :mod:`sc_policy.present.pages`, rendered with autoescaping
through Starlette's ``Jinja2Templates``. A mistake in a field is shown next to the field, on the
page rendered as usual with status 400; an address the form never produces (an unknown parameter, one given twice, a value too
long) gets a "Bad request" page, rendered by :func:`refused_page`, and a method a page does not take (a form posted to
it) a "Method not allowed" page, by :func:`method_page`.
"""

from typing import Annotated, Optional

from fastapi import APIRouter, Depends, Path, Query
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

from sc_policy.diagnostics import cut, echoed
from sc_policy.http.models import MAX_PARAM_CHARS
from sc_policy.http.occupations import occupations_page
from sc_policy.http.problems import NOSNIFF, Problem
from sc_policy.http.routes_api import strict_query
from sc_policy.present import pages

__all__ = ["page_router", "page_response", "refused_page", "not_found_page", "method_page", "is_page_route",
           "PAGE_HEADERS", "PAGE_PARAMS", "OCCUPATIONS_PAGE_PARAMS"]

PAGE_PARAMS = ("occupation", "industry", "on", "version")
OCCUPATIONS_PAGE_PARAMS = ("industry", "area", "version")
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    **NOSNIFF,
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",          # frame-ancestors, for browsers older than CSP 2
}
"""The pages load nothing but themselves: no script runs, even if escaping ever failed."""
HTML = {"text/html": {"schema": {"type": "string"}}}


def is_page_route(route: object) -> bool:
    """A route that answers HTML, as every route of :func:`page_router` does: a page, whose refusals are pages
    too, not problems (so that a new page needs no list of its own, here or in the OpenAPI document's tests)."""
    return getattr(route, "response_class", None) is HTMLResponse


def is_page(request: Request) -> bool:
    """An address of a page: one routed to a route that answers HTML (:func:`is_page_route`)."""
    route = request.scope.get("route")
    return route is not None and is_page_route(route)


def root_of(request: Request) -> str:
    """The path prefix the service is served under (the ASGI ``root_path``, ``serve --root-path``), or ''."""
    return request.scope.get("app_root_path", request.scope.get("root_path", "")).rstrip("/")


def page_response(request: Request, name: str, context: dict, status: int = 200) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, {**context, "root": root_of(request)}, status_code=status,
                                      headers=PAGE_HEADERS)


def refused_page(request: Request, problem: Problem) -> Response:
    """A page address with a parameter the page does not take (a form never sends one): a 400 page."""
    context = request.app.state.service.message_context(
        "Bad request", f"This address cannot be answered: {problem.detail}.")
    return page_response(request, "message.html", context, 400)


def not_found_page(request: Request, message: str) -> Response:
    return page_response(request, "message.html", request.app.state.service.message_context("Not found", message),
                         404)


def failed_page(request: Request) -> Response:
    """A page's address whose answer failed (a defect, logged with its traceback): a 500 page, not a problem."""
    context = request.app.state.service.message_context(
        "Something went wrong", "The service failed to answer this question; the failure is logged. Try again "
                                "later, and tell the people who run the service if it happens again.")
    return page_response(request, "message.html", context, 500)


def method_page(request: Request, allow: str) -> Response:
    """A page's address asked with a method it does not take (a form posted to it): a 405 page with ``Allow``."""
    context = request.app.state.service.message_context(
        "Method not allowed", f"This page does not answer a {cut(request.method, 20)} request: open its address "
                              f"in the browser, or send the form from the page.")
    response = page_response(request, "message.html", context, 405)
    response.headers["Allow"] = allow
    return response


def field(description: str):
    """A field of the form, as a declared query parameter."""
    return Query(max_length=MAX_PARAM_CHARS, description=description)


def page_router() -> APIRouter:
    """The pages' routes, declared (the service they use is the application's ``state.service``)."""
    router = APIRouter(default_response_class=HTMLResponse)

    @router.get("/", operation_id="page", summary="The caseworkers' page: a form, and the explained answer",
                response_description="The page: the form, the matches of a title search, or the explained answer.",
                dependencies=[Depends(strict_query(PAGE_PARAMS))],
                responses={400: {"description": "A field's value is not known (shown next to the field: a bad "
                                                "occupation code, an unknown industry or version, a date that is "
                                                "none or has no version in force, a title no occupation has), or "
                                                "a parameter the form never sends: unknown, given twice or too "
                                                "long.", "content": HTML}})
    def home(request: Request,
             occupation: Annotated[Optional[str], field("A NOC 2016 or NOC 2021 code, or words of the title.")] = None,
             industry: Annotated[Optional[str], field("The employer's NAICS Canada 2017 code.")] = None,
             on: Annotated[Optional[str], field("The day whose version in force decides, YYYY-MM-DD "
                                                "(default: today).")] = None,
             version: Annotated[Optional[str], field("Policy version id (default: in force today).")] = None
             ) -> Response:
        form = pages.Form(occupation=occupation or "", industry=industry or "", on=on or "", version=version or "",
                          submitted=tuple(request.query_params), max_chars=MAX_PARAM_CHARS)
        context = request.app.state.service.home_context(form)
        return page_response(request, "home.html", context, 400 if form.errors else 200)

    @router.get("/occupations", operation_id="occupationsPage",
                summary="The caseworkers' list of the occupations an employer's industry opens",
                response_description="The page: a form (industry, area, version) and the list of eligible NOC 2016 "
                                     "unit groups with their areas.",
                dependencies=[Depends(strict_query(OCCUPATIONS_PAGE_PARAMS))],
                responses={400: {"description": "A field's value is not known (shown next to the field), or a "
                                                "parameter the form never sends: unknown, given twice or too long.",
                                 "content": HTML}})
    def occupations(request: Request,
                    industry: Annotated[Optional[str], field("The employer's NAICS Canada 2017 code.")] = None,
                    area: Annotated[Optional[str], field("A priority area's id (default: every area).")] = None,
                    version: Annotated[Optional[str], field("Policy version id (default: in force today).")] = None
                    ) -> Response:
        form = pages.Form(industry=industry or "", area=area or "", version=version or "",
                          submitted=tuple(request.query_params), max_chars=MAX_PARAM_CHARS)
        context, status = occupations_page(request.app.state.service, form)
        return page_response(request, "occupations.html", context, status)

    @router.get("/versions/{id}", operation_id="policyBook", summary="A version as a readable policy book",
                response_description="The policy book.", dependencies=[Depends(strict_query())],
                responses={400: {"description": "A query parameter was given (the address takes none), or the "
                                                f"id is longer than {MAX_PARAM_CHARS} characters.", "content": HTML},
                           404: {"description": "No such version.", "content": HTML}})
    async def book(request: Request,
                   id: Annotated[str, Path(max_length=MAX_PARAM_CHARS, description="Version id.")]) -> Response:
        service = request.app.state.service
        if id not in service.books:
            return not_found_page(request, f"There is no policy version {echoed(id)}.")
        return HTMLResponse(service.book(id, root_of(request)), headers=PAGE_HEADERS)

    return router
