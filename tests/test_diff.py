"""`sc-policy diff`: structural changes and the exact decision impact, checked against brute force."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_policy.cli import main
from sc_policy.engine.compile import compile_version
from sc_policy.analysis.diff import diff_versions, impact
from sc_policy.engine.decide import Evaluator
from sc_policy.engine.table import build_table
from sc_policy.reference.statcan import reference_data, skill_level
from sc_policy.resources import shipped_policies
from sc_policy.load.tree import PolicyTree
from sc_policy.app.authoring import new_version

from conftest import POLICY, VERSION

REFDATA = reference_data()
NOCS = sorted(REFDATA.noc2016)
NAICS = REFDATA.naics2017_codes


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def edit_yaml(path: Path, change) -> bool:
    """Change a rule file's data in place; True when the data changed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    before = yaml.safe_dump(data)
    change(data)
    path.write_text(yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return yaml.safe_dump(data) != before


def draft(root: Path, new_id: str = "phase-2") -> Path:
    new_version(PolicyTree(root), VERSION, new_id)
    return root / POLICY / new_id


def invoke(*args):
    result = CliRunner().invoke(main, list(args))
    return result


def evaluator(root: Path, version_id: str, tabulate: bool = False) -> Evaluator:
    """Load and compile a version directly: the impact is a function of the compiled versions alone.
    With ``tabulate``, the evaluator decides through its decision table (built on first use)."""
    tree = PolicyTree(root)
    loaded = tree.load(next(r for r in tree.refs() if r.id == version_id))
    assert not loaded.errors, [f.render() for f in loaded.errors]
    compiled, problems = compile_version(loaded.version)
    assert compiled is not None, [f.render() for f in problems]
    return Evaluator(compiled, REFDATA, tabulate=build_table if tabulate else None)


def add_consulting(root: Path) -> Path:
    """A check-clean Phase II-like edit: ICT gains a level B occupation and NAICS 5416."""
    folder = draft(root)

    def change(d):
        d["occupations"].append({"code": "2241", "title": REFDATA.noc_title("2241"), "level": "B",
                                 "source": d["source"]})
        d["industries"]["include"].append({"code": "5416", "description": "Management, scientific and "
                                           "technical consulting services", "source": d["source"]})
    edit_yaml(folder / "areas" / "ict.yaml", change)
    return folder


def _line_of(path: Path, start: str) -> int:
    """The 1-based number of the first line of ``path`` that starts with ``start``."""
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(start))


# -- the command ------------------------------------------------------------------------------------------------

