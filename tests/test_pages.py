"""The caseworkers' question page, for people: the summary first, each passage quoted once, the candidates of
an indeterminate answer, mistakes with a 4xx status and without a repeated sentence.

The browser checks (layout at 1280 px and 375 px, printing, accessibility) are in tests/test_browser.py.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
from html.parser import HTMLParser
import re
import warnings

import pytest
from click.testing import CliRunner

pytest.importorskip("fastapi")
with warnings.catch_warnings():  # Starlette 1.x prefers httpx2; httpx still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402
from starlette.requests import Request  # noqa: E402

from sc_policy.app.workspace import Workspace  # noqa: E402
from sc_policy.cli import main  # noqa: E402
from sc_policy.http.app import create_app  # noqa: E402
from sc_policy.present import pages  # noqa: E402

from conftest import VERSION  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def app():
    return create_app(Workspace())


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


def text_of(fragment: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", "", fragment))


def summary_of(html: str) -> str:
    return re.search(r'<div class="summary">(.*?)</div>', html, re.S).group(1)


def sentences(text: str):
    """The sentences and clauses of a message of more than three words, folded: split at . ; : ( and )."""
    return [" ".join(p.casefold().split()) for p in re.split(r"[.;:]\s|\s?\(|\)", text + " ") if len(p.split()) > 3]


# -- the summary box ---------------------------------------------------------------------------------------

def test_the_summary_gives_verdict_date_version_and_hash_above_the_detail(client, app):
    html = client.get("/", params={"occupation": "2174", "industry": "541514"}).text
    opened = app.state.service.opened[VERSION]  # the version in force today
    summary = summary_of(html)
    assert 'id="verdict"' in summary and "Verdict: Eligible" in summary
    assert f"<dt>Date</dt><dd id=\"decided-on\">{dt.date.today().isoformat()} (the version in force that day)" \
        in summary
    assert f"version {VERSION}" in summary and opened.version.content_hash in summary
    assert html.index('<div class="summary">') < html.index('class="area"')
    named = client.get("/", params={"occupation": "2174", "version": VERSION}).text
    assert "(the version chosen in the form)" in summary_of(named)
    m = opened.version.manifest      # the document whose lines the quotes below cite
    assert (f'<dt>Source document</dt><dd id="source-document">{m.source_title}, the text the lines below are '
            f'quoted from (SHA-256 <code>{m.source_sha256}</code>)</dd>') in htmllib.unescape(summary)


def test_the_answer_as_json_is_the_answer_the_page_shows_with_its_date(client):
    """The page's link to its answer as JSON named the version by id, so the JSON said ``decided_on: null``
    where the page said the day whose version was chosen: a case file kept the JSON without the date."""
    for params, by_date in (({"occupation": "2174", "industry": "541514"}, True),
                            ({"occupation": "21233"}, True),
                            ({"occupation": "2174", "version": "phase-1"}, False)):   # a version named: as the CLI
        html = client.get("/", params=params).text
        href = htmllib.unescape(re.search(r'<a href="([^"]+)">This answer as JSON</a>', html).group(1))
        shown = client.get(href).json()
        day = re.search(r'<dd id="decided-on">([0-9-]{10}) \(the version in force that day\)', summary_of(html))
        assert (day is not None) == by_date, params
        assert shown["decided_on"] == (day.group(1) if by_date else None), (params, href)  # the page's day, not today's
        assert shown["version"] in summary_of(html) and shown["version_hash"] in summary_of(html)
        assert shown["input"]["noc"] == params["occupation"]


def test_a_date_in_the_form_chooses_the_version_in_force_that_day_as_explain_on_does(client):
    """The page had no date: a caseworker deciding a case for another day (``explain --on``, the API's
    ``on``) had to know which version was in force then, from a list that gave only each version's start."""
    html = client.get("/", params={"occupation": "2174", "industry": "541514", "on": "2026-11-25"}).text
    summary = summary_of(html)
    assert '<dd id="decided-on">2026-11-25 (the version in force that day)' in summary
    assert "version phase-1 (superseded)" in summary
    href = htmllib.unescape(re.search(r'<a href="([^"]+)">This answer as JSON</a>', html).group(1))
    shown = client.get(href).json()
    assert (shown["version"], shown["decided_on"]) == ("phase-1", "2026-11-25")
    assert 'id="on" name="on" value="2026-11-25"' in html
    # the list of versions says when each one ended, and a title search keeps the date for its matches
    assert "phase-1: Second Career Fast Track – Phase I (superseded, from 2021-04-01 to 2026-11-25)" in html
    matches = client.get("/", params={"occupation": "web developers", "on": "2026-11-25"}).text
    assert '<a href="/?occupation=2175&amp;on=2026-11-25">' in matches


