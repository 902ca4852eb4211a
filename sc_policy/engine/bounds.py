"""Bounds on rule-file expressions: what ``check`` refuses, before and after they are parsed.

A ``when`` or ``condition`` is text written by an analyst and evaluated by rule-engine
thousands of times while a version's decision table is built. Whatever it says, it may
not hang a command, exhaust memory or crash the interpreter, and its value may depend
on the case alone. Three layers keep it so:

1. Before rule-engine parses it (:func:`screen`): its length, the number of operators and
   brackets (an upper bound on how deep the parsed expression nests, so that neither the
   parser nor the evaluation can exhaust the stack), the shift ``<<`` (an ``int`` shift, then a
   conversion to ``Decimal``: no timer interrupts either), and every regular expression, which
   must be one string literal whose worst-case backtracking is bounded. This cannot wait
   for the parsed tree: rule-engine evaluates constant sub-expressions while it parses,
   so a literal text matched against a literal pattern runs inside the parser.
2. After parsing (:func:`inspect`): a builtin rule-engine does not have (``$round``: rule-engine
   would say so only when it runs), builtins whose value depends on the clock, randomness
   or the environment (:func:`nondeterministic_builtins`, derived from the installed
   rule-engine), ``$range`` (it builds its whole list in one call that no timer can
   interrupt), a regular expression matched against anything but a fact, a comprehension
   nested in another one's result or condition, a comprehension variable named like a fact.
3. While it runs (:mod:`sc_policy.engine.budget`): each expression has a budget of processor
   time for one run (one table build, one check), enforced by a timer on the main thread.
"""

from __future__ import annotations

import codecs
import functools
import re
import types
from typing import Collection, Dict, List, Mapping, Optional, Tuple

from sc_policy.engine.budget import ExpressionLimitError
from sc_policy.engine.tokens import tokens as _tokens

__all__ = ["MAX_EXPRESSION_CHARS", "MAX_OPERATORS", "MAX_REPEAT", "MAX_REGEX_STEPS", "MAX_SUBJECT_CHARS", "screen",
           "inspect", "nondeterministic_builtins", "classify_builtins", "regex_problem", "check_subjects"]

MAX_EXPRESSION_CHARS = 2_000
"""The longest ``when`` or ``condition``, in characters."""
MAX_OPERATORS = 100
"""The most operators and opening brackets in one expression (counted outside string literals)."""
MAX_REPEAT = 1_000
"""The largest repeat count (``{m}``, ``{m,n}``) in a regular expression."""
MAX_SUBJECT_CHARS = 2_000
"""The longest text a regular expression is matched against."""
MAX_REGEX_STEPS = 10_000_000
"""The most backtracking steps a regular expression may take, in the worst case, on a text of
:data:`MAX_SUBJECT_CHARS` characters (estimated from its quantifiers; see :func:`regex_problem`)."""


# -- 1. before parsing ------------------------------------------------------------------

_REGEX_OPS = {"=~": "match", "!~": "match", "=~~": "search", "!~~": "search"}
_NOT_COUNTED = {",", ")", "]", "}", ":"}
_WORD_OPERATORS = {"and", "or", "not", "in", "for", "if"}
# What may follow a regular expression's pattern: only operators that bind less tightly than
# the match itself, or the end of the operand (anything else would make the pattern a computed string).
_AFTER_PATTERN = {")", "]", "}", ",", ":", "?", "??", "==", "!=", "and", "or", "for", "if"}


def _string_value(token: str) -> Optional[str]:
    """A string literal's value, decoded as rule-engine decodes it (None: rule-engine will refuse it)."""
    prefix = token[0] if token[0] in "rs" else ""
    body = token[len(prefix) + 1:-1]
    if prefix == "r":
        return body
    try:
        value = codecs.encode(body, "unicode-escape").decode().replace("\\\\", "\\")
        return codecs.decode(value, "unicode-escape")
    except UnicodeError:
        return None


