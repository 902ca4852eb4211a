"""The cache's layout check (:func:`sc_policy.engine.layout.layout_differs`): a table read back that decides as its
version does, but is laid out or described otherwise, is named, each change in its own words (the words a user reads
when a frozen version's cache entry is set aside). The version here has clauses that read both families (so some
classes are split and described as split) and clauses whose industry reading shows only in an expression or only
in a template (so the compiler's order of an area's clauses depends on both)."""

from __future__ import annotations

import copy
import shutil

import pytest
import yaml

from sc_policy.app.workspace import Workspace
from sc_policy.engine.classes import REFINED, code_order
from sc_policy.engine.layout import layout_differs
from sc_policy.engine.table import table_from_dict, table_to_dict
from sc_policy.resources import shipped_policies

from conftest import VERSION, unfrozen, version_dir

ADDED = {  # id: (condition, fail template); each passes with "{noc} passes."
    "aa-not-level-d-in-31": ('not (noc_level == "D" and "31" in industry_prefixes)', "{noc} fails."),
    "ab-not-supervisors-with-industry": ('not (noc_title =~ "^Supervisors" and industry_given)', "{noc} fails."),
    "ac-level-known": ('noc_level != "E"', "{noc} fails in {industry}."),  # reads the industry in its words alone
}
BOTH = "aa-not-level-d-in-31, ab-not-supervisors-with-industry"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = unfrozen(shutil.copytree(shipped_policies(), tmp_path_factory.mktemp("layout") / "policies"))
    for name, (condition, fail) in ADDED.items():
        (version_dir(root) / "clauses" / f"{name}.yaml").write_text(yaml.safe_dump({
            "id": name, "version": 1, "title": name, "applies_to": ["ict", "life-sciences", "manufacturing"],
            "condition": condition, "explain": {"pass": "{noc} passes.", "fail": fail}, "source": [],
            "area_source": {"ict": [{"line": 64, "quote": "In-scope occupations"}],
                            "life-sciences": [{"line": 84, "quote": "In-scope occupations"}],
                            "manufacturing": [{"line": 147, "quote": "In-Scope Occupations:"}]}}), encoding="utf-8")
    opened = Workspace(root, cache=False).open(VERSION)
    return opened.version, table_to_dict(opened.table)


def test_the_table_as_built_is_laid_out_as_built(built):
    version, data = built
    table = table_from_dict(data, version)
    # after the occupation clauses: aa (its words name no industry) and ac (its expression reads none)
    assert [c.clause for c in table.columns[0]][3:6] == ["aa-not-level-d-in-31", "ab-not-supervisors-with-industry",
                                                         "ac-level-known"]
    assert [c.description.partition(REFINED)[2] for c in table.classes if REFINED in c.description] == [
        f"{BOTH} treat like 31", f"{BOTH} treat like 32"]  # the forgeries below rely on a split class
    assert layout_differs(table, version) is None


def _class(data, representative):
    return next(k for k, c in enumerate(data["classes"]) if c["representative"] == representative)


def _reorder_classes(data, order, classes=None):
    """Lay out ``classes`` (by default the classes in ``order``), the results of each from those of class
    ``order[k]`` (old class indices), in every column."""
    width = len(data["classes"]) + 1
    data["classes"] = classes if classes is not None else [data["classes"][k] for k in order]
    cells = [0] + [k + 1 for k in order]
    for col in (c for cols in data["columns"] for c in cols):
        o = col["outcomes"]
        if col["kind"] == "industry":
            col["outcomes"] = "".join(o[j] for j in cells)
        elif col["kind"] == "both":
            col["outcomes"] = "".join(o[i + j] for i in range(0, len(o), width) for j in cells)


def _unit_groups_reversed(data):
    width = len(data["classes"]) + 1
    data["nocs"].reverse()
    for col in (c for cols in data["columns"] for c in cols):
        if col["kind"] == "occupation":
            col["outcomes"] = col["outcomes"][::-1]
        elif col["kind"] == "both":
            o = col["outcomes"]
            col["outcomes"] = "".join(o[i:i + width] for i in reversed(range(0, len(o), width)))


