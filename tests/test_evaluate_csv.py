"""`sc-policy evaluate`: a caseload CSV in, one decision row per input row, in order, errors in place."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_policy.cli import main

from conftest import VERSION, edit, version_dir


pytestmark = pytest.mark.usefixtures("cli_shares_ws")  # one opened shipped version for every run

def evaluate(args, data: bytes):
    result = CliRunner().invoke(main, ["evaluate", *args], input=data)
    return result


def rows_of(text: str):
    return list(csv.DictReader(io.StringIO(text)))


def test_every_row_is_decided_with_pass_through_columns_in_order(ws, opened):
    data = b"case_id,noc,industry,note\nA1,2174,541514,first\nA2,2173,,\"a, quoted\nnote\"\nA3,9461,3345,x\n"
    result = evaluate([], data)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "case_id,noc,industry,note,eligible,areas,version,error,version_hash"
    rows = rows_of(result.stdout)
    assert [r["case_id"] for r in rows] == ["A1", "A2", "A3"]
    assert rows[1]["note"] == "a, quoted\nnote"  # passed through unchanged
    for r in rows:
        answer = ws.explain(r["noc"], r["industry"] or None)
        assert r["eligible"] == ("true" if answer.eligible else "false")
        assert r["areas"] == ";".join(answer.candidates[0].in_scope)
        assert r["version"] == VERSION and r["error"] == ""
        assert r["version_hash"] == opened.version.content_hash
    assert rows[0]["areas"] == "ict" and rows[1]["eligible"] == "false"


def test_bad_rows_get_error_rows_in_place_and_exit_1():
    data = (b"case,noc,industry\n"
            b"1,2174,541514\n"
            b"2,21A4,\n"            # malformed NOC
            b"3,2179,\n"            # well-formed, not a unit group
            b"4,2174,5132\n"        # NAICS 2022 only
            b"5,2174\n"             # a field missing
            b"6,2174,541514,extra\n"  # a field too many
            b"7,22\xff\xfe81,\n"    # not UTF-8
            b"8,2281,\n")
    result = evaluate([], data)
    assert result.exit_code == 1
    assert "6 errors" in result.stderr and "2 decided" in result.stderr
    rows = rows_of(result.stdout)
    assert [r["case"] for r in rows] == ["1", "2", "3", "4", "5", "6", "7", "8"]
    errors = {r["case"]: r["error"] for r in rows}
    assert "not four digits" in errors["2"]
    assert "2179 is not a NOC 2016 unit group" in errors["3"]
    assert "NAICS Canada 2022" in errors["4"]
    assert "2 fields" in errors["5"] and "4 fields" in errors["6"]
    assert "UTF-8" in errors["7"] and rows[6]["noc"] == "22\ufffd\ufffd81"
    assert errors["1"] == errors["8"] == ""
    for r in rows:
        assert (r["eligible"] == "") == bool(r["error"])
        assert "\n" not in r["error"]


def test_bom_crlf_blank_lines_and_header_case_are_accepted():
    data = "\ufeffCase,NOC , Industry\r\n1,2174,541514\r\n\r\n2,0011,\r\n".encode("utf-8")
    result = evaluate([], data)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("\ufeffCase,NOC , Industry,eligible,")  # the input's mark kept (below)
    rows = rows_of(result.stdout[1:])
    assert [(r["Case"], r["eligible"]) for r in rows] == [("1", "true"), ("2", "false")]


def test_a_spreadsheets_byte_order_mark_is_kept_in_its_csv_and_only_there(tmp_path):
    # Excel's "CSV UTF-8" starts with a byte-order mark, and reads a CSV's accents right only with one:
    # the decisions of such a file open in Excel as they were typed; JSON Lines never has one
    src = tmp_path / "cases.csv"
    src.write_bytes("\ufeffname,noc\r\nHélène,2174\r\n".encode("utf-8"))
    out = tmp_path / "out.csv"
    assert CliRunner().invoke(main, ["evaluate", str(src), "-o", str(out)]).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfname,noc,eligible,")
    assert rows_of(out.read_text(encoding="utf-8-sig"))[0]["name"] == "Hélène"
    assert CliRunner().invoke(main, ["evaluate", str(src), "-o", str(tmp_path / "out.jsonl")]).exit_code == 0
    assert json.loads((tmp_path / "out.jsonl").read_bytes().splitlines()[0])["name"] == "Hélène"
    src.write_bytes("name,noc\r\nHélène,2174\r\n".encode("utf-8"))  # none in, none out
    assert CliRunner().invoke(main, ["evaluate", str(src), "-o", str(out)]).exit_code == 0
    assert out.read_bytes().startswith(b"name,noc,eligible,")


@pytest.mark.parametrize("data,needle", [
    (b"", "empty"),
    (b"case,code\n1,2174\n", "no 'noc' column"),
    (b"noc,noc\n2174,2174\n", "twice"),
    (b"noc,eligible\n2174,yes\n", "already has a column 'eligible'"),
    (b"n\xffoc\n2174\n", "not valid UTF-8"),
])
def test_an_input_that_cannot_be_evaluated_is_one_line_exit_2(data, needle):
    result = evaluate([], data)
    assert result.exit_code == 2 and needle in result.stderr and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_file_and_conflicting_options_exit_2(tmp_path):
    result = evaluate([str(tmp_path / "nope.csv")], b"")
    assert result.exit_code == 2 and "nope.csv" in result.stderr and "cannot read" in result.stderr
    result = evaluate(["--version", VERSION, "--date-column", "d"], b"noc\n2174\n")
    assert result.exit_code == 2 and "at most one" in result.stderr
    result = evaluate(["--version", "phase-9"], b"noc\n2174\n")
    assert result.exit_code == 2 and "unknown version" in result.stderr


def test_files_in_and_out(tmp_path):
    src = tmp_path / "cases.csv"
    src.write_bytes(b"id,noc\n1,2174\n2,x\n")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["evaluate", str(src), "--output", str(out)])
    assert result.exit_code == 1 and result.stdout == ""
    assert [r["error"] != "" for r in rows_of(out.read_text(encoding="utf-8"))] == [False, True]
    result = CliRunner().invoke(main, ["evaluate", str(src), "--output", str(src)])
    assert result.exit_code == 2 and "overwrite the input" in result.stderr
    assert src.read_bytes() == b"id,noc\n1,2174\n2,x\n"


def test_jsonl_output_is_typed(opened):
    result = evaluate(["--format", "jsonl"], b"id,noc,industry\n1,2174,541514\n2,21A4,\n")
    assert result.exit_code == 1
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    assert first == {"id": "1", "noc": "2174", "industry": "541514", "eligible": True, "areas": ["ict"],
                     "version": VERSION, "error": None, "version_hash": opened.version.content_hash}
    assert second["eligible"] is None and second["areas"] == [] and "not four digits" in second["error"]


@pytest.mark.parametrize("name,jsonl", [("out.jsonl", True), ("OUT.NDJSON", True), ("out.txt", False),
                                         ("out.csv", False), ("jsonl", False)])
def test_an_output_named_for_json_lines_is_json_lines_unless_a_format_is_given(tmp_path, name, jsonl):
    """As an output named *.parquet is Parquet: `-o decisions.jsonl` wrote CSV under that name."""
    src = tmp_path / "cases.csv"
    src.write_bytes(b"id,noc\n1,2174\n")
    out = tmp_path / name
    assert CliRunner().invoke(main, ["evaluate", str(src), "--output", str(out)]).exit_code == 0
    first = out.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("{") == jsonl, first
    if jsonl:
        assert json.loads(first)["eligible"] is True
        assert CliRunner().invoke(main, ["evaluate", str(src), "--output", str(out), "--format", "csv"]).exit_code == 0
        assert out.read_text(encoding="utf-8").startswith("id,noc,"), "--format decides over the name"


def test_noc_2021_rows_get_a_verdict_and_their_candidates(ws):
    concordance = ws.refdata.concordance
    split = next(code for code, rows in sorted(concordance.items())
                 if len({ws.explain(r.noc2016).eligible for r in rows}) == 2)
    data = f"id,noc,noc_version\n1,21232,2021\n2,{split},2021\n3,2174,\n4,2174,2021\n5,2174,2019\n".encode()
    result = evaluate([], data)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "id,noc,noc_version,eligible,verdict,areas,candidates,version,error,version_hash"
    rows = rows_of(result.stdout)
    assert rows[0]["verdict"] == "eligible" and rows[0]["candidates"] == "2174:ict+life-sciences+manufacturing"
    assert rows[0]["areas"] == "ict;life-sciences;manufacturing"
    answer = ws.explain(split, noc_version="2021")
    assert rows[1]["verdict"] == "indeterminate" == answer.verdict and rows[1]["eligible"] == "false"
    assert rows[1]["candidates"] == ";".join(
        f"{d.noc}:{'+'.join(d.in_scope) or 'none'}" for d in answer.candidates)
    assert rows[2]["verdict"] == "eligible" and rows[2]["error"] == ""  # empty noc_version: --noc-version (2016)
    assert "five digits" in rows[3]["error"] and "not 2016 or 2021" in rows[4]["error"]
    # --noc-version 2021 reads the noc column as NOC 2021 when there is no noc_version column.
    result = evaluate(["--noc-version", "2021"], b"noc\n21232\n")
    assert result.exit_code == 0 and rows_of(result.stdout)[0]["verdict"] == "eligible"


def _two_versions(tree):
    """VERSION (phase-1.2) until 2027-12-31; phase-2 from 2028-01-01, where manufacturing stops at NAICS 31 and 32."""
    v1 = version_dir(tree)
    v2 = v1.parent / "phase-2"
    shutil.copytree(v1, v2)
    shutil.rmtree(v2 / "tests", ignore_errors=True)
    m1 = (v1 / "version.yaml").read_text(encoding="utf-8")
    (v1 / "version.yaml").write_text(m1.replace("effective_from: 2026-11-28",
                                                "effective_from: 2026-11-28\neffective_to: 2027-12-31"),
                                     encoding="utf-8")
    m2 = m1.replace(f"id: {VERSION}", "id: phase-2").replace("effective_from: 2026-11-28",
                                                             "effective_from: 2028-01-01").replace(
        "supersedes: phase-1.1\n", f"supersedes: {VERSION}\n")
    (v2 / "version.yaml").write_text(m2, encoding="utf-8")
    clause = v2 / "clauses" / "phase-1-manufacturing.yaml"
    text = clause.read_text(encoding="utf-8")
    assert 'condition: (industry_prefixes & {"31", "32", "33"}).length > 0' in text
    clause.write_text(text.replace('{"31", "32", "33"}', '{"31", "32"}').replace("version: 3", "version: 4"),
                      encoding="utf-8")
    return tree


def test_date_column_replays_each_row_under_the_version_of_its_day(tree_copy):
    tree = _two_versions(tree_copy)
    data = (b"id,noc,industry,decided\n1,9461,334110,2027-06-30\n2,9461,334110,2028-01-01\n"
            b"3,9461,334110,2020-01-01\n4,9461,334110,30/06/2027\n5,9461,334110,2027-02-30\n"
            b"6,9461,334110,2027-12-31\n")
    result = CliRunner().invoke(main, ["evaluate", "--policies", str(tree), "--date-column", "decided"], input=data)
    assert result.exit_code == 1, result.output
    rows = rows_of(result.stdout)
    assert [(r["version"], r["eligible"]) for r in rows[:2]] == [(VERSION, "true"), ("phase-2", "false")]
    assert "no version of the policy is in force on 2020-01-01" in rows[2]["error"]
    assert "YYYY-MM-DD" in rows[3]["error"] and "not a date" in rows[4]["error"]
    assert rows[5]["version"] == VERSION and rows[5]["eligible"] == "true"
    result = CliRunner().invoke(main, ["evaluate", "--policies", str(tree), "--date-column", "when"], input=data)
    assert result.exit_code == 2 and "no 'when' column" in result.stderr
    for column, codes in (("noc", "NOC codes"), (" Industry", "industries")):  # every row would be an error
        result = CliRunner().invoke(main, ["evaluate", "--policies", str(tree), "--date-column", column], input=data)
        assert result.exit_code == 2 and result.stderr.strip().splitlines() == [
            f"sc-policy: error: stdin: the column of the dates, {column!r}, is the column of the {codes}"]
    result = CliRunner().invoke(main, ["evaluate", "--policies", str(tree), "--on", "2028-02-01"], input=data)
    assert {r["version"] for r in rows_of(result.stdout)} == {"phase-2"}


@pytest.mark.parametrize("last", ["2027-12-31", "9999-12-31"])
def test_date_column_past_the_last_day_of_the_last_version_is_no_version(tree_copy, last):
    manifest = version_dir(tree_copy) / "version.yaml"
    edit(manifest, "effective_from: 2026-11-28", f"effective_from: 2026-11-28\neffective_to: {last}")
    data = b"id,noc,industry,decided\n1,9461,334110,2027-12-31\n2,9461,334110,2028-01-01\n3,9461,,9999-12-31\n"
    result = CliRunner().invoke(main, ["evaluate", "--policies", str(tree_copy), "--date-column", "decided"],
                                input=data)
    rows = rows_of(result.stdout)
    assert rows[0]["version"] == VERSION and rows[0]["eligible"] == "true"
    if last == "2027-12-31":
        assert result.exit_code == 1, result.output
        assert [r["error"] for r in rows[1:]] == [f"no version of the policy is in force on {day}"
                                                  for day in ("2028-01-01", "9999-12-31")]
    else:  # the last day there is
        assert result.exit_code == 0, result.output
        assert [(r["version"], r["error"]) for r in rows[1:]] == [(VERSION, "")] * 2


def test_date_column_with_one_version_in_force_since_the_first_day_there_is(tree_copy):
    for other in version_dir(tree_copy).parent.iterdir():  # the versions it supersedes, and theirs
        if other.is_dir() and other.name not in (VERSION, "source"):
            shutil.rmtree(other)
    edit(version_dir(tree_copy) / "version.yaml", "effective_from: 2026-11-28", "effective_from: 0001-01-01")
    data = b"id,noc,industry,decided\n1,9461,334110,0001-01-01\n2,9461,334110,2027-06-30\n"
    result = CliRunner().invoke(main, ["evaluate", "--policies", str(tree_copy), "--date-column", "decided"],
                                input=data)
    assert result.exit_code == 0, result.output
    assert [(r["version"], r["eligible"], r["error"]) for r in rows_of(result.stdout)] == [(VERSION, "true", "")] * 2


def test_date_column_with_a_broken_manifest_is_one_line_exit_2(tree_copy):
    """Any version could be the one in force on a row's day: a manifest that fails its schema stops the run."""
    broken = version_dir(tree_copy).parent / "phase-2"
    broken.mkdir()
    (broken / "version.yaml").write_text("id: phase-2\nstatus: in-force\neffective_from: soon\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", "--policies", str(tree_copy), "--date-column", "decided"],
                                input=b"id,noc,decided\n1,9461,2027-06-30\n")
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert "cannot choose the version in force: version phase-2 is invalid" in line and result.stdout == ""


