"""Benchmark: how opening, checking and deciding grow with the number of clauses, and `check` on unknown keys.

Not a test. Run it from a checkout with the package installed:

    python benchmarks/bench_scale.py [--sizes 250,500,1000] [--repeat 2] [--unknown-keys 8000]

It copies the shipped policy tree (3 areas, 5 clauses) and adds generated clauses
until the version has N clauses. They take, in turn, the shapes of the five shipped
clauses (skill level; listed in the area; NOC A exception; an industry refused;
industry within the area's definition), plus one reading both occupation and industry
facts and one reading area facts only (see ``SHAPES``), with constants that make
every expression different (an unlisted unit group, a NAICS industry group, a sector);
each applying to one, two or all three areas. For every size it times, without the on-disk
cache and in the same run, alternating the sizes (250, 500, 1000, 250, 500, 1000, ...):

* open: ``Workspace.open`` (load, validate, compile, check, decision table);
* check: ``sc-policy check``'s ``check_tree`` over the tree;
* decide: open, then ``explain`` for every NOC 2016 unit group, without and with an industry;

and prints wall and CPU seconds, CPU milliseconds per clause and the ratio to the smallest size
(linear growth: the ratio of times follows the ratio of clauses). Then it times `check` on a
clause file with ``--unknown-keys`` unknown keys against `check` of the unchanged tree (the
baseline), alternating the two.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import yaml

from sc_policy.app.workspace import Workspace
from sc_policy.app.checking import check_tree
from sc_policy.reference.statcan import reference_data
from sc_policy.resources import shipped_policies

POLICY, VERSION = "second-career-fast-track", "phase-1"
AREAS = ("ict", "life-sciences", "manufacturing")
SECTORS = ("11", "21", "22", "23", "42", "44", "48", "49", "51", "52", "53", "54", "55", "56", "61", "62", "71",
           "72", "81", "91")
CITATION = {"line": 13, "quote": "Definitions of each Invest Ontario priority area and the list of occupations "
                                 "included under each priority areas are outlined below."}


SHAPES = ("skill-level", "listed", "noc-a", "industry", "industry-in-area", "both", "area")
"""The generated clauses take the shapes of the five shipped ones, plus a clause reading both
occupation and industry facts and one reading area facts only, in turn."""


def _clause(i: int, unlisted: List[str], groups: List[str]) -> dict:
    """The i-th generated clause: every listed occupation passes it with no industry (as `check`
    requires); its expressions differ from every other generated clause's."""
    applies = [list(AREAS), [AREAS[i % 3]], [AREAS[i % 3], AREAS[(i + 1) % 3]]][(i // len(SHAPES)) % 3]
    shape = SHAPES[i % len(SHAPES)]
    n = i // len(SHAPES)
    code, group, sector = unlisted[n % len(unlisted)], groups[n % len(groups)], SECTORS[n % len(SECTORS)]
    clause = {"id": f"generated-{i:05d}", "version": 1, "title": f"Generated clause {i} ({shape})",
              "applies_to": applies}
    na = "No employer industry was given."
    if shape == "skill-level":
        clause["condition"] = f'noc_level in ["A", "B", "C"] and noc != "{code}"'
        clause["explain"] = {"pass": "{noc} is at level {noc_level}.", "fail": "{noc} is at level {noc_level}."}
    elif shape == "listed":
        clause["condition"] = f'noc in area_occupations or noc == "{code}"'
        clause["explain"] = {"pass": "{noc} is listed in {area_title}.", "fail": "{noc} is not listed."}
    elif shape == "noc-a":
        clause["when"] = 'noc_level == "A"'
        clause["condition"] = f'noc in area_noc_a or noc == "{code}"'
        clause["explain"] = {"pass": "{noc} is a listed NOC A.", "fail": "{noc} is an unlisted NOC A.",
                             "not_applicable": "{noc} is not NOC A."}
    elif shape == "industry":
        clause["when"] = "industry_given"
        clause["condition"] = f'not ("{group}" in industry_prefixes)'
        clause["explain"] = {"pass": "NAICS {industry} is outside " + group + ".",
                             "fail": "NAICS {industry} is in " + group + ".", "not_applicable": na}
    elif shape == "industry-in-area":
        clause["when"] = "industry_given"
        clause["condition"] = (f'(industry_prefixes & area_naics_included).length > 0 '
                               f'and not ("{group}" in industry_prefixes)')
        clause["explain"] = {"pass": "NAICS {industry} is within {area_title}.",
                             "fail": "NAICS {industry} is outside {area_title}.", "not_applicable": na}
    elif shape == "both":
        clause["condition"] = f'not (noc == "{code}" and "{sector}" in industry_prefixes)'
        clause["explain"] = {"pass": "{noc} with NAICS {industry} is not excluded.",
                             "fail": "{noc} is excluded in sector " + sector + "."}
    else:
        clause["condition"] = f'area_title != "generated area {i}"'
        clause["explain"] = {"pass": "{area_title} has its own title.", "fail": "The area has the generated title."}
    clause["source"] = [dict(CITATION)]
    return clause


def generate_tree(dest: Path, clauses: int) -> Path:
    """A copy of the shipped tree whose version has ``clauses`` clauses (the 5 shipped ones included)."""
    root = dest / f"policies-{clauses}"
    shutil.copytree(shipped_policies(), root)
    folder = root / POLICY / VERSION
    refdata = reference_data()
    listed = set()
    for path in (folder / "areas").glob("*.yaml"):
        listed.update(str(o.get("code")) for o in yaml.safe_load(path.read_text("utf-8"))["occupations"])
    unlisted = sorted(set(refdata.noc2016) - listed)
    groups = sorted(c for c in refdata.naics2017_codes if len(c) == 4)  # NAICS industry groups
    existing = len(list((folder / "clauses").glob("*.yaml")))
    for i in range(clauses - existing):
        data = _clause(i, unlisted, groups)
        (folder / "clauses" / f"{data['id']}.yaml").write_text(
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")
    manifest = folder / "version.yaml"
    data = yaml.safe_load(manifest.read_text("utf-8"))
    for field in ("sha256", "table_sha256"):  # the content changed: the shipped hashes no longer apply
        data.pop(field, None)
    manifest.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")
    return root


def unknown_keys_tree(dest: Path, keys: int) -> Path:
    """A copy of the shipped tree whose clause file occupation-listed.yaml carries ``keys`` unknown keys."""
    root = dest / f"policies-unknown-{keys}"
    shutil.copytree(shipped_policies(), root)
    path = root / POLICY / VERSION / "clauses" / "occupation-listed.yaml"
    with path.open("a", encoding="utf-8") as f:
        for i in range(keys):
            f.write(f"unknown_{i:05d}: {i}\n")
    return root


def _timed(fn, root: Path) -> Tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(root)
    return time.perf_counter() - wall, time.process_time() - cpu


def _open(root: Path):
    return Workspace(root, cache=False).open(VERSION)


def _check(root: Path):
    return check_tree(root, [VERSION])


def _decide(root: Path):
    opened = _open(root)
    refdata = reference_data()
    for noc in sorted(refdata.noc2016):
        opened.evaluator.answer(noc)
        opened.evaluator.answer(noc, "541514")
    return opened


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="250,500,1000", help="clause counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=2, help="rounds (sizes alternate within each round)")
    parser.add_argument("--unknown-keys", type=int, default=8000)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    refdata = reference_data()
    _ = refdata.noc2016, refdata.naics2017_codes  # reference tables read once, outside every timing
    tasks: Dict[str, Callable] = {"open": _open, "check": _check, "decide": _decide}
    with tempfile.TemporaryDirectory() as tmp:
        roots = {n: generate_tree(Path(tmp), n) for n in sizes}
        for n, root in roots.items():  # every generated tree is valid: no error finding
            errors = [f for f in _check(root) if f.severity == "error"]
            if errors:
                print(f"generated tree of {n} clauses has errors: {errors[0].render()}", file=sys.stderr)
                return 1
        times: Dict[tuple, List[Tuple[float, float]]] = {}
        for _ in range(args.repeat):
            for task, fn in tasks.items():
                for n in sizes:  # A B C A B C: the sizes alternate within each round
                    times.setdefault((task, n), []).append(_timed(fn, roots[n]))
        print(f"generated trees: 3 areas, clauses {', '.join(map(str, sizes))}; median of {args.repeat} runs "
              f"(wall: elapsed seconds; cpu: this process's CPU seconds, which other load on the machine "
              f"disturbs less)")
        print(f"{'task':8} {'clauses':>8} {'wall s':>8} {'cpu s':>8} {'cpu ms/clause':>14} {'cpu x smallest':>15} "
              f"{'clauses x smallest':>19}")
        for task in tasks:
            base = statistics.median(c for _, c in times[(task, sizes[0])])
            for n in sizes:
                wall = statistics.median(w for w, _ in times[(task, n)])
                cpu = statistics.median(c for _, c in times[(task, n)])
                print(f"{task:8} {n:8d} {wall:8.2f} {cpu:8.2f} {1000 * cpu / n:14.2f} {cpu / base:15.2f} "
                      f"{n / sizes[0]:19.2f}")

        plain = Path(tmp) / "policies-plain"
        shutil.copytree(shipped_policies(), plain)
        unknown = unknown_keys_tree(Path(tmp), args.unknown_keys)
        size = (unknown / POLICY / VERSION / "clauses" / "occupation-listed.yaml").stat().st_size
        runs: Dict[str, List[Tuple[float, float]]] = {"plain": [], "unknown": []}
        for _ in range(args.repeat):
            for label, root in (("plain", plain), ("unknown", unknown)):
                runs[label].append(_timed(_check, root))
        found = sum(f.code == "unknown-key" for f in _check(unknown))
        (w_plain, c_plain), (w_unknown, c_unknown) = (
            tuple(statistics.median(x[k] for x in runs[label]) for k in (0, 1)) for label in ("plain", "unknown"))
        print(f"check, shipped tree (baseline):                      wall {w_plain:6.2f} s, cpu {c_plain:6.2f} s")
        print(f"check, {args.unknown_keys} unknown keys in one {size // 1000} kB clause file: wall {w_unknown:6.2f} s, "
              f"cpu {c_unknown:6.2f} s ({c_unknown / c_plain:.2f}x baseline cpu; {found} unknown-key findings "
              f"listed, the rest counted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
