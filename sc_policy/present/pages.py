"""Server-rendered HTML for caseworkers: the question form with its answer, and the policy book.

Pages are plain semantic HTML built from finished results (answers, versions);
they decide nothing. Every piece of text that comes from input, rule files or
reference data goes through :func:`html.escape` (the helper ``e``). The pages
work without JavaScript; the one stylesheet has a print view for case files.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from html import escape
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sc_policy.engine.compile import CompiledVersion
from sc_policy.diagnostics import ScPolicyError
from sc_policy.engine.decide import Answer, Decision
from sc_policy.model import Citation, Version
from sc_policy.reference.statcan import ReferenceData, skill_level

__all__ = ["Form", "Match", "TitleIndex", "home", "policy_book", "not_found", "bad_request", "sentence",
           "MAX_MATCHES"]

MAX_MATCHES = 40
RESULT_WORDS = {"pass": "Pass", "fail": "Fail", "not_applicable": "Not applicable"}
VERDICT_WORDS = {"eligible": "Eligible", "not_eligible": "Not eligible", "indeterminate": "Indeterminate"}

STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, sans-serif; line-height: 1.45; margin: 0 auto; max-width: 60rem; padding: 1rem;
       color: #111; background: #fff; }
body > header { border-bottom: 1px solid #999; margin-bottom: 1rem; }
body > footer { border-top: 1px solid #999; margin-top: 2rem; font-size: .9rem; }
blockquote footer { font-size: .9rem; color: #444; }
label { display: block; font-weight: bold; margin-top: .8rem; }
.help { margin: .1rem 0 .3rem; color: #444; font-size: .95rem; }
input, select, button { font: inherit; padding: .3rem .4rem; }
input[aria-invalid="true"] { border: 2px solid #b00020; }
.field-error { color: #b00020; font-weight: bold; margin: .2rem 0; }
.error-summary { border: 3px solid #b00020; padding: .5rem 1rem; margin: 1rem 0; }
button { margin-top: 1rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.verdict { font-size: 1.4rem; padding: .5rem 1rem; border: 3px solid; }
.verdict.eligible { border-color: #0a6b2d; } .verdict.not_eligible { border-color: #b00020; }
.verdict.indeterminate { border-color: #8a5a00; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: .3rem .4rem; text-align: left; vertical-align: top; }
caption { text-align: left; font-weight: bold; padding: .3rem 0; }
blockquote { margin: .2rem 0 .2rem 1rem; padding-left: .6rem; border-left: 3px solid #bbb; }
.result-pass { color: #0a6b2d; font-weight: bold; } .result-fail { color: #b00020; font-weight: bold; }
.result-not_applicable { color: #555; }
code, pre { font-family: ui-monospace, monospace; font-size: .92rem; }
pre { white-space: pre-wrap; background: #f4f4f4; padding: .4rem; }
.hash { word-break: break-all; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  form, nav, .no-print { display: none; }
  a { color: inherit; text-decoration: none; }
  section, tr, blockquote { break-inside: avoid; }
  .verdict { border-width: 2px; }
  th, td { border-color: #666; }
}
"""


def e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def sentence(error: ScPolicyError, advice: str = "") -> str:
    """A user's mistake as one sentence for the page: what, the hint, and what to do."""
    text = " ".join(error.message.split())
    text = text[0].upper() + text[1:] if text else text
    if error.suggestion is not None and error.suggestion.text:
        text += f" ({' '.join(error.suggestion.text.split())})"
    text += "."
    return f"{text} {advice}".strip()


@dataclass
class Form:
    """What the caseworker typed (kept to refill the form) and the error found for each field."""

    occupation: str = ""
    industry: str = ""
    version: str = ""
    submitted: Tuple[str, ...] = ()
    errors: Dict[str, str] = field(default_factory=dict)
    max_chars: Optional[int] = None
    """The longest value the service takes for a field: the browser stops typing there."""


