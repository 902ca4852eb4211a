"""A version compiled to one self-contained SQL script, for DuckDB, SQLite, PostgreSQL or Spark.

The script (re)creates three tables of data (Spark: temporary views; :mod:`sc_policy.app.sqldata`:
``sc_policy_versions``, ``sc_policy_industries``, ``sc_policy_decisions``) and a view ``decisions`` over a table or view
``caseload`` that must exist before the script runs. The view passes every column of ``caseload``
through and adds ``evaluate``'s columns: ``eligible`` (a boolean, NULL on an error), ``verdict``,
``version``, ``error`` and ``version_hash`` (text, NULL where ``evaluate`` writes an empty field),
``areas`` and ``candidates`` (text as ``evaluate`` writes them, ``''`` when empty).

A row is decided as ``evaluate`` decides it: every code is cast to text and trimmed of what
Python's ``str.strip()`` removes; an empty or NULL industry is "no industry" (class 0); an empty or
NULL ``noc_version`` is the default; any code ``evaluate`` refuses (malformed, unknown, a NAICS
code of another edition) matches no row of the data and gives an error, as does a date that is not
a real ``YYYY-MM-DD`` day (alone or at midnight) or has no version in force. The error text is
``evaluate``'s message without its hint in brackets (the nearest codes, why a time is no day).

The view is one AST, parsed from canonical SQL and completed with :mod:`sqlglot.expressions`;
sqlglot writes it, and the data, in each dialect. Nothing here formats SQL by hand: the rows of the
data are written from each distinct value's literal and the frame of a row as sqlglot writes them
(:class:`_Rows`), byte for byte the script sqlglot writes from one node per value (:func:`statements`).
"""

from __future__ import annotations

import string
from typing import Dict, List, Sequence

import sqlglot
from sqlglot import exp

from sc_policy.app.sqldata import ScriptData, whitespace
from sc_policy.app.sqlspark import ascii_text, session_view
from sc_policy.diagnostics import ECHO_CHARS, echoed
from sc_policy.reference.codes import EMPTY_NOC

__all__ = ["DIALECTS", "TRIMMED", "script", "statements"]

DIALECTS = ("duckdb", "sqlite", "postgres", "spark")

CHUNK = 500
"""Rows per INSERT (SQLite's default limit on the terms of a compound SELECT is 500)."""

_TABLES = {
    "sc_policy_versions": ("version TEXT NOT NULL, version_hash TEXT NOT NULL, in_force_from TEXT, in_force_to TEXT",
                           None),
    "sc_policy_industries": ("version TEXT NOT NULL, industry TEXT NOT NULL, industry_class INT NOT NULL",
                             "version, industry"),
    "sc_policy_decisions": ("version TEXT NOT NULL, noc_version TEXT NOT NULL, noc TEXT NOT NULL, "
                            "industry_class INT NOT NULL, eligible BOOLEAN NOT NULL, verdict TEXT NOT NULL, "
                            "areas TEXT NOT NULL, candidates TEXT NOT NULL",
                            "version, noc_version, noc, industry_class"),
}

_VIEW = """
SELECT c.*, d.eligible AS eligible, d.verdict AS verdict, COALESCE(d.areas, '') AS areas,
       COALESCE(d.candidates, '') AS candidates, v.version AS version, CAST(NULL AS TEXT) AS error,
       v.version_hash AS version_hash
FROM caseload AS c
CROSS JOIN sc_policy_versions AS v
LEFT JOIN sc_policy_industries AS i ON i.version = v.version AND i.industry = sc_industry
LEFT JOIN sc_policy_decisions AS n
  ON n.version = v.version AND n.noc_version = sc_noc_version AND n.noc = sc_noc AND n.industry_class = 0
LEFT JOIN sc_policy_decisions AS d
  ON d.version = v.version AND d.noc_version = sc_noc_version AND d.noc = sc_noc
  AND d.industry_class = i.industry_class
"""

