"""Decide a whole caseload: a CSV in, one output row per input row, streamed.

The input is a CSV file with a header row naming a ``noc`` column and optionally
``industry``, ``noc_version`` and a date column (names matched without regard to
case or surrounding spaces). Every column passes through unchanged; the output
adds ``eligible``, ``areas``, ``version`` and ``error`` (and, when NOC 2021 codes
may occur, ``verdict`` and ``candidates``; see :data:`COLUMNS_NOC2021`).

Why it is fast: each decision is a lookup in the version's decision table
(:mod:`sc_policy.engine.table`). Raw NOC codes (to their NOC 2016 candidates), raw
industries (to their industry class) and raw dates (to a version) are remembered,
and so is the rendered output text per (candidates, class), so that besides reading
and writing it a row costs a few dictionary lookups. Why memory stays flat: input
is read in blocks (:mod:`sc_policy.app.csvrows`, which also says what a row is), rows are
written as they are decided, and each memory is emptied when it reaches
:data:`MEMO_LIMIT` entries.

A row that cannot be decided (a malformed or unknown code, a wrong number of
fields, bytes that are not UTF-8, a line that is not CSV or is too long, a date with
no version in force) gets an output row in its place with ``error`` set; it never
stops the batch. Only problems with
the whole input (no header, no ``noc`` column) raise :class:`InputError`.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import functools
import io
import json
import re
from dataclasses import dataclass
from operator import itemgetter
from typing import BinaryIO, Callable, Dict, List, Optional, Sequence, TextIO, Tuple

from sc_policy.app.csvrows import Broken, CsvRows
from sc_policy.diagnostics import InputError, ScPolicyError, Suggestion, UnknownVersionError, one_line, plain_words
from sc_policy.reference.codes import NOC_VERSIONS, Words, industry_refusal, noc_candidates
from sc_policy.load.tree import manifests

__all__ = ["CsvBatch", "VersionChooser", "Counts", "COLUMNS", "COLUMNS_NOC2021", "MEMO_LIMIT"]

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

MEMO_LIMIT = 20_000
"""New entries the memories (raw codes, raw industries, dates, finished fields) take before they are
emptied (none then holds more than twice as many)."""


@dataclass
class Counts:
    decided: int = 0
    errors: int = 0


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

    def fixed(self):
        """The opened version for every row (not by date)."""
        return self.ws.open_ref(self._fixed)

    def on(self, day: dt.date):
        """The opened version in force on ``day``; raises UnknownVersionError if none is."""
        ref = self._refs[bisect.bisect_right(self._bounds, day)]
        if ref is None:
            raise UnknownVersionError(f"no version of the policy is in force on {day.isoformat()}")
        return self.ws.open_ref(ref)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _columns_of(header: Sequence[str]) -> Suggestion:
    """``known-columns``: the columns the header has."""
    return Suggestion("known-columns", tuple(header), f"the header has: {', '.join(header) if header else 'nothing'}")


class CsvBatch:
    """One batch run's settings; :meth:`run` streams an input to an output."""

    def __init__(self, chooser: VersionChooser, *, fmt: str = "csv", noc_version: str = "2016",
                 date_column: Optional[str] = None, words: Words = plain_words):
        """``words`` puts a refusal's suggestion in the words of the front door that runs the batch."""
        if fmt not in ("csv", "jsonl"):
            raise ValueError(fmt)
        self.chooser = chooser
        self.fmt = fmt
        self.noc_version = noc_version
        self.date_column = date_column
        self.words = words
        self.refdata = chooser.ws.refdata
        self._days: Dict[str, object] = {}  # raw date -> opened version, or the message to report

    # -- the header ------------------------------------------------------------------
    def _columns(self, header: Sequence[str]) -> Tuple[Dict[str, int], Tuple[str, ...]]:
        names = [h.strip().lower() for h in header]
        seen = set()
        for n in names:
            if n in seen:
                raise InputError(f"the header names column {n!r} twice")
            seen.add(n)
        where = {}
        wanted = {"noc": "noc", "industry": "industry", "noc_version": "noc_version"}
        if self.date_column is not None:
            wanted["date"] = self.date_column.strip().lower()
        for role, name in wanted.items():
            if name in names:
                where[role] = names.index(name)
        if "noc" not in where:
            raise InputError("the input has no 'noc' column", suggestion=_columns_of(header))
        if self.date_column is not None and "date" not in where:
            raise InputError(f"the input has no {self.date_column!r} column for the dates",
                             suggestion=_columns_of(header))
        extra = COLUMNS_NOC2021 if ("noc_version" in where or self.noc_version == "2021") else COLUMNS
        clash = [n for n in names if n in extra]
        if clash:
            raise InputError(f"the input already has a column {clash[0]!r}, which the output adds",
                             suggestion=Suggestion("rename-column", (clash[0],), "rename or drop it"))
        return where, extra

    # -- deciding, with memories per part of the input ---------------------------------------
    def _on(self, day: str):
        """The opened version in force on a row's date (memoised per raw date text); InputError if none."""
        found = self._days.get(day)
        if found is None:
            text = day.strip()
            try:
                if not _DATE.fullmatch(text):
                    raise InputError(f"date {text!r} in column {self.date_column!r} is not YYYY-MM-DD")
                try:
                    when = dt.date.fromisoformat(text)
                except ValueError:
                    raise InputError(f"date {text!r} in column {self.date_column!r} is not a date") from None
                found = self.chooser.on(when)
            except ScPolicyError as exc:
                # the message, not the exception: re-raising one object grows its traceback
                found = exc.line(self.words)
            if len(self._days) >= MEMO_LIMIT:
                self._days.clear()
            self._days[day] = found
        if isinstance(found, str):
            raise InputError(found)
        return found

    def _candidates(self, noc: str, noc_version: str):
        """The NOC 2016 candidates of a raw code (a tuple), or the message saying why there are none (a str)."""
        nv = noc_version.strip() or self.noc_version
        if nv not in NOC_VERSIONS:
            return one_line(f"NOC version {nv!r} is not 2016 or 2021")
        return noc_candidates(noc, self.refdata, nv, self.words)

    def _industry(self, industry: str):
        """The NAICS code of a raw industry (None if empty), or a message (an _Invalid)."""
        refusal = industry_refusal(industry, self.refdata, self.words)
        if refusal is not None:
            return _Invalid(refusal)
        return industry.strip() or None

    @staticmethod
    def _result(opened, candidates: Tuple[str, ...], naics: Optional[str]) -> dict:
        table = opened.table
        decided = []
        for code in candidates:
            cell = table.cell(code, naics)
            areas = table.in_scope(cell) if cell is not None else opened.evaluator.decide(code, naics).in_scope
            decided.append((code, areas))
        results = {bool(a) for _, a in decided}
        verdict = "indeterminate" if len(results) > 1 else "eligible" if results == {True} else "not_eligible"
        return {"eligible": results == {True}, "verdict": verdict,
                "areas": decided[0][1] if len(decided) == 1 else (),
                "candidates": tuple(decided), "version": opened.version.id, "error": "",
                "version_hash": opened.version.content_hash}

    @staticmethod
    def _failure(message: str, version: str = "", version_hash: str = "") -> dict:
        return {"eligible": None, "verdict": None, "areas": (), "candidates": (), "version": version,
                "error": message, "version_hash": version_hash}

    def _decider(self, where: Dict[str, int], render: Callable[[dict], object]) -> Callable[[List[str]], object]:
        """A function from a well-formed row to its rendered output fields.

        The raw NOC code (with its NOC version) and the raw industry are each looked up
        in their own memory, and the rendered fields in one per version keyed by (NOC 2016
        candidates, industry class): a few dictionary lookups per row.
        """
        noc_key = itemgetter(where["noc"], where["noc_version"]) if "noc_version" in where else \
            itemgetter(where["noc"])
        ind_key = itemgetter(where["industry"]) if "industry" in where else (lambda row: "")
        i_day = where.get("date")
        candidates_of, industry_of, result, failure = self._candidates, self._industry, self._result, self._failure
        nocs: Dict[object, object] = {}
        nocs_get = nocs.get
        per_version: Dict[str, tuple] = {}  # version folder -> (opened, its table, industry memory, output memory)

        def memories(opened) -> tuple:
            found = per_version.get(opened.version.folder)
            if found is None:
                found = per_version[opened.version.folder] = (opened, opened.table, {}, {})
            return found

        def decide_in(memory: tuple, row: List[str]):
            opened, table, industries, outputs = memory
            raw_noc = noc_key(row)
            cands = nocs_get(raw_noc)
            if cands is None:
                if len(nocs) >= MEMO_LIMIT:
                    nocs.clear()
                cands = nocs[raw_noc] = candidates_of(*raw_noc) if type(raw_noc) is tuple else \
                    candidates_of(raw_noc, "")
            raw_ind = ind_key(row)
            j = industries.get(raw_ind)
            if j is None:
                naics = industry_of(raw_ind)
                if type(naics) is not _Invalid:
                    cls = table.industry_class(naics)
                    naics = cls if cls is not None else naics  # a code the table lacks is decided directly
                if len(industries) >= MEMO_LIMIT:
                    industries.clear()
                j = industries[raw_ind] = naics if naics is not None else 0
            out = outputs.get((cands, j))
            if out is None:
                if len(outputs) >= MEMO_LIMIT:
                    outputs.clear()
                if type(cands) is str:
                    d = failure(cands, opened.version.id)
                elif type(j) is _Invalid:
                    d = failure(j.message, opened.version.id)
                else:
                    naics = raw_ind.strip() or None if type(j) is int else j
                    d = result(opened, cands, naics)
                out = outputs[(cands, j)] = render(d)
            return out

        if i_day is None:
            fixed = memories(self.chooser.fixed())
            return functools.partial(decide_in, fixed)

        def decide_by_date(row: List[str]):
            try:
                opened = self._on(row[i_day])
            except InputError as exc:
                return render(failure(exc.line(self.words)))
            return decide_in(memories(opened), row)

        return decide_by_date

    @staticmethod
    def _csv_fields(d: dict, extra: Tuple[str, ...]) -> Tuple[str, ...]:
        out = []
        for name in extra:
            value = d[name]
            if name == "eligible":
                out.append("" if value is None else "true" if value else "false")
            elif name == "areas":
                out.append(";".join(value))
            elif name == "candidates":
                out.append(";".join(f"{c}:{'+'.join(a) if a else 'none'}" for c, a in value))
            else:
                out.append(value or "")
        return tuple(out)

    @staticmethod
    def _json_fields(d: dict, extra: Tuple[str, ...]) -> dict:
        out = {}
        for name in extra:
            value = d[name]
            if name == "areas":
                value = list(value)
            elif name == "candidates":
                value = [{"noc": c, "eligible": bool(a), "areas": list(a)} for c, a in value]
            elif name in ("verdict", "version", "error", "version_hash"):
                value = value or None
            out[name] = value
        return out

    # -- the stream ------------------------------------------------------------------------
    def run(self, source: BinaryIO, open_sink: Callable[[], TextIO],
            progress: Optional[Callable[[int], None]] = None) -> Counts:
        """Read ``source`` (bytes), check its header, then call ``open_sink`` and write every row.

        Raises InputError, before ``open_sink`` is called, when the input cannot be
        evaluated at all. What a row is: :mod:`sc_policy.app.csvrows`.
        """
        rows = CsvRows(source, progress)
        header = rows.header()
        where, extra = self._columns(header)
        sink = open_sink()
        if self.fmt == "csv":
            return self._run_csv(rows, header, where, extra, sink)
        return self._run_jsonl(rows, header, where, extra, sink)

    @staticmethod
    def _unread(row: List[str], width: int) -> Tuple[List[str], str]:
        """The fields to pass through and the message for a row of the wrong width or a Broken one."""
        if type(row) is Broken:
            return (row.fields + [""] * width)[:width], row.message
        return (row + [""] * width)[:width], f"the row has {len(row)} fields, the header has {width}"

    @staticmethod
    def _line_writer(sink: TextIO) -> Callable[[Sequence[str]], None]:
        """Write fields as CSV without a line end, quoting every field that holds a CR or LF.

        (csv.writer quotes a field that holds a character of its line terminator, so a writer
        without one would leave a line break bare; this one renders with CRLF and drops it.)
        """
        buffer = io.StringIO()
        render = csv.writer(buffer, lineterminator="\r\n").writerow
        swrite = sink.write

        def write(fields: Sequence[str]) -> None:
            buffer.seek(0)
            buffer.truncate()
            render(fields)
            swrite(buffer.getvalue()[:-2])

        return write

    def _suffixer(self, extra: Tuple[str, ...]) -> Callable[[dict], Tuple[str, bool]]:
        """Render a result as the CSV text that follows a row's own fields (``,eligible,...\\n``), once."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")

        def suffix(d: dict) -> Tuple[str, bool]:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(("",) + self._csv_fields(d, extra))
            return buffer.getvalue()[:-2] + "\n", bool(d["error"])

        return suffix

    @staticmethod
    def _failure_suffixer(suffix: Callable[[dict], Tuple[str, bool]], fields: dict) -> Callable[[str], Tuple[str, bool]]:
        """The suffix of an error row with the other added fields as in ``fields``, for any message:
        those fields are rendered once, the message is quoted as csv.writer would quote it."""
        pre, post = suffix(dict(fields, error="\0"))[0].split("\0")

        def fail(message: str) -> Tuple[str, bool]:
            if '"' in message or "," in message or "\n" in message or "\r" in message:
                message = '"' + message.replace('"', '""') + '"'
            return pre + message + post, True

        return fail

    def _run_csv(self, reader: CsvRows, header, where, extra, sink: TextIO) -> Counts:
        """The hot loop. A row's own fields go through csv.writer unchanged; the added fields
        are appended as text rendered once per distinct result."""
        suffix = self._suffixer(extra)
        careful_write = self._line_writer(sink)
        careful_write(list(header) + list(extra))
        sink.write("\n")
        # Rows of the fast batches hold no CR or LF (csvrows), so this writer needs no line end.
        fast_write = csv.writer(sink, lineterminator="").writerow
        swrite = sink.write
        width = len(header)
        rows = errors = 0
        # With one version and no noc_version column (the common case) the lookups are inlined:
        # raw NOC -> id, raw industry -> id, (id, id) -> rendered suffix.
        fast = "date" not in where and "noc_version" not in where
        decide = self._decider(where, suffix)
        i_noc, i_ind = where["noc"], where.get("industry")
        has_ind = i_ind is not None
        refdata, candidates_of, words = self.refdata, self._candidates, self.words
        if fast:
            opened = self.chooser.fixed()
            table = opened.table
            fail = self._failure_suffixer(suffix, self._failure("", opened.version.id, opened.version.content_hash))
        nocs: Dict[str, int] = {}
        industries: Dict[str, int] = {}
        outputs: Dict[int, Tuple[str, bool]] = {}
        values: Dict[object, int] = {}  # a candidates tuple, a message or an industry class -> its id
        known: List[object] = []  # id -> that value
        nocs_get, industries_get, outputs_get = nocs.get, industries.get, outputs.get
        wide = 1 << 15  # ids stay below MEMO_LIMIT + 2, so keys stay small (fast) ints

        sample: Dict[int, Optional[str]] = {0: None}  # industry class -> a code of it

        def intern(value) -> int:
            found = values.get(value)
            if found is None:
                found = values[value] = len(known)
                known.append(value)
            return found

        def industry_value(raw: str) -> tuple:
            refusal = industry_refusal(raw, refdata, words)
            if refusal is not None:
                return ("invalid", refusal)
            naics = raw.strip() or None
            cls = table.industry_class(naics)
            if cls is None:  # a code the table lacks (other reference data): decided directly
                return ("code", naics)
            sample.setdefault(cls, naics)
            return ("class", cls)

        misses = [0]

        def slow(row: List[str]) -> Tuple[str, bool]:
            """A row whose NOC, industry or combination is new: fill the memories. Each call adds at
            most one entry to each (two to ``known`` and ``values``), so emptying them after
            MEMO_LIMIT calls, or when ``known`` is that long, bounds them all and keeps ids below
            MEMO_LIMIT + 2. A refusal (a message, or an ("invalid", message) pair) gets a new id
            without a lookup: it names its own code, so sharing it would rarely save anything."""
            misses[0] += 1
            if misses[0] >= MEMO_LIMIT or len(known) >= MEMO_LIMIT:
                misses[0] = 0
                for memory in (nocs, industries, outputs, values, known):
                    memory.clear()
            raw = row[i_noc]
            n = nocs.get(raw)
            if n is None:
                value = candidates_of(raw, "")
                if type(value) is str:
                    n = nocs[raw] = len(known)
                    known.append(value)
                else:
                    n = nocs[raw] = intern(value)
            raw = row[i_ind] if has_ind else ""
            k = industries.get(raw)
            if k is None:
                value = industry_value(raw)
                if value[0] == "invalid":
                    k = industries[raw] = len(known)
                    known.append(value)
                else:
                    k = industries[raw] = intern(value)
            out = outputs.get(n * wide + k)
            if out is None:
                cands, ind = known[n], known[k]
                if type(cands) is str:
                    out = fail(cands)
                elif ind[0] == "invalid":
                    out = fail(ind[1])
                else:
                    out = suffix(self._result(opened, cands, sample[ind[1]] if ind[0] == "class" else ind[1]))
                outputs[n * wide + k] = out
            return out

        for batch, careful in reader.batches(width):
            write = careful_write if careful else fast_write
            for row in batch:
                if len(row) != width:
                    if type(row) is list and not row:
                        continue  # an empty line is no row
                    fields, problem = self._unread(row, width)
                    careful_write(fields)
                    swrite(suffix(self._failure(problem))[0])
                    rows += 1
                    errors += 1
                    continue
                if fast:
                    # ids are >= 0; a missing one (-1) gives a negative key, which is never stored
                    out = outputs_get(nocs_get(row[i_noc], -1) * wide
                                      + industries_get(row[i_ind] if has_ind else "", -1))
                    if out is None:
                        out = slow(row)
                else:
                    out = decide(row)
                write(row)
                swrite(out[0])
                if out[1]:
                    errors += 1
                rows += 1
        sink.flush()
        return Counts(rows - errors, errors)

    def _run_jsonl(self, reader: CsvRows, header, where, extra, sink: TextIO) -> Counts:
        width = len(header)
        decide = self._decider(where, lambda d: self._json_fields(d, extra))
        counts = Counts()
        names = list(header)

        def emit(fields: List[str], out: dict) -> None:
            record = dict(zip(names, fields))
            record.update(out)
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            if out["error"]:
                counts.errors += 1
            else:
                counts.decided += 1

        for batch, _ in reader.batches(width):
            for row in batch:
                if len(row) != width:
                    if type(row) is list and not row:
                        continue  # an empty line is no row
                    fields, problem = self._unread(row, width)
                    emit(fields, self._json_fields(self._failure(problem), extra))
                    continue
                emit(row, decide(row))
        sink.flush()
        return counts


class _Invalid:
    """A raw industry that is not a NAICS Canada 2017 code, and why."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


def text_sink(binary: BinaryIO) -> TextIO:
    """A UTF-8 text stream over a binary one, for CSV output (newline translation off)."""
    return io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=False)
