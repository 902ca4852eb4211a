"""``sc-policy test``: run the analysts' test cases of one or more versions, with clause coverage."""

from __future__ import annotations

from typing import List

import click

from sc_policy.app.workspace import Workspace
from sc_policy.diagnostics import ScPolicyError, no_versions, os_error
from sc_policy.present.junit import junit_refusal, junit_xml
from sc_policy.present.lines import RESULT_WORDS as _HEAD
from sc_policy.present.render import dumps
from sc_policy.analysis.testcases import OUTCOMES, VersionReport, report
from sc_policy.cli.base import format_option, policies_option, tree_paths, warn
from sc_policy.cli.diagnostics import named, words



@click.command("test")
@click.argument("versions", nargs=-1, metavar="[VERSION ...]")
@policies_option
@format_option("text", "json")
@click.option("--coverage", "with_coverage", is_flag=True,
              help="Also report, per clause, which of pass, fail and not-applicable the cases exercised, "
                   "and the listed occupations and NAICS codes that no case touches.")
@click.option("--junit-xml", "junit", type=click.Path(dir_okay=False, writable=True, path_type=str), metavar="FILE",
              callback=named,
              help="Also write the results as a JUnit XML report to FILE (one testcase per case), for CI.")
def test_command(versions, policies, fmt, with_coverage, junit):
    """Run the test cases (tests/*.yaml) of each VERSION (default: every version of the tree).

    Prints one line per failing case, then `N passed, N failed`. Exit status 1 when a case
    fails, 2 when the cases cannot run (an unknown or invalid version); the JUnit report is
    written in every case, for a run that cannot start as one error naming why.
    """
    item = None  # the version the run could not start with (None: the tree itself), for the report
    opened, reports = [], []
    try:
        ws = Workspace(policies, notify=warn)
        asked = list(dict.fromkeys(versions)) if versions else ws.tree.refs()
        if not asked:  # a CI job pointed at the wrong folder must not pass
            raise no_versions(str(ws.tree.root))
        for item in asked:
            version = ws.open(item) if isinstance(item, str) else ws.open_ref(item)
            if all(version is not other for other in opened):  # phase-1 and POLICY/phase-1 are one version
                opened.append(version)
                # run here: a frozen version is refused as it decides (its table-mismatch), after it opened
                reports.append(report(version.evaluator))
    except ScPolicyError as exc:  # the run cannot start: the report says why before the error is shown
        if junit:
            details = [f.render(words) for f in getattr(exc, "findings", ())]
            if item is None:  # the tree itself: named as the error names it
                span = exc.diagnostic.span
                refusal = junit_refusal(span.path if span else "policies", exc.line(words), details,
                                        "the policy tree has versions")
            else:  # the testcase at the error's file and line, named as every testcase's file is
                span = exc.diagnostic.span
                refusal = junit_refusal(item if isinstance(item, str) else item.rel, exc.line(words), details,
                                        file=tree_paths(policies)(span.path) if span.path else "", line=span.line)
            _write(junit, refusal)
        raise
    passed = sum(r.passed for r in reports)
    failed = sum(r.failed for r in reports)
    if junit:
        _write(junit, junit_xml(reports, tree_paths(policies)))
    if fmt == "json":
        click.echo(dumps({"passed": passed, "failed": failed,
                          "versions": [r.as_dict(with_coverage) for r in reports]}), nl=False)
    else:
        lines: List[str] = []
        for r in reports:
            if not r.results:
                lines.append(f"{r.policy} {r.version}: no test cases (write them in tests/*.yaml)")
            lines.extend(result.line() for result in r.results if not result.passed)
        if with_coverage:
            for r in reports:
                lines.extend(coverage_lines(r))
        lines.append(f"{passed} passed, {failed} failed")
        click.echo("\n".join(lines))
    if failed:
        click.get_current_context().exit(1)


def _write(path: str, report: bytes) -> None:
    try:
        with open(path, "wb") as out:
            out.write(report)
    except OSError as exc:
        raise os_error(exc, "write the JUnit report", path) from None


def coverage_lines(r: VersionReport) -> List[str]:
    """The coverage of one version as text: a clause table, then the untouched list entries."""
    cov = r.coverage
    out = [f"coverage of {r.policy} {r.version} ({len(r.results)} cases):"]
    width = max([len(c.clause) for c in cov.clauses] + [6])
    out.append(f"  {'clause':<{width}}  " + "  ".join(f"{_HEAD[o]:>5}" for o in OUTCOMES) + "  missing")
    for c in cov.clauses:
        cells = [f"{c.cases.get(o, 0):>5}" if o in c.possible else f"{'-':>5}" for o in OUTCOMES]
        missing = ", ".join(_HEAD[o] for o in c.missing) or "none"
        out.append(f"  {c.clause:<{width}}  " + "  ".join(cells) + f"  {missing}")
    complete = sum(1 for c in cov.clauses if not c.missing)
    out.append(f"  clause coverage: {'complete' if cov.complete else 'incomplete'} "
               f"({complete} of {len(cov.clauses)} clauses fully exercised)")
    if cov.occupations:
        out.append(f"  listed occupations no case touches ({len(cov.occupations)}):")
        out.extend(f"    {u.area}: {u.code or '(no code)'} {u.title}" for u in cov.occupations)
    else:
        out.append("  listed occupations no case touches: none")
    if cov.industries:
        out.append(f"  NAICS codes no case touches ({len(cov.industries)}):")
        out.extend(f"    {u.area}: {u.kind} {u.code} {u.title}" for u in cov.industries)
    else:
        out.append("  NAICS codes no case touches: none")
    return out
