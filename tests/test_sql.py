"""`sc-policy sql`: the policy compiled to SQL decides a caseload in DuckDB and SQLite exactly as
`sc-policy evaluate` does, row for row and column for column (the error's wording aside), and
the PostgreSQL and Spark scripts parse in their dialects.

The comparison runs `evaluate` live on the same rows, so a change to how `evaluate` reads codes
shows here as a mismatch until the SQL follows it.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import random
import re
import sqlite3
import sys
from pathlib import Path

import duckdb
import pytest
import sqlglot
from click.testing import CliRunner

from sc_policy.cli import main
from sc_policy.reference.statcan import reference_data

from conftest import VERSION
from test_evaluate_csv import _two_versions

pytestmark = pytest.mark.usefixtures("cli_shares_ws")

REF = reference_data()
NOC2016 = sorted(REF.noc2016)
NOC2021 = sorted(REF.concordance)
NAICS2022_ONLY = sorted(set(REF.naics2022) - set(REF.naics2017))
PADS = ["", " ", "  ", "\t", "\u00a0", "\u3000", "\n", "\x0b", "\x0c", "\u2028", "\x1c"]
"""What evaluate trims (str.strip), around codes: spaces, tabs, NBSP, ideographic space, line breaks
(no CR: in a CSV a CR before an LF is part of the line end, so CSV and SQL would hold other values)."""


def _padded(rng: random.Random, code: str) -> str:
    return rng.choice(PADS) + code + rng.choice(PADS) if rng.random() < 0.25 else code


def _noc(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        code = rng.choice(NOC2016)
    elif r < 0.75:
        code = rng.choice(NOC2021)  # a NOC 2021 code: some map to several NOC 2016 codes
    else:  # malformed or unknown in one way or another
        code = rng.choice(["", "211", "21A4", "02174", "0000", "9999", "2174.0", "21 74", "\u0662\u0661\u0667\u0664",
                           "\uff12\uff11\uff17\uff14", "12345", "99999", "2174x", "-2174", "NULL", "0011 1"])
    return _padded(rng, code)


def _industry(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.3:
        code = ""
    elif r < 0.85:
        code = rng.choice(REF.naics2017_codes)
    else:
        code = rng.choice(["31-33", "44-45", "48-49", "999999", "1", "1234567", "abc", "3345a", "541 514",
                           "\u0663\u0663\u0664\u0665", rng.choice(NAICS2022_ONLY)])
    return _padded(rng, code)


def _date(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.8:
        day = f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 31):02d}"  # some not real
    else:
        day = rng.choice(["2022-02-29", "2024-02-29", "2100-02-29", "2000-02-29", "0000-01-01", "0001-01-01",
                          "2021-13-01", "2021-00-10", "30/06/2022", "", "2022-6-30", "20220630", "2022-06-30T00:00",
                          "\uff12\uff10\uff12\uff12-\uff10\uff16-\uff13\uff10", "2022_06_30", "9999-12-31",
                          # a TIMESTAMP at midnight as text is its day; another time, or a zone, is no day
                          "2022-06-30 00:00:00", "2022-06-30T00:00:00.000000", "2023-01-01 00:00", "2022-02-29 00:00:00",
                          "2022-06-30 00:00:00+00", "2022-06-30 13:45:00", "2022-06-30 00:00:00.", "2022-06-3000:00",
                          # each side of where a version starts or ends (the shipped ones, and those of _two_versions)
                          "2021-03-31", "2021-04-01", "2026-11-25", "2026-11-26", "2027-12-31", "2028-01-01"])
    return _padded(rng, day)


def caseload(n: int, seed: int, *, industry=True, noc_version=False, date=False):
    """(header, rows): ``n`` rows with every kind of code evaluate refuses, and an ``id`` to match rows by."""
    rng = random.Random(seed)
    header = ["id", "noc"] + (["industry"] if industry else []) + (["noc_version"] if noc_version else []) \
        + (["decided"] if date else [])
    rows = []
    for i in range(n):
        row = [str(i), _noc(rng)]
        if industry:
            row.append(_industry(rng))
        if noc_version:
            row.append(_padded(rng, rng.choice(["", "2016", "2021", "2021", "2022", "x"])))
        if date:
            row.append(_date(rng))
        rows.append(row)
    return header, rows


def _csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # so that a field holding a CR is quoted
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def run_evaluate(data: bytes, args) -> list:
    result = CliRunner().invoke(main, ["evaluate", *args], input=data)
    assert result.exit_code in (0, 1), result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def sql_script(args, dialect: str) -> str:
    return _sql_script(tuple(args), dialect)


@functools.lru_cache(maxsize=None)
def _sql_script(args: tuple, dialect: str) -> str:
    """The script, once per module run for the same arguments (the command is deterministic; the
    shipped version is shared through ``cli_shares_ws``, and a ``--policies`` tree's path is new
    for each test)."""
    result = CliRunner().invoke(main, ["sql", "--dialect", dialect, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _text(value) -> str:
    """An SQL value as evaluate's CSV writes it: booleans as true/false (SQLite's 1/0 too), NULL as ''."""
    if value is None:
        return ""
    if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
        return "true" if value else "false"
    return str(value)


def run_duckdb(script: str, header, rows, path: Path) -> tuple:
    """The rows go in as JSON Lines (every character escaped, as no CSV dialect is common to all tools)."""
    path.write_text("".join(json.dumps(dict(zip(header, row))) + "\n" for row in rows), encoding="utf-8")
    con = duckdb.connect()
    columns = "{" + ", ".join(f"'{h}': 'VARCHAR'" for h in header) + "}"
    con.execute(f"CREATE TABLE caseload AS SELECT * FROM read_json(?, format = 'newline_delimited', "
                f"columns = {columns})", [str(path)])
    con.execute(script)
    cur = con.execute("SELECT * FROM decisions")
    return [d[0] for d in cur.description], cur.fetchall()


def run_sqlite(script: str, header, rows) -> tuple:
    """The table's columns named exactly as ``header`` names them, as SQLite's ``.import`` names them."""
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE TABLE caseload ({', '.join(chr(34) + h + chr(34) + ' TEXT' for h in header)})")
    con.executemany(f"INSERT INTO caseload VALUES ({', '.join('?' * len(header))})", rows)
    con.executescript(script)
    cur = con.execute("SELECT * FROM decisions")
    return [d[0] for d in cur.description], cur.fetchall()


def assert_same(expected: list, names, got, header) -> dict:
    """Every row and column equal, but the error's text (only whether there is one); returns counts."""
    assert list(names) == list(expected[0].keys())
    assert len(got) == len(expected)
    by_id = {}
    for row in got:
        values = dict(zip(names, (_text(v) for v in row)))
        by_id[values["id"]] = values
    errors = 0
    for want in expected:
        have = by_id[want["id"]]
        assert bool(have["error"]) == bool(want["error"]), (want, have)
        errors += bool(want["error"])
        assert {k: v for k, v in have.items() if k != "error"} == {k: v for k, v in want.items() if k != "error"}, \
            (want, have)
    return {"rows": len(expected), "errors": errors}


