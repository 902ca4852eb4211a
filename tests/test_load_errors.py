"""Every bad file a user can put in a policy tree: one line naming it, exit 2, a finding in `check`.

Each damage below is applied to a fresh copy of the shipped tree. The loader must
report it as a finding of `PolicyTree.load` at the file (and line and column where
there is one); `explain` must stop with that one line and exit status 2, never a
traceback; `check` must list it as an error and exit 1. Loading must never execute
anything from a rule file, and no read-only command may write into the tree.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sc_policy.cli import main
from sc_policy.load.yamlfile import MAX_FILE_BYTES
from sc_policy.load.tree import PolicyTree

from conftest import POLICY, VERSION, version_dir

V = f"{POLICY}/{VERSION}"


def write(path: Path, data) -> None:
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")


def replace_with_dir(path: Path) -> None:
    path.unlink()
    path.mkdir()


def symlink_out(path: Path, outside: Path) -> None:
    target = outside / path.name
    shutil.copyfile(path, target)
    path.unlink()
    path.symlink_to(target)


def folder_out(folder: Path, outside: Path) -> None:
    target = outside / folder.name
    shutil.copytree(folder, target)
    shutil.rmtree(folder)
    folder.symlink_to(target, target_is_directory=True)


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
             "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"

# name -> (damage(version_dir, outside_dir), file shown, check id, "line:col" or None, words of the message)
DAMAGE = {
    "missing file": (lambda v, o: (v / "areas" / "gone.yaml").symlink_to(v / "areas" / "nowhere.yaml"),
                     "areas/gone.yaml", "missing", None, "no such file"),
    "non-UTF-8 bytes": (lambda v, o: write(v / "areas" / "ict.yaml", b"id: ict\ntitle: caf\xe9\n"),
                        "areas/ict.yaml", "encoding", "2:11", "not UTF-8: byte 0xe9"),
    "tab indentation": (lambda v, o: write(v / "clauses" / "occupation-listed.yaml", "id: x\n\tversion: 1\n"),
                        "clauses/occupation-listed.yaml", "yaml-syntax", "2:1", "tab character used for indentation"),
    "alias bomb": (lambda v, o: write(v / "areas" / "ict.yaml", ALIAS_BOMB),
                   "areas/ict.yaml", "unsafe-yaml", "1:4", "YAML anchors are not allowed"),
    "huge file": (lambda v, o: write(v / "areas" / "ict.yaml", "# padding\n" + "x" * MAX_FILE_BYTES),
                  "areas/ict.yaml", "too-large", None, f"over the {MAX_FILE_BYTES}-byte limit"),
    "python tag": (lambda v, o: write(v / "clauses" / "noc-a-exception.yaml",
                                      f"id: !!python/object/apply:os.system ['touch {o}/executed']\n"),
                   "clauses/noc-a-exception.yaml", "unsafe-yaml", "1:5", "python/object/apply:os.system"),
    "directory for a file": (lambda v, o: replace_with_dir(v / "areas" / "ict.yaml"),
                             "areas/ict.yaml", "not-a-file", None, "is a directory, expected a YAML file"),
    "pipe for a file": (lambda v, o: os.mkfifo(v / "areas" / "pipe.yaml"),
                        "areas/pipe.yaml", "not-a-file", None, "is not a regular file"),
    "symlink out of the tree": (lambda v, o: symlink_out(v / "areas" / "ict.yaml", o),
                                "areas/ict.yaml", "unsafe-path", None, "symbolic link leads out of the policy tree"),
    "folder linked out of the tree": (lambda v, o: folder_out(v / "clauses", o),
                                      "clauses", "unsafe-path", None, "symbolic link leads out of the policy tree"),
    "empty file": (lambda v, o: write(v / "clauses" / "noc-a-exception.yaml", ""),
                   "clauses/noc-a-exception.yaml", "empty", None, "file is empty"),
    "only comments": (lambda v, o: write(v / "resolutions.yaml", "# nothing yet\n\n# really\n"),
                      "resolutions.yaml", "empty", None, "file is empty"),
    "no manifest": (lambda v, o: (v / "version.yaml").unlink(),
                    "version.yaml", "missing-manifest", None, "version folder has no manifest"),
    "control character": (lambda v, o: write(v / "areas" / "ict.yaml", "id: ict\ntitle: a\x00b\n"),
                          "areas/ict.yaml", "yaml-syntax", "2:9", "character U+0000 is not allowed"),
    "deep nesting": (lambda v, o: write(v / "areas" / "ict.yaml", "id: " + "[" * 1_500 + "]" * 1_500 + "\n"),
                     "areas/ict.yaml", "yaml-syntax", None, "nested too deeply"),
    "number as a key": (lambda v, o: write(v / "resolutions.yaml", "resolutions: []\n2174: x\n"),
                        "resolutions.yaml", "wrong-type", "2:1", "key '2174' is read as a int, not text"),
    # int() refuses a decimal text over Python's 4,300 digits, but int(text, 16) does not, and repr() of its
    # value then raised ValueError: a traceback from check and explain (the same for a line of 5,000 digits)
    "hexadecimal of 20,000 digits": (lambda v, o: write(v / "clauses" / "skill-level-limit.yaml",
                                                        (v / "clauses" / "skill-level-limit.yaml").read_text("utf-8")
                                                        .replace("\nversion: ", "\nversion: 0x" + "f" * 20_000 + "\n#")),
                                     "clauses/skill-level-limit.yaml", "yaml-syntax", "4:10", "cannot read value '0xfff"),
    "a line range of 5,000 digits": (lambda v, o: write(v / "areas" / "ict.yaml", (v / "areas" / "ict.yaml")
                                                        .read_text("utf-8").replace("17-27", "17-" + "7" * 5_000)),
                                     "areas/ict.yaml", "schema", "6:4", "sections.0.lines: '17-77777"),
    "duplicate key": (lambda v, o: write(v / "clauses" / "skill-level-limit.yaml",
                                         (v / "clauses" / "skill-level-limit.yaml").read_text("utf-8")
                                         + "version: 3\n"),
                      "clauses/skill-level-limit.yaml", "duplicate-key", "26:1", "duplicate key 'version'"),
}


@pytest.fixture()
def no_cache(monkeypatch):
    """Open versions from their files: the loader is what is under test, not the decision-table cache."""
    monkeypatch.setenv("SC_POLICY_NO_CACHE", "1")


def damaged(tree_copy: Path, tmp_path: Path, name: str):
    damage, shown, check, where, words = DAMAGE[name]
    outside = tmp_path / "outside"
    outside.mkdir()
    damage(version_dir(tree_copy), outside)
    return outside, f"{V}/{shown}", check, where, words


def cli(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_load_reports_the_file_and_place(name, tree_copy, tmp_path):
    outside, shown, check, where, words = damaged(tree_copy, tmp_path, name)
    tree = PolicyTree(tree_copy)
    ref = next(r for r in tree.refs() if r.id == VERSION)  # the damaged version
    loaded = tree.load(ref)
    hits = [f for f in loaded.errors if f.code == check and f.span.path == shown]
    assert hits, [f.render() for f in loaded.findings]
    assert words in hits[0].message
    if where:
        assert f"{hits[0].span.line}:{hits[0].span.column}" == where
    assert not (outside / "executed").exists()


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_explain_stops_with_one_line_exit_2(name, tree_copy, tmp_path, no_cache):
    outside, shown, check, where, words = damaged(tree_copy, tmp_path, name)
    result = cli("explain", "2174", "--policies", str(tree_copy))
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"sc-policy: error: {shown}" + (f":{where}:" if where else ":"))
    assert check in line and words in line
    assert not (outside / "executed").exists()


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_check_lists_it_as_an_error(name, tree_copy, tmp_path, no_cache):
    outside, shown, check, where, words = damaged(tree_copy, tmp_path, name)
    result = cli("check", "--policies", str(tree_copy))
    assert result.exit_code == 1
    prefix = f"{shown}:{where}: error {check}: " if where else f"{shown}: error {check}: "
    assert any(line.startswith(prefix) and words in line for line in result.stdout.splitlines()), result.stdout


@pytest.mark.parametrize("cached", [True, False], ids=["with the decision-table cache", "without"])
def test_an_unreadable_file_is_named(tree_copy, monkeypatch, cached):
    """Root reads any file whatever its mode, so the refusal of the operating system is simulated."""
    if not cached:
        monkeypatch.setenv("SC_POLICY_NO_CACHE", "1")
    assert cli("explain", "2174", "--policies", str(tree_copy)).exit_code == 0  # cached when it may be
    target = version_dir(tree_copy) / "areas" / "ict.yaml"
    real_open = pathlib.Path.open

    def refusing_open(self, *args, **kwargs):
        if self == target:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    real_os_open = os.open

    def refusing_os_open(path, *args, **kwargs):  # the loader opens with os.open (non-blocking)
        if pathlib.Path(path) == target:
            raise PermissionError(13, "Permission denied", str(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", refusing_open)
    monkeypatch.setattr(os, "open", refusing_os_open)
    tree = PolicyTree(tree_copy)
    loaded = tree.load(next(r for r in tree.refs() if r.id == VERSION))
    assert [f.render() for f in loaded.errors] == [
        f"{V}/areas/ict.yaml: error unreadable: cannot read file: Permission denied"]
    result = cli("explain", "2174", "--policies", str(tree_copy))
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"sc-policy: error: {V}/areas/ict.yaml: version {VERSION} is invalid: "
                                     "unreadable: cannot read file: Permission denied")


def test_a_tree_that_does_not_exist_or_is_a_file(tmp_path):
    result = cli("explain", "2174", "--policies", str(tmp_path / "nope"))
    assert result.exit_code == 2 and result.stderr.strip() == f"sc-policy: error: {tmp_path / 'nope'}: policy tree not found"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = cli("test", "--policies", str(tmp_path / "file"))
    assert result.exit_code == 2 and "is a file" in result.stderr  # click's own check of the option


@pytest.mark.parametrize("command", [["check"], ["explain", "2174"], ["test"], ["versions"]])
def test_a_policy_or_version_folder_given_as_the_tree_says_which_folder_is_the_tree(tree_copy, command):
    # one level too deep: each version folder was taken for a policy and each of its folders for a version,
    # a missing-manifest error for each of them (explain: "version areas is invalid")
    for given, what in ((tree_copy / POLICY, "holds the version folder phase-1 itself, so it is a policy folder"),
                        (tree_copy / POLICY / VERSION, "is a version folder")):
        result = cli(*command, "--policies", str(given))
        assert result.exit_code == 2, result.output
        assert result.stderr.strip() == (f"sc-policy: error: {given}: {what}, not a policy tree (its tree would be "
                                         f"{tree_copy})"), result.stderr
    assert cli(*command, "--policies", str(tree_copy)).exit_code in (0, 1)  # the tree itself


def test_a_new_version_folder_without_manifest_names_it(tree_copy, no_cache):
    (tree_copy / POLICY / "phase-2" / "areas").mkdir(parents=True)
    result = cli("explain", "2174", "--policies", str(tree_copy))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"sc-policy: error: {POLICY}/phase-2/version.yaml: cannot choose the version "
                                    "in force: version phase-2 is invalid: missing-manifest")
    assert result.stderr.strip().endswith(f"(run `sc-policy check --policies {tree_copy}`, or name a version with "
                                          "--version)")
    # naming the version that works still works
    assert cli("explain", "2174", "--version", VERSION, "--policies", str(tree_copy)).exit_code == 0


@pytest.mark.parametrize("where,expression", [
    ("condition", "noc.__class__ == 'x'"),
    ("condition", "noc.__class__.__init__.__globals__ != null"),
    ("when", "area_occupations.__len__ > 0"),
])
def test_an_expression_reaching_outside_the_facts_is_refused_at_load(tree_copy, where, expression, no_cache):
    path = version_dir(tree_copy) / "clauses" / "noc-a-exception.yaml"
    text = path.read_text(encoding="utf-8")
    old = {"condition": "condition: noc in area_noc_a", "when": 'when: noc_level == "A"'}[where]
    assert old in text
    path.write_text(text.replace(old, f'{where}: "{expression}"'), encoding="utf-8")
    line = text.splitlines().index(old) + 1
    column = len(f'{where}: "') + 1 + expression.index(".__") + 1  # at the attribute's name
    result = cli("explain", "2174", "--policies", str(tree_copy))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"sc-policy: error: {V}/clauses/noc-a-exception.yaml:{line}:{column}: ")
    assert "unknown attribute '__" in result.stderr and f"{where}:" in result.stderr
    checked = cli("check", "--policies", str(tree_copy))
    assert checked.exit_code == 1 and f"noc-a-exception.yaml:{line}:{column}: error expression:" in checked.stdout


def test_a_template_reaching_outside_the_facts_is_refused_at_load(tree_copy, no_cache):
    path = version_dir(tree_copy) / "clauses" / "skill-level-limit.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('fail: "{noc} is at', 'fail: "{noc.__class__} is at'), encoding="utf-8")
    result = cli("explain", "2174", "--policies", str(tree_copy))
    assert result.exit_code == 2
    assert "skill-level-limit.yaml:" in result.stderr and "must be a plain fact name" in result.stderr


# -- nothing is written into the tree ------------------------------------------------------------

def snapshot(root: Path) -> dict:
    out = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        out[path.relative_to(root).as_posix()] = (info.st_mode, info.st_size, info.st_mtime_ns, digest)
    return out


READ_ONLY = [
    ["explain", "2174", "--industry", "541514"],
    ["explain", "21233", "--noc-version", "2021", "--format", "json"],
    ["explain", "9999"],
    ["versions"],
    ["versions", "--format", "json"],
    ["check"],
    ["check", "--format", "json"],
    ["test", "--coverage"],
    ["test", "--format", "json"],
    ["diff", VERSION, VERSION],
    ["table", VERSION],
]


def test_no_read_only_command_writes_into_the_tree(tree_copy, tmp_path):
    before = snapshot(tree_copy)
    ran = 0
    for args in READ_ONLY:
        result = cli(*args, "--policies", str(tree_copy))
        assert result.exit_code in (0, 1, 2), (args, result.output)
        ran += 1
    assert ran >= 8
    assert snapshot(tree_copy) == before


@pytest.mark.parametrize("expression,words", [
    ('noc_title[100] == "x"', "has no item 100"),
    ('$parse_float(noc_title) > 0', "function call failed"),
])
def test_an_expression_that_fails_on_some_input_is_named_not_a_traceback(tree_copy, expression, words, no_cache):
    """It compiles, but fails when evaluated: the clause's line, exit 2, for every command that decides;
    `check` reports it as an `expression` finding at that line and exits 1."""
    path = version_dir(tree_copy) / "clauses" / "occupation-listed.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("condition: noc in area_occupations",
                                 "condition: '" + expression.replace("'", "''") + "'"), encoding="utf-8")
    for args in (["explain", "2174"], ["test"]):
        result = cli(*args, "--policies", str(tree_copy))
        assert result.exit_code == 2, (args, result.output)
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"sc-policy: error: {V}/clauses/occupation-listed.yaml:6:1: version {VERSION} is "
                               "invalid: expression: clause 'occupation-listed', condition: cannot be evaluated for NOC ")
        assert words in line
    result = cli("check", "--policies", str(tree_copy))
    assert result.exit_code == 1, result.output
    (line,) = [l for l in result.stdout.splitlines() if " error " in l]
    assert line.startswith(f"{V}/clauses/occupation-listed.yaml:6:1: error expression: clause 'occupation-listed', "
                           "condition: cannot be evaluated for NOC ")
    assert words in line


def test_more_errors_than_the_one_named_are_a_run_check_suggestion(tree_copy, no_cache):
    """A version with several errors names the first; the rest are a ``run-check`` suggestion with their
    number, which the command line words as `sc-policy check`."""
    from sc_policy.app.workspace import Workspace
    from sc_policy.diagnostics import PolicyInvalidError
    (version_dir(tree_copy) / "areas" / "ict.yaml").write_text("id: [\n", encoding="utf-8")
    (version_dir(tree_copy) / "clauses" / "occupation-listed.yaml").write_text("id: [\n", encoding="utf-8")
    with pytest.raises(PolicyInvalidError) as caught:
        Workspace(tree_copy, cache=False).open(VERSION)
    more = len(caught.value.findings) - 1
    assert more >= 1 and (caught.value.suggestion.kind, caught.value.suggestion.values) == ("run-check", (str(more),))
    assert "sc-policy" not in str(caught.value) and f"(and {more} more {'error' if more == 1 else 'errors'}; " in str(caught.value)
    result = cli("explain", "2174", "--policies", str(tree_copy))
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(f"(and {more} more {'error' if more == 1 else 'errors'}; run `sc-policy check --policies {tree_copy}`)"), result.stderr


def test_a_clause_that_does_not_compile_is_counted_with_the_other_errors(tree_copy, no_cache):
    """A draft with a mistyped fact and an unknown NOC code: `explain` named the expression alone, with no
    "(and 1 more error)", as if fixing it would do; the version's other errors are counted as `check` lists them."""
    clause = version_dir(tree_copy) / "clauses" / "skill-level-limit.yaml"
    clause.write_text(clause.read_text(encoding="utf-8").replace("condition: noc_level in", "condition: noc_levle in"),
                      encoding="utf-8")
    area = version_dir(tree_copy) / "areas" / "ict.yaml"
    area.write_text(area.read_text(encoding="utf-8").replace("- code: '2281'", "- code: '2218'"), encoding="utf-8")
    checked = cli("check", "--policies", str(tree_copy), "--severity", "error")
    assert checked.exit_code == 1 and len(checked.stdout.splitlines()) == 2, checked.stdout
    for args in (["explain", "2174"], ["test"]):
        result = cli(*args, "--policies", str(tree_copy))
        assert result.exit_code == 2, result.output
        assert result.stderr.strip().endswith(f"(and 1 more error; run `sc-policy check --policies {tree_copy}`)"), \
            result.stderr


