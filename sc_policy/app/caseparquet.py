"""A caseload in Parquet: read one (its rows in order, a record batch at a time) and write one.

Parquet needs pyarrow, sc-policy's optional ``data`` extra (:func:`arrow`). Reading and writing go a
record batch at a time (:data:`BATCH_ROWS` rows), so memory stays flat however long the caseload.

Reading: the header is the file's column names; a row's value is read as text for the decision
(:func:`texts`): a string as it is, a number or a date as Arrow writes it (``211``, ``2022-01-31``) but
a floating-point number as DuckDB and Python do (``2174.0``), a null as empty. So a NOC code a
spreadsheet turned into the number 211 reaches the decision as ``211`` and gets its error. A Parquet
file has no malformed rows but one thing: a text that is not UTF-8 (Parquet does not check it), which is
that row's error (:attr:`ParquetRows.broken`); every row gets an output row.

Writing: the input's columns pass through with their types (from a CSV input: text), the columns of
codes (``noc``, ``industry``, ``noc_version``) as trimmed text when they are text; then the added
columns, typed as the JSON Lines output writes them (:class:`ParquetFormat`).
"""

from __future__ import annotations

import json
from itertools import repeat
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from sc_policy.app.casecolumns import Columns
from sc_policy.app.caseformats import failure, typed_fields
from sc_policy.app.csvrows import ANY, Broken
from sc_policy.diagnostics import InputError, missing_extra

__all__ = ["arrow", "ParquetRows", "ParquetFormat", "ParquetWriter", "BATCH_ROWS", "is_parquet", "write_table"]

BATCH_ROWS = 65_536
"""Rows per record batch read and written (fewer when the rows are wide: :data:`BATCH_BYTES`)."""

BATCH_BYTES = 64 << 20
"""A record batch read holds about this much data at most, by the sizes the file declares: a row group
whose rows average 1 MiB is read 64 rows at a time (Parquet compresses a repeated value to nothing)."""

TEXT_BYTES = 256 << 20
"""The most text one column of one record batch may decode to from a dictionary: a dictionary lets a few
hundred bytes of file stand for gigabytes of one value repeated; such a file is refused."""


def is_parquet(name: Optional[str]) -> bool:
    """Whether a file name names a Parquet file (it ends in ``.parquet``, in any case)."""
    return bool(name) and name.lower().endswith(".parquet")


def arrow():
    """(pyarrow, pyarrow.parquet, pyarrow.compute); ScPolicyError naming the extra when pyarrow is missing."""
    try:
        import pyarrow
        import pyarrow.compute
        import pyarrow.parquet
    except ImportError:
        raise missing_extra("reading or writing Parquet needs pyarrow, which is not installed", "data") from None
    return pyarrow, pyarrow.parquet, pyarrow.compute