@dataclass(frozen=True)
class Match:
    code: str
    noc_version: str
    title: str


class TitleIndex:
    """NOC 2016 and NOC 2021 unit group titles, searched by words (every word must occur)."""

    def __init__(self, refdata: ReferenceData):
        rows = [Match(u.code, "2016", u.title) for u in refdata.noc2016.values()]
        rows += [Match(code, "2021", corr[0].noc2021_title) for code, corr in refdata.concordance.items()]
        self.rows = [(row, row.title.casefold()) for row in sorted(rows, key=lambda m: (m.noc_version, m.code))]

    def search(self, text: str) -> List[Match]:
        words = re.findall(r"\w+", text.casefold())
        if not words:
            return []
        return [row for row, folded in self.rows if all(w in folded for w in words)]


def page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n'
            f'<header><p><a href="/">Second Career Fast Track: is training in scope?</a></p></header>\n'
            f'<main id="main">\n{body}\n</main>\n'
            f'<footer><p>sc-policy: the policy as code. Answers quote the ministry\'s text; the analyst\'s '
            f'resolutions of its contradictions are shown where they apply. '
            f'<a href="/openapi.json">JSON API (OpenAPI)</a>.</p></footer>\n</body>\n</html>\n')


def _link(path: str, **params: Optional[str]) -> str:
    query = urllib.parse.urlencode([(k, v) for k, v in params.items() if v])
    return f"{path}?{query}" if query else path


def _field(name: str, label: str, help_text: str, value: str, form: Form, *, required: bool = False) -> str:
    error = form.errors.get(name)
    described = f"{name}-help" + (f" {name}-error" if error else "")
    invalid = ' aria-invalid="true"' if error else ""
    req = " required" if required else ""
    if form.max_chars is not None:
        req += f' maxlength="{form.max_chars}"'
    out = [f'<label for="{name}">{e(label)}</label>',
           f'<p class="help" id="{name}-help">{help_text}</p>']
    if error:
        out.append(f'<p class="field-error" id="{name}-error"><span class="visually-hidden">Error: </span>'
                   f'{e(error)}</p>')
    out.append(f'<input type="text" id="{name}" name="{name}" value="{e(value)}" '
               f'aria-describedby="{described}"{invalid}{req} autocomplete="off" spellcheck="false">')
    return "\n".join(out)


def _version_select(form: Form, versions: Sequence[dict]) -> str:
    error = form.errors.get("version")
    options = ['<option value="">The version in force today</option>']
    for row in versions:
        selected = " selected" if row["id"] == form.version else ""
        options.append(f'<option value="{e(row["id"])}"{selected}>{e(row["id"])}: {e(row.get("title", ""))} '
                       f'({e(row["status"])}, from {e(row["effective_from"])})</option>')
    err = f'<p class="field-error" id="version-error">{e(error)}</p>' if error else ""
    described = ' aria-describedby="version-error"' if error else ""
    return (f'<label for="version">Policy version</label>\n{err}\n<select id="version" name="version"{described}>'
            + "".join(options) + "</select>")


def _form(form: Form, versions: Sequence[dict]) -> str:
    summary = ""
    if form.errors:
        items = "".join(f'<li><a href="#{e(name)}">{e(form.errors[name])}</a></li>'
                        for name in ("occupation", "industry", "version") if name in form.errors)
        summary = (f'<div class="error-summary" role="alert" aria-labelledby="error-summary-title">'
                   f'<h2 id="error-summary-title">There is a problem</h2><ul>{items}</ul></div>')
    return f"""{summary}
<form method="get" action="/" aria-labelledby="ask-title" novalidate>
<h2 id="ask-title">Ask about a case</h2>
{_field("occupation", "Occupation",
        "A NOC 2016 code (four digits, e.g. 2174), a NOC 2021 code (five digits, e.g. 21232), "
        "or words of the occupation's title (e.g. <i>web developers</i>) to pick from the matches.",
        form.occupation, form, required=True)}
{_field("industry", "Employer's industry (optional)",
        "A NAICS Canada 2017 code, 2 to 6 digits (e.g. 541514). Leave empty if there is no employer yet.",
        form.industry, form)}
{_version_select(form, versions)}
<button type="submit">Check eligibility</button>
</form>"""


