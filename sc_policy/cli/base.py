"""The ``sc-policy`` group, the options every command shares, and the one place errors are shown."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from typing import Optional

import click

from ..errors import ScPolicyError

__all__ = ["main", "policies_option", "format_option", "version_options", "fail", "warn", "parse_date", "Group"]


COMMANDS = {
    "explain": "explain:explain",
    "versions": "explain:versions",
    "check": "check:check",
    "test": "test:test_command",
    "new-version": "versions:new_version",
    "freeze": "versions:freeze",
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
            return super().invoke(ctx)
        except ScPolicyError as exc:
            fail(str(exc), exc.exit_code)
        except BrokenPipeError:  # e.g. `sc-policy table | head`
            sys.stderr.close()
            ctx.exit(0)


def fail(message: str, exit_code: int = 2):
    click.echo(f"sc-policy: error: {message}", err=True)
    sys.exit(exit_code)


def warn(message: str) -> None:
    """One line on stderr for what the user should know but did not stop the command
    (e.g. a library notice: ``Workspace(notify=warn)``)."""
    click.echo(f"sc-policy: warning: {' '.join(message.split())}", err=True)


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
