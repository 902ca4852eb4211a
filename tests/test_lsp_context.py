"""What the language server takes the cursor to be on, in the shapes the rule files are written in
(and in a buffer that is not valid YAML while it is typed). No pygls needed."""

from __future__ import annotations

import pytest

from sc_policy.lsp.context import context_at, in_comment, token_at

CLAUSE = """\
# a comment: with a colon
id: noc-a-exception
applies_to:
- ict
- manufacturing
when: noc_level == "A"
condition: >-
  noc in area_noc_a
  and noc_level == "A"
explain:
  pass: "{noc} is listed"

  fail: "{noc} is not: {area_title}"
source:
  - line: 62
    quote: 'Note: (leaving 1 NOC A occupation included)'
  - {line: 80, quote: In-scope occupations}
"""

AREA = """\
industries:
  include:
  - code: '4173'
    description: Computer wholesaler
    source:
    - {line: 22, quote: Computer (NAICS 4173)}
occupations:
- code: '2174'
  title: [unclosed
"""


def at(text: str, needle: str, offset: int):
    lines = text.splitlines(True)
    number = next(i for i, line in enumerate(lines) if needle in line)
    return context_at(lines, number, lines[number].index(needle) + offset)


@pytest.mark.parametrize("needle, offset, key, outer", [
    ("- ict", 3, "applies_to", ()),                      # a block list at the key's own indentation
    ("- manufacturing", 5, "applies_to", ()),
    ('when: noc_level', 8, "when", ()),
    ("  noc in area_noc_a", 5, "condition", ()),         # a folded scalar's next lines
    ('and noc_level == "A"', 6, "condition", ()),
    ('  pass: "{noc}', 11, "pass", ("explain",)),
    ('  fail: "{noc}', 30, "fail", ("explain",)),         # past a blank line, text holding a colon
    ("  - line: 62", 11, "line", ("source",)),
    ("    quote: 'Note:", 16, "quote", ("source",)),       # "Note:" in a quoted value is no key
    ("  - {line: 80", 12, "line", ("source",)),
])
def test_the_key_whose_value_holds_the_cursor(needle, offset, key, outer):
    context = at(CLAUSE, needle, offset)
    assert (context.key, context.outer) == (key, outer)


def test_a_list_items_first_key_is_a_sibling_and_enclosing_keys_are_found_above():
    four = at(AREA, "- code: '4173'", 10)
    assert (four.key, four.outer) == ("code", ("industries", "include"))
    cited = at(AREA, "{line: 22", 8)
    assert (cited.key, cited.outer) == ("line", ("industries", "include", "source"))
    noc = at(AREA, "- code: '2174'", 10)
    assert (noc.key, noc.outer) == ("code", ("occupations",)) and not noc.within("industries")
    broken = at(AREA, "title: [unclosed", 10)  # not YAML: still read as text
    assert (broken.key, broken.outer) == ("title", ("occupations",))


def test_the_word_under_the_cursor():
    assert token_at("- code: '2174'\n", 11) == ("2174", 9, 13)
    assert token_at("applies_to: [ict, life-sciences]", 20) == ("life-sciences", 18, 31)
    assert token_at("a: b", 2) is None


def test_a_column_past_the_end_of_the_line_is_its_end():
    # pygls gives a position past the last line as the last line's length with its newline
    assert token_at("- code: '2174'\n", 15) is None
    assert token_at("  version: 2\n", 13) == ("2", 11, 12)
    assert token_at("ab", 99) == ("ab", 0, 2)


def test_a_comment_is_told_from_a_hash_in_a_value():
    assert in_comment("applies_to: [ict] # ", 20) and in_comment("# applies_to: [", 15)
    assert in_comment("  # note", 5) and not in_comment("  # note", 1)
    assert not in_comment("condition: noc == '#1' and ", 27)         # in quotes: a value
    assert not in_comment("explain: {pass: a#b, ", 21)               # no space before it: a value
    assert not in_comment("applies_to: [ict, ", 18)


