"""sc-policy: Ontario's Second Career Fast Track training-eligibility policy as code.

The public API::

    >>> from sc_policy import Workspace, answer_json
    >>> answer = Workspace().explain("2174", industry="541514")   # the shipped policy tree
    >>> answer.verdict
    'eligible'
    >>> text = answer_json(answer)     # the text (a str) `sc-policy explain --format json` prints

* :class:`Workspace` opens a policy tree (``Workspace(path)``; default ``$SC_POLICY_PATH``,
  else the shipped one) and answers with :meth:`Workspace.explain`
  ``(noc, industry=None, *, version=None, on=None, noc_version="2016")``. It reads, checks and
  compiles each version once and keeps it: a rule file edited afterwards is seen by a new
  ``Workspace``, not by this one. One workspace may answer from several threads at once. A missing
  tree is refused by ``Workspace(path)``; the tree is read when first asked, a relative path from the
  current directory of that moment.
* :class:`Answer` is what it returns: the verdict and, per NOC 2016 candidate, every area and
  clause result with its reason and citations.
* :func:`answer_to_dict` and :func:`answer_json` give an answer as JSON-ready data and as JSON text
  (the README's shape; the same inputs and version give the same bytes). An Answer itself refers to
  the version's model: ``json.dumps``, ``dataclasses.asdict``, ``copy.deepcopy`` and ``pickle`` do not
  take it; send ``answer_json(answer)`` to another process.
* :class:`Diagnostic` is what a user can get wrong (a rule file, a code, a version), with its
  position; :class:`ScPolicyError` is raised with one (``error.diagnostic``, and ``error.code``,
  ``error.message``, ``error.span``). ``str(error)`` is one line. Its ``code`` says which:
  ``bad-input`` (a code, a date), ``unknown-version`` (a version id, a day with no version in force,
  a tree without versions), ``invalid`` (the version has errors; ``error.findings`` lists them),
  ``missing`` or ``not-a-directory`` (the tree), ``os-error``.

Everything else is internal and may change. The names are imported on first use, so that
``import sc_policy`` (which the ``sc-policy`` command does first) costs nothing; type checkers read
them from the ``TYPE_CHECKING`` imports (the package ships ``py.typed``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what type checkers see (the package is typed: py.typed); at run time, imported on first use
    from sc_policy.app.workspace import Workspace
    from sc_policy.diagnostics import Diagnostic, ScPolicyError
    from sc_policy.engine.results import Answer
    from sc_policy.present.render import answer_json, answer_to_dict

__all__ = ["Workspace", "Answer", "Diagnostic", "ScPolicyError", "answer_to_dict", "answer_json"]

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
    if name in ("answer_to_dict", "answer_json"):
        import sc_policy.present.render as render
        return getattr(render, name)
    raise AttributeError(f"module 'sc_policy' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