ROW = st.one_of(
    st.tuples(st.sampled_from(["2174", "2173", "0011", "9461", "21A4", "2179", "", " 2281 "]),
              st.sampled_from(["", "541514", "3345", "5132", "1", "31"])).map(lambda t: f"{t[0]},{t[1]}"),
    st.just("2174"),                 # a field short
    st.just("2174,541514,9"),        # a field too many
    st.just("\"2174\",\"\""),        # quoted
)


@settings(max_examples=25)
@given(rows=st.lists(ROW, max_size=30))
def test_every_input_row_gets_exactly_one_output_row_in_order(ws, rows):
    data = "n,noc,industry\n" + "".join(f"{i},{r}\n" for i, r in enumerate(rows))
    result = evaluate([], data.encode())
    out = rows_of(result.stdout)
    assert [r["n"] for r in out] == [str(i) for i in range(len(rows))]
    errors = sum(1 for r in out if r["error"])
    assert result.exit_code == (1 if errors else 0)
    if errors:
        assert f"{len(rows) - errors} decided, {errors} {'error' if errors == 1 else 'errors'}" in result.stderr
    for r in out:
        if not r["error"]:
            answer = ws.explain(r["noc"], r["industry"] or None)
            assert r["eligible"] == ("true" if answer.eligible else "false")


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_output_file_is_put_in_place_only_when_the_batch_finishes(tmp_path, monkeypatch):
    out = tmp_path / "out.csv"
    out.write_bytes(b"earlier,complete\n")
    os.chmod(out, 0o640)
    src = tmp_path / "in.csv"
    src.write_bytes(b"case\n1\n")  # refused before any output: no noc column
    result = CliRunner().invoke(main, ["evaluate", str(src), "--output", str(out)])
    assert result.exit_code == 2 and out.read_bytes() == b"earlier,complete\n"

    from sc_policy.app.caseload import CsvBatch

    def fail_midway(reader, columns, fmt, decide, sink):
        sink.write("noc,eligible\n2174,true\n" * 5000)
        raise OSError(28, "No space left on device")

    src.write_bytes(b"noc\n2174\n")
    with monkeypatch.context() as patch:
        patch.setattr(CsvBatch, "_stream", staticmethod(fail_midway))
        result = CliRunner().invoke(main, ["evaluate", str(src), "--output", str(out)])
    assert result.exit_code == 2 and "No space left on device" in result.stderr  # one line, exit 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert out.read_bytes() == b"earlier,complete\n" and _leftovers(tmp_path) == ["in.csv", "out.csv"]

    result = CliRunner().invoke(main, ["evaluate", str(src), "--output", str(out)])
    assert result.exit_code == 0 and rows_of(out.read_text(encoding="utf-8"))[0]["eligible"] == "true"
    assert _leftovers(tmp_path) == ["in.csv", "out.csv"] and stat.S_IMODE(out.stat().st_mode) == 0o640
    link = tmp_path / "link.csv"
    link.symlink_to(out)
    result = CliRunner().invoke(main, ["evaluate", str(src), "--output", str(link), "--format", "jsonl"])
    assert result.exit_code == 0 and link.is_symlink() and json.loads(out.read_text())["eligible"] is True


