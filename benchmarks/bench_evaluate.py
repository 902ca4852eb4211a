"""Benchmark `sc-policy evaluate` and `sc-policy explain`, as ratios measured in one run on one machine.

    python benchmarks/bench_evaluate.py              # 1,000,000 rows (about a minute)
    python benchmarks/bench_evaluate.py --rows 100000
    python benchmarks/bench_evaluate.py --against /tmp/main   # also a before/after ratio against another tree
                                                              # (its Python path, and its DuckDB path)

What it measures (each command in its own process, wall time; medians of --repeat runs, the
commands compared with each other run in turn, A B A B, so that the machine's load touches
them alike):

* evaluate over a generated caseload CSV (case_id, noc, industry: every NOC 2016 unit
  group, 30 % without industry, the rest any NAICS Canada 2017 code, 1 % bad codes),
  against the practical limit: a plain Python pass that reads the same CSV with
  csv.reader and writes it back with csv.writer and one added column. Target: at least 0.5x.
* per-row direct rule-engine evaluation (Evaluator.decide_direct on --sample rows, in
  process), against evaluate's rows per second. Target: at least 100x.
* explain from a cold cache (an empty cache folder) and a warm one, against
  `python -c "import click, yaml"`. Target: warm at most 2x.
* with the data extra (DuckDB) installed, evaluate through DuckDB (SC_POLICY_ENGINE=duckdb): against a hand-written DuckDB
  join of the caseload on the exported `table` and `table --classes`, writing the same columns.
  Target: at most 1.0x. And against the Python path (the default).
* with pyarrow (the data extra), evaluate of the same caseload as Parquet (every column text, row groups
  of 100,000 rows) to Parquet, against the CSV run (and --against's Parquet run).
* peak resident memory of evaluate (getrusage of the child) at --rows/10, /2 and --rows
  rows, on each path. Target: the same within noise (through DuckDB: --rows within 1.2x of --rows/10).

Wall time suffers when other work shares the machine; the CPU time of each process
(user + system, from getrusage) is printed beside it and decides "met".

The cache lives in a temporary folder, never the user's. Nothing here is a test: no
threshold fails anything; the table says which targets were met.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

PLAIN_PASS = r"""
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f, open(sys.argv[2], "w", newline="", encoding="utf-8") as g:
    r = csv.reader(f)
    w = csv.writer(g, lineterminator="\n")
    w.writerow(next(r) + ["added"])
    for row in r:
        row.append("x")
        w.writerow(row)
"""

TO_PARQUET = r"""
import sys
import pyarrow as pa, pyarrow.csv as pc, pyarrow.parquet as pq
names = open(sys.argv[1], encoding="utf-8").readline().strip().split(",")
table = pc.read_csv(sys.argv[1], convert_options=pc.ConvertOptions(column_types={n: pa.string() for n in names}))
pq.write_table(table, sys.argv[2], row_group_size=100_000)
"""
"""The caseload as Parquet, every column text (as a warehouse export of codes has them), in row groups of
100,000 rows."""

DUCK_JOIN = r"""
import duckdb, sys
cases, table, classes, out = sys.argv[1:5]
con = duckdb.connect()
con.execute(f'''COPY (
  SELECT c.case_id, c.noc, c.industry, t.eligible, NULLIF(t.areas, \'\') AS areas, t.version,
         CASE WHEN t.noc IS NULL THEN \'bad code\' END AS error, t.version_hash
  FROM read_csv(\'{cases}\', all_varchar = true) AS c
  LEFT JOIN read_csv(\'{classes}\', all_varchar = true) AS k
    ON COALESCE(k.industry, \'\') = COALESCE(trim(c.industry), \'\')
  LEFT JOIN read_csv(\'{table}\', all_varchar = true) AS t ON t.noc = trim(c.noc) AND t.industry_class = k.industry_class
) TO \'{out}\' (HEADER)''')
"""
"""The baseline of the columnar path: a hand-written DuckDB join of the caseload on `sc-policy table` and
`table --classes` (its class 0 row for no industry: all_varchar reads its empty industry, and the caseload's,
as NULL, hence COALESCE on both sides), writing evaluate's columns (an error marked, not worded)."""

MEASURE = r"""
import resource, subprocess, sys, time
t = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(code, wall, r.ru_utime + r.ru_stime, r.ru_maxrss)
"""


