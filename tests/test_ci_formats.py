"""What CI reads (item 3 of issue 16): `check --format sarif` (valid SARIF 2.1.0), `check --format github`
(workflow-command annotations), `check --severity`, and `test --junit-xml FILE`; exit codes unchanged."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from sc_policy.cli import main
from sc_policy.diagnostics import Diagnostic, Span
from sc_policy.present.annotations import annotation

from conftest import POLICY, VERSION, edit, version_dir

REL = f"{POLICY}/{VERSION}"

def _obj(required=(), **properties):
    return {"type": "object", "required": list(required), "properties": properties}


_MESSAGE = _obj(["text"], text={"type": "string", "minLength": 1})
_REGION = _obj(["startLine"], startLine={"type": "integer", "minimum": 1}, startColumn={"type": "integer", "minimum": 1})
_LOCATION = _obj(physicalLocation=_obj(["artifactLocation"], artifactLocation=_obj(["uri"], uri={
    "type": "string", "format": "uri-reference"}), region=_REGION))
SARIF_SCHEMA = _obj(
    ["version", "runs"],
    version={"enum": ["2.1.0"]},
    runs={"type": "array", "minItems": 1, "items": _obj(
        ["tool", "results"],
        tool=_obj(["driver"], driver=_obj(["name"], name={"type": "string"}, rules={"type": "array", "items": _obj(
            ["id"], id={"type": "string"}, shortDescription=_MESSAGE)})),
        results={"type": "array", "items": _obj(
            ["message", "ruleId", "level", "locations"],
            ruleId={"type": "string"}, ruleIndex={"type": "integer", "minimum": 0},
            level={"enum": ["none", "note", "warning", "error"]},
            message=_MESSAGE,
            locations={"type": "array", "items": _LOCATION},
            suppressions={"type": "array", "items": _obj(
                ["kind"], kind={"enum": ["inSource", "external"]},
                status={"enum": ["accepted", "underReview", "rejected"]})})},
        invocations={"type": "array", "items": _obj(
            ["executionSuccessful"], executionSuccessful={"type": "boolean"},
            toolExecutionNotifications={"type": "array", "items": _obj(
                ["message"], message=_MESSAGE, level={"enum": ["none", "note", "warning", "error"]})})})})
"""The SARIF 2.1.0 requirements (OASIS standard, sections 3.13 sarifLog, 3.14 run, 3.18 tool, 3.19
toolComponent, 3.27 result, 3.11 message, 3.28 location, 3.29 physicalLocation, 3.4 artifactLocation,
3.30 region, 3.35 suppression, 3.20 invocation, 3.58 notification) on the properties sc-policy writes, as a JSON Schema written from the
standard's text: the OASIS schema file itself is not copied into this repository."""


def run(*argv):
    result = CliRunner().invoke(main, list(argv))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture()
def broken(tree_copy, monkeypatch):
    """A tree under the working directory as `policies/`, with one error (a misspelt key), the
    shipped warnings and the resolved (info) findings."""
    monkeypatch.chdir(tree_copy.parent)
    edit(version_dir(tree_copy) / "clauses" / "occupation-listed.yaml", "title:", "notes: an unknown key\ntitle:")
    return tree_copy


def json_findings(policies):
    result = run("check", "--format", "json", "--policies", policies)
    return result.exit_code, json.loads(result.stdout)


