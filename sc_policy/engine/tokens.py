"""The tokens of an expression, as rule-engine's lexer cuts it, without parsing it: what the checks of
:mod:`sc_policy.engine.bounds` read before parsing, where a name is (for an error's column), and which
facts an expression names (for the order of the compiled clauses, which a warm cache checks without
compiling them). Small, so that a warm run that only needs the names imports no more than this.
"""

from __future__ import annotations

import re
from typing import Iterator, List, Optional, Set, Tuple

from sc_policy.engine.facts import FACTS

__all__ = ["tokens", "name_offset", "fact_names"]

# The tokens of rule-engine's grammar (rule_engine.parser.Parser), in the lexer's order at
# each position: literals first (b"..", d"..", t"..", r"..", s"..", ".."), then words.
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<literal>(?P<prefix>[bdtrs]?)(?P<q>["'])(?:[^\\\n]|\\.)*?(?P=q))
  | (?P<word>\$?[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>0(?:b[01]+|o[0-7]+|x[0-9a-fA-F]+)|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<op>=~~|=~|!~~|!~|\*\*|//|<<|>>|<=|>=|==|!=|\?\?|&\.|&\[|[-+*/%&|^<>?:.,()\[\]{}])
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


def tokens(text: str) -> List[Tuple[str, str]]:
    """(kind, text) of every token but white space and comments; kind is literal, word, number, op or other."""
    out = []
    for m in _TOKEN.finditer(text):
        kind = "literal" if m.group("literal") is not None else m.lastgroup
        if kind not in ("space", "comment"):
            out.append((kind, m.group(0)))
    return out


def _names(text: str) -> Iterator[Tuple[int, str, bool]]:
    """(offset, name, whether it follows ``.`` or ``&.``: an attribute) of every name token of an expression."""
    before = ""
    for m in _TOKEN.finditer(text):
        kind = "literal" if m.group("literal") is not None else m.lastgroup
        if kind in ("space", "comment"):
            continue
        if kind == "word":
            yield m.start(), m.group(0), before in (".", "&.")
        before = m.group(0)


def name_offset(text: str, name: str, attribute: bool = False) -> Optional[int]:
    """Where the name ``name`` first appears in an expression as a token of its own (after a ``.`` or
    ``&.`` when ``attribute``, else not): the offset of its first character; None when it does not."""
    return next((at for at, word, is_attribute in _names(text) if word == name and is_attribute == attribute), None)


def fact_names(text: str) -> Set[str]:
    """The facts an expression names (its names that are facts and not attributes): those rule-engine
    resolves when it parses it, an expression that hides a fact behind a variable being refused."""
    return {word for _, word, is_attribute in _names(text) if not is_attribute and word in FACTS}


