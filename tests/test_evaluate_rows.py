"""What a row is for `sc-policy evaluate`: every input line belongs to exactly one output row (or is
empty), whatever the bytes, quotes and line ends.

The expected rows come from a reference reader written here, character by character, from the
rules in the README (and :mod:`sc_policy.app.csvrows`); the output is parsed back with the csv
module (or json) and compared with it row for row.
"""

from __future__ import annotations

import csv
import io
import json
from typing import List, Optional, Tuple

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_policy.cli import main
from sc_policy.app.casecolumns import resolve_columns
from sc_policy.app.caseformats import CsvFormat
from sc_policy.app.csvrows import ANY, LINE_LIMIT, ONE_LINE, PLAIN, Broken, CsvRows
from sc_policy.diagnostics import InputError
from sc_policy.reference.statcan import reference_data

BOM = b"\xef\xbb\xbf"


# -- the reference reader ------------------------------------------------------------------------
def _lines(data: bytes) -> List[bytes]:
    """Physical lines, each ending in LF (one is supplied at the end of the input)."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    parts = data.split(b"\n")
    last = parts.pop()
    lines = [p + b"\n" for p in parts]
    if last:
        lines.append(last + b"\n")
    return lines


pytestmark = pytest.mark.usefixtures("cli_shares_ws")  # one opened shipped version for every run

def _record(lines: List[bytes], i: int, width: Optional[int], limit: int) -> Tuple[Optional[List[bytes]], int]:
    """The row starting at line i: (its fields, lines used), or (None, 1) when it does not parse."""
    line = lines[i]
    if len(line) > limit:
        return None, 1
    if line in (b"\n", b"\r\n"):
        return [], 1
    size, j, pos = len(line), i, 0
    fields: List[bytes] = []
    cur = bytearray()
    state = "start"
    data_quote = False
    while True:
        c = line[pos:pos + 1]
        at_end = line[pos:] in (b"\n", b"\r\n")
        if state == "start":
            if c == b'"':
                state, pos = "quoted", pos + 1
            else:
                state = "plain"
        elif state == "plain":
            if at_end:
                fields.append(bytes(cur))
                break
            if c == b",":
                fields.append(bytes(cur))
                cur, state, pos = bytearray(), "start", pos + 1
                continue
            if c == b'"':
                if j > i:
                    return None, 1
                data_quote = True
            cur += c
            pos += 1
        elif state == "quoted":
            if c == b'"':
                if line[pos + 1:pos + 2] == b'"':
                    cur += b'"'
                    pos += 2
                else:
                    state, pos = "after", pos + 1
                continue
            cur += c
            pos += 1
            if c == b"\n":  # the line ends inside the quotes: the row goes on
                j += 1
                if data_quote or j == len(lines) or len(lines[j]) > limit:
                    return None, 1
                size += len(lines[j])
                if size > limit:
                    return None, 1
                line, pos = lines[j], 0
        else:  # after a closing quote
            if at_end:
                fields.append(bytes(cur))
                break
            if c != b",":
                return None, 1
            fields.append(bytes(cur))
            cur, state, pos = bytearray(), "start", pos + 1
    if j > i and width is not None and len(fields) != width:
        return None, 1
    return fields, j - i + 1


def reference(data: bytes, limit: int = LINE_LIMIT):
    """(header fields or None, [(line number, fields or None, valid UTF-8)]) by the documented rules."""
    lines = _lines(data)
    if not lines:
        return None, []
    header, used = _record(lines, 0, None, limit)
    if header is None or not _utf8(lines[:used]):
        return None, []
    rows = []
    i = used
    while i < len(lines):
        fields, used = _record(lines, i, len(header), limit)
        if fields != []:
            rows.append((i + 1, fields, fields is not None and _utf8(lines[i:i + used])))
        i += used
    return header, rows


def _utf8(lines: List[bytes]) -> bool:
    try:
        b"".join(lines).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _text(fields: List[bytes]) -> List[str]:
    return [f.decode("utf-8", "replace") for f in fields]


def _shown(fields: List[bytes]) -> List[str]:
    """A row's fields as the output writes them: the code column (noc) trimmed of surrounding whitespace."""
    text = (_text(fields) + ["", "", ""])[:3]
    text[1] = text[1].strip()
    return text


# -- inputs --------------------------------------------------------------------------------------
TOKENS = [b'"', b'""', b",", b"\n", b"\r\n", b"\r", b"2174", b"0013", b"21A4", b"x", b" ", b"\xff",
          b"\xc3\xa9", b"\x00", b'"2174"', b',"', b'",']
