"""Costs grow with the input, not faster, without changing a single answer.

The decision table evaluates a clause once per *relevant* value of the facts it reads
(:mod:`sc_policy.engine.relevance`); the property below checks the one thing that makes this
correct: two inputs with the same key always get the same outcome, for expressions of
every shape, reducible or not. Timings are the benchmark's (benchmarks/bench_scale.py),
not the tests'.
"""

from __future__ import annotations

import random

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sc_policy.app.workspace import Workspace
from sc_policy.cli import main
from sc_policy.engine.compile import compile_clause
from sc_policy.diagnostics import PolicyInvalidError
from sc_policy.engine.decide import Evaluator
from sc_policy.engine.facts import area_facts, industry_facts, occupation_facts
from sc_policy.model import Clause
from sc_policy.reference.statcan import reference_data
from sc_policy.engine.relevance import KeyedClause, frozen_facts, relevance
from sc_policy.load.schema import MAX_FINDINGS
from sc_policy.diagnostics import Span

from conftest import VERSION, version_dir

REFDATA = reference_data()
_rng = random.Random(13)
NOCS = sorted(set(_rng.sample(sorted(REFDATA.noc2016), 14)) | {"2174", "2175", "2281", "9461", "0011", "7511"})
CODES = [None] + sorted(set(_rng.sample(sorted(REFDATA.naics2017_codes), 12))
                        | {"334", "3345", "334511", "541514", "31", "311", "4173"})

TEXT_FACTS = ("noc", "noc_title", "noc_level", "listed_title", "listed_level", "listed_line", "industry",
              "industry_title")
AREA_SETS = ("area_occupations", "area_noc_a", "area_naics_included", "area_naics_excluded")
LITERALS = sorted({*NOCS, *(c for c in CODES if c), "A", "B", "C", "D", "0", "", "33", "54", "5415", "zzz",
                   REFDATA.noc_title("2174") or ""})


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


literal = st.sampled_from(LITERALS).map(_quote)
texts = st.lists(st.sampled_from(LITERALS), min_size=1, max_size=4).map(lambda xs: ", ".join(map(_quote, xs)))
text_fact = st.sampled_from(TEXT_FACTS)
area_set = st.sampled_from(AREA_SETS)

atoms = st.one_of(
    # shapes the relevance analysis reduces
    st.builds(lambda f, op, x: f"{f} {op} {x}", text_fact, st.sampled_from(["==", "!="]), literal),
    st.builds(lambda x, f: f"{x} == {f}", literal, text_fact),
    st.builds(lambda f, xs: f"{f} in [{xs}]", text_fact, texts),
    st.builds(lambda f, xs: f"{f} in {{{xs}}}", text_fact, texts),
    st.builds(lambda f, a: f"{f} in {a}", text_fact, area_set),
    st.builds(lambda x: f"{x} in industry_prefixes", literal),
    st.builds(lambda xs, op: f"(industry_prefixes & {{{xs}}}).length {op} 0", texts, st.sampled_from([">", "=="])),
    st.builds(lambda a: f"({a} & industry_prefixes).length > 0", area_set),
    st.just("industry_given"),
    # shapes it must leave alone (every value distinct)
    st.builds(lambda f, x: f"{x} in {f}", text_fact, literal),  # a substring test
    st.builds(lambda f, x: f"{f} in {x}", text_fact, literal),  # ... the other way round
    st.builds(lambda f, g: f"{f} == {g}", text_fact, text_fact),
    st.builds(lambda f, r: f"{f} =~ {r}", text_fact, st.sampled_from(['"^21"', '"^33"', '"s$"', '"^$"'])),
    st.builds(lambda f, n: f"{f}.length > {n}", text_fact, st.integers(0, 6)),
    st.builds(lambda n: f"industry_prefixes.length > {n}", st.integers(0, 5)),
    st.builds(lambda xs: f"(industry_prefixes | {{{xs}}}).length > 3", texts),
    st.builds(lambda xs: f"(industry_prefixes ^ {{{xs}}}).length > 1", texts),
    st.builds(lambda x: f"[p for p in industry_prefixes if p == {x}].length > 0", literal),
    st.builds(lambda f: f"{f}[0] == \"2\"", text_fact),
)

expressions = st.recursive(atoms, lambda inner: st.one_of(
    st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
    st.builds(lambda a, b: f"({a}) or ({b})", inner, inner),
    st.builds(lambda a: f"not ({a})", inner),
    st.builds(lambda a, b, c: f"(({a}) ? ({b}) : ({c}))", inner, inner, inner),
), max_leaves=4)


