"""``sc-policy freeze``: record a version's hashes and put it in force."""

from __future__ import annotations

import click

from sc_policy.load.tree import PolicyTree, resolve_root
from sc_policy.app.authoring import freeze as freeze_version
from sc_policy.diagnostics import counted, os_error
from sc_policy.cli.base import policies_option, warn
from sc_policy.cli.new_version import _notice


@click.command()
@click.argument("version_id", metavar="ID")
@policies_option
def freeze(version_id, policies):
    """Record version ID's content hash and status (in-force); close the period of the one it supersedes.

    Beside the content hash (sha256) it records the hash of the version's decisions (table_sha256) and
    each rule file's hash (file_sha256). It refuses a version that `sc-policy check` finds errors in,
    whose own test cases fail, or that still has the title new-version gave it.
    """
    tree = PolicyTree(resolve_root(policies))
    try:
        result = freeze_version(tree, version_id, notice=_notice, name="sc-policy freeze")
    except OSError as exc:
        raise os_error(exc, f"freeze {version_id}", tree.root) from None
    if result.already_frozen:
        click.echo(f"Version {result.version} is already frozen ({result.status}), sha256 {result.sha256}")
        if result.table_recorded:
            click.echo(f"Recorded the hash of its decisions, which its freeze had not: table_sha256 "
                       f"{result.table_sha256} (its content hash is unchanged)")
        if result.files_recorded:
            click.echo(f"Recorded each rule file's hash, which its freeze had not: file_sha256 of "
                       f"{counted(result.files_recorded, 'file')} (its content hash is unchanged)")
    else:
        click.echo(f"Froze version {result.version}: status {result.status}, sha256 {result.sha256}, "
                   f"table_sha256 {result.table_sha256}")
    if result.same_title_as:
        warn(f"version {result.version} has the same title as {result.same_title_as}, which it supersedes: "
             f"answers under either read alike; give it its own title in a new version")
    if result.closed:
        prev, end, status = result.closed
        click.echo(f"Closed version {prev}: effective_to {end.isoformat()}, status {status}")
