"""Rule-file expressions are bounded and depend on the case alone (issue 12 item 5, issue 13 item 1).

`check` refuses, as one ``expression`` finding at the clause's line, every expression that could
hang, exhaust memory, crash the interpreter or read the clock, randomness or the environment;
whatever it accepts is evaluated under a time budget while the decision table is built, and a
failure there is one line naming the clause (exit 2) for the commands that decide.
"""

from __future__ import annotations

import decimal
import json
import math
import os
import secrets
import signal
import threading
import time
from pathlib import Path

import pytest
import rule_engine
from click.testing import CliRunner

from sc_policy.app.workspace import Workspace
from sc_policy.engine.bounds import (MAX_EXPRESSION_CHARS, MAX_OPERATORS, MAX_REPEAT, MAX_SUBJECT_CHARS, classify_builtins,
                              nondeterministic_builtins, regex_problem, screen)
from sc_policy.engine.budget import ExpressionBudget
from sc_policy.cli import main
from sc_policy.engine.compile import _compile, compile_version
from sc_policy.diagnostics import Diagnostic, PolicyInvalidError, ScPolicyError
from sc_policy.engine.decide import Evaluator
from sc_policy.engine.facts import FACTS
from sc_policy.diagnostics import Span
from sc_policy.engine.table import build_table

from conftest import POLICY, VERSION, version_dir

REL = f"{POLICY}/{VERSION}/clauses/occupation-listed.yaml"
CONDITION_LINE = 6


def set_condition(root: Path, expression: str) -> None:
    path = version_dir(root) / "clauses" / "occupation-listed.yaml"
    text = path.read_text(encoding="utf-8")
    assert "condition: noc in area_occupations\n" in text
    path.write_text(text.replace("condition: noc in area_occupations\n", f"condition: {json.dumps(expression)}\n"),
                    encoding="utf-8")


