"""Validate rule files against the Cerberus schemas in ``schemas/`` (the only Cerberus user).

Each file kind has one schema file. Cerberus's errors are listed by an error
handler of Cerberus's own kind, classified by their Cerberus error code
(``cerberus.errors``: unknown field, required field, bad type, ...), and become
:class:`~sc_policy.diagnostics.Diagnostic` objects placed at the real line and
column of the offending key, using the positions the loader recorded.

Cerberus sorts its whole error list each time it adds an error, so a file with
thousands of errors in one mapping or list takes time that grows with their
square (8,000 unknown keys: about a minute). Unknown keys, the mistake that comes
in bulk, are therefore found here, in one pass over the data and the schema, and
removed before Cerberus sees the data; Cerberus stops as soon as one of its
validators (the file, or one mapping or list in it) holds more than
:data:`MAX_FINDINGS` errors; and a file with more than :data:`MAX_FINDINGS`
schema findings lists the first ones and says how many more there are.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import re
from typing import Any, Dict, List, NoReturn, Tuple

import cerberus
import yaml
from cerberus.errors import (BAD_TYPE, BAD_TYPE_FOR_SCHEMA, REGEX_MISMATCH, REQUIRED_FIELD, UNALLOWED_VALUE,
                             UNALLOWED_VALUES, UNKNOWN_FIELD)

from sc_policy.diagnostics import Diagnostic, Suggestion, cut, echoed
from sc_policy.load.remembered import Remembered
from sc_policy.load.yamlfile import Document
from sc_policy.resources import damaged, schemas_dir

__all__ = ["FILE_KINDS", "MAX_FINDINGS", "validate", "schema_for"]

FILE_KINDS = ("manifest", "area", "clause", "resolutions", "tests")

MAX_FINDINGS = 100
"""At most this many schema findings per file are listed; one more finding counts the rest."""


@functools.lru_cache(maxsize=None)
def _schema_text(name: str) -> str:
    return (schemas_dir() / f"{name}.yaml").read_text("utf-8")


@functools.lru_cache(maxsize=None)
def schema_for(kind: str) -> Tuple[dict, dict]:
    """The schema of a file kind and the registry of shared sub-schemas it refers to; a schema file of
    sc-policy's own that is damaged (not YAML, not a mapping, not a Cerberus schema) raises ScPolicyError."""
    if kind not in FILE_KINDS:
        raise ValueError(f"unknown file kind {kind!r}")
    registry = {"citation": _schema("_citation")}
    for name, schema, known in (("_citation", registry["citation"], {}), (kind, _schema(kind), registry)):
        try:
            _Validator(schema, schema_registry=_registry(known))  # checks the schema itself (once: Cerberus keeps it)
        except cerberus.SchemaError as exc:
            _damaged(name, " ".join(str(exc).split()))
    return schema, registry


def _schema(name: str) -> dict:
    try:
        schema = yaml.safe_load(_schema_text(name))
    except yaml.YAMLError as exc:
        _damaged(name, " ".join(str(exc).split()))
    if not isinstance(schema, dict) or not all(isinstance(rules, dict) for rules in schema.values()):
        _damaged(name, "it is not a mapping of fields to their rules")
    return schema


def _damaged(name: str, why: str) -> NoReturn:
    raise damaged(schemas_dir() / f"{name}.yaml", "schema", why, "schema-damaged")


def _registry(registry: dict) -> "cerberus.schema.SchemaRegistry":
    reg = cerberus.schema.SchemaRegistry()
    for name, definition in registry.items():
        reg.add(name, definition)
    return reg


class _TooMany(Exception):
    def __init__(self, errors):
        super().__init__("too many errors")
        self.errors = errors


