"""The cache's JSON codec for the model: plain JSON data with a few tags, never pickle.

Objects are rebuilt only as instances of the model's own classes (and Span, Document,
Diagnostic), by name, from a fixed list; anything else raises. See :mod:`sc_policy.app.cache`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Dict, Optional

import sc_policy.model as model
from sc_policy.diagnostics import Diagnostic, Span
from sc_policy.load.yamlfile import Document, LazyMapping, PackedSpans

__all__ = ["encode", "decode"]


def _classes() -> Dict[str, type]:
    """The only classes an entry may rebuild: the model's dataclasses, Span, Document, Diagnostic."""
    found = {name: obj for name, obj in vars(model).items()
             if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == model.__name__}
    found.update({"Span": Span, "Document": Document, "Diagnostic": Diagnostic})
    return found


def encode(obj):
    """Plain JSON data for a model object; raises TypeError for anything outside the model."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, list):
        return [encode(x) for x in obj]
    if isinstance(obj, tuple):
        return {"$t": [encode(x) for x in obj]}
    if isinstance(obj, (dict, LazyMapping)):  # (a model element's spans, made on first use)
        obj = dict(obj)
        if all(type(k) is str for k in obj):
            return {"$o": {k: encode(v) for k, v in obj.items()}}
        return {"$m": [[encode(k), encode(v)] for k, v in obj.items()]}
    if isinstance(obj, dt.datetime):
        return {"$dt": obj.isoformat()}
    if isinstance(obj, dt.date):
        return {"$d": obj.isoformat()}
    if type(obj) is Span:
        return {"$s": [obj.path, obj.line, obj.column]}
    if type(obj) is Document and all(type(k) is tuple and all(type(x) in (str, int) for x in k)
                                      and s.path == obj.path for k, s in obj.spans.items()):
        # The bulk of an entry: one span per key of every rule file, stored compactly.
        return {"$doc": [obj.path, encode(obj.data), [[list(k), s.line, s.column] for k, s in obj.spans.items()]]}
    cls = type(obj)
    if dataclasses.is_dataclass(obj) and _classes().get(cls.__name__) is cls:
        return {"$": cls.__name__, "f": [encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)]}
    raise TypeError(f"cannot cache a {cls.__name__}")


def decode(data, classes: Optional[Dict[str, type]] = None):
    """The inverse of :func:`encode`; raises ValueError/TypeError/KeyError on anything else."""
    return _decode(data, classes if classes is not None else _classes())


_PLAIN = (str, int, float, bool, type(None))


def _decode(data, classes: Dict[str, type]):
    kind = type(data)
    if kind in _PLAIN:  # JSON's own types first (then, rarely, their subclasses)
        return data
    if kind is list or kind is not dict and isinstance(data, list):
        return [_decode(x, classes) for x in data]
    if kind is not dict and isinstance(data, _PLAIN[:4]):
        return data
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise ValueError("not an encoded value")
    if len(data) == 1 and "$o" in data:  # the most common by far: a mapping of a rule file
        return {str(k): _decode(v, classes) for k, v in data["$o"].items()}
    if "$s" in data:
        path, line, column = data["$s"]
        return Span(str(path), int(line), int(column))
    if "$t" in data:
        return tuple(_decode(x, classes) for x in data["$t"])
    if "$o" in data:
        return {str(k): _decode(v, classes) for k, v in data["$o"].items()}
    if "$doc" in data:
        path, body, spans = data["$doc"]
        path = str(path)
        return Document(path, _decode(body, classes), PackedSpans(path, {tuple(k): (int(line), int(column))
                                                                         for k, line, column in spans}))
    if "$m" in data:
        return {_decode(k, classes): _decode(v, classes) for k, v in data["$m"]}
    if "$d" in data:
        return dt.date.fromisoformat(data["$d"])
    if "$dt" in data:
        return dt.datetime.fromisoformat(data["$dt"])
    cls = classes[data["$"]]
    return cls(*[_decode(x, classes) for x in data["f"]])
