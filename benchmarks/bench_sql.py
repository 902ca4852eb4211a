"""Benchmark `sc-policy sql` (writing the script) of this tree against another tree of the code, paired.

    mkdir /tmp/sqlbase && git archive BASE-REV | tar -x -C /tmp/sqlbase   # the baseline's code
    python benchmarks/bench_sql.py --base /tmp/sqlbase           # 7 pairs per dialect
    python benchmarks/bench_sql.py --base /tmp/sqlbase --runs 5 --dialect sqlite --dialect duckdb

Each run is `sc-policy sql --dialect D` in its own process, its output thrown away once it is
checked to be byte for byte the baseline's; the two trees' runs alternate (A B A B, the first of
each pair alternating too), the code chosen by PYTHONPATH. Reported: CPU time (user + system,
getrusage of the child, which other work on the machine disturbs less than wall time), min and
median of each tree, and the median of the paired ratios (this tree / base). Nothing here is a test.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def run(tree: Path, dialect: str, extra) -> tuple:
    """(CPU seconds, sha256 of the script) of one `sc-policy sql` in a process of its own on ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # (compiled once, as an installed package is)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # -P: the tree named by PYTHONPATH, not the current directory (a checkout), provides sc_policy
    result = subprocess.run([sys.executable, "-P", "-m", "sc_policy", "sql", "--dialect", dialect, *extra],
                            capture_output=True, env=env, timeout=600, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, hashlib.sha256(result.stdout).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, required=True, help="the baseline tree (holds sc_policy/)")
    parser.add_argument("--runs", type=int, default=7, help="pairs per dialect")
    parser.add_argument("--dialect", action="append", help="duckdb, sqlite, postgres or spark (repeatable)")
    parser.add_argument("args", nargs="*", help="more arguments of `sc-policy sql` (after --)")
    options = parser.parse_args()
    trees = {"this": HERE, "base": options.base.resolve()}
    print(f"this tree {trees['this']}, base {trees['base']}, {options.runs} pairs, arguments {options.args}")
    print(f"{'dialect':<9} {'this min':>8} {'this med':>8} {'base min':>8} {'base med':>8} {'ratio med':>9}")
    for dialect in options.dialect or ["duckdb", "sqlite"]:
        run(trees["this"], dialect, options.args)  # (warm: bytecode, the table cache)
        run(trees["base"], dialect, options.args)
        cpu = {"this": [], "base": []}
        for i in range(options.runs):
            digests = set()
            for name in (("this", "base") if i % 2 == 0 else ("base", "this")):
                seconds, digest = run(trees[name], dialect, options.args)
                cpu[name].append(seconds)
                digests.add(digest)
            if len(digests) != 1:
                sys.exit(f"{dialect}: the two trees wrote different scripts")
        ratios = [a / b for a, b in zip(cpu["this"], cpu["base"])]
        print(f"{dialect:<9} {min(cpu['this']):8.3f} {statistics.median(cpu['this']):8.3f} "
              f"{min(cpu['base']):8.3f} {statistics.median(cpu['base']):8.3f} {statistics.median(ratios):9.2f}")


if __name__ == "__main__":
    main()