BODY = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=80).map(b"".join),
    st.binary(max_size=120),
    st.lists(st.sampled_from([b"2174,ok\n", b'0013,"a\nb"\n', b'2174,"oops\n', b"9461,a\rb\n", b"\n",
                              b'2174,"x""y",z\n', b"0011,\r\n"]), max_size=30).map(b"".join),
)


def _check_rows(rows, expected, width):
    """Rows as the reader gave them (empty lines left out) against the reference's."""
    assert len(rows) == len(expected)
    for row, (no, fields, utf8) in zip(rows, expected):
        if fields is None:
            assert type(row) is Broken and row.message.startswith(f"line {no}: ") and row.fields == []
        elif not utf8:
            assert type(row) is Broken and row.message.startswith(f"line {no}: the row is not valid UTF-8")
            assert row.fields == _text(fields)
        else:
            assert type(row) is list and row == _text(fields)


def _read_all(data: bytes, **kw):
    reader = CsvRows(io.BytesIO(data), **kw)
    try:
        header = reader.header()
    except InputError:
        return None, []
    rows = []
    for batch, kind in reader.batches(len(header)):
        batch = list(batch)
        _check_kind(batch, kind)
        rows += [row for row in batch if row or type(row) is Broken]
    return header, rows


def _check_kind(batch, kind: int) -> None:
    """A batch's rows hold only what its kind says (the writer that evaluate picks by it relies on it)."""
    assert kind in (PLAIN, ONE_LINE, ANY)
    if kind != ANY:
        assert all(type(row) is list for row in batch)
        assert not any("\r" in f or "\n" in f for row in batch for f in row)
    if kind == PLAIN:
        assert not any("," in f or '"' in f for row in batch for f in row)


@settings(max_examples=300)
@given(head=st.sampled_from([b"noc,note\n", b'noc,"no\nte"\n', b"id,noc,note\r\n", b"noc\n", b'"noc"\n']),
       body=BODY, limit=st.integers(6, 40), block=st.integers(1, 64))
def test_the_reader_gives_the_reference_rows_whatever_the_block_and_limit(head, body, limit, block):
    data = head + body
    want_header, want_rows = reference(data, limit)
    header, rows = _read_all(data, limit=limit, block=block)
    assert header == (None if want_header is None else _text(want_header))
    if header is not None:
        _check_rows(rows, want_rows, len(header))
        # the same input, read in one block, gives the same rows
        _check_rows(_read_all(data, limit=limit)[1], want_rows, len(header))


@pytest.mark.parametrize("body,rows", [
    (b"2174,5678\n", [["2174", "5678"]]),                    # 10 bytes with its line end: at the limit
    (b"2174,56789\n", ["line 2"]),                            # 11: over it
    (b"2174,5678", [["2174", "5678"]]),                       # the supplied line end counts
    (b"2174,56789", ["line 2"]),
    (b'2174,"\n6"\n', [["2174", "\n6"]]),                    # a row over two lines, 10 bytes in all
    (b'2174,"5\n6"\n', ["line 2", ['6"']]),                   # 11: refused, and its second line read alone
    (b"\r\n\n2174,\r\n", [["2174", ""]]),                   # empty lines are no rows
])
def test_the_limit_counts_every_byte_of_a_row_with_its_line_ends(body, rows):
    header, got = _read_all(b"noc,note\n" + body, limit=10)
    assert header == ["noc", "note"]
    assert [r.message[:6] if type(r) is Broken else r for r in got] == rows


@settings(max_examples=60)
@given(body=BODY, fmt=st.sampled_from(["csv", "jsonl"]))
def test_every_input_row_is_one_output_row_parsed_back(body, fmt):
    header = [b"id", b"noc", b"note"]
    data = b"id,noc,note\n" + body
    _, expected = reference(data)
    result = CliRunner().invoke(main, ["evaluate", "--format", fmt], input=data)
    assert result.exit_code in (0, 1), result.output
    if fmt == "csv":
        out = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8"), newline="")))
        assert out[0][:3] == ["id", "noc", "note"]
        names = out[0]
        out = [dict(zip(names, row)) for row in out[1:]]
        assert all(len(row) == len(names) for row in out)
    else:
        out = [json.loads(line) for line in result.stdout_bytes.decode("utf-8").split("\n")[:-1]]
    assert len(out) == len(expected)
    errors = 0
    for row, (no, fields, utf8) in zip(out, expected):
        given_fields = [row[h.decode()] for h in header]
        error = row["error"] or ""
        errors += bool(error)
        if fields is None:
            assert error.startswith(f"line {no}: ") and given_fields == ["", "", ""]
        elif not utf8:
            assert error.startswith(f"line {no}: the row is not valid UTF-8")
            assert given_fields == _shown(fields)
        elif len(fields) != len(header):
            assert error == f"the row has {len(fields)} field{'' if len(fields) == 1 else 's'}, the header has 3"
        else:
            assert given_fields == _shown(fields) and not error.startswith("line ")
    assert result.exit_code == (1 if errors else 0)


