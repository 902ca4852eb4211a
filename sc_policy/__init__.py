"""sc-policy: Ontario's Second Career Fast Track training-eligibility policy as code.

The public API::

    >>> from sc_policy import Workspace
    >>> answer = Workspace().explain("2174", industry="541514")   # the shipped policy tree
    >>> answer.verdict
    'eligible'

* :class:`Workspace` opens a policy tree (``Workspace(path)``; default ``$SC_POLICY_PATH``,
  else the shipped one) and answers with :meth:`Workspace.explain`
  ``(noc, industry=None, *, version=None, on=None, noc_version="2016")``.
* :class:`Answer` is what it returns: the verdict and, per NOC 2016 candidate, every area and
  clause result with its reason and citations.
* :class:`Diagnostic` is what a user can get wrong (a rule file, a code, a version), with its
  position; :class:`ScPolicyError` is raised with one (``error.diagnostic``).

Everything else is internal and may change. The names are imported on first use, so that
``import sc_policy`` (which the ``sc-policy`` command does first) costs nothing.
"""

from __future__ import annotations

__all__ = ["Workspace", "Answer", "Diagnostic", "ScPolicyError"]

def __getattr__(name: str):
    if name == "Workspace":
        from sc_policy.app.workspace import Workspace
        return Workspace
    if name == "Answer":
        from sc_policy.engine.results import Answer
        return Answer
    if name in ("Diagnostic", "ScPolicyError"):
        import sc_policy.diagnostics as diagnostics
        return getattr(diagnostics, name)
    raise AttributeError(f"module 'sc_policy' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
