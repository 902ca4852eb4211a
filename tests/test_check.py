"""``sc-policy check``: the shipped policy's contradictions, resolved; an analyst's mistakes, found in place."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sc_policy.app.workspace import Workspace
from sc_policy.app.checking import check_tree
from sc_policy.load.tree import PolicyTree, select_version
from sc_policy.checks.registry import CHECKS
from sc_policy.cli import main
from sc_policy.diagnostics import PolicyInvalidError
from sc_policy.load.yamlfile import load_document
from sc_policy.resources import shipped_policies

from conftest import POLICY, SHIPPED, VERSION, edit, version_dir

REL = f"{POLICY}/{VERSION}"
SOURCE = shipped_policies() / POLICY / "source" / "second-career-fast-track.txt"


def run_check(*args, policies=None, fmt="json"):
    argv = ["check", *args, "--format", fmt]
    if policies is not None:
        argv += ["--policies", str(policies)]
    result = CliRunner().invoke(main, argv)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.output
    if fmt == "json" and result.exit_code in (0, 1):
        return result.exit_code, json.loads(result.stdout)
    return result.exit_code, result


def errors(findings):
    return [f for f in findings if f["severity"] == "error"]


def with_check(findings, check):
    return [f for f in findings if f["check"] == check]


def entry_line(root: Path, area: str, code=None, title=None, nth=0, version=VERSION) -> int:
    """The line of the nth occupation entry with this code (or title), from the loader's own positions."""
    doc = load_document(root / POLICY / version / "areas" / f"{area}.yaml", "x")
    hits = [i for i, o in enumerate(doc.data["occupations"])
            if (code is not None and o.get("code") == code) or (title is not None and o.get("title") == title)]
    return doc.span(("occupations", hits[nth])).line


def line_of(path: Path, needle: str, nth: int = 0) -> int:
    lines = [n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in text]
    return lines[nth]