def _matches(matches: Sequence[Match], form: Form) -> str:
    if not matches:
        return ""
    shown = matches[:MAX_MATCHES]
    more = (f"<p>Showing {len(shown)} of {len(matches)} matches; add words to narrow them.</p>"
            if len(matches) > len(shown) else "")
    items = "\n".join(
        f'<li><a href="{e(_link("/", occupation=m.code, industry=form.industry.strip(), version=form.version))}">'
        f'NOC {m.noc_version} {e(m.code)} {e(m.title)}</a></li>' for m in shown)
    return (f'<section aria-labelledby="matches-title"><h2 id="matches-title">Occupations matching '
            f'\u201c{e(form.occupation.strip())}\u201d</h2>\n<p>Pick the occupation of the case:</p>\n'
            f'{more}<ul>\n{items}\n</ul></section>')


def _quotes(source: Iterable[Citation]) -> str:
    return "".join(f'<blockquote><p>\u201c{e(c.quote)}\u201d</p><footer>Source, line {e(c.line)}</footer>'
                   f'</blockquote>' for c in source)


def _decision(d: Decision, version: Version, refdata: ReferenceData, level: int) -> str:
    h = f"h{level}"
    resolutions = {r.id: r for r in version.resolutions}
    out = []
    for a in d.areas:
        area = version.area(a.area)
        rows = []
        for c in a.clauses:
            rows.append(f'<tr><th scope="row">{e(c.title)}<br><small>{e(c.clause)} v{e(c.clause_version)}</small></th>'
                        f'<td class="result-{e(c.result)}">{e(RESULT_WORDS.get(c.result, c.result))}</td>'
                        f'<td>{e(c.reason)}</td><td>{_quotes(c.source)}</td></tr>')
        definition = ""
        if area is not None:
            parts = []
            for label, entries in (("Includes", area.include), ("Excludes", area.exclude)):
                for entry in entries:
                    official = refdata.naics_title(entry.code) or "not in NAICS Canada 2017"
                    parts.append(f"<li>{label} NAICS {e(entry.code)} {e(official)} "
                                 f"(published: {e(entry.description)})</li>")
            definition = (f'<details><summary>Industry definition of {e(a.title)}</summary><ul>{"".join(parts)}'
                          f'</ul></details>')
        notes = "".join(f'<li><strong>Resolution {e(rid)}</strong>: {e(" ".join(resolutions[rid].decision.split()))}'
                        f'</li>' for rid in a.resolutions if rid in resolutions)
        notes = f'<p>Analyst\'s resolutions that apply:</p><ul>{notes}</ul>' if notes else ""
        scope = "in scope" if a.in_scope else "not in scope"
        out.append(f'<section class="area" aria-labelledby="area-{e(d.noc)}-{e(a.area)}">'
                   f'<{h} id="area-{e(d.noc)}-{e(a.area)}">{e(a.title)}: {scope}</{h}>{definition}'
                   f'<table><caption>Clauses of {e(a.title)} for NOC 2016 {e(d.noc)}</caption>'
                   f'<thead><tr><th scope="col">Clause</th><th scope="col">Result</th><th scope="col">Reason</th>'
                   f'<th scope="col">Source</th></tr></thead><tbody>{"".join(rows)}</tbody></table>{notes}</section>')
    if d.nearby:
        items = "".join(f'<li><a href="{e(_link("/", occupation=n.code))}">{e(n.code)} {e(n.title)}</a> '
                        f'(listed under {e(", ".join(n.areas))})</li>' for n in d.nearby)
        out.append(f'<section aria-labelledby="nearby-{e(d.noc)}"><{h} id="nearby-{e(d.noc)}">Listed occupations of '
                   f'the same NOC minor group</{h}><ul>{items}</ul></section>')
    return "\n".join(out)


