"""Starting the service runs each stage of the pipeline once per version (issue 14, item 4)."""

from __future__ import annotations

from collections import Counter

import pytest
from click.testing import CliRunner

import sc_policy.app.checking as checking
import sc_policy.engine.compile as compile_module
from sc_policy.app.workspace import Workspace
from sc_policy.cli import main
from sc_policy.http.app import create_app
from sc_policy.load.tree import PolicyTree

from conftest import POLICY, VERSION


def _counting(monkeypatch):
    """Counters of loads, compiles and checks, by version folder (``policy/id``)."""
    counts = {"load": Counter(), "compile": Counter(), "check": Counter()}
    real_load = PolicyTree.load

    def load(self, ref):
        counts["load"][ref.rel] += 1
        return real_load(self, ref)

    real_compile = compile_module.compile_version

    def compile_version(version, *args, **kwargs):
        counts["compile"][version.folder] += 1
        return real_compile(version, *args, **kwargs)

    def counted(stage):
        def run(r):
            counts["check"][f"{r.loaded.ref.rel}:{stage.name}"] += 1
            return stage.run(r)
        return checking.Stage(stage.name, run)

    monkeypatch.setattr(PolicyTree, "load", load)
    monkeypatch.setattr(compile_module, "compile_version", compile_version)
    monkeypatch.setattr(checking, "compile_version", compile_version)
    monkeypatch.setattr(checking, "CHECK_STAGES", tuple(counted(s) for s in checking.CHECK_STAGES))
    return counts


@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "warm-cache"])
def test_the_service_starts_with_one_load_compile_and_check_per_version(tree_copy, tmp_path, monkeypatch, cache):
    added = CliRunner().invoke(main, ["new-version", VERSION, "phase-2", "--policies", str(tree_copy)])
    assert added.exit_code == 0, added.output
    folders = {f"{POLICY}/phase-1", f"{POLICY}/phase-1.1", f"{POLICY}/{VERSION}", f"{POLICY}/phase-2"}  # each once
    if cache:  # entries written by an earlier process: the service still checks every version once
        from sc_policy.app.cache import TableCache
        store = TableCache(tmp_path / "cache")
        earlier = Workspace(tree_copy, cache=store)
        for vid in (VERSION, "phase-2"):
            earlier.explain("2174", version=vid)
        assert len(store.entries()) == 2
        workspace = Workspace(tree_copy, cache=TableCache(tmp_path / "cache"))
    else:
        workspace = Workspace(tree_copy, cache=False)
    counts = _counting(monkeypatch)
    app = create_app(workspace)
    assert app is not None
    assert counts["load"] == {folder: 1 for folder in folders}
    assert counts["compile"] == {folder: 1 for folder in folders}
    stages = [s.name for s in checking.CHECK_STAGES]
    assert counts["check"] == {f"{folder}:{name}": 1 for folder in folders for name in stages}
    # and the answers are those of the versions as checked
    assert workspace.explain("2174", version="phase-2").eligible


def test_open_after_check_reuses_the_findings_and_agrees_with_a_fresh_workspace(tree_copy):
    shared = Workspace(tree_copy, cache=False)
    checked = shared.check()
    opened = shared.open(VERSION)
    fresh = Workspace(tree_copy, cache=False).open(VERSION)
    assert opened.findings == fresh.findings
    assert [f for f in checked if f.span.path.startswith(f"{POLICY}/{VERSION}/")] == sorted(
        f for f in Workspace(tree_copy, cache=False).check() if f.span.path.startswith(f"{POLICY}/{VERSION}/"))


def test_a_warm_explain_imports_no_checker_compiler_or_data_library(tmp_path):
    """Answering from the cache needs neither the rule files' checker (Cerberus) nor their compiler
    (rule-engine), nor any extra's library, nor what only an error's advice needs (the install
    command's URL parsing): what a warm `sc-policy explain` imports, in a process of its own."""
    import subprocess
    import sys
    code = ("import sys\nfrom sc_policy.cli import main\ntry:\n    main(['explain', '2174'])\n"
            "except SystemExit:\n    pass\nprint(' '.join(sorted(sys.modules)), file=sys.stderr)")
    import os
    cache = tmp_path / "cache"  # its own, empty: the session's cache may hold the version already
    env = dict(os.environ, SC_POLICY_CACHE_DIR=str(cache))
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)  # fills the cache
    assert first.returncode == 0 and "cerberus" in first.stderr.split()  # (a cold start reads the rule files)
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert warm.returncode == 0 and "Occupation: NOC 2016 2174 " in warm.stdout
    imported = {name.split(".")[0] if name.split(".")[0] != "urllib" else name for name in warm.stderr.split()}
    unwanted = {"cerberus", "rule_engine", "sqlglot", "duckdb", "pyarrow", "jinja2", "fastapi", "urllib.request"}
    assert imported & unwanted == set()


def test_the_service_neither_reads_nor_writes_the_cache_folder(tmp_path, monkeypatch):
    # README (Operating it): "serve neither writes it nor uses the cache folder"; it wrote an entry when a
    # version was first asked for (a request writing to a container's tmpfs, say), and warned at start about
    # a folder it could not use (another account's)
    pytest.importorskip("fastapi")
    import uvicorn
    import warnings
    with warnings.catch_warnings():  # (Starlette's note about httpx, as the client fixture)
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("SC_POLICY_CACHE_DIR", str(folder))
    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **k: started.append(app))
    monkeypatch.setattr("sc_policy.cli.serve._check_port_free", lambda host, port: None)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 0 and "warning" not in result.stderr, result.stderr
    with TestClient(started[-1]) as client:
        for version in ("phase-1", VERSION):
            assert client.get(f"/v1/decisions?noc=2174&industry=541514&version={version}").status_code == 200
    assert list(folder.iterdir()) == []
    made = []  # each worker process (--workers N) builds its own app from the environment
    import sc_policy.http.workers as workers
    monkeypatch.setattr(workers, "create_app", lambda workspace: made.append(workspace))
    monkeypatch.delenv(workers.SERVED, raising=False)
    workers.create_app_from_environment()
    assert made[-1].cache is None
