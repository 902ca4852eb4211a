"""Compile a version's clause expressions with rule-engine (with sc_policy.engine.bounds, the only rule_engine users).

Every ``when`` and ``condition`` expression is compiled once against a typed
context built from :data:`~sc_policy.engine.facts.FACTS`, so that a misspelt fact, a
type error or an attribute outside the vocabulary fails at load time, at the
clause's line, instead of during a decision. Explanation templates are checked
here too: a placeholder must name a fact, with no attribute access or format
specification (``{noc.__class__}`` is refused). Every expression is first held to the
bounds of :mod:`sc_policy.engine.bounds` (length, nesting, regular expressions, builtins that
read the clock, randomness or the environment), and evaluated within its time budget.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, List, Mapping, Optional, Tuple

if TYPE_CHECKING:
    import rule_engine

from sc_policy.engine.bounds import check_subjects, inspect, screen
from sc_policy.engine.tokens import name_offset
from sc_policy.engine.budget import ExpressionBudget, ExpressionLimitError, run_bounded
from sc_policy.diagnostics import Diagnostic, PolicyInvalidError, Span, Suggestion
from sc_policy.engine.facts import FACTS, clause_rank, families
from sc_policy.engine.templates import render_template, template_fields
from sc_policy.load.valuelines import place_in_value
from sc_policy.model import FAIL, NOT_APPLICABLE, PASS, Clause, Version

__all__ = ["CompiledClause", "CompiledVersion", "compile_version", "render_template"]

# rule_engine is imported where it is used, not at import time: it costs about 0.3 s, and
# rendering templates (render_template) or answering from a cached decision table needs none of it.


def _types() -> dict:
    import rule_engine
    return {
        "string": rule_engine.DataType.STRING,
        "boolean": rule_engine.DataType.BOOLEAN,
        "set": rule_engine.DataType.SET(rule_engine.DataType.STRING),
    }


def _context(reads: set) -> "rule_engine.Context":
    import rule_engine
    kinds = _types()
    # rule-engine's own resolver: an unknown name raises its SymbolResolutionError with its suggestion.
    resolve_type = rule_engine.type_resolver_from_dict({name: kinds[spec.type] for name, spec in FACTS.items()})

    def resolve(name: str):
        reads.add(name)
        return resolve_type(name)

    # UTC and a fixed decimal context: nothing about the machine or the calling thread changes a result.
    return rule_engine.Context(type_resolver=resolve, default_timezone="UTC", decimal_context=_DECIMAL)


_DECIMAL = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN, Emin=-999999, Emax=999999, capitals=1,
                           clamp=0, flags=[], traps=[decimal.InvalidOperation, decimal.DivisionByZero,
                                                     decimal.Overflow])


Evaluate = Callable[..., bool]
"""A compiled expression: ``fn(facts, budget=None)``; ``budget`` is the run's :class:`ExpressionBudget`."""


@dataclass(frozen=True)
class CompiledClause:
    clause: Clause
    condition: Evaluate
    when: Optional[Evaluate]
    reads: Tuple[str, ...]  # the facts its expressions and templates use
    families: Tuple[str, ...]  # their families: occupation / industry / area
    expression_reads: Tuple[str, ...] = ()  # the facts its when and condition read (templates left out)
    rules: Tuple[object, ...] = ()  # the compiled rule-engine rules of when and condition

    def outcome(self, facts: Mapping[str, object], budget: Optional[ExpressionBudget] = None) -> str:
        """The clause's result for the facts (:data:`~sc_policy.model.CLAUSE_RESULTS`); ``budget``: the
        time its expressions have left in this run (a table build, a check), else each evaluation has
        a budget of its own."""
        if self.when is not None and not self.when(facts, budget):
            return NOT_APPLICABLE
        return PASS if self.condition(facts, budget) else FAIL


@dataclass(frozen=True)
class CompiledVersion:
    version: Version
    clauses: Tuple[CompiledClause, ...]

    def for_area(self, area_id: str) -> Tuple[CompiledClause, ...]:
        return tuple(c for c in self.clauses if area_id in c.clause.applies_to)


_KINDS = {"STRING": "a text", "FLOAT": "a number", "SET": "a set", "ARRAY": "a list", "MAPPING": "a mapping",
          "NULL": "null", "DATETIME": "a date and time", "TIMEDELTA": "a duration", "BYTES": "bytes",
          "FUNCTION": "a function"}
