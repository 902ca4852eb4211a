"""Decide a whole caseload: a CSV in, one output row per input row, streamed.

The input is a CSV file with a header row naming a ``noc`` column and optionally
``industry``, ``noc_version`` and a date column (names matched without regard to
case or surrounding spaces). Every column passes through unchanged; the output
adds ``eligible``, ``areas``, ``version`` and ``error`` (and, when NOC 2021 codes
may occur, ``verdict`` and ``candidates``; see :data:`COLUMNS_NOC2021`).

Why it is fast: each decision is a lookup in the version's decision table
(:mod:`sc_policy.table`), and the finished output fields are remembered per
distinct raw input (codes, NOC version, date), so that a row costs about what
reading and writing it costs. Why memory stays flat: input is read in blocks of
lines, rows are written as they are decided, and the memory of finished fields is
emptied whenever it reaches :data:`MEMO_LIMIT` entries.

A row that cannot be decided (a malformed or unknown code, a wrong number of
fields, bytes that are not UTF-8, a date with no version in force) gets an output
row in its place with ``error`` set; it never stops the batch. Only problems with
the whole input (no header, no ``noc`` column) raise :class:`InputError`.
"""

from __future__ import annotations

import bisect
import codecs
import collections
import csv
import datetime as dt
import io
import itertools
import json
import re
from dataclasses import dataclass
from operator import itemgetter
from typing import Callable, Dict, Iterator, List, Optional, Sequence, TextIO, Tuple, BinaryIO

from .errors import InputError, ScPolicyError, UnknownVersionError
from .inputs import NOC_VERSIONS, parse_industry, parse_noc
from .tree import manifests

__all__ = ["CsvBatch", "VersionChooser", "Counts", "COLUMNS", "COLUMNS_NOC2021", "MEMO_LIMIT", "BLOCK_BYTES"]

COLUMNS = ("eligible", "areas", "version", "error")
"""Added to every row: ``true``/``false`` (empty on error); the ids of the areas in scope,
``;``-separated in area order; the version id that decided the row; a one-line error or empty."""

COLUMNS_NOC2021 = ("eligible", "verdict", "areas", "candidates", "version", "error")
"""Added when the input has a ``noc_version`` column or ``--noc-version 2021`` is given:
``verdict`` is ``eligible``, ``not_eligible`` or ``indeterminate`` (the NOC 2016 candidates
of a NOC 2021 code disagree); ``candidates`` lists each NOC 2016 candidate as
``CODE:area+area`` (``CODE:none`` when not eligible), ``;``-separated; ``areas`` is filled
only when there is exactly one candidate, and ``eligible`` is true only when every
candidate is eligible."""

MEMO_LIMIT = 100_000
"""Distinct raw inputs remembered at once (then forgotten all together): bounds memory."""

BLOCK_BYTES = 1 << 20
"""Input is read and decoded in blocks of whole lines of about this size."""


@dataclass
class Counts:
    decided: int = 0
    errors: int = 0