def test_sarif_is_valid_and_has_one_result_per_finding(broken):
    code, findings = json_findings("policies")
    result = run("check", "--format", "sarif", "--policies", "policies")
    assert result.exit_code == code == 1
    log = json.loads(result.stdout)
    jsonschema.Draft7Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    assert log["version"] == "2.1.0"
    (run_,) = log["runs"]
    rules = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    assert run_["tool"]["driver"]["name"] == "sc-policy"
    results = run_["results"]
    assert len(results) == len(findings) and {f["severity"] for f in findings} == {"error", "warning", "info"}
    for finding, res in zip(findings, results):
        assert res["ruleId"] == finding["check"] == rules[res["ruleIndex"]]
        assert res["level"] == {"error": "error", "warning": "warning", "info": "note"}[finding["severity"]]
        assert res["message"]["text"] == finding["message"]
        (loc,) = res["locations"]
        assert loc["physicalLocation"]["artifactLocation"]["uri"] == "policies/" + finding["path"]
        assert loc["physicalLocation"]["region"] == {"startLine": finding["line"], "startColumn": finding["column"]}
        assert ("suppressions" in res) == bool(finding.get("resolution"))
    error = next(r for r in results if r["level"] == "error")
    assert error["ruleId"] == "unknown-key"
    assert error["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        f"policies/{REL}/clauses/occupation-listed.yaml"
    assert run("check", "--format", "sarif", "--policies", "policies").stdout == result.stdout  # deterministic


def test_sarif_of_a_clean_tree_is_valid_and_exits_0(shipped_copy, monkeypatch):
    monkeypatch.chdir(shipped_copy.parent)
    result = run("check", "--format", "sarif", "--severity", "error", "--policies", "policies")
    assert result.exit_code == 0
    log = json.loads(result.stdout)
    jsonschema.Draft7Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    assert log["runs"][0]["results"] == []


def test_sarif_uri_of_an_awkward_path_is_a_valid_reference():
    from sc_policy.present.sarif import artifact_uri, sarif_log
    assert artifact_uri("work dir/a#b.yaml") == "work%20dir/a%23b.yaml"
    assert artifact_uri("/abs/x.yaml") == "file:///abs/x.yaml"
    assert artifact_uri("./p/../q/x.yaml") == "q/x.yaml"
    log = sarif_log([Diagnostic(Span("work dir/a.yaml"), "error", "load", "file is empty")], "1.0")
    jsonschema.Draft7Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    assert "region" not in log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]


def test_github_annotations_one_per_finding_with_paths_from_the_repository_root(broken):
    code, findings = json_findings("./policies/")
    result = run("check", "--format", "github", "--policies", "./policies/")
    assert result.exit_code == code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(findings)
    first_error = next(l for l in lines if l.startswith("::error "))
    assert first_error.startswith(f"::error file=policies/{REL}/clauses/occupation-listed.yaml,line=")
    assert ",title=unknown-key::unknown key 'notes'" in first_error
    levels = {l.split(" ", 1)[0] for l in lines}
    assert levels == {"::error", "::warning", "::notice"}
    for line, finding in zip(lines, findings):
        assert f",line={finding['line']},col={finding['column']},title={finding['check']}::" in line
    assert "1 error, " in result.stderr


def test_github_escaping_is_the_toolkits():
    d = Diagnostic(Span("a,b:c%.yaml", 3, 5), "warning", "x:y", "100% sure, really: yes\r\nno")
    assert annotation(d) == "::warning file=a%2Cb%3Ac%25.yaml,line=3,col=5,title=x%3Ay::100%25 sure, really: yes no"
    assert annotation(Diagnostic(Span(""), "info", "c", "m")) == "::notice title=c::m"
    from sc_policy.present.annotations import escape_data
    assert escape_data("a\r\nb%") == "a%0D%0Ab%25"


@pytest.mark.parametrize("severity,levels", [("error", {"error"}), ("warning", {"error", "warning"}),
                                             ("info", {"error", "warning", "info"})])
def test_severity_prints_that_level_and_above_and_keeps_the_exit_status(broken, severity, levels):
    _, every = json_findings("policies")
    result = run("check", "--format", "json", "--severity", severity, "--policies", "policies")
    assert result.exit_code == 1
    shown = json.loads(result.stdout)
    assert shown == [f for f in every if f["severity"] in levels]
    text = run("check", "--severity", severity, "--policies", "policies")
    assert text.exit_code == 1
    assert len(text.stdout.splitlines()) == len(shown)
    hidden = len(every) - len(shown)
    assert text.stderr.startswith("1 error, ")
    assert (f"({hidden} below {severity} not shown)" in text.stderr) == bool(hidden)


