"""What the service knows and does, apart from HTTP: the opened versions, decisions, diffs, the pages' HTML.

:class:`DecisionService` is built once per application from one
:class:`~sc_policy.app.workspace.Workspace`: the workspace checks the tree (a tree with
errors never starts serving), opens each version once and lists them; everything a request
needs is then at hand, and a request only evaluates. Choosing a version, by id or by date,
is the workspace's (:meth:`Workspace.select`). Mistakes are raised as
:class:`~sc_policy.http.problems.Problem` naming the parameter at fault.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from pydantic import ValidationError

from sc_policy.analysis.diff import VersionDiff, diff_versions
from sc_policy.app.workspace import OpenVersion, Workspace, decision_day
from sc_policy.diagnostics import (InputError, PolicyInvalidError, ScPolicyError, Span, UnknownVersionError, counted, cut,
                                   echoed, integrity_first, no_versions, visible)
from sc_policy.http.caching import etag_of
from sc_policy.http.models import MAX_PARAM_CHARS, DecisionInput
from sc_policy.http.problems import PATH_ID_WORDS, Problem, from_diagnostic, from_validation, required, shown
from sc_policy.present import pages
from sc_policy.present.diff import diff_json
from sc_policy.present.render import Sources, answer_to_dict, compact_dumps, dumps
from sc_policy.reference.codes import day_named, parse_industry, parse_noc
from sc_policy.reference.codes import parse_day as read_day

__all__ = ["DecisionService", "Case", "case_of", "parse_day", "json_object", "ANSWER_CACHE_SIZE"]

ANSWER_CACHE_SIZE = 4096
"""Decisions kept (and as many finished JSON bodies): the same inputs under the same version give the
same bytes."""


class JsonObject(dict):
    """An object of a request's JSON body; ``repeated``: its first key given more than once, or None."""

    repeated: Optional[str] = None


def json_object(pairs) -> JsonObject:
    """``json.loads``' object_pairs_hook: the object, its last value of a key kept, its first repeated key noted."""
    obj = JsonObject()
    for key, value in pairs:
        if key in obj and obj.repeated is None:
            obj.repeated = key
        obj[key] = value
    return obj


def day_of(case: "Case") -> Optional[str]:
    """The day the case's answer is decided on (:func:`~sc_policy.app.workspace.decision_day`)."""
    return decision_day(case.version, case.on, case.today.isoformat())


class Case(NamedTuple):
    """One input, trimmed, with its date read (the codes themselves are checked when deciding)."""

    noc: str
    industry: Optional[str]
    version: Optional[str]
    on: Optional[dt.date]
    noc_version: str
    today: dt.date  # the clock's day when the case was read: it both chooses the version and is reported


def parse_day(text: str, parameter: str) -> dt.date:
    """The day a parameter's text names (:func:`sc_policy.reference.codes.parse_day`); raise :class:`Problem`."""
    try:
        return read_day(text)
    except InputError as exc:
        raise _input_problem(parameter, exc) from None


def _input_problem(parameter: str, exc: InputError) -> Problem:
    return Problem(400, "bad-input", f"{parameter}: {exc.message}", parameter)


def _given(value: Optional[str]) -> Optional[str]:
    return value.strip() or None if value is not None else None


def case_of(inp: DecisionInput) -> Case:
    """A checked input as a case: an empty value is none; ``version`` and ``on`` exclude each other."""
    noc = _given(inp.noc)
    if noc is None:
        raise Problem(400, "bad-input", f"noc: {required('noc')}", "noc")
    version = _given(inp.version)
    if version and inp.on:
        raise Problem(400, "bad-input", "on: give version or on, not both", "on")
    on = parse_day(inp.on, "on") if inp.on else None
    return Case(noc, _given(inp.industry), version, on, inp.noc_version or "2016", dt.date.today())


