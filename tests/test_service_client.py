"""The decision service as a case-management system integrating with it meets it: what a client sends
wrongly (a name with control characters, bytes that are not UTF-8) is answered with a one-line problem
that names the parameter and says what is wrong with it."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("fastapi")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from sc_policy.app.workspace import Workspace  # noqa: E402
from sc_policy.http.app import create_app  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Workspace())) as c:
        yield c


def _one_line(detail: str) -> bool:
    """No control character, no bidirectional override: what a log line or a terminal shows as it is."""
    return detail.isprintable()


# A line feed, a terminal's escape sequence (red text), a right-to-left override and a NUL.
HOSTILE = "a\nb\x1b[31m\u202ec\x00"


@pytest.mark.parametrize("url", ["/v1/decisions?noc=2174&{name}=1", "/v1/versions?{name}=1",
                                 "/v1/diff?old=phase-1&new=phase-1.1&{name}=1", "/v1/occupations?{name}=1",
                                 "/v1/decisions?{name}=1&{name}=2"])
def test_an_unknown_parameter_with_control_characters_is_named_escaped(client, url):
    """``?a%0Ab%1B[31m=1`` was answered with a detail holding the line feed and the escape sequence as they
    were sent (a value was already quoted with its escapes): a client that logs or prints the detail printed
    them."""
    from urllib.parse import quote
    response = client.get(url.format(name=quote(HOSTILE)))
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["parameter"] == HOSTILE                      # the name as sent: the client can match it
    assert _one_line(body["detail"]), body["detail"]
    assert body["detail"].startswith("'a\\nb\\x1b[31m\\u202ec\\x00': "), body["detail"]


def test_an_empty_parameter_name_is_shown_as_one(client):
    """``?=1`` was answered ``: unknown parameter (...)``: a detail starting with a colon names nothing."""
    body = client.get("/v1/decisions?noc=2174&=1").json()
    assert body["parameter"] == "" and body["detail"].startswith("'': unknown parameter"), body


def test_a_batch_key_with_control_characters_is_named_escaped(client):
    """An unknown key, and a key given twice, of a batch item are shown as an unknown parameter is."""
    import json
    body = '[{"noc": "2174", %s: 1}, {"noc": "2174", %s: 1, %s: 2}]' % ((json.dumps(HOSTILE),) * 3)
    out = client.post("/v1/decisions", content=body.encode(), headers=JSON).json()
    for i, item in enumerate(out):
        problem = item["error"]
        assert problem["parameter"] == f"[{i}]." + HOSTILE
        assert _one_line(problem["detail"]), problem["detail"]
        assert problem["detail"].startswith(f"[{i}].'a\\nb\\x1b[31m"), problem["detail"]


def test_a_path_with_control_characters_is_shown_escaped(client):
    body = client.get("/v1/a%1B[31m%E2%80%AEb").json()
    assert body["parameter"] == "path" and _one_line(body["detail"]), body
    assert body["detail"] == "path: nothing at '/v1/a\\x1b[31m\\u202eb'", body


def test_a_content_encoding_with_a_tab_is_shown_escaped(client):
    response = client.post("/v1/decisions", content=b"[]", headers={**JSON, "content-encoding": "gzip\tbr"})
    assert response.status_code == 415 and _one_line(response.json()["detail"]), response.text


@pytest.mark.parametrize("url,parameter,detail", [
    ("/v1/decisions?noc=%FF", "noc", "noc: not UTF-8: byte 0xff at byte 0"),
    ("/v1/decisions?noc=2174&industry=54%E9", "industry", "industry: not UTF-8: byte 0xe9 at byte 2"),
    ("/v1/decisions?noc=2174&version=phase%2D1%C0%AF", "version", "version: not UTF-8: byte 0xc0 at byte 7"),
    ("/v1/occupations?area=%ED%A0%80", "area", "area: not UTF-8: byte 0xed at byte 0"),   # a surrogate, encoded
    ("/v1/versions?x%FF=1", "x\ufffd", "x\ufffd: its name is not UTF-8: byte 0xff at byte 1"),
])
def test_a_query_that_is_not_utf8_is_refused_as_such(client, url, parameter, detail):
    """A percent-encoded byte that is no UTF-8 (a Latin-1 client's é, %E9) was read as U+FFFD and answered as
    a code or version the policy does not know (``NAICS code '54\ufffd' is not 2 to 6 digits``), where a body
    with that byte is refused as not UTF-8."""
    response = client.get(url)
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["parameter"], body["detail"]) == (parameter, detail)
    assert body["type"].endswith(":bad-request")


def test_a_batch_query_that_is_not_utf8_is_refused_as_such(client):
    response = client.post("/v1/decisions?view=brief%FF", content=b"[]", headers=JSON)
    assert response.status_code == 400 and response.json()["detail"] == "view: not UTF-8: byte 0xff at byte 5"


def test_a_replacement_character_sent_as_utf8_is_a_character(client):
    """U+FFFD sent as its UTF-8 bytes is a character like another: the code it is in is refused as that."""
    body = client.get("/v1/decisions?noc=%EF%BF%BD").json()
    assert body["detail"].startswith("noc: NOC code '\ufffd' is not four digits"), body


@pytest.mark.parametrize("vid", ["2022-01-01", "2026-11-27"])
def test_a_version_path_written_as_a_date_is_not_told_to_give_on(client, vid):
    """``/v1/versions/2022-01-01`` was a 404 saying ``give on=2022-01-01``: this address takes no parameters,
    and ``?on=`` there was then refused as unknown. It points to the list of versions and their dates."""
    response = client.get(f"/v1/versions/{vid}")
    assert response.status_code == 404, response.text
    detail = response.json()["detail"]
    assert "on=" not in detail and "GET /v1/versions" in detail, detail
    assert detail.startswith(f"id: unknown version '{vid}'"), detail
    assert client.get(f"/v1/versions/{vid}?on={vid}").status_code == 400     # what it said to do