def test_severity_error_on_a_tree_with_only_warnings_prints_nothing_and_exits_0(shipped_copy):
    result = run("check", "--severity", "error", "--policies", str(shipped_copy))
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.startswith("0 errors, 16 warnings, ")  # phase-1's 8 and phase-1.1's 8 (phase-1.2 has none)
    bad = run("check", "--severity", "fatal", "--policies", str(shipped_copy))
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "--severity" in bad.stderr


def _junit(path: Path):
    root = ET.parse(path).getroot()  # well-formed, or this raises
    assert root.tag == "testsuites"
    return root


def test_junit_xml_has_one_testcase_per_case(shipped_copy, tmp_path):
    out = tmp_path / "junit.xml"
    result = run("test", "--policies", str(shipped_copy), "--junit-xml", str(out))
    assert result.exit_code == 0
    data = json.loads(run("test", "--format", "json", "--policies", str(shipped_copy)).stdout)
    root = _junit(out)
    suites = root.findall("testsuite")  # one per shipped version, in the order `test` runs them
    assert [s.get("name") for s in suites] == [f"{v['policy']}/{v['version']}" for v in data["versions"]]
    assert f"{POLICY}/{VERSION}" in [s.get("name") for s in suites]
    assert root.get("tests") == str(sum(len(v["cases"]) for v in data["versions"]))
    for suite, version in zip(suites, data["versions"]):
        cases = version["cases"]
        assert suite.get("tests") == str(len(cases))
        elements = suite.findall("testcase")
        assert [e.get("name") for e in elements] == [c["name"] for c in cases]
        assert all(e.find("failure") is None for e in elements) and suite.get("failures") == "0"
        assert elements[0].get("file") == f"{shipped_copy.as_posix()}/{cases[0]['path']}"
        assert elements[0].get("line") == str(cases[0]["line"])


def test_junit_xml_failures_carry_the_expected_and_actual_answer(tree_copy, tmp_path):
    (version_dir(tree_copy) / "tests" / "wrong.yaml").write_text(
        "cases:\n- name: <wrong> & \"quoted\"\n  noc: '2174'\n  expect: {eligible: false}\n"
        "- name: right\n  noc: '2174'\n  expect: {eligible: true}\n", encoding="utf-8")
    out = tmp_path / "report.xml"
    result = run("test", "--policies", str(tree_copy), "--junit-xml", str(out))
    assert result.exit_code == 1  # unchanged: a failing case
    root = _junit(out)
    assert root.get("failures") == "1"
    by_name = {e.get("name"): e for e in root.iter("testcase")}
    failure = by_name['<wrong> & "quoted"'].find("failure")
    assert failure is not None and failure.get("type") == "eligible"
    assert failure.get("message").startswith("expected not eligible, got eligible")
    assert "eligible: expected not eligible, actual eligible" in failure.text
    assert by_name["right"].find("failure") is None
    assert by_name["right"].get("classname") == f"{POLICY}.{VERSION}.wrong"


def test_a_run_that_cannot_start_replaces_the_junit_report_with_one_error_naming_why(tree_copy, tmp_path):
    # a frozen version edited in place: its content no longer has the hash it was frozen with
    edit(version_dir(tree_copy) / "clauses" / "occupation-listed.yaml", "title:", "notes: an edit\ntitle:")
    out = tmp_path / "report.xml"
    out.write_text("<testsuites tests='133' failures='0'/>", encoding="utf-8")  # last run's report
    result = run("test", VERSION, "--policies", str(tree_copy), "--junit-xml", str(out))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    root = _junit(out)
    assert (root.get("tests"), root.get("errors"), root.get("failures")) == ("1", "1", "0")
    [suite] = root.findall("testsuite")
    error = suite.find("testcase/error")
    assert suite.get("name") == VERSION and error is not None
    assert error.get("message") == result.stderr.removeprefix("sc-policy: error: ").rstrip("\n")
    assert "occupation-listed.yaml" in error.text or "modified" in error.text


