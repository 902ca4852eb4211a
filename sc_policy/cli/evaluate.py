"""``sc-policy evaluate``: decide a caseload CSV, one output row per input row (see :mod:`sc_policy.app.caseload`)."""

from __future__ import annotations

import os
import secrets
import stat
import sys
from typing import Optional, TextIO

import click

from sc_policy.diagnostics import InputError, ScPolicyError, os_error
from sc_policy.diagnostics import Span
from sc_policy.cli.base import NamedStream, policies_option, version_options
from sc_policy.cli.diagnostics import words
from sc_policy.cli.table import binary_stdout, no_cache_option, workspace

PROGRESS_BYTES = 8 << 20
"""Inputs larger than this (about 150,000 rows) show a progress bar, when stderr is a terminal."""


def _open_input(path: str):
    if path == "-":
        return NamedStream(sys.stdin.buffer, "stdin"), False
    try:
        return NamedStream(open(path, "rb"), path), True
    except OSError as exc:
        raise os_error(exc, "read the input", path) from None


class _Output:
    """A named output: a regular file (or a new one) is written to a hidden temporary file beside
    it (``.NAME.XXXXXXXX.tmp``) and renamed into place only when the batch has finished, so that a
    run that fails or is killed leaves an earlier file as it was and no partial file under its name;
    anything else (a device, a FIFO) is written in place."""

    def __init__(self, path: str):
        self.path = path
        self.temporary: Optional[str] = None
        self.target = path

    def open(self) -> TextIO:
        self.target = os.path.realpath(self.path)  # a symlink's file is replaced, not the symlink
        try:
            try:
                st = os.stat(self.target)
            except FileNotFoundError:
                st = None
            if st is not None and not stat.S_ISREG(st.st_mode):
                return open(self.path, "w", encoding="utf-8", newline="")
            folder, name = os.path.split(self.target)
            while True:
                temporary = os.path.join(folder, f".{name[:200]}.{secrets.token_hex(4)}.tmp")
                try:
                    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                except FileExistsError:
                    continue
                break
        except OSError as exc:
            raise InputError(f"{self.path}: cannot write the output: {exc.strerror or exc}") from None
        self.temporary = temporary
        if st is not None and os.chmod in os.supports_fd:
            try:
                os.chmod(fd, stat.S_IMODE(st.st_mode))  # the file it replaces keeps its permissions
            except OSError:
                pass  # (a file system without permissions): the new file has the usual ones
        return open(fd, "w", encoding="utf-8", newline="")

    def commit(self) -> None:
        """Put the finished output in place (after its stream is closed)."""
        if self.temporary is not None:
            os.replace(self.temporary, self.target)
            self.temporary = None

    def discard(self) -> None:
        """Remove the unfinished output, if it went to a temporary file."""
        if self.temporary is not None:
            try:
                os.unlink(self.temporary)
            except FileNotFoundError:
                pass
            self.temporary = None


def _size(stream) -> int:
    """The input's size in bytes when it is a regular file (for the progress bar), else 0."""
    try:
        st = os.fstat(stream.fileno())
    except (OSError, AttributeError, ValueError):  # io.UnsupportedOperation is both
        return 0
    return st.st_size if stat.S_ISREG(st.st_mode) else 0


@click.command()
@click.argument("input_path", metavar="[INPUT|-]", default="-", required=False)
@click.option("--output", "-o", "output", metavar="FILE|-", default="-", show_default=True,
              help="Where to write the decisions.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True,
              help="Output format.")
@version_options
@click.option("--date-column", metavar="NAME",
              help="Decide each row under the version in force on the date (YYYY-MM-DD) in this column.")
@click.option("--noc-version", type=click.Choice(["2016", "2021"]), default="2016", show_default=True,
              help="Classification of the noc column where a row has no noc_version value.")
@no_cache_option
@policies_option
def evaluate(input_path, output, fmt, version, on, date_column, noc_version, no_cache, policies):
    """Decide every row of a caseload CSV (header with a noc column; industry, noc_version optional).

    Every column passes through; added: eligible, areas (;-separated), version, error (and
    verdict, candidates for NOC 2021 codes). Exit 0 when every row was decided, 1 when some rows
    have errors, 2 when the input cannot be read.
    """
    from sc_policy.app.caseload import CsvBatch, VersionChooser, text_sink  # imported by this command alone
    if sum(x is not None for x in (version, on, date_column)) > 1:
        raise ScPolicyError("give at most one of --version, --on and --date-column", code="bad-input")
    ws = workspace(policies, no_cache)
    chooser = VersionChooser(ws, version, on, by_date=date_column is not None)
    if date_column is None:
        chooser.fixed()  # an invalid version stops here, before any output
    batch = CsvBatch(chooser, fmt=fmt, noc_version=noc_version, date_column=date_column, words=words)
    source, close_source = _open_input(input_path)
    state = {}
    named = None if output == "-" else _Output(output)

    def open_sink():
        if named is None:
            state["sink"] = text_sink(binary_stdout())
            state["detach"] = True
        else:
            if input_path != "-" and os.path.exists(output) and os.path.samefile(input_path, output):
                raise InputError("the output would overwrite the input", Span(output))
            state["sink"] = NamedStream(named.open(), output)
        return state["sink"]

    size = _size(source)
    finished = False
    try:
        try:
            if size >= PROGRESS_BYTES and sys.stderr.isatty():
                with click.progressbar(length=size, label="evaluating", file=sys.stderr) as bar:
                    counts = batch.run(source, open_sink, bar.update)
            else:
                counts = batch.run(source, open_sink)
        except InputError as exc:  # a header that cannot be read: name the input it is in
            raise exc.at(Span("stdin" if input_path == "-" else input_path))
        finished = True
    finally:
        try:
            sink = state.get("sink")
            if sink is not None:
                try:
                    sink.flush()
                finally:
                    sink.detach() if state.get("detach") else sink.close()
            if named is not None and finished:
                named.commit()
        finally:
            if named is not None:
                named.discard()  # unfinished, or closing or renaming failed: no partial output
            if close_source:
                source.close()
    if counts.errors:
        click.echo(f"sc-policy: {counts.decided} decided, {counts.errors} errors", err=True)
        click.get_current_context().exit(1)