def test_schema_findings_are_classified_by_cerberus_error_codes(tmp_path):
    """unknown-key, missing-key and wrong-type come from Cerberus's error codes (UNKNOWN_FIELD,
    REQUIRED_FIELD, BAD_TYPE and BAD_TYPE_FOR_SCHEMA); every other Cerberus error is ``schema``."""
    from sc_policy.load.schema import validate
    from sc_policy.load.yamlfile import load_document
    path = tmp_path / "version.yaml"
    path.write_text(f"id: Phase_1\ntitle: 12\nstatus: nope\neffective_from: true\n"
                    f"assumptions: {{effective_from: '', bogus: x}}\nsource_document: x\n"
                    f"table_sha256: '{'a' * 64}'\nextra: 1\n", encoding="utf-8")
    found = [(f.code, f.message) for f in validate(load_document(path, "version.yaml"), "manifest")]
    assert found == [
        ("missing-key", "missing required key 'policy'"),  # at the file's start
        ("schema", "id: 'Phase_1' is not 1 to 64 lower-case letters, digits, '.', '_' and '-', starting with a "
                   "letter or digit"),
        ("wrong-type", "title: must be of string type (YAML reads this value as a number: write it in quotes to "
                       "give it as text)"),
        ("schema", "status: unallowed value nope (allowed: draft, in-force, superseded)"),
        ("wrong-type", "effective_from: must be of date type (write the day as YYYY-MM-DD, without quotes, "
                       "e.g. 2027-04-01)"),
        ("schema", "assumptions.effective_from: empty values not allowed"),
        ("schema", "assumptions.bogus: unallowed value bogus (allowed: effective_from, effective_to)"),
        ("wrong-type", "source_document: must be of dict type"),
        ("schema", "table_sha256: field 'sha256' is required"),
        ("unknown-key", "unknown key 'extra'"),
    ], found


