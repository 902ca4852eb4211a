"""What Spark needs of the script of :mod:`sc_policy.app.sqlscript`: its data as temporary views of their
rows, and its view in ASCII (sqlglot writes both nodes)."""

from __future__ import annotations

from typing import List

import sqlglot
from sqlglot import exp

__all__ = ["ascii_text", "session_view"]


def session_view(name: str, columns: str, inserts: List[exp.Expression]) -> exp.Expression:
    """The rows of ``inserts`` (one or more INSERTs into one table, whose ``columns`` are names and types)
    as a temporary view, each column cast to its type. A table outlives a session without a persistent
    catalog (PySpark without Hive) as files in its warehouse folder, which the next session's ``CREATE
    TABLE`` refuses (``LOCATION_ALREADY_EXISTS``); the view lasts as long as ``decisions``, which reads it."""
    defs = sqlglot.parse_one(f"CREATE TABLE {name} ({columns})").this.expressions
    alias = exp.TableAlias(this=exp.to_identifier("sc_policy_rows"), columns=[d.this.copy() for d in defs])
    rows = exp.Values(expressions=[row for insert in inserts for row in insert.expression.expressions], alias=alias)
    select = exp.select(*(exp.alias_(exp.cast(exp.column(d.name), d.args["kind"].copy()), d.name) for d in defs),
                        copy=False).from_(rows, copy=False)
    return exp.Create(this=exp.to_table(name), kind="VIEW", replace=True, expression=select,
                      properties=exp.Properties(expressions=[exp.TemporaryProperty()]))


def ascii_text(node: exp.Expression) -> exp.Expression:
    """A text literal of other characters than ASCII as its UTF-8 bytes decoded, ``DECODE(UNHEX('E280A6'),
    'UTF-8')`` for ``…``: ``spark-sql`` (Java 17) reads a script in the locale's encoding, ASCII under
    ``LANG=C``, where the white space the view trims and the ellipsis of a long value were lost."""
    if not isinstance(node, exp.Literal) or not node.is_string or node.this.isascii():
        return node
    return exp.Decode(this=exp.Unhex(this=exp.Literal.string(node.this.encode().hex().upper())),
                      charset=exp.Literal.string("UTF-8"))