def test_completion_offers_nothing_in_a_comment(tmp_path):
    from sc_policy.lsp.completion import completions
    from sc_policy.lsp.overlay import Place
    place = Place(tmp_path, tmp_path / "p" / "v", "clauses/c.yaml")
    lines = ["id: c\n", "applies_to: [ict] # see \n", "condition: noc_level == 'A'  # noc\n"]
    assert completions(lines, 1, 15, place, None) is not None            # inside the list
    assert completions(lines, 1, 24, place, None) is None                # in the comment after it
    assert completions(lines, 2, 20, place, None) is not None
    assert completions(lines, 2, 35, place, None) is None


def test_hover_reads_only_ascii_digits_and_says_when_the_version_is_not_checked_yet(tmp_path):
    from sc_policy.lsp.hover import hover_text
    from sc_policy.lsp.overlay import Place
    from sc_policy.reference.statcan import reference_data
    place, ref = Place(tmp_path, tmp_path / "p" / "v", "areas/a.yaml"), reference_data()
    lines = ["source:\n", "- {line: \u00b2, quote: x}\n", "- {line: \uff11\uff17, quote: x}\n",
             "- {line: 17, quote: x}\n", "occupations:\n", "- code: '2174'\n"]
    assert hover_text(lines, 1, 9, place, None, ref) is None          # a superscript two is no line number
    assert hover_text(lines, 2, 9, place, None, ref) is None          # nor are fullwidth digits (YAML: a string)
    text, start, end = hover_text(lines, 3, 9, place, None, ref)
    assert "not known yet" in text and "does not load" not in text and (start, end) == (9, 11)
    text = hover_text(lines, 5, 10, place, None, ref)[0]
    assert "Computer programmers" in text and "not known yet" in text and "does not load" not in text


def test_hover_on_a_line_number_of_thousands_of_digits_is_none_not_a_traceback(tmp_path):
    """int() of a 5,000-digit token raised ValueError: the editor got an error response carrying a traceback."""
    from sc_policy.lsp.hover import hover_text
    from sc_policy.lsp.overlay import Place
    from sc_policy.reference.statcan import reference_data
    place = Place(tmp_path, tmp_path / "p" / "v", "areas/a.yaml")
    lines = ["source:\n", "- {line: " + "1" * 5_000 + ", quote: x}\n", "- {line: 1234567890, quote: x}\n"]
    assert hover_text(lines, 1, 9, place, None, reference_data()) is None
    assert hover_text(lines, 2, 9, place, None, reference_data()) is None  # over the schema's 9 digits


def test_hover_on_a_fact_name_in_a_clause_shows_its_type_and_meaning(tmp_path):
    """Completion offered a fact with its meaning; hovering over it where it is read said nothing."""
    from sc_policy.engine.facts import FACTS
    from sc_policy.lsp.hover import hover_text
    from sc_policy.lsp.overlay import Place
    from sc_policy.reference.statcan import reference_data
    place, ref = Place(tmp_path, tmp_path / "p" / "v", "clauses/c.yaml"), reference_data()
    lines = ["id: c\n", "title: the area and the noc\n", "condition: >-\n", "  noc in area_occupations and area != 'noc'\n",
             "explain:\n", "  pass: \"{noc_title} is listed in the area {area_title}\"\n"]
    text, start, end = hover_text(lines, 3, 12, place, None, ref)
    assert (start, end) == (9, 25) and "area_occupations" in text and FACTS["area_occupations"].doc in text
    assert FACTS["area_occupations"].type in text
    text, start, end = hover_text(lines, 5, 12, place, None, ref)  # a template's placeholder
    assert (start, end) == (10, 19) and FACTS["noc_title"].doc in text
    assert hover_text(lines, 5, 40, place, None, ref) is None   # "area" in a template's text, not a placeholder
    assert hover_text(lines, 3, 39, place, None, ref) is None   # 'noc' in an expression's string
    assert hover_text(lines, 1, 23, place, None, ref) is None   # a title's words are prose
    area = Place(tmp_path, tmp_path / "p" / "v", "areas/a.yaml")
    assert hover_text(["condition: noc\n"], 0, 12, area, None, ref) is None  # only a clause reads facts


