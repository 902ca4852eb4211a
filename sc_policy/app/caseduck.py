"""Deciding a caseload CSV in DuckDB through the compiled SQL (the ``data`` extra), byte for byte as
:class:`sc_policy.app.caseload.CsvBatch` writes it.

The SQL of :mod:`sc_policy.app.sqlscript` decides every row in DuckDB's columnar engine, which
reads the CSV and writes the output itself, a slice of the input (:data:`SLICE_BYTES`) at a time,
each slice sorted back into input order in memory (so memory stays flat and nothing spills to
disk). Only the rows the SQL marks as errors come back to Python: for each, the SQL writes a
marker and the row's raw codes in place of the added fields, and the copy to the output replaces
them with what the batch's own :class:`~sc_policy.app.casedecide.RowDecider` adds (each distinct
combination of raw codes decided once), message and all. DuckDB reads CSV by rules of its own, so
this path takes only an input on which they agree with :mod:`sc_policy.app.csvrows`: UTF-8 without
a byte-order mark, no ``"``, no CR, no NUL (nor the bytes 1 and 2, the marker's), no empty line,
no line over the limit, every row of the header's width (DuckDB refuses a shorter row, but reads a
longer one whose extra fields are empty, ``2174,541514,``, as if they were not there: the commas
are counted). Any other input (checked first, in one pass over the bytes, or refused by DuckDB's
strict reading) is left to the Python path: :func:`run`
then returns None, before anything is written.
"""

from __future__ import annotations

import codecs
import functools
import os
import shutil
import tempfile
from typing import BinaryIO, Callable, Iterator, List, Optional, TextIO, Tuple

from sc_policy.app.casecolumns import resolve_columns, unread_industry
from sc_policy.app.casedecide import RowDecider, VersionChooser
from sc_policy.app.caseformats import CsvFormat
from sc_policy.app.caseload import Counts
from sc_policy.app.csvrows import LINE_LIMIT
from sc_policy.app.sqldata import CaseloadShape, script_data
from sc_policy.app.sqlscript import statements
from sc_policy.diagnostics import plain_words
from sc_policy.reference.codes import Words

__all__ = ["run", "plain_input"]

_BLOCK = 1 << 20
_MARK, _SEP = b"\x01", "\x02"
"""An error row's marker in the SQL's output, and the separator of its raw codes (never in an input this path takes)."""
MEMORY_LIMIT = "256MB"
"""DuckDB's memory for a batch; it would sort rows back into input order on disk beyond it."""
THREADS = 1
"""DuckDB's threads: a slice is small, and on 1,000,000 rows a second thread took as much CPU and
wall time (measured on 2 cores) and more memory."""
SLICE_BYTES = 2 << 20
"""DuckDB decides (and sorts back into input order) a slice of the input of about this size at a
time (about 100,000 rows of three short columns; larger slices cost memory, smaller ones CPU)."""


def _lines_fit(block: bytes, line: int) -> Optional[int]:
    """The length of the unfinished line at the end of ``block`` (``line``: its bytes before the
    block), or None when a line of it, with its line end, would be over the limit."""
    most = LINE_LIMIT - 1  # a line's bytes without its line end
    at, room = 0, most - line
    while len(block) - at > room:  # jump from line end to line end, at most ``most`` bytes apart
        end = block.rfind(b"\n", at, at + room + 1)
        if end < 0:
            return None
        at, room = end + 1, most
    last = block.rfind(b"\n")
    return line + len(block) if last < 0 else len(block) - last - 1


