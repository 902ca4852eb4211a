"""`evaluate` through DuckDB (the data extra, SC_POLICY_ENGINE=duckdb): byte for byte the output of the Python path, on every
kind of bad row, and the same exit status and counts; an input DuckDB would read otherwise is left
to the Python path."""

from __future__ import annotations

import csv
import io
import random
import sys

import pytest
from click.testing import CliRunner

from sc_policy.app import caseduck
from sc_policy.cli import main

from test_sql import _date, _industry, _noc, caseload
from test_evaluate_csv import _two_versions

pytestmark = pytest.mark.usefixtures("cli_shares_ws")

PLAIN_PADS = ["", " ", "  ", "\t", "\u00a0", "\u3000", "\x0b", "\x0c", "\u2028", "\x1c"]
"""What evaluate trims and a CSV writer leaves unquoted."""


@pytest.fixture()
def used(monkeypatch):
    """How many runs the DuckDB path decided (not handed back to the Python path)."""
    taken = []
    original = caseduck.run

    def run(*args, **kwargs):
        counts = original(*args, **kwargs)
        taken.append(counts is not None)
        return counts

    monkeypatch.setattr(caseduck, "run", run)
    return taken


def _plain(monkeypatch):
    import test_sql
    monkeypatch.setattr(test_sql, "PADS", PLAIN_PADS)


