"""A CSV input cut into rows so that every input line is accounted for, in bounded memory.

What a row is (the README's ``evaluate`` section says the same):

* The input is cut into *lines* at LF; a missing LF at the end of the input is supplied. A CR
  just before an LF belongs to the line end; any other CR is data.
* A row is normally one line: fields separated by commas. A field that starts with ``"``
  is quoted: it runs to the next ``"`` that is not doubled (``""`` stands for one ``"``),
  and that closing quote must be followed by a comma or the line end. A ``"`` inside a
  field that does not start with one is data.
* A quoted field may hold line breaks (RFC 4180); its row then continues on the next lines
  and is one row, provided that it parses, has the header's number of fields, has no ``"``
  inside an unquoted field, and is at most :data:`LINE_LIMIT` bytes in all.
* A line that starts a row that does not parse by these rules (a character after a closing
  quote, a quoted field that is never closed, a row over several lines that breaks the
  proviso above) is one error row, and reading resumes at the next line, so that one stray
  quote costs one row, never the rows after it. A line longer than :data:`LINE_LIMIT` bytes
  is one error row; its bytes are skipped, never held.
* An empty line is no row.

Every line is therefore part of exactly one row or empty, and rows come out in input order.

Resuming at the next line keeps reading linear in the input: a row over several lines treats
every ``"`` as opening or closing a quoted field, and so does a row started on one of its lines
unless it is refused at that line's end; so while a row started at line *j* is inside quotes at
the end of line *k* > *j*, the row started at line *k* ends on line *k*, and no two rows that
span lines overlap by more than a line.

Why it is fast: input is read in blocks of whole lines (:data:`BLOCK_BYTES`). A block with
no ``"``, no bare CR and no NUL is split at LF and commas (:data:`PLAIN`: what :func:`csv.reader`
would read of it, and what csv.writer writes of its fields joined by commas); a block whose quotes
all close on their own lines is read by :func:`csv.reader` in strict mode and checked to
give one row per line; in any other block, runs of lines that csv.reader reads as these
rules do still go to it, and only the lines around them are read here, one by one.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from typing import BinaryIO, Callable, Generator, Iterable, Iterator, List, Optional, Tuple

from sc_policy.diagnostics import InputError, Suggestion, counted

__all__ = ["Broken", "CsvRows", "json_hint", "LINE_LIMIT", "BLOCK_BYTES", "not_csv", "PLAIN", "ONE_LINE", "ANY"]

PLAIN, ONE_LINE, ANY = 0, 1, 2
"""What the fields of a batch may hold (:meth:`CsvRows.batches`), so that a writer does only the work they need:
no quote, comma, CR or LF (the rows of a block without quotes); no CR or LF; anything (line breaks, Broken rows)."""

LINE_LIMIT = 128 * 1024
"""The most bytes a line (with its line end), or a row over several lines, may have: Python's csv
field limit (131,072 characters), so that no field the csv module reads can exceed it."""

BLOCK_BYTES = 1 << 20
"""Input is read in blocks of about this many bytes, cut at a line end."""

_QUOTED = re.compile(r'[^"]*(?:""[^"]*)*')  # a quoted field's text up to its closing quote or the line's end
_UNQUOTED = re.compile(r'[^,\r\n]*(?:\r(?!\n)[^,\r\n]*)*')  # an unquoted field; a bare CR is data

_NOT_UTF8 = "the row is not valid UTF-8 (the bad bytes are shown as U+FFFD)"
_STRAY = "a quoted field runs past the end of this line in a row that also has a '\"' inside an unquoted field"

_Line = Tuple[int, Optional[str], int, bool]  # (line number, text with its line end, bytes, not UTF-8)

_NOT_CSV = ((b"\x1f\x8b", "the input looks compressed with gzip: decompress it first"),
            (b"PK\x03\x04", "the input looks like a ZIP archive, such as an .xlsx workbook: save the sheet as CSV "
                            "UTF-8"),
            (b"PAR1", "the input looks like a Parquet file: Parquet is read from a file whose name ends in "
                      ".parquet"),
            (b"\xff\xfe", "the input looks like UTF-16 text: save it as UTF-8"),
            (b"\xfe\xff", "the input looks like UTF-16 text: save it as UTF-8"))
"""The first bytes of files that are often given for a CSV file, and what to do about them."""


def not_csv(first: bytes, header: Optional[bytes] = None) -> Optional[Suggestion]:
    """What the input seems to be when its first bytes are those of a known kind of file, or, given
    the ``header`` line that is not UTF-8, when it reads as Windows-1252 text; or None."""
    for magic, text in _NOT_CSV:
        if first.startswith(magic):
            return Suggestion("note", (), text)
    if header is not None:
        try:
            text = header.decode("cp1252")
        except UnicodeDecodeError:
            return None
        if text.rstrip("\r\n").isprintable():  # letters with accents, as Excel's plain "CSV" writes them
            return Suggestion("note", (), "the input looks like Windows-1252 or Latin-1 text, as a spreadsheet's "
                                          "plain CSV is saved: save it as CSV UTF-8")
    return None


JSON_LINES = "the input looks like JSON Lines: give CSV, or Parquet in a file whose name ends in .parquet"
JSON_ARRAY = "the input looks like a JSON array ('[' on line 1): give CSV, or Parquet in a file whose name ends in .parquet"
_ARRAY = re.compile(rb'\s*\[\s*(?:[\[{"\]]|$)')  # "[" and an object, array or text, "]" or the line's end (not "[id]")


def json_hint(header: bytes) -> Optional[Suggestion]:
    """``JSON_LINES`` when the ``header`` line is a JSON object (``{"id":1,"noc":"2174"}``, which is no CSV),
    ``JSON_ARRAY`` when it opens a JSON array (``[{"noc":"2174"},``, or ``[`` alone, as an editor indents one); or None."""
    if header.lstrip().startswith(b"{"):
        return Suggestion("note", (), JSON_LINES)
    return Suggestion("note", (), JSON_ARRAY) if _ARRAY.match(header) else None


class Broken(list):
    """An input row that cannot be decided: always empty (so never of the header's width), with
    ``message`` (one line) and ``fields`` (what to pass through: the row's fields, or none)."""

    __slots__ = ("message", "fields")

    def __init__(self, message: str, fields: Iterable[str] = ()):
        super().__init__()
        self.message = message
        self.fields = list(fields)


class _Unreadable(Exception):
    """A row that does not parse: ``args`` are its first line's number and why (internal)."""


class CsvRows:
    """The rows of a CSV input (bytes, UTF-8, an optional byte-order mark).

    :meth:`header` reads the first row; :meth:`batches` then gives the other rows, a batch at
    a time. A row is a list of fields: an empty list is an empty line (no row), a
    :class:`Broken` one a row that cannot be read.
    """

    def __init__(self, stream: BinaryIO, progress: Optional[Callable[[int], None]] = None, *,
                 limit: int = LINE_LIMIT, block: int = BLOCK_BYTES):
        self.stream = stream
        self.progress = progress
        self.limit = min(limit, csv.field_size_limit())
        self.block = block
        self._pieces = self._read()
        self._back: List[Tuple[int, Optional[bytes]]] = []  # pieces to give again, last first
        self._lines: List[_Line] = []  # lines read for the header that are not part of it
        self._first = b""  # the input's first bytes, for what it seems to be when its header cannot be read
        self.bom = False  # whether the input starts with a byte-order mark (known once the header is read)

    # -- blocks of whole lines ------------------------------------------------------------
    def _read(self) -> Iterator[Tuple[int, Optional[bytes]]]:
        """(number of the first line, bytes of whole lines, each ending in LF), or (line number, None)
        for a line longer than the limit, whose bytes are read past and dropped."""
        read, limit, size = self.stream.read, self.limit, self.block
        no, rest, skipping = 1, b"", False
        chunk = read(max(size, len(codecs.BOM_UTF8)))
        self._first = chunk[:4]
        if self.progress is not None and chunk:
            self.progress(len(chunk))
        if chunk.startswith(codecs.BOM_UTF8):  # spreadsheet exports often start with one
            chunk = chunk[len(codecs.BOM_UTF8):]
            self.bom = True
        while chunk:
            if skipping:  # past a line too long, up to its end
                cut = chunk.find(b"\n")
                if cut >= 0:
                    chunk, skipping, no = chunk[cut + 1:], False, no + 1
                else:
                    chunk = b""
            if chunk:
                data = rest + chunk if rest else chunk
                start = at = 0
                while len(data) - at > limit:
                    cut = data.rfind(b"\n", at, at + limit)  # the last line end within reach
                    if cut >= 0:
                        at = cut + 1
                        continue
                    if at > start:  # the line at `at` has more than `limit` bytes
                        yield no, data[start:at]
                        no += data.count(b"\n", start, at)
                    yield no, None
                    cut = data.find(b"\n", at + limit)
                    if cut < 0:
                        skipping, start = True, len(data)
                        break
                    no, start = no + 1, cut + 1
                    at = start
                cut = data.rfind(b"\n", start)
                if cut >= 0:
                    yield no, data[start:cut + 1]
                    no += data.count(b"\n", start, cut + 1)
                    start = cut + 1
                rest = data[start:]
            chunk = read(size)
            if self.progress is not None and chunk:
                self.progress(len(chunk))
        if rest:  # the last line's missing line end is supplied
            yield (no, None) if len(rest) + 1 > limit else (no, rest + b"\n")

    def _next_piece(self) -> Optional[Tuple[int, Optional[bytes]]]:
        if self._back:
            return self._back.pop()
        return next(self._pieces, None)

    @staticmethod
    def _split(no: int, block: Optional[bytes]) -> List[_Line]:
        """A piece as lines: (number, text, bytes, not UTF-8); text is None for a line too long."""
        if block is None:
            return [(no, None, 0, False)]
        raw = block.split(b"\n")
        raw.pop()  # a block ends with a line end
        try:
            texts = block.decode("utf-8").split("\n")
            return [(no + i, texts[i] + "\n", len(r) + 1, False) for i, r in enumerate(raw)]
        except UnicodeDecodeError:
            out = []
            for i, r in enumerate(raw):
                try:
                    out.append((no + i, r.decode("utf-8") + "\n", len(r) + 1, False))
                except UnicodeDecodeError:
                    out.append((no + i, r.decode("utf-8", "replace") + "\n", len(r) + 1, True))
            return out

    def _more(self, lines: List[_Line]) -> bool:
        """Append the next piece's lines to ``lines``; False at the end of the input."""
        piece = self._next_piece()
        if piece is None:
            return False
        lines.extend(self._split(*piece))
        return True

    # -- one row, line by line ----------------------------------------------------------------
    def _row(self, lines: List[_Line], i: int, width: Optional[int]) -> Tuple[List[str], int]:
        """The row that starts at ``lines[i]`` and how many lines it takes (reading more input
        into ``lines`` if a quoted field runs past the end). A row that parses but is not UTF-8
        is a Broken row holding its fields; one that does not parse raises _Unreadable."""
        no, line, size, bad = lines[i]
        if line is None:
            raise _Unreadable(no, f"the line is longer than {self.limit:,} bytes")
        if '"' not in line:
            body = line[:-2] if line.endswith("\r\n") else line[:-1]
            fields = body.split(",") if body else []
            return (Broken(f"line {no}: {_NOT_UTF8}", fields) if bad else fields), 1
        fields: List[str] = []
        at, end, j = 0, len(line), i
        data_quote = False
        while True:  # at the start of a field
            if at < end and line[at] == '"':
                at += 1
                parts = []
                while True:
                    stop = _QUOTED.match(line, at).end()
                    if stop < end:  # the closing quote
                        parts.append(line[at:stop])
                        at = stop + 1
                        break
                    parts.append(line[at:])  # the line end is part of the field
                    if data_quote:
                        raise _Unreadable(no, _STRAY)
                    j += 1
                    if j == len(lines) and not self._more(lines):
                        raise _Unreadable(no, "a quoted field starts on this line and is never closed")
                    _, line, size_j, bad_j = lines[j]
                    size += size_j
                    if line is None or size > self.limit:
                        raise _Unreadable(no, f"a quoted field starts on this line and is not closed "
                                              f"within {self.limit:,} bytes")
                    bad = bad or bad_j
                    at, end = 0, len(line)
                fields.append("".join(parts).replace('""', '"'))
                if at < end and line[at] == ",":
                    at += 1
                    continue
                if line[at:] in ("\n", "\r\n"):
                    break
                where = "" if j == i else f" (on line {lines[j][0]})"
                raise _Unreadable(no, f"{line[at]!r} follows the closing quote of field {len(fields)}{where}; "
                                      f"a closing quote must be followed by a comma or the line end")
            stop = _UNQUOTED.match(line, at).end()
            field = line[at:stop]
            if '"' in field:
                if j > i:
                    raise _Unreadable(no, _STRAY)
                data_quote = True
            fields.append(field)
            if line[stop] == ",":
                at = stop + 1
                continue
            break
        if j > i and width is not None and len(fields) != width:
            raise _Unreadable(no, f"a quoted field runs from this line to line {lines[j][0]}, and the row "
                                  f"then has {counted(len(fields), 'field')}, the header has {width}")
        return (Broken(f"line {no}: {_NOT_UTF8}", fields) if bad else fields), j - i + 1

    def _careful(self, lines: List[_Line], width: int) -> Generator[Tuple[Iterable[List[str]], int], None, bool]:
        """Batches of the rows of ``lines`` (and of more input, while a quoted field runs on);
        returns whether any row was read here line by line.

        A run of lines that csv.reader reads as these rules do (UTF-8, no NUL, no CR but the line
        end's, an even number of quotes) goes to csv.reader in strict mode, and is taken if it
        gives one row per line; any other line starts a row read here.
        """
        by_line = False
        i = 0
        while i < len(lines):
            if i > 4096:  # forget the lines already read
                del lines[:i]
                i = 0
            j, n = i, len(lines)
            while j < n:
                _, line, _, bad = lines[j]
                if bad or line is None or line.count('"') & 1 or "\x00" in line or \
                        ("\r" in line and line.index("\r") < len(line) - 2):
                    break
                j += 1
            if j > i:
                try:
                    rows = list(csv.reader([line[1] for line in lines[i:j]], strict=True))
                except csv.Error:
                    rows = []
                if len(rows) == j - i:
                    yield rows, ONE_LINE
                    i = j
                    continue
            rows = []
            stop = max(j, i + 1)
            while i < stop:  # the rows that start on these lines, one by one
                try:
                    row, used = self._row(lines, i, width)
                except _Unreadable as exc:
                    no, why = exc.args
                    rows.append(Broken(f"line {no}: {why}; it was skipped" if lines[i][1] is None else
                                       f"line {no}: the row is not valid CSV: {why}; "
                                       f"reading resumes at the next line"))
                    i += 1
                else:
                    rows.append(row)
                    i += used
            by_line = True
            yield rows, ANY
        return by_line

    # -- the input --------------------------------------------------------------------------------
    def header(self) -> List[str]:
        """The first row; InputError if there is none or it cannot be read."""
        piece = self._next_piece()
        if piece is None:
            raise InputError("the input is empty: expected a header row naming a 'noc' column")
        no, block = piece
        if block is not None:
            cut = block.index(b"\n") + 1
            if cut < len(block):
                self._back.append((no + 1, block[cut:]))
                block = block[:cut]
        lines = self._split(no, block)
        try:
            row, used = self._row(lines, 0, None)
        except _Unreadable as exc:
            if block is None:
                raise InputError(f"the header row is longer than {self.limit:,} bytes",
                                 suggestion=not_csv(self._first)) from None
            raise InputError(f"the header row is not valid CSV: {exc.args[1]}",
                             suggestion=not_csv(self._first) or json_hint(block)) from None
        if type(row) is Broken:
            raise InputError("the header row is not valid UTF-8", suggestion=not_csv(self._first, block))
        self._lines = lines[used:]
        return row

    def batches(self, width: int) -> Iterator[Tuple[Iterable[List[str]], int]]:
        """The rows after the header, as (rows, what their fields may hold: PLAIN, ONE_LINE or ANY) in input
        order; only ANY batches hold Broken rows. Each batch must be used up before the next."""
        whole = True
        if self._lines:
            lines, self._lines = self._lines, []
            yield from self._careful(lines, width)
        while True:
            piece = self._next_piece()
            if piece is None:
                return
            no, block = piece
            if block is None:
                yield from self._careful(self._split(no, None), width)
                continue
            try:
                text = block.decode("utf-8")
            except UnicodeDecodeError:
                yield from self._careful(self._split(no, block), width)
                continue
            crs = text.count("\r")
            if "\x00" not in text and (not crs or crs == text.count("\r\n")):  # (Python 3.10's csv refuses NUL)
                if '"' not in text:  # so no field holds a comma, CR or LF either: split as csv.reader reads it
                    lines = (text.replace("\r\n", "\n") if crs else text).split("\n")
                    if not lines[-1]:
                        lines.pop()  # (after the last line end)
                    yield (line.split(",") if line else [] for line in lines), PLAIN  # an empty line is no row
                    continue
                if whole:  # quotes: the whole block in strict mode, taken if it gives one row per line
                    try:
                        rows = list(csv.reader(io.StringIO(text, newline="\n"), strict=True))
                    except csv.Error:
                        rows = []
                    if len(rows) == text.count("\n"):
                        yield rows, ONE_LINE
                        continue
            # Try the next block whole again only if this one had no row to read line by line.
            whole = not (yield from self._careful(self._split(no, block), width))
