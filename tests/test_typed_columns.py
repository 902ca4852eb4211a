"""A caseload kept in a warehouse with typed columns: `sc-policy sql` over the typed table decides each row as
`evaluate` decides the table exported to CSV (as DuckDB writes it) and to Parquet (as DuckDB and pyarrow write
it, typed), and the DuckDB engine as the Python path, byte for byte.

A NOC held as an integer has lost a leading zero (211 is refused on every path, never decided as 0211); NULL is
an empty code; a DATE, or a TIMESTAMP at midnight without a time zone, is its day; a time of day other than
midnight, or a time zone, is refused on every path (which day it falls on is not guessed).
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3

import pytest
from click.testing import CliRunner

from sc_policy.cli import main

from test_evaluate_columnar import used  # noqa: F401 (a fixture)
from conftest import slow
from test_sql import _text, sql_script

duckdb = pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

pytestmark = pytest.mark.usefixtures("cli_shares_ws")

DAYS = {
    # the day, as each tool writes a DATE or a TIMESTAMP at midnight
    "2026-03-01": "phase-1", "2026-03-01 00:00:00": "phase-1", "2026-03-01T00:00:00": "phase-1",
    "2026-11-26 00:00": "phase-1.1", "2026-11-26 00:00:00.000000": "phase-1.1",
    "2026-11-26T00:00:00.000": "phase-1.1", " 2026-11-26 00:00:00.000000000 ": "phase-1.1",
    # not a day, or no day by itself
    "2026-02-30 00:00:00": "not a date", "1999-01-01 00:00:00": "no version",
    "2026-03-01 00:00:00+00": "not YYYY-MM-DD", "2026-03-01 00:00:00.000000Z": "not YYYY-MM-DD",
    "2026-03-01T00:00:00+00:00": "not YYYY-MM-DD", "2026-03-01 13:45:00": "not YYYY-MM-DD",
    "2026-03-01 00:00:01": "not YYYY-MM-DD", "2026-03-01 00:00:00.5": "not YYYY-MM-DD",
    "2026-03-01 00:00:00.": "not YYYY-MM-DD", "2026-03-01  00:00:00": "not YYYY-MM-DD",
    "2026-03-01 00": "not YYYY-MM-DD", "2026-03-01x00:00:00": "not YYYY-MM-DD", "": "not YYYY-MM-DD",
    "2026/03/01": "not YYYY-MM-DD", "2026/03/01 00:00:00": "not YYYY-MM-DD", "２０２６-０３-０１": "not YYYY-MM-DD",
}
GUESSED = "is not YYYY-MM-DD (nor midnight without a time zone)"


def evaluate(path, *args) -> list:
    result = CliRunner().invoke(main, ["evaluate", str(path), "--format", "jsonl", *args])
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def _kind(error):
    """An error without its echoed value and its hint in brackets: its kind, the same on every path."""
    return None if error is None else re.sub(r" \(.*\)$", "", re.sub(r"'[^']*'", "'...'", error))


def _decisions(rows: list) -> dict:
    """id -> (eligible, areas, version, version_hash, the error's kind)."""
    return {str(r["id"]): (r["eligible"], r["areas"] if isinstance(r["areas"], str) else ";".join(r["areas"]),
                           r["version"], r["version_hash"], _kind(r["error"])) for r in rows}


def _view(con, script: str) -> dict:
    """The view ``decisions`` in DuckDB or SQLite (whose booleans are 1 and 0)."""
    con.execute(script) if isinstance(con, duckdb.DuckDBPyConnection) else con.executescript(script)
    cur = con.execute("SELECT * FROM decisions")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, row)) for row in cur.fetchall()]
    for row in rows:
        row["eligible"] = None if row["eligible"] is None else _text(row["eligible"]) == "true"
    return _decisions(rows)


