"""`sc-policy test`: the analysts' cases run green on the shipped policy, and turn red on a broken edit."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sc_policy.cli import main
from sc_policy.resources import shipped_policies

from conftest import POLICY, VERSION, edit, version_dir

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$")
FAILURE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): case (?P<name>.+?): expected (?P<expected>.+?), "
                     r"got (?P<actual>.+?) \(decided by clause (?P<clause>[a-z0-9-]+) in area (?P<area>[a-z0-9-]+)\)")


def invoke(*args):
    result = CliRunner().invoke(main, ["test", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def summary(output: str):
    last = output.rstrip("\n").splitlines()[-1]
    match = SUMMARY.match(last)
    assert match, f"last line is not the summary: {last!r}"
    return int(match.group(1)), int(match.group(2))


def shipped_case_files():
    return sorted((version_dir(shipped_policies()) / "tests").glob("*.yaml"))


def shipped_cases():
    return [case for path in shipped_case_files()
            for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]]


# -- the shipped policy -------------------------------------------------------------------------

def test_shipped_cases_pass_with_complete_clause_coverage():
    result = invoke(VERSION, "--coverage")
    assert result.exit_code == 0, result.output
    passed, failed = summary(result.output)
    assert (passed, failed) == (len(shipped_cases()), 0)
    assert "clause coverage: complete (5 of 5 clauses fully exercised)" in result.output
    assert "listed occupations no case touches: none" in result.output
    assert "NAICS codes no case touches: none" in result.output


def test_coverage_json_counts_every_result_of_every_clause():
    result = invoke(VERSION, "--coverage", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    (report,) = data["versions"]
    cov = report["coverage"]
    assert cov["complete"] is True
    by_clause = {c["clause"]: c for c in cov["clauses"]}
    assert set(by_clause) == {"industry-in-area", "noc-a-exception", "occupation-listed", "phase-1-manufacturing",
                              "skill-level-limit"}
    for clause in by_clause.values():
        assert clause["pass"] > 0 and clause["fail"] > 0 and clause["missing"] == []
    # a clause without `when` can never be not applicable: it is not counted as missing
    assert by_clause["occupation-listed"]["not_applicable"] is None
    assert by_clause["noc-a-exception"]["not_applicable"] > 0
    assert cov["untouched_occupations"] == [] and cov["untouched_industries"] == []
    assert data["passed"] == len(shipped_cases()) and data["failed"] == 0


def test_shipped_cases_cover_what_the_issue_names():
    """Written from the source, the cases name every category the policy must get right."""
    cases = shipped_cases()
    by_noc = {}
    for case in cases:
        by_noc.setdefault((case["noc"], case.get("noc_version", "2016")), []).append(case)
    # the NOC A exception, other NOC A, management and NOC D, each not eligible
    for noc in ("2173", "2171", "1111", "0213", "0911", "9611", "6611"):
        assert any(c["expect"]["eligible"] is False for c in by_noc[(noc, "2016")]), noc
    # the ICT exclusion of 3345, and Phase I manufacturing over 31, 32 and 33
    industries = {c.get("industry") for c in cases}
    assert {"334511", "3345"} <= industries
    assert any(i and i.startswith("31") for i in industries) and any(i and i.startswith("32") for i in industries)
    assert any(i and i.startswith("33") and not i.startswith("334") for i in industries)
    # each contradiction as resolved
    for noc, areas in (("2175", ["ict"]), ("3219", ["life-sciences"]), ("1411", ["life-sciences"]),
                       ("9232", ["life-sciences", "manufacturing"]),
                       ("2174", ["ict", "life-sciences", "manufacturing"])):
        assert any(c["expect"].get("areas") == areas and not c.get("industry") for c in by_noc[(noc, "2016")]), noc
    # NOC 2021: a code with one candidate, and an indeterminate one
    verdicts = {(c["noc"], c["expect"].get("verdict")) for c in cases if c.get("noc_version") == "2021"}
    assert {("21232", "eligible"), ("21233", "indeterminate")} <= verdicts


def test_every_case_quotes_the_source_at_the_line_it_names():
    source = (shipped_policies() / POLICY / "source" / "second-career-fast-track.txt").read_text("utf-8")
    lines = source.splitlines()
    for case in shipped_cases():
        assert case.get("source"), case["name"]
        for citation in case["source"]:
            assert citation["quote"] in lines[citation["line"] - 1], (case["name"], citation)


def test_every_listed_code_of_the_source_has_a_case():
    source = (shipped_policies() / POLICY / "source" / "second-career-fast-track.txt").read_text("utf-8")
    listed = set(re.findall(r"^(\d{4}) .+ – NOC [A-D]$", source, flags=re.M))
    assert len(listed) == 77
    eligible = {c["noc"] for c in shipped_cases() if c["expect"]["eligible"] and not c.get("industry")}
    assert listed <= eligible


# -- a broken edit turns it red ----------------------------------------------------------------

def test_dropping_the_3345_exclusion_fails_the_cases_that_rely_on_it(tree_copy):
    ict = version_dir(tree_copy) / "areas" / "ict.yaml"
    text = ict.read_text(encoding="utf-8")
    ict.write_text(text[:text.index("  exclude:")] + "  exclude: []\n" + text[text.index("occupations:"):],
                   encoding="utf-8")
    result = invoke(VERSION, "--policies", str(tree_copy))
    assert result.exit_code == 1
    passed, failed = summary(result.output)
    assert failed == 3 and passed == len(shipped_cases()) - 3
    failures = [FAILURE.match(line) for line in result.output.splitlines()[:-1]]
    assert all(failures), result.output
    assert {f["path"] for f in failures} == {f"{POLICY}/{VERSION}/tests/industries.yaml"}
    assert {(f["clause"], f["area"]) for f in failures} == {("industry-in-area", "ict")}
    first = failures[0]
    assert first["expected"] == "areas [manufacturing]" and first["actual"] == "areas [ict, manufacturing]"
    # the line and column point at the case in its file
    lines = (version_dir(tree_copy) / "tests" / "industries.yaml").read_text("utf-8").splitlines()
    assert lines[int(first["line"]) - 1][int(first["col"]) - 1:].startswith(f"name: {first['name']}")


def test_removing_an_occupation_fails_its_case_with_the_deciding_clause(tree_copy):
    edit(version_dir(tree_copy) / "areas" / "ict.yaml", "- code: '5224'", "- code: '5225'")
    result = invoke(VERSION, "--policies", str(tree_copy), "--format", "text")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    hit = [line for line in lines if "case listed 5224 Broadcast Technicians:" in line]
    assert len(hit) == 1
    assert ": expected eligible, got not eligible (decided by clause occupation-listed in area ict)" in hit[0]


def test_a_wrong_expectation_names_the_clause_result(tree_copy):
    cases = version_dir(tree_copy) / "tests" / "contradictions.yaml"
    edit(cases, "ict: {noc-a-exception: pass, occupation-listed: pass}",
         "ict: {noc-a-exception: fail, occupation-listed: pass}")
    result = invoke(VERSION, "--policies", str(tree_copy), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["failed"] == 1
    (bad,) = [c for c in data["versions"][0]["cases"] if not c["passed"]]
    assert bad["name"] == "ict-two-noc-a keeps 2174 in scope under ICT"
    assert bad["mismatches"] == [{"what": "clause", "expected": "ict/noc-a-exception fail",
                                  "actual": "ict/noc-a-exception pass", "clause": "noc-a-exception",
                                  "area": "ict", "noc": None}]


def test_a_case_with_a_refused_input_fails_without_crashing(tmp_path, tree_copy):
    (version_dir(tree_copy) / "tests" / "typo.yaml").write_text(
        "cases:\n- name: typo\n  noc: '2199'\n  expect: {eligible: true}\n"
        "- name: unknown area and clause\n  noc: '2174'\n  expect:\n    eligible: true\n"
        "    clauses: {ict: {no-such-clause: pass}, nowhere: {occupation-listed: pass}}\n"
        "- name: areas of an ambiguous NOC 2021 code\n  noc: '21233'\n  noc_version: '2021'\n"
        "  expect: {eligible: false, areas: [ict]}\n", encoding="utf-8")
    result = invoke(VERSION, "--policies", str(tree_copy))
    assert result.exit_code == 1
    out = result.output
    assert f"{POLICY}/{VERSION}/tests/typo.yaml:2:3: case typo: expected eligible, got input refused: " \
           "NOC code 2199 is not a NOC 2016 unit group" in out
    assert "case unknown area and clause: expected ict/no-such-clause pass, got no clause 'no-such-clause' " \
           "applies to area 'ict' (and 1 more mismatch in this case)" in out
    assert "expected one NOC 2016 candidate (areas and clauses need one), got 2 candidates [2171, 2175]" in out
    assert summary(out)[1] == 3


def test_a_version_named_twice_is_run_once():
    once = summary(invoke("phase-1").output)
    assert summary(invoke("phase-1", f"{POLICY}/phase-1", "phase-1").output) == once  # it ran 266 cases
    reports = json.loads(invoke("phase-1", f"{POLICY}/phase-1", "--format", "json").output)["versions"]
    assert len(reports) == 1


def test_a_misspelt_area_in_expected_areas_is_named_not_blamed_on_a_clause(tree_copy):
    (version_dir(tree_copy) / "tests" / "typo.yaml").write_text(
        "cases:\n- name: typo\n  noc: '2174'\n  industry: '541514'\n  expect: {eligible: true, areas: [itc]}\n",
        encoding="utf-8")
    result = invoke(VERSION, "--policies", str(tree_copy))
    assert result.exit_code == 1
    # it read "got areas [ict] (decided by clause industry-in-area in area ict)": as if the rules were at fault
    assert f"{POLICY}/{VERSION}/tests/typo.yaml:2:3: case typo: expected areas [itc], got areas [ict]; no area " \
           "'itc' in this version\n" in result.output


def test_an_ambiguous_noc_2021_expectation_blames_the_candidate(tree_copy):
    edit(version_dir(tree_copy) / "tests" / "noc-2021.yaml", "    verdict: indeterminate\n    candidates: ['2171', '2175']",
         "    verdict: eligible\n    candidates: ['2171', '2175']")
    result = invoke(VERSION, "--policies", str(tree_copy))
    assert result.exit_code == 1
    (line,) = [l for l in result.output.splitlines() if "21233" in l]
    assert line.endswith("expected verdict eligible, got verdict indeterminate "
                         "(decided by clause noc-a-exception in area ict for NOC 2016 2171)")


def test_coverage_names_what_no_case_exercises(tree_copy):
    tests = version_dir(tree_copy) / "tests"
    for path in tests.glob("*.yaml"):
        if path.name != "listed-occupations.yaml":  # keep only cases without an industry
            path.unlink()
    listed = tests / "listed-occupations.yaml"
    data = yaml.safe_load(listed.read_text(encoding="utf-8"))
    data["cases"] = [c for c in data["cases"] if c["noc"] != "5224"]
    listed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = invoke(VERSION, "--policies", str(tree_copy), "--coverage", "--format", "json")
    assert result.exit_code == 0
    cov = json.loads(result.output)["versions"][0]["coverage"]
    by_clause = {c["clause"]: c["missing"] for c in cov["clauses"]}
    assert cov["complete"] is False
    assert by_clause == {"industry-in-area": ["pass", "fail"], "noc-a-exception": [], "occupation-listed": [],
                         "phase-1-manufacturing": ["pass", "fail"], "skill-level-limit": ["fail"]}
    assert [(u["area"], u["code"]) for u in cov["untouched_occupations"]] == [("ict", "5224")]
    assert len(cov["untouched_industries"]) == 14  # every NAICS entry of every area
    text = invoke(VERSION, "--policies", str(tree_copy), "--coverage").output
    assert "clause coverage: incomplete (2 of 5 clauses fully exercised)" in text
    assert re.search(r"skill-level-limit +\d+ +0 +- +fail\n", text)
    assert "    ict: 5224 Broadcast Technicians" in text
    assert "    ict: exclude 3345 navigational, measuring, medical and controlling devices" in text


# -- when it cannot run -------------------------------------------------------------------------

def test_an_invalid_case_file_stops_the_run_with_its_line(tree_copy):
    (version_dir(tree_copy) / "tests" / "bad.yaml").write_text(
        "cases:\n- name: unquoted\n  noc: 2174\n  expect: {eligible: true}\n", encoding="utf-8")
    result = invoke(VERSION, "--policies", str(tree_copy))
    assert result.exit_code == 2
    assert f"{POLICY}/{VERSION}/tests/bad.yaml:3:3:" in result.output and 'write codes in quotes' in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args,needle", [
    (["phase-9"], "unknown version 'phase-9'"),
    (["--policies", "/nonexistent/policies"], "policy tree not found"),
])
def test_cannot_run_exits_2(args, needle):
    result = invoke(*args)
    assert result.exit_code == 2 and needle in result.output


def test_json_is_byte_identical_between_runs():
    first = invoke(VERSION, "--format", "json", "--coverage").output
    assert first == invoke(VERSION, "--format", "json", "--coverage").output


def test_a_version_without_cases_says_so(tree_copy):
    shutil.rmtree(version_dir(tree_copy) / "tests")
    result = invoke(VERSION, "--policies", str(tree_copy))
    assert result.exit_code == 0
    assert result.output.splitlines() == [f"{POLICY} {VERSION}: no test cases (write them in tests/*.yaml)",
                                          "0 passed, 0 failed"]


def test_a_failing_case_names_the_clause_explain_names(tree_copy):
    # 9461 with a food manufacturer: in scope under Manufacturing, which explain says occupation-listed decides
    (version_dir(tree_copy) / "tests" / "wrong.yaml").write_text(
        "cases:\n- name: wrong\n  noc: '9461'\n  industry: '311410'\n  expect: {eligible: false}\n", encoding="utf-8")
    explained = json.loads(CliRunner().invoke(main, ["explain", "9461", "--industry", "311410", "--format", "json",
                                                     "--policies", str(tree_copy)]).output)
    area, = [a for a in explained["areas"] if a["in_scope"]]
    deciding, = [c["clause"] for c in area["clauses"] if c["deciding"]]
    result = invoke(VERSION, "--policies", str(tree_copy))
    failure, = [FAILURE.match(line) for line in result.output.splitlines() if "case wrong:" in line]
    assert (failure["clause"], failure["area"]) == (deciding, area["area"]) == ("occupation-listed", "manufacturing")


def test_a_case_wrongly_expecting_eligible_blames_the_area_that_lists_the_occupation(tree_copy):
    # 9461 is listed under Manufacturing only; with a software employer explain says Manufacturing's clause
    # keeps it out. The failure named ICT (the first area), whose list never held 9461.
    (version_dir(tree_copy) / "tests" / "wrong.yaml").write_text(
        "cases:\n- name: wrong\n  noc: '9461'\n  industry: '541514'\n  expect: {eligible: true}\n", encoding="utf-8")
    explained = json.loads(CliRunner().invoke(main, ["explain", "9461", "--industry", "541514", "--format", "json",
                                                     "--policies", str(tree_copy)]).output)
    area, = [a for a in explained["areas"] if a["area"] == "manufacturing"]
    deciding, = [c["clause"] for c in area["clauses"] if c["deciding"]]
    assert f"where clause {deciding} fails" in explained["reason"]
    result = invoke(VERSION, "--policies", str(tree_copy))
    failure, = [FAILURE.match(line) for line in result.output.splitlines() if "case wrong:" in line]
    assert (failure["clause"], failure["area"]) == (deciding, "manufacturing")


def test_a_case_naming_several_failing_clauses_blames_the_one_explain_names(tree_copy):
    # README's Phase II edit: manufacturing keeps NAICS 32-33 only (clause and area). The copied case for 9461 at
    # a food manufacturer names industry-in-area and phase-1-manufacturing, which now both fail; explain says
    # industry-in-area follows from phase-1-manufacturing, but the failure blamed industry-in-area, the first named
    v = version_dir(tree_copy)
    edit(v / "clauses" / "phase-1-manufacturing.yaml", '{"31", "32", "33"}', '{"32", "33"}')
    area = v / "areas" / "manufacturing.yaml"
    text = area.read_text(encoding="utf-8")
    start = text.index("  - code: '31'")
    area.write_text(text[:start] + text[text.index("  - code: '32'"):], encoding="utf-8")
    explained = json.loads(CliRunner().invoke(main, ["explain", "9461", "--industry", "311410", "--format", "json",
                                                     "--policies", str(tree_copy)]).output)
    manufacturing, = [a for a in explained["areas"] if a["area"] == "manufacturing"]
    deciding, = [c["clause"] for c in manufacturing["clauses"] if c["deciding"]]
    assert deciding == "phase-1-manufacturing"
    result = invoke(VERSION, "--policies", str(tree_copy))
    failure, = [FAILURE.match(line) for line in result.output.splitlines()
                if "case Phase I manufacturing food 311410 (sector 31):" in line]
    assert (failure["clause"], failure["area"]) == (deciding, "manufacturing")
