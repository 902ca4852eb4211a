"""Server-rendered HTML for caseworkers: the question form with its answer, the occupations an industry
opens, and the policy book.

The pages are Jinja2 templates (``sc_policy/present/templates/``, shipped as package data)
rendered with autoescaping: every piece of text from input, rule files or reference data is
escaped by the template engine, never by hand. This module gives the templates their
environment and builds each page's context from finished results (answers, versions); it
decides nothing. The pages work without JavaScript; the one stylesheet has a print view for
case files. The HTTP front door serves them through Starlette's ``Jinja2Templates``.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, NoReturn, Optional, Sequence, Tuple

import jinja2

from sc_policy.analysis.occupations import Occupations
from sc_policy.diagnostics import Diagnostic, one_line, visible, worded
from sc_policy.engine.compile import CompiledVersion
from sc_policy.engine.results import Answer, Decision
from sc_policy.model import FAIL, NOT_APPLICABLE, PASS, Citation, Version
from sc_policy.present.changes import INDUSTRIES_LEAD, industry_phrase, occupations_lead
from sc_policy.present.lines import parts_sentence
from sc_policy.present.render import answer_text, industry_label
from sc_policy.reference.statcan import ReferenceData, TitleMatch, skill_level
from sc_policy.resources import damaged

__all__ = ["Form", "QuoteLedger", "outcome", "environment", "render", "home_context", "book_context",
           "message_context", "occupations_context", "sentence", "link", "TEMPLATES", "MAX_MATCHES"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
"""The pages' templates (package data: ``setup.cfg`` ships them with the package)."""
SHIPPED_TEMPLATES = ("base.html", "book.html", "decision.html", "forms.html", "home.html", "message.html",
                     "occupations.html", "quotes.html", "style.css")
"""Every file of :data:`TEMPLATES`, each compiled when the environment is made."""
MAX_MATCHES = 40
RESULT_WORDS = {PASS: "Pass", FAIL: "Fail", NOT_APPLICABLE: "Not applicable"}
VERDICT_WORDS = {"eligible": "Eligible", "not_eligible": "Not eligible", "indeterminate": "Indeterminate"}
SITE = "Second Career Fast Track"


def link(path: str, **params: Optional[str]) -> str:
    """An address with the given query parameters (empty ones left out)."""
    query = urllib.parse.urlencode([(k, v) for k, v in params.items() if v])
    return f"{path}?{query}" if query else path


def _one_line(text: object) -> str:
    return " ".join(str(text or "").split())


def environment() -> jinja2.Environment:
    """The templates' environment: autoescaping on for every template, and the pages' helpers."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["oneline"] = _one_line
    env.filters["visible"] = visible  # a user's text with its control characters shown as escapes
    # ``root``: the path prefix the service is served under behind a proxy (the ASGI root_path); links start with it.
    env.globals.update(root="", link=link, result_words=RESULT_WORDS, verdict_words=VERDICT_WORDS,
                       skill_level=skill_level, outcome=outcome, industry_phrase=industry_phrase,
                       occupations_lead=occupations_lead, industries_lead=INDUSTRIES_LEAD,
                       parts_sentence=parts_sentence, industry_label=industry_label)
    for name in SHIPPED_TEMPLATES:  # compiled here (and kept by the environment): a damaged one stops the start
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            _damaged(TEMPLATES / (exc.name or name), f"line {exc.lineno}: {exc.message}")
        except jinja2.TemplateNotFound as exc:
            _damaged(TEMPLATES / (exc.name or name), "it is missing")
        except (OSError, UnicodeDecodeError) as exc:
            _damaged(TEMPLATES / name, str(exc))
    return env


def _damaged(path: Path, why: object) -> NoReturn:
    raise damaged(path, "page template", why, "template-damaged")


def render(env: jinja2.Environment, name: str, context: dict) -> str:
    return env.get_template(name).render(context)


PAGE_WORDS = {
    # a person typed the code: no spreadsheet dropped its zeros
    "leading-zeros": lambda s: f"did you mean {s.values[0]} {s.values[1]}? A code's leading zeros are part of it",
}
"""The kinds of suggestion the pages word themselves; every other kind in its plain words."""


def sentence(diagnostic: Diagnostic, advice: str = "") -> str:
    """A user's mistake as a sentence for the page, shown next to its field: what, the help, what to do."""
    text = one_line(diagnostic.message, worded(diagnostic.suggestion, PAGE_WORDS))
    text = text[0].upper() + text[1:] if text else text
    return f"{text}. {advice}".strip()


@dataclass
class Form:
    """What the caseworker typed (kept to refill the form) and the error found for each field."""

    occupation: str = ""
    industry: str = ""
    version: str = ""
    on: str = ""
    area: str = ""
    submitted: Tuple[str, ...] = ()
    errors: Dict[str, str] = field(default_factory=dict)
    max_chars: Optional[int] = None
    """The longest value the service takes for a field: the browser stops typing there."""


class QuoteLedger:
    """The passages of the source already quoted on one page, in the order the page shows them.

    An answer cites the same passage under several areas and clauses; the page quotes it in full
    where it first appears (:meth:`split` gives that quote its anchor) and links back to it after
    that, so that no sentence of the source is printed twice. One ledger serves one rendering.
    """

    def __init__(self) -> None:
        self._anchors: Dict[Tuple[int, str], str] = {}

    def split(self, source: Sequence[Citation]) -> Tuple[List[Tuple[str, Citation]], List[Tuple[str, Citation]]]:
        """(the passages quoted here for the first time, those quoted above), each with its anchor; the
        first ones are recorded as quoted."""
        fresh: List[Tuple[str, Citation]] = []
        seen: List[Tuple[str, Citation]] = []
        for citation in source:
            key = (citation.line, citation.quote)
            if key in self._anchors:
                if all(c.line != citation.line for _, c in seen):   # a line is named once
                    seen.append((self._anchors[key], citation))
            else:
                self._anchors[key] = f"quote-{len(self._anchors) + 1}"
                fresh.append((self._anchors[key], citation))
        return fresh, seen