def _clause(when, condition) -> Clause:
    return Clause("generated", 1, "Generated", ("ict",), when, condition, {"pass": "p", "fail": "f"}, (),
                  "generated.yaml", Span("generated.yaml"))


@pytest.fixture(scope="module")
def areas(opened):
    return [a for a in opened.version.areas if a.id in ("ict", "manufacturing")]


@pytest.mark.slow
@settings(max_examples=60)
@given(when=st.one_of(st.none(), expressions), condition=expressions)
def test_inputs_with_the_same_key_have_the_same_outcome(areas, when, condition):
    compiled, problems = compile_clause(_clause(when, condition))
    assume(compiled is not None)
    for area in areas:
        a_facts = area_facts(area)
        keyed = KeyedClause(compiled, a_facts)
        seen = {}
        for noc in NOCS:
            occ = occupation_facts(noc, area, REFDATA)
            for code in CODES:
                ind = industry_facts(code, REFDATA)
                try:
                    outcome = Evaluator.outcome(compiled, {**a_facts, **occ, **ind})
                except PolicyInvalidError:
                    outcome = "error"
                key = keyed.key(frozen_facts(occ), frozen_facts(ind))
                assert seen.setdefault(key, (outcome, noc, code))[0] == outcome, \
                    (when, condition, area.id, seen[key], (outcome, noc, code))


def _relevance(condition):
    compiled, problems = compile_clause(_clause(None, condition))
    assert compiled is not None, problems
    return relevance(compiled.rules, compiled.expression_reads)


def test_literal_comparisons_are_reduced_and_other_uses_are_not():
    found = _relevance('noc in area_occupations or noc == "1234"')
    assert found["noc"].texts == {"1234"} and found["noc"].area_sets == ("area_occupations",)
    found = _relevance('(industry_prefixes & {"31", "32"}).length > 0 and not ("541" in industry_prefixes)')
    assert found["industry_prefixes"].texts == {"31", "32", "541"}
    assert _relevance('noc =~ "^21" and noc == "2174"')["noc"] is None  # a regular expression sees every value
    assert _relevance('"21" in noc')["noc"] is None  # a substring test too
    assert _relevance("industry_prefixes.length > 2")["industry_prefixes"] is None
    assert _relevance('[p for p in industry_prefixes if p == "33"].length > 0')["industry_prefixes"] is None


# -- a varied tree: the table agrees with direct evaluation --------------------------------

VARIED = {
    "skill-level-or-code": 'noc_level in ["A", "B", "C"] or noc == "0011"',
    "listed-or-code": 'noc in area_occupations or noc == "7511"',
    "no-sector-54-unless-5415": 'not ("54" in industry_prefixes) or "5415" in industry_prefixes',
    "within-area-or-33": 'not industry_given or (industry_prefixes & area_naics_included).length > 0 '
                         'or "33" in industry_prefixes',
    "not-level-d-in-31": 'not (noc_level == "D" and "31" in industry_prefixes)',
    "title-regex": 'not (noc_title =~ "^Supervisors" and industry_given)',
    "listed-level": 'listed_level != "D"',
}


@pytest.mark.slow
def test_a_varied_tree_decides_as_direct_evaluation_does(tree_copy):
    from test_table import same_everywhere
    clauses = version_dir(tree_copy) / "clauses"
    for name, condition in VARIED.items():
        (clauses / f"{name}.yaml").write_text(yaml.safe_dump({
            "id": name, "version": 1, "title": name, "applies_to": ["ict", "life-sciences", "manufacturing"],
            "condition": condition, "explain": {"pass": "{noc} {industry} passes.", "fail": "{noc} fails."},
            "source": [], "area_source": {  # each area cites the heading of its own list
                "ict": [{"line": 64, "quote": "In-scope occupations"}],
                "life-sciences": [{"line": 84, "quote": "In-scope occupations"}],
                "manufacturing": [{"line": 147, "quote": "In-Scope Occupations:"}]}}), encoding="utf-8")
    opened = Workspace(tree_copy, cache=False).open(VERSION)
    t = opened.table
    assert {c.clause for cols in t.columns for c in cols} >= set(VARIED)
    for cols in t.columns:  # each column holds one result per value of what it depends on
        for col in cols:
            assert len(col.outcomes) == {"area": 1, "occupation": len(t.nocs), "industry": t.width,
                                         "both": t.size}[col.kind]
    # A cache entry of this table, were the version frozen, would answer: laid out as the check expects
    from sc_policy.engine.layout import layout_differs
    assert layout_differs(t, opened.version) is None
    assert any(col.kind == "both" for cols in t.columns for col in cols)
    # Each industry against every other unit group, alternating halves: every unit group is compared
    # under three or four of the industries (direct evaluation of 500 unit groups costs seconds).
    from test_table import NOCS
    for k, industry in enumerate((None, "541514", "541110", "331110", "311", "4173", "11")):
        same_everywhere(opened.evaluator, industry, NOCS[k % 2::2])