def test_junit_xml_to_an_unwritable_place_is_one_line_and_exit_2(shipped_copy, tmp_path):
    result = run("test", "--policies", str(shipped_copy), "--junit-xml", str(tmp_path / "no" / "such" / "r.xml"))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("sc-policy: error: ")


def test_junit_xml_to_a_full_device_is_one_line_and_exit_2(shipped_copy):
    result = run("test", "--policies", str(shipped_copy), "--junit-xml", "/dev/full")
    assert result.exit_code == 2
    assert result.stderr == "sc-policy: error: /dev/full: cannot write the JUnit report: No space left on device\n"


@pytest.mark.parametrize("damage", [
    lambda log: log.update(version="2.0.0"),
    lambda log: log["runs"][0]["results"][0].update(level="fatal"),
    lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(startLine=0),
    lambda log: log["runs"][0]["results"][0].pop("message"),
])
def test_the_sarif_requirements_refuse_a_damaged_log(broken, damage):
    """The schema the SARIF tests validate against can fail: a damaged copy of a real log is refused."""
    log = json.loads(run("check", "--policies", str(broken), "--format", "sarif").output)
    damage(log)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)


@pytest.mark.parametrize("tree, said", [("missing", "policy tree not found"), ("empty", "no policy versions found")])
def test_a_tree_the_run_cannot_read_replaces_the_junit_report_and_an_empty_one_does_not_pass(tmp_path, tree, said):
    root = tmp_path / tree
    if tree == "empty":
        root.mkdir()
    out = tmp_path / "report.xml"
    out.write_text("<testsuites tests='133' failures='0'/>", encoding="utf-8")  # last run's report
    result = run("test", "--policies", str(root), "--junit-xml", str(out))
    assert result.exit_code == 2 and result.stderr == f"sc-policy: error: {root}: {said}\n"
    suite = _junit(out).find("testsuite")
    assert suite.get("name") == str(root) and suite.get("errors") == "1"
    assert suite.find("testcase").get("name") == "the policy tree has versions"
    assert suite.find("testcase/error").get("message") == f"{root}: {said}"
    listed = run("versions", "--policies", str(root))
    assert listed.exit_code == 2 and listed.stderr == f"sc-policy: error: {root}: {said}\n"


def test_a_version_refused_for_its_decisions_replaces_the_junit_report(shipped_copy, tmp_path):
    """A frozen version whose files now decide otherwise is refused when its table is built, after it was
    opened: the report must still say why, not keep the previous run's (it was not written at all)."""
    from sc_policy.app.authoring import set_manifest_fields
    manifest = version_dir(shipped_copy) / "version.yaml"
    manifest.write_text(set_manifest_fields(manifest.read_text(encoding="utf-8"), {"table_sha256": "0" * 64}),
                        encoding="utf-8")
    out = tmp_path / "report.xml"
    out.write_text("<testsuites tests='133' failures='0'/>", encoding="utf-8")  # last run's report
    result = run("test", VERSION, "--policies", str(shipped_copy), "--junit-xml", str(out))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "table-mismatch" in result.stderr
    root = _junit(out)
    assert (root.get("tests"), root.get("errors"), root.get("failures")) == ("1", "1", "0")
    [suite] = root.findall("testsuite")
    assert suite.get("name") == VERSION
    assert suite.find("testcase/error").get("message") == result.stderr.removeprefix("sc-policy: error: ").rstrip("\n")


def _half_made_version(tree: Path) -> str:
    """A version folder without its manifest (areas copied, version.yaml not yet written): its finding is
    about a file that does not exist. Returns that file's path from the repository's root."""
    shutil.copytree(version_dir(tree) / "areas", tree / POLICY / "phase-3" / "areas")
    return f"policies/{POLICY}/phase-3/version.yaml"


