"""Shared fixtures: the shipped workspace, and a writable copy of the shipped policy tree; the ``slow`` marker.

Tests marked ``slow`` (exhaustive comparisons and long searches, seconds each) are skipped unless
``--run-slow`` is given; CI (``.ci/run``) gives it, so every test still runs there. A comparison over
many generated rows takes its size from ``sized``: few rows in a plain run, all of them with ``--run-slow``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, settings

from sc_policy.app.workspace import Workspace
from sc_policy.resources import shipped_policies

VERSION = "phase-1.2"  # the version in force: tests edit it and commands choose it by default

SHIPPED = ("phase-1", "phase-1.1", "phase-1.2")  # the shipped versions, all frozen; the same decisions
POLICY = "second-career-fast-track"

# Hypothesis profiles: "ci" (the default) keeps the property suite to seconds; run
# `HYPOTHESIS_PROFILE=thorough python -m pytest tests` for a longer local search.
settings.register_profile("ci", max_examples=30, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true",
                     help="also run the tests marked slow (exhaustive comparisons and long searches); CI does")


_RUN_SLOW = False  # whether this run gives --run-slow (set once, before collection, by pytest_configure)


def pytest_configure(config):
    global _RUN_SLOW
    _RUN_SLOW = bool(config.getoption("--run-slow"))


def examples(small: int, large: int) -> int:
    """``max_examples`` for a long property search, read when its test module is collected: ``large``
    with ``--run-slow`` (as CI runs), else ``small`` (the same properties, fewer generated cases)."""
    return large if _RUN_SLOW else small


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """In parallel by default, when pytest-xdist is installed: a process per CPU, each test file's tests in
    one process (its server, browser or language server started once). Not when ``-n`` is given (``-n 0``:
    in this process) nor for a run of a single test file, which then starts at once and takes a debugger."""
    if not config.pluginmanager.hasplugin("xdist") or hasattr(config, "workerinput") \
            or config.option.numprocesses is not None:
        return
    files = {arg.split("::")[0] for arg in config.args}
    if len(files) == 1 and next(iter(files)).endswith(".py"):
        return
    config.option.numprocesses = "auto"
    if config.option.dist == "no":
        config.option.dist = "loadfile"


def _repeated_ids(ids) -> str:
    """What is wrong when two tests have one node id (pytest-xdist schedules by it, and would run one), or ''."""
    seen, repeated = set(), []
    for nodeid in ids:
        if nodeid in seen:
            repeated.append(nodeid)
        seen.add(nodeid)
    return (f"{len(repeated)} test(s) repeat another's node id, which pytest-xdist would run once: {repeated[0]}"
            if repeated else "")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    """Under pytest-xdist the controller stops a run whose tests repeat a node id (a worker cannot say why)."""
    message = _repeated_ids(ids)
    if message:
        pytest.exit(message, returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if type(item).__name__ == "SchemathesisFunction" and not item.nodeid.endswith("::" + item.name):
            # schemathesis 4 gives each API operation's test the function's node id under pytest 9
            # (`originalname` without the "[GET /]"); pytest-xdist schedules tests by node id, so it
            # would run one operation of ten. Each gets its operation as its parameter, as a plain run
            # names it (pytest 9 keeps a node's id there; pytest 8 gave no two the same id).
            item._id = item.parent.id.child(item.originalname).with_params(item.name[len(item.originalname) + 1:-1])
    message = _repeated_ids(item.nodeid for item in items)
    if message and not hasattr(config, "workerinput"):
        raise pytest.UsageError(message)
    for item in items:
        if not _RUN_SLOW and item.get_closest_marker("slow") is not None:
            item.add_marker(pytest.mark.skip(reason="slow: run with --run-slow (CI does)"))


@pytest.fixture(scope="session")
def sized() -> Callable[[int, int], int]:
    """``sized(small, large)``: ``large`` when the slow tests run (``--run-slow``, as CI runs), else ``small``
    (:func:`examples`): a differential comparison keeps every assertion in a plain run, over fewer generated rows."""
    return examples


@pytest.fixture(scope="session", autouse=True)
def table_cache_dir(tmp_path_factory):
    """Every test, and every sc-policy it starts, uses a fresh decision-table cache, never the user's."""
    patch = pytest.MonkeyPatch()
    path = tmp_path_factory.mktemp("sc-policy-cache")
    patch.setenv("SC_POLICY_CACHE_DIR", str(path))
    patch.delenv("SC_POLICY_NO_CACHE", raising=False)
    yield path
    patch.undo()


