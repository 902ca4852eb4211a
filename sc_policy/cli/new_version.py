"""``sc-policy new-version``: copy a version as a new draft that supersedes it."""

from __future__ import annotations

import click

from sc_policy.load.tree import PolicyTree, resolve_root
from sc_policy.app.authoring import new_version as make_new_version
from sc_policy.diagnostics import os_error, shown_path
from sc_policy.cli.base import Date, policies_option
from sc_policy.cli.diagnostics import policies_flag


def _notice(message: str) -> None:
    click.echo(f"sc-policy: {message}", err=True)


@click.command("new-version")
@click.argument("from_id", metavar="FROM")
@click.argument("new_id", metavar="NEW_ID")
@click.option("--effective-from", "effective_from", type=Date(),
              help="First day the new version is in force (default: the day after FROM ends, else today or, "
                   "when FROM starts later, the day after it starts; recorded as an assumption).")
@click.option("--title", help="Title of the new version, which answers under it show (default: the policy and "
                                "NEW_ID, e.g. 'second-career-fast-track phase-2', never FROM's title).")
@policies_option
def new_version(from_id, new_id, effective_from, title, policies):
    """Copy version FROM as a new draft NEW_ID that supersedes it, ready to edit."""
    tree = PolicyTree(resolve_root(policies))
    try:
        ref, manifest = make_new_version(
            tree, from_id, new_id, effective_from, title, notice=_notice, made_by="sc-policy new-version",
            next_steps=("sc-policy check", f"sc-policy diff {from_id} {new_id}", f"sc-policy freeze {new_id}"))
    except OSError as exc:
        raise os_error(exc, f"make version {new_id}", tree.root) from None
    assumed = " (an assumption; see its manifest)" if manifest.get("assumptions") else ""
    click.echo(f"Made draft version {ref.id} of policy {ref.policy} from {from_id} in {ref.folder}")
    click.echo(f"  effective from {manifest['effective_from'].isoformat()}{assumed}, supersedes {from_id}")
    flag = policies_flag()
    first = "" if title else " (its title first)"  # the title given is the one answers will show
    click.echo(f"Next: edit its rule files{first} and its test cases in the policy tree "
               f"{shown_path(tree.root)}, then `sc-policy check{flag}`, `sc-policy test {ref.id}{flag}`, "
               f"`sc-policy diff {from_id} {ref.id}{flag}` and `sc-policy freeze {ref.id}{flag}`.")