def edit_data(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")


# -- the shipped policy ---------------------------------------------------------------------------

SHIPPED_KEYS = {
    "noc-a-limit:ict": ("ict", "2175", None, 0),
    "duplicate-occupation:life-sciences:3219": ("life-sciences", "3219", None, 1),
    "duplicate-occupation:life-sciences:1411": ("life-sciences", "1411", None, 1),
    "missing-code:life-sciences:computer-programmers-and-interactive-media-developers":
        ("life-sciences", None, "Computer programmers and Interactive media developers", 0),
    "missing-code:manufacturing:computer-programmers-and-interactive-media-developers":
        ("manufacturing", None, "Computer programmers and interactive media developers", 0),
    "title-conflict:9232": ("manufacturing", "9232", None, 0),
}


def test_shipped_policy_reports_every_contradiction_resolved_and_exits_0():
    code, findings = run_check()
    assert code == 0, errors(findings)
    root = shipped_policies()
    for version in SHIPPED:  # each shipped version reports its own, in its own files
        rel = f"{POLICY}/{version}"
        by_key = {f.get("key"): f for f in findings if f["path"].startswith(f"{rel}/")}
        for key, (area, noc, title, nth) in SHIPPED_KEYS.items():
            f = by_key[key]
            assert f["severity"] == "info" and f["resolution"], f
            assert f["path"] == f"{rel}/areas/{area}.yaml"
            assert f["line"] == entry_line(root, area, noc, title, nth, version)
            assert "[resolved by " in f["message"]
    assert set(findings[0]) >= {"path", "line", "column", "severity", "check", "message"}


def test_shipped_official_title_differences_are_warnings_giving_both_titles():
    # phase-1.1 (frozen) leaves them unresolved; the version in force resolves the four (titles-not-noc-2016, and
    # 9232's with its other title conflict)
    resolved = {f.subject: (f.severity, f.resolution) for f in check_tree(None, [VERSION]) if f.code == "official-title"}
    assert resolved == {**{f"manufacturing:{code}": ("info", "titles-not-noc-2016") for code in ("9461", "9213", "9465")},
                        "manufacturing:9232": ("info", "central-control-operators-two-titles")}
    findings = check_tree(None, ["phase-1.1"])
    warned = {f.subject: f for f in findings if f.code == "official-title"}
    assert {"manufacturing:9461", "manufacturing:9213", "manufacturing:9465", "manufacturing:9232"} <= set(warned)
    f = warned["manufacturing:9232"]
    assert f.severity == "warning"
    assert "'Petroleum, gas and chemical process operators'" in f.message
    assert "'Central control and process operators, petroleum, gas and chemical processing'" in f.message
    # letter case and dash style aside: ICT's capitalised titles and "specialists - wholesale" are not reported
    assert "ict:2174" not in warned and "life-sciences:6221" not in warned


def test_text_output_is_one_line_per_finding_sorted_by_path_and_line():
    code, result = run_check(fmt="text")
    assert code == 0
    lines = result.stdout.splitlines()
    pattern = re.compile(r"^(\S+):(\d+):(\d+): (error|warning|info) ([a-z0-9-]+): .+$")
    parsed = [pattern.match(line) for line in lines]
    assert lines and all(parsed), lines
    keys = [(m.group(1), int(m.group(2))) for m in parsed]
    assert keys == sorted(keys)
    assert all(m.group(5) in CHECKS for m in parsed)


@pytest.mark.parametrize("resolution", ["ict-two-noc-a", "life-sciences-listed-twice", "programmers-without-code",
                                        "central-control-operators-two-titles"])
def test_removing_any_one_resolution_fails_the_check(tree_copy, resolution):
    code, findings, removed = _check_without(tree_copy, resolution)
    assert code == 1
    unresolved = {f.get("key") for f in errors(findings)}
    warned = {f.get("key") for f in findings if f["severity"] == "warning"}  # a warning's key is a warning again
    assert {k for k in removed if not k.startswith("official-title:")} <= unresolved
    assert {k for k in removed if k.startswith("official-title:")} <= warned


@pytest.mark.parametrize("resolution", ["titles-not-noc-2016", "manufacturing-list-governs"])
def test_removing_a_resolution_of_warnings_makes_them_warnings_again(tree_copy, resolution):
    code, findings, removed = _check_without(tree_copy, resolution)
    assert code == 0
    warned = {f.get("key") for f in findings if f["severity"] == "warning" and f["path"].startswith(REL + "/")
              and f["check"] != "not-frozen"}  # (the copy's hashes are dropped)
    assert warned == set(removed) and len(warned) in (2, 3), warned


def _check_without(tree_copy, resolution):
    """``check`` of the tree without the version's resolution ``resolution``: its exit status, its findings
    (JSON) and the keys the resolution resolved."""
    removed = []

    def drop(data):
        removed.extend(key for r in data["resolutions"] if r["id"] == resolution for key in r["resolves"])
        data["resolutions"] = [r for r in data["resolutions"] if r["id"] != resolution]

    edit_data(version_dir(tree_copy) / "resolutions.yaml", drop)
    code, findings = run_check(policies=tree_copy)
    return code, findings, removed


def test_removing_one_key_from_resolves_fails_the_check(tree_copy):
    edit(version_dir(tree_copy) / "resolutions.yaml", "      - duplicate-occupation:life-sciences:1411\n", "")
    code, findings = run_check(policies=tree_copy)
    assert code == 1
    assert [f["key"] for f in errors(findings)] == ["duplicate-occupation:life-sciences:1411"]


def test_code_less_entry_without_its_resolution_counts_for_nothing(tree_copy):
    def drop(data):
        data["resolutions"] = [r for r in data["resolutions"] if r["id"] != "programmers-without-code"]
    edit_data(version_dir(tree_copy) / "resolutions.yaml", drop)
    findings = check_tree(tree_copy, [VERSION])  # the edited version (phase-1.1 keeps its resolution)
    missing = [f for f in findings if f.code == "missing-code"]
    assert len(missing) == 2 and all(f.severity == "error" for f in missing)
    assert "counts for nothing" in missing[0].message


# -- an analyst's typical mistakes, each at its file and line -------------------------------------

def _mistakes():
    """(name, edit(version folder) -> (file relative to the version, needle locating the line), check id)."""

    def duplicate_key(v):
        edit(v / "areas/ict.yaml", "title: Information and Communications Technology\n",
             "title: Information and Communications Technology\ntitle: ICT\n")
        return "areas/ict.yaml", "title: ICT"

    def unknown_key(v):
        edit(v / "clauses/skill-level-limit.yaml", "title: The occupation's", "titel: The occupation's")
        return "clauses/skill-level-limit.yaml", "titel:"

    def yaml_syntax(v):
        edit(v / "areas/life-sciences.yaml", "  level: C\n", "  level: [C\n")
        return "areas/life-sciences.yaml", None

    def wrong_type(v):
        edit(v / "areas/ict.yaml", "code: '2282'", "code: 2282")
        return "areas/ict.yaml", "code: 2282"

    def boolean_version(v):
        edit(v / "clauses/noc-a-exception.yaml", "version: 3\n", "version: true\n")
        return "clauses/noc-a-exception.yaml", "version: true"

    def expression(v):
        edit(v / "clauses/noc-a-exception.yaml", "condition: noc in area_noc_a", "condition: noc in area_noca")
        return "clauses/noc-a-exception.yaml", "condition:"

    def type_error(v):
        edit(v / "clauses/noc-a-exception.yaml", "condition: noc in area_noc_a", "condition: noc + 1 > 2")
        return "clauses/noc-a-exception.yaml", "condition:"

    def template(v):
        edit(v / "clauses/noc-a-exception.yaml", "{noc} is a NOC A occupation that", "{noc.__class__} is a NOC A occupation that")
        return "clauses/noc-a-exception.yaml", "pass:"

    def unknown_area(v):
        edit(v / "clauses/skill-level-limit.yaml", "applies_to: [ict, life-sciences, manufacturing]",
             "applies_to: [ict, life-science, manufacturing]")
        return "clauses/skill-level-limit.yaml", "applies_to:"

    def file_name(v):
        edit(v / "areas/ict.yaml", "id: ict", "id: itc")
        return "areas/ict.yaml", "id: itc"

    def version_id(v):  # listed as phase-2 while every command knows the folder's name, phase-1.1
        edit(v / "version.yaml", f"id: {VERSION}\n", "id: phase-2\n")
        return "version.yaml", "id: phase-2"

    def policy_name(v):
        edit(v / "version.yaml", f"policy: {POLICY}\n", "policy: second-career\n")
        return "version.yaml", "policy: second-career"

    def no_areas(v):  # a version that decides nothing: everyone would be told no
        for area in (v / "areas").glob("*.yaml"):
            area.unlink()
        return "areas", None

    def duplicate_clause(v):
        (v / "clauses/skill-level-limit-copy.yaml").write_text(
            (v / "clauses/skill-level-limit.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        return "clauses/skill-level-limit-copy.yaml", "id: skill-level-limit"

    def area_without_clauses(v):
        for clause in (v / "clauses").glob("*.yaml"):
            text = clause.read_text(encoding="utf-8")
            clause.write_text(text.replace("applies_to: [ict, life-sciences, manufacturing]",
                                           "applies_to: [ict, life-sciences]"), encoding="utf-8")
        edit(v / "clauses/phase-1-manufacturing.yaml", "applies_to: [manufacturing]", "applies_to: [ict]")
        return "areas/manufacturing.yaml", "id: manufacturing"

    def unknown_noc(v):
        edit(v / "areas/ict.yaml", "code: '2282'", "code: '2179'")
        return "areas/ict.yaml", "code: '2179'"

    def noc_format(v):
        edit(v / "areas/ict.yaml", "code: '2282'", "code: '22820'")
        return "areas/ict.yaml", "code: '22820'"

    def fullwidth_noc(v):  # digits of another script are not a code's digits
        edit(v / "areas/ict.yaml", "code: '2282'", "code: '\uff12\uff12\uff18\uff12'")
        return "areas/ict.yaml", "code: '\uff12\uff12\uff18\uff12'"

    def level_mismatch(v):
        edit(v / "areas/ict.yaml", "  level: B\n  source:\n  - {line: 70", "  level: C\n  source:\n  - {line: 70")
        return "areas/ict.yaml", "level: C"

    def excluded_level(v):  # a real level-D unit group, declared as D: the level matches, the policy excludes it
        edit(v / "areas/ict.yaml", "code: '2282'\n  title: User Support Technicians\n  level: B",
             "code: '6711'\n  title: User Support Technicians\n  level: D")
        return "areas/ict.yaml", "level: D"

    def second_noc_a(v):  # 2171 is a real NOC A unit group; Life Sciences already keeps 2174
        edit(v / "areas/life-sciences.yaml", "code: '2211'\n  title: Chemical technologists and technicians\n"
             "  level: B", "code: '2171'\n  title: Information systems analysts and consultants\n  level: A")
        return "areas/life-sciences.yaml", "- title: Computer programmers"

    def duplicate_occupation(v):
        edit(v / "areas/ict.yaml", "- code: '2282'", "- code: '2281'")
        return "areas/ict.yaml", ("- code: '2281'", 1)

    def title_conflict(v):
        edit(v / "areas/manufacturing.yaml", "title: Chemical technologists and technicians",
             "title: Chemists and chemical technicians")
        return "areas/manufacturing.yaml", "- code: '2211'"

    def naics_unknown(v):
        edit(v / "areas/ict.yaml", "code: '5415'", "code: '541510'")
        return "areas/ict.yaml", "code: '541510'"

    def naics_2022_only(v):
        edit(v / "areas/ict.yaml", "code: '5112'", "code: '5132'")
        return "areas/ict.yaml", "code: '5132'"

    def naics_format(v):
        edit(v / "areas/ict.yaml", "code: '5415'", "code: '54-15'")
        return "areas/ict.yaml", "code: '54-15'"

    def exclusion_outside(v):
        edit(v / "areas/ict.yaml", "code: '3345'", "code: '3391'")
        return "areas/ict.yaml", "code: '3391'"

    def included_and_excluded(v):
        edit(v / "areas/ict.yaml", "code: '3345'", "code: '334'")
        return "areas/ict.yaml", ("code: '334'", 1)  # the finding is at the exclusion, after the include

    def quote_drift(v):
        edit(v / "clauses/phase-1-manufacturing.yaml", "the Manufacturing area as a whole will be prioritized.",
             "the Manufacturing area as a whole will be prioritised.")
        return "clauses/phase-1-manufacturing.yaml", "prioritised"

    def citation_line(v):
        edit(v / "areas/ict.yaml", "{line: 72, quote: 2282", "{line: 73, quote: 2282")
        return "areas/ict.yaml", "{line: 73, quote: 2282"

    def dropped_occupation(v):
        edit(v / "areas/life-sciences.yaml", "- code: '2221'\n  title: Biological technologists and technicians\n"
             "  level: B\n  source:\n  - {line: 96, quote: 2221 Biological technologists and technicians – NOC B}\n",
             "")
        return "areas/life-sciences.yaml", "- code: '3223'"

    def dropped_industry(v):  # a definition narrowed unnoticed: line 27's (NAICS 8112) cited by no entry
        edit(v / "areas/ict.yaml", "  - code: '8112'\n    description: Electronic and precision equipment repair and "
             "maintenance\n    source:\n    - {line: 27, quote: Electronic and precision equipment repair and "
             "maintenance (NAICS 8112)}\n", "")
        return "areas/ict.yaml", "industries:"

    def disagreement(v):
        edit(v / "clauses/skill-level-limit.yaml", 'condition: noc_level in ["A", "B", "C"]',
             'condition: noc_level in ["A", "B"]')
        return "areas/life-sciences.yaml", "- code: '9421'"  # every level-C occupation contradicts the clause

    def admitted_unlisted(v):  # the other way round: a clause admits an occupation no list publishes
        edit(v / "clauses/occupation-listed.yaml", "condition: noc in area_occupations\n",
             'condition: noc in area_occupations or noc == "7512"\n')
        return "clauses/occupation-listed.yaml", "condition:"

    def stale_resolution(v):
        edit(v / "resolutions.yaml", "resolves: [title-conflict:9232",
             "resolves: [title-conflict:9232, title-conflict:2281")
        return "resolutions.yaml", "resolves: [title-conflict:9232"

    def unresolvable(v):
        edit(v / "resolutions.yaml", "resolves: [title-conflict:9232",
             "resolves: [title-conflict:9232, expression:noc-a-exception")
        return "resolutions.yaml", "resolves: [title-conflict:9232"

    def unmatched_assignment(v):
        edit(v / "resolutions.yaml", "title: Computer programmers and interactive media developers, code",
             "title: Computer programmers and interactive media developer, code")
        return "resolutions.yaml", "media developer, code"

    def unknown_affects(v):
        edit(v / "resolutions.yaml", '{area: ict, codes: ["2174", "2175"]}', '{area: ict, codes: ["2174", "2173"]}')
        return "resolutions.yaml", '"2173"'

    def uncited_occupation(v):
        edit(v / "areas/ict.yaml", "  level: B\n  source:\n  - {line: 72, quote: 2282 User Support Technicians – NOC B}\n",
             "  level: B\n")
        return "areas/ict.yaml", "- code: '2282'"

    def case_quote_typo(v):  # a test case's citation is a citation like any other
        edit(v / "tests/industries.yaml", "{line: 26, quote: Computer systems design and related services (NAICS 5415)}",
             "{line: 26, quote: Computer system design and related services (NAICS 5415)}")
        return "tests/industries.yaml", "Computer system design"

    def case_citation_line(v):
        edit(v / "tests/industries.yaml", "{line: 26, quote: Computer systems design and related services (NAICS 5415)}",
             "{line: 27, quote: Computer systems design and related services (NAICS 5415)}")
        return "tests/industries.yaml", "{line: 27, quote: Computer systems design"

    def duplicate_case(v):  # the diff keys cases by name: the second of two was left out of it
        edit(v / "tests/industries.yaml", "- name: Phase I manufacturing given as the sector 31",
             "- name: Phase I manufacturing food 311410 (sector 31)")
        return "tests/industries.yaml", ("- name: Phase I manufacturing food 311410 (sector 31)", 1)

    def source_hash(v):
        source = v.parent / "source" / "second-career-fast-track.txt"
        source.write_text(source.read_text(encoding="utf-8") + "\nAppended.\n", encoding="utf-8")
        return "version.yaml", "sha256:"

    return [
        ("duplicate-key", duplicate_key), ("unknown-key", unknown_key), ("yaml-syntax", yaml_syntax),
        ("wrong-type", wrong_type), ("wrong-type", boolean_version), ("expression", expression),
        ("expression", type_error),
        ("template", template), ("unknown-area", unknown_area), ("file-name", file_name),
        ("file-name", version_id), ("file-name", policy_name), ("missing", no_areas),
        ("duplicate-clause", duplicate_clause), ("area-without-clauses", area_without_clauses),
        ("unknown-noc", unknown_noc), ("noc-format", noc_format), ("noc-format", fullwidth_noc), ("level-mismatch", level_mismatch),
        ("excluded-level", excluded_level), ("noc-a-limit", second_noc_a),
        ("duplicate-occupation", duplicate_occupation), ("title-conflict", title_conflict),
        ("unknown-naics", naics_unknown), ("unknown-naics", naics_2022_only), ("naics-format", naics_format),
        ("exclusion-outside", exclusion_outside), ("included-and-excluded", included_and_excluded),
        ("quote-not-found", quote_drift), ("citation-line", citation_line),
        ("unlisted-occupation", dropped_occupation), ("unlisted-industry", dropped_industry), ("disagreement", disagreement), ("disagreement", admitted_unlisted),
        ("stale-resolution", stale_resolution), ("unresolvable", unresolvable),
        ("unmatched-assignment", unmatched_assignment), ("unknown-affects", unknown_affects),
        ("missing-key", uncited_occupation), ("source-hash", source_hash),
        ("quote-not-found", case_quote_typo), ("citation-line", case_citation_line),
        ("duplicate-case", duplicate_case),
    ]


@pytest.mark.parametrize("check_id,mistake", _mistakes(), ids=[f"{c}-{m.__name__}" for c, m in _mistakes()])
def test_typical_mistake_is_reported_at_its_file_and_line(tree_copy, check_id, mistake):
    v = version_dir(tree_copy)
    rel, needle = mistake(v)
    code, findings = run_check(policies=tree_copy)
    assert code == 1
    hits = [f for f in errors(findings) if f["check"] == check_id and f["path"] == f"{REL}/{rel}"]
    assert hits, [(f["path"], f["check"]) for f in errors(findings)]
    if needle is not None:
        needle, nth = needle if isinstance(needle, tuple) else (needle, 0)
        assert line_of(v / rel, needle, nth) in {f["line"] for f in hits}, hits
    assert check_id in CHECKS
    if check_id in ("unknown-noc", "unknown-naics"):  # the nearest codes are named in a short form
        assert all(len(f["message"]) <= 110 and "nearest: " in f["message"] or "2022" in f["message"]
                   for f in hits), [f["message"] for f in hits]


def test_the_lines_of_a_dropped_area_are_named_at_the_manifest_not_blamed_on_another_area(tree_copy):
    # the lines of life sciences' list were blamed on manufacturing, the area of the nearest cited line
    from sc_policy.load.policytext import SourceText
    v = version_dir(tree_copy)
    held = yaml.safe_load((v / "areas/life-sciences.yaml").read_text(encoding="utf-8"))["sections"]
    ranges = [tuple(int(n) for n in (s["lines"] + "-" + s["lines"]).split("-")[:2]) for s in held]
    source = SourceText.parse((tree_copy / POLICY / "source" / "second-career-fast-track.txt").read_bytes(), "src")
    published = {line for line, *_ in source.occupation_lines() if any(a <= line <= b for a, b in ranges)}
    assert len(published) > 20
    (v / "areas/life-sciences.yaml").unlink()
    code, findings = run_check(policies=tree_copy)
    assert code == 1
    unlisted = [f for f in findings if f["check"] == "unlisted-occupation"]
    assert {f["path"] for f in unlisted} == {f"{REL}/version.yaml"}, {f["path"] for f in unlisted}
    assert {int(re.search(r"line (\d+) of", f["message"]).group(1)) for f in unlisted} == published
    assert all("no area's sections hold (an area dropped?)" in f["message"] and f["key"].startswith("unlisted-occupation:version:")
               for f in unlisted)


def test_a_line_dropped_from_an_area_s_list_is_blamed_on_the_area_whose_sections_hold_it(tree_copy):
    v = version_dir(tree_copy)
    text = (v / "areas/ict.yaml").read_text(encoding="utf-8")
    first = text.index("- code: '2175'")  # ict's second NOC A: its entry removed, the source still lists it
    (v / "areas/ict.yaml").write_text(text[:first] + text[text.index("- code:", first + 1):], encoding="utf-8")
    code, findings = run_check(policies=tree_copy)
    (found,) = [f for f in findings if f["check"] == "unlisted-occupation"]
    assert found["path"] == f"{REL}/areas/ict.yaml" and found["key"] == "unlisted-occupation:ict:2175", found
    assert found["message"].startswith("area 'ict': line ")


def test_an_entry_dropped_on_purpose_is_told_the_key_its_resolution_names(tree_copy):
    # Phase II drops 7511 from Manufacturing: the finding asked "(dropped from the list?)" but gave the key a
    # resolution needs only in JSON; the text output now says which key to resolve, and stops once resolved
    v = version_dir(tree_copy)
    text = (v / "areas/manufacturing.yaml").read_text(encoding="utf-8")
    first = text.index("- code: '7511'")
    (v / "areas/manufacturing.yaml").write_text(text[:first] + text[text.index("- code:", first + 1):], encoding="utf-8")
    code, result = run_check(policies=tree_copy, fmt="text")
    (line,) = [x for x in result.stdout.splitlines() if " unlisted-occupation: " in x]
    assert line.endswith("(dropped from the list? if on purpose, record a resolution that resolves "
                         "unlisted-occupation:manufacturing:7511)"), line
    edit(v / "resolutions.yaml", "\ninterpretations:", """
  - id: truck-drivers-out
    resolves: [unlisted-occupation:manufacturing:7511]
    finding: The Manufacturing list publishes 7511 Transport truck drivers.
    decision: Phase II drops it.
    source:
      - {line: 198, quote: 7511 Transport truck drivers – NOC C}
interpretations:""")
    code, result = run_check(policies=tree_copy, fmt="text")
    (line,) = [x for x in result.stdout.splitlines() if " unlisted-occupation: " in x]
    assert " info " in line and line.endswith("[resolved by truck-drivers-out: Phase II drops it.]"), line


def test_a_naics_code_dropped_from_a_definition_is_found_in_either_form_of_version(tree_copy):
    # 5417 dropped from Life Sciences went unreported: only occupation lines were checked for a citation
    drop = ("  - code: '5417'\n    description: Scientific research & development services\n    source:\n"
            "    - {line: 36, quote: Scientific research & development services (NAICS 5417)}\n")
    for version in SHIPPED:  # phase-1's areas name no sections: the area of the nearest cited line
        edit(tree_copy / POLICY / version / "areas/life-sciences.yaml", drop, "")
    code, findings = run_check(policies=tree_copy)
    found = sorted((f["path"], f["key"]) for f in findings if f["check"] == "unlisted-industry")
    assert found == [(f"{POLICY}/{v}/areas/life-sciences.yaml", "unlisted-industry:life-sciences:naics:5417")
                     for v in sorted(SHIPPED, key=lambda v: v + "/")], found  # sorted: "phase-1.1/" < "phase-1/"
    assert all("line 36 of" in f["message"] and f["severity"] == "error"
               for f in findings if f["check"] == "unlisted-industry")
    edit(tree_copy / POLICY / VERSION / "resolutions.yaml", "\ninterpretations:", """
  - id: no-research
    resolves: [unlisted-industry:life-sciences:naics:5417]
    finding: Line 36 publishes NAICS 5417 for MedTech.
    decision: A later phase drops it.
    source:
      - {line: 36, quote: Scientific research & development services (NAICS 5417)}
interpretations:""")
    code, findings = run_check(policies=tree_copy)
    (resolved,) = [f for f in findings if f["check"] == "unlisted-industry" and f["path"].startswith(REL + "/")]
    assert resolved["severity"] == "info", resolved


def test_a_code_dropped_beside_a_quote_that_takes_in_its_line_is_found(tree_copy):
    # 518 dropped from ICT while 517's quote ran on into line 25, "(NAICS 518)" and all: the quote published 518
    # too, so line 25 counted as cited and the narrowed definition went unreported (quote-mismatch is silent:
    # 517's quote does publish 517)
    ict = tree_copy / POLICY / VERSION / "areas/ict.yaml"
    edit(ict, "{line: 24, quote: Telecommunications (NAICS 517)}",
         "{line: 24, quote: 'Telecommunications (NAICS 517) - Data processing, hosting and related services "
         "(NAICS 518)'}")
    edit(ict, "  - code: '518'\n    description: Data processing, hosting and related services\n    source:\n"
              "    - {line: 25, quote: 'Data processing, hosting and related services (NAICS 518)'}\n", "")
    code, findings = run_check(policies=tree_copy)
    found = [(f["path"], f["key"]) for f in findings if f["check"] == "unlisted-industry"]
    assert found == [(f"{REL}/areas/ict.yaml", "unlisted-industry:ict:naics:518")], found
    assert not [f for f in findings if f["check"] == "unlisted-industry" and "NAICS 517" in f["message"]]


def test_a_quote_that_runs_over_two_lines_cites_the_code_on_its_second(tree_copy):
    from sc_policy.checks.provenance import _covered
    from sc_policy.load.policytext import SourceText
    source = SourceText.parse(b"Intro\nSoftware\npublishers (NAICS 5112)\nEnd\n", "src")
    assert list(_covered(source, "Software publishers (NAICS 5112)", 2)) == [2, 3]
    assert list(_covered(source, "End", 4)) == [4] and list(_covered(source, "absent", 1)) == [1]


def test_a_section_that_ends_before_it_starts_is_one_error_at_its_line(tree_copy):
    # 27-17 holds no line: every citation of the definition was a citation-area error instead, and the first
    # of them (an area's own title, line 17) was what explain named
    v = version_dir(tree_copy)
    edit(v / "areas/ict.yaml", "{lines: 17-27,", "{lines: 27-17,")
    code, findings = run_check(policies=tree_copy)
    assert code == 1
    assert [(f["path"], f["line"], f["check"]) for f in errors(findings)] == [
        (f"{REL}/areas/ict.yaml", line_of(v / "areas/ict.yaml", "{lines: 27-17,"), "schema")]
    assert "27-17 end before they start (write 17-27)" in errors(findings)[0]["message"]
    edit(v / "areas/ict.yaml", "{lines: 27-17,", "{lines: 17-27,")
    edit(v / "version.yaml", "{lines: 3-15,", "{lines: 15-3,")
    code, findings = run_check(policies=tree_copy)
    assert [(f["path"], f["check"]) for f in errors(findings)] == [(f"{REL}/version.yaml", "schema")]


def test_a_citation_line_off_by_a_few_is_one_citation_line_error_not_also_citation_area(tree_copy):
    # 2282's line 72 mistyped as 78 (past ICT's list, 60-76): a citation-area error ("cites line 78,
    # outside the text of area 'ict'") came first, and was what explain and freeze named, though the fix
    # is the line number, which citation-line names ("which starts on line 72")
    v = version_dir(tree_copy)
    edit(v / "areas/ict.yaml", "{line: 72, quote: 2282", "{line: 78, quote: 2282")
    code, findings = run_check(policies=tree_copy)
    assert code == 1
    assert [(f["path"], f["line"], f["check"]) for f in errors(findings)] == [
        (f"{REL}/areas/ict.yaml", line_of(v / "areas/ict.yaml", "{line: 78, quote: 2282"), "citation-line")]
    assert "which starts on line 72" in errors(findings)[0]["message"]
    edit(v / "areas/ict.yaml", "{line: 78, quote: 2282 User Support Technicians", "{line: 140, quote: 2282 User support technicians")
    code, findings = run_check(policies=tree_copy)  # the line that holds it, outside the area: citation-area
    assert ("citation-area", line_of(v / "areas/ict.yaml", "{line: 140, quote: 2282")) in {
        (f["check"], f["line"]) for f in errors(findings)}, errors(findings)


@pytest.mark.parametrize("file, written, typo", [
    ("areas/ict.yaml", "- {lines: 17-27, what: definition}", "- {lines: 17-2700, what: definition}"),
    ("version.yaml", "- {lines: '58', what: the heading of the in-scope occupation lists}",
     "- {lines: '580', what: the heading of the in-scope occupation lists}"),
])
def test_a_section_past_the_end_of_the_source_is_an_error_at_its_lines(tree_copy, file, written, typo):
    """A typo that runs a section past the source's last line (17-2700 for 17-27) passed: text that is not there
    was the area's own, and every citation beyond its real end counted as inside it."""
    v = version_dir(tree_copy)
    edit(v / file, written, typo)
    code, findings = run_check(policies=tree_copy)
    lines = len(SOURCE.read_text("utf-8").splitlines())
    assert code == 1
    [found] = [f for f in errors(findings) if f["check"] == "section-past-end"]
    assert (found["path"], found["line"]) == (f"{REL}/{file}", line_of(v / file, typo.strip("- {")[:12]))
    assert found["message"].endswith(f"run past the end of {POLICY}/source/second-career-fast-track.txt, which has "
                                     f"{lines} lines") and "section-past-end" in CHECKS


@pytest.mark.parametrize("written,said", [
    ("22310", "22310 is the NOC 2021 unit group 'Electrical and electronics engineering technologists and technicians'; "
              "areas list NOC 2016 unit groups: write 2241"),
    ("21233", "21233 is the NOC 2021 unit group 'Web designers'; areas list NOC 2016 unit groups: write one of 2171, 2175"),
    ("22820", 'is not four digits (a NOC 2016 unit group code, e.g. "2174")'),  # no NOC 2021 unit group either
])
def test_an_area_listing_a_noc_2021_code_is_told_its_noc_2016_unit_groups(tree_copy, written, said):
    # an analyst copying the code from a NOC 2021 page was told only "not four digits"
    v = version_dir(tree_copy)
    edit(v / "areas/ict.yaml", "code: '2282'", f"code: '{written}'")
    code, findings = run_check(policies=tree_copy)
    (found,) = with_check(errors(findings), "noc-format")
    assert found["line"] == line_of(v / "areas/ict.yaml", f"code: '{written}'") and said in found["message"], found


def test_a_resolutions_file_that_fails_to_load_is_its_own_errors_not_every_contradiction_it_resolves(tree_copy):
    # `readin:` for `reading:` in one interpretation: check listed first six errors (noc-a-limit, title-conflict,
    # ...) for the contradictions the unread file resolves, then the misspelt key, at the end
    v = version_dir(tree_copy)
    edit(v / "resolutions.yaml", "    reading: >-", "    readin: >-")
    code, findings = run_check(policies=tree_copy)
    assert code == 1
    assert [(f["path"], f["check"]) for f in errors(findings)] == [
        (f"{REL}/resolutions.yaml", "unknown-key")], errors(findings)  # the misspelt key, which says 'reading' is missing


def test_without_the_source_document_a_resolution_of_a_dropped_entry_is_not_called_stale(tree_copy):
    # 7511 dropped on purpose and resolved; with the source document missing, unlisted-occupation cannot run, and
    # its resolution was a stale-resolution error advising to remove it (which would fail once the text is back)
    v = version_dir(tree_copy)
    text = (v / "areas/manufacturing.yaml").read_text(encoding="utf-8")
    first = text.index("- code: '7511'")
    (v / "areas/manufacturing.yaml").write_text(text[:first] + text[text.index("- code:", first + 1):], encoding="utf-8")
    edit(v / "resolutions.yaml", "\ninterpretations:", """
  - id: truck-drivers-out
    resolves: [unlisted-occupation:manufacturing:7511]
    finding: The Manufacturing list publishes 7511 Transport truck drivers.
    decision: Phase II drops it.
    source:
      - {line: 198, quote: 7511 Transport truck drivers – NOC C}
interpretations:""")
    assert run_check(policies=tree_copy)[0] == 0
    (tree_copy / POLICY / "source" / "second-career-fast-track.txt").unlink()
    code, findings = run_check(policies=tree_copy)
    assert "source-missing" in {f["check"] for f in findings}
    assert not with_check(findings, "stale-resolution") and code == 0, errors(findings)



@pytest.mark.parametrize("saved", [lambda raw: raw.replace(b"\n", b"\r\n"), lambda raw: b"\xef\xbb\xbf" + raw,
                                   lambda raw: b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n")],
                         ids=["CRLF", "BOM", "both"])
def test_a_source_document_saved_with_other_line_endings_says_so(tree_copy, saved):
    """A Windows editor, or a checkout that converts line endings, changes every byte's hash but no word: the
    source-hash error says that only the line endings or a byte-order mark differ, and what to restore."""
    source = tree_copy / POLICY / "source" / "second-career-fast-track.txt"
    source.write_bytes(saved(source.read_bytes()))
    found = [f for f in check_tree(tree_copy, [VERSION]) if f.code == "source-hash"]
    assert len(found) == 1 and found[0].severity == "error"
    assert "differs from the recorded text only in its line endings (CRLF) or a byte-order mark" in found[0].message
    assert [f.code for f in check_tree(tree_copy, [VERSION]) if f.severity == "error"] == ["source-hash"]


def test_a_source_document_with_other_words_is_not_said_to_differ_only_in_line_endings(tree_copy):
    source = tree_copy / POLICY / "source" / "second-career-fast-track.txt"
    source.write_bytes(source.read_bytes().replace(b"\n", b"\r\n") + b"Appended.\r\n")
    [f] = [f for f in check_tree(tree_copy, [VERSION]) if f.code == "source-hash"]
    assert "line endings" not in f.message

def test_duplicate_key_keeps_both_lines_in_view(tree_copy):
    v = version_dir(tree_copy)
    edit(v / "areas/ict.yaml", "title: Information and Communications Technology\n",
         "title: Information and Communications Technology\ntitle: ICT\n")
    findings = check_tree(tree_copy)
    [f] = [f for f in findings if f.code == "duplicate-key"]
    assert "duplicate key 'title'" in f.message and "first at line 2" in f.message



def test_duplicate_key_names_the_entry_it_is_in(tree_copy):
    """A key twice in one entry of a list (an occupation given two levels) names that entry, as a schema
    finding does (`occupations.3`); a key twice at the top of a file names none."""
    v = version_dir(tree_copy)
    edit(v / "areas/ict.yaml", "  level: B\n", "  level: B\n  level: C\n")
    [f] = [f for f in check_tree(tree_copy) if f.code == "duplicate-key"]
    assert f.message == "duplicate key 'level' in occupations.2 (first at line 57)", f.message
    assert (f.span.line, f.span.column) == (58, 3)

def test_third_listing_is_not_covered_by_the_resolution_of_two(tree_copy):
    path = version_dir(tree_copy) / "areas" / "life-sciences.yaml"
    edit(path, "- code: '9232'",
         "- code: '3219'\n  title: Other medical technologists and technicians (except dental health)\n  level: B\n"
         "  source:\n  - {line: 114, quote: 3219 Other medical technologists and technicians (except dental health)"
         " – NOC B}\n- code: '9232'")
    findings = check_tree(tree_copy, [VERSION])  # the edited version
    dup = [f for f in findings if f.code == "duplicate-occupation" and f.subject.startswith("life-sciences:3219")]
    assert [f.severity for f in dup] == ["info", "error"]
    assert dup[1].subject == "life-sciences:3219:3" and "a third time" in dup[1].message


def test_an_industry_entry_quoting_another_naics_code_is_a_quote_mismatch(tree_copy):
    # an analyst adds NAICS 5191 to ICT and, copying the entry above, keeps its citation of line 23,
    # which publishes NAICS 5112: the entry claims a source that says something else
    path = version_dir(tree_copy) / "areas" / "ict.yaml"
    edit(path, "  - code: '5112'\n    description: Software publishers\n",
         "  - code: '5112'\n    description: Software publishers\n    source:\n"
         "    - {line: 23, quote: Software publishers (NAICS 5112)}\n"
         "  - code: '5191'\n    description: Other information services\n")
    findings = check_tree(tree_copy, [VERSION])
    found = [f for f in findings if f.code == "quote-mismatch"]
    assert len(found) == 1, found
    f = found[0]
    assert f.severity == "warning" and f.subject == "ict:naics:5191"
    assert f.span.path.endswith("areas/ict.yaml")
    assert f.span.line == line_of(path, "{line: 23, quote: Software publishers (NAICS 5112)}", 1)
    assert "publishes NAICS 5112, not 5191" in f.message
    # the shipped industries (and ICT's exclusion, whose quote names no code) quote their own codes
    assert not [f for f in check_tree(None, list(SHIPPED)) if f.code == "quote-mismatch"]


def test_a_quote_with_a_typo_names_the_passage_it_most_likely_meant(tree_copy):
    v = version_dir(tree_copy)
    edit(v / "areas/ict.yaml", "quote: Software publishers (NAICS 5112)}", "quote: Software publisher (NAICS 5112)}")
    edit(v / "clauses/noc-a-exception.yaml", "within the maximum duration of the Second Career program (leaving 1",
         "within the maximum duraton of the Second Career program (leaving 1")
    edit(v / "clauses/phase-1-manufacturing.yaml", "quote: There is no firm or exhaustive list",
         "quote: Nothing like this appears in the ministry's text at all, anywhere")
    found = {f.span.path.rsplit("/", 1)[-1]: f for f in check_tree(tree_copy, [VERSION]) if f.code == "quote-not-found"}
    assert set(found) == {"ict.yaml", "noc-a-exception.yaml", "phase-1-manufacturing.yaml"}
    ict = found["ict.yaml"]
    assert ict.suggestion.kind == "did-you-mean" and ict.suggestion.values == ("Software publishers (NAICS 5112)",)
    assert "the nearest passage is on line 23: 'Software publishers (NAICS 5112)'" in ict.suggestion.text
    long = found["noc-a-exception.yaml"].suggestion  # a long quote: the passage is shown shortened, its line exact
    assert long is not None and "line 62:" in long.text and "within the maximum duration of" in long.values[0]
    assert found["phase-1-manufacturing.yaml"].suggestion is None  # nothing near enough is offered
    code, result = run_check(policies=tree_copy, fmt="text")
    assert "(NAICS 5112)' does not occur in second-career-fast-track/source/second-career-fast-track.txt (the nearest " \
           "passage is on line 23: 'Software publishers (NAICS 5112)')" in result.stdout


def test_a_resolution_naming_a_mistyped_key_offers_the_unresolved_finding_it_most_likely_meant(tree_copy):
    # the analyst resolves the title conflict of 9232 but types 9223: the key resolves nothing, and the conflict
    # stays an error; the stale resolution said only "remove it", never which finding it was meant for
    edit(version_dir(tree_copy) / "resolutions.yaml", "resolves: [title-conflict:9232",
         "resolves: [title-conflict:9223")
    findings = check_tree(tree_copy, [VERSION])
    stale, = [f for f in findings if f.code == "stale-resolution"]
    assert [f.key for f in findings if f.code == "title-conflict" and f.severity == "error"] == ["title-conflict:9232"]
    assert stale.suggestion is not None and stale.suggestion.values == ("title-conflict:9232",)
    assert "no check finds 'title-conflict:9223'" in stale.message and "any more" not in stale.message
    code, result = run_check(policies=tree_copy, fmt="text")
    assert "(did you mean 'title-conflict:9232', which no resolution resolves?)" in result.stdout
    # a key that was right once and whose finding has gone (the source fixed) is told to go, with no guess
    edit(version_dir(tree_copy) / "resolutions.yaml", "resolves: [title-conflict:9223",
         "resolves: [title-conflict:9232, title-conflict:2281")
    stale, = [f for f in check_tree(tree_copy, [VERSION]) if f.code == "stale-resolution"]
    assert stale.suggestion is None and "remove it from resolves" in stale.message


@pytest.mark.parametrize("expect,needle", [
    ("{eligible: true, areas: []}", "areas: []"),  # eligible with no area in scope: no answer can match it
    ("{eligible: true, verdict: not_eligible, areas: [ict]}", "verdict: not_eligible"),
])
def test_a_case_whose_expectations_contradict_each_other_is_a_warning_at_its_line(tree_copy, expect, needle):
    # a warning, not an error: `test` still runs every case (this one fails), and explain is not refused
    path = version_dir(tree_copy) / "tests" / "industries.yaml"
    edit(path, "  expect: {eligible: true, areas: [ict]}", f"  expect: {expect}")
    found = [f for f in check_tree(tree_copy, [VERSION]) if f.code == "case-contradiction"]
    assert [(f.severity, f.span.path, f.span.line) for f in found] == [
        ("warning", f"{REL}/tests/industries.yaml", line_of(path, needle))]
    assert "test case 'ICT computer systems design given as the 4-digit group 5415'" in found[0].message
    assert "case-contradiction" in CHECKS


def test_a_case_naming_a_code_area_or_clause_that_does_not_exist_is_a_warning_at_its_place(tree_copy):
    # a misspelt NOC or NAICS code, area or clause in a test case: `test` refuses the input or finds nothing to
    # compare, so the case fails whatever the rules say; check (and the editor, which runs it) said nothing
    path = version_dir(tree_copy) / "tests" / "industries.yaml"
    edit(path, "  noc: '2174'\n  industry: '5415'\n  expect: {eligible: true, areas: [ict]}",
         "  noc: '2157'\n  industry: '5915'\n  expect: {eligible: true, areas: [itc],\n"
         "    clauses: {ict: {industry-in-aera: pass}, life-science: {occupation-listed: fail}}}")
    found = [f for f in check_tree(tree_copy, [VERSION]) if f.code == "case-unknown"]
    lines = path.read_text(encoding="utf-8").splitlines()

    def place(needle):  # (line, column) of the needle's first character
        line = line_of(path, needle)
        return line, lines[line - 1].index(needle) + 1
    assert [(f.severity, f.span.path, (f.span.line, f.span.column)) for f in found] == [
        ("warning", f"{REL}/tests/industries.yaml", at) for at in (
            place("noc: '2157'"), place("industry: '5915'"), place("itc]"), place("industry-in-aera"),
            place("life-science:"))]
    words = [f.message for f in found]
    assert "NOC code 2157 is not a NOC 2016 unit group" in words[0] and "input is refused" in words[0]
    assert "NAICS code 5915 is not in NAICS Canada 2017" in words[1]
    assert "no area 'itc' in this version" in words[2] and "no clause 'industry-in-aera' applies to area 'ict'" in words[3]
    assert "no area 'life-science'" in words[4]
    # each names what there is to choose from, as unknown-area does for a clause's applies_to
    assert "in this version (areas: ict, life-sciences, manufacturing)" in words[2] and \
        "in this version (areas: ict, life-sciences, manufacturing)" in words[4]
    assert "applies to area 'ict' (those that do: industry-in-area, noc-a-exception, occupation-listed" in words[3]
    assert found[0].suggestion is not None and "2151" in found[0].suggestion.values
    assert "case-unknown" in CHECKS


@pytest.mark.parametrize("written,said", [
    ("  noc: '21232'\n", "21232 Software developers and programmers is a NOC 2021 unit group: give the case "
                          "noc_version: '2021'"),
    ("  noc: '2174'\n  noc_version: '2021'\n", "a NOC 2016 code has four digits: leave out the case's "
                                                "noc_version: '2021'"),
])
def test_a_case_whose_code_is_of_the_other_noc_version_is_told_the_key_to_change(tree_copy, written, said):
    # check worded the code's hint as the command line's: "use --noc-version 2021", "drop --noc-version 2021",
    # an option no test case has
    path = version_dir(tree_copy) / "tests" / "industries.yaml"
    edit(path, "  noc: '2174'\n  industry: '5415'\n", written + "  industry: '5415'\n")
    code, result = run_check(policies=tree_copy, fmt="text")
    (line,) = [line for line in result.stdout.splitlines() if "case-unknown" in line]
    assert line.endswith(f"({said})") and "--noc-version" not in line


def test_an_occupation_whose_quotes_publish_no_occupation_is_a_quote_mismatch(tree_copy):
    # Phase II adds 2283 to ICT citing the list's heading: the quote occurs, on a line of ICT's sections, so nothing
    # said that the source lists no such occupation
    path = version_dir(tree_copy) / "areas" / "ict.yaml"
    with path.open("a", encoding="utf-8") as out:
        out.write("- code: '2283'\n  title: Information systems testing technicians\n  level: B\n  source:\n"
                  "  - {line: 64, quote: In-scope occupations}\n")
    found = [f for f in check_tree(tree_copy, [VERSION]) if f.code == "quote-mismatch"]
    assert [(f.severity, f.subject, f.span.line) for f in found] == [
        ("warning", "ict:2283", line_of(path, "{line: 64, quote: In-scope occupations}"))]
    assert "publish no occupation" in found[0].message


def test_source_option_checks_every_quote_against_the_given_text(tmp_path):
    code, findings = run_check("--source", str(SOURCE))
    assert code == 0
    shortened = tmp_path / "source.txt"
    shortened.write_text(SOURCE.read_text(encoding="utf-8").replace("Software publishers (NAICS 5112)", ""),
                         encoding="utf-8")
    code, findings = run_check("--source", str(shortened))
    assert code == 1
    found = with_check(errors(findings), "quote-not-found")  # per version: ICT and two test cases quote line 23,
    quoting = ("areas/ict.yaml", "tests/industries.yaml", "tests/noc-2021.yaml")  # and phase-1.2's naics-canada-2017
    assert [f["path"] for f in found] == [f"{POLICY}/{v}/{file}" for v in ("phase-1.1", "phase-1.2", "phase-1")
                                          for file in sorted(quoting + (("resolutions.yaml",) if v == "phase-1.2" else ()))]
    assert all("Software publishers (NAICS 5112)" in f["message"] for f in found)


def test_quotes_match_whitespace_insensitively(tmp_path):
    reflowed = tmp_path / "source.txt"
    text = SOURCE.read_text(encoding="utf-8")
    # a line break inside quoted passages (the blank line after it goes, so no line number moves); the
    # break comes after "While", so that no quote's first line moves (a test case cites "While share ..." on 62)
    text = text.replace("(leaving 1 NOC A occupation included). While share of sector employment was also "
                        "considered, potentially feasible NOC A pathways for the program were not identified "
                        "because of the high proportion of high skill occupations in this sector.\n\n",
                        "(leaving 1 NOC A  occupation \t included). While share of sector employment was also "
                        "considered,\n  potentially feasible NOC A pathways for the program were not identified "
                        "because of the high proportion of high skill occupations in this sector.\n", 1)
    assert text.count("\n") == SOURCE.read_text(encoding="utf-8").count("\n")
    reflowed.write_text(text, encoding="utf-8")
    code, findings = run_check("--source", str(reflowed))
    assert code == 0, errors(findings)


def test_missing_source_document_is_a_warning_and_quotes_go_unchecked(tree_copy):
    (tree_copy / POLICY / "source" / "second-career-fast-track.txt").unlink()
    code, findings = run_check(policies=tree_copy)
    assert code == 0
    found = with_check(findings, "source-missing")  # one per version naming it
    assert [(f["severity"], f["path"]) for f in found] == [
        ("warning", f"{POLICY}/{v}/version.yaml") for v in ("phase-1.1", "phase-1.2", "phase-1")]


def test_a_source_document_that_cannot_be_read_is_not_said_to_be_missing(tree_copy):
    """A symbolic link to itself exists but cannot be read: an error naming the system's reason, not a
    warning that the document "does not exist" (with which every command went on, its quotes unchecked)."""
    source = tree_copy / POLICY / "source" / "second-career-fast-track.txt"
    source.unlink()
    source.symlink_to(source.name)
    from sc_policy.checks.provenance import version_source
    from sc_policy.load.tree import PolicyTree
    tree = PolicyTree(tree_copy)
    found = []
    assert version_source(tree.load(next(r for r in tree.refs() if r.id == VERSION)), tree_copy, found) is None
    assert [(f.severity, f.code, f.span.path) for f in found] == [("error", "source-missing",
                                                                  f"{POLICY}/{VERSION}/version.yaml")]
    assert "does not exist" not in found[0].message and "Too many levels of symbolic links" in found[0].message


@pytest.mark.parametrize("args,needle", [
    (["phase-9"], "unknown version 'phase-9'"),
    (["--source", "/no/such/source.txt"], "source document not found"),
    (["--policies", "/no/such/tree"], "policy tree not found"),
])
def test_check_that_cannot_run_exits_2_with_one_line(args, needle):
    result = CliRunner().invoke(main, ["check", *args])
    assert result.exit_code == 2
    assert needle in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("text", ["", " \n\n\t\n"])
def test_an_empty_source_is_one_line_not_a_quote_not_found_per_quote(tmp_path, tree_copy, text):
    """`check --source` of an empty file gave 621 quote-not-found errors; a manifest's empty source the same."""
    empty = tmp_path / "empty.txt"
    empty.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--source", str(empty)])
    assert result.exit_code == 2 and result.output == (f"sc-policy: error: {empty}: source document is empty (no quote "
                                                       f"can be found in it)\n"), result.output
    (tree_copy / POLICY / "source" / "second-career-fast-track.txt").write_text(text, encoding="utf-8")
    code, findings = run_check(VERSION, policies=tree_copy)
    assert code == 1 and [(f["check"], "is empty" in f["message"]) for f in errors(findings)] == [
        ("source-missing", True)]


def test_source_that_is_not_a_regular_file_is_refused_without_reading_it(tmp_path):
    fifo = tmp_path / "source.fifo"
    os.mkfifo(fifo)
    result = CliRunner().invoke(main, ["check", "--source", str(fifo)])
    assert result.exit_code == 2 and "not a regular file" in result.output


def test_named_version_is_checked(tree_copy):
    code, findings = run_check(VERSION, policies=tree_copy)
    assert code == 0 and findings


# -- the library: what explain, the service and a notebook rely on ----------------------------------

def test_open_refuses_a_version_with_check_errors_naming_file_line_and_area(tree_copy):
    edit(version_dir(tree_copy) / "areas/ict.yaml", "code: '2282'", "code: '2179'")
    with pytest.raises(PolicyInvalidError) as info:
        Workspace(tree_copy).open(VERSION)
    text = str(info.value)
    assert f"{REL}/areas/ict.yaml:{line_of(version_dir(tree_copy) / 'areas/ict.yaml', '2179')}:" in text
    assert "unknown-noc" in text and "area 'ict'" in text
    assert info.value.exit_code == 2
    result = CliRunner().invoke(main, ["explain", "2174", "--version", VERSION, "--policies", str(tree_copy)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1


def test_open_keeps_warnings_and_resolved_findings(ws, opened):
    severities = {f.severity for f in ws.open("phase-1.1").findings}  # the version in force has no warning
    assert "error" not in severities and {"info", "warning"} <= severities
    assert {f.severity for f in opened.findings} == {"info"}


def test_workspace_check_is_check_tree(ws):
    assert ws.check([VERSION]) == check_tree(ws.tree, [VERSION])


# -- positions live on the model ---------------------------------------------------------------------------

def _shipped():
    tree = PolicyTree(shipped_policies())
    return tree.load(select_version(tree, VERSION)).version


def test_every_element_of_the_model_knows_where_it_and_its_keys_are():
    """The loader hands each element the positions the YAML parser saw: checks need no YAML to report."""
    version = _shipped()
    folder = shipped_policies()
    doc = {}

    def span(path, *keypath):
        if path not in doc:
            doc[path] = load_document(folder / path, path)
        return doc[path].span(keypath)

    def line(s):  # the text of the line a span points at
        return (folder / s.path).read_text(encoding="utf-8").splitlines()[s.line - 1]

    m = version.manifest
    assert m.at("source_document.sha256") == span(m.path, "source_document", "sha256")
    assert line(m.at("source_document.sha256")).strip().startswith("sha256:")
    assert line(m.at("supersedes")).startswith("supersedes:")
    assert m.at("effective_to") == m.span  # absent (in force, open-ended): the nearest enclosing entry, as the
    #                                        loader's span() does
    for area in version.areas:
        assert area.at("id") == span(area.path, "id") and line(area.at("id")).startswith("id:")
        for i, occ in enumerate(area.occupations):
            assert occ.span == span(area.path, "occupations", i)
            for key in ("code", "title", "level"):
                assert occ.at(key) == span(area.path, "occupations", i, key)
            if occ.code is not None and not occ.assigned_by:
                assert occ.code in line(occ.at("code"))
            for j, c in enumerate(occ.source):
                assert c.at("quote") == span(area.path, "occupations", i, "source", j, "quote")
                assert c.at("line") == span(area.path, "occupations", i, "source", j, "line")
        for kind in ("include", "exclude"):
            for i, entry in enumerate(getattr(area, kind)):
                assert entry.at("code") == span(area.path, "industries", kind, i, "code")
                assert entry.code in line(entry.at("code"))
    for clause in version.clauses:
        assert clause.at("version") == span(clause.path, "version")
        assert line(clause.at("version")).startswith("version:")
    resolutions = f"{REL}/resolutions.yaml"
    for i, r in enumerate(version.resolutions):
        assert r.span == span(resolutions, "resolutions", i) and r.at("id") == span(resolutions, "resolutions", i, "id")
        for j in range(len(r.affects)):
            assert r.at(f"affects.{j}") == span(resolutions, "resolutions", i, "affects", j)
    assert any(r.affects for r in version.resolutions)
    for case in version.tests:
        assert case.span.path == case.path and line(case.at("name")).lstrip("- ").startswith("name:")


def test_positions_do_not_change_what_the_policy_says(shipped_copy):
    """Equality ignores positions; every finding follows its entry when the entry moves."""
    tree_copy = shipped_copy  # frozen, as shipped: the life cycle's findings move with their lines too
    folder = version_dir(tree_copy)
    edit(folder / "resolutions.yaml", "resolves: [noc-a-limit:ict]", "resolves: [noc-a-limit:ict-x]")
    edit(folder / "version.yaml", "sha256: 66739da7", "sha256: 00039da7")
    before = check_tree(tree_copy, [VERSION])
    assert {"stale-resolution", "hash-mismatch", "source-hash", "noc-a-limit"} <= {f.code for f in before}
    old = PolicyTree(tree_copy).load(select_version(PolicyTree(tree_copy), VERSION)).version
    for path in sorted(version_dir(tree_copy).rglob("*.yaml")):
        path.write_text("# moved down two lines\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    new = PolicyTree(tree_copy).load(select_version(PolicyTree(tree_copy), VERSION)).version
    assert new == old and new.content_hash == old.content_hash and hash(new.areas) == hash(old.areas)
    assert new.areas[0].occupations[0].span.line == old.areas[0].occupations[0].span.line + 2
    after = check_tree(tree_copy, [VERSION])
    assert [(f.span.path, f.span.line + 2, f.span.column, f.code, f.key) for f in before] == \
        [(f.span.path, f.span.line, f.span.column, f.code, f.key) for f in after]
    assert {f.span.path.rsplit("/", 1)[-1] for f in after} >= {"resolutions.yaml", "version.yaml", "ict.yaml"}


def test_a_version_is_named_by_its_id_or_by_policy_and_id(ws):
    assert select_version(ws.tree, f"{POLICY}/{VERSION}") == select_version(ws.tree, VERSION)
    assert check_tree(ws.tree, [f"{POLICY}/{VERSION}", VERSION]) == check_tree(ws.tree, [VERSION])


def test_clauses_that_admit_occupations_no_list_publishes_are_one_finding_per_area(tree_copy):
    edit(version_dir(tree_copy) / "clauses/occupation-listed.yaml", "condition: noc in area_occupations\n",
         "condition: noc_level in [\"A\", \"B\", \"C\"]\n")  # any B or C occupation, listed or not
    code, findings = run_check(policies=tree_copy)
    hits = [f for f in errors(findings) if f["key"].endswith(":unlisted")]
    areas = ("ict", "life-sciences", "manufacturing")
    assert sorted(f["key"] for f in hits) == [f"disagreement:{a}:unlisted" for a in areas]
    assert all(re.search(r"does not list \d{4}, \d{4}, \d{4}, \d{4}, \d{4} and \d+ more, but its clauses put them "
                         r"in scope with no industry given", f["message"]) for f in hits), hits


def test_a_changed_source_document_is_named_before_the_quotes_it_breaks(shipped_copy):
    """A frozen version whose source document was edited is refused for that cause, named first, with the
    frozen version's remedy (restore the text), not the quotes' errors that follow from it (it named the
    first quote-not-found, and advised to update the manifest, which a frozen version cannot)."""
    source = shipped_copy / POLICY / "source" / "second-career-fast-track.txt"
    edit(source, "will be prioritized", "will be prioritised")
    result = CliRunner().invoke(main, ["explain", "2174", "--version", VERSION, "--policies", str(shipped_copy)])
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1, result.output
    assert f"version {VERSION} is invalid: source-hash:" in result.stderr
    assert f"restore the text version {VERSION} was frozen with" in result.stderr
    assert "(and " in result.stderr and "update the manifest" not in result.stderr


def test_every_check_id_a_check_reports_is_in_the_registry():
    """A finding's code written in a check, loader or compiler is a registered id (else a resolution naming it
    is told it names 'an unknown check', and the list of ids scripts rely on is short of it)."""
    import ast
    package = Path(__file__).resolve().parent.parent / "sc_policy"
    unregistered = []
    for layer in ("load", "checks", "engine", "analysis"):
        for path in sorted((package / layer).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Diagnostic" \
                        and len(node.args) >= 3 and isinstance(node.args[2], ast.Constant) \
                        and node.args[2].value not in CHECKS:
                    unregistered.append(f"{layer}/{path.name}:{node.lineno}: {node.args[2].value}")
    assert not unregistered, unregistered


def test_every_registered_check_is_in_the_readmes_table_of_checks():
    """The README's *The checks* (what an analyst reads to understand a finding) lists every registered id."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### The checks\n"):]
    table = table[:table.index("\n\n", table.index("| id |"))]
    listed = {name for row in table.splitlines()[2:] for name in re.findall(r"`([a-z0-9-]+)`", row.split(" | ")[0])}
    assert sorted(set(CHECKS) - listed) == []


def test_the_passage_a_very_long_quote_meant_is_not_searched_for():
    """The comparison behind the hint is quadratic in the quote's length: a quote of tens of thousands of
    characters (a rule file may hold one) stalled `check`, the language server and `serve` for a minute.
    Past NEAREST_MAX_CHARS characters (white space aside) no passage is offered, however near."""
    from sc_policy.load.policytext import NEAREST_MAX_CHARS, SourceText
    source = SourceText.parse(SOURCE.read_bytes(), "src")
    text = "\n".join(source.lines)

    def quote_of(chars: int) -> str:  # the source's opening, of about ``chars`` characters, with one typo
        quote, kept = [], 0
        for word in text.split():
            quote.append(word)
            kept += len(word)
            if kept >= chars:
                break
        quote[3] = quote[3] + "x"
        return " ".join(quote)

    assert source.nearest(quote_of(NEAREST_MAX_CHARS - 100)) is not None
    assert source.nearest(quote_of(NEAREST_MAX_CHARS + 100)) is None


def test_the_passages_of_many_near_miss_quotes_are_searched_for_within_a_bound(opened, monkeypatch):
    """Each search for the passage a quote meant compares up to NEAREST_MAX_CHARS characters with as many,
    quadratically: a 1 MB rule file of near-miss quotes of 1,000 characters took 12 s to check. One check
    searches for each distinct quote once, and for the quotes within NEAREST_WORK only, in order: the first
    findings keep their hint, the others are reported without one."""
    import dataclasses
    from sc_policy.checks.provenance import provenance
    from sc_policy.load.policytext import NEAREST_WORK, SourceText
    from sc_policy.model import Citation
    real, searched = SourceText.nearest, []

    def counting(self, quote):
        searched.append(quote)
        return real(self, quote) if len(searched) == 1 else None  # the others are only counted

    monkeypatch.setattr(SourceText, "nearest", counting)
    source = SourceText.parse(SOURCE.read_bytes(), "src")
    words = "\n".join(source.lines).split()
    quotes = []
    for start in range(0, 60 * 5, 5):  # 60 distinct runs of the source of about 900 characters, one typo each
        quote, kept = [], 0
        for word in words[start:]:
            quote.append(word)
            kept += len(word)
            if kept >= 900:
                break
        quote[3] += "x"
        quotes.append(" ".join(quote))
    clause = opened.version.clauses[0]
    cited = tuple(Citation(3, q, clause.span) for q in quotes + quotes)  # each twice
    version = dataclasses.replace(opened.version, clauses=(dataclasses.replace(clause, source=cited),))
    findings = [f for f in provenance(version, source, partial=True) if f.code == "quote-not-found"]
    assert len(findings) == 120
    assert findings[0].suggestion is not None and "nearest passage is on line" in findings[0].suggestion.text
    assert len(searched) == len(set(searched)) <= NEAREST_WORK // 900 ** 2 < 60


def test_a_version_frozen_with_two_cases_of_one_name_is_still_answered(shipped_copy):
    """A version frozen before duplicate-case existed may hold two test cases of one name: the check's error
    made it invalid, so explain (and serve, and evaluate) refused a frozen version whose decisions are
    intact, and advised renaming a case in files that must not change. For a frozen version it is a warning
    that says to rename it in a new version; a draft's is an error, which freeze refuses."""
    from sc_policy.app.authoring import set_manifest_fields
    v = version_dir(shipped_copy)
    edit(v / "tests/industries.yaml", "- name: Phase I manufacturing given as the sector 31",
         "- name: Phase I manufacturing food 311410 (sector 31)")
    tree = PolicyTree(shipped_copy)
    content = tree.load(select_version(tree, VERSION)).version.content_hash  # as an older sc-policy froze it
    manifest = v / "version.yaml"
    manifest.write_text(set_manifest_fields(manifest.read_text(encoding="utf-8"), {"sha256": content}),
                        encoding="utf-8")
    answered = CliRunner().invoke(main, ["explain", "2174", "--version", VERSION, "--policies", str(shipped_copy)])
    assert answered.exit_code == 0, answered.output
    code, findings = run_check(policies=shipped_copy)
    assert code == 0 and not errors(findings), errors(findings)
    [found] = with_check(findings, "duplicate-case")
    assert found["severity"] == "warning" and f"{VERSION} is frozen" in found["message"], found
    assert "new version" in found["message"], found


def test_check_finds_a_frozen_version_that_now_decides_otherwise(shipped_copy):
    """An auditor's integrity check: a frozen version whose files are intact but whose decisions no longer
    hash to its recorded table_sha256 (another sc-policy, other reference data; here the hash itself
    changed) is refused by every command that opens it, so `check` says so too (it said 0 errors)."""
    from sc_policy.app.authoring import set_manifest_fields
    manifest = version_dir(shipped_copy) / "version.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(set_manifest_fields(text, {"table_sha256": "0" * 64}), encoding="utf-8")
    code, findings = run_check(policies=shipped_copy)
    assert code == 1
    [found] = errors(findings)
    assert (found["check"], found["path"]) == ("table-mismatch", f"{REL}/version.yaml")
    assert found["line"] == line_of(manifest, "table_sha256:") and "0" * 64 in found["message"]
    refused = CliRunner().invoke(main, ["explain", "2174", "--version", VERSION, "--policies", str(shipped_copy)])
    assert refused.exit_code == 2 and "table-mismatch" in refused.stderr  # what check now foretells
    # the other version, and a version whose content changed (its hash-mismatch says it), are not judged so
    code, findings = run_check("phase-1", policies=shipped_copy)
    assert code == 0 and not errors(findings)
    edit(version_dir(shipped_copy) / "clauses" / "occupation-listed.yaml", "title:", "notes: an edit\ntitle:")
    code, findings = run_check(VERSION, policies=shipped_copy)
    assert "table-mismatch" not in {f["check"] for f in errors(findings)}


def test_a_tree_checked_again_verifies_its_frozen_versions_decisions_without_building_them_again(tmp_path, monkeypatch):
    """Two copies of the shipped tree (the language server checks on each edit; a CI job checks a checkout): the
    second verifies each frozen version's decisions by the hash the first found for the same files, and a
    recorded table_sha256 that differs is still refused."""
    import shutil
    from sc_policy.engine import table as table_module
    from sc_policy.resources import shipped_policies
    built = []
    real = table_module.build_table
    monkeypatch.setattr(table_module, "build_table", lambda *a, **k: built.append(1) or real(*a, **k))
    copies = [tmp_path / "a", tmp_path / "b"]
    for copy in copies:
        shutil.copytree(shipped_policies(), copy)
    assert not errors(run_check(policies=copies[0])[1])
    first = len(built)
    assert not errors(run_check(policies=copies[1])[1]) and len(built) == first
    from sc_policy.app.authoring import set_manifest_fields
    manifest = version_dir(copies[1]) / "version.yaml"
    manifest.write_text(set_manifest_fields(manifest.read_text(encoding="utf-8"), {"table_sha256": "0" * 64}),
                        encoding="utf-8")
    code, findings = run_check(policies=copies[1])
    assert code == 1 and [f["check"] for f in errors(findings)] == ["table-mismatch"] and len(built) == first


def test_check_version_runs_the_one_list_of_stages_the_module_declares(tree_copy, monkeypatch):
    """A stage added to CHECK_STAGES is run (the README's recipe for a check); the module declared a second list,
    STAGES, that its docstring said check_version runs and that nothing ran."""
    from sc_policy.app import checking
    from sc_policy.diagnostics import Diagnostic, Span
    declared = [name for name, value in vars(checking).items() if isinstance(value, tuple) and value
                and all(isinstance(stage, checking.Stage) for stage in value)]
    assert declared == ["CHECK_STAGES"]
    said = Diagnostic(Span(f"{REL}/version.yaml", 1, 1), "warning", "not-frozen", "a new stage ran")
    monkeypatch.setattr(checking, "CHECK_STAGES", checking.CHECK_STAGES + (
        checking.Stage("new", lambda run: run.out.append(said)),))
    assert said in check_tree(tree_copy, [VERSION])
