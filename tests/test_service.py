"""The decision service in-process: the JSON API against the CLI, problems for bad input, the pages.

Starlette's TestClient drives the ASGI app without a socket. The schemathesis run
generates requests from the OpenAPI document and asserts that none gets a
server error and that every response matches the document.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import socket
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.config import SchemathesisConfig  # noqa: E402
with warnings.catch_warnings():  # Starlette 1.x prefers httpx2; httpx (which schemathesis uses) still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from conftest import serving  # noqa: E402
from sc_policy.http.caching import etag_of  # noqa: E402
from sc_policy.app.workspace import Workspace  # noqa: E402
from sc_policy.cli import main  # noqa: E402
from sc_policy.diagnostics import PolicyInvalidError  # noqa: E402
from sc_policy.http.app import (MAX_BATCH, MAX_BODY_BYTES, MAX_PARAM_CHARS, create_app,  # noqa: E402
                               openapi_document)
from sc_policy.http.models import MAX_HEAD_BYTES  # noqa: E402
from sc_policy.http.pages import is_page_route  # noqa: E402

from conftest import POLICY, VERSION, examples, version_dir  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


APP = create_app(Workspace())
"""One app for the module: schemathesis needs it when collecting (its lazy fixture loader fails on pytest 9)."""


@pytest.fixture(scope="module")
def app():
    return APP


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


def cli(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def assert_problem(response, status: int, parameter: str):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status and body["parameter"] == parameter
    assert body["detail"].startswith(parameter), body["detail"]
    assert "Traceback" not in response.text
    return body


# -- GET /v1/decisions is `sc-policy explain --format json`: byte for byte with pretty=1, else compact ------

@pytest.mark.parametrize("query,args", [
    ("noc=2174&industry=541514", ["2174", "--industry", "541514"]),
    ("noc=2174", ["2174"]),
    ("noc=2173&industry=334511", ["2173", "--industry", "334511"]),
    ("noc=0213", ["0213"]),
    ("noc=21232&noc_version=2021", ["21232", "--noc-version", "2021"]),
    (f"noc=9232&version={VERSION}", ["9232", "--version", VERSION]),
    ("noc=7511&on=2022-01-01&industry=3361", ["7511", "--on", "2022-01-01", "--industry", "3361"]),
])
def test_get_decision_is_the_cli_json_byte_for_byte(client, query, args):
    printed = cli("explain", *args, "--format", "json")
    response = client.get(f"/v1/decisions?{query}&pretty=1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.content == printed
    # By default the same JSON, encoded compactly (one line, no spaces between tokens): the indented
    # encoder runs in pure Python and took half a decision's server time (issue 17).
    compact = client.get(f"/v1/decisions?{query}")
    assert compact.status_code == 200 and compact.headers["content-type"].startswith("application/json")
    assert compact.content == (json.dumps(json.loads(printed), ensure_ascii=False, separators=(",", ":"))
                               + "\n").encode("utf-8")
    assert compact.content.count(b"\n") == 1 and len(compact.content) < len(printed)


def test_a_version_named_by_id_is_decided_on_no_day(client):
    assert client.get(f"/v1/decisions?noc=2174&version={VERSION}").json()["decided_on"] is None
    assert client.get("/v1/decisions?noc=2174&on=2027-01-01").json()["decided_on"] == "2027-01-01"
    assert client.get("/v1/decisions?noc=2174").json()["decided_on"] is not None  # chosen for today


def test_decision_shows_verdict_and_ict_clauses(client):
    body = client.get("/v1/decisions", params={"noc": "2174", "industry": "541514"}).json()
    assert body["verdict"] == "eligible"
    ict = next(a for a in body["areas"] if a["area"] == "ict")
    assert ict["in_scope"] is True
    assert {c["clause"]: c["result"] for c in ict["clauses"]}["industry-in-area"] == "pass"
    # every ICT clause quotes ICT's own text or the general text; ICT's text states no skill levels, which
    # `sc-policy check` reports (area-without-passage) instead of quoting another area's sentence
    assert [c["clause"] for c in ict["clauses"] if not c["source"]] == ["skill-level-limit"]


# -- bad input: a 4xx problem naming the parameter ------------------------------------------------------

def test_us_naics_code_is_refused_with_the_canadian_one_offered(client):
    body = assert_problem(client.get("/v1/decisions?noc=2174&industry=541510"), 400, "industry")
    assert "NAICS Canada 2017" in body["detail"] and "541514" in body["detail"]


@pytest.mark.parametrize("query,parameter", [
    ("noc=21A4", "noc"),
    ("noc=9999", "noc"),
    ("", "noc"),
    ("noc=", "noc"),
    ("noc=21232", "noc"),                              # NOC 2021 code without noc_version
    ("noc=2174&noc_version=2019", "noc_version"),
    ("noc=2174&industry=12", "industry"),
    ("noc=2174&industry=33x", "industry"),
    ("noc=2174&version=phase-9", "version"),
    ("noc=2174&on=2020-01-01", "on"),                  # before the version came into force
    ("noc=2174&on=yesterday", "on"),
    (f"noc=2174&on=2022-01-01&version={VERSION}", "on"),
    ("noc=2174&naics=541514", "naics"),                # a typo is named, not ignored
    ("noc=2174&noc=2175", "noc"),
    ("noc=" + "1" * 500, "noc"),
])
def test_bad_decision_input_gets_a_problem_naming_the_parameter(client, query, parameter):
    assert_problem(client.get(f"/v1/decisions?{query}"), 400, parameter)


@pytest.mark.parametrize("query,parameter", [
    ("noc=2174&on=2020-01-01", "on"),
    ("noc=2174&version=phase-9", "version"),
    ("noc=21232", "noc"),
    ("noc=2174&industry=541510", "industry"),
])
def test_problems_are_worded_for_the_api_not_the_command_line(client, query, parameter):
    detail = assert_problem(client.get(f"/v1/decisions?{query}"), 400, parameter)["detail"]
    assert "sc-policy" not in detail and "--" not in detail, detail


def test_a_suggestion_is_worded_by_each_front_door():
    from sc_policy.diagnostics import Diagnostic, Span, Suggestion
    from sc_policy.http.problems import from_diagnostic
    from sc_policy.present.pages import sentence
    known = Diagnostic(Span(""), "error", "unknown-version", "unknown version 'phase-9'",
                       suggestion=Suggestion("known-versions", ("phase-1", "phase-2")))
    problem = from_diagnostic(known, "version")
    assert problem.detail == "version: unknown version 'phase-9' (known versions: phase-1, phase-2)"
    assert problem.code == "unknown-version" and problem.parameter == "version" and problem.status == 400
    listed = Diagnostic(Span(""), "error", "unknown-version", "no version of the policy is in force today",
                        suggestion=Suggestion("list-versions", (), "the list of versions gives their dates"))
    assert from_diagnostic(listed, "on").detail.endswith("(GET /v1/versions lists the versions and their dates)")
    assert sentence(listed, "Pick one.") == ("No version of the policy is in force today (the list of versions "
                                             "gives their dates). Pick one.")
    plain = Diagnostic(Span(""), "error", "bad-input", "NAICS code 9 is not 2 to 6 digits",
                       suggestion=Suggestion("note", text="a NAICS code has 2 to 6 digits"))
    assert from_diagnostic(plain, "industry").detail.endswith("(a NAICS code has 2 to 6 digits)")


def test_unknown_path_and_method_are_problems(client):
    assert_problem(client.get("/v1/nothing"), 404, "path")
    # a trailing slash is another path: a 404 problem, not an undocumented 307 to a Location built
    # from the request's Host header
    for path in ("/v1/versions/", f"/v1/versions/{VERSION}/", "/v1/decisions/?noc=2174", "/healthz/",
                 "/occupations/"):
        assert_problem(client.get(path, headers={"host": "elsewhere.example"}, follow_redirects=False), 404, "path")
    assert_problem(client.delete("/v1/decisions?noc=2174"), 405, "method")


def test_decisions_405_names_every_method_the_address_takes(client):
    response = client.put("/v1/decisions", json=[])
    assert_problem(response, 405, "method")
    assert {m.strip() for m in response.headers["allow"].split(",")} >= {"GET", "POST"}


# -- every route refuses what it does not take ----------------------------------------------------------

@pytest.mark.parametrize("path", ["/v1/versions", f"/v1/versions/{VERSION}", "/v1/versions/phase-9", "/healthz",
                                  "/openapi.json"])
def test_routes_without_parameters_refuse_any(client, path):
    body = assert_problem(client.get(f"{path}?verbose=1"), 400, "verbose")
    assert "takes no parameters" in body["detail"]
    assert_problem(client.get(f"{path}?verbose=1&verbose=2"), 400, "verbose")
    assert client.get(path).status_code in (200, 404)


@pytest.mark.parametrize("query,parameter", [
    (f"old={VERSION}&new={VERSION}&old={VERSION}", "old"),
    (f"old={VERSION}&new={VERSION}&format=text", "format"),
    (f"old={VERSION}&new=" + "2" * 201, "new"),
    (f"old=20220101&new={VERSION}", "old"),                   # a date is written YYYY-MM-DD, nothing else
])
def test_diff_refuses_repeated_unknown_and_long_parameters(client, query, parameter):
    assert_problem(client.get(f"/v1/diff?{query}"), 400, parameter)


def test_batch_takes_no_query_parameters(client):
    assert_problem(client.post("/v1/decisions?noc=2174", json=[{"noc": "2174"}]), 400, "noc")


@pytest.mark.parametrize("query,parameter", [
    ("noc=2174&on=20220101", "on"),                           # Python reads it; the document's date does not
    ("noc=2174&on=2022-02-30", "on"),
    ("noc=2174&on=%202022-01-01", "on"),
    ("noc=2174&noc_version=%202016", "noc_version"),
])
def test_dates_and_classifications_are_read_exactly_as_documented(client, query, parameter):
    assert_problem(client.get(f"/v1/decisions?{query}"), 400, parameter)


def test_an_empty_on_or_noc_version_is_not_given(client):
    plain = client.get("/v1/decisions?noc=2174").content
    assert client.get("/v1/decisions?noc=2174&on=&noc_version=&industry=&version=").content == plain


@pytest.mark.parametrize("query,named", [
    ("occupation=2174&utm_source=mail", "utm_source"),
    ("occupation=2174&occupation=2175", "occupation"),
    ("occupation=2174&version=" + "0" * 201, "version"),     # was cut to 200 characters and answered
])
def test_page_refuses_a_parameter_the_form_never_sends(client, query, named):
    response = client.get(f"/?{query}")
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "<h1>Bad request</h1>" in response.text and named in response.text
    assert "Verdict" not in response.text


def test_page_fields_stop_at_the_longest_value_taken(client):
    html = client.get("/").text
    for name in ("occupation", "industry"):
        assert re.search(rf'<input [^>]*id="{name}"[^>]*maxlength="{MAX_PARAM_CHARS}"', html)


def test_policy_book_takes_no_parameters(client):
    response = client.get(f"/versions/{VERSION}?print=1")
    assert response.status_code == 400 and "<h1>Bad request</h1>" in response.text


# -- every response says nosniff --------------------------------------------------------------------------

@pytest.mark.parametrize("method,url,kwargs", [
    ("GET", "/v1/decisions?noc=2174", {}),                                        # 200 JSON
    ("GET", "/v1/decisions?noc=21A4", {}),                                        # 400 problem
    ("POST", "/v1/decisions", {"json": [{"noc": "2174"}] * (MAX_BATCH + 1)}),    # 413 problem
    ("POST", "/v1/decisions", {"content": b"[]", "headers": {"content-type": "text/plain"}}),   # 415 problem
    ("DELETE", "/v1/versions", {}),                                               # 405 problem
    ("GET", "/v1/versions/phase-9", {}),                                          # 404 problem
    ("GET", "/v1/versions", {}),
    ("GET", "/v1/diff?old=phase-1&new=phase-1", {}),
    ("GET", "/healthz", {}),
    ("GET", "/openapi.json", {}),
    ("GET", "/openapi.json?x=1", {}),
    ("GET", "/?occupation=2174", {}),                                             # pages
    ("GET", "/?x=1", {}),
    ("GET", "/nothing", {"headers": {"accept": "text/html"}}),
    ("GET", f"/versions/{VERSION}", {}),
    ("GET", "/v1/versions/", {"follow_redirects": False}),                         # Starlette's own redirect
])
def test_every_response_says_nosniff(client, method, url, kwargs):
    response = client.request(method, url, **kwargs)
    assert response.headers.get_list("x-content-type-options") == ["nosniff"], (response.status_code, url)


@pytest.mark.parametrize("url", ["/v1/decisions?noc=2174&industry=541514", "/v1/decisions?noc=2174&pretty=1",
                                 "/v1/versions", f"/v1/versions/{VERSION}", "/openapi.json", "/healthz",
                                 f"/versions/{VERSION}", "/?occupation=2174&industry=541514"])
def test_an_answer_carries_a_validator_and_a_client_that_has_it_gets_a_304(client, url):
    # a case-management system or a caching proxy revalidates instead of fetching the same bytes again
    first = client.get(url)
    etag = first.headers["etag"]
    assert first.status_code == 200 and first.headers["cache-control"] == "no-cache" and etag.startswith('"')
    again = client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert again.headers["cache-control"] == "no-cache" and "content-length" not in again.headers
    assert client.get(url, headers={"if-none-match": f'"x", {etag}'}).status_code == 304
    assert client.get(url, headers={"if-none-match": '"something-else"'}).content == first.content
    assert client.head(url, headers={"if-none-match": etag}).status_code == 304


def test_openapi_describes_the_validators_and_the_304(client):
    doc = client.get("/openapi.json").json()
    for path, operations in doc["paths"].items():
        get = operations["get"]
        assert {"ETag", "Cache-Control", "X-Content-Type-Options"} <= set(get["responses"]["200"]["headers"]), path
        assert "content" not in get["responses"]["304"] and "ETag" in get["responses"]["304"]["headers"], path
    headers = doc["components"]["headers"]
    assert headers["CacheControl"]["schema"]["const"] == client.get("/healthz").headers["cache-control"]


def test_different_bytes_have_different_validators_and_a_refusal_has_none(client):
    compact = client.get("/v1/decisions?noc=2174&industry=541514")
    pretty = client.get("/v1/decisions?noc=2174&industry=541514&pretty=1")
    assert compact.headers["etag"] != pretty.headers["etag"]
    assert [compact.headers["etag"], pretty.headers["etag"]] == [etag_of(compact.content).decode(),
                                                                etag_of(pretty.content).decode()]
    assert client.get("/v1/decisions?noc=2174&industry=541514").headers["etag"] == compact.headers["etag"]
    refused = client.get("/v1/decisions?noc=21A4", headers={"if-none-match": "*"})
    assert refused.status_code == 400 and "etag" not in refused.headers


def test_a_404_that_differs_by_accept_says_so_to_caches(client):
    # an unknown address is a page for a browser and a problem for a program: a shared cache must keep both apart
    page, problem = client.get("/nothing", headers={"accept": "text/html"}), client.get("/nothing")
    assert page.headers["content-type"].startswith("text/html") and page.headers["vary"] == "Accept"
    assert problem.headers["content-type"] == "application/problem+json" and problem.headers["vary"] == "Accept"


def test_a_server_error_says_nosniff_too(app, monkeypatch):
    def fail(*args):
        raise RuntimeError("boom")
    monkeypatch.setattr(app.state.service, "_diff_cached", fail)
    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get(f"/v1/diff?old={VERSION}&new={VERSION}")
    assert response.status_code == 500 and response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-content-type-options"] == "nosniff" and "boom" not in response.text


def test_unknown_page_is_a_page_for_a_browser(client):
    response = client.get("/nothing", headers={"accept": "text/html"})
    assert response.status_code == 404 and "<h1>Not found</h1>" in response.text


# -- POST /v1/decisions: a bounded batch, answers in order, errors in place -----------------------------

def test_batch_answers_in_order_with_errors_in_place(client):
    items = [{"noc": "2174", "industry": "541514"}, {"noc": "21A4"}, {"noc": "2175"}, "2174",
             {"noc": 2174}, {"noc": "2174", "industry": "541510"}, {"noc": "21232", "noc_version": "2021"}]
    response = client.post("/v1/decisions", json=items)
    assert response.status_code == 200
    out = response.json()
    assert len(out) == len(items)
    single = client.get("/v1/decisions", params={"noc": "2174", "industry": "541514"}).json()
    assert out[0] == single
    assert out[2]["input"]["noc"] == "2175" and out[6]["noc_version"] == "2021"
    assert out[1]["error"]["parameter"] == "[1].noc"
    assert out[3]["error"]["parameter"] == "[3]"
    assert out[4]["error"]["parameter"] == "[4].noc"          # a number would lose leading zeros
    assert out[5]["error"]["parameter"] == "[5].industry" and "541514" in out[5]["error"]["detail"]


def test_batch_names_a_value_of_the_wrong_json_type(client):
    """A number where a string is expected is said to be one: never "must be 2016 or 2021, not '2016'"."""
    items = [{"noc": "2174", "noc_version": 2016}, {"noc": "2174", "noc_version": True},
             {"noc": "2174", "on": 20261126}, {"noc": "2174", "version": 1}, {"noc": "2174", "industry": 541514}]
    out = client.post("/v1/decisions", json=items).json()
    details = [item["error"]["detail"] for item in out]
    assert details == ["[0].noc_version: must be a string, 2016 or 2021, not a number",
                       "[1].noc_version: must be a string, 2016 or 2021, not a boolean",
                       "[2].on: must be a string", "[3].version: must be a string",
                       "[4].industry: must be a string (codes may start with 0)"]


def test_batch_refuses_a_key_given_twice_in_place(client):
    """{"noc": "2174", "noc": "0011"} is refused as a query parameter given twice is, not decided for 0011."""
    body = b'[{"noc": "2174", "noc": "0011"}, {"noc": "2174", "industry": "541514", "industry": ""}, {"noc": "2174"}]'
    out = client.post("/v1/decisions", content=body, headers={"content-type": "application/json"}).json()
    assert [item.get("error", {}).get("detail") for item in out] == [
        "[0].noc: given more than once", "[1].industry: given more than once", None]
    assert out[1]["error"]["parameter"] == "[1].industry" and out[2]["eligible"] is True


def test_batch_echoes_a_long_key_cut_as_a_query_parameter_is(client):
    """An unknown or repeated key of a batch item is repeated cut at 40 characters, as a query parameter's
    name is (it was echoed at 200 characters, and a repeated key whole in ``parameter``)."""
    long = "x" * 35 + "ABCDEFGHIJ" + "y" * 500
    body = ('[{"noc": "2174", "%s": 1}, {"noc": "2174", "%s": 1, "%s": 2}]' % (long, long, long)).encode()
    out = client.post("/v1/decisions", content=body, headers={"content-type": "application/json"}).json()
    for i, item in enumerate(out):
        detail, parameter = item["error"]["detail"], item["error"]["parameter"]
        assert detail.startswith(f"[{i}]." + long[:40] + "\u2026: ") and len(detail) <= 160, detail
        assert parameter.startswith(f"[{i}].xxx") and len(parameter) <= len(f"[{i}].") + MAX_PARAM_CHARS


def test_batch_is_bounded(client):
    assert_problem(client.post("/v1/decisions", json=[{"noc": "2174"}] * (MAX_BATCH + 1)), 413, "body")
    big = json.dumps([{"noc": "2174", "industry": " " * 1000}] * 80).encode()
    assert len(big) > MAX_BODY_BYTES
    assert_problem(client.post("/v1/decisions", content=big, headers={"content-type": "application/json"}),
                   413, "body")
    assert client.post("/v1/decisions", json=[{"noc": "2174"}] * MAX_BATCH).status_code == 200


@pytest.mark.parametrize("content,ctype,status", [
    (b"[{\"noc\": ", "application/json", 400),
    (b"\xff\xfe", "application/json", 400),
    (b"{\"noc\": \"2174\"}", "application/json", 400),
    (b"[" * 100000 + b"]" * 100000, "application/json", 413),
    (b"[{\"noc\": \"2174\"}]", "text/plain", 415),
])
def test_malformed_batch_is_a_problem(client, content, ctype, status):
    assert_problem(client.post("/v1/decisions", content=content, headers={"content-type": ctype}), status,
                   "body")


def test_a_compressed_batch_is_refused_with_the_coding_taken(client):
    """RFC 9110 (8.4, 15.5.16): a content coding the server does not take is a 415 that says which it takes.
    The coding was ignored: a gzip body was 'not UTF-8: byte 0x8b at byte 1', and JSON labelled br was
    read as if it were not compressed."""
    body = b'[{"noc": "2174"}]'
    for coding, content in (("gzip", gzip.compress(body)), ("br", body), ("gzip, identity", gzip.compress(body))):
        response = client.post("/v1/decisions", content=content,
                               headers={"content-type": "application/json", "content-encoding": coding})
        assert_problem(response, 415, "Content-Encoding")
        assert response.headers["accept-encoding"] == "identity"
        assert response.json()["detail"] == f"Content-Encoding: {coding} is not taken; send the JSON uncompressed"
    response = client.post("/v1/decisions", content=body,
                           headers={"content-type": "application/json", "content-encoding": "identity"})
    assert response.status_code == 200 and response.json()[0]["verdict"] == "eligible"
    declared = client.get("/openapi.json").json()["paths"]["/v1/decisions"]["post"]["responses"]["415"]
    assert declared["headers"]["Accept-Encoding"]["schema"]["const"] == "identity"


@pytest.mark.parametrize("content, detail", [
    (b'[{"noc": ' + b"9" * 5000 + b"}]", "body: a number in the JSON has more digits than any input needs (5000)"),
    (b'[{"noc": "2174"}]\xff', "body: not UTF-8: byte 0xff at byte 17"),
    (b'[{"noc": }]', "body: not valid JSON: expecting value at line 1, column 10"),
    (b" \r\n", "body: empty: send a JSON list of inputs"),
    (b'[{"noc": NaN}]', "body: not valid JSON: NaN is not a JSON value"),
    (b'[{"noc": "2174", "on": -Infinity}]', "body: not valid JSON: -Infinity is not a JSON value"),
    (b'[{"noc": "\\ud800"}]', "body: a string holds U+D800, a lone surrogate: an escape that names no character"),
    (b'[{"noc": "2174", "\\udfff": 1, "\\udfff": 2}]',
     "body: a string holds U+DFFF, a lone surrogate: an escape that names no character"),
    (b'[["x", {"a": ["\\ud83d\\ude00", "\\ude00"]}]]',
     "body: a string holds U+DE00, a lone surrogate: an escape that names no character"),
], ids=["a number of 5,000 digits", "a byte that is not UTF-8", "not JSON", "no JSON at all", "NaN", "-Infinity",
        "a lone surrogate", "a lone surrogate in a key given twice", "a lone surrogate deep in the body"])
def test_a_body_that_is_not_json_says_what_is_wrong_in_its_own_words(client, content, detail):
    """Not Python's: a 5,000-digit number was 'not valid UTF-8 JSON (Exceeds the limit (4300 digits)
    for integer string conversion ...; use sys.set_int_max_str_digits() ...)'. NaN and Infinity, which
    Python reads and JSON has not, were taken as values (answered in place as the wrong type); a string
    escape no UTF-8 can carry (a lone surrogate, RFC 8259 section 8.2) was pydantic's 'unable to parse raw
    data as a unicode string', and a 500 when it was a key given twice (the problem echoing it could not
    be encoded). A body of no JSON at all was 'expecting value at line 1, column 1'."""
    response = client.post("/v1/decisions", content=content, headers={"content-type": "application/json"})
    assert_problem(response, 400, "body")
    assert response.json()["detail"] == detail


def test_a_body_after_a_byte_order_mark_is_read(client):
    """Not 'unexpected UTF-8 BOM (decode using utf-8-sig)': RFC 8259 lets a reader ignore the mark."""
    response = client.post("/v1/decisions", content='\ufeff[{"noc": "2174"}]'.encode("utf-8"),
                           headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.json()[0]["verdict"] == "eligible"


def test_deeply_nested_batch_is_a_problem(client):
    nested = b"[" * 5000 + b"]" * 5000
    response = client.post("/v1/decisions", content=nested, headers={"content-type": "application/json"})
    assert response.status_code == 200 or response.status_code == 400
    if response.status_code == 200:       # a list of one list: that item is refused in place
        assert response.json()[0]["error"]["parameter"] == "[0]"


# -- versions, health, the OpenAPI document -------------------------------------------------------------

def test_versions_are_the_cli_json(client):
    response = client.get("/v1/versions")
    assert response.status_code == 200 and response.content == cli("versions", "--format", "json")
    row = client.get(f"/v1/versions/{VERSION}").json()
    assert row == next(r for r in json.loads(response.content) if r["id"] == VERSION)
    assert re.fullmatch(r"[0-9a-f]{64}", row["content_hash"])
    assert_problem(client.get("/v1/versions/phase-9"), 404, "id")


def test_versions_show_each_frozen_versions_integrity(client):
    from sc_policy.engine.table import decisions_hash
    rows = client.get("/v1/versions").json()
    assert [r["id"] for r in rows] == ["phase-1", "phase-1.1", VERSION]
    for row in rows:  # phase-1.1 and phase-1.2 decide exactly as phase-1
        assert row["frozen"] is True and row["integrity"] == "intact" and row["sha256"] == row["content_hash"]
        assert row["table_sha256"] == decisions_hash(APP.state.service.opened[VERSION].table)
    described = openapi_document()["components"]["schemas"]
    assert any("integrity" in schema.get("properties", {}) for schema in described.values())


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok", "versions": ["phase-1", "phase-1.1", VERSION]}


def test_healthz_is_503_on_a_day_no_version_is_in_force(app, monkeypatch):
    # every question that names no version (every caseworker's) would be refused: a balancer must not send them here
    import datetime as dt
    service = app.state.service
    monkeypatch.setattr(service, "_chosen", lambda version, on, today: service.workspace.select(
        version, on or (dt.date(2020, 1, 1) if version is None else None)).id)   # before phase-1's first day
    with TestClient(app) as c:
        response = c.get("/healthz")
        assert_problem(response, 503, "service")
        detail = response.json()["detail"]      # the workspace's words: in force on 2020-01-01 here, today in service
        assert detail.startswith("service: no version of the policy is in force ")
        assert detail.endswith("; a question that names a version is answered")
        assert c.get("/v1/decisions?noc=2174").status_code == 400
        assert c.get(f"/v1/decisions?noc=2174&version={VERSION}").status_code == 200
        assert c.head("/healthz").status_code == 503
    monkeypatch.undo()
    assert TestClient(app).get("/healthz").status_code == 200       # today again


def test_healthz_is_503_for_a_tree_whose_last_version_has_ended(shipped_copy):
    """The same on the real clock: with phase-1 alone (in force until 2026-11-25), no version is in force
    today, and a balancer must hear it from /healthz while a question naming phase-1 is still answered."""
    import shutil
    shutil.rmtree(shipped_copy / POLICY / VERSION)
    with TestClient(create_app(Workspace(shipped_copy))) as c:
        response = c.get("/healthz")
        assert_problem(response, 503, "service")
        assert response.json()["detail"] == ("service: no version of the policy is in force today; a question that "
                                             "names a version is answered")
        assert c.get("/v1/decisions?noc=2174&version=phase-1").status_code == 200


@pytest.mark.parametrize("root_path", ["", "/sc"])
def test_a_decision_is_answered_by_the_fast_path_with_or_without_a_path_prefix(app, monkeypatch, root_path):
    """The fast path answers GET /v1/decisions before routing (its bytes are the route's); behind a proxy at a
    prefix (``serve --root-path``) it must still match, or every decision pays for FastAPI's routing."""
    service, routed = app.state.service, []
    monkeypatch.setattr(service, "answer", lambda *a, **k: routed.append(a) or b"{}")  # the route's way only
    with TestClient(app, root_path=root_path) as c:
        response = c.get(f"{root_path}/v1/decisions?noc=2174")
    assert response.status_code == 200 and response.json()["input"]["noc"] == "2174" and routed == []


def test_openapi_describes_every_route(app, client):
    doc = client.get("/openapi.json").json()
    assert doc == openapi_document() and doc["openapi"].startswith("3.")
    described = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served = {(route.path, method) for route in app.routes for method in route.methods if method != "HEAD"}
    assert described == served


def test_openapi_declares_the_431_every_operation_can_get(client):
    """``serve`` answers a request line and headers over MAX_HEAD_BYTES with a 431 problem, whatever the
    address (tests below drive it): the document declared no 431, so a generated client had no type for it."""
    doc = client.get("/openapi.json").json()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            declared = operation["responses"].get("431")
            assert declared, f"{method} {path}"
            assert declared["content"]["application/problem+json"]["schema"]["$ref"].endswith("/ProblemDetails")
            assert str(MAX_HEAD_BYTES) in declared["description"]
    assert "404 problem" in doc["info"]["description"] and "405 problem with `Allow`" in doc["info"]["description"]
    assert "Every GET is answered for HEAD too" in doc["info"]["description"]      # HEAD has no operation of its own


def test_openapi_names_the_path_prefix_it_is_served_under(app):
    """Behind a proxy at a prefix (``serve --root-path``) the document names it as its server: without
    ``servers`` a client generated from it called /v1/decisions at the host's root, where the proxy serves
    nothing of the service."""
    with TestClient(app, root_path="/second-career") as c:
        response = c.get("/second-career/openapi.json")
        assert response.status_code == 200 and response.json()["servers"] == [{"url": "/second-career"}]
        assert {k: v for k, v in response.json().items() if k != "servers"} == json.loads(app.state.openapi_json(""))
        tag = response.headers["etag"]
        assert c.get("/second-career/openapi.json", headers={"if-none-match": tag}).status_code == 304
    with TestClient(app) as c:
        assert "servers" not in c.get("/openapi.json").json()      # at the root, the default server "/" is right


def test_openapi_describes_the_response_bodies(client, app):
    doc = client.get("/openapi.json").json()
    schemas, paths = doc["components"]["schemas"], doc["paths"]

    def body(path, method, status, media="application/json"):
        return paths[path][method]["responses"][status]["content"][media]["schema"]

    def named(schema):
        return schemas[schema["$ref"].rsplit("/", 1)[1]]

    decision, brief = (named(s) for s in body("/v1/decisions", "get", "200")["anyOf"])  # the two views
    assert {"verdict", "areas", "candidates", "version_hash"} <= set(decision["required"])
    answer = client.get("/v1/decisions?noc=2174&industry=541514").json()
    assert set(answer) == set(decision["properties"])                  # every field of the answer, no other
    assert {"verdict", "areas", "candidates", "version_hash"} <= set(brief["required"])
    answer = client.get("/v1/decisions?noc=2174&industry=541514&view=brief").json()
    assert set(answer) == set(brief["properties"])
    version = named(body("/v1/versions/{id}", "get", "200"))
    assert set(version["properties"]) == set(client.get(f"/v1/versions/{VERSION}").json())
    diff = named(body("/v1/diff", "get", "200"))
    assert set(diff["required"]) >= {"old", "new", "changes", "impact"}
    assert not refusals_not_problems(doc, app.routes)                   # every refusal is a problem
    assert "422" not in json.dumps(paths)


def refusals_not_problems(doc: dict, routes) -> list:
    """The refusals (4xx) that the OpenAPI document ``doc`` does not describe as a problem, but on a page's path
    (a route of ``routes`` that answers HTML, as :func:`sc_policy.http.pages.is_page_route` tells: its refusals
    are pages); and every response that does not describe the ``nosniff`` header."""
    pages = {route.path for route in routes if is_page_route(route)}
    schemas, wrong = doc["components"]["schemas"], []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if "X-Content-Type-Options" not in response.get("headers", {}):
                    wrong.append(f"{method.upper()} {path} {status}: no X-Content-Type-Options")
                if int(status) < 400 or path in pages:
                    continue
                schema = response.get("content", {}).get("application/problem+json", {}).get("schema", {})
                problem = schemas.get(schema.get("$ref", "").rsplit("/", 1)[-1], {})
                if set(problem.get("required", ())) != {"type", "title", "status", "detail"}:
                    wrong.append(f"{method.upper()} {path} {status}: not a problem (a page's route answers HTML: "
                                 f"declare it in page_router(), sc_policy/http/pages.py)")
    return wrong


def test_a_new_page_s_refusal_pages_are_told_from_problems_without_a_list_of_page_paths(monkeypatch):
    """A page that declares its 400 page (as the README's recipe says) is a page in the OpenAPI document's test
    by its route, as the service tells it (it was told by a list of page paths that a new page had to join)."""
    from fastapi import Depends
    from sc_policy.http import app as http_app
    from sc_policy.http.pages import HTML, page_router
    from sc_policy.http.routes_api import strict_query
    router = page_router()

    @router.get("/a-new-page", dependencies=[Depends(strict_query())],
                responses={400: {"description": "A query parameter was given.", "content": HTML}})
    def a_new_page():
        return ""

    monkeypatch.setattr(http_app, "page_router", lambda: router)
    doc = openapi_document()
    assert "text/html" in doc["paths"]["/a-new-page"]["get"]["responses"]["400"]["content"]
    assert refusals_not_problems(doc, router.routes) == []
    assert refusals_not_problems(doc, []) != []                          # no page: its refusal is no problem


def test_head_is_answered_like_get(client):
    response = client.head("/healthz")
    assert response.status_code == 200 and response.headers["x-content-type-options"] == "nosniff"
    assert {m.strip() for m in client.put("/healthz").headers["allow"].split(",")} == {"GET", "HEAD"}


def test_diff_is_the_cli_json_byte_for_byte(client):
    response = client.get(f"/v1/diff?old={VERSION}&new=2026-12-01")
    assert response.status_code == 200
    assert response.content == cli("diff", VERSION, VERSION, "--format", "json")


def test_diff_refuses_unknown_versions(client):
    assert_problem(client.get("/v1/diff?old=phase-1"), 400, "new")
    assert_problem(client.get("/v1/diff?old=phase-9&new=phase-1"), 400, "old")
    assert_problem(client.get("/v1/diff?old=phase-1&new=2001-01-01"), 400, "new")
    assert_problem(client.get("/v1/diff?old=phase-1&new=phase-1&impact=no"), 400, "impact")


# -- the service refuses a tree with errors ---------------------------------------------------------------

def test_service_refuses_to_start_on_a_tree_with_errors(tree_copy, monkeypatch):
    import uvicorn
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("serve started on a tree with errors"))
    clause = version_dir(tree_copy) / "clauses" / "skill-level-limit.yaml"
    clause.write_text(clause.read_text(encoding="utf-8").replace("condition:", "condition: nonsense_fact and",
                                                                 1), encoding="utf-8")
    with pytest.raises(PolicyInvalidError) as caught:
        create_app(Workspace(tree_copy))
    assert caught.value.findings and all(f.severity == "error" for f in caught.value.findings)
    result = CliRunner().invoke(main, ["serve", "--policies", str(tree_copy), "--port", "8080"])
    assert result.exit_code == 2
    assert "skill-level-limit.yaml:" in result.stderr and "sc-policy: error: the policy tree has" in result.stderr
    assert "Traceback" not in result.output


