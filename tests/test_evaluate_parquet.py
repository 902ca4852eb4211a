"""Parquet in and out of ``evaluate`` and out of ``table`` (issue 17; the ``data`` extra, pyarrow).

The Parquet output holds the rows the JSON Lines output holds, in the same order, with the same
types; a Parquet input is decided as the same rows in a CSV would be; a bad row never disappears.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from sc_policy.app.casedecide import VersionChooser  # noqa: E402
from sc_policy.app.caseload import CsvBatch  # noqa: E402
from sc_policy.app.caseparquet import ParquetRows  # noqa: E402
from sc_policy.cli import main  # noqa: E402


def run(*args, data=None):
    return CliRunner().invoke(main, list(args), input=data)


def caseload() -> bytes:
    """Every kind of row: decided, bad codes, spaces, a quoted line break, a stray quote, a wrong width,
    bytes that are not UTF-8, an empty line, a line over the limit, StatCan's sector ranges."""
    lines = [b"noc,industry,note",
             b"2174,541514,plain", b" 0211 , 3111 ,spaces", b"211,,zero dropped", b"02174,,zero added",
             b"2174,999999,unknown naics", b"21A4,,malformed", b"9241,31-33,range",
             b'2174,,"a quoted\nline break"', b'2174,,"stray"quote', b"2174,x", b"2174,,\xff\xfe not utf-8",
             b"", b"2174,,too long " + b"x" * 140_000, b"0213,48-49,last"]
    rows = []
    for k in range(300):  # a few thousand rows, so that batches are many with a small batch size
        rows += lines[1:] if k else lines
    return b"\n".join(rows) + b"\n"


def jsonl_rows(path) -> list:
    result = run("evaluate", str(path), "--format", "jsonl")
    assert result.exit_code == 1, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_parquet_output_is_the_jsonl_output_row_for_row(tmp_path):
    src = tmp_path / "caseload.csv"
    src.write_bytes(caseload())
    out = tmp_path / "decided.parquet"
    result = run("evaluate", str(src), "--output", str(out))
    assert result.exit_code == 1 and "errors" in result.stderr
    table = pq.read_table(out)
    expected = jsonl_rows(src)
    assert table.num_rows == len(expected) == 300 * 13          # the empty lines are no rows
    assert table.to_pylist() == expected
    assert table.schema.field("eligible").type == pa.bool_()
    assert table.schema.field("areas").type == pa.list_(pa.string())
    assert table.column("noc").to_pylist()[:3] == ["2174", "0211", "211"]         # trimmed
    errors = table.column("error").to_pylist()
    assert "0211 Engineering managers" in errors[2] and "not valid CSV" in errors[8]
    assert "the header has 3" in errors[9] and "not valid UTF-8" in errors[10] and "longer than" in errors[11]
    assert errors[6] is None and table.column("industry").to_pylist()[12] == "48-49"


def test_a_parquet_input_is_decided_as_its_rows_in_a_csv(tmp_path):
    text = caseload().replace(b"\xff\xfe", b"").split(b"\n")
    good = [line for line in text if line.count(b",") == 2 and b'"' not in line and len(line) < 1000]
    src = tmp_path / "caseload.csv"
    src.write_bytes(b"\n".join(good) + b"\n")
    rows = list(csv.reader(io.StringIO(src.read_text())))
    pq.write_table(pa.table({name: [r[i] for r in rows[1:]] for i, name in enumerate(rows[0])}),
                   tmp_path / "caseload.parquet", row_group_size=500)
    from_csv = run("evaluate", str(src))
    from_parquet = run("evaluate", str(tmp_path / "caseload.parquet"))
    assert from_csv.exit_code == from_parquet.exit_code == 1
    assert from_parquet.stdout_bytes == from_csv.stdout_bytes
    both = run("evaluate", str(tmp_path / "caseload.parquet"), "-o", str(tmp_path / "out.parquet"))
    assert both.exit_code == 1
    assert pq.read_table(tmp_path / "out.parquet").to_pylist() == jsonl_rows(src)


