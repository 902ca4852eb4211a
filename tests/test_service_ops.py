"""Operating ``sc-policy serve``: what an operator meets at start, in the logs and when the tree on disk changes.

A worker process of ``--workers N`` serves the tree the service checked at start, or
none: one started later (uvicorn replaces a worker that dies) on a tree changed or
broken since stops the service with one line, rather than answering from another
tree than its siblings or failing with a traceback every second. A refused start
names the versions at fault and the tree; ``--log-level`` sets what uvicorn logs.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import time
import types
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("uvicorn")

from sc_policy.app.workspace import Workspace  # noqa: E402
from sc_policy.cli import main  # noqa: E402
from sc_policy.http import workers  # noqa: E402
from sc_policy.http.app import create_app  # noqa: E402

from conftest import POLICY, VERSION, edit, serving  # noqa: E402


def new_draft(tree: Path, new_id: str = "phase-2") -> Path:
    result = CliRunner().invoke(main, ["new-version", VERSION, new_id, "--effective-from", "2099-01-01",
                                       "--policies", str(tree)])
    assert result.exit_code == 0, result.output
    return tree / POLICY / new_id


def broken(draft: Path) -> None:
    edit(draft / "clauses" / "skill-level-limit.yaml", "condition: noc_level", "condition: noc_levl")


@pytest.fixture(scope="module")
def shipped_app():
    """The service of the shipped tree, built once for the tests that stop ``serve`` before uvicorn runs."""
    return create_app(Workspace())


@pytest.fixture()
def worker_env(shipped_copy, monkeypatch):
    """The environment ``serve --workers`` gives its workers, for the shipped tree's copy as checked now."""
    monkeypatch.setenv(workers.TREE, str(shipped_copy))
    monkeypatch.setenv(workers.SERVED, workers.fingerprint(create_app(Workspace(shipped_copy)).state.service))
    return shipped_copy


def refused(caplog) -> str:
    with pytest.raises(SystemExit) as stopped, caplog.at_level(logging.ERROR, "uvicorn.error"):
        workers.create_app_from_environment()
    assert stopped.value.code == 3          # uvicorn's STARTUP_FAILURE: the supervisor stops, not restarts
    lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.error"]
    assert len(lines) == 1 and "\n" not in lines[0] and not any(r.exc_info for r in caplog.records), lines
    return lines[0]


def test_a_worker_serves_the_tree_the_service_checked(worker_env):
    app = workers.create_app_from_environment()
    assert sorted(app.state.service.opened) == ["phase-1", "phase-1.1", "phase-1.2"]


def test_a_worker_started_after_the_tree_changed_stops_the_service_in_one_line(worker_env, caplog):
    new_draft(worker_env)               # a `git pull` that adds a draft, after the service started
    line = refused(caplog)
    assert line.startswith(f"sc-policy: error: the policy tree {worker_env} changed on disk since the service "
                           f"started (it now holds phase-1, phase-1.1, phase-1.2, phase-2)"), line


def test_a_worker_started_after_the_tree_broke_stops_the_service_in_one_line(worker_env, caplog):
    broken(new_draft(worker_env))
    line = refused(caplog)
    assert line.startswith("sc-policy: error: a worker process cannot serve the policy tree as it is now (the "
                           "policy tree has 2 errors"), line


@pytest.mark.slow
def test_a_worker_replaced_after_a_change_on_disk_stops_the_service_rather_than_answer_otherwise(shipped_copy):
    """End to end: two workers; the tree gains a draft; one worker is killed. uvicorn replaced it with one
    answering from the new tree (two answers to one question, by worker) and, with the draft broken, with
    one failing with a traceback every second or two; now the service stops, exit 2, saying why."""
    with serving("--workers", "2", "--policies", str(shipped_copy),
                 ready=lambda port: _versions(port) == ["phase-1", "phase-1.1", "phase-1.2"]) as (port, proc):
        new_draft(shipped_copy)
        children = [pid for pid in _children(proc.pid) if b"spawn_main" in _cmdline(pid)]
        assert len(children) == 2, children
        os.kill(children[0], signal.SIGKILL)
        seen = set()
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                seen.add(tuple(_versions(port)))
            except OSError:
                pass
            time.sleep(0.2)
        assert proc.poll() == 2, "the service went on with a worker replaced from a changed tree"
        assert seen <= {("phase-1", "phase-1.1", "phase-1.2")}, seen
        err = proc.stderr.read().decode()
        assert "Traceback" not in err
        assert f"sc-policy: error: the policy tree {shipped_copy} changed on disk since the service started" in err
        assert err.strip().splitlines()[-1] == ("sc-policy: error: a worker process could not start (the log above "
                                                "says why): the service stopped")