def run(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def expression_errors(root: Path):
    result = run("check", "--format", "json", "--policies", str(root))
    assert result.exit_code == 1, result.output
    found = [f for f in json.loads(result.stdout) if f["severity"] == "error"]
    assert [(f["check"], f["path"], f["line"]) for f in found] == [("expression", REL, CONDITION_LINE)], found
    return found[0]["message"]


# -- decisions depend only on the case (issue 12, item 5) ------------------------------------------

def test_the_builtins_that_read_the_clock_or_randomness_are_derived_from_rule_engine():
    found = nondeterministic_builtins()
    assert found["now"] == found["today"] == "the clock"
    assert found["random"] == "randomness"
    everything = set(rule_engine.Context().builtins)
    assert set(found) <= everything
    # the rest are functions of their arguments (or constants): split, map, parse_datetime, e, pi, ...
    assert {"split", "map", "filter", "parse_datetime", "parse_float", "abs", "e", "pi", "re_groups"} <= \
        everything - set(found)


def _stamp():
    return time.time()


def _setting():
    return os.environ.get("SC_POLICY_X")


def _through_stamp():
    return _stamp() > 0


def test_the_derivation_reads_each_builtins_code_not_a_list_of_names():
    found = classify_builtins({
        "stamp": _stamp, "setting": _setting, "indirect": _through_stamp, "token": secrets.token_hex,
        "later": lambda builtins: time.monotonic(), "sqrt": math.sqrt, "double": lambda x: x * 2,
        "abs": abs, "pi": 3.14})
    assert found == {"stamp": "the clock", "setting": "the environment", "indirect": "the clock",
                     "token": "randomness", "later": "the clock",
                     "sqrt": "code that cannot be shown to depend on its arguments alone"}


@pytest.mark.parametrize("name", sorted(nondeterministic_builtins()))
def test_check_refuses_every_nondeterministic_builtin_at_the_clauses_line(tree_copy, name):
    set_condition(tree_copy, f"noc in area_occupations or [${name}].length == 0")
    message = expression_errors(tree_copy)
    assert f"${name} depends on {nondeterministic_builtins()[name]}" in message


@pytest.mark.parametrize("expression,name", [
    ("noc in area_occupations or $random() > 0.99", "$random"),
    ('noc in area_occupations and $now > d"2000-01-01"', "$now"),
    ("noc in area_occupations and $today.year > 2000", "$today"),
])
def test_the_reported_nondeterministic_conditions_are_refused(tree_copy, expression, name):
    set_condition(tree_copy, expression)
    assert f"{name} depends on" in expression_errors(tree_copy)


@pytest.mark.parametrize("expression,value", [
    ("noc", "a text"), ("noc_title.length", "a number"), ("area_occupations", "a set"), ("null", "null")])
def test_a_condition_whose_value_is_not_true_or_false_is_refused(tree_copy, expression, value):
    # rule-engine takes the truth of any value: `noc` (a comparison forgotten) passed for every occupation
    set_condition(tree_copy, expression)
    errors = expression_errors(tree_copy)
    would = "never pass" if value == "null" else "pass whenever that is not empty or zero"
    assert f"condition: its value is {value}, not true or false (it would {would})" in errors


@pytest.mark.parametrize("expression,value", [
    ('noc_level == "A" ? noc : false', "a text"), ('noc_level == "A" ? noc in area_occupations : null', "null"),
    ('noc_level == "A" ? true : (noc_level == "B" ? noc_title.length : false)', "a number")])
def test_a_conditional_with_a_branch_that_is_not_true_or_false_is_refused(tree_copy, expression, value):
    # rule-engine calls a conditional whose branches differ in type UNDEFINED, and takes the truth of its value
    set_condition(tree_copy, expression)
    would = "never pass" if value == "null" else "pass whenever that is not empty or zero"
    assert f"condition: its value can be {value}, not true or false (it would {would})" in expression_errors(tree_copy)


def test_a_conditional_whose_branches_are_true_or_false_is_accepted(tree_copy):
    set_condition(tree_copy, 'noc_level == "A" ? noc in area_noc_a : noc in area_occupations')
    result = run("check", "--format", "json", "--policies", str(tree_copy))
    assert not [f for f in json.loads(result.stdout) if f["check"] == "expression"], result.stdout


def test_arithmetic_does_not_depend_on_the_callers_decimal_context():
    with decimal.localcontext() as ctx:
        ctx.prec = 5
        matches = _compile("2 / 3 == 0.6666666666666666666666666667", set())
        assert matches({}) is True


# -- expressions are bounded (issue 13, item 1) -------------------------------------------------------

A40 = "a" * 40
HOSTILE = [
    ('noc in area_occupations and not (noc_title =~ "^([a-zA-Z ,]+)+[0-9]")', "can itself match in more than one way"),
    ('noc in area_occupations and not ("' + A40 + '!" =~ "(a+)+$")', "can itself match in more than one way"),
    ('noc in area_occupations and not (noc_title =~ "(ab|a)*c")', "can itself match in more than one way"),
    ('noc in area_occupations and not (noc_title =~ "a{4294967296}")', "repeat count over the limit of 1,000"),
    ('noc in area_occupations and not (noc_title =~ "a{1001}")', "repeats 1,001 times"),
    ('noc in area_occupations and not (noc_title =~~ ".*a.*b")', "steps on a 2,000-character text"),
    ('noc in area_occupations and not (noc_title =~ r"(a)\\1")', "backreference"),
    ('noc in area_occupations and not (noc_title =~ "(a+" + ")+")', "must be one string literal"),
    ('noc in area_occupations and not ("x" =~ noc_title)', "must be one string literal"),
    ('noc in area_occupations and not ((noc_title + noc_title) =~ "x")', "must be matched against a fact"),
    ("noc in area_occupations and $range(1000000).length > 0", "$range builds its whole list"),
    ("noc in area_occupations and $map($range, [1000000]).length > 0", "$range builds its whole list"),
    # a constant is folded while rule-engine parses, the other runs in one C call: neither can be interrupted
    # (1 << 99999999999 asked for 12 GB, and 1 << 10000000 took minutes to become a Decimal)
    ("noc in area_occupations and (1 << 64) > 0", "<< builds a number of any size"),
    ("noc in area_occupations and (noc.length << 64) > 0", "<< builds a number of any size"),
    # rule-engine finds an unknown builtin only when it runs: check, which runs no industry, passed the
    # clause, and explain refused the version with "unknown fact 'round'" when it built the table
    ("industry_given and $round(1.5) > 1", "unknown builtin $round; the builtins are $abs, $all"),
    ("not " * 20000 + "false", "the limit is 2,000"),
    (" or ".join(["noc in area_occupations"] * 20000), "the limit is 2,000"),
    ("not " * (MAX_OPERATORS + 1) + "(noc in area_occupations)", f"the limit is {MAX_OPERATORS}"),
    ("noc in area_occupations and [[y for y in area_occupations] for x in area_occupations].length > 0",
     "a comprehension inside another"),
    ("noc in area_occupations and [noc for noc in area_occupations].length > 0", "hides the fact"),
    ('noc in area_occupations and noc_title[200] == "x"', "cannot be evaluated for NOC 2174: "),
]


@pytest.mark.parametrize("expression,words", HOSTILE, ids=[f"{i}-{w[:24]}" for i, (_, w) in enumerate(HOSTILE)])
def test_check_refuses_each_hostile_shape_in_one_line_at_the_clause(tree_copy, expression, words):
    set_condition(tree_copy, expression)
    message = expression_errors(tree_copy)
    assert words in message
    assert message.startswith("clause 'occupation-listed', condition: ")


def test_a_deciding_command_names_the_clause_and_line_and_exits_2(tree_copy):
    set_condition(tree_copy, 'noc in area_occupations and not (noc_title =~ "^([a-zA-Z ,]+)+[0-9]")')
    for args in (["explain", "2174"], ["evaluate", "-"], ["test"], ["table"]):
        result = CliRunner().invoke(main, [*args, "--policies", str(tree_copy)], input="noc\n2174\n")
        assert result.exit_code == 2, (args, result.output)
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"sc-policy: error: {REL}:{CONDITION_LINE}:1: version {VERSION} is invalid: "
                               f"expression: clause 'occupation-listed', condition: the regular expression"), line