@pytest.mark.parametrize("occupation,groups", [
    ("21232", "2174 Computer programmers and interactive media developers"),
    ("13110", "0112 Human resources managers; 1241 Administrative assistants")])
def test_a_noc_2021_answer_names_its_noc_2016_unit_groups_in_the_summary_as_the_cli_does(client, occupation, groups):
    """The summary of a NOC 2021 answer named the NOC 2021 code only, then gave a reason about 2174: a case file
    pasted from it never said which NOC 2016 unit group decided (``explain`` prints the concordance's groups)."""
    summary = text_of(summary_of(client.get("/", params={"occupation": occupation}).text))
    assert f"NOC 2016{groups} (Statistics Canada concordance)" in summary, summary
    cli = CliRunner().invoke(main, ["explain", occupation, "--noc-version", "2021"]).output
    assert "(Statistics Canada concordance): " + groups in " ".join(cli.split())
    assert "concordance" not in summary_of(client.get("/", params={"occupation": "2174"}).text)


@pytest.mark.parametrize("params", [{"occupation": "2174"}, {"occupation": "2174", "industry": "541514"},
                                    {"occupation": "7511", "industry": "484121"}, {"occupation": "13110"}])
def test_the_summary_says_each_thing_once_as_the_cli_s_verdict_does(client, params):
    """The verdict line said "in scope under A, B, C" and the reason under it "In scope under A, B and C, by
    clause ...": the summary, and a case file pasted from it, said which areas admit the case twice."""
    summary = summary_of(client.get("/", params=params).text)
    verdict = text_of(re.search(r'<p class="verdict[^"]*" id="verdict">(.*?)</p>', summary).group(1))
    reason = text_of(re.search(r'<p class="reason" id="reason">(.*?)</p>', summary).group(1))
    assert not set(sentences(verdict.removeprefix("Verdict: "))) & set(sentences(reason)), (verdict, reason)
    assert "in scope under" not in verdict.casefold(), verdict


def test_the_matches_of_a_title_search_have_a_title_of_their_own(client):
    """A title search's matches had the empty form's title: the history, a bookmark and a screen reader's
    first words could not tell the list of matches from the blank form."""
    html = client.get("/", params={"occupation": "web developers", "on": "2026-11-25"}).text
    title = htmllib.unescape(re.search(r"<title>(.*?)</title>", html).group(1))
    assert title == "Occupations matching \u201cweb developers\u201d | Second Career Fast Track", title


@pytest.mark.parametrize("params,section", [({"occupation": "13110", "on": "2026-01-01"}, "candidates"),
                                            ({"occupation": "2171", "industry": "325410", "on": "2026-01-01"},
                                             "changes-2171")])
def test_a_candidate_or_another_occupation_is_answered_for_the_day_the_case_was_asked_for(client, params, section):
    """An answer asked for a day linked its candidates and the other occupations by the version in force that day:
    the page they led to said "Date: today (the version chosen in the form)", the caseworker's day lost and the
    version called chosen, where a title search's matches keep the day."""
    html = client.get("/", params=params).text
    links = [htmllib.unescape(h) for h in re.findall(r'<a href="(/\?occupation=[^"]+)"',
                                                     html[html.index(f'id="{section}"'):])]
    assert links and all("on=2026-01-01" in h and "version=" not in h for h in links), links
    summary = summary_of(client.get(links[0]).text)
    assert '<dd id="decided-on">2026-01-01 (the version in force that day)' in summary
    assert "version phase-1 (superseded)" in summary


