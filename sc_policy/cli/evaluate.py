"""``sc-policy evaluate``: decide a caseload CSV, one output row per input row (see :mod:`sc_policy.app.caseload`)."""

from __future__ import annotations

import contextlib
import os
import stat
import sys

import click

from sc_policy.diagnostics import InputError, ScPolicyError, counted, echoed, os_error
from sc_policy.diagnostics import Span, missing_extra
from sc_policy.cli.base import NamedStream, policies_option, version_options, warn
from sc_policy.cli.diagnostics import named, words
from sc_policy.cli.outputs import FORMAT_HELP, binary_output, output_format, output_option, text_output
from sc_policy.cli.table import no_cache_option, refuse_binary_to_terminal, workspace

PROGRESS_BYTES = 8 << 20
"""Inputs larger than this (about 150,000 rows) show a progress bar, when stderr is a terminal."""


def _open_input(path: str):
    if path == "-":
        return NamedStream(sys.stdin.buffer, "stdin"), False
    try:
        return NamedStream(open(path, "rb"), path), True
    except OSError as exc:
        raise os_error(exc, "read the input", path) from None


def _size(stream) -> int:
    """The input's size in bytes when it is a regular file (for the progress bar), else 0."""
    try:
        st = os.fstat(stream.fileno())
    except (OSError, AttributeError, ValueError):  # io.UnsupportedOperation is both
        return 0
    return st.st_size if stat.S_ISREG(st.st_mode) else 0


ENGINES = ("python", "duckdb")
"""The values SC_POLICY_ENGINE may take (empty or unset is the default, python)."""


def _engine() -> str:
    """The engine ``SC_POLICY_ENGINE`` names; a value that names none, or duckdb where the data extra is
    not installed, is a one-line error (the batch would otherwise be decided on the default path unsaid)."""
    value = os.environ.get("SC_POLICY_ENGINE", "")
    if value not in ENGINES + ("",):
        raise ScPolicyError(f"SC_POLICY_ENGINE={echoed(value)} names no engine (expected {' or '.join(ENGINES)})",
                            code="bad-input")
    if value == "duckdb":  # asked for and not installed: said, not the default path unsaid
        try:
            import duckdb  # noqa: F401  (the DuckDB path imports it anyway)
        except ImportError:
            raise missing_extra("SC_POLICY_ENGINE=duckdb needs DuckDB, which is not installed", "data") from None
    return value or "python"


def _columnar(chooser, input_path: str, open_sink, fmt: str, noc_version: str, date_column, engine: str):
    """The batch decided in DuckDB (:mod:`sc_policy.app.caseduck`) when ``engine`` (SC_POLICY_ENGINE) asks
    for it, the data extra is installed, the output is CSV and the input a file it takes; else None
    (nothing written), for the Python path. Opt-in: benchmarks/bench_evaluate.py measures it about as
    fast as the Python path and about twice the CPU of a hand-written DuckDB join (the compiled view's
    trimming, error column and third join, the sort back into input order, Python's fixed cost)."""
    if fmt != "csv" or input_path == "-" or engine != "duckdb":
        return None
    try:
        import duckdb  # noqa: F401
        from sc_policy.app import caseduck
    except ImportError:
        return None
    return caseduck.run(chooser, input_path, open_sink, noc_version=noc_version, date_column=date_column,
                        words=words, notify=warn)


@click.command()
@click.argument("input_path", metavar="[INPUT|-]", default="-", required=False, callback=named)
@output_option("the decisions")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), help=f"Output format.  {FORMAT_HELP}")
@version_options
@click.option("--date-column", metavar="NAME",
              help="Decide each row under the version in force on the date (YYYY-MM-DD, or that day at midnight "
                   "without a time zone: 2026-03-01 00:00:00) in this column.")
@click.option("--noc-version", type=click.Choice(["2016", "2021"]), default="2016", show_default=True,
              help="Classification of the noc column where a row has no noc_version value.")
@no_cache_option
@policies_option
def evaluate(input_path, output, fmt, version, on, date_column, noc_version, no_cache, policies):
    """Decide every row of a caseload CSV (header with a noc column; industry, noc_version optional).

    Every column passes through (noc, industry, noc_version trimmed); added: eligible, areas
    (;-separated), version, error (and verdict, candidates for NOC 2021 codes). An input or output
    named *.parquet is Parquet (needs the data extra); an output named *.jsonl
    or *.ndjson is JSON Lines. Exit 0 when every row was
    decided, 1 when some rows have errors, 2 when the input cannot be read.
    """
    from sc_policy.app.casedecide import VersionChooser  # imported by this command alone
    from sc_policy.app.caseload import CsvBatch
    from sc_policy.app.caseparquet import ParquetRows, arrow, is_parquet
    if sum(x is not None for x in (version, on, date_column)) > 1:
        raise ScPolicyError("give at most one of --version, --on and --date-column", code="bad-input")
    engine = _engine()  # a misspelt engine stops here, before any output
    fmt = output_format(output, fmt, "evaluate")
    if output == "-":
        refuse_binary_to_terminal(fmt, "give --output FILE.parquet, or redirect standard output to a file")
    parquet_in = input_path != "-" and is_parquet(input_path)
    if parquet_in or fmt == "parquet":
        arrow()  # pyarrow is there, or a one-line error naming the extra
    ws = workspace(policies, no_cache)
    chooser = VersionChooser(ws, version, on, by_date=date_column is not None)
    if date_column is None:
        chooser.fixed()  # an invalid version stops here, before any output
    batch = CsvBatch(chooser, fmt=fmt, noc_version=noc_version, date_column=date_column, words=words, notify=warn)
    source, close_source = (None, False) if parquet_in else _open_input(input_path)
    with contextlib.ExitStack() as resources:  # on leaving: the output finished (or dropped), the input closed
        if close_source:
            resources.callback(source.close)

        def open_sink():
            if input_path != "-" and output != "-" and os.path.exists(output) and \
                    os.path.samefile(input_path, output):
                raise InputError("the output would overwrite the input", Span(output))
            if fmt == "parquet":  # binary, written by pyarrow a record batch at a time
                return binary_output(output, resources)
            return text_output(output, resources)

        size = 0 if parquet_in else _size(source)
        try:
            counts = None
            if parquet_in:
                rows = ParquetRows(input_path)
                resources.callback(rows.close)
                counts = batch.run_rows(rows, open_sink)
            elif size:
                counts = _columnar(chooser, input_path, open_sink, fmt, noc_version, date_column, engine)
            if counts is not None:
                pass
            elif size >= PROGRESS_BYTES and sys.stderr.isatty():
                with click.progressbar(length=size, label="evaluating", file=sys.stderr) as bar:
                    counts = batch.run(source, open_sink, bar.update)
            else:
                counts = batch.run(source, open_sink)
        except InputError as exc:  # a header that cannot be read: name the input it is in
            raise exc.at(Span("stdin" if input_path == "-" else input_path))
    if counts.errors:
        click.echo(f"sc-policy: {counts.decided} decided, {counted(counts.errors, 'error')}", err=True)
        click.get_current_context().exit(1)
