"""``sc-policy check``: every finding about the rule files, one per line, like a compiler's; or for CI."""

from __future__ import annotations

import click

from sc_policy.app.checking import check_tree, has_errors
from sc_policy.diagnostics import SEVERITIES, ScPolicyError, counted
from sc_policy.present.annotations import annotations, failed
from sc_policy.present.render import dumps
from sc_policy.present.sarif import sarif_log
from sc_policy.cli.base import format_option, policies_option, tool_version, tree_paths
from sc_policy.cli.diagnostics import failure_of, named, words


@click.command()
@click.argument("versions", nargs=-1, metavar="[VERSION ...]")
@click.option("--source", "source", type=click.Path(dir_okay=False, path_type=str), metavar="FILE", callback=named,
              help="The policy's text to check every quote against (default: each manifest's source document).")
@format_option("text", "json", "sarif", "github")
@click.option("--severity", "severity", type=click.Choice(SEVERITIES), default="info", show_default=True,
              help="Print the findings of this severity and the more severe ones (the exit status still "
                   "counts every error).")
@policies_option
def check(versions, source, fmt, severity, policies):
    """Check the rule files of the named versions (all by default) for consistency.

    Prints one finding per line as PATH:LINE:COLUMN: SEVERITY CHECK-ID: MESSAGE, sorted by
    path and line; or a JSON list; or a SARIF 2.1.0 log (--format sarif, for code scanning);
    or GitHub Actions annotations (--format github), their paths from the directory the
    command runs in. Findings that a resolution in resolutions.yaml resolves are shown as
    info, with the resolution; so is each interpretation a clause rests on, with its reading.
    Exit status: 0 no errors, 1 errors, 2 the check could not run (the SARIF log and the annotations
    then say why, beside the error on stderr).
    """
    try:
        findings = check_tree(policies, list(versions) or None, source)
    except (ScPolicyError, OSError) as exc:  # the check did not run: said on stderr, and in the log CI reads
        failure = failure_of(exc)
        if fmt == "sarif":
            click.echo(dumps(sarif_log([], tool_version(), failure=failure.format_message())), nl=False)
        elif fmt == "github":
            click.echo(failed(failure.format_message()), nl=False)
        raise failure from None
    shown = [f for f in findings if SEVERITIES.index(f.severity) <= SEVERITIES.index(severity)]
    if fmt == "json":
        click.echo(dumps([f.as_dict(words) for f in shown]), nl=False)
    elif fmt == "sarif":
        click.echo(dumps(sarif_log(shown, tool_version(), tree_paths(policies), words)), nl=False)
    elif fmt == "github":
        click.echo(annotations(shown, tree_paths(policies), words), nl=False)
    else:
        for finding in shown:
            click.echo(finding.render(words))
    if fmt in ("text", "github"):
        counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
        hidden = len(findings) - len(shown)
        click.echo(f"{counted(counts['error'], 'error')}, {counted(counts['warning'], 'warning')}, "
                   f"{counts['info']} resolved or info" + (f" ({hidden} below {severity} not shown)" if hidden else ""),
                   err=True)
    click.get_current_context().exit(1 if has_errors(findings) else 0)