@pytest.mark.parametrize("params,args", [
    ({"occupation": "2174", "industry": "541514"}, ["2174", "--industry", "541514"]),
    ({"occupation": "21232"}, ["21232", "--noc-version", "2021"]),
    ({"occupation": "13110", "on": "2026-01-01"}, ["13110", "--noc-version", "2021", "--on", "2026-01-01"]),
    ({"occupation": "7511", "industry": "484121", "version": "phase-1"}, ["7511", "--industry", "484121",
                                                                          "--version", "phase-1"])])
def test_the_answer_offers_the_plain_text_a_case_file_takes_as_explain_prints_it(client, params, args):
    """The page offered its answer as HTML and JSON only: a caseworker pasting it into a plain-text case file
    copied the page's boxes and lists, where ``explain`` prints text made for that, with version, hash and date."""
    html = client.get("/", params=params).text
    shown = re.search(r'<details class="no-print" id="as-text"><summary>(.*?)</summary><pre>(.*?)</pre></details>',
                      summary_of(html), re.S)
    assert shown is not None and "plain text" in shown.group(1)
    cli = CliRunner().invoke(main, ["explain", *args])
    text = htmllib.unescape(shown.group(2))
    assert cli.exit_code == 0
    if "--version" in args:     # explain records no day for a version it is given; the page, the day it asks on
        assert f"version phase-1 (superseded), decided on {dt.date.today().isoformat()}" in " ".join(text.split())
        text, cli_text = text[text.index("Occupation:"):], cli.output[cli.output.index("Occupation:"):]
    else:
        cli_text = cli.output
    assert text == cli_text


def test_the_summary_shows_the_deciding_reason_when_the_answer_has_one(app):
    service = app.state.service
    opened = service.opened[VERSION]
    answer = opened.evaluator.answer("7511", "484121", "2016")
    form = pages.Form(occupation="7511", industry="484121")
    reason = "7511 is listed under Manufacturing, but NAICS 484121 <Truck transportation> is outside it."
    html = pages.render(service.html, "home.html", pages.home_context(
        form, service.version_rows, answer=answer, version=opened.version, refdata=service.refdata,
        decided_on=dt.date(2022, 1, 1), reason=reason))
    summary = summary_of(html)
    assert '<p class="reason" id="reason">7511 is listed under Manufacturing, but NAICS 484121 ' \
           '&lt;Truck transportation&gt; is outside it.</p>' in summary
    assert "2022-01-01" in summary
    without = pages.render(service.html, "home.html", pages.home_context(
        form, service.version_rows, answer=answer, version=opened.version, refdata=service.refdata,
        decided_on=dt.date(2022, 1, 1)))
    assert 'id="reason"' not in without


# -- each passage quoted once ------------------------------------------------------------------------------

@pytest.mark.parametrize("params", [{"occupation": "2174"}, {"occupation": "2174", "industry": "541514"},
                                    {"occupation": "7511", "industry": "484121"}, {"occupation": "13110"}])
def test_an_answer_quotes_each_passage_once_and_links_back_to_it(client, params):
    html = client.get("/", params=params).text
    quoted = re.findall(r"<blockquote><p[^>]*>(.*?)</p><footer>Source, line (\d+)</footer>", html)
    assert quoted and len(quoted) == len(set(quoted))
    anchors = set(re.findall(r'<blockquote><p id="(quote-\d+)">', html))
    links = set(re.findall(r'<a href="#(quote-\d+)">', html))
    assert links and links <= anchors                         # every "quoted above" leads to its quote


# -- an indeterminate answer -------------------------------------------------------------------------------

def test_an_indeterminate_answer_names_its_candidates_and_their_outcomes(client):
    response = client.get("/", params={"occupation": "13110"})
    assert response.status_code == 200
    summary = summary_of(response.text)
    assert "Verdict: Indeterminate" in summary
    items = [text_of(li) for li in re.findall(r"<li>(.*?)</li>",
                                                re.search(r'<ul class="candidates" id="candidates">(.*?)</ul>',
                                                          summary).group(1))]
    assert items == ["NOC 2016 0112 Human resources managers: not eligible, in scope under no priority area",
                     "NOC 2016 1241 Administrative assistants: eligible, in scope under Life Sciences"]
    assert f'<a href="/?occupation=1241&amp;version={VERSION}">' in summary
    # The same outcomes as the decisions the service gives for each NOC 2016 code.
    for code, eligible in (("0112", False), ("1241", True)):
        assert client.get("/v1/decisions", params={"noc": code}).json()["eligible"] is eligible