def compare(tmp_path, n, seed, *, sql_args=(), eval_args=(), **shape):
    header, rows = caseload(n, seed, **shape)
    data = _csv(header, rows)
    expected = run_evaluate(data, list(eval_args))
    names, got = run_duckdb(sql_script(list(sql_args), "duckdb"), header, rows, tmp_path / "cases.jsonl")
    counts = assert_same(expected, names, got, header)
    columns = ["--columns", ",".join(header)]  # SQLite has no * REPLACE: the view lists the columns to trim them
    names, got = run_sqlite(sql_script(list(sql_args) + columns, "sqlite"), header, rows)
    assert assert_same(expected, names, got, header) == counts
    assert 0 < counts["errors"] < counts["rows"]
    return expected


@pytest.mark.slow
def test_sql_decides_100k_rows_as_evaluate_does_in_duckdb_and_sqlite(tmp_path):
    expected = compare(tmp_path, 100_000, 17, sql_args=["--noc-version-column"], industry=True, noc_version=True)
    verdicts = {r["verdict"] for r in expected}
    assert verdicts == {"eligible", "not_eligible", "indeterminate", ""}
    errors = [r["error"] for r in expected if r["error"]]
    for kind in ("NOC code ", "NOC 2021 code ", "NAICS code ", "NOC version "):  # every kind of refusal
        assert any(e.startswith(kind) for e in errors), kind