def _both_clauses_swapped(data):
    for cols in data["columns"]:
        cols[3], cols[4] = cols[4], cols[3]


def _codes_reordered(data):  # the representative still first
    cls = data["classes"][_class(data, "3254")]
    cls["codes"][-2:] = reversed(cls["codes"][-2:])


def _represented_by_another_shortest_code(data):  # its place among the classes kept
    cls = data["classes"][_class(data, "517")]
    assert "518" in cls["codes"]
    cls["representative"] = "518"


def _two_classes_swapped(data):
    order = list(range(len(data["classes"])))
    a, b = _class(data, "3254"), _class(data, "5417")
    order[a], order[b] = b, a
    _reorder_classes(data, order)


def _a_class_split(data):  # 54172 and 541720 out of 5417, as a class of their own at its place
    k = _class(data, "5417")
    cls = data["classes"][k]
    moved = [c for c in cls["codes"] if c.startswith("54172")]
    cls["codes"] = [c for c in cls["codes"] if c not in moved]
    classes = data["classes"] + [{"representative": moved[0], "codes": moved, "description": cls["description"]}]
    _reorder_classes(data, list(range(len(data["classes"]))) + [k], classes)


def _described(representative, description):
    def forge(data):
        data["classes"][_class(data, representative)]["description"] = description
    return forge


def _split_parts_described_as(base):
    def forge(data):
        for rep in ("31", "32"):
            cls = data["classes"][_class(data, rep)]
            cls["description"] = base + REFINED + cls["description"].partition(REFINED)[2]
    return forge


SPLIT = "within 31, 32 or 33, outside 3254, 334 (but within 3345), 3391"
FORGERIES = {
    "unit groups reversed": (_unit_groups_reversed, "its unit groups are not in code order"),
    "the clauses reading both families swapped": (
        _both_clauses_swapped, "the clauses of area ict are not in the order the explanation lists them"),
    "a class's codes out of order": (_codes_reordered, "an industry class is not represented by its first code"),
    "a class represented by another of its shortest codes": (
        _represented_by_another_shortest_code, "an industry class is not represented by its first code"),
    "two classes swapped": (_two_classes_swapped, "its industry classes are not in order"),
    "a class split in two": (_a_class_split, "two of its industry classes decide alike"),
    "a class described otherwise": (_described("5417", "within 54"), "industry class 5417"),
    "a class described as split alone": (_described("5417", f"within 5417{REFINED}{BOTH} treat like 5417"),
                                         "industry class 5417"),
    "a split class's part said to be split by one clause": (
        _described("31", f"{SPLIT}{REFINED}aa-not-level-d-in-31 treat like 31"), "industry class 31"),
    "a split class's part said to be like another code": (
        _described("31", f"{SPLIT}{REFINED}{BOTH} treat like 32"), "industry class 31"),
    "a split class's part described as not split": (_described("32", SPLIT), "industry class 32"),
    "a split class's parts described as another class": (
        _split_parts_described_as("within 334, outside 3345"), "industry class 31"),
}


@pytest.mark.parametrize("forge, said", FORGERIES.values(), ids=FORGERIES)
def test_each_change_of_layout_or_description_is_named(built, forge, said):
    version, data = built
    forged = copy.deepcopy(data)
    forge(forged)
    table = table_from_dict(forged, version)  # whole: only its layout or its descriptions tell
    reps = [c.representative for c in table.classes]
    if forge is not _two_classes_swapped:  # the other checks are reached: the classes are still in order
        assert reps == sorted(reps, key=code_order)
    found = layout_differs(table, version)
    assert found is not None and found.startswith(said), found
    if said.startswith("industry class"):
        assert found == f"{said} is not described as the version describes it"