# -- mistakes: a 4xx status, the page still rendered, no sentence twice -------------------------------------

@pytest.mark.parametrize("params,field", [
    ({"occupation": "21A4"}, "occupation"),                                 # a malformed NOC code
    ({"occupation": "9999"}, "occupation"),                                 # no such NOC 2016 unit group
    ({"occupation": "99999"}, "occupation"),                                # no such NOC 2021 unit group
    ({"occupation": "zzyzx"}, "occupation"),                                # no title has these words
    ({"occupation": "", "industry": "5415"}, "occupation"),                 # an industry but no occupation
    ({"occupation": "2174", "industry": "999999"}, "industry"),             # unknown NAICS
    ({"occupation": "2174", "industry": "541510"}, "industry"),             # a US NAICS code
    ({"occupation": "2174", "version": "phase-9"}, "version"),              # unknown version
    ({"occupation": "2174", "version": "2022-13-45"}, "version"),           # a bad date for a version
    ({"occupation": "2174", "on": "2026-13-01"}, "on"),                     # a date that is none
    ({"occupation": "2174", "on": "2020-01-01"}, "on"),                     # a date no version covers
    ({"occupation": "2174", "on": "2026-11-25", "version": "phase-1"}, "on"),   # a date and a version
])
def test_a_mistake_is_a_400_page_with_the_error_next_to_its_field(client, params, field):
    response = client.get("/", params=params)
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<form method="get" action="/"' in html and f'id="{field}-error"' in html
    assert "Verdict" not in html and html.startswith("<!DOCTYPE html>")
    error = text_of(re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', html).group(1))
    parts = sentences(error)
    assert len(parts) == len(set(parts)), error


def test_answers_and_matches_are_200(client):
    assert client.get("/").status_code == 200
    assert client.get("/", params={"occupation": "2174", "industry": "541514"}).status_code == 200
    assert client.get("/", params={"occupation": "web developers"}).status_code == 200


def test_words_no_title_contains_are_echoed_short_and_visible(client):
    # a control character is shown as an escape, never written into the page; a pasted page is cut
    html = client.get("/", params={"occupation": "welder\x00\x1bx"}).text
    error = text_of(re.search(r'<p class="field-error" id="occupation-error">(.*?)</p>', html).group(1))
    assert "\\x00" in error and "\\x1b" in error and "\x00" not in error and "\x1b" not in error
    html = client.get("/", params={"occupation": "welders\x00"}).text     # words some titles contain
    heading = text_of(re.search(r'<h2 id="matches-title">(.*?)</h2>', html).group(1))
    assert heading == "Occupations matching \u201cwelders\\x00\u201d"
    html = client.get("/", params={"occupation": "zq " * 60}).text
    error = text_of(re.search(r'<p class="field-error" id="occupation-error">(.*?)</p>', html).group(1))
    assert "zq zq" in error and len(error) < 150 and "\u2026" in error


def test_a_us_naics_code_says_once_that_six_digit_codes_differ(client):
    html = client.get("/", params={"occupation": "2174", "industry": "541510"}).text
    error = text_of(re.search(r'<p class="field-error" id="industry-error">(.*?)</p>', html).group(1))
    assert error.casefold().count("six-digit codes differ") == 1 and "541514" in error
    unknown = client.get("/", params={"occupation": "2174", "industry": "999999"}).text
    error = text_of(re.search(r'<p class="field-error" id="industry-error">(.*?)</p>', unknown).group(1))
    assert "six-digit codes differ" not in error.casefold()       # 999999 is no US code either


# -- what would change the answer, and which clauses decided it ---------------------------------------------

def section_of(html: str, heading_id: str) -> str:
    return re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', html, re.S).group(1)


def clause_of(html: str, noc: str, area: str, clause: str) -> str:
    return re.search(rf'<li class="clause[^"]*" id="clause-{noc}-{area}-{clause}">(.*?)</li>', html, re.S).group(0)


def test_a_not_eligible_answer_shows_what_would_change_it_as_the_cli_does(client, app):
    html = client.get("/", params={"occupation": "7452", "industry": "484121"}).text
    changes = text_of(section_of(html, "changes-7452"))
    assert "What would change the answer" in changes
    assert "eligible under Manufacturing for an employer in NAICS 31, 32 or 33" in changes
    assert "eligible under Life Sciences for an employer in NAICS 3391, 5417 or 3254" in changes
    assert "same NOC minor group" not in html.replace("the same NOC minor group first", "")
    # another occupation is offered with the case's industry, linked to its answer for that industry
    opened = app.state.service.opened[VERSION]
    answer = opened.evaluator.answer("2171", "325410")
    offered = answer.candidates[0].changes.occupations
    assert offered                                  # (the CLI's text offers them too)
    html = client.get("/", params={"occupation": "2171", "industry": "325410"}).text
    changes = section_of(html, "changes-2171")
    for o in offered:
        assert f'<a href="/?occupation={o.noc}&amp;industry=325410&amp;version={VERSION}">{o.noc} ' in changes


def test_the_page_offers_no_occupation_that_the_employer_s_industry_rules_out(client, app):
    """7511 is listed (under Manufacturing) in 7512's minor group, but not eligible for a trucking employer:
    the old list of listed occupations of the same minor group offered it; the changes do not."""
    opened = app.state.service.opened[VERSION]
    assert not opened.evaluator.answer("7511", "484121").eligible
    assert [n.noc for n in opened.evaluator.answer("7512", "484121").candidates[0].nearby] == ["7511"]
    html = client.get("/", params={"occupation": "7512", "industry": "484121"}).text
    assert "occupation=7511" not in html and "7511 Transport truck drivers" not in html


def test_the_page_marks_the_deciding_clause_and_those_that_follow_from_it(client):
    html = client.get("/", params={"occupation": "7511", "industry": "484121"}).text
    deciding = clause_of(html, "7511", "manufacturing", "phase-1-manufacturing")
    assert 'class="clause deciding"' in deciding and "the deciding failure here" in text_of(deciding)
    follows = clause_of(html, "7511", "manufacturing", "industry-in-area")
    assert 'class="clause"' in follows
    assert '<a href="#clause-7511-manufacturing-phase-1-manufacturing">phase-1-manufacturing</a>' in follows
    admitted = clause_of(client.get("/", params={"occupation": "2174", "industry": "541514"}).text,
                         "2174", "ict", "noc-a-exception")
    assert "the clause that admits the case here" in text_of(admitted)
    # two causes, two failures: nothing follows (0211 is at skill level 0 and on no list)
    html = client.get("/", params={"occupation": "0211", "industry": "3254"}).text
    assert "Follows from" not in html
    assert "the deciding failure here" in text_of(clause_of(html, "0211", "ict", "skill-level-limit"))


def test_the_interpretations_that_bear_on_an_answer_are_shown_and_linked_from_their_clauses(client, opened):
    html = client.get("/", params={"occupation": "7511", "industry": "484121"}).text
    version = opened.version
    bearing = {i.id for d in opened.evaluator.answer("7511", "484121").candidates for i in d.interpretations}
    assert bearing  # the page must show what the answer's JSON lists
    for i in version.interpretations:
        shown = f'id="interpretation-{i.id}"' in html
        assert shown == (i.id in bearing), i.id
        if shown:
            assert " ".join(i.reading.split()) in htmllib.unescape(html)
            assert f'href="#interpretation-{i.id}"' in html  # a clause that rests on it links to it
    # The policy book lists every interpretation with the clauses resting on it.
    book = client.get(f"/versions/{version.id}").text
    for i in version.interpretations:
        section = book[book.index(f'id="interpretation-{i.id}"'):]
        section = section[:section.index("</section>")]
        resting = [c.id for c in version.clauses if i.id in c.rests_on]
        assert resting and all(f'href="#clause-{c}"' in section for c in resting), i.id


def test_a_page_routed_in_a_page_router_is_refused_as_a_page_without_being_listed_anywhere(app, client):
    """A new page is its template, its context and its route (the README's recipe): a route declared with the
    pages' HTML responses gets its refusals as a 400 page, as the shipped pages do; it needed its path added
    to a second list (``is_page``), without which they came back as JSON problems."""
    from fastapi import APIRouter, Depends
    from starlette.responses import HTMLResponse
    from sc_policy.http.pages import page_response
    from sc_policy.http.routes_api import strict_query

    router = APIRouter(default_response_class=HTMLResponse)

    @router.get("/a-new-page", dependencies=[Depends(strict_query())])
    def a_new_page(request: Request):
        return page_response(request, "message.html", app.state.service.message_context("A new page", "Hello."))

    before = len(app.router.routes)
    app.include_router(router)
    try:
        assert "Hello." in client.get("/a-new-page").text
        refused = client.get("/a-new-page?x=1")
        assert refused.status_code == 400 and refused.headers["content-type"].startswith("text/html"), \
            refused.headers["content-type"]
        assert "Bad request" in refused.text
        api = client.get("/v1/versions?x=1")  # the API's refusals stay problems
        assert api.status_code == 400 and api.headers["content-type"] == "application/problem+json"
    finally:
        del app.router.routes[before:]


def test_behind_a_proxy_at_a_path_prefix_every_link_and_form_stays_under_the_prefix(app):
    """A reverse proxy serving the service at /sc (``sc-policy serve --root-path /sc``: the ASGI root_path,
    which uvicorn puts before the path) gets pages whose links and forms all lead back under /sc."""
    with TestClient(app, root_path="/sc") as c:
        for path in ("/sc/", "/sc/?occupation=2174&industry=541514", "/sc/?occupation=6322&industry=325410",
                     "/sc/?occupation=programmer", "/sc/occupations?industry=325410", f"/sc/versions/{VERSION}",
                     "/sc/versions/phase-1", "/sc/no-such-page", "/sc/?colour=red"):
            response = c.get(path, headers={"accept": "text/html"})
            targets = re.findall(r'(?:href|action)="([^"#][^"]*)"', response.text)
            assert response.status_code in (200, 400, 404) and targets, path
            assert all(t.startswith("/sc/") for t in targets), (path, [t for t in targets if not t.startswith("/sc/")])
    assert '<form method="get" action="/"' in TestClient(app).get("/").text   # without a prefix, as before


# -- the markup ---------------------------------------------------------------------------------------------

class _Nesting(HTMLParser):
    """What an HTML parser would repair in a page: a block (a quote, a list, a table...) opened inside a <p>,
    which a browser ends before the block (its </p> is then a stray end tag), or an end tag that closes
    another element than the one open."""

    VOID = {"meta", "input", "br", "link", "img", "hr", "col", "wbr", "source"}
    BLOCKS = {"address", "blockquote", "details", "div", "dl", "fieldset", "figure", "footer", "form", "h1", "h2",
              "h3", "h4", "h5", "h6", "header", "hr", "nav", "ol", "p", "pre", "section", "table", "ul"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list = []
        self.faults: list = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS and "p" in self.open[-1:]:
            self.faults.append(f"<{tag}> inside <p> at line {self.getpos()[0]}")
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.faults.append(f"</{tag}> closes <{self.open[-1] if self.open else 'nothing'}> "
                               f"at line {self.getpos()[0]}")
            while self.open and self.open[-1] != tag and tag in self.open:
                self.open.pop()
        if self.open:
            self.open.pop()


@pytest.mark.parametrize("path", ["/", "/?occupation=7511&industry=484121", "/?occupation=13110",
                                  "/?occupation=211", "/?occupation=programmer", "/occupations?industry=325410",
                                  "/?occupation=2174&on=2026-11-25", "/?occupation=2174&on=soon",
                                  f"/versions/{VERSION}", "/versions/phase-1"])
def test_every_page_is_markup_a_browser_reads_as_written(client, path):
    """The policy book put each area's quotes (blockquotes) inside the paragraph naming the area's id: a browser
    ends the paragraph before the first quote and the </p> after them stands alone."""
    parser = _Nesting()
    parser.feed(client.get(path).text)
    assert not parser.faults and not parser.open, (parser.faults[:3], parser.open)


def test_other_occupations_are_for_the_same_employer_only_when_one_was_given(client):
    none = client.get("/", params={"occupation": "7512"}).text
    assert "Another occupation, eligible with no employer industry given" in none and "same employer" not in none
    one = client.get("/", params={"occupation": "7512", "industry": "325410"}).text
    assert "Another occupation, eligible for the same employer" in one