def screen(text: str) -> Optional[str]:
    """What is wrong with an expression's text before it is parsed, or None."""
    if len(text) > MAX_EXPRESSION_CHARS:
        return f"is {len(text):,} characters long; the limit is {MAX_EXPRESSION_CHARS:,}"
    tokens = _tokens(text)
    operators = sum(1 for kind, value in tokens
                    if (kind == "op" and value not in _NOT_COUNTED) or (kind == "word" and value in _WORD_OPERATORS))
    if operators > MAX_OPERATORS:
        return (f"has {operators} operators and brackets; the limit is {MAX_OPERATORS} (it bounds how deeply an "
                f"expression nests: test membership with `in [...]` rather than a chain of `or`)")
    if ("op", "<<") in tokens:  # rule-engine folds a constant shift while it parses, so it is refused here
        return ("<< builds a number of any size in one step that no time limit can interrupt "
                "(1 << 99999999999 asks for 12 GB; the facts hold no numbers to shift)")
    for i, (kind, value) in enumerate(tokens):
        if kind != "op" or value not in _REGEX_OPS:
            continue
        pattern_token = tokens[i + 1] if i + 1 < len(tokens) else None
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        if (pattern_token is None or pattern_token[0] != "literal" or pattern_token[1][0] in "bdt"
                or (after is not None and after[1] not in _AFTER_PATTERN)):
            return (f"the pattern after {value} must be one string literal, so that it can be checked "
                    f"before it runs")
        pattern = _string_value(pattern_token[1])
        if pattern is None:
            continue  # rule-engine reports the malformed literal
        problem = regex_problem(pattern, search=_REGEX_OPS[value] == "search")
        if problem:
            return problem
    return None


# -- regular expressions ---------------------------------------------------------------------