def test_safe_regular_expressions_are_accepted_and_decide(tree_copy):
    set_condition(tree_copy, 'noc in area_occupations and not (noc_title =~~ "(?i)astronaut.*") '
                             'and not (listed_title.as_lower =~ "^zz+ top$")')
    result = run("check", "--format", "json", "--policies", str(tree_copy))
    assert result.exit_code == 0, result.output
    assert "ELIGIBLE" in run("explain", "2174", "--policies", str(tree_copy)).stdout


@pytest.mark.parametrize("pattern,search,refused", [
    ("engineer", True, None),
    (".*engineer", True, None),
    ("^[A-Z][a-z]+ [a-z]+$", False, None),
    ("colou?r .*", True, None),
    ("(ab){3}", False, None),
    ("(a{3})+", False, None),
    (f"a{{{MAX_REPEAT}}}", False, None),
    (f"a{{{MAX_REPEAT + 1}}}", False, "repeats"),
    ("a{2,4294967296}", False, "repeat count over the limit"),
    ("(a+)+$", False, "more than one way"),
    ("(a|b?)*x", False, "more than one way"),
    ("(?:x|yz)+", False, "more than one way"),
    ("(?=a*)+b", False, "more than one way"),
    (".*.*x", False, None),
    (".*.*x", True, "steps"),
    (".*.*.*x", False, "steps"),
    (".*x", True, None),
    (".*x.*", True, "steps"),
    ("a?" * 30 + "a" * 30, False, "steps"),
    ("(?P<x>a)(?P=x)", False, "backreference"),
    ("(a)?(?(1)b|c)", False, "backreference"),
    ("(", False, "is invalid"),
    ("(" * 900 + ")" * 900, False, "nests too deeply"),
])
def test_regular_expressions_are_refused_by_their_worst_case(pattern, search, refused):
    problem = regex_problem(pattern, search)
    if refused is None:
        assert problem is None
    else:
        assert problem is not None and refused in problem


