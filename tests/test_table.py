"""The compiled decision table: it agrees with direct rule-engine evaluation everywhere, it is
cached safely on disk, and `sc-policy table` exports it whole."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_policy.app.workspace import Workspace
from sc_policy.app.cache import TableCache, decode, encode
from sc_policy.engine.table import table_to_dict
from sc_policy.cli import main
from sc_policy.diagnostics import ScPolicyError
from sc_policy.reference.statcan import NAICS_RANGES, reference_data
from sc_policy.present.render import answer_json

from conftest import POLICY, SHIPPED, VERSION, edit, version_dir

NAICS = reference_data().naics2017_codes
NOCS = tuple(sorted(reference_data().noc2016))


def same_everywhere(evaluator, industry, nocs=NOCS):
    """Table and direct evaluation give byte-identical JSON for every NOC 2016 unit group (of ``nocs``)."""
    for noc in nocs:
        table = answer_json(evaluator.answer(noc, industry))
        direct = answer_json(evaluator.answer(noc, industry, direct=True))
        assert table == direct, (noc, industry)


# -- the differential test -------------------------------------------------------------

def test_table_is_used_and_agrees_with_direct_evaluation_without_industry(opened):
    assert opened.table is not None and opened.table.cell("2174", None) is not None
    same_everywhere(opened.evaluator, None)


@pytest.mark.slow
def test_table_agrees_for_every_industry_class_representative(opened):
    for cls in opened.table.classes:
        same_everywhere(opened.evaluator, cls.representative)


@pytest.mark.slow
@settings(max_examples=5)
@given(industry=st.sampled_from(NAICS))
def test_table_agrees_with_direct_evaluation_for_sampled_industries(opened, industry):
    same_everywhere(opened.evaluator, industry)


@settings(max_examples=60)
@given(noc=st.sampled_from(NOCS), industry=st.sampled_from(NAICS), noc2021=st.sampled_from(
    sorted(reference_data().concordance)))
def test_table_agrees_on_text_and_noc_2021_answers(ws, opened, noc, industry, noc2021):
    from sc_policy.present.render import answer_text
    ev = opened.evaluator
    for args in ((noc, industry, "2016"), (noc2021, industry, "2021")):
        table, direct = ev.answer(*args), ev.answer(*args, direct=True)
        assert answer_json(table) == answer_json(direct)
        assert answer_text(table, opened.version, ws.refdata) == answer_text(direct, opened.version, ws.refdata)


def test_table_cells_give_the_areas_explain_gives(opened):
    t = opened.table
    assert len(t.nocs) == 500 and t.width == len(t.classes) + 1
    for noc, j, cls, areas in t.rows():
        if noc in ("2174", "2281", "0011", "7511"):
            industry = cls.representative if cls else None
            assert areas == opened.evaluator.decide_direct(noc, industry).in_scope


MIXED_CLAUSE = """\
id: ict-b-needs-computer-services
version: 1
title: An ICT occupation at level B needs an employer in computer systems design (5415)
applies_to: [ict]
when: industry_given and noc_level == "B"
condition: (industry_prefixes & {"5415"}).length > 0
explain:
  pass: "{noc} at level B with NAICS {industry} in computer systems design."
  fail: "{noc} at level B, but NAICS {industry} {industry_title} is not in computer systems design (5415)."
  not_applicable: "Not a level B occupation with an employer industry."
source:
  - line: 13
    quote: Definitions of each Invest Ontario priority area and the list of occupations included under each priority areas are outlined below.
"""


@pytest.mark.slow
def test_a_clause_reading_occupation_and_industry_is_exact_per_code(tree_copy):
    (version_dir(tree_copy) / "clauses" / "ict-b-needs-computer-services.yaml").write_text(MIXED_CLAUSE,
                                                                                        encoding="utf-8")
    opened = Workspace(tree_copy, cache=False).open(VERSION)
    assert "ict-b-needs-computer-services" in [c.clause.id for c in opened.compiled.clauses]
    t = opened.table
    # 5415 is split off from the other ICT codes, for every unit group.
    assert t.industry_class("541514") != t.industry_class("517310")
    assert "ict" in t.in_scope(t.cell("2281", "541514"))  # 2281 is level B, and listed under ICT
    assert "ict" not in t.in_scope(t.cell("2281", "517310"))
    assert "ict" in t.in_scope(t.cell("2174", "517310"))  # level A: the new clause does not apply
    assert "ict" in t.in_scope(t.cell("2281", None))  # no industry: it does not apply either
    for industry in (None, "541515", "517310", "11"):
        same_everywhere(opened.evaluator, industry)


AREA_CLAUSE = """\
id: area-lists-occupations
version: 1
title: The area lists the occupations in scope
applies_to: [manufacturing]
condition: area_occupations.length > 0
explain:
  pass: "{area_title} lists the occupations in scope."
  fail: "{area_title} lists no occupation."
source:
  - line: 13
    quote: Definitions of each Invest Ontario priority area and the list of occupations included under each priority areas are outlined below.
