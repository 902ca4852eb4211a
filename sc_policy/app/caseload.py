"""Decide a whole caseload: a CSV in, one output row per input row, streamed.

The input is a CSV file with a header row (:mod:`sc_policy.app.casecolumns` says which columns
it must and may have, and which the output adds); every column passes through, the columns of
codes (``noc``, ``industry``, ``noc_version``) trimmed of surrounding whitespace as the decision
reads them.
The stages, one module each: reading rows (:mod:`sc_policy.app.csvrows`, which also says what
a row is), resolving the header (:mod:`~sc_policy.app.casecolumns`), deciding a row
(:mod:`~sc_policy.app.casedecide`, which says why it is fast) and writing CSV or JSON Lines
(:mod:`~sc_policy.app.caseformats`); :meth:`CsvBatch.run` is the one loop that joins them.
Memory stays flat: input is read in blocks, rows are written as they are decided, and every
memory is bounded.

A row that cannot be decided (a malformed or unknown code, a wrong number of
fields, bytes that are not UTF-8, a line that is not CSV or is too long, a date with
no version in force) gets an output row in its place with ``error`` set; it never
stops the batch. Only problems with the whole input (no header, no ``noc`` column)
raise :class:`InputError`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from itertools import repeat
from types import SimpleNamespace
from typing import BinaryIO, Callable, List, Optional, TextIO, Tuple

from sc_policy.app.casecolumns import Columns, resolve_columns, unread_industry
from sc_policy.app.casedecide import RowDecider, VersionChooser
from sc_policy.app.caseformats import FORMATS
from sc_policy.app.csvrows import ANY, Broken, CsvRows
from sc_policy.diagnostics import counted, plain_words
from sc_policy.reference.codes import Words

__all__ = ["CsvBatch", "Counts", "code_columns", "text_sink"]


@dataclass
class Counts:
    decided: int = 0
    errors: int = 0


class CsvBatch:
    """One batch run's settings; :meth:`run` streams an input to an output."""

    def __init__(self, chooser: VersionChooser, *, fmt: str = "csv", noc_version: str = "2016",
                 date_column: Optional[str] = None, words: Words = plain_words,
                 notify: Optional[Callable[[str], None]] = None):
        """``words`` puts a refusal's suggestion in the words of the front door that runs the batch;
        ``notify`` is told of what the header leaves unread (:func:`unread_industry`)."""
        if fmt not in FORMATS and fmt != "parquet":
            raise ValueError(fmt)
        self.chooser = chooser
        self.fmt = fmt
        self.noc_version = noc_version
        self.date_column = date_column
        self.words = words
        self.notify = notify

    def run(self, source: BinaryIO, open_sink: Callable[[], TextIO],
            progress: Optional[Callable[[int], None]] = None) -> Counts:
        """Read ``source`` (bytes), check its header, then call ``open_sink`` and write every row.

        Raises InputError, before ``open_sink`` is called, when the input cannot be
        evaluated at all. What a row is: :mod:`sc_policy.app.csvrows`.
        """
        return self.run_rows(CsvRows(source, progress), open_sink)

    def run_rows(self, rows, open_sink: Callable[[], object]) -> Counts:
        """:meth:`run` over rows already opened: a :class:`CsvRows`, or anything with its ``header`` and
        ``batches`` (:class:`~sc_policy.app.caseparquet.ParquetRows`). For the ``parquet`` format,
        ``open_sink`` gives a binary file (or a path)."""
        columns = resolve_columns(rows.header(), date_column=self.date_column, noc_version=self.noc_version)
        if hasattr(rows, "decides"):  # a Parquet input: the columns it reads as the decision reads them
            rows.decides(columns.where.values())
        if self.fmt == "parquet":
            from sc_policy.app.caseparquet import ParquetFormat  # only with the data extra
            fmt = ParquetFormat(columns)
            if hasattr(rows, "only"):  # a Parquet input: its other columns pass through as read
                rows.only(columns.where.values())
        else:
            fmt = FORMATS[self.fmt](columns)
        decide = RowDecider(self.chooser, columns, fmt, noc_version=self.noc_version,
                            date_column=self.date_column, words=self.words).function()
        unread = unread_industry(columns)
        if unread is not None and self.notify is not None:
            self.notify(unread)
        if self.fmt == "parquet":
            return self._stream_parquet(rows, columns, fmt, decide, open_sink())
        return self._stream(rows, columns, fmt, decide, open_sink())

    @staticmethod
    def _stream(reader: CsvRows, columns: Columns, fmt, decide, sink: TextIO) -> Counts:
        """The loop: each row's own fields, then its added fields (rendered once per distinct result).
        A batch's output is gathered in a list and written to ``sink`` at once, which is cheaper
        than two writes a row (and bounded, as a batch is)."""
        parts: List[str] = []
        swrite = parts.append
        writers = fmt.start(SimpleNamespace(write=swrite), columns, bom=reader.bom)
        careful_write = writers[ANY]
        fail = fmt.failing()
        width = columns.width
        trim = code_columns(columns)
        rows = errors = 0
        for batch, kind in reader.batches(width):
            write = writers[kind]  # as little work as the batch's fields need (csvrows.PLAIN, ...)
            for row in batch:
                if len(row) == width:
                    for i in trim:
                        row[i] = row[i].strip()
                    out = decide(row)
                    write(row)
                else:
                    unfit = _unfit(row, width, trim, fail)
                    if unfit is None:
                        continue
                    fields, out = unfit
                    careful_write(fields)
                swrite(out[0])
                if out[1]:
                    errors += 1
                rows += 1
            sink.write("".join(parts))
            parts.clear()
        sink.write("".join(parts))  # the header, when there is no row
        sink.flush()
        return Counts(rows - errors, errors)

    @staticmethod
    def _stream_parquet(reader, columns: Columns, fmt, decide, sink) -> Counts:
        """The loop for Parquet output: each batch of rows written as one record batch."""
        return _parquet_loop(reader, columns, fmt, decide, sink)


