"""The command that installs an extra of sc-policy from where this copy came from.

sc-policy is installed from a checkout (``pip install .`` or ``pip install -e .``), a git URL or a
wheel, not from a package index: ``pip install "sc-policy[data]"`` would look it up on the index,
and find nothing there or someone else's package. pip records where a package came from in its
``direct_url.json`` (PEP 610, "Recording the Direct URL Origin of installed distributions"); the
command names that place. Only a copy pip installed from an index, which records none, gets the
index's form.
"""

from __future__ import annotations

import shlex
from typing import Optional

__all__ = ["install_command", "origin"]

DISTRIBUTION = "sc-policy"


def origin() -> Optional[dict]:
    """This sc-policy's ``direct_url.json`` (None when pip recorded none, or it cannot be read). The
    first record found on the path: a checkout's ``sc_policy.egg-info`` (left by a build, found
    first when Python runs in the checkout) records no origin, the installed copy's does."""
    import json  # (here, not at the top: only an error for a missing extra reads it; sc-policy starts without)
    from importlib import metadata
    for found in metadata.distributions(name=DISTRIBUTION):
        try:
            text = found.read_text("direct_url.json")
            recorded = json.loads(text) if text else None
        except (OSError, ValueError):
            continue
        if isinstance(recorded, dict) and isinstance(recorded.get("url"), str):
            return recorded
    return None


def install_command(extra: str, recorded: Optional[dict]) -> str:
    """``pip install ...`` of sc-policy with ``extra``, from the origin ``recorded`` (a ``direct_url.json``)."""
    from urllib.parse import urlsplit
    from urllib.request import url2pathname
    named = f"{DISTRIBUTION}[{extra}]"
    if recorded is None:
        return f"pip install {shlex.quote(named)}"
    url = recorded["url"]
    folder = recorded.get("dir_info")
    if isinstance(folder, dict) and urlsplit(url).scheme == "file":
        path = url2pathname(urlsplit(url).path)  # (which unquotes it: once, as pip quoted it)
        editable = "-e " if folder.get("editable") is True else ""
        return f"pip install {editable}{shlex.quote(f'{path}[{extra}]')}"
    vcs = recorded.get("vcs_info")
    if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str):
        revision = vcs.get("requested_revision")
        url = f"{vcs['vcs']}+{url}" + (f"@{revision}" if isinstance(revision, str) and revision else "")
    return f"pip install {shlex.quote(f'{named} @ {url}')}"
