"""`sc-policy sql` writes the rows of its data without building a node per value (each distinct
value's literal and the frame of a row written once by sqlglot, then reused): the script must be,
byte for byte, the one sqlglot writes from the plain AST of :func:`sqlscript.statements`, every
value a node of its own, in every dialect."""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("sqlglot")

from sc_policy.app import sqlscript  # noqa: E402
from sc_policy.app.sqldata import CaseloadShape, ScriptData, script_data, whitespace  # noqa: E402


def plain(data: ScriptData, dialect: str) -> str:
    """The script as sqlglot writes the statements' plain AST (no value's text reused)."""
    return "".join(s.sql(dialect=dialect) + ";\n" for s in sqlscript.statements(data, dialect))


AWKWARD = ["", "it's", "''", "a\\b", "\\'", "line\nbreak", "tab\there", "{}", "{0}", "}{", "%s", "\x00", "\u2026",
           "\u00e9t\u00e9", "\U0001f600", '"quoted"', "a, b", "(x)", "NULL", "TRUE", "--", "/* c */", ";"]
"""Values no table of the shipped version holds: quotes, backslashes, line breaks, braces (the frame
of a row is a format string), punctuation and words of SQL."""


@pytest.fixture(scope="module")
def data(ws) -> ScriptData:
    """The rows ``sc-policy sql`` writes for the shipped version by default, and awkward rows of
    every type of value (text, NULL, booleans and the integers equal to them, negative numbers)."""
    shipped = script_data(ws, CaseloadShape())
    versions = tuple((text, text, None, text) for text in AWKWARD) + (("v", "h", "2020-01-01", None),)
    industries = tuple(("v", text, number) for text in AWKWARD[:5] for number in (0, 1, -1, 2 ** 40))
    decisions = tuple(("v", "2016", text, 1, flag, text, "", text) for text in AWKWARD for flag in (True, False)) \
        + (("v", "2021", "1", 0, 1, None, "0", "False"),)
    return ScriptData(shipped.shape, shipped.versions + versions, shipped.industries + industries,
                      shipped.decisions + decisions)