def plain_input(path: str) -> Optional[Tuple[str, bool, bool]]:
    """The header line of a file DuckDB reads as csvrows does (see the module), whether any ``-``
    follows it (a sector range such as ``31-33`` needs one) and whether any ``#`` does (see
    :func:`_quotes_hash`); or None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    header, line, last, dash = None, 0, b"\n", False  # bytes of the current line so far; the byte before this block
    hashed = False
    commas = ends = 0  # DuckDB drops a row's extra fields when they are empty ("2174,541514,"): count them
    with open(path, "rb") as f:
        first = True
        while True:
            block = f.read(_BLOCK)
            if not block:
                break
            if first and block.startswith(codecs.BOM_UTF8):
                return None
            if b'"' in block or b"\r" in block or b"\x00" in block or b"\x01" in block or b"\x02" in block \
                    or b"\n\n" in block \
                    or (last == b"\n" and block[:1] == b"\n"):
                return None
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return None
            if first:
                end = block.find(b"\n")
                if end < 0:
                    return None
                header = block[:end].decode("utf-8")
                dash = b"-" in block[end:]
            else:
                dash = dash or b"-" in block
            line = _lines_fit(block, line)
            if line is None:
                return None
            hashed = hashed or b"#" in block
            commas, ends = commas + block.count(b","), ends + block.count(b"\n")
            last, first = block[-1:], False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    # every line has the header's fields: DuckDB refuses a row with fewer, so the commas of all the lines
    # add up to the header's only when no row has more
    if commas != (ends + (last != b"\n")) * header.count(","):
        return None
    return header, dash, hashed


def _quotes_hash(con, folder: str) -> bool:
    """Whether this DuckDB's CSV writer quotes a field that holds ``#`` though told there is no comment
    character (1.4 and 1.5 do: ``"#"``; the Python path writes ``#``). Python 3.10 gets no DuckDB 2."""
    probe = os.path.join(folder, "probe.csv")
    con.execute(f"COPY (SELECT '#') TO {_literal(probe)} (FORMAT csv, HEADER false, DELIMITER ',', QUOTE '\"', "
                f"ESCAPE '\"', COMMENT '')")
    with open(probe, "rb") as f:
        return f.read().startswith(b'"')


def _slices(path: str, header: str, folder: str) -> Iterator[str]:
    """The input cut at line ends into files of about SLICE_BYTES each, each with the header line."""
    head = (header + "\n").encode("utf-8")
    with open(path, "rb") as f:
        f.readline()
        carry, n, more = b"", 0, True
        while more:
            piece = os.path.join(folder, f"slice-{n}.csv")
            with open(piece, "wb") as out:
                out.write(head)
                size = len(carry)
                out.write(carry)
                carry = b""
                while True:
                    block = f.read(min(_BLOCK, SLICE_BYTES))
                    if not block:
                        more = False
                        break
                    size += len(block)
                    cut = block.rfind(b"\n") + 1 if size >= SLICE_BYTES else 0
                    if cut:  # the slice ends with the block's last whole line
                        out.write(block[:cut])
                        carry = block[cut:]
                        break
                    out.write(block)
            if not more and n and os.path.getsize(piece) == len(head) and not carry:
                os.unlink(piece)  # the input ended exactly at the end of the previous slice
                return
            yield piece
            n += 1


def _copy_marked(path: str, out: BinaryIO, added: Callable[[str], str]) -> int:
    """Copy the SQL's output (UTF-8) to ``out``, each marked error row's added fields replaced by
    ``added`` of the raw codes after the marker; the number of error rows."""
    errors, carry = 0, b""
    with open(path, "rb") as decided:
        while True:
            block = decided.read(_BLOCK)
            if not block:
                break
            chunk = carry + block
            cut = chunk.rfind(b"\n") + 1  # whole lines only: a marked row is replaced whole
            chunk, carry = chunk[:cut], chunk[cut:]
            at = chunk.find(_MARK)
            if at < 0:
                out.write(chunk)
                continue
            parts, done = [], 0
            while at >= 0:
                end = chunk.index(b"\n", at)
                raw = chunk[at + 1:end].split(b",", 1)[0].decode("utf-8")
                parts += [chunk[done:at - 1], added(raw).encode("utf-8")]
                errors, done = errors + 1, end + 1
                at = chunk.find(_MARK, done)
            parts.append(chunk[done:])
            out.write(b"".join(parts))
    if carry:
        raise ValueError("the SQL's output does not end with a line end")
    return errors


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _statements(data) -> List[str]:
    """The compiled SQL's statements for DuckDB, the tables' rows left out (:func:`_fill` loads them)."""
    return [statement.sql(dialect="duckdb") for statement in statements(data, "duckdb", values=False)]


def _fill(con, table: str, rows, path: str) -> None:
    """Insert ``rows`` into ``table`` through a CSV file (NULL unquoted, text quoted, booleans as words),
    read as text and cast to the table's types by the INSERT."""
    if not rows:
        return
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.writelines(",".join("" if v is None else ("true" if v else "false") if isinstance(v, bool) else str(v)
                              if isinstance(v, int) else '"' + v.replace('"', '""') + '"' for v in row) + "\n"
                     for row in rows)
    kinds = ", ".join(f"'v{i}': 'VARCHAR'" for i in range(len(rows[0])))
    con.execute(f"INSERT INTO {table} SELECT * FROM read_csv({_literal(path)}, header = false, auto_detect = false, "
                f"columns = {{{kinds}}}, delim = ',', quote = '\"', escape = '\"', allow_quoted_nulls = false)")


def run(chooser: VersionChooser, path: str, open_sink: Callable[[], TextIO], *, noc_version: str = "2016",
        date_column: Optional[str] = None, words: Words = plain_words,
        notify: Optional[Callable[[str], None]] = None) -> Optional[Counts]:
    """Decide the CSV file ``path`` in DuckDB and write it to ``open_sink()``; None (nothing written)
    when the input is not one this path takes. Raises InputError, and tells ``notify``, as the Python path does."""
    import duckdb
    path = os.path.abspath(path)
    plain = plain_input(path)
    if plain is None:
        return None
    header_line, dash, hashed = plain
    header = header_line.split(",")
    columns = resolve_columns(header, date_column=date_column, noc_version=noc_version)
    where = columns.where
    names = [f"c{i}" for i in range(columns.width)]
    shape = CaseloadShape(industry="industry" in where, noc_version_column="noc_version" in where,
                          noc_version=noc_version, date_column=None if date_column is None else names[where["date"]],
                          renamed=tuple((role, names[i]) for role, i in where.items()),
                          columns=tuple(names) + ("sc_policy_row",))  # listed: the view trims the code columns
    fmt = CsvFormat(columns)
    decide = RowDecider(chooser, columns, fmt, noc_version=noc_version, date_column=date_column,
                        words=words).function()
    roles = sorted(where.values())

    def added(marked: str) -> str:
        """evaluate's added fields (from the leading comma, with the line end) of an error row, from
        the raw role columns the SQL wrote after its marker."""
        row = [""] * columns.width
        for i, value in zip(roles, marked.split(_SEP)):
            row[i] = value
        return decide(row)[0]

    con = duckdb.connect(":memory:")
    folder = tempfile.mkdtemp(prefix="sc-policy-")
    outputs: List[str] = []
    rows = 0
    try:
        kinds = ", ".join(f"{_literal(n)}: 'VARCHAR'" for n in names)

        def read(csv_path: str) -> str:
            return (f"read_csv({_literal(csv_path)}, header = true, auto_detect = false, columns = {{{kinds}}}, "
                    f"delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = false)")

        try:
            con.execute(f"SET threads = {THREADS}")
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")  # beyond it DuckDB sorts on disk
            con.execute(f"SET temp_directory = {_literal(folder)}")
            # read_csv without auto-detection tells the optimiser ~42 rows: it would then build every join's
            # hash table on the caseload (RIGHT joins), past the memory limit on large inputs (an error, so
            # the Python path again after DuckDB's work). The caseload is the probe side of each LEFT join.
            con.execute("SET disabled_optimizers = 'build_side_probe_side'")
            # DuckDB may then touch the input and the batch's folder alone, and load no extension
            con.execute(f"SET allowed_directories = [{_literal(os.path.join(folder, ''))}]")
            con.execute(f"SET allowed_paths = [{_literal(path)}]")
            for setting in ("enable_external_access", "autoinstall_known_extensions", "autoload_known_extensions"):
                con.execute(f"SET {setting} = false")
            con.execute("SET lock_configuration = true")
            if hashed and _quotes_hash(con, folder):
                return None  # it would write a field holding # otherwise: the Python path
            present = None  # the caseload's industries: see script_data
            if "industry" in where and not dash:
                present = ()  # no sector range: no row can name one
            elif "industry" in where:
                present = {v.strip() for (v,) in con.execute(f"SELECT DISTINCT {names[where['industry']]} "
                                                            f"FROM {read(path)}").fetchall() if v is not None}
            data = script_data(chooser.ws, shape, chooser=chooser, present=present)
            # an error row's added fields are evaluate's, from Python: the SQL writes in their place a
            # marker and the row's raw codes, which the copy below replaces (each distinct row once)
            marked = f"{_literal(_MARK.decode())} || " + f" || {_literal(_SEP)} || ".join(
                f"COALESCE(x.{names[i]}, '')" for i in roles)
            fields: List[str] = [f"NULLIF(x.{n}, '')" for n in names]
            for k, name in enumerate(columns.added):
                field = "CAST(x.eligible AS VARCHAR)" if name == "eligible" else f"NULLIF(x.{name}, '')"
                fields.append(f"CASE WHEN x.error IS NULL THEN {field} " + (f"ELSE {marked} END" if k == 0 else "END"))
            # a slice of the input at a time, each sorted back into input order in memory: memory stays
            # flat however long the input, and nothing spills to disk
            for n, piece in enumerate(_slices(path, header_line, folder)):
                con.execute(f"CREATE OR REPLACE VIEW caseload AS SELECT *, row_number() OVER () AS sc_policy_row "
                            f"FROM {read(piece)}")
                if n == 0:  # the view decisions reads caseload, which must exist first
                    for statement in _statements(data):
                        con.execute(statement)
                    for table, values in (("sc_policy_versions", data.versions),
                                        ("sc_policy_industries", data.industries),
                                        ("sc_policy_decisions", data.decisions)):
                        _fill(con, table, values, os.path.join(folder, table + ".csv"))
                outputs.append(os.path.join(folder, f"decided-{n}.csv"))
                rows += con.execute(f"COPY (SELECT {', '.join(fields)} FROM decisions AS x ORDER BY x.sc_policy_row) "
                            f"TO {_literal(outputs[-1])} (FORMAT csv, HEADER false, DELIMITER ',', QUOTE '\"', "
                            f"ESCAPE '\"', COMMENT '')").fetchone()[0]
                os.unlink(piece)
        except duckdb.Error:
            return None  # DuckDB read the input otherwise (e.g. a row of another width): the Python path
        con.close()
        unread = unread_industry(columns)
        if unread is not None and notify is not None:  # (here: the Python path, when DuckDB fails, says it too)
            notify(unread)
        sink = open_sink()
        fmt.start(sink, columns)  # the header, as the Python path writes it
        sink.flush()  # then the rows, as bytes, under the text layer
        errors = 0
        added = functools.lru_cache(maxsize=4096)(added)
        for output in outputs:
            errors += _copy_marked(output, sink.buffer, added)
            os.unlink(output)
        sink.buffer.flush()
        return Counts(rows - errors, errors)
    finally:
        con.close()
        shutil.rmtree(folder, ignore_errors=True)
