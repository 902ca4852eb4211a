"""``sc-policy new-version`` and ``sc-policy freeze``: a version's life cycle on disk."""

from __future__ import annotations

import click

from ..tree import PolicyTree, resolve_root
from ..versions import freeze as freeze_version
from ..versions import new_version as make_new_version
from ..writing import os_error
from .base import parse_date, policies_option


def _notice(message: str) -> None:
    click.echo(f"sc-policy: {message}", err=True)


@click.command("new-version")
@click.argument("from_id", metavar="FROM")
@click.argument("new_id", metavar="NEW_ID")
@click.option("--effective-from", "effective_from", metavar="YYYY-MM-DD",
              help="First day the new version is in force (default: the day after FROM ends, else today, "
                   "recorded as an assumption).")
@click.option("--title", help="Title of the new version (default: FROM's title with NEW_ID).")
@policies_option
def new_version(from_id, new_id, effective_from, title, policies):
    """Copy version FROM as a new draft NEW_ID that supersedes it, ready to edit."""
    tree = PolicyTree(resolve_root(policies))
    start = parse_date(effective_from, "--effective-from")
    try:
        ref, manifest = make_new_version(tree, from_id, new_id, start, title, notice=_notice)
    except OSError as exc:
        raise os_error(exc, f"make version {new_id}", tree.root) from None
    assumed = " (an assumption; see its manifest)" if manifest.get("assumptions") else ""
    click.echo(f"Made draft version {ref.id} of policy {ref.policy} from {from_id} in {ref.folder}")
    click.echo(f"  effective from {manifest['effective_from'].isoformat()}{assumed}, supersedes {from_id}")
    click.echo(f"Next: edit its rule files and its test cases, then `sc-policy check`, `sc-policy test {ref.id}`, "
               f"`sc-policy diff {from_id} {ref.id}` and `sc-policy freeze {ref.id}`.")


@click.command()
@click.argument("version_id", metavar="ID")
@policies_option
def freeze(version_id, policies):
    """Record version ID's content hash and status (in-force); close the period of the one it supersedes."""
    tree = PolicyTree(resolve_root(policies))
    try:
        result = freeze_version(tree, version_id, notice=_notice)
    except OSError as exc:
        raise os_error(exc, f"freeze {version_id}", tree.root) from None
    if result.already_frozen:
        click.echo(f"Version {result.version} is already frozen ({result.status}), sha256 {result.sha256}")
        if result.table_recorded:
            click.echo(f"Recorded the hash of its decisions, which its freeze had not: table_sha256 "
                       f"{result.table_sha256} (its content hash is unchanged)")
    else:
        click.echo(f"Froze version {result.version}: status {result.status}, sha256 {result.sha256}, "
                   f"table_sha256 {result.table_sha256}")
    if result.closed:
        prev, end, status = result.closed
        click.echo(f"Closed version {prev}: effective_to {end.isoformat()}, status {status}")