"""rule-engine's data types as a condition's non-boolean value is named."""


class _ExpressionRefused(Exception):
    """An expression that ``check`` refuses before or after parsing (sc_policy.engine.bounds)."""


def _value_kinds(expression) -> List["rule_engine.DataType"]:
    """The types an expression's value can have: a conditional's (``c ? a : b``) are its branches', whose
    types differ when rule-engine calls the whole UNDEFINED; any other expression's is its own."""
    import rule_engine
    if isinstance(expression, rule_engine.ast.TernaryExpression):
        return _value_kinds(expression.case_true) + _value_kinds(expression.case_false)
    return [expression.result_type]


def _parse(expression: str, reads: set) -> Tuple["rule_engine.Rule", Tuple[str, ...]]:
    """The parsed rule and the facts its regular expressions read; raises _ExpressionRefused, or rule-engine's
    EngineError, or any exception of parsing (all reported at the clause's line)."""
    import rule_engine
    problem = screen(expression)
    if problem:
        raise _ExpressionRefused(problem)

    def parse(text: str) -> "rule_engine.Rule":
        with decimal.localcontext(_DECIMAL):  # rule-engine evaluates constant parts while it parses
            return rule_engine.Rule(text, context=_context(reads))

    rule = run_bounded(None, "parse", parse, expression)
    kinds = _value_kinds(rule.statement.expression)
    kind = next((k for k in kinds if k not in (rule_engine.DataType.BOOLEAN, rule_engine.DataType.UNDEFINED)), None)
    if kind is not None:  # rule-engine would take its truth
        what = _KINDS.get(kind.name, kind.name.lower())
        never = kind == rule_engine.DataType.NULL
        raise _ExpressionRefused(f"its value {'is' if len(kinds) == 1 else 'can be'} {what}, not true or false (it "
                                 f"would {'never pass' if never else 'pass whenever that is not empty or zero'}): "
                                 f"compare or test it, e.g. noc_level in [\"A\", \"B\"]")
    problem, subjects = inspect(rule.statement, FACTS)
    if problem:
        raise _ExpressionRefused(problem)
    return rule, subjects


def _compile(expression: str, reads: set, clause: Optional[Clause] = None, key: str = "condition"):
    """The compiled expression as a function of the facts (and of the run's budget)."""
    return _compile_rule(expression, reads, clause, key)[0]


def _compile_rule(expression: str, reads: set, clause: Optional[Clause] = None, key: str = "condition"):
    """(the compiled expression as a function of the facts (and of the run's budget), its parsed rule).

    An expression can compile and still fail on some input (``noc_title[100]``, an
    index past the end), overrun its time budget or hit a bound of sc_policy.engine.bounds:
    that failure is the rule file's, so it is raised as a PolicyInvalidError
    (code ``expression``) at the clause's line, never as the exception itself.
    """
    rule, subjects = _parse(expression, reads)
    budget_key = (clause.id if clause is not None else "", key)

    def evaluate(facts: Mapping) -> bool:
        check_subjects(facts, subjects)
        return rule.matches(facts)

    def matches(facts: Mapping, budget: Optional[ExpressionBudget] = None) -> bool:
        try:
            return run_bounded(budget, budget_key, evaluate, facts)
        except Exception as exc:  # any failure of the expression: rule-engine's, a bound, the interpreter's
            where = clause.spans.get(key, clause.span) if clause is not None else None
            name = f"clause {clause.id!r}, {key}" if clause is not None else key
            raise PolicyInvalidError(
                f"{name}: cannot be evaluated for NOC {facts.get('noc') or '?'}"
                f"{' and NAICS ' + str(facts['industry']) if facts.get('industry') else ''}: "
                f"{_expression_error(exc)}", where, code="expression", suggestion=_did_you_mean(exc)) from None

    return matches, rule


def _did_you_mean(exc: BaseException) -> Optional[Suggestion]:
    """rule-engine's suggestion for an unknown fact or attribute, as a ``did-you-mean`` suggestion."""
    import rule_engine
    if isinstance(exc, (rule_engine.SymbolResolutionError, rule_engine.AttributeResolutionError)) and exc.suggestion:
        return Suggestion("did-you-mean", (exc.suggestion,), f"did you mean {exc.suggestion!r}?")
    return None