def test_the_length_and_operator_limits_are_exact():
    longest = "noc in area_occupations" + " " * (MAX_EXPRESSION_CHARS - len("noc in area_occupations"))
    assert screen(longest) is None
    assert "characters long" in screen(longest + " ")
    chain = " or ".join(['noc == "2174"'] * 50)  # 49 `or` and 50 `==`: 99 operators
    assert screen(chain) is None
    assert screen(chain + " or true") is None  # 100
    assert f"the limit is {MAX_OPERATORS}" in screen(chain + " or true or true")
    assert screen('"(a+)+ and not or ((((" == noc') is None  # operators inside a string literal do not count


def test_a_fact_longer_than_the_regex_limit_is_refused_when_matched(tree_copy):
    set_condition(tree_copy, 'noc in area_occupations and not (area_title =~~ "zz.*")')
    ict = version_dir(tree_copy) / "areas" / "ict.yaml"
    text = ict.read_text(encoding="utf-8")
    assert "\ntitle: Information and Communications Technology\n" in text
    ict.write_text(text.replace("\ntitle: Information and Communications Technology\n",
                                "\ntitle: Information" + " x" * MAX_SUBJECT_CHARS + "\n"), encoding="utf-8")
    message = expression_errors(tree_copy)
    assert f"is matched against at most {MAX_SUBJECT_CHARS:,}" in message and "'area_title'" in message


SLOW = ("[x for x in area_occupations if ((area_occupations | area_noc_a) & (area_occupations | area_noc_a)).length "
        ">= 0].length > 0 and noc in area_occupations")  # some ms for each of the 1,500 unit groups and areas


def test_an_expression_that_overruns_its_budget_while_the_table_is_built_is_named(tree_copy):
    ws = Workspace(tree_copy, cache=False)
    compiled, _ = compile_version(ws.load(VERSION).version)
    shipped = ExpressionBudget()
    build_table(Evaluator(compiled, ws.refdata), shipped)
    seconds = round(max(0.3, 3 * max(shipped.spent.values())), 1)  # ample for every shipped expression
    set_condition(tree_copy, SLOW)
    ws = Workspace(tree_copy, cache=False)  # a workspace reads each version once: a new one reads the edit
    compiled, problems = compile_version(ws.load(VERSION).version)
    assert not problems  # nothing to refuse in its shape: only its cost is too high
    with pytest.raises(PolicyInvalidError) as info:
        build_table(Evaluator(compiled, ws.refdata), ExpressionBudget(seconds))
    assert info.value.code == "expression"
    assert (info.value.span.path, info.value.span.line) == (REL, CONDITION_LINE)
    assert f"took more than {seconds:g} s of processor time" in info.value.message
    assert signal.getsignal(signal.SIGVTALRM) == signal.SIG_DFL
    assert signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0)