_DAY_SHAPE = "sc_day_alone AND SUBSTR(sc_day, 5, 1) = '-' AND SUBSTR(sc_day, 8, 1) = '-' AND sc_digits_of_day"
"""A day written YYYY-MM-DD (``sc_day``: the date, of which only the first ten characters are read;
``sc_day_alone``: they stand alone or at midnight, :data:`_MIDNIGHT`; ``sc_digits_of_day``: ASCII digits)."""

_DAY_OK = f"""
CASE WHEN {_DAY_SHAPE}
     THEN CAST(SUBSTR(sc_day, 1, 4) AS INT) >= 1 AND CAST(SUBSTR(sc_day, 6, 2) AS INT) BETWEEN 1 AND 12
          AND CAST(SUBSTR(sc_day, 9, 2) AS INT) BETWEEN 1 AND
              CASE WHEN CAST(SUBSTR(sc_day, 6, 2) AS INT) = 2 THEN
                        CASE WHEN (CAST(SUBSTR(sc_day, 1, 4) AS INT) % 4 = 0
                                   AND CAST(SUBSTR(sc_day, 1, 4) AS INT) % 100 <> 0)
                                  OR CAST(SUBSTR(sc_day, 1, 4) AS INT) % 400 = 0 THEN 29 ELSE 28 END
                   WHEN CAST(SUBSTR(sc_day, 6, 2) AS INT) IN (4, 6, 9, 11) THEN 30 ELSE 31 END
     ELSE FALSE END
"""

_MIDNIGHT = """
(LENGTH(sc_text) = 10 OR (SUBSTR(sc_text, 11, 1) IN (' ', 'T') AND (SUBSTR(sc_text, 12) IN ('00:00', '00:00:00')
 OR (SUBSTR(sc_text, 12, 9) = '00:00:00.' AND SUBSTR(sc_text, 21) <> '' AND REPLACE(SUBSTR(sc_text, 21), '0', '') = ''))))
"""
"""A date's text ``sc_text`` is ten characters, or them at midnight without a time zone, as text writes a
DATE or TIMESTAMP (as ``casedecide._DATE`` reads it); in parentheses: it stands for a term of an AND."""

_IN_FORCE = """
(v.in_force_from IS NULL OR v.in_force_from <= sc_day) AND (v.in_force_to IS NULL OR sc_day <= v.in_force_to)
"""


def _sql(text: str) -> exp.Expression:
    return sqlglot.parse_one(text)


def _fill(tree: exp.Expression, values: Dict[str, exp.Expression]) -> exp.Expression:
    """``tree`` with each placeholder column (``sc_noc``...) replaced by a copy of its expression."""
    def swap(node):
        if isinstance(node, exp.Column) and not node.table and node.name in values:
            return values[node.name].copy()
        return node
    return tree.transform(swap)


def _as_text(value: exp.Expression, dialect: str, day: bool) -> exp.Expression:
    """``value`` as text; PostgreSQL's date column (``day``) as JSON writes it: a DATE ``YYYY-MM-DD``
    (a cast follows the session's DateStyle: ``27/11/2026`` under ``SQL, DMY``), a text as it is."""
    if dialect == "postgres" and day:
        return exp.JSONBExtractScalar(this=exp.func("TO_JSON", value, copy=False), expression=exp.Literal.string("{}"))
    return exp.cast(value, "TEXT")


def _folded(column: str) -> str:
    """A listed name as PostgreSQL folds it unquoted: ASCII letters in lower case (the others ignore case)."""
    return column.translate(str.maketrans(string.ascii_uppercase, string.ascii_lowercase))


