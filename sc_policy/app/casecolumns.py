"""A caseload's header: which columns hold the inputs, and which columns the output adds.

The input's header names a ``noc`` column and optionally ``industry``, ``noc_version`` and a date
column (names matched without regard to case or surrounding spaces). Every input column passes
through unchanged; the output adds :data:`COLUMNS`, or :data:`COLUMNS_NOC2021` when NOC 2021 codes
may occur.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sc_policy.app.csvrows import json_hint, not_csv
from sc_policy.diagnostics import ECHO_CHARS, InputError, Suggestion, echoed

__all__ = ["COLUMNS", "COLUMNS_NOC2021", "Columns", "resolve_columns", "unread_industry"]

COLUMNS = ("eligible", "areas", "version", "error", "version_hash")
"""Added to every row: ``true``/``false`` (empty on error); the ids of the areas in scope,
``;``-separated in area order; the version id that decided the row; a one-line error or empty;
and the content hash of the version that decided it (empty when no version decided it)."""

COLUMNS_NOC2021 = ("eligible", "verdict", "areas", "candidates", "version", "error", "version_hash")
"""Added when the input has a ``noc_version`` column or ``--noc-version 2021`` is given:
``verdict`` is ``eligible``, ``not_eligible`` or ``indeterminate`` (the NOC 2016 candidates
of a NOC 2021 code disagree); ``candidates`` lists each NOC 2016 candidate as
``CODE:area+area`` (``CODE:none`` when not eligible), ``;``-separated; ``areas`` is filled
only when there is exactly one candidate, and ``eligible`` is true only when every
candidate is eligible."""


@dataclass(frozen=True)
class Columns:
    """Where a caseload's inputs are: ``where`` maps a role (``noc``, ``industry``, ``noc_version``,
    ``date``) to its column's index; ``header`` is the input's header as read; ``added`` the
    columns the output adds."""

    header: Tuple[str, ...]
    where: Dict[str, int]
    added: Tuple[str, ...]

    @property
    def width(self) -> int:
        return len(self.header)


def _columns_of(header: Sequence[str], room: int = 40) -> Suggestion:
    """``known-columns``: the columns the header has (all of them as data; in words, those that fit in
    about ``room`` columns, each cut at ECHO_CHARS characters, and how many more)."""
    shown: List[str] = []
    for name in header:
        name = name if len(name) <= ECHO_CHARS else name[:ECHO_CHARS] + "\u2026"
        if shown and len(", ".join(shown + [name])) > room:
            break
        shown.append(name)
    more = len(header) - len(shown)
    if not header or list(header) == [""]:  # the header is the first line, however blank
        return Suggestion("known-columns", tuple(header), "the header, the first line, is empty: delete any empty "
                                                          "lines above it")
    text = ", ".join(shown) + (f" and {more} more" if more else "")
    return Suggestion("known-columns", tuple(header), f"the header has: {text}")


_SEPARATORS = ((";", "';'"), ("\t", "tabs"), ("|", "'|'"))
"""Separators of fields other than the comma that spreadsheets and databases write (a French locale's
Excel writes ';')."""


def _shown(name: str) -> str:
    """A column's name as it shows: without the characters that do not (a byte-order mark, a zero-width space)."""
    return "".join(ch for ch in name if ch.isprintable() or ch.isspace())


def _hides(name: str, wanted: str) -> bool:
    """Whether column ``name`` shows as ``wanted`` (letter case and spaces aside) but holds a character that
    does not show."""
    return _shown(name) != name and _shown(name).strip().lower() == wanted


def _misread(header: Sequence[str]) -> Optional[str]:
    """Why a header without a ``noc`` column seems to be of another kind of file than CSV: a line of
    JSON, its ``noc`` written with a character that does not show, or its fields separated by another
    character than the comma (one of them ``noc``); or None."""
    hint = json_hint(",".join(header).encode("utf-8", "replace"))
    if hint is not None:
        return hint.text
    for name in header:  # a second byte-order mark, a zero-width space: the name shows as noc, and is not
        if _hides(name, "noc"):
            return f"column {echoed(name)} holds a character that does not show: delete it"
    for separator, said in _SEPARATORS:
        if any(part.strip().lower() == "noc" for name in header for part in name.split(separator)):
            return f"its fields are separated by {said}, not commas: save the file as comma-separated CSV"
    return None