def test_a_date_at_midnight_is_its_day_on_every_path(tmp_path, used):
    """``2026-03-01 00:00:00`` (a TIMESTAMP at midnight as DuckDB, SQLite or a spreadsheet writes it, with ``T``
    as PostgreSQL's JSON does, with zero fractions as Arrow does) is the day 2026-03-01 in evaluate, the DuckDB
    engine and the SQL alike; a time zone or another time is refused, with the reason (it was refused as
    'not YYYY-MM-DD' on every path, a midnight too)."""
    header = ["id", "noc", "industry", "decided"]
    rows = [[str(i), "2174", "541514", day] for i, day in enumerate(DAYS)]
    path = tmp_path / "cases.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([header] + rows)
    args = ["--date-column", "decided"]
    got = evaluate(path, *args)
    for (day, want), row in zip(DAYS.items(), got):
        if want.startswith("phase"):
            assert (row["version"], row["eligible"], row["error"]) == (want, True, None), row
        else:
            assert row["eligible"] is None and want in row["error"], row
            said = want == "not YYYY-MM-DD" and re.match(r"[0-9-]{10}[ T][0-9]{2}:[0-9]{2}", day) is not None
            assert (GUESSED in row["error"]) is said, row  # a time of day or a zone: the reason given
            assert len(row["error"]) <= 110, row  # a short line (test_error_lines)
    fast = CliRunner().invoke(main, ["evaluate", str(path), *args], env={"SC_POLICY_ENGINE": "duckdb"})
    slow = CliRunner().invoke(main, ["evaluate", str(path), *args])
    assert (fast.exit_code, fast.stdout_bytes) == (slow.exit_code, slow.stdout_bytes) and slow.exit_code == 1
    assert used == [True]  # (not handed back to the Python path)
    expected = _decisions(got)
    con = duckdb.connect()
    con.execute("CREATE TABLE caseload (id VARCHAR, noc VARCHAR, industry VARCHAR, decided VARCHAR)")
    con.executemany("INSERT INTO caseload VALUES (?, ?, ?, ?)", rows)
    assert _view(con, sql_script(args, "duckdb")) == expected
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE caseload (id TEXT, noc TEXT, industry TEXT, decided TEXT)")
    con.executemany("INSERT INTO caseload VALUES (?, ?, ?, ?)", rows)
    assert _view(con, sql_script(args + ["--columns", ",".join(header)], "sqlite")) == expected


TYPED_ROWS = [  # (noc, industry, noc_version, the day) as SQL literals; NULL in every column
    ("2174", "541514", "2016", "DATE '2026-03-01'"), ("211", "NULL", "NULL", "DATE '2026-11-26'"),
    ("213", "31", "2016", "DATE '2026-11-26'"), ("21311", "NULL", "2021", "DATE '2026-11-26'"),
    ("NULL", "541514", "2016", "DATE '2026-11-26'"), ("2174", "999999", "NULL", "DATE '2026-11-26'"),
    ("2174", "NULL", "2022", "DATE '2026-11-26'"), ("7511", "484121", "2016", "NULL"),
    ("2174", "541514", "2016", "DATE '1999-01-01'"), ("9241", "3345", "NULL", "DATE '2026-11-27'"),
]
TYPES = [  # the day's column types, each with what it makes of the day
    ("DATE", "{}"), ("TIMESTAMP", "CAST({} AS TIMESTAMP)"), ("TIMESTAMP_S", "CAST({} AS TIMESTAMP_S)"),
    ("TIMESTAMP_MS", "CAST({} AS TIMESTAMP_MS)"), ("TIMESTAMP_NS", "CAST({} AS TIMESTAMP_NS)"),
    ("TIMESTAMP", "CAST({} AS TIMESTAMP) + INTERVAL 13 HOUR"), ("TIMESTAMPTZ", "CAST({} AS TIMESTAMPTZ)"),
    ("VARCHAR", "STRFTIME(CAST({} AS TIMESTAMP), '%Y-%m-%d %H:%M:%S')"),
]


CODES = [("INTEGER", "INTEGER", "INTEGER"), ("BIGINT", "DECIMAL(6,0)", "SMALLINT"), ("CHAR(6)", "CHAR(8)", "CHAR(5)")]
"""The code columns' types (noc, industry, noc_version): numbers, or text padded with spaces."""


@pytest.mark.parametrize("day_type, day, code_types", [
    # a plain run keeps each kind of code column (numbers, decimals, padded text) and of day (DATE, TIMESTAMP,
    # text); the other timestamp types run with --run-slow, as CI runs
    (pytest.param if k in (0, 1, 2, 7) else slow)(*t, CODES[k % len(CODES)], id=f"{t[0]}-{k}")
    for k, t in enumerate(TYPES)])
