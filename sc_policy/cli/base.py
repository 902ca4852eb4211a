"""The ``sc-policy`` group, the options every command shares, and the one place errors are turned into output.

The group's commands are listed in :data:`COMMANDS` (name -> ``module:function`` of this package), each
imported when it is first used: a new command is a module of its own and one line there.

Every error becomes a :class:`~sc_policy.cli.diagnostics.Failure` in :meth:`Group.reported`,
and click shows it as one line on stderr and exits with its status: a
:class:`ScPolicyError` is its diagnostic in the CLI's words; an :class:`OSError` (the
operating system refusing: a full disk, a permission, a name too long, on any path or
stream) becomes ``sc-policy: error: <path or stdout>: <reason>``; a usage error of
click's is one line too. All exit with status 2. A closed pipe on standard output is
no error: the reader has gone (``| head``), and the command stops without a word, exit
status :data:`READER_LEFT` (141). Standard output is flushed
before the command returns, inside this guard, so that a refusal that only shows when
the last bytes are written is reported too, and the interpreter's own flush at exit
never meets it again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import importlib
import io
import os
import posixpath
import sys
from pathlib import Path
from typing import Callable

import click

from sc_policy.diagnostics import ScPolicyError, echoed
from sc_policy.load.tree import resolve_root
from sc_policy.reference.codes import DAY_FORM
from sc_policy.resources import own_version
from sc_policy.cli.diagnostics import Failure, failure_of, remember_policies, usage_failure

__all__ = ["main", "READER_LEFT", "policies_option", "format_option", "version_options", "warn", "Date", "Group", "NamedStream",
           "tool_version", "tree_paths"]


COMMANDS = {
    "explain": "explain:explain",
    "versions": "versions:versions",
    "check": "check:check",
    "test": "test:test_command",
    "new-version": "new_version:new_version",
    "freeze": "freeze:freeze",
    "diff": "diff:diff",
    "evaluate": "evaluate:evaluate",
    "table": "table:table",
    "sql": "sql:sql",
    "occupations": "occupations:occupations",
    "serve": "serve:serve",
    "lsp": "lsp:lsp",
    "schema": "schema:schema",
}
"""Command name -> ``module:function`` in this package, imported when the command is used."""

INTERRUPTED = 130
"""The exit status of a command interrupted by Ctrl-C (SIGINT), as a shell reports one (128 + 2)."""
READER_LEFT = 128 + 13
"""The exit status when standard output's reader has gone (a closed pipe, ``| head``): no message, and
the status a shell gives a process that SIGPIPE ended (128 + 13), as ``cat`` or ``yes`` have in
``yes | head -1`` (Python ignores SIGPIPE and sees EPIPE instead; its documentation suggests exit
status 1, which sc-policy gives to errors found)."""

_PASSED_ON = (Failure,) + tuple(getattr(click.exceptions, name) for name in ("NoArgsIsHelpError",)
                               if hasattr(click.exceptions, name))
"""What is shown as it is: a Failure, and what click 8.2+ raises for a bare group (its message is the whole
help, which is no one-line error; click 8.1 prints the help and exits 0 instead)."""


class Group(click.Group):
    """The ``sc-policy`` group: commands loaded on first use (click's lazy-loading pattern), and
    every error turned into a :class:`Failure` that click shows as one line with its exit status."""

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx, name):
        if name in COMMANDS and name not in self.commands:
            module, attr = COMMANDS[name].split(":")
            self.add_command(getattr(importlib.import_module(f"{__package__}.{module}"), attr), name)
        return super().get_command(ctx, name)

    @staticmethod
    @contextlib.contextmanager
    def reported():
        """The one place errors become output: inside it, standard output is flushed when the block
        ends (normally or by a click exit), and any error is raised again as a :class:`Failure`."""
        try:
            try:
                yield
            except click.exceptions.Exit:
                _flush_stdout()  # --help, --version, an exit status: what they wrote is reported
                raise
            _flush_stdout()  # a full disk or a closed pipe is reported here, not at exit
        except _PASSED_ON:  # a Failure as it is; a bare `sc-policy`: click shows the help, exit 2
            raise
        except click.UsageError as exc:
            raise usage_failure(exc) from None
        except OSError as exc:  # e.g. `sc-policy table > /dev/full`
            if exc.filename == "stdout":
                _silence_stdout()
                if exc.errno == errno.EPIPE:  # `sc-policy table | head`: the reader left, no mistake of anyone's
                    raise click.exceptions.Exit(READER_LEFT) from None
            raise failure_of(exc) from None
        except ScPolicyError as exc:
            raise failure_of(exc) from None
        except KeyboardInterrupt:  # Ctrl-C: not click's "Aborted!" and exit 1, which says "rows with errors"
            raise Failure("interrupted", exit_code=INTERRUPTED) from None

    def make_context(self, *args, **kwargs):
        with self.reported():  # the group's own options: sc-policy --nope
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with self.reported():  # the command's name, its options and the command itself
            return super().invoke(ctx)

    def main(self, *args, **kwargs):
        """Run, with standard output in UTF-8 and naming itself in its errors."""
        _utf8(sys.stdout)
        stdout = sys.stdout
        text = _written_whole(stdout)
        sys.stdout = NamedStream(text, "stdout")
        try:
            return super().main(*args, **kwargs)
        finally:
            try:
                _flush_stdout()  # normally done already, inside reported()
            except OSError:  # after an error that was reported: drop the rest
                _silence_stdout()
            sys.stdout = stdout
            if text is not stdout:
                try:
                    text.detach()  # (it holds nothing: it writes through) standard output stays open
                except (OSError, ValueError):  # closed already (the language server's client said exit)
                    pass


def _utf8(stream) -> None:
    """Write UTF-8 whatever the locale says (``PYTHONIOENCODING=latin-1``, a Windows code page): the
    answers hold text no such encoding has (an en dash, an arrow), and the same inputs give the same bytes.

    A file or folder name that is not UTF-8 (``b"phase-\\xff"``) reaches the output as a lone surrogate
    (``"\\udcff"``), which no UTF-8 writer takes: written as the escape ``\\udcff``, as stderr writes it
    (Python's own choice for stdout was a UnicodeEncodeError traceback in a UTF-8 locale, and the raw byte,
    which no JSON reader takes, in the C locale)."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if encoding != "utf8" or getattr(stream, "errors", None) != "backslashreplace":
        try:
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # not a text file of Python's (a test's capture)
            pass


def _written_whole(stream):
    """Standard output's text layer over its bytes as a :class:`NamedStream`, when those bytes are the
    unbuffered file (``PYTHONUNBUFFERED=1`` or ``python -u``, as many container images set): the file's
    write may take part of the data and return the count (a full disk or a closed pipe part way), which
    Python's text layer ignores, dropping the rest without an error (``sc-policy diff --format json >
    out.json`` ended 0 with the file cut short). Written through :meth:`NamedStream.write`, every write is
    written whole or raises. Anything else (a buffered file, a test's capture) is returned as it is."""
    buffer = getattr(stream, "buffer", None)
    if type(stream) is not io.TextIOWrapper or buffer is None or isinstance(buffer, io.BufferedIOBase):
        return stream
    try:
        stream.flush()
        return io.TextIOWrapper(NamedStream(buffer, "stdout"), encoding=stream.encoding, errors=stream.errors,
                                newline=None, line_buffering=stream.line_buffering, write_through=True)
    except (OSError, ValueError):  # closed, or nothing can be written to it: as it is
        return stream


def _flush_stdout() -> None:
    """Flush standard output, unless a command closed it when it was done (the language server
    closes it on the client's exit; closing flushed it, and nothing can be written to it any more)."""
    if not sys.stdout.closed:
        sys.stdout.flush()


class NamedStream:
    """A stream whose OSError names it: Python's errors on write carry no file name.

    Everything else is the wrapped stream's; ``buffer`` (the bytes under a text stream)
    names itself the same way.
    """

    def __init__(self, stream, name: str):
        self._stream = stream
        self._name = name

    def _call(self, method: str, *args):
        try:
            return getattr(self._stream, method)(*args)
        except OSError as exc:
            if exc.filename is None:
                exc.filename = self._name
            raise

    def read(self, *args):
        return self._call("read", *args)

    def read1(self, *args):
        return self._call("read1", *args)

    def readinto(self, buffer):
        return self._call("readinto", buffer)

    def readline(self, *args):
        return self._call("readline", *args)

    def write(self, data):
        """Write all of ``data``: an unbuffered binary file (standard output under ``PYTHONUNBUFFERED=1``)
        that meets a closed pipe or a full disk part way through a large write returns the count written,
        and the rest would be dropped without an error; the rest is written again here, so that the error
        is raised (and ``| head`` is seen to have cut the output short)."""
        written = self._call("write", data)
        if isinstance(data, (bytes, bytearray, memoryview)) and isinstance(written, int):
            rest = memoryview(data).cast("B")[written:]
            while rest:
                more = self._call("write", rest)
                if not more:  # a non-blocking stream that takes nothing now: say how much it took
                    break
                written += more
                rest = rest[more:]
        return written

    def writelines(self, lines):
        return self._call("writelines", lines)

    def flush(self):
        return self._call("flush")

    def close(self):
        return self._call("close")

    @property
    def buffer(self):
        return NamedStream(self._stream.buffer, self._name)

    def __getattr__(self, attr):
        return getattr(self._stream, attr)

    def __iter__(self):
        return iter(self._stream)


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that what is still buffered is dropped at exit, not
    written again to a full disk or a closed pipe (which would print a second, Python error)."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, sys.stdout.fileno())
        finally:
            os.close(null)
    except (OSError, ValueError, AttributeError):  # no file descriptor (a test's capture): nothing to silence
        pass


def warn(message: str) -> None:
    """One line on stderr for what the user should know but did not stop the command
    (e.g. a library notice: ``Workspace(notify=warn)``)."""
    try:
        click.echo(f"sc-policy: warning: {' '.join(message.split())}", err=True)
    except OSError:  # standard error refuses: nothing more to say
        pass


def _print_version(ctx, param, value) -> None:
    """``--version``: click's own option looks the version up by the distribution's name and raises where
    no installer recorded it (a checkout on PYTHONPATH, a zip archive); this one says so in the version."""
    if value and not ctx.resilient_parsing:
        click.echo(f"{ctx.find_root().info_name}, version {own_version()}")
        ctx.exit()


@click.group("sc-policy", cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and exit.")
def main():
    """Ontario's Second Career Fast Track training-eligibility policy, as code.

    Ask whether training for an occupation is in scope and why (explain), or which
    occupations are (occupations); check, test and diff the rule files, and make,
    list and freeze versions (new-version, versions, freeze); decide whole caseloads
    (evaluate, table) or in a database (sql); serve decisions over HTTP (serve);
    give an editor the rule files' JSON Schemas and a language server (schema, lsp).
    Each command that reads a policy tree (all but schema, and lsp, which reads the
    tree of each file the editor opens) reads the one shipped with sc-policy unless
    --policies DIR or $SC_POLICY_PATH names another.
    """


def policies_option(f):
    return click.option("--policies", "policies", type=click.Path(file_okay=False, path_type=str), metavar="DIR",
                        envvar="SC_POLICY_PATH", show_envvar=True, callback=remember_policies,
                        help="Policy tree to read (default: the one shipped with sc-policy).")(f)


def format_option(*choices: str, default: str = "text"):
    def deco(f):
        return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
                            help="Output format.")(f)
    return deco


class Date(click.DateTime):
    """click's :class:`~click.DateTime` for a day, ``YYYY-MM-DD``, given to the command as a :class:`datetime.date`."""

    name = "date"

    def __init__(self):
        super().__init__(["%Y-%m-%d"])

    def get_metavar(self, param, ctx=None) -> str:
        return "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            if not DAY_FORM.fullmatch(str(value)):  # strptime would take 2021-4-1; the service does not
                raise click.BadParameter(str(value))
            return super().convert(value, param, ctx).date()
        except click.BadParameter:
            self.fail(f"{echoed(value)} is not a date in the form YYYY-MM-DD", param, ctx)


def version_options(f):
    f = click.option("--on", "on", type=Date(), help="Use the version in force on this date.")(f)
    f = click.option("--version", "version", metavar="ID", help="Policy version id (default: in force today).")(f)
    return f


def tool_version() -> str:
    """The installed sc-policy's version (what a report names as the tool that made it)."""
    return own_version()


def tree_paths(policies) -> Callable[[str], str]:
    """How a finding's path (relative to the policy tree) is named from the directory the command runs
    in: joined to the tree as given (--policies, $SC_POLICY_PATH, or the shipped tree's folder), so
    that a CI service finds it from the repository's root, also a file the finding says is missing (a
    version folder's manifest); a path outside the tree, named from here (--source), is kept as it is."""
    root = resolve_root(policies)

    def located(path: str) -> str:
        if not path or Path(path).is_absolute() or (not (root / path).exists() and Path(path).exists()):
            return path
        return posixpath.normpath(posixpath.join(root.as_posix(), path))
    return located