def test_a_finding_about_a_file_that_does_not_exist_is_named_from_the_repository_root(shipped_copy, monkeypatch):
    """Every finding's path is joined to the tree as given, also when the file it names is missing (a CI
    service would look for second-career-fast-track/... at the repository's root, where nothing is)."""
    monkeypatch.chdir(shipped_copy.parent)
    want = _half_made_version(shipped_copy)
    github = run("check", "--format", "github", "--severity", "error", "--policies", "policies")
    assert github.exit_code == 1
    assert github.stdout == f"::error file={want},title=missing-manifest::version folder has no manifest (version.yaml)\n"
    log = json.loads(run("check", "--format", "sarif", "--severity", "error", "--policies", "policies").stdout)
    [result] = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == want


def test_a_path_named_from_the_working_directory_outside_the_tree_is_kept(shipped_copy, monkeypatch):
    from sc_policy.cli.base import tree_paths
    monkeypatch.chdir(shipped_copy.parent)
    (shipped_copy.parent / "text.txt").write_text("x", encoding="utf-8")  # e.g. a --source FILE
    located = tree_paths("policies")
    assert located("text.txt") == "text.txt"
    assert located(f"{POLICY}/{VERSION}/version.yaml") == f"policies/{POLICY}/{VERSION}/version.yaml"
    assert located(f"{POLICY}/phase-9/version.yaml") == f"policies/{POLICY}/phase-9/version.yaml"


def test_a_refused_version_s_junit_error_names_the_file_and_line_of_its_error(tree_copy, tmp_path, monkeypatch):
    """CI tools annotate a JUnit testcase at its file and line: the refusal's testcase carries those of the
    error that refused the version, named from the repository's root like every other testcase."""
    monkeypatch.chdir(tree_copy.parent)
    edit(version_dir(tree_copy) / "areas" / "ict.yaml", "{line: 72, quote: 2282", "{line: 71, quote: 2282")
    out = tmp_path / "report.xml"
    result = run("test", VERSION, "--policies", "policies", "--junit-xml", str(out))
    assert result.exit_code == 2 and "citation-line" in result.stderr
    [case] = _junit(out).iter("testcase")
    assert case.find("error") is not None
    where = result.stderr.removeprefix("sc-policy: error: ").split(": ", 1)[0]  # PATH:LINE:COL
    path, line, _column = where.rsplit(":", 2)
    assert (case.get("file"), case.get("line")) == (f"policies/{path}", line)
    assert path == f"{REL}/areas/ict.yaml"


def test_a_refusal_without_a_place_names_no_file(shipped_copy, tmp_path):
    out = tmp_path / "report.xml"
    result = run("test", "no-such-version", "--policies", str(shipped_copy), "--junit-xml", str(out))
    assert result.exit_code == 2
    [case] = _junit(out).iter("testcase")
    assert case.get("file") is None and case.get("line") is None and case.find("error") is not None


def test_a_missing_manifest_refusal_names_the_file_from_the_repository_root(shipped_copy, tmp_path, monkeypatch):
    monkeypatch.chdir(shipped_copy.parent)
    want = _half_made_version(shipped_copy)
    out = tmp_path / "report.xml"
    assert run("test", "--policies", "policies", "--junit-xml", str(out)).exit_code == 2
    [case] = _junit(out).iter("testcase")
    assert case.get("file") == want and case.get("line") is None


@pytest.mark.parametrize("fmt", ["sarif", "github"])
def test_a_check_that_cannot_run_says_why_in_the_log_ci_reads(tmp_path, fmt):
    """A check that could not run (no tree there) wrote nothing to stdout: the README's CI recipe then
    uploaded an empty file, and code scanning failed on it with a JSON syntax error instead of the reason."""
    result = run("check", "--format", fmt, "--policies", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    why = result.stderr.removeprefix("sc-policy: error: ").rstrip("\n")
    assert "nowhere" in why
    if fmt == "github":
        assert result.stdout == f"::error title=sc-policy::{why}\n"
        return
    log = json.loads(result.stdout)
    jsonschema.Draft7Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    [only] = log["runs"]
    assert only["results"] == [] and only["invocations"] == [{"executionSuccessful": False, "toolExecutionNotifications": [
        {"level": "error", "message": {"text": why}}]}]
