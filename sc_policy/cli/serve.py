"""``sc-policy serve``: the decision service and the caseworkers' pages over HTTP (FastAPI under uvicorn)."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import logging
import os
import re
import signal
import socket
import time
import zoneinfo

import click

from sc_policy.app.workspace import Workspace
from sc_policy.diagnostics import PolicyInvalidError, ScPolicyError, integrity_first, missing_extra
from sc_policy.cli.base import policies_option, warn
from sc_policy.cli.diagnostics import words
from sc_policy.resources import own_version


def _check_port_free(host: str, port: int) -> None:
    """Fail with one line, before any worker starts, when the address cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise ScPolicyError(f"--host/--port: cannot listen on {host}:{port}: {exc.strerror or exc}",
                            code="bad-input") from None


LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
"""``--log-level``'s choices: uvicorn's, and the standard library's levels."""


def _log_config(uvicorn_config: dict) -> dict:
    """uvicorn's logging configuration with each line starting with its local time and UTC offset
    (``2026-11-27T09:15:02-0500``): an operator reading the log of a long-running service, or of
    several workers, needs to know when each request and each start or stop happened."""
    config = copy.deepcopy(uvicorn_config)
    for formatter in config["formatters"].values():
        formatter["fmt"] = "%(asctime)s " + formatter["fmt"]
        formatter["datefmt"] = "%Y-%m-%dT%H:%M:%S%z"
    return config


def _refused_for(workspace: Workspace, findings) -> str:
    """What an operator needs after a refused start: which versions have the errors (a draft the service
    would not even answer for today stops it too), in which tree, and the two ways out."""
    status = {(row.get("policy"), row.get("id")): row.get("status") for row in workspace.versions()}
    at_fault = sorted({f"{ref.id} ({status.get((ref.policy, ref.id)) or 'unreadable'})" for ref in workspace.refs()
                       for f in findings if f.span.path == ref.rel or f.span.path.startswith(ref.rel + "/")})
    where = f"in {', '.join(at_fault)} " if at_fault else ""
    return (f"the errors are {where}of the tree {workspace.root}; the service starts only when every version of "
            f"its tree passes `sc-policy check`, drafts too: fix them, or serve a tree without the versions at fault")


def _hangup_ignored(signum, frame) -> None:
    """SIGHUP with one worker: by default it ended the process at once, cutting the requests in flight, and
    systemd counts that a clean stop, so `systemctl reload` (kill -HUP) stopped the service for good."""
    logging.getLogger("uvicorn.error").warning(
        "sc-policy: SIGHUP ignored: the service loads no new policy tree while it runs; restart it (SIGTERM, "
        "then start) to serve a changed tree")


def _zone_file(name: str) -> bool:
    """Whether a time zone name (``America/Toronto``) has its file where the C library looks for it."""
    return any(os.path.isfile(os.path.join(folder, name)) for folder in _zone_folders())


def _zone_folders():
    return [os.environ["TZDIR"]] if os.environ.get("TZDIR") else list(zoneinfo.TZPATH)


def _in_force_today(service) -> str:
    """The second start line: sc-policy's version, the day the service takes for today (the local time zone,
    from TZ) and the version that answers a question naming none, so that a wrong TZ shows in the log at
    start rather than in an answer the evening before a version comes into force."""
    from sc_policy.http.problems import Problem
    today = dt.date.today()
    try:
        answer = f"{service.choose(None, None, 'version', today).version.id} answers a question that names no " \
                 f"version or date"
    except Problem:
        answer = "no version is in force: a question that names no version or date is refused (/healthz is 503)"
    return f"sc-policy: version {own_version()}; today is {today.isoformat()} ({time.strftime('%Z, UTC%z')}): {answer}"


_PREFIX = re.compile(r"(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*")
"""A path prefix: segments of a URL path's characters, each after a '/', none empty, no '/' at the end."""


def _root_path(ctx, param, value: str) -> str:
    if not _PREFIX.fullmatch(value):
        raise click.BadParameter(f"{value!r} is no path prefix: write it as /NAME or /NAME/NAME, without a "
                                 f"'/' at the end (or '' for none)")
    return value


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (one per core for throughput).")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log every request.")
@click.option("--log-level", type=click.Choice(LOG_LEVELS), default="info", show_default=True,
              help="The least severe of uvicorn's lines logged: 'warning' keeps warnings and errors (a 500's "
                   "traceback) and drops the start and stop lines and the access log, which is 'info'.")