def _versions(port: int):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
        return json.load(answer)["versions"]


def _children(pid: int):
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                yield int(entry.name)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# -- a refused start -------------------------------------------------------------------------------------

def test_a_broken_draft_that_stops_the_start_is_named_with_its_tree_and_the_way_out(shipped_copy, monkeypatch):
    import uvicorn
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("serve started on a tree with errors"))
    broken(new_draft(shipped_copy))
    result = CliRunner().invoke(main, ["serve", "--policies", str(shipped_copy), "--port", "8080"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("sc-policy: error: the policy tree has 2 errors, the first ")
    assert last.endswith(f"; the errors are in phase-2 (draft) of the tree {shipped_copy}; the service starts only "
                         f"when every version of its tree passes `sc-policy check`, drafts too: fix them, or serve "
                         f"a tree without the versions at fault"), last


# -- what uvicorn logs -----------------------------------------------------------------------------------

def test_log_level_is_passed_to_uvicorn(monkeypatch, shipped_app):
    import uvicorn
    started = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(k))
    monkeypatch.setattr("sc_policy.cli.serve._check_port_free", lambda host, port: None)
    monkeypatch.setattr("sc_policy.http.app.create_app", lambda workspace: shipped_app)
    assert CliRunner().invoke(main, ["serve"]).exit_code == 0 and started[-1]["log_level"] == "info"
    assert CliRunner().invoke(main, ["serve", "--log-level", "warning"]).exit_code == 0
    assert started[-1]["log_level"] == "warning"
    result = CliRunner().invoke(main, ["serve", "--log-level", "loud"])
    assert result.exit_code == 2 and "--log-level" in result.stderr and len(started) == 2


# -- what the service says at start ----------------------------------------------------------------------

@pytest.mark.parametrize("today, answers", [
    ("2026-11-27", "phase-1.1 answers a question that names no version or date"),
    ("2026-11-28", "phase-1.2 answers a question that names no version or date"),
    ("2021-01-01", "no version is in force: a question that names no version or date is refused (/healthz is 503)"),
])
def test_the_start_names_the_code_s_version_the_day_and_the_version_in_force(monkeypatch, shipped_app, today,
                                                                            answers):
    """The day comes from the local time zone (TZ): a service in UTC takes Ontario's tomorrow from 19:00 or 20:00,
    and the version in force then with it. The start says which day and version, and sc-policy's version."""
    import datetime as dt
    import uvicorn
    from sc_policy.resources import own_version

    class Day:
        @staticmethod
        def today():
            return dt.date.fromisoformat(today)

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    monkeypatch.setattr("sc_policy.cli.serve._check_port_free", lambda host, port: None)
    monkeypatch.setattr("sc_policy.cli.serve.dt", types.SimpleNamespace(date=Day))  # serve's clock only
    monkeypatch.setattr("sc_policy.http.app.create_app", lambda workspace: shipped_app)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 0
    first, second = result.stderr.splitlines()[:2]
    assert first.startswith("sc-policy: serving phase-1, phase-1.1, phase-1.2 from ")
    assert re.fullmatch(rf"sc-policy: version {re.escape(own_version())}; today is {today} \(\S+, UTC[+-]\d{{4}}\): "
                        rf"{re.escape(answers)}", second), second


@pytest.mark.parametrize("zone, warned", [("America/Nowhere", True), (":America/Nowhere", True), ("UTC", False),
                                          ("America/Toronto", False), ("EST5EDT", False)])
def test_a_tz_the_system_does_not_know_is_a_warning_at_start(monkeypatch, shipped_app, zone, warned):
    """Without its file (no tzdata), the C library takes TZ=America/Toronto for UTC, silently: the service
    then answers with tomorrow's version from 19:00 Ontario time. The start says so."""
    import uvicorn
    from sc_policy.cli import serve
    if not warned and "/" in zone and not serve._zone_file(zone):
        pytest.skip("this system has no tzdata")
    monkeypatch.setenv("TZ", zone)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    monkeypatch.setattr("sc_policy.cli.serve._check_port_free", lambda host, port: None)
    monkeypatch.setattr("sc_policy.http.app.create_app", lambda workspace: shipped_app)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("sc-policy: warning: ")]
    if warned:
        assert warnings == [f"sc-policy: warning: TZ=America/Nowhere names no time zone of this system (no such "
                            f"file under {', '.join(serve._zone_folders())}): the C library takes it for UTC, and "
                            f"the service the day in UTC; install the system's tzdata or correct TZ"], warnings
    else:
        assert warnings == []