class _Validator(cerberus.Validator):
    """Cerberus's validator, except that ``integer`` means an integer: Cerberus counts ``true`` and
    ``false`` as integers (bool is a subclass of int), so ``version: true`` would pass as version 1;
    that ``date`` means a day (a YAML timestamp, ``2026-11-27T10:00:00``, is a datetime, a subclass of
    date); and that it stops once it (or a child validator: Cerberus makes them of the same class) holds
    more than MAX_FINDINGS errors, instead of sorting an ever longer list."""

    types_mapping = dict(cerberus.Validator.types_mapping)
    types_mapping["integer"] = cerberus.TypeDefinition("integer", (int,), (bool,))
    types_mapping["date"] = cerberus.TypeDefinition("date", (dt.date,), (dt.datetime,))

    def _error(self, *args):
        super()._error(*args)
        if len(self._errors) > MAX_FINDINGS:
            raise _TooMany(list(self._errors))


Error = Tuple[Tuple[Any, ...], int, str]
"""One schema error: the key path of the value, Cerberus's error code, Cerberus's message."""


_FORMS = {
    r"^[a-z0-9][a-z0-9._-]{0,63}\Z": "1 to 64 lower-case letters, digits, '.', '_' and '-', starting with a letter or digit",
    r"^[a-z0-9][a-z0-9-]*\Z": "lower-case letters, digits and '-', starting with a letter or digit",
    r"^[a-z][a-z0-9-]*$": "lower-case letters, digits and '-', starting with a letter",
    r"^[a-z][a-z0-9-]*\Z": "lower-case letters, digits and '-', starting with a letter",
    r"^[a-z][a-z0-9-]*(:[^:\s]+)+$": "a finding's key, check-id:subject, e.g. 'noc-a-limit:ict'",
    r"^[1-9][0-9]{0,8}(-[1-9][0-9]{0,8})?\Z": "a line or a range of lines, e.g. '17-27' or '58' (at most 9 digits each)",
    r"^\d{4}$": "four digits",
    r"^[0-9a-f]{64}$": "64 lower-case hexadecimal digits",
    r"^[0-9a-f]{64}\Z": "64 lower-case hexadecimal digits",
    r"^[^/].*\Z": "a path relative to the policy folder (not starting with '/')",
}
"""The schemas' regular expressions in words: what a value refused by one must be (an analyst reads no regex)."""


def _words(code: int, message: str, constraint: Any, value: Any, keypath: Tuple[Any, ...]) -> str:
    """Cerberus's message, saying which values are allowed, the form a regular expression asks for, or how
    to write a value of the wrong type (``constraint``: the type the schema asks for)."""
    if code in (UNALLOWED_VALUE.code, UNALLOWED_VALUES.code) and isinstance(constraint, (list, tuple)):
        return f"{message} (allowed: {', '.join(str(c) for c in constraint)})"
    if code == REGEX_MISMATCH.code and constraint in _FORMS:
        return f"{echoed(value)} is not {_FORMS[constraint]}"  # 40 characters of it, as every message
    if code == BAD_TYPE.code:
        return message + _type_hint(constraint, value, keypath)
    return message


def _type_hint(expected: Any, value: Any, keypath: Tuple[Any, ...]) -> str:
    """How to write ``value`` as the type the schema asks for (``expected``, a Cerberus type name), or ""."""
    if expected == "string" and isinstance(value, int) and any(k in ("code", "codes", "noc", "industry")
                                                               for k in keypath):
        industry = any(k in ("industry", "industries") for k in keypath)
        return f' (write codes in quotes, e.g. "{541514 if industry else 2174}")'
    if expected == "string" and isinstance(value, (bool, int, float, dt.date, list, dict)):  # `condition: [...]`: a list
        kind = "true or false" if isinstance(value, bool) else "a date" if isinstance(value, dt.date) else \
            "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else "a number"
        return f" (YAML reads this value as {kind}: write it in quotes to give it as text)"
    if expected == "integer" and isinstance(value, bool):
        return " (true and false are not numbers)"
    if expected == "integer" and isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        return f" (write the number without quotes, e.g. {cut(value.strip().lstrip('0') or '0')})"  # no int():
        # a number of over 4,300 digits is a ValueError
    if expected == "date":
        return " (write the day as YYYY-MM-DD, without quotes, e.g. 2027-04-01)"
    return ""


