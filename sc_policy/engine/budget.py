"""The time budget of rule-file expressions while they are evaluated (see also sc_policy.engine.bounds).

Each ``when`` and ``condition`` may use :data:`EXPRESSION_SECONDS` of processor time in
total in one run: one table build, one check. On the main thread a processor-time timer
(SIGVTALRM) interrupts an evaluation that overruns, even inside the regular-expression
engine; elsewhere (the service's worker threads), or when another part of the program
already uses that timer, the overrun is caught as soon as the evaluation returns.
Processor time, not wall time, so that a busy machine does not make a policy fail.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Callable, Dict, Optional, TypeVar

__all__ = ["EXPRESSION_SECONDS", "ExpressionLimitError", "ExpressionTimeout", "ExpressionBudget", "run_bounded"]

EXPRESSION_SECONDS = 10.0
"""The processor time one expression may take in total while a version's decisions are computed or checked."""

T = TypeVar("T")


class ExpressionLimitError(Exception):
    """An expression went past one of these bounds while it was evaluated."""


class ExpressionTimeout(ExpressionLimitError):
    def __init__(self, seconds: float):
        super().__init__(f"took more than {seconds:g} s of processor time in total (the limit for one "
                         f"expression while a version's decisions are computed)")


def _alarm_usable() -> bool:
    """Whether the processor-time timer is free for us: on the main thread, with no handler or timer of anyone else."""
    return (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGVTALRM) in (signal.SIG_DFL, signal.SIG_IGN)
            and signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0))


class ExpressionBudget:
    """The processor time each expression has left in one run (a table build, a check), and the timer
    that enforces it.

    Use as a context manager around the run: on the main thread it installs a SIGVTALRM
    handler for the run's duration (restoring the previous one after), so that an
    evaluation that overruns is interrupted, even inside the regular-expression engine;
    elsewhere the overrun is detected when the evaluation returns. ``run(key, fn, arg)``
    evaluates ``fn(arg)`` against ``key``'s budget and raises :class:`ExpressionTimeout`
    when it is spent.
    """

    def __init__(self, seconds: float = EXPRESSION_SECONDS):
        self.seconds = seconds
        self.spent: Dict[object, float] = {}
        self._alarm = False
        self._armed = False
        self._deadline = 0.0
        self._previous = None
        self._depth = 0
        self._thread = 0

    def __enter__(self) -> "ExpressionBudget":
        if self._depth == 0 and _alarm_usable():
            self._previous = signal.signal(signal.SIGVTALRM, self._on_alarm)
            self._alarm = True
            self._thread = threading.get_ident()
        self._depth += 1
        return self

    def __exit__(self, *exc) -> None:
        self._depth -= 1
        if self._depth == 0 and self._alarm:
            self._armed = False
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
            signal.signal(signal.SIGVTALRM, self._previous)
            self._alarm = False

    def _on_alarm(self, signum, frame) -> None:
        if not self._armed:
            return
        rest = self._deadline - time.thread_time()
        if rest > 0.001:  # the timer counts the whole process; this thread has time left
            signal.setitimer(signal.ITIMER_VIRTUAL, rest)
            return
        self._armed = False
        raise ExpressionTimeout(self.seconds)

    def run(self, key: object, fn: Callable[[object], T], arg: object) -> T:
        left = self.seconds - self.spent.get(key, 0.0)
        if left <= 0:
            raise ExpressionTimeout(self.seconds)
        alarm = self._alarm and threading.get_ident() == self._thread  # the timer interrupts the main thread only
        start = time.thread_time()
        try:
            if alarm:
                self._deadline = start + left
                self._armed = True
                signal.setitimer(signal.ITIMER_VIRTUAL, left)
            result = fn(arg)
        finally:
            if alarm:
                self._armed = False
                signal.setitimer(signal.ITIMER_VIRTUAL, 0)
            self.spent[key] = self.spent.get(key, 0.0) + (time.thread_time() - start)
        if self.spent[key] > self.seconds:
            raise ExpressionTimeout(self.seconds)
        return result


def run_bounded(budget: Optional[ExpressionBudget], key: object, fn: Callable[[object], T], arg: object) -> T:
    """``fn(arg)`` against ``budget`` (a run's), or against a budget of its own when there is none."""
    if budget is not None:
        return budget.run(key, fn, arg)
    with ExpressionBudget() as own:
        return own.run(key, fn, arg)
