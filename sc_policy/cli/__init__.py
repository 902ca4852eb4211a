"""The ``sc-policy`` command line (the only click user), a thin layer over :mod:`sc_policy.app.workspace`.

Each command lives in its own module of this package and is imported only when it
runs (see :class:`~sc_policy.cli.base.Group`), so that `sc-policy explain` does not
pay for the service, the diff or the batch machinery. Errors are shown in one
place: :class:`ScPolicyError` becomes a one-line message on stderr with its exit
status, never a traceback.
"""

from __future__ import annotations

from sc_policy.cli.base import main  # noqa: F401  (the console-script entry point)

__all__ = ["main"]