class _Leaves(cerberus.errors.BaseErrorHandler):
    """A Cerberus error handler that lists every error that is not a group of others as an
    :data:`Error`: its document path, its code (``cerberus.errors``) and its message as Cerberus's
    :class:`~cerberus.errors.BasicErrorHandler` words it. (The schemas use no logical rules such as
    ``anyof``, whose errors would need their definitions named.)"""

    messages = cerberus.errors.BasicErrorHandler.messages

    def __call__(self, errors) -> List[Error]:
        out: List[Error] = []
        self._add(errors, out)
        return out

    def _add(self, errors, out: List[Error]) -> None:
        for error in errors:
            if error.is_group_error:
                self._add(error.child_errors, out)
            elif error.code in self.messages:
                message = self.messages[error.code].format(*error.info, constraint=error.constraint,
                                                           field=error.field, value=error.value)
                message = _words(error.code, message, error.constraint, error.value, tuple(error.document_path))
                out.append((tuple(error.document_path), error.code, message))


def _validator(kind: str) -> cerberus.Validator:
    schema, registry = schema_for(kind)
    return _Validator(schema, schema_registry=_registry(registry), allow_unknown=False, error_handler=_Leaves)


_CHECKS = {UNKNOWN_FIELD.code: "unknown-key", BAD_TYPE.code: "wrong-type", BAD_TYPE_FOR_SCHEMA.code: "wrong-type",
           REQUIRED_FIELD.code: "missing-key"}
"""The check id of a Cerberus error code; any other code is ``schema``."""


def _describe(keypath: Tuple[Any, ...], code: int, message: str) -> str:
    where = ".".join(str(k) for k in keypath)
    if code == UNKNOWN_FIELD.code:
        return f"unknown key {keypath[-1]!r}" + (f" in {'.'.join(map(str, keypath[:-1]))}" if len(keypath) > 1 else "")
    if code == REQUIRED_FIELD.code:
        return f"missing required key {where!r}"
    return f"{where}: {message}"


Unknown = Dict[Tuple[Any, ...], str]
"""The key path of each unknown key -> the field it most likely stands for ("" for none)."""


def _known(data: Any, rules: dict, registry: dict, path: Tuple[Any, ...], unknown: Unknown) -> Any:
    """``data`` without the keys its schema does not know (their key paths go to ``unknown``).

    ``rules`` are the rules of one value; only ``schema`` (a mapping's fields, a list's items,
    or the name of a registered schema) is followed, as Cerberus follows it. A value of the
    wrong type is left alone for Cerberus to report.
    """
    sub = rules.get("schema")
    if isinstance(data, dict) and rules.get("type", "dict") == "dict":
        fields = registry.get(sub) if isinstance(sub, str) else sub
        if isinstance(fields, dict):
            return _known_fields(data, fields, registry, path, unknown)
    elif isinstance(data, list) and rules.get("type") == "list" and isinstance(sub, dict):
        return [_known(item, sub, registry, path + (i,), unknown) for i, item in enumerate(data)]
    return data


def _known_fields(data: dict, fields: dict, registry: dict, path: Tuple[Any, ...], unknown: Unknown) -> dict:
    out = {}
    for key, value in data.items():
        if key in fields and isinstance(fields[key], dict):
            out[key] = _known(value, fields[key], registry, path + (key,), unknown)
        else:
            unknown[path + (key,)] = _closest(str(key), data, fields)
    return out


def _closest(key: str, data: dict, fields: dict) -> str:
    """The field a misspelt ``key`` most likely stands for ("" for none): a close match among the
    fields the mapping lacks, a required one before another."""
    absent = [k for k, rules in fields.items() if k not in data and isinstance(rules, dict)]
    for pool in ([k for k in absent if fields[k].get("required")], absent):
        match = difflib.get_close_matches(key, pool, n=1, cutoff=0.6)
        if match:
            return match[0]
    return ""