def texts(array, decided: bool = False, bad: Optional[set] = None) -> List[str]:
    """A column's values as text: nulls empty, other values as Arrow casts them to text (integers and dates
    YYYY-MM-DD, floating-point numbers without a fraction as integers); a value Arrow cannot cast as JSON (a
    list or a struct) or decoded with replacement characters (bytes that are not UTF-8). In a column the
    decision reads (``decided``), a floating-point number as DuckDB, SQLite and Python write it, ``2174.0``:
    a code stored as a number is refused as in a CSV export of the column or the warehouse's SQL.

    A string column is not checked to be UTF-8 when it is written: a value that is not is decoded with
    replacement characters (inside a list or struct: left empty), and its row's index added to ``bad``."""
    pa, _, pc = arrow()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if decided and pa.types.is_floating(array.type):
        return ["" if v is None else repr(float(v)) for v in array.to_pylist()]
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        try:
            array = pc.cast(array, pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            try:
                return [_text(v) for v in array.to_pylist()]
            except UnicodeDecodeError:  # a string inside, not UTF-8: the value left empty, its row marked
                return [_text_or_marked(array, i, bad) for i in range(len(array))]
    try:
        return ["" if v is None else v for v in array.to_pylist()]
    except UnicodeDecodeError:  # (pyarrow's to_pylist raised it for the whole column)
        raw = array.cast(pa.large_binary()).to_pylist()
        return ["" if v is None else _utf8_or_marked(v, i, bad) for i, v in enumerate(raw)]


def _text(v) -> str:
    return ("" if v is None else v.decode("utf-8", "replace") if isinstance(v, bytes) else
            json.dumps(v, ensure_ascii=False, default=_json_text) if isinstance(v, (list, dict)) else str(v))


def _text_or_marked(array, i: int, bad: Optional[set]) -> str:
    try:
        return _text(array[i].as_py())
    except UnicodeDecodeError:
        if bad is not None:
            bad.add(i)
        return ""


def _utf8_or_marked(value: bytes, i: int, bad: Optional[set]) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        if bad is not None:
            bad.add(i)
        return value.decode("utf-8", "replace")


def _json_text(value) -> str:
    """A value inside a list or struct that JSON has no type for: bytes decoded (as a column of them is),
    anything else (a date, a decimal) as text."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class ParquetRows:
    """The rows of a Parquet file, read as :class:`~sc_policy.app.csvrows.CsvRows` gives a CSV's: the
    :meth:`header`, then :meth:`batches` of rows (lists of text, each of the header's width); the record
    batch a batch of rows came from is :attr:`current` (for its columns to pass through)."""

    bom = False  # a Parquet file has no byte-order mark for a CSV written from it to keep

    def __init__(self, path: str, *, batch_rows: int = BATCH_ROWS, batch_bytes: int = BATCH_BYTES,
                 text_bytes: int = TEXT_BYTES):
        pa, pq, _ = arrow()
        self._errors = (OSError, ValueError, pa.ArrowException)  # ArrowInvalid is a ValueError
        self.path = path
        self.text_bytes = text_bytes
        try:
            with pq.ParquetFile(path) as footer:  # its schema, read once: the file is opened again to read it so
                self.schema = footer.schema_arrow
                leaves, metadata = footer.schema, footer.metadata
            # Text read as the dictionary the file holds, not decoded, until its size is known (batches):
            # a text column, and the text inside a list, struct or map column (by the path of its leaf).
            self._encoded = [f.name for f in self.schema if _bytes_like(pa, f.type)]
            nested = [leaves.column(i).path for i in range(len(leaves)) if "." in leaves.column(i).path
                      and leaves.column(i).physical_type in ("BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY")]
            self.file = pq.ParquetFile(path, read_dictionary=self._encoded + nested, metadata=metadata)
            groups = [self.file.metadata.row_group(g) for g in range(self.file.metadata.num_row_groups)]
        except self._errors as exc:
            raise InputError(f"cannot read the input as Parquet: {_one_line(exc)}") from None
        wide = max((g.total_byte_size / g.num_rows for g in groups if g.num_rows), default=0)
        self.batch_rows = max(1, min(batch_rows, int(batch_bytes // max(wide, 1))))
        self.current = None
        self.broken: Dict[int, str] = {}  # the current batch's rows (by index) with a text that is not UTF-8
        self.read_only: Optional[set] = None
        self.decided: set = set()

    def decides(self, indexes) -> None:
        """The columns at ``indexes`` are read for the decision (:func:`texts`)."""
        self.decided = set(indexes)

    def only(self, indexes) -> None:
        """Read as text only the columns at ``indexes`` (the others' fields are empty): for an output
        that passes the other columns through as they are (Parquet)."""
        self.read_only = set(indexes)

    def header(self) -> List[str]:
        return [str(name) for name in self.schema.names]

    def batches(self, width: int) -> Iterator[Tuple[List[List[str]], int]]:
        """As :meth:`CsvRows.batches <sc_policy.app.csvrows.CsvRows.batches>`: each batch's fields may hold anything."""
        for columns, count in self.column_batches():
            rows = [list(row) for row in zip(*(repeat("", count) if c is None else c for c in columns))]
            for r, message in self.broken.items():
                rows[r] = Broken(message, rows[r])
            yield rows, ANY

    def column_batches(self) -> Iterator[Tuple[List[Optional[List[str]]], int]]:
        """Each record batch's columns as text (:func:`texts`; None for a column not read, see :meth:`only`)
        and its number of rows; the record batch is :attr:`current`. Every row has the header's width."""
        done = 0
        try:
            for batch in self.file.iter_batches(batch_size=self.batch_rows):
                batch, done = self._decoded(batch, done), done + batch.num_rows
                self.current = batch
                only = self.read_only
                bad: dict = {}
                columns = [texts(batch.column(i), i in self.decided, bad.setdefault(i, set()))
                           if only is None or i in only else None for i in range(batch.num_columns)]
                self.broken = {}
                for i, marked in bad.items():  # the first column that is not UTF-8 names the row's error
                    for r in sorted(marked - set(self.broken)):
                        self.broken[r] = (f"row {done - batch.num_rows + r + 1:,}: column {self.schema.names[i]!r} "
                                          f"holds bytes that are not UTF-8 (shown as U+FFFD)")
                yield columns, batch.num_rows
        except self._errors as exc:
            raise InputError(f"cannot read the input as Parquet: {_one_line(exc)}") from None

    def _decoded(self, batch, done: int):
        """``batch`` with the text columns read as dictionaries decoded, as the file's schema types them;
        InputError when one would decode to more than :attr:`text_bytes` (``done``: the rows before it)."""
        pa, _, pc = arrow()
        columns = []
        for name, column in zip(batch.schema.names, batch.columns):
            size = _text_size(pa, pc, column)
            if size > self.text_bytes:
                raise InputError(f"column {name!r} holds {size:,} bytes of text in rows {done + 1:,} to "
                                 f"{done + batch.num_rows:,}, over the {self.text_bytes:,}-byte limit for one "
                                 f"batch of rows (its values repeat)")
            if column.type != self.schema.field(name).type:  # read as dictionaries: as the file types it
                column = column.cast(self.schema.field(name).type)
            columns.append(column)
        return pa.RecordBatch.from_arrays(columns, schema=self.schema)

    def close(self) -> None:
        self.file.close()


def _text_size(pa, pc, array) -> int:
    """The bytes of text (or bytes) an array read as dictionaries decodes to, inside lists, structs and
    maps too; 0 for an array that holds none read so."""
    if pa.types.is_dictionary(array.type):
        if not _bytes_like(pa, array.type.value_type):
            return 0
        return pc.sum(pc.take(pc.binary_length(array.dictionary), array.indices)).as_py() or 0
    if pa.types.is_map(array.type):
        return _text_size(pa, pc, array.keys) + _text_size(pa, pc, array.items)
    if pa.types.is_list(array.type) or pa.types.is_large_list(array.type) or pa.types.is_fixed_size_list(array.type):
        return _text_size(pa, pc, array.flatten())
    if pa.types.is_struct(array.type):
        return sum(_text_size(pa, pc, field) for field in array.flatten())
    return 0


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class ParquetFormat:
    """The added columns as typed values: ``eligible`` a boolean (null on error), ``areas`` a list of
    area ids, ``candidates`` a list of ``{noc, eligible, areas}``, the others text or null when empty
    (as the JSON Lines output writes them). :meth:`render` gives a row's added values and whether it
    is an error, as the text formats' ``render`` gives their text."""

    def __init__(self, columns: Columns):
        self.added = columns.added

    def render(self, d: dict) -> Tuple[tuple, bool]:
        return tuple(typed_fields(self.added, d)), bool(d["error"])

    def failing(self, version: str = "", version_hash: str = "") -> Callable[[str], Tuple[tuple, bool]]:
        return lambda message: self.render(failure(message, version, version_hash))

    def schema(self):
        """The Arrow types of the added columns, in order."""
        pa, _, _ = arrow()
        areas = pa.list_(pa.string())
        types = {"eligible": pa.bool_(), "areas": areas,
                 "candidates": pa.list_(pa.struct([("noc", pa.string()), ("eligible", pa.bool_()),
                                                   ("areas", areas)]))}
        return [pa.field(name, types.get(name, pa.string())) for name in self.added]


class ParquetWriter:
    """Writes decided rows to a Parquet sink (a path or a binary file), a record batch at a time.

    ``passthrough`` is the input's Arrow schema when the input is Parquet (its columns then pass
    through with their types), None for a CSV input (its columns are text)."""

    def __init__(self, sink, columns: Columns, fmt: ParquetFormat, code_columns: Sequence[int],
                 passthrough=None):
        pa, pq, pc = arrow()
        self.pa, self.pc = pa, pc
        codes = set(code_columns)
        fields, self.kept = [], []  # kept: the columns that pass through as read (a Parquet input's)
        for i, name in enumerate(columns.header):
            field = None if passthrough is None else passthrough.field(i)
            if field is None or (i in codes and _textual(pa, field.type)):
                fields.append(pa.field(name, pa.string()))
                self.kept.append(False)
            else:
                fields.append(field)
                self.kept.append(True)
        self.width = len(fields)
        self.added = fmt.schema()
        self.schema = pa.schema(fields + self.added)
        self.writer = pq.ParquetWriter(sink, self.schema)

    def write(self, columns: Sequence[Optional[Sequence[str]]], added: List[tuple], batch=None) -> None:
        """Write rows, given by their own columns (text, codes trimmed; a column that passes through may be
        None), and their added values; ``batch``, the record batch they were read from (a Parquet input),
        gives the columns that pass through as they are, and the nulls of its text columns of codes."""
        pa, pc = self.pa, self.pc
        arrays = []
        for i in range(self.width):
            if self.kept[i]:
                arrays.append(batch.column(i))
                continue
            text = pa.array(columns[i], pa.string())
            if batch is not None and batch.column(i).null_count:
                text = pc.if_else(batch.column(i).is_null(), pa.scalar(None, pa.string()), text)
            arrays.append(text)
        for k, field in enumerate(self.added):
            arrays.append(pa.array([values[k] for values in added], field.type))
        self.writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self.schema))

    def close(self) -> None:
        self.writer.close()


def _bytes_like(pa, type_) -> bool:
    """Text or bytes, which a dictionary can repeat at no cost in the file."""
    return any(test(type_) for test in (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary,
                                        pa.types.is_large_binary))


def _textual(pa, type_) -> bool:
    return (pa.types.is_string(type_) or pa.types.is_large_string(type_) or
            (pa.types.is_dictionary(type_) and (pa.types.is_string(type_.value_type)
                                                or pa.types.is_large_string(type_.value_type))))


def write_table(sink, columns: Sequence[Tuple[str, str]], rows) -> None:
    """Write ``rows`` (tuples) to a Parquet sink, a record batch at a time. ``columns`` gives each
    column's name and kind: ``text``, ``integer``, ``boolean`` or ``texts`` (a list of text; a row
    holds a tuple)."""
    pa, pq, _ = arrow()
    kinds = {"text": pa.string(), "integer": pa.int64(), "boolean": pa.bool_(), "texts": pa.list_(pa.string())}
    schema = pa.schema([pa.field(name, kinds[kind]) for name, kind in columns])
    batch: list = []

    def flush(writer) -> None:
        arrays = [pa.array([row[i] for row in batch], field.type) for i, field in enumerate(schema)]
        writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
        batch.clear()

    with pq.ParquetWriter(sink, schema) as writer:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                flush(writer)
        if batch:
            flush(writer)
