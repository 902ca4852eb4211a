"""The compiled decision table: it agrees with direct rule-engine evaluation everywhere, it is
cached safely on disk, and `sc-policy table` exports it whole."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sc_policy.api import Workspace
from sc_policy.cache import TableCache, decode, encode
from sc_policy.cli import main
from sc_policy.refdata import reference_data
from sc_policy.render import answer_json

from conftest import VERSION, version_dir

NAICS = reference_data().naics2017_codes
NOCS = tuple(sorted(reference_data().noc2016))


def same_everywhere(evaluator, industry):
    """Table and direct evaluation give byte-identical JSON for every NOC 2016 unit group."""
    for noc in NOCS:
        table = answer_json(evaluator.answer(noc, industry))
        direct = answer_json(evaluator.answer(noc, industry, direct=True))
        assert table == direct, (noc, industry)


# -- the differential test -------------------------------------------------------------

def test_table_is_used_and_agrees_with_direct_evaluation_without_industry(opened):
    assert opened.table is not None and opened.table.cell("2174", None) is not None
    same_everywhere(opened.evaluator, None)


def test_table_agrees_for_every_industry_class_representative(opened):
    for cls in opened.table.classes:
        same_everywhere(opened.evaluator, cls.representative)


@settings(max_examples=5)
@given(industry=st.sampled_from(NAICS))
def test_table_agrees_with_direct_evaluation_for_sampled_industries(opened, industry):
    same_everywhere(opened.evaluator, industry)


@settings(max_examples=60)
@given(noc=st.sampled_from(NOCS), industry=st.sampled_from(NAICS), noc2021=st.sampled_from(
    sorted(reference_data().concordance)))
def test_table_agrees_on_text_and_noc_2021_answers(ws, opened, noc, industry, noc2021):
    from sc_policy.render import answer_text
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


# -- the cache -----------------------------------------------------------------------------

def test_second_open_comes_from_the_cache_without_compiling(tree_copy, tmp_path):
    cache = TableCache(tmp_path / "cache")
    first = Workspace(tree_copy, cache=cache).open(VERSION)
    assert len(cache.entries()) == 1
    second = Workspace(tree_copy, cache=cache).open(VERSION)
    assert second.evaluator._compiled is None  # answered from the table, nothing compiled
    assert second.version == first.version and second.findings == first.findings
    assert second.version.documents == first.version.documents
    for noc, industry in (("2174", "541514"), ("2173", None), ("9461", "3345")):
        assert answer_json(second.evaluator.answer(noc, industry)) == answer_json(first.evaluator.answer(noc, industry))
    assert second.compiled.version == first.version  # compiled on demand for the callers that need it


def test_version_model_round_trips_through_the_cache_codec(opened):
    assert decode(json.loads(json.dumps(encode(opened.version)))) == opened.version
    assert [d.spans for d in decode(encode(opened.version)).documents] == [d.spans for d in opened.version.documents]


DAMAGES = {
    "empty": lambda b: b"",
    "garbage": lambda b: b"garbage",
    "torn write": lambda b: b[: len(b) // 2],
    "body changed under its digest": lambda b: b.replace(b'"outcomes":"', b'"outcomes":"f', 1),
    "body replaced": lambda b: b.split(b"\n", 1)[0] + b"\n" + b"[]",
}


def test_a_damaged_cache_entry_is_ignored_and_rebuilt(tree_copy, tmp_path):
    cache = TableCache(tmp_path / "cache")
    ws = Workspace(tree_copy, cache=cache)
    want = answer_json(ws.explain("2174", "541514", version=VERSION))
    ref = ws.select(VERSION)
    key = cache.key(ws.root, ref.policy, ref.folder, ref.rel)
    [entry] = cache.entries()
    good = entry.read_bytes()
    assert cache.load(key, ref.rel) is not None
    for name, damage in DAMAGES.items():
        entry.write_bytes(damage(good))
        assert cache.load(key, ref.rel) is None, name
    again = Workspace(tree_copy, cache=cache)
    assert answer_json(again.explain("2174", "541514", version=VERSION)) == want
    assert again.open(VERSION).evaluator._compiled is not None  # rebuilt from the files...
    assert entry.read_bytes() == good  # ... and the entry rewritten whole
    assert [p.name for p in cache.directory.iterdir()] == [entry.name]  # no temporary file left behind


def test_a_forged_entry_with_a_matching_digest_that_does_not_fit_is_refused(tree_copy, tmp_path):
    import hashlib
    cache = TableCache(tmp_path / "cache")
    Workspace(tree_copy, cache=cache).open(VERSION)
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
    assert len(rows) == len(NAICS) and {r["industry"] for r in rows} == set(NAICS)
    cls = {r["industry"]: r["industry_class"] for r in rows}
    assert cls["541514"] == cls["5415"] and cls["541514"] != cls["334110"]


@pytest.mark.parametrize("args,needle", [
    (["table", "--version", "phase-9"], "unknown version 'phase-9'"),
    (["table", "--version", VERSION, "--on", "2022-01-01"], "not both"),
    (["table", "--on", "1999-01-01"], "no version of the policy is in force"),
])
def test_table_command_errors_are_one_line_exit_2(args, needle):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and needle in result.output and len(result.output.strip().splitlines()) == 1