@pytest.mark.parametrize("kind, text, said", [
    ("area", "sections:\n- {lines: '60-76', what: the list}\n", "sections.0.what: unallowed value the list (allowed: definition, list)"),
    ("area", "occupations:\n- {code: '2174', title: x, level: b, source: []}\n", "occupations.0.level: unallowed value b (allowed: 0, A, B, C, D)"),
    ("area", "sections:\n- {lines: '60 to 76', what: list}\n", "sections.0.lines: '60 to 76' is not a line or a range of lines, e.g. '17-27' or '58' (at most 9 digits each)"),
    ("clause", "id: Industry_in_area\n", "id: 'Industry_in_area' is not lower-case letters, digits and '-', starting with a letter"),
    ("clause", "version: '3'\n", "version: must be of integer type (write the number without quotes, e.g. 3)"),
    ("clause", "version: true\n", "version: must be of integer type (true and false are not numbers)"),
    ("area", "occupations:\n- {code: 2174, title: x, level: B, source: []}\n",
     'occupations.0.code: must be of string type (write codes in quotes, e.g. "2174")'),
    ("area", "industries:\n  include:\n  - {code: 334, description: x, source: []}\n",  # a NAICS example for NAICS
     'industries.include.0.code: must be of string type (write codes in quotes, e.g. "541514")'),
    ("resolutions", "resolutions:\n- {id: x, resolves: [noc-a-limit], finding: f, decision: d, source: []}\n",
     "resolutions.0.resolves.0: 'noc-a-limit' is not a finding's key, check-id:subject, e.g. 'noc-a-limit:ict'"),
    ("tests", "cases:\n- {name: x, noc: '2174', expect: {eligible: true, candidates: ['02174']}}\n",
     "cases.0.expect.candidates.0: '02174' is not four digits"),
])
def test_a_value_the_schema_refuses_is_told_what_it_allows_in_words(tmp_path, kind, text, said):
    # Cerberus's own words were "unallowed value b" (not which are allowed) and "value does not match regex
    # '^[a-z][a-z0-9-]*$'" (a regular expression, for an analyst); "must be of integer type" for '3'
    from sc_policy.load.schema import validate
    from sc_policy.load.yamlfile import load_document
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    found = [f.message for f in validate(load_document(path, "x.yaml"), kind)]
    assert said in found, found