"""


def test_a_clause_reading_only_the_areas_facts_is_decided_for_every_case(tree_copy):
    """A clause that reads only its area's facts has one result for every input (one cell in the table); the
    answers of the table, with its text, are those of direct evaluation, and the version can be frozen."""
    (version_dir(tree_copy) / "clauses" / "area-lists-occupations.yaml").write_text(AREA_CLAUSE, encoding="utf-8")
    opened = Workspace(tree_copy, cache=False).open(VERSION)
    assert [c.kind for c in opened.table.columns[opened.table.areas.index("manufacturing")]
            if c.clause == "area-lists-occupations"] == ["area"]
    for noc, industry, verdict in (("9416", "311111", "eligible"), ("9416", None, "eligible"),
                                   ("7241", "311111", "not_eligible")):
        answer = opened.evaluator.answer(noc, industry)
        assert answer.verdict == verdict, (noc, industry)
        manufacturing = answer.candidates[0].areas[opened.table.areas.index("manufacturing")]
        assert "Manufacturing lists the occupations in scope." in [c.reason for c in manufacturing.clauses]
        assert answer_json(answer) == answer_json(opened.evaluator.answer(noc, industry, direct=True))
    from sc_policy.engine.table import DecisionTable, TableColumn, decisions_hash
    t = opened.table  # the decisions hash covers what is decided, not how a column stores it
    spread = DecisionTable(t.policy, t.version, t.version_hash, t.areas, t.nocs, t.classes,
                           [[TableColumn(c.clause, c.outcomes * len(t.nocs), "occupation") if c.kind == "area" else c
                             for c in cols] for cols in t.columns], {c.id: c for c in opened.version.clauses})
    assert decisions_hash(spread) == decisions_hash(t)
    frozen = CliRunner().invoke(main, ["freeze", VERSION, "--policies", str(tree_copy)])  # hashes its decisions
    assert frozen.exit_code == 0, frozen.output
    assert Workspace(tree_copy, cache=False).explain("9416", "311111", version=VERSION).verdict == "eligible"


def _answer_after(tree_copy, first, first_verdict, then, then_verdict) -> None:
    """Ask the edited tree's table ``first`` then ``then`` (each (noc[, industry])): each has its verdict, and
    ``then``'s answer is direct evaluation's, byte for byte (the table remembered nothing of ``first`` wrongly)."""
    ev = Workspace(tree_copy, cache=False).open(VERSION).evaluator
    assert ev.answer(*first).verdict == first_verdict
    answer = ev.answer(*then)
    assert answer.verdict == then_verdict
    assert answer_json(answer) == answer_json(ev.answer(*then, direct=True))


def test_an_occupation_clause_whose_text_quotes_no_occupation_fact_is_still_decided_per_unit_group(tree_copy):
    """An answer from the table remembers a clause's results by what they depend on. A skill-level clause
    whose explanation quotes no occupation fact still depends on the unit group: a level D code answered
    first must not make the level B 2281 (listed under ICT) fail it."""
    path = version_dir(tree_copy) / "clauses" / "skill-level-limit.yaml"
    edit(path, '"{noc} is at NOC skill level {noc_level}, one of the levels in scope (A, B, C)."',
         '"The skill level is one of the levels in scope (A, B, C)."')
    edit(path, '"{noc} is at NOC skill level {noc_level}; only NOC A, B and C occupations are in scope."',
         '"Only NOC A, B and C occupations are in scope."')
    _answer_after(tree_copy, ("6611",), "not_eligible", ("2281",), "eligible")  # 6611, level D: the clause fails


def test_an_industry_clause_whose_text_quotes_no_industry_fact_is_still_decided_per_industry(tree_copy):
    """The same for the industry: an industry clause whose explanation does not quote the industry still
    depends on it, so 2174 with an ICT employer answered first does not make it eligible with a farm's."""
    path = version_dir(tree_copy) / "clauses" / "industry-in-area.yaml"
    edit(path, '"NAICS {industry} {industry_title} falls within the definition of {area_title}."',
         '"The employer\'s industry falls within the definition of {area_title}."')
    edit(path, '"NAICS {industry} {industry_title} is outside the definition of {area_title}."',
         '"The employer\'s industry is outside the definition of {area_title}."')
    _answer_after(tree_copy, ("2174", "541514"), "eligible", ("2174", "111110"), "not_eligible")


def test_clauses_that_depend_on_different_inputs_in_turn_are_each_decided_on_theirs(tree_copy):
    """Every clause quoting the industry puts Manufacturing's clauses in turns: industry alone (industry-in-area),
    occupation and industry (noc-a-exception, occupation-listed), industry alone (phase-1-manufacturing),
    occupation and industry (skill-level-limit). Each clause is still decided on its own inputs: 9416, listed
    under Manufacturing, answered first does not list 7241 (electricians) with the same employer."""
    clauses = version_dir(tree_copy) / "clauses"
    edit(clauses / "noc-a-exception.yaml", '"{noc} is at NOC skill level {noc_level}, not A."',
         '"{noc} is at NOC skill level {noc_level}, not A (employer: NAICS {industry})."')
    edit(clauses / "occupation-listed.yaml", 'in-scope occupations of {area_title}."',
         'in-scope occupations of {area_title} (employer: NAICS {industry})."')
    edit(clauses / "skill-level-limit.yaml", 'one of the levels in scope (A, B, C)."',
         'one of the levels in scope (A, B, C) (employer: NAICS {industry})."')
    _answer_after(tree_copy, ("9416", "311111"), "eligible", ("7241", "311111"), "not_eligible")


def test_an_industry_clause_whose_text_quotes_the_occupation_names_the_occupation_asked_about(tree_copy):
    """An industry clause decides per industry class, but a text that quotes the occupation is the
    occupation's: the second of two answers with one industry must not repeat the first one's code."""
    path = version_dir(tree_copy) / "clauses" / "industry-in-area.yaml"
    edit(path, '"NAICS {industry} {industry_title} falls within the definition of {area_title}."',
         '"NAICS {industry} falls within the definition of {area_title} (asked for {noc})."')
    ev = Workspace(tree_copy, cache=False).open(VERSION).evaluator
    ev.answer("2174", "541514")
    answer = ev.answer("2281", "541514")
    ict = answer.candidates[0].areas[0]
    assert "NAICS 541514 falls within the definition of Information and Communications Technology (asked for " \
           "2281)." in [c.reason for c in ict.clauses]
    assert answer_json(answer) == answer_json(ev.answer("2281", "541514", direct=True))


# -- the cache -----------------------------------------------------------------------------

def test_second_open_comes_from_the_cache_without_compiling(tree_copy, tmp_path):
    cache = TableCache(tmp_path / "cache")
    first = Workspace(tree_copy, cache=cache).open(VERSION)
    assert first.evaluator._table is None and cache.entries() == []  # opening alone builds no table...
    assert first.table is not None  # ... the first decision (or the table asked for) builds and stores it
    assert len(cache.entries()) == 1
    assert cache.entries()[0].stat().st_mode & 0o777 == 0o600  # an entry is readable by its owner alone
    second = Workspace(tree_copy, cache=cache).open(VERSION)
    assert second.evaluator._compiled is None  # answered from the table, nothing compiled
    assert second.version == first.version and second.findings == first.findings
    assert encode(second.version) == encode(first.version)  # every field, the positions of every element too
    for noc, industry in (("2174", "541514"), ("2173", None), ("9461", "3345")):
        assert answer_json(second.evaluator.answer(noc, industry)) == answer_json(first.evaluator.answer(noc, industry))
    assert second.compiled.version == first.version  # compiled on demand for the callers that need it


def test_version_model_round_trips_through_the_cache_codec(opened):
    assert decode(json.loads(json.dumps(encode(opened.version)))) == opened.version
    assert encode(decode(json.loads(json.dumps(encode(opened.version))))) == encode(opened.version)  # positions too


