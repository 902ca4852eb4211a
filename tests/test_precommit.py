"""The pre-commit hooks (item 4 of issue 16): .pre-commit-hooks.yaml offers sc-policy-check and
sc-policy-test, and their entry commands, run as pre-commit runs them (from the root of an analyst's
repository, with the hook's args and no file names), pass on a good tree and fail on a broken one.
pre-commit itself is not needed: the commands are taken from the manifest and run as they stand."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sc_policy.resources import shipped_policies

from conftest import POLICY, VERSION, unfrozen

ROOT = Path(__file__).resolve().parent.parent
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
BY_ID = {hook["id"]: hook for hook in HOOKS}


def test_the_manifest_offers_both_hooks_in_the_form_pre_commit_reads():
    assert list(BY_ID) == ["sc-policy-check", "sc-policy-test"]
    for hook in HOOKS:
        assert {"id", "name", "entry", "language"} <= set(hook)  # pre-commit's required keys
        assert hook["language"] == "python"  # pre-commit installs this repository (and sc-policy) for it
        assert hook["pass_filenames"] is False  # the commands read the whole tree, not the changed files
        assert shlex.split(hook["entry"])[0] == "sc-policy"
        files = re.compile(hook["files"])
        assert files.search(f"policies/{POLICY}/{VERSION}/areas/ict.yaml")
        assert files.search(f"policies/{POLICY}/source/second-career-fast-track.txt")
        assert not files.search("README.md")



def _runs(hook: dict, staged) -> bool:
    """Whether pre-commit runs ``hook`` for a commit: when it is ``always_run``, or when one of the files it
    names matches ``files``. pre-commit names the staged files `git diff --staged --diff-filter=ACMRTUXB`
    lists: added, copied, modified, renamed..., never a deleted one."""
    return bool(hook.get("always_run")) or any(re.search(hook.get("files", ""), name) for name in staged)


@pytest.mark.parametrize("hook_id", ["sc-policy-check", "sc-policy-test"])
def test_a_commit_that_only_deletes_a_rule_file_runs_the_hooks(hook_id):
    """`git rm clauses/occupation-listed.yaml` changes every answer (or a frozen version's hash), and the
    commit names no file pre-commit passes on: the hooks were skipped as "(no files to check)"."""
    assert _runs(BY_ID[hook_id], staged=[])

def run_hook(hook_id: str, repo: Path) -> subprocess.CompletedProcess:
    """The hook's entry and args, run from the repository's root as pre-commit runs them."""
    hook = BY_ID[hook_id]
    argv = shlex.split(hook["entry"]) + list(hook.get("args", []))
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("SC_POLICY_PATH", None)
    return subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture()
def repo(tmp_path) -> Path:
    """An analyst's repository: the policy tree at policies/ (a copy of the shipped one, hashes dropped
    so that edits show as themselves)."""
    root = tmp_path / "analyst-repo"
    shutil.copytree(shipped_policies(), root / "policies")
    unfrozen(root / "policies")
    return root


@pytest.mark.parametrize("hook_id", ["sc-policy-check", "sc-policy-test"])
def test_a_hook_passes_on_a_good_tree(repo, hook_id):
    result = run_hook(hook_id, repo)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_the_check_hook_fails_on_a_broken_rule_file(repo):
    clause = repo / "policies" / POLICY / VERSION / "clauses" / "occupation-listed.yaml"
    clause.write_text(clause.read_text("utf-8").replace("\ntitle:", "\ntitel:", 1), "utf-8")
    result = run_hook("sc-policy-check", repo)
    assert result.returncode == 1
    assert f"{POLICY}/{VERSION}/clauses/occupation-listed.yaml:" in result.stdout
    assert "unknown key 'titel' and missing required key 'title' (did you mean 'title'?)" in result.stdout
    assert result.stderr.startswith("1 error, ")


def test_the_test_hook_fails_on_a_failing_case(repo):
    (repo / "policies" / POLICY / VERSION / "tests" / "wrong.yaml").write_text(
        "cases:\n- name: wrong\n  noc: '2174'\n  expect: {eligible: false}\n", "utf-8")
    result = run_hook("sc-policy-test", repo)
    assert result.returncode == 1
    assert "case wrong: expected not eligible, got eligible" in result.stdout
    assert result.stdout.rstrip().endswith("passed, 1 failed")


def test_a_hook_on_a_repository_without_the_tree_says_so_on_one_line(tmp_path):
    result = run_hook("sc-policy-check", tmp_path)
    assert result.returncode == 2
    assert result.stderr == "sc-policy: error: policies: policy tree not found\n"
