"""JSON Schemas of the rule files, generated from the Cerberus schemas in ``schemas/`` (never kept by hand).

An editor with a YAML language server (VS Code's YAML extension, Neovim's yamlls) validates and
completes a rule file from a JSON Schema; ``sc-policy schema KIND`` prints the one of each file
kind, and a copy of each is shipped beside the Cerberus schemas (``schemas/KIND.schema.json``, which
a test proves equal to what this module generates).

The translation covers the Cerberus rules the schemas use: ``type`` (``date`` is a string of the form
``YYYY-MM-DD``, as a YAML language server sees a date), ``required``, ``nullable``, ``empty``,
``allowed``, ``regex`` (anchored at both ends, as Cerberus matches it; ``\\Z`` becomes ``$``),
``min``/``max``, ``minlength``/``maxlength``, ``schema`` (a mapping's fields, a list's items, or a
shared sub-schema of the registry: a ``definitions`` entry), ``keysrules``/``valuesrules``,
``dependencies`` and ``excludes`` (fields that may not stand together; each of them ``required`` as well:
exactly one of them, a ``oneOf``). A mapping with fields accepts no other key (the schemas are applied with
``allow_unknown`` false). A rule it does not know raises ValueError, so that a new rule in a schema
cannot be dropped silently. JSON Schema draft-07, the draft YAML language servers know best.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Dict, List

from sc_policy.load.schema import FILE_KINDS, schema_for
from sc_policy.resources import schemas_dir

__all__ = ["FILE_KINDS", "DRAFT", "json_schema", "json_schema_text", "shipped_json_schema"]

DRAFT = "http://json-schema.org/draft-07/schema#"

_TYPES = {"string": "string", "integer": "integer", "boolean": "boolean", "list": "array", "dict": "object",
          "date": "string", "float": "number", "number": "number"}
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_HANDLED = {"type", "required", "nullable", "empty", "allowed", "regex", "min", "max", "minlength", "maxlength",
            "schema", "keysrules", "valuesrules", "dependencies", "excludes"}


def _pattern(regex: str) -> str:
    """A Cerberus regex (matched from the start, to the end) as a JSON Schema pattern (searched)."""
    core = regex[1:] if regex.startswith("^") else regex
    for end in ("\\Z", "$"):
        if core.endswith(end) and not core.endswith("\\" + end):
            core = core[: -len(end)]
            break
    return f"^(?:{core})$" if "|" in core else f"^{core}$"


def _value(rules: Dict[str, Any], registry: Dict[str, Any], where: str) -> Dict[str, Any]:
    """The JSON Schema of one value from its Cerberus ``rules``."""
    unknown = set(rules) - _HANDLED
    if unknown:
        raise ValueError(f"{where}: no JSON Schema translation for Cerberus rule(s) {sorted(unknown)}")
    out: Dict[str, Any] = {}
    kind = rules.get("type")
    if kind is not None:
        if kind not in _TYPES:
            raise ValueError(f"{where}: no JSON Schema translation for Cerberus type {kind!r}")
        out["type"] = _TYPES[kind]
        if kind == "date":
            out["format"] = "date"
            out["pattern"] = _DATE
    sub = rules.get("schema")
    if kind == "list" and isinstance(sub, dict):
        out["items"] = _value(sub, registry, f"{where}[]")
    elif isinstance(sub, str):
        if sub not in registry:
            raise ValueError(f"{where}: unknown shared schema {sub!r}")
        out["$ref"] = f"#/definitions/{sub}"
    elif isinstance(sub, dict):
        out.update(_fields(sub, registry, where))
    if "keysrules" in rules:
        out["propertyNames"] = _value(rules["keysrules"], registry, f"{where} (keys)")
    if "valuesrules" in rules:
        out["additionalProperties"] = _value(rules["valuesrules"], registry, f"{where} (values)")
    if "allowed" in rules:
        allowed = list(rules["allowed"])
        if kind == "list":
            out.setdefault("items", {})["enum"] = allowed
        else:
            out["enum"] = allowed
    if "regex" in rules:
        out["pattern"] = _pattern(rules["regex"])
    if "min" in rules:
        out["minimum"] = rules["min"]
    if "max" in rules:
        out["maximum"] = rules["max"]
    length = {"array": ("minItems", "maxItems"), "string": ("minLength", "maxLength"),
              "object": ("minProperties", "maxProperties")}.get(out.get("type", ""))
    for rule, index in (("minlength", 0), ("maxlength", 1)):
        if rule in rules:
            if length is None:
                raise ValueError(f"{where}: {rule} without a type that has a length")
            out[length[index]] = rules[rule]
    if rules.get("empty") is False:
        if length is None:
            raise ValueError(f"{where}: empty without a type that can be empty")
        out[length[0]] = max(out.get(length[0], 0), 1)
    if rules.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = out["enum"] + [None]
    return out


def _fields(fields: Dict[str, Any], registry: Dict[str, Any], where: str) -> Dict[str, Any]:
    """The JSON Schema of a mapping of the fields ``fields`` (and no other key)."""
    properties = {}
    required: List[str] = []
    dependencies: Dict[str, List[str]] = {}
    apart: List[List[str]] = []  # fields that exclude each other
    for name, rules in fields.items():
        path = f"{where}.{name}" if where else name
        if not isinstance(rules, dict):
            raise ValueError(f"{path}: rules must be a mapping")
        properties[name] = _value(rules, registry, path)
        excluded = rules.get("excludes", [])
        excluded = [excluded] if isinstance(excluded, str) else list(excluded)
        if excluded:
            group = sorted({name, *excluded})
            if not all(fields.get(other, {}).get("required") for other in group):
                raise ValueError(f"{path}: only excludes between required fields translate (exactly one of them)")
            if group not in apart:
                apart.append(group)
        elif rules.get("required"):
            required.append(name)
        if "dependencies" in rules:
            needs = rules["dependencies"]
            needs = [needs] if isinstance(needs, str) else list(needs)
            if not all(isinstance(n, str) for n in needs):
                raise ValueError(f"{path}: only dependencies on the presence of fields translate")
            dependencies[name] = needs
    out: Dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    if dependencies:
        out["dependencies"] = dependencies
    if apart:  # (Cerberus: a required field is not required when a field it excludes is there)
        exactly_one = [{"oneOf": [{"required": [name]} for name in group]} for group in apart]
        out.update(exactly_one[0] if len(exactly_one) == 1 else {"allOf": exactly_one})
    return out


def _heading(text: str) -> str:
    """The first line of the comment at the head of a Cerberus schema file (what the file is)."""
    first = text.splitlines()[0] if text else ""
    return " ".join(first.lstrip("#").split()) if first.startswith("#") else ""


@functools.lru_cache(maxsize=None)
def json_schema(kind: str) -> Dict[str, Any]:
    """The JSON Schema (draft-07) of a rule file of ``kind`` (one of :data:`FILE_KINDS`), generated
    from its Cerberus schema. Raises ValueError for an unknown kind."""
    schema, registry = schema_for(kind)
    out: Dict[str, Any] = {"$schema": DRAFT, "title": f"sc-policy {kind} file"}
    description = _heading((schemas_dir() / f"{kind}.yaml").read_text("utf-8"))
    if description:
        out["description"] = description
    out.update(_fields(schema, registry, ""))
    if registry:
        out["definitions"] = {name: _fields(fields, registry, name) for name, fields in sorted(registry.items())}
    return out


def json_schema_text(kind: str) -> str:
    """:func:`json_schema` as text: two-space indented JSON, keys in the schema's order, a final newline."""
    return json.dumps(json_schema(kind), ensure_ascii=False, indent=2) + "\n"


def shipped_json_schema(kind: str):
    """Where the shipped copy of the JSON Schema of ``kind`` is (``schemas/KIND.schema.json``)."""
    if kind not in FILE_KINDS:
        raise ValueError(f"unknown file kind {kind!r}")
    return schemas_dir() / f"{kind}.schema.json"