def _big_facts(n: int) -> dict:
    return {"area_occupations": {f"{i:04d}" for i in range(n)}, "area_noc_a": {f"{i:04d}" for i in range(n // 2, n)}}


def test_one_long_evaluation_is_interrupted_on_the_main_thread():
    matches = _compile("[x for x in area_occupations if (area_occupations & area_noc_a).length > 0].length > 0",
                       set())
    with ExpressionBudget(0.3) as budget:
        with pytest.raises(PolicyInvalidError, match="took more than 0.3 s of processor time"):
            matches(_big_facts(4000), budget)
    # it was stopped, not run to its end (thousands of intersections of thousand-element sets)
    (spent,) = budget.spent.values()
    assert spent < 3
    assert signal.getsignal(signal.SIGVTALRM) == signal.SIG_DFL


def test_off_the_main_thread_an_overrun_is_caught_when_the_evaluation_returns():
    matches = _compile("[x for x in area_occupations if (area_occupations & area_noc_a).length > 0].length > 0",
                       set())
    outcome = []

    def decide():
        with ExpressionBudget(0.01) as budget:
            try:
                matches(_big_facts(300), budget)
                outcome.append("returned")
            except PolicyInvalidError as exc:
                outcome.append(exc.message)

    worker = threading.Thread(target=decide)
    worker.start()
    worker.join()
    assert len(outcome) == 1 and "took more than 0.01 s of processor time" in outcome[0]


# -- what reaches a terminal ------------------------------------------------------------------------

def test_control_characters_of_a_template_are_shown_as_escapes(tree_copy):
    path = version_dir(tree_copy) / "clauses" / "occupation-listed.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('pass: "{noc} {noc_title}', 'pass: "\\e]0;owned\\a\\u202e{noc} {noc_title}'),
                    encoding="utf-8")
    shown = run("explain", "2174", "--policies", str(tree_copy)).stdout
    assert "\\x1b]0;owned\\x07\\u202e2174 Computer programmers" in shown
    assert not any(c in shown for c in "\x1b\x07\u202e")
    data = json.loads(run("explain", "2174", "--format", "json", "--policies", str(tree_copy)).stdout)
    assert data["areas"][0]["clauses"][1]["reason"].startswith("\x1b]0;owned\x07\u202e2174")  # JSON keeps the data


def test_control_characters_of_a_version_title_and_of_messages_are_escaped(tree_copy):
    manifest = version_dir(tree_copy) / "version.yaml"
    text = manifest.read_text(encoding="utf-8")
    title = "Second Career Fast Track – Phase I (the analyst's readings recorded)"
    assert f"\ntitle: {title}\n" in text
    manifest.write_text(text.replace(f"\ntitle: {title}\n", f'\ntitle: "\\e[2J\\r{title}"\n'), encoding="utf-8")
    shown = run("versions", "--policies", str(tree_copy)).stdout
    assert "\\x1b[2J Second" in shown and "\x1b" not in shown and "\r" not in shown  # \r is white space
    finding = Diagnostic(Span("areas/\x1b[31mict.yaml", 3, 1), "error", "schema", "bad \x9b1m value")
    assert finding.render() == "areas/\\x1b[31mict.yaml:3:1: error schema: bad \\x9b1m value"
    assert str(ScPolicyError("no \x07 bell", Span("x\x1b.yaml"))) == "x\\x1b.yaml: no \\x07 bell"


@pytest.mark.parametrize("expression,symbol,suggested", [
    ("nocc in area_occupations", "unknown fact 'nocc'", "noc"),
    ("noc in area_ocupations", "unknown fact 'area_ocupations'", "area_occupations"),
    ("noc.lenght > 3", "unknown attribute 'lenght'", "length"),
])
def test_an_unknown_name_carries_rule_engines_suggestion_as_data(tree_copy, expression, symbol, suggested):
    """rule-engine's own suggestion (SymbolResolutionError.suggestion) is the diagnostic's did-you-mean."""
    set_condition(tree_copy, expression)
    result = run("check", "--format", "json", "--policies", str(tree_copy))
    (found,) = [f for f in json.loads(result.stdout) if f["severity"] == "error"]
    assert symbol in found["message"] and f"(did you mean {suggested!r}?)" in found["message"]
    assert found["suggestion"] == {"kind": "did-you-mean", "values": [suggested]}
    text = run("check", "--policies", str(tree_copy)).stdout
    name = symbol.split("'")[1]  # at the name: the value starts after `condition: "`, at column 13
    column = len('condition: "') + 1 + expression.index(name)
    assert f"{REL}:{CONDITION_LINE}:{column}: error expression: clause 'occupation-listed', condition: {symbol}" in text
    assert f"(did you mean {suggested!r}?)" in text


# -- a syntax error, an unknown fact or attribute is shown at its character -----------------------------

SYNTAX = [  # (the condition as written in the rule file, the text the error is at, the message's end)
    ("condition: noc in area_occupations and )\n", ")", "syntax error at ')'"),
    ("condition: 'noc in area_occupations and noc $ 3'\n", "$", "syntax error: illegal character '$'"),
    ("condition: >-\n  noc in area_occupations\n  and (noc_level == \"A\" $ 3)\n", "$",
     "syntax error: illegal character '$'"),
    ("condition: |\n  noc in area_occupations and\n     noc_level == \"A\" )\n", ")", "syntax error at ')'"),
    ("condition: noc in\n  area_occupations and )\n", ")", "syntax error at ')'"),
    ("condition: noc in area_occupations and\n", None, "syntax error: the expression ends before it is complete"),
    ("condition: >-\n  noc in area_occupations and\n  (\"nco_title\" == nco_title)\n", " nco_title)",
     "unknown fact 'nco_title'; known facts: " + ", ".join(sorted(FACTS)) + " (did you mean 'noc_title'?)"),
    ("condition: noc in area_occupations and noc.lenght > 2\n", "lenght", "unknown attribute 'lenght' (did you mean "
                                                                          "'length'?)"),
]


@pytest.mark.parametrize("written,at,words", SYNTAX, ids=[f"{i}" for i in range(len(SYNTAX))])
def test_an_expression_error_is_reported_at_its_character_in_the_file(tree_copy, written, at, words):
    path = version_dir(tree_copy) / "clauses" / "occupation-listed.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("condition: noc in area_occupations\n", written),
                    encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    if at is None:  # just past the expression's last character
        line = next(n for n, text in enumerate(lines, 1) if text.startswith("condition:"))
        column = len(lines[line - 1]) + 1
    else:
        line = next(n for n, text in enumerate(lines, 1) if at in text and n >= CONDITION_LINE)
        column = lines[line - 1].index(at) + 1 + (len(at) - len(at.lstrip()))
    result = run("check", "--format", "json", "--policies", str(tree_copy))
    (found,) = [f for f in json.loads(result.stdout) if f["check"] == "expression"]
    assert (found["path"], found["line"], found["column"]) == (REL, line, column), (found, lines[line - 1])
    assert found["message"] == f"clause 'occupation-listed', condition: {words}"


def test_a_syntax_error_in_a_value_written_with_escapes_is_reported_at_its_key(tree_copy):
    set_condition(tree_copy, "noc in area_occupations and noc_title == \"a\\tb\" )")  # the YAML has \" and \t
    result = run("check", "--format", "json", "--policies", str(tree_copy))
    (found,) = [f for f in json.loads(result.stdout) if f["check"] == "expression"]
    assert (found["path"], found["line"], found["column"]) == (REL, CONDITION_LINE, 1)
    assert found["message"].endswith("syntax error at ')'")


def test_every_fact_is_in_the_readmes_table_of_facts_and_no_other():
    """The README's table under *The rule files* is what an analyst may write: every fact, and only facts."""
    import re
    from sc_policy.engine.facts import FACTS
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| fact | type | meaning |"):]
    table = table[:table.index("\n\n")]
    listed = {name for row in table.splitlines()[2:] for name in re.findall(r"`([a-z_]+)`", row.split(" | ")[0])}
    assert listed == set(FACTS)


def test_a_misspelt_placeholder_names_the_fact_it_most_likely_meant(tree_copy):
    """A condition's unknown fact got rule-engine's did-you-mean; a template's ({industy_title}) got none."""
    path = tree_copy / POLICY / VERSION / "clauses" / "phase-1-manufacturing.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{industry} {industry_title} is not in", "{industry} {industy_title} is not in", 1),
                    encoding="utf-8")
    result = run("check", "--format", "json", "--policies", str(tree_copy))
    (found,) = [f for f in json.loads(result.stdout) if f["severity"] == "error"]
    assert found["check"] == "template" and "{industy_title} names no fact" in found["message"]
    assert found["suggestion"] == {"kind": "did-you-mean", "values": ["industry_title"]}
    assert "(did you mean 'industry_title'?)" in run("check", "--policies", str(tree_copy)).stdout