@pytest.mark.parametrize("sql_args,eval_args,shape", [
    ([], [], {"industry": True}),
    (["--no-industry", "--noc-version", "2021"], ["--noc-version", "2021"], {"industry": False}),
])
def test_sql_without_optional_columns(tmp_path, sized, sql_args, eval_args, shape):
    compare(tmp_path, sized(1_000, 5_000), 5, sql_args=sql_args, eval_args=eval_args, **shape)


def test_sql_by_date_chooses_the_version_in_force_each_day(tmp_path, sized, tree_copy):
    """Also over 100,000 rows (with --run-slow) holding every kind of bad row, bad dates among them: the rows of
    the 100k comparison above have no date column."""
    tree = _two_versions(tree_copy)
    args = ["--policies", str(tree), "--date-column", "decided"]
    expected = compare(tmp_path, sized(1_000, 100_000), 9, sql_args=args + ["--noc-version-column"], eval_args=args,
                       date=True, noc_version=True)
    assert {r["version"] for r in expected} == {"phase-1", "phase-1.1", "phase-1.2", "phase-2", ""}
    errors = [r["error"] for r in expected if r["error"]]
    for kind in ("NOC code ", "NOC 2021 code ", "NAICS code ", "NOC version ", "date ", "no version of the policy "):
        assert any(e.startswith(kind) for e in errors), kind
    assert any(" is not a date" in e for e in errors) and any(" is not YYYY-MM-DD" in e for e in errors)


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["postgres", "spark"])
def test_postgres_and_spark_scripts_parse_in_their_dialect(dialect):
    text = sql_script(["--noc-version-column", "--date-column", "decided"], dialect)
    statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    assert isinstance(statements[-1], sqlglot.exp.Create) and statements[-1].args["kind"] == "VIEW"
    assert statements[-1].this.name == "decisions"
    names = [p.alias_or_name for p in statements[-1].expression.expressions]
    assert names == ["*", "eligible", "verdict", "areas", "candidates", "version", "error", "version_hash"]
    kind = sqlglot.exp.Insert if dialect == "postgres" else sqlglot.exp.Create
    rows = [s for s in statements if isinstance(s, kind)]
    assert len(rows) > (10 if dialect == "postgres" else 3)  # Spark: the data are temporary views of their rows


def test_sql_errors_are_one_line_exit_2(monkeypatch):
    result = CliRunner().invoke(main, ["sql", "--version", "phase-9"])
    assert result.exit_code == 2 and "unknown version 'phase-9'" in result.output
    result = CliRunner().invoke(main, ["sql", "--dialect", "oracle"])
    assert result.exit_code == 2
    for args, needle in ((["--date-column", " "], "names no column"), (["--date-column", "d", "--on", "2022-01-01"],
                                                                        "at most one of"),
                         (["--date-column", "NOC"], "--date-column names 'NOC', a column of codes"),
                         (["--date-column", "noc_version", "--noc-version-column"], "a column of codes")):
        result = CliRunner().invoke(main, ["sql", *args])
        assert result.exit_code == 2 and needle in result.output and len(result.output.strip().splitlines()) == 1
    monkeypatch.setitem(sys.modules, "sqlglot", None)  # as if the data extra were not installed
    monkeypatch.delitem(sys.modules, "sc_policy.app.sqlscript", raising=False)
    monkeypatch.setattr("sc_policy.cli.install.origin",  # an editable install of a checkout
                        lambda: {"url": "file:///home/ana/sc-policy", "dir_info": {"editable": True}})
    result = CliRunner().invoke(main, ["sql"])
    assert result.exit_code == 2 and result.output.strip().splitlines() == [
        "sc-policy: error: writing SQL needs sqlglot, which is not installed (pip install -e '/home/ana/sc-policy[data]')"]