@settings(max_examples=200)
@given(fields=st.lists(st.text(st.characters(blacklist_characters=',"\r\n', blacklist_categories=("Cs",)),
                               max_size=6), min_size=1, max_size=4))
def test_a_plain_batchs_writer_writes_what_csv_writer_writes(fields):
    """evaluate joins the fields of a row of a PLAIN batch (no comma, quote, CR or LF in any) with commas
    instead of calling csv.writer (2.4 times as fast): the bytes must be csv.writer's all the same."""
    columns = resolve_columns(["noc"] + [f"c{i}" for i in range(1, len(fields))])
    written: List[str] = []

    class Sink:
        write = written.append

    writers = CsvFormat(columns).start(Sink, columns)
    outputs = []
    for kind in (PLAIN, ONE_LINE, ANY):
        written.clear()
        writers[kind](list(fields))
        outputs.append("".join(written))
    assert outputs[0] == outputs[1] == outputs[2], outputs


# -- the cases of the report, one by one ------------------------------------------------------------
def run(data: bytes, *args):
    result = CliRunner().invoke(main, ["evaluate", *args], input=data)
    rows = list(csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8"), newline="")))
    return result, rows


def test_a_line_break_in_a_field_is_quoted_in_the_output():
    result, rows = run(b'noc,note\n2174,"a\nb"\n0013,"c\rd"\n')
    assert result.exit_code == 0
    assert [(r["noc"], r["note"], r["eligible"]) for r in rows] == [("2174", "a\nb", "true"),
                                                                    ("0013", "c\rd", "false")]
    assert b'2174,"a\nb",true' in result.stdout_bytes and b'0013,"c\rd",false' in result.stdout_bytes


def test_a_stray_quote_costs_its_own_row_only():
    result, rows = run(b'noc,note\n2174,"oops\n' + b"0013,ok\n" * 50)
    assert result.exit_code == 1 and "50 decided, 1 error" in result.stderr
    assert len(rows) == 51
    assert rows[0]["error"].startswith("line 2: the row is not valid CSV: a quoted field starts on this line")
    assert all(r["noc"] == "0013" and r["error"] == "" for r in rows[1:])


@pytest.mark.parametrize("data,why", [
    (b'noc,note\n2174,"a"b\n0013,x\n', "'b' follows the closing quote of field 2"),
    (b'noc,note\n2174,"a\n0013,x\n2173,y",extra\n0013,z\n', "the row then has 3 fields, the header has 2"),
    (b'noc,note\n2174,x"y,"a\n0013,b"\n', "a '\"' inside an unquoted field"),
    (b'noc,note,id\n"2174\n0013",x\n0013,z,1\n', "the row then has 2 fields, the header has 3"),
    (b'noc,note\n"2174\n0013"\n0013,z\n', "the row then has 1 field, the header has 2"),  # not "1 fields"
])
def test_a_row_that_does_not_parse_is_one_error_row_and_reading_resumes(data, why):
    result, rows = run(data)
    assert result.exit_code == 1
    assert why in rows[0]["error"] and rows[0]["error"].startswith("line 2: ")
    assert len(rows) == data.count(b"\n") - 1  # every line after the header is one row


def test_a_bare_cr_is_data_and_crlf_a_line_end():
    result, rows = run(b"noc,note\r\n2174,a\rb\r\n0013,x\r\n0011\r")
    assert result.exit_code == 1
    assert [(r["noc"], r["note"]) for r in rows] == [("2174", "a\rb"), ("0013", "x"), ("0011", "")]
    assert rows[2]["error"] == "the row has 1 field, the header has 2"  # one field, not "1 fields"


def test_a_quoted_field_may_span_lines_up_to_the_limit():
    note = "x" * 1000 + "\n"
    result, rows = run(f'noc,note\n2174,"{note * 100}"\n0013,ok\n'.encode())
    assert result.exit_code == 0 and rows[0]["note"] == note * 100 and rows[1]["noc"] == "0013"
    lines = LINE_LIMIT // len(note) + 1
    result, rows = run(f'noc,note\n2174,"{note * lines}"\n0013,ok\n'.encode())
    assert result.exit_code == 1
    assert "is not closed within 131,072 bytes" in rows[0]["error"]
    assert len(rows) == lines + 2 and rows[-1]["noc"] == "0013"  # each line of the long field is a row


def test_a_line_over_the_limit_is_an_error_row_and_the_rest_is_read():
    data = b"noc,note\n2174," + b"y" * (LINE_LIMIT + 10) + b"\n0013,ok\n2174," + b"z" * (LINE_LIMIT - 6) + b"\n"
    result, rows = run(data)
    assert result.exit_code == 1 and len(rows) == 3
    assert rows[0]["error"] == "line 2: the line is longer than 131,072 bytes; it was skipped"
    assert rows[1]["noc"] == "0013" and rows[2]["note"] == "z" * (LINE_LIMIT - 6)


def test_a_header_over_the_limit_or_unparseable_is_refused():
    result, _ = run(b"noc," + b"n" * LINE_LIMIT + b"\n2174\n")
    assert result.exit_code == 2 and "the header row is longer than 131,072 bytes" in result.stderr
    result, _ = run(b'noc,"note\n2174\n')
    assert result.exit_code == 2 and "the header row is not valid CSV: a quoted field" in result.stderr


class Generated(io.RawIOBase):
    """A binary stream of the given pieces, made on demand (so that a test need not hold them)."""

    def __init__(self, pieces):
        self.pieces = iter(pieces)
        self.left = memoryview(b"")

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self.left:
            piece = next(self.pieces, None)
            if piece is None:
                return 0
            self.left = memoryview(piece)
        n = min(len(buffer), len(self.left))
        buffer[:n] = self.left[:n]
        self.left = self.left[n:]
        return n


def test_an_endless_line_is_read_in_flat_memory():
    """A 64 MiB line is skipped without being held: the reader's peak allocation stays near a block."""
    import tracemalloc
    zeros = b"\0" * (1 << 20)
    reader = CsvRows(io.BufferedReader(Generated([b"noc\n2174\n"] + [zeros] * 64 + [b"\n0013\n"])))
    tracemalloc.start()
    try:
        assert reader.header() == ["noc"]
        rows = [row for batch, _ in reader.batches(1) for row in batch if row or type(row) is Broken]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows[0] == ["2174"] and rows[2] == ["0013"] and len(rows) == 3
    assert type(rows[1]) is Broken and rows[1].message.startswith("line 3: the line is longer than")
    assert peak < 6 << 20, peak


class Counting:
    """A compiled pattern that counts its matches and the characters they cover."""

    def __init__(self, pattern):
        self.pattern = pattern
        self.chars = 0

    def match(self, text, pos):
        found = self.pattern.match(text, pos)
        self.chars += 1 + found.end() - pos
        return found


@pytest.mark.parametrize("line", [b'2174,x","y\n', b'","\n', b'"\n', b'x,"\n', b'"",""\n', b'a",","\n'])
def test_stray_quotes_on_every_line_are_read_in_linear_time(monkeypatch, line):
    """Every line opens a quoted field that could run on: the reader scans each character a bounded
    number of times (a row refused at the limit must not be scanned again from each of its lines)."""
    from sc_policy.app import csvrows
    counting = {name: Counting(getattr(csvrows, name)) for name in ("_QUOTED", "_UNQUOTED")}
    for name, pattern in counting.items():
        monkeypatch.setattr(csvrows, name, pattern)
    data = b"noc,note\n2174,\"a\n" + line * 40000
    header, rows = _read_all(data)
    _check_rows(rows, reference(data)[1], 2)
    assert sum(c.chars for c in counting.values()) <= 3 * len(data)


def test_each_row_of_many_distinct_bad_codes_gets_its_own_message():
    """Far more distinct refusals than the memories hold: every row still gets its own."""
    n = 45_000
    data = b"id,noc,industry\n" + b"".join(b"%d,%05d,%d\n" % (i, i, 100_000 + i) for i in range(n))
    result, rows = run(data)
    assert result.exit_code == 1 and len(rows) == n
    for i, row in enumerate(rows):
        assert row["error"].startswith(f"NOC code '{i:05d}' is not four digits"), (i, row["error"])


def test_a_rows_own_noc_version_is_not_advised_about_the_option():
    """A row whose noc_version cell is empty was told to "use --noc-version 2021", which would change every
    other row with an empty cell too: the fix is the row's own cell, named as the header writes it."""
    data = "noc,NOC_Version\n2174,2021\n21232,2016\n21232,\n2174,\n"
    result = CliRunner().invoke(main, ["evaluate"], input=data)
    errors = [row["error"] for row in csv.DictReader(io.StringIO(result.stdout))]
    assert errors == [
        "NOC 2021 code '2174' is not five digits (a NOC 2016 code has four digits)",
        "NOC code '21232' is not four digits (21232 Software developers and programmers is a NOC 2021 unit group)",
        "NOC code '21232' is not four digits (21232 Software developers and programmers is a NOC 2021 unit group: "
        "write 2021 in its 'NOC_Version' column)",
        "",
    ]
    flipped = CliRunner().invoke(main, ["evaluate", "--noc-version", "2021"], input=data)
    assert [row["error"] for row in csv.DictReader(io.StringIO(flipped.stdout))][3] == (
        "NOC 2021 code '2174' is not five digits (a NOC 2016 code has four digits: write 2016 in its 'NOC_Version' "
        "column)")


class _Python310Writer:
    """csv.writer as Python 3.10 has it: a field that holds NUL raises csv.Error (3.11 writes it as it is)."""

    def __init__(self, *args, **kwargs):
        self._writer = _REAL_WRITER(*args, **kwargs)

    def writerow(self, row):
        if any("\0" in str(field) for field in row):
            raise csv.Error("need to escape, but no escapechar set")
        return self._writer.writerow(row)


_REAL_WRITER = csv.writer


def test_nul_in_a_field_is_written_as_it_is_where_csv_refuses_it(tmp_path, monkeypatch):
    """setup.cfg admits Python 3.10, whose csv.writer refuses a field holding NUL: there too every row is
    written, byte for byte as on Python 3.11 (every batch crashed on 3.10: the error rows' writer was
    made by rendering a NUL)."""
    from sc_policy.app import caseformats
    path = tmp_path / "cases.csv"
    path.write_bytes(b"id,noc,note\n1,2174,a\x00b\n2,21\x0074,\"x,\x00\"\n3,2174,plain\n4,9999,\x00\n")
    expected = CliRunner().invoke(main, ["evaluate", str(path)])
    assert expected.exit_code == 1 and expected.stdout_bytes.count(b"\x00") == 4
    monkeypatch.setattr(caseformats, "CSV_WRITES_NUL", False, raising=False)
    monkeypatch.setattr(caseformats.csv, "writer", _Python310Writer)
    result = CliRunner().invoke(main, ["evaluate", str(path)])
    assert (result.exit_code, result.stderr) == (1, expected.stderr), result.exception
    assert result.stdout_bytes == expected.stdout_bytes
    alone = tmp_path / "noc.csv"  # one column: a row of one empty field is written empty, as without NUL
    alone.write_bytes(b"noc\n2174\n\x00\n")
    result = CliRunner().invoke(main, ["evaluate", str(alone)])
    monkeypatch.undo()
    assert result.stdout_bytes == CliRunner().invoke(main, ["evaluate", str(alone)]).stdout_bytes


def _caseload(n: int, seed: int, *, noc_version: bool, date: bool) -> bytes:
    """``n`` rows drawn, with repeats, from a few NOC codes, industries, NOC versions and days, good and bad."""
    import random
    pick = random.Random(seed).choice
    head = ["id", "noc", "industry"] + ["noc_version"] * noc_version + ["decided"] * date
    lines = [",".join(head)]
    for i in range(n):
        row = [str(i), pick(["2174", "2173", "0013", "9461", "7511", "2281", "21232", "21A4", "99999"]),
               pick(["", "541514", "3345", "31", "5417", "417310", "11", "1", "999999"])]
        row += [pick(["", "2016", "2021", "2030"])] * noc_version
        row += [pick(["2026-11-26", "2026-11-25", "2027-06-30 00:00:00", "2020-01-01", "2027-02-30", "soon"])] * date
        lines.append(",".join(row))
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("noc_version, date", [(False, False), (True, False), (False, True), (True, True)],
                         ids=["noc and industry", "with noc_version", "by date", "noc_version by date"])
def test_emptying_the_memories_changes_no_row(monkeypatch, noc_version, date):
    """With the memories emptied every few new values (and their ids' room cut to fit, as the limits say), each
    row is decided as with memories that never fill: a value seen before an emptying is not taken for another."""
    from sc_policy.app import casedecide
    data = _caseload(1500, 11, noc_version=noc_version, date=date)
    args = ["--date-column", "decided"] if date else []
    full, rows = run(data, *args)
    assert len(rows) == 1500 and {r["error"] == "" for r in rows} == {True, False}
    monkeypatch.setattr(casedecide, "MEMO_LIMIT", 5)
    monkeypatch.setattr(casedecide, "_WIDE", 8)  # ids stay below MEMO_LIMIT + 2
    emptied, _ = run(data, *args)
    assert (emptied.exit_code, emptied.stdout) == (full.exit_code, full.stdout)


def _decider(ws, date: bool):
    from sc_policy.app.casedecide import RowDecider, VersionChooser
    column = "decided" if date else None
    columns = resolve_columns(["id", "noc", "industry", "decided"], date_column=column)
    return RowDecider(VersionChooser(ws, by_date=date), columns, CsvFormat(columns), date_column=column).function()


def test_each_code_and_day_is_looked_up_once_until_the_memories_are_emptied(ws, monkeypatch):
    """Raw codes and days are remembered: a caseload of a few distinct values looks each up once, and after
    the memories were emptied (here once, by a hundred distinct refusals), once more, not once a row."""
    from sc_policy.app import casedecide
    monkeypatch.setattr(casedecide, "MEMO_LIMIT", 100)
    looked_up, days = [], []
    real_candidates, real_on = casedecide.noc_candidates, casedecide.VersionChooser.on
    monkeypatch.setattr(casedecide, "noc_candidates", lambda noc, *a: looked_up.append(noc) or real_candidates(noc, *a))
    monkeypatch.setattr(casedecide.VersionChooser, "on", lambda self, day: days.append(day) or real_on(self, day))
    decide = _decider(ws, True)
    nocs, industries = ["2174", "2173", "0013", "9461", "7511"], ["", "541514", "3345", "x"]
    dates = ["2026-11-28", "2026-11-27", "2027-06-30"]  # two versions: 40 (code, industry) pairs in all
    rows = [[str(i), nocs[i % 5], industries[i % 4], dates[i % 3]] for i in range(2000)]
    for row in rows:
        decide(row)
    assert sorted(looked_up) == sorted(nocs) and len(days) == 3
    for i in range(100):
        decide([str(i), f"{i:05d}", "", dates[0]])
    looked_up.clear()
    for row in rows:
        decide(row)
    assert sorted(looked_up) == sorted(nocs) and len(days) == 3


def _distinct_values(n: int):
    """Rows of distinct codes, industries and days, each a refusal or, one day in two, a day in force."""
    import datetime as dt
    first = dt.date(2027, 1, 1)
    for i in range(n):
        day = f"day {i}" if i % 2 else (first + dt.timedelta(days=i)).isoformat()
        yield [str(i), f"{i:05d}", str(100_000 + i), day]


def _pairs_of_a_few_values(n: int):
    """Rows of every pair of 99 unit groups and 99 refused industries: few values (the memories of values stay
    small), but thousands of pairs."""
    nocs = sorted(reference_data().noc2016)[:99]
    for i in range(n):
        yield [str(i), nocs[i % 99], str(100_000 + i // 99 % 99), "2027-01-01"]


@pytest.mark.parametrize("date, rows", [(False, _distinct_values), (True, _distinct_values),
                                        (False, _pairs_of_a_few_values)],
                         ids=["one version", "by date", "pairs of a few values"])
def test_the_memories_stay_flat_however_many_distinct_values(ws, monkeypatch, sized, date, rows):
    """Each memory is emptied at MEMO_LIMIT entries: tens of thousands of distinct codes, industries, days
    or pairs of them (thousands, 15 times the limit, in a plain run) cost the decider no more memory than a
    few hundred."""
    import tracemalloc
    from sc_policy.app import casedecide
    monkeypatch.setattr(casedecide, "MEMO_LIMIT", 200)
    decide = _decider(ws, date)
    for noc, industry in (("2174", "541514"), ("21A4", "1"), ("99999", "999999")):  # the version and its data read
        decide(["0", noc, industry, "2027-01-01"])
    n = sized(3_000, 30_000)
    tracemalloc.start()
    try:
        errors = sum(bool(decide(row)[1]) for row in rows(n))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert errors == n
    assert peak < 1 << 20, peak
