"""Read one YAML rule file into plain data plus the position of every node.

Rule files are data. This loader is deliberately stricter than ``yaml.safe_load``:

* duplicate mapping keys are refused (PyYAML silently keeps the last one, losing
  the analyst's first value);
* anchors, aliases and explicit tags are refused (no alias bombs, no Python
  objects, no ``!!binary`` surprises), and so are ``[`` and ``{`` nested over 100 deep;
* the file must be UTF-8, non-empty, a single document, and under a size limit.

Every failure is a :class:`~sc_policy.diagnostics.PolicyLoadError` carrying the file,
line and column.

:func:`read_regular` is how sc-policy reads any file of a policy tree (rule files,
the source document, cache entries): it looks at the file's kind and size before
reading, refuses anything but a regular file under a limit, never blocks on a
pipe, and never reads more than the limit even if the file grows meanwhile.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Tuple

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from sc_policy.diagnostics import PolicyLoadError, Span, Suggestion, cut, echoed
from sc_policy.load.remembered import Remembered, fresh
from sc_policy.load.yamlhints import SLIP_PROBLEMS, slipped_line, tab_problem, worded
from sc_policy.load.valuelines import SourceLines, records_lines, value_lines
from sc_policy.load.yamlvalues import scalar_value

__all__ = ["Document", "load_document", "parse_document", "parse_vouched", "load_vouched", "read_regular",
           "file_kind", "MAX_FILE_BYTES", "MAX_SOURCE_BYTES"]

MAX_FILE_BYTES = 1_000_000
"""A rule file larger than this is refused: no real rule file comes near it."""

MAX_SOURCE_BYTES = 20_000_000
"""A source document larger than this is refused (the shipped one is 30 kB)."""

_PLAIN_TAGS = {"tag:yaml.org,2002:" + n for n in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}

KeyPath = Tuple[Any, ...]


@dataclass(frozen=True)
class Document:
    """A parsed rule file: its data and the span of every key and list item in it.

    ``spans`` maps a key path such as ``("occupations", 3, "code")`` to where that
    entry starts; :meth:`span` falls back to the nearest enclosing node, so that
    any error about any part of the data can be reported at a real line.
    """

    path: str
    data: Any
    spans: Mapping[KeyPath, Span] = field(repr=False, default_factory=dict)

    def span(self, keypath: KeyPath = ()) -> Span:
        keypath = tuple(keypath)
        while keypath not in self.spans and keypath:
            keypath = keypath[:-1]
        return self.spans.get(keypath, Span(self.path, 1, 1))


class LazyMapping(abc.Mapping):
    """A read-only mapping made by ``factory`` on first use: what a warm run never looks at (the spans
    of a model element's keys, the hash of each rule file) it never builds."""

    __slots__ = ("_factory", "_made")

    def __init__(self, factory: Callable[[], Dict]):
        self._factory: Optional[Callable[[], Dict]] = factory
        self._made: Optional[Dict] = None

    def _dict(self) -> Dict:
        if self._made is None:
            self._made, self._factory = self._factory(), None
        return self._made

    def __getitem__(self, key):
        return self._dict()[key]

    def __contains__(self, key) -> bool:
        return key in self._dict()

    def __iter__(self) -> Iterator:
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._dict())

    def __repr__(self) -> str:
        return repr(self._dict())