def _readme_blocks() -> dict:
    """The README's SQL recipes for DuckDB and SQLite (the ```sql blocks of its warehouse section)."""
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Deciding a caseload in your warehouse"):]
    section = section[:section.index("\n### ", 10)]
    blocks = re.findall(r"\n(\w+) \([^\n]*\n\n```sql\n(.*?)```", section, re.S)
    return {name: body for name, body in blocks}


def test_readme_recipes_decide_as_evaluate_does(tmp_path, monkeypatch, sized):
    """The README's commands, run as written (the CLIs' .read and .import done by the test), in DuckDB and
    SQLite: `decisions` equals evaluate's output on the same CSV."""
    blocks = _readme_blocks()
    assert set(blocks) == {"DuckDB", "SQLite"}
    header, rows = caseload(sized(1_000, 5_000), 3)
    (tmp_path / "cases.csv").write_bytes(_csv(header, rows))
    expected = run_evaluate(_csv(header, rows), [])
    monkeypatch.chdir(tmp_path)
    for name, body in blocks.items():
        dialect = name.lower()
        args = [] if dialect == "duckdb" else ["--columns", ",".join(header)]  # as the README writes it
        (tmp_path / "decide.sql").write_text(sql_script(args, dialect), encoding="utf-8")
        con = duckdb.connect() if dialect == "duckdb" else sqlite3.connect(":memory:")
        result = None
        statements, pending = [], ""
        for line in body.splitlines():  # a dot command is one line; SQL runs to its ";"
            if line.startswith("."):
                statements.append(line)
            else:
                pending += line + "\n"
                if line.rstrip().endswith(";"):
                    statements.append(pending.strip())
                    pending = ""
        assert not pending.strip()
        for statement in statements:
            if statement.startswith(".read "):
                script = Path(statement.split()[1]).read_text(encoding="utf-8")
                con.execute(script) if dialect == "duckdb" else con.executescript(script)
            elif statement.startswith(".import --csv "):
                _, _, path, table = statement.split()
                with open(path, newline="", encoding="utf-8") as f:
                    found = list(csv.reader(f))
                con.execute(f"CREATE TABLE {table} ({', '.join(f'{h} TEXT' for h in found[0])})")
                con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(found[0]))})", found[1:])
            else:
                result = con.execute(statement).fetchall()
        cur = con.execute("SELECT * FROM decisions")
        names = [d[0] for d in cur.description]
        assert_same(expected, names, cur.fetchall(), header)
        counts = {_text(e): n for e, n in result}  # the recipe's last query: decisions by eligibility
        assert counts == {v: sum(r["eligible"] == v for r in expected) for v in ("", "true", "false")}
        if dialect == "duckdb":
            written = list(csv.DictReader(open(tmp_path / "decisions.csv", newline="", encoding="utf-8")))
            assert len(written) == len(expected) and list(written[0]) == list(expected[0])


