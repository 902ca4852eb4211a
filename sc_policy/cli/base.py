"""The ``sc-policy`` group, the options every command shares, and the one place errors are shown.

Errors are shown here and nowhere else: a :class:`ScPolicyError` is its own one line;
an :class:`OSError` (the operating system refusing: a full disk, a closed pipe, a
permission, a name too long, on any path or stream) becomes
``sc-policy: error: <path or stdout>: <reason>``, exit status 2. Standard output is
flushed before the command returns, inside this guard, so that a refusal that only
shows when the last bytes are written is reported too, and the interpreter's own
flush at exit never meets it again.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
from typing import Optional

import click

from sc_policy.diagnostics import ScPolicyError
from sc_policy.diagnostics import visible

__all__ = ["main", "policies_option", "format_option", "version_options", "fail", "warn", "parse_date", "Group",
           "NamedStream", "os_error_message"]


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
    "serve": "serve:serve",
}
"""Command name -> ``module:function`` in this package, imported when the command is used."""


class Group(click.Group):
    """The ``sc-policy`` group: commands loaded on first use (click's lazy-loading pattern), and
    every ScPolicyError turned into one line on stderr with its exit status."""

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx, name):
        if name in COMMANDS and name not in self.commands:
            module, attr = COMMANDS[name].split(":")
            self.add_command(getattr(importlib.import_module(f"{__package__}.{module}"), attr), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx):
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a full disk or a closed pipe is reported here, not at exit
            return result
        except ScPolicyError as exc:
            fail(str(exc), exc.exit_code)
        except OSError as exc:  # e.g. `sc-policy table > /dev/full`, `sc-policy table | head`
            fail_os(exc)

    def main(self, *args, **kwargs):
        """Run, with standard output naming itself in its errors and flushed inside the guard."""
        stdout = sys.stdout
        sys.stdout = NamedStream(stdout, "stdout")
        try:
            try:
                return super().main(*args, **kwargs)
            finally:
                sys.stdout.flush()  # also after --help and click's own messages
        except OSError as exc:
            fail_os(exc)
        finally:
            sys.stdout = stdout


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
        return self._call("write", data)

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


def _shown(path) -> str:
    """A path for a one-line message: control characters, line feeds and tabs escaped; whole, unless
    it is too long to read (ENAMETOOLONG), then its two ends."""
    text = os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path)
    text = visible(text).replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= 200 else f"{text[:120]}…{text[-60:]} ({len(text)} characters)"


def os_error_message(exc: OSError) -> str:
    """``path: reason`` (or ``path -> other: reason``) for an error of the operating system."""
    reason = visible(" ".join((exc.strerror or str(exc)).split()))
    if exc.filename is None:
        return reason
    where = _shown(exc.filename) + (f" -> {_shown(exc.filename2)}" if exc.filename2 is not None else "")
    return f"{where}: {reason}"


def fail_os(exc: OSError):
    """Report an error of the operating system; if it was standard output's, silence the rest of it."""
    if exc.filename == "stdout":
        _silence_stdout()
    fail(os_error_message(exc), 2)


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


def fail(message: str, exit_code: int = 2):
    try:
        click.echo(f"sc-policy: error: {message}", err=True)
    except OSError:  # standard error refuses too: the exit status still says it
        pass
    sys.exit(exit_code)


def warn(message: str) -> None:
    """One line on stderr for what the user should know but did not stop the command
    (e.g. a library notice: ``Workspace(notify=warn)``)."""
    try:
        click.echo(f"sc-policy: warning: {' '.join(message.split())}", err=True)
    except OSError:  # standard error refuses: nothing more to say
        pass


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="sc-policy")
def main():
    """Ontario's Second Career Fast Track training-eligibility policy, as code.

    Ask whether training for an occupation is in scope and why (explain); check,
    test, version, freeze and diff the rule files; decide whole caseloads
    (evaluate, table); serve decisions over HTTP (serve). Every command reads the
    policy tree shipped with sc-policy unless --policies DIR or $SC_POLICY_PATH
    names another.
    """


def policies_option(f):
    return click.option("--policies", "policies", type=click.Path(file_okay=False, path_type=str),
                        envvar="SC_POLICY_PATH", show_envvar=True,
                        help="Policy tree to read (default: the one shipped with sc-policy).")(f)


def format_option(*choices: str, default: str = "text"):
    def deco(f):
        return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
                            help="Output format.")(f)
    return deco


def parse_date(value: Optional[str], what: str = "--on") -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ScPolicyError(f"{what}: {value!r} is not a date in the form YYYY-MM-DD", code="bad-input") from None


def version_options(f):
    f = click.option("--on", "on", metavar="YYYY-MM-DD", help="Use the version in force on this date.")(f)
    f = click.option("--version", "version", metavar="ID", help="Policy version id (default: in force today).")(f)
    return f