@click.option("--timeout-request", type=click.IntRange(1, 3600), default=10, show_default=True, metavar="SECONDS",
              help="Close a connection whose request (headers and body) has not arrived this long after the "
                   "connection opened or the request began.")
@click.option("--timeout-keep-alive", type=click.IntRange(1, 3600), default=5, show_default=True,
              metavar="SECONDS", help="Close a kept-alive connection idle this long after a response.")
@click.option("--root-path", default="", metavar="PREFIX", callback=_root_path,
              help="The path a reverse proxy serves the service under, e.g. /second-career, when the proxy "
                   "strips it from the requests it passes on: the pages' links and forms start with it.")
@policies_option
def serve(host, port, workers, access_log, log_level, timeout_request, timeout_keep_alive, root_path, policies):
    """Serve decisions over HTTP: the JSON API (/v1/..., /openapi.json) and the caseworkers' page (/).

    Loads, checks and compiles every version once at start and refuses to start,
    printing the check's findings, when the policy tree has errors. Read-only:
    the service writes nothing. A client that is idle or slow to send its request
    is disconnected (see the timeouts); a request head over 64 KiB is refused.
    """
    try:
        import uvicorn
        from sc_policy.http.limits import MAX_HEAD_BYTES, BoundedHttpToolsProtocol
        from sc_policy.http.app import create_app
    except ImportError as exc:
        raise missing_extra(f"the service needs FastAPI, Jinja2, uvicorn and httptools ({exc.name} is missing)",
                            "serve") from None
    workspace = Workspace(policies, cache=False, notify=warn)  # read-only: no cache folder read or written
    try:
        app = create_app(workspace)
    except PolicyInvalidError as exc:
        for finding in integrity_first(exc.findings):
            click.echo(finding.render(words), err=True)
        raise PolicyInvalidError(f"{exc.message}; {_refused_for(workspace, exc.findings)}",
                                 findings=exc.findings) from None
    _check_port_free(host, port)
    versions = ", ".join(sorted(app.state.service.opened))
    address = f"[{host}]" if ":" in host else host     # an IPv6 address is bracketed in a URL
    click.echo(f"sc-policy: serving {versions} from {workspace.root} at http://{address}:{port}/ "
               f"(Ctrl-C to stop)", err=True)
    click.echo(_in_force_today(app.state.service), err=True)
    zone = os.environ.get("TZ", "").lstrip(":")
    if "/" in zone and not os.path.isabs(zone) and not _zone_file(zone):
        warn(f"TZ={zone} names no time zone of this system (no such file under {', '.join(_zone_folders())}): the "
             f"C library takes it for UTC, and the service the day in UTC; install the system's tzdata or correct TZ")
    from uvicorn.config import LOGGING_CONFIG
    settings = dict(host=host, port=port, access_log=access_log, log_level=log_level, ws="none",
                    log_config=_log_config(LOGGING_CONFIG),
                    http=functools.partial(BoundedHttpToolsProtocol, request_timeout=timeout_request,
                                           max_head_bytes=MAX_HEAD_BYTES),
                    timeout_keep_alive=timeout_keep_alive, root_path=root_path)
    if workers == 1:
        hangup = getattr(signal, "SIGHUP", None)  # uvicorn handles SIGINT and SIGTERM; --workers' supervisor SIGHUP
        before = signal.signal(hangup, _hangup_ignored) if hangup else None
        try:
            uvicorn.run(app, **settings)
        finally:
            if hangup:
                signal.signal(hangup, before)
        return
    # Worker processes build their own app from the same tree, named through the environment, and
    # serve it only while it is what was checked here (a worker replaced later reads the tree again).
    from sc_policy.http import workers as worker_processes
    os.environ[worker_processes.TREE] = str(workspace.root)
    os.environ[worker_processes.SERVED] = worker_processes.fingerprint(app.state.service)
    if worker_processes.run(workers, settings):
        raise ScPolicyError("a worker process could not start (the log above says why): the service stopped")