def _text(column: str, dialect: str = "duckdb", listed: bool = False, day: bool = False) -> exp.Expression:
    """A caseload column as text, NULL as '', trimmed as ``str.strip()`` trims (``listed``: ``column``
    is the name as the caseload's list of columns gives it, surrounding spaces and all; ``day``: it is
    the date column)."""
    name = exp.to_identifier(_folded(column) if listed else _name(column), quoted=True)
    raw = exp.Coalesce(this=_as_text(exp.column(name, "c"), dialect, day),
                       expressions=[exp.Literal.string("")])
    space = exp.Literal.string(whitespace())
    ends = [exp.func("SUBSTR", raw.copy(), exp.Literal.number(1), exp.Literal.number(1), copy=False),
            exp.func("SUBSTR", raw.copy(), exp.func("LENGTH", raw.copy(), copy=False), exp.Literal.number(1),
                     copy=False)]
    if dialect == "postgres":  # compared by code point, not by the database's collation
        ends = [exp.Collate(this=end, expression=exp.Identifier(this="C", quoted=True)) for end in ends]
    # every character str.strip() removes is below '0' or above 'z': a value that begins and ends
    # within that range is not padded, nor is an empty one (common: a row without an industry)
    plain = exp.or_(exp.EQ(this=raw.copy(), expression=exp.Literal.string("")),
                    exp.and_(*(exp.Between(this=end, low=exp.Literal.string("0"), high=exp.Literal.string("z"))
                               for end in ends), copy=False), copy=False)
    # TRIM with a set of characters is slow (DuckDB: microseconds a row); only a padded value needs it
    return _when([(plain, raw.copy())], exp.Trim(this=raw.copy(), expression=space, position="BOTH"))


def _digits(value: exp.Expression, low: int, high: int) -> exp.Expression:
    """``value`` is ``low`` to ``high`` ASCII digits (nested REPLACE: no regex dialect is common to all)."""
    stripped = value.copy()
    for d in "0123456789":
        stripped = exp.func("REPLACE", stripped, exp.Literal.string(d), exp.Literal.string(""), copy=False)
    length = exp.func("LENGTH", value.copy(), copy=False)
    return exp.and_(exp.Between(this=length, low=exp.Literal.number(low), high=exp.Literal.number(high)),
                    exp.EQ(this=stripped, expression=exp.Literal.string("")), copy=False)


def _cat(*parts) -> exp.Expression:
    """Text joined (``||``): strings are literals, expressions as they are."""
    nodes = [exp.Literal.string(p) if isinstance(p, str) else p.copy() for p in parts]
    out = nodes[0]
    for node in nodes[1:]:
        out = exp.DPipe(this=out, expression=node, safe=True)
    return out


def _echo(value: exp.Expression) -> exp.Expression:
    """A row's value as evaluate's error quotes it (:func:`~sc_policy.diagnostics.echoed`): cut after
    :data:`~sc_policy.diagnostics.ECHO_CHARS` characters, with an ellipsis."""
    cut = exp.Substring(this=value.copy(), start=exp.Literal.number(1), length=exp.Literal.number(ECHO_CHARS))
    longer = exp.GT(this=exp.func("LENGTH", value.copy(), copy=False), expression=exp.Literal.number(ECHO_CHARS))
    return _when([(longer, _cat(cut, "\u2026"))], value.copy())


def _when(cases, default=None) -> exp.Expression:
    """``CASE WHEN ... END`` of the nodes given, not copied (each a node of its own: the callers copy
    a shared one; copying at every level built the view's tree many times over)."""
    node = exp.Case()
    for cond, then in cases:
        node = node.when(cond, then, copy=False)
    return node.else_(default, copy=False) if default is not None else node