def test_a_path_too_long_for_the_system_is_no_rule_file(tmp_path):
    """An editor's URI of a path over the system's limit made hover and completion an internal error
    (-32603, OSError: File name too long) while looking for its manifest."""
    from sc_policy.lsp.overlay import place_of
    assert place_of(tmp_path / ("a/" * 3_000) / "version.yaml") is None
    assert place_of(tmp_path / ("a" * 300) / "clauses" / "x.yaml") is None
    from sc_policy.lsp.overlay import check_with
    from sc_policy.reference.statcan import reference_data
    opened = tmp_path / ("a/" * 3_000) / "p" / "v" / "version.yaml"  # open in the editor, so it has a place
    place = place_of(opened, lambda p: p == opened)
    [finding] = check_with(place, {opened: "id: v\n"}, reference_data()).findings
    assert (finding.severity, finding.code, finding.span.path) == ("error", "os-error", place.shown)
    assert finding.message.endswith("cannot check the version: File name too long"), finding.message


def test_a_version_yaml_open_inside_a_version_folder_is_one_error_at_it(tree_copy):
    """An unsaved version.yaml in a folder of a version (``phase-1.1/notes/version.yaml``) would make its
    policy folder the tree: the check is one finding at the file, not a fault of the server."""
    from sc_policy.lsp.overlay import check_with, place_of
    from sc_policy.reference.statcan import reference_data
    from conftest import version_dir
    path = version_dir(tree_copy) / "notes" / "version.yaml"
    place = place_of(path, lambda p: p == path)
    assert place is not None and place.folder == path.parent
    checked = check_with(place, {path: "id: notes\n"}, reference_data())
    [finding] = checked.findings
    assert finding.severity == "error" and finding.span.path == place.shown
    assert "so it is a policy folder, not a policy tree" in finding.message


RESOLUTIONS = """\
resolutions:
  - id: ict-two-noc-a
    resolves: [noc-a-limit:ict, title-conflict:9232, citation-area:occupation-listed:ict]
    affects:
      - {area: manufacturing, codes: ["2174"]}
  - id: listed-twice
    resolves:
      - duplicate-occupation:life-sciences:3219
interpretations:
  - id: note-adds-none
    areas: [ict, life-sciences]  # ict
"""

TESTS = """\
cases:
- name: ict-two-noc-a keeps 2174
  noc: '2174'
  expect:
    eligible: true
    areas: [ict]
    clauses:
      ict: {noc-a-exception: pass, occupation-listed: pass}
      manufacturing:
        phase-1-manufacturing: fail
"""


def named(rel: str, text: str, needle: str, offset: int, tmp_path):
    """The id the cursor names at ``needle`` (plus ``offset``) of a rule file ``rel``: (kind, id) or None."""
    from sc_policy.lsp.overlay import Place
    from sc_policy.lsp.references import reference_at
    lines = text.splitlines(True)
    number = next(i for i, line in enumerate(lines) if needle in line)
    place = Place(tmp_path, tmp_path / "p" / "v", rel)
    found = reference_at(lines, number, lines[number].index(needle) + offset, place)
    return (found.kind, found.id) if found else None


