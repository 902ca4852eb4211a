"""Benchmark `sc-policy evaluate` on caseloads of distinct bad codes against caseloads of valid ones.

    python benchmarks/bench_bad_codes.py                # 200,000 rows each (about two minutes)
    python benchmarks/bench_bad_codes.py --rows 50000

Every row of a *bad* caseload holds a code that is refused with a hint naming the nearest
real codes, and no two rows hold the same code, so that no memory of earlier rows helps:

* NOC 2016 and NAICS: each of the 9,500 four-digit codes that are not NOC 2016 unit groups
  once (no industry), then distinct six-digit codes in neither NAICS Canada 2017 nor 2022
  (with a valid NOC code), shuffled;
* NOC 2021 (``--noc-version 2021``): distinct five-digit codes that are not NOC 2021 unit
  groups (at most the 99,484 there are).

Each is run against a *valid* caseload of as many rows (every code a real one, as many
distinct as there are), alternating valid and bad runs (A B A B), each command in its own
process. Target: bad at most 3x valid, in CPU time (user + system, from getrusage, which
other work on the machine disturbs less than wall time). Nothing here is a test.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write(path: Path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case_id", "noc", "industry"])
        for i, (noc, industry) in enumerate(rows):
            w.writerow([f"C{i:08d}", noc, industry])


def caseloads(work: Path, rows: int, seed: int = 13) -> dict:
    """{name: (valid file, bad file, extra arguments, bad rows)}."""
    from sc_policy.reference.statcan import reference_data
    rd = reference_data()
    rnd = random.Random(seed)
    nocs, naics = sorted(rd.noc2016), list(rd.naics2017_codes)
    known_naics = set(naics) | set(rd.naics2022)

    bad_nocs = [f"{i:04d}" for i in range(10_000) if f"{i:04d}" not in rd.noc2016][:rows]
    bad_naics: set = set()
    while len(bad_naics) < rows - len(bad_nocs):
        code = str(rnd.randrange(100_000, 1_000_000))
        if code not in known_naics:
            bad_naics.add(code)
    bad = [(c, "") for c in bad_nocs] + [(rnd.choice(nocs), c) for c in sorted(bad_naics)]
    rnd.shuffle(bad)
    valid = [(rnd.choice(nocs), rnd.choice(naics) if rnd.random() > 0.3 else "") for _ in range(rows)]
    out = {"NOC 2016 and NAICS": (work / "valid.csv", work / "bad.csv", [], len(bad))}
    write(work / "valid.csv", valid)
    write(work / "bad.csv", bad)

    codes2021 = sorted(rd.concordance)
    bad2021 = [f"{i:05d}" for i in range(100_000) if f"{i:05d}" not in rd.concordance]
    rnd.shuffle(bad2021)
    bad2021 = bad2021[:rows]
    write(work / "valid-2021.csv", [(rnd.choice(codes2021), "") for _ in bad2021])
    write(work / "bad-2021.csv", [(c, "") for c in bad2021])
    out["NOC 2021 (--noc-version 2021)"] = (work / "valid-2021.csv", work / "bad-2021.csv",
                                            ["--noc-version", "2021"], len(bad2021))
    return out


def main() -> None:
    from bench_evaluate import measure, sc_policy
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=200_000, help="rows of each caseload (default 200,000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement (median)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sc-policy-bench-"))
    env = dict(os.environ, SC_POLICY_CACHE_DIR=str(work / "cache"))
    env.pop("SC_POLICY_NO_CACHE", None)
    cli = sc_policy()
    results = {}
    try:
        loads = caseloads(work, args.rows)
        subprocess.run(cli + ["explain", "2174"], env=env, stdout=subprocess.DEVNULL, check=True)  # warm the cache
        for name, (valid, bad, extra, n) in loads.items():
            runs = {"valid": [], "bad": []}
            for _ in range(args.repeat):  # A B A B
                for kind, path in (("valid", valid), ("bad", bad)):
                    runs[kind].append(measure(cli + ["evaluate", str(path), "--output", str(work / "out.csv"),
                                                     *extra], env))
            results[name] = (n, {k: tuple(statistics.median(r[i] for r in v) for i in range(3))
                                 for k, v in runs.items()})
    finally:
        shutil.rmtree(work, ignore_errors=True)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"sc-policy bad-code benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {load:.2f}; wall time (CPU time), medians of {args.repeat}, valid and bad alternating")
    print(f"{'caseload':<44} {'valid rows':>22} {'distinct bad codes':>22} {'bad / valid':>16} {'target':>7} "
          f"{'met':>4}")
    for name, (n, m) in results.items():
        v, b = m["valid"], m["bad"]
        cpu = b[1] / v[1]
        print(f"{name + f' ({n:,} rows)':<44} {f'{v[0]:.2f} s ({v[1]:.2f} cpu)':>22} "
              f"{f'{b[0]:.2f} s ({b[1]:.2f} cpu)':>22} {f'{b[0] / v[0]:.2f}x ({cpu:.2f} cpu)':>16} {'<=3x':>7} "
              f"{'yes' if cpu <= 3 else 'NO':>4}")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    main()
