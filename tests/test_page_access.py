"""The caseworkers' pages against WCAG 2.1 AA, where the HTML alone shows it (Ontario's AODA asks WCAG 2.0 AA of
public-sector web content): the criteria a page's markup meets or fails whatever the browser.

The checks that need a browser (layout at 320 px, the keyboard, axe-core) are in tests/test_browser.py.
"""

from __future__ import annotations

import re
import warnings

import pytest

pytest.importorskip("fastapi")
with warnings.catch_warnings():  # Starlette 1.x prefers httpx2; httpx still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from test_pages import app, client  # noqa: E402,F401 (the shipped tree's service and its client: fixtures)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HTML = {"accept": "text/html"}


def site_links(html: str) -> list:
    """The site navigation's links: (address, whether it is marked as the page shown)."""
    nav = re.search(r'<nav aria-label="Site"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "no site navigation"
    return [(href, bool(current)) for href, current in re.findall(r'<a href="([^"]*)"( aria-current="page")?>',
                                                                  nav.group(1))]


@pytest.mark.parametrize("method,path,status,current", [
    ("GET", "/", 200, "/"), ("GET", "/?occupation=2174&industry=541514", 200, "/"),
    ("GET", "/?occupation=21A4", 400, "/"),
    ("GET", "/occupations", 200, "/occupations"), ("GET", "/occupations?industry=5", 400, "/occupations"),
    ("GET", "/versions/phase-1", 200, "/versions/phase-1"), ("GET", "/versions/phase-1.1", 200, "/versions/phase-1.1"),
    ("GET", "/nothing", 404, None), ("GET", "/versions/nope", 404, None), ("GET", "/?foo=1", 400, None),
    ("POST", "/", 405, None)])
def test_every_page_links_to_every_page_of_the_site(app, client, method, path, status, current):
    """WCAG 2.4.5 (Multiple Ways, AA): the header linked to the question page alone, so a policy book was found only
    by asking a question first (the answer links its version) or from the occupations page, and a superseded
    version's book only from another book. Every page now lists every page, the one shown marked as such."""
    response = client.request(method, path, headers=HTML)
    assert response.status_code == status
    expected = ["/", "/occupations"] + [f"/versions/{row['id']}" for row in app.state.service.version_rows]
    links = site_links(response.text)
    assert [href for href, _ in links] == expected
    assert [href for href, marked in links if marked] == ([current] if current else [])


def test_the_page_of_a_failure_links_to_every_page_of_the_site(app, monkeypatch):
    def fail(*args):
        raise RuntimeError("boom")
    monkeypatch.setattr(app.state.service, "home_context", fail)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/?occupation=2174", headers=HTML)
    assert response.status_code == 500 and "Something went wrong" in response.text
    assert [href for href, _ in site_links(response.text)][:2] == ["/", "/occupations"]


@pytest.mark.parametrize("path", ["/?occupation=21A4", "/?occupation=2174&on=2026-13-01", "/occupations?industry=5"])
def test_a_page_with_errors_starts_at_their_summary(client, path):
    """A keyboard or screen-reader user sent back to the form with errors started at the top of the page, the
    summary of what to fix somewhere below: the summary takes the focus when the page loads (by ``autofocus``, no
    script; ``tabindex="-1"`` makes it focusable but keeps it out of the Tab order), the only element that does."""
    response = client.get(path, headers=HTML)
    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary"[^>]*>', response.text)
    assert summary and 'tabindex="-1"' in summary.group(0) and "autofocus" in summary.group(0)
    assert len(re.findall(r"<[^>]*\bautofocus\b", response.text)) == 1


def test_a_page_without_errors_takes_no_focus_of_its_own(client):
    for path in ("/", "/?occupation=2174", "/occupations"):
        assert "autofocus" not in client.get(path, headers=HTML).text
