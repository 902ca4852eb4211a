"""Deciding a caseload CSV in DuckDB through the compiled SQL (the ``data`` extra), byte for byte as
:class:`sc_policy.app.caseload.CsvBatch` writes it.

The SQL of :mod:`sc_policy.app.sqlscript` decides every row in DuckDB's columnar engine, which
reads the CSV and writes the output itself; only the rows it marks as errors come back to Python
(each distinct combination of their raw codes once), through the batch's own
:class:`~sc_policy.app.casedecide.RowDecider`, for ``evaluate``'s message, which DuckDB joins back. DuckDB reads CSV by rules of its own, so
this path takes only an input on which they agree with :mod:`sc_policy.app.csvrows`: UTF-8 without
a byte-order mark, no ``"``, no CR, no NUL, no empty line, no line over the limit, every row of the
header's width. Any other input (checked first, in one pass over the bytes) is left to the Python
path: :func:`run` then returns None, before anything is written.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import shutil
import tempfile
from typing import Callable, List, Optional, TextIO

from sc_policy.app.casecolumns import resolve_columns
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
MEMORY_LIMIT = "256MB"
"""DuckDB's memory for a batch; it sorts the rows back into input order on disk beyond it."""


def plain_input(path: str) -> Optional[str]:
    """The header line of a file DuckDB reads as csvrows does (see the module), or None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    header, line, last = None, 0, b"\n"  # bytes of the current line so far; the byte before this block
    with open(path, "rb") as f:
        first = True
        while True:
            block = f.read(_BLOCK)
            if not block:
                break
            if first and block.startswith(codecs.BOM_UTF8):
                return None
            if b'"' in block or b"\r" in block or b"\x00" in block or b"\n\n" in block \
                    or (last == b"\n" and block[:1] == b"\n"):
                return None
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return None
            parts = block.split(b"\n")
            if first:
                if len(parts) == 1:
                    return None
                header = parts[0].decode("utf-8")
            lengths = [len(p) for p in parts]
            lengths[0] += line
            if max(lengths) + 1 > LINE_LIMIT:
                return None
            line, last, first = lengths[-1], block[-1:], False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return header


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fill(con, table: str, rows, path: str) -> None:
    """Insert ``rows`` into ``table`` through a CSV file (NULL unquoted, text quoted, booleans as words)."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.writelines(",".join("" if v is None else ("true" if v else "false") if isinstance(v, bool) else str(v)
                              if isinstance(v, int) else '"' + v.replace('"', '""') + '"' for v in row) + "\n"
                     for row in rows)
    con.execute(f"INSERT INTO {table} SELECT * FROM read_csv({_literal(path)}, header = false, auto_detect = false, "
                f"columns = {{{', '.join(f'{_literal(c)}: {_literal(t)}' for c, t in _kinds(con, table))}}}, "
                f"delim = ',', quote = '\"', escape = '\"', allow_quoted_nulls = false)")


def _kinds(con, table: str):
    return con.execute(f"SELECT column_name, data_type FROM information_schema.columns WHERE table_name = "
                       f"{_literal(table)} ORDER BY ordinal_position").fetchall()


