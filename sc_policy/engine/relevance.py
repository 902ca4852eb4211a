"""Which values of a fact a clause's expressions can tell apart: what makes building a table cheap.

The decision table (:mod:`sc_policy.engine.table`) evaluates a clause once per distinct
value of the facts its expressions read. Read naively, ``noc`` takes 500 values
and ``industry_prefixes`` 2,088 (one per NAICS code), so a clause such as
``not ("31" in industry_prefixes)`` would be evaluated 2,088 times in every area
although it can only answer two ways. This module looks at the compiled
expressions (rule-engine's syntax tree) and finds, for each occupation or
industry fact, the literal values that the expressions compare it with. When
*every* use of the fact is one of the shapes below, two values of the fact that
agree on those literals give the same result, so the table evaluates the clause
once per *relevant* value (its :class:`Relevance`):

* a text fact (``noc``, ``industry``, ...): ``fact == "x"``, ``fact != "x"``, or
  ``fact in C`` where ``C`` is a literal list or set of texts or a set fact of the
  area (``area_occupations``). Every value that is none of the literal texts and
  belongs to the same ones of those area sets compares alike: the relevant value
  is the fact's value when it is a literal text, else "other" with its membership
  of each area set (so that a list of 500 occupations does not make 500 relevant
  values, each evaluated against the whole list).
* a set fact (``industry_prefixes``): ``"x" in fact``, or ``fact & C`` (either
  side) with ``C`` as above. The result depends only on the fact's members among
  those texts: the relevant value is that intersection.

Any other use (a regular expression, an attribute such as ``.length``, a
comprehension, a comparison with another fact, ...) keeps every value of that
fact distinct: correct, only slower. An expression with a comprehension anywhere
is not reduced at all (its variable could shadow a fact's name).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, Mapping, Optional, Sequence, Tuple

from sc_policy.engine.facts import FACTS
from sc_policy.model import Clause

__all__ = ["Relevance", "relevance", "OTHER", "KeyedClause", "frozen_facts"]

OTHER = ("other",)
"""The relevant value of a text fact that equals none of the texts it is compared with."""


@dataclass(frozen=True)
class Relevance:
    """For one fact of one clause: the literal texts it is compared with, and the area set facts."""

    texts: FrozenSet[str]
    area_sets: Tuple[str, ...]  # names of area facts (sets of texts) it is compared with

    def values(self, area_facts: Mapping[str, object]) -> FrozenSet[str]:
        """Every text that can make a difference, in an area whose facts are ``area_facts``."""
        out = set(self.texts)
        for name in self.area_sets:
            out.update(area_facts[name])
        return frozenset(out)


def _children(node) -> Iterator[Tuple[str, object]]:
    """(attribute, child expression) for every expression held by ``node``, in any container."""
    from rule_engine.ast import ExpressionBase
    names = []
    for cls in type(node).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    names.extend(getattr(node, "__dict__", {}))
    seen = set()
    for name in names:
        if name in seen or name == "context":
            continue
        seen.add(name)
        stack = [getattr(node, name, None)]
        while stack:
            value = stack.pop()
            if isinstance(value, ExpressionBase):
                yield name, value
            elif isinstance(value, (list, tuple, set, frozenset)):
                stack.extend(value)
            elif isinstance(value, dict):
                stack.extend(value.keys())
                stack.extend(value.values())


def _texts(node) -> Optional[FrozenSet[str]]:
    """The texts of a literal text, or of a literal list or set of texts; None for anything else."""
    from rule_engine.ast import ArrayExpression, SetExpression, StringExpression
    if type(node) is StringExpression and isinstance(node.value, str):
        return frozenset([node.value])
    if type(node) in (ArrayExpression, SetExpression):
        members = list(node.value)
        if all(type(m) is StringExpression and isinstance(m.value, str) for m in members):
            return frozenset(m.value for m in members)
    return None


def _area_set(node) -> Optional[str]:
    from rule_engine.ast import SymbolExpression
    if type(node) is SymbolExpression and node.scope is None:
        spec = FACTS.get(node.name)
        if spec is not None and spec.family == "area" and spec.type == "set":
            return node.name
    return None


def _use(parent, child, fact_type: str) -> Optional[Relevance]:
    """The relevance of one use of a fact (``child``) in ``parent``; None if the use is not one of the shapes."""
    from rule_engine.ast import BitwiseExpression, ComparisonExpression, ContainsExpression, StringExpression
    if parent is None:
        return None

    def literal_or_area(node, single: bool) -> Optional[Relevance]:
        """One literal text (``single``), or a literal list or set of texts or an area set (a text
        as a container would test for a substring: not a shape that keeps values apart)."""
        texts = _texts(node)
        if texts is not None and (type(node) is StringExpression) == single:
            return Relevance(texts, ())
        name = None if single else _area_set(node)
        return Relevance(frozenset(), (name,)) if name else None

    if fact_type == "string":
        if type(parent) is ComparisonExpression and parent.type in ("eq", "ne"):
            other = parent.right if parent.left is child else parent.left if parent.right is child else None
            return literal_or_area(other, single=True) if other is not None else None
        if type(parent) is ContainsExpression and parent.member is child and parent.container is not child:
            return literal_or_area(parent.container, single=False)
        return None
    if fact_type == "set":
        if type(parent) is ContainsExpression and parent.container is child and parent.member is not child:
            return literal_or_area(parent.member, single=True)
        if type(parent) is BitwiseExpression and parent.type == "bwand":
            other = parent.right if parent.left is child else parent.left if parent.right is child else None
            return literal_or_area(other, single=False) if other is not None else None
    return None


def relevance(rules: Sequence[object], reads: Sequence[str]) -> Dict[str, Optional[Relevance]]:
    """For each occupation or industry fact in ``reads``: its Relevance, or None (every value distinct).

    ``rules`` are the clause's compiled rule-engine rules (``when`` and ``condition``).
    """
    from rule_engine.ast import ComprehensionExpression, SymbolExpression
    wanted = {n for n in reads if n in FACTS and FACTS[n].family in ("occupation", "industry")
              and FACTS[n].type in ("string", "set")}
    found: Dict[str, Optional[Relevance]] = {n: Relevance(frozenset(), ()) for n in wanted}
    if not rules:
        return {n: None for n in wanted}
    for rule in rules:
        statement = getattr(rule, "statement", None)
        root = getattr(statement, "expression", None)
        if root is None:
            return {n: None for n in wanted}
        stack = [(None, root)]
        while stack:
            parent, node = stack.pop()
            if isinstance(node, ComprehensionExpression):
                return {n: None for n in wanted}
            if type(node) is SymbolExpression and node.scope is None and node.name in wanted:
                known = found.get(node.name)
                if known is not None:
                    use = _use(parent, node, FACTS[node.name].type)
                    found[node.name] = None if use is None else Relevance(
                        known.texts | use.texts, tuple(sorted(set(known.area_sets) | set(use.area_sets))))
            stack.extend((node, child) for _, child in _children(node))
    return found


# -- keys: equal keys, equal outcomes ---------------------------------------------------

def _frozen(value):
    return frozenset(value) if isinstance(value, (set, frozenset)) else value


def _kind(families: Sequence[str]) -> str:
    occ, ind = "occupation" in families, "industry" in families
    return "both" if occ and ind else "occupation" if occ else "industry" if ind else "area"


def _expression_reads(clause: Clause) -> Tuple[str, ...]:
    """The facts a clause's expressions read (its templates left out), as the compiler finds them."""
    from sc_policy.engine.compile import compile_clause  # build time only
    compiled, problems = compile_clause(dataclasses.replace(clause, explain={}))
    if compiled is None:  # cannot happen for a clause that compiled with its templates
        raise ValueError(problems[0].render())
    return compiled.reads


