"""Lines 56 and 149 put in scope "all occupations in manufacturing with greater than 1,500 employees in 2019";
line 145 and the list that follows it put in scope 56 occupations at NOC A, B and C. The rules follow the list:
`check` reports the two sentences (``all-occupations``), and phase-1.2's resolution manufacturing-list-governs,
which bears on every Manufacturing answer (an ``affects`` entry without codes), records why."""

from __future__ import annotations

import pytest

from sc_policy.app.checking import check_tree
from sc_policy.app.workspace import Workspace
from sc_policy.checks.registry import CHECKS, RESOLVABLE
from sc_policy.present.render import answer_to_dict

from conftest import POLICY, VERSION, edit, version_dir

KEYS = ["all-occupations:manufacturing:line-149", "all-occupations:manufacturing:line-56"]
RESOLUTION = """  - id: manufacturing-list-governs
    resolves:
      - all-occupations:manufacturing:line-56
      - all-occupations:manufacturing:line-149
"""


def _found(findings, version):
    return sorted((f.key, f.severity, f.resolution) for f in findings
                  if f.code == "all-occupations" and f"/{version}/" in f"/{f.span.path}")


def test_the_shipped_versions_report_the_sentences_that_put_all_occupations_in_scope():
    assert "all-occupations" in CHECKS and "all-occupations" in RESOLVABLE
    findings = check_tree(None, None)
    assert _found(findings, VERSION) == [(k, "info", "manufacturing-list-governs") for k in KEYS]
    # phase-1.1 is frozen without the resolution: the same contradiction, reported and unresolved
    assert _found(findings, "phase-1.1") == [(k, "warning", "") for k in KEYS]
    assert _found(findings, "phase-1") == []  # its areas name no sections: nothing says which text is theirs
    (f,) = [f for f in findings if f.key == KEYS[1] and f"/{VERSION}/" in f"/{f.span.path}"]
    assert f.span.path.endswith(f"{POLICY}/{VERSION}/areas/manufacturing.yaml")
    assert ("line 56 of second-career-fast-track/source/second-career-fast-track.txt puts in scope 'In scope "
            "occupations include all occupations in manufacturing with greater than 1,500 employees in 2019.', but "
            "the area's list publishes 56 occupations") in f.message


def test_without_its_resolution_each_sentence_is_a_warning_naming_its_key(tree_copy):
    edit(version_dir(tree_copy) / "resolutions.yaml", RESOLUTION, RESOLUTION.replace(
        "manufacturing-list-governs", "manufacturing-list-governs-56").replace(
        "      - all-occupations:manufacturing:line-149\n", ""))
    findings = check_tree(tree_copy, [VERSION])
    assert _found(findings, VERSION) == [(KEYS[0], "warning", ""), (KEYS[1], "info", "manufacturing-list-governs-56")]
    (warned,) = [f for f in findings if f.key == KEYS[0]]
    assert warned.suggestion is not None and KEYS[0] in warned.suggestion.text


def test_an_area_that_no_longer_says_all_occupations_has_no_finding_and_its_resolution_is_stale(tree_copy):
    source = tree_copy / POLICY / "source" / "second-career-fast-track.txt"
    text = source.read_text(encoding="utf-8").replace("include all occupations in manufacturing",
                                                      "include the occupations below in manufacturing")
    source.write_text(text, encoding="utf-8")
    findings = check_tree(tree_copy, [VERSION], source=source)
    assert _found(findings, VERSION) == []
    assert sorted(f.key for f in findings if f.code == "stale-resolution") == [
        f"stale-resolution:manufacturing-list-governs:{k}" for k in KEYS]


def test_a_resolution_affecting_the_unlisted_occupations_of_an_area_bears_on_their_answers_only(ws):
    opened = ws.open(VERSION)
    for noc, unlisted in (("0911", True), ("7312", True), ("9461", False), ("2174", False)):  # 9461, 2174: listed
        data = answer_to_dict(opened.evaluator.answer(noc))
        bearing = {a["area"]: a["resolutions"] for a in data["areas"]}
        assert ("manufacturing-list-governs" in bearing["manufacturing"]) is unlisted, (noc, bearing)
        assert all("manufacturing-list-governs" not in ids for area, ids in bearing.items() if area != "manufacturing")
        assert ("manufacturing-list-governs" in [r["id"] for r in data["resolutions"]]) is unlisted, noc


@pytest.mark.parametrize("entry, errors", [
    ("{area: manufacturing}", ["missing-key", "missing-key"]),       # neither: codes, or unlisted, is missing
    ("{area: manufacturing, codes: []}", ["schema"]),
    ("{area: manufacturing, unlisted: false}", ["schema"]),
    ("{area: manufacturing, unlisted: true, codes: ['9461']}", ["schema", "schema"])])  # each excludes the other
def test_an_affects_entry_names_codes_or_says_unlisted_true_one_of_them(tree_copy, entry, errors):
    path = version_dir(tree_copy) / "resolutions.yaml"
    edit(path, "      - {area: manufacturing, unlisted: true}\n", f"      - {entry}\n")
    findings = check_tree(tree_copy, [VERSION])
    assert [f.code for f in findings if f.severity == "error"] == errors, entry
    assert all(f.span.path.endswith("resolutions.yaml") for f in findings if f.severity == "error")
    edit(path, f"      - {entry}\n", "      - {area: manufacturing, unlisted: true}\n")
    assert not [f for f in check_tree(tree_copy, [VERSION]) if f.severity == "error"]
    Workspace(tree_copy).open(VERSION)