def test_a_parquet_input_keeps_its_types_and_its_order_across_batches(ws, tmp_path):
    import datetime as dt
    n = 5_000
    nocs = [[2174, 211, 9241, None, 213][k % 5] for k in range(n)]
    table = pa.table({"id": pa.array(range(n), pa.int64()), "noc": pa.array(nocs, pa.int64()),
                      "industry": pa.array([[" 541514 ", None, "31-33", "x", ""][k % 5] for k in range(n)])
                      .dictionary_encode(),
                      "decided": pa.array([dt.date(2023, 1, 1)] * n)})
    pq.write_table(table, tmp_path / "in.parquet", row_group_size=777)
    batch = CsvBatch(VersionChooser(ws, by_date=True), fmt="parquet", date_column="decided")
    rows = ParquetRows(str(tmp_path / "in.parquet"), batch_rows=1000)
    counts = batch.run_rows(rows, lambda: str(tmp_path / "out.parquet"))
    out = pq.read_table(tmp_path / "out.parquet")
    assert counts.decided + counts.errors == n == out.num_rows
    assert out.column("id").to_pylist() == list(range(n))                # order kept, types kept
    assert out.schema.field("noc").type == pa.int64() and out.schema.field("decided").type == pa.date32()
    assert out.column("industry").to_pylist()[:5] == ["541514", None, "31-33", "x", ""]
    first = out.slice(0, 5).to_pylist()
    assert first[0]["eligible"] is True and "ict" in first[0]["areas"]
    assert "0211" in first[1]["error"] and first[2]["error"] is None
    assert first[3]["error"] == "the NOC code is empty"                 # a null code is an empty one


def test_table_writes_parquet(tmp_path):
    as_csv = list(csv.DictReader(io.StringIO(run("table").stdout)))
    result = run("table", "--format", "parquet")
    assert result.exit_code == 0
    table = pq.read_table(io.BytesIO(result.stdout_bytes))
    assert table.num_rows == len(as_csv)
    for got, want in zip(table.to_pylist(), as_csv):
        assert got["noc"] == want["noc"] and got["industry_class"] == int(want["industry_class"])
        assert got["eligible"] == (want["eligible"] == "true")
        assert ";".join(got["areas"]) == want["areas"] and got["version_hash"] == want["version_hash"]
    classes = pq.read_table(io.BytesIO(run("table", "--classes", "--format", "parquet").stdout_bytes))
    assert classes.num_rows == len(run("table", "--classes").stdout.splitlines()) - 1


def test_a_file_that_is_not_parquet_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"noc\n2174\n")
    result = run("evaluate", str(bad))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.count("\n") == 1 and "bad.parquet" in result.output and "Parquet" in result.output
    result = run("evaluate", str(tmp_path / "missing.parquet"))
    assert result.exit_code == 2 and result.output.count("\n") == 1


@pytest.mark.parametrize("args", [["evaluate", "-", "-o", "{tmp}/out.parquet"], ["evaluate", "{tmp}/in.parquet"],
                                  ["evaluate", "-", "--format", "parquet"], ["table", "--format", "parquet"]])
def test_without_pyarrow_parquet_is_an_error_naming_the_extra(tmp_path, monkeypatch, args):
    (tmp_path / "in.parquet").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "pyarrow", None)                   # import pyarrow fails
    monkeypatch.setattr("sc_policy.cli.install.origin",                  # installed from a checkout
                        lambda: {"url": "file:///home/ana/sc-policy", "dir_info": {}})
    result = run(*[a.format(tmp=tmp_path) for a in args], data="noc\n2174\n")
    assert result.exit_code == 2, result.output
    assert result.output == ('sc-policy: error: reading or writing Parquet needs pyarrow, which is not installed '
                             "(pip install '/home/ana/sc-policy[data]')\n")
    assert not (tmp_path / "out.parquet").exists()


