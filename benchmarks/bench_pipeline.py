"""Benchmark the pipeline of issue 14: warm `sc-policy explain`, in-process answers, a cold open.

Not a test. Run it from a checkout with the package installed:

    python benchmarks/bench_pipeline.py [--repeat 7] [--answers 100000] [--clauses 250,1000]

Every figure is CPU time (user + system, from getrusage of the child process, or
``time.process_time`` in process), min and median of ``--repeat`` runs, each measured beside
its baseline in the same run, alternating (A B A B ...), so that the machine's load touches
them alike:

* warm explain: ``sc-policy explain 2174`` with a warm cache (a temporary folder, filled by
  one run first) against ``python -c "import click, yaml"``. Target: at most 1.5x. The warm
  run is also checked to import neither cerberus nor rule_engine.
* in-process answers: ``Workspace().explain(noc, industry)`` over ``--answers`` random
  (NOC 2016 unit group, NAICS 2017 code or none) inputs, after one answer has opened the
  version from a warm cache. Target: at most 20 us per answer.
* cold open: ``Workspace(cache=False).open()`` of the shipped version and its first answer
  (which builds the decision table), in a fresh process, the imports excluded, against
  the same process's ``import click, yaml``. Target: at most 1.0 s CPU.
* scale: a cold open and first answer of generated versions of ``--clauses`` clauses (the
  generators of bench_scale.py), per clause. Target: the time per clause does not grow.

Python writes bytecode for sc_policy on the first run (PYTHONDONTWRITEBYTECODE is unset for
the children), as an installed package has it; the first run of each command is not counted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

MEASURE = r"""
import resource, subprocess, sys
before = resource.getrusage(resource.RUSAGE_CHILDREN)
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
after = resource.getrusage(resource.RUSAGE_CHILDREN)
print(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, code)
"""

MODULES = r"""
import sys
from sc_policy.cli import main
try:
    main(["explain", "2174"])
except SystemExit as exc:
    assert not exc.code, exc.code
print(sorted(m for m in sys.modules if m.split(".")[0] in ("cerberus", "rule_engine")), file=sys.stderr)
"""

COLD = r"""
import sys, time
t = time.process_time()
import click, yaml
base = time.process_time() - t
from sc_policy.app.workspace import Workspace
from sc_policy.engine.table import build_table
t = time.process_time()
ws = Workspace(sys.argv[1] if len(sys.argv) > 1 else None, cache=False)
opened = ws.open(sys.argv[2] if len(sys.argv) > 2 else None)
opened.evaluator.answer("2174", "541514")
print(time.process_time() - t, base)
"""

ANSWERS = r"""
import random, sys, time
from sc_policy import Workspace
from sc_policy.reference.statcan import reference_data
n = int(sys.argv[1])
refdata = reference_data()
nocs, codes = sorted(refdata.noc2016), list(refdata.naics2017_codes)
rng = random.Random(int(sys.argv[2]))
inputs = [(rng.choice(nocs), rng.choice(codes) if rng.random() < 0.7 else None) for _ in range(n)]
ws = Workspace()
ws.explain("2174")
t = time.process_time()
for noc, industry in inputs:
    ws.explain(noc, industry)
