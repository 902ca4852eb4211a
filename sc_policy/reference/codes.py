"""Check a caller's codes against the official classifications before any decision.

A NOC code must be a NOC 2016 unit group (or, with ``noc_version="2021"``, a NOC
2021 unit group, mapped through Statistics Canada's concordance); a NAICS code
must exist in NAICS Canada 2017. Anything else is an :class:`InputError` that
names the code and the nearest real ones.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, Collection, Mapping, Optional, Sequence, Tuple, Union

from sc_policy.diagnostics import InputError, Suggestion, echoed, one_line, plain_words
from sc_policy.reference.statcan import NAICS_RANGES, ReferenceData

__all__ = ["NocInput", "parse_noc", "parse_day", "day_named", "DAY_FORM", "parse_industry", "noc_candidates", "industry_refusal", "nearest_text",
           "MESSAGE_ROOM", "NOC_VERSIONS", "EMPTY_NOC"]

NOC_VERSIONS = ("2016", "2021")

EMPTY_NOC = "the NOC code is empty"
"""The refusal of an empty code (nothing, or white space alone: a caseload's empty cell), in either version."""

# ASCII digits: \d takes any script's ("２１７４")
_FOUR, _FIVE = re.compile(r"[0-9]{4}"), re.compile(r"[0-9]{5}")
_SHORT = re.compile(r"[0-9]{1,4}")  # a code a spreadsheet read as a number (``0011`` became ``11``)
_DECIMAL = re.compile(r"([0-9]{1,6})\.0+")  # and wrote back as a decimal number (``2174.0``)
_NAICS = re.compile(r"[0-9]{2,6}")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")  # a number with thousands separators (``2,174``)
_RUN = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+")  # a run of digits in a text, separators kept
_SECTOR = re.compile("(?<![0-9])([0-9]{2}) *[-\u2010-\u2015\u2212] *([0-9]{2})(?![0-9])")  # 31-33, 31 – 33


@dataclass(frozen=True)
class NocInput:
    """The occupation as given, and the NOC 2016 unit group(s) it stands for."""

    code: str
    version: str  # "2016" or "2021"
    title: str
    candidates: Tuple[str, ...]  # NOC 2016 codes


_Refusal = Tuple[str, Optional[Suggestion]]
"""(message, suggestion) of the InputError that refuses a code."""

Words = Callable[[Optional[Suggestion]], str]
"""How a front door words a suggestion (:func:`~sc_policy.diagnostics.plain_words` by default)."""


def parse_noc(text: object, refdata: ReferenceData, noc_version: Union[str, int] = "2016") -> NocInput:
    """The NOC 2016 unit group(s) ``text`` stands for, in ``noc_version`` ("2016" or "2021", or the same
    as a number); raise :class:`InputError` naming the code (and the nearest real ones) otherwise."""
    code = str(text).strip() if text is not None else ""
    if type(noc_version) is int:  # 2021 read from JSON or a spreadsheet is NOC 2021 (True is not)
        noc_version = str(noc_version)
    if noc_version not in NOC_VERSIONS:
        raise InputError(f"unknown NOC version {echoed(noc_version)}",
                         suggestion=Suggestion("one-of", NOC_VERSIONS, "use 2016 or 2021"))
    found = _noc(code, refdata, noc_version)
    if type(found) is tuple:
        raise InputError(found[0], suggestion=found[1])
    return found


DAY_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""How a day is written, whoever reads it (Python's fromisoformat and strptime also take 20261125 or 2026-1-5)."""


def parse_day(value: object) -> dt.date:
    """The day a caller asks about: a date, a datetime (its day) or text written YYYY-MM-DD and nothing else
    (Python would also read 20261125); anything else is an :class:`InputError`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and DAY_FORM.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(f"{echoed(value)} is not a calendar date written YYYY-MM-DD")


def day_named(text: str, versions: Collection[str]) -> Optional[dt.date]:
    """What a command's argument naming a version names (``sc-policy diff OLD NEW``, the service's diff): a
    version by its id, returned as None, when it is one of ``versions`` or not written YYYY-MM-DD; else the
    day it writes, the version in force then (InputError when it is no calendar day)."""
    if text in versions or not DAY_FORM.fullmatch(text):
        return None
    return parse_day(text)


def _line(refusal: _Refusal, words: Words) -> str:
    message, suggestion = refusal
    return one_line(message, words(suggestion))


def noc_candidates(text: str, refdata: ReferenceData, noc_version: str,
                   words: Words = plain_words) -> Union[Tuple[str, ...], str]:
    """The NOC 2016 candidates of a raw code, or the one line the error of :func:`parse_noc` shows,
    its suggestion in ``words`` (not raised: a batch asks once per distinct bad code, and raising
    would cost it more). ``noc_version`` must be one of NOC_VERSIONS."""
    found = _noc(text.strip(), refdata, noc_version)
    return _line(found, words) if type(found) is tuple else found.candidates


MESSAGE_ROOM = 100
"""The columns a refusal and its help fill at most (a front door puts its own words before it): the
list of nearest codes is made as short as it must be to fit (titled, else codes alone, else fewer)."""


def _nearest(codes, text: str) -> Optional[Suggestion]:
    return Suggestion("did-you-mean", tuple(codes), text) if codes else None


def _cut(text: str, room: int) -> str:
    """``text``, cut at a word with an ellipsis when it is longer than ``room`` (at least 20) columns."""
    room = max(room, 20)
    if len(text) <= room:
        return text
    cut = text[:room - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "\u2026"


def nearest_text(codes: Sequence[str], titles: Mapping[str, object], room: int) -> str:
    """``CODE Title; CODE Title`` for ``codes`` when it fits in ``room`` columns, else ``CODE, CODE``
    with as many codes as fit (the first always)."""
    titled = "; ".join(_titled(c, titles[c].title) for c in codes)  # type: ignore[attr-defined]
    if len(titled) <= room:
        return titled
    shown = list(codes[:1])
    for c in codes[1:]:
        if len(", ".join(shown + [c])) > room:
            break
        shown.append(c)
    return ", ".join(shown)


def _nearest_fitting(message: str, codes: Sequence[str], titles: Mapping[str, object],
                     before: str = "") -> Optional[Suggestion]:
    """The did-you-mean suggestion of a refusal ``message``: ``before`` (a note), then the nearest
    codes in the room :data:`MESSAGE_ROOM` leaves (the suggestion's values keep every code)."""
    room = MESSAGE_ROOM - len(message) - len(" (") - len(before) - len("nearest: ") - len(")")
    return _nearest(codes, before + "nearest: " + nearest_text(codes, titles, room)) if codes else None


def _titled(code: str, title: str) -> str:
    return f"{code} {' '.join(title.split())}"


def _zero_dropped(code: str, padded: str, title: Optional[str], classification: str) -> Suggestion:
    """For a code short of digits: ``padded``, the code with its leading zeros put back (``title`` is
    that code's title, None when it is no unit group), which a spreadsheet drops when it reads a code
    as a number (NOC 2016 0011 becomes 11). Its plain words blame the spreadsheet, as a batch's row has it;
    a front door where a person typed the code words it itself (the suggestion's kind ``leading-zeros``)."""
    zeros = "a leading zero" if len(padded) - len(code) == 1 else "leading zeros"
    if title is None:
        return Suggestion("note", (), f"with {zeros}, {padded} is not a {classification} unit group either")
    said = f"a spreadsheet dropped {zeros}: "
    room = MESSAGE_ROOM - len(f"NOC code '{code}' is not four digits (") - len(said) - 1
    return Suggestion("leading-zeros", (padded, " ".join(title.split())), said + _cut(_titled(padded, title), room))


def _as_decimal(message: str, padded: str, title: Optional[str], unknown: str) -> Suggestion:
    """For a code a spreadsheet wrote as a decimal number (``2174.0``): ``padded``, its digits as a code,
    when that is one (``title``), else the note that it is not (``unknown``)."""
    if title is None:
        return Suggestion("note", (), f"{padded} {unknown} either")
    said = "written as a number: "
    return Suggestion("did-you-mean", (padded,), said + _cut(_titled(padded, title),
                                                              MESSAGE_ROOM - len(message) - len(said) - 3))


def _inside(text: str, title_of: Callable[[str], Optional[str]], widths: Collection[int],
            message: str) -> Optional[Suggestion]:
    """For a code given with more than its digits (``NOC 2174``, ``'2174``, ``2,174``, ``NAICS 541514``): the
    one run of digits it holds, as a code, when that is one (``title_of`` gives its title, else None)."""
    runs = _RUN.findall(text)
    if len(runs) != 1 or re.search(r"\d", text.replace(runs[0], "")):  # a digit of another script: no code
        return None
    digits = runs[0].replace(",", "")
    title = title_of(digits) if len(digits) in widths else None
    if title is None:
        return None
    said = "written as a number: " if _GROUPED.fullmatch(text) else "the code alone is "
    return Suggestion("did-you-mean", (digits,), said + _cut(_titled(digits, title),
                                                              MESSAGE_ROOM - len(message) - len(said) - 3))


def _sector_inside(text: str, refdata: ReferenceData, message: str) -> Optional[Suggestion]:
    """For a sector StatCan writes as a range given with more than the range (``NAICS 31-33``, ``31-33
    Manufacturing``) or with another dash (``31–33``, pasted from a document): the range, when the text
    holds one and no other digit."""
    found = list(_SECTOR.finditer(text))
    if len(found) != 1 or re.search(r"\d", text[:found[0].start()] + text[found[0].end():]):
        return None
    sector = f"{found[0].group(1)}-{found[0].group(2)}"
    if sector not in NAICS_RANGES:
        return None
    written = found[0].group(0)  # the range alone, with another dash or spaces: say which
    said = ("written " + " and ".join(w for w, wrong in (("with a hyphen", "-" not in written),
                                                          ("without spaces", " " in written)) if wrong) + ": "
            if written == text else "the code alone is ")
    return Suggestion("did-you-mean", (sector,), said + _cut(f"{sector} {refdata.naics_title(sector)}",
                                                              MESSAGE_ROOM - len(message) - len(said) - 3))


def _by_title(text: str, refdata: ReferenceData, noc_version: str) -> Optional[Suggestion]:
    """For words in place of a code (``computer programmers``): the NOC ``noc_version`` unit groups whose
    title holds them all, titled when they fit in the message's room, else as many codes as fit."""
    if re.search(r"\d", text):
        return None
    found = {m.code: m for m in refdata.titles_with(text) if m.noc_version == noc_version}
    if not found:
        return None
    codes, said = tuple(found), "by title: "
    room = MESSAGE_ROOM - len(_not_digits(text, noc_version)) - len(said) - 3
    if len(codes) == 1:
        return Suggestion("did-you-mean", codes, said + _cut(_titled(codes[0], found[codes[0]].title), room))
    more = f", \u2026 {len(codes)} in all"
    shown = nearest_text(codes, found, room - len(more))
    if "; " not in shown and shown.count(", ") + 1 < len(codes):
        shown += more
    return Suggestion("did-you-mean", codes, said + shown)


def _unit_title(refdata: ReferenceData, code: str, noc_version: str) -> Optional[str]:
    """The title of the NOC ``noc_version`` unit group ``code``, or None when it is none."""
    if noc_version == "2021":
        rows = refdata.concordance.get(code)
        return rows[0].noc2021_title if rows else None
    return refdata.noc_title(code)


def _not_digits(code: str, noc_version: str) -> str:
    """The refusal of a NOC ``noc_version`` code that is not of its classification's width."""
    if noc_version == "2021":
        return f"NOC 2021 code {echoed(code)} is not five digits"
    return f"NOC code {echoed(code)} is not four digits"


def _decimal(code: str, refdata: ReferenceData, noc_version: str) -> Optional[_Refusal]:
    """The refusal of a code a spreadsheet wrote as a decimal number (``2174.0``), or None for another."""
    width = 5 if noc_version == "2021" else 4
    decimal = _DECIMAL.fullmatch(code)
    if decimal is None or len(decimal.group(1)) > width:
        return None
    digits, message = decimal.group(1).zfill(width), _not_digits(code, noc_version)
    return message, _as_decimal(message, digits, _unit_title(refdata, digits, noc_version),
                                f"is not a NOC {noc_version} unit group")


def _noc(code: str, refdata: ReferenceData, noc_version: str) -> Union[NocInput, _Refusal]:
    if not code:  # (not "'' is not four digits": one looks for a mistyped code)
        return EMPTY_NOC, None
    if noc_version == "2021":
        if not _FIVE.fullmatch(code):
            decimal = _decimal(code, refdata, "2021")
            if decimal is not None:
                return decimal
            suggestion = None
            title = _unit_title(refdata, code.zfill(5), "2021") if _SHORT.fullmatch(code) else None
            if title is not None:
                suggestion = _zero_dropped(code, code.zfill(5), title, "NOC 2021")
            elif _FOUR.fullmatch(code):
                suggestion = Suggestion("noc-version", ("2016",), "a NOC 2016 code has four digits")
            else:
                suggestion = _inside(code, lambda c: _unit_title(refdata, c, "2021"), (5,),
                                     _not_digits(code, "2021")) or _by_title(code, refdata, "2021")
            return _not_digits(code, "2021"), suggestion
        rows = refdata.concordance.get(code)
        if not rows:
            near = refdata.nearest_noc2021(code)
            return (f"NOC 2021 code {code} is not a NOC 2021 unit group",
                    _nearest(near, f"nearest: {', '.join(near)}"))
        return NocInput(code, "2021", rows[0].noc2021_title, tuple(sorted({r.noc2016 for r in rows})))
    if not _FOUR.fullmatch(code):
        decimal = _decimal(code, refdata, "2016")
        if decimal is not None:
            return decimal
        suggestion = None
        if _SHORT.fullmatch(code):
            suggestion = _zero_dropped(code, code.zfill(4), _unit_title(refdata, code.zfill(4), "2016"), "NOC 2016")
        elif _FIVE.fullmatch(code):
            rows = refdata.concordance.get(code)
            if rows:  # a real NOC 2021 unit group
                suggestion = Suggestion("noc-version", ("2021",), f"{_titled(code, rows[0].noc2021_title)} is a "
                                                                  f"NOC 2021 unit group")
            elif code.startswith("0") and code[1:] in refdata.noc2016:
                said = "not a NOC 2021 unit group; try "
                room = MESSAGE_ROOM - len(f"NOC code '{code}' is not four digits (") - len(said) - 1
                suggestion = Suggestion("did-you-mean", (code[1:],), said + _cut(
                    _titled(code[1:], refdata.noc2016[code[1:]].title), room))
            else:
                suggestion = Suggestion("note", (), "it is not a NOC 2021 unit group either")
        else:
            suggestion = _inside(code, refdata.noc_title, (4,), _not_digits(code, "2016")) or \
                _by_title(code, refdata, "2016")
        return _not_digits(code, "2016"), suggestion
    unit = refdata.noc2016.get(code)
    if unit is None:
        message = f"NOC code {code} is not a NOC 2016 unit group"
        return message, _nearest_fitting(message, refdata.nearest_nocs(code), refdata.noc2016)
    return NocInput(code, "2016", unit.title, (code,))


def parse_industry(text: object, refdata: ReferenceData) -> Optional[str]:
    """The NAICS Canada 2017 code of a raw industry (None for nothing); InputError if it is not one."""
    code = str(text).strip() if text is not None else ""
    refusal = _industry(code, refdata)
    if refusal is not None:
        raise InputError(refusal[0], suggestion=refusal[1])
    return code or None


def industry_refusal(text: str, refdata: ReferenceData, words: Words = plain_words) -> Optional[str]:
    """The one line the error of :func:`parse_industry` shows for a raw industry (its suggestion in
    ``words``), or None when it is accepted (not raised: a batch asks once per distinct bad code)."""
    refusal = _industry(text.strip(), refdata)
    return None if refusal is None else _line(refusal, words)


def _industry(code: str, refdata: ReferenceData) -> Optional[_Refusal]:
    if code == "" or code in NAICS_RANGES:  # StatCan writes three sectors as ranges ("31-33")
        return None
    if not _NAICS.fullmatch(code):
        message = f"NAICS code {echoed(code)} is not 2 to 6 digits"
        decimal = _DECIMAL.fullmatch(code)
        if decimal is not None and _NAICS.fullmatch(decimal.group(1)):
            digits = decimal.group(1)
            title = refdata.naics2017[digits].title if digits in refdata.naics2017 else None
            return message, _as_decimal(message, digits, title, "is not in NAICS Canada 2017")
        return message, _sector_inside(code, refdata, message) or _inside(
            code, lambda c: refdata.naics2017[c].title if c in refdata.naics2017 else None, range(2, 7), message)
    if code in refdata.naics2017:
        return None
    later = refdata.naics2022.get(code)
    if later is not None:
        message = f"NAICS code {code} is not in NAICS Canada 2017"
        note = "a NAICS Canada 2022 code: "
        return message, Suggestion("note", (), note + _cut(" ".join(later.title.split()),
                                                           MESSAGE_ROOM - len(message) - len(note) - 3))
    us = "six-digit codes differ from US NAICS; " if len(code) == 6 and code[:5] in refdata.naics2017 else ""
    message = f"NAICS code {code} is not in NAICS Canada 2017"
    return message, _nearest_fitting(message, refdata.nearest_naics(code), refdata.naics2017, us)
