"""``sc-policy explain``: is training for one occupation in scope, and why."""

from __future__ import annotations

import datetime as dt

import click

from sc_policy.app.workspace import Workspace, decision_day
from sc_policy.diagnostics import ScPolicyError
from sc_policy.present.render import answer_json, answer_text
from sc_policy.cli.base import format_option, policies_option, version_options, warn


@click.command()
@click.argument("noc")
@click.option("--industry", metavar="NAICS", help="The employer's NAICS Canada 2017 code (2 to 6 digits, or a sector range such as 31-33).")
@click.option("--noc-version", type=click.Choice(["2016", "2021"]), default="2016", show_default=True,
              help="Classification of NOC: 2016 (four digits) or 2021 (five digits, mapped by the concordance).")
@version_options
@click.option("--full", is_flag=True, help="Text: every clause's definition and every quote of the source in full.")
@format_option("text", "json")
@policies_option
def explain(noc, industry, noc_version, version, on, full, fmt, policies):
    """Is training for occupation NOC in scope, and why? Clause by clause, per priority area."""
    if version and on:
        raise ScPolicyError("give --version or --on, not both", code="bad-input")
    ws = Workspace(policies, notify=warn)
    today = dt.date.today()  # read once: the version chosen is the one in force on the day the answer reports
    opened = ws.open(version, on, today)
    answer = opened.evaluator.answer(noc, industry, noc_version,
                                     decided_on=decision_day(version, on, today.isoformat()))
    if fmt == "json":
        click.echo(answer_json(answer), nl=False)
    else:
        click.echo(answer_text(answer, opened.version, ws.refdata, full=full), nl=False)

