"""A command's ``--output FILE``: which format its name asks for, and how it is written (``evaluate``, ``table``).

A name ending in ``.parquet`` is Parquet, ``.jsonl`` or ``.ndjson`` JSON Lines, any other CSV, unless
``--format`` says; a name that says a format no command writes (a workbook's, ``.json``) is refused
without ``--format``. A regular file is written beside its name and put in place when the command
has finished (:func:`output_file`); a device or a FIFO is written in place.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from typing import BinaryIO, Optional, TextIO

import click

from sc_policy.app.writing import atomic_file
from sc_policy.diagnostics import InputError, ScPolicyError, Span
from sc_policy.cli.base import NamedStream
from sc_policy.cli.diagnostics import named

__all__ = ["output_option", "output_format", "binary_output", "text_output", "output_file", "binary_stdout",
           "FORMAT_HELP"]

FORMAT_HELP = "[default: parquet for an output named *.parquet, jsonl for *.jsonl or *.ndjson, else csv]"
"""What ``--format`` defaults to, as a command's help says it."""


def output_option(what: str):
    """The ``--output``/``-o`` option of a command that writes ``what`` (``the decisions``)."""
    return click.option("--output", "-o", "output", metavar="FILE|-", default="-", show_default=True, callback=named,
                        help=f"Where to write {what}.")


def is_json_lines(name: str) -> bool:
    """Whether an output's name says JSON Lines (it ends in ``.jsonl`` or ``.ndjson``, in any case)."""
    return name.lower().endswith((".jsonl", ".ndjson"))


_NOT_WRITTEN = {".xlsx": "an Excel workbook", ".xlsm": "an Excel workbook", ".xls": "an Excel workbook",
                ".ods": "an OpenDocument spreadsheet", ".json": "a JSON document"}
"""Output names that say a format no command writes: CSV written under one would be refused by the
program that opens it (Excel: "the file format or extension is not valid")."""


def _refuse_misnamed(output: str, command: str) -> None:
    """Refuse an output whose name says a format ``command`` does not write (:data:`_NOT_WRITTEN`)."""
    ending = os.path.splitext(output)[1].lower() if output != "-" else ""
    if ending in _NOT_WRITTEN:
        instead = "*.jsonl for JSON Lines" if ending == ".json" else "*.csv, which spreadsheets open"
        raise ScPolicyError(f"--output {output} names {_NOT_WRITTEN[ending]}, which {command} does not write: name "
                            f"it {instead}, or *.parquet (or give --format to write under this name)",
                            code="bad-input")


def output_format(output: str, fmt: Optional[str], command: str) -> str:
    """The format ``command`` writes ``output`` in: ``fmt`` when given (under any name); else the one its
    name asks for (see the module), a name saying a format ``command`` does not write refused."""
    if fmt is not None:
        return fmt
    from sc_policy.app.caseparquet import is_parquet  # (not pyarrow: a name's ending)
    _refuse_misnamed(output, command)
    return "parquet" if is_parquet(output) else "jsonl" if is_json_lines(output) else "csv"


def binary_stdout() -> BinaryIO:
    """Standard output as bytes (text already written to it flushed first)."""
    sys.stdout.flush()
    return sys.stdout.buffer


def binary_output(output: str, resources: contextlib.ExitStack) -> BinaryIO:
    """Where a binary output (Parquet) is written: standard output for ``-``, else :func:`output_file`."""
    return binary_stdout() if output == "-" else output_file(output, resources)


def text_output(output: str, resources: contextlib.ExitStack) -> TextIO:
    """A UTF-8 text stream over :func:`binary_output` (named in its errors when it is a file), finished when
    ``resources`` closes (:func:`finisher`)."""
    from sc_policy.app.caseload import text_sink  # (the commands that write an output load it on use)
    standard = output == "-"
    sink = text_sink(binary_output(output, resources))
    sink = sink if standard else NamedStream(sink, output)
    resources.push(finisher(sink, standard))
    return sink


def output_file(path: str, resources: contextlib.ExitStack) -> BinaryIO:
    """The file to write a named output to, entered into ``resources``: a regular file (or a new
    one) is written through :func:`sc_policy.app.writing.atomic_file`, put in place only when
    ``resources`` closes without an error (a run that fails or is killed leaves an earlier file
    as it was, and no partial file under its name; a symlink's file is replaced, not the
    symlink); anything else (a device, a FIFO) is written in place."""
    target = os.path.realpath(path)
    try:
        try:
            regular = stat.S_ISREG(os.stat(target).st_mode)
        except FileNotFoundError:
            regular = True
        if not regular:
            device = NamedStream(open(path, "wb"), path)
            resources.callback(device.close)
            return device
        return resources.enter_context(atomic_file(target, sync=False))
    except OSError as exc:
        raise InputError(f"cannot write the output: {exc.strerror or exc}", Span(path)) from None


def finisher(sink, standard: bool):
    """The exit of the output's text stream: flushed, then let go of (standard output stays open,
    a named output is then put in place by its ``atomic_file``); after a failure a named output's
    stream is left unflushed, since its file is removed."""
    def finish(failed, *_):
        if failed is None or standard:
            try:
                sink.flush()
            finally:
                sink.detach()
        return False

    return finish