def test_typed_columns_are_decided_alike_in_sql_csv_and_parquet(tmp_path, used, day_type, day, code_types):
    """A warehouse table whose codes are numbers (a NOC's leading zero lost: 211 and 213 refused, not decided
    as 0211 or 0213) or padded text, and whose day is a DATE or a TIMESTAMP: `sc-policy sql` over it, `evaluate`
    of its CSV and Parquet exports (DuckDB's COPY, pyarrow's typed table) and the DuckDB engine on the CSV agree
    on every row (the error's echoed value and hint aside: a Parquet timestamp is echoed with its fraction)."""
    con = duckdb.connect()
    noc, industry, nv = code_types
    con.execute(f"CREATE TABLE caseload (id INTEGER, noc {noc}, industry {industry}, noc_version {nv}, "
                f"decided {day_type})")
    for i, (n, ind, v, d) in enumerate(TYPED_ROWS):
        if code_types[0].startswith("CHAR"):
            n, ind, v = (x if x == "NULL" else f"' {x} '" for x in (n, ind, v))
        con.execute(f"INSERT INTO caseload VALUES ({i}, {n}, {ind}, {v}, {day.format(d) if d != 'NULL' else d})")
    con.execute(f"COPY caseload TO '{tmp_path / 'c.csv'}' (HEADER)")
    con.execute(f"COPY caseload TO '{tmp_path / 'c.parquet'}' (FORMAT parquet)")
    pq.write_table(con.sql("SELECT * FROM caseload").to_arrow_table(), tmp_path / "arrow.parquet")
    args = ["--date-column", "decided"]
    got = _view(con, sql_script(args + ["--noc-version-column"], "duckdb"))
    if "13 HOUR" in day or "TZ" in day_type:  # no day by itself: every row refused
        assert {v[4] for v in got.values()} == {"date '...' in column '...' is not YYYY-MM-DD"}
    else:
        assert got["0"][:3] == (True, "ict", "phase-1") and got["9"][2] == "phase-1.1"
        assert got["1"][4] == got["2"][4] == "NOC code '...' is not four digits"  # 211, 213: not 0211, 0213
        assert got["7"][4].startswith("date ") and got["8"][4].startswith("no version of the policy")
    for path in ("c.csv", "c.parquet", "arrow.parquet"):
        assert _decisions(evaluate(tmp_path / path, *args)) == got, path
    fast = CliRunner().invoke(main, ["evaluate", str(tmp_path / "c.csv"), *args], env={"SC_POLICY_ENGINE": "duckdb"})
    slow = CliRunner().invoke(main, ["evaluate", str(tmp_path / "c.csv"), *args])
    assert (fast.exit_code, fast.stdout_bytes) == (slow.exit_code, slow.stdout_bytes)
    assert used == [True]  # the DuckDB engine decided the CSV export, not the Python path


@pytest.mark.parametrize("float_type", ["DOUBLE", "FLOAT"])
def test_codes_stored_as_floating_point_numbers_are_refused_on_every_path(tmp_path, float_type):
    """A NOC, NAICS or NOC version held as a floating-point number (pandas makes a column of numbers with gaps
    one) is ``2174.0`` to the SQL (DuckDB, SQLite) and in a CSV export, refused with the code it stands for named;
    evaluate's Parquet reader read it as Arrow writes it, ``2174``, and decided it: eligible from the Parquet
    file, refused from the same table's CSV and in the warehouse."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE caseload (id INTEGER, noc {float_type}, industry {float_type}, "
                f"noc_version {float_type}, note {float_type})")
    con.execute("INSERT INTO caseload VALUES (0, 2174, 541514, 2016, 0.5), (1, 211, NULL, NULL, NULL), "
                "(2, 2174, NULL, NULL, 1), (3, 21311, 31, 2021, 2), (4, 2174.5, NULL, NULL, NULL)")
    con.execute(f"COPY caseload TO '{tmp_path / 'c.csv'}' (HEADER)")
    con.execute(f"COPY caseload TO '{tmp_path / 'c.parquet'}' (FORMAT parquet)")
    got = _view(con, sql_script(["--noc-version-column"], "duckdb"))
    assert {v[4] for v in got.values()} == {"NOC code '...' is not four digits", "NOC version '...' is not 2016 or 2021"}
    for path in ("c.csv", "c.parquet"):
        rows = evaluate(tmp_path / path)
        assert _decisions(rows) == got, path
        assert "written as a number: 2174 Computer programmers" in rows[2]["error"], rows[2]
    out = tmp_path / "out.csv"
    assert CliRunner().invoke(main, ["evaluate", str(tmp_path / "c.parquet"), "-o", str(out)]).exit_code == 1
    assert [r["note"] for r in csv.DictReader(open(out, encoding="utf-8"))] == ["0.5", "", "1", "2", ""]