def _answer(answer: Answer, version: Version, refdata: ReferenceData) -> str:
    m = version.manifest
    if answer.verdict == "indeterminate":
        detail = ("the NOC 2016 unit groups this NOC 2021 code corresponds to disagree; pick the one that matches "
                  "the case")
    elif answer.eligible:
        detail = "in scope under " + ", ".join(sorted({a.title for d in answer.candidates for a in d.areas
                                                        if a.in_scope}))
    else:
        detail = "in scope under no priority area"
    industry = (f"NAICS {e(answer.industry)} {e(answer.industry_title)}" if answer.industry
                else "none given (industry clauses are not applicable)")
    head = (f'<section aria-labelledby="answer-title" id="answer"><h2 id="answer-title">Answer</h2>'
            f'<p class="verdict {e(answer.verdict)}" id="verdict"><strong>Verdict: '
            f'{e(VERDICT_WORDS[answer.verdict])}</strong>, {e(detail)}.</p>'
            f'<dl><dt>Occupation</dt><dd>NOC {e(answer.noc.version)} {e(answer.noc.code)} {e(answer.noc.title)}</dd>'
            f'<dt>Industry</dt><dd>{industry}</dd>'
            f'<dt>Policy version</dt><dd><a href="/versions/{e(m.id)}">{e(m.title)}</a>: policy {e(m.policy)}, '
            f'version {e(m.id)} ({e(m.status)})</dd>'
            f'<dt>Version hash (SHA-256)</dt><dd class="hash"><code>{e(version.content_hash)}</code></dd></dl>')
    body = []
    several = answer.noc.version == "2021"
    for d in answer.candidates:
        if several:
            body.append(f'<section aria-labelledby="candidate-{e(d.noc)}"><h3 id="candidate-{e(d.noc)}">NOC 2016 '
                        f'{e(d.noc)} {e(d.noc_title)}: {"eligible" if d.eligible else "not eligible"}</h3>'
                        f'{_decision(d, version, refdata, 4)}</section>')
        else:
            body.append(_decision(d, version, refdata, 3))
    applied = {r.id: r for d in answer.candidates for r in d.resolutions}
    res = ""
    if applied:
        items = "".join(f'<li><strong>{e(r.id)}</strong>: {e(" ".join(r.finding.split()))}<br>Decision: '
                        f'{e(" ".join(r.decision.split()))}{_quotes(r.source)}</li>' for r in applied.values())
        res = (f'<section aria-labelledby="resolutions-title"><h3 id="resolutions-title">The analyst\'s '
               f'resolutions of the source\'s contradictions that bear on this answer</h3><ul>{items}</ul></section>')
    json_link = _link("/v1/decisions", noc=answer.noc.code, industry=answer.industry,
                      noc_version=answer.noc.version if answer.noc.version != "2016" else None, version=m.id)
    return (head + "\n".join(body) + res +
            f'<p class="no-print"><a href="{e(json_link)}">This answer as JSON</a>. Print this page for the case '
            f'file.</p></section>')


def home(form: Form, versions: Sequence[dict], *, matches: Sequence[Match] = (), answer: Optional[Answer] = None,
         version: Optional[Version] = None, refdata: Optional[ReferenceData] = None) -> str:
    parts = ['<h1>Is training for this occupation in scope?</h1>',
             "<p>Second Career Fast Track: training must lead to an occupation listed under an Invest Ontario "
             "priority area. Enter the case's occupation, and the employer's industry if there is one.</p>",
             _form(form, versions), _matches(matches, form)]
    if answer is not None and version is not None and refdata is not None:
        parts.append(_answer(answer, version, refdata))
    title = "Second Career Fast Track: is training in scope?"
    if form.errors:
        title = "Error: " + title
    elif answer is not None:
        title = (f"{VERDICT_WORDS[answer.verdict]}: NOC {answer.noc.code} {answer.noc.title}"
                 + (f", NAICS {answer.industry}" if answer.industry else "") + " | Second Career Fast Track")
    return page(title, "\n".join(p for p in parts if p))


