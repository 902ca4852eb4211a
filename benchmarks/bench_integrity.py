"""Benchmark: what verifying a frozen version's cache entry costs a warm `sc-policy explain`.

Not a test. Run it from a checkout with the package installed, naming a checkout of
sc-policy from before the check (the baseline) to compare with:

    git archive <baseline-commit> | (mkdir -p /tmp/sc-baseline && tar -x -C /tmp/sc-baseline)
    python benchmarks/bench_integrity.py --baseline /tmp/sc-baseline [--runs 15]

It times, in the same run:

* warm explain: ``sc-policy explain 2174`` as a new process, from a warm cache,
  for this checkout and for the baseline, alternating (A B A B ...), each with its
  own cache folder warmed first; the median of ``--runs`` runs of each (wall
  time), and their ratio;
* in process: opening the shipped version from a warm cache (a new workspace
  each time) and, alone, the check that the entry is what the version was frozen
  with (its manifest, content hash and decisions hash), median of 50 each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
COMMAND = ["explain", "2174"]


def _runner(checkout: Path, cache: Path):
    env = dict(os.environ, PYTHONPATH=str(checkout), SC_POLICY_CACHE_DIR=str(cache))
    env.pop("SC_POLICY_PATH", None)
    env.pop("SC_POLICY_NO_CACHE", None)
    argv = [sys.executable, "-c", "import sys; from sc_policy.cli import main; main(sys.argv[1:])", *COMMAND]

    def run() -> float:
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=str(cache.parent), capture_output=True, text=True, timeout=300)
        elapsed = time.perf_counter() - start
        if done.returncode != 0 or done.stderr:
            raise SystemExit(f"{checkout}: exit {done.returncode}: {done.stderr.strip()}")
        return elapsed
    return run


def warm_explain(baseline: Path, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        this = _runner(HERE, Path(tmp) / "this")
        base = _runner(baseline, Path(tmp) / "baseline")
        this(), base()  # warm both caches
        times = {"this": [], "baseline": []}
        for _ in range(runs):
            times["baseline"].append(base())
            times["this"].append(this())
    b, t = statistics.median(times["baseline"]), statistics.median(times["this"])
    print(f"warm `sc-policy {' '.join(COMMAND)}`, median of {runs} alternating runs:")
    print(f"  baseline ({baseline}): {b * 1000:7.1f} ms")
    print(f"  this checkout:{' ' * max(0, len(str(baseline)) - 2)} {t * 1000:7.1f} ms")
    print(f"  ratio this / baseline: {t / b:.3f}")


def in_process(repeat: int = 50) -> None:
    sys.path.insert(0, str(HERE))
    from sc_policy.app.trust import untrusted
    from sc_policy.app.workspace import Workspace
    from sc_policy.app.cache import TableCache
    with tempfile.TemporaryDirectory() as tmp:
        cache = TableCache(tmp)
        Workspace(cache=cache).explain("2174")  # warm: the table is built, and stored, on the first decision
        opens, checks = [], []
        for _ in range(repeat):
            ws = Workspace(cache=cache)
            start = time.perf_counter()
            opened = ws.open()
            opens.append(time.perf_counter() - start)
            ref = ws.select()
            entry = cache.load(cache.key(ws.root, ref.policy, ref.folder, ref.rel), ref.rel)
            start = time.perf_counter()
            problem = untrusted(entry, ws._manifest(ref)[0])
            checks.append(time.perf_counter() - start)
            assert problem is None and opened.evaluator._compiled is None
    o, c = statistics.median(opens), statistics.median(checks)
    print(f"in process, median of {repeat}: open from a warm cache {o * 1000:.1f} ms, of which the "
          f"integrity check {c * 1000:.2f} ms ({c / o:.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", type=Path, required=True,
                        help="a checkout of sc-policy to compare with (its sc_policy/ and policies/)")
    parser.add_argument("--runs", type=int, default=15, help="runs of each, alternating (default 15)")
    args = parser.parse_args()
    if not (args.baseline / "sc_policy" / "cli").is_dir():
        parser.error(f"{args.baseline} is not a checkout of sc-policy")
    warm_explain(args.baseline.resolve(), args.runs)
    in_process()


if __name__ == "__main__":
    main()