def _ordered(document: Document, errors: List[Error], unknown: Unknown) -> List[Diagnostic]:
    """The errors as findings, sorted. An unknown key that most likely misspells a field the mapping
    lacks says "did you mean"; when that field is required, the unknown key's finding also says it is
    missing, and that field's missing-key finding is left out: one mistake, one finding, where the fix is."""
    missing = {keypath for keypath, code, _ in errors if code == REQUIRED_FIELD.code}
    meant_by = {keypath[:-1] + (meant,): keypath for keypath, meant in unknown.items() if meant}
    findings = []
    for keypath, code, message in errors:
        if code == REQUIRED_FIELD.code and keypath in meant_by:
            continue  # said by the unknown key that stands for it
        span, suggestion = document.span(keypath), None
        text = _describe(keypath, code, message)
        if code == UNKNOWN_FIELD.code and unknown.get(keypath):
            meant = unknown[keypath]
            suggestion = Suggestion("did-you-mean", (meant,), f"did you mean {meant!r}?")
            if keypath[:-1] + (meant,) in missing:
                text += f" and {_describe(keypath[:-1] + (meant,), REQUIRED_FIELD.code, '')}"
        findings.append(Diagnostic(span, "error", _CHECKS.get(code, "schema"), text, suggestion=suggestion))
    return sorted(set(findings))


_VERDICTS: Remembered = Remembered(512)
"""The schema verdicts of the data last validated (keyed by the SHA-256 of the kind and the data's ``repr``,
which tells a date from a string and ``1`` from ``true``): a tree is validated again with most of its
files unchanged (the language server on each edit, a copy of a tree, every version of a policy holding
the same areas), and Cerberus takes most of a load's time."""


def _errors(kind: str, data: dict) -> Tuple[List[Error], Unknown, bool]:
    """The schema errors of ``data`` as a ``kind`` file, its unknown keys (each with the field it most
    likely misspells), and whether Cerberus stopped early; remembered for the last files seen."""
    key = hashlib.sha256(f"{kind}\0{data!r}".encode("utf-8", "surrogatepass")).digest()
    return _VERDICTS.get(key, _verdict, kind, data)


def _verdict(key: bytes, kind: str, data: dict) -> Tuple[List[Error], Unknown, bool]:
    """What :func:`_errors` returns, found by Cerberus (``key``: what it is remembered by)."""
    schema, registry = schema_for(kind)
    unknown: Unknown = {}
    known = _known_fields(data, schema, registry, (), unknown)
    errors: List[Error] = [(keypath, UNKNOWN_FIELD.code, "unknown field") for keypath in unknown]
    validator = _validator(kind)
    stopped = False
    try:
        # normalize=False: the schemas neither coerce nor default, and Cerberus 1.3's normalisation
        # raises TypeError on a list where a list of mappings is expected (`source: [[1]]`).
        validator.validate(known, normalize=False)
        errors.extend(validator.errors)
    except _TooMany as exc:  # what the stopped validator and the file's own validator had found
        stopped = True
        found = validator.errors + _Leaves()(exc.errors)
        errors.extend(dict.fromkeys(found))  # the file's own validator may be the one that stopped
    return errors, unknown, stopped


def validate(document: Document, kind: str) -> List[Diagnostic]:
    """Every schema violation in ``document`` as an error finding at its line (at most MAX_FINDINGS listed)."""
    if not isinstance(document.data, dict):
        return [Diagnostic(document.span(), "error", "wrong-type",
                        f"a {kind} file must be a mapping of keys to values, not a {type(document.data).__name__}")]
    errors, unknown, stopped = _errors(kind, document.data)
    findings = _ordered(document, errors, unknown)
    if stopped:
        findings = findings[:MAX_FINDINGS] + [Diagnostic(
            findings[-1].span if findings else document.span(), "error", "schema",
            f"validation stopped after {MAX_FINDINGS} schema findings in this file (the first are listed); "
            f"fix them and check again")]
    elif len(findings) > MAX_FINDINGS:
        rest = findings[MAX_FINDINGS:]
        findings = findings[:MAX_FINDINGS] + [Diagnostic(
            rest[0].span, "error", "schema",
            f"{len(rest)} more schema findings in this file are not listed (the first {MAX_FINDINGS} are)")]
    return findings