def test_service_refuses_a_tree_whose_policies_share_a_version_id(tree_copy, monkeypatch):
    # the API names a version by its id alone: one version would have answered for both (a draft here)
    import shutil
    import uvicorn
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("serve started with a version id shared"))
    other = tree_copy / "other"
    shutil.copytree(tree_copy / "second-career-fast-track", other)
    for earlier in ("phase-1", "phase-1.1"):
        shutil.rmtree(other / earlier)
    manifest = other / VERSION / "version.yaml"
    manifest.write_text("".join(line for line in manifest.read_text(encoding="utf-8").splitlines(keepends=True)
                                if not line.startswith("supersedes:")).replace(
        "policy: second-career-fast-track", "policy: other").replace("status: in-force", "status: draft"),
        encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--policies", str(tree_copy), "--port", "8080"])
    assert result.exit_code == 2 and result.stderr.strip().splitlines() == [
        f"sc-policy: error: {tree_copy}: the service names versions by their ids, and policies other, "
        f"second-career-fast-track of the tree share version id '{VERSION}': serve a tree that holds one of them"]


def test_service_refusing_a_tampered_version_names_the_hash_mismatch_first(shipped_copy, monkeypatch):
    import uvicorn
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("serve started on a tampered tree"))
    clause = version_dir(shipped_copy) / "clauses" / "skill-level-limit.yaml"
    clause.write_text(clause.read_text(encoding="utf-8").replace("condition:", "condition: nonsense_fact and",
                                                                 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["serve", "--policies", str(shipped_copy), "--port", "8080"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert f" error hash-mismatch: version {VERSION} is in-force and frozen" in lines[0]
    assert any("nonsense_fact" in line for line in lines[1:])
    assert lines[-1].startswith("sc-policy: error: the policy tree has 2 errors, the first hash-mismatch in ")


def test_serve_passes_a_path_prefix_to_uvicorn_and_refuses_a_malformed_one(app, monkeypatch):
    # behind a reverse proxy that serves the service at /sc and strips the prefix (README: Operating it)
    import uvicorn
    started = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(k))
    monkeypatch.setattr("sc_policy.cli.serve._check_port_free", lambda host, port: None)
    monkeypatch.setattr("sc_policy.http.app.create_app", lambda workspace: app)     # the shipped tree, built once
    assert CliRunner().invoke(main, ["serve", "--root-path", "/sc/policy"]).exit_code == 0
    assert started[-1]["root_path"] == "/sc/policy"
    assert CliRunner().invoke(main, ["serve"]).exit_code == 0 and started[-1]["root_path"] == ""
    for bad in ("sc", "/sc/", "/s c", "/sc?x=1"):
        result = CliRunner().invoke(main, ["serve", "--root-path", bad])
        assert result.exit_code == 2 and "--root-path" in result.stderr and "Traceback" not in result.output, bad
    assert len(started) == 2
    # Each quoted value kept whole: the text between two quoted values was taken for one over 40 characters
    # and cut ("write it as /NAME or…'/' at the end").
    assert CliRunner().invoke(main, ["serve", "--root-path", "sc"]).stderr == (
        "sc-policy: error: --root-path: 'sc' is no path prefix: write it as /NAME or /NAME/NAME, without a '/' at "
        "the end (or '' for none)\n")


def test_serve_names_an_ipv6_address_in_a_url_that_works(app, monkeypatch):
    import uvicorn
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    monkeypatch.setattr("sc_policy.cli.serve._check_port_free", lambda host, port: None)
    monkeypatch.setattr("sc_policy.http.app.create_app", lambda workspace: app)
    result = CliRunner().invoke(main, ["serve", "--host", "::1", "--port", "8081"])
    assert result.exit_code == 0 and " at http://[::1]:8081/ " in result.stderr


def test_serve_logs_each_line_with_its_time(app, monkeypatch, capsys):
    # an operator reading a long-running service's log needs to know when each request and start happened
    import logging
    import logging.config
    import uvicorn
    started = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(k))
    monkeypatch.setattr("sc_policy.cli.serve._check_port_free", lambda host, port: None)
    monkeypatch.setattr("sc_policy.http.app.create_app", lambda workspace: app)
    assert CliRunner().invoke(main, ["serve"]).exit_code == 0
    loggers = {name: logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")}
    kept = {name: (lg.handlers[:], lg.level, lg.propagate) for name, lg in loggers.items()}
    try:
        logging.config.dictConfig(started[-1]["log_config"])     # as uvicorn applies it
        loggers["uvicorn.error"].info("Started server process [%d]", 4242)
        loggers["uvicorn.access"].info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:50000", "GET", "/v1/x", "1.1", 200)
    finally:
        for name, (handlers, level, propagate) in kept.items():
            loggers[name].handlers[:] = handlers
            loggers[name].setLevel(level)
            loggers[name].propagate = propagate
    out, err = capsys.readouterr()
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} "
    assert re.match(stamp + r"INFO: +Started server process \[4242\]$", err.strip().splitlines()[-1]), err
    assert re.match(stamp + r'INFO: +127\.0\.0\.1:50000 - "GET /v1/x HTTP/1\.1" 200', out.strip()), out


# -- the pages -------------------------------------------------------------------------------------------

def test_page_form_has_labelled_fields(client):
    html = client.get("/").text
    for name in ("occupation", "industry", "on", "version"):
        assert f'<label for="{name}">' in html and f'id="{name}"' in html
    assert '<form method="get" action="/"' in html and "@media print" in html
    assert 'class="field-error"' not in html


def test_page_answers_with_verdict_clauses_sources_and_hash(client, opened):
    html = client.get("/", params={"occupation": "2174", "industry": "541514"}).text
    assert "Verdict: Eligible" in html and "Information and Communications Technology: in scope" in html
    assert "The employer&#39;s industry falls within the area&#39;s definition" in html
    assert "Source, line" in html and "<blockquote>" in html
    assert opened.version.content_hash in html
    assert "Resolution ict-two-noc-a" in html


def test_page_shows_the_error_next_to_the_field(client):
    html = client.get("/", params={"occupation": "21A4"}).text
    assert re.search(r'<p class="field-error" id="occupation-error">.*not four digits', html)
    assert 'aria-invalid="true"' in html and "Verdict" not in html
    html = client.get("/", params={"occupation": "2174", "industry": "541510"}).text
    error = re.search(r'<p class="field-error" id="industry-error">(.*?)</p>', html).group(1)
    assert "NAICS Canada 2017" in error and "541514" in error


def test_page_finds_occupations_by_words(client):
    html = client.get("/", params={"occupation": "web developers", "industry": "541514"}).text
    assert re.search(r'<a href="/\?occupation=2175&amp;industry=541514">NOC 2016 2175 Web designers', html)
    assert "Verdict" not in html
    html = client.get("/", params={"occupation": "zzyzx"}).text
    assert 'id="occupation-error"' in html


def test_page_answers_a_noc_2021_code(client):
    html = client.get("/", params={"occupation": "21232"}).text
    assert "NOC 2021 21232" in html and "Verdict:" in html


def test_page_escapes_what_it_is_given(client):
    html = client.get("/", params={"occupation": "<script>alert(1)</script>", "industry": "\"><b>x"}).text
    assert "<script>" not in html and "<b>x" not in html
    assert "&lt;script&gt;" in html
    policy = client.get("/").headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy     # no script may run at all


@pytest.mark.parametrize("url", ["/", "/?occupation=2174&industry=541514", "/?occupation=21A4", "/occupations",
                                 f"/versions/{VERSION}", "/versions/phase-9", "/?colour=red"])
def test_every_page_refuses_to_be_framed_in_old_browsers_too(client, url):
    # CSP frame-ancestors is ignored by browsers that predate CSP 2; X-Frame-Options is what they obey
    headers = client.get(url, headers={"accept": "text/html"}).headers
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "frame-ancestors 'none'" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"


def test_policy_book(client, opened):
    html = client.get(f"/versions/{VERSION}").text
    version = opened.version
    for area in version.areas:
        assert f'<h2 id="area-{area.id}">' in html
    assert "<td>Software publishers</td>" in html            # official title and published description
    assert "Computer programmers and interactive media developers" in html   # official NOC title
    assert "Computer Programmers and Interactive Media Developers" in html   # as published
    for clause in version.clauses:
        assert f'id="clause-{clause.id}"' in html
    for resolution in version.resolutions:
        assert f'id="resolution-{resolution.id}"' in html
    assert "&amp; area_naics_included" in html                  # rules shown escaped
    assert client.get("/versions/phase-9").status_code == 404


# -- sc-policy serve on a loopback port: idle, slow and oversized clients are dropped ----------------------

REQUEST_TIMEOUT, KEEP_ALIVE_TIMEOUT = 2, 1
"""Short timeouts for the test; the defaults (10 s and 5 s) are the same code with other numbers."""


@pytest.fixture(scope="module")
def served():
    """`sc-policy serve` in a child process on 127.0.0.1 with short timeouts: (host, port, the process)."""
    with serving("--timeout-request", str(REQUEST_TIMEOUT), "--timeout-keep-alive",
                 str(KEEP_ALIVE_TIMEOUT)) as (port, proc):
        yield "127.0.0.1", port, proc


def closed_after(sock: socket.socket, limit: float):
    """(seconds until the server closed the connection, bytes it sent), or (None, ...) if still open at limit."""
    start, received = time.monotonic(), b""
    sock.settimeout(0.2)
    while time.monotonic() - start < limit:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            return time.monotonic() - start, received
        received += chunk
    return None, received


def trickle(sock: socket.socket, pieces, every: float, limit: float):
    """Send the pieces one by one, `every` seconds apart, until the server closes: seconds it took, or None."""
    start = time.monotonic()
    for piece in pieces:
        if time.monotonic() - start > limit:
            return None
        try:
            sock.sendall(piece)
        except OSError:
            return time.monotonic() - start
        time.sleep(every)
    return closed_after(sock, limit - (time.monotonic() - start))[0]


@pytest.mark.slow
def test_idle_and_slow_clients_are_dropped_at_the_request_timeout(served):
    host, port, _ = served
    limit = REQUEST_TIMEOUT + 4
    idle, partial, slow_head, slow_body = (socket.create_connection((host, port)) for _ in range(4))
    try:
        partial.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        slow_body.sendall(b"POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 64\r\n\r\n[")
        with ThreadPoolExecutor(4) as pool:
            waits = [pool.submit(closed_after, idle, limit), pool.submit(closed_after, partial, limit),
                     pool.submit(trickle, slow_head, [b"GET /healthz HTTP/1.1\r\n"] + [b"X-A: b\r\n"] * 100,
                                 0.2, limit),
                     pool.submit(trickle, slow_body, [b" "] * 100, 0.2, limit)]
            idle_s, partial_s, slow_head_s, slow_body_s = [w.result() for w in waits]
    finally:
        for sock in (idle, partial, slow_head, slow_body):
            sock.close()
    assert idle_s[0] is not None and REQUEST_TIMEOUT - 0.5 <= idle_s[0] <= limit and idle_s[1] == b""
    assert partial_s[0] is not None and REQUEST_TIMEOUT - 0.5 <= partial_s[0] <= limit
    assert slow_head_s is not None and REQUEST_TIMEOUT - 0.5 <= slow_head_s <= limit   # each byte resets no timer
    assert slow_body_s is not None and REQUEST_TIMEOUT - 0.5 <= slow_body_s <= limit


def read_response(sock: socket.socket):
    """One HTTP/1.1 response with a Content-Length: (head, body)."""
    sock.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "closed before a response"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?im)^content-length: *([0-9]+)", head).group(1))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "closed in the middle of a response"
        body += chunk
    return head, body