def test_diff_of_a_version_with_itself_is_empty():
    result = invoke("diff", VERSION, VERSION, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["changes"] == [] and data["impact"] == []
    assert data["old"]["id"] == data["new"]["id"] == VERSION
    assert len(data["old"]["version_hash"]) == 64
    text = invoke("diff", VERSION, VERSION).output
    assert "Structural changes: none" in text and "Now eligible: none" in text


def test_diff_names_every_recorded_hash_that_changed(shipped_copy):
    # a draft made from the frozen version records neither of its hashes: the auditor sees both go
    result = invoke("new-version", VERSION, "phase-2", "--effective-from", "2027-04-01",
                    "--policies", str(shipped_copy))
    assert result.exit_code == 0, result.output
    recorded = yaml.safe_load((shipped_copy / POLICY / VERSION / "version.yaml").read_text(encoding="utf-8"))
    result = invoke("diff", VERSION, "phase-2", "--policies", str(shipped_copy), "--format", "json", "--no-impact")
    assert result.exit_code == 0, result.output
    changed = {c["field"]: (c["old"], c["new"]) for c in json.loads(result.output)["changes"]
               if c["kind"] == "manifest_changed"}
    assert changed["sha256"] == (recorded["sha256"], None)
    assert changed["table_sha256"] == (recorded["table_sha256"], None)
    text = invoke("diff", VERSION, "phase-2", "--policies", str(shipped_copy), "--no-impact").output
    assert "manifest: table_sha256 changed" in text


def test_each_changed_decision_names_the_clauses_that_decide_it_otherwise(tree_copy):
    """An auditor reads why each decision changes, not only which: every impact row names, for each area whose
    answer changed, the clauses whose results differ, in every format (they gave the areas alone)."""
    add_consulting(tree_copy)
    args = ("diff", VERSION, "phase-2", "--policies", str(tree_copy))
    rows = {(r["noc"], r["industry"]): r for r in json.loads(invoke(*args, "--format", "json").output)["impact"]}
    assert rows[("2241", None)]["reasons"] == [  # listed under ICT now; no industry: its clause is n/a
        {"area": "ict", "clause": "occupation-listed", "before": "fail", "after": "pass"}]
    consulting = next(r for (noc, ind), r in rows.items() if noc == "2281" and ind and ind.startswith("5416"))
    assert consulting["reasons"] == [  # an ICT occupation, its employer's industry now in ICT's definition
        {"area": "ict", "clause": "industry-in-area", "before": "fail", "after": "pass"}]
    text = invoke(*args).output
    row = text[text.index("\n  2241  none"):].splitlines()[1:]  # the row, its title wrapped, then why
    assert next(line for line in row if "why:" in line) == " " * 16 + "why: ict: occupation-listed fail -> pass"
    assert max(len(line) for line in text.splitlines()) <= 100
    markdown = invoke(*args, "--format", "markdown").output
    assert "| before | after | why |" in markdown
    assert "| life-sciences, manufacturing | ict, life-sciences, manufacturing | ict: occupation-listed fail -> pass |" \
        in markdown


def test_a_clause_a_version_does_not_apply_to_an_area_is_absent_from_its_reasons(tree_copy):
    """A clause newly applied to an area decides it from nothing: `absent -> fail`."""
    folder = draft(tree_copy)
    edit_yaml(folder / "clauses" / "phase-1-manufacturing.yaml",
              lambda d: d.update({"applies_to": ["manufacturing", "life-sciences"], "version": d["version"] + 1}))
    result = diff_versions(evaluator(tree_copy, VERSION), evaluator(tree_copy, "phase-2"))
    row = next(r for r in result.impact.rows if r.noc == "1221" and r.industry == "5417")  # R&D: not manufacturing
    assert (row.before, row.after, row.change) == (("life-sciences",), (), "no_longer_eligible")
    assert [r.as_dict() for r in row.reasons] == [
        {"area": "life-sciences", "clause": "phase-1-manufacturing", "before": None, "after": "fail"}]
    from sc_policy.present.diff import diff_text
    assert "why: life-sciences: phase-1-manufacturing absent -> fail" in diff_text(result)


def test_inputs_decided_alike_but_explained_otherwise_are_counted_per_clause_change(tree_copy):
    """A clause that now passes where another clause still fails changes no eligibility, but every answer
    shows it and the decisions hash differs: the diff said only 'now eligible: 0, ...' (no decision changed)."""
    folder = draft(tree_copy)
    edit_yaml(folder / "clauses" / "skill-level-limit.yaml",
              lambda d: d.update({"condition": 'noc_level in ["A", "B", "C", "D"]', "version": d["version"] + 1}))
    args = ("diff", VERSION, "phase-2", "--policies", str(tree_copy))
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["impact"] == []  # no level D occupation is listed: none becomes eligible
    inputs = sum(1 for n in NOCS if skill_level(n) == "D") * len(data["industry_inputs"])
    assert data["impact_summary"]["clause_results_changed"] == {"inputs": inputs, "clauses": [
        {"area": area, "clause": "skill-level-limit", "before": "fail", "after": "pass", "inputs": inputs}
        for area in ("ict", "life-sciences", "manufacturing")]}
    text = invoke(*args).output
    assert f"decided alike but explained otherwise: {inputs}" in " ".join(text.split())
    assert f"  ict: skill-level-limit fail -> pass: {inputs} inputs\n" in text
    markdown = invoke(*args, "--format", "markdown").output
    assert f"| ict | skill-level-limit | fail | pass | {inputs} |" in markdown
    # the shipped versions decide every input alike and explain each by the same clause results
    shipped = json.loads(invoke("diff", "phase-1", VERSION, "--format", "json").output)["impact_summary"]
    assert shipped["clause_results_changed"] == {"inputs": 0, "clauses": []}


def test_a_manifest_field_on_one_side_only_is_placed_in_that_side_and_named_as_the_other_file():
    # phase-1 says no `supersedes` and phase-1.1 no `effective_to`: the side without the key names its
    # manifest, with no line (it was the manifest's first key, which is not where the field is)
    result = invoke("diff", "phase-1", VERSION, "--format", "json", "--no-impact")
    assert result.exit_code == 0, result.output
    changes = {c["field"]: c for c in json.loads(result.output)["changes"] if c["kind"] == "manifest_changed"}
    manifest = f"{POLICY}/{{}}/version.yaml"
    root = shipped_policies()
    assert changes["supersedes"]["old"] is None
    assert changes["supersedes"]["old_at"] == {"path": manifest.format("phase-1"), "line": 0, "column": 0}
    assert changes["supersedes"]["new_at"] == {"path": manifest.format(VERSION), "column": 1, "line": _line_of(
        root / manifest.format(VERSION), "supersedes:")}
    assert changes["effective_to"]["new"] is None
    assert changes["effective_to"]["new_at"] == {"path": manifest.format(VERSION), "line": 0, "column": 0}
    assert changes["effective_to"]["old_at"]["line"] == _line_of(root / manifest.format("phase-1"), "effective_to:")
    text = invoke("diff", "phase-1", VERSION, "--no-impact").output
    block = text[text.index("manifest: supersedes changed"):].splitlines()
    assert block[1].strip() == f"old at {manifest.format('phase-1')}"


def test_a_test_case_renamed_and_otherwise_unchanged_is_one_rename(tree_copy):
    folder = draft(tree_copy)
    cases = folder / "tests" / "contradictions.yaml"
    text = cases.read_text(encoding="utf-8")
    old_name = "ict-two-noc-a keeps 2174 in scope under ICT"
    cases.write_text(text.replace(f"name: {old_name}\n", "name: 2174 stays in ICT as its NOC A exception\n"),
                     encoding="utf-8")
    result = invoke("diff", VERSION, "phase-2", "--policies", str(tree_copy), "--format", "json", "--no-impact")
    assert result.exit_code == 0, result.output
    tests = [c for c in json.loads(result.output)["changes"] if c["kind"].startswith("test_")]
    assert [(c["kind"], c["was"], c["test"], c["file"]) for c in tests] == [
        ("test_renamed", old_name, "2174 stays in ICT as its NOC A exception", "tests/contradictions.yaml")]
    assert tests[0]["new_at"]["line"] == tests[0]["old_at"]["line"] == _line_of(cases, f"- name: 2174 stays")
    text_out = invoke("diff", VERSION, "phase-2", "--policies", str(tree_copy), "--no-impact").output
    assert f"test case {old_name} renamed to 2174 stays in ICT as its NOC A exception, otherwise unchanged " \
           "(tests/contradictions.yaml)" in " ".join(text_out.split())
    # renamed and asking something else (another industry): not a rename, but a case removed and another added
    cases.write_text(text.replace(f"name: {old_name}\n", "name: 2174 again\n").replace("industry: '511211'", "industry: '511212'"),
                     encoding="utf-8")
    result = invoke("diff", VERSION, "phase-2", "--policies", str(tree_copy), "--format", "json", "--no-impact")
    kinds = sorted(c["kind"] for c in json.loads(result.output)["changes"] if c["kind"].startswith("test_"))
    assert kinds == ["test_added", "test_removed"]


def test_a_test_case_renamed_and_edited_is_one_rename_with_its_changes(tree_copy):
    folder = draft(tree_copy)
    cases = folder / "tests" / "contradictions.yaml"
    text = cases.read_text(encoding="utf-8")
    old_name, new_name = "ict-two-noc-a keeps 2174 in scope under ICT", "2174 stays in ICT as its NOC A exception"
    old_clauses = "      ict: {noc-a-exception: pass, occupation-listed: pass}\n"
    new_clauses = "      ict: {noc-a-exception: pass, occupation-listed: pass, industry-in-area: pass}\n"
    assert text.count(old_clauses) == 1
    edited = text.replace(f"name: {old_name}\n", f"name: {new_name}\n").replace(old_clauses, new_clauses)
    cases.write_text(edited, encoding="utf-8")
    args = ("diff", VERSION, "phase-2", "--policies", str(tree_copy), "--no-impact")
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    tests = [c for c in json.loads(result.output)["changes"] if c["kind"].startswith("test_")]
    expect = {"eligible": True, "areas": ["ict"], "clauses": {"ict": {"noc-a-exception": "pass", "occupation-listed": "pass"}}}
    assert [(c["kind"], c["was"], c["test"], c["file"], c["fields"]) for c in tests] == [
        ("test_renamed", old_name, new_name, "tests/contradictions.yaml",
         [{"field": "expect", "old": expect, "new": {**expect, "clauses": {"ict": {
             "noc-a-exception": "pass", "occupation-listed": "pass", "industry-in-area": "pass"}}}}])]
    assert tests[0]["old_at"]["line"] == tests[0]["new_at"]["line"] == _line_of(cases, f"- name: {new_name}")
    text_out = " ".join(invoke(*args).output.split())
    assert f"test case {old_name} renamed to {new_name}, and changed: expect (tests/contradictions.yaml)" in text_out
    assert 'expect was: {"areas": ["ict"], "clauses": {"ict": {"noc-a-exception": "pass",' in text_out
    markdown = invoke(*args, "--format", "markdown").output
    assert f"- test case {old_name} renamed to {new_name}, and changed: expect (tests/contradictions.yaml)\n" in markdown
    assert '  - expect: was `{"areas": ["ict"], "clauses": {"ict": {"noc-a-exception": "pass"' in markdown
    # a pure rename lists no fields
    cases.write_text(text.replace(f"name: {old_name}\n", f"name: {new_name}\n"), encoding="utf-8")
    tests = [c for c in json.loads(invoke(*args, "--format", "json").output)["changes"] if c["kind"].startswith("test_")]
    assert [(c["kind"], c["fields"]) for c in tests] == [("test_renamed", [])]
    # ambiguous: another new case asks the same in the same file, so neither is taken for the old one
    twin = edited.replace(f"- name: {new_name}\n", f"- name: another 2174 case\n  noc: '2174'\n  industry: '511211'\n"
                          f"  expect: {{eligible: true}}\n\n- name: {new_name}\n")
    cases.write_text(twin, encoding="utf-8")
    tests = [c for c in json.loads(invoke(*args, "--format", "json").output)["changes"] if c["kind"].startswith("test_")]
    assert sorted((c["kind"], c["test"]) for c in tests) == [
        ("test_added", new_name), ("test_added", "another 2174 case"), ("test_removed", old_name)]


def test_diff_names_changes_and_exact_impact(tree_copy):
    add_consulting(tree_copy)
    result = invoke("diff", VERSION, "phase-2", "--policies", str(tree_copy), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"old", "new", "changes", "impact"} <= set(data)
    assert data["new"]["id"] == "phase-2" and data["new"]["status"] == "draft"
    kinds = {(c["kind"], c.get("area"), c.get("noc") or c.get("naics")) for c in data["changes"]}
    assert ("occupation_added", "ict", "2241") in kinds
    assert ("naics_include_added", "ict", "5416") in kinds
    manifest = f"{POLICY}/{{}}/version.yaml"
    assert {"field": "effective_from", "kind": "manifest_changed", "new": data["new"]["effective_from"],
            "old": "2026-11-28",  # VERSION's, and where each version's manifest says it
            "old_at": {"path": manifest.format(VERSION), "line": _line_of(tree_copy / manifest.format(VERSION),
                                                                         "effective_from:"), "column": 1},
            "new_at": {"path": manifest.format("phase-2"), "line": _line_of(tree_copy / manifest.format("phase-2"),
                                                                            "effective_from:"), "column": 1},
            } in data["changes"]
    added = next(c for c in data["changes"] if c["kind"] == "occupation_added")
    ict = f"{POLICY}/phase-2/areas/ict.yaml"
    assert added["old_at"] is None and added["new_at"]["path"] == ict
    assert (tree_copy / ict).read_text(encoding="utf-8").splitlines()[added["new_at"]["line"] - 1].strip() \
        == "- code: '2241'"  # the entry the analyst added
    rows = {(r["noc"], r["industry"]): r for r in data["impact"]}
    for r in data["impact"]:
        assert set(r) >= {"noc", "industry", "before", "after", "change"}
        assert r["before"] == sorted(r["before"]) and r["after"] == sorted(r["after"])
    # 2241 was listed under life sciences and manufacturing; ICT adds it (no industry given).
    assert rows[("2241", None)]["before"] == ["life-sciences", "manufacturing"]
    assert rows[("2241", None)]["after"] == ["ict", "life-sciences", "manufacturing"]
    assert rows[("2241", None)]["change"] == "areas_changed"
    # ICT's occupations become eligible for employers in 5416 (the class's representative).
    consulting = [r for r in data["impact"] if r["industry"] and r["industry"].startswith("5416")]
    assert {r["noc"] for r in consulting} >= {"2174", "2175", "2241", "2281"}
    assert all(r["change"] == "now_eligible" and r["after"] == ["ict"] for r in consulting)
    # Every row agrees with `explain` under each version.
    from sc_policy.app.workspace import Workspace
    ws = Workspace(tree_copy)
    for (noc, industry), row in rows.items():
        for version, key in ((VERSION, "before"), ("phase-2", "after")):
            decision = ws.explain(noc, industry, version=version).candidates[0]
            assert sorted(decision.in_scope) == row[key]
    summary = data["impact_summary"]
    assert sum(summary["counts"].values()) == len(data["impact"])


def test_diff_text_and_markdown_are_stable_and_fit(tree_copy):
    add_consulting(tree_copy)
    args = ("diff", VERSION, "phase-2", "--policies", str(tree_copy))
    first, second = invoke(*args), invoke(*args)
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    assert max(len(line) for line in first.output.splitlines()) <= 100
    out = first.output
    assert "area ict: occupation 2241 added (level B)" in out
    ict = tree_copy / POLICY / "phase-2" / "areas" / "ict.yaml"
    line = _line_of(ict, "- code: '2241'")
    at = f"{POLICY}/phase-2/areas/ict.yaml:{line}:3"  # the entry's mapping, after "- "
    # where the auditor finds the change: the entry in the new version's file (it has no old place)
    lines = out.splitlines()
    summary = next(i for i, text in enumerate(lines) if text.startswith("  - area ict: occupation 2241 added"))
    assert next(text for text in lines[summary + 1:] if text.startswith("      ")) == f"      new at {at}"
    assert "Now eligible: " in out and "No longer eligible: none" in out
    assert "within 5416" in out  # the class of the new inclusion is described
    now = out.index("Now eligible:")
    block = out[now:out.index("No longer eligible")].splitlines()[2:]
    keys = [(line.split()[0], line.split()[1]) for line in block if re.match(r"^  \d{4} ", line)]
    assert len(keys) == 8 and keys == sorted(keys, key=lambda k: (k[0], k[1] != "none", len(k[1]), k[1]))
    md = invoke(*args, "--format", "markdown").output
    assert md.startswith("# Policy change:")
    assert "| NOC | title | industry | industry class | before | after |" in md
    assert f"`{VERSION}`" in md and "`phase-2`" in md
    assert f"- area ict: occupation 2241 added (level B): {REFDATA.noc_title('2241')}\n  - new at `{at}`\n" in md


def test_no_impact_and_versions_by_date(tree_copy):
    add_consulting(tree_copy)
    result = invoke("diff", "2026-11-28", "phase-2", "--policies", str(tree_copy), "--no-impact",
                    "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["old"]["id"] == VERSION and data["impact"] is None
    assert any(c["kind"] == "occupation_added" for c in data["changes"])


@pytest.mark.parametrize("args,needle", [
    (["diff", VERSION, "phase-9"], "unknown version 'phase-9'"),
    (["diff", "1999-01-01", VERSION], "no version of the policy is in force on 1999-01-01"),
])
def test_diff_bad_versions_are_one_line_exit_2(args, needle):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert needle in result.output
    assert "Traceback" not in result.output


def test_diff_refuses_a_version_with_errors(tree_copy):
    folder = add_consulting(tree_copy)
    edit_yaml(folder / "clauses" / "skill-level-limit.yaml", lambda d: d.update(condition="nocc == 1"))
    result = invoke("diff", VERSION, "phase-2", "--policies", str(tree_copy))
    assert result.exit_code == 2
    assert "skill-level-limit" in result.output and "phase-2" in result.output


def test_each_decision_bearing_edit_shows_in_the_impact(tmp_path):
    root = tmp_path / "policies"
    shutil.copytree(shipped_policies(), root)
    folder = draft(root)

    def change(d):
        d["occupations"] = [o for o in d["occupations"] if o.get("code") != "5224"]  # dropped
        next(o for o in d["occupations"] if o.get("code") == "2175")["level"] = "B"  # re-levelled
        d["industries"]["exclude"] = []  # the 3345 exclusion removed
    edit_yaml(folder / "areas" / "ict.yaml", change)
    result = diff_versions(evaluator(root, VERSION), evaluator(root, "phase-2"))
    kinds = {(c.kind, c.get("noc") or c.get("naics")) for c in result.changes}
    assert {("occupation_removed", "5224"), ("occupation_relevelled", "2175"),
            ("naics_exclude_removed", "3345")} <= kinds
    rows = {(r.noc, r.industry): r for r in result.impact.rows}
    assert (rows[("5224", None)].before, rows[("5224", None)].after) == (("ict",), ())
    assert (rows[("2175", None)].before, rows[("2175", None)].after) == (("ict",), ())
    assert rows[("2175", None)].change == "no_longer_eligible"
    navigational = next(i for i in result.impact.industries if "334511" in i.codes)
    assert set(navigational.codes) == {c for c in NAICS if c.startswith("3345")}
    row = rows[("2174", navigational.representative)]
    assert "ict" in row.after and "ict" not in row.before and row.change == "areas_changed"
    assert row.industry_class == "within 3345"


# -- a clause reading both occupation and industry -----------------------------------------------------------

@pytest.mark.slow
def test_clause_reading_occupation_and_industry_is_exact_per_code(tmp_path):
    root = tmp_path / "policies"
    shutil.copytree(shipped_policies(), root)
    folder = draft(root)
    clause = {"id": "noc-a-not-consulting", "version": 1, "title": "Not for NOC A occupations in 5415",
              "applies_to": ["ict"], "when": 'noc_level == "A"', "condition": 'not ("5415" in industry_prefixes)',
              "explain": {"pass": "ok", "fail": "no", "not_applicable": "n/a"},
              "source": [{"line": 13, "quote": "Definitions"}]}
    (folder / "clauses" / "noc-a-not-consulting.yaml").write_text(yaml.safe_dump(clause), encoding="utf-8")
    old, new = evaluator(root, VERSION), evaluator(root, "phase-2")
    result = impact(old, new)
    # ICT's two NOC A occupations, with the class of exactly the codes under 5415, which ICT no longer admits.
    assert [(r.noc, r.industry, r.before, r.after, r.change) for r in result.rows] == [
        ("2174", "5415", ("ict",), (), "no_longer_eligible"), ("2175", "5415", ("ict",), (), "no_longer_eligible")]
    row_class = next(i for i in result.industries if i.representative == "5415")
    assert set(row_class.codes) == {c for c in NAICS if c.startswith("5415")}
    # Brute force for one of them, over every NAICS code: exactly those codes changed.
    changed = {c for c in NAICS if old.decide("2174", c).in_scope != new.decide("2174", c).in_scope}
    assert changed == set(row_class.codes)


# -- the property: random edited copies against brute force ------------------------------------------------

AREAS = ("ict", "life-sciences", "manufacturing")
CLAUSE_ALTERNATIVES = {
    ("skill-level-limit", "condition"): ['noc_level in ["A", "B", "C"]', 'noc_level in ["B", "C"]',
                                         'noc_level in ["A", "B", "C", "D"]', 'noc_level != "0"'],
    ("noc-a-exception", "when"): ['noc_level == "A"', 'noc_level in ["0", "A"]', 'noc_level == "B"'],
    ("noc-a-exception", "condition"): ["noc in area_noc_a", "noc in area_occupations"],
    ("industry-in-area", "condition"): [
        "(industry_prefixes & area_naics_included).length > 0 and "
        "(industry_prefixes & area_naics_excluded).length == 0",
        "(industry_prefixes & area_naics_included).length > 0"],
    ("phase-1-manufacturing", "condition"): ['(industry_prefixes & {"31", "32", "33"}).length > 0',
                                             '(industry_prefixes & {"33"}).length > 0',
                                             '(industry_prefixes & {"31", "32", "33", "41"}).length > 0'],
    ("phase-1-manufacturing", "applies_to"): [["manufacturing"], ["manufacturing", "life-sciences"]],
    ("occupation-listed", "condition"): ["noc in area_occupations",
                                         'noc in area_occupations or noc_level == "C"'],
}

edits = st.one_of(
    st.tuples(st.just("drop_occupation"), st.sampled_from(AREAS), st.integers(0, 200)),
    st.tuples(st.just("add_occupation"), st.sampled_from(AREAS), st.sampled_from(NOCS),
              st.sampled_from(["derived", "0", "A", "B", "C", "D"])),
    st.tuples(st.just("relevel"), st.sampled_from(AREAS), st.integers(0, 200), st.sampled_from(["0", "A", "B", "C", "D"])),
    st.tuples(st.just("add_include"), st.sampled_from(AREAS), st.sampled_from(NAICS)),
    st.tuples(st.just("remove_include"), st.sampled_from(AREAS), st.integers(0, 50)),
    st.tuples(st.just("add_exclude"), st.sampled_from(AREAS), st.sampled_from(NAICS)),
    st.tuples(st.just("remove_exclude"), st.sampled_from(AREAS), st.integers(0, 50)),
    st.tuples(st.just("clause"), st.sampled_from(sorted(CLAUSE_ALTERNATIVES)), st.integers(0, 3)),
)


def apply_edit(folder: Path, edit) -> bool:
    """Apply one edit to the draft's files; True when it changed their data."""
    kind = edit[0]
    if kind == "clause":
        (clause_id, key), choice = edit[1], edit[2]
        options = CLAUSE_ALTERNATIVES[(clause_id, key)]
        value = options[choice % len(options)]
        path = folder / "clauses" / f"{clause_id}.yaml"
        if yaml.safe_load(path.read_text(encoding="utf-8")).get(key) == value:
            return False
        return edit_yaml(path, lambda d: d.update({key: value, "version": d["version"] + 1}))
    area = edit[1]

    def change(d):
        occupations, industries = d["occupations"], d["industries"]
        if kind == "drop_occupation" and occupations:
            occupations.pop(edit[2] % len(occupations))
        elif kind == "add_occupation":
            level = skill_level(edit[2]) if edit[3] == "derived" else edit[3]
            occupations.append({"code": edit[2], "title": REFDATA.noc_title(edit[2]), "level": level,
                                "source": d["source"]})
        elif kind == "relevel" and occupations:
            occupations[edit[2] % len(occupations)]["level"] = edit[3]
        elif kind in ("add_include", "add_exclude"):
            which = "include" if kind == "add_include" else "exclude"
            industries[which].append({"code": edit[2], "description": "edited", "source": d["source"]})
        elif kind in ("remove_include", "remove_exclude"):
            which = "include" if kind == "remove_include" else "exclude"
            if industries[which]:
                industries[which].pop(edit[2] % len(industries[which]))
    return edit_yaml(folder / "areas" / f"{area}.yaml", change)


EXPECTED_KINDS = {
    "drop_occupation": ("occupation_removed", "occupation_repeats_changed"),
    "add_occupation": ("occupation_added", "occupation_repeats_changed"),
    "relevel": ("occupation_relevelled", "occupation_repeats_changed"),  # (a repeated entry relevelled)
    "add_include": ("naics_include_added", "naics_include_changed"),
    "remove_include": ("naics_include_removed", "naics_include_changed"),
    "add_exclude": ("naics_exclude_added", "naics_exclude_changed"),
    "remove_exclude": ("naics_exclude_removed", "naics_exclude_changed"),
    "clause": ("clause_changed",),
}


def explained(row, diff) -> bool:
    """Whether some structural change can account for an impact row (an attribution independent of the impact)."""
    moved = set(row.before) ^ set(row.after)
    codes = next(i.codes for i in diff.impact.industries if i.representative == row.industry)
    for ch in diff.changes:
        d = ch.as_dict()
        if ch.kind.startswith("occupation_") and d.get("noc") == row.noc and d["area"] in moved:
            return True
        if ch.kind.startswith("naics_") and d["area"] in moved and any(c.startswith(d["naics"]) for c in codes):
            return True
        if ch.kind.startswith("clause_"):
            areas = {a for v in (diff.old, diff.new) for c in v.clauses if c.id == d["clause"] for a in c.applies_to}
            if areas & moved:
                return True
    return False


def clause_changes(old_decision, new_decision, areas=None) -> list:
    """Every clause whose result differs, in each area in scope under one decision only (or in each of
    ``areas``; a clause the version does not apply to the area: None), as a diff's impact row gives its reasons."""
    out = []
    moved = set(old_decision.in_scope) ^ set(new_decision.in_scope)
    for area in sorted(moved if areas is None else areas):
        was, now = ({c.clause: c.result for a in d.areas if a.area == area for c in a.clauses}
                    for d in (old_decision, new_decision))
        out += [{"area": area, "clause": c, "before": was.get(c), "after": now.get(c)}
                for c in list(now) + [c for c in was if c not in now] if was.get(c) != now.get(c)]
    return out


class _OldDecisions:
    """The shipped version's decisions, memoised across examples (the old side never changes)."""

    def __init__(self):
        self.evaluator = None
        self.cache = {}

    def decision(self, noc, industry):
        key = (noc, industry)
        if key not in self.cache:
            self.cache[key] = self.evaluator.decide(noc, industry)
        return self.cache[key]

    def in_scope(self, noc, industry):
        return tuple(sorted(self.decision(noc, industry).in_scope))


OLD = _OldDecisions()


@pytest.mark.slow
@settings(max_examples=max(2, settings.default.max_examples // 10))
@given(st.lists(edits, min_size=1, max_size=3))
def test_impact_equals_brute_force_over_random_edits(tmp_path_factory, edit_list):
    root = tmp_path_factory.mktemp("edited") / "policies"
    shutil.copytree(shipped_policies(), root)
    folder = draft(root)
    took = [apply_edit(folder, edit) for edit in edit_list]
    if OLD.evaluator is None:
        OLD.evaluator = evaluator(root, VERSION, tabulate=True)
    new = evaluator(root, "phase-2", tabulate=True)
    result = diff_versions(OLD.evaluator, new)
    got = {(r.noc, r.industry): (r.before, r.after, r.change) for r in result.impact.rows}
    expected, alike, alike_inputs = {}, {}, 0
    areas = {a.area for d in (OLD.decision(NOCS[0], None), new.decide(NOCS[0], None)) for a in d.areas}
    # Every (unit group, industry input) pair, decided by each version's own decision table (which
    # the impact does not read: it classes the industries of both versions jointly), with a sample
    # of the pairs decided directly by rule-engine too, so that the table is not taken on trust.
    for inp in result.impact.industries:
        for noc in NOCS[::25]:
            assert new.decide(noc, inp.representative) == new.decide_direct(noc, inp.representative)
        for noc in NOCS:
            before = OLD.in_scope(noc, inp.representative)
            after = tuple(sorted(new.decide(noc, inp.representative).in_scope))
            if before != after:
                change = ("now_eligible" if not before else "no_longer_eligible" if not after
                          else "areas_changed")
                expected[(noc, inp.representative)] = (before, after, change)
                continue
            differs = clause_changes(OLD.decision(noc, inp.representative), new.decide(noc, inp.representative),
                                     sorted(areas))
            alike_inputs += bool(differs)
            for d in differs:
                key = (d["area"], d["clause"], d["before"], d["after"])
                alike[key] = alike.get(key, 0) + 1
    assert got == expected
    # the inputs decided alike but explained otherwise, counted per clause change
    assert result.impact.alike == alike_inputs
    assert {(c.area, c.clause, c.before, c.after): n for c, n in result.impact.alike_clauses} == alike
    # Every changed decision is accounted for by a structural change that can change decisions ...
    for row in result.impact.rows:
        assert explained(row, result), row
        # ... and by the clauses whose results differ, as each version decides the input directly
        assert [r.as_dict() for r in row.reasons] == clause_changes(
            OLD.evaluator.decide_direct(row.noc, row.industry), new.decide_direct(row.noc, row.industry)), row
    # ... and an edit that changed the files is reported as a change of its kind.
    if len(edit_list) == 1 and took[0]:
        assert any(c.kind in EXPECTED_KINDS[edit_list[0][0]] for c in result.changes), (edit_list, result.changes)
    if not any(took):
        assert [c.kind for c in result.changes if not c.kind.startswith("manifest")] == [] and not got


# -- structural changes, read from the models ----------------------------------------------------------------

def _structural(root: Path, old_id: str, new_id: str):
    from sc_policy.analysis.diff import structural_changes
    tree = PolicyTree(root)
    old, new = (tree.load(next(r for r in tree.refs() if r.id == v)).version for v in (old_id, new_id))
    return structural_changes(old, new)


def test_moving_entries_to_other_lines_is_no_change_but_reordering_a_list_is(tree_copy):
    folder = draft(tree_copy)
    for path in sorted(folder.rglob("*.yaml")):  # every entry of every file moves down three lines
        path.write_text("# moved\n#\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert {c.kind for c in _structural(tree_copy, VERSION, "phase-2")} == {"manifest_changed"}
    # The same entries in another order: no occupation changes, but the file says something else.
    assert edit_yaml(folder / "areas" / "manufacturing.yaml",
                     lambda d: d["occupations"].insert(0, d["occupations"].pop(1)))
    changes = [c for c in _structural(tree_copy, VERSION, "phase-2") if c.kind != "manifest_changed"]
    assert [c.as_dict() for c in changes] == [{"kind": "file_changed", "file": "areas/manufacturing.yaml",
                                               "change": "changed",
                                               "old_at": {"path": f"{POLICY}/{VERSION}/areas/manufacturing.yaml",
                                                          "line": 0, "column": 0},
                                               "new_at": {"path": f"{POLICY}/phase-2/areas/manufacturing.yaml",
                                                          "line": 0, "column": 0}}]


def test_a_repeated_entry_relevelled_is_a_change_of_the_repeats(tmp_path):
    from sc_policy.present.diff import describe_change
    root = tmp_path / "policies"
    shutil.copytree(shipped_policies(), root)
    folder = draft(root)
    # life-sciences lists 3219 twice; its 15th entry is the second, and re-levelling it changes no decision
    assert apply_edit(folder, ("relevel", "life-sciences", 14, "0"))
    result = diff_versions(evaluator(root, VERSION), evaluator(root, "phase-2"))
    [change] = [c for c in result.changes if not c.kind.startswith("manifest")]
    assert change.kind == "occupation_repeats_changed"
    assert describe_change(change) == ("area life-sciences: occupation 3219: a repeated entry of it changed",
                                       [("entries", "2", "2")])


def test_a_diff_between_two_policies_says_so_in_its_heading(tree_copy):
    """Versions of two policies are compared as asked, but the heading names both policies (it named only
    the new one: `policy other, version phase-1.1 -> phase-1.1`, as if one version were compared with itself)."""
    shutil.copytree(tree_copy / POLICY, tree_copy / "other")
    for manifest in (tree_copy / "other").glob("*/version.yaml"):
        manifest.write_text(manifest.read_text(encoding="utf-8").replace(f"policy: {POLICY}\n", "policy: other\n"),
                            encoding="utf-8")
    args = ["diff", f"{POLICY}/{VERSION}", f"other/{VERSION}", "--no-impact", "--policies", str(tree_copy)]
    text = CliRunner().invoke(main, args)
    assert text.exit_code == 0, text.output
    assert text.output.splitlines()[0] == f"sc-policy diff: policies differ: version {POLICY}/{VERSION} -> other/{VERSION}"
    markdown = CliRunner().invoke(main, args + ["--format", "markdown"])
    assert markdown.output.splitlines()[0] == f"# Policy change: {POLICY} `{VERSION}` → other `{VERSION}` (policies differ)"


def test_markdown_quotes_a_changed_value_exactly(tree_copy):
    """A changed value is a code span in a list item, where a backslash escapes nothing: a condition's set
    union `|` showed as `\\|`, and a backtick in a title ended the span early."""
    folder = draft(tree_copy)

    def change(d):
        d["version"] += 1
        d["title"] = "Industry in `area`"
        d["condition"] = "(industry_prefixes | {\"zz\"}).length > 0 and " + " ".join(d["condition"].split())
    edit_yaml(folder / "clauses" / "industry-in-area.yaml", change)
    md = invoke("diff", VERSION, "phase-2", "--policies", str(tree_copy), "--format", "markdown", "--no-impact").output
    assert "now `` Industry in `area` ``" in md
    assert "now `(industry_prefixes | {\"zz\"}).length > 0 and (industry_prefixes & area_naics_included)" in md


def test_a_changed_test_case_shows_what_it_now_expects(tree_copy):
    """A case whose expected answer changed is the analyst's written record of a decision change; the diff said
    only "test case X changed", so the auditor could not see that it now expects not eligible."""
    folder = draft(tree_copy)
    cases = folder / "tests" / "industries.yaml"
    name = "Phase I manufacturing given as the sector 31"
    text = cases.read_text(encoding="utf-8")
    old = "  expect: {eligible: true, areas: [manufacturing], clauses: {manufacturing: {phase-1-manufacturing: pass}}}"
    start = text.index(f"- name: {name}")
    assert text.index(old, start) < text.index("- name:", start + 1)
    cases.write_text(text[:start] + text[start:].replace(old, "  expect: {eligible: false, areas: []}", 1),
                     encoding="utf-8")
    result = invoke("diff", VERSION, "phase-2", "--policies", str(tree_copy), "--format", "json", "--no-impact")
    changed, = [c for c in json.loads(result.output)["changes"] if c["kind"] == "test_changed"]
    assert changed["test"] == name and changed["fields"] == [
        {"field": "expect", "old": {"areas": ["manufacturing"], "clauses": {"manufacturing": {
            "phase-1-manufacturing": "pass"}}, "eligible": True}, "new": {"areas": [], "eligible": False}}]
    text = invoke("diff", VERSION, "phase-2", "--policies", str(tree_copy), "--no-impact").output
    assert f"test case {name} changed: expect (tests/industries.yaml)" in text
    assert 'expect now: {"areas": [], "eligible": false}' in text


def test_a_date_that_cannot_choose_a_version_says_to_name_it_as_diff_takes_it(tree_copy):
    """`diff 2027-01-01 phase-1.1` with a broken manifest beside the versions told the auditor to "name a
    version with --version", an option diff does not have: diff takes the version's id in place of the date."""
    (tree_copy / POLICY / "phase-2" / "areas").mkdir(parents=True)
    result = invoke("diff", "2027-01-01", VERSION, "--policies", str(tree_copy))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "cannot choose the version in force" in result.stderr and "--version" not in result.stderr
    assert result.stderr.endswith(f"(run `sc-policy check --policies {tree_copy}`, or name the version by its id "
                                  "in place of the date)\n")
    assert invoke("diff", "phase-1", VERSION, "--policies", str(tree_copy), "--no-impact").exit_code == 0


def test_a_resolution_that_now_bears_on_an_areas_unlisted_occupations_is_a_change_an_auditor_sees(tree_copy):
    """manufacturing-list-governs bears on the occupations Manufacturing does not list (``unlisted: true``); a
    draft that names codes instead bears on fewer answers, and the diff says which field changed, old and new."""
    phase2 = draft(tree_copy)

    def to_codes(data):
        governs, = [r for r in data["resolutions"] if r["id"] == "manufacturing-list-governs"]
        governs["affects"] = [{"area": "manufacturing", "codes": ["9461"]}]

    assert edit_yaml(phase2 / "resolutions.yaml", to_codes)
    result = invoke("diff", VERSION, "phase-2", "--policies", str(tree_copy), "--format", "json")
    assert result.exit_code == 0, result.output
    changed, = [c for c in json.loads(result.output)["changes"] if c["kind"] == "resolution_changed"]
    assert changed["resolution"] == "manufacturing-list-governs"
    fields = {f["field"]: (f["old"], f["new"]) for f in changed["fields"]}
    assert fields == {"affects": ([["manufacturing", []]], [["manufacturing", ["9461"]]]),
                      "unlisted": (["manufacturing"], [])}