def _error_place(clause: Clause, key: str, expression: str, exc: BaseException) -> Span:
    """Where an expression's error is: at the character rule-engine's syntax error names (just past the
    end when the expression ends too soon), or at the unknown fact or attribute, when the loader recorded
    where the value's lines are; else at its key."""
    import rule_engine
    offset = None
    if isinstance(exc, rule_engine.RuleSyntaxError):
        offset = exc.token.lexpos if exc.token is not None else len(expression.rstrip())
    elif isinstance(exc, rule_engine.SymbolResolutionError):
        offset = name_offset(expression, exc.symbol_name)
    elif isinstance(exc, rule_engine.AttributeResolutionError):
        offset = name_offset(expression, exc.attribute_name, attribute=True)
    place = place_in_value(clause.spans, key, offset) if offset is not None else None
    return place if place is not None else clause.spans.get(key, clause.span)


def _expression_error(exc: BaseException) -> str:
    import rule_engine
    if isinstance(exc, rule_engine.RuleSyntaxError):
        token = exc.token
        if token is None:
            return "syntax error: the expression ends before it is complete"
        if token.type == "error":  # rule-engine's "syntax error (illegal character '$') at: line 1:4"
            return f"syntax error: illegal character {str(token.value)[:1]!r}"
        return f"syntax error at {str(token.value)[:40]!r}"
    if isinstance(exc, rule_engine.SymbolResolutionError):
        return f"unknown fact {exc.symbol_name!r}; known facts: {', '.join(sorted(FACTS))}"
    if isinstance(exc, rule_engine.AttributeResolutionError):
        return f"unknown attribute {exc.attribute_name!r}"
    if isinstance(exc, rule_engine.errors.LookupError):
        return f"{exc.container!r} has no item {exc.item!r}"
    if isinstance(exc, (_ExpressionRefused, ExpressionLimitError)):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "nests too deeply to be evaluated"
    if isinstance(exc, MemoryError):
        return "needs more memory than there is"
    if isinstance(exc, rule_engine.EngineError):
        return getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {exc}"


def compile_clause(clause: Clause) -> Tuple[Optional[CompiledClause], List[Diagnostic]]:
    findings: List[Diagnostic] = []
    reads: set = set()
    compiled = {}
    rules = []
    for key in ("when", "condition"):
        expression = getattr(clause, key)
        if expression is None:
            compiled[key] = None
            continue
        try:
            compiled[key], rule = _compile_rule(expression, reads, clause, key)
            rules.append(rule)
        except Exception as exc:  # refused, rule-engine's error, or a failure while parsing (e.g. RecursionError)
            findings.append(Diagnostic(_error_place(clause, key, expression, exc), "error", "expression",
                                       f"clause {clause.id!r}, {key}: {_expression_error(exc)}", subject=clause.id,
                                       suggestion=_did_you_mean(exc)))
    expression_reads = tuple(sorted(r for r in reads if r in FACTS))
    for key, template in clause.explain.items():
        try:
            reads.update(template_fields(template))
        except ValueError as exc:
            meant, offset = getattr(exc, "meant", None), getattr(exc, "offset", None)
            place = place_in_value(clause.spans, f"explain.{key}", offset) if offset is not None else None
            findings.append(Diagnostic(place or clause.spans.get(f"explain.{key}", clause.span), "error", "template",
                                       f"clause {clause.id!r}, explain.{key}: {exc}", subject=clause.id,
                                       suggestion=Suggestion("did-you-mean", (meant,), f"did you mean {meant!r}?")
                                       if meant else None))
    if findings:
        return None, findings
    known = tuple(sorted(r for r in reads if r in FACTS))
    return CompiledClause(clause, compiled["condition"], compiled["when"], known, families(known),
                          expression_reads, tuple(rules)), findings


def _clause_order(compiled: CompiledClause) -> Tuple[int, str]:
    """Occupation clauses first, then those reading the industry; by id within each (:func:`~sc_policy.engine.facts.clause_rank`)."""
    return clause_rank(compiled.families, compiled.clause.id)


def compile_version(version: Version) -> Tuple[Optional[CompiledVersion], List[Diagnostic]]:
    """Compile every clause; findings for each expression or template that fails."""
    findings: List[Diagnostic] = []
    compiled = []
    for clause in version.clauses:
        result, problems = compile_clause(clause)
        findings.extend(problems)
        if result is not None:
            compiled.append(result)
    if findings:
        return None, findings
    return CompiledVersion(version, tuple(sorted(compiled, key=_clause_order))), findings