# -- check on thousands of schema errors ------------------------------------------------------

@pytest.mark.parametrize("damage, message", [
    (lambda text: text + "".join(f"unknown_{i:05d}: {i}\n" for i in range(8000)),
     f"7900 more schema findings in this file are not listed (the first {MAX_FINDINGS} are)"),
    (lambda text: text.replace("applies_to: [ict, life-sciences, manufacturing]",
                               "applies_to:\n" + "".join(f"  - {i}\n" for i in range(8000))),
     f"validation stopped after {MAX_FINDINGS} schema findings in this file"),
])
def test_thousands_of_schema_errors_list_the_first_and_count_or_stop(tree_copy, damage, message):
    path = version_dir(tree_copy) / "clauses" / "occupation-listed.yaml"
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--policies", str(tree_copy), "--format", "json"])
    assert result.exit_code == 1, result.output
    import json
    mine = [f for f in json.loads(result.stdout) if f["path"].endswith("clauses/occupation-listed.yaml")]
    assert len(mine) == MAX_FINDINGS + 1
    assert mine[0]["check"] in ("unknown-key", "wrong-type") and mine[0]["line"] >= 1
    assert message in mine[-1]["message"]


# -- a large rule file: every step linear in its size ------------------------------------------

def test_a_file_of_many_expressions_is_split_into_lines_once(monkeypatch):
    """Where each line of an expression is (for errors at their character) is found from the file's lines,
    split once per file: split for each ``condition`` key, a 380 kB area file of 4,500 entries that each
    carried one (an unknown key) took 36 s to read."""
    from sc_policy.load import valuelines
    from sc_policy.load.yamlfile import _parse
    splits = []
    breaks = valuelines._BREAKS

    class Counting:
        def split(self, text):
            splits.append(len(text))
            return breaks.split(text)

    monkeypatch.setattr(valuelines, "_BREAKS", Counting())
    text = "occupations:\n" + "".join(f'- code: "{i:04d}"\n  condition: |-\n    noc == "{i:04d}"\n    or noc == "0"\n'
                                      for i in range(200))
    data, spans = _parse(text.encode(), "area.yaml")
    assert len(data["occupations"]) == 200
    assert len(splits) == 1  # not one per expression
    assert spans[("occupations", 199, "condition", "@0")] == Span("area.yaml", 1 + 4 * 199 + 3, 5)
    assert spans[("occupations", 199, "condition", "@14")] == Span("area.yaml", 1 + 4 * 199 + 4, 5)


def test_a_long_list_of_occupations_adds_no_evaluations(areas):
    """``noc in area_occupations`` tells a listed unit group from an unlisted one, not one listed unit group
    from another: the keys of a clause comparing ``noc`` with an area's sets do not grow with the area's
    list (each evaluation reads the whole list, so a key per listed code made a long list quadratic: an
    area file of 1 MB, 500 of its 10,000 entries NOC 2016 unit groups, took 16 s to check)."""
    compiled, problems = compile_clause(_clause('noc_level == "A"', 'noc in area_occupations and not (noc in '
                                                'area_noc_a) or noc == "2174"'))
    assert compiled is not None, problems
    area = areas[0]
    nocs = sorted(REFDATA.noc2016)
    for listed in (nocs[:20], nocs[:400]):
        a_facts = {**area_facts(area), "area_occupations": set(listed) | {"2174"},
                   "area_noc_a": {n for n in listed if n.startswith(("0", "1", "2"))}}
        keyed = KeyedClause(compiled, a_facts)
        keys = {}
        for noc in nocs:
            occ = occupation_facts(noc, area, REFDATA)
            outcome = Evaluator.outcome(compiled, {**a_facts, **occ, **industry_facts(None, REFDATA)})
            key = keyed.key(frozen_facts(occ), frozen_facts(industry_facts(None, REFDATA)))
            assert keys.setdefault(key, outcome) == outcome, (noc, key)
        # 2174 itself; then unlisted, listed but not NOC A, listed NOC A: each at level A or not
        assert len(keys) <= 1 + 3 * 2, sorted(map(str, keys))
