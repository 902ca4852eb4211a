"""``sc-policy diff``: what changed between two versions, and exactly which decisions change."""

from __future__ import annotations

import click

from sc_policy.app.workspace import Workspace
from sc_policy.analysis.diff import diff_versions
from sc_policy.present.diff import diff_json, diff_markdown, diff_text
from sc_policy.reference.codes import day_named
from sc_policy.cli.base import format_option, policies_option, warn


def _open(ws: Workspace, name: str):
    """The version named by id or, for a date (YYYY-MM-DD) that is no version's id, the version in
    force that day: chosen, like every command's, by the workspace."""
    day = day_named(name, {ref.id for ref in ws.tree.refs()})
    return ws.open(None, day) if day is not None else ws.open(name)


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
    if fmt == "json":
        click.echo(diff_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(diff_markdown(result, not_computed="`--no-impact`"), nl=False)
    else:
        click.echo(diff_text(result, not_computed="--no-impact"), nl=False)