def _error(data: ScriptData, v: Dict[str, exp.Expression]) -> exp.Expression:
    """The error of a row that matched no decision, in evaluate's order of checks and words."""
    shape = data.shape
    noc, industry, nv = v["sc_noc"], v["sc_industry"], v["sc_noc_version"]
    cases = []
    if shape.date_column is not None:
        day, text = v["sc_day"], v["sc_day_text"]
        said = f"' in column {echoed(shape.date_column.strip().lower())} is not "
        cases.append((_sql("v.version IS NULL"), _when(
            [(v["sc_day_ok"].copy(), _cat("no version of the policy is in force on ", day)),
             (v["sc_day_shape"].copy(), _cat("date '", _echo(text), said + "a date"))],
            _cat("date '", _echo(text), said + "YYYY-MM-DD"))))
    if shape.noc_version_column:
        cases.append((exp.not_(exp.In(this=nv.copy(), expressions=[exp.Literal.string(x) for x in ("2016", "2021")]),
                               copy=False),
                      _cat("NOC version '", _echo(nv), "' is not 2016 or 2021")))
    noc2016 = _when([(_digits(noc, 4, 4), _cat("NOC code ", noc, " is not a NOC 2016 unit group"))],
                    _cat("NOC code '", _echo(noc), "' is not four digits"))
    noc2021 = _when([(_digits(noc, 5, 5), _cat("NOC 2021 code ", noc, " is not a NOC 2021 unit group"))],
                    _cat("NOC 2021 code '", _echo(noc), "' is not five digits"))
    cases.append((_sql("n.noc IS NULL"), _when([(_fill(_sql("sc_noc = ''"), v), exp.Literal.string(EMPTY_NOC)),
                                                (_fill(_sql("sc_noc_version = '2021'"), v), noc2021)], noc2016)))
    cases.append((_sql("i.industry_class IS NULL"), _when(
        [(_digits(industry, 2, 6), _cat("NAICS code ", industry, " is not in NAICS Canada 2017"))],
        _cat("NAICS code '", _echo(industry), "' is not 2 to 6 digits"))))
    return _when(cases)


def _name(column: str) -> str:
    return column.strip().lower()  # a column matched as evaluate matches a header


def _passed(column: str) -> exp.Expression:
    """A listed column that is not a code, read by its folded name and named as listed (as ``evaluate``
    writes the header): ``c."id" AS "ID"`` in PostgreSQL, where an unquoted ``ID`` made a column ``id``."""
    read = exp.column(exp.to_identifier(_folded(column), quoted=True), "c")
    return read if _folded(column) == column else exp.alias_(read, exp.to_identifier(column, quoted=True))


def _own_columns(shape, dialect: str, texts: Dict[str, exp.Expression]) -> List[exp.Expression]:
    """The caseload's columns as ``evaluate`` writes them: the code columns trimmed in place (as
    text, NULL as ''; ``texts``: each code column's trimmed value), listed when the shape knows
    them, else by DuckDB's ``* REPLACE``; any other dialect without the list passes them through
    as they are."""
    codes = {_name(c): texts[c] for c in shape.codes()}
    if shape.columns:
        return [exp.alias_(codes[_name(c)], exp.to_identifier(c, quoted=True)) if _name(c) in codes
                else _passed(c) for c in shape.columns]
    star = exp.Star()
    if dialect == "duckdb":
        star.set("replace", [exp.alias_(e, exp.to_identifier(n, quoted=True)) for n, e in codes.items()])
    return [exp.Column(this=star, table=exp.to_identifier("c"))]


TRIMMED = {role: f"sc_policy_{role}" for role in ("noc", "industry", "noc_version", "date")}
"""The name of each role's trimmed column in the view's derived table (when the caseload's columns
are listed): a caseload column of that name would be read in its place, so the list may not have one."""


def _trimmed_once(select: exp.Expression, shape, dialect: str) -> Dict[str, exp.Expression]:
    """Each code (and date) column's trimmed text, by column: when the shape lists the caseload's
    columns, computed once a row in a derived table that replaces ``caseload`` in ``select`` (then
    referred to as ``c.sc_policy_<role>``); else the expression itself, written where it is used."""
    roles = [r for r, present in (("noc", True), ("industry", shape.industry),
                                  ("noc_version", shape.noc_version_column), ("date", shape.date_column is not None))
             if present]
    texts = {shape.column(r): _text(shape.column(r), dialect, listed=bool(shape.columns), day=r == "date")
             for r in roles}
    if not shape.columns:
        return texts
    inner = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("c")),
                       *(exp.alias_(texts[shape.column(r)], TRIMMED[r]) for r in roles)
                       ).from_(exp.to_table("caseload").as_("c"))
    select.from_(exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("c"))), copy=False)
    return {shape.column(r): exp.column(TRIMMED[r], "c") for r in roles}


