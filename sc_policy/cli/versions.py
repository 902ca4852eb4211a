"""``sc-policy versions``: the policy's versions, their status, dates, hashes and integrity."""

from __future__ import annotations

import click

from sc_policy.app.workspace import Workspace
from sc_policy.diagnostics import counted, no_versions
from sc_policy.present.render import dumps, relabelled, versions_text
from sc_policy.cli.base import format_option, policies_option, warn
from sc_policy.cli.diagnostics import policies_flag


@click.command()
@format_option("text", "json")
@policies_option
def versions(fmt, policies):
    """List the policy versions with their status, effective dates and hashes.

    A frozen version whose content no longer has the hash recorded when it was frozen
    is marked MODIFIED (JSON: "integrity": "modified"); the exit status is then 1, as it is
    when a draft records the hashes of a freeze (a frozen version relabelled draft), when
    a version's manifest cannot be read, and when a file of a frozen version cannot be read.
    """
    ws = Workspace(policies, notify=warn)  # (a cache folder refused is said)
    rows = ws.versions()
    if not rows:  # the wrong folder, most likely: said, as check and explain say it
        raise no_versions(str(ws.tree.root))
    if fmt == "json":
        click.echo(dumps(rows), nl=False)
    else:
        click.echo(versions_text(rows), nl=False)
    several = len({r["policy"] for r in rows}) > 1  # then an id alone may name a version of either policy
    named = [f"{r['policy']}/{r['id']}" if several else r["id"] for r in rows]
    modified = [n for n, r in zip(named, rows) if r.get("integrity") == "modified"]
    relabelled_ids = [n for n, r in zip(named, rows) if relabelled(r)]
    unreadable = [n for n, r in zip(named, rows) if r.get("status") == "invalid"]  # its manifest: none, or broken
    unknown = [n for n, r in zip(named, rows) if r.get("frozen") and r.get("integrity") is None]  # a file unread
    if modified:
        click.echo(f"sc-policy: {counted(len(modified), 'frozen version')} modified since frozen: "
                   f"{', '.join(modified)} (restore {'its' if len(modified) == 1 else 'their'} files; "
                   f"`sc-policy check{policies_flag()}` names the change)", err=True)
    if relabelled_ids:  # check's draft-hashed: a frozen version marked draft escapes the integrity shown above
        click.echo(f"sc-policy: {counted(len(relabelled_ids), 'draft')} "
                   f"record{'s' if len(relabelled_ids) == 1 else ''} the hashes of a freeze: "
                   f"{', '.join(relabelled_ids)} "
                   f"(a frozen version relabelled draft? restore its status; `sc-policy check{policies_flag()}` names it)",
                   err=True)
    if unreadable:  # frozen or not, intact or not: nothing can tell, and nothing may pass for intact
        click.echo(f"sc-policy: {counted(len(unreadable), 'version')} cannot be read: {', '.join(unreadable)} "
                   f"(whether {'it is' if len(unreadable) == 1 else 'they are'} frozen, and intact, cannot be told; "
                   f"`sc-policy check{policies_flag()}` names the error)", err=True)
    if unknown:  # not "modified": nothing shows a change (a tree installed by another account, say)
        click.echo(f"sc-policy: {counted(len(unknown), 'frozen version')} cannot be read whole: {', '.join(unknown)} "
                   f"(whether {'it is' if len(unknown) == 1 else 'they are'} intact cannot be told; "
                   f"`sc-policy check{policies_flag()}` names what cannot be read)", err=True)
    if modified or relabelled_ids or unreadable or unknown:
        click.get_current_context().exit(1)
