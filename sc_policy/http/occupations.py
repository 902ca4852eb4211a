"""The occupations an industry opens, for the service: GET /v1/occupations and the page ``/occupations``.

Both read the same fields (industry, area, and the version by id or date) and find the same list
(:func:`sc_policy.analysis.occupations.occupations`, from the version's decision table). The API
answers with the JSON text of ``sc-policy occupations --format json`` (byte for byte) or refuses with
a :class:`~sc_policy.http.problems.Problem` naming the first parameter at fault; the page shows every
field's mistake next to the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Dict, Optional, Tuple

from sc_policy.analysis.occupations import area_of, occupations
from sc_policy.app.workspace import OpenVersion, decision_day
from sc_policy.diagnostics import Diagnostic, InputError, ScPolicyError
from sc_policy.http.models import OccupationsInput
from sc_policy.http.problems import Problem, from_diagnostic
from sc_policy.http.service import DecisionService, parse_day
from sc_policy.present import pages
from sc_policy.present.occupations import occupations_json, occupations_to_dict
from sc_policy.present.render import compact_dumps
from sc_policy.reference.codes import parse_industry

__all__ = ["occupations_answer", "occupations_page"]

FIELDS = ("version", "industry", "area")
"""The order in which the fields are checked (the API names the first at fault)."""


def _given(value: Optional[str]) -> Optional[str]:
    return (value.strip() or None) if value is not None else None


def _read(service: DecisionService, industry: Optional[str], area: Optional[str], version: Optional[str],
          on: Optional[dt.date], today: dt.date) -> Tuple[Optional[OpenVersion], Dict[str, Diagnostic]]:
    """(the version chosen, for ``on`` or else ``today``, or None; the mistake of each field at fault)."""
    errors: Dict[str, Diagnostic] = {}
    opened = None
    try:
        opened = service.opened[service.workspace.select(version, on, today).id]
    except ScPolicyError as exc:
        errors["on" if on else "version"] = exc.diagnostic
    try:
        parse_industry(industry, service.refdata)
    except InputError as exc:
        errors["industry"] = exc.diagnostic
    if opened is not None:
        try:
            area_of(opened.version, area)
        except InputError as exc:
            errors["area"] = exc.diagnostic
    return opened, errors


def occupations_answer(service: DecisionService, inp: OccupationsInput) -> str:
    """The JSON text of the list for a checked query (compact for ``pretty=0``); raise Problem naming the
    parameter at fault."""
    version = _given(inp.version)
    if version and inp.on:
        raise Problem(400, "bad-input", "on: give version or on, not both", "on")
    on = parse_day(inp.on, "on") if inp.on else None
    industry, area = _given(inp.industry), _given(inp.area)
    today = dt.date.today()  # read once: the day that chooses the version is the day recorded
    opened, errors = _read(service, industry, area, version, on, today)
    for name in ("on",) + FIELDS:
        if name in errors:
            raise from_diagnostic(errors[name], name)
    found = occupations(opened, service.refdata, industry, area, decided_on=decision_day(version, on, today.isoformat()))
    return compact_dumps(occupations_to_dict(found)) if inp.pretty == "0" else occupations_json(found)


def occupations_page(service: DecisionService, form: pages.Form) -> Tuple[dict, int]:
    """The page's context and status: the list, or (400) the form with each mistake next to its field."""
    version, industry, area = _given(form.version), _given(form.industry), _given(form.area)
    today = dt.date.today()
    opened, errors = _read(service, industry, area, version, None, today)
    for name in FIELDS:
        if name in errors:
            form.errors[name] = pages.sentence(errors[name])
    shown = opened
    if shown is None:  # the area choices of the version in force today, if there is one
        try:
            shown = service.opened[service.workspace.select(None, None).id]
        except ScPolicyError:
            shown = None
    areas = tuple((a.id, a.title) for a in shown.version.areas) if shown is not None else ()
    if form.errors:
        return pages.occupations_context(form, service.version_rows, areas), 400
    found = occupations(opened, service.refdata, industry, area, decided_on=decision_day(version, None, today.isoformat()))
    return pages.occupations_context(form, service.version_rows, areas, found=found), 200