def view(data: ScriptData, dialect: str = "duckdb") -> exp.Expression:
    """``CREATE VIEW decisions AS SELECT ...``: the caseload's columns, then evaluate's."""
    shape = data.shape
    select = _sql(_VIEW)
    texts = _trimmed_once(select, shape, dialect)
    values: Dict[str, exp.Expression] = {"sc_noc": texts[shape.column("noc")]}
    values["sc_industry"] = texts[shape.column("industry")] if shape.industry else exp.Literal.string("")
    default = exp.Literal.string(shape.noc_version)
    values["sc_noc_version"] = (exp.Coalesce(this=exp.Nullif(this=texts[shape.column("noc_version")].copy(),
                                                             expression=exp.Literal.string("")),
                                             expressions=[default]) if shape.noc_version_column else default)
    if shape.date_column is not None:
        text = values["sc_day_text"] = texts[shape.column("date")]
        day = values["sc_day"] = exp.func("SUBSTR", text.copy(), 1, 10, copy=False)  # the text at a midnight
        digits = exp.func("SUBSTR", text.copy(), 1, 4, copy=False)
        digits = _cat(digits, *(exp.func("SUBSTR", text.copy(), at, 2, copy=False) for at in (6, 9)))
        # the checks read the day's characters in the text itself (within its first ten, they are the same)
        day_parts = {"sc_day": text, "sc_day_alone": _fill(_sql(_MIDNIGHT), {"sc_text": text}),
                     "sc_digits_of_day": _digits(digits, 8, 8)}
        values["sc_day_ok"] = _fill(_sql(_DAY_OK), day_parts)
        values["sc_day_shape"] = _fill(_sql(_DAY_SHAPE), day_parts)
        on = exp.and_(values["sc_day_ok"].copy(), _fill(_sql(_IN_FORCE), {"sc_day": day}), copy=False)
        joins = select.args["joins"]
        joins[0] = exp.Join(this=exp.to_table("sc_policy_versions").as_("v"), side="LEFT", on=on)
        select.set("joins", joins)
    select = _fill(select, values)
    columns = []
    for projection in select.expressions:
        name = projection.alias_or_name
        if name == "error":
            projection = exp.alias_(_when([(_sql("d.noc IS NULL"), _error(data, values))]), "error", copy=False)
        if name in ("*",) or name in shape.added:
            columns.append(projection)
    select.set("expressions", _own_columns(shape, dialect, texts) + columns[1:])
    return exp.Create(this=exp.to_table("decisions"), kind="VIEW", expression=select)


def _literal(value) -> exp.Expression:
    """A value of the data (None, a bool, an int or text) as a literal; :class:`_Rows` remembers each
    by its type and value, which tell apart the texts of these types (not those of 0.0 and -0.0)."""
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"no literal for a {type(value).__name__} in the script's data")


def _table(name: str) -> List[exp.Expression]:
    """``DROP TABLE`` and ``CREATE TABLE`` of one of the data's tables."""
    columns, key = _TABLES[name]
    key = f", PRIMARY KEY ({key})" if key else ""
    return [_sql(f"DROP TABLE IF EXISTS {name}"), _sql(f"CREATE TABLE {name} ({columns}{key})")]


def _inserts(name: str, rows: Sequence[tuple], dialect: str) -> List[exp.Expression]:
    """The rows as ``INSERT ... VALUES`` statements of :data:`CHUNK` rows, every value a node of its own."""
    return [exp.Insert(this=exp.to_table(name),
                       expression=exp.Values(expressions=[exp.Tuple(expressions=[_literal(v) for v in row])
                                                          for row in rows[at:at + CHUNK]]))
            for at in range(0, len(rows), CHUNK)]


