"""How the command line shows what went wrong: one line, once, in the CLI's own words.

Every error reaches the user as a :class:`Failure`, a :class:`click.ClickException`
that click shows (``sc-policy: error: ...`` on stderr) and exits with: a library
error (:class:`~sc_policy.diagnostics.ScPolicyError`, its suggestion worded by
:func:`words`), an error of the operating system, and click's own usage errors,
which are one line here rather than click's usage block.
"""

from __future__ import annotations

import re
import shlex
from typing import Callable, Dict, Optional, Tuple

import click

from sc_policy.cli import install
from sc_policy.diagnostics import Suggestion, counted, cut, one_line, os_error, shown_path, worded
from sc_policy.load.tree import ENV_VAR

__all__ = ["Failure", "words", "failure_of", "usage_failure", "policies_flag", "remember_policies", "named",
           "POLICIES"]


_NOC_VERSION = {"2016": "a NOC 2016 code has four digits; drop --noc-version 2021",
                "2021": "a five-digit NOC 2021 code: use --noc-version 2021"}

POLICIES = "sc_policy.policies"
"""The key, in click's context ``meta`` (shared by a command's context and its group's), of the policy
tree the command was given: ``(value, source)``, the source ``commandline``, ``environment`` or ``default``."""


def remember_policies(ctx: click.Context, param: click.Parameter, value):
    """The ``--policies`` option's callback: remembers how the tree was given, for :func:`words`."""
    source = ctx.get_parameter_source(param.name)
    ctx.meta[POLICIES] = (value or "", source.name.lower() if source is not None else "default")
    return named(ctx, param, value)


def named(ctx: click.Context, param: click.Parameter, value):
    """A callback refusing an empty path (``--policies "$TREE"`` with TREE never set), which would
    otherwise read as no value given: another tree checked, or no report written, without a word."""
    if value == "":
        raise click.BadParameter("an empty value names no file or folder", ctx, param)
    return value


def _given() -> Tuple[str, str]:
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(POLICIES, ("", "default")) if ctx is not None else ("", "default")


def policies_flag() -> str:
    """`` --policies DIR`` when the command was given the tree on its command line ("" otherwise): what a
    command it suggests needs to read the same tree."""
    value, source = _given()
    return f" --policies {shlex.quote(value)}" if value and source == "commandline" else ""


def _known_versions(s: Suggestion) -> str:
    ids = ", ".join(s.values)
    value, source = _given()
    if not s.tree:
        return f"known versions: {ids}"
    if value and source == "commandline":
        return f"known versions in the policy tree {shown_path(s.tree)} (--policies {shlex.quote(value)}): {ids}"
    if value and source == "environment":
        return f"known versions in the policy tree {shown_path(s.tree)} (${ENV_VAR}): {ids}"
    return f"shipped tree {shown_path(s.tree)}: {ids}; or --policies DIR"  # short with three versions


def _takes(option: str) -> bool:
    """Whether the command running takes the option named (by its parameter name)."""
    ctx = click.get_current_context(silent=True)
    command = ctx.command if ctx is not None else None
    if isinstance(command, click.Group) and ctx.invoked_subcommand:  # shown after the command's own context ended
        command = command.get_command(ctx, ctx.invoked_subcommand)
    return command is not None and any(p.name == option for p in command.params)


def _version_is_date(s: Suggestion) -> str:
    """``--on DAY`` where the command has that option; else the known versions."""
    if _takes("on"):
        return f"for the version in force on that day, give --on {s.values[0]}"
    return _known_versions(Suggestion("known-versions", s.values[1:], tree=s.tree))


def _choose_version(s: Suggestion) -> str:
    """``--version`` where the command has that option; else (``diff``) the id given in place of the date."""
    named = "a version with --version" if _takes("version") else "the version by its id in place of the date"
    return f"run `sc-policy check{policies_flag()}`, or name {named}"


WORDS: Dict[str, Callable[[Suggestion], str]] = {
    "run-check": lambda s: f"and {counted(int(s.values[0]), 'more error', 'more errors')}; "
                           f"run `sc-policy check{policies_flag()}`",
    "choose-version": _choose_version,
    "list-versions": lambda s: f"`sc-policy versions{policies_flag()}` lists their dates",
    "known-versions": _known_versions,
    "version-is-date": _version_is_date,
    "noc-version": lambda s: _NOC_VERSION.get(s.values[0] if s.values else "", s.text),
    "install-extra": lambda s: install.install_command(s.values[0], install.origin()),
    "run-tests": lambda s: f"run `sc-policy test {s.values[0]}{policies_flag()}`",
    "new-version": lambda s: f"`sc-policy new-version {s.values[0]} NEW_ID{policies_flag()}`",
    "freeze": lambda s: f"`sc-policy freeze {s.values[0]}{policies_flag()}` records it",
    "give-source": lambda s: "give --source FILE",
}
"""The kinds of suggestion the command line words itself: those that name a command or an option
(a command it suggests carries the ``--policies`` this one was given). Every other kind is shown in
its plain words (:attr:`Suggestion.text`)."""


def words(suggestion: Optional[Suggestion]) -> str:
    """A suggestion in the command line's words ("" for none)."""
    return worded(suggestion, WORDS)


class Failure(click.ClickException):
    """What ends a command with an error: shown by click as one line, ``sc-policy: error: LINE``,
    then click exits with ``exit_code`` (2 unless said otherwise)."""

    exit_code = 2

    def __init__(self, line: str, exit_code: int = 2):
        super().__init__(line)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        try:
            click.echo(f"sc-policy: error: {self.format_message()}", file=file, err=file is None)
        except OSError:  # standard error refuses too: the exit status still says it
            pass


def failure_of(error: BaseException) -> Failure:
    """The failure that shows a library error or an error of the operating system."""
    if isinstance(error, OSError):
        error = os_error(error)
    return Failure(error.line(words), error.exit_code)


def usage_failure(error: click.UsageError) -> Failure:
    """Click's usage error as one line: ``OPTION: what is wrong`` for a bad value, else click's
    message and where the help is."""
    message = error.format_message().strip().rstrip(".")
    param = getattr(error, "param", None)
    if isinstance(error, click.BadParameter) and not isinstance(error, click.MissingParameter) and param:
        name = "/".join(param.opts) if isinstance(param, click.Option) else param.human_readable_name
        message = error.message.strip().rstrip(".")
        message = f"{name}: {message[:1].lower() + message[1:] if message[1:2].islower() else message}"
    elif error.ctx is not None:
        message += f" (see '{error.ctx.command_path} --help')"
    return Failure(one_line(_LONG_QUOTED.sub(lambda m: f"'{cut(m.group(1))}'", message)), error.exit_code)


_LONG_QUOTED = re.compile("'([^'\n]*)'")
"""A value click quotes in its message (an option's value, an unknown option or command): one longer than
ECHO_CHARS is shown cut, as the library's own messages echo a user's value. Quotes pair from the left, so
the text between two quoted values is never taken for one."""