@pytest.mark.parametrize("rel, text, needle, offset, expected", [
    ("clauses/c.yaml", CLAUSE, "- manufacturing", 4, ("area", "manufacturing")),            # applies_to
    ("clauses/c.yaml", "rests_on: [a-reading, other]\n", "other", 2, ("interpretation", "other")),
    ("clauses/c.yaml", "area_source:\n  ict:\n  - {line: 64, quote: x}\n", "ict", 1, ("area", "ict")),
    ("clauses/c.yaml", "area_source:\n  ict:\n  - {line: 64, quote: x}\n", "line", 1, None),
    ("clauses/c.yaml", CLAUSE, "id: noc-a-exception", 6, None),                             # its own id
    ("resolutions.yaml", RESOLUTIONS, "noc-a-limit:ict", 13, ("area", "ict")),              # a key's subject
    ("resolutions.yaml", RESOLUTIONS, "noc-a-limit:ict", 2, None),                          # its check
    ("resolutions.yaml", RESOLUTIONS, "title-conflict:9232", 16, None),                     # a code
    ("resolutions.yaml", RESOLUTIONS, "area:occupation-listed", 6, None),                   # no resolvable check
    ("resolutions.yaml", RESOLUTIONS, "duplicate-occupation:life-sciences:3219", 25, ("area", "life-sciences")),
    ("resolutions.yaml", RESOLUTIONS, "duplicate-occupation:life-sciences:3219", 37, None),
    ("resolutions.yaml", RESOLUTIONS, "{area: manufacturing", 9, ("area", "manufacturing")),
    ("resolutions.yaml", RESOLUTIONS, "areas: [ict, life", 15, ("area", "life-sciences")),
    ("resolutions.yaml", RESOLUTIONS, "# ict", 3, None),                                    # a comment
    ("tests/t.yaml", TESTS, "areas: [ict]", 9, ("area", "ict")),
    ("tests/t.yaml", TESTS, "ict: {noc-a", 1, ("area", "ict")),
    ("tests/t.yaml", TESTS, "noc-a-exception: pass", 3, ("clause", "noc-a-exception")),
    ("tests/t.yaml", TESTS, "occupation-listed: pass}", 3, ("clause", "occupation-listed")),
    ("tests/t.yaml", TESTS, "occupation-listed: pass}", 21, None),                       # a result
    ("tests/t.yaml", TESTS, "manufacturing:", 3, ("area", "manufacturing")),
    ("tests/t.yaml", TESTS, "phase-1-manufacturing", 3, ("clause", "phase-1-manufacturing")),
    ("tests/t.yaml", TESTS, "name: ict-two", 7, None),
    ("areas/a.yaml", "id: ict\n", "ict", 1, None),
    ("version.yaml", "id: phase-2\nsupersedes: phase-1.1\n", "phase-1.1", 8, ("version", "phase-1.1")),
    ("version.yaml", "supersedes: 'phase-1'  # the first\n", "phase-1", 0, ("version", "phase-1")),
    ("version.yaml", "supersedes: phase-1  # the first\n", "the", 0, None),                # its comment
    ("version.yaml", "supersedes: null\n", "null", 1, None),                               # YAML's none
    ("version.yaml", "supersedes: null  # the first\n", "null", 1, None),                 # none, with a comment
    ("version.yaml", "supersedes:  null\n", "null", 1, None),                              # none, two spaces
    ("version.yaml", "supersedes: 'null'\n", "null", 1, ("version", "null")),             # quoted: an id
    ("version.yaml", "id: phase-2\nsupersedes: phase-1.1\n", "phase-2", 1, None),        # its own id
])
def test_the_id_under_the_cursor_and_what_it_names(rel, text, needle, offset, expected, tmp_path):
    assert named(rel, text, needle, offset, tmp_path) == expected


def test_an_ids_entry_is_found_in_the_checked_model_else_in_the_file_its_id_names(shipped_copy):
    """Go to definition: an interpretation to its entry in resolutions.yaml, an area or a clause to the
    ``id`` of its file, each where the model built from the editor's text put it."""
    from sc_policy.lsp.overlay import check_with, place_of
    from sc_policy.lsp.references import Reference, definition_of
    from sc_policy.reference.statcan import reference_data
    from conftest import version_dir
    folder = version_dir(shipped_copy)
    resolutions = folder / "resolutions.yaml"
    unsaved = resolutions.read_text(encoding="utf-8").replace("interpretations:\n", "interpretations:\n# moved\n\n")
    place = place_of(folder / "clauses" / "occupation-listed.yaml")
    version = check_with(place, {resolutions: unsaved}, reference_data()).version
    span = definition_of(Reference("interpretation", "life-sciences-note-adds-none", 0, 0), place, version)
    line = unsaved.splitlines()[span.line - 1]
    assert span.path == f"{place.version_id}/resolutions.yaml" and line.strip() == "- id: life-sciences-note-adds-none"
    assert line[span.column - 1:].startswith("id:")
    span = definition_of(Reference("clause", "noc-a-exception", 0, 0), place, version)
    assert (span.path, span.line) == (f"{place.version_id}/clauses/noc-a-exception.yaml", 5)  # after its comment
    assert definition_of(Reference("area", "ict", 0, 0), place, None).path == f"{place.version_id}/areas/ict.yaml"
    assert definition_of(Reference("area", "nowhere", 0, 0), place, version) is None
    assert definition_of(Reference("interpretation", "life-sciences-note-adds-none", 0, 0), place, None) is None