class PackedSpans(abc.Mapping):
    """The spans of a document as (line, column) pairs by key path, each :class:`Span` made when looked
    up: the form a cache entry gives back (thousands of spans, of which a warm answer reads a few)."""

    __slots__ = ("_path", "_at")

    def __init__(self, path: str, at: Dict[KeyPath, Tuple[int, int]]):
        self._path, self._at = path, at

    def __getitem__(self, key) -> Span:
        line, column = self._at[key]
        return Span(self._path, line, column)

    def __contains__(self, key) -> bool:
        return key in self._at

    def __iter__(self) -> Iterator:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses anchors and aliases while composing, and flow collections nested over
    100 deep while scanning (PyYAML's scanner takes time quadratic in that depth; rule files nest a few)."""

    def fetch_flow_collection_start(self, token_class):  # noqa: D401 - PyYAML hook
        if self.flow_level >= 100:
            raise RecursionError("flow collections nested over 100 deep")  # reported as "nested too deeply"
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _RefusedYaml("YAML aliases are not allowed in rule files", event.start_mark)
        if getattr(event, "anchor", None) is not None:
            raise _RefusedYaml("YAML anchors are not allowed in rule files", event.start_mark)
        return super().compose_node(parent, index)


class _RefusedYaml(Exception):
    def __init__(self, message: str, mark):
        super().__init__(message)
        self.message = message
        self.mark = mark


def _span(path: str, mark) -> Span:
    if mark is None:
        return Span(path)
    return Span(path, mark.line + 1, mark.column + 1)


def file_kind(path: os.PathLike | str) -> Tuple[str, int]:
    """("file", size), ("directory", 0), ("other", 0) for a pipe, socket or device, or ("missing", 0).

    Follows symbolic links, as reading would; reads nothing.
    """
    try:
        info = os.stat(path)
    except OSError:
        return "missing", 0
    if stat.S_ISREG(info.st_mode):
        return "file", info.st_size
    return ("directory" if stat.S_ISDIR(info.st_mode) else "other"), 0


def read_regular(file: os.PathLike | str, limit: int, shown: Optional[str] = None, *,
                 expected: str = "a YAML file", limit_of: str = "rule files", nofollow: bool = False) -> bytes:
    """The bytes of ``file``, a regular file of at most ``limit`` bytes; never blocks, never reads more.

    Looks before reading (kind and size), opens without blocking (a pipe swapped in
    meanwhile cannot hang the read), looks again at what was opened, and reads at most
    ``limit + 1`` bytes. ``nofollow`` refuses a symbolic link. Raises PolicyLoadError:
    ``missing``, ``not-a-file`` (a folder, pipe, socket or device), ``too-large`` or
    ``unreadable``, the message naming ``shown``, what was ``expected`` and the limit.
    """
    shown = shown if shown is not None else os.fspath(file)

    def refuse(info: os.stat_result) -> None:
        if stat.S_ISDIR(info.st_mode):
            raise PolicyLoadError(f"is a directory, expected {expected}", Span(shown), code="not-a-file")
        if stat.S_ISLNK(info.st_mode):  # only seen with nofollow
            raise PolicyLoadError(f"is a symbolic link, expected {expected}", Span(shown), code="not-a-file")
        if not stat.S_ISREG(info.st_mode):  # a pipe or a device would block or never end
            raise PolicyLoadError(f"is not a regular file (a pipe, socket or device), expected {expected}",
                                  Span(shown), code="not-a-file")
        if info.st_size > limit:
            raise PolicyLoadError(f"file is {info.st_size} bytes, over the {limit}-byte limit for {limit_of}",
                                  Span(shown), code="too-large")

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        refuse(os.lstat(file) if nofollow else os.stat(file))
        fd = os.open(file, flags | (getattr(os, "O_NOFOLLOW", 0) if nofollow else 0))
        try:
            refuse(os.fstat(fd))  # what was opened, which may not be what was looked at
            chunks, left = [], limit + 1
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise PolicyLoadError("no such file", Span(shown), code="missing") from None
    except PolicyLoadError:
        raise
    except OSError as exc:
        if nofollow and exc.errno == errno.ELOOP:
            raise PolicyLoadError(f"is a symbolic link, expected {expected}", Span(shown),
                                  code="not-a-file") from None
        raise PolicyLoadError(f"cannot read file: {exc.strerror or exc}", Span(shown), code="unreadable") from None
    raw = b"".join(chunks)
    if len(raw) > limit:  # it grew after it was looked at
        raise PolicyLoadError(f"file is over the {limit}-byte limit for {limit_of}", Span(shown), code="too-large")
    return raw


def load_document(file: Path, display: Optional[str] = None) -> Document:
    """Read and parse ``file``; ``display`` is the path shown in messages."""
    shown = display if display is not None else str(file)
    return parse_document(read_regular(file, MAX_FILE_BYTES, shown), shown)


def parse_document(raw: bytes, path: str) -> Document:
    """Parse the bytes of a rule file (see the module docstring for what is refused).

    The same bytes are parsed once per process, under any name (a tree re-read after an edit, a copy of a
    tree, a version and the draft made from it share most of their files); each caller gets its own copy
    of the data, its own name in every position, so that nothing one caller does to it reaches another.
    """
    data, spans = _PARSED.get(raw, _parse, path) if len(raw) <= _REMEMBERED_BYTES else _parse(raw, path)
    return Document(path, fresh(data), {k: s if s.path == path else Span(path, s.line, s.column)
                                         for k, s in spans.items()})


def load_vouched(file: Path, display: str) -> Document:
    """Read ``file`` and parse it with :func:`parse_vouched` (``display``: the path shown in messages)."""
    return parse_vouched(read_regular(file, MAX_FILE_BYTES, display), display)


def parse_vouched(raw: bytes, path: str) -> Document:
    """:func:`parse_document` for bytes this very code has parsed and accepted before (a manifest
    whose exact bytes a cache entry vouches for), composed by libyaml when PyYAML has it (ten times
    faster than the Python composer; the data and spans are constructed as :func:`parse_document`
    constructs them). libyaml is not the parser of record (see :func:`_compose`): a caller compares
    what this gives with what the strict parser gave when the bytes were vouched for, and sets the
    vouch aside when they differ. Raises PolicyLoadError like :func:`parse_document`."""
    loader_class = getattr(yaml, "CSafeLoader", None)
    if loader_class is None:
        return parse_document(raw, path)
    try:
        text = raw.decode("utf-8")
        loader = loader_class(loader_text := text[1:] if text.startswith("\ufeff") else text)
    except (UnicodeDecodeError, yaml.YAMLError):
        return parse_document(raw, path)  # which names the problem
    try:
        node = loader.get_single_node()
        if node is None:
            return parse_document(raw, path)
        spans: Dict[KeyPath, Span] = {(): _span(path, node.start_mark)}
        data = _construct(node, (), path, spans, loader, SourceLines(loader_text))
    except (yaml.YAMLError, RecursionError):
        return parse_document(raw, path)
    finally:
        loader.dispose()
    return Document(path, data, spans)


_REMEMBERED_BYTES = 256 * 1024
"""Files up to this size are remembered by their bytes (every shipped rule file is under 30 kB): the last 256."""
_PARSED: Remembered = Remembered(256)


def _parse(raw: bytes, path: str) -> Tuple[Any, Dict[KeyPath, Span]]:
    """What :func:`parse_document` returns for ``raw``, as ``(data, spans)``."""
    if len(raw) > MAX_FILE_BYTES:
        raise PolicyLoadError(f"file is over the {MAX_FILE_BYTES}-byte limit for rule files", Span(path),
                              code="too-large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)  # 1-based, in bytes
        raise PolicyLoadError(f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded",
                              Span(path, line, column), code="encoding") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        raise PolicyLoadError("file is empty", Span(path), code="empty")
    node, loader = _compose(text, path)
    if node is None:
        raise PolicyLoadError("file is empty", Span(path), code="empty")
    spans: Dict[KeyPath, Span] = {(): _span(path, node.start_mark)}
    try:
        data = _construct(node, (), path, spans, loader, SourceLines(text))
    except RecursionError:
        raise PolicyLoadError("YAML nested too deeply", Span(path), code="yaml-syntax") from None
    return data, spans


# One parser: PyYAML's own, in Python. libyaml (yaml.CSafeLoader) composes several times faster, but it
# accepts texts PyYAML refuses (a block scalar header followed by '#', a tab, a stray '?'), so a rule file
# would be read on one machine and refused on another; the per-process memory above pays for most of it. Bytes
# this parser accepted before (a vouched manifest) may be re-read by libyaml: :func:`parse_vouched`.


def _compose(text: str, path: str):
    """(the node tree or None, the loader), composed by the strict loader; raises PolicyLoadError."""
    loader = None
    try:
        loader = _StrictLoader(text)
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:  # a control character YAML does not allow
        before = text[: max(exc.position, 0)]
        line = before.count("\n") + 1
        raise PolicyLoadError(f"character U+{exc.character:04X} is not allowed in YAML",
                              Span(path, line, len(before) - before.rfind("\n")), code="yaml-syntax") from None
    except RecursionError:
        raise PolicyLoadError("YAML nested too deeply", Span(path), code="yaml-syntax") from None
    except _RefusedYaml as exc:
        raise PolicyLoadError(exc.message, _span(path, exc.mark), code="unsafe-yaml") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "\t" in problem or "'\\t'" in problem:
            problem = tab_problem(text, mark)
        slip = slipped_line(text, mark.line) if mark is not None and problem.startswith(SLIP_PROBLEMS) else None
        if slip is not None:  # the parser stops on the line after a line indented too little
            line, indent = slip
            raise PolicyLoadError(f"YAML syntax error, most likely the indentation of this line: the parser stopped "
                                  f"at line {mark.line + 1} ({problem})", Span(path, line + 1, indent + 1),
                                  code="yaml-syntax") from None
        problem, advice = worded(text, problem, mark)
        raise PolicyLoadError(f"YAML syntax error: {problem}", _span(path, mark), code="yaml-syntax",
                              suggestion=Suggestion("note", (), advice) if advice else None) from None
    except yaml.YAMLError as exc:
        raise PolicyLoadError(f"YAML error: {exc}", Span(path), code="yaml-syntax") from None
    finally:
        if loader is not None:
            loader.dispose()
    return node, loader


def _construct(node, keypath: KeyPath, path: str, spans: Dict[KeyPath, Span], loader, text: SourceLines) -> Any:
    if node.tag not in _PLAIN_TAGS:
        raise PolicyLoadError(f"YAML tag {node.tag!r} is not allowed in rule files",
                              _span(path, node.start_mark), code="unsafe-yaml")
    if isinstance(node, ScalarNode):
        return scalar_value(loader, node, _span(path, node.start_mark))
    if isinstance(node, SequenceNode):
        items = []
        for index, child in enumerate(node.value):
            spans[keypath + (index,)] = _span(path, child.start_mark)
            items.append(_construct(child, keypath + (index,), path, spans, loader, text))
        return items
    if isinstance(node, MappingNode):
        mapping: Dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise PolicyLoadError("a mapping key must be a plain value",
                                      _span(path, key_node.start_mark), code="yaml-syntax")
            key = _construct(key_node, keypath, path, {}, loader, text)
            if not isinstance(key, str):  # every key of every rule file is a name
                raise PolicyLoadError(f"key {echoed(key_node.value)} is read as a {type(key).__name__}, not text "
                                      f"(write it in quotes)", _span(path, key_node.start_mark), code="wrong-type")
            if key in mapping:
                first = spans.get(keypath + (key,))
                inside = f" in {cut('.'.join(map(str, keypath)), 80)}" if keypath else ""  # the entry, as schema names it
                where = f"{inside} (first at line {first.line})" if first else inside
                raise PolicyLoadError(f"duplicate key {echoed(key)}{where}",
                                      _span(path, key_node.start_mark), code="duplicate-key")
            spans[keypath + (key,)] = _span(path, key_node.start_mark)
            value = mapping[key] = _construct(value_node, keypath + (key,), path, spans, loader, text)
            if isinstance(value, str) and records_lines(keypath + (key,)):
                value_lines(value_node, value, keypath + (key,), path, spans, text)
        return mapping
    raise PolicyLoadError("unsupported YAML node", _span(path, node.start_mark), code="yaml-syntax")


def is_inside(path: Path, root: Path) -> bool:
    """True when ``path`` (after following symlinks) lies inside ``root``."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return False
    return True
