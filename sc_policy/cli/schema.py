"""``sc-policy schema``: print the JSON Schema of a kind of rule file, for an editor's YAML language server."""

from __future__ import annotations

import click

from sc_policy.load.jsonschemas import FILE_KINDS, json_schema_text


@click.command()
@click.argument("kind", type=click.Choice(FILE_KINDS), metavar="KIND")
def schema(kind):
    """Print the JSON Schema of a rule file of KIND (manifest, area, clause, resolutions or tests).

    The schema is generated from the Cerberus schema that `sc-policy check` applies; save it and
    map it to the rule files in your editor's YAML settings (see the README) to have keys
    completed and mistakes underlined as you type.
    """
    click.echo(json_schema_text(kind), nl=False)