@pytest.mark.slow
def test_a_kept_alive_connection_serves_then_closes_when_idle(served):
    host, port, _ = served
    with socket.create_connection((host, port)) as sock:
        for _ in range(2):      # the deadline of one request does not cut the next one short
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            head, body = read_response(sock)
            assert head.startswith(b"HTTP/1.1 200 ") and b"x-content-type-options: nosniff" in head
            assert json.loads(body)["status"] == "ok"
            time.sleep(KEEP_ALIVE_TIMEOUT / 2)
        seconds, _ = closed_after(sock, KEEP_ALIVE_TIMEOUT + 4)
    assert seconds is not None and seconds <= KEEP_ALIVE_TIMEOUT + 4


@pytest.mark.parametrize("head", [
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 70_000 + b"\r\n\r\n",   # one header, sent whole
    b"GET /v1/decisions?noc=2174" + b"&" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # a long URL
])
def test_a_head_over_the_cap_sent_at_once_is_a_431(served, head):
    """A head a little over 64 KiB that arrives in one chunk is refused too (the count of chunks alone
    let heads up to a read's size, 256 KiB, through to the application)."""
    host, port, _ = served
    with socket.create_connection((host, port)) as sock:
        sock.sendall(head)
        seconds, answer = closed_after(sock, 5)
    assert seconds is not None and answer.startswith(b"HTTP/1.1 431 "), answer[:80]
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["parameter"] == "headers"
    with socket.create_connection((host, port)) as sock:       # just under the cap: answered
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 60_000 + b"\r\n\r\n")
        head_, _ = read_response(sock)
    assert head_.startswith(b"HTTP/1.1 200 ")