def test_a_killed_run_leaves_the_earlier_output_and_no_partial_file(tmp_path):
    """kill -9 in the middle of a batch: the earlier FILE is byte for byte as it was."""
    out = tmp_path / "decisions.csv"
    earlier = b"case,noc,eligible\n" + b"1,2174,true\n" * 1000
    out.write_bytes(earlier)
    exe = shutil.which("sc-policy") or os.path.join(os.path.dirname(sys.executable), "sc-policy")
    proc = subprocess.Popen([exe, "evaluate", "-", "--output", str(out)], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # More than one read block, and no end of input: the run writes, then waits for more.
        proc.stdin.write(b"case,noc\n" + b"".join(b"%d,2174\n" % i for i in range(300_000)))
        proc.stdin.flush()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            partial = [p for p in tmp_path.iterdir() if p.name != out.name]
            if partial and partial[0].stat().st_size > 0:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the run wrote nothing")
    finally:
        proc.kill()
        proc.wait()
        proc.stdin.close()
    assert out.read_bytes() == earlier
    assert re.fullmatch(r"\.decisions\.csv\.[0-9a-f]{8}\.tmp", partial[0].name)
    assert _leftovers(tmp_path) == sorted([out.name, partial[0].name])


@pytest.mark.parametrize("header, message", [
    (b"noc,noc\n2174,2174\n", "the header names column 'noc' twice\n"),
    # a spreadsheet's used range past its data: every row ends with empty fields under empty names
    (b"id,noc,industry,,\r\n1,2174,541514,,\r\n", "the header names column '' twice (empty header cells, as a "
     "spreadsheet writes for columns past its data: delete those columns, or name them)"),
    (b"case\n1\n", "the input has no 'noc' column"),
    (b"", "the input is empty"),
    # lines ended by CR alone (an old Mac format) are one header line: refused, not 0 rows and exit 0
    (b"noc,industry\r2174,541514\r9461,\r", "column 2 of the header, 'industry\\r2174', holds a CR"),
    # files often given for a CSV file are named by their first bytes
    (gzip.compress(b"noc,industry\n2174,541514\n", mtime=0),
     "the header row is not valid UTF-8 (the input looks compressed with gzip: decompress it first)"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb6\n",
     "the header row is not valid UTF-8 (the input looks like a ZIP archive, such as an .xlsx workbook: save the "
     "sheet as CSV UTF-8)"),
    (b"PAR1\x15\x04\x15\x10\x15\x14L\x15\x02\x15\x00\x12\x00\x00\x08\xe4\n",
     "the header row is not valid UTF-8 (the input looks like a Parquet file: Parquet is read from a file whose "
     "name ends in .parquet)"),
    ("noc,industry\n2174,541514\n".encode("utf-16"),
     "the header row is not valid UTF-8 (the input looks like UTF-16 text: save it as UTF-8)"),
    # a Parquet file whose bytes up to the first LF are UTF-8 (often so): its "columns" are not listed
    (b"PAR1\x15\x04\x150\x15.L\x15\x06\x15\x00\x12\x00\x00\x18\x04\x01\x00\n\x01<\x02\x00\n",
     "the input has no 'noc' column (the input looks like a Parquet file: Parquet is read from a file whose name "
     "ends in .parquet)\n"),
    # a spreadsheet's plain CSV: Windows-1252 (a French header, say); not said of bytes that are no text
    (b"Num\xe9ro,noc,industrie\r\n1,2174,541514\r\n", "the header row is not valid UTF-8 (the input looks like "
     "Windows-1252 or Latin-1 text, as a spreadsheet's plain CSV is saved: save it as CSV UTF-8)"),
    (b"Num\xe9ro\x00,noc\n1,2174\n", "the header row is not valid UTF-8\n"),
    # another separator (Excel in a French locale writes ';'; a tab is shown as a space), or JSON Lines
    (b"\xef\xbb\xbfid;NOC;industry\r\n1;2174;541514\r\n",
     "the input has no 'noc' column (the header has: id;NOC;industry; its fields are separated by ';', not commas: "
     "save the file as comma-separated CSV)"),
    (b"id\tnoc\tindustry\n1\t2174\t541514\n",
     "the input has no 'noc' column (the header has: id noc industry; its fields are separated by tabs, not commas"),
    (b"id|noc\n1|2174\n", "the input has no 'noc' column (the header has: id|noc; its fields are separated by '|'"),
    (b'{"id": 1, "noc": "2174"}\n',
     "the input has no 'noc' column (the header has: {\"id\": 1, \"noc\": \"2174\"}; the input looks like JSON Lines: "
     "give CSV, or Parquet in a file whose name ends in .parquet)"),
    # compact JSON Lines (pandas' to_json(lines=True), DuckDB's COPY ... (FORMAT json)) is no CSV at all
    (b'{"id":1,"noc":"2174","industry":"541514"}\n{"id":2,"noc":"211"}\n',
     "the header row is not valid CSV: ':' follows the closing quote of field 2; a closing quote must be followed by "
     "a comma or the line end (the input looks like JSON Lines: give CSV, or Parquet in a file whose name ends in "
     ".parquet)\n"),
    (b'id,"noc"x\n1,2174\n', "the header row is not valid CSV: 'x' follows the closing quote of field 2; a closing "
     "quote must be followed by a comma or the line end\n"),  # a CSV header with a stray character: no guess
    (b"case;code\n1;2174\n", "the input has no 'noc' column (the header has: case;code)\n"),  # no noc: no guess
    # empty lines above the header: it said "the header has: nothing"
    (b"\n\nid,noc\n1,2174\n", "the input has no 'noc' column (the header, the first line, is empty: delete any empty "
     "lines above it)\n"),
    # a second byte-order mark (a file saved twice with one), a zero-width space: the name shows as noc
    (b"\xef\xbb\xbf\xef\xbb\xbfnoc,industry\n2174,541514\n", "the input has no 'noc' column (the header has: \ufeffnoc, "
     "industry; column '\\ufeffnoc' holds a character that does not show: delete it)"),
    ("id,noc\u200b\n1,2174\n".encode("utf-8"), "the input has no 'noc' column (the header has: id, noc\u200b; "
     "column 'noc\\u200b' holds a character that does not show: delete it)"),
    # the same for industry or noc_version: read as no such column, every row was decided without it (exit 0)
    (b"noc,\xef\xbb\xbfindustry\n2174,541514\n", "column '\\ufeffindustry' holds a character that does not show: "
     "delete it\n"),
    ("noc,noc_version\u200b\n21232,2021\n".encode("utf-8"), "column 'noc_version\\u200b' holds a character that does "
     "not show: delete it\n"),
])
def test_a_header_that_cannot_be_used_names_the_input(tmp_path, header, message):
    """One line naming the file (or stdin) the header is in, exit 2, and no output file."""
    src = tmp_path / "caseload.csv"
    src.write_bytes(header)
    result = CliRunner().invoke(main, ["evaluate", str(src), "--output", str(tmp_path / "out.csv")])
    assert result.exit_code == 2 and result.stderr.startswith(f"sc-policy: error: {src}: {message}")
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.csv").exists()
    piped = evaluate([], header)
    assert piped.exit_code == 2 and piped.stderr.startswith(f"sc-policy: error: stdin: {message}")


def test_an_interrupted_batch_exits_130_not_1(tmp_path, monkeypatch):
    """Ctrl-C once the output is open: one line and exit status 130, as a shell reports an interrupted
    command; not click's "Aborted!" and 1, the status of a batch that finished with row errors. No
    output file is left."""
    from sc_policy.app.csvrows import CsvRows
    batches = CsvRows.batches

    def interrupted(self, width):
        yield from batches(self, width)
        raise KeyboardInterrupt  # (after the last batch: the rows have been written to the output's file)

    monkeypatch.setattr(CsvRows, "batches", interrupted)
    src, out = tmp_path / "cases.csv", tmp_path / "decided.csv"
    src.write_bytes(b"noc\n2174\nx\n")
    result = CliRunner().invoke(main, ["evaluate", str(src), "--output", str(out)])
    assert (result.exit_code, result.stderr) == (130, "sc-policy: error: interrupted\n")
    assert os.listdir(tmp_path) == ["cases.csv"]


@pytest.mark.parametrize("header, unread", [
    ("id,noc,NAICS", "'NAICS'"),
    ("id,noc, Industry code ", "'Industry code'"),
    ("id,noc,Industrie (SCIAN)", "'Industrie (SCIAN)'"),
    ("id,noc,industry,naics_title", None),  # the industry column is there: nothing left unread
    ("id,noc,name", None),  # no column of industries: a caseload without them
])
def test_a_column_of_industries_left_unread_is_said(header, unread):
    """Without an `industry` column every row is decided with no employer industry: a column whose
    name says it holds industries is then left unread, and the decisions differ (2174 with 541514
    is in scope under ict alone, without an industry under three areas), so a warning says so."""
    result = evaluate([], f"{header}\n1,2174,541514{',x' if header.count(',') == 3 else ''}\n".encode())
    assert result.exit_code == 0, result.output
    if unread is None:
        assert result.stderr == ""
    else:
        assert result.stderr == ("sc-policy: warning: the input has no 'industry' column: every row is decided with "
                                 f"no employer industry, and column {unread} is not read (name it 'industry' to "
                                 "decide by it)\n")
        assert rows_of(result.stdout)[0]["areas"] == "ict;life-sciences;manufacturing"


@pytest.mark.parametrize("name, instead", [("decided.xlsx", "*.csv"), ("Decided.XLS", "*.csv"),
                                           ("decided.ods", "*.csv"), ("decided.json", "*.jsonl")])
def test_an_output_named_for_a_format_evaluate_does_not_write_is_refused(tmp_path, name, instead):
    """`-o decided.xlsx` wrote CSV under a workbook's name, which Excel then refuses to open ("the file format or
    extension is not valid"); `-o decided.json` wrote CSV where a JSON reader was waiting. --format still writes
    what it says under any name."""
    out = tmp_path / name
    refused = CliRunner().invoke(main, ["evaluate", "-o", str(out)], input="noc\n2174\n")
    assert refused.exit_code == 2 and not out.exists()
    assert refused.output.startswith(f"sc-policy: error: --output {out} names ") and f"name it {instead}" in \
        refused.output and refused.output.count("\n") == 1, refused.output
    written = CliRunner().invoke(main, ["evaluate", "-o", str(out), "--format", "csv"], input="noc\n2174\n")
    assert written.exit_code == 0 and out.read_text("utf-8").startswith("noc,eligible,")
    other = tmp_path / "decided.txt"  # any other name is CSV, as before
    assert CliRunner().invoke(main, ["evaluate", "-o", str(other)], input="noc\n2174\n").exit_code == 0
    assert other.read_text("utf-8").startswith("noc,eligible,")