def _message_page(heading: str, message: str, versions: Sequence[dict]) -> str:
    items = "".join(f'<li><a href="/versions/{e(r["id"])}">{e(r["id"])}: {e(r.get("title", ""))}</a></li>'
                    for r in versions)
    return page(f"{heading} | Second Career Fast Track",
                f"<h1>{e(heading)}</h1><p>{e(message)}</p><p>Policy versions:</p><ul>{items}</ul>"
                f'<p><a href="/">Ask about a case</a>.</p>')


def not_found(message: str, versions: Sequence[dict]) -> str:
    return _message_page("Not found", message, versions)


def bad_request(message: str, versions: Sequence[dict]) -> str:
    return _message_page("Bad request", message, versions)


def policy_book(version: Version, compiled: CompiledVersion, refdata: ReferenceData,
                versions: Sequence[dict]) -> str:
    """A version as a readable book: manifest, areas with definitions and occupations, clauses, resolutions."""
    m = version.manifest
    toc = "".join(f'<li><a href="#area-{e(a.id)}">{e(a.title)}</a></li>' for a in version.areas)
    toc += '<li><a href="#clauses">Clauses</a></li><li><a href="#resolutions">Resolutions</a></li>'
    assumptions = "".join(f"<li><strong>{e(k)}</strong> is an assumption: {e(' '.join(v.split()))}</li>"
                          for k, v in sorted(m.assumptions.items()))
    manifest = (f'<dl><dt>Policy</dt><dd>{e(m.policy)}</dd><dt>Version</dt><dd>{e(m.id)}</dd>'
                f'<dt>Status</dt><dd>{e(m.status)}</dd>'
                f'<dt>In force</dt><dd>from {e(m.effective_from.isoformat())} to '
                f'{e(m.effective_to.isoformat()) if m.effective_to else "further notice"}</dd>'
                f'<dt>Supersedes</dt><dd>{e(m.supersedes or "none")}</dd>'
                f'<dt>Source document</dt><dd>{e(m.source_title)} (<code>{e(m.source_file)}</code>, SHA-256 '
                f'<code class="hash">{e(m.source_sha256)}</code>)</dd>'
                f'<dt>Content hash (SHA-256)</dt><dd class="hash"><code>{e(version.content_hash)}</code>'
                f'{" (frozen)" if m.sha256 else ""}</dd></dl>'
                + (f"<ul>{assumptions}</ul>" if assumptions else ""))
    areas = []
    for a in version.areas:
        naics_rows = []
        for label, entries in (("Included", a.include), ("Excluded", a.exclude)):
            for entry in entries:
                naics_rows.append(f'<tr><td>{label}</td><th scope="row">{e(entry.code)}</th>'
                                  f'<td>{e(refdata.naics_title(entry.code) or "not in NAICS Canada 2017")}</td>'
                                  f'<td>{e(entry.description)}</td><td>{_quotes(entry.source)}</td></tr>')
        occ_rows = []
        for o in a.occupations:
            official = refdata.noc_title(o.code) if o.code else None
            code = e(o.code) if o.code else "none published"
            if o.assigned_by:
                code += f" (assigned by resolution {e(o.assigned_by)})"
            derived = skill_level(o.code) if o.code and o.code.isdigit() and len(o.code) == 4 else ""
            occ_rows.append(f'<tr><th scope="row">{code}</th><td>{e(official or "")}</td><td>{e(o.title)}</td>'
                            f'<td>{e(o.level)}{f" (code says {e(derived)})" if derived and derived != o.level else ""}'
                            f'</td><td>{_quotes(o.source)}</td></tr>')
        areas.append(
            f'<section aria-labelledby="area-{e(a.id)}"><h2 id="area-{e(a.id)}">{e(a.title)}</h2>'
            f'<p>Area id <code>{e(a.id)}</code>. {_quotes(a.source)}</p>'
            f'<table><caption>Industry definition (NAICS Canada 2017)</caption><thead><tr>'
            f'<th scope="col">Included or excluded</th><th scope="col">NAICS code</th>'
            f'<th scope="col">Official title</th><th scope="col">Published description</th>'
            f'<th scope="col">Source</th></tr></thead><tbody>{"".join(naics_rows)}</tbody></table>'
            f'<table><caption>Occupations (NOC 2016)</caption><thead><tr><th scope="col">NOC code</th>'
            f'<th scope="col">Official title</th><th scope="col">Published title</th>'
            f'<th scope="col">Published skill level</th><th scope="col">Source</th></tr></thead>'
            f'<tbody>{"".join(occ_rows)}</tbody></table></section>')
    clauses = []
    for cc in compiled.clauses:
        c = cc.clause
        applies = ", ".join(a.title for a in version.areas if a.id in c.applies_to)
        explains = "".join(f"<dt>When the result is {e(RESULT_WORDS.get(k, k).lower())}</dt><dd>{e(v)}</dd>"
                           for k, v in sorted(c.explain.items()))
        when = (f'<dt>Applies when</dt><dd><pre><code>{e(c.when)}</code></pre></dd>' if c.when
                else "<dt>Applies when</dt><dd>always</dd>")
        clauses.append(f'<section aria-labelledby="clause-{e(c.id)}"><h3 id="clause-{e(c.id)}">{e(c.title)}</h3>'
                       f'<dl><dt>Clause</dt><dd><code>{e(c.id)}</code> version {e(c.version)}</dd>'
                       f'<dt>Areas</dt><dd>{e(applies)}</dd>{when}'
                       f'<dt>Rule</dt><dd><pre><code>{e(c.condition)}</code></pre></dd>{explains}</dl>'
                       f'<p>The source it encodes:</p>{_quotes(c.source)}</section>')
    resolutions = []
    for r in version.resolutions:
        resolutions.append(f'<section aria-labelledby="resolution-{e(r.id)}"><h3 id="resolution-{e(r.id)}">'
                           f'{e(r.id)}</h3><dl><dt>Resolves</dt><dd>{e(", ".join(r.resolves))}</dd>'
                           f'<dt>Diagnostic</dt><dd>{e(" ".join(r.finding.split()))}</dd>'
                           f'<dt>Decision</dt><dd>{e(" ".join(r.decision.split()))}</dd></dl>'
                           f'{_quotes(r.source)}</section>')
    others = "".join(f'<li><a href="/versions/{e(r["id"])}">{e(r["id"])}</a> ({e(r["status"])})</li>'
                     for r in versions if r["id"] != m.id)
    body = (f'<h1>{e(m.title)}</h1>{manifest}'
            f'<nav aria-label="Contents"><h2>Contents</h2><ul>{toc}</ul></nav>'
            + "".join(areas)
            + f'<section aria-labelledby="clauses"><h2 id="clauses">Clauses</h2>'
              f'<p>An area is in scope when every clause that applies to it passes or is not applicable; a case is '
              f'eligible when at least one area is in scope.</p>{"".join(clauses)}</section>'
            + f'<section aria-labelledby="resolutions"><h2 id="resolutions">The analyst\'s resolutions</h2>'
              f'{"".join(resolutions) or "<p>None.</p>"}</section>'
            + (f'<nav aria-label="Other versions" class="no-print"><h2>Other versions</h2><ul>{others}</ul></nav>'
               if others else ""))
    return page(f"{m.title} ({m.id}) | policy book", body)
