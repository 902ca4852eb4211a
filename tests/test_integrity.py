"""What else on disk may change under a frozen version: sc-policy's own files in an installed copy.

Each test runs sc-policy from a copy of the package (its code, schemas and policy tree) with one of its
own files damaged, in a fresh process, as a damaged install would run: one line naming the file and
exit status 2, never a traceback and never another answer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sc_policy.app import cache as cache_module
from sc_policy.resources import schemas_dir, shipped_policies

from conftest import VERSION


@pytest.fixture
def package_copy(tmp_path) -> Path:
    """A folder holding copies of sc_policy/, schemas/ and policies/, laid out as a checkout."""
    ignore = shutil.ignore_patterns("__pycache__", "policies", "schemas")
    shutil.copytree(cache_module._PACKAGE, tmp_path / "sc_policy", ignore=ignore)
    shutil.copytree(schemas_dir(), tmp_path / "schemas")
    shutil.copytree(shipped_policies(), tmp_path / "policies")
    return tmp_path


def run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SC_POLICY_NO_CACHE": "1", "PYTHONPATH": str(folder)}
    env.pop("SC_POLICY_PATH", None)
    return subprocess.run([sys.executable, "-m", "sc_policy", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name, text", [
    ("clause.yaml", ""),                                              # emptied
    ("area.yaml", "type: [\n"),                                       # not YAML
    ("manifest.yaml", "id: {type: strnig, required: true}\n"),        # not a Cerberus schema
    ("_citation.yaml", "- line\n"),                                   # not a mapping
])
def test_a_damaged_schema_of_sc_policys_own_is_one_line_not_a_traceback(package_copy, name, text):
    (package_copy / "schemas" / name).write_text(text, encoding="utf-8")
    done = run(package_copy, "explain", "2174", "--version", VERSION)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert done.stderr.count("\n") == 1 and name in done.stderr and "schema" in done.stderr, done.stderr