def _write(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([header] + rows)


def both(path, args, monkeypatch):
    monkeypatch.setenv("SC_POLICY_ENGINE", "duckdb")
    fast = CliRunner().invoke(main, ["evaluate", str(path), *args])
    monkeypatch.delenv("SC_POLICY_ENGINE")
    slow = CliRunner().invoke(main, ["evaluate", str(path), *args])
    assert fast.exit_code == slow.exit_code and fast.exit_code in (0, 1), fast.output
    assert fast.stderr == slow.stderr
    assert fast.stdout_bytes == slow.stdout_bytes
    return fast


@pytest.mark.parametrize("shape,args", [
    ({"industry": True}, []),
    ({"industry": True, "noc_version": True}, []),
    ({"industry": False}, ["--noc-version", "2021"]),
])
def test_duckdb_path_is_byte_identical(tmp_path, monkeypatch, sized, used, shape, args):
    _plain(monkeypatch)
    # within less memory than the caseload's hash tables would take (at 100,000 rows, with --run-slow):
    # the joins build on the small tables
    monkeypatch.setattr(caseduck, "MEMORY_LIMIT", "96MB")
    # 100,000 rows (with --run-slow) where every kind of bad row can be: the NOC-version column's too
    header, rows = caseload(sized(4_000, 20_000) if shape == {"industry": False} else sized(10_000, 100_000), 23, **shape)
    path = tmp_path / "cases.csv"
    _write(path, header, rows)
    result = both(path, args, monkeypatch)
    assert used == [True] and "errors" in result.stderr


def test_duckdb_path_by_date_is_byte_identical(tmp_path, monkeypatch, sized, used, tree_copy):
    _plain(monkeypatch)
    monkeypatch.setattr(caseduck, "SLICE_BYTES", 64 << 10)  # and across slices, each sorted on its own
    tree = _two_versions(tree_copy)
    header, rows = caseload(sized(4_000, 100_000), 29, date=True)  # every bad date among 100,000 rows (--run-slow)
    path = tmp_path / "cases.csv"
    _write(path, header, rows)
    both(path, ["--policies", str(tree), "--date-column", "decided"], monkeypatch)
    assert used == [True]


@pytest.mark.parametrize("text", [
    b'noc,industry\n"2174",541514\n',        # quotes
    b"noc,industry\r\n2174,541514\r\n",       # CRLF
    b"noc,industry\n2174,541514\n\n9461,\n",  # an empty line
    b"noc,industry\n2174\n9461,\n",           # a row of another width
    b"noc,industry\n2174,541514,\n9461,\n",   # a row with an empty extra field, which DuckDB drops
    b"noc,industry\n9461,\n2174,541514,,",     # ... two, on a last line without its end
    b"\xef\xbb\xbfnoc,industry\n2174,\n",     # a byte-order mark
    b"noc,industry\n21\xff4,\n",              # not UTF-8
])
def test_other_inputs_go_the_python_way(tmp_path, monkeypatch, used, text):
    path = tmp_path / "cases.csv"
    path.write_bytes(text)
    both(path, [], monkeypatch)
    assert used == [False]


def test_a_column_of_industries_left_unread_is_said_alike(tmp_path, monkeypatch, used):
    path = tmp_path / "cases.csv"
    path.write_bytes(b"id,noc,naics\n1,2174,541514\n")
    result = both(path, [], monkeypatch)
    assert used == [True] and result.stderr.startswith("sc-policy: warning: the input has no 'industry' column")


def test_the_python_path_is_the_default(tmp_path, used):
    path = tmp_path / "cases.csv"
    path.write_bytes(b"noc,industry\n2174,541514\n")
    assert CliRunner().invoke(main, ["evaluate", str(path)]).exit_code == 0 and used == []


@pytest.mark.parametrize("text", [
    b"noc,industry\n2174,541514\n9461,\n0011,31\n",  # no sector range: its rows are left out of the SQL's tables
    b"noc,industry\n2174, 31-33\n9461,44-45\n",       # ranges, decided as evaluate decides them
])
def test_sector_ranges_present_or_not(tmp_path, monkeypatch, used, text):
    path = tmp_path / "cases.csv"
    path.write_bytes(text)
    both(path, [], monkeypatch)
    assert used == [True]


def test_order_across_many_slices_and_threads(tmp_path, monkeypatch, used):
    """Each slice is sorted back into order on its own and the slices are written in turn: with
    slices of a few hundred rows and more threads than rows need, the output is still the Python
    path's, byte for byte (an input without a final line end included)."""
    _plain(monkeypatch)
    monkeypatch.setattr(caseduck, "SLICE_BYTES", 8 << 10)
    monkeypatch.setattr(caseduck, "THREADS", 8)
    header, rows = caseload(6_000, 31, noc_version=True)
    path = tmp_path / "cases.csv"
    _write(path, header, rows)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    slices = []
    original = caseduck._slices
    monkeypatch.setattr(caseduck, "_slices", lambda *a: (slices.append(p) or p for p in original(*a)))
    both(path, [], monkeypatch)
    assert used == [True] and len(slices) > 10


@pytest.mark.parametrize("text", [b"noc,industry\n2174,54\x011514\n", b"noc,industry\n21\x0274,\n"])
def test_the_markers_bytes_go_the_python_way(tmp_path, monkeypatch, used, text):
    path = tmp_path / "cases.csv"
    path.write_bytes(text)
    both(path, [], monkeypatch)
    assert used == [False]


def test_long_lines_are_found_wherever_they_fall():
    """The input check's jumps from line end to line end refuse a line over the limit exactly as
    splitting the input into lines would, wherever the line falls in the blocks."""
    rng = random.Random(5)
    limit = caseduck.LINE_LIMIT
    for _ in range(200):
        lengths = [rng.choice([0, 1, 10, limit - 2, limit - 1, limit, limit + 1]) for _ in range(rng.randint(1, 6))]
        text = b"\n".join(b"x" * n for n in lengths)
        at, line, fit = 0, 0, True
        while at < len(text) and fit:
            size = rng.choice([1, 7, limit // 3, limit, 2 * limit + 5])
            line = caseduck._lines_fit(text[at:at + size], line)
            fit, at = line is not None, at + size
        assert fit == (max(lengths) + 1 <= limit), lengths


def test_what_the_sql_trims():
    """The SQL trims what str.strip() trims (found at C speed), and takes a value that begins and
    ends within '0'..'z' as not padded: no such character is whitespace."""
    import sys
    from sc_policy.app.sqldata import whitespace
    assert whitespace() == "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    assert not any("0" <= c <= "z" for c in whitespace())


@pytest.mark.parametrize("text", [b"id,noc,industry\n", b"id,noc,industry\n1, 2174 ,541514\n2,21A4,\n4,0011,5132"])
def test_a_header_alone_and_a_last_line_without_its_end(tmp_path, monkeypatch, used, text):
    path = tmp_path / "cases.csv"
    path.write_bytes(text)
    both(path, [], monkeypatch)
    assert used == [True]


def test_the_sql_may_touch_nothing_but_the_input_and_its_folder(tmp_path, monkeypatch, used):
    """DuckDB runs the statements sandboxed: a view that also reads another file, or a statement that
    writes one, installs an extension or lifts the sandbox, is refused, and the Python path decides."""
    secret, written = tmp_path / "secret.csv", tmp_path / "written.csv"
    secret.write_text("x\n1\n")
    path = tmp_path / "cases.csv"
    path.write_bytes(b"noc,industry\n2174,541514\n")
    original = caseduck._statements
    hostile = [lambda texts: texts[:-1] + [texts[-1] + f" CROSS JOIN read_csv('{secret}') AS s"]] + [
        lambda texts, extra=extra: texts[:-1] + [extra] + texts[-1:]
        for extra in (f"COPY (SELECT 1) TO '{written}'", "INSTALL httpfs", "SET enable_external_access = true")]
    for spoil in hostile:
        monkeypatch.setattr(caseduck, "_statements", lambda *a, spoil=spoil: spoil(original(*a)))
        both(path, [], monkeypatch)
    assert used == [False] * 4 and not written.exists()


def test_a_lone_column_left_empty_by_trimming_is_written_alike(tmp_path, monkeypatch, used):
    path = tmp_path / "cases.csv"
    path.write_bytes(b"noc\n2174\n \n\t0011\n")
    result = both(path, [], monkeypatch)
    assert result.stdout_bytes.splitlines()[2].startswith(b",,,phase-1.2,the NOC code is empty,")
    assert used == [True]


def test_pass_through_text_is_quoted_as_the_python_path_quotes_it(tmp_path, monkeypatch, used):
    """DuckDB's CSV writer quotes a field holding its comment character `#` unless told there is none;
    the Python path does not, so every character a plain input may hold, alone and within a field,
    is written alike (a leading `#` in the first column included)."""
    chars = [chr(c) for c in range(3, 128) if chr(c) not in '\n\r",'] + ["\u00a0", "\u2028", "é"]
    lines = ["id,noc,industry,note"] + [f"{i},2174,541514,{v}" for i, c in enumerate(chars)
                                         for v in (c, "x" + c + "x")] + ["#1,2174,541514,#"]
    path = tmp_path / "cases.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    result = both(path, [], monkeypatch)
    assert result.stdout_bytes.splitlines()[-1].startswith(b"#1,2174,541514,#,true,")
    assert used == [not _this_duckdb_quotes_hash(tmp_path)]  # DuckDB 1.x: the Python path (see below)


def _this_duckdb_quotes_hash(folder) -> bool:
    import duckdb
    con = duckdb.connect(":memory:")
    try:
        return caseduck._quotes_hash(con, str(folder))
    finally:
        con.close()


def test_a_duckdb_that_quotes_hash_leaves_such_inputs_to_the_python_path(tmp_path, monkeypatch, used):
    """DuckDB 1.4 and 1.5 (Python 3.10 gets no later one; the data extra admits them) quote a field holding
    `#` though told there is no comment character: an input holding one is then decided on the Python path,
    so the bytes are the same (they differed: `"#"`); an input without one still goes through DuckDB."""
    monkeypatch.setattr(caseduck, "_quotes_hash", lambda con, folder: True, raising=False)
    path = tmp_path / "cases.csv"
    path.write_bytes(b"id,noc,industry,note\n1,2174,541514,#\n2,2174,541514,x#x\n3,9999,,a\n")
    result = both(path, [], monkeypatch)
    assert b"\n1,2174,541514,#,true," in result.stdout_bytes and used == [False]
    path.write_bytes(b"id,noc,industry,note\n1,2174,541514,-\n3,9999,,a\n")
    both(path, [], monkeypatch)
    assert used == [False, True]


def test_this_duckdb_is_asked_whether_it_quotes_hash(tmp_path):
    """The probe reads what this DuckDB writes: True exactly when it wrote `"#"` (1.4 and 1.5 do; 1.2, 1.3
    and 2.0 write `#`)."""
    quoted = _this_duckdb_quotes_hash(tmp_path)
    written = (tmp_path / "probe.csv").read_bytes()  # one field, #, as the DuckDB path's COPY writes it
    assert written in (b"#\n", b'"#"\n') and quoted == (written == b'"#"\n')


@pytest.mark.parametrize("engine", ["duckDB", "ducdb", "sql"])
def test_an_engine_that_names_none_is_refused(tmp_path, monkeypatch, used, engine):
    """A misspelt SC_POLICY_ENGINE is a one-line error before any output, not the default path unsaid."""
    path = tmp_path / "cases.csv"
    path.write_bytes(b"noc,industry\n2174,541514\n")
    monkeypatch.setenv("SC_POLICY_ENGINE", engine)
    result = CliRunner().invoke(main, ["evaluate", str(path)])
    assert result.exit_code == 2 and result.stdout == "" and used == []
    assert result.stderr == f"sc-policy: error: SC_POLICY_ENGINE='{engine}' names no engine (expected python or duckdb)\n"
    monkeypatch.setenv("SC_POLICY_ENGINE", "python")
    assert CliRunner().invoke(main, ["evaluate", str(path)]).exit_code == 0 and used == []


def test_the_duckdb_engine_without_duckdb_names_the_extra(tmp_path, monkeypatch, used):
    """SC_POLICY_ENGINE=duckdb where DuckDB is not installed is a one-line error naming the extra to
    install, exit 2 before any output (it was the default path, unsaid)."""
    path = tmp_path / "cases.csv"
    path.write_bytes(b"noc,industry\n2174,541514\n")
    monkeypatch.setenv("SC_POLICY_ENGINE", "duckdb")
    monkeypatch.setitem(sys.modules, "duckdb", None)  # as if not installed: importing it raises ImportError
    monkeypatch.setattr("sc_policy.cli.install.origin", lambda: {  # installed from a git tag
        "url": "https://github.com/ontario/sc-policy", "vcs_info": {"vcs": "git", "requested_revision": "v0.1.0"}})
    result = CliRunner().invoke(main, ["evaluate", str(path)])
    assert (result.exit_code, result.stdout, used) == (2, "", [])
    assert result.stderr == ('sc-policy: error: SC_POLICY_ENGINE=duckdb needs DuckDB, which is not installed '
                             "(pip install 'sc-policy[data] @ git+https://github.com/ontario/sc-policy@v0.1.0')\n")