@dataclass(frozen=True)
class _Telling:
    """What can tell a fact's values apart in one area: its Relevance's literal texts, the members of
    the area sets it is compared with (``sets``), and every text of both (``every``)."""

    texts: FrozenSet[str]
    sets: Tuple[FrozenSet[str], ...]
    every: FrozenSet[str]

    @classmethod
    def of(cls, found: Relevance, area_facts: Mapping[str, object]) -> "_Telling":
        sets = tuple(frozenset(area_facts[name]) for name in found.area_sets)
        return cls(found.texts, sets, found.values(area_facts))


def _relevant(value, telling: Optional[_Telling]):
    """The part of a fact's value that can make a difference (see :mod:`sc_policy.engine.relevance`):
    a set's members among the texts that tell values apart; a text itself when it is a literal text,
    else "other" with its membership of each area set it is compared with."""
    if telling is None:
        return value
    if isinstance(value, frozenset):
        return value & telling.every
    if value in telling.texts:
        return value
    return OTHER + tuple(value in members for members in telling.sets) if telling.sets else OTHER


def frozen_facts(facts: Mapping[str, object]) -> dict:
    """Facts with their sets frozen, ready to key a memo."""
    return {k: _frozen(v) for k, v in facts.items()}


class KeyedClause:
    """One clause in one area, keyed for evaluation: an evaluation can be memoised under
    :meth:`key`, made of the clause's expressions and the relevant values of exactly the facts
    they read (:mod:`sc_policy.engine.relevance`)."""

    def __init__(self, cc, a_facts: dict):
        from sc_policy.engine.facts import FACTS, families
        reads = cc.expression_reads if cc.rules else _expression_reads(cc.clause)
        relevant = relevance(cc.rules, reads) if cc.rules else {}
        self.cc, self.a_facts = cc, a_facts
        self.kind = _kind(families(reads))

        def spec(family: str) -> Tuple[Tuple[str, Optional[_Telling]], ...]:
            return tuple((n, _Telling.of(relevant[n], a_facts) if relevant.get(n) is not None else None)
                         for n in reads if FACTS[n].family == family)

        self.occ, self.ind = spec("occupation"), spec("industry")
        self.fixed = (cc.clause.when, cc.clause.condition,
                      tuple((n, _frozen(a_facts[n])) for n in reads if FACTS[n].family == "area"))
        self.signature = (self.kind, self.fixed, self.occ, self.ind)  # equal signatures: equal columns

    def occ_key(self, frozen: dict) -> tuple:
        return tuple(_relevant(frozen[n], telling) for n, telling in self.occ)

    def ind_key(self, frozen: dict) -> tuple:
        return tuple(_relevant(frozen[n], telling) for n, telling in self.ind)

    def key(self, occ_frozen: dict, ind_frozen: dict) -> tuple:
        """Equal keys: equal outcomes (``*_frozen``: see :func:`frozen_facts`)."""
        return self.fixed, self.occ_key(occ_frozen), self.ind_key(ind_frozen)