def test_sql_echoes_a_long_value_cut_as_evaluate_does(tmp_path):
    """A row's long code is quoted in the error cut after 40 characters with an ellipsis, in the SQL's
    words exactly as in evaluate's (the same script as the 100k comparison, made once per module)."""
    long = "x" * 35 + "ABCDEFGHIJ" + "y" * 100
    header = ["id", "noc", "industry", "noc_version"]
    rows = [["1", long, "", ""], ["2", "2174", long, ""], ["3", "2174", "", long], ["4", "2174", " abc ", ""]]
    expected = {r["id"]: r["error"] for r in run_evaluate(_csv(header, rows), [])}
    assert all(("ABCDE\u2026" in expected[i]) and "ABCDEF" not in expected[i] for i in "123"), expected
    names, got = run_duckdb(sql_script(["--noc-version-column"], "duckdb"), header, rows, tmp_path / "long.jsonl")
    assert {row[0]: row[names.index("error")] for row in got} == expected
    names, got = run_sqlite(sql_script(["--noc-version-column", "--columns", ",".join(header)], "sqlite"), header, rows)
    assert {row[0]: row[names.index("error")] for row in got} == expected


@pytest.mark.parametrize("columns, said", [
    ("noc,noc", "--columns: the header names column 'noc' twice"),
    ("noc,industry,eligible", "--columns: the input already has a column 'eligible', which the output adds"),
    ("noc, Error ,industry", "--columns: the input already has a column 'error', which the output adds"),
    # the view's derived table names the trimmed noc so: the caseload's column was read in its place
    ("noc,industry,sc_policy_noc", "--columns has a column 'sc_policy_noc', a name the script gives a column of "
                                   "its own: rename it"),
    ("noc,industry,SC_POLICY_INDUSTRY", "--columns has a column 'SC_POLICY_INDUSTRY', a name the script gives"),
    ("industry", "--columns has no column 'noc'"),
    ("", "--columns names no column"),  # (head -n 1 of a file that is not there)
    ("id,noc,industry\n1,2174,541514", "--columns holds a line break: give the header line alone"),  # head -n 2
    ("noc,in\rdustry", "--columns holds a line break"),
    ('noc,"industry', "--columns is not a CSV header line: unexpected end of data"),
    ('"noc"x,industry', "--columns is not a CSV header line"),
])
def test_columns_that_evaluate_would_refuse_are_refused(columns, said):
    result = CliRunner().invoke(main, ["sql", "--dialect", "sqlite", "--columns", columns])
    assert result.exit_code == 2 and result.stderr.startswith(f"sc-policy: error: {said}"), result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("args, said", [
    (["--columns", "id,noc,industry, NOC_Version"], "--columns has a column 'noc_version', which evaluate reads and "
                                                   "the script would not: give --noc-version-column"),
    (["--no-industry", "--columns", "id,noc,industry"], "--columns has a column 'industry', which evaluate reads and "
                                                        "the script would not: leave out --no-industry"),
])
def test_columns_evaluate_reads_are_not_left_unread(args, said):
    """A listed noc_version column without --noc-version-column (or an industry column with --no-industry)
    would be passed through unread: NOC 2021 codes refused, a bad NOC version decided, where evaluate
    reads the column. Refused, as a shape the view cannot decide as evaluate does."""
    result = CliRunner().invoke(main, ["sql", "--dialect", "sqlite", *args])
    assert (result.exit_code, result.stderr) == (2, f"sc-policy: error: {said}\n")


def test_columns_with_spaces_around_names_are_the_caseloads_columns(tmp_path, tree_copy):
    """A header such as ``id, noc, industry`` (evaluate reads it) makes, with SQLite's ``.import``, columns
    named `` noc`` and `` industry``: given as --columns, the view reads those, spaces and all, and
    decides as evaluate does (it named them ``noc``: "no such column")."""
    header, rows = caseload(300, 23, industry=True, noc_version=True, date=True)
    header = ["id", " NOC", " industry ", "noc_version ", "  decided"]
    tree = _two_versions(tree_copy)
    args = ["--policies", str(tree), "--date-column", "decided"]
    expected = run_evaluate(_csv(header, rows), args)
    assert list(expected[0])[:5] == header
    script = sql_script(args + ["--noc-version-column", "--columns", ",".join(header)], "sqlite")
    names, got = run_sqlite(script, header, rows)
    counts = assert_same(expected, names, got, header)
    assert 0 < counts["errors"] < counts["rows"]
    assert {r["version"] for r in expected} == {"phase-1", "phase-1.1", "phase-1.2", "phase-2", ""}