def test_a_list_or_struct_column_is_written_to_csv_and_jsonl_as_json(tmp_path):
    source = tmp_path / "cases.parquet"
    pq.write_table(pa.table({"noc": ["2174", "0011"], "tags": [["a", "b"], []],
                             "meta": [{"a": 1, "b": "x"}, None], "raw": [[b"ab"], None]}), source)
    result = run("evaluate", str(source), "--output", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8"))))
    assert [(r["tags"], r["meta"], r["raw"]) for r in rows] == [('["a", "b"]', '{"a": 1, "b": "x"}', '["ab"]'),
                                                                ("[]", "", "")]
    result = run("evaluate", str(source), "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["tags"] for line in result.stdout.splitlines()] == ['["a", "b"]', "[]"]


def test_a_dictionary_that_decodes_to_more_text_than_a_batch_may_hold_is_refused_unread(tmp_path):
    """A few hundred bytes of Parquet can hold one long value and thousands of rows that repeat it (its
    dictionary): decoded, 20,000 rows of 1 MiB were 20 GB. The decoded size is known before decoding."""
    from sc_policy.diagnostics import InputError
    value = "x" * 4096
    column = pa.DictionaryArray.from_arrays(pa.array([0] * 5_000, pa.int32()), pa.array([value]))
    pq.write_table(pa.table({"id": pa.array(range(5_000)), "noc": column}), tmp_path / "bomb.parquet",
                   compression="zstd")
    assert (tmp_path / "bomb.parquet").stat().st_size < 50_000  # for 20 MB of text
    rows = ParquetRows(str(tmp_path / "bomb.parquet"), text_bytes=1 << 20)
    with pytest.raises(InputError) as refused:
        next(rows.batches(2))
    assert refused.value.message == ("column 'noc' holds 20,480,000 bytes of text in rows 1 to 5,000, over the "
                                     "1,048,576-byte limit for one batch of rows (its values repeat)")
    small = ParquetRows(str(tmp_path / "bomb.parquet"), batch_rows=40, text_bytes=1 << 20)
    assert [len(rows) for rows, _ in small.batches(2)][:2] == [40, 40]  # 160 kB a batch: read
    assert small.current.schema == small.schema                         # the column passes through as text


@pytest.mark.parametrize("kind", ["list", "struct", "map"])
def test_a_dictionary_inside_a_list_struct_or_map_is_measured_before_it_is_decoded(tmp_path, kind):
    """The same repeated value inside a nested column was decoded whole (the limit read top-level text
    only): 400 rows of a 1 MiB value in a list took 1.7 GB. Under the limit, the column passes through."""
    from sc_policy.diagnostics import InputError
    n, value = 5_000, "x" * 4096
    text = pa.DictionaryArray.from_arrays(pa.array([0] * n, pa.int32()), pa.array([value])).cast(pa.string())
    if kind == "list":
        column = pa.ListArray.from_arrays(pa.array(range(n + 1), pa.int32()), text)
    elif kind == "struct":
        column = pa.StructArray.from_arrays([text, pa.array(range(n))], ["note", "n"])
    else:
        column = pa.MapArray.from_arrays(pa.array(range(n + 1), pa.int32()), pa.array(["k"] * n), text)
    pq.write_table(pa.table({"noc": ["2174"] * n, "extra": column}), tmp_path / "nested.parquet", compression="zstd")
    assert (tmp_path / "nested.parquet").stat().st_size < 50_000  # for 20 MB of text
    rows = ParquetRows(str(tmp_path / "nested.parquet"), text_bytes=1 << 20)
    size = "20,485,000" if kind == "map" else "20,480,000"  # a map's keys are text too
    with pytest.raises(InputError, match=rf"^column 'extra' holds {size} bytes of text in rows 1 to 5,000, over"):
        next(rows.batches(2))
    small = ParquetRows(str(tmp_path / "nested.parquet"), batch_rows=40, text_bytes=1 << 20)
    first, _ = next(small.batches(2))
    assert len(first) == 40 and value in first[0][1]                     # read, as JSON text
    assert small.current.schema == small.schema == pq.read_schema(tmp_path / "nested.parquet")  # typed as the file


def test_rows_wide_on_average_are_read_in_fewer_rows_a_batch(tmp_path):
    """Plain values compress too: the batch is as many rows as the row group's declared size allows."""
    pq.write_table(pa.table({"noc": ["2174" + " " * 100_000] * 100}), tmp_path / "wide.parquet",
                   compression="zstd", use_dictionary=False)
    rows = ParquetRows(str(tmp_path / "wide.parquet"), batch_bytes=1 << 20)
    sizes = [len(batch) for batch, _ in rows.batches(1)]
    assert sum(sizes) == 100 and max(sizes) <= 10
    assert rows.current.column(0)[0].as_py().strip() == "2174"


@pytest.mark.parametrize("args, advice", [
    (["table", "--format", "parquet"], "give --output FILE.parquet, or redirect standard output to a file (> table.parquet)"),
    (["evaluate", "-", "--format", "parquet"], "give --output FILE.parquet, or redirect standard output to a file"),
])
def test_parquet_is_not_written_to_a_terminal(tmp_path, args, advice):
    """Parquet's bytes on a terminal garble it: with standard output a terminal (a pseudo-terminal here),
    a one-line error before any work, exit 2, nothing on the terminal (as gzip refuses); a file still gets it."""
    import pty
    leader, follower = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "sc_policy", *args], stdin=subprocess.DEVNULL, stdout=follower,
                                stderr=subprocess.PIPE, text=True, timeout=60)
        os.set_blocking(leader, False)
        try:
            shown = os.read(leader, 65536)
        except (BlockingIOError, OSError):
            shown = b""
    finally:
        os.close(follower)
        os.close(leader)
    assert (result.returncode, shown) == (2, b"")
    assert result.stderr == f"sc-policy: error: Parquet is binary and is not written to a terminal: {advice}\n"
    with open(tmp_path / "out.parquet", "wb") as out:  # redirected to a file: written
        written = subprocess.run([sys.executable, "-m", "sc_policy", *args], input=b"noc\n2174\n", stdout=out,
                                 stderr=subprocess.PIPE, timeout=120)
    assert written.returncode == 0 and (tmp_path / "out.parquet").read_bytes()[:4] == b"PAR1"


