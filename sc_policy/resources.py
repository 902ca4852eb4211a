"""Where the package's own data lives: the shipped policy tree, the schemas, the reference data.

After ``pip install .`` the top-level ``policies/`` and ``schemas/`` folders are
installed inside the package (see ``package_dir`` in ``setup.cfg``); in a source
checkout or an editable install they are beside it. Both layouts are found here,
so that no other module needs to know.
"""

from __future__ import annotations

from pathlib import Path

from sc_policy.diagnostics import ScPolicyError, one_line

__all__ = ["package_dir", "shipped_policies", "schemas_dir", "refdata_dir", "own_version", "UNKNOWN_VERSION",
           "damaged"]

_HERE = Path(__file__).resolve().parent


def _on_disk() -> None:
    """sc-policy reads its own files (the policy tree, schemas, reference data) as files: imported from a
    zip archive (a zipped install, a zipapp), it cannot, which is said here rather than as a missing file."""
    if _HERE.is_dir():
        return
    archive = next((p for p in _HERE.parents if p.is_file()), _HERE)
    raise ScPolicyError(f"sc-policy is imported from {archive}, not from folders of files: it cannot read its own "
                        "policy tree, schemas and reference data there; install it unpacked (pip install sc-policy)",
                        code="not-unpacked")


def package_dir(name: str) -> Path:
    """The installed ``sc_policy/<name>``, else the checkout's ``<name>`` beside the package."""
    _on_disk()
    inside = _HERE / name
    if inside.is_dir():
        return inside
    return _HERE.parent / name


def shipped_policies() -> Path:
    return package_dir("policies")


def schemas_dir() -> Path:
    return package_dir("schemas")


def refdata_dir() -> Path:
    _on_disk()
    return _HERE / "refdata"


UNKNOWN_VERSION = "0+unknown"
"""sc-policy's version where no installer recorded one (a checkout on ``PYTHONPATH``, a zip archive)."""


def own_version() -> str:
    """The installed sc-policy's version, from its distribution's metadata, else :data:`UNKNOWN_VERSION`."""
    from importlib import metadata  # 35 ms of imports (email, zipfile): only what names the version pays
    try:
        return metadata.version("sc-policy")
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION


def damaged(path: Path, what: str, why: object, code: str) -> ScPolicyError:
    """The error for a file of sc-policy's own (``what``: its schema, a page template) that cannot be used
    as shipped (not parsed, missing): one line naming it and why, and that reinstalling restores it."""
    return ScPolicyError(f"{path}: sc-policy's own {what} cannot be used ({one_line(str(why))[:300]}); "
                         f"restore it (reinstall sc-policy)", code=code)