class VersionChooser:
    """Which opened version decides a row: one fixed version, or the one in force on the row's date.

    For dates, the versions' effective dates cut the calendar into intervals within
    which the answer of :func:`sc_policy.tree.select_version` cannot change; it is
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


class _Lines:
    """The input's lines as text, decoded in blocks; remembers which physical lines were not UTF-8.

    Undecodable lines are passed on with the bad bytes replaced by U+FFFD, so that
    the CSV reader stays in step; ``bad`` holds their 1-based line numbers.
    """

    def __init__(self, stream: BinaryIO, progress: Optional[Callable[[int], None]] = None):
        self.stream = stream
        self.progress = progress
        self.bad: collections.deque = collections.deque()
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        return itertools.chain.from_iterable(self._blocks())

    def _blocks(self) -> Iterator[List[str]]:
        first = True
        while True:
            raw = self.stream.readlines(BLOCK_BYTES)
            if not raw:
                return
            if first:
                first = False
                if raw[0].startswith(codecs.BOM_UTF8):  # spreadsheet exports often start with one
                    raw[0] = raw[0][len(codecs.BOM_UTF8):]
            try:
                text = [line.decode("utf-8") for line in raw]
            except UnicodeDecodeError:
                text = []
                for n, line in enumerate(raw, self.count + 1):
                    try:
                        text.append(line.decode("utf-8"))
                    except UnicodeDecodeError:
                        self.bad.append(n)
                        text.append(line.decode("utf-8", "replace"))
            self.count += len(raw)
            if self.progress is not None:
                self.progress(sum(map(len, raw)))
            yield text


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class CsvBatch:
    """One batch run's settings; :meth:`run` streams an input to an output."""

    def __init__(self, chooser: VersionChooser, *, fmt: str = "csv", noc_version: str = "2016",
                 date_column: Optional[str] = None):
        if fmt not in ("csv", "jsonl"):
            raise ValueError(fmt)
        self.chooser = chooser
        self.fmt = fmt
        self.noc_version = noc_version
        self.date_column = date_column
        self.refdata = chooser.ws.refdata
        self._days: Dict[str, object] = {}  # raw date -> opened version or the InputError to report
        self._inner: Dict[tuple, dict] = {}  # (version folder, noc, industry, NOC version) -> fields

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
            raise InputError("the input has no 'noc' column",
                             hint=f"the header has: {', '.join(header) if header else 'nothing'}")
        if self.date_column is not None and "date" not in where:
            raise InputError(f"the input has no {self.date_column!r} column (--date-column)")
        extra = COLUMNS_NOC2021 if ("noc_version" in where or self.noc_version == "2021") else COLUMNS
        clash = [n for n in names if n in extra]
        if clash:
            raise InputError(f"the input already has a column {clash[0]!r}, which the output adds",
                             hint="rename or drop it")
        return where, extra

    # -- one distinct input --------------------------------------------------------------
    def _decide(self, noc: str, industry: str, noc_version: str, day: Optional[str]) -> dict:
        """The output fields for one distinct raw input, as plain values."""
        version = ""
        try:
            opened = self.chooser.fixed() if day is None else self._on(day)
            version = opened.version.id
            inner = (opened.version.folder, noc, industry, noc_version)
            found = self._inner.get(inner)
            if found is None:
                if len(self._inner) >= MEMO_LIMIT:
                    self._inner.clear()
                found = self._inner[inner] = self._decide_in(opened, noc, industry, noc_version)
            return found
        except ScPolicyError as exc:
            return {"eligible": None, "verdict": None, "areas": (), "candidates": (), "version": version,
                    "error": str(exc)}

    def _on(self, day: str):
        """The opened version in force on a row's date (memoised per raw date text)."""
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
                found = str(exc)  # the message, not the exception: re-raising one object grows its traceback
            if len(self._days) >= MEMO_LIMIT:
                self._days.clear()
            self._days[day] = found
        if isinstance(found, str):
            raise InputError(found)
        return found

    def _decide_in(self, opened, noc: str, industry: str, noc_version: str) -> dict:
        version = opened.version.id
        try:
            nv = noc_version.strip() or self.noc_version
            if nv not in NOC_VERSIONS:
                raise InputError(f"NOC version {nv!r} is not 2016 or 2021")
            parsed = parse_noc(noc, self.refdata, nv)
            naics = parse_industry(industry, self.refdata)
        except ScPolicyError as exc:
            return {"eligible": None, "verdict": None, "areas": (), "candidates": (), "version": version,
                    "error": str(exc)}
        table = opened.table
        candidates = []
        for code in parsed.candidates:
            cell = table.cell(code, naics)
            areas = table.in_scope(cell) if cell is not None else opened.evaluator.decide(code, naics).in_scope
            candidates.append((code, areas))
        results = {bool(a) for _, a in candidates}
        verdict = "indeterminate" if len(results) > 1 else "eligible" if results == {True} else "not_eligible"
        return {"eligible": results == {True}, "verdict": verdict,
                "areas": candidates[0][1] if len(candidates) == 1 else (),
                "candidates": tuple(candidates), "version": version, "error": ""}

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
            elif name in ("verdict", "version", "error"):
                value = value or None
            out[name] = value
        return out

    # -- the stream ------------------------------------------------------------------------
    def run(self, source: BinaryIO, open_sink: Callable[[], TextIO],
            progress: Optional[Callable[[int], None]] = None) -> Counts:
        """Read ``source`` (bytes), check its header, then call ``open_sink`` and write every row.

        Raises InputError, before ``open_sink`` is called, when the input cannot be
        evaluated at all.
        """
        lines = _Lines(source, progress)
        reader = csv.reader(lines)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError("the input is empty: expected a header row naming a 'noc' column") from None
        except csv.Error as exc:
            raise InputError(f"the header row is not valid CSV: {exc}") from None
        if lines.bad and lines.bad[0] <= reader.line_num:
            raise InputError("the header row is not valid UTF-8")
        where, extra = self._columns(header)
        sink = open_sink()
        if self.fmt == "csv":
            return self._run_csv(reader, lines, header, where, extra, sink)
        return self._run_jsonl(reader, lines, header, where, extra, sink)

    def _keyer(self, where: Dict[str, int]) -> Tuple[Callable, Callable]:
        """A fast key of a row (its raw decisive fields) and the function that decides a key."""
        roles = [r for r in ("noc", "industry", "noc_version", "date") if r in where]
        getter = itemgetter(*[where[r] for r in roles])
        single = len(roles) == 1

        def unpack(key) -> Tuple[str, str, str, Optional[str]]:
            values = dict(zip(roles, (key,) if single else key))
            return (values["noc"], values.get("industry", ""), values.get("noc_version", ""),
                    values.get("date") if "date" in where else None)

        return getter, unpack

    def _structural(self, row: List[str], width: int, lines: _Lines, line_num: int) -> Optional[str]:
        """Why a row cannot be read at all, or None."""
        bad = lines.bad
        if bad and bad[0] <= line_num:
            while bad and bad[0] <= line_num:
                bad.popleft()
            return "the row is not valid UTF-8 (the bad bytes are shown as U+FFFD)"
        if len(row) != width:
            return f"the row has {len(row)} fields, the header has {width}"
        return None

    def _run_csv(self, reader, lines: _Lines, header, where, extra, sink: TextIO) -> Counts:
        writer = csv.writer(sink, lineterminator="\n")
        writer.writerow(list(header) + list(extra))
        width = len(header)
        getter, unpack = self._keyer(where)
        memo: Dict[object, Tuple[str, ...]] = {}
        get = memo.get
        write = writer.writerow
        bad = lines.bad
        blank = ("",) * width
        err_at = len(extra) - 1
        error_fields = lambda msg: self._csv_fields(  # noqa: E731
            {"eligible": None, "verdict": None, "areas": (), "candidates": (), "version": "", "error": msg}, extra)
        rows = errors = 0
        it = iter(reader)
        while True:
            try:
                for row in it:
                    if bad or len(row) != width:
                        if not row and not (bad and bad[0] <= reader.line_num):
                            continue  # a blank line is no row
                        problem = self._structural(row, width, lines, reader.line_num)
                        if problem is not None:
                            write((row + list(blank))[:width] + list(error_fields(problem)))
                            rows += 1
                            errors += 1
                            continue
                    key = getter(row)
                    out = get(key)
                    if out is None:
                        if len(memo) >= MEMO_LIMIT:
                            memo.clear()
                        out = memo[key] = self._csv_fields(self._decide(*unpack(key)), extra)
                    if out[err_at]:
                        errors += 1
                    rows += 1
                    row += out
                    write(row)
                break
            except csv.Error as exc:
                while bad and bad[0] <= reader.line_num:
                    bad.popleft()
                write(list(blank) + list(error_fields(f"the row is not valid CSV: {exc}")))
                rows += 1
                errors += 1
        sink.flush()
        return Counts(rows - errors, errors)

    def _run_jsonl(self, reader, lines: _Lines, header, where, extra, sink: TextIO) -> Counts:
        width = len(header)
        getter, unpack = self._keyer(where)
        memo: Dict[object, dict] = {}
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

        def failure(message: str) -> dict:
            return self._json_fields({"eligible": None, "verdict": None, "areas": (), "candidates": (),
                                      "version": "", "error": message}, extra)

        it = iter(reader)
        while True:
            try:
                for row in it:
                    if not row and not (lines.bad and lines.bad[0] <= reader.line_num):
                        continue
                    problem = self._structural(row, width, lines, reader.line_num)
                    if problem is not None:
                        emit((row + [""] * width)[:width], failure(problem))
                        continue
                    key = getter(row)
                    out = memo.get(key)
                    if out is None:
                        if len(memo) >= MEMO_LIMIT:
                            memo.clear()
                        out = memo[key] = self._json_fields(self._decide(*unpack(key)), extra)
                    emit(row, out)
                break
            except csv.Error as exc:
                while lines.bad and lines.bad[0] <= reader.line_num:
                    lines.bad.popleft()
                emit([""] * width, failure(f"the row is not valid CSV: {exc}"))
        sink.flush()
        return counts


def text_sink(binary: BinaryIO) -> TextIO:
    """A UTF-8 text stream over a binary one, for CSV output (newline translation off)."""
    return io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=False)