def _unchecked_strings(values) -> "pa.Array":
    """A string array holding ``values`` (bytes) as they are: Parquet and Arrow store text unchecked."""
    offsets = [0]
    for v in values:
        offsets.append(offsets[-1] + len(v))
    return pa.Array.from_buffers(pa.string(), len(values), [None, pa.array(offsets, pa.int32()).buffers()[1],
                                                             pa.py_buffer(b"".join(values))])


@pytest.mark.parametrize("output", ["csv", "jsonl", "parquet"])
def test_a_text_that_is_not_utf8_is_its_rows_error_not_the_end_of_the_batch(tmp_path, output):
    """pyarrow's to_pylist raised UnicodeDecodeError for the column: the whole batch was refused, exit 2,
    as "cannot read the input as Parquet: 'utf-8' codec can't decode byte 0xff in position 0", naming no row."""
    source = tmp_path / "cases.parquet"
    notes = _unchecked_strings([b"fine", b"caf\xe9", b"fine", b"fine"])
    tags = pa.ListArray.from_arrays(pa.array([0, 1, 2, 3, 4], pa.int32()),
                                    _unchecked_strings([b"a", b"b", b"\xff", b"d"]))
    pq.write_table(pa.table({"noc": _unchecked_strings([b"2174", b"2174", b"2174", b"21\xff4"]), "note": notes,
                             "tags": tags}), source)
    target = tmp_path / f"out.{output}"
    result = run("evaluate", str(source), "--output", str(target), "--format", output)
    assert result.exit_code == 1, result.output
    if output == "parquet":  # the columns not decided on pass through as they are, unread
        assert result.stderr.strip().splitlines() == ["sc-policy: 3 decided, 1 error"]
        assert pq.read_table(target).column("error").to_pylist() == [
            None, None, None, "row 4: column 'noc' holds bytes that are not UTF-8 (shown as U+FFFD)"]
        return
    assert result.stderr.strip().splitlines() == ["sc-policy: 1 decided, 3 errors"]
    if output == "jsonl":
        errors = [json.loads(line)["error"] for line in target.read_text("utf-8").splitlines()]
    else:
        errors = [r["error"] or None for r in csv.DictReader(io.StringIO(target.read_text("utf-8")))]
    assert errors == [None, "row 2: column 'note' holds bytes that are not UTF-8 (shown as U+FFFD)",
                      "row 3: column 'tags' holds bytes that are not UTF-8 (shown as U+FFFD)",
                      "row 4: column 'noc' holds bytes that are not UTF-8 (shown as U+FFFD)"]
