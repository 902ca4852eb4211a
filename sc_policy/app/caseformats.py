"""Writing a decided caseload: CSV or JSON Lines, one output line per input row, in input order.

Both formats write a row as two pieces of text: the row's own fields (rendered for each row)
and the added fields that follow them (rendered once per distinct result by :meth:`render`,
then remembered by the decider, :mod:`sc_policy.app.casedecide`). A *result* is a dict with
``eligible``, ``verdict``, ``areas``, ``candidates``, ``version``, ``error`` and
``version_hash`` (see :func:`result` and :func:`failure`).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import sys
from typing import Callable, List, Optional, Sequence, TextIO, Tuple

from sc_policy.app.casecolumns import Columns

__all__ = ["Added", "CsvFormat", "JsonlFormat", "FORMATS", "result", "failure"]

Added = Tuple[str, bool]
"""The text that follows a row's own fields (to the line end), and whether the row is an error."""

RowWriter = Callable[[Sequence[str]], None]
Writers = Tuple[RowWriter, RowWriter, RowWriter]
"""A format's writers of a row's own fields, by what a batch's fields may hold (sc_policy.app.csvrows.PLAIN, ...)."""

CSV_WRITES_NUL = sys.version_info >= (3, 11)
"""Whether csv.writer writes a field that holds NUL (as it is); Python 3.10's raises csv.Error."""


def result(opened, candidates: Tuple[str, ...], naics: Optional[str]) -> dict:
    """The result of NOC 2016 ``candidates`` (one or more) and an industry under an opened version."""
    table = opened.table
    decided = []
    for code in candidates:
        cell = table.cell(code, naics)
        areas = table.in_scope(cell) if cell is not None else opened.evaluator.in_scope(code, naics)
        decided.append((code, areas))
    results = {bool(a) for _, a in decided}
    verdict = "indeterminate" if len(results) > 1 else "eligible" if results == {True} else "not_eligible"
    return {"eligible": results == {True}, "verdict": verdict,
            "areas": decided[0][1] if len(decided) == 1 else (),
            "candidates": tuple(decided), "version": opened.version.id, "error": "",
            "version_hash": opened.version.content_hash}


def failure(message: str, version: str = "", version_hash: str = "") -> dict:
    """The result of a row that could not be decided (under ``version``, if one was chosen)."""
    return {"eligible": None, "verdict": None, "areas": (), "candidates": (), "version": version,
            "error": message, "version_hash": version_hash}


class CsvFormat:
    """The input's columns, then the added ones; CSV as :func:`csv.writer` writes it, LF line ends
    (a field holding a line break is quoted and keeps it)."""

    def __init__(self, columns: Columns):
        self.added = columns.added
        buffer = io.StringIO()
        self._buffer, self._writer = buffer, csv.writer(buffer, lineterminator="\r\n")

    def _fields(self, d: dict) -> Tuple[str, ...]:
        out = []
        for name in self.added:
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

    def render(self, d: dict) -> Added:
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._writer.writerow(("",) + self._fields(d))
        return buffer.getvalue()[:-2] + "\n", bool(d["error"])

    def failing(self, version: str = "", version_hash: str = "") -> Callable[[str], Added]:
        """:meth:`render` of :func:`failure` for any message: the other fields are rendered once,
        the message is quoted as csv.writer would quote it."""
        # a mark no version id, hash or empty field holds, and that csv.writer writes as it is
        pre, post = self.render(failure("\x01", version, version_hash))[0].split("\x01")

        def fail(message: str) -> Added:
            if '"' in message or "," in message or "\n" in message or "\r" in message:
                message = '"' + message.replace('"', '""') + '"'
            return pre + message + post, True

        return fail

    def start(self, sink: TextIO, columns: Columns, bom: bool = False) -> Writers:
        """Write the header line to ``sink`` (anything with ``write``), after a byte-order mark when ``bom``
        (the input had one: a spreadsheet that wrote it reads its accents right only with one); return the
        writers of a row's own fields (no line end) for each kind of batch
        (:data:`~sc_policy.app.csvrows.PLAIN`, ``ONE_LINE``, ``ANY``): fields joined by commas (none needs
        quotes), csv.writer's, and csv.writer's for fields that may hold line breaks."""
        buffer = io.StringIO()
        render = csv.writer(buffer, lineterminator="\r\n").writerow
        swrite = sink.write

        def careful(fields: Sequence[str]) -> None:
            # csv.writer quotes a field that holds a character of its line terminator, so a writer
            # without one would leave a line break bare: render with CRLF and drop it.
            buffer.seek(0)
            buffer.truncate()
            render(fields)
            swrite(buffer.getvalue()[:-2])

        if bom:
            swrite("\ufeff")
        careful(list(columns.header) + list(self.added))
        swrite("\n")
        fast = csv.writer(sink, lineterminator="").writerow

        def plain(fields: Sequence[str]) -> None:  # what csv.writer writes of fields without , " CR or LF
            swrite(",".join(fields))

        if not CSV_WRITES_NUL:
            careful, fast = _with_nul(careful, render, buffer, swrite), _with_nul(fast, render, buffer, swrite)
        if columns.width != 1:
            return plain, fast, careful

        # csv.writer writes a row of one empty field as "" (to tell it from an empty line); the added
        # fields follow it here, so it is written empty, as DuckDB writes it
        def alone(write: RowWriter) -> RowWriter:
            return lambda fields: None if len(fields) == 1 and not fields[0] else write(fields)
        return alone(plain), alone(fast), alone(careful)