def test_an_oversized_or_malformed_head_is_a_problem_and_a_close(served):
    host, port, _ = served
    with socket.create_connection((host, port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        try:
            for _ in range(200):                   # 1.6 MB of headers, far over the 64 KiB cap
                sock.sendall(b"X-Pad: " + b"a" * 8000 + b"\r\n")
        except OSError:
            pass                                   # closed before all of it was sent
        seconds, answer = closed_after(sock, 5)
    assert seconds is not None and answer.startswith(b"HTTP/1.1 431 ")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"application/problem+json" in head and b"nosniff" in head
    assert re.search(rb"(?i)\r\nx-request-id: [0-9a-f]{32}\r\n", head + b"\r\n"), head  # as the document says
    assert json.loads(body)["parameter"] == "headers"
    with socket.create_connection((host, port)) as sock:
        sock.sendall(b"GET /\x00 HTTP/1.1\r\n\r\n")
        seconds, answer = closed_after(sock, 5)
    assert answer.startswith(b"HTTP/1.1 400 ") and b"nosniff" in answer and b"problem+json" in answer


@pytest.mark.slow
def test_dropped_clients_leave_no_traceback_in_the_server_log(served):
    host, port, proc = served
    with socket.create_connection((host, port)) as sock:     # headers complete, body never finishes
        sock.sendall(b"POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 10\r\n\r\n[")
        assert closed_after(sock, REQUEST_TIMEOUT + 4)[0] is not None
    time.sleep(0.5)
    os.set_blocking(proc.stderr.fileno(), False)      # what the server has logged so far, without waiting
    log = (proc.stderr.read() or b"").decode()
    assert "Traceback" not in log and "Exception" not in log, log


# -- property-based: the OpenAPI document against the app ----------------------------------------------

def schemathesis_config():
    """The repository's schemathesis.toml with every check enabled, as `st run --checks all` reads it."""
    config = SchemathesisConfig.from_path(Path(__file__).resolve().parent.parent / "schemathesis.toml")
    config.projects.override.checks.update(included_check_names=["all"])
    return config


schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=schemathesis_config())


@schema.parametrize()
@settings(max_examples=examples(12, 40), deadline=None, suppress_health_check=list(HealthCheck))
def test_no_response_contradicts_the_document(case):
    case.call_and_validate()


TestDocumentedSequences = schema.as_state_machine().TestCase
TestDocumentedSequences.settings = settings(max_examples=20, stateful_step_count=4, deadline=None,
                                            suppress_health_check=list(HealthCheck))


def test_problems_echo_a_long_value_cut(client):
    """A parameter's value, an unknown parameter's name and a path are repeated cut at 40 characters."""
    long = "x" * 35 + "ABCDEFGHIJ" + "y" * 150
    for url, params in (("/v1/decisions", {"noc": long}), ("/v1/decisions", {"noc": "2174", "industry": long}),
                        ("/v1/decisions", {"noc": "2174", "on": long}), ("/v1/decisions", {long: "1"}),
                        ("/v1/occupations", {"area": long}), ("/" + long[1:], {})):
        response = client.get(url, params=params)
        assert response.status_code in (400, 404), response.text
        detail = response.json()["detail"]
        assert "ABCDE\u2026" in detail and "ABCDEF" not in detail and len(detail) <= 160, detail
