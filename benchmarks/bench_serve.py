"""Benchmark (not a test): `sc-policy serve` on loopback under concurrent clients, against `sc-policy explain`.

Starts the server (``--workers`` processes) on a free loopback port, then drives
GET /v1/decisions from ``--concurrency`` keep-alive connections for
``--duration`` seconds and reports decisions per second, p50/p99 latency and the
error count (any status but 200, or a broken connection), for each ``--view``
(``full``, the default JSON; ``brief``, ``view=brief``). The load comes from wrk
(Debian's ``wrk``, C, with a Lua script cycling through the inputs) when it is
installed, else from an asyncio keep-alive client in this process (``--client``).

``--baseline DIR`` also serves the code of another checkout (e.g. ``git worktree add
/tmp/base main``) and measures its full view in the same run, alternating the runs
(base, full, brief, base, full, brief...) for ``--rounds`` rounds, and reports the
ratios: the machine's other load then weighs on both alike.

Then it times ``--explain-calls`` subprocess calls of ``sc-policy explain --format json`` and
reports the time the same number of decisions would take that way
(extrapolated from the sample: running them all would take hours).

Inputs: ``--inputs random`` (default) draws each request's NOC 2016 unit group
and NAICS Canada 2017 code (or none) uniformly from the whole input space, so
the server's answer cache (4,096 entries) rarely helps; ``--inputs repeat``
cycles through the 500 unit groups with a few industries (3,500 inputs), the
cache-friendly case.

    python benchmarks/bench_serve.py                     # 20 s, 20 connections, 2 workers, both views
    python benchmarks/bench_serve.py --inputs repeat --workers 1
    python benchmarks/bench_serve.py --baseline /tmp/base --rounds 2 --explain-calls 0

The load generator shares the machine's cores with the server; its client is a
minimal HTTP/1.1 keep-alive loop over asyncio streams so that it costs little.
The server's own CPU time per decision (read from /proc, Linux only) is also
reported: unlike requests per second, it hardly depends on what else runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import List, Optional, Tuple

from sc_policy.reference.statcan import reference_data

SERVE = [sys.executable, "-c", "from sc_policy.cli import main; main()"]
CHECK = [sys.executable, "-c", "import sc_policy, sys; sys.stdout.write(sc_policy.__file__)"]
REPEAT_INDUSTRIES = (None, "541514", "334511", "325410", "3254", "5112", "311")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def inputs(kind: str, seed: int = 9) -> List[Tuple[str, Optional[str]]]:
    refdata = reference_data()
    nocs = sorted(refdata.noc2016)
    if kind == "repeat":
        return [(n, i) for i in REPEAT_INDUSTRIES for n in nocs]
    naics = [None] + list(refdata.naics2017_codes)
    rng = random.Random(seed)
    return [(rng.choice(nocs), rng.choice(naics)) for _ in range(200_000)]


def path_for(noc: str, industry: Optional[str], view: str = "full") -> str:
    return f"/v1/decisions?noc={noc}" + (f"&industry={industry}" if industry else "") + \
        ("&view=brief" if view == "brief" else "")


WRK_SCRIPT = """
local paths, i = {}, 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths)
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %f %f\\n", summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def drive_wrk(port: int, paths: List[str], concurrency: int, duration: float, folder: str):
    """(decisions, errors, elapsed seconds, p50 ms, p99 ms) of a wrk run (2 threads)."""
    listing = os.path.join(folder, "paths.txt")
    script = os.path.join(folder, "paths.lua")
    with open(listing, "w") as f:
        f.write("\n".join(paths) + "\n")
    with open(script, "w") as f:
        f.write(WRK_SCRIPT)
    done = subprocess.run(["wrk", "-t2", f"-c{concurrency}", f"-d{duration:.0f}s", "-s", script,
                           f"http://127.0.0.1:{port}", "--", listing], capture_output=True, text=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {done.stdout} {done.stderr}")
    n, micros, *rest = line.split()[1:]
    connect, read, write, status, timeout = map(int, rest[:5])
    p50, p99 = float(rest[5]) / 1000, float(rest[6]) / 1000
    errors = [f"wrk: connect {connect}, read {read}, write {write}, status {status}, timeout {timeout}"] \
        if connect + read + write + status + timeout else []
    return int(n), errors, int(micros) / 1e6, p50, p99


async def client(port: int, paths: List[str], start: int, stride: int, stop_at: float,
                 latencies: List[float], errors: List[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = start
    try:
        while time.perf_counter() < stop_at:
            path = paths[i % len(paths)]
            i += stride
            t0 = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                errors.append(f"{status} {path}")
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        errors.append(f"connection: {exc!r}")
    finally:
        writer.close()


async def drive(port: int, paths: List[str], concurrency: int, duration: float):
    latencies: List[float] = []
    errors: List[str] = []
    t0 = time.perf_counter()
    stop_at = t0 + duration
    await asyncio.gather(*(client(port, paths, k, concurrency, stop_at, latencies, errors)
                           for k in range(concurrency)))
    return latencies, errors, time.perf_counter() - t0


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not become healthy")


def process_tree_cpu(pid: int) -> Optional[float]:
    """CPU seconds (user + system) used so far by a process and its descendants; None off Linux."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, todo = 0.0, [pid]
    try:
        while todo:
            p = todo.pop()
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick   # utime, stime
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
    except (OSError, ValueError, IndexError):
        return None
    return total


def explain_sample(sample: List[Tuple[str, Optional[str]]]) -> float:
    """Seconds per `sc-policy explain --format json` subprocess call, over the sample."""
    t0 = time.perf_counter()
    for noc, industry in sample:
        args = SERVE + ["explain", noc, "--format", "json"] + (["--industry", industry] if industry else [])
        done = subprocess.run(args, capture_output=True)
        if done.returncode not in (0, 2):
            raise SystemExit(f"explain failed: {done.stderr.decode()}")
    return (time.perf_counter() - t0) / len(sample)


def start_server(workers: int, code: Optional[str]) -> Tuple[subprocess.Popen, int]:
    """A server of this checkout's code, or of the checkout at ``code`` (first on the import path)."""
    port = free_port()
    env = dict(os.environ)
    args = SERVE + ["serve", "--port", str(port), "--workers", str(workers), "--no-access-log"]
    if code is not None:
        env["PYTHONPATH"] = os.path.abspath(code)
        found = subprocess.run(CHECK, env=env, cwd=code, capture_output=True, text=True).stdout
        if not found.startswith(os.path.abspath(code)):
            raise SystemExit(f"--baseline {code}: its sc_policy is not the one imported ({found})")
        args += ["--policies", os.path.join(os.path.abspath(code), "policies")]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            cwd=os.path.abspath(code) if code is not None else None)  # (python -c: cwd comes first)
    wait_healthy(port, proc)
    return proc, port


def measure(label: str, code: Optional[str], view: str, args, items, folder: str) -> dict:
    """One run: a fresh server, a warm-up, then the load; the numbers as a dict (and printed)."""
    proc, port = start_server(args.workers, code)
    try:
        paths = [path_for(n, i, view) for n, i in items]
        asyncio.run(drive(port, paths[-2000:], args.concurrency, 1.0))  # warm up: imports, first requests
        cpu_before = process_tree_cpu(proc.pid)
        if args.client == "wrk":
            done, errors, elapsed, p50, p99 = drive_wrk(port, paths, args.concurrency, args.duration, folder)
        else:
            latencies, errors, elapsed = asyncio.run(drive(port, paths, args.concurrency, args.duration))
            done = len(latencies)
            ms = sorted(x * 1000 for x in latencies)
            p50 = statistics.median(ms) if ms else float("nan")
            p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))] if ms else float("nan")
        cpu_after = process_tree_cpu(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    cpu = (cpu_after - cpu_before) / done if cpu_before is not None and cpu_after is not None and done else None
    out = {"label": label, "rate": done / elapsed, "p50": p50, "p99": p99, "errors": len(errors), "cpu": cpu}
    try:
        load = f"; load average {os.getloadavg()[0]:.1f}"
    except OSError:
        load = ""
    cpu_text = f"; server CPU {cpu * 1000:.3f} ms per decision" if cpu is not None else ""
    print(f"{label:>10}: {done} decisions in {elapsed:.1f} s = {done / elapsed:.0f} decisions/s; p50 {p50:.2f} ms, "
          f"p99 {p99:.2f} ms; errors {len(errors)}{cpu_text}{load}", flush=True)
    for e in errors[:5]:
        print(f"  error: {e}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=20.0, help="seconds of load per run (default 20)")
    ap.add_argument("--concurrency", type=int, default=20, help="concurrent keep-alive connections (default 20)")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    ap.add_argument("--inputs", choices=("random", "repeat"), default="random")
    ap.add_argument("--view", choices=("full", "brief", "both"), default="both")
    ap.add_argument("--client", choices=("wrk", "asyncio"), default="wrk" if shutil.which("wrk") else "asyncio",
                    help="the load generator (default: wrk when installed)")
    ap.add_argument("--baseline", metavar="DIR", help="a checkout whose service to measure too (its full view)")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of runs, alternating (default 1)")
    ap.add_argument("--explain-calls", type=int, default=20, help="subprocess calls to time (default 20; 0: none)")
    args = ap.parse_args()

    items = inputs(args.inputs)
    views = ("full", "brief") if args.view == "both" else (args.view,)
    print(f"machine: {os.cpu_count()} cores; server: {args.workers} worker(s); {args.concurrency} connections; "
          f"{args.duration:.0f} s per run; inputs: {args.inputs}; client: {args.client}", flush=True)
    results: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            if args.baseline:
                results.setdefault("baseline", []).append(measure("baseline", args.baseline, "full", args, items,
                                                                  folder))
            for view in views:
                results.setdefault(view, []).append(measure(view, None, view, args, items, folder))
    print("summary (median over rounds):")
    for label, runs in results.items():
        rate = statistics.median(r["rate"] for r in runs)
        p99 = statistics.median(r["p99"] for r in runs)
        cpus = [r["cpu"] for r in runs if r["cpu"] is not None]
        cpu = f", server CPU {statistics.median(cpus) * 1000:.3f} ms per decision" if cpus else ""
        ratio = ""
        if "baseline" in results and label != "baseline":
            base = statistics.median(r["rate"] for r in results["baseline"])
            ratio = f", {rate / base:.2f}x the baseline's decisions/s"
        print(f"  {label}: {rate:.0f} decisions/s, p99 {p99:.1f} ms, errors {sum(r['errors'] for r in runs)}"
              f"{cpu}{ratio}")
    if args.explain_calls > 0:
        done = int(statistics.median(r["rate"] for r in results[views[0]]) * args.duration)
        per_call = explain_sample(items[:args.explain_calls])
        print(f"sc-policy explain: {per_call * 1000:.0f} ms per call (mean of {args.explain_calls} subprocess calls); "
              f"{done} decisions that way would take {done * per_call / 60:.1f} min "
              f"(= {1 / per_call:.1f} decisions/s), {done / args.duration * per_call:.0f} times the service's time")


if __name__ == "__main__":
    main()
