"""``sc-policy check``: every finding about the rule files, one per line, like a compiler's."""

from __future__ import annotations

import click

from sc_policy.app.checking import check_tree, has_errors
from sc_policy.present.render import dumps
from sc_policy.cli.base import format_option, policies_option
from sc_policy.cli.diagnostics import words


@click.command()
@click.argument("versions", nargs=-1, metavar="[VERSION ...]")
@click.option("--source", "source", type=click.Path(dir_okay=False, path_type=str), metavar="FILE",
              help="The policy's text to check every quote against (default: each manifest's source document).")
@format_option("text", "json")
@policies_option
def check(versions, source, fmt, policies):
    """Check the rule files of the named versions (all by default) for consistency.

    Prints one finding per line as PATH:LINE:COLUMN: SEVERITY CHECK-ID: MESSAGE, sorted by
    path and line (or a JSON list). Findings that a resolution in resolutions.yaml resolves are
    shown as info. Exit status: 0 no errors, 1 errors, 2 the check could not run.
    """
    findings = check_tree(policies, list(versions) or None, source)
    if fmt == "json":
        click.echo(dumps([f.as_dict(words) for f in findings]), nl=False)
    else:
        for finding in findings:
            click.echo(finding.render(words))
        counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
        click.echo(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} resolved or info",
                   err=True)
    click.get_current_context().exit(1 if has_errors(findings) else 0)
