"""Benchmark: `sc-policy check` on a tree with one large rule file, at two sizes: is the time per kB the same?

Not a test. Run it from a checkout with the package installed:

    python benchmarks/bench_large_file.py [--sizes 240,960] [--repeat 3] [--shapes occupations,quotes,...]
    python benchmarks/bench_large_file.py --baseline /path/to/other/checkout   # ... and that checkout's code

For each shape it copies the shipped tree and makes one rule file of version phase-1.1 about each size
(kB; the limit for a rule file is 1,000 kB):

* occupations: ``areas/ict.yaml`` listing thousands of occupations, one in twenty a NOC 2016 unit
  group (spread evenly: a larger file lists more of them), the others 4-digit codes that are none;
* expressions: the same file, each entry also carrying a ``condition`` (an unknown key, a plausible slip);
* quotes: ``clauses/occupation-listed.yaml`` citing hundreds of distinct 1,000-character runs of the
  source, each with one typo (every quote-not-found finding looks for the passage meant);
* text: the same clause with a title of the whole size (one huge string);
* unknown-keys: the same clause with thousands of unknown keys.

Each run is a fresh process (``python -m sc_policy check --policies TREE phase-1.1``: nothing remembered
from another run), timed by its CPU seconds (user and system; POSIX only). Within a round the trees alternate: the shipped tree (the
baseline, B), then each size of each shape, and again (B A1 A2 B A1 A2 ...). It prints, per shape and
size, the median seconds, the time per kB over the baseline ((median - baseline) / kB), and the ratio of
the larger size's time per kB to the smaller's: about 1 when the time grows linearly with the file,
the ratio of the sizes (4) when it grows with its square.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List

POLICY, VERSION = "second-career-fast-track", "phase-1.1"
SHAPES = ("occupations", "expressions", "quotes", "text", "unknown-keys")


def _entry(code: str, i: int, extra: str = "") -> str:
    return (f"- code: '{code}'\n  title: Generated occupation {i}\n  level: B\n{extra}  source:\n"
            f"  - {{line: 72, quote: 2282 User Support Technicians – NOC B}}\n")


def _occupations(folder: Path, size: int, with_condition: bool) -> None:
    from sc_policy.reference.statcan import reference_data
    units = sorted(reference_data().noc2016)
    others = [f"{n:04d}" for n in range(10_000) if f"{n:04d}" not in reference_data().noc2016]
    path = folder / "areas" / "ict.yaml"
    parts = [path.read_text(encoding="utf-8")]
    total, i = len(parts[0]), 0
    while total < size:
        code = units[(i // 20) % len(units)] if i % 20 == 0 else others[i % len(others)]
        extra = f"  condition: noc == '{code}' or noc_level == 'A'\n" if with_condition else ""
        parts.append(_entry(code, i, extra))
        total += len(parts[-1])
        i += 1
    path.write_text("".join(parts), encoding="utf-8")


def _quotes(folder: Path, size: int) -> None:
    source = (folder.parent / "source" / "second-career-fast-track.txt").read_text(encoding="utf-8")
    words = source.split()
    path = folder / "clauses" / "occupation-listed.yaml"
    text = path.read_text(encoding="utf-8")
    lines, total, i = [], len(text), 0
    while total < size:
        run, k = [], (i * 7) % (len(words) - 400)
        while len(" ".join(run)) < 1000:
            run.append(words[k])
            k += 1
        quote = " ".join(run)
        middle = len(quote) // 2
        quote = quote[:middle] + ("Z" if quote[middle] != "Z" else "Y") + quote[middle + 1:]
        lines.append(f"  - line: 60\n    quote: '{quote.replace(chr(39), chr(39) * 2)}'\n")
        total += len(lines[-1])
        i += 1
    path.write_text(text.replace("\nsource:\n", "\nsource:\n" + "".join(lines), 1), encoding="utf-8")


def _text(folder: Path, size: int) -> None:
    path = folder / "clauses" / "occupation-listed.yaml"
    text = path.read_text(encoding="utf-8")
    words = ("the occupation is listed among those in scope " * (size // 46 + 1))[:size - len(text)]
    path.write_text(text.replace("\ntitle: ", f"\ntitle: {words} ", 1), encoding="utf-8")


def _unknown_keys(folder: Path, size: int) -> None:
    path = folder / "clauses" / "occupation-listed.yaml"
    text = path.read_text(encoding="utf-8")
    keys, total, i = [text], len(text), 0
    while total < size:
        keys.append(f"unknown_{i:06d}: {i}\n")
        total += len(keys[-1])
        i += 1
    path.write_text("".join(keys), encoding="utf-8")


MAKERS: Dict[str, Callable[[Path, int], None]] = {
    "occupations": lambda folder, size: _occupations(folder, size, False),
    "expressions": lambda folder, size: _occupations(folder, size, True),
    "quotes": _quotes,
    "text": _text,
    "unknown-keys": _unknown_keys,
}


def make_tree(dest: Path, shape: str, kb: int) -> Path:
    """A copy of the shipped tree whose version phase-1.1 has one rule file of ``shape`` of about ``kb`` kB
    (the manifest's hashes dropped: the content changed)."""
    from sc_policy.resources import shipped_policies
    root = dest / f"{shape}-{kb}"
    shutil.copytree(shipped_policies(), root)
    folder = root / POLICY / VERSION
    manifest = folder / "version.yaml"
    manifest.write_text("".join(line for line in manifest.read_text(encoding="utf-8").splitlines(True)
                                if not line.startswith(("sha256:", "table_sha256:"))), encoding="utf-8")
    if shape != "baseline":
        MAKERS[shape](folder, kb * 1000)
    return root


def _run(root: Path, code: str) -> float:
    """The CPU seconds (user and system) of one `check` in a child process: less disturbed than its wall
    clock by what else the machine runs."""
    env = {**os.environ, "PYTHONPATH": code, "SC_POLICY_NO_CACHE": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "sc_policy", "check", "--policies", str(root), VERSION,
                           "--severity", "error"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"check of {root} could not run: {done.stderr.decode(errors='replace')[-400:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(code: str, trees: Dict[str, Dict[int, Path]], base: Path, sizes: List[int], repeat: int) -> None:
    times: Dict[tuple, List[float]] = {}
    for _ in range(repeat):
        for shape, by_size in trees.items():
            times.setdefault(("baseline", 0), []).append(_run(base, code))
            for kb in sizes:
                times.setdefault((shape, kb), []).append(_run(by_size[kb], code))
    baseline = statistics.median(times[("baseline", 0)])
    print(f"code: {code}; baseline (shipped tree): {baseline:.2f} CPU s, median of {len(times[('baseline', 0)])}")
    print(f"{'shape':14} {'kB':>5} {'file kB':>8} {'median CPU s':>13} {'ms/kB over base':>16} {'ratio':>6}")
    for shape, by_size in trees.items():
        per_kb = {}
        for kb in sizes:
            big = max(by_size[kb].rglob("*.yaml"), key=lambda p: p.stat().st_size).stat().st_size / 1000
            took = statistics.median(times[(shape, kb)])
            per_kb[kb] = max(took - baseline, 0.0) / big * 1000
            ratio = f"{per_kb[kb] / per_kb[sizes[0]]:6.2f}" if kb != sizes[0] and per_kb[sizes[0]] else ""
            print(f"{shape:14} {kb:5d} {big:8.0f} {took:13.2f} {per_kb[kb]:16.2f} {ratio:>6}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="240,960", help="two sizes of the large file in kB, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (the trees alternate within each)")
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"of {', '.join(SHAPES)}")
    parser.add_argument("--baseline", help="another checkout whose code is measured too, first")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = [s for s in args.shapes.split(",") if s]
    unknown = sorted(set(shapes) - set(SHAPES))
    if unknown or len(sizes) != 2:
        parser.error(f"unknown shapes {unknown}" if unknown else "give two sizes")
    here = str(Path(__file__).resolve().parent.parent)
    with tempfile.TemporaryDirectory() as tmp:
        base = make_tree(Path(tmp), "baseline", 0)
        trees = {shape: {kb: make_tree(Path(tmp), shape, kb) for kb in sizes} for shape in shapes}
        for code in ([args.baseline] if args.baseline else []) + [here]:
            measure(code, trees, base, sizes, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
