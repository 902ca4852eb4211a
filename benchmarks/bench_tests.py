"""Benchmark the test suite: the README's command (`python -m pytest -q tests`, in parallel as
tests/conftest.py sets it) against the same run in one process (`-n 0`), alternating, in the same session.

    python benchmarks/bench_tests.py                # 2 pairs
    python benchmarks/bench_tests.py --pairs 3 --run-slow

Not a test. Each run is a fresh `python -m pytest -q -p no:cacheprovider tests` from the checkout
(the cache provider off, so that no run reorders the next). The two kinds of run alternate
(A B A B), the first of each pair alternating too, so that the machine's drift touches them alike.
Reported: wall time (what a developer waits for; the target of issue 14 is at most 120 s on the
2-core machine) and CPU time of the run and its children (user + system), min and median of each,
and the median of the paired wall-time ratios (parallel / one process). A run whose summary is not
all passed and skipped, or whose counts differ between the two kinds, stops the benchmark.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def run(parallel: bool, slow: bool) -> tuple:
    """(wall seconds, CPU seconds, summary line) of one run of the suite."""
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    argv += [] if parallel else ["-n", "0"]
    argv += ["--run-slow"] if slow else []
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    out = subprocess.run(argv, cwd=HERE, env=env, capture_output=True, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = out.stdout.strip().splitlines()
    summary = lines[-1] if lines else ""
    if out.returncode or " passed" not in summary or re.search(r"\b(failed|errors?)\b", summary):
        raise SystemExit(f"{' '.join(argv[1:])}: exit {out.returncode}: {summary or out.stderr.strip()[-300:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, summary


def _row(name: str, values) -> str:
    return f"  {name:28} min {min(values):7.1f} s  median {statistics.median(values):7.1f} s"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=2, help="pairs of runs (each run takes minutes)")
    parser.add_argument("--run-slow", action="store_true", help="also the tests marked slow, as CI runs them")
    args = parser.parse_args(argv)
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    runs = {True: [], False: []}
    for i in range(args.pairs):
        for parallel in ((True, False) if i % 2 == 0 else (False, True)):
            wall, cpu, summary = run(parallel, args.run_slow)
            runs[parallel].append((wall, cpu, summary))
            print(f"{'parallel' if parallel else 'one process'}: {wall:.1f} s wall, {cpu:.1f} s CPU: {summary}",
                  flush=True)
    counts = {re.sub(r" in .*", "", s) for kind in runs.values() for _, _, s in kind}
    if len(counts) > 1:
        raise SystemExit(f"the runs did not run the same tests: {sorted(counts)}")
    print(f"\n`python -m pytest -q tests{' --run-slow' if args.run_slow else ''}`, {args.pairs} pair(s), alternating")
    for parallel, name in ((True, "parallel (default)"), (False, "one process (-n 0)")):
        print(_row(f"{name}, wall", [w for w, _, _ in runs[parallel]]))
        print(_row(f"{name}, CPU", [c for _, c, _ in runs[parallel]]))
    ratios = [p[0] / s[0] for p, s in zip(runs[True], runs[False])]
    print(f"  wall ratio parallel / one process: median of pairs {statistics.median(ratios):.2f}")
    if not args.run_slow:
        met = statistics.median(w for w, _, _ in runs[True]) <= 120
        print(f"{'met' if met else 'NOT met'}  parallel run <= 120 s wall (issue 14, on the 2-core machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