@pytest.mark.parametrize("dialect", sqlscript.DIALECTS)
def test_the_script_is_what_sqlglot_writes_from_the_plain_ast(data, dialect):
    assert len(data.decisions) > 3_000
    text = sqlscript.script(data, dialect)
    assert text == plain(data, dialect)
    chunks = sum(-(-len(rows) // sqlscript.CHUNK) for rows in (data.versions, data.industries, data.decisions))
    assert text.count("INSERT INTO") == (0 if dialect == "spark" else chunks)  # Spark: temporary views of rows


def test_spark_holds_the_data_in_temporary_views_that_a_new_session_can_make_again(data):
    """Spark (PySpark without Hive support: no persistent catalog) forgets a table at the end of the
    session but keeps its files, so the script's second run, in a new session, failed at ``CREATE TABLE``
    (LOCATION_ALREADY_EXISTS). Its data are temporary views, as ``decisions`` is: no table, no INSERT."""
    import sqlglot
    import sqlglot.expressions as exp
    parsed = [s for s in sqlglot.parse(sqlscript.script(data, "spark"), read="spark") if s is not None]
    assert not any(isinstance(s, (exp.Insert, exp.Drop)) and s.args.get("kind") != "VIEW" for s in parsed)
    creates = [s for s in parsed if isinstance(s, exp.Create)]
    assert all(c.args["kind"] == "VIEW" and c.find(exp.TemporaryProperty) for c in creates)
    views = {c.this.name: c.expression for c in creates}
    assert list(views) == ["sc_policy_versions", "sc_policy_industries", "sc_policy_decisions", "decisions"]
    for name, rows in (("sc_policy_versions", data.versions), ("sc_policy_industries", data.industries),
                       ("sc_policy_decisions", data.decisions)):
        assert len(views[name].find(exp.Values).expressions) == len(rows)
        assert [p.alias_or_name for p in views[name].expressions] == \
            [c.split()[0] for c in sqlscript._TABLES[name][0].split(", ")]


def test_whitespace_is_every_character_str_strip_removes():
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert whitespace() == "".join(c for c in every if c.isspace())


def _view(dialect: str, **shape) -> "sqlglot.exp.Expression":
    """The view ``decisions`` of a caseload of ``shape``, as sqlglot reads back the SQL written for ``dialect``."""
    import sqlglot
    text = sqlscript.view(ScriptData(CaseloadShape(**shape), (), (), ()), dialect).sql(dialect=dialect)
    return sqlglot.parse_one(text, read=dialect)


@pytest.mark.parametrize("columns", [(), ("id", "noc", "industry", "decided")])
def test_postgres_reads_a_date_column_as_iso_text_whatever_the_datestyle(columns):
    """PostgreSQL casts a DATE to text in the session's DateStyle (``27/11/2026`` under ``SQL, DMY``,
    ``27.11.2026`` under ``German``: every row an error); JSON writes it ``2026-11-27`` always, and a
    text as it is. The other dialects cast a DATE to ``YYYY-MM-DD``."""
    import sqlglot.expressions as exp

    def readers(tree):
        return [column.parent for column in tree.find_all(exp.Column)  # (not as passed through: as it is)
                if column.name == "decided" and not isinstance(column.parent, exp.Select)]

    pg = readers(_view("postgres", date_column="decided", columns=columns))
    assert pg and all(isinstance(r, exp.Anonymous) and r.name.upper() == "TO_JSON"
                      and isinstance(r.parent, exp.JSONBExtractScalar) and r.parent.expression.name == "{}"
                      for r in pg), [r.sql("postgres") for r in pg]  # never CAST(c."decided" AS TEXT)
    for dialect in ("duckdb", "sqlite", "spark"):
        other = readers(_view(dialect, date_column="decided", columns=columns))
        assert other and all(isinstance(r, exp.Cast) for r in other), dialect


def test_postgres_reads_listed_columns_by_their_folded_names():
    """A header ``ID,NOC,Industry`` makes, in a table created from it, the columns ``id``, ``noc`` and
    ``industry`` (PostgreSQL folds an unquoted name, its ASCII letters: ``ÉTAT`` makes ``État``): the view
    reads each listed column so and names it as listed, as evaluate writes the header (``c."ID"`` did not
    exist)."""
    import sqlglot.expressions as exp
    tree = _view("postgres", columns=("ID", "NOC", "Industry", "ÉTAT", "DÉCIDÉ"), date_column="Décidé",
                 renamed=(("noc", "NOC"), ("industry", "Industry"), ("date", "DÉCIDÉ")))
    assert [p.alias_or_name for p in tree.expression.expressions][:5] == ["ID", "NOC", "Industry", "ÉTAT", "DÉCIDÉ"]
    read = {c.name for c in tree.find_all(exp.Column) if c.table == "c"}
    assert read - {"*", "sc_policy_noc", "sc_policy_industry", "sc_policy_date"} == {"id", "noc", "industry", "État",
                                                                                     "dÉcidÉ"}


@pytest.mark.parametrize("dialect", sqlscript.DIALECTS)
def test_the_postgres_script_says_it_is_utf8(dialect):
    """psql reads a script in the client's encoding: under PGCLIENTENCODING=LATIN1 (a Latin-1 terminal)
    the UTF-8 white space the view trims became other characters, and 7,018 of 30,000 rows were decided
    otherwise than by evaluate. The script starts as pg_dump's do, with ``SET client_encoding = 'UTF8'``."""
    import sqlglot
    import sqlglot.expressions as exp
    data = ScriptData(CaseloadShape(), (("v", "h", None, None),), (("v", "", 0),),
                      (("v", "2016", "2174", 0, True, "", "ict", ""),))
    parsed = [s for s in sqlglot.parse(sqlscript.script(data, dialect), read=dialect) if s is not None]
    sets = [s for s in parsed if isinstance(s, exp.Set)]
    if dialect != "postgres":
        assert sets == []
        return
    assert parsed[0] is sets[0] and len(sets) == 1
    item = sets[0].expressions[0].this
    assert (item.this.name.lower(), item.expression.name) == ("client_encoding", "UTF8")


def test_the_spark_view_is_ascii_whatever_locale_reads_it():
    """``spark-sql`` (Java 17) reads a script in the locale's encoding, ASCII under ``LANG=C``: the white
    space the view trims (NBSP, U+2028, ideographic space...) and the ellipsis of a long value were read
    as other characters (620 / 8,913 / 20,467 rows eligible / not / errors became 428 / 5,966 / 23,606).
    The Spark view is ASCII, each such text its UTF-8 bytes decoded, and means the same texts."""
    import sqlglot
    import sqlglot.expressions as exp
    shape = dict(noc_version_column=True, date_column="decided", columns=("id", "noc", "industry", "noc_version",
                                                                          "decided"))
    data = ScriptData(CaseloadShape(**shape), (("v", "h", None, None),), (("v", "", 0),),
                      (("v", "2016", "2174", 0, True, "", "ict", ""),))
    text = sqlscript.statements(data, "spark")[-1].sql(dialect="spark")
    assert text.isascii()
    decoded = {bytes.fromhex(d.this.this.name).decode("utf-8")
               for d in sqlglot.parse_one(text, read="spark").find_all(exp.Decode)}
    assert decoded == {whitespace(), "\u2026"}
    assert not any(s.find(exp.Decode) for s in sqlscript.statements(data, "duckdb"))