@pytest.fixture(scope="session")
def ws() -> Workspace:
    return Workspace()


@pytest.fixture(scope="session")
def opened(ws):
    return ws.open(VERSION)


@pytest.fixture(scope="module")
def cli_shares_ws(ws):
    """In-process ``sc-policy evaluate`` and ``table`` runs (CliRunner) on the shipped tree (no
    ``--policies``, no ``--no-cache``) decide with the session's workspace ``ws`` instead of opening
    the shipped version from the cache again for each run: for modules that run a command per
    example to test what it does with its input. (Reading the cache is tested on its own.)"""
    import sc_policy.cli.evaluate as cli_evaluate
    import sc_policy.cli.table as cli_table
    original = cli_table.workspace

    def shared(policies, no_cache):
        return ws if policies is None and not no_cache else original(policies, no_cache)

    patch = pytest.MonkeyPatch()
    for module in (cli_table, cli_evaluate):
        patch.setattr(module, "workspace", shared)
    yield ws
    patch.undo()


@pytest.fixture()
def shipped_copy(tmp_path) -> Path:
    """A byte-for-byte copy of the shipped policy tree (its versions frozen, as shipped)."""
    dest = tmp_path / "policies"
    shutil.copytree(shipped_policies(), dest)
    return dest


@pytest.fixture()
def tree_copy(shipped_copy) -> Path:
    """A copy of the shipped tree that a test may edit, as an analyst edits a working copy.

    The shipped version is frozen, so any edit to it would (rightly) be reported as a
    ``hash-mismatch``; the copy drops the recorded hashes so that each test sees only the
    findings its own edit causes. Tests of freezing and tampering freeze their copy first.
    """
    return unfrozen(shipped_copy)


def slow(*values, **kwargs):
    """One case of a parametrized test that runs only with ``--run-slow`` (as CI runs): for the cases
    beyond the representatives that a plain run keeps of each behaviour."""
    return pytest.param(*values, marks=pytest.mark.slow, **kwargs)


def unfrozen(root: Path) -> Path:
    """The copy of the shipped tree at ``root`` without its recorded hashes (see :func:`tree_copy`)."""
    for manifest in root.rglob("version.yaml"):
        kept, dropping = [], False
        for line in manifest.read_text(encoding="utf-8").splitlines(keepends=True):
            if not line.startswith(" "):  # a top-level field: file_sha256's mapping follows it, indented
                dropping = line.startswith(("sha256:", "table_sha256:", "file_sha256:"))
            if not dropping:
                kept.append(line)
        manifest.write_text("".join(kept), encoding="utf-8")
    return root


def version_dir(root: Path) -> Path:
    return root / POLICY / VERSION


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace the first ``count`` occurrences of ``old`` in a file (which must hold that many)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(*options: str, ready: Callable[[int], bool] = lambda port: True):
    """`sc-policy serve` in a child process on a free loopback port, with ``options``; yields (port, process)
    once the port accepts connections and ``ready(port)`` is true, and stops it afterwards. A port taken
    between being found free and being bound (by a test of another process) is replaced by another."""
    for attempt in range(3):
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-c", "from sc_policy.cli import main; main()", "serve",
                                 "--host", "127.0.0.1", "--port", str(port), "--no-access-log", *options],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        started = False
        try:
            while True:
                if proc.poll() is not None:
                    err = proc.stderr.read().decode()
                    if "address already in use" in err.lower() and attempt < 2:
                        break  # another port
                    pytest.fail(f"sc-policy serve exited with {proc.returncode}: {err}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        pass
                    if ready(port):
                        started = True
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail("sc-policy serve was not ready within 30 s")
                time.sleep(0.1)
            if started:
                yield port, proc
                return
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


@pytest.fixture(scope="module")
def client():
    """A test client of the service over the shipped tree, started once per module (skipped without the
    serve extra); a module that needs another service or client defines its own ``client``."""
    pytest.importorskip("fastapi")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from sc_policy.http.app import create_app
    with TestClient(create_app(Workspace())) as c:
        yield c
