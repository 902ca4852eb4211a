"""Deciding a caseload's rows: which version decides a row, and what it decides, remembered.

Each decision is a lookup in the version's decision table (:mod:`sc_policy.engine.table`). Raw
NOC codes (to their NOC 2016 candidates), raw industries (to their industry class), raw dates
(to a version) and the rendered added fields per (candidates, class) are remembered, so that a
row costs a few dictionary lookups. Each memory is emptied when it reaches :data:`MEMO_LIMIT`
entries, so that memory stays flat however long the input.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from operator import itemgetter
from typing import Callable, Dict, List, Optional

from sc_policy.app.casecolumns import Columns
from sc_policy.app.caseformats import Added, failure, result
from sc_policy.diagnostics import InputError, ScPolicyError, Suggestion, UnknownVersionError, echoed, one_line, \
    plain_words
from sc_policy.load.tree import manifests
from sc_policy.reference.codes import NOC_VERSIONS, Words, industry_refusal, noc_candidates

__all__ = ["VersionChooser", "RowDecider", "MEMO_LIMIT"]

MEMO_LIMIT = 20_000
"""New entries the memories (raw codes, raw industries, dates, finished fields) take before they are
emptied (none then holds more than twice as many)."""

_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")
"""A day: ``YYYY-MM-DD``, or that day at midnight as a typed DATE or TIMESTAMP is written as text
(``2026-03-01 00:00:00`` by DuckDB, SQLite or a spreadsheet, ``2026-03-01T00:00:00`` by PostgreSQL's
JSON, ``2026-03-01 00:00:00.000000`` by Arrow); any other time, or a time zone, says no day by itself."""
_TIMED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}")
_WIDE = 1 << 15  # ids stay below MEMO_LIMIT + 2, so a (NOC id, industry id) key stays a small (fast) int


class VersionChooser:
    """Which opened version decides a row: one fixed version, or the one in force on the row's date.

    For dates, the versions' effective dates cut the calendar into intervals within
    which the answer of :func:`sc_policy.load.tree.select_version` cannot change; it is
    asked once per interval, and a row's date is then placed by bisection.
    """

    def __init__(self, ws, version: Optional[str] = None, on: Optional[dt.date] = None, by_date: bool = False):
        self.ws = ws
        self.by_date = by_date
        self._fixed = None if by_date else ws.select(version, on)
        self._bounds: List[dt.date] = []
        self._refs: list = []
        if by_date:
            self._schedule()

    def _schedule(self) -> None:
        days = set()
        for _, m in manifests(self.ws.tree, self.ws.tree.refs()):
            if m is None:
                continue
            days.add(m.effective_from)
            if m.effective_to is not None and m.effective_to < dt.date.max:
                days.add(m.effective_to + dt.timedelta(days=1))
        self._bounds = sorted(days)
        samples = [self._bounds[0] - dt.timedelta(days=1) if self._bounds and self._bounds[0] > dt.date.min
                   else dt.date.min] + self._bounds
        for day in samples:
            try:
                self._refs.append(self.ws.select(None, day))
            except UnknownVersionError:
                self._refs.append(None)

    def intervals(self):
        """(first day or None, last day or None, version ref or None) for every stretch of the calendar
        within which the version in force cannot change, in order (by date only): what :meth:`on` bisects."""
        starts = [None] + self._bounds
        ends = [b - dt.timedelta(days=1) for b in self._bounds] + [None]
        return list(zip(starts, ends, self._refs))

    def fixed(self):
        """The opened version for every row (not by date)."""
        return self.ws.open_ref(self._fixed)

    def on(self, day: dt.date):
        """The opened version in force on ``day``; raises UnknownVersionError if none is."""
        ref = self._refs[bisect.bisect_right(self._bounds, day)]
        if ref is None:
            raise UnknownVersionError(f"no version of the policy is in force on {day.isoformat()}")
        return self.ws.open_ref(ref)


class _Memory:
    """What is remembered for one version: raw industry -> id, (NOC id, industry id) -> added fields,
    and a NAICS code of each industry class (any code of a class decides as every other does)."""

    __slots__ = ("opened", "table", "industries", "outputs", "sample", "fail")

    def __init__(self, opened, fail: Callable[[str], Added]):
        self.opened, self.table = opened, opened.table
        self.industries: Dict[str, int] = {}
        self.outputs: Dict[int, Added] = {}
        self.sample: Dict[int, Optional[str]] = {0: None}
        self.fail = fail


def _cell_words(column: str, words: Words) -> Words:
    """``words``, but a suggestion of the other NOC version worded as the row's empty ``column`` cell to fill:
    the caseload says each row's version (the front door's option only stands in for an empty cell)."""
    def worded(suggestion: Optional[Suggestion]) -> str:
        if suggestion is not None and suggestion.kind == "noc-version" and suggestion.values:
            return f"{suggestion.text}: write {suggestion.values[0]} in its {echoed(column)} column"
        return words(suggestion)
    return worded


class RowDecider:
    """The added fields of well-formed rows (of the header's width), through ``fmt``'s ``render``.

    Values (a candidates tuple, a message, an industry class) get small int ids, so that a row
    whose NOC and industry were seen before costs three dictionary lookups on strings and ints.
    """

    def __init__(self, chooser: VersionChooser, columns: Columns, fmt, *, noc_version: str = "2016",
                 date_column: Optional[str] = None, words: Words = plain_words):
        """``words`` puts a refusal's suggestion in the words of the front door that runs the batch."""
        self.chooser = chooser
        self.words = words
        self.refdata = chooser.ws.refdata
        self.fmt = fmt
        self.noc_version = noc_version
        self.date_column = date_column
        where = columns.where
        self._noc = itemgetter(where["noc"], where["noc_version"]) if "noc_version" in where \
            else itemgetter(where["noc"])
        self._industry = itemgetter(where["industry"]) if "industry" in where else (lambda row: "")
        self._day = where.get("date")
        self._plain = (where["noc"], where["industry"]) if "industry" in where and "noc_version" not in where \
            else None
        self._nocs: Dict[object, int] = {}  # raw NOC (or (raw NOC, raw NOC version)) -> id
        self._cell_words = words  # a row whose noc_version cell is empty: advice about the cell, not the option
        if "noc_version" in where:
            self._cell_words = _cell_words(columns.header[where["noc_version"]], words)
        self._values: Dict[object, int] = {}  # a candidates tuple or an industry value -> its id
        self._known: List[object] = []  # id -> that value
        self._versions: Dict[str, _Memory] = {}  # version folder -> its memory
        self._days: Dict[str, object] = {}  # raw date -> a version's memory, or the added fields of the error
        self._misses = 0

    # -- what a raw value means --------------------------------------------------------------
    def _candidates(self, raw) -> object:
        """The NOC 2016 candidates of a raw code (a tuple), or the message saying why there are none (a str)."""
        noc, nv = raw if type(raw) is tuple else (raw, "")
        given = nv.strip()  # by the row's noc_version column: advice about the front door's option would mislead
        nv = given or self.noc_version
        if nv not in NOC_VERSIONS:
            return one_line(f"NOC version {echoed(nv)} is not 2016 or 2021")
        return noc_candidates(noc, self.refdata, nv, plain_words if given else self._cell_words)

    def _industry_value(self, raw: str, memory: _Memory) -> tuple:
        refusal = industry_refusal(raw, self.refdata, self.words)
        if refusal is not None:
            return ("invalid", refusal)
        naics = raw.strip() or None
        cls = memory.table.industry_class(naics)
        if cls is None:  # a code the table lacks (other reference data): decided directly
            return ("code", naics)
        memory.sample.setdefault(cls, naics)
        return ("class", cls)

    def _memory(self, opened) -> _Memory:
        found = self._versions.get(opened.version.folder)
        if found is None:
            found = self._versions[opened.version.folder] = _Memory(
                opened, self.fmt.failing(opened.version.id, opened.version.content_hash))
        return found

    def _on(self, raw: str):
        """The memory of the version in force on a row's date, or the added fields saying why there is none."""
        text = raw.strip()
        try:
            day = _DATE.fullmatch(text)
            if day is None:
                hint = " (nor midnight without a time zone)" if _TIMED.match(text) else ""  # no day is guessed
                raise InputError(f"date {echoed(text)} in column {echoed(self.date_column)} is not YYYY-MM-DD{hint}")
            try:
                when = dt.date.fromisoformat(day.group(1))
            except ValueError:
                raise InputError(f"date {echoed(text)} in column {echoed(self.date_column)} is not a date") from None
            return self._memory(self.chooser.on(when))
        except ScPolicyError as exc:
            return self.fmt.render(failure(exc.line(self.words)))

    # -- a row ---------------------------------------------------------------------------------
    def _intern(self, value) -> int:
        found = self._values.get(value)
        if found is None:
            found = self._values[value] = len(self._known)
            self._known.append(value)
        return found

    def _new(self, value) -> int:
        """An id for a refusal without a lookup: it names its own code, so sharing it would rarely save anything."""
        self._known.append(value)
        return len(self._known) - 1

    def _slow(self, memory: _Memory, row: List[str]) -> Added:
        """A row whose NOC, industry or combination is new: fill the memories. Each call adds at
        most one entry to each (two to ``_known`` and ``_values``), so emptying them after
        MEMO_LIMIT calls, or when ``_known`` is that long, bounds them all and keeps ids below
        MEMO_LIMIT + 2."""
        self._misses += 1
        if self._misses >= MEMO_LIMIT or len(self._known) >= MEMO_LIMIT:
            self._misses = 0
            for table in (self._nocs, self._values, self._known):
                table.clear()
            for m in self._versions.values():
                m.industries.clear()
                m.outputs.clear()
        raw = self._noc(row)
        n = self._nocs.get(raw)
        if n is None:
            value = self._candidates(raw)
            n = self._nocs[raw] = self._new(value) if type(value) is str else self._intern(value)
        raw = self._industry(row)
        k = memory.industries.get(raw)
        if k is None:
            value = self._industry_value(raw, memory)
            k = memory.industries[raw] = self._new(value) if value[0] == "invalid" else self._intern(value)
        out = memory.outputs.get(n * _WIDE + k)
        if out is None:
            cands, ind = self._known[n], self._known[k]
            if type(cands) is str:
                out = memory.fail(cands)
            elif ind[0] == "invalid":
                out = memory.fail(ind[1])
            else:
                naics = memory.sample[ind[1]] if ind[0] == "class" else ind[1]
                out = self.fmt.render(result(memory.opened, cands, naics))
            memory.outputs[n * _WIDE + k] = out
        return out

    def function(self) -> Callable[[List[str]], Added]:
        """The decider: a row of the header's width -> its added fields."""
        noc_key, industry_key, nocs_get, slow = self._noc, self._industry, self._nocs.get, self._slow
        i_day = self._day
        if i_day is None:
            memory = self._memory(self.chooser.fixed())
            outputs_get, industries_get = memory.outputs.get, memory.industries.get
            if self._plain is not None:  # the common case, with the columns indexed in place: a little faster
                i_noc, i_industry = self._plain

                def decide(row: List[str], outputs_get=outputs_get, nocs_get=nocs_get, i_noc=i_noc,
                           industries_get=industries_get, i_industry=i_industry, wide=_WIDE) -> Added:
                    # (the memories as defaults: local variables, the fastest to read)
                    out = outputs_get(nocs_get(row[i_noc], -1) * wide + industries_get(row[i_industry], -1))
                    return out if out is not None else slow(memory, row)

                return decide

            def decide(row: List[str]) -> Added:
                # ids are >= 0; a missing one (-1) gives a negative key, which is never stored
                out = outputs_get(nocs_get(noc_key(row), -1) * _WIDE + industries_get(industry_key(row), -1))
                return out if out is not None else slow(memory, row)

            return decide

        days = self._days

        def decide_by_date(row: List[str]) -> Added:
            raw = row[i_day]
            memory = days.get(raw)
            if memory is None:
                if len(days) >= MEMO_LIMIT:
                    days.clear()
                memory = days[raw] = self._on(raw)
            if type(memory) is not _Memory:
                return memory
            out = memory.outputs.get(nocs_get(noc_key(row), -1) * _WIDE + memory.industries.get(industry_key(row), -1))
            return out if out is not None else slow(memory, row)

        return decide_by_date
