"""``sc-policy occupations``: which NOC 2016 unit groups an employer's industry opens, with their areas."""

from __future__ import annotations

import datetime as dt

import click

from sc_policy.analysis.occupations import occupations as list_occupations
from sc_policy.app.workspace import Workspace, decision_day
from sc_policy.diagnostics import ScPolicyError
from sc_policy.present.occupations import occupations_csv, occupations_json, occupations_text
from sc_policy.cli.base import format_option, policies_option, version_options, warn

RENDER = {"text": occupations_text, "json": occupations_json, "csv": occupations_csv}


@click.command()
@click.option("--industry", metavar="NAICS",
              help="The employer's NAICS Canada 2017 code (2 to 6 digits, or a sector range such as 31-33); "
                   "none: the published lists.")
@click.option("--area", metavar="ID", help="Only the unit groups in scope under this priority area (its id).")
@version_options
@format_option("text", "json", "csv")
@policies_option
def occupations(industry, area, version, on, fmt, policies):
    """Which occupations can be trained for: every eligible NOC 2016 unit group, with its areas.

    Read from the version's decision table for an employer in NAICS (or for no employer).
    """
    if version and on:
        raise ScPolicyError("give --version or --on, not both", code="bad-input")
    ws = Workspace(policies, notify=warn)
    day = on or dt.date.today()  # the clock read once: the day that chooses the version is the day recorded
    found = list_occupations(ws.open(version, on, day), ws.refdata, industry, area,
                             decided_on=decision_day(version, on, day.isoformat()))
    click.echo(RENDER[fmt](found), nl=False)