class _Rows:
    """The same statements as :func:`_inserts` with far fewer nodes for sqlglot to build and write
    (the default script's rows hold some 34,000 values, a tenth of them distinct): each distinct
    value's literal, and the frame of a row of ``n`` values (its parentheses and commas), written
    once by sqlglot for the dialect; each row is then one :class:`~sqlglot.exp.Var` node holding its
    text, which sqlglot writes verbatim into the ``INSERT``. ``tests/test_sqlscript.py`` checks that
    the script is byte for byte the one sqlglot writes from :func:`_inserts`, in every dialect."""

    def __init__(self, dialect: str):
        self.writer = sqlglot.Dialect.get_or_raise(dialect).generator()
        self.literals: Dict[tuple, str] = {}
        self.frames: Dict[int, str] = {}

    def literal(self, value) -> str:
        key = (type(value), value)  # True == 1, but they are written differently
        text = self.literals.get(key)
        if text is None:
            text = self.literals[key] = self.writer.generate(_literal(value), copy=False)
        return text

    def frame(self, n: int) -> str:
        """A row of ``n`` values as sqlglot writes it, a ``str.format`` field where each value goes."""
        frame = self.frames.get(n)
        if frame is None:
            marks = [f"\x00{i}\x00" for i in range(n)]
            text = self.writer.generate(exp.Tuple(expressions=[exp.Var(this=m) for m in marks]), copy=False)
            pieces = []
            for mark in marks:
                head, found, text = text.partition(mark)
                if not found:  # (sqlglot writes every value of a row, in order)
                    raise AssertionError(f"sqlglot wrote a row without its value {mark!r}")
                pieces.append(head.replace("{", "{{").replace("}", "}}"))
            pieces.append(text.replace("{", "{{").replace("}", "}}"))
            frame = self.frames[n] = "{}".join(pieces)
        return frame

    def inserts(self, name: str, rows: Sequence[tuple], dialect: str) -> List[exp.Expression]:
        literal = self.literal
        out = []
        for at in range(0, len(rows), CHUNK):
            chunk = rows[at:at + CHUNK]
            texts = [self.frame(len(row)).format(*map(literal, row)) for row in chunk]
            out.append(exp.Insert(this=exp.to_table(name),
                                  expression=exp.Values(expressions=[exp.Var(this=t) for t in texts])))
        return out


def _statements(data: ScriptData, dialect: str, inserts) -> List[exp.Expression]:
    if dialect not in DIALECTS:
        raise ValueError(dialect)
    # psql reads a script in the client's encoding (LATIN1 in a Latin-1 terminal); the script is UTF-8
    out: List[exp.Expression] = [_sql("SET client_encoding = 'UTF8'")] if dialect == "postgres" else []
    out.append(_sql("DROP VIEW IF EXISTS decisions"))
    for name, rows in (("sc_policy_versions", data.versions), ("sc_policy_industries", data.industries),
                       ("sc_policy_decisions", data.decisions)):
        out += [session_view(name, _TABLES[name][0], inserts(name, rows, dialect))] if dialect == "spark" \
            else _table(name) + inserts(name, rows, dialect)
    decisions = view(data, dialect)
    if dialect == "spark":  # a permanent view may not read a temporary one, which a caseload often is
        decisions.set("properties", exp.Properties(expressions=[exp.TemporaryProperty()]))
        decisions = decisions.transform(ascii_text, copy=False)  # the view in ASCII, whatever the locale
    out.append(decisions)
    return out


def statements(data: ScriptData, dialect: str, values: bool = True) -> List[exp.Expression]:
    """The script's statements, in order, every value of the data a node of its own (without
    ``values``, the tables are created empty, for a caller that fills them itself: faster than
    parsing thousands of rows of SQL; not in Spark, whose data are temporary views of their rows), and
    Spark's ``decisions`` a temporary view (Spark refuses a permanent view over a temporary ``caseload``)."""
    return _statements(data, dialect, _inserts if values else lambda *_: [])


def script(data: ScriptData, dialect: str) -> str:
    """The whole script in ``dialect``: statements each ending in ``;`` and a line end (the
    :func:`statements`, each row of data written as :class:`_Rows` writes it)."""
    rows = _Rows(dialect)
    return "".join(s.sql(dialect=dialect, copy=False) + ";\n" for s in _statements(data, dialect, rows.inserts))