DAMAGES = {
    "empty": lambda b: b"",
    "garbage": lambda b: b"garbage",
    "torn write": lambda b: b[: len(b) // 2],
    "body changed under its digest": lambda b: b.replace(b'"outcomes":"', b'"outcomes":"f', 1),
    "body replaced": lambda b: b.split(b"\n", 1)[0] + b"\n" + b"[]",
}


def _stored_entry(tree, tmp_path):
    """(the cache, the version's key and folder, its one entry, the JSON answer of 2174 in 541514) once an
    answer has stored the shipped version of ``tree`` in a new cache folder."""
    cache = TableCache(tmp_path / "cache")
    ws = Workspace(tree, cache=cache)
    want = answer_json(ws.explain("2174", "541514", version=VERSION))
    ref = ws.select(VERSION)
    [entry] = cache.entries()
    return cache, cache.key(ws.root, ref.policy, ref.folder, ref.rel), ref.rel, entry, want


def test_a_damaged_cache_entry_is_ignored_and_rebuilt(tree_copy, tmp_path):
    cache, key, rel, entry, want = _stored_entry(tree_copy, tmp_path)
    good = entry.read_bytes()
    assert cache.load(key, rel) is not None
    for name, damage in DAMAGES.items():
        entry.write_bytes(damage(good))
        assert cache.load(key, rel) is None, name
    again = Workspace(tree_copy, cache=cache)
    assert answer_json(again.explain("2174", "541514", version=VERSION)) == want
    assert again.open(VERSION).evaluator._compiled is not None  # rebuilt from the files...
    assert entry.read_bytes() == good  # ... and the entry rewritten whole
    assert [p.name for p in cache.directory.iterdir()] == [entry.name]  # no temporary file left behind


def test_a_forged_entry_with_a_matching_digest_that_does_not_fit_is_refused(tree_copy, tmp_path):
    import hashlib
    cache = TableCache(tmp_path / "cache")
    assert Workspace(tree_copy, cache=cache).open(VERSION).table is not None  # built, and stored
    [entry] = cache.entries()
    head, body = entry.read_bytes().split(b"\n", 1)
    data = json.loads(body)
    data["table"]["columns"][0][0]["outcomes"] = data["table"]["columns"][0][0]["outcomes"][:-1]  # one cell short
    data["version"] = {"$": "os.system", "f": ["echo owned"]}
    body = json.dumps(data).encode()
    header = json.loads(head)
    header["sha256"] = hashlib.sha256(body).hexdigest()
    entry.write_bytes(json.dumps(header).encode() + b"\n" + body)
    assert cache.load(header["key"], "second-career-fast-track/phase-1") is None
    assert Workspace(tree_copy, cache=cache).explain("2174", version=VERSION).eligible


def test_an_entry_at_the_key_of_a_manifest_that_is_not_yaml_is_set_aside_in_one_line(tree_copy, tmp_path,
                                                                                    monkeypatch):
    """A well-formed entry whose key is that of the version's files, manifest not YAML (its bytes are in
    the key): the manifest on disk is the trust anchor, so the answer is the one-line error the files
    give without a cache."""
    monkeypatch.setenv("SC_POLICY_CACHE_DIR", str(tmp_path / "cache"))
    cache = TableCache(tmp_path / "cache")
    assert Workspace(tree_copy, cache=cache).open(VERSION).table is not None  # built, and stored
    [entry] = cache.entries()
    (version_dir(tree_copy) / "version.yaml").write_text("id: [phase-1.1\n", encoding="utf-8")
    args = ["explain", "2174", "--version", VERSION, "--policies", str(tree_copy)]
    want = CliRunner().invoke(main, args, env={"SC_POLICY_NO_CACHE": "1"})
    assert want.exit_code == 2 and "yaml-syntax" in want.stderr and len(want.stderr.splitlines()) == 1, want.output
    ws = Workspace(tree_copy, cache=TableCache(tmp_path / "cache"))
    [ref] = [r for r in ws.refs() if r.rel == f"{POLICY}/{VERSION}"]
    key = ws._cache_key(ref)
    head, body = entry.read_bytes().split(b"\n", 1)
    header = json.loads(head)
    entry.unlink()
    header["key"] = key  # moved to the key of the files as they are now
    cache._path(key, ref.rel).write_bytes(json.dumps(header).encode() + b"\n" + body)
    assert TableCache(tmp_path / "cache").load(key, ref.rel) is not None  # well-formed: it would be read
    with pytest.raises(ScPolicyError) as refused:
        ws.open_ref(ref)
    assert "version.yaml" in refused.value.line()
    result = CliRunner().invoke(main, args)
    assert (result.exit_code, result.output) == (want.exit_code, want.output)


def _drop_last_areas_columns(table):  # whole in every column: the last area would just never be in scope
    table["columns"].pop()


def _list_a_unit_group_twice(table):  # 2174 written over 2175: 2174 would be looked up in 2175's row
    table["nocs"][table["nocs"].index("2175")] = "2174"


def _put_a_code_in_two_classes(table):  # 541514 in the first class as well: it would decide as that class
    table["classes"][0]["codes"].append("541514")


def _represent_a_class_by_a_code_outside_it(table):
    table["classes"][-1]["representative"] = "541514"


def _cut_a_column_short(table):  # the last unit group would have no result for the clause
    col = table["columns"][0][0]
    col["outcomes"] = col["outcomes"][:-1]


def _write_an_unknown_result(table):
    col = table["columns"][0][0]
    col["outcomes"] = "x" + col["outcomes"][1:]


def _give_a_column_an_unknown_kind(table):
    table["columns"][0][0]["kind"] = "everything"


@pytest.mark.parametrize("damage", [_drop_last_areas_columns, _list_a_unit_group_twice, _put_a_code_in_two_classes,
                                    _represent_a_class_by_a_code_outside_it, _cut_a_column_short,
                                    _write_an_unknown_result, _give_a_column_an_unknown_kind])
def test_a_drafts_entry_whose_table_is_not_whole_is_refused(tree_copy, tmp_path, damage):
    """A draft's entry is trusted as its owner's, so the table's own check is what refuses one that a
    damaged or hand-edited cache holds (its digest recomputed): 2174 stays eligible in its three areas."""
    import hashlib
    cache, key, rel, entry, want = _stored_entry(tree_copy, tmp_path)
    head, body = entry.read_bytes().split(b"\n", 1)
    data = json.loads(body)
    damage(data["table"])
    body = json.dumps(data).encode()
    header = json.loads(head)
    header["sha256"] = hashlib.sha256(body).hexdigest()
    entry.write_bytes(json.dumps(header).encode() + b"\n" + body)
    assert cache.load(key, rel) is None
    again = Workspace(tree_copy, cache=cache)
    assert answer_json(again.explain("2174", "541514", version=VERSION)) == want
    assert again.explain("2174", version=VERSION).candidates[0].in_scope == ("ict", "life-sciences", "manufacturing")


def test_editing_a_rule_file_makes_the_entry_stale(tree_copy, tmp_path):
    cache = TableCache(tmp_path / "cache")
    assert Workspace(tree_copy, cache=cache).explain("5224", version=VERSION).eligible
    ict = version_dir(tree_copy) / "areas" / "ict.yaml"
    text = ict.read_text(encoding="utf-8")
    ict.write_text(text.replace("code: '5224'", "code: '5223'").replace('code: "5224"', 'code: "5223"')
                   .replace("code: 5224", "code: 5223"), encoding="utf-8")
    assert "5223" in ict.read_text(encoding="utf-8")
    ws = Workspace(tree_copy, cache=cache)
    assert not ws.explain("5224", version=VERSION).eligible
    assert len(cache.entries()) == 1  # the stale entry was replaced, not kept beside the new one


def test_no_cache_writes_nothing(tree_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SC_POLICY_CACHE_DIR", str(tmp_path / "c"))
    result = CliRunner().invoke(main, ["table", "--policies", str(tree_copy), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "c").exists()
    result = CliRunner().invoke(main, ["table", "--policies", str(tree_copy)])
    assert result.exit_code == 0 and len(list((tmp_path / "c").iterdir())) == 1
    monkeypatch.setenv("SC_POLICY_NO_CACHE", "1")
    monkeypatch.setenv("SC_POLICY_CACHE_DIR", str(tmp_path / "d"))
    assert Workspace(tree_copy).cache is None


@pytest.mark.parametrize("value,cached", [("1", False), ("yes", False), ("true", False), ("0", True), ("", True),
                                          ("false", True), (" No ", True), ("off", True)])
def test_sc_policy_no_cache_is_read_as_a_switch(monkeypatch, tmp_path, value, cached):
    """SC_POLICY_NO_CACHE=false (or no, off) leaves the cache on: it switched it off, as any value but 0 did."""
    monkeypatch.setenv("SC_POLICY_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("SC_POLICY_NO_CACHE", value)
    assert (Workspace().cache is not None) == cached


def test_cache_dir_follows_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.delenv("SC_POLICY_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert Workspace().cache.directory == tmp_path / "sc-policy"


def test_explain_from_a_warm_cache_imports_neither_rule_engine_nor_compiles(tmp_path):
    env = dict(os.environ, SC_POLICY_CACHE_DIR=str(tmp_path))
    script = ("import sys\nfrom sc_policy.cli import main\n"
              "try:\n    main(['explain', '2174', '--industry', '541514', '--format', 'json'])\n"
              "except SystemExit as e:\n    assert not e.code, e.code\n"
              "print('rule_engine' in sys.modules, file=sys.stderr)\n")
    runs = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
            for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[1].stderr
    assert runs[0].stdout == runs[1].stdout and json.loads(runs[1].stdout)["verdict"] == "eligible"
    assert runs[0].stderr.split()[-1] == "True"   # cold: compiled with rule-engine
    assert runs[1].stderr.split()[-1] == "False"  # warm: the table alone


# -- sc-policy table ---------------------------------------------------------------------------

def test_table_command_exports_every_cell(opened):
    result = CliRunner().invoke(main, ["table", "--version", VERSION])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    t = opened.table
    assert len(rows) == 500 * t.width
    by = {(r["noc"], r["industry_representative"]): r for r in rows}
    r = by[("2174", "")]
    assert r["industry_class"] == "0" and r["eligible"] == "true" and r["areas"] == "ict;life-sciences;manufacturing"
    assert r["noc_title"] == "Computer programmers and interactive media developers"
    assert r["version"] == VERSION and r["version_hash"] == opened.version.content_hash
    for row in rows[:: 97]:
        industry = row["industry_representative"] or None
        areas = opened.evaluator.decide_direct(row["noc"], industry).in_scope
        assert row["areas"] == ";".join(areas) and row["eligible"] == ("true" if areas else "false")


def test_table_jsonl_and_classes_join_back_to_every_code(opened):
    result = CliRunner().invoke(main, ["table", "--format", "jsonl"])
    assert result.exit_code == 0
    first = json.loads(result.output.splitlines()[0])
    assert first["noc"] == "0011" and first["eligible"] is False and first["areas"] == []
    result = CliRunner().invoke(main, ["table", "--classes"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == len(NAICS) + 4 and {r["industry"] for r in rows} == set(NAICS) | set(NAICS_RANGES) | {""}
    assert rows[0] == {"industry": "", "industry_title": "no employer industry given", "industry_class": "0",
                       "industry_representative": ""}  # class 0: no industry
    cls = {r["industry"]: r["industry_class"] for r in rows}
    assert cls["541514"] == cls["5415"] and cls["541514"] != cls["334110"]


@pytest.mark.parametrize("version", ["phase-1", VERSION])
def test_a_sector_range_joins_through_the_classes_as_evaluate_decides_it(version):
    """StatCan writes three sectors as ranges ("31-33"), which evaluate accepts: --classes gives each
    a class, and the table's row of that class is evaluate's decision for every NOC code."""
    runner = CliRunner()
    classes = {r["industry"]: r for r in csv.DictReader(io.StringIO(
        runner.invoke(main, ["table", "--classes", "--version", version]).output))}
    table = {(r["noc"], r["industry_class"]): r for r in csv.DictReader(io.StringIO(
        runner.invoke(main, ["table", "--version", version]).output))}
    nocs = sorted({noc for noc, _ in table})
    cases = "noc,industry\n" + "".join(f"{noc},{code}\n" for code in sorted(NAICS_RANGES) for noc in nocs)
    decided = list(csv.DictReader(io.StringIO(
        runner.invoke(main, ["evaluate", "-", "--version", version], input=cases).output)))
    assert len(decided) == 3 * len(nocs) and all(r["error"] == "" for r in decided)
    for row in decided:
        cls = classes[row["industry"]]
        assert cls["industry_title"] == reference_data().naics_title(row["industry"][:2])
        joined = table[row["noc"], cls["industry_class"]]
        assert (joined["eligible"], joined["areas"]) == (row["eligible"], row["areas"]), row


def test_a_sector_range_no_class_decides_is_left_out_with_a_warning(monkeypatch):
    monkeypatch.setattr("sc_policy.cli.table.range_classes", lambda refdata, opened: [("31-33", None), ("44-45", 1)])
    result = CliRunner().invoke(main, ["table", "--classes"])
    assert result.exit_code == 0
    industries = [r["industry"] for r in csv.DictReader(io.StringIO(result.stdout))]
    assert "44-45" in industries and "31-33" not in industries
    assert result.stderr == ("sc-policy: warning: no industry class decides sector 31-33 as evaluate does (a clause "
                             "tells its parts apart); it has no row here: `sc-policy sql` decides it\n")


@pytest.mark.parametrize("args,needle", [
    (["table", "--version", "phase-9"], "unknown version 'phase-9'"),
    (["table", "--version", VERSION, "--on", "2022-01-01"], "not both"),
    (["table", "--on", "1999-01-01"], "no version of the policy is in force"),
])
def test_table_command_errors_are_one_line_exit_2(args, needle):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and needle in result.output and len(result.output.strip().splitlines()) == 1


# -- a frozen version commits to its decisions ---------------------------------------------------

def test_decisions_hash_depends_on_the_decisions_only(opened):
    from sc_policy.engine.classes import IndustryClass
    from sc_policy.engine.table import DecisionTable, TableColumn, decisions_hash, table_from_dict, table_to_dict
    t = opened.table
    digest = decisions_hash(t)
    assert digest == opened.version.manifest.table_sha256  # the shipped version records it
    # The cache's layout, and a JSON round trip in another key order, change nothing.
    data = json.loads(json.dumps(table_to_dict(t), sort_keys=True))
    assert decisions_hash(table_from_dict(data, opened.version)) == digest
    clauses = {c.id: c for c in opened.version.clauses}

    def rebuilt(classes, columns, areas=t.areas):
        return DecisionTable(t.policy, t.version, t.version_hash, areas, t.nocs, classes, columns, clauses)

    # Split a class in two that decide alike, relabel, reorder: the same decisions, the same hash.
    big = max(range(len(t.classes)), key=lambda j: len(t.classes[j].codes))
    cls = t.classes[big]
    halves = [IndustryClass(cls.codes[-1], cls.codes[len(cls.codes) // 2:], "second half"),
              IndustryClass(cls.codes[0], cls.codes[:len(cls.codes) // 2], "first half")]
    classes = halves + [c for j, c in enumerate(t.classes) if j != big]
    old_of_new = [big + 1, big + 1] + [j + 1 for j in range(len(t.classes)) if j != big]  # 0: no industry
    width = len(classes) + 1

    def relaid(col):  # every cell of the column (its results at its own resolution, spread out), relaid
        strips = [t.strip(col, j) for j in range(t.width)]
        return "".join(strips[old_of_new[k - 1] if k else 0][i] for i in range(len(t.nocs)) for k in range(width))

    columns = [[TableColumn(c.clause, relaid(c)) for c in reversed(cols)] for cols in t.columns]
    same = rebuilt(classes, columns)
    assert same.in_scope(same.cell("2174", "541514")) == t.in_scope(t.cell("2174", "541514"))
    assert decisions_hash(same) == digest
    # One clause result changed in one cell: another hash.
    cols = [list(c) for c in t.columns]
    first = cols[0][0]
    flipped = first.outcomes[:-1] + ("f" if first.outcomes[-1] != "f" else "p")
    cols[0][0] = TableColumn(first.clause, flipped, first.kind)
    assert decisions_hash(rebuilt(t.classes, cols)) != digest


def _forge_entry(cache, mutate):
    """Rewrite the one cache entry with ``mutate(body)`` and a recomputed SHA-256, as someone who can
    write the cache folder (but not the policy files) can."""
    import hashlib
    [entry] = cache.entries()
    head, body = entry.read_bytes().split(b"\n", 1)
    data = json.loads(body)
    mutate(data)
    # ... and keeps the entry consistent with itself: its table names the hash its documents have.
    from sc_policy.load.tree import content_hash
    data["table"]["version_hash"] = content_hash(tuple(decode(data["documents"])), f"{POLICY}/{VERSION}")
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    header = json.loads(head)
    header["sha256"] = hashlib.sha256(body).hexdigest()
    entry.write_bytes(json.dumps(header).encode() + b"\n" + body)
    return header["key"]


def _every_cell(col, nocs: int, width: int) -> str:
    """A stored column's results spread over every cell (a column holds one result per value of what its
    clause depends on: one, one per unit group, one per industry class, or one per cell)."""
    outcomes, kind = col["outcomes"], col["kind"]
    if kind == "area":
        return outcomes * (nocs * width)
    if kind == "occupation":
        return "".join(ch * width for ch in outcomes)
    if kind == "industry":
        return outcomes * nocs
    return outcomes


def _pass_everywhere(noc):
    def mutate(data):
        t = data["table"]
        width = len(t["classes"]) + 1
        i = t["nocs"].index(noc)
        for cols in t["columns"]:
            for col in cols:
                cells = _every_cell(col, len(t["nocs"]), width)
                col["kind"], col["outcomes"] = "both", cells[:i * width] + "p" * width + cells[(i + 1) * width:]
    return mutate


def _document(data, name):
    return next(d["$doc"] for d in data["documents"] if d["$doc"][0].endswith(name))


def _retitle_clause(data):  # what an explanation quotes, not what the table decides
    body = _document(data, "clauses/skill-level-limit.yaml")[1]["$o"]
    body["title"] = "Any skill level"


def _unfreeze_manifest(data):  # the cached manifest says draft: nothing to verify, if it were believed
    _document(data, "version.yaml")[1]["$o"]["status"] = "draft"


def _reorder_clauses(data):  # the explanation lists an area's clauses in its columns' order
    for cols in data["table"]["columns"]:
        cols.reverse()


def _reorder_clauses_plausibly(data):  # occupation-only clauses moved after one that reads the industry, each
    order = ["skill-level-limit", "industry-in-area", "noc-a-exception", "occupation-listed",  # run sorted by id
             "phase-1-manufacturing"]
    for cols in data["table"]["columns"]:
        cols.sort(key=lambda c: order.index(c["clause"]))


def _reorder_unit_groups(data):  # the same cells, the unit groups listed in another order
    t = data["table"]
    n, width = len(t["nocs"]), len(t["classes"]) + 1
    t["nocs"].reverse()
    for cols in t["columns"]:
        for col in cols:
            if col["kind"] == "occupation":
                col["outcomes"] = col["outcomes"][::-1]
            elif col["kind"] == "both":
                rows = [col["outcomes"][i * width:(i + 1) * width] for i in range(n)]
                col["outcomes"] = "".join(reversed(rows))


def _split_a_class(data):  # two classes deciding alike: the same decisions, other class numbers
    t = data["table"]
    width = len(t["classes"]) + 1
    j = max(range(len(t["classes"])), key=lambda k: len(t["classes"][k]["codes"]))
    big = t["classes"][j]
    moved = [c for c in big["codes"] if c != big["representative"]][-1]
    big["codes"].remove(moved)
    t["classes"].append({"representative": moved, "codes": [moved], "description": big["description"]})
    for cols in t["columns"]:
        for col in cols:
            if col["kind"] == "industry":
                col["outcomes"] += col["outcomes"][j + 1]
            elif col["kind"] == "both":
                o = col["outcomes"]
                col["outcomes"] = "".join(o[i:i + width] + o[i + j + 1] for i in range(0, len(o), width))


def _redescribe_a_class(data):  # what `table` and `diff` print of a class, not what it decides
    data["table"]["classes"][-1]["description"] = "within 11, said the forger"


def _represent_a_class_otherwise(data):  # any code of the class, not its first
    cls = max(data["table"]["classes"], key=lambda c: len(c["codes"]))
    cls["representative"] = cls["codes"][-1]


FORGERIES = {"0013 passes every clause": _pass_everywhere("0013"), "a clause retitled": _retitle_clause,
             "the manifest says draft": _unfreeze_manifest, "clauses reordered": _reorder_clauses,
             "clauses reordered into two sorted runs": _reorder_clauses_plausibly,
             "unit groups reordered": _reorder_unit_groups, "a class split in two": _split_a_class,
             "a class described otherwise": _redescribe_a_class,
             "a class represented otherwise": _represent_a_class_otherwise}


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES)
def test_a_forged_entry_of_a_frozen_version_is_set_aside(shipped_copy, tmp_path, forgery):
    cache = TableCache(tmp_path / "cache")
    first = Workspace(shipped_copy, cache=cache).open(VERSION)
    want = answer_json(first.evaluator.answer("0013", None))
    assert json.loads(want)["verdict"] == "not_eligible"  # 0013 (management) is not in scope
    [entry] = cache.entries()
    good = entry.read_bytes()
    key = _forge_entry(cache, forgery)
    forged = cache.load(key, f"{POLICY}/{VERSION}")
    assert forged is not None  # well-formed: its own SHA-256 cannot tell
    if forgery is FORGERIES["0013 passes every clause"]:
        assert forged.table.in_scope(forged.table.cell("0013", None))  # it would answer eligible
    notices = []
    ws = Workspace(shipped_copy, cache=cache, notify=notices.append)
    opened = ws.open(VERSION)
    assert answer_json(opened.evaluator.answer("0013", None)) == want
    assert table_to_dict(opened.table) == table_to_dict(first.table)  # laid out and described as built
    assert opened.version == first.version and opened.evaluator._compiled is not None  # from the files
    assert len(notices) == 1 and f"version {VERSION}" in notices[0] and ws.notices == notices
    assert entry.read_bytes() == good  # the entry is rebuilt from the files


def test_a_forged_entry_changes_no_command_and_each_says_so(shipped_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SC_POLICY_CACHE_DIR", str(tmp_path / "cache"))
    cache = TableCache(tmp_path / "cache")
    runner = CliRunner()
    commands = {
        "explain": (["explain", "0013", "--format", "json"], None,
                    lambda out: json.loads(out)["verdict"] == "not_eligible"),
        "table": (["table"], None, lambda out: {r["eligible"] for r in csv.DictReader(io.StringIO(out))
                                                if r["noc"] == "0013"} == {"false"}),
        "evaluate": (["evaluate", "-"], "noc,industry\n0013,\n0013,541514\n",
                     lambda out: [r["eligible"] for r in csv.DictReader(io.StringIO(out))] == ["false", "false"]),
    }
    for name, (args, stdin, right) in commands.items():
        args = args + ["--policies", str(shipped_copy)]
        assert runner.invoke(main, args, input=stdin).exit_code == 0  # a genuine entry
        _forge_entry(cache, _pass_everywhere("0013"))
        result = runner.invoke(main, args, input=stdin)
        assert result.exit_code == 0, result.stderr
        assert right(result.stdout), (name, result.stdout[:300])
        [warning] = result.stderr.splitlines()
        assert warning.startswith("sc-policy: warning: the cache entry of version phase-1")
        assert "table_sha256" in warning
        assert runner.invoke(main, args, input=stdin).stderr == ""  # rebuilt: the next run is quiet


def test_an_entry_of_a_version_frozen_without_a_decisions_hash_is_never_believed(shipped_copy, tmp_path):
    """An older freeze records no decisions hash, so nothing can verify an entry of it: one at its key (its
    manifest as on disk, 0013 eligible everywhere) is set aside, and the version decided from its files."""
    cache = TableCache(tmp_path / "cache")
    assert Workspace(shipped_copy, cache=cache).open(VERSION).table is not None  # built, and stored
    manifest = version_dir(shipped_copy) / "version.yaml"
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    manifest.write_text("".join(l for l in lines if not l.startswith("table_sha256:")), encoding="utf-8")

    def older_freeze(data):
        _pass_everywhere("0013")(data)
        del _document(data, "version.yaml")[1]["$o"]["table_sha256"]  # as the manifest on disk now says

    _forge_entry(cache, older_freeze)
    [entry] = cache.entries()
    ws = Workspace(shipped_copy, cache=TableCache(tmp_path / "cache"))
    [ref] = [r for r in ws.refs() if r.id == VERSION]
    head, body = entry.read_bytes().split(b"\n", 1)
    header = json.loads(head)
    header["key"] = ws._cache_key(ref)  # at the key of the files as they are now
    entry.unlink()
    cache._path(header["key"], ref.rel).write_bytes(json.dumps(header).encode() + b"\n" + body)
    forged = TableCache(tmp_path / "cache").load(header["key"], ref.rel)
    assert forged is not None and forged.table.in_scope(forged.table.cell("0013", None))  # it would say eligible
    opened = ws.open_ref(ref)
    assert opened.evaluator._compiled is not None  # from the files
    assert json.loads(answer_json(opened.evaluator.answer("0013", None)))["verdict"] == "not_eligible"


def test_a_version_whose_files_now_decide_otherwise_is_refused(shipped_copy):
    """Files unchanged but decisions different from those frozen (as another sc-policy or reference data
    would make them): recorded hash and files disagree, and no answer is given."""
    from sc_policy.app.authoring import set_manifest_fields
    manifest = version_dir(shipped_copy) / "version.yaml"
    manifest.write_text(set_manifest_fields(manifest.read_text(encoding="utf-8"), {"table_sha256": "0" * 64}),
                        encoding="utf-8")
    for args in (["explain", "2174"], ["table"], ["evaluate", "-"]):
        result = CliRunner().invoke(main, args + ["--policies", str(shipped_copy)], input="noc\n2174\n")
        assert result.exit_code == 2, (args, result.output)
        [line] = result.stderr.splitlines()
        assert f"version {VERSION} is invalid: table-mismatch:" in line and "0" * 64 in line
        assert "version.yaml:" in line


def as_older_freeze(manifest) -> str:
    """Make a shipped manifest one of an older freeze, without ``table_sha256`` and ``file_sha256`` (which
    freezing it again records); its text as shipped."""
    text = manifest.read_text(encoding="utf-8")
    older = re.sub(r"(?m)^file_sha256:\n(  .*\n)+", "", re.sub(r"(?m)^table_sha256: .*\n", "", text))
    assert "\ntable_sha256: " in text and "\nfile_sha256:\n  " in text
    assert "\ntable_sha256:" not in older and "\nfile_sha256:" not in older
    manifest.write_text(older, encoding="utf-8")
    return text


def test_a_version_frozen_without_a_decisions_hash_is_decided_from_its_files(shipped_copy, tmp_path):
    """An older freeze: the cache cannot be verified, so it is not used; `check` says so; `freeze`
    records the hash without changing the content hash, and the cache serves it again."""
    manifest = version_dir(shipped_copy) / "version.yaml"
    shipped = as_older_freeze(manifest)
    cache = TableCache(tmp_path / "cache")
    for _ in range(2):
        opened = Workspace(shipped_copy, cache=cache).open(VERSION)
        assert opened.evaluator._compiled is not None and cache.entries() == []
    check = CliRunner().invoke(main, ["check", "--policies", str(shipped_copy), "--format", "json"])
    assert check.exit_code == 0
    [missing] = [f for f in json.loads(check.stdout) if f["check"] == "table-hash-missing"]
    assert missing["severity"] == "warning" and "sc-policy freeze phase-1" in missing["message"]
    assert missing["line"] == 1 + [l.startswith("sha256:") for l in shipped.splitlines()].index(True)  # the hash it has
    result = CliRunner().invoke(main, ["freeze", VERSION, "--policies", str(shipped_copy)])
    assert result.exit_code == 0 and "already frozen" in result.output and "table_sha256" in result.output
    from sc_policy.engine.table import decisions_hash
    assert manifest.read_text(encoding="utf-8") == shipped  # as shipped: the two hashes written back in place
    reopened = Workspace(shipped_copy, cache=cache).open(VERSION)
    assert reopened.version.manifest.table_sha256 == decisions_hash(opened.table)
    assert decisions_hash(reopened.table) == reopened.version.manifest.table_sha256  # built, verified, stored
    assert reopened.version.content_hash == opened.version.content_hash == opened.version.manifest.sha256
    assert Workspace(shipped_copy, cache=cache).open(VERSION).evaluator._compiled is None  # from the cache


# -- one pipeline: each stage once ----------------------------------------------------------------

def test_a_workspace_reads_checks_and_compiles_each_version_once(tree_copy, monkeypatch):
    import datetime as dt
    import sc_policy.engine.compile as compile_module
    from sc_policy.load.tree import PolicyTree
    loads, compiles, tables = [], [], []
    real_load, real_compile = PolicyTree.load, compile_module.compile_version
    monkeypatch.setattr(PolicyTree, "load", lambda self, ref: loads.append(ref.id) or real_load(self, ref))
    monkeypatch.setattr(compile_module, "compile_version", lambda v: compiles.append(v.id) or real_compile(v))
    import sc_policy.engine.table as table_module
    real_build = table_module.build_table
    monkeypatch.setattr(table_module, "build_table", lambda ev, budget=None: tables.append(1) or real_build(ev, budget))
    ws = Workspace(tree_copy, cache=False)
    opened = ws.open(VERSION)
    assert (loads, compiles, tables) == ([VERSION], [VERSION], [])  # opening builds no table
    assert ws.select(VERSION) is ws.select(VERSION) and ws.select(on=dt.date(2027, 6, 1)) is ws.select(on=dt.date(2027, 6, 1))
    for _ in range(3):
        assert ws.explain("2174", "541514", version=VERSION).eligible
        assert ws.explain("2174", on=dt.date(2027, 6, 1)).eligible
    assert ws.open(VERSION) is opened and ws.load(VERSION) is ws.load_ref(ws.select(VERSION))
    assert (loads, compiles, tables) == ([VERSION], [VERSION], [1])  # the first decision built the table
    ws.versions()  # lists every version with its hash: reads the other shipped version too, once
    ws.versions()
    assert (sorted(loads), compiles, tables) == (sorted(SHIPPED), [VERSION], [1])


@pytest.mark.parametrize("check_first", [True, False], ids=["check-then-decide", "decide-then-check"])
def test_a_workspace_that_checks_and_decides_tabulates_each_version_once(shipped_copy, monkeypatch, check_first):
    """A check verifies a frozen version's decisions by building its table; the first decision built it again
    (the service, which checks the tree as it starts, built each version's table twice)."""
    import sc_policy.engine.table as table_module
    tables, real_build = [], table_module.build_table
    monkeypatch.setattr(table_module, "build_table",
                        lambda ev, budget=None: tables.append(ev.version.id) or real_build(ev, budget))
    ws = Workspace(shipped_copy, cache=False)
    steps = [ws.check, lambda: [ws.explain("2174", "541514", version=v) for v in SHIPPED]]
    for step in steps if check_first else steps[::-1]:
        step()
        step()
    assert sorted(tables) == sorted(SHIPPED)  # both frozen, decisions verified by the check: one build each
    assert not [f for f in ws.check() if f.severity == "error"] and ws.explain("2174", version=VERSION).eligible


def test_freeze_compiles_once(shipped_copy, monkeypatch):
    import sc_policy.app.authoring as authoring
    manifest = version_dir(shipped_copy) / "version.yaml"
    shipped = as_older_freeze(manifest)
    compiles = []
    real = authoring.compile_version
    monkeypatch.setattr(authoring, "compile_version", lambda v: compiles.append(v.id) or real(v))
    from sc_policy.load.tree import PolicyTree
    result = authoring.freeze(PolicyTree(shipped_copy), VERSION)
    assert result.table_recorded and compiles == [VERSION]
    assert manifest.read_text(encoding="utf-8") == shipped


def test_warm_explain_imports_neither_cerberus_nor_rule_engine_and_parses_only_manifests(tmp_path):
    env = dict(os.environ, SC_POLICY_CACHE_DIR=str(tmp_path))
    env.pop("SC_POLICY_NO_CACHE", None)
    script = ("import sys\nimport sc_policy.load.yamlfile as y\nparsed, vouched = [], []\n"
              "real, fast = y.parse_document, y.parse_vouched\n"
              "y.parse_document = lambda raw, path: parsed.append(path) or real(raw, path)\n"
              "y.parse_vouched = lambda raw, path: vouched.append(path) or fast(raw, path)\n"
              "from sc_policy.cli import main\n"
              "try:\n    main(['explain', '2174'])\n"
              "except SystemExit as e:\n    assert not e.code, e.code\n"
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'cerberus', 'rule_engine'}), parsed, vouched,"
              " file=sys.stderr)\n")
    runs = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
            for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[1].stderr
    assert runs[0].stdout == runs[1].stdout and "ELIGIBLE" in runs[1].stdout
    cold, warm = (r.stderr.strip().splitlines()[-1] for r in runs)
    assert cold.startswith("['cerberus', 'rule_engine']")
    # the manifests alone, the cache's trust anchor: every version's, to choose the one in force today (the
    # superseded one's schema vouched for by the entry's header), none validated with Cerberus, and none
    # by the strict Python parser: libyaml re-reads the bytes the strict parser accepted before
    assert warm == "[] [] " + str([f"{POLICY}/{v}/version.yaml" for v in SHIPPED])


def test_the_package_root_is_the_public_api_and_imports_nothing_until_asked():
    script = ("import sys, sc_policy\nbefore = sorted(m for m in sys.modules if m.startswith('sc_policy'))\n"
              "from sc_policy import Answer, Diagnostic, Workspace\n"
              "answer = Workspace().explain('2174', industry='541514')\n"
              "print(before, sorted(sc_policy.__all__), isinstance(answer, Answer), answer.verdict)\n")
    env = dict(os.environ)
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[0] == ("['sc_policy'] ['Answer', 'Diagnostic', 'ScPolicyError', 'Workspace', "
                                         "'answer_json', 'answer_to_dict'] True eligible")
def test_cache_key_covers_the_code_and_data_of_every_subpackage(tmp_path, monkeypatch):
    """An entry made by other code (any module of any layer) or other reference data is never read back."""
    import shutil
    from sc_policy.app import codefiles
    package = tmp_path / "sc_policy"
    shutil.copytree(codefiles.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(codefiles, "PACKAGE", package)
    base = codefiles.code_digest()
    for rel in ("checks/registry.py", "load/build.py", "engine/decide.py", "refdata/noc2016_unit_groups.csv"):
        path = package / rel
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert codefiles.code_digest() != base, rel
        path.write_bytes(original)
    assert codefiles.code_digest() == base


def test_cache_key_covers_the_code_of_the_libraries_that_read_validate_and_decide(tmp_path, monkeypatch):
    """An upgraded (or patched) PyYAML, Cerberus or rule-engine could read, validate or decide a draft
    otherwise: an entry made with other bytes of their code is never read back."""
    import shutil
    from sc_policy.app import codefiles
    names = [name for name, _ in codefiles.code_files()]
    for library, module in (("yaml", "constructor.py"), ("cerberus", "validator.py"), ("rule_engine", "engine/rule.py")):
        assert f"lib/{library}/{module}" in names
    copy = tmp_path / "rule_engine"
    shutil.copytree(codefiles._library_folder("rule_engine"), copy, ignore=shutil.ignore_patterns("__pycache__"))
    real = codefiles._library_folder
    monkeypatch.setattr(codefiles, "_library_folder", lambda name: copy if name == "rule_engine" else real(name))
    base = codefiles.code_digest()
    module = copy / "engine" / "rule.py"
    module.write_bytes(module.read_bytes() + b"\n")
    assert codefiles.code_digest() != base
    shutil.rmtree(copy)  # not found as a folder (a zipped install): named alone, still another digest
    assert ("lib/rule_engine", "") in codefiles.code_files() and codefiles.code_digest() != base


def test_cache_key_names_the_python_that_ran(tmp_path, monkeypatch):
    """A cache folder shared by two Pythons (a venv recreated on an upgrade) keeps their entries apart."""
    import types
    cache = TableCache(tmp_path / "cache")
    from sc_policy.resources import shipped_policies
    root = shipped_policies()
    args = (root, POLICY, version_dir(root), f"{POLICY}/{VERSION}")
    key = cache.key(*args)
    monkeypatch.setattr(sys, "implementation", types.SimpleNamespace(cache_tag="cpython-399"))
    assert cache.key(*args) != key


def test_the_package_digest_is_remembered_by_stat_and_hashed_again_on_any_change(tree_copy, tmp_path, monkeypatch):
    """The digest of sc-policy's own files is read back from an entry's header while no file changed
    (by os.stat), and computed again from the bytes when one did: an edit still changes the key."""
    import shutil
    from sc_policy.app import codefiles
    package = tmp_path / "sc_policy"
    shutil.copytree(codefiles.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__", "policies"))
    monkeypatch.setattr(codefiles, "PACKAGE", package)
    hashed = []
    real = codefiles.code_digest

    def digest(files=None):
        hashed.append(1)
        return real(files)

    monkeypatch.setattr(codefiles, "code_digest", digest)
    store = tmp_path / "cache"
    first = Workspace(tree_copy, cache=TableCache(store))
    assert first.explain("2174", version=VERSION).eligible
    [entry] = TableCache(store).entries()
    again = Workspace(tree_copy, cache=TableCache(store))
    assert again.explain("2174", version=VERSION).eligible
    # copied just now (the change time cannot be set back): too fresh to be trusted by its times
    assert len(hashed) == 2 and TableCache(store).entries() == [entry]
    monkeypatch.setattr(codefiles, "RACY_NS", 0)  # as if the copy were older than the file system's tick
    entry.unlink()
    third = Workspace(tree_copy, cache=TableCache(store))
    assert third.explain("2174", version=VERSION).eligible
    [entry] = TableCache(store).entries()
    assert len(hashed) == 3
    fourth = Workspace(tree_copy, cache=TableCache(store))
    assert fourth.explain("2174", version=VERSION).eligible and fourth.notices == []
    assert fourth.open(VERSION).evaluator._compiled is None  # from the cache entry...
    assert len(hashed) == 3 and TableCache(store).entries() == [entry]  # ...found without hashing again
    module = package / "engine" / "decide.py"
    module.write_bytes(module.read_bytes() + b"\n")  # same name, new bytes (and times)
    edited = Workspace(tree_copy, cache=TableCache(store))
    assert edited.explain("2174", version=VERSION).eligible
    assert len(hashed) == 4 and TableCache(store).entries() != [entry]  # hashed again: another key
    # a header that lies about the digest only picks which entry is looked up: the entry it sits on,
    # keyed by the true digest, is not the one looked up, so the version is opened from its files
    forged = tmp_path / "forged"
    forged.mkdir(mode=0o700)  # the user's alone, whatever the umask (else not used)
    assert entry in TableCache(store).entries()  # the entry of the code before the edit stays: another environment's
    [honest] = [p for p in TableCache(store).entries() if p != entry]
    head, _, body = honest.read_bytes().partition(b"\n")
    header = json.loads(head)
    header["code"] = "0" * 64
    (forged / honest.name).write_bytes(json.dumps(header).encode() + b"\n" + body)
    lied = Workspace(tree_copy, cache=TableCache(forged))
    assert lied.explain("2174", version=VERSION).eligible
    assert lied.open(VERSION).evaluator._table is not None  # built from the files...
    assert [p.name for p in TableCache(forged).entries()] != [honest.name]  # ...and stored under another key


def test_a_class_description_says_a_code_within_an_excluded_one_with_it(opened):
    """A class holding NAICS 3345 but not the rest of 334 read "within 31, 32, 33 or 3345, outside 3254,
    334, 3391", as if 3345 were outside with 334: the code within is said with the one it lies in."""
    from sc_policy.engine.classes import describe
    assert describe(["311111", "334511", "331"], ["31", "32", "33", "334", "3345"]) == \
        "within 31 or 33, outside 334 (but within 3345)"
    assert describe(["334110"], ["33", "334", "3345"]) == "within 334, outside 3345"
    manufacturing = opened.table.classes[opened.table.industry_class("334511") - 1]
    assert manufacturing.description == "within 31, 32 or 33, outside 3254, 334 (but within 3345), 3391"


def test_a_class_is_described_by_the_named_codes_it_lies_within_in_code_order(opened):
    """What `table` and `diff` print of a class: a class of codes no area names says so, and the named codes a
    class lies within, and those within them that it lies outside, are said in one order (by two-digit part,
    then length, then code), whatever the order of its members."""
    from sc_policy.engine.classes import describe
    farms = opened.table.classes[opened.table.industry_class("111110") - 1]
    assert farms.description == "outside every code named in an area definition"
    named = ["311", "325", "3345", "5415", "5417"]
    assert describe(["541710", "3111", "334511", "32541", "541514"], named) == "within 311, 325, 3345, 5415 or 5417"
    assert describe(["331110"], ["33", "3345", "335"]) == "within 33, outside 335, 3345"


def test_cache_key_covers_the_python_patch_level_and_rule_engines_date_library(tmp_path, monkeypatch):
    """A patch release of Python (the same ``cpython-311`` tag, another standard library) or an upgrade of
    python-dateutil (with which rule-engine parses dates) made the same key: entries of the older ones were used."""
    from sc_policy.app import codefiles
    cache = TableCache(tmp_path / "cache")
    from sc_policy.resources import shipped_policies
    root = shipped_policies()
    args = (root, POLICY, version_dir(root), f"{POLICY}/{VERSION}")
    key = cache.key(*args)
    monkeypatch.setattr(sys, "version", sys.version.replace(".", ".9", 1))
    assert TableCache(tmp_path / "cache").key(*args) != key
    assert len(codefiles.python()) <= 40 and codefiles.python().startswith(sys.implementation.cache_tag)
    assert any(name.startswith("lib/dateutil/parser/") for name, _ in codefiles.code_files())


def test_a_python_without_a_bytecode_tag_is_named_by_its_implementation(monkeypatch):
    """``sys.implementation.cache_tag`` is None on a Python that caches no bytecode: naming the Python for the
    cache key then stopped every command that uses the cache with a TypeError traceback."""
    from sc_policy.app import codefiles
    tagged = codefiles.python()
    monkeypatch.setattr(sys.implementation, "cache_tag", None)
    untagged = codefiles.python()
    assert untagged.startswith(sys.implementation.name) and untagged != tagged and len(untagged) <= 40
