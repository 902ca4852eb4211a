"""Answers as a caseworker reads them, pastes them into a case file or gets them on the page: each says what
it names (an unresolved contradiction, not only its key), in the words of the door it comes through (a code
typed on the page, not read from a spreadsheet), and a page's refusal is a page."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from click.testing import CliRunner

from sc_policy.cli import main

from conftest import POLICY, edit, version_dir

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SAID_9461 = "  - official-title:manufacturing:9461: a listed title that differs from the official NOC 2016 title"


def explain(*args: str) -> str:
    result = CliRunner().invoke(main, ["explain", *args])
    assert result.exit_code == 0, result.output
    return result.output


# -- an unresolved contradiction is said, not only keyed ---------------------------------------------------

def test_the_default_answer_says_what_each_unresolved_contradiction_is():
    """The default answer named 9461's unresolved contradiction only by its key on a heading
    (`...; unresolved: official-title:manufacturing:9461`): pasted into a case file, nothing said what it
    means. The list under the heading now says it, a line each: the key, and what the check finds (its
    message when it fits on the line, else the check's meaning)."""
    heading = "Resolutions and interpretations for this answer; unresolved: official-title:manufacturing:9461"
    text = explain("9461", "--on", "2026-11-26")
    assert text.splitlines()[-1] == SAID_9461 and heading in text.splitlines()
    assert all(len(line) <= 100 for line in text.splitlines())
    # with a resolution too (9232's two titles), and with nothing else to list
    text = explain("9232", "--industry", "3254", "--on", "2026-11-26")
    assert text.splitlines()[-1] == SAID_9461.replace("9461", "9232")
    assert "unresolved: official-title:manufacturing:9232" in text
    assert "unresolved" not in explain("2174")
    assert SAID_9461 not in explain("9461", "--full", "--on", "2026-11-26")  # --full as it was: the message in full
    # the version in force (phase-1.2) resolves the four titles: titles-not-noc-2016
    assert "unresolved" not in explain("9461") and "titles-not-noc-2016" in explain("9461")


def test_an_unresolved_contradiction_about_the_industry_gives_its_message_when_it_fits(tree_copy):
    """A contradiction about the employer's industry (an area that includes NAICS 33 twice, as a draft may,
    a warning no resolution resolves) is said by its own message, which fits on the line."""
    edit(tree_copy / POLICY / "phase-1.1" / "areas/manufacturing.yaml", "  exclude: []", """  - code: '33'
    description: 'Manufacturing (Phase I: the Manufacturing area as a whole)'
    published: false
    source:
    - {line: 56, quote: 'For Phase I implementation, the Manufacturing area as a whole will be prioritized.'}
  exclude: []""")
    text = explain("9461", "--industry", "332", "--version", "phase-1.1", "--policies", str(tree_copy))
    assert text.splitlines()[-2:] == [
        "  - duplicate-industry:manufacturing:include:33: area 'manufacturing' includes NAICS 33 twice", SAID_9461]
    assert ("unresolved: duplicate-industry:manufacturing:include:33, official-title:manufacturing:9461"
            in " ".join(text.split()))


def test_the_page_s_plain_text_for_a_case_file_says_what_is_unresolved(client):
    page = client.get("/", params={"occupation": "9461", "version": "phase-1.1"}).text
    text = htmllib.unescape(re.search(r'<details class="no-print" id="as-text">.*?<pre>(.*?)</pre>', page,
                                      re.S).group(1))
    assert text.rstrip("\n").splitlines()[-1] == SAID_9461


# -- a code typed on the page is not a spreadsheet's -------------------------------------------------------

def _field_error(html: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', html, re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else ""


@pytest.mark.parametrize("typed, code", [("112", "0112 Human resources managers"), ("11", "0011 Legislators")])
def test_a_code_typed_short_of_its_leading_zeros_on_the_page_is_not_blamed_on_a_spreadsheet(client, typed, code):
    """On the page a person typed 112: the refusal said "a spreadsheet dropped a leading zero", the batch's
    words. The page offers the code in full in its own words; the batch, explain and the API keep theirs."""
    error = _field_error(client.get("/", params={"occupation": typed}).text, "occupation")
    assert "spreadsheet" not in error and f"did you mean {code}?" in error and "leading zero" in error, error
    assert client.get("/", params={"occupation": typed}).status_code == 400
    batch = CliRunner().invoke(main, ["evaluate"], input=f"noc\n{typed}\n")
    assert "a spreadsheet dropped" in batch.stdout and code[:4] in batch.stdout
    assert "a spreadsheet dropped" in client.get("/v1/decisions", params={"noc": typed}).json()["detail"]


# -- a method a page does not take is refused by a page ------------------------------------------------------

@pytest.mark.parametrize("method, path", [("POST", "/"), ("POST", "/?occupation=2174"), ("PUT", "/occupations"),
                                          ("DELETE", "/versions/phase-1.1"), ("OPTIONS", "/")])
def test_a_method_a_page_does_not_take_is_refused_by_a_page(client, method, path):
    """A form posted to the page (or any method but GET and HEAD) got the API's JSON problem; a browser shows a
    page in the pages' style, with `Allow` and the pages' headers."""
    response = client.request(method, path, headers={"accept": "text/html"})
    assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Method not allowed</h1>" in response.text and 'href="/"' in response.text
    assert f"{method} request" in response.text
    assert response.headers["x-frame-options"] == "DENY" and "default-src 'none'" in response.headers[
        "content-security-policy"]
    assert client.request(method, path).headers["content-type"].startswith("text/html")   # whatever it accepts


def test_a_method_an_api_route_does_not_take_stays_a_problem(client):
    response = client.request("POST", "/v1/versions", headers={"accept": "text/html"})
    assert response.status_code == 405 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["parameter"] == "method" and response.headers["allow"] == "GET, HEAD"


def test_the_method_named_on_the_page_is_escaped(client):
    response = client.request("<B>", "/")
    assert response.status_code == 405 and "<B>" not in response.text and "&lt;B&gt; request" in response.text


# -- a sector range given with more than its code ----------------------------------------------------------

@pytest.mark.parametrize("given, said", [
    ("NAICS 31-33", "the code alone is 31-33 Manufacturing"),
    ("31-33 Manufacturing", "the code alone is 31-33 Manufacturing"),
    ("31\u201333", "written with a hyphen: 31-33 Manufacturing"),        # an en dash, as a document writes it
    ("44 - 45", "written without spaces: 44-45 Retail trade"),              # a hyphen already: the spaces
    ("31 \u2013 33", "written with a hyphen and without spaces: 31-33 Manufacturing"),
    ("NAICS 48\u201449", "the code alone is 48-49 Transportation and\u2026"),   # cut to fit, as every hint
])
def test_a_sector_range_given_with_more_than_its_code_is_named_as_the_range(client, given, said):
    """`NAICS 541514` was named as the code alone, but a sector StatCan writes as a range (`NAICS 31-33`, `31–33`
    pasted from a document) got only "is not 2 to 6 digits": it holds two runs of digits. It stays refused, and
    the refusal names the range, at every door."""
    result = CliRunner().invoke(main, ["explain", "2174", "--industry", given])
    assert result.exit_code == 2 and f"is not 2 to 6 digits ({said})" in result.output, result.output
    error = _field_error(client.get("/", params={"occupation": "2174", "industry": given}).text, "industry")
    assert said in error, error
    assert said in client.get("/v1/decisions", params={"noc": "2174", "industry": given}).json()["detail"]


@pytest.mark.parametrize("given", ["31-34", "NAICS 31-33 and 54", "31-33-44", "3 1-33", "31-33\uff11"])
def test_text_that_is_no_sector_range_is_not_named_as_one(given):
    result = CliRunner().invoke(main, ["explain", "2174", "--industry", given])
    assert result.exit_code == 2 and "not 2 to 6 digits" in result.output and "31-33 Manufacturing" not in \
        result.output, result.output
