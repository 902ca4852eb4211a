"""Benchmark (not a test): `sc-policy serve` on loopback under concurrent clients, against `sc-policy explain`.

Starts the server (``--workers`` processes) on a free loopback port, then drives
GET /v1/decisions from ``--concurrency`` keep-alive connections for
``--duration`` seconds and reports requests per second, p50/p99 latency and the
error count (any status but 200, or a broken connection). Then it times
``--explain-calls`` subprocess calls of ``sc-policy explain --format json`` and
reports the time the same number of decisions would take that way
(extrapolated from the sample: running them all would take hours).

Inputs: ``--inputs random`` (default) draws each request's NOC 2016 unit group
and NAICS Canada 2017 code (or none) uniformly from the whole input space, so
the server's answer cache (4,096 entries) rarely helps; ``--inputs repeat``
cycles through the 500 unit groups with a few industries (3,500 inputs), the
cache-friendly case.

    python benchmarks/bench_serve.py                     # 10 s, 32 connections, 2 workers
    python benchmarks/bench_serve.py --inputs repeat --workers 1

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
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from typing import List, Optional, Tuple

from sc_policy.reference.statcan import reference_data

SERVE = [sys.executable, "-c", "from sc_policy.cli import main; main()"]
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


def path_for(noc: str, industry: Optional[str]) -> str:
    return f"/v1/decisions?noc={noc}" + (f"&industry={industry}" if industry else "")


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of load (default 10)")
    ap.add_argument("--concurrency", type=int, default=32, help="concurrent keep-alive connections (default 32)")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    ap.add_argument("--inputs", choices=("random", "repeat"), default="random")
    ap.add_argument("--explain-calls", type=int, default=20, help="subprocess calls to time (default 20)")
    args = ap.parse_args()

    port = free_port()
    proc = subprocess.Popen(SERVE + ["serve", "--port", str(port), "--workers", str(args.workers),
                                     "--no-access-log"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_healthy(port, proc)
        items = inputs(args.inputs)
        paths = [path_for(n, i) for n, i in items]
        asyncio.run(drive(port, paths[-2000:], args.concurrency, 1.0))  # warm up: imports, first requests
        cpu_before = process_tree_cpu(proc.pid)
        latencies, errors, elapsed = asyncio.run(drive(port, paths, args.concurrency, args.duration))
        cpu_after = process_tree_cpu(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    done = len(latencies)
    ms = sorted(x * 1000 for x in latencies)
    p50 = statistics.median(ms) if ms else float("nan")
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))] if ms else float("nan")
    print(f"machine: {os.cpu_count()} cores; server: {args.workers} worker(s); {args.concurrency} connections; "
          f"inputs: {args.inputs}")
    print(f"service: {done} decisions in {elapsed:.1f} s = {done / elapsed:.0f} decisions/s; "
          f"p50 {p50:.2f} ms, p99 {p99:.2f} ms; errors {len(errors)}")
    if cpu_before is not None and cpu_after is not None and done:
        per = (cpu_after - cpu_before) / done
        print(f"server CPU: {per * 1000:.2f} ms per decision (all workers), so {os.cpu_count()} idle cores "
              f"could serve about {os.cpu_count() / per:.0f} decisions/s if the clients ran elsewhere")
    try:
        print(f"load average during the run: {os.getloadavg()[0]:.1f}")
    except OSError:
        pass
    for e in errors[:5]:
        print(f"  error: {e}")
    per_call = explain_sample(items[:args.explain_calls])
    print(f"sc-policy explain: {per_call * 1000:.0f} ms per call (mean of {args.explain_calls} subprocess calls); "
          f"{done} decisions that way would take {done * per_call / 60:.1f} min "
          f"(= {1 / per_call:.1f} decisions/s), {done * per_call / elapsed:.0f} times the service's time")


if __name__ == "__main__":
    main()