TEMPLATES = [  # (the fail template as written, the placeholder the error is at, the message's end)
    ('  fail: "NAICS {industry} {industy_title} is not in manufacturing."\n', "{industy_title}",
     "placeholder {industy_title} names no fact"),
    ("  fail: >-\n    NAICS {industry} is not in\n    manufacturing ({{31-33}}): {industry!r}\n", "{industry!r}",
     "placeholder {industry!r} must be a plain fact name"),
    ("  fail: |\n    NAICS {industry}\n      outside {area_title:>9}\n", "{area_title:>9}",
     "placeholder {area_title:>9} must be a plain fact name"),
    # a placeholder left open: Python's "unexpected '{' in field name", at the start of the value
    ('  fail: "NAICS {industry {industry_title} is not in manufacturing."\n', "{industry {",
     "the '{' here opens a placeholder that is not closed: write {fact}, or '{{' for a brace in the text"),
]


@pytest.mark.parametrize("written,at,words", TEMPLATES, ids=[f"{i}" for i in range(len(TEMPLATES))])
def test_a_templates_bad_placeholder_is_reported_at_its_character_in_the_file(tree_copy, written, at, words):
    """As an expression's error is: the line and column of the placeholder's brace, however the value is written."""
    rel = f"{POLICY}/{VERSION}/clauses/phase-1-manufacturing.yaml"
    path = tree_copy / rel
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    (i,) = [n for n, text in enumerate(lines) if text.startswith("  fail:")]
    path.write_text("".join(lines[:i]) + written + "".join(lines[i + 1:]), encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if at in text)
    result = run("check", "--format", "json", "--policies", str(tree_copy))
    (found,) = [f for f in json.loads(result.stdout) if f["check"] == "template"]
    assert (found["path"], found["line"], found["column"]) == (rel, line, lines[line - 1].index(at) + 1), found
    assert f"explain.fail: {words}" in found["message"]