def sc_policy() -> list:
    exe = shutil.which("sc-policy") or os.path.join(os.path.dirname(sys.executable), "sc-policy")
    return [exe] if os.path.exists(exe) else [sys.executable, "-m", "sc_policy.cli"]


def generate(path: Path, rows: int, seed: int = 8) -> None:
    from sc_policy.reference.statcan import reference_data
    rd = reference_data()
    nocs = sorted(rd.noc2016)
    naics = list(rd.naics2017_codes)
    rnd = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case_id", "noc", "industry"])
        for i in range(rows):
            r = rnd.random()
            noc = rnd.choice(nocs) if r > 0.005 else "21A4"
            industry = "" if r < 0.3 else rnd.choice(naics) if r < 0.995 else "5132"
            w.writerow([f"C{i:08d}", noc, industry])


def measure(cmd, env, repeat=1):
    """(wall seconds, CPU seconds, peak RSS in MB) of a command in its own process; medians over runs."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], env=env, capture_output=True, text=True).stdout
        _, wall, cpu, rss = out.split()
        runs.append((float(wall), float(cpu), int(rss) / 1024))  # Linux reports KiB
    return tuple(statistics.median(r[i] for r in runs) for i in range(3))


def alternate(commands: dict, repeat: int) -> dict:
    """``measure`` of each command, run in turn (A B C A B C ...) for ``repeat`` rounds, so that a
    change in the machine's load between rounds touches every command alike; (medians, minima).
    ``commands`` maps a name to a function of the round giving (command, environment)."""
    runs: dict = {name: [] for name in commands}
    for i in range(repeat):
        for name, command in commands.items():
            runs[name].append(measure(*command(i)))
    medians = {name: tuple(statistics.median(r[k] for r in rs) for k in range(3)) for name, rs in runs.items()}
    return medians, {name: tuple(min(r[k] for r in rs) for k in range(3)) for name, rs in runs.items()}


def direct_per_row(sample_path: Path, sample: int) -> float:
    """CPU seconds per row of direct rule-engine evaluation (codes checked, every clause evaluated)."""
    from sc_policy.app.workspace import Workspace
    from sc_policy.diagnostics import InputError
    from sc_policy.reference.codes import parse_industry, parse_noc
    ws = Workspace(cache=False)
    ev = ws.open().evaluator
    with open(sample_path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:sample + 1]
    t = time.process_time()
    for _, noc, industry in rows:
        try:
            parsed = parse_noc(noc, ws.refdata)
            naics = parse_industry(industry, ws.refdata)
        except InputError:
            continue
        for c in parsed.candidates:
            ev.decide_direct(c, naics).in_scope
    return (time.process_time() - t) / len(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the large caseload (default 1,000,000)")
    ap.add_argument("--sample", type=int, default=2000, help="rows evaluated directly with rule-engine")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement (median)")
    ap.add_argument("--against", metavar="DIR",
                    help="also run evaluate from this source tree (e.g. `git archive main | tar -x -C DIR`), "
                         "in turn with this one, each with its own warm cache: a before/after ratio")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sc-policy-bench-"))
    env = dict(os.environ, SC_POLICY_CACHE_DIR=str(work / "cache"))
    env.pop("SC_POLICY_NO_CACHE", None)
    cli = sc_policy()
    try:
        sizes = sorted({max(1, args.rows // 10), max(1, args.rows // 2), args.rows})
        files = {}
        for n in sizes:
            files[n] = work / f"cases-{n}.csv"
            generate(files[n], n)
        big = files[args.rows]
        subprocess.run(cli + ["explain", "2174"], env=env, stdout=subprocess.DEVNULL, check=True)  # warm the cache

        generate(work / "header.csv", 0)
        commands = {
            "plain": lambda i: ([sys.executable, "-c", PLAIN_PASS, str(big), str(work / "plain.csv")], env),
            "evaluate": lambda i: (cli + ["evaluate", str(big), "--output", str(work / "out.csv")], env),
            "startup": lambda i: (cli + ["evaluate", str(work / "header.csv"), "--output", str(work / "o0.csv")],
                                  env),
        }
        try:
            import duckdb  # noqa: F401  (the data extra: evaluate decides in DuckDB)
            columnar = True
        except ImportError:
            columnar = False
        if columnar:
            for name, extra in (("table", []), ("classes", ["--classes"])):
                with open(work / f"{name}.csv", "wb") as f:
                    subprocess.run(cli + ["table", *extra], env=env, stdout=f, check=True)
            commands["duckjoin"] = lambda i: ([sys.executable, "-c", DUCK_JOIN, str(big), str(work / "table.csv"),
                                               str(work / "classes.csv"), str(work / "join.csv")], env)
            commands["duckdb"] = lambda i: (cli + ["evaluate", str(big), "--output", str(work / "out-d.csv")],
                                            dict(env, SC_POLICY_ENGINE="duckdb"))
            subprocess.run(cli + ["evaluate", str(files[sizes[0]]), "--output", str(work / "warm-d.csv")],  # a first run
                           env=dict(env, SC_POLICY_ENGINE="duckdb"), stdout=subprocess.DEVNULL,  # not counted
                           stderr=subprocess.DEVNULL)
        try:
            import pyarrow  # noqa: F401  (the data extra: Parquet in and out)
            parquet = work / "cases.parquet"
            subprocess.run([sys.executable, "-c", TO_PARQUET, str(big), str(parquet)], check=True)
            commands["parquet"] = lambda i: (cli + ["evaluate", str(parquet), "--output", str(work / "out.parquet")],
                                             env)
        except ImportError:
            parquet = None
        if args.against:
            # -P: the source tree named, not the current directory, provides sc_policy
            other = [sys.executable, "-P", "-c", "from sc_policy.cli import main; main()"]
            other_env = dict(env, PYTHONPATH=str(Path(args.against).resolve()),
                             SC_POLICY_CACHE_DIR=str(work / "cache-against"))
            subprocess.run(other + ["explain", "2174"], env=other_env, stdout=subprocess.DEVNULL, check=True)
            commands["against"] = lambda i: (other + ["evaluate", str(big), "--output", str(work / "out-a.csv")],
                                             other_env)
            if parquet is not None:
                commands["against-parquet"] = lambda i: (
                    other + ["evaluate", str(parquet), "--output", str(work / "out-a.parquet")], other_env)
            if columnar:  # the DuckDB path of that tree too (after a first run, not counted)
                subprocess.run(other + ["evaluate", str(files[sizes[0]]), "--output", str(work / "warm-a.csv")],
                               env=dict(other_env, SC_POLICY_ENGINE="duckdb"), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                commands["against-duckdb"] = lambda i: (
                    other + ["evaluate", str(big), "--output", str(work / "out-ad.csv")],
                    dict(other_env, SC_POLICY_ENGINE="duckdb"))
        first, least = alternate(commands, args.repeat)
        identical = columnar and filecmp.cmp(work / "out.csv", work / "out-d.csv", shallow=False)
        plain, evaluate, startup = first["plain"], first["evaluate"], first["startup"]
        per_row = direct_per_row(big, args.sample)
        direct_total = per_row * args.rows

        explain = ["explain", "2174", "--industry", "541514"]
        second, _ = alternate({
            "cold": lambda i: (cli + explain, dict(env, SC_POLICY_CACHE_DIR=str(work / f"cold-{i}"))),
            "warm": lambda i: (cli + explain, env),
            "base": lambda i: ([sys.executable, "-c", "import click, yaml"], env),
            "python": lambda i: ([sys.executable, "-c", "pass"], env),
        }, args.repeat)
        cold_t, warm_t, base_t = second["cold"], second["warm"], second["base"]
        base_cpu_python = second["python"][1]
        rss = {n: measure(cli + ["evaluate", str(files[n]), "--output", str(work / f"m{n}.csv")], env)[2]
               for n in sizes}
        duck_rss = {n: measure(cli + ["evaluate", str(files[n]), "--output", str(work / f"d{n}.csv")],
                               dict(env, SC_POLICY_ENGINE="duckdb"))[2] for n in sizes} if columnar else {}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def row(name, value="", ratio="", target="", met=""):
        print(f"{name:<50} {value:>22} {ratio:>14} {target:>7} {met:>4}")

    def times(m):
        return f"{m[0]:.2f} s ({m[1]:.2f} cpu)"

    def ratio(a, b):
        return f"{a:.2f}x ({b:.2f} cpu)"

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"sc-policy benchmark: {args.rows:,} rows, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {load:.2f}; wall time (CPU time of the process), medians of {args.repeat}")
    row("measure", "value", "ratio", "target", "met")
    row(f"evaluate {args.rows:,} rows, warm cache", times(evaluate))
    if args.against:
        against = first["against"]
        row(f"  the same from {args.against}", times(against))
        row("  this tree's time / that tree's", "", ratio(evaluate[0] / against[0], evaluate[1] / against[1]))
    row("  of which start-up (evaluate a header alone)", times(startup))
    if "duckjoin" in first:
        join, duck = first["duckjoin"], first["duckdb"]
        row("evaluate through DuckDB (SC_POLICY_ENGINE=duckdb)", times(duck))
        row("  its output byte for byte the Python path's", "yes" if identical else "NO")
        row("hand-written DuckDB join on the exported tables", times(join))
        row("  evaluate through DuckDB / hand-written join", "", ratio(duck[0] / join[0], duck[1] / join[1]),
            "<=1.0x", "yes" if duck[1] / join[1] <= 1.0 else "NO")
        join_min, duck_min = least["duckjoin"], least["duckdb"]
        row("  the same, minima over the runs", "", ratio(duck_min[0] / join_min[0], duck_min[1] / join_min[1]))
        row("  evaluate through DuckDB / Python path", "", ratio(duck[0] / evaluate[0], duck[1] / evaluate[1]))
        if "against-duckdb" in first:
            theirs = first["against-duckdb"]
            row(f"  the same through DuckDB from {args.against}", times(theirs))
            row("  this tree's DuckDB path / that tree's", "", ratio(duck[0] / theirs[0], duck[1] / theirs[1]))
    if "parquet" in first:
        mine = first["parquet"]
        row(f"evaluate {args.rows:,} rows Parquet to Parquet", times(mine))
        row("  Parquet to Parquet / CSV to CSV", "", ratio(mine[0] / evaluate[0], mine[1] / evaluate[1]))
        if "against-parquet" in first:
            theirs = first["against-parquet"]
            row(f"  the same from {args.against}", times(theirs))
            row("  this tree's time / that tree's", "", ratio(mine[0] / theirs[0], mine[1] / theirs[1]))
    row("plain csv read + write with one column", times(plain))
    speed, speed_cpu = plain[0] / evaluate[0], plain[1] / evaluate[1]
    row("  evaluate speed / plain pass speed", "", ratio(speed, speed_cpu), ">=0.5x",
        "yes" if speed_cpu >= 0.5 else "NO")
    rows_only = (plain[1] - base_cpu_python) / max(evaluate[1] - startup[1], 1e-9)
    row("  the same, start-ups left out", "", f"({rows_only:.2f} cpu)", "", "")
    row(f"direct rule-engine per row (sample of {args.sample:,})", f"{per_row * 1e6:.0f} us cpu")
    row(f"  evaluate speed / direct ({direct_total:.0f} s est.)", "",
        ratio(direct_total / evaluate[0], direct_total / evaluate[1]), ">=100x",
        "yes" if direct_total / evaluate[1] >= 100 else "NO")
    row("explain, cold cache", times(cold_t))
    row("explain, warm cache", times(warm_t))
    row("python -c 'import click, yaml'", times(base_t))
    row("  warm explain / baseline", "", ratio(warm_t[0] / base_t[0], warm_t[1] / base_t[1]), "<=2x",
        "yes" if warm_t[1] / base_t[1] <= 2 else "NO")
    for n in sizes:
        row(f"peak RSS, evaluate {n:,} rows", f"{rss[n]:.1f} MB")
    growth = rss[args.rows] / rss[sizes[0]]
    row(f"  peak RSS {args.rows:,} / {sizes[0]:,} rows", "", f"{growth:.2f}x", "~1x", "yes" if growth <= 1.2 else "NO")
    if duck_rss:
        for n in sizes:
            row(f"peak RSS, evaluate through DuckDB {n:,} rows", f"{duck_rss[n]:.1f} MB")
        growth = duck_rss[args.rows] / duck_rss[sizes[0]]
        row(f"  through DuckDB: peak RSS {args.rows:,} / {sizes[0]:,} rows", "", f"{growth:.2f}x", "<=1.2x",
            "yes" if growth <= 1.2 else "NO")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    main()