try:  # the standard library's own regular-expression parser (re._parser since Python 3.11)
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
_BACKREFERENCES = {"GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "GROUPREF_LOC_IGNORE", "GROUPREF_UNI_IGNORE"}


class _RegexRefused(Exception):
    pass


def _ways(items, n: int) -> int:
    """How many ways a parsed pattern can match a stretch of an ``n``-character text, at most.

    Sequential quantifiers multiply (each may stop at any of its lengths); alternatives add;
    a quantifier repeating something that can itself match in more than one way (``(a+)+``,
    ``(a|ab)*``) is exponential and refused, as are backreferences.
    """
    total = 1
    for op, av in items:
        name = str(op)
        if name in _REPEATS:
            low, high, body = av
            for count in (low, high):
                if count != _sre_parse.MAXREPEAT and count > MAX_REPEAT:
                    raise _RegexRefused(f"repeats {count:,} times; the limit for a repeat count is {MAX_REPEAT:,}")
            inner = _ways(body, n)
            if high > 1 and inner > 1:
                raise _RegexRefused("repeats a group that can itself match in more than one way (a quantifier "
                               "inside a quantified group, or alternatives inside one), which can take "
                               "exponential time")
            top = n if high == _sre_parse.MAXREPEAT else min(high, n)
            total *= max(1, top - min(low, n) + 1) * inner
        elif name == "BRANCH":
            total *= sum(_ways(alternative, n) for alternative in av[1])
        elif name == "SUBPATTERN":
            total *= _ways(av[3], n)
        elif name == "ATOMIC_GROUP":
            total *= _ways(av, n)
        elif name in ("ASSERT", "ASSERT_NOT"):
            total *= _ways(av[1], n)
        elif name in _BACKREFERENCES:
            raise _RegexRefused("uses a backreference, whose matching time cannot be bounded")
    return total


def regex_problem(pattern: str, search: bool = False) -> Optional[str]:
    """What makes a regular expression unsafe to run, or None.

    The estimate of its worst case is the number of ways it can match
    (:func:`_ways`) on a text of :data:`MAX_SUBJECT_CHARS` characters, times the
    number of starting positions for a search (``=~~``, ``!~~``).
    """
    shown = pattern if len(pattern) <= 60 else pattern[:57] + "..."
    try:
        parsed = _sre_parse.parse(pattern, 0)
        steps = _ways(parsed, MAX_SUBJECT_CHARS) * (MAX_SUBJECT_CHARS if search else 1)
    except _RegexRefused as exc:
        return f"the regular expression {shown!r} {exc}"
    except OverflowError:
        return f"the regular expression {shown!r} has a repeat count over the limit of {MAX_REPEAT:,}"
    except re.error as exc:
        return f"the regular expression {shown!r} is invalid: {exc}"
    except RecursionError:
        return f"the regular expression {shown!r} nests too deeply"
    if steps > MAX_REGEX_STEPS:
        return (f"the regular expression {shown!r} can take about {steps:.1e} steps on a "
                f"{MAX_SUBJECT_CHARS:,}-character text; the limit is {MAX_REGEX_STEPS:.0e} (use fewer open-ended "
                f"repeats such as .* or +, or match with =~ rather than searching with =~~)")
    return None


def check_subjects(facts: Mapping[str, object], names: Collection[str]) -> None:
    """Refuse to match a regular expression against a fact longer than :data:`MAX_SUBJECT_CHARS`."""
    for name in names:
        value = facts.get(name)
        if isinstance(value, str) and len(value) > MAX_SUBJECT_CHARS:
            raise ExpressionLimitError(f"fact {name!r} is {len(value):,} characters long; a regular expression "
                                       f"is matched against at most {MAX_SUBJECT_CHARS:,}")


# -- 2. after parsing ------------------------------------------------------------------

_CLOCK = frozenset({"now", "today", "utcnow", "time", "time_ns", "monotonic", "perf_counter", "process_time",
                    "localtime", "gmtime", "ctime", "tzlocal", "clock_gettime"})
_RANDOM = frozenset({"random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "uniform",
                     "gauss", "getrandbits", "randbytes", "urandom", "token_bytes", "token_hex", "uuid1", "uuid4",
                     "SystemRandom"})
_ENVIRONMENT = frozenset({"environ", "getenv", "getcwd", "getpid", "gethostname", "getlogin", "argv", "stdin",
                          "input", "open"})
_MODULES = {"random": "randomness", "secrets": "randomness", "uuid": "randomness", "time": "the clock",
            "os": "the environment", "sys": "the environment", "socket": "the environment",
            "platform": "the environment", "getpass": "the environment"}
_UNINSPECTABLE = "code that cannot be shown to depend on its arguments alone"
_RESOURCE_BUILTINS = {"range": "builds its whole list in one step that no time limit can interrupt (and the "
                               "facts hold no numbers to count with)"}


def _reads(value, seen: set) -> Optional[str]:
    """What outside the case a builtin's value depends on: the clock, randomness, the environment, or None."""
    if id(value) in seen:
        return None
    seen.add(id(value))
    from rule_engine.builtins import BuiltinValueGenerator
    if isinstance(value, BuiltinValueGenerator):  # computed each time the symbol is read
        return _reads(value.callable, seen)
    if isinstance(value, functools.partial):
        return _reads(value.func, seen)
    if isinstance(value, types.FunctionType):
        for cell in value.__closure__ or ():  # the functions and values it closes over
            try:
                found = _reads(cell.cell_contents, seen)
            except ValueError:  # an empty cell
                continue
            if found:
                return found
        return _code_reads(value.__code__, value.__globals__, seen)
    if isinstance(value, types.BuiltinFunctionType):  # a function written in C, or a C method of an object
        owner = getattr(value, "__self__", None)
        module = getattr(value, "__module__", None) or type(owner).__module__
        root = str(module).split(".")[0]
        if root in _MODULES:
            return _MODULES[root]
        if root == "builtins" and (owner is None or isinstance(owner, types.ModuleType)):
            return None  # abs, any, all, sum, max, min
        return _UNINSPECTABLE
    if callable(value):
        return _UNINSPECTABLE
    return None  # a constant ($e, $pi)


def _code_reads(code: types.CodeType, namespace: Mapping, seen: set) -> Optional[str]:
    for name in code.co_names:  # globals and attributes the code uses
        for names, what in ((_CLOCK, "the clock"), (_RANDOM, "randomness"), (_ENVIRONMENT, "the environment")):
            if name in names:
                return what
        target = namespace.get(name)
        if isinstance(target, types.ModuleType) and target.__name__.split(".")[0] in _MODULES:
            return _MODULES[target.__name__.split(".")[0]]
        if isinstance(target, (types.FunctionType, functools.partial)):
            found = _reads(target, seen)
            if found:
                return found
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found = _code_reads(const, namespace, seen)
            if found:
                return found
    return None


def classify_builtins(values: Mapping[str, object]) -> Dict[str, str]:
    """Of a mapping of builtin names to their (unevaluated) values, those that read something
    besides their arguments: name -> what they read."""
    return {name: what for name, what in ((n, _reads(v, set())) for n, v in values.items()) if what}


@functools.lru_cache(maxsize=1)
def nondeterministic_builtins() -> Mapping[str, str]:
    """The builtins of the installed rule-engine whose value depends on the clock, randomness or the
    environment (``$now``, ``$today``, ``$random`` in rule-engine 5): name -> what it depends on.

    Derived by reading each builtin's code, and the code it calls, for the standard library's clock,
    random and environment functions. A builtin that cannot be inspected counts as one of them.
    """
    from rule_engine import Context
    builtins = Context(default_timezone="utc").builtins
    values = getattr(builtins, "_Builtins__values", None)  # the values before evaluation (now is a generator)
    if not isinstance(values, Mapping):  # another rule-engine: nothing can be shown deterministic
        return {name: _UNINSPECTABLE for name in builtins}
    return classify_builtins(values)


@functools.lru_cache(maxsize=1)
def _builtin_names() -> frozenset:
    """The names of the installed rule-engine's builtins (``$abs``, ``$split``, ...)."""
    from rule_engine import Context
    return frozenset(Context(default_timezone="utc").builtins)


def _attributes(node) -> List[object]:
    """Every attribute value of an AST node: rule-engine's nodes keep some in ``__slots__``, some in ``__dict__``."""
    names = set(getattr(node, "__dict__", {}))
    for cls in type(node).__mro__:
        slots = getattr(cls, "__slots__", ())
        names.update((slots,) if isinstance(slots, str) else slots)
    names -= {"context", "__dict__", "__weakref__"}
    return [getattr(node, name, None) for name in sorted(names)]


def _children(node) -> List[object]:
    import rule_engine.ast as ast
    out: List[object] = []
    pending = _attributes(node)
    while pending:
        value = pending.pop()
        if isinstance(value, ast.ASTNodeBase):
            out.append(value)
        elif isinstance(value, (tuple, list)):
            pending.extend(value)
    return out


def _has_comprehension(node) -> bool:
    import rule_engine.ast as ast
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.ComprehensionExpression):
            return True
        stack.extend(_children(current))
    return False


