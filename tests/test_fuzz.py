"""Fuzzing: no file and no command line makes sc-policy fail with anything but its own error.

Property 1 feeds arbitrary bytes, YAML-ish token soup, arbitrary YAML-shaped data and
edited copies of the shipped rule files to every file kind: parsing, validating and
building the model either succeed or raise :class:`PolicyLoadError` carrying the
file's path; loading a whole tree and compiling it never raise at all (problems are
findings). A clause's expression, random or built from hostile shapes (nested
quantifiers, huge repeat counts, long chains of ``not`` and ``or``, builtins that read
the clock or build huge lists, nested comprehensions), is one ``expression`` finding at
its line or is evaluated within its time budget. Property 2 runs the CLI in-process
over random arguments: exit status 0, 1 or 2, and never an exception other than SystemExit.

Both are bounded (max_examples, sizes) so that they run in CI in seconds; the
"thorough" Hypothesis profile of conftest.py searches longer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import pytest
import rule_engine
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sc_policy.cli.base import COMMANDS
from sc_policy.engine.bounds import nondeterministic_builtins
from sc_policy.engine.budget import ExpressionBudget
from sc_policy.cli import main
from sc_policy.engine.compile import compile_clause, compile_version
from sc_policy.diagnostics import Diagnostic, PolicyInvalidError, PolicyLoadError
from sc_policy.engine.decide import Evaluator
from sc_policy.engine.facts import area_facts, industry_facts, occupation_facts
from sc_policy.reference.statcan import reference_data
from sc_policy.load.yamlfile import parse_document
from sc_policy.load.build import build_area, build_clause, build_manifest, build_resolutions, build_tests
from sc_policy.resources import shipped_policies
from sc_policy.load.schema import FILE_KINDS, schema_for, validate
from sc_policy.load.tree import PolicyTree

from conftest import POLICY, VERSION

SHOWN = "fuzz/rule-file.yaml"
FILE_OF_KIND = {"manifest": "version.yaml", "area": "areas/ict.yaml", "clause": "clauses/noc-a-exception.yaml",
                "resolutions": "resolutions.yaml", "tests": "tests/noc-2021.yaml"}
BUILD = {"manifest": build_manifest, "area": build_area, "clause": build_clause,
         "resolutions": build_resolutions, "tests": build_tests}
SHIPPED = shipped_policies() / POLICY / VERSION
SCALE = max(1, settings.default.max_examples // 30)  # 1 in CI; more under HYPOTHESIS_PROFILE=thorough
FUZZ = settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.function_scoped_fixture])


def _schema_keys(schema, out: set) -> set:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if isinstance(key, str) and key not in ("type", "required", "schema", "allowed", "regex", "empty",
                                                    "minlength", "nullable", "keysrules", "valuesrules", "min"):
                out.add(key)
            _schema_keys(value, out)
    elif isinstance(schema, list):
        for item in schema:
            _schema_keys(item, out)
    return out


KEYS = sorted(set().union(*(_schema_keys(schema_for(k)[0], set()) for k in FILE_KINDS)) | {"line", "quote"})

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["2174", "334511", "A", "B", "0", "pass", "fail", "ict", "phase-1", "in-force", "2021",
                     "noc in area_occupations", "noc.__class__", "{noc}", "{noc.__class__}", "x" * 300]),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8), st.integers(-5, 5), st.booleans(), st.none())
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=5)), max_leaves=25)
documents = st.dictionaries(st.sampled_from(KEYS), values, max_size=8)

TOKENS = ["a", "id", "cases", "- ", ": ", "\n", "  ", "\t", "[", "]", "{", "}", ",", "&x ", "*x", "!!str ",
          "!!python/object/apply:os.system ", "!!binary ", "? ", "'", '"', "#", "---\n", "...\n", "2174",
          "1e9999", "0x1F", "2021-13-45", "~", "|", ">", "%YAML 1.1\n", "\ufeff", "\u2028", "é", "\x00"]
yaml_soup = st.lists(st.sampled_from(TOKENS), max_size=40).map(lambda t: "".join(t).encode("utf-8"))


def dump(data) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


@st.composite
def edited_shipped(draw, kind: str) -> bytes:
    """A shipped rule file with one node replaced by a random value, or deleted."""
    data = yaml.safe_load((SHIPPED / FILE_OF_KIND[kind]).read_text(encoding="utf-8"))
    node, key = data, None
    parent = None
    for _ in range(draw(st.integers(0, 5))):
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node, key=str)))
        elif isinstance(node, list) and node:
            key = draw(st.integers(0, len(node) - 1))
        else:
            break
        parent, node = node, node[key]
    if parent is None:
        return dump(draw(values))
    if draw(st.booleans()):
        parent[key] = draw(values)
    elif isinstance(parent, dict):
        del parent[key]
    else:
        parent.pop(key)
    return dump(data)


def any_file(kind: str):
    return st.one_of(st.binary(max_size=300), yaml_soup, documents.map(dump), values.map(dump),
                     edited_shipped(kind))


def load_one(raw: bytes, kind: str) -> None:
    """Parse, validate and build one file: succeed, or raise PolicyLoadError naming the file."""
    try:
        doc = parse_document(raw, SHOWN)
    except PolicyLoadError as exc:
        assert exc.span is not None and exc.span.path == SHOWN
        assert "\n" not in str(exc)
        return
    findings = validate(doc, kind)
    assert all(isinstance(f, Diagnostic) and f.span.path == SHOWN for f in findings)
    if not findings:
        BUILD[kind](doc)


@pytest.mark.parametrize("kind", FILE_KINDS)
@FUZZ
@given(data=st.data())
def test_any_file_of_any_kind_loads_or_is_refused_with_its_path(kind, data):
    load_one(data.draw(any_file(kind)), kind)


@pytest.fixture(scope="module")
def fuzz_tree(tmp_path_factory) -> Path:
    """A small valid tree (one area, every clause, one resolution, one case file): quick to load."""
    root = tmp_path_factory.mktemp("fuzz") / "policies"
    folder = root / POLICY / VERSION
    for rel in ("version.yaml", "areas/ict.yaml", "tests/noc-2021.yaml",
                *(f"clauses/{p.name}" for p in (SHIPPED / "clauses").glob("*.yaml"))):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHIPPED / rel, folder / rel)
    resolutions = yaml.safe_load((SHIPPED / "resolutions.yaml").read_text(encoding="utf-8"))
    (folder / "resolutions.yaml").write_bytes(dump({"resolutions": resolutions["resolutions"][:1]}))
    tree = PolicyTree(root)
    assert not tree.load(tree.refs()[0]).errors
    return root


@pytest.mark.parametrize("kind", FILE_KINDS)
@settings(FUZZ, max_examples=15 * SCALE)
@given(data=st.data())
def test_a_tree_with_any_file_loads_and_compiles_into_findings(fuzz_tree, kind, data):
    raw = data.draw(any_file(kind))
    target = fuzz_tree / POLICY / VERSION / FILE_OF_KIND[kind]
    original = target.read_bytes()
    target.write_bytes(raw)
    try:
        tree = PolicyTree(fuzz_tree)
        ref = next(r for r in tree.refs() if r.id == VERSION)  # the damaged version
        loaded = tree.load(ref)  # never raises: every problem is a finding
        assert all(f.span.path.startswith(f"{POLICY}/{VERSION}") for f in loaded.findings)
        if loaded.version is not None and not loaded.errors:
            compile_version(loaded.version)
    finally:
        target.write_bytes(original)


EXPRESSION_TOKENS = ["noc", "noc_level", "area_noc_a", "industry_prefixes", "industry_given", " in ", " and ",
                     " or ", "not ", "==", "!=", "=~", "(", ")", "[", "]", "{", "}", ",", '"A"', "1", "0.5", ".",
                     "length", "__class__", "$re", "&", "|", "^", "-", "+", "*", "/", "%", "?", ":", "null",
                     "true", "[0]", "[1:]", "`", "\\", "'", "\n", "if", "for", " ", "#"]


@settings(FUZZ, max_examples=25 * SCALE)
@given(expression=st.one_of(st.lists(st.sampled_from(EXPRESSION_TOKENS), min_size=1, max_size=30).map("".join),
                            st.text(min_size=1, max_size=60)),
       key=st.sampled_from(["when", "condition"]))
def test_any_expression_compiles_or_is_a_finding(fuzz_tree, expression, key):
    target = fuzz_tree / POLICY / VERSION / "clauses" / "noc-a-exception.yaml"
    original = target.read_bytes()
    data = yaml.safe_load(original)
    data[key] = expression
    target.write_bytes(dump(data))
    try:
        tree = PolicyTree(fuzz_tree)
        loaded = tree.load(tree.refs()[0])
        if loaded.version is not None and not loaded.errors:
            compiled, findings = compile_version(loaded.version)
            assert (compiled is None) == bool(findings)
            if compiled is not None:  # it compiled: deciding succeeds, or names the clause
                evaluator = Evaluator(compiled)
                for noc, industry in (("2174", None), ("0213", "334511"), ("9611", "31")):
                    try:
                        evaluator.decide(noc, industry)
                    except PolicyInvalidError as exc:
                        assert exc.span is not None and exc.span.path.endswith("clauses/noc-a-exception.yaml")
    finally:
        target.write_bytes(original)


# -- hostile expressions (issue 13) -----------------------------------------------------------------

_ATOMS = ["a", "b", ".", "[a-z ]", "\\d", "x", "(a|ab)", "(?:a|b)", "\\1", "^", "$", "(?=a)"]
_QUANTIFIERS = st.one_of(st.sampled_from(["", "", "*", "+", "?", "*?", "++"]),
                         st.integers(0, 2 ** 33).map(lambda n: "{%d}" % n),
                         st.tuples(st.integers(0, 1500), st.integers(0, 5000)).map(lambda t: "{%d,%d}" % (min(t), max(t))))
regexes = st.recursive(
    st.tuples(st.sampled_from(_ATOMS), _QUANTIFIERS).map("".join),
    lambda inner: st.one_of(st.lists(inner, min_size=1, max_size=4).map("".join),
                            st.tuples(inner, _QUANTIFIERS).map(lambda t: f"({t[0]}){t[1]}"),
                            st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(" + "|".join(xs) + ")")),
    max_leaves=8)
regex_matches = st.builds(lambda subject, op, pattern: f"{subject} {op} {json.dumps(pattern)}",
                          st.sampled_from(["noc_title", "listed_title.as_lower", "area_title", '"' + "a" * 40 + '!"',
                                           "(noc_title + noc_title)", "noc"]),
                          st.sampled_from(["=~", "=~~", "!~", "!~~"]), regexes)
BUILTINS = sorted(rule_engine.Context().builtins)
builtin_uses = st.builds(lambda name, form: form.replace("B", f"${name}"), st.sampled_from(BUILTINS),
                         st.sampled_from(["B", "B()", "B(1000000)", "[B].length == 1", "B(noc)", "$map(B, [1, 2])",
                                          "B.year > 2000", "B() > 0.5"]))
_CHAINS = {"not": lambda n: "not " * n + "noc_level == 'A'", "or": lambda n: " or ".join(['noc == "1"'] * n),
           "and": lambda n: " and ".join(["industry_given"] * n), "paren": lambda n: "(" * n + "true" + ")" * n,
           "minus": lambda n: "-" * n + "1 == 1", "attr": lambda n: "noc" + ".as_lower" * n + ' == "x"'}
chains = st.builds(lambda kind, n: _CHAINS[kind](n), st.sampled_from(sorted(_CHAINS)),
                   st.sampled_from([1, 10, 49, 50, 99, 100, 101, 500, 20000]))
_ITERABLES = ["area_occupations", "$range(1000000)", '["a", "b"]', "industry_prefixes", "$split(noc_title)"]
comprehensions = st.recursive(
    st.sampled_from(_ITERABLES),
    lambda inner: st.one_of(
        st.builds(lambda v, it, c: f"[{v} for {v} in {it}{c}]", st.sampled_from(["x", "y", "noc"]), inner,
                  st.sampled_from(["", " if x == noc", " if (area_occupations & area_noc_a).length > 0"])),
        st.builds(lambda body: f"[{body} for z in area_occupations]", inner)),
    max_leaves=4).map(lambda c: f"{c}.length >= 0")
controls = st.text(st.characters(min_codepoint=0, max_codepoint=0x9F), max_size=6).map(lambda t: f"noc == {json.dumps(t)}")
hostile_expressions = st.one_of(regex_matches, builtin_uses, chains, comprehensions, controls).flatmap(
    lambda e: st.sampled_from([e, f"({e}) and noc in area_occupations", f"noc in area_occupations or ({e})"]))
REFUSED_BUILTIN = re.compile(r"\$(?:%s)\b" % "|".join(sorted(set(nondeterministic_builtins()) | {"range"})))


@pytest.fixture(scope="module")
def expression_setting():
    """The shipped occupation-listed clause, and the facts of a few cases to evaluate its variants on."""
    tree = PolicyTree(shipped_policies())
    version = tree.load(tree.refs()[0]).version
    (clause,) = [c for c in version.clauses if c.id == "occupation-listed"]
    refdata = reference_data()
    cases = [{**area_facts(area), **occupation_facts(noc, area, refdata), **industry_facts(industry, refdata)}
             for area in version.areas[:2] for noc, industry in (("2174", None), ("0013", "334511"), ("9611", "31"))]
    return clause, cases


@settings(FUZZ, max_examples=50 * SCALE)
@given(expression=hostile_expressions, key=st.sampled_from(["when", "condition"]))
def test_a_hostile_expression_is_one_finding_or_runs_within_its_budget(expression_setting, expression, key):
    template, cases = expression_setting
    # the expression replaces the file's, so the places of the file's expression's lines (key.@N) go with it
    spans = {k: v for k, v in template.spans.items() if ".@" not in k}
    spans.setdefault("when", spans["condition"])
    clause = dataclasses.replace(template, spans=spans, **{key: expression})
    compiled, findings = compile_clause(clause)  # never raises
    assert (compiled is None) == bool(findings)
    for finding in findings:
        assert (finding.code, finding.span) == ("expression", spans[key])
        assert "\n" not in finding.render() and "\x1b" not in finding.render()
    if compiled is None:
        return
    assert not REFUSED_BUILTIN.search(expression), expression
    with ExpressionBudget(0.2) as budget:
        for facts in cases:
            try:
                Evaluator.outcome(compiled, facts, budget)
            except PolicyInvalidError as exc:  # failed, or overran its budget: named at its line
                assert (exc.code, exc.span) == ("expression", spans[key])
                break


# -- the command line ------------------------------------------------------------------------------

NOT_FUZZED = {"serve": "it listens", "lsp": "it talks JSON-RPC on its standard input and output",
              "new-version": "it writes a version", "freeze": "it writes a manifest"}
"""The commands the fuzz leaves out, and why."""
READ_COMMANDS = sorted(set(COMMANDS) - set(NOT_FUZZED))
"""Every other command, a new one too: they only read (evaluate -o writes in a scratch folder)."""

OPTIONS = ["--policies", "--version", "--on", "--format", "--industry", "--noc-version", "--coverage", "--source",
           "--area", "--dialect", "--columns",
           "--impact", "--no-impact", "--classes", "--no-cache", "--date-column", "--output", "-o", "--help",
           "-h", "--", "-x", "--nope"]
WORDS = ["2174", "21233", "9999", "0213", "21A4", "", " ", "541514", "3345", "1", "2016", "2021", "phase-1",
         "phase-9", "2021-04-01", "1999-01-01", "2099-12-31", "soon", "text", "json", "csv", "jsonl", "markdown",
         "out.csv", "-", "é", "../", "/nonexistent", "ict", "duckdb", "spark", "noc,industry"]
# No NUL: a real command line cannot carry one (and click's own Path type raises ValueError on it).


@st.composite
def command_lines(draw, trees):
    head = draw(st.sampled_from(READ_COMMANDS + ["--help", "--version", "nope"]))
    parts = [head]
    for _ in range(draw(st.integers(0, 7))):
        parts.append(draw(st.one_of(st.sampled_from(OPTIONS), st.sampled_from(WORDS),
                                    st.text(st.characters(exclude_characters="\x00"), max_size=8)
                                    .filter(lambda t: t not in NOT_FUZZED))))
    if draw(st.booleans()):  # most runs point at a scratch tree, some at a broken one
        parts += ["--policies", str(draw(st.sampled_from(trees)))]
    return parts


@pytest.fixture(scope="module")
def cli_trees(tmp_path_factory):
    good = tmp_path_factory.mktemp("cli") / "policies"
    shutil.copytree(shipped_policies(), good)
    broken = tmp_path_factory.mktemp("cli-broken") / "policies"
    shutil.copytree(shipped_policies(), broken)
    (broken / POLICY / VERSION / "areas" / "ict.yaml").write_bytes(b"id: [\n\xff")
    return [good, broken]


@settings(FUZZ, max_examples=60 * SCALE)
@given(data=st.data())
def test_the_cli_never_ends_in_a_traceback(cli_trees, data, tmp_path):
    args = data.draw(command_lines([str(t) for t in cli_trees]))
    workdir = tmp_path / "cwd"
    workdir.mkdir(exist_ok=True)
    previous = os.getcwd()
    os.chdir(workdir)  # anything a command writes (evaluate -o out.csv) lands here
    try:
        result = CliRunner().invoke(main, args, input="")
    finally:
        os.chdir(previous)
    assert result.exit_code in (0, 1, 2), (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert "Traceback" not in result.output


def test_the_fuzz_leaves_out_only_commands_that_exist():
    assert set(NOT_FUZZED) < set(COMMANDS) and {"sql", "occupations", "schema"} <= set(READ_COMMANDS)


def test_the_shipped_tree_is_untouched_by_the_fuzzing():
    """The CLI fuzz never names a writing command, and never the shipped tree: it is as shipped."""
    tree = PolicyTree(shipped_policies())
    ref = next(r for r in tree.refs() if r.id == VERSION)  # the damaged version
    assert not tree.load(ref).errors
    assert sorted(p.name for p in (SHIPPED / "tests").iterdir()) == sorted(
        p.name for p in (SHIPPED / "tests").glob("*.yaml"))
    assert not [p for p in SHIPPED.rglob("*") if p.name.endswith((".tmp", "~")) or p.name.startswith(".")]
    assert os.path.isdir(SHIPPED)
