"""The ``sc-policy`` command line (the only click user), a thin layer over :mod:`sc_policy.api`.

Each command lives in its own module of this package and is registered on the
``main`` group here. Errors are shown in one place: :class:`ScPolicyError` becomes a
one-line message on stderr with its exit status, never a traceback.
"""

from __future__ import annotations

from .base import main  # noqa: F401  (the console-script entry point)
from . import explain as _explain  # noqa: F401  (registers its commands on main)
from . import check as _check  # noqa: F401  (registers `check` on main)
from . import serve as _serve  # noqa: F401  (registers `serve` on main)
from . import test as _test  # noqa: F401  (registers `test` on main)
from . import diff as _diff  # noqa: F401  (registers `diff` on main)
from . import versions as _versions  # noqa: F401  (registers `new-version` and `freeze` on main)
from . import evaluate as _evaluate  # noqa: F401  (registers `evaluate` on main)
from . import table as _table  # noqa: F401  (registers `table` on main)

__all__ = ["main"]
