"""What a batch says of a caseload's slips in plain words: an empty NOC cell, a JSON array for a CSV,
a misspelt ``noc`` column; and ``sc-policy table --output``, written as ``evaluate`` writes one."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from sc_policy.cli import main

pytestmark = pytest.mark.usefixtures("cli_shares_ws")  # one opened shipped version for every run

EMPTY_NOC = "the NOC code is empty"


def _run(*args, data: bytes = b""):
    return CliRunner().invoke(main, list(args), input=data)


# -- an empty NOC cell ------------------------------------------------------------------------
def test_an_empty_noc_cell_is_said_to_be_empty_in_its_row():
    """It read ``NOC code '' is not four digits``: true, but a caseworker looks for a mistyped code."""
    data = b"id,noc,industry\n1,2174,541514\n2,,484121\n3,  ,\n4,21A4,\n"
    result = _run("evaluate", data=data)
    assert result.exit_code == 1, result.output
    errors = {r["id"]: r["error"] for r in csv.DictReader(io.StringIO(result.stdout))}
    assert errors == {"1": "", "2": EMPTY_NOC, "3": EMPTY_NOC, "4": "NOC code '21A4' is not four digits"}
    lines = _run("evaluate", "--format", "jsonl", data=data).stdout.splitlines()
    assert [json.loads(line)["error"] for line in lines][1:3] == [EMPTY_NOC, EMPTY_NOC]


def test_an_empty_noc_cell_reads_alike_whatever_the_rows_noc_version():
    data = b"id,noc,noc_version\n1,,2021\n2,,\n3, ,2016\n"
    for args in ((), ("--noc-version", "2021")):
        result = _run("evaluate", *args, data=data)
        assert result.exit_code == 1, result.output
        assert [r["error"] for r in csv.DictReader(io.StringIO(result.stdout))] == [EMPTY_NOC] * 3


def test_an_empty_code_on_the_command_line_and_through_the_service_says_it_is_empty(client):
    """The command line's one code reads as the batch's cell does; the service refuses an empty noc
    before it is read (its own words: the parameter is required), singly and in a batch."""
    for args in (("explain", ""), ("explain", " ", "--noc-version", "2021")):
        result = _run(*args)
        assert result.exit_code == 2 and result.stderr == f"sc-policy: error: {EMPTY_NOC}\n", result.output
    answer = client.get("/v1/decisions", params={"noc": " "})
    assert answer.status_code == 400 and answer.json()["detail"].startswith("noc: required")
    answer = client.post("/v1/decisions", json=[{"noc": ""}, {"noc": "2174"}])
    assert answer.status_code == 200 and answer.json()[0]["error"]["detail"].startswith("[0].noc: required")


# -- a JSON array for a caseload ----------------------------------------------------------------
JSON_ARRAY = "the input looks like a JSON array ('[' on line 1): give CSV, or Parquet in a file whose name ends in .parquet"


@pytest.mark.parametrize("name", ["cases.jsonl", "cases.json", "cases.csv"])
@pytest.mark.parametrize("data", [
    b'[{"noc":"2174"},{"noc":"7511"}]\n',                     # its fields read as CSV: no noc among them
    b'[{"id":1,"noc":"2174"},{"id":2,"noc":"211"}]',          # a quote after ':' : no CSV header at all
    b'\xef\xbb\xbf[\n  {"id": 1, "noc": "2174"},\n  {"id": 2, "noc": "7511"}\n]\n',  # indented, by an editor
    b'[ ]\n',
])
def test_a_json_array_is_named_for_what_it_is_in_one_line(tmp_path, name, data):
    """It was "no 'noc' column (the header has: [)", or a CSV parse error: nothing said it was JSON."""
    path = tmp_path / name
    path.write_bytes(data)
    result = _run("evaluate", str(path), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2 and result.stdout == "", result.output
    line = result.stderr
    assert line.startswith(f"sc-policy: error: {path}: ") and line.count("\n") == 1, line
    assert line.endswith(f"{JSON_ARRAY})\n"), line
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("header", [b"[id],[noc],[industry]\n", b"[ID], NOC code\n", b"[1],[2],[3]\n"])
def test_a_header_in_brackets_is_no_json_array(header):
    """A CSV header whose names a database wrote in brackets ([noc], SQL Server's quoting) is not called JSON."""
    result = _run("evaluate", data=header + b"1,2174,541514\n")
    assert result.exit_code == 2 and "JSON" not in result.stderr, result.output


# -- a misspelt noc column ----------------------------------------------------------------------
@pytest.mark.parametrize("header, meant", [
    (b"nocc,industry", "nocc"), (b"id, NOCS ,industry", "NOCS"), (b"case,noc1,naics", "noc1"), (b"Noc_,x", "Noc_"),
])
def test_a_column_close_to_noc_is_named_first(tmp_path, header, meant):
    """It said only "no 'noc' column (the header has: nocc, industry)": the likely cause, a misspelt name, came last
    if at all (read off the listed header); it is said first, in the same one line."""
    path = tmp_path / "cases.csv"
    path.write_bytes(header + b"\n2174,541514\n")
    result = _run("evaluate", str(path))
    assert result.exit_code == 2 and result.stdout == "", result.output
    listed = " ".join(", ".join(header.decode().split(",")).split())  # as written, each run of spaces one space
    assert result.stderr == (f"sc-policy: error: {path}: column '{meant}' is likely a misspelt 'noc': name it 'noc' "
                             f"(the input has no 'noc' column; the header has: {listed})\n")


@pytest.mark.parametrize("header", [
    b"nom,code_cnp",          # French: a name, not a NOC code
    b"no,code",               # a row number
    b"doc,industry", b"noc_version,industry", b"case,NOC 2016",
])
def test_a_column_not_close_to_noc_is_not_suggested(header):
    result = _run("evaluate", data=header + b"\n1,2174\n")
    assert result.exit_code == 2 and "misspelt" not in result.stderr, result.output
    assert result.stderr.startswith("sc-policy: error: stdin: the input has no 'noc' column (the header has: ")


# -- sc-policy table --output -------------------------------------------------------------------
def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("name, fmt", [("table.csv", "csv"), ("table.txt", "csv"), ("table.jsonl", "jsonl"),
                                       ("TABLE.NDJSON", "jsonl")])
@pytest.mark.parametrize("classes", [(), ("--classes",)])
def test_table_writes_an_output_file_in_the_format_its_name_asks_for(tmp_path, name, fmt, classes):
    """`table` had no --output (`-o` was "No such option"): a data team redirected stdout, and could not name
    the format by the file as `evaluate -o decided.jsonl` does."""
    out = tmp_path / name
    result = _run("table", *classes, "-o", str(out))
    assert result.exit_code == 0 and result.stdout == "", result.output
    printed = _run("table", *classes, "--format", fmt)
    assert printed.exit_code == 0 and out.read_bytes() == printed.stdout_bytes
    assert _leftovers(tmp_path) == [name]


def test_table_writes_parquet_to_a_file_named_so(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    result = _run("table", "--output", str(tmp_path / "table.parquet"))
    assert result.exit_code == 0 and result.stdout == "", result.output
    written = pq.read_table(tmp_path / "table.parquet")
    as_csv = list(csv.DictReader(io.StringIO(_run("table").stdout)))
    assert written.num_rows == len(as_csv) and written.column_names == list(as_csv[0])
    assert written.column("eligible").type == "bool"


def test_table_format_decides_over_the_name_and_a_name_it_does_not_write_is_refused(tmp_path):
    out = tmp_path / "table.xlsx"
    refused = _run("table", "-o", str(out))
    assert refused.exit_code == 2 and not out.exists() and refused.stdout == ""
    assert refused.stderr == (f"sc-policy: error: --output {out} names an Excel workbook, which table does not "
                              "write: name it *.csv, which spreadsheets open, or *.parquet (or give --format to "
                              "write under this name)\n")
    json_doc = tmp_path / "table.json"
    assert "name it *.jsonl for JSON Lines" in _run("table", "-o", str(json_doc)).stderr and not json_doc.exists()
    assert _run("table", "-o", str(out), "--format", "csv").exit_code == 0
    assert out.read_text("utf-8").startswith("noc,noc_title,industry_class,")
    jsonl = tmp_path / "table.jsonl"
    assert _run("table", "-o", str(jsonl), "--format", "csv").exit_code == 0
    assert jsonl.read_text("utf-8").startswith("noc,noc_title,")
    empty = _run("table", "-o", "")
    assert empty.exit_code == 2 and empty.stderr.startswith("sc-policy: error: --output/-o: an empty value"), empty.output
    assert "-o, --output FILE|-" in _run("table", "--help").stdout


def test_table_output_is_put_in_place_only_when_the_table_is_whole(tmp_path, monkeypatch):
    """As evaluate's: written beside the name, then renamed; a run that fails leaves the earlier file as it was
    and nothing else; the permissions of the file it replaces are kept; a symlink's file is replaced."""
    import stat
    import sc_policy.cli.table as cli_table
    out = tmp_path / "table.csv"
    out.write_bytes(b"earlier,complete\n")
    out.chmod(0o640)
    original = cli_table._rows

    def failing(*args):
        names, rows = original(*args)

        def cut():
            for i, row in enumerate(rows):
                if i == 3000:
                    raise OSError(28, "No space left on device")
                yield row
        return names, cut()

    with monkeypatch.context() as patch:
        patch.setattr(cli_table, "_rows", failing)
        result = _run("table", "-o", str(out))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "No space left on device" in result.stderr
    assert out.read_bytes() == b"earlier,complete\n" and _leftovers(tmp_path) == ["table.csv"]
    assert _run("table", "--version", "no-such-version", "-o", str(out)).exit_code == 2
    assert out.read_bytes() == b"earlier,complete\n" and _leftovers(tmp_path) == ["table.csv"]
    assert _run("table", "-o", str(out)).exit_code == 0
    assert out.read_bytes() == _run("table").stdout_bytes and stat.S_IMODE(out.stat().st_mode) == 0o640
    link = tmp_path / "link.jsonl"
    link.symlink_to(out)
    assert _run("table", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and json.loads(out.read_text("utf-8").splitlines()[0])["noc"]
    assert _leftovers(tmp_path) == ["link.jsonl", "table.csv"]
