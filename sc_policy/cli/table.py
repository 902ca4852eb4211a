"""``sc-policy table``: the whole decision table of a version, for a data team to join at scale."""

from __future__ import annotations

import contextlib
import csv
import json
import sys

import click

from sc_policy.app.sqldata import range_classes
from sc_policy.app.workspace import Workspace
from sc_policy.diagnostics import ScPolicyError
from sc_policy.engine.classes import NO_INDUSTRY
from sc_policy.cli.base import policies_option, version_options, warn
from sc_policy.cli.outputs import FORMAT_HELP, binary_output, output_format, output_option, text_output

__all__ = ["no_cache_option", "refuse_binary_to_terminal", "TABLE_COLUMNS", "CLASS_COLUMNS"]

TABLE_COLUMNS = ("noc", "noc_title", "industry_class", "industry_representative", "industry_description",
                 "eligible", "areas", "version", "version_hash")
CLASS_COLUMNS = ("industry", "industry_title", "industry_class", "industry_representative")
KINDS = {"industry_class": "integer", "eligible": "boolean", "areas": "texts"}
"""The Parquet kinds of the columns that are not text."""


def no_cache_option(f):
    return click.option("--no-cache", is_flag=True,
                        help="Neither read nor write the decision-table cache (build the table afresh).")(f)


def refuse_binary_to_terminal(fmt: str, redirect: str) -> None:
    """Parquet to standard output that is a terminal: an error before any work (as gzip refuses to
    write compressed data to one): the bytes would garble the terminal and help no one. ``redirect``
    says how to send it to a file instead."""
    try:
        terminal = sys.stdout.isatty()
    except (AttributeError, ValueError):  # no standard output, or a closed one
        terminal = False
    if fmt == "parquet" and terminal:
        raise ScPolicyError(f"Parquet is binary and is not written to a terminal: {redirect}", code="bad-input")


def workspace(policies, no_cache: bool) -> Workspace:
    return Workspace(policies, cache=not no_cache, notify=warn)


def _rows(opened, refdata, classes: bool):
    """(column names, rows) of the table, or of the industry classes."""
    t = opened.table
    if classes:
        rows = [(code, refdata.naics_title(code) or "", j, cls.representative)
                for j, cls in enumerate(t.classes, 1) for code in cls.codes]
        for code, j in range_classes(refdata, opened):  # "31-33": decided as its parts are, and as a class
            if j is None:
                warn(f"no industry class decides sector {code} as evaluate does (a clause tells its parts apart); "
                     "it has no row here: `sc-policy sql` decides it")
            else:
                rows.append((code, refdata.naics_title(code) or "", j, t.classes[j - 1].representative if j else ""))
        # class 0 first: an empty industry (after trimming) is "no employer industry given"
        return CLASS_COLUMNS, [("", NO_INDUSTRY.description, 0, "")] + sorted(rows)
    return TABLE_COLUMNS, ((noc, refdata.noc_title(noc) or "", j, cls.representative if cls else "",
                            cls.description if cls else NO_INDUSTRY.description, bool(areas), areas, t.version,
                            t.version_hash) for noc, j, cls, areas in t.rows())


@click.command()
@version_options
@output_option("the table")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]),
              help=f"Output format (parquet needs the data extra).  {FORMAT_HELP}")
@click.option("--classes", is_flag=True,
              help="Write instead every NAICS Canada 2017 code (and sector range, 31-33) with its industry class, to join a caseload on.")
@no_cache_option
@policies_option
def table(version, on, output, fmt, classes, no_cache, policies):
    """Export a version's whole decision table: one row per NOC 2016 unit group and industry class.

    Class 0 is "no employer industry given"; --classes maps every NAICS code to its class (and
    the empty industry to class 0). An output named *.parquet is Parquet (needs the data extra), one
    named *.jsonl or *.ndjson JSON Lines. `sc-policy sql` writes a script that joins a caseload exactly.
    """
    if version and on:
        raise ScPolicyError("give --version or --on, not both", code="bad-input")
    fmt = output_format(output, fmt, "table")
    if output == "-":
        refuse_binary_to_terminal(fmt, "give --output FILE.parquet, or redirect standard output to a file "
                                       "(> table.parquet)")
    if fmt == "parquet":
        from sc_policy.app.caseparquet import arrow, write_table
        arrow()  # pyarrow is there, or a one-line error naming the extra
    ws = workspace(policies, no_cache)
    opened = ws.open(version, on)
    refdata = ws.refdata
    names, rows = _rows(opened, refdata, classes)
    with contextlib.ExitStack() as resources:  # on leaving: a named output put in place, or dropped after a failure
        if fmt == "parquet":
            write_table(binary_output(output, resources), [(n, KINDS.get(n, "text")) for n in names], rows)
            return
        out = text_output(output, resources)
        if fmt == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(names)
            for row in rows:
                writer.writerow([("true" if v else "false") if isinstance(v, bool)
                                 else ";".join(v) if isinstance(v, tuple) else v for v in row])
        else:
            for row in rows:
                out.write(json.dumps({k: (list(v) if isinstance(v, tuple) else v) for k, v in zip(names, row)},
                                     ensure_ascii=False) + "\n")