def outcome(d: Decision) -> str:
    """One NOC 2016 unit group's outcome in words: eligible or not, and under which areas."""
    areas = [a.title for a in d.areas if a.in_scope]
    return f"eligible, in scope under {', '.join(areas)}" if areas else "not eligible, in scope under no priority area"


def _verdict_detail(answer: Answer, reason: Optional[str]) -> str:
    """What the verdict line says after the verdict: nothing the reason under it says (``explain`` too gives the
    verdict, then the reason), or without a reason, the areas."""
    if reason:
        return "pick the NOC 2016 unit group below that matches the case" if answer.verdict == "indeterminate" else ""
    if answer.verdict == "indeterminate":
        return ("the NOC 2016 unit groups that this NOC 2021 code corresponds to disagree; pick the one that "
                "matches the case")
    if answer.eligible:
        return "in scope under " + ", ".join(sorted({a.title for d in answer.candidates for a in d.areas
                                                      if a.in_scope}))
    return "in scope under no priority area"


def home_context(form: Form, versions: Sequence[dict], *, matches: Sequence[TitleMatch] = (),
                 answer: Optional[Answer] = None, version: Optional[Version] = None,
                 refdata: Optional[ReferenceData] = None, decided_on: Optional[dt.date] = None,
                 version_by_date: bool = True, reason: Optional[str] = None) -> dict:
    """The question page (``home.html``): the form, the matches of a title search, or the answer.

    An answer's summary gives the verdict, ``reason`` (the deciding sentence, when the answer has
    one), ``decided_on`` (the day whose version was chosen, or the day asked when the form named the
    version: ``version_by_date`` false), the version and its content hash."""
    title = f"{SITE}: is training in scope?"
    context = {"form": form, "versions": versions, "matches": matches, "shown": matches[:MAX_MATCHES],
               "answer": None}
    if form.errors:
        title = "Error: " + title
    elif matches:   # as the list's heading says
        title = f"Occupations matching \u201c{visible(_one_line(form.occupation))}\u201d | {SITE}"
    elif answer is not None and version is not None and refdata is not None:
        title = (f"{VERDICT_WORDS[answer.verdict]}: NOC {answer.noc.code} {answer.noc.title}"
                 + (f", NAICS {answer.industry}" if answer.industry else "") + f" | {SITE}")
        m = version.manifest
        context.update(
            answer=answer, version=version, refdata=refdata, verdict_detail=_verdict_detail(answer, reason),
            reason=reason, decided_on=decided_on, version_by_date=version_by_date,
            text=answer_text(answer, version, refdata),     # for a plain-text case file, as ``explain`` prints it
            # the page's links to other answers (candidates, other occupations) ask as the form did: for the day
            # it named, else by this version
            same_case=({"on": decided_on.isoformat()} if version_by_date and decided_on and form.on.strip()
                       else {"version": m.id}),
            ledger=QuoteLedger(),
            resolutions={r.id: r for r in version.resolutions},
            applied=list({r.id: r for d in answer.candidates for r in d.resolutions}.values()),
            readings=list({i.id: i for d in answer.candidates for i in d.interpretations}.values()),
            # a version chosen by date is asked for by that date, so that the JSON says the day the page says
            json_link=link("/v1/decisions", noc=answer.noc.code, industry=answer.industry,
                           noc_version=answer.noc.version if answer.noc.version != "2016" else None,
                           **({"on": decided_on.isoformat()} if version_by_date and decided_on else {"version": m.id})))
    context["title"] = title
    return context


def message_context(heading: str, message: str, versions: Sequence[dict]) -> dict:
    """A page that only says something (``message.html``): not found, bad request."""
    return {"title": f"{heading} | {SITE}", "heading": heading, "message": message, "versions": versions}


def book_context(version: Version, compiled: CompiledVersion, refdata: ReferenceData,
                 versions: Sequence[dict]) -> dict:
    """A version as a readable book (``book.html``): manifest, areas, occupations, clauses, resolutions."""
    m = version.manifest
    return {"title": f"{m.title} ({m.id}) | policy book", "version": version, "compiled": compiled,
            "refdata": refdata, "versions": versions}


def occupations_context(form: Form, versions: Sequence[dict], areas: Sequence[Tuple[str, str]], *,
                        found: Optional[Occupations] = None) -> dict:
    """The page of the occupations an industry opens (``occupations.html``): the form (industry, area,
    version; ``areas`` are the (id, title) of the chosen version's areas) and the list."""
    title = f"Which occupations an employer's industry opens | {SITE}"
    context = {"form": form, "versions": versions, "areas": areas, "found": None}
    if form.errors:
        title = "Error: " + title
    elif found is not None:
        where = f"NAICS {found.industry} {found.industry_title}" if found.industry else "no employer industry"
        area = f", in scope under {found.area_title(found.area)}" if found.area else ""
        n = len(found.rows)
        title = f"{n} occupation{'s' if n != 1 else ''} open for {where}{area} | {SITE}"
        context.update(found=found,
                       json_link=link("/v1/occupations", industry=found.industry, area=found.area,
                                      version=found.version))
    context["title"] = title
    return context
