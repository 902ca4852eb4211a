"""Mutation property: an analyst's random edit of the shipped policy is reported, in the right file,
with the right check id; ``check`` never crashes and never passes a broken file."""

from __future__ import annotations

import copy
import json
import re
import shutil
import tempfile
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from sc_policy.cli import main
from sc_policy.load.yamlfile import load_document
from sc_policy.reference.statcan import SKILL_LEVELS
from sc_policy.resources import shipped_policies

from conftest import POLICY, VERSION, version_dir

REL = f"{POLICY}/{VERSION}"
AREAS = ("ict", "life-sciences", "manufacturing")


def dump(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")


def read(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def clause_files(v: Path):
    return sorted(p.name for p in (v / "clauses").glob("*.yaml"))


# Each mutation edits the version folder ``v`` with values drawn from ``draw`` and returns what the
# check must report: a set of acceptable (file relative to the version, check id, line or None).

def drop_occupation(v, draw):
    area = draw(st.sampled_from(AREAS))
    path = v / "areas" / f"{area}.yaml"
    data = read(path)
    i = draw(st.integers(0, len(data["occupations"]) - 1))
    del data["occupations"][i]
    dump(path, data)
    # the source line is no longer cited; or, if the entry was a contradiction, its resolution is stale
    return {(f"areas/{area}.yaml", "unlisted-occupation", None), ("resolutions.yaml", "stale-resolution", None),
            ("resolutions.yaml", "unknown-affects", None), ("resolutions.yaml", "unmatched-assignment", None)}


def duplicate_occupation(v, draw):
    area = draw(st.sampled_from(AREAS))
    path = v / "areas" / f"{area}.yaml"
    data = read(path)
    i = draw(st.integers(0, len(data["occupations"]) - 1))
    j = draw(st.integers(i + 1, len(data["occupations"])))
    data["occupations"].insert(j, copy.deepcopy(data["occupations"][i]))
    dump(path, data)
    doc = load_document(path, "x")
    same = [k for k, o in enumerate(doc.data["occupations"])
            if (o.get("code"), o["title"]) == (data["occupations"][j].get("code"), data["occupations"][j]["title"])]
    # any repeat may carry the new, unresolved finding (the first repeat of 3219 is already resolved)
    check = "duplicate-occupation" if data["occupations"][j].get("code") else "missing-code"
    return {(f"areas/{area}.yaml", check, doc.span(("occupations", k)).line) for k in same[1:]}


def change_level(v, draw):
    area = draw(st.sampled_from(AREAS))
    path = v / "areas" / f"{area}.yaml"
    data = read(path)
    i = draw(st.integers(0, len(data["occupations"]) - 1))
    entry = data["occupations"][i]
    entry["level"] = draw(st.sampled_from([lv for lv in SKILL_LEVELS if lv != entry["level"]]))
    dump(path, data)
    line = load_document(path, "x").span(("occupations", i, "level")).line
    return {(f"areas/{area}.yaml", "level-mismatch", line)}


def misspell(word: str, draw) -> str:
    how = draw(st.sampled_from(["drop", "double", "swap", "append"]))
    k = draw(st.integers(0, len(word) - 2))
    if how == "drop":
        return word[:k] + word[k + 1:]
    if how == "double":
        return word[:k] + word[k] + word[k:]
    if how == "swap" and word[k] != word[k + 1]:
        return word[:k] + word[k + 1] + word[k] + word[k + 2:]
    return word + "s"


def misspell_area_id(v, draw):
    area = draw(st.sampled_from(AREAS))
    wrong = misspell(area, draw)
    if draw(st.booleans()):  # in a clause's applies_to
        candidates = [name for name in clause_files(v) if area in read(v / "clauses" / name)["applies_to"]]
        name = draw(st.sampled_from(candidates))
        path = v / "clauses" / name
        data = read(path)
        k = data["applies_to"].index(area)
        data["applies_to"][k] = wrong
        dump(path, data)
        line = load_document(path, "x").span(("applies_to", k)).line
        return {(f"clauses/{name}", "unknown-area", line)}
    path = v / "areas" / f"{area}.yaml"  # in the area file itself
    data = read(path)
    data["id"] = wrong
    dump(path, data)
    line = load_document(path, "x").span(("id",)).line
    return {(f"areas/{area}.yaml", "file-name", line)}


def break_expression(v, draw):
    name = draw(st.sampled_from(clause_files(v)))
    path = v / "clauses" / name
    data = read(path)
    key = draw(st.sampled_from([k for k in ("when", "condition") if k in data]))
    how = draw(st.sampled_from(["unknown-fact", "type-error", "syntax", "attribute"]))
    expression = data[key]
    if how == "unknown-fact":
        fact = draw(st.sampled_from(sorted(set(re.findall(r"\b[a-z_]+\b", expression))
                                           - {"in", "and", "or", "not", "length"})))
        expression = re.sub(rf"\b{fact}\b", misspell(fact, draw), expression, count=1)
    elif how == "type-error":
        expression = f"({expression}) + 1"
    elif how == "syntax":
        expression = f"{expression} and ("
    else:
        expression = f"{expression} and noc.colour == 'x'"
    data[key] = expression
    dump(path, data)
    line = load_document(path, "x").span((key,)).line
    return {(f"clauses/{name}", "expression", line)}


def any_rule_file(v, draw) -> str:
    files = ["version.yaml", "resolutions.yaml"] + [f"areas/{a}.yaml" for a in AREAS] + \
        [f"clauses/{n}" for n in clause_files(v)]
    return draw(st.sampled_from(files))


def add_unknown_key(v, draw):
    rel = any_rule_file(v, draw)
    path = v / rel
    key = draw(st.from_regex(r"\A[a-z][a-z_]{2,12}\Z"))
    known = set(read(path))
    if key in known:
        key += "_x"
    text = path.read_text(encoding="utf-8").rstrip("\n") + f"\n{key}: analyst's note\n"
    path.write_text(text, encoding="utf-8")
    return {(rel, "unknown-key", len(text.splitlines()))}


def duplicate_key(v, draw):
    rel = any_rule_file(v, draw)
    path = v / rel
    text = path.read_text(encoding="utf-8")
    top = [line.split(":", 1)[0] for line in text.splitlines() if re.match(r"^[a-z_]+:", line)]
    key = draw(st.sampled_from(top))
    text = text.rstrip("\n") + f"\n{key}: again\n"
    path.write_text(text, encoding="utf-8")
    return {(rel, "duplicate-key", len(text.splitlines()))}


def drop_resolution(v, draw):
    path = v / "resolutions.yaml"
    data = read(path)
    i = draw(st.integers(0, len(data["resolutions"]) - 1))
    dropped = data["resolutions"].pop(i)
    dump(path, data)
    expected = set()
    for key in dropped["resolves"]:
        check, area = key.split(":")[:2]
        rel = f"areas/{area}.yaml" if area in AREAS else "areas/manufacturing.yaml"  # title-conflict:9232
        expected.add((rel, check, None, key))
    return expected


MUTATIONS = [drop_occupation, duplicate_occupation, change_level, misspell_area_id, break_expression,
             add_unknown_key, duplicate_key, drop_resolution]


# Each example copies the tree and runs the whole check (about a third of a second): half the
# profile's examples (15 in CI, 500 with HYPOTHESIS_PROFILE=thorough).
@settings(max_examples=max(10, settings().max_examples // 2))
@given(st.sampled_from(MUTATIONS), st.data())
def test_check_reports_a_random_analyst_edit_at_the_right_file(mutation, data):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "policies"
        # The version's own test cases (tests/) play no part in these checks; leaving them out of
        # the copy keeps each example fast.
        shutil.copytree(shipped_policies(), root,
                        ignore=lambda folder, names: {"tests"} if Path(folder).name == VERSION else set())
        expected = mutation(version_dir(root), data.draw)
        result = CliRunner().invoke(main, ["check", "--format", "json", "--policies", str(root)])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code == 1, f"{mutation.__name__} passed: {result.output}"
        findings = json.loads(result.stdout)
        errors = [f for f in findings if f["severity"] == "error"]
        found = {(f["path"], f["check"], f["line"], f.get("key")) for f in errors}
        if mutation is drop_resolution:  # every finding the resolution resolved is unresolved again: an error, or a
            # warning for what is one (a published title, a sentence the list narrows), and at least one is an error
            # (the copy's hashes no longer match)
            unresolved = {(f["path"], f["check"], f.get("key")) for f in findings if f["severity"] in ("error", "warning")}
            for rel, check, _, key in expected:
                assert (f"{REL}/{rel}", check, key) in unresolved, (key, unresolved)
                severity = "warning" if check in ("official-title", "all-occupations") else "error"
                assert any(f.get("key") == key and f["severity"] == severity for f in findings), (key, severity)
            return
        assert any(p == f"{REL}/{rel}" and c == check and (line is None or ln == line)
                   for rel, check, line in expected for p, c, ln, _ in found), (expected, found)