def _misspelt_noc(header: Sequence[str], read: Iterable[str]) -> Optional[str]:
    """The column of ``header`` (as written, trimmed) that is likely a misspelt ``noc`` (``nocc``, ``NOCS``, ``noc1``:
    close by :mod:`difflib`, and longer than two letters, ``No`` being a row's number), not one of the names ``read``
    (``noc_version``...); or None. Three letters changed by one (``nom``, French for a name; ``doc``) are not close."""
    names = {h.strip().lower(): h.strip() for h in header if len(h.strip()) > 2 and h.strip().lower() not in read}
    meant = difflib.get_close_matches("noc", names, n=1, cutoff=0.75)
    return names[meant[0]] if meant else None


def resolve_columns(header: Sequence[str], *, date_column: Optional[str] = None,
                    noc_version: str = "2016") -> Columns:
    """The columns of ``header``; InputError when a name holds a CR, a column is named twice, ``noc`` (or
    the date column asked for) is missing or is a column of codes, or the input already has a column the output adds."""
    for i, name in enumerate(header):
        if "\r" in name:  # a file whose lines end with CR alone is one header line: every row gone unsaid
            raise InputError(f"column {i + 1} of the header, {echoed(name)}, holds a CR: only LF or CRLF "
                             "ends a line (save a file with CR line ends, an old Mac format, with LF or CRLF)")
    names = [h.strip().lower() for h in header]
    seen = set()
    for n in names:
        if n in seen:
            raise InputError(f"the header names column {echoed(n)} twice", suggestion=None if n else Suggestion(
                "note", (), "empty header cells, as a spreadsheet writes for columns past its data: "
                            "delete those columns, or name them"))
        seen.add(n)
    where = {}
    wanted = {"noc": "noc", "industry": "industry", "noc_version": "noc_version"}
    if date_column is not None:
        wanted["date"] = date_column.strip().lower()
    for role, name in wanted.items():
        if name in names:
            where[role] = names.index(name)
        elif role != "noc":  # (one for noc is said with its absence, below)
            hidden = next((h for h in header if _hides(h, name)), None)
            if hidden is not None:  # read as no such column, every row would be decided without it
                raise InputError(f"column {echoed(hidden)} holds a character that does not show: delete it")
    if "noc" not in where:
        binary = not_csv(header[0][:4].encode("utf-8")) if header else None
        if binary is not None:  # a Parquet file's first line is often UTF-8: its "columns" are bytes
            raise InputError("the input has no 'noc' column", suggestion=binary)
        known, misread = _columns_of(header), _misread(header)
        if misread is not None:  # (a tab is shown as a space: say what the header is)
            known = Suggestion(known.kind, known.values, f"{known.text}; {misread}")
        meant = _misspelt_noc(header, wanted.values()) if misread is None else None
        if meant is not None:  # the likely cause first, then what is missing
            raise InputError(f"column {echoed(meant)} is likely a misspelt 'noc': name it 'noc'", suggestion=Suggestion(
                known.kind, known.values, f"the input has no 'noc' column; {known.text}"))
        raise InputError("the input has no 'noc' column", suggestion=known)
    if date_column is not None and "date" not in where:
        raise InputError(f"the input has no {echoed(date_column)} column for the dates", suggestion=_columns_of(header))
    taken = [role for role in ("noc", "industry", "noc_version") if date_column is not None and role in where
             and where[role] == where["date"]]
    if taken:  # every row would be an error: its code read as a date
        raise InputError(f"the column of the dates, {echoed(date_column)}, is the column of the "
                         f"{'NOC codes' if taken[0] == 'noc' else 'industries' if taken[0] == 'industry' else 'NOC versions'}")
    added = COLUMNS_NOC2021 if ("noc_version" in where or noc_version == "2021") else COLUMNS
    clash = [n for n in names if n in added]
    if clash:
        raise InputError(f"the input already has a column {echoed(clash[0])}, which the output adds",
                         suggestion=Suggestion("rename-column", (clash[0],), "rename or drop it"))
    return Columns(tuple(header), where, added)


_INDUSTRY_WORDS = ("industr", "naics", "scian")
"""What the name of a column of industries holds (``industry_code``, ``NAICS``, French ``industrie``, ``SCIAN``)."""


def unread_industry(columns: Columns) -> Optional[str]:
    """A notice when the header has no ``industry`` column but one whose name says it holds industries:
    every row is then decided with no employer industry, which changes decisions without a word; or None."""
    if "industry" in columns.where:
        return None
    read = set(columns.where.values())
    for i, name in enumerate(columns.header):
        if i not in read and any(word in name.lower() for word in _INDUSTRY_WORDS):
            return (f"the input has no 'industry' column: every row is decided with no employer industry, and "
                    f"column {echoed(name.strip())} is not read (name it 'industry' to decide by it)")
    return None
