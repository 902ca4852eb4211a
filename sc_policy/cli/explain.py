"""``sc-policy explain`` and ``sc-policy versions``."""

from __future__ import annotations

import sys

import click

from ..api import Workspace
from ..errors import ScPolicyError
from ..render import answer_json, answer_text, dumps, versions_text
from .base import format_option, parse_date, policies_option, version_options, warn


@click.command()
@click.argument("noc")
@click.option("--industry", metavar="NAICS", help="The employer's NAICS Canada 2017 code (2 to 6 digits).")
@click.option("--noc-version", type=click.Choice(["2016", "2021"]), default="2016", show_default=True,
              help="Classification of NOC: 2016 (four digits) or 2021 (five digits, mapped by the concordance).")
@version_options
@format_option("text", "json")
@policies_option
def explain(noc, industry, noc_version, version, on, fmt, policies):
    """Is training for occupation NOC in scope, and why? Clause by clause, per priority area."""
    if version and on:
        raise ScPolicyError("give --version or --on, not both", code="bad-input")
    ws = Workspace(policies, notify=warn)
    opened = ws.open(version, parse_date(on))
    answer = opened.evaluator.answer(noc, industry, noc_version)
    if fmt == "json":
        click.echo(answer_json(answer), nl=False)
    else:
        click.echo(answer_text(answer, opened.version, ws.refdata), nl=False)


@click.command()
@format_option("text", "json")
@policies_option
def versions(fmt, policies):
    """List the policy versions with their status, effective dates and hashes.

    A frozen version whose content no longer has the hash recorded when it was frozen
    is marked MODIFIED (JSON: "integrity": "modified"); the exit status is then 1.
    """
    rows = Workspace(policies).versions()
    if fmt == "json":
        click.echo(dumps(rows), nl=False)
    else:
        click.echo(versions_text(rows), nl=False)
    modified = [r["id"] for r in rows if r.get("integrity") == "modified"]
    if modified:
        click.echo(f"sc-policy: {len(modified)} frozen version(s) modified since frozen: {', '.join(modified)} "
                   f"(restore their files; `sc-policy check` names the change)", err=True)
        sys.exit(1)