def inspect(statement, facts: Collection[str]) -> Tuple[Optional[str], Tuple[str, ...]]:
    """(what is wrong with a parsed rule, or None; the facts its regular expressions are matched against)."""
    import rule_engine.ast as ast
    from rule_engine.builtins import Builtins
    banned = nondeterministic_builtins()
    subjects = set()
    stack = [statement.expression]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.SymbolExpression) and node.scope == Builtins.scope_name:
            if node.name in banned:
                return (f"${node.name} depends on {banned[node.name]}, not on the case: a decision must be the same "
                        f"every time it is made"), ()
            if node.name in _RESOURCE_BUILTINS:
                return f"${node.name} {_RESOURCE_BUILTINS[node.name]}", ()
            if node.name not in _builtin_names():  # rule-engine only finds out when it runs, as an 'unknown symbol'
                usable = sorted(_builtin_names() - set(banned) - set(_RESOURCE_BUILTINS))
                return f"unknown builtin ${node.name}; the builtins are {', '.join('$' + n for n in usable)}", ()
        elif isinstance(node, ast.FuzzyComparisonExpression):
            left = node.left
            if isinstance(left, ast.GetAttributeExpression) and left.name in ("as_lower", "as_upper"):
                left = left.object
            if not (isinstance(left, ast.SymbolExpression) and left.scope is None and left.name in facts):
                return ("a regular expression must be matched against a fact (or its .as_lower or .as_upper), "
                        "so that the text's length is known"), ()
            if not isinstance(node.right, ast.StringExpression):
                return "the pattern of a regular expression must be one string literal", ()
            subjects.add(left.name)
        elif isinstance(node, ast.ComprehensionExpression):
            if node.variable in facts:
                return f"the comprehension variable {node.variable!r} hides the fact of that name", ()
            if any(part is not None and _has_comprehension(part) for part in (node.result, node.condition)):
                return ("a comprehension inside another one's result or condition runs once for every element "
                        "of the outer one; write it as one comprehension"), ()
        stack.extend(_children(node))
    return None, tuple(sorted(subjects))