def test_hover_on_an_interpretation_shows_its_reading_and_on_an_area_its_title(shipped_copy):
    from sc_policy.lsp.hover import hover_text
    from sc_policy.lsp.overlay import check_with, place_of
    from sc_policy.reference.statcan import reference_data
    from conftest import version_dir
    folder, ref = version_dir(shipped_copy), reference_data()
    clause = folder / "clauses" / "occupation-listed.yaml"
    lines = clause.read_text(encoding="utf-8").splitlines(True)
    place = place_of(clause)
    checked = check_with(place, {}, ref)
    number = next(i for i, line in enumerate(lines) if line.startswith("rests_on:"))
    column = lines[number].index("life-sciences-note-adds-none") + 3
    text, start, end = hover_text(lines, number, column, place, checked, ref)
    assert (start, end) == (column - 3, column - 3 + len("life-sciences-note-adds-none"))
    [reading] = [i for i in checked.version.interpretations if i.id == "life-sciences-note-adds-none"]
    shown = text.replace("\\", "")
    assert " ".join(reading.question.split()) in shown and " ".join(reading.reading.split()) in shown
    assert f"line 82: {reading.source[0].quote}" in shown and "ict, life-sciences" in shown
    assert "not known yet" in hover_text(lines, number, column, place, None, ref)[0]
    number = next(i for i, line in enumerate(lines) if line.startswith("applies_to:"))
    text = hover_text(lines, number, lines[number].index("life-sciences") + 1, place, checked, ref)[0]
    assert text.replace("\\", "") == "**area `life-sciences`** " + checked.version.area("life-sciences").title
    unknown = ["applies_to: [ict, nowhere]\n"]
    assert "has no such area" in hover_text(unknown, 0, 20, place, checked, ref)[0]


def test_a_manifest_s_supersedes_goes_to_that_version_and_shows_its_title(shipped_copy):
    """``supersedes: phase-1`` in phase-1.1's manifest: go to definition opens phase-1's manifest at its
    ``id``, and the hover gives its title, status and period; a version the policy lacks has neither."""
    from sc_policy.lsp.hover import hover_text
    from sc_policy.lsp.overlay import place_of
    from sc_policy.lsp.references import Reference, definition_of
    from sc_policy.reference.statcan import reference_data
    from conftest import version_dir
    folder = version_dir(shipped_copy).parent / "phase-1.1"  # (phase-1.2 supersedes phase-1.1)
    manifest = folder / "version.yaml"
    lines = manifest.read_text(encoding="utf-8").splitlines(True)
    place = place_of(manifest)
    number = next(i for i, line in enumerate(lines) if line.startswith("supersedes:"))
    column = lines[number].index("phase-1") + 2
    span = definition_of(Reference("version", "phase-1", 0, 0), place, None)
    earlier = folder.parent / "phase-1" / "version.yaml"
    assert span.path == f"{folder.parent.name}/phase-1/version.yaml"
    assert earlier.read_text(encoding="utf-8").splitlines()[span.line - 1] == "id: phase-1"
    text, start, end = hover_text(lines, number, column, place, None, reference_data())
    assert (start, end) == (column - 2, column - 2 + len("phase-1"))
    assert text.startswith("**version `phase-1`** Second Career Fast Track") and "status: superseded" in text
    assert definition_of(Reference("version", "phase-9", 0, 0), place, None) is None
    lines[number] = "supersedes: phase-9\n"
    text, _, _ = hover_text(lines, number, column, place, None, reference_data())
    assert text.startswith("**version `phase-9`**: policy ") and "has no such version" in text