def _stand_ins():
    """Characters csv.writer writes as they are: more of them than a row of at most 128 KiB can hold."""
    return itertools.chain(range(1, 9), range(0xE000, 0xF900), range(0xF0000, 0xFFFFE))


def _with_nul(write: RowWriter, render: RowWriter, buffer: io.StringIO, swrite: Callable[[str], object]) -> RowWriter:
    """``write`` for Python 3.10, whose csv.writer raises on a field that holds NUL: such a row is rendered
    with each NUL replaced by a character the row does not hold, which is then put back, so that the
    output is what Python 3.11's csv.writer writes (a NUL is quoted for nothing)."""
    def write_with_nul(fields: Sequence[str]) -> None:
        if not any("\0" in f for f in fields):
            return write(fields)
        mark = next(chr(c) for c in _stand_ins() if not any(chr(c) in f for f in fields))
        buffer.seek(0)
        buffer.truncate()
        render([f.replace("\0", mark) for f in fields])
        swrite(buffer.getvalue()[:-2].replace(mark, "\0"))
    return write_with_nul


def typed_fields(added: Sequence[str], d: dict) -> List[object]:
    """A decided row's added columns as typed values (JSONL and Parquet): ``areas`` a list,
    ``candidates`` a list of ``{noc, eligible, areas}``, an empty verdict, version, hash or error null."""
    out: List[object] = []
    for name in added:
        value = d[name]
        if name == "areas":
            value = list(value)
        elif name == "candidates":
            value = [{"noc": c, "eligible": bool(a), "areas": list(a)} for c, a in value]
        elif name in ("verdict", "version", "error", "version_hash"):
            value = value or None
        out.append(value)
    return out


class JsonlFormat:
    """One JSON object per row: the input's columns by header name (as strings), then the added
    ones (``areas`` a list, ``candidates`` a list of ``{noc, eligible, areas}``, the other strings
    or null), as ``json.dumps`` writes it (UTF-8, not ASCII-escaped)."""

    def __init__(self, columns: Columns):
        self.added = columns.added

    def _fields(self, d: dict) -> dict:
        return dict(zip(self.added, typed_fields(self.added, d)))

    def render(self, d: dict) -> Added:
        # The header's names differ from each other and from the added ones (casecolumns), so
        # the object's text is the input fields' object without its "}" and this without its "{".
        return ", " + json.dumps(self._fields(d), ensure_ascii=False)[1:] + "\n", bool(d["error"])

    def failing(self, version: str = "", version_hash: str = "") -> Callable[[str], Added]:
        return lambda message: self.render(failure(message, version, version_hash))

    def start(self, sink: TextIO, columns: Columns, bom: bool = False) -> Writers:
        """As :meth:`CsvFormat.start`, without a header line (one writer for every kind of batch); JSON Lines
        never starts with a byte-order mark."""
        names: List[str] = list(columns.header)
        dumps, swrite = json.dumps, sink.write

        def write(fields: Sequence[str]) -> None:
            swrite(dumps(dict(zip(names, fields)), ensure_ascii=False)[:-1])

        return write, write, write


FORMATS = {"csv": CsvFormat, "jsonl": JsonlFormat}
