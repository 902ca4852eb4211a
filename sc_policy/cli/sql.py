"""``sc-policy sql``: a version compiled to one SQL script that decides a ``caseload`` table in a warehouse."""

from __future__ import annotations

import csv
import dataclasses

import click

from sc_policy.app.casecolumns import resolve_columns
from sc_policy.diagnostics import InputError, ScPolicyError, echoed, missing_extra
from sc_policy.cli.base import policies_option, version_options, warn
from sc_policy.cli import table as table_command
from sc_policy.cli.outputs import binary_stdout
from sc_policy.cli.table import no_cache_option

DIALECTS = ("duckdb", "sqlite", "postgres", "spark")


def _header(columns: str) -> tuple:
    """The names of ``--columns``, a CSV header line as ``head -n 1`` gives it (a byte-order mark and
    a line end left out, as evaluate reads a header); a one-line error when it is not one. A name keeps
    its surrounding spaces: it is the caseload's column as the header names it (SQLite's ``.import``
    keeps them: ``id, noc`` makes a column `` noc``), matched to its role as evaluate matches it."""
    text = columns.lstrip("\ufeff")
    try:
        return tuple(next(csv.reader([text], strict=True), ()))
    except csv.Error as exc:
        if "new-line" in str(exc):  # an unquoted CR or LF: more than the header line
            raise ScPolicyError("--columns holds a line break: give the header line alone (head -n 1)",
                                code="bad-input") from None
        raise ScPolicyError(f"--columns is not a CSV header line: {exc}", code="bad-input") from None


@click.command()
@version_options
@click.option("--dialect", type=click.Choice(DIALECTS), default="duckdb", show_default=True,
              help="The SQL dialect to write.")
@click.option("--date-column", metavar="NAME",
              help="Decide each row under the version in force on the date (YYYY-MM-DD, or that day at midnight "
                   "without a time zone: 2026-03-01 00:00:00) in this column.")
@click.option("--noc-version", type=click.Choice(["2016", "2021"]), default="2016", show_default=True,
              help="Classification of the noc column where a row has no noc_version value.")
@click.option("--noc-version-column", is_flag=True,
              help="The caseload has a noc_version column (2016 or 2021 per row); adds verdict and candidates.")
@click.option("--no-industry", is_flag=True, help="The caseload has no industry column (no row has an industry).")
@click.option("--columns", metavar="NAMES",
              help="The caseload's columns in order, comma-separated (e.g. its CSV header line): the view lists "
                   "them with the code columns trimmed as evaluate writes them (DuckDB needs no list).")
@no_cache_option
@policies_option
def sql(version, on, dialect, date_column, noc_version, noc_version_column, no_industry, columns, no_cache,
        policies):
    """Print a SQL script that creates a view `decisions` over your table or view `caseload`.

    The caseload has a noc column, an industry column (unless --no-industry), and optionally
    a noc_version column and a date column (when named here). The view passes every column
    through and adds evaluate's columns, an error on every row evaluate refuses. The code columns
    come out trimmed as evaluate writes them: in DuckDB always, elsewhere when --columns lists
    the caseload's columns.
    """
    if sum(x is not None for x in (version, on, date_column)) > 1:
        raise ScPolicyError("give at most one of --version, --on and --date-column", code="bad-input")
    if date_column is not None and not date_column.strip():
        raise ScPolicyError("--date-column names no column", code="bad-input")
    try:
        from sc_policy.app.sqlscript import TRIMMED, script
    except ImportError as exc:
        if getattr(exc, "name", None) != "sqlglot":
            raise
        raise missing_extra("writing SQL needs sqlglot, which is not installed", "data") from None
    from sc_policy.app.sqldata import CaseloadShape, script_data
    # a CSV header line, as head -n 1 gives it (a byte-order mark left out, as evaluate reads it)
    names = () if columns is None else _header(columns)
    # bytes an argument holds that are not UTF-8 (surrogate escapes): no column's name, and no UTF-8 script's
    for option, name in [("--date-column", date_column or "")] + [("--columns", n) for n in names]:
        if any("\udc80" <= c <= "\udcff" for c in name):
            raise ScPolicyError(f"{option}: {echoed(name)} holds bytes that are not UTF-8: a column's name is "
                                "text (give the name in UTF-8)", code="bad-input")
    if columns is not None and not any(n.strip() for n in names):
        raise ScPolicyError("--columns names no column", code="bad-input")
    shape = CaseloadShape(industry=not no_industry, noc_version_column=noc_version_column,
                          noc_version=noc_version, date_column=date_column, columns=names)
    if date_column is not None and date_column.strip().lower() in {c.strip().lower() for c in shape.codes()}:
        raise ScPolicyError(f"--date-column names {echoed(date_column)}, a column of codes: every row would be "
                            "an error", code="bad-input")
    if names:
        wanted = {n.strip().lower() for n in names}
        missing = [c.strip().lower() for c in shape.codes() + ((date_column,) if date_column else ())
                   if c.strip().lower() not in wanted]
        if "noc" not in missing:  # (without it, evaluate would say the header has no 'noc' column)
            try:  # as evaluate refuses a header: a column named twice, or one the view adds (it would shadow it)
                where = resolve_columns(names, date_column=date_column,
                                        noc_version="2021" if noc_version_column else noc_version).where
            except InputError as exc:
                raise ScPolicyError(f"--columns: {exc.diagnostic.message}", code="bad-input",
                                    suggestion=exc.diagnostic.suggestion) from None
        if missing:
            raise ScPolicyError(f"--columns has no column {echoed(missing[0])}", code="bad-input")
        taken = [n for n in names if n.lower() in TRIMMED.values()]
        if taken:  # the view would read it in place of the trimmed code (SQLite and DuckDB fold case)
            raise ScPolicyError(f"--columns has a column {echoed(taken[0])}, a name the script gives a column of its "
                                "own: rename it", code="bad-input")
        # the view reads each code (and date) column by its name as listed, spaces and all
        read = {"noc": True, "industry": shape.industry, "noc_version": noc_version_column, "date": True}
        unread = [role for role in where if not read[role]]  # evaluate reads it: the view would decide otherwise
        if unread:
            raise ScPolicyError(f"--columns has a column {echoed(unread[0])}, which evaluate reads and the script "
                                "would not: " + ("leave out --no-industry" if unread[0] == "industry"
                                                 else "give --noc-version-column"), code="bad-input")
        shape = dataclasses.replace(shape, renamed=tuple((role, names[i]) for role, i in where.items() if read[role]))
    data = script_data(table_command.workspace(policies, no_cache), shape, version, on)
    text = script(data, dialect)
    if dialect == "spark" and not text.isascii():  # its texts are written in ASCII; a column's name cannot be
        named = next((n for n in (*names, date_column or "") if not n.isascii()), None)
        warn(f"{f'column {echoed(named)}' if named else 'a column name'} is not ASCII: spark-sql reads the script "
             "in the locale's encoding: run it under a UTF-8 locale (e.g. LC_ALL=C.UTF-8)")
    out = binary_stdout()
    out.write(text.encode("utf-8"))
    out.flush()