def test_columns_are_read_as_a_csv_header_quotes_and_all():
    header = ["noc", "weird name", "industry"]
    script = sql_script(["--columns", '\ufeff"noc","weird name","industry"'], "sqlite")  # a BOM, as head -n 1 keeps it
    con = sqlite3.connect(":memory:")
    con.execute('CREATE TABLE caseload (noc TEXT, "weird name" TEXT, industry TEXT)')
    con.executemany("INSERT INTO caseload VALUES (?, ?, ?)", [("2174", "kept", "541514"), (" 2174 ", "x", "")])
    con.executescript(script)
    cur = con.execute("SELECT * FROM decisions")
    names, got = [d[0] for d in cur.description], cur.fetchall()
    assert names[:3] == header
    assert [tuple(map(_text, row[:4])) for row in got] == [("2174", "kept", "541514", "true"), ("2174", "x", "", "true")]


def test_a_bad_date_is_worded_as_evaluate_words_it():
    header = ["noc", "decided"]
    rows = [("2174", day) for day in ("2026-02-30", "2026/01/01", "2027-01-01", "2001-01-01", "0000-01-01", "26-1-1")]
    args = ["--date-column", "decided", "--no-industry"]
    expected = [r["error"] for r in run_evaluate("\n".join(",".join(r) for r in [header, *rows]).encode() + b"\n",
                                                 ["--date-column", "decided"])]
    assert expected[:2] == ["date '2026-02-30' in column 'decided' is not a date",
                            "date '2026/01/01' in column 'decided' is not YYYY-MM-DD"]
    names, got = run_sqlite(sql_script(args + ["--columns", "noc,decided"], "sqlite"), header, rows)
    assert [_text(row[names.index("error")]) for row in got] == expected


@pytest.mark.parametrize("args, told", [
    (["--columns", "ID,NOC,Industry,ÉTAT"], True),       # a column passed through
    (["--date-column", "Décidé"], True),                 # a column the view reads
    (["--columns", "ID,NOC,Industry"], False),
])
def test_spark_is_told_when_a_column_name_keeps_its_view_from_being_ascii(args, told):
    """The Spark view writes its texts in ASCII (spark-sql reads a script in the locale's encoding, ASCII under
    LANG=C), but a column's name can only be written as it is: the README said the view is ASCII, and under
    LANG=C such a name is read as another (no such column). Said on stderr; the script is the same."""
    pytest.importorskip("sqlglot")
    result = CliRunner().invoke(main, ["sql", "--dialect", "spark", *args])
    assert result.exit_code == 0, result.output
    assert result.stdout.isascii() is not told
    warned = [line for line in result.stderr.splitlines() if "warning" in line]
    assert bool(warned) is told, result.stderr
    if told:
        assert len(warned) == 1 and "UTF-8 locale" in warned[0] and "not ASCII" in warned[0], warned


@pytest.mark.parametrize("args", [["--date-column", "d\udcff"], ["--columns", "noc,industry,d\udcff"]],
                         ids=["--date-column", "--columns"])
def test_a_column_name_given_in_bytes_that_are_not_utf8_is_one_line_exit_2(args):
    """A shell passes b'\\xff' as the surrogate escape '\\udcff': the script, quoting the name, could not be
    encoded in UTF-8 (a UnicodeEncodeError traceback after the whole script was built)."""
    result = CliRunner().invoke(main, ["sql", *args])
    assert result.exit_code == 2, (repr(result.exception), result.output)
    (line,) = result.output.strip().splitlines()
    assert line == f"sc-policy: error: {args[0]}: 'd\\udcff' holds bytes that are not UTF-8: a column's name is text " \
                   "(give the name in UTF-8)"