@pytest.mark.parametrize("value, kind", [("true", "true or false"), ("2026-01-01", "a date"), ("0.5", "a number"),
                                         # an expression that starts with a bracket and parses whole as YAML
                                         ('[c for c in industry_prefixes if c == "32"]', "a list"),
                                         ('{"31", "32"}', "a mapping")])
def test_a_text_yaml_reads_as_another_type_says_to_quote_it(tmp_path, value, kind):
    from sc_policy.load.schema import validate
    from sc_policy.load.yamlfile import load_document
    path = tmp_path / "x.yaml"  # `condition: true` is a rule-engine expression, but YAML gives a boolean
    path.write_text(f"id: x\nversion: 1\ntitle: x\napplies_to: [ict]\ncondition: {value}\n"
                    f"explain: {{pass: a, fail: b}}\n", encoding="utf-8")
    found = [(f.code, f.message) for f in validate(load_document(path, "x.yaml"), "clause")]
    assert ("wrong-type", f"condition: must be of string type (YAML reads this value as {kind}: write it in "
                          f"quotes to give it as text)") in found, found


def test_a_file_parsed_again_gives_equal_data_that_callers_cannot_share(tree_copy):
    from sc_policy.load.yamlfile import load_document
    path = tree_copy / POLICY / VERSION / "areas" / "ict.yaml"
    first, second = load_document(path, "ict.yaml"), load_document(path, "ict.yaml")
    assert first == second and first.spans == second.spans
    first.data["occupations"].clear()  # one caller's change to its data reaches no other caller
    assert load_document(path, "ict.yaml").data == second.data and second.data["occupations"]
    path.write_text(path.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    assert "titel" in str(load_document(path, "ict.yaml").data)  # an edited file is read as edited


@pytest.mark.parametrize("opening, closing", [("[", "]"), ("{a: ", "}")])
def test_flow_collections_nested_over_100_deep_are_refused_as_nested_too_deeply(opening, closing):
    """PyYAML's scanner takes time quadratic in the depth of ``[`` and ``{``: the loader stops at 100
    (rule files nest a few levels), with the words and code of any nesting too deep, however deep it goes."""
    from sc_policy.diagnostics import PolicyLoadError
    from sc_policy.load.yamlfile import parse_document

    def text(depth: int) -> bytes:
        return f"id: {opening * depth}1{closing * depth}\n".encode()

    data = parse_document(text(100), "deep.yaml").data["id"]
    for _ in range(100):
        data = data[0] if isinstance(data, list) else data["a"]
    assert data == 1
    for depth in (101, 2_000, 100_000):  # the last under the 1 MB limit for rule files
        with pytest.raises(PolicyLoadError) as refused:
            parse_document(text(depth), "deep.yaml")
        diagnostic = refused.value.diagnostic
        assert (diagnostic.code, diagnostic.message, diagnostic.span.path) == ("yaml-syntax", "YAML nested too deeply",
                                                                               "deep.yaml")


@pytest.mark.parametrize("text, where, advised", [
    ("id: x\ntitle: Step one: apply\n", (2, 16), True),
    ("id: x\nsource:\n  - line: 12\n    quote: Note: the list\n", (4, 16), True),
    ("id: x\ntitle: 'Step one': apply\n", None, False),  # quoted already: another mistake
    ("id: x\nexplain:\n  pass: a\n   fail: b\n", None, False),  # an indentation slip, not a colon
    ("id: x\nsource:\n- {line: 82, quote: Note: A number of occupations}\n", (3, 25), True),  # flow style
])
def test_a_colon_inside_a_plain_value_is_advised_to_be_quoted(text, where, advised):
    from sc_policy.diagnostics import PolicyLoadError
    from sc_policy.load.yamlfile import parse_document
    with pytest.raises(PolicyLoadError) as caught:
        parse_document(text.encode(), "clause.yaml")
    error = caught.value
    assert error.code == "yaml-syntax"
    if where is not None:
        assert (error.span.line, error.span.column) == where
    assert ("must be in quotes" in str(error)) is advised, str(error)
    assert (error.suggestion is not None and error.suggestion.kind == "note") is advised


@pytest.mark.parametrize("text, advised", [
    ('id: x\ncondition: [c for c in industry_prefixes if c in ["32", "33"]].length > 0\n', True),
    ('id: x\nwhen: {"31", "32"} & industry_prefixes\n', True),
    ("id: x\nsource:\n- {line: 82 quote: A}\nnext: [a b: c]\n", False),  # a flow mapping of another key
    # a list or set that parses whole, then more of the expression: it was "this line is indented differently"
    ('id: x\ncondition: ["2174", "2175"].length > 0 and noc in ["2174"]\n', True),
    ('id: x\nwhen: {"32", "33"}.length > 0\n', True),
    ('id: x\ncondition: ["A", "B", "C"][0] == noc_level\n', True),
    ("id: x\nexplain:\n  pass: a\n fail: b\n", False),  # an indentation slip stays one
])
def test_an_expression_that_starts_with_a_bracket_is_advised_to_be_quoted(text, advised):
    # YAML reads `condition: [c for c ...` as a list: "expected ',' or ']', but got '['" said nothing of quotes
    from sc_policy.diagnostics import PolicyLoadError
    from sc_policy.load.yamlfile import parse_document
    with pytest.raises(PolicyLoadError) as caught:
        parse_document(text.encode(), "clause.yaml")
    assert caught.value.code == "yaml-syntax"
    note = caught.value.suggestion.text if caught.value.suggestion is not None else ""
    assert ("is read as a YAML list or mapping" in note) is advised, str(caught.value)


@pytest.mark.parametrize("text", ["id: x\ntitle: 'it's'\nnext: 1\n", 'id: x\ntitle: "X" and more\nnext: 1\n',
                                  "id: x\nsource:\n  - title: 'a'b\n"])
def test_text_after_a_closing_quote_is_not_called_an_indentation_slip(text):
    from sc_policy.diagnostics import PolicyLoadError
    from sc_policy.load.yamlfile import parse_document
    with pytest.raises(PolicyLoadError) as caught:
        parse_document(text.encode(), "clause.yaml")
    error = caught.value
    assert error.message.startswith("YAML syntax error: text after the closing quote of a quoted value"), error.message
    assert "indented" not in error.message and error.span.line == text[:text.index("'" if "'" in text else '"')].count("\n") + 1
    assert error.suggestion.text == "quote the whole value; inside single quotes write a quote twice ('it''s')"


def test_a_date_and_time_is_not_a_day_for_a_manifest(tree_copy):
    manifest = tree_copy / POLICY / VERSION / "version.yaml"
    text = manifest.read_text(encoding="utf-8")
    start = next(line for line in text.splitlines() if line.startswith("effective_from:"))
    manifest.write_text(text.replace(start, start + "T10:00:00"), encoding="utf-8")  # a YAML timestamp
    result = CliRunner().invoke(main, ["check", "--policies", str(tree_copy)])
    line = text.splitlines().index(start) + 1
    assert result.exit_code == 1
    assert f"{POLICY}/{VERSION}/version.yaml:{line}:1: error wrong-type: effective_from: must be of date type" \
        in result.stdout


def test_a_yaml_file_named_unlike_a_rule_file_names_the_rule_file_it_would_be(tree_copy):
    # clauses/x.yml is ignored: its clause silently drops out of the version; the warning says how it is read
    v = version_dir(tree_copy)
    (v / "clauses" / "skill-level-limit.yaml").rename(v / "clauses" / "skill-level-limit.yml")
    (v / "areas" / "ict.yaml").rename(v / "areas" / "ICT.YAML")
    (v / "tests" / "old").mkdir()
    (v / "tests" / "industries.yaml").rename(v / "tests" / "old" / "industries.yaml")
    (v / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    (v / "areas" / "life-sciences.yml").write_text("a: 1\n", encoding="utf-8")  # beside the real one
    tree = PolicyTree(tree_copy)
    loaded = tree.load(next(r for r in tree.refs() if r.id == VERSION))
    found = {f.span.path.rsplit("/", 1)[-1]: (f.code, f.message) for f in loaded.findings
             if f.code in ("unknown-file", "misnamed-file")}
    ignored = ("unknown-file", "file is not a rule file of any kind and is ignored")
    left_out = ("file is not a rule file of any kind and is not read: what it holds is left out of the version (to be "
                "read, name it {}; else move it out of the version folder)")
    assert found == {"skill-level-limit.yml": ("misnamed-file", left_out.format("clauses/skill-level-limit.yaml")),
                     "ICT.YAML": ("misnamed-file", left_out.format("areas/ict.yaml")),
                     "industries.yaml": ("misnamed-file", left_out.format("tests/industries.yaml")),
                     "notes.yaml": ignored, "life-sciences.yml": ignored}  # beside the real one: nothing left out


def test_a_draft_cannot_lose_a_misnamed_rule_file_silently(shipped_copy):
    """A clause saved as clauses/x.yml is not read: in a draft it is an error, so that neither check (exit 1)
    nor freeze (exit 2) lets the draft lose it; in a frozen version, whose hash never covered it, a warning."""
    tree = str(shipped_copy)
    assert cli("new-version", VERSION, "phase-2", "--effective-from", "2030-01-01", "--title", "Phase II",
               "--policies", tree).exit_code == 0
    draft = shipped_copy / POLICY / "phase-2"
    (draft / "clauses" / "skill-level-limit.yaml").rename(draft / "clauses" / "skill-level-limit.yml")
    shown = f"{POLICY}/phase-2/clauses/skill-level-limit.yml"
    checked = cli("check", "phase-2", "--policies", tree)
    assert checked.exit_code == 1, checked.output
    assert (f"{shown}: error misnamed-file: file is not a rule file of any kind and is not read: what it holds is "
            f"left out of the version (to be read, name it clauses/skill-level-limit.yaml; else move it out of the "
            f"version folder)") in checked.output
    refused = cli("freeze", "phase-2", "--policies", tree)
    assert refused.exit_code == 2 and "cannot freeze phase-2" in refused.stderr and shown in refused.stderr
    assert "\nstatus: draft\n" in (draft / "version.yaml").read_text(encoding="utf-8")  # nothing frozen
    # a stray clause beside a frozen version's files: its decisions are as frozen, so it stays usable
    (version_dir(shipped_copy) / "clauses" / "extra.yml").write_text("id: extra\n", encoding="utf-8")
    frozen = cli("check", VERSION, "--policies", tree)
    assert frozen.exit_code == 0, frozen.output
    assert (f"{POLICY}/{VERSION}/clauses/extra.yml: warning misnamed-file: file is not a rule file of any kind and "
            f"is not read, and not covered by the frozen version's content hash (to be read, name it "
            f"clauses/extra.yaml in a new version)") in frozen.output
    assert cli("explain", "2174", "--version", VERSION, "--policies", tree).exit_code == 0
    (draft / "clauses" / "skill-level-limit.yml").rename(draft / "clauses" / "skill-level-limit.yaml")
    assert cli("freeze", "phase-2", "--policies", tree).exit_code == 0
    # renamed once frozen (its freeze recorded each file): the hash-mismatch is the error; the name to restore
    (draft / "clauses" / "skill-level-limit.yaml").rename(draft / "clauses" / "skill-level-limit.yml")
    changed = cli("check", "phase-2", "--policies", tree)
    assert changed.exit_code == 1 and "error hash-mismatch" in changed.output, changed.output
    assert (f"{shown}: warning misnamed-file: file is not a rule file of any kind and is not read: the version was "
            f"frozen with it named clauses/skill-level-limit.yaml (name it so again)") in changed.output


@pytest.mark.parametrize("text, line", [('id: x\ntitle: "caf\\ud800"\n', 2), ('id: x\n"k\\udfff": 1\n', 2),
                                        ('id: x\nsource:\n  - quote: "\\U0000DC80"\n', 3)],
                         ids=["in a value", "in a key", "as a long escape in a list"])
def test_an_escape_naming_no_character_is_refused_at_its_line(text, line):
    """A lone surrogate (``"\\ud800"``) is no character: UTF-8 cannot write it, and hashing the version
    raised UnicodeEncodeError as a traceback."""
    from sc_policy.diagnostics import PolicyLoadError
    from sc_policy.load.yamlfile import parse_document
    with pytest.raises(PolicyLoadError) as caught:
        parse_document(text.encode(), "clause.yaml")
    error = caught.value
    assert (error.code, error.span.path, error.span.line) == ("encoding", "clause.yaml", line)
    assert "lone surrogate" in error.message and "names no character" in error.message, error.message
    assert error.message.isascii()


def test_explain_refuses_a_lone_surrogate_in_one_line(tree_copy, no_cache):
    manifest = version_dir(tree_copy) / "version.yaml"
    text = manifest.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    manifest.write_text(text.replace(title, 'title: "D\\ud800"'), encoding="utf-8")
    result = cli("explain", "2174", "--version", VERSION, "--policies", str(tree_copy))
    assert result.exit_code == 2 and result.stdout == ""
    (message,) = result.stderr.splitlines()
    line = text.splitlines().index(title) + 1
    assert message.startswith(f"sc-policy: error: {V}/version.yaml:{line}:8: version {VERSION} is invalid: encoding: ")


@pytest.mark.parametrize("text, words", [
    ("id: " + "9" * 5_000 + "\n", "cannot read value '99999"),  # over Python's digits limit for int()
    # int(text, 16) has no digits limit, but repr() of its value has: `check` was a ValueError traceback
    ("id: 0x" + "f" * 4_000 + "\n", "cannot read value '0xfff"),
    ("id: 0x" + "f" * 20_000 + "\n", "cannot read value '0xfff"),
    ("id: 0b" + "1" * 20_000 + "\n", "cannot read value '0b111"),
    ("id: 0" + "7" * 20_000 + "\n", "cannot read value '07777"),  # YAML 1.1 octal
    ("id: 1:" + ":".join(["59"] * 3_000) + "\n", "cannot read value '1:59:"),  # base 60
    ("id: x\n" + "9" * 1_000 + ": 1\n", "key '99999"),  # a number as a key
    ("id: x\nk" + "x" * 1_000 + ": 1\nk" + "x" * 1_000 + ": 2\n", "duplicate key 'kxxxx"),
], ids=["a number of 5,000 digits", "hexadecimal of 4,000 digits", "hexadecimal of 20,000 digits",
        "binary", "octal", "base 60", "a number as a key", "a duplicate key"])
def test_a_huge_value_in_an_error_is_cut(text, words):
    """The message repeats 40 characters of the value, not all of it (a 900,000-digit number was a 900 kB line)."""
    from sc_policy.diagnostics import PolicyLoadError
    from sc_policy.load.yamlfile import parse_document
    with pytest.raises(PolicyLoadError) as caught:
        parse_document(text.encode(), "clause.yaml")
    message = caught.value.message
    assert words in message and "\u2026'" in message and len(message) < 200, message
    assert "sys.set_int_max_str_digits" not in message


def test_a_huge_integer_is_refused_on_a_python_without_a_digits_limit(monkeypatch):
    """Python 3.10 before 3.10.7 (which setup.cfg allows) has no sys.get_int_max_str_digits: every integer of
    every rule file was an AttributeError traceback."""
    import sys
    from sc_policy.diagnostics import PolicyLoadError
    from sc_policy.load.yamlfile import parse_document
    monkeypatch.delattr(sys, "get_int_max_str_digits", raising=False)
    assert parse_document(b"version: 3\n", "clause.yaml").data == {"version": 3}
    with pytest.raises(PolicyLoadError) as caught:
        parse_document(("id: 0x" + "f" * 20_000 + "\n").encode(), "clause.yaml")
    assert "cannot read value '0xfff" in caught.value.message and "(4300 digits)" in caught.value.message


def test_a_duplicate_key_names_its_entry_cut_when_huge():
    """The entry a duplicate key is in is named (as a schema finding names it), cut like a value."""
    from sc_policy.diagnostics import PolicyLoadError
    from sc_policy.load.yamlfile import parse_document
    with pytest.raises(PolicyLoadError) as caught:
        parse_document(("id: x\nk" + "x" * 1_000 + ":\n  a: 1\n  a: 2\n").encode(), "clause.yaml")
    message = caught.value.message
    assert message.startswith("duplicate key 'a' in kxxxx") and message.endswith("\u2026 (first at line 3)")
    assert len(message) < 200, message

@pytest.mark.parametrize("kind, text, words", [
    ("clause", "version: '" + "9" * 5_000 + "'\n", "version: must be of integer type (write the number without quotes"),
    ("clause", "id: " + "Q" * 3_000 + "\n", "id: 'QQQQ"),
], ids=["a quoted number of 5,000 digits", "an id of 3,000 characters"])
def test_a_huge_value_the_schema_refuses_is_cut_in_its_words(tmp_path, kind, text, words):
    """The schema's advice in words quoted the whole value (an id of 3,000 characters was a 3 kB line), and
    int() of a quoted number over Python's 4,300 digits was a ValueError traceback from `check`."""
    from sc_policy.load.schema import validate
    from sc_policy.load.yamlfile import load_document
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    found = [f.message for f in validate(load_document(path, "x.yaml"), kind)]
    [message] = [m for m in found if m.startswith(words)]
    assert "\u2026" in message and len(message) < 200, message


def test_a_schema_checked_for_damage_is_not_validated_again_by_the_validator(monkeypatch):
    """schema_for checks each of sc-policy's own schemas (schema-damaged) with a Cerberus validator: it was
    Cerberus's plain Validator, whose types differ from those of the validator that reads the files, so
    Cerberus validated every schema twice (some 17 ms more for each process that reads a rule file)."""
    import cerberus
    from sc_policy.load import schema
    validated = []
    real = cerberus.schema.DefinitionSchema._validate
    monkeypatch.setattr(cerberus.schema.DefinitionSchema, "_validate",
                        lambda self, definition: (validated.append(1), real(self, definition))[1])
    schema.schema_for.cache_clear()
    cerberus.Validator.clear_caches()
    try:
        for kind in schema.FILE_KINDS:
            schema.schema_for(kind)
        checked = len(validated)
        assert checked
        for kind in schema.FILE_KINDS:
            schema._validator(kind)
        assert len(validated) == checked
    finally:
        schema.schema_for.cache_clear()


def test_an_integer_in_base_60_of_a_whole_file_is_refused_before_it_is_computed():
    """PyYAML computes `1:59:59:...` by multiplying by 60 once per part, in time quadratic in the text:
    a rule file of 900 kB of it took about 20 s, to end in a value no repr could print."""
    import time
    from sc_policy.diagnostics import PolicyLoadError
    from sc_policy.load.yamlfile import parse_document
    text = "version: 1:" + ":".join(["59"] * 300_000) + "\n"
    started = time.process_time()
    with pytest.raises(PolicyLoadError) as caught:
        parse_document(text.encode(), "clause.yaml")
    assert time.process_time() - started < 5
    assert caught.value.message.startswith("cannot read value '1:59:59") and len(caught.value.message) < 200


@pytest.mark.parametrize("file, old, new", [
    ("tests/noc-2021.yaml", "line: 66", "line: 1" + "0" * 4_000),
    ("clauses/skill-level-limit.yaml", "\nversion: 3\n", "\nversion: 3" + "0" * 4_000 + "\n"),
], ids=["a quote's line", "a clause's version"])
def test_a_number_of_thousands_of_digits_is_over_the_schemas_maximum_not_a_line_of_thousands(tree_copy, file, old,
                                                                                              new, no_cache):
    """A quote's line of 4,001 digits passed the schema, and check repeated all of it in its citation-line
    finding (a 4 kB line); a clause's version so long went into every decision's JSON."""
    path = version_dir(tree_copy) / file
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    result = cli("check", "--policies", str(tree_copy))
    found = [line for line in result.stdout.splitlines() if f"{V}/{file}:" in line and " error " in line]
    assert found and all(len(line) < 300 for line in found), found
    assert any("max value is 999999999" in line for line in found), found
