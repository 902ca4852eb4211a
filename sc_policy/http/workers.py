"""The worker processes of ``sc-policy serve --workers N``: each serves the tree the parent checked, or none.

uvicorn's supervisor starts each worker in a new process, which builds its own
application from the tree on disk, and it replaces a worker that dies (killed,
out of memory) with a new one built the same way. Left to itself, a replacement
started after the tree changed on disk (a ``git pull`` that adds a version or
edits a draft) answers from the new tree while its siblings answer from the old
one, and one started after the tree broke fails with a traceback, is replaced,
fails again, and so on, every second or two, each try loading the whole tree.

So the parent names what it checked, :func:`fingerprint` of the versions it
serves, in ``$SC_POLICY_SERVED``, and :func:`create_app_from_environment` (the
workers' factory) refuses to serve anything else: a tree that now has errors,
or holds other versions or other content, is one line in the log and uvicorn's
``STARTUP_FAILURE`` exit, upon which the supervisor stops the service
(:func:`run` then says so, and ``serve`` exits with an error) instead of
restarting the worker. A changed tree is served by restarting the service.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess

from sc_policy.app.workspace import Workspace
from sc_policy.diagnostics import ScPolicyError
from sc_policy.http.app import create_app

__all__ = ["SERVED", "TREE", "fingerprint", "create_app_from_environment", "run"]

TREE = "SC_POLICY_PATH"
"""The environment variable naming the tree the workers serve (the same as ``--policies``)."""
SERVED = "SC_POLICY_SERVED"
"""The environment variable holding the parent's :func:`fingerprint` of what it checked."""

FACTORY = f"{__name__}:create_app_from_environment"


def fingerprint(service) -> str:
    """What a :class:`~sc_policy.http.service.DecisionService` serves, as a SHA-256: every version's
    manifest, content hash and integrity (``/v1/versions``'s rows), so any change of a rule file changes it."""
    return hashlib.sha256(service.versions_json.encode("utf-8")).hexdigest()


def _refuse(message: str):
    logging.getLogger("uvicorn.error").error("sc-policy: error: %s", message)
    sys.exit(STARTUP_FAILURE)   # not restarted by the supervisor: it stops the service


def create_app_from_environment():
    """Factory for uvicorn's worker processes: the tree named by ``$SC_POLICY_PATH`` (or the shipped one),
    served only if it is what ``$SC_POLICY_SERVED`` names (when set)."""
    tree = os.environ.get(TREE) or None
    try:
        app = create_app(Workspace(tree, cache=False))      # writes nothing
    except ScPolicyError as exc:
        _refuse(f"a worker process cannot serve the policy tree as it is now ({exc.line()}), so none starts; "
                f"check the tree and restart the service")
    expected = os.environ.get(SERVED)
    if expected and fingerprint(app.state.service) != expected:
        served = ", ".join(sorted(app.state.service.opened))
        _refuse(f"the policy tree {app.state.service.workspace.root} changed on disk since the service started "
                f"(it now holds {served}): a worker process started now would answer from another tree than "
                f"the others, so none starts; restart the service to serve the tree as it is now")
    return app


def run(workers: int, settings: dict) -> bool:
    """Serve with ``workers`` processes, as ``uvicorn.run(..., workers=N)`` does; True when the service
    stopped because a worker could not start (rather than by a signal)."""
    config = Config(FACTORY, factory=True, workers=workers, **settings)
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    supervisor.run()
    return any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes)
