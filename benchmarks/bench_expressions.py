"""Benchmark: what bounding rule-file expressions costs, and how fast `check` refuses hostile ones.

Not a test. Run it from a checkout with the package installed:

    python benchmarks/bench_expressions.py [--repeat 3]

Two measurements, each against a baseline in the same run, alternating A B A B:

* guard: building the shipped version's decision table with every evaluation under its
  time budget (a processor-time timer armed and disarmed around each one, as shipped)
  against the same build with a budget that only calls the expression (no timer, no
  bookkeeping). Median of ``--repeat`` builds each; the ratio is the guard's overhead.
* hostile: `sc-policy check` (a separate process, its processor time) on a copy of the
  shipped tree whose occupation-listed condition is one of the shapes of issues 12 and 13,
  against `check` on the unchanged copy. Each shape must exit 1 with one `expression` error.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sc_policy.app.workspace import Workspace
from sc_policy.engine.budget import ExpressionBudget
from sc_policy.engine.compile import compile_version
from sc_policy.engine.decide import Evaluator
from sc_policy.resources import shipped_policies
from sc_policy.engine.table import build_table

POLICY, VERSION = "second-career-fast-track", "phase-1"
CLAUSE = f"{POLICY}/{VERSION}/clauses/occupation-listed.yaml"

SHAPES = {
    "$random": "noc in area_occupations or $random() > 0.99",
    "$now": 'noc in area_occupations and $now > d"2000-01-01"',
    "$today": "noc in area_occupations and $today.year > 2000",
    "regex over a fact": 'noc in area_occupations and not (noc_title =~ "^([a-zA-Z ,]+)+[0-9]")',
    "regex over a literal": 'noc in area_occupations and not ("' + "a" * 40 + '!" =~ "(a+)+$")',
    "$range(1000000)": "noc in area_occupations and $range(1000000).length > 0",
    "a{4294967296}": 'noc in area_occupations and not (noc_title =~ "a{4294967296}")',
    "not x 20000": "not " * 20000 + "false",
    "or x 20000": " or ".join(["noc in area_occupations"] * 20000),
    "not x 150": "not " * 150 + "(noc in area_occupations)",
    "index past the end": 'noc in area_occupations and noc_title[200] == "x"',
}


class _Unguarded(ExpressionBudget):
    """A budget that only calls the expression: the baseline for the guard's cost."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def run(self, key, fn, arg):
        return fn(arg)


def bench_guard(repeat: int) -> None:
    ws = Workspace(cache=False)
    compiled, _ = compile_version(ws.load(VERSION).version)
    timings = {"guarded": [], "unguarded": []}
    for _ in range(repeat):
        for name, budget in (("guarded", ExpressionBudget), ("unguarded", _Unguarded)):
            start = time.process_time()
            build_table(Evaluator(compiled, ws.refdata), budget())
            timings[name].append(time.process_time() - start)
    a, b = statistics.median(timings["guarded"]), statistics.median(timings["unguarded"])
    print(f"decision table of {VERSION}: guarded {a:.3f} s, unguarded {b:.3f} s (processor time, median of "
          f"{repeat}); guard overhead x{a / b:.3f}")


def _tree(base: Path, name: str, condition) -> Path:
    root = base / name
    shutil.copytree(shipped_policies(), root)
    for manifest in root.rglob("version.yaml"):  # a working copy: the edit is the only finding
        lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
        manifest.write_text("".join(l for l in lines if not l.startswith(("sha256:", "table_sha256:"))),
                            encoding="utf-8")
    if condition is not None:
        path = root / CLAUSE
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("condition: noc in area_occupations\n", f"condition: {json.dumps(condition)}\n"),
                        encoding="utf-8")
    return root


def _check(root: Path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    command = shutil.which("sc-policy", path=str(Path(sys.executable).parent)) or "sc-policy"
    result = subprocess.run([command, "check", "--format", "json", "--policies", str(root)], capture_output=True,
                            text=True, timeout=600)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result, cpu, wall


def bench_hostile(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        baseline = _tree(base, "baseline", None)
        print(f"{'shape':<22} {'exit':>4} {'cpu s':>7} {'base s':>7} {'ratio':>6} {'wall s':>7}  finding")
        for name, condition in SHAPES.items():
            root = _tree(base, name.replace(" ", "-").replace("$", ""), condition)
            shape_cpu, base_cpu, walls = [], [], []
            for _ in range(repeat):
                result, cpu, wall = _check(root)
                shape_cpu.append(cpu)
                walls.append(wall)
                base_cpu.append(_check(baseline)[1])
            errors = [f for f in json.loads(result.stdout) if f["severity"] == "error"]
            assert result.returncode == 1 and [f["check"] for f in errors] == ["expression"], (name, result.stdout)
            a, b = statistics.median(shape_cpu), statistics.median(base_cpu)
            print(f"{name:<22} {result.returncode:>4} {a:>7.2f} {b:>7.2f} {a / b:>6.2f} {statistics.median(walls):>7.2f}"
                  f"  line {errors[0]['line']}: {errors[0]['message'][:70]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bench_guard(args.repeat)
    bench_hostile(args.repeat)


if __name__ == "__main__":
    main()