def run(chooser: VersionChooser, path: str, open_sink: Callable[[], TextIO], *, noc_version: str = "2016",
        date_column: Optional[str] = None, words: Words = plain_words) -> Optional[Counts]:
    """Decide the CSV file ``path`` in DuckDB and write it to ``open_sink()``; None (nothing written)
    when the input is not one this path takes. Raises InputError as the Python path does."""
    import duckdb
    header_line = plain_input(path)
    if header_line is None:
        return None
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
    at_error = columns.added.index("error")
    roles = sorted(where.values())

    def message(values) -> str:
        """evaluate's message for an error row, from its raw role columns (NULL: an empty field)."""
        row = [""] * columns.width
        for i, value in zip(roles, values):
            row[i] = value or ""
        text, _ = decide(row)
        return next(csv.reader(io.StringIO(text[1:])))[at_error]

    con = duckdb.connect(":memory:")
    folder = tempfile.mkdtemp(prefix="sc-policy-")
    out_path, messages_path = os.path.join(folder, "decided.csv"), os.path.join(folder, "messages.csv")
    try:
        kinds = ", ".join(f"{_literal(n)}: 'VARCHAR'" for n in names + ["message"])
        try:
            con.execute(f"CREATE VIEW caseload AS SELECT *, row_number() OVER () AS sc_policy_row FROM read_csv({_literal(path)}, header = true, "
                        f"auto_detect = false, columns = {{{kinds.rsplit(', ', 1)[0]}}}, delim = ',', quote = '\"', "
                        f"escape = '\"', strict_mode = true, null_padding = false)")
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")  # beyond it DuckDB sorts on disk: memory stays flat
            con.execute(f"SET temp_directory = {_literal(folder)}")
            # read_csv without auto-detection tells the optimiser ~42 rows: it would then build every join's
            # hash table on the caseload (RIGHT joins), past the memory limit on large inputs (an error, so
            # the Python path again after DuckDB's work). The caseload is the probe side of each LEFT join.
            con.execute("SET disabled_optimizers = 'build_side_probe_side'")
            present = None  # the caseload's industries: see script_data
            if "industry" in where:
                present = {v.strip() for (v,) in con.execute(f"SELECT DISTINCT {names[where['industry']]} "
                                                            f"FROM caseload").fetchall() if v is not None}
            data = script_data(chooser.ws, shape, chooser=chooser, present=present)
            for statement in statements(data, "duckdb", values=False):
                con.execute(statement.sql(dialect="duckdb"))
            for table, rows in (("sc_policy_versions", data.versions), ("sc_policy_industries", data.industries),
                                ("sc_policy_decisions", data.decisions)):
                _fill(con, table, rows, os.path.join(folder, table + ".csv"))
            raw = [f"COALESCE({names[i]}, '')" for i in roles]
            keys = con.execute(f"SELECT {', '.join(raw)}, count(*) FROM decisions WHERE error IS NOT NULL "
                               f"GROUP BY ALL").fetchall()
            errors = sum(k[-1] for k in keys)
            with open(messages_path, "w", encoding="utf-8", newline="") as f:  # each error's words, from Python
                writer = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
                writer.writerow([names[i] for i in roles] + ["message"])
                writer.writerows(list(k[:-1]) + [message(k[:-1])] for k in keys)
            kinds = ", ".join(f"{_literal(names[i])}: 'VARCHAR'" for i in roles) + ", 'message': 'VARCHAR'"
            con.execute(f"CREATE TABLE sc_policy_messages AS SELECT * FROM read_csv({_literal(messages_path)}, "
                        f"header = true, auto_detect = false, columns = {{{kinds}}}, delim = ',', quote = '\"', "
                        f"escape = '\"', allow_quoted_nulls = false)")
            fields: List[str] = [f"NULLIF(x.{n}, '')" for n in names]
            for name in columns.added:
                fields.append(f"x.{name}" if name == "eligible" else
                              "m.message" if name == "error" else f"NULLIF(x.{name}, '')")
            on = " AND ".join(f"m.{names[i]} = {r.replace(names[i], 'x.' + names[i])}" for i, r in zip(roles, raw))
            con.execute(f"COPY (SELECT {', '.join(fields)} FROM decisions AS x LEFT JOIN sc_policy_messages AS m "
                        f"ON x.error IS NOT NULL AND {on} ORDER BY x.sc_policy_row) TO {_literal(out_path)} "
                        f"(FORMAT csv, HEADER false, DELIMITER ',', QUOTE '\"', ESCAPE '\"')")
        except duckdb.Error:
            return None  # DuckDB read the input otherwise (e.g. a row of another width): the Python path
        sink = open_sink()
        fmt.start(sink, columns)  # the header, as the Python path writes it
        rows = 0
        with open(out_path, "r", encoding="utf-8", newline="") as decided:
            while True:
                chunk = decided.read(_BLOCK)
                if not chunk:
                    break
                rows += chunk.count("\n")
                sink.write(chunk)
        sink.flush()
        return Counts(rows - errors, errors)
    finally:
        con.close()
        shutil.rmtree(folder, ignore_errors=True)
