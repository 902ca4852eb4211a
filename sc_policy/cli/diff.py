"""``sc-policy diff``: what changed between two versions, and exactly which decisions change."""

from __future__ import annotations

import click

from sc_policy.app.workspace import Workspace
from sc_policy.analysis.diff import diff_versions
from sc_policy.present.diff import diff_json, diff_markdown, diff_text
from sc_policy.diagnostics import ScPolicyError, UnknownVersionError
from sc_policy.cli.base import format_option, parse_date, policies_option, warn


def _open(ws: Workspace, name: str):
    """A version by id or, failing that, by a date (YYYY-MM-DD): the version in force that day."""
    try:
        return ws.open(name)
    except UnknownVersionError:
        try:
            day = parse_date(name, "version")
        except ScPolicyError:
            raise UnknownVersionError(
                f"unknown version {name!r}",
                hint="name a version id (see `sc-policy versions`) or a date YYYY-MM-DD") from None
        return ws.open(None, day)


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--impact/--no-impact", default=True, show_default=True,
              help="Compute every decision that differs, over the whole input space.")
@format_option("text", "json", "markdown")
@policies_option
def diff(old, new, impact, fmt, policies):
    """Compare versions OLD and NEW: structural changes and the exact decision impact.

    OLD and NEW are version ids, or dates (YYYY-MM-DD) naming the version in force that day.
    """
    ws = Workspace(policies, notify=warn)
    result = diff_versions(_open(ws, old).evaluator, _open(ws, new).evaluator, with_impact=impact)
    render = {"json": diff_json, "markdown": diff_markdown}.get(fmt, diff_text)
    click.echo(render(result), nl=False)
