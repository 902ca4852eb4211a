"""The value of one scalar of a rule file (used by :mod:`sc_policy.load.yamlfile`), refused with a
:class:`~sc_policy.diagnostics.PolicyLoadError` that says what and where when it cannot be data:

* a value PyYAML cannot construct (a day that does not exist, an integer of thousands of digits):
  the message repeats the value cut short (:func:`~sc_policy.diagnostics.echoed`), not a whole line;
  an integer over Python's digits limit is refused however it is written: int() refuses only decimal
  digits, but PyYAML also reads hexadecimal (``0xfff...``), octal, binary and base 60 (``1:59:59...``,
  whose value it computes in time quadratic in its length), which then no repr could print;
* a text holding a lone surrogate, which only an escape can write (``"\\ud800"``): it is no character,
  UTF-8 cannot encode it, and nothing downstream (hashing, output) could.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml

from sc_policy.diagnostics import PolicyLoadError, Span, echoed

__all__ = ["scalar_value"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def _reason(exc: Exception) -> str:
    """The constructor's words, one line, without Python's advice to raise its digits limit."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = text.split("; use sys.set_int_max_str_digits")[0]
    return text[:1].lower() + text[1:]


def scalar_value(loader, node, span: Span) -> Any:
    """The value of scalar ``node`` as ``loader`` constructs it; raises PolicyLoadError at ``span``."""
    digits = getattr(sys, "get_int_max_str_digits", lambda: 0)() or 4300  # (no limit before 3.10.7: 4300 here)
    if node.tag == "tag:yaml.org,2002:int" and len(node.value) > digits:
        raise PolicyLoadError(f"cannot read value {echoed(node.value)}: an integer written with "
                              f"{len(node.value)} characters exceeds the limit ({digits} digits)", span,
                              code="yaml-syntax")
    try:
        value = loader.construct_object(node, deep=True)
        if isinstance(value, int) and value.bit_length() > 64:
            str(value)  # raises ValueError over the digits limit, as int() does for decimal text
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise PolicyLoadError(f"cannot read value {echoed(node.value)}: {_reason(exc)}", span,
                              code="yaml-syntax") from None
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        if found is not None:
            raise PolicyLoadError(f"the text {echoed(value)} holds U+{ord(found.group()):04X}, a lone surrogate: an "
                                  f"escape that names no character (write the character itself)", span,
                                  code="encoding")
    return value
