"""The decision service's views (issue 17): ``view=brief`` without the quotes, compact JSON by default,
``pretty=1`` for people; GET and POST alike."""

from __future__ import annotations

import json
import warnings

import pytest

pytest.importorskip("fastapi")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from sc_policy.app.workspace import Workspace  # noqa: E402
from sc_policy.http.app import create_app  # noqa: E402
from sc_policy.http.models import DecisionJson, DecisionBrief  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

QUERIES = ["noc=2174&industry=541514", "noc=2174", "noc=9241&industry=3254", "noc=21233&noc_version=2021",
           "noc=21232&noc_version=2021", "noc=0211&industry=31-33"]
DETAIL = ("resolutions", "interpretations", "nearby", "changes")  # the full view's texts with quotes that the
#                                                                    brief view leaves out (each by id per area)


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Workspace())) as c:
        yield c


def _keys(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _keys(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys(v)


def _results(decision):
    return [(a["area"], a["in_scope"], [(c["clause"], c["clause_version"], c["result"], c["reason"],
                                         c["interpretations"]) for c in a["clauses"]],
             a["resolutions"], a["interpretations"]) for a in decision["areas"]]


@pytest.mark.parametrize("query", QUERIES)
def test_brief_is_the_full_decision_without_the_quotes(client, query):
    full = client.get(f"/v1/decisions?{query}").json()
    response = client.get(f"/v1/decisions?{query}&view=brief")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    brief = response.json()
    DecisionBrief.model_validate(brief)
    DecisionJson.model_validate(full)
    # Every field of the full view but the detailed ones is in the brief view, with the same value:
    # a field added to the decision (e.g. a verdict's reason) reaches both.
    assert set(brief) == set(full) - set(DETAIL)
    for key in set(brief) - {"areas", "candidates"}:
        assert brief[key] == full[key], key
    assert _results(brief) == _results(full)
    assert len(brief["candidates"]) == len(full["candidates"])
    for b, f in zip(brief["candidates"], full["candidates"]):
        assert (b["noc"], b["verdict"], b["eligible"]) == (f["noc"], f["verdict"], f["eligible"])
        assert _results(b) == _results(f)
    assert not {"source", "quote", "nearby", "title"} & set(_keys(brief))
    assert len(response.content) < len(client.get(f"/v1/decisions?{query}").content) / 2


def test_views_are_compact_by_default_indented_with_pretty_and_always_the_same_bytes(client):
    for view in ("", "&view=brief", "&view=full", "&view="):
        compact = client.get(f"/v1/decisions?noc=2174&industry=541514{view}").content
        pretty = client.get(f"/v1/decisions?noc=2174&industry=541514{view}&pretty=1").content
        assert compact.count(b"\n") == 1 and compact.endswith(b"\n") and b'": ' not in compact
        assert pretty.startswith(b'{\n  "policy": ') and json.loads(pretty) == json.loads(compact)
        assert client.get(f"/v1/decisions?noc=2174&industry=541514{view}").content == compact
        assert client.get(f"/v1/decisions?noc=2174&industry=541514{view}&pretty=0").content == compact


def test_a_batch_takes_the_views_too(client):
    items = [{"noc": "2174", "industry": "541514"}, {"noc": "211"}, {"noc": "21233", "noc_version": "2021"}]
    brief = client.post("/v1/decisions?view=brief", json=items)
    assert brief.status_code == 200 and brief.content.count(b"\n") == 1
    out = brief.json()
    assert out[0] == client.get("/v1/decisions?noc=2174&industry=541514&view=brief").json()
    assert out[2] == client.get("/v1/decisions?noc=21233&noc_version=2021&view=brief").json()
    assert out[1]["error"]["parameter"] == "[1].noc" and "0211" in out[1]["error"]["detail"]
    full = client.post("/v1/decisions?pretty=1", json=items[:1])
    assert full.content.startswith(b'[\n  {\n    "policy"')
    assert full.json()[0] == client.get("/v1/decisions?noc=2174&industry=541514").json()


@pytest.mark.parametrize("query,parameter", [("view=short", "view"), ("pretty=yes", "pretty"), ("indent=2", "indent"),
                                             ("view=brief&view=full", "view")])
def test_a_view_or_format_not_known_is_refused(client, query, parameter):
    for response in (client.get(f"/v1/decisions?noc=2174&{query}"), client.post(f"/v1/decisions?{query}", json=[])):
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["parameter"] == parameter and body["detail"].startswith(parameter)


def test_the_document_declares_the_views(client):
    doc = client.get("/openapi.json").json()
    get = doc["paths"]["/v1/decisions"]["get"]
    assert {"view", "pretty"} <= {p["name"] for p in get["parameters"]}
    post = doc["paths"]["/v1/decisions"]["post"]
    assert {"view", "pretty"} == {p["name"] for p in post["parameters"] if p["in"] == "query"}
    assert "DecisionBrief" in json.dumps(get["responses"]["200"])


@pytest.mark.parametrize("url", ["/v1/diff?old=phase-1&new=phase-1.1", "/v1/occupations?industry=325410",
                                 "/v1/occupations?area=ict&on=2022-01-01"])
def test_the_diff_and_the_occupations_take_pretty_as_the_decisions_do(client, url):
    indented = client.get(url)
    assert indented.status_code == 200 and indented.content.startswith(b'{\n  "')
    for value in ("1", ""):
        assert client.get(f"{url}&pretty={value}").content == indented.content  # indented by default, as the CLI
    compact = client.get(f"{url}&pretty=0")
    assert compact.status_code == 200 and compact.headers["content-type"] == "application/json"
    assert compact.content.count(b"\n") == 1 and compact.content.endswith(b"\n") and b'": ' not in compact.content
    assert json.loads(compact.content) == json.loads(indented.content)
    refused = client.get(f"{url}&pretty=yes")
    assert refused.status_code == 400 and refused.json()["parameter"] == "pretty"


def test_the_document_declares_pretty_on_every_route_that_takes_it(client):
    doc = client.get("/openapi.json").json()
    for path, method in (("/v1/decisions", "get"), ("/v1/decisions", "post"), ("/v1/diff", "get"),
                         ("/v1/occupations", "get")):
        (pretty,) = [p for p in doc["paths"][path][method]["parameters"] if p["name"] == "pretty"]
        assert pretty["in"] == "query" and not pretty["required"], path
        assert pretty["schema"]["enum"] == ["0", "1", ""] and "the default" in pretty["description"].replace(
            "default:", "the default"), path  # each says what it does when not given


@pytest.mark.parametrize("query", QUERIES[:3] + ["noc=2174&view=brief&pretty=1"])
def test_a_decision_has_the_same_head_on_the_fast_path_as_through_the_route(client, query):
    """GET is answered before FastAPI's routing (sc_policy/http/fastpath.py); HEAD goes through the route."""
    get, head = client.get(f"/v1/decisions?{query}"), client.head(f"/v1/decisions?{query}")
    assert get.status_code == head.status_code == 200 and head.content == b""
    for name in ("content-type", "content-length", "x-content-type-options"):
        assert get.headers[name] == head.headers[name], name
    assert int(get.headers["content-length"]) == len(get.content)