class DecisionService:
    """The checked workspace and everything precomputed from it; the routes call its methods."""

    def __init__(self, workspace: Workspace):
        # A modified frozen version first: it explains the rest.
        errors = integrity_first([f for f in workspace.check() if f.severity == "error"])
        if errors:
            raise PolicyInvalidError(f"the policy tree has {counted(len(errors), 'error')}, the first {errors[0].code} in "
                                     f"{errors[0].span.path}", findings=errors)
        self.workspace = workspace
        self.refdata = workspace.refdata
        refs = workspace.refs()
        if not refs:
            raise no_versions(str(workspace.root))
        shared = sorted(vid for vid, n in collections.Counter(r.id for r in refs).items() if n > 1)
        if shared:  # the API names a version by its id alone: one would answer for both
            policies = ", ".join(sorted(r.policy for r in refs if r.id == shared[0]))
            raise UnknownVersionError(f"the service names versions by their ids, and policies {policies} of the tree "
                                      f"share version id {echoed(shared[0])}: serve a tree that holds one of them",
                                      Span(str(workspace.root)))
        self.opened: Dict[str, OpenVersion] = {ref.id: workspace.open(ref.id) for ref in refs}
        self.version_rows = workspace.versions()
        self.versions_json = dumps(self.version_rows)
        self.version_json = {row["id"]: dumps(row) for row in self.version_rows}
        self.health_json = dumps({"status": "ok", "versions": sorted(self.opened)})
        self.html = pages.environment()
        self.books = {vid: self._book_uncached(vid, "") for vid in self.opened}  # made at start, the rest on use
        self._book_under = functools.lru_cache(maxsize=64)(self._book_uncached)
        self._chosen = functools.lru_cache(maxsize=512)(self._choose)
        self._sources: Sources = {}  # each clause's citations as JSON-ready lists, made once per version
        self._answer_cached = functools.lru_cache(maxsize=ANSWER_CACHE_SIZE)(self._answer_uncached)
        self._body_cached = functools.lru_cache(maxsize=ANSWER_CACHE_SIZE)(self._body_uncached)
        self._diff_cached = functools.lru_cache(maxsize=16)(self._diff_uncached)
        self._version_diff = functools.lru_cache(maxsize=16)(self._version_diff_uncached)

    def _book_uncached(self, vid: str, root: str) -> str:
        opened = self.opened[vid]
        return pages.render(self.html, "book.html", {**pages.book_context(opened.version, opened.compiled, self.refdata,
                                                                          self.version_rows), "root": root})

    def book(self, vid: str, root: str = "") -> str:
        """A version's policy book, its links under the path prefix ``root`` (``''``: made at start)."""
        return self.books[vid] if not root else self._book_under(vid, root)

    def health(self) -> str:
        """``/healthz``'s JSON; raise a 503 Problem on a day no version is in force (a question naming no
        version, as every caseworker's does, would be refused)."""
        try:
            self._chosen(None, None, dt.date.today())
        except ScPolicyError as exc:
            raise Problem(503, "no-version-in-force", f"service: {exc.diagnostic.message}; a question that "
                                                      f"names a version is answered", "service") from None
        return self.health_json

    # -- choosing a version -------------------------------------------------------------------------------
    def _choose(self, version: Optional[str], on: Optional[dt.date], today: dt.date) -> str:
        # ``today`` is part of the key (the version in force changes at midnight) and the day chosen for.
        return self.workspace.select(version, on, today).id

    def choose(self, version: Optional[str], on: Optional[dt.date], parameter: str,
               today: Optional[dt.date] = None) -> OpenVersion:
        """The version named, or in force on ``on`` (or ``today``, else the clock's day); raise Problem
        naming ``parameter``."""
        try:
            return self.opened[self._chosen(version, on, today or dt.date.today())]
        except ScPolicyError as exc:
            raise from_diagnostic(exc.diagnostic, parameter) from None

    def version_named(self, parameter: str, value: str) -> str:
        """A version id as ``sc-policy diff`` reads its arguments (:func:`~sc_policy.reference.codes.day_named`):
        an id, else a date (the version in force)."""
        try:
            day = day_named(value, self.opened)
        except InputError as exc:
            raise _input_problem(parameter, exc) from None
        if day is None:
            try:
                return self.choose(value, None, parameter).version.id
            except Problem as problem:
                problem.detail += ", or a date YYYY-MM-DD naming the version in force that day"
                raise
        return self.choose(None, day, parameter).version.id

    def version_row(self, vid: str) -> str:
        """A version's manifest as JSON text; raise a 404 Problem naming ``id``."""
        if vid in self.version_json:
            return self.version_json[vid]
        try:
            self.workspace.select(vid)          # the workspace says why an id names no version
        except ScPolicyError as exc:
            raise from_diagnostic(exc.diagnostic, "id", 404, PATH_ID_WORDS) from None
        raise Problem(404, "unknown-version", f"id: version {echoed(vid)} is not served", "id")

    # -- deciding -----------------------------------------------------------------------------------------
    def _answer_uncached(self, version_id: str, noc: str, industry: Optional[str], noc_version: str,
                         decided_on: Optional[str]):
        return self.opened[version_id].evaluator.answer(noc, industry, noc_version, decided_on=decided_on)

    def _body_uncached(self, version_id: str, noc: str, industry: Optional[str], noc_version: str,
                       decided_on: Optional[str], view: str, pretty: bool) -> Tuple[bytes, bytes]:
        data = answer_to_dict(self._answer_cached(version_id, noc, industry, noc_version, decided_on), view,
                              self._sources)
        body = (dumps(data) if pretty else compact_dumps(data)).encode("utf-8")
        return body, etag_of(body)     # the tag made once per body, not per request

    def _checked(self, case: Case) -> OpenVersion:
        """The version that decides a case, its codes checked; raise Problem naming the parameter at fault."""
        opened = self.choose(case.version, case.on, "on" if case.on else "version", case.today)
        for parameter, check in (("noc", lambda: parse_noc(case.noc, self.refdata, case.noc_version)),
                                 ("industry", lambda: parse_industry(case.industry, self.refdata))):
            try:
                check()
            except InputError as exc:
                raise from_diagnostic(exc.diagnostic, parameter) from None
        return opened

    def answer(self, case: Case, view: str = "full", pretty: bool = False) -> bytes:
        """The decision of one case as UTF-8 JSON in one of :data:`~sc_policy.present.render.VIEWS`:
        compact, or ``pretty`` (indented: the bytes of ``sc-policy explain --format json`` for the full
        view); raise Problem naming the parameter at fault. The same request gives the same bytes."""
        return self.tagged_answer(case, view, pretty)[0]

    def tagged_answer(self, case: Case, view: str = "full", pretty: bool = False) -> Tuple[bytes, bytes]:
        """:meth:`answer`'s bytes and their entity tag (:func:`~sc_policy.http.caching.etag_of`)."""
        opened = self._checked(case)
        try:
            return self._body_cached(opened.version.id, case.noc, case.industry, case.noc_version,
                                     day_of(case), view, pretty)
        except ScPolicyError as exc:
            raise from_diagnostic(exc.diagnostic, None) from None

    def batch(self, items: Sequence[object], view: str = "full", pretty: bool = False) -> str:
        """Every item decided in order; an item that cannot be is answered in place with its problem."""
        out: List[dict] = []
        for i, item in enumerate(items):
            where = f"[{i}]."
            try:
                repeated = getattr(item, "repeated", None)
                if repeated is not None:  # as a query parameter given twice is refused, not the last one kept
                    raise Problem(400, "bad-input", f"{shown(repeated)}: given more than once",
                                  repeated[:MAX_PARAM_CHARS])
                try:
                    inp = DecisionInput.model_validate(item)
                except ValidationError as exc:
                    raise from_validation(exc.errors(include_url=False), where) from None
                case = case_of(inp)
                opened = self._checked(case)
                try:
                    answer = self._answer_cached(opened.version.id, case.noc, case.industry, case.noc_version,
                                                 day_of(case))
                except ScPolicyError as exc:
                    raise from_diagnostic(exc.diagnostic, None) from None
                out.append(answer_to_dict(answer, view, self._sources))
            except Problem as problem:
                out.append({"error": problem.within(where).as_dict()})
        return dumps(out) if pretty else compact_dumps(out)

    def _version_diff_uncached(self, old: str, new: str) -> VersionDiff:
        return diff_versions(self.opened[old].evaluator, self.opened[new].evaluator)

    def _diff_uncached(self, old: str, new: str, pretty: bool) -> str:
        found = self._version_diff(old, new)
        return diff_json(found) if pretty else compact_dumps(found.as_dict())

    def diff(self, old: str, new: str, pretty: bool = True) -> str:
        """The JSON text of the diff: indented (``sc-policy diff --format json``'s), or compact."""
        return self._diff_cached(old, new, pretty)

    # -- the question page --------------------------------------------------------------------------------
    def home_context(self, form: pages.Form) -> dict:
        """The page's context: the form with an error next to each field at fault, the matches, or the answer."""
        versions = self.version_rows
        occupation = form.occupation.strip()
        if not occupation:
            if form.industry.strip() or "occupation" in form.submitted:
                form.errors["occupation"] = "Enter an occupation: a NOC code or words of its title."
            return pages.home_context(form, versions)
        version = form.version.strip() or None
        today = dt.date.today()
        day: Optional[dt.date] = None
        if form.on.strip():
            try:
                day = read_day(form.on.strip())
            except InputError as exc:
                form.errors["on"] = pages.sentence(exc.diagnostic)
        chosen: Optional[OpenVersion] = None
        if version is not None and day is not None:
            form.errors["on"] = ("Give a date or a policy version, not both: the date chooses the version in "
                                 "force that day.")
        elif "on" not in form.errors:
            try:
                chosen = self.opened[self._chosen(version, day, today)]
            except ScPolicyError as exc:
                form.errors["version" if day is None else "on"] = pages.sentence(exc.diagnostic)
        industry = form.industry.strip() or None
        try:
            parse_industry(industry, self.refdata)
        except InputError as exc:
            form.errors["industry"] = pages.sentence(exc.diagnostic)   # its suggestion names the Canadian codes
        if not any(ch.isdigit() for ch in occupation):
            matches = self.refdata.titles_with(occupation)
            if not matches:
                form.errors["occupation"] = (f"No NOC 2016 or NOC 2021 title contains all of the words "
                                             f"\u201c{visible(cut(occupation))}\u201d. Try fewer or other words, "
                                             f"or a code.")
            return pages.home_context(form, versions, matches=matches)
        # Five digits are a NOC 2021 code, unless a leading zero makes them no NOC 2021 code but a
        # NOC 2016 one with a zero too many (02174), which is refused as that.
        noc_version = "2021" if len(occupation) == 5 and occupation.isdigit() and not (
            occupation[0] == "0" and occupation not in self.refdata.concordance) else "2016"
        try:
            parse_noc(occupation, self.refdata, noc_version)
        except InputError as exc:
            form.errors["occupation"] = pages.sentence(exc.diagnostic, "Enter a four-digit NOC 2016 code, a "
                                                                       "five-digit NOC 2021 code or words of the "
                                                                       "title.")
        if form.errors or chosen is None:
            return pages.home_context(form, versions)
        decided_on = day or today
        answer = self._answer_cached(chosen.version.id, occupation, industry, noc_version, decided_on.isoformat())
        return pages.home_context(form, versions, answer=answer, version=chosen.version, refdata=self.refdata,
                                  decided_on=decided_on, version_by_date=version is None, reason=answer.reason)

    def message_context(self, heading: str, message: str) -> dict:
        return pages.message_context(heading, message, self.version_rows)

