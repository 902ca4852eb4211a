"""Benchmark: the full decision impact of `sc-policy diff` between the shipped version and an edited copy.

Not a test. Run it from a checkout with the package installed:

    python benchmarks/bench_diff.py [--repeat 3] [--no-brute-force]

It copies the shipped policy tree to a temporary folder, makes a draft with
`new-version`, edits it (an occupation and a NAICS inclusion added to ICT, the
Phase I manufacturing clause narrowed), and times, in the same run:

* baseline: loading and compiling one version (what every command pays);
* open: loading, checking and compiling both versions and building their
  decision tables, without the on-disk cache (what a first `diff` pays);
* impact: the structural diff and the exact impact once both versions are open;
* full: open + impact from a fresh workspace (a cold `sc-policy diff`);
* brute force: every input of the diff's input space decided directly
  (`Evaluator.decide` without a table) under both versions, for comparison.

Each figure is the median of ``--repeat`` runs (brute force: one run), printed
in seconds and as a ratio to the baseline.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from sc_policy.app.workspace import Workspace
from sc_policy.engine.compile import compile_version
from sc_policy.analysis.diff import diff_versions
from sc_policy.engine.decide import Evaluator
from sc_policy.reference.statcan import reference_data
from sc_policy.resources import shipped_policies
from sc_policy.load.tree import PolicyTree
from sc_policy.app.authoring import new_version

POLICY, OLD, NEW = "second-career-fast-track", "phase-1", "phase-2"


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False), encoding="utf-8")


def edited_copy(dest: Path) -> Path:
    root = dest / "policies"
    shutil.copytree(shipped_policies(), root)
    new_version(PolicyTree(root), OLD, NEW)
    folder = root / POLICY / NEW
    refdata = reference_data()

    def ict(d):
        d["occupations"].append({"code": "2241", "title": refdata.noc_title("2241"), "level": "B",
                                 "source": d["source"]})
        d["industries"]["include"].append({"code": "5416", "description": "consulting", "source": d["source"]})

    def manufacturing(d):
        d["condition"] = '(industry_prefixes & {"32", "33"}).length > 0'
        d["version"] += 1

    _edit(folder / "areas" / "ict.yaml", ict)
    _edit(folder / "clauses" / "phase-1-manufacturing.yaml", manufacturing)
    return root


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-brute-force", action="store_true")
    args = parser.parse_args()
    refdata = reference_data()
    _ = refdata.noc2016, refdata.naics2017_codes  # reference tables read once, outside every timing
    with tempfile.TemporaryDirectory() as tmp:
        root = edited_copy(Path(tmp))
        tree = PolicyTree(root)
        ref = next(r for r in tree.refs() if r.id == OLD)

        def baseline():
            return compile_version(tree.load(ref).version)[0]

        def open_both():
            ws = Workspace(root, refdata, cache=False)
            return ws.open(OLD), ws.open(NEW)

        def full():
            old, new = open_both()
            return diff_versions(old.evaluator, new.evaluator)

        t_base, _ = timed(baseline, args.repeat)
        t_open, (old, new) = timed(open_both, args.repeat)
        t_impact, diff = timed(lambda: diff_versions(old.evaluator, new.evaluator), args.repeat)
        t_full, _ = timed(full, args.repeat)
        imp = diff.impact
        inputs = imp.nocs * len(imp.industries)
        print(f"diff {OLD} -> {NEW}: {len(diff.changes)} structural changes, {len(imp.rows)} impact rows "
              f"over {imp.nocs} NOC x {len(imp.industries)} industry inputs = {inputs} inputs")
        rows = [("baseline: load + compile one version", t_base),
                ("open both versions (check, compile, decision tables; no cache)", t_open),
                ("impact once both are open (structural diff + table comparison)", t_impact),
                ("full cold diff (open both + impact)", t_full)]
        if not args.no_brute_force:
            direct_old = Evaluator(old.compiled, refdata)
            direct_new = Evaluator(new.compiled, refdata)

            def brute():
                changed = 0
                for inp in imp.industries:
                    for noc in sorted(refdata.noc2016):
                        changed += direct_old.decide(noc, inp.representative).in_scope != \
                            direct_new.decide(noc, inp.representative).in_scope
                return changed

            t_brute, changed = timed(brute, 1)
            assert changed == len(imp.rows), (changed, len(imp.rows))
            rows.append((f"brute force: {2 * inputs} direct decisions (agrees: {changed} changed)", t_brute))
        width = max(len(label) for label, _ in rows)
        print(f"{'':{width}}  {'seconds':>8}  {'x baseline':>10}")
        for label, seconds in rows:
            print(f"{label:{width}}  {seconds:8.3f}  {seconds / t_base:10.1f}")


if __name__ == "__main__":
    main()
