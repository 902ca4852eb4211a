"""The JSON Schemas of the rule files (item 2 of issue 16): generated from the Cerberus schemas, shipped,
printed by `sc-policy schema KIND`, accepting every shipped rule file and refusing what Cerberus refuses."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from sc_policy.cli import main
from sc_policy.load.jsonschemas import FILE_KINDS, json_schema, json_schema_text, shipped_json_schema
from sc_policy.load.schema import validate
from sc_policy.load.yamlfile import parse_document
from sc_policy.resources import schemas_dir, shipped_policies

VERSION = shipped_policies() / "second-career-fast-track" / "phase-1"


def _kind(rel: str):
    parts = rel.split("/")
    if rel == "version.yaml":
        return "manifest"
    if rel == "resolutions.yaml":
        return "resolutions"
    return {"areas": "area", "clauses": "clause", "tests": "tests"}[parts[0]]


def _as_json(data):
    """Rule-file data as a YAML language server sees it: dates are strings."""
    return json.loads(json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, dt.date) else None))


def _validator(kind: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json_schema(kind))


SHIPPED = sorted(str(p.relative_to(VERSION)) for p in VERSION.rglob("*.yaml"))


def test_every_kind_has_a_schema_and_all_rule_files_are_covered():
    assert SHIPPED and {_kind(rel) for rel in SHIPPED} == set(FILE_KINDS)


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_the_shipped_copy_is_what_the_cerberus_schema_generates(kind):
    path = shipped_json_schema(kind)
    assert path.parent == schemas_dir()
    assert path.read_text("utf-8") == json_schema_text(kind), (
        f"{path.name} is out of date: regenerate it with `sc-policy schema {kind} > schemas/{kind}.schema.json`")
    jsonschema.Draft7Validator.check_schema(json.loads(path.read_text("utf-8")))


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_schema_command_prints_it(kind):
    result = CliRunner().invoke(main, ["schema", kind])
    assert result.exit_code == 0, result.output
    assert result.output == json_schema_text(kind)
    assert json.loads(result.output)["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_schema_command_refuses_an_unknown_kind_on_one_line_naming_the_kinds():
    result = CliRunner().invoke(main, ["schema", "areas"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sc-policy: error: ")
    assert "'areas'" in lines[0] and all(kind in lines[0] for kind in FILE_KINDS)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("rel", SHIPPED)
def test_every_shipped_rule_file_validates_against_its_json_schema(rel):
    data = yaml.safe_load((VERSION / rel).read_text("utf-8"))
    errors = [e.message for e in _validator(_kind(rel)).iter_errors(_as_json(data))]
    assert errors == []


def _load(rel):
    return yaml.safe_load((VERSION / rel).read_text("utf-8"))


def _set(path, value):
    def edit(data):
        *head, last = path
        for key in head:
            data = data[key]
        data[last] = value
    return edit


def _drop(path):
    def edit(data):
        *head, last = path
        for key in head:
            data = data[key]
        del data[last]
    return edit


CLAUSE = "clauses/occupation-listed.yaml"
AREA = "areas/ict.yaml"
TESTS = "tests/skill-levels.yaml"

BROKEN = [
    ("version.yaml", _set(("titel",), "x"), "unknown key"),
    ("version.yaml", _drop(("title",)), "missing key"),
    ("version.yaml", _set(("status",), "frozen"), "not an allowed value"),
    ("version.yaml", _set(("id",), "Phase 1"), "bad id"),
    ("version.yaml", _set(("effective_from",), 20210401), "a number for a date"),
    ("version.yaml", _set(("effective_to",), "soon"), "not a date"),
    ("version.yaml", _set(("assumptions",), {"status": "assumed"}), "key not allowed in a mapping"),
    ("version.yaml", _set(("assumptions",), {"effective_from": ""}), "empty value in a mapping"),
    ("version.yaml", _set(("source_document", "sha256"), "abc"), "bad hash"),
    ("version.yaml", _set(("source_document", "file"), "/etc/passwd"), "absolute file"),
    ("version.yaml", _set(("source_document", "extra"), 1), "unknown nested key"),
    ("version.yaml", lambda d: (d.pop("sha256", None), d.__setitem__("table_sha256", "0" * 64)), "dependency"),
    (CLAUSE, _set(("version",), True), "a boolean for an integer"),
    (CLAUSE, _set(("version",), 0), "under the minimum"),
    (CLAUSE, _set(("title",), ""), "empty string"),
    (CLAUSE, _set(("applies_to",), []), "empty list"),
    (CLAUSE, _set(("applies_to",), "ict"), "a string for a list"),
    (CLAUSE, _set(("condition",), None), "null"),
    (CLAUSE, _drop(("explain", "fail")), "missing nested key"),
    (CLAUSE, _set(("source", 0, "line"), "12"), "a string for a line"),
    (CLAUSE, _set(("source", 0, "page"), 3), "unknown key in a shared sub-schema"),
    (CLAUSE, _set(("source",), [["x"]]), "a list for a mapping"),
    (AREA, _set(("occupations", 0, "level"), "E"), "level not allowed"),
    (AREA, _set(("occupations", 0, "code"), 2174), "an unquoted code"),
    (AREA, _set(("occupations", 0, "titel"), "x"), "misspelt key in a list item"),
    (AREA, _drop(("industries", "exclude")), "missing industries key"),
    (AREA, _set(("id",), "ICT"), "bad area id"),
    ("resolutions.yaml", _set(("resolutions", 0, "resolves"), ["no colon"]), "bad resolves key"),
    ("resolutions.yaml", _set(("resolutions", 0, "affects"), [{"area": "ict", "codes": ["21745"]}]), "bad code"),
    (TESTS, _set(("cases",), []), "no cases"),
    (TESTS, _set(("cases", 0, "noc_version"), "2011"), "bad NOC version"),
    (TESTS, _set(("cases", 0, "expect", "clauses"), {"ict": {"occupation-listed": "ok"}}), "bad clause result"),
    (TESTS, _set(("cases", 0, "expect", "eligible"), "yes"), "a string for a boolean"),
    (TESTS, _set(("cases", 0, "industry"), 5415), "a number for a NAICS code"),
]


@pytest.mark.parametrize("rel,edit,what", BROKEN, ids=[b[2] for b in BROKEN])
def test_a_file_cerberus_refuses_is_refused_by_the_json_schema_too(rel, edit, what):
    data = copy.deepcopy(_load(rel))
    edit(data)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    document = parse_document(text.encode("utf-8"), f"broken/{rel}")
    kind = _kind(rel)
    assert [f for f in validate(document, kind) if f.severity == "error"], f"Cerberus accepts it: {what}"
    assert list(_validator(kind).iter_errors(_as_json(document.data))), f"the JSON Schema accepts it: {what}"
    # the untouched file is accepted by both, so that the refusal is the edit's
    original = parse_document((VERSION / rel).read_bytes(), f"ok/{rel}")
    assert validate(original, kind) == [] and not list(_validator(kind).iter_errors(_as_json(original.data)))


def test_generation_refuses_a_cerberus_rule_it_cannot_translate(monkeypatch):
    from sc_policy.load import jsonschemas
    monkeypatch.setattr(jsonschemas, "schema_for", lambda kind: ({"x": {"type": "string", "coerce": int}}, {}))
    jsonschemas.json_schema.cache_clear()
    try:
        with pytest.raises(ValueError, match="coerce"):
            jsonschemas.json_schema("clause")
    finally:
        jsonschemas.json_schema.cache_clear()


def test_package_data_ships_the_json_schemas():
    setup = (Path(__file__).resolve().parent.parent / "setup.cfg").read_text("utf-8")
    assert "sc_policy.schemas = *.yaml, *.schema.json" in setup


def test_a_file_read_again_gets_findings_for_its_own_data_and_path():
    """Cerberus's verdict is remembered for data it has seen (a copy of a tree, a language-server
    edit): a date and the same date quoted as a string are different data, and the same findings
    are placed in each file that holds them."""
    raw = (VERSION / "version.yaml").read_bytes()
    quoted = raw.replace(b"\neffective_from: 2021-04-01\n", b"\neffective_from: '2021-04-01'\n")
    assert quoted != raw
    for _ in range(2):
        assert validate(parse_document(raw, "a/version.yaml"), "manifest") == []
        first = validate(parse_document(quoted, "a/version.yaml"), "manifest")
        second = validate(parse_document(quoted, "b/version.yaml"), "manifest")
        assert [f.code for f in first] == ["wrong-type"] and "effective_from" in first[0].message
        assert [f.span.path for f in first] == ["a/version.yaml"] and [f.span.path for f in second] == ["b/version.yaml"]
        assert [(f.message, f.span.line) for f in first] == [(f.message, f.span.line) for f in second]
    # the parse of the same bytes is remembered too, and every position names the file it is asked for
    for name in ("c/version.yaml", "d/version.yaml"):
        spans = parse_document(raw, name).spans
        assert {s.path for s in spans.values()} == {name} and len(spans) > 10


def test_each_reader_of_remembered_bytes_gets_data_of_its_own():
    """The parse of the same bytes is remembered, but what one reader changes in its data (a mapping,
    a list, at any depth) never reaches the next reader of those bytes."""
    raw = (VERSION / "areas" / "ict.yaml").read_bytes()
    first = parse_document(raw, "a/areas/ict.yaml").data
    pristine = copy.deepcopy(first)
    second = parse_document(raw, "b/areas/ict.yaml").data
    assert first == second == pristine and first is not second
    first["industries"]["include"][0]["source"][0]["line"] = 99   # deep inside: a list in a mapping in a list
    first["industries"]["include"].append({"code": "999"})
    first["title"] = "changed"
    assert parse_document(raw, "c/areas/ict.yaml").data == second == pristine
    second["industries"].clear()
    assert parse_document(raw, "d/areas/ict.yaml").data == pristine