print((time.process_time() - t) / n)
"""


def _env(cache: str) -> dict:
    env = dict(os.environ, SC_POLICY_CACHE_DIR=cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("SC_POLICY_NO_CACHE", None)
    env.pop("SC_POLICY_PATH", None)
    return env


def _cpu(argv, env) -> float:
    out = subprocess.run([sys.executable, "-c", MEASURE, *argv], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    if out[1] != "0":
        raise SystemExit(f"{' '.join(argv)} exited {out[1]}")
    return float(out[0])


def _python(script, args, env) -> list:
    out = subprocess.run([sys.executable, "-c", script, *map(str, args)], env=env, capture_output=True,
                         text=True)
    if out.returncode:
        raise SystemExit(out.stderr.strip().splitlines()[-1])
    return [float(x) for x in out.stdout.split()]


def _row(name, values, unit="s", scale=1.0):
    return f"{name:44} min {min(values) * scale:9.4f} {unit}  median {statistics.median(values) * scale:9.4f} {unit}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--clauses", default="250,1000", help="clause counts for the scale runs ('' for none)")
    args = parser.parse_args(argv)
    if args.repeat < 5:
        parser.error("--repeat must be at least 5 (min and median of at least 5 runs)")
    exe = Path(sys.executable).with_name("sc-policy")
    explain = [str(exe), "explain", "2174"] if exe.exists() else [sys.executable, "-m", "sc_policy", "explain", "2174"]
    base = [sys.executable, "-c", "import click, yaml"]
    verdicts = []
    with tempfile.TemporaryDirectory() as cache:
        env = _env(cache)
        _cpu(explain, env)  # fills the cache (and writes bytecode)
        _cpu(base, env)
        imported = subprocess.run([sys.executable, "-c", MODULES], env=env, capture_output=True, text=True)
        warm_modules = imported.stderr.strip().splitlines()[-1]
        runs = {"baseline": [], "warm": []}
        for _ in range(args.repeat):  # A B A B
            runs["baseline"].append(_cpu(base, env))
            runs["warm"].append(_cpu(explain, env))
        ratio = [w / b for w, b in zip(runs["warm"], runs["baseline"])]
        print("warm `sc-policy explain 2174` against `python -c \"import click, yaml\"` (CPU, one process each)")
        print(_row("  python -c 'import click, yaml'", runs["baseline"]))
        print(_row("  sc-policy explain 2174 (warm cache)", runs["warm"]))
        print(f"  ratio: min {min(runs['warm']) / min(runs['baseline']):.2f}x, median of paired ratios "
              f"{statistics.median(ratio):.2f}x (target <= 1.5x); rule-engine/cerberus imported: {warm_modules}")
        verdicts.append(("warm explain <= 1.5x", statistics.median(ratio) <= 1.5 and warm_modules == "[]"))

        per = [_python(ANSWERS, (args.answers, seed), env)[0] for seed in range(args.repeat)]
        print(f"\nin-process Workspace().explain over {args.answers:,} random (noc, industry) inputs, warm")
        print(_row("  per answer", per, "us", 1e6) + "  (target <= 20 us)")
        verdicts.append(("in-process <= 20 us", statistics.median(per) <= 20e-6))

    env = _env(os.devnull)
    cold = [_python(COLD, (), env) for _ in range(args.repeat)]
    print("\ncold open of the shipped version, no cache, with its first answer (in a fresh process, imports "
          "excluded; beside it that process's `import click, yaml`)")
    print(_row("  open + first answer", [c for c, _ in cold]) + "  (target <= 1.0 s)")
    print(_row("  import click, yaml", [b for _, b in cold]))
    verdicts.append(("cold open <= 1.0 s", statistics.median(c for c, _ in cold) <= 1.0))

    sizes = [int(s) for s in args.clauses.split(",") if s.strip()]
    if sizes:
        sys.path.insert(0, str(HERE))
        from bench_scale import VERSION, generate_tree
        with tempfile.TemporaryDirectory() as tmp:
            roots = {n: generate_tree(Path(tmp), n) for n in sizes}
            times = {n: [] for n in sizes}
            for _ in range(max(2, args.repeat // 3)):
                for n in sizes:  # the sizes alternate
                    times[n].append(_python(COLD, (roots[n], VERSION), env)[0])
            print("\ncold open + first answer of generated versions (CPU, fresh process each, imports excluded)")
            for n in sizes:
                print(_row(f"  {n} clauses", times[n]) + f"   {1000 * statistics.median(times[n]) / n:.2f} ms/clause")
            per_clause = [statistics.median(times[n]) / n for n in sizes]
            verdicts.append(("linear in clauses", per_clause[-1] <= 1.25 * per_clause[0]))

    print("\n" + "\n".join(f"{'met' if ok else 'NOT met':8} {name}" for name, ok in verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