@pytest.mark.parametrize("template", ["NAICS {industry:} {industy_title}", "{noc:}{noc}: {industy_title}",
                                      "{{x}} {industry:} {{ {industy_title}"])
def test_a_bad_placeholder_after_an_empty_format_spec_is_at_its_brace(template):
    """``{industry:}`` is the placeholder ``{industry}`` (Python's formatter reads an empty spec as none) but one
    character longer: the place of a later bad placeholder was counted from ``{industry}``, one column short."""
    from sc_policy.engine.templates import TemplateError, template_fields
    with pytest.raises(TemplateError) as raised:
        template_fields(template)
    assert template[raised.value.offset:].startswith("{industy_title}")


@pytest.mark.parametrize("template,at,words", [
    ("NAICS {industry} (31-33}) {noc}", "}) {noc}", "the '}' here closes no placeholder: write '}}' for a brace in the text"),
    ("{{31}} {industry} {noc", "{noc", "the '{' here opens a placeholder that is not closed"),
    ("{noc}{", "{", "the '{' here opens a placeholder that is not closed"),
    ("{industry{noc}}", "{industry{", "the '{' here opens a placeholder that is not closed"),
])
def test_a_stray_brace_is_said_in_words_at_its_character(template, at, words):
    """Python's formatter said "Single '}' encountered in format string", "expected '}' before end of string",
    with no place: the editor and check underlined the whole value."""
    from sc_policy.engine.templates import TemplateError, template_fields
    with pytest.raises(TemplateError) as raised:
        template_fields(template)
    assert raised.value.offset == (template.rindex(at) if at == "{" else template.index(at))
    assert str(raised.value).startswith(words)



@pytest.mark.parametrize("template", ["{noc!}", "{noc} {industry!rr}", "{{x}} {noc[}", "{noc:} {industry[0}"])
def test_a_placeholder_python_cannot_read_is_named_at_its_brace(template):
    """Python's formatter refuses ``{noc!}`` or ``{noc[0}`` with no place ("end of string while looking for
    conversion specifier", "Missing ']' in format string"): each was said to be a '{' not closed, with no place."""
    from sc_policy.engine.templates import TemplateError, template_fields
    with pytest.raises(TemplateError) as raised:
        template_fields(template)
    at = template.rindex("{")
    assert raised.value.offset == at
    assert str(raised.value) == f"placeholder {template[at:]} must be a plain fact name"