def _rows_of(batch, width: int, trim: Tuple[int, ...], decide, fail):
    """(a row's own fields, its added fields) for each row of a batch, in order (no empty line)."""
    for row in batch:
        if len(row) == width:
            for i in trim:
                row[i] = row[i].strip()
            yield row, decide(row)
            continue
        unfit = _unfit(row, width, trim, fail)
        if unfit is not None:
            yield unfit


def _unfit(row, width: int, trim: Tuple[int, ...], fail):
    """A row without ``width`` fields (too few or many, or one the reader could not read: ``Broken``)
    as (its fields padded or cut to ``width``, code columns trimmed; its added fields: the error);
    None for an empty line, which is no row."""
    if type(row) is list and not row:
        return None
    if type(row) is Broken:
        fields, problem = row.fields, row.message
    else:
        fields, problem = row, f"the row has {counted(len(row), 'field')}, the header has {width}"
    fields = (fields + [""] * width)[:width]
    for i in trim:
        fields[i] = fields[i].strip()
    return fields, fail(problem)


def code_columns(columns: Columns) -> Tuple[int, ...]:
    """The indexes of the columns that hold codes (``noc``, ``industry``, ``noc_version``), which
    the output writes trimmed of surrounding whitespace (as they are read for the decision)."""
    return tuple(columns.where[role] for role in ("noc", "industry", "noc_version") if role in columns.where)


def _parquet_loop(reader, columns: Columns, fmt, decide, sink) -> Counts:
    from sc_policy.app.caseparquet import ParquetWriter  # only with the data extra
    writer = ParquetWriter(sink, columns, fmt, code_columns(columns), getattr(reader, "schema", None))
    rows = errors = 0
    try:
        batches = _column_batches(reader, columns, fmt, decide) if hasattr(reader, "column_batches") \
            else _row_batches(reader, columns, fmt, decide)
        for own, outs, record_batch in batches:
            if outs:
                writer.write(own, [out[0] for out in outs], record_batch)
                rows += len(outs)
                errors += sum(out[1] for out in outs)
    finally:
        writer.close()
    return Counts(rows - errors, errors)


def _row_batches(reader, columns: Columns, fmt, decide):
    """(each batch's own columns, its rows' added fields, None) from rows that may be unfit (a CSV's)."""
    fail, width, trim = fmt.failing(), columns.width, code_columns(columns)
    for batch, _ in reader.batches(width):
        decided = list(_rows_of(batch, width, trim, decide, fail))
        yield list(zip(*(fields for fields, _ in decided))), [out for _, out in decided], None


def _column_batches(reader, columns: Columns, fmt, decide):
    """(each batch's own columns, its rows' added fields, its record batch) from a Parquet input, column by
    column: every row has the header's width, so no row is built but the one each decision reads; a row
    with a text that is not UTF-8 (``reader.broken``) is an error."""
    fail, trim = fmt.failing(), code_columns(columns)
    for own, count in reader.column_batches():
        for i in trim:
            own[i] = [value.strip() for value in own[i]]
        rows = zip(*(repeat("", count) if c is None else c for c in own))
        outs = list(map(decide, rows))
        for r, message in reader.broken.items():
            outs[r] = fail(message)
        yield own, outs, reader.current


def text_sink(binary: BinaryIO) -> TextIO:
    """A UTF-8 text stream over a binary one, for CSV output (newline translation off)."""
    return io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=False)