# -- a failure -------------------------------------------------------------------------------------------

def test_a_server_error_logs_which_request_failed_without_its_query(shipped_app, monkeypatch, caplog):
    """uvicorn's traceback of a 500 names no request; with --no-access-log nothing else did. The service logs
    the method and path (not the query: a case's codes), then the traceback follows."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    def fail(*args):
        raise RuntimeError("boom")
    monkeypatch.setattr(shipped_app.state.service, "_diff_cached", fail)
    with TestClient(shipped_app, raise_server_exceptions=False) as client, \
            caplog.at_level(logging.ERROR, "uvicorn.error"):
        failed = client.get(f"/v1/diff?old={VERSION}&new={VERSION}", headers={"X-Request-ID": "case-42/try:1"})
        assert failed.status_code == 500 and failed.headers["x-request-id"] == "case-42/try:1"
        unnamed = client.get(f"/v1/diff?old={VERSION}&new={VERSION}")
    assert re.fullmatch("[0-9a-f]{32}", unnamed.headers["x-request-id"])
    assert [r.getMessage() for r in caplog.records if r.name == "uvicorn.error"] == [
        "sc-policy: 500 answered to GET /v1/diff, request id case-42/try:1 (the traceback follows)",
        f"sc-policy: 500 answered to GET /v1/diff, request id {unnamed.headers['x-request-id']} (the traceback "
        f"follows)"]


# -- request ids -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, url", [
    ("GET", "/v1/decisions?noc=2174"),  # the fast path
    ("GET", "/v1/decisions?noc=21"),  # a problem
    ("HEAD", "/v1/versions"), ("GET", "/"), ("GET", "/nowhere"), ("DELETE", "/v1/decisions"),
    ("POST", "/v1/decisions"),  # no body: a problem from the route
])
def test_every_answer_carries_the_request_id_it_was_sent(shipped_app, method, url):
    """A client's X-Request-ID comes back on the answer, whatever the answer; without one, or with one unfit
    for a log line (a space, a control character, too long, sent twice), each answer gets a new one."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    with TestClient(shipped_app, raise_server_exceptions=False) as client:
        assert client.request(method, url, headers={"X-Request-ID": "7f1c-ab.CD_e~9"}).headers[
            "x-request-id"] == "7f1c-ab.CD_e~9"
        made = set()
        for unfit in (None, "two words", "x" * 129, "tab\there", "", "é"):
            headers = {} if unfit is None else {"X-Request-ID": unfit.encode("utf-8")}
            answer = client.request(method, url, headers=headers)
            assert re.fullmatch("[0-9a-f]{32}", answer.headers["x-request-id"]), (unfit, answer.headers)
            made.add(answer.headers["x-request-id"])
        twice = client.request(method, url, headers=[("X-Request-ID", "a"), ("X-Request-ID", "b")])
        assert re.fullmatch("[0-9a-f]{32}", twice.headers["x-request-id"])
        assert len(made | {twice.headers["x-request-id"]}) == 7  # a new one each time
        assert client.request(method, url, headers={"X-Request-ID": "x" * 128}).headers["x-request-id"] == "x" * 128


# -- signals ---------------------------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP here")
def test_sighup_to_one_worker_is_ignored_with_a_word_not_an_abrupt_end():
    """`systemctl reload` (ExecReload=kill -HUP) ended a one-worker service at once, requests in flight cut,
    and systemd counts death by SIGHUP a clean stop: Restart=on-failure never brought it back."""
    with serving(ready=lambda port: _versions(port) == ["phase-1", "phase-1.1", "phase-1.2"]) as (port, proc):
        proc.send_signal(signal.SIGHUP)
        time.sleep(1)
        assert proc.poll() is None, f"serve ended on SIGHUP with status {proc.returncode}"
        assert _versions(port) == ["phase-1", "phase-1.1", "phase-1.2"]
    assert "WARNING:  sc-policy: SIGHUP ignored: the service loads no new policy tree while it runs; restart it" \
           in proc.stderr.read().decode()


def test_a_server_error_at_a_page_s_address_is_a_page(shipped_app, monkeypatch):
    """A caseworker's browser got the API's JSON problem for a 500 on the question page."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    def fail(*args):
        raise RuntimeError("boom 2174")
    monkeypatch.setattr(shipped_app.state.service, "home_context", fail)
    with TestClient(shipped_app, raise_server_exceptions=False) as client:
        response = client.get("/?occupation=2174", headers={"accept": "text/html"})
    assert response.status_code == 500 and response.headers["content-type"] == "text/html; charset=utf-8"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "Something went wrong" in response.text and "boom" not in response.text and "2174" not in response.text
