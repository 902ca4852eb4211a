"""The messages an analyst meets (item 5 of issue 16): a misspelt key, an indentation slip, counts in
summaries, hints that can be followed as printed, unknown versions that name the tree, and titles that
do not make one version read as another."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sc_policy.cli import main
from sc_policy.diagnostics import PolicyLoadError
from sc_policy.load.yamlfile import parse_document
from sc_policy.resources import shipped_policies

from conftest import POLICY, SHIPPED, VERSION, edit, version_dir

REL = f"{POLICY}/{VERSION}"


def cli(*args, env=None):
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


# -- a misspelt key ----------------------------------------------------------------------------------

def test_a_misspelt_required_key_is_one_error_with_did_you_mean(tree_copy):
    clause = version_dir(tree_copy) / "clauses" / "occupation-listed.yaml"
    edit(clause, "\ntitle:", "\ntitel:")
    line = next(n for n, text in enumerate(clause.read_text("utf-8").splitlines(), 1) if text.startswith("titel:"))
    said = "unknown key 'titel' and missing required key 'title' (did you mean 'title'?)"
    result = cli("check", "--severity", "error", "--policies", str(tree_copy))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{REL}/clauses/occupation-listed.yaml:{line}:1: error unknown-key: {said}"]
    assert result.stderr.startswith("1 error,")
    (finding,) = json.loads(cli("check", "--format", "json", "--severity", "error", "--policies", str(tree_copy)).stdout)
    assert (finding["line"], finding["column"], finding["check"], finding["message"]) == (line, 1, "unknown-key", said)
    assert finding["suggestion"] == {"kind": "did-you-mean", "values": ["title"]}
    # a command that needs the version names the misspelt key
    explain = cli("explain", "2174", "--policies", str(tree_copy))
    assert explain.exit_code == 2
    assert f"occupation-listed.yaml:{line}:1: version {VERSION} is invalid: unknown-key: {said}" in explain.stderr


def test_a_misspelt_key_in_a_list_item_names_the_field_of_that_item(tree_copy):
    area = version_dir(tree_copy) / "areas" / "ict.yaml"
    edit(area, "  level:", "  levle:")
    result = cli("check", "--format", "json", "--severity", "error", "--policies", str(tree_copy))
    (finding,) = json.loads(result.stdout)
    assert finding["check"] == "unknown-key"
    assert finding["message"] == ("unknown key 'levle' in occupations.0 and missing required key 'occupations.0.level' "
                                  "(did you mean 'level'?)")
    assert finding["suggestion"] == {"kind": "did-you-mean", "values": ["level"]}


def test_an_unknown_key_like_no_field_has_no_guess(tree_copy):
    edit(version_dir(tree_copy) / "clauses" / "occupation-listed.yaml", "\ntitle:", "\nzzz: 1\ntitle:")
    result = cli("check", "--format", "json", "--severity", "error", "--policies", str(tree_copy))
    (finding,) = json.loads(result.stdout)
    assert finding["message"] == "unknown key 'zzz'" and "suggestion" not in finding


def test_a_guess_prefers_a_missing_required_key():
    from sc_policy.load.schema import validate
    text = ("id: a\nversion: 1\ntitle: t\napplies_to: [ict]\ncondition: 'true'\n"
            "explain: {pass: p, fail: f}\nsource: [{line: 1, quote: q}]\nwhne: 'x'\n")
    (finding,) = validate(parse_document(text.encode(), "c.yaml"), "clause")
    assert finding.suggestion.values == ("when",)  # the only field it lacks: optional, still the guess
    text = text.replace("condition:", "conditon:")
    found = validate(parse_document(text.encode(), "c.yaml"), "clause")
    assert [(f.code, f.suggestion and f.suggestion.values) for f in found] == [
        ("unknown-key", ("condition",)), ("unknown-key", ("when",))]
    assert found[0].message == "unknown key 'conditon' and missing required key 'condition'"
    assert found[1].message == "unknown key 'whne'"  # an optional key: nothing is missing


# -- an indentation slip -----------------------------------------------------------------------------

@pytest.mark.parametrize("text,line,column,stopped", [
    ("id: x\noccupations:\n  - code: '1'\n    title: a\nlevel: b\n  - code: '3'\n    title: c\n", 5, 1, 6),
    ("id: a\nexplain:\n  pass: a\nfail: b\n  not_applicable: c\n", 4, 1, 5),
    ("cases:\n- name: a\n  expect:\n    eligible: true\n  # a comment\n\nnoc: '1'\n  industry: '2'\n", 7, 1, 8),
])
def test_an_indentation_slip_is_pointed_at_saying_where_the_parser_stopped(text, line, column, stopped):
    with pytest.raises(yaml.YAMLError) as plain:
        yaml.safe_load(text)
    assert plain.value.problem_mark.line + 1 == stopped  # PyYAML names the line after
    with pytest.raises(PolicyLoadError) as caught:
        parse_document(text.encode(), "f.yaml")
    error = caught.value
    assert (error.span.line, error.span.column) == (line, column)
    assert error.message.startswith(f"YAML syntax error, most likely the indentation of this line: the parser "
                                    f"stopped at line {stopped} (")


@pytest.mark.parametrize("text,line", [
    ("id: x\nitems:\n  - code: '1'\n    title: a\n   - code: '2'\n    title: b\n", 5),  # the slip is the line itself
    ("cases:\n- name: a\n  noc: '1'\n- name: b\n noc: '2'\n  expect: {eligible: true}\n", 5),
    # a line indented one space too MUCH under a list entry: the line above it (a new entry, back at the
    # list's own indentation) is right, and was blamed ("most likely the indentation of this line")
    ("occupations:\n- code: '1'\n  source:\n  - {line: 1, quote: a}\n- code: '2'\n   title: b\n  level: B\n", 6),
    # the same, the list indented under its key: the too-deep line matches the citation items' indentation
    ("occupations:\n  - code: '1'\n    source:\n    - {line: 1, quote: a}\n  - code: '2'\n      title: b\n", 6),
])
def test_a_slip_on_the_line_the_parser_names_keeps_that_line(text, line):
    with pytest.raises(PolicyLoadError) as caught:
        parse_document(text.encode(), "f.yaml")
    assert caught.value.span.line == line
    assert caught.value.message.startswith("YAML syntax error: this line is indented differently from the lines "
                                           "above it (expected <block end>")



@pytest.mark.parametrize("text,line,column", [
    ("id: x\nexplain:\n  pass: a\n   fail: b\n", 4, 8),
    ("id: x\noccupations:\n- code: '1'\n  title: a\n    level: B\n", 5, 10),  # the value would go on
])
def test_a_line_indented_more_than_a_value_above_it_is_said_so(text, line, column):
    """PyYAML reads it as more of the value above and stops at its colon: 'mapping values are not allowed here'
    said nothing of indentation."""
    with pytest.raises(PolicyLoadError) as caught:
        parse_document(text.encode(), "f.yaml")
    error = caught.value
    assert (error.span.line, error.span.column) == (line, column)
    assert error.message == ("YAML syntax error: this line is indented more than the line above it, so it reads as "
                             "the rest of that line's value (mapping values are not allowed here)")


def test_a_colon_in_a_value_is_not_called_an_indentation():
    with pytest.raises(PolicyLoadError) as caught:
        parse_document(b"id: x\ntitle: Step one: apply\n", "f.yaml")
    assert "indented" not in caught.value.message


@pytest.mark.parametrize("text,line,column,indentation", [
    ("id: x\n\ttitle: a\n", 2, 1, True),
    ("id: x\nitems:\n-\tcode: '1'\n", 3, 2, True),  # after a list's dash
    ("id: x\ntitle:\ta b\n", 2, 7, False),  # between a key and its value
    ("id: x\ntitle: a\t\nlevel: B\n", 2, 9, False),  # at the end of a line
    ("id: x\nsource:\n- {line: 72,\tquote: a}\n", 3, 13, False),  # inside a flow mapping
])
def test_a_tab_is_called_indentation_only_where_it_indents(text, line, column, indentation):
    """Every tab PyYAML refuses was 'used for indentation', also one after a key's colon or at a line's end."""
    with pytest.raises(PolicyLoadError) as caught:
        parse_document(text.encode(), "f.yaml")
    error = caught.value
    assert (error.code, error.span.line, error.span.column) == ("yaml-syntax", line, column)
    assert error.message == ("YAML syntax error: tab character used for indentation (use spaces)" if indentation else
                             "YAML syntax error: tab character where YAML allows only spaces (use spaces)")

def test_the_cli_shows_the_slip_on_one_line(tree_copy):
    clause = version_dir(tree_copy) / "clauses" / "occupation-listed.yaml"
    lines = clause.read_text("utf-8").splitlines(keepends=True)
    at = next(i for i, text in enumerate(lines) if text.startswith("  pass:"))  # explain's first key
    lines[at] = lines[at][2:]
    clause.write_text("".join(lines), encoding="utf-8")
    result = cli("check", "--severity", "error", "--policies", str(tree_copy))
    assert result.exit_code == 1
    assert f"{REL}/clauses/occupation-listed.yaml:{at + 1}:1: error yaml-syntax: YAML syntax error, most likely " \
           f"the indentation of this line: the parser stopped at line {at + 2} " in result.stdout


# -- counts ------------------------------------------------------------------------------------------

def test_summaries_count_in_the_singular_and_the_plural(tree_copy):
    # phase-1: 4 warnings, 6 resolved, and its 4 industry codes that no quote publishes (3345; 31, 32, 33);
    # phase-1.1 the same but 31-33 (marked published: false), ICT's skill-level clause without a passage of its
    # own, its two all-occupations sentences and its two interpretations; phase-1.2 no warning, 18 resolved or info
    # (its resolutions of the four titles and the two sentences, and five interpretations); and the copy's three
    # versions, in force and superseded, without their hashes
    assert cli("check", "--policies", str(tree_copy)).stderr == "0 errors, 19 warnings, 32 resolved or info\n"
    edit(version_dir(tree_copy) / "clauses" / "occupation-listed.yaml", "\ntitle:", "\nnotes: x\ntitle:")
    assert cli("check", "--policies", str(tree_copy)).stderr.startswith("1 error, 19 warnings, ")


def test_a_freeze_refused_for_failing_cases_counts_the_others(tree_copy):
    (version_dir(tree_copy) / "tests" / "wrong.yaml").write_text(
        "cases:\n" + "".join(f"- name: wrong {n}\n  noc: '2174'\n  expect: {{eligible: false}}\n" for n in range(3)),
        encoding="utf-8")
    result = cli("freeze", VERSION, "--policies", str(tree_copy))
    assert result.exit_code == 2
    assert "case wrong 0: expected not eligible, got eligible (decided by clause " in result.stderr
    assert result.stderr.count("(and 2 more failing cases)") == 1
    assert result.stderr.rstrip().endswith(f"(run `sc-policy test {VERSION} --policies {tree_copy}`)")


# -- hints and unknown versions ----------------------------------------------------------------------

def test_the_next_hint_of_new_version_can_be_followed_as_printed(shipped_copy, monkeypatch):
    monkeypatch.chdir(shipped_copy.parent)
    result = cli("new-version", VERSION, "phase-2", "--effective-from", "2030-01-01", "--policies", "policies")
    assert result.exit_code == 0, result.output
    (hint,) = [line for line in result.stdout.splitlines() if line.startswith("Next:")]
    assert "in the policy tree policies," in hint
    commands = re.findall(r"`sc-policy ([^`]*)`", hint)
    assert [c.split()[0] for c in commands] == ["check", "test", "diff", "freeze"]
    for command in commands[:3]:
        argv = shlex.split(command)
        assert argv[-2:] == ["--policies", "policies"]
        assert cli(*argv).exit_code in (0, 1), command  # it reads the tree just made, not the shipped one
    assert cli(*shlex.split(commands[1])).stdout.endswith(" passed, 0 failed\n")


def test_the_hint_has_no_flag_when_the_tree_comes_from_the_environment(shipped_copy):
    result = cli("new-version", VERSION, "phase-2", "--effective-from", "2030-01-01",
                 env={"SC_POLICY_PATH": str(shipped_copy)})
    assert result.exit_code == 0, result.output
    assert "`sc-policy test phase-2`" in result.stdout and "--policies" not in result.stdout


KNOWN = ", ".join(SHIPPED)  # the known versions, as an unknown one lists them


def test_an_unknown_version_names_the_tree_and_the_policies_given(shipped_copy):
    result = cli("test", "phase-2", "--policies", str(shipped_copy))
    assert result.exit_code == 2
    assert result.stderr == (f"sc-policy: error: unknown version 'phase-2' (known versions in the policy tree "
                             f"{shipped_copy} (--policies {shipped_copy}): {KNOWN})\n")
    env = cli("test", "phase-2", env={"SC_POLICY_PATH": str(shipped_copy)})
    assert env.stderr == (f"sc-policy: error: unknown version 'phase-2' (known versions in the policy tree "
                          f"{shipped_copy} ($SC_POLICY_PATH): {KNOWN})\n")
    shipped = cli("test", "phase-2")
    assert shipped.stderr == (f"sc-policy: error: unknown version 'phase-2' (shipped "
                              f"tree {shipped_policies()}: {KNOWN}; or --policies DIR)\n")


def test_the_library_and_the_service_carry_the_tree_as_data(shipped_copy):
    from sc_policy.diagnostics import UnknownVersionError
    from sc_policy.http.problems import from_diagnostic
    from sc_policy.load.tree import PolicyTree, select_version
    with pytest.raises(UnknownVersionError) as caught:
        select_version(PolicyTree(shipped_copy), "phase-2")
    suggestion = caught.value.suggestion
    assert (suggestion.kind, suggestion.values, suggestion.tree) == ("known-versions", SHIPPED, str(shipped_copy))
    assert str(caught.value) == f"unknown version 'phase-2' (known versions: {KNOWN})"  # no flag, no path
    detail = from_diagnostic(caught.value.diagnostic, "version").detail
    assert str(shipped_copy) not in detail and detail.endswith(f"(known versions: {KNOWN})")
    from sc_policy.present.pages import sentence
    assert str(shipped_copy) not in sentence(caught.value.diagnostic)


def test_a_date_given_as_a_version_id_says_how_to_ask_for_that_day(shipped_copy):
    # explain, table, evaluate and sql choose a version by --on: the hint names it, to be followed as printed
    result = cli("explain", "2174", "--version", "2022-01-01", "--policies", str(shipped_copy))
    assert result.exit_code == 2
    assert result.stderr == ("sc-policy: error: unknown version '2022-01-01' "
                             "(for the version in force on that day, give --on 2022-01-01)\n")
    followed = cli("explain", "2174", "--on", "2022-01-01", "--policies", str(shipped_copy))
    assert followed.exit_code == 0 and "version phase-1 " in followed.stdout
    # a command with no --on lists the versions, as for any unknown id
    check = cli("test", "2022-01-01", "--policies", str(shipped_copy))
    assert check.stderr == (f"sc-policy: error: unknown version '2022-01-01' (known versions in the policy tree "
                            f"{shipped_copy} (--policies {shipped_copy}): {KNOWN})\n")
    # not a day written YYYY-MM-DD, or no calendar day (--on would refuse it in turn): an unknown id like any other
    for text in ("2022-1-1", "2022-13-01", "2022-02-30"):
        assert "--on" not in cli("explain", "2174", "--version", text).stderr, text


def test_the_library_and_the_service_word_a_date_given_as_a_version_id(shipped_copy):
    from sc_policy.diagnostics import UnknownVersionError
    from sc_policy.http.problems import from_diagnostic
    from sc_policy.load.tree import PolicyTree, select_version
    with pytest.raises(UnknownVersionError) as caught:
        select_version(PolicyTree(shipped_copy), "2022-01-01")
    suggestion = caught.value.suggestion
    assert (suggestion.kind, suggestion.values) == ("version-is-date", ("2022-01-01",) + SHIPPED)
    assert str(caught.value) == ("unknown version '2022-01-01' (a date names no version: ask for the version "
                                 f"in force on it; known versions: {KNOWN})")  # no flag, no parameter
    assert from_diagnostic(caught.value.diagnostic, "version").detail == (
        "version: unknown version '2022-01-01' (for the version in force on that day, give on=2022-01-01)")


# -- titles ------------------------------------------------------------------------------------------

def test_new_version_without_a_title_names_the_draft_by_its_id(shipped_copy):
    result = cli("new-version", VERSION, "phase-2", "--effective-from", "2030-01-01", "--policies", str(shipped_copy))
    assert result.exit_code == 0, result.output
    old = yaml.safe_load((version_dir(shipped_copy) / "version.yaml").read_text("utf-8"))
    new = yaml.safe_load((shipped_copy / POLICY / "phase-2" / "version.yaml").read_text("utf-8"))
    assert new["title"] == f"{POLICY} phase-2"
    assert old["title"] not in new["title"]


def test_freeze_refuses_a_draft_still_titled_as_it_was_made(shipped_copy):
    """new-version's title (policy and id) is a placeholder to replace: frozen, it would show on every answer."""
    assert cli("new-version", VERSION, "phase-2", "--effective-from", "2030-01-01", "--policies",
               str(shipped_copy)).exit_code == 0
    manifest = shipped_copy / POLICY / "phase-2" / "version.yaml"
    before = manifest.read_bytes()
    line = before.decode("utf-8").splitlines().index(f"title: {POLICY} phase-2") + 1
    result = cli("freeze", "phase-2", "--policies", str(shipped_copy))
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"sc-policy: error: {POLICY}/phase-2/version.yaml:{line}:1: cannot freeze phase-2: its "
                             f"title is still '{POLICY} phase-2', the placeholder it was made with (its policy and "
                             f"id), which its answers would show for good: give it its own title first\n")
    assert manifest.read_bytes() == before  # nothing written
    edit(manifest, f"title: {POLICY} phase-2", "title: Second Career Fast Track, Phase II")
    assert cli("freeze", "phase-2", "--policies", str(shipped_copy)).exit_code == 0


@pytest.mark.parametrize("same", [True, False])
def test_freeze_warns_when_a_version_keeps_the_title_of_the_one_it_supersedes(shipped_copy, same):
    assert cli("new-version", VERSION, "phase-2", "--effective-from", "2030-01-01", "--policies",
               str(shipped_copy)).exit_code == 0
    old = yaml.safe_load((version_dir(shipped_copy) / "version.yaml").read_text("utf-8"))
    manifest = shipped_copy / POLICY / "phase-2" / "version.yaml"
    title = old["title"] if same else "Second Career Fast Track, Phase II"
    edit(manifest, f"title: {POLICY} phase-2", f"title: {json.dumps(title)}")
    result = cli("freeze", "phase-2", "--policies", str(shipped_copy))
    assert result.exit_code == 0, result.output
    warning = (f"sc-policy: warning: version phase-2 has the same title as {VERSION}, which it supersedes: "
               "answers under either read alike; give it its own title in a new version\n")
    assert (warning in result.stderr) == same
