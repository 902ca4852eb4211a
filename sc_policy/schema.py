"""Validate rule files against the Cerberus schemas in ``schemas/`` (the only Cerberus user).

Each file kind has one schema file. Cerberus's nested error tree is flattened
into :class:`~sc_policy.errors.Finding` objects placed at the real line and
column of the offending key, using the positions the loader recorded.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Iterator, List, Tuple

import cerberus
import yaml

from .errors import Finding
from .loader import Document
from .resources import schemas_dir

__all__ = ["FILE_KINDS", "validate", "schema_for"]

FILE_KINDS = ("manifest", "area", "clause", "resolutions", "tests")


@functools.lru_cache(maxsize=None)
def _schema_text(name: str) -> str:
    return (schemas_dir() / f"{name}.yaml").read_text("utf-8")


@functools.lru_cache(maxsize=None)
def schema_for(kind: str) -> Tuple[dict, dict]:
    """The schema of a file kind and the registry of shared sub-schemas it refers to."""
    if kind not in FILE_KINDS:
        raise ValueError(f"unknown file kind {kind!r}")
    registry = {"citation": yaml.safe_load(_schema_text("_citation"))}
    return yaml.safe_load(_schema_text(kind)), registry


class _Validator(cerberus.Validator):
    """Cerberus's validator, except that ``integer`` means an integer: Cerberus counts ``true`` and
    ``false`` as integers (bool is a subclass of int), so ``version: true`` would pass as version 1."""

    types_mapping = dict(cerberus.Validator.types_mapping)
    types_mapping["integer"] = cerberus.TypeDefinition("integer", (int,), (bool,))


def _validator(kind: str) -> cerberus.Validator:
    schema, registry = schema_for(kind)
    reg = cerberus.schema.SchemaRegistry()
    for name, definition in registry.items():
        reg.add(name, definition)
    return _Validator(schema, schema_registry=reg, allow_unknown=False)


def _flatten(errors: Dict[Any, list], path: Tuple[Any, ...] = ()) -> Iterator[Tuple[Tuple[Any, ...], str]]:
    for key, entries in errors.items():
        for entry in entries:
            if isinstance(entry, dict):
                yield from _flatten(entry, path + (key,))
            else:
                yield path + (key,), str(entry)


def _check_id(message: str) -> str:
    if message == "unknown field":
        return "unknown-key"
    if message.startswith("must be of") and message.endswith("type"):
        return "wrong-type"
    if message == "required field":
        return "missing-key"
    return "schema"


def _describe(keypath: Tuple[Any, ...], message: str, data: Any) -> str:
    where = ".".join(str(k) for k in keypath)
    if (message == "must be of string type" and isinstance(_get(data, keypath), int)
            and any(k in ("code", "codes", "noc", "industry") for k in keypath)):
        message += ' (write codes in quotes, e.g. "2174")'
    if message == "must be of integer type" and isinstance(_get(data, keypath), bool):
        message += " (true and false are not numbers)"
    if message == "unknown field":
        return f"unknown key {keypath[-1]!r}" + (f" in {'.'.join(map(str, keypath[:-1]))}" if len(keypath) > 1 else "")
    if message == "required field":
        return f"missing required key {where!r}"
    return f"{where}: {message}"


def _get(data: Any, keypath: Tuple[Any, ...]) -> Any:
    for key in keypath:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def validate(document: Document, kind: str) -> List[Finding]:
    """Every schema violation in ``document`` as an error finding at its line."""
    if not isinstance(document.data, dict):
        return [Finding(document.span(), "error", "wrong-type",
                        f"a {kind} file must be a mapping of keys to values, not a {type(document.data).__name__}")]
    validator = _validator(kind)
    # normalize=False: the schemas neither coerce nor default, and Cerberus 1.3's normalisation
    # raises TypeError on a list where a list of mappings is expected (`source: [[1]]`).
    validator.validate(document.data, normalize=False)
    findings = []
    for keypath, message in _flatten(validator.errors):
        findings.append(Finding(document.span(keypath), "error", _check_id(message),
                                _describe(keypath, message, document.data)))
    return sorted(findings)
